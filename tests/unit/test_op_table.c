/* test_op_table.c - every row of the op table (compiler/ops.def, compiler/kir_ops.def) against
 * the code that implements it, so that a row whose implementation is missing or wrong fails here.
 *
 * (1) The table: an elementwise row (CG_K_UNARY/BINARY) has kir SELF, a KIR op of its spelling
 *     and arity; KIR op names are unique; the plan's map (kir_of_cg) names KIR ops that exist.
 * (2) Values: every CG op with a KIR op of 1-3 operands is evaluated three ways on 19 points (a
 *     vector loop and its scalar remainder): ref_exec of a one-node graph, the KIR interpreter
 *     on a one-instruction kernel, and the compiled kernel of the one-node graph (cpu_prepare/
 *     cpu_run: the MLIR spelling, JIT-compiled), in f64 and f32. Interpreter and ref_exec agree
 *     bit for bit (kir.c's contract); the compiled kernel agrees with ref_exec to 1e-12 (f64,
 *     relative per element) and 1e-5 (f32 with its inline approximations, relative to the
 *     output's largest magnitude, as test_elem_ops/cpu_vs_ref.h). Points where the reference is
 *     NaN switch the op to positive inputs (log, sqrt, pow of a negative base).
 * (3) Every KIR op (kir_ops.def, KIR-only ops included) compiles alone through kir_to_mlir and
 *     the JIT and agrees with kir_interp: every KIR op has an MLIR spelling.
 * (4) Builtins: every row with a builtin name lowers from a one-line .xl text to a graph holding
 *     that op (a sample call per row below; a row without one fails); plain builtins (unary rows)
 *     also fold on a number to the reference value.
 * (5) Gradients: every CG_G_RULE row is differentiated on a one-node graph (a sample graph per
 *     row below; a row without one fails) and checked against central differences in f64 (step
 *     1e-5, relative 1e-6 with floor 1e-4, as test_grad_ops); every CG_G_NONE row with a float
 *     input passes no gradient (grad.x is zero).
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cg.h"
#include "exec_cpu.h"
#include "jit.h"
#include "kir.h"
#include "lang.h"

#define NP 19
static const xl_loc L0 = {0};
static int n_values, n_spellings, n_builtins, n_grads; /* rows checked, for the summary line */

static const double XS[NP] = {-3.1, -1.7, -0.9, -0.45, -0.05, -1e-4, 0,   1e-4, 0.02, 0.3,
                              0.5,  0.8,  1.0,  1.25,  2.2,   4.5,   7.9, 12.5, 20.0};
/* second operand: equal to the first at every fifth point (ties of max, min, ge, eq) */
static double ys(int i) { return i % 5 == 0 ? XS[i] : 1.3 - 0.37 * i; }
/* third operand (where's else) */
static double zs(int i) { return 0.25 * i - 2; }

static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* ---- (1) the table ---- */

static void test_table(void) {
  for (int op = 0; op < CG_OP_COUNT; op++) {
    const cg_opinfo *r = &cg_ops[op];
    kir_op k = kir_of_cg((cg_op)op);
    int elem = r->kind == CG_K_UNARY || r->kind == CG_K_BINARY;
    CHECK(!elem || (k != KIR_NONE && !strcmp(kir_op_name(k), r->name) && kir_ops[k].nargs == r->arity),
          "elementwise %s: its KIR op is %s (want SELF: same spelling and arity)", r->name, kir_op_name(k));
    CHECK(k == KIR_NONE || (k >= 0 && k < KIR_OP_COUNT), "%s: kir_of_cg out of range", r->name);
    CHECK(r->grad == CG_G_NONE || r->grad == CG_G_RULE, "%s: grad column", r->name);
  }
  CHECK(kir_of_cg(CG_OP_WHERE) == KIR_SELECT && kir_of_cg(CG_OP_SUM) == KIR_NONE, "the AS/NONE rows");
  for (int k = 0; k < KIR_OP_COUNT; k++) {
    CHECK(kir_ops[k].name && kir_ops[k].nargs >= 0 && kir_ops[k].nargs <= 3, "KIR op %d: row", k);
    for (int j = 0; j < k; j++) CHECK(strcmp(kir_ops[k].name, kir_ops[j].name), "KIR name %s twice", kir_ops[k].name);
  }
}

