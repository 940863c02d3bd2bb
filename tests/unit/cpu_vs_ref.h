/* cpu_vs_ref.h - runs an entry of a .xl text through ref_exec and the compiled CPU executor
 * on the same seeded inputs and compares every output (the unit tests of edge cases: long
 * chains, zero-size tensors). Include after check.h.
 *
 *   cvr_run(src, entry, sets, grad, dt, &stats): lowers `entry` of the text with the
 *   "K=V" settings (NULL-terminated; `cvr_given` tensors bind free dimensions, e.g. T = 0,
 *   as --inputs does), appends the backward pass when grad (cotangent inputs random),
 *   prepares the CPU executor with `cvr_opts` (NULL: the defaults), runs both executors and
 *   CHECKs that every output agrees (f64 1e-10, f32 1e-5 relative to the output's largest
 *   magnitude; empty outputs: equal shapes). 0 when it ran.
 */
#ifndef XLC_TEST_CPU_VS_REF_H
#define XLC_TEST_CPU_VS_REF_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "exec_cpu.h"
#include "lang.h"
#include "xlrt.h"

static inline int cvr_compare(const char *what, const xt *a, const xt *b, double tol) {
  int same = a->rank == b->rank && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->rank);
  CHECK(same, "%s: cpu and ref shapes differ", what);
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
  CHECK(rel <= tol, "%s: cpu vs ref rel %.3e > %.1e", what, rel, tol);
  return rel <= tol;
}

static xt *const *cvr_given; /* tensors lang_lower binds free dimensions from (NULL: none) */
static const xl_options *cvr_opts; /* what cpu_prepare gets (NULL: the defaults) */
static int cvr_ngiven;

static inline int cvr_run(const char *src, const char *entry, const char *const *sets, int grad, cg_dtype dt,
                   cpu_stats *stats) {
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
  cg_graph *g = file && !d.nerr ? lang_lower(&ar, file, entry, ls, ns, cvr_given, cvr_ngiven, &d) : NULL;
  CHECK(g != NULL, "%s: lowering", entry);
  if (!g) {
    xl_arena_free(&ar);
    return -1;
  }
  char *err = NULL;
  if (grad) CHECK(ad_append_backward(g, NULL, &err) == 0, "%s: autodiff: %s", entry, err ? err : "");
  free(err);
  err = NULL;
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
  int r1 = ref_exec(g, dt, in, ro, &err);
  CHECK(r1 == 0, "%s: ref: %s", entry, err ? err : "");
  free(err);
  err = NULL;
  cpu_exec *e = cpu_prepare(g, dt, cvr_opts, &err);
  CHECK(e != NULL, "%s: cpu_prepare: %s", entry, err ? err : "");
  free(err);
  err = NULL;
  int r2 = e ? cpu_run(e, in, co, &err) : -1;
  CHECK(r2 == 0, "%s: cpu_run: %s", entry, err ? err : "");
  free(err);
  if (r1 == 0 && r2 == 0)
    for (int k = 0; k < g->outs.n; k++) {
      const char *nm = g->outs.v[k].name;
      char what[200];
      snprintf(what, sizeof what, "%s%s %s %s", entry, grad ? " grad" : "", dt == CG_F64 ? "f64" : "f32", nm);
      cvr_compare(what, co[k], ro[k], dt == CG_F64 ? 1e-10 : strncmp(nm, "grad.", 5) ? 1e-5 : 1e-4);
    }
  if (stats && e) *stats = e->stats;
  for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]), xt_free(co[k]);
  for (int i = 0; i < N; i++) xt_free(in[i]);
  free(in);
  free(ro);
  free(co);
  cpu_free(e);
  cg_free(g);
  xl_arena_free(&ar);
  return r1 == 0 && r2 == 0 ? 0 : -1;
}
#endif
