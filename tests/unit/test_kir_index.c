/* test_kir_index.c - the data-dependent KIR ops (kir.h INDEX, LOADX, STOREX) and the kernels
 * kplan.c builds from them for GATHER, ONE_HOT, SCATTER_ADD, PAD and CONCAT.
 *
 * (1) Hand-built kernels, each run three ways in f64 and f32: kir_interp, the JIT-compiled
 *     MLIR (kir_to_mlir), and a plain C loop written here from kir.h's definition; all three
 *     agree bit for bit. Indices include -1, xlim, NaN, a fraction and repeated values; the
 *     domains have size-1 dimensions, rows shorter and longer than a vector (vector loop and
 *     scalar remainder) and indices that vary along the vectorized dimension (lane by lane).
 * (2) kir_par_dim never splits a STOREX nest on a dimension its index varies along or its
 *     stride is 0 on; the compiled kernel split at every cut gives the same bits as one call.
 * (3) kir_verify rejects malformed uses (a STOREX to an input, an access past the buffer,
 *     INDEX of a missing dimension).
 * (4) One-node graphs of the five ops: the plan makes them kernels (no interpreter compute
 *     step), and cpu_run with the JIT, cpu_run with the KIR interpreter (no_jit) and ref_exec
 *     agree bit for bit (the ops copy values or sum them in ref_exec's order); a zero-size
 *     case runs; out-of-range and fractional indices are errors naming the node and position
 *     as ref_exec's, -1 in one_hot is a zero row. SCATTER_ADD with 1 and 2 threads (every
 *     kernel split) gives identical bits.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cg.h"
#include "exec_cpu.h"
#include "jit.h"
#include "kir.h"
#include "kplan.h"

static const xl_loc L0 = {0};

/* ---- (1) hand-built kernels ---- */

