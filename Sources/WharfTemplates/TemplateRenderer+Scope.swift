extension TemplateRenderer {
    /// The value of an operand; a missing path is an error in strict mode and `.null` otherwise.
    func evaluate(_ operand: TemplateOperand, file: String, at location: SourceLocation) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .literal(let value): value
        case .path(let path): try resolve(path, file: file, at: location)
        }
    }

    func evaluate(_ expression: TemplateExpression, file: String, at location: SourceLocation) throws(TemplateError) -> Bool {
        switch expression {
        case .operand(let operand):
            return try evaluate(operand, file: file, at: location).isTruthy
        case .not(let inner):
            return try !evaluate(inner, file: file, at: location)
        case .equal(let left, let right):
            return try evaluate(left, file: file, at: location).matches(evaluate(right, file: file, at: location))
        case .notEqual(let left, let right):
            return try !evaluate(left, file: file, at: location).matches(evaluate(right, file: file, at: location))
        case .and(let left, let right):
            // Written out rather than with `&&`, whose autoclosure would erase the typed error.
            guard try evaluate(left, file: file, at: location) else { return false }
            return try evaluate(right, file: file, at: location)
        case .or(let left, let right):
            if try evaluate(left, file: file, at: location) { return true }
            return try evaluate(right, file: file, at: location)
        }
    }

    func resolve(_ path: TemplatePath, file: String, at location: SourceLocation) throws(TemplateError) -> TemplateValue {
        if let value = lookup(path.head, path.tail[...]) { return value }
        guard strictMissing else { return .null }
        throw .render(file, location, missingMessage(for: path))
    }

    /// Loop bindings first (innermost wins), then the keys of the context object.
    private func lookup(_ head: String, _ tail: ArraySlice<TemplatePath.Segment>) -> TemplateValue? {
        var value: TemplateValue?
        var tail = tail
        for binding in bindings.reversed() {
            switch binding {
            case .value(let name, let bound) where name == head:
                value = bound
            case .loop(let index, let count) where head == "loop":
                if case .key(let field)? = tail.first {
                    // `loop.index` without building an object per iteration.
                    guard let fieldValue = Self.loopField(field, index: index, count: count) else { return nil }
                    value = fieldValue
                    tail = tail.dropFirst()
                } else {
                    value = .object(Self.loopFields.reduce(into: [:]) { fields, name in
                        fields[name] = Self.loopField(name, index: index, count: count)
                    })
                }
            default:
                continue
            }
            break
        }
        if value == nil, case .object(let fields) = root {
            value = fields[head]
        }
        guard var current = value else { return nil }
        for segment in tail {
            switch (segment, current) {
            case (.key(let key), .object(let fields)):
                guard let next = fields[key] else { return nil }
                current = next
            case (.index(let index), .list(let items)):
                guard items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    private static let loopFields = ["index", "number", "first", "last", "count"]

    private static func loopField(_ field: String, index: Int, count: Int) -> TemplateValue? {
        switch field {
        case "index": .int(index)
        case "number": .int(index + 1)
        case "first": .bool(index == 0)
        case "last": .bool(index == count - 1)
        case "count": .int(count)
        default: nil
        }
    }

    /// Explains where a path stopped resolving, e.g. `'user.email' is missing: 'user' has no key 'email'`.
    private func missingMessage(for path: TemplatePath) -> String {
        guard var current = lookup(path.head, []) else {
            return "'\(path.head)' is not defined"
        }
        var resolved = path.head
        for (offset, segment) in path.tail.enumerated() {
            let reason: String
            switch (segment, current) {
            case (.key(let key), .object):
                reason = "'\(resolved)' has no key '\(key)'"
            case (.index(let index), .list(let items)):
                reason = "'\(resolved)' has \(items.count) items, so no item \(index)"
            case (.key(let key), _):
                reason = "'\(resolved)' is \(current.kindName), which has no key '\(key)'"
            case (.index(let index), _):
                reason = "'\(resolved)' is \(current.kindName), not a list, so it has no item \(index)"
            }
            guard let next = lookup(path.head, path.tail[...offset]) else {
                return "'\(path)' is missing: \(reason)"
            }
            current = next
            switch segment {
            case .key(let key): resolved += ".\(key)"
            case .index(let index): resolved += ".\(index)"
            }
        }
        return "'\(path)' is missing"
    }
}

extension TemplateOperand: CustomStringConvertible {
    var description: String {
        switch self {
        case .path(let path): path.description
        case .literal(let value): "a literal \(value.kindName)"
        }
    }
}
