/* kir_mlir.c - KIR kernel -> MLIR module text (--stage=mlir), compiled by mlir_jit.c.
 *
 * Input: one verified kir_kernel and a dtype. Output: `func.func @<name>(%bufs: !llvm.ptr,
 * %lo: i64, %hi: i64)` (C ABI kir_fn in jit.h) in the func/scf/arith/math/memref/vector/llvm
 * dialects. Adjacent domain dimensions that every access walks contiguously are merged; the
 * outer dimensions become scf.for loops, the innermost one a vector loop (8 x f32 / 4 x f64:
 * stride 1 -> vector.load/store, 0 -> hoisted scalar load + broadcast, other -> gather/scatter)
 * plus a scalar remainder loop running the same op sequence, so every element gets the same
 * bits wherever it falls. A kernel of several loop nests (kir.h `next`) is one function running
 * them in order. f32 transcendentals are inline polynomial code (below); f64 ones call libm, and
 * so do log1p, expm1 and pow in both dtypes (one scalar call per vector lane). Each KIR op is
 * spelled by one sp_<OP> function, in a table generated from kir_ops.def/ops.def: a new KIR op
 * without its spelling does not compile. The data-dependent ops (INDEX, LOADX, STOREX) are
 * spelled by the loop emitter too: guarded scalar or lane-uniform vector accesses inside
 * scf.if, in plain loops (no reduced-block, jam or block-diagonal strategies in such nests).
 * No MLIR headers here: this file only prints text.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kir_mlir.h"

/* ---- f32 approximation coefficients ----
   Derived for this file with mpmath (Chebyshev-node near-minimax fits, mpmath.chebyfit at 50
   digits), then rounded to float; highest degree first. Measured against libm in double over
   dense grids (tests/unit/test_jit.c): max relative error about 1e-7 for exp, log, tanh, erf,
   1.5e-7 for sigmoid and logsigmoid. */
/* e^r = 1 + r + r^2 Q(r), r in [-ln2/2, ln2/2] (fit error 6.5e-8 of Q -> 1.1e-8 of e^r) */
static const float EXP_Q[5] = {0x1.6d10fcp-10f, 0x1.120b62p-7f, 0x1.55551ap-5f, 0x1.5554dep-3f, 0x1.000000p-1f};
/* log(1+f) = f - f^2/2 + f^3 R(f), f in [sqrt(1/2)-1, sqrt(2)-1] (relative 4e-8) */
static const float LOG_R[8] = {-0x1.43b246p-4f, 0x1.02814ep-3f, -0x1.0a33eap-3f, 0x1.231ce6p-3f,
                               -0x1.54d03ep-3f, 0x1.999f14p-3f,  -0x1.0000cep-2f, 0x1.555554p-2f};
/* tanh(a) = a + a^3 R(a^2), a in [0, 0.9] (relative 4e-10) */
static const float TANH_R[7] = {-0x1.10d08ep-11f, 0x1.69a4aep-9f,  -0x1.14eb0ep-7f, 0x1.648194p-6f,
                                -0x1.b9fd82p-5f,  0x1.1110b2p-3f, -0x1.555554p-2f};
/* erf(a) = a + a P(a^2), a in [0, 1] (P = erf(a)/a - 1; relative 1.1e-9) */
static const float ERF_P[7] = {0x1.4a5690p-14f, -0x1.a45088p-11f, 0x1.541270p-8f, -0x1.b7fabap-6f,
                               0x1.ce2d10p-4f,  -0x1.81273ep-2f,  0x1.06eba8p-3f};
/* erfc(z) = exp(-z^2) G(t), t = 1/(1 + z/2), z in [1, 9.3] (G = erfcx; relative 3e-10) */
static const float ERFC_G[10] = {-0x1.30b3acp-4f, 0x1.694202p-2f, -0x1.3b9442p-1f, 0x1.a83470p-2f,
                                 -0x1.d502a6p-4f, 0x1.e89206p-3f, 0x1.def56cp-3f,  0x1.22a164p-2f,
                                 0x1.20babep-2f,  0x1.2bd1a8p-18f};
static const float LN2_HI = 0x1.62e430p-1f, LN2_LO = -0x1.05c610p-29f; /* ln2 = HI + LO */

/* ---- text emission ---- */

typedef struct {
  char *p;
  size_t n, cap;
} sbuf;

static void sb_vput(sbuf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (b->n + (size_t)n + 1 > b->cap) {
    b->cap = (b->n + (size_t)n + 1) * 2;
    b->p = xl_realloc(b->p, b->cap);
  }
  vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
  b->n += (size_t)n;
}

static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vput(b, fmt, ap);
  va_end(ap);
}

typedef struct {
  const char *ty, *lit, *name;
} kconst;

/* The domain after merging dimensions: dim/red per merged dimension, st[i][d] the stride of
   body instruction i (loads and stores only); pdim is the merged dimension whose leading
   original dimension is kir_par_dim (its index range is [lo*pf, hi*pf)), or -1. */
typedef struct {
  int nd;
  int64_t dim[KIR_MAXDIM];
  int red[KIR_MAXDIM];
  int64_t (*st)[KIR_MAXDIM];
  int pdim;
  int64_t pf;
  int scan; /* the merged dimension a scan nest scans (never merged with another), or -1 */
} dom;

typedef struct {
  const kir_kernel *k;
  dom D;
  int f64;
  int VL;          /* lanes of the vector loop */
  sbuf consts;     /* constants, printed at the top of the function */
  sbuf body;
  int depth;       /* indentation */
  int sink_d;      /* first dimension of the reduced block summed in registers (sink), or -1 */
  int sink;        /* emit_body: the reducing store combines into the loop-carried accumulator */
  int blockdiag;   /* the nest is a block-diagonal product (1, emit_blockdiag) or its weight gradient (2) */
  const char *scan_iv;  /* a scan along an outer loop: that loop's counter (0 first) */
  const char *scan_acc; /* a scan along the innermost loop: the running value carried by it */
  const char *scan_new; /* the running value after the scan store of the current pass */
  int ntmp;
  xl_arena arena;  /* value names */
  XL_VEC(kconst) ktab;
  int need[5];     /* libm functions declared (LIBM64/LIBM32): tanh, erf, log1p, expm1, pow */
  /* the current mode: scalar (vl == 1) or vector */
  int vl;
  const char *ft, *it, *bt; /* float, same-width int and i1 types of the mode */
  char vft[24], vit[24], vbt[24];
  const char *sft, *sit;
  /* per body instruction */
  const char **val;   /* value in the current mode */
  const char **hoist; /* inner-stride-0 loads: scalar value loaded before the inner loops */
  const char **hoistv;
  const char **mem;   /* buffer memrefs (%m<i>), NULL when unused */
  char memty[KIR_MAXBUF][40];
  const kir_emit_opts *eo; /* the emitter's switches (options.h) */
  /* nests with data-dependent accesses (INDEX, LOADX, STOREX): plain loops only */
  int xnest;
  char *vary;         /* per body instruction: its value differs along the vectorized dimension */
  const char **iv;    /* emit_inner: the outer loops' indices (INDEX reads them) */
} E;

static const char *fresh(E *e, const char *prefix) {
  char buf[48];
  snprintf(buf, sizeof buf, "%%%s%d", prefix, e->ntmp++);
  return xl_arena_strdup(&e->arena, buf);
}

