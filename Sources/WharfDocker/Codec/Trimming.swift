extension Substring {
    /// The text without leading and trailing characters in `set`.
    func trimmingCharacters(in set: String) -> Substring {
        guard let start = firstIndex(where: { !set.contains($0) }),
              let end = lastIndex(where: { !set.contains($0) }) else { return "" }
        return self[start...end]
    }
}

extension String {
    /// The text without leading and trailing characters in `set`.
    func trimmingCharacters(in set: String) -> Substring { self[...].trimmingCharacters(in: set) }
}
