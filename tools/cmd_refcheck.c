/* cmd_refcheck.c - `xlc refcheck CASE_DIR...`: run stdlib entries on official reference
 * cases and compare every output, gradient and final state the recurrent form can produce.
 *
 * Prints one line per comparison (case, run, dtype, tensor, max abs error, max error relative
 * to the reference's largest magnitude, tolerance, PASS/FAIL), then "N passed, M failed".
 * Tolerances: f64 1e-8 relative; f32 max(1e-5 forward | 1e-4 gradients, 10x the error of the
 * official code itself in float32 on that case, from the manifest's checks). References are
 * always the float64 tensors; inputs and parameters are read in the run's dtype.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cg.h"
#include "refcheck.h"

void usage_refcheck(FILE *out) {
  char *dir = drv_stdlib_dir();
  fprintf(out,
          "usage: xlc refcheck [--dtype f32|f64|both] [--stdlib FILE.xl] [--backend %s] CASE_DIR...\n"
          "\n"
          "Runs the matching stdlib entry on each reference case (the ../shared/ref format) and\n"
          "compares outputs, gradients and final states with the official float64 values.\n"
          "The entry is chosen from the manifest's official_sources; sizes from its config.\n"
          "Default dtype: both. Default stdlib: $XLC_STDLIB, else xlstm.xl of the stdlib directory\n"
          "(docs/language.md, Imports; here %s).\n"
          "Exit status 1 if any comparison fails.\n",
          xl_backend_names("|"), dir ? dir : "none found");
  free(dir);
}

/* ---- run construction helpers (used by refcheck_cases.c) ---- */

rc_run *rc_run_new(rc_case *c, const char *label, const char *entry) {
  rc_run *r = xl_calloc(1, sizeof *r);
  r->label = xl_strdup(label);
  r->entry = entry;
  xl_vec_push(c->runs, r);
  return r;
}

void rc_set(rc_run *r, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[256];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  XL_ASSERT(r->nsets < (int)(sizeof r->sets / sizeof r->sets[0]));
  r->sets[r->nsets].key = xl_strdup(key);
  r->sets[r->nsets].val = xl_strdup(buf);
  r->nsets++;
}

rc_cmp *rc_cmp_add(rc_run *r, const char *ours, const char *ref, int is_grad) {
  rc_cmp m = {0};
  m.ours = xl_strdup(ours);
  m.ref = xl_strdup(ref);
  m.is_grad = is_grad;
  m.take_axis = -1;
  m.take2_axis = -1;
  xl_vec_push(r->cmps, m);
  return &r->cmps.v[r->cmps.n - 1];
}

xt *rc_permute(const xt *x, int rank, const int64_t *shape, const int *perm) {
  xt *y;
  int64_t oshape[XT_MAXRANK], istride[XT_MAXRANK];
  istride[rank - 1] = 1;
  for (int i = rank - 2; i >= 0; i--) istride[i] = istride[i + 1] * shape[i + 1];
  for (int i = 0; i < rank; i++) oshape[i] = shape[perm[i]];
  y = xt_new(x->dtype, rank, oshape);
  int64_t n = xt_numel(y), idx[XT_MAXRANK] = {0};
  for (int64_t o = 0; o < n; o++) {
    int64_t src = 0;
    for (int i = 0; i < rank; i++) src += idx[i] * istride[perm[i]];
    xt_set(y, o, xt_get(x, src));
    for (int i = rank - 1; i >= 0; i--) {
      if (++idx[i] < oshape[i]) break;
      idx[i] = 0;
    }
  }
  return y;
}

void rc_prefix(xt_list *l, const char *const *names, int n, int64_t p) {
  for (int k = 0; k < n; k++) {
    xt *t = xtl_find(l, names[k]);
    if (!t || t->rank < 2 || p >= t->shape[1]) continue;
    int64_t inner = 1;
    for (int i = 2; i < t->rank; i++) inner *= t->shape[i];
    int64_t sh[XT_MAXRANK];
    memcpy(sh, t->shape, sizeof sh);
    sh[1] = p;
    xt *u = xt_new(t->dtype, t->rank, sh);
    for (int64_t b = 0; b < t->shape[0]; b++)
      for (int64_t i = 0; i < p * inner; i++) xt_set(u, b * p * inner + i, xt_get(t, b * t->shape[1] * inner + i));
    free(t->data);
    t->data = u->data;
    t->shape[1] = p;
    u->data = NULL;
    xt_free(u);
  }
}

