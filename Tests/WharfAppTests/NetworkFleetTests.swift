import WharfWire
import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfSQLite

/// Networks through the API and the pages, against the fleet's engine A, within its limits (run
/// with the default bridge disabled: user bridges still work, internal ones with their own subnet
/// are used here; a second `null` network and macvlan are refused, and that refusal is shown in
/// plain words). Connect with an alias and a fixed address, disconnect, remove, prune, escaping.
@Suite(.serialized) struct NetworkFleetTests {
    typealias Setup = ContainerFleetTests.Setup
    static let xss = ContainerFleetTests.xss

    /// A subnet unlikely to be used by anything else on this machine.
    static func subnet() -> (subnet: String, prefix: String) {
        let prefix = "10.\(UInt8.random(in: 231...250)).\(UInt8.random(in: 1...254))"
        return ("\(prefix).0/24", prefix)
    }

    static func create(_ name: String, _ setup: Setup, subnet: String? = nil, labels: String = "{}") async throws -> String {
        let ipam = subnet.map { #","subnet":"\#($0)""# } ?? ""
        let response = try await setup.api(
            .post, "/api/v1/hosts/1/networks", json: #"{"name":\#(JSONText.quoted(name)),"internal":true\#(ipam),"labels":\#(labels)}"#)
        #expect(response.status == .created, "\(VolumeFleetTests.body(response))")
        return try setup.object(response)["id"]?.stringValue ?? ""
    }

    @Test func internalNetworksConnectWithAliasAndFixedAddressAndTheEnginesRefusalsAreSaidPlainly() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let (subnet, prefix) = Self.subnet()
            let name = Self.xss + ContainerFleetTests.unique("-net")
            let network = try await Self.create(name, setup, subnet: subnet, labels: #"{"wharf.test":\#(JSONText.quoted(Self.xss))}"#)
            defer { Task { _ = try? await setup.api(.delete, "/api/v1/hosts/1/networks/\(network)") } }
            let home = try await Self.create(ContainerFleetTests.unique("wharf-home"), setup)
            defer { Task { _ = try? await setup.api(.delete, "/api/v1/hosts/1/networks/\(home)") } }

            let listed = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/networks?label=wharf.test&type=custom"))
            let entry = try #require(listed["networks"]?.arrayValue?.first { $0["id"]?.stringValue == network })
            #expect(entry["name"]?.stringValue == name && entry["internal"] == .bool(true) && entry["labels"]?["wharf.test"]?.stringValue == Self.xss)
            #expect(entry["subnets"]?[0]?["subnet"]?.stringValue == subnet)

            // A container created on one internal network, then connected to the other with an
            // alias and a fixed address, then disconnected.
            let containerName = ContainerFleetTests.unique("wharf-netc")
            let run = try await setup.api(.post, "/api/v1/hosts/1/containers", json:
                #"{"image":"\#(setup.image)","name":"\#(containerName)","command":["sleep","300"],"network":"\#(home)","start":true}"#)
            #expect(run.status == .created, "\(VolumeFleetTests.body(run))")
            let container = try setup.object(run)["id"]?.stringValue ?? ""
            defer { Task { await setup.remove(container) } }
            let connect = try await setup.api(.post, "/api/v1/hosts/1/networks/\(network)/connect", json:
                #"{"container":"\#(containerName)","aliases":["db","db-primary"],"ipv4Address":"\#(prefix).77"}"#)
            #expect(connect.status == .noContent, "\(VolumeFleetTests.body(connect))")
            let detail = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/networks/\(network)"))
            #expect(detail["network"]?["containers"]?[0]?["ipv4Address"]?.stringValue == "\(prefix).77/24")
            let raw = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers/\(container)"))["raw"]
            #expect(raw?["NetworkSettings"]?["Networks"]?[name]?["Aliases"]?.arrayValue?.contains(.string("db")) == true)

            // Refusals, each in plain words with its status.
            let busy = try await setup.api(.delete, "/api/v1/hosts/1/networks/\(network)")
            #expect([409, 422].contains(busy.status.code), "\(VolumeFleetTests.body(busy))")
            #expect(try setup.object(busy)["error"]?["message"]?.stringValue?.contains("disconnect its containers first") == true)
            let outside = try await setup.api(.post, "/api/v1/hosts/1/networks/\(home)/connect", json: #"{"container":"\#(containerName)","ipv4Address":"10.0.0.300"}"#)
            let outsideFields = try setup.object(outside)["error"]?["fields"]
            #expect(outside.status == .unprocessableContent && outsideFields?["ipv4Address"] != nil)
            let fixed = try await setup.api(.post, "/api/v1/hosts/1/networks/\(home)/connect", json: #"{"container":"\#(containerName)","ipv4Address":"10.9.9.9"}"#)
            #expect(fixed.status.code >= 400 && fixed.status.code < 500, "\(VolumeFleetTests.body(fixed))")
            let null = try await setup.api(.post, "/api/v1/hosts/1/networks", json: #"{"name":"wharf-null","driver":"null"}"#)
            #expect(null.status == .unprocessableContent)
            #expect(try setup.object(null)["error"]?["message"]?.stringValue?.contains("only one network with the null driver") == true)
            let macvlan = try await setup.api(.post, "/api/v1/hosts/1/networks", json: #"{"name":"wharf-mv","driver":"macvlan"}"#)
            #expect(macvlan.status == .unprocessableContent, "\(VolumeFleetTests.body(macvlan))")
            #expect(try setup.object(macvlan)["error"]?["message"]?.stringValue?.contains("cannot create this kind of network") == true)
            let duplicate = try await setup.api(.post, "/api/v1/hosts/1/networks", json: #"{"name":\#(JSONText.quoted(name)),"internal":true}"#)
            #expect(duplicate.status == .conflict)
            let predefined = try await setup.api(.delete, "/api/v1/hosts/1/networks/none")
            #expect([409, 422].contains(predefined.status.code), "\(VolumeFleetTests.body(predefined))")

            let disconnect = try await setup.api(.post, "/api/v1/hosts/1/networks/\(network)/disconnect", json: #"{"container":"\#(container)","force":true}"#)
            #expect(disconnect.status == .noContent)
            #expect(try setup.object(try await setup.api(.get, "/api/v1/hosts/1/networks/\(network)"))["network"]?["containers"]?.arrayValue?.isEmpty == true)
            let again = try await setup.api(.post, "/api/v1/hosts/1/networks/\(network)/disconnect", json: #"{"container":"\#(container)"}"#)
            #expect(again.status.code >= 400 && again.status.code < 500)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/networks/\(network)").status == .noContent)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/networks/\(network)").status == .notFound)

            let actions = try await setup.app.auditActions().filter { $0.hasPrefix("network.") }
            #expect(actions.first == "network.create" && actions.contains("network.connect") && actions.contains("network.disconnect"))
            let connectRow = try #require(try await setup.app.auditRows("network.connect").first)
            #expect(try connectRow.get("parameters", as: String.self).contains("db,db-primary") && connectRow.get("host_id", as: Int64?.self) == 1)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/networks", token: setup.viewer, json: #"{"name":"x"}"#).status == .forbidden)
            // Cleaned up before the app stops (the deferred tasks are the fallback on failure).
            await setup.remove(container)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/networks/\(home)").status == .noContent)
        }
    }

    @Test func pagesShowTheEnginesReasonNextToTheFieldAndEscapeNames() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            try await browser.get("/hosts/1/networks/new")
            let null = try await browser.post("/hosts/1/networks", [("name", "wharf-null-page"), ("driver", "null")])
            #expect(null.status == .unprocessableContent)
            #expect(null.text.contains("only one network with the null driver"))
            let bad = try await browser.post("/hosts/1/networks", [("name", Self.xss), ("subnet", "10.1.2.0/40"), ("gateway", "nope")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("is not a subnet") && bad.text.contains("is not an IP address"))
            #expect(!bad.text.contains(Self.xss))
            let (subnet, prefix) = Self.subnet()
            let name = Self.xss + ContainerFleetTests.unique("-page")
            let created = try await browser.post("/hosts/1/networks", [
                ("name", name), ("driver", "bridge"), ("subnet", subnet), ("gateway", "\(prefix).1"), ("internal", "1"), ("labels", "k=\(Self.xss)"),
            ])
            #expect(created.status == .seeOther, "\(created.text.prefix(600))")
            let url = try #require(created.location)
            let page = try await browser.get(url)
            #expect(page.status == .ok && page.text.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.text.contains(Self.xss))
            #expect(page.text.contains("\(prefix).1"))
            let list = try await browser.get("/hosts/1/networks?label=k")
            #expect(list.text.contains(url) && !list.text.contains(Self.xss))
            // A refused connect comes back to the page with the reason.
            let refused = try await browser.post(url + "/connect", [("container", "no-such-container-\(prefix)")], headers: [("Referer", "http://localhost\(url)")])
            #expect(refused.status == .seeOther && refused.location == url)
            #expect(try await browser.get(url).text.contains("No such container"))
            let ask = try await browser.post(url + "/remove")
            #expect(ask.status == .ok && ask.text.contains("Remove network"))
            #expect(try await browser.post(url + "/remove", [("confirm", "1")]).location == "/hosts/1/networks")
        }
    }

    @Test func pruneRemovesExactlyThePreviewedNetworks() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let label = ContainerFleetTests.unique("nprune")
            let unused = try await Self.create(ContainerFleetTests.unique("wharf-np"), setup, labels: #"{"wharf.prune":"\#(label)"}"#)
            let used = try await Self.create(ContainerFleetTests.unique("wharf-np"), setup, labels: #"{"wharf.prune":"\#(label)"}"#)
            let run = try await setup.api(.post, "/api/v1/hosts/1/containers", json: #"{"image":"\#(setup.image)","command":["true"],"network":"\#(used)"}"#)
            let container = try setup.object(run)["id"]?.stringValue ?? ""
            defer { Task { await setup.remove(container); _ = try? await setup.api(.delete, "/api/v1/hosts/1/networks/\(used)") } }
            let preview = try setup.object(try await setup.api(.post, "/api/v1/hosts/1/prune/networks", json: #"{"dryRun":true,"label":["wharf.prune=\#(label)"]}"#))
            #expect(preview["networks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [unused])
            let stale = try await setup.api(.post, "/api/v1/hosts/1/prune/networks", json: #"{"label":["wharf.prune=\#(label)"],"ids":["\#(used)"]}"#)
            #expect(stale.status == .conflict)
            let done = try await setup.api(.post, "/api/v1/hosts/1/prune/networks", json: #"{"label":["wharf.prune=\#(label)"],"ids":["\#(unused)"]}"#)
            #expect(done.status == .ok)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/networks/\(unused)").status == .notFound)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/networks/\(used)").status == .ok)
            #expect(try await setup.app.auditRows("network.prune").count == 1)
            await setup.remove(container)
            #expect(try await setup.api(.delete, "/api/v1/hosts/1/networks/\(used)").status == .noContent)
        }
    }
}

extension NetworkFleetTests {
    @Test func anUnknownDriverIsRefusedAtOnceNamingTheEnginesDrivers() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let start = ContinuousClock.now
            let response = try await setup.api(.post, "/api/v1/hosts/1/networks", json: #"{"name":"wharf-nodriver","driver":"no-such-driver"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try setup.object(response)["error"]?["fields"]?["driver"]?.stringValue?.contains("bridge") == true)
            #expect(ContinuousClock.now - start < .seconds(10), "the engine would look for a plugin for 15 s")
            #expect(try await setup.app.auditRows("network.create").last?.get("outcome", as: String.self) == "failed")
        }
    }
}
