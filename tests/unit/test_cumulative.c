/* test_cumulative.c - the CUMSUM and LOGCUMSUMEXP ops (ops.def) and their builtins cumsum and
 * logcumsumexp (lang/lower_ops.c), beyond test_op_table's one sample each:
 *
 * (1) values: ref_exec on a 3-D tensor, every axis, forward and reverse, against a direct
 *     computation here in long double (logcumsumexp: log of a sum of exp(x - max) over the
 *     prefix), with large magnitudes (|x| up to 1e4: exp overflows), -inf entries, a line of
 *     only -inf (out -inf, no NaN), +inf (out +inf from there on) and NaN (sticks); f64 to
 *     1e-14 relative (cumsum: to its inputs' magnitude), f32 against f64 to 2e-6;
 * (2) gradients in f64: central differences (step 1e-5, relative 1e-6 with floor 1e-4) along
 *     random directions for every axis and direction, at ordinary and large magnitudes; for
 *     logcumsumexp also against the direct O(n^2) sum g_x[i] = sum_j g[j] exp(x[i] - y[j]) in
 *     long double, and with -inf entries (gradient 0 there, finite everywhere);
 * (3) the lowering: the axis counts in the value's own dims (negative from the end, the batch
 *     axis implicit), reverse positional or keyword; the values per example;
 * (4) ref_exec against the compiled CPU executor (cpu_vs_ref.h), forward and backward, f64
 *     and f32.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cpu_vs_ref.h"

static const xl_loc L0 = {0};
static const cg_op OPS[2] = {CG_OP_CUMSUM, CG_OP_LOGCUMSUMEXP};

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static double urand(void) {
  rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
  return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

/* graph: input x of shape s, y = op(x, axis, reverse), output "y" */
static cg_graph *one(cg_op op, cg_shape s, int axis, int rev) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, s, L0);
  cg_output_add(g, "y", cg_cumulative(g, op, x, axis, rev));
  return g;
}

/* ref_exec of g with input node 0 = x (values v), output "y" into out */
static void run_ref(const cg_graph *g, cg_dtype dt, const double *v, double *out) {
  const cg_shape *s = &g->nodes.v[0].shape;
  int64_t n = cg_numel(s);
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *)), *o[4] = {0};
  in[0] = xt_new_named("x", dt == CG_F64 ? XT_F64 : XT_F32, s->rank, s->d);
  for (int64_t j = 0; j < n; j++) xt_set(in[0], j, v[j]);
  char *err = NULL;
  CHECK(ref_exec(g, dt, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  int k = cg_find_output(g, "y");
  for (int64_t j = 0; j < n; j++) out[j] = o[k] ? xt_get(o[k], j) : NAN;
  for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
  xt_free(in[0]);
  free(in);
}

/* the element offsets of line (o, in) along axis, in summation order */
static void line(const cg_shape *s, int ax, int rev, int64_t o, int64_t in, int64_t *idx) {
  int64_t inner = 1, len = s->d[ax];
  for (int i = ax + 1; i < s->rank; i++) inner *= s->d[i];
  for (int64_t t = 0; t < len; t++) idx[t] = o * len * inner + in + (rev ? len - 1 - t : t) * inner;
}

/* the expected values: direct sums over each prefix in long double */
static void direct(cg_op op, const cg_shape *s, int ax, int rev, const double *x, double *y, double *scale) {
  int64_t outer = 1, inner = 1, len = s->d[ax], idx[64];
  for (int i = 0; i < ax; i++) outer *= s->d[i];
  for (int i = ax + 1; i < s->rank; i++) inner *= s->d[i];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      line(s, ax, rev, o, in, idx);
      for (int64_t t = 0; t < len; t++) {
        long double acc = 0, mag = 0, m = -INFINITY;
        int nan = 0;
        for (int64_t u = 0; u <= t; u++) {
          double v = x[idx[u]];
          nan |= isnan(v);
          acc += v, mag += fabsl(v);
          if (v > m) m = v;
        }
        if (op == CG_OP_CUMSUM) {
          y[idx[t]] = (double)acc, scale[idx[t]] = (double)mag;
          continue;
        }
        long double e = 0;
        if (!isinf(m))
          for (int64_t u = 0; u <= t; u++) e += expl((long double)x[idx[u]] - m);
        y[idx[t]] = nan ? NAN : isinf(m) ? (double)m : (double)(m + logl(e));
        scale[idx[t]] = fabs(y[idx[t]]);
      }
    }
}

