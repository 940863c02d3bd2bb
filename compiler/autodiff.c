/* autodiff.c - reverse-mode automatic differentiation of the cell graph (ad_append_backward).
 *
 * Stage: after lowering, before any fusion. Input: a forward CG. Output: the same graph with
 * the backward pass appended as ordinary CG nodes, "grad.<input>" outputs and, in cotangent
 * mode, "cot.<output>" inputs. A SCAN gets a backward SCAN running the other way whose body
 * recomputes the forward step from the saved pre-step state and applies the step's VJP (built
 * by the same sweep, recursively, on the body graph). Gradients of loop-invariant inputs that
 * are step sums of einsums or of plain per-step values are computed after the backward scan
 * from stacked factors instead of being carried as states (the hoist, below; xl_options.hoist = 0, XLC_HOIST=0, off).
 * It never changes what an existing node computes: the only edit to forward nodes is setting
 * the SAVE flag of a differentiated scan (saved states are extra results after the others).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "options.h"

typedef struct {
  cg_graph *g;
  int nfwd;   /* nodes [0, nfwd) are differentiated; newer nodes are the backward pass */
  int *ct;    /* cotangent node of each forward node, -1 = none (yet) */
  char *need; /* the node depends on something a gradient is wanted for */
  int **rct;  /* SCAN nodes: cotangent node per result (-1 = none); NULL elsewhere */
  int hoist, save_products; /* xl_options.hoist / .save_products, inherited by scan bodies */
} ad_ctx;

/* ---- small builders ---- */

static cg_shape shape_of(const ad_ctx *c, int id) { return c->g->nodes.v[id].shape; }

/* A constant of rank `rank` with all dims 1: broadcasts against any tensor of that rank. */
static int kconst(ad_ctx *c, double v, int rank) {
  cg_shape s = {.rank = rank};
  for (int i = 0; i < rank; i++) s.d[i] = 1;
  return cg_const(c->g, v, s);
}

static int zeros(ad_ctx *c, cg_shape s) { return cg_const(c->g, 0.0, s); }
static int un(ad_ctx *c, cg_op op, int x) { return cg_unary(c->g, op, x); }
static int bin(ad_ctx *c, cg_op op, int x, int y) { return cg_binary(c->g, op, x, y); }
static int mul(ad_ctx *c, int x, int y) { return bin(c, CG_OP_MUL, x, y); }
static int kmul(ad_ctx *c, double v, int x) {
  return mul(c, kconst(c, v, shape_of(c, x).rank), x);
}

/* Adds cotangent `gy` (possibly of a broadcast shape) to node x. */
static void acc(ad_ctx *c, int x, int gy) {
  if (x >= c->nfwd || !c->need[x] || c->g->nodes.v[x].is_int) return;
  cg_shape xs = shape_of(c, x), gs = shape_of(c, gy);
  if (!cg_shape_eq(&xs, &gs)) gy = cg_sum_to(c->g, gy, xs);
  c->ct[x] = c->ct[x] < 0 ? gy : bin(c, CG_OP_ADD, c->ct[x], gy);
}

static int sum_opt(ad_ctx *c, int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return bin(c, CG_OP_ADD, a, b);
}

/* Which nodes need a cotangent: INPUT entries are preset by the caller. */
static void propagate_need(ad_ctx *c) {
  for (int i = 0; i < c->nfwd; i++) {
    const cg_node *n = &c->g->nodes.v[i];
    char r = 0;
    switch (n->op) {
    case CG_OP_INPUT: r = c->need[i]; break;
    case CG_OP_CONST:
    case CG_OP_TRIL:
    case CG_OP_GE:
    case CG_OP_GT:
    case CG_OP_EQ:
    case CG_OP_SIGN:
    case CG_OP_ONE_HOT:
    case CG_OP_DETACH: r = 0; break;
    case CG_OP_WHERE: r = c->need[n->in[1]] || c->need[n->in[2]]; break;
    case CG_OP_GATHER:
    case CG_OP_SCATTER_ADD: r = c->need[n->in[0]]; break;
    default:
      for (int k = 0; k < n->nin; k++) r |= c->need[n->in[k]];
    }
    c->need[i] = r && !n->is_int;
  }
}

/* ---- rules for ops other than SCAN ---- */

static void einsum_rule(ad_ctx *c, int gy, const int64_t *lo, int ro, int other,
                        const int64_t *lother, int rother, int target, const int64_t *lt, int rt) {
  int64_t keep[8];
  int nk = 0;
  for (int i = 0; i < rt; i++) {
    int found = 0;
    for (int j = 0; j < ro; j++) found |= lo[j] == lt[i];
    for (int j = 0; j < rother; j++) found |= lother[j] == lt[i];
    for (int j = 0; j < i; j++) XL_ASSERT(lt[j] != lt[i]); /* no diagonals */
    if (found) keep[nk++] = lt[i];
  }
  cg_node p = {.op = CG_OP_EINSUM, .nin = 2, .in = (int[]){gy, other}};
  for (int j = 0; j < ro; j++) p.a[j] = lo[j];
  for (int j = 0; j < rother; j++) p.a[8 + j] = lother[j];
  for (int j = 0; j < nk; j++) p.a[16 + j] = keep[j];
  int r = cg_add_node(c->g, &p);
  cg_shape ts = shape_of(c, target);
  if (nk < rt) { /* labels summed in the forward from `target` alone: broadcast back */
    cg_shape s1 = ts;
    for (int i = 0, j = 0; i < rt; i++) {
      if (j < nk && keep[j] == lt[i]) j++;
      else s1.d[i] = 1;
    }
    r = cg_broadcast(c->g, cg_reshape(c->g, r, s1), ts);
  }
  acc(c, target, r);
}

static void scan_rule(ad_ctx *c, int s);

/* g_x[i] = sum over the j that y[j] sums x[i] into of g[j] exp(x[i] - y[j]), each factor <= 1.
   Per sign of g, in log space: x[i] + logcumsumexp(log g+- - y)[i] in the opposite direction
   is at most log sum |g|, so nothing overflows for any magnitude of x. y = -inf (every summed
   x is -inf) reads as 0 there: its terms then only reach x[i] = -inf, whose gradient is 0
   (exp(-inf + finite)), instead of NaN from -inf - -inf. An x of +inf has a NaN gradient. */
