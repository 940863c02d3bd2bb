/* kir_cuda.c - KIR kernel -> CUDA C translation unit (kir_cuda.h has the contract: ABI,
 * mapping onto the grid, dtypes) and the table of GPU target facts.
 *
 * The text is written in one pass per nest: the point loop (grid-stride or block-stride),
 * the decomposition of the linear point index into the nest's non-reduced indices, the
 * reduced loops, and the body as one `const` value per instruction spelled by spell(), the one
 * switch over KIR ops: a new op is a case there, and an op without one is a clear error.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "kir_cuda.h"
#include "kir_mlir.h" /* kir_par_dim, kir_nest_par_dim: the split the CPU path uses */
#include "kplan.h"    /* kp_buf_cut: the slices a persistent scan's block owns */

/* ---- dtypes ---- */

const char *kcu_dtype_name(kcu_dtype dt) { return dt == KCU_F64 ? "f64" : dt == KCU_BF16 ? "bf16" : "f32"; }

int kcu_dtype_parse(const char *s, kcu_dtype *dt) {
  static const kcu_dtype all[] = {KCU_F64, KCU_F32, KCU_BF16};
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, kcu_dtype_name(all[i]))) return *dt = all[i], 1;
  return 0;
}

kcu_dtype kcu_dtype_of(cg_dtype dt) { return dt == CG_F64 ? KCU_F64 : KCU_F32; }

int kcu_dtype_size(kcu_dtype dt) { return dt == KCU_F64 ? 8 : dt == KCU_BF16 ? 2 : 4; }

/* ---- target facts ----
   sm_80: A100 SXM 80 GB (2.039 TB/s; 19.5 TFLOP/s f32, 9.7 f64 without tensor cores);
   sm_90: H100 SXM (3.35 TB/s; 67 TFLOP/s f32, 34 f64). Shared memory: 48 KiB without opt-in,
   163 / 227 KiB with it; 64 K registers per SM, 255 per thread. */
static const kcu_target TARGETS[] = {
  {"sm_80", "A100 SXM", 8, 0, 32, 1024, 256, 65535, 49152, 166912, 255, 65536, 108, 2.039e12, 19.5e12, 9.7e12},
  {"sm_90", "H100 SXM", 9, 0, 32, 1024, 256, 65535, 49152, 232448, 255, 65536, 132, 3.35e12, 67e12, 34e12},
};

const kcu_target *kcu_target_find(const char *arch) {
  for (size_t i = 0; arch && i < sizeof TARGETS / sizeof *TARGETS; i++)
    if (!strcmp(arch, TARGETS[i].arch)) return &TARGETS[i];
  return NULL;
}

const char *kcu_target_list(void) { return "sm_80, sm_90"; }

void kcu_name(const char *name, char *out, size_t n) {
  size_t i = 0;
  for (; name[i] && i + 1 < n; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out[i] = ok ? c : '_';
  }
  out[i] = 0;
  if (n > 1 && (out[0] == 0 || (out[0] >= '0' && out[0] <= '9'))) out[0] = 'k';
}

/* ---- cost ---- */

static int64_t npoints(const kir_kernel *x) {
  int64_t p = 1;
  for (int d = 0; d < x->ndim; d++) p *= x->dim[d];
  return p;
}

void kcu_cost(const kir_kernel *k, kcu_dtype dt, double *bytes, double *flops) {
  double b = 0, f = 0;
  for (int i = 0; i < k->nbuf; i++)
    if (k->buf_out[i] != KIR_LOCAL) b += (double)k->buf_numel[i] * kcu_dtype_size(dt);
  for (const kir_kernel *x = k; x; x = x->next) {
    int ops = x->red_mask ? 1 : 0;
    for (int i = 0; i < x->body.n; i++) {
      kir_op op = x->body.v[i].op;
      ops += op != KIR_LOAD && op != KIR_STORE && op != KIR_CONST;
    }
    f += (double)ops * (double)npoints(x);
  }
  *bytes = b;
  *flops = f;
}

/* ---- text ---- */

typedef struct {
  FILE *f;
  const kir_kernel *head;
  kcu_dtype dt;
  int f64;       /* compute type double */
  const kir_emit_opts *eo;
  char *err;     /* first error (malloc'd) */
  int sd, srev;  /* the current nest's scan dimension (-1: none) and direction */
} E;