static int agree(double got, double want, double tol, double scale) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= tol * (scale > 1 ? scale : 1);
}

/* ---- (1) values ---- */

static void fill_values(double *x, int64_t n, int kind) {
  for (int64_t j = 0; j < n; j++) {
    double u = urand() * 2 - 1;
    x[j] = kind == 0 ? 3 * u : kind == 1 ? (double)(float)(1e4 * u) : (double)(float)(800 * u);
    if (kind == 2 && j % 5 == 1) x[j] = -INFINITY;
  }
}

static void test_values(void) {
  cg_shape s = cg_shape_of(3, (int64_t[]){2, 5, 3});
  int64_t n = cg_numel(&s);
  double x[30], want[30], scale[30], got[30], got32[30];
  for (int kind = 0; kind < 4; kind++) {
    fill_values(x, n, kind < 3 ? kind : 2);
    if (kind == 3) { /* the line (0, :, 0) all -inf, +inf at [1, 2, 1], NaN at [1, 3, 2] */
      for (int t = 0; t < 5; t++) x[t * 3] = -INFINITY;
      x[15 + 2 * 3 + 1] = INFINITY;
      x[15 + 3 * 3 + 2] = NAN;
    }
    for (int k = 0; k < 2; k++)
      for (int ax = 0; ax < 3; ax++)
        for (int rev = 0; rev < 2; rev++) {
          cg_graph *g = one(OPS[k], s, ax, rev);
          direct(OPS[k], &s, ax, rev, x, want, scale);
          run_ref(g, CG_F64, x, got);
          run_ref(g, CG_F32, x, got32);
          int bad = 0, bad32 = 0;
          for (int64_t j = 0; j < n; j++) {
            if (kind == 1 || kind == 2 || kind == 3) /* float-representable inputs: f32 vs f64 */
              bad32 += !agree(got32[j], got[j], 2e-6, fabs(got[j]) > scale[j] ? fabs(got[j]) : scale[j]);
            if (!agree(got[j], want[j], 1e-14, scale[j])) {
              if (!bad)
                fprintf(stderr, "  %s axis %d rev %d kind %d at %lld: %.17g, want %.17g\n", cg_ops[OPS[k]].name, ax,
                        rev, kind, (long long)j, got[j], want[j]);
              bad++;
            }
          }
          CHECK(!bad, "%s axis %d reverse %d inputs %d: %d values off", cg_ops[OPS[k]].name, ax, rev, kind, bad);
          CHECK(!bad32, "%s axis %d reverse %d inputs %d: %d f32 values off", cg_ops[OPS[k]].name, ax, rev, kind,
                bad32);
          cg_free(g);
        }
  }
  /* an axis of length 0 and one beside it: nothing to compute, no error */
  for (int ax = 0; ax < 3; ax++)
    for (int k = 0; k < 2; k++) {
      cg_graph *g = one(OPS[k], cg_shape_of(3, (int64_t[]){2, 0, 3}), ax, ax == 1);
      run_ref(g, CG_F64, x, got);
      cg_free(g);
    }
  /* the special values by hand: one line [-inf, -inf, 2, +inf, 1] and [1, NaN, 3] */
  cg_graph *g = one(CG_OP_LOGCUMSUMEXP, cg_shape_of(1, (int64_t[]){5}), 0, 0);
  double v[5] = {-INFINITY, -INFINITY, 2, INFINITY, 1}, o[5];
  for (int dt = CG_F64; dt <= CG_F32; dt++) {
    run_ref(g, (cg_dtype)dt, v, o);
    CHECK(o[0] == -INFINITY && o[1] == -INFINITY && fabs(o[2] - 2) < 1e-6 && o[3] == INFINITY && o[4] == INFINITY,
          "[-inf, -inf, 2, inf, 1] gives [%g, %g, %g, %g, %g]", o[0], o[1], o[2], o[3], o[4]);
  }
  cg_free(g);
  g = one(CG_OP_LOGCUMSUMEXP, cg_shape_of(1, (int64_t[]){3}), 0, 1);
  double w[3] = {1, NAN, 3};
  run_ref(g, CG_F64, w, o);
  CHECK(fabs(o[2] - 3) < 1e-15 && isnan(o[1]) && isnan(o[0]), "reverse [1, NaN, 3]: [%g, %g, %g]", o[0], o[1], o[2]);
  cg_free(g);
}

