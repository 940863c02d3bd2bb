/* cuda_dev.c - the GPU and emulated-GPU devices (cuda_dev.h).
 *
 * GEMM on the GPU: cuBLAS is column-major, the plan's descriptors row-major, so each C (m x n)
 * = A B is computed as C^T (n x m) = B^T A^T: the operands swap places and each keeps its own
 * transposition flag. One strided-batched call per outer entry. cuBLAS's default math mode
 * (no TF32 for f32) and one stream give the same bits on every run (deterministic). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_dev.h"
#include "cuda_drv.h"
#include "xl_util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *first_error;

static void fail(char *msg) { /* takes msg */
  pthread_mutex_lock(&mu);
  if (!first_error) first_error = msg, msg = NULL;
  pthread_mutex_unlock(&mu);
  free(msg);
}

char *xl_dev_cuda_error(void) {
  pthread_mutex_lock(&mu);
  char *e = first_error;
  first_error = NULL;
  pthread_mutex_unlock(&mu);
  return e;
}

/* ---- the GPU ---- */

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static xcu_context ctx;
static char *ctx_err;

static void ctx_open(void) { (void)xcu_context_open(0, &ctx, &ctx_err); }

/* the context current on this thread; 0, or -1 after recording why not */
static int ready(void) {
  pthread_once(&ctx_once, ctx_open);
  if (ctx_err) {
    fail(xl_fmt("%s", ctx_err));
    return -1;
  }
  char *err = NULL;
  if (xcu_context_open(0, &ctx, &err)) { /* retains again: cheap, and sets it current here */
    fail(err);
    return -1;
  }
  xcu_context_close(0); /* one retain (ctx_open's) is kept for the process */
  return 0;
}

static void *gpu_alloc(size_t bytes, size_t align) {
  (void)align; /* cuMemAlloc aligns to at least 256 bytes */
  xcu_ptr p = 0;
  char *err = NULL;
  if (ready() || xcu_alloc(&p, bytes, &err)) {
    if (err) fail(xl_fmt("allocating %zu bytes on the GPU: %s", bytes, err)), free(err);
    return NULL;
  }
  return (void *)(uintptr_t)p;
}

static void gpu_free(void *p) { xcu_free((xcu_ptr)(uintptr_t)p); }

static void gpu_copy(void *dst, const void *src, size_t bytes, xl_copy_dir dir) {
  char *err = NULL;
  if (ready()) return;
  int rc = dir == XL_COPY_H2D   ? xcu_copy_htod((xcu_ptr)(uintptr_t)dst, src, bytes, &err)
           : dir == XL_COPY_D2H ? xcu_copy_dtoh(dst, (xcu_ptr)(uintptr_t)src, bytes, &err)
                                : xcu_copy_dtod((xcu_ptr)(uintptr_t)dst, (xcu_ptr)(uintptr_t)src, bytes, &err);
  if (rc) fail(err);
}

static int one_part(void) { return 1; }

/* cuBLAS, loaded on first use */
typedef int (*gemm_sb_fn)(void *, int, int, int, int, int, const void *, const void *, int, long long, const void *,
                          int, long long, const void *, void *, int, long long, int);
static struct {
  pthread_once_t once;
  void *lib, *handle;
  gemm_sb_fn sgemm, dgemm;
  char *err;
} B = {.once = PTHREAD_ONCE_INIT};

static void blas_load(void) {
  const char *names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !B.lib; i++) B.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!B.lib) {
    B.err = xl_fmt("cuBLAS could not be loaded (%s)", dlerror());
    return;
  }
  int (*create)(void **) = (int (*)(void **))dlsym(B.lib, "cublasCreate_v2");
  B.sgemm = (gemm_sb_fn)dlsym(B.lib, "cublasSgemmStridedBatched");
  B.dgemm = (gemm_sb_fn)dlsym(B.lib, "cublasDgemmStridedBatched");
  int rc = create && B.sgemm && B.dgemm ? create(&B.handle) : -1;
  if (rc) B.err = xl_fmt("cuBLAS: cublasCreate failed (status %d)", rc);
}

