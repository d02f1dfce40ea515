import ArgumentParser
import Engine
import Environments

/// Headless environment speed: CartPole (as W8's Gymnasium rows: random actions, reset inside the timed loop)
/// and track driving with 9 ray sensors; one repetition = 20,000 steps.
struct EnvSpeed: Workload {
  static let configuration = CommandConfiguration(
    commandName: "env", abstract: "Environment steps/s: CartPole and track driving (random actions).")
  @OptionGroup var options: BenchOptions

  func measure(_ rep: Reporter) throws {
    let steps = 20_000
    var rng = SplitMix(seed: 0)
    var cart = CartPole()
    _ = cart.reset(seed: 0)
    var episodes = 0
    let cartTimes = timeReps(reps: options.reps, warmup: options.warmup) {
      for _ in 0..<steps {
        let r = cart.step(rng.int(2))
        if r.terminated || r.truncated {
          episodes += 1
          _ = cart.reset(seed: UInt64(episodes))
        }
      }
    }
    rep.add(
      "kestrel CartPole", "CartPole-v1 env steps/s (random actions)", "step/s", work: Double(steps), times: cartTimes)
    var track = TrackDriving(track: .procedural(seed: 1))
    // Mostly forward, some steering: random actions biased to accelerate-straight so episodes are not all crashes.
    let trackTimes = timeReps(reps: options.reps, warmup: options.warmup) {
      for _ in 0..<steps {
        let a = rng.int(4) == 0 ? rng.int(9) : 3
        let r = track.step(a)
        if r.terminated || r.truncated { _ = track.reset(seed: nil) }
      }
    }
    rep.add(
      "kestrel track driving", "track env steps/s (9 rays, random actions)", "step/s", work: Double(steps),
      times: trackTimes)
    try rep.finish()
  }

  static let workload = "W8 DQN"
}
