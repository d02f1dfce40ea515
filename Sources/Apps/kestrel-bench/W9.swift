import ArgumentParser
import Engine
import RecommendKit

/// W9: matrix factorisation on MovieLens-100k-shaped synthetic data (943 × 1682, 100k distinct pairs,
/// ratings uniform 1…5): biased MF 20-epoch SGD fit (100 factors, lr 0.005, reg 0.02), top-10 for all users,
/// implicit ALS 15 iterations (64 factors, reg 0.01, α 1, CG) and its top-10 for all users.
struct W9: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W9: biased-MF SGD fit, ALS fit, and top-10 for all users (seconds).")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    let (nu, ni, nr) = (943, 1682, 100_000)
    // Same shape as the reference; our own seeded generator (numpy's stream is not reproduced).
    var rng = PRNG(seed: 0)
    var cells = Array(0..<(nu * ni))
    for k in 0..<nr { cells.swapAt(k, k + rng.nextInt(cells.count - k)) }
    let picked = cells.prefix(nr)
    let data = RatingData(
      userCount: nu, itemCount: ni, users: picked.map { Int32($0 / ni) }, items: picked.map { Int32($0 % ni) },
      ratings: (0..<nr).map { _ in Float(1 + rng.nextInt(5)) })

    var svd = TrainConfig.defaults(for: .svd)
    (svd.factors, svd.epochs, svd.learningRate, svd.regularization) = (100, 20, 0.005, 0.02)
    var model: TrainedModel? = nil
    let fit = timeReps(reps: options.reps, warmup: options.warmup) { model = train(data, algo: .svd, config: svd) }
    rep.add("kestrel SVD", "20-epoch fit: SGD rating-updates/s", "upd/s", work: Double(nr * 20), times: fit)
    rep.addTime("kestrel SVD", "20-epoch fit: seconds", times: fit)
    if let model {
      let top = timeReps(reps: options.reps, warmup: options.warmup) { _ = model.topNForAllUsers(data, n: 10) }
      rep.addTime("kestrel (SVD factors)", "top-10 for all 943 users: seconds", times: top)
    }

    var als = TrainConfig.defaults(for: .als)
    (als.factors, als.epochs, als.regularization, als.alpha) = (64, 15, 0.01, 1)
    var alsModel: TrainedModel? = nil
    let alsFit = timeReps(reps: options.reps, warmup: options.warmup) {
      alsModel = train(data, algo: .als, config: als)
    }
    rep.addTime("kestrel ALS (CG)", "15-iteration fit: seconds", times: alsFit)
    if let alsModel {
      let top = timeReps(reps: options.reps, warmup: options.warmup) { _ = alsModel.topNForAllUsers(data, n: 10) }
      rep.addTime("kestrel ALS", "top-10 for all 943 users: seconds", times: top)
    }
    try rep.finish()
  }

  static let workload = "W9 MF"
}