static void fail(E *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(E *e, const char *fmt, ...) {
  if (e->err) return;
  va_list ap;
  va_start(ap, fmt);
  char *m = xl_vfmt(fmt, ap);
  va_end(ap);
  e->err = xl_fmt("kernel %s: %s", e->head->name, m);
  free(m);
}

/* A literal of the compute type that is exactly v as kir_interp computes it ((float)v in f32). */
static void put_const(E *e, double v) {
  if (!e->f64) v = (double)(float)v;
  if (isnan(v))
    fputs(e->f64 ? "xl_bits_d(0x7ff8000000000000ULL)" : "xl_bits_f(0x7fc00000u)", e->f);
  else if (isinf(v))
    fprintf(e->f, "%sxl_bits_%s", v < 0 ? "-" : "", e->f64 ? "d(0x7ff0000000000000ULL)" : "f(0x7f800000u)");
  else
    fprintf(e->f, e->f64 ? "%a" : "%af", v);
}

static void put_int(FILE *f, int64_t v) { fprintf(f, "%lld%s", (long long)v, v > INT_MAX || v < INT_MIN ? "LL" : ""); }

/* The prelude: types, bf16 conversions, infinity/NaN, and the formulas of kir_interp as
   functions of the compute type. */
static void prelude(E *e) {
  const char *r = e->f64 ? "double" : "float", *s = e->f64 ? "" : "f";
  FILE *f = e->f;
  fprintf(f, "typedef long long xl_i64;\n");
  fprintf(f, "typedef struct { void *b[%d]; } xl_bufs;\n", KIR_MAXBUF);
  fprintf(f, "typedef %s xl_r; /* arithmetic and accumulation */\n", r);
  fprintf(f, "typedef %s xl_s; /* storage */\n",
          e->dt == KCU_BF16 ? "unsigned short" : r);
  fprintf(f, "static __device__ __forceinline__ float xl_bits_f(unsigned u) { union { unsigned u; float f; } c; "
             "c.u = u; return c.f; }\n");
  fprintf(f, "static __device__ __forceinline__ double xl_bits_d(unsigned long long u) { union { unsigned long long "
             "u; double f; } c; c.u = u; return c.f; }\n");
  if (e->dt == KCU_BF16) {
    fprintf(f, "static __device__ __forceinline__ float xl_ld(xl_s h) { return xl_bits_f((unsigned)h << 16); }\n");
    fprintf(f, "/* round to nearest even; NaN stays a (quiet) NaN */\n"
               "static __device__ __forceinline__ xl_s xl_st(float x) {\n"
               "  union { float f; unsigned u; } c; c.f = x;\n"
               "  if ((c.u & 0x7fffffffu) > 0x7f800000u) return (xl_s)((c.u >> 16) | 0x40u);\n"
               "  return (xl_s)((c.u + 0x7fffu + ((c.u >> 16) & 1u)) >> 16);\n"
               "}\n");
  } else {
    fprintf(f, "static __device__ __forceinline__ xl_r xl_ld(xl_s x) { return x; }\n");
    fprintf(f, "static __device__ __forceinline__ xl_s xl_st(xl_r x) { return x; }\n");
  }
  static const char *const fns[] = {"exp", "log", "tanh", "erf", "log1p", "expm1", "sqrt", "fabs"};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
    fprintf(f, "static __device__ __forceinline__ xl_r xl_%s(xl_r x) { return %s%s(x); }\n", fns[i], fns[i], s);
  fprintf(f, "static __device__ __forceinline__ xl_r xl_pow(xl_r x, xl_r y) { return pow%s(x, y); }\n", s);
  fprintf(f, "static __device__ __forceinline__ xl_r xl_fma(xl_r x, xl_r y, xl_r z) { return fma%s(x, y, z); }\n", s);
  fprintf(f, "static __device__ __forceinline__ xl_r xl_sigmoid(xl_r x) {\n"
             "  if (x >= (xl_r)0) return (xl_r)1 / ((xl_r)1 + xl_exp(-x));\n"
             "  xl_r e = xl_exp(x);\n  return e / ((xl_r)1 + e);\n}\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_logsigmoid(xl_r x) {\n"
             "  return x > (xl_r)0 ? -xl_log1p(xl_exp(-x)) : x - xl_log1p(xl_exp(x));\n}\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_gelu(xl_r x) {\n"
             "  return (xl_r)0.5 * x * ((xl_r)1 + xl_erf(x * (xl_r)0.70710678118654752440));\n}\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_gelu_d(xl_r x) {\n"
             "  return (xl_r)0.5 * ((xl_r)1 + xl_erf(x * (xl_r)0.70710678118654752440)) +\n"
             "         x * (xl_r)0.39894228040143267794 * xl_exp((xl_r)-0.5 * x * x);\n}\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_sign(xl_r x) {\n"
             "  return x != x ? x : x > (xl_r)0 ? (xl_r)1 : x < (xl_r)0 ? (xl_r)-1 : (xl_r)0;\n}\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_max(xl_r x, xl_r y) { return x != x || x >= y ? x : y; }\n");
  fprintf(f, "static __device__ __forceinline__ xl_r xl_min(xl_r x, xl_r y) { return x != x || x <= y ? x : y; }\n");
  int lae = 0; /* only kernels that use it get it (the text of the others stays as it was) */
  for (const kir_kernel *x = e->head; x; x = x->next) {
    lae |= x->scan_op == KIR_LOGADDEXP;
    for (int i = 0; i < x->body.n; i++) lae |= x->body.v[i].op == KIR_LOGADDEXP;
  }
  const char *inf = e->f64 ? "xl_bits_d(0x7ff0000000000000ULL)" : "xl_bits_f(0x7f800000u)";
  if (lae)
    fprintf(f, "/* log(exp(a) + exp(b)): NaN if either is, +-inf where the larger is (no inf - inf) */\n"
               "static __device__ __forceinline__ xl_r xl_logaddexp(xl_r a, xl_r b) {\n"
               "  if (a != a || b != b) return a + b;\n"
               "  const xl_r m = a > b ? a : b;\n"
               "  if (m == %s || m == -%s) return m;\n"
               "  return m + xl_log1p(xl_exp(-xl_fabs(a - b)));\n}\n",
            inf, inf);
  fprintf(f, "/* the reducing store's max: NaN wins */\n"
             "static __device__ __forceinline__ xl_r xl_rmax(xl_r acc, xl_r v) { return v != v || v > acc ? v : acc; }\n");
}

/* The value of instruction `in` (an op with operands v<a>, v<b>, v<c>): the formulas of
   kir_interp. The one switch over KIR ops of this emitter. */
static void spell(E *e, const kir_inst *in) {
  FILE *f = e->f;
  int a = in->a, b = in->b, c = in->c;
  const char *fn = NULL; /* a one-operand function of the prelude */
  const char *infix = NULL;
  switch (in->op) {
  case KIR_CONST: put_const(e, in->imm); return;
  case KIR_NEG: fprintf(f, "-v%d", a); return;
  case KIR_EXP: fn = "exp"; break;
  case KIR_LOG: fn = "log"; break;
  case KIR_SIGMOID: fn = "sigmoid"; break;
  case KIR_LOGSIGMOID: fn = "logsigmoid"; break;
  case KIR_TANH: fn = "tanh"; break;
  case KIR_SILU: fprintf(f, "v%d * xl_sigmoid(v%d)", a, a); return;
  case KIR_GELU: fn = "gelu"; break;
  case KIR_GELU_D: fn = "gelu_d"; break;
  case KIR_ABS: fn = "fabs"; break;
  case KIR_SIGN: fn = "sign"; break;
  case KIR_SQRT: fn = "sqrt"; break;
  case KIR_RSQRT: fprintf(f, "(xl_r)1 / xl_sqrt(v%d)", a); return;
  case KIR_SQUARE: fprintf(f, "v%d * v%d", a, a); return;
  case KIR_RECIP: fprintf(f, "(xl_r)1 / v%d", a); return;
  case KIR_LOG1P: fn = "log1p"; break;
  case KIR_EXPM1: fn = "expm1"; break;
  case KIR_ADD: infix = "+"; break;
  case KIR_SUB: infix = "-"; break;
  case KIR_MUL: infix = "*"; break;
  case KIR_DIV: infix = "/"; break;
  case KIR_POW: fprintf(f, "xl_pow(v%d, v%d)", a, b); return;
  case KIR_MAX: fprintf(f, "xl_max(v%d, v%d)", a, b); return;
  case KIR_MIN: fprintf(f, "xl_min(v%d, v%d)", a, b); return;
  case KIR_GE: fprintf(f, "v%d >= v%d ? (xl_r)1 : (xl_r)0", a, b); return;
  case KIR_GT: fprintf(f, "v%d > v%d ? (xl_r)1 : (xl_r)0", a, b); return;
  case KIR_EQ: fprintf(f, "v%d == v%d ? (xl_r)1 : (xl_r)0", a, b); return;
  case KIR_SELECT: fprintf(f, "v%d != (xl_r)0 ? v%d : v%d", a, b, c); return;
  case KIR_LOGADDEXP: fprintf(f, "xl_logaddexp(v%d, v%d)", a, b); return;
  default:
    fail(e, "KIR op '%s' has no CUDA spelling (compiler/kir_cuda.c spell)", kir_op_name(in->op));
    fputs("0", f);
    return;
  }
  if (fn)
    fprintf(f, "xl_%s(v%d)", fn, a);
  else
    fprintf(f, "v%d %s v%d", a, infix, b);
}

/* The name of domain index d of the current nest: i<d>, the point addressed (reversed along a
   reversed scan), or with raw the domain coordinate itself (q along a reversed scan), which
   INDEX, LOADX and STOREX use (kir_interp's idx, where LOAD and STORE use at). */
static void put_idx(E *e, int d, int raw) {
  if (raw && d == e->sd && e->srev) fputs("q", e->f);
  else fprintf(e->f, "i%d", d);
}

/* The element index of access `in` of nest x: off + sum of i<d> * stride over the dimensions
   of extent > 1. */
static void put_addr_raw(E *e, const kir_kernel *x, const kir_inst *in, int reduced_too, int raw) {
  int any = 0;
  if (in->off) put_int(e->f, in->off), any = 1;
  for (int d = 0; d < x->ndim; d++) {
    int64_t st = in->stride[d];
    if (!st || x->dim[d] <= 1 || (!reduced_too && (x->red_mask >> d & 1))) continue;
    if (any) fputs(" + ", e->f);
    if (st != 1) put_int(e->f, st), fputs(" * ", e->f);
    put_idx(e, d, raw);
    any = 1;
  }
  if (!any) fputs("0", e->f);
}

static void put_addr(E *e, const kir_kernel *x, const kir_inst *in, int reduced_too) {
  put_addr_raw(e, x, in, reduced_too, 0);
}

/* The element of LOADX / STOREX `in` whose index operand is v<xv> (known in [0, xlim)). */
static void put_xaddr(E *e, const kir_kernel *x, const kir_inst *in, int xv) {
  put_addr_raw(e, x, in, 1, 1);
  fprintf(e->f, " + (xl_i64)v%d", xv);
  if (in->xstride != 1) fputs(" * ", e->f), put_int(e->f, in->xstride);
}

/* The condition that v<xv> lies in [0, xlim) (false for NaN), compared in double as kir_interp
   does. */
static void put_inrange(E *e, const kir_inst *in, int xv) {
  fprintf(e->f, "v%d >= (xl_r)0 && (double)v%d < %lld.0", xv, xv, (long long)in->xlim);
}

/* Whether value instruction i of x is used only by the reducing store that fuses it into an fma
   (then it is not spelled on its own). */
static int fused_only(int i, const int *uses, int fused) { return fused == i && uses[i] == 1; }

static void emit_body(E *e, const kir_kernel *x, const int *uses, int fused, int red_store, const char *ind) {
  FILE *f = e->f;
  for (int i = 0; i < x->body.n; i++) {
    const kir_inst *in = &x->body.v[i];
    if (in->op == KIR_STORE) {
      if (i == red_store) {
        const kir_inst *m = &x->body.v[in->a];
        if (fused >= 0)
          fprintf(f, "%sacc = xl_fma(v%d, v%d, acc);\n", ind, m->a, m->b);
        else if (x->red_op == KIR_ADD)
          fprintf(f, "%sacc = acc + v%d;\n", ind, in->a);
        else
          fprintf(f, "%sacc = xl_rmax(acc, v%d);\n", ind, in->a);
        continue;
      }
      if (x->scan_op && i == x->scan_inst) {
        /* the running value: the element one step back along the scan, combined with v */
        int64_t back = (x->scan_rev ? 1 : -1) * in->stride[x->scan_dim];
        fprintf(f, "%s{\n%s  const xl_r run = q == 0 ? ", ind, ind);
        put_const(e, x->scan_op == KIR_ADD ? 0.0 : -INFINITY);
        fprintf(f, " : xl_ld(b%d[", in->buf);
        put_addr(e, x, in, 1);
        fputs(" + ", f);
        put_int(f, back);
        fprintf(f, "]);\n%s  b%d[", ind, in->buf);
        put_addr(e, x, in, 1);
        if (x->scan_op == KIR_ADD) fprintf(f, "] = xl_st(run + v%d);\n%s}\n", in->a, ind);
        else fprintf(f, "] = xl_st(xl_logaddexp(run, v%d));\n%s}\n", in->a, ind);
        continue;
      }
      fprintf(f, "%sb%d[", ind, in->buf);
      put_addr(e, x, in, 1);
      fprintf(f, "] = xl_st(v%d);\n", in->a);
      continue;
    }
    if (in->op == KIR_STOREX) {
      fprintf(f, "%sif (", ind);
      put_inrange(e, in, in->b);
      fprintf(f, ") {\n%s  xl_s *const xp = &b%d[", ind, in->buf);
      put_xaddr(e, x, in, in->b);
      fprintf(f, "];\n%s  *xp = xl_st(xl_ld(*xp) + v%d);\n%s}\n", ind, in->a, ind);
      continue;
    }
    if (!uses[i] || fused_only(i, uses, fused)) continue;
    fprintf(f, "%sconst xl_r v%d = ", ind, i);
    if (in->op == KIR_LOAD) {
      fprintf(f, "xl_ld(b%d[", in->buf);
      put_addr(e, x, in, 1);
      fputs("])", f);
    } else if (in->op == KIR_LOADX) {
      /* guarded: no access unless the index is in range */
      fputc('(', f);
      put_inrange(e, in, in->a);
      fprintf(f, ") ? xl_ld(b%d[", in->buf);
      put_xaddr(e, x, in, in->a);
      fputs("]) : (xl_r)0", f);
    } else if (in->op == KIR_INDEX) {
      int d = (int)in->imm;
      if (x->dim[d] <= 1) fputs("(xl_r)0", f);
      else fputs("(xl_r)", f), put_idx(e, d, 1);
    } else
      spell(e, in);
    fputs(";\n", f);
  }
}

/* The dimensions of nest x one thread walks in order, in loops around the body: the reduced
   ones, those a STOREX pins (kir.h: its accumulation order and disjoint threads), the scanned
   one. The other dimensions are spread over the threads. */
static unsigned serial_mask(const kir_kernel *x) {
  unsigned m = x->red_mask;
  int storex = 0; /* (kir_storex_pins reads the op table: only for nests that need it, so that an
                     unknown op still reaches spell()'s clear error) */
  for (int i = 0; i < x->body.n; i++) storex |= x->body.v[i].op == KIR_STOREX;
  if (storex) m |= kir_storex_pins(x);
  if (kir_scan_dim(x) >= 0) m |= 1u << kir_scan_dim(x);
  return m;
}

/* Zeroes, before the point's loops, every element STOREX s reaches from this thread's point:
   each x in [0, xlim) at each index of the serial dimensions along which s has a stride (the
   threads' elements are disjoint: the dimensions spread over them are those along which every
   STOREX has a stride and its index does not vary). */
static void emit_zero_x(E *e, const kir_kernel *x, const kir_inst *s, unsigned ser) {
  FILE *f = e->f;
  char ind[64] = "      ";
  for (int d = 0; d < x->ndim; d++) {
    if (!(ser >> d & 1) || !s->stride[d] || x->dim[d] <= 1) continue;
    fprintf(f, "%sfor (xl_i64 i%d = 0; i%d < ", ind, d, d);
    put_int(f, x->dim[d]);
    fprintf(f, "; i%d++)\n", d);
    strcat(ind, "  ");
  }
  fprintf(f, "%sfor (xl_i64 z = 0; z < ", ind);
  put_int(f, s->xlim);
  fprintf(f, "; z++) b%d[", s->buf);
  put_addr(e, x, s, 1);
  fputs(" + z", f);
  if (s->xstride != 1) fputs(" * ", f), put_int(f, s->xstride);
  fputs("] = xl_st((xl_r)0);\n", f);
}

/* One nest: its points t = first, first + step, ... over the non-serial dimensions (par >= 0:
   dimension par is fixed at h), each with its loops over the serial ones. */
static void emit_nest(E *e, const kir_kernel *x, int nest, int par, const char *first, const char *step) {
  FILE *f = e->f;
  unsigned ser = serial_mask(x);
  e->sd = kir_scan_dim(x), e->srev = x->scan_rev;
  int64_t npts = 1;
  for (int d = 0; d < x->ndim; d++)
    if (!(ser >> d & 1) && d != par) npts *= x->dim[d];
  int *uses = xl_calloc((size_t)(x->body.n > 0 ? x->body.n : 1), sizeof *uses); /* readers of each value */
  int red_store = -1, fused = -1;
  for (int i = 0; i < x->body.n; i++) {
    const kir_inst *in = &x->body.v[i];
    int ar = in->op == KIR_LOAD || in->op == KIR_CONST ? 0 : (unsigned)in->op < KIR_OP_COUNT ? kir_ops[in->op].nargs : 0;
    if (ar > 0) uses[in->a]++;
    if (ar > 1) uses[in->b]++;
    if (ar > 2) uses[in->c]++;
    if (kir_store_reduces(x, in)) red_store = i;
  }
  if (red_store >= 0 && x->red_op == KIR_ADD && !(e->eo && e->eo->no_fma) &&
      x->body.v[x->body.v[red_store].a].op == KIR_MUL)
    fused = x->body.v[red_store].a;
  fprintf(f, "  { /* nest %d: domain [", nest);
  for (int d = 0; d < x->ndim; d++) fprintf(f, "%s%lld%s", d ? ", " : "", (long long)x->dim[d], x->red_mask >> d & 1 ? "r" : "");
  fprintf(f, "]%s */\n", par >= 0 ? ", block h = index of the split dimension" : "");
  if (par >= 0 && x->dim[par] > 1) fprintf(f, "    const xl_i64 i%d = h;\n", par);
  fprintf(f, "    for (xl_i64 t = %s; t < ", first);
  put_int(f, npts);
  fprintf(f, "; t += %s) {\n", step);
  /* t -> the non-reduced indices, innermost first */
  int any = 0;
  for (int d = x->ndim - 1; d >= 0; d--) {
    if ((ser >> d & 1) || d == par || x->dim[d] <= 1) continue;
    if (!any) fputs("      xl_i64 r = t;\n", f);
    any = 1;
    fprintf(f, "      const xl_i64 i%d = r %% ", d);
    put_int(f, x->dim[d]);
    fputs(";\n      r /= ", f);
    put_int(f, x->dim[d]);
    fputs(";\n", f);
  }
  if (!any) fputs("      (void)t;\n", f);
  if (red_store < 0 && !ser) {
    emit_body(e, x, uses, -1, -1, "      ");
  } else if (red_store < 0) {
    /* STOREX outputs zeroed first, then the serial loops in domain order (a scan's dimension
       counted by q from its start, i<d> the point addressed) */
    if (npoints(x) > 0)
      for (int i = 0; i < x->body.n; i++)
        if (x->body.v[i].op == KIR_STOREX) emit_zero_x(e, x, &x->body.v[i], ser);
    char ind[64] = "      ";
    int open = 0;
    for (int d = 0; d < x->ndim; d++) {
      if (!(ser >> d & 1)) continue;
      if (d == e->sd) {
        fprintf(f, "%sfor (xl_i64 q = 0; q < ", ind);
        put_int(f, x->dim[d]);
        fprintf(f, "; q++) {\n%s  const xl_i64 i%d = ", ind, d);
        if (x->scan_rev) put_int(f, x->dim[d] - 1), fputs(" - q;\n", f);
        else fputs("q;\n", f);
      } else {
        fprintf(f, "%sfor (xl_i64 i%d = 0; i%d < ", ind, d, d);
        put_int(f, x->dim[d]);
        fprintf(f, "; i%d++) {\n", d);
      }
      strcat(ind, "  ");
      open++;
    }
    emit_body(e, x, uses, -1, -1, ind);
    while (open--) {
      ind[strlen(ind) - 2] = 0;
      fprintf(f, "%s}\n", ind);
    }
  } else {
    fprintf(f, "      xl_r acc = %s;\n", x->red_op == KIR_ADD ? "(xl_r)0" : e->f64 ? "-xl_bits_d(0x7ff0000000000000ULL)" : "-xl_bits_f(0x7f800000u)");
    char ind[64] = "      ";
    for (int d = 0; d < x->ndim; d++) {
      if (!(x->red_mask >> d & 1)) continue;
      fprintf(f, "%sfor (xl_i64 i%d = 0; i%d < ", ind, d, d);
      put_int(f, x->dim[d]);
      fprintf(f, "; i%d++) {\n", d);
      strcat(ind, "  ");
    }
    emit_body(e, x, uses, fused, red_store, ind);
    for (int d = x->ndim - 1; d >= 0; d--) {
      if (!(x->red_mask >> d & 1)) continue;
      ind[strlen(ind) - 2] = 0;
      fprintf(f, "%s}\n", ind);
    }
    const kir_inst *s = &x->body.v[red_store];
    fprintf(f, "      b%d[", s->buf);
    put_addr(e, x, s, 0);
    fputs("] = xl_st(acc);\n", f);
  }
  fputs("    }\n  }\n", f);
  free(uses);
}

/* The launch geometry of k (coop: a cooperative scan's, every nest over the grid) and each
   local buffer's offset in dynamic shared memory (-1: not local); 0, or -1 with *err. */
static int geometry(const kir_kernel *k, kcu_dtype dt, const kcu_target *t, int coop, kcu_launch *geo,
                    int64_t *smem_off, char **err) {
  kcu_launch g = {1, t->warp, 0, -1};
  int chain = k->next != NULL;
  int split = chain && !coop ? kir_par_dim(k) : -1;
  int64_t maxpts = 0, H = split >= 0 ? k->dim[split] : 1;
  for (const kir_kernel *x = k; x; x = x->next) {
    int p = split >= 0 ? kir_nest_par_dim(k, x) : -1;
    int64_t n = 1;
    unsigned ser = serial_mask(x);
    for (int d = 0; d < x->ndim; d++)
      if (!(ser >> d & 1) && d != p) n *= x->dim[d];
    if (n > maxpts) maxpts = n;
  }
  int64_t blk = (maxpts + t->warp - 1) / t->warp * t->warp;
  g.block = (int)(blk < t->warp ? t->warp : blk > t->block_threads ? t->block_threads : blk);
  if (!chain || coop) {
    int64_t nb = (maxpts + g.block - 1) / g.block, cap = coop ? t->sms : t->max_grid;
    g.grid = nb < 1 ? 1 : nb > cap ? cap : nb;
  } else
    g.grid = split >= 0 ? (H > t->max_grid ? t->max_grid : H) : 1;
  g.split = split;
  for (int b = 0; b < k->nbuf; b++) {
    smem_off[b] = -1;
    if (k->buf_out[b] != KIR_LOCAL) continue;
    smem_off[b] = g.smem;
    g.smem += (k->buf_numel[b] * kcu_dtype_size(dt) + 15) / 16 * 16;
  }
  if (coop) { /* the same layout in global scratch (kcu_scan.scratch): the blocks share it */
    *geo = g;
    geo->smem = 0;
    return 0;
  }
  if (g.smem > t->smem_optin) {
    if (err) *err = xl_fmt("kernel %s: its local buffers need %lld bytes of shared memory; %s allows %lld", k->name,
                           (long long)g.smem, t->arch, (long long)t->smem_optin);
    return -1;
  }
  *geo = g;
  return 0;
}

/* Nest n of chain k (x) as emit_nest writes it, each line indented by ind. */
static void nest_indented(E *e, const kir_kernel *x, int n, int par, const char *first, const char *step,
                          const char *ind) {
  FILE *f = e->f;
  char *nb = NULL;
  size_t nl = 0;
  e->f = open_memstream(&nb, &nl);
  emit_nest(e, x, n, par, first, step);
  fclose(e->f);
  e->f = f;
  for (char *l = nb; *l;) {
    char *end = strchr(l, '\n');
    fprintf(f, "%s%.*s\n", ind, (int)(end - l), l);
    l = end + 1;
  }
  free(nb);
}

/* Closes e->f (the memory stream writing *text) and returns *text, or NULL with *err. */
static char *finish(E *e, char **textp, char **err) {
  fclose(e->f);
  char *text = *textp;
  if (e->err) {
    free(text);
    if (err) *err = e->err;
    else free(e->err);
    return NULL;
  }
  return text;
}

char *kcu_emit(const kir_kernel *k, kcu_dtype dt, const kcu_target *t, const kir_emit_opts *eo, kcu_launch *geo,
               char **err) {
  E e = {0};
  char *text = NULL;
  size_t len = 0;
  e.head = k, e.dt = dt, e.f64 = dt == KCU_F64, e.eo = eo;
  kcu_launch g;
  char name[80];
  kcu_name(k->name, name, sizeof name);
  int chain = k->next != NULL;
  int64_t smem_off[KIR_MAXBUF];
  if (geometry(k, dt, t, 0, &g, smem_off, err)) return NULL;
  int split = g.split;
  int64_t H = split >= 0 ? k->dim[split] : 1;

  e.f = open_memstream(&text, &len);
  XL_ASSERT(e.f);
  FILE *f = e.f;
  fprintf(f, "/* xlc kernel %s: %s, %d nest%s, for %s (compiler/kir_cuda.c)\n", k->name, kcu_dtype_name(dt),
          kir_nnest(k), chain ? "s" : "", t->arch);
  fprintf(f, "   launch: grid %lld, block %d, dynamic shared memory %lld bytes%s */\n", (long long)g.grid, g.block,
          (long long)g.smem, split >= 0 ? "; block h = index of the split dimension of each nest" : chain ? "; one block" : "");
  prelude(&e);
  /* no __launch_bounds__: with it ptxas trades registers for occupancy and spills (a chain of
     8 nests: 32 registers and a 4-byte spill instead of 40 registers) */
  fprintf(f, "\nextern \"C\" __global__ void %s(xl_bufs p) {\n", name);
  if (g.smem) fputs("  extern __shared__ double xl_smem[];\n", f);
  for (int b = 0; b < k->nbuf; b++) {
    if (smem_off[b] >= 0)
      fprintf(f, "  xl_s *const b%d = (xl_s *)((char *)xl_smem + %lld); /* local */\n", b, (long long)smem_off[b]);
    else
      fprintf(f, "  %sxl_s *const b%d = (%sxl_s *)p.b[%d];\n", k->buf_out[b] ? "" : "const ", b,
              k->buf_out[b] ? "" : "const ", b);
  }
  for (int b = 0; b < k->nbuf; b++) fprintf(f, "%s(void)b%d;", b ? " " : "  ", b);
  if (k->nbuf) fputc('\n', f);
  if (!chain) {
    emit_nest(&e, k, 0, -1, "(xl_i64)blockIdx.x * blockDim.x + threadIdx.x", "(xl_i64)gridDim.x * blockDim.x");
  } else {
    const char *ind = "";
    if (split >= 0) {
      fprintf(f, "  for (xl_i64 h = blockIdx.x; h < ");
      put_int(f, H);
      fprintf(f, "; h += gridDim.x) {\n");
      ind = "  ";
    }
    int n = 0;
    for (const kir_kernel *x = k; x; x = x->next, n++) {
      if (n) fprintf(f, "%s  __syncthreads();\n", ind);
      /* the nest's text, indented once more inside the loop over h */
      nest_indented(&e, x, n, split >= 0 ? kir_nest_par_dim(k, x) : -1, "(xl_i64)threadIdx.x", "(xl_i64)blockDim.x",
                    ind);
    }
    if (split >= 0) fputs("    __syncthreads();\n  }\n", f);
  }
  fputs("}\n", f);
  text = finish(&e, &text, err);
  if (text && geo) *geo = g;
  return text;
}

/* ---- persistent scans (kir_cuda.h kcu_emit_scan) ---- */

/* Where step s (time index t) reads state q, as an expression. */
static void put_state_read(FILE *f, const kcu_scan *sc, int qi) {
  const kcu_sstate *q = &sc->state[qi];
  if (q->saved) {
    fprintf(f, "(const xl_s *)p.b[%d] + t * ", q->slot);
    put_int(f, q->numel);
  } else { /* what step s-1 wrote */
    fprintf(f, "(s == 0 ? (const xl_s *)p.b[%d] : (%lld - s) %% 2 == 0 ? (const xl_s *)p.b[%d] : (const xl_s *)p.b[%d])",
            q->init, (long long)sc->T, q->out, q->slot);
  }
}

/* The pointer of buffer b at step s (time index t, next one tn), as an expression. */
static void put_scan_ptr(FILE *f, const kir_kernel *k, const kcu_scan *sc, int b) {
  const kcu_sbuf *d = &sc->buf[b];
  const char *c = k->buf_out[b] ? "" : "const ";
  if (d->kind == KCU_SB_FIXED) {
    fprintf(f, "(%sxl_s *)p.b[%d]", c, b);
  } else if (d->kind == KCU_SB_SLICE) {
    fprintf(f, "(%sxl_s *)p.b[%d] + t * ", c, b);
    put_int(f, d->step);
  } else {
    const kcu_sstate *q = &sc->state[d->state];
    if (d->kind == KCU_SB_STATE_OUT && q->saved) {
      fprintf(f, "(s == %lld ? (xl_s *)p.b[%d] : (xl_s *)p.b[%d] + tn * ", (long long)(sc->T - 1), q->out, q->slot);
      put_int(f, q->numel);
      fputc(')', f);
    } else if (d->kind == KCU_SB_STATE_OUT) { /* step T-1 writes the result */
      fprintf(f, "((%lld - s) %% 2 == 0 ? (xl_s *)p.b[%d] : (xl_s *)p.b[%d])", (long long)(sc->T - 1), q->out, q->slot);
    } else
      put_state_read(f, sc, d->state);
  }
}

/* One copy of a stored state into its stacked output's slice, elements [lo, hi) by threads
   first, first + step, ... */
static void put_copy(FILE *f, const kcu_scan *sc, const kcu_scopy *c, const char *lo, const char *hi,
                     const char *first, const char *step, const char *ind) {
  if (c->state >= 0) {
    fprintf(f, "%s{ /* state %d as this step reads it -> its saved slice p.b[%d] */\n", ind, c->state, c->dst);
    fprintf(f, "%s  const xl_s *const in = ", ind);
    put_state_read(f, sc, c->state);
    fputs(";\n", f);
  } else {
    fprintf(f, "%s{ /* stored state b%d -> the stacked output p.b[%d] */\n", ind, c->src, c->dst);
    fprintf(f, "%s  const xl_s *const in = b%d;\n", ind, c->src);
  }
  fprintf(f, "%s  xl_s *const o = (xl_s *)p.b[%d] + t * ", ind, c->dst);
  put_int(f, c->step);
  fprintf(f, ";\n%s  for (xl_i64 e = %s + %s; e < %s; e += %s) o[", ind, lo, first, hi, step);
  if (c->inner) {
    fputs("e / ", f), put_int(f, c->inner), fputs(" * ", f), put_int(f, c->ostride), fputs(" + e % ", f);
    put_int(f, c->inner);
  } else
    fputc('e', f);
  fprintf(f, "] = in[e];\n%s}\n", ind);
}

/* The copies before the chain (pre) or after it; how many. cut[i]: the slice of copy i a
   block owns (per-block scans). */
static int emit_copies(FILE *f, const kcu_scan *sc, int pre, int coop, const int64_t *cut, const char *ind) {
  int n = 0;
  for (int i = 0; i < sc->ncopy; i++) {
    char lo[64], hi[160], tot[32];
    const kcu_scopy *c = &sc->copy[i];
    if ((c->state >= 0) != pre) continue;
    n++;
    snprintf(tot, sizeof tot, "%lldLL", (long long)c->numel);
    if (coop) {
      put_copy(f, sc, c, "0", tot, "(xl_i64)blockIdx.x * blockDim.x + threadIdx.x", "(xl_i64)gridDim.x * blockDim.x",
               ind);
    } else { /* block h copies its own slice of the state */
      snprintf(lo, sizeof lo, "h * %lldLL", (long long)cut[i]);
      snprintf(hi, sizeof hi, "((h + 1) * %lldLL < %s ? (h + 1) * %lldLL : %s)", (long long)cut[i], tot,
               (long long)cut[i], tot);
      put_copy(f, sc, c, lo, hi, "(xl_i64)threadIdx.x", "(xl_i64)blockDim.x", ind);
    }
  }
  return n;
}

int64_t kcu_local_bytes(const kir_kernel *k, kcu_dtype dt) {
  int64_t n = 0;
  for (int b = 0; b < k->nbuf; b++)
    if (k->buf_out[b] == KIR_LOCAL) n += (k->buf_numel[b] * kcu_dtype_size(dt) + 15) / 16 * 16;
  return n;
}

char *kcu_emit_scan(const kir_kernel *k, const kcu_scan *sc, kcu_dtype dt, const kcu_target *t,
                    const kir_emit_opts *eo, kcu_launch *geo, char **err) {
  E e = {0};
  char *text = NULL;
  size_t len = 0;
  e.head = k, e.dt = dt, e.f64 = dt == KCU_F64, e.eo = eo;
  kcu_launch g;
  char name[80];
  kcu_name(k->name, name, sizeof name);
  int64_t smem_off[KIR_MAXBUF];
  if (geometry(k, dt, t, sc->coop, &g, smem_off, err)) return NULL;
  int split = g.split, coop = sc->coop;
  if (!coop && split < 0) {
    if (err) *err = xl_fmt("kernel %s: a per-block scan needs a chain split over a dimension", k->name);
    return NULL;
  }
  int64_t H = split >= 0 ? k->dim[split] : 1, cut[KIR_MAXBUF];
  for (int i = 0; i < sc->ncopy && !coop; i++) /* a state's slices: those of the buffer storing it */
    if (!(cut[i] = kp_buf_cut(k, sc->copy[i].state >= 0 ? sc->state[sc->copy[i].state].out : sc->copy[i].src))) {
      if (err) *err = xl_fmt("kernel %s: buffer %d is not cut by the split", k->name, sc->copy[i].src);
      return NULL;
    }
  e.f = open_memstream(&text, &len);
  XL_ASSERT(e.f);
  FILE *f = e.f;
  fprintf(f, "/* xlc scan kernel %s: %s, %d nest%s a step, %lld steps%s, for %s (compiler/kir_cuda.c)\n", k->name,
          kcu_dtype_name(dt), kir_nnest(k), k->next ? "s" : "", (long long)sc->T, sc->reverse ? " from the end" : "",
          t->arch);
  fprintf(f, "   launch: grid %lld, block %d, dynamic shared memory %lld bytes; %s */\n", (long long)g.grid, g.block,
          (long long)g.smem,
          coop ? "cooperative: every nest over the grid, a grid barrier between nests and steps"
               : "block h = index of the split dimension of each nest for the whole sequence");
  prelude(&e);
  const char *sync = coop ? "XL_GRID_SYNC();" : "__syncthreads();";
  if (coop) {
    /* the grid barrier: NVRTC without the toolkit's cooperative_groups header (a counter and a
       generation at p.b[barrier]; every block resident: a cooperative launch); the emulator
       (and any other compiler) through cooperative_groups, which its header declares */
    fputs("#ifdef __CUDACC_RTC__\n"
          "static __device__ __forceinline__ void xl_grid_sync(volatile unsigned *bar) {\n"
          "  __syncthreads();\n"
          "  if (threadIdx.x == 0) {\n"
          "    const unsigned gen = bar[1];\n"
          "    __threadfence();\n"
          "    if (atomicAdd((unsigned *)bar, 1u) == gridDim.x - 1) {\n"
          "      bar[0] = 0;\n"
          "      __threadfence();\n"
          "      atomicAdd((unsigned *)bar + 1, 1u);\n"
          "    } else {\n"
          "      while (bar[1] == gen) {\n"
          "      }\n"
          "    }\n"
          "    __threadfence();\n"
          "  }\n"
          "  __syncthreads();\n"
          "}\n", f);
    fprintf(f, "#define XL_GRID_SYNC() xl_grid_sync((volatile unsigned *)p.b[%d])\n", sc->barrier);
    fputs("#else\n#define XL_GRID_SYNC() cooperative_groups::this_grid().sync()\n#endif\n", f);
  }
  int remap = 0;
  for (int b = 0; b < k->nbuf; b++) remap |= sc->buf[b].kind == KCU_SB_SLICE && sc->buf[b].inner > 0;
  if (remap) /* a slice that is not contiguous: element e at (e / IN) * OS + e % IN */
    fputs("template <class S, xl_i64 IN, xl_i64 OS> struct xl_slice {\n"
          "  S *p;\n"
          "  __device__ __forceinline__ S &operator[](xl_i64 e) const { return p[e / IN * OS + e % IN]; }\n"
          "};\n", f);
  fprintf(f, "\nextern \"C\" __global__ void %s(xl_bufs p) {\n", name);
  if (g.smem) fputs("  extern __shared__ double xl_smem[];\n", f);
  fprintf(f, "  for (xl_i64 s = 0; s < %lld; s++) {\n", (long long)sc->T);
  if (sc->reverse)
    fprintf(f, "    const xl_i64 t = %lld - s, tn = t - 1;\n", (long long)(sc->T - 1));
  else
    fputs("    const xl_i64 t = s, tn = t + 1;\n", f);
  fputs("    (void)t; (void)tn;\n", f);
  for (int b = 0; b < k->nbuf; b++) {
    const kcu_sbuf *d = &sc->buf[b];
    const char *c = k->buf_out[b] ? "" : "const ";
    if (smem_off[b] >= 0) {
      fprintf(f, "    xl_s *const b%d = (xl_s *)((char *)", b);
      if (coop) fprintf(f, "p.b[%d]", sc->scratch);
      else fputs("xl_smem", f);
      fprintf(f, " + %lld); /* local */\n", (long long)smem_off[b]);
    } else if (d->kind == KCU_SB_SLICE && d->inner > 0) {
      fprintf(f, "    const xl_slice<%sxl_s, ", c);
      put_int(f, d->inner);
      fputs(", ", f);
      put_int(f, d->ostride);
      fprintf(f, "> b%d = {", b);
      put_scan_ptr(f, k, sc, b);
      fputs("};\n", f);
    } else {
      fprintf(f, "    %sxl_s *const b%d = ", c, b);
      put_scan_ptr(f, k, sc, b);
      fputs(";\n", f);
    }
  }
  for (int b = 0; b < k->nbuf; b++) fprintf(f, "%s(void)b%d;", b ? " " : "    ", b);
  if (k->nbuf) fputc('\n', f);
  const char *ind = coop ? "  " : "    ";
  if (!coop) {
    fputs("    for (xl_i64 h = blockIdx.x; h < ", f);
    put_int(f, H);
    fputs("; h += gridDim.x) {\n", f);
  }
  char istr[32];
  snprintf(istr, sizeof istr, "%s  ", ind);
  emit_copies(f, sc, 1, coop, cut, istr);
  int n = 0;
  for (const kir_kernel *x = k; x; x = x->next, n++) {
    if (n) fprintf(f, "%s  %s\n", ind, sync);
    if (coop)
      nest_indented(&e, x, n, -1, "(xl_i64)blockIdx.x * blockDim.x + threadIdx.x", "(xl_i64)gridDim.x * blockDim.x",
                    ind);
    else
      nest_indented(&e, x, n, kir_nest_par_dim(k, x), "(xl_i64)threadIdx.x", "(xl_i64)blockDim.x", ind);
  }
  fprintf(f, "%s  %s\n", ind, sync);
  if (emit_copies(f, sc, 0, coop, cut, istr)) fprintf(f, "%s  %s\n", ind, sync);
  if (!coop) fputs("    }\n", f);
  fputs("  }\n}\n", f);
  text = finish(&e, &text, err);
  if (text && geo) *geo = g;
  return text;
}
