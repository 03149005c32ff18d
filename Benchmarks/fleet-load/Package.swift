// swift-tools-version:6.1
// fleet-load: simulated osquery and Vigil agents against `vigil server`, as Fleet's
// osquery-perf does. Its own package with its own Codable structs: depending on the
// main package's VigilKit product would build the tracer and libbpf targets too.
import PackageDescription

let package = Package(
    name: "fleet-load",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // zlib (Debian's zlib1g-dev, already a build dependency of the main package).
        .systemLibrary(name: "CGzip"),
        .executableTarget(
            name: "fleet-load",
            dependencies: [
                "CGzip",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ]
)
