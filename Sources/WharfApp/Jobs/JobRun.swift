/// What a job's work is handed: the job, its host, and the calls that add to its output. The
/// work returns what it made, or throws why it failed (the runner records either as the job's
/// end, with an `error` event for a failure).
struct JobRun: Sendable {
    let job: Job
    let scope: HostScope
    let output: JobOutput
    /// The gate of the request that feeds this job an upload, if any.
    let upload: UploadGate?

    /// A line of output (cut into lines of at most 16 KiB by the caller).
    func line(_ text: String) async {
        await output.append(.line, text)
    }

    /// An event whose data is `payload` as JSON.
    func emit(_ kind: JobEvent.Kind, _ payload: some Encodable) async {
        guard let bytes = try? JSONBody.encode(payload) else { return }
        await output.append(kind, String(decoding: bytes, as: UTF8.self))
    }

    /// The engine has the whole upload: the request that carried it may answer now.
    func uploaded() {
        upload?.open(.success(()))
    }
}
