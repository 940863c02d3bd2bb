/* kir.c - the kernel IR: the op table (names and operand counts, generated from kir_ops.def
 * and ops.def) and the CG->KIR op map (ops.def's kir column), the deterministic text form
 * (--stage=kir), the verifier and a plain loop interpreter.
 *
 * The interpreter is the oracle for the emitted code (MLIR, CUDA): it walks the domain in
 * row-major order and evaluates the body once per point with exactly the scalar formulas of
 * the reference executor (exec_tmpl.h), in float64 or float32, so a fused kernel reproduces
 * the unfused nodes bit for bit (reductions accumulate in the same order as ref_exec).
 * Nothing here knows the cell graph beyond the dtype; planning lives in kplan.c.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <tgmath.h>

#include "kir.h"

const kir_opinfo kir_ops[KIR_OP_COUNT] = {
#define K(e, s, n) [KIR_##e] = {s, n},
#define X(e, s, ar, kind, kir, ...) KIR_IF_##kir([KIR_##e] = {s, ar}, )
#include "kir_ops.def"
#undef K
#undef X
};

const char *kir_op_name(kir_op op) {
  return (unsigned)op < KIR_OP_COUNT && kir_ops[op].name ? kir_ops[op].name : "?";
}

/* ops.def's kir column as a table: SELF -> KIR_<e>, AS(K) -> KIR_K, NONE -> KIR_NONE */
#define KIR_OF_SELF(e) KIR_##e
#define KIR_OF_NONE(e) KIR_NONE
#define KIR_OF_AS(k) KIR_##k KIR_OF_DROP
#define KIR_OF_DROP(e)
static const kir_op kir_of_cg_tab[CG_OP_COUNT] = {
#define X(e, s, ar, kind, kir, ...) [CG_OP_##e] = KIR_OF_##kir(e),
#include "ops.def"
#undef X
};

kir_op kir_of_cg(cg_op op) { return (unsigned)op < CG_OP_COUNT ? kir_of_cg_tab[op] : KIR_NONE; }

void kir_free(kir_kernel *k) {
  while (k) {
    kir_kernel *n = k->next;
    free(k->body.v);
    free(k);
    k = n;
  }
}

int kir_nnest(const kir_kernel *k) {
  int n = 0;
  for (; k; k = k->next) n++;
  return n;
}

int64_t kir_points(const kir_kernel *k) {
  int64_t n = 0;
  for (; k; k = k->next) {
    int64_t p = 1;
    for (int d = 0; d < k->ndim; d++) p *= k->dim[d];
    n += p;
  }
  return n;
}

/* Number of value operands of an op (a, b, c in that order), -1 for no op. */
static int op_arity(kir_op op) { return (unsigned)op < KIR_OP_COUNT ? kir_ops[op].nargs : -1; }

int kir_mem(kir_op op) {
  return op == KIR_LOAD || op == KIR_LOADX ? 1 : op == KIR_STORE || op == KIR_STOREX ? 2 : 0;
}

int kir_store_reduces(const kir_kernel *k, const kir_inst *s) {
  if (!k->red_mask || s->op != KIR_STORE) return 0;
  for (int d = 0; d < k->ndim; d++)
    if ((k->red_mask >> d & 1) && s->stride[d] != 0) return 0;
  return 1;
}

int kir_scan_dim(const kir_kernel *k) { return k->scan_op ? k->scan_dim : -1; }

/* ---- text ---- */


static void put_dims(FILE *f, int n, const int64_t *d) {
  fputc('[', f);
  for (int i = 0; i < n; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)d[i]);
  fputc(']', f);
}

static void dump_nest(const kir_kernel *k, int nest, FILE *out);

void kir_dump(const kir_kernel *k, FILE *out) {
  for (int i = 0; k; k = k->next, i++) dump_nest(k, i, out);
}

/* nest 0: "kernel NAME domain [..]", its buffers, its body; later nests: "nest N domain [..]"
   and their bodies (the buffers are the same) */
