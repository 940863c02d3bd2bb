/* test_cg_opt.c - the cg-opt stage (compiler/cg_opt.c).
 *
 * Each pass on tiny hand-built graphs: node counts before/after against what the graph
 * obviously needs, outputs kept (names, order), scan results renumbered, and the same values
 * from ref_exec before and after. Then every stdlib entry, forward and training graphs
 * (cotangent mode, and --loss where the entry has a loss), in f64: the unoptimized graph on
 * the reference executor is the oracle; the optimized graph on the reference executor must
 * agree to 1e-12, and so must the optimized graph on the compiled CPU executor (relative to
 * each tensor's largest magnitude; differences seen there are a few 1e-15, from the GEMM
 * summation order).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "stdlib_fixture.h"
#include "exec_cpu.h"
#include "lang.h"
#include "pipe_test.h"
#include "xlrt.h"

static xl_rng rng;
static const xl_loc noloc;

static cg_shape sh2(int64_t a, int64_t b) { return cg_shape_of(2, (int64_t[]){a, b}); }

static int opt(cg_graph *g, unsigned passes, cg_opt_stats *st) {
  char *err = NULL;
  int rc = cg_optimize_passes(g, passes, st, &err);
  CHECK(rc == 0, "cg_optimize_passes: %s", err ? err : "");
  free(err);
  return rc;
}

/* max relative difference (to b's largest magnitude) */
static double rel_diff(const xt *a, const xt *b) {
  double amax = 0, emax = 0;
  if (xt_numel(a) != xt_numel(b)) return INFINITY;
  for (int64_t i = 0; i < xt_numel(a); i++) {
    double x = xt_get(a, i), y = xt_get(b, i);
    if (isinf(x) && x == y) continue;
    if (fabs(y) > amax) amax = fabs(y);
    double d = fabs(x - y);
    if (!(d <= emax)) emax = d;
  }
  return amax > 0 ? emax / amax : emax;
}

/* Random values for every INPUT of g (states of sLSTM-like names kept positive). */
static xt **random_inputs(const cg_graph *g) {
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(t); j++) {
      double v = rng_normal(&rng);
      if (n->is_int) v = floor(rng_uniform(&rng) * (n->fval > 0 ? n->fval : 2));
      if (n->ikind == CG_IN_PARAM) v *= 0.2;
      if (n->ikind == CG_IN_STATE && strstr(n->name, ".n")) v = 0.5 + fabs(v);
      xt_set(t, j, v);
    }
    in[i] = t;
  }
  return in;
}

/* The inputs of `orig` rebound to the INPUT nodes of `g` (by name); all must be there. */
static xt **rebind(const cg_graph *orig, xt **in, const cg_graph *g) {
  xt **out = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  int n_orig = 0, n_g = 0;
  for (int i = 0; i < orig->nodes.n; i++) n_orig += orig->nodes.v[i].op == CG_OP_INPUT;
  for (int i = 0; i < g->nodes.n; i++) {
    if (g->nodes.v[i].op != CG_OP_INPUT) continue;
    n_g++;
    int j = cg_find_input(orig, g->nodes.v[i].name);
    CHECK(j >= 0, "input %s lost its original", g->nodes.v[i].name);
    if (j >= 0) out[i] = in[j];
  }
  CHECK(n_orig == n_g, "%d inputs before, %d after", n_orig, n_g);
  return out;
}

static void outs_same_names(const cg_graph *a, const cg_graph *b, const char *tag) {
  CHECK(a->outs.n == b->outs.n, "%s: %d outputs, %d before", tag, b->outs.n, a->outs.n);
  for (int k = 0; k < a->outs.n && k < b->outs.n; k++)
    CHECK(strcmp(a->outs.v[k].name, b->outs.v[k].name) == 0, "%s: output %d is %s, was %s", tag, k,
          b->outs.v[k].name, a->outs.v[k].name);
}

