import CMPI
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

// Data-parallel training over Open MPI. A process started by `mpirun`/`srun` joins the job on `initialize()`;
// any other process is a world of one and never touches MPI, so single-process runs are exactly as before.

/// The process's place in a data-parallel job and the collectives on Float buffers (MPI_COMM_WORLD).
public enum Distributed {
  nonisolated(unsafe) private static var state: (rank: Int, size: Int, live: Bool) = (0, 1, false)

  /// This process's rank (0 when not launched by an MPI launcher).
  public static var rank: Int { state.rank }
  /// Processes in the job (1 when not launched by an MPI launcher).
  public static var worldSize: Int { state.size }
  /// True on rank 0: the process that prints, logs and writes checkpoints. Before `initialize()`, the rank the
  /// launcher gave the process (so output can be limited to rank 0 from the first line).
  public static var isPrimary: Bool { (state.live ? state.rank : launcherRank) == 0 }

  /// The rank an MPI launcher set in the environment (0 when there is none), read once.
  static let launcherRank: Int = {
    let env = ProcessInfo.processInfo.environment
    return ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"].lazy.compactMap { env[$0].flatMap { Int($0) } }.first ?? 0
  }()

  /// True when an MPI launcher started this process (Open MPI's mpirun, or PMI/PMIx as Slurm's srun sets).
  public static var isLaunched: Bool {
    let names = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]
    return names.contains { name in getenv(name) != nil }
  }

  /// Joins the job when launched by `mpirun`/`srun` (idempotent); errors are returned, not fatal, so a failing
  /// rank can report itself. A process that was not launched stays a world of one.
  public static func initialize() throws {
    guard !state.live, isLaunched else { return }
    // Open MPI's non-blocking allreduce (libnbc, used for DDP's buckets) picks binomial trees by default; its ring
    // is 2.5x faster here for 64 MB (587 → 1,464 MB/s shared memory, 163 → 392 MB/s TCP between two namespaces;
    // Benchmarks/reference-mpi). A user's own setting wins.
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", 0)
    var provided: Int32 = 0
    let code = MPI_Init_thread(nil, nil, kestrel_mpi_thread_funneled(), &provided)
    guard code == kestrel_mpi_success() else { throw DistributedError("MPI_Init_thread failed (code \(code))") }
    MPI_Comm_set_errhandler(kestrel_mpi_comm_world(), kestrel_mpi_errors_return())
    var rank: Int32 = 0
    var size: Int32 = 1
    MPI_Comm_rank(kestrel_mpi_comm_world(), &rank)
    MPI_Comm_size(kestrel_mpi_comm_world(), &size)
    state = (Int(rank), Int(size), true)
    atexit { Distributed.finalize() }
    if size > 1 { CollectiveWatchdog.shared.start(rank: Int(rank), seconds: collectiveTimeout) }
  }

  /// Seconds one collective may take before the rank ends the job (a peer that died, hangs, or runs other
  /// code): `KESTREL_COLLECTIVE_TIMEOUT`, default 600 (PyTorch's default for NCCL).
  public static var collectiveTimeout: Double {
    ProcessInfo.processInfo.environment["KESTREL_COLLECTIVE_TIMEOUT"].flatMap(Double.init).map { Swift.max($0, 0.1) }
      ?? 600
  }

  /// Leaves the job (called at exit after `initialize()`).
  public static func finalize() {
    guard state.live else { return }
    state.live = false
    MPI_Finalize()
  }

  /// Ends every rank of the job with `code` after printing `message` (naming this rank) on standard error.
  public static func abort(_ message: String, code: Int32 = 1) -> Never {
    var line = (state.size > 1 ? "rank \(state.rank): " : "") + message + "\n"
    line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    if state.live { MPI_Abort(kestrel_mpi_comm_world(), code) }
    exit(code)
  }

  /// Sums `count` floats at `buffer` over all ranks, in place (every rank gets the sum).
  public static func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
    guard state.size > 1, count > 0 else { return }
    try check("MPI_Allreduce") {
      MPI_Allreduce(
        kestrel_mpi_in_place(), buffer, Int32(count), kestrel_mpi_float(), kestrel_mpi_sum(), kestrel_mpi_comm_world())
    }
  }

  /// Sums `values` element-wise over all ranks, in place.
  public static func allreduceSum(_ values: inout [Double]) throws {
    guard state.size > 1, !values.isEmpty else { return }
    let count = Int32(values.count)
    try values.withUnsafeMutableBufferPointer { buf in
      try check("MPI_Allreduce") {
        MPI_Allreduce(
          kestrel_mpi_in_place(), buf.baseAddress, count, kestrel_mpi_double(), kestrel_mpi_sum(),
          kestrel_mpi_comm_world())
      }
    }
  }

  /// Rows `lo..<hi` of `total` that `rank` owns when rows are split into contiguous blocks across the ranks
  /// (the first `total % worldSize` ranks take one more).
  public static func block(of total: Int, rank: Int = rank) -> Range<Int> {
    let (per, extra) = (total / worldSize, total % worldSize)
    let lo = rank * per + Swift.min(rank, extra)
    return lo..<(lo + per + (rank < extra ? 1 : 0))
  }

  /// Every rank's block of `values` (its `block(of: values.count / width)` rows of `width` floats) copied to
  /// all ranks, in place (MPI_Allgatherv): afterwards every rank holds the whole array.
  public static func allgatherBlocks(_ values: inout [Float], width: Int) throws {
    guard state.size > 1, width > 0 else { return }
    let rows = values.count / width
    let blocks = (0..<state.size).map { block(of: rows, rank: $0) }
    guard values.count <= Int(Int32.max) else {
      throw DistributedError("allgather: \(values.count) floats exceed MPI's Int32 counts")
    }
    var counts = blocks.map { Int32($0.count * width) }
    var displacements = blocks.map { Int32($0.lowerBound * width) }
    try values.withUnsafeMutableBufferPointer { buf in
      try check("MPI_Allgatherv") {
        MPI_Allgatherv(
          kestrel_mpi_in_place(), 0, kestrel_mpi_float(), buf.baseAddress, &counts, &displacements, kestrel_mpi_float(),
          kestrel_mpi_comm_world())
      }
    }
  }

  /// Every rank's `mine` — its `block(of: total)` of a list of `total` integer sequences (e.g. decoded token ids)
  /// — put together on every rank in list order. Two allreduces: the lengths, then the values, each rank filling
  /// only its own slots (integers up to 2^53 are exact).
  public static func gatherBlocks(_ mine: [[Int]], of total: Int) throws -> [[Int]] {
    guard state.size > 1 else { return mine }
    let own = block(of: total)
    guard mine.count == own.count else {
      throw DistributedError("rank \(rank): gatherBlocks got \(mine.count) sequences for a block of \(own.count)")
    }
    var lengths = [Double](repeating: 0, count: total)
    for (i, s) in mine.enumerated() { lengths[own.lowerBound + i] = Double(s.count) }
    try allreduceSum(&lengths)
    var offsets = [0]
    for l in lengths { offsets.append(offsets[offsets.count - 1] + Int(l)) }
    var values = [Double](repeating: 0, count: offsets[total])
    for (i, s) in mine.enumerated() {
      for (j, v) in s.enumerated() { values[offsets[own.lowerBound + i] + j] = Double(v) }
    }
    try allreduceSum(&values)
    return (0..<total).map { k in values[offsets[k]..<offsets[k + 1]].map { Int($0) } }
  }

  /// Averages `count` floats at `buffer` over all ranks, in place.
  public static func allreduceAverage(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
    guard state.size > 1 else { return }
    try allreduceSum(buffer, count: count)
    let scale = 1 / Float(state.size)
    for i in 0..<count { buffer[i] *= scale }
  }

  /// The sum of `value` over all ranks.
  public static func sum(_ value: Double) throws -> Double { try reduce(value, kestrel_mpi_sum()) }

  /// The mean of `value` over all ranks; a failed collective ends the job (`abort`).
  public static func mean(_ value: Double) -> Double {
    guard state.size > 1 else { return value }
    do { return try sum(value) / Double(state.size) } catch { abort("\(error)") }
  }

  /// The largest `value` over all ranks (e.g. "any rank out of time" as 0/1).
  public static func max(_ value: Double) throws -> Double { try reduce(value, kestrel_mpi_max()) }

  /// `value` reduced by `op` over all ranks.
  private static func reduce(_ value: Double, _ op: MPI_Op?) throws -> Double {
    guard state.size > 1 else { return value }
    var v = value
    try check("MPI_Allreduce") {
      MPI_Allreduce(kestrel_mpi_in_place(), &v, 1, kestrel_mpi_double(), op, kestrel_mpi_comm_world())
    }
    return v
  }

  /// Copies `count` floats at `buffer` from `root` to every rank.
  public static func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int = 0) throws {
    guard state.size > 1, count > 0 else { return }
    try check("MPI_Bcast") {
      MPI_Bcast(buffer, Int32(count), kestrel_mpi_float(), Int32(root), kestrel_mpi_comm_world())
    }
  }

  /// Waits until every rank arrives.
  public static func barrier() throws {
    guard state.size > 1 else { return }
    try check("MPI_Barrier") { MPI_Barrier(kestrel_mpi_comm_world()) }
  }

  /// Starts summing `count` floats at `buffer` over all ranks in place without waiting (MPI_Iallreduce).
  static func startAllreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws -> MPI_Request? {
    var request: MPI_Request? = kestrel_mpi_request_null()
    try check("MPI_Iallreduce") {
      MPI_Iallreduce(
        kestrel_mpi_in_place(), buffer, Int32(count), kestrel_mpi_float(), kestrel_mpi_sum(), kestrel_mpi_comm_world(),
        &request)
    }
    return request
  }

  /// Waits for started collectives.
  static func wait(_ requests: inout [MPI_Request?]) throws {
    guard !requests.isEmpty else { return }
    try check("MPI_Waitall") { MPI_Waitall(Int32(requests.count), &requests, kestrel_mpi_statuses_ignore()) }
  }

  /// Moves started collectives along; true when all have completed (MPI_Testall).
  static func test(_ requests: inout [MPI_Request?]) throws -> Bool {
    guard !requests.isEmpty else { return true }
    var done: Int32 = 0
    try check("MPI_Testall") { MPI_Testall(Int32(requests.count), &requests, &done, kestrel_mpi_statuses_ignore()) }
    return done != 0
  }

  /// Runs the MPI call `call` under the collective watchdog; a failure becomes an error naming the rank.
  private static func check(_ call: String, _ body: () -> Int32) throws {
    CollectiveWatchdog.shared.enter(call)
    let code = body()
    CollectiveWatchdog.shared.leave()
    guard code != kestrel_mpi_success() else { return }
    var text = [CChar](repeating: 0, count: 512)
    var length: Int32 = 0
    MPI_Error_string(code, &text, &length)
    let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw DistributedError("rank \(state.rank): \(call) failed: \(message)")
  }
}

/// A failed collective, naming the rank.
public struct DistributedError: Error, CustomStringConvertible {
  /// The message.
  public let description: String
  /// An error with its message.
  public init(_ description: String) { self.description = description }
}
