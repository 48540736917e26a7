import Testing
@testable import WharfDocker
import WharfWire

@Suite struct RequestBuildingTests {
    @Test func pathSegmentsArePercentEncoded() {
        #expect(DockerPath("containers", "web", "json").encoded == "/containers/web/json")
        #expect(DockerPath("containers", "../images", "json").encoded == "/containers/..%2Fimages/json")
        #expect(DockerPath("images", "127.0.0.1:5000/a/b:latest", "json").encoded
            == "/images/127.0.0.1%3A5000%2Fa%2Fb%3Alatest/json")
        #expect(DockerPath("x", "a b?c#d&e").encoded == "/x/a%20b%3Fc%23d%26e")
        #expect(DockerPath("x", "é").encoded == "/x/%C3%A9")
        #expect(DockerPath().encoded == "/")
        #expect(DockerPath("a").appending("b c").encoded == "/a/b%20c")
    }

    @Test func queryKeepsOrderAndEncodesValues() {
        var query = DockerQuery()
        query.add("all", true)
        query.add("limit", 5)
        query.add("skipped", nil as String?)
        query.add("fromImage", "127.0.0.1:5000/x")
        query.add("t", "a&b=c")
        #expect(query.encoded == "all=true&limit=5&fromImage=127.0.0.1%3A5000%2Fx&t=a%26b%3Dc")
    }

    @Test func filtersAreTheAPIsJSONMap() {
        var filters = DockerFilters()
        filters.add("status", "exited")
        filters.add("label", "a=b")
        filters.add("label", "c")
        #expect(filters.json == #"{"label":["a=b","c"],"status":["exited"]}"#)
        var query = DockerQuery()
        query.add("filters", filters)
        query.add("empty", DockerFilters())
        #expect(query.encoded == "filters=%7B%22label%22%3A%5B%22a%3Db%22%2C%22c%22%5D%2C%22status%22%3A%5B%22exited%22%5D%7D")
    }

    @Test func targetCarriesTheVersionPrefix() {
        var request = DockerRequest("GET", DockerPath("info"), query: ["a": "1"])
        #expect(request.target(version: DockerAPIVersion(major: 1, minor: 41)) == "/v1.41/info?a=1")
        request.isVersioned = false
        #expect(request.target(version: DockerAPIVersion(major: 1, minor: 41)) == "/info?a=1")
    }

    @Test func headerValuesCannotInjectLines() {
        var request = DockerRequest("GET", DockerPath("info"))
        request.headers.add("X-Registry-Auth", "abc\r\nEvil: 1")
        #expect(throws: DockerError.self) {
            try RequestHeadEncoder.encode(request, version: nil, host: "docker", extra: [])
        }
    }

    @Test func theUserAgentIsWharfsUnlessTheRequestCarriesOne() throws {
        var request = DockerRequest("GET", DockerPath("info"))
        let own = String(decoding: try RequestHeadEncoder.encode(request, version: nil, host: "docker", extra: []), as: UTF8.self)
        #expect(own.contains("\r\nUser-Agent: Wharf\r\n"))
        request.headers.add("User-Agent", "Docker-Client/20.10.24 (linux)")
        let passed = String(decoding: try RequestHeadEncoder.encode(request, version: nil, host: "docker", extra: []), as: UTF8.self)
        #expect(passed.contains("\r\nUser-Agent: Docker-Client/20.10.24 (linux)\r\n"))
        #expect(!passed.contains("Wharf"), "one User-Agent, the client's")
    }

    @Test func endpointsParse() throws {
        guard case .unix(let path) = try DockerEndpoint(parsing: "unix:///var/run/docker.sock") else {
            Issue.record("not unix")
            return
        }
        #expect(path == "/var/run/docker.sock")
        guard case .tcp(let host, let port) = try DockerEndpoint(parsing: "tcp://10.0.0.5:2376/") else {
            Issue.record("not tcp")
            return
        }
        #expect(host == "10.0.0.5" && port == 2376)
        guard case .tcp(let v6, let defaultPort) = try DockerEndpoint(parsing: "tcp://[::1]") else {
            Issue.record("not tcp")
            return
        }
        #expect(v6 == "::1" && defaultPort == 2375)
        for bad in ["ftp://x", "unix://relative", "tcp://", "tcp://host:0", "tcp://host:99999", "tcp://u@h:1", "tcp://h:1/path"] {
            #expect(throws: DockerError.self, "\(bad)") { try DockerEndpoint(parsing: bad) }
        }
    }

    @Test func versionsCompareNumericallyAndNegotiate() {
        let v = { (text: String) in DockerAPIVersion(text) }
        #expect(v("1.9")! < v("1.41")!)
        #expect(v("1.x") == nil && v("141") == nil && v("") == nil)
        #expect(DockerAPIVersion.negotiate(engine: v("1.45")!) == DockerAPIVersion.newest)
        #expect(DockerAPIVersion.negotiate(engine: v("1.41")!) == v("1.41"))
        #expect(DockerAPIVersion.negotiate(engine: v("1.40")!) == nil)
    }
}
