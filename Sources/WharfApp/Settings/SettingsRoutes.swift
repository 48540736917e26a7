import WharfWire
import Glibc
import Synchronization
import WharfHTTP
import WharfSQLite
import WharfTLS
import WharfTemplates

/// The settings page (admins): download a backup of the database, and the metrics token.
struct SettingsRoutes {
    let pages: Pages
    let database: Database
    let dataDirectory: String
    let time: TimeSource
    /// `--public-url`: the origin the snippets on the page use (else the request's own `Host`).
    let publicURL: PublicURL?

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/settings", permission: Permission.admin) { request, context in
            let notice: String? = switch request.queryValue("done") {
            case "revoked": "The metrics token was revoked."
            default: nil
            }
            return try await page(request, context: context, notice: notice, newToken: nil)
        }
        router.add(.post, "/settings/backup", permission: Permission.admin, maxBodyBytes: 4096) { _, context in
            try await download(context)
        }
        router.add(.post, "/settings/metrics-token", permission: Permission.admin, maxBodyBytes: 4096) { request, context in
            let now = time.now()
            let token = try await database.write { connection in
                let replaced = try MetricsToken.exists(on: connection)
                let token = try MetricsToken.create(now: now, on: connection)
                try AuditLog.append(context.auditEntry(
                    "settings.metrics_token.create", target: "metrics token", parameters: ["replaced": replaced ? "yes" : "no"]),
                    on: connection)
                return token
            }
            return try await page(request, context: context, notice: nil, newToken: token)
        }
        router.add(.post, "/settings/metrics-token/revoke", permission: Permission.admin, maxBodyBytes: 4096) { _, context in
            try await database.write { connection in
                if try MetricsToken.revoke(on: connection) {
                    try AuditLog.append(context.auditEntry("settings.metrics_token.revoke", target: "metrics token"), on: connection)
                }
            }
            return .redirect(to: "/settings?done=revoked")
        }
    }

    private func page(_ request: HTTPRequest, context: RequestContext, notice: String?, newToken: String?) async throws -> HTTPResponse {
        let hasToken = try await database.read { connection in try MetricsToken.exists(on: connection) }
        let origin = publicURL?.origin ?? ((context.isSecure ? "https://" : "http://") + (request.headers["Host"] ?? "127.0.0.1:8080"))
        return try pages.render("settings/index", title: "Settings", context: context, section: "settings", values: [
            "notice": notice.map(TemplateValue.text) ?? .null,
            "newToken": newToken.map(TemplateValue.text) ?? .null,
            "hasToken": .bool(hasToken),
            "keyFile": .text(dataDirectory + "/" + SecretKey.fileName),
            "metricsURL": .text(origin + "/metrics"),
            "keyWarning": .text(BackupService.secretKeyWarning(dataDirectory: dataDirectory)),
        ])
    }

    /// Writes a backup to a temporary file in the data directory, then streams it; the file is
    /// removed when the download ends, however it ends (or at the next start if the server stops).
    private func download(_ context: RequestContext) async throws -> HTTPResponse {
        let path = dataDirectory + "/" + BackupService.downloadPrefix + SecureRandom.token(byteCount: 12) + ".db"
        let summary: BackupService.Summary
        do {
            summary = try await BackupService.create(database: database, to: path, entry: context.auditEntry(
                "backup.create", target: "download"))
        } catch {
            unlink(path)
            throw error
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        unlink(path)  // the open descriptor keeps the data; nothing is left behind
        guard fd >= 0 else { throw HTTPError(.internalServerError, "The backup could not be read back.") }
        let descriptor = FileDescriptor(fd)
        var response = HTTPResponse(status: .ok, headers: [
            "Content-Type": "application/vnd.sqlite3",
            "Content-Disposition": "attachment; filename=\"wharf-backup-\(ISOTime.format(Int(time.now() / 1000)).replacing(":", with: "")).db\"",
            "Cache-Control": "no-store",
        ])
        response.body = .stream(length: Int(summary.bytes)) { writer in
            defer { descriptor.close() }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor.fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return }
                try await writer.write(Array(chunk[0..<count]))
            }
        }
        return response
    }
}

/// A descriptor closed once, by whoever finishes with it first (the stream, or `deinit` when the
/// response is dropped before its body is produced).
final class FileDescriptor: Sendable {
    let fd: Int32
    private let closed = Atomic<Bool>(false)
    init(_ fd: Int32) { self.fd = fd }
    func close() { if !closed.exchange(true, ordering: .relaxed) { Glibc.close(fd) } }
    deinit { close() }
}
