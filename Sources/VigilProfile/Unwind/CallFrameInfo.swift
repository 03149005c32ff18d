/// Parses .eh_frame (or .debug_frame) and runs each FDE's CFA program into rows
/// of unwind rules (x86-64 registers: 6 rbp, 7 rsp, 16 return address).
enum CallFrameInfo {
    struct CIE {
        var codeAlignment: UInt64
        var dataAlignment: Int64
        var returnRegister: UInt64
        var pointerEncoding: UInt8 = 0
        var hasAugmentationData = false
        var initialInstructions: Range<Int>
    }

    /// The CFA and register state while a CFA program runs.
    struct State: Equatable {
        var cfaRegister: UInt64 = 7
        var cfaOffset: Int64 = 8
        var cfaExpression = false
        var bpOffset: Int64?
        var returnUndefined = false
        var returnOffset: Int64 = -8

        var rule: UnwindRule {
            let base: UnwindRule.CFABase = cfaExpression ? .unsupported : cfaRegister == 7 ? .sp : cfaRegister == 6 ? .bp : .unsupported
            return UnwindRule(cfaBase: base, cfaOffset: Int32(truncatingIfNeeded: cfaOffset),
                              bpOffset: bpOffset.map { Int32(truncatingIfNeeded: $0) }, outermost: returnUndefined,
                              returnAddressOffset: Int32(truncatingIfNeeded: returnOffset))
        }
    }

    /// Rows of every FDE in `section` (loaded at `address`). `debugFrame` selects the
    /// .debug_frame flavour (CIE id 0xffffffff, absolute addresses, offsets from the section start).
    static func rows(section bytes: UnsafeRawBufferPointer, address: UInt64, debugFrame: Bool = false,
                     into rows: inout UnwindTable.Builder) {
        var cies: [Int: CIE] = [:]
        var offset = 0
        while offset < bytes.count, let end = entry(at: offset, bytes: bytes, address: address, debugFrame: debugFrame, cies: &cies, into: &rows) {
            offset = end
        }
    }

    /// Rows of the FDEs of .eh_frame in address order, as .eh_frame_hdr's search table
    /// lists them: the builder then writes them as they come, where the section's own
    /// order (a compiler's is not sorted) would have it collect 2.5 million rows to sort.
    /// False when the header is not the usual one (then walk the section instead).
    static func rowsInAddressOrder(section bytes: UnsafeRawBufferPointer, address: UInt64,
                                   header: UnsafeRawBufferPointer, headerAddress: UInt64,
                                   into rows: inout UnwindTable.Builder) -> Bool {
        var h = DwarfCursor(header, baseAddress: headerAddress)
        // version 1; the table as (initial location, FDE address) pairs, datarel sdata4.
        guard h.u8() == 1, let framePointerEncoding = h.u8(), let countEncoding = h.u8(), h.u8() == 0x3b,
              h.pointer(framePointerEncoding) == address, let count = h.pointer(countEncoding),
              count <= UInt64(header.count - h.offset) / 8 else { return false }
        var cies: [Int: CIE] = [:]
        for _ in 0..<count {
            guard h.fixed(Int32.self) != nil, let fde = h.fixed(Int32.self) else { break }  // (the count was checked)
            let fdeAddress = headerAddress &+ UInt64(bitPattern: Int64(fde))
            guard fdeAddress >= address, fdeAddress - address < UInt64(bytes.count) else { continue }
            _ = entry(at: Int(fdeAddress - address), bytes: bytes, address: address, debugFrame: false, cies: &cies, into: &rows)
        }
        return true
    }

