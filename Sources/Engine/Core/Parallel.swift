import CBLAS

/// The engine's one level of parallelism: its own split of heavy loops (large GEMMs by blocks of rows, convolutions
/// by images, pooling by planes) across `threads` workers; OpenBLAS runs single-threaded inside each part.
public enum Parallel {
  /// Worker threads the engine uses (default: the number of online CPUs, from `KESTREL_THREADS` if set).
  nonisolated(unsafe) public static var threads: Int = {
    if let s = getenvString("KESTREL_THREADS"), let n = Int(s), n > 0 { return min(n, 256) }  // more is a typo
    return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }()

  nonisolated(unsafe) static var blasThreads = -1
  nonisolated(unsafe) static var inParallelRegion = false

  /// Sets OpenBLAS's thread count if it differs from the current one (cheap).
  static func setBLASThreads(_ n: Int) {
    if blasThreads != n {
      openblas_set_num_threads(Int32(n))
      blasThreads = n
    }
  }

  /// Runs `body(chunkRange)` over `0..<count` split into up to `threads` chunks when `count >= minPerThread * 2`.
  /// Nested calls inside a region run serially.
  public static func forChunks(_ count: Int, minPerThread: Int, _ body: (Range<Int>) -> Void) {
    let t = min(threads, count / max(minPerThread, 1))
    if t <= 1 || inParallelRegion {
      body(0..<count)
      return
    }
    inParallelRegion = true
    defer { inParallelRegion = false }
    pool(for: t).run(t) { i in body((count * i / t)..<(count * (i + 1) / t)) }
  }

  nonisolated(unsafe) private static var sharedPool: WorkerPool?

  /// The worker pool, created on first use with `threads − 1` workers (rebuilt if `threads` grew).
  private static func pool(for parts: Int) -> WorkerPool {
    if let p = sharedPool, p.workerCount + 1 >= parts { return p }
    let p = WorkerPool(workers: threads - 1)
    sharedPool = p
    return p
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

func getenvString(_ name: String) -> String? {
  guard let p = getenv(name) else { return nil }
  return String(cString: p)
}
