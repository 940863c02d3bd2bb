/* test_jit.c - the CPU code generator: KIR -> MLIR (kir_mlir.c) -> LLVM -> JIT (mlir_jit.c).
 *
 * Hand-built KIR kernels (broadcast, transposed and contiguous accesses, odd widths, reductions
 * with ADD and MAX over inner/outer/all dimensions, -inf masks, multiple outputs, [lo, hi)
 * slices) run compiled in f32 and f64 and are compared with plain C loops and kir_interp
 * (f64: 1e-12 relative, f32: 2e-6). Then: an accuracy sweep of every f32 approximation against
 * libm in double (max relative error, asserted <= 2.5e-7 where the result is a normal float),
 * specials (+-inf, NaN, -0), vectorization evidence (<8 x float> or <16 x float> in the optimized IR, ymm or zmm in
 * the assembly), the disk cache (miss, hit, truncated entry), error reporting, and a
 * microbenchmark (ns/element, printed only). The cache lives in a temp dir (XLC_CACHE_DIR).
 */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "jit.h"
#include "pipe_test.h"
#include "kir_build.h"
#include "kplan.h"
#include "lang.h"

/* ---- kernel builder (kir_build.h) ---- */

#define OP kb_op
#define CONST kb_const

/* ---- running ---- */

static uint64_t rng = 88172645463325252ULL;
static double urand(double lo, double hi) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* bufs as doubles (inputs filled by the caller, outputs written) */
typedef struct {
  int n;
  double *v[KIR_MAXBUF];
} dbufs;

static void dbufs_alloc(dbufs *b, const kir_kernel *k) {
  b->n = k->nbuf;
  for (int i = 0; i < k->nbuf; i++) b->v[i] = calloc((size_t)k->buf_numel[i] + 1, sizeof(double));
}

static void dbufs_free(dbufs *b) {
  for (int i = 0; i < b->n; i++) free(b->v[i]);
}

static void *typed_copy(const double *v, int64_t n, cg_dtype dt) {
  void *p = calloc((size_t)n + 1, dt == CG_F64 ? 8 : 4);
  for (int64_t i = 0; i < n; i++) {
    if (dt == CG_F64) ((double *)p)[i] = v[i];
    else ((float *)p)[i] = (float)v[i];
  }
  return p;
}

static double typed_get(const void *p, int64_t i, cg_dtype dt) {
  return dt == CG_F64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static int close_enough(double got, double want, double rtol, double atol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= rtol * fabs(want) + atol;
}

/* Compiles k for dt, runs it on the inputs of `in` (split into `chunks` [lo, hi) slices of the
   par dimension), runs kir_interp, and checks every output against the interpreter and, when
   `want` is given, against want (double). Returns the number of mismatches. */
static int run_check(const kir_kernel *k, cg_dtype dt, const dbufs *in, const dbufs *want, int chunks, double atol) {
  const char *dn = dt == CG_F64 ? "f64" : "f32";
  double rtol = dt == CG_F64 ? 1e-12 : 2e-6;
  CHECK(kir_verify(k, stderr) == 0, "%s: kernel does not verify", k->name);
  char *text = kir_to_mlir(k, dt, &pt_options()->emit), *err = NULL;
  xl_jit *j = jit_compile(text, k->name, &err);
  CHECK(j, "%s %s: jit_compile: %s\n%s", k->name, dn, err ? err : "?", text);
  free(err);
  if (!j) {
    free(text);
    return 1;
  }
  void *jb[KIR_MAXBUF], *ib[KIR_MAXBUF];
  for (int i = 0; i < k->nbuf; i++) {
    jb[i] = typed_copy(in->v[i], k->buf_numel[i], dt);
    ib[i] = typed_copy(in->v[i], k->buf_numel[i], dt);
  }
  kir_fn fn = (kir_fn)jit_fn(j);
  int p = kir_par_dim(k);
  int64_t n = p >= 0 ? k->dim[p] : 1;
  if (p < 0) chunks = 1;
  for (int c = 0; c < chunks; c++) fn(jb, n * c / chunks, n * (c + 1) / chunks);
  kir_interp(k, dt, ib);
  int bad = 0;
  for (int b = 0; b < k->nbuf; b++) {
    if (k->buf_out[b] != 1) continue; /* inputs, and local scratch (its values stay in the call) */
    for (int64_t i = 0; i < k->buf_numel[b]; i++) {
      double g = typed_get(jb[b], i, dt), r = typed_get(ib[b], i, dt);
      if (!close_enough(g, r, rtol, atol) && bad++ < 5)
        fprintf(stderr, "  %s %s b%d[%lld]: jit %.17g, kir_interp %.17g\n", k->name, dn, b, (long long)i, g, r);
      if (want && !close_enough(g, want->v[b][i], rtol, atol) && bad++ < 5)
        fprintf(stderr, "  %s %s b%d[%lld]: jit %.17g, C loop %.17g\n", k->name, dn, b, (long long)i, g,
                want->v[b][i]);
    }
  }
  CHECK(bad == 0, "%s %s (%d chunks): %d mismatches", k->name, dn, chunks, bad);
  if (bad) fprintf(stderr, "%s", text);
  for (int i = 0; i < k->nbuf; i++) {
    free(jb[i]);
    free(ib[i]);
  }
  jit_free(j);
  free(text);
  return bad;
}

static double rd(double x, cg_dtype dt) { return dt == CG_F64 ? x : (double)(float)x; }

/* ---- kernels vs C loops ---- */

static double sigm(double x) { return 1 / (1 + exp(-x)); }
static double logsig(double x) { return x > 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

/* out0[b, w] = tanh(x[b,w] * s[w] + c[b]) * sigmoid(y[w, b]) + exp(-|x|)   (y transposed)
   out1[w, b] = logsigmoid(x * s + c)                                         (transposed store) */
static void test_chain(int64_t B, int64_t W) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "chain_%lldx%lld", (long long)B, (long long)W);
  kb_init(&k, name, 2, (const int64_t[]){B, W});
  kb_buf(&k, B * W, 0); /* x */
  kb_buf(&k, W, 0);     /* s */
  kb_buf(&k, B, 0);     /* c */
  kb_buf(&k, W * B, 0); /* y, [W, B] */
  kb_buf(&k, B * W, 1); /* out0 */
  kb_buf(&k, W * B, 1); /* out1, [W, B] */
  int x = LOAD(&k, 0, 0, W, 1), s = LOAD(&k, 1, 0, 0, 1), c = LOAD(&k, 2, 0, 1, 0), y = LOAD(&k, 3, 0, 1, B);
  int t2 = OP(&k, KIR_ADD, OP(&k, KIR_MUL, x, s, 0), c, 0);
  int t5 = OP(&k, KIR_MUL, OP(&k, KIR_TANH, t2, 0, 0), OP(&k, KIR_SIGMOID, y, 0, 0), 0);
  int t6 = OP(&k, KIR_EXP, OP(&k, KIR_NEG, OP(&k, KIR_ABS, x, 0, 0), 0, 0), 0, 0);
  STORE(&k, 4, 0, OP(&k, KIR_ADD, t5, t6, 0), W, 1);
  STORE(&k, 5, 0, OP(&k, KIR_LOGSIGMOID, t2, 0, 0), 1, B);
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int b = 0; b < 4; b++)
      for (int64_t i = 0; i < k.buf_numel[b]; i++) in.v[b][i] = rd(urand(-2, 2), dt);
    for (int64_t b = 0; b < B; b++)
      for (int64_t w = 0; w < W; w++) {
        double xv = in.v[0][b * W + w];
        double t = rd(rd(xv * in.v[1][w], dt) + in.v[2][b], dt); /* the rounded pre-activation */
        want.v[4][b * W + w] = tanh(t) * sigm(in.v[3][w * B + b]) + exp(-fabs(xv));
        want.v[5][w * B + b] = logsig(t);
      }
    run_check(&k, dt, &in, &want, 1, dt == CG_F64 ? 1e-14 : 1e-6);
    run_check(&k, dt, &in, &want, 3, dt == CG_F64 ? 1e-14 : 1e-6);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  free(k.body.v);
}

/* Every unary op on x * s[w] + 0.25 (x over a range that crosses the interesting points). */
static double ref_unary(kir_op op, double x) {
  switch (op) {
  case KIR_NEG: return -x;
  case KIR_EXP: return exp(x);
  case KIR_LOG: return log(x);
  case KIR_SIGMOID: return sigm(x);
  case KIR_LOGSIGMOID: return logsig(x);
  case KIR_TANH: return tanh(x);
  case KIR_SILU: return x * sigm(x);
  case KIR_GELU: return 0.5 * x * erfc(-x / sqrt(2.0));
  case KIR_GELU_D: return 0.5 * erfc(-x / sqrt(2.0)) + x * exp(-0.5 * x * x) / sqrt(2 * M_PI);
  case KIR_ABS: return fabs(x);
  case KIR_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
  case KIR_SQRT: return sqrt(x);
  case KIR_RSQRT: return 1 / sqrt(x);
  case KIR_SQUARE: return x * x;
  case KIR_RECIP: return 1 / x;
  case KIR_LOG1P: return log1p(x);
  case KIR_EXPM1: return expm1(x);
  default: return NAN;
  }
}

