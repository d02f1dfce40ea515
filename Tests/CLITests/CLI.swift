import EngineTesting
import Foundation
import XCTest

/// Runs a built executable of this package and captures its output (tier (d) CLI smoke tests).
struct CLIResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

enum CLI {
  /// The folder holding the package's built products (next to the test bundle).
  static var productsDirectory: URL {
    let main = Bundle.main.bundleURL
    return main.pathExtension == "xctest" ? main.deletingLastPathComponent() : main
  }

  /// Runs `tool` with `arguments`; `stdin` is written to its standard input when given.
  static func run(
    _ tool: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]
  ) throws
    -> CLIResult
  {
    try run(
      executable: productsDirectory.appendingPathComponent(tool), arguments, stdin: stdin, environment: environment)
  }

  /// Runs any executable with `arguments` and the test's environment plus `environment`.
  static func run(
    executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]
  ) throws -> CLIResult {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "KESTREL_RECOMMEND_DB")
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    if let stdin {
      let inPipe = Pipe()
      p.standardInput = inPipe
      try p.run()
      inPipe.fileHandleForWriting.write(Data(stdin.utf8))
      inPipe.fileHandleForWriting.closeFile()
    } else {
      try p.run()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CLIResult(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self))
  }

  /// A fresh temporary directory.
  static func tempDirectory() throws -> String { try TestFiles.tempDirectory() }

  /// The repository's assets/ folder.
  static var assets: String { TestFiles.assets }

  static func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")?.path ?? name
  }
}
