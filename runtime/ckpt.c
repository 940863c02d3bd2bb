/* ckpt.c - training checkpoints: parameters + AdamW state + provenance metadata in one
 * safetensors file (format in ckpt.h and docs/training.md).
 *
 * One file, so one rename makes a checkpoint visible all at once: a reader sees the previous
 * complete file or the new complete file, never a mix. Loading accepts plain state dicts
 * (official package saves) and converts the official CUDA sLSTM layout to the vanilla one
 * (xlstm-math.md §1.1) during validation. Nothing here prints; warnings go back to the caller.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ckpt.h"

#define OPT_M "optim.m."
#define OPT_V "optim.v."

static const char *const reserved_keys[] = {"format", "entry", "source_path", "source_hash", "sources",
                                            "sets", "step", "seed", "trainer"};

void ckpt_hash_hex(const char *text, char *buf) {
  snprintf(buf, 17, "%016llx", (unsigned long long)xl_hash_str(text));
}

/* ---- writing ---- */

static int is_reserved(const char *k) {
  for (size_t i = 0; i < sizeof reserved_keys / sizeof *reserved_keys; i++)
    if (strcmp(k, reserved_keys[i]) == 0) return 1;
  return 0;
}

/* the metadata JSON text, or NULL with *err */
static char *build_meta(const char *path, const ckpt_info *in, char **err) {
  cJSON *o = cJSON_CreateObject();
  char buf[64], *res = NULL;
  cJSON_AddStringToObject(o, "format", CKPT_FORMAT);
  if (in->entry) cJSON_AddStringToObject(o, "entry", in->entry);
  if (in->source_path) cJSON_AddStringToObject(o, "source_path", in->source_path);
  if (in->source_text) {
    ckpt_hash_hex(in->source_text, buf);
    cJSON_AddStringToObject(o, "source_hash", buf);
  }
  if (in->source_path && in->source_text) { /* {path: text}; the entry's file is source_path */
    cJSON *src = cJSON_CreateObject();
    cJSON_AddStringToObject(src, in->source_path, in->source_text);
    for (int i = 0; i < in->nmore_sources; i++)
      if (!cJSON_GetObjectItemCaseSensitive(src, in->more_sources[2 * i]))
        cJSON_AddStringToObject(src, in->more_sources[2 * i], in->more_sources[2 * i + 1]);
    char *t = cJSON_PrintUnformatted(src);
    cJSON_Delete(src);
    cJSON_AddStringToObject(o, "sources", t);
    cJSON_free(t);
  }
  cJSON *sets = cJSON_CreateArray();
  for (int i = 0; i < in->nsets; i++) cJSON_AddItemToArray(sets, cJSON_CreateString(in->sets[i]));
  char *st = cJSON_PrintUnformatted(sets);
  cJSON_Delete(sets);
  cJSON_AddStringToObject(o, "sets", st);
  cJSON_free(st);
  snprintf(buf, sizeof buf, "%lld", (long long)in->step);
  cJSON_AddStringToObject(o, "step", buf);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)in->seed);
  cJSON_AddStringToObject(o, "seed", buf);
  if (in->trainer_json) {
    cJSON *t = cJSON_Parse(in->trainer_json);
    if (!t) {
      *err = xl_fmt("%s: trainer settings are not valid JSON: %s", path, in->trainer_json);
      goto done;
    }
    cJSON_Delete(t);
    cJSON_AddStringToObject(o, "trainer", in->trainer_json);
  }
  for (int i = 0; i < in->nextra; i++) {
    const char *k = in->extra[2 * i], *v = in->extra[2 * i + 1];
    if (!k || !v || is_reserved(k) || cJSON_GetObjectItemCaseSensitive(o, k)) {
      *err = xl_fmt("%s: metadata key '%s' is reserved, repeated or has no value", path,
                    k ? k : "(null)");
      goto done;
    }
    cJSON_AddStringToObject(o, k, v);
  }
  char *s = cJSON_PrintUnformatted(o);
  res = xl_strdup(s);
  cJSON_free(s);
done:
  cJSON_Delete(o);
  return res;
}

