import Dispatch
import Glibc
import Synchronization
import WharfApp

/// `wharf`: the Wharf panel and its administration commands.
let usage = """
    Usage: wharf <command> [options]

    Commands:
      serve         Run the panel (see wharf serve --help)
      user          Create, list, disable users and set passwords (see wharf user --help)
      token         Create API tokens (see wharf token --help)
      host          Add, list, test and remove Docker hosts (see wharf host --help)
      audit         Verify, export and purge the audit history (see wharf audit --help)
      backup FILE   Write a consistent copy of the database while the server runs (see wharf backup --help)
      restore FILE  Check a backup and put it in place in a data directory (see wharf restore --help)
      healthcheck   Exit 0 when the local server's /healthz answers (for container HEALTHCHECKs)

    Options:
      -h, --help    Show this help
      --version     Show the version

    Environment: WHARF_LISTEN, WHARF_DATA_DIR, WHARF_RESOURCES, WHARF_LOOPS, WHARF_PUBLIC_URL,
    WHARF_TRUSTED_PROXY, WHARF_LOG_FORMAT, WHARF_TLS_CERT, WHARF_TLS_KEY, WHARF_TLS_SELF_SIGNED.
    """

/// Runs `command` on the concurrency pool while the main thread waits for it. An `async` main
/// would hand the main thread to `dispatch_main()`, which ends it with `pthread_exit`: a forced
/// unwind through the binary's unwind tables, half a MiB of them read and kept resident for nothing.
func runCommand(_ command: @escaping @Sendable () async -> Int32) -> Int32 {
    let finished = DispatchSemaphore(value: 0)
    let status = Mutex<Int32>(0)
    Task.detached {
        let result = await command()
        status.withLock { $0 = result }
        finished.signal()
    }
    finished.wait()
    return status.withLock { $0 }
}

let arguments = CommandLine.arguments.dropFirst()
let status: Int32
switch arguments.first {
case nil, "-h", "--help", "help":
    print(usage)
    status = 0
case "--version", "version":
    print("wharf \(WharfVersion.current) (commit \(buildCommit))")
    status = 0
case "serve":
    status = runCommand { await ServeCommand.run(arguments.dropFirst()) }
case "user":
    status = runCommand { await UserCommand.run(arguments.dropFirst()) }
case "token":
    status = runCommand { await TokenCommand.run(arguments.dropFirst()) }
case "host":
    status = runCommand { await HostCommand.run(arguments.dropFirst()) }
case "audit":
    status = runCommand { await AuditCommand.run(arguments.dropFirst()) }
case "backup":
    status = runCommand { await BackupCommand.run(arguments.dropFirst()) }
case "restore":
    status = runCommand { await RestoreCommand.run(arguments.dropFirst()) }
case "healthcheck":
    status = runCommand { await HealthcheckCommand.run(arguments.dropFirst()) }
case let other?:
    printError("wharf: unknown command \(other)\n\n\(usage)")
    status = 2
}
exit(status)
