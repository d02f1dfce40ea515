import Foundation
import XCTest

/// Replays the fuzzers' seed corpus and every crash they ever found (Tests/Fuzz/corpus, Tests/Fuzz/regressions)
/// through the parsers, without libFuzzer: each input must be parsed or refused, never crash the process.
final class FuzzCorpusTests: XCTestCase {
  func testEverySeedAndEveryRegressionIsHandled() throws {
    let root = URL(fileURLWithPath: CLI.assets + "/../Tests/Fuzz").standardized.path
    let binary = CLI.productsDirectory.appendingPathComponent("kestrel-fuzz")
    let targets = try FileManager.default.contentsOfDirectory(atPath: root + "/corpus").sorted()
    XCTAssertEqual(targets.count, 9, "\(targets)")
    for target in targets {
      let regressions = root + "/regressions/" + target
      let r = try CLI.run(
        executable: binary,
        [target, root + "/corpus/" + target]
          + (FileManager.default.fileExists(atPath: regressions) ? [regressions] : []))
      XCTAssertEqual(r.status, 0, "\(target): \(r.stderr)")
      XCTAssertTrue(r.stdout.hasPrefix("\(target): replayed "), r.stdout)
      XCTAssertFalse(r.stdout.hasPrefix("\(target): replayed 0 "), "no inputs for \(target)")
    }
  }
}
