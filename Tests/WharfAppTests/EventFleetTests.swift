import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfTestSupport
import WharfWire

/// Engine events against the fleet: one upstream `GET /events` per host however many followers,
/// filters as the engine applies them, links to objects, escaping, past events as a list,
/// resuming with `Last-Event-ID`, and a network cut healed without losing or repeating an event.
@Suite(.serialized) struct EventFleetTests {
    typealias Setup = ContainerFleetTests.Setup
    static let xss = ContainerFleetTests.xss

    @Test func oneUpstreamServesEveryFollowerAndEachGetsWhatItsFiltersSelect() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let label = ContainerFleetTests.unique("ev")
            let browser = TestBrowser(setup.app)
            try await browser.signIn("vic")
            let everything = StreamProbe(try await browser.get("/hosts/1/events/stream"))
            let volumes = StreamProbe(try await browser.get("/hosts/1/events/stream?type=volume"))
            let labelled = StreamProbe(try await setup.api(.get, "/api/v1/events/stream?type=container&label=wharf.ev=\(label)"))
            var followers = [everything, volumes, labelled]
            for _ in 0..<20 { followers.append(StreamProbe(try await browser.get("/hosts/engine-a/events/stream?event=destroy"))) }
            defer { for follower in followers { follower.cancel() } }
            for follower in followers { #expect(await follower.wait { $0.contains(#""state":"live""#) }) }
            #expect(await setup.app.app.events.counts.upstreams == 1)
            #expect(try await setup.eventsListeners() == 1, "the engine sees one follower")

            let volume = ContainerFleetTests.unique("wharf-evvol")
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(volume)"}"#).status == .created)
            let id = try await setup.run(ContainerFleetTests.unique("wharf-ev"), script: "true", labels: ["wharf.ev": label, "note": Self.xss])
            #expect(await everything.waitFor("container die \(id)"))
            await setup.remove(id)
            #expect(await everything.waitFor("container destroy \(id)"))
            #expect(await labelled.waitFor("container destroy \(id)"))
            #expect(await volumes.waitFor("volume create \(volume)"))
            for follower in followers.dropFirst(3) { #expect(await follower.waitFor("container destroy \(id)")) }

            let mine = everything.frames.compactMap(\.summary).filter { $0.hasSuffix(id) }.map { $0.split(separator: " ")[1] }
            for action in ["create", "start", "die", "destroy"] {
                #expect(mine.filter { $0 == action }.count == 1, "\(action) once in \(mine)")
            }
            #expect(volumes.frames.allSatisfy { $0.event != "engine" || $0.json["type"]?.stringValue == "volume" })
            #expect(labelled.frames.compactMap(\.summary).allSatisfy { $0.hasSuffix(id) })
            #expect(followers[3].frames.compactMap { $0.json["action"]?.stringValue }.allSatisfy { $0 == "destroy" })
            let start = try #require(everything.frames.first { $0.summary == "container start \(id)" })
            #expect(start.json["url"]?.stringValue == "/hosts/1/containers/\(id)")
            #expect(start.json["attributes"]?["note"]?.stringValue == Self.xss, "text in JSON; the page inserts it with textContent")
            let ids = everything.frames.compactMap(\.id)
            #expect(Set(ids).count == ids.count, "no event twice")

            // The past events page shows the same events as escaped text.
            let page = try await browser.get("/hosts/1/events?since=5m&container=\(id)")
            #expect(page.status == .ok && page.text.contains("note=&lt;img src=x onerror=alert(1)&gt;") && !page.text.contains(Self.xss))
            #expect(page.text.contains(#"data-live-kind="events""#))

            for follower in followers { follower.cancel() }
            var upstreams = 1
            for _ in 0..<100 where upstreams > 0 {
                try await Task.sleep(for: .milliseconds(50))
                upstreams = await setup.app.app.events.counts.upstreams
            }
            #expect(upstreams == 0, "the upstream closes when the last follower leaves")
            _ = try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(volume)")
        }
    }

