/// Sizes as pages show them: `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `4.0 GiB` (powers of 1024,
/// as `docker` shows them; three significant digits).
package enum ByteText {
    package static func format(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(max(0, bytes)) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = value >= 100 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
        return rounded + " " + units[unit]
    }

    package static func format(_ bytes: UInt64) -> String { format(Int64(clamping: bytes)) }
}
