import WharfDocker
import WharfHTTP
import WharfWire

/// What `docker commit` takes, from the container page's form or the API's JSON: the new image's
/// name (`repo[:tag]`, optional), a comment, an author, Dockerfile changes (`CMD ["sh"]`,
/// `ENV A=b`, one per line), and whether to pause the container meanwhile (the default).
struct CommitInput: Decodable, Sendable {
    var reference: String?
    var comment: String?
    var author: String?
    var changes: [String]?
    var pause: Bool?

    static let schema = JSONSchema.named("CommitInput", .object([
        "reference": .nullable(.string(description: "The new image's name: web:snapshot. Untagged when left out.")),
        "comment": .nullable(.string()), "author": .nullable(.string()),
        "changes": .nullable(.array(.string(description: "A Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR."))),
        "pause": .nullable(.boolean(description: "Pause the container while committing (default true).")),
    ]))

    struct Checked: Sendable {
        let reference: ImageReference?
        let options: DockerCommitOptions
        let parameters: [String: String]
    }

    static let instructions = ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK"]

    /// - Throws: ``FieldErrors`` naming the fields.
    func checked() throws -> Checked {
        var problems: [String: String] = [:]
        var options = DockerCommitOptions()
        var parameters: [String: String] = [:]
        var parsed: ImageReference?
        if let text = reference?.trimmingASCIISpaces(), !text.isEmpty {
            if let value = ImageReference(String(text)), value.digest == nil {
                parsed = value
                options.repository = value.repository
                options.tag = value.tag
            } else {
                problems["reference"] = "Give a name like web:snapshot (lower-case letters, digits and . _ - /, then :tag)."
            }
        }
        if let comment = comment?.trimmingASCIISpaces(), !comment.isEmpty {
            options.comment = String(comment.prefix(1024))
            parameters["comment"] = options.comment
        }
        if let author = author?.trimmingASCIISpaces(), !author.isEmpty {
            options.author = String(author.prefix(256))
            parameters["author"] = options.author
        }
        for change in (changes ?? []).map({ String($0.trimmingASCIISpaces()) }).filter({ !$0.isEmpty }) {
            let word = change.prefix { !$0.isWhitespace }.uppercased()
            guard Self.instructions.contains(word) else {
                problems["changes"] = "\"\(change)\" is not one of \(Self.instructions.joined(separator: ", "))."
                continue
            }
            options.changes.append(change)
        }
        if !options.changes.isEmpty { parameters["changes"] = options.changes.map { $0.prefix { !$0.isWhitespace } }.joined(separator: " ") }
        options.pause = pause ?? true
        if !options.pause { parameters["pause"] = "false" }
        if !problems.isEmpty { throw FieldErrors(problems) }
        return Checked(reference: parsed, options: options, parameters: parameters)
    }

}

extension CommitInput {
    /// From the container page's form (`reference`, `comment`, `author`, `changes` lines, `pause`).
    init(form: Form) {
        reference = form.text("reference")
        comment = form.text("comment")
        author = form.text("author")
        changes = (form["changes"] ?? "").split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
        pause = form["pause"] == "1"
    }
}
