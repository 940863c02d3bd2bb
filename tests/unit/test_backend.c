/* test_backend.c - the table of backends (runtime/backend.h) and the CPU device (device.h).
 *
 * The table: names unique and found by lookup, the default first, unknown and planned names
 * answered with the messages the command line prints, capabilities that agree with each other,
 * `xlc --help` listing every row, unusable rows and unsupported dtypes refused. Every usable
 * backend runs a small stateful graph (forward and gradients, f64 and f32) and agrees with
 * ref (cpu_vs_ref.h); the output contract: a
 * caller's tensor of the wrong shape is replaced, a fitting one is kept by a backend that
 * writes outputs in place; stats of an interpreter are zero, of a compiled backend count runs.
 * The CPU device: aligned allocation, copies, a GEMM descriptor against a naive product, a
 * split launch equal to an unsplit one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "device.h"

static const char *const src = "cell acc(N) {\n"
                               "  in u: [N]\n"
                               "  state h: [N] = 0.5\n"
                               "  h' = h * 0.9 + tanh(u)\n"
                               "  out o = h' * h'\n"
                               "}\n"
                               "block m(D) {\n"
                               "  in x: [T, D]\n"
                               "  param w: [D, D] = ones\n"
                               "  let c = acc(N = D)\n"
                               "  let y = scan c over T (u = einsum(\"td,de->te\", x, w))\n"
                               "  out loss = sum(y * y)\n"
                               "  out y = y\n"
                               "}\n";

static void test_table(void) {
  int n = xl_backend_count();
  CHECK(n >= 2, "%d backends", n);
  CHECK(xl_backend_at(0) && !strcmp(xl_backend_at(0)->name, "cpu"), "the default (cpu) is not the first row");
  CHECK(xl_backend_at(n) == NULL && xl_backend_at(-1) == NULL, "rows beyond the table");
  for (int i = 0; i < n; i++) {
    const xl_backend *be = xl_backend_at(i);
    CHECK(be->name && be->name[0] && be->summary && be->summary[0] && !strchr(be->summary, '\n'),
          "row %d: name and one-line summary", i);
    for (int j = 0; j < i; j++) CHECK(strcmp(be->name, xl_backend_at(j)->name), "'%s' registered twice", be->name);
    CHECK(xl_backend_find(be->name) == be, "lookup of '%s'", be->name);
    CHECK(be->prepare && be->run && be->free, "'%s': operations missing", be->name);
    const xl_backend_caps *c = &be->caps;
    CHECK(c->dtypes && !(c->dtypes & ~((1u << CG_F32) | (1u << CG_F64))), "'%s': dtypes %#x", be->name, c->dtypes);
    CHECK(!c->compiled || c->device != XL_DEV_HOST, "'%s': compiled code runs on a device", be->name);
    CHECK(xl_backend_threads(be, NULL) >= 1, "'%s': threads", be->name);
    const char *why = be->unusable ? be->unusable() : NULL;
    CHECK(why ? xl_backend_why(be->name) != NULL : xl_backend_why(be->name) == NULL, "'%s': why", be->name);
  }
  const xl_backend *ref = xl_backend_find("ref");
  CHECK(ref && !ref->caps.compiled && ref->caps.device == XL_DEV_HOST && xl_backend_threads(ref, NULL) == 1,
        "ref: an interpreter on the host, one thread");
  CHECK(xl_backend_find("nope") == NULL && xl_backend_find(NULL) == NULL, "unknown names");
  /* cuda-emu: the emulated GPU, usable with XLC_CUDA_EMU=1 (unit.test_backend.emu); cuda needs a GPU */
  const xl_backend *emu = xl_backend_find("cuda-emu");
  int emu_on = emu && !emu->unusable();
  CHECK(!strcmp(xl_backend_names(", "), emu_on ? "cpu, ref, cuda-emu" : "cpu, ref"), "names: %s", xl_backend_names(", "));
  CHECK(!strcmp(xl_backend_why("gpu"), emu_on ? "is unknown (available: cpu, ref, cuda-emu)"
                                              : "is unknown (available: cpu, ref)"),
        "%s", xl_backend_why("gpu"));
  if (!xl_backend_find("cuda")) /* until its row is registered */
    CHECK(!strcmp(xl_backend_why("cuda"), "is not available yet (available: cpu, ref)"), "%s", xl_backend_why("cuda"));
}

