/* cg.c - the cell graph builder: the op table, graph lifetime (new/free/deep clone), shape
 * helpers, shape and is_int inference for every op, and the convenience builders.
 *
 * Input: calls from the lowering and from autodiff. Output: a graph in topological order
 * whose every node has a concrete shape. Inconsistent shapes are internal errors
 * (XL_ASSERT): the lowering checks user shapes before it emits. This file never evaluates.
 */
#include <stdarg.h>
#include <string.h>

#include "cg.h"

const cg_opinfo cg_ops[CG_OP_COUNT] = {
#define X(e, s, ar, k, kir, b, g) {s, ar, k, b, g},
#include "ops.def"
#undef X
};

/* ---- lifetime ---- */

cg_graph *cg_new(void) { return xl_calloc(1, sizeof(cg_graph)); }

static void node_fini(cg_node *n) {
  free(n->in);
  free(n->name);
  cg_free(n->body);
}

void cg_free(cg_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->nodes.n; i++) node_fini(&g->nodes.v[i]);
  free(g->nodes.v);
  for (int i = 0; i < g->outs.n; i++) free(g->outs.v[i].name);
  free(g->outs.v);
  free(g);
}

cg_graph *cg_clone(const cg_graph *g) {
  cg_graph *c = cg_new();
  for (int i = 0; i < g->nodes.n; i++) {
    cg_node n = g->nodes.v[i];
    if (n.nin > 0) {
      n.in = xl_malloc((size_t)n.nin * sizeof(int));
      memcpy(n.in, g->nodes.v[i].in, (size_t)n.nin * sizeof(int));
    } else {
      n.in = NULL;
    }
    n.name = n.name ? xl_strdup(n.name) : NULL;
    n.body = n.body ? cg_clone(n.body) : NULL;
    xl_vec_push(c->nodes, n);
  }
  for (int i = 0; i < g->outs.n; i++) {
    cg_output o = {xl_strdup(g->outs.v[i].name ? g->outs.v[i].name : ""), g->outs.v[i].node};
    xl_vec_push(c->outs, o);
  }
  return c;
}

/* ---- shapes ---- */

int64_t cg_numel(const cg_shape *s) {
  int64_t n = 1; /* the lowering keeps every shape at most 2^40 elements */
  for (int i = 0; i < s->rank; i++) XL_ASSERT(!__builtin_mul_overflow(n, s->d[i], &n));
  return n;
}

cg_shape cg_shape_of(int rank, const int64_t *d) {
  cg_shape s;
  memset(&s, 0, sizeof s);
  XL_ASSERT(rank >= 0 && rank <= CG_MAXRANK);
  s.rank = rank;
  for (int i = 0; i < rank; i++) s.d[i] = d[i];
  return s;
}

int cg_shape_eq(const cg_shape *a, const cg_shape *b) {
  if (a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->d[i] != b->d[i]) return 0;
  return 1;
}

int cg_scan_nresults(const cg_node *n) {
  int64_t s = n->a[CG_SCAN_NSTATE], o = n->a[CG_SCAN_NOUT];
  return (int)(s + o + (n->a[CG_SCAN_SAVE] ? s : 0));
}

