internal import FoundationEssentials

/// Helpers the typed calls share: JSON answers, JSON bodies, answers that are read and dropped.
extension DockerClient {
    /// Sends `request` and decodes its 2xx JSON answer.
    func json<T: Decodable>(_ request: DockerRequest, as type: T.Type = T.self) async throws -> T {
        try await send(request).body.decode(T.self)
    }

    /// Sends `request` and reads its (small) answer to the end, so the connection is reused.
    func perform204(_ request: DockerRequest) async throws {
        _ = try await send(request).body.collect(upTo: 1024 * 1024)
    }

    /// Sends `request` and decodes its 2xx JSON answer twice from the same bytes: as `T`, and as
    /// the engine's whole document (for showing raw inspect output). `what` names it in errors.
    func typedDocument<T: Decodable>(_ request: DockerRequest, what: String, as type: T.Type = T.self) async throws -> (T, JSONValue) {
        let bytes = try await send(request).body.collect(upTo: 32 * 1024 * 1024)
        do {
            let decoder = JSONDecoder()
            return (try decoder.decode(T.self, from: Data(bytes)), try decoder.decode(JSONValue.self, from: Data(bytes)))
        } catch {
            throw DockerError.decoding(what: what, reason: "\(error)")
        }
    }

    /// A JSON request body.
    static func jsonBody(_ value: some Encodable) throws -> DockerRequestBody {
        do {
            return .bytes(Array(try JSONEncoder().encode(value)), contentType: "application/json")
        } catch {
            throw DockerError.invalidRequest("cannot encode the request body: \(error)")
        }
    }
}

/// Registry credentials, sent base64url-encoded in `X-Registry-Auth` (never logged).
package struct DockerRegistryAuth: Encodable, Sendable {
    package var username: String?
    package var password: String?
    package var serverAddress: String?
    package var identityToken: String?

    package init(username: String? = nil, password: String? = nil, serverAddress: String? = nil, identityToken: String? = nil) {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
        self.identityToken = identityToken
    }

    /// No credentials: `{}`, which the engine wants on a push to an open registry.
    package static let anonymous = DockerRegistryAuth()

    enum CodingKeys: String, CodingKey {
        case username, password, serverAddress = "serveraddress", identityToken = "identitytoken"
    }

    /// The header value: JSON, base64 with the URL alphabet (the engine decodes `base64.URLEncoding`).
    package var headerValue: String {
        let json = (try? JSONEncoder().encode(self)) ?? Data("{}".utf8)
        return String(json.base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