static int logcumsumexp_vjp(ad_ctx *c, const cg_node *n, int y, int gy) {
  int x = n->in[0], r = n->shape.rank;
  int yinf = bin(c, CG_OP_EQ, y, kconst(c, -INFINITY, r));
  int ys = cg_where(c->g, yinf, kconst(c, 0, r), y);
  int part[2];
  for (int k = 0; k < 2; k++) {
    int gk = bin(c, CG_OP_MAX, k ? un(c, CG_OP_NEG, gy) : gy, kconst(c, 0, r)); /* g+ or g- */
    int l = bin(c, CG_OP_SUB, un(c, CG_OP_LOG, gk), ys);
    int acc_l = cg_cumulative(c->g, CG_OP_LOGCUMSUMEXP, l, (int)n->a[0], !n->a[1]);
    part[k] = un(c, CG_OP_EXP, bin(c, CG_OP_ADD, x, acc_l));
  }
  return bin(c, CG_OP_SUB, part[0], part[1]);
}

static void node_rule(ad_ctx *c, int i) {
  cg_node n = c->g->nodes.v[i]; /* copy: node storage moves as nodes are added */
  int gy = c->ct[i];
  int x = n.nin > 0 ? n.in[0] : -1, y = n.nin > 1 ? n.in[1] : -1;
  int r = n.shape.rank;
  switch (n.op) {
  case CG_OP_INPUT:
  case CG_OP_CONST:
  case CG_OP_TRIL:
  case CG_OP_GE:
  case CG_OP_GT:
  case CG_OP_EQ:
  case CG_OP_SIGN:
  case CG_OP_ONE_HOT:
  case CG_OP_DETACH: break;
  case CG_OP_NEG: acc(c, x, un(c, CG_OP_NEG, gy)); break;
  case CG_OP_EXP: acc(c, x, mul(c, gy, i)); break;
  case CG_OP_LOG: acc(c, x, bin(c, CG_OP_DIV, gy, x)); break;
  case CG_OP_SIGMOID: /* g * s * (1 - s) */
    acc(c, x, mul(c, gy, mul(c, i, bin(c, CG_OP_SUB, kconst(c, 1, r), i))));
    break;
  case CG_OP_LOGSIGMOID: acc(c, x, mul(c, gy, un(c, CG_OP_SIGMOID, un(c, CG_OP_NEG, x)))); break;
  case CG_OP_TANH: acc(c, x, mul(c, gy, bin(c, CG_OP_SUB, kconst(c, 1, r), un(c, CG_OP_SQUARE, i)))); break;
  case CG_OP_SILU: { /* s * (1 + x (1 - s)) */
    int sg = un(c, CG_OP_SIGMOID, x);
    int t = mul(c, x, bin(c, CG_OP_SUB, kconst(c, 1, r), sg));
    acc(c, x, mul(c, gy, mul(c, sg, bin(c, CG_OP_ADD, kconst(c, 1, r), t))));
    break;
  }
  case CG_OP_GELU: acc(c, x, mul(c, gy, un(c, CG_OP_GELU_D, x))); break;
  case CG_OP_GELU_D: { /* d/dx (Phi + x phi) = phi(x) (2 - x^2) */
    int x2 = un(c, CG_OP_SQUARE, x);
    int phi = kmul(c, 1.0 / sqrt(2.0 * M_PI), un(c, CG_OP_EXP, kmul(c, -0.5, x2)));
    acc(c, x, mul(c, gy, mul(c, phi, bin(c, CG_OP_SUB, kconst(c, 2, r), x2))));
    break;
  }
  case CG_OP_ABS: acc(c, x, mul(c, gy, un(c, CG_OP_SIGN, x))); break;
  case CG_OP_SQRT: acc(c, x, bin(c, CG_OP_DIV, kmul(c, 0.5, gy), i)); break;
  case CG_OP_RSQRT: /* -x^(-3/2) / 2 = -out^3 / 2 */
    acc(c, x, mul(c, gy, kmul(c, -0.5, mul(c, i, un(c, CG_OP_SQUARE, i)))));
    break;
  case CG_OP_SQUARE: acc(c, x, mul(c, gy, kmul(c, 2.0, x))); break;
  case CG_OP_RECIP: acc(c, x, un(c, CG_OP_NEG, mul(c, gy, un(c, CG_OP_SQUARE, i)))); break;
  case CG_OP_LOG1P: acc(c, x, bin(c, CG_OP_DIV, gy, bin(c, CG_OP_ADD, kconst(c, 1, r), x))); break;
  case CG_OP_EXPM1: acc(c, x, mul(c, gy, un(c, CG_OP_EXP, x))); break;
  case CG_OP_ADD: acc(c, x, gy); acc(c, y, gy); break;
  case CG_OP_SUB: acc(c, x, gy); if (c->need[y]) acc(c, y, un(c, CG_OP_NEG, gy)); break;
  case CG_OP_MUL:
    if (c->need[x]) acc(c, x, mul(c, gy, y));
    if (c->need[y]) acc(c, y, mul(c, gy, x));
    break;
  case CG_OP_DIV: { /* d/da = g / b, d/db = -(g / b) * out */
    int ga = bin(c, CG_OP_DIV, gy, y);
    acc(c, x, ga);
    if (c->need[y]) acc(c, y, un(c, CG_OP_NEG, mul(c, ga, i)));
    break;
  }
  case CG_OP_POW: /* d/da = g b a^(b - 1) (none for a constant b = 0: x ** 0 = 1), d/db = g out log(a) */
    if (!(c->g->nodes.v[y].op == CG_OP_CONST && c->g->nodes.v[y].fval == 0))
      acc(c, x, mul(c, gy, mul(c, y, bin(c, CG_OP_POW, x, bin(c, CG_OP_SUB, y, kconst(c, 1, r))))));
    if (c->need[y]) acc(c, y, mul(c, gy, mul(c, i, un(c, CG_OP_LOG, x))));
    break;
  case CG_OP_MAX:
  case CG_OP_MIN: { /* to a where a >= b (max) / a <= b (min), else to b */
    int m = n.op == CG_OP_MAX ? bin(c, CG_OP_GE, x, y) : bin(c, CG_OP_GE, y, x);
    int ga = mul(c, gy, m);
    acc(c, x, ga);
    if (c->need[y]) acc(c, y, bin(c, CG_OP_SUB, gy, ga));
    break;
  }
  case CG_OP_WHERE: {
    int z = kconst(c, 0, r);
    if (c->need[n.in[1]]) acc(c, n.in[1], cg_where(c->g, n.in[0], gy, z));
    if (c->need[n.in[2]]) acc(c, n.in[2], cg_where(c->g, n.in[0], z, gy));
    break;
  }
  case CG_OP_SUM: acc(c, x, cg_broadcast(c->g, gy, shape_of(c, x))); break;
  case CG_OP_MAXR: { /* split evenly among the positions equal to the max */
    int m = bin(c, CG_OP_EQ, x, i);
    int cnt = cg_sum(c->g, m, (unsigned)n.a[0]);
    acc(c, x, mul(c, m, bin(c, CG_OP_DIV, gy, cnt)));
    break;
  }
  case CG_OP_CUMSUM: acc(c, x, cg_cumulative(c->g, CG_OP_CUMSUM, gy, (int)n.a[0], !n.a[1])); break;
  case CG_OP_LOGCUMSUMEXP: acc(c, x, logcumsumexp_vjp(c, &n, i, gy)); break;
  case CG_OP_BROADCAST: acc(c, x, cg_sum_to(c->g, gy, shape_of(c, x))); break;
  case CG_OP_RESHAPE: acc(c, x, cg_reshape(c->g, gy, shape_of(c, x))); break;
  case CG_OP_TRANSPOSE: {
    int inv[CG_MAXRANK];
    for (int k = 0; k < r; k++) inv[n.a[k]] = k;
    acc(c, x, cg_transpose(c->g, gy, inv));
    break;
  }
  case CG_OP_SLICE: {
    int64_t dim = shape_of(c, x).d[n.a[0]];
    acc(c, x, cg_pad(c->g, gy, (int)n.a[0], n.a[1], dim - n.a[1] - n.a[2]));
    break;
  }
  case CG_OP_PAD: acc(c, x, cg_slice(c->g, gy, (int)n.a[0], n.a[1], shape_of(c, x).d[n.a[0]])); break;
  case CG_OP_CONCAT: {
    int64_t off = 0;
    for (int k = 0; k < n.nin; k++) {
      int64_t len = shape_of(c, n.in[k]).d[n.a[0]];
      if (c->need[n.in[k]]) acc(c, n.in[k], cg_slice(c->g, gy, (int)n.a[0], off, len));
      off += len;
    }
    break;
  }
  case CG_OP_GATHER: acc(c, x, cg_scatter_add(c->g, gy, y, shape_of(c, x).d[0])); break;
  case CG_OP_SCATTER_ADD: acc(c, x, cg_gather(c->g, gy, y)); break;
  case CG_OP_EINSUM: {
    int rx = shape_of(c, x).rank, ry = shape_of(c, y).rank;
    if (c->need[x]) einsum_rule(c, gy, n.a + 16, r, y, n.a + 8, ry, x, n.a, rx);
    if (c->need[y]) einsum_rule(c, gy, n.a + 16, r, x, n.a, rx, y, n.a + 8, ry);
    break;
  }
  case CG_OP_SCAN_OUT: {
    const cg_node *s = &c->g->nodes.v[x];
    if (!c->rct[x]) {
      int nr = (int)(2 * s->a[CG_SCAN_NSTATE] + s->a[CG_SCAN_NOUT]);
      c->rct[x] = xl_malloc((size_t)nr * sizeof(int));
      for (int k = 0; k < nr; k++) c->rct[x][k] = -1;
    }
    int *slot = &c->rct[x][n.a[0]];
    *slot = sum_opt(c, *slot, gy);
    break;
  }
  case CG_OP_SCAN: XL_ASSERT(!"SCAN reached node_rule"); break;
  case CG_OP_COUNT: XL_ASSERT(!"bad op"); break;
  }
}

