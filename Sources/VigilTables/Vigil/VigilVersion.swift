/// Vigil's version and how this binary was built.
public enum VigilVersion {
    public static let version = "0.1.0"
    #if DEBUG
    public static let buildType = "debug"
    #else
    public static let buildType = "release"
    #endif
    #if compiler(>=6.3)
    public static let compiler = "swift-6.3+"
    #else
    public static let compiler = "swift-6"
    #endif
    /// One line for `vigil --version` and `vigil_info.build`.
    public static var build: String { "\(buildType), \(compiler), x86_64-linux" }
}
