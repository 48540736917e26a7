import WharfHTTP

/// Who may call a route. Every route names one when it is registered; the authorization
/// middleware refuses any request whose route carries a permission it does not recognise.
package enum Permission: RoutePermission, Equatable {
    /// Anyone, signed in or not: health checks, static files, the sign-in page.
    case anonymous
    /// Any signed-in user (browser session or API token), whatever the role.
    case signedIn
    /// A signed-in user's own account, from a browser session only, never an API token: the
    /// profile page, password, two-step sign-in, sessions and tokens. A token that could reach
    /// these could mint a stronger token or take over the second factor (issue 10).
    case account
    /// Like ``account`` (a browser session only), and open to a user who must still enrol a
    /// second factor because admins require it: the enrolment page and sign-out. Every other
    /// page sends such a user there.
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

    /// Whether the route's `:host` parameter names the host the permission is checked on.
    var namesHost: Bool {
        switch self {
        case .hostView, .hostOperate, .hostAdmin, .dockerEndpoint: true
        case .anonymous, .signedIn, .account, .enrolling, .admin: false
        }
    }

    package var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .signedIn: "signed in"
        case .account: "own account, browser session"
        case .enrolling: "own account, browser session, second factor pending"
        case .admin: "admin"
        case .hostView: "host viewer"
        case .hostOperate: "host operator"
        case .hostAdmin: "host admin"
        case .dockerEndpoint: "API token with access to the host"
        }
    }
}
