import CRPM
import Glibc
import Synchronization

/// One installed package in an RPM database, as `rpm -qa --qf` shows its tags.
public struct RPMPackage: Sendable, Equatable {
    public var name = "", version = "", release = "", arch = ""
    /// Epoch tag; nil when the package has none (`rpm` prints "(none)").
    public var epoch: Int64?
    /// SIZE tag: the installed size in bytes.
    public var size: Int64?
    public var sourceRPM = "", sha1 = "", vendor = "", group = ""
    public var installTime: Int64?
}

/// One file of an installed package, as `rpm -q --dump` lists it.
public struct RPMFile: Sendable, Equatable {
    public var path = "", user = "", group = ""
    public var mode: UInt32 = 0
    public var size: Int64 = 0
    /// Hex digest in the package's file digest algorithm (SHA-256 since RPM 4.6 builds).
    public var digest = ""
}

/// What can go wrong reading an RPM database.
public enum RPMError: Error, CustomStringConvertible, Sendable {
    /// A database exists but no librpm could be loaded to read it.
    case libraryUnavailable(database: String)

    public var description: String {
        switch self {
        case .libraryUnavailable(let db): return "an RPM database is at \(db) but librpm (librpm.so.10/.9/.8) cannot be loaded"
        }
    }
}

/// Reader of RPM's package database through librpm (`rpmtsInitIterator`,
/// `headerGetString`, `rpmfiNew`), loaded with dlopen (see CRPM.h).
/// librpm keeps its configuration and macros in globals, so every read holds one lock.
public enum RPMDatabase {
    /// Where RPM distributions keep the system database: Fedora 36+ and openSUSE
    /// moved it to /usr/lib/sysimage/rpm (leaving /var/lib/rpm as a link); older ones.
    public static let systemDirectories = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"]

    /// The files each backend keeps: sqlite (RPM 4.16+), Berkeley DB, ndb.
    static let databaseFiles = ["rpmdb.sqlite", "Packages", "Packages.db"]

    /// The first system database directory under `root` that holds a database, or nil
    /// (a Debian host: no RPM database at all). Debian's own `rpm` keeps a per-user
    /// ~/.rpmdb, which is not the system's and is not read.
    public static func systemDirectory(root: String = "") -> String? {
        systemDirectories.map { root + $0 }.first { dir in databaseFiles.contains { FileSystem.exists(dir + "/" + $0) } }
    }

    private static let lock = Mutex(false)   // whether rpmReadConfigFiles has run

    /// How to select packages: every one, by name (RPMDBI_NAME), or the owner of a path.
    public enum Selection: Sendable {
        case all
        case name(String)
        case installedFile(String)
    }

    /// Packages in the database at `directory` that `selection` picks; with `files`,
    /// each package's file list too (empty otherwise).
    public static func read(directory: String, _ selection: Selection = .all, files: Bool = false) throws(RPMError) -> [(RPMPackage, [RPMFile])] {
        guard let api = vigil_rpm_api()?.pointee else { throw .libraryUnavailable(database: directory) }
        return lock.withLock { configured in
            if !configured {
                // Quiet: a database that cannot be opened is reported as no rows, not as
                // librpm's own messages on stderr.
                _ = api.logSetMask(vigil_rpmlog_upto(Int32(RPMLOG_EMERG.rawValue)))
                _ = api.readConfigFiles(nil, nil)
                configured = true
            }
            _ = api.pushMacro(nil, "_dbpath", nil, directory, RMIL_CMDLINE)
            defer { _ = api.popMacro(nil, "_dbpath") }
            guard let ts = api.tsCreate() else { return [] }
            defer { _ = api.tsFree(ts) }
            // Header digests and signatures are not checked: the table reports what is
            // installed, and a host without the vendor's keys would otherwise warn.
            _ = api.tsSetVSFlags(ts, vigil_rpm_no_checks())
            let iterator: rpmdbMatchIterator?
            switch selection {
            case .all: iterator = api.tsInitIterator(ts, rpmDbiTagVal(RPMDBI_PACKAGES.rawValue), nil, 0)
            case .name(let n): iterator = api.tsInitIterator(ts, rpmDbiTagVal(RPMDBI_NAME.rawValue), n, 0)
            case .installedFile(let p): iterator = api.tsInitIterator(ts, rpmDbiTagVal(RPMDBI_INSTFILENAMES.rawValue), p, 0)
            }
            guard let iterator else { return [] }
            defer { _ = api.dbFreeIterator(iterator) }
            var out: [(RPMPackage, [RPMFile])] = []
            while let h = api.dbNextIterator(iterator) {
                out.append((package(h, api), files ? fileList(h, ts, api) : []))
            }
            return out
        }
    }

    private static func package(_ h: Header, _ api: vigil_rpm_api) -> RPMPackage {
        func text(_ tag: rpmTag) -> String { api.headerGetString(h, rpmTagVal(tag.rawValue)).map { String(cString: $0) } ?? "" }
        func number(_ tag: rpmTag) -> Int64? {
            api.headerIsEntry(h, rpmTagVal(tag.rawValue)) != 0 ? Int64(bitPattern: api.headerGetNumber(h, rpmTagVal(tag.rawValue))) : nil
        }
        var p = RPMPackage()
        p.name = text(RPMTAG_NAME); p.version = text(RPMTAG_VERSION); p.release = text(RPMTAG_RELEASE)
        p.arch = text(RPMTAG_ARCH); p.epoch = number(RPMTAG_EPOCH)
        // LONGSIZE is present only for packages over 4 GiB; SIZE otherwise.
        p.size = number(RPMTAG_LONGSIZE) ?? number(RPMTAG_SIZE)
        p.sourceRPM = text(RPMTAG_SOURCERPM); p.sha1 = text(RPMTAG_SHA1HEADER)
        p.vendor = text(RPMTAG_VENDOR); p.group = text(RPMTAG_GROUP)
        p.installTime = number(RPMTAG_INSTALLTIME)
        return p
    }

    private static func fileList(_ h: Header, _ ts: rpmts, _ api: vigil_rpm_api) -> [RPMFile] {
        guard let fi = api.fiNew(ts, h, rpmTagVal(RPMTAG_BASENAMES.rawValue), rpmfiFlags(RPMFI_KEEPHEADER.rawValue)) else { return [] }
        defer { _ = api.fiFree(fi) }
        var files: [RPMFile] = []
        while api.fiNext(fi) >= 0 {
            var f = RPMFile()
            f.path = api.fiFN(fi).map { String(cString: $0) } ?? ""
            f.user = api.fiFUser(fi).map { String(cString: $0) } ?? ""
            f.group = api.fiFGroup(fi).map { String(cString: $0) } ?? ""
            f.mode = UInt32(api.fiFMode(fi))
            f.size = Int64(bitPattern: api.fiFSize(fi))
            if let hex = api.fiFDigestHex(fi, nil) {
                f.digest = String(cString: hex)
                free(hex)
            }
            files.append(f)
        }
        return files
    }
}
