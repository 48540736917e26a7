import CShims

/// Process memory housekeeping.
package enum Memory {
    /// Gives free heap pages back to the kernel (`malloc_trim(0)`). glibc keeps freed memory in its
    /// arenas; after thousands of connections close at once, this is what makes RSS fall again.
    /// It walks the heap, so call it rarely (the HTTP server does after a large drop in connections).
    package static func releaseFreePages() {
        _ = cshims_malloc_trim()
    }
}
