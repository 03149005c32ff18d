import VigilSystem

/// A small XML reader for AppStream metadata (share/metainfo/ID.metainfo.xml): the
/// element tree with attributes and text, the five predefined entities and numeric
/// references decoded, comments, processing instructions, DOCTYPE and CDATA handled.
/// Enough for the well-formed files packagers ship; nil for text that is not XML.
final class XMLElement {
    let name: String
    var attributes: [String: String] = [:]
    var children: [XMLElement] = []
    /// Character data directly inside this element, in order, between its children.
    var text = ""

    init(name: String) { self.name = name }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// xml:lang (or lang); "" when untranslated.
    var language: String { attributes["xml:lang"] ?? attributes["lang"] ?? "" }
    var untranslated: Bool { language.isEmpty || language == "C" }

    /// This element's text and its untranslated descendants', joined by spaces, runs of
    /// white space collapsed to one.
    var plainText: String {
        guard untranslated else { return "" }
        let parts = [text] + children.map(\.plainText)
        return parts.joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }

    static func parse(_ source: String) -> XMLElement? {
        var parser = Parser(bytes: Array(source.utf8))
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func starts(_ s: String) -> Bool { bytes[i...].starts(with: s.utf8) }
        mutating func skip(past s: String) -> Bool {
            let target = Array(s.utf8)
            while i < bytes.count {
                if bytes[i...].starts(with: target) { i += target.count; return true }
                i += 1
            }
            return false
        }

        mutating func document() -> XMLElement? {
            while i < bytes.count {
                if starts("<?") { guard skip(past: "?>") else { return nil } }
                else if starts("<!--") { guard skip(past: "-->") else { return nil } }
                else if starts("<!") { guard skip(past: ">") else { return nil } }
                else if bytes[i] == UInt8(ascii: "<") { return element() }
                else { i += 1 }
            }
            return nil
        }

        static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0a || b == 0x09 || b == 0x0d }

        mutating func name() -> String {
            let start = i
            while i < bytes.count, !Self.isSpace(bytes[i]), ![UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[i]) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func spaces() { while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 } }

        /// At "<": the element, its attributes and content, through its end tag.
        mutating func element() -> XMLElement? {
            i += 1
            let node = XMLElement(name: name())
            while true {
                spaces()
                guard i < bytes.count else { return nil }
                if starts("/>") { i += 2; return node }
                if bytes[i] == UInt8(ascii: ">") { i += 1; break }
                let key = name()
                spaces()
                guard !key.isEmpty, i < bytes.count, bytes[i] == UInt8(ascii: "=") else { return nil }
                i += 1
                spaces()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { return nil }
                let quote = bytes[i]
                i += 1
                let start = i
                while i < bytes.count, bytes[i] != quote { i += 1 }
                guard i < bytes.count else { return nil }
                node.attributes[key] = Self.decode(bytes[start..<i])
                i += 1
            }
            var textStart = i
            func flush(_ end: Int) { node.text += Self.decode(bytes[textStart..<end]) }
            while i < bytes.count {
                guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
                flush(i)
                if starts("</") {
                    guard skip(past: ">") else { return nil }
                    return node
                } else if starts("<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if starts("<![CDATA[") {
                    let start = i + 9
                    guard skip(past: "]]>") else { return nil }
                    node.text += String(decoding: bytes[start..<i - 3], as: UTF8.self)
                } else if starts("<?") {
                    guard skip(past: "?>") else { return nil }
                } else {
                    guard let child = element() else { return nil }
                    node.children.append(child)
                }
                textStart = i
            }
            return nil
        }

        static func decode(_ raw: ArraySlice<UInt8>) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            var out = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { rest = rest[amp...]; break }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let code = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    if let code, let scalar = Unicode.Scalar(code) { out.unicodeScalars.append(scalar) } else { out += "&" + entity + ";" }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
