import FoundationEssentials
import Testing
import WharfApp

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B: the SHA-1 seed is "12345678901234567890", codes are 8 digits.
    static let seed = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (Int64(59), "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func rfc6238SHA1Vectors(seconds: Int64, expected: String) {
        let step = TOTP.step(atMilliseconds: seconds * 1000)
        #expect(TOTP.code(secret: Self.seed, step: step, digits: 8) == expected)
        // Six digits are the last six of the same number.
        #expect(TOTP.code(secret: Self.seed, step: step) == String(expected.suffix(6)))
    }

    @Test func acceptsOneStepOfDriftEitherWay() {
        let now: Int64 = 1_111_111_111_000
        let step = TOTP.step(atMilliseconds: now)
        for offset in [-1, 0, 1] as [Int64] {
            let code = TOTP.code(secret: Self.seed, step: step + offset)
            #expect(TOTP.matchingStep(code: code, secret: Self.seed, atMilliseconds: now, lastUsedStep: nil) == step + offset)
        }
        for offset in [-2, 2] as [Int64] {
            let code = TOTP.code(secret: Self.seed, step: step + offset)
            #expect(TOTP.matchingStep(code: code, secret: Self.seed, atMilliseconds: now, lastUsedStep: nil) == nil)
        }
    }

    @Test func aCodeIsNotAcceptedTwice() {
        let now: Int64 = 1_234_567_890_000
        let step = TOTP.step(atMilliseconds: now)
        let code = TOTP.code(secret: Self.seed, step: step)
        #expect(TOTP.matchingStep(code: code, secret: Self.seed, atMilliseconds: now, lastUsedStep: step) == nil)
        #expect(TOTP.matchingStep(code: code, secret: Self.seed, atMilliseconds: now, lastUsedStep: step - 1) == step)
        // An older step's code after a newer one was used is refused too.
        let previous = TOTP.code(secret: Self.seed, step: step - 1)
        #expect(TOTP.matchingStep(code: previous, secret: Self.seed, atMilliseconds: now, lastUsedStep: step) == nil)
    }

    @Test func spacesInTypedCodesAreIgnoredButLengthMatters() {
        let now: Int64 = 59_000
        let code = TOTP.code(secret: Self.seed, step: TOTP.step(atMilliseconds: now))
        let spaced = String(code.prefix(3)) + " " + String(code.suffix(3))
        #expect(TOTP.matchingStep(code: spaced, secret: Self.seed, atMilliseconds: now, lastUsedStep: nil) != nil)
        #expect(TOTP.matchingStep(code: String(code.prefix(5)), secret: Self.seed, atMilliseconds: now, lastUsedStep: nil) == nil)
    }

    @Test func base32RoundTripsAndMatchesRFC4648() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw 6ytb-oi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("M1") == nil)
        #expect(Base32.decode(Base32.encode(Self.seed)) == Self.seed)
    }

    @Test func recoveryCodesAreTenDistinctAndHashedNormalised() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            #expect(code.count == 11)
            #expect(RecoveryCodes.looksLikeRecoveryCode(code))
            let key = Array("a key for the test, 32 bytes....".utf8)
            #expect(RecoveryCodes.hash(String(code.uppercased().map { $0 == "-" ? " " : $0 }), key: key) == RecoveryCodes.hash(code, key: key))
            #expect(RecoveryCodes.hash(code, key: key) != RecoveryCodes.hash(code, key: key.reversed()))
        }
    }
}
