import WharfApp

/// `multipart/form-data` bodies (`MultipartForm` in WharfApp): the host forms' file uploads, and
/// the CSRF check that reads the token from the first part of a body still arriving.
///
/// The input is a `Content-Type` value, a line feed, then the body. Asserts: a boundary is 1 to
/// 70 characters; the first part read from the start of the body agrees with the whole-body
/// decoding; for every prefix of the body (cut at random points and at every part delimiter),
/// the first-part reader answers "incomplete", the whole body's answer, or, for a file part
/// whose end has not arrived, that file with no content yet — never a different field, and
/// never "malformed" for a body that is well-formed.
enum MultipartTarget {
    static let target = FuzzTarget(
        name: "multipart",
        summary: "multipart: boundary bounds; first part of every prefix = incomplete or the whole body's; agrees with full decoding",
        run: run)

    static func run(_ input: [UInt8]) {
        let newline = input.firstIndex(of: 0x0A) ?? input.count
        let contentType = String(decoding: input[..<newline], as: UTF8.self)
        let body = newline < input.count ? Array(input[(newline + 1)...]) : []
        guard let boundary = MultipartForm.boundary(contentType) else { return }
        FuzzCheck.require(!boundary.isEmpty && boundary.count <= 70, "boundary \(boundary)")

        let pairs = MultipartForm.pairs(body, boundary: boundary)
        let first = MultipartForm.firstPart(body, boundary: boundary)
        if let pairs, let field = pairs.first {
            guard case .field(let name, _, let value) = first else {
                FuzzCheck.require(false, "pairs found \(field.name) first, firstPart said \(first)")
                return
            }
            FuzzCheck.require(name == field.name, "first part \(name), pairs \(field.name)")
            FuzzCheck.require(String(decoding: value, as: UTF8.self) == field.value, "first part value differs from pairs")
        }

        var cuts = Set(FuzzCheck.splitPlans(count: body.count, seed: input).dropFirst().flatMap { $0 })
        let delimiter = Array(("--" + boundary).utf8)
        if body.count >= delimiter.count {
            for index in 0...(body.count - delimiter.count) where body[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                cuts.formUnion([index, index + 1, index + delimiter.count, index + delimiter.count + 2])
            }
        }
        for cut in cuts.sorted() where cut < body.count {
            let partial = MultipartForm.firstPart(Array(body[..<cut]), boundary: boundary)
            switch (partial, first) {
            case (.incomplete, _):
                break
            case (.field(let name, true, let value), .field(let fullName, true, _)) where value.isEmpty && name == fullName:
                break
            default:
                FuzzCheck.require(partial == first, "prefix of \(cut) bytes gave \(partial), the whole body \(first)")
            }
        }
    }
}
