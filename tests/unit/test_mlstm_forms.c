/* test_mlstm_forms.c - the mLSTM chunkwise form against the recurrent and parallel forms.
 *
 * Each case lowers a chunkwise entry (mlstm_chunkwise, or a block/model with form=chunkwise)
 * and a reference entry (mlstm_cell scanned step by step, mlstm_parallel, or the same
 * block/model with form=recurrent) with the same sizes and m0, differentiates both in
 * cotangent mode, and feeds them the same inputs, parameters, initial states and cotangents
 * (matched by name; the chunkwise entry's state.core.X is mlstm_cell's state.X). The reference
 * runs on the reference executor in float64; the chunkwise entry runs on the reference and the
 * compiled CPU executor, in float64 and float32. Every output the two graphs share (h or y,
 * logits, loss, final states, every gradient) must agree relative to the reference tensor's
 * largest magnitude: float64 1e-10, float32 3e-5 forward and 1e-4 gradients (float32 is
 * measured against the float64 reference, so it includes the rounding of the float32 form;
 * large input gates amplify it to ~1e-5). Only the gradients of the initial stabilizers
 * (grad.state.*.m) are measured against a scale of at least 1e-2 of the graph's largest
 * gradient: with zero initial states that gradient is O(eps) (m only enters through eps), the
 * difference of O(1) terms, so its own magnitude is no scale for rounding (~1e-10 relative in
 * f64, ~1e-1 in f32, in every form); every other tensor is measured against its own largest
 * magnitude. Chunk sizes
 * cover T = 1, T < chunk (one chunk), T a multiple of the chunk (several chunks) and T that is
 * not (padded last chunk), one head and odd head dimensions. Everything runs twice: small
 * contractions as JIT kernels (the default) and as BLAS calls (target contract_flops 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "rel_err.h"
#include "exec_cpu.h"
#include "lang.h"
#include "pipe_test.h"
#include "stdlib_fixture.h"
#include "xlrt.h"

typedef struct {
  const char *label;
  const char *a_entry, *a_sets[10]; /* the chunkwise form */
  const char *b_entry, *b_sets[10]; /* the reference form */
  const char *a_pfx;                /* a's "state.<a_pfx>X" is b's "state.X" ("" = same names) */
  int rand_states;                  /* random initial states (else the declared ones) */
  double ig_shift;                  /* added to the input-gate pre-activations of cell cases */
} fcase;

#define CELL(...) "mlstm_cell", {__VA_ARGS__, NULL}
static const fcase cases[] = {
    {"T=1", "mlstm_chunkwise", {"B=2", "T=1", "NH=2", "DK=4", "DV=4", "chunk=4", NULL}, CELL("B=2", "T=1", "NH=2", "DK=4", "DV=4"), "core.", 0, 0},
    {"T=1 random states", "mlstm_chunkwise", {"B=2", "T=1", "NH=2", "DK=3", "DV=2", "chunk=4", NULL}, CELL("B=2", "T=1", "NH=2", "DK=3", "DV=2"), "core.", 1, 0},
    {"T=7 chunk=3 (padded), NH=1", "mlstm_chunkwise", {"B=2", "T=7", "NH=1", "DK=3", "DV=5", "chunk=3", NULL}, CELL("B=2", "T=7", "NH=1", "DK=3", "DV=5"), "core.", 1, 0},
    {"T=12 chunk=4 (3 chunks)", "mlstm_chunkwise", {"B=2", "T=12", "NH=2", "DK=5", "DV=3", "chunk=4", NULL}, CELL("B=2", "T=12", "NH=2", "DK=5", "DV=3"), "core.", 1, 0},
    {"T=10 chunk=64 (one chunk)", "mlstm_chunkwise", {"B=2", "T=10", "NH=3", "DK=2", "DV=7", NULL}, CELL("B=2", "T=10", "NH=3", "DK=2", "DV=7"), "core.", 0, 0},
    {"T=11 chunk=2, input gates +3", "mlstm_chunkwise", {"B=2", "T=11", "NH=2", "DK=4", "DV=4", "chunk=2", NULL}, CELL("B=2", "T=11", "NH=2", "DK=4", "DV=4"), "core.", 0, 3},
    {"T=9 chunk=4, input gates -3", "mlstm_chunkwise", {"B=2", "T=9", "NH=2", "DK=4", "DV=4", "chunk=4", NULL}, CELL("B=2", "T=9", "NH=2", "DK=4", "DV=4"), "core.", 1, -3},
    {"B=1 T=6 chunk=2", "mlstm_chunkwise", {"B=1", "T=6", "NH=2", "DK=3", "DV=3", "chunk=2", NULL}, CELL("B=1", "T=6", "NH=2", "DK=3", "DV=3"), "core.", 1, 0},
    {"m0=-inf vs cell", "mlstm_chunkwise", {"B=2", "T=9", "NH=2", "DK=4", "DV=3", "chunk=4", "m0=-inf", NULL}, CELL("B=2", "T=9", "NH=2", "DK=4", "DV=3", "m0=-inf"), "core.", 0, 0},
    {"m0=-inf vs parallel", "mlstm_chunkwise", {"B=2", "T=9", "NH=2", "DK=4", "DV=3", "chunk=4", "m0=-inf", NULL}, "mlstm_parallel", {"B=2", "T=9", "NH=2", "DK=4", "DV=3", NULL}, "core.", 0, 0},
    {"m0=-inf vs parallel, T=16 chunk=4", "mlstm_chunkwise", {"B=2", "T=16", "NH=1", "DK=8", "DV=8", "chunk=4", "m0=-inf", NULL}, "mlstm_parallel", {"B=2", "T=16", "NH=1", "DK=8", "DV=8", NULL}, "core.", 0, 2},
    {"mlstm_block T=7 chunk=3", "mlstm_block", {"B=2", "T=7", "form=chunkwise", "chunk=3", NULL}, "mlstm_block", {"B=2", "T=7", "form=recurrent", NULL}, "", 1, 0},
    {"mlstm_block m0=0 T=8 chunk=4", "mlstm_block", {"B=2", "T=8", "m0=0", "form=chunkwise", "chunk=4", NULL}, "mlstm_block", {"B=2", "T=8", "m0=0", NULL}, "", 0, 0},
    {"mlstm_block vs parallel", "mlstm_block", {"B=2", "T=6", "form=chunkwise", "chunk=4", NULL}, "mlstm_block", {"B=2", "T=6", "form=parallel", NULL}, "", 0, 0},
    {"xlstm_lm T=10 chunk=4", "xlstm_lm", {"B=2", "T=10", "V=11", "form=chunkwise", "chunk=4", NULL}, "xlstm_lm", {"B=2", "T=10", "V=11", NULL}, "", 1, 0},
    {"xlstm_lm NH=1 T=5 chunk=2", "xlstm_lm", {"B=1", "T=5", "V=3", "NH=1", "L=3", "slstm_at=[1]", "form=chunkwise", "chunk=2", NULL}, "xlstm_lm", {"B=1", "T=5", "V=3", "NH=1", "L=3", "slstm_at=[1]", NULL}, "", 0, 0},
};

