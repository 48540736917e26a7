import Foundation
import PackagePlugin

/// Stamps the git commit a binary is built from into it, without a generated file in the
/// repository: before every build, a shell asks git for the commit (`-dirty` when tracked files
/// differ from it) and writes `BuildCommit.swift` into the plugin's work folder under `.build/`,
/// rewriting it only when the commit changed, so an unchanged tree rebuilds nothing. Without git
/// (a source tarball) the commit is "unknown".
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = #"""
            set -u
            root=$1; out=$2
            commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)" ]; then
              commit="$commit-dirty"
            fi
            mkdir -p "$out"
            printf '/// The git commit this binary was built from (Sources/BuildCommit).\nlet buildCommit = "%s"\n' "$commit" > "$out/BuildCommit.swift.new"
            if cmp -s "$out/BuildCommit.swift.new" "$out/BuildCommit.swift"; then rm -f "$out/BuildCommit.swift.new"
            else mv -f "$out/BuildCommit.swift.new" "$out/BuildCommit.swift"; fi
            """#
        return [
            .prebuildCommand(
                displayName: "Stamping the git commit into \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output),
        ]
    }
}
