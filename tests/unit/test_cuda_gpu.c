/* test_cuda_gpu.c - the CUDA driver layer (runtime/cuda/cuda_drv.h) and the GPU device
 * (cuda_dev.h) on a real GPU; skipped (77) where there is none, with the cause printed (the
 * CLI test cli.cuda checks the causes). On a GPU: device facts, a PTX module (hand-written
 * below, PTX ISA 7.0 so that older drivers load it) launched plainly and cooperatively in the
 * xl_bufs ABI, copies both ways, events, and the device's cuBLAS GEMMs (f32 and f64, both
 * transpositions, batched and outer strides) against a naive product here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cuda_dev.h"
#include "cuda_drv.h"

/* y[i] = 3 x[i] + y[i] for i < n; params: one 256-byte struct of pointers (x, y, &n) */
static const char *const PTX =
    ".version 7.0\n.target sm_80\n.address_size 64\n"
    ".visible .entry scale_add(.param .align 8 .b8 p[256])\n{\n"
    "  .reg .pred %p<2>;\n  .reg .f32 %f<4>;\n  .reg .b32 %r<6>;\n  .reg .b64 %rd<12>;\n"
    "  ld.param.u64 %rd3, [p+16];\n  cvta.to.global.u64 %rd4, %rd3;\n"
    "  mov.u32 %r2, %ntid.x;\n  mov.u32 %r3, %ctaid.x;\n  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.s32 %r1, %r3, %r2, %r4;\n  ld.global.u32 %r5, [%rd4];\n"
    "  setp.ge.s32 %p1, %r1, %r5;\n  @%p1 bra DONE;\n"
    "  ld.param.u64 %rd5, [p+8];\n  cvta.to.global.u64 %rd6, %rd5;\n"
    "  ld.param.u64 %rd7, [p];\n  cvta.to.global.u64 %rd8, %rd7;\n"
    "  mul.wide.s32 %rd9, %r1, 4;\n  add.s64 %rd10, %rd8, %rd9;\n  ld.global.f32 %f1, [%rd10];\n"
    "  add.s64 %rd11, %rd6, %rd9;\n  ld.global.f32 %f2, [%rd11];\n"
    "  mul.rn.f32 %f3, %f1, 0f40400000;\n  add.rn.f32 %f3, %f3, %f2;\n  st.global.f32 [%rd11], %f3;\n"
    "DONE:\n  ret;\n}\n";

static void test_launch(void) {
  char *err = NULL;
  xcu_info inf;
  CHECK(xcu_device_count() >= 1, "%d devices", xcu_device_count());
  CHECK(xcu_device_info(0, &inf, &err) == 0 && inf.major >= 3 && inf.sms > 0 && inf.total_mem > 0, "info: %s",
        err ? err : "");
  free(err), err = NULL;
  printf("device 0: %s, sm_%d%d, %d SMs, driver %d\n", inf.name, inf.major, inf.minor, inf.sms, xcu_driver_version());
  xcu_context ctx;
  xcu_module mod = NULL;
  xcu_function fn = NULL;
  if (xcu_context_open(0, &ctx, &err) || xcu_module_load(PTX, &mod, &err) || xcu_function_get(mod, "scale_add", &fn, &err)) {
    CHECK(0, "setup: %s", err);
    free(err);
    return;
  }
  int n = 1000;
  float x[1000], y[1000], want[1000];
  for (int i = 0; i < n; i++) x[i] = (float)i * 0.5f - 7, y[i] = (float)(i % 11), want[i] = 3.0f * x[i] + y[i];
  xcu_ptr dx, dy, dn;
  CHECK(!xcu_alloc(&dx, sizeof x, &err) && !xcu_alloc(&dy, sizeof y, &err) && !xcu_alloc(&dn, sizeof n, &err), "%s", err);
  CHECK(!xcu_copy_htod(dx, x, sizeof x, &err) && !xcu_copy_htod(dy, y, sizeof y, &err) &&
            !xcu_copy_htod(dn, &n, sizeof n, &err),
        "%s", err);
  struct {
    void *b[32];
  } bufs = {{(void *)(uintptr_t)dx, (void *)(uintptr_t)dy, (void *)(uintptr_t)dn}};
  void *args[] = {&bufs};
  unsigned grid[3] = {(unsigned)(n + 127) / 128, 1, 1}, block[3] = {128, 1, 1};
  xcu_event e0, e1;
  CHECK(!xcu_event_create(&e0, &err) && !xcu_event_create(&e1, &err) && !xcu_event_record(e0, NULL, &err), "%s", err);
  CHECK(!xcu_launch(fn, grid, block, 0, NULL, args, 0, &err), "launch: %s", err);
  CHECK(!xcu_launch(fn, grid, block, 0, NULL, args, inf.cooperative, &err), "second launch: %s", err);
  float ms = -1;
  CHECK(!xcu_event_record(e1, NULL, &err) && !xcu_event_elapsed_ms(e0, e1, &ms, &err) && ms >= 0, "events: %s", err);
  CHECK(!xcu_copy_dtoh(y, dy, sizeof y, &err), "%s", err);
  int bad = 0;
  for (int i = 0; i < n; i++) bad += y[i] != 3.0f * x[i] + want[i]; /* twice: y + 3x + 3x */
  CHECK(!bad, "scale_add: %d of %d wrong", bad, n);
  xcu_free(dx), xcu_free(dy), xcu_free(dn);
  xcu_event_destroy(e0), xcu_event_destroy(e1);
  xcu_module_unload(mod);
}

