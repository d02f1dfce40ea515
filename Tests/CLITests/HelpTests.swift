import XCTest

/// `--help` reads well on an 80-column terminal: example commands are never broken across lines.
final class HelpTests: XCTestCase {
  /// Every app's top-level help and the subcommands whose help carries examples.
  let pages: [(String, [String])] = [
    ("classify", []), ("classify", ["train"]), ("textgen", []), ("textgen", ["train"]), ("translate", []),
    ("translate", ["train"]), ("gan", []), ("gan", ["train"]), ("recommend", []), ("rl-drive", []),
  ]

  func testExamplesFitEightyColumns() throws {
    for (tool, sub) in pages {
      let r = try CLI.run(tool, sub + ["--help"], environment: ["COLUMNS": "80"])
      XCTAssertEqual(r.status, 0, "\(tool) \(sub): \(r.stderr)")
      let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      let headings = ["Examples:", "Example:", "Quick start:"]
      guard let start = lines.firstIndex(where: { headings.contains($0) }) else {
        XCTFail("\(tool) \(sub): no examples in --help:\n\(r.stdout)")
        continue
      }
      // The block runs to the first blank line; a line the parser had to wrap would start in column 0.
      let block = lines[(start + 1)...].prefix { !$0.isEmpty }
      XCTAssertFalse(block.isEmpty, "\(tool) \(sub)")
      for line in block {
        XCTAssertTrue(line.hasPrefix("  "), "\(tool) \(sub): example wrapped at 80 columns: '\(line)'")
        XCTAssertLessThanOrEqual(line.count, 80, "\(tool) \(sub): '\(line)'")
      }
    }
  }
}
