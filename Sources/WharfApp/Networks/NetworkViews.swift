import WharfDocker
import WharfTemplates

/// What the network pages show. Formatting lives here, testable, not in templates.
enum NetworkViews {
    static func url(_ network: NetworkJSON) -> String { "/hosts/\(network.hostId)/networks/\(network.id)" }

    static func row(_ network: NetworkJSON, now: Int64) -> TemplateValue {
        let created = network.createdAt.flatMap { AuditTime.parse(String($0.prefix(19))) }?.milliseconds
        var flags: [TemplateValue] = []
        if network.internal { flags.append("internal") }
        if network.attachable { flags.append("attachable") }
        if network.enableIPv6 { flags.append("IPv6") }
        if network.predefined { flags.append("predefined") }
        return .object([
            "id": .text(network.id), "shortId": .text(network.shortId), "name": .text(network.name), "url": .text(url(network)),
            "driver": .text(network.driver), "scope": .text(network.scope),
            "flags": .list(flags),
            "subnets": .list(network.subnets.map { subnet in
                .object([
                    "subnet": .text(subnet.subnet ?? ""), "gateway": .text(subnet.gateway ?? ""), "ipRange": .text(subnet.ipRange ?? ""),
                ])
            }),
            "subnetText": .text(network.subnets.compactMap(\.subnet).joined(separator: ", ")),
            "created": created.map { .text(TimeText.relative($0, now: now)) } ?? .null,
            "createdExact": created.map { .text(TimeText.utc(milliseconds: $0)) } ?? .null,
            "labels": .list(network.labels.keys.sorted().map { .text("\($0)=\(network.labels[$0] ?? "")") }),
            "options": .list(network.options.keys.sorted().map { .text("\($0)=\(network.options[$0] ?? "")") }),
            "predefined": .bool(network.predefined),
            "count": .int(network.containers.count),
            "containers": .list(network.containers.map { container in
                .object([
                    "id": .text(container.id), "shortId": .text(container.shortId), "name": .text(container.name),
                    "url": .text("/hosts/\(network.hostId)/containers/\(container.id)"),
                    "ipv4": .text(container.ipv4Address ?? ""), "ipv6": .text(container.ipv6Address ?? ""),
                    "mac": .text(container.macAddress ?? ""),
                ])
            }),
        ])
    }

    static func filterValues(_ query: NetworkQuery) -> TemplateValue {
        func first(_ name: String) -> String { query.filters.values[name]?.first ?? "" }
        func options(_ name: String, _ choices: [(String, String)]) -> TemplateValue {
            .list(choices.map { value, label in .object(["value": .text(value), "label": .text(label), "selected": .bool(first(name) == value)]) })
        }
        return .object([
            "name": .text(first("name")), "label": .text(first("label")), "driver": .text(first("driver")),
            "types": options("type", [("", "any"), ("custom", "created"), ("builtin", "predefined")]),
            "usage": options("dangling", [("", "any"), ("false", "in use"), ("true", "unused")]),
            "scopes": options("scope", [("", "any"), ("local", "local"), ("swarm", "swarm"), ("global", "global")]),
        ])
    }
}