int ckpt_write(const char *path, const xt_list *params, double *const *m, double *const *v,
               const ckpt_info *info, char **err) {
  ckpt_info none = {0};
  char *meta = build_meta(path, info ? info : &none, err);
  if (!meta) return -1;
  int n = params->v.n, nopt = m && v ? n : 0;
  /* borrowed views: the file's tensor list points at the caller's data */
  xt *views = xl_calloc((size_t)(2 * nopt) + 1, sizeof *views);
  xt_list l = {0};
  for (int i = 0; i < n; i++) xl_vec_push(l.v, params->v.v[i]);
  for (int k = 0; k < 2 * nopt; k++) {
    const xt *p = params->v.v[k % n];
    xt *t = &views[k];
    *t = *p;
    t->dtype = XT_F64;
    t->data = k < n ? m[k] : v[k - n];
    t->name = xl_fmt("%s%s", k < n ? OPT_M : OPT_V, p->name ? p->name : "");
    xl_vec_push(l.v, t);
  }
  int rc = st_write(path, &l, meta, err); /* removes stale temps first */
  for (int k = 0; k < 2 * nopt; k++) free(views[k].name);
  free(views);
  free(l.v.v);
  free(meta);
  return rc;
}

/* ---- reading ---- */

void ckpt_free(ckpt *ck) {
  xtl_free(&ck->params);
  xtl_free(&ck->m);
  xtl_free(&ck->v);
  for (int i = 0; i < ck->keys.n; i++) free(ck->keys.v[i]), free(ck->vals.v[i]);
  free(ck->keys.v);
  free(ck->vals.v);
  free(ck->path);
  memset(ck, 0, sizeof *ck);
}

const char *ckpt_meta(const ckpt *ck, const char *key) {
  for (int i = 0; i < ck->keys.n; i++)
    if (strcmp(ck->keys.v[i], key) == 0) return ck->vals.v[i];
  return NULL;
}

int ckpt_source(const ckpt *ck, char **text, char **err) {
  const char *js = ckpt_meta(ck, "sources"), *sp = ckpt_meta(ck, "source_path"), *h = ckpt_meta(ck, "source_hash");
  const char *path = ck->path ? ck->path : "(checkpoint)";
  *text = NULL;
  *err = NULL;
  if (!js) return 0;
  cJSON *o = cJSON_Parse(js);
  const cJSON *it = NULL;
  if (!cJSON_IsObject(o)) {
    *err = xl_fmt("%s: metadata 'sources' must be a JSON object {path: text}", path);
  } else {
    cJSON_ArrayForEach(it, o) {
      if (!cJSON_IsString(it)) {
        *err = xl_fmt("%s: metadata 'sources': the value of '%s' must be a string (the file's text)", path,
                      it->string);
        break;
      }
    }
  }
  it = !*err && sp ? cJSON_GetObjectItemCaseSensitive(o, sp) : NULL;
  if (!*err && !it) *err = xl_fmt("%s: metadata 'sources' does not hold the entry's file '%s'", path, sp ? sp : "(no source_path)");
  if (!*err && h) {
    char mine[17];
    ckpt_hash_hex(it->valuestring, mine);
    if (strcmp(mine, h))
      *err = xl_fmt("%s: metadata 'sources': the text of '%s' does not match 'source_hash' (%s, stored %s)", path,
                    sp, mine, h);
  }
  if (!*err) *text = xl_strdup(it->valuestring);
  cJSON_Delete(o);
  return *err ? -1 : 0;
}

int ckpt_has_optim(const ckpt *ck) { return ck->m.v.n > 0; }

/* optimizer list `o` (prefix stripped) against the parameters; -1 with *err */
static int check_optim(const char *path, const ckpt *ck, const xt_list *o, const xt_list *other,
                       const char *pre, char **err) {
  for (int i = 0; i < o->v.n; i++) {
    const xt *t = o->v.v[i], *p = xtl_find(&ck->params, t->name);
    if (t->dtype != XT_F64) {
      *err = xl_fmt("%s: optimizer tensor '%s%s' is %s, expected F64", path, pre, t->name,
                    xt_dtype_name(t->dtype));
      return -1;
    }
    if (!p || !xt_same_shape(p, t)) {
      char *s = xt_shape_str(t->rank, t->shape);
      *err = xl_fmt("%s: optimizer tensor '%s%s' %s has %s", path, pre, t->name, s,
                    p ? "a different shape from its parameter" : "no parameter of that name");
      free(s);
      return -1;
    }
    if (!xtl_find(other, t->name)) {
      *err = xl_fmt("%s: optimizer tensor '%s%s' has no partner '%s%s'", path, pre, t->name,
                    strcmp(pre, OPT_M) == 0 ? OPT_V : OPT_M, t->name);
      return -1;
    }
  }
  return 0;
}

