import WharfTemplates

/// What the jobs pages show: rows, a job's facts, the filter form; and a job's events as text.
enum JobViews {
    static func row(_ job: Job, now: Int64) -> TemplateValue {
        .object([
            "id": .int(Int(job.id)), "url": .text("/jobs/\(job.id)"), "kind": .text(job.kind.rawValue), "kindLabel": .text(job.kind.label),
            "target": .text(job.target), "hostName": .text(job.hostName),
            "hostUrl": job.hostID.map { .text("/hosts/\($0)") } ?? .null,
            "userName": .text(job.userName ?? "–"), "status": .text(job.status.rawValue), "badge": .text(job.status.badge),
            "created": .text(TimeText.relative(job.createdMs, now: now)), "createdExact": .text(TimeText.utc(milliseconds: job.createdMs)),
            "duration": job.durationMs(now: now).map { .text(duration($0)) } ?? .null,
            "message": job.message.map { .text($0) } ?? .null,
        ])
    }

    static func detail(_ job: Job, now: Int64, canCancel: Bool) -> TemplateValue {
        guard case .object(var fields) = row(job, now: now) else { return .null }
        fields["title"] = .text(job.title)
        fields["running"] = .bool(!job.status.isFinal)
        fields["canCancel"] = .bool(canCancel && !job.status.isFinal)
        fields["isBuild"] = .bool(job.kind == .build)
        fields["hasLayers"] = .bool(job.kind == .pull || job.kind == .push || job.kind == .load)
        fields["parameters"] = .list(job.parameters.keys.sorted().map { key in
            .object(["name": .text(parameterLabel(key)), "value": .text(job.parameters[key] ?? "")])
        })
        fields["imageId"] = job.imageID.map { .text($0) } ?? .null
        fields["imageUrl"] = job.imageID.flatMap { id in job.hostID.map { .text("/hosts/\($0)/images/\(id)") } } ?? .null
        fields["outputRemoved"] = job.prunedMs.map { .text(TimeText.utc(milliseconds: $0)) } ?? .null
        fields["outputSize"] = .text(ByteText.format(job.outputBytes))
        fields["started"] = job.startedMs.map { .text(TimeText.utc(milliseconds: $0)) } ?? .null
        fields["finished"] = job.finishedMs.map { .text(TimeText.utc(milliseconds: $0)) } ?? .null
        return .object(fields)
    }

    /// "4.2 s", "3 min 5 s", "1 h 2 min".
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds < 60_000 { return String(Double(milliseconds / 100) / 10) + " s" }
        let seconds = milliseconds / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    static func filterValues(_ query: JobQuery, hosts: [DockerHost]) -> TemplateValue {
        func options(_ values: [String], selected: String?) -> TemplateValue {
            .list(([""] + values).map { value in
                .object(["value": .text(value), "label": .text(value.isEmpty ? "any" : value), "selected": .bool((selected ?? "") == value)])
            })
        }
        return .object([
            "hosts": .list(([nil] + hosts.map { Optional($0) }).map { host in
                .object([
                    "value": .text(host.map { String($0.id) } ?? ""), "label": .text(host?.name ?? "any"),
                    "selected": .bool(query.filter.hostID == host?.id),
                ])
            }),
            "kinds": options(JobKind.allCases.map(\.rawValue), selected: query.filter.kind?.rawValue),
            "statuses": options(JobStatus.allCases.map(\.rawValue), selected: query.filter.status?.rawValue),
            "user": .text(query.filter.userName ?? ""),
        ])
    }

    /// An event as a line of the text download; nil for events that are not output.
    static func textLine(_ event: JobEvent) -> String? {
        switch event.kind {
        case .line: event.data
        case .step: event.decode(JobStep.self).map(JobPage.stepLine) ?? event.data
        case .error: "ERROR: " + event.data
        case .layer: event.decode(LayerState.self).map { "\($0.id): \($0.status)\($0.detail.isEmpty ? "" : " " + $0.detail)" }
        case .result: event.decode(JobOutcome.self).flatMap { $0.imageId.map { "Image: \($0)" } }
        case .end: event.decode(JobEnd.self).map { "Job \($0.status)\($0.message.map { ": " + $0 } ?? "")" }
        case .upload: nil
        }
    }

    /// A parameter's name as the page shows it (the API keeps the engine's names).
    static func parameterLabel(_ key: String) -> String {
        switch key {
        case "tags": "Names"
        case "buildargs": "Build arguments"
        case "target": "Target stage"
        case "nocache": "No cache"
        case "pull": "Pull base images"
        case "rm": "Remove intermediate containers"
        case "forcerm": "Always remove them"
        case "memory": "Memory limit"
        case "dockerfile": "Dockerfile"
        default: key.prefix(1).uppercased() + key.dropFirst()
        }
    }
}
