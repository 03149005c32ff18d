import Yams

/// YAML text to its root node, with syntax errors at their line and column.
extension YAMLNodeReader {
    /// The root node of `text`; nothing at all is an error (`wording.empty`).
    public func compose(_ text: String) throws(Failure) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            throw convert(yaml, text: text)
        } catch {
            throw Failure(file: file, line: 1, column: 1, reason: "\(Self.wording.unreadable): \(error)")
        }
        guard let root, !isNull(root) else { throw Failure(file: file, line: 1, column: 1, reason: Self.wording.empty) }
        return root
    }

    private func convert(_ yaml: YamlError, text: String) -> Failure {
        let invalid = Self.wording.invalid
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return error("\(invalid): \(problem)\(detail)", at: mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams reports the first occurrence of the key.
            return error("duplicate key '\(duplicates.first ?? "")'\(Self.wording.duplicateKeyAdvice)", at: context.mark)
        case let .reader(problem, offset, _, _) where Self.wording.locatesUnreadableText:
            let (line, column) = offset.map { YAMLPosition.of(utf8Offset: $0, in: text) } ?? (1, 1)
            return Failure(file: file, line: line, column: column, reason: "\(invalid): \(problem)")
        default:
            return Failure(file: file, line: 1, column: 1, reason: "\(invalid): \(yaml)")
        }
    }
}

public enum YAMLPosition {
    /// Line and column (1-based, in Unicode scalars like libyaml) of a byte offset.
    public static func of(utf8Offset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        let bytes = Array(text.utf8.prefix(offset))
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
        return (line, String(decoding: bytes[lineStart...], as: UTF8.self).unicodeScalars.count + 1)
    }
}
