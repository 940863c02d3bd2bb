/* test_cuda_emu.c - the emulated CUDA device (runtime/cuda/emu/xce.h) on hand-written kernels in
 * the xl_bufs ABI, each checked against the same computation in plain C here:
 * elementwise over a grid-stride loop, a block reduction (__shared__ + __syncthreads), a warp
 * reduction (__shfl_xor_sync / __shfl_down_sync), votes (__ballot_sync / __any_sync), atomicAdd
 * and atomicMax across blocks, a cooperative kernel with a grid barrier between two phases
 * (whose __shared__ bytes must stay per block), dynamic shared memory (`extern __shared__`),
 * plain and cooperative, a bf16 round trip (round to nearest even
 * against bit arithmetic here); launch counts; the hash of the compiled bytes; a compile error
 * with the compiler's message; a deadlock reported; the disk cache reused; the emulated device
 * table (copies, GEMM against a naive product); 3-D grid and block indices with and without
 * fibers (a source without collectives runs its threads one after another); many sources
 * compiled at once (xce_compile_many: sources whose preludes and kernel names collide, a
 * repeated source, a cooperative one and dynamic shared memory, each module running its own
 * kernel, each hash that of its bytes, all found in the cache the second time; a compile
 * error in a batch names the source at fault). Skipped (77) without a host C++ compiler.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cuda_dev.h"
#include "xce.h"
#include "xl_util.h"

static const char *const SRC =
    "typedef struct { void *b[32]; } xl_bufs;\n"
    "#include <cooperative_groups.h>\n"
    "extern \"C\" __global__ void axpy(xl_bufs p) {\n"
    "  const float *x = (const float *)p.b[0]; float *y = (float *)p.b[1]; int n = *(const int *)p.b[2];\n"
    "  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)\n"
    "    y[i] = 2.5f * x[i] + tanhf(y[i]);\n"
    "}\n"
    "extern \"C\" __global__ void block_sum(xl_bufs p) {\n" /* one partial sum per block */
    "  __shared__ double s[256];\n"
    "  const double *x = (const double *)p.b[0]; double *out = (double *)p.b[1];\n"
    "  unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;\n"
    "  s[t] = x[i];\n"
    "  __syncthreads();\n"
    "  for (unsigned h = blockDim.x / 2; h > 0; h /= 2) {\n"
    "    if (t < h) s[t] += s[t + h];\n"
    "    __syncthreads();\n"
    "  }\n"
    "  if (t == 0) out[blockIdx.x] = s[0];\n"
    "}\n"
    "extern \"C\" __global__ void warp_sum(xl_bufs p) {\n" /* per warp: xor butterfly and down-shift */
    "  const float *x = (const float *)p.b[0]; float *o = (float *)p.b[1];\n"
    "  unsigned i = blockIdx.x * blockDim.x + threadIdx.x, w = i / 32;\n"
    "  float a = x[i], b = x[i];\n"
    "  for (int m = 16; m > 0; m /= 2) a += __shfl_xor_sync(0xffffffffu, a, m);\n"
    "  for (int d = 16; d > 0; d /= 2) b += __shfl_down_sync(0xffffffffu, b, d);\n"
    "  unsigned bal = __ballot_sync(0xffffffffu, x[i] > 0.0f);\n"
    "  int any = __any_sync(0xffffffffu, x[i] > 100.0f);\n"
    "  if (threadIdx.x % 32 == 0) { o[4 * w] = b; o[4 * w + 2] = (float)bal; o[4 * w + 3] = (float)any; }\n"
    "  if (threadIdx.x % 32 == 5) o[4 * w + 1] = a;\n"
    "}\n"
    "extern \"C\" __global__ void atomics(xl_bufs p) {\n"
    "  const int *x = (const int *)p.b[0]; int *sum = (int *)p.b[1]; int *mx = (int *)p.b[2];\n"
    "  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  atomicAdd(sum, x[i]);\n"
    "  atomicMax(mx, x[i]);\n"
    "}\n"
    "extern \"C\" __global__ void two_phase(xl_bufs p) {\n" /* y[i] = x[i] - mean(x) over the grid */
    "  __shared__ float s[64];\n"
    "  const float *x = (const float *)p.b[0]; float *part = (float *)p.b[1]; float *y = (float *)p.b[2];\n"
    "  unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;\n"
    "  s[t] = x[i];\n"
    "  __syncthreads();\n"
    "  if (t == 0) { float a = 0; for (unsigned k = 0; k < blockDim.x; k++) a += s[k]; part[blockIdx.x] = a; }\n"
    "  cooperative_groups::this_grid().sync();\n"
    "  float tot = 0;\n"
    "  for (unsigned b = 0; b < gridDim.x; b++) tot += part[b];\n"
    "  y[i] = s[t] - tot / (float)(gridDim.x * blockDim.x);\n" /* s[t]: this block's bytes after the barrier */
    "}\n"
    "extern \"C\" __global__ void bf16_trip(xl_bufs p) {\n"
    "  const float *x = (const float *)p.b[0]; unsigned short *h = (unsigned short *)p.b[1]; float *y = (float *)p.b[2];\n"
    "  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  __nv_bfloat16 b = __float2bfloat16(x[i]);\n"
    "  h[i] = b.__x;\n"
    "  y[i] = __bfloat162float(b);\n"
    "}\n"
    "extern \"C\" __global__ void dyn_rev(xl_bufs p) {\n" /* each block's chunk reversed through dynamic shared memory */
    "  extern __shared__ __align__(16) double dsm[];\n"
    "  const double *x = (const double *)p.b[0]; double *y = (double *)p.b[1];\n"
    "  unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;\n"
    "  dsm[t] = x[i];\n"
    "  cooperative_groups::this_grid().sync();\n" /* in a plain launch of one block: that block */
    "  y[i] = dsm[blockDim.x - 1 - t];\n"
    "}\n"
    "extern \"C\" __global__ void stuck(xl_bufs p) {\n" /* thread 0 leaves, the rest wait forever */
    "  if (threadIdx.x == 0) return;\n"
    "  if (threadIdx.x == 1) __syncwarp();\n"
    "  __syncthreads();\n"
    "}\n";