/* Runs orig and g (its optimized copy) on ref_exec (f64), expects equal outputs to tol. */
static void same_values(const cg_graph *orig, const cg_graph *g, const char *tag) {
  xt **in = random_inputs(orig), **in2 = rebind(orig, in, g);
  xt **o1 = xl_calloc((size_t)orig->outs.n + 1, sizeof(xt *)), **o2 = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  CHECK(ref_exec(orig, CG_F64, in, o1, &err) == 0, "%s: ref before: %s", tag, err ? err : "");
  free(err);
  err = NULL;
  CHECK(ref_exec(g, CG_F64, in2, o2, &err) == 0, "%s: ref after: %s", tag, err ? err : "");
  free(err);
  for (int k = 0; k < g->outs.n && k < orig->outs.n; k++) {
    double r = o1[k] && o2[k] ? rel_diff(o2[k], o1[k]) : INFINITY;
    CHECK(r <= 1e-12, "%s: output %s differs by %.3g", tag, g->outs.v[k].name, r);
  }
  for (int k = 0; k < orig->outs.n; k++) xt_free(o1[k]);
  for (int k = 0; k < g->outs.n; k++) xt_free(o2[k]);
  for (int i = 0; i < orig->nodes.n; i++) xt_free(in[i]);
  free(o1), free(o2), free(in), free(in2);
}

/* ---- FOLD ---- */

static void test_fold(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sh2(2, 3), noloc);
  int y = cg_input(g, CG_IN_INPUT, "y", 0, sh2(1, 3), noloc);
  int r1 = cg_reshape(g, x, cg_shape_of(1, (int64_t[]){6}));
  int r2 = cg_reshape(g, r1, sh2(3, 2));
  int r3 = cg_reshape(g, r2, sh2(2, 3));                       /* -> x */
  int m = cg_binary(g, CG_OP_MUL, x, cg_const(g, 1.0, sh2(2, 3))); /* -> x */
  int a = cg_binary(g, CG_OP_ADD, cg_const(g, 0.0, sh2(1, 3)), x); /* -> x (0 broadcasts) */
  int b = cg_binary(g, CG_OP_MUL, y, cg_const(g, 1.0, sh2(2, 3))); /* stays: y is broadcast */
  int t = cg_transpose(g, cg_transpose(g, x, (int[]){1, 0}), (int[]){1, 0}); /* -> x */
  int s = cg_slice(g, x, 1, 0, 3);                                         /* -> x */
  int s2 = cg_slice(g, x, 1, 1, 2);                                        /* stays */
  int d = cg_unary(g, CG_OP_NEG, cg_unary(g, CG_OP_NEG, y));               /* -> y */
  int r4 = cg_reshape(g, r2, cg_shape_of(1, (int64_t[]){6}));              /* reshape of x */
  int outs[] = {r3, m, a, b, t, s, s2, d, r4};
  const char *names[] = {"r3", "m", "a", "b", "t", "s", "s2", "d", "r4"};
  for (int k = 0; k < 9; k++) cg_output_add(g, names[k], outs[k]);
  CHECK(cg_verify(g, stderr) == 0, "fold graph");
  cg_graph *orig = cg_clone(g);
  cg_opt_stats st;
  opt(g, CG_OPT_FOLD, &st);
  outs_same_names(orig, g, "fold");
  /* folded: r3, m, a, the outer transpose, s, the outer neg, r4's inner reshape step (r4 now
     reshapes x directly but is not removed) -> 6 nodes replaced */
  CHECK(st.folded == 6, "fold: %d folded, 6 expected", st.folded);
  for (int k = 0; k < 9; k++) {
    int nd = g->outs.v[k].node;
    const cg_node *n = &g->nodes.v[nd];
    if (k == 3) CHECK(n->op == CG_OP_MUL, "fold: b is %s", cg_ops[n->op].name);
    else if (k == 6) CHECK(n->op == CG_OP_SLICE, "fold: s2 is %s", cg_ops[n->op].name);
    else if (k == 7) CHECK(n->op == CG_OP_INPUT && strcmp(n->name, "y") == 0, "fold: d is %s", cg_ops[n->op].name);
    else if (k == 8)
      CHECK(n->op == CG_OP_RESHAPE && g->nodes.v[n->in[0]].op == CG_OP_INPUT, "fold: r4 is not reshape(x)");
    else CHECK(n->op == CG_OP_INPUT && strcmp(n->name, "x") == 0, "fold: %s is %s", names[k], cg_ops[n->op].name);
  }
  same_values(orig, g, "fold");
  /* then DCE: x, y, const 1 [2, 3] of b, b, s2, r4 */
  opt(g, CG_OPT_DCE, &st);
  CHECK(g->nodes.n == 6, "fold+dce: %d nodes, 6 expected", g->nodes.n);
  same_values(orig, g, "fold+dce");
  cg_free(orig);
  cg_free(g);
}

