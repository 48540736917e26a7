extension TemplateRenderer {
    /// The value of an operand; a missing path is an error in strict mode and `.null` otherwise.
    func evaluate(
        _ operand: TemplateOperand, file: String, at location: SourceLocation
    ) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .literal(let value): value
        case .path(let path): try resolve(path, file: file, at: location)
        }
    }

    func evaluate(
        _ expression: TemplateExpression, file: String, at location: SourceLocation
    ) throws(TemplateError) -> Bool {
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

    func resolve(
        _ path: TemplatePath, file: String, at location: SourceLocation
    ) throws(TemplateError) -> TemplateValue {
        if let value = lookup(path, segments: path.tail.count) { return value }
        guard strictMissing else { return .null }
        throw .render(file, location, missingMessage(for: path))
    }

    /// Follows `path` through its first `limit` tail segments. Loop bindings come first (innermost wins), then the
    /// keys of the context object. Written with indices and nested switches: tuple patterns and slices would copy
    /// values, and each copy is a retain.
    private func lookup(_ path: TemplatePath, segments limit: Int) -> TemplateValue? {
        var current: TemplateValue?
        var found = false
        var next = 0
        var position = bindings.count
        search: while position > 0 {
            position -= 1
            switch bindings[position] {
            case .value(let name, let bound):
                guard name == path.head else { continue search }
                current = bound
            case .loop(let index, let count):
                guard path.head == "loop" else { continue search }
                if limit > 0, case .key(let field) = path.tail[0] {
                    // `loop.index` without building an object per iteration.
                    current = Self.loopField(field, index: index, count: count)
                    next = 1
                } else {
                    current = .object(
                        Self.loopFields.reduce(into: [:]) { fields, name in
                            fields[name] = Self.loopField(name, index: index, count: count)
                        })
                }
            }
            found = true
            break search
        }
        if !found, case .object(let fields) = root {
            current = fields[path.head]
        }
        guard var value = current else { return nil }
        while next < limit {
            switch path.tail[next] {
            case .key(let key):
                guard case .object(let fields) = value, let field = fields[key] else { return nil }
                value = field
            case .index(let index):
                guard case .list(let items) = value, items.indices.contains(index) else { return nil }
                value = items[index]
            }
            next += 1
        }
        return value
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
        guard var current = lookup(path, segments: 0) else {
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
            guard let next = lookup(path, segments: offset + 1) else {
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
