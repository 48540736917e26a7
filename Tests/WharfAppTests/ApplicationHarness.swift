import FoundationEssentials
import Glibc
import WharfApp
import WharfIO
import WharfTestSupport

/// A real Wharf on a loopback port, with a fresh data directory and this checkout's `Templates/`,
/// `Public/` and `migrations/`.
final class ApplicationHarness: Sendable {
    /// The checkout's root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    let application: WharfApplication
    let dataDirectory: String
    let address: SocketAddress

    private init(application: WharfApplication, dataDirectory: String) throws {
        self.application = application
        self.dataDirectory = dataDirectory
        guard let address = application.boundAddresses.first else {
            throw RawHTTPClient.Failure.malformed("the application bound no address")
        }
        self.address = address
    }

    /// A fresh, empty data directory under /tmp.
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/wharf-app-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let made else { throw SystemError(code: errno, operation: "mkdtemp") }
        return String(cString: made)
    }

    /// Starts Wharf with `resources` (default: this checkout), runs `body`, then shuts down and
    /// removes the data directory.
    static func run(
        resources: String = repositoryRoot, _ body: (ApplicationHarness) async throws -> Void
    ) async throws {
        let data = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        var configuration = WharfConfiguration(
            listen: [try SocketAddress(ip: "127.0.0.1", port: 0)], dataDirectory: data, resourcesDirectory: resources)
        configuration.accessLog = false
        let application = try await WharfApplication.make(configuration: configuration, log: { _ in })
        do {
            try application.start()
            try await body(try ApplicationHarness(application: application, dataDirectory: data))
        } catch {
            await application.shutdown()
            throw error
        }
        await application.shutdown()
    }

    /// Sends `request` on a new connection and reads one response.
    func response(to request: [UInt8]) async throws -> RawHTTPResponse {
        let client = try await RawHTTPClient.connect(to: address)
        do {
            try await client.send(request)
            let response = try await client.readResponse()
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }

    func get(_ target: String, headers: [(String, String)] = []) async throws -> RawHTTPResponse {
        try await response(to: Wire.request("GET", target, headers: headers))
    }
}