/* Sums of zero-padded pieces: three pieces that tile axis 1 of [2, 9] (added in a mixed
   order, as autodiff accumulates the gradients of slices) become one concat of the pieces in
   order; pieces with a gap, an overlap or on different axes stay sums. */
static void test_pads_to_concat(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sh2(2, 9), noloc);
  int a = cg_unary(g, CG_OP_EXP, cg_slice(g, x, 1, 0, 2)), b = cg_unary(g, CG_OP_NEG, cg_slice(g, x, 1, 2, 3));
  int c = cg_unary(g, CG_OP_TANH, cg_slice(g, x, 1, 5, 4));
  int pa = cg_pad(g, a, 1, 0, 7), pb = cg_pad(g, b, 1, 2, 4), pc = cg_pad(g, c, 1, 5, 0);
  int tile = cg_binary(g, CG_OP_ADD, cg_binary(g, CG_OP_ADD, pc, pa), pb);
  int gap = cg_binary(g, CG_OP_ADD, pa, pc);                    /* [2, 5) missing */
  int over = cg_binary(g, CG_OP_ADD, pa, cg_pad(g, cg_slice(g, x, 1, 1, 8), 1, 1, 0)); /* overlap at 1 */
  int outs[] = {tile, gap, over};
  const char *names[] = {"tile", "gap", "over"};
  for (int k = 0; k < 3; k++) cg_output_add(g, names[k], outs[k]);
  CHECK(cg_verify(g, stderr) == 0, "pads graph");
  cg_graph *orig = cg_clone(g);
  cg_opt_stats st;
  opt(g, CG_OPT_FOLD | CG_OPT_DCE, &st);
  outs_same_names(orig, g, "pads");
  const cg_node *t = &g->nodes.v[g->outs.v[0].node];
  CHECK(t->op == CG_OP_CONCAT && t->nin == 3 && t->a[0] == 1, "pads: tile is %s with %d operands", cg_ops[t->op].name,
        t->nin);
  if (t->op == CG_OP_CONCAT && t->nin == 3)
    CHECK(g->nodes.v[t->in[0]].op == CG_OP_EXP && g->nodes.v[t->in[1]].op == CG_OP_NEG &&
              g->nodes.v[t->in[2]].op == CG_OP_TANH,
          "pads: the pieces are not in axis order");
  CHECK(g->nodes.v[g->outs.v[1].node].op == CG_OP_ADD, "pads: a sum with a gap was rewritten");
  CHECK(g->nodes.v[g->outs.v[2].node].op == CG_OP_ADD, "pads: overlapping pieces were rewritten");
  same_values(orig, g, "pads");
  cg_free(orig);
  cg_free(g);
}

/* ---- CSE ---- */

static void test_cse(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sh2(2, 3), noloc);
  int y = cg_input(g, CG_IN_INPUT, "y", 0, sh2(2, 3), noloc); /* same shape: never merged */
  int e1 = cg_unary(g, CG_OP_EXP, x), e2 = cg_unary(g, CG_OP_EXP, x);
  int a1 = cg_binary(g, CG_OP_ADD, e1, y), a2 = cg_binary(g, CG_OP_ADD, e2, y);
  int c1 = cg_const(g, 2.0, sh2(2, 3)), c2 = cg_const(g, 2.0, sh2(2, 3)), c3 = cg_const(g, 3.0, sh2(2, 3));
  int c4 = cg_const(g, 2.0, sh2(1, 3)); /* other shape */
  int m1 = cg_binary(g, CG_OP_MUL, a1, c1), m2 = cg_binary(g, CG_OP_MUL, a2, c2), m3 = cg_binary(g, CG_OP_MUL, a2, c3);
  int m4 = cg_binary(g, CG_OP_MUL, a2, c4);
  int s1 = cg_sum(g, m1, 1), s2 = cg_sum(g, m2, 2), s3 = cg_sum(g, m2, 2); /* other axes; same */
  int outs[] = {m1, m2, m3, m4, s1, s2, s3};
  const char *names[] = {"m1", "m2", "m3", "m4", "s1", "s2", "s3"};
  for (int k = 0; k < 7; k++) cg_output_add(g, names[k], outs[k]);
  CHECK(cg_verify(g, stderr) == 0, "cse graph");
  int n0 = g->nodes.n;
  cg_graph *orig = cg_clone(g);
  cg_opt_stats st;
  opt(g, CG_OPT_CSE, &st);
  outs_same_names(orig, g, "cse");
  /* merged: e2, a2, c2, m2, s3 */
  CHECK(st.merged == 5 && g->nodes.n == n0 - 5, "cse: %d merged, %d nodes (5, %d expected)", st.merged,
        g->nodes.n, n0 - 5);
  CHECK(g->outs.v[0].node == g->outs.v[1].node, "cse: m1 and m2 not one node");
  CHECK(g->outs.v[4].node != g->outs.v[5].node, "cse: sums over other axes merged");
  CHECK(g->outs.v[5].node == g->outs.v[6].node, "cse: s2 and s3 not one node");
  int inputs = 0;
  for (int i = 0; i < g->nodes.n; i++) inputs += g->nodes.v[i].op == CG_OP_INPUT;
  CHECK(inputs == 2, "cse: %d inputs", inputs);
  same_values(orig, g, "cse");
  cg_free(orig);
  cg_free(g);
}

