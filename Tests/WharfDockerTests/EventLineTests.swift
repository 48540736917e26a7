internal import FoundationEssentials
import Testing
import WharfDocker
import WharfWire

/// Lines of `GET /events` read with ``JSONText`` (``JSONLineDecodable``) give what `JSONDecoder`
/// gives for every line the engine writes, escapes and members Wharf does not read included.
@Suite struct EventLineTests {
    /// As dockerd writes them: Go escapes `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`, and
    /// adds the legacy `status`, `id` and `from` members to container and image events.
    static let lines = [
        #"{"status":"start","id":"8a1f","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"8a1f","Attributes":{"image":"busybox","name":"\u003cimg src=x onerror=alert(1)\u003e","com.example.label":"a \u0026 b \"quoted\" \\ back","emoji":"\ud83d\udc33 wharf"}},"scope":"local","time":1765080000,"timeNano":1765080000123456789}"#,
        #"{"Type":"volume","Action":"create","Actor":{"ID":"wbench-1","Attributes":{"driver":"local"}},"scope":"local","time":1765080001,"timeNano":1765080001000000001}"#,
        #"{"Type":"network","Action":"connect","Actor":{"ID":"c0ffee","Attributes":{"container":"8a1f","name":"none","type":"null"}},"scope":"local","time":1765080002,"timeNano":1765080002000000002}"#,
        #"{"Type":"daemon","Action":"reload","Actor":{"ID":"ABCD:EFGH","Attributes":{}},"scope":"local","time":1765080003,"timeNano":1765080003000000003}"#,
        // Members Wharf does not read, of every kind, before and after those it reads.
        #" { "extra" : [1, 2.5e3, true, null, {"deep": ["x"]}] , "Type":"image","Action":"tag","Actor":{"ID":"sha256:1","Attributes":{"name":"busybox:latest"},"Other":false},"scope":"local","time":1765080004,"timeNano":1765080004000000004, "tail": -0.5 } "#,
        // No actor at all, and no timeNano: both optional.
        #"{"Type":"builder","Action":"prune","scope":"local","time":1765080005}"#,
    ]

    static func same(_ a: DockerEvent, _ b: DockerEvent) -> Bool {
        a.type == b.type && a.action == b.action && a.scope == b.scope && a.time == b.time && a.timeNano == b.timeNano
            && a.actor?.id == b.actor?.id && a.actor?.attributes == b.actor?.attributes && (a.actor == nil) == (b.actor == nil)
    }

    @Test(arguments: lines)
    func readsWhatJSONDecoderReads(line: String) throws {
        let bytes = Array(line.utf8)
        let fast = try DockerEvent(jsonLine: bytes)
        let reference = try JSONDecoder().decode(DockerEvent.self, from: Data(bytes))
        #expect(Self.same(fast, reference))
    }

    @Test func escapesAreDecoded() throws {
        let event = try DockerEvent(jsonLine: Array(Self.lines[0].utf8))
        #expect(event.actor?.attributes?["name"] == "<img src=x onerror=alert(1)>")
        #expect(event.actor?.attributes?["com.example.label"] == #"a & b "quoted" \ back"#)
        #expect(event.actor?.attributes?["emoji"] == "🐳 wharf")
        #expect(event.timeNano == 1_765_080_000_123_456_789)
    }

    @Test func aMemberOfAnotherTypeReadsAsMissing() throws {
        let event = try DockerEvent(jsonLine: Array(#"{"Type":7,"Action":null,"Actor":{"ID":"x","Attributes":{"a":"b","n":1}},"time":"soon"}"#.utf8))
        #expect(event.type == nil && event.action == nil && event.time == nil)
        #expect(event.actor?.attributes == ["a": "b"])
        let noActor = try DockerEvent(jsonLine: Array(#"{"Type":"x","Actor":null}"#.utf8))
        #expect(noActor.actor == nil, "null is no actor, as JSONDecoder reads it")
    }

    @Test func aLineThatIsNotAnEventIsRefused() {
        #expect(throws: JSONText.SyntaxError.self) { try DockerEvent(jsonLine: Array(#"{"Type":"volume""#.utf8)) }
        #expect(throws: JSONText.SyntaxError.self) { try DockerEvent(jsonLine: Array(#"{"Type":"a\u0000\xff"}"#.utf8)) }
        #expect(throws: DockerError.self) { try DockerEvent(jsonLine: Array("[1, 2]".utf8)) }
    }
}