/* Reverse sweep over nodes [0, nfwd). */
static void sweep(ad_ctx *c) {
  for (int i = c->nfwd - 1; i >= 0; i--) {
    const cg_node *n = &c->g->nodes.v[i];
    if (!c->need[i]) continue;
    int before = c->g->nodes.n;
    xl_loc loc = n->loc;
    if (n->op == CG_OP_SCAN) {
      if (c->rct[i]) scan_rule(c, i);
    } else if (c->ct[i] >= 0) {
      node_rule(c, i);
    }
    if (loc.line) /* backward nodes point at the forward op they differentiate */
      for (int k = before; k < c->g->nodes.n; k++) c->g->nodes.v[k].loc = loc;
  }
}

static void ctx_init(ad_ctx *c, cg_graph *g, int hoist, int save_products) {
  c->g = g;
  c->hoist = hoist, c->save_products = save_products;
  c->nfwd = g->nodes.n;
  c->ct = xl_malloc((size_t)(c->nfwd + 1) * sizeof(int));
  c->need = xl_calloc((size_t)c->nfwd + 1, 1);
  c->rct = xl_calloc((size_t)c->nfwd + 1, sizeof(int *));
  for (int i = 0; i < c->nfwd; i++) c->ct[i] = -1;
}

static void ctx_free(ad_ctx *c) {
  for (int i = 0; i < c->nfwd; i++) free(c->rct[i]);
  free(c->rct);
  free(c->ct);
  free(c->need);
}

