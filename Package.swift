// swift-tools-version:6.0
import PackageDescription

/// Release builds of the engine's math (tensors, ops, layers) drop Swift's overflow and bounds checks: it paid
/// 0–15 % on the training workloads (RELIABILITY.md). Never for code that parses input: file formats and sizes
/// (Engine/Formats), Datasets, Environments, the apps' Kits and the apps are built with the checks.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
  name: "Kestrel",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Engine", targets: ["Engine"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Environments", targets: ["Environments"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
    .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
  ],
  targets: [
    // System libraries: OpenBLAS (cblas), libpng (simplified png_image API), zlib.
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
    // Open MPI (pkg-config ompi-c) for data-parallel training across processes and machines.
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),
    .systemLibrary(name: "CSDL2", path: "Sources/CSDL2"),
    .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg"),

    // File formats and checked sizes (safetensors headers, atomic writes, config checks): no -Ounchecked.
    .target(name: "Formats", path: "Sources/Engine/Formats"),
    .target(name: "Engine", dependencies: ["Formats", "CBLAS", "CMPI"], exclude: ["Formats"], swiftSettings: kernels),
    .target(name: "Datasets", dependencies: ["Engine", "CPNG", "CZlib", "CTurboJPEG"]),
    .target(name: "EngineTesting", dependencies: ["Engine"]),
    .target(name: "PixelFont"),
    .target(name: "Environments"),
    .target(name: "EnvironmentRendering", dependencies: ["Environments", "CSDL2", "PixelFont"]),
    .target(
      name: "AppSupport",
      dependencies: [
        "Engine", "Datasets", "PixelFont", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/AppSupport"),

    .target(
      name: "RecommendKit", dependencies: ["Engine", "Datasets", "CSQLite"], path: "Sources/Apps/RecommendKit"),
    .target(name: "RLKit", dependencies: ["Environments", "Engine"], path: "Sources/Apps/RLKit"),
    .target(
      name: "ClassifyKit",
      dependencies: ["Engine", "Datasets"], path: "Sources/Apps/ClassifyKit"
    ),
    .executableTarget(
      name: "classify",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "ClassifyKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/classify"),
    .target(name: "GANKit", dependencies: ["Engine", "Datasets"], path: "Sources/Apps/GANKit"),
    .target(
      name: "TextgenKit", dependencies: ["Engine", "Datasets"], path: "Sources/Apps/TextgenKit"),
    .target(
      name: "TranslateKit", dependencies: ["Engine", "Datasets"], path: "Sources/Apps/TranslateKit"
    ),
    .executableTarget(
      name: "translate",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "TranslateKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/translate"),
    .executableTarget(
      name: "textgen",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "TextgenKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/textgen"),
    .executableTarget(
      name: "gan",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "GANKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/gan"),
    .executableTarget(
      name: "rl-drive",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "Environments", "EnvironmentRendering", "RLKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/rl-drive"),
    .executableTarget(
      name: "recommend",
      dependencies: [
        "AppSupport", "Engine", "Datasets", "RecommendKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/recommend"),
    // The browser UI: the one composition layer over every app's Kit (issue 22); no app or Kit imports it.
    .target(
      name: "KestrelWebKit",
      dependencies: [
        "Engine", "Datasets", "Environments", "ClassifyKit", "TextgenKit", "TranslateKit", "GANKit", "RecommendKit",
        "RLKit", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "MultipartKit", package: "multipart-kit"), .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/Apps/KestrelWebKit"),
    .executableTarget(
      name: "kestrel-web",
      dependencies: [
        "AppSupport", "KestrelWebKit", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/Apps/kestrel-web"),
    .executableTarget(
      name: "kestrel-example", dependencies: ["Engine"], path: "Sources/Apps/kestrel-example"),
    .executableTarget(
      name: "kestrel-bench",
      dependencies: [
        "Engine", "Datasets", "AppSupport", "CBLAS", "RecommendKit", "ClassifyKit", "GANKit", "TextgenKit",
        "TranslateKit",
        "Environments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Apps/kestrel-bench"),

    // libFuzzer targets for the parsers (`make fuzz`; built only with -sanitize=fuzzer, which supplies main).
    .executableTarget(
      name: "kestrel-fuzz",
      dependencies: ["Engine", "Datasets", "Environments", "GANKit", "RecommendKit", "TextgenKit", "TranslateKit"],
      path: "Tests/Fuzz"),

    .testTarget(
      name: "EngineTests", dependencies: ["Engine", "Datasets", "EngineTesting"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "EnvironmentsTests", dependencies: ["Environments", "EnvironmentRendering", "CSDL2"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DatasetsTests", dependencies: ["Datasets", "Engine", "EngineTesting"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ClassifyKitTests", dependencies: ["ClassifyKit", "Datasets", "Engine", "EngineTesting"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "GANKitTests", dependencies: ["GANKit", "Engine", "EngineTesting"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "RecommendKitTests", dependencies: ["RecommendKit", "Datasets", "Engine", "EngineTesting"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "RLKitTests", dependencies: ["RLKit", "Environments", "Engine"]),
    .testTarget(name: "TextgenKitTests", dependencies: ["TextgenKit", "Datasets", "Engine", "EngineTesting"]),
    .testTarget(
      name: "TranslateKitTests", dependencies: ["TranslateKit", "Datasets", "Engine", "EngineTesting"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "KestrelWebKitTests",
      dependencies: [
        "KestrelWebKit", "ClassifyKit", "RecommendKit", "Datasets", "Engine",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
    .testTarget(
      name: "CLITests",
      dependencies: ["Engine", "Datasets", "EngineTesting", "Environments", "EnvironmentRendering", "CSDL2"],
      resources: [.copy("Fixtures")]),
  ],
  swiftLanguageModes: [.v6]
)