/* h is the bf16 nearest to f, found by comparing the two candidates around it in double (ties: the even
   one); NaN stays NaN */
static int bf16_ok(float f, unsigned short h) {
  uint32_t u, hb = (uint32_t)h << 16;
  memcpy(&u, &f, 4);
  float back;
  memcpy(&back, &hb, 4);
  if (isnan(f)) return isnan(back);
  uint32_t lo = u & 0xffff0000u, hi = lo + 0x10000u;
  float flo, fhi;
  memcpy(&flo, &lo, 4), memcpy(&fhi, &hi, 4);
  /* past the largest bf16 the next candidate is infinity, which IEEE rounding treats as 2^128 */
  double dfhi = isinf(fhi) ? copysign(ldexp(1, 128), fhi) : fhi;
  double dlo = fabs((double)f - flo), dhi = fabs(dfhi - f);
  if (isinf(f)) return hb == u;
  uint32_t want = dlo < dhi ? lo : dhi < dlo ? hi : ((lo >> 16) & 1) ? hi : lo;
  return hb == want;
}

static int launch_smem(xce_module *m, const char *k, unsigned g, unsigned b, unsigned smem, void *const *bufs, int n,
                       int coop) {
  char *err = NULL;
  unsigned grid[3] = {g, 1, 1}, block[3] = {b, 1, 1};
  xl_dev_cuda_emu_open(); /* the emulated device's memory is guarded outside device operations */
  int rc = xce_launch(m, k, grid, block, smem, bufs, n, coop, &err);
  xl_dev_cuda_emu_close();
  CHECK(rc == 0, "%s: %s", k, err ? err : "");
  free(err);
  return rc;
}

static int launch(xce_module *m, const char *k, unsigned g, unsigned b, void *const *bufs, int n, int coop) {
  return launch_smem(m, k, g, b, 0, bufs, n, coop);
}

