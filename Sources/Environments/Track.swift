#if canImport(Glibc)
  import Glibc
#endif

// Closed driving tracks: a centre line (closed polyline, metres) and a width. Text format:
//
//   // comment
//   name oval
//   width 12
//   point 0 0
//   point 40 0
//   …                      (at least 3 points; the last connects back to the first)
//
// Precomputed: cumulative arc length per centre vertex and the left/right edges (the centre offset by ±width/2
// along the vertex normals), used by the ray sensors.

/// A 2-d point or vector.
public struct Vec2: Equatable, Sendable {
  public var x: Double
  public var y: Double
  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
  static func + (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x + b.x, a.y + b.y) }
  static func - (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x - b.x, a.y - b.y) }
  static func * (a: Vec2, s: Double) -> Vec2 { Vec2(a.x * s, a.y * s) }
  func dot(_ b: Vec2) -> Double { x * b.x + y * b.y }
  func cross(_ b: Vec2) -> Double { x * b.y - y * b.x }
  var length: Double { (x * x + y * y).squareRoot() }
}

/// A closed track: centre line, width, edges and arc lengths.
public struct Track: Sendable {
  public let name: String
  public let centre: [Vec2]
  public let width: Double
  public let left: [Vec2]
  public let right: [Vec2]
  /// Arc length at each centre vertex (0 at vertex 0); `length` is the full loop.
  public let arc: [Double]
  public let length: Double

  public init(name: String, centre: [Vec2], width: Double) {
    precondition(centre.count >= 3, "Track: needs at least 3 centre points")
    self.name = name
    self.centre = centre
    self.width = width
    let n = centre.count
    var arc = [0.0]
    for i in 1..<n { arc.append(arc[i - 1] + (centre[i] - centre[i - 1]).length) }
    self.arc = arc
    length = arc[n - 1] + (centre[0] - centre[n - 1]).length
    var l: [Vec2] = []
    var r: [Vec2] = []
    for i in 0..<n {
      let d = centre[(i + 1) % n] - centre[(i + n - 1) % n]
      let len = max(d.length, 1e-9)
      let normal = Vec2(-d.y / len, d.x / len)
      l.append(centre[i] + normal * (width / 2))
      r.append(centre[i] - normal * (width / 2))
    }
    left = l
    right = r
  }

  /// Parses the text format; errors name the line.
  public init(text: String, source: String) throws {
    var name = source
    var width: Double?
    var points: [Vec2] = []
    for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
      guard let key = words.first, !key.hasPrefix("//") else { continue }
      func fail(_ m: String) -> MapError { MapError(description: "\(source):\(k + 1): \(m)") }
      switch key {
      case "name": name = words.dropFirst().joined(separator: " ")
      case "width":
        guard words.count == 2, let w = Double(words[1]), w > 0, w <= 1000 else {
          throw fail("expected 'width <number of metres, above 0 and at most 1000>'")
        }
        width = w
      case "point":
        guard words.count == 3, let x = Double(words[1]), let y = Double(words[2]), abs(x) <= 1e5, abs(y) <= 1e5
        else { throw fail("expected 'point <x> <y>' with coordinates within ±100000 metres") }
        let p = Vec2(x, y)
        if let last = points.last, (p - last).length < 0.01 {
          throw fail("point repeats the previous one (points must be at least 1 cm apart)")
        }
        guard points.count < 10_000 else { throw fail("more than 10000 points") }
        points.append(p)
      default: throw fail("unknown keyword '\(key)' (name, width, point)")
      }
    }
    guard let width else { throw MapError(description: "\(source): no 'width' line") }
    guard points.count >= 3 else {
      throw MapError(description: "\(source): needs at least 3 points, has \(points.count)")
    }
    if let first = points.first, let last = points.last, (first - last).length < 0.01 {
      points.removeLast()  // a closing point equal to the first: the loop closes itself
    }
    // A collapsed loop (all points on a line, or a tiny one) has no road to drive on.
    var area = 0.0
    for i in points.indices {
      let (p, q) = (points[i], points[(i + 1) % points.count])
      area += p.x * q.y - q.x * p.y
    }
    guard points.count >= 3, abs(area) / 2 >= width * width else {
      throw MapError(
        description:
          "\(source): the centre line encloses \(Int(abs(area) / 2)) m², too little for a \(width) m wide road")
    }
    self.init(name: name, centre: points, width: width)
  }

  /// A seeded random track: a star-shaped loop (radius varies smoothly with angle), so it never crosses itself.
  public static func procedural(seed: UInt64, points: Int = 80, radius: Double = 60, width: Double = 12) -> Track {
    var rng = SplitMix(seed: seed)
    let harmonics = (1...4).map { k in (rng.uniform(0, 0.22) / Double(k).squareRoot(), rng.uniform(0, 2 * .pi)) }
    let centre = (0..<points).map { i -> Vec2 in
      let t = 2 * Double.pi * Double(i) / Double(points)
      var r = 1.0
      for (k, (a, phase)) in harmonics.enumerated() { r += a * cos(Double(k + 2) * t + phase) }
      return Vec2(radius * r * cos(t), radius * r * sin(t))
    }
    return Track(name: "procedural-\(seed)", centre: centre, width: width)
  }

  /// Nearest point on the centre line searched around segment `hint` (±`window` segments): segment index,
  /// arc-length position and signed lateral offset (positive to the left).
  public func project(_ p: Vec2, hint: Int, window: Int = 4) -> (segment: Int, s: Double, offset: Double) {
    let n = centre.count
    var best = (segment: hint, s: 0.0, offset: Double.infinity, dist: Double.infinity)
    for d in -window...window {
      let i = ((hint + d) % n + n) % n
      let a = centre[i]
      let b = centre[(i + 1) % n]
      let ab = b - a
      let len2 = max(ab.dot(ab), 1e-12)
      let t = min(max((p - a).dot(ab) / len2, 0), 1)
      let q = a + ab * t
      let dist = (p - q).length
      if dist < best.dist {
        let side = ab.cross(p - a) >= 0 ? 1.0 : -1.0
        best = (i, arc[i] + t * len2.squareRoot(), side * dist, dist)
      }
    }
    return (best.segment, best.s, best.offset)
  }
}
