import FoundationEssentials
import WharfApp
import WharfIO

/// `wharf host add|list|test|remove`: host administration from the shell, working while the server
/// runs (the server's health checker picks up added hosts and drops removed ones). Changes are
/// audited with source `cli`.
enum HostCommand {
    static let usage = """
        Usage: wharf host <subcommand> [--data-dir DIR] [--resources DIR]

        Subcommands:
          add --name NAME --url URL [--tls-ca FILE --tls-cert FILE --tls-key FILE]
                          Register a Docker engine: unix:///path, tcp://host:port or https://host:port
                          (https needs --tls-ca; mutual TLS adds --tls-cert and --tls-key)
          list            List hosts with their status (each engine is pinged)
          test NAME       Connect to NAME and print its engine and API versions; exit 1 on failure
          remove NAME     Remove NAME from Wharf (the engine itself is not touched)

        --data-dir and --resources work as for wharf serve (env WHARF_DATA_DIR, WHARF_RESOURCES).
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        guard let subcommand = arguments.first, !subcommand.hasPrefix("-") else {
            let asksHelp = arguments.first == "--help" || arguments.first == "-h"
            printError(asksHelp ? usage : "wharf host: missing subcommand\n\n\(usage)")
            return asksHelp ? 0 : 2
        }
        let parsed: CommandLineArguments
        do {
            let options: Set<String> = subcommand == "add" ? ["--name", "--url", "--tls-ca", "--tls-cert", "--tls-key"] : []
            parsed = try CommandLineArguments(arguments.dropFirst(), options: options.union(AdminContext.commonOptions))
            try validate(subcommand, parsed)
        } catch {
            printError("wharf host: \(error)\n\n\(usage)")
            return 2
        }
        do {
            let admin = try await AdminContext.open(parsed)
            let group = try EventLoopGroup(loops: 1, name: "wharf-cli")
            let status: Int32
            do {
                status = try await perform(subcommand, parsed, admin, group)
            } catch {
                await group.shutdown()
                await admin.close()
                throw error
            }
            await group.shutdown()
            await admin.close()
            return status
        } catch {
            printError("wharf host \(subcommand): \(error)")
            return 1
        }
    }

    private static func validate(_ subcommand: String, _ parsed: CommandLineArguments) throws(CommandLineArguments.UsageError) {
        switch subcommand {
        case "add":
            guard parsed.positionals.isEmpty else { throw .init(description: "unexpected argument \(parsed.positionals[0])") }
            guard parsed.value("--name") != nil, parsed.value("--url") != nil else {
                throw .init(description: "add needs --name NAME and --url URL")
            }
        case "list":
            guard parsed.positionals.isEmpty else { throw .init(description: "unexpected argument \(parsed.positionals[0])") }
        case "test", "remove":
            guard parsed.positionals.count == 1 else { throw .init(description: "\(subcommand) needs exactly one NAME") }
        default:
            throw .init(description: "unknown subcommand \(subcommand)")
        }
    }

    private static func perform(
        _ subcommand: String, _ parsed: CommandLineArguments, _ admin: AdminContext, _ group: EventLoopGroup
    ) async throws -> Int32 {
        let registry = HostRegistry(
            database: admin.database, secretKey: try SecretKey.loadOrCreate(dataDirectory: admin.dataDirectory))
        switch subcommand {
        case "add":
            let input = HostInput(
                name: parsed.value("--name") ?? "", url: parsed.value("--url") ?? "",
                certificateAuthorityPEM: try file(parsed, "--tls-ca"), certificatePEM: try file(parsed, "--tls-cert"),
                keyPEM: try file(parsed, "--tls-key"))
            do {
                let host = try await registry.create(input, by: admin.actor)
                print("Added host \(host.name) (id \(host.id), \(host.transportLabel)). Check it with: wharf host test \(host.name)")
            } catch let error as HostError {
                throw CommandFailure(error.description)
            }
        case "list":
            let hosts = try await registry.hosts()
            let statuses = await withTaskGroup(of: (Int64, HostStatus).self) { tasks in
                for host in hosts { tasks.addTask { (host.id, await registry.check(host, group: group)) } }
                var result: [Int64: HostStatus] = [:]
                for await (id, status) in tasks { result[id] = status }
                return result
            }
            let width = max(4, hosts.map(\.name.count).max() ?? 0)
            let urlWidth = max(3, hosts.map(\.url.count).max() ?? 0)
            let engineWidth = max(6, statuses.values.compactMap(\.engineVersion).map(\.count).max() ?? 0)
            print(pad("NAME", width) + "  " + pad("URL", urlWidth) + "  STATUS  " + pad("ENGINE", engineWidth) + "  API     LATENCY")
            for host in hosts {
                let status = statuses[host.id] ?? HostStatus()
                print(pad(host.name, width) + "  " + pad(host.url, urlWidth) + "  " + pad(status.state.rawValue, 6) + "  "
                      + pad(status.engineVersion ?? "-", engineWidth) + "  " + pad(status.apiVersion ?? "-", 6) + "  "
                      + (status.latencyMilliseconds.map { "\($0) ms" } ?? "-"))
                if let error = status.error { print("  " + error) }
            }
        case "test":
            let host = try await find(parsed.positionals[0], registry)
            let status = await registry.check(host, group: group)
            guard status.state == .up else { throw CommandFailure("\(host.name): \(status.error ?? "unreachable")") }
            print("\(host.name): Docker Engine \(status.engineVersion ?? "?"), API \(status.apiVersion ?? "?") "
                  + "(\(status.latencyMilliseconds ?? 0) ms) at \(host.url)")
        case "remove":
            let host = try await find(parsed.positionals[0], registry)
            try await registry.delete(host, by: admin.actor)
            print("Removed host \(host.name); its grants were removed too.")
        default:
            return 2
        }
        return 0
    }

    private static func find(_ name: String, _ registry: HostRegistry) async throws -> DockerHost {
        guard let host = try await registry.host(name) else { throw CommandFailure("there is no host \(name); see wharf host list") }
        return host
    }

    /// The text of the file named by `option`, nil when the option is absent.
    private static func file(_ parsed: CommandLineArguments, _ option: String) throws -> String? {
        guard let path = parsed.value(option) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(option): cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func pad(_ text: String, _ width: Int) -> String { UserCommand.pad(text, width) }
}
