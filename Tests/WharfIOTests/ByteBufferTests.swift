import Testing
import WharfIO

@Suite struct ByteBufferTests {
    @Test func newBufferHoldsNoStorage() {
        let buffer = ByteBuffer()
        #expect(buffer.capacity == 0)
        #expect(buffer.isEmpty)
        #expect(buffer.withReadableBytes { $0.count } == 0)
        #expect(buffer.readBytes(upTo: 10) == [])
    }

    @Test func writtenBytesReadBackInOrder() {
        let buffer = ByteBuffer()
        buffer.write(Array("hello, ".utf8))
        buffer.write(Array("world".utf8))
        #expect(buffer.readableCount == 12)
        #expect(buffer.readBytes(upTo: 5) == Array("hello".utf8))
        #expect(buffer.readBytes(upTo: 100) == Array(", world".utf8))
        #expect(buffer.isEmpty)
    }

    @Test func consumingEverythingRewindsTheIndices() {
        let buffer = ByteBuffer()
        buffer.write([1, 2, 3])
        buffer.moveReaderIndex(by: 3)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.writerIndex == 0)
    }

    @Test func reservingCompactsUnreadBytesToTheFrontBeforeGrowing() {
        let buffer = ByteBuffer()
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        buffer.write(bytes)
        #expect(buffer.capacity == 1024)
        buffer.moveReaderIndex(by: 900)
        buffer.reserveWritable(900)
        #expect(buffer.capacity == 1024, "room was made by moving 100 unread bytes, not by allocating")
        #expect(buffer.readerIndex == 0)
        #expect(buffer.writerIndex == 100)
        #expect(buffer.readBytes(upTo: 100) == Array(bytes[900...]))
    }

    @Test func reservingGrowsByDoublingAndKeepsUnreadBytes() {
        let buffer = ByteBuffer()
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        buffer.write(bytes)
        buffer.moveReaderIndex(by: 10)
        buffer.reserveWritable(2000)
        #expect(buffer.capacity == 4096)
        #expect(buffer.capacity - buffer.writerIndex >= 2000)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.readBytes(upTo: 1000) == Array(bytes[10...]))
    }

    @Test func reservingWhatIsFreeDoesNothing() {
        let buffer = ByteBuffer()
        buffer.reserveWritable(100)
        let capacity = buffer.capacity
        buffer.write([1])
        buffer.reserveWritable(10)
        #expect(buffer.capacity == capacity)
        #expect(buffer.writerIndex == 1)
    }

    @Test func writeWithUnsafeBytesAdvancesByWhatWasWritten() {
        let buffer = ByteBuffer()
        buffer.reserveWritable(16)
        let written = buffer.writeWithUnsafeBytes { raw -> Int in
            raw[0] = 7
            raw[1] = 8
            return 2
        }
        #expect(written == 2)
        #expect(buffer.readBytes(upTo: 2) == [7, 8])
    }

    @Test func writeWithUnsafeBytesOnAnUnallocatedBufferWritesNothing() {
        #expect(ByteBuffer().writeWithUnsafeBytes { $0.count } == 0)
    }

    @Test func releaseFreesStorageAndTheBufferStaysUsable() {
        let buffer = ByteBuffer()
        buffer.write(Array(repeating: 1, count: 5000))
        buffer.release()
        #expect(buffer.capacity == 0)
        #expect(buffer.isEmpty)
        buffer.write([9])
        #expect(buffer.readBytes(upTo: 1) == [9])
    }

    @Test func manySmallWritesAndReadsKeepTheStreamIntact() {
        let buffer = ByteBuffer()
        var expected: [UInt8] = []
        var output: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        var mostUnread = 0
        for round in 0..<500 {
            let piece = (0..<Int.random(in: 0...300, using: &generator)).map { UInt8(truncatingIfNeeded: round &+ $0) }
            expected += piece
            buffer.write(piece)
            mostUnread = max(mostUnread, buffer.readableCount)
            output += buffer.readBytes(upTo: Int.random(in: 0...300, using: &generator))
        }
        output += buffer.readBytes(upTo: Int.max)
        #expect(output == expected)
        #expect(buffer.capacity <= max(1024, 2 * (mostUnread + 300)), "capacity follows what is unread, compaction reuses the rest")
    }
}
