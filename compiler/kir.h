/* kir.h - the kernel plan (KP) and the kernel IR (KIR).
 *
 * The kernel plan (kplan.c) partitions a cell graph into steps executed in order:
 *   KP_GEMM    an EINSUM that is a (batched) matrix product, run by a BLAS
 *   KP_KERNEL  a fused kernel: a chain of elementwise ops, optionally ending in a reduction,
 *              described in KIR and compiled (MLIR JIT on the CPU, later NVRTC on CUDA)
 *   KP_VIEW    a node that needs no work (RESHAPE of a contiguous value, DETACH): aliases
 *   KP_REF     any other node (SCAN, CUMSUM, TRIL, ...) run by the reference executor's
 *              op implementation on the planned buffers (to be replaced op by op)
 *
 * KIR: one kernel is a loop domain of `ndim` dimensions (row-major, the last is innermost)
 * and a body of scalar SSA instructions executed once per point of the domain. Buffers are
 * dense row-major arrays; an access uses one stride per domain dimension (0 = broadcast), so
 * broadcasting, transposes and slices are strides plus a base offset. Dimensions flagged in
 * `red_mask` are reduced: the one store whose strides are 0 along every reduced dimension then
 * accumulates with `red_op` (ADD: +=, init 0; MAX: v if isnan(v) || v > acc, init -inf) in
 * domain order, its output initialised before the loop; any other store of the kernel is plain
 * (a value of the full domain, e.g. an intermediate also needed outside the kernel). Reduced
 * dimensions have size > 1, so the two kinds of store are told apart by their strides.
 * A kernel may continue after its loop nest: `next` chains further loop nests (each with its
 * own domain, reductions and body) that run in order after it, over the same buffers (the
 * head's table, repeated in every nest). A later nest may load an output buffer that an earlier
 * nest stored (a reduction's result feeding elementwise work: the recurrent matmul of a scan
 * step and its gates in one kernel); every output buffer is stored by exactly one store of the
 * whole chain. A chain runs unsplit (kir_par_dim is -1) unless its nests share a dimension
 * that cuts every buffer the chain writes into disjoint slices (jit.h kir_par_dim).
 * Data-dependent accesses (gather, one_hot, scatter_add, pad, concat): INDEX is the coordinate
 * of domain dimension `imm` as a value; LOADX is a load at off + stride.i + (int64)a * xstride
 * whose index operand a (an integral float) must lie in [0, xlim), else it yields 0 and touches
 * no memory; STOREX adds its value a at off + stride.i + (int64)b * xstride (nothing when b is
 * outside [0, xlim)). A STOREX's output buffer is zeroed before its nest runs (every element
 * its strides and [0, xlim) reach, as a reduction's output is initialised) and the domain runs
 * in order, so repeated indices accumulate in domain order; a STOREX may have stride 0 along
 * any dimension, its nest has no reductions, and kir_par_dim never splits a nest on a dimension
 * along which a STOREX's stride is 0 or its index varies (same bits for any thread count).
 * A nest may instead scan one dimension (`scan_op` != 0, CUMSUM / LOGCUMSUMEXP): its one scan
 * store (body instruction `scan_inst`, stride != 0 along scan_dim) writes, at each point, the
 * running combination (scan_op: ADD, or LOGADDEXP) of its value along `scan_dim` (from the end
 * when `scan_rev`), starting from 0 (ADD) or -inf (LOGADDEXP); the other dimensions stay
 * independent. A scan nest has no reduction, the scan dimension runs in order on one thread
 * (kir_par_dim never cuts it) and a later instruction may load the scan store's element (the
 * running value) through the same access.
 * KIR is target-free: kir_mlir.c spells it as MLIR text, kir_cuda.c as CUDA C.
 */
#ifndef KIR_H
#define KIR_H

#include <stdio.h>

#include "cg.h"

#define KIR_MAXDIM CG_MAXRANK
#define KIR_MAXBUF 32 /* buffers of a kernel (all its nests) */
#define KIR_LOCAL 2   /* buf_out value of a kernel-local scratch buffer */
#define KIR_LOCAL_MAX 4096 /* elements of one (on the stack of each call: a split's threads
                              then share no cache line of it) */

/* ops.def's kir column inside an includer of kir_ops.def: X(..., kir, ...) KIR_IF_##kir(text)
   keeps text for SELF rows (the elementwise CG ops, which are KIR ops of the same name) and drops
   it for NONE and AS(K) rows. */