/* ---- (2) gradients ---- */

#define FD_STEP 1e-5
#define REL_TOL 1e-6
#define REL_FLOOR 1e-4

/* x -> sum(w * op(x)) by ref_exec in f64 */
static double loss(const cg_graph *fwd, const double *x, const double *w, int64_t n) {
  double y[64], L = 0;
  run_ref(fwd, CG_F64, x, y);
  for (int64_t j = 0; j < n; j++) L += w[j] * y[j];
  return L;
}

/* gradient of sum(w * op(x)) from the backward graph */
static void grad_of(cg_op op, cg_shape s, int ax, int rev, const double *x, const double *w, double *gx) {
  cg_graph *g = one(op, s, ax, rev);
  char *err = NULL;
  CHECK(ad_append_backward(g, NULL, NULL, &err) == 0, "autodiff: %s", err ? err : "");
  free(err);
  int64_t n = cg_numel(&s);
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *)), *o[8] = {0};
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *nd = &g->nodes.v[i];
    if (nd->op != CG_OP_INPUT) continue;
    in[i] = xt_new_named(nd->name, XT_F64, nd->shape.rank, nd->shape.d);
    for (int64_t j = 0; j < n; j++) xt_set(in[i], j, !strcmp(nd->name, "x") ? x[j] : w[j]);
  }
  err = NULL;
  CHECK(ref_exec(g, CG_F64, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  int k = cg_find_output(g, "grad.x");
  CHECK(k >= 0 && o[k], "no grad.x");
  for (int64_t j = 0; j < n; j++) gx[j] = k >= 0 && o[k] ? xt_get(o[k], j) : NAN;
  for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  free(in);
  cg_free(g);
}

/* g_x[i] = sum_j g[j] dy[j]/dx[i] directly, in long double: cumsum's dy[j]/dx[i] is 1 and
   logcumsumexp's exp(x[i] - y[j]) for every j whose prefix holds i */
static void grad_direct(cg_op op, const cg_shape *s, int ax, int rev, const double *x, const double *w, double *gx) {
  int64_t n = cg_numel(s), outer = 1, inner = 1, len = s->d[ax], idx[64];
  double y[64], sc[64];
  direct(op, s, ax, rev, x, y, sc);
  for (int i = 0; i < ax; i++) outer *= s->d[i];
  for (int i = ax + 1; i < s->rank; i++) inner *= s->d[i];
  for (int64_t j = 0; j < n; j++) gx[j] = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      line(s, ax, rev, o, in, idx);
      for (int64_t i = 0; i < len; i++) {
        long double acc = 0;
        for (int64_t j = i; j < len; j++)
          acc += w[idx[j]] * (op == CG_OP_CUMSUM ? 1.0L : expl((long double)x[idx[i]] - y[idx[j]]));
        gx[idx[i]] = (double)acc;
      }
    }
}

