import FoundationEssentials
import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// Half-close through the Docker client against real engines: stdin ended with `shutdownWrite()`
/// reaches the process as end of file (over a Unix socket as a FIN, over mutual TLS as
/// `close_notify`), the process exits, and its output still arrives. This is what
/// `echo x | docker run -i …` and `docker exec -i` need from a proxy.
@Suite struct DockerHalfCloseTests {
    struct Created: Decodable { let id: String; enum CodingKeys: String, CodingKey { case id = "Id" } }
    struct ExecState: Decodable {
        let running: Bool
        let exitCode: Int?
        enum CodingKeys: String, CodingKey { case running = "Running", exitCode = "ExitCode" }
    }

    static func json(_ object: [String: JSONValue]) throws -> DockerRequestBody {
        .bytes(Array(try JSONEncoder().encode(JSONValue.object(object))), contentType: "application/json")
    }

    /// The multiplexed output until the engine ends the stream; then the stream is closed.
    static func output(of stream: DockerUpgradedStream) async throws -> [DockerLogChunk] {
        var decoder = MultiplexedStreamDecoder()
        var chunks: [DockerLogChunk] = []
        while let bytes = try await stream.read(deadline: .after(seconds: 15)) { chunks += try decoder.feed(bytes) }
        stream.close()
        return chunks
    }

    /// Runs `cat` (then a line on stderr) as an exec in a running container, sends stdin, ends it
    /// with shutdownWrite, and reads the multiplexed output to its end.
    static func execCatWithStdinEnded(_ client: DockerClient) async throws {
        try await Fleet.withContainer(client, ["sleep", "300"]) { id in
            try await client.startContainer(id)
            var create = DockerRequest("POST", DockerPath("containers", id, "exec"))
            create.body = try json([
                "AttachStdin": .bool(true), "AttachStdout": .bool(true), "AttachStderr": .bool(true), "Tty": .bool(false),
                "Cmd": .array([.string("sh"), .string("-c"), .string("cat; echo stdin-ended >&2")]),
            ])
            let exec = try await client.send(create).body.decode(Created.self)
            var start = DockerRequest("POST", DockerPath("exec", exec.id, "start"))
            start.body = try json(["Detach": .bool(false), "Tty": .bool(false)])
            let stream = try await client.upgrade(start)
            #expect(stream.head.status == 101)
            #expect(stream.contentType?.hasPrefix("application/vnd.docker.") == true, "\(String(describing: stream.contentType))")
            try await stream.write(Array("hello\n".utf8), deadline: .after(seconds: 5))
            try await stream.write(Array("world\n".utf8), deadline: .after(seconds: 5))
            try await stream.shutdownWrite()
            // Without the half-close, cat would wait for more input and this would time out.
            let chunks = try await Self.output(of: stream)
            #expect(text(chunks, .stdout) == "hello\nworld\n")
            #expect(text(chunks, .stderr) == "stdin-ended\n")
            let state = try await client.send(DockerRequest("GET", DockerPath("exec", exec.id, "json"))).body.decode(ExecState.self)
            #expect(!state.running)
            #expect(state.exitCode == 0)
        }
    }

    @Test func execStdinEndedOverAUnixSocket() async throws {
        try await Self.execCatWithStdinEnded(try Fleet.engineA())
    }

    @Test func execStdinEndedOverMutualTLS() async throws {
        try await Self.execCatWithStdinEnded(try DockerTLSTests.engineB())
    }

    @Test func attachStdinEndedOverMutualTLSEndsTheContainer() async throws {
        let client = try DockerTLSTests.engineB()
        var create = DockerRequest("POST", DockerPath("containers", "create"), query: ["name": Fleet.name("stdin-once")])
        create.body = try Self.json([
            "Image": .string(try Fleet.busybox()), "Cmd": .array([.string("sh"), .string("-c"), .string("cat; echo eof >&2")]),
            "OpenStdin": .bool(true), "StdinOnce": .bool(true), "AttachStdin": .bool(true), "AttachStdout": .bool(true),
            "AttachStderr": .bool(true), "Labels": .object(Fleet.label.mapValues(JSONValue.string)),
            "HostConfig": .object(["NetworkMode": .string("none")]),
        ])
        let created = try await client.send(create).body.decode(Created.self)
        do {
            let query: DockerQuery = ["stream": "1", "stdin": "1", "stdout": "1", "stderr": "1"]
            let stream = try await client.upgrade(DockerRequest("POST", DockerPath("containers", created.id, "attach"), query: query))
            try await client.startContainer(created.id)
            try await stream.write(Array("over tls\n".utf8), deadline: .after(seconds: 5))
            try await stream.shutdownWrite()
            let chunks = try await Self.output(of: stream)
            #expect(text(chunks, .stdout) == "over tls\n")
            #expect(text(chunks, .stderr) == "eof\n")
            #expect(try await client.waitContainer(created.id) == 0, "the process saw end of file and exited")
        } catch {
            try? await client.removeContainer(created.id, force: true)
            throw error
        }
        try await client.removeContainer(created.id, force: true)
    }
}
