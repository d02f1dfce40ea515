// Gathering rows and elements by index (embedding lookup, Q(s, a) selection) with scatter-add backward.
// Legend: V = rows of the table (vocabulary), D = row width, N = number of indices.

extension Tensor {
  /// Rows of a 2-d table picked by `indices` (V, D) → (N, D); the embedding lookup.
  public func indexSelect(rows indices: [Int]) -> Tensor {
    precondition(rank == 2, "indexSelect: table must be (V, D), got \(shape)")
    let v = shape[0]
    let d = shape[1]
    let table = contiguous()
    let out = Tensor(uninitializedShape: [indices.count, d])  // (N, D)
    for (i, r) in indices.enumerated() {
      precondition(r >= 0 && r < v, "indexSelect: index \(r) is outside 0..<\(v)")
      (out.ptr + i &* d).update(from: table.ptr + r &* d, count: d)
    }
    return out.recording("index_select", [self]) { [shape] g in
      let gc = g.contiguous()
      let dt = Tensor(zeros: shape)  // (V, D) scatter-add
      for (i, r) in indices.enumerated() {
        let dst = dt.ptr + r &* d
        let src = gc.ptr + i &* d
        for j in 0..<d { dst[j] += src[j] }
      }
      return [dt]
    }
  }

  /// One element per row of a 2-d tensor: out[i] = self[i, indices[i]] (N, C) → (N).
  public func gather(columns indices: [Int]) -> Tensor {
    precondition(
      rank == 2 && indices.count == shape[0], "gather: needs (N, C) and N indices, got \(shape) and \(indices.count)")
    let c = shape[1]
    let x = contiguous()
    let out = Tensor(uninitializedShape: [shape[0]])
    for (i, j) in indices.enumerated() {
      precondition(j >= 0 && j < c, "gather: index \(j) is outside 0..<\(c)")
      out.ptr[i] = x.ptr[i &* c &+ j]
    }
    return out.recording("gather", [self]) { [shape] g in
      let gc = g.contiguous()
      let dx = Tensor(zeros: shape)
      for (i, j) in indices.enumerated() { dx.ptr[i &* c &+ j] += gc.ptr[i] }
      return [dx]
    }
  }
}
