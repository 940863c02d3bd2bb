/* kplan.c - the kernel plan: partitions a cell graph into GEMMs, fused KIR kernels, views and
 * reference steps (kir.h), in an order that respects every dependency.
 *
 * Input: a verified cell graph (scan bodies are planned recursively) and a target (kp_target:
 * every limit and fusion rule used here; nothing is read from the environment). Output:
 * kp_plan, whose steps cover every node exactly once. Whether an EINSUM is one GEMM, and how
 * one that is not runs, is decided in kp_gemm.c. Fusion is greedy in node order: a kernel grows while
 * the next node is elementwise and fits the kernel's loop domain; leaves and views of values
 * outside the kernel are hoisted in front of it; a reduction ends it. The plan decides how a
 * graph runs, never what it computes: each kernel evaluates its nodes exactly as ref_exec does.
 * This file does not execute or emit anything.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kir_mlir.h" /* kir_par_dim: the split a persistent scan's blocks follow */
#include "kp_ein.h"

/* ---- helpers ---- */

static void put_shape(FILE *f, const cg_shape *s) {
  fputc('[', f);
  for (int i = 0; i < s->rank; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)s->d[i]);
  fputc(']', f);
}

static const char *opname(const cg_node *n) { return cg_ops[n->op].name; }

/* ---- einsum analysis ---- */

static int ein_distinct_node(const cg_graph *g, const cg_node *n) {
  ein e = ein_of(g, n);
  return ein_distinct(&e);
}

/* A pure product: every operand label is an output label (nothing summed). */
static int ein_pure(const cg_graph *g, const cg_node *n) {
  ein e = ein_of(g, n);
  if (!ein_distinct(&e)) return 0;
  for (int o = 0; o < 2; o++)
    for (int p = 0; p < e.r[o]; p++)
      if (lab_pos(&e, 2, e.l[o][p]) < 0) return 0;
  return 1;
}

/* ---- fusion ---- */

enum { MK_NONE, MK_EW, MK_RED, MK_LOAD, MK_VIEW, MK_CONTRACT, MK_INDEXED, MK_SCAN };

/* Non-1 dimensions of s, in order. */
static int squeeze(const cg_shape *s, int64_t *d) {
  int n = 0;
  for (int i = 0; i < s->rank; i++)
    if (s->d[i] != 1) d[n++] = s->d[i];
  return n;
}

/* A reshape that only inserts or drops size-1 dimensions. */
static int relabel(const cg_shape *a, const cg_shape *b) {
  int64_t da[CG_MAXRANK], db[CG_MAXRANK];
  int na = squeeze(a, da), nb = squeeze(b, db);
  return na == nb && memcmp(da, db, (size_t)na * sizeof(int64_t)) == 0;
}

/* How a node can join a kernel: elementwise (its operands may be kernel values), a reduction
   (ends the kernel), load-like (SLICE, TRANSPOSE, a pure-product EINSUM: strided loads of
   values from before the kernel or of views inside it), a view (DETACH, a RESHAPE that
   only inserts or drops size-1 dimensions) of a kernel value, a contraction (an EINSUM
   that sums a label: a kernel of its own, see contract_kernel), or a scan (CUMSUM,
   LOGCUMSUMEXP: ends the kernel, its store the kernel's scan store, kir.h). */
static int member_kind(const cg_graph *g, const cg_node *n) {
  int k = cg_ops[n->op].kind;
  if (k == CG_K_UNARY || k == CG_K_BINARY || n->op == CG_OP_WHERE || n->op == CG_OP_BROADCAST) return MK_EW;
  if (n->op == CG_OP_SUM || n->op == CG_OP_MAXR) return MK_RED;
  if (n->op == CG_OP_CUMSUM || n->op == CG_OP_LOGCUMSUMEXP) return MK_SCAN;
  if (n->op == CG_OP_SLICE || n->op == CG_OP_TRANSPOSE) return MK_LOAD;
  if (n->op == CG_OP_EINSUM && ein_pure(g, n)) return MK_LOAD;
  if (n->op == CG_OP_EINSUM && ein_distinct_node(g, n)) return MK_CONTRACT;
  if (n->op == CG_OP_GATHER || n->op == CG_OP_ONE_HOT || n->op == CG_OP_SCATTER_ADD || n->op == CG_OP_PAD ||
      n->op == CG_OP_CONCAT)
    return MK_INDEXED; /* data-dependent addressing: a kernel of its own (index_kernel) */
  if (n->op == CG_OP_DETACH) return MK_VIEW;
  if (n->op == CG_OP_RESHAPE && relabel(&g->nodes.v[n->in[0]].shape, &n->shape)) return MK_VIEW;
  return MK_NONE;
}

/* The operand of EINSUM n that holds every label, the output's in its order (distinct labels),
   or -1: such an einsum is a product and a sum over that operand's dimensions (ein_fuses). */
static int ein_cover(const cg_graph *g, const cg_node *n) {
  if (n->op != CG_OP_EINSUM) return -1;
  ein e = ein_of(g, n);
  if (!ein_distinct(&e)) return -1;
  for (int o = 0; o < 2; o++) {
    int ok = 1, last = -1;
    for (int p = 0; p < e.r[1 - o] && ok; p++) ok = lab_pos(&e, o, e.l[1 - o][p]) >= 0;
    for (int p = 0; p < e.r[2] && ok; p++) {
      int q = lab_pos(&e, o, e.l[2][p]);
      ok = q > last;
      last = q;
    }
    if (ok) return o;
  }
  return -1;
}

/* The loop shape a member spans: its shape, a reduction's input shape, or the covering operand's
   shape of an einsum that ends a chain (ein_fuses). */
static const cg_shape *dom_of(const cg_graph *g, const cg_node *n) {
  if (n->op == CG_OP_EINSUM && !ein_pure(g, n) && ein_cover(g, n) >= 0) return &g->nodes.v[n->in[ein_cover(g, n)]].shape;
  return member_kind(g, n) == MK_RED ? &g->nodes.v[n->in[0]].shape : &n->shape;
}

/* The shape a member stores over its dom_of dimensions: its own, but for an einsum that ends a
   chain its covering operand's with the summed dimensions 1 (the same row-major layout as the
   output: its labels are in the operand's order). */
static cg_shape store_shape(const cg_graph *g, const cg_node *n) {
  int o = n->op == CG_OP_EINSUM && !ein_pure(g, n) ? ein_cover(g, n) : -1;
  if (o < 0) return n->shape;
  ein e = ein_of(g, n);
  cg_shape s = *e.s[o];
  for (int p = 0; p < e.r[o]; p++)
    if (lab_pos(&e, 2, e.l[o][p]) < 0) s.d[p] = 1;
  return s;
}

/* A strided view of a value from before the kernel (or of a constant). */
typedef struct {
  int node;
  int64_t off, st[CG_MAXRANK]; /* over the viewing member's own dimensions */
} kaccess;

typedef struct {
  const cg_graph *g;
  int **users, *nusers; /* per node: the nodes using it */
  char *is_out;         /* graph output */
  char *done;           /* planned */
  char *in_k;           /* member of the kernel being grown / built */
  /* per member: map[id][i] = loop dimension of dimension i of its dom_of shape (-1: size 1) */
  int (*map)[CG_MAXRANK];
  char *is_acc;         /* member is a pure view (SLICE, TRANSPOSE, BROADCAST, views) of acc */
  kaccess *acc;         /* while a kernel is built */
  int *reg;             /* while a kernel is built: KIR register of a member, else -1 */
  int *kcount;          /* kernels numbered across the whole plan (names stay unique) */
  const kp_target *t;   /* every limit and fusion rule (options.h) */
  int body;             /* the graph is a scan body */
} kctx;

typedef XL_VEC(int) ivec;

/* Kernel builder state. */
typedef struct {
  kctx *c;
  kir_kernel *k;
  int *buf_node;
  int overflow; /* more than KIR_MAXBUF buffers */
} kbuild;

static int emit(kir_kernel *k, kir_inst in) {
  xl_vec_push(k->body, in);
  return k->body.n - 1;
}

static int buf_of(kbuild *b, int node, int out) {
  kir_kernel *k = b->k;
  for (int i = 0; i < k->nbuf; i++)
    if (b->buf_node[i] == node && k->buf_out[i] == out) return i;
  if (k->nbuf == b->c->t->nest_maxbuf) {
    b->overflow = 1;
    return 0;
  }
  b->buf_node[k->nbuf] = node;
  k->buf_out[k->nbuf] = out;
  k->buf_numel[k->nbuf] = cg_numel(&b->c->g->nodes.v[node].shape);
  return k->nbuf++;
}

static int const_of(kbuild *b, double v) {
  for (int i = 0; i < b->k->body.n; i++) {
    const kir_inst *in = &b->k->body.v[i];
    if (in->op == KIR_CONST && memcmp(&in->imm, &v, sizeof v) == 0) return i;
  }
  kir_inst in = {.op = KIR_CONST, .imm = v};
  return emit(b->k, in);
}

/* Row-major strides of s with 0 on its size-1 dimensions (broadcast over the domain). */
static void bstrides(const cg_shape *s, int64_t *st) {
  strides_of(s, st);
  for (int d = 0; d < s->rank; d++)
    if (s->d[d] == 1) st[d] = 0;
}

/* Loads access a (over the dimensions of a member with loop map `map`), or its constant. */
static int load_access(kbuild *b, const kaccess *a, const cg_shape *s, const int *map) {
  const cg_node *x = &b->c->g->nodes.v[a->node];
  if (x->op == CG_OP_CONST) return const_of(b, x->fval);
  kir_kernel *k = b->k;
  int64_t st[KIR_MAXDIM] = {0};
  for (int i = 0; i < s->rank; i++)
    if (map[i] >= 0 && s->d[i] > 1) st[map[i]] = a->st[i];
  int buf = buf_of(b, a->node, 0);
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    if (in->op == KIR_LOAD && in->buf == buf && in->off == a->off &&
        memcmp(in->stride, st, (size_t)k->ndim * sizeof(int64_t)) == 0)
      return i;
  }
  kir_inst in = {.op = KIR_LOAD, .buf = buf, .off = a->off};
  memcpy(in.stride, st, sizeof st);
  return emit(k, in);
}

