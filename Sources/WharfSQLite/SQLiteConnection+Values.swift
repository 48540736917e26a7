/// Names a value an application attaches to its connections (``SQLiteConnection/subscript(_:)``),
/// for code that receives only a connection but needs something that must not be stored in the
/// file, such as a key its SQL helpers use.
///
/// ```swift
/// enum ChainKey: ConnectionValueKey { typealias Value = [UInt8] }
/// var configuration = Database.Configuration()
/// configuration.prepare = { connection in connection[ChainKey.self] = key }
/// // … later, inside database.write { connection in … }: connection[ChainKey.self]
/// ```
package protocol ConnectionValueKey {
    associatedtype Value: Sendable
}

extension SQLiteConnection {
    /// The value attached for `key`, nil when none is. Kept in memory with the connection only.
    package subscript<Key: ConnectionValueKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}
