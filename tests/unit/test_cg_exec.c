/* test_cg_exec.c - the reference executor (runtime/ref/exec_ref.c) against values computed here.
 *
 * For every op a small graph is built and run in float64 (tolerance 1e-12) and float32
 * (1e-6 relative); expected values come from straightforward loops or closed forms in this
 * file, never from the executor. Also: scans (a linear recurrence against its closed form,
 * reverse, save, -inf state fill), einsum forms, error paths, and the half-float
 * conversions of compiler/tensor.c. Exit 0 = pass.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cg.h"

static int fails, checks;

static void failf(int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL line %d: ", line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fails++;
}
#define CHECK(c, ...) do { checks++; if (!(c)) failf(__LINE__, __VA_ARGS__); } while (0)

static const xl_loc NOLOC = {0};

static cg_shape S(int rank, ...) {
  va_list ap;
  int64_t d[CG_MAXRANK];
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) d[i] = va_arg(ap, int);
  va_end(ap);
  return cg_shape_of(rank, d);
}

/* Deterministic test values: multiples of 1/64 in [-2, 2] (exact in float). */
static double val(int i, int seed) {
  unsigned h = (unsigned)(i * 2654435761u) ^ (unsigned)(seed * 40503u + 17u);
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return ((int)(h % 257) - 128) / 64.0;
}

static xt *tensor(cg_shape s, const double *v) {
  xt *t = xt_new(XT_F64, s.rank, s.d);
  for (int64_t i = 0; i < cg_numel(&s); i++) ((double *)t->data)[i] = v[i];
  return t;
}

static xt *tensor_gen(cg_shape s, int seed, double **vals) {
  int64_t n = cg_numel(&s);
  double *v = xl_malloc((size_t)n * sizeof(double));
  for (int64_t i = 0; i < n; i++) v[i] = val((int)i, seed);
  xt *t = tensor(s, v);
  *vals = v;
  return t;
}

static int close_to(double got, double want, double tol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

/* Runs g in both dtypes; compares output k with want[k]. ins is indexed by node id. */
static void expect_outs(int line, const char *what, const cg_graph *g, xt **ins, const double *const *want) {
  for (int d = 0; d < 2; d++) {
    cg_dtype dt = d ? CG_F32 : CG_F64;
    double tol = d ? 1e-6 : 1e-12;
    xt *outs[16] = {0};
    char *err = NULL;
    int rc = ref_exec(g, dt, ins, outs, &err);
    checks++;
    if (rc) {
      failf(line, "%s (%s): ref_exec failed: %s", what, d ? "f32" : "f64", err ? err : "?");
      free(err);
      continue;
    }
    for (int k = 0; k < g->outs.n; k++) {
      const cg_node *o = &g->nodes.v[g->outs.v[k].node];
      int64_t n = cg_numel(&o->shape);
      CHECK(outs[k]->dtype == (d ? XT_F32 : XT_F64), "%s: output dtype", what);
      CHECK(outs[k]->rank == o->shape.rank, "%s: output rank", what);
      int bad = 0;
      for (int64_t i = 0; i < n && bad < 3; i++) {
        double got = xt_get(outs[k], i);
        if (!close_to(got, want[k][i], tol)) {
          failf(line, "%s (%s) output %d [%lld]: got %.17g want %.17g", what, d ? "f32" : "f64", k,
                (long long)i, got, want[k][i]);
          bad++;
        }
      }
      checks++;
      xt_free(outs[k]);
    }
  }
}

static void expect1(int line, const char *what, const cg_graph *g, xt **ins, const double *want) {
  const double *w[1] = {want};
  expect_outs(line, what, g, ins, w);
}

static void free_ins(xt **ins, int n) {
  for (int i = 0; i < n; i++) xt_free(ins[i]), ins[i] = NULL;
}

/* ---- elementwise ---- */

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }
static double phi_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static double ref_unary(cg_op op, double x) {
  switch (op) {
  case CG_OP_NEG: return -x;
  case CG_OP_EXP: return exp(x);
  case CG_OP_LOG: return log(x);
  case CG_OP_SIGMOID: return sigm(x);
  case CG_OP_LOGSIGMOID: return log(sigm(x));
  case CG_OP_TANH: return (exp(2 * x) - 1) / (exp(2 * x) + 1);
  case CG_OP_SILU: return x / (1 + exp(-x));
  case CG_OP_GELU: return x * phi_cdf(x);
  case CG_OP_GELU_D: return phi_cdf(x) + x * exp(-x * x / 2) / sqrt(2 * M_PI);
  case CG_OP_ABS: return x < 0 ? -x : x;
  case CG_OP_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
  case CG_OP_SQRT: return sqrt(x);
  case CG_OP_RSQRT: return 1 / sqrt(x);
  case CG_OP_SQUARE: return x * x;
  case CG_OP_RECIP: return 1 / x;
  case CG_OP_LOG1P: return log1p(x);
  case CG_OP_EXPM1: return expm1(x);
  default: return NAN;
  }
}

