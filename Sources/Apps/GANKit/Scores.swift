import Engine
import Foundation

// Sample-quality metrics computed with a trained classifier instead of Inception-v3 (whose ImageNet features
// mean little for 28×28 digits): Inception score on its class probabilities and Fréchet distance on its
// penultimate features. Legend: N = images, K = classes, D = feature size.

/// Mean and covariance of a set of feature vectors.
public struct FeatureStatistics: Sendable {
  public let mean: [Double]
  /// Unbiased covariance (N − 1), D×D row-major.
  public let covariance: [Double]
  public var dimension: Int { mean.count }

  /// Statistics of `features` (N, D), N ≥ 2.
  public init(_ features: Tensor) {
    let n = features.shape[0]
    precondition(n >= 2, "FeatureStatistics: need at least 2 samples")
    let mu = noGrad { features.mean(axis: 0) }  // (D)
    let centered = noGrad { features - mu }  // (N, D)
    let cov = noGrad { centered.transposed().matmul(centered) }  // (D, D)
    mean = mu.toArray().map(Double.init)
    covariance = cov.toArray().map { Double($0) / Double(n - 1) }
  }

  public init(mean: [Double], covariance: [Double]) {
    self.mean = mean
    self.covariance = covariance
  }
}

/// Fréchet distance between two Gaussians: |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½), with
/// tr (Σ₁Σ₂)^½ = tr (Σ₁^½ Σ₂ Σ₁^½)^½ (a symmetric form, so a symmetric eigensolver suffices).
public func frechetDistance(_ a: FeatureStatistics, _ b: FeatureStatistics) -> Double {
  let d = a.dimension
  precondition(b.dimension == d, "frechetDistance: dimensions \(d) and \(b.dimension)")
  let meanTerm = zip(a.mean, b.mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
  let rootA = SymmetricEigen(a.covariance, n: d).apply { max($0, 0).squareRoot() }
  let inner = multiply(multiply(rootA, b.covariance, d), rootA, d)
  let traceRoot = SymmetricEigen(inner, n: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
  let traces = (0..<d).reduce(0) { $0 + a.covariance[$1 * d + $1] + b.covariance[$1 * d + $1] }
  return meanTerm + traces - 2 * traceRoot
}

/// Row-major n×n product in Double.
func multiply(_ x: [Double], _ y: [Double], _ n: Int) -> [Double] {
  var out = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for k in 0..<n {
      let xik = x[i * n + k]
      if xik == 0 { continue }
      for j in 0..<n { out[i * n + j] += xik * y[k * n + j] }
    }
  }
  return out
}

/// Inception score exp(E_x KL(p(y|x) ‖ p(y))) over `probabilities` (N, K), as mean ± std over `splits`
/// equal parts (the convention of Salimans et al. 2016). Ranges from 1 to K.
public func inceptionScore(_ probabilities: Tensor, splits: Int = 10) -> (mean: Double, std: Double) {
  let (n, k) = (probabilities.shape[0], probabilities.shape[1])
  let p = probabilities.contiguous().toArray()
  let parts = max(1, min(splits, n))
  var scores: [Double] = []
  for s in 0..<parts {
    let lo = s * n / parts
    let hi = (s + 1) * n / parts
    var marginal = [Double](repeating: 0, count: k)
    for i in lo..<hi { for c in 0..<k { marginal[c] += Double(p[i * k + c]) } }
    for c in 0..<k { marginal[c] /= Double(hi - lo) }
    var kl = 0.0
    for i in lo..<hi {
      for c in 0..<k {
        let q = Double(p[i * k + c])
        if q > 0 { kl += q * (Foundation.log(q) - Foundation.log(max(marginal[c], 1e-30))) }
      }
    }
    scores.append(exp(kl / Double(hi - lo)))
  }
  let mean = scores.reduce(0, +) / Double(scores.count)
  let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)
  return (mean, variance.squareRoot())
}

/// How many rows of `probabilities` (N, K) have each class as their arg-max.
public func classHistogram(_ probabilities: Tensor) -> [Int] {
  var counts = [Int](repeating: 0, count: probabilities.shape[1])
  for c in probabilities.argmax(axis: 1) { counts[c] += 1 }
  return counts
}

/// Classifier outputs for a batch of images: class probabilities (N, K) and penultimate features (N, D).
public struct ClassifierView {
  public let network: Sequential
  /// Layers applied to get the features (all but the head).
  public let featureDepth: Int

  /// Uses `network`'s output before its last layer as features.
  public init(_ network: Sequential) {
    self.network = network
    featureDepth = network.layers.count - 1
  }

  /// Probabilities and features for images (N, C, S, S) in [-1, 1] (mapped to the classifier's [0, 1]).
  public func callAsFunction(_ images: Tensor, batchSize: Int = 500) -> (probabilities: Tensor, features: Tensor) {
    network.eval()
    return noGrad {
      var probs: [Tensor] = []
      var feats: [Tensor] = []
      var i = 0
      let head = network.layers[featureDepth] as? any Layer
      while i < images.shape[0] {
        let j = min(i + batchSize, images.shape[0])
        let x = (images.slice(axis: 0, i..<j) + 1) * 0.5  // (n, C, S, S) in [0, 1]
        let f = network(x, through: featureDepth)  // (n, D)
        feats.append(f)
        probs.append((head.map { $0(f) } ?? f).softmax())  // (n, K)
        i = j
      }
      return (Tensor.concat(probs, axis: 0), Tensor.concat(feats, axis: 0))
    }
  }
}