/* a row that is not usable here, or asked for a dtype it does not run, prepares nothing */
static const char *no_device(void) { return "no such device"; }

static void test_refusals(void) {
  xl_backend fake = *xl_backend_find("ref");
  fake.name = "fake";
  fake.unusable = no_device;
  char *err = NULL;
  xl_exec *x = xl_exec_prepare(&fake, NULL, CG_F32, NULL, &err);
  CHECK(!x && err && !strcmp(err, "backend 'fake' is not usable here: no such device"), "%s", err ? err : "");
  free(err);
  err = NULL;
  fake.unusable = NULL;
  fake.caps.dtypes = 1u << CG_F32;
  x = xl_exec_prepare(&fake, NULL, CG_F64, NULL, &err);
  CHECK(!x && err && !strcmp(err, "backend 'fake' does not run f64"), "%s", err ? err : "");
  free(err);
  xl_exec_stats st = xl_exec_get_stats(NULL);
  CHECK(st.runs == 0 && st.nextra == 0, "stats of no executor");
}

/* `xlc --help` names every row with its summary */
static void test_help(void) {
  const char *bin = getenv("XLC_BIN");
  if (!bin) {
    printf("help: skipped (XLC_BIN unset)\n");
    return;
  }
  char cmd[4096], text[16384];
  snprintf(cmd, sizeof cmd, "'%s' --help", bin);
  FILE *f = popen(cmd, "r");
  CHECK(f != NULL, "cannot run %s", cmd);
  if (!f) return;
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  CHECK(pclose(f) == 0, "%s failed", cmd);
  for (int i = 0; i < xl_backend_count(); i++) {
    const xl_backend *be = xl_backend_at(i);
    char line[512];
    snprintf(line, sizeof line, "\n  %-10s %s", be->name, be->summary);
    CHECK(strstr(text, line) != NULL, "--help does not list backend '%s'", be->name);
  }
}

static cg_graph *lower_m(xl_arena *ar) {
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(ar, "m.xl", src, &d);
  lang_set ls[3] = {{"D", "3"}, {"T", "4"}, {"B", "2"}};
  return file && !d.nerr ? lang_lower(ar, file, "m", ls, 3, NULL, 0, &d) : NULL;
}

/* outputs: a wrong tensor replaced, a fitting one kept in place where the backend says so */
static void test_outputs(const xl_backend *be, cg_dtype dt) {
  xl_arena ar = {0};
  cg_graph *g = lower_m(&ar);
  CHECK(g != NULL, "lowering m");
  if (!g) return;
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *)), **out = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind == CG_IN_STATE) continue;
    in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++) xt_set(in[i], j, 0.1 * (double)(j % 7) - 0.3);
  }
  int64_t one = 1;
  for (int k = 0; k < g->outs.n; k++) out[k] = xt_new_named("wrong", XT_F64, 1, &one);
  char *err = NULL;
  xl_exec *x = xl_exec_prepare(be, g, dt, NULL, &err);
  CHECK(x && xl_exec_run(x, in, out, &err) == 0, "%s: %s", be->name, err ? err : "");
  xt *keep[8] = {0};
  for (int k = 0; k < g->outs.n && k < 8; k++) {
    const cg_node *o = &g->nodes.v[g->outs.v[k].node];
    CHECK(out[k] && out[k]->rank == o->shape.rank && !strcmp(out[k]->name, g->outs.v[k].name),
          "%s: output %s not replaced", be->name, g->outs.v[k].name);
    keep[k] = out[k];
  }
  CHECK(x && xl_exec_run(x, in, out, &err) == 0, "%s: %s", be->name, err ? err : "");
  for (int k = 0; k < g->outs.n && k < 8; k++)
    CHECK(!be->caps.outputs_in_place || out[k] == keep[k], "%s: output %s not reused", be->name,
          g->outs.v[k].name);
  xl_exec_stats st = xl_exec_get_stats(x);
  if (be->caps.compiled) CHECK(st.runs == 2 && st.planned_bytes > 0, "%s: runs %ld", be->name, st.runs);
  else CHECK(st.runs == 0 && st.kernels == 0 && st.planned_bytes == 0, "%s: stats of an interpreter", be->name);
  free(err);
  xl_exec_free(x);
  for (int k = 0; k < g->outs.n; k++) xt_free(out[k]);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  free(in);
  free(out);
  cg_free(g);
  xl_arena_free(&ar);
}

