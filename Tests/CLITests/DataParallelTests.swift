import Datasets
import Engine
import EngineTesting
import Foundation
import XCTest

/// Data-parallel training under Open MPI: 2 ranks with `--batch-size b` end where one process with 2b does
/// (same rows, dropout 0), and print the same losses.
final class DataParallelTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws { dir = try CLI.tempDirectory() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  /// How the 2-rank job is launched: on this host (shared memory), or one rank in each of two network
  /// namespaces with TCP between them (Tests/Distributed/two-namespaces.sh), as on two machines.
  enum Launch { case local, twoNamespaces }

  /// `mpirun -np 2` (root allowed, one thread per rank); nil when Open MPI is not installed. `second` gives rank 1
  /// other arguments (local launches only).
  func mpirun(
    _ tool: String, _ arguments: [String], second: [String]? = nil, launch: Launch = .local,
    environment extra: [String: String] = [:]
  ) throws -> CLIResult? {
    guard let launcher = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: { FileIO.exists($0) }) else {
      return nil
    }
    // Bounded: a job that hangs is ended after 2 minutes (and then fails the test).
    let binary = CLI.productsDirectory.appendingPathComponent(tool).path
    let environment = [
      "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "KESTREL_THREADS": "1",
      "OMPI_MCA_btl": launch == .local ? "self,vader,tcp" : "self,tcp",
    ].merging(extra) { $1 }
    if launch == .twoNamespaces {
      let script = URL(fileURLWithPath: CLI.assets + "/../Tests/Distributed/two-namespaces.sh").standardized.path
      return try CLI.run(
        executable: URL(fileURLWithPath: "/usr/bin/timeout"), ["120", script, binary] + arguments,
        environment: environment)
    }
    let ranks =
      second.map { ["-np", "1", binary] + arguments + [":", "-np", "1", binary] + $0 }
      ?? ["-np", "2", binary] + arguments
    return try CLI.run(
      executable: URL(fileURLWithPath: "/usr/bin/timeout"), ["120", launcher, "--oversubscribe"] + ranks,
      environment: environment)
  }

  /// Trains with `common` once alone with `--batch-size` 2b and once on 2 ranks with b each; asserts both succeed,
  /// print the same two lines starting with `prefix` (compared up to `stop`, before the times) and end with the
  /// same tensors in `OUT` + `suffix`. Returns rank 0's standard output.
  @discardableResult
  func assertTwoRanksMatchOne(
    _ tool: String, _ common: [String], batch b: Int, lines prefix: String, upTo stop: Character,
    throughLast: Bool = false, tensors suffix: String, loose: [String: Float] = [:], launch: Launch = .local,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> String {
    let one = try CLI.run(
      tool, common + ["--batch-size", "\(2 * b)", "--out", dir + "/one.safetensors"],
      environment: ["KESTREL_THREADS": "1", "KESTREL_ASSETS": CLI.assets])
    XCTAssertEqual(one.status, 0, one.stderr, file: file, line: line)
    guard
      let two = try mpirun(tool, common + ["--batch-size", "\(b)", "--out", dir + "/two.safetensors"], launch: launch)
    else { throw XCTSkip("Open MPI's mpirun is not installed (make deps installs it)") }
    if two.status == 77 { throw XCTSkip(two.stderr) }  // two-namespaces.sh: no namespaces here (not root)
    XCTAssertEqual(two.status, 0, two.stderr, file: file, line: line)
    func lines(_ s: String) -> [String] {
      s.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { line in
        // up to the first `stop`, or with `throughLast` through the last one
        guard throughLast, let end = line.lastIndex(of: stop) else { return String(line.prefix(while: { $0 != stop })) }
        return String(line[...end])
      }
    }
    XCTAssertEqual(lines(two.stdout), lines(one.stdout), two.stdout, file: file, line: line)
    XCTAssertEqual(lines(two.stdout).count, 2, two.stdout, file: file, line: line)
    try assertSameTensors(
      dir + "/one.safetensors" + suffix, dir + "/two.safetensors" + suffix, loose: loose, file: file, line: line)
    return two.stdout
  }

  func testTwoRanksEqualOneProcessWithTheGlobalBatch() throws {
    let corpus = CLI.fixture("training-golden") + "/corpus.txt"
    let common = [
      "train", "--data", corpus, "--model", "gpt", "--layers", "1", "--width", "32", "--context", "16", "--steps", "12",
      "--eval-every", "6", "--eval-batches", "2", "--sample-length", "10", "--dropout", "0",
      "--bucket-mb", "0.01",  // 56 KB of gradients in 6 buckets, started one by one during backward
    ]
    let stdout = try assertTwoRanksMatchOne(
      "textgen", common, batch: 4, lines: "step ", upTo: "(", tensors: "")
    XCTAssertEqual(stdout.components(separatedBy: "gpt: 14080 parameters").count, 2, stdout)  // rank 0 alone prints
  }

  /// Ranks that stop agreeing (here rank 0 is told to stop after 3 steps, rank 1 after 1000) would wait for each
  /// other forever; the collective timeout ends the job within seconds with a message naming the rank and the
  /// call, and the checkpoint saved before stays.
  func testACollectiveThatNeverCompletesEndsTheJob() throws {
    let corpus = CLI.fixture("training-golden") + "/corpus.txt"
    let common = [
      "train", "--data", corpus, "--model", "gpt", "--layers", "1", "--width", "32", "--context", "16",
      "--batch-size", "4", "--eval-every", "1", "--eval-batches", "1", "--out", dir + "/t.safetensors",
    ]
    guard
      let r = try mpirun(
        "textgen", common + ["--steps", "3"], second: common + ["--steps", "1000"],
        environment: ["KESTREL_COLLECTIVE_TIMEOUT": "3"])
    else { throw XCTSkip("Open MPI's mpirun is not installed (make deps installs it)") }
    XCTAssertNotEqual(r.status, 0)
    XCTAssertNotEqual(r.status, 124, "the job hung until the timeout")
    XCTAssertTrue(r.stderr.contains("did not complete in 3 s (KESTREL_COLLECTIVE_TIMEOUT=3)"), r.stderr)
    XCTAssertNotNil(r.stderr.range(of: #"rank [01]: MPI_\w+ did not"#, options: .regularExpression), r.stderr)
    XCTAssertTrue(r.stdout.contains("step 3/3"), r.stdout)
    XCTAssertNoThrow(try SafeTensors.read(dir + "/t.safetensors"))  // the last good checkpoint
  }

  /// The same textgen run with its two ranks in two network namespaces joined by a veth pair, TCP between them
  /// (as on two machines): the same losses and weights as one process with the global batch.
  func testTwoRanksInTwoNetworkNamespacesEqualOneProcess() throws {
    let corpus = CLI.fixture("training-golden") + "/corpus.txt"
    let common = [
      "train", "--data", corpus, "--model", "gpt", "--layers", "1", "--width", "32", "--context", "16", "--steps", "12",
      "--eval-every", "6", "--eval-batches", "2", "--sample-length", "10", "--dropout", "0", "--bucket-mb", "0.01",
    ]
    try assertTwoRanksMatchOne(
      "textgen", common, batch: 4, lines: "step ", upTo: "(", tensors: "", launch: .twoNamespaces)
  }

  /// Both files hold the same tensors to float tolerance (1e-4 of the tensor's largest magnitude, at least 1), or
  /// the tolerance `loose` gives a tensor by name.
  func assertSameTensors(
    _ one: String, _ two: String, loose: [String: Float] = [:], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let (a, _) = try SafeTensors.read(one)
    let (b, _) = try SafeTensors.read(two)
    XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
    for (name, t) in a {
      let (x, y) = (t.toArray(), b[name]?.toArray() ?? [])
      XCTAssertEqual(x.count, y.count, name, file: file, line: line)
      let diff = zip(x, y).map { abs($0 - $1) }.max() ?? 0
      let scale = max(1, x.map { abs($0) }.max() ?? 0)
      XCTAssertLessThan(diff, loose[name] ?? 1e-4 * scale, name, file: file, line: line)
    }
  }

  /// classify: 2 ranks × 8 images (augmented as one global batch) end where 1 × 16 does, optimizer state included;
  /// the test accuracy, evaluated in shards (batches r, r+N, … with the counts summed), is the same too.
  func testClassifyTwoRanksEqualOneProcess() throws {
    let common = [
      "train", "--dataset", "folder:\(CLI.assets)/datasets/fashion5", "--size", "28", "--channels", "1", "--arch",
      "lenet", "--epochs", "2", "--bucket-mb", "0.05",
    ]
    try assertTwoRanksMatchOne(
      "classify", common, batch: 8, lines: "epoch ", upTo: "%", throughLast: true, tensors: ".last.safetensors")
  }

  /// translate: 2 ranks × 4 pairs (each weighing its share of the batch's target tokens) end where 1 × 8 does.
  func testTranslateTwoRanksEqualOneProcess() throws {
    let common = [
      "train", "--pairs", CLI.fixture("training-golden") + "/pairs.tsv", "--width", "16", "--heads", "2",
      "--encoder-layers", "1", "--decoder-layers", "1", "--feed-forward", "32", "--src-vocab", "64", "--tgt-vocab",
      "64", "--steps", "8", "--eval-every", "4", "--bleu-sentences", "3", "--dropout", "0",
    ]
    try assertTwoRanksMatchOne(
      "translate", common, batch: 4, lines: "step ", upTo: "B", tensors: ".last.safetensors")
  }

  /// gan: 2 ranks × 4 images with synchronised batch norm (both networks, every forward) end where 1 × 8 does:
  /// the noise of the global batch is drawn alike and shared out, and both networks' gradients are averaged.
  func testGANTwoRanksWithSyncBatchNormEqualOneProcess() throws {
    let common = [
      "train", "--dataset", "folder:\(CLI.assets)/datasets/fashion5", "--size", "28", "--channels", "1", "--width",
      "8", "--latent", "8", "--epochs", "2", "--max-steps", "3", "--sync-bn", "--bucket-mb", "0.005",
    ]
    // A bias just before a batch norm has a gradient of exactly 0 in exact arithmetic (the norm subtracts the
    // mean), so what backward gives it is round-off, which Adam scales up to steps of ±lr: such a bias, and the
    // running mean it shifts, drift apart by up to lr (2e-4) a step — 6 steps here. Without --sync-bn the
    // other tensors differ by 1e-3 (measured), with it by at most 1.2e-7.
    let drift: Float = 6 * 2e-4
    let loose = [
      "generator.project.bias", "generator.projectNorm.runningMean", "generator.up1.bias",
      "generator.up1Norm.runningMean", "discriminator.down2.bias", "discriminator.down2Norm.runningMean",
    ].reduce(into: [String: Float]()) { $0[$1] = drift }
    try assertTwoRanksMatchOne(
      "gan", common, batch: 4, lines: "epoch ", upTo: "(", tensors: ".last.safetensors", loose: loose)
    XCTAssertTrue(FileIO.exists(dir + "/two.safetensors.epoch-002.png"))
  }

  /// recommend ALS: 2 ranks each solve half the users and half the items of every half-step and exchange them
  /// (allgather); the model rank 0 saves recommends exactly what the one-process model does.
  func testALSTwoRanksEqualOneProcess() throws {
    func db(_ name: String) throws -> String {
      let path = dir + "/\(name).sqlite"
      let r = try CLI.run(
        "recommend", ["import", "csv", CLI.fixture("ratings.csv"), "--items", CLI.fixture("items.csv"), "--db", path])
      XCTAssertEqual(r.status, 0, r.stderr)
      return path
    }
    let (one, two) = (try db("one"), try db("two"))
    let train = ["train", "--algo", "als", "--epochs", "4", "--factors", "8"]
    let alone = try CLI.run("recommend", train + ["--db", one], environment: ["KESTREL_THREADS": "1"])
    XCTAssertEqual(alone.status, 0, alone.stderr)
    guard let job = try mpirun("recommend", train + ["--db", two]) else {
      throw XCTSkip("Open MPI's mpirun is not installed (make deps installs it)")
    }
    XCTAssertEqual(job.status, 0, job.stderr)
    XCTAssertEqual(job.stdout.components(separatedBy: "on 2 ranks; saved in").count, 2, job.stdout)  // rank 0 alone
    for query in [["--user", "a2"], ["--user", "b3"], ["similar", "--item", "1"], ["similar", "--item", "2"]] {
      let a = try CLI.run("recommend", query + ["--algo", "als", "--db", one])
      let b = try CLI.run("recommend", query + ["--algo", "als", "--db", two])
      XCTAssertEqual(a.status, 0, a.stderr)
      XCTAssertTrue(a.stdout.contains("1. "), a.stdout)
      XCTAssertEqual(b.stdout.replacingOccurrences(of: "two.sqlite", with: "one.sqlite"), a.stdout)
    }
  }

  /// rl-drive PPO: each rank collects its own rollouts (its own episodes and action samples), gradients are
  /// averaged per minibatch; --steps counts the environment steps of all ranks and rank 0 alone reports.
  func testPPORunsDataParallel() throws {
    let out = dir + "/ppo.safetensors"
    guard
      let r = try mpirun(
        "rl-drive", ["train", "--env", "cartpole", "--algo", "ppo", "--steps", "8192", "--out", out])
    else { throw XCTSkip("Open MPI's mpirun is not installed (make deps installs it)") }
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("Last rollout mean return"), r.stdout)
    XCTAssertEqual(r.stdout.components(separatedBy: "Last rollout").count, 2, r.stdout)  // rank 0 alone
    let (_, meta) = try SafeTensors.read(out)
    XCTAssertEqual(meta["kestrel.step"], "2", "8192 steps = 2 rollouts of 2 ranks × 2048")
  }

  /// A rank that fails ends the whole job at once with a non-zero exit and its message (no hang).
  func testAFailingRankEndsTheJob() throws {
    let corpus = CLI.fixture("training-golden") + "/corpus.txt"
    let common = [
      "train", "--model", "gpt", "--layers", "1", "--width", "32", "--context", "16", "--steps", "100000",
      "--batch-size", "4", "--out", dir + "/f.safetensors",
    ]
    guard
      let r = try mpirun("textgen", common + ["--data", corpus], second: common + ["--data", dir + "/missing.txt"])
    else { throw XCTSkip("Open MPI's mpirun is not installed (make deps installs it)") }
    XCTAssertNotEqual(r.status, 0)
    XCTAssertNotEqual(r.status, 124, "the job hung until the timeout")
    XCTAssertTrue(r.stderr.contains("Error: \(dir)/missing.txt"), r.stderr)
    XCTAssertFalse(FileIO.exists(dir + "/f.safetensors"))
  }
}