static void dump_nest(const kir_kernel *k, int nest, FILE *out) {
  if (nest) fprintf(out, "nest %d domain ", nest);
  else fprintf(out, "kernel %s domain ", k->name);
  put_dims(out, k->ndim, k->dim);
  if (k->red_mask) {
    fputs(" red [", out);
    for (int d = 0, first = 1; d < KIR_MAXDIM; d++)
      if (k->red_mask >> d & 1) {
        fprintf(out, "%s%d", first ? "" : ", ", d);
        first = 0;
      }
    fprintf(out, "] %s", kir_op_name(k->red_op));
  }
  if (k->scan_op) fprintf(out, " scan %d %s%s", k->scan_dim, kir_op_name(k->scan_op), k->scan_rev ? " reverse" : "");
  fputc('\n', out);
  for (int b = 0; b < k->nbuf && !nest; b++)
    fprintf(out, "  b%d %s numel=%lld%s\n", b, k->buf_out[b] ? "out" : "in", (long long)k->buf_numel[b],
            k->buf_out[b] == KIR_LOCAL ? " local" : "");
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    fputs("  ", out);
    switch (in->op) {
    case KIR_LOAD:
    case KIR_STORE:
      if (in->op == KIR_LOAD) fprintf(out, "%%%d = ", i);
      fprintf(out, "%s b%d off=%lld strides=", kir_op_name(in->op), in->buf, (long long)in->off);
      put_dims(out, k->ndim, in->stride);
      if (in->op == KIR_STORE) {
        fprintf(out, " %%%d", in->a);
        if (kir_store_reduces(k, in)) fprintf(out, " reduce=%s", kir_op_name(k->red_op));
        if (k->scan_op && i == k->scan_inst) fprintf(out, " scan=%s", kir_op_name(k->scan_op));
      }
      break;
    case KIR_LOADX:
    case KIR_STOREX:
      if (in->op == KIR_LOADX) fprintf(out, "%%%d = ", i);
      fprintf(out, "%s b%d off=%lld strides=", kir_op_name(in->op), in->buf, (long long)in->off);
      put_dims(out, k->ndim, in->stride);
      if (in->op == KIR_STOREX) fprintf(out, " %%%d", in->a);
      fprintf(out, " x=%%%d xstride=%lld xlim=%lld", in->op == KIR_LOADX ? in->a : in->b, (long long)in->xstride,
              (long long)in->xlim);
      break;
    case KIR_INDEX: fprintf(out, "%%%d = index %d", i, (int)in->imm); break;
    case KIR_CONST:
      fprintf(out, "%%%d = const ", i);
      cg_put_float(out, in->imm);
      break;
    default: {
      int ar = op_arity(in->op);
      fprintf(out, "%%%d = %s", i, kir_op_name(in->op));
      const int ops[3] = {in->a, in->b, in->c};
      for (int j = 0; j < ar; j++) fprintf(out, "%s%%%d", j ? ", " : " ", ops[j]);
    }
    }
    fputc('\n', out);
  }
}

/* ---- verifier ---- */

static int problem(FILE *err, const kir_kernel *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int problem(FILE *err, const kir_kernel *k, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(err, "kir_verify: %s: ", k->name);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
    va_end(ap);
  }
  return 1;
}

/* Checks that every point of the domain addresses an element of buffer b. */
static int check_access(const kir_kernel *k, const kir_inst *in, int i, FILE *err) {
  int64_t lo = in->off, hi = in->off;
  for (int d = 0; d < k->ndim; d++) {
    if (k->dim[d] == 0) return 0; /* empty domain: nothing is accessed */
    int64_t span = in->stride[d] * (k->dim[d] - 1);
    if (span < 0) lo += span;
    else hi += span;
  }
  if (kir_mem(in->op) && (in->op == KIR_LOADX || in->op == KIR_STOREX)) {
    if (in->xlim < 0) return problem(err, k, "%%%d %s: xlim %lld < 0", i, kir_op_name(in->op), (long long)in->xlim);
    if (in->xlim == 0) return 0; /* every index is out of range: nothing is accessed */
    int64_t span = in->xstride * (in->xlim - 1);
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= k->buf_numel[in->buf])
    return problem(err, k, "%%%d %s b%d: elements %lld..%lld outside [0, %lld)", i, kir_op_name(in->op),
                   in->buf, (long long)lo, (long long)hi, (long long)k->buf_numel[in->buf]);
  return 0;
}

