import WharfTemplates
import WharfTLS

/// The certificates a host page lists: each CA and client certificate with its subject, names and
/// expiry, and a warning when it has expired or expires within ``warningDays`` days.
enum HostCertificates {
    static let warningDays: Int64 = 30

    static func values(_ host: DockerHost, now: Int64) -> [TemplateValue] {
        var values: [TemplateValue] = []
        if let pem = host.certificateAuthorityPEM, let infos = try? CertificateInfo.parse(pem: Array(pem.utf8)) {
            values += infos.map { value($0, role: "CA", now: now) }
        }
        if let pem = host.certificatePEM, let infos = try? CertificateInfo.parse(pem: Array(pem.utf8), as: .certificate) {
            values += infos.enumerated().map { value($1, role: $0 == 0 ? "Client" : "Client chain", now: now) }
        }
        return values
    }

    /// `(text, badge class)` about expiry at `now` (milliseconds), nil when more than 30 days remain.
    static func expiryWarning(_ info: CertificateInfo, now: Int64) -> (String, String)? {
        let seconds = now / 1000
        if info.notAfter < seconds { return ("Expired " + TimeText.relative(info.notAfter * 1000, now: now), "danger") }
        if info.notBefore > seconds { return ("Not valid until " + TimeText.utc(milliseconds: info.notBefore * 1000), "danger") }
        if info.notAfter - seconds <= warningDays * 86_400 {
            return ("Expires " + TimeText.relative(info.notAfter * 1000, now: now), "warn")
        }
        return nil
    }

    private static func value(_ info: CertificateInfo, role: String, now: Int64) -> TemplateValue {
        let warning = expiryWarning(info, now: now)
        return .object([
            "role": .text(role),
            "subject": .text(info.subject),
            "issuer": .text(info.issuer),
            "names": .text(info.subjectAlternativeNames.joined(separator: ", ")),
            "expires": .text(TimeText.utc(milliseconds: info.notAfter * 1000)),
            "warning": warning.map { .text($0.0) } ?? .null,
            "warningBadge": .text(warning?.1 ?? ""),
            "fingerprint": .text(info.sha256FingerprintHex),
        ])
    }
}