/* ---- SCAN ----
 * Forward: for each step t, (s_t, y_t) = f(x_t, P, s_{t-1}); results: final states, stacked
 * y, stacked pre-step states (save). Backward scan (other direction, same axis):
 *   seq    = X (all), saved pre-states (all), dY_k (non-int outputs; zeros if no cotangent),
 *            dSaved_k (only saved-state results that have a cotangent)
 *   consts = P (all)
 *   states = dS_k (non-int states; init: final-state cotangent or zeros),
 *            acc_j (differentiable consts; init zeros)
 *   body   = copy of f (its BSTATE inputs read the saved pre-state instead), then the VJP of f
 *            seeded with dS_k on new state k and dY_k on output k
 *   body outputs = dS_{t-1} per state, acc_j + dP_j, then dX_i per step (needed seq inputs),
 *            then the per-step factors of hoisted gradients (hoist.<f>)
 *   a hoisted P_j has no acc_j state; its gradient is built after the scan (hoist_replay)
 * Saved products: an EINSUM of the forward body that depends on a pre-step state (the
 * recurrent matmul R h_{t-1}) and that the backward body still needs is not recomputed there:
 * the forward body outputs it as an extra stacked output (after its own outputs), and the
 * backward body reads it as one more sequence input (after dSaved_k). save_products = 0
 * (xl_options, XLC_SAVE_PRODUCTS=0) recomputes them (for comparisons).
 */
typedef struct {
  int nseq, nconst, nstate, nout;
  const char *need_x, *need_p; /* which seq / const inputs get a gradient */
  const char *dstate, *dout;   /* non-int states / per-step outputs */
  const char *dsaved;          /* saved-state results with a cotangent */
  const cg_shape *xs, *ps, *ss; /* per-step shapes: seq slices, consts, states */
  int axis;                     /* the scan's step axis */
  int hoist;                    /* hoist parameter-gradient sums out of the backward scan */
  int save_products;            /* save state products for the backward body (below) */
} scan_layout;

/* ---- hoisting parameter-gradient sums out of the backward scan ----
 * The gradient of a loop-invariant input P_j is the sum over steps of a per-step term dP_j(t).
 * Carried as a scan state, it is accumulated step by step (for the sLSTM's recurrent kernel: a
 * small contraction plus a read-add-write of [NH, 4D, D] per step). When dP_j(t) is, up to
 * RESHAPEs, SUMs and ADDs, built from
 *   - EINSUM(u, v) of two per-step values: u(t) and v(t) become per-step outputs of the
 *     backward scan (or, where they are a sequence input of the body, that sequence is used
 *     directly), and after the scan ONE einsum with an extra summed step label contracts over
 *     all steps (a single GEMM instead of T small ones);
 *   - a plain per-step value e(t): e becomes a per-step output, summed over the step axis
 *     after the scan,
 * then the accumulator state is not created and dP_j is computed after the scan by replaying
 * that RESHAPE/SUM/ADD tree on the hoisted values. Cost: the factors are stacked [.., T, ..]
 * sequences. hoist = 0 (xl_options, XLC_HOIST=0) keeps the carried accumulator (for comparisons). */
typedef struct {
  cg_graph *b;
  char *vary;          /* body node depends on a per-step input (SEQ or BSTATE) */
  char *ein;           /* body node is an EINSUM or an ADD/RESHAPE/SUM above one */
  char *avail;         /* body node is available as a sequence: SEQ input or cot.seq output */
  XL_VEC(int) factors; /* body nodes to emit as per-step outputs */
} hoist_ctx;

static int hoist_leaf_ok(const hoist_ctx *h, int id, int axis) {
  const cg_node *n = &h->b->nodes.v[id];
  return !n->is_int && h->vary[id] && n->shape.rank >= axis && n->shape.rank < CG_MAXRANK;
}

/* Whether the per-step term `id` can be summed over the steps after the scan. A plain sum
   (no einsum below) is one per-step factor; RESHAPE and SUM commute with the step sum. */
static int hoist_ok(const hoist_ctx *h, int id, int axis) {
  const cg_node *n = &h->b->nodes.v[id];
  if (n->is_int || !h->vary[id]) return 0;
  if (h->avail[id] || !h->ein[id]) {
    if (n->op == CG_OP_RESHAPE || n->op == CG_OP_SUM)
      if (!h->avail[id] && hoist_leaf_ok(h, n->in[0], axis)) return 1; /* reduce after the scan */
    return hoist_leaf_ok(h, id, axis);
  }
  switch (n->op) {
  case CG_OP_ADD: return hoist_ok(h, n->in[0], axis) && hoist_ok(h, n->in[1], axis);
  case CG_OP_RESHAPE:
  case CG_OP_SUM: return hoist_ok(h, n->in[0], axis);
  case CG_OP_EINSUM: return hoist_leaf_ok(h, n->in[0], axis) && hoist_leaf_ok(h, n->in[1], axis);
  default: return 0;
  }
}

static void hoist_factor(hoist_ctx *h, int id) {
  if (h->avail[id]) return;
  for (int i = 0; i < h->factors.n; i++)
    if (h->factors.v[i] == id) return;
  xl_vec_push(h->factors, id);
}

/* Collects the factors of a tree hoist_ok accepted (same decisions). */
static void hoist_collect(hoist_ctx *h, int id, int axis) {
  const cg_node *n = &h->b->nodes.v[id];
  if (h->avail[id] || !h->ein[id]) {
    if ((n->op == CG_OP_RESHAPE || n->op == CG_OP_SUM) && !h->avail[id] &&
        hoist_leaf_ok(h, n->in[0], axis))
      hoist_collect(h, n->in[0], axis);
    else
      hoist_factor(h, id);
    return;
  }
  switch (n->op) {
  case CG_OP_ADD: hoist_collect(h, n->in[0], axis); hoist_collect(h, n->in[1], axis); break;
  case CG_OP_RESHAPE:
  case CG_OP_SUM: hoist_collect(h, n->in[0], axis); break;
  case CG_OP_EINSUM: hoist_factor(h, n->in[0]); hoist_factor(h, n->in[1]); break;
  default: XL_ASSERT(!"hoist_collect: not hoistable");
  }
}

/* Replays body tree `id` in the outer graph g; outer[k] is the stacked sequence of body node k
   (factors and SEQ inputs), step axis `axis`. */
