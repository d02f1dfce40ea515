import Foundation
import RecommendKit
import XCTest

/// Top-N asks for support: an item rated 5★ by two users must not outrank well-rated popular items by default.
final class SupportTests: XCTestCase {
  /// 200 items (ids 1…199 used; 0 is the database's unused slot): 1…198 rated 3–4★ by 30 users each, item 199
  /// rated 5★ by two users only.
  func syntheticData() -> RatingData {
    var (users, items, ratings): ([Int32], [Int32], [Float]) = ([], [], [])
    for i in 1...198 {
      for u in 0..<30 {
        users.append(Int32((i * 7 + u) % 60 + 1))
        items.append(Int32(i))
        ratings.append(Float(3 + (i + u) % 2))
      }
    }
    for u in [1, 2] {
      users.append(Int32(u))
      items.append(199)
      ratings.append(5)
    }
    return RatingData(userCount: 61, itemCount: 200, users: users, items: items, ratings: ratings)
  }

  func testLowSupportItemsAreLeftOutOfTheDefaultTopN() {
    let data = syntheticData()
    let model = train(data, algo: .baseline, config: TrainConfig.defaults(for: .baseline))
    XCTAssertEqual(model.defaultMinRatings(n: 10), 20)
    let profile = model.foldIn([(item: 1, value: 4)])
    let scores = model.scores(for: profile)
    // Without a support threshold the two-rating item wins on its mean alone…
    let everything = model.rankingCandidates(excluding: profile.ratings, minRatings: 1)
    XCTAssertEqual(topN(everything.map { ($0, scores[$0]) }, 10).first?.0, 199)
    // …with the default it is not eligible, and every listed item has at least 20 ratings.
    let eligible = model.rankingCandidates(excluding: profile.ratings, minRatings: model.defaultMinRatings(n: 10))
    let top = topN(eligible.map { ($0, scores[$0]) }, 10).map(\.0)
    XCTAssertEqual(top.count, 10)
    XCTAssertFalse(top.contains(199))
    XCTAssertFalse(top.contains(1), "the user's own item")
    XCTAssertTrue(top.allSatisfy { model.itemCounts[$0] >= 20 })
  }

  func testSmallCataloguesLowerTheThresholdSoItemsRemain() {
    // 8 items with 3–6 ratings each: the threshold drops so every rated item stays eligible.
    var (users, items, ratings): ([Int32], [Int32], [Float]) = ([], [], [])
    for i in 1...8 {
      for u in 0..<(3 + i % 4) {
        users.append(Int32(u))
        items.append(Int32(i))
        ratings.append(Float(1 + (i + u) % 5))
      }
    }
    let data = RatingData(userCount: 8, itemCount: 9, users: users, items: items, ratings: ratings)
    let model = train(data, algo: .baseline, config: TrainConfig.defaults(for: .baseline))
    XCTAssertEqual(model.defaultMinRatings(n: 10), 3)
    XCTAssertEqual(model.rankingCandidates(excluding: [:], minRatings: model.defaultMinRatings(n: 10)).count, 8)
  }
}

/// Validation-driven training (issue 21): the SGD models choose their regularisation and epochs on held-out
/// ratings, and never serve factors that do worse than the bias baseline there.
final class ValidationTests: XCTestCase {
  /// `users` × `items` ratings: biases plus, when `rank` > 0, a low-rank interaction; Gaussian noise `noise`.
  func synthetic(rank: Int, noise: Float, seed: UInt64) -> RatingData {
    var rng = SystemLikeRNG(seed: seed)
    let (nu, ni) = (200, 80)
    let bu = (0..<nu).map { _ in rng.normal() * 0.5 }
    let bi = (0..<ni).map { _ in rng.normal() * 0.5 }
    let p = (0..<(nu * max(rank, 1))).map { _ in rng.normal() }
    let q = (0..<(ni * max(rank, 1))).map { _ in rng.normal() }
    var (users, items, ratings): ([Int32], [Int32], [Float]) = ([], [], [])
    for u in 0..<nu {
      for i in 1..<ni where rng.uniform() < 0.3 {
        var r = 3 + (rank > 0 ? bu[u] + bi[i] : 0) + rng.normal() * noise
        for f in 0..<rank { r += p[u * rank + f] * q[i * rank + f] * 0.6 }
        users.append(Int32(u))
        items.append(Int32(i))
        ratings.append(r)
      }
    }
    return RatingData(userCount: nu, itemCount: ni, users: users, items: items, ratings: ratings)
  }

