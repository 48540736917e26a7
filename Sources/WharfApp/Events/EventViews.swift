import WharfDocker
import WharfTemplates

/// What the event pages show: times, badges, the object's link, the attributes worth a glance.
enum EventViews {
    /// Attributes already shown elsewhere in a row.
    static let hidden: Set<String> = ["name"]

    static func badge(_ type: String, action: String) -> String {
        switch action {
        case "die", "kill", "oom", "destroy", "delete", "untag": "danger"
        case "start", "create", "pull", "connect", "mount", "unpause": "ok"
        case "stop", "pause", "disconnect", "unmount", "restart": "warn"
        default: type == "daemon" ? "warn" : "info"
        }
    }

    static func row(_ event: EngineEventJSON, showHost: Bool) -> TemplateValue {
        let milliseconds = event.timeNano / 1_000_000
        return .object([
            "time": .text(AuditTime.display(milliseconds)),
            "hostName": .text(event.hostName),
            "hostUrl": .text("/hosts/\(event.hostId)/events"),
            "showHost": .bool(showHost),
            "type": .text(event.type),
            "action": .text(event.action),
            "badge": .text(badge(event.type, action: event.action)),
            "name": .text(event.name),
            "url": event.url.map { .text($0) } ?? .null,
            "attributes": .list(event.attributes.keys.sorted().filter { !hidden.contains($0) }.map { key in
                .text("\(key)=\(event.attributes[key] ?? "")")
            }),
        ])
    }

    static func filterValues(_ filter: EventFilter, window: EventPast.Window?) -> TemplateValue {
        func first(_ name: String) -> String { filter.filters.values[name]?.first ?? "" }
        return .object([
            "types": .list(([""] + EventFilter.types).map { type in
                .object(["value": .text(type), "label": .text(type.isEmpty ? "any" : type), "selected": .bool(first("type") == type)])
            }),
            "action": .text(first("event")), "container": .text(first("container")), "image": .text(first("image")),
            "label": .text(first("label")),
            "since": .text(window?.sinceText ?? ""), "until": .text(window?.untilText ?? ""),
        ])
    }
}
