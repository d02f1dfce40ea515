import Environments

/// Track driving over a set of tracks: each reset picks a track by the episode seed (the shipped tracks and,
/// with `procedural`, seeded random loops), so an agent learns to drive, not one track.
public struct TrackSet: Environment {
  public typealias Action = Int
  public let tracks: [Track]
  public let procedural: Bool
  public private(set) var current: TrackDriving
  public let config: TrackDriving.Config

  public init(tracks: [Track], procedural: Bool, config: TrackDriving.Config = .init()) {
    precondition(!tracks.isEmpty || procedural, "TrackSet: no tracks")
    self.tracks = tracks
    self.procedural = procedural
    self.config = config
    current = TrackDriving(track: tracks.first ?? .procedural(seed: 0), config: config)
  }

  public var observationSize: Int { current.observationSize }
  public var actionCount: Int { 9 }

  public mutating func reset(seed: UInt64?) -> [Float] {
    let s = seed ?? 0
    let pick = Int(s % UInt64(tracks.count + (procedural ? 2 : 0)))
    let track = pick < tracks.count ? tracks[pick] : Track.procedural(seed: s &* 2_654_435_761)
    current = TrackDriving(track: track, config: config)
    return current.reset(seed: seed)
  }

  public mutating func step(_ action: Int) -> StepResult { current.step(action) }

  /// This set with `car` as the current episode's state (human takeover steps the car directly).
  public func replacingCurrent(_ car: TrackDriving) -> TrackSet {
    var copy = self
    copy.current = car
    return copy
  }
}
