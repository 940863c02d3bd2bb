/* test_kir_scan.c - CUMSUM and LOGCUMSUMEXP as compiled scan kernels (kir.h scan_op):
 *
 * (1) kernels: for every axis of several shapes (sizes 1 along the axis included), forward and
 *     reverse, f64 and f32, the graph y = op(x * 1) is planned (the product fuses into the scan
 *     kernel); the kernel is JIT-compiled and run whole and in 3 slices of its split dimension,
 *     run by kir_interp, and both are compared with ref_exec's op (f64 1e-12, f32 1e-5,
 *     relative to max(|y|, 1)): ordinary values, large magnitudes (|x| up to 1e4: exp
 *     overflows), -inf entries and a line of only -inf, +inf, NaN; the scan dimension is never
 *     the split one, and the plan has no interpreter compute step;
 * (2) sizes 0: the plan is kernel-free and has no interpreter compute step (nothing to compute);
 * (3) fusion in .xl code, through the whole CPU executor against ref_exec (cpu_vs_ref.h):
 *     producers and consumers around scans, forward and backward, f64 and f32.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "jit.h"
#include "kplan.h"

static const xl_loc L0 = {0};

static uint64_t rs = 0x2545F4914F6CDD1Dull;
static double urand(void) {
  rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
  return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

/* y = op(x * 1, axis, rev) */
static cg_graph *graph(cg_op op, cg_shape s, int axis, int rev) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, s, L0);
  cg_shape one = s;
  for (int d = 0; d < one.rank; d++) one.d[d] = 1;
  int p = cg_binary(g, CG_OP_MUL, x, cg_const(g, 1.0, one));
  cg_output_add(g, "y", cg_cumulative(g, op, p, axis, rev));
  return g;
}

