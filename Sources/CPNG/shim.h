#include <png.h>
/* Function-like and composite macros Swift does not import, re-exported as functions. */
static inline png_uint_32 kestrel_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline png_uint_32 kestrel_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 kestrel_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 kestrel_png_format_gray_alpha(void) { return PNG_FORMAT_GA; }
