import WharfDocker
import WharfHTTP
import WharfTemplates
import WharfWire

/// What the image pages show: rows with humane sizes and times, an image's facts, its history,
/// the list's filters and sort links.
enum ImageViews {
    static func row(_ image: ImageJSON, now: Int64) -> TemplateValue {
        .object([
            "id": .text(image.id), "shortId": .text(image.shortId),
            "url": .text("/hosts/\(image.hostId)/images/\(image.id)"),
            "tags": .list(image.tags.map { .text($0) }),
            "name": .text(image.tags.first ?? "<none>"),
            "dangling": .bool(image.dangling),
            "size": .text(ByteText.format(image.size)),
            "created": .text(TimeText.relative(image.created * 1000, now: now)),
            "createdExact": .text(TimeText.utc(milliseconds: image.created * 1000)),
            "containers": .int(image.containers),
            "labels": .list(image.labels.keys.sorted().map { .text("\($0)=\(image.labels[$0] ?? "")") }),
        ])
    }

    static func detail(_ image: ImageDetailJSON, now: Int64) -> TemplateValue {
        func words(_ list: [String]?) -> TemplateValue { list.map { .text(ShellWords.join($0)) } ?? .null }
        func optional(_ text: String?) -> TemplateValue { text.map { .text($0) } ?? .null }
        var created = TemplateValue.null
        if let bound = image.createdAt.flatMap({ AuditTime.parse(String($0.prefix(19))) }) {
            created = .text("\(TimeText.utc(milliseconds: bound.milliseconds)) (\(TimeText.relative(bound.milliseconds, now: now)))")
        }
        var fields: [String: TemplateValue] = [
            "id": .text(image.id), "shortId": .text(image.shortId), "name": .text(image.tags.first ?? image.shortId),
            "url": .text("/hosts/\(image.hostId)/images/\(image.id)"),
            "tags": .list(image.tags.map { .text($0) }), "digests": .list(image.digests.map { .text($0) }),
            "created": created, "size": optional(image.size.map { ByteText.format($0) }),
            "platform": .text([image.os, image.architecture].compactMap { $0 }.joined(separator: "/")),
            "author": optional(image.author), "comment": optional(image.comment),
        ]
        fields["layers"] = .int(image.layers)
        fields["cmd"] = words(image.config.cmd)
        fields["entrypoint"] = words(image.config.entrypoint)
        fields["workingDir"] = optional(image.config.workingDir)
        fields["user"] = optional(image.config.user)
        fields["ports"] = .list(image.config.exposedPorts.map { .text($0) })
        fields["envNames"] = .list(image.config.envNames.map { .text($0) })
        let labels = image.config.labels
        fields["labels"] = .list(labels.keys.sorted().map { key in .object(["key": .text(key), "value": .text(labels[key] ?? "")]) })
        fields["containers"] = .list(image.containers.map { container -> TemplateValue in
            let url = "/hosts/\(image.hostId)/containers/\(container.id)"
            return .object([
                "name": .text(container.name), "state": .text(container.state), "badge": .text(ContainerViews.badge(container.state)),
                "url": .text(url),
            ])
        })
        return .object(fields)
    }

    static func history(_ layers: [ImageHistoryJSON], now: Int64) -> TemplateValue {
        .list(layers.map { layer in
            .object([
                "id": .text(layer.id == "<missing>" ? "" : ImageJSON.shortID(layer.id)),
                "createdBy": .text(String(layer.createdBy.replacing("/bin/sh -c #(nop) ", with: "").replacing("/bin/sh -c ", with: "RUN ").trimmingASCIISpaces())),
                "size": .text(ByteText.format(layer.size)), "created": .text(TimeText.relative(layer.created * 1000, now: now)),
                "comment": layer.comment.map { .text($0) } ?? .null,
            ])
        })
    }

    static func sortLinks(_ query: ImageQuery, base: String) -> TemplateValue {
        var links: [String: TemplateValue] = [:]
        for key in ImageQuery.sortKeys {
            let current = query.sort == key
            links[key] = .object([
                "url": .text(base + "?" + query.queryString(sort: key, descending: current ? !query.descending : key != "tag")),
                "aria": .text(current ? (query.descending ? "descending" : "ascending") : "none"),
            ])
        }
        return .object(links)
    }

    static func filterValues(_ query: ImageQuery) -> TemplateValue {
        let dangling = query.filters.values["dangling"]?.first ?? ""
        return .object([
            "reference": .text(query.filters.values["reference"]?.first ?? ""),
            "label": .text(query.filters.values["label"]?.first ?? ""),
            "all": .bool(query.all),
            "dangling": .list([("", "any"), ("true", "untagged only"), ("false", "tagged only")].map { value, label in
                .object(["value": .text(value), "label": .text(label), "selected": .bool(dangling == value)])
            }),
            "sort": .text(query.sort), "order": .text(query.descending ? "desc" : "asc"),
        ])
    }
}
