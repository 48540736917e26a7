/// Registry calls: the login check.
extension DockerClient {
    /// `POST /auth`: asks the engine to log in to the registry with `credentials` (its
    /// `serverAddress`; Docker Hub when empty). A refusal comes back as
    /// ``DockerError/api(status:message:)`` with the registry's message (401 from the engine); the
    /// credentials themselves never appear in an error.
    package func checkRegistryLogin(_ credentials: DockerRegistryAuth) async throws -> RegistryLogin {
        var request = DockerRequest("POST", DockerPath("auth"), body: try Self.jsonBody(credentials))
        // The engine talks to the registry before it answers.
        request.responseHeadTimeout = .seconds(60)
        return try await json(request)
    }
}
