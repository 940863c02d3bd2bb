/* data_files.c - reading and checking the files behind bytes:PATH and tokens:PATH (data.h).
 *
 * Input: a path and the options. Output: the file's tokens in memory (bytes as they are; raw
 * int32/uint16 little-endian; .npy with dtype <i4, <u2 or <i8, 1-D, C order), each checked to
 * be 0 <= token < vocab. Trusts nothing in the file: every error is a malloc'd message naming
 * the file and, for a bad token, its index and byte offset. Assumes a little-endian host.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_int.h"
#include "xlrt.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "data_files.c assumes a little-endian host"
#endif

static int fail(char **err, char *msg) {
  *err = msg;
  return -1;
}

static int read_all(const char *path, unsigned char **buf, int64_t *n, char **err) {
  const char *e = NULL;
  FILE *f = xl_fopen_regular(path, n, &e); /* a FIFO or device: an error, not a hang */
  if (!f && !strcmp(e, "not a regular file")) return fail(err, xl_fmt("%s: not a regular file", path));
  if (!f) return fail(err, xl_fmt("%s: cannot open: %s", path, e));
  *buf = xl_malloc((size_t)*n + 1);
  size_t got = fread(*buf, 1, (size_t)*n, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != (size_t)*n) {
    free(*buf);
    *buf = NULL;
    return fail(err, xl_fmt("%s: read error", path));
  }
  return 0;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

/* the value text after 'key': in a .npy header dict, or NULL */
static const char *npy_field(const char *hdr, const char *key) {
  char q[64];
  snprintf(q, sizeof q, "'%s'", key);
  const char *p = strstr(hdr, q);
  if (!p) return NULL;
  p += strlen(q);
  while (*p == ' ') p++;
  if (*p != ':') return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

/* Parses a .npy file in buf[0..n): sets *off (data offset), *dt (2 = <u2, 4 = <i4, 8 = <i8)
 * and *count; -1 with *err. */
static int npy_parse(const char *path, const unsigned char *buf, int64_t n, int64_t *off,
                     int *dt, int64_t *count, char **err) {
  if (n < 10 || memcmp(buf, "\x93NUMPY", 6))
    return fail(err, xl_fmt("%s: not a .npy file (bad magic)", path));
  int major = buf[6];
  int64_t hlen, hoff;
  if (major == 1) {
    hlen = buf[8] | buf[9] << 8;
    hoff = 10;
  } else if ((major == 2 || major == 3) && n >= 12) {
    hlen = (int64_t)((uint32_t)buf[8] | (uint32_t)buf[9] << 8 | (uint32_t)buf[10] << 16 |
                     (uint32_t)buf[11] << 24);
    hoff = 12;
  } else {
    return fail(err, xl_fmt("%s: unsupported .npy version %d", path, major));
  }
  if (hoff + hlen > n)
    return fail(err, xl_fmt("%s: .npy header (%lld bytes) runs past the end of the file "
                            "(%lld bytes)", path, (long long)hlen, (long long)n));
  char *h = xl_malloc((size_t)hlen + 1);
  memcpy(h, buf + hoff, (size_t)hlen);
  h[hlen] = 0;
  int rc = -1;
  const char *d = npy_field(h, "descr"), *fo = npy_field(h, "fortran_order"),
             *sh = npy_field(h, "shape");
  if (!d || !fo || !sh || (*d != '\'' && *d != '"') || *sh != '(') {
    *err = xl_fmt("%s: .npy header lacks descr/fortran_order/shape: %s", path, h);
    goto out;
  }
  char q = *d++;
  const char *e = strchr(d, q);
  if (!e) {
    *err = xl_fmt("%s: .npy header: unterminated descr", path);
    goto out;
  }
  int dl = (int)(e - d);
  if (dl == 3 && !strncmp(d, "<i4", 3)) *dt = 4;
  else if (dl == 3 && !strncmp(d, "<u2", 3)) *dt = 2;
  else if (dl == 3 && !strncmp(d, "<i8", 3)) *dt = 8;
  else {
    *err = xl_fmt("%s: unsupported .npy dtype '%.*s' (supported: <i4, <u2, <i8)", path, dl, d);
    goto out;
  }
  if (!strncmp(fo, "True", 4)) {
    *err = xl_fmt("%s: .npy fortran_order True is not supported", path);
    goto out;
  }
  if (strncmp(fo, "False", 5)) {
    *err = xl_fmt("%s: .npy header: bad fortran_order", path);
    goto out;
  }
  /* shape: (N,) */
  const char *p = sh + 1;
  int dims = 0;
  int64_t n0 = 0;
  for (;;) {
    while (*p == ' ') p++;
    if (*p == ')') break;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 0) {
      *err = xl_fmt("%s: .npy header: bad shape", path);
      goto out;
    }
    if (dims++ == 0) n0 = v;
    p = end;
    while (*p == ' ') p++;
    if (*p == ',') p++;
  }
  if (dims != 1) {
    *err = xl_fmt("%s: .npy array has %d dimensions, expected 1-D", path, dims);
    goto out;
  }
  *off = hoff + hlen;
  if (n0 > (n - *off) / *dt || n - *off != n0 * *dt) {
    *err = xl_fmt("%s: .npy data is %lld bytes; shape (%lld,) of %d-byte elements needs %lld",
                  path, (long long)(n - *off), (long long)n0, *dt, (long long)n0 * *dt);
    goto out;
  }
  *count = n0;
  rc = 0;
out:
  free(h);
  return rc;
}

