/* test_kplan.c - the kernel plan (kplan.c) and KIR (kir.c) on every stdlib entry.
 *
 * Each entry of stdlib/xlstm.xl is lowered small (B=2, T=5), as its forward graph and its
 * training graph (cotangent seeds; --loss for the models), and planned. Structure: every node
 * (scan bodies included) produced by exactly one step, after its operands; every kernel passes
 * kir_verify. Numbers: the graph runs in ref_exec with every node exposed as an output (body
 * nodes as extra per-step scan outputs); each KP_KERNEL then runs in kir_interp on those values
 * and each KP_GEMM as a naive loop over its descriptor, and every value they produce must match
 * ref_exec's (float64 to 1e-12, float32 to 2e-6, relative to max(1, |ref|)) at every scan step.
 * Every graph is planned three times: with every contraction (EINSUM that sums a label) a
 * reduction kernel, the kernels of scan bodies merged into kernels of several nests and not, and
 * with no contraction kernel (target contract_flops 1e300 and 0). The forward sLSTM step must
 * be one kernel.
 * Targets (test_targets): each limit of kp_target set below the CPU's (max_nest 2, max_members
 * 3, nest_maxbuf 4, merge 0, contract_flops 0 / 1 with gemm_min_dim 64, persistent_scan 1)
 * changes the plan as it says, the plan keeps and dumps its target, and cpu_prepare with such
 * targets matches ref_exec. Einsums that are not one GEMM (test_einsums): the kp_ein
 * descriptors of four (loops, copies, strided BLAS calls, swapped) against hand-derived values,
 * their results against ref_exec.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "cg.h"
#include "kplan.h"
#include "lang.h"
#include "pipe_test.h"
#include "xlrt.h"

#define TOL_F64 1e-12
#define TOL_F32 2e-6

typedef struct {
  const char *entry;
  const char *sets[8];
} entry;

#define BT "B=2", "T=5"
static const entry entries[] = {
    {"slstm_cell", {BT}},
    {"mlstm_cell", {BT}},
    {"mlstm_cell_kbw", {BT}},
    {"lstm_cell", {BT}},
    {"mlstm_block", {BT, "E=32"}},
    {"slstm_block", {BT, "E=32"}},
    {"xlstm_lm", {BT, "V=11", "L=2", "slstm_at=[1]"}},
    {"xlstm_large", {BT, "E=32", "NH=2", "V=11"}},
    {"mlstm_chunkwise", {"B=2", "T=7", "NH=2", "DK=5", "DV=3", "chunk=3"}},
    {"mlstm_block", {"B=4", "T=16", "E=32"}}, /* weight gradients of 64 terms (want_red_outer) */
    /* odd sizes and T = 1 (contraction kernels whose innermost loop is not a vector width) */
    {"slstm_cell", {"B=1", "T=1", "NH=3", "D=5"}},
    {"lstm_cell", {"B=3", "T=1", "I=7", "H=13"}},
    {"xlstm_lm", {"B=1", "T=1", "V=3", "NH=1", "E=12"}},
};
#define NENTRIES ((int)(sizeof entries / sizeof entries[0]))

static xl_rng rng;

/* ---- structure ---- */

typedef struct {
  int nodes, leaves, kernels, knodes, fused, gemms, refs, views;
  int contracts, ref_einsums; /* contraction kernels (or nests); einsums left to the executor */
  int outer_gemms;            /* GEMMs whose batch labels form two groups (kp_gemm.outer > 1) */
  int red_outer;              /* contraction kernels whose outermost loop dimension is summed */
  int chains, nests;          /* kernels of several loop nests, and their nests */
  int body_kernels[16];       /* per scan body (in plan order, first 16): its kernel steps */
  int nbodies;
  double gemm_flops;
} counts;

/* v reaches a node of step si through views only (a kernel of several nests reads its own
   values through their views, which are planned after it). */
static int view_of_step(const cg_graph *g, int v, const int *at, int si) {
  while (g->nodes.v[v].op == CG_OP_RESHAPE || g->nodes.v[v].op == CG_OP_DETACH) {
    v = g->nodes.v[v].in[0];
    if (at[v] == si) return 1;
  }
  return 0;
}

