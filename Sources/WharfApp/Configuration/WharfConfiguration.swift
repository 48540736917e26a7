import FoundationEssentials
package import WharfHTTP
package import WharfIO
package import WharfTLS

/// Everything `wharf serve` needs to know, from flags, environment variables and defaults.
package struct WharfConfiguration: Sendable {
    /// Addresses to listen on. Default `127.0.0.1:8080` (`--listen`, `WHARF_LISTEN`).
    package var listen: [SocketAddress]
    /// Where the database, keys and other state live. Default `./data` (`--data-dir`, `WHARF_DATA_DIR`).
    package var dataDirectory: String
    /// The folder holding `Templates/` and `Public/` (`--resources`, `WHARF_RESOURCES`); found
    /// automatically when Wharf runs from a checkout or next to its build folder.
    package var resourcesDirectory: String
    /// Event-loop threads. Default 1; 2 on machines with more cores helps under heavy load.
    package var eventLoops = 1
    /// Pin each event loop to its own CPU of those the process may use (`--pin-loops`,
    /// `WHARF_PIN_LOOPS=1`): for a machine given to Wharf. Default off.
    package var pinLoops = false
    /// Whether to write the access log to stderr.
    package var accessLog = true
    /// How often every host's engine is pinged, in seconds.
    package var hostCheckInterval: Double = 30
    /// The time limit of each phase of a health check or "Test connection", in seconds.
    package var hostProbeTimeout: Double = 3
    /// The local engine's socket: when it exists and no host is registered, the dashboard offers
    /// admins to register it as `local`.
    package var localDockerSocket = "/var/run/docker.sock"
    /// How often expired sessions are deleted and the audit planner statistics checked, in
    /// seconds. Default an hour.
    package var upkeepInterval: Double = 3600
    /// How often the audit head is written to the log, in seconds (also at start and at
    /// shutdown). Default 10 minutes.
    package var auditHeadInterval: Double = 600
    /// How users reach Wharf (`--public-url`, `WHARF_PUBLIC_URL`): links, the setup address,
    /// allowed `Host` names, and `Secure` cookies with HSTS when it is https.
    package var publicURL: PublicURL?
    /// Reverse proxies whose forwarding headers are believed (`--trusted-proxy`, `WHARF_TRUSTED_PROXY`).
    package var trustedProxies = TrustedProxies([])
    /// The certificate for serving HTTPS directly (`--tls-cert`/`--tls-key` or `--tls-self-signed`).
    package var tls: TLSSettings?
    /// The loaded certificate (``TLSSettings/load(dataDirectory:listen:publicURL:now:)``): when
    /// set, every listen address serves HTTPS, and SIGHUP reloads it.
    package var tlsContext: ReloadableTLSServerContext?
    /// Plain-HTTP addresses that redirect to HTTPS with 308 (`--http-redirect`, `WHARF_HTTP_REDIRECT`);
    /// only with ``tlsContext``.
    package var httpRedirect: [SocketAddress] = []
    /// The access log's format (`--log-format text|json`, `WHARF_LOG_FORMAT`).
    package var accessLogFormat = AccessLog.Format.text
    /// The commit this binary was built from (`wharf --version`, `/metrics`), "unknown" if not stamped.
    package var buildCommit = "unknown"

    package init(listen: [SocketAddress], dataDirectory: String, resourcesDirectory: String) {
        self.listen = listen
        self.dataDirectory = dataDirectory
        self.resourcesDirectory = resourcesDirectory
    }

    package static let defaultListen = "127.0.0.1:8080"

    /// Where users reach this Wharf: the public URL's origin, else the first listen address
    /// (`http://127.0.0.1:8080`; a wildcard address is shown as `127.0.0.1`).
    package func baseURL(bound: [SocketAddress]) -> String {
        if let publicURL { return publicURL.origin }
        guard let address = bound.first ?? listen.first else { return "http://127.0.0.1:8080" }
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host == "::" ? "::1" : address.host
        let shown = host.contains(":") ? "[\(host)]" : host
        return "\(tlsContext == nil ? "http" : "https")://\(shown):\(address.port ?? 8080)"
    }
    package static let defaultDataDirectory = "./data"

    /// Parses a comma-separated list of `host:port` addresses (`127.0.0.1:8080,[::1]:8080`).
    package static func parseListen(_ text: String, option: String = "--listen") throws -> [SocketAddress] {
        let parts = text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw ConfigurationError.invalid(option, text, "expected host:port") }
        return try parts.map { part in
            do {
                return try SocketAddress(parsing: part)
            } catch {
                throw ConfigurationError.invalid(option, part, "expected a numeric address and port, e.g. 127.0.0.1:8080 or [::1]:8080")
            }
        }
    }

    /// The resources folder: `explicit` if given, else the first of the working directory and the
    /// executable's ancestors that has a `Templates` folder.
    package static func locateResources(explicit: String?, executable: String) throws -> String {
        let fileManager = FileManager.default
        func hasTemplates(_ directory: String) -> Bool {
            var isDirectory = false
            return fileManager.fileExists(atPath: directory + "/Templates", isDirectory: &isDirectory) && isDirectory
        }
        if let explicit {
            guard hasTemplates(explicit) else {
                throw ConfigurationError.invalid("--resources", explicit, "it has no Templates folder")
            }
            return explicit
        }
        var candidates = [fileManager.currentDirectoryPath]
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.path)
            candidates.append(directory.appendingPathComponent("share/wharf").path)
            directory.deleteLastPathComponent()
        }
        if let found = candidates.first(where: hasTemplates) { return found }
        throw ConfigurationError.invalid(
            "--resources", "(not found)",
            "run Wharf from its source folder, or pass --resources DIR (or WHARF_RESOURCES) naming the folder with Templates/ and Public/")
    }
}

/// A configuration value that cannot be used; the message says which and why.
package enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String, String)

    package var description: String {
        switch self {
        case .invalid(let option, let value, let reason): "invalid \(option) \(value): \(reason)"
        }
    }
}
