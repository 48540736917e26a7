// swift-tools-version:6.1
// Wharf: a self-hosted web admin panel for Docker hosts.
// No package dependencies: Foundation, Dispatch, Glibc and the system libraries SQLite and OpenSSL.
import PackageDescription

/// The package's folder, for paths in linker flags (the linker does not run from it).
let root = String(#filePath.dropLast("Package.swift".count))

/// Release builds only: each function in its own section, so the linker can lay out the code run
/// at start-up and while serving together (`deploy/release/startup-order.txt`, made by
/// `deploy/release/order.sh`). See ARCHITECTURE.md, "Start-up memory".
let releaseSections: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release)),
]

/// Release links of the panel: lld with that ordering; relative relocations packed (DT_RELR)
/// instead of a 1 MB table read at every start; no Swift symbols exported (swiftc's static-stdlib
/// link exports them all, and nothing looks them up); libstdc++, which only the Swift runtime
/// uses, linked statically so only what it uses is loaded.
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld",
        "-L\(root)deploy/release/static-libstdc++",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "--symbol-ordering-file=\(root)deploy/release/startup-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ], .when(configuration: .release)),
]

/// Settings shared by every Swift target (see STYLE.md §1).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
] + releaseSections

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
        // HTTP/1.1 on the wire, for both directions: the server (WharfHTTP) and the Docker client.
        .target(name: "WharfWire", swiftSettings: strict),
        .target(name: "WharfTLS", dependencies: ["WharfIO", "COpenSSL"], swiftSettings: strict),
        // HTTPS is served through WharfTLS's server connections (ConnectionIO), never OpenSSL directly.
        .target(name: "WharfHTTP", dependencies: ["WharfIO", "WharfWire", "WharfTLS"], swiftSettings: strict),
        .target(name: "WharfDocker", dependencies: ["WharfIO", "WharfTLS", "WharfWire"], swiftSettings: strict),
        .target(name: "WharfSQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "WharfTemplates", swiftSettings: strict),
        .target(
            name: "WharfApp",
            dependencies: ["WharfIO", "WharfWire", "WharfHTTP", "WharfTemplates", "WharfSQLite", "WharfTLS", "WharfDocker"],
            swiftSettings: strict),
        .executableTarget(
            name: "wharf", dependencies: ["WharfApp", "WharfHTTP", "WharfIO", "WharfTLS", "WharfWire"], swiftSettings: strict,
            linkerSettings: releaseLinking, plugins: ["BuildCommit"]),
        // Writes the git commit into `wharf` at build time (`wharf --version`); see Sources/BuildCommit.
        .plugin(name: "BuildCommit", capability: .buildTool(), path: "Sources/BuildCommit"),
        // The client halves of `deploy/bench/run.sh docker` and `storage`; not part of the panel.
        .executableTarget(
            name: "wharf-bench", dependencies: ["WharfApp", "WharfHTTP", "WharfSQLite", "WharfDocker", "WharfIO", "WharfTLS", "WharfWire"],
            swiftSettings: strict),

        // Tests.
        // The fuzz harnesses of every parser input reaches, one binary: libFuzzer targets in the
        // sanitizer build (`deploy/fuzz/run.sh`, -DWHARF_FUZZ), a corpus replayer otherwise (so
        // every normal build compiles them; `deploy/dev/test.sh` replays the seeds).
        .executableTarget(
            name: "wharf-fuzz", dependencies: ["WharfApp", "WharfHTTP", "WharfWire", "WharfDocker", "WharfTLS", "WharfTemplates"],
            path: "Tests/Fuzz", exclude: ["corpus"], swiftSettings: strict),
        .target(
            name: "WharfTestSupport", dependencies: ["WharfIO", "WharfWire", "WharfHTTP", "WharfTLS"], path: "Tests/WharfTestSupport",
            swiftSettings: strict),
        .testTarget(name: "WharfIOTests", dependencies: ["WharfIO", "WharfTestSupport"], swiftSettings: strict),
        .testTarget(name: "WharfWireTests", dependencies: ["WharfWire", "WharfTestSupport"], swiftSettings: strict),
        .testTarget(name: "WharfTLSTests", dependencies: ["WharfTLS", "WharfIO", "WharfTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WharfHTTPTests", dependencies: ["WharfHTTP", "WharfIO", "WharfWire", "WharfTLS", "WharfTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "WharfDockerTests", dependencies: ["WharfDocker", "WharfIO", "WharfTLS", "WharfWire", "WharfTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "WharfSQLiteTests", dependencies: ["WharfSQLite"], swiftSettings: strict),
        .testTarget(name: "WharfTemplatesTests", dependencies: ["WharfTemplates"], swiftSettings: strict),
        .testTarget(
            name: "WharfAppTests",
            dependencies: [
                "WharfApp", "WharfHTTP", "WharfIO", "WharfWire", "WharfSQLite", "WharfTemplates", "WharfDocker", "WharfTLS",
                "WharfTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["WharfApp", "WharfHTTP", "WharfIO", "WharfWire", "WharfDocker", "WharfTLS", "WharfTestSupport"],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
