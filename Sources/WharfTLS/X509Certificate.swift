internal import COpenSSL

/// One owned `X509*`, freed exactly once in `deinit` (`X509_free`).
///
/// Not thread-safe by contract, but only used while building a context or parsing PEM, both
/// confined to one call.
final class X509Certificate {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }
}

@available(*, unavailable)
extension X509Certificate: Sendable {}
