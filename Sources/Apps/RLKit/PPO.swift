import Engine
import Environments

// Proximal Policy Optimization (Schulman et al. 2017) with the clipped surrogate objective, GAE(λ) advantages,
// a value head, an entropy bonus, and minibatch epochs over each rollout. Discrete actions use a categorical policy
// (softmax over logits); continuous actions a diagonal Gaussian with a learned, state-independent log σ.
// Legend: T = rollout steps, B = minibatch, O = observation size, A = actions (or action dimensions).

/// PPO hyper-parameters (Codable: stored in checkpoints).
public struct PPOConfig: Codable, Sendable, Equatable {
  public var hidden = [64, 64]
  public var learningRate: Float = 3e-4
  public var gamma: Float = 0.99
  public var lambda: Float = 0.95
  public var clip: Float = 0.2
  public var rolloutSteps = 2048
  public var epochs = 10
  public var minibatch = 64
  public var entropyCoef: Float = 0.0
  public var valueCoef: Float = 0.5
  public var totalSteps = 100_000
  public var gradClip: Float = 0.5
  public var seed: UInt64 = 0
  public init() {}
}

/// Policy and value networks; `continuous` switches the policy head to a Gaussian mean with learned log σ.
public final class ActorCritic: Module {
  public let actor: Sequential
  public let critic: Sequential
  public var logStd: Tensor
  public let continuous: Bool
  public let actions: Int

  public init(observations: Int, actions: Int, hidden: [Int], continuous: Bool) {
    func mlp(_ out: Int) -> Sequential {
      var layers: [any Layer] = []
      var w = observations
      for h in hidden {
        layers += [Linear(w, h), Function { $0.tanh() }]
        w = h
      }
      layers.append(Linear(w, out))
      return Sequential(layers)
    }
    actor = mlp(actions)
    critic = mlp(1)
    logStd = Tensor(repeating: -0.5, shape: [actions], requiresGrad: continuous)
    self.continuous = continuous
    self.actions = actions
  }

  /// Log-probabilities of `actions` under the policy for observations (T, O), and the entropy (mean).
  func logProbAndEntropy(_ obs: Tensor, discrete: [Int], continuous a: Tensor?) -> (Tensor, Tensor) {
    let out = actor(obs)  // (T, A)
    if !continuous {
      let logp = out.logSoftmax()  // (T, A)
      let entropy = -(logp.exp() * logp).sum(axis: 1).mean()
      return (logp.gather(columns: discrete), entropy)
    }
    guard let a else { preconditionFailure("logProbAndEntropy: a continuous policy needs continuous actions") }
    // Diagonal Gaussian: log N(a; μ, σ) summed over dimensions.
    let std = logStd.exp()
    let z = (a - out) / std  // (T, A)
    let logp = (z.squared() * -0.5 - logStd - 0.918_938_5).sum(axis: 1)  // (T)
    let entropy = (logStd + 1.418_938_5).sum()  // per-sample entropy of the Gaussian
    return (logp, entropy)
  }
}

/// A PPO learner for environments with discrete actions (`Int`) or continuous ones (through `continuousStep`).
public final class PPOAgent {
  public let config: PPOConfig
  public let net: ActorCritic
  public let optimizer: Adam
  let parameters: [Tensor]
  /// Backward with the gradients averaged over a data-parallel job (plain backward in one process).
  let ddp: DistributedDataParallel
  var rng: PRNG

  /// A fresh agent. In a data-parallel job (after `Distributed.initialize()`) every rank starts from the same
  /// weights (same seed) but samples actions and shuffles minibatches with its own generator.
  public init(observations: Int, actions: Int, continuous: Bool, config: PPOConfig) {
    Random.seed(config.seed)
    self.config = config
    net = ActorCritic(observations: observations, actions: actions, hidden: config.hidden, continuous: continuous)
    optimizer = Adam(net.namedParameters(), learningRate: config.learningRate, eps: 1e-5)
    parameters = optimizer.namedParameters.map(\.1)
    ddp = DistributedDataParallel(parameters)
    rng = PRNG(seed: config.seed &+ 7 &+ UInt64(Distributed.rank) &* 1_000_003)
  }