static void test_unary(void) {
  for (int op = 0; op < CG_OP_COUNT; op++) {
    if (cg_ops[op].kind != CG_K_UNARY) continue;
    int positive = op == CG_OP_LOG || op == CG_OP_SQRT || op == CG_OP_RSQRT || op == CG_OP_RECIP || op == CG_OP_LOG1P;
    cg_graph *g = cg_new();
    cg_shape s = S(2, 3, 5);
    int x = cg_input(g, CG_IN_INPUT, "x", 0, s, NOLOC);
    cg_output_add(g, "y", cg_unary(g, (cg_op)op, x));
    double v[15], want[15];
    for (int i = 0; i < 15; i++) {
      v[i] = val(i, op);
      if (positive) v[i] = fabs(v[i]) + 0.25;
      if (op == CG_OP_SIGN && i == 3) v[i] = 0;
      want[i] = ref_unary((cg_op)op, v[i]);
    }
    xt *ins[1] = {tensor(s, v)};
    expect1(__LINE__, cg_ops[op].name, g, ins, want);
    free_ins(ins, 1);
    cg_free(g);
  }
  /* stability at the extremes */
  cg_graph *g = cg_new();
  cg_shape s = S(1, 4);
  int x = cg_input(g, CG_IN_INPUT, "x", 0, s, NOLOC);
  cg_output_add(g, "ls", cg_unary(g, CG_OP_LOGSIGMOID, x));
  cg_output_add(g, "sg", cg_unary(g, CG_OP_SIGMOID, x));
  double v[4] = {-200, 200, -1000, 1000};
  double ls[4] = {-200, -exp(-200.0), -1000, 0}, sg[4] = {exp(-200.0), 1, 0, 1};
  const double *w[2] = {ls, sg};
  xt *ins[1] = {tensor(s, v)};
  expect_outs(__LINE__, "logsigmoid/sigmoid extremes", g, ins, w);
  free_ins(ins, 1);
  cg_free(g);
}

static double ref_binary(cg_op op, double a, double b) {
  switch (op) {
  case CG_OP_ADD: return a + b;
  case CG_OP_SUB: return a - b;
  case CG_OP_MUL: return a * b;
  case CG_OP_DIV: return a / b;
  case CG_OP_POW: return pow(a, b);
  case CG_OP_MAX: return a > b ? a : b;
  case CG_OP_MIN: return a < b ? a : b;
  case CG_OP_GE: return a >= b;
  case CG_OP_GT: return a > b;
  case CG_OP_EQ: return a == b;
  default: return NAN;
  }
}

static void test_binary(void) {
  /* a [2, 1, 4] op b [1, 3, 4] -> [2, 3, 4]; b has -inf and values equal to a */
  cg_shape sa = S(3, 2, 1, 4), sb = S(3, 1, 3, 4);
  double va[8], vb[12];
  for (int i = 0; i < 8; i++) va[i] = val(i, 1);
  va[5] = -INFINITY;
  for (int i = 0; i < 12; i++) vb[i] = val(i, 2) + (val(i, 2) == 0 ? 0.5 : 0);
  vb[1] = va[1];          /* equal pair */
  vb[2] = -INFINITY;      /* max(a, -inf) = a, min = -inf */
  vb[4 + 1] = -INFINITY;  /* meets va[5] = -inf at [1, 1, 1] */
  for (int op = 0; op < CG_OP_COUNT; op++) {
    if (cg_ops[op].kind != CG_K_BINARY) continue;
    cg_graph *g = cg_new();
    int a = cg_input(g, CG_IN_INPUT, "a", 0, sa, NOLOC);
    int b = cg_input(g, CG_IN_INPUT, "b", 0, sb, NOLOC);
    int y = cg_binary(g, (cg_op)op, a, b);
    CHECK(cg_shape_eq(&g->nodes.v[y].shape, &(cg_shape){3, {2, 3, 4}}), "%s shape", cg_ops[op].name);
    cg_output_add(g, "y", y);
    double want[24];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++) {
          double x0 = va[i * 4 + k], x1 = vb[j * 4 + k];
          want[(i * 3 + j) * 4 + k] = ref_binary((cg_op)op, x0, x1);
        }
    xt *ins[2] = {tensor(sa, va), tensor(sb, vb)};
    expect1(__LINE__, cg_ops[op].name, g, ins, want);
    free_ins(ins, 2);
    cg_free(g);
  }
  /* explicit -inf semantics */
  cg_graph *g = cg_new();
  cg_shape s = S(1, 3);
  int a = cg_input(g, CG_IN_INPUT, "a", 0, s, NOLOC), b = cg_input(g, CG_IN_INPUT, "b", 0, s, NOLOC);
  cg_output_add(g, "max", cg_binary(g, CG_OP_MAX, a, b));
  cg_output_add(g, "min", cg_binary(g, CG_OP_MIN, a, b));
  cg_output_add(g, "sub", cg_binary(g, CG_OP_SUB, a, cg_binary(g, CG_OP_MAX, a, b)));
  double av[3] = {-INFINITY, -INFINITY, 1}, bv[3] = {-INFINITY, 2, -INFINITY};
  double wmax[3] = {-INFINITY, 2, 1}, wmin[3] = {-INFINITY, -INFINITY, -INFINITY}, wsub[3] = {NAN, -INFINITY, 0};
  const double *w[3] = {wmax, wmin, wsub};
  xt *ins[2] = {tensor(s, av), tensor(s, bv)};
  expect_outs(__LINE__, "max/min with -inf", g, ins, w);
  free_ins(ins, 2);
  cg_free(g);
}

