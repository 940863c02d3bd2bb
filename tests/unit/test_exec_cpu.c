/* test_exec_cpu.c - the compiled CPU executor against the reference executor.
 *
 * For every stdlib entry (and odd sizes: T = 1, widths that are not multiples of the vector
 * width; batch 1, where scans read and write step slices in place) the forward graph and the
 * training graph (cotangent mode) are run by the reference backend and by every other registered
 * backend (runtime/backend.h: cpu today; unusable ones skipped) on the same random inputs,
 * parameters and initial states, in f64 and f32. Every
 * output (values, final states, all gradients) must agree: f64 to 1e-10 relative to the
 * tensor's largest magnitude (GEMM summation order differs), f32 to 1e-5 forward and 1e-4
 * gradients (the foundation issue's float32 tolerances). Everything runs three times: small
 * contractions planned as JIT kernels and each scan step's kernels merged into kernels of several
 * loop nests (the default), the same unmerged (target merge 0), and no contraction kernels
 * (contract_flops 0), set in the xl_options passed to cpu_prepare.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "cpu_vs_ref.h"
#include "stdlib_fixture.h"
#include "lang.h"
#include "xlrt.h"

typedef struct {
  const char *entry;
  const char *sets[16];
} tcase;

static const tcase cases[] = {
    {"slstm_cell", {"B=2", "T=5", NULL}},
    {"slstm_cell", {"B=1", "T=1", "NH=3", "D=5", NULL}},
    {"mlstm_cell", {"B=2", "T=5", "m0=-inf", NULL}},
    {"mlstm_cell", {"B=3", "T=1", "DK=5", "DV=3", NULL}},
    {"mlstm_cell_kbw", {"B=2", "T=4", NULL}},
    {"lstm_cell", {"B=2", "T=5", "I=7", "H=13", NULL}},
    {"mlstm_block", {"B=2", "T=5", NULL}},
    {"mlstm_chunkwise", {"B=2", "T=7", "NH=2", "DK=5", "DV=3", "chunk=3", NULL}},
    {"mlstm_block", {"B=2", "T=9", "form=chunkwise", "chunk=4", NULL}},
    {"xlstm_lm", {"B=2", "T=8", "V=11", "form=chunkwise", "chunk=4", NULL}},
    {"slstm_block", {"B=2", "T=5", NULL}},
    {"slstm_block", {"B=1", "T=1", "E=12", "NH=3", NULL}},
    {"slstm_block", {"B=3", "T=2", "E=20", "NH=4", NULL}},
    {"xlstm_lm", {"B=2", "T=6", "V=11", NULL}},
    {"xlstm_lm", {"B=1", "T=1", "V=3", "NH=1", NULL}},
    {"xlstm_large", {"B=2", "T=4", "E=32", "V=11", NULL}},
    /* batch 1: sequence slices read and per-step outputs written in place */
    {"xlstm_lm", {"B=1", "T=5", "V=7", NULL}},
    {"mlstm_cell", {"B=1", "T=4", "DK=5", "DV=3", NULL}},
    /* sizes where per-step einsums run as BLAS calls (strided on the operands) when
       contractions are not kernels */
    {"slstm_cell", {"B=16", "T=3", "NH=3", "D=16", NULL}},
    {"slstm_cell", {"B=17", "T=2", "NH=1", "D=24", NULL}},
    {"xlstm_lm", {"B=16", "T=3", "V=11", "E=64", "NH=1", NULL}},
    /* official configurations beyond the shipped cases: per-kind heads, kernels and factors,
       biases, tied head, no post norm, no FFN, other activations, K = 0 */
    {"xlstm_lm", {"B=2", "T=5", "V=11", "L=3", "slstm_at=[0,2]", "E=16", "mlstm_NH=4", "slstm_NH=2", "mlstm_K=3",
                  "slstm_K=2", "mlstm_pf=1.5", "ffn_pf=2.0", "ffn_act=relu^2", NULL}},
    {"xlstm_lm", {"B=2", "T=4", "V=11", "bias=true", "tie=true", "post_norm=false", "qkv_block=8", "slstm_K=0",
                  "ffn_act=selu", "mlstm_round=16", NULL}},
    {"xlstm_lm", {"B=2", "T=4", "V=11", "slstm_at=all", "ffn=false", "slstm_gn_weight=false", NULL}},
    {"xlstm_lm", {"B=2", "T=4", "V=11", "slstm_at=[]", "mlstm_pf=1.3", "mlstm_round_up=false", "mlstm_round=16",
                  "mlstm_K=0", NULL}},
    {"xlstm_large", {"B=2", "T=4", "E=48", "NH=3", "V=11", "bias=true", "out_norm=false", NULL}},
    {"xlstm_large", {"B=2", "T=3", "E=32", "V=11", "weight_mode=fused", NULL}},
};

static xl_rng rng;
static xl_options opts; /* the run's options: defaults, then the environment of the mode */


