/* optim.c - AdamW with the official xLSTM weight-decay grouping.
 *
 * Grouping (xlstm WeightDecayOptimGroupMixin): a parameter is decayed iff its name contains
 * "weight" and not "norm"; the token embedding is not decayed unless asked. The update is
 * PyTorch's AdamW: p *= 1 - lr*wd (decoupled), m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). State m, v lives in f64 arrays owned by
 * the caller (one contiguous block per kind in the runtime's memory plan).
 */
#include <math.h>
#include <string.h>

#include "xlrt.h"

int adamw_decays(const char *name, int decay_embedding) {
  if (!strstr(name, "weight") || strstr(name, "norm")) return 0;
  if (!decay_embedding && strstr(name, "embedding")) return 0;
  return 1;
}

/* One parameter's update (both loops below compute exactly this). */
static inline double adamw_one(const adamw_cfg *c, double x, double gi, double *m, double *v, double shrink,
                               double step_size, double sbc2) {
  x *= shrink;
  *m = c->beta1 * *m + (1 - c->beta1) * gi;
  *v = c->beta2 * *v + (1 - c->beta2) * gi * gi;
  return x - step_size * *m / (sqrt(*v) / sbc2 + c->eps);
}

/* elements [lo, hi) of one parameter */
static void adamw_range(const adamw_cfg *c, int64_t step, const char *name, xt *p, const xt *g, double *m, double *v,
                        int64_t lo, int64_t hi) {
  double wd = adamw_decays(name, c->decay_embedding) ? c->weight_decay : 0;
  double bc1 = 1 - pow(c->beta1, (double)step), bc2 = 1 - pow(c->beta2, (double)step);
  double step_size = c->lr / bc1, sbc2 = sqrt(bc2), shrink = 1 - c->lr * wd;
  if (p->dtype == XT_F32 && g->dtype == XT_F32) { /* the trainer's dtype: no per-element dispatch */
    float *pf = p->data;
    const float *gf = g->data;
    for (int64_t i = lo; i < hi; i++) pf[i] = (float)adamw_one(c, pf[i], gf[i], &m[i], &v[i], shrink, step_size, sbc2);
    return;
  }
  if (p->dtype == XT_F32 && g->dtype == XT_F64) { /* xlc train: gradients accumulated in f64 */
    float *pf = p->data;
    const double *gd = g->data;
    for (int64_t i = lo; i < hi; i++) pf[i] = (float)adamw_one(c, pf[i], gd[i], &m[i], &v[i], shrink, step_size, sbc2);
    return;
  }
  for (int64_t i = lo; i < hi; i++)
    xt_set(p, i, adamw_one(c, xt_get(p, i), xt_get(g, i), &m[i], &v[i], shrink, step_size, sbc2));
}

void adamw_step(const adamw_cfg *c, int64_t step, const char *name, xt *p, const xt *g, double *m, double *v) {
  adamw_range(c, step, name, p, g, m, v, 0, xt_numel(p));
}

typedef struct {
  const adamw_cfg *c;
  int64_t step;
  int n, parts;
  xt *const *p;
  xt *const *g;
  double *const *m, *const *v;
} adamw_all_ctx;

static void adamw_part(void *arg, int part) {
  const adamw_all_ctx *a = arg;
  for (int k = 0; k < a->n; k++) {
    if (!a->g[k]) continue;
    int64_t ne = xt_numel(a->p[k]);
    adamw_range(a->c, a->step, a->p[k]->name, a->p[k], a->g[k], a->m[k], a->v[k], ne * part / a->parts,
                ne * (part + 1) / a->parts);
  }
}

void adamw_step_all(const adamw_cfg *c, int64_t step, int n, xt *const *p, xt *const *g, double *const *m,
                    double *const *v, int threads) {
  adamw_all_ctx a = {c, step, n, threads > 1 ? threads : 1, p, g, m, v};
  xl_parallel(a.parts, adamw_part, &a);
}