static void test_where(void) {
  cg_graph *g = cg_new();
  cg_shape sc = S(2, 2, 3), sa = S(2, 2, 3), sb = S(2, 1, 3);
  int c = cg_input(g, CG_IN_INPUT, "c", 0, sc, NOLOC);
  int a = cg_input(g, CG_IN_INPUT, "a", 0, sa, NOLOC);
  int b = cg_input(g, CG_IN_INPUT, "b", 0, sb, NOLOC);
  cg_output_add(g, "y", cg_where(g, c, a, b));
  double cv[6] = {1, 0, 0.5, 0, -2, 0}, av[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {-1, -2, -3};
  double want[6] = {1, -2, 3, -1, 5, -3};
  xt *ins[3] = {tensor(sc, cv), tensor(sa, av), tensor(sb, bv)};
  expect1(__LINE__, "where", g, ins, want);
  free_ins(ins, 3);
  cg_free(g);
}

/* ---- reductions and data movement ---- */

static void test_reduce(void) {
  cg_graph *g = cg_new();
  cg_shape s = S(3, 2, 3, 4);
  int x = cg_input(g, CG_IN_INPUT, "x", 0, s, NOLOC);
  int xm = cg_input(g, CG_IN_INPUT, "xm", 0, s, NOLOC); /* holds -inf */
  int s02 = cg_sum(g, x, 1u | 4u);
  CHECK(cg_shape_eq(&g->nodes.v[s02].shape, &(cg_shape){3, {1, 3, 1}}), "sum keeps rank");
  CHECK(cg_sum_to(g, x, s) == x, "sum_to of equal shape returns x");
  cg_output_add(g, "s02", s02);
  cg_output_add(g, "m1", cg_maxr(g, xm, 2u));
  cg_output_add(g, "mall", cg_maxr(g, x, 7u));
  cg_output_add(g, "sto", cg_sum_to(g, x, S(3, 2, 1, 4)));
  cg_output_add(g, "sinf", cg_sum(g, xm, 2u));
  double *v, *vm;
  xt *ins[2] = {tensor_gen(s, 3, &v), tensor_gen(s, 33, &vm)};
  vm[5] = -INFINITY;                                             /* [0, 1, 1] */
  for (int j = 0; j < 3; j++) vm[j * 4 + 2] = -INFINITY;         /* [0, *, 2]: a whole reduced row */
  memcpy(ins[1]->data, vm, 24 * sizeof(double));
  double w02[3] = {0}, w1[8], wall = -INFINITY, wsto[8] = {0}, winf[8] = {0};
  for (int i = 0; i < 8; i++) w1[i] = -INFINITY;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) {
        double e = v[(i * 3 + j) * 4 + k], em = vm[(i * 3 + j) * 4 + k];
        w02[j] += e;
        if (em > w1[i * 4 + k]) w1[i * 4 + k] = em;
        if (e > wall) wall = e;
        wsto[i * 4 + k] += e;
        winf[i * 4 + k] += em;
      }
  CHECK(w1[2] == -INFINITY && winf[1] == -INFINITY, "test setup");
  const double *w[5] = {w02, w1, &wall, wsto, winf};
  expect_outs(__LINE__, "sum/maxr/sum_to", g, ins, w);
  free(v), free(vm);
  free_ins(ins, 2);
  cg_free(g);
}

static void test_movement(void) {
  cg_graph *g = cg_new();
  cg_shape sx = S(3, 2, 3, 4), sb = S(3, 1, 3, 1), sc1 = S(2, 2, 1), sc2 = S(2, 2, 3);
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sx, NOLOC);
  int b = cg_input(g, CG_IN_INPUT, "b", 0, sb, NOLOC);
  int c1 = cg_input(g, CG_IN_INPUT, "c1", 0, sc1, NOLOC);
  int c2 = cg_input(g, CG_IN_INPUT, "c2", 0, sc2, NOLOC);
  int perm[3] = {2, 0, 1};
  int xs[3] = {c1, c2, c1};
  cg_output_add(g, "bc", cg_broadcast(g, b, sx));
  cg_output_add(g, "rs", cg_reshape(g, x, S(2, 6, 4)));
  cg_output_add(g, "tr", cg_transpose(g, x, perm));
  cg_output_add(g, "sl", cg_slice(g, x, 1, 1, 2));
  cg_output_add(g, "pd", cg_pad(g, c2, 0, 1, 2));
  cg_output_add(g, "cc", cg_concat(g, 3, xs, 1));
  cg_output_add(g, "dt", cg_unary(g, CG_OP_DETACH, c2));
  cg_output_add(g, "k", cg_const(g, -0.75, S(2, 2, 2)));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double *vx, *vb, *v1, *v2;
  xt *ins[4] = {tensor_gen(sx, 4, &vx), tensor_gen(sb, 5, &vb), tensor_gen(sc1, 6, &v1), tensor_gen(sc2, 7, &v2)};
  double wbc[24], wtr[24], wsl[16], wpd[30] = {0}, wcc[10], wk[8];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) {
        wbc[(i * 3 + j) * 4 + k] = vb[j];
        wtr[(k * 2 + i) * 3 + j] = vx[(i * 3 + j) * 4 + k]; /* out [4, 2, 3] */
        if (j >= 1) wsl[(i * 2 + j - 1) * 4 + k] = vx[(i * 3 + j) * 4 + k];
      }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) wpd[(i + 1) * 3 + j] = v2[i * 3 + j];
  for (int i = 0; i < 2; i++) {
    wcc[i * 5 + 0] = v1[i];
    for (int j = 0; j < 3; j++) wcc[i * 5 + 1 + j] = v2[i * 3 + j];
    wcc[i * 5 + 4] = v1[i];
  }
  for (int i = 0; i < 8; i++) wk[i] = -0.75;
  const double *w[8] = {wbc, vx, wtr, wsl, wpd, wcc, v2, wk};
  expect_outs(__LINE__, "movement", g, ins, w);
  free(vx), free(vb), free(v1), free(v2);
  free_ins(ins, 4);
  cg_free(g);
}