/* Load i of a scan nest reads the scan store's element after the store (the running value). */
static int scan_reload(const kir_kernel *k, int i) {
  if (!k->scan_op || k->scan_inst < 0 || k->scan_inst >= i) return 0;
  const kir_inst *l = &k->body.v[i], *s = &k->body.v[k->scan_inst];
  return s->op == KIR_STORE && l->buf == s->buf && l->off == s->off &&
         memcmp(l->stride, s->stride, (size_t)k->ndim * sizeof *l->stride) == 0;
}

/* One loop nest; stored[b] counts the stores of buffer b in this and the earlier nests. */
static int verify_nest(const kir_kernel *k, int *stored, FILE *err) {
  int n = 0;
  if (k->ndim < 0 || k->ndim > KIR_MAXDIM) return problem(err, k, "ndim %d out of range", k->ndim);
  if (k->nbuf < 0 || k->nbuf > KIR_MAXBUF) return problem(err, k, "nbuf %d out of range", k->nbuf);
  for (int d = 0; d < k->ndim; d++)
    if (k->dim[d] < 0) n += problem(err, k, "dimension %d has size %lld", d, (long long)k->dim[d]);
  for (int b = 0; b < k->nbuf; b++)
    if (k->buf_numel[b] < 0) n += problem(err, k, "b%d has numel %lld", b, (long long)k->buf_numel[b]);
  if (k->red_mask) {
    if (k->red_mask >> k->ndim) n += problem(err, k, "red_mask 0x%x names dimensions >= %d", k->red_mask, k->ndim);
    if (k->red_op != KIR_ADD && k->red_op != KIR_MAX)
      n += problem(err, k, "red_op %s is not add or max", kir_op_name(k->red_op));
    for (int d = 0; d < k->ndim; d++)
      if ((k->red_mask >> d & 1) && k->dim[d] < 2)
        n += problem(err, k, "reduced dimension %d has size %lld (< 2)", d, (long long)k->dim[d]);
  }
  if (n) return n;
  int before[KIR_MAXBUF], nred = 0; /* stores of the earlier nests */
  memcpy(before, stored, sizeof before);
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    int ar = op_arity(in->op);
    if (ar < 0) {
      n += problem(err, k, "%%%d: bad op %d", i, (int)in->op);
      continue;
    }
    const int ops[3] = {in->a, in->b, in->c};
    for (int j = 0; j < ar; j++) {
      if (ops[j] < 0 || ops[j] >= i)
        n += problem(err, k, "%%%d %s: operand %%%d is not an earlier instruction", i, kir_op_name(in->op), ops[j]);
      else if (kir_mem(k->body.v[ops[j]].op) == 2)
        n += problem(err, k, "%%%d %s: operand %%%d is a store", i, kir_op_name(in->op), ops[j]);
    }
    if (in->op == KIR_INDEX && (in->imm != (int)in->imm || in->imm < 0 || in->imm >= k->ndim))
      n += problem(err, k, "%%%d index: dimension %g of a %d-dimensional domain", i, in->imm, k->ndim);
    if (in->op == KIR_STOREX && k->red_mask)
      n += problem(err, k, "%%%d storex in a nest with reduced dimensions", i);
    if (!kir_mem(in->op)) continue;
    if (in->buf < 0 || in->buf >= k->nbuf) {
      n += problem(err, k, "%%%d %s: buffer b%d out of range", i, kir_op_name(in->op), in->buf);
      continue;
    }
    if (kir_mem(in->op) == 1 && k->buf_out[in->buf] && !before[in->buf] && !scan_reload(k, i))
      n += problem(err, k, "%%%d %s: b%d is an output of the kernel not stored by an earlier nest", i,
                   kir_op_name(in->op), in->buf);
    if (in->op == KIR_STOREX) {
      if (!k->buf_out[in->buf]) n += problem(err, k, "%%%d storex: b%d is an input of the kernel", i, in->buf);
      stored[in->buf]++; /* any strides: it accumulates (zeroed first) */
    }
    if (in->op == KIR_STORE) {
      if (!k->buf_out[in->buf]) n += problem(err, k, "%%%d store: b%d is an input of the kernel", i, in->buf);
      stored[in->buf]++;
      int red = kir_store_reduces(k, in);
      nred += red;
      /* every point writes its own element, except along the reduced dimensions */
      for (int d = 0; d < k->ndim; d++)
        if (k->dim[d] > 1 && in->stride[d] == 0 && !(red && (k->red_mask >> d & 1)))
          n += problem(err, k, "%%%d store: stride 0 along dimension %d of size %lld", i, d,
                       (long long)k->dim[d]);
    }
    n += check_access(k, in, i, err);
  }
  if (k->red_mask && nred != 1)
    n += problem(err, k, "%d reducing stores (want 1: strides 0 along every reduced dimension)", nred);
  if (k->scan_op) {
    if (k->scan_op != KIR_ADD && k->scan_op != KIR_LOGADDEXP)
      n += problem(err, k, "scan_op %s is not add or logaddexp", kir_op_name(k->scan_op));
    if (k->red_mask) n += problem(err, k, "a scan nest has reduced dimensions");
    if (k->scan_dim < 0 || k->scan_dim >= k->ndim || k->dim[k->scan_dim] < 2)
      n += problem(err, k, "scan dimension %d is not one of size >= 2", k->scan_dim);
    if (k->scan_inst < 0 || k->scan_inst >= k->body.n || k->body.v[k->scan_inst].op != KIR_STORE)
      n += problem(err, k, "scan instruction %%%d is not a store", k->scan_inst);
  }
  return n;
}

