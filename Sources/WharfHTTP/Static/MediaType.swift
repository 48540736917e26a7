/// `Content-Type` values for the file extensions Wharf serves.
enum MediaType {
    static func forExtension(_ ext: String) -> String {
        switch ext.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "html", "htm": "text/html; charset=utf-8"
        case "json", "map": "application/json"
        case "txt": "text/plain; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "woff": "font/woff"
        case "webmanifest": "application/manifest+json"
        default: "application/octet-stream"
        }
    }
}
