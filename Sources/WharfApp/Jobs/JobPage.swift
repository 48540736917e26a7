import WharfTemplates

/// What a job's page shows, folded from its stored events: the build steps (the current one, the
/// one that failed), one bar per layer with the overall share, the last lines of output, the
/// upload's progress, the error and the result. The page's script then applies the live events
/// after ``lastSeq`` the same way, one event at a time.
struct JobPage: Sendable {
    /// Lines of output the page shows at most; the whole output is a download.
    static let maxLines = 3000

    var steps: [JobStep] = []
    var layers: [LayerState] = []
    var lines: [(kind: JobEvent.Kind, text: String)] = []
    var earlierLinesOmitted = false
    var uploadBytes: Int64?
    var error: String?
    var outcome: JobOutcome?
    var lastSeq: Int64 = 0

    /// Folds `steps` and `layers` (every such event) and `recent` (the last events of any kind).
    init(steps: [JobEvent], layers: [JobEvent], recent: [JobEvent], lastSeq: Int64) {
        self.steps = steps.compactMap { $0.decode(JobStep.self) }
        var order: [String] = []
        var latest: [String: LayerState] = [:]
        for event in layers {
            guard let layer = event.decode(LayerState.self) else { continue }
            if latest[layer.id] == nil { order.append(layer.id) }
            latest[layer.id] = layer
        }
        self.layers = order.compactMap { latest[$0] }
        for event in recent {
            switch event.kind {
            case .line, .step, .error:
                let text = event.kind == .step ? event.decode(JobStep.self).map(Self.stepLine) ?? event.data : event.data
                lines.append((event.kind, text))
                if event.kind == .error { error = event.data }
            case .upload: uploadBytes = event.decode(JobUpload.self)?.bytes
            case .result: outcome = event.decode(JobOutcome.self)
            case .layer, .end: break
            }
        }
        earlierLinesOmitted = (recent.first?.seq ?? 1) > 1
        self.lastSeq = lastSeq
    }

    /// "Step 2/5 : RUN make", as the engine printed it.
    static func stepLine(_ step: JobStep) -> String { "Step \(step.number)/\(step.total) : \(step.text)" }

    /// The overall share of a pull or push: the newest layer event's.
    var overall: Double? { layers.isEmpty ? nil : layers.map(\.overall).last }

    func templateValue(failed: Bool) -> TemplateValue {
        let current = steps.last?.number
        return .object([
            "steps": .list(steps.map { step in
                let isLast = step.number == current
                return .object([
                    "number": .int(step.number), "total": .int(step.total), "text": .text(step.text),
                    "current": .bool(isLast && !failed), "failed": .bool(isLast && failed),
                ])
            }),
            "layers": .list(layers.map(Self.layerValue)),
            "overall": overall.map { .text(Self.percentText($0)) } ?? .null,
            "overallValue": overall.map { .text(String(Int($0.rounded()))) } ?? .null,
            "lines": .list(lines.map { .object(["kind": .text($0.kind.rawValue), "text": .text($0.text)]) }),
            "earlierOmitted": .bool(earlierLinesOmitted),
            "upload": uploadBytes.map { .text(ByteText.format($0)) } ?? .null,
            "error": error.map { .text($0) } ?? .null,
            "imageId": outcome?.imageId.map { .text($0) } ?? .null,
            "shortImageId": outcome?.imageId.map { .text(String($0.replacing("sha256:", with: "").prefix(12))) } ?? .null,
            "tags": .list((outcome?.tags ?? []).map { .text($0) }),
        ])
    }

    static func layerValue(_ layer: LayerState) -> TemplateValue {
        .object([
            "id": .text(layer.id), "status": .text(layer.status), "phase": .text(layer.phase), "detail": .text(layer.detail),
            "percent": .text(String(Int(layer.percent.rounded()))),
        ])
    }

    static func percentText(_ value: Double) -> String { "\(Int(value.rounded())) %" }
}