/* The access to node v seen with v's own dimensions: v's own buffer when it is computed
   before the kernel, the composed view when it is a view member. */
static kaccess base_access(kctx *c, int v) {
  if (c->in_k[v]) {
    XL_ASSERT(c->is_acc[v]);
    return c->acc[v];
  }
  kaccess a = {v, 0, {0}};
  bstrides(&c->g->nodes.v[v].shape, a.st);
  return a;
}

/* The register of operand v of member m (same rank as m's loop shape): a kernel value, a
   constant or a load of a value from before the kernel. */
static int operand(kbuild *b, int m, int v) {
  kctx *c = b->c;
  const cg_node *n = &c->g->nodes.v[v];
  if (c->in_k[v]) {
    if (c->reg[v] < 0) c->reg[v] = load_access(b, &c->acc[v], &n->shape, c->map[v]);
    return c->reg[v];
  }
  kaccess a = base_access(c, v);
  return load_access(b, &a, &n->shape, c->map[m]);
}

/* An elementwise member's KIR op (ops.def's kir column, SELF rows). */
static kir_op kir_of(cg_op op) {
  kir_op k = kir_of_cg(op);
  XL_ASSERT(k != KIR_NONE && (cg_ops[op].kind == CG_K_UNARY || cg_ops[op].kind == CG_K_BINARY));
  return k;
}

/* A view member's access, composed from its operand's. */
static kaccess view_access(kctx *c, const cg_node *m) {
  const cg_shape *xs = &c->g->nodes.v[m->in[0]].shape;
  kaccess x = base_access(c, m->in[0]), a = {x.node, x.off, {0}};
  switch (m->op) {
  case CG_OP_SLICE:
    a.off += m->a[1] * x.st[m->a[0]];
    memcpy(a.st, x.st, sizeof a.st);
    break;
  case CG_OP_TRANSPOSE:
    for (int i = 0; i < m->shape.rank; i++) a.st[i] = x.st[m->a[i]];
    break;
  case CG_OP_BROADCAST:
    for (int i = 0; i < m->shape.rank; i++) a.st[i] = xs->d[i] == 1 ? 0 : x.st[i];
    break;
  default: /* DETACH, RESHAPE (size-1 dimensions only): the non-1 dimensions in order */
    for (int i = 0, j = 0; i < m->shape.rank; i++) {
      if (m->shape.d[i] == 1) continue;
      while (xs->d[j] == 1) j++;
      a.st[i] = x.st[j++];
    }
  }
  for (int i = 0; i < m->shape.rank; i++)
    if (m->shape.d[i] == 1) a.st[i] = 0;
  return a;
}

/* Appends member id's instructions; views stay accesses until a register is needed. */
static void member_value(kbuild *b, int id) {
  kctx *c = b->c;
  const cg_graph *g = c->g;
  const cg_node *m = &g->nodes.v[id];
  if (c->is_acc[id]) {
    c->acc[id] = view_access(c, m);
    return;
  }
  int r;
  switch (m->op) {
  case CG_OP_BROADCAST:
  case CG_OP_DETACH:
  case CG_OP_RESHAPE:
  case CG_OP_SUM:
  case CG_OP_MAXR:
  case CG_OP_CUMSUM:
  case CG_OP_LOGCUMSUMEXP: r = operand(b, id, m->in[0]); break;
  case CG_OP_WHERE: {
    kir_inst in = {.op = KIR_SELECT, .a = operand(b, id, m->in[0]), .b = operand(b, id, m->in[1]),
                   .c = operand(b, id, m->in[2])};
    r = emit(b->k, in);
    break;
  }
  case CG_OP_EINSUM: {
    ein e = ein_of(g, m);
    int v[2];
    if (!ein_pure(g, m)) { /* ends the chain (ein_fuses): the covering operand, a kernel value, times
                              a strided load of the other, summed by the store */
      int o = ein_cover(g, m);
      const cg_shape *cs = e.s[o];
      kaccess x = base_access(c, m->in[1 - o]), a = {x.node, x.off, {0}};
      for (int d = 0; d < cs->rank; d++) {
        int p = lab_pos(&e, 1 - o, e.l[o][d]);
        a.st[d] = p < 0 || cs->d[d] == 1 ? 0 : x.st[p];
      }
      v[o] = operand(b, id, m->in[o]);
      v[1 - o] = load_access(b, &a, cs, c->map[id]);
      kir_inst in = {.op = KIR_MUL, .a = v[0], .b = v[1]};
      r = emit(b->k, in);
      break;
    }
    for (int o = 0; o < 2; o++) {
      kaccess x = base_access(c, m->in[o]), a = {x.node, x.off, {0}};
      for (int d = 0; d < e.r[2]; d++) {
        int p = lab_pos(&e, o, e.l[2][d]);
        a.st[d] = p < 0 || m->shape.d[d] == 1 ? 0 : x.st[p];
      }
      v[o] = load_access(b, &a, &m->shape, c->map[id]);
    }
    kir_inst in = {.op = KIR_MUL, .a = v[0], .b = v[1]};
    r = emit(b->k, in);
    break;
  }
  default: {
    kir_inst in = {.op = kir_of(m->op), .a = operand(b, id, m->in[0])};
    if (m->nin > 1) in.b = operand(b, id, m->in[1]);
    r = emit(b->k, in);
  }
  }
  c->reg[id] = r;
}

static int used_outside(const kctx *c, int id) {
  if (c->is_out[id]) return 1;
  for (int u = 0; u < c->nusers[id]; u++)
    if (!c->in_k[c->users[id][u]]) return 1;
  return 0;
}

/* A value stored by the kernel must be written once per element: its dimensions map onto
   every loop dimension of size > 1 (but the reduced ones) with equal sizes. */
static int spans(const cg_shape *s, const int *map, const cg_shape *D, unsigned red) {
  int hit[KIR_MAXDIM] = {0};
  for (int i = 0; i < s->rank; i++) {
    if (s->d[i] == 1) continue;
    if (map[i] < 0 || D->d[map[i]] != s->d[i] || hit[map[i]]++) return 0;
  }
  for (int d = 0; d < D->rank; d++)
    if (D->d[d] > 1 && !hit[d] && !(red >> d & 1)) return 0;
  return 1;
}

/* Builds the kernel of members mem[0..L). NULL (and the reason in why) when a value needed
   outside does not span the loop domain (it would be stored more than once) or the kernel
   needs more than the target's nest_maxbuf buffers. */
static kir_kernel *build_kernel(kctx *c, const int *mem, int L, int *buf_node, char *why, size_t wl) {
  const cg_graph *g = c->g;
  cg_shape D = *dom_of(g, &g->nodes.v[mem[0]]);
  for (int d = 0; d < D.rank; d++) D.d[d] = 1;
  for (int i = 0; i < L; i++) {
    const cg_shape *s = dom_of(g, &g->nodes.v[mem[i]]);
    for (int d = 0; d < s->rank; d++)
      if (c->map[mem[i]][d] >= 0 && s->d[d] > D.d[c->map[mem[i]][d]]) D.d[c->map[mem[i]][d]] = s->d[d];
    c->in_k[mem[i]] = 1;
  }
  const cg_node *last = &g->nodes.v[mem[L - 1]];
  unsigned red = 0;
  if (member_kind(g, last) == MK_RED) {
    const cg_shape *xs = dom_of(g, last);
    for (int i = 0; i < xs->rank; i++)
      if ((last->a[0] >> i & 1) && xs->d[i] > 1) red |= 1u << c->map[mem[L - 1]][i];
  } else if (L > 1 && last->op == CG_OP_EINSUM) { /* a product and a sum (ein_fuses) */
    const cg_shape *xs = dom_of(g, last);
    cg_shape ks = store_shape(g, last);
    for (int i = 0; i < xs->rank; i++)
      if (ks.d[i] == 1 && xs->d[i] > 1) red |= 1u << c->map[mem[L - 1]][i];
  }
  kir_kernel *k = xl_calloc(1, sizeof *k);
  k->ndim = D.rank;
  memcpy(k->dim, D.d, sizeof k->dim);
  k->red_mask = red;
  k->red_op = last->op == CG_OP_MAXR ? KIR_MAX : KIR_ADD;
  kbuild b = {c, k, buf_node, 0};
  int ok = 1;
  for (int i = 0; i < L && ok; i++) {
    const cg_node *m = &g->nodes.v[mem[i]];
    cg_shape ms = store_shape(g, m);
    if ((i == L - 1 || used_outside(c, mem[i])) && !spans(&ms, c->map[mem[i]], &D, i == L - 1 ? red : 0)) {
      snprintf(why, wl, "%%%d %s is needed outside but does not span the loop domain", mem[i], opname(m));
      ok = 0;
    }
  }
  for (int i = 0; i < L && ok; i++) member_value(&b, mem[i]);
  for (int i = 0; i < L && ok; i++) {
    int id = mem[i];
    if (i < L - 1 && !used_outside(c, id)) continue;
    cg_shape ss = store_shape(g, &g->nodes.v[id]);
    const cg_shape *s = &ss;
    if (c->reg[id] < 0) c->reg[id] = load_access(&b, &c->acc[id], s, c->map[id]);
    kir_inst st = {.op = KIR_STORE, .a = c->reg[id], .buf = buf_of(&b, id, 1)};
    int64_t ls[CG_MAXRANK];
    bstrides(s, ls);
    for (int d = 0; d < s->rank; d++)
      if (s->d[d] > 1) st.stride[c->map[id][d]] = ls[d];
    const cg_node *m = &g->nodes.v[id];
    if (member_kind(g, m) == MK_SCAN) { /* the last member: its store scans */
      int sd = c->map[id][m->a[0]];
      if (sd >= 0) {
        k->scan_op = m->op == CG_OP_CUMSUM ? KIR_ADD : KIR_LOGADDEXP;
        k->scan_dim = sd;
        k->scan_rev = m->a[1] != 0;
        k->scan_inst = k->body.n;
      } else if (m->op == CG_OP_CUMSUM) { /* one term: 0 + x, as the reference adds it */
        kir_inst z = {.op = KIR_ADD, .a = const_of(&b, 0.0), .b = st.a};
        st.a = emit(k, z);
      } /* logcumsumexp of one term is the term */
    }
    emit(k, st);
  }
  if (ok && b.overflow) {
    snprintf(why, wl, "more than %d buffers", c->t->nest_maxbuf);
    ok = 0;
  }
  for (int i = 0; i < L; i++) {
    c->in_k[mem[i]] = 0;
    c->reg[mem[i]] = -1;
  }
  if (!ok) {
    kir_free(k);
    return NULL;
  }
  int p = snprintf(k->name, sizeof k->name, "k%d", (*c->kcount)++);
  for (int i = 0; i < L && p < (int)sizeof k->name; i++)
    p += snprintf(k->name + p, sizeof k->name - (size_t)p, "_%s", opname(&g->nodes.v[mem[i]]));
  return k;
}

