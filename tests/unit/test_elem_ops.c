/* test_elem_ops.c - the elementwise builtins softplus, log1p, expm1, logaddexp and clamp.
 *
 * (1) The compiled CPU path agrees with ref_exec on random inputs scaled into the hard regions
 *     (softplus at |x| ~ 100, log1p near -1 and at tiny x, logaddexp with |a - b| ~ 100), forward
 *     and backward, f64 (1e-10) and f32 (1e-5; gradients 1e-4) (cpu_vs_ref.h).
 * (2) Both executors' f64 values at chosen points match libm or an identity (softplus(x) -
 *     softplus(-x) = x, logaddexp(a, a) = a + log 2, ...), compile-time calls fold to the same
 *     numbers, and clamp passes the gradient to x at its bounds (the documented tie convention).
 * The same for tensor powers x ** p (p any constant: C pow, NaN for x < 0 and non-integer p).
 * Gradients by finite differences: test_grad_ops.c (test_builtins).
 */
#include "check.h"
#include "cpu_vs_ref.h"

static const char *const src =
    "block all() {\n"
    "  in x: [N]\n"
    "  in y: [N]\n"
    "  out sp = softplus(x * 40)\n"
    "  out spd = softplus(x) - softplus(-x)\n"
    "  out l1 = log1p(0.999 * tanh(x))\n"
    "  out l2 = log1p(x * 1e-9) + expm1(x * 1e-9)\n"
    "  out e1 = expm1(x)\n"
    "  out la = logaddexp(x * 60, y * 60)\n"
    "  out lb = logaddexp(x, 0.5) + logaddexp(x, x)\n"
    "  out c1 = clamp(x, -0.5, 0.5)\n"
    "  out c2 = clamp(x, y, y + 1)\n"
    "  out pw = abs(x) ** 1.7 + x ** 3 + (abs(y) + 0.5) ** -2.5 + x ** 0\n"
    "}\n"
    /* value checks: one point per element, B = 1 */
    "block pts() {\n"
    "  in x: [N]\n"
    "  in y: [N]\n"
    "  out sp = softplus(x)\n"
    "  out spd = softplus(x) - softplus(-x)\n"
    "  out l1 = log1p(x)\n"
    "  out e1 = expm1(x)\n"
    "  out la = logaddexp(x, y)\n"
    "  out c1 = clamp(x, -0.5, 0.5)\n"
    "  out c2 = clamp(x, y, 0.5)\n"
    "  out p1 = x ** 2.5\n"
    "  out p2 = x ** 3\n"
    "  out p3 = x ** -1.5\n"
    "  out k = x * 0 + softplus(-50.0) + log1p(1e-20) + expm1(1e-20) + logaddexp(0.0, 0.0) + clamp(3.0, 0, 1)\n"
    "}\n";

/* ---- (2) values at chosen points ---- */

#define NP 8
typedef struct {
  cg_graph *g;
  xt **ref, **cpu;
} pts_run;

/* Lowers pts (with the backward pass, cotangents 1) and runs both executors in f64 on x, y. */
static pts_run run_pts(const double *x, const double *y) {
  static xl_arena ar;
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "elem.xl", src, &d);
  lang_set sets[2] = {{"B", "1"}, {"N", "8"}};
  pts_run r = {file && !d.nerr ? pt_graph(&ar, file, &d, "pts", sets, 2, NULL, 0, XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL)
                                : NULL,
               NULL, NULL};
  XL_ASSERT(r.g);
  char *err = NULL;
  int N = r.g->nodes.n;
  xt **in = xl_calloc((size_t)N, sizeof(xt *));
  for (int i = 0; i < N; i++) {
    const cg_node *n = &r.g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++)
      xt_set(in[i], j, !strcmp(n->name, "x") ? x[j] : !strcmp(n->name, "y") ? y[j] : 1.0);
  }
  r.ref = xl_calloc((size_t)r.g->outs.n, sizeof(xt *));
  r.cpu = xl_calloc((size_t)r.g->outs.n, sizeof(xt *));
  CHECK(ref_exec(r.g, CG_F64, in, r.ref, &err) == 0, "ref: %s", err ? err : "");
  cpu_exec *e = cpu_prepare(r.g, CG_F64, pt_options(), &err);
  CHECK(e && cpu_run(e, in, r.cpu, &err) == 0, "cpu: %s", err ? err : "");
  cpu_free(e);
  for (int i = 0; i < N; i++) xt_free(in[i]);
  free(in);
  return r;
}

