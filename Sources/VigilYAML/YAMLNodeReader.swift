import Yams

/// A parser of one YAML file that reads Yams nodes through the typed reads below. Every
/// failure becomes a `LocatedError` at the mark of the node that is wrong, so the
/// message points at the key or value to fix.
public protocol YAMLNodeReader {
    /// Tells this reader's errors apart from other readers' (see `LocatedError`).
    associatedtype Document
    /// What `integer(_:for:)` returns.
    associatedtype Integer: FixedWidthInteger
    /// The file named in errors.
    var file: String { get }
    /// How this format words the errors where formats differ.
    static var wording: YAMLWording { get }
    /// The number a scalar's text stands for; by default `Integer(text)`, exactly.
    func integerValue(_ text: String) -> Integer?
}

/// One `key: value` of a mapping.
public struct YAMLEntry {
    public let key: String
    public let keyNode: Node
    public let value: Node

    public init(key: String, keyNode: Node, value: Node) {
        self.key = key
        self.keyNode = keyNode
        self.value = value
    }
}

/// The entries of a mapping in file order, and by key.
public struct YAMLEntries {
    public let all: [YAMLEntry]

    public init(all: [YAMLEntry]) { self.all = all }

    public subscript(_ key: String) -> YAMLEntry? { all.first { $0.key == key } }
}

extension YAMLNodeReader {
    public typealias Failure = LocatedError<Document>
    public typealias Entry = YAMLEntry
    public typealias Entries = YAMLEntries

    public func integerValue(_ text: String) -> Integer? { Integer(text) }

    public func error(_ reason: String, at node: Node) -> Failure {
        error(reason, at: node.mark)
    }

    public func error(_ reason: String, at mark: Mark?) -> Failure {
        Failure(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, reason: reason)
    }

    /// Where to point for a problem with an entry's value: the value, unless it is
    /// empty (`key:` and nothing), where the key is easier to find.
    public func mark(of entry: Entry) -> Mark? {
        isNull(entry.value) ? entry.keyNode.mark : entry.value.mark
    }

    /// `key:` with nothing after it, `~` or `null`, unquoted.
    public func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// What a node is, for "expected X, found Y".
    public func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s): return isNull(node) ? "nothing" : quoted(s.string)
        }
    }

    /// A value as an error message shows it: quoted, its first line, at most 60
    /// characters (a whole file read as one scalar is not repeated back).
    public func quoted(_ text: String) -> String {
        let line = text.prefix { $0 != "\n" }
        guard line.count < text.count || line.count > 60 else { return "'\(text)'" }
        return "'\(line.prefix(60))…'"
    }

    /// A mapping's entries with scalar keys ("expected `keyExpected`, found ..." for any
    /// other). With `allowed`, each other key goes to `unknown`, which throws or warns,
    /// and is left out.
    public func mappingEntries(
        _ node: Node, in what: String, keyExpected: String = "a key",
        allowed: [String]? = nil, unknown: (Entry) throws(Failure) -> Void = { _ in }
    ) throws(Failure) -> Entries {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for \(what), found \(describe(node))", at: node)
        }
        var all: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let k) = keyNode else { throw error("expected \(keyExpected), found \(describe(keyNode))", at: keyNode) }
            let entry = Entry(key: k.string, keyNode: keyNode, value: value)
            if let allowed, !allowed.contains(k.string) {
                try unknown(entry)
                continue
            }
            all.append(entry)
        }
        return Entries(all: all)
    }

    /// A scalar's text (quoted or not); not a list, mapping or nothing.
    public func string(_ node: Node, for what: String) throws(Failure) -> String {
        guard case .scalar(let s) = node, !isNull(node) else {
            throw error("expected a value for \(what), found \(describe(node))", at: node)
        }
        return s.string
    }

    public func integer(_ node: Node, for what: String) throws(Failure) -> Integer {
        let text = try string(node, for: what)
        guard let value = integerValue(text) else {
            throw error("expected \(Self.wording.integer) for \(what), found \(quoted(text))", at: node)
        }
        return value
    }

    public func integer(_ node: Node, for what: String, in range: ClosedRange<Integer>) throws(Failure) -> Integer {
        let value = try integer(node, for: what)
        guard range.contains(value) else {
            throw error("\(what) must be \(Self.wording.range.text(range)), found \(value)", at: node)
        }
        return value
    }

    /// `true` or `false` in any case, quoted or not.
    public func boolean(_ node: Node, for what: String) throws(Failure) -> Bool {
        let text = try string(node, for: what)
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error("expected true or false for \(what), found \(quoted(text))", at: node)
        }
    }

    /// A list's items; a single value stands for a list of one, since `by: comm` and
    /// `by: [comm]` mean the same to a reader.
    public func items(_ node: Node) -> [Node] {
        switch node {
        case .sequence(let seq): return Array(seq)
        default: return isNull(node) ? [] : [node]
        }
    }

    /// Strings from a list (or a single value), none listed twice, at least one.
    public func strings(_ node: Node, for what: String) throws(Failure) -> [(String, Node)] {
        let list = items(node)
        if list.isEmpty { throw error("\(what) needs at least one value", at: node) }
        var out: [(String, Node)] = []
        for item in list {
            let s = try string(item, for: what)
            if out.contains(where: { $0.0 == s }) { throw error("'\(s)' is listed twice in \(what)", at: item) }
            out.append((s, item))
        }
        return out
    }
}
