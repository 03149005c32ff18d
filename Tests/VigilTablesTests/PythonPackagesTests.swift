import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// The distributions `pip list --path DIR` finds in the same folders: Debian's
/// dist-packages (mostly egg-info) and the pyenv Python's site-packages (dist-info).
@Suite(.ownThread) struct PythonPackagesTests {
    static func pipList(_ dir: String) throws -> Set<String> {
        let json = try shell(["python3", "-m", "pip", "list", "--path", dir, "--format=json", "--disable-pip-version-check"])
        let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: String]] ?? []
        return Set(list.map { "\($0["name"] ?? "")|\($0["version"] ?? "")" })
    }

    @Test func directoryMatchesPipList() throws {
        let sitePackages = try shell(["python3", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for dir in ["/usr/lib/python3/dist-packages", sitePackages] where FileManager.default.fileExists(atPath: dir) {
            let expected = try Self.pipList(dir)
            try #require(!expected.isEmpty, "pip lists nothing in \(dir)")
            let rows = try query("SELECT name, version, path, directory FROM python_packages WHERE directory = '\(dir)'")
            #expect(Set(rows.map { "\($0["name"]!.string)|\($0["version"]!.string)" }) == expected, "\(dir)")
            #expect(rows.allSatisfy { $0["directory"]?.string == dir && $0["path"]!.string.hasPrefix(dir + "/") })
        }
    }

    /// Unconstrained, the system's dist-packages are among the folders read.
    @Test func systemFoldersAreRead() throws {
        let dir = "/usr/lib/python3/dist-packages"
        guard FileManager.default.fileExists(atPath: dir) else { return }
        let rows = try query("SELECT name, version FROM python_packages WHERE path LIKE '\(dir)/%'")
        #expect(Set(rows.map { "\($0["name"]!.string)|\($0["version"]!.string)" }) == (try Self.pipList(dir)))
    }
}

extension PythonPackagesTests {
    /// Through our own /proc/PID/root the same packages are found, with the paths as
    /// that process sees them and its pid in pid_with_namespace.
    @Test func pidWithNamespaceReadsThatRoot() throws {
        let dir = "/usr/lib/python3/dist-packages"
        guard FileManager.default.fileExists(atPath: dir) else { return }
        let host = try query("SELECT name, version, path FROM python_packages WHERE directory = '\(dir)'")
        try #require(!host.isEmpty)
        let pid = getpid()
        let inside = try query("SELECT name, version, path, directory, pid_with_namespace FROM python_packages WHERE directory = '\(dir)' AND pid_with_namespace = \(pid)")
        #expect(Set(inside.map { "\($0["name"]!.string)|\($0["path"]!.string)" }) == Set(host.map { "\($0["name"]!.string)|\($0["path"]!.string)" }))
        #expect(inside.allSatisfy { $0["pid_with_namespace"]?.int == Int64(pid) && $0["directory"]?.string == dir })
    }
}