static xt *take(const xt *x, int axis, int64_t index) {
  int64_t sh[XT_MAXRANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != axis) sh[r++] = x->shape[i];
  xt *y = xt_new(x->dtype, r, sh);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= x->shape[i];
  for (int i = axis + 1; i < x->rank; i++) inner *= x->shape[i];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++) xt_set(y, o * inner + k, xt_get(x, (o * x->shape[axis] + index) * inner + k));
  return y;
}

int rc_add(rc_case *c, xt_list *to, const char *name, const char *ref, int take_axis, int64_t take_index, int rank,
           const int64_t *shape, const int *perm) {
  char *err = NULL;
  xt *t = refcase_load(&c->rc, ref, c->dt, &err);
  if (!t) {
    c->err = err;
    return -1;
  }
  if (take_axis >= 0) {
    xt *u = take(t, take_axis, take_index);
    xt_free(t);
    t = u;
  }
  if (rank > 0) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= shape[i];
    if (n != xt_numel(t)) {
      c->err = xl_fmt("%s: tensor '%s' has %lld elements, the mapping expects %lld", c->rc.dir, ref,
                      (long long)xt_numel(t), (long long)n);
      xt_free(t);
      return -1;
    }
    if (perm) {
      xt *u = rc_permute(t, rank, shape, perm);
      xt_free(t);
      t = u;
    } else {
      t->rank = rank;
      memcpy(t->shape, shape, sizeof(int64_t) * (size_t)rank);
    }
  }
  free(t->name);
  t->name = xl_strdup(name);
  xtl_add(to, t);
  return 0;
}

/* ---- tolerances ---- */

static double official_f32_error(const refcase *rc) {
  cJSON *root = cJSON_Parse(rc->json_text);
  double worst = 0;
  cJSON *checks = root ? cJSON_GetObjectItemCaseSensitive(root, "checks") : NULL, *e;
  cJSON_ArrayForEach(e, checks) {
    if (!e->string || strncmp(e->string, "float32_official_run_vs_float64", 31) != 0) continue;
    cJSON *rel = cJSON_GetObjectItemCaseSensitive(e, "max_abs_over_ref_absmax");
    if (cJSON_IsNumber(rel) && rel->valuedouble > worst) worst = rel->valuedouble;
    if (cJSON_IsArray(e) && cJSON_IsNumber(cJSON_GetArrayItem(e, 0)) && cJSON_GetArrayItem(e, 0)->valuedouble > worst)
      worst = cJSON_GetArrayItem(e, 0)->valuedouble;
  }
  cJSON_Delete(root);
  return worst;
}

/* ---- execution ---- */

typedef struct {
  int pass, fail;
} rc_tally;

static xt *find_out(cg_graph *g, xt **outs, const char *name) {
  int k = cg_find_output(g, name);
  return k >= 0 ? outs[k] : NULL;
}

static void report(const char *cas, const char *label, xt_dtype dt, const char *name, const char *ref, double abs_err,
                   double rel, double tol, int ok, rc_tally *t) {
  printf("%-18s %-16s %s  %-58s max_abs=%-10.3e rel=%-10.3e tol=%-8.1e %s\n", cas, label, dt == XT_F64 ? "f64" : "f32",
         name, abs_err, rel, tol, ok ? "PASS" : "FAIL");
  (void)ref;
  if (ok)
    t->pass++;
  else
    t->fail++;
}

/* One AdamW step from the case's parameters and gradients vs its param_after_step tensors,
   and the weight-decay grouping vs the case's list of decayed parameters. */