/* Every value of the floating-point tensors of l is finite (and >= 0 with `nonneg`: second
   moments); -1 with *err naming the first offending tensor and element. */
static int check_values(const char *path, const xt_list *l, const char *pre, int nonneg, char **err) {
  for (int i = 0; i < l->v.n; i++) {
    const xt *t = l->v.v[i];
    if (t->dtype == XT_I64 || t->dtype == XT_I32) continue;
    int64_t n = xt_numel(t);
    for (int64_t j = 0; j < n; j++) {
      double x = xt_get(t, j);
      if (isfinite(x) && (!nonneg || x >= 0)) continue;
      *err = xl_fmt("%s: tensor '%s%s' holds %g at element %lld: %s", path, pre, t->name, x,
                    (long long)j, nonneg ? "optimizer second moments must be finite and >= 0"
                                         : "values must be finite");
      return -1;
    }
  }
  return 0;
}

int ckpt_read(const char *path, ckpt *ck, char **err) {
  memset(ck, 0, sizeof *ck);
  xt_list l;
  if (st_read(path, &l, err)) return -1;
  ck->path = xl_strdup(path);
  if (l.meta) {
    cJSON *o = cJSON_Parse(l.meta); /* st_read checked: an object of strings */
    XL_ASSERT(o);
    for (const cJSON *c = o->child; c; c = c->next) {
      xl_vec_push(ck->keys, xl_strdup(c->string));
      xl_vec_push(ck->vals, xl_strdup(c->valuestring));
    }
    cJSON_Delete(o);
  }
  const char *fmt = ckpt_meta(ck, "format");
  ck->is_xlc = fmt && strcmp(fmt, CKPT_FORMAT) == 0;
  if (fmt && !ck->is_xlc && strncmp(fmt, "xlc-checkpoint-", 15) == 0) {
    *err = xl_fmt("%s: checkpoint format '%s' is not supported (this xlc reads '%s')", path, fmt,
                  CKPT_FORMAT);
    goto fail;
  }
  for (int i = 0; i < l.v.n; i++) {
    xt *t = l.v.v[i];
    int is_m = ck->is_xlc && strncmp(t->name, OPT_M, strlen(OPT_M)) == 0;
    int is_v = ck->is_xlc && strncmp(t->name, OPT_V, strlen(OPT_V)) == 0;
    if (is_m || is_v) {
      char *nm = xl_strdup(t->name + strlen(OPT_M)); /* both prefixes have the same length */
      free(t->name);
      t->name = nm;
      xtl_add(is_m ? &ck->m : &ck->v, t);
    } else {
      xtl_add(&ck->params, t);
    }
  }
  free(l.v.v);
  free(l.meta);
  memset(&l, 0, sizeof l);
  if (check_optim(path, ck, &ck->m, &ck->v, OPT_M, err) ||
      check_optim(path, ck, &ck->v, &ck->m, OPT_V, err) ||
      check_values(path, &ck->params, "", 0, err) || check_values(path, &ck->m, OPT_M, 0, err) ||
      check_values(path, &ck->v, OPT_V, 1, err))
    goto fail;
  if (ck->m.v.n && ck->m.v.n != ck->params.v.n)
    for (int i = 0; i < ck->params.v.n; i++)
      if (!xtl_find(&ck->m, ck->params.v.v[i]->name)) {
        *err = xl_fmt("%s: parameter '%s' has no optimizer state (others do)", path,
                      ck->params.v.v[i]->name);
        goto fail;
      }
  return 0;
fail:
  xtl_free(&l);
  ckpt_free(ck);
  return -1;
}

/* ---- validation and layout conversion ---- */

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

#define RK_SUFFIX "slstm_cell._recurrent_kernel_"

/* kernel cuda (NH, din, 4dout) -> vanilla (NH, 4dout, din): van[h, r, k] = cuda[h, k, r] */
static void conv_kernel(xt *t, int64_t nh, int64_t din, int64_t r4) {
  size_t es = (size_t)xt_dtype_size(t->dtype);
  char *src = t->data, *dst = xl_malloc((size_t)xt_numel(t) * es + 1);
  for (int64_t h = 0; h < nh; h++)
    for (int64_t r = 0; r < r4; r++)
      for (int64_t k = 0; k < din; k++)
        memcpy(dst + (size_t)((h * r4 + r) * din + k) * es,
               src + (size_t)((h * din + k) * r4 + r) * es, es);
  free(t->data);
  t->data = dst;
  t->shape[1] = r4;
  t->shape[2] = din;
}

