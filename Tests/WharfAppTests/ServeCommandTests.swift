import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTestSupport

/// The `wharf` executable itself: help, version, usage errors, and serve's start and graceful stop.
@Suite struct ServeCommandTests {
    static let executable = ApplicationHarness.repositoryRoot + "/.build/debug/wharf"

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32?, out: String, err: String) {
        let child = try ChildProcess(executable, arguments, environment: environment)
        let status = await child.waitForExit(timeout: 10)
        return (status, child.standardOutput, child.standardError)
    }

    @Test func versionAndHelp() async throws {
        let version = try await Self.run(["--version"])
        #expect(version.status == 0)
        #expect(version.out == "wharf \(WharfVersion.current)\n")
        let help = try await Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.out.contains("serve"))
        let serveHelp = try await Self.run(["serve", "--help"])
        #expect(serveHelp.status == 0)
        #expect(serveHelp.out.contains("--listen") && serveHelp.out.contains("--data-dir"))
    }

    @Test(arguments: [
        (["frobnicate"], "unknown command"),
        (["serve", "--listen"], "--listen"),
        (["serve", "--listen", "localhost:80x"], "--listen"),
        (["serve", "--loops", "0"], "--loops"),
        (["serve", "extra"], "unexpected argument"),
    ])
    func usageErrorsExitTwoWithAMessage(arguments: [String], mention: String) async throws {
        let result = try await Self.run(arguments)
        #expect(result.status == 2)
        #expect(result.err.contains(mention), "\(result.err)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serveAnswersThenStopsGracefullyOnSignal(signal: Int32) async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let child = try ChildProcess(Self.executable, ["serve", "--no-access-log"], environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        #expect(await child.waitForError(containing: "listening on http://", timeout: 10), "\(child.standardError)")
        let line = try #require(child.standardError.firstMatch(of: /listening on http:\/\/([0-9.]+):([0-9]+)/))
        let port = try #require(UInt16(String(line.2)))
        let address = try SocketAddress(ip: String(line.1), port: port)
        let client = try await RawHTTPClient.connect(to: address)
        try await client.send(Wire.request("GET", "/healthz"))
        #expect(try await client.readResponse().status == 200)
        child.signal(signal)
        // The idle keep-alive connection does not hold up the exit, and is closed by the server.
        #expect(await client.waitForClose(timeout: 5))
        await client.close()
        #expect(await child.waitForExit(timeout: 15) == 0, "\(child.standardError)")
        #expect(child.standardError.contains("stopped"))
        #expect(FileManager.default.fileExists(atPath: data + "/wharf.db"))
    }
}
