import WharfHTTP
import WharfTemplates

/// The home page.
struct HomeRoutes {
    let pages: Pages

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/", permission: Permission.signedIn) { _, context in
            try pages.render("home/index", title: "Dashboard", context: context, section: "dashboard", values: [
                "hosts": .list([]),
            ])
        }
    }
}
