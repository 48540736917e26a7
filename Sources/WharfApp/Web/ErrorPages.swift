import FoundationEssentials
package import WharfHTTP
import WharfTemplates

/// Turns every error a handler throws into an answer the user can act on: an HTML page for
/// browsers, `{"error": {"message": …, "requestId": …}}` for API clients (with a `code` under
/// `/api/v1/`, see ``APIError``). Errors that are not meant for users become a 500 with the
/// request id; their details go to the log only.
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
            let (status, message, headers, code) = describe(error, context: context)
            var response = render(status: status, message: message, request: request, context: context, code: code)
            for (name, value) in headers { response.headers.set(name, value) }
            return response
        }
    }

    private func describe(_ error: any Error, context: RequestContext) -> (HTTPStatus, String, HTTPHeaders, String?) {
        switch error {
        case let error as APIError:
            return (error.status, error.publicMessage, [:], error.code)
        case let error as HTTPError:
            return (error.status, error.message, error.headers, nil)
        case let error as HTTPParseError:
            return (error.status, error.description, [:], nil)
        case is CancellationError:
            return (.serviceUnavailable, "The server is shutting down; try again in a moment.", ["Retry-After": "5"], nil)
        default:
            log("request \(context.requestID): \(String(reflecting: error))")
            return (.internalServerError, "Something went wrong on our side. The request id below identifies it in the server log.", [:], nil)
        }
    }

    /// The error as JSON or as a page, depending on who asked. Under `/api/v1/` the JSON always
    /// has a `code`: `code`, or one derived from the status.
    package func render(
        status: HTTPStatus, message: String, request: HTTPRequest, context: RequestContext, code: String? = nil
    ) -> HTTPResponse {
        if ErrorPages.wantsJSON(request) {
            let code = code ?? (request.path.hasPrefix("/api/v1/") ? status.errorCode : nil)
            return .json(ErrorPages.json(message: message, requestID: context.requestID, code: code), status: status)
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

    /// `{"error":{"code":…,"message":…,"requestId":…}}`, without `code` when it is nil.
    package static func json(message: String, requestID: String, code: String? = nil) -> [UInt8] {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String?
                let message: String
                let requestId: String
            }
            let error: Detail
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Body(error: .init(code: code, message: message, requestId: requestID)))).map { Array($0) } ?? []
    }

    /// API paths and clients that ask for JSON get JSON.
    package static func wantsJSON(_ request: HTTPRequest) -> Bool {
        if request.path.hasPrefix("/api/") || request.path == "/healthz" { return true }
        let accept = request.headers["Accept"]?.lowercased() ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}
