import Engine
import Environments

// Deep Q-learning (Mnih et al. 2015) with a replay buffer, a target network (hard copy every `targetUpdate`
// updates), Double DQN targets (van Hasselt et al. 2016), Huber loss, Adam and a linear ε schedule.
// Legend: B = batch, O = observation size, A = actions.

/// DQN hyper-parameters (Codable: stored in checkpoints).
public struct DQNConfig: Codable, Sendable, Equatable {
  public var hidden = [128, 128]
  public var learningRate: Float = 1e-3
  public var gamma: Float = 0.99
  public var batchSize = 64
  public var bufferSize = 50_000
  public var learningStarts = 1_000
  public var trainEvery = 1
  public var targetUpdate = 500
  public var epsilonStart: Float = 1
  public var epsilonEnd: Float = 0.02
  public var epsilonDecaySteps = 10_000
  public var doubleDQN = true
  public var totalSteps = 60_000
  public var gradClip: Float = 10
  public var seed: UInt64 = 0
  public init() {}

  /// ε after `step` environment steps.
  public func epsilon(at step: Int) -> Float {
    let f = min(Float(step) / Float(max(epsilonDecaySteps, 1)), 1)
    return epsilonStart + f * (epsilonEnd - epsilonStart)
  }
}

/// An MLP mapping observations (B, O) to action values (B, A).
public final class QNetwork: Module, Layer {
  public let net: Sequential
  public init(observations: Int, actions: Int, hidden: [Int]) {
    var layers: [any Layer] = []
    var width = observations
    for h in hidden {
      layers += [Linear(width, h), ReLU()]
      width = h
    }
    layers.append(Linear(width, actions))
    net = Sequential(layers)
  }
  public func callAsFunction(_ input: Tensor) -> Tensor { net(input) }
}

/// A fixed-size ring buffer of transitions (s, a, r, s', done).
public final class ReplayBuffer {
  let capacity: Int
  let width: Int
  var observations: [Float]
  var next: [Float]
  var actions: [Int]
  var rewards: [Float]
  var dones: [Float]
  public private(set) var count = 0
  var cursor = 0

  public init(capacity: Int, observationSize: Int) {
    self.capacity = capacity
    width = observationSize
    observations = [Float](repeating: 0, count: capacity * observationSize)
    next = observations
    actions = [Int](repeating: 0, count: capacity)
    rewards = [Float](repeating: 0, count: capacity)
    dones = [Float](repeating: 0, count: capacity)
  }

  public func add(_ s: [Float], _ a: Int, _ r: Float, _ s2: [Float], done: Bool) {
    let o = cursor * width
    for j in 0..<width {
      observations[o + j] = s[j]
      next[o + j] = s2[j]
    }
    (actions[cursor], rewards[cursor], dones[cursor]) = (a, r, done ? 1 : 0)
    cursor = (cursor + 1) % capacity
    count = min(count + 1, capacity)
  }

  /// The buffer's contents as tensors (for checkpoints): observations, next observations (count, O), actions,
  /// rewards and done flags (count).
  public func tensors() -> [String: Tensor] {
    [
      "replay.observations": Tensor(Array(observations[0..<(count * width)]), shape: [count, width]),
      "replay.next": Tensor(Array(next[0..<(count * width)]), shape: [count, width]),
      "replay.actions": Tensor(actions[0..<count].map { Float($0) }),
      "replay.rewards": Tensor(Array(rewards[0..<count])),
      "replay.dones": Tensor(Array(dones[0..<count])),
    ]
  }

