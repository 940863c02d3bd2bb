/* test_stdlib_grad.c - finite-difference gradient checks (float64) of every stdlib entry.
 *
 * Each entry of stdlib/xlstm.xl is lowered small, differentiated (random cotangents on every
 * float output; the "loss" output for the models) and run with ref_exec. For every float
 * INPUT/PARAM/STATE node and NDIR random unit directions d (finite components only), <grad, d>
 * must match (L(x + h d) - L(x - h d)) / 2h, h = 1e-5, to |ad - fd| / max(|fd|, |ad|, 1e-6)
 * <= 1e-6. The kbw cells are checked against the function with their DETACH values frozen;
 * the mLSTM / sLSTM stabilizer max is driven through both branches and asserted.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "cg.h"
#include "lang.h"
#include "pipe_test.h"
#include "xlrt.h"

#define FD_STEP 1e-5     /* central-difference step along a unit direction */
#define FD4_STEP 1e-3    /* step of the fourth-order stencil (variants with fd4 set) */
#define REL_TOL 1e-6     /* |<g,d> - fd| / max(|fd|, |<g,d>|, REL_FLOOR) */
#define REL_FLOOR 1e-6
#define NDIR 2           /* random directions per tensor */
#define NOISE_STD 0.1    /* N(0, 0.1^2) added to every initialized parameter */
#define KINK_MARGIN 1e-2 /* stabilizer max operands at least this far apart at every step */
#define FWD_TOL 1e-10    /* the test's own cell forward vs ref_exec */

static int failures, nchecks, ntensors, nskipped;
static double worst_rel;
static char worst_what[300];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "*** FAIL: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  failures++;
}

/* ---- random numbers: the runtime's xoshiro256**, reseeded per variant ---- */
static xl_rng rng;
static double nrm(void) { return rng_normal(&rng); }
static double unif(double lo, double hi) { return lo + (hi - lo) * rng_uniform(&rng); }

static double *D(const xt *t) { return (double *)t->data; }
static xt *new_f64(const char *name, const cg_shape *s) { return xt_new_named(name, XT_F64, s->rank, s->d); }
static xt *dup_f64(const xt *t) {
  xt *u = xt_convert(t, XT_F64);
  if (!u->name && t->name) u->name = xl_strdup(t->name);
  return u;
}
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- variants ---- */
enum { SP_NONE, SP_MLSTM, SP_SLSTM }; /* stabilizer-branch construction and check */

typedef struct {
  const char *entry, *label;
  const char *sets[16]; /* "KEY=VALUE", NULL-terminated */
  int loss;            /* 1: seed output "loss"; 0: random cotangents on every float output */
  int rand_states;     /* 1: random initial states; 0: NULL (the executor fills the node's fval) */
  int sp;
  double m_mean; /* mean of a random mLSTM stabilizer state (state "...core.m"), else 0 */
  int freeze;    /* differences with DETACH values frozen (the kbw gradient convention) */
  int fd4;       /* fourth-order central differences, (8 d(h) - d(2h)) / 12h with h = FD4_STEP:
                    for objectives whose smallest gradients (~1e-5, zero-initialized gate
                    weights) sit at the rounding floor of the two-point difference at h = 1e-5
                    (measured: 2e-6 relative there, 1e-7 with h = 1e-4, whose truncation error
                    fails other tensors); truncation here is O(h^4) = 1e-12 */
} variant;

/* xlstm_large is checked with m0 = -inf (the parallel-form convention) and, from random
   states, with its stabilizer states m ~ N(-9, 1) (the level of its input gate,
   softcap(-10, 15) = -8.8). With m0 = 0 (or m ~ N(0, 1)) the input gate exp(ig - m') is
   ~1e-4 and the point is outside what h = 1e-5 can resolve to 1e-6, without any gradient
   error: (a) from zero states the mLSTM outputs are ~1e-4, the multihead norm (eps 1e-6)
   works at the 1e-3 scale and the central difference of grad.state.C has a truncation error
   of 4.3e-3, 4.3e-5, 4.3e-7 relative for h = 1e-4, 1e-5, 1e-6 (exactly h^2); (b) the
   gradients of the gate, k and v parameters and of state m / n are 1e-5 .. 1e-9, at the
   rounding floor of the objective (their error grows as h shrinks). */
