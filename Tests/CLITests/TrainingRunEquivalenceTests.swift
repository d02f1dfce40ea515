import Engine
import EngineTesting
import Foundation
import XCTest

/// Every app's trainer on the one `TrainingRun` reproduces the losses of the trainers it replaced: the recipes in
/// `Fixtures/training-golden/recipes.json` were run with the previous binaries by
/// `Tests/Fixtures/make_training_golden.py`, whose output (per-evaluation losses, rl-drive's return lines) is
/// committed beside them. Same seed, one thread → the same numbers.
final class TrainingRunEquivalenceTests: XCTestCase {
  struct Recipes: Decodable {
    let metrics: [String: [String]]
    let stdout: [String: [String]]
  }

  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  var golden: String { CLI.fixture("training-golden") }

  func recipes() throws -> Recipes {
    try JSONDecoder().decode(Recipes.self, from: Data(try FileIO.read(golden + "/recipes.json")))
  }

  /// Runs recipe `name`; returns its output file's path and standard output.
  func run(_ name: String, _ recipe: [String]) throws -> (out: String, stdout: String) {
    let out = dir + "/" + name + ".safetensors"
    let values = [
      "{corpus}": golden + "/corpus.txt", "{pairs}": golden + "/pairs.tsv", "{out}": out,
      "{fashion5}": CLI.assets + "/datasets/fashion5",
    ]
    let argv = recipe.map { arg in values.reduce(arg) { $0.replacingOccurrences(of: $1.key, with: $1.value) } }
    let r = try CLI.run(argv[0], Array(argv.dropFirst()), environment: ["KESTREL_THREADS": "1"])
    XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
    return (out, r.stdout)
  }

  /// The metrics CSV without its timing column, as numbers per row.
  func table(_ text: String) -> (header: [String], rows: [[Double]]) {
    let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    guard let header = lines.first?.map(String.init) else { return ([], []) }
    let keep = header.indices.filter { header[$0] != "seconds" }
    let rows = lines.dropFirst().map { row in keep.map { Double(row[$0]) ?? .nan } }
    return (keep.map { header[$0] }, rows)
  }

  func testEveryTrainerReproducesThePreviousLosses() throws {
    let recipes = try recipes()
    for (name, recipe) in recipes.metrics.sorted(by: { $0.key < $1.key }) {
      let (out, _) = try run(name, recipe)
      let ours = table(String(decoding: try FileIO.read(out + ".metrics.csv"), as: UTF8.self))
      let theirs = table(String(decoding: try FileIO.read(golden + "/\(name).csv"), as: UTF8.self))
      XCTAssertEqual(ours.header, theirs.header, name)
      XCTAssertEqual(ours.rows.count, theirs.rows.count, name)
      for (a, b) in zip(ours.rows, theirs.rows) {
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-6 * max(1, abs(y)), "\(name): \(a) vs \(b)") }
      }
    }
  }

  func testReinforcementLearningReproducesThePreviousReturns() throws {
    for (name, recipe) in try recipes().stdout.sorted(by: { $0.key < $1.key }) {
      let (_, stdout) = try run(name, recipe)
      let lines = stdout.split(separator: "\n").filter { $0.contains("return") }.map {
        $0.components(separatedBy: " →")[0]
      }
      let expected = String(decoding: try FileIO.read(golden + "/\(name).csv"), as: UTF8.self)
      XCTAssertEqual(lines.joined(separator: "\n") + "\n", expected, name)
    }
  }
}
