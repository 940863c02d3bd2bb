/* test_grad_ops.c - finite-difference checks of reverse-mode autodiff (ad_append_backward).
 *
 * Every differentiable CG op (with broadcasting variants) and a set of SCAN scenarios are
 * differentiated and run in float64 through ref_exec. Loss L = sum_k sum(out_k * W_k), W random.
 * For every input tensor and 3 random directions d, <grad, d> is compared with the central
 * difference (L(x + h d) - L(x - h d)) / 2h, step h = 1e-5, relative tolerance 1e-6 with
 * denominator max(|ad|, |fd|, 1e-4) (the floor makes an exactly-zero gradient an absolute check).
 * Builtins the lowering composes from several ops (softplus, logaddexp, clamp) are checked on
 * the graph lang_lower builds from .xl text, at chosen hard inputs (V_PICK: +-50, ties, near -1).
 * Both modes are checked: cotangent seeds (cot.<out> = W_k) and loss mode (in-graph loss seeded
 * with 1). Inputs are kept away from kinks (MAX/MIN operands >= 0.06 apart, |x| >= 0.1 for ABS/SIGN).
 */
#include <math.h>
#include <string.h>

#include "cg.h"
#include "lang.h"

#define FD_STEP 1e-5
#define REL_TOL 1e-6
#define REL_FLOOR 1e-4
#define NDIR 3

static int failures;
static double worst_rel;
static char worst_what[256];
static const xl_loc L0 = {0};

/* ---- random numbers (xorshift64*) ---- */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}
static double unif(double lo, double hi) { return lo + (hi - lo) * urand(); }

/* ---- shapes and inputs ---- */
static cg_shape shp(int rank, const int64_t *d) { return cg_shape_of(rank, d); }
#define SH(...) shp((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})
static const cg_shape SCALAR = {0};

enum { V_UNIF, V_AWAY, V_GRIDA, V_GRIDB, V_INT, V_ALT, V_PICK };
typedef struct {
  int mode;
  double lo, hi; /* V_UNIF: range; V_AWAY: magnitude range, random sign; V_INT: [0, hi) */
  const double *pick; /* V_PICK: element i = pick[i % npick] */
  int npick;
} vspec;
#define MAXNODES 4096
static vspec spec[MAXNODES];

static int input_kind(cg_graph *g, cg_ikind k, const char *name, cg_shape s, int mode, double lo, double hi) {
  int id = cg_input(g, k, name, 0, s, L0);
  XL_ASSERT(id < MAXNODES);
  spec[id] = (vspec){mode, lo, hi, NULL, 0};
  if (mode == V_INT) g->nodes.v[id].is_int = 1;
  return id;
}
static int inp(cg_graph *g, const char *name, cg_shape s, int mode, double lo, double hi) {
  return input_kind(g, CG_IN_INPUT, name, s, mode, lo, hi);
}
static int in_u(cg_graph *g, const char *name, cg_shape s) { return inp(g, name, s, V_UNIF, -1, 1); }

static xt *new_f64(cg_shape s) { return xt_new(XT_F64, s.rank, s.d); }
static double *D(xt *t) { return (double *)t->data; }

static xt *gen_value(const vspec *v, cg_shape s) {
  xt *t = new_f64(s);
  int64_t n = cg_numel(&s);
  for (int64_t i = 0; i < n; i++) {
    double x = 0;
    switch (v->mode) {
    case V_UNIF: x = unif(v->lo, v->hi); break;
    case V_AWAY: x = unif(v->lo, v->hi) * (urand() < 0.5 ? -1 : 1); break;
    /* interleaved grids 0.2 apart with +-0.02 jitter: any A and B differ by >= 0.06 */
    case V_GRIDA: x = -0.8 + 0.2 * (double)(int)(urand() * 9) + unif(-0.02, 0.02); break;
    case V_GRIDB: x = -0.9 + 0.2 * (double)(int)(urand() * 10) + unif(-0.02, 0.02); break;
    case V_INT: x = (double)(int)(urand() * v->hi); break;
    /* leading (step) index even: [1, 2], odd: [-4, -3] */
    case V_ALT: x = (i / (n / s.d[0])) % 2 == 0 ? unif(1, 2) : unif(-4, -3); break;
    case V_PICK: x = v->pick[i % v->npick]; break;
    }
    D(t)[i] = x;
  }
  return t;
}

/* Called by check_graph with the generated input values (by node id), before any run. */
static void (*value_hook)(const cg_graph *g, xt **vals);

static int is_diff_input(const cg_node *n) {
  return n->op == CG_OP_INPUT && !n->is_int &&
         (n->ikind == CG_IN_INPUT || n->ikind == CG_IN_PARAM || n->ikind == CG_IN_STATE);
}

static xt **exec_graph(const char *label, const cg_graph *g, xt **vals) {
  xt **outs = xl_calloc((size_t)g->outs.n, sizeof(xt *));
  char *err = NULL;
  if (ref_exec(g, CG_F64, vals, outs, &err)) {
    fprintf(stderr, "FAIL %s: ref_exec: %s\n", label, err ? err : "?");
    exit(1);
  }
  return outs;
}

static void free_outs(const cg_graph *g, xt **outs) {
  for (int k = 0; k < g->outs.n; k++) xt_free(outs[k]);
  free(outs);
}

static double loss_of(const char *label, const cg_graph *lg, xt **vals) {
  xt **o = exec_graph(label, lg, vals);
  int k = cg_find_output(lg, "loss");
  double L = D(o[k])[0];
  free_outs(lg, o);
  return L;
}

static double dot(const xt *a, const xt *b) {
  double s = 0;
  for (int64_t i = 0; i < xt_numel(a); i++) s += D((xt *)a)[i] * D((xt *)b)[i];
  return s;
}

static void compare(const char *label, const char *input, const char *mode, int dir, double ad, double fd) {
  double den = fmax(fmax(fabs(ad), fabs(fd)), REL_FLOOR);
  double rel = fabs(ad - fd) / den;
  if (!(rel <= REL_TOL)) {
    fprintf(stderr, "FAIL %s: d/d%s (dir %d, %s mode): autodiff %.15e, finite difference %.15e, rel err %.3e\n",
            label, input, dir, mode, ad, fd, rel);
    failures++;
  }
  if (rel > worst_rel || rel != rel) {
    worst_rel = rel;
    snprintf(worst_what, sizeof worst_what, "%s d/d%s (%s mode)", label, input, mode);
  }
}

static void verify(const char *label, const cg_graph *g) {
  if (cg_verify(g, stderr)) {
    fprintf(stderr, "FAIL %s: cg_verify rejects the differentiated graph\n", label);
    cg_dump(g, stderr);
    exit(1);
  }
}

