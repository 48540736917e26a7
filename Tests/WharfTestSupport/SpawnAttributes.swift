package import Glibc

/// Runs `body` with `posix_spawn` attributes that give the child an empty signal mask and the
/// default action for every signal.
///
/// Without them a child inherits the spawning thread's mask, and Dispatch's worker threads (where
/// Swift tasks run) block most signals: the child would then ignore the SIGTERM a test sends it.
package func withCleanSignalAttributes<T>(_ body: (UnsafePointer<posix_spawnattr_t>) -> T) -> T {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return withUnsafePointer(to: &attributes) { body($0) }
}
