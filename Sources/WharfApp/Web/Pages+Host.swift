package import WharfHTTP
package import WharfTemplates

extension Pages {
    /// A page of one host: `values` plus the host (`host`: id, name, what the user may do) and
    /// its tabs (`nav`, with `current` marked), titled "`title` · host".
    package func renderHost(
        _ template: String, title: String, scope: HostScope, current: String, context: RequestContext, status: HTTPStatus = .ok,
        values: [String: TemplateValue]
    ) throws -> HTTPResponse {
        var all = values
        all["host"] = ContainerRoutes.hostValue(scope)
        all["nav"] = HostNav.value(scope.host, current: current)
        return try render(template, title: "\(title) · \(scope.host.name)", status: status, context: context, section: "hosts", values: all)
    }
}
