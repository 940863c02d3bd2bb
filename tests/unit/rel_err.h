/* rel_err.h - how far a tensor is from a reference, shared by the unit tests that compare
 * executors, forms and rewrites: max |a - ref| / max(max |ref|, floor); positions where the
 * reference is an infinity that a equals are skipped; a NaN difference counts as infinite. */
#ifndef XLC_TEST_REL_ERR_H
#define XLC_TEST_REL_ERR_H
#include <math.h>

#include "xl_tensor.h"

static double rel_err_floor(const xt *a, const xt *ref, double floor) {
  double amax = floor, emax = 0;
  for (int64_t i = 0; i < xt_numel(ref); i++) {
    double x = xt_get(a, i), y = xt_get(ref, i);
    if (isinf(y) && x == y) continue;
    if (fabs(y) > amax) amax = fabs(y);
    double d = fabs(x - y);
    if (!(d <= emax)) emax = isnan(d) ? INFINITY : d;
  }
  return amax > 0 ? emax / amax : emax;
}
#endif
