/* test_hoist.c - parameter-gradient sums hoisted out of backward scans (autodiff.c).
 *
 * Each case lowers an entry with an sLSTM scan twice and differentiates it in cotangent mode
 * with the hoist (default) and without it (XLC_HOIST=0). Structure: without the hoist the
 * backward scan carries accumulator states "acc.const.*"; with it no backward scan has one,
 * and the gradient of the recurrent kernel is (up to RESHAPEs) one EINSUM after the scan over
 * stacked sequences (possibly transposed) -- also after cg-opt, where it must plan as a GEMM. Values: both graphs get the same random inputs,
 * parameters, states and cotangents; every output (forward and every gradient) of the hoisted
 * graph must equal the unhoisted one within 1e-12 relative to the tensor's largest magnitude
 * on the reference executor in float64, and within 1e-10 for the optimized hoisted graph on
 * the compiled CPU executor in float64. T = 1 is a case of its own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "rel_err.h"
#include "exec_cpu.h"
#include "kplan.h"
#include "lang.h"
#include "pipe_test.h"
#include "stdlib_fixture.h"
#include "xlrt.h"

typedef struct {
  const char *entry, *sets[8];
} hcase;

static const hcase cases[] = {
    {"slstm_cell", {"B=2", "T=1", "NH=2", "D=4", NULL}},
    {"slstm_cell", {"B=2", "T=5", "NH=2", "D=4", NULL}},
    {"slstm_cell", {"B=1", "T=3", "NH=1", "D=3", NULL}},
    {"slstm_block", {"B=2", "T=1", "E=8", "NH=2", NULL}},
    {"slstm_block", {"B=2", "T=6", "E=8", "NH=2", NULL}},
    {"xlstm_lm", {"B=2", "T=4", "V=7", "L=2", "slstm_at=[1]", NULL}},
};

static xl_rng rng;

static cg_graph *lower(const ast *file, xl_arena *ar, const hcase *hc, int hoist) {
  lang_set sets[8];
  char buf[8][40];
  int ns = 0;
  for (; hc->sets[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", hc->sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns] = (lang_set){buf[ns], eq + 1};
  }
  lang_diag d;
  diag_init(&d, stderr);
  xl_options o = *pt_options();
  o.hoist = hoist; /* XLC_HOIST=0 */
  cg_graph *g = pt_graph(ar, file, &d, hc->entry, sets, ns, NULL, 0, XL_GRAD_COT, XL_STAGE_CG_GRAD, &o);
  CHECK(g != NULL, "lowering and autodiff %s", hc->entry);
  return g;
}

/* accumulator states of reverse scans, recursively */
static int count_acc(const cg_graph *g) {
  int n = 0;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *x = &g->nodes.v[i];
    if (x->op != CG_OP_SCAN) continue;
    if (x->a[CG_SCAN_REVERSE])
      for (int k = 0; k < x->body->nodes.n; k++) {
        const cg_node *b = &x->body->nodes.v[k];
        n += b->op == CG_OP_INPUT && b->ikind == CG_IN_BSTATE && b->name && !strncmp(b->name, "acc.const.", 10);
      }
    n += count_acc(x->body);
  }
  return n;
}

/* gradients of the recurrent kernels that are an EINSUM of two stacked scan results (through
   RESHAPEs; an operand possibly transposed), and how many recurrent-kernel gradients there are */
static int count_hoisted(const cg_graph *g, int *nrk, int *ein) {
  int n = 0;
  *nrk = 0;
  for (int k = 0; k < g->outs.n; k++) {
    const char *nm = g->outs.v[k].name;
    if (strncmp(nm, "grad.", 5) || !strstr(nm, "_recurrent_kernel_")) continue;
    (*nrk)++;
    int id = g->outs.v[k].node;
    while (g->nodes.v[id].op == CG_OP_RESHAPE) id = g->nodes.v[id].in[0];
    const cg_node *x = &g->nodes.v[id];
    if (x->op != CG_OP_EINSUM) continue;
    int ok = 1;
    for (int k = 0; k < 2; k++) {
      int a = x->in[k];
      if (g->nodes.v[a].op == CG_OP_TRANSPOSE) a = g->nodes.v[a].in[0];
      ok &= g->nodes.v[a].op == CG_OP_SCAN_OUT;
    }
    if (ok && ein) ein[n] = id;
    n += ok;
  }
  return n;
}