/* Appends the loss sum_k sum(out_k * W_k) (W_k inputs "lossw.<k>") as output "loss". */
static cg_graph *with_loss(const cg_graph *fwd, int *wid) {
  cg_graph *lg = cg_clone(fwd);
  int loss = -1;
  for (int k = 0; k < fwd->outs.n; k++) {
    int o = fwd->outs.v[k].node;
    wid[k] = -1;
    if (lg->nodes.v[o].is_int) continue;
    char name[64];
    snprintf(name, sizeof name, "lossw.%d", k);
    cg_shape s = lg->nodes.v[o].shape;
    wid[k] = cg_input(lg, CG_IN_INPUT, name, 0, s, L0);
    int t = cg_binary(lg, CG_OP_MUL, o, wid[k]);
    if (s.rank > 0) t = cg_reshape(lg, cg_sum(lg, t, (1u << s.rank) - 1), SCALAR);
    loss = loss < 0 ? t : cg_binary(lg, CG_OP_ADD, loss, t);
  }
  XL_ASSERT(loss >= 0);
  cg_output_add(lg, "loss", loss);
  return lg;
}

/* Differentiates fwd (both modes) and checks every differentiable input by finite differences.
   Takes ownership of fwd. */
static void check_graph(const char *label, cg_graph *fwd) {
  verify(label, fwd);
  int n0 = fwd->nodes.n, nout = fwd->outs.n;
  int *wid = xl_malloc((size_t)(nout + 1) * sizeof(int));
  cg_graph *lg = with_loss(fwd, wid);
  int nl = lg->nodes.n;
  xt **vals = xl_calloc((size_t)nl, sizeof(xt *));
  for (int i = 0; i < n0; i++)
    if (fwd->nodes.v[i].op == CG_OP_INPUT) vals[i] = gen_value(&spec[i], fwd->nodes.v[i].shape);
  for (int k = 0; k < nout; k++)
    if (wid[k] >= 0) vals[wid[k]] = gen_value(&(vspec){V_UNIF, -1, 1, NULL, 0}, lg->nodes.v[wid[k]].shape);
  if (value_hook) value_hook(fwd, vals);

  /* cotangent mode: cot.<out> = W_k */
  cg_graph *g1 = cg_clone(fwd);
  char *err = NULL;
  if (ad_append_backward(g1, NULL, NULL, &err)) {
    fprintf(stderr, "FAIL %s: ad_append_backward: %s\n", label, err);
    exit(1);
  }
  verify(label, g1);
  xt **v1 = xl_calloc((size_t)g1->nodes.n, sizeof(xt *));
  for (int i = 0; i < g1->nodes.n; i++) {
    const cg_node *n = &g1->nodes.v[i];
    if (i < n0) v1[i] = vals[i];
    else if (n->op == CG_OP_INPUT) {
      XL_ASSERT(n->ikind == CG_IN_COT && strncmp(n->name, "cot.", 4) == 0);
      int k = cg_find_output(fwd, n->name + 4);
      XL_ASSERT(k >= 0 && wid[k] >= 0);
      v1[i] = vals[wid[k]];
    }
  }
  xt **o1 = exec_graph(label, g1, v1);

  /* loss mode */
  cg_graph *g2 = cg_clone(lg);
  if (ad_append_backward(g2, "loss", NULL, &err)) {
    fprintf(stderr, "FAIL %s: ad_append_backward(loss): %s\n", label, err);
    exit(1);
  }
  verify(label, g2);
  xt **v2 = xl_calloc((size_t)g2->nodes.n, sizeof(xt *));
  memcpy(v2, vals, (size_t)nl * sizeof(xt *));
  xt **o2 = exec_graph(label, g2, v2);

  for (int i = 0; i < nl; i++) {
    const cg_node *n = &lg->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    char *gname = xl_fmt("grad.%s", n->name);
    int k1 = i < n0 ? cg_find_output(g1, gname) : -1, k2 = cg_find_output(g2, gname);
    if (!is_diff_input(n)) {
      if (k2 >= 0 || (i < n0 && k1 >= 0)) {
        fprintf(stderr, "FAIL %s: integer input %s got a gradient output\n", label, n->name);
        failures++;
      }
      free(gname);
      continue;
    }
    if ((i < n0 && k1 < 0) || k2 < 0) {
      fprintf(stderr, "FAIL %s: no output %s\n", label, gname);
      exit(1);
    }
    for (int r = 0; r < NDIR; r++) {
      xt *d = gen_value(&(vspec){V_UNIF, -1, 1, NULL, 0}, n->shape);
      xt *x0 = vals[i], *xp = new_f64(n->shape), *xm = new_f64(n->shape);
      for (int64_t e = 0; e < xt_numel(x0); e++) {
        D(xp)[e] = D(x0)[e] + FD_STEP * D(d)[e];
        D(xm)[e] = D(x0)[e] - FD_STEP * D(d)[e];
      }
      vals[i] = xp;
      double Lp = loss_of(label, lg, vals);
      vals[i] = xm;
      double Lm = loss_of(label, lg, vals);
      vals[i] = x0;
      double fd = (Lp - Lm) / (2 * FD_STEP);
      if (i < n0) compare(label, n->name, "cot", r, dot(o1[k1], d), fd);
      compare(label, n->name, "loss", r, dot(o2[k2], d), fd);
      xt_free(d);
      xt_free(xp);
      xt_free(xm);
    }
    free(gname);
  }
  printf("checked %s\n", label);

  free_outs(g1, o1);
  free_outs(g2, o2);
  for (int i = 0; i < nl; i++) xt_free(vals[i]);
  free(vals);
  free(v1);
  free(v2);
  free(wid);
  cg_free(g1);
  cg_free(g2);
  cg_free(lg);
  cg_free(fwd);
}

/* ---- elementwise ops ---- */

typedef struct {
  cg_op op;
  int mode;
  double lo, hi;
} unary_case;

static void test_unary(void) {
  static const unary_case cases[] = {
      {CG_OP_NEG, V_UNIF, -1, 1},       {CG_OP_EXP, V_UNIF, -1, 1},      {CG_OP_LOG, V_UNIF, 0.5, 2},
      {CG_OP_SIGMOID, V_UNIF, -3, 3},   {CG_OP_LOGSIGMOID, V_UNIF, -3, 3}, {CG_OP_TANH, V_UNIF, -2, 2},
      {CG_OP_SILU, V_UNIF, -3, 3},      {CG_OP_GELU, V_UNIF, -3, 3},     {CG_OP_GELU_D, V_UNIF, -3, 3},
      {CG_OP_ABS, V_AWAY, 0.1, 1},      {CG_OP_SIGN, V_AWAY, 0.1, 1},    {CG_OP_SQRT, V_UNIF, 0.5, 2},
      {CG_OP_RSQRT, V_UNIF, 0.5, 2},    {CG_OP_SQUARE, V_UNIF, -1, 1},   {CG_OP_RECIP, V_AWAY, 0.5, 2},
      {CG_OP_LOG1P, V_UNIF, -0.99, 3},  {CG_OP_EXPM1, V_UNIF, -3, 3},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    cg_graph *g = cg_new();
    int x = inp(g, "x", SH(3, 4), cases[k].mode, cases[k].lo, cases[k].hi);
    cg_output_add(g, "out", cg_unary(g, cases[k].op, x));
    char label[64];
    snprintf(label, sizeof label, "unary.%s", cg_ops[cases[k].op].name);
    check_graph(label, g);
  }
}

