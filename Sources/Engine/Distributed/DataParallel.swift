import CMPI

// DistributedDataParallel, as PyTorch's DDP does it: parameters broadcast from rank 0 at the start, gradients
// grouped into buckets (about `bucketBytes` each) in reverse parameter order — the order backward finishes them —
// and each bucket summed with a non-blocking MPI_Iallreduce the moment its last gradient is final, while backward
// goes on with the layers below. Every reduction is waited for before `backward` returns, and the sums are divided
// by the world size, so gradient clipping and the optimizer step see the averaged gradients.

/// Data-parallel helpers shared by every trainer.
public enum DataParallel {
  /// Default bucket size: 25 MB, PyTorch DDP's.
  public static let defaultBucketBytes = 25 << 20
  /// The first bucket's size limit: 1 MB, PyTorch DDP's.
  public static let firstBucketBytes = 1 << 20

  /// Wall-clock seconds this process has spent on gradient reduction that backward did not hide: packing,
  /// starting reductions, and waiting for them after backward.
  nonisolated(unsafe) public internal(set) static var reduceSeconds = 0.0

  /// Makes every batch norm in `module` normalise by the statistics of the global batch (summed over the ranks
  /// in each training forward and backward) instead of its rank's rows: PyTorch's SyncBatchNorm. With it, N ranks
  /// of batch b train as one process of batch N·b would. Nothing changes in a single process.
  public static func synchronizeBatchNorm(_ module: Module) {
    guard Distributed.worldSize > 1 else { return }
    if let bn = module as? BatchNorm {
      bn.statisticsReducer = { sums in
        do { try Distributed.allreduceSum(&sums) } catch { Distributed.abort("\(error)") }
      }
    }
    for (_, child) in module.namedChildren() { synchronizeBatchNorm(child) }
  }

  /// Copies every parameter and buffer of `module` from rank 0 to the other ranks.
  public static func broadcastParameters(_ module: Module) throws {
    guard Distributed.worldSize > 1 else { return }
    for (_, t) in module.namedTensors() {
      let c = t.contiguous()
      try Distributed.broadcast(c.ptr, count: c.count)
      if c !== t { t.assign(c) }
    }
  }
}

/// Runs backward and averages the gradients of `parameters` over the ranks of the job, overlapping the two.
/// In a single process `backward(_:)` is exactly `loss.backward()`. A failed collective ends the whole job with a
/// message naming the rank (there is no recovering from a half-reduced step).
public final class DistributedDataParallel {
  /// The parameters whose gradients are averaged, in the order the model lists them.
  public let parameters: [Tensor]
  /// Bucket size in bytes.
  public let bucketBytes: Int

  /// A group of parameters reduced as one flat buffer.
  private struct Bucket {
    var members: [Tensor]
    var flat: Tensor
  }
  private var buckets: [Bucket] = []
  private var bucketOf: [ObjectIdentifier: Int] = [:]
  private var pending: [Int] = []
  private var launched = 0
  private var requests: [MPI_Request?] = []

  /// Averages `parameters` (e.g. `model.parameters`) in buckets of about `bucketBytes`.
  public init(_ parameters: [Tensor], bucketBytes: Int = DataParallel.defaultBucketBytes) {
    self.parameters = parameters
    self.bucketBytes = Swift.max(bucketBytes, MemoryLayout<Float>.size)
  }

  /// Groups the parameters into buckets, once: the same on every rank, so they start in the same order everywhere.
  private func makeBuckets() {
    guard buckets.isEmpty else { return }
    // As PyTorch's DDP: the first bucket (the last layers, whose gradients backward finishes first) holds at most
    // 1 MB, so a reduction starts early even in a model smaller than one bucket.
    let perBucket = bucketBytes / MemoryLayout<Float>.size
    let firstBucket = Swift.min(DataParallel.firstBucketBytes, bucketBytes) / MemoryLayout<Float>.size
    var groups: [[Tensor]] = []
    var filled = 0
    for p in parameters.reversed() where bucketOf[ObjectIdentifier(p)] == nil {
      let cap = groups.count == 1 ? firstBucket : perBucket  // while the first bucket fills
      if groups.isEmpty || (filled + p.count > cap && filled > 0) {
        groups.append([])
        filled = 0
      }
      groups[groups.count - 1].append(p)
      bucketOf[ObjectIdentifier(p)] = groups.count - 1
      filled += p.count
    }
    buckets = groups.map { Bucket(members: $0, flat: Tensor(zeros: [$0.reduce(0) { $0 + $1.count }])) }
  }

  /// How many buckets the gradients travel in.
  public var bucketCount: Int {
    makeBuckets()
    return buckets.count
  }

  /// `loss.backward()`, then the averaged gradients in every parameter's `grad`. Buckets start reducing during
  /// backward as soon as all their gradients are final.
  public func backward(_ loss: Tensor) {
    guard Distributed.worldSize > 1 else { return loss.backward() }
    begin()
    GradientHooks.leafReady = { [unowned self] leaf in self.ready(leaf) }
    loss.backward()
    GradientHooks.leafReady = nil
    finish()
  }

  /// Averages whatever gradients the parameters hold (zeros where none) without a backward pass: for a rank
  /// with no rows in this step, or a loss built from several backward calls.
  public func synchronize() {
    guard Distributed.worldSize > 1 else { return }
    begin()
    finish()
  }

  private func begin() {
    makeBuckets()
    pending = buckets.map(\.members.count)
    launched = 0
    requests.removeAll(keepingCapacity: true)
  }

  /// A parameter's gradient is final: start every bucket, in order, whose gradients all are.
  private func ready(_ leaf: Tensor) {
    guard let b = bucketOf[ObjectIdentifier(leaf)] else { return }
    pending[b] -= 1
    let began = monotonicSeconds()
    while launched < buckets.count && pending[launched] <= 0 {
      launch(launched)
      launched += 1
    }
    progress()
    DataParallel.reduceSeconds += monotonicSeconds() - began
  }

  /// Starts the buckets backward did not finish (parameters it never reached reduce as zeros), waits for all,
  /// and writes back the averages.
  private func finish() {
    let began = monotonicSeconds()
    defer { DataParallel.reduceSeconds += monotonicSeconds() - began }
    while launched < buckets.count {
      launch(launched)
      launched += 1
    }
    do { try Distributed.wait(&requests) } catch { Distributed.abort("\(error)") }
    let scale = 1 / Float(Distributed.worldSize)
    for bucket in buckets {
      var at = 0
      for p in bucket.members {
        let g = Tensor(uninitializedShape: p.shape)
        let (src, dst) = (bucket.flat.ptr + at, g.ptr)
        for i in 0..<p.count { dst[i] = src[i] * scale }
        p.grad = g
        at += p.count
      }
    }
  }

  /// Packs bucket `b`'s gradients into its flat buffer and starts summing it over the ranks.
  private func launch(_ b: Int) {
    let flat = buckets[b].flat
    var at = 0
    for p in buckets[b].members {
      if let g = p.grad?.contiguous() {
        (flat.ptr + at).update(from: g.ptr, count: p.count)
      } else {
        (flat.ptr + at).update(repeating: 0, count: p.count)
      }
      at += p.count
    }
    do { requests.append(try Distributed.startAllreduceSum(flat.ptr, count: flat.count)) } catch {
      Distributed.abort("\(error)")
    }
  }

  /// Lets MPI move started reductions along (Open MPI progresses non-blocking collectives only inside MPI calls).
  private func progress() {
    guard !requests.isEmpty else { return }
    do { _ = try Distributed.test(&requests) } catch { Distributed.abort("\(error)") }
  }
}
