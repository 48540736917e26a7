import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP

/// A host-wide prune against the fleet's engine A: parts chosen, previewed, removed exactly as
/// previewed, nothing at all when a part changed. It removes whatever engine A does not use, so
/// `deploy/dev/test.sh` runs it alone, where no other test's containers or volumes are there.
@Suite(.serialized) struct HostPruneFleetTests {
    @Test func aHostPruneRemovesExactlyThePreviewOfTheChosenParts() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let stopped = try await setup.run(ContainerFleetTests.unique("wharf-sysprune"), script: "true")
            defer { Task { await setup.remove(stopped) } }
            let volume = ContainerFleetTests.unique("wharf-sysprune")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(volume)"}"#).status == .created)
            let network = try await NetworkFleetTests.create(ContainerFleetTests.unique("wharf-sysprune"), setup)
            for _ in 0..<100 {
                let list = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/containers?status=exited&id=\(stopped)"))
                if list["containers"]?.arrayValue?.count == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let preview = try setup.object(try await setup.api(.post, "/api/v1/hosts/1/prune", json:
                #"{"dryRun":true,"parts":["containers","volumes","networks","build-cache"]}"#))
            func ids(_ answer: [String: JSONValue], _ part: String) -> [String] {
                answer["parts"]?.arrayValue?.first { $0["part"]?.stringValue == part }?["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(ids(preview, "containers").contains(stopped))
            #expect(ids(preview, "volumes").contains(volume))
            #expect(ids(preview, "networks").contains(network))
            #expect(preview["parts"]?.arrayValue?.count == 4 && preview["dryRun"] == .bool(true))
            // The page previews the same, as text; a part not chosen is not listed.
            let browser = TestBrowser(setup.app)
            try await browser.signIn("olga")
            let page = try await browser.get("/hosts/1/prune?part=volumes")
            #expect(page.status == .ok && page.text.contains(volume) && !page.text.contains(network))
            // Something new in one part: nothing is removed at all.
            let late = ContainerFleetTests.unique("wharf-sysprune-late")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(late)"}"#).status == .created)
            func body(_ volumes: [String]) -> String {
                let list = { (values: [String]) in values.map { "\"\($0)\"" }.joined(separator: ",") }
                return #"{"parts":["containers","volumes","networks","build-cache"],"ids":{"containers":[\#(list(ids(preview, "containers")))],"volumes":[\#(list(volumes))],"networks":[\#(list(ids(preview, "networks")))],"build-cache":[\#(list(ids(preview, "build-cache")))]}}"#
            }
            let stale = try await setup.api(.post, "/api/v1/hosts/1/prune", json: body(ids(preview, "volumes")))
            #expect(stale.status == .conflict)
            #expect(try setup.object(stale)["error"]?["message"]?.stringValue?.contains("Unused volumes") == true)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/containers/\(stopped)").status == .ok, "nothing removed")
            let done = try await setup.api(.post, "/api/v1/hosts/1/prune", json: body(ids(preview, "volumes") + [late]))
            #expect(done.status == .ok, "\(VolumeFleetTests.body(done)) \(VolumeFleetTests.body(stale))")
            #expect(try await setup.api(.get, "/api/v1/hosts/1/containers/\(stopped)").status == .notFound)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/volumes/\(volume)").status == .notFound)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/networks/\(network)").status == .notFound)
            let actions = try await setup.app.auditActions()
            for action in ["container.prune", "volume.prune", "network.prune"] { #expect(actions.contains(action), "\(action)") }
            #expect(try await setup.api(.post, "/api/v1/hosts/1/prune", token: setup.viewer, json: #"{"dryRun":true}"#).status == .forbidden)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/prune", json: #"{"dryRun":true,"parts":["everything"]}"#).status == .badRequest)
        }
    }
}
