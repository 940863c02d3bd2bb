/* cg_opt.c - the cg-opt stage: cell-graph optimizations after autodiff, before kernel planning.
 *
 * Input: a verified graph (forward or training). Output: the same graph, rewritten in place,
 * computing the same outputs (names and order kept) from the same top-level INPUT nodes
 * (all kept, used or not: callers bind inputs by name after this stage). Passes (cg.h):
 * FOLD cheap algebraic identities (and sums of padded pieces that tile an axis into a concat),
 * CSE common subexpressions, DCE dead nodes and dead scan
 * results, each recursively inside scan bodies. Nothing here changes a value beyond the sign
 * of a zero (x + 0); it never evaluates a node and never adds one. Ends with cg_verify.
 */
#include <string.h>

#include "cg.h"

int cg_count_nodes(const cg_graph *g) {
  int n = g->nodes.n;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].body) n += cg_count_nodes(g->nodes.v[i].body);
  return n;
}

/* ---- compaction ---- */

static void cg_opt_node_free(cg_node *n) {
  free(n->in);
  free(n->name);
  cg_free(n->body);
}

/* Keeps the nodes with keep[i] (in order), renumbers operands and outputs (all must be kept)
   and, where resmap[s] is set, the result index of every SCAN_OUT of scan s. */
static void cg_opt_compact(cg_graph *g, const char *keep, int *const *resmap) {
  int N = g->nodes.n, m = 0;
  int *nid = xl_malloc(((size_t)N + 1) * sizeof(int));
  for (int i = 0; i < N; i++) nid[i] = keep[i] ? m++ : -1;
  for (int i = 0; i < N; i++) {
    cg_node n = g->nodes.v[i];
    if (!keep[i]) {
      cg_opt_node_free(&n);
      continue;
    }
    if (n.op == CG_OP_SCAN_OUT && resmap && resmap[n.in[0]]) {
      n.a[0] = resmap[n.in[0]][n.a[0]];
      XL_ASSERT(n.a[0] >= 0);
    }
    for (int k = 0; k < n.nin; k++) {
      n.in[k] = nid[n.in[k]];
      XL_ASSERT(n.in[k] >= 0);
    }
    g->nodes.v[nid[i]] = n;
  }
  g->nodes.n = m;
  for (int k = 0; k < g->outs.n; k++) {
    g->outs.v[k].node = nid[g->outs.v[k].node];
    XL_ASSERT(g->outs.v[k].node >= 0);
  }
  free(nid);
}

/* ---- FOLD ---- */

/* 1 and *v if node id is a constant (possibly reshaped or broadcast). */
static int cg_opt_const_val(const cg_graph *g, int id, double *v) {
  for (;;) {
    const cg_node *n = &g->nodes.v[id];
    if (n->op == CG_OP_CONST) {
      *v = n->fval;
      return 1;
    }
    if (n->op != CG_OP_RESHAPE && n->op != CG_OP_BROADCAST && n->op != CG_OP_DETACH) return 0;
    id = n->in[0];
  }
}

/* x may stand for node n: same shape and is_int (broadcasting and integer-ness kept). */
static int cg_opt_same_value_kind(const cg_graph *g, int x, const cg_node *n) {
  const cg_node *xn = &g->nodes.v[x];
  return cg_shape_eq(&xn->shape, &n->shape) && xn->is_int == n->is_int;
}

/* A sum of zero-padded pieces that tile an axis exactly (the gradient of slices: autodiff
   pads each slice's gradient to the whole and adds them) is their concatenation: node id
   (an ADD, the root of a tree of ADDs over PADs) is rewritten in place into a CONCAT of the
   pieces in order. Returns 1 if it was. The values are equal but for the sign of zeros. */
