/// How a `TemplateLibrary` treats questionable input while rendering.
package struct TemplateOptions: Sendable, Equatable {
    /// When true, a path that does not resolve in `{{ }}`, `{% if %}` or `{% for %}` is a render error naming the
    /// path and the tag's position; when false it renders as empty and falsy. View models are expected to pass
    /// complete trees (`.null` or `false` for absent things), so strict mode catches typos and stale templates.
    package var strictMissing: Bool

    /// - Parameter strictMissing: defaults to `true` in debug builds (and therefore in tests), `false` in release.
    package init(strictMissing: Bool = TemplateOptions.defaultStrictMissing) {
        self.strictMissing = strictMissing
    }

    /// `true` in debug builds, `false` in release builds.
    package static var defaultStrictMissing: Bool {
        #if DEBUG
            true
        #else
            false
        #endif
    }
}