/* Independent of kp_verify: coverage and dependency order, recursively. */
static void check_structure(const kp_plan *p, const cg_graph *g, const char *tag, counts *c) {
  int N = g->nodes.n;
  int *at = xl_malloc(((size_t)N + 1) * sizeof(int));
  for (int i = 0; i < N; i++) at[i] = -1;
  CHECK(p->g == g, "%s: plan of another graph", tag);
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *s = &p->steps.v[si];
    for (int j = 0; j < s->nodes.n; j++) {
      int id = s->nodes.v[j];
      CHECK(id >= 0 && id < N, "%s: step %d: node %d", tag, si, id);
      if (id < 0 || id >= N) continue;
      CHECK(at[id] < 0, "%s: step %d: %%%d produced twice", tag, si, id);
      const cg_node *n = &g->nodes.v[id];
      int chain = s->kind == KP_KERNEL && s->kir && s->kir->next;
      for (int k = 0; k < n->nin; k++)
        CHECK(at[n->in[k]] >= 0 || (chain && view_of_step(g, n->in[k], at, si)), "%s: step %d: %%%d before its operand %%%d",
              tag, si, id, n->in[k]);
      at[id] = si;
    }
    switch (s->kind) {
    case KP_KERNEL: {
      c->kernels++;
      c->knodes += s->nodes.n;
      if (s->nodes.n > 1) c->fused += s->nodes.n;
      CHECK(s->kir && kir_verify(s->kir, stderr) == 0, "%s: step %d: kernel fails kir_verify", tag, si);
      if (!s->kir) break;
      int nn = kir_nnest(s->kir);
      if (nn > 1) c->chains++, c->nests += nn;
      const kir_kernel *x = s->kir;
      for (int q = 0; q < nn; q++, x = x->next) { /* nest q holds nodes [nest_at[q], nest_at[q + 1]) */
        int lo = q ? s->nest_at[q] : 0, hi = q + 1 < nn ? s->nest_at[q + 1] : s->nodes.n;
        CHECK(lo < hi, "%s: step %d: nest %d has no nodes", tag, si, q);
        if (hi - lo == 1 && g->nodes.v[s->nodes.v[lo]].op == CG_OP_EINSUM && x->red_mask) {
          c->contracts++;
          c->red_outer += x->red_mask & 1;
          if (nn == 1) CHECK(x->nbuf <= 3, "%s: step %d: contraction kernel with %d buffers", tag, si, x->nbuf);
        }
      }
      break;
    }
    case KP_GEMM:
      c->gemms++;
      c->outer_gemms += s->gemm.outer > 1;
      c->gemm_flops += s->gemm.flops;
      break;
    case KP_VIEW: c->views++; break;
    case KP_REF:
      c->refs++;
      c->ref_einsums += g->nodes.v[s->node].op == CG_OP_EINSUM;
      if (g->nodes.v[s->node].op == CG_OP_SCAN) {
        CHECK(s->body != NULL, "%s: scan step %d without a body plan", tag, si);
        int kb = c->kernels, bi = c->nbodies++;
        if (s->body) check_structure(s->body, g->nodes.v[s->node].body, tag, c);
        if (bi < 16) c->body_kernels[bi] = c->kernels - kb;
      }
      break;
    }
  }
  for (int i = 0; i < N; i++) {
    CHECK(at[i] >= 0, "%s: %%%d %s is in no step", tag, i, cg_ops[g->nodes.v[i].op].name);
    c->nodes++;
    if (g->nodes.v[i].op == CG_OP_INPUT || g->nodes.v[i].op == CG_OP_CONST) c->leaves++;
  }
  free(at);
}

/* ---- numbers ---- */

/* The value of every node: top-level nodes, and per scan the stacked per-step values of each
   body node. val[i] / body[i][j] index into the outputs of the exposed graph. */
typedef struct {
  cg_graph *g;      /* clone of the original with extra outputs */
  int *val;         /* per original top-level node: output index, -1 (SCAN) */
  int **body;       /* per top-level SCAN: per body node: output index of its stacked values */
  xt **outs;
} exposed;

static exposed expose(const cg_graph *g0) {
  exposed e = {0};
  int N = g0->nodes.n;
  e.g = cg_clone(g0);
  e.val = xl_calloc((size_t)N + 1, sizeof(int));
  e.body = xl_calloc((size_t)N + 1, sizeof(int *));
  cg_graph *g = e.g;
  for (int i = 0; i < N; i++) {
    char name[48];
    e.val[i] = -1;
    if (g->nodes.v[i].op != CG_OP_SCAN) {
      snprintf(name, sizeof name, "n%d", i);
      e.val[i] = cg_output_add(g, name, i);
      continue;
    }
    cg_graph *b = g->nodes.v[i].body;
    int S = (int)g->nodes.v[i].a[CG_SCAN_NSTATE], O = (int)g->nodes.v[i].a[CG_SCAN_NOUT], nb = b->nodes.n;
    int nested = 0;
    for (int j = 0; j < nb; j++) nested |= b->nodes.v[j].op == CG_OP_SCAN;
    if (nested) continue; /* no numbers inside nested scans (none in the stdlib) */
    /* a body INPUT is exposed through an identity DETACH: ref_exec stacks per-step outputs
       after replacing the states, so an output that is a state input itself would be read
       from freed memory */
    for (int j = 0; j < nb; j++) {
      int src = j;
      if (b->nodes.v[j].op == CG_OP_INPUT) src = cg_add(b, CG_OP_DETACH, 1, &j, NULL, b->nodes.v[j].loc);
      cg_output_add(b, "", src);
    }
    for (int u = i + 1; u < g->nodes.n; u++) /* saved states move behind the new outputs */
      if (g->nodes.v[u].op == CG_OP_SCAN_OUT && g->nodes.v[u].in[0] == i && g->nodes.v[u].a[0] >= S + O)
        g->nodes.v[u].a[0] += nb;
    g->nodes.v[i].a[CG_SCAN_NOUT] = O + nb;
    e.body[i] = xl_calloc((size_t)nb + 1, sizeof(int));
    for (int j = 0; j < nb; j++) {
      int so = cg_scan_out(g, i, S + O + j);
      snprintf(name, sizeof name, "b%d.%d", i, j);
      e.body[i][j] = cg_output_add(g, name, so);
    }
  }
  return e;
}

static void exposed_free(exposed *e, int N) {
  if (e->outs)
    for (int k = 0; k < e->g->outs.n; k++) xt_free(e->outs[k]);
  free(e->outs);
  for (int i = 0; i < N; i++) free(e->body[i]);
  free(e->body);
  free(e->val);
  cg_free(e->g);
}

/* Random values for the INPUT nodes (NULL for states: the executor fills their default). */
static xt **bind_inputs(const cg_graph *g, const char *tag) {
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind == CG_IN_STATE) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    double *d = (double *)t->data;
    int64_t ne = xt_numel(t);
    if (n->ikind == CG_IN_PARAM) {
      char *err = NULL;
      CHECK(init_fill(t, &n->init, 0, n->name, &err) == 0, "%s: init_fill %s: %s", tag, n->name, err ? err : "");
      free(err);
      for (int64_t j = 0; j < ne; j++) d[j] += 0.1 * rng_normal(&rng);
    } else if (n->is_int) {
      for (int64_t j = 0; j < ne; j++) d[j] = floor(rng_uniform(&rng) * (n->fval >= 1 ? n->fval : 1));
    } else {
      for (int64_t j = 0; j < ne; j++) d[j] = rng_normal(&rng);
    }
    in[i] = t;
  }
  return in;
}

