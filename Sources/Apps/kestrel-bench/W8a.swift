import ArgumentParser
import Engine

/// W8a: DQN update speed: MLP 4-128-128-2, batch 64, Huber on Q(s, a) vs r + 0.99(1 − done) max Q_target(s').
struct W8a: Workload {
  static let configuration = CommandConfiguration(
    commandName: "w8a", abstract: "W8a: DQN update-only throughput (updates/s).")
  @OptionGroup var options: BenchOptions

  static func mlp() -> Sequential { Sequential(Linear(4, 128), ReLU(), Linear(128, 128), ReLU(), Linear(128, 2)) }

  func measure(_ rep: Reporter) throws {
    Random.seed(0)
    let q = W8a.mlp()
    let target = W8a.mlp()
    try target.loadStateDict(q.stateDict())
    let opt = Adam(q.namedParameters(), learningRate: 1e-3)
    let (batch, batches, updates) = (64, 16, 200)
    var rng = PRNG(seed: 0)
    struct Transition {
      let s: Tensor
      let a: [Int]
      let r: Tensor
      let s2: Tensor
      let notDone: Tensor
    }
    let data = (0..<batches).map { _ in
      Transition(
        s: Tensor.randn([batch, 4], generator: &rng), a: (0..<batch).map { _ in rng.nextInt(2) },
        r: Tensor.randn([batch], generator: &rng), s2: Tensor.randn([batch, 4], generator: &rng),
        notDone: Tensor((0..<batch).map { _ in rng.nextUniform() < 0.05 ? 0 : 1 }))
    }
    var it = 0
    let times = timeReps(reps: options.reps, warmup: options.warmup) {
      for _ in 0..<updates {
        let t = data[it % batches]
        it += 1
        let qa = q(t.s).gather(columns: t.a)  // (B)
        let y = noGrad { t.r + 0.99 * t.notDone * target(t.s2).max(axis: 1).values }  // (B)
        let loss = qa.huberLoss(targets: y)
        opt.zeroGrad()
        loss.backward()
        opt.step()
      }
    }
    rep.add("kestrel", "(a) DQN updates/s (batch 64, update only)", "upd/s", work: Double(updates), times: times)
    try rep.finish()
  }

  static let workload = "W8 DQN"
}