static int hoist_replay(cg_graph *g, const cg_graph *b, int id, const int *outer, int axis) {
  const cg_node *n = &b->nodes.v[id];
  if (outer[id] >= 0) /* a per-step value: summed over the steps */
    return cg_reshape(g, cg_sum(g, outer[id], 1u << axis), n->shape);
  if (n->op == CG_OP_SUM && outer[n->in[0]] >= 0) { /* its axes and the steps in one sum */
    unsigned m = (unsigned)n->a[0], lo = m & ((1u << axis) - 1);
    return cg_reshape(g, cg_sum(g, outer[n->in[0]], lo | ((m - lo) << 1) | (1u << axis)), n->shape);
  }
  switch (n->op) {
  case CG_OP_ADD:
    return cg_binary(g, CG_OP_ADD, hoist_replay(g, b, n->in[0], outer, axis),
                     hoist_replay(g, b, n->in[1], outer, axis));
  case CG_OP_RESHAPE: return cg_reshape(g, hoist_replay(g, b, n->in[0], outer, axis), n->shape);
  case CG_OP_SUM: return cg_sum(g, hoist_replay(g, b, n->in[0], outer, axis), (unsigned)n->a[0]);
  case CG_OP_EINSUM: {
    int64_t used[24], t = 0;
    int ru = b->nodes.v[n->in[0]].shape.rank, rv = b->nodes.v[n->in[1]].shape.rank;
    int ro = n->shape.rank, nu = 0;
    for (int k = 0; k < ru; k++) used[nu++] = n->a[k];
    for (int k = 0; k < rv; k++) used[nu++] = n->a[8 + k];
    for (int k = 0; k < ro; k++) used[nu++] = n->a[16 + k];
    for (int64_t cand = 46; cand < 46 + 52 && !t; cand++) { /* label codes 1..52, 'T' = 46 */
      t = (cand - 1) % 52 + 1;
      for (int k = 0; k < nu; k++)
        if (used[k] == t) t = 0;
    }
    XL_ASSERT(t);
    cg_node p = {.op = CG_OP_EINSUM, .nin = 2,
                 .in = (int[]){outer[n->in[0]], outer[n->in[1]]}, .loc = n->loc};
    for (int k = 0, j = 0; k <= ru; k++) {
      if (k == axis) p.a[j++] = t;
      if (k < ru) p.a[j++] = n->a[k];
    }
    for (int k = 0, j = 8; k <= rv; k++) {
      if (k == axis) p.a[j++] = t;
      if (k < rv) p.a[j++] = n->a[8 + k];
    }
    for (int k = 0; k < ro; k++) p.a[16 + k] = n->a[16 + k];
    XL_ASSERT(outer[n->in[0]] >= 0 && outer[n->in[1]] >= 0);
    /* each operand's axes in the order summed labels (as in the first operand), then the
       output's labels: every label group of the product is then contiguous in every operand,
       which a (batched, strided) GEMM needs; a TRANSPOSE where the stacked order differs */
    int ops[2];
    for (int o = 0; o < 2; o++) {
      int r = (o ? rv : ru) + 1, perm[CG_MAXRANK], np = 0, moved = 0;
      int64_t *lab = p.a + 8 * o, nl[8];
      for (int k = 0; k < ru + 1; k++) { /* summed labels in the first operand's order */
        int64_t l = p.a[k];
        int inout = 0;
        for (int q = 0; q < ro; q++) inout |= n->a[16 + q] == l;
        for (int q = 0; q < r && !inout; q++)
          if (lab[q] == l) perm[np++] = q;
      }
      for (int k = 0; k < ro; k++)
        for (int q = 0; q < r; q++)
          if (lab[q] == n->a[16 + k]) perm[np++] = q;
      XL_ASSERT(np == r);
      for (int k = 0; k < r; k++) {
        nl[k] = lab[perm[k]];
        moved |= perm[k] != k;
      }
      ops[o] = p.in[o];
      if (moved) {
        ops[o] = cg_transpose(g, p.in[o], perm);
        for (int k = 0; k < r; k++) lab[k] = nl[k];
      }
    }
    p.in = ops;
    return cg_add_node(g, &p);
  }
  default: XL_ASSERT(!"hoist_replay: not hoisted"); return -1;
  }
}

/* Sum of the cotangents of the body INPUT nodes of kind k, slot `slot` (several INPUT nodes
   may read the same slot), or -1. */
static int input_ct(ad_ctx *c, cg_ikind k, int slot) {
  int r = -1;
  for (int i = 0; i < c->nfwd; i++) {
    const cg_node *n = &c->g->nodes.v[i];
    if (n->op == CG_OP_INPUT && n->ikind == k && n->slot == slot && c->ct[i] >= 0)
      r = sum_opt(c, r, c->ct[i]);
  }
  return r;
}

/* The forward-body EINSUMs that depend on a pre-step state and that a live node of the
   backward body b reads (nodes below nfwd are the forward body's, same ids), turned into SEQ
   inputs of slots seqslot, seqslot + 1, ... in b. Returns how many; their ids in *saved. */
static int save_products(const cg_graph *fb, cg_graph *b, int nfwd, int seqslot, int on, int **saved) {
  int nb = b->nodes.n, ns = 0;
  char *dep = xl_calloc((size_t)nfwd + 1, 1), *live = xl_calloc((size_t)nb + 1, 1);
  *saved = xl_malloc((size_t)nfwd * sizeof(int) + 1);
  for (int i = 0; i < nfwd; i++) {
    const cg_node *n = &fb->nodes.v[i];
    dep[i] = n->op == CG_OP_INPUT && n->ikind == CG_IN_BSTATE;
    for (int k = 0; k < n->nin; k++) dep[i] |= dep[n->in[k]];
  }
  for (int k = 0; k < b->outs.n; k++) live[b->outs.v[k].node] = 2; /* 2: an output itself */
  char *read = xl_calloc((size_t)nb + 1, 1); /* read by a live node */
  for (int i = nb - 1; i >= 0; i--) {
    if (!live[i]) continue;
    const cg_node *n = &b->nodes.v[i];
    for (int k = 0; k < n->nin; k++) live[n->in[k]] = live[n->in[k]] ? live[n->in[k]] : 1, read[n->in[k]] = 1;
  }
  for (int i = 0; i < nfwd && on; i++) {
    const cg_node *f = &fb->nodes.v[i];
    if (f->op != CG_OP_EINSUM || !dep[i] || f->is_int || !(read[i] || live[i] == 2)) continue;
    cg_node *n = &b->nodes.v[i];
    free(n->in);
    n->in = NULL;
    n->nin = 0;
    memset(n->a, 0, sizeof n->a);
    n->op = CG_OP_INPUT;
    n->ikind = CG_IN_SEQ;
    n->slot = seqslot + ns;
    n->fval = 0;
    n->name = xl_fmt("saved.product.%d", ns);
    (*saved)[ns++] = i;
  }
  free(dep);
  free(live);
  free(read);
  return ns;
}

