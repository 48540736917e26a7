import FoundationEssentials
import WharfWire
package import WharfHTTP

/// JSON in and out of the API: stable output (sorted keys, ISO dates are never used: times are
/// Unix seconds or milliseconds, named so), and request bodies read with a limit and decoded with
/// an error that names what is wrong.
package enum JSONBody {
    /// `value` as JSON bytes with sorted keys.
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Reads the request body (at most `limit` bytes) and decodes it as `T`.
    /// - Throws: 415 unless the body is `application/json`, 413 over the limit, 400 naming the
    ///   field for JSON that does not decode.
    package static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest, limit: Int = 256 * 1024) async throws -> T {
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw HTTPError(.unsupportedMediaType, "Send the body as JSON, with Content-Type: application/json.")
        }
        let bytes = try await request.body.collect(upTo: limit)
        return try decode(type, from: bytes)
    }

    /// Decodes `bytes` as `T`. - Throws: 400 with the JSON error in words.
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, "The JSON body is not valid: \(describe(error))")
        } catch {
            throw HTTPError(.badRequest, "The body is not valid JSON.")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".").replacing(".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)) should be \(typeName(type))."
        case .valueNotFound(let type, let context): return "\(path(context)) should be \(typeName(type)), not null."
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "the body" ? "\(key.stringValue) is missing." : "\(parent).\(key.stringValue) is missing."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not JSON." : "\(path(context)) is invalid: \(context.debugDescription)"
        @unknown default: return "it does not match what this endpoint takes."
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type: "a whole number"
        case is Double.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}

extension HTTPResponse {
    /// `value` as an `application/json` response (sorted keys).
    package static func json(encoding value: some Encodable, status: HTTPStatus = .ok) throws -> HTTPResponse {
        .json(try JSONBody.encode(value), status: status)
    }
}
