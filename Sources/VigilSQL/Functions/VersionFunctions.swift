/// osquery's `version_compare(a, b[, flavor])`: -1, 0 or 1 as `a` sorts before, with or
/// after `b` under the ordering its version collations use (`VersionOrder`); the
/// flavor (any case) is ARCH, DPKG or RHEL, and without one the generic ordering.
enum VersionFunctions {
    static let all: [SQLFunction] = [
        SQLFunction("version_compare", -1) { args throws(FunctionError) in
            guard args.count >= 2, args.isText(0), args.isText(1), let a = args.bytes(0), let b = args.bytes(1) else {
                throw FunctionError("Must provide two version strings to compare.")
            }
            var order = VersionOrder.generic
            if args.count > 2 {
                guard args.isText(2), let flavor = args.text(2) else {
                    throw FunctionError("The optional third parameter is not a string.")
                }
                switch flavor.uppercased() {
                case "ARCH": order = .arch
                case "DPKG": order = .dpkg
                case "RHEL": order = .rhel
                default: throw FunctionError("The optional third parameter does not match one of: (ARCH, DPKG, RHEL).")
                }
            }
            return .integer(Int64(max(-1, min(1, order.compare(a, b)))))
        },
    ]
}