/* Values of one graph level at one scan step: node -> pointer into the exposed outputs (top
   level), or a per-step slice of the stacked values (a body). */
typedef struct {
  const cg_graph *g;
  void **v; /* per node, NULL where unknown (SCAN) */
  int owned;
} level;

static size_t esz(cg_dtype dt) { return dt == CG_F64 ? sizeof(double) : sizeof(float); }

static level top_level(const exposed *e, const cg_graph *g) {
  level L = {g, xl_calloc((size_t)g->nodes.n + 1, sizeof(void *)), 0};
  for (int i = 0; i < g->nodes.n; i++)
    if (e->val[i] >= 0) L.v[i] = e->outs[e->val[i]]->data;
  return L;
}

/* Body values at step t of scan `sid`: unstack each node's stacked values at the scan axis. */
static level body_level(const exposed *e, const cg_graph *g, int sid, int64_t t, cg_dtype dt) {
  const cg_node *s = &g->nodes.v[sid];
  const cg_graph *b = s->body;
  int axis = (int)s->a[CG_SCAN_AXIS];
  level L = {b, xl_calloc((size_t)b->nodes.n + 1, sizeof(void *)), 1};
  for (int j = 0; j < b->nodes.n; j++) {
    const xt *full = e->outs[e->body[sid][j]];
    int64_t outer = 1, inner = 1, T = full->shape[axis];
    for (int i = 0; i < full->rank; i++)
      if (i != axis) *(i < axis ? &outer : &inner) *= full->shape[i];
    char *dst = xl_malloc((size_t)(outer * inner + 1) * esz(dt));
    const char *src = full->data;
    for (int64_t o = 0; o < outer; o++)
      memcpy(dst + (size_t)(o * inner) * esz(dt), src + (size_t)((o * T + t) * inner) * esz(dt),
             (size_t)inner * esz(dt));
    L.v[j] = dst;
  }
  return L;
}

static void level_free(level *L) {
  if (L->owned)
    for (int i = 0; i < L->g->nodes.n; i++) free(L->v[i]);
  free(L->v);
}

static double get(const void *p, cg_dtype dt, int64_t i) {
  return dt == CG_F64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

typedef struct {
  double worst;   /* largest |got - want| / max(1, |want|) */
  int kchecks, gchecks;
} numstat;

/* Compares n values with the reference; NaN matches NaN, infinities must be equal. */
static void compare(const void *got, const void *want, int64_t n, cg_dtype dt, const char *what, numstat *ns) {
  double tol = dt == CG_F64 ? TOL_F64 : TOL_F32;
  for (int64_t i = 0; i < n; i++) {
    double a = get(got, dt, i), b = get(want, dt, i);
    if (isnan(a) && isnan(b)) continue;
    double err = isinf(b) || isinf(a) ? (a == b ? 0 : INFINITY) : fabs(a - b) / fmax(1.0, fabs(b));
    if (!(err <= ns->worst)) ns->worst = err;
    if (!(err <= tol)) {
      CHECK(err <= tol, "%s: element %lld: got %.17g, want %.17g", what, (long long)i, a, b);
      return;
    }
  }
}

static void check_kernel(const kp_step *s, const level *L, cg_dtype dt, const char *tag, numstat *ns) {
  const kir_kernel *k = s->kir;
  void *bufs[KIR_MAXBUF];
  for (int b = 0; b < k->nbuf; b++) {
    size_t bytes = (size_t)(k->buf_numel[b] + 1) * esz(dt);
    bufs[b] = xl_malloc(bytes);
    if (k->buf_out[b]) {
      for (int64_t i = 0; i < k->buf_numel[b]; i++) { /* NaN: an element never written shows */
        if (dt == CG_F64) ((double *)bufs[b])[i] = NAN;
        else ((float *)bufs[b])[i] = NAN;
      }
    } else {
      memcpy(bufs[b], L->v[s->buf_node[b]], (size_t)k->buf_numel[b] * esz(dt));
    }
  }
  kir_interp(k, dt, bufs);
  for (int b = 0; b < k->nbuf; b++) {
    if (!k->buf_out[b]) continue;
    char what[200];
    snprintf(what, sizeof what, "%s: kernel %s output %%%d", tag, k->name, s->buf_node[b]);
    compare(bufs[b], L->v[s->buf_node[b]], k->buf_numel[b], dt, what, ns);
  }
  for (int b = 0; b < k->nbuf; b++) free(bufs[b]);
  ns->kchecks++;
}

static void check_gemm(const kp_step *s, const level *L, cg_dtype dt, const char *tag, numstat *ns) {
  const kp_gemm *m = &s->gemm;
  const cg_node *n = &L->g->nodes.v[s->node];
  int64_t N = cg_numel(&n->shape);
  double *c = xl_malloc((size_t)(N + 1) * sizeof(double));
  for (int64_t i = 0; i < N; i++) c[i] = NAN;
  const void *A = L->v[m->a], *B = L->v[m->b];
  for (int64_t o = 0; o < m->outer; o++)
  for (int64_t bt = 0; bt < m->batch; bt++)
    for (int64_t i = 0; i < m->m; i++)
      for (int64_t j = 0; j < m->n; j++) {
        double accd = 0;
        float accf = 0;
        for (int64_t p = 0; p < m->k; p++) {
          int64_t ia = o * m->oa + bt * m->sa + (m->trans_a ? p * m->lda + i : i * m->lda + p);
          int64_t ib = o * m->ob + bt * m->sb + (m->trans_b ? j * m->ldb + p : p * m->ldb + j);
          if (dt == CG_F64) accd += ((const double *)A)[ia] * ((const double *)B)[ib];
          else accf += ((const float *)A)[ia] * ((const float *)B)[ib];
        }
        int64_t ic = o * m->oc + bt * m->sc + i * m->ldc + j;
        CHECK(ic >= 0 && ic < N, "%s: gemm %%%d writes element %lld of %lld", tag, s->node, (long long)ic, (long long)N);
        if (ic >= 0 && ic < N) c[ic] = dt == CG_F64 ? accd : (double)accf;
      }
  void *got = xl_malloc((size_t)(N + 1) * esz(dt));
  for (int64_t i = 0; i < N; i++) {
    if (dt == CG_F64) ((double *)got)[i] = c[i];
    else ((float *)got)[i] = (float)c[i];
  }
  char what[200];
  snprintf(what, sizeof what, "%s: gemm %%%d", tag, s->node);
  compare(got, L->v[s->node], N, dt, what, ns);
  free(got);
  free(c);
  ns->gchecks++;
}

static void check_steps(const kp_plan *p, const level *L, cg_dtype dt, const char *tag, numstat *ns) {
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *s = &p->steps.v[si];
    if (s->kind == KP_KERNEL) check_kernel(s, L, dt, tag, ns);
    else if (s->kind == KP_GEMM) check_gemm(s, L, dt, tag, ns);
  }
}

