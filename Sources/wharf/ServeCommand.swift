import Dispatch
import Glibc
import Synchronization
import WharfApp
import WharfHTTP
import WharfIO
import WharfTLS

/// `wharf serve`: runs the panel until SIGINT or SIGTERM, then shuts down gracefully.
enum ServeCommand {
    static let usage = """
        Usage: wharf serve [--listen ADDR] [--data-dir DIR] [--resources DIR] [--loops N [--pin-loops]] [--no-access-log]
                           [--log-format text|json] [--docker-socket PATH] [--public-url URL]
                           [--trusted-proxy CIDR[,CIDR…]] [--tls-cert FILE --tls-key FILE | --tls-self-signed]
                           [--http-redirect ADDR]

        Runs the Wharf panel.

        Options:
          --listen ADDR     Address and port to listen on; several separated by commas
                            (default 127.0.0.1:8080; env WHARF_LISTEN). Example: 0.0.0.0:8080,[::]:8080
          --data-dir DIR    Where Wharf keeps its database and keys (default ./data; env WHARF_DATA_DIR)
          --resources DIR   Folder with Templates/ and Public/ (found automatically in a checkout;
                            env WHARF_RESOURCES)
          --loops N         Event-loop threads (default 1; env WHARF_LOOPS)
          --pin-loops       Pin each event loop to its own CPU, in order, of those Wharf may use, for a
                            machine given to Wharf: a loop never waits behind another on one CPU while
                            the other is idle, but cannot move off a CPU something else keeps busy
                            (env WHARF_PIN_LOOPS=1)
          --no-access-log   Do not write the access log to stderr
          --log-format FORMAT
                            The access log's format: text (default) or json, one object per line
                            (env WHARF_LOG_FORMAT)
          --docker-socket PATH
                            The local engine's socket the dashboard offers to register while there are
                            no hosts (default /var/run/docker.sock; env WHARF_DOCKER_SOCKET)
          --public-url URL  How users reach Wharf, e.g. https://panel.example (env WHARF_PUBLIC_URL):
                            links and the setup address use it, requests must name its host (or a
                            listen address), and with https cookies are Secure and HSTS is sent
          --trusted-proxy CIDR[,CIDR…]
                            Reverse proxies whose X-Forwarded-For/-Proto or Forwarded headers are
                            believed, e.g. 127.0.0.1 or 10.0.0.0/8 (env WHARF_TRUSTED_PROXY)
          --tls-cert FILE, --tls-key FILE
                            Serve HTTPS on the listen addresses with this certificate chain and
                            private key, PEM (env WHARF_TLS_CERT, WHARF_TLS_KEY); SIGHUP reloads them
          --tls-self-signed Serve HTTPS with a self-signed certificate made on first run and kept in
                            the data directory; its SHA-256 fingerprint is printed (env WHARF_TLS_SELF_SIGNED=1)
          --http-redirect ADDR
                            Also listen on ADDR (several separated by commas) for plain HTTP that is
                            redirected to HTTPS with 308; needs a TLS option (env WHARF_HTTP_REDIRECT)
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        var configuration: WharfConfiguration
        do {
            let parsed = try CommandLineArguments(
                arguments, options: [
                    "--listen", "--data-dir", "--resources", "--loops", "--docker-socket", "--public-url", "--trusted-proxy",
                    "--tls-cert", "--tls-key", "--log-format", "--http-redirect",
                ],
                flags: ["--no-access-log", "--tls-self-signed", "--pin-loops", "--help", "-h"])
            if parsed.has("--help") || parsed.has("-h") {
                print(usage)
                return 0
            }
            guard parsed.positionals.isEmpty else {
                throw CommandLineArguments.UsageError(description: "unexpected argument \(parsed.positionals[0])")
            }
            let listen = try WharfConfiguration.parseListen(
                parsed.value("--listen", environment: "WHARF_LISTEN") ?? WharfConfiguration.defaultListen)
            let resources = try WharfConfiguration.locateResources(
                explicit: parsed.value("--resources", environment: "WHARF_RESOURCES"), executable: CommandLine.arguments[0])
            var config = WharfConfiguration(
                listen: listen,
                dataDirectory: parsed.value("--data-dir", environment: "WHARF_DATA_DIR") ?? WharfConfiguration.defaultDataDirectory,
                resourcesDirectory: resources)
            if let loops = parsed.value("--loops", environment: "WHARF_LOOPS") {
                guard let count = Int(loops), (1...64).contains(count) else {
                    throw CommandLineArguments.UsageError(description: "--loops must be a number from 1 to 64")
                }
                config.eventLoops = count
            }
            config.pinLoops = parsed.has("--pin-loops", environment: "WHARF_PIN_LOOPS")
            config.accessLog = !parsed.has("--no-access-log")
            if let socket = parsed.value("--docker-socket", environment: "WHARF_DOCKER_SOCKET") {
                guard socket.hasPrefix("/") else {
                    throw CommandLineArguments.UsageError(description: "--docker-socket must be an absolute path")
                }
                config.localDockerSocket = socket
            }
            if let format = parsed.value("--log-format", environment: "WHARF_LOG_FORMAT") {
                guard let value = AccessLog.Format(rawValue: format) else {
                    throw CommandLineArguments.UsageError(description: "--log-format must be text or json")
                }
                config.accessLogFormat = value
            }
            if let url = parsed.value("--public-url", environment: "WHARF_PUBLIC_URL") { config.publicURL = try PublicURL(parsing: url) }
            if let proxies = parsed.value("--trusted-proxy", environment: "WHARF_TRUSTED_PROXY") {
                config.trustedProxies = TrustedProxies(try AddressRange.parseList(proxies))
            }
            let selfSigned = parsed.has("--tls-self-signed", environment: "WHARF_TLS_SELF_SIGNED")
            config.tls = try TLSSettings.parse(
                certificate: parsed.value("--tls-cert", environment: "WHARF_TLS_CERT"),
                key: parsed.value("--tls-key", environment: "WHARF_TLS_KEY"), selfSigned: selfSigned)
            if let redirect = parsed.value("--http-redirect", environment: "WHARF_HTTP_REDIRECT") {
                guard config.tls != nil else {
                    throw CommandLineArguments.UsageError(
                        description: "--http-redirect redirects to HTTPS, which needs --tls-cert and --tls-key or --tls-self-signed")
                }
                config.httpRedirect = try WharfConfiguration.parseListen(redirect, option: "--http-redirect")
            }
            config.buildCommit = buildCommit
            configuration = config
        } catch let error as CommandLineArguments.UsageError {
            printError("wharf serve: \(error)\n\n\(usage)")
            return 2
        } catch {
            printError("wharf serve: \(error)")
            return 2
        }

        if let tls = configuration.tls {
            do {
                try WharfStore.createDataDirectory(configuration.dataDirectory)
                let (context, notes) = try tls.load(
                    dataDirectory: configuration.dataDirectory, listen: configuration.listen, publicURL: configuration.publicURL,
                    now: Int64(time(nil)))
                for note in notes { printError("wharf: \(note)") }
                configuration.tlsContext = context
            } catch {
                printError("wharf serve: \(error)")
                return 2
            }
        }
        // OpenSSL and plain writes must not kill the process when a peer goes away.
        signal(SIGPIPE, SIG_IGN)
        let stop = StopSignals()
        let reload = ReloadSignal(context: configuration.tlsContext, log: { printError("wharf: \($0)") })
        let application: WharfApplication
        do {
            application = try await WharfApplication.make(configuration: configuration, log: { printError("wharf: \($0)") })
            try application.start()
        } catch {
            printError("wharf serve: cannot start: \(error)")
            return 1
        }
        let scheme = configuration.tlsContext == nil ? "http" : "https"
        for address in application.boundAddresses {
            printError("Wharf \(WharfVersion.current) (\(buildCommit)) listening on \(scheme)://\(address)")
        }
        for address in application.redirectAddresses {
            printError("Wharf: redirecting http://\(address) to HTTPS (308)")
        }
        if let url = configuration.publicURL { printError("Wharf: users reach it at \(url.origin)") }
        if let token = application.setupToken {
            printError("""
                Wharf has no users yet. Create the first admin within one hour at:
                  \(configuration.baseURL(bound: application.boundAddresses))/setup?token=\(token)
                (the address works once; restart Wharf for a new one)
                """)
        }
        // Start-up's scratch memory (migrations, parsed templates' sources, routing tables being
        // built) is free now but held in each thread's malloc arena: give it back to the system.
        Memory.releaseFreePages()
        let received = await stop.first()
        printError("wharf: received \(received == SIGINT ? "SIGINT" : "SIGTERM"), shutting down")
        withExtendedLifetime(reload) {}
        await application.shutdown()
        printError("wharf: stopped")
        return 0
    }
}

/// SIGINT and SIGTERM, watched from before start-up, so a stop asked for while Wharf starts is
/// carried out as soon as it has started, never by the default action (killed mid-migration). No
/// signal handler runs arbitrary code: the signals are ignored for the process and delivered to
/// Dispatch sources instead.
final class StopSignals: @unchecked Sendable {
    // `sources` is set once in init and only kept alive; the rest is behind `state`'s lock.
    private var sources: [any DispatchSourceSignal] = []
    private let state = Mutex<(received: Int32?, waiter: CheckedContinuation<Int32, Never>?)>((nil, nil))

    init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        let queue = DispatchQueue(label: "wharf.signals")
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, waiting for it if none has been yet.
    func first() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received = state.withLock { state -> Int32? in
                if state.received == nil { state.waiter = continuation }
                return state.received
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    private func deliver(_ number: Int32) {
        let waiter = state.withLock { state -> CheckedContinuation<Int32, Never>? in
            guard state.received == nil else { return nil }
            state.received = number
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: number)
    }
}

/// SIGHUP (`systemctl reload wharf`): reads the TLS certificate and key again and uses them for
/// new connections; established ones keep theirs (``ReloadableTLSServerContext``). A reload that
/// fails keeps the certificate in use and says why. Without TLS there is nothing to reload, and
/// SIGHUP must still not end the process (its default action).
final class ReloadSignal: @unchecked Sendable {
    // Set once in init and only kept alive.
    private let source: any DispatchSourceSignal

    init(context: ReloadableTLSServerContext?, log: @escaping @Sendable (String) -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "wharf.reload"))
        source.setEventHandler {
            guard let context else {
                log("received SIGHUP: no TLS certificate to reload (nothing else is reloaded; restart for other changes)")
                return
            }
            do {
                let certificate = try context.reload()
                log("received SIGHUP: reloaded the TLS certificate \(context.certificateFile): \(certificate.subject), "
                    + "valid until \(UTCTime.format(certificate.notAfter)), SHA-256 fingerprint \(certificate.sha256Fingerprint); "
                    + "new connections use it, open ones keep theirs")
            } catch {
                log("received SIGHUP: the TLS certificate was NOT reloaded, the previous one stays in use: \(error)")
            }
        }
        source.resume()
    }
}