static void test_kernels(xce_module *m) {
  const xl_device *d = xl_dev_cuda_emu();
  long n0 = xce_launch_count();
  /* elementwise: 3 blocks of 64 over 1000 points (grid-stride) */
  {
    int n = 1000;
    float x[1000], y[1000], want[1000];
    for (int i = 0; i < n; i++) x[i] = (float)i / 7 - 30, y[i] = (float)(i % 13) / 5 - 1, want[i] = 2.5f * x[i] + tanhf(y[i]);
    float *dx = d->alloc(sizeof x, 64), *dy = d->alloc(sizeof y, 64);
    int *dn = d->alloc(sizeof n, 64);
    d->copy(dx, x, sizeof x, XL_COPY_H2D), d->copy(dy, y, sizeof y, XL_COPY_H2D), d->copy(dn, &n, sizeof n, XL_COPY_H2D);
    void *bufs[] = {dx, dy, dn};
    launch(m, "axpy", 3, 64, bufs, 3, 0);
    d->copy(y, dy, sizeof y, XL_COPY_D2H);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += fabsf(y[i] - want[i]) > 1e-5f * (1 + fabsf(want[i]));
    CHECK(!bad, "axpy: %d of %d wrong", bad, n);
    d->free(dx), d->free(dy), d->free(dn);
  }
  /* block reduction: 4 blocks of 256 */
  {
    double x[1024], out[4] = {0}, want[4] = {0};
    for (int i = 0; i < 1024; i++) x[i] = sin(i * 0.37) * 3, want[i / 256] += x[i];
    void *bufs[] = {x, out};
    launch(m, "block_sum", 4, 256, bufs, 2, 0);
    for (int b = 0; b < 4; b++) CHECK(fabs(out[b] - want[b]) < 1e-12 * 256 * 3, "block %d: %g, want %g", b, out[b], want[b]);
  }
  /* warp reductions and votes: 2 blocks of 96 (6 warps) */
  {
    float x[192], o[24];
    for (int i = 0; i < 192; i++) x[i] = (float)((i * 37) % 19) - 9 + (i == 70 ? 200 : 0);
    void *bufs[] = {x, o};
    launch(m, "warp_sum", 2, 96, bufs, 2, 0);
    for (int w = 0; w < 6; w++) {
      float s = 0;
      unsigned bal = 0;
      int any = 0;
      for (int l = 0; l < 32; l++) s += x[32 * w + l], bal |= (unsigned)(x[32 * w + l] > 0) << l, any |= x[32 * w + l] > 100;
      CHECK(fabsf(o[4 * w] - s) < 1e-3f && fabsf(o[4 * w + 1] - s) < 1e-3f, "warp %d: down %g, xor %g, want %g", w,
            o[4 * w], o[4 * w + 1], s);
      CHECK(o[4 * w + 2] == (float)bal && o[4 * w + 3] == (float)any, "warp %d: ballot %g (want %u), any %g (want %d)",
            w, o[4 * w + 2], bal, o[4 * w + 3], any);
    }
  }
  /* atomics across 5 blocks */
  {
    int x[320], sum = 0, mx = -1000, wsum = 0, wmx = -1000;
    for (int i = 0; i < 320; i++) x[i] = (i * 7919) % 101 - 50, wsum += x[i], wmx = x[i] > wmx ? x[i] : wmx;
    void *bufs[] = {x, &sum, &mx};
    launch(m, "atomics", 5, 64, bufs, 3, 0);
    CHECK(sum == wsum && mx == wmx, "atomics: sum %d (want %d), max %d (want %d)", sum, wsum, mx, wmx);
  }
  /* cooperative: a grid barrier between a per-block phase and a grid-wide one */
  {
    float x[256], part[4], y[256], mean = 0;
    for (int i = 0; i < 256; i++) x[i] = (float)(i % 17) * 0.25f + (float)(i / 64), mean += x[i];
    mean /= 256;
    void *bufs[] = {x, part, y};
    launch(m, "two_phase", 4, 64, bufs, 3, 1);
    int bad = 0;
    for (int i = 0; i < 256; i++) bad += fabsf(y[i] - (x[i] - mean)) > 1e-4f;
    CHECK(!bad, "two_phase: %d of 256 wrong (y[0] %g, want %g; y[255] %g, want %g)", bad, y[0], x[0] - mean, y[255],
          x[255] - mean);
    /* the same kernel without a cooperative launch cannot pass its grid barrier */
    char *err = NULL;
    unsigned g[3] = {4, 1, 1}, b[3] = {64, 1, 1};
    CHECK(xce_launch(m, "two_phase", g, b, 0, bufs, 3, 0, &err) == -1 && err && strstr(err, "deadlock"), "%s",
          err ? err : "no error");
    free(err);
  }
  /* bf16 round trip: ties to even, NaN quiet, infinities kept */
  {
    float x[64], y[64];
    unsigned short h[64];
    uint32_t special[] = {0x3f808000u, 0x3f818000u, 0x3f80ffffu, 0x7f800000u, 0xff800000u, 0x7fc00001u, 0x7f800001u,
                          0x00000001u, 0x80000000u, 0x7f7fffffu};
    for (int i = 0; i < 64; i++) x[i] = (float)(i - 20) / 3.3f;
    memcpy(x, special, sizeof special);
    void *bufs[] = {x, h, y};
    launch(m, "bf16_trip", 2, 32, bufs, 3, 0);
    int bad = 0;
    for (int i = 0; i < 64; i++) {
      uint32_t back = (uint32_t)h[i] << 16, yb;
      memcpy(&yb, &y[i], 4);
      bad += !bf16_ok(x[i], h[i]) || yb != back;
    }
    CHECK(!bad, "bf16: %d of 64 wrong (0x3f808000 -> 0x%04x, want 0x3f80)", bad, h[0]);
  }
  /* dynamic shared memory: one block per plain launch, and 3 blocks at once cooperatively (the
     grid barrier between the write and the read: each block must see its own bytes) */
  {
    double x[192], y[192];
    for (int i = 0; i < 192; i++) x[i] = i * 1.5 - 40;
    for (int coop = 0; coop < 2; coop++) {
      memset(y, 0, sizeof y);
      for (int b = 0; b < (coop ? 1 : 3); b++) {
        void *bufs[] = {x + (coop ? 0 : 64 * b), y + (coop ? 0 : 64 * b)};
        launch_smem(m, "dyn_rev", coop ? 3 : 1, 64, 64 * sizeof(double), bufs, 2, coop);
      }
      int bad = 0;
      for (int i = 0; i < 192; i++) bad += y[i] != x[i / 64 * 64 + 63 - i % 64];
      CHECK(!bad, "dyn_rev (cooperative %d): %d of 192 wrong", coop, bad);
    }
  }
  /* a barrier that cannot complete: an error, not a hang */
  {
    char *err = NULL;
    unsigned g[3] = {1, 1, 1}, b[3] = {8, 1, 1};
    CHECK(xce_launch(m, "stuck", g, b, 0, NULL, 0, 0, &err) == -1 && err && strstr(err, "deadlock") &&
              strstr(err, "stuck"),
          "%s", err ? err : "no error");
    free(err);
    CHECK(xce_launch(m, "nonesuch", g, b, 0, NULL, 0, 0, &err) == -1 && err && strstr(err, "nonesuch"), "%s",
          err ? err : "no error");
    free(err);
  }
  /* every launch that started (the unknown kernel did not) */
  CHECK(xce_launch_count() - n0 == 12, "launches counted: %ld", xce_launch_count() - n0);
}

