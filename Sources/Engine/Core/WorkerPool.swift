import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A fixed set of worker threads for the engine's parallel loops. The caller runs part 0 itself; workers run the
/// other parts. After a job, workers spin for a short while (`spinSeconds`) so back-to-back parallel ops start
/// without a wake-up, then park on a condition variable so an idle engine uses no CPU.
final class WorkerPool: @unchecked Sendable {
  let workerCount: Int
  private let generation = Atomic<Int>(0)
  private let pending = Atomic<Int>(0)
  private var parts = 0
  nonisolated(unsafe) private var job: ((Int) -> Void)?
  private var mutex = pthread_mutex_t()
  private var cond = pthread_cond_t()
  private var threads: [pthread_t] = []
  /// How long an idle worker polls for the next job before parking.
  let spinSeconds = 2e-4

  init(workers: Int) {
    workerCount = workers
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&cond, nil)
    for i in 0..<workers {
      let box = Unmanaged.passRetained(WorkerStart(pool: self, index: i + 1))
      var t = pthread_t()
      pthread_create(
        &t, nil,
        { raw in
          guard let raw else { return nil }
          let start = Unmanaged<WorkerStart>.fromOpaque(raw).takeRetainedValue()
          start.pool.workerLoop(start.index)
          return nil
        }, box.toOpaque())
      threads.append(t)
    }
  }

  /// Runs `body(part)` for part in 0..<n (n ≤ workerCount + 1), part 0 on the calling thread; returns when all finished.
  func run(_ n: Int, _ body: (Int) -> Void) {
    precondition(n >= 1 && n <= workerCount + 1, "WorkerPool.run: \(n) parts for \(workerCount) workers")
    withoutActuallyEscaping(body) { body in
      job = body
      parts = n
      pending.store(n - 1, ordering: .sequentiallyConsistent)
      generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
      pthread_mutex_lock(&mutex)
      pthread_cond_broadcast(&cond)
      pthread_mutex_unlock(&mutex)
      body(0)
      while pending.load(ordering: .acquiring) > 0 {}
      job = nil
    }
  }

  private func workerLoop(_ index: Int) {
    var seen = 0
    while true {
      // Spin briefly, then park until the generation changes.
      var current = generation.load(ordering: .acquiring)
      if current == seen {
        let deadline = monotonicSeconds() + spinSeconds
        var polls = 0
        while current == seen {
          polls &+= 1
          if polls & 255 == 0 && monotonicSeconds() > deadline { break }
          current = generation.load(ordering: .acquiring)
        }
        if current == seen {
          pthread_mutex_lock(&mutex)
          while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&cond, &mutex) }
          pthread_mutex_unlock(&mutex)
          current = generation.load(ordering: .acquiring)
        }
      }
      seen = current
      if index < parts, let job { job(index) }
      if index < parts { pending.subtract(1, ordering: .releasing) }
    }
  }
}

private final class WorkerStart {
  let pool: WorkerPool
  let index: Int
  init(pool: WorkerPool, index: Int) {
    self.pool = pool
    self.index = index
  }
}
