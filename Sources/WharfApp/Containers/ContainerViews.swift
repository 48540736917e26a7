import WharfDocker
import WharfTemplates

/// What the container pages show: humane sizes, relative times, state badges. Formatting lives
/// here, testable, not in templates.
enum ContainerViews {
    /// The badge class of a state (`ok`, `warn`, `danger`, `muted`, `info`).
    static func badge(_ state: String, exitCode: Int? = nil) -> String {
        switch state {
        case "running": "ok"
        case "paused", "restarting", "removing": "warn"
        case "dead": "danger"
        case "created": "info"
        case "exited": (exitCode ?? 0) == 0 ? "muted" : "danger"
        default: "muted"
        }
    }

    /// The exit code in "Exited (137) 2 hours ago".
    static func exitCode(fromStatus status: String) -> Int? {
        guard status.hasPrefix("Exited ("), let close = status.firstIndex(of: ")") else { return nil }
        return Int(status[status.index(status.startIndex, offsetBy: 8)..<close])
    }

    static func changeKind(_ kind: Int) -> String {
        switch kind {
        case 1: "added"
        case 2: "deleted"
        default: "changed"
        }
    }

    /// `127.0.0.1:8080→80/tcp`, `53/udp` for an exposed port that is not published.
    static func ports(_ ports: [ContainerJSON.Port]) -> String {
        var seen: Set<String> = []
        return ports.compactMap { port -> String? in
            let text: String
            if let published = port.publicPort {
                let ip = port.ip.map { $0 == "::" || $0.isEmpty ? "" : ($0.contains(":") ? "[\($0)]:" : "\($0):") } ?? ""
                text = "\(ip)\(published)→\(port.privatePort)/\(port.type)"
            } else {
                text = "\(port.privatePort)/\(port.type)"
            }
            return seen.insert(text).inserted ? text : nil
        }.joined(separator: ", ")
    }

    /// A row of a container list.
    static func row(_ container: ContainerJSON, now: Int64, canOperate: Bool) -> TemplateValue {
        let exit = exitCode(fromStatus: container.status)
        return .object([
            "id": .text(container.id),
            "shortId": .text(container.shortId),
            "name": .text(container.name),
            "url": .text("/hosts/\(container.hostId)/containers/\(container.id)"),
            "image": .text(container.image),
            "state": .text(container.state),
            "badge": .text(badge(container.state, exitCode: exit)),
            "status": .text(container.status),
            "health": container.health.map { .text($0) } ?? .null,
            "healthBadge": .text(container.health == "healthy" ? "ok" : container.health == "unhealthy" ? "danger" : "warn"),
            "created": .text(TimeText.relative(container.created * 1000, now: now)),
            "createdExact": .text(TimeText.utc(milliseconds: container.created * 1000)),
            "ports": .text(ports(container.ports)),
            "size": container.sizeRw.map { .text(ByteText.format($0)) } ?? .null,
            "labels": .list(container.labels.keys.sorted().map { key in .text("\(key)=\(container.labels[key] ?? "")") }),
            "hostName": .text(container.hostName),
            "hostId": .int(Int(container.hostId)),
            "running": .bool(container.state == "running"),
            "paused": .bool(container.state == "paused"),
            "canOperate": .bool(canOperate),
        ])
    }

    /// Sort links for a list's column headers: the URL that sorts by `key` (reversing when it
    /// already sorts by it), and the current direction for `aria-sort`.
    static func sortLinks(_ query: ContainerQuery, base: String) -> TemplateValue {
        var links: [String: TemplateValue] = [:]
        for key in ContainerQuery.sortKeys {
            let current = query.sort == key
            links[key] = .object([
                "url": .text(base + "?" + query.queryString(sort: key, descending: current ? !query.descending : false)),
                "aria": .text(current ? (query.descending ? "descending" : "ascending") : "none"),
            ])
        }
        return .object(links)
    }

    /// The filter form's values, so the page shows what is applied.
    static func filterValues(_ query: ContainerQuery) -> TemplateValue {
        func first(_ name: String) -> TemplateValue { .text(query.filters.values[name]?.first ?? "") }
        return .object([
            "all": .bool(query.all), "size": .bool(query.size), "status": first("status"), "name": first("name"),
            "label": first("label"), "ancestor": first("ancestor"), "sort": .text(query.sort),
            "order": .text(query.descending ? "desc" : "asc"),
            "statuses": .list(["", "running", "paused", "restarting", "created", "exited", "dead"].map { state in
                .object(["value": .text(state), "label": .text(state.isEmpty ? "any" : state),
                         "selected": .bool((query.filters.values["status"]?.first ?? "") == state)])
            }),
        ])
    }
}