static void test_binary(void) {
  static const cg_op ops[] = {CG_OP_ADD, CG_OP_SUB, CG_OP_MUL, CG_OP_DIV, CG_OP_MAX, CG_OP_MIN, CG_OP_POW};
  static const int64_t shapes[][2][2] = {
      {{3, 4}, {3, 4}}, {{3, 4}, {1, 4}}, {{3, 1}, {1, 4}}, {{1, 1}, {3, 4}}, {{3, 4}, {3, 1}}};
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
    for (size_t v = 0; v < sizeof shapes / sizeof *shapes; v++) {
      cg_graph *g = cg_new();
      int minmax = ops[k] == CG_OP_MAX || ops[k] == CG_OP_MIN;
      int a = minmax                ? inp(g, "a", shp(2, shapes[v][0]), V_GRIDA, 0, 0)
              : ops[k] == CG_OP_POW ? inp(g, "a", shp(2, shapes[v][0]), V_UNIF, 0.2, 2) /* a tensor exponent too */
                                    : in_u(g, "a", shp(2, shapes[v][0]));
      int b = minmax ? inp(g, "b", shp(2, shapes[v][1]), V_GRIDB, 0, 0)
              : ops[k] == CG_OP_DIV ? inp(g, "b", shp(2, shapes[v][1]), V_AWAY, 0.5, 2)
                                    : in_u(g, "b", shp(2, shapes[v][1]));
      cg_output_add(g, "out", cg_binary(g, ops[k], a, b));
      char label[96];
      snprintf(label, sizeof label, "binary.%s[%lldx%lld,%lldx%lld]", cg_ops[ops[k]].name,
               (long long)shapes[v][0][0], (long long)shapes[v][0][1], (long long)shapes[v][1][0],
               (long long)shapes[v][1][1]);
      check_graph(label, g);
    }
  { /* same operand twice and a node with several consumers (cotangent accumulation) */
    cg_graph *g = cg_new();
    int x = in_u(g, "x", SH(2, 3)), y = in_u(g, "y", SH(2, 3));
    int xx = cg_binary(g, CG_OP_MUL, x, x);
    int e = cg_unary(g, CG_OP_EXP, x);
    int t = cg_binary(g, CG_OP_ADD, cg_binary(g, CG_OP_MUL, e, y), cg_binary(g, CG_OP_DIV, xx, e));
    cg_output_add(g, "out", t);
    cg_output_add(g, "out2", e);
    check_graph("binary.shared_operands", g);
  }
  { /* comparisons, SIGN, ONE_HOT pass no gradient; an unused input gets zeros */
    cg_graph *g = cg_new();
    int a = inp(g, "a", SH(3, 4), V_GRIDA, 0, 0), b = inp(g, "b", SH(1, 4), V_GRIDB, 0, 0);
    int c = in_u(g, "c", SH(3, 4));
    int s = inp(g, "s", SH(3, 4), V_AWAY, 0.1, 1);
    inp(g, "unused", SH(2, 2), V_UNIF, -1, 1);
    int idx = inp(g, "idx", SH(3), V_INT, 0, 4);
    int m = cg_binary(g, CG_OP_ADD, cg_binary(g, CG_OP_GE, a, b), cg_binary(g, CG_OP_GT, b, a));
    m = cg_binary(g, CG_OP_ADD, m, cg_binary(g, CG_OP_EQ, a, a));
    m = cg_binary(g, CG_OP_ADD, m, cg_unary(g, CG_OP_SIGN, s));
    m = cg_binary(g, CG_OP_ADD, m, cg_one_hot(g, idx, 4));
    cg_output_add(g, "out", cg_binary(g, CG_OP_MUL, m, c));
    check_graph("nograd.ge_gt_eq_sign_one_hot", g);
  }
  { /* WHERE: no gradient to the condition, broadcasting branches */
    cg_graph *g = cg_new();
    int p = in_u(g, "p", SH(3, 4)), a = in_u(g, "a", SH(3, 1)), b = in_u(g, "b", SH(1, 4));
    int cond = cg_binary(g, CG_OP_GT, p, cg_const(g, 0.0, SH(1, 1)));
    cg_output_add(g, "out", cg_where(g, cond, cg_unary(g, CG_OP_TANH, a), b));
    check_graph("where.broadcast", g);
  }
}

/* ---- builtins lowered from .xl text ---- */

typedef struct {
  const char *name;
  const double *pick;
  int npick;
} xl_input;
#define PICK(name, ...) {name, (const double[]){__VA_ARGS__}, (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double))}

/* Lowers `entry` of src (B = 2, N = 10), draws the named inputs from their pick lists (others
   uniform in [-1, 1]) and checks every gradient. */
static void check_xl(const char *label, const char *src, const char *entry, const xl_input *ins, int nin) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "grad_ops.xl", src, &d);
  lang_set sets[2] = {{"B", "2"}, {"N", "10"}};
  cg_graph *g = file && !d.nerr ? lang_lower(&ar, file, entry, sets, 2, NULL, 0, &d) : NULL;
  if (!g) {
    fprintf(stderr, "FAIL %s: lowering %s\n", label, entry);
    exit(1);
  }
  XL_ASSERT(g->nodes.n < MAXNODES);
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    spec[i] = (vspec){V_UNIF, -1, 1, NULL, 0};
    for (int k = 0; k < nin; k++)
      if (!strcmp(n->name, ins[k].name)) spec[i] = (vspec){V_PICK, 0, 0, ins[k].pick, ins[k].npick};
  }
  check_graph(label, g);
  xl_arena_free(&ar);
}

static const char *const builtins_src =
    "block sp() {\n  in x: [N]\n  out y = softplus(x)\n}\n"
    "block l1p() {\n  in x: [N]\n  out y = log1p(x)\n}\n"
    "block em1() {\n  in x: [N]\n  out y = expm1(x)\n}\n"
    "block lae() {\n  in a: [N]\n  in b: [N]\n  out y = logaddexp(a, b)\n}\n"
    "block lae_bc() {\n  in a: [N]\n  in b: [1]\n  out y = logaddexp(a, b) + logaddexp(b, 0.25)\n}\n"
    "block clk() {\n  in x: [N]\n  out y = clamp(x, -0.5, 0.5)\n}\n"
    "block pw() {\n  in x: [N]\n  in p: [N]\n  out y = x ** 3 + p ** 2.5 + p ** -1.5 + p ** 0.3 + x ** 0 + x ** 4\n}\n"
    "block clt() {\n  in x: [N]\n  in lo: [N]\n  in hi: [1]\n  out y = clamp(x, lo, hi)\n}\n";

