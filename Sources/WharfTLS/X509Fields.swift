internal import COpenSSL
internal import Glibc

/// Reads the fields Wharf shows or reports out of a borrowed `X509*` (never freed here).
enum X509Fields {
    static func subject(_ certificate: OpaquePointer) -> String { name(X509_get_subject_name(certificate)) }
    static func issuer(_ certificate: OpaquePointer) -> String { name(X509_get_issuer_name(certificate)) }

    /// A distinguished name in certificate order, "CN=Wharf Test CA, O=Example" (`X509_NAME_print_ex`).
    static func name(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, COpenSSL_name_print_flags()) >= 0 else { return "" }
        return memoryBIOText(bio)
    }

    /// The subjectAltName entries as "DNS:name", "IP:address", "email:…", "URI:…", in certificate order.
    static func subjectAlternativeNames(_ certificate: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [String] = []
        for index in 0..<COpenSSL_GENERAL_NAMES_count(names) {
            guard let entry = COpenSSL_GENERAL_NAMES_value(names, index),
                  let string = COpenSSL_GENERAL_NAME_string(entry) else { continue }
            let bytes = asn1Bytes(string)
            switch COpenSSL_GENERAL_NAME_type(entry) {
            case GEN_DNS: result.append("DNS:" + String(decoding: bytes, as: UTF8.self))
            case GEN_EMAIL: result.append("email:" + String(decoding: bytes, as: UTF8.self))
            case GEN_URI: result.append("URI:" + String(decoding: bytes, as: UTF8.self))
            case GEN_IPADD: result.append("IP:" + ipAddress(bytes))
            default: continue
            }
        }
        return result
    }

    static func notBefore(_ certificate: OpaquePointer) -> Int64 { unixTime(X509_get0_notBefore(certificate)) }
    static func notAfter(_ certificate: OpaquePointer) -> Int64 { unixTime(X509_get0_notAfter(certificate)) }

    /// The serial number's magnitude as lowercase hex ("-" first when negative, which RFC 5280 forbids
    /// but old certificates have).
    static func serialNumberHex(_ certificate: OpaquePointer) -> String {
        guard let serial = X509_get0_serialNumber(certificate) else { return "" }
        let hex = Hex.encode(asn1Bytes(serial))
        return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : hex
    }

    /// SHA-256 over the DER encoding, as lowercase hex (what `openssl x509 -fingerprint -sha256` shows).
    static func sha256FingerprintHex(_ certificate: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { X509_digest(certificate, EVP_sha256(), $0.baseAddress, &length) }
        return status == 1 ? Hex.encode(digest.prefix(Int(length))) : ""
    }

    // MARK: Helpers

    /// An `ASN1_TIME` as Unix seconds (`ASN1_TIME_to_tm` then `timegm`); 0 when unreadable.
    private static func unixTime(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }

    private static func asn1Bytes(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let count = Int(ASN1_STRING_length(string))
        guard count > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// Four or sixteen octets as a dotted quad or RFC 5952 text (`inet_ntop`).
    static func ipAddress(_ octets: [UInt8]) -> String {
        let family: Int32
        switch octets.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return Hex.encode(octets)
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = octets.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil }
        return ok ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : Hex.encode(octets)
    }

    /// The bytes written to a memory BIO, as UTF-8 text.
    static func memoryBIOText(_ bio: OpaquePointer) -> String {
        var data: UnsafeMutablePointer<CChar>?
        let count = COpenSSL_BIO_get_mem_data(bio, &data)
        guard count > 0, let data else { return "" }
        return UnsafeRawBufferPointer(start: data, count: count).withMemoryRebound(to: UInt8.self) {
            String(decoding: $0, as: UTF8.self)
        }
    }
}