/* 3-D grids and blocks: every thread writes its coordinates at its own linear index, in a
   module without collectives (threads run without fibers) and in one with a barrier (fibers) */
static void test_indices(const char *dir) {
  static const char *const body =
      "typedef struct { void *b[32]; } xl_bufs;\n"
      "extern \"C\" __global__ void idx3(xl_bufs p) {\n"
      "  int *o = (int *)p.b[0];\n"
      "  unsigned b = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;\n"
      "  unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;\n"
      "  unsigned i = b * blockDim.x * blockDim.y * blockDim.z + t;\n"
      "  %s\n"
      "  o[4 * i] = blockIdx.x + 10 * blockIdx.y + 100 * blockIdx.z;\n"
      "  o[4 * i + 1] = threadIdx.x + 10 * threadIdx.y + 100 * threadIdx.z;\n"
      "  o[4 * i + 2] = gridDim.x * gridDim.y * gridDim.z; o[4 * i + 3] = blockDim.x * blockDim.y * blockDim.z;\n"
      "}\n";
  for (int fibers = 0; fibers < 2; fibers++) {
    char *src = xl_fmt(body, fibers ? "__syncthreads();" : "");
    char *err = NULL;
    xce_module *m = xce_compile(src, strlen(src), dir, &err);
    CHECK(m, "idx3: %s", err ? err : "");
    free(err), err = NULL;
    unsigned g[3] = {3, 2, 2}, bl[3] = {4, 3, 2};
    int n = 12 * 24, *o = calloc((size_t)n * 4, sizeof(int));
    void *bufs[] = {o};
    CHECK(m && xce_launch(m, "idx3", g, bl, 0, bufs, 1, 0, &err) == 0, "idx3: %s", err ? err : "");
    free(err);
    int bad = 0;
    for (int bz = 0; bz < 2; bz++)
      for (int by = 0; by < 2; by++)
        for (int bx = 0; bx < 3; bx++)
          for (int tz = 0; tz < 2; tz++)
            for (int ty = 0; ty < 3; ty++)
              for (int tx = 0; tx < 4; tx++) {
                int i = ((bz * 2 + by) * 3 + bx) * 24 + (tz * 3 + ty) * 4 + tx;
                bad += o[4 * i] != bx + 10 * by + 100 * bz || o[4 * i + 1] != tx + 10 * ty + 100 * tz ||
                       o[4 * i + 2] != 12 || o[4 * i + 3] != 24;
              }
    CHECK(!bad, "idx3 (%s): %d of %d threads wrong", fibers ? "fibers" : "no fibers", bad, n);
    free(o), free(src);
    xce_module_free(m);
  }
}

