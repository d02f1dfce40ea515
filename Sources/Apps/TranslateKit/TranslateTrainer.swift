import Datasets
import Engine
import Foundation

/// Optimisation settings (Adam β2 0.98, ε 1e-9 and label smoothing 0.1 as in the Transformer paper; warm-up
/// then cosine decay instead of the inverse square root, so a fixed budget ends at a small learning rate).
public struct TranslateTrainOptions: Codable, Sendable {
  /// Sentence pairs per batch (batches are formed from pairs of similar length, so padding stays small).
  public var batchSize = 64
  /// Warm-up and cosine decay over the run's steps.
  public var schedule = WarmupCosineSettings(steps: 4000, learningRate: 1e-3, minLearningRate: 3e-5, warmupSteps: 300)
  public var labelSmoothing: Float = 0.1
  /// Global gradient-norm clipping (0: off).
  public var clip: Float = 1
  public var seed: UInt64 = 0
  public init() {}
}

/// Encoded pairs: source ids and target ids (no specials), both cut to the model's maximum length.
public struct EncodedPairs: Sendable {
  public var pairs: [(source: [Int], target: [Int])]
  /// How many sources / targets were cut.
  public var truncated: Int

  public init(_ raw: [SentencePair], source: TokenCodec, target: TokenCodec, maxLength: Int) {
    var out: [(source: [Int], target: [Int])] = []
    var cut = 0
    out.reserveCapacity(raw.count)
    for p in raw {
      var s = source.encode(p.source)
      var t = target.encode(p.target)
      if s.count > maxLength || t.count > maxLength - 1 {
        cut += 1
        s = Array(s.prefix(maxLength))
        t = Array(t.prefix(maxLength - 1))
      }
      out.append((s, t))
    }
    (pairs, truncated) = (out, cut)
  }

  /// Batches of indices: pairs sorted by (source, target) length with a seeded jitter, cut into groups of
  /// `batchSize`, in shuffled order.
  public func batches(batchSize: Int, seed: UInt64, shuffle: Bool = true) -> [[Int]] {
    var rng = PRNG(seed: seed)
    let keyed = pairs.indices.map { i -> (Double, Int) in
      let jitter = shuffle ? Double(rng.nextInt(1000)) / 1000 : 0
      return (Double(pairs[i].source.count + pairs[i].target.count) + jitter, i)
    }
    let order = keyed.sorted { $0.0 < $1.0 }.map(\.1)
    var groups = stride(from: 0, to: order.count, by: batchSize).map {
      Array(order[$0..<min($0 + batchSize, order.count)])
    }
    if shuffle {
      for i in stride(from: groups.count - 1, to: 0, by: -1) { groups.swapAt(i, rng.nextInt(i + 1)) }
    }
    return groups
  }

  public func batch(_ indices: [Int]) -> TranslationBatch { TranslationBatch(indices.map { pairs[$0] }) }
}

/// The training step and validation loss, shared by `translate train` and the W6 benchmark.
public final class TranslateTrainer {
  public let model: Translator
  public let optimizer: Adam
  public let options: TranslateTrainOptions
  public let schedule: WarmupLR<CosineLR>
  /// Backward with the gradients averaged over a data-parallel job (plain backward in one process).
  public let ddp: DistributedDataParallel

  /// A trainer for `model`; in a data-parallel job gradients travel in buckets of about `bucketBytes`.
  public init(_ model: Translator, options: TranslateTrainOptions, bucketBytes: Int = DataParallel.defaultBucketBytes) {
    self.model = model
    self.options = options
    ddp = DistributedDataParallel(model.parameters, bucketBytes: bucketBytes)
    optimizer = Adam(
      model.namedParameters(), learningRate: options.schedule.learningRate, beta1: 0.9, beta2: 0.98, eps: 1e-9)
    schedule = options.schedule.schedule
  }

