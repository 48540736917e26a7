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
    private let drained = DispatchGroup()

    /// Starts `path` with `arguments` (not including the program name) and `environment` added to
    /// this process's environment; standard input reads from `/dev/null` unless `input` is given.
    package init(_ path: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
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
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvPointer in
            (envp + [nil]).withUnsafeBufferPointer { envPointer in
                guard let argvBase = argvPointer.baseAddress, let envBase = envPointer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, path, &actions, nil, UnsafeMutablePointer(mutating: argvBase),
                                   UnsafeMutablePointer(mutating: envBase))
            }
        }
        close(outPipe[1]); close(errPipe[1]); close(inPipe[0])
        guard result == 0 else {
            close(outPipe[0]); close(errPipe[0]); close(inPipe[1])
            throw SystemError(code: result, operation: "posix_spawn \(path)")
        }
        self.pid = pid
        let stdinFD = inPipe[1]
        let inputBytes = input ?? []
        DispatchQueue.global().async {
            var offset = 0
            while offset < inputBytes.count {
                let written = inputBytes[offset...].withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            close(stdinFD)
        }
        for (fd, sink) in [(outPipe[0], output), (errPipe[0], errors)] {
            drained.enter()
            DispatchQueue.global().async { [drained] in
                var chunk = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    sink.withLock { $0 += chunk[0..<count] }
                }
                close(fd)
                drained.leave()
            }
        }
    }

    /// Everything written to standard output so far.
    package var standardOutput: String { String(decoding: output.value, as: UTF8.self) }
    /// Everything written to standard error so far.
    package var standardError: String { String(decoding: errors.value, as: UTF8.self) }

    package func signal(_ number: Int32) { kill(pid, number) }

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
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                drained.wait()
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : -signal
            }
            if TestClock.now >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}
