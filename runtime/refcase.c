/* refcase.c - loading the reference cases exported from the official xLSTM code
 * (../shared/ref/<case>/: manifest.json plus one raw little-endian file per tensor and dtype).
 *
 * refcase_open parses the manifest (case, official_sources, tensors[] with name, role,
 * official_name, shape, numel, files, absmax) and checks it is self-consistent; refcase_load
 * reads one tensor's .f64/.f32/.i32 file after checking its size. Errors are malloc'd messages
 * naming the case directory and the tensor. The files are data: never written here.
 */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xlrt.h"

static void tensor_free(refcase_tensor *t) {
  free(t->name);
  free(t->role);
  free(t->official_name);
  free(t->file_f64);
  free(t->file_f32);
  free(t->file_i32);
}

void refcase_close(refcase *rc) {
  for (int i = 0; i < rc->tensors.n; i++) tensor_free(&rc->tensors.v[i]);
  free(rc->tensors.v);
  for (int i = 0; i < rc->sources.n; i++) free(rc->sources.v[i]);
  free(rc->sources.v);
  free(rc->dir);
  free(rc->case_name);
  free(rc->json_text);
  memset(rc, 0, sizeof *rc);
}

static char *opt_str(const cJSON *o, const char *key) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(j) ? xl_strdup(j->valuestring) : NULL;
}

/* a plain file name: no directory part, so a manifest cannot point outside its case */
static int plain_name(const char *s) { return s[0] && !strchr(s, '/') && strcmp(s, "..") != 0; }

/* Fills t from manifest entry e; -1 with *err. */
static int parse_tensor(const char *dir, int idx, const cJSON *e, refcase_tensor *t, char **err) {
  const cJSON *jn = cJSON_GetObjectItemCaseSensitive(e, "name");
  if (!cJSON_IsObject(e) || !cJSON_IsString(jn)) {
    *err = xl_fmt("%s/manifest.json: tensors[%d] has no \"name\"", dir, idx);
    return -1;
  }
  t->name = xl_strdup(jn->valuestring);
  t->role = opt_str(e, "role");
  t->official_name = opt_str(e, "official_name");
  t->absmax = NAN;
  const cJSON *ja = cJSON_GetObjectItemCaseSensitive(e, "absmax");
  if (cJSON_IsNumber(ja)) t->absmax = ja->valuedouble;
  if (!t->role) {
    *err = xl_fmt("%s/manifest.json: tensor '%s' has no \"role\"", dir, t->name);
    return -1;
  }
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(e, "shape");
  if (!cJSON_IsArray(js) || cJSON_GetArraySize(js) > XT_MAXRANK) {
    *err = xl_fmt("%s/manifest.json: tensor '%s': \"shape\" missing, not an array or of rank > %d",
                  dir, t->name, XT_MAXRANK);
    return -1;
  }
  t->rank = cJSON_GetArraySize(js);
  t->numel = 1;
  for (int k = 0; k < t->rank; k++) {
    const cJSON *d = cJSON_GetArrayItem(js, k);
    if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e12 ||
        d->valuedouble != floor(d->valuedouble)) {
      *err = xl_fmt("%s/manifest.json: tensor '%s': shape[%d] is not a non-negative integer",
                    dir, t->name, k);
      return -1;
    }
    t->shape[k] = (int64_t)d->valuedouble;
    if (t->shape[k] && t->numel > ((int64_t)1 << 40) / t->shape[k]) {
      *err = xl_fmt("%s/manifest.json: tensor '%s': absurd shape", dir, t->name);
      return -1;
    }
    t->numel *= t->shape[k];
  }
  const cJSON *jnum = cJSON_GetObjectItemCaseSensitive(e, "numel");
  if (jnum && (!cJSON_IsNumber(jnum) || jnum->valuedouble != (double)t->numel)) {
    char *sh = xt_shape_str(t->rank, t->shape);
    *err = xl_fmt("%s/manifest.json: tensor '%s': numel %g does not match shape %s", dir, t->name,
                  cJSON_IsNumber(jnum) ? jnum->valuedouble : NAN, sh);
    free(sh);
    return -1;
  }
  const cJSON *jf = cJSON_GetObjectItemCaseSensitive(e, "files");
  if (!cJSON_IsObject(jf)) {
    *err = xl_fmt("%s/manifest.json: tensor '%s' has no \"files\" object", dir, t->name);
    return -1;
  }
  for (const cJSON *f = jf->child; f; f = f->next) {
    char **slot = !strcmp(f->string, "float64") ? &t->file_f64
                  : !strcmp(f->string, "float32") ? &t->file_f32
                  : !strcmp(f->string, "int32")   ? &t->file_i32
                                                  : NULL;
    if (!slot) continue; /* a dtype this loader does not know: ignored */
    if (!cJSON_IsString(f) || !plain_name(f->valuestring)) {
      *err = xl_fmt("%s/manifest.json: tensor '%s': files.%s is not a plain file name", dir,
                    t->name, f->string);
      return -1;
    }
    free(*slot);
    *slot = xl_strdup(f->valuestring);
  }
  if (!t->file_f64 && !t->file_f32 && !t->file_i32) {
    *err = xl_fmt("%s/manifest.json: tensor '%s' lists no float64, float32 or int32 file", dir,
                  t->name);
    return -1;
  }
  return 0;
}