/* ---- DCE, top level ---- */

static void test_dce(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sh2(2, 3), noloc);
  cg_input(g, CG_IN_PARAM, "unused", 0, sh2(2, 3), noloc); /* inputs stay */
  int e = cg_unary(g, CG_OP_EXP, x);
  cg_unary(g, CG_OP_LOG, e); /* dead */
  int t = cg_unary(g, CG_OP_TANH, x);
  cg_binary(g, CG_OP_MUL, t, e); /* dead */
  cg_output_add(g, "t", t);
  cg_output_add(g, "e", e);
  cg_graph *orig = cg_clone(g);
  cg_opt_stats st;
  opt(g, CG_OPT_DCE, &st);
  outs_same_names(orig, g, "dce");
  CHECK(g->nodes.n == 4 && st.dead == 2, "dce: %d nodes, %d dead (4, 2 expected)", g->nodes.n, st.dead);
  CHECK(cg_find_input(g, "unused") >= 0, "dce: an unused input was removed");
  same_values(orig, g, "dce");
  cg_free(orig);
  cg_free(g);
}

/* ---- DCE in scans ----
   body: state s [2, 3]; seq x_t [2, 3]; consts w1, w2 [2, 3]
     s' = s + x_t * w1           (new state)
     o0 = s'                     (per-step output, read outside)
     o1 = exp(x_t) * w2          (per-step output, never read: goes, and w2 with it)
     o2 = tanh(s)                (per-step output, read outside)
   save=1, saved states never read: save -> 0. Results before: s_T, o0, o1, o2, saved s;
   after: s_T, o0, o2. */
static cg_graph *scan_graph(int read_final) {
  cg_graph *b = cg_new();
  int bs = cg_input(b, CG_IN_BSTATE, "", 0, sh2(2, 3), noloc);
  int bx = cg_input(b, CG_IN_SEQ, "", 0, sh2(2, 3), noloc);
  int bw1 = cg_input(b, CG_IN_CONST, "", 0, sh2(2, 3), noloc);
  int bw2 = cg_input(b, CG_IN_CONST, "", 1, sh2(2, 3), noloc);
  int ns = cg_binary(b, CG_OP_ADD, bs, cg_binary(b, CG_OP_MUL, bx, bw1));
  int o1 = cg_binary(b, CG_OP_MUL, cg_unary(b, CG_OP_EXP, bx), bw2);
  int o2 = cg_unary(b, CG_OP_TANH, bs);
  cg_output_add(b, "", ns);
  cg_output_add(b, "", ns);
  cg_output_add(b, "", o1);
  cg_output_add(b, "", o2);
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, cg_shape_of(3, (int64_t[]){2, 4, 3}), noloc);
  int w1 = cg_input(g, CG_IN_PARAM, "w1", 0, sh2(2, 3), noloc);
  int w2 = cg_input(g, CG_IN_PARAM, "w2", 0, sh2(2, 3), noloc);
  int s0 = cg_input(g, CG_IN_STATE, "state.s", 0, sh2(2, 3), noloc);
  int sc = cg_scan(g, b, 1, 2, 1, 3, 1, 0, 1, (int[]){x, w1, w2, s0});
  if (read_final) cg_output_add(g, "state.s", cg_scan_out(g, sc, 0));
  cg_output_add(g, "o2", cg_scan_out(g, sc, 3));
  cg_output_add(g, "o0", cg_scan_out(g, sc, 1));
  CHECK(cg_verify(g, stderr) == 0, "scan graph");
  return g;
}

