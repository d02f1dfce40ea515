import Foundation
import XCTest

/// One bad input for an app: its arguments (`$D` is the test's scratch folder) and a piece of the one-line error.
struct BadInput {
  let args: [String]
  let message: String
  init(_ args: [String], _ message: String) { (self.args, self.message) = (args, message) }
}

/// A bad-input table per app (issue 24): missing, empty, corrupt and hostile files, unknown names, out-of-range
/// and malformed numbers. Every case must end with exactly one `Error:` line containing the expected text and the
/// usual failure status (1, or 64 for a usage error), within 60 s; never a signal, a hang or exit 0.
final class BadInputTableTests: XCTestCase {
  var dir = ""

  override func setUpWithError() throws {
    dir = try CLI.tempDirectory()
    let files: [String: [UInt8]] = [
      "not-image.png": Array("not a png".utf8),
      "empty.png": [],
      "empty.txt": [],
      "binary.txt": [0xFF, 0xFE, 0x00] + Array("bad".utf8),
      "garbage.safetensors": Array("garbage".utf8),
      "corpus.txt": Array(String(repeating: "hello world, this is a corpus line.\n", count: 200).utf8),
      "no-tab.tsv": Array("no tab here\n".utf8),
      "one.tsv": Array("hello\tworld\n".utf8),
      "bad-rating.csv": Array("user,item,rating\n1,1,abc\n".utf8),
      "inf-rating.csv": Array("user,item,rating\n1,1,inf\n".utf8),
      "header-only.csv": Array("user,item,rating\n".utf8),
      "track-no-points.txt": Array("width 5\n0 0\n".utf8),
      "no-goal.txt": Array("###\n#S#\n###\n".utf8),
    ]
    for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)) }
    let photo = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("digit-photo-1.png")))
    try photo.prefix(100).write(to: URL(fileURLWithPath: dir + "/truncated.png"))
    try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  /// Runs every case of `table` through `tool` and checks the failure contract.
  func check(_ tool: String, _ table: [BadInput], file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertGreaterThanOrEqual(
      table.count, 15, "\(tool): the table must hold at least 15 cases", file: file, line: line)
    let binary = CLI.productsDirectory.appendingPathComponent(tool).path
    for c in table {
      let args = c.args.map { $0.replacingOccurrences(of: "$D", with: dir) }
      let r = try CLI.run(
        executable: URL(fileURLWithPath: "/usr/bin/timeout"), ["60", binary] + args,
        environment: ["KESTREL_ASSETS": CLI.assets, "SDL_VIDEODRIVER": "dummy"])
      let shown = "\(tool) \(c.args.joined(separator: " "))"
      XCTAssertNotEqual(r.status, 124, "\(shown): hung", file: file, line: line)
      XCTAssertTrue([1, 64].contains(r.status), "\(shown): status \(r.status)\n\(r.stderr)", file: file, line: line)
      let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
      XCTAssertEqual(errors.count, 1, "\(shown): expected one Error: line\n\(r.stderr)", file: file, line: line)
      XCTAssertTrue(
        errors.first?.contains(c.message) ?? false, "\(shown): expected '\(c.message)'\n\(r.stderr)", file: file,
        line: line)
      XCTAssertFalse(r.stderr.contains("Fatal error"), "\(shown): trapped\n\(r.stderr)", file: file, line: line)
    }
  }

  func testClassify() throws {
    let photo = CLI.fixture("digit-photo-1.png")
    try check(
      "classify",
      [
        BadInput(["/nonexistent.png"], "/nonexistent.png: No such file or directory"),
        BadInput(["$D/not-image.png"], "not-image.png: not a PNG or JPEG image"),
        BadInput(["$D/empty.png"], "empty.png: empty file, not an image"),
        BadInput(["$D/truncated.png"], "truncated.png: corrupt or truncated PNG"),
        BadInput(["$D/folder"], "folder: is a directory, not a file"),
        BadInput([], "give at least one image file"),
        BadInput(["--model", "$D/garbage.safetensors", photo], "garbage.safetensors: not a valid safetensors file"),
        BadInput(["--model", "/nonexistent.safetensors", photo], "/nonexistent.safetensors: No such file"),
        BadInput(["--model", "$D/not-image.png", photo], "not-image.png: not a valid safetensors file"),
        BadInput(["--top", "0", photo], "--top must be positive (got 0)"),
        BadInput(["--top", "-3", photo], "--top must be positive (got -3)"),
        BadInput(["--top", "abc", photo], "The value 'abc' is invalid for '--top <top>'"),
        BadInput(["--bogus", photo], "Unknown option '--bogus'"),
        BadInput(["train", "--dataset", "nosuch"], "--dataset must be mnist, fashion-mnist, cifar10 or folder:PATH"),
        BadInput(["train", "--dataset", "mnist", "--data-dir", "/nonexistent"], "no train-images-idx3-ubyte.gz"),
        BadInput(["train", "--batch-size", "0"], "--batch-size must be positive (got 0)"),
        BadInput(["train", "--lr", "nan"], "--lr must be a positive number (got nan)"),
        BadInput(["train", "--lr", "-1"], "--lr must be a positive number (got -1"),
        BadInput(["eval", "--model", "$D/garbage.safetensors"], "garbage.safetensors: not a valid safetensors file"),
      ])
  }

  func testTextgen() throws {
    let out = ["--out", "$D/m.safetensors", "--budget", "1s"]
    try check(
      "textgen",
      [
        BadInput(["--prime", ""], "--prime is empty"),
        BadInput(["--prime", "a", "--length", "-5"], "--length must be in 0…100000 (got -5)"),
        BadInput(["--prime", "a", "--temperature", "0"], "--temperature must be > 0"),
        BadInput(["--prime", "a", "--temperature", "nan"], "--temperature must be > 0 (got nan)"),
        BadInput(["--prime", "a", "--top-p", "1.5"], "--top-p must be in (0, 1] (got 1.5)"),
        BadInput(["--prime", "a", "--top-k", "-1"], "--top-k must be positive (got -1)"),
        BadInput(["--prime", "a", "--model", "/nonexistent"], "/nonexistent: No such file or directory"),
        BadInput(["--prime", "a", "--model", "$D/garbage.safetensors"], "not a valid safetensors file"),
        BadInput(["--prime", "a", "--model", "nosuchname"], "nosuchname: unknown model; available: chinese"),
        BadInput(["--prime", "☃☃", "--model", "shakespeare"], "none of its characters are in the model's vocabulary"),
        BadInput(["train", "--data", "/nonexistent.txt"] + out, "/nonexistent.txt: No such file or directory"),
        BadInput(["train", "--data", "$D/empty.txt"] + out, "empty.txt: the file is empty"),
        BadInput(["train", "--data", "$D/binary.txt"] + out, "binary.txt: looks binary (NUL byte at offset 2)"),
        BadInput(["train", "--data", "$D/corpus.txt", "--budget", "abc"], "--budget: cannot read 'abc'"),
        BadInput(
          ["train", "--data", "$D/corpus.txt", "--out", "/nonexistent/dir/m.safetensors"],
          "folder '/nonexistent/dir' does not exist"),
        BadInput(["train", "--data", "$D/corpus.txt", "--context", "0"] + out, "--context must be positive"),
        BadInput(
          ["train", "--data", "$D/corpus.txt", "--heads", "3", "--width", "128"] + out,
          "--width must be divisible by --heads"),
        BadInput(["train", "--data", "$D/corpus.txt", "--dropout", "1.5"] + out, "--dropout must be in [0, 1)"),
        BadInput(["eval", "--data", "/nonexistent"], "/nonexistent: No such file or directory"),
        BadInput(["eval", "--data", "$D/corpus.txt", "--batch-size", "0"], "--batch-size must be between 1 and 4096"),
      ])
  }

  func testTranslate() throws {
    let out = ["--out", "$D/m.safetensors", "--budget", "1s"]
    try check(
      "translate",
      [
        BadInput([""], "the text to translate is empty"),
        BadInput(["--beam", "0", "hi"], "--beam must be in 1…64 (got 0)"),
        BadInput(["--beam", "-2", "hi"], "--beam must be in 1…64 (got -2)"),
        BadInput(["--alpha", "nan", "hi"], "--alpha must be in [0, 3]"),
        BadInput(["--model", "/nonexistent", "hi"], "/nonexistent: No such file or directory"),
        BadInput(["--model", "$D/garbage.safetensors", "hi"], "not a valid safetensors file"),
        BadInput(["--attention", "/nonexistent/a.png", "hi"], "folder '/nonexistent' does not exist"),
        BadInput(["--max-length", "0", "hi"], "Unknown option '--max-length'"),
        BadInput(["train", "--pairs", "/nonexistent.tsv"] + out, "/nonexistent.tsv: No such file or directory"),
        BadInput(["train", "--pairs", "$D/no-tab.tsv"] + out, "no-tab.tsv: 0 training and 0 validation pairs"),
        BadInput(["train", "--pairs", "$D/empty.txt"] + out, "empty.txt: the file is empty"),
        BadInput(["train", "--pairs", "$D/binary.txt"] + out, "binary.txt: 0 training and 0 validation pairs"),
        BadInput(["train", "--pairs", "$D/one.tsv", "--heads", "0"] + out, "--heads must be positive (got 0)"),
        BadInput(["train"] + out, "Missing expected argument '--pairs <pairs>'"),
        BadInput(["eval", "--pairs", "/nonexistent.tsv"], "/nonexistent.tsv: No such file or directory"),
        BadInput(["eval", "--pairs", "$D/no-tab.tsv"], "no-tab.tsv: no pairs to score"),
        BadInput(["eval", "--pairs", "$D/one.tsv", "--beam", "100"], "--beam must be in 1…64"),
        BadInput(["eval", "--pairs", "$D/one.tsv", "--model", "$D/not-image.png"], "not a valid safetensors file"),
      ])
  }

  func testGAN() throws {
    try check(
      "gan",
      [
        BadInput(["sample", "--n", "0", "--out", "$D/g.png"], "--n must be positive (got 0)"),
        BadInput(["sample", "--n", "-1", "--out", "$D/g.png"], "--n must be positive (got -1)"),
        BadInput(["sample", "--n", "100000", "--out", "$D/g.png"], "--n must be at most 10000 for a grid"),
        BadInput(["sample", "--scale", "0", "--out", "$D/g.png"], "--scale must be between 1 and 16"),
        BadInput(["sample", "--columns", "-4", "--out", "$D/g.png"], "--columns must be positive"),
        BadInput(["sample", "--model", "/nonexistent", "--out", "$D/g.png"], "/nonexistent: No such file"),
        BadInput(["sample", "--model", "$D/garbage.safetensors", "--out", "$D/g.png"], "not a valid safetensors"),
        BadInput(["sample", "--model", "nosuchname", "--out", "$D/g.png"], "nosuchname"),
        BadInput(["sample", "--out", "/nonexistent/g.png"], "folder '/nonexistent' does not exist"),
        BadInput(["interpolate", "--steps", "0", "--out", "$D/i.png"], "--steps must be between 2 and 200 (got 0)"),
        BadInput(["interpolate", "--steps", "100000", "--out", "$D/i.png"], "--steps must be between 2 and 200"),
        BadInput(["interpolate", "--from-seed", "x", "--out", "$D/i.png"], "The value 'x' is invalid"),
        BadInput(["train", "--dataset", "nosuch", "--out", "$D/m.safetensors"], "--dataset must be mnist"),
        BadInput(
          ["train", "--data-dir", "/nonexistent", "--out", "$D/m.safetensors"], "no train-images-idx3-ubyte.gz"),
        BadInput(["train", "--latent", "0", "--out", "$D/m.safetensors"], "--latent and --width must be positive"),
        BadInput(["train", "--batch-size", "1", "--out", "$D/m.safetensors"], "--batch-size must be at least 2"),
        BadInput(["train", "--ema", "1", "--out", "$D/m.safetensors"], "--ema must be in [0, 1)"),
        BadInput(["score", "--model", "/nonexistent"], "/nonexistent: No such file or directory"),
        BadInput(["score", "--n", "10"], "--n must be at least 100 (got 10)"),
      ])
  }

  func testRecommend() throws {
    let db = dir + "/db.sqlite"
    let setup = try CLI.run("recommend", ["import", "csv", CLI.fixture("ratings.csv"), "--db", db])
    XCTAssertEqual(setup.status, 0, setup.stderr)
    let trained = try CLI.run("recommend", ["train", "--algo", "baseline", "--db", db])
    XCTAssertEqual(trained.status, 0, trained.stderr)
    let other = ["--db", "$D/other.sqlite"]
    try check(
      "recommend",
      [
        BadInput(["--user", "a1", "--db", "/nonexistent/db.sqlite"], "/nonexistent/db.sqlite: no such database"),
        BadInput(["--user", "999999", "--db", db], "unknown user '999999'"),
        BadInput(["--user", "-1", "--db", db], "unknown user '-1'"),
        BadInput(["--user", "a1", "--n", "0", "--db", db], "--n must be positive (got 0)"),
        BadInput(
          ["--user", "a1", "--min-ratings", "1000", "--db", db], "has 1000 or more ratings (the most rated has"),
        BadInput(["--user", "a1", "--db", "$D/not-image.png"], "not-image.png: cannot prepare"),
        BadInput(["import", "csv", "/nonexistent.csv"] + other, "/nonexistent.csv: No such file or directory"),
        BadInput(["import", "csv", "$D/bad-rating.csv"] + other, "no ratings imported: all 1 lines are malformed"),
        BadInput(["import", "csv", "$D/inf-rating.csv"] + other, "(line 2: rating 'inf' is not a number"),
        BadInput(["import", "csv", "$D/header-only.csv"] + other, "header-only.csv: no ratings in the file"),
        BadInput(["import", "csv", "$D/binary.txt"] + other, "binary.txt: line 1 is not valid UTF-8"),
        BadInput(
          ["import", "csv", CLI.fixture("ratings.csv"), "--user-col", "9"] + other, "line 2: expected at least"),
        BadInput(
          ["import", "csv", CLI.fixture("ratings.csv"), "--item-id-col", "-1"] + other, "--item-id-col must be"),
        BadInput(["import", "movielens", "/nonexistent"] + other, "/nonexistent: not a MovieLens folder"),
        BadInput(["train", "--algo", "nosuch", "--db", db], "The value 'nosuch' is invalid for '--algo <algo>'"),
        BadInput(["train", "--factors", "0", "--db", db], "--factors must be ≥ 1 (got 0)"),
        BadInput(["rate", "--user", "a1", "--item", "999", "--rating", "5", "--db", db], "unknown item '999'"),
        BadInput(
          ["rate", "--user", "a1", "--item", "1", "--rating", "99", "--db", db], "rating 99.0 is outside the scale"),
        BadInput(["similar", "--item", "999", "--db", db], "unknown item '999'"),
        BadInput(["eval", "--folds", "1", "--db", db], "--folds must be ≥ 2 (got 1)"),
      ])
  }

  func testRLDrive() throws {
    try check(
      "rl-drive",
      [
        BadInput(["--track", "/nonexistent.txt"], "/nonexistent.txt: No such file or directory"),
        BadInput(["--track", "$D/track-no-points.txt"], "track-no-points.txt:2: unknown keyword '0'"),
        BadInput(["--track", "$D/not-image.png"], "not-image.png:1: unknown keyword 'not'"),
        BadInput(["--model", "/nonexistent"], "/nonexistent: No such file or directory"),
        BadInput(["--model", "$D/garbage.safetensors"], "not a valid safetensors file"),
        BadInput(["--env", "nosuch"], "The value 'nosuch' is invalid for '--env <env>'"),
        BadInput(["--record-every", "0", "--record", "$D/rec"], "--record-every must be at least 1 (got 0)"),
        BadInput(["--frames", "-1"], "--frames must be at least 1 (got -1)"),
        BadInput(["train", "--algo", "nosuch"], "The value 'nosuch' is invalid for '--algo <algo>'"),
        BadInput(["train", "--algo", "ppo", "--steps", "0"], "--steps must be positive"),
        BadInput(
          ["train", "--algo", "ppo", "--lr", "inf", "--steps", "10"], "--lr must be a positive number (got inf)"),
        BadInput(
          ["train", "--algo", "dqn", "--steps", "10", "--out", "/nonexistent/x.safetensors"],
          "folder '/nonexistent' does not exist"),
        BadInput(
          ["train", "--env", "gridworld", "--map", "$D/no-goal.txt", "--algo", "value-iteration", "--out", "$D/g"],
          "no-goal.txt: no goal cell 'G'"),
        BadInput(
          ["train", "--env", "gridworld", "--map", "/nonexistent", "--algo", "value-iteration", "--out", "$D/g"],
          "/nonexistent: No such file or directory"),
        BadInput(["eval", "--episodes", "0"], "--episodes must be between 1 and 1000000 (got 0)"),
        BadInput(["eval", "--episodes", "-1"], "--episodes must be between 1 and 1000000 (got -1)"),
        BadInput(["eval", "--seed", "abc"], "The value 'abc' is invalid for '--seed <seed>'"),
        BadInput(["eval", "--model", "$D/not-image.png"], "header length 7957896143092084590 exceeds the file size"),
      ])
  }
}
