#if canImport(Glibc)
  import Glibc
#endif

/// An error reading or writing a file: names the file and what is wrong, in one line.
public struct FileError: Error, CustomStringConvertible, Equatable {
  /// The file.
  public let path: String
  /// What is wrong with it.
  public let message: String
  /// An error about `path`.
  public init(_ path: String, _ message: String) {
    self.path = path
    self.message = message
  }
  /// `path: message`.
  public var description: String { "\(path): \(message)" }
}

/// Whole-file reads and atomic writes (temp file in the same directory, fsync, rename).
public enum FileIO {
  /// The file's bytes.
  public static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw FileError(path, String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw FileError(path, String(cString: strerror(errno))) }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path, "is a directory, not a file") }
    let size = Int(st.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    try bytes.withUnsafeMutableBytes { buf in
      while done < size {
        let r = Glibc.read(fd, buf.baseAddress! + done, size - done)
        if r < 0 { throw FileError(path, String(cString: strerror(errno))) }
        if r == 0 { break }
        done += r
      }
    }
    return done == size ? bytes : Array(bytes[..<done])
  }

  /// Writes `bytes` so that `path` holds either its old content or all of the new one, never a part: a temp file
  /// beside it (created exclusively, never through a symlink, with an unpredictable name), fsync, rename, then
  /// fsync of the directory so the rename itself survives a crash. Temp files left by killed writers of `path`
  /// are removed first.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    removeStaleTemporaries(of: path)
    var fd: Int32 = -1
    var tmp = ""
    for _ in 0..<16 {
      tmp = "\(path).tmp-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
      fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(errno)))") }
    var failure: Int32 = 0
    bytes.withUnsafeBytes { buf in
      guard let base = buf.baseAddress else { return }
      var done = 0
      while done < buf.count {
        let r = write(fd, base + done, buf.count - done)
        if r < 0 && errno == EINTR { continue }
        if r <= 0 {
          failure = r < 0 ? errno : ENOSPC
          break
        }
        done += r
      }
    }
    if failure == 0 && fsync(fd) != 0 { failure = errno }
    close(fd)
    if failure == 0 && rename(tmp, path) != 0 { failure = errno }
    guard failure == 0 else {
      unlink(tmp)
      throw FileError(path, "cannot write: \(String(cString: strerror(failure)))")
    }
    syncDirectory(of: path)
  }

  /// Removes `path.tmp-PID…` files whose writer process is gone (killed during a save).
  static func removeStaleTemporaries(of path: String) {
    let slash = path.lastIndex(of: "/")
    let dir = slash.map { String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !dir.isEmpty, let d = opendir(dir) else { return }
    defer { closedir(d) }
    let prefix = base + ".tmp-"
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
    while let entry = readdir(d) {
      // d_name is read in place up to its NUL: a dirent record is only as long as its name (found by
      // AddressSanitizer: copying the whole 256-byte field read past short records).
      let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
      guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).prefix(while: \.isNumber)) else {
        continue
      }
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
    }
  }

  /// fsync of the directory holding `path` (makes a rename durable); errors are ignored (some filesystems refuse).
  static func syncDirectory(of path: String) {
    let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    let fd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  /// True when a file or directory exists at `path`.
  public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