static void pts_free(pts_run *r) {
  for (int k = 0; k < r->g->outs.n; k++) xt_free(r->ref[k]), xt_free(r->cpu[k]);
  free(r->ref);
  free(r->cpu);
  cg_free(r->g);
}

/* every element of output `name` on both executors equals want[i] within tol relative to
   max(|want[i]|, floor) (exact for infinities and NaN) */
static void expect_f(pts_run *r, const char *name, const double *want, double tol, double floor) {
  int k = cg_find_output(r->g, name);
  CHECK(k >= 0, "no output %s", name);
  if (k < 0) return;
  for (int ex = 0; ex < 2; ex++) {
    const xt *t = ex ? r->cpu[k] : r->ref[k];
    if (!t) continue;
    for (int i = 0; i < NP; i++) {
      double v = xt_get(t, i), w = want[i];
      int ok = isnan(w) ? isnan(v) : isinf(w) ? v == w : fabs(v - w) <= tol * fmax(fabs(w), floor);
      CHECK(ok, "%s %s[%d] = %.17g, want %.17g", ex ? "cpu" : "ref", name, i, v, w);
    }
  }
}

static void expect(pts_run *r, const char *name, const double *want, double tol) {
  expect_f(r, name, want, tol, 1e-300);
}

static void test_points(void) {
  const double tol = 4e-16;
  { /* powers: libm pow, negative bases with integer and non-integer exponents, zero */
    const double x[NP] = {-2, -0.5, 0, 1e-300, 0.5, 1, 2, 1e10};
    const double y[NP] = {0};
    pts_run r = run_pts(x, y);
    double p1[NP], p2[NP], p3[NP];
    for (int i = 0; i < NP; i++) p1[i] = pow(x[i], 2.5), p2[i] = pow(x[i], 3), p3[i] = pow(x[i], -1.5);
    CHECK(isnan(p1[0]) && p2[0] == -8 && p3[2] == INFINITY, "libm pow");
    expect(&r, "p1", p1, tol);
    expect(&r, "p2", p2, tol);
    expect(&r, "p3", p3, tol);
    pts_free(&r);
  }
  { /* softplus, log1p, expm1 against libm; the softplus identity */
    const double x[NP] = {-50, -1e-8, 0, 1e-8, 1, 50, -745, 0.999};
    const double y[NP] = {0};
    pts_run r = run_pts(x, y);
    double sp[NP], spd[NP], l1[NP], e1[NP], k[NP];
    for (int i = 0; i < NP; i++) {
      sp[i] = x[i] > 0 ? x[i] + log1p(exp(-x[i])) : log1p(exp(x[i]));
      spd[i] = x[i];
      l1[i] = log1p(x[i]);
      e1[i] = expm1(x[i]);
      k[i] = log1p(exp(-50.0)) + 2e-20 + log(2.0) + 1;
    }
    expect(&r, "sp", sp, tol);
    expect_f(&r, "spd", spd, tol, 1); /* the difference of two values near log 2 */
    expect(&r, "l1", l1, tol);
    expect(&r, "e1", e1, tol);
    expect(&r, "k", k, tol);
    pts_free(&r);
  }
  { /* log1p near -1 and at tiny x; expm1 at tiny x */
    const double x[NP] = {-1, -0.999999, -1e-12, 1e-300, 1e-12, 3, 1e10, -40};
    const double y[NP] = {0};
    pts_run r = run_pts(x, y);
    double l1[NP], e1[NP];
    for (int i = 0; i < NP; i++) l1[i] = log1p(x[i]), e1[i] = expm1(x[i]);
    expect(&r, "l1", l1, tol);
    expect(&r, "e1", e1, tol);
    CHECK(xt_get(r.ref[cg_find_output(r.g, "l1")], 3) == 1e-300, "log1p(1e-300) keeps every digit");
    pts_free(&r);
  }
  { /* logaddexp: |a - b| = 100, ties, a tiny result beside a huge gap, an infinite operand */
    const double x[NP] = {0, 100, -100, 3, 1e-20, -INFINITY, 1000, 2};
    const double y[NP] = {100, 0, -100, 3, -1000, 2, 999, -INFINITY};
    pts_run r = run_pts(x, y);
    double la[NP], gb[NP];
    for (int i = 0; i < NP; i++) {
      double m = fmax(x[i], y[i]);
      la[i] = m + log1p(exp(-fabs(x[i] - y[i])));
      gb[i] = 1 / (1 + exp(x[i] - y[i]));
    }
    expect(&r, "la", la, tol);
    CHECK(xt_get(r.ref[cg_find_output(r.g, "la")], 2) == -100 + log(2.0), "logaddexp(a, a) = a + log 2");
    CHECK(xt_get(r.ref[cg_find_output(r.g, "la")], 4) == 1e-20, "logaddexp(1e-20, -1000) = 1e-20");
    /* d/db = sigmoid(b - a), ties 0.5 (grad.y: c2 = clamp(x, y, 0.5) adds nothing here, its
       max(x, y) > 0.5 wherever y wins; grad.x has the other outputs' terms too) */
    expect(&r, "grad.y", gb, tol);
    pts_free(&r);
  }
  { /* clamp: values, NaN, and the gradient at the bounds: d/dx = 1 at x == lo and x == hi */
    const double x[NP] = {-1, -0.5, 0, 0.5, 1, NAN, -0.2, 0.3};
    const double y[NP] = {-0.6, -0.6, 0.1, -0.6, -0.6, -0.6, -0.2, 0.3}; /* lo of c2; ties at 6, 7 */
    pts_run r = run_pts(x, y);
    const double c1[NP] = {-0.5, -0.5, 0, 0.5, 0.5, NAN, -0.2, 0.3};
    const double c2[NP] = {-0.6, -0.5, 0.1, 0.5, 0.5, NAN, -0.2, 0.3};
    expect(&r, "c1", c1, 0);
    expect(&r, "c2", c2, 0);
    pts_free(&r);
  }
}

