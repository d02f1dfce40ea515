#define SDL_MAIN_HANDLED
#include <SDL2/SDL.h>
/* Composite macros Swift does not import. */
static inline int kestrel_sdl_windowpos_centered(void) { return SDL_WINDOWPOS_CENTERED; }
static inline Uint32 kestrel_sdl_pixelformat_rgb24(void) { return SDL_PIXELFORMAT_RGB24; }