static void test_index_ops(void) {
  cg_graph *g = cg_new();
  cg_shape st = S(2, 5, 3), si = S(2, 2, 2), sg = S(3, 2, 2, 3);
  int tab = cg_input(g, CG_IN_INPUT, "table", 0, st, NOLOC);
  int idx = cg_input(g, CG_IN_INPUT, "idx", 0, si, NOLOC);
  g->nodes.v[idx].is_int = 1;
  int gr = cg_input(g, CG_IN_INPUT, "g", 0, sg, NOLOC);
  int ga = cg_gather(g, tab, idx);
  CHECK(cg_shape_eq(&g->nodes.v[ga].shape, &sg), "gather shape");
  cg_output_add(g, "ga", ga);
  cg_output_add(g, "sc", cg_scatter_add(g, gr, idx, 5));
  cg_output_add(g, "oh", cg_one_hot(g, idx, 6));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double *vt, *vg, vi[4] = {4, 0, 4, 2};
  xt *ins[3] = {tensor_gen(st, 8, &vt), tensor(si, vi), tensor_gen(sg, 9, &vg)};
  double wga[12], wsc[15] = {0}, woh[24] = {0};
  for (int i = 0; i < 4; i++) {
    int r = (int)vi[i];
    for (int c = 0; c < 3; c++) {
      wga[i * 3 + c] = vt[r * 3 + c];
      wsc[r * 3 + c] += vg[i * 3 + c];
    }
    woh[i * 6 + r] = 1;
  }
  const double *w[3] = {wga, wsc, woh};
  expect_outs(__LINE__, "gather/scatter_add/one_hot", g, ins, w);
  free(vt), free(vg);
  free_ins(ins, 3);
  cg_free(g);
}

/* ---- einsum ---- */

static void einsum_case(const char *lx, const char *ly, const char *lo, cg_shape sx, cg_shape sy, int seed) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, sx, NOLOC);
  int y = cg_input(g, CG_IN_INPUT, "y", 0, sy, NOLOC);
  int e = cg_einsum(g, x, y, lx, ly, lo);
  cg_output_add(g, "e", e);
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double *vx, *vy;
  xt *ins[2] = {tensor_gen(sx, seed, &vx), tensor_gen(sy, seed + 1, &vy)};
  /* expected: brute force over every assignment of the 52 possible labels that appear */
  char labs[24];
  int nl = 0;
  int64_t size[24];
  const char *ls[3] = {lx, ly, lo};
  const cg_shape *ss[2] = {&sx, &sy};
  for (int o = 0; o < 2; o++)
    for (int p = 0; ls[o][p]; p++) {
      int j = 0;
      while (j < nl && labs[j] != ls[o][p]) j++;
      if (j == nl) labs[nl] = ls[o][p], size[nl++] = ss[o]->d[p];
    }
  const cg_shape *so = &g->nodes.v[e].shape;
  int64_t no = cg_numel(so), total = 1;
  double *want = xl_calloc((size_t)no, sizeof(double));
  for (int j = 0; j < nl; j++) total *= size[j];
  for (int64_t c = 0; c < total; c++) {
    int64_t at[24], r = c;
    for (int j = nl - 1; j >= 0; j--) at[j] = r % size[j], r /= size[j];
    int64_t off[3] = {0, 0, 0};
    for (int o = 0; o < 3; o++)
      for (int p = 0; ls[o][p]; p++) {
        int j = 0;
        while (labs[j] != ls[o][p]) j++;
        int64_t dim = o < 2 ? ss[o]->d[p] : so->d[p];
        off[o] = off[o] * dim + at[j];
      }
    want[off[2]] += vx[off[0]] * vy[off[1]];
  }
  char what[64];
  snprintf(what, sizeof what, "einsum %s,%s->%s", lx, ly, lo);
  expect1(__LINE__, what, g, ins, want);
  free(want), free(vx), free(vy);
  free_ins(ins, 2);
  cg_free(g);
}

