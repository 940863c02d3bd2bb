/* nvrtc.c - NVRTC through dlopen, ptxas report parsing and the disk cache (nvrtc.h).
 *
 * The entry points are declared here with NVRTC's C ABI (an int result, an opaque program
 * handle), so no CUDA header is needed to build. Cache entry (cuda/n-<h1><h2>.bin):
 *   "XLCNVR01" | u64 keylen | key | u64 ptxlen | ptx | u64 cubinlen | cubin | u64 loglen | log
 *   | u64 fnv64(everything before)
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nvrtc.h"
#include "xl_util.h"

typedef struct nvrtc_prog *nvrtc_prog;
struct xnv_lib {
  void *h;
  int major, minor;
  int (*version)(int *, int *);
  int (*create)(nvrtc_prog *, const char *, const char *, int, const char *const *, const char *const *);
  int (*destroy)(nvrtc_prog *);
  int (*compile)(nvrtc_prog, int, const char *const *);
  int (*log_size)(nvrtc_prog, size_t *);
  int (*log)(nvrtc_prog, char *);
  int (*ptx_size)(nvrtc_prog, size_t *);
  int (*ptx)(nvrtc_prog, char *);
  int (*cubin_size)(nvrtc_prog, size_t *);
  int (*cubin)(nvrtc_prog, char *);
  const char *(*errstr)(int);
};

xnv_lib *xnv_open(const char *path, char **err) {
  static const char *const names[] = {"libnvrtc.so.13", "libnvrtc.so"};
  void *h = NULL;
  char *why = NULL;
  for (int i = 0; i < 2 && !h; i++) {
    const char *n = path ? path : names[i];
    h = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (!h && !why) {
      const char *d = dlerror();
      why = xl_fmt("%s: %s", n, d ? d : "cannot load");
    }
    if (path) break;
  }
  if (!h) {
    if (err)
      *err = xl_fmt("NVRTC not found (%s); install the CUDA toolkit's NVRTC (libnvrtc.so.13, e.g. "
                    "cuda-nvrtc-13-0) or put its directory on LD_LIBRARY_PATH",
                    why);
    free(why);
    return NULL;
  }
  free(why);
  xnv_lib *l = xl_calloc(1, sizeof *l);
  l->h = h;
  static const struct {
    const char *sym;
    size_t off;
  } syms[] = {
#define S(f, s) {s, offsetof(xnv_lib, f)}
    S(version, "nvrtcVersion"),     S(create, "nvrtcCreateProgram"), S(destroy, "nvrtcDestroyProgram"),
    S(compile, "nvrtcCompileProgram"), S(log_size, "nvrtcGetProgramLogSize"), S(log, "nvrtcGetProgramLog"),
    S(ptx_size, "nvrtcGetPTXSize"), S(ptx, "nvrtcGetPTX"),           S(cubin_size, "nvrtcGetCUBINSize"),
    S(cubin, "nvrtcGetCUBIN"),      S(errstr, "nvrtcGetErrorString"),
#undef S
  };
  for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
    void *fp = dlsym(h, syms[i].sym);
    if (!fp) {
      if (err) *err = xl_fmt("NVRTC library lacks %s (too old? NVRTC 12 or newer is needed)", syms[i].sym);
      xnv_close(l);
      return NULL;
    }
    memcpy((char *)l + syms[i].off, &fp, sizeof fp);
  }
  if (l->version(&l->major, &l->minor) != 0) l->major = l->minor = 0;
  return l;
}

void xnv_close(xnv_lib *l) {
  if (!l) return;
  dlclose(l->h);
  free(l);
}

void xnv_version(const xnv_lib *l, int *major, int *minor) {
  *major = l->major;
  *minor = l->minor;
}

void xnv_result_free(xnv_result *r) {
  free(r->ptx);
  free(r->cubin);
  free(r->log);
  memset(r, 0, sizeof *r);
}

/* ---- ptxas's report ---- */

static xnv_info *kern_named(xnv_info *out, int *n, int max, const char *name, size_t len) {
  for (int i = 0; i < *n; i++)
    if (strlen(out[i].name) == len && !strncmp(out[i].name, name, len)) return &out[i];
  if (*n >= max) return NULL;
  xnv_info *k = &out[(*n)++];
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%.*s", (int)len, name);
  k->regs = -1;
  k->spill_stores = k->spill_loads = k->smem = k->stack = -1;
  return k;
}

/* The number before `unit` in line [p, e), or -1. */
static long num_before(const char *p, const char *e, const char *unit) {
  size_t ul = strlen(unit);
  for (const char *c = p; c + ul <= e; c++) {
    if (strncmp(c, unit, ul)) continue;
    const char *d = c;
    while (d > p && d[-1] == ' ') d--;
    const char *s = d;
    while (s > p && s[-1] >= '0' && s[-1] <= '9') s--;
    if (s == d) continue;
    return strtol(s, NULL, 10);
  }
  return -1;
}

