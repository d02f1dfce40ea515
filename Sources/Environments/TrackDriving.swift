#if canImport(Glibc)
  import Glibc
#endif

// A top-down car on a closed track: kinematic bicycle model (speed, heading, steering limit), ray sensors over
// the front arc measuring the distance to the track edges, reward for progress along the centre line, and a
// crash (leaving the track) that ends the episode with a penalty. Laps are counted; finishing `lapsToFinish`
// laps ends the episode successfully.
//
// Observation (13): 9 ray distances / range (−90°…+90°), speed / max speed, sin and cos of the heading relative
// to the track direction, lateral offset / half width.

/// Track driving with discrete meta-actions (steer left/straight/right × accelerate/coast/brake) or continuous
/// control (`step(steer:throttle:)`).
public struct TrackDriving: Environment {
  public typealias Action = Int

  /// Physical and episode settings.
  public struct Config: Sendable {
    public var rays = 9
    public var rayRange = 40.0
    public var maxSpeed = 20.0
    public var wheelBase = 2.5
    public var maxSteer = 0.45
    public var acceleration = 5.0
    public var braking = 10.0
    public var dt = 0.1
    public var maxSteps = 3000
    public var crashPenalty = -10.0
    public var lapsToFinish = 3
    public init() {}
  }

  public var track: Track
  public let config: Config
  public private(set) var position = Vec2(0, 0)
  public private(set) var heading = 0.0
  public private(set) var speed = 0.0
  public private(set) var steering = 0.0
  /// Distance travelled along the centre line since reset (negative when driving backwards).
  public private(set) var progress = 0.0
  public private(set) var laps = 0
  public private(set) var steps = 0
  public private(set) var crashed = false
  /// Latest ray distances (metres), for rendering.
  public private(set) var rayDistances: [Double] = []
  private var segment = 0
  private var lastS = 0.0
  private let window: Int

  public init(track: Track, config: Config = Config()) {
    self.track = track
    self.config = config
    let avg = track.length / Double(track.centre.count)
    window = Int(config.rayRange / max(avg, 1e-6)) + 3
    _ = reset(seed: nil)
  }

  public var observationSize: Int { config.rays + 4 }
  public var actionCount: Int { 9 }

  /// Starts at the first centre point, pointing along the track, at rest.
  public mutating func reset(seed: UInt64? = nil) -> [Float] {
    position = track.centre[0]
    let d = track.centre[1] - track.centre[0]
    heading = atan2(d.y, d.x)
    speed = 0
    steering = 0
    progress = 0
    laps = 0
    steps = 0
    crashed = false
    segment = 0
    lastS = 0
    return observe()
  }

  /// Discrete meta-action: steer = [left, straight, right][a / 3], throttle = [accelerate, coast, brake][a % 3].
  public mutating func step(_ action: Int) -> StepResult {
    precondition(action >= 0 && action < 9, "TrackDriving.step: action \(action) is outside 0..<9")
    let steer = [1.0, 0.0, -1.0][action / 3]
    let throttle = [1.0, 0.0, -1.0][action % 3]
    return step(steer: steer, throttle: throttle)
  }

  /// Continuous control: steer and throttle in [−1, 1] (negative throttle brakes).
  public mutating func step(steer: Double, throttle: Double) -> StepResult {
    let c = config
    steering = max(-1, min(1, steer)) * c.maxSteer
    let accel = throttle >= 0 ? min(throttle, 1) * c.acceleration : max(throttle, -1) * c.braking
    // Kinematic bicycle (rear-axle reference), explicit Euler.
    position = position + Vec2(cos(heading), sin(heading)) * (speed * c.dt)
    heading += speed / c.wheelBase * tan(steering) * c.dt
    if heading > .pi { heading -= 2 * .pi }
    if heading < -.pi { heading += 2 * .pi }
    speed = max(0, min(c.maxSpeed, speed + accel * c.dt))
    steps += 1
    let p = track.project(position, hint: segment)
    segment = p.segment
    var ds = p.s - lastS
    if ds < -track.length / 2 { ds += track.length }
    if ds > track.length / 2 { ds -= track.length }
    lastS = p.s
    progress += ds
    laps = max(laps, Int(progress / track.length))
    var reward = ds * 0.1
    var terminated = false
    if abs(p.offset) > track.width / 2 {
      crashed = true
      terminated = true
      reward = c.crashPenalty
    } else if laps >= c.lapsToFinish {
      terminated = true
    }
    return StepResult(
      observation: observe(offset: p.offset), reward: reward, terminated: terminated, truncated: steps >= c.maxSteps)
  }

  private mutating func observe(offset: Double? = nil) -> [Float] {
    let c = config
    var obs = [Float]()
    obs.reserveCapacity(observationSize)
    if rayDistances.count != c.rays { rayDistances = [Double](repeating: 0, count: c.rays) }
    for k in 0..<c.rays {
      rayDistances[k] = castRay(heading + (Double(k) / Double(max(c.rays - 1, 1)) - 0.5) * .pi)
    }
    for d in rayDistances { obs.append(Float(d / c.rayRange)) }
    let n = track.centre.count
    let t = track.centre[(segment + 1) % n] - track.centre[segment]
    let rel = heading - atan2(t.y, t.x)
    let off = offset ?? track.project(position, hint: segment).offset
    obs += [Float(speed / c.maxSpeed), Float(sin(rel)), Float(cos(rel)), Float(off / (track.width / 2))]
    return obs
  }

  /// Distance along `angle` to the nearest track edge within range. Only edge segments from a few behind the car
  /// to `window` ahead are tested: the rays cover the front half-plane.
  func castRay(_ angle: Double) -> Double {
    let d = Vec2(cos(angle), sin(angle))
    let best = nearestHit(track.left, d, config.rayRange)
    return nearestHit(track.right, d, best)
  }

  @inline(__always)
  private func nearestHit(_ edge: [Vec2], _ d: Vec2, _ limit: Double) -> Double {
    var best = limit
    let n = edge.count
    var i = ((segment - 3) % n + n) % n
    for _ in 0..<(window + 4) {
      let j = i + 1 == n ? 0 : i + 1
      let a = edge[i]
      let e = edge[j] - a
      let denom = d.cross(e)
      if abs(denom) > 1e-12 {
        let ap = a - position
        let t = ap.cross(e) / denom  // along the ray
        let u = ap.cross(d) / denom  // along the edge segment
        if t >= 0 && t < best && u >= 0 && u <= 1 { best = t }
      }
      i = j
    }
    return best
  }
}
