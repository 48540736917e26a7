import Glibc
import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// Static files from a root built in a temporary directory, served under `/static/`.
@Suite struct StaticFilesServerTests {
    /// A root with files, a subdirectory, a hidden file, symlinks in and out, next to a secret outside it.
    final class Fixture {
        let base: String
        let root: String
        let css = Array("body { color: #333 }\n".utf8)

        init() throws {
            var template = Array("/tmp/wharf-static-XXXXXX".utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw SystemError(code: errno, operation: "mkdtemp")
            }
            base = String(cString: made)
            root = base + "/public"
            for directory in [root, root + "/js", root + "/sub", root + "/sub/deeper", base + "/outside"] { mkdir(directory, 0o755) }
            try write(root + "/app.css", css)
            try write(root + "/index.html", Array("<!doctype html><title>Wharf</title>\n".utf8))
            try write(root + "/js/app.js", Array("console.log(1)\n".utf8))
            try write(root + "/logo.svg", Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n".utf8))
            try write(root + "/data.bin", [0, 1, 2, 3])
            try write(root + "/sub/deeper/note.txt", Array("deep\n".utf8))
            try write(root + "/.env", Array("SECRET=hidden\n".utf8))
            try write(base + "/outside/secret.txt", Array("top secret\n".utf8))
            try write(base + "/secret.txt", Array("top secret\n".utf8))
            symlink(base + "/outside/secret.txt", root + "/leak.txt")
            symlink(base + "/outside", root + "/leakdir")
            symlink(root + "/app.css", root + "/alias.css")
            symlink(root, root + "/sub/loop")  // a cycle: must be skipped, not walked forever
        }

        func write(_ path: String, _ bytes: [UInt8]) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw SystemError(code: errno, operation: "open \(path)") }
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }

        deinit {
            for path in ["/public/sub/loop", "/public/leak.txt", "/public/leakdir", "/public/alias.css", "/public/app.css", "/public/index.html",
                         "/public/js/app.js", "/public/logo.svg", "/public/data.bin", "/public/sub/deeper/note.txt",
                         "/public/.env", "/outside/secret.txt", "/secret.txt"] { unlink(base + path) }
            for directory in ["/public/sub/deeper", "/public/sub", "/public/js", "/public", "/outside", ""] { rmdir(base + directory) }
        }
    }

    static func run(_ body: (TestHTTPServer, StaticFiles) async throws -> Void) async throws {
        let fixture = try Fixture()
        let files = try StaticFiles(root: fixture.root)
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/static/*path", permission: .test, files.handler())
        } test: { server in
            try await body(server, files)
        }
        withExtendedLifetime(fixture) {}
    }

    @Test func onlyRegularVisibleFilesInsideTheRootAreLoaded() throws {
        let fixture = try Fixture()
        let files = try StaticFiles(root: fixture.root)
        #expect(files.paths == ["alias.css", "app.css", "data.bin", "index.html", "js/app.js", "logo.svg", "sub/deeper/note.txt"])
    }

    @Test(arguments: [
        ("app.css", "text/css; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("js/app.js", "text/javascript; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("data.bin", "application/octet-stream"),
        ("sub/deeper/note.txt", "text/plain; charset=utf-8"),
    ])
    func fileIsServedWithItsContentType(_ path: String, _ type: String) async throws {
        try await Self.run { server, _ in
            let response = try await server.response(to: Wire.request("GET", "/static/" + path))
            #expect(response.status == 200)
            #expect(response["Content-Type"] == type)
        }
    }

    @Test func fileHasAStrongETagAndRevalidates() async throws {
        try await Self.run { server, _ in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/static/app.css"))
            let first = try await client.readResponse()
            #expect(first.text == "body { color: #333 }\n")
            let etag = try #require(first["ETag"])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && !etag.hasPrefix("W/"), "not a strong tag: \(etag)")
            #expect(first["Cache-Control"] == "no-cache")
            for condition in [etag, "W/" + etag, "\"other\", " + etag, "*"] {
                try await client.send(Wire.request("GET", "/static/app.css", headers: [("If-None-Match", condition)]))
                let cached = try await client.readResponse()
                #expect(cached.status == 304, "If-None-Match: \(condition)")
                #expect(cached.body.isEmpty)
                #expect(cached["ETag"] == etag)
            }
            try await client.send(Wire.request("GET", "/static/app.css", headers: [("If-None-Match", "\"stale\"")]))
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test func versionedURLIsImmutable() async throws {
        try await Self.run { server, files in
            let url = files.url(for: "app.css")
            #expect(url.hasPrefix("/static/app.css?v="))
            let response = try await server.response(to: Wire.request("GET", url))
            #expect(response.status == 200)
            #expect(response["Cache-Control"] == "public, max-age=31536000, immutable")
            let stale = try await server.response(to: Wire.request("GET", "/static/app.css?v=0000"))
            #expect(stale["Cache-Control"] == "no-cache", "a wrong version is not cached for a year")
        }
    }

    @Test func symlinkInsideTheRootIsServed() async throws {
        try await Self.run { server, _ in
            let response = try await server.response(to: Wire.request("GET", "/static/alias.css"))
            #expect(response.text == "body { color: #333 }\n")
        }
    }

    @Test func symlinkCycleIsSkippedAtLoad() async throws {
        try await Self.run { server, _ in
            #expect(try await server.response(to: Wire.request("GET", "/static/sub/deeper/note.txt")).status == 200)
            let looped = try await server.response(to: Wire.request("GET", "/static/sub/loop/app.css"))
            #expect(looped.status == 404, "a folder already being walked is not walked again")
        }
    }

    static let escapes = [
        "/static/../secret.txt",
        "/static/../../secret.txt",
        "/static/js/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/.%2e/secret.txt",
        "/static/%2e./secret.txt",
        "/static/..%2fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/js%2f..%2f..%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/..\\secret.txt",
        "/static/js\\..\\..\\secret.txt",
        "/static/..%5csecret.txt",
        "/static/..%5Csecret.txt",
        "/static/app.css%00.png",
        "/static/app.css%00",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/%2Fetc/passwd",
        "/static///etc/passwd",
        "/static/leak.txt",
        "/static/leakdir/secret.txt",
        "/static/sub",
        "/static/sub/",
        "/static/sub/deeper",
        "/static/",
        "/static",
        "/static/.env",
        "/static/%2eenv",
        "/static/sub/./deeper/note.txt",
        "/static/./app.css",
        "/static/app.css/",
        "/static/%",
        "/static/%zz",
        "/static/%c0%ae%c0%ae/secret.txt",
    ]

    @Test func everyWayOutOfTheRootIs404() async throws {
        try await Self.run { server, _ in
            for target in Self.escapes {
                let response = try await server.response(to: Wire.request("GET", target))
                #expect(response.status == 404, "\(target) → \(response.status)")
                #expect(!response.text.contains("secret") && !response.text.contains("SECRET"), "\(target) leaked")
            }
        }
    }
}