#define CG_OPT_TILE_MAX 16
static int cg_opt_pads_leaves(const cg_graph *g, int id, int *leaf, int *n) {
  const cg_node *x = &g->nodes.v[id];
  if (x->op == CG_OP_PAD) {
    if (*n == CG_OPT_TILE_MAX) return 0;
    leaf[(*n)++] = id;
    return 1;
  }
  if (x->op != CG_OP_ADD) return 0;
  return cg_opt_pads_leaves(g, x->in[0], leaf, n) && cg_opt_pads_leaves(g, x->in[1], leaf, n);
}

static int cg_opt_pads_to_concat(cg_graph *g, int id) {
  cg_node *n = &g->nodes.v[id];
  int leaf[CG_OPT_TILE_MAX], nl = 0;
  if (n->is_int || !cg_opt_pads_leaves(g, n->in[0], leaf, &nl) || !cg_opt_pads_leaves(g, n->in[1], leaf, &nl) ||
      nl < 2)
    return 0;
  int64_t ax = g->nodes.v[leaf[0]].a[0], L = n->shape.d[ax];
  for (int i = 0; i < nl; i++) {
    const cg_node *p = &g->nodes.v[leaf[i]];
    if (p->a[0] != ax || !cg_shape_eq(&p->shape, &n->shape) || p->is_int) return 0;
  }
  for (int i = 1; i < nl; i++) /* by start (insertion sort) */
    for (int j = i; j > 0 && g->nodes.v[leaf[j]].a[1] < g->nodes.v[leaf[j - 1]].a[1]; j--) {
      int t = leaf[j];
      leaf[j] = leaf[j - 1], leaf[j - 1] = t;
    }
  int64_t at = 0;
  for (int i = 0; i < nl; i++) {
    const cg_node *p = &g->nodes.v[leaf[i]];
    if (p->a[1] != at) return 0; /* a gap or an overlap */
    at = L - p->a[2];
  }
  if (at != L) return 0;
  int *in = xl_malloc((size_t)nl * sizeof(int));
  for (int i = 0; i < nl; i++) in[i] = g->nodes.v[leaf[i]].in[0];
  free(n->in);
  n->in = in;
  n->nin = nl;
  n->op = CG_OP_CONCAT;
  memset(n->a, 0, sizeof n->a);
  n->a[0] = ax;
  return 1;
}

/* Returns the node that node id equals (id itself if none); may rewrite node id in place
   to an equivalent cheaper form (reshape/broadcast/transpose of the same op). */
static int cg_opt_fold_one(cg_graph *g, int id) {
  cg_node *n = &g->nodes.v[id];
  int x = n->nin > 0 ? n->in[0] : -1, r = -1;
  double c;
  switch (n->op) {
  case CG_OP_RESHAPE:
    if (g->nodes.v[x].op == CG_OP_RESHAPE) n->in[0] = x = g->nodes.v[x].in[0];
    r = x;
    break;
  case CG_OP_BROADCAST: /* inner dims are 1 or equal to the middle ones: broadcast the inner */
    if (g->nodes.v[x].op == CG_OP_BROADCAST) n->in[0] = x = g->nodes.v[x].in[0];
    r = x;
    break;
  case CG_OP_TRANSPOSE: {
    const cg_node *xn = &g->nodes.v[x];
    if (xn->op == CG_OP_TRANSPOSE) { /* out axis i = x axis a[i] = x's input axis xa[a[i]] */
      int64_t a[CG_MAXRANK];
      for (int i = 0; i < n->shape.rank; i++) a[i] = xn->a[n->a[i]];
      for (int i = 0; i < n->shape.rank; i++) n->a[i] = a[i];
      n->in[0] = x = xn->in[0];
    }
    int ident = 1;
    for (int i = 0; i < n->shape.rank; i++) ident &= n->a[i] == i;
    if (ident) r = x;
    break;
  }
  case CG_OP_SLICE:
    if (n->a[1] == 0 && n->a[2] == g->nodes.v[x].shape.d[n->a[0]]) r = x;
    break;
  case CG_OP_PAD:
    if (n->a[1] == 0 && n->a[2] == 0) r = x;
    break;
  case CG_OP_CONCAT:
    if (n->nin == 1) r = x;
    break;
  case CG_OP_SUM:
  case CG_OP_MAXR: /* reducing only axes of length 1 */
    r = x;         /* shape equality below decides */
    break;
  case CG_OP_DETACH: /* gradients exist already: an identity */
    r = x;
    break;
  case CG_OP_NEG:
    if (g->nodes.v[x].op == CG_OP_NEG) r = g->nodes.v[x].in[0];
    break;
  case CG_OP_MUL:
    if (cg_opt_const_val(g, n->in[1], &c) && c == 1.0) r = n->in[0];
    else if (cg_opt_const_val(g, n->in[0], &c) && c == 1.0) r = n->in[1];
    break;
  case CG_OP_DIV:
    if (cg_opt_const_val(g, n->in[1], &c) && c == 1.0) r = n->in[0];
    break;
  case CG_OP_ADD:
    if (cg_opt_const_val(g, n->in[1], &c) && c == 0.0) r = n->in[0];
    else if (cg_opt_const_val(g, n->in[0], &c) && c == 0.0) r = n->in[1];
    else cg_opt_pads_to_concat(g, id);
    break;
  case CG_OP_SUB:
    if (cg_opt_const_val(g, n->in[1], &c) && c == 0.0) r = n->in[0];
    break;
  default:
    break;
  }
  return r >= 0 && cg_opt_same_value_kind(g, r, n) ? r : id;
}

