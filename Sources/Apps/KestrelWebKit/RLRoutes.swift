import Environments
import Foundation
import Hummingbird
import RLKit

/// The first line of `/api/rl/episode`: the track to draw.
struct TrackMessage: Encodable {
  let type = "track"
  let name: String
  let width: Double
  /// Centre line and both edges as [[x, y]] in metres.
  let centre: [[Double]]
  let left: [[Double]]
  let right: [[Double]]
  let rays: Int
  let rayRange: Double
  let agent: String
  let seed: UInt64

  enum CodingKeys: String, CodingKey {
    case type, name, width, centre, left, right, rays, agent, seed
    case rayRange = "ray_range"
  }
}

/// One step of the car: pose, speed, ray distances, reward of the step, laps so far.
struct StepMessage: Encodable {
  let type = "step"
  let step: Int
  let x: Double
  let y: Double
  let heading: Double
  let speed: Double
  let rays: [Double]
  let reward: Double
  let laps: Int
}

/// The last line: how the episode ended.
struct DoneMessage: Encodable {
  let type = "done"
  let laps: Int
  let steps: Int
  let seconds: Double
  let `return`: Double
  let crashed: Bool
}

/// An episode in progress, touched only on the engine queue.
final class EpisodeState {
  var env: TrackSet
  var observation: [Float]
  var total = 0.0
  var done = false

  init(track: Track, seed: UInt64) {
    env = TrackSet(tracks: [track], procedural: false)
    observation = env.reset(seed: seed)
  }

  /// Up to `n` greedy steps of `policy`, as NDJSON lines.
  func advance(_ n: Int, _ policy: Policy) -> [StepMessage] {
    var out: [StepMessage] = []
    for _ in 0..<n where !done {
      let r = policy.step(&env, observation)
      observation = r.observation
      total += r.reward
      done = r.terminated || r.truncated
      let car = env.current
      out.append(
        StepMessage(
          step: car.steps, x: car.position.x, y: car.position.y, heading: car.heading, speed: car.speed,
          rays: car.rayDistances, reward: r.reward, laps: car.laps))
    }
    return out
  }
}

/// `/api/rl/gridworld`: the default map and value iteration sweep by sweep.
struct GridMessage: Encodable {
  let width: Int
  let height: Int
  /// One character per cell, rows top to bottom: `.` open, `#` wall, `X` cliff, `G` goal, `S` start.
  let cells: String
  let discount: Double
  /// V after sweep k (k = 1…), one value per cell.
  let sweeps: [[Double]]
  /// The greedy action per cell after each sweep (0 left, 1 up, 2 right, 3 down).
  let policies: [[Int]]
  /// Sweeps value iteration needs to converge (change below 1e-10).
  let converged: Int
}

/// Encodes one value as a line of NDJSON.
func ndjsonLine(_ value: some Encodable) -> ByteBuffer {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys  // the same episode gives the same bytes
  let json = (try? encoder.encode(value)) ?? Data("{}".utf8)
  var buffer = ByteBuffer(bytes: json)
  buffer.writeString("\n")
  return buffer
}

extension WebServer {
  func addRLRoutes(_ router: Router<WebContext>) {
    // `GET /api/rl/episode?track=&agent=&seed=`: the shipped agent's greedy episode as NDJSON, one state per line.
    router.get("/api/rl/episode") { request, _ -> Response in
      let trackName = try known("track", request.stringQuery("track") ?? "oval", in: self.catalogue.tracks)
      let agentName = try known("agent", request.stringQuery("agent") ?? "dqn", in: self.catalogue.agents)
      let seed = try request.seedQuery("seed", default: 0)
      let start = try await self.withModels { models -> (EngineBound<EpisodeState>, TrackMessage) in
        guard let track = models.tracks[trackName] else { throw APIError.notFound("unknown track '\(trackName)'") }
        let state = EpisodeState(track: track, seed: seed)
        let config = state.env.config
        let message = TrackMessage(
          name: track.name, width: track.width, centre: track.centre.map { [$0.x, $0.y] },
          left: track.left.map { [$0.x, $0.y] }, right: track.right.map { [$0.x, $0.y] }, rays: config.rays,
          rayRange: config.rayRange, agent: agentName, seed: seed)
        return (EngineBound(state), message)
      }
      let (state, header) = start
      let (lines, continuation) = AsyncStream<ByteBuffer>.makeStream()
      let cancelled = CancelFlag()
      continuation.onTermination = { _ in cancelled.raise() }
      continuation.yield(ndjsonLine(header))
      Task {
        while !cancelled.isRaised {
          let slice = try? await self.withModels { models -> ([StepMessage], DoneMessage?) in
            guard let policy = models.agents[agentName] else { return ([], nil) }
            let steps = state.value.advance(200, policy)
            guard state.value.done || steps.isEmpty else { return (steps, nil) }
            let car = state.value.env.current
            let done = DoneMessage(
              laps: car.laps, steps: car.steps, seconds: Double(car.steps) * car.config.dt,
              return: (state.value.total * 10).rounded() / 10, crashed: car.crashed)
            return (steps, done)
          }
          guard let (steps, done) = slice else { break }
          var buffer = ByteBuffer()
          for s in steps { buffer.writeImmutableBuffer(ndjsonLine(s)) }
          continuation.yield(buffer)
          if let done {
            continuation.yield(ndjsonLine(done))
            break
          }
        }
        continuation.finish()
      }
      var headers = HTTPFields()
      headers[.contentType] = "application/x-ndjson"
      headers[.cacheControl] = "no-cache"
      return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: lines))
    }
    // `GET /api/rl/gridworld?sweeps=`: the default gridworld and value iteration's values after each sweep.
    router.get("/api/rl/gridworld") { request, _ -> Response in
      let count = try request.intQuery("sweeps", default: 14, in: 1...100)
      let g = try GridWorld(map: GridWorld.defaultMap, source: "default map")
      var sweeps: [[Double]] = []
      var policies: [[Int]] = []
      for k in 1...count {
        let v = valueIteration(g, tolerance: 0, maxSweeps: k).values
        sweeps.append(v.map { ($0 * 1000).rounded() / 1000 })
        policies.append((0..<g.stateCount).map { greedyAction(g, v, $0) })
      }
      let cells = String(g.cells.map(\.rawValue))
      return jsonResponse(
        GridMessage(
          width: g.width, height: g.height, cells: cells, discount: g.discount, sweeps: sweeps, policies: policies,
          converged: valueIteration(g).sweeps))
    }
  }
}
