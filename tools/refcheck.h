/* refcheck.h - `xlc refcheck`: compare stdlib entries with official reference cases.
 *
 * A case (../shared/ref format) is mapped to one or more runs of a stdlib entry
 * (refcheck_cases.c, by the manifest's official_sources and tensor names). A run is an
 * entry, settings, input/parameter/cotangent tensors taken from the case (re-laid-out where
 * the official layout differs), and a list of comparisons of our outputs with case tensors.
 * The engine (cmd_refcheck.c) executes runs and prints one line per comparison.
 */
#ifndef XLC_REFCHECK_H
#define XLC_REFCHECK_H

#include "driver.h"

typedef struct {
  char *ours;      /* output name of the run ("h", "grad.q", "state.C", ...) */
  char *ref;       /* case tensor name */
  int is_grad;     /* tolerance class */
  int perm[XT_MAXRANK], nperm; /* optional: view ours as pre_shape, then permute */
  int64_t pre[XT_MAXRANK];
  double scale;    /* multiply ours by this (0 = 1) */
  int take_axis;   /* >= 0: compare with ref[..., take_index along take_axis, ...] */
  int64_t take_index;
  int take2_axis;  /* >= 0: then select take2_index along take2_axis of the result */
  int64_t take2_index;
} rc_cmp;

typedef struct {
  char *label;     /* "parallel", "recurrent", ... */
  const char *entry;
  lang_set sets[64];
  int nsets;
  xt_list inputs, params, cots;
  int loss;        /* loss mode (output "loss") instead of cotangents */
  XL_VEC(rc_cmp) cmps;
  /* extra: compare sum(out * W) with a case scalar (cell/block losses) */
  char *loss_out, *loss_w, *loss_ref;
  int adamw;       /* also check one AdamW step (param_after_step tensors) */
} rc_run;

typedef struct {
  refcase rc;
  xt_dtype dt;     /* dtype of inputs/params taken from the case */
  XL_VEC(rc_run *) runs;
  char *err;       /* mapping error (unknown case kind, missing tensor) */
  void *json;      /* parsed manifest (cJSON *), owned */
} rc_case;

/* refcheck_cases.c: fill c->runs from the manifest; returns 0 or -1 with c->err. */
int rc_map_case(rc_case *c);
/* the case's AdamW settings and list of decayed parameter names (cJSON array); -1 if none */
struct cJSON;
int rc_adamw_cfg(rc_case *c, adamw_cfg *a, struct cJSON **decayed);

/* helpers for the mapping */
rc_run *rc_run_new(rc_case *c, const char *label, const char *entry);
void rc_set(rc_run *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* load a case tensor (in the case dtype) under a new name, optionally reshaped and permuted
   (perm maps output axis i to input axis perm[i]); NULL perm = keep; take_axis >= 0 selects
   one index along that axis first. Returns -1 and sets c->err on failure. */
int rc_add(rc_case *c, xt_list *to, const char *name, const char *ref, int take_axis, int64_t take_index,
           int rank, const int64_t *shape, const int *perm);
rc_cmp *rc_cmp_add(rc_run *r, const char *ours, const char *ref, int is_grad);
xt *rc_permute(const xt *x, int rank, const int64_t *shape, const int *perm);
/* keep the first p steps (axis 1, [B, T, ...]) of the named tensors of l */
void rc_prefix(xt_list *l, const char *const *names, int n, int64_t p);

#endif