#define BT "B=2", "T=5"
#define LM "V=11", "L=2", "slstm_at=[1]"
#define LARGE "E=32", "NH=2", "V=11", "m0=-inf"
static const variant variants[] = {
    {"slstm_cell", "cot/default-states", {BT}, 0, 0, SP_SLSTM, 0, 0, 0},
    {"slstm_cell", "cot/random-states", {BT}, 0, 1, SP_SLSTM, 0, 0, 0},
    {"mlstm_cell", "cot/default-states", {BT}, 0, 0, SP_MLSTM, 0, 0, 0},
    {"mlstm_cell", "cot/random-states", {BT}, 0, 1, SP_MLSTM, 0, 0, 0},
    {"mlstm_cell_kbw", "cot/default-states", {BT}, 0, 0, SP_MLSTM, 0, 1, 0},
    {"mlstm_cell_kbw", "cot/random-states", {BT}, 0, 1, SP_MLSTM, 0, 1, 0},
    {"lstm_cell", "cot/default-states", {BT}, 0, 0, SP_NONE, 0, 0, 0},
    {"lstm_cell", "cot/random-states", {BT}, 0, 1, SP_NONE, 0, 0, 0},
    /* the chunkwise form: T = 7 in chunks of 3 (two full chunks and a padded one); its
       stabilizer is driven through both branches of the recurrent form's max (the combined
       chunkwise stabilizer equals it) and its h checked against the test's own recurrence */
    {"mlstm_chunkwise", "cot/default-states", {"B=2", "T=7", "NH=2", "DK=3", "DV=4", "chunk=3"}, 0, 0, SP_MLSTM, 0, 0, 0},
    {"mlstm_chunkwise", "cot/random-states", {"B=2", "T=7", "NH=1", "DK=4", "DV=3", "chunk=3"}, 0, 1, SP_MLSTM, 0, 0, 0},
    {"mlstm_chunkwise", "cot/m0=-inf", {"B=2", "T=6", "NH=2", "DK=3", "DV=3", "chunk=4", "m0=-inf"}, 0, 0, SP_NONE, 0, 0, 0},
    {"mlstm_block", "cot/random-states/chunkwise", {BT, "E=32", "form=chunkwise", "chunk=2"}, 0, 1, SP_NONE, 0, 0, 0},
    {"mlstm_block", "cot/default-states", {BT, "E=32"}, 0, 0, SP_NONE, 0, 0, 0},
    {"mlstm_block", "cot/random-states", {BT, "E=32"}, 0, 1, SP_NONE, 0, 0, 0},
    {"slstm_block", "cot/default-states", {BT, "E=32"}, 0, 0, SP_NONE, 0, 0, 0},
    {"slstm_block", "cot/random-states", {BT, "E=32"}, 0, 1, SP_NONE, 0, 0, 0},
    {"xlstm_lm", "cot/default-states", {BT, LM}, 0, 0, SP_NONE, 0, 0, 0},
    {"xlstm_lm", "loss/default-states", {BT, LM}, 1, 0, SP_NONE, 0, 0, 0},
    {"xlstm_lm", "cot/random-states", {BT, LM}, 0, 1, SP_NONE, 0, 0, 0},
    {"xlstm_lm", "cot/random-states/chunkwise", {BT, LM, "form=chunkwise", "chunk=2"}, 0, 1, SP_NONE, 0, 0, 0},
    {"xlstm_large", "cot/default-states", {BT, LARGE}, 0, 0, SP_NONE, 0, 0, 0},
    {"xlstm_large", "loss/default-states", {BT, LARGE}, 1, 0, SP_NONE, 0, 0, 0},
    {"xlstm_large", "cot/random-states", {BT, LARGE}, 0, 1, SP_NONE, -9, 0, 0},
    {"xlstm_large", "loss/random-states", {BT, LARGE}, 1, 1, SP_NONE, -9, 0, 0},
    {"xlstm_large", "loss/random-states/kbw", {BT, LARGE, "kbw=true"}, 1, 1, SP_NONE, -9, 1, 0},
    /* official configurations beyond the shipped cases (per-kind heads, kernel sizes and
       projection factors; biases, tied head, no post norm; no FFN; K = 0; xlstm_large sizes) */
    {"xlstm_lm", "loss/mixed-kinds", {BT, "V=11", "L=3", "slstm_at=[0,2]", "E=16", "mlstm_NH=4", "slstm_NH=2",
                                      "mlstm_K=3", "slstm_K=2", "mlstm_pf=1.5", "ffn_pf=2.0", "ffn_act=relu^2"},
     1, 0, SP_NONE, 0, 0, 1},
    {"xlstm_lm", "loss/bias-tie-nonorm", {BT, LM, "bias=true", "tie=true", "post_norm=false", "qkv_block=8",
                                          "slstm_K=0", "ffn_act=swish", "mlstm_round=16"},
     1, 0, SP_NONE, 0, 0, 1},
    {"xlstm_lm", "cot/slstm-only", {BT, "V=11", "L=2", "slstm_at=all", "ffn=false", "slstm_gn_weight=false"}, 0, 1,
     SP_NONE, 0, 0, 1},
    {"xlstm_lm", "cot/mlstm-only", {BT, "V=11", "L=2", "E=64", "slstm_at=[]", "mlstm_pf=1.3", "mlstm_round_up=false",
                                    "mlstm_K=0"},
     0, 1, SP_NONE, 0, 0, 1},
    {"xlstm_large", "loss/bias-nooutnorm", {BT, "E=48", "NH=3", "V=11", "m0=-inf", "bias=true", "out_norm=false"}, 1,
     0, SP_NONE, 0, 0, 1},
    {"xlstm_large", "loss/fused", {BT, LARGE, "weight_mode=fused", "bias=true"}, 1, 0, SP_NONE, 0, 0, 1},
};
#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

/* per-entry worst relative error, for the summary */
typedef struct {
  const char *entry;
  double worst;
  int checks;
} entry_stat;
static entry_stat estats[NVARIANTS];
static int nestats;
static entry_stat *estat(const char *entry) {
  for (int i = 0; i < nestats; i++)
    if (strcmp(estats[i].entry, entry) == 0) return &estats[i];
  estats[nestats] = (entry_stat){entry, 0, 0};
  return &estats[nestats++];
}

/* ---- graph helpers ---- */

static int node_of_input(const cg_graph *g, const char *name) {
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].name && strcmp(g->nodes.v[i].name, name) == 0) return i;
  return -1;
}

static int verify_or_fail(const cg_graph *g, const char *what) {
  if (cg_verify(g, stderr) == 0) return 0;
  fail("%s: cg_verify failed", what);
  return -1;
}

/* Runs g; outs gets g->outs.n new tensors. Returns 0 or -1 (reported). */
static int run_graph(const cg_graph *g, xt *const *in, xt **outs, const char *what) {
  char *err = NULL;
  if (ref_exec(g, CG_F64, in, outs, &err) == 0) return 0;
  fail("%s: ref_exec: %s", what, err ? err : "(no message)");
  free(err);
  return -1;
}