static void test_unary_ops(int64_t W) {
  static const kir_op ops[] = {KIR_NEG,  KIR_EXP,    KIR_LOG,  KIR_SIGMOID, KIR_LOGSIGMOID, KIR_TANH,
                               KIR_SILU, KIR_GELU,   KIR_GELU_D, KIR_ABS,   KIR_SIGN,       KIR_SQRT,
                               KIR_RSQRT, KIR_SQUARE, KIR_RECIP, KIR_LOG1P, KIR_EXPM1};
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
    kir_op op = ops[o];
    int pos = op == KIR_LOG || op == KIR_SQRT || op == KIR_RSQRT || op == KIR_LOG1P;
    kir_kernel k;
    char name[64];
    snprintf(name, sizeof name, "u_%s_%lld", kir_op_name(op), (long long)W);
    kb_init(&k, name, 2, (const int64_t[]){3, W});
    kb_buf(&k, 3 * W, 0);
    kb_buf(&k, W, 0);
    kb_buf(&k, 3 * W, 1);
    int x = LOAD(&k, 0, 0, W, 1), s = LOAD(&k, 1, 0, 0, 1);
    int t = OP(&k, KIR_ADD, OP(&k, KIR_MUL, x, s, 0), CONST(&k, 0.25), 0);
    STORE(&k, 2, 0, OP(&k, op, t, 0, 0), W, 1);
    for (int f = 0; f < 2; f++) {
      cg_dtype dt = f ? CG_F32 : CG_F64;
      dbufs in, want;
      dbufs_alloc(&in, &k);
      dbufs_alloc(&want, &k);
      for (int64_t i = 0; i < 3 * W; i++) in.v[0][i] = rd(pos ? urand(0.01, 30) : urand(-9, 9), dt);
      for (int64_t i = 0; i < W; i++) in.v[1][i] = rd(urand(0.5, 1.5), dt);
      for (int64_t i = 0; i < 3 * W; i++)
        want.v[2][i] = ref_unary(op, rd(rd(in.v[0][i] * in.v[1][i % W], dt) + 0.25, dt));
      /* f32 gelu/gelu_d: the interpreter's 1 + erf cancels for x << 0, the C loop does not */
      run_check(&k, dt, &in, &want, 2, dt == CG_F64 ? 1e-15 : (op == KIR_GELU || op == KIR_GELU_D ? 1e-6 : 1e-7));
      dbufs_free(&in);
      dbufs_free(&want);
    }
    free(k.body.v);
  }
}

/* Binary ops, comparisons and select, with a broadcast operand and NaN / inf / equal values. */
static void test_binary_ops(int64_t W) {
  static const kir_op ops[] = {KIR_ADD, KIR_SUB, KIR_MUL, KIR_DIV, KIR_POW, KIR_MAX, KIR_MIN, KIR_GE, KIR_GT, KIR_EQ};
  for (size_t o = 0; o <= sizeof ops / sizeof ops[0]; o++) {
    int is_sel = o == sizeof ops / sizeof ops[0];
    kir_op op = is_sel ? KIR_SELECT : ops[o];
    kir_kernel k;
    char name[64];
    snprintf(name, sizeof name, "b_%s_%lld", kir_op_name(op), (long long)W);
    kb_init(&k, name, 2, (const int64_t[]){4, W});
    kb_buf(&k, 4 * W, 0);
    kb_buf(&k, W, 0);
    kb_buf(&k, 4 * W, 0);
    kb_buf(&k, 4 * W, 1);
    int a = LOAD(&k, 0, 0, W, 1), b = LOAD(&k, 1, 0, 0, 1), m = LOAD(&k, 2, 0, W, 1);
    STORE(&k, 3, 0, is_sel ? OP(&k, KIR_SELECT, m, a, CONST(&k, -INFINITY)) : OP(&k, op, a, b, 0), W, 1);
    for (int f = 0; f < 2; f++) {
      cg_dtype dt = f ? CG_F32 : CG_F64;
      dbufs in;
      dbufs_alloc(&in, &k);
      for (int64_t i = 0; i < 4 * W; i++) {
        double r = urand(0, 1);
        in.v[0][i] = r < 0.05 ? NAN : r < 0.1 ? INFINITY : r < 0.15 ? -INFINITY : rd(urand(-3, 3), dt);
        in.v[2][i] = r > 0.5 ? 0.0 : r > 0.45 ? NAN : 1.0; /* select mask (NaN counts as true) */
      }
      for (int64_t i = 0; i < W; i++) in.v[1][i] = i % 3 == 0 ? in.v[0][W + i] : rd(urand(-3, 3), dt);
      if (W > 2) in.v[1][2] = NAN;
      run_check(&k, dt, &in, NULL, 1, 0);
      dbufs_free(&in);
    }
    free(k.body.v);
  }
}

/* Reductions. kind: 0 = inner dim of [R, C]; 1 = outer dim of [C, R]; 2 = all of [C, R];
   3 = middle of [2, C, R]; ADD of exp(x - 1) or MAX of select(mask, x, -inf). Also stores the
   pre-reduction value (an extra non-reducing output). */
static void test_reduce(int kind, kir_op rop, int64_t R, int64_t C) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "r%d_%s_%lldx%lld", kind, kir_op_name(rop), (long long)R, (long long)C);
  int64_t P = kind == 3 ? 2 : 1, N = P * R * C, nout = kind == 2 ? 1 : P * R;
  if (kind == 0) kb_init(&k, name, 2, (const int64_t[]){R, C});
  else if (kind == 3) kb_init(&k, name, 3, (const int64_t[]){P, C, R});
  else kb_init(&k, name, 2, (const int64_t[]){C, R});
  k.red_mask = kind == 0 ? 2 : kind == 1 ? 1 : kind == 2 ? 3 : 2;
  k.red_op = rop;
  kb_buf(&k, N, 0); /* x */
  kb_buf(&k, N, 0); /* mask */
  kb_buf(&k, nout, 1);
  kb_buf(&k, N, 1); /* pre-reduction values */
  int x, m;
  if (kind == 0) x = LOAD(&k, 0, 0, C, 1), m = LOAD(&k, 1, 0, C, 1);
  else if (kind == 3) x = LOAD(&k, 0, 0, C * R, R, 1), m = LOAD(&k, 1, 0, C * R, R, 1);
  else x = LOAD(&k, 0, 0, R, 1), m = LOAD(&k, 1, 0, R, 1);
  int v = rop == KIR_ADD ? OP(&k, KIR_EXP, OP(&k, KIR_SUB, x, CONST(&k, 1.0), 0), 0, 0)
                         : OP(&k, KIR_SELECT, m, x, CONST(&k, -INFINITY));
  if (kind == 0) STORE(&k, 2, 0, v, 1, 0), STORE(&k, 3, 0, v, C, 1);
  else if (kind == 1) STORE(&k, 2, 0, v, 0, 1), STORE(&k, 3, 0, v, R, 1);
  else if (kind == 2) STORE(&k, 2, 0, v, 0, 0), STORE(&k, 3, 0, v, R, 1);
  else STORE(&k, 2, 0, v, R, 0, 1), STORE(&k, 3, 0, v, C * R, R, 1);
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int64_t i = 0; i < N; i++) {
      in.v[0][i] = rd(urand(-3, 3), dt);
      in.v[1][i] = urand(0, 1) < 0.3 ? 0.0 : 1.0;
    }
    if (rop == KIR_MAX && kind == 0) /* row 0 fully masked: max stays -inf */
      for (int64_t c = 0; c < C; c++) in.v[1][c] = 0.0;
    for (int64_t i = 0; i < nout; i++) want.v[2][i] = rop == KIR_ADD ? 0 : -INFINITY;
    for (int64_t p = 0; p < P; p++)
      for (int64_t r = 0; r < R; r++)
        for (int64_t c = 0; c < C; c++) {
          int64_t xi = kind == 0 ? r * C + c : p * C * R + c * R + r;
          int64_t oi = kind == 2 ? 0 : p * R + r;
          double val = rop == KIR_ADD ? exp(in.v[0][xi] - 1) : in.v[1][xi] != 0 ? in.v[0][xi] : -INFINITY;
          want.v[3][xi] = val;
          if (rop == KIR_ADD) want.v[2][oi] += val;
          else if (val > want.v[2][oi]) want.v[2][oi] = val;
        }
    /* f32 sums of n positive terms (about 1 each) round differently in a different order */
    int64_t nterm = N / nout;
    run_check(&k, dt, &in, &want, kind == 2 ? 1 : 3, rop == KIR_ADD && dt == CG_F32 ? 2e-7 * (double)nterm : 0);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  free(k.body.v);
}

/* The input gradient of a thin projection: out[p, c] = sum_{r1, r2} x[p, r1, r2] w[r1, r2, c]
   (or the max of the masked products) on the domain [P, R1, R2, C] with R1, R2 reduced; x's
   rows are padded so R1 and R2 stay two loops. With one store and C at least one vector the
   reduced block is summed in registers ("sink", kir_mlir.c): the header says so, and with a
   second (per-point) store it does not. Checked against C loops, split over P. */
