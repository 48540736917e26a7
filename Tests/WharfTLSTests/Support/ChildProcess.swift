import Dispatch
import Glibc
import WharfTestSupport

/// A child process started with `posix_spawnp`, its stdout and stderr going to a log file.
///
/// Tests use it for the `openssl` command line (certificates, `s_server`). Waiting polls
/// `waitpid(WNOHANG)` so no thread blocks. Only this process's own id is ever signalled.
final class ChildProcess: Sendable {
    let pid: pid_t
    let logPath: String
    let command: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `arguments[0]` (looked up in PATH) with stdin on /dev/null.
    init(_ arguments: [String], logPath: String) throws {
        precondition(!arguments.isEmpty, "no command")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let environment = ["PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=/tmp"]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = withCleanSignalAttributes { posix_spawnp(&pid, arguments[0], &actions, $0, argv, envp) }
        guard status == 0 else { throw Failure(description: "posix_spawnp \(arguments[0]): errno \(status)") }
        self.pid = pid
        self.logPath = logPath
        self.command = arguments.joined(separator: " ")
    }

    /// Runs a command to completion; throws with its output when it exits non-zero.
    @discardableResult
    static func run(_ arguments: [String], logPath: String, timeout: Double = 60) async throws -> String {
        let process = try ChildProcess(arguments, logPath: logPath)
        let status = try await process.waitForExit(timeout: timeout)
        let output = readText(logPath)
        guard status == 0 else { throw Failure(description: "\(process.command) exited with \(status):\n\(output)") }
        return output
    }

    /// Waits for the process to exit; returns its exit status (128 + signal when killed).
    func waitForExit(timeout: Double) async throws -> Int32 {
        let deadline = TestTime.now + timeout
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if result < 0 { throw Failure(description: "waitpid \(pid): errno \(errno)") }
            if TestTime.now > deadline {
                terminate()
                throw Failure(description: "\(command) did not exit within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends SIGTERM to this child; it is reaped (SIGKILL after a second) on a queue of its own.
    ///
    /// Never blocks the caller: tests call this from `defer` inside async code, and a thread of
    /// Swift's cooperative pool (two of them on a two-core machine) held in a sleep loop starves
    /// every other test in the process.
    func terminate() {
        guard kill(pid, SIGTERM) == 0 else { return }
        let pid = self.pid
        Self.reaper.async {
            var status: Int32 = 0
            for _ in 0..<200 {
                // pid: reaped; -1: not (or no longer) our child. Either way there is nothing to wait for.
                if waitpid(pid, &status, WNOHANG) != 0 { return }
                usleep(5_000)
            }
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
    }

    private static let reaper = DispatchQueue(label: "wharf-tls-tests.reaper")

    /// The whole file at `path` (empty when it cannot be read).
    static func readBytes(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    static func readText(_ path: String) -> String { String(decoding: readBytes(path), as: UTF8.self) }
}

/// Monotonic seconds, for test timeouts.
enum TestTime {
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