static void check_adamw(rc_case *c, rc_run *r, rc_tally *tally) {
  adamw_cfg a;
  cJSON *decayed = NULL;
  if (rc_adamw_cfg(c, &a, &decayed)) return;
  int group_ok = 1;
  for (int i = 0; i < r->params.v.n; i++) {
    const xt *p0 = r->params.v.v[i];
    int listed = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, decayed) if (cJSON_IsString(e) && strcmp(e->valuestring, p0->name) == 0) listed = 1;
    if (listed != adamw_decays(p0->name, a.decay_embedding)) {
      printf("adamw grouping: '%s' is %s officially\n", p0->name, listed ? "decayed" : "not decayed");
      group_ok = 0;
    }
    char ref[512], gname[512];
    snprintf(ref, sizeof ref, "adamw_step1/%s", p0->name);
    snprintf(gname, sizeof gname, "grad/%s", p0->name);
    if (!refcase_find(&c->rc, ref)) continue;
    char *err = NULL;
    xt *g = refcase_load(&c->rc, gname, c->dt, &err), *want = refcase_load(&c->rc, ref, XT_F64, &err);
    if (!g || !want) {
      free(err);
      xt_free(g);
      xt_free(want);
      continue;
    }
    xt *p = xt_convert(p0, c->dt);
    int64_t n = xt_numel(p);
    double *m = xl_calloc((size_t)n + 1, sizeof(double)), *v = xl_calloc((size_t)n + 1, sizeof(double));
    adamw_step(&a, 1, p0->name, p, g, m, v);
    double amax = 0, emax = 0;
    for (int64_t k = 0; k < n; k++) {
      double x = xt_get(p, k), y = xt_get(want, k);
      if (fabs(y) > amax) amax = fabs(y);
      if (!(fabs(x - y) <= emax)) emax = fabs(x - y);
    }
    double rel = amax > 0 ? emax / amax : emax, tol = c->dt == XT_F64 ? 1e-8 : 1e-5;
    char label[600];
    snprintf(label, sizeof label, "adamw(%s) ~ %s", p0->name, ref);
    report(c->rc.case_name, "adamw-step", c->dt, label, ref, emax, rel, tol, rel <= tol, tally);
    free(m);
    free(v);
    xt_free(p);
    xt_free(g);
    xt_free(want);
  }
  report(c->rc.case_name, "adamw-step", c->dt, "weight-decay grouping ~ config.adamw.weight_decay_params", "", 0, 0, 0,
         group_ok, tally);
}

static const char *backend; /* --backend (NULL: xl_backend_default()) */