static void test_einsum(void) {
  einsum_case("ij", "jk", "ik", S(2, 3, 4), S(2, 4, 5), 10);          /* matmul */
  einsum_case("bij", "bjk", "bik", S(3, 2, 3, 4), S(3, 2, 4, 2), 11); /* batched matmul */
  einsum_case("i", "j", "ij", S(1, 3), S(1, 4), 12);                  /* outer */
  einsum_case("i", "i", "", S(1, 7), S(1, 7), 13);                    /* dot */
  einsum_case("hk", "hkgj", "ghj", S(2, 2, 3), S(4, 2, 3, 4, 2), 14);
  einsum_case("bhk", "hk", "bh", S(3, 2, 2, 3), S(2, 2, 3), 15);
  einsum_case("ij", "k", "i", S(2, 3, 2), S(1, 4), 16); /* j and k summed on one side only */
  /* a hand-checked matmul */
  cg_graph *g = cg_new();
  int a = cg_input(g, CG_IN_INPUT, "a", 0, S(2, 2, 2), NOLOC);
  int b = cg_input(g, CG_IN_INPUT, "b", 0, S(2, 2, 2), NOLOC);
  cg_output_add(g, "c", cg_einsum(g, a, b, "ij", "jk", "ik"));
  double av[4] = {1, 2, 3, 4}, bv[4] = {5, 6, 7, 8}, want[4] = {19, 22, 43, 50};
  xt *ins[2] = {tensor(S(2, 2, 2), av), tensor(S(2, 2, 2), bv)};
  expect1(__LINE__, "einsum by hand", g, ins, want);
  free_ins(ins, 2);
  cg_free(g);
}

/* ---- scan ---- */

/* s_t = a * s_{t-1} + x_t; per-step output y_t = 2 * s_t. x: [B, T, D], a: [1, D], s0: [B, D] */
static cg_graph *lin_body(int D, int B) {
  cg_graph *b = cg_new();
  int x = cg_input(b, CG_IN_SEQ, "", 0, S(2, B, D), NOLOC);
  int a = cg_input(b, CG_IN_CONST, "", 0, S(2, 1, D), NOLOC);
  int s = cg_input(b, CG_IN_BSTATE, "", 0, S(2, B, D), NOLOC);
  int ns = cg_binary(b, CG_OP_ADD, cg_binary(b, CG_OP_MUL, a, s), x);
  cg_output_add(b, "", ns);
  cg_output_add(b, "", cg_binary(b, CG_OP_MUL, ns, cg_const(b, 2, S(2, 1, 1))));
  return b;
}

static void test_scan_linear(int reverse, int save, int fill) {
  enum { B = 2, T = 5, D = 3 };
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, S(3, B, T, D), NOLOC);
  int a = cg_input(g, CG_IN_PARAM, "a", 0, S(2, 1, D), NOLOC);
  int s0 = cg_input(g, CG_IN_STATE, "state.s", 0, S(2, B, D), NOLOC);
  g->nodes.v[s0].fval = 0.5;
  int ins_[3] = {x, a, s0};
  int sc = cg_scan(g, lin_body(D, B), 1, 1, 1, 1, 1, reverse, save, ins_);
  cg_output_add(g, "s", cg_scan_out(g, sc, 0));
  cg_output_add(g, "y", cg_scan_out(g, sc, 1));
  if (save) cg_output_add(g, "saved", cg_scan_out(g, sc, 2));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double vx[B * T * D], va[D], vs[B * D];
  for (int i = 0; i < B * T * D; i++) vx[i] = val(i, 20);
  for (int i = 0; i < D; i++) va[i] = 0.5 + 0.25 * i;
  for (int i = 0; i < B * D; i++) vs[i] = fill ? 0.5 : val(i, 21);
  /* closed forms: forward  s_t = a^(t+1) s0 + sum_{k<=t} a^(t-k) x_k
                   reverse  s_t = a^(T-t) s0 + sum_{k>=t} a^(k-t) x_k  (stacked by t) */
  double ws[B * D], wy[B * T * D], wsave[B * T * D];
  for (int bi = 0; bi < B; bi++)
    for (int d = 0; d < D; d++) {
      double s0v = vs[bi * D + d], av = va[d];
      for (int t = 0; t < T; t++) {
        double st = 0, pre = 0;
        if (!reverse) {
          st = pow(av, t + 1) * s0v;
          for (int k = 0; k <= t; k++) st += pow(av, t - k) * vx[(bi * T + k) * D + d];
          pre = pow(av, t) * s0v;
          for (int k = 0; k < t; k++) pre += pow(av, t - 1 - k) * vx[(bi * T + k) * D + d];
        } else {
          st = pow(av, T - t) * s0v;
          for (int k = t; k < T; k++) st += pow(av, k - t) * vx[(bi * T + k) * D + d];
          pre = pow(av, T - 1 - t) * s0v;
          for (int k = t + 1; k < T; k++) pre += pow(av, k - t - 1) * vx[(bi * T + k) * D + d];
        }
        wy[(bi * T + t) * D + d] = 2 * st;
        wsave[(bi * T + t) * D + d] = pre;
        if (t == (reverse ? 0 : T - 1)) ws[bi * D + d] = st;
      }
    }
  xt *ins[8] = {0};
  ins[x] = tensor(S(3, B, T, D), vx);
  ins[a] = tensor(S(2, 1, D), va);
  ins[s0] = fill ? NULL : tensor(S(2, B, D), vs);
  const double *w[3] = {ws, wy, wsave};
  char what[64];
  snprintf(what, sizeof what, "scan reverse=%d save=%d fill=%d", reverse, save, fill);
  expect_outs(__LINE__, what, g, ins, w);
  free_ins(ins, 8);
  cg_free(g);
}

