import Glibc
import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// The test fleet started by `deploy/dev/fleet.sh`: engines, registry, images, certificates.
/// A missing variable fails the test with what to run, never skips it.
enum Fleet {
    static let hint = "start the test fleet first: eval \"$(deploy/dev/fleet.sh start)\""

    /// One id per test process, in every name and label the tests create, so runs never collide and
    /// prunes touch only this run's objects.
    static let runID: String = {
        var generator = SystemRandomNumberGenerator()
        return String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 16)
    }()

    static var prefix: String { "wharf-it-\(runID)" }
    /// The label every object of this run carries.
    static var label: [String: String] { ["wharf.test.run": runID] }
    static var labelFilter: String { "wharf.test.run=\(runID)" }

    /// A unique name for `purpose`.
    static func name(_ purpose: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return "\(prefix)-\(purpose)-\(String(UInt16.random(in: 0...UInt16.max, using: &generator), radix: 16))"
    }

    static func variable(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else {
            Issue.record("\(name) is not set: \(hint)", sourceLocation: sourceLocation)
            throw FleetMissing(name: name)
        }
        return value
    }

    struct FleetMissing: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not set: \(Fleet.hint)" }
    }

    /// The Docker clients' own loops: a 1 GiB upload keeps its loop busy for seconds, which must
    /// not delay the HTTP server tests running beside it on `TestHTTPServer.group`.
    static let group: EventLoopGroup = {
        do {
            return try EventLoopGroup(loops: 2, name: "wharf-fleet-test")
        } catch {
            fatalError("cannot start the integration tests' event loops: \(error)")
        }
    }()

    /// A client for engine A (unix socket).
    static func engineA(timeouts: DockerTimeouts = DockerTimeouts()) throws -> DockerClient {
        try client(variable("WHARF_TEST_ENGINE_A"), timeouts: timeouts)
    }

    /// A client for engine C (plain TCP).
    static func engineC() throws -> DockerClient {
        try client(variable("WHARF_TEST_ENGINE_C"))
    }

    static func client(_ url: String, timeouts: DockerTimeouts = DockerTimeouts()) throws -> DockerClient {
        DockerClient(endpoint: try DockerEndpoint(parsing: url), group: group, timeouts: timeouts)
    }

    static func busybox() throws -> String { try variable("WHARF_TEST_IMAGE_BUSYBOX") }

    /// A container config on the busybox image, with no network and this run's label.
    static func config(_ cmd: [String], tty: Bool = false) throws -> ContainerConfig {
        var config = ContainerConfig(image: try busybox(), cmd: cmd, hostConfig: HostConfig(networkMode: "none"))
        config.labels = label
        config.tty = tty
        return config
    }

    /// Creates a container, runs `body` with its id, and removes it (forcefully) whatever happens.
    @discardableResult
    static func withContainer<T>(
        _ client: DockerClient, _ cmd: [String], tty: Bool = false, name: String? = nil,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let created = try await client.createContainer(name: name ?? Fleet.name("c"), config: try config(cmd, tty: tty))
        do {
            let result = try await body(created.id)
            try? await client.removeContainer(created.id, force: true, volumes: true)
            return result
        } catch {
            try? await client.removeContainer(created.id, force: true, volumes: true)
            throw error
        }
    }
}

/// Concatenates a body's chunks (small answers in tests only).
func text(_ chunks: [DockerLogChunk], _ stream: DockerOutputStream) -> String {
    String(decoding: chunks.filter { $0.stream == stream }.flatMap(\.bytes), as: UTF8.self)
}

/// Matches an API error with `status` whose message contains `fragment`.
func isAPIError(_ error: any Error, _ status: Int, _ fragment: String) -> Bool {
    guard case DockerError.api(let actual, let message) = error else { return false }
    return actual == status && message.contains(fragment)
}

/// Whether `needle` occurs in `haystack` (for binary streams, where `String` search is both wrong and slow).
func containsBytes(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

/// Runs a prune, waiting while another prune runs: the engine runs one at a time and answers 409
/// "a prune operation is already running" meanwhile, and test suites prune in parallel.
func pruneWhenFree<T>(_ prune: () async throws -> T) async throws -> T {
    for _ in 0..<50 {
        do {
            return try await prune()
        } catch DockerError.api(409, let message) where message.contains("prune operation is already running") {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
    return try await prune()
}
