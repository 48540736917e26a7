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
        // The commit is stamped at build time (Sources/BuildCommit): 12 hex digits, "-dirty" when
        // tracked files differ from it.
        #expect(version.out.wholeMatch(of: /wharf [0-9.]+ \(commit [0-9a-f]{12}(-dirty)?\)\n/) != nil, "\(version.out)")
        #expect(version.out.hasPrefix("wharf \(WharfVersion.current) "))
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

    /// `--loops 2 --pin-loops` (or `WHARF_PIN_LOOPS=1`): each loop thread may run on one CPU
    /// only, its own, as the kernel reports it for the running process.
    @Test(arguments: [false, true])
    func pinnedLoopsRunEachOnItsOwnCPU(byEnvironment: Bool) async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        var environment = ["WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot]
        if byEnvironment { environment["WHARF_PIN_LOOPS"] = "1" }
        let child = try ChildProcess(
            Self.executable, ["serve", "--no-access-log", "--loops", "2"] + (byEnvironment ? [] : ["--pin-loops"]), environment: environment)
        #expect(await child.waitForError(containing: "listening on http://", timeout: 10), "\(child.standardError)")
        var loops: [String: String] = [:]
        for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/task") {
            let directory = "/proc/\(child.pid)/task/\(task)"
            let name = try String(contentsOfFile: directory + "/comm", encoding: .utf8).filter { !$0.isWhitespace }
            guard name.hasPrefix("wharf-loop-") else { continue }
            let status = try String(contentsOfFile: directory + "/status", encoding: .utf8)
            loops[name] = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
                .map { $0.dropFirst("Cpus_allowed_list:".count).filter { !$0.isWhitespace } }
        }
        let allowed = Processors.allowed.map(String.init)
        #expect(loops == ["wharf-loop-0": allowed[0], "wharf-loop-1": allowed[1 % allowed.count]], "\(loops)")
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 15) == 0, "\(child.standardError)")
    }

    /// Near its open-file limit the server keeps a reserve: connections past it are answered 503
    /// and closed, so the database, the upkeep tasks and the runtime still get descriptors.
    /// (libdispatch reads `/proc/<tid>/stat` every second while work is queued and aborts the
    /// process when that open fails: running out is a crash, not an error.) The server is
    /// stopped while the clients connect, so its first accepts race its start-up tasks, as on a
    /// loaded machine. Once clients leave it serves again. With a limit of 40, about 26
    /// descriptors in use at start and a reserve of 5, some 9 connections fit: fewer than the
    /// connection cap's floor of 16, which is what the descriptor check is for.
    @Test func nearTheDescriptorLimitConnectionsAreRefusedAndTheProcessLives() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let child = try ChildProcess("/usr/bin/prlimit", ["--nofile=40:40", Self.executable, "serve", "--no-access-log"], environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        #expect(await child.waitForError(containing: "listening on http://", timeout: 10), "\(child.standardError)")
        let line = try #require(child.standardError.firstMatch(of: /listening on http:\/\/([0-9.]+):([0-9]+)/))
        let address = try SocketAddress(ip: String(line.1), port: try #require(UInt16(String(line.2))))
        child.signal(SIGSTOP)
        var clients: [RawHTTPClient] = []
        for _ in 0..<80 { clients.append(try await RawHTTPClient.connect(to: address)) }
        child.signal(SIGCONT)
        #expect(await child.waitForError(containing: "answering 503 until some close", timeout: 5), "\(child.standardError)")
        if let last = clients.last {
            let refused = try await last.readResponse(timeout: 5)
            #expect(refused.status == 503)
            #expect(refused.text.contains("out of file descriptors"))
        }

        // While refusing, the server is not busy: under 30% of a core over a second.
        let before = try Self.cpuTicks(child.pid)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let used = Double(try Self.cpuTicks(child.pid) - before) / Double(sysconf(Int32(_SC_CLK_TCK)))
        #expect(used < 0.3, "the server used \(used) s of CPU in 1 s while out of descriptors")

        for client in clients { await client.close() }
        var served = false
        for _ in 0..<50 where !served {
            if let client = try? await RawHTTPClient.connect(to: address) {
                try? await client.send(Wire.request("GET", "/healthz"))
                served = (try? await client.readResponse(timeout: 1))?.status == 200
                await client.close()
            }
            if !served { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(served, "the server serves again once descriptors are free")
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 15) == 0, "\(child.standardError)")
        #expect(!child.standardError.contains("upkeep:"), "\(child.standardError)")
        #expect(!child.standardError.contains("Too many open files"), "\(child.standardError)")
    }

    /// User plus system CPU time of `pid`, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(_ pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }
}
