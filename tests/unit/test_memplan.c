/* test_memplan.c - the memory plan of every stdlib entry (forward and training graph).
 *
 * Each entry is lowered with B=2 T=5 (forward graph, training graph in cotangent mode, and in
 * loss mode where the entry has a loss), planned (kp_build) and memory-planned in f32 and f64;
 * the plan must pass mp_verify, its workspace peak must lie between the live lower bound and
 * the sum without reuse, and an independent brute-force check (every pair of workspace values,
 * scan bodies included) must find overlapping lifetimes only on disjoint bytes. Prints the
 * peak, the sum without reuse and the reuse factor per entry.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "stdlib_fixture.h"
#include "lang.h"
#include "memplan.h"

static const char *const entries[] = {"slstm_cell",  "mlstm_cell", "mlstm_cell_kbw", "lstm_cell",
                                      "mlstm_block", "slstm_block", "xlstm_lm",       "xlstm_large"};

/* Pairwise over the workspace values of p and its bodies; returns the number of clashes. */
static int brute_force(const mp_plan *p, const char *what) {
  int bad = 0;
  for (int i = 0; i < p->vals.n; i++) {
    const mp_value *x = &p->vals.v[i];
    if (x->region != MP_WORK || x->bytes == 0) continue;
    CHECK(x->off + x->bytes <= p->work_peak, "%s: value %d beyond the peak", what, i);
    for (int j = i + 1; j < p->vals.n; j++) {
      const mp_value *y = &p->vals.v[j];
      if (y->region != MP_WORK || y->bytes == 0) continue;
      int live = x->first <= y->last && y->first <= x->last;
      int bytes = x->off < y->off + y->bytes && y->off < x->off + x->bytes;
      if (live && bytes) {
        bad++;
        CHECK(0, "%s: values %d (%%%d) and %d (%%%d) clash", what, i, x->node, j, y->node);
      }
    }
  }
  for (int si = 0; si < p->nsteps; si++)
    if (p->body[si]) bad += brute_force(p->body[si], what);
  return bad;
}

/* Every parameter has a gradient in the training graph, at its own offset. */
static void check_grads(const mp_plan *p, const char *what) {
  for (int j = 0; j < p->params.n; j++) {
    const mp_param *pr = &p->params.v[j];
    CHECK(pr->grad_node >= 0, "%s: parameter %%%d has no gradient", what, pr->node);
    if (pr->grad_node < 0 || pr->grad_copy) continue;
    const mp_value *g = mp_value_of(p, pr->grad_node);
    CHECK(g->region == MP_GRAD && g->off == pr->off, "%s: gradient of %%%d not at offset %zu", what, pr->node, pr->off);
  }
}

