import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfWire

/// What the image and job fleet tests share: requests with any body, jobs followed to their end
/// over the SSE API, tar archives made in memory.
extension ContainerFleetTests.Setup {
    /// A request with a raw body (an upload) as `token` (the admin's by default).
    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String? = nil, token: String? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Authorization": "Bearer \(token ?? admin)", "Host": "localhost"]
        if let contentType { headers.set("Content-Type", contentType) }
        for (name, value) in extra { headers.add(name, value) }
        return try await app.respond(HTTPRequest.make(method, path, headers: headers, body: body))
    }

    /// A request whose body arrives in `chunks`, as a connection's reads would deliver it.
    func send(_ method: HTTPMethod, _ path: String, chunks: [[UInt8]], contentType: String) async throws -> HTTPResponse {
        var request = HTTPRequest.make(method, path, headers: ["Authorization": "Bearer \(admin)", "Host": "localhost", "Content-Type": contentType])
        request.head.framing = .length(chunks.reduce(0) { $0 + $1.count })
        request.body = RequestBody(chunks: chunks)
        return try await app.respond(request)
    }

    func text(_ response: HTTPResponse) -> String { String(decoding: response.bodyBytes ?? [], as: UTF8.self) }

    /// The job a 202 answer started.
    func jobID(_ response: HTTPResponse) throws -> Int64 {
        #expect(response.status == .accepted, "\(text(response))")
        return try #require(try object(response)["job"]?["id"]?.intValue)
    }

    /// Every event of job `id`, from the first to `end` (the stream closes after it).
    func follow(_ id: Int64, after: Int64 = 0, seconds: Double = 120) async throws -> [(id: String?, event: String, data: String)] {
        let response = try await send(.get, "/api/v1/jobs/\(id)/events", headers: [("Last-Event-ID", String(after))])
        let probe = StreamProbe(response)
        let ended = await probe.finished(seconds: seconds)
        if !ended { probe.cancel() }
        #expect(ended, "job \(id) did not end within \(seconds) s")
        return JobRunnerTests.events(probe.text)
    }

    func job(_ id: Int64) async throws -> [String: JSONValue] {
        try object(try await send(.get, "/api/v1/jobs/\(id)"))
    }

    /// Whether the engine of host 1 has an image by that name.
    func imageExists(_ name: String) async throws -> Bool {
        try await send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode(name))").status == .ok
    }

    func removeImage(_ name: String) async {
        _ = try? await send(.delete, "/api/v1/hosts/1/images/\(FormDecoding.encode(name))?force=true")
    }
}

/// What a test made on the engine, removed at its end (before the app stops, so the removal
/// does not race the shutdown): images by name or id, containers by id.
final class FleetCleanup: @unchecked Sendable {
    // Touched by the one test task that owns it.
    private var images: [String] = []
    private var containers: [String] = []

    func image(_ name: String) { images.append(name) }
    func container(_ id: String) { containers.append(id) }

    func run(_ setup: ContainerFleetTests.Setup) async {
        for id in containers { await setup.remove(id) }
        for name in images.reversed() { await setup.removeImage(name) }
    }
}

extension ContainerFleetTests {
    /// ``withFleet``, with a ``FleetCleanup`` that runs after `body`, whether it threw or not.
    static func withFleet(cleaning body: (Setup, FleetCleanup) async throws -> Void) async throws {
        try await withFleet { setup in
            let cleanup = FleetCleanup()
            do {
                try await body(setup, cleanup)
            } catch {
                await cleanup.run(setup)
                throw error
            }
            await cleanup.run(setup)
        }
    }
}

/// Tar archives for uploads, made with the client's own writer.
enum TestTar {
    static func archive(_ files: [(String, [UInt8])]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, content) in files {
            bytes += try TarWriter.header(for: TarEntry(name: name, size: content.count, mode: 0o755)) + content
                + TarWriter.padding(forContentOf: content.count)
        }
        return bytes + TarWriter.endOfArchive
    }

    static func context(dockerfile: String, files: [(String, String)] = []) throws -> [UInt8] {
        try archive([("Dockerfile", Array(dockerfile.utf8))] + files.map { ($0.0, Array($0.1.utf8)) })
    }

    /// A multipart form body with `fields` first and `file` last, as a browser sends it.
    static func multipart(boundary: String, fields: [(String, String)], file: (name: String, filename: String, bytes: [UInt8])?) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\n".utf8)
            body += Array("Content-Type: application/x-tar\r\n\r\n".utf8) + file.bytes + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }
}
