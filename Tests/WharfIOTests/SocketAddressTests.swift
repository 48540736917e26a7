import Glibc
import Testing
import WharfIO

@Suite struct SocketAddressTests {
    @Test(arguments: [
        ("127.0.0.1", SocketAddress.Family.ipv4, "127.0.0.1"),
        ("0.0.0.0", .ipv4, "0.0.0.0"),
        ("255.255.255.255", .ipv4, "255.255.255.255"),
        ("10.0.99.100", .ipv4, "10.0.99.100"),
        ("192.168.9.10", .ipv4, "192.168.9.10"),
        ("::1", .ipv6, "::1"),
        ("[::1]", .ipv6, "::1"),
        ("fe80::1:2", .ipv6, "fe80::1:2"),
        ("::ffff:10.0.0.1", .ipv6, "::ffff:10.0.0.1"),
        ("2001:DB8::A", .ipv6, "2001:db8::a"),
    ])
    func numericAddressParsesToItsFamilyAndCanonicalHost(_ text: String, _ family: SocketAddress.Family, _ host: String) throws {
        let address = try SocketAddress(ip: text, port: 8080)
        #expect(address.family == family)
        #expect(address.host == host)
        #expect(address.port == 8080)
    }

    @Test(arguments: ["localhost", "", "1.2.3", "256.0.0.1", "1.2.3.4.5", "::1::2", "[::1", "::1]", "[127.0.0.1]x", " 127.0.0.1", "fe80::1%lo"])
    func textThatIsNotANumericAddressIsRefused(_ text: String) {
        #expect(throws: IOError.invalidAddress(text)) { try SocketAddress(ip: text, port: 1) }
    }

    @Test func descriptionBracketsIPv6() throws {
        #expect(try SocketAddress(ip: "127.0.0.1", port: 80).description == "127.0.0.1:80")
        #expect(try SocketAddress(ip: "::1", port: 443).description == "[::1]:443")
        #expect(try SocketAddress(unixPath: "/run/wharf.sock").description == "unix:/run/wharf.sock")
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", UInt16(8080)),
        ("[::1]:9000", "::1", 9000),
        (":7000", "0.0.0.0", 7000),
        ("10.1.2.3:0", "10.1.2.3", 0),
    ])
    func hostPortTextParses(_ text: String, _ host: String, _ port: UInt16) throws {
        let address = try SocketAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "[::1]", "localhost:80", "::1", "127.0.0.1:80x"])
    func hostPortTextWithoutAValidPortOrNumericHostIsRefused(_ text: String) {
        #expect(throws: IOError.self) { try SocketAddress(parsing: text) }
    }

    @Test func equalAddressesAreEqualAndHashAlike() throws {
        let a = try SocketAddress(ip: "::1", port: 1)
        let b = try SocketAddress(ip: "[::1]", port: 1)
        let c = try SocketAddress(ip: "::1", port: 2)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
    }

    @Test func unixPathThatFitsIsKeptWhole() throws {
        let path = "/tmp/" + String(repeating: "p", count: 107 - 5)
        #expect(path.utf8.count == 107)
        let address = try SocketAddress(unixPath: path)
        #expect(address.family == .unix)
        #expect(address.host == path)
        #expect(address.port == nil)
    }

    @Test(arguments: [108, 109, 200])
    func unixPathTooLongIsRefusedNeverTruncated(_ length: Int) {
        let path = "/tmp/" + String(repeating: "p", count: length - 5)
        #expect(throws: IOError.pathTooLong(path)) { try SocketAddress(unixPath: path) }
    }

    @Test func unixPathWithNulOrEmptyIsRefused() {
        #expect(throws: IOError.self) { try SocketAddress(unixPath: "") }
        #expect(throws: IOError.self) { try SocketAddress(unixPath: "/tmp/a\u{0}b") }
    }

    @Test func resolveReturnsNumericHostsWithoutALookup() async throws {
        #expect(try await SocketAddress.resolve(host: "::1", port: 5) == [try SocketAddress(ip: "::1", port: 5)])
    }

    @Test func resolveFindsLocalhost() async throws {
        let addresses = try await SocketAddress.resolve(host: "localhost", port: 80)
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.port == 80 && ($0.host == "127.0.0.1" || $0.host == "::1") })
    }
}

/// What a client is counted as for per-client limits.
@Suite struct ClientAddressKeyTests {
    @Test func ipv4IsCountedWhole() throws {
        #expect(try SocketAddress(ip: "192.0.2.7", port: 1).clientKey == .ipv4(0xC000_0207))
        #expect(try SocketAddress(ip: "192.0.2.7", port: 2).clientKey == SocketAddress(ip: "192.0.2.7", port: 9).clientKey)
        #expect(try SocketAddress(ip: "192.0.2.7", port: 1).clientKey != SocketAddress(ip: "192.0.2.8", port: 1).clientKey)
    }

    @Test func ipv6IsCountedPerSlash64() throws {
        let a = try SocketAddress(ip: "2001:db8:1:2:aaaa::1", port: 1).clientKey
        let b = try SocketAddress(ip: "2001:db8:1:2:ffff:ffff:ffff:ffff", port: 1).clientKey
        let other = try SocketAddress(ip: "2001:db8:1:3::1", port: 1).clientKey
        #expect(a == .ipv6(0x2001_0db8_0001_0002))
        #expect(a == b)
        #expect(a != other)
        #expect(a?.description == "2001:db8:1:2::/64")
    }

    @Test func ipv4MappedIPv6CountsAsIPv4() throws {
        #expect(try SocketAddress(ip: "::ffff:192.0.2.7", port: 1).clientKey == .ipv4(0xC000_0207))
    }

    @Test func loopbackAndUnix() throws {
        #expect(try SocketAddress(ip: "127.0.0.1", port: 1).isLoopback)
        #expect(try SocketAddress(ip: "127.3.2.1", port: 1).isLoopback)
        #expect(try SocketAddress(ip: "::1", port: 1).isLoopback)
        #expect(try SocketAddress(ip: "::ffff:127.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ip: "192.0.2.7", port: 1).isLoopback)
        #expect(try !SocketAddress(ip: "::2", port: 1).isLoopback)
        #expect(try SocketAddress(unixPath: "/tmp/x.sock").clientKey == nil)
        #expect(try !SocketAddress(unixPath: "/tmp/x.sock").isLoopback)
    }
}
