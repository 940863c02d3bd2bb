/* test_state_split.c - carrying states: a sequence run in two pieces equals one run.
 *
 * For every stdlib entry with states (cells scanned over T, the convolution buffer of the
 * blocks, the chunkwise mLSTM form, whose pieces are padded to whole chunks) the entry is
 * lowered at T = T1 + T2, T1 and T2. The whole sequence is run from the default states; then
 * its first T1 steps, and the last T2 steps from the first piece's final states. Per-step outputs must equal the matching rows of the whole run, and the final states
 * the whole run's final states (f64, 1e-12 relative; on every usable backend of the table:
 * the reference executor, the compiled CPU executor). This is what `xlc generate` relies on (prefill, then steps of T = 1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "stdlib_fixture.h"
#include "backend.h"
#include "lang.h"
#include "pipe_test.h"
#include "xlrt.h"

typedef struct {
  const char *entry;
  const char *sets[6];
  int t1, t2;
} scase;

static const scase cases[] = {
    {"mlstm_cell", {"B=2", NULL}, 3, 2},
    {"slstm_cell", {"B=2", NULL}, 4, 1},
    {"causal_conv1d", {"B=2", "C=5", NULL}, 2, 3},
    {"causal_conv1d", {"B=1", "C=3", NULL}, 1, 1},
    {"mlstm_block", {"B=2", NULL}, 4, 3},
    {"mlstm_chunkwise", {"B=2", "NH=2", "DK=3", "DV=4", "chunk=3", NULL}, 5, 4}, /* padded pieces */
    {"mlstm_chunkwise", {"B=1", "NH=1", "DK=2", "DV=2", "chunk=2", NULL}, 4, 1},
    {"mlstm_block", {"B=2", "form=chunkwise", "chunk=2", NULL}, 4, 3},
    {"xlstm_lm", {"B=2", "V=11", "form=chunkwise", "chunk=4", NULL}, 6, 1}, /* chunkwise prefill, then a step */
    {"slstm_block", {"B=2", NULL}, 5, 1},
    {"xlstm_lm", {"B=2", "V=11", NULL}, 5, 1},
    {"xlstm_lm", {"B=1", "V=11", "L=3", "slstm_at=[0,2]", NULL}, 3, 4},
    {"xlstm_lm", {"B=2", "V=3", "NH=1", "slstm_at=[0]", NULL}, 2, 1}, /* one head: the paper's parity model */
    {"xlstm_large", {"B=2", "E=32", "V=11", NULL}, 3, 1},
};