static void check_numbers(const cg_graph *g, const kp_plan *p, cg_dtype dt, const char *tag, numstat *ns) {
  exposed e = expose(g);
  CHECK(cg_verify(e.g, stderr) == 0, "%s: the exposed graph fails cg_verify", tag);
  xt **in = bind_inputs(e.g, tag);
  e.outs = xl_calloc((size_t)e.g->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  int rc = ref_exec(e.g, dt, in, e.outs, &err);
  CHECK(rc == 0, "%s: ref_exec: %s", tag, err ? err : "");
  free(err);
  if (rc == 0) {
    level top = top_level(&e, g);
    check_steps(p, &top, dt, tag, ns);
    level_free(&top);
    for (int si = 0; si < p->steps.n; si++) {
      const kp_step *s = &p->steps.v[si];
      if (!s->body || !e.body[s->node]) continue;
      const cg_node *sn = &g->nodes.v[s->node];
      int64_t T = g->nodes.v[sn->in[0]].shape.d[sn->a[CG_SCAN_AXIS]];
      for (int64_t t = 0; t < T; t++) {
        level bl = body_level(&e, g, s->node, t, dt);
        char btag[160];
        snprintf(btag, sizeof btag, "%s: scan %%%d step %lld", tag, s->node, (long long)t);
        check_steps(s->body, &bl, dt, btag, ns);
        level_free(&bl);
      }
    }
  }
  for (int i = 0; i < e.g->nodes.n; i++) xt_free(in[i]);
  free(in);
  exposed_free(&e, g->nodes.n);
}

/* ---- driver ---- */

/* merge: the kernels of scan bodies merged into nests (the target's merge). */
static int want_red_outer; /* the entry being planned is mlstm_block at B=4 T=16: its gradient has a
                              contraction kernel that loops over summed labels outermost */
static int thin_kernels, thin_gemms; /* over every graph planned with cflops 1 */

static void run_plan(const cg_graph *g, const char *tag0, double cflops, int merge) {
  char tag[160];
  snprintf(tag, sizeof tag, "%s%s%s", tag0, cflops > 1 ? "" : cflops > 0 ? " (thin)" : " (gemm)",
           merge ? "" : " (unmerged)");
  kp_target t = kp_target_cpu();
  t.contract_flops = cflops;
  t.merge = merge;
  kp_plan *p = kp_build(g, &t);
  CHECK(kp_verify(p, stderr) == 0, "%s: kp_verify", tag);
  counts c = {0};
  check_structure(p, g, tag, &c);
  if (cflops == 1) /* only thin products are kernels (counted for main) */
    thin_kernels += c.contracts, thin_gemms += c.gemms;
  else if (cflops > 0) /* every contraction is a kernel */
    CHECK(c.gemms == 0 && c.ref_einsums == 0 && c.contracts > 0, "%s: %d gemms, %d einsum refs, %d contraction kernels",
          tag, c.gemms, c.ref_einsums, c.contracts);
  else
    CHECK(c.contracts == 0, "%s: %d contraction kernels with the threshold 0", tag, c.contracts);
  /* the head-wise weight gradients ("ZAbo,ZAbi->boi", 64 terms): summed labels outermost */
  if (cflops > 1 && want_red_outer && strstr(tag0, "grad"))
    CHECK(c.red_outer > 0, "%s: no contraction kernel loops over its summed labels outermost", tag);
  /* the chunkwise form's head-batched products ("Zcjhd,Zcuhd->Zchju"): batch Zc outside, h inside */
  if (cflops <= 0 && strstr(tag0, "chunkwise"))
    CHECK(c.outer_gemms >= 3, "%s: %d GEMMs with two batch groups, want at least 3", tag, c.outer_gemms);
  if (!merge) CHECK(c.chains == 0, "%s: %d kernels of several nests unmerged", tag, c.chains);
  /* the forward sLSTM step: the recurrent matmul, the bias and the gates in one kernel */
  if (merge && cflops > 0 && !strncmp(tag0, "slstm_cell/forward", 18))
    CHECK(c.nbodies == 1 && c.body_kernels[0] == 1 && c.chains == 1, "%s: the scan step has %d kernels (want 1 of nests)",
          tag, c.body_kernels[0]);
  numstat n64 = {0}, n32 = {0};
  rng_seed(&rng, xl_hash_str(tag));
  check_numbers(g, p, CG_F64, tag, &n64);
  rng_seed(&rng, xl_hash_str(tag));
  check_numbers(g, p, CG_F32, tag, &n32);
  int compute = c.nodes - c.leaves;
  printf("%-44s nodes %5d  kernels %4d (%4d nodes, %3d contractions, %2d of %3d nests)  gemms %3d  refs %4d  views %4d"
         "  fused %5.1f%%  | checked %d kernels %d gemms, worst f64 %.1e f32 %.1e\n",
         tag, c.nodes, c.kernels, c.knodes, c.contracts, c.chains, c.nests, c.gemms, c.refs, c.views,
         compute ? 100.0 * c.fused / compute : 0.0, n64.kchecks, n64.gchecks, n64.worst, n32.worst);
  kp_free(p);
}

/* Planned four times: every contraction a kernel (merged, unmerged), none (GEMMs and
   reference steps), only the thin ones (cflops 1). */
static void run_graph(const cg_graph *g, const char *tag) {
  run_plan(g, tag, 1e300, 1);
  run_plan(g, tag, 1e300, 0);
  run_plan(g, tag, 0, 1);
  run_plan(g, tag, 1, 1);
}

static void run_entry(const ast *file, const entry *en) {
  want_red_outer = !strcmp(en->entry, "mlstm_block") && en->sets[1] && !strcmp(en->sets[1], "T=16");
  lang_set sets[8];
  char keys[8][32];
  int nsets = 0;
  for (; nsets < 8 && en->sets[nsets]; nsets++) {
    const char *eq = strchr(en->sets[nsets], '=');
    snprintf(keys[nsets], sizeof keys[nsets], "%.*s", (int)(eq - en->sets[nsets]), en->sets[nsets]);
    sets[nsets] = (lang_set){keys[nsets], eq + 1};
  }
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = pt_graph(&ar, file, &d, en->entry, sets, nsets, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
  CHECK(g != NULL, "%s: lowering failed", en->entry);
  if (g) {
    char tag[128];
    snprintf(tag, sizeof tag, "%s/forward", en->entry);
    run_graph(g, tag);
    for (int loss = 0; loss < 2; loss++) {
      if (loss && cg_find_output(g, "loss") < 0) continue;
      /* the planner's thresholds vary in run_graph: the graphs come from the pipeline's
         graph stages (no cg-opt, as before) */
      cg_graph *gg = pt_more(cg_clone(g), en->entry, loss ? XL_GRAD_LOSS : XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL);
      CHECK(gg != NULL, "%s: autodiff failed", en->entry);
      snprintf(tag, sizeof tag, "%s/grad-%s", en->entry, loss ? "loss" : "cot");
      if (gg) run_graph(gg, tag);
      if (gg) cg_free(gg);
    }
    cg_free(g);
  }
  xl_arena_free(&ar);
}

/* ---- the target as data ---- */

typedef struct {
  int max_nest, max_members, max_nbuf1; /* largest over kernels (max_nbuf1: single-nest ones) */
  int gemms, thin_gemms64;              /* GEMMs, and those with m, n or k under 64 */
  int scans, persistent;                /* SCAN steps, and those marked persistent */
  int contracts;                        /* contraction kernels */
} tcounts;

/* An EINSUM with an operand label the output lacks. */
static int sums_a_label(const cg_graph *g, const cg_node *n) {
  if (n->op != CG_OP_EINSUM) return 0;
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < g->nodes.v[n->in[o]].shape.rank; i++) {
      int in_out = 0;
      for (int j = 0; j < n->shape.rank; j++) in_out |= n->a[16 + j] == n->a[8 * o + i];
      if (!in_out) return 1;
    }
  return 0;
}

static void tcount(const kp_plan *p, tcounts *c) {
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *s = &p->steps.v[si];
    if (s->kind == KP_KERNEL) {
      int nn = kir_nnest(s->kir);
      if (nn > c->max_nest) c->max_nest = nn;
      if (s->nodes.n > c->max_members) c->max_members = s->nodes.n;
      if (nn == 1 && s->kir->nbuf > c->max_nbuf1) c->max_nbuf1 = s->kir->nbuf;
      for (int j = 0; j < s->nodes.n; j++) c->contracts += sums_a_label(p->g, &p->g->nodes.v[s->nodes.v[j]]);
    }
    if (s->kind == KP_GEMM) {
      c->gemms++;
      c->thin_gemms64 += s->gemm.m < 64 || s->gemm.n < 64 || s->gemm.k < 64;
    }
    if (s->body) {
      c->scans++;
      c->persistent += s->persistent;
      tcount(s->body, c);
    }
  }
}

