/* causal.c - the causality check of a token model (causal.h): changing a later token must not
 * change earlier logits.
 *
 * Input: a parsed file, an entry, its settings and optionally its parameters. The forward
 * graph is built through the pipeline (drv_graph, up to cg-opt: the graph the trainer runs) at
 * a small size (B = 2, T = 8 unless given), parameters not given come from their seeded
 * initializers and tokens are drawn below the vocabulary (run_bind.c, as `xlc run
 * --random-inputs`). It runs on the reference executor in float64 through the backend table:
 * an interpreter prepares nothing (no kernel compilation, so the trainer's check costs
 * milliseconds even with an empty kernel cache) and evaluates every node in one fixed order,
 * so a causal model computes exactly the same arithmetic for the earlier positions whatever
 * the later tokens are. The comparison is therefore exact equality, no tolerance: the
 * chunkwise and parallel forms also reduce over earlier positions only, in an order that does
 * not depend on the later tokens' values.
 * Output: one line on stdout when causal (unless quiet), else an error naming the first
 * position whose logits change and the single later token that changes them.
 */
#include <math.h>
#include <string.h>

#include "causal.h"
#include "cg.h"
#include "model.h"
#include "run_bind.h"

#define CAUSAL_ALL_UPTO 16 /* every position up to this T; first, middle and last beyond */

typedef struct {
  const causal_cfg *cfg;
  cg_graph *g;
  xl_exec *x;
  xt **vals;       /* [nodes] value of every INPUT node (f64) */
  int tok, lgo;    /* node id of `tokens`, output index of `logits` */
  int64_t rows, T; /* tokens: rows x T (positions on the last axis) */
  int64_t V;       /* logits: rows x T x V */
  double R;        /* tokens are drawn from [0, R) */
  xt *base;        /* logits of the unchanged tokens */
  xl_rng rng;      /* the changed tokens */
} causal_ctx;

/* 1 if definition `entry` of the parsed file declares configuration parameter `name`. */
static int entry_has_config(const ast *file, const char *entry, const char *name) {
  for (int i = 0; i < file->list.n; i++) {
    const ast *d = file->list.v[i];
    if (d->kind != AST_DEF || strcmp(d->name, entry)) continue;
    for (int j = 0; j < d->list2.n; j++)
      if (!strcmp(d->list2.v[j]->name, name)) return 1;
  }
  return 0;
}

/* The value of setting `key` in s as a positive integer, 0 if absent or not one. */
static int set_int(const drv_sets *s, const char *key) {
  for (int i = 0; s && i < s->v.n; i++)
    if (!strcmp(s->v.v[i].key, key)) {
      uint64_t v;
      return drv_parse_u64(s->v.v[i].val, &v) == 0 && v > 0 && v < (1u << 30) ? (int)v : 0;
    }
  return 0;
}

/* The settings the graph is lowered with: the model's, then B, T, P and the form. The
   "K=V" strings behind them are pushed onto *own. */
static int make_sets(const causal_cfg *c, drv_sets *s, char ***own, int *nown) {
  int B = c->B ? c->B : set_int(c->sets, "B") ? set_int(c->sets, "B") : 2;
  int T = c->T ? c->T : set_int(c->sets, "T");
  if (!T && !entry_has_config(c->src->file, c->entry, "T")) T = 8;
  for (int i = 0; c->sets && i < c->sets->v.n; i++) {
    const lang_set *ls = &c->sets->v.v[i];
    (*own)[(*nown)++] = xl_fmt("%s=%s", ls->key, ls->val);
  }
  (*own)[(*nown)++] = xl_fmt("B=%d", B);
  if (T) (*own)[(*nown)++] = xl_fmt("T=%d", T);
  /* logits at every position: P = T (the positions are filled with 0 .. T-1) */
  if (T && mdl_entry_has_input(c->src->file, c->entry, "positions")) (*own)[(*nown)++] = xl_fmt("P=%d", T);
  if (c->form) (*own)[(*nown)++] = xl_strdup(c->form);
  for (int i = 0; i < *nown; i++)
    if (drv_sets_add(s, (*own)[i]) != 0) return XLC_EXIT_USER;
  return XLC_EXIT_OK;
}

static int not_token_model(const causal_cfg *c, const char *why) {
  drv_error("entry '%s' is not a token model: %s (the causality check needs an int input 'tokens' [T] and "
            "an output 'logits' [T, V])",
            c->entry, why);
  return XLC_EXIT_USER;
}

