/* safetensors.c - reading and writing .safetensors files (file <-> xt_list).
 *
 * Format: u64 little-endian header length N, N bytes of JSON
 *   {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}
 * then the data section (offsets relative to its start, row-major little-endian values).
 * The reader trusts nothing in the file: every length, offset and shape is checked before it
 * is used, the tensors' byte ranges must tile the data section exactly (no gap, no overlap, no
 * trailing byte, as the format specifies), and errors are malloc'd messages naming the file
 * and the tensor. Reading is O(n log n) in the number of tensors (one sort of the spans, one
 * of the names). The writer is
 * atomic (xl_outfile: temp file in the same directory, fsync, rename); a failure leaves no
 * temp file and an existing destination untouched, and only a regular file is replaced. Assumes a little-endian host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "xlrt.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c assumes a little-endian host"
#endif

#define ST_MAX_HEADER (100ull << 20) /* larger headers are treated as corrupt */

/* ---- reading ---- */

typedef struct {
  uint64_t begin, end;
  int idx; /* into the tensor list */
} st_span;

static int span_cmp(const void *a, const void *b) {
  const st_span *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return x->idx - y->idx; /* a total order: the first offending tensor is well defined */
}

static int name_cmp(const void *a, const void *b) {
  const char *const *x = a, *const *y = b;
  int c = strcmp(*x, *y);
  return c ? c : (*x < *y ? -1 : *x > *y); /* equal names: by position in the array */
}

/* The first name (in sort order) that occurs twice among names[0..n), or NULL; sorts a copy
   of the pointer array, so O(n log n). */
static const char *first_duplicate(const char *const *names, int n) {
  const char **s = xl_calloc((size_t)n + 1, sizeof *s);
  memcpy(s, names, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, name_cmp);
  const char *dup = NULL;
  for (int i = 1; i < n && !dup; i++)
    if (strcmp(s[i - 1], s[i]) == 0) dup = s[i];
  free(s);
  return dup;
}

/* a JSON number that is a non-negative integer below 2^53 */
static int json_u64(const cJSON *j, uint64_t *out) {
  if (!cJSON_IsNumber(j)) return 0;
  double d = j->valuedouble;
  if (!(d >= 0) || d >= 9007199254740992.0 || d != (double)(uint64_t)d) return 0;
  *out = (uint64_t)d;
  return 1;
}

/* Parses one tensor entry into t (allocated, zero-filled) and its byte span; -1 with *err. */
static int parse_entry(const char *path, const cJSON *e, uint64_t data_len, xt **t, st_span *sp,
                       char **err) {
  const char *nm = e->string;
  if (!cJSON_IsObject(e)) {
    *err = xl_fmt("%s: tensor '%s': header entry is not a JSON object", path, nm);
    return -1;
  }
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(e, "dtype");
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(e, "shape");
  const cJSON *jo = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
  if (!jd || !js || !jo) {
    *err = xl_fmt("%s: tensor '%s': missing field \"%s\"", path, nm,
                  !jd ? "dtype" : !js ? "shape" : "data_offsets");
    return -1;
  }
  if (!cJSON_IsString(jd)) {
    *err = xl_fmt("%s: tensor '%s': \"dtype\" is not a string", path, nm);
    return -1;
  }
  xt_dtype dt;
  if (!xt_dtype_parse(jd->valuestring, &dt)) {
    *err = xl_fmt("%s: unsupported dtype %s for tensor '%s' (supported: F64, F32, BF16, F16, "
                  "I64, I32)", path, jd->valuestring, nm);
    return -1;
  }
  if (!cJSON_IsArray(js)) {
    *err = xl_fmt("%s: tensor '%s': \"shape\" is not an array", path, nm);
    return -1;
  }
  int rank = cJSON_GetArraySize(js);
  if (rank > XT_MAXRANK) {
    *err = xl_fmt("%s: tensor '%s': rank %d exceeds the maximum %d", path, nm, rank, XT_MAXRANK);
    return -1;
  }
  int64_t shape[XT_MAXRANK];
  uint64_t numel = 1;
  int overflow = 0; /* product of the non-zero dims too large (even if another dim is 0) */
  for (int k = 0; k < rank; k++) {
    uint64_t d;
    if (!json_u64(cJSON_GetArrayItem(js, k), &d)) {
      *err = xl_fmt("%s: tensor '%s': shape[%d] is not a non-negative integer", path, nm, k);
      return -1;
    }
    shape[k] = (int64_t)d;
    if (d && numel > (UINT64_MAX >> 4) / d) overflow = 1;
    else numel *= d;
  }
  if (!cJSON_IsArray(jo) || cJSON_GetArraySize(jo) != 2 ||
      !json_u64(cJSON_GetArrayItem(jo, 0), &sp->begin) ||
      !json_u64(cJSON_GetArrayItem(jo, 1), &sp->end) || sp->end < sp->begin) {
    *err = xl_fmt("%s: tensor '%s': \"data_offsets\" must be [begin, end] with integers "
                  "0 <= begin <= end", path, nm);
    return -1;
  }
  if (overflow) {
    char *sh = xt_shape_str(rank, shape);
    *err = xl_fmt("%s: tensor '%s': shape %s is absurdly large", path, nm, sh);
    free(sh);
    return -1;
  }
  uint64_t nbytes = numel * (uint64_t)xt_dtype_size(dt);
  if (nbytes != sp->end - sp->begin) {
    char *sh = xt_shape_str(rank, shape);
    *err = xl_fmt("%s: tensor '%s': shape %s of %s needs %llu bytes but data_offsets [%llu, %llu] "
                  "hold %llu", path, nm, sh, jd->valuestring, (unsigned long long)nbytes,
                  (unsigned long long)sp->begin, (unsigned long long)sp->end,
                  (unsigned long long)(sp->end - sp->begin));
    free(sh);
    return -1;
  }
  if (sp->end > data_len) {
    *err = xl_fmt("%s: tensor '%s': data_offsets [%llu, %llu] lie beyond the end of the data "
                  "section (%llu bytes): offsets out of range or file truncated", path, nm,
                  (unsigned long long)sp->begin, (unsigned long long)sp->end,
                  (unsigned long long)data_len);
    return -1;
  }
  *t = xt_new_named(nm, dt, rank, shape);
  return 0;
}