static void line(E *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(E *e, const char *fmt, ...) {
  sb_put(&e->body, "%*s", 2 * e->depth, "");
  va_list ap;
  va_start(ap, fmt);
  sb_vput(&e->body, fmt, ap);
  va_end(ap);
  sb_put(&e->body, "\n");
}

/* %tN = <text>; returns %tN */
static const char *val(E *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *val(E *e, const char *fmt, ...) {
  const char *n = fresh(e, "t");
  sb_put(&e->body, "%*s%s = ", 2 * e->depth, "", n);
  va_list ap;
  va_start(ap, fmt);
  sb_vput(&e->body, fmt, ap);
  va_end(ap);
  sb_put(&e->body, "\n");
  return n;
}

/* ---- the default vector width (kir_mlir.h) ---- */

static atomic_int set_vbits;  /* kir_set_vector_bits's width, 0: none */
static atomic_int host_vbits; /* 0 until first read */

int kir_host_vector_bits(void) {
  int v = atomic_load(&host_vbits);
  if (!v) { /* the same answer on every thread: a race only computes it twice */
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512f") ? 512 : 256;
#else
    v = 256;
#endif
    atomic_store(&host_vbits, v);
  }
  return v;
}

void kir_set_vector_bits(int bits) { atomic_store(&set_vbits, bits == 256 || bits == 512 ? bits : 0); }

int kir_vector_bits(void) {
  int v = atomic_load(&set_vbits);
  return v ? v : kir_host_vector_bits();
}

/* Full lanes: a vector of eo->vector_bits, 0: kir_vector_bits() (8 or 16 f32, 4 or 8 f64). */
static int full_lanes(const E *e) {
  return (e->eo->vector_bits ? e->eo->vector_bits : kir_vector_bits()) / (e->f64 ? 64 : 32);
}

/* The lanes of vector mode: full, or for a nest whose innermost loop is shorter than a vector
   but at least 4 f32 / 2 f64 long and not the split one, the widest power of two it fills (the
   4 x 4 blocks of a head-wise projection: 4 f32 lanes instead of a scalar loop). */
static void set_lanes(E *e, int vl) {
  e->VL = vl;
  snprintf(e->vft, sizeof e->vft, "vector<%dx%s>", vl, e->sft);
  snprintf(e->vit, sizeof e->vit, "vector<%dx%s>", vl, e->sit);
  snprintf(e->vbt, sizeof e->vbt, "vector<%dxi1>", vl);
}

static void set_mode(E *e, int vector) {
  e->vl = vector ? e->VL : 1;
  e->ft = vector ? e->vft : e->sft;
  e->it = vector ? e->vit : e->sit;
  e->bt = vector ? e->vbt : "i1";
}

/* A constant of type ty with the given literal (which identifies the value exactly); one
   definition per (type, literal). */
static const char *kdef(E *e, const char *ty, const char *lit) {
  for (int i = 0; i < e->ktab.n; i++)
    if (!strcmp(e->ktab.v[i].lit, lit) && !strcmp(e->ktab.v[i].ty, ty)) return e->ktab.v[i].name;
  kconst c;
  c.ty = xl_arena_strdup(&e->arena, ty);
  c.lit = xl_arena_strdup(&e->arena, lit);
  c.name = fresh(e, "c");
  if (strchr(ty, '<')) sb_put(&e->consts, "    %s = arith.constant dense<%s> : %s\n", c.name, lit, ty);
  else sb_put(&e->consts, "    %s = arith.constant %s : %s\n", c.name, lit, ty);
  xl_vec_push(e->ktab, c);
  return c.name;
}

/* float constant of the mode's type */
static const char *K(E *e, double v) {
  char lit[48];
  if (e->f64) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    if (isfinite(v)) snprintf(lit, sizeof lit, "%.16e", v);
    else snprintf(lit, sizeof lit, "0x%016llX", (unsigned long long)bits);
  } else {
    float f = (float)v;
    uint32_t b;
    memcpy(&b, &f, 4);
    if (isfinite(f)) snprintf(lit, sizeof lit, "%.8e", (double)f);
    else snprintf(lit, sizeof lit, "0x%08X", b);
  }
  return kdef(e, e->ft, lit);
}

static const char *KI(E *e, int64_t v) { /* int constant of the mode's int type */
  char lit[32];
  snprintf(lit, sizeof lit, "%lld", (long long)v);
  return kdef(e, e->it, lit);
}

static const char *IX(E *e, int64_t v) { /* index constant */
  char lit[32];
  snprintf(lit, sizeof lit, "%lld", (long long)v);
  return kdef(e, "index", lit);
}

/* ---- arith helpers in the current mode ---- */

static const char *bin(E *e, const char *op, const char *a, const char *b) {
  return val(e, "%s %s, %s : %s", op, a, b, e->ft);
}
static const char *add(E *e, const char *a, const char *b) { return bin(e, "arith.addf", a, b); }
static const char *sub(E *e, const char *a, const char *b) { return bin(e, "arith.subf", a, b); }
static const char *mul(E *e, const char *a, const char *b) { return bin(e, "arith.mulf", a, b); }
static const char *dvd(E *e, const char *a, const char *b) { return bin(e, "arith.divf", a, b); }
static const char *fma_(E *e, const char *a, const char *b, const char *c) {
  return val(e, "math.fma %s, %s, %s : %s", a, b, c, e->ft);
}
static const char *un(E *e, const char *op, const char *a) { return val(e, "%s %s : %s", op, a, e->ft); }
static const char *cmp(E *e, const char *pred, const char *a, const char *b) {
  return val(e, "arith.cmpf %s, %s, %s : %s", pred, a, b, e->ft);
}
static const char *sel(E *e, const char *c, const char *a, const char *b) {
  if (e->vl > 1) return val(e, "arith.select %s, %s, %s : %s, %s", c, a, b, e->bt, e->ft);
  return val(e, "arith.select %s, %s, %s : %s", c, a, b, e->ft);
}
static const char *bor(E *e, const char *a, const char *b) { return val(e, "arith.ori %s, %s : %s", a, b, e->bt); }
static const char *ibin(E *e, const char *op, const char *a, const char *b) {
  return val(e, "%s %s, %s : %s", op, a, b, e->it);
}
static const char *f2i(E *e, const char *a) { return val(e, "arith.bitcast %s : %s to %s", a, e->ft, e->it); }
static const char *i2f(E *e, const char *a) { return val(e, "arith.bitcast %s : %s to %s", a, e->it, e->ft); }
static const char *isnan_(E *e, const char *a) { return cmp(e, "uno", a, a); }

static const char *horner(E *e, const float *c, int n, const char *x) {
  const char *p = K(e, c[0]);
  for (int i = 1; i < n; i++) p = fma_(e, p, x, K(e, c[i]));
  return p;
}

/* a > hi ? hi : a, NaN stays NaN */
static const char *clamp_hi(E *e, const char *a, double hi) { return sel(e, cmp(e, "ogt", a, K(e, hi)), K(e, hi), a); }

/* ---- f32 approximations ---- */

/* exp: n = round(x/ln2) (by the 1.5*2^23 trick, which also gives n's bits), r = x - n ln2 in
   two FMA steps, e^r by EXP_Q, times 2^n as two exact power-of-two factors (n up to 128
   overflows to inf). Results that would be subnormal are flushed to 0: x below -87.33
   (e^-87.33 = 1.18e-38, just above FLT_MIN; there n = -126 and r > 0, so the product stays
   normal) gives exactly 0, and no operation on the way produces or underflows into a
   subnormal. That matters for speed, not only for range: an x86 core takes a microcode
   assist of ~100 cycles on every multiply that underflows, and masked scores (-inf) reach
   exp on every causal mask element (the chunkwise mLSTM kernels ran 3x slower before). */
#define EXP_LO (-87.33)
static const char *ap_exp(E *e, const char *x) {
  const char *xc = sel(e, cmp(e, "olt", x, K(e, 88.8)), x, K(e, 88.8)); /* NaN -> 88.8 */
  const char *under = cmp(e, "olt", xc, K(e, EXP_LO));
  xc = sel(e, under, K(e, EXP_LO), xc);
  const char *magic = K(e, 12582912.0);
  const char *t = fma_(e, xc, K(e, 1.44269504088896341), magic);
  const char *n = sub(e, t, magic);
  const char *ni = ibin(e, "arith.subi", f2i(e, t), KI(e, 0x4B400000));
  const char *r = fma_(e, n, K(e, -LN2_HI), xc);
  r = fma_(e, n, K(e, -LN2_LO), r);
  const char *r2 = mul(e, r, r);
  const char *p = add(e, K(e, 1.0), fma_(e, r2, horner(e, EXP_Q, 5, r), r));
  const char *n1 = ibin(e, "arith.shrsi", ni, KI(e, 1));
  const char *n2 = ibin(e, "arith.subi", ni, n1);
  const char *s1 = i2f(e, ibin(e, "arith.shli", ibin(e, "arith.addi", n1, KI(e, 127)), KI(e, 23)));
  const char *s2 = i2f(e, ibin(e, "arith.shli", ibin(e, "arith.addi", n2, KI(e, 127)), KI(e, 23)));
  const char *y = sel(e, under, K(e, 0.0), mul(e, mul(e, p, s1), s2));
  return sel(e, isnan_(e, x), x, y);
}

/* log(1+f) for f in [sqrt(1/2)-1, sqrt(2)-1] */
static const char *ap_log1p_core(E *e, const char *f) {
  const char *R = horner(e, LOG_R, 8, f);
  return fma_(e, mul(e, f, f), fma_(e, f, R, K(e, -0.5)), f);
}

/* log: subnormals scaled by 2^23; x = m 2^k with m in [sqrt(1/2), sqrt(2)) by integer ops on
   the bits; log = k ln2 + log1p(m - 1) (m - 1 exact). */
static const char *ap_log(E *e, const char *x) {
  const char *den = cmp(e, "olt", x, K(e, 0x1p-126));
  const char *xs = sel(e, den, mul(e, x, K(e, 0x1p23)), x);
  const char *b = f2i(e, xs);
  const char *k = ibin(e, "arith.shrsi", ibin(e, "arith.subi", b, KI(e, 0x3F3504F3)), KI(e, 23));
  const char *m = i2f(e, ibin(e, "arith.subi", b, ibin(e, "arith.shli", k, KI(e, 23))));
  const char *f = sub(e, m, K(e, 1.0));
  const char *kf = val(e, "arith.sitofp %s : %s to %s", k, e->it, e->ft);
  kf = sel(e, den, sub(e, kf, K(e, 23.0)), kf);
  const char *y = fma_(e, kf, K(e, LN2_HI), fma_(e, kf, K(e, LN2_LO), ap_log1p_core(e, f)));
  y = sel(e, cmp(e, "oeq", x, K(e, 0.0)), K(e, -INFINITY), y);
  y = sel(e, cmp(e, "olt", x, K(e, 0.0)), K(e, NAN), y);
  y = sel(e, cmp(e, "oeq", x, K(e, INFINITY)), K(e, INFINITY), y);
  return sel(e, isnan_(e, x), x, y);
}

/* log1p(t) for t in [0, 1] (or NaN): log1p_core(t) when 1+t <= sqrt(2) (t enters unrounded,
   so tiny t keep full relative accuracy), else log(u) + c/u with u = 1+t rounded, c its exact
   rounding error and log(u) = ln2 + log1p_core(u/2 - 1); one polynomial for both. c/u only
   needs a few correct bits: 1/u on [sqrt2, 2] is replaced by its chord (within 3%). */
static const char *ap_log1p01(E *e, const char *t) {
  const char *small = cmp(e, "ole", t, K(e, 0.41421354));
  const char *u = add(e, K(e, 1.0), t);
  const char *c = sub(e, t, sub(e, u, K(e, 1.0)));
  const char *f = sel(e, small, t, sub(e, mul(e, u, K(e, 0.5)), K(e, 1.0)));
  const char *cu = mul(e, c, fma_(e, u, K(e, -0.35355339), K(e, 1.20710678)));
  const char *lo = sel(e, small, K(e, 0.0), add(e, K(e, LN2_LO), cu));
  const char *hi = sel(e, small, K(e, 0.0), K(e, LN2_HI));
  return add(e, hi, add(e, ap_log1p_core(e, f), lo));
}

static const char *ap_sigmoid(E *e, const char *x) {
  return dvd(e, K(e, 1.0), add(e, K(e, 1.0), ap_exp(e, un(e, "arith.negf", x))));
}

/* x < 0 ? x - log1p(exp(x)) : -log1p(exp(-x)) */
static const char *ap_logsigmoid(E *e, const char *x) {
  const char *t = ap_exp(e, un(e, "arith.negf", un(e, "math.absf", x)));
  const char *l = ap_log1p01(e, t);
  return sel(e, cmp(e, "olt", x, K(e, 0.0)), sub(e, x, l), un(e, "arith.negf", l));
}

/* copysign(|x| < 0.9 ? a + a^3 R(a^2) : 1 - 2/(e^{2a} + 1), x), a = |x| clamped to 9 */
static const char *ap_tanh(E *e, const char *x) {
  const char *a = un(e, "math.absf", x);
  const char *u = mul(e, a, a);
  const char *small = fma_(e, mul(e, a, u), horner(e, TANH_R, 7, u), a);
  const char *E2 = ap_exp(e, mul(e, K(e, 2.0), clamp_hi(e, a, 9.0)));
  const char *big = sub(e, K(e, 1.0), dvd(e, K(e, 2.0), add(e, E2, K(e, 1.0))));
  const char *r = sel(e, cmp(e, "olt", a, K(e, 0.9)), small, big);
  return val(e, "math.copysign %s, %s : %s", r, x, e->ft);
}

/* erfc(z) for z >= 1 (NaN propagates): exp(-z^2) G(1/(1 + z/2)), where the caller passes
   z^2 = h + l exactly (FMA split) and exp(-h-l) = exp(-h) (1 - l), so the tail keeps its
   relative accuracy (d log erfc / d log z = -2z^2 would amplify any rounding of z^2). */
static const char *ap_erfc_hl(E *e, const char *z, const char *h, const char *l) {
  const char *t = dvd(e, K(e, 1.0), fma_(e, K(e, 0.5), z, K(e, 1.0)));
  const char *g = horner(e, ERFC_G, 10, t);
  const char *ex = ap_exp(e, un(e, "arith.negf", h));
  return mul(e, ex, fma_(e, un(e, "arith.negf", l), g, g));
}

static const char *ap_erfc_big(E *e, const char *z) {
  const char *h = mul(e, z, z);
  return ap_erfc_hl(e, z, h, fma_(e, z, z, un(e, "arith.negf", h)));
}

static const char *ap_erf(E *e, const char *x) {
  const char *a = un(e, "math.absf", x);
  const char *small = fma_(e, a, horner(e, ERF_P, 7, mul(e, a, a)), a);
  const char *big = sub(e, K(e, 1.0), ap_erfc_big(e, clamp_hi(e, a, 11.0)));
  const char *r = sel(e, cmp(e, "olt", a, K(e, 1.0)), small, big);
  return val(e, "math.copysign %s, %s : %s", r, x, e->ft);
}

/* Phi(x) = (1 + erf(x/sqrt2))/2, through erfc on the negative side (no cancellation); the
   exponent x^2/2 is split from x itself, not from the rounded x/sqrt2. */
static const char *ap_phi(E *e, const char *x) {
  const char *xc = val(e, "math.copysign %s, %s : %s", clamp_hi(e, un(e, "math.absf", x), 15.5), x, e->ft);
  const char *z = mul(e, xc, K(e, 0.70710678118654752440));
  const char *a = un(e, "math.absf", z);
  const char *es = fma_(e, a, horner(e, ERF_P, 7, mul(e, a, a)), a);
  const char *small = fma_(e, K(e, 0.5), val(e, "math.copysign %s, %s : %s", es, z, e->ft), K(e, 0.5));
  const char *h2 = mul(e, xc, xc);
  const char *l2 = fma_(e, xc, xc, un(e, "arith.negf", h2));
  const char *C = ap_erfc_hl(e, a, mul(e, K(e, 0.5), h2), mul(e, K(e, 0.5), l2));
  const char *hc = mul(e, K(e, 0.5), C);
  const char *big = sel(e, cmp(e, "olt", z, K(e, 0.0)), hc, sub(e, K(e, 1.0), hc));
  return sel(e, cmp(e, "olt", a, K(e, 1.0)), small, big);
}

/* exp(-x^2/2) / sqrt(2 pi), x^2 split exactly as in ap_erfc_big (|x| clamped to 20) */
static const char *ap_npdf(E *e, const char *x) {
  x = clamp_hi(e, un(e, "math.absf", x), 20.0);
  const char *h = mul(e, x, x);
  const char *l = fma_(e, x, x, un(e, "arith.negf", h));
  const char *ex = ap_exp(e, mul(e, K(e, -0.5), h));
  return mul(e, mul(e, ex, fma_(e, K(e, -0.5), l, K(e, 1.0))), K(e, 0.39894228040143267794));
}

/* ---- f64: libm ---- */

/* f64 kernels call libm for tanh and erf; both dtypes call it for log1p, expm1 and pow (no
   inline f32 approximation of these: one scalar call per lane, the reference's own bits). */
enum { LM_TANH, LM_ERF, LM_LOG1P, LM_EXPM1, LM_POW, LM_COUNT };
static const char *LIBM64[LM_COUNT] = {"tanh", "erf", "log1p", "expm1", "pow"};
static const char *LIBM32[LM_COUNT] = {"tanhf", "erff", "log1pf", "expm1f", "powf"};

/* fn(x) or fn(x, y) (y != NULL) lane by lane */
static const char *libm(E *e, int fn, const char *x, const char *y) {
  e->need[fn] = 1;
  const char *nm = e->f64 ? LIBM64[fn] : LIBM32[fn], *t = e->sft;
  if (e->vl == 1)
    return y ? val(e, "func.call @%s(%s, %s) : (%s, %s) -> %s", nm, x, y, t, t, t)
             : val(e, "func.call @%s(%s) : (%s) -> %s", nm, x, t, t);
  const char *acc = x;
  for (int l = 0; l < e->vl; l++) {
    const char *s = val(e, "vector.extract %s[%d] : %s from %s", x, l, t, e->ft), *r;
    if (y) {
      const char *s2 = val(e, "vector.extract %s[%d] : %s from %s", y, l, t, e->ft);
      r = val(e, "func.call @%s(%s, %s) : (%s, %s) -> %s", nm, s, s2, t, t, t);
    } else
      r = val(e, "func.call @%s(%s) : (%s) -> %s", nm, s, t, t);
    acc = val(e, "vector.insert %s, %s [%d] : %s into %s", r, acc, l, t, e->ft);
  }
  return acc;
}
static const char *libm1(E *e, int fn, const char *x) { return libm(e, fn, x, NULL); }

/* ---- one KIR op ---- */

static const char *sigmoid_any(E *e, const char *x) {
  if (!e->f64) return ap_sigmoid(e, x);
  /* x >= 0 ? 1/(1+exp(-x)) : e/(1+e), e = exp(x) (the reference formulas) */
  const char *ex = un(e, "math.exp", un(e, "arith.negf", un(e, "math.absf", x)));
  const char *s = dvd(e, K(e, 1.0), add(e, K(e, 1.0), ex));
  return sel(e, cmp(e, "oge", x, K(e, 0.0)), s, dvd(e, ex, add(e, K(e, 1.0), ex)));
}

/* ---- the spelling of each KIR op: one function per op, in a table indexed by the op ----
   sp_<OP>(e, in, a, b, c) returns the value of instruction `in` from its operands' values
   a, b, c (NULL past its arity) in the current mode (scalar or vector, f64 or f32). */
typedef const char *mlir_spell(E *e, const kir_inst *in, const char *a, const char *b, const char *c);
#define U __attribute__((unused))
#define SPELL(op) static const char *sp_##op(U E *e, U const kir_inst *in, U const char *a, U const char *b, U const char *c)

SPELL(CONST) { return K(e, in->imm); }
SPELL(NEG) { return un(e, "arith.negf", a); }
SPELL(EXP) { return e->f64 ? un(e, "math.exp", a) : ap_exp(e, a); }
SPELL(LOG) { return e->f64 ? un(e, "math.log", a) : ap_log(e, a); }
SPELL(SIGMOID) { return sigmoid_any(e, a); }
SPELL(LOGSIGMOID) {
  if (!e->f64) return ap_logsigmoid(e, a);
  const char *l = libm1(e, LM_LOG1P, un(e, "math.exp", un(e, "arith.negf", un(e, "math.absf", a))));
  return sel(e, cmp(e, "ogt", a, K(e, 0.0)), un(e, "arith.negf", l), sub(e, a, l));
}
SPELL(TANH) { return e->f64 ? libm1(e, LM_TANH, a) : ap_tanh(e, a); }
SPELL(SILU) { return mul(e, a, sigmoid_any(e, a)); }
SPELL(GELU) {
  if (!e->f64) return mul(e, a, ap_phi(e, a));
  /* 0.5 * x * (1 + erf(x * sqrt1_2)) as the reference evaluates it */
  return mul(e, mul(e, K(e, 0.5), a),
             add(e, K(e, 1.0), libm1(e, LM_ERF, mul(e, a, K(e, 0.70710678118654752440)))));
}
SPELL(GELU_D) {
  if (!e->f64) return fma_(e, a, ap_npdf(e, a), ap_phi(e, a));
  return add(e,
             mul(e, K(e, 0.5), add(e, K(e, 1.0), libm1(e, LM_ERF, mul(e, a, K(e, 0.70710678118654752440))))),
             mul(e, mul(e, a, K(e, 0.39894228040143267794)),
                 un(e, "math.exp", mul(e, mul(e, K(e, -0.5), a), a))));
}
SPELL(ABS) { return un(e, "math.absf", a); }
SPELL(SIGN) {
  const char *s = sel(e, cmp(e, "ogt", a, K(e, 0.0)), K(e, 1.0),
                      sel(e, cmp(e, "olt", a, K(e, 0.0)), K(e, -1.0), K(e, 0.0)));
  return sel(e, isnan_(e, a), a, s);
}
SPELL(SQRT) { return un(e, "math.sqrt", a); }
SPELL(RSQRT) { return dvd(e, K(e, 1.0), un(e, "math.sqrt", a)); }
SPELL(SQUARE) { return mul(e, a, a); }
SPELL(RECIP) { return dvd(e, K(e, 1.0), a); }
SPELL(LOG1P) { return libm1(e, LM_LOG1P, a); }
SPELL(EXPM1) { return libm1(e, LM_EXPM1, a); }
SPELL(ADD) { return add(e, a, b); }
SPELL(SUB) { return sub(e, a, b); }
SPELL(MUL) { return mul(e, a, b); }
SPELL(DIV) { return dvd(e, a, b); }
SPELL(POW) { return libm(e, LM_POW, a, b); }
SPELL(MAX) { return sel(e, bor(e, isnan_(e, a), cmp(e, "oge", a, b)), a, b); } /* isnan(a) || a >= b ? a : b */
SPELL(MIN) { return sel(e, bor(e, isnan_(e, a), cmp(e, "ole", a, b)), a, b); }
SPELL(GE) { return sel(e, cmp(e, "oge", a, b), K(e, 1.0), K(e, 0.0)); }
SPELL(GT) { return sel(e, cmp(e, "ogt", a, b), K(e, 1.0), K(e, 0.0)); }
SPELL(EQ) { return sel(e, cmp(e, "oeq", a, b), K(e, 1.0), K(e, 0.0)); }
SPELL(SELECT) { return sel(e, cmp(e, "une", a, K(e, 0.0)), b, c); }
/* max + log1p(exp(-|a - b|)); the larger one where it is infinite, NaN if either is (kir.c) */
SPELL(LOGADDEXP) {
  const char *m = sel(e, cmp(e, "ogt", a, b), a, b);
  const char *d = un(e, "arith.negf", un(e, "math.absf", sub(e, a, b)));
  const char *l = e->f64 ? libm1(e, LM_LOG1P, un(e, "math.exp", d)) : ap_log1p01(e, ap_exp(e, d));
  const char *r = sel(e, cmp(e, "oeq", un(e, "math.absf", m), K(e, INFINITY)), m, add(e, m, l));
  return sel(e, bor(e, isnan_(e, a), isnan_(e, b)), add(e, a, b), r);
}
#undef SPELL
#undef U
/* loads and stores are spelled by the loop emitter (emit_body), which knows the addressing;
   so are INDEX (it knows the loop indices) and the data-dependent LOADX / STOREX */
#define sp_LOAD NULL
#define sp_STORE NULL
#define sp_INDEX NULL
#define sp_LOADX NULL
#define sp_STOREX NULL

/* Generated from kir_ops.def: a KIR op without an sp_<OP> above does not compile. */
static mlir_spell *const SPELL_OF[] = {
#define K(e, s, n) [KIR_##e] = sp_##e,
#define X(e, s, ar, kind, kir, ...) KIR_IF_##kir([KIR_##e] = sp_##e, )
#include "kir_ops.def"
#undef K
#undef X
};
_Static_assert(sizeof SPELL_OF / sizeof *SPELL_OF == KIR_OP_COUNT, "one MLIR spelling per KIR op");
#undef sp_LOAD
#undef sp_STORE
#undef sp_INDEX
#undef sp_LOADX
#undef sp_STOREX

/* pseudo ops past the KIR ones, for testing the approximations alone */
enum { AP_ERF = KIR_OP_COUNT + 1, AP_ERFC, AP_PHI, AP_LOG1P01 };

static const char *emit_op(E *e, const kir_inst *in) {
  if ((unsigned)in->op < KIR_OP_COUNT && SPELL_OF[in->op]) {
    int n = kir_ops[in->op].nargs;
    const char *a = n > 0 ? e->val[in->a] : NULL, *b = n > 1 ? e->val[in->b] : NULL, *c = n > 2 ? e->val[in->c] : NULL;
    return SPELL_OF[in->op](e, in, a, b, c);
  }
  /* approximations without a KIR op, reachable through kir_mlir_approx_test (f32 only) */
  const char *a = e->val[in->a];
  if (!e->f64 && (int)in->op == AP_ERF) return ap_erf(e, a);
  if (!e->f64 && (int)in->op == AP_ERFC) return ap_erfc_big(e, a);
  if (!e->f64 && (int)in->op == AP_PHI) return ap_phi(e, a);
  if (!e->f64 && (int)in->op == AP_LOG1P01) return ap_log1p01(e, a);
  XL_ASSERT(!"kir_mlir: not a value op");
  return NULL;
}

/* prev scan_op v: the running value of a scan store (kir.h) */
static const char *scan_combine(E *e, const char *prev, const char *v) {
  if (e->k->scan_op == KIR_ADD) return add(e, prev, v);
  return sp_LOGADDEXP(e, NULL, prev, v, NULL);
}

/* acc op= v for the reducing store (max: NaN wins, as kir_interp) */
static const char *combine(E *e, const char *acc, const char *v) {
  if (e->k->red_op == KIR_ADD) return add(e, acc, v);
  return sel(e, bor(e, isnan_(e, v), cmp(e, "ogt", v, acc)), v, acc);
}

/* acc + v for the reducing store of body value `vi`: a product is fused into one FMA (one
   rounding instead of two; the mul itself is left to LLVM's dead-code elimination) */
static const char *accumulate(E *e, const char *acc, int vi) {
  const kir_inst *m = &e->k->body.v[vi];
  if (e->k->red_op == KIR_ADD && m->op == KIR_MUL && !e->eo->no_fma)
    return fma_(e, e->val[m->a], e->val[m->b], acc);
  return combine(e, acc, e->val[vi]);
}

/* ---- the domain ---- */

static int is_mem(const kir_inst *in) { return kir_mem(in->op) != 0; }

static int has_op(const kir_kernel *k, kir_op op) {
  for (int i = 0; i < k->body.n; i++)
    if (k->body.v[i].op == op) return 1;
  return 0;
}

/* The dimensions of nest k a STOREX pins (kir.h): those along which its stride is 0 or its
   index operand varies (loads with a stride there, INDEX of it, anything computed from them).
   Splitting on them would let two threads add into one element, or change the order. */
static unsigned storex_pins(const kir_kernel *k) {
  unsigned *dep = xl_calloc((size_t)k->body.n + 1, sizeof *dep), pins = 0;
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    /* ops past the table: kir_mlir_approx_test's unary approximations (AP_*) */
    int ar = in->op >= 0 && in->op < KIR_OP_COUNT ? kir_ops[in->op].nargs : 1;
    if (kir_mem(in->op) == 1)
      for (int d = 0; d < k->ndim; d++) dep[i] |= in->stride[d] ? 1u << d : 0;
    if (in->op == KIR_INDEX) dep[i] = 1u << (int)in->imm;
    if (in->op != KIR_STOREX) {
      if (ar > 0 && in->op != KIR_STORE) dep[i] |= dep[in->a];
      if (ar > 1) dep[i] |= dep[in->b];
      if (ar > 2) dep[i] |= dep[in->c];
      continue;
    }
    pins |= dep[in->b];
    for (int d = 0; d < k->ndim; d++) pins |= in->stride[d] ? 0 : 1u << d;
  }
  free(dep);
  return pins;
}

