import Foundation

/// A small C program, compiled by the tests with the toolchain's clang at -O2
/// without frame pointers, whose functions the symbolizer must name. Run, it
/// prints the run-time addresses of its functions and waits for stdin to close.
enum Workload {
    static let source = #"""
    #include <stdio.h>
    #include <unistd.h>

    volatile int sink;

    __attribute__((noinline)) int leaf_b(int x) { for (int i = 0; i < x; i++) sink += i; return sink; }
    __attribute__((noinline)) int middle_a(int x) { return leaf_b(x) * 3 + 1; }
    __attribute__((noinline)) static int other_c(int x) { for (int i = 0; i < x; i++) sink ^= i * 7; return sink; }

    int main(int argc, char **argv) {
        printf("main=%p middle_a=%p leaf_b=%p other_c=%p\n", (void *)main, (void *)middle_a, (void *)leaf_b, (void *)other_c);
        fflush(stdout);
        char c;
        while (read(0, &c, 1) > 0) {}
        return middle_a(argc) + other_c(argc);
    }
    """#

    static let clang = "/opt/swift/usr/bin/clang"

    /// Compile the workload into `directory`; returns the binary's path.
    static func compile(in directory: String, name: String = "workload") throws -> String {
        let c = "\(directory)/\(name).c"
        let binary = "\(directory)/\(name)"
        try source.write(toFile: c, atomically: true, encoding: .utf8)
        try run([clang, "-O2", "-fomit-frame-pointer", "-g", "-Wl,--build-id=sha1", "-o", binary, c])
        return binary
    }

    /// A running copy of the workload and the addresses it printed.
    final class Running {
        let process = Process()
        private let input = Pipe()
        private(set) var addresses: [String: UInt64] = [:]
        var pid: Int32 { process.processIdentifier }

        init(_ binary: String) throws {
            process.executableURL = URL(fileURLWithPath: binary)
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = input
            try process.run()
            // One line: "name=0x... name=0x...".
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            for pair in String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                let kv = pair.split(separator: "=")
                if kv.count == 2, let a = UInt64(kv[1].dropFirst(2), radix: 16) { addresses[String(kv[0])] = a }
            }
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}
