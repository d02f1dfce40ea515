import ClassifyKit
import Engine
import Environments
import GANKit
import RLKit
import RecommendKit
import TextgenKit
import TranslateKit

/// Everything the server runs, loaded once at start and then only touched on the `EngineQueue`: the shipped models
/// of every app (by their registry names; clients choose among these names, never paths), the driving agents and
/// tracks, and the ratings database when one is given.
public struct WebModels {
  /// Classifiers by name (efficientnet-lite0, mnist, fashion-mnist).
  public var classifiers: [String: LoadedClassifier] = [:]
  /// Text models by name (chinese, shakespeare).
  public var textModels: [String: LoadedTextModel] = [:]
  /// Translators by name (en-zh).
  public var translators: [String: LoadedTranslator] = [:]
  /// GANs by name (mnist, fashion-mnist).
  public var gans: [String: LoadedGAN] = [:]
  /// Driving agents: dqn (discrete meta-actions) and ppo (continuous steering and throttle).
  public var agents: [String: Policy] = [:]
  /// The shipped tracks by name.
  public var tracks: [String: Track] = [:]
  /// The ratings database and its trained model (nil without `--db`).
  public var recommender: (store: Store, model: TrainedModel)?
  /// Why there is no recommender (no `--db`, or the database has no model yet).
  public var recommenderProblem = "no ratings database; start kestrel-web with --db PATH"

  /// Agent names and their checkpoints under `assets/agents`.
  static let agentFiles = [("dqn", "track-dqn.safetensors"), ("ppo", "track-ppo-continuous.safetensors")]
  /// Shipped track names under `assets/tracks`.
  static let trackNames = ["oval", "kidney", "clover"]

  /// Loads every shipped model from `assets`, and the recommender from `database` when given. A missing or
  /// corrupt shipped file is an error; a database without a trained model only disables the recommend routes.
  public init(assets: String, database: String?, log: (String) -> Void = { _ in }) throws {
    for m in ModelRegistry.models(for: "classify") { classifiers[m.name] = try loadClassifier(m.name, assets: assets) }
    for m in ModelRegistry.models(for: "textgen") { textModels[m.name] = try LoadedTextModel(m.name, assets: assets) }
    for m in ModelRegistry.models(for: "translate") {
      translators[m.name] = try LoadedTranslator(m.name, assets: assets)
    }
    for m in ModelRegistry.models(for: "gan") { gans[m.name] = try LoadedGAN(m.name, assets: assets) }
    for (name, file) in Self.agentFiles {
      agents[name] = try loadPolicy(assets + "/agents/" + file, env: .track)
    }
    for name in Self.trackNames {
      let path = assets + "/tracks/\(name).track"
      tracks[name] = try Track(text: String(decoding: try Engine.FileIO.read(path), as: UTF8.self), source: path)
    }
    if let database {
      let store = try Store(path: database, create: false)
      do {
        recommender = (store, try loadModel(store, nil, servingOnly: true))
      } catch {
        recommenderProblem = "\(error)"
        log("recommend routes disabled: \(error)")
      }
    }
  }

  /// Sorted names of a table, for error messages and /api/health.
  static func names<V>(_ table: [String: V]) -> [String] { table.keys.sorted() }
}