static xl_rng rng;

static cg_graph *lower(const ast *file, xl_arena *ar, const char *entry, const char *const *sv) {
  lang_set sets[10];
  char buf[10][40];
  int ns = 0;
  for (; sv[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", sv[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns] = (lang_set){buf[ns], eq + 1};
  }
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = pt_graph(ar, file, &d, entry, sets, ns, NULL, 0, XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL);
  CHECK(g != NULL, "lowering and autodiff %s", entry);
  return g;
}

/* the name in the reference graph of a name of the chunkwise graph */
static void to_b(const fcase *fc, const char *a, char *out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "state.%s", fc->a_pfx);
  const char *p = fc->a_pfx[0] ? strstr(a, pat) : NULL;
  if (!p) {
    snprintf(out, n, "%s", a);
    return;
  }
  snprintf(out, n, "%.*sstate.%s", (int)(p - a), a, p + strlen(pat));
}

static int find_in(const cg_graph *g, const char *name) {
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].name && !strcmp(g->nodes.v[i].name, name)) return i;
  return -1;
}

/* random values for the reference graph's inputs (NULL: a state left at its declared value) */
static xt **make_inputs(const fcase *fc, const cg_graph *g) {
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    if (n->ikind == CG_IN_STATE && !fc->rand_states) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    int64_t N = xt_numel(t);
    if (n->ikind == CG_IN_PARAM) {
      char *err = NULL;
      CHECK(init_fill(t, &n->init, 3, n->name, &err) == 0, "init %s: %s", n->name, err ? err : "");
      free(err);
    }
    for (int64_t j = 0; j < N; j++) {
      double v = rng_normal(&rng);
      if (n->is_int) v = floor(rng_uniform(&rng) * (n->fval > 0 ? n->fval : 2));
      else if (n->ikind == CG_IN_PARAM) v = xt_get(t, j) + 0.1 * v;
      else if (n->ikind == CG_IN_STATE && strstr(n->name, "slstm") && strstr(n->name, ".n")) v = 0.5 + fabs(v);
      else if (!strcmp(n->name, "ig")) v = 1.5 * v + fc->ig_shift;
      else if (!strcmp(n->name, "fg")) v = 1.5 * v + 1;
      xt_set(t, j, v);
    }
    in[i] = t;
  }
  return in;
}


static xl_options opts; /* the mode's target (main) */

