package import WharfDocker
import WharfTLS

/// What an admin submits to add or change a host, before it is checked. Empty PEM fields are nil.
package struct HostInput: Sendable, Equatable {
    package var name: String
    package var url: String
    package var certificateAuthorityPEM: String?
    package var certificatePEM: String?
    package var keyPEM: String?

    package init(name: String, url: String, certificateAuthorityPEM: String? = nil, certificatePEM: String? = nil, keyPEM: String? = nil) {
        self.name = Self.trim(name)
        self.url = Self.trim(url)
        self.certificateAuthorityPEM = Self.blankToNil(certificateAuthorityPEM)
        self.certificatePEM = Self.blankToNil(certificatePEM)
        self.keyPEM = Self.blankToNil(keyPEM)
    }

    private static func blankToNil(_ text: String?) -> String? {
        guard let text else { return nil }
        let trimmed = trim(text)
        return trimmed.isEmpty ? nil : trimmed + "\n"
    }

    /// `text` without leading and trailing white space (spaces, tabs, CR, LF).
    static func trim(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[start...end])
    }

    /// The form fields, as named in forms, errors and ``HostError/invalid(_:)``.
    package enum Field: String, Sendable, CaseIterable {
        case name, url, ca = "tls_ca", cert = "tls_cert", key = "tls_key"
    }

    /// Why `name` cannot name a host, nil when it can.
    package static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "Give the host a name." }
        if name.utf8.count > 64 { return "Use at most 64 characters." }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed else { return "Use only letters, digits, dots, dashes and underscores (e.g. prod-web-1)." }
        // `/hosts/<name>` addresses a host by name: a name must not read as an id, nor as the
        // fixed `/hosts/new` (under which the add form, "Test connection" and the one-click local
        // registration live), nor as a relative path segment.
        if name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return "Use at least one letter: numbers alone are host ids." }
        if reservedNames.contains(name.lowercased()) { return "\(name) is reserved for Wharf's own pages; choose another name." }
        return nil
    }

    /// Names that would clash with fixed paths under `/hosts/`.
    static let reservedNames: Set<String> = ["new", ".", ".."]

    /// Checks every field; `keyPEM` is the key to use when the form's key field is empty (the
    /// stored one, on edit). Returns the problems by field, or the endpoint the host will use.
    package func validate(keepingKey storedKey: String?) -> Result<DockerEndpoint, HostError> {
        var problems: [Field: String] = [:]
        if let problem = Self.nameProblem(name) { problems[.name] = problem }
        let key = keyPEM ?? (certificatePEM != nil ? storedKey : nil)
        let scheme = urlProblem()
        if let problem = scheme.problem { problems[.url] = problem }
        var context: TLSContext?
        if scheme.isUnix, certificateAuthorityPEM != nil || certificatePEM != nil || keyPEM != nil {
            problems[.ca] = "A unix socket does not use TLS: leave the certificate fields empty, or use an https:// address."
        } else if scheme.isHTTPS, certificateAuthorityPEM == nil {
            problems[.ca] = "An https:// host needs the CA certificate that signed the engine's certificate (Docker's ca.pem)."
        } else if let ca = certificateAuthorityPEM {
            let configuration = TLSClientConfiguration(
                certificateAuthorityPEM: Array(ca.utf8), certificatePEM: certificatePEM.map { Array($0.utf8) },
                privateKeyPEM: key.map { Array($0.utf8) })
            do {
                // The certificate alone first: a key pasted in its place is reported as such,
                // not as a missing key.
                if let certificate = certificatePEM { _ = try CertificateInfo.parse(pem: Array(certificate.utf8), as: .certificate) }
                context = try TLSContext(client: configuration)
            } catch {
                problems[Self.field(for: error)] = error.description
            }
        } else if certificatePEM != nil || keyPEM != nil {
            problems[.ca] = "A client certificate needs the CA certificate too: paste Docker's ca.pem, and use an https:// address."
        }
        if !problems.isEmpty { return .failure(.invalid(problems)) }
        do {
            return .success(try DockerEndpoint(parsing: url, tls: context))
        } catch {
            return .failure(.invalid([.url: error.description]))
        }
    }

    /// Which field a TLS configuration error is about.
    static func field(for error: TLSError) -> Field {
        switch error {
        case .notPEM(let input), .unexpectedPEM(let input, _), .unreadablePEM(let input, _), .incompleteClientIdentity(let input):
            switch input {
            case .certificateAuthority: .ca
            case .certificate, .serverCertificate: .cert
            case .privateKey, .serverPrivateKey: .key
            }
        case .encryptedPrivateKey, .keyDoesNotMatchCertificate: .key
        default: .ca
        }
    }

    /// The URL's problem, if any, and its kind.
    private func urlProblem() -> (problem: String?, isUnix: Bool, isHTTPS: Bool) {
        let example = "Use unix:///var/run/docker.sock, tcp://host:2375 or https://host:2376."
        if url.isEmpty { return ("Give the engine's address. " + example, false, false) }
        if url.hasPrefix("unix://") {
            return (url.hasPrefix("unix:///") && url.count > 8 ? nil : "A unix socket address has an absolute path: unix:///var/run/docker.sock.", true, false)
        }
        let isHTTPS = url.hasPrefix("https://")
        guard isHTTPS || url.hasPrefix("tcp://") else { return ("Unknown scheme. " + example, false, false) }
        let authority = url.dropFirst(isHTTPS ? 8 : 6).split(separator: "/", omittingEmptySubsequences: false).first ?? ""
        guard let colon = authority.lastIndex(of: ":"), !authority[..<colon].isEmpty,
              let port = UInt16(authority[authority.index(after: colon)...]), port > 0 else {
            return ("Give the host and port, e.g. \(isHTTPS ? "https://docker.example:2376" : "tcp://10.0.0.5:2375").", false, isHTTPS)
        }
        return (nil, false, isHTTPS)
    }
}

/// Why a host change was refused.
package enum HostError: Error, Equatable, CustomStringConvertible {
    /// Field → what is wrong with it.
    case invalid([HostInput.Field: String])
    case notFound(String)

    package var description: String {
        switch self {
        case .invalid(let problems):
            HostInput.Field.allCases.compactMap { field in problems[field].map { "\(field.label): \($0)" } }.joined(separator: " ")
        case .notFound(let reference): "There is no host \(reference)."
        }
    }
}

extension HostInput.Field {
    package var label: String {
        switch self {
        case .name: "Name"
        case .url: "Address"
        case .ca: "CA certificate"
        case .cert: "Client certificate"
        case .key: "Client key"
        }
    }
}
