import Testing
@testable import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct PushdownTests {
    @Test func tablesAreEponymous() throws {
        let db = try Database(tables: [RecordingTable()])
        #expect(try db.query("SELECT count(*) AS n FROM numbers").first?["n"] == .integer(10))
    }

    @Test func equalityIsPushedDown() throws {
        let table = RecordingTable()
        let db = try Database(tables: [table])
        let rows = try db.query("SELECT id FROM numbers WHERE id = 3")
        #expect(rows.map { $0["id"] } == [.integer(3)])
        #expect(table.calls.count == 1)
        #expect(table.calls.first?.constraints["id"] == [.integer(3)])
    }

    @Test func inListArrivesInOneCall() throws {
        let table = RecordingTable()
        let db = try Database(tables: [table])
        let rows = try db.query("SELECT id FROM numbers WHERE id IN (2, 4, 6)")
        #expect(Set(rows.compactMap { $0["id"]?.integer }) == [2, 4, 6])
        #expect(table.calls.count == 1)
        #expect(Set(table.calls.first?.constraints["id"] ?? []) == [.integer(2), .integer(4), .integer(6)])
    }

    /// osquery hands its tables the constraints on additional columns too (another uid,
    /// admindir or namespace to read), and so does Vigil.
    @Test func additionalColumnsArePushedDown() throws {
        let table = RecordingTable(idFlags: .additional)
        let db = try Database(tables: [table])
        #expect(try db.query("SELECT id FROM numbers WHERE id IN (2, 5)").count == 2)
        #expect(Set(table.calls.first?.constraints["id"] ?? []) == [.integer(2), .integer(5)])
        let plain = RecordingTable(idFlags: [])
        _ = try Database(tables: [plain]).query("SELECT id FROM numbers WHERE id = 2")
        #expect(plain.calls.first?.constraints["id"] == nil)
    }

    @Test func unusedColumnsAreNotComputed() throws {
        let table = RecordingTable()
        let db = try Database(tables: [table])
        let rows = try db.query("SELECT label FROM numbers WHERE id = 2")
        #expect(rows.first?["label"] == .text("n2"))
        let context = try #require(table.calls.first)
        #expect(context.isUsed("label"))
        #expect(!context.isUsed("square"))
        _ = try db.query("SELECT square FROM numbers WHERE id = 2")
        #expect(table.calls.last?.isUsed("square") == true)
    }

    @Test func nonIndexedConstraintsAreFilteredBySQLite() throws {
        let table = RecordingTable()
        let db = try Database(tables: [table])
        let rows = try db.query("SELECT id FROM numbers WHERE label = 'n5'")
        #expect(rows.map { $0["id"] } == [.integer(5)])
        #expect(table.calls.first?.constraints.isEmpty == true)
    }

    @Test func hiddenColumnsAreLeftOutOfSelectStar() throws {
        let db = try Database(tables: [RecordingTable()])
        let row = try #require(try db.query("SELECT * FROM numbers WHERE id = 1").first)
        #expect(row["note"] == nil)
        #expect(try db.query("SELECT note FROM numbers WHERE id = 1").first?["note"] == .text("hidden 1"))
    }

    @Test func likeIsPushedDown() throws {
        let table = RecordingTable(required: true)
        let db = try Database(tables: [table])
        _ = try db.query("SELECT id FROM numbers WHERE id LIKE '1%'")
        #expect(table.calls.first?.patterns["id"] == ["1%"])
    }

    @Test func explainQueryPlanShowsTheIndex() throws {
        let db = try Database(tables: [RecordingTable()])
        let detail = try db.query("EXPLAIN QUERY PLAN SELECT * FROM numbers WHERE id IN (1, 2)")
            .compactMap { $0["detail"]?.text }.joined()
        #expect(detail.contains("VIRTUAL TABLE INDEX 1:id IN ?"))
    }

    @Test func joinsFeedConstraintsFromTheOtherSide() throws {
        let table = RecordingTable()
        let db = try Database(tables: [table, RecordingTable(name: "others", count: 3)])
        let rows = try db.query("SELECT n.id FROM others o JOIN numbers n ON n.id = o.id")
        #expect(rows.count == 3)
        #expect(table.calls.allSatisfy { $0.constraints["id"]?.count == 1 })
    }

    @Test func indexPlanRoundTrips() throws {
        let schema = RecordingTable().schema
        let plan = IndexPlan(terms: [.init(column: 0, op: .inList), .init(column: 2, op: .like)], usedMask: 0x5)
        #expect(IndexPlan.decode(plan.encode(schema), schema) == plan)
    }
}
