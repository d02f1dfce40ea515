import Engine
import EngineTesting
import Foundation
import GANKit
import XCTest

/// GAN building blocks: metrics against scipy/numpy goldens, shapes, training signal, checkpoints.
final class GANTests: XCTestCase {
  struct MetricsFixture: Decodable {
    let d: Int
    let a: [Float]
    let b: [Float]
    let fid: Double
    let probs: [Float]
    let classes: Int
    let is_mean: Double
    let is_std: Double
  }

  func fixture() throws -> MetricsFixture {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/gan-metrics", withExtension: "json"))
    return try JSONDecoder().decode(MetricsFixture.self, from: Data(contentsOf: url))
  }

  func testFrechetDistanceMatchesScipy() throws {
    let f = try fixture()
    let a = FeatureStatistics(Tensor(f.a, shape: [f.a.count / f.d, f.d]))
    let b = FeatureStatistics(Tensor(f.b, shape: [f.b.count / f.d, f.d]))
    XCTAssertEqual(frechetDistance(a, b), f.fid, accuracy: 1e-3 * f.fid)
    XCTAssertEqual(frechetDistance(a, a), 0, accuracy: 1e-3)
  }

  func testInceptionScoreMatchesNumpy() throws {
    let f = try fixture()
    let s = inceptionScore(Tensor(f.probs, shape: [f.probs.count / f.classes, f.classes]), splits: 2)
    XCTAssertEqual(s.mean, f.is_mean, accuracy: 1e-4)
    XCTAssertEqual(s.std, f.is_std, accuracy: 1e-4)
    // Bounds: confident and uniform over K classes → K; always the same class → 1.
    let oneHot = Tensor((0..<40).flatMap { i in (0..<4).map { Float($0 == i % 4 ? 1 : 0) } }, shape: [40, 4])
    XCTAssertEqual(inceptionScore(oneHot, splits: 1).mean, 4, accuracy: 1e-6)
    let same = Tensor((0..<40).flatMap { _ in [Float(1), 0, 0, 0] }, shape: [40, 4])
    XCTAssertEqual(inceptionScore(same, splits: 1).mean, 1, accuracy: 1e-6)
    XCTAssertEqual(classHistogram(oneHot), [10, 10, 10, 10])
  }

  func testShapesAndRange() {
    var c = GANConfig()
    (c.size, c.width, c.latent, c.channels) = (12, 8, 5, 3)
    let pair = GANPair(c)
    let images = generate(pair.generator, latents(count: 4, size: 5, seed: 1))
    XCTAssertEqual(images.shape, [4, 3, 12, 12])
    XCTAssertLessThanOrEqual(images.toArray().map(abs).max() ?? 2, 1)
    XCTAssertEqual(pair.discriminator(images).shape, [4, 1])
    XCTAssertEqual(latents(count: 2, size: 5, seed: 9).toArray(), latents(count: 2, size: 5, seed: 9).toArray())
    let grid = imageGrid(images, columns: 2, gap: 1, scale: 2)
    XCTAssertEqual([grid.width, grid.height, grid.channels], [2 * 24 + 3, 2 * 24 + 3, 3])
  }

  func testInterpolationEndsAndSlerpNorm() {
    let a: [Float] = [3, 0, 0]
    let b: [Float] = [0, 3, 0]
    for spherical in [false, true] {
      let z = interpolate(a, b, steps: 5, spherical: spherical).toArray()
      XCTAssertEqual(Array(z[0..<3]), a)
      for (x, y) in zip(z[12..<15], b) { XCTAssertEqual(x, y, accuracy: 1e-6) }
      let mid = z[6..<9].reduce(0) { $0 + $1 * $1 }.squareRoot()
      XCTAssertEqual(mid, spherical ? 3 : 3 / Float(2).squareRoot(), accuracy: 1e-5)
    }
  }