static kir_kernel *kern(const char *name, int nd, const int64_t *dim) {
  kir_kernel *k = xl_calloc(1, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", name);
  k->ndim = nd;
  memcpy(k->dim, dim, (size_t)nd * sizeof *dim);
  return k;
}

static int addbuf(kir_kernel *k, int64_t numel, int out) {
  k->buf_numel[k->nbuf] = numel;
  k->buf_out[k->nbuf] = out;
  return k->nbuf++;
}

static int inst(kir_kernel *k, kir_inst in) {
  xl_vec_push(k->body, in);
  return k->body.n - 1;
}

static void strided(kir_inst *in, int nd, const int64_t *st) { memcpy(in->stride, st, (size_t)nd * sizeof *st); }

/* Runs k on copies of bufs (doubles; numel each) in dt: interp into a, JIT into b (split into
   `parts` calls along kir_par_dim when it is >= 0). */
static void run3(const kir_kernel *k, cg_dtype dt, double *const *bufs, double **a, double **b, int parts) {
  void *ia[KIR_MAXBUF], *jb[KIR_MAXBUF];
  for (int q = 0; q < k->nbuf; q++) {
    size_t n = (size_t)k->buf_numel[q] + 1, es = dt == CG_F64 ? 8 : 4;
    ia[q] = xl_calloc(n, es);
    jb[q] = xl_calloc(n, es);
    for (int64_t i = 0; i < k->buf_numel[q]; i++) {
      double v = k->buf_out[q] ? -7.5 : bufs[q][i]; /* outputs start as garbage */
      if (dt == CG_F64) ((double *)ia[q])[i] = ((double *)jb[q])[i] = v;
      else ((float *)ia[q])[i] = ((float *)jb[q])[i] = (float)v;
    }
  }
  kir_interp(k, dt, ia);
  char *text = kir_to_mlir(k, dt, NULL), *err = NULL;
  xl_jit *J = jit_compile(text, k->name, &err);
  CHECK(J != NULL, "%s: jit: %s\n%s", k->name, err ? err : "", text);
  if (J) {
    kir_fn fn = (kir_fn)jit_fn(J);
    int pd = kir_par_dim(k);
    int64_t H = pd >= 0 ? k->dim[pd] : 1;
    if (parts <= 1 || H < 2) fn(jb, 0, H);
    else
      for (int p = 0; p < parts; p++) fn(jb, H * p / parts, H * (p + 1) / parts);
  }
  jit_free(J);
  free(text);
  free(err);
  for (int q = 0; q < k->nbuf; q++) {
    for (int64_t i = 0; i < k->buf_numel[q]; i++) {
      a[q][i] = dt == CG_F64 ? ((double *)ia[q])[i] : (double)((float *)ia[q])[i];
      b[q][i] = dt == CG_F64 ? ((double *)jb[q])[i] : (double)((float *)jb[q])[i];
    }
    free(ia[q]);
    free(jb[q]);
  }
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

static double **bufs_new(const kir_kernel *k) {
  double **b = xl_calloc(KIR_MAXBUF, sizeof *b);
  for (int q = 0; q < k->nbuf; q++) b[q] = xl_calloc((size_t)k->buf_numel[q] + 1, sizeof **b);
  return b;
}

static void bufs_free(double **b) {
  for (int q = 0; q < KIR_MAXBUF; q++) free(b[q]);
  free(b);
}

/* the three ways agree on buffer `out` (want: the C loop's values) */
static void agree(const char *what, const kir_kernel *k, double *const *in, int out, double *const *want, int parts) {
  for (int dt = CG_F64; dt <= CG_F32; dt++) {
    double **a = bufs_new(k), **b = bufs_new(k);
    run3(k, (cg_dtype)dt, in, a, b, parts);
    for (int64_t i = 0; i < k->buf_numel[out]; i++) {
      double w = want[dt][i];
      CHECK(same(a[out][i], w), "%s %s interp [%lld]: %.17g, want %.17g", what, dt ? "f32" : "f64", (long long)i,
            a[out][i], w);
      CHECK(same(b[out][i], w), "%s %s jit/%d [%lld]: %.17g, want %.17g", what, dt ? "f32" : "f64", parts,
            (long long)i, b[out][i], w);
    }
    bufs_free(a);
    bufs_free(b);
  }
}

static const double IDX[] = {2, -1, 0, 4, 3, NAN, 1.75, 0, 2, 2, 3, -0.5, 1, 3, 0, 2, 1, 4, 0, 3, 2};
#define NIDX ((int)(sizeof IDX / sizeof *IDX))

/* out[i, r] = LOADX table[x = idx[i], r] (table [V = 4, R]): rows of R = 1, 3, 8, 19 */
static void test_loadx_rows(void) {
  const int64_t Rs[] = {1, 3, 8, 19};
  for (int ri = 0; ri < 4; ri++) {
    int64_t R = Rs[ri], V = 4, n = NIDX, dim[2] = {n, R};
    kir_kernel *k = kern("t_loadx_rows", 2, dim);
    int bi = addbuf(k, n, 0), bt = addbuf(k, V * R, 0), bo = addbuf(k, n * R, 1);
    kir_inst l = {.op = KIR_LOAD, .buf = bi};
    strided(&l, 2, (int64_t[]){1, 0});
    int x = inst(k, l);
    kir_inst lx = {.op = KIR_LOADX, .buf = bt, .a = x, .xstride = R, .xlim = V};
    strided(&lx, 2, (int64_t[]){0, R > 1 ? 1 : 0});
    kir_inst s = {.op = KIR_STORE, .buf = bo, .a = inst(k, lx)};
    strided(&s, 2, (int64_t[]){R, R > 1 ? 1 : 0});
    inst(k, s);
    CHECK(kir_verify(k, stderr) == 0, "loadx rows R=%lld", (long long)R);
    double *in[3] = {xl_calloc((size_t)n, 8), xl_calloc((size_t)(V * R), 8), NULL};
    double *want[2] = {xl_calloc((size_t)(n * R), 8), xl_calloc((size_t)(n * R), 8)};
    for (int i = 0; i < n; i++) in[0][i] = IDX[i];
    for (int64_t i = 0; i < V * R; i++) in[1][i] = i == 5 ? -0.0 : 0.1 + 1.37 * (double)i;
    for (int64_t i = 0; i < n; i++)
      for (int64_t r = 0; r < R; r++) {
        double xv = IDX[i];
        double v = xv >= 0 && xv < (double)V ? in[1][(int64_t)xv * R + r] : 0;
        want[0][i * R + r] = v;
        want[1][i * R + r] = (double)(float)v;
      }
    char what[64];
    snprintf(what, sizeof what, "loadx rows R=%lld", (long long)R);
    agree(what, k, in, bo, want, 1);
    for (int q = 0; q < 2; q++) free(in[q]), free(want[q]);
    kir_free(k);
  }
}

/* out[i] = LOADX v[INDEX(0) * 0.5 + idx[i] ...]: the index varies along the vectorized (only)
   dimension: a pad along the innermost axis, out[j] = x[j - 3] for j in [0, n + 5) */
static void test_loadx_lanes(void) {
  for (int64_t n = 1; n <= 21; n += 10) {
    int64_t N = n + 8, dim[1] = {N};
    kir_kernel *k = kern("t_loadx_lanes", 1, dim);
    int bx = addbuf(k, n, 0), bo = addbuf(k, N, 1);
    int ix = inst(k, (kir_inst){.op = KIR_INDEX, .imm = 0});
    int c = inst(k, (kir_inst){.op = KIR_CONST, .imm = 3});
    int sub = inst(k, (kir_inst){.op = KIR_SUB, .a = ix, .b = c});
    int lx = inst(k, (kir_inst){.op = KIR_LOADX, .buf = bx, .a = sub, .xstride = 1, .xlim = n});
    kir_inst s = {.op = KIR_STORE, .buf = bo, .a = inst(k, (kir_inst){.op = KIR_ADD, .a = lx, .b = ix})};
    s.stride[0] = 1;
    inst(k, s);
    CHECK(kir_verify(k, stderr) == 0, "loadx lanes");
    double *in[2] = {xl_calloc((size_t)n, 8), NULL}, *want[2] = {xl_calloc((size_t)N, 8), xl_calloc((size_t)N, 8)};
    for (int64_t i = 0; i < n; i++) in[0][i] = 100.25 + (double)i;
    for (int64_t j = 0; j < N; j++) {
      double v = j - 3 >= 0 && j - 3 < n ? in[0][j - 3] : 0;
      want[0][j] = v + (double)j;
      want[1][j] = (double)((float)v + (float)j);
    }
    agree("loadx lanes (pad)", k, in, bo, want, 1);
    free(in[0]), free(want[0]), free(want[1]);
    kir_free(k);
  }
}

/* out[x, r] = sum of g[i, r] over i with idx[i] == x (repeated indices; -1, NaN, xlim, -0.5
   and the fraction 1.75 -> row 1 as LOADX's (int64) truncation): domains [n, R] (split on R)
   and [n] (the index varies along the only dimension: no split, lane by lane) */
static void test_storex(void) {
  const int64_t Rs[] = {0, 1, 3, 17};
  for (int ri = 0; ri < 4; ri++) {
    int64_t R = Rs[ri] ? Rs[ri] : 1, V = 4, n = NIDX;
    int nd = Rs[ri] ? 2 : 1;
    int64_t dim[2] = {n, R};
    kir_kernel *k = kern("t_storex", nd, dim);
    int bg = addbuf(k, n * R, 0), bi = addbuf(k, n, 0), bo = addbuf(k, V * R, 1);
    kir_inst lg = {.op = KIR_LOAD, .buf = bg}, li = {.op = KIR_LOAD, .buf = bi};
    strided(&lg, nd, (int64_t[]){R, R > 1 ? 1 : 0});
    strided(&li, nd, (int64_t[]){1, 0});
    int v = inst(k, lg), x = inst(k, li);
    kir_inst sx = {.op = KIR_STOREX, .buf = bo, .a = v, .b = x, .xstride = R, .xlim = V};
    strided(&sx, nd, (int64_t[]){0, R > 1 ? 1 : 0});
    inst(k, sx);
    CHECK(kir_verify(k, stderr) == 0, "storex R=%lld", (long long)R);
    int pd = kir_par_dim(k);
    CHECK(pd == (R > 1 ? 1 : -1), "storex R=%lld: kir_par_dim %d (never the index's dimension)", (long long)R, pd);
    double *in[3] = {xl_calloc((size_t)(n * R), 8), xl_calloc((size_t)n, 8), NULL};
    double *want[2] = {xl_calloc((size_t)(V * R), 8), xl_calloc((size_t)(V * R), 8)};
    for (int64_t i = 0; i < n * R; i++) in[0][i] = 0.1 * (double)(i % 7) + 1e-3 * (double)i + (i % 3 ? 1e8 : 0);
    for (int i = 0; i < n; i++) in[1][i] = IDX[i];
    float wf[200] = {0};
    for (int64_t i = 0; i < n; i++) /* in domain order, in each dtype */
      for (int64_t r = 0; r < R; r++) {
        double xv = IDX[i];
        if (!(xv >= 0 && xv < (double)V)) continue;
        int64_t o = (int64_t)xv * R + r;
        want[0][o] += in[0][i * R + r];
        wf[o] += (float)in[0][i * R + r];
      }
    for (int64_t i = 0; i < V * R; i++) want[1][i] = wf[i];
    char what[64];
    snprintf(what, sizeof what, "storex R=%lld nd=%d", (long long)R, nd);
    for (int parts = 1; parts <= 3; parts++) agree(what, k, in, bo, want, parts);
    for (int q = 0; q < 2; q++) free(in[q]), free(want[q]);
    kir_free(k);
  }
}

/* out[i, j] = 10 INDEX(0) + INDEX(1) over [3, 1, 19] (a size-1 dimension in between) */
static void test_index(void) {
  int64_t dim[3] = {3, 1, 19};
  kir_kernel *k = kern("t_index", 3, dim);
  int bo = addbuf(k, 57, 1);
  int i0 = inst(k, (kir_inst){.op = KIR_INDEX, .imm = 0}), i2 = inst(k, (kir_inst){.op = KIR_INDEX, .imm = 2});
  int i1 = inst(k, (kir_inst){.op = KIR_INDEX, .imm = 1});
  int t = inst(k, (kir_inst){.op = KIR_MUL, .a = i0, .b = inst(k, (kir_inst){.op = KIR_CONST, .imm = 10})});
  t = inst(k, (kir_inst){.op = KIR_ADD, .a = t, .b = i2});
  t = inst(k, (kir_inst){.op = KIR_ADD, .a = t, .b = inst(k, (kir_inst){.op = KIR_MUL, .a = i1, .b = i1})});
  kir_inst s = {.op = KIR_STORE, .buf = bo, .a = t};
  strided(&s, 3, (int64_t[]){19, 0, 1});
  inst(k, s);
  CHECK(kir_verify(k, stderr) == 0, "index");
  double *in[1] = {NULL}, *want[2] = {xl_calloc(57, 8), xl_calloc(57, 8)};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 19; j++) want[0][i * 19 + j] = want[1][i * 19 + j] = 10 * i + j;
  agree("index", k, in, bo, want, 1);
  agree("index split", k, in, bo, want, 2);
  free(want[0]), free(want[1]);
  kir_free(k);
}

/* ---- (3) the verifier ---- */

static void test_verify(void) {
  int64_t dim[1] = {4};
  kir_kernel *k = kern("t_bad", 1, dim);
  int bi = addbuf(k, 4, 0), bt = addbuf(k, 8, 0);
  kir_inst li = {.op = KIR_LOAD, .buf = bi};
  li.stride[0] = 1;
  int x = inst(k, li);
  inst(k, (kir_inst){.op = KIR_STOREX, .buf = bt, .a = x, .b = x, .xstride = 2, .xlim = 4});
  CHECK(kir_verify(k, NULL) > 0, "a storex to an input");
  k->body.n = 1;
  kir_inst lx = {.op = KIR_LOADX, .buf = bt, .a = x, .xstride = 2, .xlim = 5}; /* 2 * 4 past 8 */
  int v = inst(k, lx);
  int bo = addbuf(k, 4, 1);
  kir_inst s = {.op = KIR_STORE, .buf = bo, .a = v};
  s.stride[0] = 1;
  inst(k, s);
  CHECK(kir_verify(k, NULL) > 0, "a loadx past its buffer");
  k->body.v[1].xlim = 4;
  CHECK(kir_verify(k, stderr) == 0, "the loadx within its buffer");
  k->body.v[1].op = KIR_INDEX;
  k->body.v[1].imm = 1;
  CHECK(kir_verify(k, NULL) > 0, "index of dimension 1 of a 1-dimensional domain");
  kir_free(k);
}

/* ---- (4) graphs ---- */

typedef struct {
  const char *name;
  cg_op op;
  int nin;
  int rank[3];
  int64_t dims[3][4];
  int is_idx[3];   /* operand j is an index tensor */
  int64_t a0, a1, a2; /* axis / V / classes; pad before and after */
  const double *idx;
  const char *err; /* the error both executors report, or NULL */
} gcase;

static const double I6[] = {3, 0, 3, 1, 4, 3};
static const double I6NEG[] = {3, 0, -1, 1, -1, 3};
static const double I6BAD[] = {3, 0, 5, 1, 4, 3};
static const double I6FRAC[] = {3, 0, 2.5, 1, 4, 3};

static const gcase CASES[] = {
    {"gather [5,3] by [2,3]", CG_OP_GATHER, 2, {2, 2}, {{5, 3}, {2, 3}}, {0, 1}, 0, 0, 0, I6, NULL},
    {"gather [5] by [22]", CG_OP_GATHER, 2, {1, 1}, {{5}, {22}}, {0, 1}, 0, 0, 0, I6, NULL},
    {"gather [5,1,19] by [6,1]", CG_OP_GATHER, 2, {3, 2}, {{5, 1, 19}, {6, 1}}, {0, 1}, 0, 0, 0, I6, NULL},
    {"gather [5,3] by [0]", CG_OP_GATHER, 2, {2, 1}, {{5, 3}, {0}}, {0, 1}, 0, 0, 0, I6, NULL},
    {"gather out of range", CG_OP_GATHER, 2, {2, 1}, {{5, 3}, {6}}, {0, 1}, 0, 0, 0, I6BAD, "gather: index 5 at position 2 out of range [0, 5)"},
    {"gather -1", CG_OP_GATHER, 2, {2, 1}, {{5, 3}, {6}}, {0, 1}, 0, 0, 0, I6NEG, "gather: index -1 at position 2 out of range [0, 5)"},
    {"gather 2.5", CG_OP_GATHER, 2, {2, 1}, {{5, 3}, {6}}, {0, 1}, 0, 0, 0, I6FRAC, "gather: index 2.5 at position 2"},
    {"one_hot [2,3] x 5 (-1)", CG_OP_ONE_HOT, 1, {2}, {{2, 3}}, {1}, 5, 0, 0, I6NEG, NULL},
    {"one_hot [6] x 19", CG_OP_ONE_HOT, 1, {1}, {{6}}, {1}, 19, 0, 0, I6, NULL},
    {"one_hot [6,1] x 5", CG_OP_ONE_HOT, 1, {2}, {{6, 1}}, {1}, 5, 0, 0, I6, NULL},
    {"one_hot out of range", CG_OP_ONE_HOT, 1, {1}, {{6}}, {1}, 4, 0, 0, I6, "one_hot: index 4 at position 4 out of range [0, 4)"},
    {"scatter_add [6,3] V=5", CG_OP_SCATTER_ADD, 2, {2, 1}, {{6, 3}, {6}}, {0, 1}, 5, 0, 0, I6, NULL},
    {"scatter_add [22] V=5", CG_OP_SCATTER_ADD, 2, {1, 1}, {{22}, {22}}, {0, 1}, 5, 0, 0, I6, NULL},
    {"scatter_add [2,3,1,21] V=7", CG_OP_SCATTER_ADD, 2, {4, 2}, {{2, 3, 1, 21}, {2, 3}}, {0, 1}, 7, 0, 0, I6, NULL},
    {"scatter_add out of range", CG_OP_SCATTER_ADD, 2, {2, 1}, {{6, 3}, {6}}, {0, 1}, 4, 0, 0, I6, "scatter_add: index 4 at position 4 out of range [0, 4)"},
    {"pad [2,3,4] axis 1 (2, 1)", CG_OP_PAD, 1, {3}, {{2, 3, 4}}, {0}, 1, 2, 1, NULL, NULL},
    {"pad [3,17] axis 1 (3, 5)", CG_OP_PAD, 1, {2}, {{3, 17}}, {0}, 1, 3, 5, NULL, NULL},
    {"pad [1,5] axis 0 (0, 2)", CG_OP_PAD, 1, {2}, {{1, 5}}, {0}, 0, 0, 2, NULL, NULL},
    {"concat [2,3] [2,1] [2,4] axis 1", CG_OP_CONCAT, 3, {2, 2, 2}, {{2, 3}, {2, 1}, {2, 4}}, {0, 0, 0}, 1, 0, 0, NULL, NULL},
    {"concat [1,9] [3,9] axis 0", CG_OP_CONCAT, 2, {2, 2}, {{1, 9}, {3, 9}}, {0, 0}, 0, 0, 0, NULL, NULL},
    {"concat [2,1,19] [2,2,19] axis 1", CG_OP_CONCAT, 2, {3, 3}, {{2, 1, 19}, {2, 2, 19}}, {0, 0}, 1, 0, 0, NULL, NULL},
};

static cg_graph *case_graph(const gcase *c) {
  cg_graph *g = cg_new();
  int in[3];
  for (int j = 0; j < c->nin; j++) {
    char nm[16];
    snprintf(nm, sizeof nm, "x%d", j);
    in[j] = cg_input(g, CG_IN_INPUT, nm, 0, cg_shape_of(c->rank[j], c->dims[j]), L0);
    g->nodes.v[in[j]].is_int = c->is_idx[j];
  }
  int y;
  switch (c->op) {
  case CG_OP_GATHER: y = cg_gather(g, in[0], in[1]); break;
  case CG_OP_ONE_HOT: y = cg_one_hot(g, in[0], c->a0); break;
  case CG_OP_SCATTER_ADD: y = cg_scatter_add(g, in[0], in[1], c->a0); break;
  case CG_OP_PAD: y = cg_pad(g, in[0], (int)c->a0, c->a1, c->a2); break;
  default: y = cg_concat(g, c->nin, in, (int)c->a0); break;
  }
  cg_output_add(g, "y", y);
  return g;
}

static xt **case_inputs(const gcase *c) {
  xt **in = xl_calloc(4, sizeof *in);
  for (int j = 0; j < c->nin; j++) {
    char nm[16];
    snprintf(nm, sizeof nm, "x%d", j);
    in[j] = xt_new_named(nm, XT_F64, c->rank[j], c->dims[j]);
    int64_t n = 1;
    for (int d = 0; d < c->rank[j]; d++) n *= c->dims[j][d];
    for (int64_t i = 0; i < n; i++)
      xt_set(in[j], i, c->is_idx[j] ? c->idx[i % 6] : i == 4 ? -0.0 : 0.3 + 1.25 * (double)(i * (j + 1)) + (i % 3 ? 3e7 : 0));
  }
  return in;
}

static void case_free_inputs(xt **in) {
  for (int j = 0; j < 4; j++) xt_free(in[j]);
  free(in);
}

/* runs g (dt) on the compiled path: jit, or the planned kernels interpreted (no_jit); threads 0:
   the default. Returns the output (NULL on error: *err) */
static xt *cpu_out(const cg_graph *g, cg_dtype dt, xt *const *in, int no_jit, int threads, int *nkern, char **err) {
  xl_options o = xl_options_default();
  o.no_jit = no_jit;
  if (threads) {
    o.num_threads = threads;
    o.split_min = 1;
  }
  cpu_exec *e = cpu_prepare(g, dt, &o, err);
  xt *out[1] = {0};
  if (e && cpu_run(e, in, out, err) != 0) {
    xt_free(out[0]);
    out[0] = NULL;
  }
  if (e && nkern) *nkern = e->stats.kernels;
  if (e) {
    const kp_plan *p = cpu_exec_plan(e);
    CHECK(kp_fallbacks(p, NULL, NULL) == 0, "an interpreter compute step in the plan");
  }
  cpu_free(e);
  return out[0];
}

static int tensors_same(const xt *a, const xt *b) {
  if (!a || !b) return 0;
  int64_t n = 1;
  for (int d = 0; d < a->rank; d++) n *= a->shape[d];
  for (int64_t i = 0; i < n; i++)
    if (!same(xt_get(a, i), xt_get(b, i))) return 0;
  return 1;
}

static void test_graphs(void) {
  for (size_t ci = 0; ci < sizeof CASES / sizeof *CASES; ci++) {
    const gcase *c = &CASES[ci];
    cg_graph *g = case_graph(c);
    xt **in = case_inputs(c);
    for (int dt = CG_F64; dt <= CG_F32; dt++) {
      const char *dn = dt ? "f32" : "f64";
      char *e0 = NULL, *e1 = NULL, *e2 = NULL;
      xt *ref[1] = {0};
      int rrc = ref_exec(g, (cg_dtype)dt, in, ref, &e0);
      int nk = 0;
      xt *jit = cpu_out(g, (cg_dtype)dt, in, 0, 0, &nk, &e1);
      xt *itp = cpu_out(g, (cg_dtype)dt, in, 1, 0, NULL, &e2);
      if (c->err) {
        CHECK(rrc != 0 && e0 && strstr(e0, c->err), "%s %s: ref_exec error %s", c->name, dn, e0 ? e0 : "none");
        CHECK(!jit && e1 && strstr(e1, c->err), "%s %s: compiled error %s, want %s", c->name, dn, e1 ? e1 : "none", c->err);
        CHECK(!itp && e2 && strstr(e2, c->err), "%s %s: no_jit error %s", c->name, dn, e2 ? e2 : "none");
      } else {
        CHECK(rrc == 0, "%s %s: ref_exec: %s", c->name, dn, e0 ? e0 : "");
        CHECK(tensors_same(jit, ref[0]), "%s %s: compiled differs from ref_exec (%s)", c->name, dn, e1 ? e1 : "");
        CHECK(tensors_same(itp, ref[0]), "%s %s: kir_interp differs from ref_exec (%s)", c->name, dn, e2 ? e2 : "");
        int64_t n = ref[0] ? 1 : 0;
        for (int d = 0; ref[0] && d < ref[0]->rank; d++) n *= ref[0]->shape[d];
        CHECK(n == 0 || nk >= 1, "%s %s: no compiled kernel ran", c->name, dn);
      }
      if (c->op == CG_OP_SCATTER_ADD && !c->err) { /* 1 vs 2 threads, every kernel split */
        xt *t1 = cpu_out(g, (cg_dtype)dt, in, 0, 1, NULL, NULL), *t2 = cpu_out(g, (cg_dtype)dt, in, 0, 2, NULL, NULL);
        CHECK(tensors_same(t1, t2) && tensors_same(t1, ref[0]), "%s %s: 1 and 2 threads differ", c->name, dn);
        xt_free(t1);
        xt_free(t2);
      }
      xt_free(ref[0]);
      xt_free(jit);
      xt_free(itp);
      free(e0), free(e1), free(e2);
    }
    case_free_inputs(in);
    cg_free(g);
  }
}

int main(void) {
  test_loadx_rows();
  test_loadx_lanes();
  test_storex();
  test_index();
  test_verify();
  test_graphs();
  printf("%s\n", fails ? "test_kir_index: FAILED" : "test_kir_index: ok");
  return fails != 0;
}