static void test_gemm(cg_dtype dt, int ta, int tb) {
  const xl_device *d = xl_dev_cuda(NULL);
  size_t es = dt == CG_F64 ? 8 : 4;
  /* outer 2 x batch 3 of C (5 x 4) = op(A) (5 x 6) op(B) (6 x 4), packed per entry */
  int M = 5, N = 4, K = 6, nb = 3, no = 2, na = M * K, nbb = K * N, nc = M * N;
  kp_gemm g = {.trans_a = ta, .trans_b = tb, .batch = nb, .m = M, .n = N, .k = K, .lda = ta ? M : K,
               .ldb = tb ? K : N, .ldc = N, .sa = na, .sb = nbb, .sc = nc, .outer = no, .oa = nb * na,
               .ob = nb * nbb, .oc = nb * nc};
  int tA = no * nb * na, tB = no * nb * nbb, tC = no * nb * nc;
  double *A = malloc(tA * sizeof(double)), *B = malloc(tB * sizeof(double)), *W = calloc(tC, sizeof(double));
  for (int i = 0; i < tA; i++) A[i] = sin(i * 0.7);
  for (int i = 0; i < tB; i++) B[i] = cos(i * 0.3);
  for (int e = 0; e < no * nb; e++)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++)
          W[e * nc + i * N + j] += A[e * na + (ta ? k * M + i : i * K + k)] * B[e * nbb + (tb ? j * K + k : k * N + j)];
  void *hA = malloc(tA * es), *hB = malloc(tB * es), *hC = malloc(tC * es);
  for (int i = 0; i < tA; i++) dt == CG_F64 ? (((double *)hA)[i] = A[i]) : (((float *)hA)[i] = (float)A[i]);
  for (int i = 0; i < tB; i++) dt == CG_F64 ? (((double *)hB)[i] = B[i]) : (((float *)hB)[i] = (float)B[i]);
  void *dA = d->alloc(tA * es, 256), *dB = d->alloc(tB * es, 256), *dC = d->alloc(tC * es, 256);
  d->copy(dA, hA, tA * es, XL_COPY_H2D), d->copy(dB, hB, tB * es, XL_COPY_H2D);
  d->gemm(&g, dt, dA, dB, dC);
  d->sync();
  d->copy(hC, dC, tC * es, XL_COPY_D2H);
  char *err = xl_dev_cuda_error();
  CHECK(!err, "GPU device: %s", err);
  free(err);
  int bad = 0;
  for (int i = 0; i < tC; i++) {
    double c = dt == CG_F64 ? ((double *)hC)[i] : ((float *)hC)[i];
    bad += fabs(c - W[i]) > (dt == CG_F64 ? 1e-12 : 1e-5) * (1 + fabs(W[i]));
  }
  CHECK(!bad, "cuBLAS gemm (%s, ta %d, tb %d): %d of %d wrong", dt == CG_F64 ? "f64" : "f32", ta, tb, bad, tC);
  d->free(dA), d->free(dB), d->free(dC);
  free(A), free(B), free(W), free(hA), free(hB), free(hC);
}

int main(void) {
  const char *why = xcu_init();
  if (why) {
    printf("skipped: %s\n", why);
    return 77;
  }
  test_launch();
  for (int t = 0; t < 4; t++) test_gemm(CG_F64, t & 1, t >> 1), test_gemm(CG_F32, t & 1, t >> 1);
  return fails != 0;
}
