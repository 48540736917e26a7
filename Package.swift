// swift-tools-version:6.1
// Wharf: a self-hosted web admin panel for Docker hosts.
// No package dependencies: Foundation, Dispatch, Glibc and the system libraries SQLite and OpenSSL.
import PackageDescription

/// Settings shared by every Swift target (see STYLE.md §1).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Wharf",
    products: [
        .executable(name: "wharf", targets: ["wharf"]),
    ],
    targets: [
        // C modules: each is imported by exactly one Swift target.
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .target(name: "CShims"),

        // Libraries, lowest first.
        .target(name: "WharfIO", dependencies: ["CShims"], swiftSettings: strict),
        .target(name: "WharfTLS", dependencies: ["WharfIO", "COpenSSL"], swiftSettings: strict),
        .target(name: "WharfHTTP", dependencies: ["WharfIO"], swiftSettings: strict),
        .target(name: "WharfDocker", dependencies: ["WharfIO", "WharfTLS"], swiftSettings: strict),
        .target(name: "WharfSQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "WharfTemplates", swiftSettings: strict),
        .target(
            name: "WharfApp",
            dependencies: ["WharfIO", "WharfHTTP", "WharfTemplates", "WharfSQLite", "WharfTLS", "WharfDocker"],
            swiftSettings: strict),
        .executableTarget(
            name: "wharf", dependencies: ["WharfApp", "WharfHTTP", "WharfIO"], swiftSettings: strict),
        // The client halves of `deploy/bench/run.sh docker` and `storage`; not part of the panel.
        .executableTarget(
            name: "wharf-bench", dependencies: ["WharfApp", "WharfHTTP", "WharfSQLite", "WharfDocker", "WharfIO", "WharfTLS"],
            swiftSettings: strict),

        // Tests.
        .target(
            name: "WharfTestSupport", dependencies: ["WharfIO", "WharfHTTP"], path: "Tests/WharfTestSupport",
            swiftSettings: strict),
        .testTarget(name: "WharfIOTests", dependencies: ["WharfIO", "WharfTestSupport"], swiftSettings: strict),
        .testTarget(name: "WharfTLSTests", dependencies: ["WharfTLS", "WharfIO", "WharfTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WharfHTTPTests", dependencies: ["WharfHTTP", "WharfIO", "WharfTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "WharfDockerTests", dependencies: ["WharfDocker", "WharfIO", "WharfTLS", "WharfTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "WharfSQLiteTests", dependencies: ["WharfSQLite"], swiftSettings: strict),
        .testTarget(name: "WharfTemplatesTests", dependencies: ["WharfTemplates"], swiftSettings: strict),
        .testTarget(
            name: "WharfAppTests",
            dependencies: ["WharfApp", "WharfHTTP", "WharfIO", "WharfSQLite", "WharfTemplates", "WharfTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["WharfApp", "WharfHTTP", "WharfIO", "WharfDocker", "WharfTLS", "WharfTestSupport"],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
