import FoundationEssentials
import Glibc
import Testing
@testable import WharfApp
import WharfDocker
import WharfHTTP
import WharfSQLite
import WharfWire

/// Images against the fleet's engine A and registries: a multi-layer pull with every layer's bar
/// reaching the end, a missing tag, a push with stored credentials to the htpasswd registry (and
/// without them), registry passwords nowhere in the clear, and the image API: list, inspect,
/// history, tag, remove, save and load, import, commit, prune with a preview, search.
@Suite(.serialized) struct ImageFleetTests {
    static var bigdata: String { HostFleet.environment("WHARF_TEST_IMAGE_BIGDATA") ?? "127.0.0.1:5000/wharf-test/bigdata:latest" }

    @Test func aMultiLayerPullShowsEveryLayerCompleting() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            await setup.removeImage(Self.bigdata)
            cleanup.image(Self.bigdata)
            let started = try await setup.send(.post, "/api/v1/hosts/1/pull", body: Array(#"{"reference":"\#(Self.bigdata)"}"#.utf8),
                                               contentType: "application/json", token: setup.operatorToken)
            let id = try setup.jobID(started)
            let events = try await setup.follow(id)
            #expect(events.last?.data == #"{"status":"succeeded"}"#, "\(events.filter { $0.event == "error" })")
            var last: [String: [String: JSONValue]] = [:]
            var seenDownloading = false
            for event in events where event.event == "layer" {
                guard case .object(let layer) = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8)),
                      let layerID = layer["id"]?.stringValue else { continue }
                last[layerID] = layer
                if layer["phase"]?.stringValue == "downloading" { seenDownloading = true }
            }
            #expect(last.count >= 6, "five data layers and busybox's: \(last.keys.sorted())")
            #expect(seenDownloading, "progress while downloading, not only the end")
            for (layer, state) in last {
                #expect(["complete", "exists"].contains(state["phase"]?.stringValue ?? ""), "layer \(layer): \(state)")
                #expect(state["percent"]?.intValue == 100, "layer \(layer) at 100 %: \(state)")
            }
            let final = events.last { $0.event == "layer" }?.data ?? ""
            #expect(final.contains(#""overall":100"#), "\(final)")
            #expect(events.contains { $0.event == "line" && $0.data.hasPrefix("Digest: sha256:") })
            let job = try await setup.job(id)
            #expect(job["imageId"]?.stringValue?.hasPrefix("sha256:") == true)
            #expect(job["userName"]?.stringValue == "olga")
            #expect(try await setup.imageExists(Self.bigdata))
            // The page, rendered from the stored events: a bar per layer, all full.
            let page = setup.text(try await setup.send(.get, "/jobs/\(id)", headers: [("Accept", "text/html")]))
            #expect(page.components(separatedBy: "<progress max=\"100\" value=\"100\"").count - 1 == last.count)
            // A viewer watches, but neither pulls nor cancels.
            #expect(try await setup.send(.get, "/api/v1/jobs/\(id)", token: setup.viewer).status == .ok)
            let refused = try await setup.send(.post, "/api/v1/hosts/1/pull", body: Array(#"{"reference":"busybox"}"#.utf8),
                                               contentType: "application/json", token: setup.viewer)
            #expect(refused.status == .forbidden)
        }
    }

    @Test func aMissingTagFailsWithTheRegistrysMessage() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let registry = HostFleet.environment("WHARF_TEST_REGISTRY") ?? "127.0.0.1:5000"
            let id = try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/pull", body: Array(#"{"reference":"\#(registry)/wharf-test/busybox:no-such-tag"}"#.utf8),
                contentType: "application/json"))
            let events = try await setup.follow(id)
            #expect(events.suffix(2).map(\.event) == ["error", "end"])
            let message = events[events.count - 2].data
            #expect(message.contains("manifest unknown") || message.contains("not found"), "\(message)")
            #expect(try await setup.job(id)["status"]?.stringValue == "failed")
            let bad = try await setup.send(.post, "/api/v1/hosts/1/pull", body: Array(#"{"reference":"UPPER/Case:tag"}"#.utf8), contentType: "application/json")
            #expect(bad.status == .unprocessableContent)
            #expect(try setup.object(bad)["error"]?["fields"]?["reference"] != nil)
        }
    }

    @Test func pushWithStoredCredentialsAndPasswordsNeverInTheClear() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            guard let registry = HostFleet.environment("WHARF_TEST_AUTH_REGISTRY"),
                  let user = HostFleet.environment("WHARF_TEST_AUTH_REGISTRY_USER"),
                  let password = HostFleet.environment("WHARF_TEST_AUTH_REGISTRY_PASSWORD") else {
                Issue.record("the fleet has no auth registry: restart it with deploy/dev/fleet.sh start")
                return
            }
            let target = "\(registry)/wharf-test/pushed:\(UInt32.random(in: 0 ... .max))"
            let tagged = try await setup.send(.post, "/api/v1/hosts/1/images/\(FormDecoding.encode(setup.image))/tag?name=\(FormDecoding.encode(target))")
            #expect(tagged.status == .noContent, "\(setup.text(tagged))")
            cleanup.image(target)

            // Without credentials the registry refuses, in its words.
            let anonymous = try await setup.follow(try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/images/\(FormDecoding.encode(target))/push", body: Array("{}".utf8), contentType: "application/json")))
            #expect(anonymous.last?.data.contains(#""status":"failed""#) == true)
            #expect(anonymous.contains { $0.event == "error" && ($0.data.contains("no basic auth credentials") || $0.data.contains("unauthorized")) },
                    "\(anonymous.filter { $0.event == "error" })")

            let created = try await setup.send(.post, "/api/v1/registries", body: Array(#"{"address":"\#(registry)","username":"\#(user)","password":"\#(password)"}"#.utf8),
                                               contentType: "application/json")
            #expect(created.status == .created, "\(setup.text(created))")
            #expect(!setup.text(created).contains(password))
            let registryID = try setup.object(created)["id"]?.intValue ?? 0
            let login = try await setup.send(.post, "/api/v1/registries/\(registryID)/test?host=1")
            #expect(login.status == .ok)
            #expect(try setup.object(login)["status"]?.stringValue == "Login Succeeded")
            let wrong = try await setup.send(.put, "/api/v1/registries/\(registryID)", body: Array(#"{"address":"\#(registry)","username":"\#(user)","password":"wrong-password-123"}"#.utf8),
                                             contentType: "application/json")
            #expect(wrong.status == .ok)
            let refused = try await setup.send(.post, "/api/v1/registries/\(registryID)/test?host=1")
            #expect(refused.status.code >= 400 && refused.status.code != 500, "\(setup.text(refused))")
            #expect(try await setup.send(.put, "/api/v1/registries/\(registryID)", body: Array(#"{"address":"\#(registry)","username":"\#(user)","password":"\#(password)"}"#.utf8),
                                         contentType: "application/json").status == .ok)

            let pushed = try await setup.follow(try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/images/\(FormDecoding.encode(target))/push", body: Array("{}".utf8), contentType: "application/json",
                token: setup.operatorToken)))
            #expect(pushed.last?.data == #"{"status":"succeeded"}"#, "\(pushed.filter { $0.event == "error" })")
            let layers = pushed.filter { $0.event == "layer" }
            #expect(!layers.isEmpty && layers.last?.data.contains(#""overall":100"#) == true)
            let pushJob = try await Self.lastJob(setup)
            #expect(try await setup.job(pushJob)["parameters"]?["credentials"]?.stringValue == "stored")

            // Pull it back with the stored credentials, after removing it here.
            await setup.removeImage(target)
            let pulled = try await setup.follow(try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/pull", body: Array(#"{"reference":"\#(target)"}"#.utf8), contentType: "application/json")))
            #expect(pulled.last?.data == #"{"status":"succeeded"}"#)

            // The password: sealed in the database file (and its WAL), absent from the audit.
            try await setup.app.app.database.writeWithoutTransaction { connection in try connection.checkpoint() }
            for suffix in ["", "-wal"] {
                let bytes = readFile(setup.app.app.database.path + suffix)
                #expect(!Self.contains(bytes, Array(password.utf8)), "the password is in wharf.db\(suffix) in the clear")
                #expect(!Self.contains(bytes, Array("wrong-password-123".utf8)))
            }
            let audit = try await setup.app.app.database.read { connection in
                try connection.query("SELECT action, target, parameters, error FROM audit_log").map { row in
                    (0..<4).map { (try? row.get($0, as: String?.self)) ?? nil }.compactMap { $0 }.joined(separator: " ")
                }
            }
            #expect(!audit.contains { $0.contains(password) || $0.contains("wrong-password-123") })
            #expect(audit.contains { $0.hasPrefix("registry.create") } && audit.contains { $0.hasPrefix("registry.test") })
            #expect(try await setup.send(.delete, "/api/v1/registries/\(registryID)").status == .noContent)
            #expect(try await setup.send(.get, "/api/v1/registries", token: setup.operatorToken).status == .forbidden)
        }
    }

    static func lastJob(_ setup: ContainerFleetTests.Setup) async throws -> Int64 {
        try await setup.app.app.database.read { connection in try connection.queryValue("SELECT MAX(id) FROM jobs", as: Int64.self) } ?? 0
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] && Array(haystack[index..<index + needle.count]) == needle {
            return true
        }
        return false
    }

    @Test func theImageAPIListsInspectsTagsSavesLoadsImportsCommitsAndRemoves() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let name = ContainerFleetTests.unique("wharf-img")
            let copy = "\(name):copy"
            #expect(try await setup.send(.post, "/api/v1/hosts/1/images/\(FormDecoding.encode(setup.image))/tag?name=\(FormDecoding.encode(copy))").status == .noContent)
            for tag in [copy, "\(name):imported", "\(name):committed"] { cleanup.image(tag) }

            let list = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images?reference=\(FormDecoding.encode(name))"))
            let listed = list["images"]?.arrayValue ?? []
            #expect(listed.count == 1)
            #expect(listed.first?["tags"]?.arrayValue?.contains(.string(copy)) == true)
            let detail = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode(copy))"))
            #expect(detail["config"]?["labels"]?["com.wharf.test"]?.stringValue == "busybox")
            #expect(detail["raw"]?["Id"]?.stringValue == detail["id"]?.stringValue)
            let history = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode(copy))/history"))
            #expect((history["history"]?.arrayValue?.count ?? 0) >= 2)
            #expect(try await setup.send(.get, "/api/v1/hosts/1/images/no-such-image:1").status == .notFound)
            let badTag = try await setup.send(.post, "/api/v1/hosts/1/images/\(FormDecoding.encode(copy))/tag?name=Bad%20Name")
            #expect(badTag.status == .unprocessableContent)

            // Save streams a tar the checker accepts; loading it back is a job that names the image.
            let saved = try await setup.send(.get, "/api/v1/hosts/1/save?name=\(FormDecoding.encode(copy))")
            #expect(saved.headers["Content-Type"] == "application/x-tar")
            let archive = try await Self.collect(saved)
            var validator = TarValidator()
            try validator.feed(archive)
            try validator.finish()
            #expect(try await setup.send(.delete, "/api/v1/hosts/1/images/\(FormDecoding.encode(copy))").status == .ok)
            #expect(try await !setup.imageExists(copy))
            let loaded = try await setup.follow(try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/load", body: archive, contentType: "application/x-tar")))
            #expect(loaded.last?.data == #"{"status":"succeeded"}"#, "\(loaded.filter { $0.event == "error" })")
            #expect(loaded.contains { $0.event == "result" && $0.data.contains(copy) })
            #expect(try await setup.imageExists(copy))

            // Import: a root filesystem of one static busybox becomes a one-layer image.
            let busybox = readFile(HostFleet.environment("WHARF_TEST_BUSYBOX_BIN") ?? "/bin/busybox")
            let rootfs = try TestTar.archive([("bin/busybox", busybox)])
            let imported = try await setup.follow(try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/import?reference=\(FormDecoding.encode("\(name):imported"))&changes=\(FormDecoding.encode(#"CMD ["/bin/busybox","true"]"#))&message=from%20wharf",
                body: rootfs, contentType: "application/x-tar")))
            #expect(imported.last?.data == #"{"status":"succeeded"}"#, "\(imported.filter { $0.event == "error" })")
            let importedImage = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode("\(name):imported"))"))
            #expect(importedImage["config"]?["cmd"]?.arrayValue == [.string("/bin/busybox"), .string("true")])
            #expect(importedImage["layers"]?.intValue == 1)

            // Commit a container into an image.
            let container = try await setup.run(ContainerFleetTests.unique("wharf-commit"), script: "echo data > /committed.txt; sleep 300")
            cleanup.container(container)
            let committed = try await setup.send(
                .post, "/api/v1/hosts/1/containers/\(container)/commit",
                body: Array(#"{"reference":"\#(name):committed","comment":"snapshot","changes":["ENV FROM_COMMIT=1","WORKDIR /srv"]}"#.utf8),
                contentType: "application/json", token: setup.operatorToken)
            #expect(committed.status == .created, "\(setup.text(committed))")
            let committedImage = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode("\(name):committed"))"))
            #expect(committedImage["comment"]?.stringValue == "snapshot")
            #expect(committedImage["config"]?["workingDir"]?.stringValue == "/srv")
            #expect(committedImage["config"]?["envNames"]?.arrayValue?.contains(.string("FROM_COMMIT")) == true)
            let badCommit = try await setup.send(.post, "/api/v1/hosts/1/containers/\(container)/commit",
                                                 body: Array(#"{"changes":["RUN rm -rf /"]}"#.utf8), contentType: "application/json")
            #expect(badCommit.status == .unprocessableContent)

            let actions = try await setup.app.auditActions()
            for action in ["image.tag", "image.save", "image.remove", "image.load", "image.import", "image.commit"] {
                #expect(actions.contains(action), "\(action) is audited")
            }
        }
    }

    static func collect(_ response: HTTPResponse) async throws -> [UInt8] {
        final class Sink: ResponseBodyWriter, @unchecked Sendable {
            var bytes: [UInt8] = []
            func write(_ chunk: [UInt8]) async throws { bytes += chunk }
        }
        guard case .stream(_, let produce) = response.body else { return response.bodyBytes ?? [] }
        let sink = Sink()
        try await produce(sink)
        return sink.bytes
    }

    @Test func pruneRemovesExactlyThePreviewAndSearchSaysWhyItCannot() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            // Two dangling images: built without a tag.
            var made: [String] = []
            let run = UInt32.random(in: 0 ... .max)
            for index in 0..<2 {
                let context = try TestTar.context(dockerfile: "FROM \(setup.image)\nLABEL wharf.prune=\"\(index)\" wharf.run=\"\(run)\"\n")
                let events = try await setup.follow(try setup.jobID(try await setup.send(.post, "/api/v1/hosts/1/build", body: context, contentType: "application/x-tar")))
                #expect(events.last?.data == #"{"status":"succeeded"}"#)
                made.append(try await setup.job(try await Self.lastJob(setup))["imageId"]?.stringValue ?? "")
                cleanup.image(made[index])
            }
            let preview = try setup.object(try await setup.send(
                .post, "/api/v1/hosts/1/prune/images", body: Array(#"{"dryRun":true,"label":["wharf.prune=0","wharf.run=\#(run)"]}"#.utf8), contentType: "application/json"))
            let ids = (preview["images"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(ids == [made[0]])
            let stale = try await setup.send(.post, "/api/v1/hosts/1/prune/images",
                                             body: Array(#"{"label":["wharf.prune=0","wharf.run=\#(run)"],"ids":["\#(made[1])"]}"#.utf8), contentType: "application/json")
            #expect(stale.status == .conflict, "a selection that is not the preview removes nothing")
            let removed = try setup.object(try await setup.send(.post, "/api/v1/hosts/1/prune/images",
                                                                  body: Array(#"{"label":["wharf.prune=0","wharf.run=\#(run)"],"ids":["\#(made[0])"]}"#.utf8), contentType: "application/json"))
            #expect((removed["images"]?.arrayValue ?? []).count == 1)
            #expect(try await !setup.imageExists(made[0]))
            #expect(try await setup.imageExists(made[1]))

            // The local registry has no search: the engine's message says so, as a 4xx/502 answer.
            let registry = HostFleet.environment("WHARF_TEST_REGISTRY") ?? "127.0.0.1:5000"
            let search = try await setup.send(.get, "/api/v1/hosts/1/search?term=\(FormDecoding.encode("\(registry)/busybox"))")
            #expect(search.status.code >= 400 && search.status.code != 500)
            #expect(!(try setup.object(search)["error"]?["message"]?.stringValue ?? "").isEmpty)
            let page = setup.text(try await setup.send(.get, "/hosts/1/images/pull?term=\(FormDecoding.encode("\(registry)/busybox"))", headers: [("Accept", "text/html")]))
            #expect(page.contains("search-error"), "the pull page shows the engine's message")
        }
    }
}
