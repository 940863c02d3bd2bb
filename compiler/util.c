/* util.c - allocation, arena, strings, file reading, atomic file writing (see include/xl_util.h). */
#include <pthread.h>

#include "xl_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static _Noreturn void oom(size_t n) {
  fprintf(stderr, "xlc: out of memory (allocating %zu bytes)\n", n);
  exit(2);
}

void *xl_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *xl_calloc(size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (!p) oom(n * sz);
  return p;
}

void *xl_malloc_aligned(size_t n) {
  size_t r = n ? (n + 63) / 64 * 64 : 64;
  void *p = aligned_alloc(64, r);
  if (!p) oom(n);
  return p;
}

void *xl_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

char *xl_strdup(const char *s) { return xl_strndup(s, strlen(s)); }

char *xl_strndup(const char *s, size_t n) {
  char *p = xl_malloc(n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *xl_vfmt(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *p = xl_malloc((size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *xl_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = xl_vfmt(fmt, ap);
  va_end(ap);
  return p;
}

_Noreturn void xl_ice(const char *file, int line, const char *msg) {
  fprintf(stderr, "xlc: internal compiler error at %s:%d: assertion failed: %s\n", file, line, msg);
  abort();
}

struct xl_arena_blk {
  xl_arena_blk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *xl_arena_alloc(xl_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  xl_arena_blk *b = a->head;
  if (!b || b->used + n > b->cap) {
    size_t cap = n > 65536 ? n : 65536;
    b = xl_malloc(sizeof *b + cap);
    b->next = a->head;
    b->used = 0;
    b->cap = cap;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *xl_arena_strdup(xl_arena *a, const char *s) {
  size_t n = strlen(s);
  char *p = xl_arena_alloc(a, n + 1);
  memcpy(p, s, n);
  return p;
}

void xl_arena_free(xl_arena *a) {
  xl_arena_blk *b = a->head;
  while (b) {
    xl_arena_blk *n = b->next;
    free(b);
    b = n;
  }
  a->head = NULL;
}

/* Removes "<base>.tmp.<pid>" beside path whose pid is not a live process (a writer killed
   before its rename). A live pid (ours or another writer's) is left alone. */
void xl_remove_stale_temps(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? xl_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : xl_strdup(".");
  const char *base = slash ? slash + 1 : path;
  char *prefix = xl_fmt("%s.tmp.", base);
  size_t pl = strlen(prefix);
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, prefix, pl) != 0) continue;
    const char *q = e->d_name + pl;
    if (!*q || strspn(q, "0123456789") != strlen(q) || strlen(q) > 9) continue;
    long pid = atol(q);
    if (pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    char *full = xl_fmt("%s/%s", dir, e->d_name);
    (void)unlink(full);
    free(full);
  }
  if (d) closedir(d);
  free(prefix);
  free(dir);
}

/* ---- atomic file replacement: temp file beside the destination, fsync, rename ---- */

static const char *file_kind(mode_t m) {
  return S_ISDIR(m) ? "directory" : S_ISFIFO(m) ? "FIFO" : S_ISCHR(m) ? "character device"
       : S_ISBLK(m) ? "block device" : S_ISSOCK(m) ? "socket" : "special file";
}

int xl_output_check(const char *path, char **err) {
  struct stat st, lst;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) return 0; /* absent, or a dangling symbolic link: a new file */
    *err = xl_fmt("%s: cannot write here: %s", path, strerror(errno));
    return -1;
  }
  if (S_ISREG(st.st_mode)) return 0;
  int link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
  *err = xl_fmt("%s: exists and is %s%s, not a regular file: refusing to replace it", path,
                link ? "a symbolic link to a " : "a ", file_kind(st.st_mode));
  return -1;
}

int xl_outfile_open(xl_outfile *o, const char *path, char **err) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  if (xl_output_check(path, err)) return -1;
  xl_remove_stale_temps(path);
  o->tmp = xl_fmt("%s.tmp.%ld", path, (long)getpid());
  o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (o->fd < 0) {
    *err = xl_fmt("%s: cannot create temporary file '%s': %s", path, o->tmp, strerror(errno));
    free(o->tmp);
    o->tmp = NULL;
    return -1;
  }
  o->path = xl_strdup(path);
  return 0;
}

int xl_outfile_write(xl_outfile *o, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t w = write(o->fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

void xl_outfile_abort(xl_outfile *o) {
  int e = errno;
  if (o->fd >= 0) close(o->fd);
  if (o->tmp) unlink(o->tmp);
  free(o->tmp);
  free(o->path);
  memset(o, 0, sizeof *o);
  o->fd = -1;
  errno = e;
}

/* fsync the directory holding path so the rename is durable (best effort) */
static void sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? xl_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : xl_strdup(".");
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(dir);
}

int xl_outfile_commit(xl_outfile *o, char **err) {
  const char *what = "fsync";
  int ok = fsync(o->fd) == 0;
  if (ok) {
    what = "close";
    int fd = o->fd;
    o->fd = -1;
    ok = close(fd) == 0;
  }
  /* the destination may have changed since xl_outfile_open: check again just before */
  if (ok && xl_output_check(o->path, err)) {
    xl_outfile_abort(o);
    return -1;
  }
  if (ok) what = "rename";
  if (ok && rename(o->tmp, o->path) == 0) {
    sync_dir(o->path);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    o->fd = -1;
    return 0;
  }
  *err = xl_fmt("%s: write failed (%s): %s", o->path, what, strerror(errno));
  xl_outfile_abort(o);
  return -1;
}

int xl_write_file_atomic(const char *path, const void *data, size_t len, char **err) {
  xl_outfile o;
  if (xl_outfile_open(&o, path, err)) return -1;
  if (xl_outfile_write(&o, data, len)) {
    *err = xl_fmt("%s: write failed: %s", path, strerror(errno));
    xl_outfile_abort(&o);
    return -1;
  }
  return xl_outfile_commit(&o, err);
}

FILE *xl_fopen_regular(const char *path, int64_t *size, const char **err) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *err = strerror(errno);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    close(fd);
    return NULL;
  }
  int fl = fcntl(fd, F_GETFL);
  FILE *f = fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ? NULL : fdopen(fd, "rb");
  if (!f) {
    *err = strerror(errno);
    close(fd);
    return NULL;
  }
  if (size) *size = (int64_t)st.st_size;
  return f;
}

char *xl_read_file_max(const char *path, size_t max, size_t *len, const char **err) {
  int64_t size;
  FILE *f = xl_fopen_regular(path, &size, err);
  if (!f) return NULL;
  size_t n = 0, cap = (uint64_t)size < max ? (size_t)size + 1 : max + 1; /* the file may grow */
  char *buf = xl_malloc(cap + 1);
  for (;;) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0 || n > max) break;
    if (n == cap) {
      cap = cap <= max / 2 ? cap * 2 : max + 1;
      buf = xl_realloc(buf, cap + 1);
    }
  }
  const char *e = n > max ? XL_ERR_TOO_LARGE : ferror(f) ? "read error" : NULL;
  fclose(f);
  if (e) {
    *err = e;
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

char *xl_read_file(const char *path, size_t *len, const char **err) {
  return xl_read_file_max(path, SIZE_MAX - 1, len, err);
}

uint64_t xl_hash_str(const char *s) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a 64 */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

int xl_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 256 || lb > 256) return 1 << 20; /* not worth it */
  int rows[3][257]; /* rows i - 2, i - 1 and i of the optimal-string-alignment table */
  int *r2 = rows[0], *r1 = rows[1], *r0 = rows[2];
  for (size_t j = 0; j <= lb; j++) r1[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    r0[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int best = r1[j - 1] + (a[i - 1] != b[j - 1]);
      if (r1[j] + 1 < best) best = r1[j] + 1;
      if (r0[j - 1] + 1 < best) best = r0[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && r2[j - 2] + 1 < best) best = r2[j - 2] + 1;
      r0[j] = best;
    }
    int *t = r2;
    r2 = r1;
    r1 = r0;
    r0 = t;
  }
  return r1[lb];
}