/* grad: 0 forward, 1 cotangent mode, 2 loss mode (skipped without a "loss" output) */
static void run_case(const ast *file, xl_arena *ar, const char *entry, int grad) {
  lang_set sets[2] = {{"B", "2"}, {"T", "5"}};
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = lang_lower(ar, file, entry, sets, 2, NULL, 0, &d);
  CHECK(g != NULL, "lowering %s", entry);
  if (!g) return;
  char *err = NULL;
  if (grad == 2 && cg_find_output(g, "loss") < 0) {
    cg_free(g);
    return;
  }
  if (grad)
    CHECK(ad_append_backward(g, grad == 2 ? "loss" : NULL, &err) == 0, "autodiff %s: %s", entry, err ? err : "");
  free(err);
  kp_target t = kp_target_cpu();
  kp_plan *kp = kp_build(g, &t);
  for (int dt = 0; dt < 2; dt++) {
    size_t es = dt ? sizeof(double) : sizeof(float);
    char what[96];
    const char *mode = grad == 2 ? "loss" : grad ? "grad" : "fwd";
    snprintf(what, sizeof what, "%s %s f%d", entry, mode, dt ? 64 : 32);
    mp_plan *mp = mp_build(g, kp, es);
    CHECK(mp_verify(mp, stderr) == 0, "%s: mp_verify", what);
    /* raw sizes may sum to less than the peak when alignment dominates; aligned ones may not */
    CHECK(mp->work_peak <= mp->work_sum_aligned, "%s: peak %zu > sum without reuse %zu", what, mp->work_peak,
          mp->work_sum_aligned);
    CHECK(mp->work_sum <= mp->work_sum_aligned, "%s: sums", what);
    CHECK(mp->work_bound <= mp->work_peak, "%s: peak %zu below the live bound %zu", what, mp->work_peak,
          mp->work_bound);
    CHECK(brute_force(mp, what) == 0, "%s: brute-force overlap check", what);
    if (grad) check_grads(mp, what);
    double reuse = mp->work_peak ? (double)mp->work_sum_aligned / (double)mp->work_peak : 0.0;
    int ncopy = 0;
    for (int j = 0; j < mp->params.n; j++) ncopy += mp->params.v[j].grad_copy;
    if (dt == 0)
      printf("%-15s %-4s f32 values=%-4d params=%-6zu inputs=%-6zu grad-copies=%d peak=%-7zu bound=%-7zu "
             "no-reuse=%zu (%zu aligned) reuse=%.2fx\n",
             entry, mode, mp->vals.n, mp->param_bytes, mp->input_bytes, ncopy, mp->work_peak, mp->work_bound,
             mp->work_sum, mp->work_sum_aligned, reuse);
    if (dt == 0 && grad == 2 && strcmp(entry, "xlstm_lm") == 0)
      printf("xlstm_lm training graph: reuse factor %.2f (peak %zu bytes, %zu without reuse)\n", reuse,
             mp->work_peak, mp->work_sum_aligned);
    mp_free(mp);
  }
  kp_free(kp);
  cg_free(g);
}

/* A hand-built graph: a gradient that is a view of a computed value lands in the gradient
   block through the view; one that is a parameter itself, or shares its node with another
   gradient, is copied; a constant read by a reference step has storage, one only inlined into
   kernels has none. */
static void check_small(void) {
  cg_graph *g = cg_new();
  xl_loc L = {0};
  int64_t d2[2] = {2, 3}, d1[1] = {6};
  cg_shape s2 = cg_shape_of(2, d2), s1 = cg_shape_of(1, d1);
  int w = cg_input(g, CG_IN_PARAM, "w", 0, s2, L), u = cg_input(g, CG_IN_PARAM, "u", 0, s2, L);
  int v = cg_input(g, CG_IN_PARAM, "v", 0, s2, L), x = cg_input(g, CG_IN_INPUT, "x", 0, s2, L);
  int c1 = cg_const(g, 2.0, s2), c2 = cg_const(g, 3.0, s2);
  int e = cg_unary(g, CG_OP_EXP, cg_binary(g, CG_OP_MUL, x, c1)); /* kernel: c1 inlined */
  int r = cg_reshape(g, e, s1);                                     /* a view */
  int cat = cg_concat(g, 2, (int[]){c2, e}, 0);                     /* a reference step reads c2 */
  cg_output_add(g, "y", cat);
  cg_output_add(g, "grad.w", cg_reshape(g, r, s2)); /* view of a view of e */
  cg_output_add(g, "grad.u", u);                    /* the parameter itself */
  cg_output_add(g, "grad.v", cg_reshape(g, r, s2)); /* e again: already placed for w */
  CHECK(cg_verify(g, stderr) == 0, "small graph");
  kp_target t = kp_target_cpu();
  kp_plan *kp = kp_build(g, &t);
  mp_plan *mp = mp_build(g, kp, sizeof(double));
  CHECK(mp_verify(mp, stderr) == 0, "small: mp_verify");
  CHECK(mp->params.n == 3 && mp->param_bytes == 3 * 64 && mp->params.v[0].node == w && mp->params.v[2].node == v &&
            mp->params.v[2].off == 128,
        "small: parameter block %zu", mp->param_bytes);
  CHECK(mp->vals.v[c1].region == MP_NONE, "small: inlined constant has storage");
  CHECK(mp->vals.v[c2].region == MP_WORK, "small: constant read by concat has no storage");
  const mp_value *ge = mp_value_of(mp, e);
  CHECK(ge->region == MP_GRAD && ge->off == mp->params.v[0].off, "small: grad.w not in the gradient block");
  CHECK(!mp->params.v[0].grad_copy && mp->params.v[1].grad_copy && mp->params.v[2].grad_copy,
        "small: copies %d %d %d", mp->params.v[0].grad_copy, mp->params.v[1].grad_copy, mp->params.v[2].grad_copy);
  CHECK(mp_value_of(mp, x)->region == MP_INPUT && mp_value_of(mp, r)->region == MP_GRAD, "small: regions");
  CHECK(mp_value_of(mp, cat)->is_out && mp_value_of(mp, cat)->last == mp->nsteps - 1, "small: output lifetime");
  CHECK(brute_force(mp, "small") == 0, "small: brute force");
  mp_free(mp);
  kp_free(kp);
  cg_free(g);
}