static void test_device(void) {
  const xl_device *d = xl_dev_cuda_emu();
  CHECK(d->kind == XL_DEV_GPU && !strcmp(d->name, "cuda-emu"), "%s", d->name);
  /* C[b] (2 x 3) = A[b]^T (A stored 4 x 2) * B[b] (4 x 3), two batch entries */
  double A[16], B[24], C[12], W[12];
  for (int i = 0; i < 16; i++) A[i] = i * 0.5 - 3;
  for (int i = 0; i < 24; i++) B[i] = (i % 5) - 2.25;
  kp_gemm g = {.trans_a = 1, .batch = 2, .m = 2, .n = 3, .k = 4, .lda = 2, .ldb = 3, .ldc = 3, .sa = 8, .sb = 12, .sc = 6,
               .outer = 1};
  double *dA = d->alloc(sizeof A, 64), *dB = d->alloc(sizeof B, 64), *dC = d->alloc(sizeof C, 64);
  d->copy(dA, A, sizeof A, XL_COPY_H2D), d->copy(dB, B, sizeof B, XL_COPY_H2D);
  d->gemm(&g, CG_F64, dA, dB, dC);
  d->copy(C, dC, sizeof C, XL_COPY_D2H);
  d->free(dA), d->free(dB), d->free(dC);
  for (int b = 0; b < 2; b++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int k = 0; k < 4; k++) s += A[8 * b + k * 2 + i] * B[12 * b + k * 3 + j];
        W[6 * b + 3 * i + j] = s;
      }
  int bad = 0;
  for (int i = 0; i < 12; i++) bad += fabs(C[i] - W[i]) > 1e-12;
  CHECK(!bad, "emulated GEMM: %d of 12 wrong", bad);
}


/* Kernel i of a batch: y[t] = x[t] * (i + 1) + OFF, with a prelude (a typedef, a static
   function) that every source repeats with its own value, the kernel name "scale" in sources
   0..2 (so they need different batches) and dynamic shared memory in the odd ones. */
static char *batch_src(int i) {
  const char *name = i < 3 ? "scale" : i == 3 ? "scale3" : "scale4";
  return xl_fmt("typedef struct { void *b[32]; } xl_bufs;\n"
                "typedef double xl_r;\n"
                "static __device__ xl_r off(void) { return %d.0; }\n"
                "extern \"C\" __global__ void %s(xl_bufs p) {\n"
                "  %s\n"
                "  const xl_r *x = (const xl_r *)p.b[0]; xl_r *y = (xl_r *)p.b[1];\n"
                "  unsigned t = threadIdx.x;\n"
                "  %s\n"
                "  y[t] = x[t] * %d.0 + off();\n"
                "}\n",
                100 * i, name, i % 2 ? "extern __shared__ __align__(16) double buf[];" : "",
                i % 2 ? "buf[t] = 1.0; __syncthreads(); if (buf[(t + 1) % blockDim.x] != 1.0) y[t] = -1;" : "", i + 1);
}

