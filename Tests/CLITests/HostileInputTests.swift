import Engine
import Foundation
import XCTest

/// Files and flags a hostile or careless user might give (issue 24's classes): each is one line on standard error
/// naming what is wrong and a non-zero exit, never a crash (signal), a hang or a silent success.
final class HostileInputTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  /// Runs `tool` (bounded to 60 s) and asserts a clean failure whose single stderr line contains `expected`.
  func assertRejects(
    _ tool: String, _ args: [String], _ expected: String, environment: [String: String] = [:],
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let binary = CLI.productsDirectory.appendingPathComponent(tool).path
    let r = try CLI.run(
      executable: URL(fileURLWithPath: "/usr/bin/timeout"), ["60", binary] + args,
      environment: ["KESTREL_ASSETS": CLI.assets].merging(environment) { $1 })
    XCTAssertNotEqual(r.status, 124, "\(tool) \(args) hung", file: file, line: line)
    XCTAssertTrue(
      [1, 2, 64].contains(r.status), "\(tool) \(args): status \(r.status)\n\(r.stderr)", file: file, line: line)
    let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See ") }
    XCTAssertTrue(r.stderr.contains(expected), "\(tool) \(args):\n\(r.stderr)", file: file, line: line)
    XCTAssertLessThanOrEqual(
      lines.count, 1, "\(tool) \(args): more than one line:\n\(r.stderr)", file: file, line: line)
  }

  /// A copy of `source` (a safetensors file) with its `kestrel.config` JSON edited by `edit`.
  func withConfig(_ source: String, _ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
    var (tensors, metadata) = try SafeTensors.read(source)
    let json = try XCTUnwrap(metadata["kestrel.config"])
    var config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    edit(&config)
    metadata["kestrel.config"] = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
    let path = dir + "/" + name
    try SafeTensors.write(tensors.mapValues { $0 }, metadata: metadata, to: path)
    tensors.removeAll()
    return path
  }

  /// Class 1: a header whose shape product wraps around Int (2³¹ · 2³¹ · 4 elements in 16 bytes of data).
  func testOverflowingSafetensorsShapeIsAnError() throws {
    let header = #"{"w":{"dtype":"F32","shape":[2147483648,2147483648,4],"data_offsets":[0,16]}}"#
    var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 16)
    let path = dir + "/hostile.safetensors"
    try FileIO.writeAtomically(bytes, to: path)
    try assertRejects("classify", ["--model", path, CLI.fixture("digit-photo-1.png")], "impossible shape")
    try assertRejects("textgen", ["--model", path, "--prime", "a"], "impossible shape")
  }

  /// Class 1: IDX headers that overflow, or describe no images, are errors naming the file.
  func testHostileIDXHeadersAreErrors() throws {
    func idx(_ dims: [UInt32], data: Int) -> Data {
      var d = Data([0, 0, 8, UInt8(dims.count)])
      for v in dims { d += withUnsafeBytes(of: v.bigEndian) { Data($0) } }
      return d + Data(count: data)
    }
    for (name, images) in [("overflow", idx([16, 1 << 30, 1 << 30], data: 16)), ("empty", idx([0, 28, 28], data: 0))] {
      let folder = dir + "/" + name
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      for split in ["train", "t10k"] {
        try gzip(images, to: "\(folder)/\(split)-images-idx3-ubyte.gz")
        try gzip(idx([0], data: 0), to: "\(folder)/\(split)-labels-idx1-ubyte.gz")
      }
      let expected = name == "overflow" ? "impossibly large" : "expected at least one square image"
      try assertRejects(
        "classify",
        ["train", "--dataset", "mnist", "--data-dir", folder, "--epochs", "1", "--out", dir + "/m.safetensors"],
        expected)
    }
  }

  /// Gzips `data` into `path` with the system's gzip.
  func gzip(_ data: Data, to path: String) throws {
    let raw = path.replacingOccurrences(of: ".gz", with: "")
    try data.write(to: URL(fileURLWithPath: raw))
    let r = try CLI.run(executable: URL(fileURLWithPath: "/bin/gzip"), ["-f", raw])
    XCTAssertEqual(r.status, 0, r.stderr)
  }

  /// Class 2: configs in checkpoints are checked before a model is built from them.
  func testAbsurdCheckpointConfigsAreErrorsNamingTheField() throws {
    let gpt = CLI.assets + "/textgen/shakespeare-gpt.safetensors"
    let cases: [(String, (inout [String: Any]) -> Void, String)] = [
      ("heads0", { $0["heads"] = 0 }, "heads must be between 1 and"),
      ("heads3", { $0["heads"] = 3 }, "heads must divide width"),
      ("width", { $0["width"] = -1 }, "width must be between 1 and 8192 (is -1)"),
      ("layers", { $0["layers"] = 1_000_000_000 }, "layers must be between 1 and 96"),
      (
        "huge",
        {
          $0["layers"] = 96; $0["width"] = 8192
        }, "more than 2·10⁹"
      ),
    ]
    for (name, edit, expected) in cases {
      let path = try withConfig(gpt, name + ".safetensors", edit)
      try assertRejects("textgen", ["--model", path, "--prime", "a", "--length", "5"], expected)
    }
    let gan = CLI.assets + "/gan/fashion-mnist-dcgan.safetensors"
    let negative = try withConfig(gan, "gan-size.safetensors") { $0["size"] = -28 }
    try assertRejects(
      "gan", ["sample", "--model", negative, "--out", dir + "/g.png"], "size must be between 8 and 1024")
    let mnist = CLI.assets + "/mnist/mnist.safetensors"
    let gray = try withConfig(mnist, "channels.safetensors") { $0["channels"] = 7 }
    try assertRejects("classify", ["--model", gray, CLI.fixture("digit-photo-1.png")], "channels must be 1 or 3")
  }

  /// Class 3: numeric options out of range are refused where they are parsed.
  func testNumericOptionsAreValidated() throws {
    try assertRejects("rl-drive", ["eval", "--env", "cartpole", "--episodes=-1"], "--episodes must be between 1")
    try assertRejects("rl-drive", ["eval", "--env", "cartpole", "--episodes", "0"], "--episodes must be between 1")
    try assertRejects("textgen", ["eval", "--data", CLI.fixture("ratings.csv"), "--batch-size", "0"], "--batch-size")
    try assertRejects(
      "recommend",
      [
        "import", "csv", CLI.fixture("ratings.csv"), "--items", CLI.fixture("items.csv"),
        "--item-id-col=-1", "--db", dir + "/r.sqlite",
      ], "--item-id-col must be between 0 and 1000")
    try assertRejects("recommend", ["train", "--lr", "nan", "--db", dir + "/r.sqlite"], "--lr must be a positive")
    try assertRejects("classify", ["train", "--dataset", "folder:\(dir)", "--size", "3"], "--size must be between 8")
    try assertRejects("kestrel-bench", ["w1", "--warmup=-1"], "--warmup must be between 0 and 1000")
  }

  /// Class 4: a rating too large for any model's arithmetic is refused like a non-number.
  func testAnAbsurdRatingIsRefused() throws {
    let csv = dir + "/huge.csv"
    try "user,item,rating\nu1,i1,4\nu1,i2,1e308\n".write(toFile: csv, atomically: true, encoding: .utf8)
    try assertRejects(
      "recommend", ["import", "csv", csv, "--strict", "--timestamp-col=-1", "--db", dir + "/h.sqlite"],
      "\(csv): line 3: rating '1e308' is not a number between -1000000 and 1000000")
  }

  /// Class 5: processes creating the same new database at once all succeed (the WAL switch is retried while
  /// SQLite reports it busy). Three at a time, ten fresh databases: a stress check (the race it guards against
  /// struck 1 in 20 pairs in a measured run, 0 in 60 triples in another), not a deterministic reproduction.
  func testConcurrentCreatorsOfANewDatabaseAllSucceed() throws {
    let binary = CLI.productsDirectory.appendingPathComponent("recommend").path
    let script = """
      for k in 1 2 3 4 5 6 7 8 9 10; do
        for i in 1 2 3; do "$0" import csv "$1" --items "$2" --db "$3/db$k.sqlite" > /dev/null 2>> "$3/errors" & done
        wait
      done
      cat "$3/errors"
      """
    let r = try CLI.run(
      executable: URL(fileURLWithPath: "/bin/sh"),
      ["-c", script, binary, CLI.fixture("ratings.csv"), CLI.fixture("items.csv"), dir])
    XCTAssertEqual(r.status, 0)
    XCTAssertEqual(r.stdout.filter { $0 == "\n" }.count, 0, "some imports failed:\n\(r.stdout)")
  }

  /// Class 5: output that cannot be written is an error, not a trap or a silent exit 0.
  func testAFullDiskOnStandardOutputIsAnError() throws {
    let binary = CLI.productsDirectory.appendingPathComponent("textgen").path
    let r = try CLI.run(
      executable: URL(fileURLWithPath: "/bin/sh"),
      ["-c", "\"$0\" --model shakespeare --prime the --length 20 > /dev/full", binary],
      environment: ["KESTREL_ASSETS": CLI.assets])
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertEqual(r.stderr, "Error: cannot write to standard output: No space left on device\n")
  }

  /// Class 5: a save interrupted by kill -9 leaves a temp file; the next save of the same file removes it.
  func testStaleTemporaryFilesAreRemovedOnTheNextSave() throws {
    let path = dir + "/model.safetensors"
    let stale = path + ".tmp-999999999-abc"  // a writer process that no longer exists
    try Data(count: 1000).write(to: URL(fileURLWithPath: stale))
    try SafeTensors.write(["w": Tensor([1, 2], shape: [2])], to: path)
    XCTAssertFalse(FileIO.exists(stale))
    XCTAssertEqual(try SafeTensors.read(path).tensors["w"]?.toArray(), [1, 2])
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
    XCTAssertEqual(leftovers, [])
  }
}