static void test_sink(kir_op rop, int64_t R1, int64_t R2, int64_t C, int two_stores) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "sink_%s_%lldx%lldx%lld_%d", kir_op_name(rop), (long long)R1, (long long)R2,
           (long long)C, two_stores);
  const int64_t P = 5, XS = R2 + 1; /* x row stride: padded */
  kb_init(&k, name, 4, (const int64_t[]){P, R1, R2, C});
  k.red_mask = 2 | 4;
  k.red_op = rop;
  kb_buf(&k, P * R1 * XS, 0);  /* x */
  kb_buf(&k, R1 * R2 * C, 0);  /* w */
  kb_buf(&k, P * C, 1);        /* out */
  if (two_stores) kb_buf(&k, P * R1 * R2 * C, 1);
  int x = LOAD(&k, 0, 0, R1 * XS, XS, 1, 0), w = LOAD(&k, 1, 0, 0, R2 * C, C, 1);
  int v = OP(&k, KIR_MUL, x, w, 0);
  STORE(&k, 2, 0, v, C, 0, 0, 1);
  if (two_stores) STORE(&k, 3, 0, v, R1 * R2 * C, R2 * C, C, 1);
  char *text = kir_to_mlir(&k, CG_F32, &pt_options()->emit);
  int sink = strstr(text, "reduced block in registers") != NULL;
  CHECK(sink == (!two_stores && C >= 4), "%s: sink %d in\n%s", name, sink, text);
  free(text);
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int64_t i = 0; i < k.buf_numel[0]; i++) in.v[0][i] = rd(urand(-2, 2), dt);
    for (int64_t i = 0; i < k.buf_numel[1]; i++) in.v[1][i] = rd(urand(-2, 2), dt);
    for (int64_t p = 0; p < P; p++)
      for (int64_t c = 0; c < C; c++) {
        double acc = rop == KIR_ADD ? 0 : -INFINITY;
        for (int64_t a = 0; a < R1; a++)
          for (int64_t b = 0; b < R2; b++) {
            double t = in.v[0][p * R1 * XS + a * XS + b] * in.v[1][(a * R2 + b) * C + c];
            if (two_stores) want.v[3][((p * R1 + a) * R2 + b) * C + c] = t;
            acc = rop == KIR_ADD ? acc + t : t > acc ? t : acc;
          }
        want.v[2][p * C + c] = acc;
      }
    run_check(&k, dt, &in, &want, 3, dt == CG_F32 ? 1e-6 * (double)(R1 * R2) : 0);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  free(k.body.v);
}

/* Checks kernel k (operands in buffers 0 and 1, result in buffer 2; each result a sum of
   `terms` products) in f64 and f32 against want_of(in, out, sh) on random operands, 3 chunks. */
typedef void (*want_fn)(const double *const *in, double *out, const int64_t *sh);
static void check_product(const kir_kernel *k, int64_t terms, want_fn want_of, const int64_t *sh) {
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, k);
    dbufs_alloc(&want, k);
    for (int b = 0; b < 2; b++)
      for (int64_t i = 0; i < k->buf_numel[b]; i++) in.v[b][i] = rd(urand(-2, 2), dt);
    want_of((const double *const *)in.v, want.v[2], sh);
    run_check(k, dt, &in, &want, 3, (dt == CG_F32 ? 1e-6 : 1e-15) * (double)terms);
    dbufs_free(&in);
    dbufs_free(&want);
  }
}

/* sh = {P, NB, O, XS}: out[p, b, o] = sum_i w[b, o, i] x[p, b, i] (x = in[0], rows XS apart) */
static void want_blockdiag(const double *const *in, double *out, const int64_t *sh) {
  int64_t P = sh[0], NB = sh[1], O = sh[2], XS = sh[3];
  for (int64_t p = 0; p < P; p++)
    for (int64_t b = 0; b < NB; b++)
      for (int64_t o = 0; o < O; o++) {
        double acc = 0;
        for (int64_t i = 0; i < O; i++) acc += in[1][(b * O + o) * O + i] * in[0][p * XS + b * O + i];
        out[(p * NB + b) * O + o] = acc;
      }
}

/* dx[p, b, i] = sum_o w[b, o, i] dy[p, b, o] (dy = in[0]) */
static void want_blockdiag_dx(const double *const *in, double *out, const int64_t *sh) {
  int64_t P = sh[0], NB = sh[1], O = sh[2];
  for (int64_t p = 0; p < P; p++)
    for (int64_t b = 0; b < NB; b++)
      for (int64_t i = 0; i < O; i++) {
        double acc = 0;
        for (int64_t o = 0; o < O; o++) acc += in[0][(p * NB + b) * O + o] * in[1][(b * O + o) * O + i];
        out[(p * NB + b) * O + i] = acc;
      }
}

/* dw[b, o, i] = sum_p dy[p, b, o] x[p, b, i] (dy = in[0], x = in[1] with rows XS apart) */
static void want_blockdiag_wgrad(const double *const *in, double *out, const int64_t *sh) {
  int64_t P = sh[0], NB = sh[1], O = sh[2], XS = sh[3];
  for (int64_t b = 0; b < NB; b++)
    for (int64_t o = 0; o < O; o++)
      for (int64_t i = 0; i < O; i++) {
        double acc = 0;
        for (int64_t p = 0; p < P; p++) acc += in[0][(p * NB + b) * O + o] * in[1][p * XS + b * O + i];
        out[(b * O + o) * O + i] = acc;
      }
}

/* A block-diagonal product out[p, b, o] = sum_i w[b, o, i] x[p, b, i] (O = I per block, the
   mLSTM's head-wise q/k/v blocks) is emitted as whole vectors of several blocks (kir_mlir.c
   blockdiag) when NB*O fills whole vectors: the header says so. Checked against C loops in
   f64 and f32, split over P, with a padded x row (stride XS) and both operand orders of the
   product; NB*O not a multiple of the vector width falls back to the general loops. */
static void test_blockdiag(int64_t NB, int64_t O, int swap, int expect) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "blockdiag_%lldx%lld_%d", (long long)NB, (long long)O, swap);
  const int64_t P = 5, XS = NB * O + 3;
  kb_init(&k, name, 4, (const int64_t[]){P, NB, O, O});
  k.red_mask = 8;
  k.red_op = KIR_ADD;
  kb_buf(&k, P * XS, 0);      /* x [P, NB, I], rows padded */
  kb_buf(&k, NB * O * O, 0);  /* w [NB, O, I] */
  kb_buf(&k, P * NB * O, 1);  /* out [P, NB, O] */
  int x = LOAD(&k, 0, 0, XS, O, 0, 1), w = LOAD(&k, 1, 0, 0, O * O, O, 1);
  int v = swap ? OP(&k, KIR_MUL, w, x, 0) : OP(&k, KIR_MUL, x, w, 0);
  STORE(&k, 2, 0, v, NB * O, O, 1, 0);
  char *text = kir_to_mlir(&k, CG_F32, &pt_options()->emit);
  int bd = strstr(text, "block-diagonal") != NULL;
  CHECK(bd == expect, "%s: block-diagonal %d, expected %d, in\n%s", name, bd, expect, text);
  free(text);
  check_product(&k, O, want_blockdiag, (const int64_t[]){P, NB, O, XS});
  free(k.body.v);
}

/* Its input gradient dx[p, b, i] = sum_o w[b, o, i] dy[p, b, o] (domain [P, NB, O, I], O
   reduced: w read transposed) takes the same path. */
static void test_blockdiag_dx(int64_t NB, int64_t O) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "blockdiag_dx_%lldx%lld", (long long)NB, (long long)O);
  const int64_t P = 6;
  kb_init(&k, name, 4, (const int64_t[]){P, NB, O, O});
  k.red_mask = 4;
  k.red_op = KIR_ADD;
  kb_buf(&k, P * NB * O, 0);  /* dy [P, NB, O] */
  kb_buf(&k, NB * O * O, 0);  /* w [NB, O, I] */
  kb_buf(&k, P * NB * O, 1);  /* dx [P, NB, I] */
  int dy = LOAD(&k, 0, 0, NB * O, O, 1, 0), w = LOAD(&k, 1, 0, 0, O * O, O, 1);
  STORE(&k, 2, 0, OP(&k, KIR_MUL, dy, w, 0), NB * O, O, 0, 1);
  char *text = kir_to_mlir(&k, CG_F32, &pt_options()->emit);
  CHECK(strstr(text, "block-diagonal") != NULL, "%s: not block-diagonal in\n%s", name, text);
  free(text);
  check_product(&k, O, want_blockdiag_dx, (const int64_t[]){P, NB, O, 0});
  free(k.body.v);
}

/* Its weight gradient dw[b, o, i] = sum_p dy[p, b, o] x[p, b, i] (domain [P, NB, O, I], P
   reduced, split over NB in 3 parts, so that a slice ends inside a vector) is emitted by
   kir_mlir.c's blockdiag weight-gradient path: the header says so. Checked against C loops. */
static void test_blockdiag_wgrad(int64_t NB, int64_t O) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "blockdiag_wgrad_%lldx%lld", (long long)NB, (long long)O);
  const int64_t P = 7, XS = NB * O + 1;
  kb_init(&k, name, 4, (const int64_t[]){P, NB, O, O});
  k.red_mask = 1;
  k.red_op = KIR_ADD;
  kb_buf(&k, P * NB * O, 0);  /* dy [P, NB, O] */
  kb_buf(&k, P * XS, 0);      /* x [P, NB, I], rows padded */
  kb_buf(&k, NB * O * O, 1);  /* dw [NB, O, I] */
  int dy = LOAD(&k, 0, 0, NB * O, O, 1, 0), x = LOAD(&k, 1, 0, XS, O, 0, 1);
  STORE(&k, 2, 0, OP(&k, KIR_MUL, dy, x, 0), 0, O * O, O, 1);
  char *text = kir_to_mlir(&k, CG_F32, &pt_options()->emit);
  CHECK(strstr(text, "block-diagonal weight gradient") != NULL, "%s: not the weight-gradient path in\n%s", name, text);
  free(text);
  check_product(&k, P, want_blockdiag_wgrad, (const int64_t[]){P, NB, O, XS});
  free(k.body.v);
}