/* 1 if node n or one of its operands has no elements (a dimension 0: batch 0, an empty
   slice). Such nodes are reference steps: ref_exec_node defines them (empty results, sums
   over an empty axis 0, ...) and kernels and GEMMs assume extents >= 1. */
static int touches_empty(const cg_graph *g, const cg_node *n) {
  if (cg_numel(&n->shape) == 0) return 1;
  for (int k = 0; k < n->nin; k++)
    if (cg_numel(&g->nodes.v[n->in[k]].shape) == 0) return 1;
  return 0;
}

/* Leaves and views of values computed before the kernel: planned in front of it. */
static int hoistable(const kctx *c, const cg_node *n) {
  if (n->op == CG_OP_INPUT || n->op == CG_OP_CONST || n->op == CG_OP_TRIL || n->op == CG_OP_SCAN_OUT) return 1;
  return (n->op == CG_OP_RESHAPE || n->op == CG_OP_DETACH) && !c->in_k[n->in[0]];
}

/* Aligns candidate n with the loop domain D: map[i] = loop dimension of dimension i of its
   dom_of shape (-1 for size 1). Dimensions carried by kernel operands keep their operands'
   loop dimensions (elementwise ops, views, reductions); the others line up with D one to one
   (same rank) or through their non-1 dimensions in order. Grows D (size-1 loop dimensions
   only); 0 if n does not fit. */
static int align(kctx *c, const cg_node *n, int mk, cg_shape *D, int *map) {
  const cg_graph *g = c->g;
  const cg_shape *s = dom_of(g, n);
  for (int i = 0; i < s->rank; i++) map[i] = -2; /* unknown */
  if (mk != MK_LOAD)
    for (int k = 0; k < n->nin; k++) {
      int v = n->in[k];
      if (!c->in_k[v]) continue;
      const cg_shape *vs = &g->nodes.v[v].shape;
      for (int i = 0, j = 0; i < vs->rank; i++) {
        if (vs->d[i] == 1) continue;
        int at = i;
        if (n->op == CG_OP_RESHAPE) { /* the j-th non-1 dimension of each */
          while (s->d[j] == 1) j++;
          at = j++;
        }
        if (map[at] != -2 && map[at] != c->map[v][i]) return 0;
        map[at] = c->map[v][i];
      }
    }
  int unknown = 0;
  for (int i = 0; i < s->rank; i++) {
    if (s->d[i] == 1) map[i] = -1;
    unknown += map[i] == -2;
  }
  if (unknown) {
    int64_t sq[CG_MAXRANK], dq[CG_MAXRANK];
    int cand[2][CG_MAXRANK], ncand = 0;
    if (s->rank == D->rank) {
      for (int i = 0; i < s->rank; i++) cand[ncand][i] = s->d[i] == 1 ? -1 : i;
      ncand++;
    }
    int ns = squeeze(s, sq), nd = squeeze(D, dq);
    if (ns == nd && memcmp(sq, dq, (size_t)ns * sizeof(int64_t)) == 0) {
      for (int i = 0, d = 0; i < s->rank; i++) {
        if (s->d[i] == 1) {
          cand[ncand][i] = -1;
          continue;
        }
        while (D->d[d] == 1) d++;
        cand[ncand][i] = d++;
      }
      ncand++;
    }
    int ok = 0;
    for (int k = 0; k < ncand && !ok; k++) {
      ok = 1;
      for (int i = 0; i < s->rank; i++) ok &= map[i] == -2 || map[i] == cand[k][i];
      if (ok) memcpy(map, cand[k], sizeof cand[k]);
    }
    if (!ok) return 0;
  }
  cg_shape nd = *D;
  int hit[KIR_MAXDIM] = {0};
  for (int i = 0; i < s->rank; i++) {
    if (map[i] < 0) continue;
    if (hit[map[i]]++ || (nd.d[map[i]] != s->d[i] && nd.d[map[i]] != 1)) return 0;
    nd.d[map[i]] = s->d[i];
  }
  if (mk == MK_RED || mk == MK_SCAN) /* the reduction or scan covers the whole loop domain */
    for (int d = 0; d < nd.rank; d++)
      if (nd.d[d] > 1 && !hit[d]) return 0;
  *D = nd;
  return 1;
}

/* A member that is a pure view of a value from before the kernel (composed as strides). */
static int is_view(const kctx *c, const cg_node *n) {
  if (n->op != CG_OP_SLICE && n->op != CG_OP_TRANSPOSE && n->op != CG_OP_BROADCAST && n->op != CG_OP_DETACH &&
      n->op != CG_OP_RESHAPE)
    return 0;
  return !c->in_k[n->in[0]] || c->is_acc[n->in[0]];
}

static void join(kctx *c, ivec *mem, int id) {
  xl_vec_push(*mem, id);
  c->in_k[id] = 1;
  c->is_acc[id] = (char)is_view(c, &c->g->nodes.v[id]);
}

static int contract_streams(kctx *c, const cg_node *n);

/* Whether EINSUM n ends the chain being grown as a product and a sum (a reduction member): it
   is a contraction that would be a streaming kernel of its own (contract_streams), an operand
   holding every label (ein_cover) is a value the chain computes or one from before the chain,
   and the other one is from before the chain. The chain then never stores that operand only
   to read it back (RG-LRU's parallel form "tud,ud->td" runs as its broadcast-sum rewrite
   does), and a contraction over the chain's loop domain shares its pass over memory (the
   backward of that form: the weights' gradient "td,ud->tud" and the contraction "td,tud->ud"
   of the stored weights in one kernel, as the rewrite's backward has them); align() still
   decides whether its domain fits the chain's. */
static int ein_fuses(kctx *c, const cg_node *n) {
  int o = ein_cover(c->g, n);
  if (o < 0 || (c->in_k[n->in[o]] && c->is_acc[n->in[o]]) || c->in_k[n->in[1 - o]]) return 0;
  return contract_streams(c, n);
}

/* Grows a kernel from node `start`: members and hoisted nodes in node order; why = what ended
   it. */
static void grow(kctx *c, int start, ivec *mem, ivec *hoist, char *why, size_t wl) {
  const cg_graph *g = c->g;
  cg_shape D = *dom_of(g, &g->nodes.v[start]);
  for (int d = 0; d < D.rank; d++) c->map[start][d] = D.d[d] == 1 ? -1 : d;
  join(c, mem, start);
  snprintf(why, wl, "end of graph");
  if (member_kind(g, &g->nodes.v[start]) == MK_RED) {
    snprintf(why, wl, "a reduction ends the kernel");
    goto out;
  }
  if (member_kind(g, &g->nodes.v[start]) == MK_SCAN) {
    snprintf(why, wl, "a scan ends the kernel");
    goto out;
  }
  for (int j = start + 1; j < g->nodes.n; j++) {
    if (c->done[j]) continue;
    if (mem->n == c->t->max_members) {
      snprintf(why, wl, "%d members (max_members)", c->t->max_members);
      break;
    }
    const cg_node *n = &g->nodes.v[j];
    int mk = touches_empty(g, n) ? MK_NONE : member_kind(g, n);
    if (mk == MK_CONTRACT && ein_fuses(c, n)) mk = MK_RED;
    if (mk == MK_NONE || mk == MK_CONTRACT || mk == MK_INDEXED || (mk == MK_VIEW && !c->in_k[n->in[0]])) {
      if (hoistable(c, n)) {
        xl_vec_push(*hoist, j);
        continue;
      }
      snprintf(why, wl, "%%%d %s is not elementwise", j, opname(n));
      break;
    }
    if (mk == MK_LOAD) {
      int inside = 0;
      for (int k = 0; k < n->nin; k++) inside |= c->in_k[n->in[k]] && !c->is_acc[n->in[k]];
      if (inside) {
        snprintf(why, wl, "%%%d %s reads a computed kernel value through strides", j, opname(n));
        break;
      }
    }
    if (!align(c, n, mk, &D, c->map[j])) {
      snprintf(why, wl, "%%%d %s: shape does not fit the loop domain", j, opname(n));
      break;
    }
    join(c, mem, j);
    if (mk == MK_RED) {
      snprintf(why, wl, "a reduction ends the kernel");
      break;
    }
    if (mk == MK_SCAN) {
      snprintf(why, wl, "a scan ends the kernel");
      break;
    }
  }
out:
  for (int i = 0; i < mem->n; i++) c->in_k[mem->v[i]] = 0;
}

/* ---- small contractions ---- */

