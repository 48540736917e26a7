/// The version Wharf reports in `/healthz`, `wharf --version` and page footers.
package enum WharfVersion {
    package static let current = "0.1.0"
}