static void run_case(const ast *file, xl_arena *ar, const fcase *fc) {
  cg_graph *ga = lower(file, ar, fc->a_entry, fc->a_sets), *gb = lower(file, ar, fc->b_entry, fc->b_sets);
  if (!ga || !gb) {
    if (ga) cg_free(ga);
    if (gb) cg_free(gb);
    return;
  }
  xt **inb = make_inputs(fc, gb);
  xt **ob = xl_calloc((size_t)gb->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  int rb = ref_exec(gb, CG_F64, inb, ob, &err);
  CHECK(rb == 0, "%s: reference form: %s", fc->label, err ? err : "");
  free(err);
  err = NULL;
  /* the chunkwise graph's inputs: the reference's by name; cotangents of outputs the
     reference lacks (the states, against the stateless parallel form) are zero */
  xt **ina = xl_calloc((size_t)ga->nodes.n + 1, sizeof(xt *));
  int nstates = 0;
  for (int i = 0; i < ga->nodes.n; i++) {
    const cg_node *n = &ga->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    char bn[300];
    to_b(fc, n->name, bn, sizeof bn);
    int j = find_in(gb, bn);
    nstates += n->ikind == CG_IN_STATE;
    if (j >= 0) {
      if (inb[j]) ina[i] = xt_convert(inb[j], XT_F64);
      CHECK(cg_shape_eq(&n->shape, &gb->nodes.v[j].shape), "%s: input %s has another shape", fc->label, n->name);
    } else {
      CHECK(n->ikind == CG_IN_COT || (n->ikind == CG_IN_STATE && !fc->rand_states), "%s: input %s has no match",
            fc->label, n->name);
      if (n->ikind == CG_IN_COT) ina[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d); /* zeros */
    }
  }
  CHECK(nstates > 0, "%s: the chunkwise entry has no states", fc->label);
  double gscale = 0; /* the reference's largest gradient */
  for (int k = 0; k < gb->outs.n && rb == 0; k++)
    if (!strncmp(gb->outs.v[k].name, "grad.", 5))
      for (int64_t i = 0; i < xt_numel(ob[k]); i++) gscale = fmax(gscale, fabs(xt_get(ob[k], i)));
  for (int be = 0; be < 2 && rb == 0; be++)
    for (int dt = 0; dt < 2; dt++) {
      cg_dtype dtype = dt ? CG_F32 : CG_F64;
      xt **oa = xl_calloc((size_t)ga->outs.n + 1, sizeof(xt *));
      int ra;
      cpu_exec *e = NULL;
      if (be) {
        e = cpu_prepare(ga, dtype, &opts, &err);
        ra = e ? cpu_run(e, ina, oa, &err) : -1;
      } else {
        ra = ref_exec(ga, dtype, ina, oa, &err);
      }
      CHECK(ra == 0, "%s: chunkwise on %s: %s", fc->label, be ? "cpu" : "ref", err ? err : "");
      free(err);
      err = NULL;
      double worst_f = 0, worst_g = 0;
      int ncmp = 0;
      for (int k = 0; k < ga->outs.n && ra == 0; k++) {
        const char *nm = ga->outs.v[k].name;
        char bn[300];
        to_b(fc, nm, bn, sizeof bn);
        int kb = cg_find_output(gb, bn);
        if (kb < 0 || ga->nodes.v[ga->outs.v[k].node].is_int) continue;
        int grad = !strncmp(nm, "grad.", 5);
        double tol = dt == 0 ? 1e-10 : grad ? 1e-4 : 3e-5;
        size_t nl = strlen(nm);
        int grad_m0 = grad && !strncmp(nm, "grad.state.", 11) && nl > 2 && !strcmp(nm + nl - 2, ".m");
        double r = rel_err_floor(oa[k], ob[kb], grad_m0 ? 1e-2 * gscale : 0);
        CHECK(r <= tol, "%s: %s %s %s vs %s: rel %.3e > %.0e", fc->label, be ? "cpu" : "ref", dt ? "f32" : "f64", nm,
              bn, r, tol);
        if (grad) worst_g = fmax(worst_g, r);
        else worst_f = fmax(worst_f, r);
        ncmp++;
      }
      CHECK(ra != 0 || ncmp >= 4, "%s: only %d outputs compared", fc->label, ncmp);
      if (ra == 0)
        printf("%-34s vs %-14s %s %s  %2d outputs  worst rel forward %.2e  gradients %.2e\n", fc->label, fc->b_entry,
               be ? "cpu" : "ref", dt ? "f32" : "f64", ncmp, worst_f, worst_g);
      for (int k = 0; k < ga->outs.n; k++) xt_free(oa[k]);
      free(oa);
      cpu_free(e);
    }
  for (int k = 0; k < gb->outs.n; k++) xt_free(ob[k]);
  for (int i = 0; i < gb->nodes.n; i++) xt_free(inb[i]);
  for (int i = 0; i < ga->nodes.n; i++) xt_free(ina[i]);
  free(ob);
  free(inb);
  free(ina);
  cg_free(ga);
  cg_free(gb);
}

int main(void) {
  stdlib_fx fx;
  if (stdlib_open(&fx) != 0) return 1;
  for (int mode = 0; mode < 2; mode++) {
    printf("-- contractions: %s\n", mode ? "BLAS (contract_flops 0)" : "small ones as kernels");
    opts = xl_options_default();
    if (mode) opts.target.contract_flops = 0;
    rng_seed(&rng, 5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(fx.file, &fx.ar, &cases[i]);
  }
  stdlib_close(&fx);
  printf("test_mlstm_forms: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