    @Test func pastEventsComeAsAListAndAResumingClientGetsOnlyWhatItMissed() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let first = ContainerFleetTests.unique("wharf-evpast")
            let second = ContainerFleetTests.unique("wharf-evpast")
            let probe = StreamProbe(try await setup.api(.get, "/api/v1/hosts/1/events/stream?type=volume"))
            #expect(await probe.wait { $0.contains(#""state":"live""#) })
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(first)"}"#).status == .created)
            #expect(await probe.waitFor("volume create \(first)"))
            probe.cancel()
            let lastID = try #require(probe.frames.last { $0.summary == "volume create \(first)" }?.id)
            #expect(try await setup.api(.post, "/api/v1/hosts/1/volumes", json: #"{"name":"\#(second)"}"#).status == .created)
            var headers: HTTPHeaders = ["Authorization": "Bearer \(setup.admin)", "Host": "localhost", "Last-Event-ID": lastID]
            let resumed = StreamProbe(try await setup.app.respond(HTTPRequest.make(.get, "/api/v1/hosts/1/events/stream?type=volume", headers: headers)))
            defer { resumed.cancel() }
            #expect(await resumed.waitFor("volume create \(second)"))
            #expect(!resumed.frames.contains { $0.summary == "volume create \(first)" }, "what it had is not sent again")
            // The same position as `after` (a page's first EventSource cannot send the header).
            let after = StreamProbe(try await setup.api(.get, "/api/v1/hosts/1/events/stream?type=volume&after=\(lastID)"))
            defer { after.cancel() }
            #expect(await after.waitFor("volume create \(second)"))
            #expect(!after.frames.contains { $0.summary == "volume create \(first)" }, "nothing from before the position")
            // A cursor from another Wharf process cannot be replayed: a gap says so.
            headers.set("Last-Event-ID", "1.5")
            let stale = StreamProbe(try await setup.app.respond(HTTPRequest.make(.get, "/api/v1/hosts/1/events/stream", headers: headers)))
            defer { stale.cancel() }
            #expect(await stale.wait { $0.contains("event: gap") && $0.contains("Wharf restarted") })

            let past = try setup.object(try await setup.api(.get, "/api/v1/hosts/1/events?since=10m&type=volume&event=create"))
            let names = past["events"]?.arrayValue?.compactMap { $0["actorId"]?.stringValue } ?? []
            #expect(names.prefix(2) == [second, first], "newest first: \(names)")
            #expect(try await setup.api(.get, "/api/v1/hosts/1/events?since=yesterday-ish").status == .unprocessableContent)
            #expect(try await setup.api(.get, "/api/v1/hosts/1/events?type=nonsense").status == .badRequest)
            for name in [first, second] { _ = try await setup.api(.delete, "/api/v1/hosts/1/volumes/\(name)") }
        }
    }

    @Test func aNetworkCutIsHealedWithoutLosingOrRepeatingAnEvent() async throws {
        try await ContainerFleetTests.withFleet { setup in
            let engineC = setup.fleet.engineC.replacing("tcp://", with: "")
            let parts = engineC.split(separator: ":")
            let proxy = try ChildProcess("/usr/bin/python3", [repositoryRoot + "/Tests/Tools/cut_proxy.py", String(parts[0]), String(parts[1])])
            defer { proxy.signal(SIGTERM); Task { _ = await proxy.waitForExit(timeout: 5) } }
            var port = ""
            for _ in 0..<200 where port.isEmpty {
                port = proxy.standardOutput.split(separator: "\n").first { $0.hasPrefix("listening ") }.map { String($0.dropFirst(10)) } ?? ""
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(!port.isEmpty)
            let cut = try await setup.app.app.hosts.registry.create(HostInput(name: "through-proxy", url: "tcp://127.0.0.1:\(port)"), by: cliActor)
            try await setup.app.app.hosts.registry.create(HostInput(name: "engine-c", url: setup.fleet.engineC), by: cliActor)
            // Wharf's own consumers use the same hub.
            let items = Locked<[HostEventItem]>([])
            let consumer = Task {
                for await item in setup.app.app.events.follow([cut]) { items.withLock { $0.append(item) } }
            }
            defer { consumer.cancel() }
            func creates() -> [String] {
                items.value.compactMap(\.event).filter { $0.type == "volume" && $0.action == "create" && $0.actorId.hasPrefix("wharf-cut-") }.map(\.actorId)
            }
            func wait(_ done: () -> Bool) async { for _ in 0..<400 where !done() { try? await Task.sleep(for: .milliseconds(25)) } }
            await wait { items.value.contains { if case .status(let status) = $0.payload { status.state == "live" } else { false } } }
            let names = (0..<3).map { "wharf-cut-\($0)-\(UInt32.random(in: 0 ... .max))" }
            #expect(try await setup.api(.post, "/api/v1/hosts/engine-c/volumes", json: #"{"name":"\#(names[0])"}"#).status == .created)
            await wait { creates() == [names[0]] }
            proxy.signal(SIGUSR1)
            // Made while the link is down; the engine replays it from its buffer on reconnection.
            #expect(try await setup.api(.post, "/api/v1/hosts/engine-c/volumes", json: #"{"name":"\#(names[1])"}"#).status == .created)
            await wait { creates().count == 2 }
            #expect(try await setup.api(.post, "/api/v1/hosts/engine-c/volumes", json: #"{"name":"\#(names[2])"}"#).status == .created)
            await wait { creates().count == 3 }
            #expect(proxy.standardOutput.contains("cut"))
            #expect(creates() == names, "each once, in order: \(creates())")
            #expect(!items.value.contains { if case .gap = $0.payload { true } else { false } }, "the engine replayed everything: no gap")
            #expect(items.value.contains { if case .status(let status) = $0.payload { status.state == "reconnecting" } else { false } })
            for name in names { _ = try await setup.api(.delete, "/api/v1/hosts/engine-c/volumes/\(name)") }
        }
    }
}