/* The kernel of contraction `id`: one loop dimension per einsum label (label sizes from the
   operands), the summed labels of size > 1 reduced (ADD); body: load x, load y, mul, store.
   Loop order: the output's labels in output order, then the summed ones, then the innermost
   (vectorized) one: the label along which the fewest operand elements are read or written
   with a stride other than 0 or 1 (no gathers on the big operand), larger sizes first on a tie.
   NULL when the labels do not fit KIR_MAXDIM, or it takes more than the target's contract_flops
   and BLAS runs it well: one GEMM with m, n and k at least gemm_min_dim, strided BLAS calls on
   the operands (kp_ein direct), or GEMMs on copies of a real matrix product (kp_ein gemm with
   M, N and K at least gemm_min_dim). Any other contraction above contract_flops (a
   matrix-vector shape, a label summed in one operand alone) is a kernel too, whose loops
   follow the larger operand's layout (labels of the other operand alone outermost, then the
   larger one's in its order): it streams through that operand once, as the same function
   written as a broadcast product and a sum does. */
static kir_kernel *contract_kernel(kctx *c, int id, int *buf_node, double *flops) {
  const cg_graph *g = c->g;
  const cg_node *n = &g->nodes.v[id];
  ein e = ein_of(g, n);
  int64_t lab[KIR_MAXDIM], size[KIR_MAXDIM], st[3][KIR_MAXDIM];
  int nl = 0;
  memset(st, 0, sizeof st);
  static const int tensor_order[3] = {2, 0, 1};
  for (int oi = 0; oi < 3; oi++) {
    int o = tensor_order[oi];
    int64_t bs[CG_MAXRANK];
    bstrides(e.s[o], bs);
    for (int q = 0; q < e.r[o]; q++) {
      int l = 0;
      while (l < nl && lab[l] != e.l[o][q]) l++;
      if (l == nl) {
        if (nl == KIR_MAXDIM) return NULL;
        lab[nl] = e.l[o][q];
        size[nl++] = e.s[o]->d[q];
      }
      st[o][l] = bs[q];
    }
  }
  int inner = -1;
  double best = 0;
  *flops = 2.0;
  for (int l = 0; l < nl; l++) {
    *flops *= (double)size[l];
    if (size[l] == 1) continue;
    double pen = 0;
    for (int o = 0; o < 3; o++)
      if (st[o][l] != 0 && st[o][l] != 1) pen += (double)cg_numel(e.s[o]);
    if (inner < 0 || pen < best || (pen == best && size[l] > size[inner])) {
      inner = l;
      best = pen;
    }
  }
  int stream = 0;
  /* body_contract: in a scan body every contraction is a kernel (of the body's one kernel) */
  if (*flops > c->t->contract_flops && !(c->body && c->t->body_contract)) { /* still a kernel when BLAS would run it badly */
    kp_gemm gm;
    int64_t md = c->t->gemm_min_dim;
    if (kp_gemm_of(g, n, &gm)) {
      if (gm.m >= md && gm.n >= md && gm.k >= md) return NULL;
    } else {
      if (!contract_streams(c, n)) return NULL;
      stream = 1;
    }
  }
  /* a small output summed over many terms (a weight gradient of head-wise blocks,
     "ZAbo,ZAbi->boi"): the summed labels outermost, so that the operands stream once and the
     output stays in L1 (each output still sums its terms in the same order) */
  double terms = 1; /* per output */
  for (int l = 0; l < nl; l++)
    if (lab_pos(&e, 2, lab[l]) < 0) terms *= (double)size[l];
  int red_out = inner >= 0 && lab_pos(&e, 2, lab[inner]) >= 0 && cg_numel(&n->shape) <= c->t->small_out && terms >= 64;
  int ord[KIR_MAXDIM], nd = 0;
  if (stream) { /* size-1 labels and the other operand's own first, then the big one's in order */
    int big = cg_numel(e.s[1]) > cg_numel(e.s[0]);
    for (int l = 0; l < nl; l++)
      if (size[l] == 1 || lab_pos(&e, big, lab[l]) < 0) ord[nd++] = l;
    for (int q = 0; q < e.r[big]; q++) {
      int l = 0;
      while (lab[l] != e.l[big][q]) l++;
      if (size[l] > 1) ord[nd++] = l;
    }
    inner = -1; /* ord is complete */
  } else {
    for (int l = 0; l < nl; l++) /* red_out: the summed labels first */
      if (l != inner && red_out && lab_pos(&e, 2, lab[l]) < 0) ord[nd++] = l;
    for (int l = 0; l < nl; l++)
      if (l != inner && !(red_out && lab_pos(&e, 2, lab[l]) < 0)) ord[nd++] = l;
  }
  if (inner >= 0) ord[nd++] = inner;
  kir_kernel *k = xl_calloc(1, sizeof *k);
  k->ndim = nl;
  k->red_op = KIR_ADD;
  cg_shape D;
  memset(&D, 0, sizeof D);
  D.rank = nl;
  int map[CG_MAXRANK];
  for (int d = 0; d < nl; d++) {
    int l = ord[d];
    k->dim[d] = D.d[d] = size[l];
    map[d] = d;
    if (lab_pos(&e, 2, lab[l]) < 0 && size[l] > 1) k->red_mask |= 1u << d;
  }
  kbuild b = {c, k, buf_node, 0};
  int v[2];
  for (int o = 0; o < 2; o++) {
    kaccess a = {n->in[o], 0, {0}};
    for (int d = 0; d < nl; d++) a.st[d] = st[o][ord[d]];
    v[o] = load_access(&b, &a, &D, map);
  }
  kir_inst mul = {.op = KIR_MUL, .a = v[0], .b = v[1]};
  kir_inst s = {.op = KIR_STORE, .a = emit(k, mul), .buf = buf_of(&b, id, 1)};
  for (int d = 0; d < nl; d++) s.stride[d] = st[2][ord[d]];
  emit(k, s);
  XL_ASSERT(!b.overflow);
  snprintf(k->name, sizeof k->name, "k%d_einsum", (*c->kcount)++);
  return k;
}

/* A contraction above contract_flops that is no GEMM and that BLAS would not run well either
   (no strided calls, no copied product with M, N and K at least gemm_min_dim): a streaming
   kernel (contract_kernel). */
static int contract_streams(kctx *c, const cg_node *n) {
  if (c->t->contract_flops <= 0 || !ein_distinct_node(c->g, n)) return 0;
  ein e = ein_of(c->g, n);
  double flops = 2;
  for (int o = 0; o < 3; o++)
    for (int p = 0; p < e.r[o]; p++)
      if (lab_pos(&e, o, e.l[o][p]) == p && (o == 0 || (lab_pos(&e, 0, e.l[o][p]) < 0 && (o == 1 || lab_pos(&e, 1, e.l[o][p]) < 0))))
        flops *= (double)e.s[o]->d[p];
  kp_gemm gm;
  if (flops <= c->t->contract_flops || kp_gemm_of(c->g, n, &gm)) return 0;
  kp_ein f;
  int64_t md = c->t->gemm_min_dim;
  kp_ein_plan(c->g, n, &f);
  return !(f.direct || (f.gemm && f.M >= md && f.N >= md && f.K >= md));
}

/* ---- the plan ---- */

static kp_step *new_step(kp_plan *p, kp_kind kind, int node) {
  kp_step s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.node = node;
  xl_vec_push(p->steps, s);
  return &p->steps.v[p->steps.n - 1];
}

static kp_plan *build(const cg_graph *g, int *kcount, const kp_target *t);
static void scan_mode(const cg_node *n, const kp_plan *bp, const kp_target *t, kp_step *s);

/* A single-node step (GEMM, view or reference). */
static void plan_single(kctx *c, kp_plan *p, int id) {
  const cg_node *n = &c->g->nodes.v[id];
  kp_gemm gm;
  kp_step *s;
  if (n->op == CG_OP_EINSUM && !touches_empty(c->g, n) && kp_gemm_of(c->g, n, &gm)) {
    s = new_step(p, KP_GEMM, id);
    s->gemm = gm;
  } else if (n->op == CG_OP_RESHAPE || n->op == CG_OP_DETACH) {
    s = new_step(p, KP_VIEW, id);
  } else {
    s = new_step(p, KP_REF, id);
    if (n->op == CG_OP_SCAN) {
      s->body = build(n->body, c->kcount, c->t);
      s->persistent = c->t->persistent_scan;
      if (s->persistent) scan_mode(n, s->body, c->t, s);
    }
    if (n->op == CG_OP_EINSUM) { /* not one GEMM: loops, strided BLAS calls or copies */
      s->ein = xl_malloc(sizeof *s->ein);
      kp_ein_plan(c->g, n, s->ein);
    }
  }
  xl_vec_push(s->nodes, id);
  c->done[id] = 1;
}

/* ---- persistent scans (kplan.h kp_scan_mode) ---- */

int kp_view_root(const cg_graph *g, int v) {
  while (g->nodes.v[v].op == CG_OP_RESHAPE || g->nodes.v[v].op == CG_OP_DETACH) v = g->nodes.v[v].in[0];
  return v;
}

int64_t kp_buf_cut(const kir_kernel *k, int buf) {
  int64_t S = 0;
  for (const kir_kernel *x = k; x; x = x->next) {
    int p = kir_nest_par_dim(k, x);
    for (int i = 0; i < x->body.n; i++) {
      const kir_inst *in = &x->body.v[i];
      int mem = in->op == KIR_LOAD || in->op == KIR_STORE || in->op == KIR_LOADX || in->op == KIR_STOREX;
      if (!mem || in->buf != buf) continue;
      if (p < 0 || (in->op != KIR_LOAD && in->op != KIR_STORE)) return 0;
      int64_t st = in->stride[p], span = in->off;
      for (int d = 0; d < x->ndim; d++) {
        if (in->stride[d] < 0) return 0;
        if (d != p) span += in->stride[d] * (x->dim[d] - 1);
      }
      if (st <= 0 || in->off < 0 || span >= st || (S && S != st)) return 0;
      S = st;
    }
  }
  return S;
}

