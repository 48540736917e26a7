import Testing
import WharfDocker

@Suite struct DockerVolumeNetworkTests {
    @Test func volumeCreateListInspectRemoveAndPrune() async throws {
        let client = try Fleet.engineA()
        let name = Fleet.name("vol")
        let created = try await client.createVolume(VolumeCreateRequest(name: name, labels: Fleet.label))
        #expect(created.name == name)
        #expect(created.driver == "local")
        let listed = try await client.listVolumes(filters: ["name": name])
        #expect(listed.volumes?.map(\.name) == [name])
        let inspected = try await client.inspectVolume(name)
        #expect(inspected.labels?["wharf.test.run"] == Fleet.runID)
        #expect(!inspected.mountpoint.isEmpty)
        try await client.removeVolume(name)
        await #expect { try await client.inspectVolume(name) } throws: { isAPIError($0, 404, "no such volume") }

        let mark = Fleet.name("vprune")
        _ = try await client.createVolume(VolumeCreateRequest(name: mark, labels: ["wharf.test.prune": mark]))
        let report = try await pruneWhenFree { try await client.pruneVolumes(filters: ["label": "wharf.test.prune=\(mark)"]) }
        #expect(report.volumesDeleted == [mark])
    }

    @Test func volumeInUseCannotBeRemoved() async throws {
        let client = try Fleet.engineA()
        let name = Fleet.name("busy")
        _ = try await client.createVolume(VolumeCreateRequest(name: name, labels: Fleet.label))
        var config = try Fleet.config(["true"])
        config.hostConfig?.binds = ["\(name):/data"]
        let created = try await client.createContainer(name: Fleet.name("binder"), config: config)
        await #expect { try await client.removeVolume(name) } throws: { isAPIError($0, 409, "volume is in use") }
        try await client.removeContainer(created.id, volumes: true)
        try await client.removeVolume(name)
    }

    @Test func networkCreateListInspectConnectDisconnectRemoveAndPrune() async throws {
        let client = try Fleet.engineA()
        let name = Fleet.name("net")
        let created = try await client.createNetwork(NetworkCreateRequest(name: name, internal: true, labels: Fleet.label))
        do {
            let listed = try await client.listNetworks(filters: ["name": name])
            #expect(listed.map(\.id) == [created.id])
            let inspected = try await client.inspectNetwork(created.id)
            #expect(inspected.name == name)
            #expect(inspected.internal == true)
            #expect(inspected.labels?["wharf.test.run"] == Fleet.runID)

            // Test containers must stay on network "none", which the engine will not combine with another
            // network: the engine's refusals show that connect and disconnect reached it with the right body.
            try await Fleet.withContainer(client, ["true"]) { id in
                await #expect { try await client.connectNetwork(created.id, container: id) } throws: {
                    isAPIError($0, 400, "private (none) mode") || isAPIError($0, 500, "private (none) mode")
                }
                await #expect { try await client.disconnectNetwork(created.id, container: id, force: true) } throws: {
                    isAPIError($0, 400, "is not connected to the network \(name)")
                        || isAPIError($0, 500, "is not connected to the network \(name)")
                }
            }
            await #expect { try await client.connectNetwork(created.id, container: Fleet.name("ghost")) } throws: {
                isAPIError($0, 404, "No such container")
            }
            try await client.removeNetwork(created.id)
        } catch {
            try? await client.removeNetwork(created.id)
            throw error
        }
        await #expect { try await client.inspectNetwork(created.id) } throws: { isAPIError($0, 404, "not found") }

        let mark = Fleet.name("nprune")
        let pruned = try await client.createNetwork(NetworkCreateRequest(name: mark, internal: true, labels: ["wharf.test.prune": mark]))
        let report = try await pruneWhenFree { try await client.pruneNetworks(filters: ["label": "wharf.test.prune=\(mark)"]) }
        #expect(report.networksDeleted == [mark])
        _ = pruned
    }
}
