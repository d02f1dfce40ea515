import CMPI

// DistributedDataParallel, as PyTorch's DDP does it: parameters broadcast from rank 0 at the start, gradients
// grouped into buckets (about `bucketBytes` each) in reverse parameter order — the order backward finishes them —
// and summed with non-blocking MPI_Iallreduce, all waited for before the optimizer step, then divided by the
// world size. Gradient clipping after `averageGradients` sees the averaged gradients.

/// Data-parallel helpers over a module's parameters.
public enum DataParallel {
  /// Default bucket size: 25 MB, PyTorch DDP's.
  public static let defaultBucketBytes = 25 << 20

  /// Wall-clock seconds this process has spent in `averageGradients` (packing, the reductions and the wait).
  nonisolated(unsafe) public private(set) static var reduceSeconds = 0.0

  /// Copies every parameter and buffer of `module` from rank 0 to the other ranks.
  public static func broadcastParameters(_ module: Module) throws {
    guard Distributed.worldSize > 1 else { return }
    for (_, t) in module.namedTensors() {
      let c = t.contiguous()
      try Distributed.broadcast(c.ptr, count: c.count)
      if c !== t { t.assign(c) }
    }
  }

  /// Averages the gradients of `parameters` over all ranks, bucket by bucket (reverse order). Parameters without a
  /// gradient on this rank take part with zeros, so every rank sends the same buckets. A failed collective ends
  /// the whole job with a message naming the rank (there is no recovering from a half-reduced step).
  public static func averageGradients(_ parameters: [Tensor], bucketBytes: Int = defaultBucketBytes) {
    guard Distributed.worldSize > 1 else { return }
    let began = monotonicSeconds()
    defer { reduceSeconds += monotonicSeconds() - began }
    do { try reduce(parameters, bucketBytes: bucketBytes) } catch { Distributed.abort("\(error)") }
  }

  private static func reduce(_ parameters: [Tensor], bucketBytes: Int) throws {
    let perBucket = Swift.max(1, bucketBytes / MemoryLayout<Float>.size)
    var buckets: [[Tensor]] = [[]]
    var filled = 0
    for p in parameters.reversed() {
      if p.grad == nil { p.grad = Tensor(zeros: p.shape) }
      if filled + p.count > perBucket && !(buckets.last ?? []).isEmpty {
        buckets.append([])
        filled = 0
      }
      buckets[buckets.count - 1].append(p)
      filled += p.count
    }
    // Each bucket is one contiguous buffer: the gradients copied in, reduced, copied back.
    var flats: [(Tensor, [Tensor])] = []
    var requests: [MPI_Request?] = []
    for bucket in buckets where !bucket.isEmpty {
      let flat = Tensor(uninitializedShape: [bucket.reduce(0) { $0 + $1.count }])
      var at = 0
      for p in bucket {
        guard let g = p.grad?.contiguous() else { continue }
        (flat.ptr + at).update(from: g.ptr, count: g.count)
        at += g.count
      }
      requests.append(try Distributed.startAllreduceSum(flat.ptr, count: flat.count))
      flats.append((flat, bucket))
    }
    try Distributed.wait(&requests)
    let scale = 1 / Float(Distributed.worldSize)
    for (flat, bucket) in flats {
      var at = 0
      for p in bucket {
        let g = Tensor(uninitializedShape: p.shape)
        for i in 0..<p.count { g.ptr[i] = flat.ptr[at + i] * scale }
        p.grad = g
        at += p.count
      }
    }
  }
}