/* ---- shape inference ---- */

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...) {
  if (why && len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static const cg_shape *in_shape(const cg_graph *g, const cg_node *n, int k) {
  return &g->nodes.v[n->in[k]].shape;
}

/* Broadcast b into *acc (equal rank, dims equal or 1). */
static int bcast2(cg_shape *acc, const cg_shape *b) {
  if (acc->rank != b->rank) return -1;
  for (int i = 0; i < acc->rank; i++) {
    if (acc->d[i] == b->d[i]) continue;
    if (acc->d[i] == 1) acc->d[i] = b->d[i];
    else if (b->d[i] != 1) return -1;
  }
  return 0;
}

static void shape_str(const cg_shape *s, char *buf, size_t len) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, len - k, "[");
  for (int i = 0; i < s->rank && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%lld", i ? ", " : "", (long long)s->d[i]);
  if (k < len) snprintf(buf + k, len - k, "]");
}

/* Einsum label codes: letters -> 1..52, 0 = none. */
static int label_code(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a' + 1;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 27;
  return 0;
}

static int einsum_rank(const int64_t *lab) {
  int r = 0;
  while (r < 8 && lab[r]) r++;
  return r;
}

static int infer_einsum(const cg_graph *g, const cg_node *n, cg_shape *out, char *why, size_t wl) {
  int64_t size[53];
  for (int i = 0; i < 53; i++) size[i] = -1;
  for (int k = 0; k < 2; k++) {
    const int64_t *lab = n->a + 8 * k;
    const cg_shape *s = in_shape(g, n, k);
    int r = einsum_rank(lab);
    if (r != s->rank) return fail(why, wl, "einsum operand %d has %d labels but rank %d", k, r, s->rank);
    for (int i = 0; i < r; i++) {
      if (lab[i] < 1 || lab[i] > 52) return fail(why, wl, "bad einsum label code %lld", (long long)lab[i]);
      if (size[lab[i]] >= 0 && size[lab[i]] != s->d[i])
        return fail(why, wl, "einsum label used with sizes %lld and %lld", (long long)size[lab[i]],
                    (long long)s->d[i]);
      size[lab[i]] = s->d[i];
    }
  }
  const int64_t *lo = n->a + 16;
  int r = einsum_rank(lo);
  out->rank = r;
  for (int i = 0; i < r; i++) {
    if (lo[i] < 1 || lo[i] > 52 || size[lo[i]] < 0)
      return fail(why, wl, "einsum output label %d not in an operand", i);
    for (int j = 0; j < i; j++)
      if (lo[j] == lo[i]) return fail(why, wl, "einsum output label repeated");
    out->d[i] = size[lo[i]];
  }
  return 0;
}

static int infer_scan_out(const cg_graph *g, const cg_node *n, cg_shape *out, char *why, size_t wl) {
  const cg_node *s = &g->nodes.v[n->in[0]];
  if (s->op != CG_OP_SCAN) return fail(why, wl, "operand is not a scan");
  if (!s->body) return fail(why, wl, "scan has no body");
  int64_t k = n->a[0], S = s->a[CG_SCAN_NSTATE], O = s->a[CG_SCAN_NOUT];
  int64_t nseq = s->a[CG_SCAN_NSEQ], nconst = s->a[CG_SCAN_NCONST], axis = s->a[CG_SCAN_AXIS];
  if (k < 0 || k >= cg_scan_nresults(s)) return fail(why, wl, "result #%lld out of range", (long long)k);
  if (nseq < 1 || s->nin != nseq + nconst + S) return fail(why, wl, "malformed scan");
  const cg_shape *st = NULL;
  if (k < S) {
    *out = g->nodes.v[s->in[nseq + nconst + k]].shape;
    return 0;
  }
  if (k < S + O) {
    if (s->body->outs.n != S + O) return fail(why, wl, "scan body has %d outputs, %lld expected",
                                              s->body->outs.n, (long long)(S + O));
    int bo = s->body->outs.v[k].node;
    if (bo < 0 || bo >= s->body->nodes.n) return fail(why, wl, "scan body output out of range");
    st = &s->body->nodes.v[bo].shape;
  } else {
    st = &g->nodes.v[s->in[nseq + nconst + (k - S - O)]].shape;
  }
  const cg_shape *seq0 = &g->nodes.v[s->in[0]].shape;
  if (axis < 0 || axis >= seq0->rank) return fail(why, wl, "scan axis out of range");
  if (axis > st->rank || st->rank + 1 > CG_MAXRANK) return fail(why, wl, "cannot stack along the scan axis");
  out->rank = st->rank + 1;
  for (int i = 0, j = 0; i < out->rank; i++) out->d[i] = i == axis ? seq0->d[axis] : st->d[j++];
  return 0;
}

int cg_infer_shape_why(const cg_graph *g, const cg_node *n, cg_shape *out, char *why, size_t wl) {
  char b1[96], b2[96];
  memset(out, 0, sizeof *out);
  int ar = cg_ops[n->op].arity;
  if (ar >= 0 && n->nin != ar) return fail(why, wl, "%d operands, %d expected", n->nin, ar);
  switch (n->op) {
  case CG_OP_INPUT:
  case CG_OP_CONST:
    *out = n->shape;
    return 0;
  case CG_OP_TRIL:
    *out = n->shape;
    if (out->rank < 2 || out->d[out->rank - 1] != out->d[out->rank - 2])
      return fail(why, wl, "tril needs a shape [..., T, T]");
    return 0;
  case CG_OP_SUM:
  case CG_OP_MAXR: {
    *out = *in_shape(g, n, 0);
    if (n->a[0] < 0 || (n->a[0] >> out->rank) != 0)
      return fail(why, wl, "axis mask 0x%llx beyond rank %d", (long long)n->a[0], out->rank);
    for (int i = 0; i < out->rank; i++)
      if (n->a[0] >> i & 1) out->d[i] = 1;
    return 0;
  }
  case CG_OP_BROADCAST: {
    const cg_shape *x = in_shape(g, n, 0);
    *out = n->shape;
    if (x->rank != out->rank) return fail(why, wl, "broadcast changes rank");
    for (int i = 0; i < x->rank; i++)
      if (x->d[i] != out->d[i] && x->d[i] != 1) {
        shape_str(x, b1, sizeof b1), shape_str(out, b2, sizeof b2);
        return fail(why, wl, "cannot broadcast %s to %s", b1, b2);
      }
    return 0;
  }
  case CG_OP_EINSUM:
    return infer_einsum(g, n, out, why, wl);
  case CG_OP_RESHAPE:
    *out = n->shape;
    if (cg_numel(out) != cg_numel(in_shape(g, n, 0))) {
      shape_str(in_shape(g, n, 0), b1, sizeof b1), shape_str(out, b2, sizeof b2);
      return fail(why, wl, "reshape %s to %s changes the element count", b1, b2);
    }
    return 0;
  case CG_OP_TRANSPOSE: {
    const cg_shape *x = in_shape(g, n, 0);
    int seen[CG_MAXRANK] = {0};
    out->rank = x->rank;
    for (int i = 0; i < x->rank; i++) {
      int64_t p = n->a[i];
      if (p < 0 || p >= x->rank || seen[p]) return fail(why, wl, "bad permutation");
      seen[p] = 1;
      out->d[i] = x->d[p];
    }
    return 0;
  }
  case CG_OP_SLICE: {
    *out = *in_shape(g, n, 0);
    int64_t ax = n->a[0], st = n->a[1], len = n->a[2];
    if (ax < 0 || ax >= out->rank) return fail(why, wl, "slice axis %lld out of range", (long long)ax);
    if (st < 0 || len < 0 || st + len > out->d[ax])
      return fail(why, wl, "slice [%lld, %lld) out of [0, %lld)", (long long)st, (long long)(st + len),
                  (long long)out->d[ax]);
    out->d[ax] = len;
    return 0;
  }
  case CG_OP_CUMSUM:
  case CG_OP_LOGCUMSUMEXP:
    *out = *in_shape(g, n, 0);
    if (n->a[0] < 0 || n->a[0] >= out->rank) return fail(why, wl, "axis %lld out of range", (long long)n->a[0]);
    if (n->a[1] != 0 && n->a[1] != 1) return fail(why, wl, "reverse %lld is not 0 or 1", (long long)n->a[1]);
    return 0;
  case CG_OP_PAD: {
    *out = *in_shape(g, n, 0);
    int64_t ax = n->a[0];
    if (ax < 0 || ax >= out->rank) return fail(why, wl, "pad axis %lld out of range", (long long)ax);
    if (n->a[1] < 0 || n->a[2] < 0) return fail(why, wl, "negative padding");
    out->d[ax] += n->a[1] + n->a[2];
    return 0;
  }
  case CG_OP_CONCAT: {
    if (n->nin < 1) return fail(why, wl, "concat of nothing");
    *out = *in_shape(g, n, 0);
    int64_t ax = n->a[0];
    if (ax < 0 || ax >= out->rank) return fail(why, wl, "concat axis %lld out of range", (long long)ax);
    for (int k = 1; k < n->nin; k++) {
      const cg_shape *s = in_shape(g, n, k);
      if (s->rank != out->rank) return fail(why, wl, "concat operand %d has another rank", k);
      for (int i = 0; i < s->rank; i++)
        if (i != ax && s->d[i] != out->d[i]) return fail(why, wl, "concat operand %d: dim %d differs", k, i);
      out->d[ax] += s->d[ax];
    }
    return 0;
  }
  case CG_OP_GATHER: {
    const cg_shape *t = in_shape(g, n, 0), *ix = in_shape(g, n, 1);
    if (t->rank < 1) return fail(why, wl, "gather table of rank 0");
    if (ix->rank + t->rank - 1 > CG_MAXRANK) return fail(why, wl, "gather result rank too large");
    out->rank = ix->rank + t->rank - 1;
    for (int i = 0; i < ix->rank; i++) out->d[i] = ix->d[i];
    for (int i = 1; i < t->rank; i++) out->d[ix->rank + i - 1] = t->d[i];
    return 0;
  }
  case CG_OP_SCATTER_ADD: {
    const cg_shape *x = in_shape(g, n, 0), *ix = in_shape(g, n, 1);
    *out = n->shape;
    if (x->rank < ix->rank || out->rank != 1 + x->rank - ix->rank)
      return fail(why, wl, "scatter_add ranks do not fit");
    for (int i = 0; i < ix->rank; i++)
      if (x->d[i] != ix->d[i]) return fail(why, wl, "scatter_add index dim %d differs", i);
    for (int i = 1; i < out->rank; i++)
      if (out->d[i] != x->d[ix->rank + i - 1]) return fail(why, wl, "scatter_add row dim %d differs", i);
    return 0;
  }
  case CG_OP_ONE_HOT: {
    const cg_shape *ix = in_shape(g, n, 0);
    if (ix->rank + 1 > CG_MAXRANK) return fail(why, wl, "one_hot rank too large");
    if (n->a[0] < 1) return fail(why, wl, "one_hot of %lld classes", (long long)n->a[0]);
    *out = *ix;
    out->d[out->rank++] = n->a[0];
    return 0;
  }
  case CG_OP_DETACH:
    *out = *in_shape(g, n, 0);
    return 0;
  case CG_OP_SCAN: {
    int64_t nseq = n->a[CG_SCAN_NSEQ], nc = n->a[CG_SCAN_NCONST], ns = n->a[CG_SCAN_NSTATE];
    int64_t ax = n->a[CG_SCAN_AXIS];
    if (nseq < 1 || nc < 0 || ns < 0 || n->a[CG_SCAN_NOUT] < 0) return fail(why, wl, "bad scan counts");
    if (n->nin != nseq + nc + ns) return fail(why, wl, "%d operands, %lld expected", n->nin, (long long)(nseq + nc + ns));
    if (!n->body) return fail(why, wl, "scan without a body");
    const cg_shape *s0 = in_shape(g, n, 0);
    if (ax < 0 || ax >= s0->rank) return fail(why, wl, "scan axis %lld out of range", (long long)ax);
    for (int k = 1; k < nseq; k++) {
      const cg_shape *s = in_shape(g, n, k);
      if (ax >= s->rank || s->d[ax] != s0->d[ax]) return fail(why, wl, "sequence %d has another length", k);
    }
    return 0; /* rank 0 */
  }
  case CG_OP_SCAN_OUT:
    return infer_scan_out(g, n, out, why, wl);
  case CG_OP_WHERE:
  default: {
    /* unary, binary, where: elementwise with broadcasting */
    XL_ASSERT(n->op == CG_OP_WHERE || cg_ops[n->op].kind == CG_K_UNARY || cg_ops[n->op].kind == CG_K_BINARY);
    *out = *in_shape(g, n, 0);
    for (int k = 1; k < n->nin; k++)
      if (bcast2(out, in_shape(g, n, k))) {
        shape_str(in_shape(g, n, 0), b1, sizeof b1), shape_str(in_shape(g, n, k), b2, sizeof b2);
        return fail(why, wl, "operands %s and %s do not broadcast", b1, b2);
      }
    return 0;
  }
  }
}

int cg_infer_shape(const cg_graph *g, const cg_node *n, cg_shape *out) {
  return cg_infer_shape_why(g, n, out, NULL, 0);
}

int cg_infer_int(const cg_graph *g, const cg_node *n) {
  switch (n->op) {
  case CG_OP_INPUT:
  case CG_OP_CONST:
    return n->is_int;
  case CG_OP_RESHAPE:
  case CG_OP_BROADCAST:
  case CG_OP_TRANSPOSE:
  case CG_OP_SLICE:
  case CG_OP_PAD:
  case CG_OP_DETACH:
  case CG_OP_GATHER:
    return g->nodes.v[n->in[0]].is_int;
  case CG_OP_CONCAT:
    for (int k = 0; k < n->nin; k++)
      if (!g->nodes.v[n->in[k]].is_int) return 0;
    return 1;
  case CG_OP_SCAN_OUT: {
    const cg_node *s = &g->nodes.v[n->in[0]];
    int64_t k = n->a[0], S = s->a[CG_SCAN_NSTATE], O = s->a[CG_SCAN_NOUT];
    int64_t base = s->a[CG_SCAN_NSEQ] + s->a[CG_SCAN_NCONST];
    if (k < S) return g->nodes.v[s->in[base + k]].is_int;
    if (k < S + O) return s->body->nodes.v[s->body->outs.v[k].node].is_int;
    return g->nodes.v[s->in[base + k - S - O]].is_int;
  }
  default:
    return 0;
  }
}

/* ---- building ---- */

static int shape_given(cg_op op) {
  return op == CG_OP_INPUT || op == CG_OP_CONST || op == CG_OP_TRIL || op == CG_OP_RESHAPE || op == CG_OP_BROADCAST ||
         op == CG_OP_SCATTER_ADD;
}

int cg_add_node(cg_graph *g, const cg_node *proto) {
  cg_node n = *proto;
  int id = g->nodes.n;
  XL_ASSERT(n.op >= 0 && n.op < CG_OP_COUNT);
  XL_ASSERT(n.nin >= 0);
  if (n.nin > 0) {
    n.in = xl_malloc((size_t)n.nin * sizeof(int));
    memcpy(n.in, proto->in, (size_t)n.nin * sizeof(int));
  } else {
    n.in = NULL;
  }
  for (int k = 0; k < n.nin; k++) XL_ASSERT(n.in[k] >= 0 && n.in[k] < id);
  n.name = proto->name ? xl_strdup(proto->name) : NULL;
  cg_shape s;
  char why[200];
  if (cg_infer_shape_why(g, &n, &s, why, sizeof why)) {
    fprintf(stderr, "cg_add: %%%d %s: %s\n", id, cg_ops[n.op].name, why);
    XL_ASSERT(!"cg_add: inconsistent shapes");
  }
  n.shape = s;
  n.is_int = cg_infer_int(g, &n);
  xl_vec_push(g->nodes, n);
  return id;
}

static int has_attrs(cg_op op) {
  switch (op) {
  case CG_OP_SUM: case CG_OP_MAXR: case CG_OP_EINSUM: case CG_OP_TRANSPOSE: case CG_OP_SLICE:
  case CG_OP_CUMSUM: case CG_OP_LOGCUMSUMEXP:
  case CG_OP_PAD: case CG_OP_CONCAT: case CG_OP_ONE_HOT: case CG_OP_SCAN: case CG_OP_SCAN_OUT:
    return 1;
  default:
    return 0;
  }
}

int cg_add(cg_graph *g, cg_op op, int nin, const int *in, const cg_shape *shape, xl_loc loc) {
  cg_node n;
  memset(&n, 0, sizeof n);
  n.op = op;
  n.nin = nin;
  n.in = (int *)in;
  n.loc = loc;
  if (shape_given(op)) {
    XL_ASSERT(shape);
    n.shape = *shape;
  }
  if (has_attrs(op)) {
    /* attributes come later from the caller: store the given shape unchecked */
    XL_ASSERT(shape);
    int id = g->nodes.n;
    n.in = nin ? xl_malloc((size_t)nin * sizeof(int)) : NULL;
    for (int k = 0; k < nin; k++) {
      XL_ASSERT(in[k] >= 0 && in[k] < id);
      n.in[k] = in[k];
    }
    n.shape = *shape;
    xl_vec_push(g->nodes, n);
    return id;
  }
  int id = cg_add_node(g, &n);
  if (shape && !shape_given(op)) XL_ASSERT(cg_shape_eq(shape, &g->nodes.v[id].shape));
  return id;
}

static cg_node proto(cg_op op, int nin, const int *in) {
  cg_node n;
  memset(&n, 0, sizeof n);
  n.op = op;
  n.nin = nin;
  n.in = (int *)in;
  return n;
}

/* Node ids built by helpers inherit the location of their first operand. */
static xl_loc loc_of(const cg_graph *g, int x) { return g->nodes.v[x].loc; }

int cg_input(cg_graph *g, cg_ikind k, const char *name, int slot, cg_shape shape, xl_loc loc) {
  cg_node n = proto(CG_OP_INPUT, 0, NULL);
  n.ikind = k;
  n.name = (char *)(name ? name : "");
  n.slot = slot;
  n.shape = shape;
  n.loc = loc;
  return cg_add_node(g, &n);
}

int cg_const(cg_graph *g, double v, cg_shape shape) {
  cg_node n = proto(CG_OP_CONST, 0, NULL);
  n.fval = v;
  n.shape = shape;
  return cg_add_node(g, &n);
}

int cg_unary(cg_graph *g, cg_op op, int x) {
  XL_ASSERT(cg_ops[op].kind == CG_K_UNARY || op == CG_OP_DETACH);
  cg_node n = proto(op, 1, &x);
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_binary(cg_graph *g, cg_op op, int x, int y) {
  XL_ASSERT(cg_ops[op].kind == CG_K_BINARY);
  int in[2] = {x, y};
  cg_node n = proto(op, 2, in);
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_where(cg_graph *g, int c, int a, int b) {
  int in[3] = {c, a, b};
  cg_node n = proto(CG_OP_WHERE, 3, in);
  n.loc = loc_of(g, a);
  return cg_add_node(g, &n);
}

static int reduce(cg_graph *g, cg_op op, int x, unsigned mask) {
  if (mask == 0) return x;
  cg_node n = proto(op, 1, &x);
  n.a[0] = mask;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_sum(cg_graph *g, int x, unsigned axes_mask) { return reduce(g, CG_OP_SUM, x, axes_mask); }
int cg_maxr(cg_graph *g, int x, unsigned axes_mask) { return reduce(g, CG_OP_MAXR, x, axes_mask); }

int cg_broadcast(cg_graph *g, int x, cg_shape to) {
  if (cg_shape_eq(&g->nodes.v[x].shape, &to)) return x;
  cg_node n = proto(CG_OP_BROADCAST, 1, &x);
  n.shape = to;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_sum_to(cg_graph *g, int x, cg_shape to) {
  const cg_shape *s = &g->nodes.v[x].shape;
  if (cg_shape_eq(s, &to)) return x;
  XL_ASSERT(s->rank == to.rank);
  unsigned mask = 0;
  for (int i = 0; i < s->rank; i++) {
    if (to.d[i] == s->d[i]) continue;
    XL_ASSERT(to.d[i] == 1);
    mask |= 1u << i;
  }
  int r = cg_sum(g, x, mask);
  XL_ASSERT(cg_shape_eq(&g->nodes.v[r].shape, &to));
  return r;
}

int cg_reshape(cg_graph *g, int x, cg_shape to) {
  if (cg_shape_eq(&g->nodes.v[x].shape, &to)) return x;
  cg_node n = proto(CG_OP_RESHAPE, 1, &x);
  n.shape = to;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_transpose(cg_graph *g, int x, const int *perm) {
  cg_node n = proto(CG_OP_TRANSPOSE, 1, &x);
  for (int i = 0; i < g->nodes.v[x].shape.rank; i++) n.a[i] = perm[i];
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_slice(cg_graph *g, int x, int axis, int64_t start, int64_t len) {
  cg_node n = proto(CG_OP_SLICE, 1, &x);
  n.a[0] = axis, n.a[1] = start, n.a[2] = len;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_pad(cg_graph *g, int x, int axis, int64_t before, int64_t after) {
  cg_node n = proto(CG_OP_PAD, 1, &x);
  n.a[0] = axis, n.a[1] = before, n.a[2] = after;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_cumulative(cg_graph *g, cg_op op, int x, int axis, int reverse) {
  XL_ASSERT(op == CG_OP_CUMSUM || op == CG_OP_LOGCUMSUMEXP);
  cg_node n = proto(op, 1, &x);
  n.a[0] = axis, n.a[1] = reverse != 0;
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_concat(cg_graph *g, int nx, const int *xs, int axis) {
  XL_ASSERT(nx >= 1);
  cg_node n = proto(CG_OP_CONCAT, nx, xs);
  n.a[0] = axis;
  n.loc = loc_of(g, xs[0]);
  return cg_add_node(g, &n);
}

static void set_labels(int64_t *dst, const char *s) {
  size_t len = strlen(s);
  XL_ASSERT(len <= 8);
  for (size_t i = 0; i < len; i++) {
    dst[i] = label_code(s[i]);
    XL_ASSERT(dst[i] != 0);
  }
}

int cg_einsum(cg_graph *g, int x, int y, const char *lx, const char *ly, const char *lo) {
  int in[2] = {x, y};
  cg_node n = proto(CG_OP_EINSUM, 2, in);
  set_labels(n.a, lx);
  set_labels(n.a + 8, ly);
  set_labels(n.a + 16, lo);
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_gather(cg_graph *g, int table, int idx) {
  int in[2] = {table, idx};
  cg_node n = proto(CG_OP_GATHER, 2, in);
  n.loc = loc_of(g, idx);
  return cg_add_node(g, &n);
}

int cg_scatter_add(cg_graph *g, int x, int idx, int64_t V) {
  int in[2] = {x, idx};
  cg_node n = proto(CG_OP_SCATTER_ADD, 2, in);
  const cg_shape *xs = &g->nodes.v[x].shape, *is = &g->nodes.v[idx].shape;
  XL_ASSERT(xs->rank >= is->rank);
  n.shape.rank = 1 + xs->rank - is->rank;
  n.shape.d[0] = V;
  for (int i = 1; i < n.shape.rank; i++) n.shape.d[i] = xs->d[is->rank + i - 1];
  n.loc = loc_of(g, x);
  return cg_add_node(g, &n);
}

int cg_one_hot(cg_graph *g, int idx, int64_t nclass) {
  cg_node n = proto(CG_OP_ONE_HOT, 1, &idx);
  n.a[0] = nclass;
  n.loc = loc_of(g, idx);
  return cg_add_node(g, &n);
}

int cg_scan(cg_graph *g, cg_graph *body, int nseq, int nconst, int nstate, int nout, int axis,
            int reverse, int save, const int *ins) {
  cg_node n = proto(CG_OP_SCAN, nseq + nconst + nstate, ins);
  n.a[CG_SCAN_NSEQ] = nseq;
  n.a[CG_SCAN_NCONST] = nconst;
  n.a[CG_SCAN_NSTATE] = nstate;
  n.a[CG_SCAN_NOUT] = nout;
  n.a[CG_SCAN_AXIS] = axis;
  n.a[CG_SCAN_REVERSE] = reverse != 0;
  n.a[CG_SCAN_SAVE] = save != 0;
  n.body = body;
  n.loc = loc_of(g, ins[0]);
  return cg_add_node(g, &n);
}

int cg_scan_out(cg_graph *g, int scan, int k) {
  cg_node n = proto(CG_OP_SCAN_OUT, 1, &scan);
  n.a[0] = k;
  n.loc = loc_of(g, scan);
  return cg_add_node(g, &n);
}

int cg_output_add(cg_graph *g, const char *name, int node) {
  XL_ASSERT(node >= 0 && node < g->nodes.n);
  cg_output o = {xl_strdup(name ? name : ""), node};
  xl_vec_push(g->outs, o);
  return g->outs.n - 1;
}

int cg_find_output(const cg_graph *g, const char *name) {
  for (int i = 0; i < g->outs.n; i++)
    if (strcmp(g->outs.v[i].name, name) == 0) return i;
  return -1;
}

int cg_find_input(const cg_graph *g, const char *name) {
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].name && strcmp(g->nodes.v[i].name, name) == 0)
      return i;
  return -1;
}
