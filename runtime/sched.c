/* sched.c - learning-rate schedule (linear warm-up + cosine decay) and global gradient-norm
 * clipping. Formulas are in sched.h; both are computed in double whatever the tensor dtype.
 */
#include <math.h>

#include "lr_sched.h"

double sched_lr(int64_t s, double lr, double lr_min, int64_t W, int64_t N) {
  if (s < 1) s = 1;
  if (W > 0 && s <= W) return lr * (double)s / (double)W;
  double t = N > W ? (double)(s - W) / (double)(N - W) : 1.0;
  if (t < 0) t = 0;
  if (t > 1) t = 1;
  return lr_min + (lr - lr_min) * 0.5 * (1.0 + cos(M_PI * t));
}

double sched_clip_grad_norm(xt *const *g, int n, double max_norm) {
  double ss = 0;
  for (int k = 0; k < n; k++) {
    int64_t m = xt_numel(g[k]);
    if (g[k]->dtype == XT_F64) { /* the trainer's accumulated gradients */
      const double *p = g[k]->data;
      for (int64_t i = 0; i < m; i++) ss += p[i] * p[i];
      continue;
    }
    for (int64_t i = 0; i < m; i++) {
      double x = xt_get(g[k], i);
      ss += x * x;
    }
  }
  double norm = sqrt(ss);
  if (!isfinite(norm) || !(max_norm > 0) || norm <= max_norm) return norm;
  double c = max_norm / (norm + 1e-6);
  for (int k = 0; k < n; k++) {
    int64_t m = xt_numel(g[k]);
    if (g[k]->dtype == XT_F32) {
      float *p = g[k]->data;
      for (int64_t i = 0; i < m; i++) p[i] = (float)(p[i] * c);
    } else if (g[k]->dtype == XT_F64) {
      double *p = g[k]->data;
      for (int64_t i = 0; i < m; i++) p[i] *= c;
    } else {
      for (int64_t i = 0; i < m; i++) xt_set(g[k], i, xt_get(g[k], i) * c);
    }
  }
  return norm;
}