/* Decides s->scan_mode for SCAN node n with body plan bp (target t); the reason in s->why when
   it runs step by step. */
static void scan_mode(const cg_node *n, const kp_plan *bp, const kp_target *t, kp_step *s) {
  const cg_graph *g = bp->g;
  int nst = (int)n->a[CG_SCAN_NSTATE], nout = (int)n->a[CG_SCAN_NOUT], ker = -1;
  s->scan_mode = KP_SCAN_STEPS;
  s->scan_split = -1;
  for (int i = 0; i < bp->steps.n; i++) {
    const kp_step *b = &bp->steps.v[i];
    const cg_node *bn = &g->nodes.v[b->node];
    if (b->kind == KP_KERNEL && ker < 0) {
      ker = i;
      continue;
    }
    if (b->kind == KP_VIEW || (b->kind == KP_REF && (bn->op == CG_OP_INPUT || bn->op == CG_OP_CONST))) continue;
    if (b->kind == KP_KERNEL) /* merge_nests stopped: the nests, buffers or members ran out */
      snprintf(s->why, sizeof s->why, "body step %d (kernel %%%d) is a second kernel: the first has %d nests, %d of %d buffers",
               i, b->node, kir_nnest(bp->steps.v[ker].kir), bp->steps.v[ker].kir->nbuf, KIR_MAXBUF);
    else
      snprintf(s->why, sizeof s->why, "body step %d (%s %%%d) is not part of one kernel", i,
               b->kind == KP_GEMM ? "gemm" : opname(bn), b->node);
    return;
  }
  if (ker < 0) {
    snprintf(s->why, sizeof s->why, "the body has no kernel");
    return;
  }
  const kp_step *ks = &bp->steps.v[ker];
  const kir_kernel *k = ks->kir;
  for (int b = 0; b < k->nbuf; b++) {
    if (k->buf_out[b]) continue;
    int r = kp_view_root(g, ks->buf_node[b]);
    if (g->nodes.v[r].op != CG_OP_INPUT) {
      snprintf(s->why, sizeof s->why, "the kernel reads %%%d (%s), not a scan input", r, opname(&g->nodes.v[r]));
      return;
    }
  }
  /* every state and output stored by the kernel; the extra buffer pointers it needs */
  /* pointers beyond the kernel's buffers, at most: per state a second buffer (ping-pong, or
     the saved slots), with saved states that are not step-major also their slice and the
     initial state; the copies of outputs that are also a state; the barrier counter */
  int outbuf[2 * KIR_MAXBUF], extra = nst * (n->a[CG_SCAN_SAVE] ? 3 : 1), nlocal = 0;
  for (int b = 0; b < k->nbuf; b++) nlocal += k->buf_out[b] == KIR_LOCAL;
  if (nst + nout > 2 * KIR_MAXBUF) {
    snprintf(s->why, sizeof s->why, "%d states and outputs", nst + nout);
    return;
  }
  for (int q = 0; q < nst + nout; q++) {
    int r = kp_view_root(g, g->outs.v[q].node), b = 0;
    while (b < k->nbuf && !(k->buf_out[b] == 1 && ks->buf_node[b] == r)) b++;
    if (b == k->nbuf) {
      snprintf(s->why, sizeof s->why, "%s %d (%%%d) is not stored by the kernel", q < nst ? "state" : "output",
               q < nst ? q : q - nst, r);
      return;
    }
    outbuf[q] = b;
    for (int j = 0; j < q; j++)
      if (outbuf[j] == b) {
        if (q < nst) {
          snprintf(s->why, sizeof s->why, "states %d and %d are one value", j, q);
          return;
        }
        extra++; /* an output copied from a state or an earlier output */
        break;
      }
  }
  s->scan_kernel = ker;
  int split = kir_par_dim(k), blocks = split >= 0 && k->dim[split] >= 2 && k->dim[split] >= t->scan_min_blocks;
  for (int q = 0; q < nst && blocks; q++) { /* each state read and written in the same slices */
    int64_t cut = kp_buf_cut(k, outbuf[q]);
    for (int b = 0; b < k->nbuf && cut; b++) {
      const cg_node *r = &g->nodes.v[kp_view_root(g, ks->buf_node[b])];
      if (!k->buf_out[b] && r->ikind == CG_IN_BSTATE && r->slot == q && kp_buf_cut(k, b) != cut) cut = 0;
    }
    blocks = cut != 0;
  }
  /* the extra pointers go after the kernel's buffers and in the local buffers' unused places
     (shared memory; cooperative: one scratch); cooperative: also the barrier */
  int room = KIR_MAXBUF - k->nbuf + nlocal, more = extra + (blocks ? 0 : 1 + (nlocal > 0));
  if (more > room) {
    snprintf(s->why, sizeof s->why, "%d buffers (%d local) and %d more pointers exceed %d", k->nbuf, nlocal, more,
             KIR_MAXBUF);
    return;
  }
  s->scan_mode = blocks ? KP_SCAN_BLOCKS : KP_SCAN_COOP;
  if (!blocks) return;
  s->scan_split = split;
  s->scan_blocks = k->dim[split];
}

/* A contraction of at most the target's contract_flops as a kernel step; 0 if it is not one. */
static int plan_contract(kctx *c, kp_plan *p, int id) {
  int buf_node[KIR_MAXBUF];
  double flops = 0;
  if (c->t->contract_flops <= 0) return 0;
  kir_kernel *k = contract_kernel(c, id, buf_node, &flops);
  if (!k) return 0;
  kp_step *s = new_step(p, KP_KERNEL, id);
  s->kir = k;
  memcpy(s->buf_node, buf_node, sizeof buf_node);
  snprintf(s->why, sizeof s->why, "a contraction (%.0f flops) is a kernel of its own", flops);
  xl_vec_push(s->nodes, id);
  c->done[id] = 1;
  return 1;
}

/* ---- data-dependent addressing (kir.h INDEX, LOADX, STOREX) ---- */

/* The index operand of a GATHER, SCATTER_ADD or ONE_HOT node, or -1 (PAD, CONCAT, others). */
static int index_operand(const cg_node *n) {
  return n->op == CG_OP_GATHER || n->op == CG_OP_SCATTER_ADD ? n->in[1] : n->op == CG_OP_ONE_HOT ? n->in[0] : -1;
}

/* A LOADX of value v (read as a table: its dimension `xdim` indexed by register x, bound by
   its extent; the other dimensions of v at loop dimensions map[]: -1 none), 0 when v is a
   constant (no buffer: kernels inline constants). */
static int loadx_of(kbuild *b, int v, int xdim, int x, const int *map, int *ok) {
  const cg_shape *s = &b->c->g->nodes.v[v].shape;
  if (b->c->g->nodes.v[v].op == CG_OP_CONST) *ok = 0;
  int64_t st[CG_MAXRANK];
  strides_of(s, st);
  kir_inst in = {.op = KIR_LOADX, .a = x, .buf = buf_of(b, v, 0), .xstride = st[xdim], .xlim = s->d[xdim]};
  for (int i = 0; i < s->rank; i++)
    if (i != xdim && map[i] >= 0 && s->d[i] > 1) in.stride[map[i]] = st[i];
  return emit(b->k, in);
}

/* Loads value v whose dimension i runs along loop dimension map[i] (a constant inlined). */
static int load_mapped(kbuild *b, int v, const int *map) {
  kaccess a = {v, 0, {0}};
  const cg_shape *s = &b->c->g->nodes.v[v].shape;
  bstrides(s, a.st);
  int m[CG_MAXRANK];
  for (int i = 0; i < s->rank; i++) m[i] = s->d[i] > 1 ? map[i] : -1;
  return load_access(b, &a, s, m);
}

/* INDEX(d) - at (exact: small integers) */
static int index_minus(kbuild *b, int d, int64_t at) {
  int r = -1;
  for (int i = 0; i < b->k->body.n && r < 0; i++)
    if (b->k->body.v[i].op == KIR_INDEX && b->k->body.v[i].imm == d) r = i;
  if (r < 0) {
    kir_inst ix = {.op = KIR_INDEX, .imm = d};
    r = emit(b->k, ix);
  }
  if (!at) return r;
  kir_inst sub = {.op = KIR_SUB, .a = r, .b = const_of(b, (double)at)};
  return emit(b->k, sub);
}

/* The kernel of GATHER, ONE_HOT, SCATTER_ADD, PAD or CONCAT node id over its output's shape
   (SCATTER_ADD: its gradient operand's), exactly as ref_exec computes it (the executor checks
   the indices first: out-of-range ones are errors there); NULL when it needs more than the
   target's nest_maxbuf buffers or reads a constant as a table. */