  func heldOutRMSE(_ model: TrainedModel, _ test: RatingData) -> Float {
    var sq: Float = 0
    for t in 0..<test.count {
      let e = model.predict(user: Int(test.users[t]), item: Int(test.items[t])) - test.ratings[t]
      sq += e * e
    }
    return (sq / Float(test.count)).squareRoot()
  }

  /// A learning rate that makes SGD diverge: no grid point beats the biases, so the model serves the baseline.
  func testFactorsThatCannotHelpFallBackToTheBaseline() throws {
    let data = synthetic(rank: 3, noise: 0.3, seed: 1)
    var config = TrainConfig.defaults(for: .svd)
    config.factors = 8
    config.learningRate = 2
    let model = train(data, algo: .svd, config: config)
    let report = try XCTUnwrap(model.config.validationReport)
    XCTAssertTrue(report.contains("no factor model beat the baseline"), report)
    XCTAssertNil(model.config.validation)
    let base = train(data, algo: .baseline, config: .defaults(for: .baseline))
    for (u, i) in [(0, 1), (17, 40), (199, 79)] {
      XCTAssertEqual(model.predict(user: u, item: i), base.predict(user: u, item: i), accuracy: 1e-5)
    }
  }

  func testStructureIsLearnedAndBeatsTheUnvalidatedDefaultsOnNewRatings() throws {
    let data = synthetic(rank: 3, noise: 0.3, seed: 2)
    let test = synthetic(rank: 3, noise: 0.3, seed: 2)  // same users/items/factors: the same draws
    XCTAssertEqual(data.count, test.count)
    var order = Array(0..<data.count)
    var rng = PRNGForTests(seed: 9)
    order.shuffle(using: &rng)
    let cut = data.count * 4 / 5
    let (trainSet, heldSet) = (data.subset(Array(order[..<cut])), data.subset(Array(order[cut...])))
    var config = TrainConfig.defaults(for: .svd)
    config.factors = 8
    let validated = train(trainSet, algo: .svd, config: config)
    let report = try XCTUnwrap(validated.config.validationReport)
    XCTAssertTrue(report.contains("; chose 4 factors, reg "), report)  // rank 3: ⅖ of 8 factors wins
    let base = train(trainSet, algo: .baseline, config: .defaults(for: .baseline))
    var fixed = config
    fixed.validation = nil
    fixed.regularization = 0.001  // a value that overfits: validation must not keep it
    fixed.epochs = 200
    let overfit = train(trainSet, algo: .svd, config: fixed)
    let (v, b, o) = (heldOutRMSE(validated, heldSet), heldOutRMSE(base, heldSet), heldOutRMSE(overfit, heldSet))
    XCTAssertLessThan(v, b, "validated \(v) vs baseline \(b)")
    XCTAssertLessThan(v, o, "validated \(v) vs overfit \(o)")
  }
}

/// A small seeded generator for the synthetic sets (SplitMix64).
struct PRNGForTests: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Uniform and normal draws over `PRNGForTests`.
struct SystemLikeRNG {
  var g: PRNGForTests
  init(seed: UInt64) { g = PRNGForTests(seed: seed) }
  mutating func uniform() -> Float { Float(g.next() >> 40) / Float(1 << 24) }
  mutating func normal() -> Float {
    let (a, b) = (max(uniform(), 1e-7), uniform())
    return (-2 * log(a)).squareRoot() * cos(2 * .pi * b)
  }
}
