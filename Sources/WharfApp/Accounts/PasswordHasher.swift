import WharfTLS

/// Password hashing with scrypt (RFC 7914) through OpenSSL.
///
/// A hash is stored as `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, salt and hash in URL-safe base64
/// without padding. The parameters travel with the hash, so they can be raised later: a sign-in
/// that verifies against weaker parameters than ``parameters`` asks for a rehash.
///
/// The work runs on ``OffloadQueue/kdf``, never on an event loop. With the defaults a hash takes
/// about 0.4 s and 128 MiB on the reference machine (2 cores; `deploy/bench/run.sh signin` prints
/// it beside the earlier N=2^15). Hashes with N=2^15 from before issue 10 are rehashed at the
/// next sign-in.
package struct PasswordHasher: Sendable {
    /// scrypt's cost: N = 2^logN, block size r, parallelism p.
    package struct Parameters: Sendable, Equatable, CustomStringConvertible {
        package var logN: Int
        package var r: Int
        package var p: Int

        package init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// The production cost: N=2^17, r=8, p=1 (128 MiB).
        package static let standard = Parameters(logN: 17, r: 8, p: 1)
        /// The production cost before issue 10, kept for the benchmark's comparison.
        package static let previous = Parameters(logN: 15, r: 8, p: 1)
        /// A cheap cost for tests (about 1 ms); never for real passwords.
        package static let testing = Parameters(logN: 8, r: 8, p: 1)

        package var description: String { "ln=\(logN),r=\(r),p=\(p)" }

        /// Whether these are weaker than `other` in any dimension.
        package func isWeaker(than other: Parameters) -> Bool {
            logN < other.logN || r < other.r || p < other.p
        }
    }

    /// A decoded hash string.
    package struct Hash: Sendable, Equatable {
        package let parameters: Parameters
        package let salt: [UInt8]
        package let key: [UInt8]

        /// Parses `$scrypt$ln=…,r=…,p=…$salt$hash`; nil for anything else.
        package init?(parsing text: String) {
            let parts = text.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
            var values: [String: Int] = [:]
            for field in parts[2].split(separator: ",") {
                let pair = field.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = Int(pair[1]) else { return nil }
                values[String(pair[0])] = value
            }
            guard let logN = values["ln"], let r = values["r"], let p = values["p"],
                  (1...24).contains(logN), (1...64).contains(r), (1...16).contains(p),
                  let salt = Base64URL.decode(String(parts[3])), salt.count >= 8,
                  let key = Base64URL.decode(String(parts[4])), key.count >= 16 else { return nil }
            self.parameters = Parameters(logN: logN, r: r, p: p)
            self.salt = salt
            self.key = key
        }

        package init(parameters: Parameters, salt: [UInt8], key: [UInt8]) {
            self.parameters = parameters
            self.salt = salt
            self.key = key
        }

        package var encoded: String {
            "$scrypt$\(parameters)$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"
        }
    }

    /// The outcome of ``verify(_:against:)``.
    package struct Verification: Sendable, Equatable {
        package let matches: Bool
        /// The password matched, but the stored hash used weaker parameters than the current ones.
        package let needsRehash: Bool

        package init(matches: Bool, needsRehash: Bool) {
            self.matches = matches
            self.needsRehash = needsRehash
        }
    }

    package static let saltByteCount = 16
    package static let keyByteCount = 32
    /// Passwords shorter than this are refused.
    package static let minimumLength = 12
    /// Longer input is refused rather than hashed (a 1 MB "password" would still be hashed quickly
    /// by scrypt, but there is no reason to accept it).
    package static let maximumLength = 1024

    package let parameters: Parameters
    private let queue: OffloadQueue

    package init(parameters: Parameters = .standard, queue: OffloadQueue = .kdf) {
        self.parameters = parameters
        self.queue = queue
    }

    /// Why a new password is refused, in words for the form; nil when it is acceptable.
    package static func problem(with password: String) -> String? {
        let length = password.count
        if length < minimumLength { return "Use at least \(minimumLength) characters (this has \(length))." }
        if password.utf8.count > maximumLength { return "Use at most \(maximumLength) bytes." }
        return nil
    }

    /// A new hash string for `password`, with a fresh random salt.
    package func hash(_ password: String) async throws -> String {
        let parameters = parameters
        let salt = SecureRandom.bytes(Self.saltByteCount)
        return try await queue.run {
            try PasswordHasher.derive(password, salt: salt, parameters: parameters, length: Self.keyByteCount).encoded
        }
    }

    /// A stored-hash string with the current parameters and a random salt and key, which no
    /// password matches (short of finding a 256-bit preimage): verifying against it costs what
    /// verifying a real hash costs, so unknown users take as long as wrong passwords. Made
    /// without running scrypt, so start-up pays neither its time nor its 128 MiB.
    package func unmatchableHash() -> String {
        Hash(parameters: parameters, salt: SecureRandom.bytes(Self.saltByteCount), key: SecureRandom.bytes(Self.keyByteCount)).encoded
    }

    /// Whether `password` matches `stored`, compared in constant time. A malformed stored string
    /// never matches (but still costs a hash, so timing does not tell it apart).
    package func verify(_ password: String, against stored: String) async throws -> Verification {
        let current = parameters
        let parsed = Hash(parsing: stored)
        let target = parsed ?? Hash(parameters: current, salt: [UInt8](repeating: 0, count: 16), key: [UInt8](repeating: 0, count: 32))
        let derived = try await queue.run {
            try PasswordHasher.derive(password, salt: target.salt, parameters: target.parameters, length: target.key.count)
        }
        let matches = parsed != nil && constantTimeEquals(derived.key, target.key)
        return Verification(matches: matches, needsRehash: matches && target.parameters.isWeaker(than: current))
    }

    /// scrypt itself, synchronously (for the offload queue and for tests).
    package static func derive(_ password: String, salt: [UInt8], parameters: Parameters, length: Int) throws -> Hash {
        let key = try KDF.scrypt(
            password: Array(password.utf8), salt: salt, n: UInt64(1) << UInt64(parameters.logN),
            r: UInt64(parameters.r), p: UInt64(parameters.p), length: length)
        return Hash(parameters: parameters, salt: salt, key: key)
    }
}
