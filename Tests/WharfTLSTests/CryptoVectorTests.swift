import Testing
import WharfTLS

@Suite struct CryptoVectorTests {
    @Test func sha256MatchesFIPS180Vectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func incrementalSHA256EqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256.Hasher()
        var index = 0
        while index < data.count {
            let end = min(data.count, index + 1 + index % 97)
            hasher.update(Array(data[index..<end]))
            index = end
        }
        #expect(hasher.finalize() == SHA256.hash(data))
    }

    @Test func hmacSHA256MatchesRFC4231() {
        // Test case 2.
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block size.
        let key = [UInt8](repeating: 0xaa, count: 131)
        let message = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(Hex.encode(HMAC.sha256(key: key, message: message))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hmacSHA1MatchesRFC2202() {
        let mac = HMAC.sha1(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func scryptMatchesRFC7914() throws {
        let key = try KDF.scrypt(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64)
        #expect(Hex.encode(key) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
    }

    @Test func pbkdf2SHA256MatchesKnownVector() throws {
        // RFC 7914 §11.
        let key = try KDF.pbkdf2SHA256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64)
        #expect(Hex.encode(key) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    @Test func aesGCMRoundTripsAndDetectsTampering() throws {
        let key = SecureRandom.bytes(32)
        let secret = Array("-----BEGIN EC PRIVATE KEY-----".utf8)
        let box = try AESGCM.seal(secret, key: key, associatedData: Array("host:1:key".utf8))
        #expect(box.count == secret.count + 28)
        #expect(try AESGCM.open(box, key: key, associatedData: Array("host:1:key".utf8)) == secret)
        // Another row's context, another key, or one flipped bit: refused.
        #expect(throws: AESGCM.OpenError.authenticationFailed) {
            try AESGCM.open(box, key: key, associatedData: Array("host:2:key".utf8))
        }
        #expect(throws: AESGCM.OpenError.authenticationFailed) {
            try AESGCM.open(box, key: SecureRandom.bytes(32), associatedData: Array("host:1:key".utf8))
        }
        for index in [0, 12, box.count - 1] {
            var altered = box
            altered[index] ^= 0x01
            #expect(throws: AESGCM.OpenError.authenticationFailed) {
                try AESGCM.open(altered, key: key, associatedData: Array("host:1:key".utf8))
            }
        }
        #expect(throws: AESGCM.OpenError.malformed) { try AESGCM.open([1, 2, 3], key: key) }
        // Empty plaintext still authenticates; two seals of one plaintext differ (fresh nonces).
        #expect(try AESGCM.open(try AESGCM.seal([], key: key), key: key) == [])
        #expect(try AESGCM.seal(secret, key: key) != (try AESGCM.seal(secret, key: key)))
    }

    @Test func encodingsRoundTrip() {
        let bytes = (0..<256).map { UInt8($0) }
        for count in 0..<40 {
            let slice = Array(bytes.prefix(count))
            #expect(Base64URL.decode(Base64URL.encode(slice)) == slice)
            #expect(Hex.decode(Hex.encode(slice)) == slice)
        }
        #expect(Base64URL.encode(Array("foob".utf8)) == "Zm9vYg")
        #expect(Base64URL.decode("Zm9v!g") == nil)
        #expect(Hex.decode("abc") == nil)
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
        #expect(SecureRandom.token().count == 43)
    }
}
