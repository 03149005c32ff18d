// swift-tools-version:6.1
// Vigil: one binary that shows what a Linux machine is doing and keeps it safe.
// Layers (arrows point down): vigil → VigilTables → VigilSQL → VigilSystem → C targets.
import PackageDescription

let package = Package(
    name: "vigil",
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        // The libraries, for the benchmark package next door.
        .library(name: "VigilKit", targets: ["VigilSQL", "VigilTables", "VigilSystem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Test-only: an independent SHA-256/SHA-1/MD5 to check the `hash` table against.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries behind C-prefixed system-library targets.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),

        .target(
            name: "VigilSystem",
            dependencies: ["CCrypto", "CLinux"]
        ),
        .target(
            name: "VigilSQL",
            dependencies: ["CSQLite", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "VigilTables",
            dependencies: ["VigilSQL", "VigilSystem"]
        ),
        // Output formats, the interactive shell and docs generation: what the CLI shows.
        .target(
            name: "VigilConsole",
            dependencies: ["VigilTables", "VigilSQL", "VigilSystem", "CEditLine"]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilConsole", "VigilTables", "VigilSQL", "VigilSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Helpers shared by the test targets (child processes with a clean signal mask).
        .target(name: "VigilTestSupport", path: "Tests/VigilTestSupport"),
        .testTarget(name: "VigilSystemTests", dependencies: ["VigilSystem"]),
        .testTarget(name: "VigilSQLTests", dependencies: ["VigilSQL"]),
        .testTarget(
            name: "VigilTablesTests",
            dependencies: [
                "VigilTables", "VigilSQL", "VigilSystem", "VigilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "VigilConsoleTests", dependencies: ["VigilConsole", "VigilSQL", "VigilTables"]),
        .testTarget(name: "VigilCLITests", dependencies: ["VigilSystem", "VigilTestSupport"]),
    ]
)