static void free_outs(xt **o, int n) {
  for (int k = 0; k < n; k++) xt_free(o[k]);
  free(o);
}

/* Shape of a per-step body value stacked over T steps at `axis` (how SCAN stacks outputs). */
static cg_shape stacked(cg_shape s, int axis, int64_t T) {
  cg_shape r = s;
  r.rank = s.rank + 1;
  for (int i = s.rank; i > axis; i--) r.d[i] = s.d[i - 1];
  r.d[axis] = T;
  return r;
}

/* Clone of g with one extra output "frozen.K" per DETACH node (top level, or inside a scan
   body: stacked over the steps). K counts DETACH nodes in graph order, bodies at their scan. */
static cg_graph *capture_detach(const cg_graph *g0) {
  cg_graph *g = cg_clone(g0);
  int n0 = g->nodes.n, K = 0;
  for (int i = 0; i < n0; i++) {
    cg_node *n = &g->nodes.v[i];
    char name[32];
    if (n->op == CG_OP_DETACH) {
      snprintf(name, sizeof name, "frozen.%d", K++);
      cg_output_add(g, name, i);
    } else if (n->op == CG_OP_SCAN) {
      XL_ASSERT(n->a[CG_SCAN_SAVE] == 0);
      cg_graph *b = n->body;
      int S = (int)n->a[CG_SCAN_NSTATE];
      for (int j = 0; j < b->nodes.n; j++) {
        XL_ASSERT(b->nodes.v[j].op != CG_OP_SCAN); /* no nested scans in the stdlib */
        if (b->nodes.v[j].op != CG_OP_DETACH) continue;
        cg_output_add(b, "", j);
        int k = (int)g->nodes.v[i].a[CG_SCAN_NOUT]++;
        int so = cg_scan_out(g, i, S + k);
        snprintf(name, sizeof name, "frozen.%d", K++);
        cg_output_add(g, name, so);
        b = g->nodes.v[i].body;
      }
    }
  }
  return g;
}

/* Copy of g where every DETACH node is an input "frozen.K" (numbered as in capture_detach):
   at the top level a plain input, inside a scan body a new sequence input of the scan fed by a
   top-level input holding the stacked values. map[i] = id in the copy of node i of g. */
static cg_graph *freeze_detach(const cg_graph *g, int *map, int *nfrozen) {
  cg_graph *f = cg_new();
  int K = 0;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    char name[32];
    if (n->op == CG_OP_DETACH) {
      snprintf(name, sizeof name, "frozen.%d", K++);
      map[i] = cg_input(f, CG_IN_INPUT, name, 0, n->shape, n->loc);
      continue;
    }
    cg_node p = *n;
    int *in = xl_calloc((size_t)n->nin + (n->body ? (size_t)n->body->nodes.n : 0) + 1, sizeof(int));
    int nin = 0;
    if (n->op == CG_OP_SCAN) {
      cg_graph *b = cg_clone(n->body);
      int nseq = (int)n->a[CG_SCAN_NSEQ], axis = (int)n->a[CG_SCAN_AXIS], added = 0;
      int64_t T = g->nodes.v[n->in[0]].shape.d[axis];
      for (int k = 0; k < nseq; k++) in[nin++] = map[n->in[k]];
      for (int j = 0; j < b->nodes.n; j++) {
        cg_node *bj = &b->nodes.v[j];
        XL_ASSERT(bj->op != CG_OP_SCAN);
        if (bj->op != CG_OP_DETACH) continue;
        snprintf(name, sizeof name, "frozen.%d", K++);
        in[nin++] = cg_input(f, CG_IN_INPUT, name, 0, stacked(bj->shape, axis, T), bj->loc);
        free(bj->in);
        bj->in = NULL;
        bj->nin = 0;
        bj->op = CG_OP_INPUT;
        bj->ikind = CG_IN_SEQ;
        bj->slot = nseq + added++;
        free(bj->name);
        bj->name = xl_strdup("");
      }
      for (int k = nseq; k < n->nin; k++) in[nin++] = map[n->in[k]];
      p.a[CG_SCAN_NSEQ] = nseq + added;
      p.body = b;
    } else {
      for (int k = 0; k < n->nin; k++) in[nin++] = map[n->in[k]];
    }
    p.nin = nin;
    p.in = in;
    map[i] = cg_add_node(f, &p);
    free(in);
  }
  for (int k = 0; k < g->outs.n; k++) cg_output_add(f, g->outs.v[k].name, map[g->outs.v[k].node]);
  *nfrozen = K;
  return f;
}

/* ---- the test's own forward of the two stabilized cells (branch bookkeeping) ---- */

static double logsig(double x) { return x < 0 ? x - log1p(exp(x)) : -log1p(exp(-x)); }
static double sigm(double x) { return 1 / (1 + exp(-x)); }

typedef struct {
  int first, second;  /* steps taking max's first / second operand (as written in the .xl) */
  double margin;      /* smallest |first - second| over all steps with two finite operands */
  double margin2;     /* mlstm: smallest gap of the normalizer max(|qs . n'|, exp(-m')) */
  double fwd_err;     /* max |h_test - h_exec| / (1 + |h_exec|) */
} branch_info;

/* Value of state `name` (its tensor, or the node's fill). A cell's state "state.X" is
   "state.core.X" in mlstm_chunkwise (the cell it scans is its instance `core`). */
