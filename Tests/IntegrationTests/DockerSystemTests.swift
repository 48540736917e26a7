import Glibc
import Testing
import WharfDocker
import WharfIO

@Suite struct DockerSystemTests {
    @Test func pingVersionInfoAndDiskUsage() async throws {
        let client = try Fleet.engineA()
        let ping = try await client.ping()
        #expect(ping.apiVersion == "1.41")
        #expect(ping.osType == "linux")
        let version = try await client.version()
        #expect(version.apiVersion == "1.41")
        #expect(!version.version.isEmpty)
        let info = try await client.info()
        #expect(!info.id.isEmpty)
        #expect(info.images >= 1)
        #expect(info.containers == info.containersRunning + info.containersPaused + info.containersStopped)
        let usage = try await client.diskUsage()
        let busybox = try Fleet.busybox()
        #expect(usage.images?.contains { $0.repoTags?.contains(busybox) == true } == true)
    }

    @Test func negotiatesTheEnginesVersionOnceAndUsesIt() async throws {
        let client = try Fleet.engineA()
        #expect(try await client.apiVersion() == DockerAPIVersion(major: 1, minor: 41))
        #expect(try await client.apiVersion() == DockerAPIVersion(major: 1, minor: 41))
        _ = try await client.info()
        #expect(client.pool.openedCount == 1)
    }

    @Test func warmPingsPayNoNewConnection() async throws {
        let client = try Fleet.engineA()
        _ = try await client.ping()
        for _ in 0..<50 { _ = try await client.ping() }
        #expect(client.pool.openedCount == 1)
        #expect(client.pool.idleCount == 1)
    }

    @Test func plainTCPEngineC() async throws {
        let client = try Fleet.engineC()
        #expect(try await client.apiVersion() == DockerAPIVersion(major: 1, minor: 41))
        let info = try await client.info()
        let infoA = try await Fleet.engineA().info()
        #expect(info.id != infoA.id)
        _ = try await client.listContainers(all: true)
        let images = try await client.listImages(filters: ["reference": try Fleet.busybox()])
        #expect(images.count == 1)
        let name = Fleet.name("tcp")
        let created = try await client.createContainer(name: name, config: try Fleet.config(["true"]))
        try await client.removeContainer(created.id)
        #expect(client.pool.openedCount == 1)
    }

    @Test func eventsWithFiltersSinceAndUntil() async throws {
        let client = try Fleet.engineA()
        let since = String(Int64(Self.unixTime()) - 1)
        let name = Fleet.name("events")
        let created = try await client.createContainer(name: name, config: try Fleet.config(["true"]))
        try await client.removeContainer(created.id)
        let until = String(Int64(Self.unixTime()) + 1)
        var filters = DockerFilters()
        filters.add("type", "container")
        filters.add("container", created.id)
        var actions: [String] = []
        for try await event in try await client.events(since: since, until: until, filters: filters) {
            #expect(event.actor?.id == created.id)
            #expect(event.actor?.attributes?["name"] == name)
            actions.append(event.action ?? "")
        }
        #expect(actions == ["create", "destroy"])
    }

    @Test func followedEventsArriveLiveAndCloseCleanly() async throws {
        let client = try Fleet.engineA()
        let name = Fleet.name("live")
        var filters = DockerFilters()
        filters.add("type", "container")
        filters.add("container", name)
        filters.add("event", "create")
        let events = try await client.events(filters: filters)
        let created = try await client.createContainer(name: name, config: try Fleet.config(["true"]))
        var iterator = events.makeAsyncIterator()
        let event = try await iterator.next()
        #expect(event?.actor?.attributes?["name"] == name)
        events.close()
        try await client.removeContainer(created.id)
        #expect(client.pool.idleCount <= 1)
    }

    static func unixTime() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec
    }
}
