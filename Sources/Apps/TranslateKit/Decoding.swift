import Engine
import Foundation

// Greedy and beam-search decoding with per-layer KV caches. Legend: B = sentences, K = beams, S = source
// positions, V = target vocabulary.

/// One translation: output ids (without specials), its log-probability and, if asked, the attention map.
public struct Translation: Sendable {
  public var tokens: [Int]
  public var logProbability: Float
  /// Last decoder layer's cross-attention averaged over heads: one row per output token (+ <eos>) over the
  /// source tokens.
  public var attention: [[Float]]?
}

extension Translator {
  /// Longest output for a source of `n` tokens.
  func outputLimit(_ n: Int) -> Int { min(config.maxLength - 1, 2 * n + 10) }

  /// Greedy decoding of several sources at once (each row stops at its <eos>; with `exactLength`, every row
  /// produces exactly that many tokens, <eos> or not — for benchmarks).
  public func greedy(_ sources: [[Int]], exactLength: Int? = nil) -> [Translation] {
    eval()
    return noGrad {
      let batch = TranslationBatch(sources.map { (source: $0, target: [Int]()) })
      let b = batch.size
      let enc = encode(batch.source, batch: b, steps: batch.sourceSteps, lengths: batch.sourceLengths)
      let mem = memory(enc)
      let caches = decoder.map { _ in DecoderCache() }
      var outputs = [[Int]](repeating: [], count: b)
      var logp = [Float](repeating: 0, count: b)
      var done = [Bool](repeating: false, count: b)
      var last = [Int](repeating: SubwordTokenizer.bos, count: b)
      let limit = exactLength.map { $0 - 1 } ?? sources.map { outputLimit($0.count) }.max() ?? 1
      for step in 0...limit {
        let h = decode(
          last, batch: b, steps: 1, start: step, memory: mem, memoryLengths: batch.sourceLengths, caches: caches)
        let lp = logits(h).reshaped([b, config.target.count]).logSoftmax().toArray()  // (B, V)
        let v = config.target.count
        for r in 0..<b where !done[r] {
          var best = SubwordTokenizer.eos
          if exactLength != nil || step < outputLimit(sources[r].count) {
            best = argmaxAllowed(lp, row: r, width: v)
          }
          logp[r] += lp[r * v + best]
          if exactLength != nil {
            outputs[r].append(best)
            done[r] = step == limit
          } else if best == SubwordTokenizer.eos {
            done[r] = true
          } else {
            outputs[r].append(best)
          }
          last[r] = best
        }
        if done.allSatisfy({ $0 }) { break }
      }
      return (0..<b).map { Translation(tokens: outputs[$0], logProbability: logp[$0], attention: nil) }
    }
  }

