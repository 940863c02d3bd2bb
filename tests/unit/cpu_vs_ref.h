/* cpu_vs_ref.h - runs an entry of a .xl text through the reference backend and every other
 * registered backend (runtime/backend.h: the compiled CPU executor, and any that a later one
 * adds) on the same seeded inputs and compares every output (the unit tests of edge cases:
 * long chains, zero-size tensors). Backends not usable here or not running the dtype are
 * skipped. Include after check.h.
 *
 *   cvr_run(src, entry, sets, grad, dt, &stats): lowers `entry` of the text with the
 *   "K=V" settings (NULL-terminated; `cvr_given` tensors bind free dimensions, e.g. T = 0,
 *   as --inputs does), appends the backward pass when grad (cotangent inputs
 *   random), runs the executors and CHECKs that every output agrees (f64 1e-10, f32 1e-5
 *   relative to the output's largest magnitude; empty outputs: equal shapes). stats (may be
 *   NULL): the numbers of the first backend compared (the table's first row other than ref).
 *   0 when every executor ran.
 */
#ifndef XLC_TEST_CPU_VS_REF_H
#define XLC_TEST_CPU_VS_REF_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cg.h"
#include "exec_cpu.h" /* for the tests that also call the CPU executor directly */
#include "lang.h"
#include "pipe_test.h"
#include "xlrt.h"

static inline int cvr_compare(const char *what, const xt *a, const xt *b, double tol) {
  int same = a->rank == b->rank && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->rank);
  CHECK(same, "%s: shapes differ from ref's", what);
  if (!same) return 0;
  double amax = 0, emax = 0;
  for (int64_t i = 0; i < xt_numel(a); i++) {
    double x = xt_get(a, i), y = xt_get(b, i);
    if (isinf(x) && x == y) continue;
    if (isnan(x) && isnan(y)) continue;
    if (fabs(y) > amax) amax = fabs(y);
    double d = fabs(x - y);
    if (!(d <= emax)) emax = d;
  }
  double rel = amax > 0 ? emax / amax : emax;
  CHECK(rel <= tol, "%s: vs ref rel %.3e > %.1e", what, rel, tol);
  return rel <= tol;
}

static xt *const *cvr_given; /* tensors lang_lower binds free dimensions from (NULL: none) */
static const xl_options *cvr_opts; /* what cpu_prepare gets (NULL: the defaults) */
static int cvr_ngiven;

/* whether the cross-executor tests compare backend be with ref for dtype dt */
static inline int cvr_compares(const xl_backend *be, cg_dtype dt) {
  return strcmp(be->name, "ref") && !(be->unusable && be->unusable()) && (be->caps.dtypes & (1u << dt));
}

static inline int cvr_run(const char *src, const char *entry, const char *const *sets, int grad, cg_dtype dt,
                   xl_exec_stats *stats) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "cvr.xl", src, &d);
  CHECK(file && !d.nerr, "%s: parse", entry);
  lang_set ls[8];
  char buf[8][64];
  int ns = 0;
  for (; sets && sets[ns] && ns < 8; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    ls[ns].key = buf[ns];
    ls[ns].val = eq + 1;
  }
  /* lowered (and differentiated), not optimized: the executors see the graph as written */
  cg_graph *g = file && !d.nerr ? pt_graph(&ar, file, &d, entry, ls, ns, cvr_given, cvr_ngiven,
                                           grad ? XL_GRAD_COT : XL_GRAD_NONE, XL_STAGE_CG_GRAD, NULL)
                                : NULL;
  CHECK(g != NULL, "%s: lowering%s", entry, grad ? " and autodiff" : "");
  if (!g) {
    xl_arena_free(&ar);
    return -1;
  }
  char *err = NULL;
  xl_rng rng;
  rng_seed(&rng, 11);
  int N = g->nodes.n;
  xt **in = xl_calloc((size_t)N + 1, sizeof(xt *));
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind == CG_IN_STATE) continue;
    in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++) xt_set(in[i], j, rng_normal(&rng));
  }
  xt **ro = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *)), **co = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  xl_exec *x = xl_exec_prepare(xl_backend_find("ref"), g, dt, NULL, &err);
  int r1 = x ? xl_exec_run(x, in, ro, &err) : -1, r2 = 0, first = 1;
  xl_exec_free(x);
  CHECK(r1 == 0, "%s: ref: %s", entry, err ? err : "");
  free(err);
  err = NULL;
  for (int b = 0; b < xl_backend_count() && r1 == 0; b++) {
    const xl_backend *be = xl_backend_at(b);
    if (!cvr_compares(be, dt)) continue;
    x = xl_exec_prepare(be, g, dt, cvr_opts ? cvr_opts : pt_options(), &err);
    CHECK(x != NULL, "%s: %s prepare: %s", entry, be->name, err ? err : "");
    free(err);
    err = NULL;
    int r = x ? xl_exec_run(x, in, co, &err) : -1;
    CHECK(r == 0, "%s: %s run: %s", entry, be->name, err ? err : "");
    free(err);
    err = NULL;
    if (r == 0)
      for (int k = 0; k < g->outs.n; k++) {
        const char *nm = g->outs.v[k].name;
        char what[200];
        snprintf(what, sizeof what, "%s%s %s %s %s", entry, grad ? " grad" : "", dt == CG_F64 ? "f64" : "f32", be->name, nm);
        cvr_compare(what, co[k], ro[k], dt == CG_F64 ? 1e-10 : strncmp(nm, "grad.", 5) ? 1e-5 : 1e-4);
      }
    if (stats && x && first) *stats = xl_exec_get_stats(x);
    first = 0;
    r2 |= r;
    xl_exec_free(x);
    for (int k = 0; k < g->outs.n; k++) xt_free(co[k]), co[k] = NULL;
  }
  for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]);
  for (int i = 0; i < N; i++) xt_free(in[i]);
  free(in);
  free(ro);
  free(co);
  cg_free(g);
  xl_arena_free(&ar);
  return r1 == 0 && r2 == 0 ? 0 : -1;
}
#endif
