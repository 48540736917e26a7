#if WHARF_FUZZ
    import Glibc

    /// libFuzzer's driver for a custom `main` (compiler-rt `FuzzerInterface.h`); the sanitizer
    /// build links libFuzzer, whose own `main` gives way to ours.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The entry libFuzzer's own `main` would call; ours runs the driver instead, but the symbol
    /// must exist for libFuzzer to link.
    @_cdecl("LLVMFuzzerTestOneInput")
    func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        LibFuzzer.testOne(data, size)
    }

    enum LibFuzzer {
        /// The target chosen on the command line. Set once before the driver starts, then only
        /// read from the driver's thread.
        nonisolated(unsafe) static var selected: FuzzTarget?

        static func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
            guard let target = selected else { return 0 }
            target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }

        /// Runs libFuzzer with `target`, passing on the command line less its first `dropping`
        /// arguments after the program's name (the target's name).
        static func run(_ target: FuzzTarget, dropping: Int) -> Never {
            selected = target
            // libFuzzer reads flags and corpus folders from argv, and re-runs argv[0] in fork mode.
            var argc = CommandLine.argc - CInt(dropping)
            let argv = CommandLine.unsafeArgv
            argv[dropping] = argv[0]
            var shifted = argv + dropping
            let status = LLVMFuzzerRunDriver(&argc, &shifted) { data, size in LibFuzzer.testOne(data, size) }
            exit(status)
        }
    }
#endif
