import WharfWire
/// How the engine (Go's `encoding/json`) reads a body, for the fields the endpoint checks.
///
/// Go matches a member name to a struct field exactly or, failing that, case-insensitively under
/// Unicode simple folding — so `privileged`, `PRIVILEGED` and `Privileged` (with U+017F, ſ, or
/// U+212A, K, standing in for `s` and `k`) all set `Privileged` — and a later duplicate overwrites
/// an earlier one, except that `null` leaves a plain value as it was and an object is decoded *into*
/// an existing struct or map (their members merge). ``JSONText/normalized(_:)`` applies exactly
/// these rules to the fields a ``GoStruct`` names, and writes each of them once under its canonical
/// name; members it does not name are kept as they were, in order. Since Wharf forwards its own
/// serialisation of the normalised value, the engine sees each checked field once, spelled one way.
indirect enum GoField: Sendable {
    /// A bool, string or number (Go: `null` leaves it unchanged).
    case value
    /// A slice, pointer to a value, or interface (Go: `null` clears it; a new value replaces it).
    case replaced
    /// `strslice.StrSlice`: a string or a list of strings, replaced as a whole.
    case stringList
    /// A map: members merge, later keys win, `null` clears it. Keys are data, never folded.
    case map
    /// A struct (or, with `pointer`, a pointer to one): objects merge into it.
    case structure(GoStruct, pointer: Bool)
    /// A slice of structs: elements decode into the existing elements at the same index (Go reuses
    /// the slice's backing store), then the slice is cut to the new length.
    case structList(GoStruct)
}

/// The fields of a Go struct that matter to the endpoint's checks, by canonical name.
struct GoStruct: Sendable {
    let fields: [(name: String, kind: GoField)]

    init(_ fields: [(String, GoField)]) { self.fields = fields.map { (name: $0.0, kind: $0.1) } }

    /// The field a member name selects in Go, nil when none of those listed here.
    func field(for key: String) -> (name: String, kind: GoField)? {
        if let exact = fields.first(where: { $0.name == key }) { return exact }
        guard let folded = JSONText.goFold(key) else { return nil }
        return fields.first { $0.name.lowercased() == folded }
    }
}

extension JSONText {
    /// `key` folded as Go's `bytes.EqualFold` compares it with an ASCII field name: ASCII letters
    /// lower-cased, K (U+212A) → k, ſ (U+017F) → s; nil when another non-ASCII character makes it
    /// unequal to every ASCII name.
    static func goFold(_ key: String) -> String? {
        var out = ""
        out.reserveCapacity(key.utf8.count)
        for scalar in key.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: out.unicodeScalars.append(Unicode.Scalar(scalar.value + 0x20) ?? scalar)
            case 0..<0x80: out.unicodeScalars.append(scalar)
            case 0x212A: out += "k"
            case 0x017F: out += "s"
            default: return nil
            }
        }
        return out
    }

    /// This object read as the Go struct `schema` describes (see ``GoField``); other values unchanged.
    func normalized(_ schema: GoStruct) -> JSONText {
        guard case .object(let members) = self else { return self }
        var output: [Member] = []
        var positions: [String: Int] = [:]
        for member in members {
            guard let field = schema.field(for: member.key) else {
                output.append(member)
                continue
            }
            if let position = positions[field.name] {
                output[position].value = Self.decode(member.value, into: output[position].value, as: field.kind)
            } else {
                positions[field.name] = output.count
                output.append(Member(key: field.name, value: Self.decode(member.value, into: nil, as: field.kind)))
            }
        }
        return .object(output)
    }

    /// The value a field of `kind` holds after decoding `new` over `old` (nil: the zero value).
    private static func decode(_ new: JSONText, into old: JSONText?, as kind: GoField) -> JSONText {
        switch kind {
        case .value:
            if new.isNull { return old ?? .null }
            return new
        case .replaced, .stringList:
            return new
        case .map:
            guard case .object(let newMembers) = new else { return new }
            var merged: [Member] = []
            if case .object(let oldMembers)? = old { merged = oldMembers }
            for member in newMembers {
                if let index = merged.firstIndex(where: { $0.key == member.key }) {
                    merged[index].value = member.value
                } else {
                    merged.append(member)
                }
            }
            return .object(merged)
        case .structure(let schema, let pointer):
            if new.isNull { return pointer ? .null : (old ?? .null) }
            guard case .object(let newMembers) = new else { return new }
            guard case .object(let oldMembers)? = old else { return new.normalized(schema) }
            return JSONText.object(oldMembers + newMembers).normalized(schema)
        case .structList(let schema):
            guard case .array(let newItems) = new else { return new }
            var oldItems: [JSONText] = []
            if case .array(let items)? = old { oldItems = items }
            return .array(newItems.enumerated().map { index, item in
                decode(item, into: index < oldItems.count ? oldItems[index] : nil, as: .structure(schema, pointer: false))
            })
        }
    }
}
