import WharfDocker
import WharfHTTP
import WharfWire

/// A registry that the engine reached for the user and that failed: a search Docker Hub could not
/// answer (no network, a registry without search), a login the registry could not be reached for.
/// The request was fine and the host's engine answered, with a 500 carrying the registry's
/// failure: that is the registry's answer, in the engine's words, a 422 the user acts on (another
/// term, another address), not a failure of Wharf or of the engine.
struct RegistryFailure: PublicError {
    let what: String
    let message: String

    var status: HTTPStatus { .unprocessableContent }
    var code: String { "registry_failed" }
    var publicMessage: String { "\(what): \(message)" }

    /// Runs `body`; the engine's 5xx answer becomes this error.
    static func mapping<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EngineError {
            if case .api(let status, let message) = error.underlying, status >= 500 {
                throw RegistryFailure(what: what, message: EngineMessages.plain(message))
            }
            throw error
        }
    }
}
