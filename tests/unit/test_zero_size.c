/* test_zero_size.c - tensors with a dimension 0 (an empty slice, an empty scan) on the
 * compiled CPU path give ref_exec's results: empty outputs, sums over an empty axis 0, means
 * and maxima over one as ref_exec defines them, contractions over an empty axis, a scan of
 * no steps (T = 0 bound from a given tensor; final state = initial state), and the gradients of all of them. kplan plans
 * every node that touches an empty tensor as a reference step (it asserted before).
 * Batch 0 (from --inputs) is tested by tests/cli/zero_size.sh, and here by an einsum whose
 * GEMM groups are large but whose batch is 0 (kp_gemm.c plans no strided BLAS call for it).
 */
#include "check.h"
#include "cpu_vs_ref.h"

static const char *const src =
    "block red() {\n"                                /* x: [B, T, D] */
    "  in x: [T, D]\n"
    "  let e = tanh(slice(x, 0, 1, 0)) * 2 + 1\n"     /* e: [B, 0, D] */
    "  out y = e\n"
    "  out s = sum(e, 0)\n"                          /* [B, D]: zeros */
    "  out mu = mean(e, 0)\n"
    "  out a = amax(e, 0)\n"
    "  out z = sum(x, 0) + sum(e, 0)\n"              /* an empty reduction feeding a kernel */
    "  out c = einsum(\"td,te->de\", e, e)\n"        /* [B, D, D]: contraction over 0 */
    "  out w = einsum(\"td,te->de\", x, x)\n"
    "}\n"
    "block cols() {\n"
    "  in x: [T, D]\n"
    "  let e = slice(x, 1, 0, 0)\n"                  /* [B, T, 0] */
    "  out y = sigmoid(e) * 3\n"
    "  out s = sum(e, 1)\n"                          /* [B, T]: zeros */
    "  out o = einsum(\"tk,tk->t\", e, e) + sum(x, 1)\n"
    "}\n"
    "cell acc(N) {\n"
    "  in u: [N]\n"
    "  state h: [N] = 0.5\n"
    "  h' = h * 0.9 + tanh(u)\n"
    "  out o = h'\n"
    "}\n"
    "block empty_scan(D) {\n"
    "  in x: [T, D]\n"
    "  let c = acc(N = D)\n"
    "  out y = scan c over T (u = x)\n"             /* x: [B, 0, D] given: no steps */
    "  out t = sum(x * x) + sum(x, 0)\n"
    "}\n"
    "block wide() {\n"                               /* x: [B, T, D] given with B = 0 */
    "  in x: [T, D]\n"
    "  out c = einsum(\"td,te->de\", x, x)\n"        /* [0, 64, 64]: no strided BLAS call */
    "}\n";

int main(void) {
  setenv("XLC_CACHE_DIR", "off", 1);
  static const char *const entries[] = {"red", "cols", "empty_scan", "wide"};
  const char *sets[] = {"T=3", "D=4", "B=2", NULL};
  int64_t sh[3] = {2, 0, 4};
  int64_t shw[3] = {0, 3, 64};
  xt *x0 = xt_new_named("x", XT_F64, 3, sh);  /* x: [B=2, T=0, D=4] */
  xt *xw = xt_new_named("x", XT_F64, 3, shw); /* x: [B=0, T=3, D=64] */
  for (int e = 0; e < 4; e++)
    for (int grad = 0; grad < 2; grad++)
      for (int dt = 0; dt < 2; dt++) {
        cvr_given = e == 2 ? &x0 : e == 3 ? &xw : NULL, cvr_ngiven = e >= 2;
        sets[0] = e == 2 ? "D=4" : "T=3";
        int rc = cvr_run(src, entries[e], e == 3 ? NULL : sets, grad, dt ? CG_F32 : CG_F64, NULL);
        printf("%-10s %-4s %s %s\n", entries[e], grad ? "grad" : "fwd", dt ? "f32" : "f64", rc ? "FAILED" : "ok");
      }
  xt_free(x0);
  xt_free(xw);
  printf("test_zero_size: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
