import EngineTesting
import Foundation
import XCTest

@testable import Engine

/// RNN / GRU / LSTM and causal attention: PyTorch goldens (Tests/Fixtures/make_sequence_fixtures.py),
/// finite-difference gradient checks, and KV-cache equivalence.
final class SequenceTests: XCTestCase {
  nonisolated(unsafe) static let golden = GoldenTests.fixtureTensors("golden-seq")

  func t(_ name: String) throws -> Tensor {
    guard let v = Self.golden[name] else { throw StateError("fixture tensor \(name) missing") }
    return v.copy()
  }

  func assertClose(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4, _ what: String, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, what, line: line)
    guard a.shape == b.shape else { return }
    XCTAssertLessThanOrEqual(closeness(a.toArray(), b.toArray(), rtol: tol, atol: tol), 1, what, line: line)
  }

  func testRecurrentLayersMatchPyTorch() throws {
    for cell in RecurrentCell.allCases {
      let k = cell.rawValue
      let x = try t("\(k).x").requiringGrad()
      let h0 = try t("\(k).h0")  // (L, B, H)
      let layers = h0.shape[0]
      let net = Recurrent(cell, inputSize: x.shape[2], hiddenSize: h0.shape[2], layers: layers)
      var state: [String: Tensor] = [:]
      for l in 0..<layers {
        state["layers.\(l).weightIH"] = try t("\(k).weight_ih_l\(l)")
        state["layers.\(l).weightHH"] = try t("\(k).weight_hh_l\(l)")
        state["layers.\(l).biasIH"] = try t("\(k).bias_ih_l\(l)")
        state["layers.\(l).biasHH"] = try t("\(k).bias_hh_l\(l)")
      }
      try net.loadStateDict(state)
      let hs = (0..<layers).map {
        h0.slice(axis: 0, $0..<($0 + 1)).reshaped([h0.shape[1], h0.shape[2]]).copy().requiringGrad()
      }
      var cs: [Tensor]? = nil
      if cell == .lstm {
        let c0 = try t("\(k).c0")
        cs = (0..<layers).map {
          c0.slice(axis: 0, $0..<($0 + 1)).reshaped([c0.shape[1], c0.shape[2]]).copy().requiringGrad()
        }
      }
      let (y, _) = net(x, state: RecurrentState(h: hs, c: cs))
      assertClose(y, try t("\(k).y"), "\(k) output")
      (y * (try t("\(k).proj"))).sum().backward()
      assertClose(try XCTUnwrap(x.grad), try t("\(k).grad_x"), tol: 1e-3, "\(k) dx")
      let gh = try t("\(k).grad_h0")
      for l in 0..<layers {
        assertClose(
          try XCTUnwrap(hs[l].grad), gh.slice(axis: 0, l..<(l + 1)).reshaped(hs[l].shape), tol: 1e-3, "\(k) dh0[\(l)]")
        if let cs {
          let gc = try t("\(k).grad_c0")
          assertClose(
            try XCTUnwrap(cs[l].grad), gc.slice(axis: 0, l..<(l + 1)).reshaped(cs[l].shape), tol: 1e-3, "\(k) dc0[\(l)]"
          )
        }
        let w = net.layers[l]
        assertClose(try XCTUnwrap(w.weightIH.grad), try t("\(k).grad_weight_ih_l\(l)"), tol: 1e-3, "\(k) dWih\(l)")
        assertClose(try XCTUnwrap(w.weightHH.grad), try t("\(k).grad_weight_hh_l\(l)"), tol: 1e-3, "\(k) dWhh\(l)")
        assertClose(try XCTUnwrap(w.biasIH?.grad), try t("\(k).grad_bias_ih_l\(l)"), tol: 1e-3, "\(k) dbih\(l)")
        assertClose(try XCTUnwrap(w.biasHH?.grad), try t("\(k).grad_bias_hh_l\(l)"), tol: 1e-3, "\(k) dbhh\(l)")
      }
    }
  }

  func testRecurrentGradCheck() {
    var g = PRNG(seed: 3)
    func r(_ s: [Int], _ scale: Float = 0.5) -> Tensor { Tensor.randn(s, std: scale, generator: &g).requiringGrad() }
    for cell in RecurrentCell.allCases {
      let gh = cell.gates * 3
      let inputs = [r([2, 4, 2]), r([2, 3]), r([2, 3]), r([gh, 2]), r([gh, 3]), r([gh]), r([gh])]
      let result = gradCheck(inputs) { v in
        v[0].recurrent(cell, h0: v[1], c0: cell == .lstm ? v[2] : nil, wIH: v[3], wHH: v[4], bIH: v[5], bHH: v[6])
          .output
      }
      XCTAssertLessThan(result.maxError, 1e-2, "\(cell): \(result)")
    }
  }

  /// Hidden width 11 runs one full 8-lane block and a 3-lane tail; batch 17 splits the rows across threads.
  /// Gradients are checked, and one and two threads must agree.
  func testRecurrentVectorLanesAndThreads() {
    for cell in RecurrentCell.allCases {
      var g = PRNG(seed: 5)
      func r(_ s: [Int], _ scale: Float = 0.5) -> Tensor { Tensor.randn(s, std: scale, generator: &g).requiringGrad() }
      let (b, h) = (17, 11)
      let gh = cell.gates * h
      let inputs = [r([b, 3, 2]), r([b, h]), r([b, h]), r([gh, 2]), r([gh, h], 0.3), r([gh]), r([gh])]
      func run(_ v: [Tensor]) -> Tensor {
        v[0].recurrent(cell, h0: v[1], c0: cell == .lstm ? v[2] : nil, wIH: v[3], wHH: v[4], bIH: v[5], bHH: v[6])
          .output
      }
      let result = gradCheck(inputs, run)
      XCTAssertLessThan(result.maxError, 1e-2, "\(cell): \(result)")
      let saved = Parallel.threads
      defer { Parallel.threads = saved }
      var outputs: [[Float]] = []
      var grads: [[Float]] = []
      for threads in [1, 2] {
        Parallel.threads = threads
        for v in inputs { v.grad = nil }
        let y = run(inputs)
        (y * y).sum().backward()
        outputs.append(y.toArray())
        grads.append(inputs.flatMap { $0.grad?.toArray() ?? [] })
      }
      // Each thread runs its own rows (sgemm with fewer rows may round differently), so agreement is to rounding.
      XCTAssertLessThanOrEqual(closeness(outputs[0], outputs[1], rtol: 1e-5, atol: 1e-6), 1, "\(cell): outputs")
      XCTAssertLessThanOrEqual(closeness(grads[0], grads[1], rtol: 1e-5, atol: 1e-5), 1, "\(cell): gradients")
    }
  }

  /// Token ids through an embedding table × Wᵢᵀ (small vocabulary) give the outputs and gradients of the
  /// plain embedding → recurrent stack.
  func testEmbeddingProjectionTableMatchesPlainPath() {
    for cell in RecurrentCell.allCases {
      Random.seed(8)
      let embedding = Embedding(5, 6)
      let net = Recurrent(cell, inputSize: 6, hiddenSize: 9, layers: 2)
      let tokens = [0, 4, 2, 2, 1, 3, 0, 0, 4, 1, 2, 3]  // (B 3, T 4): 12 ids ≥ 2 × 5 uses the table
      var results: [[Float]] = []
      for fused in [false, true] {
        embedding.zeroGrad()
        net.zeroGrad()
        let (y, s) =
          fused
          ? net(tokens: tokens, embedding: embedding, shape: [3, 4])
          : net(embedding(tokens, shape: [3, 4]))
        (y * y).sum().backward()
        results.append(
          y.toArray() + s.h[1].toArray() + (embedding.weight.grad?.toArray() ?? [])
            + net.parameters.flatMap { $0.grad?.toArray() ?? [] })
      }
      XCTAssertEqual(results[0].count, results[1].count)
      XCTAssertLessThanOrEqual(closeness(results[0], results[1], rtol: 1e-4, atol: 1e-5), 1, "\(cell)")
    }
  }

  func testAttentionMatchesPyTorchAndGradCheck() throws {
    for name in ["attn", "attn_cache"] {
      let (q, k, v) = (
        try t("\(name).q").requiringGrad(), try t("\(name).k").requiringGrad(), try t("\(name).v").requiringGrad()
      )
      let y = q.scaledDotProductAttention(keys: k, values: v, causal: true)
      assertClose(y, try t("\(name).y"), "\(name) output")
      (y * (try t("\(name).proj"))).sum().backward()
      assertClose(try XCTUnwrap(q.grad), try t("\(name).grad_q"), tol: 1e-3, "\(name) dq")
      assertClose(try XCTUnwrap(k.grad), try t("\(name).grad_k"), tol: 1e-3, "\(name) dk")
      assertClose(try XCTUnwrap(v.grad), try t("\(name).grad_v"), tol: 1e-3, "\(name) dv")
    }
    var g = PRNG(seed: 5)
    let inputs = (0..<3).map { _ in Tensor.randn([1, 2, 4, 3], generator: &g).requiringGrad() }
    let result = gradCheck(inputs) { $0[0].scaledDotProductAttention(keys: $0[1], values: $0[2], causal: true) }
    XCTAssertLessThan(result.maxError, 1e-2, "\(result)")
  }

  /// Long causal sequences (queries in blocks of 32, each multiplying only the keys it sees, with a short last
  /// block and, in the second case, more keys than queries) match attention composed from matmul, an additive
  /// mask and softmax, forward and backward.
  func testBlockedCausalAttentionMatchesComposed() {
    var g = PRNG(seed: 11)
    for (tq, tk) in [(80, 80), (70, 75)] {
      let q = Tensor.randn([2, 2, tq, 8], generator: &g).requiringGrad()
      let k = Tensor.randn([2, 2, tk, 8], generator: &g).requiringGrad()
      let v = Tensor.randn([2, 2, tk, 6], generator: &g).requiringGrad()
      let proj = Tensor.randn([2, 2, tq, 6], generator: &g)
      let fused = q.scaledDotProductAttention(keys: k, values: v, causal: true)
      (fused * proj).sum().backward()
      let fusedGrads = [q, k, v].map { $0.grad?.toArray() ?? [] }
      for x in [q, k, v] { x.grad = nil }
      var mask = [Float](repeating: 0, count: tq * tk)
      for i in 0..<tq { for j in (tk - tq + i + 1)..<tk { mask[i * tk + j] = -1e9 } }
      let scores = q.matmul(k.transposed()) * (1 / Float(8).squareRoot()) + Tensor(mask, shape: [tq, tk])
      let composed = scores.softmax().matmul(v)
      (composed * proj).sum().backward()
      assertClose(fused, composed, "(\(tq), \(tk)) output")
      for (n, x) in [q, k, v].enumerated() {
        assertClose(
          Tensor(fusedGrads[n], shape: x.shape), x.grad ?? Tensor(zeros: x.shape), tol: 1e-3, "(\(tq), \(tk)) grad \(n)"
        )
      }
    }
  }

  /// Key-length masks: a padded row attends exactly as its unpadded keys alone would, and the masked
  /// attention's gradients (padding keys get none) pass central differences.
  func testAttentionKeyLengthsMask() {
    var g = PRNG(seed: 9)
    let q = Tensor.randn([2, 2, 3, 4], generator: &g)
    let k = Tensor.randn([2, 2, 5, 4], generator: &g)
    let v = Tensor.randn([2, 2, 5, 4], generator: &g)
    let masked = q.scaledDotProductAttention(keys: k, values: v, causal: false, keyLengths: [5, 2])
    let short = q.slice(axis: 0, 1..<2).scaledDotProductAttention(
      keys: k.slice(axis: 0, 1..<2).slice(axis: 2, 0..<2), values: v.slice(axis: 0, 1..<2).slice(axis: 2, 0..<2),
      causal: false)
    assertClose(masked.slice(axis: 0, 1..<2).contiguous(), short.contiguous(), "masked row = truncated keys")
    let full = q.scaledDotProductAttention(keys: k, values: v, causal: false)
    assertClose(masked.slice(axis: 0, 0..<1).contiguous(), full.slice(axis: 0, 0..<1).contiguous(), "unmasked row")
    let inputs = [q, k, v].map { $0.requiringGrad() }
    let result = gradCheck(inputs) {
      $0[0].scaledDotProductAttention(keys: $0[1], values: $0[2], causal: false, keyLengths: [3, 1])
    }
    XCTAssertLessThan(result.maxError, 1e-2, "\(result)")
    let padGrad = inputs[1].grad?.slice(axis: 0, 1..<2).slice(axis: 2, 1..<5).contiguous().toArray() ?? []
    XCTAssertEqual(padGrad.map(abs).max() ?? 1, 0, "padding keys get no gradient")
  }

  /// Feeding positions one at a time through a KV cache gives the same outputs as the full causal pass.
  func testTransformerBlockKVCacheMatchesFullPass() {
    Random.seed(1)
    let block = TransformerBlock(width: 8, heads: 2)
    block.eval()
    var g = PRNG(seed: 2)
    let x = Tensor.randn([1, 7, 8], generator: &g)
    let full = noGrad { block(x) }.toArray()
    let cache = KVCache(window: 16)
    var stepwise: [Float] = []
    noGrad {
      for p in 0..<7 { stepwise += block(x.slice(axis: 1, p..<(p + 1)).contiguous(), cache: cache).toArray() }
    }
    XCTAssertEqual(cache.count, 7)
    XCTAssertLessThanOrEqual(closeness(stepwise, full, rtol: 1e-5, atol: 1e-5), 1)
  }
}

/// The KV cache's sliding window keeps exactly the newest `window` positions, across compactions.
final class KVCacheTests: XCTestCase {
  func testSlidingWindowKeepsNewestPositions() {
    let cache = KVCache(window: 4)
    var last: (Tensor, Tensor)? = nil
    for p in 0..<11 {
      let k = Tensor([Float(p), Float(p) + 0.5], shape: [1, 1, 1, 2])
      last = cache.append(k, k * 10)
    }
    XCTAssertEqual(cache.count, 4)
    XCTAssertEqual(last?.0.contiguous().toArray(), [7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5])
    XCTAssertEqual(last?.1.contiguous().toArray(), [70, 75, 80, 85, 90, 95, 100, 105])
    // A multi-position append after a reset.
    cache.reset()
    let many = Tensor((0..<12).map(Float.init), shape: [1, 2, 3, 2])  // 2 heads, 3 positions
    let (k, _) = cache.append(many, many)
    XCTAssertEqual(k.contiguous().toArray(), many.toArray())
  }
}
