/* kir_mlir.h - the MLIR text emitter of the CPU code generator: KIR -> MLIR text (kir_mlir.c).
 * runtime/cpu/jit.h compiles the text (MLIR -> LLVM -> machine code); this half needs neither
 * MLIR nor LLVM, so the compiler emits kernels (`xlc dump`, the pipeline's emit stage) in any
 * build.
 *
 * kir_to_mlir spells one KIR kernel as a func.func in the func/scf/arith/math/memref/vector
 * dialects: loops over the domain, the innermost dimension vectorized (8 x f32 / 4 x f64) with
 * a scalar remainder, f32 transcendentals as inline polynomial approximations (f64: libm).
 */
#ifndef KIR_MLIR_H
#define KIR_MLIR_H

#include <stdint.h>

#include "kir.h"
#include "options.h"

/* The ABI of a compiled kernel: bufs[i] points to buffer i of the kernel (buf_numel[i]
   elements of the dtype, no alignment needed). The kernel runs the points of the domain whose
   index along dimension kir_par_dim(k) lies in [lo, hi) (outputs of a reduction are initialised
   over that slice too), so disjoint [lo, hi) ranges may run on different threads. When
   kir_par_dim is -1 (every dimension reduced or pinned, or ndim == 0) pass lo = 0, hi = 1. A
   STOREX's output is zeroed over the slice too. */
typedef void (*kir_fn)(void **bufs, int64_t lo, int64_t hi);

/* Outermost dimension not in red_mask and not pinned by a STOREX (kir.h: its stride 0 there,
   or its index varying along it) (the one a thread split may cut), skipping leading
   non-reduced dimensions of size 1 (the N of a [1,1,N,K] product), or -1. A chain of nests
   (kir.h) is cut only where all its nests have such a dimension of one extent that cuts every
   buffer the chain writes into disjoint slices (the heads of a scan step; kir_mlir.c
   chain_splits): then [lo, hi) slices kir_nest_par_dim of each nest; else -1. */
int kir_par_dim(const kir_kernel *k);
int kir_nest_par_dim(const kir_kernel *head, const kir_kernel *nest);
/* The dimensions of nest k its STOREXes pin (bit d: a STOREX's stride is 0 along d or its index
   varies along d): no thread split may cut them (kir_cuda.c walks them on one thread). */
unsigned kir_storex_pins(const kir_kernel *k);
/* The MLIR module text of k computed in dt (malloc'd), with one func.func @<k->name>, vectors
   of eo->vector_bits (0: kir_vector_bits()) and eo's switches (eo NULL: all off, the host's
   width). */
char *kir_to_mlir(const kir_kernel *k, cg_dtype dt, const kir_emit_opts *eo);
/* Test/benchmark hook: a kir_fn @approx_<fn> doing b1[i] = fn(b0[i]) for i in [lo, hi) in f32
   as a kernel computes it: fn is a unary KIR op by its spelling (the inline approximations: exp
   log tanh sigmoid logsigmoid silu gelu gelu_d), or an approximation without a KIR op: erf,
   erfc (valid for x >= 1), phi (normal CDF), log1p01 (valid for x in [0, 1]). NULL if fn is
   unknown. */
char *kir_mlir_approx_test(const char *fn, int64_t n);

/* The vector width kernels are written for when the options say 0, 256 or 512 bits (8 or 16
   f32 lanes): kir_set_vector_bits's width if one was set (the JIT's jit_configure sets the
   configured one), else kir_host_vector_bits(). (512 on a host without AVX-512 still runs: LLVM
   splits the vectors.) Process-wide, thread-safe. */
int kir_vector_bits(void);
void kir_set_vector_bits(int bits); /* 256 or 512; anything else: back to the host's */
/* 512 where the host CPU has AVX-512F (and the OS saves its registers), else 256: read once per
   process from the CPU itself (runtime/cpu's test checks it agrees with LLVM's host features). */
int kir_host_vector_bits(void);

#endif