static void run_ref(const cg_graph *g, cg_dtype dt, const double *v, double *out) {
  const cg_shape *s = &g->nodes.v[0].shape;
  int64_t n = cg_numel(s);
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *)), *o[4] = {0};
  in[0] = xt_new_named("x", dt == CG_F64 ? XT_F64 : XT_F32, s->rank, s->d);
  for (int64_t j = 0; j < n; j++) xt_set(in[0], j, v[j]);
  char *err = NULL;
  CHECK(ref_exec(g, dt, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  for (int64_t j = 0; j < n; j++) out[j] = o[0] ? xt_get(o[0], j) : NAN;
  for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
  xt_free(in[0]);
  free(in);
}

static void *typed(const double *v, int64_t n, cg_dtype dt) {
  void *p = calloc((size_t)n + 1, dt == CG_F64 ? 8 : 4);
  for (int64_t i = 0; v && i < n; i++) {
    if (dt == CG_F64) ((double *)p)[i] = v[i];
    else ((float *)p)[i] = (float)v[i];
  }
  return p;
}

static double tget(const void *p, int64_t i, cg_dtype dt) {
  return dt == CG_F64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static int agree(double got, double want, double tol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= tol * (fabs(want) > 1 ? fabs(want) : 1);
}

/* x: kind 0 ordinary, 1 large (|x| <= 1e4), 2 with -inf entries, 3 also a line of -inf, +inf
   and NaN */
static void fill(double *x, const cg_shape *s, int axis, int kind) {
  int64_t n = cg_numel(s), inner = 1;
  for (int d = axis + 1; d < s->rank; d++) inner *= s->d[d];
  for (int64_t j = 0; j < n; j++) {
    double u = urand() * 2 - 1;
    x[j] = kind == 1 ? (double)(float)(1e4 * u) : (double)(float)(3 * u);
    if (kind >= 2 && j % 5 == 1) x[j] = -INFINITY;
  }
  if (kind == 3) {
    for (int64_t t = 0; t < s->d[axis]; t++) x[t * inner] = -INFINITY; /* the first line */
    if (n > 7) x[n - 3] = INFINITY;
    if (n > 11) x[n / 2 + 1] = NAN;
  }
}

/* The scan kernel of the plan of g, compiled once, run on the inputs of every kind (whole and
   in 3 slices) and by kir_interp, compared with ref_exec. */
static void check_kernel(const cg_graph *g, cg_dtype dt, int axis, const char *what) {
  kp_plan *p = kp_build(g, &pt_options()->target);
  CHECK(kp_fallbacks(p, NULL, NULL) == 0, "%s: the plan has interpreter compute steps", what);
  const kp_step *ks = NULL;
  for (int i = 0; i < p->steps.n; i++)
    if (p->steps.v[i].kind == KP_KERNEL) {
      CHECK(!ks, "%s: one kernel expected", what);
      ks = &p->steps.v[i];
    }
  CHECK(ks && ks->nodes.n == 2, "%s: the product and the scan in one kernel", what);
  if (!ks) {
    kp_free(p);
    return;
  }
  const kir_kernel *k = ks->kir;
  int sd = kir_scan_dim(k), pd = kir_par_dim(k);
  CHECK(pd < 0 || pd != sd, "%s: the scan dimension %d is the split one", what, sd);
  CHECK(kir_verify(k, stderr) == 0, "%s: kir_verify", what);
  char *text = kir_to_mlir(k, dt, &pt_options()->emit), *err = NULL;
  xl_jit *j = jit_compile(text, k->name, &err);
  CHECK(j, "%s: jit_compile: %s\n%s", what, err ? err : "?", text);
  free(err);
  int64_t n = cg_numel(&g->nodes.v[0].shape);
  double tol = dt == CG_F64 ? 1e-12 : 1e-5, x[256], want[256];
  for (int kind = 0; kind < 4; kind++)
  for (int chunks = 1; j && chunks <= 3; chunks += 2) {
    fill(x, &g->nodes.v[0].shape, axis, kind);
    run_ref(g, dt, x, want);
    void *jb[KIR_MAXBUF], *ib[KIR_MAXBUF];
    int ob = -1;
    for (int b = 0; b < k->nbuf; b++) {
      int in = !k->buf_out[b];
      jb[b] = typed(in ? x : NULL, k->buf_numel[b], dt);
      ib[b] = typed(in ? x : NULL, k->buf_numel[b], dt);
      if (k->buf_out[b]) ob = b;
    }
    int64_t hi = pd >= 0 ? k->dim[pd] : 1;
    int c = pd >= 0 ? chunks : 1;
    for (int q = 0; q < c; q++) ((kir_fn)jit_fn(j))(jb, hi * q / c, hi * (q + 1) / c);
    kir_interp(k, dt, ib);
    int bad = 0;
    for (int64_t i = 0; i < n && ob >= 0; i++) {
      double gj = tget(jb[ob], i, dt), gi = tget(ib[ob], i, dt);
      if ((!agree(gj, want[i], tol) || !agree(gi, want[i], tol)) && bad++ < 4)
        fprintf(stderr, "  %s kind %d [%lld]: jit %.17g, kir_interp %.17g, ref %.17g\n", what, kind, (long long)i, gj, gi,
                want[i]);
    }
    CHECK(bad == 0 && ob >= 0, "%s kind %d (%d slices): %d mismatches", what, kind, c, bad);
    for (int b = 0; b < k->nbuf; b++) free(jb[b]), free(ib[b]);
  }
  jit_free(j);
  free(text);
  kp_free(p);
}

static void test_kernels(void) {
  static const int64_t shapes[][4] = {{3, 3, 5, 4}, {3, 1, 7, 1}, {2, 9, 16}, {1, 33}, {3, 4, 1, 3}, {2, 2, 40}};
  static const cg_op ops[2] = {CG_OP_CUMSUM, CG_OP_LOGCUMSUMEXP};
  for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
    cg_shape s = cg_shape_of((int)shapes[si][0], shapes[si] + 1);
    for (int o = 0; o < 2; o++)
      for (int axis = 0; axis < s.rank; axis++)
        for (int rev = 0; rev < 2; rev++)
          for (int dt = CG_F64; dt <= CG_F32; dt++) {
            cg_graph *g = graph(ops[o], s, axis, rev);
            char what[96];
            snprintf(what, sizeof what, "%s shape %zu axis %d%s %s", cg_ops[ops[o]].name, si, axis,
                     rev ? " reverse" : "", dt == CG_F64 ? "f64" : "f32");
            check_kernel(g, (cg_dtype)dt, axis, what);
            cg_free(g);
          }
  }
}

static void test_empty(void) {
  cg_shape s = cg_shape_of(3, (int64_t[]){2, 0, 3});
  for (int axis = 0; axis < 3; axis++) {
    cg_graph *g = graph(CG_OP_LOGCUMSUMEXP, s, axis, axis == 1);
    kp_plan *p = kp_build(g, &pt_options()->target);
    int kernels = 0;
    for (int i = 0; i < p->steps.n; i++) kernels += p->steps.v[i].kind == KP_KERNEL;
    CHECK(kernels == 0 && kp_fallbacks(p, NULL, NULL) == 0, "size 0, axis %d: %d kernels", axis, kernels);
    kp_free(p);
    cg_free(g);
  }
}

static void test_fused(void) {
  static const char *const sets[] = {"B=2", NULL};
  static const char *const src = "block f(T = 7, D = 5) {\n"
                                 "  in x: [T, D]\n"
                                 "  in h: [T, 3, D]\n"
                                 "  out a = exp(cumsum(tanh(x) * 2, 0)) + x\n"
                                 "  out b = logcumsumexp(x * 40 - 3, 0, reverse = true) * sigmoid(x)\n"
                                 "  out c = sum(logcumsumexp(h * h, 1) - cumsum(h, -1, true), -1)\n"
                                 "  out d = cumsum(logcumsumexp(-x, 1, reverse = true), 0)\n"
                                 "}\n";
  for (int dt = CG_F64; dt <= CG_F32; dt++)
    for (int grad = 0; grad < 2; grad++) CHECK(cvr_run(src, "f", sets, grad, (cg_dtype)dt, NULL) == 0, "cvr_run");
}

int main(void) {
  test_kernels();
  test_empty();
  test_fused();
  if (!fails) printf("test_kir_scan: OK\n");
  return fails != 0;
}