static void test_builtins(void) {
  const xl_input sp[] = {PICK("x", -50, 50, -30, 30, 0, 1e-8, -1e-8, 2.5, -2.5, 0.3)};
  check_xl("builtin.softplus", builtins_src, "sp", sp, 1);
  const xl_input l1p[] = {PICK("x", -0.99, -0.9, -0.5, 1e-12, -1e-12, 1e-6, 0, 3, 100, 0.25)};
  check_xl("builtin.log1p", builtins_src, "l1p", l1p, 1);
  const xl_input em1[] = {PICK("x", 1e-12, -1e-12, 1e-8, 0, -3, 3, 0.5, -20, 10, -0.1)};
  check_xl("builtin.expm1", builtins_src, "em1", em1, 1);
  /* a - b = -100, 100, 0 (ties), 1e-3, ... */
  const xl_input lae[] = {PICK("a", 0, 100, -100, 1, 5, -50, 50, 0.3, 7, -2),
                          PICK("b", 100, 0, -100, 1, 4.999, 50, -50, 0.301, -93, -2)};
  check_xl("builtin.logaddexp", builtins_src, "lae", lae, 2);
  check_xl("builtin.logaddexp_broadcast", builtins_src, "lae_bc", lae, 1);
  const xl_input pw[] = {PICK("x", -2, -1, -0.5, 0, 0.3, 1, 1.5, 2, -1e-3, 3),
                         PICK("p", 0.05, 0.1, 0.5, 1, 2, 3, 0.2, 10, 0.7, 50)};
  check_xl("builtin.pow", builtins_src, "pw", pw, 2);
  /* away from the bounds (not differentiable there; test_elem_ops.c checks the convention) */
  const xl_input clk[] = {PICK("x", -1, -0.6, -0.4, 0, 0.45, 0.55, 2, -0.2, 0.1, -0.7)};
  check_xl("builtin.clamp_const", builtins_src, "clk", clk, 1);
  const xl_input clt[] = {PICK("x", -1, -0.6, -0.4, 0, 0.45, 0.55, 2, -0.2, 0.1, -0.7),
                          PICK("lo", -0.5, -0.5, -0.5, 0.1, 0.1, -0.3, -2, 0, 0.2, -0.8), PICK("hi", 0.5)};
  check_xl("builtin.clamp_tensor", builtins_src, "clt", clt, 3);
}

/* ---- custom_grad(y, x, dydx) ---- */

static const char *const custom_src =
    /* Griffin's RG-LRU: sqrt(1 - a^2) with the derivative bounded near |a| = 1 */
    "block griffin() {\n  in a: [N]\n"
    "  out y = custom_grad(sqrt(1 - a * a), a, -a / max(sqrt(1 - a * a), 1e-3))\n}\n"
    "block plain() {\n  in a: [N]\n  out y = sqrt(1 - a * a)\n}\n"
    /* x smaller than y: the products are summed over the broadcast axis */
    "block bcast(N = 10) {\n  in s: [1]\n  let v = sum(tril(N), -1) * 0.1\n  out y = custom_grad(exp(s * v), s, v * exp(s * v))\n}\n"
    /* an arbitrary dydx: nothing flows through y's graph (b) or into dydx (c) */
    "block any() {\n  in a: [N]\n  in b: [N]\n  in c: [N]\n  out y = custom_grad(exp(a) * b, a, c)\n}\n";

/* Lowers entry of custom_src (B = 2, N = 10), appends loss = sum(y * w) and its backward;
   runs it in dt with the given inputs (by name, [2, 10] each; w all ones unless given).
   Returns the outputs (y, loss, grad.*) and the graph. */
static xt **run_custom(const char *entry, cg_dtype dt, const char **names, xt **given, int ngiven, cg_graph **gout) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "custom_grad.xl", custom_src, &d);
  lang_set sets[2] = {{"B", "2"}, {"N", "10"}};
  cg_graph *fwd = file && !d.nerr ? lang_lower(&ar, file, entry, sets, 2, NULL, 0, &d) : NULL;
  XL_ASSERT(fwd);
  int wid[1];
  cg_graph *g = with_loss(fwd, wid);
  char *err = NULL;
  if (ad_append_backward(g, "loss", NULL, &err)) {
    fprintf(stderr, "FAIL custom_grad %s: ad_append_backward: %s\n", entry, err);
    exit(1);
  }
  verify(entry, g);
  xt **vals = xl_calloc((size_t)g->nodes.n, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    for (int k = 0; k < ngiven; k++)
      if (!strcmp(n->name, names[k])) vals[i] = given[k];
    if (!vals[i]) {
      vals[i] = new_f64(n->shape);
      for (int64_t e = 0; e < xt_numel(vals[i]); e++) D(vals[i])[e] = 1;
    }
  }
  xt **outs = xl_calloc((size_t)g->outs.n, sizeof(xt *));
  if (ref_exec(g, dt, vals, outs, &err)) {
    fprintf(stderr, "FAIL custom_grad %s: ref_exec: %s\n", entry, err);
    exit(1);
  }
  for (int i = 0; i < g->nodes.n; i++) {
    int mine = 0;
    for (int k = 0; k < ngiven; k++) mine |= vals[i] == given[k];
    if (!mine) xt_free(vals[i]);
  }
  free(vals);
  cg_free(fwd);
  xl_arena_free(&ar);
  *gout = g;
  return outs;
}

static double elem(const xt *t, int64_t e) {
  return t->dtype == XT_F32 ? (double)((const float *)t->data)[e] : ((const double *)t->data)[e];
}

static const xt *out_named(const cg_graph *g, xt **outs, const char *name) {
  int k = cg_find_output(g, name);
  if (k < 0) {
    fprintf(stderr, "FAIL custom_grad: no output %s\n", name);
    exit(1);
  }
  return outs[k];
}

static xt *filled(const double *v, int nv) {
  int64_t sh[2] = {2, 10};
  xt *t = xt_new(XT_F64, 2, sh);
  for (int64_t e = 0; e < 20; e++) D(t)[e] = v[e % nv];
  return t;
}

