import WharfDocker
import WharfTemplates

/// What the volume pages show: sizes, relative times, who uses each volume. Formatting lives
/// here, testable, not in templates.
enum VolumeViews {
    static func url(_ name: String, host: Int64) -> String { "/hosts/\(host)/volumes/\(PathSegment.encode(name))" }

    static func row(_ volume: VolumeJSON, now: Int64) -> TemplateValue {
        let created = volume.createdAt.flatMap { AuditTime.parse(String($0.prefix(19))) }?.milliseconds
        return .object([
            "name": .text(volume.name),
            "url": .text(url(volume.name, host: volume.hostId)),
            "driver": .text(volume.driver),
            "scope": .text(volume.scope),
            "mountpoint": .text(volume.mountpoint),
            "created": created.map { .text(TimeText.relative($0, now: now)) } ?? .null,
            "createdExact": created.map { .text(TimeText.utc(milliseconds: $0)) } ?? .null,
            "labels": .list(volume.labels.keys.sorted().map { .text("\($0)=\(volume.labels[$0] ?? "")") }),
            "options": .list(volume.options.keys.sorted().map { .text("\($0)=\(volume.options[$0] ?? "")") }),
            "size": volume.size.map { .text(ByteText.format($0)) } ?? .null,
            "refCount": .int(volume.refCount),
            "unused": .bool(volume.refCount == 0),
            "users": .list(volume.containers.map { user in
                .object([
                    "name": .text(user.name), "shortId": .text(user.shortId), "state": .text(user.state),
                    "badge": .text(ContainerViews.badge(user.state)), "destination": .text(user.destination),
                    "url": .text("/hosts/\(volume.hostId)/containers/\(user.id)"),
                ])
            }),
        ])
    }

    static func filterValues(_ query: VolumeQuery) -> TemplateValue {
        func first(_ name: String) -> TemplateValue { .text(query.filters.values[name]?.first ?? "") }
        let dangling = query.filters.values["dangling"]?.first ?? ""
        return .object([
            "name": first("name"), "label": first("label"), "driver": first("driver"), "size": .bool(query.size),
            "usage": .list([("", "any"), ("false", "in use"), ("true", "unused")].map { value, label in
                .object(["value": .text(value), "label": .text(label), "selected": .bool(dangling == value || (value == "true" && dangling == "1") || (value == "false" && dangling == "0"))])
            }),
        ])
    }
}
