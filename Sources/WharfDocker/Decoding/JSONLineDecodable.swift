package import WharfWire

/// A value one line of a JSON stream is read into without Foundation's `JSONDecoder`
/// (``DockerJSONStream`` uses this when the element type offers it). For a stream that delivers
/// one small value now and then, such as `GET /events`, each line is decoded cold: with caches
/// and branch predictors cleared by whatever ran since, `JSONDecoder` spends 120 µs on an event,
/// ``JSONText`` about 40.
package protocol JSONLineDecodable: Decodable {
    /// - Throws: ``JSONText/SyntaxError`` for a line that is not JSON, ``DockerError/decoding(what:reason:)``
    ///   for JSON of another shape.
    init(jsonLine line: [UInt8]) throws
}

extension DockerEvent: JSONLineDecodable {
    /// The members the ``CodingKeys`` name, matched exactly. A member of another type than the
    /// API's (or `null`) reads as missing, where `JSONDecoder` would refuse the whole line.
    package init(jsonLine line: [UInt8]) throws {
        let json = try JSONText.parse(line)
        guard case .object = json else {
            throw DockerError.decoding(what: "DockerEvent", reason: "the line is not a JSON object")
        }
        self.init(
            type: json["Type"]?.stringValue, action: json["Action"]?.stringValue,
            actor: json["Actor"].map { actor in
                Actor(id: actor["ID"]?.stringValue, attributes: actor["Attributes"]?.stringMembers)
            },
            time: json["time"]?.int64Value, timeNano: json["timeNano"]?.int64Value)
        scope = json["scope"]?.stringValue
    }
}

extension JSONText {
    /// The string, if this is one.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as a whole `Int64`, if this is one that fits.
    package var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// An object's members whose values are strings, by key (a later duplicate wins).
    package var stringMembers: [String: String]? {
        guard case .object(let members) = self else { return nil }
        var strings: [String: String] = [:]
        for member in members {
            if let text = member.value.stringValue { strings[member.key] = text }
        }
        return strings
    }
}
