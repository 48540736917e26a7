import WharfHTTP

/// Who may call a route. Every route names one when it is registered; the authorization
/// middleware refuses any request whose route carries a permission it does not recognise.
package enum Permission: RoutePermission, Equatable {
    /// Anyone, signed in or not: health checks, static files, the sign-in page.
    case anonymous

    package var description: String {
        switch self {
        case .anonymous: "anonymous"
        }
    }
}