/* Running max from a -inf filled state: m_t = max(m_{t-1}, x_t), scan along axis 0. */
static void test_scan_max(void) {
  enum { T = 4, N = 3 };
  cg_graph *b = cg_new();
  int x = cg_input(b, CG_IN_SEQ, "", 0, S(1, N), NOLOC);
  int m = cg_input(b, CG_IN_BSTATE, "", 0, S(1, N), NOLOC);
  int nm = cg_binary(b, CG_OP_MAX, m, x);
  cg_output_add(b, "", nm);
  cg_output_add(b, "", cg_binary(b, CG_OP_SUB, x, nm)); /* x_t - m_t, finite */
  cg_graph *g = cg_new();
  int gx = cg_input(g, CG_IN_INPUT, "x", 0, S(2, T, N), NOLOC);
  int gm = cg_input(g, CG_IN_STATE, "state.m", 0, S(1, N), NOLOC);
  g->nodes.v[gm].fval = -INFINITY;
  int ins_[2] = {gx, gm};
  int sc = cg_scan(g, b, 1, 0, 1, 1, 0, 0, 1, ins_);
  cg_output_add(g, "m", cg_scan_out(g, sc, 0));
  cg_output_add(g, "d", cg_scan_out(g, sc, 1));
  cg_output_add(g, "pre", cg_scan_out(g, sc, 2));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double vx[T * N], wm[N], wd[T * N], wp[T * N];
  for (int i = 0; i < T * N; i++) vx[i] = val(i, 30);
  for (int n = 0; n < N; n++) {
    double mm = -INFINITY;
    for (int t = 0; t < T; t++) {
      wp[t * N + n] = mm;
      double e = vx[t * N + n];
      mm = e > mm ? e : mm;
      wd[t * N + n] = e - mm;
    }
    wm[n] = mm;
  }
  xt *ins[2] = {tensor(S(2, T, N), vx), NULL};
  const double *w[3] = {wm, wd, wp};
  expect_outs(__LINE__, "scan running max from -inf", g, ins, w);
  free_ins(ins, 2);
  cg_free(g);
}

/* A scan inside a scan body: acc_t = acc_{t-1} + sum_n x[t, n, :], the inner scan runs over n. */
static void test_scan_nested(void) {
  enum { T = 3, N = 2, K = 2 };
  cg_graph *ib = cg_new(); /* inner body: s' = s + x_n */
  int ix = cg_input(ib, CG_IN_SEQ, "", 0, S(1, K), NOLOC);
  int is = cg_input(ib, CG_IN_BSTATE, "", 0, S(1, K), NOLOC);
  cg_output_add(ib, "", cg_binary(ib, CG_OP_ADD, is, ix));
  cg_graph *ob = cg_new(); /* outer body: inner scan over the [N, K] slice */
  int ox = cg_input(ob, CG_IN_SEQ, "", 0, S(2, N, K), NOLOC);
  int os = cg_input(ob, CG_IN_BSTATE, "", 0, S(1, K), NOLOC);
  int iins[2] = {ox, os};
  int isc = cg_scan(ob, ib, 1, 0, 1, 0, 0, 1, 0, iins);
  int fin = cg_scan_out(ob, isc, 0);
  cg_output_add(ob, "", fin);
  cg_output_add(ob, "", fin);
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, S(3, T, N, K), NOLOC);
  int s0 = cg_input(g, CG_IN_STATE, "state.acc", 0, S(1, K), NOLOC);
  int ins_[2] = {x, s0};
  int sc = cg_scan(g, ob, 1, 0, 1, 1, 0, 0, 0, ins_);
  cg_output_add(g, "acc", cg_scan_out(g, sc, 0));
  cg_output_add(g, "steps", cg_scan_out(g, sc, 1));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double vx[T * N * K], vs[K] = {1, -1}, wacc[K], wst[T * K];
  for (int i = 0; i < T * N * K; i++) vx[i] = val(i, 40);
  for (int k = 0; k < K; k++) {
    double a = vs[k];
    for (int t = 0; t < T; t++) {
      for (int n = 0; n < N; n++) a += vx[(t * N + n) * K + k];
      wst[t * K + k] = a;
    }
    wacc[k] = a;
  }
  xt *ins[2] = {tensor(S(3, T, N, K), vx), tensor(S(1, K), vs)};
  const double *w[2] = {wacc, wst};
  expect_outs(__LINE__, "nested scan", g, ins, w);
  free_ins(ins, 2);
  cg_free(g);
}

/* ---- float32 is float32 arithmetic ---- */

