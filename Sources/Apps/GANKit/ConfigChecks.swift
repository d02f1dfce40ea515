import Engine

extension GANConfig: ValidatedConfig {
  /// Ranges a checkpoint's config must respect before the networks are built.
  public func validate() throws {
    try checkField("latent", latent, in: 1...4096)
    try checkField("channels", channels == 1 || channels == 3, "must be 1 or 3 (is \(channels))")
    try checkField("size", size, in: 8...1024)
    try checkField("size", size % 4 == 0, "must be a multiple of 4 (is \(size))")
    try checkField("width", width, in: 2...2048)
    try checkField("pack", pack, in: 1...16)
    try checkField("generatorExtra", generatorExtra, in: 0...16)
    try checkField("discriminatorExtra", discriminatorExtra, in: 0...16)
    let side = Double(size / 4)
    let total = Double(latent) * Double(2 * width) * side * side + 40 * Double(width) * Double(width)
    try checkField("width × size", total <= 2e9, "give about \(Int(total)) parameters, more than 2·10⁹")
  }
}
