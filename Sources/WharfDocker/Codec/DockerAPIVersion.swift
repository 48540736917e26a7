/// An Engine API version (`1.41`), ordered numerically (1.9 < 1.41).
package struct DockerAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let major: Int
    package let minor: Int

    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`; nil for anything else.
    package init?(_ text: String) {
        let parts = text.trimmingCharacters(in: " \t").split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// The oldest engine API Wharf talks to (Docker 20.10).
    package static let minimum = DockerAPIVersion(major: 1, minor: 41)
    /// The newest API whose models Wharf knows; newer engines are spoken to in this version.
    package static let newest = DockerAPIVersion(major: 1, minor: 41)

    /// The version to use with an engine that reports `engine`, or nil when it is too old.
    package static func negotiate(engine: DockerAPIVersion) -> DockerAPIVersion? {
        engine < minimum ? nil : min(engine, newest)
    }

    package static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    package var description: String { "\(major).\(minor)" }
}
