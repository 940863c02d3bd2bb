/* nvrtc.h - NVRTC (the CUDA run-time compiler) loaded at run time, with a disk cache.
 *
 * xlc links no CUDA library: xnv_open dlopens libnvrtc (libnvrtc.so.13, else libnvrtc.so, or
 * the path given) and resolves the handful of entry points used, so xlc builds and runs where
 * the toolkit is absent and says so only when a CUDA compile is asked for.
 *
 * xnv_compile turns one CUDA C source (compiler/kir_cuda.h) into PTX and a CUBIN for a real
 * architecture ("sm_90") with --fmad=false (no contraction beyond the fma the emitter writes),
 * -default-device and ptxas's verbose report, parsed per kernel (registers, spill bytes,
 * static shared memory, stack). Results are cached on disk under cache_dir (NULL or "off":
 * none) in cuda/n-<hash>.bin, keyed by the source, the options, the architecture and the
 * NVRTC version; an entry is written to a temp file and renamed, and a damaged one is ignored
 * and rewritten. Errors are returned as malloc'd strings, never printed. Not thread-safe
 * across xnv_open/xnv_close; compiles may run concurrently (NVRTC is reentrant).
 */
#ifndef XL_NVRTC_H
#define XL_NVRTC_H

#include <stddef.h>

typedef struct xnv_lib xnv_lib;

/* Loads NVRTC: path NULL tries libnvrtc.so.13, then libnvrtc.so. NULL and *err (malloc'd:
   "NVRTC not found (libnvrtc.so.13: <dlerror>); install the CUDA toolkit's NVRTC ...") when
   absent or lacking an entry point. */
xnv_lib *xnv_open(const char *path, char **err);
void xnv_close(xnv_lib *l);
void xnv_version(const xnv_lib *l, int *major, int *minor);

/* ptxas's report of one kernel (-1: not in the log) */
typedef struct {
  char name[80];
  int regs;
  long spill_stores, spill_loads; /* bytes */
  long smem;                      /* static shared memory, bytes */
  long stack;                     /* stack frame, bytes */
} xnv_info;

typedef struct {
  char *ptx;            /* NUL-terminated */
  char *cubin;
  size_t cubin_len;
  char *log;            /* NVRTC's log with ptxas's report (NUL-terminated) */
  int nkern;
  xnv_info kern[8];     /* parsed from log */
  int from_cache;
  double ms;            /* wall time of the compile or the cache load */
} xnv_result;

/* Compiles src (named `name`.cu in messages) for arch. 0 with *res filled (free with
   xnv_result_free), or -1 with *err (malloc'd): the compile log for an error in the source. */
int xnv_compile(xnv_lib *l, const char *src, const char *name, const char *arch, const char *cache_dir,
                xnv_result *res, char **err);
void xnv_result_free(xnv_result *r);

/* Parses ptxas's verbose lines ("Function properties for K", "N bytes stack frame, N bytes spill
   stores, N bytes spill loads", "Used N registers, ... N bytes smem") into out (at most max
   kernels); returns how many kernels were found. */
int xnv_parse_ptxas(const char *log, xnv_info *out, int max);

/* The generated lines an error log points at ("NAME.cu(LINE): error: ..."): for each error
   line of log, the message and the source line src[LINE], numbered (malloc'd; NULL if the log
   names no line). */
char *xnv_error_lines(const char *log, const char *src);

#endif
