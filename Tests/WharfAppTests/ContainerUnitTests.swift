import Testing
@testable import WharfApp
import WharfDocker

/// Pure pieces of the container pages: the log line splitter (at every split point), the form
/// readers, ports and mounts, sizes.
@Suite struct ContainerUnitTests {
    @Test func timestampsBecomeTheEnginesSince() {
        #expect(LogLineSplitter.since("2026-12-06T06:03:38.663039855Z") == "1796537018.663039855")
        #expect(LogLineSplitter.since("2026-12-06T06:03:38.5Z") == "1796537018.500000000")
        #expect(LogLineSplitter.since("2026-12-06T06:03:38Z") == "1796537018.000000000")
        #expect(LogLineSplitter.since("nonsense") == nil)
        #expect(DockerTime("1796537018.663039855")?.text == "1796537018.663039855")
        #expect(DockerTime("17965x") == nil && DockerTime("1.1234567890") == nil)
    }

    @Test func linesAreTheSameWhateverTheChunking() {
        let text = Array("2026-12-06T06:03:38.1Z one\n2026-12-06T06:03:38.2Z two <b>\n2026-12-06T06:03:38.3Z three".utf8)
        func split(_ sizes: [Int]) -> [LogLine] {
            var splitter = LogLineSplitter()
            var lines: [LogLine] = []
            var offset = 0
            for size in sizes {
                lines += splitter.feed(DockerLogChunk(stream: .stdout, bytes: Array(text[offset..<min(text.count, offset + size)])))
                offset += size
            }
            return lines + splitter.flush()
        }
        let whole = split([text.count])
        #expect(whole.map(\.text) == ["one", "two <b>", "three"])
        #expect(whole[1].timestamp == "2026-12-06T06:03:38.2Z")
        #expect(split(Array(repeating: 1, count: text.count)) == whole)
        for cut in 1..<text.count { #expect(split([cut, text.count - cut]) == whole) }
        var splitter = LogLineSplitter()
        let long = splitter.feed(DockerLogChunk(stream: .stderr, bytes: Array(repeating: UInt8(ascii: "x"), count: 40_000)))
        #expect(long.count == 2 && long.allSatisfy { $0.stream == .err })
    }

    @Test func formLinesSplitAtTheCRLFBrowsersSend() {
        // A textarea is sent with CRLF line breaks, which Swift reads as one Character.
        var form = ContainerForm()
        form.values = ["image": "busybox", "env": "A=1\r\nB=2\r\n", "labels": "x=y\nz=w", "ports": "8080:80\r\n9090:90"]
        let (input, problems) = form.parse()
        #expect(problems.isEmpty, "\(problems)")
        #expect(input.env == ["A": "1", "B": "2"])
        #expect(input.labels == ["x": "y", "z": "w"])
        #expect(input.ports?.count == 2)
    }

    @Test func portsAndMountsReadLikeTheDockerCLI() {
        #expect(ContainerForm.port("8080:80")?.hostPort == 8080)
        #expect(ContainerForm.port("127.0.0.1:5353:53/udp").map { "\($0.hostIp ?? "") \($0.containerPort) \($0.protocol ?? "")" } == "127.0.0.1 53 udp")
        #expect(ContainerForm.port("[::1]:8080:80")?.hostIp == "::1")
        #expect(ContainerForm.port("80")?.hostPort == nil)
        for bad in ["http", "80:http", "a:b:c:d", ""] { #expect(ContainerForm.port(bad) == nil, "\(bad)") }
        #expect(ContainerForm.mount("data:/data:ro").map { "\($0.type) \($0.readOnly == true)" } == "volume true")
        #expect(ContainerForm.mount("/srv:/srv")?.type == "bind")
        #expect(ContainerForm.mount("tmpfs:/cache")?.type == "tmpfs")
        #expect(ContainerForm.mount("data") == nil && ContainerForm.mount("data:relative") == nil)
        #expect(ContainerCreateInput.bytes("512m") == Int64(512 * 1024 * 1024))
        #expect(ContainerCreateInput.bytes("1.5g") == 1_610_612_736)
        #expect(ContainerCreateInput.bytes("100") == 100 && ContainerCreateInput.bytes("12kb") == 12 * 1024)
        #expect(ContainerCreateInput.bytes("lots") == nil && ContainerCreateInput.bytes("-1m") == nil)
        #expect(ShellWords.split(#"sh -c 'echo "hi there"; exit 3' x\ y"#) == ["sh", "-c", #"echo "hi there"; exit 3"#, "x y"])
        #expect(ShellWords.split("echo 'open") == nil)
        #expect(ShellWords.split(ShellWords.join(["sh", "-c", "echo 'a b'"])) == ["sh", "-c", "echo 'a b'"])
        #expect(ByteText.format(Int64(0)) == "0 B" && ByteText.format(Int64(1536)) == "1.5 KiB" && ByteText.format(Int64(300 * 1024 * 1024)) == "300 MiB")
    }
}