/* ---- (2) values three ways ---- */

static cg_shape vec(int64_t n) { return cg_shape_of(1, &n); }

/* inputs x0..x<n-1> [NP], one node of op, output "y" */
static cg_graph *one_node(cg_op op, int n) {
  cg_graph *g = cg_new();
  int in[3];
  for (int i = 0; i < n; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "x%d", i);
    in[i] = cg_input(g, CG_IN_INPUT, nm, 0, vec(NP), L0);
  }
  int y = op == CG_OP_WHERE ? cg_where(g, in[0], in[1], in[2])
          : n == 1          ? cg_unary(g, op, in[0])
                            : cg_binary(g, op, in[0], in[1]);
  cg_output_add(g, "y", y);
  return g;
}

static double operand(int j, int i, int pos) {
  double v = j == 0 ? XS[i] : j == 1 ? ys(i) : zs(i);
  return pos && j == 0 ? fabs(v) + 0.05 : v;
}

static void ref_values(const cg_graph *g, int n, int pos, cg_dtype dt, double *out) {
  xt *in[3] = {0}, *o[1] = {0};
  for (int j = 0; j < n; j++) {
    in[j] = xt_new_named(g->nodes.v[j].name, XT_F64, 1, (int64_t[]){NP});
    for (int i = 0; i < NP; i++) xt_set(in[j], i, operand(j, i, pos));
  }
  char *err = NULL;
  CHECK(ref_exec(g, dt, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  for (int i = 0; i < NP; i++) out[i] = o[0] ? xt_get(o[0], i) : NAN;
  xt_free(o[0]);
  for (int j = 0; j < n; j++) xt_free(in[j]);
}

static int cpu_values(const cg_graph *g, int n, int pos, cg_dtype dt, double *out) {
  xt *in[3] = {0}, *o[1] = {0};
  for (int j = 0; j < n; j++) {
    in[j] = xt_new_named(g->nodes.v[j].name, XT_F64, 1, (int64_t[]){NP});
    for (int i = 0; i < NP; i++) xt_set(in[j], i, operand(j, i, pos));
  }
  char *err = NULL;
  cpu_exec *e = cpu_prepare(g, dt, NULL, &err);
  CHECK(e && cpu_run(e, in, o, &err) == 0, "cpu: %s", err ? err : "");
  free(err);
  int kernels = e ? e->stats.kernels : 0;
  for (int i = 0; i < NP; i++) out[i] = o[0] ? xt_get(o[0], i) : NAN;
  cpu_free(e);
  xt_free(o[0]);
  for (int j = 0; j < n; j++) xt_free(in[j]);
  return kernels;
}

/* one instruction of op on n loaded operands, stored to buffer n; CONST (n = 0) stores imm */
static kir_kernel *one_inst(kir_op op, int n, double imm) {
  kir_kernel *k = xl_calloc(1, sizeof *k);
  snprintf(k->name, sizeof k->name, "optab_%s", kir_op_name(op));
  k->ndim = 1;
  k->dim[0] = NP;
  k->nbuf = n + 1;
  for (int b = 0; b <= n; b++) k->buf_numel[b] = NP;
  k->buf_out[n] = 1;
  kir_inst in;
  for (int j = 0; j < n; j++) {
    memset(&in, 0, sizeof in);
    in.op = KIR_LOAD;
    in.buf = j;
    in.stride[0] = 1;
    xl_vec_push(k->body, in);
  }
  memset(&in, 0, sizeof in);
  in.op = op;
  in.a = 0, in.b = 1, in.c = 2, in.imm = imm;
  xl_vec_push(k->body, in);
  memset(&in, 0, sizeof in);
  in.op = KIR_STORE;
  in.buf = n;
  in.a = n;
  in.stride[0] = 1;
  xl_vec_push(k->body, in);
  CHECK(kir_verify(k, stderr) == 0, "kernel of %s", kir_op_name(op));
  return k;
}

/* runs k on the operands (interpreter, or the JIT-compiled MLIR when jit) */
static void kir_values(const kir_kernel *k, int n, int pos, cg_dtype dt, int jit, double *out) {
  double d[4][NP];
  float f[4][NP];
  void *bufs[4];
  for (int j = 0; j <= n; j++) {
    for (int i = 0; i < NP; i++) d[j][i] = j < n ? operand(j, i, pos) : NAN, f[j][i] = (float)d[j][i];
    bufs[j] = dt == CG_F64 ? (void *)d[j] : (void *)f[j];
  }
  if (!jit) kir_interp(k, dt, bufs);
  else {
    char *text = kir_to_mlir(k, dt, NULL), *err = NULL;
    xl_jit *J = jit_compile(text, k->name, &err);
    CHECK(J != NULL, "%s: jit: %s", k->name, err ? err : "");
    if (J) ((kir_fn)jit_fn(J))(bufs, 0, kir_par_dim(k) < 0 ? 1 : NP);
    jit_free(J);
    free(text);
    free(err);
  }
  for (int i = 0; i < NP; i++) out[i] = dt == CG_F64 ? d[n][i] : (double)f[n][i];
}

static void compare(const char *what, const double *got, const double *want, double tol, int per_elem) {
  double amax = 0;
  for (int i = 0; i < NP; i++)
    if (isfinite(want[i]) && fabs(want[i]) > amax) amax = fabs(want[i]);
  for (int i = 0; i < NP; i++) {
    int ok = tol == 0 || !isfinite(want[i]) ? same(got[i], want[i])
             : per_elem                     ? fabs(got[i] - want[i]) <= tol * fmax(fabs(want[i]), 1e-300)
                                            : fabs(got[i] - want[i]) <= tol * amax;
    CHECK(ok, "%s at x = %g: %.17g, want %.17g", what, XS[i], got[i], want[i]);
  }
}

static void test_values(void) {
  int nops = 0;
  for (int op = 0; op < CG_OP_COUNT; op++) {
    kir_op k = kir_of_cg((cg_op)op);
    if (k == KIR_NONE || kir_ops[k].nargs < 1) continue;
    int n = kir_ops[k].nargs;
    nops++;
    cg_graph *g = one_node((cg_op)op, n);
    double r[NP];
    ref_values(g, n, 0, CG_F64, r);
    int pos = 0;
    for (int i = 0; i < NP; i++) pos |= isnan(r[i]);
    kir_kernel *kk = one_inst(k, n, 0);
    for (int dt = CG_F64; dt <= CG_F32; dt++) {
      const char *dn = dt == CG_F64 ? "f64" : "f32";
      double ref[NP], kir[NP], cpu[NP];
      char what[96];
      ref_values(g, n, pos, (cg_dtype)dt, ref);
      kir_values(kk, n, pos, (cg_dtype)dt, 0, kir);
      snprintf(what, sizeof what, "%s %s: kir_interp vs ref_exec", cg_ops[op].name, dn);
      compare(what, kir, ref, 0, 1);
      int nk = cpu_values(g, n, pos, (cg_dtype)dt, cpu);
      CHECK(nk >= 1, "%s %s: no compiled kernel ran (%d)", cg_ops[op].name, dn, nk);
      snprintf(what, sizeof what, "%s %s: compiled vs ref_exec", cg_ops[op].name, dn);
      compare(what, cpu, ref, dt == CG_F64 ? 1e-12 : 1e-5, dt == CG_F64);
    }
    kir_free(kk);
    cg_free(g);
  }
  CHECK(nops >= 28, "only %d elementwise ops", nops);
  n_values = nops;
}

/* ---- (3) every KIR op has an MLIR spelling ---- */

static void test_spellings(void) {
  for (int k = 0; k < KIR_OP_COUNT; k++) {
    if (k == KIR_LOAD || k == KIR_STORE) continue; /* in every kernel below */
    if (k == KIR_INDEX || k == KIR_LOADX || k == KIR_STOREX) continue; /* test_kir_index.c */
    int n = kir_ops[k].nargs;
    kir_kernel *kk = one_inst((kir_op)k, n, 0.375);
    int pos = 0;
    n_spellings++;
    for (int dt = CG_F64; dt <= CG_F32; dt++) {
      double want[NP], got[NP];
      kir_values(kk, n, pos, (cg_dtype)dt, 0, want);
      if (dt == CG_F64)
        for (int i = 0; i < NP; i++) pos |= isnan(want[i]);
      if (pos && dt == CG_F64) kir_values(kk, n, pos, (cg_dtype)dt, 0, want);
      kir_values(kk, n, pos, (cg_dtype)dt, 1, got);
      char what[96];
      snprintf(what, sizeof what, "KIR %s %s: jit vs interp", kir_ops[k].name, dt == CG_F64 ? "f64" : "f32");
      compare(what, got, want, dt == CG_F64 ? 1e-12 : 1e-5, dt == CG_F64);
    }
    kir_free(kk);
  }
}

/* ---- (4) builtins ---- */

/* a call of each builtin row that is not a plain unary call, over the inputs of BLOCK */
static const struct {
  cg_op op;
  const char *call;
} CALLS[] = {
    {CG_OP_TRIL, "tril(N) + m * 0"},
    {CG_OP_MAX, "max(x, y)"},
    {CG_OP_MIN, "min(x, y)"},
    {CG_OP_WHERE, "where(x, y, x)"},
    {CG_OP_SUM, "sum(x, 0)"},
    {CG_OP_MAXR, "amax(x, 0)"},
    {CG_OP_CUMSUM, "cumsum(m, -1, reverse = true)"},
    {CG_OP_LOGCUMSUMEXP, "logcumsumexp(m, 0)"},
    {CG_OP_EINSUM, "einsum(\"...i,...j->...ij\", x, y)"},
    {CG_OP_RESHAPE, "reshape(x, [..., 2, N / 2])"},
    {CG_OP_TRANSPOSE, "permute(m, [1, 0])"},
    {CG_OP_SLICE, "slice(x, 0, 1, 2)"},
    {CG_OP_PAD, "pad(x, 0, 1, 2)"},
    {CG_OP_CONCAT, "concat(x, y)"},
    {CG_OP_GATHER, "gather(w, ids)"},
    {CG_OP_ONE_HOT, "one_hot(ids, 3)"},
    {CG_OP_DETACH, "detach(x)"},
};

static const char *call_of(cg_op op) {
  for (size_t i = 0; i < sizeof CALLS / sizeof *CALLS; i++)
    if (CALLS[i].op == op) return CALLS[i].call;
  return NULL;
}

static int graph_has(const cg_graph *g, cg_op op) {
  for (int i = 0; i < g->nodes.n; i++) {
    if (g->nodes.v[i].op == op) return 1;
    if (g->nodes.v[i].body && graph_has(g->nodes.v[i].body, op)) return 1;
  }
  return 0;
}

/* lowers `out r = EXPR` in a block with inputs x, y [N], m [N, N], ids int[N] and a parameter
   w [N, N]; NULL if it does not lower */
static cg_graph *lower_expr(const char *expr) {
  char src[512];
  snprintf(src, sizeof src,
           "block t(N = 4) {\n  in x: [N]\n  in y: [N]\n  in m: [N, N]\n  in ids: int[N]\n"
           "  param w: [N, N] = zeros\n  out r = %s\n}\n",
           expr);
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "optab.xl", src, &d);
  lang_set sets[1] = {{"B", "2"}};
  cg_graph *g = file && !d.nerr ? lang_lower(&ar, file, "t", sets, 1, NULL, 0, &d) : NULL;
  xl_arena_free(&ar);
  return g;
}

static void test_builtins(void) {
  int nb = 0;
  for (int op = 0; op < CG_OP_COUNT; op++) {
    const cg_opinfo *r = &cg_ops[op];
    if (!r->builtin) continue;
    nb++;
    char expr[128];
    const char *call = call_of((cg_op)op);
    if (r->kind == CG_K_UNARY) snprintf(expr, sizeof expr, "%s(x)", r->builtin), call = expr;
    CHECK(call != NULL, "builtin %s (row %s) has no sample call in CALLS", r->builtin, r->name);
    if (!call) continue;
    CHECK(!strncmp(call, r->builtin, strlen(r->builtin)) && call[strlen(r->builtin)] == '(',
          "the sample %s does not call the row's builtin %s", call, r->builtin);
    cg_graph *g = lower_expr(call);
    CHECK(g && graph_has(g, (cg_op)op), "%s: the graph has no %s node", call, r->name);
    cg_free(g);
    if (r->kind != CG_K_UNARY) continue;
    /* a plain builtin on a number folds (lowering's own libm formula) to the reference value */
    snprintf(expr, sizeof expr, "x * 0 + %s(0.7)", r->builtin);
    g = lower_expr(expr);
    CHECK(g && !graph_has(g, (cg_op)op), "%s: not folded", expr);
    if (g) {
      double got = NAN;
      for (int i = 0; i < g->nodes.n; i++)
        if (g->nodes.v[i].op == CG_OP_CONST && g->nodes.v[i].fval != 0) got = g->nodes.v[i].fval;
      cg_graph *p = cg_new();
      int x = cg_input(p, CG_IN_INPUT, "x0", 0, vec(1), L0);
      cg_output_add(p, "y", cg_unary(p, (cg_op)op, x));
      xt *in[1] = {xt_new_named("x0", XT_F64, 1, (int64_t[]){1})}, *out[1] = {0};
      xt_set(in[0], 0, 0.7);
      char *err = NULL;
      CHECK(ref_exec(p, CG_F64, in, out, &err) == 0, "ref_exec: %s", err ? err : "");
      double w = out[0] ? xt_get(out[0], 0) : NAN;
      CHECK(fabs(got - w) <= 1e-15 * fabs(w), "%s folds to %.17g, ref_exec %.17g", expr, got, w);
      free(err);
      xt_free(in[0]);
      xt_free(out[0]);
      cg_free(p);
      cg_free(g);
    }
  }
  CHECK(nb >= 28, "only %d builtin rows", nb);
  n_builtins = nb;
}

/* ---- (5) gradients ---- */

#define FD_STEP 1e-5
#define REL_TOL 1e-6
#define REL_FLOOR 1e-4

static cg_shape sh2(int64_t a, int64_t b) { return cg_shape_of(2, (int64_t[]){a, b}); }

static int in2(cg_graph *g, const char *name, int64_t a, int64_t b) {
  return cg_input(g, CG_IN_INPUT, name, 0, sh2(a, b), L0);
}

/* A one-node graph of op on [3, 4] inputs (x, y, ...; "ids" integer), output "y"; -1 if this
   test has no sample for op. */
static int sample_graph(cg_graph *g, cg_op op) {
  const cg_opinfo *r = &cg_ops[op];
  if (r->kind == CG_K_UNARY) return cg_unary(g, op, in2(g, "x", 3, 4));
  if (r->kind == CG_K_BINARY) return cg_binary(g, op, in2(g, "x", 3, 4), in2(g, "y", 3, 1));
  int x, ids;
  switch (op) {
  case CG_OP_WHERE: x = in2(g, "c", 3, 4); return cg_where(g, x, in2(g, "x", 3, 4), in2(g, "y", 1, 4));
  case CG_OP_SUM: return cg_sum(g, in2(g, "x", 3, 4), 2);
  case CG_OP_MAXR: return cg_maxr(g, in2(g, "x", 3, 4), 2);
  case CG_OP_CUMSUM: return cg_cumulative(g, op, in2(g, "x", 3, 4), 1, 0);
  case CG_OP_LOGCUMSUMEXP: return cg_cumulative(g, op, in2(g, "x", 3, 4), 0, 1);
  case CG_OP_BROADCAST: return cg_broadcast(g, in2(g, "x", 3, 1), sh2(3, 4));
  case CG_OP_EINSUM: return cg_einsum(g, in2(g, "x", 3, 4), in2(g, "y", 4, 2), "ij", "jk", "ik");
  case CG_OP_RESHAPE: return cg_reshape(g, in2(g, "x", 3, 4), sh2(2, 6));
  case CG_OP_TRANSPOSE: return cg_transpose(g, in2(g, "x", 3, 4), (int[]){1, 0});
  case CG_OP_SLICE: return cg_slice(g, in2(g, "x", 3, 4), 1, 1, 2);
  case CG_OP_PAD: return cg_pad(g, in2(g, "x", 3, 4), 1, 1, 2);
  case CG_OP_CONCAT: return cg_concat(g, 2, (int[]){in2(g, "x", 3, 4), in2(g, "y", 3, 2)}, 1);
  case CG_OP_GATHER:
  case CG_OP_SCATTER_ADD:
  case CG_OP_ONE_HOT:
    ids = cg_input(g, CG_IN_INPUT, "ids", 0, vec(3), L0);
    g->nodes.v[ids].is_int = 1;
    if (op == CG_OP_ONE_HOT) return cg_one_hot(g, ids, 4);
    x = in2(g, "x", 3, 4);
    return op == CG_OP_GATHER ? cg_gather(g, x, ids) : cg_scatter_add(g, x, ids, 5);
  case CG_OP_DETACH: return cg_unary(g, CG_OP_DETACH, in2(g, "x", 3, 4));
  case CG_OP_SCAN:
  case CG_OP_SCAN_OUT: { /* s_t = tanh(s_{t-1} * x_t + x_t) over 3 steps; final state */
    cg_graph *b = cg_new();
    int bx = cg_input(b, CG_IN_SEQ, "", 0, vec(4), L0), bs = cg_input(b, CG_IN_BSTATE, "", 0, vec(4), L0);
    int ns = cg_unary(b, CG_OP_TANH, cg_binary(b, CG_OP_ADD, cg_binary(b, CG_OP_MUL, bs, bx), bx));
    cg_output_add(b, "", ns);
    x = in2(g, "x", 3, 4);
    int s0 = cg_input(g, CG_IN_INPUT, "s", 0, vec(4), L0);
    int sc = cg_scan(g, b, 1, 0, 1, 0, 0, 0, 0, (int[]){x, s0});
    return cg_scan_out(g, sc, 0);
  }
  default: return -1;
  }
}

static double loss(const cg_graph *g, xt **in, const double *w) {
  xt *o[8] = {0};
  char *err = NULL;
  CHECK(ref_exec(g, CG_F64, in, o, &err) == 0, "ref_exec: %s", err ? err : "");
  free(err);
  int k = cg_find_output(g, "y");
  double L = 0;
  for (int64_t i = 0; o[k] && i < xt_numel(o[k]); i++) L += w[i] * xt_get(o[k], i);
  for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
  return L;
}

static uint64_t rs = 88172645463325252ull;
static double urand(void) {
  rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
  return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

static void test_grads(void) {
  for (int op = 0; op < CG_OP_COUNT; op++) {
    const cg_opinfo *r = &cg_ops[op];
    if (r->kind == CG_K_LEAF || op == CG_OP_SCAN_OUT) continue; /* no inputs; SCAN_OUT with SCAN */
    cg_graph *g = cg_new();
    int y = sample_graph(g, (cg_op)op);
    CHECK(y >= 0, "op %s has no sample graph in test_op_table.c", r->name);
    if (y < 0) {
      cg_free(g);
      continue;
    }
    cg_output_add(g, "y", y);
    n_grads++;
    int nin = g->nodes.n - 1; /* the forward graph: its inputs, the sample, "y" */
    char *err = NULL;
    CHECK(ad_append_backward(g, NULL, NULL, &err) == 0, "%s: autodiff: %s", r->name, err ? err : "");
    free(err);
    int64_t ny = cg_numel(&g->nodes.v[y].shape);
    double *w = xl_calloc((size_t)ny, sizeof(double));
    xt **in = xl_calloc((size_t)g->nodes.n, sizeof(xt *));
    for (int pt = 0; pt < 2; pt++) { /* two points */
      for (int64_t i = 0; i < ny; i++) w[i] = urand() * 2 - 1;
      for (int i = 0; i < g->nodes.n; i++) {
        const cg_node *n = &g->nodes.v[i];
        if (n->op != CG_OP_INPUT) continue;
        xt_free(in[i]);
        in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
        for (int64_t j = 0; j < xt_numel(in[i]); j++) {
          /* [0.3, 1.5]: in every op's domain, away from kinks (abs); cond +-1 (where) */
          double v = !strcmp(n->name, "ids") ? (double)((j * 2 + pt) % 3)
                     : !strcmp(n->name, "c") ? (urand() < 0.5 ? -1 : 1)
                     : !strncmp(n->name, "cot.", 4) ? w[j]
                                                    : 0.3 + 1.2 * urand();
          xt_set(in[i], j, v);
        }
      }
      xt *o[8] = {0};
      err = NULL;
      CHECK(ref_exec(g, CG_F64, in, o, &err) == 0, "%s: ref_exec: %s", r->name, err ? err : "");
      free(err);
      for (int i = 0; i < nin; i++) {
        const cg_node *n = &g->nodes.v[i];
        if (n->op != CG_OP_INPUT || n->is_int) continue;
        char gname[64];
        snprintf(gname, sizeof gname, "grad.%s", n->name);
        int k = cg_find_output(g, gname);
        CHECK(k >= 0 && o[k], "%s: no %s", r->name, gname);
        if (k < 0 || !o[k]) continue;
        for (int dir = 0; dir < 2; dir++) {
          int64_t m = xt_numel(in[i]);
          double *d = xl_calloc((size_t)m, sizeof(double)), ad = 0;
          for (int64_t j = 0; j < m; j++) d[j] = urand() * 2 - 1, ad += d[j] * xt_get(o[k], j);
          double fd = 0;
          if (r->grad == CG_G_RULE && strcmp(n->name, "c")) {
            xt *save = xt_convert(in[i], XT_F64);
            for (int64_t j = 0; j < m; j++) xt_set(in[i], j, xt_get(save, j) + FD_STEP * d[j]);
            double lp = loss(g, in, w);
            for (int64_t j = 0; j < m; j++) xt_set(in[i], j, xt_get(save, j) - FD_STEP * d[j]);
            double lm = loss(g, in, w);
            for (int64_t j = 0; j < m; j++) xt_set(in[i], j, xt_get(save, j));
            xt_free(save);
            fd = (lp - lm) / (2 * FD_STEP);
          }
          double rel = fabs(ad - fd) / fmax(fmax(fabs(ad), fabs(fd)), REL_FLOOR);
          CHECK(rel <= REL_TOL, "%s: <%s, d> = %.12g, central difference %.12g (rel %.2e)", r->name, gname, ad,
                fd, rel);
          free(d);
        }
      }
      for (int j = 0; j < g->outs.n; j++) xt_free(o[j]);
    }
    for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
    free(in);
    free(w);
    cg_free(g);
  }
}

int main(void) {
  test_table();
  test_values();
  test_spellings();
  test_builtins();
  test_grads();
  if (fails) fprintf(stderr, "%d failures\n", fails);
  else
    printf("op table: %d ops evaluated three ways, %d KIR ops compiled alone, %d builtins lowered, %d "
           "gradients checked\n", n_values, n_spellings, n_builtins, n_grads);
  return fails != 0;
}
