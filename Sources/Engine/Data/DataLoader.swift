// Mini-batching with seeded shuffling over an in-memory dataset whose first dimension is the sample.
// Legend: S = samples, F… = per-sample feature dims, B = batch.

/// Batches of sample indices: every epoch a new seeded permutation (or the identity when not shuffling).
public struct BatchSampler: Sendable {
  /// Samples in the dataset.
  public let count: Int
  /// Samples per batch.
  public let batchSize: Int
  /// Shuffle each epoch (seeded by `seed` and the epoch).
  public let shuffle: Bool
  /// Drop the last, smaller batch.
  public let dropLast: Bool
  /// Seed of the shuffles.
  public let seed: UInt64

  /// A sampler over `count` samples.
  public init(count: Int, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0) {
    precondition(batchSize > 0, "BatchSampler: batch size must be positive, got \(batchSize)")
    self.count = count
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.seed = seed
  }

  /// Number of batches per epoch.
  public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

  /// The batches of epoch `epoch` (the same seed and epoch always give the same order).
  public func batches(epoch: Int) -> [[Int]] {
    var order = Array(0..<count)
    if shuffle {
      var rng = PRNG(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
      order.shuffle(using: &rng)
    }
    var out: [[Int]] = []
    var i = 0
    while i < count {
      let end = Swift.min(i + batchSize, count)
      if end - i < batchSize && dropLast { break }
      out.append(Array(order[i..<end]))
      i = end
    }
    return out
  }
}

/// Inputs (S, F…) with integer labels (S), batched by a `BatchSampler`.
public struct TensorDataset {
  /// Inputs (S, F…), contiguous.
  public let inputs: Tensor
  /// Integer labels (S).
  public let labels: [Int]

  /// A dataset; `inputs` has one row per label.
  public init(inputs: Tensor, labels: [Int]) {
    precondition(inputs.shape.first == labels.count, "TensorDataset: \(labels.count) labels for inputs \(inputs.shape)")
    self.inputs = inputs.contiguous()
    self.labels = labels
  }

  /// Samples.
  public var count: Int { labels.count }

  /// The samples at `indices`: inputs (B, F…) and labels (B).
  public func batch(_ indices: [Int]) -> (Tensor, [Int]) {
    let per = inputs.count / Swift.max(inputs.shape[0], 1)
    let out = Tensor(uninitializedShape: [indices.count] + inputs.shape.dropFirst())
    let src = inputs.ptr
    for (i, s) in indices.enumerated() { (out.ptr + i * per).update(from: src + s * per, count: per) }
    return (out, indices.map { labels[$0] })
  }
}