int kir_verify(const kir_kernel *k, FILE *err) {
  int n = 0, stored[KIR_MAXBUF] = {0}, nest = 0;
  for (const kir_kernel *x = k; x; x = x->next, nest++) {
    /* only the first nbuf entries are set: the rest may be uninitialised (valgrind) */
    size_t nb = k->nbuf > 0 && k->nbuf <= KIR_MAXBUF ? (size_t)k->nbuf : 0;
    if (x != k && (strcmp(x->name, k->name) || x->nbuf != k->nbuf ||
                   memcmp(x->buf_numel, k->buf_numel, nb * sizeof *k->buf_numel) ||
                   memcmp(x->buf_out, k->buf_out, nb * sizeof *k->buf_out))) {
      n += problem(err, k, "nest %d: name or buffers differ from nest 0", nest);
      continue;
    }
    int m = verify_nest(x, stored, err);
    if (m && nest) problem(err, k, "(in nest %d)", nest);
    n += m;
    if (m && (x->nbuf < 0 || x->nbuf > KIR_MAXBUF)) return n;
  }
  for (int b = 0; b < k->nbuf && b < KIR_MAXBUF && b >= 0; b++) {
    if (k->buf_out[b] && stored[b] != 1) n += problem(err, k, "output b%d has %d stores (want 1)", b, stored[b]);
    if (k->buf_out[b] == KIR_LOCAL && (!k->next || k->buf_numel[b] > KIR_LOCAL_MAX))
      n += problem(err, k, "local b%d: only chains have local buffers, of at most %d elements", b, KIR_LOCAL_MAX);
  }
  return n;
}

/* ---- interpreter ---- */