  /// Real images are bright on the left half and dark on the right (plus noise); the generator starts with
  /// no such structure and must learn it. A sign error in either loss, or a broken gradient path from D into
  /// G, leaves the halves equal.
  func testGeneratorLearnsTheDataLayout() {
    Random.seed(3)
    var c = GANConfig()
    (c.size, c.width, c.latent) = (8, 8, 4)
    var options = GANTrainOptions()
    options.learningRate = 1e-3
    let trainer = GANTrainer(GANPair(c), options: options)
    var rng = PRNG(seed: 1)
    func realBatch() -> Tensor {
      let noise = Tensor.randn([16, 1, 8, 8], std: 0.2, generator: &rng).toArray()
      let v = noise.enumerated().map { i, e in max(-1, min(1, ((i % 8) < 4 ? 0.7 : -0.7) + e)) }
      return Tensor(v, shape: [16, 1, 8, 8])
    }
    func contrast() -> Float {
      let out = generate(trainer.pair.generator, latents(count: 64, size: 4, seed: 5)).toArray()
      let left = out.enumerated().filter { $0.offset % 8 < 4 }.reduce(0) { $0 + $1.element }
      let right = out.enumerated().filter { $0.offset % 8 >= 4 }.reduce(0) { $0 + $1.element }
      return (left - right) / Float(out.count / 2)
    }
    let before = contrast()
    for _ in 0..<200 { _ = trainer.step(real: realBatch(), rng: &rng) }
    let after = contrast()
    XCTAssertLessThan(abs(before), 0.2)
    XCTAssertGreaterThan(after, 0.8, "left-minus-right brightness of G(z) (real data: 1.4)")
  }