int xl_suggest_limit(const char *s) {
  size_t n = strlen(s);
  return 1 + (n > 4 ? (int)(n / 5) : 0);
}

const char *xl_closest(const char *s, const char *const *cands, int n) {
  const char *best = NULL;
  int bestd = xl_suggest_limit(s) + 1;
  for (int i = 0; i < n; i++) {
    if (!cands[i] || !strcmp(cands[i], s)) continue;
    int d = xl_edit_distance(s, cands[i]);
    if (d < bestd) {
      bestd = d;
      best = cands[i];
    }
  }
  return best;
}

typedef struct {
  void (*fn)(void *, int);
  void *ctx;
  int part;
} xl_par_job;

static void *xl_par_main(void *arg) {
  xl_par_job *j = arg;
  j->fn(j->ctx, j->part);
  return NULL;
}

void xl_parallel(int parts, void (*fn)(void *ctx, int part), void *ctx) {
  if (parts > 8) parts = 8;
  pthread_t th[8];
  xl_par_job job[8];
  int started[8] = {0};
  for (int p = 1; p < parts; p++) {
    job[p] = (xl_par_job){fn, ctx, p};
    started[p] = pthread_create(&th[p], NULL, xl_par_main, &job[p]) == 0;
  }
  fn(ctx, 0);
  for (int p = 1; p < parts; p++) {
    if (started[p]) pthread_join(th[p], NULL);
    else fn(ctx, p);
  }
}

