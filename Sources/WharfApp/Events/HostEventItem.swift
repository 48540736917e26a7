import FoundationEssentials
package import WharfHTTP

/// One item of a host's shared event stream, as the hub hands it to every subscriber: an engine
/// event, a gap, or the stream's state, with its server-sent event encoded once for all
/// browsers.
package struct HostEventItem: Sendable {
    package enum Payload: Sendable, Equatable {
        case event(EngineEventJSON)
        case gap(EventGapJSON)
        case status(EventStatusJSON)
    }

    package let hostID: Int64
    /// The hub-wide sequence number (events and gaps); 0 for a status, which is not replayed.
    package let seq: UInt64
    package let payload: Payload
    /// `id: <epoch>.<seq>` (none for a status), `event: engine|gap|status`, `data: <JSON>`.
    /// Its server-sent event, encoded once for every follower.
    package let sinkFrame: SinkFrame
    package var frame: [UInt8] { sinkFrame.bytes }

    init(hostID: Int64, seq: UInt64, payload: Payload, cursor: String?) {
        self.hostID = hostID
        self.seq = seq
        self.payload = payload
        let (name, data): (String, [UInt8]) = switch payload {
        case .event(let event): ("engine", event.json)
        case .gap(let gap): ("gap", (try? JSONBody.encode(gap)) ?? [])
        case .status(let status): ("status", (try? JSONBody.encode(status)) ?? [])
        }
        sinkFrame = SinkFrame(ServerSentEvent(id: cursor, event: name, data: String(decoding: data, as: UTF8.self)))
    }

    package var event: EngineEventJSON? {
        if case .event(let event) = payload { return event }
        return nil
    }
}

/// A position in the hub's stream, as `Last-Event-ID` carries it: `<epoch>.<seq>`, the epoch
/// being when this Wharf process started its hub (a cursor of an earlier process is detected).
package struct EventCursor: Sendable, Equatable {
    package let epoch: Int64
    package let seq: UInt64

    package init(epoch: Int64, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }

    package init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let epoch = Int64(parts[0]), let seq = UInt64(parts[1]) else { return nil }
        self.init(epoch: epoch, seq: seq)
    }

    package var text: String { "\(epoch).\(seq)" }
}
