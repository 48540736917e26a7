import WharfDocker
import WharfHTTP
import WharfWire

/// `docker save`: images as one tar download, streamed from the engine to the client through
/// bounded buffers (never collected).
enum ImageSave {
    static func response(_ names: [String], service: ImageService, scope: HostScope, context: RequestContext) async throws -> HTTPResponse {
        let body = try await service.save(names, on: scope, context: context)
        let base = names.count == 1 ? ContainerExport.fileName(names[0].replacing(":", with: "_").replacing("/", with: "_")) : "images"
        let headers: HTTPHeaders = ["Content-Type": "application/x-tar", "Content-Disposition": "attachment; filename=\"\(base).tar\""]
        return HTTPResponse(status: .ok, headers: headers, body: .stream(length: nil) { writer in
            defer { body.close() }
            for try await chunk in body { try await writer.write(chunk) }
        })
    }
}
