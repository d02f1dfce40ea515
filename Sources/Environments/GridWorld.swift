// GridWorld in the REINFORCEjs style: a grid of open cells, walls, cliff cells (reward −1) and a goal (+1, ends the
// episode), a small cost per step, 4 moves. Layouts come from a plain-text map:
//
//   // comment lines start with "//"
//   S . . #      S start, . open, # wall, X cliff, G goal; spaces between cells are optional
//   . X . G
//
// Rewards are editable per cell (`reward[s]`). Moving into a wall or off the grid leaves the agent in place.

/// An error in a map file: the file, the 1-based line and what is wrong.
public struct MapError: Error, CustomStringConvertible, Equatable {
  public let description: String
}

/// A deterministic grid MDP.
public struct GridWorld: Environment {
  public typealias Action = Int
  public enum Cell: Character, Sendable { case open = ".", wall = "#", cliff = "X", goal = "G", start = "S" }
  /// Moves: 0 left, 1 up, 2 right, 3 down.
  public static let moves = [(-1, 0), (0, -1), (1, 0), (0, 1)]

  public let width: Int
  public let height: Int
  public var cells: [Cell]
  /// Reward for entering each cell (cliff −1, goal +1, others 0 by default).
  public var reward: [Double]
  public var stepCost = 0.01
  public var discount = 0.9
  public let start: Int
  public private(set) var position: Int
  public var maxSteps = 200
  private var steps = 0

  /// REINFORCEjs's default 10×10 layout: walls, a few cliff cells and the goal in the middle.
  public static let defaultMap = """
    // REINFORCEjs-style default gridworld (10×10)
    S.........
    ..........
    ..#####.X.
    ......#...
    ..X...#...
    ....X.#G..
    ......#X..
    ..######..
    ..X.......
    ..........
    """

  /// Parses a map; `source` names it in errors.
  public init(map text: String, source: String = "map") throws {
    var rows: [[Cell]] = []
    for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.filter { $0 != " " && $0 != "\t" && $0 != "\r" }
      if line.isEmpty || line.hasPrefix("//") { continue }
      var row: [Cell] = []
      for ch in line {
        guard let cell = Cell(rawValue: ch) else {
          throw MapError(description: "\(source):\(k + 1): unknown cell '\(ch)' (use . # X G S)")
        }
        row.append(cell)
      }
      if let first = rows.first, first.count != row.count {
        throw MapError(description: "\(source):\(k + 1): row has \(row.count) cells, expected \(first.count)")
      }
      rows.append(row)
    }
    guard !rows.isEmpty else { throw MapError(description: "\(source): no grid rows") }
    let flat = rows.flatMap { $0 }
    guard let s = flat.firstIndex(of: .start) else { throw MapError(description: "\(source): no start cell 'S'") }
    guard flat.contains(.goal) else { throw MapError(description: "\(source): no goal cell 'G'") }
    guard flat.filter({ $0 == .start }).count == 1 else { throw MapError(description: "\(source): more than one 'S'") }
    width = rows[0].count
    height = rows.count
    cells = flat
    reward = flat.map { $0 == .cliff ? -1 : ($0 == .goal ? 1 : 0) }
    start = s
    position = s
  }

  public var observationSize: Int { width * height }
  public var stateCount: Int { width * height }
  public var actionCount: Int { 4 }

  /// One-hot position.
  public var observation: [Float] {
    var o = [Float](repeating: 0, count: stateCount)
    o[position] = 1
    return o
  }

  public mutating func reset(seed: UInt64? = nil) -> [Float] {
    position = start
    steps = 0
    return observation
  }

  /// The deterministic model: next state, reward and whether the episode ends, from state `s` with action `a`.
  public func transition(_ s: Int, _ a: Int) -> (next: Int, reward: Double, terminal: Bool) {
    let (dx, dy) = GridWorld.moves[a]
    let x = s % width + dx
    let y = s / width + dy
    var next = s
    if x >= 0 && x < width && y >= 0 && y < height && cells[y * width + x] != .wall { next = y * width + x }
    return (next, reward[next] - stepCost, cells[next] == .goal)
  }

  public mutating func step(_ action: Int) -> StepResult {
    precondition(action >= 0 && action < 4, "GridWorld.step: action \(action) is outside 0..<4")
    let t = transition(position, action)
    position = t.next
    steps += 1
    return StepResult(observation: observation, reward: t.reward, terminated: t.terminal, truncated: steps >= maxSteps)
  }

  /// States the agent can occupy (not walls), excluding the terminal goal.
  public var decisionStates: [Int] { (0..<stateCount).filter { cells[$0] != .wall && cells[$0] != .goal } }
}