/* Backend be against ref's outputs ro on the inputs in: one run compared, then the reruns an
   executor that keeps its tables and workspace across runs must survive bit for bit. */
static void check_backend(const xl_backend *be, const cg_graph *g, const tcase *tc, int grad, cg_dtype dt, xt **in,
                          xt *const *ro) {
  int N = g->nodes.n;
  char *err = NULL;
  xt **co = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  xl_exec *e = xl_exec_prepare(be, g, dt, &opts, &err);
  CHECK(e != NULL, "%s prepare %s: %s", be->name, tc->entry, err ? err : "");
  free(err);
  err = NULL;
  if (e) {
    int r2 = xl_exec_run(e, in, co, &err);
    CHECK(r2 == 0, "%s run %s: %s", be->name, tc->entry, err ? err : "");
    free(err);
    if (r2 == 0) {
      int ok = 1;
      for (int k = 0; k < g->outs.n; k++) {
        const char *nm = g->outs.v[k].name;
        double tol = dt == CG_F64 ? 1e-10 : (strncmp(nm, "grad.", 5) == 0 ? 1e-4 : 1e-5);
        char what[400];
        snprintf(what, sizeof what, "%s %s[%s]%s %s %s", be->name, tc->entry, tc->sets[1] ? tc->sets[1] : "",
                 grad ? " grad" : "", dt == CG_F64 ? "f64" : "f32", nm);
        ok &= cvr_compare(what, co[k], ro[k], tol);
      }
      xl_exec_stats st = xl_exec_get_stats(e);
      printf("%-4s %-16s %-6s %-5s %s  kernels=%d (%d of nests)", be->name, tc->entry, tc->sets[1] ? tc->sets[1] : "",
             grad ? "grad" : "fwd", dt == CG_F64 ? "f64" : "f32", st.kernels, st.kernel_chains);
      for (int i = 0; i < st.nextra; i++) printf(" %s=%g", st.extra[i].name, st.extra[i].value);
      printf("  %s\n", ok ? "ok" : "MISMATCH");
      /* the executor keeps its value tables and workspace across runs: a run with the states
         left to their defaults (converted/filled buffers the run owns), then the first inputs
         again, must give the first run's outputs bit for bit */
      xt **in2 = xl_calloc((size_t)N + 1, sizeof(xt *)), **o2 = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
      for (int i = 0; i < N; i++)
        if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].ikind != CG_IN_STATE) in2[i] = in[i];
      err = NULL;
      CHECK(xl_exec_run(e, in2, o2, &err) == 0, "%s run %s (default states): %s", be->name, tc->entry, err ? err : "");
      free(err);
      for (int k = 0; k < g->outs.n; k++) xt_free(o2[k]), o2[k] = NULL;
      err = NULL;
      CHECK(xl_exec_run(e, in, o2, &err) == 0, "%s run %s (again): %s", be->name, tc->entry, err ? err : "");
      free(err);
      for (int k = 0; k < g->outs.n; k++) {
        size_t bytes = (size_t)xt_numel(co[k]) * (size_t)xt_dtype_size(co[k]->dtype);
        CHECK(o2[k] && !memcmp(o2[k]->data, co[k]->data, bytes), "%s: output %s differs on the third run",
              tc->entry, g->outs.v[k].name);
      }
      /* the third run's tensors handed back: the outputs the plan computes in place are now
         written straight into them (the cpu backend binds them), again bit for bit */
      err = NULL;
      CHECK(xl_exec_run(e, in, o2, &err) == 0, "%s run %s (outputs in place): %s", be->name, tc->entry, err ? err : "");
      free(err);
      for (int k = 0; k < g->outs.n; k++) {
        size_t bytes = (size_t)xt_numel(co[k]) * (size_t)xt_dtype_size(co[k]->dtype);
        CHECK(o2[k] && !memcmp(o2[k]->data, co[k]->data, bytes), "%s: output %s differs when written in place",
              tc->entry, g->outs.v[k].name);
      }
      /* each output's tensor also given as an input of its shape (f64: read in place): no
         output may then be computed into it while the run still reads it */
      if (dt == CG_F64) {
        xt **in3 = xl_calloc((size_t)N + 1, sizeof(xt *));
        memcpy(in3, in, sizeof(xt *) * (size_t)N);
        char *taken = xl_calloc((size_t)N + 1, 1);
        int nshared = 0;
        for (int k = 0; k < g->outs.n; k++) {
          const cg_node *o = &g->nodes.v[g->outs.v[k].node];
          for (int i = 0; i < N; i++) {
            const cg_node *n = &g->nodes.v[i];
            if (n->op != CG_OP_INPUT || n->is_int || taken[i] || n->shape.rank != o->shape.rank ||
                memcmp(n->shape.d, o->shape.d, sizeof(int64_t) * (size_t)o->shape.rank))
              continue;
            memcpy(o2[k]->data, in[i]->data, (size_t)xt_numel(in[i]) * sizeof(double));
            in3[i] = o2[k];
            taken[i] = 1;
            nshared++;
            break;
          }
        }
        err = NULL;
        CHECK(xl_exec_run(e, in3, o2, &err) == 0, "%s run %s (outputs also inputs): %s", be->name, tc->entry, err ? err : "");
        free(err);
        for (int k = 0; k < g->outs.n && nshared; k++) {
          size_t bytes = (size_t)xt_numel(co[k]) * (size_t)xt_dtype_size(co[k]->dtype);
          CHECK(!memcmp(o2[k]->data, co[k]->data, bytes), "%s: output %s differs when its tensor is also an input",
                tc->entry, g->outs.v[k].name);
        }
        free(taken);
        free(in3);
      }
      for (int k = 0; k < g->outs.n; k++) xt_free(o2[k]);
      free(o2);
      free(in2);
    }
  }
  for (int k = 0; k < g->outs.n; k++) xt_free(co[k]);
  free(co);
  xl_exec_free(e);
}

