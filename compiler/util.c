/* util.c - allocation, arena, strings, file reading, atomic file writing (see include/xl_util.h). */
#include <pthread.h>

#include "xl_util.h"

#include <errno.h>
#include <fcntl.h>
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

char *xl_read_file(const char *path, size_t *len, const char **err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *err = strerror(errno);
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = xl_malloc(cap);
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap *= 2;
      buf = xl_realloc(buf, cap);
    }
    size_t r = fread(buf + n, 1, cap - n - 1, f);
    n += r;
    if (r == 0) break;
  }
  if (ferror(f)) {
    *err = "read error";
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

uint64_t xl_hash_str(const char *s) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a 64 */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
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