/* the clamp tie convention alone: y = clamp(x, lo, hi) with x on both bounds */
static void test_clamp_ties(void) {
  static const char *const s =
      "block cl() {\n  in x: [N]\n  in lo: [N]\n  in hi: [N]\n  out y = clamp(x, lo, hi) + clamp(x, -0.5, 0.5)\n}\n";
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "cl.xl", s, &d);
  lang_set sets[2] = {{"B", "1"}, {"N", "4"}};
  cg_graph *g = pt_graph(&ar, file, &d, "cl", sets, 2, NULL, 0, XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL);
  XL_ASSERT(g);
  char *err = NULL;
  /* x at lo, at hi, inside, outside; the constant bounds -0.5 / 0.5 tie at elements 0 and 1 */
  const double xv[4] = {-0.5, 0.5, 0, 2}, lov[4] = {-0.5, -1, -1, -1}, hiv[4] = {1, 0.5, 1, 1};
  const double gx[4] = {2, 2, 2, 0}, glo[4] = {0, 0, 0, 0}, ghi[4] = {0, 0, 0, 1};
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    const double *v = !strcmp(n->name, "x") ? xv : !strcmp(n->name, "lo") ? lov : !strcmp(n->name, "hi") ? hiv : NULL;
    for (int j = 0; j < 4; j++) xt_set(in[i], j, v ? v[j] : 1.0);
  }
  for (int ex = 0; ex < 2; ex++) {
    xt **o = xl_calloc((size_t)g->outs.n, sizeof(xt *));
    cpu_exec *e = ex ? cpu_prepare(g, CG_F64, pt_options(), &err) : NULL;
    int rc = ex ? (e ? cpu_run(e, in, o, &err) : -1) : ref_exec(g, CG_F64, in, o, &err);
    CHECK(rc == 0, "clamp ties: %s", err ? err : "");
    const char *names[3] = {"grad.x", "grad.lo", "grad.hi"};
    const double *want[3] = {gx, glo, ghi};
    for (int q = 0; q < 3 && rc == 0; q++) {
      int k = cg_find_output(g, names[q]);
      for (int j = 0; j < 4; j++)
        CHECK(xt_get(o[k], j) == want[q][j], "%s clamp ties %s[%d] = %g, want %g", ex ? "cpu" : "ref", names[q], j,
              xt_get(o[k], j), want[q][j]);
    }
    for (int k = 0; k < g->outs.n; k++) xt_free(o[k]);
    free(o);
    cpu_free(e);
  }
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  free(in);
  cg_free(g);
  xl_arena_free(&ar);
}

int main(void) {
  setenv("XLC_CACHE_DIR", "off", 1);
  const char *sets[] = {"B=2", "N=7", NULL};
  for (int grad = 0; grad < 2; grad++)
    for (int dt = 0; dt < 2; dt++) {
      int rc = cvr_run(src, "all", sets, grad, dt ? CG_F32 : CG_F64, NULL);
      printf("all %-4s %s %s\n", grad ? "grad" : "fwd", dt ? "f32" : "f64", rc ? "FAILED" : "ok");
    }
  test_points();
  test_clamp_ties();
  printf("test_elem_ops: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
