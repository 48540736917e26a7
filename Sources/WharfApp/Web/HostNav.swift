package import WharfTemplates

/// The links between one host's pages (overview, containers, images, volumes, networks, events, system,
/// jobs), for `{% include "hosts/_resources" with nav %}`; `current` marks the page shown.
package enum HostNav {
    package static func value(_ host: DockerHost, current: String) -> TemplateValue {
        .object(["host": .object(["id": .int(Int(host.id)), "name": .text(host.name)]), "resource": .text(current)])
    }
}