unsigned kir_storex_pins(const kir_kernel *k) { return storex_pins(k); }

static int store_reduces(const kir_kernel *k, const kir_inst *s) {
  if (!k->red_mask || s->op != KIR_STORE) return 0;
  for (int d = 0; d < k->ndim; d++)
    if ((k->red_mask >> d & 1) && s->stride[d] != 0) return 0;
  return 1;
}

/* The first non-reduced dimension of nest k of extent > 1 (leading ones of size 1 skipped:
   [1, 1, N, K]), else the first non-reduced one, or -1. */
static int nest_par(const kir_kernel *k) {
  int first = -1, sd = kir_scan_dim(k); /* a scan runs its dimension in order on one thread */
  unsigned pins = storex_pins(k);
  for (int d = 0; d < k->ndim; d++)
    if (!(k->red_mask >> d & 1) && !(pins >> d & 1) && d != sd) {
      if (first < 0) first = d;
      if (k->dim[d] > 1) return d;
    }
  return first;
}

/* Whether the nests of a chain can run on slices of one shared dimension, each thread all the
 * nests of its slice with no barrier between them: every nest's split dimension (nest_par)
 * has one extent H >= 2, and every buffer the chain writes is cut the same way by each of its
 * accesses (stride s along the split dimension in every nest, nonnegative strides, everything
 * else within [0, s)), so that index h of the split dimension touches only [h s, (h + 1) s)
 * of it in every nest. The heads of an mLSTM or sLSTM step: each head's state, gates and
 * output depend on that head alone. */
static int chain_splits(const kir_kernel *head) {
  int64_t H = -1, sb[KIR_MAXBUF];
  for (int b = 0; b < KIR_MAXBUF; b++) sb[b] = -1;
  for (const kir_kernel *x = head; x; x = x->next) {
    int p = nest_par(x);
    if (p < 0 || x->dim[p] < 2 || (H >= 0 && x->dim[p] != H)) return 0;
    H = x->dim[p];
    for (int i = 0; i < x->body.n; i++) {
      const kir_inst *in = &x->body.v[i];
      if (!is_mem(in) || !head->buf_out[in->buf]) continue;
      if (in->op == KIR_STOREX || in->xstride < 0) return 0;
      int64_t st = in->stride[p], span = in->off;
      if (in->op == KIR_LOADX && in->xlim > 0) span += in->xstride * (in->xlim - 1); /* any index */
      for (int d = 0; d < x->ndim; d++) {
        if (in->stride[d] < 0) return 0;
        if (d != p) span += in->stride[d] * (x->dim[d] - 1);
      }
      if (st <= 0 || in->off < 0 || span >= st || (sb[in->buf] >= 0 && sb[in->buf] != st)) return 0;
      sb[in->buf] = st;
    }
  }
  return 1;
}

int kir_par_dim(const kir_kernel *k) { return kir_nest_par_dim(k, k); }

int kir_nest_par_dim(const kir_kernel *head, const kir_kernel *nest) {
  if (head->next && !chain_splits(head)) return -1;
  return nest_par(nest);
}

/* Merges dimension d into d+1 while every access walks them as one: equal reduce flags and
   stride[d] == stride[d+1] * dim[d+1] (dimensions of size 1 merge with anything). The par
   dimension stays the head of its merged dimension (everything before it is reduced); the
   nests of a chain (chain = 1) have none. */