static int run_one(drv_src *src, rc_case *c, rc_run *r, rc_tally *tally) {
  const char *cas = c->rc.case_name;
  int rc = 0;
  drv_sets sets = {0};
  for (int i = 0; i < r->nsets; i++) xl_vec_push(sets.v, r->sets[i]);
  int need_grad = r->loss || r->cots.v.n > 0;
  cg_graph *g = drv_graph(src, r->entry, &sets, (xt *const *)r->inputs.v.v, r->inputs.v.n, XL_GRAD_NONE,
                          XL_STAGE_CG, &rc);
  free(sets.v.v);
  if (!g) {
    printf("%-18s %-16s %s  lowering of '%s' failed                                                    FAIL\n", cas,
           r->label, c->dt == XT_F64 ? "f64" : "f32", r->entry);
    tally->fail++;
    return -1;
  }
  if (!(g = drv_graph_more(g, r->entry, !need_grad ? XL_GRAD_NONE : r->loss ? XL_GRAD_LOSS : XL_GRAD_COT,
                           XL_STAGE_CG_OPT, NULL, &rc))) {
    tally->fail++;
    return -1;
  }
  xt **vals = xl_calloc((size_t)g->nodes.n, sizeof *vals);
  xt_list none = {0};
  run_bind_ctx bc = {r->entry, "(case inputs)", "(case parameters)", "(case cotangents)", &r->inputs, &r->params,
                     &r->cots, 0, c->dt, 0};
  (void)none;
  int brc = run_bind(g, &bc, vals);
  xt **outs = xl_calloc((size_t)g->outs.n, sizeof *outs);
  char *err = NULL;
  if (brc || drv_exec(g, r->entry, backend, c->dt == XT_F64 ? CG_F64 : CG_F32, (xt *const *)vals, outs, &err) != 0) {
    printf("%-18s %-16s %s  execution failed: %s FAIL\n", cas, r->label, c->dt == XT_F64 ? "f64" : "f32",
           err ? err : "binding the case tensors failed");
    tally->fail++;
    free(err);
    goto done;
  }
  double f32err = official_f32_error(&c->rc);
  for (int i = 0; i < r->cmps.n; i++) {
    rc_cmp *m = &r->cmps.v[i];
    double tol = c->dt == XT_F64 ? 1e-8 : fmax(m->is_grad ? 1e-4 : 1e-5, 10 * f32err);
    xt *o = find_out(g, outs, m->ours);
    char *e2 = NULL;
    xt *ref = refcase_load(&c->rc, m->ref, XT_F64, &e2);
    if (!o || !ref) {
      printf("%-18s %-16s %s  %s vs %s: %s FAIL\n", cas, r->label, c->dt == XT_F64 ? "f64" : "f32", m->ours, m->ref,
             !o ? "no such output" : e2);
      tally->fail++;
      free(e2);
      if (ref) xt_free(ref);
      continue;
    }
    xt *ov = NULL;
    if (m->nperm) {
      int64_t pre[XT_MAXRANK];
      for (int k = 0; k < m->nperm; k++) pre[k] = m->pre[0] == -1 ? o->shape[k] : m->pre[k];
      if (m->pre[0] == -1 && o->rank != m->nperm) pre[0] = 0; /* numel check below fails */
      ov = pre[0] ? rc_permute(o, m->nperm, pre, m->perm) : xt_convert(o, o->dtype);
    } else {
      ov = xt_convert(o, o->dtype);
    }
    if (m->take_axis >= 0) {
      xt *u = take(ref, m->take_axis, m->take_index);
      xt_free(ref);
      ref = u;
    }
    if (m->take2_axis >= 0) {
      xt *u = take(ref, m->take2_axis, m->take2_index);
      xt_free(ref);
      ref = u;
    }
    double amax = 0, emax = 0;
    int ok = xt_numel(ov) == xt_numel(ref);
    if (ok)
      for (int64_t k = 0; k < xt_numel(ref); k++) {
        double a = xt_get(ov, k) * (m->scale != 0 ? m->scale : 1), b = xt_get(ref, k);
        if (fabs(b) > amax) amax = fabs(b);
        double d = fabs(a - b);
        if (!(d <= emax)) emax = d; /* NaN propagates */
      }
    double rel = amax > 0 ? emax / amax : emax;
    char label[300];
    snprintf(label, sizeof label, "%s ~ %s", m->ours, m->ref);
    if (!ok) {
      printf("%-18s %-16s %s  %s: %lld elements vs %lld in the reference FAIL\n", cas, r->label,
             c->dt == XT_F64 ? "f64" : "f32", label, (long long)xt_numel(ov), (long long)xt_numel(ref));
      tally->fail++;
    } else {
      report(cas, r->label, c->dt, label, m->ref, emax, rel, tol, rel <= tol, tally);
    }
    xt_free(ov);
    xt_free(ref);
  }
  if (r->loss_out) { /* loss = sum(out * W) */
    xt *o = find_out(g, outs, r->loss_out), *w = xtl_find(&r->cots, r->loss_w);
    char *e2 = NULL;
    xt *ref = refcase_load(&c->rc, r->loss_ref, XT_F64, &e2);
    if (o && w && ref && xt_numel(o) == xt_numel(w)) {
      double s = 0;
      for (int64_t k = 0; k < xt_numel(o); k++) s += xt_get(o, k) * xt_get(w, k);
      double b = xt_get(ref, 0), d = fabs(s - b), rel = fabs(b) > 0 ? d / fabs(b) : d;
      double tol = c->dt == XT_F64 ? 1e-8 : fmax(1e-5, 10 * f32err);
      report(cas, r->label, c->dt, "loss = sum(out * W) ~ output/loss", r->loss_ref, d, rel, tol, rel <= tol, tally);
    }
    free(e2);
    if (ref) xt_free(ref);
  }
  if (r->adamw) check_adamw(c, r, tally);
done:
  for (int i = 0; i < g->nodes.n; i++)
    if (vals[i]) xt_free(vals[i]);
  for (int k = 0; k < g->outs.n; k++)
    if (outs[k]) xt_free(outs[k]);
  free(vals);
  free(outs);
  cg_free(g);
  return 0;
}