/* ---- memory limits ---- */

/* a number of bytes from a one-line file; -1 if missing, unreadable or "max" */
static double read_bytes_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char buf[64] = {0};
  double v = -1;
  if (fgets(buf, sizeof buf, f) && buf[0] >= '0' && buf[0] <= '9') v = strtod(buf, NULL);
  fclose(f);
  return v;
}

/* the address space this process has mapped now (/proc/self/statm: size in pages) */
static double mapped_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0;
  if (fscanf(f, "%lu", &pages) != 1) pages = 0;
  fclose(f);
  return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static void mem_take(xl_memlim *m, double limit, double used, const char *what) {
  if (limit < 0 || limit - used >= m->avail) return;
  m->avail = limit - used > 0 ? limit - used : 0;
  m->limit = limit;
  m->what = what;
}

xl_memlim xl_mem_limit(void) {
  xl_memlim m = {1e300, 1e300, "no limit"};
  long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
  if (pages > 0 && psz > 0) mem_take(&m, (double)pages * (double)psz, 0, "physical memory");
  double cg2 = read_bytes_file("/sys/fs/cgroup/memory.max");
  if (cg2 >= 0) {
    double cur = read_bytes_file("/sys/fs/cgroup/memory.current");
    mem_take(&m, cg2, cur > 0 ? cur : 0, "the cgroup memory limit (memory.max)");
  } else {
    double cg1 = read_bytes_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    double cur = read_bytes_file("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    if (cg1 > 0 && cg1 < 1e18) /* v1 says "no limit" with a huge number */
      mem_take(&m, cg1, cur > 0 ? cur : 0, "the cgroup memory limit (memory.limit_in_bytes)");
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    mem_take(&m, (double)rl.rlim_cur, mapped_bytes(), "RLIMIT_AS (ulimit -v)");
  return m;
}

char *xl_bytes_str(double b) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, u++;
  return u ? xl_fmt("%.1f %s", b, unit[u]) : xl_fmt("%.0f B", b);
}

int xl_mem_check(const char *what, double bytes, const char *detail, const char *advice, char **err) {
  xl_memlim m = xl_mem_limit();
  if (bytes <= m.avail) return 0;
  char *need = xl_bytes_str(bytes), *lim = xl_bytes_str(m.limit), *avail = xl_bytes_str(m.avail);
  if (err)
    *err = m.avail < m.limit
               ? xl_fmt("%s needs %s of memory (%s) but %s is %s, of which %s is free; %s", what, need, detail,
                        m.what, lim, avail, advice)
               : xl_fmt("%s needs %s of memory (%s) but %s is %s; %s", what, need, detail, m.what, lim, advice);
  free(need);
  free(lim);
  free(avail);
  return -1;
}