static void build_dom(const kir_kernel *k, int par, dom *D) {
  int n = k->ndim > 0 ? k->ndim : 1;
  int head[KIR_MAXDIM], sd = kir_scan_dim(k), isscan[KIR_MAXDIM] = {0};
  D->nd = n;
  D->st = xl_calloc((size_t)(k->body.n ? k->body.n : 1), sizeof *D->st);
  for (int d = 0; d < n; d++) {
    D->dim[d] = k->ndim > 0 ? k->dim[d] : 1;
    D->red[d] = k->red_mask >> d & 1;
    isscan[d] = d == sd;
    head[d] = d;
    for (int i = 0; i < k->body.n; i++)
      if (is_mem(&k->body.v[i])) D->st[i][d] = k->ndim > 0 && D->dim[d] > 1 ? k->body.v[i].stride[d] : 0;
  }
  /* INDEX reads a dimension's own coordinate: a nest with one keeps its dimensions */
  for (int d = has_op(k, KIR_INDEX) ? -1 : D->nd - 2; d >= 0; d--) {
    if (D->red[d] != D->red[d + 1] || isscan[d] || isscan[d + 1]) continue;
    int ok = 1;
    for (int i = 0; i < k->body.n && ok; i++)
      if (is_mem(&k->body.v[i]) && D->dim[d] > 1 && D->dim[d + 1] > 1)
        ok = D->st[i][d] == D->st[i][d + 1] * D->dim[d + 1];
    if (!ok) continue;
    for (int i = 0; i < k->body.n; i++)
      if (is_mem(&k->body.v[i]) && D->dim[d + 1] == 1) D->st[i][d + 1] = D->st[i][d];
    if (D->dim[d] > 1 || head[d] == par) head[d + 1] = head[d]; /* a size-1 dimension adds nothing */
    D->dim[d + 1] *= D->dim[d];
    for (int j = d; j < D->nd - 1; j++) {
      D->dim[j] = D->dim[j + 1];
      D->red[j] = D->red[j + 1];
      isscan[j] = isscan[j + 1];
      head[j] = head[j + 1];
      for (int i = 0; i < k->body.n; i++) D->st[i][j] = D->st[i][j + 1];
    }
    D->nd--;
  }
  D->pdim = -1;
  D->pf = 1;
  D->scan = -1;
  for (int d = 0; d < D->nd; d++)
    if (isscan[d]) D->scan = d;
  for (int d = 0; d < D->nd && par >= 0; d++)
    if (head[d] == par) {
      D->pdim = d;
      D->pf = k->dim[par] ? D->dim[d] / k->dim[par] : 1;
    }
  XL_ASSERT(par < 0 || D->pdim >= 0);
}

/* ---- loops ---- */

/* index of instruction i at the current point: off + sum_d iv[d] * st[d] over outer dims,
   computed once per innermost loop entry */
static const char *base_index(E *e, int i, const char **iv, int upto) {
  int64_t off = e->k->body.v[i].off;
  const char *s = off ? IX(e, off) : NULL;
  for (int d = 0; d < upto; d++) {
    int64_t st = e->D.st[i][d];
    if (!st || !iv[d]) continue;
    const char *t = st == 1 ? iv[d] : val(e, "arith.muli %s, %s : index", iv[d], IX(e, st));
    s = s ? val(e, "arith.addi %s, %s : index", s, t) : t;
  }
  return s ? s : IX(e, 0);
}

static const char *elem_index(E *e, const char *base, const char *j, int64_t st) {
  if (st == 0) return base;
  const char *t = st == 1 ? j : val(e, "arith.muli %s, %s : index", j, IX(e, st));
  return val(e, "arith.addi %s, %s : index", base, t);
}

/* constant vector <0, s, 2s, ...> of lane offsets for gather/scatter */
static const char *lane_offsets(E *e, int64_t st, const char **ity) {
  char lit[256], ty[32];
  int n = 0;
  int wide = llabs(st) * (e->VL - 1) > 0x7fffffff;
  *ity = wide ? "i64" : "i32";
  n += snprintf(lit + n, sizeof lit - (size_t)n, "[");
  for (int l = 0; l < e->VL; l++)
    n += snprintf(lit + n, sizeof lit - (size_t)n, "%s%lld", l ? ", " : "", (long long)(st * l));
  snprintf(lit + n, sizeof lit - (size_t)n, "]");
  snprintf(ty, sizeof ty, "vector<%dx%s>", e->VL, *ity);
  return kdef(e, ty, lit);
}

static const char *all_true(E *e) { return kdef(e, e->vbt, "true"); }

static const char *vload(E *e, int b, const char *idx, int64_t st) {
  const char *m = e->mem[b];
  if (e->vl == 1) return val(e, "memref.load %s[%s] : %s", m, idx, e->memty[b]);
  if (st == 1) return val(e, "vector.load %s[%s] : %s, %s", m, idx, e->memty[b], e->ft);
  const char *ity, *offs = lane_offsets(e, st, &ity);
  return val(e, "vector.gather %s[%s][%s], %s, %s : %s, vector<%dx%s>, %s, %s into %s", m, idx, offs,
             all_true(e), K(e, 0.0), e->memty[b], e->VL, ity, e->bt, e->ft, e->ft);
}

static void vstore(E *e, int b, const char *idx, int64_t st, const char *v) {
  const char *m = e->mem[b];
  if (e->vl == 1) {
    line(e, "memref.store %s, %s[%s] : %s", v, m, idx, e->memty[b]);
  } else if (st == 1) {
    line(e, "vector.store %s, %s[%s] : %s, %s", v, m, idx, e->memty[b], e->ft);
  } else if (st == 0) { /* every lane hits one element: the last one wins */
    const char *s = val(e, "vector.extract %s[%d] : %s from %s", v, e->VL - 1, e->sft, e->ft);
    line(e, "memref.store %s, %s[%s] : %s", s, m, idx, e->memty[b]);
  } else {
    const char *ity, *offs = lane_offsets(e, st, &ity);
    line(e, "vector.scatter %s[%s][%s], %s, %s : %s, vector<%dx%s>, %s, %s", m, idx, offs, all_true(e), v,
         e->memty[b], e->VL, ity, e->bt, e->ft);
  }
}

/* ---- data-dependent accesses (kir.h INDEX, LOADX, STOREX) ----
 * INDEX converts a loop index to a float (plus <0, 1, ..> in vector mode along the vectorized
 * dimension). LOADX and STOREX test 0 <= x < xlim on the float index (false for NaN) and only
 * then convert it (fptosi) and touch memory, inside an scf.if. In vector mode an index that
 * is the same for every lane (it does not vary along the vectorized dimension) guards one
 * vector access; otherwise each lane is done on its own, in lane order (domain order: repeated
 * indices of a STOREX accumulate exactly as the interpreter does). */

static const char *lane(E *e, const char *v, int l) { /* lane l of v in the current mode */
  if (e->vl == 1) return v;
  return val(e, "vector.extract %s[%d] : %s from %s", v, l, e->sft, e->ft);
}

static const char *in_range(E *e, const char *x, int64_t xlim) { /* scalar mode */
  const char *a = cmp(e, "oge", x, K(e, 0.0)), *b = cmp(e, "olt", x, K(e, (double)xlim));
  return val(e, "arith.andi %s, %s : i1", a, b);
}

static const char *x_index(E *e, const char *idx, const char *x, int64_t xstride) { /* idx + int(x) * xstride */
  const char *t = val(e, "arith.index_cast %s : i64 to index", val(e, "arith.fptosi %s : %s to i64", x, e->sft));
  if (xstride != 1) t = val(e, "arith.muli %s, %s : index", t, IX(e, xstride));
  return val(e, "arith.addi %s, %s : index", idx, t);
}

static const char *emit_index(E *e, const kir_inst *in, const char *j) {
  int d = (int)in->imm, L = e->D.nd - 1, vec = e->vl > 1;
  const char *f = val(e, "arith.sitofp %s : i64 to %s",
                      val(e, "arith.index_cast %s : index to i64", d == L ? j : e->iv[d]), e->sft);
  if (!vec) return f;
  f = val(e, "vector.broadcast %s : %s to %s", f, e->sft, e->ft);
  if (d != L) return f;
  char lit[600];
  int n = snprintf(lit, sizeof lit, "[");
  for (int l = 0; l < e->VL && n < (int)sizeof lit; l++)
    n += snprintf(lit + n, sizeof lit - (size_t)n, "%s%d.0", l ? ", " : "", l);
  snprintf(lit + n, sizeof lit - (size_t)n, "]");
  return add(e, f, kdef(e, e->ft, lit));
}

/* Whether body value v is INDEX(d) or INDEX(d) +- a constant: consecutive lanes along d hold
   consecutive indices (a pad or concat along the vectorized dimension). */
static int index_plus_const(const kir_kernel *k, int v, int d) {
  const kir_inst *x = &k->body.v[v];
  if (x->op == KIR_INDEX) return (int)x->imm == d;
  if (x->op != KIR_ADD && x->op != KIR_SUB) return 0;
  const kir_inst *p = &k->body.v[x->a], *q = &k->body.v[x->b];
  if (p->op == KIR_INDEX && (int)p->imm == d && q->op == KIR_CONST) return 1;
  return x->op == KIR_ADD && q->op == KIR_INDEX && (int)q->imm == d && p->op == KIR_CONST;
}

static const char *emit_loadx_lanes(E *e, const kir_inst *in, const char *idx, int64_t st);

/* LOADX at element index idx (the access without its index term, lane 0) */
static const char *emit_loadx(E *e, const kir_inst *in, const char *idx, int64_t st) {
  int vec = e->vl > 1;
  if (vec && e->vary[in->a] && index_plus_const(e->k, in->a, e->D.nd - 1)) {
    /* lanes x0 .. x0 + VL - 1: all in range: one vector load (stride st + xstride); all out: 0;
       else lane by lane (the edges of a pad or of a concat's piece) */
    const char *x0 = lane(e, e->val[in->a], 0), *x1 = lane(e, e->val[in->a], e->VL - 1), *zero = K(e, 0.0);
    set_mode(e, 0);
    const char *all = val(e, "arith.andi %s, %s : i1", cmp(e, "oge", x0, K(e, 0.0)), cmp(e, "olt", x1, K(e, (double)in->xlim)));
    const char *none = val(e, "arith.ori %s, %s : i1", cmp(e, "olt", x1, K(e, 0.0)), cmp(e, "oge", x0, K(e, (double)in->xlim)));
    set_mode(e, 1);
    const char *r = fresh(e, "t"), *r2 = fresh(e, "t");
    line(e, "%s = scf.if %s -> (%s) {", r, all, e->ft);
    e->depth++;
    set_mode(e, 0);
    const char *a = x_index(e, idx, x0, in->xstride);
    set_mode(e, 1);
    line(e, "scf.yield %s : %s", vload(e, in->buf, a, st + in->xstride), e->ft);
    e->depth--;
    line(e, "} else {");
    e->depth++;
    line(e, "%s = scf.if %s -> (%s) {", r2, none, e->ft);
    e->depth++;
    line(e, "scf.yield %s : %s", zero, e->ft);
    e->depth--;
    line(e, "} else {");
    e->depth++;
    line(e, "scf.yield %s : %s", emit_loadx_lanes(e, in, idx, st), e->ft);
    e->depth--;
    line(e, "}");
    line(e, "scf.yield %s : %s", r2, e->ft);
    e->depth--;
    line(e, "}");
    return r;
  }
  return emit_loadx_lanes(e, in, idx, st);
}

static const char *emit_loadx_lanes(E *e, const kir_inst *in, const char *idx, int64_t st) {
  int vec = e->vl > 1, one = !vec || !e->vary[in->a];
  const char *x = e->val[in->a], *zero = K(e, 0.0), *res = fresh(e, "t");
  const char *xs[64];
  for (int l = 0; l < (one ? 1 : e->VL); l++) xs[l] = lane(e, x, l);
  const char *acc = zero;
  for (int l = 0; l < (one ? 1 : e->VL); l++) {
    set_mode(e, 0);
    const char *il = l ? val(e, "arith.addi %s, %s : index", idx, IX(e, l * st)) : idx;
    const char *c = in_range(e, xs[l], in->xlim);
    set_mode(e, one && vec);
    const char *r = one ? res : fresh(e, "t");
    line(e, "%s = scf.if %s -> (%s) {", r, c, e->ft);
    e->depth++;
    set_mode(e, 0);
    const char *a = x_index(e, il, xs[l], in->xstride), *v;
    if (one && vec && st != 0) {
      set_mode(e, 1);
      v = vload(e, in->buf, a, st);
    } else {
      v = vload(e, in->buf, a, 0);
      set_mode(e, one && vec);
      if (one && vec) v = val(e, "vector.broadcast %s : %s to %s", v, e->sft, e->ft);
    }
    line(e, "scf.yield %s : %s", v, e->ft);
    e->depth--;
    line(e, "} else {");
    e->depth++;
    line(e, "scf.yield %s : %s", one ? zero : K(e, 0.0), e->ft);
    e->depth--;
    line(e, "}");
    set_mode(e, vec);
    if (!one) acc = val(e, "vector.insert %s, %s [%d] : %s into %s", r, acc, l, e->sft, e->ft);
  }
  return one ? res : acc;
}

/* STOREX (+=) at element index idx (lane 0) */
static void emit_storex(E *e, const kir_inst *in, const char *idx, int64_t st) {
  int vec = e->vl > 1, one = !vec || (!e->vary[in->b] && st != 0);
  const char *xs[64], *vs[64];
  for (int l = 0; l < (one ? 1 : e->VL); l++) {
    xs[l] = lane(e, e->val[in->b], l);
    vs[l] = one ? e->val[in->a] : lane(e, e->val[in->a], l);
  }
  for (int l = 0; l < (one ? 1 : e->VL); l++) {
    set_mode(e, 0);
    const char *il = l ? val(e, "arith.addi %s, %s : index", idx, IX(e, l * st)) : idx;
    line(e, "scf.if %s {", in_range(e, xs[l], in->xlim));
    e->depth++;
    const char *a = x_index(e, il, xs[l], in->xstride);
    set_mode(e, one && vec);
    vstore(e, in->buf, a, st, add(e, vload(e, in->buf, a, st), vs[l]));
    e->depth--;
    line(e, "}");
  }
  set_mode(e, vec);
}