/* The decode shape of a projection: out[0, 0, r] = sum_c x[0, 0, c] * w[r, c] on the
   domain [1, 1, R, C], C reduced. The split dimension skips the leading size-1 dimensions (so
   a batch-1 step can use both cores), and the slices [lo, hi) of R computed apart give the
   whole result. */
static void test_decode_split(int64_t R, int64_t C, int chunks) {
  kir_kernel k;
  char name[64];
  snprintf(name, sizeof name, "decode_%lldx%lld", (long long)R, (long long)C);
  kb_init(&k, name, 4, (const int64_t[]){1, 1, R, C});
  k.red_mask = 8;
  k.red_op = KIR_ADD;
  kb_buf(&k, C, 0);     /* x [1, 1, C] */
  kb_buf(&k, R * C, 0); /* w [R, C] */
  kb_buf(&k, R, 1);     /* out [1, 1, R] */
  int p = OP(&k, KIR_MUL, LOAD(&k, 0, 0, C, C, 0, 1), LOAD(&k, 1, 0, 0, 0, C, 1), 0);
  STORE(&k, 2, 0, p, R, R, 1, 0);
  int want_par = R > 1 ? 2 : 0; /* the first non-reduced dimension of extent > 1, else the first */
  CHECK(kir_par_dim(&k) == want_par, "%s: split dimension %d, want %d", name, kir_par_dim(&k), want_par);
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int64_t i = 0; i < C; i++) in.v[0][i] = rd(urand(-1, 1), dt);
    for (int64_t i = 0; i < R * C; i++) in.v[1][i] = rd(urand(-1, 1), dt);
    for (int64_t r = 0; r < R; r++) {
      want.v[2][r] = 0;
      for (int64_t c = 0; c < C; c++) want.v[2][r] += in.v[0][c] * in.v[1][r * C + c];
    }
    run_check(&k, dt, &in, &want, chunks, dt == CG_F32 ? 1e-6 * (double)C : 1e-13);
    /* the same bits for every cut of [0, R) at multiples of 16 (run_split cuts there): rows
       jammed VL at a time are the aligned whole vectors of rows inside the cut, the same rows
       for every such cut, so each output sums in one fixed order */
    char *text = kir_to_mlir(&k, dt, &pt_options()->emit), *err = NULL;
    xl_jit *j = jit_compile(text, k.name, &err);
    CHECK(j, "%s: %s", name, err ? err : "?");
    if (j) {
      kir_fn fn = (kir_fn)jit_fn(j);
      void *b1[3], *b2[3];
      for (int i = 0; i < 3; i++) b1[i] = typed_copy(in.v[i], k.buf_numel[i], dt), b2[i] = typed_copy(in.v[i], k.buf_numel[i], dt);
      fn(b1, 0, R);
      for (int64_t lo = 0, c = 1; lo < R; c++) { /* uneven cuts: 16, 32, 48, ... rows */
        int64_t hi = lo + 16 * c < R ? lo + 16 * c : R;
        fn(b2, lo, hi);
        lo = hi;
      }
      CHECK(!memcmp(b1[2], b2[2], (size_t)R * (dt == CG_F64 ? 8 : 4)), "%s %s: results depend on the split", name,
            dt == CG_F64 ? "f64" : "f32");
      for (int i = 0; i < 3; i++) free(b1[i]), free(b2[i]);
      jit_free(j);
    }
    free(err);
    free(text);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  free(k.body.v);
}

/* A kernel of three loop nests (kir.h `next`): a reduction whose result the later nests read
   through its output buffer, the shape of a recurrence step (matmul, then elementwise gates):
     nest 0: s[r]   = sum_c x[r, c] * w[c]            (reduction over the innermost dimension)
     nest 1: g[r]   = tanh(s[r] + b[r]) * sigmoid(s[r])
     nest 2: m[0]   = max_r g[r] - s[r]               (all-reduce of values of nests 0 and 1)
   Compared with C loops and kir_interp; then the verifier's nest rules. */
static kir_kernel nest_kernel(int64_t R, int64_t C, kir_kernel **n1, kir_kernel **n2) {
  kir_kernel k;
  kb_init(&k, "nests", 2, (const int64_t[]){R, C});
  k.red_mask = 2;
  k.red_op = KIR_ADD;
  kb_buf(&k, R * C, 0); /* b0 x */
  kb_buf(&k, C, 0);     /* b1 w */
  kb_buf(&k, R, 0);     /* b2 b */
  kb_buf(&k, R, 1);     /* b3 s */
  kb_buf(&k, R, 1);     /* b4 g */
  kb_buf(&k, 1, 1);     /* b5 m */
  STORE(&k, 3, 0, OP(&k, KIR_MUL, LOAD(&k, 0, 0, C, 1), LOAD(&k, 1, 0, 0, 1), 0), 1, 0);
  kir_kernel *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  *a = k, *b = k;
  a->body = (typeof(a->body)){0}, b->body = (typeof(b->body)){0};
  a->ndim = 1, a->dim[0] = R, a->red_mask = 0;
  int sv = LOAD(a, 3, 0, 1);
  int gv = OP(a, KIR_MUL, OP(a, KIR_TANH, OP(a, KIR_ADD, sv, LOAD(a, 2, 0, 1), 0), 0, 0), OP(a, KIR_SIGMOID, sv, 0, 0), 0);
  STORE(a, 4, 0, gv, 1);
  b->ndim = 1, b->dim[0] = R, b->red_mask = R > 1 ? 1 : 0, b->red_op = KIR_MAX;
  STORE(b, 5, 0, OP(b, KIR_SUB, LOAD(b, 4, 0, 1), LOAD(b, 3, 0, 1), 0), 0);
  *n1 = a, *n2 = b;
  return k;
}

static void test_nests(int64_t R, int64_t C) {
  kir_kernel *a, *b;
  kir_kernel k = nest_kernel(R, C, &a, &b);
  snprintf(k.name, sizeof k.name, "nests_%lldx%lld", (long long)R, (long long)C);
  memcpy(a->name, k.name, sizeof k.name), memcpy(b->name, k.name, sizeof k.name);
  k.next = a, a->next = b;
  CHECK(kir_nnest(&k) == 3 && kir_par_dim(&k) < 0, "nests: %d nests, par dim %d", kir_nnest(&k), kir_par_dim(&k));
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int64_t i = 0; i < R * C; i++) in.v[0][i] = rd(urand(-1, 1), dt);
    for (int64_t i = 0; i < C; i++) in.v[1][i] = rd(urand(-1, 1), dt);
    for (int64_t i = 0; i < R; i++) in.v[2][i] = rd(urand(-1, 1), dt);
    for (int i = 3; i < 6; i++) /* outputs hold garbage before the kernel runs */
      for (int64_t j = 0; j < k.buf_numel[i]; j++) in.v[i][j] = 1e30;
    want.v[5][0] = -INFINITY;
    for (int64_t r = 0; r < R; r++) {
      double acc = 0;
      for (int64_t c = 0; c < C; c++) acc += in.v[0][r * C + c] * in.v[1][c];
      want.v[3][r] = acc;
      want.v[4][r] = tanh(acc + in.v[2][r]) * sigm(acc);
      if (want.v[4][r] - acc > want.v[5][0]) want.v[5][0] = want.v[4][r] - acc;
    }
    run_check(&k, dt, &in, &want, 1, dt == CG_F32 ? 1e-6 * (double)C : 0);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  /* the verifier: what a chain may and may not do */
  CHECK(kir_verify(&k, NULL) == 0, "nests: a valid chain is rejected");
  a->body.v[0].buf = 5; /* nest 1 loads m, which only nest 2 stores */
  CHECK(kir_verify(&k, NULL) > 0, "nests: a load of an output stored by a later nest is accepted");
  a->body.v[0].buf = 3;
  b->body.v[b->body.n - 1].buf = 4; /* g stored by nests 1 and 2, m by none */
  CHECK(kir_verify(&k, NULL) >= 2, "nests: an output stored twice (and one never) is accepted");
  b->body.v[b->body.n - 1].buf = 5;
  a->buf_numel[2]++; /* nest 1 sees another buffer table */
  CHECK(kir_verify(&k, NULL) > 0, "nests: differing buffer tables are accepted");
  a->buf_numel[2]--;
  k.body.v[0].buf = 3; /* nest 0 loads its own output */
  CHECK(kir_verify(&k, NULL) > 0, "nests: a load of an output of the same nest is accepted");
  k.body.v[0].buf = 0;
  CHECK(kir_verify(&k, NULL) == 0, "nests: the restored chain is rejected");
  /* kernel-local scratch: s (read only by later nests) may be local in a chain, not in a single
     nest, nor above KIR_LOCAL_MAX elements; a local buffer runs like a planned one */
  for (kir_kernel *y = &k; y; y = y->next) y->buf_out[3] = KIR_LOCAL;
  CHECK(kir_verify(&k, NULL) == 0, "nests: a local intermediate is rejected");
  {
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int i = 0; i < 3; i++)
      for (int64_t j = 0; j < k.buf_numel[i]; j++) in.v[i][j] = urand(-1, 1);
    dbufs_free(&want);
    run_check(&k, CG_F64, &in, NULL, 1, 0); /* g and m as kir_interp computes them */
    dbufs_free(&in);
  }
  char *vmsg = NULL;
  size_t vlen = 0;
  FILE *vm = open_memstream(&vmsg, &vlen);
  k.next = NULL;
  kir_verify(&k, vm);
  k.next = a;
  int64_t numel3 = k.buf_numel[3];
  for (kir_kernel *y = &k; y; y = y->next) y->buf_numel[3] = KIR_LOCAL_MAX + 1;
  fputs("--\n", vm);
  kir_verify(&k, vm);
  fclose(vm);
  const char *cut = strstr(vmsg, "--\n");
  CHECK(cut && strstr(vmsg, "local b3") && strstr(vmsg, "local b3") < cut,
        "nests: a local buffer in a kernel of one nest is accepted:\n%s", vmsg);
  CHECK(cut && strstr(cut, "local b3"), "nests: a local buffer over KIR_LOCAL_MAX is accepted:\n%s", vmsg);
  free(vmsg);
  for (kir_kernel *y = &k; y; y = y->next) y->buf_numel[3] = numel3, y->buf_out[3] = 1;
  /* dumps: one header per nest, the buffers once */
  char *txt = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&txt, &len);
  kir_dump(&k, m);
  fclose(m);
  CHECK(strstr(txt, "nest 1 domain [") && strstr(txt, "nest 2 domain [") && !strstr(strstr(txt, "nest 1"), " b0 "),
        "nests: kir_dump:\n%s", txt);
  free(txt);
  k.next = NULL;
  kir_free(a); /* frees b too */
  free(k.body.v);
}

