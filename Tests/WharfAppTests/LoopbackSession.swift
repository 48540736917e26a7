import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport

/// A browser's side of a session over real sockets: sign in with a form like a browser does (the
/// pre-session cookie, its CSRF token, the same `Origin`), then send requests with the session
/// cookie and the session's CSRF token.
struct LoopbackSession: Sendable {
    let address: SocketAddress
    /// `wharf_session=…`, for the `Cookie` header.
    let cookie: String
    /// The session's CSRF token, from the profile page.
    let csrf: String

    var host: String { "127.0.0.1:\(address.port ?? 0)" }

    /// One request on a new connection; `Host` and `Origin` name the server, as a browser's would.
    static func exchange(
        _ address: SocketAddress, _ method: String, _ target: String, cookies: String = "", form: String? = nil,
        headers extra: [(String, String)] = [], from source: SocketAddress? = nil
    ) async throws -> RawHTTPResponse {
        let host = "127.0.0.1:\(address.port ?? 0)"
        var headers = [("Host", host), ("Origin", "http://\(host)")] + extra
        if !cookies.isEmpty { headers.append(("Cookie", cookies)) }
        if form != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        let client = try await RawHTTPClient.connect(to: address, from: source)
        do {
            try await client.send(Wire.request(method, target, headers: headers, body: form.map { Array($0.utf8) }))
            let response = try await client.readResponse(timeout: 30)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }

    /// Signs `username` in (password only) and reads the profile page's CSRF token.
    static func signIn(
        _ address: SocketAddress, _ username: String, _ password: String, from source: SocketAddress? = nil
    ) async throws -> LoopbackSession {
        let page = try await exchange(address, "GET", "/signin", from: source)
        let pre = try #require(page.values("Set-Cookie").first { $0.hasPrefix("wharf_pre=") }?.split(separator: ";").first.map(String.init))
        let formToken = try #require(TestBrowser.attribute(after: #"name="csrf" value=""#, in: page.text))
        let signedIn = try await exchange(
            address, "POST", "/signin", cookies: pre,
            form: "csrf=\(formToken)&username=\(username)&password=\(FormDecoding.encode(password))", from: source)
        #expect(signedIn.status == 303, "sign-in as \(username): \(signedIn.status) \(signedIn.text)")
        let session = try #require(signedIn.values("Set-Cookie").first { $0.hasPrefix("wharf_session=") })
        let cookie = String(session.split(separator: ";")[0])
        let profile = try await exchange(address, "GET", "/profile", cookies: cookie, from: source)
        let csrf = try #require(TestBrowser.attribute(after: #"name="csrf" value=""#, in: profile.text))
        return LoopbackSession(address: address, cookie: cookie, csrf: csrf)
    }

    /// Posts `form` (the CSRF token is added) with the session cookie.
    func post(_ target: String, _ form: String) async throws -> RawHTTPResponse {
        try await Self.exchange(address, "POST", target, cookies: cookie, form: form + "&csrf=" + FormDecoding.encode(csrf))
    }
}
