import WharfWire
import FoundationEssentials
import Testing
@testable import WharfApp
import WharfDocker
import WharfHTTP

/// Pure pieces of the volume, network, event and system pages: event continuity across
/// reconnections, event filters as the engine applies them, address checks, driver options only
/// admins may use, links to objects with reserved names, disk use as `docker system df` counts it.
@Suite struct PanelPartThreeUnitTests {
    static func key(_ nano: Int64, _ action: String = "create", _ actor: String = "a") -> EventContinuity.Key {
        EventContinuity.Key(timeNano: nano, type: "volume", action: action, actor: actor)
    }

    @Test func aReconnectionThatReplaysTheLastEventIsContinuousAndDropsTheReplays() {
        var continuity = EventContinuity()
        #expect(continuity.since == nil, "a first connection follows from now")
        continuity.connected(engineSeconds: 1_796_537_000)
        #expect(continuity.accept(Self.key(1_796_537_001_000_000_005)) == .new(gap: nil))
        #expect(continuity.accept(Self.key(1_796_537_002_000_000_000, "destroy")) == .new(gap: nil))
        #expect(continuity.since == "1796537002.000000000")
        continuity.disconnected(at: 1_796_537_003_000)
        // The engine replays from `since`: the last event again, then what came while cut off.
        #expect(continuity.accept(Self.key(1_796_537_002_000_000_000, "destroy")) == .duplicate)
        #expect(continuity.accept(Self.key(1_796_537_004_000_000_000, "create", "b")) == .new(gap: nil))
        #expect(continuity.accept(Self.key(1_796_537_004_000_000_000, "create", "b")) == .duplicate)
    }

    @Test func aReconnectionThatCannotReplayTheLastEventMarksAGap() {
        var continuity = EventContinuity()
        continuity.connected(engineSeconds: 100)
        _ = continuity.accept(Self.key(100_500_000_000))
        continuity.disconnected(at: 101_000)
        continuity.disconnected(at: 102_000)  // a failed attempt does not move the start of the gap
        // The engine restarted: its buffer no longer holds the last event.
        #expect(continuity.accept(Self.key(105_000_000_000, "start", "c")) == .new(gap: .init(from: 100_500, to: 105_000)))
        #expect(continuity.accept(Self.key(106_000_000_000, "die", "c")) == .new(gap: nil))
        // Only the last 1,024 keys are remembered.
        for index in 0..<EventContinuity.remembered { _ = continuity.accept(Self.key(200_000_000_000 + Int64(index))) }
        #expect(continuity.accept(Self.key(105_000_000_000, "start", "c")) == .new(gap: nil))
    }

    @Test func withoutAnyEventAReconnectionResumesFromTheEnginesClock() {
        var continuity = EventContinuity()
        continuity.connected(engineSeconds: 1_796_537_000)
        continuity.connected(engineSeconds: 1_796_539_999)
        #expect(continuity.since == "1796537000")
        #expect(HTTPDate.seconds("Sun, 06 Dec 2026 06:14:07 GMT") == 1_796_537_647)
        #expect(HTTPDate.seconds("Sun, 06 Dec 2026 06:14 GMT") == nil)
        #expect(EventCursor("1796537000123.42") == EventCursor(epoch: 1_796_537_000_123, seq: 42))
        #expect(EventCursor("x.1") == nil && EventCursor("12") == nil)
    }

    static func event(_ type: String, _ action: String, id: String, attributes: [String: String]) -> EngineEventJSON {
        let docker = DockerEvent(type: type, action: action, actor: .init(id: id, attributes: attributes), time: 1, timeNano: 1_000_000_000)
        return EngineEventJSON(docker, id: "1.1", hostID: 3, hostName: "alpha")
    }