/* softmax-style masking: exp(select(m, x, -inf) - rowmax) is exactly 0 where masked */
static void test_masked_exp(void) {
  kir_kernel k;
  kb_init(&k, "masked_exp", 2, (const int64_t[]){3, 21});
  kb_buf(&k, 63, 0);
  kb_buf(&k, 63, 0);
  kb_buf(&k, 3, 0);
  kb_buf(&k, 63, 1);
  int x = LOAD(&k, 0, 0, 21, 1), m = LOAD(&k, 1, 0, 21, 1), mx = LOAD(&k, 2, 0, 1, 0);
  int v = OP(&k, KIR_SELECT, m, x, CONST(&k, -INFINITY));
  STORE(&k, 3, 0, OP(&k, KIR_EXP, OP(&k, KIR_SUB, v, mx, 0), 0, 0), 21, 1);
  for (int f = 0; f < 2; f++) {
    cg_dtype dt = f ? CG_F32 : CG_F64;
    dbufs in, want;
    dbufs_alloc(&in, &k);
    dbufs_alloc(&want, &k);
    for (int i = 0; i < 63; i++) in.v[0][i] = rd(urand(-3, 3), dt), in.v[1][i] = i % 4 != 1;
    for (int r = 0; r < 3; r++) in.v[2][r] = 3.0;
    for (int i = 0; i < 63; i++) want.v[3][i] = in.v[1][i] ? exp(in.v[0][i] - 3.0) : 0.0;
    run_check(&k, dt, &in, &want, 1, 0);
    dbufs_free(&in);
    dbufs_free(&want);
  }
  free(k.body.v);
}

/* A rank-0 kernel and an empty domain. */
static void test_degenerate(void) {
  kir_kernel k;
  kb_init(&k, "scalar0", 0, NULL);
  kb_buf(&k, 1, 0);
  kb_buf(&k, 1, 1);
  STORE(&k, 1, 0, OP(&k, KIR_TANH, LOAD(&k, 0, 0, 0), 0, 0), 0);
  dbufs in, want;
  dbufs_alloc(&in, &k);
  dbufs_alloc(&want, &k);
  in.v[0][0] = 0.5;
  want.v[1][0] = tanh(0.5);
  run_check(&k, CG_F64, &in, &want, 1, 0);
  run_check(&k, CG_F32, &in, &want, 1, 0);
  dbufs_free(&in);
  dbufs_free(&want);
  free(k.body.v);

  kb_init(&k, "empty0", 2, (const int64_t[]){0, 5});
  kb_buf(&k, 0, 0);
  kb_buf(&k, 0, 1);
  STORE(&k, 1, 0, OP(&k, KIR_EXP, LOAD(&k, 0, 0, 5, 1), 0, 0), 5, 1);
  char *t = kir_to_mlir(&k, CG_F32, &pt_options()->emit), *err = NULL;
  xl_jit *j = jit_compile(t, k.name, &err);
  CHECK(j, "empty kernel: %s", err ? err : "?");
  if (j) ((kir_fn)jit_fn(j))(NULL, 0, 0);
  jit_free(j);
  free(err);
  free(t);
  free(k.body.v);
}

/* ---- every fused kernel the planner makes for stdlib entries ---- */

typedef struct {
  int kernels, bad;
  double ms;
} plan_stats;

/* Each kernel on random inputs in [0.05, 1) (NaN and inf from log/div compare equal), jit vs
   kir_interp, relative to max(1, |ref|). */
static void check_plan(const kp_plan *p, const char *tag, plan_stats *ps) {
  for (int si = 0; si < p->steps.n; si++) {
    const kp_step *st = &p->steps.v[si];
    if (st->body) check_plan(st->body, tag, ps);
    if (st->kind != KP_KERNEL) continue;
    const kir_kernel *k = st->kir;
    for (int f = 0; f < 2; f++) {
      cg_dtype dt = f ? CG_F32 : CG_F64;
      double tol = f ? 2e-6 : 1e-12;
      char *text = kir_to_mlir(k, dt, &pt_options()->emit), *err = NULL;
      double t0 = now_ms();
      xl_jit *j = jit_compile(text, k->name, &err);
      ps->ms += now_ms() - t0;
      ps->kernels++;
      CHECK(j, "%s %s: %s", tag, k->name, err ? err : "?");
      free(err);
      free(text);
      if (!j) continue;
      void *jb[KIR_MAXBUF], *ib[KIR_MAXBUF];
      for (int b = 0; b < k->nbuf; b++) {
        double *v = malloc(((size_t)k->buf_numel[b] + 1) * sizeof(double));
        for (int64_t i = 0; i < k->buf_numel[b]; i++) v[i] = urand(0.05, 1);
        jb[b] = typed_copy(v, k->buf_numel[b], dt);
        ib[b] = typed_copy(v, k->buf_numel[b], dt);
        free(v);
      }
      int pd = kir_par_dim(k);
      int64_t n = pd >= 0 ? k->dim[pd] : 1;
      kir_fn fn = (kir_fn)jit_fn(j);
      fn(jb, 0, n / 2);
      fn(jb, n / 2, n);
      kir_interp(k, dt, ib);
      int bad = 0;
      for (int b = 0; b < k->nbuf; b++)
        for (int64_t i = 0; k->buf_out[b] == 1 && i < k->buf_numel[b]; i++) { /* not local scratch */
          double g = typed_get(jb[b], i, dt), r = typed_get(ib[b], i, dt);
          if (!close_enough(g, r, fabs(r) > 1 ? tol : 0, fabs(r) > 1 ? 0 : tol) && bad++ < 3)
            fprintf(stderr, "  %s %s %s b%d[%lld]: jit %.17g, kir_interp %.17g\n", tag, k->name,
                    f ? "f32" : "f64", b, (long long)i, g, r);
        }
      if (bad) {
        ps->bad++;
        kir_dump(k, stderr);
      }
      CHECK(bad == 0, "%s %s %s: %d mismatches", tag, k->name, f ? "f32" : "f64", bad);
      for (int b = 0; b < k->nbuf; b++) {
        free(jb[b]);
        free(ib[b]);
      }
      jit_free(j);
    }
  }
}

static void test_stdlib_kernels(void) {
  static const struct {
    const char *entry, *sets[6];
  } entries[] = {
      {"slstm_cell", {"B=2", "T=5"}},
      {"mlstm_cell", {"B=2", "T=5"}},
      {"mlstm_block", {"B=2", "T=5", "E=32"}},
      {"xlstm_lm", {"B=2", "T=5", "V=11", "L=2", "slstm_at=[1]"}}, /* XLC_JIT_TEST_FULL=1 only */
  };
  size_t nentries = sizeof entries / sizeof entries[0] - (getenv("XLC_JIT_TEST_FULL") ? 0 : 1);
  const char *src = getenv("XLC_SOURCE_DIR"), *f = __FILE__, *cut = strstr(f, "tests/unit/");
  char *path = src && *src ? xl_fmt("%s/stdlib/xlstm.xl", src)
                           : xl_fmt("%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  const char *rerr = NULL;
  size_t len = 0;
  char *text = xl_read_file(path, &len, &rerr);
  CHECK(text, "cannot read %s: %s", path, rerr ? rerr : "?");
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = text ? lang_parse(&ar, path, text, &d) : NULL;
  plan_stats ps = {0};
  for (size_t e = 0; file && d.nerr == 0 && e < nentries; e++) {
    lang_set sets[6];
    char keys[6][32];
    int ns = 0;
    for (; ns < 6 && entries[e].sets[ns]; ns++) {
      const char *eq = strchr(entries[e].sets[ns], '=');
      snprintf(keys[ns], sizeof keys[ns], "%.*s", (int)(eq - entries[e].sets[ns]), entries[e].sets[ns]);
      sets[ns] = (lang_set){keys[ns], eq + 1};
    }
    xl_arena ga = {0};
    /* the pipeline through the kernel plan of the training graph (cotangent mode), without
       cg-opt: the kernels of the graph as lowered */
    xl_options o = *pt_options();
    o.cg_opt = 0;
    xl_request r = {0};
    r.ar = &ga, r.file = file, r.diag = &d, r.entry = entries[e].entry, r.sets = sets, r.nsets = ns;
    r.grad = XL_GRAD_COT, r.stop = XL_STAGE_KPLAN;
    xl_module m;
    char *err = NULL;
    int rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == 0, "%s: lowering and autodiff: %s", entries[e].entry, err ? err : "diagnostics above");
    if (rc == 0) {
      int before = ps.kernels;
      check_plan(m.plan, entries[e].entry, &ps);
      printf("  %s: %d kernels\n", entries[e].entry, (ps.kernels - before) / 2);
    }
    free(err);
    xl_module_free(&m);
    xl_arena_free(&ga);
  }
  printf("stdlib kernels (forward + backward, f32 and f64): %d compiled and checked against kir_interp, "
         "%d bad, %.1f ms compiling (%.2f ms each)\n", ps.kernels, ps.bad, ps.ms, ps.ms / (ps.kernels ? ps.kernels : 1));
  xl_arena_free(&ar);
  free(text);
  free(path);
}

