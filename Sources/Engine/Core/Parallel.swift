import CBLAS
import Dispatch

/// The engine's two levels of parallelism, chosen so they never stack: OpenBLAS threads for large GEMMs,
/// and the engine's own split of heavy loops (im2col convolutions, big elementwise ops) with BLAS at one thread.
public enum Parallel {
  /// Worker threads the engine uses (default: the number of online CPUs, from `KESTREL_THREADS` if set).
  nonisolated(unsafe) public static var threads: Int = {
    if let s = getenvString("KESTREL_THREADS"), let n = Int(s), n > 0 { return n }
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
  /// BLAS runs single-threaded inside the region.
  public static func forChunks(_ count: Int, minPerThread: Int, _ body: (Range<Int>) -> Void) {
    let t = min(threads, count / max(minPerThread, 1))
    if t <= 1 || inParallelRegion {
      body(0..<count)
      return
    }
    setBLASThreads(1)
    inParallelRegion = true
    defer { inParallelRegion = false }
    withoutActuallyEscaping(body) { body in
      nonisolated(unsafe) let body = body
      DispatchQueue.concurrentPerform(iterations: t) { i in
        let lo = count * i / t
        let hi = count * (i + 1) / t
        body(lo..<hi)
      }
    }
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
