import FoundationEssentials
package import WharfHTTP
import WharfTemplates
package import WharfWire

/// Turns every error a handler throws into an answer the user can act on: an HTML page for
/// browsers, `{"error": {"code": …, "message": …, "requestId": …}}` (plus `fields` for a form's
/// problems) for API clients, with the same status. An error states its own answer by conforming
/// to ``PublicError``; any other error becomes a 500 with the request id, and its details go to
/// the log only (as do those of every 5xx).
package struct ErrorPages: HTTPMiddleware {
    let pages: Pages
    let log: @Sendable (String) -> Void

    package init(pages: Pages, log: @escaping @Sendable (String) -> Void) {
        self.pages = pages
        self.log = log
    }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        do {
            return try await next(request, context)
        } catch {
            let answer = describe(error, context: context)
            var response = render(answer, request: request, context: context)
            for (name, value) in answer.headers { response.headers.set(name, value) }
            return response
        }
    }

    /// An error as the user sees it.
    package struct Answer: Sendable {
        package var status: HTTPStatus
        package var code: String
        package var message: String
        package var headers: HTTPHeaders = [:]
        package var fields: [String: String] = [:]
    }

    private func describe(_ error: any Error, context: RequestContext) -> Answer {
        switch error {
        case let error as any PublicError:
            if error.status.code >= 500 { log("request \(context.requestID): \(String(reflecting: error))") }
            return Answer(
                status: error.status, code: error.code, message: error.publicMessage, headers: error.headers, fields: error.fieldErrors)
        case is CancellationError:
            return Answer(
                status: .serviceUnavailable, code: "unavailable", message: "The server is shutting down; try again in a moment.",
                headers: ["Retry-After": "5"])
        default:
            log("request \(context.requestID): \(String(reflecting: error))")
            return Answer(
                status: .internalServerError, code: "internal",
                message: "Something went wrong on our side. The request id below identifies it in the server log.")
        }
    }

    /// The error as JSON or as a page, depending on who asked.
    package func render(_ answer: Answer, request: HTTPRequest, context: RequestContext) -> HTTPResponse {
        if DockerEndpointRoutes.owns(request.path) {
            // As the engine answers, so the docker CLI prints `Error response from daemon: <message>`.
            return .json(Array(#"{"message":\#(JSONText.quoted(answer.message))}"#.utf8), status: answer.status)
        }
        if ErrorPages.wantsJSON(request) {
            return .json(ErrorPages.json(answer, requestID: context.requestID), status: answer.status)
        }
        do {
            return try pages.render(
                "errors/error", title: answer.status.reason, status: answer.status, context: context,
                values: [
                    "status": .int(answer.status.code), "reason": .text(answer.status.reason), "message": .text(answer.message),
                ])
        } catch {
            log("request \(context.requestID): rendering the error page failed: \(error)")
            return .text("\(answer.status.code) \(answer.status.reason): \(answer.message)\nRequest \(context.requestID)\n", status: answer.status)
        }
    }

    /// `{"error":{"code":…,"message":…,"requestId":…,"fields":{…}}}` (`fields` only for form problems).
    package static func json(_ answer: Answer, requestID: String) -> [UInt8] {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let requestId: String
                let fields: [String: String]?
            }
            let error: Detail
        }
        let detail = Body.Detail(
            code: answer.code, message: answer.message, requestId: requestID, fields: answer.fields.isEmpty ? nil : answer.fields)
        return (try? JSONBody.encode(Body(error: detail))) ?? Array(#"{"error":{"code":"internal","message":"","requestId":""}}"#.utf8)
    }

    /// The shape of every API error, for the OpenAPI document.
    package static let schema = JSONSchema.named("Error", .object([
        "error": .object([
            "code": .string(description: "A stable word programs can switch on: not_found, conflict, host_unreachable…"),
            "message": .string(description: "What happened and what to do about it."),
            "requestId": .string(description: "Identifies the request in the server log."),
            "fields": .map(.string(), description: "Problems of single fields of the request, by field name."),
        ], required: ["code", "message", "requestId"]),
    ], required: ["error"]))

    /// API paths and clients that ask for JSON get JSON.
    package static func wantsJSON(_ request: HTTPRequest) -> Bool {
        if request.path.hasPrefix("/api/") || request.path == "/healthz" { return true }
        let accept = request.headers["Accept"]?.lowercased() ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}
