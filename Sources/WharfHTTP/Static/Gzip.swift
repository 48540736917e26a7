/// gzip (RFC 1952) around DEFLATE (RFC 1951), for compressing static text assets once at start-up.
///
/// Wharf links no compression library, so this is a small encoder: LZ77 over a 32 KiB window with
/// hash chains, coded with DEFLATE's fixed Huffman codes in one block. It compresses CSS and
/// JavaScript to about a third; a library with dynamic codes would shave a few percent more, which
/// does not matter for files compressed once and cached for a year. Decoders (browsers, `gzip -d`)
/// read it like any gzip stream; the tests check that with `gzip` and Python's `zlib`.
package enum Gzip {
    /// `bytes` as a gzip member (no file name, modification time 0).
    package static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        var writer = BitWriter()
        writer.write(1, bits: 1)  // BFINAL
        writer.write(1, bits: 2)  // BTYPE 01: fixed Huffman codes
        Deflate.encode(bytes, into: &writer)
        writer.writeFixedLiteral(256)  // end of block
        out += writer.finish()
        let crc = CRC32.checksum(bytes)
        let size = UInt32(truncatingIfNeeded: bytes.count)
        for value in [crc, size] {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
        return out
    }
}

/// Bits packed least-significant first, as DEFLATE stores them (RFC 1951 §3.1.1).
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// Writes the low `bits` of `value`, least significant first (extra bits, header fields).
    mutating func write(_ value: Int, bits: Int) {
        buffer |= UInt64(value & ((1 << bits) - 1)) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Writes a Huffman code, which DEFLATE stores most significant bit first.
    mutating func writeCode(_ code: Int, bits: Int) {
        var reversed = 0
        for index in 0..<bits where code & (1 << index) != 0 { reversed |= 1 << (bits - 1 - index) }
        write(reversed, bits: bits)
    }

    /// A literal/length symbol (0–287) in the fixed code (RFC 1951 §3.2.6).
    mutating func writeFixedLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, bits: 8)
        case 144...255: writeCode(0x190 + symbol - 144, bits: 9)
        case 256...279: writeCode(symbol - 256, bits: 7)
        default: writeCode(0xc0 + symbol - 280, bits: 8)
        }
    }

    mutating func finish() -> [UInt8] {
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        count = 0
        return bytes
    }
}

/// LZ77 matching and the length/distance symbols of RFC 1951 §3.2.5.
enum Deflate {
    static let window = 32 * 1024
    static let minMatch = 3
    static let maxMatch = 258
    /// How many earlier positions with the same 3-byte hash are tried: compression happens once
    /// at start-up, so a thorough search is affordable.
    static let maxChain = 256

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
        8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func encode(_ input: [UInt8], into writer: inout BitWriter) {
        let hashSize = 1 << 15
        var head = [Int](repeating: -1, count: hashSize)
        var previous = [Int](repeating: -1, count: window)
        func hash(_ index: Int) -> Int {
            (Int(input[index]) << 10 ^ Int(input[index + 1]) << 5 ^ Int(input[index + 2])) & (hashSize - 1)
        }
        func insert(_ index: Int) {
            guard index + minMatch <= input.count else { return }
            let key = hash(index)
            previous[index & (window - 1)] = head[key]
            head[key] = index
        }
        var position = 0
        while position < input.count {
            var bestLength = 0
            var bestDistance = 0
            if position + minMatch <= input.count {
                var candidate = head[hash(position)]
                var chain = 0
                let limit = min(maxMatch, input.count - position)
                while candidate >= 0, position - candidate <= window, chain < maxChain {
                    var length = 0
                    while length < limit, input[candidate + length] == input[position + length] { length += 1 }
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length == limit { break }
                    }
                    let next = previous[candidate & (window - 1)]
                    guard next < candidate else { break }  // the slot was reused by a newer position
                    candidate = next
                    chain += 1
                }
            }
            if bestLength >= minMatch {
                writeMatch(length: bestLength, distance: bestDistance, into: &writer)
                for index in position..<(position + bestLength) { insert(index) }
                position += bestLength
            } else {
                writer.writeFixedLiteral(Int(input[position]))
                insert(position)
                position += 1
            }
        }
    }

    private static func writeMatch(length: Int, distance: Int, into writer: inout BitWriter) {
        let lengthIndex = (lengthBase.lastIndex { $0 <= length }) ?? 0
        writer.writeFixedLiteral(257 + lengthIndex)
        writer.write(length - lengthBase[lengthIndex], bits: lengthExtra[lengthIndex])
        let distanceIndex = (distanceBase.lastIndex { $0 <= distance }) ?? 0
        writer.writeCode(distanceIndex, bits: 5)
        writer.write(distance - distanceBase[distanceIndex], bits: distanceExtra[distanceIndex])
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as gzip's trailer needs.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