/* ---- accuracy of the f32 approximations ---- */

static double r_erfc(double x) { return erfc(x); }
static double r_phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double r_gelu(double x) { return x * r_phi(x); }
static double r_gelu_d(double x) { return r_phi(x) + x * exp(-0.5 * x * x) / sqrt(2 * M_PI); }
static double r_silu(double x) { return x * sigm(x); }

typedef struct {
  const char *fn;
  double (*ref)(double);
  double lo, hi;  /* dense grid */
  double bound;   /* asserted max relative error (normal results) */
} approx_case;

static void test_accuracy(void) {
  static const approx_case cases[] = {
      {"exp", exp, -87.3, 88.7, 2.5e-7},
      {"log", log, 1e-6, 1e3, 2.5e-7},
      {"tanh", tanh, -10, 10, 2.5e-7},
      {"sigmoid", sigm, -87, 30, 2.5e-7},
      {"logsigmoid", logsig, -30, 100, 2.5e-7},
      {"erf", erf, -5, 5, 2.5e-7},
      {"erfc", r_erfc, 1, 9.1, 6e-7},
      {"phi", r_phi, -13, 8, 6e-7},
      {"silu", r_silu, -80, 80, 3e-7},
      {"gelu", r_gelu, -13, 8, 6e-7},
      {"gelu_d", r_gelu_d, -12, 8, 3e-7}, /* relative to max(|r|, 0.5), see below */
      {"log1p01", log1p, 0, 1, 2.5e-7},
  };
  const int64_t N = 1 << 21;
  float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
  printf("f32 approximation accuracy vs libm double (%lld points per range, + specials):\n", (long long)N);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const approx_case *a = &cases[c];
    char *t = kir_mlir_approx_test(a->fn, N), *err = NULL, fname[64];
    snprintf(fname, sizeof fname, "approx_%s", a->fn);
    xl_jit *j = jit_compile(t, fname, &err);
    CHECK(j, "%s: %s", a->fn, err ? err : "?");
    free(err);
    free(t);
    if (!j) continue;
    kir_fn fn = (kir_fn)jit_fn(j);
    double worst = 0, wx = 0, worst_small = 0, wsx = 0, worst_ulp = 0;
    /* three grids: uniform over [lo, hi], uniform near 0, and log-spaced magnitudes */
    for (int g = 0; g < 3; g++) {
      for (int64_t i = 0; i < N; i++) {
        double u = (double)i / (double)(N - 1);
        if (g == 0) x[i] = (float)(a->lo + (a->hi - a->lo) * u);
        else if (g == 1) x[i] = (float)(a->lo + (a->hi - a->lo) * (0.5 + (u - 0.5) * 1e-3));
        else {
          double mag = pow(10.0, -30 + 32 * u);
          x[i] = (float)((i & 1) ? -mag : mag);
          if (x[i] < a->lo || x[i] > a->hi) x[i] = (float)a->lo;
        }
      }
      void *bufs[2] = {x, y};
      fn(bufs, 0, N);
      for (int64_t i = 0; i < N; i++) {
        double r = a->ref((double)x[i]);
        if (!isfinite(r) || fabs(r) < 1.2e-38 || fabs(r) > 3.4e38) continue;
        double e = fabs((double)y[i] - r) / fabs(r);
        /* gelu_d = Phi + x phi cancels around its zero at x = -0.75 (terms ~0.22 each):
           judge it relative to max(|r|, 0.5) */
        if (!strcmp(a->fn, "gelu_d")) e = fabs((double)y[i] - r) / fmax(fabs(r), 0.5);
        int ex;
        frexp(r, &ex);
        double ulps = fabs((double)y[i] - r) / ldexp(1.0, ex - 24); /* float ulp of r */
        if (ulps > worst_ulp && strcmp(a->fn, "gelu_d")) worst_ulp = ulps;
        if (e > worst) worst = e, wx = x[i];
        if (fabs(x[i]) < 1e-3 && e > worst_small) worst_small = e, wsx = x[i];
      }
    }
    char ulp[32] = "n/a";
    if (strcmp(a->fn, "gelu_d")) snprintf(ulp, sizeof ulp, "%.2f", worst_ulp);
    printf("  %-10s max rel err %.3g at x = %.9g (max %s ulp); |x| < 1e-3: %.3g at %.9g\n", a->fn, worst, wx, ulp,
           worst_small, wsx);
    CHECK(worst <= a->bound, "%s: max rel err %.3g > %.3g at x = %.9g", a->fn, worst, a->bound, wx);
    /* specials */
    static const float sp[] = {INFINITY, -INFINITY, NAN, -0.0f, 0.0f, 1e-30f, -1e-30f, 1e-40f, 3e38f, -3e38f};
    int ns = sizeof sp / sizeof sp[0];
    for (int i = 0; i < N; i++) x[i] = sp[i % ns];
    void *bufs[2] = {x, y};
    fn(bufs, 0, ns);
    for (int i = 0; i < ns; i++) {
      if (!strcmp(a->fn, "erfc") || !strcmp(a->fn, "log1p01")) break; /* restricted domains */
      double r = a->ref((double)sp[i]);
      int ok;
      if (isnan(r)) ok = isnan(y[i]);
      else if (isinf(r) || r == 0) ok = (double)y[i] == r && !signbit(y[i]) == !signbit(r);
      else ok = fabs((double)y[i] - r) <= 3e-7 * fabs(r) || (fabs(r) < 1.2e-38 && fabs(y[i]) < 1.2e-38);
      if (!strcmp(a->fn, "gelu") && isinf(sp[i]) && sp[i] < 0) ok = isnan(y[i]) || y[i] == 0; /* -inf * 0 */
      if (!strcmp(a->fn, "gelu_d") && isinf(sp[i])) ok = 1; /* inf * 0 in the reference formula */
      if (!strcmp(a->fn, "silu") && isinf(sp[i]) && sp[i] < 0) ok = isnan(y[i]) || y[i] == 0;
      CHECK(ok, "%s(%g) = %.9g, want %.9g", a->fn, (double)sp[i], (double)y[i], r);
    }
    jit_free(j);
  }
  /* forget-gate range: logsigmoid(x) in [-0.05, -0.002] (x in [3, 6.2]); relative error */
  {
    char *t = kir_mlir_approx_test("logsigmoid", N), *err = NULL;
    xl_jit *j = jit_compile(t, "approx_logsigmoid", &err);
    free(t);
    free(err);
    if (j) {
      for (int64_t i = 0; i < N; i++) x[i] = (float)(3.0 + 3.2 * (double)i / (double)N);
      void *bufs[2] = {x, y};
      ((kir_fn)jit_fn(j))(bufs, 0, N);
      double worst = 0, s = 0, sr = 0;
      for (int64_t i = 0; i < N; i++) {
        double r = logsig((double)x[i]), e = fabs((y[i] - r) / r);
        if (e > worst) worst = e;
        s += y[i], sr += r;
      }
      printf("  logsigmoid on [3, 6.2] (forget gates -0.05..-0.002): max rel %.3g, rel err of the sum %.3g\n",
             worst, fabs(s - sr) / fabs(sr));
      CHECK(worst <= 2.5e-7, "logsigmoid forget-gate range: %.3g", worst);
      jit_free(j);
    }
  }
  /* exp never returns a subnormal (they cost a microcode assist per operation): below
     e^-87.33 (just above FLT_MIN) it gives exactly +0, above it a normal number no smaller
     than FLT_MIN; -inf (masks) gives +0, and the result does not increase as x decreases */
  {
    char *t = kir_mlir_approx_test("exp", N), *err = NULL;
    xl_jit *j = jit_compile(t, "approx_exp", &err);
    free(t);
    free(err);
    CHECK(j, "exp approximation compiles");
    if (j) {
      int64_t n = 1 << 16, bad = 0, nonmono = 0, zeros = 0;
      for (int64_t i = 0; i < n; i++) x[i] = (float)(-150.0 + 70.0 * (double)i / (double)(n - 1));
      x[n] = -INFINITY;
      void *bufs[2] = {x, y};
      ((kir_fn)jit_fn(j))(bufs, 0, n + 1);
      for (int64_t i = 0; i <= n; i++) {
        if (y[i] == 0) zeros++;
        if (!(y[i] == 0 || y[i] >= FLT_MIN) || signbit(y[i])) bad++;
        if (i > 0 && i < n && y[i] < y[i - 1]) nonmono++;
        if (x[i] >= -87.3f && !(y[i] >= FLT_MIN)) bad++;
      }
      printf("  exp on [-150, -80] and -inf: %lld zeros, %lld subnormal or negative, %lld decreasing steps\n",
             (long long)zeros, (long long)bad, (long long)nonmono);
      CHECK(bad == 0 && nonmono == 0, "exp: %lld subnormal/negative results, %lld non-monotone", (long long)bad,
            (long long)nonmono);
      CHECK(y[n] == 0 && !signbit(y[n]) && zeros > n / 2, "exp(-inf) = %g, %lld zeros", (double)y[n], (long long)zeros);
      jit_free(j);
    }
  }
  free(x);
  free(y);
}