static kir_kernel *index_kernel(kctx *c, int id, int *buf_node) {
  const cg_graph *g = c->g;
  const cg_node *n = &g->nodes.v[id];
  const cg_shape *D = n->op == CG_OP_SCATTER_ADD ? &g->nodes.v[n->in[0]].shape : &n->shape;
  kir_kernel *k = xl_calloc(1, sizeof *k);
  k->ndim = D->rank;
  memcpy(k->dim, D->d, sizeof k->dim);
  kbuild b = {c, k, buf_node, 0};
  int ok = 1, r = -1, map[CG_MAXRANK], ix = index_operand(n), ni = ix >= 0 ? g->nodes.v[ix].shape.rank : 0;
  for (int d = 0; d < CG_MAXRANK; d++) map[d] = d < ni ? d : -1; /* the index: leading dimensions */
  int x = ix >= 0 ? load_mapped(&b, ix, map) : -1;
  switch (n->op) {
  case CG_OP_GATHER: /* out[i.., r..] = table[idx[i..], r..] */
    for (int d = 0; d < CG_MAXRANK; d++) map[d] = d >= 1 ? ni + d - 1 : -1;
    r = loadx_of(&b, n->in[0], 0, x, map, &ok);
    break;
  case CG_OP_ONE_HOT: { /* out[i.., v] = v == idx[i..] (idx -1: a zero row) */
    kir_inst eq = {.op = KIR_EQ, .a = index_minus(&b, ni, 0), .b = x};
    r = emit(k, eq);
    break;
  }
  case CG_OP_SCATTER_ADD: { /* out[idx[i..], r..] += g[i.., r..] */
    for (int d = 0; d < CG_MAXRANK; d++) map[d] = d;
    int v = load_mapped(&b, n->in[0], map);
    int64_t st[CG_MAXRANK];
    strides_of(&n->shape, st);
    kir_inst sx = {.op = KIR_STOREX, .a = v, .b = x, .buf = buf_of(&b, id, 1), .xstride = st[0], .xlim = n->shape.d[0]};
    for (int i = 1; i < n->shape.rank; i++)
      if (n->shape.d[i] > 1) sx.stride[ni + i - 1] = st[i];
    emit(k, sx);
    break;
  }
  default: { /* PAD: one piece at a[1]; CONCAT: piece j at the sum of the earlier lengths */
    int ax = (int)n->a[0];
    int64_t at = n->op == CG_OP_PAD ? n->a[1] : 0;
    for (int d = 0; d < CG_MAXRANK; d++) map[d] = d == ax ? -1 : d;
    for (int j = n->op == CG_OP_PAD ? 0 : n->nin - 1; j >= 0; j--) { /* the last piece first */
      int64_t lo = at;
      if (n->op == CG_OP_CONCAT)
        for (int q = 0; q < j; q++) lo += g->nodes.v[n->in[q]].shape.d[ax];
      int v = loadx_of(&b, n->in[j], ax, index_minus(&b, ax, lo), map, &ok);
      if (r < 0) r = v;
      else { /* INDEX < end of piece j ? piece j : the later pieces (exact: no additions) */
        int64_t hi = lo + g->nodes.v[n->in[j]].shape.d[ax];
        kir_inst gt = {.op = KIR_GT, .a = const_of(&b, (double)hi), .b = index_minus(&b, ax, 0)};
        kir_inst sl = {.op = KIR_SELECT, .a = emit(k, gt), .b = v, .c = r};
        r = emit(k, sl);
      }
    }
  }
  }
  if (n->op != CG_OP_SCATTER_ADD) {
    kir_inst st = {.op = KIR_STORE, .a = r, .buf = buf_of(&b, id, 1)};
    bstrides(&n->shape, st.stride);
    emit(k, st);
  }
  if (!ok || b.overflow) {
    kir_free(k);
    return NULL;
  }
  snprintf(k->name, sizeof k->name, "k%d_%s", (*c->kcount)++, opname(n));
  return k;
}

/* Node id (MK_INDEXED) as a kernel step of its own; 0 if it is not one. */
static int plan_index(kctx *c, kp_plan *p, int id) {
  int buf_node[KIR_MAXBUF];
  kir_kernel *k = index_kernel(c, id, buf_node);
  if (!k) return 0;
  kp_step *s = new_step(p, KP_KERNEL, id);
  s->kir = k;
  memcpy(s->buf_node, buf_node, sizeof buf_node);
  snprintf(s->why, sizeof s->why, "data-dependent addressing is a kernel of its own");
  xl_vec_push(s->nodes, id);
  c->done[id] = 1;
  return 1;
}

static void merge_nests(const cg_graph *g, kp_plan *p, const kp_target *tg, int64_t small);
static int is_scan_body(const cg_graph *g);

static kp_plan *build(const cg_graph *g, int *kcount, const kp_target *t) {
  int N = g->nodes.n;
  kp_plan *p = xl_calloc(1, sizeof *p);
  p->g = g;
  p->target = *t;
  kctx c;
  memset(&c, 0, sizeof c);
  c.g = g;
  c.kcount = kcount;
  c.t = t;
  c.body = is_scan_body(g);
  c.map = xl_calloc((size_t)N + 1, sizeof *c.map);
  c.is_acc = xl_calloc((size_t)N + 1, 1);
  c.acc = xl_calloc((size_t)N + 1, sizeof *c.acc);
  c.users = xl_calloc((size_t)N + 1, sizeof(int *));
  c.nusers = xl_calloc((size_t)N + 1, sizeof(int));
  c.is_out = xl_calloc((size_t)N + 1, 1);
  c.done = xl_calloc((size_t)N + 1, 1);
  c.in_k = xl_calloc((size_t)N + 1, 1);
  c.reg = xl_malloc(((size_t)N + 1) * sizeof(int));
  for (int i = 0; i < N; i++) {
    c.reg[i] = -1;
    const cg_node *n = &g->nodes.v[i];
    for (int k = 0; k < n->nin; k++) c.nusers[n->in[k]]++;
  }
  for (int i = 0; i < N; i++) c.users[i] = xl_malloc(((size_t)c.nusers[i] + 1) * sizeof(int));
  memset(c.nusers, 0, (size_t)N * sizeof(int));
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    for (int k = 0; k < n->nin; k++) c.users[n->in[k]][c.nusers[n->in[k]]++] = i;
  }
  for (int k = 0; k < g->outs.n; k++) c.is_out[g->outs.v[k].node] = 1;

  ivec mem = {0}, hoist = {0};
  char why[sizeof((kp_step *)0)->why], stop[sizeof why];
  for (int i = 0; i < N; i++) {
    if (c.done[i]) continue;
    int mk = touches_empty(g, &g->nodes.v[i]) ? MK_NONE : member_kind(g, &g->nodes.v[i]);
    if (mk == MK_NONE || mk == MK_VIEW || (mk == MK_CONTRACT && !plan_contract(&c, p, i)) ||
        (mk == MK_INDEXED && !plan_index(&c, p, i))) {
      plan_single(&c, p, i);
      continue;
    }
    if (mk == MK_CONTRACT || mk == MK_INDEXED) continue;
    mem.n = hoist.n = 0;
    grow(&c, i, &mem, &hoist, stop, sizeof stop);
    /* the longest prefix that forms a kernel (a single node always does) and does not end in
       a view (that would be a copy: it is planned as a view after the kernel instead) */
    int buf_node[KIR_MAXBUF];
    kir_kernel *k = NULL;
    int L = mem.n;
    for (; L > 0; L--) {
      if (L > 1 && member_kind(g, &g->nodes.v[mem.v[L - 1]]) == MK_VIEW) continue;
      k = build_kernel(&c, mem.v, L, buf_node, why, sizeof why);
      if (k) break;
      if (L == mem.n) memcpy(stop, why, sizeof stop);
    }
    XL_ASSERT(k);
    int lastm = mem.v[L - 1];
    for (int h = 0; h < hoist.n; h++)
      if (hoist.v[h] < lastm) plan_single(&c, p, hoist.v[h]);
    kp_step *s = new_step(p, KP_KERNEL, lastm);
    s->kir = k;
    memcpy(s->buf_node, buf_node, sizeof buf_node);
    memcpy(s->why, stop, sizeof s->why);
    for (int m = 0; m < L; m++) {
      xl_vec_push(s->nodes, mem.v[m]);
      c.done[mem.v[m]] = 1;
    }
  }
  free(mem.v);
  free(hoist.v);
  for (int i = 0; i < N; i++) free(c.users[i]);
  free(c.users);
  free(c.nusers);
  free(c.is_out);
  free(c.done);
  free(c.in_k);
  free(c.map);
  free(c.is_acc);
  free(c.acc);
  free(c.reg);
  /* scan bodies merge every run; the top level only kernels under merge_small points (none
     when it is 0) */
  if (t->merge && (is_scan_body(g) || t->merge_small > 0)) merge_nests(g, p, t, is_scan_body(g) ? 0 : t->merge_small);
  return p;
}

/* ---- kernels of several nests (scan bodies) ---- */

static int is_viewop(const cg_node *n) { return n->op == CG_OP_RESHAPE || n->op == CG_OP_DETACH; }

/* Appends kernel step t to the merged kernel m as its next nest; inside[] marks the nodes m
   produces and the views of them. 0 (m unchanged) if the buffers do not fit. */
static int append_nest(const cg_graph *g, kp_step *m, const kp_step *t, const char *inside) {
  kir_kernel *h = m->kir;
  int nbuf = h->nbuf, node[KIR_MAXBUF], out[KIR_MAXBUF], map[KIR_MAXBUF];
  int64_t numel[KIR_MAXBUF];
  for (int b = 0; b < nbuf; b++) node[b] = m->buf_node[b], out[b] = h->buf_out[b], numel[b] = h->buf_numel[b];
  for (int b = 0; b < t->kir->nbuf; b++) {
    int v = t->buf_node[b], o = t->kir->buf_out[b];
    if (!o) /* a value of m (perhaps through views moved after m): m's output buffer */
      while (inside[v] && is_viewop(&g->nodes.v[v]) && inside[g->nodes.v[v].in[0]]) v = g->nodes.v[v].in[0];
    if (!o && inside[v]) o = 1;
    int at = -1;
    for (int i = 0; i < nbuf && at < 0; i++)
      if (node[i] == v && out[i] == o) at = i;
    if (at < 0) {
      if (o && !t->kir->buf_out[b]) return 0; /* not stored by m (cannot happen: it is read outside) */
      if (nbuf == KIR_MAXBUF) return 0;
      at = nbuf++;
      node[at] = v, out[at] = o, numel[at] = t->kir->buf_numel[b];
    }
    XL_ASSERT(numel[at] == t->kir->buf_numel[b]);
    map[b] = at;
  }
  kir_kernel *x = xl_calloc(1, sizeof *x);
  *x = *t->kir;
  x->next = NULL;
  x->body.v = xl_malloc(((size_t)t->kir->body.n + 1) * sizeof *x->body.v);
  x->body.cap = x->body.n;
  memcpy(x->body.v, t->kir->body.v, (size_t)x->body.n * sizeof *x->body.v);
  for (int i = 0; i < x->body.n; i++)
    if (kir_mem(x->body.v[i].op)) x->body.v[i].buf = map[x->body.v[i].buf];
  kir_kernel *last = h;
  while (last->next) last = last->next;
  last->next = x;
  for (kir_kernel *y = h; y; y = y->next) {
    y->nbuf = nbuf;
    memcpy(y->buf_out, out, sizeof out);
    memcpy(y->buf_numel, numel, sizeof numel);
  }
  memcpy(m->buf_node, node, sizeof node);
  m->nest_at[kir_nnest(h) - 1] = m->nodes.n;
  for (int j = 0; j < t->nodes.n; j++) xl_vec_push(m->nodes, t->nodes.v[j]);
  m->node = t->node;
  memcpy(m->why, t->why, sizeof m->why);
  return 1;
}