/* Finds tokens and logits and their sizes in x->g; an error if the entry is no token model. */
static int find_io(causal_ctx *x) {
  const cg_graph *g = x->g;
  const causal_cfg *c = x->cfg;
  x->tok = cg_find_input(g, "tokens");
  x->lgo = cg_find_output(g, "logits");
  if (x->tok < 0 || g->nodes.v[x->tok].ikind != CG_IN_INPUT) return not_token_model(c, "it has no input 'tokens'");
  const cg_node *tk = &g->nodes.v[x->tok];
  if (!tk->is_int || tk->shape.rank < 1) return not_token_model(c, "its input 'tokens' does not hold integers");
  if (x->lgo < 0) return not_token_model(c, "it has no output 'logits'");
  const cg_node *lg = &g->nodes.v[g->outs.v[x->lgo].node];
  int r = tk->shape.rank;
  x->T = tk->shape.d[r - 1];
  x->rows = cg_numel(&tk->shape) / (x->T > 0 ? x->T : 1);
  int ok = !lg->is_int && lg->shape.rank == r + 1;
  for (int i = 0; ok && i < r; i++) ok = lg->shape.d[i] == tk->shape.d[i];
  if (!ok) {
    char *ts = drv_shape_str(tk->shape.rank, tk->shape.d), *ls = drv_shape_str(lg->shape.rank, lg->shape.d);
    char *why = xl_fmt("its logits %s are not one float row per token of tokens %s", ls, ts);
    int rc = not_token_model(c, why);
    free(why);
    free(ts);
    free(ls);
    return rc;
  }
  x->V = lg->shape.d[r];
  x->R = run_int_range(g, x->tok);
  return XLC_EXIT_OK;
}

/* positions (an entry like xlstm_lm_at): 0 .. T-1 in every row, so logits row p is position p */
static void fill_positions(causal_ctx *x) {
  int p = cg_find_input(x->g, "positions");
  if (p < 0 || !x->vals[p] || !x->g->nodes.v[p].is_int) return;
  xt *t = x->vals[p];
  int64_t P = t->shape[t->rank - 1], n = xt_numel(t);
  for (int64_t i = 0; i < n; i++) xt_set(t, i, (double)(i % P));
}

/* Runs the graph on x->vals; returns the logits (owned) or NULL with *rc set. */
static xt *run_logits(causal_ctx *x, int *rc) {
  int nout = x->g->outs.n;
  xt **outs = xl_calloc((size_t)nout + 1, sizeof *outs);
  char *err = NULL;
  int xrc = xl_exec_run(x->x, (xt *const *)x->vals, outs, &err);
  xt *lg = NULL;
  if (xrc != 0) {
    *rc = drv_exec_failed(xrc, err, "the causality check of entry '%s'", x->cfg->entry);
  } else {
    lg = outs[x->lgo];
    outs[x->lgo] = NULL;
  }
  for (int k = 0; k < nout; k++) xt_free(outs[k]);
  free(outs);
  free(err);
  return lg;
}

/* A token other than v, uniform over the other R - 1 ids. */
static double other_token(causal_ctx *x, double v) {
  int64_t R = (int64_t)x->R, k = (int64_t)floor(rng_uniform(&x->rng) * (double)(R - 1));
  return (double)(((int64_t)v + 1 + k) % R);
}

/* Changes tokens at positions [from, to] of every row (new ones drawn), runs, and returns the
   first position in [0, upto] whose logits differ from the base (-1: none) with the largest
   |diff| at that position in *diff. NaN equals NaN: a NaN that stays is no change. */
static int64_t changed_at(causal_ctx *x, int64_t from, int64_t to, int64_t upto, double *diff, int *rc) {
  const xt *orig = x->vals[x->tok];
  xt *tk = xt_convert(orig, orig->dtype);
  for (int64_t b = 0; b < x->rows; b++)
    for (int64_t j = from; j <= to; j++) xt_set(tk, b * x->T + j, other_token(x, xt_get(orig, b * x->T + j)));
  x->vals[x->tok] = tk;
  xt *lg = run_logits(x, rc);
  x->vals[x->tok] = (xt *)orig;
  xt_free(tk);
  if (!lg) return -1;
  int64_t first = -1;
  *diff = 0;
  for (int64_t p = 0; p <= upto && first < 0; p++)
    for (int64_t b = 0; b < x->rows; b++)
      for (int64_t v = 0; v < x->V; v++) {
        int64_t i = (b * x->T + p) * x->V + v;
        double u = xt_get(x->base, i), w = xt_get(lg, i);
        if (u == w || (isnan(u) && isnan(w))) continue;
        first = p;
        double d = isnan(u) || isnan(w) ? NAN : fabs(u - w);
        if (isnan(d) || d > *diff) *diff = d;
      }
  xt_free(lg);
  return first;
}

