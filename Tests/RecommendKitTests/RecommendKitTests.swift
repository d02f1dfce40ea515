import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

@testable import RecommendKit

/// The recommender library: import, models, fold-in, evaluation, store rules.
final class RecommendKitTests: XCTestCase {
  var dir = ""

  override func setUpWithError() throws { dir = try TestFiles.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func importedStore() throws -> (Store, ImportReport) {
    let store = try Store(path: dir + "/r.sqlite")
    let importer = Importer(store: store)
    _ = try importer.importItems(
      file: TestFiles.fixture("items.csv", in: .module), separator: ",", header: true,
      columns: ItemColumns(id: 0, title: 1, genres: 2))
    let report = try importer.importRatings(
      file: TestFiles.fixture("ratings.csv", in: .module), separator: ",", header: true, columns: RatingColumns())
    return (store, report)
  }

  func testImportReportsMalformedLinesAndIsIdempotent() throws {
    let (store, report) = try importedStore()
    XCTAssertEqual(report.ratings, 49)
    XCTAssertEqual(report.skipped.map(\.line), [51, 52, 53])
    XCTAssertEqual(report.skipped.map(\.reason)[0], "expected at least 3 columns, found 2")
    XCTAssertEqual(report.skipped.map(\.reason)[1], "rating 'five' is not a number between -1000000 and 1000000")
    let before = try store.counts()
    _ = try Importer(store: store).importRatings(
      file: TestFiles.fixture("ratings.csv", in: .module), separator: ",", header: true, columns: RatingColumns())
    let after = try store.counts()
    XCTAssertEqual(before.users, after.users)
    XCTAssertEqual(before.items, after.items)
    XCTAssertEqual(before.ratings, after.ratings)
    XCTAssertEqual(after.ratings, 49)
    XCTAssertThrowsError(
      try Importer(store: store).importRatings(
        file: TestFiles.fixture("ratings.csv", in: .module), separator: ",", header: true, columns: RatingColumns(),
        strict: true)
    ) { XCTAssertTrue("\($0)".hasSuffix("line 51: expected at least 3 columns, found 2"), "\($0)") }
  }

  func testTitlesAreStoredVerbatim() throws {
    let (store, _) = try importedStore()
    let ids = try (1...8).map { try XCTUnwrap(store.itemID("\($0)")) }
    let titles = try store.titles(ids)
    XCTAssertEqual(titles[ids[1]], "Robot \"Uprising\" (1984)")
    XCTAssertEqual(titles[ids[2]], "東京物語 2099 (2001)")
    XCTAssertEqual(titles[ids[5]], "Bobby'); DROP TABLE items;-- (1990)")
    XCTAssertEqual(titles[ids[6]], "Love 💕 Letters (1995)")
    XCTAssertEqual(Importer.year(of: "Space, the Final (1999)"), 1999)
    XCTAssertEqual(splitCSV(#"1,"a ""b"", c",x"#, separator: ","), ["1", "a \"b\", c", "x"])
  }

  /// Every model puts the user's own cluster first, for a folded-in new user.
  func testEveryModelRecommendsWithinTheUsersCluster() throws {
    let (store, _) = try importedStore()
    let data = try store.allRatings()
    let scifi = try Set((1...4).map { try XCTUnwrap(store.itemID("\($0)")) })
    for algo in Algorithm.allCases {
      var config = TrainConfig.defaults(for: algo)
      config.factors = min(config.factors, 8)
      config.neighbors = 3
      config.shrinkage = 1
      if algo == .svd || algo == .svdpp || algo == .bpr { config.epochs = 200 }
      // ALS and BPR learn from interactions: here, the ratings of 4 and 5 (every user rated ~80 % of the items).
      let input = algo.isExplicit ? data : data.subset((0..<data.count).filter { data.ratings[$0] >= 4 })
      let model = train(input, algo: algo, config: config)
      // A new user who loves two sci-fi items and dislikes one romance item.
      let romance = try XCTUnwrap(store.itemID("5"))
      let liked = Array(scifi.sorted().prefix(2))
      // ALS and BPR read every rating as a positive interaction, so their user only has the loved items.
      var ratings: [(item: Int, value: Float)] = [(liked[0], 5), (liked[1], 5)]
      if algo.isExplicit { ratings.append((romance, 1)) }
      let profile = model.foldIn(ratings)
      let scores = model.scores(for: profile)
      let unseen = (1..<model.itemCount).filter { profile.ratings[$0] == nil }
      let best = topN(unseen.map { ($0, scores[$0]) }, 2).map(\.0)
      if algo == .baseline { continue }  // biases only: no personalisation to check
      XCTAssertTrue(scifi.contains(best[0]), "\(algo): best \(best) not sci-fi")
    }
  }

  func testSVDFitsTheTrainingDataAndRoundTrips() throws {
    let (store, _) = try importedStore()
    let data = try store.allRatings()
    var config = TrainConfig.defaults(for: .svd)
    config.factors = 4
    config.epochs = 300
    config.regularization = 0.01
    let model = train(data, algo: .svd, config: config)
    var sq: Float = 0
    for t in 0..<data.count {
      let e = model.predict(user: Int(data.users[t]), item: Int(data.items[t])) - data.ratings[t]
      sq += e * e
    }
    XCTAssertLessThan((sq / Float(data.count)).squareRoot(), 0.3)
    let copy = try TrainedModel(encoded: try model.encoded(), source: "mem")
    XCTAssertEqual(copy.algo, .svd)
    XCTAssertEqual(copy.config, config)
    XCTAssertEqual(copy.predict(user: 1, item: 2), model.predict(user: 1, item: 2))
  }

  func testCrossValidationBeatsTheGlobalMean() throws {
    let (store, _) = try importedStore()
    let data = try store.allRatings()
    let mean = data.mean
    let meanRMSE = (data.ratings.reduce(Float(0)) { $0 + ($1 - mean) * ($1 - mean) } / Float(data.count)).squareRoot()
    var config = TrainConfig.defaults(for: .svd)
    config.factors = 4
    config.epochs = 300
    let r = crossValidate(data, algo: .svd, config: config, folds: 5, seed: 1, scale: (1, 5), relevant: 4)
    XCTAssertLessThan(r.rmse, Double(meanRMSE) * 0.8)
    XCTAssertGreaterThan(r.ndcg, 0.5)
  }

  func testImportsMovieLensLatestLayout() throws {
    let store = try Store(path: dir + "/latest.sqlite")
    let report = try Importer(store: store).importMovieLens(directory: TestFiles.fixture("ml-latest-tiny", in: .module))
    XCTAssertEqual(report.ratings, 4)
    XCTAssertEqual(report.items, 3)
    let id = try XCTUnwrap(store.itemID("2"))
    XCTAssertEqual(try store.titles([id])[id], "American President, The (1995)")
    let scale = try store.ratingScale()
    XCTAssertEqual(scale.0, 0.5)
    XCTAssertEqual(scale.1, 4.5)
    XCTAssertThrowsError(try Importer(store: store).importMovieLens(directory: dir)) {
      XCTAssertTrue("\($0)".hasSuffix("not a MovieLens folder (no u.data or ratings.csv)"), "\($0)")
    }
  }

  func testUnwritableLocationsAreOneLineErrors() throws {
    XCTAssertThrowsError(try Store(path: "/proc/kestrel-nope/r.sqlite")) {
      XCTAssertTrue("\($0)".hasPrefix("/proc/kestrel-nope/r.sqlite: cannot open database"), "\($0)")
    }
    let (store, _) = try importedStore()
    let before = try store.counts().ratings
    let readOnly = try Database(path: store.db.path, readOnly: true)
    XCTAssertThrowsError(try readOnly.execute("INSERT INTO users(external_id) VALUES (?)", [.text("x")])) {
      XCTAssertTrue("\($0)".contains("readonly database"), "\($0)")
    }
    XCTAssertEqual(try store.counts().ratings, before)
  }

  func testNewerSchemaIsRefused() throws {
    let path = dir + "/future.sqlite"
    _ = try Store(path: path)
    try Database(path: path).execute("PRAGMA user_version = 7")
    XCTAssertThrowsError(try Store(path: path)) { error in
      XCTAssertEqual(
        "\(error)", "\(path): database schema version 7 is newer than this recommend supports (1); upgrade Kestrel")
    }
  }

  func testRateValidatesScaleAndItem() throws {
    let (store, _) = try importedStore()
    XCTAssertThrowsError(try store.rateChecked(user: "a1", item: "1", value: 9, scale: (1, 5)))
    XCTAssertThrowsError(try store.rateChecked(user: "a1", item: "404", value: 3, scale: (1, 5))) {
      XCTAssertTrue("\($0)".hasPrefix("unknown item '404'"), "\($0)")
    }
    let before = try store.counts().ratings
    try store.rateChecked(user: "new", item: "1", value: 3, scale: (1, 5))
    XCTAssertEqual(try store.counts().ratings, before + 1)
  }
}