static void test_custom_grad(void) {
  /* finite differences agree where dydx is the true derivative (|a| < 1 - 1e-6: max inactive) */
  const xl_input ga[] = {PICK("a", -0.95, -0.9, -0.5, 0, 0.3, 0.5, 0.9, 0.95, 0.98, -0.2)};
  check_xl("custom_grad.griffin", custom_src, "griffin", ga, 1);
  const xl_input bc[] = {PICK("s", 0.3, -0.7)};
  check_xl("custom_grad.broadcast", custom_src, "bcast", bc, 1);

  /* the gradient is exactly w * dydx to x, 0 to y's own inputs and to dydx; the value is y
     exactly, also where x or dydx is not finite (then x gets no gradient) */
  const double av[] = {0.5, -1, 2, INFINITY, NAN, -INFINITY, 0.25, 3, -0.75, 1};
  const double bv[] = {1, 2, -3, 0.5, 4, -1, 0, -0.0, 7, 0.125};
  const double cv[] = {3, -2, 0.5, 1, 2, 1, -4, 5, INFINITY, 0.75};
  const double wv[] = {0.5, 1.5, -1, 2, 0.25, 1, -2, 3, 1, -0.5, 0.75};
  const char *names[] = {"a", "b", "c", "lossw.0"};
  xt *in[4] = {filled(av, 10), filled(bv, 10), filled(cv, 10), filled(wv, 11)};
  cg_graph *g;
  xt **o = run_custom("any", CG_F64, names, in, 4, &g);
  const xt *y = out_named(g, o, "y"), *ga_ = out_named(g, o, "grad.a"), *gb = out_named(g, o, "grad.b"),
           *gc = out_named(g, o, "grad.c");
  int bad = 0;
  for (int64_t e = 0; e < 20; e++) {
    double a = D(in[0])[e], b = D(in[1])[e], c = D(in[2])[e], w = D(in[3])[e];
    double want_y = exp(a) * b, want_ga = isfinite(a) && isfinite(c) ? w * c : 0;
    int y_ok = isnan(want_y) ? isnan(elem(y, e)) : elem(y, e) == want_y;
    if (!y_ok || elem(ga_, e) != want_ga || elem(gb, e) != 0 || elem(gc, e) != 0) {
      fprintf(stderr, "FAIL custom_grad.any [%lld]: a=%g c=%g: y %g (want %g), grad.a %g (want %g), grad.b %g, grad.c %g\n",
              (long long)e, a, c, elem(y, e), want_y, elem(ga_, e), want_ga, elem(gb, e), elem(gc, e));
      bad = 1;
    }
  }
  failures += bad;
  free_outs(g, o);
  cg_free(g);
  for (int k = 0; k < 4; k++) xt_free(in[k]);
  if (!bad) printf("checked custom_grad.exact\n");

  /* f32 at a -> 1: the plain expression's gradient is not finite, the bounded one is */
  const double near1[] = {1, -1, 0.99999999, -0.99999999, 0.9999999, 0.5};
  xt *a1 = filled(near1, 6);
  const char *an[] = {"a"};
  cg_graph *gp, *gg;
  xt **op = run_custom("plain", CG_F32, an, &a1, 1, &gp);
  xt **og = run_custom("griffin", CG_F32, an, &a1, 1, &gg);
  const xt *gplain = out_named(gp, op, "grad.a"), *ggrif = out_named(gg, og, "grad.a");
  const xt *yp = out_named(gp, op, "y"), *yg = out_named(gg, og, "y");
  int plain_nonfinite = 0;
  bad = 0;
  for (int64_t e = 0; e < 20; e++) {
    plain_nonfinite |= !isfinite(elem(gplain, e));
    if (!isfinite(elem(ggrif, e)) || fabs(elem(ggrif, e)) > 1000.5 || elem(yp, e) != elem(yg, e)) {
      fprintf(stderr, "FAIL custom_grad.f32 [%lld]: a=%.9g: grad %g, y %g (plain %g)\n", (long long)e, D(a1)[e],
              elem(ggrif, e), elem(yg, e), elem(yp, e));
      bad = 1;
    }
  }
  if (!plain_nonfinite) {
    fprintf(stderr, "FAIL custom_grad.f32: the plain sqrt(1 - a*a) had finite gradients at a = +-1 (test is moot)\n");
    bad = 1;
  }
  failures += bad;
  if (!bad) printf("checked custom_grad.f32_near_one\n");
  free_outs(gp, op);
  free_outs(gg, og);
  cg_free(gp);
  cg_free(gg);
  xt_free(a1);
}

/* ---- reductions and data movement ---- */

static void test_structural(void) {
  static const unsigned masks[] = {1, 2, 4, 5, 7};
  for (size_t k = 0; k < sizeof masks / sizeof *masks; k++) {
    char label[64];
    cg_graph *g = cg_new();
    cg_output_add(g, "out", cg_sum(g, in_u(g, "x", SH(3, 4, 2)), masks[k]));
    snprintf(label, sizeof label, "sum.mask%u", masks[k]);
    check_graph(label, g);
    g = cg_new(); /* continuous random values: no ties at the max */
    cg_output_add(g, "out", cg_maxr(g, in_u(g, "x", SH(3, 4, 2)), masks[k]));
    snprintf(label, sizeof label, "maxr.mask%u", masks[k]);
    check_graph(label, g);
  }
  {
    cg_graph *g = cg_new();
    cg_output_add(g, "out", cg_broadcast(g, in_u(g, "x", SH(3, 1)), SH(3, 4)));
    cg_output_add(g, "out2", cg_broadcast(g, in_u(g, "y", SH(1, 1, 2)), SH(2, 3, 2)));
    check_graph("broadcast", g);
  }
  {
    cg_graph *g = cg_new();
    int x = in_u(g, "x", SH(3, 4));
    cg_output_add(g, "out", cg_reshape(g, x, SH(2, 6)));
    cg_output_add(g, "flat", cg_reshape(g, cg_unary(g, CG_OP_TANH, x), SH(12)));
    check_graph("reshape", g);
  }
  {
    cg_graph *g = cg_new();
    cg_output_add(g, "out", cg_transpose(g, in_u(g, "x", SH(2, 3, 4)), (int[]){2, 0, 1}));
    check_graph("transpose", g);
  }
  {
    cg_graph *g = cg_new();
    cg_output_add(g, "out", cg_slice(g, in_u(g, "x", SH(3, 6)), 1, 2, 3));
    check_graph("slice", g);
  }
  {
    cg_graph *g = cg_new();
    cg_output_add(g, "out", cg_pad(g, in_u(g, "x", SH(3, 2)), 0, 1, 2));
    check_graph("pad", g);
  }
  {
    cg_graph *g = cg_new();
    int xs[3] = {in_u(g, "a", SH(2, 1)), in_u(g, "b", SH(2, 3)), in_u(g, "c", SH(2, 2))};
    cg_output_add(g, "out", cg_concat(g, 3, xs, 1));
    check_graph("concat", g);
  }
  {
    cg_graph *g = cg_new();
    int t = in_u(g, "table", SH(5, 3));
    int i1 = inp(g, "idx", SH(6), V_INT, 0, 5), i2 = inp(g, "idx2", SH(2, 3), V_INT, 0, 5);
    cg_output_add(g, "out", cg_gather(g, t, i1));
    cg_output_add(g, "out2", cg_gather(g, cg_unary(g, CG_OP_TANH, t), i2));
    check_graph("gather", g);
  }
  {
    cg_graph *g = cg_new();
    int x = in_u(g, "x", SH(6, 3));
    int idx = inp(g, "idx", SH(6), V_INT, 0, 4);
    cg_output_add(g, "out", cg_scatter_add(g, x, idx, 4));
    check_graph("scatter_add", g);
  }
}

typedef struct {
  const char *lx, *ly, *lo;
  int64_t sx[4], sy[4];
  int rx, ry;
} einsum_case;