/* ---- CSE ---- */

static uint64_t cg_opt_mix(uint64_t h, uint64_t v) { return (h ^ v) * 1099511628211ull; }

static uint64_t cg_opt_hash(const cg_node *n) {
  uint64_t h = 14695981039346656037ull, fb;
  memcpy(&fb, &n->fval, sizeof fb);
  h = cg_opt_mix(h, (uint64_t)n->op);
  h = cg_opt_mix(h, (uint64_t)n->nin);
  for (int k = 0; k < n->nin; k++) h = cg_opt_mix(h, (uint64_t)n->in[k]);
  for (int k = 0; k < 24; k++) h = cg_opt_mix(h, (uint64_t)n->a[k]);
  h = cg_opt_mix(h, fb);
  for (int k = 0; k < n->shape.rank; k++) h = cg_opt_mix(h, (uint64_t)n->shape.d[k]);
  return cg_opt_mix(h, (uint64_t)(n->shape.rank * 2 + n->is_int));
}

static int cg_opt_same(const cg_node *a, const cg_node *b) {
  if (a->op != b->op || a->nin != b->nin || a->is_int != b->is_int || !cg_shape_eq(&a->shape, &b->shape))
    return 0;
  if (memcmp(&a->fval, &b->fval, sizeof a->fval) != 0) return 0; /* bitwise: -0 != 0, NaN == NaN */
  if (memcmp(a->a, b->a, sizeof a->a) != 0) return 0;
  return a->nin == 0 || memcmp(a->in, b->in, (size_t)a->nin * sizeof(int)) == 0;
}

/* ---- FOLD + CSE: one forward sweep ---- */

