/* xce_dev.c - the emulated GPU as a device (cuda_dev.h xl_dev_cuda_emu): host memory treated as
 * device memory (the executor copies explicitly, as on the GPU; here each copy is a memcpy), and
 * GEMMs on the host's BLAS through the CPU device where the build has it (else plain loops in
 * the same row-major contract, kp_gemm: kplan.h). Kernels launch through xce_launch (xce.h). */
#include <stdlib.h>
#include <string.h>

#include "cuda_dev.h"

static void *emu_alloc(size_t bytes, size_t align) {
  if (align < sizeof(void *)) align = sizeof(void *);
  return aligned_alloc(align, (bytes + align - 1) / align * align + (bytes ? 0 : align));
}

static void emu_free(void *p) { free(p); }

static void emu_copy(void *dst, const void *src, size_t bytes, xl_copy_dir dir) {
  (void)dir;
  if (bytes) memmove(dst, src, bytes);
}

static int emu_parts(void) { return 1; }

#ifdef XLC_HAVE_CPU
static void emu_gemm(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C) {
  xl_dev_cpu()->gemm(g, dt, A, B, C);
}
#else
#define GEMM_LOOPS(T)                                                                                       \
  for (int64_t o = 0; o < g->outer; o++)                                                                    \
    for (int64_t b = 0; b < g->batch; b++) {                                                                \
      const T *a = (const T *)A + o * g->oa + b * g->sa, *bb = (const T *)B + o * g->ob + b * g->sb;        \
      T *c = (T *)C + o * g->oc + b * g->sc;                                                                \
      for (int64_t i = 0; i < g->m; i++)                                                                    \
        for (int64_t j = 0; j < g->n; j++) {                                                                \
          T s = 0;                                                                                          \
          for (int64_t k = 0; k < g->k; k++)                                                                \
            s += (g->trans_a ? a[k * g->lda + i] : a[i * g->lda + k]) *                                     \
                 (g->trans_b ? bb[j * g->ldb + k] : bb[k * g->ldb + j]);                                    \
          c[i * g->ldc + j] = s;                                                                            \
        }                                                                                                   \
    }
static void emu_gemm(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C) {
  if (dt == CG_F64) {
    GEMM_LOOPS(double)
  } else {
    GEMM_LOOPS(float)
  }
}
#endif

static void emu_sync(void) {}

static const xl_device dev_emu = {"cuda-emu", XL_DEV_GPU, emu_alloc, emu_free, emu_copy,
                                  emu_parts,  NULL,       emu_gemm,  emu_sync};

const xl_device *xl_dev_cuda_emu(void) { return &dev_emu; }