/* hroot[j]: body node of the hoisted gradient of const j (else -1); factors: body nodes that
   are per-step outputs after the cot.seq ones (malloc'd, *nfactors of them); saved: forward
   body nodes read as saved products, sequence inputs after the dSaved ones (*nsaved). */
static cg_graph *backward_body(const cg_graph *fb, const scan_layout *L, int *hroot,
                               int **factors, int *nfactors, int **saved, int *nsaved) {
  cg_graph *b = cg_clone(fb);
  int no = L->nstate + L->nout;
  XL_ASSERT(b->outs.n == no);
  int *outn = xl_malloc((size_t)no * sizeof(int));
  for (int k = 0; k < no; k++) {
    outn[k] = b->outs.v[k].node;
    free(b->outs.v[k].name);
  }
  b->outs.n = 0;

  ad_ctx c;
  ctx_init(&c, b, L->hoist, L->save_products);
  for (int i = 0; i < c.nfwd; i++) { /* pre-state inputs now read the saved states */
    cg_node *n = &b->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    if (n->ikind == CG_IN_BSTATE) {
      n->ikind = CG_IN_SEQ;
      n->slot += L->nseq;
    }
    if (n->ikind == CG_IN_SEQ)
      c.need[i] = n->slot < L->nseq ? L->need_x[n->slot] : L->dstate[n->slot - L->nseq];
    else if (n->ikind == CG_IN_CONST)
      c.need[i] = L->need_p[n->slot];
  }
  propagate_need(&c);

  /* new inputs: per-step cotangents, then carried cotangents and accumulators */
  xl_loc nol = {0};
  int seqslot = L->nseq + L->nstate, stslot = 0;
  int *dy = xl_malloc((size_t)(L->nout + 1) * sizeof(int));
  int *dsv = xl_malloc((size_t)(L->nstate + 1) * sizeof(int));
  int *ds = xl_malloc((size_t)(L->nstate + 1) * sizeof(int));
  int *pacc = xl_malloc((size_t)(L->nconst + 1) * sizeof(int));
  char name[64];
  for (int k = 0; k < L->nout; k++) {
    snprintf(name, sizeof name, "cot.out.%d", k);
    dy[k] = L->dout[k] ? cg_input(b, CG_IN_SEQ, name, seqslot++, b->nodes.v[outn[L->nstate + k]].shape, nol) : -1;
  }
  for (int k = 0; k < L->nstate; k++) {
    snprintf(name, sizeof name, "cot.saved.%d", k);
    dsv[k] = L->dsaved[k] ? cg_input(b, CG_IN_SEQ, name, seqslot++, L->ss[k], nol) : -1;
  }
  for (int k = 0; k < L->nstate; k++) {
    snprintf(name, sizeof name, "cot.state.%d", k);
    ds[k] = L->dstate[k] ? cg_input(b, CG_IN_BSTATE, name, stslot++, L->ss[k], nol) : -1;
  }
  for (int k = 0; k < L->nstate; k++)
    if (ds[k] >= 0) acc(&c, outn[k], ds[k]);
  for (int k = 0; k < L->nout; k++)
    if (dy[k] >= 0) acc(&c, outn[L->nstate + k], dy[k]);
  sweep(&c);

  int *dseq = xl_malloc((size_t)(L->nseq + 1) * sizeof(int));
  int *dconst = xl_malloc((size_t)(L->nconst + 1) * sizeof(int));
  for (int i = 0; i < L->nseq; i++) {
    int d = L->need_x[i] ? input_ct(&c, CG_IN_SEQ, i) : -1;
    dseq[i] = L->need_x[i] && d < 0 ? zeros(&c, L->xs[i]) : d;
  }
  for (int j = 0; j < L->nconst; j++) dconst[j] = L->need_p[j] ? input_ct(&c, CG_IN_CONST, j) : -1;

  /* which const gradients are hoisted (their accumulator inputs are then never created) */
  int nb = b->nodes.n;
  hoist_ctx h = {.b = b, .vary = xl_calloc((size_t)nb + 1, 1), .ein = xl_calloc((size_t)nb + 1, 1),
                 .avail = xl_calloc((size_t)nb + 1, 1)};
  for (int i = 0; i < nb; i++) {
    const cg_node *n = &b->nodes.v[i];
    char v = n->op == CG_OP_INPUT && (n->ikind == CG_IN_SEQ || n->ikind == CG_IN_BSTATE);
    for (int k = 0; k < n->nin; k++) v |= h.vary[n->in[k]];
    h.vary[i] = v;
    h.avail[i] = n->op == CG_OP_INPUT && n->ikind == CG_IN_SEQ;
    h.ein[i] = n->op == CG_OP_EINSUM ||
               ((n->op == CG_OP_ADD || n->op == CG_OP_RESHAPE || n->op == CG_OP_SUM) &&
                (h.ein[n->in[0]] || (n->nin > 1 && h.ein[n->in[1]])));
  }
  for (int i = 0; i < L->nseq; i++)
    if (dseq[i] >= 0) h.avail[dseq[i]] = 1;
  for (int j = 0; j < L->nconst; j++) {
    hroot[j] = -1;
    if (L->hoist && dconst[j] >= 0 && hoist_ok(&h, dconst[j], L->axis)) hroot[j] = dconst[j];
  }
  for (int j = 0; j < L->nconst; j++) {
    snprintf(name, sizeof name, "acc.const.%d", j);
    pacc[j] = L->need_p[j] && hroot[j] < 0 ? cg_input(b, CG_IN_BSTATE, name, stslot++, L->ps[j], nol) : -1;
  }

  for (int k = 0; k < L->nstate; k++) {
    if (ds[k] < 0) continue;
    int d = sum_opt(&c, input_ct(&c, CG_IN_SEQ, L->nseq + k), dsv[k]);
    snprintf(name, sizeof name, "cot.state.%d", k);
    cg_output_add(b, name, d >= 0 ? d : zeros(&c, L->ss[k]));
  }
  for (int j = 0; j < L->nconst; j++) {
    if (pacc[j] < 0) continue;
    snprintf(name, sizeof name, "acc.const.%d", j);
    cg_output_add(b, name, sum_opt(&c, pacc[j], dconst[j]));
  }
  for (int i = 0; i < L->nseq; i++) {
    if (!L->need_x[i]) continue;
    snprintf(name, sizeof name, "cot.seq.%d", i);
    cg_output_add(b, name, dseq[i]);
  }
  for (int j = 0; j < L->nconst; j++)
    if (hroot[j] >= 0) hoist_collect(&h, hroot[j], L->axis);
  *nfactors = h.factors.n;
  *factors = xl_malloc((size_t)(h.factors.n + 1) * sizeof(int));
  for (int f = 0; f < h.factors.n; f++) {
    (*factors)[f] = h.factors.v[f];
    snprintf(name, sizeof name, "hoist.%d", f);
    cg_output_add(b, name, h.factors.v[f]);
  }
  *nsaved = save_products(fb, b, c.nfwd, seqslot, L->save_products, saved);
  free(dseq);
  free(dconst);
  free(h.ein);
  free(h.avail);
  free(h.factors.v);
  free(h.vary);
  ctx_free(&c);
  free(outn);
  free(dy);
  free(dsv);
  free(ds);
  free(pacc);
  return b;
}