/* ---- vectorization, cache, errors, speed ---- */

static kir_kernel sigmoid_kernel(int64_t n) {
  kir_kernel k;
  kb_init(&k, "sigmoid_1d", 1, (const int64_t[]){n});
  kb_buf(&k, n, 0);
  kb_buf(&k, n, 1);
  STORE(&k, 1, 0, OP(&k, KIR_SIGMOID, LOAD(&k, 0, 0, 1), 0, 0), 1);
  return k;
}

static void test_vectorized(void) {
  kir_kernel k = sigmoid_kernel(1000);
  char *t = kir_to_mlir(&k, CG_F32, &pt_options()->emit), *err = NULL;
  /* the width kernels are written for (XLC_VECTOR_BITS, else the host's): 8 lanes in ymm
     registers, or 16 in zmm registers (not split into halves by LLVM) */
  int w = jit_vector_bits();
  const char *vt = w == 512 ? "<16 x float>" : "<8 x float>", *reg = w == 512 ? "zmm" : "ymm";
  CHECK(w == 256 || w == 512, "jit_vector_bits() = %d", w);
  /* the emitter reads the host's width from the CPU (compiler/kir_mlir.c, no LLVM): as LLVM does */
  CHECK(kir_host_vector_bits() == jit_host_vector_bits(), "host vector width: emitter %d, LLVM %d",
        kir_host_vector_bits(), jit_host_vector_bits());
  char *ir = jit_emit(t, JIT_EMIT_LLVM_IR, &err);
  CHECK(ir && strstr(ir, vt), "optimized IR has no %s: %s", vt, err ? err : "");
  free(err);
  err = NULL;
  char *as = jit_emit(t, JIT_EMIT_ASM, &err);
  CHECK(as && strstr(as, reg), "assembly has no %s register: %s", reg, err ? err : "");
  free(err);
  err = NULL;
  char *ll = jit_emit(t, JIT_EMIT_LLVM_DIALECT, &err);
  CHECK(ll && strstr(ll, "llvm.func @sigmoid_1d"), "no llvm dialect text: %s", err ? err : "");
  int nv = 0, nvf = 0;
  for (const char *p = ir; p && (p = strstr(p, vt)); p++) nv++;
  for (const char *p = as; p && (p = strstr(p, reg)); p++) nvf++;
  const char *host = jit_host(), *sp = strchr(host, ' ');
  sp = sp ? strchr(sp + 1, ' ') : NULL;
  printf("vectorization (%d-bit vectors): optimized IR mentions %s %d times, assembly uses %s %d times (%.*s)\n", w,
         vt, nv, reg, nvf, sp ? (int)(sp - host) : (int)strlen(host), host);
  free(ir);
  free(as);
  free(ll);
  free(err);
  free(t);
  free(k.body.v);
}

/* The cache entry in dir that is not listed in `before` (a "\n"-joined list), or the list of
   all entries when before is NULL. */
static char *cache_entries(const char *dir, const char *before) {
  DIR *d = opendir(dir);
  char *acc = xl_strdup("");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (strncmp(de->d_name, "k-", 2) || strstr(de->d_name, ".tmp")) continue;
    if (before) {
      if (!strstr(before, de->d_name)) {
        free(acc);
        acc = xl_fmt("%s/%s", dir, de->d_name);
        break;
      }
      continue;
    }
    char *n = xl_fmt("%s%s\n", acc, de->d_name);
    free(acc);
    acc = n;
  }
  if (d) closedir(d);
  if (before && !strchr(acc, '/')) {
    free(acc);
    return NULL;
  }
  return acc;
}

static void test_cache(const char *dir) {
  kir_kernel k = sigmoid_kernel(4096);
  snprintf(k.name, sizeof k.name, "cache_probe_%ld", (long)getpid());
  char *t = kir_to_mlir(&k, CG_F32, &pt_options()->emit), *err = NULL;
  float *x = malloc(4096 * 4), *y = malloc(4096 * 4);
  for (int i = 0; i < 4096; i++) x[i] = (float)(i - 2048) / 256.0f;
  void *bufs[2] = {x, y};
  jit_stats_t s0 = jit_stats();
  char *before = cache_entries(dir, NULL);
  xl_jit *j1 = jit_compile(t, k.name, &err);
  CHECK(j1 && !jit_from_cache(j1), "first compile should be a miss (%s)", err ? err : "");
  char *path = cache_entries(dir, before);
  free(before);
  CHECK(path, "no cache file written in %s", dir);
  double ms1 = j1 ? jit_ms(j1) : 0;
  /* while j1 lives, the same text is neither compiled nor loaded again: it shares j1's code */
  jit_stats_t sa = jit_stats();
  xl_jit *js = jit_compile(t, k.name, &err);
  jit_stats_t sb = jit_stats();
  CHECK(js && j1 && jit_fn(js) == jit_fn(j1) && !jit_from_cache(js) && sb.shared == sa.shared + 1 &&
            sb.compiled == sa.compiled && sb.hits == sa.hits && sb.misses == sa.misses,
        "a text linked already is not shared");
  jit_free(js);
  jit_free(j1); /* the last handle: the code goes, the next compile reads the disk cache */
  xl_jit *j2 = jit_compile(t, k.name, &err);
  CHECK(j2 && jit_from_cache(j2), "second compile should be a hit");
  if (j2) {
    printf("cache: miss %.2f ms, hit %.2f ms\n", ms1, jit_ms(j2));
    CHECK(jit_ms(j2) < ms1, "hit (%.2f ms) not faster than miss (%.2f ms)", jit_ms(j2), ms1);
    ((kir_fn)jit_fn(j2))(bufs, 0, 4096);
    CHECK(fabs(y[100] - sigm(x[100])) < 1e-6, "cached kernel computes %g", y[100]);
  }
  jit_free(j2);
  /* truncate the entry: it must be recompiled (and rewritten), never trusted */
  for (int round = 0; round < 2 && path; round++) {
    struct stat st;
    stat(path, &st);
    if (round == 0) CHECK(truncate(path, st.st_size / 2) == 0, "truncate");
    else {
      FILE *f = fopen(path, "r+b"); /* flip a byte inside the object */
      fseek(f, st.st_size - 100, SEEK_SET);
      int c = fgetc(f);
      fseek(f, st.st_size - 100, SEEK_SET);
      fputc(c ^ 0x5a, f);
      fclose(f);
    }
    jit_stats_t a = jit_stats();
    xl_jit *j3 = jit_compile(t, k.name, &err);
    jit_stats_t b = jit_stats();
    CHECK(j3 && !jit_from_cache(j3) && b.corrupt == a.corrupt + 1, "damaged entry (round %d) not recompiled", round);
    if (j3) {
      memset(y, 0, 4096 * 4);
      ((kir_fn)jit_fn(j3))(bufs, 0, 4096);
      CHECK(fabs(y[3000] - sigm(x[3000])) < 1e-6, "recompiled kernel computes %g", y[3000]);
    }
    jit_free(j3);
    xl_jit *j4 = jit_compile(t, k.name, &err);
    CHECK(j4 && jit_from_cache(j4), "rewritten entry (round %d) is not a hit", round);
    jit_free(j4);
  }
  jit_stats_t s1 = jit_stats();
  printf("cache stats: %ld hits, %ld misses, %ld corrupt; %.1f ms compiling, %.1f ms loading (whole test so far)\n",
         s1.hits, s1.misses, s1.corrupt, s1.compile_ms, s1.load_ms);
  CHECK(s1.hits >= s0.hits + 3, "hits %ld", s1.hits - s0.hits);
  free(path);
  free(x);
  free(y);
  free(t);
  free(err);
  free(k.body.v);
}

static void test_errors(void) {
  char *err = NULL;
  xl_jit *j = jit_compile("func.func @f( {", "f", &err);
  CHECK(!j && err && strstr(err, "parse"), "bad text: %s", err ? err : "(no error)");
  free(err);
  err = NULL;
  j = jit_compile("func.func @f() { return }", "g", &err);
  CHECK(!j && err, "missing symbol: no error");
  free(err);
}

