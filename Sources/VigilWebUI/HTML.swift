/// Markup as values. Text and attribute values are escaped when rendered, and tag and
/// attribute names are compile-time constants (`StaticString`), so anything that came
/// from a host (a name, a result, a path) can only ever end up as text: there is no way
/// to put a run-time string into a page unescaped. Chosen over a template language so
/// that the compiler checks every page and no template files need embedding.
public struct HTML: Sendable {
    enum Kind: Sendable {
        case element(StaticString, [Attribute], [HTML])
        case void(StaticString, [Attribute])
        case text(String)
        case group([HTML])
    }
    let kind: Kind

    static let empty = HTML(kind: .group([]))

    /// The document, with its doctype.
    public func document() -> String {
        var out = "<!DOCTYPE html>\n"
        out.reserveCapacity(16_384)
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        switch kind {
        case .text(let text):
            HTML.escape(text, into: &out)
        case .group(let parts):
            for part in parts { part.render(into: &out) }
        case .void(let tag, let attributes):
            HTML.open(tag, attributes, into: &out)
        case .element(let tag, let attributes, let children):
            HTML.open(tag, attributes, into: &out)
            for child in children { child.render(into: &out) }
            out += "</"
            out += tag.description
            out += ">"
        }
    }

    static func open(_ tag: StaticString, _ attributes: [Attribute], into out: inout String) {
        out += "<"
        out += tag.description
        for a in attributes {
            out += " "
            out += a.name.description
            if let value = a.value {
                out += "=\""
                escape(value, into: &out)
                out += "\""
            }
        }
        out += ">"
    }

    /// Escapes the five characters that can end text or a quoted attribute value.
    static func escape(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}

/// One attribute: a constant name and an escaped value (nil: a boolean attribute).
public struct Attribute: Sendable {
    let name: StaticString
    let value: String?

    init(_ name: StaticString, _ value: String?) {
        self.name = name
        self.value = value
    }

    static func `class`(_ value: String) -> Attribute { Attribute("class", value) }
    static func id(_ value: String) -> Attribute { Attribute("id", value) }
    static func href(_ value: String) -> Attribute { Attribute("href", value) }
    static func name(_ value: String) -> Attribute { Attribute("name", value) }
    static func type(_ value: String) -> Attribute { Attribute("type", value) }
    static func value(_ value: String) -> Attribute { Attribute("value", value) }
    static func `for`(_ value: String) -> Attribute { Attribute("for", value) }
    static func data(_ name: StaticString, _ value: String) -> Attribute { Attribute(name, value) }
    static let required = Attribute("required", nil)
    static let selected = Attribute("selected", nil)
}

@resultBuilder
enum HTMLBuilder {
    static func buildExpression(_ node: HTML) -> HTML { node }
    /// A string in a page is text: escaped, whatever it holds.
    static func buildExpression(_ text: String) -> HTML { HTML(kind: .text(text)) }
    static func buildBlock(_ parts: HTML...) -> HTML { HTML(kind: .group(parts)) }
    static func buildOptional(_ part: HTML?) -> HTML { part ?? .empty }
    static func buildEither(first: HTML) -> HTML { first }
    static func buildEither(second: HTML) -> HTML { second }
    static func buildArray(_ parts: [HTML]) -> HTML { HTML(kind: .group(parts)) }
}

/// An element with content.
func el(_ tag: StaticString, _ attributes: Attribute..., @HTMLBuilder content: () -> HTML = { .empty }) -> HTML {
    HTML(kind: .element(tag, attributes, [content()]))
}

/// An element with content, attributes given as an array (some chosen at run time).
func el(_ tag: StaticString, attributes: [Attribute], @HTMLBuilder content: () -> HTML = { .empty }) -> HTML {
    HTML(kind: .element(tag, attributes, [content()]))
}

/// An element without content or end tag (input, meta, link).
func void(_ tag: StaticString, _ attributes: Attribute...) -> HTML {
    HTML(kind: .void(tag, attributes))
}

/// Text, escaped.
func text(_ s: String) -> HTML { HTML(kind: .text(s)) }