static void test_scan_dce(void) {
  for (int read_final = 0; read_final < 2; read_final++) {
    cg_graph *g = scan_graph(read_final);
    cg_graph *orig = cg_clone(g);
    cg_opt_stats st;
    opt(g, CG_OPT_DCE, &st);
    outs_same_names(orig, g, "scan dce");
    int sid = -1;
    for (int i = 0; i < g->nodes.n; i++)
      if (g->nodes.v[i].op == CG_OP_SCAN) sid = i;
    CHECK(sid >= 0, "scan dce: the scan is gone");
    if (sid < 0) continue;
    const cg_node *n = &g->nodes.v[sid];
    CHECK(n->a[CG_SCAN_NSTATE] == 1, "scan dce: the carried state went");
    CHECK(n->a[CG_SCAN_NOUT] == 2 && n->a[CG_SCAN_SAVE] == 0, "scan dce: nout %d save %d (2, 0 expected)",
          (int)n->a[CG_SCAN_NOUT], (int)n->a[CG_SCAN_SAVE]);
    CHECK(n->a[CG_SCAN_NCONST] == 1 && n->nin == 3, "scan dce: %d consts, %d operands (1, 3 expected)",
          (int)n->a[CG_SCAN_NCONST], n->nin);
    /* body: bstate, seq, w1, mul, add, tanh */
    CHECK(n->body->nodes.n == 6, "scan dce: body has %d nodes, 6 expected", n->body->nodes.n);
    CHECK(st.scan_outs_removed == 2 && st.scan_ins_removed == 1, "scan dce: %d results, %d operands dropped",
          st.scan_outs_removed, st.scan_ins_removed);
    /* the scan_out of o2 now reads result 2 */
    int k = cg_find_output(g, "o2");
    CHECK(g->nodes.v[g->outs.v[k].node].a[0] == 2, "scan dce: o2 reads result %d",
          (int)g->nodes.v[g->outs.v[k].node].a[0]);
    CHECK(cg_find_input(g, "w2") >= 0, "scan dce: input w2 removed from the graph");
    same_values(orig, g, read_final ? "scan dce (final state read)" : "scan dce");
    cg_free(orig);
    cg_free(g);
  }
  /* nothing of the scan read: it goes with its body */
  cg_graph *g = scan_graph(0);
  for (int k = 0; k < g->outs.n; k++) free(g->outs.v[k].name);
  g->outs.n = 0;
  cg_output_add(g, "x", 0);
  cg_opt_stats st;
  opt(g, CG_OPT_DCE, &st);
  CHECK(g->nodes.n == 4, "dead scan: %d nodes (the 4 inputs expected)", g->nodes.n);
  cg_free(g);
}

/* ---- every stdlib entry: optimized (ref, cpu) against unoptimized (ref) ---- */

typedef struct {
  const char *entry;
  const char *sets[8];
} tcase;

static const tcase cases[] = {
    {"slstm_cell", {"B=2", "T=5", NULL}},
    {"mlstm_cell", {"B=2", "T=5", "m0=-inf", NULL}},
    {"mlstm_cell_kbw", {"B=2", "T=4", NULL}},
    {"lstm_cell", {"B=2", "T=5", "I=7", "H=13", NULL}},
    {"causal_conv1d", {"B=2", "T=4", "C=5", NULL}},
    {"mlstm_parallel", {"B=2", "T=5", "NH=2", "DK=4", "DV=4", NULL}},
    {"mlstm_block", {"B=2", "T=5", "E=32", NULL}},
    {"slstm_block", {"B=2", "T=5", "E=32", NULL}},
    {"xlstm_lm", {"B=2", "T=6", "V=11", NULL}},
    {"xlstm_large_block", {"B=2", "T=4", "E=32", "NH=2", "DQK=8", "DV=16", "U=24", NULL}},
    {"xlstm_large", {"B=2", "T=4", "E=32", "V=11", NULL}},
};

