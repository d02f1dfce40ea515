import Engine

// Validation-driven training of the SGD models. Defaults tuned on one data set overfit another (a sparse course
// ratings set: every learned model worse than the bias baseline), so `train` holds out a share of its own
// training ratings, fits each regularisation of a small grid with early stopping on the held-out RMSE, compares
// with the bias baseline on the same held-out ratings, and refits on all the ratings with the winner:
//   - grid: regularisation × {¼, ½, 1, 2, 4}, then the best × {0.7, 1.4}, then the winner with ⅖ and twice
//     the factors; each run (up to max(3·epochs, 100))
//     stops after 3 epochs without a better held-out RMSE;
//   - the epochs kept are those of the best held-out RMSE, scaled by 1 / (1 − fraction) for the larger refit;
//   - when no grid point beats the baseline by more than one standard error of the paired difference of squared
//     errors on the held-out ratings, the factors carry no signal for this data: the model keeps the
//     baseline's biases and zero factors (its predictions are the baseline's), and the report says so.

/// Fits SVD or SVD++ (`m.algo`) with its regularisation and epochs chosen on a held-out `fraction` of `data`.
func fitValidated(_ m: inout TrainedModel, _ data: RatingData, fraction: Float, progress: (Int) -> Void) {
  let c = m.config
  let (fit, val) = heldOutSplit(data, fraction: fraction, seed: c.seed)
  func squaredErrors(_ predict: (Int, Int) -> Float) -> [Double] {
    (0..<val.count).map { t in
      let e = Double(predict(Int(val.users[t]), Int(val.items[t])) - val.ratings[t])
      return e * e
    }
  }
  // The bias baseline on the same split.
  var base = TrainedModel(
    algo: .baseline, config: .defaults(for: .baseline), userCount: data.userCount,
    itemCount: data.itemCount)
  base.mean = fit.mean
  fitBiases(&base, fit, progress: { _ in })
  let baselineErrors = squaredErrors { u, i in base.mean + base.userBias[u] + base.itemBias[i] }
  let baselineRMSE = rootMean(baselineErrors)

  var best: (rmse: Double, reg: Float, epochs: Int, factors: Int) = (.infinity, c.regularization, c.epochs, c.factors)
  var bestErrors: [Double] = []
  var lines: [String] = []
  func tryRegularization(_ reg: Float, factors: Int? = nil) {
    var trial = TrainedModel(algo: m.algo, config: c, userCount: data.userCount, itemCount: data.itemCount)
    trial.config.regularization = reg
    if let factors { trial.config.factors = factors }
    trial.config.epochs = max(3 * c.epochs, 100)  // early stopping ends it
    trial.mean = fit.mean
    var point: (rmse: Double, epoch: Int) = (.infinity, 0)
    var pointErrors: [Double] = []
    let hook: (Int, (Int, Int) -> Float) -> Bool = { epoch, predict in
      let errors = squaredErrors(predict)
      let r = rootMean(errors)
      if r < point.rmse { (point, pointErrors) = ((r, epoch), errors) }
      return epoch - point.epoch < 3
    }
    if m.algo == .svdpp {
      fitSVDpp(&trial, fit, progress: { _ in }, afterEpoch: hook)
    } else {
      fitSVD(&trial, fit, progress: { _ in }, afterEpoch: hook)
    }
    let size = factors.map { "\($0) factors, " } ?? ""
    lines.append("\(size)reg \(rounded(Double(reg))): \(rounded(point.rmse)) at epoch \(point.epoch)")
    if point.rmse < best.rmse {
      (best, bestErrors) = ((point.rmse, reg, point.epoch, trial.config.factors), pointErrors)
    }
  }
  // A coarse grid around the configured value, then one step finer around the best of it.
  for scale: Float in [0.25, 0.5, 1, 2, 4] { tryRegularization(c.regularization * scale) }
  let coarse = best.reg
  for scale: Float in [0.7, 1.4] { tryRegularization(coarse * scale) }
  // Then the winner's regularisation with fewer and more factors (a dense set may want fewer, a large one more).
  let fine = best.reg
  for size in [max(4, c.factors * 2 / 5), min(1024, c.factors * 2)] where size != c.factors {
    tryRegularization(fine, factors: size)
  }
  let report =
    "held out \(val.count) ratings; baseline \(rounded(baselineRMSE)); " + lines.joined(separator: "; ")
  m.config.validation = nil
  /// Serves the baseline (fitted on all ratings) with zero factors.
  func serveBaseline(_ why: String) {
    var all = base
    all.mean = data.mean
    fitBiases(&all, data, progress: progress)
    (m.mean, m.userBias, m.itemBias) = (all.mean, all.userBias, all.itemBias)
    m.userFactors = [Float](repeating: 0, count: data.userCount * m.config.factors)
    m.itemFactors = [Float](repeating: 0, count: data.itemCount * m.config.factors)
    if m.algo == .svdpp {
      m.implicitFactors = m.itemFactors
      m.userImplicit = m.userFactors
    }
    m.config.validationReport = report + "; " + why + ": serving the baseline's biases"
  }
  guard best.rmse < baselineRMSE else { return serveBaseline("no factor model beat the baseline") }
  guard clearlyBetter(bestErrors, than: baselineErrors) else {
    return serveBaseline("the best factor model beat the baseline by less than one standard error")
  }
  m.config.regularization = best.reg
  if best.factors != c.factors {
    m.config.factors = best.factors
    m.userFactors = []
    m.itemFactors = []
  }
  m.config.epochs = max(1, Int((Float(best.epochs) / (1 - min(fraction, 0.5))).rounded()))
  m.config.validationReport =
    report + "; chose \(best.factors) factors, reg \(best.reg), \(m.config.epochs) epochs on all ratings"
  if m.algo == .svdpp {
    fitSVDpp(&m, data, progress: progress)
  } else {
    fitSVD(&m, data, progress: progress)
  }
  let finite = [m.userBias, m.itemBias, m.userFactors, m.itemFactors, m.userImplicit].allSatisfy {
    $0.allSatisfy(\.isFinite)
  }
  if !finite { serveBaseline("the refit on all ratings diverged") }
}

