internal import FoundationEssentials

/// The engine's error body: `{"message": "No such container: web"}`.
struct DockerErrorMessage: Decodable {
    let message: String

    /// The message of an error body, or its text, or the status when the body is empty.
    static func extract(_ bytes: [UInt8], status: Int) -> String {
        if let decoded = try? JSONDecoder().decode(DockerErrorMessage.self, from: Data(bytes)) {
            return decoded.message
        }
        let text = String(decoding: bytes.prefix(1024), as: UTF8.self).trimmingCharacters(in: " \t\r\n")
        return text.isEmpty ? "HTTP status \(status)" : String(text)
    }
}
