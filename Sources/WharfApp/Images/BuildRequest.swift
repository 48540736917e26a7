import WharfDocker
import WharfHTTP
import WharfWire

/// A build's options, read the same way from the build form, from a raw upload's query and from
/// the API: tags (`t`, repeatable, or `tags` separated by spaces, commas or lines), `dockerfile`
/// (its path in the context), `dockerfileText` (a Dockerfile typed in), build args and labels
/// (`buildarg`/`label` repeatable `KEY=value`, or `buildargs`/`labels` one per line), `target`,
/// `nocache`, `pull`, `rm` (default on; the form's `keep` turns it off), `forcerm`, `memory`
/// (`512m`) and `platform` (`linux/amd64`). Problems are reported per field.
struct BuildRequest: Sendable {
    /// The name a typed Dockerfile gets in the context (put first, so the context's own files win
    /// over it only if they use this name).
    static let typedDockerfileName = ".wharf.Dockerfile"
    static let maxDockerfileText = 256 * 1024

    var options = DockerBuildOptions()
    var dockerfileText: String?
    /// What the job and its audit row record: build-arg names only, never their values.
    var parameters: [String: String] = [:]

    /// The job's target: the first tag, or "(untagged)".
    var target: String { options.tags.first ?? "(untagged)" }

    /// - Parameter values: every value given for a name, in order.
    init(_ values: (String) -> [String]) throws {
        var problems: [String: String] = [:]
        func text(_ names: String...) -> String? {
            for name in names {
                if let value = values(name).last?.trimmingASCIISpaces(), !value.isEmpty { return String(value) }
            }
            return nil
        }
        func flag(_ name: String, default otherwise: Bool) -> Bool {
            guard let value = values(name).last?.trimmingASCIISpaces().lowercased(), !value.isEmpty else { return otherwise }
            if ["1", "true", "on", "yes"].contains(value) { return true }
            if ["0", "false", "off", "no"].contains(value) { return false }
            problems[name] = "Say true or false."
            return otherwise
        }
        let tagWords = values("t") + values("tags").flatMap { $0.split(whereSeparator: { " ,\n\r\t".contains($0) }).map(String.init) }
        for word in tagWords where !word.isEmpty {
            guard let reference = ImageReference(word, defaultTag: nil), reference.digest == nil else {
                problems["tags"] = "\"\(word)\" is not an image name: use lower-case letters, digits and . _ - /, then :tag."
                continue
            }
            options.tags.append(reference.description)
        }
        if let typed = values("dockerfileText").last ?? values("dockerfile_text").last, !typed.trimmingASCIISpaces().isEmpty {
            if typed.utf8.count > Self.maxDockerfileText { problems["dockerfile_text"] = "A Dockerfile of at most 256 KiB." }
            dockerfileText = typed
            options.dockerfile = Self.typedDockerfileName
        } else if let path = text("dockerfile") {
            if path.hasPrefix("/") || path.split(separator: "/").contains("..") || path.utf8.count > 255 {
                problems["dockerfile"] = "Give the Dockerfile's path inside the context, like Dockerfile or docker/app.Dockerfile."
            }
            options.dockerfile = path
        }
        options.buildArgs = Self.pairs(values("buildarg") + values("buildargs"), field: "buildargs", problems: &problems, keys: .variable)
        options.labels = Self.pairs(values("label") + values("labels"), field: "labels", problems: &problems, keys: .label)
        if let target = text("target") {
            if !target.utf8.allSatisfy({ Self.isWordByte($0) || $0 == 0x2E || $0 == 0x2D }) || target.utf8.count > 128 {
                problems["target"] = "Give a stage name from the Dockerfile (FROM … AS name)."
            }
            options.target = target
        }
        options.noCache = flag("nocache", default: false)
        options.pull = flag("pull", default: false)
        options.remove = flag("rm", default: true) && !flag("keep", default: false)
        options.forceRemove = flag("forcerm", default: false)
        if let memory = text("memory") {
            if let bytes = ContainerCreateInput.bytes(memory), bytes >= 6 * 1024 * 1024 {
                options.memory = bytes
            } else {
                problems["memory"] = "Give a memory limit of at least 6m, like 512m or 2g."
            }
        }
        if let platform = text("platform") {
            let parts = platform.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count > 3 || parts.contains(where: { $0.isEmpty || !$0.utf8.allSatisfy(Self.isWordByte) }) {
                problems["platform"] = "Give os[/arch[/variant]], like linux/amd64 or linux/arm64/v8."
            }
            options.platform = platform
        }
        if !problems.isEmpty { throw FieldErrors(problems) }
        parameters = Self.recorded(options, typed: dockerfileText != nil)
    }

