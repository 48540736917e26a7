import WharfWire

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
            actor: json["Actor"].flatMap { actor in
                guard case .object = actor else { return nil }
                return Actor(id: actor["ID"]?.stringValue, attributes: actor["Attributes"]?.stringMembers)
            },
            time: json["time"]?.int64Value, timeNano: json["timeNano"]?.int64Value)
        scope = json["scope"]?.stringValue
    }
}
