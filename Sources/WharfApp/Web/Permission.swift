import WharfHTTP

/// Who may call a route. Every route names one when it is registered; the authorization
/// middleware refuses any request whose route carries a permission it does not recognise.
package enum Permission: RoutePermission, Equatable {
    /// Anyone, signed in or not: health checks, static files, the sign-in page.
    case anonymous
    /// Any signed-in user (browser session or API token), whatever the role.
    case signedIn
    /// Any signed-in user, including one who must still enrol a second factor because admins
    /// require it: the enrolment page and sign-out. Every other page sends such a user there.
    case enrolling
    /// Administrators only: users, hosts, grants, the audit history.
    case admin
    /// Read access to the host named by the route's `:host` parameter: admins, and users with a
    /// `viewer` or `operator` grant on that host.
    case hostView
    /// Acting on the host named by the route's `:host` parameter: admins, and users with an
    /// `operator` grant on that host (and a global role of at least operator).
    case hostOperate
    /// Administering the host named by `:host` (edit, remove, grants): admins only, with the
    /// host resolved like the other host permissions.
    case hostAdmin
    /// The Docker endpoint (`/api/v1/hosts/:host/docker/…`): an API token only (a session cookie
    /// is not even read, so no browser page can reach it), and a grant on the host (admins: any
    /// host). Which calls each role may make is the endpoint's own policy (``EndpointPolicy``).
    case dockerEndpoint

    package var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .signedIn: "signed in"
        case .enrolling: "signed in, second factor pending"
        case .admin: "admin"
        case .hostView: "host viewer"
        case .hostOperate: "host operator"
        case .hostAdmin: "host admin"
        case .dockerEndpoint: "API token with access to the host"
        }
    }
}
