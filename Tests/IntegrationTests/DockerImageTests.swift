import Testing
import WharfDocker

@Suite struct DockerImageTests {
    @Test func listInspectHistoryAndSave() async throws {
        let client = try Fleet.engineA()
        let busybox = try Fleet.busybox()
        let images = try await client.listImages(filters: ["reference": busybox])
        #expect(images.count == 1)
        #expect(images.first?.repoTags?.contains(busybox) == true)
        let inspected = try await client.inspectImage(busybox)
        #expect(inspected.id == images.first?.id)
        #expect(inspected.os == "linux")
        #expect(inspected.rootFS?.layers?.isEmpty == false)
        let history = try await client.imageHistory(busybox)
        #expect(history.first?.id == inspected.id)
        #expect(history.count >= 1)

        var total = 0
        var sawManifest = false
        var tail: [UInt8] = []
        let started = ContinuousClock.now
        for try await chunk in try await client.saveImage(busybox) {
            total += chunk.count
            if !sawManifest, containsBytes(tail + chunk, Array("manifest.json".utf8)) { sawManifest = true }
            tail = Array(chunk.suffix(16))
        }
        #expect(total % 512 == 0)
        #expect(total > 100_000)
        #expect(sawManifest)
        #expect(ContinuousClock.now - started < .seconds(20))
        await #expect { try await client.inspectImage(Fleet.name("missing") + ":latest") } throws: {
            isAPIError($0, 404, "No such image")
        }
    }

    @Test func pullFromTheRegistryReportsLayerProgress() async throws {
        // Engine C: ImageFleetTests pulls the same image onto engine A in the same run, and a
        // concurrent pull there finds the layers already present (no "Downloading" at all).
        let client = try Fleet.engineC()
        let image = try Fleet.variable("WHARF_TEST_IMAGE_BIGDATA")
        // Start from nothing so the layers are downloaded (others may have pulled it before).
        _ = try? await client.removeImage(image, force: true)
        let (name, tag) = Self.split(image)
        var messages: [DockerProgressMessage] = []
        for try await message in try await client.pullImage(name, tag: tag) { messages.append(message) }
        let downloading = messages.filter { $0.status == "Downloading" }
        #expect(downloading.contains { ($0.progressDetail?.total ?? 0) > 1_000_000 && $0.id != nil })
        #expect(Set(messages.filter { $0.status == "Pull complete" }.compactMap(\.id)).count >= 5)
        #expect(messages.last?.status?.contains("Downloaded newer image") == true)
        let inspected = try await client.inspectImage(image)
        #expect((inspected.size ?? 0) > 40_000_000)
        _ = try? await client.removeImage(image)
    }

    @Test func pullOfAMissingTagFailsWithTheEnginesMessage() async throws {
        let client = try Fleet.engineA()
        let registry = try Fleet.variable("WHARF_TEST_REGISTRY")
        do {
            for try await _ in try await client.pullImage("\(registry)/wharf-test/busybox", tag: Fleet.name("nope")) {}
            Issue.record("the pull did not fail")
        } catch let error as DockerError {
            // dockerd reports a missing manifest as a 404 before streaming; older ones in-band.
            switch error {
            case .api(let status, let message): #expect(status == 404 && message.contains("not found"))
            case .stream(let message, _): #expect(message.contains("not found"))
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func tagPushAndRemove() async throws {
        let client = try Fleet.engineA()
        let registry = try Fleet.variable("WHARF_TEST_REGISTRY")
        let repository = "\(registry)/\(Fleet.name("push"))"
        try await client.tagImage(try Fleet.busybox(), repository: repository, tag: "v1")
        do {
            let messages = try await client.pushImage(repository, tag: "v1").collect()
            #expect(messages.contains {
                $0.status == "Pushed" || $0.status == "Layer already exists" || $0.status?.hasPrefix("Mounted from") == true
            })
            #expect(messages.contains { $0.aux?["Digest"]?.stringValue?.hasPrefix("sha256:") == true })
        } catch {
            _ = try? await client.removeImage("\(repository):v1")
            throw error
        }
        let removed = try await client.removeImage("\(repository):v1", noPrune: true)
        #expect(removed.contains { $0.untagged?.hasPrefix("\(repository):v1") == true })
        await #expect { try await client.removeImage("\(repository):v1") } throws: { isAPIError($0, 404, "No such image") }
    }

    @Test func buildFromAStreamedContextWithARunStep() async throws {
        let client = try Fleet.engineA()
        let tag = "\(Fleet.name("build")):latest"
        let dockerfile = """
            FROM \(try Fleet.busybox())
            ARG GREETING
            COPY payload.txt /payload.txt
            RUN echo "$GREETING from $(cat /payload.txt)" > /greeting.txt && cat /greeting.txt
            """
        let context = Self.context(dockerfile, extra: [("payload.txt", Array("the context".utf8))])
        var options = DockerBuildOptions()
        options.tags = [tag]
        options.buildArgs = ["GREETING": "hello"]
        options.labels = Fleet.label.merging(["wharf.built": "yes"]) { $1 }
        options.networkMode = "none"
        options.noCache = true
        options.forceRemove = true
        let messages = try await client.buildImage(context: DockerByteChunks(context), options: options).collect()
        let output = messages.compactMap(\.stream).joined()
        #expect(output.contains("hello from the context"))
        let built = messages.compactMap { $0.aux?["ID"]?.stringValue }.first
        #expect(built?.hasPrefix("sha256:") == true)
        let inspected = try await client.inspectImage(tag)
        #expect(inspected.id == built)
        #expect(inspected.config?.labels?["wharf.built"] == "yes")
        _ = try await client.removeImage(tag, force: true)
    }

    @Test func failingBuildStepIsAnInBandError() async throws {
        let client = try Fleet.engineA()
        let context = Self.context("FROM \(try Fleet.busybox())\nRUN echo before-failing && false\n")
        var options = DockerBuildOptions()
        options.networkMode = "none"
        options.forceRemove = true
        options.labels = Fleet.label
        var output = ""
        do {
            for try await message in try await client.buildImage(context: DockerByteChunks(context), options: options) {
                output += message.stream ?? ""
            }
            Issue.record("the build did not fail")
        } catch DockerError.stream(let message, let code) {
            #expect(message.contains("returned a non-zero code: 1"))
            #expect(code == 1)
        }
        #expect(output.contains("before-failing"))
    }

    @Test func pruneRemovesThisRunsDanglingImages() async throws {
        let client = try Fleet.engineA()
        let mark = Fleet.name("prune")
        var options = DockerBuildOptions()
        options.labels = ["wharf.test.prune": mark]
        options.networkMode = "none"
        // An untagged image is dangling from the start.
        let context = Self.context("FROM \(try Fleet.busybox())\nRUN echo \(mark) > /mark\n")
        let messages = try await client.buildImage(context: DockerByteChunks(context), options: options).collect()
        let ids = messages.compactMap { $0.aux?["ID"]?.stringValue }
        let id = try #require(ids.first)
        var filters = DockerFilters()
        filters.add("dangling", "true")
        filters.add("label", "wharf.test.prune=\(mark)")
        let report = try await pruneWhenFree { try await client.pruneImages(filters: filters) }
        #expect(report.imagesDeleted?.contains { $0.deleted == id } == true)
    }

    /// A build context: the Dockerfile and `extra` files, as a streamed tar.
    static func context(_ dockerfile: String, extra: [(String, [UInt8])] = []) -> TarStream {
        var entries: [(TarEntry, TarStream.Content)] = [(TarEntry(name: "Dockerfile", size: dockerfile.utf8.count), .bytes(Array(dockerfile.utf8)))]
        for (name, bytes) in extra { entries.append((TarEntry(name: name, size: bytes.count), .bytes(bytes))) }
        return TarStream(entries)
    }

    /// `host:5000/repo/name:tag` → (`host:5000/repo/name`, `tag`).
    static func split(_ reference: String) -> (String, String?) {
        guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return (reference, nil) }
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }
}
