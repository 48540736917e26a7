import Dispatch
import Glibc
import WharfIO

/// A program run by a test, with its standard output and error captured through pipes.
///
/// Output is drained on background threads, so a chatty child never blocks on a full pipe.
package final class ChildProcess: @unchecked Sendable {
    package let pid: Int32
    private let output = Locked<[UInt8]>([])
    private let errors = Locked<[UInt8]>([])
    private let openPipes = Locked(2)
    /// Set once `waitpid` has reaped the child: its pid may then belong to another process.
    private let reaped = Locked(false)
    /// Pipes are created and marked close-on-exec under this lock, and children are spawned under
    /// it, so no child started by another test inherits (and holds open) this child's pipes.
    private static let spawnLock = Locked(())

    /// Starts `path` with `arguments` (not including the program name) and `environment` added to
    /// this process's environment; standard input reads from `/dev/null` unless `input` is given.
    package init(_ path: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
        Self.ignoreBrokenPipes()
        var spawned: Int32 = 0
        var fds: [Int32] = []
        let outcome = Self.spawnLock.withLock { _ in
            Result { try Self.spawn(path, arguments, environment: environment, pid: &spawned, parentEnds: &fds) }
        }
        let result = try outcome.get()
        guard result == 0 else { throw SystemError(code: result, operation: "posix_spawn \(path)") }
        self.pid = spawned
        let (stdinFD, stdoutFD, stderrFD) = (fds[0], fds[1], fds[2])
        let inputBytes = input ?? []
        // Blocking reads and writes run on their own serial (overcommitting) queues: on the width-
        // limited global queue they would starve Swift concurrency's threads while a child runs.
        DispatchQueue(label: "wharf.test.child.stdin").async {
            var offset = 0
            while offset < inputBytes.count {
                let written = inputBytes[offset...].withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            close(stdinFD)
        }
        for (fd, sink) in [(stdoutFD, output), (stderrFD, errors)] {
            DispatchQueue(label: "wharf.test.child.output").async { [openPipes] in
                var chunk = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    sink.withLock { $0 += chunk[0..<count] }
                }
                close(fd)
                openPipes.withLock { $0 -= 1 }
            }
        }
    }

    /// Spawns the child; returns posix_spawn's result and, in `parentEnds`, this side's stdin,
    /// stdout and stderr descriptors.
    private static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], pid: inout Int32, parentEnds: inout [Int32]
    ) throws -> Int32 {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        var inPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0, pipe(&inPipe) == 0 else {
            throw SystemError(code: errno, operation: "pipe")
        }
        // Close-on-exec everywhere: the child gets only the dup2'd copies, and other children
        // spawned meanwhile do not inherit these ends (which would keep the pipes open).
        for fd in outPipe + errPipe + inPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else of the test process reaches the child: descriptors the test runner holds
        // without close-on-exec would count against the child's limit and stay open with it.
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }

        var merged: [String: String] = [:]
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                merged[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            index += 1
        }
        for (key, value) in environment { merged[key] = value }
        let argv = ([path] + arguments).map { strdup($0) }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }
        let result = (argv + [nil]).withUnsafeBufferPointer { argvPointer in
            (envp + [nil]).withUnsafeBufferPointer { envPointer in
                guard let argvBase = argvPointer.baseAddress, let envBase = envPointer.baseAddress else { return EINVAL }
                return withCleanSignalAttributes { attributes in
                    posix_spawn(&pid, path, &actions, attributes, UnsafeMutablePointer(mutating: argvBase),
                                UnsafeMutablePointer(mutating: envBase))
                }
            }
        }
        close(outPipe[1]); close(errPipe[1]); close(inPipe[0])
        if result != 0 {
            close(outPipe[0]); close(errPipe[0]); close(inPipe[1])
        }
        parentEnds = [inPipe[1], outPipe[0], errPipe[0]]
        return result
    }

    /// The descriptors open in this process (from /proc/self/fd).
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { result.append(fd) }
        }
        return result
    }

    /// Everything written to standard output so far.
    package var standardOutput: String { String(decoding: output.value, as: UTF8.self) }
    /// Everything written to standard error so far.
    package var standardError: String { String(decoding: errors.value, as: UTF8.self) }

    /// Sends `number` to the child, unless it was already reaped: the kernel hands a reaped pid to
    /// the next process started, and a `defer { child.signal(SIGKILL) }` must never kill another
    /// test's server (it did, in the full suite: a server then refused connections for no reason).
    /// Writing a child's standard input after it exited (a failing child, or one that stops
    /// reading early) raises SIGPIPE, which would end the whole test process: ignore it, so the
    /// write fails with EPIPE instead. Children still get the default action (SpawnAttributes).
    private static func ignoreBrokenPipes() {
        _ = brokenPipesIgnored
    }

    private static let brokenPipesIgnored: Bool = {
        Glibc.signal(SIGPIPE, SIG_IGN)
        return true
    }()

    package func signal(_ number: Int32) {
        reaped.withLock { isReaped in
            if !isReaped { kill(pid, number) }
        }
    }

    /// Waits up to `timeout` seconds for standard error to contain `text`.
    package func waitForError(containing text: String, timeout: Double) async -> Bool {
        let deadline = TestClock.after(timeout)
        while TestClock.now < deadline {
            if standardError.contains(text) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return standardError.contains(text)
    }

    /// Waits up to `timeout` seconds for the child to exit; its exit status, or the negated signal
    /// number if a signal ended it. On timeout the child is killed with SIGKILL and nil returned.
    package func waitForExit(timeout: Double) async -> Int32? {
        let deadline = TestClock.after(timeout)
        while true {
            var status: Int32 = 0
            let result = reaped.withLock { isReaped -> Int32 in
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid { isReaped = true }
                return result
            }
            if result == pid {
                // The output is complete once both pipes reached end of file.
                while openPipes.value > 0 && TestClock.now < deadline { try? await Task.sleep(nanoseconds: 5_000_000) }
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : -signal
            }
            if TestClock.now >= deadline {
                reaped.withLock { isReaped in
                    kill(pid, SIGKILL)
                    _ = waitpid(pid, &status, 0)
                    isReaped = true
                }
                return nil
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}
