import Environments

#if canImport(Glibc)
  import Glibc
#endif

/// Colours of the viewers.
public enum Palette {
  public static let grass: (UInt8, UInt8, UInt8) = (34, 110, 50)
  public static let asphalt: (UInt8, UInt8, UInt8) = (90, 90, 96)
  public static let edge: (UInt8, UInt8, UInt8) = (240, 240, 240)
  public static let car: (UInt8, UInt8, UInt8) = (220, 30, 30)
  public static let ray: (UInt8, UInt8, UInt8) = (250, 220, 60)
}

/// Maps track coordinates (metres) into the window, keeping the aspect ratio, with a margin.
public struct Viewport {
  public let scale: Double
  public let offsetX: Double
  public let offsetY: Double
  public let height: Double

  public init(track: Track, width: Int, height: Int, margin: Double = 30) {
    let xs = track.left.map(\.x) + track.right.map(\.x)
    let ys = track.left.map(\.y) + track.right.map(\.y)
    let (minX, maxX) = (xs.min() ?? 0, xs.max() ?? 1)
    let (minY, maxY) = (ys.min() ?? 0, ys.max() ?? 1)
    scale = min(
      (Double(width) - 2 * margin) / max(maxX - minX, 1e-9), (Double(height) - 2 * margin - 30) / max(maxY - minY, 1e-9)
    )
    offsetX = (Double(width) - scale * (maxX - minX)) / 2 - scale * minX
    offsetY = (Double(height) + 30 - scale * (maxY - minY)) / 2 - scale * minY
    self.height = Double(height)
  }

  /// Screen position of a track point (y up in the world, down on screen).
  public func screen(_ p: Vec2) -> (Double, Double) { (offsetX + scale * p.x, height - (offsetY + scale * p.y) + 30) }
}

/// Draws the track, the car, its sensor rays and a HUD line.
public func drawTrack(_ env: TrackDriving, in w: Window, viewport v: Viewport, hud: String) {
  w.clear(Palette.grass)
  let t = env.track
  let n = t.centre.count
  var tris: [(Double, Double)] = []
  for i in 0..<n {
    let j = (i + 1) % n
    let (l0, r0, l1, r1) = (v.screen(t.left[i]), v.screen(t.right[i]), v.screen(t.left[j]), v.screen(t.right[j]))
    tris += [l0, r0, l1, r0, r1, l1]
  }
  w.triangles(tris, Palette.asphalt)
  for edge in [t.left, t.right] {
    for i in 0..<n {
      let a = v.screen(edge[i])
      let b = v.screen(edge[(i + 1) % n])
      w.line(a.0, a.1, b.0, b.1, Palette.edge)
    }
  }
  // Rays.
  let (cx, cy) = v.screen(env.position)
  for (k, d) in env.rayDistances.enumerated() {
    let angle = env.heading + (Double(k) / Double(max(env.rayDistances.count - 1, 1)) - 0.5) * .pi
    let end = v.screen(Vec2(env.position.x + d * cos(angle), env.position.y + d * sin(angle)))
    w.line(cx, cy, end.0, end.1, Palette.ray)
  }
  // The car: a 4.5 m × 2 m rectangle around the rear axle, as two triangles.
  let (c, s) = (cos(env.heading), sin(env.heading))
  func corner(_ f: Double, _ l: Double) -> (Double, Double) {
    v.screen(Vec2(env.position.x + f * c - l * s, env.position.y + f * s + l * c))
  }
  let (a, b, cc, d) = (corner(-1, -1), corner(3.5, -1), corner(3.5, 1), corner(-1, 1))
  w.triangles([a, b, cc, a, cc, d], Palette.car)
  w.rect(0, 0, Double(w.width), 28, (20, 20, 24))
  w.text(hud, x: 8, y: 8)
}

/// Draws a gridworld: values as a red–green heat map, walls, the goal, greedy-policy arrows and the agent.
public func drawGrid(_ g: GridWorld, values: [Double], policy: [Int]?, agent: Int, in w: Window, hud: String) {
  w.clear((20, 20, 24))
  let cell = min(Double(w.width) / Double(g.width), (Double(w.height) - 30) / Double(g.height))
  let finite = values.filter(\.isFinite)
  let hi = max(finite.map(abs).max() ?? 1, 1e-9)
  for s in 0..<g.stateCount {
    let (x, y) = (Double(s % g.width) * cell, 30 + Double(s / g.width) * cell)
    switch g.cells[s] {
    case .wall: w.rect(x, y, cell - 1, cell - 1, (60, 60, 60))
    case .goal: w.rect(x, y, cell - 1, cell - 1, (250, 210, 40))
    default:
      let f = max(-1, min(1, values[s] / hi))
      let color: (UInt8, UInt8, UInt8) =
        f >= 0 ? (UInt8(40 * (1 - f)), UInt8(60 + 180 * f), 40) : (UInt8(60 + 180 * -f), 30, 30)
      w.rect(x, y, cell - 1, cell - 1, color)
      if g.cells[s] == .cliff { w.rect(x + cell / 2 - 3, y + cell / 2 - 3, 6, 6, (0, 0, 0)) }
      if let policy {
        let (dx, dy) = GridWorld.moves[policy[s]]
        let (mx, my) = (x + cell / 2, y + cell / 2)
        let (tx, ty) = (mx + Double(dx) * cell * 0.35, my + Double(dy) * cell * 0.35)
        w.line(mx, my, tx, ty, (255, 255, 255))
        w.rect(tx - 2, ty - 2, 5, 5, (255, 255, 255))  // arrow head
      }
    }
  }
  let (ax, ay) = (Double(agent % g.width) * cell, 30 + Double(agent / g.width) * cell)
  w.rect(ax + cell * 0.3, ay + cell * 0.3, cell * 0.4, cell * 0.4, (60, 140, 255))
  w.text(hud, x: 8, y: 8)
}