static cg_graph *lower_grad(const ast *file, const char *entry, const char *const *kv) {
  lang_set sets[8];
  char keys[8][32];
  int n = 0;
  for (; n < 8 && kv[n]; n++) {
    const char *eq = strchr(kv[n], '=');
    snprintf(keys[n], sizeof keys[n], "%.*s", (int)(eq - kv[n]), kv[n]);
    sets[n] = (lang_set){keys[n], eq + 1};
  }
  static xl_arena ar;
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = lang_lower(&ar, file, entry, sets, n, NULL, 0, &d);
  CHECK(g != NULL, "%s: lang_lower failed", entry);
  char *err = NULL;
  if (g) CHECK(ad_append_backward(g, NULL, NULL, &err) == 0, "%s: ad_append_backward: %s", entry, err ? err : "");
  free(err);
  return g;
}

static tcounts plan_counts(const cg_graph *g, const kp_target *t, const char *what) {
  kp_plan *p = kp_build(g, t);
  CHECK(kp_verify(p, stderr) == 0, "%s: kp_verify", what);
  CHECK(p->target.name == t->name && p->target.max_nest == t->max_nest && p->target.merge_small == t->merge_small &&
            p->target.contract_flops == t->contract_flops && p->target.persistent_scan == t->persistent_scan,
        "%s: the plan does not keep its target", what);
  tcounts c = {0};
  tcount(p, &c);
  kp_free(p);
  return c;
}