int data_files_load(data_source *s, char **err) {
  const char *path = s->path;
  int64_t n;
  if (read_all(path, &s->buf, &n, err)) return -1;
  int64_t off = 0, count; /* data offset and token count */
  int fsize;              /* bytes per element in the file */
  if (s->kind == DATA_K_BYTES) {
    fsize = 1;
  } else if (ends_with(path, ".npy")) {
    if (npy_parse(path, s->buf, n, &off, &fsize, &count, err)) return -1;
  } else {
    data_tok_dtype dt = s->o.tok_dtype;
    if (dt == DATA_TOK_AUTO)
      dt = ends_with(path, ".i32") ? DATA_TOK_I32 : ends_with(path, ".u16") ? DATA_TOK_U16 : dt;
    if (dt == DATA_TOK_AUTO)
      return fail(err, xl_fmt("%s: cannot tell the token type: name it .i32, .u16 or .npy, or "
                              "set the token dtype option", path));
    fsize = dt == DATA_TOK_I32 ? 4 : 2;
    if (n % fsize)
      return fail(err, xl_fmt("%s: file size %lld is not a multiple of %d (%s tokens)", path,
                              (long long)n, fsize, fsize == 4 ? "int32" : "uint16"));
  }
  if (fsize != 8) count = (n - off) / fsize;
  if (count == 0) return fail(err, xl_fmt("%s: no tokens (empty file)", path));
  /* check every token; find the largest */
  int vocab = s->o.vocab ? s->o.vocab : s->kind == DATA_K_BYTES ? 256 : 0;
  if (vocab < 0) return fail(err, xl_fmt("%s: vocab %d < 0", path, vocab));
  int64_t maxtok = -1;
  const unsigned char *d = s->buf + off;
  for (int64_t i = 0; i < count; i++) {
    const unsigned char *p = d + i * fsize;
    int64_t v = 0;
    if (fsize == 1) v = p[0];
    else if (fsize == 2) v = p[0] | p[1] << 8;
    else {
      uint64_t u = 0;
      for (int j = 0; j < fsize; j++) u |= (uint64_t)p[j] << (8 * j);
      v = fsize == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
    }
    if (v < 0 || v >= INT32_MAX || (vocab && v >= vocab)) {
      char *why = v < 0 ? xl_strdup("negative")
                  : v >= INT32_MAX ? xl_strdup(">= INT32_MAX")
                                   : xl_fmt(">= vocab %d", vocab);
      fail(err, xl_fmt("%s: token %lld at index %lld (byte offset %lld) is %s", path, (long long)v,
                       (long long)i, (long long)(off + i * fsize), why));
      free(why);
      return -1;
    }
    if (v > maxtok) maxtok = v;
  }
  if (!vocab) vocab = (int)maxtok + 1;
  if (fsize == 8) { /* keep int32 copies */
    unsigned char *c = xl_malloc((size_t)count * 4);
    for (int64_t i = 0; i < count; i++) memcpy(c + 4 * i, d + 8 * i, 4); /* low half, LE */
    free(s->buf);
    s->buf = c;
    s->data = c;
    s->elsize = 4;
  } else {
    s->data = d;
    s->elsize = fsize;
  }
  s->o.vocab = vocab;
  s->info.vocab = vocab;
  s->info.n_tokens = count;
  return 0;
}
