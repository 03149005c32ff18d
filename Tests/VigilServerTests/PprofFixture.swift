import VigilProfileFormats

/// Building pprof profiles for the tests that upload them.
extension Perftools_Profiles_Profile {
    /// `s`'s index in the string table, added when new (index 0 is "", as pprof requires).
    mutating func string(_ s: String) -> Int64 {
        if stringTable.isEmpty { stringTable = [""] }
        if let i = stringTable.firstIndex(of: s) { return Int64(i) }
        stringTable.append(s)
        return Int64(stringTable.count - 1)
    }

    /// The id of the location of function `name` (one line of it), added with its function
    /// when new; in `mapping` at an address of its own when a mapping is given.
    mutating func location(_ name: String, file: String = "", mapping: Perftools_Profiles_Mapping? = nil) -> UInt64 {
        let nameIndex = string(name)
        if let f = function.first(where: { $0.name == nameIndex }) { return f.id }
        let id = UInt64(function.count + 1)
        var f = Perftools_Profiles_Function()
        f.id = id
        f.name = nameIndex
        if !file.isEmpty { f.filename = string(file) }
        function.append(f)
        var line = Perftools_Profiles_Line()
        line.functionID = id
        if !file.isEmpty { line.line = Int64(10 * id) }
        var l = Perftools_Profiles_Location()
        l.id = id
        if let mapping {
            l.mappingID = mapping.id
            l.address = mapping.memoryStart + 0x100 * id
        }
        l.line = [line]
        location.append(l)
        return id
    }
}
