/// How long browser sessions last.
package struct SessionPolicy: Sendable {
    /// A session unused this long ends. Default 8 hours.
    package var idleTimeoutMilliseconds: Int64 = 8 * 3600 * 1000
    /// A session ends this long after sign-in, used or not. Default 7 days.
    package var absoluteLifetimeMilliseconds: Int64 = 7 * 24 * 3600 * 1000
    /// `last_seen` is written at most this often, so browsing does not write on every request.
    package var touchIntervalMilliseconds: Int64 = 60 * 1000
    /// How long the "password accepted, now the code" step may take.
    package var secondFactorWindowMilliseconds: Int64 = 5 * 60 * 1000

    package init() {}
}
