import WharfWire
import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfSQLite
import WharfTestSupport

/// Containers through the API and the pages, against the fleet's real engines: every action and
/// its audit row, the errors each failure maps to, escaping, live logs and stats, export, create
/// validation and prune with a preview.
@Suite(.serialized) struct ContainerFleetTests {
    static let xss = "<img src=x onerror=alert(1)>"

    /// An app with the fleet's engine A registered as host 1 (and B as 2), an admin token, and a
    /// viewer and an operator granted host 1.
    struct Setup {
        let app: TestApp
        let fleet: HostFleet
        let image: String
        let admin: String
        let viewer: String
        let operatorToken: String
        /// Every container this test created, removed (awaited) when it ends.
        let created = Locked<[String]>([])

        func api(
            _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil
        ) async throws -> HTTPResponse {
            var headers: HTTPHeaders = ["Authorization": "Bearer \(token ?? admin)", "Host": "localhost"]
            if json != nil { headers.set("Content-Type", "application/json") }
            return try await app.respond(HTTPRequest.make(method, path, headers: headers, body: Array((json ?? "").utf8)))
        }

        func object(_ response: HTTPResponse) throws -> [String: JSONValue] {
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(response.bodyBytes ?? [])) else { return [:] }
            return object
        }

        /// Creates a running busybox container on host 1 that prints `lines`, returns its id.
        func run(_ name: String, script: String = "sleep 300", labels: [String: String] = [:]) async throws -> String {
            let labelJSON = labels.map { #""\#($0.key)":\#(JSONText.quoted($0.value))"# }.joined(separator: ",")
            let body = #"{"image":"\#(image)","name":"\#(name)","command":["sh","-c",\#(JSONText.quoted(script))],"network":"none","labels":{\#(labelJSON)},"env":{"SECRET_TOKEN":"hunter2"},"start":true}"#
            let response = try await api(.post, "/api/v1/hosts/1/containers", json: body)
            #expect(response.status == .created, "\(String(decoding: response.bodyBytes ?? [], as: UTF8.self))")
            let id = try object(response)["id"]?.stringValue ?? ""
            created.withLock { $0.append(id) }
            return id
        }

        func remove(_ id: String) async {
            _ = try? await api(.delete, "/api/v1/hosts/1/containers/\(id)?force=true")
        }
    }

