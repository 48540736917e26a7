import Glibc

/// Reads a password: from the terminal with echo off (termios), asked twice; or, when standard
/// input is not a terminal (a script, a pipe), one line from it.
enum PasswordPrompt {
    enum Failure: Error, CustomStringConvertible {
        case mismatch, endOfInput

        var description: String {
            switch self {
            case .mismatch: "the two passwords differ"
            case .endOfInput: "no password given on standard input"
            }
        }
    }

    static func read(prompt: String = "Password") throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true) else { throw Failure.endOfInput }
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        let first = try readHidden(prompt + ": ")
        let second = try readHidden(prompt + " again: ")
        guard first == second else { throw Failure.mismatch }
        return first
    }

    /// One line from the terminal with `ECHO` cleared, restoring the terminal's settings after,
    /// even when reading fails.
    private static func readHidden(_ prompt: String) throws -> String {
        printPrompt(prompt)
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer { if haveTerminal { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) } }
        guard let line = readLine(strippingNewline: true) else { throw Failure.endOfInput }
        return line
    }

    private static func printPrompt(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