static void gpu_gemm(const kp_gemm *g, cg_dtype dt, const void *A, const void *Bm, void *C) {
  if (ready()) return;
  pthread_once(&B.once, blas_load);
  if (B.err) {
    fail(xl_fmt("%s", B.err));
    return;
  }
  size_t es = dt == CG_F64 ? 8 : 4;
  double one = 1, zero = 0;
  float onef = 1, zerof = 0;
  for (int64_t o = 0; o < g->outer; o++) {
    const char *a = (const char *)A + (size_t)(o * g->oa) * es, *b = (const char *)Bm + (size_t)(o * g->ob) * es;
    char *c = (char *)C + (size_t)(o * g->oc) * es;
    /* column-major C^T (n x m) = op(B view) (n x k) * op(A view) (k x m) */
    int rc = (dt == CG_F64 ? B.dgemm : B.sgemm)(
        B.handle, g->trans_b ? 1 : 0, g->trans_a ? 1 : 0, (int)g->n, (int)g->m, (int)g->k,
        dt == CG_F64 ? (const void *)&one : (const void *)&onef, b, (int)g->ldb, g->sb, a, (int)g->lda, g->sa,
        dt == CG_F64 ? (const void *)&zero : (const void *)&zerof, c, (int)g->ldc, g->sc, (int)g->batch);
    if (rc) {
      fail(xl_fmt("cuBLAS gemm %lldx%lldx%lld failed (status %d)", (long long)g->m, (long long)g->n, (long long)g->k, rc));
      return;
    }
  }
}

static void gpu_sync(void) {
  char *err = NULL;
  if (!ready() && xcu_context_sync(&err)) fail(err);
}

/* CUDA_MEMCPY2D (the driver ABI, _v2: size_t fields); memory types host 1, device 2 */
typedef struct {
  size_t src_x, src_y;
  int src_type;
  const void *src_host;
  xcu_ptr src_dev;
  void *src_array;
  size_t src_pitch;
  size_t dst_x, dst_y;
  int dst_type;
  void *dst_host;
  xcu_ptr dst_dev;
  void *dst_array;
  size_t dst_pitch;
  size_t width, height;
} gpu_memcpy2d;

static void gpu_copy2d(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t rows,
                       xl_copy_dir dir) {
  if (!width || !rows || ready()) return;
  int (*cp)(const gpu_memcpy2d *) = (int (*)(const gpu_memcpy2d *))xcu_sym("cuMemcpy2D_v2");
  gpu_memcpy2d c;
  memset(&c, 0, sizeof c);
  c.src_type = dir == XL_COPY_H2D ? 1 : 2;
  c.dst_type = dir == XL_COPY_D2H ? 1 : 2;
  if (dir == XL_COPY_H2D) c.src_host = src;
  else c.src_dev = (xcu_ptr)(uintptr_t)src;
  if (dir == XL_COPY_D2H) c.dst_host = dst;
  else c.dst_dev = (xcu_ptr)(uintptr_t)dst;
  c.src_pitch = spitch, c.dst_pitch = dpitch, c.width = width, c.height = rows;
  int rc = cp ? cp(&c) : -1;
  if (rc) fail(xl_fmt("cuMemcpy2D %zu x %zu bytes failed (%s)", rows, width, cp ? xcu_errname(rc) : "no entry point"));
}

static void gpu_zero(void *dst, size_t bytes) {
  if (!bytes || ready()) return;
  int (*set)(xcu_ptr, unsigned char, size_t) = (int (*)(xcu_ptr, unsigned char, size_t))xcu_sym("cuMemsetD8_v2");
  int rc = set ? set((xcu_ptr)(uintptr_t)dst, 0, bytes) : -1;
  if (rc) fail(xl_fmt("cuMemsetD8 of %zu bytes failed (%s)", bytes, set ? xcu_errname(rc) : "no entry point"));
}

static const xl_device dev_gpu = {"cuda",   XL_DEV_GPU, gpu_alloc, gpu_free,   gpu_copy, one_part,
                                  NULL,     gpu_gemm,   gpu_sync,  gpu_copy2d, gpu_zero};

const xl_device *xl_dev_cuda(const char **why) {
  const char *w = xcu_init();
  if (why) *why = w;
  return w ? NULL : &dev_gpu;
}
