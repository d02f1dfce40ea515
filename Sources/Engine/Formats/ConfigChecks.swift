// Configs read from checkpoints are checked before a model is built from them: a file that says heads = 0,
// width = −1 or layers = 10⁹ must give a one-line error naming the field, not a division by zero, a negative range
// or a 256 GB allocation.

/// A config that can say what is wrong with it. `Checkpoint.config(_:)` calls `validate()` after decoding.
public protocol ValidatedConfig {
  /// Throws a `ConfigError` naming the first field out of range.
  func validate() throws
}

/// A field of a config out of its range.
public struct ConfigError: Error, CustomStringConvertible {
  /// The message: the field, what it must be, and what it is.
  public let description: String
  /// An error with its message.
  public init(_ description: String) { self.description = description }
}

/// Checks that `value` (the config field `name`) lies in `range`.
public func checkField<T: Comparable>(_ name: String, _ value: T, in range: ClosedRange<T>) throws {
  guard range.contains(value) else {
    throw ConfigError("\(name) must be between \(range.lowerBound) and \(range.upperBound) (is \(value))")
  }
}

/// Checks that `condition` holds for the config field `name`, with `requirement` saying what it must be.
public func checkField(_ name: String, _ condition: Bool, _ requirement: @autoclosure () -> String) throws {
  guard condition else { throw ConfigError("\(name) \(requirement())") }
}