static cg_shape drop_axis(cg_shape s, int axis) {
  for (int i = axis; i + 1 < s.rank; i++) s.d[i] = s.d[i + 1];
  s.rank--;
  return s;
}

static cg_shape insert_axis(cg_shape s, int axis, int64_t n) {
  for (int i = s.rank; i > axis; i--) s.d[i] = s.d[i - 1];
  s.d[axis] = n;
  s.rank++;
  return s;
}

/* Emits the backward scan of forward scan s (layout L) and accumulates its results. */
static void emit_backward_scan(ad_ctx *c, int s, const cg_node *sp, const scan_layout *Lp, int64_t T) {
  cg_graph *g = c->g;
  cg_node sn = *sp;
  scan_layout L = *Lp;
  int nseq = L.nseq, nconst = L.nconst, nstate = L.nstate, nout = L.nout;
  int axis = (int)sn.a[CG_SCAN_AXIS];
  const int *X = sn.in, *P = sn.in + nseq, *S0 = sn.in + nseq + nconst;
  const int *r = c->rct[s];
  const cg_graph *fb = sn.body;
  const char *need_x = L.need_x, *need_p = L.need_p, *dstate = L.dstate, *dout = L.dout,
             *dsaved = L.dsaved;
  const cg_shape *ss = L.ss, *ps = L.ps;

  g->nodes.v[s].a[CG_SCAN_SAVE] = 1; /* existing results keep their indices */
  int *hroot = xl_malloc((size_t)(nconst + 1) * sizeof(int)), *factors = NULL, nfac = 0, *saved = NULL, nsv = 0;
  cg_graph *bb = backward_body(fb, &L, hroot, &factors, &nfac, &saved, &nsv);
  /* the saved products become stacked outputs of the forward scan, after its own outputs
     (the saved pre-states, which nothing reads yet, move behind them) */
  for (int k = 0; k < nsv; k++) cg_output_add(g->nodes.v[s].body, "saved.product", saved[k]);
  g->nodes.v[s].a[CG_SCAN_NOUT] = nout + nsv;

  XL_VEC(int) ins = {0};
  for (int i = 0; i < nseq; i++) xl_vec_push(ins, X[i]);
  for (int k = 0; k < nstate; k++) xl_vec_push(ins, cg_scan_out(g, s, nstate + nout + nsv + k));
  for (int k = 0; k < nout; k++) {
    if (!dout[k]) continue;
    int d = r[nstate + k];
    if (d < 0) d = zeros(c, insert_axis(fb->nodes.v[fb->outs.v[nstate + k].node].shape, axis, T));
    xl_vec_push(ins, d);
  }
  for (int k = 0; k < nstate; k++)
    if (dsaved[k]) xl_vec_push(ins, r[nstate + nout + k]);
  for (int k = 0; k < nsv; k++) xl_vec_push(ins, cg_scan_out(g, s, nstate + nout + k));
  int nseq_b = ins.n;
  for (int j = 0; j < nconst; j++) xl_vec_push(ins, P[j]);
  int nst_b = 0, nx_b = 0;
  for (int k = 0; k < nstate; k++) {
    if (!dstate[k]) continue;
    xl_vec_push(ins, r[k] >= 0 ? r[k] : zeros(c, ss[k]));
    nst_b++;
  }
  for (int j = 0; j < nconst; j++) {
    if (!need_p[j] || hroot[j] >= 0) continue;
    xl_vec_push(ins, zeros(c, ps[j]));
    nst_b++;
  }
  for (int i = 0; i < nseq; i++) nx_b += need_x[i];
  int bs = cg_scan(g, bb, nseq_b, nconst, nst_b, nx_b + nfac, axis, !sn.a[CG_SCAN_REVERSE], 0, ins.v);

  /* outer sequence of every body node a hoisted gradient reads: SEQ inputs, per-step outputs */
  int *outer = NULL, anyh = 0;
  for (int j = 0; j < nconst; j++) anyh |= hroot[j] >= 0;
  if (anyh) {
    outer = xl_malloc((size_t)bb->nodes.n * sizeof(int));
    for (int i = 0; i < bb->nodes.n; i++) {
      const cg_node *n = &bb->nodes.v[i];
      outer[i] = n->op == CG_OP_INPUT && n->ikind == CG_IN_SEQ ? ins.v[n->slot] : -1;
    }
    for (int k = 0; k < nx_b + nfac; k++) {
      int node = bb->outs.v[nst_b + k].node;
      if (outer[node] < 0) outer[node] = cg_scan_out(g, bs, nst_b + k);
    }
  }
  free(ins.v);

  int res = 0;
  for (int k = 0; k < nstate; k++) {
    if (!dstate[k]) continue;
    if (c->need[S0[k]]) acc(c, S0[k], cg_scan_out(g, bs, res));
    res++;
  }
  for (int j = 0; j < nconst; j++)
    if (need_p[j] && hroot[j] < 0) acc(c, P[j], cg_scan_out(g, bs, res++));
  for (int i = 0; i < nseq; i++)
    if (need_x[i]) acc(c, X[i], cg_scan_out(g, bs, res++));
  for (int j = 0; j < nconst; j++)
    if (hroot[j] >= 0) acc(c, P[j], hoist_replay(g, bb, hroot[j], outer, axis));
  free(outer);
  free(factors);
  free(saved);
  free(hroot);
}

