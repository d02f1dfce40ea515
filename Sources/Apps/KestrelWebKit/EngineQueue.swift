import Dispatch
import Foundation

// The engine keeps process-wide state (grad mode, worker pool, scratch buffers), so inference is serialised: every
// model runs on one serial queue, which the async request handlers await. Long jobs (text streams, episodes) run
// in short slices so that other requests interleave between them.

/// The one serial queue all engine work runs on.
public final class EngineQueue: Sendable {
  private let queue = DispatchQueue(label: "kestrel.web.engine", qos: .userInitiated)

  /// A queue; one per server.
  public init() {}

  /// Runs `body` on the queue and returns its result (or rethrows its error) to the awaiting task.
  public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
      queue.async { c.resume(with: Result { try body() }) }
    }
  }
}

/// A value that is only ever touched on the `EngineQueue` (models, sessions, environments): the queue is what makes
/// sharing it safe, so the compiler is told it is `Sendable`.
public final class EngineBound<Value>: @unchecked Sendable {
  /// The value; read and write it only inside `EngineQueue.run`.
  public var value: Value
  /// Wraps `value`.
  public init(_ value: Value) { self.value = value }
}

/// A flag set from one task and read from another (a stream's consumer went away).
public final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var raised = false
  /// A lowered flag.
  public init() {}
  /// Raises the flag.
  public func raise() { lock.withLock { raised = true } }
  /// Whether it was raised.
  public var isRaised: Bool { lock.withLock { raised } }
}
