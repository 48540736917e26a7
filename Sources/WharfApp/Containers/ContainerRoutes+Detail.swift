import WharfWire
import FoundationEssentials
import WharfDocker
import WharfHTTP
import WharfTemplates

/// One container: summary, raw inspect, processes, changes, logs (live), stats (live), export,
/// and its actions.
extension ContainerRoutes {
    static let actions = ["start", "stop", "restart", "kill", "pause", "unpause", "rename", "remove"]

    func registerDetail(into router: inout AppRouter) {
        router.hostPage(.get, "/containers/:id", permission: .hostView) { request, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let reveal = request.queryValue("env") == "1"
            if reveal { try await service.auditReveal(inspect, scope: scope, context: context) }
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: reveal)
            return try page("containers/show", tab: "summary", detail, scope, context, values: [
                "summary": summary(inspect, detail: detail, revealEnv: reveal),
                "signals": .list(ContainerAction.signals.map { .text($0) }),
            ])
        }
        router.hostPage(.get, "/containers/:id/inspect", permission: .hostView) { _, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: false)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: (try? encoder.encode(detail.raw)) ?? Data(), as: UTF8.self)
            return try page("containers/inspect", tab: "inspect", detail, scope, context, values: ["json": .text(json)])
        }
        router.hostPage(.get, "/containers/:id/top", permission: .hostView) { _, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: false)
            var titles: [String] = []
            var processes: [[String]] = []
            if inspect.state.running {
                let top = try await service.top(inspect.id, on: scope)
                (titles, processes) = (top.titles, top.processes)
            }
            return try page("containers/top", tab: "top", detail, scope, context, values: [
                "titles": .list(titles.map { .text($0) }),
                "processes": .list(processes.map { row in .list(row.map { .text($0) }) }),
                "running": .bool(inspect.state.running),
            ])
        }
        router.hostPage(.get, "/containers/:id/changes", permission: .hostView) { _, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: false)
            let changes = try await service.changes(inspect.id, on: scope)
            return try page("containers/changes", tab: "changes", detail, scope, context, values: [
                "changes": .list(changes.prefix(5000).map { .object(["path": .text($0.path), "kind": .text(ContainerViews.changeKind($0.kind))]) }),
                "count": .int(changes.count),
            ])
        }
        router.hostPage(.get, "/containers/:id/logs", permission: .hostView) { request, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: false)
            let tail = Self.tail(request)
            let sinceText = request.queryValue("since") ?? ""
            var live = "/hosts/\(scope.host.id)/containers/\(inspect.id)/logs/events?tail=\(tail)"
            if !sinceText.isEmpty {
                guard Self.since(sinceText) != nil else { throw FieldErrors(["since": "Give a duration like 10m or 2h, a date, or a Unix time."]) }
                live += "&since=" + FormDecoding.encode(sinceText)
            }
            return try page("containers/logs", tab: "logs", detail, scope, context, values: [
                "tail": .int(tail), "since": .text(sinceText), "live": .text(live),
            ])
        }
        router.hostPage(.get, "/containers/:id/logs/events", permission: .hostView) { request, context, scope in
            let container = try await service.resolve(context.parameters["id"] ?? "", on: scope)
            // The browser sends Last-Event-ID when it reconnects by itself; "Follow again" opens a
            // new stream with ?after= (a new EventSource cannot set the header).
            let after = request.headers["Last-Event-ID"] ?? request.queryValue("after")
            let since = request.queryValue("since").flatMap(Self.since)
            return logs.followers.events(container, scope: scope, tail: Self.tail(request), since: since, after: after)
        }
        router.hostPage(.get, "/containers/:id/logs/download", permission: .hostView) { request, context, scope in
            try await logs.download(context.parameters["id"] ?? "", request: request, scope: scope, attachment: true)
        }
        router.hostPage(.get, "/containers/:id/stats", permission: .hostView) { _, context, scope in
            let (inspect, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let detail = ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: false)
            return try page("containers/stats", tab: "stats", detail, scope, context, values: [
                "live": .text("/hosts/\(scope.host.id)/containers/\(inspect.id)/stats/events"),
                "running": .bool(inspect.state.running),
            ])
        }
        router.hostPage(.get, "/containers/:id/stats/events", permission: .hostView) { _, context, scope in
            let container = try await service.resolve(context.parameters["id"] ?? "", on: scope)
            return stats.events(container, scope: scope)
        }
        router.hostPage(.get, "/containers/:id/export", permission: .hostOperate) { _, context, scope in
            try await ContainerExport.response(context.parameters["id"] ?? "", service: service, scope: scope, context: context)
        }
        for name in Self.actions {
            router.hostAction("/containers/:id/\(name)", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/containers" }) { request, context, scope in
                let reference = context.parameters["id"] ?? ""
                let form = try await Form.read(request)
                let action = try ContainerAction.parse(name) { form[$0] }
                if Self.destructive.contains(name), form["confirm"] != "1" {
                    let container = try await service.resolve(reference, on: scope)
                    return try confirmPage(
                        scope, context, action: name, names: [.text(container.name)],
                        fields: form.pairs.filter { $0.name != "csrf" && $0.name != "confirm" },
                        target: "/hosts/\(scope.host.id)/containers/\(container.id)/\(name)",
                        back: "/hosts/\(scope.host.id)/containers/\(container.id)")
                }
                let container = try await service.perform(action, on: reference, scope: scope, context: context)
                let message = "\(container.name) \(Self.pastTense(name))."
                if case .remove = action {
                    return flash.redirect(to: "/hosts/\(scope.host.id)/containers", .notice(message), context: context)
                }
                return flash.redirectBack(request, fallback: "/hosts/\(scope.host.id)/containers/\(container.id)", .notice(message), context: context)
            }
        }
    }

    /// `since` as a page takes it: `10m`, `2h`, a date, a Unix time → Unix seconds.
    static func since(_ text: String) -> Int64? {
        PruneFilters.cutoff(String(text.trimmingASCIISpaces()), now: AuditEntry.now() / 1000)
    }

    /// `tail` from the query: the last 200 lines by default, 10,000 at most.
    static func tail(_ request: HTTPRequest) -> Int {
        min(10_000, max(0, request.queryValue("tail").flatMap { Int($0) } ?? 200))
    }

    /// A tab of one container's pages, with the header every tab shares.
    func page(
        _ template: String, tab: String, _ detail: ContainerDetailJSON, _ scope: HostScope, _ context: RequestContext,
        values: [String: TemplateValue]
    ) throws -> HTTPResponse {
        var all = values
        all["host"] = Self.hostValue(scope)
        all["container"] = .object([
            "id": .text(detail.id), "shortId": .text(detail.shortId), "name": .text(detail.name), "image": .text(detail.image),
            "state": .text(detail.state), "badge": .text(ContainerViews.badge(detail.state, exitCode: detail.exitCode)),
            "running": .bool(detail.state == "running"), "paused": .bool(detail.state == "paused"),
            "url": .text("/hosts/\(scope.host.id)/containers/\(detail.id)"),
        ])
        all["tab"] = .text(tab)
        all["nav"] = HostNav.value(scope.host, current: "containers")
        return try pages.render(template, title: "\(detail.name) · \(scope.host.name)", context: context, section: "hosts", values: all)
    }

    /// The summary tab's facts.
    func summary(_ inspect: ContainerInspect, detail: ContainerDetailJSON, revealEnv: Bool) -> TemplateValue {
        let now = time.now()
        func when(_ text: String?) -> TemplateValue {
            guard let text, let bound = AuditTime.parse(String(text.prefix(19))) else { return .null }
            return .text("\(TimeText.utc(milliseconds: bound.milliseconds)) (\(TimeText.relative(bound.milliseconds, now: now)))")
        }
        let ports = (inspect.hostConfig?.portBindings ?? [:]).keys.sorted().flatMap { key in
            (inspect.hostConfig?.portBindings?[key] ?? []).map { binding -> TemplateValue in
                let ip = binding.hostIP.flatMap { $0.isEmpty ? nil : $0 }.map { $0 + ":" } ?? ""
                return .text("\(ip)\(binding.hostPort ?? "")→\(key)")
            }
        }
        let env = (inspect.config.env ?? []).map { entry -> TemplateValue in
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return .object(["name": .text(String(parts[0])), "value": revealEnv && parts.count == 2 ? .text(String(parts[1])) : .null])
        }
        var facts: [String: TemplateValue] = [
            "command": .text(ShellWords.join(detail.command)),
            "state": .text(detail.state),
            "health": detail.health.map { .text($0) } ?? .null,
            "exitCode": detail.exitCode.map { .int($0) } ?? .null,
            "error": detail.error.map { .text($0) } ?? .null,
            "created": when(detail.createdAt),
            "started": when(detail.startedAt),
            "finished": when(detail.finishedAt),
        ]
        facts["restartPolicy"] = .text(detail.restartPolicy.flatMap { $0.isEmpty ? nil : $0 } ?? "no")
        facts["restartCount"] = .int(detail.restartCount)
        facts["imageId"] = .text(String(detail.imageId.replacing("sha256:", with: "").prefix(12)))
        facts["ports"] = .list(ports)
        let mounts: [TemplateValue] = (inspect.mounts ?? []).map { mount in
            let source = mount.name ?? mount.source ?? ""
            return .object([
                "type": .text(mount.type ?? ""), "source": .text(source),
                "destination": .text(mount.destination), "readOnly": .bool(mount.rw == false),
            ])
        }
        facts["mounts"] = .list(mounts)
        facts["networks"] = .list(detail.networks.map { network -> TemplateValue in
            .object(["name": .text(network.name), "ip": .text(network.ipAddress ?? "")])
        })
        facts["labels"] = .list(detail.labels.keys.sorted().map { key -> TemplateValue in
            .object(["key": .text(key), "value": .text(detail.labels[key] ?? "")])
        })
        facts["env"] = .list(env)
        facts["revealed"] = .bool(revealEnv)
        return .object(facts)
    }
}

extension ShellWords {
    /// Words joined so that ``split(_:)`` gives them back: quoted where they need it.
    static func join(_ words: [String]) -> String {
        words.map { word in
            if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }) { return word }
            return "'" + word.replacing("'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }
}
