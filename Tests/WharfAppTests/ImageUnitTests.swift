import Testing
@testable import WharfApp
import WharfDocker
import WharfHTTP

/// Pure pieces of the image pages: references, build options, the layer and build folds,
/// registry addresses, prune filters.
@Suite struct ImageUnitTests {
    @Test func referencesAreReadAsTheDockerCLIReadsThem() throws {
        let cases: [(String, String?, String?, String?)] = [
            ("busybox", "busybox", "latest", nil),
            ("busybox:1.36", "busybox", "1.36", nil),
            ("localhost:5000/team/app:1.0", "localhost:5000/team/app", "1.0", nil),
            ("Registry.Example.com:5000/a/b", "Registry.Example.com:5000/a/b", "latest", nil),
            ("busybox@sha256:" + String(repeating: "ab", count: 32), "busybox", nil, "sha256:" + String(repeating: "ab", count: 32)),
            ("UPPER/case", nil, nil, nil), ("a//b", nil, nil, nil), ("busybox:", nil, nil, nil), ("-lead:1", nil, nil, nil),
            ("busybox:" + String(repeating: "t", count: 129), nil, nil, nil), ("", nil, nil, nil),
        ]
        for (text, repository, tag, digest) in cases {
            let reference = ImageReference(text)
            #expect(reference?.repository == repository, "\(text)")
            #expect(reference?.tag == tag, "\(text)")
            #expect(reference?.digest == digest, "\(text)")
        }
        #expect(ImageReference("web", defaultTag: nil)?.description == "web")
        #expect(Registry.domain(of: "busybox") == "docker.io")
        #expect(Registry.domain(of: "team/app") == "docker.io")
        #expect(Registry.domain(of: "127.0.0.1:5000/team/app") == "127.0.0.1:5000")
        #expect(Registry.domain(of: "localhost/app") == "localhost")
        #expect(Registry.normalize("https://Index.Docker.io/v1/") == "docker.io")
        #expect(Registry.normalize("Registry.Example.com:5000/") == "registry.example.com:5000")
        for address in [":", ":5000", "registry:", "https://", "registry:99999", "reg istry"] {
            let input = RegistryService.Input(address: address, username: "ops", password: "secret")
            #expect(throws: FieldErrors.self, "\(address)") { _ = try input.checked(requirePassword: true) }
        }
        #expect(try RegistryService.Input(address: "registry.example.com:5000", username: "ops", password: "secret")
            .checked(requirePassword: true).address == "registry.example.com:5000")
    }

    @Test func buildOptionsAreReadPerFieldAndBuildArgValuesAreNotRecorded() throws {
        let fields: [String: [String]] = [
            "tags": ["web:1.2, web:latest"], "t": ["registry:5000/team/web:1"], "buildargs": ["TOKEN=hunter2\nVERSION=1"],
            "label": ["team=ops"], "target": ["build"], "nocache": ["1"], "keep": ["1"], "memory": ["512m"], "platform": ["linux/arm64/v8"],
            "dockerfile": ["docker/app.Dockerfile"],
        ]
        let request = try BuildRequest { fields[$0] ?? [] }
        #expect(request.options.tags == ["registry:5000/team/web:1", "web:1.2", "web:latest"])
        #expect(request.options.buildArgs == ["TOKEN": "hunter2", "VERSION": "1"])
        #expect(request.options.labels == ["team": "ops"])
        #expect(request.options.noCache && !request.options.remove)
        #expect(request.options.memory == Int64(512 * 1024 * 1024))
        #expect(request.options.dockerfile == "docker/app.Dockerfile")
        #expect(request.parameters["buildargs"] == "TOKEN VERSION")
        #expect(!request.parameters.values.contains { $0.contains("hunter2") })
        #expect(request.target == "registry:5000/team/web:1")

        let bad: [String: [String]] = [
            "tags": ["Bad Tag"], "buildargs": ["1X=y"], "memory": ["5k"], "platform": ["linux//amd64"], "dockerfile": ["../Dockerfile"],
            "nocache": ["maybe"], "target": ["a b"],
        ]
        #expect(throws: FieldErrors.self) { _ = try BuildRequest { bad[$0] ?? [] } }
        do {
            _ = try BuildRequest { bad[$0] ?? [] }
        } catch let error as FieldErrors {
            #expect(Set(error.fieldErrors.keys) == ["tags", "buildargs", "memory", "platform", "dockerfile", "nocache", "target"])
        }
        let typed = try BuildRequest { $0 == "dockerfile_text" ? ["FROM busybox"] : [] }
        #expect(typed.options.dockerfile == BuildRequest.typedDockerfileName && typed.parameters["dockerfile"] == "(typed)")
        #expect(typed.options.remove, "rm by default")
    }

    static func message(_ status: String, id: String? = "0123456789ab", current: Int64? = nil, total: Int64? = nil) -> DockerProgressMessage {
        var message = DockerProgressMessage(status: status, id: id)
        if current != nil || total != nil {
            message.progressDetail = try? JSONDecoderShim.detail(current: current, total: total)
        }
        return message
    }

    @Test func pullProgressFoldsIntoOneStatePerLayerLikeTheDockerCLI() {
        var fold = LayerProgress()
        #expect(fold.fold(Self.message("Pulling from wharf-test/bigdata", id: "latest")) == .line("latest: Pulling from wharf-test/bigdata"))
        guard case .layer(let waiting) = fold.fold(Self.message("Pulling fs layer")) else { Issue.record("no layer"); return }
        #expect(waiting.phase == "waiting" && waiting.percent == 0)
        guard case .layer(let half) = fold.fold(Self.message("Downloading", current: 5 * 1024 * 1024, total: 10 * 1024 * 1024)) else {
            Issue.record("no download state"); return
        }
        #expect(half.phase == "downloading" && half.percent == 25 && half.detail == "5.0 MiB / 10.0 MiB")
        #expect(fold.fold(Self.message("Downloading", current: 5 * 1024 * 1024 + 10, total: 10 * 1024 * 1024)) == nil, "the same whole percent: no event")
        #expect(fold.fold(Self.message("Already exists", id: "ba9876543210"))?.isLayer == true)
        guard case .layer(let done) = fold.fold(Self.message("Pull complete")) else { Issue.record("no end"); return }
        #expect(done.phase == "complete" && done.percent == 100 && done.overall == 100)
        #expect(fold.layers.count == 2)
        #expect(fold.fold(DockerProgressMessage(status: "Digest: sha256:abc")) == .line("Digest: sha256:abc"))
        #expect(fold.fold(DockerProgressMessage(status: "Digest: sha256:abc")) == nil, "a repeated line once")
        var push = LayerProgress()
        #expect(push.fold(Self.message("Mounted from team/base"))?.isLayer == true)
        #expect(push.layers.first?.phase == "exists")
    }

    @Test func buildOutputIsCutIntoLinesAndStepsAtEverySplit() {
        let text = "Step 1/3 : FROM busybox\n ---> abc\nStep 2/3 : RUN echo hi\nhi\nStep 3/3 : LABEL a=\"<img src=x>\"\r\nSuccessfully built abc\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var output = BuildOutput()
            var folds: [BuildOutput.Fold] = []
            for part in [bytes[..<split], bytes[split...]] {
                folds += output.fold(DockerProgressMessage(stream: String(decoding: part, as: UTF8.self)))
            }
            folds += output.flush()
            #expect(folds == [
                .step(JobStep(number: 1, total: 3, text: "FROM busybox")), .line(" ---> abc"),
                .step(JobStep(number: 2, total: 3, text: "RUN echo hi")), .line("hi"),
                .step(JobStep(number: 3, total: 3, text: "LABEL a=\"<img src=x>\"")), .line("Successfully built abc"),
            ], "split at \(split)")
        }
        #expect(BuildOutput.step("Step x/3 : RUN") == nil)
        #expect(BuildOutput.step("Stepping 1/2 : x") == nil)
    }

    @Test func pruneFiltersMatchTimesAndLabels() throws {
        let filters = try PruneFilters(until: "24h", labels: ["team=ops", "!keep"], now: 100_000)
        #expect(filters.matches(created: 100_000 - 90_000, labels: ["team": "ops"]))
        #expect(!filters.matches(created: 100_000 - 3600, labels: ["team": "ops"]), "too new")
        #expect(!filters.matches(created: 0, labels: ["team": "ops", "keep": "1"]))
        #expect(!filters.matches(created: 0, labels: ["team": "dev"]))
        #expect(throws: FieldErrors.self) { _ = try PruneFilters(until: "soon", labels: [], now: 0) }
    }

    /// What schemathesis sent once and the server trapped on: a bare `!` (or `=`, `!=`) label
    /// indexed an empty split, and a duration too long for an Int64 trapped in the conversion.
    @Test func pruneFiltersTakeDegenerateLabelsAndHugeDurations() throws {
        let labels = ["team": "ops"]
        #expect(try PruneFilters(until: nil, labels: ["!", "!=", ""], now: 0).matches(created: 0, labels: labels))
        #expect(try !PruneFilters(until: nil, labels: ["="], now: 0).matches(created: 0, labels: labels), "the empty key, empty value")
        #expect(try !PruneFilters(until: nil, labels: ["!"], now: 0).matches(created: 0, labels: ["": "x"]))
        for until in ["1e300h", "infh", "9e18s", "1e15d", "nanm"] {
            #expect(throws: FieldErrors.self, "\(until)") { _ = try PruneFilters(until: until, labels: [], now: 100_000) }
        }
        #expect(try PruneFilters(until: "1000d", labels: [], now: 100_000_000).before == 100_000_000 - 86_400_000)
    }
}