int refcase_open(const char *dir, refcase *rc, char **err) {
  memset(rc, 0, sizeof *rc);
  rc->dir = xl_strdup(dir);
  char *mpath = xl_fmt("%s/manifest.json", dir);
  const char *rerr = NULL;
  size_t len = 0;
  rc->json_text = xl_read_file_max(mpath, (size_t)64 << 20, &len, &rerr);
  cJSON *root = NULL;
  if (!rc->json_text) {
    *err = xl_fmt("%s: cannot read reference case manifest: %s", mpath, rerr);
    goto fail;
  }
  root = cJSON_ParseWithLength(rc->json_text, len);
  if (!cJSON_IsObject(root)) {
    *err = xl_fmt("%s: malformed JSON", mpath);
    goto fail;
  }
  rc->case_name = opt_str(root, "case");
  if (!rc->case_name) {
    *err = xl_fmt("%s: no \"case\" name", mpath);
    goto fail;
  }
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "official_sources");
  for (const cJSON *s = cJSON_IsArray(src) ? src->child : NULL; s; s = s->next)
    if (cJSON_IsString(s)) xl_vec_push(rc->sources, xl_strdup(s->valuestring));
  const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "tensors");
  if (!cJSON_IsArray(ts)) {
    *err = xl_fmt("%s: no \"tensors\" array", mpath);
    goto fail;
  }
  int idx = 0;
  for (const cJSON *e = ts->child; e; e = e->next, idx++) {
    refcase_tensor t;
    memset(&t, 0, sizeof t);
    if (parse_tensor(dir, idx, e, &t, err)) {
      tensor_free(&t);
      goto fail;
    }
    if (refcase_find(rc, t.name)) {
      *err = xl_fmt("%s: tensor '%s' listed twice", mpath, t.name);
      tensor_free(&t);
      goto fail;
    }
    xl_vec_push(rc->tensors, t);
  }
  cJSON_Delete(root);
  free(mpath);
  return 0;
fail:
  cJSON_Delete(root);
  free(mpath);
  refcase_close(rc);
  return -1;
}

const refcase_tensor *refcase_find(const refcase *rc, const char *name) {
  for (int i = 0; i < rc->tensors.n; i++)
    if (strcmp(rc->tensors.v[i].name, name) == 0) return &rc->tensors.v[i];
  return NULL;
}

/* reads exactly numel values of dtype dt from file into a new tensor named like t */
static xt *load_file(const refcase *rc, const refcase_tensor *t, const char *file, xt_dtype dt,
                     char **err) {
  char *path = xl_fmt("%s/%s", rc->dir, file);
  int64_t want = t->numel * xt_dtype_size(dt);
  xt *x = NULL;
  const char *oerr = NULL;
  int64_t size = 0;
  FILE *f = xl_fopen_regular(path, &size, &oerr);
  if (!f) {
    *err = xl_fmt("%s: tensor '%s': cannot open %s: %s", rc->dir, t->name, file, oerr);
  } else if (size != want) {
    *err = xl_fmt("%s: tensor '%s': %s has %lld bytes, expected %lld (%lld values of %s)",
                  rc->dir, t->name, file, (long long)size, (long long)want,
                  (long long)t->numel, xt_dtype_name(dt));
  } else {
    x = xt_new_named(t->name, dt, t->rank, t->shape);
    if (want && fread(x->data, 1, (size_t)want, f) != (size_t)want) {
      *err = xl_fmt("%s: tensor '%s': short read from %s", rc->dir, t->name, file);
      xt_free(x);
      x = NULL;
    }
  }
  if (f) fclose(f);
  free(path);
  return x;
}

xt *refcase_load(const refcase *rc, const char *name, xt_dtype dt, char **err) {
  const refcase_tensor *t = refcase_find(rc, name);
  if (!t) {
    *err = xl_fmt("%s: reference case '%s' has no tensor '%s'", rc->dir, rc->case_name, name);
    return NULL;
  }
  /* integer tensors (token ids) come only as int32 and are returned as I32 for any request */
  if (t->file_i32 && !t->file_f64 && !t->file_f32) dt = dt == XT_I64 ? XT_I64 : XT_I32;
  const char *file = NULL;
  xt_dtype fdt = dt; /* dtype of the file read; converted to dt afterwards if different */
  switch (dt) {
  case XT_F64: file = t->file_f64; break;
  case XT_F32: file = t->file_f32; break;
  case XT_BF16:
  case XT_F16:
    file = t->file_f32 ? t->file_f32 : t->file_f64;
    fdt = t->file_f32 ? XT_F32 : XT_F64;
    break;
  case XT_I32: file = t->file_i32; break;
  case XT_I64: file = t->file_i32; fdt = XT_I32; break;
  }
  if (!file) {
    *err = xl_fmt("%s: tensor '%s' has no file for dtype %s", rc->dir, name, xt_dtype_name(dt));
    return NULL;
  }
  xt *x = load_file(rc, t, file, fdt, err);
  if (x && fdt != dt) {
    xt *y = xt_convert(x, dt); /* keeps the name */
    xt_free(x);
    x = y;
  }
  return x;
}