static int parse_metadata(const char *path, const cJSON *m, char **meta, char **err) {
  if (!cJSON_IsObject(m)) {
    *err = xl_fmt("%s: \"__metadata__\" is not a JSON object", path);
    return -1;
  }
  for (const cJSON *c = m->child; c; c = c->next)
    if (!cJSON_IsString(c)) {
      *err = xl_fmt("%s: \"__metadata__\" value of '%s' is not a string", path, c->string);
      return -1;
    }
  char *s = cJSON_PrintUnformatted(m);
  XL_ASSERT(s);
  *meta = xl_strdup(s);
  cJSON_free(s);
  return 0;
}

int st_read(const char *path, xt_list *out, char **err) {
  memset(out, 0, sizeof *out);
  xt_list l = {0};
  cJSON *root = NULL;
  char *hdr = NULL;
  st_span *spans = NULL;
  int rc = -1;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below) */
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
  if (!f) {
    *err = xl_fmt("%s: cannot open: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = xl_fmt("%s: not a regular file", path);
    goto done;
  }
  uint64_t fsize = (uint64_t)st.st_size;
  unsigned char lenb[8];
  if (fsize < 8 || fread(lenb, 1, 8, f) != 8) {
    *err = xl_fmt("%s: file is %llu bytes, too short for the 8-byte header length", path,
                  (unsigned long long)fsize);
    goto done;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | lenb[i];
  if (n > ST_MAX_HEADER) {
    *err = xl_fmt("%s: header length %llu is absurd (limit %llu bytes): not a safetensors file?",
                  path, (unsigned long long)n, ST_MAX_HEADER);
    goto done;
  }
  if (n > fsize - 8) {
    *err = xl_fmt("%s: header length %llu exceeds the file size (%llu bytes): file truncated?",
                  path, (unsigned long long)n, (unsigned long long)fsize);
    goto done;
  }
  hdr = xl_malloc(n + 1);
  if (fread(hdr, 1, n, f) != n) {
    *err = xl_fmt("%s: file truncated while reading the %llu-byte header", path,
                  (unsigned long long)n);
    goto done;
  }
  hdr[n] = 0;
  const char *endp = NULL;
  root = cJSON_ParseWithLengthOpts(hdr, n, &endp, 0);
  if (!root) {
    const char *ep = cJSON_GetErrorPtr();
    long at = ep && ep >= hdr && ep <= hdr + n ? (long)(ep - hdr) : -1;
    *err = xl_fmt("%s: malformed JSON header (error near byte %ld of %llu)", path, at,
                  (unsigned long long)n);
    goto done;
  }
  for (const char *q = endp; q && q < hdr + n; q++)
    if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
      *err = xl_fmt("%s: malformed JSON header: trailing data at byte %ld", path, (long)(q - hdr));
      goto done;
    }
  if (!cJSON_IsObject(root)) {
    *err = xl_fmt("%s: JSON header is not an object", path);
    goto done;
  }
  uint64_t data_len = fsize - 8 - n;
  int cnt = cJSON_GetArraySize(root);
  spans = xl_calloc((size_t)cnt + 1, sizeof *spans);
  int ns = 0;
  for (const cJSON *e = root->child; e; e = e->next) {
    if (strcmp(e->string, "__metadata__") == 0) {
      if (l.meta) {
        *err = xl_fmt("%s: \"__metadata__\" appears twice", path);
        goto done;
      }
      if (parse_metadata(path, e, &l.meta, err)) goto done;
      continue;
    }
    xt *t = NULL;
    if (parse_entry(path, e, data_len, &t, &spans[ns], err)) goto done;
    spans[ns].idx = l.v.n;
    ns++;
    xtl_add(&l, t);
  }
  /* names: each at most once (sorted, so not quadratic) */
  const char **names = xl_calloc((size_t)ns + 1, sizeof *names);
  for (int i = 0; i < ns; i++) names[i] = l.v.v[i]->name;
  const char *dup = first_duplicate(names, ns);
  free(names);
  if (dup) {
    *err = xl_fmt("%s: tensor '%s' appears twice in the header", path, dup);
    goto done;
  }
  /* the spans, sorted by (begin, end), must tile [0, data_len): each begins where the
     previous one ended (empty tensors included), the last ends at the end of the file */
  qsort(spans, (size_t)ns, sizeof *spans, span_cmp);
  uint64_t at = 0;
  for (int i = 0; i < ns; i++) {
    const st_span *s = &spans[i];
    if (s->begin == at) {
      at = s->end;
      continue;
    }
    const char *nm = l.v.v[s->idx]->name;
    if (s->begin > at)
      *err = xl_fmt("%s: tensor '%s': data_offsets [%llu, %llu] leave bytes [%llu, %llu) of the "
                    "data section unused (a gap: the tensors must tile the data section)", path,
                    nm, (unsigned long long)s->begin, (unsigned long long)s->end,
                    (unsigned long long)at, (unsigned long long)s->begin);
    else
      *err = xl_fmt("%s: tensors '%s' and '%s' overlap in the data section ([%llu, %llu] and "
                    "[%llu, %llu])", path, l.v.v[spans[i - 1].idx]->name, nm,
                    (unsigned long long)spans[i - 1].begin, (unsigned long long)spans[i - 1].end,
                    (unsigned long long)s->begin, (unsigned long long)s->end);
    goto done;
  }
  if (at != data_len) {
    *err = ns ? xl_fmt("%s: %llu unaccounted bytes after the last tensor '%s' (the data section "
                       "is %llu bytes, the tensors hold %llu): header length wrong or file "
                       "corrupt", path, (unsigned long long)(data_len - at),
                       l.v.v[spans[ns - 1].idx]->name, (unsigned long long)data_len,
                       (unsigned long long)at)
              : xl_fmt("%s: %llu unaccounted bytes after the header (no tensors): header length "
                       "wrong or file corrupt", path, (unsigned long long)data_len);
    goto done;
  }
  /* data, in file order */
  for (int i = 0; i < ns; i++) {
    uint64_t len = spans[i].end - spans[i].begin;
    if (!len) continue;
    xt *t = l.v.v[spans[i].idx];
    if (fseeko(f, (off_t)(8 + n + spans[i].begin), SEEK_SET) != 0 ||
        fread(t->data, 1, len, f) != len) {
      *err = xl_fmt("%s: tensor '%s': data truncated (could not read bytes [%llu, %llu) of the "
                    "data section)", path, t->name, (unsigned long long)spans[i].begin,
                    (unsigned long long)spans[i].end);
      goto done;
    }
  }
  *out = l;
  memset(&l, 0, sizeof l);
  rc = 0;
done:
  xtl_free(&l);
  free(spans);
  cJSON_Delete(root);
  free(hdr);
  fclose(f);
  return rc;
}

