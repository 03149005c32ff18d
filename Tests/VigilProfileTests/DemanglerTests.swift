import Testing
@testable import VigilProfile
import VigilTestSupport

@Suite("Demangling", .ownThread)
struct DemanglerTests {
    @Test("Swift names read as swift-demangle prints them", arguments: [
        "$sSi", "$s4main3fooyyF", "$sSS5countSivg", "_$sSa6appendyyxnF",
        "$s10VigilTrace7SessionC3run8durationySd_tKF",
    ])
    func swift(mangled: String) throws {
        #expect(Demangler.hasSwift, "swift_demangle not found with dlsym")
        let expected = try run(["/opt/swift/usr/bin/swift-demangle", "--compact", mangled]).trimmingCharacters(in: .newlines)
        #expect(Demangler.demangle(mangled) == expected)
        #expect(Demangler.demangle(mangled) != mangled)
    }

    @Test("C++ names read as c++filt prints them", arguments: [
        "_ZN3foo3barEv", "_ZNSt6vectorIiSaIiEE9push_backERKi", "_ZN4llvm5APInt6negateEv", "_Z1fPKcz",
    ])
    func cxx(mangled: String) throws {
        #expect(Demangler.hasCxx, "__cxa_demangle not found")
        let expected = try run(["c++filt", mangled]).trimmingCharacters(in: .newlines)
        #expect(Demangler.demangle(mangled) == expected)
    }

    @Test("Rust legacy names lose their hash; v0 names stay mangled")
    func rust() {
        #expect(Demangler.demangle("_ZN4core3fmt5write17h0123456789abcdefE") == "core::fmt::write")
        #expect(Demangler.demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h2d5ea6c4b3e1f0a9E") == "std::rt::lang_start::{{closure}}")
        #expect(Demangler.demangle("_ZN66_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h0123456789abcdefE") == "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop")
        #expect(Demangler.demangle("_RNvCs1234_7mycrate3foo") == "_RNvCs1234_7mycrate3foo")
        // A C++ name that merely ends in a hex-like word is not touched.
        #expect(Demangler.demangle("_ZN3foo3barEv") == "foo::bar()")
    }

    @Test("Plain C names and garbage come back unchanged", arguments: ["main", "strlen", "_Zgarbage", "$s!!", ""])
    func unchanged(name: String) {
        #expect(Demangler.demangle(name) == name)
    }
}