/* Every limit of a target bites where the CPU's does not, and cpu_prepare with such targets
   still matches ref_exec (cpu_vs_ref.h). */
static void test_targets(const ast *file, const char *text) {
  const char *const sl[] = {"B=2", "T=5", NULL}, *const mb[] = {"B=4", "T=16", "E=32", NULL};
  cg_graph *g = lower_grad(file, "slstm_cell", sl), *gm = lower_grad(file, "mlstm_block", mb);
  if (!g || !gm) return;
  kp_target cpu = kp_target_cpu(), t;
  tcounts c0 = plan_counts(g, &cpu, "slstm cpu"), m0 = plan_counts(gm, &cpu, "mlstm_block cpu");
  t = cpu, t.merge = 0;
  tcounts u0 = plan_counts(g, &t, "merge 0");
  CHECK(c0.max_nest > 2 && c0.max_members > 3 && u0.max_nbuf1 > 4 && c0.scans > 0 && c0.persistent == 0,
        "slstm cpu: nests %d members %d buffers %d (unmerged) scans %d persistent %d", c0.max_nest, c0.max_members,
        u0.max_nbuf1, c0.scans, c0.persistent);
  CHECK(u0.max_nest == 1, "merge 0: a kernel of %d nests", u0.max_nest);
  t = cpu, t.max_nest = 2;
  tcounts c = plan_counts(g, &t, "max_nest 2");
  CHECK(c.max_nest == 2, "max_nest 2: a kernel of %d nests", c.max_nest);
  t = cpu, t.max_members = 3;
  c = plan_counts(g, &t, "max_members 3");
  CHECK(c.max_members <= 3, "max_members 3: a kernel of %d nodes", c.max_members);
  t = cpu, t.merge = 0, t.nest_maxbuf = 4;
  c = plan_counts(g, &t, "nest_maxbuf 4");
  CHECK(c.max_nbuf1 <= 4, "nest_maxbuf 4: a kernel of %d buffers", c.max_nbuf1);
  t = cpu, t.persistent_scan = 1;
  c = plan_counts(g, &t, "persistent_scan 1");
  CHECK(c.persistent == c.scans, "persistent_scan 1: %d of %d scans persistent", c.persistent, c.scans);
  /* the thin rule: with contract_flops 1, GEMMs with a dimension under gemm_min_dim are kernels */
  t = cpu, t.contract_flops = 1;
  tcounts m8 = plan_counts(gm, &t, "mlstm_block gemm_min_dim 8");
  t.gemm_min_dim = 64;
  tcounts m64 = plan_counts(gm, &t, "mlstm_block gemm_min_dim 64");
  CHECK(m8.thin_gemms64 > 0 && m64.thin_gemms64 == 0 && m64.contracts > m8.contracts,
        "gemm_min_dim 64: %d GEMMs with a dimension under 64 (8: %d), contraction kernels %d (8: %d)",
        m64.thin_gemms64, m8.thin_gemms64, m64.contracts, m8.contracts);
  t.contract_flops = 0;
  tcounts mz = plan_counts(gm, &t, "mlstm_block contract_flops 0");
  CHECK(mz.contracts == 0 && m0.contracts > 0, "contract_flops 0: %d contraction kernels (cpu: %d)", mz.contracts,
        m0.contracts);
  /* the dump names its target first */
  t = cpu, t.name = "test", t.max_nest = 2, t.persistent_scan = 1;
  kp_plan *p = kp_build(g, &t);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  kp_dump(p, f, 0);
  fclose(f);
  const char *want = "plan {\n  target test: max_nest 2, merge_small 8192, nest_maxbuf 16, max_members 256, "
                     "contract_flops 524288, gemm_min_dim 8, small_out 4096, merge 1, persistent_scan 1\n";
  /* and how each scan runs (kplan.h kp_scan_mode): at most 2 nests a kernel, the sLSTM step is
     not one kernel, so step by step with the reason */
  CHECK(!strncmp(buf, want, strlen(want)) && strstr(buf, " per-step launches: body step "),
        "kp_dump of a test target:\n%.300s", buf);
  free(buf);
  kp_free(p);
  cg_free(g);
  cg_free(gm);
  /* the executor follows the target */
  xl_options o[3] = {xl_options_default(), xl_options_default(), xl_options_default()};
  o[0].target.max_nest = 2, o[0].target.max_members = 3, o[0].target.nest_maxbuf = 4;
  o[1].target.merge = 0, o[1].target.contract_flops = 0, o[1].target.gemm_min_dim = 64;
  o[2].target.contract_flops = 1, o[2].target.gemm_min_dim = 64;
  for (int k = 0; k < 3; k++) {
    cvr_opts = &o[k];
    cvr_run(text, "slstm_cell", sl, 1, CG_F64, NULL);
    cvr_run(text, "mlstm_block", mb, 1, CG_F64, NULL);
  }
  cvr_opts = NULL;
}

/* ---- einsums that are not one GEMM (kp_ein) ---- */

static const char *const ein_src =
    "block eins(I = 3, K = 2, J = 4, L = 5, M = 16, P = 2, Q = 16, N = 16, R = 3) {\n"
    "  param a: [I, K, J] = ones\n  param b: [J, L] = ones\n  out loops = einsum(\"ikj,jl->il\", a, b)\n"
    "  param x: [M, Q, P] = ones\n  param y: [P, Q, N] = ones\n  out copied = einsum(\"mkb,bkn->bmn\", x, y)\n"
    "  param u: [M, R, Q] = ones\n  param w: [Q, N] = ones\n  out direct = einsum(\"mbk,kn->bmn\", u, w)\n"
    "  param v: [Q, R, M] = ones\n  out swapped = einsum(\"kbm,kn->bnm\", v, w)\n}\n";

