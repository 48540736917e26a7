import WharfHTTP

/// The engine's network refusals said in plain words, with what to do next; the status and code
/// stay the engine's (``EngineError``). Messages not recognised pass unchanged.
struct NetworkMessages: PublicError, Sendable {
    let status: HTTPStatus
    let code: String
    let publicMessage: String
    /// The form field the refusal is about (`driver`, `subnet`, `name`…), for pages.
    let field: String?

    /// Runs `body`, rewording the engine refusals it throws.
    static func plain<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EngineError {
            guard let (message, field) = reword(error.publicMessage) else { throw error }
            // A refusal the engine sends as its own failure ("operation not supported") is still
            // the user's to fix: 422, not 502.
            let refused = error.status.code >= 500
            throw NetworkMessages(
                status: refused ? .unprocessableContent : error.status, code: refused ? "engine_refused" : error.code,
                publicMessage: message, field: field)
        }
    }

    /// The plain sentence and its field for an engine message, nil when it is not one of these.
    static func reword(_ message: String) -> (String, String?)? {
        let lower = message.lowercased()
        if lower.contains("only one instance of") && lower.contains("network is allowed") {
            let driver = message.firstRange(of: "\"").map { message[$0.upperBound...].prefix { $0 != "\"" } } ?? "this"
            return ("The engine allows only one network with the \(driver) driver, and it exists already (none is the null network): "
                + "attach containers to that one, or choose another driver.", "driver")
        }
        if lower == "operation not supported" || lower.hasSuffix(": operation not supported") {
            return ("The engine cannot create this kind of network on its host (operation not supported): the driver needs kernel "
                + "or host support this engine lacks; choose another driver, such as bridge.", "driver")
        }
        if lower.contains("plugin") && lower.contains("not found") {
            return ("The engine has no network driver of that name (\(message)): use bridge, null, macvlan, ipvlan or an installed plugin.", "driver")
        }
        if lower.contains("pool overlaps") || lower.contains("overlaps with other one") {
            return ("That subnet overlaps one of the engine's other networks: choose another subnet.", "subnet")
        }
        if lower.contains("already exists") && lower.contains("network with name") {
            return (message.capitalizedFirst + ": choose another name, or remove that network first.", "name")
        }
        if lower.contains("user specified ip address is supported only when connecting to networks with user configured subnets") {
            return ("A fixed address needs a network created with its own subnet; this one lets the engine pick addresses: leave the address empty.", "ipv4")
        }
        if lower.contains("cannot be connected to multiple networks") && lower.contains("private (none) mode") {
            return ("That container is on the none network, which cannot be combined with another: create it on this network instead, "
                + "or disconnect it from none first.", "container")
        }
        if lower.contains("is not connected to") {
            return (message.capitalizedFirst + ".", "container")
        }
        if lower.contains("pre-defined network") || lower.contains("is a pre-defined network") {
            return ("\(message.capitalizedFirst): bridge, host and none come with the engine and cannot be removed.", nil)
        }
        return nil
    }
}
