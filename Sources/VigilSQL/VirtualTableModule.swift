import CSQLite
import Glibc

/// The Swift side of one registered module: the table and its CREATE statement.
final class ModuleContext {
    let table: any VirtualTable
    let createStatement: String
    let authorizer: Authorizer
    init(_ table: any VirtualTable, authorizer: Authorizer) {
        self.table = table
        self.createStatement = table.schema.createStatement
        self.authorizer = authorizer
    }
}

/// Per-cursor state: the rows of the current scan and the row under the cursor.
final class CursorState {
    let context: ModuleContext
    var rows: RowSequence?
    var current: Row?
    /// The current row's rowid, once SQLite has asked for it (see `xRowid`).
    var rowid: Int64?
    /// Per scan: how many rows with the same values have been given a rowid.
    var occurrences: [Int: Int] = [:]
    init(_ context: ModuleContext) { self.context = context }

    /// A rowid made of the row's values and how many equal rows came before it in this
    /// scan. SQLite asks for rowids when it answers `a = x OR b = y` with one scan per
    /// branch and drops the rows of a later branch whose rowid it has already seen: a
    /// row's position would drop every row at a position the first branch used, while
    /// this drops exactly the rows both branches produce (as osquery's primary keys do).
    func makeRowid() -> Int64 {
        if let rowid { return rowid }
        var values = Hasher()
        for value in current?.values ?? [] { values.combine(value) }
        let key = values.finalize()
        let earlier = occurrences[key, default: 0]
        occurrences[key] = earlier + 1
        var id = Hasher()
        id.combine(key)
        id.combine(earlier)
        let made = Int64(id.finalize())
        rowid = made
        return made
    }
}

/// The sqlite3_module shared by every Vigil table. `xCreate` is NULL, which makes
/// each table eponymous-only: it exists under its own name, and CREATE VIRTUAL
/// TABLE cannot instantiate it.
enum VirtualTableModule {
    static func make() -> sqlite3_module {
        var m = sqlite3_module()
        m.iVersion = 1
        m.xCreate = nil
        m.xConnect = xConnect
        m.xBestIndex = xBestIndex
        m.xDisconnect = xDisconnect
        m.xDestroy = xDisconnect
        m.xOpen = xOpen
        m.xClose = xClose
        m.xFilter = xFilter
        m.xNext = xNext
        m.xEof = xEof
        m.xColumn = xColumn
        m.xRowid = xRowid
        return m
    }

    static func context(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> ModuleContext {
        let raw = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: vigil_sqlite_vtab.self)
        return Unmanaged<ModuleContext>.fromOpaque(raw.pointee.context).takeUnretainedValue()
    }

    static func cursor(_ cur: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> CursorState {
        let raw = UnsafeMutableRawPointer(cur!).assumingMemoryBound(to: vigil_sqlite_cursor.self)
        return Unmanaged<CursorState>.fromOpaque(raw.pointee.context).takeUnretainedValue()
    }

    /// Set the vtab's error message (SQLite frees it) and return SQLITE_ERROR.
    static func fail(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ message: String) -> Int32 {
        guard let vtab else { return SQLITE_ERROR }
        sqlite3_free(vtab.pointee.zErrMsg)
        vtab.pointee.zErrMsg = vigil_sqlite_strdup(message)
        return SQLITE_ERROR
    }

    static let xConnect: @convention(c) (
        OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
        UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> Int32 = { db, aux, _, _, ppVtab, pzErr in
        let ctx = Unmanaged<ModuleContext>.fromOpaque(aux!).takeUnretainedValue()
        // sqlite3_declare_vtab parses a CREATE TABLE, which the read-only authorizer
        // would refuse; this one statement is ours, not the user's.
        ctx.authorizer.declaringTable = true
        let rc = sqlite3_declare_vtab(db, ctx.createStatement)
        ctx.authorizer.declaringTable = false
        guard rc == SQLITE_OK else {
            pzErr?.pointee = vigil_sqlite_strdup("cannot declare table \(ctx.table.schema.name)")
            return rc
        }
        guard let mem = sqlite3_malloc(Int32(MemoryLayout<vigil_sqlite_vtab>.size)) else { return SQLITE_NOMEM }
        memset(mem, 0, MemoryLayout<vigil_sqlite_vtab>.size)
        let vtab = mem.assumingMemoryBound(to: vigil_sqlite_vtab.self)
        vtab.pointee.context = aux
        ppVtab?.pointee = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }

    static let xDisconnect: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?) -> Int32 = { vtab in
        sqlite3_free(vtab)
        return SQLITE_OK
    }

    /// Push equality, IN and LIKE constraints on index, required and additional columns
    /// down to the table: the columns osquery hands its tables constraints on.
    static let xBestIndex: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?, UnsafeMutablePointer<sqlite3_index_info>?) -> Int32 = { vtab, infoPtr in
        let schema = context(vtab).table.schema
        let info = infoPtr!
        var plan = IndexPlan(terms: [], usedMask: info.pointee.colUsed)
        var constrainedRequired = false
        var seen = Set<Int>()
        for i in 0..<Int(info.pointee.nConstraint) {
            let c = info.pointee.aConstraint[i]
            let isLike = c.op == UInt8(SQLITE_INDEX_CONSTRAINT_LIKE)
            guard c.usable != 0, c.op == UInt8(SQLITE_INDEX_CONSTRAINT_EQ) || isLike, c.iColumn >= 0 else { continue }
            let column = Int(c.iColumn)
            let flags = schema.columns[column].flags
            guard !flags.isDisjoint(with: ColumnFlags.pushedDown), !seen.contains(column) else { continue }
            seen.insert(column)
            // Ask for the whole IN list in one xFilter call rather than one call per value.
            let isIn = !isLike && sqlite3_vtab_in(info, Int32(i), -1) != 0 && sqlite3_vtab_in(info, Int32(i), 1) != 0
            plan.terms.append(.init(column: column, op: isLike ? .like : isIn ? .inList : .equals))
            info.pointee.aConstraintUsage[i].argvIndex = Int32(plan.terms.count)
            info.pointee.aConstraintUsage[i].omit = 0  // SQLite re-checks; tables may over-return.
            if flags.contains(.required) { constrainedRequired = true }
        }
        let missingRequired = !schema.requiredColumns.isEmpty && !constrainedRequired
        if missingRequired {
            // Let the planner prefer any plan (a join, say) that supplies the constraint;
            // if none does, xFilter explains what is missing.
            info.pointee.idxNum = IndexPlan.missingRequired
            info.pointee.estimatedCost = 1e18
            info.pointee.estimatedRows = Int64.max / 2
        } else if plan.terms.isEmpty {
            info.pointee.idxNum = IndexPlan.fullScan
            info.pointee.estimatedCost = 1_000_000
            info.pointee.estimatedRows = 100_000
        } else {
            info.pointee.idxNum = IndexPlan.constrained
            info.pointee.estimatedCost = 10.0 / Double(plan.terms.count)
            info.pointee.estimatedRows = 10
        }
        info.pointee.idxStr = vigil_sqlite_strdup(plan.encode(schema))
        info.pointee.needToFreeIdxStr = 1
        return SQLITE_OK
    }