static void run_entry(const ast *file, xl_arena *ar, const tcase *tc, int mode) {
  lang_set sets[8];
  int ns = 0;
  char buf[8][32];
  for (; tc->sets[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", tc->sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns] = (lang_set){buf[ns], eq + 1};
  }
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = pt_graph(ar, file, &d, tc->entry, sets, ns, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
  CHECK(g != NULL, "lowering %s", tc->entry);
  if (!g) return;
  static const char *const mname[] = {"fwd", "grad", "loss"};
  if (mode == 2 && cg_find_output(g, "loss") < 0) {
    cg_free(g);
    return;
  }
  /* the pipeline up to cg-opt; the pass itself runs below (opt), on a copy */
  g = pt_more(g, tc->entry, mode == 2 ? XL_GRAD_LOSS : mode ? XL_GRAD_COT : XL_GRAD_NONE, XL_STAGE_CG_GRAD, NULL);
  CHECK(g != NULL, "autodiff %s", tc->entry);
  if (!g) return;
  char *err = NULL;
  cg_graph *o = cg_clone(g);
  cg_opt_stats st;
  if (opt(o, CG_OPT_ALL, &st) != 0) {
    cg_free(o);
    cg_free(g);
    return;
  }
  outs_same_names(g, o, tc->entry);
  xt **in = random_inputs(g), **in2 = rebind(g, in, o);
  int K = g->outs.n;
  xt **ref = xl_calloc((size_t)K + 1, sizeof(xt *)), **ro = xl_calloc((size_t)K + 1, sizeof(xt *)),
     **co = xl_calloc((size_t)K + 1, sizeof(xt *));
  int ok = ref_exec(g, CG_F64, in, ref, &err) == 0;
  CHECK(ok, "ref %s: %s", tc->entry, err ? err : "");
  free(err);
  err = NULL;
  int ok2 = ref_exec(o, CG_F64, in2, ro, &err) == 0;
  CHECK(ok2, "ref optimized %s: %s", tc->entry, err ? err : "");
  free(err);
  err = NULL;
  cpu_exec *e = cpu_prepare(o, CG_F64, pt_options(), &err);
  CHECK(e != NULL, "cpu_prepare optimized %s: %s", tc->entry, err ? err : "");
  free(err);
  err = NULL;
  int ok3 = e && cpu_run(e, in2, co, &err) == 0;
  CHECK(ok3, "cpu optimized %s: %s", tc->entry, err ? err : "");
  free(err);
  double wr = 0, wc = 0;
  for (int k = 0; ok && k < K; k++) {
    double r = ok2 ? rel_diff(ro[k], ref[k]) : INFINITY, c = ok3 ? rel_diff(co[k], ref[k]) : INFINITY;
    CHECK(r <= 1e-12, "%s %s %s: optimized ref differs by %.3g", tc->entry, mname[mode], g->outs.v[k].name, r);
    CHECK(c <= 1e-12, "%s %s %s: optimized cpu differs by %.3g", tc->entry, mname[mode], g->outs.v[k].name, c);
    wr = fmax(wr, r), wc = fmax(wc, c);
  }
  printf("%-15s %-4s nodes %5d -> %5d (folded %d, merged %d, dead %d, scan results -%d, scan operands -%d)  "
         "ref %.1e cpu %.1e\n",
         tc->entry, mname[mode], st.nodes_before, st.nodes_after, st.folded, st.merged, st.dead,
         st.scan_outs_removed, st.scan_ins_removed, wr, wc);
  for (int k = 0; k < K; k++) xt_free(ref[k]), xt_free(ro[k]), xt_free(co[k]);
  free(ref), free(ro), free(co);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  free(in), free(in2);
  cpu_free(e);
  cg_free(o);
  cg_free(g);
}

int main(void) {
  rng_seed(&rng, 11);
  test_fold();
  test_pads_to_concat();
  test_cse();
  test_dce();
  test_scan_dce();
  printf("hand-built graphs: %s\n", fails ? "FAILED" : "ok");

  stdlib_fx fx;
  if (stdlib_open(&fx) != 0) return 1;
  ast *file = fx.file;
  xl_arena *ar = &fx.ar;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (int mode = 0; mode < 3; mode++) run_entry(file, ar, &cases[i], mode);
  stdlib_close(&fx);
  printf("test_cg_opt: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
