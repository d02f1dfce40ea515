import Foundation
import XCTest

/// `recommend` end to end through its executable: exact output, errors, concurrent writers.
final class RecommendCLITests: XCTestCase {
  var dir = ""
  var db: String { dir + "/r.sqlite" }

  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func recommend(_ args: [String], stdin: String? = nil) throws -> CLIResult {
    try CLI.run("recommend", args + ["--db", db], stdin: stdin)
  }

  func importFixture() throws {
    let r = try recommend(["import", "csv", CLI.fixture("ratings.csv"), "--items", CLI.fixture("items.csv")])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      r.stdout,
      """
      Imported 49 ratings (8 new users), 8 items into \(db)
      Skipped 3 malformed lines:
        \(CLI.fixture("ratings.csv")):51: expected at least 3 columns, found 2
        \(CLI.fixture("ratings.csv")):52: rating 'five' is not a number between -1000000 and 1000000
        \(CLI.fixture("ratings.csv")):53: empty user or item id

      """)
  }

  func testImportTrainRecommendExactOutput() throws {
    try importFixture()
    let stats = try recommend(["stats"])
    XCTAssertTrue(stats.stdout.contains("8 users, 8 items, 49 ratings (scale 1.0…5.0)"), stats.stdout)
    let train = try recommend(["train", "--algo", "baseline"])
    XCTAssertEqual(train.status, 0, train.stderr)
    XCTAssertTrue(train.stdout.hasPrefix("Trained baseline on 49 ratings in "), train.stdout)
    let popular = try recommend(["--popular", "--n", "2"])
    XCTAssertEqual(popular.status, 0, popular.stderr)
    XCTAssertEqual(popular.stdout.split(separator: "\n").count, 3)
    // A new user: two sci-fi loves, one romance dislike → the SVD model's top pick is sci-fi, with a reason.
    XCTAssertEqual(try recommend(["train", "--algo", "svd", "--factors", "4", "--epochs", "200"]).status, 0)
    for (item, rating) in [("1", "5"), ("2", "5"), ("5", "1")] {
      let r = try recommend(["rate", "--user", "zoe", "--item", item, "--rating", rating])
      XCTAssertEqual(r.status, 0, r.stderr)
    }
    let top = try recommend(["--user", "zoe", "--n", "2"])
    XCTAssertEqual(top.status, 0, top.stderr)
    let lines = top.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "Top 2 for user zoe (svd, folded in from 3 ratings):")
    XCTAssertTrue(
      lines[1].contains("東京物語 2099 (2001)") || lines[1].contains("Space, the Final (1999)"), top.stdout)
    XCTAssertTrue(lines[1].contains("because you rated "), top.stdout)
  }

  func testBadInputGivesOneLineErrors() throws {
    let missing = try recommend(["--user", "1"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertEqual(missing.stderr, "Error: \(db): no such database (run `recommend import …` first, or pass --db)\n")
    try importFixture()
    let cases: [([String], String)] = [
      (["--user", "nobody"], "Error: unknown user 'nobody'"),
      (["rate", "--user", "a1", "--item", "99", "--rating", "3"], "Error: unknown item '99'"),
      (["rate", "--user", "a1", "--item", "1", "--rating", "7"], "Error: rating 7.0 is outside the scale"),
      (["similar", "--item", "1"], "Error: \(db): no trained model; run `recommend train` first"),
    ]
    for (args, prefix) in cases {
      let r = try recommend(args)
      XCTAssertEqual(r.status, 1, "\(args)")
      XCTAssertTrue(r.stderr.hasPrefix(prefix), "\(args): \(r.stderr)")
      XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
    }
    let flag = try recommend(["--user", "a1", "--n", "0"])
    XCTAssertNotEqual(flag.status, 0)
    XCTAssertTrue(flag.stderr.hasPrefix("Error: --n must be positive (got 0)"), flag.stderr)
  }

  /// Two processes each store 5,000 ratings (one transaction each) at the same time: nothing is lost and
  /// neither fails with "database is locked".
  func testConcurrentRatersLoseNothing() throws {
    try importFixture()
    func batch(_ prefix: String) -> String {
      (0..<5000).map { "\(prefix)\($0 % 500),\($0 % 8 + 1),\($0 % 5 + 1)" }.joined(separator: "\n") + "\n"
    }
    try batch("p").write(toFile: dir + "/p.csv", atomically: true, encoding: .utf8)
    try batch("q").write(toFile: dir + "/q.csv", atomically: true, encoding: .utf8)
    let results = [dir + "/p.csv", dir + "/q.csv"].map { file in
      let p = Process()
      p.executableURL = CLI.productsDirectory.appendingPathComponent("recommend")
      p.arguments = ["rate", "--from", file, "--db", db]
      let err = Pipe()
      p.standardError = err
      p.standardOutput = Pipe()
      return (p, err)
    }
    for (p, _) in results { try p.run() }
    for (p, err) in results {
      p.waitUntilExit()
      let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      XCTAssertEqual(p.terminationStatus, 0, text)
      XCTAssertFalse(text.contains("locked"), text)
    }
    // Line k rates item k % 8 + 1 for user k % 500: 1,000 distinct (user, item) pairs per process.
    let stats = try recommend(["stats"])
    XCTAssertTrue(stats.stdout.contains("1008 users, 8 items, 2049 ratings"), stats.stdout)
  }
}

/// The argument fixes of issue 21: negative values after a space, `--db` before or after the subcommand.
final class RecommendArgumentTests: XCTestCase {
  func testNegativeValuesAfterASpaceAndDatabaseBeforeTheSubcommand() throws {
    let dir = try CLI.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let db = dir + "/r.sqlite"
    // `--timestamp-col -1` (space-separated, as --help offers it) and `--db` before the subcommand.
    let imported = try CLI.run(
      "recommend", ["--db", db, "import", "csv", CLI.fixture("ratings.csv"), "--timestamp-col", "-1"])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertTrue(imported.stdout.hasPrefix("Imported 49 ratings (8 new users)"), imported.stdout)
    let before = try CLI.run("recommend", ["--db", db, "stats"])
    let after = try CLI.run("recommend", ["stats", "--db", db])
    XCTAssertEqual(before.status, 0, before.stderr)
    XCTAssertEqual(before.stdout, after.stdout)
    XCTAssertTrue(before.stdout.contains("8 users, 8 items, 49 ratings"), before.stdout)
    // A negative column where only ≥ 0 makes sense is still an error naming the option.
    let bad = try CLI.run(
      "recommend", ["import", "csv", CLI.fixture("ratings.csv"), "--rating-col", "-1", "--db", db])
    XCTAssertEqual(bad.status, 64)
    XCTAssertTrue(bad.stderr.contains("--rating-col must be between 0 and 1000 (got -1)"), bad.stderr)
  }
}

/// `recommend predict` (pairs → ratings) and `recommend tune` (search, store, used by train).
final class RecommendTuneAndPredictTests: XCTestCase {
  func testPredictPairsAndTuneStoresWhatTrainUses() throws {
    let dir = try CLI.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let db = dir + "/r.sqlite"
    XCTAssertEqual(try CLI.run("recommend", ["import", "csv", CLI.fixture("ratings.csv"), "--db", db]).status, 0)
    let tune = try CLI.run(
      "recommend", ["tune", "--algo", "baseline", "--trials", "4", "--folds", "2", "--budget", "60s", "--db", db])
    XCTAssertEqual(tune.status, 0, tune.stderr)
    XCTAssertTrue(tune.stdout.hasPrefix("baseline: "), tune.stdout)
    XCTAssertTrue(tune.stdout.contains("Stored the best (RMSE "), tune.stdout)
    let train = try CLI.run("recommend", ["train", "--algo", "baseline", "--db", db])
    XCTAssertEqual(train.status, 0, train.stderr)
    XCTAssertTrue(train.stdout.hasPrefix("Using the configuration `recommend tune --algo baseline` stored\n"))
    // A flag overrides the stored configuration.
    let flagged = try CLI.run("recommend", ["train", "--algo", "baseline", "--epochs", "3", "--db", db])
    XCTAssertFalse(flagged.stdout.contains("Using the configuration"), flagged.stdout)

    let pairs = dir + "/pairs.csv"
    try "user,item\na1,3\nnobody,1\na1,no-such-item\n".write(toFile: pairs, atomically: true, encoding: .utf8)
    let predicted = try CLI.run("recommend", ["predict", pairs, "--header", "--db", db])
    XCTAssertEqual(predicted.status, 0, predicted.stderr)
    let lines = predicted.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    XCTAssertEqual(lines.map { $0.prefix(2).joined(separator: ",") }, ["a1,3", "nobody,1", "a1,no-such-item"])
    for line in lines {
      let value = try XCTUnwrap(Double(line[2]))
      XCTAssertTrue((1...5).contains(value), "\(line)")
    }
    // Ranking metrics with catalogue coverage, beside a popularity ranking on the same folds.
    let eval = try CLI.run("recommend", ["eval", "--algo", "als", "--folds", "2", "--popular-baseline", "--db", db])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    let rows = eval.stdout.split(separator: "\n").map(String.init)
    XCTAssertTrue(rows.contains { $0.hasPrefix("  precision@10 ") && $0.contains("   coverage ") }, eval.stdout)
    XCTAssertTrue(rows.contains { $0.hasPrefix("  popularity: precision@10 ") }, eval.stdout)

    let strict = try CLI.run("recommend", ["predict", pairs, "--header", "--known-only", "--db", db])
    XCTAssertEqual(strict.status, 1)
    XCTAssertTrue(strict.stderr.contains("pairs.csv:3: user 'nobody' is not in the model"), strict.stderr)
  }
}
