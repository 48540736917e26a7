import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfSQLite

/// A host's system page against the fleet's engine A: versions, machine and disk use as
/// `docker info`, `version` and `system df` give them, and links to the host's other pages.
@Suite(.serialized) struct HostSystemFleetTests {
    typealias Setup = ContainerFleetTests.Setup

    @Test func theSystemPageShowsVersionsMachineAndDiskUseWithLinks() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let system = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/system", token: setup.viewer))
            #expect(system["engine"]?["apiVersion"]?.stringValue?.hasPrefix("1.") == true)
            #expect(system["machine"]?["storageDriver"]?.stringValue == "vfs")
            #expect(system["machine"]?["runtimes"]?.arrayValue?.contains(.string("runc")) == true)
            #expect((system["disk"]?["images"]?["total"]?.intValue ?? 0) >= 1)
            #expect(system["raw"]?["DockerRootDir"]?.stringValue?.hasSuffix("/a/data") == true)
            let browser = TestBrowser(setup.app)
            try await browser.signIn("vic")
            let page = try await browser.get("/hosts/1/system")
            #expect(page.status == .ok)
            for text in ["Docker Engine", "Disk use", "Reclaimable", "vfs", "/hosts/1/images", "/hosts/1/volumes", "/hosts/1/networks",
                         "/hosts/1/events", "/jobs?host=1", "/hosts/1/containers"] {
                #expect(page.text.contains(text), "\(text)")
            }
            #expect(!page.text.contains("/hosts/1/prune\" class"), "a viewer is offered no prune")
            #expect(try await browser.get("/hosts/1/prune").status == .forbidden)
            // The host page links to every page of the host.
            #expect(try await browser.get("/hosts/1").text.contains("/hosts/1/system"))
        }
    }

    @Test func concurrentDiskUsageCallsShareOneInsteadOfFailing() async throws {
        try await ContainerFleetTests.withFleet { setup in
            // The engine refuses a second system/df while one runs; Wharf shares the one in flight.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await setup.api(.get, index % 2 == 0 ? "/api/v1/hosts/1/system" : "/api/v1/hosts/1/volumes?size=true").status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6))
        }
    }
}
