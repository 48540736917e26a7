import Testing
import WharfDocker
import WharfIO

@Suite struct DockerContainerTests {
    @Test func lifecycleFromCreateToRemove() async throws {
        let client = try Fleet.engineA()
        let name = Fleet.name("life")
        try await Fleet.withContainer(client, ["sleep", "300"], name: name) { id in
            var listed = try await client.listContainers(all: true, filters: ["name": name])
            #expect(listed.map(\.id) == [id])
            #expect(listed.first?.state == "created")
            #expect(listed.first?.labels?["wharf.test.run"] == Fleet.runID)
            #expect(try await client.listContainers(filters: ["name": name]).isEmpty)

            try await client.startContainer(id)
            var inspected = try await client.inspectContainer(id)
            #expect(inspected.state.running)
            #expect(inspected.name == "/\(name)")
            #expect(inspected.hostConfig?.networkMode == "none")
            #expect(inspected.config.cmd == ["sleep", "300"])

            let top = try await client.topContainer(id)
            #expect(top.titles.contains("PID") || top.titles.contains("CMD"))
            #expect(top.processes.contains { $0.joined(separator: " ").contains("sleep 300") })

            try await client.pauseContainer(id)
            #expect(try await client.inspectContainer(id).state.paused)
            try await client.unpauseContainer(id)
            #expect(try await client.inspectContainer(id).state.paused == false)

            let renamed = Fleet.name("renamed")
            try await client.renameContainer(id, to: renamed)
            #expect(try await client.inspectContainer(id).name == "/\(renamed)")

            let before = try await client.inspectContainer(id).state.startedAt
            try await client.restartContainer(id, timeout: 0)
            inspected = try await client.inspectContainer(id)
            #expect(inspected.state.running)
            #expect(inspected.state.startedAt != before)

            try await client.stopContainer(id, timeout: 1)
            inspected = try await client.inspectContainer(id)
            #expect(inspected.state.running == false)
            #expect(inspected.state.exitCode == 137)

            try await client.startContainer(id)
            try await client.killContainer(id, signal: "SIGKILL")
            #expect(try await client.waitContainer(id) == 137)

            listed = try await client.listContainers(all: true, limit: 1, size: true, filters: ["label": Fleet.labelFilter])
            #expect(listed.count == 1)
            #expect(listed.first?.sizeRootFs != nil)

            try await client.removeContainer(id, force: true, volumes: true)
            await #expect { try await client.inspectContainer(id) } throws: { isAPIError($0, 404, "No such container") }
        }
    }