static double state_at(const cg_graph *g, xt *const *vals, const char *name, int64_t i) {
  int id = node_of_input(g, name);
  if (id < 0 && !strncmp(name, "state.", 6)) {
    char alt[64];
    snprintf(alt, sizeof alt, "state.core.%s", name + 6);
    id = node_of_input(g, alt);
  }
  XL_ASSERT(id >= 0);
  return vals[id] ? D(vals[id])[i] : g->nodes.v[id].fval;
}

/* Target of a stabilizer-driving gate at step t, given the other operand a of the max:
   above it at even steps, below it at odd steps, by U(0.5, 1.5) (both branches, far from the
   kink, and the gates exp(-gap) stay O(1) so no state influence decays to FD noise level). */
static double drive(double a, int64_t t) { return a + (t % 2 == 0 ? 1 : -1) * unif(0.5, 1.5); }

/* mlstm_cell (eps = 1e-6, its default): m' = max(lf + m, ig) per (b, t, head), and
   den = max(|qs . n'|, exp(-m')) + eps. With `construct`, ig is rewritten step by step with
   drive(lf + m, t) (where lf + m is finite) before the step is computed. */
static branch_info mlstm_branches(const cg_graph *g, xt *const *vals, const xt *h_exec, int construct) {
  branch_info r = {0, 0, INFINITY, INFINITY, 0};
  const xt *q = vals[node_of_input(g, "q")], *k = vals[node_of_input(g, "k")], *v = vals[node_of_input(g, "v")];
  xt *ig = vals[node_of_input(g, "ig")];
  const xt *fg = vals[node_of_input(g, "fg")];
  int64_t B = q->shape[0], T = q->shape[1], NH = q->shape[2], DK = q->shape[3], DV = v->shape[3];
  double *C = xl_calloc((size_t)(DK * DV), sizeof(double)), *n = xl_calloc((size_t)DK, sizeof(double));
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < NH; h++) {
      double m = state_at(g, vals, "state.m", b * NH + h);
      for (int64_t i = 0; i < DK * DV; i++) C[i] = state_at(g, vals, "state.C", (b * NH + h) * DK * DV + i);
      for (int64_t i = 0; i < DK; i++) n[i] = state_at(g, vals, "state.n", (b * NH + h) * DK + i);
      for (int64_t t = 0; t < T; t++) {
        int64_t gi = (b * T + t) * NH + h;
        double lf = logsig(D(fg)[gi]), a = lf + m;
        if (construct && isfinite(a)) D(ig)[gi] = drive(a, t);
        double i_ = D(ig)[gi], mn = a >= i_ ? a : i_;
        if (a >= i_) r.first++;
        else r.second++;
        if (isfinite(a) && fabs(a - i_) < r.margin) r.margin = fabs(a - i_);
        double f = exp(a - mn), ii = exp(i_ - mn);
        const double *kk = D(k) + gi * DK, *vv = D(v) + gi * DV, *qq = D(q) + gi * DK;
        for (int64_t x = 0; x < DK; x++) {
          for (int64_t y = 0; y < DV; y++) C[x * DV + y] = f * C[x * DV + y] + ii * kk[x] * vv[y];
          n[x] = f * n[x] + ii * kk[x];
        }
        double dot = 0;
        for (int64_t x = 0; x < DK; x++) dot += qq[x] / sqrt((double)DK) * n[x];
        if (fabs(fabs(dot) - exp(-mn)) < r.margin2) r.margin2 = fabs(fabs(dot) - exp(-mn));
        double den = fmax(fabs(dot), exp(-mn)) + 1e-6;
        for (int64_t y = 0; y < DV; y++) {
          double num = 0;
          for (int64_t x = 0; x < DK; x++) num += qq[x] / sqrt((double)DK) * C[x * DV + y];
          double he = D(h_exec)[gi * DV + y], e = fabs(num / den - he) / (1 + fabs(he));
          if (!(e <= r.fwd_err)) r.fwd_err = e;
        }
        m = mn;
      }
    }
  free(C);
  free(n);
  return r;
}

/* slstm_cell: m' = max(it, a), a = logsigmoid(ft) + m, per (b, t, head, unit). With
   `construct`, the input-gate part of x is rewritten so that it = drive(a, t) (where a is
   finite; the recurrent term uses the states of the steps already constructed). */