static void test_f32_arith(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, S(1, 1), NOLOC);
  int y = cg_binary(g, CG_OP_ADD, x, cg_const(g, 1e-8, S(1, 1)));
  cg_output_add(g, "d", cg_binary(g, CG_OP_SUB, y, x));
  double one = 1;
  xt *ins[1] = {tensor(S(1, 1), &one)}, *out[1];
  char *err = NULL;
  XL_ASSERT(ref_exec(g, CG_F32, ins, out, &err) == 0);
  CHECK(xt_get(out[0], 0) == 0, "f32: (1 + 1e-8) - 1 must be 0, got %g", xt_get(out[0], 0));
  xt_free(out[0]);
  XL_ASSERT(ref_exec(g, CG_F64, ins, out, &err) == 0);
  CHECK(xt_get(out[0], 0) != 0, "f64: (1 + 1e-8) - 1 must not be 0");
  xt_free(out[0]);
  free_ins(ins, 1);
  cg_free(g);
}

/* ---- error paths ---- */

static void expect_error(int line, const cg_graph *g, xt **ins, const char *s1, const char *s2) {
  for (int d = 0; d < 2; d++) {
    xt *outs[8] = {0};
    char *err = NULL;
    int rc = ref_exec(g, d ? CG_F32 : CG_F64, ins, outs, &err);
    checks++;
    if (rc != -1 || !err) {
      failf(line, "expected an error mentioning %s", s1);
    } else if (!strstr(err, s1) || (s2 && !strstr(err, s2))) {
      failf(line, "error \"%s\" does not mention \"%s\" / \"%s\"", err, s1, s2 ? s2 : "");
    }
    for (int k = 0; k < g->outs.n; k++) CHECK(outs[k] == NULL, "no outputs after an error");
    free(err);
  }
}

static void test_errors(void) {
  /* wrong input shape, missing input */
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "tokens_in", 0, S(2, 2, 3), NOLOC);
  cg_output_add(g, "y", cg_unary(g, CG_OP_EXP, x));
  double v[6] = {0};
  xt *ins[1] = {tensor(S(2, 3, 2), v)};
  expect_error(__LINE__, g, ins, "tokens_in", "[3, 2]");
  free_ins(ins, 1);
  expect_error(__LINE__, g, ins, "tokens_in", "no value");
  cg_free(g);

  /* bad gather index (out of range, and not integral) */
  g = cg_new();
  int tab = cg_input(g, CG_IN_PARAM, "emb", 0, S(2, 4, 2), NOLOC);
  int idx = cg_input(g, CG_IN_INPUT, "tok", 0, S(1, 3), NOLOC);
  g->nodes.v[idx].is_int = 1;
  int ga = cg_gather(g, tab, idx);
  cg_output_add(g, "e", ga);
  double vt[8] = {0}, vi[3] = {1, 4, 0};
  xt *gins[2] = {tensor(S(2, 4, 2), vt), tensor(S(1, 3), vi)};
  char node[16];
  snprintf(node, sizeof node, "%%%d gather", ga);
  expect_error(__LINE__, g, gins, node, "index 4");
  ((double *)gins[1]->data)[1] = 1.5;
  expect_error(__LINE__, g, gins, node, "1.5");
  ((double *)gins[1]->data)[1] = -1;
  expect_error(__LINE__, g, gins, node, "-1");
  free_ins(gins, 2);
  cg_free(g);

  /* bad one_hot index inside a scan body: names the scan, the step and the body node */
  cg_graph *b = cg_new();
  int bx = cg_input(b, CG_IN_SEQ, "", 0, S(1, 2), NOLOC);
  b->nodes.v[bx].is_int = 1;
  int bs = cg_input(b, CG_IN_BSTATE, "", 0, S(1, 1), NOLOC);
  cg_output_add(b, "", bs);
  cg_output_add(b, "", cg_one_hot(b, bx, 3));
  g = cg_new();
  int gx = cg_input(g, CG_IN_INPUT, "ids", 0, S(2, 2, 4), NOLOC);
  g->nodes.v[gx].is_int = 1;
  int gs = cg_input(g, CG_IN_STATE, "state.z", 0, S(1, 1), NOLOC);
  int ins_[2] = {gx, gs};
  int sc = cg_scan(g, b, 1, 0, 1, 1, 1, 0, 0, ins_);
  cg_output_add(g, "oh", cg_scan_out(g, sc, 1));
  XL_ASSERT(cg_verify(g, stderr) == 0);
  double vids[8] = {0, 1, 2, 0, 1, 2, 3, 1}; /* [2, 4]: step t = 2 holds 2, 3 -> 3 is bad */
  xt *sins[2] = {tensor(S(2, 2, 4), vids), NULL};
  char sn[32];
  snprintf(sn, sizeof sn, "%%%d scan, step 2", sc);
  expect_error(__LINE__, g, sins, sn, "one_hot: index 3");
  free_ins(sins, 2);
  cg_free(g);
}

/* ---- tensors: half conversions ---- */

static uint16_t half_bits(xt_dtype dt, double v) {
  int64_t one = 1;
  xt *t = xt_new(dt, 1, &one);
  xt_set(t, 0, v);
  uint16_t h = ((uint16_t *)t->data)[0];
  xt_free(t);
  return h;
}

