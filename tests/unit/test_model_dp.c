/* test_model_dp.c - the trainer's model (runtime/train/model.c): data-parallel shards and the
 * scored-positions model.
 *
 * A float64 training graph of the stdlib's xlstm_lm at B = 4 with rows that score 6, 2, 0 and
 * 5 positions (the rest target -1) runs once whole (1 worker) and once in 2 shards on 2
 * threads: loss, every gradient and the logits must agree to 1e-12 relative. The shards score
 * 8 and 5 positions, so equal shard weights would be wrong; the weights by scored count make
 * it exact. xlstm_lm_at (head and loss at the scored positions) on 2 shards must give the same
 * loss and gradients, and its logits must be xlstm_lm's rows at the scored positions. The
 * same in float32 (1 thread vs 2 shards) to 1e-5 (loss) and 1e-4 (gradients) relative, and
 * with each shard's rows run as micro-batches of one row (XLC_MICROBATCH_TOKENS) in float64.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#include "check.h"
#include "rel_err.h"

enum { B = 4, T = 7, V = 11 };

static const char *sets[] = {"E=8", "L=2", "NH=1", "slstm_at=[1]", "V=11", "form=parallel"};

typedef struct {
  mdl m;
  mdl_exe *x;
  xt **outs;
} run_t;

static int run_dt(run_t *r, const char *entry, const char *threads, const int32_t *tok, const int32_t *tgt,
                  cg_dtype dt) {
  setenv("XLC_NUM_THREADS", threads, 1);
  char *file = xl_fmt("%s/stdlib/xlstm.xl", getenv("XLC_SOURCE_DIR") ? getenv("XLC_SOURCE_DIR") : ".");
  int rc = mdl_open(&r->m, file, NULL, entry, sets, (int)(sizeof sets / sizeof sets[0]), "cpu", dt);
  free(file);
  if (rc) return -1;
  if (mdl_init_params(&r->m, 7)) return -1;
  r->x = mdl_get(&r->m, B, T, mdl_npos(&r->m, tgt, B, T), 1, &rc);
  if (!r->x) return -1;
  r->outs = xl_calloc((size_t)r->x->g->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  if (mdl_run(&r->m, r->x, tok, tgt, T, NULL, r->outs, &err)) {
    fprintf(stderr, "%s: %s\n", entry, err ? err : "failed");
    free(err);
    return -1;
  }
  return 0;
}

static int run(run_t *r, const char *entry, const char *threads, const int32_t *tok, const int32_t *tgt) {
  return run_dt(r, entry, threads, tok, tgt, CG_F64);
}

static void done(run_t *r) {
  mdl_outs_free(r->x, r->outs);
  free(r->outs);
  mdl_free(&r->m);
}


/* loss (to tol_loss) and every gradient (to tol_grad, relative) of b against a */
static void same_training_tol(const run_t *a, const run_t *b, const char *what, double tol_loss, double tol_grad) {
  CHECK(rel_err_floor(a->outs[a->x->loss_out], b->outs[b->x->loss_out], 0) <= tol_loss, "%s: loss %.17g vs %.17g",
        what, xt_get(a->outs[a->x->loss_out], 0), xt_get(b->outs[b->x->loss_out], 0));
  for (int i = 0; i < a->m.params.v.n; i++) {
    const xt *ga = a->outs[a->x->grad_out[i]], *gb = b->outs[b->x->grad_out[i]];
    double r = rel_err_floor(ga, gb, 0);
    CHECK(r <= tol_grad, "%s: gradient of %s differs by %.3g", what, a->m.params.v.v[i]->name, r);
  }
}

static void same_training(const run_t *a, const run_t *b, const char *what) {
  same_training_tol(a, b, what, 1e-12, 1e-12);
}

