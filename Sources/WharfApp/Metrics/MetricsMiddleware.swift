import Glibc
package import WharfHTTP
import WharfIO

/// Counts every request that reaches the application by method, route template (never the raw
/// path: `/hosts/:host`, or `unmatched` for 404s) and status class, and times it from the
/// complete request head to the response head (a streamed body's transfer is not included).
/// Requests the HTTP parser itself refuses (400, 408, 414, 431, 413 from `Content-Length`)
/// never reach the application; they are in the access log.
///
/// Sign-in outcomes are counted here too, from the status the sign-in routes answer (401 or 422 a
/// failure, 429 a throttled attempt), so the sign-in code stays free of metrics.
package struct MetricsMiddleware: HTTPMiddleware {
    let metrics: WharfMetrics

    package init(metrics: WharfMetrics) { self.metrics = metrics }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        let route = context.route?.pattern ?? (context.allowedMethods == nil ? "unmatched" : "method_not_allowed")
        do {
            let response = try await next(request, context)
            record(request, route: route, status: response.status.code, context: context)
            return response
        } catch {
            // Answered by the server's fallback: a 500, or 503 while shutting down.
            record(request, route: route, status: error is CancellationError ? 503 : 500, context: context)
            throw error
        }
    }

    private func record(_ request: HTTPRequest, route: String, status: Int, context: RequestContext) {
        let seconds = Double(Deadline.now.nanoseconds &- context.receivedAt.nanoseconds) / 1e9
        let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        metrics.requests.increment([method, route, Self.statusClasses[min(max(status / 100, 0), 6)]])
        metrics.requestDuration.observe(seconds, [route])
        if request.method == .post, route == "/signin" || route == "/signin/totp" {
            if status == 429 {
                metrics.signInThrottled.increment()
            } else if status == 401 || status == 422 {
                metrics.signInFailures.increment([route == "/signin" ? "password" : "second_factor"])
            }
        }
    }

    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    /// Label values made once, not per request.
    private static let statusClasses = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"]
}
