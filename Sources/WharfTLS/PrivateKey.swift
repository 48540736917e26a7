internal import COpenSSL

/// One owned `EVP_PKEY*`, freed exactly once in `deinit` (`EVP_PKEY_free`).
final class PrivateKey {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }
}

@available(*, unavailable)
extension PrivateKey: Sendable {}
