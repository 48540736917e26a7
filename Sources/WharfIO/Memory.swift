import CShims

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
}
