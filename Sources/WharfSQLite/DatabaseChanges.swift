import Glibc
import Synchronization

/// Tells, without a query, whether anything has been committed to the database since an earlier
/// look: by this process or any other (`wharf` subcommands write to the same file).
///
/// In WAL mode every commit, from any connection in any process, writes frames to the `-wal`
/// file, and the kernel queues an inotify event for it before the writing `write(2)` returns. So
/// a caller that takes a ``stamp()`` before reading, and finds the same stamp later, knows that
/// no commit has completed in between, and may use what it read then. Any commit moves the
/// stamp (audit rows too), so what is kept this way stays valid only while nothing is written.
///
/// One window remains: a commit's frames are written (and its event queued) a moment before the
/// commit becomes visible to readers (the wal-index header in shared memory, a few instructions
/// later). A read that begins in that moment, after some look took the event in, misses the
/// commit, and no later event would say so. So what is read while the stamp is unsettled
/// (``Look/changed``: it moved at this look or within the last ``settleTime``) must not be kept;
/// a commit that a read after a settled look misses has written after that look, or was stalled
/// for longer than ``settleTime`` between its write and its header. Keepers bound what they keep
/// in time as well (``BearerCache`` keeps an answer for at most 2 s).
///
/// When changes cannot be watched (no `-wal` file yet, inotify unavailable — a user has 128
/// inotify instances by default —, the file deleted or moved, the database closed), ``stamp()``
/// answers nil and nothing may be kept. The inotify instance is made at the first ``stamp()``, so
/// a process that never asks (a `wharf` subcommand) holds none.
package final class DatabaseChanges: Sendable {
    private struct State {
        var descriptor: Int32 = -1
        var watch: Int32 = -1
        var generation: UInt64 = 0
        var changedAt = ContinuousClock.now
        var closed = false
    }

    /// How long after the stamp moved what is read is still not kept. The window it covers is a
    /// few instructions long unless the writer is preempted inside it; longer would keep nothing
    /// while the Docker endpoint's audit rows are written every 20 ms.
    package static let settleTime = Duration.milliseconds(5)

    private let walPath: String
    private let state = Mutex(State())

    init(walPath: String) { self.walPath = walPath }

    deinit { close() }

    /// Stops watching; later stamps are nil. Idempotent.
    func close() {
        state.withLock { state in
            if state.descriptor >= 0 { Glibc.close(state.descriptor) }
            state.descriptor = -1
            state.closed = true
        }
    }

    /// What one look found: the stamp, and whether it moved at this look.
    package struct Look: Sendable, Equatable {
        /// The number of times a change was seen so far.
        package let stamp: UInt64
        /// Whether the stamp moved at this look or within ``settleTime`` (or the watch began):
        /// what is read next may miss a commit that is still becoming visible, and must not be kept.
        package let changed: Bool

        package init(stamp: UInt64, changed: Bool) {
            self.stamp = stamp
            self.changed = changed
        }
    }

    /// The number of times a change was seen so far, after taking in what the kernel queued;
    /// nil when changes are not being watched.
    package func stamp() -> UInt64? { look()?.stamp }

    /// ``stamp()``, and whether it moved at this look; nil when changes are not being watched.
    package func look() -> Look? {
        state.withLock { state -> Look? in
            if state.descriptor < 0, !state.closed { state.descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
            guard state.descriptor >= 0 else { return nil }
            if state.watch < 0 {
                let mask = UInt32(IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF)
                state.watch = inotify_add_watch(state.descriptor, walPath, mask)
                // Whatever was kept before the watch began is not vouched for.
                state.generation &+= 1
                state.changedAt = .now
                return state.watch < 0 ? nil : Look(stamp: state.generation, changed: true)
            }
            var changed = false
            var lost = false
            withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 8) { buffer in
                guard let base = buffer.baseAddress else { return }
                while true {
                    let count = read(state.descriptor, base, buffer.count)
                    if count < 0, errno == EAGAIN { return }
                    // A failed read may have left events unread: count it as a change.
                    changed = true
                    guard count > 0 else { return }
                    var offset = 0
                    while offset + MemoryLayout<inotify_event>.size <= count {
                        let event = base.advanced(by: offset).loadUnaligned(as: inotify_event.self)
                        if event.mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 { lost = true }
                        offset += MemoryLayout<inotify_event>.size + Int(event.len)
                    }
                }
            }
            let now = ContinuousClock.now
            if changed {
                state.generation &+= 1
                state.changedAt = now
            }
            if lost {
                // The file went away: watch the next one from scratch.
                inotify_rm_watch(state.descriptor, state.watch)
                state.watch = -1
                return nil
            }
            return Look(stamp: state.generation, changed: now - state.changedAt < Self.settleTime)
        }
    }
}
