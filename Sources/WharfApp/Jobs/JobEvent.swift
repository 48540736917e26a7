import FoundationEssentials
import WharfHTTP
import WharfWire

/// One output event of a job, as stored (`job_events`) and as sent over SSE: `id` is ``seq``
/// (1, 2, 3… per job, so `Last-Event-ID` says exactly what a watcher has), `event` is ``kind``,
/// `data` is ``data`` (text for lines and errors, JSON for the others, see `JobEvent+Payloads`).
package struct JobEvent: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        /// A line of output.
        case line
        /// A build step began (``JobStep``).
        case step
        /// A layer's folded progress changed (``LayerState``).
        case layer
        /// The upload's progress (``JobUpload``).
        case upload
        /// Why the job failed: the engine's message, shown where it happened.
        case error
        /// What the job made (``JobOutcome``).
        case result
        /// The final status (``JobEnd``); always the last event.
        case end
    }

    package let seq: Int64
    package let kind: Kind
    package let data: String

    package init(seq: Int64, kind: Kind, data: String) {
        self.seq = seq
        self.kind = kind
        self.data = data
    }

    var serverSentEvent: ServerSentEvent { ServerSentEvent(id: String(seq), event: kind.rawValue, data: data) }

    /// What the event costs in memory and counts against the stored output, roughly.
    var byteCount: Int { data.utf8.count + 48 }

    /// The payload decoded, for events whose data is JSON.
    func decode<T: Decodable>(_ type: T.Type) -> T? {
        try? JSONDecoder().decode(type, from: Data(data.utf8))
    }
}