static cg_graph *lower(const ast *file, xl_arena *ar, const scase *c, int T) {
  lang_set sets[8];
  char tb[32];
  int ns = 0;
  char buf[6][32];
  for (; c->sets[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", c->sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns] = (lang_set){buf[ns], eq + 1};
  }
  snprintf(tb, sizeof tb, "%d", T);
  sets[ns++] = (lang_set){"T", tb};
  lang_diag d;
  diag_init(&d, stderr);
  return pt_graph(ar, file, &d, c->entry, sets, ns, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
}

/* rows [t0, t0+n) of axis 1 of x (shape [B, T, ...]) as a new tensor */
static xt *rows(const xt *x, int64_t t0, int64_t n) {
  int64_t sh[XT_MAXRANK];
  memcpy(sh, x->shape, sizeof sh);
  sh[1] = n;
  xt *y = xt_new_named(x->name, XT_F64, x->rank, sh);
  int64_t inner = 1;
  for (int i = 2; i < x->rank; i++) inner *= x->shape[i];
  for (int64_t b = 0; b < x->shape[0]; b++)
    for (int64_t t = 0; t < n; t++)
      for (int64_t j = 0; j < inner; j++)
        xt_set(y, (b * n + t) * inner + j, xt_get(x, (b * x->shape[1] + t0 + t) * inner + j));
  return y;
}

static int run(const cg_graph *g, const xl_backend *be, xt **in, xt **out) {
  char *err = NULL;
  xl_exec *x = xl_exec_prepare(be, g, CG_F64, pt_options(), &err);
  int r = x ? xl_exec_run(x, in, out, &err) : -1;
  xl_exec_free(x);
  CHECK(r == 0, "execution failed: %s", err ? err : "");
  free(err);
  return r;
}

static double rel_err(const xt *a, const xt *b) {
  double amax = 0, emax = 0;
  for (int64_t i = 0; i < xt_numel(a); i++) {
    double x = xt_get(a, i), y = xt_get(b, i);
    if (isinf(x) && x == y) continue;
    amax = fmax(amax, fabs(x));
    double d = fabs(x - y);
    if (!(d <= emax)) emax = d;
  }
  return amax > 0 ? emax / amax : emax;
}

static void run_case(const ast *file, xl_arena *ar, const scase *c, const xl_backend *be) {
  int T = c->t1 + c->t2;
  cg_graph *g = lower(file, ar, c, T), *g1 = lower(file, ar, c, c->t1), *g2 = lower(file, ar, c, c->t2);
  CHECK(g && g1 && g2, "%s: lowering failed", c->entry);
  if (!g || !g1 || !g2) return;
  xl_rng r;
  rng_seed(&r, 11);
  xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *)), **in1 = xl_calloc((size_t)g1->nodes.n, sizeof(xt *)),
     **in2 = xl_calloc((size_t)g2->nodes.n, sizeof(xt *));
  int nstate = 0;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    if (n->ikind == CG_IN_STATE) { /* default states */
      nstate++;
      continue;
    }
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(t); j++)
      xt_set(t, j, n->is_int ? floor(rng_uniform(&r) * (n->fval > 0 ? n->fval : 2)) : 0.3 * rng_normal(&r));
    in[i] = t;
    int i1 = cg_find_input(g1, n->name), i2 = cg_find_input(g2, n->name);
    CHECK(i1 >= 0 && i2 >= 0, "%s: input %s missing in a piece", c->entry, n->name);
    if (i1 < 0 || i2 < 0) continue;
    if (n->ikind == CG_IN_PARAM) {
      in1[i1] = xt_convert(t, XT_F64);
      in2[i2] = xt_convert(t, XT_F64);
    } else {
      in1[i1] = rows(t, 0, c->t1);
      in2[i2] = rows(t, c->t1, c->t2);
    }
  }
  CHECK(nstate > 0, "%s: the entry has no states", c->entry);
  xt **o = xl_calloc((size_t)g->outs.n, sizeof(xt *)), **o1 = xl_calloc((size_t)g1->outs.n, sizeof(xt *)),
     **o2 = xl_calloc((size_t)g2->outs.n, sizeof(xt *));
  if (run(g, be, in, o) == 0 && run(g1, be, in1, o1) == 0) {
    for (int k = 0; k < g1->outs.n; k++) { /* final states of piece 1 start piece 2 */
      const char *nm = g1->outs.v[k].name;
      if (strncmp(nm, "state.", 6)) continue;
      int i2 = cg_find_input(g2, nm);
      CHECK(i2 >= 0, "%s: state %s is no input of piece 2", c->entry, nm);
      if (i2 >= 0) in2[i2] = xt_convert(o1[k], XT_F64);
    }
    if (run(g2, be, in2, o2) == 0) {
      double worst = 0;
      for (int k = 0; k < g->outs.n; k++) {
        const char *nm = g->outs.v[k].name;
        int k1 = cg_find_output(g1, nm), k2 = cg_find_output(g2, nm);
        if (!strncmp(nm, "state.", 6)) {
          double e = rel_err(o2[k2], o[k]);
          worst = fmax(worst, e);
          CHECK(e <= 1e-12, "%s %s: final state %s differs (rel %.3e)", c->entry, be->name, nm, e);
        } else if (o[k]->rank >= 2 && o[k]->shape[1] == T) {
          xt *a = rows(o[k], 0, c->t1), *b = rows(o[k], c->t1, c->t2);
          double e = fmax(rel_err(o1[k1], a), rel_err(o2[k2], b));
          worst = fmax(worst, e);
          CHECK(e <= 1e-12, "%s %s: output %s differs (rel %.3e)", c->entry, be->name, nm, e);
          xt_free(a);
          xt_free(b);
        }
      }
      printf("%-14s T=%d+%d %s  %d states  worst rel %.2e\n", c->entry, c->t1, c->t2, be->name, nstate,
             worst);
    }
  }
  for (int k = 0; k < g->outs.n; k++) xt_free(o[k]);
  for (int k = 0; k < g1->outs.n; k++) xt_free(o1[k]);
  for (int k = 0; k < g2->outs.n; k++) xt_free(o2[k]);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  for (int i = 0; i < g1->nodes.n; i++) xt_free(in1[i]);
  for (int i = 0; i < g2->nodes.n; i++) xt_free(in2[i]);
  free(o);
  free(o1);
  free(o2);
  free(in);
  free(in1);
  free(in2);
  cg_free(g);
  cg_free(g1);
  cg_free(g2);
}

int main(void) {
  stdlib_fx fx;
  if (stdlib_open(&fx) != 0) return 1;
  ast *file = fx.file;
  xl_arena *ar = &fx.ar;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (int b = 0; b < xl_backend_count(); b++) /* every usable backend, ref included */
      if (!(xl_backend_at(b)->unusable && xl_backend_at(b)->unusable())) run_case(file, ar, &cases[i], xl_backend_at(b));
  stdlib_close(&fx);
  printf("test_state_split: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