static void test_grads(void) {
  cg_shape s = cg_shape_of(3, (int64_t[]){2, 4, 3});
  int64_t n = cg_numel(&s);
  double x[24], w[24], gx[24], gd[24], xp[24], d[24];
  for (int mag = 0; mag < 3; mag++)
    for (int k = 0; k < 2; k++)
      for (int ax = 0; ax < 3; ax++)
        for (int rev = 0; rev < 2; rev++) {
          for (int64_t j = 0; j < n; j++) {
            double u = urand() * 2 - 1;
            x[j] = mag == 0 ? 2 * u : mag == 1 ? 900 + 4 * u : -2000 + 500 * u; /* exp over/underflows at mag 1, 2 */
            w[j] = urand() * 2 - 1;
          }
          grad_of(OPS[k], s, ax, rev, x, w, gx);
          grad_direct(OPS[k], &s, ax, rev, x, w, gd);
          /* exp(x[i] - y[j]) carries the rounding of y (eps |y|): the tolerance grows with |x| */
          double emax = 0, gmax = 0, xmax = 0;
          for (int64_t j = 0; j < n; j++) {
            emax = fmax(emax, fabs(gx[j] - gd[j]));
            gmax = fmax(gmax, fabs(gd[j]));
            xmax = fmax(xmax, fabs(x[j]));
          }
          CHECK(emax <= 1e-13 * fmax(1, xmax / 100) * fmax(gmax, 1), "%s axis %d rev %d magnitude %d: grad vs direct %.3e",
                cg_ops[OPS[k]].name, ax, rev, mag, emax);
          cg_graph *fwd = one(OPS[k], s, ax, rev);
          for (int dir = 0; dir < 3; dir++) {
            double ad = 0;
            for (int64_t j = 0; j < n; j++) d[j] = urand() * 2 - 1, ad += d[j] * gx[j];
            for (int64_t j = 0; j < n; j++) xp[j] = x[j] + FD_STEP * d[j];
            double lp = loss(fwd, xp, w, n);
            for (int64_t j = 0; j < n; j++) xp[j] = x[j] - FD_STEP * d[j];
            double fd = (lp - loss(fwd, xp, w, n)) / (2 * FD_STEP);
            double rel = fabs(ad - fd) / fmax(fmax(fabs(ad), fabs(fd)), REL_FLOOR);
            CHECK(rel <= (mag ? 1e-5 : REL_TOL), "%s axis %d rev %d magnitude %d: autodiff %.10g fd %.10g (rel %.2e)",
                  cg_ops[OPS[k]].name, ax, rev, mag, ad, fd, rel);
          }
          cg_free(fwd);
        }
  /* -inf entries (and one line of only -inf): gradient 0 there, finite and equal to the direct
     sum elsewhere */
  for (int rev = 0; rev < 2; rev++) {
    for (int64_t j = 0; j < n; j++) x[j] = j % 4 == 1 ? -INFINITY : urand() * 4 - 2, w[j] = urand() * 2 - 1;
    for (int t = 0; t < 4; t++) x[t * 3 + 2] = -INFINITY; /* line (0, :, 2) along axis 1 */
    grad_of(CG_OP_LOGCUMSUMEXP, s, 1, rev, x, w, gx);
    int bad = 0;
    for (int64_t j = 0; j < n; j++) {
      if (isinf(x[j])) bad += gx[j] != 0;
      else bad += !isfinite(gx[j]);
    }
    CHECK(!bad, "logcumsumexp with -inf, reverse %d: %d gradients not 0 at -inf or not finite", rev, bad);
    /* the direct sum with exp(-inf - y) = 0 and the -inf-only line's terms left out */
    for (int64_t j = 0; j < n; j++) gd[j] = 0;
    double y[24], sc[24];
    direct(CG_OP_LOGCUMSUMEXP, &s, 1, rev, x, y, sc);
    int64_t idx[8];
    for (int64_t o = 0; o < 2; o++)
      for (int64_t in = 0; in < 3; in++) {
        line(&s, 1, rev, o, in, idx);
        for (int i = 0; i < 4; i++)
          for (int j = i; j < 4 && !isinf(x[idx[i]]); j++) gd[idx[i]] += w[idx[j]] * exp(x[idx[i]] - y[idx[j]]);
      }
    double emax = 0;
    for (int64_t j = 0; j < n; j++) emax = fmax(emax, fabs(gx[j] - gd[j]));
    CHECK(emax <= 1e-14, "logcumsumexp with -inf, reverse %d: grad vs direct %.3e", rev, emax);
  }
}

/* ---- (3) the lowering ---- */

static const char *const SRC = "block c(T = 5, D = 3) {\n"
                               "  in x: [T, D]\n"
                               "  out a = cumsum(x, 0)\n"
                               "  out b = cumsum(x, -1, reverse = true)\n"
                               "  out c = logcumsumexp(x, -2, true)\n"
                               "  out d = logcumsumexp(x * 1000, 1, reverse = false)\n"
                               "  out e = sum(cumsum(x, 1) * logcumsumexp(x, 0, reverse = true))\n"
                               "}\n";

