import Glibc

/// The Swift runtime's demangler (exported by libswiftCore, and linked in with the
/// static standard library too).
@_silgen_name("swift_demangle")
private func vigil_swift_demangle(
    _ mangled: UnsafePointer<CChar>?, _ length: Int, _ output: UnsafeMutablePointer<CChar>?,
    _ outputSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

/// Readable names from mangled ones, through the language runtimes' own
/// demanglers, so Vigil carries no demangler of its own:
/// - Swift (`$s…`, `_$s…`, older `_T0…`): `swift_demangle` from the Swift runtime,
///   linked in (dlsym cannot see it in the static-stdlib release binary);
/// - C++ (`_Z…`): `__cxa_demangle` from libstdc++ (loaded by the Swift runtime), by dlsym;
/// - Rust legacy (`_ZN…17h<hash>E`): the C++ demangler, then the `::h<16 hex>`
///   hash is dropped and rustc's escapes decoded. Rust v0 (`_R…`) names stay mangled.
/// A name nothing recognizes is returned unchanged.
public enum Demangler {
    typealias CxaDemangle = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int32>?
    ) -> UnsafeMutablePointer<CChar>?

    // Resolved once, on first use.
    private static let cxaDemangle: CxaDemangle? = symbol("__cxa_demangle", library: "libstdc++.so.6")

    /// Whether each runtime demangler was found (for `vigil doctor` and tests).
    /// Always: the Swift demangler is linked in (with --static-swift-stdlib, the release
    /// build, the runtime's symbols are not in the dynamic symbol table for dlsym).
    public static var hasSwift: Bool { true }
    public static var hasCxx: Bool { cxaDemangle != nil }

    public static func demangle(_ name: String) -> String {
        if isSwift(name) { return swift(name) ?? name }
        if name.hasPrefix("_Z") {
            guard let cxx = cxx(name) else { return name }
            return isRustLegacy(name) ? RustLegacy.clean(cxx) : cxx
        }
        return name
    }

    static func isSwift(_ name: String) -> Bool {
        name.hasPrefix("$s") || name.hasPrefix("_$s") || name.hasPrefix("$S") || name.hasPrefix("_$S")
            || name.hasPrefix("$e") || name.hasPrefix("_$e") || name.hasPrefix("_T0")
    }

    static func swift(_ name: String) -> String? {
        name.withCString { c in
            // No output buffer: the runtime returns a malloc'd string, or nil when the name is not Swift's.
            guard let out = vigil_swift_demangle(c, strlen(c), nil, nil, 0) else { return nil }
            defer { free(out) }
            return String(cString: out)
        }
    }

    static func cxx(_ name: String) -> String? {
        guard let cxaDemangle else { return nil }
        var status: Int32 = 0
        guard let out = cxaDemangle(name, nil, nil, &status) else { return nil }
        defer { free(out) }
        return status == 0 ? String(cString: out) : nil
    }

    /// rustc's legacy scheme: an Itanium nested name whose last part is "h" + 16 hex digits.
    static func isRustLegacy(_ name: String) -> Bool {
        guard name.hasPrefix("_ZN"), name.hasSuffix("E") else { return false }
        let body = name.utf8.dropLast()
        guard body.count > 19 else { return false }
        let tail = body.suffix(19)
        return tail.starts(with: "17h".utf8) && tail.dropFirst(3).allSatisfy(isHexDigit)
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 97 && c <= 102)
    }

    /// A function from the running image, else from `library` (dlopen'd once, never closed).
    private static func symbol<T>(_ name: String, library: String) -> T? {
        var address = dlsym(nil, name)
        if address == nil, let handle = dlopen(library, RTLD_LAZY) { address = dlsym(handle, name) }
        guard let address else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