static void bounds(E *e, int d, const char **lb, const char **ub);
/* Opens `scf.for` over loop dimension d (this part's slice when d is the split one) and returns
   its index; the caller closes it (depth--, "}"). */
static const char *open_dim(E *e, int d) {
  const char *lb, *ub;
  bounds(e, d, &lb, &ub);
  const char *iv = fresh(e, "i");
  line(e, "scf.for %s = %s to %s step %s {", iv, lb, ub, IX(e, 1));
  e->depth++;
  return iv;
}

/* Zeroes what STOREX s reaches over this thread's slice: every x in [0, xlim) at every point
   of the dimensions along which it has a stride (and the split one). */
static void emit_zero_x(E *e, int s, const char **iv, int d) {
  const kir_inst *in = &e->k->body.v[s];
  set_mode(e, 0);
  if (d == e->D.nd) {
    const char *base = base_index(e, s, iv, e->D.nd), *x = fresh(e, "i");
    line(e, "scf.for %s = %s to %s step %s {", x, IX(e, 0), IX(e, in->xlim), IX(e, 1));
    e->depth++;
    const char *a =
        val(e, "arith.addi %s, %s : index", base, val(e, "arith.muli %s, %s : index", x, IX(e, in->xstride)));
    line(e, "memref.store %s, %s[%s] : %s", K(e, 0.0), e->mem[in->buf], a, e->memty[in->buf]);
    e->depth--;
    line(e, "}");
    return;
  }
  if (e->D.st[s][d] == 0 && d != e->D.pdim) {
    iv[d] = NULL;
    emit_zero_x(e, s, iv, d + 1);
    return;
  }
  iv[d] = open_dim(e, d);
  emit_zero_x(e, s, iv, d + 1);
  e->depth--;
  line(e, "}");
}

/* The running value before the scan store s at element idx: the one carried by the innermost
   loop, or the element stored one step back along the scan's outer loop (0 / -inf at its
   first step; the load then reads idx itself, never outside the buffer). */
static const char *scan_prev(E *e, const kir_inst *s, const char *idx, int64_t st) {
  if (e->scan_acc) return e->scan_acc;
  const char *id = K(e, e->k->scan_op == KIR_ADD ? 0.0 : -INFINITY);
  int64_t back = e->D.st[e->k->scan_inst][e->D.scan] * (e->k->scan_rev ? 1 : -1);
  const char *first = val(e, "arith.cmpi eq, %s, %s : index", e->scan_iv, IX(e, 0));
  const char *p = val(e, "arith.select %s, %s, %s : index", first, idx, val(e, "arith.addi %s, %s : index", idx, IX(e, back)));
  return val(e, "arith.select %s, %s, %s : %s", first, id, vload(e, s->buf, p, st), e->ft);
}

/* One pass over the body at the innermost index j (vector or scalar mode). bases[i] is the
   outer index of each memory instruction. Returns the new accumulator when the innermost
   dimension is reduced (acc = the loop-carried one), else NULL. */
static const char *emit_body(E *e, const char **bases, const char *j, const char *acc) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1;
  const char *nacc = NULL;
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    int64_t st = is_mem(in) ? e->D.st[i][L] : 0;
    if (in->op == KIR_LOAD) {
      if (e->hoist[i]) e->val[i] = e->vl > 1 ? e->hoistv[i] : e->hoist[i];
      else e->val[i] = vload(e, in->buf, elem_index(e, bases[i], j, st), st);
    } else if (in->op == KIR_LOADX) {
      e->val[i] = emit_loadx(e, in, elem_index(e, bases[i], j, st), st);
    } else if (in->op == KIR_STOREX) {
      emit_storex(e, in, elem_index(e, bases[i], j, st), st);
    } else if (in->op == KIR_INDEX) {
      e->val[i] = emit_index(e, in, j);
    } else if (in->op == KIR_STORE) {
      const char *v = e->val[in->a];
      if (e->D.scan >= 0 && i == k->scan_inst) {
        e->scan_new = scan_combine(e, scan_prev(e, in, elem_index(e, bases[i], j, st), st), v);
        vstore(e, in->buf, elem_index(e, bases[i], j, st), st, e->scan_new);
      } else if (!store_reduces(k, in)) {
        vstore(e, in->buf, elem_index(e, bases[i], j, st), st, v);
      } else if (e->D.red[L] || e->sink) {
        nacc = accumulate(e, acc, in->a);
      } else { /* read-modify-write along the non-reduced innermost dimension */
        const char *idx = elem_index(e, bases[i], j, st);
        vstore(e, in->buf, idx, st, accumulate(e, vload(e, in->buf, idx, st), in->a));
      }
    } else {
      e->val[i] = emit_op(e, in);
    }
  }
  return nacc;
}

/* bounds of merged dimension d: static [0, dim) or [lo*pf, hi*pf) for the par dimension */
static void bounds(E *e, int d, const char **lb, const char **ub) {
  if (d != e->D.pdim) {
    *lb = IX(e, 0);
    *ub = IX(e, e->D.dim[d]);
    return;
  }
  const char *lo = val(e, "arith.index_cast %%lo : i64 to index");
  const char *hi = val(e, "arith.index_cast %%hi : i64 to index");
  if (e->D.pf != 1) {
    lo = val(e, "arith.muli %s, %s : index", lo, IX(e, e->D.pf));
    hi = val(e, "arith.muli %s, %s : index", hi, IX(e, e->D.pf));
  }
  *lb = lo;
  *ub = hi;
}

static const char *red_identity(E *e) { return K(e, e->k->red_op == KIR_ADD ? 0.0 : -INFINITY); }

#define RED_UNROLL 4 /* accumulators of a reduced innermost vector loop */

/* The innermost dimension: hoisted broadcast loads, the vector loop (U accumulators first when
   it is reduced and long), the scalar remainder. */
static void emit_inner_scan(E *e, const char **iv);

static void emit_inner(E *e, const char **iv) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1, rs = -1;
  if (e->D.scan == L) {
    emit_inner_scan(e, iv);
    return;
  }
  const char **bases = xl_calloc((size_t)k->body.n + 1, sizeof *bases);
  set_mode(e, 0);
  e->iv = iv;
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    if (!is_mem(in)) continue;
    bases[i] = base_index(e, i, iv, L);
    e->hoist[i] = e->hoistv[i] = NULL;
    if (in->op == KIR_STORE && store_reduces(k, in)) rs = i;
    if (in->op == KIR_LOAD && e->D.st[i][L] == 0) {
      e->hoist[i] = vload(e, in->buf, bases[i], 0);
      e->hoistv[i] = val(e, "vector.broadcast %s : %s to %s", e->hoist[i], e->sft, e->vft);
    }
  }
  int racc = rs >= 0 && e->D.red[L]; /* accumulate in registers across the inner loop */
  const char *lb, *ub, *vend;
  bounds(e, L, &lb, &ub);
  int vec = e->D.pdim == L || e->D.dim[L] >= e->VL;
  if (e->D.pdim == L) {
    const char *n = val(e, "arith.subi %s, %s : index", ub, lb);
    const char *nv = val(e, "arith.muli %s, %s : index", val(e, "arith.divui %s, %s : index", n, IX(e, e->VL)),
                         IX(e, e->VL));
    vend = val(e, "arith.addi %s, %s : index", lb, nv);
  } else {
    vend = IX(e, e->D.dim[L] / e->VL * e->VL);
  }
  const char *sacc0 = NULL;
  if (vec) {
    const char *j = fresh(e, "j"), *acc = NULL, *res = NULL, *vlb = lb, *init = NULL;
    set_mode(e, 1);
    /* a reduced innermost dimension of >= 2 vectors: U independent accumulators first (the
       add/max chain of one accumulator is latency bound), combined before the 1-vector loop */
    int U = racc && e->D.pdim != L ? (int)(e->D.dim[L] / e->VL) : 1;
    if (U > RED_UNROLL) U = RED_UNROLL;
    if (U >= 2) {
      const char *uj = fresh(e, "j"), *ures = fresh(e, "r"), *uacc[RED_UNROLL], *nacc[RED_UNROLL];
      int64_t ustep = (int64_t)U * e->VL;
      vlb = IX(e, e->D.dim[L] / ustep * ustep);
      sbuf ia = {0}, ty = {0};
      for (int u = 0; u < U; u++) {
        uacc[u] = fresh(e, "acc");
        sb_put(&ia, "%s%s = %s", u ? ", " : "", uacc[u], red_identity(e));
        sb_put(&ty, "%s%s", u ? ", " : "", e->ft);
      }
      line(e, "%s:%d = scf.for %s = %s to %s step %s iter_args(%s) -> (%s) {", ures, U, uj, lb, vlb, IX(e, ustep),
           ia.p, ty.p);
      e->depth++;
      sbuf ys = {0};
      for (int u = 0; u < U; u++) {
        const char *ju = u ? val(e, "arith.addi %s, %s : index", uj, IX(e, (int64_t)u * e->VL)) : uj;
        nacc[u] = emit_body(e, bases, ju, uacc[u]);
        sb_put(&ys, "%s%s", u ? ", " : "", nacc[u]);
      }
      line(e, "scf.yield %s : %s", ys.p, ty.p);
      e->depth--;
      line(e, "}");
      const char *part[RED_UNROLL];
      for (int u = 0; u < U; u++) {
        char nm[48];
        snprintf(nm, sizeof nm, "%s#%d", ures, u);
        part[u] = xl_arena_strdup(&e->arena, nm);
      }
      for (int w = U; w > 1;) { /* pairwise */
        int h = 0;
        for (int u = 0; u + 1 < w; u += 2) part[h++] = combine(e, part[u], part[u + 1]);
        if (w & 1) part[h++] = part[w - 1];
        w = h;
      }
      init = part[0];
      free(ia.p);
      free(ty.p);
      free(ys.p);
    }
    if (racc) {
      acc = fresh(e, "acc");
      res = fresh(e, "r");
      line(e, "%s = scf.for %s = %s to %s step %s iter_args(%s = %s) -> (%s) {", res, j, vlb, vend, IX(e, e->VL),
           acc, init ? init : red_identity(e), e->ft);
    } else {
      line(e, "scf.for %s = %s to %s step %s {", j, lb, vend, IX(e, e->VL));
    }
    e->depth++;
    const char *nacc = emit_body(e, bases, j, acc);
    if (racc) line(e, "scf.yield %s : %s", nacc, e->ft);
    e->depth--;
    line(e, "}");
    if (racc)
      sacc0 = val(e, "vector.reduction <%s>, %s : %s into %s", k->red_op == KIR_ADD ? "add" : "maximumf", res, e->ft,
                  e->sft);
  }
  set_mode(e, 0);
  if (racc && !sacc0) sacc0 = red_identity(e);
  if (!vec) vend = lb;
  const char *total = NULL;
  if (vec && e->D.pdim != L && e->D.dim[L] % e->VL == 0) {
    total = sacc0; /* no remainder */
  } else {
    const char *j = fresh(e, "j"), *acc = NULL, *res = NULL;
    if (racc) {
      acc = fresh(e, "acc");
      res = fresh(e, "r");
      line(e, "%s = scf.for %s = %s to %s step %s iter_args(%s = %s) -> (%s) {", res, j, vend, ub, IX(e, 1), acc,
           sacc0, e->ft);
    } else {
      line(e, "scf.for %s = %s to %s step %s {", j, vend, ub, IX(e, 1));
    }
    e->depth++;
    const char *nacc = emit_body(e, bases, j, acc);
    if (racc) line(e, "scf.yield %s : %s", nacc, e->ft);
    e->depth--;
    line(e, "}");
    total = res;
  }
  if (racc) {
    const kir_inst *s = &k->body.v[rs];
    const char *old = vload(e, s->buf, bases[rs], 0);
    vstore(e, s->buf, bases[rs], 0, combine(e, old, total));
  }
  free(bases);
}

/* A scan along the innermost dimension: one scalar loop in scan order carrying the running
   value (hoisted scalar loads of the values constant along it). */
static void emit_inner_scan(E *e, const char **iv) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1;
  int64_t n = e->D.dim[L];
  const char **bases = xl_calloc((size_t)k->body.n + 1, sizeof *bases);
  set_mode(e, 0);
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    if (!is_mem(in)) continue;
    bases[i] = base_index(e, i, iv, L);
    e->hoist[i] = e->hoistv[i] = NULL;
    if (in->op == KIR_LOAD && e->D.st[i][L] == 0) e->hoist[i] = vload(e, in->buf, bases[i], 0);
  }
  const char *j = fresh(e, "j"), *acc = fresh(e, "acc"), *res = fresh(e, "r");
  line(e, "%s = scf.for %s = %s to %s step %s iter_args(%s = %s) -> (%s) {", res, j, IX(e, 0), IX(e, n), IX(e, 1), acc,
       K(e, k->scan_op == KIR_ADD ? 0.0 : -INFINITY), e->ft);
  e->depth++;
  const char *at = k->scan_rev ? val(e, "arith.subi %s, %s : index", IX(e, n - 1), j) : j;
  e->scan_acc = acc;
  emit_body(e, bases, at, NULL);
  e->scan_acc = NULL;
  line(e, "scf.yield %s : %s", e->scan_new, e->ft);
  e->depth--;
  line(e, "}");
  free(bases);
}

