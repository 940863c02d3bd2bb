/* tensor.c - the host tensor (include/xl_tensor.h): allocation, dtype names and sizes,
 * element access as double, and dtype conversion.
 *
 * bf16 and f16 are storage formats only: they are converted to and from float with
 * round-to-nearest-even; inf and nan are preserved (nan stays a quiet nan). Nothing here
 * reads files or reports user errors.
 */
#include <math.h>
#include <string.h>

#include "xl_tensor.h"
#include "xl_util.h"

int xt_dtype_size(xt_dtype t) {
  switch (t) {
  case XT_F64: case XT_I64: return 8;
  case XT_F32: case XT_I32: return 4;
  case XT_BF16: case XT_F16: return 2;
  }
  XL_ASSERT(!"bad dtype");
}

static const char *const dtype_names[] = {"F64", "F32", "BF16", "F16", "I64", "I32"};

const char *xt_dtype_name(xt_dtype t) {
  XL_ASSERT((unsigned)t < sizeof dtype_names / sizeof *dtype_names);
  return dtype_names[t];
}

int xt_dtype_parse(const char *s, xt_dtype *out) {
  for (int i = 0; i < (int)(sizeof dtype_names / sizeof *dtype_names); i++)
    if (strcmp(s, dtype_names[i]) == 0) {
      *out = (xt_dtype)i;
      return 1;
    }
  return 0;
}

int64_t xt_numel(const xt *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->shape[i];
  return n;
}

/* a tensor of that shape; its data 64-byte aligned (as the executor's workspace, so that an
   output written in place is as fast), zero-filled when `zero`, else left as malloc gives it */
static xt *xt_alloc(xt_dtype dt, int rank, const int64_t *shape, int zero) {
  XL_ASSERT(rank >= 0 && rank <= XT_MAXRANK);
  xt *t = xl_calloc(1, sizeof *t);
  t->dtype = dt;
  t->rank = rank;
  for (int i = 0; i < rank; i++) {
    XL_ASSERT(shape[i] >= 0);
    t->shape[i] = shape[i];
  }
  size_t n = (size_t)xt_numel(t), es = (size_t)xt_dtype_size(dt);
  t->data = xl_malloc_aligned(n * es);
  if (zero) memset(t->data, 0, n * es);
  return t;
}

xt *xt_new(xt_dtype dt, int rank, const int64_t *shape) { return xt_alloc(dt, rank, shape, 1); }

xt *xt_new_named(const char *name, xt_dtype dt, int rank, const int64_t *shape) {
  xt *t = xt_new(dt, rank, shape);
  t->name = name ? xl_strdup(name) : NULL;
  return t;
}

xt *xt_new_uninit(const char *name, xt_dtype dt, int rank, const int64_t *shape) {
  xt *t = xt_alloc(dt, rank, shape, 0);
  t->name = name ? xl_strdup(name) : NULL;
  return t;
}

void xt_free(xt *t) {
  if (!t) return;
  free(t->data);
  free(t->name);
  free(t);
}

/* ---- half formats ---- */

static uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static uint16_t f32_to_bf16(float f) {
  uint32_t u = f2u(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet nan */
  u += 0x7fffu + ((u >> 16) & 1); /* round to nearest even; overflow rounds to inf */
  return (uint16_t)(u >> 16);
}

static float bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }

static uint16_t f32_to_f16(float f) {
  uint32_t u = f2u(f);
  uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00 | (uint16_t)((a >> 13) & 0x3ff); /* nan */
  if (a >= 0x47800000u) {
    /* >= 65536 (or inf): inf, except values below 65520 round down to 65504 -- but every
       float >= 65536 is above the halfway point 65520, so inf */
    return sign | 0x7c00;
  }
  if (a >= 0x38800000u) {
    /* normal half: rebias exponent 127 -> 15, round mantissa 23 -> 10 bits */
    uint32_t m = a - 0x38000000u; /* exponent - 112 */
    m += 0xfffu + ((m >> 13) & 1);
    return sign | (uint16_t)(m >> 13); /* a carry into the exponent is correct (may give inf) */
  }
  if (a < 0x33000000u) return sign; /* below half the smallest subnormal (2^-25): zero */
  /* subnormal half: value = mant * 2^-24 */
  int e = (int)(a >> 23);                /* biased float exponent, 102..112 */
  uint32_t mant = (a & 0x7fffffu) | 0x800000u;
  int shift = 126 - e;                   /* mant * 2^(e-150) / 2^-24 = mant >> (126 - e) */
  uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) q++;
  return sign | (uint16_t)q;
}