static const kp_ein *ein_step(const kp_plan *p, const char *out) {
  int k = cg_find_output(p->g, out);
  CHECK(k >= 0, "no output %s", out);
  if (k < 0) return NULL;
  for (int si = 0; si < p->steps.n; si++)
    if (p->steps.v[si].node == p->g->outs.v[k].node) {
      CHECK(p->steps.v[si].kind == KP_REF && p->steps.v[si].ein, "%s: not a reference step with a descriptor", out);
      return p->steps.v[si].ein;
    }
  CHECK(0, "%s: no step", out);
  return NULL;
}

#define EQ64(what, got, ...)                                                                   \
  do {                                                                                         \
    const int64_t want_[] = {__VA_ARGS__};                                                     \
    for (size_t i_ = 0; i_ < sizeof want_ / sizeof want_[0]; i_++)                             \
      CHECK((got)[i_] == want_[i_], "%s[%zu] = %lld, want %lld", what, i_, (long long)(got)[i_], \
            (long long)want_[i_]);                                                             \
  } while (0)

/* The descriptors of four einsums, derived by hand (labels: the output's from its last axis,
   then the operands' unseen ones, the output labels first; kplan.h kp_ein), and their results. */
static void test_einsums(void) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "eins.xl", ein_src, &d);
  cg_graph *g = file && !d.nerr ? lang_lower(&ar, file, "eins", NULL, 0, NULL, 0, &d) : NULL;
  CHECK(g != NULL, "eins: lowering");
  if (!g) return;
  kp_target t = kp_target_cpu();
  t.contract_flops = 0; /* else these small products are kernels */
  kp_plan *p = kp_build(g, &t);
  const kp_ein *f = ein_step(p, "loops"); /* k is summed over a alone: no GEMM, loops */
  if (f) {
    CHECK(f->nout == 2 && f->nred == 2 && !f->gemm && !f->direct, "loops: %d %d %d %d", f->nout, f->nred, f->gemm,
          f->direct);
    EQ64("loops size", f->size, 5, 3, 4, 2); /* l i j k */
    EQ64("loops sx", f->sx, 0, 8, 1, 4);
    EQ64("loops sy", f->sy, 1, 0, 5, 0);
    EQ64("loops so", f->so, 1, 5, 0, 0);
  }
  f = ein_step(p, "copied"); /* x's M and K strides are 32 and 2: no BLAS layout, copies */
  if (f) {
    CHECK(f->gemm && !f->direct && f->B == 2 && f->M == 16 && f->N == 16 && f->K == 16, "copied: %d %d %lld %lld %lld %lld",
          f->gemm, f->direct, (long long)f->B, (long long)f->M, (long long)f->N, (long long)f->K);
    EQ64("copied size", f->size, 16, 16, 2, 16); /* n m b k */
    EQ64("copied sx", f->sx, 0, 32, 1, 2);
    EQ64("copied sy", f->sy, 1, 0, 256, 16);
    EQ64("copied so", f->so, 1, 16, 256, 0);
    CHECK(f->nb == 1 && f->lb[0] == 2 && f->nm == 1 && f->lm[0] == 1 && f->nn == 1 && f->ln[0] == 0 && f->nk == 1 &&
              f->lk[0] == 3,
          "copied: groups");
  }
  f = ein_step(p, "direct"); /* M = (b, m) breaks the chain: b is a loop label, 3 calls */
  if (f) {
    CHECK(f->gemm && f->direct && !f->swap && f->M == 48 && f->dM == 16 && f->dN == 16 && f->dK == 16 && !f->ta &&
              !f->tb && f->lda == 48 && f->ldb == 16 && f->ldc == 16 && f->nloop == 1 && f->nkloop == 0,
          "direct: descriptor");
    EQ64("direct loop", ((int64_t[]){f->lsize[0], f->lx[0], f->ly[0], f->lo[0]}), 3, 16, 0, 256);
  }
  f = ein_step(p, "swapped"); /* the output is column-major in (m, n): out^T = w^T v^T */
  if (f) {
    CHECK(f->gemm && f->direct && f->swap && f->dM == 16 && f->dN == 16 && f->dK == 16 && f->ta && !f->tb &&
              f->lda == 16 && f->ldb == 48 && f->ldc == 16 && f->nloop == 1 && f->nkloop == 0,
          "swapped: descriptor");
    EQ64("swapped loop", ((int64_t[]){f->lsize[0], f->lx[0], f->ly[0], f->lo[0]}), 3, 16, 0, 256);
  }
  kp_free(p);
  cg_free(g);
  xl_arena_free(&ar);
  xl_options o = xl_options_default();
  o.target = t;
  cvr_opts = &o;
  for (int dt = 0; dt < 2; dt++) {
    xl_exec_stats st;
    memset(&st, 0, sizeof st);
    cvr_run(ein_src, "eins", NULL, 0, dt ? CG_F32 : CG_F64, &st);
    double direct = -1, copied = -1;
    for (int i = 0; i < st.nextra; i++) {
      if (!strcmp(st.extra[i].name, "einsum-blas-direct")) direct = st.extra[i].value;
      if (!strcmp(st.extra[i].name, "einsum-blas-copied")) copied = st.extra[i].value;
    }
    CHECK(direct == 2 && copied == 1, "eins: %g direct, %g copied", direct, copied);
    cvr_run(ein_src, "eins", NULL, 1, dt ? CG_F32 : CG_F64, NULL);
  }
  cvr_opts = NULL;
}

/* ---- interpreter compute steps (kp_fallbacks) ---- */