static void test_lowering(void) {
  xl_arena ar = {0};
  lang_diag dg;
  diag_init(&dg, stderr);
  ast *file = lang_parse(&ar, "cum.xl", SRC, &dg);
  lang_set sets[1] = {{"B", "2"}};
  cg_graph *g = file && !dg.nerr ? lang_lower(&ar, file, "c", sets, 1, NULL, 0, &dg) : NULL;
  CHECK(g != NULL, "lowering");
  if (!g) {
    xl_arena_free(&ar);
    return;
  }
  static const struct {
    const char *out;
    int op, axis, rev;
  } want[] = {{"a", CG_OP_CUMSUM, 1, 0}, {"b", CG_OP_CUMSUM, 2, 1}, {"c", CG_OP_LOGCUMSUMEXP, 1, 1},
              {"d", CG_OP_LOGCUMSUMEXP, 2, 0}};
  int xi = cg_find_input(g, "x");
  const cg_shape *xs = &g->nodes.v[xi].shape;
  CHECK(xs->rank == 3 && xs->d[0] == 2 && xs->d[1] == 5 && xs->d[2] == 3, "x is [B, T, D]");
  int64_t n = cg_numel(xs);
  double x[30], y[30], sc[30];
  for (int64_t j = 0; j < n; j++) x[j] = urand() * 4 - 2;
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *)), *o[8] = {0};
  in[xi] = xt_new_named("x", XT_F64, xs->rank, xs->d);
  for (int64_t j = 0; j < n; j++) xt_set(in[xi], j, x[j]);
  char *err = NULL;
  CHECK(ref_exec(g, CG_F64, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    int k = cg_find_output(g, want[i].out);
    const cg_node *nd = &g->nodes.v[g->outs.v[k].node];
    CHECK((int)nd->op == want[i].op && nd->a[0] == want[i].axis && nd->a[1] == want[i].rev,
          "out %s: %s axis %lld reverse %lld (want %s axis %d reverse %d)", want[i].out, cg_ops[nd->op].name,
          (long long)nd->a[0], (long long)nd->a[1], cg_ops[want[i].op].name, want[i].axis, want[i].rev);
    double xv[30];
    for (int64_t j = 0; j < n; j++) xv[j] = want[i].out[0] == 'd' ? x[j] * 1000 : x[j];
    direct((cg_op)want[i].op, xs, want[i].axis, want[i].rev, xv, y, sc);
    int bad = 0;
    for (int64_t j = 0; j < n && o[k]; j++) bad += !agree(xt_get(o[k], j), y[j], 1e-14, sc[j]);
    CHECK(o[k] && !bad, "out %s: %d values off", want[i].out, bad);
  }
  for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
  xt_free(in[xi]);
  free(in);
  cg_free(g);
  xl_arena_free(&ar);
}

/* ---- (4) ref vs cpu ---- */

static void test_cpu(void) {
  static const char *const sets[] = {"B=2", NULL};
  static const char *const outs = "block cpu(T = 6, D = 4) {\n"
                                  "  in x: [T, D]\n"
                                  "  in h: [T, 2, D]\n"
                                  "  out a = cumsum(x, 0) * 0.5\n"
                                  "  out b = logcumsumexp(x * 30, -1, reverse = true)\n"
                                  "  out c = sum(logcumsumexp(h, 1) * cumsum(h, -1, true), -1)\n"
                                  "  out d = tanh(cumsum(logcumsumexp(x, 0), 1, reverse = true))\n"
                                  "}\n";
  for (int dt = CG_F64; dt <= CG_F32; dt++)
    for (int grad = 0; grad < 2; grad++) CHECK(cvr_run(outs, "cpu", sets, grad, (cg_dtype)dt, NULL) == 0, "cvr_run");
}

int main(void) {
  test_values();
  test_grads();
  test_lowering();
  test_cpu();
  if (!fails) printf("test_cumulative: OK\n");
  return fails != 0;
}
