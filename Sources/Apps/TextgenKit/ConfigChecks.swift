import Engine

extension TextModelConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before a model is built (at most 2·10⁹ parameters).
  public func validate() throws {
    try checkField("layers", layers, in: 1...96)
    try checkField("width", width, in: 1...8192)
    try checkField("embedding", embedding, in: 1...8192)
    try checkField("context", context, in: 1...65536)
    try checkField("dropout", dropout, in: 0...0.99)
    try checkField("vocabulary", vocabulary.count, in: 1...1_000_000)
    try checkField(
      "vocabulary", Set(vocabulary.scalars).count == vocabulary.count, "must not repeat a character")
    try checkField(
      "vocabulary", vocabulary.scalars.allSatisfy { Unicode.Scalar($0) != nil }, "must hold Unicode scalar values")
    if kind == .gpt {
      try checkField("heads", heads, in: 1...width)
      try checkField("heads", width % heads == 0, "must divide width \(width) (is \(heads))")
    }
    let perLayer = 12.0 * Double(width) * Double(width)
    let total = Double(layers) * perLayer + Double(vocabulary.count + context) * Double(max(width, embedding))
    try checkField("layers × width", total <= 2e9, "give \(Int(total)) parameters, more than 2·10⁹")
  }
}
