import Glibc
import WharfApp

/// `wharf`: the Wharf panel and its administration commands.
let usage = """
    Usage: wharf <command> [options]

    Commands:
      serve         Run the panel (see wharf serve --help)

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
case let other?:
    printError("wharf: unknown command \(other)\n\n\(usage)")
    status = 2
}
exit(status)
