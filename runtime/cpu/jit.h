/* jit.h - the CPU code generator's back half: MLIR text (compiler/kir_mlir.h) -> LLVM ->
 * machine code (mlir_jit.c, the only file that includes MLIR/LLVM headers). Part of the CPU
 * backend (runtime/cpu/): only what links xl_cpu may include it.
 *
 * jit_compile lowers MLIR text to LLVM IR, optimizes it at -O3 for the host CPU, emits an
 * object file (cached on disk by a hash of text, compiler version and host target) and links
 * it into the process's ORC LLJIT. Errors are returned as malloc'd strings, never printed.
 */
#ifndef XL_JIT_H
#define XL_JIT_H

#include <stdint.h>

#include "kir_mlir.h"
#include "options.h"

/* The JIT is process-wide; its settings come from the options (read no environment):
   o->emit.vector_bits (256 or 512; 0: the host's), o->cache_dir (the disk cache: a directory,
   created if missing; NULL or "off": none), o->jit_timing (per-stage compile times on
   stderr). Call it before compiling (the commands: once from main; cpu_prepare with options:
   every time, the same values); later compiles use the new settings. Until it is called: the
   host's width, no cache, no timing. */
void jit_configure(const xl_options *o);

/* The width of the vectors kernels are written for: kir_vector_bits() (jit_configure sets it). */
int jit_vector_bits(void);
/* 512 where LLVM's host CPU features have +avx512f, else 256 (read once per process): the
   width kir_host_vector_bits reads from the CPU, as LLVM sees it (test_jit: they agree). */
int jit_host_vector_bits(void);

typedef struct xl_jit xl_jit;

/* Compiles (or loads from the disk cache) the module text and looks up fn_name. Returns NULL
   and sets *err (malloc'd; err may be NULL) on a parse, verify, lowering or link error.
   Thread-safe. A text and name already linked in this process (a handle on it not freed yet)
   is neither compiled nor loaded again: the handles share its code. Cache directory and
   timing: jit_configure. */
xl_jit *jit_compile(const char *mlir_text, const char *fn_name, char **err);
void *jit_fn(const xl_jit *j); /* the entry point; cast to kir_fn for kir_to_mlir kernels */
int jit_from_cache(const xl_jit *j); /* 1 if the object came from the disk cache */
double jit_ms(const xl_jit *j);      /* wall time jit_compile spent on it */
void jit_free(xl_jit *j);

/* jit_compile of n modules at once: each distinct (text, fn_name) is compiled or loaded once,
   the misses on up to `workers` threads (the caller's included; at most 16). Fills every
   r[i].jit, or leaves it NULL with r[i].err (malloc'd, the caller frees it). Returns 0 when all
   compiled, else -1. Objects, cache entries and kernels do not depend on `workers`. */
typedef struct {
  const char *text, *fn_name; /* in */
  xl_jit *jit;                /* out */
  char *err;                  /* out */
} jit_req;
int jit_compile_batch(jit_req *r, int n, int workers);

/* Text forms of a module for tests and `xlc build --emit-dir` (never cached). */
typedef enum {
  JIT_EMIT_LLVM_DIALECT, /* MLIR after the lowering pipeline (llvm dialect) */
  JIT_EMIT_LLVM_IR,      /* LLVM IR after -O3 for the host CPU */
  JIT_EMIT_ASM           /* host assembly */
} jit_emit_kind;
char *jit_emit(const char *mlir_text, jit_emit_kind kind, char **err);

typedef struct {
  long hits, misses; /* disk-cache lookups */
  long corrupt;      /* cache entries that failed validation and were recompiled */
  long compiled;     /* modules compiled (MLIR + LLVM), with or without a disk cache */
  long shared;       /* requests served by code linked already in this process */
  double compile_ms; /* total time of the compiles, summed over workers (MLIR + LLVM + object
                        emission + link) */
  double load_ms;    /* total wall time of hits (read + link) */
  double wall_ms;    /* wall time spent in jit_compile and jit_compile_batch */
} jit_stats_t;
jit_stats_t jit_stats(void);
const char *jit_cache_dir(void); /* NULL when the cache is off or unusable */
const char *jit_pipeline(void);  /* the MLIR pass pipeline text */
const char *jit_host(void);      /* "triple cpu features" the code is compiled for */

#endif
