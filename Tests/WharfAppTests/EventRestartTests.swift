import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfTestSupport

/// The shared event stream survives an engine restart (`deploy/dev/fleet.sh restart a`): followers
/// keep their stream, nothing delivered before is delivered again, what happens after arrives,
/// and the window the engine could not replay (it holds no history across a restart) is marked as
/// a gap. It stops and starts engine A, so `deploy/dev/test.sh` runs it alone.
@Suite(.serialized) struct EventRestartTests {
    @Test func theSharedStreamSurvivesAnEngineRestartWithNoEventLostOrRepeated() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let browser = TestBrowser(setup.app)
            try await browser.signIn("vic")
            let page = StreamProbe(try await browser.get("/hosts/1/events/stream?type=volume"))
            defer { page.cancel() }
            let host = try #require(try await setup.app.app.hosts.registry.host("1"))
            let items = Locked<[HostEventItem]>([])
            let consumer = Task { for await item in setup.app.app.events.follow([host]) { items.withLock { $0.append(item) } } }
            defer { consumer.cancel() }
            #expect(await page.wait { $0.contains(#""state":"live""#) })
            let before = ContainerFleetTests.unique("wharf-before")
            let after = ContainerFleetTests.unique("wharf-after")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(before)"}"#).status == .created)
            #expect(await page.waitFor("volume create \(before)"))

            let restart = try ChildProcess("/bin/bash", [repositoryRoot + "/deploy/dev/fleet.sh", "restart", "a"])
            let status = await restart.waitForExit(timeout: 90)
            #expect(status == 0, "fleet.sh restart a: \(restart.standardError)")
            #expect(await page.wait(seconds: 30) { SSEFrame.parse($0).filter { $0.event == "status" }.last?.json["state"]?.stringValue == "live"
                && $0.contains("reconnecting") })
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(after)"}"#).status == .created)
            #expect(await page.waitFor("volume create \(after)"))

            let summaries = page.frames.compactMap(\.summary)
            #expect(summaries.filter { $0 == "volume create \(before)" }.count == 1)
            #expect(summaries.filter { $0 == "volume create \(after)" }.count == 1)
            let ids = page.frames.compactMap(\.id)
            #expect(Set(ids).count == ids.count, "no event twice")
            let order = page.frames.compactMap { frame -> String? in
                frame.event == "gap" ? "gap" : frame.summary.flatMap { $0.contains(before) ? "before" : $0.contains(after) ? "after" : nil }
            }
            #expect(order == ["before", "gap", "after"], "the window the engine could not replay is marked: \(order)")
            // Wharf's own consumer saw the same stream.
            let seen = items.value.compactMap { item -> String? in
                if case .gap = item.payload { return "gap" }
                return item.event.flatMap { $0.actorId == before ? "before" : $0.actorId == after ? "after" : nil }
            }
            #expect(seen == ["before", "gap", "after"])
            #expect(try await setup.eventsListeners() == 1, "still one upstream after the restart")
            for name in [before, after] { _ = try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)") }
        }
    }
}
