import WharfDocker
import WharfWire

/// One engine event as pages, SSE streams and `/api/v1` show it: documented field names, the
/// engine's attributes as they came, and a link to the object it is about.
package struct EngineEventJSON: Codable, Sendable, Equatable {
    /// The stream position (`<epoch>.<seq>`) a client resumes after (`Last-Event-ID`); nil in
    /// lists of past events read from the engine.
    package let id: String?
    package let hostId: Int64
    package let hostName: String
    /// `container`, `image`, `volume`, `network`, `daemon`, `builder`…
    package let type: String
    /// `create`, `start`, `die`, `destroy`, `exec_start: sh`…
    package let action: String
    package let actorId: String
    /// The object's name (its `name` attribute), or its id.
    package let name: String
    package let attributes: [String: String]
    /// Unix seconds, and nanoseconds (the engine's clock).
    package let time: Int64
    package let timeNano: Int64
    package let scope: String?
    /// The object's page in Wharf, nil when it has none (or is gone: destroy, delete, prune).
    package let url: String?

    init(_ event: DockerEvent, id: String?, hostID: Int64, hostName: String) {
        self.id = id
        hostId = hostID
        self.hostName = hostName
        type = event.type ?? "unknown"
        action = event.action ?? "unknown"
        actorId = event.actor?.id ?? ""
        attributes = event.actor?.attributes ?? [:]
        name = attributes["name"].flatMap { $0.isEmpty ? nil : $0 } ?? EngineMessages.shortID(actorId)
        timeNano = event.timeNano ?? (event.time ?? 0) * 1_000_000_000
        time = event.time ?? timeNano / 1_000_000_000
        scope = event.scope
        url = Self.link(type: type, action: action, actorId: actorId, host: hostID)
    }

    /// The event as JSON, as ``JSONBody/encode(_:)`` writes it (keys sorted, nil members left
    /// out), through ``JSONText``: each live event is encoded once, cold, and `JSONEncoder` took
    /// 70 µs for what this does in 40.
    var json: [UInt8] {
        func member(_ key: String, _ value: JSONText) -> JSONText.Member { JSONText.Member(key: key, value: value) }
        var members = [
            member("action", .string(action)),
            member("actorId", .string(actorId)),
            member("attributes", .object(attributes.sorted { $0.key < $1.key }.map { member($0.key, .string($0.value)) })),
            member("hostId", .number(String(hostId))),
            member("hostName", .string(hostName)),
        ]
        if let id { members.append(member("id", .string(id))) }
        members.append(member("name", .string(name)))
        if let scope { members.append(member("scope", .string(scope))) }
        members += [member("time", .number(String(time))), member("timeNano", .number(String(timeNano))), member("type", .string(type))]
        if let url { members.append(member("url", .string(url))) }
        return JSONText.object(members).serialized
    }

    /// The page of the object an event is about.
    static func link(type: String, action: String, actorId: String, host: Int64) -> String? {
        guard !["destroy", "delete", "prune"].contains(action), !actorId.isEmpty else {
            return type == "daemon" ? "/hosts/\(host)/system" : nil
        }
        switch type {
        case "container": return "/hosts/\(host)/containers/\(PathSegment.encode(actorId))"
        case "image": return "/hosts/\(host)/images"
        case "volume": return "/hosts/\(host)/volumes/\(PathSegment.encode(actorId))"
        case "network": return "/hosts/\(host)/networks/\(PathSegment.encode(actorId))"
        case "daemon": return "/hosts/\(host)/system"
        default: return nil
        }
    }

    package static let schema = JSONSchema.named("EngineEvent", .object([
        "id": .nullable(.string(description: "Stream position to resume after (Last-Event-ID); null for past events.")),
        "hostId": .integer(), "hostName": .string(),
        "type": .string(description: "container, image, volume, network, daemon, plugin, builder…"),
        "action": .string(description: "create, start, die, destroy, pull, connect…"),
        "actorId": .string(), "name": .string(), "attributes": .map(.string()),
        "time": .integer(description: "Unix time, seconds (the engine's clock)."), "timeNano": .integer(),
        "scope": .nullable(.string()), "url": .nullable(.string(description: "The object's page, when it has one.")),
    ], required: ["hostId", "hostName", "type", "action", "actorId", "name", "attributes", "time", "timeNano"]))
}

/// Events that may be missing from a host's stream: the engine restarted or dropped them before
/// Wharf reconnected, or Wharf itself no longer holds them for a client that resumed.
package struct EventGapJSON: Codable, Sendable, Equatable {
    package let id: String
    package let hostId: Int64
    package let hostName: String
    /// Unix milliseconds of the last event known before the gap and of the first after it; nil
    /// when unknown.
    package let from: Int64?
    package let to: Int64?
    package let reason: String

    package static let schema = JSONSchema.named("EventGap", .object([
        "id": .string(), "hostId": .integer(), "hostName": .string(),
        "from": .nullable(.integer(description: "Unix ms of the last event before the gap.")),
        "to": .nullable(.integer(description: "Unix ms of the first event after it.")), "reason": .string(),
    ], required: ["id", "hostId", "hostName", "reason"]))
}

/// The state of a host's shared event stream: `connecting`, `live`, `reconnecting` (with why and
/// when the next attempt is), `stopped` (the host was removed).
package struct EventStatusJSON: Codable, Sendable, Equatable {
    package let hostId: Int64
    package let hostName: String
    package let state: String
    package let message: String
}
