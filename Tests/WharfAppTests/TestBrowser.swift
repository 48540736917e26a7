import FoundationEssentials
import WharfApp
import WharfHTTP
import WharfWire

/// A cookie-keeping client over ``TestApp/respond(_:address:)``: it remembers cookies, and the
/// CSRF token of the last page it loaded, and sends `Origin` like a browser posting a form.
final class TestBrowser {
    let app: TestApp
    var address: String
    var origin: String? = "http://localhost"
    /// Whether the connection is TLS (cookies get `Secure` and the `__Host-` prefix).
    var secure = false
    private(set) var cookies: [String: String] = [:]
    private(set) var lastBody = ""

    init(_ app: TestApp, address: String = "127.0.0.1") {
        self.app = app
        self.address = address
    }

    var csrf: String? { Self.attribute(after: #"name="csrf" value=""#, in: lastBody) }

    /// The text between `marker` and the next `"` in `text`.
    static func attribute(after marker: String, in text: String) -> String? {
        between(marker, "\"", in: text)
    }

    /// The text between the first `start` and the next `end` after it.
    static func between(_ start: String, _ end: String, in text: String) -> String? {
        let bytes = Array(text.utf8)
        let needle = Array(start.utf8)
        let stop = Array(end.utf8)
        guard bytes.count >= needle.count else { return nil }
        for index in 0...(bytes.count - needle.count) where Array(bytes[index..<index + needle.count]) == needle {
            let from = index + needle.count
            guard bytes.count >= from + stop.count else { return nil }
            for finish in from...(bytes.count - stop.count) where Array(bytes[finish..<finish + stop.count]) == stop {
                return String(decoding: bytes[from..<finish], as: UTF8.self)
            }
            return nil
        }
        return nil
    }

    func cookie(_ name: String) -> String? { cookies[name] }
    func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    @discardableResult
    func get(_ target: String, headers extra: [(String, String)] = []) async throws -> HTTPResponse {
        try await send(.get, target, headers: extra, body: [])
    }

    /// Posts a form; adds the last page's CSRF token unless `csrf` is given (nil to leave it out).
    @discardableResult
    func post(
        _ target: String, _ fields: [(String, String)] = [], csrf: String?? = .none, headers extra: [(String, String)] = []
    ) async throws -> HTTPResponse {
        var all = fields
        switch csrf {
        case .none: if let token = self.csrf { all.append(("csrf", token)) }
        case .some(let token?): all.append(("csrf", token))
        case .some(nil): break
        }
        let body = all.map { FormDecoding.encode($0.0) + "=" + FormDecoding.encode($0.1) }.joined(separator: "&")
        var headers = extra
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if let origin { headers.append(("Origin", origin)) }
        return try await send(.post, target, headers: headers, body: Array(body.utf8))
    }

    func send(_ method: HTTPMethod, _ target: String, headers extra: [(String, String)], body: [UInt8]) async throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Host": "localhost", "User-Agent": "TestBrowser", "Accept": "text/html"]
        if !cookies.isEmpty { headers.add("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        for (name, value) in extra { headers.add(name, value) }
        let response = try await app.respond(HTTPRequest.make(method, target, headers: headers, body: body), address: address, secure: secure)
        for line in response.headers.values("Set-Cookie") {
            let pair = line.split(separator: ";")[0]
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            cookies[name] = line.contains("Max-Age=0") ? nil : value
        }
        if let bytes = response.bodyBytes, response.headers["Content-Type"]?.hasPrefix("text/html") == true {
            lastBody = String(decoding: bytes, as: UTF8.self)
        }
        return response
    }

    /// Signs in with a password (no second factor); returns the final response.
    @discardableResult
    func signIn(_ username: String, _ password: String = "a long enough password") async throws -> HTTPResponse {
        try await get("/signin")
        return try await post("/signin", [("username", username), ("password", password)])
    }
}

extension TestBrowser {
    /// One sign-in with a wrong password for `username`, from the sign-in page.
    func failSignIn(_ username: String = "ada") async throws -> HTTPResponse {
        try await get("/signin")
        return try await post("/signin", [("username", username), ("password", "not the password")])
    }
}

extension TestApp {
    /// A new admin `name`, signed in from a browser that has `path` open (its CSRF token is that page's).
    func signedInAdmin(_ name: String = "root", on path: String) async throws -> TestBrowser {
        try await user(name, .admin)
        let browser = TestBrowser(self)
        try await browser.signIn(name)
        try await browser.get(path)
        return browser
    }
}

extension HTTPResponse {
    var text: String { bodyBytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }
    var location: String? { headers["Location"] }
}