  /// PacGAN: with pack 2 the discriminator judges pairs of images (one logit per pair, real pairs vs fake
  /// pairs, trained without shape errors), and a config stored before `pack` existed reads as pack 1.
  func testPackedDiscriminator() throws {
    var c = GANConfig()
    (c.size, c.width, c.latent, c.pack) = (8, 4, 3, 2)
    let trainer = GANTrainer(GANPair(c))
    var rng = PRNG(seed: 3)
    let real = Tensor.uniform([6, 1, 8, 8], low: -1, high: 1, generator: &rng)
    XCTAssertEqual(noGrad { trainer.pair.discriminator(real) }.shape, [3, 1])
    let stats = (0..<3).map { _ in trainer.step(real: real, rng: &rng) }
    XCTAssertTrue(stats.allSatisfy { $0.lossD.isFinite && $0.lossG.isFinite })
    let old = #"{"latent":3,"channels":1,"size":8,"width":4,"dataset":"mnist"}"#
    XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: Data(old.utf8)).pack, 1)
    let roundTrip = try JSONDecoder().decode(GANConfig.self, from: JSONEncoder().encode(c))
    XCTAssertEqual(roundTrip, c)
  }

  /// Extra layers: the generator ends in 3×3 convs at full resolution, the discriminator gets 3×3 blocks at
  /// S/4; shapes, parameter counts (each layer's weights and biases), training, a checkpoint round trip, and a
  /// config stored before these fields existed reads as the W7 networks.
  func testExtraLayers() throws {
    var c = GANConfig()
    (c.size, c.width, c.latent, c.generatorExtra, c.discriminatorExtra) = (8, 4, 3, 2, 1)
    var plainConfig = c
    (plainConfig.generatorExtra, plainConfig.discriminatorExtra) = (0, 0)
    let plain = GANPair(plainConfig)
    var options = GANTrainOptions()
    options.emaDecay = 0.9
    let trainer = GANTrainer(GANPair(c), options: options)
    let (g, d) = (trainer.pair.generator, trainer.pair.discriminator)
    // G: up2 now gives F/2 = 2 channels (+ its norm), then conv 2→2 + norm and conv 2→1.
    let up2Change = (4 * 2 * 16 + 2) - (4 * 1 * 16 + 1)
    XCTAssertEqual(g.parameterCount - plain.generator.parameterCount, up2Change + 4 + (2 * 2 * 9 + 2) + 4 + (2 * 9 + 1))
    XCTAssertEqual(d.parameterCount - plain.discriminator.parameterCount, 8 * 8 * 9 + 8 + 16)
    var rng = PRNG(seed: 4)
    let real = Tensor.uniform([4, 1, 8, 8], low: -1, high: 1, generator: &rng)
    XCTAssertTrue((0..<2).map { _ in trainer.step(real: real, rng: &rng) }.allSatisfy { $0.lossD.isFinite })
    trainer.recalibrateAverage(batches: 2, batchSize: 8)
    let images = generate(trainer.samplingPair.generator, latents(count: 5, size: 3, seed: 1))
    XCTAssertEqual(images.shape, [5, 1, 8, 8])
    XCTAssertEqual(noGrad { d(images.slice(axis: 0, 0..<4)) }.shape, [4, 1])
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try saveGAN(trainer, history: [], optimizers: false, to: dir + "/x.safetensors")
    let loaded = try LoadedGAN(path: dir + "/x.safetensors")
    XCTAssertEqual(loaded.pair.config, c)
    let z = latents(count: 3, size: 3, seed: 8)
    XCTAssertEqual(generate(loaded.pair.generator, z).toArray(), generate(trainer.samplingPair.generator, z).toArray())
    let old = #"{"latent":3,"channels":1,"size":8,"width":4,"dataset":"mnist","pack":2}"#
    let decoded = try JSONDecoder().decode(GANConfig.self, from: Data(old.utf8))
    XCTAssertEqual([decoded.generatorExtra, decoded.discriminatorExtra, decoded.pack], [0, 0, 2])
  }

  func testCheckpointRoundTripAndGeneratorOnly() throws {
    let dir = try TestFiles.tempDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var c = GANConfig()
    (c.size, c.width, c.latent) = (8, 4, 3)
    let trainer = GANTrainer(GANPair(c))
    var rng = PRNG(seed: 2)
    let real = Tensor.uniform([4, 1, 8, 8], low: -1, high: 1, generator: &rng)
    for _ in 0..<3 { _ = trainer.step(real: real, rng: &rng) }
    let record = GANRecord(epoch: 1, lossD: 1, lossG: 2, dReal: 0.5, dFake: 0.4, seconds: 0.1)
    let path = dir + "/g.safetensors"
    try saveGAN(trainer, history: [record], to: path)
    let loaded = try LoadedGAN(path: path)
    XCTAssertEqual(loaded.pair.config, c)
    XCTAssertEqual(loaded.history.count, 1)
    let z = latents(count: 3, size: 3, seed: 4)
    XCTAssertEqual(generate(loaded.pair.generator, z).toArray(), generate(trainer.pair.generator, z).toArray())
    let resumed = GANTrainer(loaded.pair)
    try loaded.restoreOptimizers(into: resumed)
    XCTAssertEqual(resumed.optG.stepCount, 3)
    XCTAssertEqual(
      resumed.optD.stateTensors()["exp_avg_sq.down1.weight"]?.toArray(),
      trainer.optD.stateTensors()["exp_avg_sq.down1.weight"]?.toArray())
    // A networks-only file (what `gan train` writes to OUT and what is shipped) cannot resume training.
    try saveGAN(trainer, history: [record], optimizers: false, to: dir + "/small.safetensors")
    let small = try LoadedGAN(path: dir + "/small.safetensors")
    XCTAssertThrowsError(try small.restoreOptimizers(into: GANTrainer(small.pair))) {
      XCTAssertTrue("\($0)".contains("holds no optimizer state"), "\($0)")
    }
    // A file with only the generator's tensors is refused with a one-line reason.
    let gOnly = try Checkpoint(model: trainer.pair.generator, config: c)
    var renamed = gOnly
    renamed.model = Dictionary(uniqueKeysWithValues: gOnly.model.map { ("generator." + $0.key, $0.value) })
    try renamed.save(to: dir + "/g-only.safetensors")
    XCTAssertThrowsError(try LoadedGAN(path: dir + "/g-only.safetensors")) { error in
      XCTAssertTrue("\(error)".contains("holds only the generator"), "\(error)")
    }
  }
}
