/* test_sched.c - sched_lr and sched_clip_grad_norm (runtime/sched.c).
 *
 * Expected learning rates are worked out here from the schedule's definition (warm-up
 * fractions, cosine at t = 0, 1/4, 1/2, 1 written as exact values), not copied from outputs;
 * W = 0 and N <= W; clipping against a hand-computed 3-4-12-13 norm, no-op below the limit,
 * non-finite gradients left alone.
 */
#include <math.h>

#include "lr_sched.h"

#include "check.h"

static void near(double got, double want, const char *what) {
  CHECK(fabs(got - want) <= 1e-15 + 1e-12 * fabs(want), "%s: got %.17g want %.17g", what, got, want);
}

static void test_lr(void) {
  const double lr = 1e-3, lo = 1e-4;
  /* W = 10, N = 110: warm-up 0.1 lr per step, then 100 decay steps */
  near(sched_lr(1, lr, lo, 10, 110), 1e-4, "warm-up s=1");
  near(sched_lr(5, lr, lo, 10, 110), 5e-4, "warm-up s=5");
  near(sched_lr(10, lr, lo, 10, 110), 1e-3, "end of warm-up");
  near(sched_lr(0, lr, lo, 10, 110), 1e-4, "s=0 treated as 1");
  /* t = 1/4: cos(pi/4) = sqrt(2)/2 */
  near(sched_lr(35, lr, lo, 10, 110), lo + (lr - lo) * (1 + sqrt(0.5)) / 2, "t=1/4");
  near(sched_lr(60, lr, lo, 10, 110), (lr + lo) / 2, "t=1/2 midpoint");
  near(sched_lr(85, lr, lo, 10, 110), lo + (lr - lo) * (1 - sqrt(0.5)) / 2, "t=3/4");
  near(sched_lr(110, lr, lo, 10, 110), lo, "last step");
  near(sched_lr(500, lr, lo, 10, 110), lo, "past the end");
  /* W = 0: decay from the first step, t = s / N */
  near(sched_lr(1, lr, 0, 0, 4), lr * (1 + sqrt(0.5)) / 2, "W=0 s=1 (t=1/4)");
  near(sched_lr(2, lr, 0, 0, 4), lr / 2, "W=0 s=2");
  near(sched_lr(4, lr, 0, 0, 4), 0, "W=0 last");
  /* N <= W: warm-up, then the floor */
  near(sched_lr(3, lr, lo, 10, 5), 3e-4, "N<=W warm-up");
  near(sched_lr(10, lr, lo, 10, 5), lr, "N<=W end of warm-up");
  near(sched_lr(11, lr, lo, 10, 5), lo, "N<=W after");
  near(sched_lr(7, lr, lo, 10, 10), 7e-4, "N==W");
  /* monotone: up during warm-up, down afterwards */
  for (int s = 2; s <= 110; s++) {
    double a = sched_lr(s - 1, lr, lo, 10, 110), b = sched_lr(s, lr, lo, 10, 110);
    CHECK(s <= 10 ? b > a : b < a, "not monotone at s=%d (%g -> %g)", s, a, b);
  }
}

static void test_clip(void) {
  int64_t s2 = 2, s1 = 1;
  xt *a = xt_new(XT_F32, 1, &s2), *b = xt_new(XT_F64, 1, &s1);
  ((float *)a->data)[0] = 3, ((float *)a->data)[1] = -4, ((double *)b->data)[0] = 12;
  xt *g[2] = {a, b};
  near(sched_clip_grad_norm(g, 2, 20), 13, "norm below limit");
  CHECK(((float *)a->data)[0] == 3 && ((double *)b->data)[0] == 12, "scaled below the limit");
  near(sched_clip_grad_norm(g, 2, 0), 13, "max_norm 0 measures only");
  near(sched_clip_grad_norm(g, 2, 6.5), 13, "pre-clip norm returned");
  double c = 6.5 / (13 + 1e-6);
  CHECK(fabs(((float *)a->data)[0] - 3 * c) < 1e-6, "a[0] = %g", ((float *)a->data)[0]);
  CHECK(fabs(((float *)a->data)[1] + 4 * c) < 1e-6, "a[1] = %g", ((float *)a->data)[1]);
  near(((double *)b->data)[0], 12 * c, "b[0] scaled");
  double after = sched_clip_grad_norm(g, 2, 0);
  CHECK(fabs(after - 6.5) < 1e-5, "norm after clipping %g", after);
  ((double *)b->data)[0] = NAN;
  CHECK(isnan(sched_clip_grad_norm(g, 2, 1)), "NaN norm");
  CHECK(fabs(((float *)a->data)[0] - 3 * c) < 1e-6, "scaled despite a NaN norm");
  near(sched_clip_grad_norm(NULL, 0, 1), 0, "no gradients");
  xt_free(a);
  xt_free(b);
}

int main(void) {
  test_lr();
  test_clip();
  if (!fails) printf("test_sched: ok\n");
  return fails != 0;
}