/// kNN with its minimum support chosen on a held-out `fraction` of `data` (2, 5, 10 or 20 common raters), or no
/// neighbourhood at all (the baseline) when none beats the biases there.
func fitValidatedNeighbors(_ m: inout TrainedModel, _ data: RatingData, fraction: Float) {
  let (fit, val) = heldOutSplit(data, fraction: fraction, seed: m.config.seed)
  let csr = fit.byUser()
  var trial = m
  trial.mean = fit.mean
  fitBiases(&trial, fit, progress: { _ in })
  func squaredErrors(_ model: TrainedModel, neighbourhood: Bool) -> [Double] {
    var out = [Double](repeating: 0, count: val.count)
    var dense = [Float](repeating: .nan, count: data.itemCount)
    var current = -1
    for t in 0..<val.count {
      let (u, i) = (Int(val.users[t]), Int(val.items[t]))
      if u != current {  // the user's training ratings, dense (val is not sorted by user: reset each change)
        if current >= 0 { for s in csr.start[current]..<csr.start[current + 1] { dense[Int(csr.items[s])] = .nan } }
        for s in csr.start[u]..<csr.start[u + 1] { dense[Int(csr.items[s])] = csr.ratings[s] }
        current = u
      }
      let bu = model.userBias[u]
      var p = model.mean + bu + model.itemBias[i]
      if neighbourhood {
        p += model.neighbourhood(item: i, userBias: bu) { j in
          let v = dense[j]
          return v.isNaN ? nil : v
        }
      }
      let e = Double(p - val.ratings[t])
      out[t] = e * e
    }
    return out
  }
  let baselineErrors = squaredErrors(trial, neighbourhood: false)
  let baselineRMSE = rootMean(baselineErrors)
  var best: (rmse: Double, support: Int?) = (baselineRMSE, nil)
  var bestErrors = baselineErrors
  var lines: [String] = []
  for support in [2, 5, 10, 20] {
    trial.config.minSupport = support
    fitNeighbors(&trial, fit)
    let errors = squaredErrors(trial, neighbourhood: true)
    let r = rootMean(errors)
    lines.append("min support \(support): \(rounded(r))")
    if r < best.rmse { (best, bestErrors) = ((r, support), errors) }
  }
  if best.support != nil && !clearlyBetter(bestErrors, than: baselineErrors) { best.support = nil }
  var report = "held out \(val.count) ratings; baseline \(rounded(baselineRMSE)); " + lines.joined(separator: "; ")
  m.config.validation = nil
  fitBiases(&m, data, progress: { _ in })
  if let support = best.support {
    m.config.minSupport = support
    fitNeighbors(&m, data)
    report += "; chose min support \(support)"
  } else {
    m.neighbors = [Int32](repeating: -1, count: data.itemCount * m.config.storedNeighbors)
    m.neighborSims = [Float](repeating: 0, count: data.itemCount * m.config.storedNeighbors)
    report += "; no neighbourhood beat the baseline: serving its biases"
  }
  m.config.validationReport = report
}

/// The training ratings split (seeded) into the part models are fitted on and the `fraction` (at most half)
/// held out to choose by.
func heldOutSplit(_ data: RatingData, fraction: Float, seed: UInt64) -> (fit: RatingData, held: RatingData) {
  var order = Array(0..<data.count)
  var rng = PRNG(seed: seed &+ 0x5EED)
  order.shuffle(using: &rng)
  let held = max(1, Int(Float(data.count) * min(fraction, 0.5)))
  return (data.subset(Array(order[held...])), data.subset(Array(order[..<held])))
}

/// √(mean of `squared`): an RMSE from squared errors.
func rootMean(_ squared: [Double]) -> Double {
  (squared.reduce(0, +) / Double(max(squared.count, 1))).squareRoot()
}

/// Whether `model`'s squared errors are lower than `baseline`'s on the same ratings by more than one standard
/// error of their paired difference: a factor model that wins the held-out ratings by noise does not replace the
/// biases (it tends to lose on the next ratings).
func clearlyBetter(_ model: [Double], than baseline: [Double]) -> Bool {
  guard model.count == baseline.count, model.count > 1 else { return false }
  let d = zip(model, baseline).map { $0 - $1 }
  let mean = d.reduce(0, +) / Double(d.count)
  let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d.count - 1)
  return mean + (variance / Double(d.count)).squareRoot() < 0
}

private func rounded(_ x: Double) -> String {
  let v = (x * 10_000).rounded() / 10_000
  return "\(v)"
}
