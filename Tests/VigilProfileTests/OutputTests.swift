import Foundation
import SwiftProtobuf
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VigilSystem
@testable import VigilProfile
import VigilTestSupport

/// The writers on a profile of known counts (PipelineTests.profileOfWorkload):
/// main→middle_a→leaf_b 30, main→middle_a 50, main→other_c 20.
@Suite("Outputs", .ownThread, .serialized)
struct OutputTests {
    final class Fixture: @unchecked Sendable {
        let dir: String
        let symbolized: SymbolizedProfile
        let binary: String
        init() throws {
            dir = try temporaryDirectory()
            (symbolized, _, binary) = try PipelineTests.profileOfWorkload(in: dir)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
    }

    let fixture: Fixture
    init() throws { fixture = try Fixture() }

    @Test("folded: one line per stack, root first, counts summing to the samples")
    func folded() throws {
        let text = String(decoding: try ProfileFormat.folded.encode(fixture.symbolized), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "workload;main;middle_a 50",
            "workload;main;middle_a;leaf_b 30",
            "workload;main;other_c 20",
        ])
        let sum = lines.compactMap { $0.split(separator: " ").last.flatMap { UInt64($0) } }.reduce(0, +)
        #expect(sum == fixture.symbolized.profile.cpuSampleCount)
    }

    @Test("pprof read back (as the fleet server does): the same folded stacks and flame graph as from the profile itself")
    func pprofReadBack() throws {
        let pprof = try Gzip.decompress(try ProfileFormat.pprof.encode(fixture.symbolized))
        let read = try PprofReader.stacks(pprof)
        let direct = NamedStacks(fixture.symbolized)
        #expect(FoldedWriter.render(read) == FoldedWriter.render(direct))
        #expect(read.total == fixture.symbolized.profile.cpuSampleCount)
        #expect(FlameGraphSVG.render(read) == FlameGraphSVG.render(direct))
        #expect(throws: PprofReader.Failure.self) { try PprofReader.stacks(Array("not a profile at all".utf8) + [0xff, 0xff]) }
    }

    @Test("callgrind: self costs, call edges with inclusive costs, file names")
    func callgrind() throws {
        let text = String(decoding: try ProfileFormat.callgrind.encode(fixture.symbolized), as: UTF8.self)
        #expect(text.hasPrefix("# callgrind format\nversion: 1\n"))
        #expect(text.contains("events: Samples\n"))
        #expect(text.contains("totals: 100\n"))
        // Each function block: ob/fl/fn, a self-cost line, then its calls.
        let blocks = text.components(separatedBy: "\n\n").filter { $0.contains("\nfn=") || $0.hasPrefix("ob=") }
        func block(_ fn: String) -> String? { blocks.first { $0.contains("\nfn=\(fn)\n") } }
        let b = fixture.binary
        #expect(block("leaf_b") == "ob=\(b)\nfl=\(b)\nfn=leaf_b\n0 30")
        #expect(block("middle_a") == "ob=\(b)\nfl=\(b)\nfn=middle_a\n0 50\ncob=\(b)\ncfi=\(b)\ncfn=leaf_b\ncalls=30 0\n0 30")
        let main = try #require(block("main"))
        #expect(main.contains("fn=main\n0 0\n"))
        #expect(main.contains("cfn=middle_a\ncalls=80 0\n0 80"))
        #expect(main.contains("cfn=other_c\ncalls=20 0\n0 20"))
    }

    @Test("pprof: decodes with the generated types; types, values, mappings with build IDs, names")
    func pprof() throws {
        let bytes = try ProfileFormat.pprof.encode(fixture.symbolized)
        #expect(bytes.prefix(2) == [0x1f, 0x8b], "gzip magic")
        let p = try Perftools_Profiles_Profile(serializedBytes: try Gzip.decompress(bytes))
        let s = p.stringTable
        #expect(s.first == "")
        #expect(p.sampleType.map { "\(s[Int($0.type)])/\(s[Int($0.unit)])" } == ["samples/count", "cpu/nanoseconds"])
        #expect(s[Int(p.periodType.type)] == "cpu" && p.period == 10_000_000)
        #expect(p.sample.map { $0.value[0] }.reduce(0, +) == 100)
        #expect(p.sample.map { $0.value[1] }.reduce(0, +) == 100 * 10_000_000)
        // Leaf-first location lists name the right functions with the right counts.
        let functions = Dictionary(uniqueKeysWithValues: p.function.map { ($0.id, s[Int($0.name)]) })
        let locations = Dictionary(uniqueKeysWithValues: p.location.map { ($0.id, $0) })
        var stacks: [String: Int64] = [:]
        for sample in p.sample {
            let names = sample.locationID.map { functions[locations[$0]!.line[0].functionID]! }
            stacks[names.joined(separator: "<")] = sample.value[0]
            let labels = Dictionary(uniqueKeysWithValues: sample.label.map { (s[Int($0.key)], $0) })
            #expect(s[Int(labels["comm"]!.str)] == "workload")
            #expect(labels["pid"]!.num > 0)
        }
        #expect(stacks == ["leaf_b<middle_a<main": 30, "middle_a<main": 50, "other_c<main": 20])
        // One mapping for the binary, with its GNU build ID; every location inside its mapping.
        let mapping = try #require(p.mapping.first { s[Int($0.filename)] == fixture.binary })
        #expect(s[Int(mapping.buildID)] == (try readelfBuildID(fixture.binary)))
        #expect(mapping.hasFunctions_p)
        for l in p.location where l.mappingID == mapping.id {
            #expect(l.address >= mapping.memoryStart && l.address < mapping.memoryLimit)
        }
    }

