import ArgumentParser
import CBLAS
import Engine

/// W1: fp32 GEMM C = A·B, square n ∈ {256, 512, 1024, 2048}; ~10 GFLOP per repetition.
struct W1: Workload {
  static let configuration = CommandConfiguration(
    abstract: "W1: GEMM GFLOP/s through Tensor.matmul versus calling cblas_sgemm directly.")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    for n in [256, 512, 1024, 2048] {
      let k = max(1, Int((1e10 / (2 * Double(n * n * n))).rounded()))
      var g0 = PRNG(seed: 0)
      var g1 = PRNG(seed: 1)
      let a = Tensor.randn([n, n], generator: &g0)
      let b = Tensor.randn([n, n], generator: &g1)
      let flops = 2 * Double(n * n * n) * Double(k)
      // Direct OpenBLAS into a preallocated C, at the requested thread count (as numpy does).
      let c = Tensor(zeros: [n, n])
      let direct = timeReps(reps: options.reps, warmup: options.warmup) {
        openblas_set_num_threads(Int32(options.threads))
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              for _ in 0..<k {
                cblas_sgemm(
                  CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, pa.baseAddress, Int32(n),
                  pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
              }
            }
          }
        }
      }
      rep.add("OpenBLAS cblas_sgemm (direct)", "sgemm n=\(n) GFLOP/s", "GFLOP/s", work: flops / 1e9, times: direct)
      // The engine's public op (allocates C, picks BLAS threads by size).
      BLAS.resetThreadChoice()
      let engine = timeReps(reps: options.reps, warmup: options.warmup) {
        noGrad { for _ in 0..<k { _ = a.matmul(b) } }
      }
      rep.add("kestrel Tensor.matmul", "sgemm n=\(n) GFLOP/s", "GFLOP/s", work: flops / 1e9, times: engine)
    }
    try rep.finish()
  }

  static let workload = "W1 GEMM"
}