int xnv_parse_ptxas(const char *log, xnv_info *out, int max) {
  int n = 0;
  xnv_info *cur = NULL;
  for (const char *p = log; p && *p;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    const char *q;
    if ((q = strstr(p, "Function properties for ")) && q < e) {
      q += strlen("Function properties for ");
      const char *end = q;
      while (end < e && *end != ' ' && *end != '\r') end++;
      cur = kern_named(out, &n, max, q, (size_t)(end - q));
    } else if ((q = strstr(p, "Compiling entry function '")) && q < e) {
      q += strlen("Compiling entry function '");
      const char *end = memchr(q, '\'', (size_t)(e - q));
      if (end) cur = kern_named(out, &n, max, q, (size_t)(end - q));
    } else if (cur) {
      long v;
      if ((v = num_before(p, e, " bytes stack frame")) >= 0) cur->stack = v;
      if ((v = num_before(p, e, " bytes spill stores")) >= 0) cur->spill_stores = v;
      if ((v = num_before(p, e, " bytes spill loads")) >= 0) cur->spill_loads = v;
      if ((v = num_before(p, e, " registers")) >= 0) {
        cur->regs = (int)v;
        long sm = num_before(p, e, " bytes smem");
        cur->smem = sm >= 0 ? sm : 0;
      }
    }
    p = *e ? e + 1 : e;
  }
  return n;
}

char *xnv_error_lines(const char *log, const char *src) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  int found = 0;
  for (const char *p = log; p && *p;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    const char *q = memchr(p, '(', (size_t)(e - p));
    char *end;
    long ln = q ? strtol(q + 1, &end, 10) : 0;
    if (q && ln > 0 && *end == ')' && strstr(end, "error") && strstr(end, "error") < e) {
      fprintf(f, "%.*s\n", (int)(e - p), p);
      const char *s = src;
      for (long i = 1; i < ln && s; i++) {
        s = strchr(s, '\n');
        if (s) s++;
      }
      if (s && *s) {
        const char *se = strchr(s, '\n');
        fprintf(f, "  %5ld | %.*s\n", ln, se ? (int)(se - s) : (int)strlen(s), s);
      }
      found = 1;
    }
    p = *e ? e + 1 : e;
  }
  fclose(f);
  if (!found) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* ---- the disk cache ---- */

static const char MAGIC[8] = {'X', 'L', 'C', 'N', 'V', 'R', '0', '1'};
#define CACHE_MAX ((int64_t)256 << 20)

static uint64_t fnv64(const void *p, size_t n, uint64_t h) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
  return h;
}

static int mkdir_p(const char *path) {
  char *p = xl_strdup(path);
  int rc = 0;
  for (char *c = p + 1; *c && !rc; c++)
    if (*c == '/') {
      *c = 0;
      if (mkdir(p, 0755) && errno != EEXIST) rc = -1;
      *c = '/';
    }
  if (!rc && mkdir(p, 0755) && errno != EEXIST) rc = -1;
  free(p);
  return rc;
}

typedef struct {
  const char *p;
  size_t n, pos;
} rd;

static int rd_blob(rd *r, const char **b, uint64_t *len) {
  if (r->n - r->pos < 8) return -1;
  memcpy(len, r->p + r->pos, 8);
  r->pos += 8;
  if (*len > r->n - r->pos) return -1;
  *b = r->p + r->pos;
  r->pos += *len;
  return 0;
}

static char *dup_blob(const char *b, uint64_t n) {
  char *s = xl_malloc((size_t)n + 1);
  memcpy(s, b, (size_t)n);
  s[n] = 0;
  return s;
}

/* 1 and res filled for a valid entry of key at path, else 0 */
static int cache_read(const char *path, const char *key, xnv_result *res) {
  const char *e;
  int64_t size = -1;
  FILE *f = xl_fopen_regular(path, &size, &e);
  if (!f) return 0;
  int ok = 0;
  char *data = NULL;
  if (size < 48 || size > CACHE_MAX) goto out;
  data = xl_malloc((size_t)size);
  if (fread(data, 1, (size_t)size, f) != (size_t)size || memcmp(data, MAGIC, 8)) goto out;
  uint64_t h;
  memcpy(&h, data + size - 8, 8);
  if (fnv64(data, (size_t)size - 8, 14695981039346656037ULL) != h) goto out;
  rd r = {data, (size_t)size - 8, 8};
  const char *k, *ptx, *cub, *lg;
  uint64_t kl, pl, cl, ll;
  if (rd_blob(&r, &k, &kl) || kl != strlen(key) || memcmp(k, key, kl) || rd_blob(&r, &ptx, &pl) ||
      rd_blob(&r, &cub, &cl) || rd_blob(&r, &lg, &ll) || r.pos != r.n || !pl || !cl)
    goto out;
  res->ptx = dup_blob(ptx, pl);
  res->cubin = dup_blob(cub, cl);
  res->cubin_len = (size_t)cl;
  res->log = dup_blob(lg, ll);
  ok = 1;
out:
  free(data);
  fclose(f);
  return ok;
}

