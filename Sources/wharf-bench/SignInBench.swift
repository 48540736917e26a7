import WharfWire
import Glibc
import WharfApp
import WharfHTTP
import WharfIO

/// `wharf-bench signin --log-n N`: what one password sign-in costs at scrypt N=2^N (r=8, p=1),
/// through the panel's own code: a fresh data directory, one user, then `POST /signin` through the
/// application's responder (CSRF, throttle, scrypt on the offload queue, session, audit row).
/// Prints `signin_ms <median of 5> peak_kib <largest growth of the resident peak over one sign-in>`.
enum SignInBench {
    static let password = "a long enough password"

    static func run(_ arguments: [String]) async throws {
        let directory = try required("--dir", in: arguments)
        let resources = try required("--resources", in: arguments)
        guard let logN = Int(try required("--log-n", in: arguments)), (10...20).contains(logN) else {
            throw UsageError(description: "--log-n must be a number from 10 to 20")
        }
        var configuration = WharfConfiguration(
            listen: [try SocketAddress(ip: "127.0.0.1", port: 0)], dataDirectory: directory, resourcesDirectory: resources)
        configuration.accessLog = false
        var options = WharfApplication.AccountOptions()
        options.passwordParameters = .init(logN: logN, r: 8, p: 1)
        let app = try await WharfApplication.make(configuration: configuration, accountOptions: options, log: { _ in })
        _ = try await app.accounts.createUser(
            username: "bench", role: .admin, password: password, by: AuditActor(source: .cli, actorName: "cli:bench"))
        var times: [Double] = []
        var peak = 0
        for round in 0..<5 {
            let (cookie, csrf) = try await signInForm(app)
            let body = Array("csrf=\(csrf)&username=bench&password=\(FormDecoding.encode(password))".utf8)
            let request = HTTPRequest.make(.post, "/signin", headers: [
                "Host": "localhost", "Origin": "http://localhost", "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            ], body: body)
            resetPeakMemory()
            let before = memory("VmRSS")
            let start = ContinuousClock.now
            let response = try await respond(app, request, round: round)
            times.append(StorageBench.seconds(ContinuousClock.now - start) * 1000)
            peak = max(peak, memory("VmHWM") - before)
            guard response.status == .seeOther else { throw UsageError(description: "POST /signin answered \(response.status)") }
        }
        print("signin_ms \(format3(times.sorted()[times.count / 2])) peak_kib \(peak)")
        await app.shutdown()
    }

    /// The pre-session cookie and its CSRF token, from `GET /signin`.
    private static func signInForm(_ app: WharfApplication) async throws -> (cookie: String, csrf: String) {
        let page = try await respond(app, HTTPRequest.make(.get, "/signin", headers: ["Host": "localhost", "Accept": "text/html"]), round: 0)
        guard let cookie = page.headers.values("Set-Cookie").first?.split(separator: ";").first,
              let body = page.bodyBytes, let csrf = String(decoding: body, as: UTF8.self)
                .split(separator: #"name="csrf" value=""#).dropFirst().first?.split(separator: "\"").first
        else { throw UsageError(description: "GET /signin gave no form") }
        return (String(cookie), String(csrf))
    }

    private static func respond(_ app: WharfApplication, _ request: HTTPRequest, round: Int) async throws -> HTTPResponse {
        var context = RequestContext(requestID: "bench", remoteAddress: try SocketAddress(ip: "127.0.0.\(round + 1)", port: 40000))
        app.responder.route(request.head, into: &context)
        return try await app.responder.respond(to: request, context: context)
    }
}
