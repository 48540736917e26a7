import CShims

/// The machine as this process sees it.
package enum Processors {
    /// The CPUs the process may run on: its affinity mask (as `taskset` or a container's cpuset
    /// leaves it), not every CPU of the machine; at least 1.
    package static var available: Int { max(1, Int(cshims_available_cpus())) }
}