static void test_many(const char *dir) {
  enum { N = 7 };
  char *src[N];
  size_t len[N];
  for (int i = 0; i < 5; i++) src[i] = batch_src(i);
  src[5] = xl_strdup(src[1]); /* a repeat */
  src[6] = xl_strdup("#include <cooperative_groups.h>\n"
                     "typedef struct { void *b[32]; } xl_bufs;\n"
                     "extern \"C\" __global__ void scale(xl_bufs p) {\n" /* the name again, cooperative */
                     "  double *x = (double *)p.b[0], *y = (double *)p.b[1];\n"
                     "  unsigned t = blockIdx.x * blockDim.x + threadIdx.x;\n"
                     "  x[t] = 7.0; cooperative_groups::this_grid().sync(); y[t] = x[t] + x[(t + 1) % 64];\n"
                     "}\n");
  for (int i = 0; i < N; i++) len[i] = strlen(src[i]);
  for (int pass = 0; pass < 2; pass++) {
    xce_module *m[N];
    char *err = NULL;
    int rc = xce_compile_many(N, (const char *const *)src, len, dir, m, &err);
    CHECK(rc == 0, "compile_many (pass %d): %s", pass, err ? err : "");
    free(err);
    if (rc) return;
    for (int i = 0; i < N; i++) {
      CHECK(xce_module_hash(m[i]) == xce_hash(src[i], len[i]), "batch source %d: the compiled bytes differ", i);
      CHECK(xce_module_cached(m[i]) == pass, "batch source %d, pass %d: cached %d", i, pass, xce_module_cached(m[i]));
      double x[64], y[64];
      for (int t = 0; t < 64; t++) x[t] = t, y[t] = 0;
      void *bufs[2] = {x, y};
      const char *name = i == 3 ? "scale3" : i == 4 ? "scale4" : "scale";
      int k = i == 5 ? 1 : i;
      if (i == 6) {
        if (launch(m[i], name, 2, 32, bufs, 2, 1)) continue;
      } else if (launch_smem(m[i], name, 1, 64, i % 2 ? 512 : 0, bufs, 2, 0)) {
        continue;
      }
      int bad = 0;
      for (int t = 0; t < 64; t++) bad += y[t] != (i == 6 ? 14.0 : x[t] * (k + 1) + 100 * k);
      CHECK(!bad, "batch source %d (%s): %d of 64 wrong (y[1] %g)", i, name, bad, y[1]);
    }
    for (int i = 0; i < N; i++) xce_module_free(m[i]);
  }
  /* an error in one source of a batch: the message names it, nothing returned */
  char *bad = xl_strdup("typedef struct { void *b[32]; } xl_bufs;\n"
                        "extern \"C\" __global__ void broken(xl_bufs p) { undeclared_in_batch = 1; }\n");
  char *fresh[N];
  size_t flen[N];
  for (int i = 0; i < N; i++) {
    fresh[i] = i == 2 ? bad : xl_fmt("%s/* %d */\n", src[i], i); /* new bytes: not cached */
    flen[i] = strlen(fresh[i]);
  }
  xce_module *m[N];
  char *err = NULL;
  CHECK(xce_compile_many(N, (const char *const *)fresh, flen, dir, m, &err) == -1 && err &&
            strstr(err, "undeclared_in_batch") && !m[0] && !m[N - 1],
        "batch compile error: %s", err ? err : "none");
  free(err);
  for (int i = 0; i < N; i++) free(src[i]), free(fresh[i]);
}

int main(void) {
  char dir[] = "/tmp/xlc-test-emu-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  char *err = NULL;
  size_t len = strlen(SRC);
  xce_module *m = xce_compile(SRC, len, dir, &err);
  if (!m && err && strstr(err, "cannot run the host C++ compiler")) {
    fprintf(stderr, "skipped: %s\n", err);
    return 77;
  }
  CHECK(m, "compile: %s", err ? err : "");
  free(err);
  if (!m) return 1;
  CHECK(!xce_module_cached(m), "first compile found in an empty cache");
  CHECK(xce_module_hash(m) == xce_hash(SRC, len), "the compiled bytes differ from the source given");
  test_kernels(m);
  test_indices(dir);
  test_device();
  /* the cache: the same source again is loaded, not compiled */
  xce_module *m2 = xce_compile(SRC, len, dir, &err);
  CHECK(m2 && xce_module_cached(m2) && xce_module_hash(m2) == xce_hash(SRC, len), "second compile: %s",
        err ? err : "not cached");
  free(err);
  err = NULL;
  if (m2) test_kernels(m2);
  /* a compile error: the compiler's message, naming the undeclared identifier */
  const char *bad = "extern \"C\" __global__ void k(void) { undeclared_thing = 1; }\n";
  xce_module *m3 = xce_compile(bad, strlen(bad), dir, &err);
  CHECK(!m3 && err && strstr(err, "undeclared_thing") && strstr(err, "compiler"), "compile error: %s",
        err ? err : "none");
  free(err);
  err = NULL;
  /* no cache directory: a private one, removed */
  xce_module *m4 = xce_compile(SRC, len, NULL, &err);
  CHECK(m4 && !xce_module_cached(m4), "uncached compile: %s", err ? err : "");
  free(err);
  xce_module_free(m), xce_module_free(m2), xce_module_free(m4);
  test_many(dir);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
  return fails != 0;
}
