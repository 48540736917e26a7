package import WharfDocker
package import WharfHTTP

/// Which events a page or client wants, read from the query the same way everywhere: the engine's
/// event filters (`type`, `event` — also accepted as `action` —, `container`, `image`, `label`,
/// `volume`, `network`; repeatable, or its `filters` JSON) and `host` on the list across hosts.
/// Live streams apply it in Wharf, as the engine would (`daemon/events/filter.go`): values of one
/// filter are alternatives, different filters must all match; containers, volumes and networks
/// match by id prefix or name, images by id or name with or without the tag, labels as `key` or
/// `key=value`. Lists of past events hand it to the engine.
package struct EventFilter: Sendable, Equatable {
    static let names = ["type", "event", "container", "image", "label", "volume", "network"]
    static let types = ["container", "image", "volume", "network", "daemon", "plugin", "builder", "node", "service", "secret", "config"]

    package var filters = DockerFilters()
    /// Host ids or names (the list across hosts only).
    package var hosts: [String] = []

    package init() {}

    /// - Throws: 400 naming what is wrong.
    package init(_ request: HTTPRequest) throws {
        let items = request.queryItems.map { item in item.name == "action" ? (name: "event", value: item.value) : item }
        filters = try EngineFilterQuery.filters(items, allowed: Self.names, what: "event")
        for type in filters.values["type"] ?? [] where !Self.types.contains(type) {
            throw HTTPError(.badRequest, "type must be one of \(Self.types.joined(separator: ", ")).")
        }
        hosts = request.queryItems.filter { $0.name == "host" && !$0.value.isEmpty }.map(\.value)
    }

    package var isEmpty: Bool { filters.isEmpty }

    package func matches(_ event: EngineEventJSON) -> Bool { matcher.matches(event) }

    /// This filter ready to test many events: its values looked up and its label selectors read
    /// once. A host's thousand followers test every event against their filters; seven
    /// dictionary lookups per test were most of a filter's cost in the fan-out.
    package var matcher: Matcher { Matcher(self) }

    package struct Matcher: Sendable {
        let everything: Bool
        let types: [String]?
        let events: [String]?
        let containers: [String]?
        let volumes: [String]?
        let networks: [String]?
        let images: [String]?
        let labels: [LabelSelector]?

        init(_ filter: EventFilter) {
            let values = filter.filters.values
            everything = filter.isEmpty
            types = values["type"]
            events = values["event"]
            containers = values["container"]
            volumes = values["volume"]
            networks = values["network"]
            images = values["image"]
            labels = values["label"].map { $0.map(LabelSelector.init) }
        }

        package func matches(_ event: EngineEventJSON) -> Bool {
            if everything { return true }
            func exact(_ wanted: [String]?, _ candidates: [String]) -> Bool {
                guard let wanted else { return true }
                return candidates.contains { wanted.contains($0) }
            }
            func fuzzy(_ wanted: [String]?, type: String) -> Bool {
                guard let wanted else { return true }
                guard event.type == type else { return false }
                let candidates = [event.actorId, event.attributes["name"] ?? ""].filter { !$0.isEmpty }
                return wanted.contains { value in candidates.contains { $0 == value || $0.hasPrefix(value) } }
            }
            if let types, !types.contains(event.type) { return false }
            if events != nil {
                // `exec_start: sh -c …` is the action `exec_start` for the `event` filter.
                let action = event.action.split(separator: ":", maxSplits: 1).first.map(String.init) ?? event.action
                guard exact(events, [event.action, action]) else { return false }
            }
            guard fuzzy(containers, type: "container"), fuzzy(volumes, type: "volume"), fuzzy(networks, type: "network") else { return false }
            if images != nil {
                let name = event.attributes[event.type == "image" ? "name" : "image"] ?? ""
                guard exact(images, [event.actorId, name, EventFilter.stripTag(event.actorId), EventFilter.stripTag(name)]) else { return false }
            }
            if let labels {
                guard labels.allSatisfy({ $0.matches(event.attributes) }) else { return false }
            }
            return true
        }
    }

    /// `repo:tag` → `repo` (a registry port is not a tag).
    static func stripTag(_ reference: String) -> String {
        guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return reference }
        return String(reference[..<colon])
    }

    /// The query again, for the stream URL a page opens and links that keep the filters.
    package var queryString: String {
        var pairs: [(String, String)] = []
        for name in filters.values.keys.sorted() {
            for value in filters.values[name] ?? [] { pairs.append((name, value)) }
        }
        for host in hosts { pairs.append(("host", host)) }
        return pairs.map { FormDecoding.encode($0.0) + "=" + FormDecoding.encode($0.1) }.joined(separator: "&")
    }

    static let parameters: [APIOperation.Parameter] = EngineFilterQuery.parameters(names, what: "event")
        + [.init("action", .string(), "The same as event: an action such as start or die (repeatable).")]
}
