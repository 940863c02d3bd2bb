/* jit.h - the CPU code generator: KIR -> MLIR text (kir_mlir.c) -> LLVM -> machine code
 * (mlir_jit.c, the only file that includes MLIR/LLVM headers).
 *
 * kir_to_mlir spells one KIR kernel as a func.func in the func/scf/arith/math/memref/vector
 * dialects: loops over the domain, the innermost dimension vectorized (8 x f32 / 4 x f64) with
 * a scalar remainder, f32 transcendentals as inline polynomial approximations (f64: libm).
 * jit_compile lowers MLIR text to LLVM IR, optimizes it at -O3 for the host CPU, emits an
 * object file (cached on disk by a hash of text, compiler version and host target) and links
 * it into the process's ORC LLJIT. Errors are returned as malloc'd strings, never printed.
 */
#ifndef JIT_H
#define JIT_H

#include <stdint.h>

#include "kir.h"
#include "options.h"

/* ---- kir_mlir.c ---- */

/* The ABI of a compiled kernel: bufs[i] points to buffer i of the kernel (buf_numel[i]
   elements of the dtype, no alignment needed). The kernel runs the points of the domain whose
   index along dimension kir_par_dim(k) lies in [lo, hi) (outputs of a reduction are initialised
   over that slice too), so disjoint [lo, hi) ranges may run on different threads. When
   kir_par_dim is -1 (every dimension reduced, or ndim == 0) pass lo = 0, hi = 1. */
typedef void (*kir_fn)(void **bufs, int64_t lo, int64_t hi);

/* Outermost dimension not in red_mask (the one a thread split may cut), skipping leading
   non-reduced dimensions of size 1 (the N of a [1,1,N,K] product), or -1. A chain of nests
   (kir.h) is cut only where all its nests have such a dimension of one extent that cuts every
   buffer the chain writes into disjoint slices (the heads of a scan step; kir_mlir.c
   chain_splits): then [lo, hi) slices kir_nest_par_dim of each nest; else -1. */
int kir_par_dim(const kir_kernel *k);
int kir_nest_par_dim(const kir_kernel *head, const kir_kernel *nest);
/* The MLIR module text of k computed in dt (malloc'd), with one func.func @<k->name>, vectors
   of eo->vector_bits (0: jit_vector_bits()) and eo's switches (eo NULL: all off, the host's
   width). */
char *kir_to_mlir(const kir_kernel *k, cg_dtype dt, const kir_emit_opts *eo);
/* Test/benchmark hook: a kir_fn @approx_<fn> doing b1[i] = fn(b0[i]) for i in [lo, hi) in f32
   as a kernel computes it: fn is a unary KIR op by its spelling (the inline approximations: exp
   log tanh sigmoid logsigmoid silu gelu gelu_d), or an approximation without a KIR op: erf,
   erfc (valid for x >= 1), phi (normal CDF), log1p01 (valid for x in [0, 1]). NULL if fn is
   unknown. */
char *kir_mlir_approx_test(const char *fn, int64_t n);

/* ---- mlir_jit.c ---- */

/* The JIT is process-wide; its settings come from the options (read no environment):
   o->emit.vector_bits (256 or 512; 0: the host's), o->cache_dir (the disk cache: a directory,
   created if missing; NULL or "off": none), o->jit_timing (per-stage compile times on
   stderr). Call it before compiling (the commands: once from main; cpu_prepare with options:
   every time, the same values); later compiles use the new settings. Until it is called: the
   host's width, no cache, no timing. */
void jit_configure(const xl_options *o);

/* The width of the vectors kernels are written for, 256 or 512 bits (kir_to_mlir: 8 or 16 f32
   lanes): jit_configure's vector_bits if it set one, else jit_host_vector_bits(). (512 on a
   host without AVX-512 still runs: LLVM splits the vectors.) */
int jit_vector_bits(void);
/* 512 where the host CPU has AVX-512F, else 256 (read once per process). */
int jit_host_vector_bits(void);

typedef struct xl_jit xl_jit;

/* Compiles (or loads from the disk cache) the module text and looks up fn_name. Returns NULL
   and sets *err (malloc'd; err may be NULL) on a parse, verify, lowering or link error.
   Thread-safe (compiles are serialized). Cache directory and timing: jit_configure. */
xl_jit *jit_compile(const char *mlir_text, const char *fn_name, char **err);
void *jit_fn(const xl_jit *j); /* the entry point; cast to kir_fn for kir_to_mlir kernels */
int jit_from_cache(const xl_jit *j); /* 1 if the object came from the disk cache */
double jit_ms(const xl_jit *j);      /* wall time jit_compile spent on it */
void jit_free(xl_jit *j);

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
  double compile_ms; /* total wall time of misses (MLIR + LLVM + object emission + link) */
  double load_ms;    /* total wall time of hits (read + link) */
} jit_stats_t;
jit_stats_t jit_stats(void);
const char *jit_cache_dir(void); /* NULL when the cache is off or unusable */
const char *jit_pipeline(void);  /* the MLIR pass pipeline text */
const char *jit_host(void);      /* "triple cpu features" the code is compiled for */

#endif
