import WharfDocker
import WharfHTTP
import WharfWire

/// The uploads: build (a context archive, a typed Dockerfile, or both), load (an image
/// archive) and import (a root filesystem archive), each a job fed by the request's body as it
/// arrives. Pages and the API call these, so the checks and the audit are the same.
extension ImageService {
    /// The largest upload accepted: any size (the body is streamed, never held).
    static let uploadLimit = Int.max

    func startBuild(_ request: HTTPRequest, on scope: HostScope, context: RequestContext) async throws -> Job {
        let upload = try await UploadRequest(request, fileField: "context")
        let build = try BuildRequest { upload.values($0) }
        guard upload.upload != nil || build.dockerfileText != nil else {
            throw FieldErrors(["context": "Choose a build context (.tar), or type a Dockerfile, or both."])
        }
        let archive = upload.upload
        return try await startUpload(.build, target: build.target, parameters: build.parameters, upload: upload, on: scope, context: context) {
            run in try await ImageJobs.build(run, build, upload: archive)
        }
    }

    func startLoad(_ request: HTTPRequest, on scope: HostScope, context: RequestContext) async throws -> Job {
        let upload = try await UploadRequest(request, fileField: "archive")
        guard let archive = upload.upload else { throw FieldErrors(["archive": "Choose an image archive (.tar, as docker save writes it)."]) }
        return try await startUpload(.load, target: upload.fileName.flatMap { $0.isEmpty ? nil : $0 } ?? "image archive", parameters: [:],
                                     upload: upload, on: scope, context: context) { run in try await ImageJobs.load(run, archive) }
    }

    func startImport(_ request: HTTPRequest, on scope: HostScope, context: RequestContext) async throws -> Job {
        let upload = try await UploadRequest(request, fileField: "archive")
        var problems: [String: String] = [:]
        var reference: ImageReference?
        if let text = upload.value("reference")?.trimmingASCIISpaces(), !text.isEmpty {
            reference = ImageReference(String(text))
            if reference == nil || reference?.digest != nil { problems["reference"] = "Give a name like base:1.0." }
        }
        let input = CommitInput(
            reference: nil, comment: upload.value("message"), author: nil,
            changes: upload.values("changes").flatMap { $0.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init) }, pause: nil)
        var checked: CommitInput.Checked?
        do { checked = try input.checked() } catch let error as FieldErrors { problems.merge(error.fieldErrors) { $1 } }
        guard let archive = upload.upload else { throw FieldErrors(problems.merging(["archive": "Choose a root filesystem archive (.tar)."]) { $1 }) }
        if !problems.isEmpty { throw FieldErrors(problems) }
        let message = checked?.options.comment
        let changes = checked?.options.changes ?? []
        var parameters = checked?.parameters ?? [:]
        parameters["message"] = message
        parameters.removeValue(forKey: "comment")
        let name = reference
        return try await startUpload(.import, target: name?.description ?? "(untagged)", parameters: parameters, upload: upload,
                                     on: scope, context: context) {
            run in try await ImageJobs.importImage(run, archive, reference: name, message: message, changes: changes)
        }
    }
}

/// How a started job is answered: the API and a page's script (`Accept: application/json`) get
/// 202 with the job (and `Location`); a form without script goes to the job's page.
enum JobAnswer {
    static func response(_ job: Job, _ request: HTTPRequest) throws -> HTTPResponse {
        if ErrorPages.wantsJSON(request) {
            var response = try HTTPResponse.json(encoding: JobStartedJSON(job: JobJSON(job, now: AuditEntry.now())), status: .accepted)
            response.headers.set("Location", request.path.hasPrefix("/api/") ? "/api/v1/jobs/\(job.id)" : "/jobs/\(job.id)")
            return response
        }
        return .redirect(to: "/jobs/\(job.id)")
    }
}