static double half_val(xt_dtype dt, uint16_t h) {
  int64_t one = 1;
  xt *t = xt_new(dt, 1, &one);
  ((uint16_t *)t->data)[0] = h;
  double v = xt_get(t, 0);
  xt_free(t);
  return v;
}

static void test_tensor(void) {
  struct { xt_dtype dt; double v; uint16_t bits; } cases[] = {
    {XT_F16, 1.0, 0x3c00}, {XT_F16, -2.0, 0xc000}, {XT_F16, 65504.0, 0x7bff},
    {XT_F16, 65519.99, 0x7bff}, {XT_F16, 65520.0, 0x7c00}, {XT_F16, 1e6, 0x7c00},
    {XT_F16, INFINITY, 0x7c00}, {XT_F16, -INFINITY, 0xfc00}, {XT_F16, 0x1p-24, 0x0001},
    {XT_F16, 0x1p-25, 0x0000}, {XT_F16, 0x1.8p-25, 0x0001}, {XT_F16, 0x1p-14, 0x0400},
    {XT_F16, 1.0 + 0x1p-11, 0x3c00},            /* tie -> even */
    {XT_F16, 1.0 + 3 * 0x1p-11, 0x3c02},        /* tie -> even (up) */
    {XT_F16, 1.0 + 0x1p-11 + 0x1p-40, 0x3c01},  /* just above the tie (double rounding trap) */
    {XT_F16, -0.0, 0x8000},
    {XT_BF16, 1.0, 0x3f80}, {XT_BF16, -1.0, 0xbf80}, {XT_BF16, 1.0 + 0x1p-8, 0x3f80},
    {XT_BF16, 1.0 + 3 * 0x1p-8, 0x3f82}, {XT_BF16, 1.0 + 0x1p-8 + 0x1p-40, 0x3f81},
    {XT_BF16, INFINITY, 0x7f80}, {XT_BF16, -INFINITY, 0xff80}, {XT_BF16, 3.4e38, 0x7f80},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint16_t h = half_bits(cases[i].dt, cases[i].v);
    CHECK(h == cases[i].bits, "%s(%a) = 0x%04x, want 0x%04x", xt_dtype_name(cases[i].dt), cases[i].v, h,
          cases[i].bits);
  }
  CHECK(isnan(half_val(XT_F16, half_bits(XT_F16, NAN))), "f16 nan");
  CHECK(isnan(half_val(XT_BF16, half_bits(XT_BF16, NAN))), "bf16 nan");
  CHECK(half_val(XT_F16, 0x0001) == 0x1p-24, "f16 subnormal back");
  CHECK(half_val(XT_F16, 0x7bff) == 65504, "f16 max back");
  CHECK(half_val(XT_F16, 0xfc00) == -INFINITY, "f16 -inf back");
  CHECK(half_val(XT_BF16, 0x4049) == 3.140625, "bf16 back");
  /* every f16 value round-trips */
  int bad = 0;
  for (unsigned u = 0; u < 0x10000; u++) {
    double v = half_val(XT_F16, (uint16_t)u);
    if (isnan(v)) continue;
    if (half_bits(XT_F16, v) != u) bad++;
  }
  CHECK(bad == 0, "%d f16 values do not round-trip", bad);
  /* convert, names, shape strings */
  int64_t sh[2] = {2, 3};
  xt *t = xt_new_named("w", XT_F64, 2, sh);
  for (int i = 0; i < 6; i++) xt_set(t, i, i * 0.5 - 1);
  xt *c = xt_convert(t, XT_BF16), *back = xt_convert(c, XT_F32), *ii = xt_convert(t, XT_I64);
  for (int i = 0; i < 6; i++) CHECK(xt_get(back, i) == i * 0.5 - 1, "convert round trip %d", i);
  CHECK(xt_get(ii, 0) == -1 && xt_get(ii, 3) == 0, "convert to I64 truncates");
  CHECK(c->name && strcmp(c->name, "w") == 0 && xt_same_shape(c, t), "convert keeps name and shape");
  xt_dtype dt;
  CHECK(xt_dtype_parse("BF16", &dt) && dt == XT_BF16 && !xt_dtype_parse("F8", &dt), "dtype parse");
  CHECK(xt_dtype_size(XT_F16) == 2 && xt_dtype_size(XT_I64) == 8, "dtype size");
  char *s = xt_shape_str(2, sh);
  CHECK(strcmp(s, "[2, 3]") == 0, "shape str %s", s);
  free(s);
  s = xt_shape_str(0, sh);
  CHECK(strcmp(s, "[]") == 0, "shape str of a scalar %s", s);
  free(s);
  xt_free(t), xt_free(c), xt_free(back), xt_free(ii);
}

int main(void) {
  test_unary();
  test_binary();
  test_where();
  test_reduce();
  test_movement();
  test_index_ops();
  test_einsum();
  for (int r = 0; r < 2; r++)
    for (int s = 0; s < 2; s++) test_scan_linear(r, s, 0);
  test_scan_linear(0, 1, 1);
  test_scan_linear(1, 1, 1);
  test_scan_max();
  test_scan_nested();
  test_f32_arith();
  test_errors();
  test_tensor();
  printf("test_cg_exec: %d checks, %d failures\n", checks, fails);
  return fails ? 1 : 0;
}