/* ---- reductions of short rows, VL outputs at a time ----
 * A contraction whose innermost (vectorized) dimension is reduced and short (the per-head
 * recurrent matmul of a scan step: rows of 32) spends most of its time in the horizontal sum
 * of each output's accumulator. When the dimension outside it is not reduced, a multiple of VL
 * long and contiguous in the output, VL outputs run in one inner loop (one accumulator each;
 * operands that do not depend on the output index are loaded once), and the VL accumulators
 * are summed horizontally together by a shuffle tree (log2 VL levels of two shuffles and one
 * combine) into one vector of VL results, added to the output with one vector load and store.
 * Only the order of the additions changes (as with the accumulators of emit_inner).
 * no_jam (kir_emit_opts; XLC_KIR_NO_JAM=1) turns it off (for comparisons). */

/* The reducing store if the nest qualifies (see above), else -1. */
static int jam_store(const E *e) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1, rs = -1, nstore = 0;
  if (e->xnest || L < 1 || !e->D.red[L] || e->D.red[L - 1] || e->D.pdim == L) return -1;
  if (e->D.dim[L] < e->VL || e->D.dim[L] % e->VL) return -1;
  /* the outputs' dimension in whole vectors, or the split one ([lo, hi): a scalar remainder) */
  if (e->D.pdim != L - 1 && e->D.dim[L - 1] % e->VL) return -1;
  if (e->D.pdim == L - 1 && e->D.dim[L - 1] < e->VL) return -1;
  for (int i = 0; i < k->body.n; i++)
    if (k->body.v[i].op == KIR_STORE) {
      nstore++;
      if (store_reduces(k, &k->body.v[i])) rs = i;
    }
  if (nstore != 1 || rs < 0 || e->D.st[rs][L - 1] != 1) return -1;
  return rs;
}

/* The inner part for outputs iv[L-1] + 0 .. VL-1 (iv[L-1] steps by VL). */
static void emit_inner_jam(E *e, const char **iv, int rs) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1, J = e->VL, nb = k->body.n;
  const char **bases = xl_calloc((size_t)(J * nb) + 1, sizeof *bases);
  const char **hs = xl_calloc((size_t)(J * nb) + 1, sizeof *hs), **hv = xl_calloc((size_t)(J * nb) + 1, sizeof *hv);
  const char *ivu[KIR_MAXDIM + 1];
  memcpy(ivu, iv, sizeof ivu);
  set_mode(e, 0);
  for (int u = 0; u < J; u++) {
    ivu[L - 1] = u ? val(e, "arith.addi %s, %s : index", iv[L - 1], IX(e, u)) : iv[L - 1];
    for (int i = 0; i < nb; i++) {
      const kir_inst *in = &k->body.v[i];
      if (!is_mem(in)) continue;
      if (u && e->D.st[i][L - 1] == 0) { /* the same for every output: shared */
        bases[u * nb + i] = bases[i], hs[u * nb + i] = hs[i], hv[u * nb + i] = hv[i];
        continue;
      }
      bases[u * nb + i] = base_index(e, i, ivu, L);
      if (in->op == KIR_LOAD && e->D.st[i][L] == 0) {
        hs[u * nb + i] = vload(e, in->buf, bases[u * nb + i], 0);
        hv[u * nb + i] = val(e, "vector.broadcast %s : %s to %s", hs[u * nb + i], e->sft, e->vft);
      }
    }
  }
  set_mode(e, 1);
  const char *j = fresh(e, "j"), *res = fresh(e, "r"), *acc[64], *nacc[64];
  sbuf ia = {0}, ty = {0}, ys = {0};
  for (int u = 0; u < J; u++) {
    acc[u] = fresh(e, "acc");
    sb_put(&ia, "%s%s = %s", u ? ", " : "", acc[u], red_identity(e));
    sb_put(&ty, "%s%s", u ? ", " : "", e->ft);
  }
  line(e, "%s:%d = scf.for %s = %s to %s step %s iter_args(%s) -> (%s) {", res, J, j, IX(e, 0), IX(e, e->D.dim[L]),
       IX(e, e->VL), ia.p ? ia.p : "", ty.p ? ty.p : "");
  e->depth++;
  for (int u = 0; u < J; u++) {
    for (int i = 0; i < nb; i++) e->hoist[i] = hs[u * nb + i], e->hoistv[i] = hv[u * nb + i];
    nacc[u] = emit_body(e, bases + u * nb, j, acc[u]);
    sb_put(&ys, "%s%s", u ? ", " : "", nacc[u]);
  }
  line(e, "scf.yield %s : %s", ys.p ? ys.p : "", ty.p ? ty.p : "");
  e->depth--;
  line(e, "}");
  const char *part[64];
  for (int u = 0; u < J; u++) {
    char nm[48];
    snprintf(nm, sizeof nm, "%s#%d", res, u);
    part[u] = xl_arena_strdup(&e->arena, nm);
  }
  /* level h: lane l of the result combines lanes of the pair (x, y) so that after the last level
     lane l holds the whole sum of accumulator l */
  for (int h = 1, w = J; h < J; h *= 2, w /= 2) {
    for (int q = 0; q < w / 2; q++) {
      sbuf m1 = {0}, m2 = {0};
      for (int l = 0; l < J; l++) {
        int pos = l % (2 * h), base = l - pos;
        sb_put(&m1, "%s%d", l ? ", " : "", pos < h ? base + pos : J + base + pos - h);
        sb_put(&m2, "%s%d", l ? ", " : "", pos < h ? base + pos + h : J + base + pos);
      }
      const char *x = part[2 * q], *y = part[2 * q + 1];
      const char *a = val(e, "vector.shuffle %s, %s [%s] : %s, %s", x, y, m1.p, e->ft, e->ft);
      const char *b = val(e, "vector.shuffle %s, %s [%s] : %s, %s", x, y, m2.p, e->ft, e->ft);
      part[q] = combine(e, a, b);
      free(m1.p);
      free(m2.p);
    }
  }
  const kir_inst *s = &k->body.v[rs];
  vstore(e, s->buf, bases[rs], 1, combine(e, vload(e, s->buf, bases[rs], 1), part[0]));
  set_mode(e, 0);
  free(ia.p);
  free(ty.p);
  free(ys.p);
  free(bases);
  free(hs);
  free(hv);
}

/* Opens the loop of one segment of a dimension of n points: vec = 1 the whole vectors [0, nv)
   by VL (vector mode), vec = 0 the remainder [nv, n) one by one (scalar mode). Returns its
   index, or NULL (nothing opened) when the segment is empty; the caller closes the loop. */
static const char *open_segment(E *e, int vec, int64_t n) {
  int64_t nv = n / e->VL * e->VL, lo = vec ? 0 : nv, hi = vec ? nv : n;
  if (lo == hi) return NULL;
  set_mode(e, vec);
  const char *j = fresh(e, "j");
  line(e, "scf.for %s = %s to %s step %s {", j, IX(e, lo), IX(e, hi), IX(e, vec ? e->VL : 1));
  e->depth++;
  return j;
}

/* ---- reduced dimensions summed in registers (sink) ----
 * A contraction whose reduced dimensions sit just outside a non-reduced innermost one (the
 * input gradient of a thin projection, [B*T par, NH red, E]: dx[bt, e] = sum_h dg[bt, h] W[h, e])
 * would read, add and write every output once per reduced point after a pass that zeroes them.
 * Here the loops run the other way round: for each vector of outputs along the innermost
 * dimension the reduced dimensions loop inside it with the sum in a register, and the sum is
 * stored once (no zeroing pass: every output point is visited exactly once). The additions
 * happen in the same order as before, so the results are bit-identical. Only nests whose only
 * store is the reducing one qualify, with at most SINK_MAX reduced points per output (their
 * operand rows stay in cache across the vectors). no_sink (kir_emit_opts; XLC_KIR_NO_SINK=1) turns it off. */
#define SINK_MAX 256

/* The first merged dimension of the reduced block [d, L) if the nest qualifies, else -1. */
static int sink_dim(const E *e) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1, nstore = 0, rs = -1;
  if (e->xnest || L < 1 || e->D.red[L] || e->D.pdim == L || e->D.dim[L] < e->VL || !e->D.red[L - 1]) return -1;
  for (int i = 0; i < k->body.n; i++)
    if (k->body.v[i].op == KIR_STORE) {
      nstore++;
      if (store_reduces(k, &k->body.v[i])) rs = i;
    }
  if (nstore != 1 || rs < 0 || e->eo->no_sink) return -1;
  int d = L - 1;
  int64_t n = e->D.dim[d];
  while (d > 0 && e->D.red[d - 1]) n *= e->D.dim[--d];
  if (n > SINK_MAX || e->D.pdim >= d) return -1;
  return d;
}

/* The reduced loops d..L-1 around one pass of the body at innermost index j; returns the sum. */
static const char *emit_sink_red(E *e, const char **iv, int d, const char *j, const char *acc) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1;
  if (d == L) {
    const char **bases = xl_calloc((size_t)k->body.n + 1, sizeof *bases);
    int vec = e->vl > 1;
    for (int i = 0; i < k->body.n; i++) {
      const kir_inst *in = &k->body.v[i];
      e->hoist[i] = e->hoistv[i] = NULL;
      if (!is_mem(in)) continue;
      bases[i] = base_index(e, i, iv, L);
      if (in->op == KIR_LOAD && e->D.st[i][L] == 0) { /* one value for the whole vector */
        set_mode(e, 0);
        e->hoist[i] = vload(e, in->buf, bases[i], 0);
        set_mode(e, vec);
        if (vec) e->hoistv[i] = val(e, "vector.broadcast %s : %s to %s", e->hoist[i], e->sft, e->vft);
      }
    }
    e->sink = 1;
    const char *nacc = emit_body(e, bases, j, acc);
    e->sink = 0;
    free(bases);
    return nacc;
  }
  const char *res = fresh(e, "r"), *a = fresh(e, "acc");
  iv[d] = fresh(e, "i");
  line(e, "%s = scf.for %s = %s to %s step %s iter_args(%s = %s) -> (%s) {", res, iv[d], IX(e, 0),
       IX(e, e->D.dim[d]), IX(e, 1), a, acc, e->ft);
  e->depth++;
  const char *in = emit_sink_red(e, iv, d + 1, j, a);
  line(e, "scf.yield %s : %s", in, e->ft);
  e->depth--;
  line(e, "}");
  iv[d] = NULL;
  return res;
}

/* The vector loop over the innermost dimension (then its scalar remainder) with the reduced
   block [d, L) inside, each output stored once. */
static void emit_sink(E *e, const char **iv, int d) {
  const kir_kernel *k = e->k;
  int L = e->D.nd - 1, rs = -1;
  for (int i = 0; i < k->body.n; i++)
    if (k->body.v[i].op == KIR_STORE) rs = i;
  for (int q = d; q < L; q++) iv[q] = NULL;
  for (int vec = 1; vec >= 0; vec--) {
    const char *j = open_segment(e, vec, e->D.dim[L]);
    if (!j) continue;
    const char *sum = emit_sink_red(e, iv, d, j, red_identity(e));
    const char *base = base_index(e, rs, iv, L);
    vstore(e, k->body.v[rs].buf, elem_index(e, base, j, e->D.st[rs][L]), e->D.st[rs][L], sum);
    e->depth--;
    line(e, "}");
  }
  set_mode(e, 0);
}

/* ---- block-diagonal products (blockdiag) ----
 * A head-wise projection with tiny blocks, out[p, b, o] = sum_i W[b, o, i] x[p, b, i] with
 * O = I outputs and inputs per block (the mLSTM's 4 x 4 q/k/v blocks: loops [P par, NB, O, I
 * red]), would reduce each output over a vector of I lanes. Here a vector covers VL/O whole
 * blocks of one row: the row's x vector (the same VL/I blocks) is shuffled so that lane
 * (b, o) holds x[p, b, i], multiplied by W[b, o, i] for all lanes from a transposed copy
 * Wt[i][b][o] made once per call (NB*O*I elements on the stack), and summed over i in order
 * with FMAs: I shuffles, I loads and I FMAs per VL outputs. The input gradient (W read
 * transposed) is the same product. no_blockdiag (kir_emit_opts;
 * XLC_KIR_NO_BLOCKDIAG=1) turns it off. */

/* Whether the body is a contraction's: load, load, their product, stored reducing (add). */
static int product_body(const kir_kernel *k) {
  const kir_inst *b = k->body.v;
  return k->body.n == 4 && k->red_op == KIR_ADD && b[0].op == KIR_LOAD && b[1].op == KIR_LOAD &&
         b[2].op == KIR_MUL && b[3].op == KIR_STORE && store_reduces(k, &b[3]) && b[3].a == 2 &&
         ((b[2].a == 0 && b[2].b == 1) || (b[2].a == 1 && b[2].b == 0));
}

/* The loads (x, W) and the store of a qualifying nest (see above), and *r, the merged
   dimension (2 or 3) of the block input: loops [P par, NB, O, I red] (the product) or [P par,
   NB, O red, I] (its input gradient, dx[p, b, i] = sum_o W[b, o, i] dy[p, b, o]); 0 if it
   does not qualify. */
static int blockdiag_match(const E *e, int *ix, int *iw, int *is, int *r) {
  const kir_kernel *k = e->k;
  const dom *D = &e->D;
  if (D->nd != 4 || D->red[0] || D->red[1] || D->red[2] == D->red[3] || D->pdim != 0 || k->red_op != KIR_ADD)
    return 0;
  int64_t NB = D->dim[1], O = D->dim[2];
  *r = D->red[3] ? 3 : 2;
  int q = 5 - *r; /* the output dimension within a block */
  if (D->dim[3] != O || O < 2 || e->VL % O || (NB * O) % e->VL || k->body.n != 4 || e->eo->no_blockdiag)
    return 0;
  if (!product_body(k)) return 0;
  const int64_t(*st)[KIR_MAXDIM] = D->st;
  *ix = *iw = -1;
  for (int m = 0; m < 2; m++) {
    if (st[m][0] == 0 && st[m][1] == O * O && ((st[m][2] == O && st[m][3] == 1) || (st[m][2] == 1 && st[m][3] == O)))
      *iw = m;
    else if (st[m][1] == O && st[m][q] == 0 && st[m][*r] == 1)
      *ix = m;
  }
  *is = 3;
  return *ix >= 0 && *iw >= 0 && st[3][1] == O && st[3][q] == 1 && st[3][*r] == 0;
}