/* a kernel in the ABI of a compiled one: b1[i] = 2 b0[i] + i over [lo, hi) */
static void twice(void **bufs, int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++) ((float *)bufs[1])[i] = 2 * ((const float *)bufs[0])[i] + (float)i;
}

static void test_cpu_device(void) {
  const xl_device *dev = xl_dev_cpu();
  CHECK(dev->kind == XL_DEV_CPU && !strcmp(dev->name, "cpu") && dev->parts() >= 1, "the CPU device");
  enum { N = 100000 };
  float *a = dev->alloc(N * sizeof(float), 64), *b = dev->alloc(N * sizeof(float), 64),
        *c = dev->alloc(N * sizeof(float), 64);
  CHECK(a && b && c && (uintptr_t)a % 64 == 0 && (uintptr_t)b % 64 == 0, "aligned allocation");
  for (int i = 0; i < N; i++) a[i] = (float)(i % 13) * 0.5f;
  void *bufs[2] = {a, b};
  dev->launch(twice, bufs, 2, N, 1);
  void *bufs2[2] = {a, c};
  dev->launch(twice, bufs2, 2, N, 0);
  dev->sync();
  CHECK(!memcmp(b, c, N * sizeof(float)), "a split launch differs from an unsplit one");
  dev->copy(c, a, N * sizeof(float), XL_COPY_D2D);
  CHECK(!memcmp(a, c, N * sizeof(float)), "copy");
  /* C[o, b] (2 x 3) = A[o, b] (2 x 4, stored 4 x 2) * B[o, b] (4 x 3): 2 outer x 2 batch */
  kp_gemm g = {0};
  g.trans_a = 1, g.batch = 2, g.m = 2, g.n = 3, g.k = 4, g.lda = 2, g.ldb = 3, g.ldc = 3;
  g.sa = 8, g.sb = 12, g.sc = 6, g.outer = 2, g.oa = 16, g.ob = 24, g.oc = 12;
  double A[32], B[48], C[24], W[24];
  for (int i = 0; i < 32; i++) A[i] = 0.25 * (i % 5) - 0.5;
  for (int i = 0; i < 48; i++) B[i] = 0.125 * (i % 7) - 0.25;
  dev->gemm(&g, CG_F64, A, B, C);
  for (int o = 0; o < 2; o++)
    for (int q = 0; q < 2; q++)
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
          double s = 0;
          for (int k = 0; k < 4; k++) s += A[o * 16 + q * 8 + k * 2 + i] * B[o * 24 + q * 12 + k * 3 + j];
          W[o * 12 + q * 6 + i * 3 + j] = s;
        }
  double worst = 0;
  for (int i = 0; i < 24; i++) worst = fmax(worst, fabs(C[i] - W[i]));
  CHECK(worst < 1e-14, "gemm off by %g", worst);
  dev->free(a);
  dev->free(b);
  dev->free(c);
  dev->free(NULL);
}

int main(void) {
  setenv("XLC_CACHE_DIR", "off", 1);
  test_table();
  test_refusals();
  test_help();
  test_cpu_device();
  const char *sets[] = {"D=3", "T=4", "B=2", NULL};
  for (int b = 0; b < xl_backend_count(); b++) {
    const xl_backend *be = xl_backend_at(b);
    if (be->unusable && be->unusable()) {
      printf("%s: not usable here (%s), skipped\n", be->name, be->unusable());
      continue;
    }
    for (int dt = 0; dt < 2; dt++)
      if (be->caps.dtypes & (1u << (dt ? CG_F32 : CG_F64))) test_outputs(be, dt ? CG_F32 : CG_F64);
  }
  for (int grad = 0; grad < 2; grad++) /* every usable backend other than ref against ref */
    for (int dt = 0; dt < 2; dt++) CHECK(cvr_run(src, "m", sets, grad, dt ? CG_F32 : CG_F64, NULL) == 0, "m");
  printf("test_backend: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