/* The scalar ops, once per compute type, with the formulas of exec_tmpl.h. */
#define KIR_EVAL(R, SUF)                                                                           \
  static R sigmoid_##SUF(R x) {                                                                    \
    if (x >= 0) return (R)1 / ((R)1 + exp(-x));                                                    \
    R e = exp(x);                                                                                  \
    return e / ((R)1 + e);                                                                         \
  }                                                                                                \
  /* log(exp(a) + exp(b)): NaN if either is, +-inf where the larger is (no inf - inf) */          \
  static R logaddexp_##SUF(R a, R b) {                                                             \
    if (isnan(a) || isnan(b)) return a + b;                                                        \
    R m = a > b ? a : b;                                                                           \
    if (isinf(m)) return m;                                                                        \
    return m + log1p(exp(-fabs(a - b)));                                                           \
  }                                                                                                \
  static R eval_##SUF(kir_op op, R x, R y, R z) {                                                  \
    const R sqrt1_2 = (R)0.70710678118654752440, inv_sqrt2pi = (R)0.39894228040143267794;          \
    switch (op) {                                                                                  \
    case KIR_NEG: return -x;                                                                       \
    case KIR_EXP: return exp(x);                                                                   \
    case KIR_LOG: return log(x);                                                                   \
    case KIR_SIGMOID: return sigmoid_##SUF(x);                                                     \
    case KIR_LOGSIGMOID: return x > 0 ? -log1p(exp(-x)) : x - log1p(exp(x));                       \
    case KIR_TANH: return tanh(x);                                                                 \
    case KIR_SILU: return x * sigmoid_##SUF(x);                                                    \
    case KIR_GELU: return (R)0.5 * x * ((R)1 + erf(x * sqrt1_2));                                  \
    case KIR_GELU_D:                                                                               \
      return (R)0.5 * ((R)1 + erf(x * sqrt1_2)) + x * inv_sqrt2pi * exp((R)-0.5 * x * x);          \
    case KIR_ABS: return fabs(x);                                                                  \
    case KIR_SIGN: return isnan(x) ? x : x > 0 ? (R)1 : x < 0 ? (R)-1 : (R)0;                      \
    case KIR_SQRT: return sqrt(x);                                                                 \
    case KIR_RSQRT: return (R)1 / sqrt(x);                                                         \
    case KIR_SQUARE: return x * x;                                                                 \
    case KIR_RECIP: return (R)1 / x;                                                               \
    case KIR_LOG1P: return log1p(x);                                                               \
    case KIR_EXPM1: return expm1(x);                                                               \
    case KIR_ADD: return x + y;                                                                    \
    case KIR_SUB: return x - y;                                                                    \
    case KIR_MUL: return x * y;                                                                    \
    case KIR_DIV: return x / y;                                                                    \
    case KIR_POW: return pow(x, y);                                                                \
    case KIR_MAX: return isnan(x) || x >= y ? x : y;                                               \
    case KIR_MIN: return isnan(x) || x <= y ? x : y;                                               \
    case KIR_GE: return x >= y ? (R)1 : (R)0;                                                      \
    case KIR_GT: return x > y ? (R)1 : (R)0;                                                       \
    case KIR_EQ: return x == y ? (R)1 : (R)0;                                                      \
    case KIR_SELECT: return x != 0 ? y : z;                                                        \
    case KIR_LOGADDEXP: return logaddexp_##SUF(x, y);                                              \
    default: XL_ASSERT(!"not a value op");                                                         \
    }                                                                                              \
  }                                                                                                \
  /* acc op= v for a reducing store */                                                             \
  static void reduce_##SUF(kir_op rop, R *acc, R v) {                                              \
    if (rop == KIR_ADD) *acc += v;                                                                 \
    else if (isnan(v) || v > *acc) *acc = v;                                                       \
  }

KIR_EVAL(double, f64)
KIR_EVAL(float, f32)
#undef KIR_EVAL

static int64_t addr(const kir_kernel *k, const kir_inst *in, const int64_t *idx) {
  int64_t a = in->off;
  for (int d = 0; d < k->ndim; d++) a += idx[d] * in->stride[d];
  return a;
}

