/* init.c - parameter initializers: fills a parameter tensor according to its cg_init spec.
 *
 * Input: a tensor of any float dtype, the spec resolved by the lowering, the user seed and the
 * parameter's name. Output: the filled tensor. Spec errors (a shape that does not fit) are
 * reported through *err; nothing here aborts on user input. No global state: a parameter's
 * values depend only on (spec, shape, seed, name), never on other parameters or call order.
 */
/* Generator and seeding (copied into the docs):
 *
 *   Generator: xoshiro256** (runtime/rng.c). Its 256-bit state is four consecutive outputs of
 *   splitmix64 started from the stream seed.
 *   Streams: every parameter has its own stream, seeded with
 *       x = seed ^ fnv1a64(name);   stream seed = splitmix64(x)   (one step, counter x)
 *   where `seed` is the user seed (a uint64) and `name` the dotted official parameter path
 *   (xl_hash_str, 64-bit FNV-1a). Renaming a parameter changes its values; adding, removing
 *   or reordering other parameters does not.
 *   Draws: elements are filled in row-major order, one value each.
 *     uniform(low, high): low + (high - low) * u, u = (next >> 11) * 2^-53 in [0, 1)
 *     normal(mean, std):  mean + std * sqrt(-2 ln(1 - u1)) * cos(2 pi u2)
 *                         (Box-Muller, cos branch only: two uniforms per value)
 *   Precision: every initial value is rounded to binary32 before it is stored, whatever the
 *   tensor's dtype (PyTorch creates parameters in float32 and the reference cases hold those
 *   float32 values in their .f64 files), so F32 and F64 runs of one seed start from the same
 *   parameters. BF16/F16 tensors round once more (nearest even, xt_set).
 *   Deterministic kinds reproduce PyTorch's float32 arithmetic bit for bit:
 *     linspace(start, end, n): torch.linspace in float32: step = (end - start) / (n - 1);
 *       i < n/2: start + step * i, else end - step * (n - 1 - i); n = 1 gives start.
 *     powerlaw (sLSTM forget bias, `powerlaw_blockdependent`):
 *       r = block_idx / (num_blocks - 1) (0 if num_blocks == 1),
 *       x_j = float(j) / float(D - 1),  p_j = float(pow((double)x_j, 0.3 + 1.3 r)),
 *       b_f[h, j] = 5 - 12 * p_j  (float32 products and sums), i/z/o biases 0.
 *       Written gate-major: [g*NH*D + h*D + j], gates (i, f, z, o), so b_f is g = 1.
 *       Checked: r = 0 reproduces the slstm_cell case (a standalone sLSTMCell: the config
 *       defaults _block_idx = 0, _num_blocks = 1), r = 1 reproduces lm_xlstm11's block 1 of 2.
 *   Products are rounded before they are added (no fused multiply-add, see rounded()).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "xlrt.h"

/* x, rounded to binary32 in memory: keeps the compiler from fusing the product into the next
   addition (GCC contracts a*b+c to an FMA across statements when FMA is enabled), which would
   change the last bit of the deterministic initializers */
static float rounded(float x) {
  volatile float v = x;
  return v;
}

/* stores v rounded to binary32, then to t's dtype */
static void put(xt *t, int64_t i, double v) {
  float f = (float)v;
  switch (t->dtype) {
  case XT_F64: ((double *)t->data)[i] = (double)f; break;
  case XT_F32: ((float *)t->data)[i] = f; break;
  default: xt_set(t, i, (double)f); break;
  }
}

static void fill_powerlaw(xt *t, const cg_init *s) {
  double bi = s->p[0], nb = s->p[1];
  int64_t NH = (int64_t)s->p[2], D = (int64_t)s->p[3];
  double r = nb > 1 ? bi / (nb - 1) : 0.0;
  double e = 0.3 + 1.3 * r;
  for (int64_t i = 0; i < 4 * NH * D; i++) put(t, i, 0.0);
  for (int64_t j = 0; j < D; j++) {
    float x = (float)j / (float)(D - 1);
    float p = (float)pow((double)x, e);
    float twelve_p = rounded(12.0f * p);
    float v = 5.0f - twelve_p;
    for (int64_t h = 0; h < NH; h++) put(t, 1 * NH * D + h * D + j, (double)v);
  }
}

/* element i of torch.linspace(start, end, n) in float32 */
static float linspace_at(double start, double end, int64_t n, int64_t i) {
  float fs = (float)start, fe = (float)end;
  if (n == 1) return fs;
  float step = (fe - fs) / (float)(n - 1);
  if (i < n / 2) return fs + rounded(step * (float)i);
  return fe - rounded(step * (float)(n - 1 - i));
}

/* along the last axis (n = shape[rank-1], 1 for a scalar), repeated over the leading axes */
static void fill_linspace(xt *t, double start, double end) {
  int64_t n = t->rank ? t->shape[t->rank - 1] : 1, total = xt_numel(t);
  if (n <= 0) return;
  for (int64_t i = 0; i < n; i++) {
    float v = linspace_at(start, end, n, i);
    for (int64_t o = 0; o < total / n; o++) put(t, o * n + i, (double)v);
  }
}

static void fill_gate_linspace(xt *t, const cg_init *s) {
  int64_t NH = (int64_t)s->p[0], D = (int64_t)s->p[1];
  for (int64_t i = 0; i < 4 * NH * D; i++) put(t, i, 0.0);
  for (int64_t h = 0; h < NH; h++)
    for (int64_t j = 0; j < D; j++) put(t, 1 * NH * D + h * D + j, (double)linspace_at(s->p[2], s->p[3], D, j));
}

int init_fill(xt *t, const cg_init *spec, uint64_t seed, const char *name, char **err) {
  const char *nm = name ? name : "(unnamed)";
  if (t->dtype != XT_F64 && t->dtype != XT_F32 && t->dtype != XT_BF16 && t->dtype != XT_F16) {
    *err = xl_fmt("init of '%s': dtype %s is not a float type", nm, xt_dtype_name(t->dtype));
    return -1;
  }
  if (cg_init_check(spec, t->rank, t->shape, name, err)) return -1;
  int64_t n = xt_numel(t);
  const double *p = spec->p;
  switch (spec->kind) {
  case CG_INIT_ZEROS:
  case CG_INIT_ONES:
  case CG_INIT_CONST: {
    double v = spec->kind == CG_INIT_ZEROS ? 0.0 : spec->kind == CG_INIT_ONES ? 1.0 : p[0];
    for (int64_t i = 0; i < n; i++) put(t, i, v);
    return 0;
  }
  case CG_INIT_NORMAL:
  case CG_INIT_UNIFORM: {
    int normal = spec->kind == CG_INIT_NORMAL;
    xl_rng r;
    rng_seed_param(&r, seed, name);
    for (int64_t i = 0; i < n; i++)
      put(t, i, normal ? p[0] + p[1] * rng_normal(&r) : p[0] + (p[1] - p[0]) * rng_uniform(&r));
    return 0;
  }
  case CG_INIT_LINSPACE: fill_linspace(t, p[0], p[1]); return 0;
  case CG_INIT_POWERLAW: fill_powerlaw(t, spec); return 0;
  case CG_INIT_GATE_LINSPACE: fill_gate_linspace(t, spec); return 0;
  }
  return -1; /* cg_init_check rejected other kinds */
}