  /// Beam search for one source: `beams` hypotheses, finished ones ranked by log-probability / length^`alpha`
  /// (GNMT length normalisation). With `attention`, the best hypothesis's cross-attention map is returned.
  public func beamSearch(_ source: [Int], beams: Int, alpha: Float = 1.0, attention: Bool = false) -> Translation {
    eval()
    let best = noGrad { () -> Translation in
      let k = max(1, beams)
      let v = config.target.count
      let src = TranslationBatch([(source: source, target: [Int]())])
      let enc = encode(src.source, batch: 1, steps: src.sourceSteps, lengths: src.sourceLengths)
      // The source's keys/values repeated for the K beams (beams never move between sources).
      let mem = memory(enc).map { m in (keys: repeatRows(m.keys, k), values: repeatRows(m.values, k)) }
      let lengths = [Int](repeating: source.count, count: k)
      let caches = decoder.map { _ in DecoderCache() }
      var hyps = [[Int]](repeating: [], count: k)
      var scores = [Float](repeating: -Float.infinity, count: k)
      scores[0] = 0  // all beams start identical: only the first one expands at step 0
      var finished: [(tokens: [Int], logp: Float, norm: Float)] = []
      let limit = outputLimit(source.count)
      for step in 0...limit {
        let last = hyps.map { $0.last ?? SubwordTokenizer.bos }
        let h = decode(last, batch: k, steps: 1, start: step, memory: mem, memoryLengths: lengths, caches: caches)
        let lp = logits(h).reshaped([k, v]).logSoftmax().toArray()  // (K, V)
        // Top 2K candidates over all beams (enough to keep K alive after some finish).
        var cands: [(score: Float, beam: Int, token: Int)] = []
        for b in 0..<k where scores[b] > -Float.infinity {
          for t in topIndices(lp, row: b, width: v, count: 2 * k) {
            cands.append((scores[b] + lp[b * v + t], b, t))
          }
        }
        cands.sort { $0.score > $1.score }
        var nextHyps: [[Int]] = []
        var nextScores: [Float] = []
        var rows: [Int] = []
        for c in cands {
          if c.token == SubwordTokenizer.eos || step == limit {
            let toks = c.token == SubwordTokenizer.eos ? hyps[c.beam] : hyps[c.beam] + [c.token]
            let norm = c.score / powf(Float(toks.count + 1), alpha)
            finished.append((toks, c.score, norm))
          } else if nextHyps.count < k {
            nextHyps.append(hyps[c.beam] + [c.token])
            nextScores.append(c.score)
            rows.append(c.beam)
          }
          if nextHyps.count == k { break }
        }
        // Stop when K hypotheses have finished and no live beam can still beat the best finished one
        // (log-probabilities only fall, so a live beam's normalised score is bounded by its current score
        // over the longest allowed length).
        let bestDone = finished.map(\.norm).max() ?? -Float.infinity
        let bound = (nextScores.max() ?? -Float.infinity) / powf(Float(limit + 1), alpha)
        if nextHyps.isEmpty || (finished.count >= k && bound < bestDone) || step == limit { break }
        while nextHyps.count < k {  // pad with dead beams
          nextHyps.append([])
          nextScores.append(-Float.infinity)
          rows.append(rows.first ?? 0)
        }
        for c in caches { c.reorder(rows) }
        (hyps, scores) = (nextHyps, nextScores)
      }
      let top = finished.max { $0.norm < $1.norm }
      return Translation(tokens: top?.tokens ?? [], logProbability: top?.logp ?? 0, attention: nil)
    }
    guard attention else { return best }
    var out = best
    out.attention = attentionMap(source: source, output: best.tokens)
    return out
  }

  /// The last decoder layer's cross-attention (heads averaged) while reading `output` + <eos>: rows = output
  /// tokens, columns = source tokens.
  public func attentionMap(source: [Int], output: [Int]) -> [[Float]] {
    eval()
    guard let layer = decoder.last else { return [] }
    layer.crossAttn.captureWeights = true
    defer { layer.crossAttn.captureWeights = false }
    let batch = TranslationBatch([(source: source, target: output)])
    _ = noGrad { self(batch) }
    guard let w = layer.crossAttn.lastWeights else { return [] }
    let (h, t, s) = (w.shape[1], w.shape[2], w.shape[3])
    let flat = w.toArray()
    return (0..<t).map { i in
      (0..<s).map { j in (0..<h).reduce(Float(0)) { $0 + flat[($1 * t + i) * s + j] } / Float(h) }
    }
  }
}

/// Rows of a (1, …) tensor repeated `k` times → (k, …).
func repeatRows(_ x: Tensor, _ k: Int) -> Tensor {
  Tensor.concat([Tensor](repeating: x.contiguous(), count: k), axis: 0)
}

/// The best token of row `row` that may be produced (never <pad>, <bos>, <unk>).
func argmaxAllowed(_ lp: [Float], row: Int, width: Int) -> Int {
  var best = SubwordTokenizer.eos
  var bestValue = -Float.infinity
  for t in 0..<width where t != SubwordTokenizer.pad && t != SubwordTokenizer.bos && t != SubwordTokenizer.unk {
    if lp[row * width + t] > bestValue { (best, bestValue) = (t, lp[row * width + t]) }
  }
  return best
}

/// The `count` highest-scoring allowed tokens of a row, best first.
func topIndices(_ lp: [Float], row: Int, width: Int, count: Int) -> [Int] {
  var top: [(Float, Int)] = []
  for t in 0..<width where t != SubwordTokenizer.pad && t != SubwordTokenizer.bos && t != SubwordTokenizer.unk {
    let x = lp[row * width + t]
    if top.count < count {
      top.append((x, t))
      top.sort { $0.0 > $1.0 }
    } else if let lastValue = top.last?.0, x > lastValue {
      top[top.count - 1] = (x, t)
      top.sort { $0.0 > $1.0 }
    }
  }
  return top.map(\.1)
}