#define KIR_IF_SELF(...) __VA_ARGS__
#define KIR_IF_NONE(...)
#define KIR_IF_AS(k) KIR_IF_NONE

/* The ops, generated from kir_ops.def (the KIR-only ops) and ops.def (the elementwise ones):
   LOAD, STORE, CONST, the unary ops NEG .. EXPM1 (a), the binary ops ADD .. EQ (a, b), and
   SELECT: a != 0 ? b : c (operands a = cond, b = then, c = else; CG WHERE), LOGADDEXP:
   log(exp(a) + exp(b)) without overflow (a scan's combination; -inf if both are -inf, +inf if
   one is +inf, NaN if one is NaN), then the data-dependent accesses (below). */
typedef enum {
  KIR_NONE = -1, /* kir_of_cg: the CG op is no one KIR op */
#define K(e, s, n) KIR_##e,
#define X(e, s, ar, kind, kir, ...) KIR_IF_##kir(KIR_##e, )
#include "kir_ops.def"
#undef K
#undef X
  KIR_OP_COUNT
} kir_op;

/* One row of the generated op table: spelling (the CG op's for SELF rows) and value operands. */
typedef struct {
  const char *name;
  int nargs;
} kir_opinfo;
extern const kir_opinfo kir_ops[KIR_OP_COUNT];

typedef struct {
  kir_op op;
  int a, b, c;       /* operand instruction ids (earlier in the body) */
  double imm;        /* KIR_CONST */
  int buf;           /* KIR_LOAD / KIR_STORE */
  int64_t off;       /* element offset of the access */
  int64_t stride[KIR_MAXDIM];
  int64_t xstride, xlim; /* KIR_LOADX / KIR_STOREX: the index operand's stride and bound */
} kir_inst;

typedef struct kir_kernel {
  char name[64];     /* "k3_add_exp_mul" */
  int ndim;
  int64_t dim[KIR_MAXDIM];
  unsigned red_mask; /* reduced dimensions */
  kir_op red_op;     /* KIR_ADD or KIR_MAX when red_mask != 0 */
  int nbuf;          /* buffers are arguments 0..nbuf-1 */
  int64_t buf_numel[KIR_MAXBUF];
  int buf_out[KIR_MAXBUF]; /* 1 = written by this kernel; KIR_LOCAL = written and read only by
                              this kernel (a chain's intermediate nothing else reads, at most
                              KIR_LOCAL_MAX elements): scratch of one call, the argument unused */
  XL_VEC(kir_inst) body;
  /* a scan (see above): scan_op 0 (KIR_LOAD, the zero value of a calloc'd kernel): none; else
     KIR_ADD (cumsum) or KIR_LOGADDEXP (logcumsumexp), along dimension scan_dim (size >= 2),
     reversed when scan_rev; the scan store is body instruction scan_inst */
  kir_op scan_op;
  int scan_dim, scan_rev, scan_inst;
  struct kir_kernel *next; /* the next loop nest of this kernel (same name and buffers), or NULL */
} kir_kernel;

const char *kir_op_name(kir_op op);
/* The KIR op a node of op becomes inside a kernel (ops.def's kir column), or KIR_NONE. */
kir_op kir_of_cg(cg_op op);
void kir_free(kir_kernel *k); /* the bodies and the nests, k included (malloc'd by kplan.c) */
int kir_nnest(const kir_kernel *k); /* loop nests of the chain starting at k */
int64_t kir_points(const kir_kernel *k); /* points of the loop domains of all its nests */
void kir_dump(const kir_kernel *k, FILE *out);   /* --stage=kir */
/* 0 if well formed, else prints "kir_verify: <name>: problem" lines to err (may be NULL) and
   returns their count. */
int kir_verify(const kir_kernel *k, FILE *err);
/* 1 for KIR_LOAD / KIR_LOADX (reads a buffer), 2 for KIR_STORE / KIR_STOREX (writes one), 0 else. */
int kir_mem(kir_op op);
/* 1 if store instruction s of a kernel with red_mask != 0 accumulates with red_op. */
int kir_store_reduces(const kir_kernel *k, const kir_inst *s);
/* The scanned dimension of nest k, or -1 when it scans none. */
int kir_scan_dim(const kir_kernel *k);
/* Runs the kernel directly (an interpreter: the oracle for the emitted code). bufs[i] holds
   buf_numel[i] values of the given dtype. */
void kir_interp(const kir_kernel *k, cg_dtype dt, void **bufs);

#endif
