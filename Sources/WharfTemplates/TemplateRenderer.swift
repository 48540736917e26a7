/// Renders compiled templates into a byte buffer. One renderer serves one `render` call and holds its scope:
/// the context value plus a stack of loop variables and loop states.
struct TemplateRenderer {
    /// A name bound by a loop, searched innermost first before the context object.
    enum Binding {
        case value(name: String, TemplateValue)
        /// The state behind `loop.index`, `loop.number`, `loop.first`, `loop.last` and `loop.count`.
        case loop(index: Int, count: Int)
    }

    /// Bounds recursion through `{% include %}`, which may legitimately recurse over a tree of values.
    static let maximumIncludeDepth = 32

    let templates: [String: CompiledTemplate]
    let strictMissing: Bool
    var root: TemplateValue
    var bindings: [Binding] = []
    private var includeDepth = 0

    init(templates: [String: CompiledTemplate], strictMissing: Bool, context: TemplateValue) {
        self.templates = templates
        self.strictMissing = strictMissing
        self.root = context
    }

    mutating func render(_ template: CompiledTemplate, into buffer: inout [UInt8]) throws(TemplateError) {
        try render(template.entryNodes, file: template.entryFile, blocks: template.blocks, into: &buffer)
    }

    private mutating func render(
        _ nodes: [TemplateNode], file: String, blocks: [String: CompiledTemplate.BlockBody], into buffer: inout [UInt8]
    ) throws(TemplateError) {
        for index in nodes.indices {
            switch nodes[index] {
            case .text(let bytes, _):
                buffer.append(contentsOf: bytes)
            case .output(let output):
                try write(output, file: file, into: &buffer)
            case .conditional(let conditional):
                let branches = conditional.branches
                var chosen = branches.count
                for index in branches.indices {
                    if try evaluate(branches[index].condition, file: file, at: branches[index].location) {
                        chosen = index
                        break
                    }
                }
                if chosen < branches.count {
                    try render(branches[chosen].body, file: file, blocks: blocks, into: &buffer)
                } else if let otherwise = conditional.otherwise {
                    try render(otherwise, file: file, blocks: blocks, into: &buffer)
                }
            case .loop(let loop):
                try render(loop, file: file, blocks: blocks, into: &buffer)
            case .block(let block):
                if let override = blocks[block.name] {
                    try render(override.nodes, file: override.file, blocks: blocks, into: &buffer)
                } else {
                    try render(block.body, file: file, blocks: blocks, into: &buffer)
                }
            case .include(let include):
                try render(include, file: file, into: &buffer)
            }
        }
    }

    private mutating func render(
        _ loop: LoopNode, file: String, blocks: [String: CompiledTemplate.BlockBody], into buffer: inout [UInt8]
    ) throws(TemplateError) {
        let items: [TemplateValue]
        switch try resolve(loop.sequence, file: file, at: loop.location) {
        case .list(let list): items = list
        case .null: items = []
        case let other:
            throw .render(
                file, loop.location, "cannot loop over '\(loop.sequence)', which is \(other.kindName), not a list")
        }
        guard let first = items.first else {
            if let emptyBody = loop.emptyBody {
                try render(emptyBody, file: file, blocks: blocks, into: &buffer)
            }
            return
        }
        let base = bindings.count
        bindings.append(.value(name: loop.variable, first))
        bindings.append(.loop(index: 0, count: items.count))
        for (index, item) in items.enumerated() {
            bindings[base] = .value(name: loop.variable, item)
            bindings[base + 1] = .loop(index: index, count: items.count)
            try render(loop.body, file: file, blocks: blocks, into: &buffer)
        }
        bindings.removeSubrange(base...)
    }

    private mutating func render(
        _ include: IncludeNode, file: String, into buffer: inout [UInt8]
    ) throws(TemplateError) {
        guard let target = templates[include.name] else {
            throw .render(file, include.location, "unknown template '\(include.name)' in {% include %}")
        }
        guard includeDepth < Self.maximumIncludeDepth else {
            throw .render(
                file, include.location,
                "{% include %} nested more than \(Self.maximumIncludeDepth) levels deep; "
                    + "does a template include itself?"
            )
        }
        includeDepth += 1
        defer { includeDepth -= 1 }
        guard let operand = include.context else {
            try render(target, into: &buffer)
            return
        }
        // `with value`: the value becomes the included template's whole scope.
        var scope = (root: try evaluate(operand, file: file, at: include.location), bindings: [Binding]())
        swap(&scope.root, &root)
        swap(&scope.bindings, &bindings)
        defer {
            swap(&scope.root, &root)
            swap(&scope.bindings, &bindings)
        }
        try render(target, into: &buffer)
    }

    private func write(_ output: OutputNode, file: String, into buffer: inout [UInt8]) throws(TemplateError) {
        let value = try evaluate(output.value, file: file, at: output.location)
        if output.isRaw {
            switch value {
            case .trustedHTML(let html):
                buffer.append(contentsOf: html.utf8)
            case .null:
                break
            default:
                throw .render(
                    file, output.location,
                    "{{ raw \(output.value.description) }} needs trusted HTML, but the value is \(value.kindName)")
            }
            return
        }
        switch value {
        case .text(let string), .trustedHTML(let string):
            Self.write(string, escaping: output.escaping, into: &buffer)
        case .int(let number):
            // Digits cannot complete a URL scheme or break out of a CSS value.
            HTMLEscaping.append(number, to: &buffer)
        case .bool(let flag):
            HTMLEscaping.append(flag ? "true" : "false", to: &buffer)
        case .null:
            break
        case .list, .object:
            throw .render(
                file, output.location,
                "cannot print '\(output.value.description)', which is \(value.kindName); "
                    + "loop over it or print one of its fields"
            )
        }
    }

    private static func write(_ string: String, escaping: OutputEscaping, into buffer: inout [UInt8]) {
        // Native strings are contiguous UTF-8, so this borrows their bytes without copying the string.
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            write(bytes, escaping: escaping, into: &buffer)
        }
        if written == nil {
            var copy = string
            copy.withUTF8 { write($0, escaping: escaping, into: &buffer) }
        }
    }

    private static func write(
        _ bytes: UnsafeBufferPointer<UInt8>, escaping: OutputEscaping, into buffer: inout [UInt8]
    ) {
        switch escaping {
        case .html:
            HTMLEscaping.append(escaping: bytes, to: &buffer)
        case .url(let prefix):
            var scanner = URLSchemeScanner()
            scanner.feed(prefix)
            scanner.feed(bytes)
            if scanner.finalVerdict == .allowed {
                HTMLEscaping.append(escaping: bytes, to: &buffer)
            } else {
                HTMLEscaping.append(URLSchemeScanner.blockedReplacement, to: &buffer)
            }
        case .css:
            if HTMLEscaping.isPlainCSSValue(bytes) {
                HTMLEscaping.append(escaping: bytes, to: &buffer)
            } else {
                HTMLEscaping.append(HTMLEscaping.blockedCSSReplacement, to: &buffer)
            }
        }
    }
}
