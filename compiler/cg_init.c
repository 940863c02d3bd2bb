/* cg_init.c - the check of a parameter initializer against its shape (cg_init_check, cg.h).
 *
 * A compiler fact: does a cg_init spec's arguments fit a parameter of this shape? The lowering
 * (lang/lower.c) reports a misfit as a compile error; runtime/init.c checks again before it
 * fills a tensor (the same function, so the two never disagree). No tensors, no state.
 */
#include <math.h>
#include <stdlib.h>

#include "cg.h"
#include "xl_tensor.h"
#include "xl_util.h"

static int is_count(double x, double lo) { return isfinite(x) && x >= lo && x == floor(x) && x < 1e15; }

/* values must stay inside binary32's range */
static int fits_f32(double x) { return isfinite(x) && fabs(x) <= 1e37; }

/* b: [4*NH*D] gate-major (g, h, j), gates (i, f, z, o) */
static int check_powerlaw(const cg_init *s, int64_t numel, int rank, const int64_t *shape, const char *name,
                          char **err) {
  double bi = s->p[0], nb = s->p[1], nh = s->p[2], d = s->p[3];
  if (!is_count(nb, 1) || !is_count(bi, 0) || bi >= nb || !is_count(nh, 1) || !is_count(d, 2)) {
    *err = xl_fmt("init of '%s': powerlaw needs block_idx in [0, num_blocks), NH >= 1, D >= 2 "
                  "(got block_idx %g, num_blocks %g, NH %g, D %g)", name, bi, nb, nh, d);
    return -1;
  }
  if (numel != 4 * nh * d) { /* in doubles: nh, d < 1e15 */
    char *sh = xt_shape_str(rank, shape);
    *err = xl_fmt("init of '%s': powerlaw for NH=%g, D=%g needs 4*NH*D = %g elements, "
                  "the tensor has shape %s", name, nh, d, 4 * nh * d, sh);
    free(sh);
    return -1;
  }
  return 0;
}

/* b: [4*NH*D] gate-major; the forget gate (g = 1) of every head is linspace(start, end, D) */
static int check_gate_linspace(const cg_init *s, int64_t numel, const char *name, char **err) {
  double nh = s->p[0], d = s->p[1];
  if (!is_count(nh, 1) || !is_count(d, 1) || !fits_f32(s->p[2]) || !fits_f32(s->p[3]) || numel != 4 * nh * d) {
    *err = xl_fmt("init of '%s': gate_linspace(NH %g, D %g, %g, %g) needs NH, D >= 1, finite ends and "
                  "4*NH*D = %lld elements", name, nh, d, s->p[2], s->p[3], (long long)numel);
    return -1;
  }
  return 0;
}

int cg_init_check(const cg_init *spec, int rank, const int64_t *shape, const char *name, char **err) {
  const char *nm = name ? name : "(unnamed)";
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= shape[i]; /* shapes of parameters are bounded */
  const double *p = spec->p;
  switch (spec->kind) {
  case CG_INIT_ZEROS:
  case CG_INIT_ONES: return 0;
  case CG_INIT_CONST:
    if (fits_f32(p[0])) return 0;
    *err = xl_fmt("init of '%s': const value %g is not a finite float32 value", nm, p[0]);
    return -1;
  case CG_INIT_NORMAL:
  case CG_INIT_UNIFORM: {
    int normal = spec->kind == CG_INIT_NORMAL;
    if (fits_f32(p[0]) && fits_f32(p[1]) && (normal ? p[1] >= 0 : p[1] >= p[0]) &&
        fits_f32(fabs(p[0]) + (normal ? 40 * p[1] : fabs(p[1]))))
      return 0;
    *err = xl_fmt(normal ? "init of '%s': normal(mean %g, std %g) needs finite values and std >= 0"
                         : "init of '%s': uniform(low %g, high %g) needs finite values and low <= high",
                  nm, p[0], p[1]);
    return -1;
  }
  case CG_INIT_LINSPACE:
    if (fits_f32(p[0]) && fits_f32(p[1])) return 0;
    *err = xl_fmt("init of '%s': linspace(%g, %g) needs finite float32 values", nm, p[0], p[1]);
    return -1;
  case CG_INIT_POWERLAW: return check_powerlaw(spec, n, rank, shape, nm, err);
  case CG_INIT_GATE_LINSPACE: return check_gate_linspace(spec, n, nm, err);
  }
  *err = xl_fmt("init of '%s': unknown initializer kind %d", nm, (int)spec->kind);
  return -1;
}
