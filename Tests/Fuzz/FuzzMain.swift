import FoundationEssentials
import Glibc

/// `wharf-fuzz`: the fuzz harnesses of Wharf's parsers, one binary for every target.
///
/// - Sanitizer build (`deploy/fuzz/run.sh`, compiled with `-sanitize=fuzzer,address -DWHARF_FUZZ`):
///   `wharf-fuzz <target> [libFuzzer flags and corpus folders]` hands the rest of the command line
///   to libFuzzer's driver with that target's function.
/// - Normal build (`swift build`, so the harnesses keep compiling with everything else):
///   `wharf-fuzz replay [corpus-folder]` runs every target over its seed corpus
///   (`Tests/Fuzz/corpus/<target>/`), and `wharf-fuzz <target> FILE…` replays single inputs, such
///   as a crash artifact.
/// `wharf-fuzz --list` names the targets and what each asserts.
@main struct FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        if arguments[1] == "--list" {
            for target in FuzzTarget.all { print("\(target.name): \(target.summary)") }
            return
        }
        #if WHARF_FUZZ
            if let target = FuzzTarget.named(arguments[1]) {
                // libFuzzer's fork mode starts its workers with our command line less the target
                // name (which the driver never sees): they find the target here.
                setenv("WHARF_FUZZ_TARGET", target.name, 1)
                LibFuzzer.run(target, dropping: 1)
            }
            guard let name = getenv("WHARF_FUZZ_TARGET"), let target = FuzzTarget.named(String(cString: name)) else { usage() }
            LibFuzzer.run(target, dropping: 0)
        #else
            if arguments[1] == "replay" {
                replayCorpus(folder: arguments.count > 2 ? arguments[2] : "Tests/Fuzz/corpus")
            } else if let target = FuzzTarget.named(arguments[1]), arguments.count > 2 {
                for path in arguments.dropFirst(2) { target.run(read(path)) }
                print("\(target.name): \(arguments.count - 2) input(s) passed")
            } else {
                usage()
            }
        #endif
    }

    static func usage() -> Never {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        #if WHARF_FUZZ
            let text = "usage: wharf-fuzz TARGET [libFuzzer flags] [corpus folders] | --list\ntargets: \(names)\n"
        #else
            let text = "usage: wharf-fuzz replay [CORPUS] | TARGET FILE... | --list\ntargets: \(names)\n"
        #endif
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }

    /// Runs every target over every file of `<folder>/<target>/`; a target without seeds fails.
    static func replayCorpus(folder: String) {
        for target in FuzzTarget.all {
            let directory = folder + "/" + target.name
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            FuzzCheck.require(!files.isEmpty, "no seed inputs in \(directory)")
            for file in files { target.run(read(directory + "/" + file)) }
            print("\(target.name): \(files.count) seed input(s) passed")
        }
    }

    static func read(_ path: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FuzzCheck.require(false, "cannot read \(path)")
            return []
        }
        return [UInt8](data)
    }
}