static branch_info slstm_branches(const cg_graph *g, xt *const *vals, const xt *h_exec, int construct) {
  branch_info r = {0, 0, INFINITY, INFINITY, 0};
  xt *x = vals[node_of_input(g, "x")];
  const xt *R = vals[node_of_input(g, "_recurrent_kernel_")], *bias = vals[node_of_input(g, "_bias_")];
  int64_t B = x->shape[0], T = x->shape[1], NH = x->shape[3], Dd = x->shape[4], S = NH * Dd;
  double *y = xl_calloc((size_t)S, sizeof(double)), *c = xl_calloc((size_t)S, sizeof(double));
  double *n = xl_calloc((size_t)S, sizeof(double)), *m = xl_calloc((size_t)S, sizeof(double));
  double *p = xl_calloc((size_t)(4 * S), sizeof(double));
  for (int64_t b = 0; b < B; b++) {
    for (int64_t i = 0; i < S; i++) {
      y[i] = state_at(g, vals, "state.y", b * S + i);
      c[i] = state_at(g, vals, "state.c", b * S + i);
      n[i] = state_at(g, vals, "state.n", b * S + i);
      m[i] = state_at(g, vals, "state.m", b * S + i);
    }
    for (int64_t t = 0; t < T; t++) {
      for (int64_t gt = 0; gt < 4; gt++)
        for (int64_t h = 0; h < NH; h++)
          for (int64_t j = 0; j < Dd; j++) {
            double s = D(x)[(((b * T + t) * 4 + gt) * NH + h) * Dd + j] + D(bias)[(gt * NH + h) * Dd + j];
            for (int64_t kk = 0; kk < Dd; kk++) s += y[h * Dd + kk] * D(R)[(h * 4 * Dd + gt * Dd + j) * Dd + kk];
            p[(gt * NH + h) * Dd + j] = s;
          }
      for (int64_t u = 0; u < S; u++) {
        double ft = p[S + u], zt = p[2 * S + u], ot = p[3 * S + u];
        double a = logsig(ft) + m[u];
        if (construct && isfinite(a)) {
          double target = drive(a, t);
          D(x)[((b * T + t) * 4 + 0) * S + u] += target - p[u];
          p[u] = target;
        }
        double it = p[u], mn = it >= a ? it : a;
        if (it >= a) r.first++;
        else r.second++;
        if (isfinite(a) && fabs(it - a) < r.margin) r.margin = fabs(it - a);
        double ii = fmin(exp(it - mn), 1), f = fmin(exp(a - mn), 1);
        c[u] = f * c[u] + ii * tanh(zt);
        n[u] = f * n[u] + ii;
        y[u] = sigm(ot) * c[u] / n[u];
        m[u] = mn;
        double he = D(h_exec)[(b * T + t) * S + u], e = fabs(y[u] - he) / (1 + fabs(he));
        if (!(e <= r.fwd_err)) r.fwd_err = e;
      }
    }
  }
  free(y), free(c), free(n), free(m), free(p);
  return r;
}

/* ---- one variant ---- */

typedef struct {
  const variant *v;
  cg_graph *fwd, *frz;
  int *map; /* fwd node id -> frz node id */
  xt **vals; /* per fwd node: base value of each INPUT (NULL: default-filled state) */
  xt **frz_in; /* per frz node: inputs of the frozen graph (borrowed pointers) */
  xt **cots; /* per fwd output: cotangent (cotangent mode, float outputs) */
  int loss_out;
} vctx;

/* FD objective difference between two output sets of the frozen graph. */
static double obj_diff(const vctx *c, xt **op, xt **om);

/* L(x0 + h dir) - L(x0 - h dir) for input i (xp, xm: scratch tensors of x0's shape) */
static double sym_diff(vctx *c, int i, const xt *x0, xt *xp, xt *xm, const double *dir, double h, const char *tag,
                       int *bad) {
  int64_t N = xt_numel(x0);
  for (int64_t j = 0; j < N; j++) {
    D(xp)[j] = dir[j] != 0 ? D(x0)[j] + h * dir[j] : D(x0)[j];
    D(xm)[j] = dir[j] != 0 ? D(x0)[j] - h * dir[j] : D(x0)[j];
  }
  xt **op = xl_calloc((size_t)c->frz->outs.n, sizeof *op), **om = xl_calloc((size_t)c->frz->outs.n, sizeof *om);
  c->frz_in[c->map[i]] = xp;
  int b = run_graph(c->frz, c->frz_in, op, tag);
  c->frz_in[c->map[i]] = xm;
  b = b || run_graph(c->frz, c->frz_in, om, tag);
  c->frz_in[c->map[i]] = c->vals[i];
  double d = b ? NAN : obj_diff(c, op, om);
  free_outs(op, c->frz->outs.n);
  free_outs(om, c->frz->outs.n);
  *bad |= b;
  return d;
}

static double obj_diff(const vctx *c, xt **op, xt **om) {
  if (c->v->loss) return D(op[c->loss_out])[0] - D(om[c->loss_out])[0];
  long double s = 0;
  for (int k = 0; k < c->fwd->outs.n; k++) {
    if (!c->cots[k]) continue;
    int64_t n = xt_numel(c->cots[k]);
    for (int64_t i = 0; i < n; i++) s += (long double)D(c->cots[k])[i] * (D(op[k])[i] - D(om[k])[i]);
  }
  return (double)s;
}

/* Random initial state: N(0, 1), except an sLSTM normalizer n, drawn from U(0.5, 1.5) (n > 0
   as in any reachable state; n' = f n + i near 0 would make y' = o c' / n' blow up). */
static void gen_state(const vctx *c, const cg_node *n, xt *t) {
  int64_t N = xt_numel(t);
  size_t len = strlen(n->name);
  int slstm_n = len >= 2 && strcmp(n->name + len - 2, ".n") == 0 &&
                (strstr(n->name, "slstm") || strstr(c->v->entry, "slstm"));
  int core_m = len >= 6 && strcmp(n->name + len - 6, "core.m") == 0;
  for (int64_t i = 0; i < N; i++) D(t)[i] = slstm_n ? unif(0.5, 1.5) : core_m ? c->v->m_mean + nrm() : nrm();
}

