import Environments

// Tabular dynamic programming and TD control for `GridWorld` (Sutton & Barto ch. 4 and 6).
// V(s) = max_a [r(s, a) + γ V(s')] with V(goal) = 0 (terminal); walls are never occupied.

/// Value iteration until the largest change is below `tolerance`; returns V and the sweeps used.
public func valueIteration(
  _ g: GridWorld, tolerance: Double = 1e-10, maxSweeps: Int = 10_000
) -> (values: [Double], sweeps: Int) {
  var v = [Double](repeating: 0, count: g.stateCount)
  for sweep in 1...maxSweeps {
    var delta = 0.0
    for s in g.decisionStates {
      var best = -Double.infinity
      for a in 0..<4 {
        let t = g.transition(s, a)
        best = max(best, t.reward + (t.terminal ? 0 : g.discount * v[t.next]))
      }
      delta = max(delta, abs(best - v[s]))
      v[s] = best
    }
    if delta < tolerance { return (v, sweep) }
  }
  return (v, maxSweeps)
}

/// The action maximising r + γV(s') (first on ties).
public func greedyAction(_ g: GridWorld, _ v: [Double], _ s: Int) -> Int {
  var best = 0
  var bestValue = -Double.infinity
  for a in 0..<4 {
    let t = g.transition(s, a)
    let q = t.reward + (t.terminal ? 0 : g.discount * v[t.next])
    if q > bestValue + 1e-12 {
      bestValue = q
      best = a
    }
  }
  return best
}

/// Exact value of a deterministic policy: solves (I − γP_π) V = r_π by Gaussian elimination.
public func evaluatePolicy(_ g: GridWorld, _ policy: [Int]) -> [Double] {
  let states = g.decisionStates
  var index = [Int: Int]()
  for (k, s) in states.enumerated() { index[s] = k }
  let n = states.count
  var a = [Double](repeating: 0, count: n * n)
  var b = [Double](repeating: 0, count: n)
  for (k, s) in states.enumerated() {
    let t = g.transition(s, policy[s])
    a[k * n + k] += 1
    b[k] = t.reward
    if !t.terminal, let j = index[t.next] { a[k * n + j] -= g.discount }
  }
  // Gaussian elimination with partial pivoting.
  for col in 0..<n {
    var pivot = col
    for r in (col + 1)..<max(n, col + 1) where abs(a[r * n + col]) > abs(a[pivot * n + col]) { pivot = r }
    if pivot != col {
      for c in 0..<n { a.swapAt(col * n + c, pivot * n + c) }
      b.swapAt(col, pivot)
    }
    let d = a[col * n + col]
    for r in 0..<n where r != col && a[r * n + col] != 0 {
      let f = a[r * n + col] / d
      for c in col..<n { a[r * n + c] -= f * a[col * n + c] }
      b[r] -= f * b[col]
    }
  }
  var v = [Double](repeating: 0, count: g.stateCount)
  for (k, s) in states.enumerated() { v[s] = b[k] / a[k * n + k] }
  return v
}

/// Policy iteration with exact evaluation; returns the optimal values and policy.
public func policyIteration(
  _ g: GridWorld, maxIterations: Int = 1000
) -> (values: [Double], policy: [Int], iterations: Int) {
  var policy = [Int](repeating: 0, count: g.stateCount)
  for it in 1...maxIterations {
    let v = evaluatePolicy(g, policy)
    var stable = true
    for s in g.decisionStates {
      let a = greedyAction(g, v, s)
      let t0 = g.transition(s, policy[s])
      let t1 = g.transition(s, a)
      let q0 = t0.reward + (t0.terminal ? 0 : g.discount * v[t0.next])
      let q1 = t1.reward + (t1.terminal ? 0 : g.discount * v[t1.next])
      if q1 > q0 + 1e-12 {
        policy[s] = a
        stable = false
      }
    }
    if stable { return (v, policy, it) }
  }
  return (evaluatePolicy(g, policy), policy, maxIterations)
}

/// Settings for Q-learning and SARSA.
public struct TDConfig: Sendable {
  public var episodes = 3000
  public var alpha = 0.5
  public var epsilon = 0.2
  /// Start each episode in a random non-terminal cell (exploring starts) instead of S.
  public var exploringStarts = true
  public var seed: UInt64 = 0
  public init() {}
}

/// Q-learning (off-policy TD control) or SARSA (on-policy, `sarsa: true`) with ε-greedy behaviour.
/// Returns Q (stateCount × 4) and the return of each episode.
public func temporalDifference(
  _ g: GridWorld, sarsa: Bool = false, config c: TDConfig
) -> (q: [Double], returns: [Double]) {
  var env = g
  var q = [Double](repeating: 0, count: g.stateCount * 4)
  var rng = SplitMix(seed: c.seed)
  let starts = g.decisionStates
  func policy(_ s: Int) -> Int {
    if rng.uniform(0, 1) < c.epsilon { return rng.int(4) }
    var best = 0
    for a in 1..<4 where q[s * 4 + a] > q[s * 4 + best] { best = a }
    return best
  }
  var returns: [Double] = []
  for _ in 0..<c.episodes {
    _ = env.reset()
    var s = c.exploringStarts ? starts[rng.int(starts.count)] : g.start
    var a = policy(s)
    var total = 0.0
    for _ in 0..<g.maxSteps {
      let t = g.transition(s, a)
      total += t.reward
      let a2 = policy(t.next)
      var target = t.reward
      if !t.terminal {
        let next = sarsa ? q[t.next * 4 + a2] : (0..<4).map { q[t.next * 4 + $0] }.max() ?? 0
        target += g.discount * next
      }
      q[s * 4 + a] += c.alpha * (target - q[s * 4 + a])
      if t.terminal { break }
      (s, a) = (t.next, a2)
    }
    returns.append(total)
  }
  return (q, returns)
}

/// The greedy policy of a Q table.
public func greedyPolicy(_ q: [Double], states: Int) -> [Int] {
  (0..<states).map { s in (0..<4).max { q[s * 4 + $0] < q[s * 4 + $1] } ?? 0 }
}
