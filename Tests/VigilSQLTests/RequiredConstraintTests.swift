import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct RequiredConstraintTests {
    @Test func missingRequiredConstraintNamesTheColumn() throws {
        let db = try Database(tables: [RecordingTable(name: "hashy", required: true)])
        #expect {
            try db.query("SELECT * FROM hashy")
        } throws: { error in
            let message = "\(error)"
            return message.contains("requires") && message.contains("column id") && message.contains("WHERE id")
        }
    }

    @Test func requiredConstraintSatisfied() throws {
        let db = try Database(tables: [RecordingTable(name: "hashy", required: true)])
        #expect(try db.query("SELECT id FROM hashy WHERE id IN (1, 2)").count == 2)
    }

    @Test func requiredConstraintFromAJoin() throws {
        let db = try Database(tables: [RecordingTable(name: "hashy", required: true), RecordingTable(name: "src", count: 4)])
        #expect(try db.query("SELECT h.id FROM src JOIN hashy h ON h.id = src.id").count == 4)
    }
}
