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

void adamw_step(const adamw_cfg *c, int64_t step, const char *name, xt *p, const xt *g, double *m, double *v) {
  double wd = adamw_decays(name, c->decay_embedding) ? c->weight_decay : 0;
  double bc1 = 1 - pow(c->beta1, (double)step), bc2 = 1 - pow(c->beta2, (double)step);
  double step_size = c->lr / bc1, sbc2 = sqrt(bc2);
  for (int64_t i = 0; i < xt_numel(p); i++) {
    double x = xt_get(p, i), gi = xt_get(g, i);
    x *= 1 - c->lr * wd;
    m[i] = c->beta1 * m[i] + (1 - c->beta1) * gi;
    v[i] = c->beta2 * v[i] + (1 - c->beta2) * gi * gi;
    x -= step_size * m[i] / (sqrt(v[i]) / sbc2 + c->eps);
    xt_set(p, i, x);
  }
}