static void put_blob(FILE *f, const void *b, uint64_t n) {
  fwrite(&n, 8, 1, f);
  fwrite(b, 1, (size_t)n, f);
}

static void cache_write(const char *path, const char *key, const xnv_result *res) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fwrite(MAGIC, 1, 8, f);
  put_blob(f, key, strlen(key));
  put_blob(f, res->ptx, strlen(res->ptx));
  put_blob(f, res->cubin, res->cubin_len);
  put_blob(f, res->log, strlen(res->log));
  fclose(f);
  uint64_t h = fnv64(buf, len, 14695981039346656037ULL);
  buf = xl_realloc(buf, len + 8);
  memcpy(buf + len, &h, 8);
  char *err = NULL;
  if (xl_write_file_atomic(path, buf, len + 8, &err)) {
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
      fprintf(stderr, "xlc: warning: cannot write the CUDA kernel cache entry: %s (kernels are compiled anew)\n", err);
  }
  free(err);
  free(buf);
}

/* ---- compile ---- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int xnv_compile(xnv_lib *l, const char *src, const char *name, const char *arch, const char *cache_dir,
                xnv_result *res, char **err) {
  double t0 = now_ms();
  memset(res, 0, sizeof *res);
  char *archopt = xl_fmt("--gpu-architecture=%s", arch);
  const char *opts[] = {archopt, "--fmad=false", "--std=c++17", "--ptxas-options=-v"};
  int nopt = (int)(sizeof opts / sizeof *opts);
  /* the key: everything that determines the output */
  char *key = NULL, *path = NULL, *dir = NULL;
  {
    size_t kl = 0;
    FILE *f = open_memstream(&key, &kl);
    fprintf(f, "nvrtc %d.%d\narch %s\n", l->major, l->minor, arch);
    for (int i = 0; i < nopt; i++) fprintf(f, "opt %s\n", opts[i]);
    fprintf(f, "name %s\n", name);
    fputs(src, f);
    fclose(f);
  }
  if (cache_dir && *cache_dir && strcmp(cache_dir, "off")) {
    dir = xl_fmt("%s/cuda", cache_dir);
    if (mkdir_p(dir) == 0) {
      size_t n = strlen(key);
      path = xl_fmt("%s/n-%016llx%016llx.bin", dir, (unsigned long long)fnv64(key, n, 14695981039346656037ULL),
                    (unsigned long long)fnv64(key, n, 0x9e3779b97f4a7c15ULL));
      if (cache_read(path, key, res)) {
        res->from_cache = 1;
        goto parsed;
      }
    }
  }
  {
    nvrtc_prog p = NULL;
    char *fname = xl_fmt("%s.cu", name);
    int rc = l->create(&p, src, fname, 0, NULL, NULL);
    free(fname);
    if (rc != 0) {
      if (err) *err = xl_fmt("NVRTC: cannot create a program for %s: %s", name, l->errstr(rc));
      goto fail;
    }
    int crc = l->compile(p, nopt, opts);
    size_t ln = 0;
    l->log_size(p, &ln);
    res->log = xl_malloc(ln + 1);
    res->log[0] = 0;
    if (ln) l->log(p, res->log);
    res->log[ln] = 0;
    if (crc != 0) {
      if (err) *err = xl_fmt("NVRTC: %s for %s: %s\n%s", l->errstr(crc), arch, name, res->log);
      l->destroy(&p);
      goto fail;
    }
    size_t pn = 0, cn = 0;
    if (l->ptx_size(p, &pn) || l->cubin_size(p, &cn) || pn == 0 || cn == 0) {
      if (err) *err = xl_fmt("NVRTC: no PTX or CUBIN for %s (%s)", name, arch);
      l->destroy(&p);
      goto fail;
    }
    res->ptx = xl_malloc(pn + 1);
    l->ptx(p, res->ptx);
    res->ptx[pn] = 0;
    res->cubin = xl_malloc(cn);
    res->cubin_len = cn;
    l->cubin(p, res->cubin);
    l->destroy(&p);
    if (path) cache_write(path, key, res);
  }
parsed:
  res->nkern = xnv_parse_ptxas(res->log, res->kern, (int)(sizeof res->kern / sizeof *res->kern));
  res->ms = now_ms() - t0;
  free(archopt);
  free(key);
  free(path);
  free(dir);
  return 0;
fail:
  xnv_result_free(res);
  free(archopt);
  free(key);
  free(path);
  free(dir);
  return -1;
}