static int bind_inputs(vctx *c) {
  const cg_graph *g = c->fwd;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    xt *t = new_f64(n->name, &n->shape);
    int64_t N = xt_numel(t);
    switch (n->ikind) {
    case CG_IN_INPUT:
      if (n->is_int) {
        if (!(n->fval >= 1)) {
          fail("%s: integer input '%s' has no vocabulary size (fval %g)", c->v->entry, n->name, n->fval);
          xt_free(t);
          return -1;
        }
        for (int64_t j = 0; j < N; j++) D(t)[j] = floor(unif(0, n->fval));
        if (!strcmp(n->name, "targets")) /* loss masks: every third position is not scored */
          for (int64_t j = 1; j < N; j += 3) D(t)[j] = -1;
      } else {
        for (int64_t j = 0; j < N; j++) D(t)[j] = nrm();
      }
      break;
    case CG_IN_PARAM: {
      char *err = NULL;
      if (init_fill(t, &n->init, 0, n->name, &err) != 0) {
        fail("%s: init_fill('%s'): %s", c->v->entry, n->name, err ? err : "?");
        free(err);
        xt_free(t);
        return -1;
      }
      for (int64_t j = 0; j < N; j++) D(t)[j] += NOISE_STD * nrm();
      break;
    }
    case CG_IN_STATE:
      if (!c->v->rand_states) {
        xt_free(t);
        t = NULL;
      } else {
        gen_state(c, n, t);
      }
      break;
    default:
      fail("%s: unexpected input kind %d of '%s'", c->v->entry, (int)n->ikind, n->name);
      xt_free(t);
      return -1;
    }
    c->vals[i] = t;
  }
  return 0;
}

/* Forces both stabilizer branches (constructing the driving gate step by step, redrawn until
   every max involved keeps KINK_MARGIN) and asserts them with the test's own forward of the
   cell, itself checked against ref_exec. */
static int drive_branches(vctx *c, const char *tag) {
  const cg_graph *g = c->fwd;
  int ho = cg_find_output(g, "h"), mlstm = c->v->sp == SP_MLSTM;
  XL_ASSERT(ho >= 0);
  branch_info bi = {0};
  int attempt = 0;
  for (; attempt < 100; attempt++) {
    xt **outs = xl_calloc((size_t)g->outs.n, sizeof *outs);
    if (run_graph(g, c->vals, outs, tag)) { /* h_exec is not used while constructing */
      free(outs);
      return -1;
    }
    if (mlstm) mlstm_branches(g, c->vals, outs[ho], 1);
    else slstm_branches(g, c->vals, outs[ho], 1);
    free_outs(outs, g->outs.n);
    outs = xl_calloc((size_t)g->outs.n, sizeof *outs);
    if (run_graph(g, c->vals, outs, tag)) {
      free(outs);
      return -1;
    }
    bi = mlstm ? mlstm_branches(g, c->vals, outs[ho], 0) : slstm_branches(g, c->vals, outs[ho], 0);
    free_outs(outs, g->outs.n);
    if (bi.margin > KINK_MARGIN && bi.margin2 > KINK_MARGIN) break;
  }
  printf("%s: inputs constructed in %d attempt%s\n", tag, attempt + 1, attempt ? "s" : "");
  printf("%s: stabilizer max: first operand (%s) at %d steps, second (%s) at %d, min gap %.3g", tag,
         mlstm ? "lf+m" : "it", bi.first, mlstm ? "ig" : "a", bi.second, bi.margin);
  if (mlstm) printf("; normalizer max min gap %.3g", bi.margin2);
  printf("; own forward vs ref_exec %.2g\n", bi.fwd_err);
  if (!(bi.fwd_err <= FWD_TOL))
    fail("%s: the test's cell forward disagrees with ref_exec (%.3g)", tag, bi.fwd_err);
  if (bi.first == 0 || bi.second == 0) fail("%s: a stabilizer branch was never taken", tag);
  if (!(bi.margin > KINK_MARGIN && bi.margin2 > KINK_MARGIN))
    fail("%s: max operands closer than %g (%.3g, %.3g)", tag, KINK_MARGIN, bi.margin, bi.margin2);
  return 0;
}

static int same_outputs(const cg_graph *g, xt **a, xt **b, const char *tag, const char *what) {
  for (int k = 0; k < g->outs.n; k++) {
    int64_t n = xt_numel(a[k]);
    if (n != xt_numel(b[k]) || memcmp(a[k]->data, b[k]->data, (size_t)n * sizeof(double)) != 0) {
      fail("%s: %s differs from the forward graph at output '%s'", tag, what, g->outs.v[k].name);
      return -1;
    }
  }
  return 0;
}

