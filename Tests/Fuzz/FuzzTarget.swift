/// One fuzz target: a name (the corpus folder and the `deploy/fuzz/run.sh` label) and a function
/// that runs one input through a parser and checks that parser's own invariants with
/// ``FuzzCheck/require(_:_:)``. A broken invariant aborts, which libFuzzer reports as a crash and
/// saves the input; the replay build fails the same way.
struct FuzzTarget: Sendable {
    let name: String
    /// What the target feeds and what it asserts, for `wharf-fuzz --list`.
    let summary: String
    let run: @Sendable ([UInt8]) -> Void

    /// Every target, in the order `deploy/fuzz/run.sh` runs them.
    static let all: [FuzzTarget] = [
        HTTPHeadTarget.target,
        ChunkedTarget.target,
        FormTarget.target,
        MultipartTarget.target,
        TemplateTarget.target,
        DockerHeadTarget.target,
        JSONLinesTarget.target,
        MultiplexedTarget.target,
        PEMTarget.target,
        CookieTarget.target,
        AuthorizationTarget.target,
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
