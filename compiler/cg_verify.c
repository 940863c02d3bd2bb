/* cg_verify.c - the cell-graph verifier, run at every stage boundary in debug builds.
 *
 * Checks that operand ids are in range and earlier than the node (topological order, no
 * cycles), arities, shapes (each equal to cg_infer_shape's), is_int consistency, scan bodies
 * (input kinds, slots and shapes against the outer operands, output count and state shapes;
 * verified recursively) and unique INPUT and output names. Each problem is printed as
 * `cg_verify: %<id> <op>: problem` (body problems are prefixed by the scan); it never fixes
 * anything and never aborts.
 */
#include <stdarg.h>
#include <string.h>

#include "cg.h"

typedef struct {
  FILE *err;
  int count;
  const char *prefix; /* "" or "%5 scan body: " (nested) */
} vctx;

static void problem(vctx *v, int id, const cg_node *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(vctx *v, int id, const cg_node *n, const char *fmt, ...) {
  v->count++;
  if (!v->err) return;
  va_list ap;
  va_start(ap, fmt);
  if (n && (unsigned)n->op < CG_OP_COUNT) fprintf(v->err, "cg_verify: %s%%%d %s: ", v->prefix, id, cg_ops[n->op].name);
  else if (n) fprintf(v->err, "cg_verify: %s%%%d ?: ", v->prefix, id);
  else fprintf(v->err, "cg_verify: %s", v->prefix);
  vfprintf(v->err, fmt, ap);
  fputc('\n', v->err);
  va_end(ap);
}

static void shape_str(const cg_shape *s, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < s->rank && i < CG_MAXRANK && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%lld", i ? ", " : "", (long long)s->d[i]);
  if (k < len) snprintf(buf + k, len - k, "]");
}

static int shape_ok(const cg_shape *s) {
  if (s->rank < 0 || s->rank > CG_MAXRANK) return 0;
  for (int i = 0; i < s->rank; i++)
    if (s->d[i] < 0) return 0;
  return 1;
}

static int is_body_kind(cg_ikind k) { return k == CG_IN_SEQ || k == CG_IN_CONST || k == CG_IN_BSTATE; }

static void verify_graph(const cg_graph *g, vctx *v, int is_body);

/* Checks a scan node's body against its operands (the node's own shape rules passed). */
static void verify_scan(const cg_graph *g, int id, vctx *v) {
  const cg_node *n = &g->nodes.v[id];
  const cg_graph *b = n->body;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nc = (int)n->a[CG_SCAN_NCONST];
  int S = (int)n->a[CG_SCAN_NSTATE], O = (int)n->a[CG_SCAN_NOUT], axis = (int)n->a[CG_SCAN_AXIS];
  char b1[128], b2[128];

  char *pre = xl_fmt("%s%%%d scan body: ", v->prefix, id);
  vctx inner = {v->err, 0, pre};
  verify_graph(b, &inner, 1);
  free(pre);
  v->count += inner.count;
  if (inner.count) return; /* the checks below index the body */

  int seen[3][64];
  memset(seen, 0, sizeof seen);
  for (int i = 0; i < b->nodes.n; i++) {
    const cg_node *bi = &b->nodes.v[i];
    if (bi->op != CG_OP_INPUT) continue;
    int grp = bi->ikind == CG_IN_SEQ ? 0 : bi->ikind == CG_IN_CONST ? 1 : 2;
    int lim = grp == 0 ? nseq : grp == 1 ? nc : S;
    if (bi->slot < 0 || bi->slot >= lim) {
      problem(v, id, n, "body input %%%d kind %s slot %d out of range [0, %d)", i,
              grp == 0 ? "seq" : grp == 1 ? "const" : "bstate", bi->slot, lim);
      continue;
    }
    if (bi->slot < 64) {
      if (seen[grp][bi->slot]) problem(v, id, n, "body input %%%d: slot %d of its kind used twice", i, bi->slot);
      seen[grp][bi->slot] = 1;
    }
    int outer = n->in[grp == 0 ? bi->slot : grp == 1 ? nseq + bi->slot : nseq + nc + bi->slot];
    cg_shape want = g->nodes.v[outer].shape;
    if (grp == 0) { /* the sequence minus its step axis */
      for (int k = axis; k + 1 < want.rank; k++) want.d[k] = want.d[k + 1];
      want.rank--;
    }
    if (!cg_shape_eq(&want, &bi->shape)) {
      shape_str(&bi->shape, b1, sizeof b1), shape_str(&want, b2, sizeof b2);
      problem(v, id, n, "body input %%%d has shape %s, operand %%%d gives %s", i, b1, outer, b2);
    }
  }
  if (b->outs.n != S + O) {
    problem(v, id, n, "body has %d outputs, nstate + nout = %d", b->outs.n, S + O);
    return;
  }
  for (int k = 0; k < S + O; k++) {
    const cg_shape *bs = &b->nodes.v[b->outs.v[k].node].shape;
    if (k < S) {
      const cg_shape *ss = &g->nodes.v[n->in[nseq + nc + k]].shape;
      if (!cg_shape_eq(bs, ss)) {
        shape_str(bs, b1, sizeof b1), shape_str(ss, b2, sizeof b2);
        problem(v, id, n, "new state %d has shape %s, the state %s", k, b1, b2);
      }
    } else if (axis > bs->rank || bs->rank + 1 > CG_MAXRANK) {
      problem(v, id, n, "per-step output %d of rank %d cannot be stacked at axis %d", k - S, bs->rank, axis);
    }
  }
}

static void verify_node(const cg_graph *g, int id, vctx *v, int is_body) {
  const cg_node *n = &g->nodes.v[id];
  char b1[128], b2[128], why[256];
  if ((unsigned)n->op >= CG_OP_COUNT) {
    problem(v, id, n, "bad op %d", (int)n->op);
    return;
  }
  int ar = cg_ops[n->op].arity;
  if (n->nin < 0 || (ar >= 0 && n->nin != ar) || (ar < 0 && n->nin < 1)) {
    problem(v, id, n, "%d operands, %d expected", n->nin, ar);
    return;
  }
  if (n->nin > 0 && !n->in) {
    problem(v, id, n, "no operand array");
    return;
  }
  int bad = 0;
  for (int k = 0; k < n->nin; k++)
    if (n->in[k] < 0 || n->in[k] >= id) {
      problem(v, id, n, "operand %d is %%%d, not an earlier node", k, n->in[k]);
      bad = 1;
    }
  if (bad) return;
  if (!shape_ok(&n->shape)) {
    problem(v, id, n, "malformed shape (rank %d)", n->shape.rank);
    return;
  }
  if (n->op == CG_OP_INPUT) {
    if (!n->name) problem(v, id, n, "input without a name");
    if ((unsigned)n->ikind > CG_IN_BSTATE) problem(v, id, n, "bad input kind %d", (int)n->ikind);
    else if (is_body && !is_body_kind(n->ikind))
      problem(v, id, n, "input of kind %d inside a scan body (only seq, const, bstate)", (int)n->ikind);
    else if (!is_body && is_body_kind(n->ikind)) problem(v, id, n, "scan body input outside a scan");
  }
  if (n->op == CG_OP_SCAN && !n->body) {
    problem(v, id, n, "scan without a body");
    return;
  }
  if (n->op == CG_OP_SCAN) {
    /* its own shape rule first: counts and sequence lengths */
    cg_shape s;
    if (cg_infer_shape_why(g, n, &s, why, sizeof why)) {
      problem(v, id, n, "%s", why);
      return;
    }
    verify_scan(g, id, v);
    if (n->shape.rank != 0) problem(v, id, n, "a scan node has shape [], not rank %d", n->shape.rank);
    return;
  }
  cg_shape s;
  if (cg_infer_shape_why(g, n, &s, why, sizeof why)) {
    problem(v, id, n, "%s", why);
    return;
  }
  if (!cg_shape_eq(&s, &n->shape)) {
    shape_str(&n->shape, b1, sizeof b1), shape_str(&s, b2, sizeof b2);
    problem(v, id, n, "shape %s, operands give %s", b1, b2);
  }
  int want = cg_infer_int(g, n);
  if (n->is_int != want) problem(v, id, n, "is_int %d, expected %d", n->is_int, want);
  int ix = n->op == CG_OP_GATHER || n->op == CG_OP_SCATTER_ADD ? 1 : n->op == CG_OP_ONE_HOT ? 0 : -1;
  if (ix >= 0 && !g->nodes.v[n->in[ix]].is_int) problem(v, id, n, "index operand %%%d is not is_int", n->in[ix]);
  if (n->op == CG_OP_SCATTER_ADD && g->nodes.v[n->in[0]].is_int)
    problem(v, id, n, "scatter_add of integer values");
}

static void verify_graph(const cg_graph *g, vctx *v, int is_body) {
  for (int i = 0; i < g->nodes.n; i++) verify_node(g, i, v, is_body);
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *a = &g->nodes.v[i];
    if (a->op != CG_OP_INPUT || !a->name || !a->name[0]) continue;
    for (int j = 0; j < i; j++) {
      const cg_node *b = &g->nodes.v[j];
      if (b->op == CG_OP_INPUT && b->name && strcmp(a->name, b->name) == 0) {
        problem(v, i, a, "input name \"%s\" already used by %%%d", a->name, j);
        break;
      }
    }
  }
  for (int k = 0; k < g->outs.n; k++) {
    const cg_output *o = &g->outs.v[k];
    const char *nm = o->name ? o->name : "";
    if (o->node < 0 || o->node >= g->nodes.n) {
      problem(v, 0, NULL, "output \"%s\": node %%%d out of range", nm, o->node);
      continue;
    }
    if (!is_body && !nm[0]) problem(v, 0, NULL, "output #%d has no name", k);
    if (!nm[0]) continue;
    for (int j = 0; j < k; j++)
      if (g->outs.v[j].name && strcmp(g->outs.v[j].name, nm) == 0) {
        problem(v, 0, NULL, "output name \"%s\" used twice", nm);
        break;
      }
    if (g->nodes.v[o->node].op == CG_OP_SCAN) problem(v, 0, NULL, "output \"%s\" is a scan node, not a value", nm);
  }
}

int cg_verify(const cg_graph *g, FILE *err) {
  vctx v = {err, 0, ""};
  verify_graph(g, &v, 0);
  return v.count;
}
