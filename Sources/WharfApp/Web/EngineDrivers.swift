import WharfDocker

/// A volume or network driver checked against the ones the engine has loaded (`info`'s
/// `Plugins`) before a create: asked for a driver it does not have, the engine looks for a
/// plugin for 15 s before it says so. A legacy (v1) plugin the engine has not used yet is not in
/// that list and is refused too; managed plugins are listed (`name:tag`, `:latest` implied).
enum EngineDrivers {
    enum Kind: String { case volume, network }

    /// - Throws: ``FieldErrors`` on `field`, naming the drivers the engine has.
    static func check(_ driver: String, kind: Kind, client: DockerClient, field: String) async throws {
        let builtIn: Set<String> = kind == .volume ? ["local"] : ["bridge", "host", "null", "overlay", "macvlan", "ipvlan"]
        guard !builtIn.contains(driver) else { return }
        let plugins = try await client.info().plugins
        guard let known = kind == .volume ? plugins?.volume : plugins?.network else { return }
        if known.contains(driver) || known.contains(driver + ":latest") { return }
        throw FieldErrors([field: "The engine has no \(kind.rawValue) driver \(driver); it has \(known.joined(separator: ", "))."])
    }
}