static float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f) return u2f(sign | 0x7f800000u | (m << 13));
  if (e == 0) {
    float v = ldexpf((float)m, -24);
    return sign ? -v : v;
  }
  return u2f(sign | ((e + 112) << 23) | (m << 13));
}

/* double -> float rounded to odd (truncate, set the last bit if inexact). Rounding that to a
   half format with nearest-even gives the correctly rounded half of the double: float keeps
   more than two extra bits over bf16 and f16, so no double rounding. */
static float round_odd(double v) {
  float f = (float)v;
  if (isnan(v) || (double)f == v) return f;
  if (fabs((double)f) > fabs(v)) f = nextafterf(f, 0.0f);
  return u2f(f2u(f) | 1u);
}

/* ---- element access ---- */

double xt_get(const xt *t, int64_t i) {
  switch (t->dtype) {
  case XT_F64: return ((const double *)t->data)[i];
  case XT_F32: return ((const float *)t->data)[i];
  case XT_BF16: return bf16_to_f32(((const uint16_t *)t->data)[i]);
  case XT_F16: return f16_to_f32(((const uint16_t *)t->data)[i]);
  case XT_I64: return (double)((const int64_t *)t->data)[i];
  case XT_I32: return ((const int32_t *)t->data)[i];
  }
  XL_ASSERT(!"bad dtype");
}

/* Integer conversion: truncation toward zero, saturated, nan -> 0. */
static int64_t to_i64(double v, int64_t lo, int64_t hi) {
  if (isnan(v)) return 0;
  if (v <= (double)lo) return lo;
  if (v >= (double)hi) return hi;
  return (int64_t)v;
}

void xt_set(xt *t, int64_t i, double v) {
  switch (t->dtype) {
  case XT_F64: ((double *)t->data)[i] = v; return;
  case XT_F32: ((float *)t->data)[i] = (float)v; return;
  case XT_BF16: ((uint16_t *)t->data)[i] = f32_to_bf16(round_odd(v)); return;
  case XT_F16: ((uint16_t *)t->data)[i] = f32_to_f16(round_odd(v)); return;
  case XT_I64: ((int64_t *)t->data)[i] = to_i64(v, INT64_MIN, INT64_MAX); return;
  case XT_I32: ((int32_t *)t->data)[i] = (int32_t)to_i64(v, INT32_MIN, INT32_MAX); return;
  }
  XL_ASSERT(!"bad dtype");
}

xt *xt_convert(const xt *t, xt_dtype dt) {
  xt *r = xt_new_named(t->name, dt, t->rank, t->shape);
  int64_t n = xt_numel(t);
  if (dt == t->dtype) {
    memcpy(r->data, t->data, (size_t)n * (size_t)xt_dtype_size(dt));
  } else if (dt == XT_I64 && t->dtype == XT_I32) {
    for (int64_t i = 0; i < n; i++) ((int64_t *)r->data)[i] = ((const int32_t *)t->data)[i];
  } else if (dt == XT_I32 && t->dtype == XT_I64) {
    for (int64_t i = 0; i < n; i++) {
      int64_t v = ((const int64_t *)t->data)[i];
      ((int32_t *)r->data)[i] = (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
    }
  } else {
    for (int64_t i = 0; i < n; i++) xt_set(r, i, xt_get(t, i));
  }
  return r;
}

int xt_same_shape(const xt *a, const xt *b) {
  if (a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->shape[i] != b->shape[i]) return 0;
  return 1;
}

char *xt_shape_str(int rank, const int64_t *shape) {
  char buf[8 * 24 + 8];
  size_t k = 0;
  buf[k++] = '[';
  for (int i = 0; i < rank; i++)
    k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
  snprintf(buf + k, sizeof buf - k, "]");
  return xl_strdup(buf);
}