static void emit_blockdiag(E *e, int ix, int iw, int is, int r) {
  const kir_kernel *k = e->k;
  int64_t NB = e->D.dim[1], O = e->D.dim[2], I = O, n = NB * O * I, VL = e->VL;
  int q = 5 - r;
  const char *iv[KIR_MAXDIM + 1] = {0};
  /* Wt[i * NB*O + b * O + o] = W at (b, o, i), o along dimension q and i along r */
  set_mode(e, 0);
  char wty[48];
  snprintf(wty, sizeof wty, "memref<%lldx%s>", (long long)n, e->sft);
  const char *wt = val(e, "memref.alloca() : %s", wty);
  const char *wb = base_index(e, iw, iv, 4);
  const char *lb = fresh(e, "i"), *lo = fresh(e, "i"), *li = fresh(e, "i");
  line(e, "scf.for %s = %s to %s step %s {", lb, IX(e, 0), IX(e, NB), IX(e, 1));
  e->depth++;
  line(e, "scf.for %s = %s to %s step %s {", lo, IX(e, 0), IX(e, O), IX(e, 1));
  e->depth++;
  line(e, "scf.for %s = %s to %s step %s {", li, IX(e, 0), IX(e, I), IX(e, 1));
  e->depth++;
  {
    const int64_t *sw = e->D.st[iw];
    const char *src = val(e, "arith.addi %s, %s : index", wb, val(e, "arith.muli %s, %s : index", lb, IX(e, sw[1])));
    src = val(e, "arith.addi %s, %s : index", src, val(e, "arith.muli %s, %s : index", lo, IX(e, sw[q])));
    src = val(e, "arith.addi %s, %s : index", src, val(e, "arith.muli %s, %s : index", li, IX(e, sw[r])));
    const char *w = val(e, "memref.load %s[%s] : %s", e->mem[k->body.v[iw].buf], src, e->memty[k->body.v[iw].buf]);
    const char *dst = val(e, "arith.addi %s, %s : index", val(e, "arith.muli %s, %s : index", li, IX(e, NB * O)),
                          val(e, "arith.addi %s, %s : index", val(e, "arith.muli %s, %s : index", lb, IX(e, O)), lo));
    line(e, "memref.store %s, %s[%s] : %s", w, wt, dst, wty);
  }
  for (int d = 0; d < 3; d++) {
    e->depth--;
    line(e, "}");
  }
  /* rows p of this thread's slice, VL outputs at a time */
  const char *plb, *pub;
  bounds(e, 0, &plb, &pub);
  iv[0] = fresh(e, "i");
  line(e, "scf.for %s = %s to %s step %s {", iv[0], plb, pub, IX(e, 1));
  e->depth++;
  const char *xb = base_index(e, ix, iv, 1), *ob = base_index(e, is, iv, 1);
  const char *c = fresh(e, "j");
  line(e, "scf.for %s = %s to %s step %s {", c, IX(e, 0), IX(e, NB * O), IX(e, VL));
  e->depth++;
  set_mode(e, 1);
  /* x of the VL/I blocks of this vector: lanes c .. c+VL-1 of the row (O = I) */
  const char *X = vload(e, k->body.v[ix].buf, val(e, "arith.addi %s, %s : index", xb, c), 1);
  const char *acc = K(e, 0.0);
  for (int64_t i = 0; i < I; i++) {
    sbuf m = {0};
    for (int64_t l = 0; l < VL; l++) sb_put(&m, "%s%lld", l ? ", " : "", (long long)(l / O * I + i));
    const char *xi = val(e, "vector.shuffle %s, %s [%s] : %s, %s", X, X, m.p, e->ft, e->ft);
    free(m.p);
    const char *wi = val(e, "vector.load %s[%s] : %s, %s", wt, val(e, "arith.addi %s, %s : index", c, IX(e, i * NB * O)),
                         wty, e->ft);
    acc = fma_(e, xi, wi, acc);
  }
  vstore(e, k->body.v[is].buf, val(e, "arith.addi %s, %s : index", ob, c), 1, acc);
  set_mode(e, 0);
  e->depth--;
  line(e, "}");
  e->depth--;
  line(e, "}");
}

/* Its weight gradient, dW[b, o, i] = sum_p dy[p, b, o] x[p, b, i] (loops [P red, NB par, O,
 * I]): per row p, VL lanes (b, o) of dy times the shuffled x (lane (b, o): x[p, b, i]) are
 * added into Acc[i][b][o] on the stack (one load, FMA and store per input), and Acc is
 * written to dW transposed at the end; every output sums its rows in order, as the general
 * loops do. The thread slice [lo, hi) of b is honoured (a scalar loop does its last partial
 * vector). */
#define BLOCKDIAG_ACC_MAX 16384 /* elements of Acc */

static int blockdiag_wgrad_match(const E *e, int *ix, int *idy, int *is) {
  const kir_kernel *k = e->k;
  const dom *D = &e->D;
  if (D->nd != 4 || !D->red[0] || D->red[1] || D->red[2] || D->red[3] || D->pdim != 1 || k->red_op != KIR_ADD)
    return 0;
  int64_t NB = D->dim[1], O = D->dim[2], I = D->dim[3];
  if (O != I || O < 2 || e->VL % O || NB * O * I > BLOCKDIAG_ACC_MAX || k->body.n != 4 ||
      e->eo->no_blockdiag)
    return 0;
  if (!product_body(k)) return 0;
  const int64_t(*st)[KIR_MAXDIM] = D->st;
  *ix = *idy = -1;
  for (int q = 0; q < 2; q++) {
    if (st[q][1] == O && st[q][2] == 1 && st[q][3] == 0) *idy = q;
    else if (st[q][1] == I && st[q][2] == 0 && st[q][3] == 1) *ix = q;
  }
  *is = 3;
  return *ix >= 0 && *idy >= 0 && st[3][0] == 0 && st[3][1] == O * I && st[3][2] == I && st[3][3] == 1;
}

static void emit_blockdiag_wgrad(E *e, int ix, int idy, int is) {
  const kir_kernel *k = e->k;
  int64_t P = e->D.dim[0], NB = e->D.dim[1], O = e->D.dim[2], I = e->D.dim[3], NBO = NB * O, VL = e->VL;
  const char *iv[KIR_MAXDIM + 1] = {0};
  set_mode(e, 0);
  char aty[48];
  snprintf(aty, sizeof aty, "memref<%lldx%s>", (long long)(NBO * I), e->sft);
  const char *acc = val(e, "memref.alloca() : %s", aty);
  const char *lb, *ub;
  bounds(e, 1, &lb, &ub); /* blocks [lb, ub) */
  const char *c0 = val(e, "arith.muli %s, %s : index", lb, IX(e, O)), *c1 = val(e, "arith.muli %s, %s : index", ub, IX(e, O));
  /* lanes [c0, cv) in whole vectors, [cv, c1) one by one */
  const char *cv = val(e, "arith.addi %s, %s : index", c0,
                       val(e, "arith.muli %s, %s : index",
                           val(e, "arith.divui %s, %s : index", val(e, "arith.subi %s, %s : index", c1, c0), IX(e, VL)),
                           IX(e, VL)));
  for (int64_t i = 0; i < I; i++) { /* Acc = 0 over the slice */
    const char *c = fresh(e, "j");
    line(e, "scf.for %s = %s to %s step %s {", c, c0, c1, IX(e, 1));
    e->depth++;
    line(e, "memref.store %s, %s[%s] : %s", K(e, 0.0), acc, val(e, "arith.addi %s, %s : index", c, IX(e, i * NBO)), aty);
    e->depth--;
    line(e, "}");
  }
  iv[0] = fresh(e, "i");
  line(e, "scf.for %s = %s to %s step %s {", iv[0], IX(e, 0), IX(e, P), IX(e, 1));
  e->depth++;
  const char *xb = base_index(e, ix, iv, 1), *yb = base_index(e, idy, iv, 1);
  for (int vec = 1; vec >= 0; vec--) {
    set_mode(e, vec);
    const char *c = fresh(e, "j");
    line(e, "scf.for %s = %s to %s step %s {", c, vec ? c0 : cv, vec ? cv : c1, IX(e, vec ? VL : 1));
    e->depth++;
    const char *DY = vload(e, k->body.v[idy].buf, val(e, "arith.addi %s, %s : index", yb, c), 1);
    const char *X = NULL, *blk = NULL;
    if (vec) X = vload(e, k->body.v[ix].buf, val(e, "arith.addi %s, %s : index", xb, c), 1);
    else blk = val(e, "arith.subi %s, %s : index", c, val(e, "arith.remui %s, %s : index", c, IX(e, O))); /* b*O = b*I */
    for (int64_t i = 0; i < I; i++) {
      const char *xi;
      if (vec) {
        sbuf m = {0};
        for (int64_t l = 0; l < VL; l++) sb_put(&m, "%s%lld", l ? ", " : "", (long long)(l / O * I + i));
        xi = val(e, "vector.shuffle %s, %s [%s] : %s, %s", X, X, m.p, e->ft, e->ft);
        free(m.p);
      } else {
        xi = vload(e, k->body.v[ix].buf,
                   val(e, "arith.addi %s, %s : index", xb, val(e, "arith.addi %s, %s : index", blk, IX(e, i))), 1);
      }
      const char *ai = val(e, "arith.addi %s, %s : index", c, IX(e, i * NBO));
      const char *a = vec ? val(e, "vector.load %s[%s] : %s, %s", acc, ai, aty, e->ft)
                          : val(e, "memref.load %s[%s] : %s", acc, ai, aty);
      const char *r = fma_(e, DY, xi, a);
      if (vec) line(e, "vector.store %s, %s[%s] : %s, %s", r, acc, ai, aty, e->ft);
      else line(e, "memref.store %s, %s[%s] : %s", r, acc, ai, aty);
    }
    e->depth--;
    line(e, "}");
  }
  set_mode(e, 0);
  e->depth--;
  line(e, "}");
  /* dW[b, o, i] = Acc[i][b*O + o] for the slice */
  const char *c = fresh(e, "j");
  line(e, "scf.for %s = %s to %s step %s {", c, c0, c1, IX(e, 1));
  e->depth++;
  const char *ob = base_index(e, is, iv, 0);
  for (int64_t i = 0; i < I; i++) {
    const char *a = val(e, "memref.load %s[%s] : %s", acc, val(e, "arith.addi %s, %s : index", c, IX(e, i * NBO)), aty);
    const char *dst = val(e, "arith.addi %s, %s : index", ob,
                          val(e, "arith.addi %s, %s : index", val(e, "arith.muli %s, %s : index", c, IX(e, I)), IX(e, i)));
    line(e, "memref.store %s, %s[%s] : %s", a, e->mem[k->body.v[is].buf], dst, e->memty[k->body.v[is].buf]);
  }
  e->depth--;
  line(e, "}");
}

/* Loops over merged dimensions d..L-1 (outer loops), then the inner part. */
static void emit_nest(E *e, const char **iv, int d);

/* dimension d over [lb, ub) one by one, the inner dimensions inside */
static void emit_loop(E *e, const char **iv, int d, const char *lb, const char *ub) {
  iv[d] = fresh(e, "i");
  line(e, "scf.for %s = %s to %s step %s {", iv[d], lb, ub, IX(e, 1));
  e->depth++;
  if (d == e->D.scan) { /* the scan's loop: counter 0 first; a reversed scan addresses from the end */
    e->scan_iv = iv[d];
    if (e->k->scan_rev) iv[d] = val(e, "arith.subi %s, %s : index", IX(e, e->D.dim[d] - 1), iv[d]);
  }
  emit_nest(e, iv, d + 1);
  e->depth--;
  line(e, "}");
}

static void emit_nest(E *e, const char **iv, int d) {
  if (d == e->sink_d) {
    emit_sink(e, iv, d);
    return;
  }
  if (d == e->D.nd - 1) {
    emit_inner(e, iv);
    return;
  }
  int rs = d == e->D.nd - 2 && !e->eo->no_jam ? jam_store(e) : -1;
  if (rs >= 0 && d != e->D.pdim) {
    iv[d] = fresh(e, "i");
    line(e, "scf.for %s = %s to %s step %s {", iv[d], IX(e, 0), IX(e, e->D.dim[d]), IX(e, e->VL));
    e->depth++;
    emit_inner_jam(e, iv, rs);
    e->depth--;
    line(e, "}");
    return;
  }
  const char *lb, *ub;
  bounds(e, d, &lb, &ub);
  if (rs >= 0) {
    /* the split outputs (a matrix-vector product): the whole vectors [a, b) of [lb, ub) at
       multiples of VL jammed, [lb, a) and [b, ub) one by one; which outputs are jammed does
       not depend on the split, nor then the results */
    const char *vl = IX(e, e->VL), *vm = IX(e, e->VL - 1);
    const char *a = val(e, "arith.muli %s, %s : index", val(e, "arith.divui %s, %s : index", val(e, "arith.addi %s, %s : index", lb, vm), vl), vl);
    a = val(e, "arith.minui %s, %s : index", a, ub);
    const char *b = val(e, "arith.maxui %s, %s : index", val(e, "arith.muli %s, %s : index", val(e, "arith.divui %s, %s : index", ub, vl), vl), a);
    emit_loop(e, iv, d, lb, a);
    iv[d] = fresh(e, "i");
    line(e, "scf.for %s = %s to %s step %s {", iv[d], a, b, vl);
    e->depth++;
    emit_inner_jam(e, iv, rs);
    e->depth--;
    line(e, "}");
    lb = b;
  }
  emit_loop(e, iv, d, lb, ub);
}

