import FoundationEssentials
import Testing
@testable import WharfApp
import WharfDocker
import WharfHTTP
import WharfTestSupport

/// The container list across hosts (the dashboard's) stays fresh from the hosts' shared event
/// streams, not by asking the engines again and again: against the fleet's engine A, with lists
/// that would otherwise be kept for an hour.
@Suite(.serialized) struct ContainerSnapshotsFleetTests {
    @Test func theListAcrossHostsFollowsContainerEventsInsteadOfPolling() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let app = setup.app.app
            let host = try #require(try await app.hosts.registry.host("1"))
            await app.hosts.checker.check(host)
            let snapshots = ContainerSnapshots(maxAge: .seconds(3600), events: app.events, liveMaxAge: .seconds(3600))
            let across = ContainersAcrossHosts(service: ContainerService(hosts: app.hosts, audit: app.audit), snapshots: snapshots)
            let admin = Principal(userID: 1, username: "root", role: .admin, credential: .session(id: 1), csrfToken: nil)
            let label = ContainerFleetTests.unique("snap")
            var query = ContainerQuery()
            query.all = true
            query.filters.add("label", "wharf.snap=\(label)")

            func mine() async throws -> [ContainerJSON] {
                try await across.list(for: admin, query, budget: .seconds(10)).containers
            }
            /// Asks until `done` holds (each ask within the budget), for at most 15 s.
            func eventually(_ done: ([ContainerJSON]) -> Bool) async throws -> [ContainerJSON] {
                var list = try await mine()
                for _ in 0..<150 where !done(list) {
                    try await Task.sleep(for: .milliseconds(100))
                    list = try await mine()
                }
                return list
            }

            #expect(try await mine().isEmpty)
            var live = false
            for _ in 0..<100 where !live {
                try await Task.sleep(for: .milliseconds(100))
                live = await snapshots.isFollowedLive(1)
            }
            #expect(live, "the asked host is followed through the hub")
            #expect(await app.events.counts.upstreams == 1, "through the one shared upstream")

            // Going live marked the list out of date (what happened before is unknown): one
            // refresh. After that the engine is asked again only after a change on the host
            // (other suites may be changing engine A's containers meanwhile: each is one).
            // A change during that refresh leaves its list out of date: counted from before it.
            let changesBefore = await snapshots.changeCount
            _ = try await mine()
            let refreshesBefore = await snapshots.refreshCount
            for _ in 0..<5 { _ = try await mine() }
            let refreshed = await snapshots.refreshCount - refreshesBefore
            let changed = await snapshots.changeCount - changesBefore
            #expect(refreshed <= changed, "no polling: \(refreshed) lists asked for \(changed) changes")

            let id = try await setup.run(ContainerFleetTests.unique("wharf-snap"), labels: ["wharf.snap": label, "note": ContainerFleetTests.xss])
            let started = try await eventually { $0.first?.state == "running" }
            #expect(started.map(\.id) == [id], "create and start reached the list through events")

            #expect(try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/pause").status == .noContent)
            #expect(try await eventually { $0.first?.state == "paused" }.first?.state == "paused")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/unpause").status == .noContent)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/containers/\(id)/kill").status == .noContent)
            #expect(try await eventually { $0.first?.state == "exited" }.first?.state == "exited", "die reached the list")

            await setup.remove(id)
            #expect(try await eventually { $0.isEmpty }.isEmpty, "destroy reached the list")

        }
    }

    @Test func eventsGapsAndReconnectionsMarkAHostsListOutOfDate() async {
        let snapshots = ContainerSnapshots()
        func event(_ type: String, _ action: String, seq: UInt64) -> HostEventItem {
            let json = EngineEventJSON(DockerEvent(type: type, action: action, time: 1, timeNano: 1), id: nil, hostID: 1, hostName: "a")
            return HostEventItem(hostID: 1, seq: seq, payload: .event(json), cursor: nil)
        }
        func status(_ state: String) -> HostEventItem {
            HostEventItem(hostID: 1, seq: 0, payload: .status(EventStatusJSON(hostId: 1, hostName: "a", state: state, message: "")), cursor: nil)
        }
        await snapshots.observe(event("volume", "create", seq: 1))
        await snapshots.observe(event("container", "exec_start: sh", seq: 2))
        #expect(await snapshots.changeCount == 0)
        await snapshots.observe(event("container", "start", seq: 3))
        #expect(await snapshots.changeCount == 1)
        await snapshots.observe(HostEventItem(
            hostID: 1, seq: 4, payload: .gap(EventGapJSON(id: "1.4", hostId: 1, hostName: "a", from: nil, to: nil, reason: "")), cursor: nil))
        #expect(await snapshots.changeCount == 2)
        await snapshots.observe(status("reconnecting"))
        await snapshots.observe(status("live"))
        #expect(await snapshots.changeCount == 4, "a reconnection: what happened meanwhile is unknown")
    }

    @Test func whichEventsChangeTheList() {
        func event(_ type: String, _ action: String) -> EngineEventJSON {
            EngineEventJSON(
                DockerEvent(type: type, action: action, time: 1, timeNano: 1),
                id: nil, hostID: 1, hostName: "a")
        }
        for action in ["create", "start", "die", "destroy", "pause", "unpause", "rename", "health_status: healthy", "update", "oom"] {
            #expect(ContainerSnapshots.changesList(event("container", action)), "\(action)")
        }
        for action in ["exec_create: sh", "exec_start: sh", "exec_die", "top", "attach", "resize", "archive-path", "export"] {
            #expect(!ContainerSnapshots.changesList(event("container", action)), "\(action)")
        }
        #expect(ContainerSnapshots.changesList(event("network", "connect")))
        #expect(ContainerSnapshots.changesList(event("network", "disconnect")))
        #expect(!ContainerSnapshots.changesList(event("network", "create")))
        #expect(!ContainerSnapshots.changesList(event("volume", "mount")))
        #expect(!ContainerSnapshots.changesList(event("image", "pull")))
    }
}
