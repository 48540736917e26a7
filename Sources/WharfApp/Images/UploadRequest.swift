import WharfDocker
import WharfHTTP
import WharfWire

/// What an upload request carries, read as a stream: its fields (a raw upload's query string, or
/// a multipart form's parts before the file) and its archive with the first header checked. The
/// archive itself is read later, by the job that forwards it.
///
/// - `application/x-tar` (or `application/octet-stream`): the body is the archive; the options
///   are in the query. This is what the page's script sends (with upload progress) and what the
///   API takes.
/// - `multipart/form-data`: the form without JavaScript. Fields must come before the file (the
///   forms put the file input last); the file part named `fileField` is the archive.
struct UploadRequest: Sendable {
    private(set) var fields: [(name: String, value: String)] = []
    private(set) var upload: TarUpload?
    private(set) var fileName: String?
    private let reader: MultipartReader?

    static let maxFields = 64
    static let maxFieldBytes = 256 * 1024

    /// - Throws: 415 for another content type, 400 for a body that is not tar, 413 for fields
    ///   that are too large.
    init(_ request: HTTPRequest, fileField: String) async throws {
        let type = request.headers["Content-Type"]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            let reader = try MultipartReader(request)
            self.reader = reader
            while let part = try await reader.nextPart() {
                if part.filename != nil {
                    guard part.name == fileField else { continue }  // another file: skipped by nextPart
                    // A file input left empty sends a part with no content: no archive.
                    if let opened = try await TarUpload.open(DockerByteChunks(reader.chunks)) {
                        upload = opened
                        fileName = part.filename
                        return
                    }
                    continue
                }
                guard fields.count < Self.maxFields else { throw HTTPError(.contentTooLarge, "The form has too many fields.") }
                fields.append((part.name, try await reader.text(limit: Self.maxFieldBytes)))
            }
        } else if type.isEmpty || type.hasPrefix("application/x-tar") || type.hasPrefix("application/octet-stream") {
            reader = nil
            fields = request.queryItems
            let length = request.headers["Content-Length"].flatMap { Int($0) }
            upload = try await TarUpload.open(DockerByteChunks(request.body), declaredLength: length)
            fileName = request.headers["X-File-Name"].map { String($0.prefix(255)) }
        } else {
            throw HTTPError(
                .unsupportedMediaType,
                "Send the archive as the body (Content-Type: application/x-tar) or as the file of a multipart/form-data form.")
        }
    }

    /// Every value given for `name`.
    func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    func value(_ name: String) -> String? { values(name).last }

    /// Reads what follows the archive (a multipart form's closing boundary), once the job has
    /// sent the archive, so the request is complete before it is answered.
    func finish() async throws {
        try await reader?.finish()
    }

    /// "context.tar (120.5 MiB)" for the job's parameters.
    var describedUpload: String? {
        guard upload != nil else { return nil }
        let name = fileName.flatMap { $0.isEmpty ? nil : $0 } ?? "upload"
        return upload?.declaredLength.map { "\(name) (\(ByteText.format(Int64($0))))" } ?? name
    }
}