    static func withFleet(_ body: (Setup) async throws -> Void) async throws {
        guard let fleet = HostFleet.load() else { return }
        let image = HostFleet.environment("WHARF_TEST_IMAGE_BUSYBOX") ?? "wharf-test/busybox:latest"
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            try await app.user("olga", .operator)
            try await app.app.hosts.registry.create(HostInput(name: "engine-a", url: fleet.engineA), by: cliActor)
            try await app.app.database.write { connection in
                try Grants.set(.viewer, user: 2, host: 1, on: connection)
                try Grants.set(.operator, user: 3, host: 1, on: connection)
            }
            func token(_ user: Int64) async throws -> String {
                try await app.accounts.createToken(userID: user, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            }
            let setup = Setup(
                app: app, fleet: fleet, image: image, admin: try await token(1), viewer: try await token(2), operatorToken: try await token(3))
            do {
                try await body(setup)
            } catch {
                for id in setup.created.value { await setup.remove(id) }
                throw error
            }
            for id in setup.created.value { await setup.remove(id) }
        }
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0 ... .max))" }

    @Test func everyActionWorksThroughTheAPIAndIsAudited() async throws {
        try await Self.withFleet { setup in
            let name = Self.unique("wharf-ct")
            let id = try await setup.run(name, labels: ["wharf.test": Self.xss])

            let list = try await setup.api(.get, "/api/v1/hosts/engine-a/containers?label=wharf.test&name=\(name)")
            #expect(list.status == .ok)
            let listed = try setup.object(list)["containers"]
            #expect(listed?[0]?["name"]?.stringValue == name)
            #expect(listed?[0]?["state"]?.stringValue == "running")
            #expect(listed?[0]?["labels"]?["wharf.test"]?.stringValue == Self.xss)

            let detail = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers/\(name)"))
            #expect(detail["envNames"]?[0]?.stringValue == "PATH" || detail["envNames"]?.arrayValue?.contains(.string("SECRET_TOKEN")) == true)
            #expect(detail["env"] == nil, "values are left out until asked for")
            #expect(!String(describing: detail["raw"]).contains("hunter2"), "env values stay hidden in raw")
            let revealed = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers/\(name)?env=true"))
            #expect(revealed["env"]?["SECRET_TOKEN"]?.stringValue == "hunter2")

            for (path, status) in [
                ("pause", 204), ("unpause", 204), ("stop?timeout=1", 204), ("start", 204), ("restart?timeout=1", 204),
                ("kill?signal=SIGKILL", 204), ("start", 204), ("rename?name=\(name)-renamed", 204),
            ] {
                let response = try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/\(path)")
                #expect(response.status.code == status, "\(path): \(String(decoding: response.bodyBytes ?? [], as: UTF8.self))")
            }
            // The engine's refusals, in plain words, with their status; never a 500.
            let running = try await setup.api(.delete, "/api/v1/hosts/1/containers/\(name)-renamed")
            #expect(running.status == .conflict)
            #expect(try setup.object(running)["error"]?["message"]?.stringValue == "\(name)-renamed is running: stop it first, or remove it with force.")
            let again = try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/unpause")
            #expect(again.status == .conflict)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/containers/\(id)?force=true").status == .noContent)
            let gone = try await setup.api(.get, "/api/v1/hosts/1/containers/\(name)-renamed")
            #expect(gone.status == .notFound)
            #expect(try setup.object(gone)["error"]?["message"]?.stringValue == "No such container: \(name)-renamed")
            #expect(try setup.object(gone)["error"]?["code"]?.stringValue == "not_found")

            let rows = try await setup.app.app.database.read { connection in
                try connection.query(
                    "SELECT action, outcome, host_id, target, actor_name, http_status, duration_ms FROM audit_log WHERE action LIKE 'container.%' ORDER BY id")
            }
            let actions = try rows.map { try $0.get(0, as: String.self) + " " + $0.get(1, as: String.self) }
            #expect(actions == [
                "container.create ok", "container.start ok", "container.env.reveal ok", "container.pause ok", "container.unpause ok",
                "container.stop ok", "container.start ok", "container.restart ok", "container.kill ok", "container.start ok",
                "container.rename ok", "container.remove failed", "container.unpause failed", "container.remove ok",
            ])
            for row in rows {
                #expect(try row.get(2, as: Int64?.self) == 1)
                #expect(try row.get(4, as: String?.self) == "root")
                #expect(try row.get(6, as: Int64?.self) != nil)
            }
            #expect(try rows[3].get(3, as: String.self) == "\(name) (\(id.prefix(12)))")
            #expect(try rows[11].get(5, as: Int64?.self) == 409)
            let create = try await setup.app.auditRows("container.create")
            let parameters = try create[0].get("parameters", as: String.self)
            #expect(parameters.contains("SECRET_TOKEN=[redacted]") && !parameters.contains("hunter2"))
        }
    }

    @Test func viewersReadButCannotActAndOperatorsCannotBindHostPaths() async throws {
        try await Self.withFleet { setup in
            let name = Self.unique("wharf-viewer")
            let id = try await setup.run(name)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/containers/\(id)", token: setup.viewer).status == .ok)
            let refused = try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/stop", token: setup.viewer)
            #expect(refused.status == .forbidden)
            #expect(try setup.object(refused)["error"]?["code"]?.stringValue == "forbidden")
            #expect(try await setup.api(.get, "/api/v1/hosts/1/containers/\(id)/export", token: setup.viewer).status == .forbidden)

            let bind = #"{"image":"\#(setup.image)","network":"none","mounts":[{"type":"bind","source":"/etc","target":"/host-etc"}]}"#
            let operatorBind = try await setup.api(.post, "/api/v1/hosts/1/containers", token: setup.operatorToken, json: bind)
            #expect(operatorBind.status == .forbidden)
            let denials = try await setup.app.auditRows("auth.denied")
            #expect(denials.count >= 3)

            // The viewer's page has no action buttons.
            let browser = TestBrowser(setup.app)
            try await browser.signIn("vic")
            let page = try await browser.get("/hosts/1/containers/\(id)")
            #expect(page.status == .ok)
            #expect(!page.text.contains("/stop\"") && !page.text.contains("Remove…"))
        }
    }

    @Test func createChecksEachFieldAndNamesWhatIsWrong() async throws {
        try await Self.withFleet { setup in
            let bad = #"{"image":"\#(setup.image)","ports":[{"containerPort":70000}],"memory":"lots","cpus":"-1","restartPolicy":"sometimes"}"#
            let response = try await setup.api(.post, "/api/v1/hosts/1/containers", json: bad)
            #expect(response.status == .unprocessableContent)
            let fields = try setup.object(response)["error"]?["fields"]
            for field in ["ports", "memory", "cpus", "restartPolicy"] { #expect(fields?[field] != nil, "\(field)") }
            let unknown = try await setup.api(.post, "/api/v1/hosts/1/containers", json: #"{"image":"wharf-test/no-such-image:404","network":"none"}"#)
            #expect(unknown.status == .notFound)
            #expect(try setup.object(unknown)["error"]?["message"]?.stringValue?.contains("No such image") == true)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/containers", json: "{not json").status == .badRequest)

            // The page shows each problem next to its field, and keeps what was typed.
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            try await browser.get("/hosts/1/containers/new")
            let page = try await browser.post("/hosts/1/containers", [
                ("image", setup.image), ("ports", "80:http"), ("memory", "2x"), ("name", Self.xss), ("network", "none"),
            ])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains("is not a port") && page.text.contains("at least 6m"))
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.text.contains(Self.xss))
        }
    }

    @Test func pagesListActAndEscapeAndActionsGoBackWithAFlash() async throws {
        try await Self.withFleet { setup in
            let name = Self.unique("wharf-page")
            let id = try await setup.run(name, labels: ["note": Self.xss])
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            let list = try await browser.get("/hosts/1/containers?name=\(name)")
            #expect(list.status == .ok)
            #expect(list.text.contains(name) && list.text.contains("note=&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!list.text.contains(Self.xss))
            let detail = try await browser.get("/hosts/1/containers/\(id)")
            #expect(detail.text.contains("SECRET_TOKEN") && !detail.text.contains("hunter2"))
            // A command and env value with markup in them, revealed: shown as text.
            let marked = try await setup.api(.post, "/api/v1/hosts/1/containers", json: #"{"image":"\#(setup.image)","network":"none","command":["echo",\#(JSONText.quoted(Self.xss))],"env":{"NOTE":\#(JSONText.quoted(Self.xss))}}"#)
            let markedID = try setup.object(marked)["id"]?.stringValue ?? ""
            setup.created.withLock { $0.append(markedID) }
            let revealed = try await browser.get("/hosts/1/containers/\(markedID)?env=1")
            #expect(revealed.text.contains("&lt;img src=x onerror=alert(1)&gt;") && !revealed.text.contains(Self.xss))
            #expect(try await browser.get("/hosts/1/containers/\(markedID)/inspect").text.contains("&lt;img src=x") )

            let stop = try await browser.post("/hosts/1/containers/\(id)/stop", [("timeout", "1")], headers: [("Referer", "http://localhost/hosts/1/containers/\(id)")])
            #expect(stop.status == .seeOther && stop.location == "/hosts/1/containers/\(id)")
            #expect(try await browser.get("/hosts/1/containers/\(id)").text.contains("\(name) stopped."))
            // A failing action goes back with the engine's reason, in plain words.
            let unpause = try await browser.post("/hosts/1/containers/\(id)/unpause", headers: [("Referer", "http://localhost/hosts/1/containers/\(id)")])
            #expect(unpause.status == .seeOther)
            #expect(try await browser.get("/hosts/1/containers/\(id)").text.contains("is not paused"))
            // Remove asks first (no script: a page), then removes.
            let ask = try await browser.post("/hosts/1/containers/\(id)/remove")
            #expect(ask.status == .ok && ask.text.contains("Remove") && ask.text.contains(name))
            let removed = try await browser.post("/hosts/1/containers/\(id)/remove", [("confirm", "1")])
            #expect(removed.location == "/hosts/1/containers")
            #expect(try await browser.get("/hosts/1/containers").text.contains("\(name) removed."))
        }
    }

    @Test func logsFollowLiveResumeAfterTheLastEventAndEndWhenTheContainerStops() async throws {
        try await Self.withFleet { setup in
            let name = Self.unique("wharf-logs")
            let script = "i=0; while [ $i -lt 1000 ]; do echo \"line $i \(Self.xss)\"; echo \"err $i\" >&2; i=$((i+1)); sleep 0.1; done"
            let id = try await setup.run(name, script: script)
            let browser = TestBrowser(setup.app)
            try await browser.signIn("vic")
            let probe = StreamProbe(try await browser.get("/hosts/1/containers/\(id)/logs/events?tail=5"))
            // Which lines the tail holds depends on when the request comes (a line every 0.1 s).
            #expect(await probe.wait { $0.contains("event: err") && $0.components(separatedBy: "event: out").count > 6 })
            #expect(probe.text.split(separator: "\n").contains { $0.hasPrefix("data: line ") && $0.hasSuffix(" \(Self.xss)") },
                    "SSE carries the text as text; the page inserts it with textContent")
            probe.cancel()
            let lastID = try #require(probe.text.split(separator: "\n").last { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) })
            // A browser that reconnects with Last-Event-ID gets what came after, and not again what it had.
            let resumed = StreamProbe(try await browser.get("/hosts/1/containers/\(id)/logs/events", headers: [("Last-Event-ID", lastID)]))
            #expect(await resumed.wait { $0.contains("event: out") })
            let firstResumed = resumed.text.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) } ?? ""
            #expect(firstResumed > lastID, "\(resumed.text.prefix(400))")
            // `since` in the future: no history, only what comes.
            let fromNow = StreamProbe(try await browser.get("/hosts/1/containers/\(id)/logs/events?since=4000000000"))
            try await Task.sleep(for: .milliseconds(500))
            fromNow.cancel()
            #expect(!fromNow.text.contains("event: out"), "\(fromNow.text.prefix(200))")
            #expect(try await browser.get("/hosts/1/containers/\(id)/logs?since=whenever").status == .unprocessableContent)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/stop?timeout=0").status == .noContent)
            #expect(await resumed.wait { $0.contains("event: end") })
            #expect(await resumed.finished())

            let download = try await browser.get("/hosts/1/containers/\(id)/logs/download?tail=3")
            #expect(download.headers["Content-Disposition"]?.contains("attachment") == true)
            let text = StreamProbe(download)
            #expect(await text.finished())
            #expect(text.text.split(separator: "\n").count == 3, "the last 3 lines of the output, stdout and stderr together: \(text.text)")
        }
    }

    @Test func statsMoveAndExportStreamsATar() async throws {
        try await Self.withFleet { setup in
            let name = Self.unique("wharf-stats")
            let id = try await setup.run(name, script: "while true; do :; done")
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            let stats = StreamProbe(try await browser.get("/hosts/1/containers/\(id)/stats/events"))
            #expect(await stats.wait { $0.components(separatedBy: "event: stats").count >= 3 })
            stats.cancel()
            #expect(stats.text.contains(#""cpuPercent":"#))
            let sample = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers/\(id)/stats"))
            #expect(sample["memoryUsage"] != nil)

            let export = try await browser.get("/hosts/1/containers/\(id)/export")
            #expect(export.headers["Content-Type"] == "application/x-tar")
            let tar = StreamProbe(export)
            #expect(await tar.finished(seconds: 30))
            #expect(tar.text.utf8.count > 1024 && tar.text.contains("ustar"))
            #expect(try await setup.app.auditRows("container.export").count == 1)
        }
    }

    @Test func pruneRemovesExactlyThePreviewedContainers() async throws {
        try await Self.withFleet { setup in
            let label = Self.unique("prune")
            var ids: [String] = []
            for index in 0..<3 {
                let id = try await setup.run(Self.unique("wharf-prune-\(index)"), script: "true", labels: ["wharf.prune": label])
                ids.append(id)
            }
            // Wait for the three to exit.
            for _ in 0..<100 {
                let list = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers?status=exited&label=wharf.prune=\(label)"))
                if list["containers"]?.arrayValue?.count == 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let preview = try setup.object(try await setup.api(
                .post, "/api/v1/hosts/1/prune/containers", json: #"{"dryRun":true,"label":["wharf.prune=\#(label)"]}"#))
            let previewed = preview["containers"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(Set(previewed) == Set(ids))
            // A selection that differs from what the filters select removes nothing.
            let stale = try await setup.api(
                .post, "/api/v1/hosts/1/prune/containers", json: #"{"label":["wharf.prune=\#(label)"],"ids":["\#(ids[0])"]}"#)
            #expect(stale.status == .conflict)
            let message = try setup.object(stale)["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains(" is new") && message.contains("nothing was removed"), "the 409 says what changed: \(message)")
            #expect(try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers?all=true&label=wharf.prune=\(label)"))["containers"]?.arrayValue?.count == 3)
            let idList = previewed.map { "\"\($0)\"" }.joined(separator: ",")
            let done = try await setup.api(
                .post, "/api/v1/hosts/1/prune/containers", json: #"{"label":["wharf.prune=\#(label)"],"ids":[\#(idList)]}"#)
            #expect(done.status == .ok)
            #expect(try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers?all=true&label=wharf.prune=\(label)"))["containers"]?.arrayValue?.isEmpty == true)
            #expect(try await setup.app.auditRows("container.prune").count == 1)
        }
    }

    @Test func theDashboardListsContainersAcrossHostsAndSaysWhichHostsItCouldNotAsk() async throws {
        try await Self.withFleet { setup in
            let registry = setup.app.app.hosts.registry
            let b = try await registry.create(HostInput(
                name: "engine-b", url: setup.fleet.engineB, certificateAuthorityPEM: setup.fleet.ca, certificatePEM: setup.fleet.cert,
                keyPEM: setup.fleet.key), by: cliActor)
            let dead = try await registry.create(HostInput(name: "dead", url: "tcp://127.0.0.1:1"), by: cliActor)
            for host in try await registry.hosts() { await setup.app.app.hosts.checker.check(host) }
            let label = Self.unique("dash")
            let name = Self.unique("wharf-dash")
            let id = try await setup.run(name, labels: ["wharf.dash": label, "note": Self.xss])
            let onB = try await setup.api(.post, "/api/v1/hosts/engine-b/containers", json: #"{"image":"\#(setup.image)","name":"\#(name)-b","network":"none","labels":{"wharf.dash":"\#(label)"}}"#)
            #expect(onB.status == .created)
            let idB = try setup.object(onB)["id"]?.stringValue ?? ""

            let all = try setup.object(try await setup.api(.get, "/api/v1/containers?all=true&label=wharf.dash=\(label)"))
            let hosts = Set(all["containers"]?.arrayValue?.compactMap { $0["hostName"]?.stringValue } ?? [])
            #expect(hosts == ["engine-a", "engine-b"])
            #expect(all["unavailable"]?[0]?["hostName"]?.stringValue == "dead")
            let onlyB = try setup.object(try await setup.api(.get, "/api/v1/containers?all=true&host=\(b.id)&label=wharf.dash=\(label)"))
            #expect(onlyB["containers"]?.arrayValue?.count == 1)

            let browser = TestBrowser(setup.app)
            try await browser.signIn("root")
            let page = try await browser.get("/?all=1&label=wharf.dash=\(label)")
            #expect(page.status == .ok)
            #expect(page.text.contains("/hosts/1/containers/\(id)") && page.text.contains("/hosts/\(b.id)/containers/\(idB)"))
            #expect(page.text.contains("dead</strong>") && !page.text.contains(Self.xss))
            #expect(page.text.contains("running"), "the host table shows the engine's counts")
            #expect(try await setup.api(.delete, "/api/v1/hosts/engine-b/containers/\(idB)?force=true").status == .noContent)
            _ = dead
        }
    }

    @Test func anUnreachableHostIs502NamingItNeverA500() async throws {
        try await Self.withFleet { setup in
            try await setup.app.app.hosts.registry.create(HostInput(name: "gone", url: "tcp://127.0.0.1:1"), by: cliActor)
            let response = try await setup.api(.get, "/api/v1/hosts/gone/containers")
            #expect(response.status == .badGateway)
            let error = try setup.object(response)["error"]
            #expect(error?["code"]?.stringValue == "host_unreachable")
            #expect(error?["message"]?.stringValue?.hasPrefix("gone: ") == true)
        }
    }
}
