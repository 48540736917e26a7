/// A template ready to render: its chain of extends resolved into the base layout's nodes plus a table of the
/// most-derived body of every block.
final class CompiledTemplate: Sendable {
    /// The body of a block override and the file it came from, for error messages.
    struct BlockBody: Sendable {
        var file: String
        var nodes: [TemplateNode]
    }

    let file: String
    /// The nodes rendered first: those of the base of the chain of extends (the template itself when it extends
    /// nothing), and that template's file.
    let entryNodes: [TemplateNode]
    let entryFile: String
    /// Overrides for blocks, most-derived first; a block not listed renders its own default body.
    let blocks: [String: BlockBody]
    /// Placements of all blocks visible to templates extending this one.
    let placements: [String: BlockPlacement]
    /// Bytes of literal text in the entry nodes, a hint for the output buffer's capacity.
    let sizeHint: Int

    init(
        file: String, entryNodes: [TemplateNode], entryFile: String, blocks: [String: BlockBody],
        placements: [String: BlockPlacement]
    ) {
        self.file = file
        self.entryNodes = entryNodes
        self.entryFile = entryFile
        self.blocks = blocks
        self.placements = placements
        self.sizeHint = Self.literalSize(entryNodes) + blocks.values.reduce(0) { $0 + Self.literalSize($1.nodes) }
    }

    private static func literalSize(_ nodes: [TemplateNode]) -> Int {
        nodes.reduce(0) { total, node in
            if case .text(let bytes, _) = node { return total + bytes.count }
            return total
        }
    }
}

/// Turns parsed templates into compiled ones: resolves extends chains (unknown names, cycles), checks HTML contexts
/// and include targets, and builds each template's block table. Every reference is validated here, at load time.
struct TemplateCompiler {
    private let parsed: [String: ParsedTemplate]
    private let known: Set<String>
    private var compiled: [String: CompiledTemplate] = [:]

    init(parsed: [String: ParsedTemplate]) {
        self.parsed = parsed
        self.known = Set(parsed.keys)
    }

    /// Compiles all templates in name order, so the first error reported does not depend on hashing.
    mutating func compileAll() throws(TemplateError) -> [String: CompiledTemplate] {
        for name in parsed.keys.sorted() {
            _ = try compile(name, extendedBy: [])
        }
        return compiled
    }

    private mutating func compile(
        _ name: String, extendedBy chain: [String]
    ) throws(TemplateError) -> CompiledTemplate {
        if let done = compiled[name] { return done }
        guard let template = parsed[name] else {
            preconditionFailure("compile(\(name)) called for a template that was not parsed")
        }
        let result: CompiledTemplate
        if let parentReference = template.parent {
            guard parsed[parentReference.name] != nil else {
                throw .syntax(
                    template.file, parentReference.location,
                    "unknown template '\(parentReference.name)' in {% extends %}")
            }
            if parentReference.name == name || chain.contains(parentReference.name) {
                let cycleStart = chain.firstIndex(of: parentReference.name) ?? chain.count
                let cycle = chain[cycleStart...] + [name, parentReference.name]
                throw .syntax(
                    template.file, parentReference.location,
                    "circular {% extends %}: \(cycle.joined(separator: " → "))")
            }
            let parent = try compile(parentReference.name, extendedBy: chain + [name])
            var checker = HTMLContextChecker(file: template.file, knownTemplates: known, inherited: parent.placements)
            try checker.checkOverrides(template, parentFile: parent.file)
            var blocks = parent.blocks
            var placements = parent.placements
            for (blockName, declaration) in checker.declared {
                blocks[blockName] = CompiledTemplate.BlockBody(file: template.file, nodes: declaration.body)
                placements[blockName] = declaration.placement
            }
            result = CompiledTemplate(
                file: template.file, entryNodes: parent.entryNodes, entryFile: parent.entryFile, blocks: blocks,
                placements: placements)
        } else {
            var checker = HTMLContextChecker(file: template.file, knownTemplates: known)
            let nodes = try checker.checkStandalone(template)
            result = CompiledTemplate(
                file: template.file, entryNodes: nodes, entryFile: template.file, blocks: [:],
                placements: checker.declared.mapValues(\.placement))
        }
        compiled[name] = result
        return result
    }
}