    @Test("go tool pprof reads the file: -top lists the functions, -callgrind converts it")
    func goToolPprof() throws {
        guard let go = which("go") else {
            // golang-go is ~330 MB, so the bootstrap does not install it; this check runs where it is present.
            print("skipped: `go` is not installed (apt-get install golang-go to run this check)")
            return
        }
        let path = "\(fixture.dir)/profile.pb.gz"
        try ProfileFormat.pprof.write(fixture.symbolized, to: path)
        let env = "HOME=\(fixture.dir) GOCACHE=\(fixture.dir)/gocache GOFLAGS=-mod=mod"
        let top = try sh("\(env) \(go) tool pprof -top -sample_index=samples \(path) 2>/dev/null")
        let rows = top.split(separator: "\n")
        func flat(_ name: String) -> Int? {
            rows.first { $0.hasSuffix(" \(name)") }.flatMap { Int($0.split(separator: " ").first!) }
        }
        #expect(flat("middle_a") == 50)
        #expect(flat("leaf_b") == 30)
        #expect(flat("other_c") == 20)
        let grind = try sh("\(env) \(go) tool pprof -callgrind -sample_index=samples -output=\(fixture.dir)/out.grind \(path) 2>&1; cat \(fixture.dir)/out.grind")
        #expect(grind.contains("fn=") && grind.contains("middle_a") && grind.contains("leaf_b"))
    }

    @Test("svg: well-formed XML with a frame per function, search box and script")
    func svg() throws {
        let bytes = try ProfileFormat.svg.encode(fixture.symbolized, title: "workload <test> & co")
        let parser = XMLParser(data: Data(bytes))
        let collector = SVGCollector()
        parser.delegate = collector
        #expect(parser.parse(), "XML error: \(String(describing: parser.parserError))")
        // all, workload, main, middle_a, leaf_b, other_c
        #expect(collector.frameTitles.count == 6)
        #expect(collector.frameTitles.contains { $0.hasPrefix("middle_a (80 samples, 80.00%)") })
        #expect(collector.frameTitles.contains { $0.hasPrefix("all (100 samples, 100.00%)") })
        #expect(collector.elements.contains("script") && collector.elements.contains("input"))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("http://") || !text.contains("src="), "no external assets")
    }

    @Test("top functions by self and total time")
    func top() {
        let top = TopFunctions(fixture.symbolized)
        let rows = Dictionary(uniqueKeysWithValues: top.rows.map { ($0.function.name, ($0.selfValue, $0.totalValue)) })
        #expect(top.rows.first?.function.name == "middle_a")
        #expect(rows["middle_a"]! == (50, 80))
        #expect(rows["leaf_b"]! == (30, 30))
        #expect(rows["other_c"]! == (20, 20))
        #expect(rows["main"]! == (0, 100))
        #expect(rows["workload"] == nil, "thread names are not functions")
        let text = top.render()
        #expect(text.contains("  50.0%          50   80.0%          80  middle_a"))
    }
}

final class SVGCollector: NSObject, XMLParserDelegate {
    var elements = Set<String>()
    var frameTitles: [String] = []
    private var inFrameTitle = false
    private var depthInFrame = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.insert(name)
        if name == "g", attributes["class"] == "f" { frameTitles.append("") }
        inFrameTitle = name == "title" && !frameTitles.isEmpty
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title" { inFrameTitle = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inFrameTitle { frameTitles[frameTitles.count - 1] += string }
    }
}
