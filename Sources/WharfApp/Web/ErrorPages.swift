import FoundationEssentials
package import WharfHTTP
import WharfTemplates
import WharfWire

/// Turns every error a handler throws into an answer the user can act on: an HTML page for
/// browsers, `{"error": {"message": …, "requestId": …}}` for API clients. Errors that are not
/// meant for users become a 500 with the request id; their details go to the log only.
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
            let (status, message, headers) = describe(error, context: context)
            var response = render(status: status, message: message, request: request, context: context)
            for (name, value) in headers { response.headers.set(name, value) }
            return response
        }
    }

    private func describe(_ error: any Error, context: RequestContext) -> (HTTPStatus, String, HTTPHeaders) {
        switch error {
        case let error as HTTPError:
            return (error.status, error.message, error.headers)
        case let error as HTTPParseError:
            return (error.status, error.description, [:])
        case is CancellationError:
            return (.serviceUnavailable, "The server is shutting down; try again in a moment.", ["Retry-After": "5"])
        default:
            log("request \(context.requestID): \(String(reflecting: error))")
            return (.internalServerError, "Something went wrong on our side. The request id below identifies it in the server log.", [:])
        }
    }

    /// The error as JSON or as a page, depending on who asked.
    package func render(status: HTTPStatus, message: String, request: HTTPRequest, context: RequestContext) -> HTTPResponse {
        if ErrorPages.wantsJSON(request) {
            return .json(ErrorPages.json(message: message, requestID: context.requestID), status: status)
        }
        do {
            return try pages.render(
                "errors/error", title: status.reason, status: status, context: context,
                values: ["status": .int(status.code), "reason": .text(status.reason), "message": .text(message)])
        } catch {
            log("request \(context.requestID): rendering the error page failed: \(error)")
            return .text("\(status.code) \(status.reason): \(message)\nRequest \(context.requestID)\n", status: status)
        }
    }

    /// `{"error":{"message":…,"requestId":…}}`
    package static func json(message: String, requestID: String) -> [UInt8] {
        struct Body: Encodable {
            struct Detail: Encodable {
                let message: String
                let requestId: String
            }
            let error: Detail
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Body(error: .init(message: message, requestId: requestID)))).map { Array($0) } ?? []
    }

    /// API paths and clients that ask for JSON get JSON.
    package static func wantsJSON(_ request: HTTPRequest) -> Bool {
        if request.path.hasPrefix("/api/") || request.path == "/healthz" { return true }
        let accept = request.headers["Accept"]?.lowercased() ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}
