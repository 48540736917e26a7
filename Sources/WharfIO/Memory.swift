import CShims
import Glibc

/// Process memory housekeeping.
package enum Memory {
    /// Gives free heap pages back to the kernel (`malloc_trim(0)`). glibc keeps freed memory in its
    /// arenas; after thousands of connections close at once, this is what makes RSS fall again.
    /// It walks the heap, so call it rarely (the HTTP server does after a large drop in connections).
    package static func releaseFreePages() {
        _ = cshims_malloc_trim()
    }

    /// Bytes freed inside malloc's heaps and still held there (see ``releaseFreePages()``).
    /// Walks malloc's free lists: about once a second at most.
    package static var heldFreeBytes: Int { Int(cshims_malloc_held_free_bytes()) }

    /// The process's resident memory (`/proc/self/statm`), or nil where it cannot be read.
    package static var residentBytes: Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 128)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "size resident shared …", in pages.
        let fields = bytes[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