  /// Refills the buffer from `tensors()` output; returns false when they are absent or of another width.
  @discardableResult
  public func load(_ t: [String: Tensor]) -> Bool {
    guard let o = t["replay.observations"], let n = t["replay.next"], let a = t["replay.actions"],
      let r = t["replay.rewards"], let d = t["replay.dones"], o.rank == 2, o.shape[1] == width
    else { return false }
    let (ov, nv, av, rv, dv) = (o.toArray(), n.toArray(), a.toArray(), r.toArray(), d.toArray())
    let m = min(o.shape[0], capacity)
    count = 0
    cursor = 0
    for i in 0..<m {
      add(
        Array(ov[(i * width)..<((i + 1) * width)]), Int(av[i]), rv[i], Array(nv[(i * width)..<((i + 1) * width)]),
        done: dv[i] != 0)
    }
    return true
  }

  /// A uniform random batch: s (B, O), a (B), r (B), s' (B, O), not-done (B).
  public func sample(_ b: Int, _ rng: inout PRNG) -> (Tensor, [Int], Tensor, Tensor, Tensor) {
    var s = [Float](repeating: 0, count: b * width)
    var s2 = s
    var a = [Int](repeating: 0, count: b)
    var r = [Float](repeating: 0, count: b)
    var nd = [Float](repeating: 0, count: b)
    for k in 0..<b {
      let i = rng.nextInt(count)
      for j in 0..<width {
        s[k * width + j] = observations[i * width + j]
        s2[k * width + j] = next[i * width + j]
      }
      (a[k], r[k], nd[k]) = (actions[i], rewards[i], 1 - dones[i])
    }
    return (Tensor(s, shape: [b, width]), a, Tensor(r), Tensor(s2, shape: [b, width]), Tensor(nd))
  }
}

/// A DQN agent: online and target networks, optimizer, replay buffer.
public final class DQNAgent {
  public let config: DQNConfig
  public let online: QNetwork
  public let target: QNetwork
  public let optimizer: Adam
  public let buffer: ReplayBuffer
  public let actionCount: Int
  var rng: PRNG
  public private(set) var updates = 0
  /// The online network's parameters, gathered once (reflection is too slow for every update).
  let parameters: [Tensor]

  public init(observations: Int, actions: Int, config: DQNConfig) {
    Random.seed(config.seed)
    self.config = config
    actionCount = actions
    online = QNetwork(observations: observations, actions: actions, hidden: config.hidden)
    target = QNetwork(observations: observations, actions: actions, hidden: config.hidden)
    try? target.loadStateDict(online.stateDict())
    optimizer = Adam(online.namedParameters(), learningRate: config.learningRate)
    parameters = optimizer.namedParameters.map(\.1)
    buffer = ReplayBuffer(capacity: config.bufferSize, observationSize: observations)
    rng = PRNG(seed: config.seed &+ 1)
  }

  /// Greedy action (ε = 0) or ε-greedy.
  public func act(_ observation: [Float], epsilon: Float = 0) -> Int {
    if epsilon > 0 && rng.nextUniform() < epsilon { return rng.nextInt(actionCount) }
    let q = noGrad { online(Tensor(observation, shape: [1, observation.count])) }.toArray()
    return q.indices.max { q[$0] < q[$1] } ?? 0
  }

  /// One gradient step on a replay batch; returns the Huber loss.
  @discardableResult
  public func update() -> Float {
    let (s, a, r, s2, notDone) = buffer.sample(config.batchSize, &rng)
    let next: Tensor = noGrad {
      let qt = target(s2)  // (B, A)
      if config.doubleDQN {
        let choice = online(s2).argmax(axis: -1)
        return qt.gather(columns: choice)  // (B)
      }
      return qt.max(axis: 1).values
    }
    let y = noGrad { r + config.gamma * notDone * next }  // (B)
    let loss = online(s).gather(columns: a).huberLoss(targets: y)
    optimizer.zeroGrad()
    loss.backward()
    clipGradNorm(parameters, maxNorm: config.gradClip)
    optimizer.step()
    updates += 1
    if updates % config.targetUpdate == 0 { try? target.loadStateDict(online.stateDict()) }
    return loss.item
  }
}