static void test_einsum(void) {
  static const einsum_case cases[] = {
      {"ij", "jk", "ik", {3, 4}, {4, 2}, 2, 2},
      {"ij", "jk", "ki", {3, 4}, {4, 2}, 2, 2},
      {"bij", "bjk", "bik", {2, 3, 4}, {2, 4, 2}, 3, 3},
      {"i", "j", "ij", {3}, {4}, 1, 1},
      {"ij", "ij", "", {3, 4}, {3, 4}, 2, 2},
      {"ij", "jk", "k", {3, 4}, {4, 2}, 2, 2},  /* i only in x: dx needs a broadcast */
      {"ij", "kl", "jl", {3, 4}, {2, 5}, 2, 2}, /* i only in x, k only in y */
      {"bhk", "hkgj", "bhgj", {2, 2, 3}, {2, 3, 2, 3}, 3, 4}, /* sLSTM recurrent matmul */
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const einsum_case *c = &cases[k];
    cg_graph *g = cg_new();
    int x = in_u(g, "x", shp(c->rx, c->sx)), y = in_u(g, "y", shp(c->ry, c->sy));
    cg_output_add(g, "out", cg_einsum(g, x, y, c->lx, c->ly, c->lo));
    char label[64];
    snprintf(label, sizeof label, "einsum.%s,%s->%s", c->lx, c->ly, c->lo);
    check_graph(label, g);
  }
  { /* x with itself */
    cg_graph *g = cg_new();
    int x = in_u(g, "x", SH(3, 4));
    cg_output_add(g, "out", cg_einsum(g, x, x, "ij", "kj", "ik"));
    check_graph("einsum.self", g);
  }
}

/* DETACH: gradient stops; finite differences see the identity, so check the value directly:
   out = detach(x) * x  ->  grad x = cot * x (not 2 cot x). */
static void test_detach(void) {
  cg_graph *g = cg_new();
  int x = in_u(g, "x", SH(5));
  cg_output_add(g, "out", cg_binary(g, CG_OP_MUL, cg_add(g, CG_OP_DETACH, 1, &x, NULL, L0), x));
  char *err = NULL;
  int n0 = g->nodes.n;
  XL_ASSERT(ad_append_backward(g, NULL, NULL, &err) == 0);
  verify("detach", g);
  xt **vals = xl_calloc((size_t)g->nodes.n, sizeof(xt *));
  vals[x] = gen_value(&(vspec){V_UNIF, -1, 1, NULL, 0}, SH(5));
  int cot = cg_find_input(g, "cot.out");
  XL_ASSERT(cot >= n0);
  vals[cot] = gen_value(&(vspec){V_UNIF, -1, 1, NULL, 0}, SH(5));
  xt **o = exec_graph("detach", g, vals);
  xt *gx = o[cg_find_output(g, "grad.x")];
  for (int i = 0; i < 5; i++) {
    double want = D(vals[cot])[i] * D(vals[x])[i];
    compare("detach", "x", "cot", i, D(gx)[i], want);
  }
  printf("checked detach\n");
  free_outs(g, o);
  xt_free(vals[x]);
  xt_free(vals[cot]);
  free(vals);
  cg_free(g);
}

/* ---- scans ---- */

static int bin_(cg_graph *g, cg_op op, int a, int b) { return cg_binary(g, op, a, b); }
static int kc(cg_graph *g, double v, int rank) {
  cg_shape s = {.rank = rank};
  for (int i = 0; i < rank; i++) s.d[i] = 1;
  return cg_const(g, v, s);
}

/* Scalar-gated recurrence h_t = g h_{t-1} + (1 - g) tanh(x w + b), g = sigmoid(f_t);
   outputs y_t = h_t * silu(x_t) (depends on the new state) and an unused per-step output. */
static void test_scan_gated(int reverse, int save_in_fwd) {
  enum { T = 5, B = 2, H = 3 };
  cg_graph *g = cg_new();
  int x = in_u(g, "x", SH(T, B, H));
  int f = inp(g, "f", SH(T, B, H), V_UNIF, -2, 2);
  int w = input_kind(g, CG_IN_PARAM, "w", SH(1, H), V_UNIF, -1, 1);
  int b = input_kind(g, CG_IN_PARAM, "b", SH(1, H), V_UNIF, -1, 1);
  int h0 = input_kind(g, CG_IN_STATE, "state.h", SH(B, H), V_UNIF, -1, 1);

  cg_graph *bd = cg_new();
  int bx = cg_input(bd, CG_IN_SEQ, "x", 0, SH(B, H), L0), bf = cg_input(bd, CG_IN_SEQ, "f", 1, SH(B, H), L0);
  int bw = cg_input(bd, CG_IN_CONST, "w", 0, SH(1, H), L0), bb = cg_input(bd, CG_IN_CONST, "b", 1, SH(1, H), L0);
  int bh = cg_input(bd, CG_IN_BSTATE, "h", 0, SH(B, H), L0);
  int gt = cg_unary(bd, CG_OP_SIGMOID, bf);
  int u = cg_unary(bd, CG_OP_TANH, bin_(bd, CG_OP_ADD, bin_(bd, CG_OP_MUL, bx, bw), bb));
  int hn = bin_(bd, CG_OP_ADD, bin_(bd, CG_OP_MUL, gt, bh),
                bin_(bd, CG_OP_MUL, bin_(bd, CG_OP_SUB, kc(bd, 1, 2), gt), u));
  cg_output_add(bd, "h", hn);
  cg_output_add(bd, "y", bin_(bd, CG_OP_MUL, hn, cg_unary(bd, CG_OP_SILU, bx)));
  cg_output_add(bd, "unused", cg_unary(bd, CG_OP_EXP, bh));

  int s = cg_scan(g, bd, 2, 2, 1, 2, 0, reverse, save_in_fwd, (int[]){x, f, w, b, h0});
  cg_output_add(g, "y", cg_scan_out(g, s, 1));
  cg_output_add(g, "h_final", cg_scan_out(g, s, 0));
  if (save_in_fwd) cg_output_add(g, "h_saved", cg_scan_out(g, s, 3)); /* read by the forward too */
  char label[64];
  snprintf(label, sizeof label, "scan.gated%s%s", reverse ? ".reverse" : "", save_in_fwd ? ".saved_read" : "");
  check_graph(label, g);
}

/* Replays the stabilizer max of test_scan_stabilized in plain C: both branches must occur and
   every step must stay >= 1e-2 away from the kink (also under the finite-difference steps). */
static int stab_ids[5];
static void stabilized_branches(const cg_graph *g, xt **vals) {
  const xt *I = vals[stab_ids[0]], *F = vals[stab_ids[1]], *M0 = vals[stab_ids[4]];
  int64_t T = I->shape[0], E = xt_numel(I) / T;
  int n_a = 0, n_i = 0;
  double margin = INFINITY;
  for (int64_t e = 0; e < E; e++) {
    double m = D((xt *)M0)[e];
    for (int64_t t = 0; t < T; t++) {
      double f = D((xt *)F)[t * E + e], i = D((xt *)I)[t * E + e];
      double a = -log1p(exp(-f)) + m;
      if (a >= i) n_a++;
      else n_i++;
      margin = fmin(margin, fabs(a - i));
      m = fmax(a, i);
    }
  }
  (void)g;
  printf("  stabilizer: max took the forget branch %d times, the input branch %d times, min |a - i| = %.3g\n",
         n_a, n_i, margin);
  if (n_a == 0 || n_i == 0 || margin < 1e-2) {
    fprintf(stderr, "FAIL scan.stabilized_max: inputs do not exercise both branches away from the kink\n");
    exit(1);
  }
}