    /// Each live event's JSON is written with ``JSONText``: the same value `JSONBody` (Foundation's
    /// encoder) writes, escapes and all, and the same bytes when nothing needs escaping.
    @Test func anEventsJSONIsWhatJSONBodyWrites() throws {
        let xss = "<img src=x onerror=alert(1)>"
        let events = [
            Self.event("container", "start", id: "3f2a1b0c9d8e", attributes: ["name": "web-1", "image": "busybox:1.36", "app": "shop"]),
            Self.event("volume", "create", id: xss, attributes: [xss: xss, "q": #"say "hi" \ now"#, "ctl": "a\nb\tc\u{1}d", "u": "🐳 é ✓"]),
            EngineEventJSON(DockerEvent(type: "volume", action: "destroy", time: 5), id: nil, hostID: 1, hostName: "b"),
        ]
        for event in events {
            let decoded = try JSONDecoder().decode(EngineEventJSON.self, from: Data(event.json))
            #expect(decoded == event)
        }
        #expect(events[0].json == (try JSONBody.encode(events[0])), "keys sorted as JSONBody sorts them")
        let bare = String(decoding: events[2].json, as: UTF8.self)
        #expect(!bare.contains("\"id\"") && !bare.contains("\"scope\"") && !bare.contains("\"url\""), "nil members are left out: \(bare)")
    }

    @Test(arguments: [
        ("type=container", true), ("type=volume", false), ("event=start", true), ("action=die", false), ("event=start&event=die", true),
        ("container=web", true), ("container=3f2a", true), ("container=db", false), ("image=busybox", true),
        ("image=wharf-test/busybox:latest", false), ("label=app", true), ("label=app=shop", true), ("label=app=other", false),
        ("volume=data", false), (#"filters={"type":["container"],"label":["app"]}"#, true),
    ])
    func eventFiltersMatchAsTheEngineDoes(query: String, matches: Bool) throws {
        let event = Self.event("container", "start", id: "3f2a1b0c9d8e", attributes: ["name": "web-1", "image": "busybox:1.36", "app": "shop"])
        let filter = try EventFilter(HTTPRequest.make(.get, "/events?" + query.replacing("{", with: "%7B").replacing("}", with: "%7D").replacing("\"", with: "%22")))
        #expect(filter.matches(event) == matches, "\(query)")
    }

    @Test func execActionsMatchTheirVerbAndBadFiltersAreRefused() throws {
        let exec = Self.event("container", "exec_start: sh -c true", id: "3f2a", attributes: [:])
        #expect(try EventFilter(HTTPRequest.make(.get, "/events?event=exec_start")).matches(exec))
        #expect(throws: HTTPError.self) { try EventFilter(HTTPRequest.make(.get, "/events?type=nonsense")) }
        #expect(throws: HTTPError.self) { try EventFilter(HTTPRequest.make(.get, "/events?filters=%7B%22colour%22:%5B%22red%22%5D%7D")) }
        #expect(EngineEventJSON.link(type: "container", action: "start", actorId: "3f2a", host: 1) == "/hosts/1/containers/3f2a")
        #expect(EngineEventJSON.link(type: "container", action: "destroy", actorId: "3f2a", host: 1) == nil)
        #expect(EngineEventJSON.link(type: "volume", action: "create", actorId: "new", host: 2) == "/hosts/2/volumes/%6Eew")
        #expect(EngineEventJSON.link(type: "daemon", action: "reload", actorId: "x", host: 2) == "/hosts/2/system")
    }

    @Test func subnetsGatewaysAndAddressesAreCheckedBeforeTheEngine() throws {
        #expect(NetworkAddress.ipv4("10.0.0.1") == 0x0A00_0001 && NetworkAddress.ipv4("10.0.0.256") == nil && NetworkAddress.ipv4("01.2.3.4") == nil)
        #expect(NetworkAddress.isIPv6("fd00::1") && NetworkAddress.isIPv6("::") && !NetworkAddress.isIPv6("fd00::1::2") && !NetworkAddress.isIPv6("10.0.0.1"))
        #expect(NetworkAddress.Subnet("10.1.2.0/24")?.contains("10.1.2.77") == true)
        #expect(NetworkAddress.Subnet("10.1.2.0/24")?.contains("10.1.3.1") == false)
        #expect(NetworkAddress.Subnet("10.1.2.0/24")?.contains("10.1.2.128/25") == true)
        #expect(NetworkAddress.Subnet("10.1.2.0/33") == nil && NetworkAddress.Subnet("fd00:1::/64") == .v6(prefix: 64))
        var input = NetworkCreateInput(name: "<img src=x onerror=alert(1)>", driver: "bridge")
        input.subnet = "10.1.2.0/24"
        input.gateway = "10.1.3.1"
        input.ipRange = "10.9.0.0/25"
        #expect {
            try input.check()
        } throws: { error in
            let fields = (error as? FieldErrors)?.fieldErrors ?? [:]
            return fields["gateway"]?.contains("not inside") == true && fields["ipRange"] != nil && fields["name"] == nil
        }
        input.gateway = "10.1.2.1"
        input.ipRange = "10.1.2.128/25"
        let checked = try input.check()
        #expect(checked.request.ipam?.config?.first == IPAM.Pool(subnet: "10.1.2.0/24", ipRange: "10.1.2.128/25", gateway: "10.1.2.1"))
        #expect(throws: FieldErrors.self) { try NetworkCreateInput(name: "").check() }
    }

    @Test func driverOptionsThatMountTheHostAreForAdmins() throws {
        #expect(VolumeCreateInput.bindsHostPath(["type": "none", "o": "bind", "device": "/etc"]))
        #expect(VolumeCreateInput.bindsHostPath(["o": "rw,rbind"]))
        #expect(VolumeCreateInput.bindsHostPath(["type": "ext4", "device": "/dev/sda1"]))
        #expect(!VolumeCreateInput.bindsHostPath(["type": "nfs", "o": "addr=10.0.0.2,rw", "device": ":/export"]))
        #expect(!VolumeCreateInput.bindsHostPath(["type": "tmpfs", "device": "tmpfs", "o": "size=64m"]))
        #expect(throws: FieldErrors.self) { try VolumeCreateInput(name: "<img src=x onerror=alert(1)>").check() }
        #expect(try VolumeCreateInput(name: "").check().name == nil)
        #expect(VolumeCreateInput.nameProblem("a", driver: "local") != nil && VolumeCreateInput.nameProblem("data_1.x-y", driver: "local") == nil)
    }

    @Test func linksReachObjectsWhoseNamesAreFixedPages() {
        #expect(PathSegment.encode("new") == "%6Eew" && PathSegment.encode("prune") == "prune")
        #expect(PathSegment.encode("data") == "data" && PathSegment.encode("a b/c") == "a%20b%2Fc" && PathSegment.encode("newer") == "newer")
        #expect(LabelSelector("!keep").matches(["other": "1"]) && !LabelSelector("!keep").matches(["keep": ""]))
        #expect(LabelSelector("env!=prod").matches(["env": "dev"]) && !LabelSelector("env!=prod").matches(["env": "prod"]))
        #expect(KeyValueLines.parse("a=1\n\n b = 2 \nflag").pairs == ["a": "1", "b": "2", "flag": ""])
        #expect(KeyValueLines.parse("a b=1").problem != nil)
        #expect(KeyValueLines.parse("a=1\r\nb=2\r\n").pairs == ["a": "1", "b": "2"], "browsers send textarea lines with CRLF")
        #expect(KeyValueLines.parse("=x").problem != nil)
    }
}


extension PanelPartThreeUnitTests {
    @Test func pastEventWindowsAreInMillisecondsSoNowKeepsTheCurrentSecond() throws {
        let now: Int64 = 1_796_537_647_123
        let window = try EventPast.Window(since: "10m", until: nil, now: now)
        #expect(window.until == now && window.since == (now / 1000 - 600) * 1000)
        #expect(EventPast.engineTime(now) == "1796537647.123000000" && EventPast.engineTime(5) == "0.005000000")
        #expect(throws: FieldErrors.self) { try EventPast.Window(since: "soon", until: nil, now: now) }
        #expect(throws: FieldErrors.self) { try EventPast.Window(since: "1796537647", until: "1796537000", now: now) }
    }
}
