/// A template after parsing, before its references and HTML contexts are checked.
struct ParsedTemplate: Sendable {
    struct ParentReference: Sendable {
        var name: String
        var location: SourceLocation
    }

    var file: String
    /// `{% extends "…" %}`; when set, `nodes` holds only blocks.
    var parent: ParentReference?
    var nodes: [TemplateNode]
    /// Just past the last byte, for errors detected at the end of the file.
    var end: SourceLocation
}

/// Builds the node tree of one template from its tokens, checking that tags nest and are well formed.
struct TemplateParser {
    private struct Frame {
        enum Kind {
            case root
            /// `condition` is the branch being read, opened at `at`; nil once `{% else %}` was seen.
            case conditional(branches: [ConditionalNode.Branch], condition: TemplateExpression?, at: SourceLocation)
            case loop(variable: String, sequence: TemplatePath, body: [TemplateNode]?)
            case block(name: String)
        }

        var kind: Kind
        var nodes: [TemplateNode] = []
        var location: SourceLocation

        var opener: String {
            switch kind {
            case .root: "template"
            case .conditional: "{% if %}"
            case .loop: "{% for %}"
            case .block(let name): "{% block \(name) %}"
            }
        }
    }

    let file: String

    private var frames: [Frame] = [Frame(kind: .root, location: .start)]
    private var parent: ParsedTemplate.ParentReference?
    private var sawContent = false
    private var blockLocations: [String: SourceLocation] = [:]

    init(file: String) {
        self.file = file
    }

    mutating func parse(_ source: [UInt8]) throws(TemplateError) -> ParsedTemplate {
        var lexer = TemplateLexer(file: file, bytes: source)
        let (tokens, end) = try lexer.tokenize()
        for token in tokens {
            switch token.kind {
            case .text(let bytes): try text(bytes, at: token.location)
            case .output(let content): try output(content, at: token.location)
            case .tag(let content): try tag(content, at: token.location)
            }
        }
        let innermost = frames[frames.count - 1]
        guard frames.count == 1 else {
            throw .syntax(file, end, "unclosed \(innermost.opener) opened at \(innermost.location)")
        }
        return ParsedTemplate(file: file, parent: parent, nodes: innermost.nodes, end: end)
    }

    private var atTopOfExtendingTemplate: Bool { parent != nil && frames.count == 1 }

    private mutating func text(_ bytes: [UInt8], at location: SourceLocation) throws(TemplateError) {
        guard let firstVisible = bytes.firstIndex(where: { !TemplateLexer.isWhitespace($0) }) else {
            if !atTopOfExtendingTemplate { append(.text(bytes, location: location)) }
            return
        }
        if atTopOfExtendingTemplate {
            throw .syntax(
                file, location.advanced(over: bytes[..<firstVisible]),
                "text outside {% block %} in a template that extends another")
        }
        sawContent = true
        append(.text(bytes, location: location))
    }

    private mutating func output(_ content: String, at location: SourceLocation) throws(TemplateError) {
        if atTopOfExtendingTemplate {
            throw .syntax(file, location, "{{ }} outside {% block %} in a template that extends another")
        }
        sawContent = true
        do {
            let (value, isRaw) = try TemplateTag.output(parsing: content)
            append(.output(OutputNode(value: value, isRaw: isRaw, escaping: .html, location: location)))
        } catch {
            throw .syntax(file, location, error.message)
        }
    }

    private mutating func tag(_ content: String, at location: SourceLocation) throws(TemplateError) {
        let tag: TemplateTag
        do {
            tag = try TemplateTag(parsing: content)
        } catch {
            throw .syntax(file, location, error.message)
        }
        switch tag {
        case .extends, .block, .endblock: break
        default:
            if atTopOfExtendingTemplate {
                throw .syntax(file, location, "{%\(content)%} outside {% block %} in a template that extends another")
            }
        }
        try apply(tag, at: location)
        sawContent = true
    }

