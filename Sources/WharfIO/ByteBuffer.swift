/// A growable byte buffer with a read and a write index, for bytes read from a socket.
///
/// Bytes between `readerIndex` and `writerIndex` are readable; the rest of the capacity is free for
/// the next `read(2)`. Storage is uninitialised until written and is freed by ``release()``, so an
/// idle connection holds no buffer at all. Not thread-safe: one owner at a time.
package final class ByteBuffer {
    private var storage: UnsafeMutableRawPointer?
    package private(set) var capacity = 0
    package private(set) var readerIndex = 0
    package private(set) var writerIndex = 0

    package init() {}

    deinit { storage?.deallocate() }

    package var readableCount: Int { writerIndex - readerIndex }
    package var isEmpty: Bool { readerIndex == writerIndex }

    /// Frees the storage; the buffer stays usable and allocates again on the next write.
    package func release() {
        storage?.deallocate()
        storage = nil
        capacity = 0
        readerIndex = 0
        writerIndex = 0
    }

    /// Makes room for at least `minimum` more bytes after `writerIndex`, moving unread bytes to
    /// the front first, and growing (doubling) only when that is not enough.
    package func reserveWritable(_ minimum: Int) {
        if capacity - writerIndex >= minimum { return }
        let unread = readableCount
        if let storage, readerIndex > 0, capacity - unread >= minimum {
            storage.copyMemory(from: storage + readerIndex, byteCount: unread)
            readerIndex = 0
            writerIndex = unread
            return
        }
        var newCapacity = max(capacity, 1024)
        while newCapacity - unread < minimum { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if let storage {
            newStorage.copyMemory(from: storage + readerIndex, byteCount: unread)
            storage.deallocate()
        }
        storage = newStorage
        capacity = newCapacity
        readerIndex = 0
        writerIndex = unread
    }

    /// The free space after `writerIndex`; `body` returns how many bytes it wrote there.
    package func writeWithUnsafeBytes<E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Int {
        guard let storage else { return 0 }
        let written = try body(UnsafeMutableRawBufferPointer(start: storage + writerIndex, count: capacity - writerIndex))
        precondition(written >= 0 && written <= capacity - writerIndex, "wrote past the buffer")
        writerIndex += written
        return written
    }

    /// Appends bytes, growing as needed.
    package func write<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        reserveWritable(bytes.count)
        _ = writeWithUnsafeBytes { raw in
            var index = 0
            for byte in bytes {
                raw[index] = byte
                index += 1
            }
            return index
        }
    }

    /// The readable bytes, without consuming them.
    package func withReadableBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        guard let storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: storage + readerIndex, count: readableCount))
    }

    /// Consumes `count` readable bytes.
    package func moveReaderIndex(by count: Int) {
        precondition(count >= 0 && count <= readableCount, "consumed more than is readable")
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
        }
    }

    /// Consumes and returns up to `count` readable bytes.
    package func readBytes(upTo count: Int) -> [UInt8] {
        let take = min(count, readableCount)
        let bytes = withReadableBytes { Array($0.prefix(take)) }
        moveReaderIndex(by: take)
        return bytes
    }
}