static xt **make_inputs(const cg_graph *g) {
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    if (n->ikind == CG_IN_PARAM) {
      char *err = NULL;
      CHECK(init_fill(t, &n->init, 3, n->name, &err) == 0, "init %s: %s", n->name, err ? err : "");
      free(err);
    }
    for (int64_t j = 0; j < xt_numel(t); j++) {
      double v = rng_normal(&rng);
      if (n->is_int) v = floor(rng_uniform(&rng) * 7);
      else if (n->ikind == CG_IN_PARAM) v = xt_get(t, j) + 0.3 * v;
      else if (n->ikind == CG_IN_STATE && strstr(n->name, ".n")) v = 0.5 + fabs(v);
      else if (n->ikind == CG_IN_STATE && strstr(n->name, ".m")) v = 0.5 * v;
      xt_set(t, j, v);
    }
    in[i] = t;
  }
  return in;
}

static void run_case(const ast *file, xl_arena *ar, const hcase *hc) {
  char label[200];
  int o = snprintf(label, sizeof label, "%s", hc->entry);
  for (int k = 0; hc->sets[k]; k++) o += snprintf(label + o, sizeof label - (size_t)o, " %s", hc->sets[k]);
  cg_graph *gh = lower(file, ar, hc, 1), *gu = lower(file, ar, hc, 0);
  if (!gh || !gu) {
    if (gh) cg_free(gh);
    if (gu) cg_free(gu);
    return;
  }
  int nrk = 0, nh = count_hoisted(gh, &nrk, NULL), nrk_u = 0, nh_u = count_hoisted(gu, &nrk_u, NULL);
  int acc_h = count_acc(gh), acc_u = count_acc(gu);
  CHECK(nrk >= 1 && nh == nrk, "%s: %d of %d recurrent-kernel gradients hoisted", label, nh, nrk);
  CHECK(nh_u == 0, "%s: XLC_HOIST=0 still hoists %d", label, nh_u);
  CHECK(acc_h == 0, "%s: %d accumulator states left in backward scans", label, acc_h);
  CHECK(acc_u >= 2 * nrk_u, "%s: XLC_HOIST=0 has only %d accumulator states", label, acc_u);
  CHECK(cg_verify(gh, stderr) == 0, "%s: hoisted graph fails cg_verify", label);

  xt **in = make_inputs(gu);
  xt **ou = xl_calloc((size_t)gu->outs.n + 1, sizeof(xt *));
  xt **oh = xl_calloc((size_t)gh->outs.n + 1, sizeof(xt *));
  xt **oc = xl_calloc((size_t)gh->outs.n + 1, sizeof(xt *));
  xt **inh = xl_calloc((size_t)gh->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < gh->nodes.n; i++) {
    const cg_node *n = &gh->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    int j = cg_find_input(gu, n->name);
    CHECK(j >= 0 && in[j], "%s: input %s missing in the unhoisted graph", label, n->name);
    if (j >= 0 && in[j]) inh[i] = xt_convert(in[j], XT_F64);
  }
  char *err = NULL;
  int ru = ref_exec(gu, CG_F64, in, ou, &err);
  CHECK(ru == 0, "%s: unhoisted: %s", label, err ? err : "");
  free(err);
  err = NULL;
  int rh = ref_exec(gh, CG_F64, inh, oh, &err);
  CHECK(rh == 0, "%s: hoisted: %s", label, err ? err : "");
  free(err);
  err = NULL;

  /* optimized hoisted graph: still hoisted; on the compiled CPU executor */
  cg_graph *go = pt_more(cg_clone(gh), label, XL_GRAD_NONE, XL_STAGE_CG_OPT, NULL);
  CHECK(go != NULL, "%s: cg-opt failed", label);
  if (!go) return;
  int nrk_o = 0, ein[16], nh_o = count_hoisted(go, &nrk_o, ein);
  CHECK(nh_o == nrk_o && count_acc(go) == 0, "%s: after cg-opt %d of %d hoisted", label, nh_o, nrk_o);
  kp_target t = kp_target_cpu();
  t.contract_flops = 0; /* contractions never as kernels: GEMM where possible */
  kp_plan *kp = kp_build(go, &t);
  for (int k = 0; k < nh_o; k++) {
    int gemm = 0;
    for (int i = 0; i < kp->steps.n; i++) gemm |= kp->steps.v[i].node == ein[k] && kp->steps.v[i].kind == KP_GEMM;
    CHECK(gemm, "%s: the hoisted einsum %%%d is not planned as a GEMM", label, ein[k]);
  }
  kp_free(kp);
  xt **ino = xl_calloc((size_t)go->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < go->nodes.n; i++) {
    const cg_node *n = &go->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    int j = cg_find_input(gu, n->name);
    if (j >= 0 && in[j]) ino[i] = xt_convert(in[j], XT_F64);
  }
  cpu_exec *e = cpu_prepare(go, CG_F64, pt_options(), &err);
  int rc = e ? cpu_run(e, ino, oc, &err) : -1;
  CHECK(rc == 0, "%s: cpu: %s", label, err ? err : "");
  free(err);

  double worst = 0, worst_c = 0;
  int ncmp = 0;
  for (int k = 0; k < gu->outs.n && ru == 0 && rh == 0; k++) {
    const char *nm = gu->outs.v[k].name;
    if (gu->nodes.v[gu->outs.v[k].node].is_int) continue;
    int kh = cg_find_output(gh, nm), ko = cg_find_output(go, nm);
    CHECK(kh >= 0 && ko >= 0, "%s: output %s missing", label, nm);
    if (kh < 0 || ko < 0) continue;
    double r = rel_err_floor(oh[kh], ou[k], 0);
    CHECK(r <= 1e-12, "%s: ref f64 %s: rel %.3e > 1e-12", label, nm, r);
    worst = fmax(worst, r);
    if (rc == 0) {
      double rcpu = rel_err_floor(oc[ko], ou[k], 0);
      CHECK(rcpu <= 1e-10, "%s: cpu f64 %s: rel %.3e > 1e-10", label, nm, rcpu);
      worst_c = fmax(worst_c, rcpu);
    }
    ncmp++;
  }
  CHECK(ncmp >= 4, "%s: only %d outputs compared", label, ncmp);
  printf("%-46s %2d outputs, %d accumulators -> 0, worst rel ref %.2e cpu %.2e\n", label, ncmp, acc_u, worst,
         worst_c);

  cpu_free(e);
  for (int k = 0; k < gu->outs.n; k++) xt_free(ou[k]);
  for (int k = 0; k < gh->outs.n; k++) xt_free(oh[k]);
  for (int k = 0; k < go->outs.n; k++) xt_free(oc[k]);
  for (int i = 0; i < gu->nodes.n; i++) xt_free(in[i]);
  for (int i = 0; i < gh->nodes.n; i++) xt_free(inh[i]);
  for (int i = 0; i < go->nodes.n; i++) xt_free(ino[i]);
  free(ou);
  free(oh);
  free(oc);
  free(in);
  free(inh);
  free(ino);
  cg_free(go);
  cg_free(gh);
  cg_free(gu);
}

int main(void) {
  stdlib_fx fx;
  if (stdlib_open(&fx)) return 1;
  rng_seed(&rng, 7);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(fx.file, &fx.ar, &cases[i]);
  stdlib_close(&fx);
  if (fails) fprintf(stderr, "%d failures\n", fails);
  return fails != 0;
}