static void bench(void) {
  const int64_t N = 1 << 20;
  float *x = malloc(N * 4), *y = malloc(N * 4);
  for (int64_t i = 0; i < N; i++) x[i] = (float)urand(-8, 8);
  void *bufs[2] = {x, y};
  static const char *fns[] = {"sigmoid", "exp", "tanh", "logsigmoid", "gelu", "log"};
  printf("microbenchmark, %lld floats, ns/element (best of 20):", (long long)N);
  for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
    char *t = kir_mlir_approx_test(fns[f], N), name[64];
    snprintf(name, sizeof name, "approx_%s", fns[f]);
    xl_jit *j = jit_compile(t, name, NULL);
    free(t);
    if (!j) continue;
    kir_fn fn = (kir_fn)jit_fn(j);
    double best = 1e30;
    for (int r = 0; r < 20; r++) {
      double t0 = now_ms();
      fn(bufs, 0, N);
      double dt = now_ms() - t0;
      if (dt < best) best = dt;
    }
    printf(" %s %.3f", fns[f], best * 1e6 / (double)N);
    jit_free(j);
  }
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
    double t0 = now_ms();
    for (int64_t i = 0; i < N; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
    double dt = now_ms() - t0;
    if (dt < best) best = dt;
  }
  printf("; libm expf sigmoid loop %.3f\n", best * 1e6 / (double)N);
  free(x);
  free(y);
}

static void rm_rf(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char *p = xl_fmt("%s/%s", dir, de->d_name);
    unlink(p);
    free(p);
  }
  if (d) closedir(d);
  rmdir(dir);
}

/* the bytes of file dir/name (NULL if unreadable), *n its length */
static char *slurp(const char *dir, const char *name, long *n) {
  char *p = xl_fmt("%s/%s", dir, name);
  FILE *f = fopen(p, "rb");
  free(p);
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)*n + 1);
  if (fread(b, 1, (size_t)*n, f) != (size_t)*n) *n = -1;
  fclose(f);
  return b;
}

/* 1 if directories a and b hold the same files with the same bytes (and at least one) */
static int same_dirs(const char *a, const char *b) {
  int same = 1, files = 0;
  for (int pass = 0; pass < 2; pass++) { /* every file of a in b, and of b in a */
    const char *x = pass ? b : a, *y = pass ? a : b;
    DIR *d = opendir(x);
    struct dirent *de;
    while (d && (de = readdir(d))) {
      if (de->d_name[0] == '.') continue;
      long nx = 0, ny = 0;
      char *bx = slurp(x, de->d_name, &nx), *by = slurp(y, de->d_name, &ny);
      files += !pass;
      if (!bx || !by || nx != ny || nx < 0 || memcmp(bx, by, (size_t)nx)) same = 0;
      free(bx);
      free(by);
    }
    if (d) closedir(d);
  }
  return same && files > 0;
}

/* jit_compile_batch, as cpu_prepare uses it: repeated texts compiled once and sharing their
   code, a module that does not parse failing alone with its error, a second batch compiling
   nothing (disk cache), and the cache entries written by 3 workers byte-identical to those
   written by 1 (the worker pool runs in the ASan build too). */
static void test_batch(void) {
  enum { NK = 5, NR = 13, BAD = 7 };
  char *text[NK];
  kir_kernel k[NK];
  int64_t nel[NK];
  for (int i = 0; i < NK; i++) {
    nel[i] = 1000 + 8 * i; /* the texts differ in a size only */
    k[i] = sigmoid_kernel(nel[i]);
    snprintf(k[i].name, sizeof k[i].name, "xlk");
    text[i] = kir_to_mlir(&k[i], CG_F32, &pt_options()->emit);
  }
  char dirs[2][64];
  const int workers[2] = {3, 1};
  float *x = malloc(1100 * 4), *y = malloc(1100 * 4);
  for (int i = 0; i < 1100; i++) x[i] = (float)(i - 550) / 64.0f;
  for (int w = 0; w < 2; w++) {
    snprintf(dirs[w], sizeof dirs[w], "/tmp/xlc-jit-batch-XXXXXX");
    if (!mkdtemp(dirs[w])) {
      CHECK(0, "mkdtemp");
      return;
    }
    xl_options o = *pt_options();
    o.cache_dir = dirs[w];
    jit_configure(&o);
    for (int round = 0; round < 2; round++) {
      jit_req r[NR];
      memset(r, 0, sizeof r);
      for (int m = 0; m < NR; m++) {
        r[m].text = m == BAD ? "func.func @xlk( {" : text[m % NK];
        r[m].fn_name = "xlk";
      }
      jit_stats_t s0 = jit_stats();
      int rc = jit_compile_batch(r, NR, workers[w]);
      jit_stats_t s1 = jit_stats();
      CHECK(rc == -1 && !r[BAD].jit && r[BAD].err && strstr(r[BAD].err, "parse"), "workers %d: bad module: %s",
            workers[w], r[BAD].err ? r[BAD].err : "(no error)");
      long want_compiled = round ? 0 : NK;
      CHECK(s1.compiled - s0.compiled == want_compiled && s1.hits - s0.hits == (round ? NK : 0) &&
                s1.shared - s0.shared == NR - 1 - NK,
            "workers %d round %d: %ld compiled, %ld hits, %ld shared", workers[w], round, s1.compiled - s0.compiled,
            s1.hits - s0.hits, s1.shared - s0.shared);
      for (int m = 0; m < NR; m++) {
        if (m == BAD) continue;
        CHECK(r[m].jit && !r[m].err, "workers %d: request %d: %s", workers[w], m, r[m].err ? r[m].err : "?");
        if (!r[m].jit) continue;
        CHECK(!r[m % NK].jit || jit_fn(r[m].jit) == jit_fn(r[m % NK].jit), "request %d does not share its code", m);
        memset(y, 0, 1100 * 4);
        void *bufs[2] = {x, y};
        int64_t n = nel[m % NK];
        ((kir_fn)jit_fn(r[m].jit))(bufs, 0, n);
        CHECK(fabs(y[n - 1] - sigm(x[n - 1])) < 1e-6 && y[n] == 0, "request %d computes %g", m, y[n - 1]);
      }
      for (int m = 0; m < NR; m++) {
        jit_free(r[m].jit);
        free(r[m].err);
      }
    }
  }
  CHECK(same_dirs(dirs[0], dirs[1]), "the cache entries of 3 workers differ from those of 1");
  jit_configure(pt_options());
  for (int w = 0; w < 2; w++) rm_rf(dirs[w]);
  for (int i = 0; i < NK; i++) {
    free(text[i]);
    free(k[i].body.v);
  }
  free(x);
  free(y);
}

int main(void) {
  char dir[] = "/tmp/xlc-jit-test-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  setenv("XLC_CACHE_DIR", dir, 1);
  jit_configure(pt_options()); /* the JIT as xlc's main sets it up: the cache dir, XLC_VECTOR_BITS */
  CHECK(jit_cache_dir() && !strcmp(jit_cache_dir(), dir), "cache dir %s", jit_cache_dir() ? jit_cache_dir() : "");
  printf("pipeline: %s\n", jit_pipeline());

  const int64_t widths[] = {1, 7, 8, 13, 64};
  for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) test_chain(3, widths[i]);
  test_unary_ops(13);
  test_unary_ops(40);
  test_binary_ops(13);
  test_binary_ops(1);
  const int64_t cols[] = {2, 4, 5, 13, 37, 64}; /* 4, 5: rows of 4 lanes (kir_mlir set_lanes) */
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
    for (int kind = 0; kind < 4; kind++) {
      test_reduce(kind, KIR_ADD, 5, cols[i]);
      test_reduce(kind, KIR_MAX, 5, cols[i]);
    }
  test_reduce(1, KIR_ADD, 11, 13);
  test_sink(KIR_ADD, 3, 4, 8, 0);
  test_sink(KIR_ADD, 2, 3, 13, 0);
  test_sink(KIR_MAX, 3, 2, 21, 0);
  test_sink(KIR_ADD, 2, 2, 5, 0); /* 4 lanes */
  test_sink(KIR_ADD, 3, 4, 13, 1);
  test_sink(KIR_ADD, 3, 4, 3, 0); /* shorter than a vector: not sunk */
  test_blockdiag(64, 4, 0, 1); /* the mLSTM's q/k/v blocks */
  test_blockdiag(8, 4, 1, 1);
  test_blockdiag(4, 8, 0, 1);
  test_blockdiag(16, 2, 0, 1);
  test_blockdiag(5, 4, 0, 0); /* 20 outputs per row: not whole vectors, the general loops */
  test_blockdiag_dx(64, 4);
  test_blockdiag_dx(4, 8);
  test_blockdiag_wgrad(64, 4);
  test_blockdiag_wgrad(5, 4); /* whole vectors and single lanes */
  test_blockdiag_wgrad(9, 2);
  test_blockdiag_wgrad(3, 8);
  test_decode_split(13, 19, 3);
  test_decode_split(64, 37, 2);
  test_decode_split(1, 9, 2);
  test_decode_split(37, 32, 3); /* rows jammed on the split dimension, with remainders */
  test_decode_split(512, 128, 2);
  test_decode_split(20, 48, 4);
  test_masked_exp();
  test_nests(7, 13);
  test_nests(5, 32);
  test_nests(1, 3);
  test_degenerate();
  test_stdlib_kernels();
  test_errors();
  test_vectorized();
  test_accuracy();
  test_cache(dir);
  test_batch();
  bench();
  rm_rf(dir);
  printf("test_jit: %s\n", fails ? "FAILED" : "ok");
  return fails != 0;
}
