#include <cblas.h>
/* OpenBLAS threading controls (declared in OpenBLAS's cblas.h; repeated here for clarity). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* Engine memory: glibc malloc tuning (mallopt's macros live in <malloc.h>, which Swift's Glibc module omits). */
#include <malloc.h>
static inline void kestrel_keep_large_blocks_in_heap(void) {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}