static void scan_rule(ad_ctx *c, int s) {
  cg_graph *g = c->g;
  cg_node sn = g->nodes.v[s];
  int nseq = (int)sn.a[CG_SCAN_NSEQ], nconst = (int)sn.a[CG_SCAN_NCONST];
  int nstate = (int)sn.a[CG_SCAN_NSTATE], nout = (int)sn.a[CG_SCAN_NOUT];
  int axis = (int)sn.a[CG_SCAN_AXIS];
  const int *X = sn.in, *P = sn.in + nseq, *S0 = sn.in + nseq + nconst;
  const int *r = c->rct[s];
  const cg_graph *fb = sn.body;
  XL_ASSERT(nseq >= 1);
  int64_t T = shape_of(c, X[0]).d[axis];

  int nall = nseq + nconst + 3 * nstate + nout + 1;
  char *flags = xl_calloc((size_t)nall, 1);
  cg_shape *shapes = xl_calloc((size_t)nall, sizeof(cg_shape));
  scan_layout L = {.nseq = nseq, .nconst = nconst, .nstate = nstate, .nout = nout};
  char *need_x = flags, *need_p = need_x + nseq, *dstate = need_p + nconst;
  char *dsaved = dstate + nstate, *dout = dsaved + nstate;
  cg_shape *xs = shapes, *ps = xs + nseq, *ss = ps + nconst;
  int any = 0;
  for (int i = 0; i < nseq; i++) {
    need_x[i] = c->need[X[i]];
    any |= need_x[i];
    xs[i] = drop_axis(shape_of(c, X[i]), axis);
  }
  for (int j = 0; j < nconst; j++) {
    need_p[j] = c->need[P[j]];
    any |= need_p[j];
    ps[j] = shape_of(c, P[j]);
  }
  for (int k = 0; k < nstate; k++) {
    dstate[k] = !g->nodes.v[S0[k]].is_int;
    any |= c->need[S0[k]];
    dsaved[k] = r[nstate + nout + k] >= 0;
    ss[k] = shape_of(c, S0[k]);
  }
  for (int k = 0; k < nout; k++) dout[k] = !fb->nodes.v[fb->outs.v[nstate + k].node].is_int;
  L.need_x = need_x, L.need_p = need_p, L.dstate = dstate, L.dout = dout, L.dsaved = dsaved;
  L.xs = xs, L.ps = ps, L.ss = ss;
  L.axis = axis, L.hoist = c->hoist, L.save_products = c->save_products;
  if (any) emit_backward_scan(c, s, &sn, &L, T);
  free(flags);
  free(shapes);
}

/* ---- entry ---- */

int ad_append_backward(cg_graph *g, const char *loss_output, const xl_options *o, char **err) {
  xl_options def = xl_options_default();
  if (!o) o = &def;
  ad_ctx c;
  ctx_init(&c, g, o->hoist, o->save_products);
  for (int i = 0; i < c.nfwd; i++) {
    const cg_node *n = &g->nodes.v[i];
    c.need[i] = n->op == CG_OP_INPUT && !n->is_int &&
                (n->ikind == CG_IN_INPUT || n->ikind == CG_IN_PARAM || n->ikind == CG_IN_STATE);
  }
  propagate_need(&c);

  if (loss_output) {
    int k = cg_find_output(g, loss_output);
    if (k < 0) {
      *err = xl_fmt("autodiff: no output named '%s'", loss_output);
      ctx_free(&c);
      return -1;
    }
    int node = g->outs.v[k].node;
    if (g->nodes.v[node].is_int) {
      *err = xl_fmt("autodiff: loss output '%s' holds integers", loss_output);
      ctx_free(&c);
      return -1;
    }
    /* ones of the output's shape: for a non-scalar loss this is the gradient of its sum */
    acc(&c, node, cg_const(g, 1.0, g->nodes.v[node].shape));
  } else {
    int nouts = g->outs.n;
    for (int k = 0; k < nouts; k++) {
      int node = g->outs.v[k].node;
      if (g->nodes.v[node].is_int) continue;
      char *name = xl_fmt("cot.%s", g->outs.v[k].name);
      int in = cg_input(g, CG_IN_COT, name, 0, g->nodes.v[node].shape, g->nodes.v[node].loc);
      free(name);
      acc(&c, node, in);
    }
  }

  sweep(&c);

  for (int i = 0; i < c.nfwd; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->is_int) continue;
    if (n->ikind != CG_IN_INPUT && n->ikind != CG_IN_PARAM && n->ikind != CG_IN_STATE) continue;
    int d = c.ct[i] >= 0 ? c.ct[i] : zeros(&c, n->shape);
    char *name = xl_fmt("grad.%s", g->nodes.v[i].name);
    cg_output_add(g, name, d);
    free(name);
  }
  ctx_free(&c);
  return 0;
}
