import Foundation

/// Files and folders for tests: fresh temporary folders, the repository's `assets/`, and a target's fixtures.
public enum TestFiles {
  /// A fresh temporary directory.
  public static func tempDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "kestrel-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// The repository's `assets/` folder (found from this source file's place in the tree).
  public static var assets: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../assets").standardized.path
  }

  /// The path of `Fixtures/name` among `bundle`'s resources (a test target's `Bundle.module`).
  public static func fixture(_ name: String, in bundle: Bundle) -> String {
    bundle.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")?.path ?? name
  }
}