/* ---- writing ---- */

/* Builds the padded header text (length a multiple of 8); NULL with *err. */
static char *build_header(const char *path, const xt_list *l, const char *meta, size_t *len,
                          char **err) {
  cJSON *root = cJSON_CreateObject();
  char *res = NULL;
  if (meta) {
    cJSON *m = cJSON_Parse(meta);
    int ok = m && cJSON_IsObject(m);
    for (const cJSON *c = ok ? m->child : NULL; c; c = c->next)
      if (!cJSON_IsString(c)) ok = 0;
    if (!ok) {
      cJSON_Delete(m);
      *err = xl_fmt("%s: metadata must be a JSON object of string values", path);
      goto done;
    }
    cJSON_AddItemToObject(root, "__metadata__", m);
  }
  const char **names = xl_calloc((size_t)l->v.n + 1, sizeof *names);
  for (int i = 0; i < l->v.n; i++) {
    const xt *t = l->v.v[i];
    if (!t->name || strcmp(t->name, "__metadata__") == 0) {
      *err = xl_fmt("%s: tensor %d has %s name", path, i, t->name ? "the reserved" : "no");
      free(names);
      goto done;
    }
    names[i] = t->name;
  }
  const char *dup = first_duplicate(names, l->v.n);
  free(names);
  if (dup) {
    *err = xl_fmt("%s: tensor '%s' appears twice in the list", path, dup);
    goto done;
  }
  uint64_t off = 0;
  for (int i = 0; i < l->v.n; i++) {
    const xt *t = l->v.v[i];
    if (t->rank < 0 || t->rank > XT_MAXRANK) {
      *err = xl_fmt("%s: tensor '%s': bad rank %d", path, t->name, t->rank);
      goto done;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(root, t->name, e);
    cJSON_AddStringToObject(e, "dtype", xt_dtype_name(t->dtype));
    cJSON *sh = cJSON_AddArrayToObject(e, "shape");
    for (int k = 0; k < t->rank; k++) {
      if (t->shape[k] < 0) {
        *err = xl_fmt("%s: tensor '%s': negative dimension", path, t->name);
        goto done;
      }
      cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t->shape[k]));
    }
    uint64_t nb = (uint64_t)xt_numel(t) * (uint64_t)xt_dtype_size(t->dtype);
    cJSON *o = cJSON_AddArrayToObject(e, "data_offsets");
    cJSON_AddItemToArray(o, cJSON_CreateNumber((double)off));
    cJSON_AddItemToArray(o, cJSON_CreateNumber((double)(off + nb)));
    off += nb;
  }
  char *s = cJSON_PrintUnformatted(root);
  XL_ASSERT(s);
  size_t n = strlen(s), padded = (n + 7) & ~(size_t)7;
  res = xl_malloc(padded + 1);
  memcpy(res, s, n);
  memset(res + n, ' ', padded - n);
  res[padded] = 0;
  *len = padded;
  cJSON_free(s);
done:
  cJSON_Delete(root);
  return res;
}

int st_write(const char *path, const xt_list *l, const char *meta, char **err) {
  size_t hlen = 0;
  char *hdr = build_header(path, l, meta, &hlen, err);
  if (!hdr) return -1;
  xl_outfile o;
  if (xl_outfile_open(&o, path, err)) {
    free(hdr);
    return -1;
  }
  unsigned char lenb[8];
  for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  const char *what = NULL; /* the tensor being written, NULL: the header */
  int bad = xl_outfile_write(&o, lenb, 8) || xl_outfile_write(&o, hdr, hlen);
  for (int i = 0; i < l->v.n && !bad; i++) {
    const xt *t = l->v.v[i];
    size_t nb = (size_t)xt_numel(t) * (size_t)xt_dtype_size(t->dtype);
    what = t->name;
    bad = nb && xl_outfile_write(&o, t->data, nb);
  }
  free(hdr);
  if (bad) {
    int e = errno;
    *err = what ? xl_fmt("%s: write failed at tensor '%s': %s", path, what, strerror(e))
                : xl_fmt("%s: write failed (header): %s", path, strerror(e));
    xl_outfile_abort(&o);
    return -1;
  }
  return xl_outfile_commit(&o, err);
}