int main(void) {
  int32_t tok[B * T], tgt[B * T];
  const int scored[B] = {6, 2, 0, 5};
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      tok[b * T + t] = (b * 5 + t * 3 + 1) % V;
      tgt[b * T + t] = t >= T - scored[b] ? (b + 2 * t) % V : -1;
    }
  run_t one = {0}, two = {0}, at = {0};
  if (run(&one, "xlstm_lm", "1", tok, tgt) || run(&two, "xlstm_lm", "2", tok, tgt) ||
      run(&at, "xlstm_lm_at", "2", tok, tgt)) {
    fprintf(stderr, "FAIL: a model did not run\n");
    return 1;
  }
  CHECK(one.x->nshard == 0, "1 thread: no shards (got %d)", one.x->nshard);
  CHECK(two.x->nshard == 2, "2 threads: 2 shards (got %d)", two.x->nshard);
  CHECK(xt_get(one.outs[one.x->loss_out], 0) > 0, "the loss is positive");
  same_training(&one, &two, "2 shards");
  CHECK(rel_err_floor(one.outs[one.x->logits_out], two.outs[two.x->logits_out], 0) <= 1e-12, "2 shards: logits differ");
  same_training(&one, &at, "xlstm_lm_at on 2 shards");
  /* xlstm_lm_at's logits [B, P, V]: row p is xlstm_lm's row at the p-th scored position */
  const xt *la = at.outs[at.x->logits_out], *l1 = one.outs[one.x->logits_out];
  CHECK(la->shape[1] == 6, "P = the most scored positions of a row (6), got %lld", (long long)la->shape[1]);
  double worst = 0;
  for (int b = 0; b < B; b++)
    for (int p = 0; p < scored[b]; p++)
      for (int v = 0; v < V; v++) {
        int t = T - scored[b] + p;
        double x1 = xt_get(l1, ((int64_t)b * T + t) * V + v), xa = xt_get(la, ((int64_t)b * la->shape[1] + p) * V + v);
        worst = fmax(worst, fabs(x1 - xa) / fmax(1, fabs(x1)));
      }
  CHECK(worst <= 1e-12, "xlstm_lm_at logits differ from xlstm_lm's rows by %.3g", worst);
  int64_t s1 = 0, c1 = 0, sa = 0, ca = 0;
  mdl_accuracy(one.x, l1, tgt, B, T, &s1, &c1);
  mdl_accuracy(at.x, la, tgt, B, T, &sa, &ca);
  CHECK(s1 == 13 && sa == 13 && c1 == ca, "accuracy: %lld/%lld scored, %lld/%lld correct", (long long)s1,
        (long long)sa, (long long)c1, (long long)ca);
  done(&one);
  done(&two);
  done(&at);
  /* micro-batches: each shard's 2 rows in 2 runs of 1 row (a budget of 7 tokens = 1 row), the
     same loss, gradients and logits */
  setenv("XLC_MICROBATCH_TOKENS", "7", 1);
  run_t one_m = {0}, two_m = {0};
  if (run(&one_m, "xlstm_lm", "1", tok, tgt) || run(&two_m, "xlstm_lm", "2", tok, tgt)) {
    fprintf(stderr, "FAIL: a micro-batched model did not run\n");
    return 1;
  }
  unsetenv("XLC_MICROBATCH_TOKENS");
  CHECK(two_m.x->nshard == 2 && two_m.x->micro == 2, "micro-batches: %d shards of %d runs, expected 2 of 2",
        two_m.x->nshard, two_m.x->micro);
  same_training(&one_m, &two_m, "2 shards of 2 micro-batches");
  CHECK(rel_err_floor(one_m.outs[one_m.x->logits_out], two_m.outs[two_m.x->logits_out], 0) <= 1e-12,
        "micro-batches: logits differ");
  done(&one_m);
  done(&two_m);
  /* float32 (the trainer's dtype, whose shard outputs are combined by a loop of its own): the
     same agreement at the float32 tolerances */
  run_t one32 = {0}, two32 = {0};
  if (run_dt(&one32, "xlstm_lm", "1", tok, tgt, CG_F32) || run_dt(&two32, "xlstm_lm", "2", tok, tgt, CG_F32)) {
    fprintf(stderr, "FAIL: a float32 model did not run\n");
    return 1;
  }
  CHECK(two32.x->nshard == 2, "float32, 2 threads: 2 shards (got %d)", two32.x->nshard);
  same_training_tol(&one32, &two32, "float32, 2 shards", 1e-5, 1e-4);
  done(&one32);
  done(&two32);
  if (!fails) printf("test_model_dp: all checks passed\n");
  return fails != 0;
}
