import CSDL2
import PixelFont

#if canImport(Glibc)
  import Glibc
#endif

/// Errors from SDL: one line with SDL's message.
public struct RenderError: Error, CustomStringConvertible {
  public let description: String
}

/// Keys the viewers react to.
public enum Key: Sendable {
  case quit, pause, faster, slower, reset, left, right, up, down
}

/// An SDL2 window (or, with `headless`, an off-screen surface through SDL's dummy video driver) with a software
/// renderer; drawing in pixels, origin top-left.
public final class Window {
  let window: OpaquePointer
  let renderer: OpaquePointer
  public let width: Int
  public let height: Int

  /// Opens the window. `headless` needs no display (frames can still be read back for `--record`).
  public init(title: String, width: Int, height: Int, headless: Bool) throws {
    if headless { setenv("SDL_VIDEODRIVER", "dummy", 1) }
    SDL_SetMainReady()
    guard SDL_Init(SDL_INIT_VIDEO) == 0 else {
      throw RenderError(
        description:
          "cannot open a window (\(String(cString: SDL_GetError()))); run with --record DIR for headless frames, or under Xvfb"
      )
    }
    let pos = Int32(kestrel_sdl_windowpos_centered())
    guard let w = SDL_CreateWindow(title, pos, pos, Int32(width), Int32(height), SDL_WINDOW_SHOWN.rawValue) else {
      throw RenderError(description: "cannot create a window (\(String(cString: SDL_GetError())))")
    }
    guard let r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE.rawValue) else {
      SDL_DestroyWindow(w)
      throw RenderError(description: "cannot create a renderer (\(String(cString: SDL_GetError())))")
    }
    window = w
    renderer = r
    self.width = width
    self.height = height
  }

  deinit {
    SDL_DestroyRenderer(renderer)
    SDL_DestroyWindow(window)
    SDL_Quit()
  }

  public func clear(_ c: (UInt8, UInt8, UInt8)) {
    SDL_SetRenderDrawColor(renderer, c.0, c.1, c.2, 255)
    SDL_RenderClear(renderer)
  }

  public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: (UInt8, UInt8, UInt8)) {
    SDL_SetRenderDrawColor(renderer, c.0, c.1, c.2, 255)
    SDL_RenderDrawLine(renderer, Int32(x0), Int32(y0), Int32(x1), Int32(y1))
  }

  public func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: (UInt8, UInt8, UInt8)) {
    SDL_SetRenderDrawColor(renderer, c.0, c.1, c.2, 255)
    var r = SDL_Rect(x: Int32(x), y: Int32(y), w: Int32(max(w, 1)), h: Int32(max(h, 1)))
    SDL_RenderFillRect(renderer, &r)
  }

  /// Filled triangles: every 3 points form one.
  public func triangles(_ points: [(Double, Double)], _ c: (UInt8, UInt8, UInt8)) {
    let color = SDL_Color(r: c.0, g: c.1, b: c.2, a: 255)
    var vertices = points.map {
      SDL_Vertex(position: SDL_FPoint(x: Float($0.0), y: Float($0.1)), color: color, tex_coord: SDL_FPoint(x: 0, y: 0))
    }
    SDL_RenderGeometry(renderer, nil, &vertices, Int32(vertices.count), nil, 0)
  }

  /// Text in a 3×5 pixel font scaled by `scale` (digits, letters, a few signs).
  public func text(_ s: String, x: Double, y: Double, scale: Double = 2, _ c: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
    var cx = x
    for ch in s.uppercased() {
      if let rows = PixelFont.glyph(ch) {
        for (r, bits) in rows.enumerated() {
          for b in 0..<3 where bits & (4 >> b) != 0 {
            rect(cx + Double(b) * scale, y + Double(r) * scale, scale, scale, c)
          }
        }
      }
      cx += 4 * scale
    }
  }

  public func present() { SDL_RenderPresent(renderer) }

  /// Pending key presses (and the window's close button as `.quit`).
  public func events() -> [Key] {
    var keys: [Key] = []
    var e = SDL_Event()
    while SDL_PollEvent(&e) != 0 {
      if e.type == SDL_QUIT.rawValue { keys.append(.quit) }
      if e.type == SDL_KEYDOWN.rawValue {
        switch Int(e.key.keysym.sym) {
        case Int(SDLK_q.rawValue), Int(SDLK_ESCAPE.rawValue): keys.append(.quit)
        case Int(SDLK_SPACE.rawValue): keys.append(.pause)
        case Int(SDLK_PLUS.rawValue), Int(SDLK_EQUALS.rawValue): keys.append(.faster)
        case Int(SDLK_MINUS.rawValue): keys.append(.slower)
        case Int(SDLK_r.rawValue): keys.append(.reset)
        case Int(SDLK_LEFT.rawValue): keys.append(.left)
        case Int(SDLK_RIGHT.rawValue): keys.append(.right)
        case Int(SDLK_UP.rawValue): keys.append(.up)
        case Int(SDLK_DOWN.rawValue): keys.append(.down)
        default: break
        }
      }
    }
    return keys
  }

  /// Keys held down now (for human takeover with the arrows).
  public func held() -> Set<Key> {
    guard let state = SDL_GetKeyboardState(nil) else { return [] }
    var out = Set<Key>()
    if state[Int(SDL_SCANCODE_LEFT.rawValue)] != 0 { out.insert(.left) }
    if state[Int(SDL_SCANCODE_RIGHT.rawValue)] != 0 { out.insert(.right) }
    if state[Int(SDL_SCANCODE_UP.rawValue)] != 0 { out.insert(.up) }
    if state[Int(SDL_SCANCODE_DOWN.rawValue)] != 0 { out.insert(.down) }
    return out
  }

  /// The current frame as RGB bytes (width × height × 3), for recording and tests.
  public func readPixels() throws -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    let rc = pixels.withUnsafeMutableBytes {
      SDL_RenderReadPixels(renderer, nil, kestrel_sdl_pixelformat_rgb24(), $0.baseAddress, Int32(width * 3))
    }
    guard rc == 0 else { throw RenderError(description: "cannot read pixels (\(String(cString: SDL_GetError())))") }
    return pixels
  }

  public func delay(milliseconds: Int) { SDL_Delay(UInt32(max(milliseconds, 0))) }
}