extension LayerProgress.Fold {
    var isLayer: Bool { if case .layer = self { true } else { false } }
}

/// Builds a `ProgressDetail` (its memberwise init is internal to WharfDocker) the way the engine's
/// JSON does.
enum JSONDecoderShim {
    static func detail(current: Int64?, total: Int64?) throws -> DockerProgressMessage.ProgressDetail {
        var fields: [String] = []
        if let current { fields.append("\"current\":\(current)") }
        if let total { fields.append("\"total\":\(total)") }
        return try JSONBody.decode(DockerProgressMessage.ProgressDetail.self, from: Array("{\(fields.joined(separator: ","))}".utf8))
    }
}

extension ImageUnitTests {
    /// The jobs list's filters: the page's form sends every field, so there empty is any; the
    /// API refuses an empty value, a filter given twice and a value outside its set with a 400
    /// (found by schemathesis).
    @Test func jobListFiltersTakeOneValueEachAndEmptyMeansAnyOnlyInTheForm() throws {
        let empty = "/jobs?host=&kind=&status=&user=&limit="
        #expect(try JobQuery(HTTPRequest.make(.get, empty), form: true) == JobQuery())
        #expect(throws: HTTPError.self) { try JobQuery(HTTPRequest.make(.get, "/api/v1" + empty)) }
        let some = try JobQuery(HTTPRequest.make(.get, "/api/v1/jobs?kind=build&status=failed&limit=900&before=7"))
        #expect(some.filter.kind == .build && some.filter.status == .failed && some.limit == 500 && some.before == 7)
        for query in ["limit=&limit=3", "kind=build&kind=pull", "kind=bake", "limit=0", "host=x", "host="] {
            #expect(throws: HTTPError.self, "\(query)") { try JobQuery(HTTPRequest.make(.get, "/api/v1/jobs?" + query)) }
        }
    }
}
