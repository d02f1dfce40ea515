import Engine
import Foundation
import XCTest

/// `textgen` end to end with tiny budgets: train/resume/eval/generate and every bad-input path.
final class TextgenCLITests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func textgen(_ args: [String]) throws -> CLIResult {
    try CLI.run("textgen", args, environment: ["KESTREL_ASSETS": CLI.assets])
  }

  func corpus() throws -> String {
    let path = dir + "/corpus.txt"
    let text = String(repeating: "深度学习是一种机器学习方法。Deep learning learns features! 🙂\n", count: 40)
    try FileIO.writeAtomically(Array(text.utf8), to: path)
    return path
  }

  func testTrainResumeEvalGenerate() throws {
    let data = try corpus()
    let out = dir + "/m.safetensors"
    let common = [
      "--data", data, "--layers", "1", "--width", "32", "--context", "16", "--batch-size", "4", "--eval-every", "5",
      "--eval-batches", "2", "--sample-length", "10", "--out", out,
    ]
    for kind in ["lstm", "gpt"] {
      let r = try textgen(["train", "--model", kind, "--steps", "10"] + common)
      XCTAssertEqual(r.status, 0, r.stderr)
      let lines = r.stdout.split(separator: "\n").map(String.init)
      XCTAssertTrue(lines[0].hasPrefix("\(kind): "), r.stdout)
      XCTAssertTrue(lines[0].hasSuffix("vocabulary 29 characters; 1692 training / 188 validation characters"), r.stdout)
      XCTAssertEqual(lines.filter { $0.hasPrefix("step ") }.count, 2, r.stdout)
      XCTAssertTrue(lines.contains { $0.hasPrefix("step 5/10  train ") && $0.hasSuffix("(best, saved)") }, r.stdout)
      XCTAssertEqual(lines.filter { $0.hasPrefix("  sample: ") }.count, 2, r.stdout)
    }
    // Resume the GPT to 15 steps: continues at step 10.
    let resumed = try textgen(["train", "--model", "gpt", "--steps", "15"] + common + ["--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("Resuming at step 10 from \(out).last.safetensors"), resumed.stdout)
    XCTAssertTrue(resumed.stdout.contains("step 15/15  train "), resumed.stdout)
    XCTAssertFalse(resumed.stdout.contains("step 5/15"), resumed.stdout)
    // Resuming with another model type is refused.
    let wrongKind = try textgen(["train", "--model", "gru", "--steps", "20"] + common + ["--resume"])
    XCTAssertNotEqual(wrongKind.status, 0)
    XCTAssertTrue(wrongKind.stderr.contains("holds a gpt model, not gru (--model)"), wrongKind.stderr)
    XCTAssertTrue(FileIO.exists(out + ".curve.png"))

    let eval = try textgen(["eval", "--model", out, "--data", data])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    XCTAssertTrue(eval.stdout.hasPrefix("\(data): 1880 characters, loss "), eval.stdout)
    XCTAssertTrue(eval.stdout.contains(" bits/char"), eval.stdout)

    let a = try textgen(["--model", out, "--prime", "深度", "--length", "30", "--seed", "7"])
    XCTAssertEqual(a.status, 0, a.stderr)
    XCTAssertTrue(a.stdout.hasPrefix("深度"), a.stdout)
    XCTAssertEqual(a.stdout.unicodeScalars.count, 2 + 30 + 1, a.stdout)  // prime + 30 characters + newline
    let b = try textgen(["--model", out, "--prime", "深度", "--length", "30", "--seed", "7"])
    XCTAssertEqual(a.stdout, b.stdout, "same seed, same text")
    // Unknown characters in the prime are reported and skipped.
    let unknown = try textgen(["--model", out, "--prime", "深Zé度", "--length", "5"])
    XCTAssertEqual(unknown.status, 0, unknown.stderr)
    XCTAssertEqual(
      unknown.stderr,
      "note: 2 characters of the prime are not in the model's vocabulary and were skipped: 'Z' U+005A, 'é' U+00E9\n")
    XCTAssertTrue(unknown.stdout.hasPrefix("深度"), unknown.stdout)
  }

  func testBadInput() throws {
    let data = try corpus()
    let binary = dir + "/binary.bin"
    try FileIO.writeAtomically([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01], to: binary)
    let latin1 = dir + "/latin1.txt"
    try FileIO.writeAtomically([0x63, 0x61, 0x66, 0xE9, 0x0A], to: latin1)
    let empty = dir + "/empty.txt"
    try FileIO.writeAtomically([], to: empty)
    let small = dir + "/small.txt"
    try FileIO.writeAtomically(Array("tiny corpus".utf8), to: small)
    let cases: [([String], String)] = [
      (["--prime", ""], "--prime is empty"),
      (["--prime", "x", "--temperature", "0"], "--temperature must be > 0"),
      (["--prime", "x", "--temperature=-1"], "--temperature must be > 0"),
      (["--prime", "x", "--top-p", "1.5"], "--top-p must be in (0, 1]"),
      (["--prime", "x", "--top-k", "0"], "--top-k must be positive"),
      (["--prime", "x", "--model", "nope"], "unknown model; available: chinese, shakespeare"),
      (["--prime", "x", "--model", CLI.assets + "/mnist/mnist.safetensors"], "not a textgen checkpoint"),
      (["--prime", "x", "--model", dir + "/missing.safetensors"], "missing.safetensors"),
      (["train", "--data", binary], "looks binary (NUL byte at offset 4)"),
      (["train", "--data", latin1], "not valid UTF-8 (byte offset 3, line 1)"),
      (["train", "--data", empty], "the file is empty"),
      (["train", "--data", small], "not more than the context 128"),
      (["train", "--data", data, "--budget", "soon"], "--budget: cannot read 'soon'"),
      (["train", "--data", dir + "/none.txt"], "none.txt"),
    ]
    for (args, expected) in cases {
      let r = try textgen(args)
      XCTAssertNotEqual(r.status, 0, "\(args)")
      XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
      XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, r.stderr)
      XCTAssertFalse(r.stderr.contains("Fatal") || r.stderr.contains("Backtrace"), r.stderr)
    }
  }
}