    /// Parses the CIE or FDE at `offset`; returns where the next entry starts (nil at the end).
    private static func entry(at offset: Int, bytes: UnsafeRawBufferPointer, address: UInt64, debugFrame: Bool,
                              cies: inout [Int: CIE], into rows: inout UnwindTable.Builder) -> Int? {
        var c = DwarfCursor(bytes, baseAddress: address, offset: offset)
        guard var length = c.fixed(UInt32.self).map(UInt64.init) else { return nil }
        if length == 0 { return debugFrame ? c.offset : nil }  // .eh_frame terminator
        var is64 = false
        if length == 0xffff_ffff {
            guard let l = c.fixed(UInt64.self) else { return nil }
            length = l
            is64 = true
        }
        let bodyStart = c.offset
        guard length <= UInt64(bytes.count - bodyStart) else { return nil }
        let end = bodyStart + Int(length)
        let idPosition = c.offset
        guard let id = is64 ? c.fixed(UInt64.self) : c.fixed(UInt32.self).map(UInt64.init) else { return nil }
        let isCIE = debugFrame ? (id == (is64 ? UInt64.max : 0xffff_ffff)) : id == 0
        if isCIE {
            if cies[offset] == nil, let cie = parseCIE(&c, end: end, debugFrame: debugFrame) { cies[offset] = cie }
        } else {
            let cieOffset = debugFrame ? Int(id) : idPosition - Int(id)
            if let cie = cies[cieOffset] ?? parseCIE(at: cieOffset, bytes: bytes, address: address, debugFrame: debugFrame) {
                cies[cieOffset] = cie
                parseFDE(&c, end: end, cie: cie, bytes: bytes, address: address, debugFrame: debugFrame, into: &rows)
            }
        }
        return end
    }

    static func parseCIE(at offset: Int, bytes: UnsafeRawBufferPointer, address: UInt64, debugFrame: Bool) -> CIE? {
        var c = DwarfCursor(bytes, baseAddress: address, offset: offset)
        guard var length = c.fixed(UInt32.self).map(UInt64.init), length != 0 else { return nil }
        var is64 = false
        if length == 0xffff_ffff { guard let l = c.fixed(UInt64.self) else { return nil }; length = l; is64 = true }
        let end = c.offset + Int(min(length, UInt64(bytes.count - c.offset)))
        _ = is64 ? c.fixed(UInt64.self) : c.fixed(UInt32.self).map(UInt64.init)
        return parseCIE(&c, end: end, debugFrame: debugFrame)
    }

    /// After the CIE id.
    static func parseCIE(_ c: inout DwarfCursor, end: Int, debugFrame: Bool) -> CIE? {
        guard let version = c.u8(), let augmentation = c.cString() else { return nil }
        if augmentation.contains("eh") { _ = c.fixed(UInt64.self) }
        if debugFrame && version >= 4 { _ = c.u8(); _ = c.u8() }  // address size, segment size
        guard let codeAlignment = c.uleb(), let dataAlignment = c.sleb() else { return nil }
        let returnRegister = version == 1 ? c.u8().map(UInt64.init) : c.uleb()
        guard let returnRegister else { return nil }
        var cie = CIE(codeAlignment: codeAlignment, dataAlignment: dataAlignment, returnRegister: returnRegister, initialInstructions: 0..<0)
        if augmentation.hasPrefix("z") {
            guard let length = c.uleb() else { return nil }
            let dataEnd = c.offset + Int(length)
            cie.hasAugmentationData = true
            for ch in augmentation.dropFirst() {
                switch ch {
                case "R": cie.pointerEncoding = c.u8() ?? 0
                case "L": _ = c.u8()
                case "P":
                    let encoding = c.u8() ?? 0xff
                    _ = c.pointer(encoding & 0x7f)
                default: break
                }
            }
            c.offset = dataEnd
        }
        guard c.offset <= end else { return nil }
        cie.initialInstructions = c.offset..<end
        return cie
    }

    static func parseFDE(_ c: inout DwarfCursor, end: Int, cie: CIE, bytes: UnsafeRawBufferPointer, address: UInt64,
                         debugFrame: Bool, into rows: inout UnwindTable.Builder) {
        let start: UInt64?
        let range: UInt64?
        if debugFrame {
            start = c.fixed(UInt64.self)
            range = c.fixed(UInt64.self)
        } else {
            start = c.pointer(cie.pointerEncoding)
            range = c.pointer(cie.pointerEncoding & 0x0f)
        }
        guard let start, let range, range > 0 else { return }
        if cie.hasAugmentationData {
            guard let length = c.uleb(), c.skip(Int(length)) else { return }
        }
        guard c.offset <= end else { return }
        // The CIE's initial instructions set the state every FDE starts from.
        var initial = State()
        var ignored: [(UInt64, State)] = []
        var location: UInt64 = start
        run(DwarfCursor(bytes, baseAddress: address, offset: cie.initialInstructions.lowerBound), end: cie.initialInstructions.upperBound,
            cie: cie, state: &initial, initial: State(), location: &location, rows: &ignored)
        var state = initial
        var fdeRows: [(UInt64, State)] = []
        location = start
        run(DwarfCursor(bytes, baseAddress: address, offset: c.offset), end: end, cie: cie, state: &state, initial: initial,
            location: &location, rows: &fdeRows)
        fdeRows.append((location, state))
        let limit = start &+ range
        for (i, row) in fdeRows.enumerated() {
            let rowEnd = min(i + 1 < fdeRows.count ? fdeRows[i + 1].0 : limit, limit)
            rows.add(start: row.0, end: rowEnd, rule: row.1.rule)
        }
    }