static void count_fallback(const kp_plan *p, int step, const char *why, void *ud) {
  (void)why;
  const char *op = cg_ops[p->g->nodes.v[p->steps.v[step].node].op].name;
  char *names = ud;
  strncat(names, op, 200 - strlen(names) - 2);
  strncat(names, " ", 200 - strlen(names) - 1);
}

/* which steps run on the interpreter's loops: of the four einsums with contractions as GEMMs
   (contract_flops 0), only "loops" (neither a GEMM nor strided BLAS calls); never a concat
   (a kernel: data-dependent addressing), the leaves, views, kernels and GEMMs of the same graph */
static void test_fallbacks(void) {
  static const char *const src =
      "block fb(T = 4, D = 3) {\n  param a: [T, D] = ones\n  param b: [T, D] = ones\n"
      "  out c = concat(a, b, axis = -1)\n  out s = exp(a) + b\n}\n";
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *f1 = lang_parse(&ar, "fb.xl", src, &d), *f2 = lang_parse(&ar, "eins.xl", ein_src, &d);
  cg_graph *g1 = f1 && !d.nerr ? lang_lower(&ar, f1, "fb", NULL, 0, NULL, 0, &d) : NULL;
  cg_graph *g2 = f2 && !d.nerr ? lang_lower(&ar, f2, "eins", NULL, 0, NULL, 0, &d) : NULL;
  CHECK(g1 && g2, "fallbacks: lowering");
  if (g1 && g2) {
    kp_target t = kp_target_cpu();
    t.contract_flops = 0;
    kp_plan *p1 = kp_build(g1, &t), *p2 = kp_build(g2, &t);
    char n1[200] = "", n2[200] = "";
    int c1 = kp_fallbacks(p1, count_fallback, n1), c2 = kp_fallbacks(p2, count_fallback, n2);
    CHECK(c1 == 0, "fb: %d fallbacks (%s), want none (concat is a kernel)", c1, n1);
    CHECK(c2 == 1 && !strcmp(n2, "einsum "), "eins: %d fallbacks (%s), want the loops einsum", c2, n2);
    CHECK(kp_fallbacks(p2, NULL, NULL) == 1, "eins: count without a callback");
    kp_free(p1);
    kp_free(p2);
  }
  cg_free(g1);
  cg_free(g2);
  xl_arena_free(&ar);
}

/* No interpreter compute step in the forward and gradient plans of the stdlib's models (the
   embedding gather, the loss one_hot, the embedding gradient's scatter_add, the causal conv's
   pad and concat are kernels), the decode entry included. */
static void test_stdlib_no_fallbacks(const ast *file) {
  static const struct {
    const char *entry;
    const char *kv[6];
  } E[] = {
      {"xlstm_lm", {"B=2", "T=16", NULL}},
      {"xlstm_lm", {"B=2", "T=16", "form=\"parallel\"", NULL}},
      {"xlstm_lm_at", {"B=2", "T=12", "P=3", NULL}},
      {"xlstm_large", {"B=2", "T=16", NULL}},
  };
  kp_target t = kp_target_cpu();
  for (size_t i = 0; i < sizeof E / sizeof *E; i++)
    for (int grad = 0; grad < 2; grad++) {
      cg_graph *g = lower_grad(file, E[i].entry, E[i].kv);
      if (!g) continue;
      if (!grad) { /* the forward graph alone: drop the backward (outputs grad.*) by lowering again */
        static xl_arena ar;
        lang_diag d;
        diag_init(&d, stderr);
        lang_set sets[6];
        char keys[6][32];
        int n = 0;
        for (; E[i].kv[n]; n++) {
          const char *eq = strchr(E[i].kv[n], '=');
          snprintf(keys[n], sizeof keys[n], "%.*s", (int)(eq - E[i].kv[n]), E[i].kv[n]);
          sets[n] = (lang_set){keys[n], eq + 1};
        }
        cg_free(g);
        g = lang_lower(&ar, file, E[i].entry, sets, n, NULL, 0, &d);
        if (!g) continue;
      }
      kp_plan *p = kp_build(g, &t);
      char names[200] = "";
      int nf = kp_fallbacks(p, count_fallback, names);
      CHECK(nf == 0, "%s %s (%s): %d interpreter compute steps: %s", E[i].entry, grad ? "grad" : "forward",
            E[i].kv[2] ? E[i].kv[2] : "", nf, names);
      kp_free(p);
      cg_free(g);
    }
}

int main(void) {
  const char *src = getenv("XLC_SOURCE_DIR"), *f = __FILE__, *cut = strstr(f, "tests/unit/");
  char *path = src && *src ? xl_fmt("%s/stdlib/xlstm.xl", src)
                           : xl_fmt("%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  const char *rerr = NULL;
  size_t len = 0;
  char *text = xl_read_file(path, &len, &rerr);
  if (!text) {
    fprintf(stderr, "cannot read %s: %s\n", path, rerr ? rerr : "?");
    free(path);
    return 1;
  }
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, path, text, &d);
  CHECK(d.nerr == 0, "%s does not parse", path);
  if (d.nerr == 0)
    for (int i = 0; i < NENTRIES; i++) run_entry(file, &entries[i]);
  if (d.nerr == 0) test_targets(file, text);
  test_einsums();
  test_fallbacks();
  if (d.nerr == 0) test_stdlib_no_fallbacks(file);
  xl_arena_free(&ar);
  free(text);
  free(path);
  /* with the threshold 1, the thin products (head-wise 4 x 4 blocks, per-head gates) are kernels
     and the others GEMMs */
  CHECK(thin_kernels > 0 && thin_gemms > 0, "threshold 1: %d contraction kernels, %d gemms in all", thin_kernels,
        thin_gemms);
  printf("%s\n", fails ? "test_kplan: FAILED" : "test_kplan: ok");
  return fails != 0;
}