    @Test func logsAreDemultiplexedIntoStdoutAndStderr() async throws {
        let client = try Fleet.engineA()
        try await Fleet.withContainer(client, ["sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2"]) { id in
            try await client.startContainer(id)
            #expect(try await client.waitContainer(id) == 0)
            var chunks: [DockerLogChunk] = []
            for try await chunk in try await client.containerLogs(id) { chunks.append(chunk) }
            #expect(text(chunks, .stdout) == "out1\nout2\n")
            #expect(text(chunks, .stderr) == "err1\nerr2\n")

            var tail: [DockerLogChunk] = []
            for try await chunk in try await client.containerLogs(id, timestamps: true, tail: 2) { tail.append(chunk) }
            // stdout and stderr are logged by separate copiers, so which two lines are last varies.
            let lines = (text(tail, .stdout) + text(tail, .stderr)).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { line in
                line.hasPrefix("20") && ["out1", "out2", "err1", "err2"].contains { line.hasSuffix(" " + $0) }
            })

            var since: [DockerLogChunk] = []
            for try await chunk in try await client.containerLogs(id, since: 4_000_000_000) { since.append(chunk) }
            #expect(since.isEmpty)
        }
    }

    @Test func ttyLogsAreRaw() async throws {
        let client = try Fleet.engineA()
        try await Fleet.withContainer(client, ["sh", "-c", "echo tty-out; echo tty-err >&2"], tty: true) { id in
            try await client.startContainer(id)
            _ = try await client.waitContainer(id)
            var chunks: [DockerLogChunk] = []
            for try await chunk in try await client.containerLogs(id) { chunks.append(chunk) }
            #expect(text(chunks, .stdout) == "tty-out\r\ntty-err\r\n")
        }
    }

    @Test func followedLogsStreamAndCloseTheConnection() async throws {
        let client = try Fleet.engineA()
        try await Fleet.withContainer(client, ["sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done"]) { id in
            try await client.startContainer(id)
            let logs = try await client.containerLogs(id, follow: true, tty: false)
            var seen = ""
            for try await chunk in logs {
                seen += String(decoding: chunk.bytes, as: UTF8.self)
                if seen.contains("line3\n") { break }
            }
            logs.close()
            #expect(seen.hasPrefix("line0\nline1\n"))
            #expect(client.pool.idleCount == 0)
            // The client is still good: the half-read connection was closed, not pooled.
            #expect(try await client.inspectContainer(id).state.running)
        }
    }

    @Test func statsStreamedAndOneShot() async throws {
        let client = try Fleet.engineA()
        try await Fleet.withContainer(client, ["sleep", "300"]) { id in
            try await client.startContainer(id)
            let once = try await client.containerStatsOnce(id)
            #expect(once.memoryStats?.usage != nil)
            #expect(once.pidsStats?.current == 1)
            let stream = try await client.containerStats(id)
            var samples = 0
            for try await sample in stream {
                #expect(sample.read != nil)
                samples += 1
                if samples == 2 { break }
            }
            stream.close()
            #expect(samples == 2)
        }
    }

    @Test func changesAndExport() async throws {
        let client = try Fleet.engineA()
        try await Fleet.withContainer(client, ["sh", "-c", "mkdir -p /data && echo hi > /data/wharf.txt"]) { id in
            try await client.startContainer(id)
            #expect(try await client.waitContainer(id) == 0)
            let changes = try await client.containerChanges(id)
            #expect(changes.contains(ContainerChange(path: "/data/wharf.txt", kind: 1)))

            var total = 0
            var chunks = 0
            var sawFile = false
            var previous: [UInt8] = []
            for try await chunk in try await client.exportContainer(id) {
                total += chunk.count
                chunks += 1
                if !sawFile, containsBytes(previous + chunk, Array("data/wharf.txt".utf8)) { sawFile = true }
                previous = Array(chunk.suffix(16))
            }
            #expect(sawFile)
            #expect(total % 512 == 0)
            #expect(total > 1_000_000)
            #expect(chunks > 1)
        }
    }

    @Test func pruneRemovesOnlyThisRunsStoppedContainers() async throws {
        let client = try Fleet.engineA()
        // A label of its own: tests run in parallel, and prune must not take their containers.
        let mark = Fleet.name("prune")
        var config = try Fleet.config(["true"])
        config.labels?["wharf.test.prune"] = mark
        let created = try await client.createContainer(name: mark, config: config)
        let report = try await pruneWhenFree { try await client.pruneContainers(filters: ["label": "wharf.test.prune=\(mark)"]) }
        #expect(report.containersDeleted == [created.id])
        #expect(report.containersDeleted?.contains(created.id) == true)
        await #expect { try await client.inspectContainer(created.id) } throws: { isAPIError($0, 404, created.id) }
    }

    @Test func apiErrorsCarryTheEnginesMessage() async throws {
        let client = try Fleet.engineA()
        let missing = Fleet.name("missing")
        await #expect { try await client.startContainer(missing) } throws: {
            isAPIError($0, 404, "No such container: \(missing)")
        }
        let name = Fleet.name("dup")
        try await Fleet.withContainer(client, ["true"], name: name) { _ in
            await #expect { try await client.createContainer(name: name, config: try Fleet.config(["true"])) } throws: { error in
                isAPIError(error, 409, "is already in use") && (error as? DockerError)?.isConflict == true
            }
        }
        try await Fleet.withContainer(client, ["sleep", "300"]) { id in
            try await client.startContainer(id)
            await #expect { try await client.removeContainer(id) } throws: { isAPIError($0, 409, "running container") }
        }
    }

    @Test func attachUpgradesToARawStreamBothWays() async throws {
        let client = try Fleet.engineA()
        var config = try Fleet.config(["sh", "-c", "read line; echo got:$line; echo bye >&2"])
        config.openStdin = true
        config.attachStdin = true
        config.attachStdout = true
        config.attachStderr = true
        let created = try await client.createContainer(name: Fleet.name("attach"), config: config)
        do {
            let query: DockerQuery = ["stream": "1", "stdin": "1", "stdout": "1", "stderr": "1"]
            let stream = try await client.upgrade(DockerRequest("POST", DockerPath("containers", created.id, "attach"), query: query))
            #expect(stream.head.status == 101)
            try await client.startContainer(created.id)
            try await stream.write(Array("hello\n".utf8), deadline: .after(seconds: 5))
            var decoder = MultiplexedStreamDecoder()
            var chunks: [DockerLogChunk] = []
            // The engine ends the stream when the process exits; stdout and stderr may come in either order.
            while let bytes = try await stream.read(deadline: .after(seconds: 10)) {
                chunks += try decoder.feed(bytes)
            }
            stream.close()
            #expect(text(chunks, .stdout) == "got:hello\n")
            #expect(text(chunks, .stderr) == "bye\n")
        } catch {
            try? await client.removeContainer(created.id, force: true)
            throw error
        }
        try await client.removeContainer(created.id, force: true)
    }

    @Test func concurrentCallsShareTheBoundedPool() async throws {
        let client = try Fleet.engineA()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 { group.addTask { try await client.listContainers(all: true).count } }
            for try await _ in group {}
        }
        #expect(client.pool.openedCount <= 16)
        #expect(client.pool.idleCount <= client.pool.maxIdle)
        let opened = client.pool.openedCount
        for _ in 0..<10 { _ = try await client.ping() }
        #expect(client.pool.openedCount == opened)
    }
}