/* Initialises the reduction output over the non-reduced dimensions (0 or -inf); the last of
   them with vector stores where the output is contiguous along it. */
static void emit_init(E *e, int rs, const char **iv, int d) {
  if (d == e->D.nd) {
    set_mode(e, 0);
    const char *idx = base_index(e, rs, iv, e->D.nd);
    line(e, "memref.store %s, %s[%s] : %s", red_identity(e), e->mem[e->k->body.v[rs].buf], idx,
         e->memty[e->k->body.v[rs].buf]);
    return;
  }
  if (e->D.red[d]) {
    iv[d] = NULL;
    emit_init(e, rs, iv, d + 1);
    return;
  }
  int last = 1;
  for (int q = d + 1; q < e->D.nd; q++) last &= e->D.red[q];
  if (last && d != e->D.pdim && e->D.st[rs][d] == 1 && e->D.dim[d] >= e->VL) {
    for (int q = d; q < e->D.nd; q++) iv[q] = NULL;
    const char *base = base_index(e, rs, iv, e->D.nd);
    for (int vec = 1; vec >= 0; vec--) {
      const char *j = open_segment(e, vec, e->D.dim[d]);
      if (!j) continue;
      vstore(e, e->k->body.v[rs].buf, elem_index(e, base, j, 1), 1, red_identity(e));
      e->depth--;
      line(e, "}");
    }
    set_mode(e, 0);
    return;
  }
  iv[d] = open_dim(e, d);
  emit_init(e, rs, iv, d + 1);
  e->depth--;
  line(e, "}");
}

/* The loops of nest `nest` (e->k) of a kernel, appended to e->body; its "domain -> loops" line
   to hdr. The nests run one after the other in the function; par: the dimension of this nest
   that [lo, hi) slices (kir_nest_par_dim), or -1. */
static void emit_kernel_nest(E *e, int par, int nest, sbuf *hdr) {
  const kir_kernel *k = e->k;
  build_dom(k, par, &e->D);
  int vl = full_lanes(e), L = e->D.nd - 1;
  int minl = e->f64 ? 2 : 4;
  if (L >= 0 && e->D.pdim != L && e->D.dim[L] < vl && e->D.dim[L] >= minl)
    while (e->D.dim[L] < vl) vl /= 2; /* the widest vector that the row fills */
  set_lanes(e, vl);
  size_t nb = (size_t)k->body.n + 1;
  e->val = xl_calloc(nb, sizeof *e->val);
  e->hoist = xl_calloc(nb, sizeof *e->hoist);
  e->hoistv = xl_calloc(nb, sizeof *e->hoistv);
  int empty = 0, rs = -1;
  for (int d = 0; d < k->ndim; d++) empty |= k->dim[d] == 0;
  for (int i = 0; i < k->body.n; i++)
    if (store_reduces(k, &k->body.v[i])) rs = i;
  int bx = -1, bw = -1, bs = -1, br = 3;
  e->xnest = has_op(k, KIR_INDEX) || has_op(k, KIR_LOADX) || has_op(k, KIR_STOREX);
  e->vary = xl_calloc(nb, 1);
  for (int i = 0; i < k->body.n; i++) { /* along the innermost merged dimension */
    const kir_inst *in = &k->body.v[i];
    /* ops past the table: kir_mlir_approx_test's unary approximations (AP_*) */
    int ar = in->op >= 0 && in->op < KIR_OP_COUNT ? kir_ops[in->op].nargs : 1;
    if (kir_mem(in->op) == 1) e->vary[i] = L >= 0 && e->D.st[i][L] != 0;
    if (in->op == KIR_INDEX) e->vary[i] = (int)in->imm == L; /* such nests keep their dimensions */
    if (kir_mem(in->op) == 2 || in->op == KIR_CONST) continue;
    for (int q = 0; q < ar; q++) e->vary[i] |= e->vary[q == 0 ? in->a : q == 1 ? in->b : in->c];
  }
  set_lanes(e, full_lanes(e)); /* whole vectors of several blocks */
  e->blockdiag = empty || e->xnest                     ? 0
                 : blockdiag_match(e, &bx, &bw, &bs, &br) ? 1
                 : blockdiag_wgrad_match(e, &bx, &bw, &bs) ? 2
                                                          : 0;
  if (!e->blockdiag) set_lanes(e, vl);
  if (e->blockdiag) {
    e->depth = 2;
    e->sink_d = -1;
    if (e->blockdiag == 1) emit_blockdiag(e, bx, bw, bs, br);
    else emit_blockdiag_wgrad(e, bx, bw, bs);
  } else if (!empty) {
    e->depth = 2;
    const char *iv[KIR_MAXDIM + 1] = {0};
    e->sink_d = rs >= 0 ? sink_dim(e) : -1;
    if (rs >= 0 && e->sink_d < 0) emit_init(e, rs, iv, 0);
    for (int i = 0; i < k->body.n; i++)
      if (k->body.v[i].op == KIR_STOREX) emit_zero_x(e, i, iv, 0);
    memset(iv, 0, sizeof iv);
    emit_nest(e, iv, 0);
  }
  if (nest) sb_put(hdr, "// nest %d: domain [", nest);
  else sb_put(hdr, "// kernel %s: domain [", k->name);
  for (int d = 0; d < k->ndim; d++) sb_put(hdr, "%s%lld", d ? ", " : "", (long long)k->dim[d]);
  sb_put(hdr, "] -> loops [");
  for (int d = 0; d < e->D.nd; d++)
    sb_put(hdr, "%s%lld%s%s", d ? ", " : "", (long long)e->D.dim[d], e->D.red[d] ? " red" : "",
           d == e->D.pdim ? " par" : d == e->D.scan ? " scan" : "");
  sb_put(hdr, "], %s, %d lanes%s\n", e->sft, e->D.scan == e->D.nd - 1 ? 1 : e->VL,
         e->D.scan >= 0      ? (k->scan_rev ? ", reversed scan" : ", scan")
         : e->blockdiag == 1 ? ", block-diagonal"
         : e->blockdiag == 2 ? ", block-diagonal weight gradient"
         : e->sink_d >= 0    ? ", reduced block in registers"
                             : "");
  free(e->val);
  free(e->vary);
  e->vary = NULL;
  free(e->hoist);
  free(e->hoistv);
  free(e->D.st);
  e->D.st = NULL;
}

char *kir_to_mlir(const kir_kernel *k, cg_dtype dt, const kir_emit_opts *eo) {
  static const kir_emit_opts none = {0};
  E e;
  memset(&e, 0, sizeof e);
  e.k = k;
  e.eo = eo ? eo : &none;
  e.f64 = dt == CG_F64;
  e.sft = e.f64 ? "f64" : "f32";
  e.sit = e.f64 ? "i64" : "i32";
  set_lanes(&e, full_lanes(&e));
  set_mode(&e, 0);
  const char *mems[KIR_MAXBUF] = {0};
  e.mem = mems;

  int any = 0; /* a nest with points */
  for (const kir_kernel *x = k; x; x = x->next) {
    int empty = 0;
    for (int d = 0; d < x->ndim; d++) empty |= x->dim[d] == 0;
    any |= !empty;
    for (int i = 0; i < x->body.n && !empty; i++) {
      const kir_inst *in = &x->body.v[i];
      if (is_mem(in) && !mems[in->buf]) {
        char name[16];
        snprintf(name, sizeof name, "%%m%d", in->buf);
        mems[in->buf] = xl_arena_strdup(&e.arena, name);
        snprintf(e.memty[in->buf], sizeof e.memty[in->buf], "memref<%lldx%s>",
                 (long long)k->buf_numel[in->buf], e.sft);
      }
    }
  }

  /* buffer pointers -> memref descriptors (folded away by the lowering) */
  sbuf pro = {0}, hdr = {0};
  const char *desc = "!llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>";
  if (any) {
    sb_put(&pro, "    %%z = llvm.mlir.constant(0 : i64) : i64\n    %%one = llvm.mlir.constant(1 : i64) : i64\n");
    sb_put(&pro, "    %%dundef = llvm.mlir.undef : %s\n", desc);
    for (int b = 0; b < k->nbuf; b++) {
      if (!mems[b]) continue;
      if (k->buf_out[b] == KIR_LOCAL) { /* scratch of this call (kir.h) */
        sb_put(&pro, "    %%m%d = memref.alloca() {alignment = 64 : i64} : %s\n", b, e.memty[b]);
        continue;
      }
      sb_put(&pro, "    %%pp%d = llvm.getelementptr %%bufs[%d] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr\n", b, b);
      sb_put(&pro, "    %%p%d = llvm.load %%pp%d : !llvm.ptr -> !llvm.ptr\n", b, b);
      sb_put(&pro, "    %%n%d = llvm.mlir.constant(%lld : i64) : i64\n", b, (long long)k->buf_numel[b]);
      sb_put(&pro, "    %%d%d_0 = llvm.insertvalue %%p%d, %%dundef[0] : %s\n", b, b, desc);
      sb_put(&pro, "    %%d%d_1 = llvm.insertvalue %%p%d, %%d%d_0[1] : %s\n", b, b, b, desc);
      sb_put(&pro, "    %%d%d_2 = llvm.insertvalue %%z, %%d%d_1[2] : %s\n", b, b, desc);
      sb_put(&pro, "    %%d%d_3 = llvm.insertvalue %%n%d, %%d%d_2[3, 0] : %s\n", b, b, b, desc);
      sb_put(&pro, "    %%d%d_4 = llvm.insertvalue %%one, %%d%d_3[4, 0] : %s\n", b, b, desc);
      sb_put(&pro, "    %%m%d = builtin.unrealized_conversion_cast %%d%d_4 : %s to %s\n", b, b, desc, e.memty[b]);
    }
  }
  int nest = 0;
  for (const kir_kernel *x = k; x; x = x->next) {
    e.k = x;
    emit_kernel_nest(&e, kir_nest_par_dim(k, x), nest++, &hdr);
  }

  sbuf out = {0};
  sb_put(&out, "%s", hdr.p);
  int par0 = kir_par_dim(k);
  sb_put(&out, "// ABI: void %s(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension %d", k->name,
         par0);
  for (const kir_kernel *x = k->next; x && par0 >= 0; x = x->next)
    sb_put(&out, ", %d", kir_nest_par_dim(k, x));
  sb_put(&out, "%s\n", k->next && par0 >= 0 ? " of the nests in order" : "");
  sb_put(&out, "module {\n");
  for (int f = 0; f < LM_COUNT; f++) {
    const char *t = e.f64 ? "f64" : "f32", *nm = e.f64 ? LIBM64[f] : LIBM32[f];
    if (e.need[f] && f == LM_POW) sb_put(&out, "  func.func private @%s(%s, %s) -> %s\n", nm, t, t, t);
    else if (e.need[f]) sb_put(&out, "  func.func private @%s(%s) -> %s\n", nm, t, t);
  }
  sb_put(&out, "  func.func @%s(%%bufs: !llvm.ptr, %%lo: i64, %%hi: i64) {\n", k->name);
  if (pro.p) sb_put(&out, "%s", pro.p);
  if (e.consts.p) sb_put(&out, "%s", e.consts.p);
  if (e.body.p) sb_put(&out, "%s", e.body.p);
  sb_put(&out, "    return\n  }\n}\n");

  free(pro.p);
  free(hdr.p);
  free(e.consts.p);
  free(e.body.p);
  free(e.ktab.v);
  xl_arena_free(&e.arena);
  return out.p;
}

/* Test and benchmark hook: b1[i] = fn(b0[i]) over i in [lo, hi), f32, both buffers n long. */
char *kir_mlir_approx_test(const char *fn, int64_t n) {
  /* a unary KIR op by its spelling, or an approximation that has no KIR op */
  static const struct {
    const char *name;
    int op;
  } fns[] = {{"erf", AP_ERF}, {"erfc", AP_ERFC}, {"phi", AP_PHI}, {"log1p01", AP_LOG1P01}};
  int op = -1;
  for (int k = 0; k < KIR_OP_COUNT; k++)
    if (kir_ops[k].nargs == 1 && k != KIR_STORE && !strcmp(kir_ops[k].name, fn)) op = k;
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
    if (!strcmp(fns[i].name, fn)) op = fns[i].op;
  if (op < 0) return NULL;
  kir_kernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "approx_%s", fn);
  k.ndim = 1;
  k.dim[0] = n;
  k.nbuf = 2;
  k.buf_numel[0] = k.buf_numel[1] = n;
  k.buf_out[1] = 1;
  kir_inst in;
  memset(&in, 0, sizeof in);
  in.op = KIR_LOAD;
  in.stride[0] = 1;
  xl_vec_push(k.body, in);
  in.op = (kir_op)op;
  in.a = 0;
  xl_vec_push(k.body, in);
  in.op = KIR_STORE;
  in.buf = 1;
  in.a = 1;
  xl_vec_push(k.body, in);
  char *t = kir_to_mlir(&k, CG_F32, NULL);
  free(k.body.v);
  return t;
}
