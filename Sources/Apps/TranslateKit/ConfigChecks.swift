import Engine

extension TranslatorConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before a model is built (at most 2·10⁹ parameters), and
  /// tokenizers whose merges refer to tokens they have.
  public func validate() throws {
    try checkField("width", width, in: 1...8192)
    try checkField("heads", heads, in: 1...width)
    try checkField("heads", width % heads == 0, "must divide width \(width) (is \(heads))")
    try checkField("encoderLayers", encoderLayers, in: 1...64)
    try checkField("decoderLayers", decoderLayers, in: 1...64)
    try checkField("feedForward", feedForward, in: 1...65536)
    try checkField("dropout", dropout, in: 0...0.99)
    try checkField("maxLength", maxLength, in: 2...8192)
    for (name, t) in [("source", source), ("target", target)] {
      try checkField("\(name) vocabulary", t.count, in: SubwordTokenizer.specials.count...2_000_000)
      try checkField(
        "\(name) vocabulary", Array(t.tokens.prefix(4)) == SubwordTokenizer.specials,
        "must start with <pad>, <bos>, <eos>, <unk>")
      try checkField("\(name) merges", t.merges.count < t.count, "outnumber the vocabulary")
      let known = Set(t.tokens)
      try checkField("\(name) vocabulary", known.count == t.count, "must not repeat a token")
      for m in t.merges {
        try checkField(
          "\(name) merges", m.count == 2 && m.allSatisfy { (0..<t.count).contains($0) },
          "must be pairs of token ids below \(t.count) (found \(m))")
        try checkField(
          "\(name) merges", known.contains(t.tokens[m[0]] + t.tokens[m[1]]),
          "must make tokens of the vocabulary ('\(t.tokens[m[0]])' + '\(t.tokens[m[1]])' is not one)")
      }
    }
    let layers = Double(encoderLayers + decoderLayers)
    let total =
      layers * (4 * Double(width) * Double(width) + 2 * Double(width) * Double(feedForward))
      + Double(source.count + 2 * target.count) * Double(width)
    try checkField("width × layers", total <= 2e9, "give \(Int(total)) parameters, more than 2·10⁹")
  }
}
