/// Where a block sits in the output of a chain of templates, so that overrides are checked in that context.
struct BlockPlacement: Sendable {
    var start: HTMLContext
    var end: HTMLContext
    /// The file that placed the block, for error messages.
    var file: String
}

/// Walks a parsed template through the HTML contexts its literal text creates, deciding how each `{{ }}` is escaped
/// and rejecting interpolations that no escaping makes safe (inside `<script>`, `on…=`, unquoted attributes).
/// It also checks `{% include %}` targets and the blocks an extending template overrides.
///
/// `{% if %}` branches and loop bodies are followed separately and must meet in compatible contexts, like Go's
/// html/template, so an `{% else %}` cannot smuggle a value into an unchecked position.
struct HTMLContextChecker {
    let file: String
    let knownTemplates: Set<String>
    /// Blocks placed by the templates this one extends.
    let inherited: [String: BlockPlacement]
    /// Blocks this template defines or overrides, with their checked bodies.
    private(set) var declared: [String: (placement: BlockPlacement, body: [TemplateNode])] = [:]

    init(file: String, knownTemplates: Set<String>, inherited: [String: BlockPlacement] = [:]) {
        self.file = file
        self.knownTemplates = knownTemplates
        self.inherited = inherited
    }

    /// Checks a template that extends nothing, from HTML text to its end, which must be HTML text again.
    mutating func checkStandalone(_ template: ParsedTemplate) throws(TemplateError) -> [TemplateNode] {
        let (nodes, end) = try check(template.nodes, from: .text)
        guard end == .text else {
            throw .syntax(file, template.end, "the template ends in \(end); close it in the same file")
        }
        return nodes
    }

    /// Checks the blocks of a template that extends `parentFile`: each must override a block placed by an
    /// ancestor, and is checked in that block's context. The checked bodies end up in `declared`.
    mutating func checkOverrides(_ template: ParsedTemplate, parentFile: String) throws(TemplateError) {
        for node in template.nodes {
            guard case .block(let block) = node else { continue }
            guard let placement = inherited[block.name] else {
                throw .syntax(
                    file, block.location,
                    "block '\(block.name)' is not defined in \(parentFile) or the templates it extends")
            }
            let (body, end) = try check(block.body, from: placement.start)
            guard HTMLContext.join(placement.end, end) == placement.end else {
                throw .syntax(
                    file, block.location,
                    "block '\(block.name)' ends in \(end), but its placeholder in \(placement.file) ends in "
                        + "\(placement.end)")
            }
            declared[block.name] = (placement, body)
        }
    }

    private mutating func check(
        _ nodes: [TemplateNode], from start: HTMLContext
    ) throws(TemplateError) -> (nodes: [TemplateNode], end: HTMLContext) {
        var context = start
        var result: [TemplateNode] = []
        result.reserveCapacity(nodes.count)
        for node in nodes {
            switch node {
            case .text(let bytes, let location):
                for (offset, byte) in bytes.enumerated() {
                    do {
                        try context.consume(byte)
                    } catch {
                        throw .syntax(file, location.advanced(over: bytes[..<offset]), error.message)
                    }
                }
                result.append(node)
            case .output(let output):
                let escaping: OutputEscaping
                do {
                    escaping = try context.interpolate(raw: output.isRaw)
                } catch {
                    throw .syntax(file, output.location, error.message)
                }
                result.append(
                    .output(
                        OutputNode(
                            value: output.value, isRaw: output.isRaw, escaping: escaping, location: output.location)))
            case .conditional(let conditional):
                var branches = conditional.branches
                var ends: [HTMLContext] = []
                for index in branches.indices {
                    let (body, end) = try check(branches[index].body, from: context)
                    branches[index].body = body
                    ends.append(end)
                }
                var otherwise: [TemplateNode]?
                if let elseBody = conditional.otherwise {
                    let (body, end) = try check(elseBody, from: context)
                    otherwise = body
                    ends.append(end)
                } else {
                    ends.append(context)
                }
                context = try join(ends, at: conditional.location, of: "the branches of {% if %}")
                result.append(
                    .conditional(
                        ConditionalNode(
                            branches: branches, otherwise: otherwise, location: conditional.location)))
            case .loop(let loop):
                let checked: LoopNode
                (checked, context) = try check(loop, from: context)
                result.append(.loop(checked))
            case .block(let block):
                let (body, bodyEnd) = try check(block.body, from: context)
                let end = bodyEnd.afterBlock
                let placement = BlockPlacement(start: context, end: end, file: file)
                if let earlier = inherited[block.name], earlier.start != context || earlier.end != end {
                    throw .syntax(
                        file, block.location,
                        "block '\(block.name)' runs from \(context) to \(end) here, but from \(earlier.start) to "
                            + "\(earlier.end) in \(earlier.file)")
                }
                declared[block.name] = (placement, body)
                context = end
                result.append(.block(BlockNode(name: block.name, body: body, location: block.location)))
            case .include(let include):
                guard knownTemplates.contains(include.name) else {
                    throw .syntax(file, include.location, "unknown template '\(include.name)' in {% include %}")
                }
                guard context == .text else {
                    throw .syntax(
                        file, include.location, "{% include %} is only allowed in HTML text, not inside \(context)")
                }
                result.append(node)
            }
        }
        return (result, context)
    }

    /// A loop body may run zero or more times, so it is checked from the join of its start and end contexts.
    private mutating func check(
        _ loop: LoopNode, from start: HTMLContext
    ) throws(TemplateError) -> (LoopNode, HTMLContext) {
        var (body, end) = try check(loop.body, from: start)
        var repeated = start
        if end != start {
            guard let joined = HTMLContext.join(start, end) else {
                throw .syntax(file, loop.location, "the body of {% for %} starts in \(start) but ends in \(end)")
            }
            repeated = joined
            (body, end) = try check(loop.body, from: repeated)
            guard HTMLContext.join(repeated, end) == repeated else {
                throw .syntax(file, loop.location, "the body of {% for %} starts in \(repeated) but ends in \(end)")
            }
        }
        guard let emptyBody = loop.emptyBody else {
            // `repeated` already joins `start`: zero iterations leave the context where one or more would.
            return (loop.with(body: body, emptyBody: nil), repeated)
        }
        let (checkedEmpty, emptyEnd) = try check(emptyBody, from: start)
        let joined = try join([repeated, emptyEnd], at: loop.location, of: "{% for %} and its {% else %}")
        return (loop.with(body: body, emptyBody: checkedEmpty), joined)
    }

    private func join(
        _ contexts: [HTMLContext], at location: SourceLocation, of construct: String
    ) throws(TemplateError) -> HTMLContext {
        var result = contexts[0]
        for context in contexts.dropFirst() {
            guard let joined = HTMLContext.join(result, context) else {
                throw .syntax(
                    file, location,
                    "\(construct) end in different HTML contexts (\(result) and \(context))")
            }
            result = joined
        }
        return result
    }
}