static void run_case(const ast *file, xl_arena *ar, const tcase *tc, int grad, cg_dtype dt) {
  lang_set sets[16];
  int ns = 0;
  char buf[16][40];
  for (; tc->sets[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", tc->sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns].key = buf[ns];
    sets[ns].val = eq + 1;
  }
  lang_diag d;
  diag_init(&d, stderr);
  /* lowered (and differentiated), not optimized: the executors see the graph as written */
  cg_graph *g = pt_graph(ar, file, &d, tc->entry, sets, ns, NULL, 0, grad ? XL_GRAD_COT : XL_GRAD_NONE,
                         XL_STAGE_CG_GRAD, &opts);
  CHECK(g != NULL, "lowering%s %s", grad ? " and autodiff" : "", tc->entry);
  if (!g) return;
  char *err = NULL;
  int N = g->nodes.n;
  xt **in = xl_calloc((size_t)N + 1, sizeof(xt *));
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(t); j++) {
      double v = rng_normal(&rng);
      if (n->is_int) v = floor(rng_uniform(&rng) * (n->fval > 0 ? n->fval : 2));
      if (n->ikind == CG_IN_PARAM) v *= 0.2;
      if (n->ikind == CG_IN_STATE && strstr(n->name, ".n")) v = 0.5 + fabs(v); /* sLSTM n > 0 */
      xt_set(t, j, v);
    }
    in[i] = t;
  }
  xt **ro = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  xl_exec *rx = xl_exec_prepare(xl_backend_find("ref"), g, dt, NULL, &err);
  int r1 = rx ? xl_exec_run(rx, in, ro, &err) : -1;
  xl_exec_free(rx);
  CHECK(r1 == 0, "ref %s: %s", tc->entry, err ? err : "");
  free(err);
  for (int b = 0; b < xl_backend_count() && r1 == 0; b++)
    if (cvr_compares(xl_backend_at(b), dt)) check_backend(xl_backend_at(b), g, tc, grad, dt, in, ro);
  for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]);
  free(ro);
  for (int i = 0; i < N; i++) xt_free(in[i]);
  free(in);
  cg_free(g);
}

int main(void) {
  stdlib_fx fx;
  if (stdlib_open(&fx) != 0) return 1;
  ast *file = fx.file;
  xl_arena *ar = &fx.ar;
  /* four times: small contractions as JIT kernels merged with the rest of each scan step into
     kernels of several nests (the default), the same unmerged (target merge 0), every
     contraction as a GEMM or a strided BLAS call (contract_flops 0), then only the thin
     ones (a GEMM dimension under gemm_min_dim) as kernels (contract_flops 1) */
  static const char *const modes[4] = {"small ones as kernels, scan steps merged into nests",
                                       "small ones as kernels, unmerged (merge 0)",
                                       "BLAS (contract_flops 0)",
                                       "thin ones as kernels, the rest BLAS (contract_flops 1)"};
  /* XLC_TEST_MODES=N: the first N modes only (unit.test_exec_cpu.emu: the default mode, on the
     emulated GPU, where the others would cost minutes) */
  const char *nm = getenv("XLC_TEST_MODES");
  int nmodes = nm && atoi(nm) >= 1 && atoi(nm) <= 4 ? atoi(nm) : 4;
  for (int mode = 0; mode < nmodes; mode++) {
    printf("-- contractions: %s\n", modes[mode]);
    if (mode == 1) setenv("XLC_KP_MERGE", "0", 1);
    if (mode == 2) unsetenv("XLC_KP_MERGE"), setenv("XLC_KP_CONTRACT_FLOPS", "0", 1);
    if (mode == 3) setenv("XLC_KP_CONTRACT_FLOPS", "1", 1);
    opts = xl_options_default();
    xl_options_from_env(&opts);
    rng_seed(&rng, 7);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
      for (int grad = 0; grad < 2; grad++)
        for (int dt = 0; dt < 2; dt++) run_case(file, ar, &cases[i], grad, dt ? CG_F32 : CG_F64);
  }
  stdlib_close(&fx);
  printf("test_exec_cpu: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