/* The positions t checked: every one with a later token up to CAUSAL_ALL_UPTO, else first,
   middle and last. */
static int checked_positions(int64_t T, int64_t *ts) {
  if (T < 2) return 0;
  if (T <= CAUSAL_ALL_UPTO) {
    for (int64_t t = 0; t + 1 < T; t++) ts[t] = t;
    return (int)(T - 1);
  }
  ts[0] = 0, ts[1] = (T - 1) / 2, ts[2] = T - 2;
  return 3;
}

/* After the error of a violation: where it was found, to reproduce it. */
static int violated(const causal_ctx *x) {
  drv_note("checked %lld row%s of T=%lld tokens below %.17g (seed %llu), float64 on the reference executor",
           (long long)x->rows, x->rows == 1 ? "" : "s", (long long)x->T, x->R, (unsigned long long)x->cfg->seed);
  return XLC_EXIT_USER;
}

static int check_positions(causal_ctx *x) {
  int rc = XLC_EXIT_OK;
  int64_t ts[CAUSAL_ALL_UPTO];
  int n = checked_positions(x->T, ts);
  if (x->R < 2) n = 0; /* a vocabulary of one token: no other token to change to */
  for (int i = 0; i < n; i++) {
    int64_t t = ts[i];
    double d;
    int64_t p = changed_at(x, t + 1, x->T - 1, t, &d, &rc);
    if (rc) return rc;
    if (p < 0) continue;
    /* which later token: change one at a time, the nearest first */
    for (int64_t j = p + 1; j < x->T; j++) {
      double dj;
      int64_t pj = changed_at(x, j, j, p, &dj, &rc);
      if (rc) return rc;
      if (pj == p) {
        drv_error("not causal: logits at position %lld change when token %lld changes (max |diff| %.3g)",
                  (long long)p, (long long)j, dj);
        return violated(x);
      }
    }
    drv_error("not causal: logits at position %lld change when tokens %lld..%lld change (max |diff| %.3g)",
              (long long)p, (long long)(t + 1), (long long)(x->T - 1), d);
    return violated(x);
  }
  if (!x->cfg->quiet) printf("causal: ok (T=%lld, %d position%s checked)\n", (long long)x->T, n, n == 1 ? "" : "s");
  return XLC_EXIT_OK;
}

int causal_check(const causal_cfg *c) {
  causal_ctx x = {c, NULL, NULL, NULL, -1, -1, 0, 0, 0, 0, NULL, {{0}}};
  drv_sets s = {0};
  int nown = 0;
  char **own = xl_calloc((size_t)(c->sets ? c->sets->v.n : 0) + 8, sizeof *own);
  xt_list empty = {0};
  char *err = NULL;
  int rc = make_sets(c, &s, &own, &nown);
  if (rc) goto out;
  x.g = drv_graph(c->src, c->entry, &s, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG_OPT, &rc);
  if (!x.g) goto out;
  if ((rc = find_io(&x)) != 0) goto out;
  x.vals = xl_calloc((size_t)x.g->nodes.n, sizeof *x.vals);
  const xt_list *params = c->params ? c->params : &empty;
  run_bind_ctx bc = {c->entry, NULL, params->v.n ? "the model's parameters" : NULL, NULL, &empty, params, &empty,
                     c->seed, XT_F64, 1};
  if ((rc = run_bind(x.g, &bc, x.vals)) != 0) goto out;
  fill_positions(&x);
  x.x = xl_exec_prepare(xl_backend_find("ref"), x.g, CG_F64, drv_options(), &err);
  if (!x.x) {
    drv_internal("the causality check of entry '%s': %s", c->entry, err ? err : "cannot prepare the graph");
    rc = XLC_EXIT_INTERNAL;
    goto out;
  }
  if (!(x.base = run_logits(&x, &rc))) goto out;
  rng_seed_param(&x.rng, c->seed, "causal.tokens");
  rc = check_positions(&x);
out:
  xl_exec_free(x.x);
  xt_free(x.base);
  if (x.vals)
    for (int i = 0; i < x.g->nodes.n; i++) xt_free(x.vals[i]);
  free(x.vals);
  if (x.g) cg_free(x.g);
  free(err);
  drv_sets_free(&s);
  for (int i = 0; i < nown; i++) free(own[i]);
  free(own);
  return rc;
}
