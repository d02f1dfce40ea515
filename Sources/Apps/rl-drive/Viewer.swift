import AppSupport
import ArgumentParser
import Datasets
import Engine
import EnvironmentRendering
import Environments
import Foundation
import RLKit

/// Runs the agent in a window (or headless with `--record`): space pauses, +/− change the speed, r resets,
/// the arrows take over the car, q or Esc quits. With `record`, every `recordEvery`-th frame is written as PNG.
func watchTrack(
  policy: Policy, env startEnv: TrackSet, seed: UInt64, record: String?, recordEvery: Int, maxFrames: Int?
) throws {
  var env = startEnv
  let display = ProcessInfo.processInfo.environment["DISPLAY"].map { !$0.isEmpty } ?? false
  let headless = !display
  if headless && record == nil {
    throw AppError("no display ($DISPLAY is unset): add --record DIR to write the frames as PNG, or run under Xvfb")
  }
  let window = try Window(title: "Kestrel rl-drive", width: 960, height: 640, headless: headless)
  var obs = env.reset(seed: seed)
  var view = Viewport(track: env.current.track, width: window.width, height: window.height)
  var (episode, total, frame, stepsPerFrame, paused) = (1, 0.0, 0, 1, false)
  var fps = 0.0
  var last = monotonicSeconds()
  if let record { mkdir(record, 0o755) }
  while maxFrames.map({ frame < $0 }) ?? true {
    for key in window.events() {
      switch key {
      case .quit: return
      case .pause: paused.toggle()
      case .faster: stepsPerFrame = min(stepsPerFrame * 2, 64)
      case .slower: stepsPerFrame = max(stepsPerFrame / 2, 1)
      case .reset:
        obs = env.reset(seed: seed &+ UInt64(episode))
        total = 0
      default: break
      }
    }
    if !paused {
      let held = window.held()
      for _ in 0..<stepsPerFrame {
        var r: StepResult
        if held.isEmpty {
          r = policy.step(&env, obs)
        } else {  // human takeover
          let steer = held.contains(.left) ? 1.0 : (held.contains(.right) ? -1.0 : 0)
          let throttle = held.contains(.up) ? 1.0 : (held.contains(.down) ? -1.0 : 0)
          var car = env.current
          r = car.step(steer: steer, throttle: throttle)
          env = env.replacingCurrent(car)
        }
        total += r.reward
        obs = r.observation
        if r.terminated || r.truncated {
          if headless { return try finishRecording(record, frame) }
          episode += 1
          obs = env.reset(seed: seed &+ UInt64(episode))
          view = Viewport(track: env.current.track, width: window.width, height: window.height)
          total = 0
          break
        }
      }
    }
    let car = env.current
    let now = monotonicSeconds()
    fps = 0.9 * fps + 0.1 / max(now - last, 1e-6)
    last = now
    let hud =
      "EP \(episode)  STEP \(car.steps)  RETURN \(fixed(total, 1))  SPEED \(fixed(car.speed * 3.6, 0)) KM/H  LAPS \(car.laps)  FPS \(Int(fps))"
    drawTrack(car, in: window, viewport: view, hud: hud)
    window.present()
    if let record, frame % recordEvery == 0 {
      let px = try window.readPixels()
      try Image(width: window.width, height: window.height, channels: 3, pixels: px)
        .writePNG(to: "\(record)/frame-\(String(100_000 + frame).dropFirst()).png")
    }
    frame += 1
    if !headless { window.delay(milliseconds: 16) }
  }
  try finishRecording(record, frame)
}

private func finishRecording(_ record: String?, _ frames: Int) throws {
  if let record { printLine("Wrote frames to \(record) (\(frames) frames)") }
}

/// Shows value iteration sweep by sweep, then Q-learning's greedy values as it learns (or records the frames).
func watchGrid(_ g: GridWorld, record: String?, episodes: Int) throws {
  let display = ProcessInfo.processInfo.environment["DISPLAY"].map { !$0.isEmpty } ?? false
  if !display && record == nil {
    throw AppError("no display ($DISPLAY is unset): add --record DIR to write the frames as PNG, or run under Xvfb")
  }
  let window = try Window(title: "Kestrel gridworld", width: 500, height: 530, headless: !display)
  if let record { mkdir(record, 0o755) }
  var frame = 0
  func show(_ v: [Double], _ policy: [Int]?, _ hud: String) throws {
    if window.events().contains(.quit) { throw ExitCode.success }
    drawGrid(g, values: v, policy: policy, agent: g.start, in: window, hud: hud)
    window.present()
    if let record {
      try Image(width: window.width, height: window.height, channels: 3, pixels: try window.readPixels())
        .writePNG(to: "\(record)/grid-\(String(100_000 + frame).dropFirst()).png")
    }
    frame += 1
    if display { window.delay(milliseconds: 120) }
  }
  for sweeps in 1...14 {
    let (v, _) = valueIteration(g, tolerance: 0, maxSweeps: sweeps)
    try show(
      v, g.decisionStates.isEmpty ? nil : (0..<g.stateCount).map { greedyAction(g, v, $0) },
      "VALUE ITERATION SWEEP \(sweeps)")
  }
  var config = TDConfig()
  for k in stride(from: 100, through: episodes, by: 100) {
    config.episodes = k
    let (q, _) = temporalDifference(g, config: config)
    let v = (0..<g.stateCount).map { s in (0..<4).map { q[s * 4 + $0] }.max() ?? 0 }
    try show(v, greedyPolicy(q, states: g.stateCount), "Q-LEARNING EPISODE \(k)")
  }
  if let record { printLine("Wrote \(frame) frames to \(record)") }
}
