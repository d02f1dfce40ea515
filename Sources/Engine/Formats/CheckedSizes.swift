// Sizes read from files are checked before anything is allocated or copied: a hostile header whose shape product
// wraps around Int (e.g. 16 × 2³⁰ × 2³⁰) would otherwise pass a size comparison and make a parser copy far more
// than it allocated. These helpers report overflow whatever the build's optimisation flags (the engine is built
// with -Ounchecked, which drops Swift's own overflow traps).

/// The number of elements of `shape`: nil when a dimension is negative, the rank exceeds `maxRank`, or the product
/// (or the product times `elementBytes`) overflows `Int` or exceeds `limit` elements.
public func checkedElementCount(
  _ shape: [Int], elementBytes: Int = 1, maxRank: Int = 8, limit: Int = 1 << 40
) -> Int? {
  guard shape.count <= maxRank, elementBytes > 0 else { return nil }
  var count = 1
  for d in shape {
    guard d >= 0 else { return nil }
    let (p, overflow) = count.multipliedReportingOverflow(by: d)
    guard !overflow, p <= limit else { return nil }
    count = p
  }
  let (bytes, overflow) = count.multipliedReportingOverflow(by: elementBytes)
  return overflow ? nil : (bytes >= 0 ? count : nil)
}

/// `a · b`, or nil when it overflows or either is negative.
public func checkedProduct(_ a: Int, _ b: Int) -> Int? {
  guard a >= 0, b >= 0 else { return nil }
  let (p, overflow) = a.multipliedReportingOverflow(by: b)
  return overflow ? nil : p
}