    static let xOpen: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?, UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab_cursor>?>?) -> Int32 = { vtab, ppCursor in
        guard let mem = sqlite3_malloc(Int32(MemoryLayout<vigil_sqlite_cursor>.size)) else { return SQLITE_NOMEM }
        memset(mem, 0, MemoryLayout<vigil_sqlite_cursor>.size)
        let cur = mem.assumingMemoryBound(to: vigil_sqlite_cursor.self)
        cur.pointee.context = Unmanaged.passRetained(CursorState(context(vtab))).toOpaque()
        ppCursor?.pointee = UnsafeMutableRawPointer(cur).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
        return SQLITE_OK
    }

    static let xClose: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { cur in
        let raw = UnsafeMutableRawPointer(cur!).assumingMemoryBound(to: vigil_sqlite_cursor.self)
        Unmanaged<CursorState>.fromOpaque(raw.pointee.context).release()
        sqlite3_free(cur)
        return SQLITE_OK
    }

    static let xFilter: @convention(c) (
        UnsafeMutablePointer<sqlite3_vtab_cursor>?, Int32, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32 = { cur, idxNum, idxStr, argc, argv in
        let state = cursor(cur)
        let schema = state.context.table.schema
        let vtab = cur!.pointee.pVtab
        if idxNum == IndexPlan.missingRequired {
            return fail(vtab, TableError.missingRequired(schema).description)
        }
        guard let idxStr, let plan = IndexPlan.decode(String(cString: idxStr), schema) else {
            return fail(vtab, "internal error: unreadable index plan for \(schema.name)")
        }
        var constraints: [String: [SQLValue]] = [:]
        var patterns: [String: [String]] = [:]
        for (k, term) in plan.terms.enumerated() where k < Int(argc) {
            let arg = argv![k]
            var values: [SQLValue] = []
            var element: OpaquePointer? = nil
            let name = schema.columns[term.column].name
            if term.op == .like {
                if let text = Statement.value(of: arg).text { patterns[name, default: []].append(text) }
                continue
            }
            if term.op == .inList, sqlite3_vtab_in_first(arg, &element) == SQLITE_OK {
                while let e = element {
                    values.append(Statement.value(of: e))
                    if sqlite3_vtab_in_next(arg, &element) != SQLITE_OK { break }
                }
            } else {
                values.append(Statement.value(of: arg))
            }
            constraints[name, default: []].append(contentsOf: values)
        }
        let query = QueryContext(schema: schema, constraints: constraints, patterns: patterns, usedMask: plan.usedMask)
        do {
            state.rows = try state.context.table.generate(query)
            state.rowid = nil
            state.occurrences = [:]
            state.current = try state.rows?.next()
        } catch {
            state.current = nil
            return fail(vtab, "\(schema.name): \(error)")
        }
        return SQLITE_OK
    }

    static let xNext: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { cur in
        let state = cursor(cur)
        do {
            state.current = try state.rows?.next()
            state.rowid = nil
        } catch {
            state.current = nil
            return fail(cur!.pointee.pVtab, "\(state.context.table.schema.name): \(error)")
        }
        return SQLITE_OK
    }

    static let xEof: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { cur in
        cursor(cur).current == nil ? 1 : 0
    }

    static let xColumn: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?, OpaquePointer?, Int32) -> Int32 = { cur, ctx, i in
        let state = cursor(cur)
        let source = state.context.table.schema.source(of: Int(i))
        guard let row = state.current, source < row.values.count else {
            sqlite3_result_null(ctx)
            return SQLITE_OK
        }
        row.values[source].setResult(ctx)
        return SQLITE_OK
    }

    static let xRowid: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?, UnsafeMutablePointer<sqlite3_int64>?) -> Int32 = { cur, out in
        out?.pointee = cursor(cur).makeRowid()
        return SQLITE_OK
    }
}