    private mutating func apply(_ tag: TemplateTag, at location: SourceLocation) throws(TemplateError) {
        switch tag {
        case .if(let condition):
            open(.conditional(branches: [], condition: condition, at: location), at: location)
        case .elif(let condition):
            guard case .conditional(var branches, let current?, let currentLocation) = frames[frames.count - 1].kind
            else {
                throw misplaced("{% elif %}", expecting: "{% if %}", at: location)
            }
            branches.append(ConditionalNode.Branch(condition: current, body: takeNodes(), location: currentLocation))
            frames[frames.count - 1].kind = .conditional(branches: branches, condition: condition, at: location)
        case .else:
            switch frames[frames.count - 1].kind {
            case .conditional(var branches, let current?, let currentLocation):
                branches.append(
                    ConditionalNode.Branch(condition: current, body: takeNodes(), location: currentLocation))
                frames[frames.count - 1].kind = .conditional(branches: branches, condition: nil, at: location)
            case .loop(let variable, let sequence, nil):
                frames[frames.count - 1].kind = .loop(variable: variable, sequence: sequence, body: takeNodes())
            default:
                throw misplaced("{% else %}", expecting: "{% if %} or {% for %}", at: location)
            }
        case .endif:
            guard case .conditional(var branches, let current, let currentLocation) = frames[frames.count - 1].kind
            else {
                throw misplaced("{% endif %}", expecting: "{% if %}", at: location)
            }
            let frame = frames.removeLast()
            var otherwise: [TemplateNode]?
            if let current {
                branches.append(
                    ConditionalNode.Branch(condition: current, body: frame.nodes, location: currentLocation))
            } else {
                otherwise = frame.nodes
            }
            append(.conditional(ConditionalNode(branches: branches, otherwise: otherwise, location: frame.location)))
        case .for(let variable, let sequence):
            open(.loop(variable: variable, sequence: sequence, body: nil), at: location)
        case .endfor:
            guard case .loop(let variable, let sequence, let body) = frames[frames.count - 1].kind else {
                throw misplaced("{% endfor %}", expecting: "{% for %}", at: location)
            }
            let frame = frames.removeLast()
            append(
                .loop(
                    LoopNode(
                        variable: variable, sequence: sequence, body: body ?? frame.nodes,
                        emptyBody: body == nil ? nil : frame.nodes, location: frame.location)))
        case .block(let name):
            if let previous = blockLocations[name] {
                throw .syntax(file, location, "block '\(name)' is already defined at \(previous)")
            }
            blockLocations[name] = location
            open(.block(name: name), at: location)
        case .endblock(let closing):
            guard case .block(let name) = frames[frames.count - 1].kind else {
                throw misplaced("{% endblock %}", expecting: "{% block %}", at: location)
            }
            if let closing, closing != name {
                throw .syntax(
                    file, location,
                    "{% endblock \(closing) %} does not match {% block \(name) %} opened at "
                        + "\(frames[frames.count - 1].location)"
                )
            }
            let frame = frames.removeLast()
            append(.block(BlockNode(name: name, body: frame.nodes, location: frame.location)))
        case .extends(let name):
            guard frames.count == 1, !sawContent, parent == nil else {
                throw .syntax(file, location, "{% extends %} must be the first tag in the file")
            }
            parent = ParsedTemplate.ParentReference(name: name, location: location)
        case .include(let name, let context):
            append(.include(IncludeNode(name: name, context: context, location: location)))
        }
    }

    /// A closing or continuing tag that does not fit the innermost open tag.
    private func misplaced(_ tag: String, expecting opener: String, at location: SourceLocation) -> TemplateError {
        let innermost = frames[frames.count - 1]
        switch innermost.kind {
        case .root:
            return .syntax(file, location, "unexpected \(tag): no open \(opener)")
        case .conditional(_, nil, _), .loop(_, _, _?):
            if tag == "{% else %}" || tag == "{% elif %}" {
                return .syntax(
                    file, location,
                    "unexpected \(tag) after the {% else %} of \(innermost.opener) opened at \(innermost.location)")
            }
        default:
            break
        }
        return .syntax(
            file, location, "unexpected \(tag): unclosed \(innermost.opener) opened at \(innermost.location)")
    }

    private mutating func takeNodes() -> [TemplateNode] {
        defer { frames[frames.count - 1].nodes = [] }
        return frames[frames.count - 1].nodes
    }

    private mutating func append(_ node: TemplateNode) {
        frames[frames.count - 1].nodes.append(node)
    }

    private mutating func open(_ kind: Frame.Kind, at location: SourceLocation) {
        frames.append(Frame(kind: kind, location: location))
    }
}
