import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP

/// Server-sent events as a test reads them from a stream's text.
struct SSEFrame: Equatable {
    var id: String?
    var event: String
    var data: String

    /// The frames of `text`, complete ones only (comments, heartbeats, skipped).
    static func parse(_ text: String) -> [SSEFrame] {
        var frames: [SSEFrame] = []
        let blocks = text.components(separatedBy: "\n\n")
        for block in blocks.dropLast() {
            var frame = SSEFrame(id: nil, event: "message", data: "")
            var lines: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { lines.append(String(line.dropFirst(6))) }
            }
            frame.data = lines.joined(separator: "\n")
            if !lines.isEmpty { frames.append(frame) }
        }
        return frames
    }

    var json: [String: JSONValue] {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)) else { return [:] }
        return object
    }

    /// `type action actorId` of an engine event.
    var summary: String? {
        guard event == "engine" else { return nil }
        let object = json
        return "\(object["type"]?.stringValue ?? "") \(object["action"]?.stringValue ?? "") \(object["actorId"]?.stringValue ?? "")"
    }
}

extension StreamProbe {
    var frames: [SSEFrame] { SSEFrame.parse(text) }

    /// Waits until an engine event `type action actor` has arrived.
    func waitFor(_ summary: String, seconds: Double = 20) async -> Bool {
        await wait(seconds: seconds) { SSEFrame.parse($0).contains { $0.summary == summary } }
    }
}

extension ContainerFleetTests.Setup {
    /// Engine A's own count of `GET /events` followers (`docker info`'s NEventsListener), asked
    /// on a connection of its own.
    func eventsListeners() async throws -> Int? {
        let client = await app.app.hosts.clients.temporaryProbe(try DockerEndpoint(parsing: fleet.engineA))
        defer { client.shutdown() }
        return try await client.info().eventsListeners
    }
}
