import Engine

/// One evaluation of an RL training run, kept in the checkpoint's history and the metrics log.
public struct RLRecord: TrainingRecord, Equatable {
  /// Environment steps so far.
  public var step: Int
  /// DQN: the greedy policy's mean return over the evaluation episodes; PPO: the rollout's mean episode return
  /// (nil when no episode ended in it).
  public var evalReturn: Double?
  /// Mean return of the training episodes that ended since the previous evaluation (nil when none did).
  public var trainReturn: Double?
  /// Training episodes that ended since the previous evaluation.
  public var episodes: Int
  /// Seconds of training in all.
  public var seconds: Double

  public init(step: Int, evalReturn: Double?, trainReturn: Double?, episodes: Int, seconds: Double) {
    (self.step, self.evalReturn, self.trainReturn, self.episodes, self.seconds) = (
      step, evalReturn, trainReturn, episodes, seconds
    )
  }
}
