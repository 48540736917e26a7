import CShims

/// The machine as this process sees it.
package enum Processors {
    /// How many CPUs the calling thread may run on: its affinity mask (as `taskset` or a
    /// container's cpuset leaves it), not every CPU of the machine; at least 1.
    package static var available: Int { max(1, allowed.count) }

    /// The numbers of the CPUs the calling thread may run on, in order (empty when unknown).
    package static var allowed: [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = Int(cpus.withUnsafeMutableBufferPointer { cshims_allowed_cpus($0.baseAddress, Int32($0.count)) })
        return cpus.prefix(max(0, count)).map(Int.init)
    }

    /// The CPU the calling thread runs on at this moment (it may move right after), or nil.
    package static var current: Int? {
        let cpu = cshims_current_cpu()
        return cpu >= 0 ? Int(cpu) : nil
    }
}
