import WharfDocker
import WharfHTTP
import WharfWire

/// Folds the engine's pull, push and load messages into one state per layer, as the docker CLI
/// draws one bar per layer: each message about a layer updates its state, and a state is passed
/// on (as a `layer` event) only when its phase or whole percent changes, so a 1 GiB layer makes
/// about two hundred events, not a hundred thousand. Messages that are not about a layer
/// ("latest: Pulling from library/busybox", "Digest: sha256:…", "Loaded image: x") become lines.
struct LayerProgress: Sendable {
    enum Fold: Sendable, Equatable {
        case layer(LayerState)
        case line(String)
    }

    private var order: [String] = []
    private var states: [String: LayerState] = [:]
    private var lastLine: String?

    /// What `message` changes, if anything worth an event.
    mutating func fold(_ message: DockerProgressMessage) -> Fold? {
        guard let status = message.status else {
            if let stream = message.stream.map({ String($0.trimmingASCIISpaces().filter { $0 != "\n" && $0 != "\r" }) }), !stream.isEmpty {
                return line(stream)
            }
            return nil
        }
        guard let id = message.id, Self.isLayerID(id), let (phase, percent) = Self.phase(status, message.progressDetail) else {
            return line(message.id.map { "\($0): \(status)" } ?? status)
        }
        let previous = states[id]
        if previous == nil { order.append(id) }
        var detail = ""
        if let current = message.progressDetail?.current, let total = message.progressDetail?.total, total > 0 {
            detail = "\(ByteText.format(current)) / \(ByteText.format(total))"
        }
        // "Retrying" keeps the share done so far.
        let share = phase == "retrying" ? previous?.percent ?? 0 : percent
        var state = LayerState(
            id: id, status: status, phase: phase, current: message.progressDetail?.current, total: message.progressDetail?.total,
            percent: share, detail: detail, overall: 0)
        states[id] = state
        state = LayerState(
            id: id, status: status, phase: phase, current: state.current, total: state.total, percent: share, detail: detail,
            overall: overall)
        states[id] = state
        if let previous, previous.phase == phase, Int(previous.percent) == Int(share), previous.status == status {
            return nil
        }
        return .layer(state)
    }

    /// The whole job's share done: the mean of every known layer's.
    var overall: Double {
        order.isEmpty ? 0 : order.reduce(0) { $0 + (states[$1]?.percent ?? 0) } / Double(order.count)
    }

    /// Every layer's latest state, in the order they were first seen.
    var layers: [LayerState] { order.compactMap { states[$0] } }

    private mutating func line(_ text: String) -> Fold? {
        guard text != lastLine else { return nil }
        lastLine = text
        return .line(text)
    }

    /// A layer's short id: 12 hex digits (a tag such as `latest` is not one).
    static func isLayerID(_ id: String) -> Bool {
        id.utf8.count == 12 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The phase and share done (0–100) a status means; nil for statuses that are not a layer's.
    static func phase(_ status: String, _ detail: DockerProgressMessage.ProgressDetail?) -> (String, Double)? {
        func fraction() -> Double {
            guard let current = detail?.current, let total = detail?.total, total > 0 else { return 0 }
            return min(1, max(0, Double(current) / Double(total)))
        }
        switch status {
        case "Pulling fs layer", "Waiting", "Preparing": return ("waiting", 0)
        case "Downloading": return ("downloading", 50 * fraction())
        case "Verifying Checksum": return ("verifying", 50)
        case "Download complete": return ("downloaded", 50)
        case "Extracting": return ("extracting", 50 + 50 * fraction())
        case "Pull complete", "Pushed": return ("complete", 100)
        case "Already exists", "Layer already exists": return ("exists", 100)
        case "Pushing": return ("pushing", 100 * fraction())
        case "Loading layer": return ("loading", 100 * fraction())
        default:
            if status.hasPrefix("Mounted from ") { return ("exists", 100) }
            if status.hasPrefix("Retrying in ") { return ("retrying", 0) }
            return nil
        }
    }
}
