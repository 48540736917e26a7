import Glibc
import Synchronization
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite
import WharfWire

/// `wharf-bench storage`: the audit history at scale, through the panel's own code. It fills a
/// fresh data directory with audit rows through `AuditLog.append` (one row per transaction, then
/// batches), then answers `GET /audit` pages and the CSV export through the application's
/// responder (router, authentication with an API token, authorization, handler, template), and
/// prints one figure per line.
enum StorageBench {
    static let actions = ["auth.signin.ok", "container.start", "container.stop", "image.pull",
                          "user.create", "container.exec", "auth.signin.failed", "token.create"]

    static func entry(_ index: Int, time: Int64) -> AuditEntry {
        AuditEntry(
            action: actions[index % actions.count], outcome: index % 10 == 0 ? .failed : index % 37 == 0 ? .denied : .ok,
            source: index % 3 == 0 ? .api : .web, actorID: Int64(index % 20 + 1), actorName: "user\(index % 20)",
            clientAddress: "10.0.\(index % 7).\(index % 250)", userAgent: "Mozilla/5.0 (bench)",
            hostID: index % 4 == 0 ? nil : Int64(index % 5 + 1), target: "web-\(index % 1000)",
            parameters: ["n": String(index), "image": "nginx:1.27"], httpStatus: 200, durationMilliseconds: 3,
            timeMilliseconds: time)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func run(_ arguments: [String]) async throws {
        let directory = try required("--dir", in: arguments)
        let resources = try required("--resources", in: arguments)
        guard let rows = Int(option("--rows", in: arguments) ?? "1000000"), rows > 10_000 else {
            throw UsageError(description: "--rows must be a number above 10000")
        }
        let batch = Int(option("--batch", in: arguments) ?? "100") ?? 100
        var configuration = WharfConfiguration(
            listen: [try SocketAddress(ip: "127.0.0.1", port: 0)], dataDirectory: directory, resourcesDirectory: resources)
        configuration.accessLog = false
        let app = try await WharfApplication.make(configuration: configuration, log: { _ in })
        let actor = AuditActor(source: .cli, actorName: "cli:bench")
        let admin = try await app.accounts.createUser(username: "bench", role: .admin, password: "a long enough password", by: actor)
        let token = try await app.accounts.createToken(userID: admin.id, name: "bench", role: .admin, expiresInDays: nil, by: actor).secret
        let base = AuditEntry.now() - Int64(rows) * 100
        let database = app.database

        // One row per transaction: the rate of single audited actions, each its own commit.
        let single = 10_000
        var start = ContinuousClock.now
        for index in 0..<single {
            let row = entry(index, time: base + Int64(index) * 100)
            _ = try await database.write { connection in try AuditLog.append(row, on: connection) }
        }
        let singleRate = Double(single) / seconds(ContinuousClock.now - start)
        print("insert_single_rows_per_s \(Int(singleRate))")

        // The rest in batches: many appends per transaction, as a busy server's writer would commit.
        start = ContinuousClock.now
        var index = single
        while index < rows {
            let from = index
            let to = min(rows, index + batch)
            try await database.write { connection in
                for row in from..<to { try AuditLog.append(entry(row, time: base + Int64(row) * 100), on: connection) }
            }
            index = to
        }
        let batchedRate = Double(rows - single) / seconds(ContinuousClock.now - start)
        print("insert_batched_rows_per_s \(Int(batchedRate)) (batch \(batch))")
        let total = try await database.read { connection in try AuditRepository.lastID(on: connection) }
        print("rows \(total)")
        // What the running server's hourly upkeep does once the history has grown this much.
        start = ContinuousClock.now
        let analysed = try await database.write { connection in try AuditStatistics.refresh(on: connection) }
        print("planner_statistics_s \(format3(seconds(ContinuousClock.now - start))) (refreshed: \(analysed))")

        try await pages(app, token: token, total: total, base: base)
        try await export(app, token: token)
        await app.shutdown()
    }

    static func request(_ app: WharfApplication, _ target: String, token: String) async throws -> HTTPResponse {
        let request = HTTPRequest.make(.get, target, headers: ["Host": "localhost", "Authorization": "Bearer \(token)"])
        var context = RequestContext(requestID: "bench", remoteAddress: try SocketAddress(ip: "127.0.0.1", port: 40000))
        app.responder.route(request.head, into: &context)
        return try await app.responder.respond(to: request, context: context)
    }

    /// Median server time of a 50-row page for each filter at the first, middle and last depth.
    static func pages(_ app: WharfApplication, token: String, total: Int64, base: Int64) async throws {
        // target=web-42 is in 1.1% of rows, web-999 in 0.1%,
        // nothing in none; user7 never failed and never acts on host 2 (empty intersections).
        // Row i's time is base + i × 100 ms, so `until` the middle time ends at row total / 2.
        func time(_ row: Int64) -> String { AuditTime.iso(base + row * 100) }
        let filters = ["", "outcome=failed", "actor=user7", "host=3", "action=container.", "action=auth.signin.failed",
                       "target=web-42", "target=web-999", "target=nothing-like-it", "actor=user0&outcome=failed",
                       "actor=user7&outcome=failed", "action=container.&outcome=denied", "actor=user7&host=2",
                       "until=\(time(total / 2))", "from=\(time(total / 4))&until=\(time(total / 4 + 30_000))",
                       "actor=user3&until=\(time(total / 2))&target=web-3"]
        for filter in filters {
            var line = "page_ms[\(filter.isEmpty ? "none" : filter)]"
            for (label, before) in [("first", nil), ("middle", total / 2), ("last", total / 50)] as [(String, Int64?)] {
                var query = [filter, before.map { "before=\($0)" } ?? ""].filter { !$0.isEmpty }.joined(separator: "&")
                query = query.isEmpty ? "" : "?" + query
                var times: [Double] = []
                for _ in 0..<7 {
                    let start = ContinuousClock.now
                    let response = try await request(app, "/audit" + query, token: token)
                    times.append(seconds(ContinuousClock.now - start) * 1000)
                    guard response.status == .ok else { throw UsageError(description: "GET /audit\(query) answered \(response.status)") }
                }
                line += " \(label) \(format3(times.sorted()[3]))"
            }
            print(line)
        }
    }

    /// Streams the whole CSV export through the route's producer into a counting writer.
    static func export(_ app: WharfApplication, token: String) async throws {
        final class Counter: ResponseBodyWriter {
            let bytes = Mutex(0)
            func write(_ chunk: [UInt8]) async throws { bytes.withLock { $0 += chunk.count } }
        }
        resetPeakMemory()  // so the peak measures the export alone
        let rssBefore = memory("VmRSS")
        let response = try await request(app, "/audit/export.csv", token: token)
        guard case .stream(_, let produce) = response.body else { throw UsageError(description: "the export is not streamed") }
        let counter = Counter()
        let start = ContinuousClock.now
        try await produce(counter)
        let elapsed = seconds(ContinuousClock.now - start)
        let rows = try await app.database.read { connection in try AuditRepository.lastID(on: connection) }
        print("export_csv_rows_per_s \(Int(Double(rows) / elapsed)) (\(rows) rows, \(counter.bytes.withLock { $0 } / 1_048_576) MiB in \(format3(elapsed)) s)")
        print("export_rss_kib before \(rssBefore) peak \(memory("VmHWM"))")
    }
}
