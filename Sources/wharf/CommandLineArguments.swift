/// Parsed command-line arguments: `--name value`, `--name=value`, `--flag`, and positionals.
///
/// Each command declares which options take a value and which are flags; anything else is a
/// usage error (exit status 2) naming the offending argument, so a typo never passes silently.
struct CommandLineArguments {
    private(set) var positionals: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ arguments: some Sequence<String>, options: Set<String>, flags allowedFlags: Set<String> = []) throws(UsageError) {
        var iterator = arguments.makeIterator()
        var onlyPositionals = false
        while let argument = iterator.next() {
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if options.contains(name) {
                guard let value = inlineValue ?? iterator.next() else { throw UsageError(description: "\(name) needs a value") }
                values[name] = value
            } else if allowedFlags.contains(name), inlineValue == nil {
                flags.insert(name)
            } else {
                throw UsageError(description: "unknown option \(name)")
            }
        }
    }

    /// The value of `--name`, else the environment variable, else nil.
    func value(_ name: String, environment: String? = nil) -> String? {
        if let value = values[name] { return value }
        if let environment, let value = Environment.get(environment), !value.isEmpty { return value }
        return nil
    }

    /// Whether `flag` was given, else whether the environment variable says yes (`1`, `true`, `yes`).
    func has(_ flag: String, environment: String? = nil) -> Bool {
        if flags.contains(flag) { return true }
        guard let environment, let value = Environment.get(environment) else { return false }
        return ["1", "true", "yes"].contains(value)
    }
}