    private static func recorded(_ options: DockerBuildOptions, typed: Bool) -> [String: String] {
        var parameters: [String: String] = [:]
        if !options.tags.isEmpty { parameters["tags"] = options.tags.joined(separator: " ") }
        if typed { parameters["dockerfile"] = "(typed)" } else if let path = options.dockerfile { parameters["dockerfile"] = path }
        // Build args often carry tokens: only their names are kept.
        if !options.buildArgs.isEmpty { parameters["buildargs"] = options.buildArgs.keys.sorted().joined(separator: " ") }
        if !options.labels.isEmpty { parameters["labels"] = options.labels.keys.sorted().map { "\($0)=\(options.labels[$0] ?? "")" }.joined(separator: " ") }
        if let target = options.target { parameters["target"] = target }
        if options.noCache { parameters["nocache"] = "true" }
        if options.pull { parameters["pull"] = "true" }
        if !options.remove { parameters["rm"] = "false" }
        if options.forceRemove { parameters["forcerm"] = "true" }
        if let memory = options.memory { parameters["memory"] = ByteText.format(memory) }
        if let platform = options.platform { parameters["platform"] = platform }
        return parameters
    }

    enum KeyRule { case variable, label }

    /// `KEY=value` entries (one per line in a textarea). A build arg's key is a variable name; a
    /// label's any text without `=` or spaces.
    static func pairs(_ entries: [String], field: String, problems: inout [String: String], keys: KeyRule) -> [String: String] {
        var result: [String: String] = [:]
        for line in entries.flatMap({ $0.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) }) {
            let trimmed = line.trimmingASCIISpaces()
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let valid = switch keys {
            case .variable: !key.isEmpty && key.utf8.allSatisfy(isWordByte) && !(key.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? true)
            case .label: !key.isEmpty && !key.contains(where: \.isWhitespace)
            }
            guard valid, parts.count == 2 else {
                problems[field] = "\"\(key)\" is not KEY=value\(keys == .variable ? " with a variable name (letters, digits, _)" : "")."
                continue
            }
            result[key] = String(parts[1])
        }
        return result
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
    }

    /// The API's query parameters of a build.
    static let queryParameters: [APIOperation.Parameter] = [
        .init("t", .string(), "A name and tag for the image, repeatable: web:1.2."),
        .init("dockerfile", .string(), "The Dockerfile's path in the context (Dockerfile by default)."),
        .init("dockerfileText", .string(), "A Dockerfile given here instead (short ones; otherwise put it in the context)."),
        .init("buildarg", .string(), "A build argument KEY=value, repeatable (values are never stored)."),
        .init("label", .string(), "A label key=value for the image, repeatable."),
        .init("target", .string(), "The stage to build (FROM … AS name)."),
        .init("nocache", .boolean(), "Build without the cache."),
        .init("pull", .boolean(), "Pull newer base images."),
        .init("rm", .boolean(), "Remove intermediate containers after a successful build (default true)."),
        .init("forcerm", .boolean(), "Always remove intermediate containers, also after a failure."),
        .init("memory", .string(), "Memory limit of RUN steps: 512m, 2g."),
        .init("platform", .string(), "os[/arch[/variant]], where the engine builds for several platforms."),
    ]
}
