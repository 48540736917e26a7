/// An action scheduled on an ``EventLoop`` at a deadline. Cancel it with ``EventLoop/cancel(_:)``.
///
/// `heapIndex` is only touched under the owning loop's state lock; that is what makes the
/// `@unchecked Sendable` safe.
package final class LoopTimer: @unchecked Sendable {
    package let deadline: Deadline
    let action: @Sendable () -> Void
    /// Position in the loop's heap, -1 once fired or cancelled.
    fileprivate(set) var heapIndex = -1

    init(deadline: Deadline, action: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.action = action
    }
}

/// A binary min-heap of timers by deadline, with O(log n) removal of any entry.
///
/// Removal is eager (no tombstones): a wait that finishes before its deadline takes its timer out at
/// once, so a long upload that waits a million times leaves nothing behind.
struct TimerHeap {
    private var items: [LoopTimer] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var earliest: Deadline? { items.first?.deadline }

    mutating func insert(_ timer: LoopTimer) {
        timer.heapIndex = items.count
        items.append(timer)
        siftUp(items.count - 1)
    }

    /// Removes `timer` if it is still in the heap; returns whether it was.
    @discardableResult
    mutating func remove(_ timer: LoopTimer) -> Bool {
        let index = timer.heapIndex
        guard index >= 0, index < items.count, items[index] === timer else { return false }
        let last = items.count - 1
        if index != last {
            swapAt(index, last)
        }
        items.removeLast()
        timer.heapIndex = -1
        if index < items.count {
            siftDown(index)
            siftUp(index)
        }
        return true
    }

    /// Takes every timer whose deadline is at or before `now`, earliest first.
    mutating func popExpired(now: Deadline) -> [LoopTimer] {
        var expired: [LoopTimer] = []
        while let first = items.first, first.deadline <= now {
            remove(first)
            expired.append(first)
        }
        return expired
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        items[a].heapIndex = a
        items[b].heapIndex = b
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].deadline < items[parent].deadline else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].deadline < items[smallest].deadline { smallest = left }
            if right < items.count, items[right].deadline < items[smallest].deadline { smallest = right }
            if smallest == parent { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }
}
