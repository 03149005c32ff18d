import Foundation
import Glibc
import Testing
import VigilTestSupport
import VigilBPF
import VigilTrace

/// The kernel side of file integrity, with the sensor alone: what it passes to user
/// space for writes the test makes itself (nothing else filters at this level).
@Suite(.ownThread, .serialized) struct FileIntegritySensorTests {
    /// File integrity alone, watching one prefix, with a small ring.
    static func sensor(watching prefix: String) throws -> TraceSensor {
        var options = SensorOptions()
        options.events = []
        options.fileIntegrity = FileIntegrityOptions(prefixes: [prefix])
        options.ringBufferBytes = 1 << 20
        return try TraceSensor(options: options)
    }

    @Test(.requiresRoot) func theKernelPassesOnlyWatchedChangesAtMostOnceASecondPerFile() throws {
        try requireRoot()
        let base = "/tmp/vigil-fimk-\(UUID().uuidString.prefix(8))"
        let (watched, other) = (base + "/watched", base + "/other")
        for d in [watched, other] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: base) }
        let sensor = try Self.sensor(watching: watched + "/")
        defer { sensor.detach() }
        let decoder = EventDecoder(catalog: sensor.catalog)
        nonisolated(unsafe) var seen: [(syscall: String, path: String, changes: [FileChange])] = []
        let ring = try RingBuffer(map: sensor.eventsMap) { record in
            guard case .syscall(let call)? = decoder.decode(record) else { return }
            let path = call.resolvedPath ?? call.fileChanges.first?.path ?? ""
            if path.hasPrefix(base) { seen.append((call.syscall, path, call.fileChanges)) }
        }

        func write(_ fd: Int32, _ text: String) { _ = text.withCString { Glibc.write(fd, $0, strlen($0)) } }
        let a = watched + "/a.txt", b = other + "/b.txt"
        // Created, then written three times at once: one open, one write.
        var fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        for _ in 0..<3 { write(fd, "x") }
        close(fd)
        // Outside the prefix: nothing reaches user space.
        fd = open(b, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        write(fd, "y")
        close(fd)
        // Opened for reading: not a change.
        fd = open(a, O_RDONLY | O_CLOEXEC)
        close(fd)
        // Reopened for appending and written twice, within a second of the last report:
        // coalesced. A second later a write counts again.
        fd = open(a, O_WRONLY | O_APPEND | O_CLOEXEC)
        write(fd, "1")
        write(fd, "2")
        usleep(1_100_000)
        write(fd, "3")
        close(fd)
        // Truncated at once: coalesced with that write; a second later: a change.
        close(open(a, O_WRONLY | O_TRUNC | O_CLOEXEC))
        usleep(1_100_000)
        fd = open(a, O_WRONLY | O_TRUNC | O_CLOEXEC)
        write(fd, "4")
        close(fd)
        _ = try ring.poll(timeoutMilliseconds: 100)
        ring.drain()

        let names = seen.map { "\($0.syscall) \($0.path.dropFirst(base.count))" }
        #expect(names == ["openat /watched/a.txt", "write /watched/a.txt", "write /watched/a.txt", "openat /watched/a.txt"], "\(names)")
        let changes = seen.map(\.changes)
        #expect(changes == [[FileChange(action: .created, path: a)]] + Array(repeating: [FileChange(action: .updated, path: a)], count: 3), "\(changes)")
        #expect(sensor.lostInKernel().values.reduce(0, +) == 0)
    }

    /// Calls that name a file relative to a directory: the kernel captures the working
    /// directory's or the dirfd's path (a dentry walk), user space joins them.
    @Test(.requiresRoot) func relativeNamesResolveAgainstTheWorkingDirectoryAndDirfd() throws {
        try requireRoot()
        let base = "/tmp/vigil-fimr-\(UUID().uuidString.prefix(8))"
        let watched = base + "/watched/sub"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        for name in ["c.txt", "d.txt", "e.txt"] { try "x".write(toFile: watched + "/" + name, atomically: false, encoding: .utf8) }
        let sensor = try Self.sensor(watching: base + "/watched/")
        defer { sensor.detach() }
        let decoder = EventDecoder(catalog: sensor.catalog)
        nonisolated(unsafe) var changes: [FileChange] = []
        let ring = try RingBuffer(map: sensor.eventsMap) { record in
            guard case .syscall(let call)? = decoder.decode(record) else { return }
            changes += call.fileChanges.filter { $0.path.hasPrefix(base) }
        }
        // rm and mv name their files relative to the working directory (AT_FDCWD).
        let r = try CLI.run(["-c", "cd \(watched) && rm c.txt && mv d.txt moved.txt"], executable: "/bin/sh")
        #expect(r.status == 0, "\(r.stderr)")
        // And relative to a directory descriptor.
        let dirfd = open(watched, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(unlinkat(dirfd, "e.txt", 0) == 0)
        close(dirfd)
        _ = try ring.poll(timeoutMilliseconds: 100)
        ring.drain()
        #expect(changes == [FileChange(action: .deleted, path: watched + "/c.txt"), FileChange(action: .movedFrom, path: watched + "/d.txt"),
                            FileChange(action: .movedTo, path: watched + "/moved.txt"), FileChange(action: .deleted, path: watched + "/e.txt")],
                "\(changes)")
    }
}
