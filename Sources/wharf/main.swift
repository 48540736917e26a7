import Glibc
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

    Options:
      -h, --help    Show this help
      --version     Show the version

    Environment: WHARF_LISTEN, WHARF_DATA_DIR, WHARF_RESOURCES, WHARF_LOOPS.
    """

let arguments = CommandLine.arguments.dropFirst()
let status: Int32
switch arguments.first {
case nil, "-h", "--help", "help":
    print(usage)
    status = 0
case "--version", "version":
    print("wharf \(WharfVersion.current)")
    status = 0
case "serve":
    status = await ServeCommand.run(arguments.dropFirst())
case "user":
    status = await UserCommand.run(arguments.dropFirst())
case "token":
    status = await TokenCommand.run(arguments.dropFirst())
case "host":
    status = await HostCommand.run(arguments.dropFirst())
case "audit":
    status = await AuditCommand.run(arguments.dropFirst())
case let other?:
    printError("wharf: unknown command \(other)\n\n\(usage)")
    status = 2
}
exit(status)