  /// One optimizer step on `batch`; returns the mean (label-smoothed) cross-entropy per target token. Under
  /// mpirun each rank steps on its own batch with the gradients averaged (equal weights per rank).
  @discardableResult
  public func step(_ batch: TranslationBatch) -> Float {
    model.train()
    schedule.apply(to: optimizer)
    optimizer.zeroGrad()
    let loss = batchLoss(batch)
    ddp.backward(loss)  // in a data-parallel job: this rank's batch, gradients averaged over the ranks
    if options.clip > 0 { _ = clipGradNorm(model.parameters, maxNorm: options.clip) }
    optimizer.step()
    return loss.item
  }

  /// One step on the global batch `indices` of `data`. In a data-parallel job each rank takes its share of the
  /// pairs and weighs its gradient by its share of the batch's target tokens, so the averaged gradient is that of
  /// the mean over all the batch's tokens, as one process would compute it. Returns that mean loss and the
  /// batch's target tokens.
  public func step(_ indices: [Int], of data: EncodedPairs) -> (loss: Float, tokens: Int) {
    let ranks = Distributed.worldSize
    guard ranks > 1 else {
      let batch = data.batch(indices)
      return (step(batch), batch.targetTokens)
    }
    let per = (indices.count + ranks - 1) / ranks
    let mine = Array(indices.dropFirst(Distributed.rank * per).prefix(per))
    let total = indices.reduce(0) { $0 + data.pairs[$1].target.count + 1 }  // + end of sentence
    model.train()
    schedule.apply(to: optimizer)
    optimizer.zeroGrad()
    var local = 0.0
    if !mine.isEmpty {
      let batch = data.batch(mine)
      let loss = batchLoss(batch)
      let share = Float(ranks * batch.targetTokens) / Float(total)
      ddp.backward(loss * share)
      local = Double(loss.item) * Double(batch.targetTokens)
    } else {
      ddp.synchronize()  // no pairs for this rank: it still takes part, with zeros
    }
    if options.clip > 0 { _ = clipGradNorm(model.parameters, maxNorm: options.clip) }
    optimizer.step()
    return (Float(Distributed.mean(local) * Double(ranks) / Double(total)), total)
  }

  /// The mean (label-smoothed) cross-entropy per target token of `batch`.
  private func batchLoss(_ batch: TranslationBatch) -> Tensor {
    let logits = model(batch)  // (B, T, V)
    return logits.reshaped([batch.size * batch.targetSteps, -1]).crossEntropy(
      targets: batch.targetOutput, ignoreIndex: SubwordTokenizer.pad, labelSmoothing: options.labelSmoothing)
  }
}

/// Mean cross-entropy (no smoothing) per target token over `data` in evaluation mode. With `sharded`, the ranks of
/// a data-parallel job take batches r, r+N, … and the sums are reduced: every rank returns the whole set's loss.
public func validationLoss(
  _ model: Translator, _ data: EncodedPairs, batchSize: Int = 64, sharded: Bool = false
) -> Double {
  model.eval()
  let (rank, ranks) = sharded ? (Distributed.rank, Distributed.worldSize) : (0, 1)
  return noGrad {
    var total = 0.0
    var count = 0
    for (k, idx) in data.batches(batchSize: batchSize, seed: 0, shuffle: false).enumerated() where k % ranks == rank {
      let b = data.batch(idx)
      let loss = model(b).reshaped([b.size * b.targetSteps, -1]).crossEntropy(
        targets: b.targetOutput, ignoreIndex: SubwordTokenizer.pad)
      total += Double(loss.item) * Double(b.targetTokens)
      count += b.targetTokens
    }
    if ranks > 1 {
      var sums = [total, Double(count)]
      do { try Distributed.allreduceSum(&sums) } catch { Distributed.abort("\(error)") }
      (total, count) = (sums[0], Int(sums[1]))
    }
    return total / Double(max(count, 1))
  }
}