/* Stabilized exponential gating (mLSTM/sLSTM style), states (c, n, m):
     a = logsigmoid(f) + m_{t-1};  m_t = max(a, i);  i' = exp(i - m_t);  f' = exp(a - m_t)
     c_t = f' c + i' tanh(z);  n_t = f' n + i';  y_t = c_t / n_t
   i alternates high/low so that both branches of the max are taken; checked in plain C. */
static void test_scan_stabilized(void) {
  enum { T = 6, B = 2, H = 3 };
  cg_graph *g = cg_new();
  int ii = inp(g, "i", SH(T, B, H), V_ALT, 0, 0);
  int ff = inp(g, "f", SH(T, B, H), V_UNIF, 0.5, 2);
  int zz = in_u(g, "z", SH(T, B, H));
  int c0 = input_kind(g, CG_IN_STATE, "state.c", SH(B, H), V_UNIF, -1, 1);
  int n0 = input_kind(g, CG_IN_STATE, "state.n", SH(B, H), V_UNIF, 0.5, 1.5);
  int m0 = input_kind(g, CG_IN_STATE, "state.m", SH(B, H), V_UNIF, -0.5, 0.5);

  cg_graph *bd = cg_new();
  cg_shape s = SH(B, H);
  int bi = cg_input(bd, CG_IN_SEQ, "i", 0, s, L0), bf = cg_input(bd, CG_IN_SEQ, "f", 1, s, L0);
  int bz = cg_input(bd, CG_IN_SEQ, "z", 2, s, L0);
  int bc = cg_input(bd, CG_IN_BSTATE, "c", 0, s, L0), bn = cg_input(bd, CG_IN_BSTATE, "n", 1, s, L0);
  int bm = cg_input(bd, CG_IN_BSTATE, "m", 2, s, L0);
  int a = bin_(bd, CG_OP_ADD, cg_unary(bd, CG_OP_LOGSIGMOID, bf), bm);
  int m = bin_(bd, CG_OP_MAX, a, bi);
  int ip = cg_unary(bd, CG_OP_EXP, bin_(bd, CG_OP_SUB, bi, m));
  int fp = cg_unary(bd, CG_OP_EXP, bin_(bd, CG_OP_SUB, a, m));
  int c = bin_(bd, CG_OP_ADD, bin_(bd, CG_OP_MUL, fp, bc), bin_(bd, CG_OP_MUL, ip, cg_unary(bd, CG_OP_TANH, bz)));
  int n = bin_(bd, CG_OP_ADD, bin_(bd, CG_OP_MUL, fp, bn), ip);
  cg_output_add(bd, "c", c);
  cg_output_add(bd, "n", n);
  cg_output_add(bd, "m", m);
  cg_output_add(bd, "y", bin_(bd, CG_OP_DIV, c, n));
  int sc = cg_scan(g, bd, 3, 0, 3, 1, 0, 0, 0, (int[]){ii, ff, zz, c0, n0, m0});
  cg_output_add(g, "y", cg_scan_out(g, sc, 3));
  cg_output_add(g, "c", cg_scan_out(g, sc, 0));
  cg_output_add(g, "n", cg_scan_out(g, sc, 1));
  cg_output_add(g, "m", cg_scan_out(g, sc, 2));

  stab_ids[0] = ii, stab_ids[1] = ff, stab_ids[2] = c0, stab_ids[3] = n0, stab_ids[4] = m0;
  value_hook = stabilized_branches;
  check_graph("scan.stabilized_max", g);
  value_hook = NULL;
}

/* sLSTM-like body: recurrent EINSUM of the previous hidden state with a const kernel R, gate
   slices; sequence axis 1 (x: [B, T, NH, 2, D]). */
static void test_scan_einsum(void) {
  enum { B = 2, T = 4, NH = 2, D = 3 };
  cg_graph *g = cg_new();
  int x = in_u(g, "x", SH(B, T, NH, 2, D));
  int R = input_kind(g, CG_IN_PARAM, "R", SH(NH, D, 2, D), V_UNIF, -0.7, 0.7);
  int y0 = input_kind(g, CG_IN_STATE, "state.y", SH(B, NH, D), V_UNIF, -1, 1);
  int c0 = input_kind(g, CG_IN_STATE, "state.c", SH(B, NH, D), V_UNIF, -1, 1);

  cg_graph *bd = cg_new();
  cg_shape hs = SH(B, NH, D);
  int bx = cg_input(bd, CG_IN_SEQ, "x", 0, SH(B, NH, 2, D), L0);
  int bR = cg_input(bd, CG_IN_CONST, "R", 0, SH(NH, D, 2, D), L0);
  int by = cg_input(bd, CG_IN_BSTATE, "y", 0, hs, L0), bc = cg_input(bd, CG_IN_BSTATE, "c", 1, hs, L0);
  int pre = bin_(bd, CG_OP_ADD, bx, cg_einsum(bd, by, bR, "bhk", "hkgj", "bhgj"));
  int ig = cg_reshape(bd, cg_slice(bd, pre, 2, 0, 1), hs);
  int zg = cg_reshape(bd, cg_slice(bd, pre, 2, 1, 1), hs);
  int c = bin_(bd, CG_OP_ADD, bin_(bd, CG_OP_MUL, cg_unary(bd, CG_OP_SIGMOID, ig), cg_unary(bd, CG_OP_TANH, zg)),
               bin_(bd, CG_OP_MUL, bc, kc(bd, 0.5, 3)));
  int y = cg_unary(bd, CG_OP_TANH, c);
  cg_output_add(bd, "y", y);
  cg_output_add(bd, "c", c);
  cg_output_add(bd, "y_out", y); /* the same node as a state and a per-step output */
  int s = cg_scan(g, bd, 1, 1, 2, 1, 1, 0, 0, (int[]){x, R, y0, c0});
  cg_output_add(g, "ys", cg_scan_out(g, s, 2));
  cg_output_add(g, "c_final", cg_scan_out(g, s, 1));
  check_graph("scan.einsum_recurrent_axis1", g);
}