/* Advances the row-major multi-index idx over dims; returns 0 after the last point. */
static int next_point(int ndim, const int64_t *dims, int64_t *idx) {
  for (int d = ndim - 1; d >= 0; d--) {
    if (++idx[d] < dims[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

static int empty_domain(int ndim, const int64_t *dims) {
  for (int d = 0; d < ndim; d++)
    if (dims[d] == 0) return 1;
  return 0;
}

/* Registers hold doubles; in float32 mode every value is a float widened exactly, and each op
   runs in float, so the results equal computing in float throughout. */
static void interp_nest(const kir_kernel *k, cg_dtype dt, void **bufs);

void kir_interp(const kir_kernel *k, cg_dtype dt, void **bufs) {
  for (; k; k = k->next) interp_nest(k, dt, bufs);
}

static void interp_nest(const kir_kernel *k, cg_dtype dt, void **bufs) {
  int64_t idx[KIR_MAXDIM] = {0}, dims[KIR_MAXDIM];
  double *r = xl_calloc((size_t)k->body.n + 1, sizeof(double));
  int f64 = dt == CG_F64;
  /* accumulating STOREX outputs: zero every element the store reaches */
  for (int i = 0; i < k->body.n; i++) {
    const kir_inst *in = &k->body.v[i];
    if (in->op != KIR_STOREX || empty_domain(k->ndim, k->dim)) continue;
    for (int d = 0; d < k->ndim; d++) dims[d] = in->stride[d] ? k->dim[d] : 1;
    for (int64_t x = 0; x < in->xlim; x++) {
      memset(idx, 0, sizeof idx);
      do {
        int64_t a = addr(k, in, idx) + x * in->xstride;
        if (f64) ((double *)bufs[in->buf])[a] = 0;
        else ((float *)bufs[in->buf])[a] = 0;
      } while (next_point(k->ndim, dims, idx));
    }
  }
  /* reduction outputs: initialise every element the reducing store reaches */
  if (k->red_mask) {
    for (int d = 0; d < k->ndim; d++) dims[d] = k->red_mask >> d & 1 ? 1 : k->dim[d];
    double init = k->red_op == KIR_ADD ? 0.0 : -INFINITY;
    for (int i = 0; i < k->body.n; i++) {
      const kir_inst *in = &k->body.v[i];
      if (!kir_store_reduces(k, in) || empty_domain(k->ndim, dims)) continue;
      memset(idx, 0, sizeof idx);
      do {
        int64_t a = addr(k, in, idx);
        if (f64) ((double *)bufs[in->buf])[a] = init;
        else ((float *)bufs[in->buf])[a] = (float)init;
      } while (next_point(k->ndim, dims, idx));
    }
  }
  /* a scan walks its dimension from the end when reversed: at is the point addressed */
  int sd = kir_scan_dim(k);
  int64_t at[KIR_MAXDIM];
  memset(idx, 0, sizeof idx);
  if (!empty_domain(k->ndim, k->dim)) do {
      memcpy(at, idx, sizeof at);
      if (sd >= 0 && k->scan_rev) at[sd] = k->dim[sd] - 1 - idx[sd];
      for (int i = 0; i < k->body.n; i++) {
        const kir_inst *in = &k->body.v[i];
        switch (in->op) {
        case KIR_LOAD: {
          int64_t a = addr(k, in, at);
          r[i] = f64 ? ((const double *)bufs[in->buf])[a] : (double)((const float *)bufs[in->buf])[a];
          break;
        }
        case KIR_CONST: r[i] = f64 ? in->imm : (double)(float)in->imm; break;
        case KIR_INDEX: r[i] = (double)idx[(int)in->imm]; break;
        case KIR_LOADX: {
          double x = r[in->a];
          if (!(x >= 0 && x < (double)in->xlim)) { /* NaN too */
            r[i] = 0;
            break;
          }
          int64_t a = addr(k, in, idx) + (int64_t)x * in->xstride;
          r[i] = f64 ? ((const double *)bufs[in->buf])[a] : (double)((const float *)bufs[in->buf])[a];
          break;
        }
        case KIR_STOREX: {
          double x = r[in->b];
          if (!(x >= 0 && x < (double)in->xlim)) break;
          int64_t a = addr(k, in, idx) + (int64_t)x * in->xstride;
          if (f64) ((double *)bufs[in->buf])[a] += r[in->a];
          else ((float *)bufs[in->buf])[a] += (float)r[in->a];
          break;
        }
        case KIR_STORE: {
          int64_t a = addr(k, in, at);
          int red = kir_store_reduces(k, in);
          /* the scan store: the previous element along the scan (0 / -inf before the first)
             combined with this value */
          int scan = sd >= 0 && i == k->scan_inst, first = scan && idx[sd] == 0;
          int64_t prev = a + (k->scan_rev ? 1 : -1) * in->stride[sd < 0 ? 0 : sd];
          double id = k->scan_op == KIR_ADD ? 0.0 : -INFINITY;
          if (f64) {
            double *p = &((double *)bufs[in->buf])[a];
            if (red) reduce_f64(k->red_op, p, r[in->a]);
            else if (scan) *p = eval_f64(k->scan_op, first ? id : ((double *)bufs[in->buf])[prev], r[in->a], 0);
            else *p = r[in->a];
          } else {
            float *p = &((float *)bufs[in->buf])[a];
            if (red) reduce_f32(k->red_op, p, (float)r[in->a]);
            else if (scan)
              *p = eval_f32(k->scan_op, first ? (float)id : ((float *)bufs[in->buf])[prev], (float)r[in->a], 0);
            else *p = (float)r[in->a];
          }
          break;
        }
        default: {
          int ar = op_arity(in->op);
          double x = r[in->a], y = ar > 1 ? r[in->b] : 0, z = ar > 2 ? r[in->c] : 0;
          r[i] = f64 ? eval_f64(in->op, x, y, z) : (double)eval_f32(in->op, (float)x, (float)y, (float)z);
        }
        }
      }
    } while (next_point(k->ndim, k->dim, idx));
  free(r);
}
