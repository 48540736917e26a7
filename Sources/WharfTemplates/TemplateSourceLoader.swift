internal import FoundationEssentials

/// Reads template files from a directory tree.
enum TemplateSourceLoader {
    /// One template source: its name (`home/index`), its path relative to the root (`home/index.html`), its bytes.
    struct File: Sendable {
        var name: String
        var path: String
        var bytes: [UInt8]
    }

    /// Finds every `*.html` file under `directory`. Hidden files and folders (editor lock and swap files) are skipped.
    static func load(from directory: URL) throws(TemplateError) -> [File] {
        let root = directory.standardizedFileURL.path
        let fileManager = FileManager.default
        var isDirectory = false
        guard fileManager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory else {
            throw .unreadable(path: root, reason: "not a directory")
        }
        let subpaths: [String]
        do {
            subpaths = try fileManager.subpathsOfDirectory(atPath: root)
        } catch {
            throw .unreadable(path: root, reason: "cannot list the directory: \(error)")
        }
        var files: [File] = []
        for relativePath in subpaths.sorted() where relativePath.hasSuffix(".html") {
            let components = relativePath.split(separator: "/")
            guard !components.contains(where: { $0.hasPrefix(".") }) else { continue }
            let fullPath = root + "/" + relativePath
            guard fileManager.fileExists(atPath: fullPath, isDirectory: &isDirectory), !isDirectory else {
                continue
            }
            guard let data = fileManager.contents(atPath: fullPath) else {
                throw .unreadable(path: relativePath, reason: "cannot read the file")
            }
            files.append(File(name: TemplateLibrary.templateName(relativePath), path: relativePath, bytes: Array(data)))
        }
        return files
    }
}
