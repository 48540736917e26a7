import WharfWire
import WharfDocker
import WharfHTTP

/// `docker export`: the container's filesystem as a tar download, streamed from the engine to
/// the client through bounded buffers (the archive may be gigabytes; it is never collected).
enum ContainerExport {
    static func response(_ reference: String, service: ContainerService, scope: HostScope, context: RequestContext) async throws -> HTTPResponse {
        let (container, body) = try await service.export(reference, on: scope, context: context)
        let headers: HTTPHeaders = [
            "Content-Type": "application/x-tar",
            "Content-Disposition": "attachment; filename=\"\(fileName(container.name)).tar\"",
        ]
        return HTTPResponse(status: .ok, headers: headers, body: .stream(length: nil) { writer in
            defer { body.close() }
            for try await chunk in body { try await writer.write(chunk) }
        })
    }

    /// A name safe inside a quoted `filename=`: container names are `[a-zA-Z0-9_.-]`, but the
    /// header must never carry a quote or line break whatever is passed.
    static func fileName(_ name: String) -> String {
        let safe = String(name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || "0123456789_.-".unicodeScalars.contains($0)) })
        return safe.isEmpty ? "container" : safe
    }
}
