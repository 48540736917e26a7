import Glibc
import WharfWire

/// The files under `Public/`, served under a URL prefix (`/static/`).
///
/// Every file is read once at start-up, with its media type and a strong `ETag` computed from its
/// content. A request can only name a file that was found inside the root, so there is no way
/// out of it: `..`, `%2e%2e`, encoded slashes, NUL, absolute paths, hidden files, directories and
/// symlinks that lead outside all answer 404, and there are no directory listings.
///
/// Text files (CSS, JavaScript, SVG, JSON…) are also gzip-compressed once, at start-up, and sent
/// compressed to clients that accept it (`Content-Encoding: gzip`, its own entity tag), with
/// `Vary: Accept-Encoding` on both forms so caches keep them apart. Versioned URLs
/// (`?v=<hash>`) are cached for a year (`immutable`); others are revalidated (`no-cache`).
package struct StaticFiles: Sendable {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
        /// The quoted strong entity tag.
        let etag: String
        /// A short form of the tag for cache-busting query strings.
        let version: String
        /// The gzip-compressed form, for text types when it is smaller; nil otherwise.
        let gzipped: [UInt8]?
        /// The compressed form's entity tag (a different representation has a different tag, RFC 9110 §8.8.3).
        var gzipETag: String { String(etag.dropLast()) + "-gz\"" }
    }

    /// Why the root could not be loaded.
    package struct LoadError: Error, CustomStringConvertible {
        package let path: String
        package let reason: String
        package var description: String { "cannot load static files from \(path): \(reason)" }
    }

    private let files: [String: File]
    package let urlPrefix: String

    /// Reads every regular file under `root` (skipping hidden files and anything larger than
    /// `maxFileBytes`, and following symlinks only when they stay inside `root`).
    package init(root: String, urlPrefix: String = "/static", maxFileBytes: Int = 8 * 1024 * 1024) throws {
        guard let resolved = StaticFiles.realPath(root) else { throw LoadError(path: root, reason: "no such directory") }
        var files: [String: File] = [:]
        try StaticFiles.walk(directory: resolved, relative: "", root: resolved, maxFileBytes: maxFileBytes, into: &files)
        self.files = files
        self.urlPrefix = urlPrefix
    }

    /// The relative paths served (for tests and diagnostics).
    package var paths: [String] { files.keys.sorted() }

    /// The URL of `path` with a version query (`/static/app.css?v=3f2a…`): such URLs are cached for a
    /// year, since the version changes whenever the content does.
    package func url(for path: String) -> String {
        guard let file = files[path] else { return "\(urlPrefix)/\(path)" }
        return "\(urlPrefix)/\(path)?v=\(file.version)"
    }

    /// Answers a request for the raw (still percent-encoded) path after the prefix.
    package func respond(to request: HTTPRequest, rawPath: String) -> HTTPResponse {
        guard let path = StaticFiles.normalize(rawPath), let file = files[path] else {
            return .text("Not found.\n", status: .notFound)
        }
        let compressed = file.gzipped.flatMap { StaticFiles.acceptsGzip(request.headers["Accept-Encoding"]) ? $0 : nil }
        let etag = compressed == nil ? file.etag : file.gzipETag
        var headers: HTTPHeaders = ["ETag": etag]
        let versioned = request.queryValue("v") == file.version
        headers.add("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "no-cache")
        if file.gzipped != nil { headers.add("Vary", "Accept-Encoding") }
        if let condition = request.headers["If-None-Match"], StaticFiles.matches(condition, etag: etag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add("Content-Type", file.contentType)
        if compressed != nil { headers.add("Content-Encoding", "gzip") }
        return HTTPResponse(status: .ok, headers: headers, body: .bytes(compressed ?? file.bytes))
    }

    /// A handler for a route like `/static/*path`.
    package func handler(parameter: String = "path") -> HTTPHandler {
        { request, context in respond(to: request, rawPath: context.parameters[parameter] ?? "") }
    }

    /// Whether `Accept-Encoding` accepts gzip (RFC 9110 §12.5.3): `gzip`, `x-gzip` or `*`, with
    /// a non-zero weight; an explicit `gzip;q=0` refuses it even when `*` is accepted.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var wildcard = false
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let name = parts.first?.trimmingASCIISpaces().lowercased() else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingASCIISpaces()
                if pair.lowercased().hasPrefix("q=") { weight = Double(pair.dropFirst(2)) ?? 0 }
            }
            if name == "gzip" || name == "x-gzip" { return weight > 0 }
            if name == "*" { wildcard = weight > 0 }
        }
        return wildcard
    }

    /// Types worth compressing: text, JavaScript, SVG, JSON.
    static func isCompressible(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("image/svg+xml") || contentType.hasPrefix("application/json")
            || contentType.hasPrefix("application/manifest+json")
    }

    // MARK: Paths

    /// Decodes a requested path segment by segment, refusing anything that could step outside
    /// the root or name something hidden. Nil means 404.
    static func normalize(_ raw: String) -> String? {
        guard !raw.isEmpty, !raw.hasPrefix("/") else { return nil }
        var segments: [String] = []
        for piece in raw.split(separator: "/", omittingEmptySubsequences: false) {
            let lowered = piece.lowercased()
            // Encoded separators and NUL never reach a file name.
            if lowered.contains("%2f") || lowered.contains("%5c") || lowered.contains("%00") { return nil }
            guard let decoded = FormDecoding.decode(piece) else { return nil }
            if decoded.isEmpty || decoded.hasPrefix(".") || decoded.contains("\\") || decoded.contains("\0")
                || decoded.contains("/") { return nil }
            segments.append(decoded)
        }
        return segments.joined(separator: "/")
    }

    /// `If-None-Match` with weak comparison (RFC 9110 §13.1.2): any listed tag, or `*`.
    static func matches(_ header: String, etag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingASCIISpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }

    // MARK: Loading

    private static func walk(
        directory: String, relative: String, root: String, maxFileBytes: Int, into files: inout [String: File],
        visiting: Set<String> = []
    ) throws {
        // A symlink back to a folder being walked (`Public/loop -> .`) is skipped, not followed
        // until the path grows too long.
        guard let here = realPath(directory), !visiting.contains(here) else { return }
        let visiting = visiting.union([here])
        guard let handle = opendir(directory) else { throw LoadError(path: directory, reason: "cannot open directory") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        for name in names.sorted() {
            let full = directory + "/" + name
            let path = relative.isEmpty ? name : relative + "/" + name
            // Follow symlinks only when their target stays under the root.
            guard let target = realPath(full), target == root || target.hasPrefix(root + "/") else { continue }
            var info = stat()
            guard stat(target, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try walk(
                    directory: full, relative: path, root: root, maxFileBytes: maxFileBytes, into: &files,
                    visiting: visiting)
            } else if (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxFileBytes {
                guard let bytes = readFile(target) else { throw LoadError(path: full, reason: "cannot read file") }
                let ext = name.split(separator: ".").last.map(String.init) ?? ""
                let hash = fnv1a(bytes)
                let version = String(hash, radix: 16)
                let contentType = MediaType.forExtension(ext)
                let gzipped = isCompressible(contentType) ? Gzip.compress(bytes) : nil
                files[path] = File(
                    bytes: bytes, contentType: contentType,
                    etag: "\"\(version)-\(String(bytes.count, radix: 16))\"", version: version,
                    gzipped: gzipped.flatMap { $0.count < bytes.count ? $0 : nil })
            }
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// 64-bit FNV-1a: a fast content fingerprint for entity tags (not a security boundary).
    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
