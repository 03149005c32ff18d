// swift-tools-version:6.1
// Vigil's in-process benchmarks (package-benchmark). A separate package so that
// `make test` and `make run` never build the benchmark harness.
import PackageDescription

let package = Package(
    name: "VigilBenchmarks",
    dependencies: [
        .package(name: "vigil", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "VigilQueries",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VigilKit", package: "vigil"),
            ],
            path: "Benchmarks/VigilQueries",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VigilTracePipeline",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VigilKit", package: "vigil"),
            ],
            path: "Benchmarks/VigilTracePipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VigilAgentCost",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VigilKit", package: "vigil"),
            ],
            path: "Benchmarks/VigilAgentCost",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VigilProfileCost",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VigilKit", package: "vigil"),
                "CProfileCostWorkload",
            ],
            path: "Benchmarks/VigilProfileCost",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The stack VigilProfileCost unwinds: nested C functions without frame pointers
        // (unwind tables only, as Debian builds its C), caught by a signal.
        .target(
            name: "CProfileCostWorkload",
            path: "Sources/CProfileCostWorkload",
            // SwiftPM appends -fno-omit-frame-pointer after these flags; -mframe-pointer=none
            // reaches the compiler proper last and wins.
            cSettings: [.unsafeFlags(["-O2", "-fomit-frame-pointer", "-Xclang", "-mframe-pointer=none", "-fasynchronous-unwind-tables"])]
        ),
    ]
)
