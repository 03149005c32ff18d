// swift-tools-version:6.1
// Vigil: one binary that shows what a Linux machine is doing and keeps it safe.
// Layers (arrows point down): vigil → VigilAgent/VigilServer → VigilTables → VigilSQL → VigilSystem → C targets.
// The fleet side (VigilWire, VigilServerStore, VigilServer) never imports VigilTrace, VigilProfile or VigilBPF
// (VigilProfileFormats, the profiler's formats without the profiler, it may).
import PackageDescription

let package = Package(
    name: "vigil",
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        // The libraries, for the benchmark package next door.
        .library(name: "VigilKit", targets: ["VigilSQL", "VigilTables", "VigilSystem", "VigilTrace", "VigilAgent", "VigilServer", "VigilWire", "VigilWebUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // An independent SHA-256/SHA-1/MD5 to check the `hash` table against (tests); the
        // server's keys and certificates (P-256, SHA-256).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Policy files (`vigil trace --policy`): YAML with line and column of every node, for exact errors.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // pprof output: runtime for the committed profile.pb.swift, and protoc-gen-swift for `make proto`.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Long-running parts (continuous profiler, agent services) as Services with graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The fleet server: HTTP on SwiftNIO (Hummingbird), TLS (swift-nio-ssl through HummingbirdTLS).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The server's generated CA and certificate.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // The agent's HTTPS client to its fleet server.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The server's PostgreSQL store (`--database postgres://…`): the wire protocol, TLS, a connection pool.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The server's own metrics at /metrics in Prometheus's text format (counters, gauges, histograms).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Passwords (the admin's, the web UI's users'): bcrypt, a slow salted hash.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // C libraries behind C-prefixed system-library targets.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CVigilBPF", path: "Sources/CVigilBPF"),
        // elfutils libelf: symbols, notes and program headers of profiled binaries.
        .systemLibrary(name: "CElf", path: "Sources/CElf"),
        // zlib: gzip for pprof files, CRC-32 to check .gnu_debuglink targets.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libiptc (libip4tc-dev): the iptables table's rules, as iptables-legacy reads them.
        .systemLibrary(name: "CIPTables", path: "Sources/CIPTables"),
        // librpm (librpm-dev's headers), opened with dlopen so vigil starts on hosts without it.
        .target(name: "CRPM", linkerSettings: [.linkedLibrary("dl")]),
        // libmagic (libmagic-dev's header), opened with dlopen likewise: the magic table.
        .target(name: "CMagic", linkerSettings: [.linkedLibrary("dl")]),
        // libcurl (libcurl4-openssl-dev's headers), opened with dlopen likewise: the curl table.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // libyara (libyara-dev's headers), opened with dlopen likewise: the yara table.
        .target(name: "CYara", linkerSettings: [.linkedLibrary("dl")]),
        // libaugeas (its API declared in CAugeas.h), opened with dlopen likewise: the augeas table.
        .target(name: "CAugeas", linkerSettings: [.linkedLibrary("dl")]),
        // libzip (libzip-dev's header), opened with dlopen likewise: plugin.xml out of JetBrains plugin jars.
        .target(name: "CZip", linkerSettings: [.linkedLibrary("dl")]),
        // libsystemd's sd-bus (libsystemd-dev's headers), opened with dlopen likewise: systemd_units asks the manager.
        .target(name: "CSystemd", linkerSettings: [.linkedLibrary("dl")]),
        // OpenSSL's libssl (libssl-dev): the curl_certificate table's TLS client and X.509 fields.
        .target(name: "CTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        .target(
            name: "VigilSystem",
            dependencies: ["CCrypto", "CLinux", "CIPTables", "CZlib", "CRPM", "CMagic", "CCurl", "CYara", "CTLS", "CAugeas", "CZip", "CSystemd"]
        ),
        // Generic libbpf wrapper: objects, programs, maps, links, ring buffers, probes.
        .target(
            name: "VigilBPF",
            dependencies: ["CVigilBPF", "VigilSystem", .product(name: "Logging", package: "swift-log")]
        ),
        // The compiled bpf/*.bpf.c programs, embedded at build time.
        .target(
            name: "VigilBPFObjects",
            plugins: ["EmbedBPF"]
        ),
        .plugin(name: "EmbedBPF", capability: .buildTool()),
        // Typed reads of YAML nodes with FILE:LINE:COLUMN errors, shared by the policy and config parsers.
        .target(
            name: "VigilYAML",
            dependencies: ["VigilSystem", .product(name: "Yams", package: "Yams")]
        ),
        // Sensors, decoding, process cache, filters and outputs of `vigil trace`.
        .target(
            name: "VigilTrace",
            dependencies: ["VigilBPF", "VigilBPFObjects", "VigilSystem", "VigilYAML", "CVigilBPF", "CLinux", .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")]
        ),
        // Profiles: file IDs, process mappings, symbolization, de-duplicated traces, writers.
        .target(
            name: "VigilProfile",
            dependencies: [
                "VigilSystem", "VigilBPF", "VigilBPFObjects", "CVigilBPF", "CElf", "CZlib", "VigilProfileFormats",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Profile formats without the profiler: pprof's messages, folded stacks and flame graphs,
        // and a pprof reader, so the fleet server renders what agents upload without libbpf.
        // Where result records go besides the results log: syslog, TCP, standard output.
        // The agent's outputs, and the fleet server's forwarding of what agents send.
        .target(name: "VigilOutputs", dependencies: ["VigilSystem"]),
        .target(
            name: "VigilProfileFormats",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/profile.proto"]
        ),
        .target(
            name: "VigilSQL",
            dependencies: ["CSQLite", "VigilSystem", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "VigilTables",
            dependencies: ["VigilSQL", "VigilSystem", .product(name: "Yams", package: "Yams")]
        ),
        // Output formats, the interactive shell and docs generation: what the CLI shows.
        .target(
            name: "VigilConsole",
            dependencies: ["VigilTables", "VigilSQL", "VigilSystem", "CEditLine"]
        ),
        // The agent's supervisor: worker limits, kills, restarts. Small, no SQL, no BPF.
        .target(
            name: "VigilWatchdog",
            dependencies: ["VigilSystem", .product(name: "Logging", package: "swift-log")]
        ),
        // The agent's core: config, schedule, packs, differential results, state store, results log, query cost.
        .target(
            name: "VigilAgent",
            dependencies: [
                "VigilTables", "VigilSQL", "VigilSystem", "VigilYAML", "VigilWatchdog", "VigilProfile", "VigilTrace", "VigilBPF", "VigilWire", "VigilOutputs",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // ── The fleet: never imports the tracer, the profiler or libbpf. ──
        // The agent↔server protocol: osquery's TLS API and Vigil's extensions, Codable values only.
        .target(name: "VigilWire"),
        // The server's storage behind one async protocol, in SQL both engines take: SQLite embedded, or PostgreSQL.
        .target(name: "VigilServerStore", dependencies: [
            "VigilSQL", "VigilSystem",
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        // OTLP's protobuf messages (logs, metrics, profiles) written by hand, and pprof turned into OTLP profiles:
        // what the server exports to an OpenTelemetry collector. No I/O.
        .target(name: "VigilOTLP", dependencies: ["VigilProfileFormats", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // The web UI: pages rendered on the server, its stylesheet and script; knows the server only through WebUIFleet.
        .target(
            name: "VigilWebUI",
            dependencies: ["VigilServerStore", "VigilWire", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // HTTP (osquery endpoints, REST API, live-query streams), enrollment, campaigns, TLS identity.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilWire", "VigilServerStore", "VigilWebUI", "VigilTables", "VigilSQL", "VigilProfileFormats", "VigilOutputs", "VigilSystem", "CZlib", "VigilOTLP",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOCore", package: "swift-nio"),
                // The web UI's own event loop (`--ui-listen`).
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                // The OTLP/HTTP exporter's client (`--otlp-endpoint`).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilConsole", "VigilTables", "VigilSQL", "VigilSystem", "VigilTrace", "VigilProfile", "VigilBPF",
                "VigilAgent", "VigilWatchdog", "VigilServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Helpers shared by the test targets (child processes with a clean signal mask, socket listeners).
        .target(name: "VigilTestSupport", dependencies: ["VigilSystem", "VigilWire"], path: "Tests/VigilTestSupport"),
        .testTarget(name: "VigilSystemTests", dependencies: ["VigilTestSupport", "VigilSystem"]),
        .testTarget(name: "VigilYAMLTests", dependencies: ["VigilTestSupport", "VigilYAML", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "VigilSQLTests", dependencies: ["VigilTestSupport", "VigilSQL"]),
        .testTarget(name: "VigilTraceTests", dependencies: ["VigilTestSupport", "VigilTrace", "VigilSystem", "CVigilBPF"]),
        .testTarget(
            name: "VigilTablesTests",
            dependencies: [
                "VigilTables", "VigilSQL", "VigilSystem", "VigilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Profile pipeline against ground truth (nm, sha256sum, objcopy, go tool pprof when present); SwiftProtobuf decodes pprof output.
        .testTarget(name: "VigilProfileTests", dependencies: ["VigilTestSupport", "VigilProfile", "VigilProfileFormats", "VigilSystem", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "VigilWatchdogTests", dependencies: ["VigilTestSupport", "VigilWatchdog"]),
        .testTarget(name: "VigilAgentTests", dependencies: ["VigilAgent", "VigilSQL", "VigilTables", "VigilSystem", "VigilTestSupport", "VigilOutputs"]),
        .testTarget(name: "VigilConsoleTests", dependencies: ["VigilTestSupport", "VigilConsole", "VigilSQL", "VigilTables"]),
        .testTarget(name: "VigilWireTests", dependencies: ["VigilTestSupport", "VigilWire"]),
        // The server in-process and over HTTPS with the agent's own client.
        .testTarget(name: "VigilServerTests", dependencies: [
            "VigilServer", "VigilServerStore", "VigilWire", "VigilWebUI", "VigilAgent", "VigilSystem", "VigilSQL", "VigilTestSupport", "VigilOutputs",
            "VigilProfile", "VigilProfileFormats", "VigilOTLP", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Fixtures: C sources of test workloads, compiled by the tests themselves.
        .testTarget(name: "VigilCLITests", dependencies: ["VigilSystem", "VigilTestSupport", "VigilWire", "VigilAgent", "VigilSQL", "VigilWatchdog", "VigilTrace", "VigilBPF", .product(name: "Logging", package: "swift-log")], exclude: ["Fixtures"]),
    ]
)