  /// Samples (or, when `greedy`, picks the mode of) the policy: discrete index, or continuous action vector.
  public func act(_ obs: [Float], greedy: Bool = false) -> (discrete: Int, continuous: [Float]) {
    let out = noGrad { net.actor(Tensor(obs, shape: [1, obs.count])) }.toArray()
    if net.continuous {
      if greedy { return (0, out) }
      let std = net.logStd.toArray().map { Float(_exp(Double($0))) }
      return (0, zip(out, std).map { $0 + $1 * rng.nextNormal() })
    }
    if greedy { return (out.indices.max { out[$0] < out[$1] } ?? 0, []) }
    let m = out.max() ?? 0
    let e = out.map { Float(_exp(Double($0 - m))) }
    var u = rng.nextUniform() * e.reduce(0, +)
    for (i, v) in e.enumerated() {
      u -= v
      if u <= 0 { return (i, []) }
    }
    return (out.count - 1, [])
  }

  func value(_ obs: [Float]) -> Float { noGrad { net.critic(Tensor(obs, shape: [1, obs.count])) }.item }

  /// One PPO update from a rollout; returns the mean clipped-surrogate loss of the last epoch. In a data-parallel
  /// job each rank updates from its own rollout (same size, so the same number of minibatches everywhere) and
  /// every minibatch gradient is averaged over the ranks before clipping.
  @discardableResult
  func update(
    obs: [Float], width: Int, discrete: [Int], continuous: [Float], logp old: [Float], advantages: [Float],
    returns: [Float]
  ) -> Float {
    let n = advantages.count
    let mean = advantages.reduce(0, +) / Float(n)
    let std = (advantages.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)).squareRoot() + 1e-8
    let adv = advantages.map { ($0 - mean) / std }
    var lastLoss: Float = 0
    for _ in 0..<config.epochs {
      var order = Array(0..<n)
      order.shuffle(using: &rng)
      var start = 0
      while start < n {
        let idx = Array(order[start..<min(start + config.minibatch, n)])
        start += config.minibatch
        let b = idx.count
        let x = Tensor(idx.flatMap { obs[($0 * width)..<(($0 + 1) * width)] }, shape: [b, width])  // (B, O)
        let a = idx.map { discrete.isEmpty ? 0 : discrete[$0] }
        let ac: Tensor? =
          net.continuous
          ? Tensor(idx.flatMap { continuous[($0 * net.actions)..<(($0 + 1) * net.actions)] }, shape: [b, net.actions])
          : nil
        let (logp, entropy) = net.logProbAndEntropy(x, discrete: a, continuous: ac)
        let ratio = (logp - Tensor(idx.map { old[$0] })).exp()  // (B)
        let advB = Tensor(idx.map { adv[$0] })
        let clipped = ratio.clamped(min: 1 - config.clip, max: 1 + config.clip)
        // min(r·A, clip(r)·A) = −max(−r·A, −clip(r)·A); computed elementwise through a mask.
        let s1 = ratio * advB
        let s2 = clipped * advB
        let useFirst = Tensor(zip(s1.toArray(), s2.toArray()).map { $0 <= $1 ? 1 : 0 })
        let surrogate = s1 * useFirst + s2 * (1 - useFirst)
        let v = net.critic(x).reshaped([b])  // (B)
        let valueLoss = v.mseLoss(targets: Tensor(idx.map { returns[$0] }))
        let loss = -surrogate.mean() + config.valueCoef * valueLoss - config.entropyCoef * entropy
        optimizer.zeroGrad()
        ddp.backward(loss)
        clipGradNorm(parameters, maxNorm: config.gradClip)
        optimizer.step()
        lastLoss = loss.item
      }
    }
    return lastLoss
  }
}

/// PPO training as rollouts for `TrainingRun`: each `rollout()` collects `config.rolloutSteps` environment steps,
/// computes GAE(λ) advantages and runs the clipped-objective update.
public final class PPOTrainer<E: Environment> {
  public let agent: PPOAgent
  public private(set) var env: E
  private let act: (inout E, (discrete: Int, continuous: [Float])) -> StepResult
  private var obs: [Float]
  private var episodeReturn = 0.0
  private var episode = 0
  /// Environment steps taken so far.
  public private(set) var steps = 0

  /// Discrete actions: the environment's own `step`.
  public convenience init(_ agent: PPOAgent, env: E) where E.Action == Int {
    self.init(agent, env: env) { e, a in e.step(a.discrete) }
  }

  /// Any action space: `act(env, action)` applies an action (continuous control uses its vector).
  public init(_ agent: PPOAgent, env: E, act: @escaping (inout E, (discrete: Int, continuous: [Float])) -> StepResult) {
    (self.agent, self.env, self.act) = (agent, env, act)
    obs = self.env.reset(seed: Self.episodeSeed(0, agent.config.seed))
  }