static void free_case(rc_case *c) {
  for (int i = 0; i < c->runs.n; i++) {
    rc_run *r = c->runs.v[i];
    xtl_free(&r->inputs);
    xtl_free(&r->params);
    xtl_free(&r->cots);
    for (int k = 0; k < r->cmps.n; k++) {
      free(r->cmps.v[k].ours);
      free(r->cmps.v[k].ref);
    }
    for (int k = 0; k < r->nsets; k++) {
      free((char *)r->sets[k].key);
      free((char *)r->sets[k].val);
    }
    free(r->cmps.v);
    free(r->label);
    free(r);
  }
  free(c->runs.v);
  free(c->err);
  cJSON_Delete(c->json);
  refcase_close(&c->rc);
}

int cmd_refcheck(int argc, char **argv) {
  static const drv_optspec spec[] = {{"dtype", 1}, {"stdlib", 1}, {"backend", 1}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "refcheck", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_refcheck(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  const char *dtype = "both";
  backend = xl_backend_default();
  char *deflib = drv_stdlib_path();
  const char *lib = deflib;
  int rc = XLC_EXIT_OK;
  for (int i = 0; i < a.opts.n; i++) {
    if (!strcmp(a.opts.v[i].name, "dtype")) dtype = a.opts.v[i].val;
    if (!strcmp(a.opts.v[i].name, "stdlib")) lib = a.opts.v[i].val;
    if (!strcmp(a.opts.v[i].name, "backend")) {
      backend = a.opts.v[i].val;
      if (!drv_backend_ok(backend)) rc = XLC_EXIT_USER;
    }
  }
  if (strcmp(dtype, "f32") && strcmp(dtype, "f64") && strcmp(dtype, "both")) {
    drv_error("--dtype must be f32, f64 or both, not '%s'", dtype);
    rc = XLC_EXIT_USER;
  }
  if (a.pos.n == 0) {
    drv_error("refcheck needs at least one case directory");
    usage_refcheck(stderr);
    rc = XLC_EXIT_USER;
  }
  drv_src src;
  if (rc == XLC_EXIT_OK && drv_src_load(&src, lib) != 0) rc = XLC_EXIT_USER;
  else if (rc == XLC_EXIT_OK && drv_src_parse(&src) != 0) {
    drv_src_free(&src);
    rc = XLC_EXIT_USER;
  }
  if (rc != XLC_EXIT_OK) {
    free(deflib);
    drv_args_free(&a);
    return rc;
  }
  rc_tally t = {0};
  for (int i = 0; i < a.pos.n; i++) {
    char *mf = xl_fmt("%s/manifest.json", a.pos.v[i]);
    const char *perr;
    FILE *probe = xl_fopen_regular(mf, NULL, &perr); /* a FIFO: not a case, never a hang */
    free(mf);
    if (!probe) { /* a directory of cases: take each subdirectory that is a case */
      drv_error("%s is not a reference case directory (no manifest.json)", a.pos.v[i]);
      t.fail++;
      continue;
    }
    fclose(probe);
    for (int d = 0; d < 2; d++) {
      xt_dtype dt = d == 0 ? XT_F64 : XT_F32;
      if ((dt == XT_F64 && !strcmp(dtype, "f32")) || (dt == XT_F32 && !strcmp(dtype, "f64"))) continue;
      rc_case c = {0};
      c.dt = dt;
      char *err = NULL;
      if (refcase_open(a.pos.v[i], &c.rc, &err) != 0) {
        drv_error("%s", err);
        free(err);
        t.fail++;
        break;
      }
      if (rc_map_case(&c) != 0) {
        drv_error("%s", c.err ? c.err : "cannot map the case");
        t.fail++;
      } else {
        for (int k = 0; k < c.runs.n; k++) run_one(&src, &c, c.runs.v[k], &t);
      }
      free_case(&c);
    }
  }
  printf("%d passed, %d failed\n", t.pass, t.fail);
  drv_src_free(&src);
  free(deflib);
  drv_args_free(&a);
  return t.fail ? XLC_EXIT_USER : XLC_EXIT_OK;
}
