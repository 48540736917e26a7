import WharfWire
import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfSQLite

/// Volumes through the API and the pages, against the fleet's engine A: list with filters and the
/// containers using each, sizes, create with clear errors, inspect, remove, prune with a preview,
/// host-path driver options for admins only, escaping.
@Suite(.serialized) struct VolumeFleetTests {
    typealias Setup = ContainerFleetTests.Setup
    static let xss = ContainerFleetTests.xss

    static func body(_ response: HTTPResponse) -> String { String(decoding: response.bodyBytes ?? [], as: UTF8.self) }

    /// Creates a container on host 1 that mounts `volume` at /data (not started unless asked).
    static func user(of volume: String, _ setup: Setup, start: Bool = false) async throws -> String {
        let json = #"{"image":"\#(setup.image)","name":"\#(ContainerFleetTests.unique("wharf-vuser"))","command":["sh","-c","echo data > /data/f; sleep 300"],"network":"none","mounts":[{"type":"volume","source":"\#(volume)","target":"/data"}],"start":\#(start)}"#
        let response = try await setup.api(.post, "/api/v1/hosts/1/containers", json: json)
        #expect(response.status == .created, "\(body(response))")
        return try setup.object(response)["id"]?.stringValue ?? ""
    }

    @Test func createListInspectAndRemoveThroughTheAPIWithEachActionAudited() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let name = ContainerFleetTests.unique("wharf-vol")
            let created = try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(name)","labels":{"wharf.test":\#(JSONText.quoted(Self.xss))}}"#)
            #expect(created.status == .created, "\(Self.body(created))")
            #expect(try setup.object(created)["name"]?.stringValue == name)
            // Asking again for the same name is a conflict, not a silent success.
            let again = try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(name)"}"#)
            #expect(again.status == .conflict)
            #expect(try setup.object(again)["error"]?["message"]?.stringValue?.contains("already exists") == true)

            let list = try setup.object(try await setup.api(.get, "/api/v1/hosts/engine-a/volumes?name=\(name)&label=wharf.test"))
            let listed = try #require(list["volumes"]?[0])
            #expect(listed["name"]?.stringValue == name && listed["refCount"]?.intValue == 0)
            #expect(listed["labels"]?["wharf.test"]?.stringValue == Self.xss)
            #expect(listed["size"] == nil || listed["size"] == .null, "sizes only with size=true")

            let container = try await Self.user(of: name, setup, start: true)
            defer { Task { await setup.remove(container) } }
            let used = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/volumes?name=\(name)&size=true&dangling=false"))
            #expect(used["volumes"]?[0]?["refCount"]?.intValue == 1)
            #expect(used["volumes"]?[0]?["containers"]?[0]?["id"]?.stringValue == container)
            #expect(used["volumes"]?[0]?["size"]?.intValue != nil)
            let detail = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/volumes/\(name)"))
            #expect(detail["volume"]?["containers"]?[0]?["destination"]?.stringValue == "/data")
            #expect(detail["raw"]?["Mountpoint"]?.stringValue?.hasSuffix("/\(name)/_data") == true)