/* The output buffers of merged kernel m that only its own nests read (not a graph output, no
   reader outside m, views included) and that are small become KIR_LOCAL: scratch on the stack
   of each call, which the threads of a split do not share. */
static void mark_local(const cg_graph *g, kp_step *m) {
  int N = g->nodes.n;
  char *member = xl_calloc((size_t)N + 1, 1), *ext = xl_calloc((size_t)N + 1, 1);
  for (int j = 0; j < m->nodes.n; j++) member[m->nodes.v[j]] = 1;
  for (int k = 0; k < g->outs.n; k++) ext[g->outs.v[k].node] = 1;
  for (int i = N - 1; i >= 0; i--) { /* readers come after what they read: ext[i] is final here */
    const cg_node *r = &g->nodes.v[i];
    if (member[i]) continue;
    if (is_viewop(r)) ext[r->in[0]] |= ext[i]; /* a view read only by members is theirs */
    else
      for (int q = 0; q < r->nin; q++) ext[r->in[q]] = 1;
  }
  kir_kernel *h = m->kir;
  for (int b = 0; b < h->nbuf; b++)
    if (h->buf_out[b] && !ext[m->buf_node[b]] && h->buf_numel[b] <= KIR_LOCAL_MAX)
      for (kir_kernel *y = h; y; y = y->next) y->buf_out[b] = KIR_LOCAL;
  free(member);
  free(ext);
}

/* The name of a merged kernel: its head's number, then every member's op. */
static void name_nests(const cg_graph *g, kp_step *m) {
  char nm[sizeof m->kir->name];
  int p = snprintf(nm, sizeof nm, "%.*s", (int)strcspn(m->kir->name, "_"), m->kir->name);
  for (int j = 0; j < m->nodes.n && p < (int)sizeof nm; j++)
    p += snprintf(nm + p, sizeof nm - (size_t)p, "_%s", opname(&g->nodes.v[m->nodes.v[j]]));
  for (kir_kernel *y = m->kir; y; y = y->next) memcpy(y->name, nm, sizeof nm);
}

/* 1 if kernel step t has data-dependent addressing (MK_INDEXED). Such kernels are not merged:
   their indices must exist when the executor checks them before the kernel runs, and a chain
   that reads a concat's pieces or a gather's rows through LOADX rarely passes chain_splits
   (the sLSTM backward step with its gate concat and the next contraction as one chain ran on
   one thread: config A training 16% slower than with the concat a step of its own). */
static int indexed_step(const cg_graph *g, const kp_step *t) {
  for (int j = 0; j < t->nodes.n; j++)
    if (member_kind(g, &g->nodes.v[t->nodes.v[j]]) == MK_INDEXED) return 1;
  return 0;
}

/* Whether kernel step t stays out of merged kernels: data-dependent addressing (indexed_step),
   except, for a target with body_contract (a GPU: one kernel per scan step matters more than
   a chain's split), PAD and CONCAT, which have no indices to check before the kernel runs. */
static int unmerged_step(const cg_graph *g, const kp_step *t, const kp_target *tg) {
  if (!tg->body_contract) return indexed_step(g, t);
  for (int j = 0; j < t->nodes.n; j++)
    if (index_operand(&g->nodes.v[t->nodes.v[j]]) >= 0) return 1;
  return 0;
}

/* Merges runs of kernel steps separated only by views, inputs and constants (see kplan.h);
   small > 0: only kernels of fewer than `small` points (top level). */
static void merge_nests(const cg_graph *g, kp_plan *p, const kp_target *tg, int64_t small) {
  int S = p->steps.n;
  kp_step *old = p->steps.v;
  p->steps.v = NULL;
  p->steps.n = p->steps.cap = 0;
  char *inside = xl_calloc((size_t)g->nodes.n + 1, 1);
  ivec pend = {0}, after = {0};
  for (int i = 0; i < S;) {
    kp_step m = old[i++];
    if (m.kind != KP_KERNEL || (small && kir_points(m.kir) >= small) || unmerged_step(g, &m, tg)) {
      xl_vec_push(p->steps, m);
      continue;
    }
    memset(inside, 0, (size_t)g->nodes.n);
    for (int j = 0; j < m.nodes.n; j++) inside[m.nodes.v[j]] = 1;
    pend.n = after.n = 0;
    for (; i < S; i++) {
      kp_step *t = &old[i];
      const cg_node *n = &g->nodes.v[t->node];
      if (t->kind == KP_VIEW || (t->kind == KP_REF && (n->op == CG_OP_INPUT || n->op == CG_OP_CONST))) {
        if (t->kind == KP_VIEW && inside[n->in[0]]) inside[t->node] = 1;
        xl_vec_push(pend, i);
        continue;
      }
      if (t->kind != KP_KERNEL || kir_nnest(m.kir) == tg->max_nest || (small && kir_points(t->kir) >= small) ||
          m.nodes.n + t->nodes.n > tg->max_members || unmerged_step(g, t, tg) || !append_nest(g, &m, t, inside))
        break;
      for (int j = 0; j < t->nodes.n; j++) inside[t->nodes.v[j]] = 1;
      for (int q = 0; q < pend.n; q++) /* before the merged kernel, or views of its values after it */
        if (inside[old[pend.v[q]].node]) xl_vec_push(after, pend.v[q]);
        else xl_vec_push(p->steps, old[pend.v[q]]);
      pend.n = 0;
      free(t->nodes.v);
      kir_free(t->kir);
    }
    if (m.kir->next) {
      name_nests(g, &m);
      mark_local(g, &m);
    }
    xl_vec_push(p->steps, m);
    for (int q = 0; q < after.n; q++) xl_vec_push(p->steps, old[after.v[q]]);
    for (int q = 0; q < pend.n; q++) xl_vec_push(p->steps, old[pend.v[q]]);
    i = pend.n ? pend.v[pend.n - 1] + 1 : i;
  }
  free(pend.v);
  free(after.v);
  free(inside);
  free(old);
}

static int is_scan_body(const cg_graph *g) {
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].ikind == CG_IN_SEQ) return 1;
  return 0;
}

kp_plan *kp_build(const cg_graph *g, const kp_target *t) {
  /* the array bounds the target's limits must stay within */
  XL_ASSERT(t && t->max_nest >= 1 && t->max_nest <= KP_MAXNEST);
  XL_ASSERT(t->nest_maxbuf >= 4 && t->nest_maxbuf <= KIR_MAXBUF);
  XL_ASSERT(t->max_members >= 1);
  int kcount = 0;
  kp_plan *p = build(g, &kcount, t);
  if (kp_verify(p, stderr) != 0) XL_ASSERT(!"kp_build made an unsound plan");
  return p;
}

void kp_free(kp_plan *p) {
  if (!p) return;
  for (int i = 0; i < p->steps.n; i++) {
    kp_step *s = &p->steps.v[i];
    free(s->nodes.v);
    kir_free(s->kir);
    kp_free(s->body);
    free(s->ein);
  }
  free(p->steps.v);
  free(p);
}

/* ---- verify ---- */

int kp_vproblem(FILE *err, const char *where, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(err, "kp_verify: %s", where);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
    va_end(ap);
  }
  return 1;
}

/* v is a chain of views of a value of step si (a kernel of several nests reads that value
   through its own buffer; the views are planned after it). */
static int view_of(const cg_graph *g, int v, const int *at, int si) {
  while (is_viewop(&g->nodes.v[v])) {
    v = g->nodes.v[v].in[0];
    if (at[v] == si) return 1;
  }
  return 0;
}