/* mp_verify is not vacuous: moving a workspace value onto one that is live at the same time,
   or a gradient off its parameter's offset, is reported. */
static void check_verify_catches(const ast *file, xl_arena *ar) {
  lang_set sets[2] = {{"B", "2"}, {"T", "5"}};
  lang_diag d;
  diag_init(&d, stderr);
  cg_graph *g = lang_lower(ar, file, "xlstm_lm", sets, 2, NULL, 0, &d);
  CHECK(g != NULL, "lowering xlstm_lm");
  if (!g) return;
  char *err = NULL;
  CHECK(ad_append_backward(g, "loss", &err) == 0, "autodiff: %s", err ? err : "");
  free(err);
  kp_target t = kp_target_cpu();
  kp_plan *kp = kp_build(g, &t);
  mp_plan *mp = mp_build(g, kp, sizeof(float));
  int moved = 0;
  for (int i = 0; i < mp->vals.n && !moved; i++) {
    mp_value *x = &mp->vals.v[i];
    if (x->region != MP_WORK || x->bytes == 0) continue;
    for (int j = i + 1; j < mp->vals.n && !moved; j++) {
      mp_value *y = &mp->vals.v[j];
      if (y->region != MP_WORK || y->bytes == 0 || x->first > y->last || y->first > x->last) continue;
      size_t keep = y->off;
      y->off = x->off;
      CHECK(mp_verify(mp, NULL) > 0, "mp_verify misses a clash of values %d and %d", i, j);
      y->off = keep;
      moved = 1;
    }
  }
  CHECK(moved, "no two workspace values live at once");
  CHECK(mp_verify(mp, NULL) == 0, "restored plan");
  for (int i = 0; i < mp->vals.n; i++)
    if (mp->vals.v[i].region == MP_GRAD) {
      mp->vals.v[i].off += MP_ALIGN;
      CHECK(mp_verify(mp, NULL) > 0, "mp_verify misses a gradient off its parameter");
      mp->vals.v[i].off -= MP_ALIGN;
      break;
    }
  mp_free(mp);
  kp_free(kp);
  cg_free(g);
}

int main(void) {
  stdlib_fx fx;
  if (stdlib_open(&fx) != 0) return 1;
  ast *file = fx.file;
  xl_arena *ar = &fx.ar;
  for (size_t i = 0; file && i < sizeof entries / sizeof entries[0]; i++)
    for (int grad = 0; grad < 3; grad++) run_case(file, ar, entries[i], grad);
  check_verify_catches(file, ar);
  check_small();
  stdlib_close(&fx);
  printf("test_memplan: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
