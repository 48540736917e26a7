import WharfWire
import FoundationEssentials
import Glibc
import WharfHTTP

/// Where an audited action came from.
package enum AuditSource: String, Sendable, CaseIterable {
    case web, api, cli, system, docker
}

/// How an audited action ended: done, tried and failed, or refused by authorization.
package enum AuditOutcome: String, Sendable, CaseIterable {
    case ok, failed, denied
}

/// One audit row before it is appended: what happened, who did it, from where, and how it ended.
///
/// `parameters` are stored as JSON with sorted keys; values under keys that name secrets
/// (passwords, tokens, keys, TOTP codes) are replaced by `"[redacted]"` here, so no caller can
/// forget to.
package struct AuditEntry: Sendable, Equatable {
    package var timeMilliseconds: Int64
    package var actorID: Int64?
    package var actorName: String?
    package var source: AuditSource
    package var clientAddress: String?
    package var userAgent: String?
    /// Dotted, e.g. `auth.signin.failed`, `user.create`, `container.stop`.
    package var action: String
    package var hostID: Int64?
    package var target: String?
    package var parameters: [String: String]
    package var outcome: AuditOutcome
    package var httpStatus: Int?
    package var error: String?
    package var durationMilliseconds: Int64?

    package init(
        action: String, outcome: AuditOutcome, source: AuditSource,
        actorID: Int64? = nil, actorName: String? = nil,
        clientAddress: String? = nil, userAgent: String? = nil,
        hostID: Int64? = nil, target: String? = nil, parameters: [String: String] = [:],
        httpStatus: Int? = nil, error: String? = nil, durationMilliseconds: Int64? = nil,
        timeMilliseconds: Int64 = AuditEntry.now()
    ) {
        self.timeMilliseconds = timeMilliseconds
        self.actorID = actorID
        self.actorName = actorName
        self.source = source
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.action = action
        self.hostID = hostID
        self.target = target
        self.parameters = AuditEntry.redacted(parameters)
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.error = error
        self.durationMilliseconds = durationMilliseconds
    }

    /// Milliseconds since the Unix epoch, UTC.
    package static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    private static let secretWords = ["password", "secret", "token", "key", "totp", "code", "passphrase", "auth"]
    private static let secretWordBytes = secretWords.map { Array($0.utf8) }

    /// `parameters` with the value of every secret-looking key replaced.
    package static func redacted(_ parameters: [String: String]) -> [String: String] {
        var result = parameters
        for key in parameters.keys where looksSecret(key) { result[key] = "[redacted]" }
        return result
    }

    /// Whether `key`, lower-cased, contains one of ``secretWords``. Compared as UTF-8 bytes:
    /// `String.contains` builds a search table per call, which made this a tenth of the Docker
    /// endpoint's CPU time per call (six keys × eight words for every row).
    static func looksSecret(_ key: String) -> Bool {
        let lower = Array(key.lowercased().utf8)
        return secretWordBytes.contains { word in
            guard lower.count >= word.count else { return false }
            for start in 0...(lower.count - word.count) where lower[start] == word[0] {
                if lower[start..<(start + word.count)].elementsEqual(word) { return true }
            }
            return false
        }
    }

    /// The parameters as canonical JSON (sorted keys), or nil when there are none.
    var parametersJSON: String? {
        guard !parameters.isEmpty else { return nil }
        var text = "{"
        for (index, key) in parameters.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += JSONText.quoted(key) + ":" + JSONText.quoted(parameters[key] ?? "")
        }
        return text + "}"
    }
}