/// Greedy returns over `episodes` episodes (seeded resets); `afterEpisode` sees the environment at each episode's
/// end (laps, crashes).
public func evaluateAgent<E: Environment>(
  _ agent: DQNAgent, _ env: inout E, episodes: Int, seed: UInt64, maxSteps: Int = 100_000,
  afterEpisode: (E) -> Void = { _ in }
) -> [Double] where E.Action == Int {
  (0..<episodes).map { k in
    var obs = env.reset(seed: seed &+ UInt64(k))
    var total = 0.0
    for _ in 0..<maxSteps {
      let r = env.step(agent.act(obs))
      total += r.reward
      obs = r.observation
      if r.terminated || r.truncated { break }
    }
    afterEpisode(env)
    return total
  }
}

/// DQN training as single environment steps for `TrainingRun`: ε-greedy exploration, the replay buffer, the
/// learning-rate decay and periodic greedy evaluation (`evaluate`); `best` holds the weights of the best evaluation.
public final class DQNTrainer<E: Environment> where E.Action == Int {
  public let agent: DQNAgent
  public private(set) var env: E
  private var evalEnv: E
  public let evalEpisodes: Int
  /// The weights of the best greedy evaluation so far, and its mean return.
  public private(set) var best: (weights: [String: Tensor], score: Double)
  /// Returns of the episodes finished since the last evaluation.
  public private(set) var recent: [Double] = []
  private var obs: [Float]
  private var episodeReturn = 0.0
  private var episode = 0

  /// A trainer over `env` (reset with the config's seed); `evalEnv` is for greedy evaluation.
  public init(_ agent: DQNAgent, env: E, evalEnv: E, evalEpisodes: Int = 10) {
    (self.agent, self.env, self.evalEnv, self.evalEpisodes) = (agent, env, evalEnv, evalEpisodes)
    obs = self.env.reset(seed: agent.config.seed)
    best = (agent.online.stateDict().mapValues { $0.copy() }, -.infinity)
  }

  /// Environment step `s + 1`: act, store the transition, and update the online network when due. Returns the
  /// update's loss (0 before learning starts) and the episode return when an episode ended.
  public func step(_ s: Int) -> (loss: Double, finished: Double?) {
    let c = agent.config
    let step = s + 1
    let a = agent.act(obs, epsilon: c.epsilon(at: step))
    let r = env.step(a)
    agent.buffer.add(obs, a, Float(r.reward), r.observation, done: r.terminated)
    episodeReturn += r.reward
    obs = r.observation
    var finished: Double? = nil
    if r.terminated || r.truncated {
      finished = episodeReturn
      recent.append(episodeReturn)
      episodeReturn = 0
      episode += 1
      obs = env.reset(seed: c.seed &+ UInt64(episode))
    }
    var loss: Float = 0
    if step >= c.learningStarts && step % c.trainEvery == 0 {
      // Linear learning-rate decay to 10 % of the start: late updates refine instead of unlearning.
      agent.optimizer.learningRate = c.learningRate * (1 - 0.9 * Float(step) / Float(c.totalSteps))
      loss = agent.update()
    }
    return (Double(loss), finished)
  }

  /// The greedy policy's mean return over `evalEpisodes` seeded episodes after `step` steps; keeps the best
  /// weights (ties go to the later evaluation). Clears `recent`.
  public func evaluate(step: Int) -> Double {
    let scores = evaluateAgent(agent, &evalEnv, episodes: evalEpisodes, seed: 1_000_000 &+ UInt64(step))
    let mean = scores.reduce(0, +) / Double(scores.count)
    if mean >= best.score { best = (agent.online.stateDict().mapValues { $0.copy() }, mean) }
    recent.removeAll()
    return mean
  }
}

extension DQNConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before the network is built.
  public func validate() throws {
    try checkField("hidden", hidden.count, in: 1...16)
    for h in hidden { try checkField("hidden", h, in: 1...16384) }
    try checkField("gamma", gamma, in: 0...1)
  }
}