static void run_variant(const ast *file, const variant *v) {
  char tag[160];
  snprintf(tag, sizeof tag, "%s/%s", v->entry, v->label);
  double t0 = now_s();
  rng_seed(&rng, xl_hash_str(tag));
  entry_stat *es = estat(v->entry);

  lang_set sets[16];
  char keys[16][32];
  int nsets = 0;
  for (; nsets < 16 && v->sets[nsets]; nsets++) {
    const char *eq = strchr(v->sets[nsets], '=');
    XL_ASSERT(eq && eq - v->sets[nsets] < 32);
    snprintf(keys[nsets], sizeof keys[nsets], "%.*s", (int)(eq - v->sets[nsets]), v->sets[nsets]);
    sets[nsets] = (lang_set){keys[nsets], eq + 1};
  }
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  vctx c = {0};
  c.v = v;
  c.fwd = pt_graph(&ar, file, &d, v->entry, sets, nsets, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
  cg_graph *grad = NULL, *cap = NULL;
  xt **gout = NULL, **base = NULL, **fbase = NULL, **cout = NULL;
  int nfrozen = 0;
  if (!c.fwd) {
    fail("%s: lowering failed", tag);
    goto done;
  }
  if (verify_or_fail(c.fwd, tag)) goto done;
  const cg_graph *g = c.fwd;
  c.vals = xl_calloc((size_t)g->nodes.n, sizeof *c.vals);
  if (bind_inputs(&c)) goto done;
  if (v->sp != SP_NONE && drive_branches(&c, tag)) goto done;

  /* cotangents / loss */
  c.cots = xl_calloc((size_t)g->outs.n, sizeof *c.cots);
  c.loss_out = cg_find_output(g, "loss");
  if (v->loss && c.loss_out < 0) {
    fail("%s: no output 'loss'", tag);
    goto done;
  }
  if (!v->loss)
    for (int k = 0; k < g->outs.n; k++) {
      const cg_node *n = &g->nodes.v[g->outs.v[k].node];
      if (n->is_int) continue;
      c.cots[k] = new_f64(g->outs.v[k].name, &n->shape);
      for (int64_t i = 0; i < xt_numel(c.cots[k]); i++) D(c.cots[k])[i] = nrm();
    }

  /* analytic gradients */
  grad = pt_more(cg_clone(g), v->entry, v->loss ? XL_GRAD_LOSS : XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL);
  if (!grad) {
    fail("%s: autodiff failed", tag);
    goto done;
  }
  if (verify_or_fail(grad, tag)) goto done;
  xt **gin = xl_calloc((size_t)grad->nodes.n, sizeof *gin);
  for (int i = 0; i < g->nodes.n; i++) gin[i] = c.vals[i];
  for (int i = g->nodes.n; i < grad->nodes.n; i++) {
    const cg_node *n = &grad->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    int k = n->ikind == CG_IN_COT && strncmp(n->name, "cot.", 4) == 0 ? cg_find_output(g, n->name + 4) : -1;
    if (k < 0 || !c.cots[k]) {
      fail("%s: unexpected input '%s' added by autodiff", tag, n->name);
      free(gin);
      goto done;
    }
    gin[i] = c.cots[k];
  }
  gout = xl_calloc((size_t)grad->outs.n, sizeof *gout);
  int rc = run_graph(grad, gin, gout, tag);
  free(gin);
  if (rc) goto done;

  /* the base point of the forward graph, and the frozen-DETACH copy used for differences */
  base = xl_calloc((size_t)g->outs.n, sizeof *base);
  if (run_graph(g, c.vals, base, tag)) goto done;
  /* autodiff must not change the forward values: the first outputs of grad are fwd's */
  if (same_outputs(g, base, gout, tag, "the differentiated graph's forward")) goto done;
  c.map = xl_calloc((size_t)g->nodes.n, sizeof *c.map);
  if (v->freeze) {
    c.frz = freeze_detach(g, c.map, &nfrozen);
  } else { /* the true function: the gradient must be exact through any DETACH */
    c.frz = cg_clone(g);
    for (int i = 0; i < g->nodes.n; i++) c.map[i] = i;
  }
  if (verify_or_fail(c.frz, tag)) goto done;
  c.frz_in = xl_calloc((size_t)c.frz->nodes.n, sizeof *c.frz_in);
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT) {
      const cg_node *n = &g->nodes.v[i];
      if (!c.vals[i] && n->ikind == CG_IN_STATE) { /* materialize the fill: it gets perturbed */
        c.vals[i] = new_f64(n->name, &n->shape);
        for (int64_t j = 0; j < xt_numel(c.vals[i]); j++) D(c.vals[i])[j] = n->fval;
      }
      c.frz_in[c.map[i]] = c.vals[i];
    }
  if (nfrozen > 0) {
    cap = capture_detach(g);
    if (verify_or_fail(cap, tag)) goto done;
    cout = xl_calloc((size_t)cap->outs.n, sizeof *cout);
    if (run_graph(cap, c.vals, cout, tag)) goto done;
    for (int k = 0; k < cap->outs.n; k++) {
      int id = strncmp(cap->outs.v[k].name, "frozen.", 7) == 0 ? node_of_input(c.frz, cap->outs.v[k].name) : -1;
      if (id >= 0) c.frz_in[id] = cout[k];
    }
    printf("%s: %d DETACH node(s) frozen at their base values for the differences\n", tag, nfrozen);
  }
  fbase = xl_calloc((size_t)c.frz->outs.n, sizeof *fbase);
  if (run_graph(c.frz, c.frz_in, fbase, tag)) goto done;
  if (same_outputs(g, base, fbase, tag, "the frozen-DETACH copy")) goto done;

  /* finite differences */
  double vworst = 0;
  int vchecks = 0;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->is_int) continue;
    if (n->ikind != CG_IN_INPUT && n->ikind != CG_IN_PARAM && n->ikind != CG_IN_STATE) continue;
    char gname[300];
    snprintf(gname, sizeof gname, "grad.%s", n->name);
    int go = cg_find_output(grad, gname);
    if (go < 0) {
      fail("%s: no output '%s'", tag, gname);
      continue;
    }
    const xt *gr = gout[go], *x0 = c.vals[i];
    int64_t N = xt_numel(x0), nfin = 0, gbad = 0, gbad_nonfinite_x = 0;
    for (int64_t j = 0; j < N; j++) {
      int fin = isfinite(D(x0)[j]);
      nfin += fin;
      if (!isfinite(D(gr)[j])) {
        if (fin) gbad++;
        else gbad_nonfinite_x++;
      }
    }
    ntensors++;
    if (gbad) fail("%s: %s has %lld non-finite entries at finite inputs", tag, gname, (long long)gbad);
    if (nfin == 0) {
      printf("  %-34s %-60s skipped: no finite component to perturb (%lld entries, fill %g)\n", tag, n->name,
             (long long)N, n->fval);
      nskipped++;
      continue;
    }
    char line[512];
    int len = snprintf(line, sizeof line, "  %-34s %-60s", tag, n->name);
    xt *xp = dup_f64(x0), *xm = dup_f64(x0);
    double *dir = xl_calloc((size_t)N, sizeof(double));
    double tworst = 0;
    for (int r = 0; r < NDIR; r++) {
      double nn = 0;
      for (int64_t j = 0; j < N; j++) {
        dir[j] = isfinite(D(x0)[j]) ? nrm() : 0;
        nn += dir[j] * dir[j];
      }
      nn = sqrt(nn);
      long double ad = 0;
      for (int64_t j = 0; j < N; j++) {
        dir[j] /= nn;
        if (dir[j] != 0) ad += (long double)D(gr)[j] * dir[j];
        D(xp)[j] = dir[j] != 0 ? D(x0)[j] + FD_STEP * dir[j] : D(x0)[j];
        D(xm)[j] = dir[j] != 0 ? D(x0)[j] - FD_STEP * dir[j] : D(x0)[j];
      }
      double fd;
      if (!v->fd4) {
        int bad = 0;
        double d1 = sym_diff(&c, i, x0, xp, xm, dir, FD_STEP, tag, &bad);
        fd = bad ? NAN : d1 / (2 * FD_STEP);
      } else {
        int bad = 0;
        double d1 = sym_diff(&c, i, x0, xp, xm, dir, FD4_STEP, tag, &bad);
        double d2 = sym_diff(&c, i, x0, xp, xm, dir, 2 * FD4_STEP, tag, &bad);
        fd = bad ? NAN : (8 * d1 - d2) / (12 * FD4_STEP);
      }
      double a = (double)ad;
      double rel = fabs(a - fd) / fmax(fmax(fabs(fd), fabs(a)), REL_FLOOR);
      if (isnan(rel)) rel = INFINITY;
      nchecks++;
      vchecks++;
      if (len < (int)sizeof line)
        len += snprintf(line + len, sizeof line - (size_t)len, " | ad %+.10e fd %+.10e rel %.2e", a, fd, rel);
      if (rel > tworst) tworst = rel;
      if (!(rel <= REL_TOL))
        fail("%s: %s direction %d: analytic %.12e vs finite difference %.12e (rel %.3e > %g)", tag, gname, r, a,
             fd, rel, REL_TOL);
    }
    printf("%s%s%s\n", line, gbad_nonfinite_x ? " [grad non-finite at non-finite inputs]" : "",
           tworst <= REL_TOL ? "" : "  <-- FAIL");
    if (tworst > vworst) vworst = tworst;
    if (tworst > es->worst) es->worst = tworst;
    if (tworst > worst_rel) {
      worst_rel = tworst;
      snprintf(worst_what, sizeof worst_what, "%s %s", tag, n->name);
    }
    es->checks += NDIR;
    free(dir);
    xt_free(xp);
    xt_free(xm);
  }
  printf("%s: %d checks, worst rel %.3e, %.2f s\n", tag, vchecks, vworst, now_s() - t0);

