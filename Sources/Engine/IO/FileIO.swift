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

  /// Writes `bytes` so that `path` holds either its old content or all of the new one, never a part.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = "\(path).tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(errno)))") }
    var ok = true
    bytes.withUnsafeBytes { buf in
      var done = 0
      while done < buf.count {
        let r = write(fd, buf.baseAddress! + done, buf.count - done)
        if r <= 0 {
          ok = false
          break
        }
        done += r
      }
    }
    let err = errno
    if ok && fsync(fd) != 0 { ok = false }
    close(fd)
    guard ok, rename(tmp, path) == 0 else {
      unlink(tmp)
      throw FileError(path, "cannot write: \(String(cString: strerror(ok ? errno : err)))")
    }
  }

  /// True when a file or directory exists at `path`.
  public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
