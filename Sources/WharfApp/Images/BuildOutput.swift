import WharfDocker

/// Folds the engine's build messages into output lines and steps: `stream` text is cut into
/// lines (a message may carry part of a line, or several), `Step 2/5 : RUN make` lines become
/// steps, and the built image's id is taken from the `aux` message. Pull progress during a build
/// (`pull=1`, or a `FROM` image missing) becomes one line per change of status, not per byte.
struct BuildOutput: Sendable {
    enum Fold: Sendable, Equatable {
        case line(String)
        case step(JobStep)
    }

    static let maxLine = 16 * 1024

    private var partial: [UInt8] = []
    private var statuses: [String: String] = [:]
    /// The image built (`sha256:…`), once the engine said it.
    private(set) var imageID: String?

    mutating func fold(_ message: DockerProgressMessage) -> [Fold] {
        if case .object(let aux) = message.aux, case .string(let id) = aux["ID"] { imageID = id }
        if let status = message.status {
            let key = message.id ?? ""
            guard statuses[key] != status else { return [] }
            statuses[key] = status
            return [.line(message.id.map { "\($0): \(status)" } ?? status)]
        }
        guard let stream = message.stream else { return [] }
        var folds: [Fold] = []
        for byte in stream.utf8 {
            if byte == 0x0A {
                folds.append(Self.fold(line: partial))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
                if partial.count >= Self.maxLine {
                    folds.append(Self.fold(line: partial))
                    partial.removeAll(keepingCapacity: true)
                }
            }
        }
        return folds
    }

    /// What is left when the output ends without a final newline.
    mutating func flush() -> [Fold] {
        defer { partial = [] }
        return partial.isEmpty ? [] : [Self.fold(line: partial)]
    }

    private static func fold(line bytes: [UInt8]) -> Fold {
        var bytes = bytes[...]
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        return step(text).map(Fold.step) ?? .line(text)
    }

    /// `Step 2/5 : RUN make` → step 2 of 5, `RUN make`.
    static func step(_ line: String) -> JobStep? {
        guard line.hasPrefix("Step "), let slash = line.firstIndex(of: "/"), let colon = line.firstRange(of: " : ") else { return nil }
        let numberText = line[line.index(line.startIndex, offsetBy: 5)..<slash]
        let totalText = line[line.index(after: slash)..<colon.lowerBound]
        guard let number = Int(numberText), let total = Int(totalText) else { return nil }
        return JobStep(number: number, total: total, text: String(line[colon.upperBound...]))
    }
}
