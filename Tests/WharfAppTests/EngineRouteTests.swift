import Testing
import WharfWire
import WharfDocker
import WharfHTTP
@testable import WharfApp

/// The endpoint's reading of Engine API targets and its allowlist.
@Suite struct EngineRouteTests {
    func target(_ path: String, _ query: String? = nil) throws -> EngineTarget {
        try EngineTarget(rawPath: path, rawQuery: query)
    }

    func match(_ method: HTTPMethod, _ path: String) throws -> (String, String?)? {
        let target = try target(path)
        return EngineRoutes.match(method, target.segments).map { ($0.route.call, $0.target) }
    }

    @Test func versionsAreOptionalAndKept() throws {
        let versioned = try target("v1.41/containers/json", "all=1&filters=%7B%22a%22%3A%5B%22b%22%5D%7D")
        #expect(versioned.version == "v1.41")
        #expect(versioned.segments == ["containers", "json"])
        #expect(versioned.forwardPath.encoded == "/v1.41/containers/json")
        #expect(versioned.value("filters") == #"{"a":["b"]}"#)
        let plain = try target("_ping")
        #expect(plain.version == nil)
        #expect(plain.forwardPath.encoded == "/_ping")
    }

    @Test func pathsAreDecodedAsTheEngineDecodesThem() throws {
        #expect(try match(.post, "v1.41/images/127.0.0.1:5000/a/b/push")?.1 == "127.0.0.1:5000/a/b")
        #expect(try match(.post, "v1.41/images/127.0.0.1%3A5000%2Fa%2Fb/push")?.1 == "127.0.0.1:5000/a/b")
        #expect(try match(.get, "v1.41/images/get/json")?.0 == "GET /images/{name}/json")
        #expect(try match(.get, "images/get")?.0 == "GET /images/get")
        #expect(try match(.post, "containers/create")?.0 == "POST /containers/create")
        #expect(try match(.delete, "containers/abc")?.1 == "abc")
        #expect(try match(.head, "containers/abc/archive")?.0 == "HEAD /containers/{id}/archive")
        // An encoded slash in a container id would make the engine see another path: refused by the allowlist.
        #expect(try match(.get, "containers/a%2Fb/json") == nil)
        #expect(try match(.post, "plugins/pull")?.0 == "POST /plugins/pull")
        #expect(try match(.post, "containers/abc/frobnicate") == nil)
        #expect(try match(.get, "v1.41") == nil)
    }

    @Test(arguments: ["containers/../plugins/pull", "containers//json", "./_ping", "a%zz", "%ff"])
    func ambiguousPathsAreRefused(path: String) {
        #expect(throws: EngineTarget.Refusal.self) { try EngineTarget(rawPath: path, rawQuery: nil) }
    }

    @Test func semicolonsAndTokensInTheQuery() throws {
        #expect(throws: EngineTarget.Refusal.self) { try EngineTarget(rawPath: "build", rawQuery: "t=a;remote=x") }
        #expect(try target("info", "access_token=x").carriesToken)
        #expect(try target("info", "x=wharf_abcdefgh_" + String(repeating: "A", count: 43)).carriesToken)
        #expect(try target("containers/json", "filters=%7B%22name%22%3A%5B%22wharf_test%22%5D%7D").carriesToken == false)
    }

    @Test func viewersReadOperatorsActAdminsNeedTheHostSetting() throws {
        func refusal(_ access: EndpointPolicy.HostAccess, _ method: HTTPMethod, _ path: String, _ query: String? = nil,
                     capabilities: Set<EndpointCapability> = []) throws -> String? {
            let target = try target(path, query)
            guard let (route, _) = EngineRoutes.match(method, target.segments) else { return "unlisted" }
            return EndpointPolicy(access: access, hostName: "h", capabilities: capabilities).refusal(for: route, target: target)?.rule
        }
        #expect(try refusal(.viewer, .get, "containers/json") == nil)
        #expect(try refusal(.viewer, .get, "containers/x/logs") == nil)
        #expect(try refusal(.viewer, .post, "containers/create") == "viewers read only")
        #expect(try refusal(.viewer, .get, "containers/x/export") == "viewers read only")
        #expect(try refusal(.viewer, .get, "containers/x/archive") == "viewers read only")
        #expect(try refusal(.viewer, .post, "containers/x/attach") == "viewers read only")
        #expect(try refusal(.operator, .post, "containers/create") == nil)
        #expect(try refusal(.operator, .post, "plugins/pull") == "admins only: plugins")
        #expect(try refusal(.admin, .post, "plugins/pull") == "host setting off: plugins")
        #expect(try refusal(.admin, .post, "plugins/pull", capabilities: [.plugins]) == nil)
        #expect(try refusal(.operator, .post, "swarm/init") == "admins only: cluster")
        #expect(try refusal(.admin, .post, "session") == "host setting off: buildkit")
        #expect(try refusal(.operator, .post, "build", "remote=https%3A%2F%2Fexample.com%2Fx.git") == "admins only: remote-build")
        #expect(try refusal(.operator, .post, "build", "t=a&networkmode=host") == "operator build check")
        #expect(try refusal(.admin, .post, "build", "networkmode=host", capabilities: [.hostAccess]) == nil)
        #expect(try refusal(.operator, .post, "images/create", "fromSrc=http%3A%2F%2Fx") == "admins only: remote-build")
        #expect(try refusal(.operator, .post, "images/create", "fromImage=busybox&tag=latest") == nil)
    }
}

@Suite struct DockerEndpointPathTests {
    @Test func theEndpointOwnsItsPrefixOnly() {
        #expect(DockerEndpointRoutes.owns("/api/v1/hosts/engine-b/docker"))
        #expect(DockerEndpointRoutes.owns("/api/v1/hosts/1/docker/v1.41/containers/create"))
        #expect(!DockerEndpointRoutes.owns("/api/v1/hosts/1/dockers/x"))
        #expect(!DockerEndpointRoutes.owns("/api/hosts/1/docker/_ping"))
    }

    @Test func theClientsHeadersPassButWharfsCredentialAndTheConnectionsDoNot() {
        let headers: HTTPHeaders = [
            "Authorization": "Bearer wharf_x", "User-Agent": "Docker-Client/20.10.24 (linux)", "X-Registry-Auth": "e30=",
            "Connection": "Upgrade, X-Hop", "Upgrade": "tcp", "X-Hop": "1", "Content-Type": "application/json", "Host": "w:1",
        ]
        let forwarded = DockerEndpointForwarder.forwardedHeaders(headers, body: .bytes([1], contentType: "application/json"))
        #expect(forwarded["User-Agent"] == "Docker-Client/20.10.24 (linux)")
        #expect(forwarded["X-Registry-Auth"] == "e30=")
        for dropped in ["Authorization", "Connection", "Upgrade", "X-Hop", "Content-Type", "Host"] {
            #expect(forwarded[dropped] == nil, "\(dropped)")
        }
    }

    @Test func onlyTheEnginesHijackingCallsSwitch() {
        for template in DockerEndpointSession.hijacking {
            #expect(EngineRoutes.all.contains { $0.template == template }, "\(template) is on the allowlist")
        }
        #expect(!DockerEndpointSession.hijacking.contains("/containers/{id}/logs"))
    }
}