done:
  if (gout) free_outs(gout, grad->outs.n);
  if (base) free_outs(base, c.fwd->outs.n);
  if (fbase) free_outs(fbase, c.frz->outs.n);
  if (cout) free_outs(cout, cap->outs.n);
  if (c.vals)
    for (int i = 0; i < c.fwd->nodes.n; i++) xt_free(c.vals[i]);
  if (c.cots)
    for (int k = 0; k < c.fwd->outs.n; k++) xt_free(c.cots[k]);
  free(c.vals);
  free(c.cots);
  free(c.frz_in);
  free(c.map);
  if (cap) cg_free(cap);
  if (c.frz) cg_free(c.frz);
  if (grad) cg_free(grad);
  if (c.fwd) cg_free(c.fwd);
  xl_arena_free(&ar);
  fflush(stdout);
}

int main(void) {
  double t0 = now_s();
  char path[4096];
  const char *src = getenv("XLC_SOURCE_DIR");
  if (src && *src) {
    snprintf(path, sizeof path, "%s/stdlib/xlstm.xl", src);
  } else { /* fall back to this file's location: <root>/tests/unit/test_stdlib_grad.c */
    const char *f = __FILE__, *cut = strstr(f, "tests/unit/");
    snprintf(path, sizeof path, "%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  }
  const char *rerr = NULL;
  char *text = xl_read_file(path, NULL, &rerr);
  if (!text) {
    fprintf(stderr, "test_stdlib_grad: FAILED: cannot read %s: %s\n", path, rerr ? rerr : "?");
    return 1;
  }
  printf("test_stdlib_grad: %s; float64; h = %g along unit directions, %d per tensor; "
         "pass iff |ad - fd| / max(|fd|, |ad|, %g) <= %g\n",
         path, FD_STEP, NDIR, REL_FLOOR, REL_TOL);
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  const ast *file = lang_parse(&ar, path, text, &d);
  if (d.nerr) {
    fprintf(stderr, "test_stdlib_grad: FAILED: %s does not parse\n", path);
    return 1;
  }
  for (int i = 0; i < NVARIANTS; i++) run_variant(file, &variants[i]);

  printf("\nworst relative error per entry:\n");
  for (int i = 0; i < nestats; i++)
    printf("  %-16s %4d checks  worst rel %.3e\n", estats[i].entry, estats[i].checks, estats[i].worst);
  printf("summary: %d variants, %d tensors (%d skipped), %d directional checks, %d failures, "
         "worst rel %.3e (%s), %.1f s\n",
         NVARIANTS, ntensors, nskipped, nchecks, failures, worst_rel, worst_what, now_s() - t0);
  xl_arena_free(&ar);
  free(text);
  if (failures) {
    fprintf(stderr, "test_stdlib_grad: FAILED (%d failure%s)\n", failures, failures == 1 ? "" : "s");
    return 1;
  }
  printf("test_stdlib_grad: OK\n");
  return 0;
}