    /// Runs CFA instructions; each advance closes a row at the old location.
    static func run(_ cursor: DwarfCursor, end: Int, cie: CIE, state: inout State, initial: State, location: inout UInt64,
                    rows: inout [(UInt64, State)]) {
        var c = cursor
        var stack: [State] = []
        func advance(_ delta: UInt64) {
            rows.append((location, state))
            location &+= delta &* cie.codeAlignment
        }
        func setOffset(_ register: UInt64, _ offset: Int64) {
            if register == 6 { state.bpOffset = offset }
            if register == cie.returnRegister { state.returnOffset = offset; state.returnUndefined = false }
        }
        func restore(_ register: UInt64) {
            if register == 6 { state.bpOffset = initial.bpOffset }
            if register == cie.returnRegister { state.returnOffset = initial.returnOffset; state.returnUndefined = initial.returnUndefined }
        }
        while c.offset < end, let op = c.u8() {
            let low = UInt64(op & 0x3f)
            switch op >> 6 {
            case 1: advance(low); continue
            case 2: setOffset(low, Int64(c.uleb() ?? 0) * cie.dataAlignment); continue
            case 3: restore(low); continue
            default: break
            }
            switch op {
            case 0x00: break
            case 0x01: if let to = c.pointer(cie.pointerEncoding) { rows.append((location, state)); location = to }
            case 0x02: advance(UInt64(c.u8() ?? 0))
            case 0x03: advance(UInt64(c.fixed(UInt16.self) ?? 0))
            case 0x04: advance(UInt64(c.fixed(UInt32.self) ?? 0))
            case 0x05: let r = c.uleb() ?? 0; setOffset(r, Int64(c.uleb() ?? 0) * cie.dataAlignment)
            case 0x06: restore(c.uleb() ?? 0)
            case 0x07:
                let r = c.uleb() ?? 0
                if r == cie.returnRegister { state.returnUndefined = true }
                if r == 6 { state.bpOffset = nil }
            case 0x08: let r = c.uleb() ?? 0; if r == 6 { state.bpOffset = nil }
            case 0x09: let r = c.uleb() ?? 0; _ = c.uleb(); if r == 6 { state.bpOffset = nil }
            case 0x0a: stack.append(state)
            case 0x0b: if let s = stack.popLast() { state = s }
            case 0x0c:
                state.cfaRegister = c.uleb() ?? 0
                state.cfaOffset = Int64(c.uleb() ?? 0)
                state.cfaExpression = false
            case 0x0d: state.cfaRegister = c.uleb() ?? 0; state.cfaExpression = false
            case 0x0e: state.cfaOffset = Int64(c.uleb() ?? 0)
            case 0x0f: let n = c.uleb() ?? 0; _ = c.skip(Int(n)); state.cfaExpression = true
            case 0x10: let r = c.uleb() ?? 0; let n = c.uleb() ?? 0; _ = c.skip(Int(n)); if r == 6 { state.bpOffset = nil }
            case 0x11: let r = c.uleb() ?? 0; setOffset(r, (c.sleb() ?? 0) * cie.dataAlignment)
            case 0x12:
                state.cfaRegister = c.uleb() ?? 0
                state.cfaOffset = (c.sleb() ?? 0) * cie.dataAlignment
                state.cfaExpression = false
            case 0x13: state.cfaOffset = (c.sleb() ?? 0) * cie.dataAlignment
            case 0x14: _ = c.uleb(); _ = c.uleb()
            case 0x15: _ = c.uleb(); _ = c.sleb()
            case 0x16: _ = c.uleb(); let n = c.uleb() ?? 0; _ = c.skip(Int(n))
            case 0x2e: _ = c.uleb()
            case 0x2f: let r = c.uleb() ?? 0; setOffset(r, -Int64(c.uleb() ?? 0) * cie.dataAlignment)
            default: return  // unknown opcode: stop rather than guess
            }
        }
    }
}
