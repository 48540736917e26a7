import Testing
import WharfHTTP

@Suite struct ServerSentEventTests {
    static func text(_ event: ServerSentEvent) -> String { String(decoding: event.encoded, as: UTF8.self) }

    @Test func encodesEveryFieldInOrderEndedByABlankLine() {
        let event = ServerSentEvent(id: "42", event: "progress", data: "half done", retry: 1500)
        #expect(Self.text(event) == "id: 42\nevent: progress\nretry: 1500\ndata: half done\n\n")
    }

    @Test func dataOnlyEventHasOneDataLine() {
        #expect(Self.text(ServerSentEvent(data: "hello")) == "data: hello\n\n")
    }

    @Test func eachLineOfDataBecomesItsOwnDataLineWhateverTheLineBreak() {
        #expect(Self.text(ServerSentEvent(data: "a\nb\r\nc\rd")) == "data: a\ndata: b\ndata: c\ndata: d\n\n")
        #expect(Self.text(ServerSentEvent(data: "trailing\n")) == "data: trailing\ndata: \n\n")
        #expect(Self.text(ServerSentEvent(data: "\n\n")) == "data: \ndata: \ndata: \n\n")
    }

    @Test func emptyDataIsOneEmptyDataLine() {
        #expect(Self.text(ServerSentEvent(data: "")) == "data: \n\n")
    }

    @Test func lineBreaksCannotInjectFieldsThroughIdOrEvent() {
        let event = ServerSentEvent(id: "1\ndata: forged\r", event: "x\r\nid: 666", data: "ok")
        #expect(Self.text(event) == "id: 1data: forged\nevent: xid: 666\ndata: ok\n\n")
    }

    @Test func nulIsDroppedFromTheId() {
        #expect(Self.text(ServerSentEvent(id: "a\u{0}b", data: "x")) == "id: ab\ndata: x\n\n")
    }

    @Test func negativeRetryIsLeftOut() {
        #expect(Self.text(ServerSentEvent(data: "x", retry: -1)) == "data: x\n\n")
    }

    @Test func unicodeDataPassesThroughAsUTF8() {
        #expect(ServerSentEvent(data: "h\u{e9}llo \u{1F433}").encoded == Array("data: h\u{e9}llo \u{1F433}\n\n".utf8))
    }
}