/* bias cuda head-major [h*4d + g*d + j] -> vanilla gate-major [g*H + h*d + j], H = NH*d */
static void conv_bias(xt *t, int64_t nh, int64_t d) {
  size_t es = (size_t)xt_dtype_size(t->dtype);
  char *src = t->data, *dst = xl_malloc((size_t)xt_numel(t) * es + 1);
  int64_t H = nh * d;
  for (int64_t h = 0; h < nh; h++)
    for (int64_t g = 0; g < 4; g++)
      for (int64_t j = 0; j < d; j++)
        memcpy(dst + (size_t)(g * H + h * d + j) * es, src + (size_t)(h * 4 * d + g * d + j) * es,
               es);
  free(t->data);
  t->data = dst;
}

static void append(char **s, const char *line) {
  char *n = *s ? xl_fmt("%s\n%s", *s, line) : xl_strdup(line);
  free(*s);
  *s = n;
}

static int shape_is(const xt *t, const ckpt_expect *e) {
  if (t->rank != e->rank) return 0;
  for (int k = 0; k < e->rank; k++)
    if (t->shape[k] != e->shape[k]) return 0;
  return 1;
}

int ckpt_validate(ckpt *ck, const ckpt_expect *exp, int n, char **warn, char **err) {
  *warn = NULL;
  *err = NULL;
  const char *path = ck->path ? ck->path : "(checkpoint)";
  /* 1. the CUDA sLSTM layout */
  for (int i = 0; i < n; i++) {
    const ckpt_expect *e = &exp[i];
    xt *p = xtl_find(&ck->params, e->name);
    if (!p || !ends_with(e->name, RK_SUFFIX) || e->rank != 3 || p->rank != 3 || shape_is(p, e))
      continue;
    int64_t nh = e->shape[0], r4 = e->shape[1], din = e->shape[2];
    if (r4 % 4 || p->shape[0] != nh || p->shape[1] != din || p->shape[2] != r4) continue;
    xt *kern[3] = {p, xtl_find(&ck->m, e->name), xtl_find(&ck->v, e->name)};
    for (int k = 0; k < 3; k++)
      if (kern[k]) conv_kernel(kern[k], nh, din, r4);
    char *line = xl_fmt("%s: '%s' is in the CUDA-backend layout %s; converted to the vanilla "
                        "layout [%lld, %lld, %lld]", path, e->name, "(NH, d_in, 4*d_out)",
                        (long long)nh, (long long)r4, (long long)din);
    append(warn, line);
    free(line);
    char *bname = xl_strndup(e->name, strlen(e->name) - strlen("_recurrent_kernel_"));
    char *full = xl_fmt("%s_bias_", bname);
    xt *b = xtl_find(&ck->params, full);
    if (b && b->rank == 1 && b->shape[0] == r4 * nh) {
      xt *bias[3] = {b, xtl_find(&ck->m, full), xtl_find(&ck->v, full)};
      for (int k = 0; k < 3; k++)
        if (bias[k]) conv_bias(bias[k], nh, r4 / 4);
      line = xl_fmt("%s: '%s' converted from the CUDA head-major to the vanilla gate-major order",
                    path, full);
      append(warn, line);
      free(line);
    }
    free(full);
    free(bname);
  }
  /* 2. missing and mis-shaped, then unexpected */
  for (int i = 0; i < n; i++) {
    const ckpt_expect *e = &exp[i];
    xt *p = xtl_find(&ck->params, e->name);
    char *want = xt_shape_str(e->rank, e->shape), *line = NULL;
    if (!p) {
      line = xl_fmt("%s: missing tensor '%s' (expected shape %s)", path, e->name, want);
    } else if (!shape_is(p, e)) {
      char *got = xt_shape_str(p->rank, p->shape);
      line = xl_fmt("%s: tensor '%s' has shape %s, expected %s", path, e->name, got, want);
      free(got);
    }
    if (line) append(err, line);
    free(line);
    free(want);
  }
  for (int i = 0; i < ck->params.v.n; i++) {
    const xt *p = ck->params.v.v[i];
    int found = 0;
    for (int k = 0; k < n && !found; k++) found = strcmp(exp[k].name, p->name) == 0;
    if (found) continue;
    char *got = xt_shape_str(p->rank, p->shape);
    char *line = xl_fmt("%s: unexpected tensor '%s' (shape %s) is not a parameter of the model",
                        path, p->name, got);
    append(err, line);
    free(line);
    free(got);
  }
  return *err ? -1 : 0;
}
