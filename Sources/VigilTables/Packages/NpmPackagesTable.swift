import VigilSQL
import VigilSystem

/// `npm_packages`: Node packages in node_modules folders, from each package's
/// package.json, nested dependencies included (depth 1, 2, …), as
/// `npm ls --all --parseable --long` lists them. Unconstrained it reads the
/// global folders (/usr/lib and /usr/local/lib, each account's ~/.npm-global/lib);
/// `directory = X` reads X/node_modules (a project), `max_depth = N` stops at depth N.
/// `pid_with_namespace = P` reads the folders P sees, such as a container's.
public struct NpmPackagesTable: VirtualTable {
    public let schema = TableSchema("npm_packages", "Node packages installed in a system.", [
        Column("name", .text, "Package display name"),
        Column("version", .text, "Package-supplied version").collated(.version),
        Column("description", .text, "Package-supplied description"),
        Column("author", .text, "Package-supplied author"),
        Column("license", .text, "License under which package is launched"),
        Column("homepage", .text, "Package supplied homepage"),
        Column("path", .text, "Path at which this module resides"),
        Column("directory", .text, "Directory where node_modules are located", .index),
        Column("depth", .integer, "Nesting depth of the package (0 = direct dependency)"),
        Column("max_depth", .integer, "Maximum depth to search for nested packages (default 100, -1 = unlimited)", [.additional, .hidden]),
        Column("pid_with_namespace", .integer, "Read the folders under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace id", .hidden),
    ])

    static let globalDirectories = ["/usr/lib", "/usr/local/lib"]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let maxDepth = context.integers("max_depth")?.first ?? 100
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let namespace = PidNamespace.mountNamespace(pid)
            var directories = context.texts("directory") ?? Self.globalDirectories
            if context.texts("directory") == nil {
                var seen = Set<String>()
                for account in (try? Passwd.read(root: root)) ?? [] where !account.home.isEmpty && account.home != "/" && seen.insert(account.home).inserted {
                    directories.append(account.home + "/.npm-global/lib")
                }
            }
            for directory in directories {
                var found: [(path: String, depth: Int64)] = []
                Self.walk(root + directory + "/node_modules", depth: 0, maxDepth: maxDepth, into: &found)
                for (hostPath, depth) in found {
                    guard let manifest = (try? FileSystem.read(hostPath + "/package.json", limit: 4 << 20)).flatMap(JSONValue.parse) else { continue }
                    var row = Row(schema)
                    row["name"] = .text(manifest["name"]?.string ?? "")
                    row["version"] = .text(manifest["version"]?.string ?? "")
                    row["description"] = .text(manifest["description"]?.string ?? "")
                    // "author" is either "Name <mail> (url)" or {"name": …, "email": …}.
                    row["author"] = .text(manifest["author"]?.string ?? manifest["author"]?["name"]?.string ?? "")
                    row["license"] = .text(manifest["license"]?.string ?? manifest["license"]?["type"]?.string ?? "")
                    row["homepage"] = .text(manifest["homepage"]?.string ?? "")
                    row["path"] = .text(PidNamespace.inside(hostPath, root: root))
                    row["directory"] = .text(directory)
                    row["depth"] = .integer(depth)
                    row["max_depth"] = .integer(maxDepth)
                    row["pid_with_namespace"] = .integer(pid)
                    row["mount_namespace_id"] = .text(namespace)
                    rows.append(row)
                }
            }
        }
        return RowSequence(rows)
    }

    /// Package folders in `modules` (a node_modules folder; @scope folders hold one
    /// more level), then those in each package's own node_modules one depth down.
    static func walk(_ modules: String, depth: Int64, maxDepth: Int64, into found: inout [(path: String, depth: Int64)]) {
        guard maxDepth < 0 || depth <= maxDepth, let names = try? FileSystem.list(modules) else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let packages = name.hasPrefix("@")
                ? ((try? FileSystem.list(modules + "/" + name)) ?? []).sorted().map { "\(modules)/\(name)/\($0)" }
                : ["\(modules)/\(name)"]
            for package in packages where FileSystem.exists(package + "/package.json") {
                found.append((package, depth))
                walk(package + "/node_modules", depth: depth + 1, maxDepth: maxDepth, into: &found)
            }
        }
    }
}