/* Token ids as an integer sequence input; the body gathers rows of a const embedding table. */
static void test_scan_gather(void) {
  enum { T = 5, B = 3, V = 4, H = 2 };
  cg_graph *g = cg_new();
  int tok = inp(g, "tok", SH(T, B), V_INT, 0, V);
  int E = input_kind(g, CG_IN_PARAM, "E", SH(V, H), V_UNIF, -1, 1);
  int u = input_kind(g, CG_IN_PARAM, "u", SH(1, H), V_UNIF, -1, 1);
  int h0 = input_kind(g, CG_IN_STATE, "state.h", SH(B, H), V_UNIF, -1, 1);
  cg_graph *bd = cg_new();
  int bt = cg_input(bd, CG_IN_SEQ, "tok", 0, SH(B), L0);
  bd->nodes.v[bt].is_int = 1;
  int bE = cg_input(bd, CG_IN_CONST, "E", 0, SH(V, H), L0), bu = cg_input(bd, CG_IN_CONST, "u", 1, SH(1, H), L0);
  int bh = cg_input(bd, CG_IN_BSTATE, "h", 0, SH(B, H), L0);
  int hn = cg_unary(bd, CG_OP_TANH, bin_(bd, CG_OP_ADD, cg_gather(bd, bE, bt), bin_(bd, CG_OP_MUL, bh, bu)));
  cg_output_add(bd, "h", hn);
  cg_output_add(bd, "hs", hn);
  int s = cg_scan(g, bd, 1, 2, 1, 1, 0, 0, 0, (int[]){tok, E, u, h0});
  cg_output_add(g, "hs", cg_scan_out(g, s, 1));
  check_graph("scan.gather_int_tokens", g);
}

/* A scan inside a scan body: the outer step runs an inner recurrence over the rows of x_t,
   started from the outer state; the outer state becomes the inner final state. */
static void test_scan_nested(void) {
  enum { T1 = 3, T2 = 4, B = 2, H = 2 };
  cg_graph *g = cg_new();
  int x = in_u(g, "x", SH(T1, T2, B, H));
  int w = input_kind(g, CG_IN_PARAM, "w", SH(1, H), V_UNIF, -1, 1);
  int h0 = input_kind(g, CG_IN_STATE, "state.h", SH(B, H), V_UNIF, -1, 1);

  cg_graph *in = cg_new(); /* inner: s = tanh(s * w + x) */
  int ix = cg_input(in, CG_IN_SEQ, "x", 0, SH(B, H), L0), iw = cg_input(in, CG_IN_CONST, "w", 0, SH(1, H), L0);
  int is = cg_input(in, CG_IN_BSTATE, "s", 0, SH(B, H), L0);
  int sn = cg_unary(in, CG_OP_TANH, bin_(in, CG_OP_ADD, bin_(in, CG_OP_MUL, is, iw), ix));
  cg_output_add(in, "s", sn);
  cg_output_add(in, "ss", cg_unary(in, CG_OP_SQUARE, sn));

  cg_graph *bd = cg_new(); /* outer body */
  int bx = cg_input(bd, CG_IN_SEQ, "x", 0, SH(T2, B, H), L0), bw = cg_input(bd, CG_IN_CONST, "w", 0, SH(1, H), L0);
  int bh = cg_input(bd, CG_IN_BSTATE, "h", 0, SH(B, H), L0);
  int s2 = cg_scan(bd, in, 1, 1, 1, 1, 0, 1, 0, (int[]){bx, bw, bh}); /* inner runs in reverse */
  int hn = bin_(bd, CG_OP_MUL, cg_scan_out(bd, s2, 0), bw);
  cg_output_add(bd, "h", hn);
  cg_output_add(bd, "ss", cg_scan_out(bd, s2, 1));
  int s = cg_scan(g, bd, 1, 1, 1, 1, 0, 0, 0, (int[]){x, w, h0});
  cg_output_add(g, "ss", cg_scan_out(g, s, 1));
  cg_output_add(g, "h_final", cg_scan_out(g, s, 0));
  check_graph("scan.nested", g);
}

/* Structure: the forward scan gets SAVE set (its old results keep their shapes), the backward
   scan runs the other way over the same axis; unreachable inputs get zero gradients. */
static void test_scan_structure(void) {
  for (int rev = 0; rev < 2; rev++) {
    cg_graph *g = cg_new();
    int x = cg_input(g, CG_IN_INPUT, "x", 0, SH(2, 4, 3), L0);
    int h0 = cg_input(g, CG_IN_STATE, "state.h", 0, SH(2, 3), L0);
    cg_input(g, CG_IN_PARAM, "unused", 0, SH(3), L0);
    cg_graph *bd = cg_new();
    int bx = cg_input(bd, CG_IN_SEQ, "x", 0, SH(2, 3), L0), bh = cg_input(bd, CG_IN_BSTATE, "h", 0, SH(2, 3), L0);
    int hn = cg_unary(bd, CG_OP_TANH, bin_(bd, CG_OP_ADD, bx, bh));
    cg_output_add(bd, "h", hn);
    cg_output_add(bd, "y", hn);
    int s = cg_scan(g, bd, 1, 0, 1, 1, 1, rev, 0, (int[]){x, h0});
    int y = cg_scan_out(g, s, 1);
    cg_output_add(g, "y", y);
    cg_shape ys = g->nodes.v[y].shape;
    int n0 = g->nodes.n;
    char *err = NULL;
    XL_ASSERT(ad_append_backward(g, NULL, NULL, &err) == 0);
    verify("scan.structure", g);
    int ok = g->nodes.v[s].a[CG_SCAN_SAVE] == 1 && cg_shape_eq(&g->nodes.v[y].shape, &ys);
    int nb = 0;
    for (int i = n0; i < g->nodes.n; i++) {
      const cg_node *n = &g->nodes.v[i];
      if (n->op != CG_OP_SCAN) continue;
      nb++;
      ok &= n->a[CG_SCAN_REVERSE] == !rev && n->a[CG_SCAN_AXIS] == 1;
    }
    ok &= nb == 1 && cg_find_output(g, "grad.unused") >= 0 && cg_find_output(g, "grad.state.h") >= 0;
    ok &= ad_append_backward(g, "nonexistent", NULL, &err) == -1 && err && strstr(err, "nonexistent");
    free(err);
    if (!ok) {
      fprintf(stderr, "FAIL scan.structure (reverse=%d): unexpected backward structure\n", rev);
      cg_dump(g, stderr);
      failures++;
    }
    cg_free(g);
  }
  printf("checked scan.structure\n");
}

int main(void) {
  test_unary();
  test_binary();
  test_builtins();
  test_custom_grad();
  test_structural();
  test_einsum();
  test_detach();
  test_scan_gated(0, 0);
  test_scan_gated(1, 0);
  test_scan_gated(0, 1);
  test_scan_gated(1, 1);
  test_scan_stabilized();
  test_scan_einsum();
  test_scan_gather();
  test_scan_nested();
  test_scan_structure();
  printf("finite differences: h = %g, tolerance %g relative (floor %g); worst rel err %.3e (%s)\n",
         FD_STEP, REL_TOL, REL_FLOOR, worst_rel, worst_what);
  if (failures) {
    fprintf(stderr, "%d gradient check(s) failed\n", failures);
    return 1;
  }
  printf("all gradient checks passed\n");
  return 0;
}
