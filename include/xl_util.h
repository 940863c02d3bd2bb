/* xl_util.h - small helpers shared by every module of xlc.
 *
 * Allocation that never returns NULL (aborts with a message on OOM), an arena for
 * objects that die together, growable arrays, string helpers, and XL_ASSERT for
 * internal invariants ("internal compiler error", never used for user errors).
 */
#ifndef XL_UTIL_H
#define XL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *xl_malloc(size_t n);
/* n bytes (at least 1) at a 64-byte boundary (a cache line, an AVX-512 vector); free() frees them */
void *xl_malloc_aligned(size_t n);
void *xl_calloc(size_t n, size_t sz);
void *xl_realloc(void *p, size_t n);
char *xl_strdup(const char *s);
char *xl_strndup(const char *s, size_t n);
#include <stdarg.h>
char *xl_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* malloc'd */
char *xl_vfmt(const char *fmt, va_list ap);                                 /* malloc'd */

_Noreturn void xl_ice(const char *file, int line, const char *msg);
#define XL_ASSERT(c) ((c) ? (void)0 : xl_ice(__FILE__, __LINE__, #c))

/* Growable array of T: struct { T *v; int n, cap; }. */
#define XL_VEC(T) struct { T *v; int n, cap; }
#define xl_vec_push(vec, x)                                                        \
  do {                                                                           \
    if ((vec).n == (vec).cap) {                                                  \
      (vec).cap = (vec).cap ? 2 * (vec).cap : 8;                                 \
      (vec).v = xl_realloc((vec).v, (size_t)(vec).cap * sizeof(*(vec).v));       \
    }                                                                            \
    (vec).v[(vec).n++] = (x);                                                    \
  } while (0)

/* What this process may still allocate: the smallest of physical memory (_SC_PHYS_PAGES), the
   cgroup's limit (v2 memory.max, v1 memory.limit_in_bytes; "max": none) less what the cgroup
   uses, and RLIMIT_AS (ulimit -v) less the address space already mapped. */
typedef struct {
  double avail;     /* bytes that may still be allocated */
  double limit;     /* the binding limit itself */
  const char *what; /* names it: "physical memory", "the cgroup memory limit", "RLIMIT_AS (ulimit -v)" */
} xl_memlim;
xl_memlim xl_mem_limit(void);
/* bytes as text: "512 B", "3.2 KiB", ... "1.5 TiB" (malloc'd) */
char *xl_bytes_str(double bytes);
/* 0 if `bytes` more fit in xl_mem_limit(); else -1 with *err (malloc'd): "<what> needs N
   (<detail>) but <limit> allows M; <advice>" */
int xl_mem_check(const char *what, double bytes, const char *detail, const char *advice, char **err);

/* Arena: bump allocator; everything is freed at once. */
typedef struct xl_arena_blk xl_arena_blk;
typedef struct {
  xl_arena_blk *head;
} xl_arena;
void *xl_arena_alloc(xl_arena *a, size_t n); /* zeroed, 16-byte aligned */
char *xl_arena_strdup(xl_arena *a, const char *s);
void xl_arena_free(xl_arena *a);

/* Opens path for reading if it is a regular file: never blocks (a FIFO without a writer) and
   never reads a device or directory ("not a regular file"). *size (if not NULL) = its size.
   NULL with *err (a static string) on failure. Every reader of user-named files uses it. */
FILE *xl_fopen_regular(const char *path, int64_t *size, const char **err);
/* Reads a whole regular file of at most max bytes, NUL-terminated (*len excludes the NUL);
   NULL with *err (a static string: the reason, e.g. XL_ERR_TOO_LARGE) on failure. */
char *xl_read_file_max(const char *path, size_t max, size_t *len, const char **err);
#define XL_ERR_TOO_LARGE "larger than the size limit"
/* xl_read_file_max without a limit (files xlc wrote itself, tests) */
char *xl_read_file(const char *path, size_t *len, const char **err);
/* Every file xlc writes goes through these: an output path may name nothing (a new file) or
   a regular file (replaced), possibly through a symbolic link; anything else there (directory,
   FIFO, device, socket, a link to one) is an error naming it and is left untouched.
   xl_output_check: 0, or -1 with *err (malloc'd). */
int xl_output_check(const char *path, char **err);
/* Atomic replacement: open creates "<path>.tmp.<pid>" (after xl_output_check), write appends
   (-1 with errno), commit fsyncs, renames over path and fsyncs the directory; abort (or a
   failed commit) removes the temp file. Errors are malloc'd, naming path. */
typedef struct {
  char *path, *tmp;
  int fd;
} xl_outfile;
int xl_outfile_open(xl_outfile *o, const char *path, char **err);
int xl_outfile_write(xl_outfile *o, const void *data, size_t len);
int xl_outfile_commit(xl_outfile *o, char **err);
void xl_outfile_abort(xl_outfile *o);
/* Writes len bytes to path atomically (the above): readers see the old file or the whole new
   one. -1 with *err (malloc'd, naming the file) on failure. */
int xl_write_file_atomic(const char *path, const void *data, size_t len, char **err);
/* Removes the temp files "<path>.tmp.<pid>" of writers that no longer run (killed before their
   rename); xl_write_file_atomic and st_write call it, so a kill leaves no temp file for long. */
void xl_remove_stale_temps(const char *path);

/* A source position. text is the whole source of file (for printing the line). */
typedef struct {
  const char *file;
  const char *text;
  int line, col; /* 1-based; line 0 = no position */
} xl_loc;

/* 64-bit FNV-1a hash of a string (parameter-stream seeding, cache keys). */
uint64_t xl_hash_str(const char *s);

/* "Did you mean": the edit distance of a and b (insertions, deletions, substitutions and
   swaps of two neighbours each count 1; strings over 256 bytes are 1 << 20 apart), and the
   distance up to which a candidate is suggested for a misspelt s (1 for up to 4 bytes, one
   more per 5 bytes after). */
int xl_edit_distance(const char *a, const char *b);
int xl_suggest_limit(const char *s);
/* The candidate nearest to s, within xl_suggest_limit(s), or NULL (equal to s: never; ties:
   the first). NULL entries of cands are skipped. */
const char *xl_closest(const char *s, const char *const *cands, int n);

/* Runs fn(ctx, 0) .. fn(ctx, parts - 1), part 0 on this thread and the others on threads of
   their own (on this thread when one cannot be started), and returns when all are done. For
   the serial tails of a training step (combining the shards' gradients, AdamW): each part
   does a fixed share, so results do not depend on the timing. */
void xl_parallel(int parts, void (*fn)(void *ctx, int part), void *ctx);

#endif