static void cg_opt_sweep(cg_graph *g, unsigned passes, cg_opt_stats *st) {
  int N = g->nodes.n;
  int *repl = xl_malloc(((size_t)N + 1) * sizeof(int));
  size_t cap = 16;
  while (cap < 2 * (size_t)N) cap *= 2;
  int *tab = xl_malloc(cap * sizeof(int));
  for (size_t k = 0; k < cap; k++) tab[k] = -1;
  char *keep = xl_malloc((size_t)N + 1);
  for (int i = 0; i < N; i++) {
    cg_node *n = &g->nodes.v[i];
    repl[i] = i;
    for (int k = 0; k < n->nin; k++) n->in[k] = repl[n->in[k]];
    if (n->op == CG_OP_SCAN) {
      cg_opt_sweep(n->body, passes, st);
      continue;
    }
    if (n->op == CG_OP_INPUT) continue; /* never merged, never folded */
    if (passes & CG_OPT_FOLD) {
      int r = cg_opt_fold_one(g, i);
      if (r != i) {
        repl[i] = r;
        st->folded++;
        continue;
      }
    }
    if (passes & CG_OPT_CSE) {
      size_t h = (size_t)cg_opt_hash(n) & (cap - 1);
      while (tab[h] >= 0 && !cg_opt_same(&g->nodes.v[tab[h]], n)) h = (h + 1) & (cap - 1);
      if (tab[h] >= 0) {
        repl[i] = tab[h];
        st->merged++;
        continue;
      }
      tab[h] = i;
    }
  }
  for (int k = 0; k < g->outs.n; k++) g->outs.v[k].node = repl[g->outs.v[k].node];
  int changed = 0;
  for (int i = 0; i < N; i++) {
    keep[i] = repl[i] == i;
    changed |= !keep[i];
  }
  if (changed) cg_opt_compact(g, keep, NULL);
  free(keep);
  free(tab);
  free(repl);
}

/* ---- DCE ---- */

static void cg_opt_dce(cg_graph *g, int is_body, cg_opt_stats *st);

/* Drops the results of scan `id` that used[] (indexed like the scan's results) does not
   mark, then the body nodes they needed, then the operands the body no longer reads.
   Returns the old -> new result index map (-1: dropped), malloc'd. */
static int *cg_opt_prune_scan(cg_graph *g, int id, const char *used, cg_opt_stats *st) {
  cg_node *n = &g->nodes.v[id];
  cg_graph *b = n->body;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nc = (int)n->a[CG_SCAN_NCONST];
  int S = (int)n->a[CG_SCAN_NSTATE], O = (int)n->a[CG_SCAN_NOUT], save = n->a[CG_SCAN_SAVE] != 0;
  int nres = cg_scan_nresults(n);
  int *map = xl_malloc(((size_t)nres + 1) * sizeof(int));
  for (int k = 0; k < S; k++) map[k] = k; /* carried states stay */
  int O2 = 0;
  for (int k = 0; k < O; k++) {
    if (used[S + k]) {
      b->outs.v[S + O2] = b->outs.v[S + k];
      map[S + k] = S + O2++;
    } else {
      free(b->outs.v[S + k].name);
      map[S + k] = -1;
      st->scan_outs_removed++;
    }
  }
  b->outs.n = S + O2;
  int save2 = 0;
  for (int k = 0; save && k < S; k++) save2 |= used[S + O + k];
  if (save && !save2) st->scan_outs_removed++;
  for (int k = 0; save && k < S; k++) map[S + O + k] = save2 ? S + O2 + k : -1;
  n->a[CG_SCAN_NOUT] = O2;
  n->a[CG_SCAN_SAVE] = save2;

  cg_opt_dce(b, 1, st);

  /* operands: keep what the body still reads (and one sequence, which gives T) */
  int *sseq = xl_malloc(((size_t)nseq + 1) * sizeof(int)), *sc = xl_malloc(((size_t)nc + 1) * sizeof(int));
  for (int k = 0; k < nseq; k++) sseq[k] = -1;
  for (int k = 0; k < nc; k++) sc[k] = -1;
  for (int i = 0; i < b->nodes.n; i++) {
    const cg_node *bi = &b->nodes.v[i];
    if (bi->op != CG_OP_INPUT) continue;
    if (bi->ikind == CG_IN_SEQ) sseq[bi->slot] = 0;
    if (bi->ikind == CG_IN_CONST) sc[bi->slot] = 0;
  }
  int anyseq = 0;
  for (int k = 0; k < nseq; k++) anyseq |= sseq[k] == 0;
  if (!anyseq) sseq[0] = 0;
  int *in = xl_malloc(((size_t)n->nin + 1) * sizeof(int)), m = 0, nseq2 = 0, nc2 = 0;
  for (int k = 0; k < nseq; k++)
    if (sseq[k] == 0) sseq[k] = nseq2++, in[m++] = n->in[k];
  for (int k = 0; k < nc; k++)
    if (sc[k] == 0) sc[k] = nc2++, in[m++] = n->in[nseq + k];
  for (int k = 0; k < S; k++) in[m++] = n->in[nseq + nc + k];
  for (int i = 0; i < b->nodes.n; i++) {
    cg_node *bi = &b->nodes.v[i];
    if (bi->op == CG_OP_INPUT && bi->ikind == CG_IN_SEQ) bi->slot = sseq[bi->slot];
    if (bi->op == CG_OP_INPUT && bi->ikind == CG_IN_CONST) bi->slot = sc[bi->slot];
  }
  st->scan_ins_removed += n->nin - m;
  free(n->in);
  n->in = in;
  n->nin = m;
  n->a[CG_SCAN_NSEQ] = nseq2;
  n->a[CG_SCAN_NCONST] = nc2;
  free(sseq);
  free(sc);
  return map;
}

