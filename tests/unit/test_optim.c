/* test_optim.c - AdamW (runtime/optim.c) against PyTorch's update rule written out here in
 * plain scalar code, with the official weight-decay grouping:
 *   p *= 1 - lr*wd (decayed parameters only), m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 *   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 * Five steps on float64 tensors to 1e-15 relative; one step on float32 tensors (the
 * trainer's dtype, with float32 or float64 gradients: loops of their own) must be the float64
 * result rounded to float32 exactly;
 * the grouping: "weight" decays, "norm" and the token embedding do not (unless asked);
 * adamw_step_all on 1-3 threads equals adamw_step per tensor bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xlrt.h"

#include "check.h"

enum { N = 37, STEPS = 5 };

static double ref_update(double p, double g, double *m, double *v, int64_t t, double lr, double b1, double b2,
                         double eps, double wd) {
  p = p * (1 - lr * wd);
  *m = b1 * *m + (1 - b1) * g;
  *v = b2 * *v + (1 - b2) * g * g;
  double mhat_scale = lr / (1 - pow(b1, (double)t)), denom = sqrt(*v) / sqrt(1 - pow(b2, (double)t)) + eps;
  return p - mhat_scale * *m / denom;
}

static void check_f64(const char *name, int decayed) {
  adamw_cfg c = {3e-3, 0.9, 0.999, 1e-8, 0.1, 0};
  int64_t sh[1] = {N};
  xt *p = xt_new(XT_F64, 1, sh), *g = xt_new(XT_F64, 1, sh);
  double *m = calloc(N, sizeof(double)), *v = calloc(N, sizeof(double));
  double rp[N], rm[N] = {0}, rv[N] = {0};
  for (int i = 0; i < N; i++) rp[i] = sin(1.0 + i), xt_set(p, i, rp[i]);
  double worst = 0;
  for (int t = 1; t <= STEPS; t++) {
    for (int i = 0; i < N; i++) xt_set(g, i, cos(0.3 * i + t) * (i % 3 ? 1 : 1e-3));
    adamw_step(&c, t, name, p, g, m, v);
    for (int i = 0; i < N; i++) {
      rp[i] = ref_update(rp[i], xt_get(g, i), &rm[i], &rv[i], t, c.lr, c.beta1, c.beta2, c.eps, decayed ? c.weight_decay : 0);
      worst = fmax(worst, fabs(xt_get(p, i) - rp[i]) / fmax(1e-300, fabs(rp[i])));
    }
  }
  CHECK(worst <= 1e-15, "%s (f64, %d steps): worst relative difference %.3g", name, STEPS, worst);
  xt_free(p), xt_free(g), free(m), free(v);
}

/* one step on f32 parameters (gradients in gdt: f32, or f64 as xlc train accumulates them):
   the f64 update of the same (f32-representable) values, rounded */
static void check_f32(const char *name, xt_dtype gdt) {
  adamw_cfg c = {3e-3, 0.9, 0.999, 1e-8, 0.1, 0};
  int64_t sh[1] = {N};
  xt *p = xt_new(XT_F32, 1, sh), *g = xt_new(gdt, 1, sh), *p64 = xt_new(XT_F64, 1, sh), *g64 = xt_new(XT_F64, 1, sh);
  double *m = calloc(2 * N, sizeof(double)), *v = calloc(2 * N, sizeof(double));
  for (int i = 0; i < N; i++) {
    float a = (float)sin(2.0 + i), b = (float)cos(1.0 + 0.7 * i);
    xt_set(p, i, a), xt_set(p64, i, a), xt_set(g, i, b), xt_set(g64, i, b);
  }
  adamw_step(&c, 1, name, p, g, m, v);
  adamw_step(&c, 1, name, p64, g64, m + N, v + N);
  int bad = 0;
  for (int i = 0; i < N; i++) bad += ((float *)p->data)[i] != (float)xt_get(p64, i) || m[i] != m[N + i] || v[i] != v[N + i];
  CHECK(bad == 0, "%s: f32 step differs from the rounded f64 step in %d of %d elements", name, bad, N);
  xt_free(p), xt_free(g), xt_free(p64), xt_free(g64), free(m), free(v);
}

/* adamw_step_all over three tensors (f32, f32, f64; one without a gradient) on 1, 2 and 3
   threads: bit for bit what adamw_step gives per tensor */
static void check_all(void) {
  adamw_cfg c = {3e-3, 0.9, 0.999, 1e-8, 0.1, 0};
  const char *names[3] = {"a.weight", "b.bias", "c.weight"};
  const int64_t sz[3] = {37, 5, 64};
  const xt_dtype dts[3] = {XT_F32, XT_F32, XT_F64};
  xt *p[4][3], *g[3];
  double *m[4][3], *v[4][3];
  for (int k = 0; k < 3; k++) {
    g[k] = k == 1 ? NULL : xt_new(dts[k], 1, &sz[k]);
    for (int64_t i = 0; g[k] && i < sz[k]; i++) xt_set(g[k], i, cos(0.1 * i + k));
    for (int r = 0; r < 4; r++) {
      p[r][k] = xt_new_named(names[k], dts[k], 1, &sz[k]);
      for (int64_t i = 0; i < sz[k]; i++) xt_set(p[r][k], i, sin(0.2 * i + k));
      m[r][k] = calloc((size_t)sz[k], sizeof(double)), v[r][k] = calloc((size_t)sz[k], sizeof(double));
    }
  }
  for (int t = 1; t <= 3; t++) {
    for (int k = 0; k < 3; k++)
      if (g[k]) adamw_step(&c, t, names[k], p[0][k], g[k], m[0][k], v[0][k]);
    for (int r = 1; r < 4; r++) adamw_step_all(&c, t, 3, p[r], g, m[r], v[r], r);
  }
  for (int r = 1; r < 4; r++)
    for (int k = 0; k < 3; k++) {
      size_t bytes = (size_t)sz[k] * (size_t)xt_dtype_size(dts[k]);
      CHECK(!memcmp(p[r][k]->data, p[0][k]->data, bytes) && !memcmp(m[r][k], m[0][k], (size_t)sz[k] * sizeof(double)),
            "adamw_step_all on %d threads: %s differs from adamw_step", r, names[k]);
    }
  for (int k = 0; k < 3; k++) {
    xt_free(g[k]);
    for (int r = 0; r < 4; r++) xt_free(p[r][k]), free(m[r][k]), free(v[r][k]);
  }
}

int main(void) {
  CHECK(adamw_decays("blocks.0.xlstm.proj_up.weight", 0), "a weight decays");
  CHECK(!adamw_decays("blocks.0.xlstm_norm.weight", 0), "a norm weight does not decay");
  CHECK(!adamw_decays("blocks.0.xlstm.proj_up.bias", 0), "a bias does not decay");
  CHECK(!adamw_decays("token_embedding.weight", 0), "the embedding does not decay by default");
  CHECK(adamw_decays("token_embedding.weight", 1), "the embedding decays when asked");
  check_f64("blocks.0.xlstm.proj_up.weight", 1);
  check_f64("blocks.0.xlstm.proj_up.bias", 0);
  check_f64("post_blocks_norm.weight", 0);
  check_f32("blocks.0.xlstm.proj_up.weight", XT_F32);
  check_f32("lm_head.bias", XT_F32);
  check_f32("blocks.0.xlstm.proj_up.weight", XT_F64);
  check_all();
  if (!fails) printf("test_optim: all checks passed\n");
  return fails != 0;
}