static int verify_plan(const kp_plan *p, FILE *err, const char *w) {
  const cg_graph *g = p->g;
  int N = g->nodes.n, np = 0;
  int *at = xl_malloc(((size_t)N + 1) * sizeof(int));
  for (int i = 0; i < N; i++) at[i] = -1;
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *s = &p->steps.v[si];
    if (s->nodes.n == 0 || s->nodes.v[s->nodes.n - 1] != s->node) {
      np += kp_vproblem(err, w, "step %d: node %%%d is not the last of its nodes", si, s->node);
      continue;
    }
    for (int j = 0; j < s->nodes.n; j++) {
      int id = s->nodes.v[j];
      if (id < 0 || id >= N) {
        np += kp_vproblem(err, w, "step %d: node %%%d out of range", si, id);
        continue;
      }
      if (at[id] >= 0) np += kp_vproblem(err, w, "step %d: %%%d already produced by step %d", si, id, at[id]);
      const cg_node *n = &g->nodes.v[id];
      for (int k = 0; k < n->nin; k++)
        if (at[n->in[k]] < 0 && !(s->kind == KP_KERNEL && s->kir && s->kir->next && view_of(g, n->in[k], at, si)))
          np += kp_vproblem(err, w, "step %d: %%%d comes before its operand %%%d", si, id, n->in[k]);
      at[id] = si;
    }
    const cg_node *n = &g->nodes.v[s->node];
    if (s->kind != KP_KERNEL && s->nodes.n != 1) np += kp_vproblem(err, w, "step %d: %d nodes", si, s->nodes.n);
    if ((s->kind == KP_KERNEL) != (s->kir != NULL) || (s->body != NULL) != (s->kind == KP_REF && n->op == CG_OP_SCAN) ||
        (s->ein != NULL) != (s->kind == KP_REF && n->op == CG_OP_EINSUM))
      np += kp_vproblem(err, w, "step %d: kernel or body does not match the kind", si);
    switch (s->kind) {
    case KP_GEMM: np += kp_gemm_verify(g, s->node, &s->gemm, err, w); break;
    case KP_VIEW:
      if (n->op != CG_OP_RESHAPE && n->op != CG_OP_DETACH) np += kp_vproblem(err, w, "step %d: view of a %s", si, opname(n));
      break;
    case KP_REF:
      if (s->ein) np += kp_ein_verify(g, s->node, s->ein, err, w);
      if (s->body) {
        char *bw = xl_fmt("%s%%%d scan body: ", w, s->node);
        np += verify_plan(s->body, err, bw);
        if (s->body->g != n->body) np += kp_vproblem(err, w, "step %d: body plan of another graph", si);
        free(bw);
      }
      break;
    case KP_KERNEL: {
      const kir_kernel *k = s->kir;
      if (!k) break;
      if (kir_verify(k, err)) np += kp_vproblem(err, w, "step %d: kernel %s fails kir_verify", si, k->name);
      for (int b = 0; b < k->nbuf; b++) {
        int bn = s->buf_node[b], member = 0;
        if (bn < 0 || bn >= N) {
          np += kp_vproblem(err, w, "step %d: buffer b%d of node %%%d", si, b, bn);
          continue;
        }
        for (int j = 0; j < s->nodes.n; j++) member |= s->nodes.v[j] == bn;
        if (k->buf_numel[b] != cg_numel(&g->nodes.v[bn].shape))
          np += kp_vproblem(err, w, "step %d: b%d numel differs from %%%d", si, b, bn);
        if (k->buf_out[b] ? !member : (member || at[bn] < 0 || at[bn] >= si))
          np += kp_vproblem(err, w, "step %d: b%d (%%%d) is not a %s", si, b, bn,
                         k->buf_out[b] ? "member of the kernel" : "value of an earlier step");
      }
      for (int j = 0; j < s->nodes.n; j++)
        if (member_kind(g, &g->nodes.v[s->nodes.v[j]]) == MK_NONE)
          np += kp_vproblem(err, w, "step %d: %%%d %s cannot be fused", si, s->nodes.v[j], opname(&g->nodes.v[s->nodes.v[j]]));
      break;
    }
    }
  }
  for (int i = 0; i < N; i++)
    if (at[i] < 0) np += kp_vproblem(err, w, "%%%d %s is produced by no step", i, opname(&g->nodes.v[i]));
  free(at);
  return np;
}

int kp_verify(const kp_plan *p, FILE *err) { return verify_plan(p, err, ""); }

/* ---- dump ---- */

static void dump_plan(const kp_plan *p, FILE *out, int with_kir, int ind) {
  const cg_graph *g = p->g;
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *s = &p->steps.v[si];
    const cg_node *n = &g->nodes.v[s->node];
    fprintf(out, "%*sstep %d ", ind, "", si);
    switch (s->kind) {
    case KP_KERNEL: {
      const kir_kernel *k = s->kir;
      int nn = kir_nnest(k), nest = 1;
      fprintf(out, "kernel %.*s [", (int)strcspn(k->name, "_"), k->name);
      for (int j = 0; j < s->nodes.n; j++) {
        const char *sep = j == 0 ? "" : ", ";
        if (nest < nn && j == s->nest_at[nest]) sep = " | ", nest++;
        fprintf(out, "%s%%%d %s", sep, s->nodes.v[j], opname(&g->nodes.v[s->nodes.v[j]]));
      }
      fprintf(out, "] -> %%%d ", s->node);
      put_shape(out, &n->shape);
      if (nn > 1) { /* every nest's domain, reduced dimensions marked */
        fprintf(out, " nests %d over", nn);
        for (const kir_kernel *x = k; x; x = x->next) {
          fprintf(out, "%s[", x == k ? " " : " | ");
          for (int d = 0; d < x->ndim; d++)
            fprintf(out, "%s%lld%s", d ? ", " : "", (long long)x->dim[d], x->red_mask >> d & 1 ? "r" : "");
          fputc(']', out);
        }
      } else if (k->red_mask) {
        cg_shape d = cg_shape_of(k->ndim, k->dim);
        fputs(" over ", out);
        put_shape(out, &d);
      }
      for (int pass = 0; pass < 3; pass++) { /* inputs, outputs, kernel-local scratch */
        int any = 0;
        for (int b = 0; b < k->nbuf; b++)
          if (k->buf_out[b] == pass) {
            fprintf(out, "%s%%%d", any ? " " : pass == 2 ? " local " : pass ? " stores " : " loads ", s->buf_node[b]);
            any = 1;
          }
      }
      fprintf(out, "; stop: %s\n", s->why);
      if (with_kir) {
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        XL_ASSERT(mem);
        kir_dump(k, mem);
        fclose(mem);
        for (char *line = buf, *nl; line && *line; line = nl + 1) {
          nl = strchr(line, '\n');
          if (!nl) nl = line + strlen(line) - 1;
          fprintf(out, "%*s  %.*s\n", ind, "", (int)(nl - line + (*nl != '\n')), line);
        }
        free(buf);
      }
      break;
    }
    case KP_GEMM: {
      const kp_gemm *m = &s->gemm;
      fprintf(out, "gemm %%%d = %%%d%s x %%%d%s batch=%lld m=%lld n=%lld k=%lld lda=%lld ldb=%lld ldc=%lld",
              s->node, m->a, m->trans_a ? "^T" : "", m->b, m->trans_b ? "^T" : "", (long long)m->batch,
              (long long)m->m, (long long)m->n, (long long)m->k, (long long)m->lda, (long long)m->ldb,
              (long long)m->ldc);
      if (m->batch > 1) fprintf(out, " sa=%lld sb=%lld sc=%lld", (long long)m->sa, (long long)m->sb, (long long)m->sc);
      if (m->outer > 1)
        fprintf(out, " outer=%lld oa=%lld ob=%lld oc=%lld", (long long)m->outer, (long long)m->oa, (long long)m->ob,
                (long long)m->oc);
      fprintf(out, " flops=%.0f\n", m->flops);
      break;
    }
    case KP_VIEW:
      fprintf(out, "view %s %%%d = %%%d ", opname(n), s->node, n->in[0]);
      put_shape(out, &n->shape);
      fputc('\n', out);
      break;
    case KP_REF:
      fprintf(out, "ref %s %%%d", opname(n), s->node);
      if (s->persistent && s->scan_mode == KP_SCAN_BLOCKS)
        fprintf(out, " persistent per-block slices (blocks %lld, split dim %d)", (long long)s->scan_blocks, s->scan_split);
      else if (s->persistent && s->scan_mode == KP_SCAN_COOP)
        fputs(" persistent cooperative (grid barrier per step)", out);
      else if (s->persistent)
        fprintf(out, " per-step launches: %s", s->why);
      if (s->body) {
        fputs(" {\n", out);
        dump_plan(s->body, out, with_kir, ind + 2);
        fprintf(out, "%*s}\n", ind, "");
      } else {
        fputc(' ', out);
        put_shape(out, &n->shape);
        fputc('\n', out);
      }
      if (s->ein) { /* how it runs, on a line of its own */
        fprintf(out, "%*s  ", ind, "");
        kp_ein_dump(s->ein, out);
        fputc('\n', out);
      }
      break;
    }
  }
}

void kp_target_dump(const kp_target *t, FILE *out) {
  fprintf(out,
          "target %s: max_nest %d, merge_small %lld, nest_maxbuf %d, max_members %d, contract_flops %.0f, "
          "gemm_min_dim %lld, small_out %lld, merge %d, persistent_scan %d",
          t->name ? t->name : "?", t->max_nest, (long long)t->merge_small, t->nest_maxbuf, t->max_members,
          t->contract_flops, (long long)t->gemm_min_dim, (long long)t->small_out, t->merge, t->persistent_scan);
  if (t->body_contract || t->scan_min_blocks) /* (not the CPU target's: its dumps stay as they were) */
    fprintf(out, ", body_contract %d, scan_min_blocks %d", t->body_contract, t->scan_min_blocks);
  fputc('\n', out);
}

void kp_dump(const kp_plan *p, FILE *out, int with_kir) {
  fputs("plan {\n  ", out);
  kp_target_dump(&p->target, out);
  dump_plan(p, out, with_kir, 2);
  fputs("}\n", out);
}

/* ---- interpreter compute steps ---- */

const char *kp_fallback_why(const kp_plan *p, int i) {
  const kp_step *s = &p->steps.v[i];
  if (s->kind != KP_REF) return NULL;
  const cg_node *n = &p->g->nodes.v[s->node];
  switch (n->op) {
  case CG_OP_INPUT:
  case CG_OP_CONST:
  case CG_OP_TRIL:
  case CG_OP_SCAN:
  case CG_OP_SCAN_OUT: return NULL;
  default: break;
  }
  if (touches_empty(p->g, n)) return NULL;
  if (n->op == CG_OP_EINSUM) {
    if (s->ein && (s->ein->direct || s->ein->gemm)) return NULL; /* BLAS calls */
    return "an einsum that is no GEMM, no strided BLAS calls and no contraction kernel (a repeated label, more "
           "than 8 labels, or contract_flops 0)";
  }
  if (member_kind(p->g, n) == MK_INDEXED)
    return "its kernel would need more than nest_maxbuf buffers or read a constant table";
  return "no compiled path for this op yet";
}

int kp_fallbacks(const kp_plan *p, kp_fallback_fn fn, void *ud) {
  int n = 0;
  for (int i = 0; i < p->steps.n; i++) {
    const char *why = kp_fallback_why(p, i);
    if (why) {
      n++;
      if (fn) fn(p, i, why, ud);
    }
    if (p->steps.v[i].body) n += kp_fallbacks(p->steps.v[i].body, fn, ud);
  }
  return n;
}