/* Removes what no output needs (top level: INPUT nodes always stay). */
static void cg_opt_dce(cg_graph *g, int is_body, cg_opt_stats *st) {
  int N = g->nodes.n;
  char *live = xl_calloc((size_t)N + 1, 1);
  char **used = xl_calloc((size_t)N + 1, sizeof(char *)); /* per scan: results read */
  int **resmap = xl_calloc((size_t)N + 1, sizeof(int *));
  for (int k = 0; k < g->outs.n; k++) live[g->outs.v[k].node] = 1;
  for (int i = 0; i < N && !is_body; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT) live[i] = 1;
  for (int i = N - 1; i >= 0; i--) {
    if (!live[i]) continue;
    cg_node *n = &g->nodes.v[i];
    if (n->op == CG_OP_SCAN_OUT) {
      int s = n->in[0];
      if (!used[s]) used[s] = xl_calloc((size_t)cg_scan_nresults(&g->nodes.v[s]) + 1, 1);
      used[s][n->a[0]] = 1;
    }
    if (n->op == CG_OP_SCAN) {
      XL_ASSERT(used[i]); /* live only through its scan_out nodes */
      resmap[i] = cg_opt_prune_scan(g, i, used[i], st);
    }
    for (int k = 0; k < n->nin; k++) live[n->in[k]] = 1;
  }
  int changed = 0;
  for (int i = 0; i < N; i++) changed |= !live[i] || resmap[i];
  if (changed) cg_opt_compact(g, live, resmap);
  for (int i = 0; i < N; i++) {
    free(used[i]);
    free(resmap[i]);
  }
  free(used);
  free(resmap);
  free(live);
}

/* ---- the stage ---- */

int cg_optimize_passes(cg_graph *g, unsigned passes, cg_opt_stats *st, char **err) {
  cg_opt_stats local;
  if (!st) st = &local;
  memset(st, 0, sizeof *st);
  st->nodes_before = cg_count_nodes(g);
  if (passes & (CG_OPT_FOLD | CG_OPT_CSE)) cg_opt_sweep(g, passes, st);
  if (passes & CG_OPT_DCE) {
    int before = cg_count_nodes(g);
    cg_opt_dce(g, 0, st);
    st->dead = before - cg_count_nodes(g);
  }
  st->nodes_after = cg_count_nodes(g);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  int bad = cg_verify(g, mem);
  if (mem) fclose(mem);
  if (bad && err) *err = xl_fmt("cg-opt: the optimized graph fails verification (%d problems):\n%s", bad, buf ? buf : "");
  free(buf);
  return bad ? -1 : 0;
}

int cg_optimize(cg_graph *g, cg_opt_stats *st, char **err) { return cg_optimize_passes(g, CG_OPT_ALL, st, err); }
