import WharfTemplates

/// What the system page shows, formatted.
enum HostSystemViews {
    static func value(_ system: HostSystemJSON) -> TemplateValue {
        let engine = system.engine
        let machine = system.machine
        func text(_ value: String?) -> TemplateValue { value.flatMap { $0.isEmpty ? nil : TemplateValue.text($0) } ?? .null }
        func usage(_ label: String, _ usage: HostSystemJSON.Usage, link: String) -> TemplateValue {
            let percent = usage.size > 0 ? Int((Double(usage.reclaimable) / Double(usage.size) * 100).rounded()) : 0
            return .object([
                "label": .text(label), "total": .int(usage.total), "active": .int(usage.active), "link": .text(link),
                "size": .text(ByteText.format(usage.size)), "reclaimable": .text(ByteText.format(usage.reclaimable)),
                "percent": .int(percent),
            ])
        }
        let base = "/hosts/\(system.hostId)"
        let engineValue: TemplateValue = .object([
            "version": .text(engine.version), "apiVersion": .text(engine.apiVersion), "minAPIVersion": text(engine.minAPIVersion),
            "platform": .text([engine.os, engine.arch].compactMap { $0 }.joined(separator: "/")),
            "goVersion": text(engine.goVersion), "gitCommit": text(engine.gitCommit), "buildTime": text(engine.buildTime),
            "experimental": .bool(engine.experimental),
            "components": .list(engine.components.keys.sorted().map { .text("\($0) \(engine.components[$0] ?? "")") }),
        ])
        var facts: [String: TemplateValue] = [:]
        facts["name"] = .text(machine.name)
        facts["os"] = text(machine.operatingSystem)
        facts["kernel"] = text(machine.kernelVersion)
        facts["architecture"] = text(machine.architecture)
        facts["cpus"] = machine.cpus.map { .int($0) } ?? .null
        facts["memory"] = machine.memoryBytes.map { .text(ByteText.format($0)) } ?? .null
        facts["storageDriver"] = text(machine.storageDriver)
        facts["storageStatus"] = .list(machine.storageStatus.map { .text($0) })
        facts["dataRoot"] = text(machine.dataRoot)
        facts["loggingDriver"] = text(machine.loggingDriver)
        let cgroup: [String] = [machine.cgroupDriver, machine.cgroupVersion.map { "v\($0)" }].compactMap { $0 }
        facts["cgroup"] = .text(cgroup.joined(separator: " "))
        facts["runtimes"] = .text(machine.runtimes.joined(separator: ", "))
        facts["defaultRuntime"] = text(machine.defaultRuntime)
        facts["securityOptions"] = .list(machine.securityOptions.map { .text($0) })
        facts["liveRestore"] = .bool(machine.liveRestore)
        facts["containers"] = .int(machine.containers)
        facts["running"] = .int(machine.containersRunning)
        facts["paused"] = .int(machine.containersPaused)
        facts["stopped"] = .int(machine.containersStopped)
        facts["images"] = .int(machine.images)
        facts["warnings"] = .list(machine.warnings.map { .text($0) })
        let disk: [TemplateValue] = [
            usage("Images", system.disk.images, link: base + "/images"),
            usage("Containers", system.disk.containers, link: base + "/containers?all=1"),
            usage("Volumes", system.disk.volumes, link: base + "/volumes"),
            usage("Build cache", system.disk.buildCache, link: base + "/prune?part=build-cache"),
        ]
        let links: [(String, String)] = [
            ("Containers", base + "/containers"), ("Images", base + "/images"), ("Volumes", base + "/volumes"),
            ("Networks", base + "/networks"), ("Events", base + "/events"), ("Jobs", "/jobs?host=\(system.hostId)"),
        ]
        return .object([
            "engine": engineValue,
            "machine": .object(facts),
            "disk": .list(disk),
            "links": .list(links.map { label, url in .object(["label": .text(label), "url": .text(url)]) }),
        ])
    }

    static func part(_ part: HostPrunePartJSON) -> TemplateValue {
        .object([
            "name": .text(part.part.rawValue), "label": .text(part.part.label), "count": .int(part.items.count),
            "reclaimable": .text(ByteText.format(part.spaceReclaimed)),
            "items": .list(part.items.map { item in
                .object([
                    "id": .text(item.id), "name": .text(item.name), "detail": item.detail.map { .text($0) } ?? .null,
                    "size": item.size.map { .text(ByteText.format($0)) } ?? .null,
                ])
            }),
        ])
    }
}