  /// The reset seed of this rank's episode `k`: ranks of a data-parallel job play different episodes.
  private static func episodeSeed(_ k: Int, _ seed: UInt64) -> UInt64 {
    seed &+ UInt64(k) &+ UInt64(Distributed.rank) &* 0x9E37_79B9
  }

  /// Environment steps per rollout over all ranks.
  public var stepsPerRollout: Int { agent.config.rolloutSteps * Distributed.worldSize }

  /// One rollout and update; returns the mean return of the episodes that ended in it (nil when none did) and the
  /// update's loss. In a data-parallel job every rank collects its own rollout; the mean return and the loss are
  /// over all ranks.
  public func rollout() -> (meanReturn: Double?, loss: Double) {
    let c = agent.config
    let width = obs.count
    var buffer = Rollout()
    var recent: [Double] = []
    for _ in 0..<c.rolloutSteps {
      let a = agent.act(obs)
      let (logp, _) = noGrad {
        agent.net.logProbAndEntropy(
          Tensor(obs, shape: [1, width]), discrete: [a.discrete],
          continuous: agent.net.continuous ? Tensor(a.continuous, shape: [1, a.continuous.count]) : nil)
      }
      buffer.obs += obs
      buffer.discrete.append(a.discrete)
      buffer.continuous += a.continuous
      buffer.logp.append(logp.toArray()[0])
      buffer.values.append(agent.value(obs))
      let r = act(&env, a)
      buffer.rewards.append(Float(r.reward))
      episodeReturn += r.reward
      obs = r.observation
      var terminal: Float = 0
      if r.terminated || r.truncated {
        terminal = 1
        // Truncation: bootstrap from the value of the last observation.
        if r.truncated && !r.terminated { buffer.rewards[buffer.rewards.count - 1] += c.gamma * agent.value(obs) }
        recent.append(episodeReturn)
        episodeReturn = 0
        episode += 1
        obs = env.reset(seed: Self.episodeSeed(episode, c.seed))
      }
      buffer.dones.append(terminal)
    }
    steps += stepsPerRollout
    let adv = buffer.advantages(lastValue: agent.value(obs), gamma: c.gamma, lambda: c.lambda)
    let returns = zip(adv, buffer.values).map { $0 + $1 }
    agent.optimizer.learningRate = c.learningRate * max(0.05, 1 - Float(steps) / Float(c.totalSteps))
    let loss = agent.update(
      obs: buffer.obs, width: width, discrete: agent.net.continuous ? [] : buffer.discrete,
      continuous: buffer.continuous, logp: buffer.logp, advantages: adv, returns: returns)
    var sums = [recent.reduce(0, +), Double(recent.count), Double(loss)]
    if Distributed.worldSize > 1 {
      do { try Distributed.allreduceSum(&sums) } catch { Distributed.abort("\(error)") }
      sums[2] /= Double(Distributed.worldSize)
    }
    return (sums[1] == 0 ? nil : sums[0] / sums[1], sums[2])
  }
}

/// One rollout's transitions.
private struct Rollout {
  var obs: [Float] = []
  var discrete: [Int] = []
  var continuous: [Float] = []
  var logp: [Float] = []
  var rewards: [Float] = []
  var values: [Float] = []
  var dones: [Float] = []

  /// GAE(λ) advantages, bootstrapping the last step from `lastValue`.
  func advantages(lastValue: Float, gamma: Float, lambda: Float) -> [Float] {
    let n = rewards.count
    var adv = [Float](repeating: 0, count: n)
    var gae: Float = 0
    for t in stride(from: n - 1, through: 0, by: -1) {
      let nextValue = t == n - 1 ? lastValue : values[t + 1]
      let delta = rewards[t] + gamma * nextValue * (1 - dones[t]) - values[t]
      gae = delta + gamma * lambda * (1 - dones[t]) * gae
      adv[t] = gae
    }
    return adv
  }
}

@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }

#if canImport(Glibc)
  import Glibc
#endif

extension PPOConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before the networks are built.
  public func validate() throws {
    try checkField("hidden", hidden.count, in: 1...16)
    for h in hidden { try checkField("hidden", h, in: 1...16384) }
    try checkField("rolloutSteps", rolloutSteps, in: 1...10_000_000)
    try checkField("minibatch", minibatch, in: 1...10_000_000)
    try checkField("epochs", epochs, in: 1...10_000)
  }
}