            // In use: the engine refuses, said in plain words; never a 500.
            let inUse = try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)")
            #expect(inUse.status == .conflict)
            #expect(try setup.object(inUse)["error"]?["message"]?.stringValue?.contains("is used by container \(container.prefix(12))") == true, "\(Self.body(inUse))")
            await setup.remove(container)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)?force=true").status == .noContent)
            let gone = try await setup.api(.get, "/api/v1/hosts/1/volumes/\(name)")
            #expect(gone.status == .notFound)
            let goneMessage = try setup.object(gone)["error"]?["message"]?.stringValue?.lowercased() ?? ""
            #expect(goneMessage.contains("no such volume"), "\(Self.body(gone))")

            let bad = try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":\#(JSONText.quoted(Self.xss)),"driverOpts":{"":"x"}}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try setup.object(bad)["error"]?["fields"]?["name"] != nil && setup.object(bad)["error"]?["fields"]?["driverOpts"] != nil)
            let plugin = try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(name)-p","driver":"no-such-driver"}"#)
            #expect(plugin.status == .unprocessableContent, "\(Self.body(plugin))")
            #expect(try setup.object(plugin)["error"]?["fields"]?["driver"]?.stringValue?.contains("it has local") == true, "at once, not after the engine's 15 s plugin search")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: "{nope").status == .badRequest)

            let actions = try await setup.app.auditActions().filter { $0.hasPrefix("volume.") }
            #expect(actions == ["volume.create", "volume.create", "volume.remove", "volume.remove", "volume.create"])
            let rows = try await setup.app.auditRows("volume.remove")
            #expect(try rows[0].get("outcome", as: String.self) == "failed" && rows[0].get("http_status", as: Int64?.self) == 409)
            #expect(try rows[1].get("target", as: String.self) == name && rows[1].get("host_id", as: Int64?.self) == 1)
        }
    }

    @Test func driverOptionsThatMountAHostPathAreForAdminsAndARefusalIsAudited() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let name = ContainerFleetTests.unique("wharf-bindvol")
            let json = #"{"name":"\#(name)","driverOpts":{"type":"none","o":"bind","device":"/tmp"}}"#
            let refused = try await setup.api(.post, "/api/v1/hosts/1/volumes", token: setup.operatorToken, json: json)
            #expect(refused.status == .forbidden)
            #expect(try setup.object(refused)["error"]?["message"]?.stringValue?.contains("Only admins") == true)
            let denial = try #require(try await setup.app.auditRows("auth.denied").last)
            #expect(try denial.get("host_id", as: Int64?.self) == 1 && denial.get("target", as: String.self).hasPrefix("volume.create"))
            #expect(try await setup.api(.get, "/api/v1/hosts/1/volumes/\(name)").status == .notFound, "nothing was created")
            let allowed = try await setup.api(.post, "/api/v1/hosts/1/volumes", json: json)
            #expect(allowed.status == .created, "\(Self.body(allowed))")
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)").status == .noContent)
            // Viewers read only.
            #expect(try await setup.api(.get, "/api/v1/hosts/1/volumes", token: setup.viewer).status == .ok)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", token: setup.viewer, json: #"{"name":"\#(name)"}"#).status == .forbidden)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)", token: setup.viewer).status == .forbidden)
        }
    }

    @Test func pagesListCreateShowAndRemoveWithTextEscaped() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let name = ContainerFleetTests.unique("wharf-pvol")
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            try await browser.get("/hosts/1/volumes/new")
            let wrong = try await browser.post("/hosts/1/volumes", [("name", Self.xss), ("driver", "local"), ("labels", "ok=1\n=broken")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("&lt;img src=x onerror=alert(1)&gt;") && !wrong.text.contains(Self.xss))
            #expect(wrong.text.contains("is not key=value"))
            let bind = try await browser.post("/hosts/1/volumes", [("name", name), ("options", "type=none\no=bind\ndevice=/tmp")])
            #expect(bind.status == .forbidden)
            try await browser.get("/hosts/1/volumes/new")
            let created = try await browser.post("/hosts/1/volumes", [("name", name), ("driver", "local"), ("labels", "note=\(Self.xss)")])
            #expect(created.status == .seeOther && created.location == "/hosts/1/volumes/\(name)")
            let page = try await browser.get("/hosts/1/volumes/\(name)")
            #expect(page.status == .ok && page.text.contains("Volume \(name) created."))
            #expect(page.text.contains("note=&lt;img src=x onerror=alert(1)&gt;") && !page.text.contains(Self.xss))
            let list = try await browser.get("/hosts/1/volumes?label=note&size=1")
            #expect(list.text.contains(name) && !list.text.contains(Self.xss))
            let ask = try await browser.post("/hosts/1/volumes/\(name)/remove")
            #expect(ask.status == .ok && ask.text.contains("Remove volume \(name)?"))
            let removed = try await browser.post("/hosts/1/volumes/\(name)/remove", [("confirm", "1")])
            #expect(removed.location == "/hosts/1/volumes")
            #expect(try await browser.get("/hosts/1/volumes").text.contains("Volume \(name) removed."))
            // A volume named like the fixed page is reached through its encoded link.
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"new"}"#).status == .created)
            let reserved = try await browser.get("/hosts/1/volumes?name=new")
            #expect(reserved.text.contains("/hosts/1/volumes/%6Eew"))
            #expect(try await browser.get("/hosts/1/volumes/%6Eew").text.contains("<h1>new"))
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/volumes/new").status == .noContent)
        }
    }

    @Test func pruneRemovesExactlyThePreviewedVolumes() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let label = ContainerFleetTests.unique("vprune")
            var names: [String] = []
            for index in 0..<3 {
                let name = ContainerFleetTests.unique("wharf-vprune-\(index)")
                #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(name)","labels":{"wharf.prune":"\#(label)"}}"#).status == .created)
                names.append(name)
            }
            let container = try await Self.user(of: names[2], setup)
            defer { Task { await setup.remove(container) } }
            let preview = try setup.object(try await setup.api(
                .post, "/api/v1/hosts/1/prune/volumes", json: #"{"dryRun":true,"label":["wharf.prune=\#(label)"]}"#))
            let previewed = preview["volumes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(previewed) == Set(names[0..<2]), "the volume a container mounts is not pruned")
            let stale = try await setup.api(.post, "/api/v1/hosts/1/prune/volumes", json: #"{"label":["wharf.prune=\#(label)"],"names":["\#(names[0])"]}"#)
            #expect(stale.status == .conflict)
            #expect(try setup.object(stale)["error"]?["message"]?.stringValue?.contains("\(names[1]) is new") == true)
            // The page shows the same preview, and its form removes exactly it.
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            let page = try await browser.get("/hosts/1/prune/volumes?label=wharf.prune=\(label)")
            #expect(page.text.contains(names[0]) && page.text.contains(names[1]) && !page.text.contains(names[2]))
            let done = try await browser.post("/hosts/1/prune/volumes", [("label", "wharf.prune=\(label)"), ("name", names[0]), ("name", names[1])])
            #expect(done.status == .seeOther && done.location == "/hosts/1/volumes")
            let left = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/volumes?label=wharf.prune=\(label)"))
            #expect(left["volumes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [names[2]])
            let row = try #require(try await setup.app.auditRows("volume.prune").first)
            #expect(try row.get("parameters", as: String.self).contains(names[0]))
            await setup.remove(container)
            _ = try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(names[2])")
        }
    }
}
