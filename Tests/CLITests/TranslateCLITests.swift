import Datasets
import Engine
import Foundation
import XCTest

/// `translate` end to end with tiny budgets: train/resume/eval/translate, attention PNG and bad inputs.
final class TranslateCLITests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func translate(_ args: [String], stdin: String? = nil) throws -> CLIResult {
    try CLI.run("translate", args, stdin: stdin, environment: ["KESTREL_ASSETS": CLI.assets, "KESTREL_THREADS": "1"])
  }

  /// 60 pairs in the Bible layout (reference column), two of them malformed.
  func pairsFile() throws -> String {
    var lines: [String] = []
    let books = ["Genesis", "Ruth", "Mark"]
    for i in 0..<60 {
      let book = books[i % 3]
      lines.append("the cat number \(i % 7) sat.\t猫\(i % 7)坐了。\t\(book) 1:\(i + 1)")
    }
    lines[10] = "missing the target column"
    lines[20] = "\t空的源\tGenesis 9:9"
    let path = dir + "/pairs.tsv"
    try FileIO.writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
    return path
  }

  func testTrainResumeEvalTranslate() throws {
    let pairs = try pairsFile()
    let out = dir + "/m.safetensors"
    let common = [
      "--pairs", pairs, "--width", "16", "--heads", "2", "--encoder-layers", "1", "--decoder-layers", "1",
      "--feed-forward", "32", "--src-vocab", "64", "--batch-size", "8", "--eval-every", "4", "--bleu-sentences", "3",
      "--out", out,
    ]
    let r = try translate(["train", "--steps", "8"] + common)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stderr.contains("skipped \(pairs):11: 1 column(s), need at least 2"), r.stderr)
    XCTAssertTrue(r.stderr.contains("skipped \(pairs):21: empty source side"), r.stderr)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(
      lines.first,
      "\(pairs): 20 training, 19 validation, 19 test pairs (held-out books: validation Ruth, Galatians, Colossians, 1 John; test Mark, Jonah, Philippians, James, 1 Peter)"
    )
    XCTAssertEqual(lines.filter { $0.hasPrefix("step ") }.count, 2, r.stdout)
    XCTAssertTrue(lines.contains { $0.hasPrefix("step 4/8  train ") && $0.contains("val BLEU") }, r.stdout)
    XCTAssertTrue(FileIO.exists(out) && FileIO.exists(out + ".curve.png") && FileIO.exists(out + ".metrics.csv"))

    let resumed = try translate(["train", "--steps", "12"] + common + ["--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("Resuming at step 8 from \(out).last.safetensors"), resumed.stdout)
    XCTAssertTrue(resumed.stdout.contains("step 12/12  train "), resumed.stdout)
    XCTAssertFalse(resumed.stdout.contains("step 4/12"), resumed.stdout)

    let strict = try translate(["train", "--steps", "8", "--strict"] + common)
    XCTAssertNotEqual(strict.status, 0)
    XCTAssertTrue(strict.stderr.contains("\(pairs):11: 1 column(s), need at least 2"), strict.stderr)

    let eval = try translate(["eval", "--model", out, "--pairs", pairs, "--split", "test", "--beam", "2"])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    XCTAssertTrue(eval.stdout.hasPrefix("19 sentences, beam 2, α 1.0, tok:zh\nBLEU = "), eval.stdout)
    XCTAssertTrue(eval.stdout.contains("\nchrF2 = "), eval.stdout)

    // Arguments, stdin, the same output both ways; unknown characters and over-long input are reported.
    let a = try translate(["--model", out, "--beam", "1", "the cat sat."])
    XCTAssertEqual(a.status, 0, a.stderr)
    let b = try translate(["--model", out, "--beam", "1"], stdin: "the cat sat.\n")
    XCTAssertEqual(a.stdout, b.stdout)
    XCTAssertEqual(a.stdout.split(separator: "\n").count, 1)
    let unknown = try translate(["--model", out, "the dog ate é."])
    XCTAssertEqual(unknown.status, 0, unknown.stderr)
    XCTAssertTrue(unknown.stderr.contains("not in the source vocabulary, read as <unk>: 'd' U+64"), unknown.stderr)
    let long = try translate(["--model", out, String(repeating: "the cat sat. ", count: 100)])
    XCTAssertEqual(long.status, 0, long.stderr)
    XCTAssertTrue(long.stderr.contains("the model reads at most 160; the rest is not translated"), long.stderr)

    let png = dir + "/attn.png"
    let att = try translate(["--model", out, "--attention", png, "the cat sat."])
    XCTAssertEqual(att.status, 0, att.stderr)
    let image = try Image(pngFile: png)
    XCTAssertGreaterThan(image.width, 30)
  }

  func testBadInput() throws {
    let missing = try translate(["--model", dir + "/none.safetensors", "hello"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertEqual(missing.stderr, "Error: \(dir)/none.safetensors: No such file or directory\n")
    let truncated = dir + "/t.safetensors"
    try FileIO.writeAtomically([1, 2, 3], to: truncated)
    let t = try translate(["--model", truncated, "hello"])
    XCTAssertNotEqual(t.status, 0)
    XCTAssertEqual(t.stderr.split(separator: "\n").count, 1, t.stderr)
    XCTAssertTrue(t.stderr.hasPrefix("Error: \(truncated): "), t.stderr)
    let other = try translate(["--model", CLI.assets + "/gan/mnist-dcgan.safetensors", "hello"])
    XCTAssertNotEqual(other.status, 0)
    XCTAssertTrue(other.stderr.contains("not a translate checkpoint"), other.stderr)
    for args in [
      ["--beam", "0", "x"], ["train", "--pairs", "p.tsv", "--steps", "0"], ["eval", "--pairs", "p", "--split", "dev"],
    ] {
      let r = try translate(args)
      XCTAssertNotEqual(r.status, 0, "\(args)")
      XCTAssertTrue(r.stderr.hasPrefix("Error: "), r.stderr)
    }
    let noFile = try translate(["train", "--pairs", dir + "/absent.tsv", "--out", dir + "/x.safetensors"])
    XCTAssertNotEqual(noFile.status, 0)
    XCTAssertEqual(noFile.stderr, "Error: \(dir)/absent.tsv: No such file or directory\n")
  }
}
