/* kplan.h - the kernel plan of a cell graph (see kir.h for the step kinds).
 *
 * kp_build(g, target) walks the graph in order and groups nodes; every limit and fusion rule
 * below is a field of the target (options.h kp_target; kp_target_cpu() gives the CPU's, the
 * KP_* values here), which the plan keeps a copy of and kp_dump prints first:
 *  - an EINSUM whose labels split into batch / M / N / K groups that are each contiguous in
 *    both operands and the output becomes a KP_GEMM (batched, strided, optional transposes);
 *  - maximal chains of elementwise nodes (CG_K_UNARY, CG_K_BINARY, WHERE, BROADCAST; also
 *    SLICE, TRANSPOSE and pure-product EINSUMs of values computed before the chain, as strided
 *    loads) become one KP_KERNEL, greedily in node order; a SUM or MAXR may end a chain (a
 *    reduction kernel); every value used outside the group is stored, values used only inside
 *    stay in registers, CONST operands are inlined; INPUT, CONST, SCAN_OUT and views of values
 *    from before the chain do not break it (they are planned just in front of the kernel);
 *    a chain's loop domain has the rank of its first node, members of another rank line up
 *    through their non-1 dimensions, and DETACH or a RESHAPE that only inserts or drops size-1
 *    dimensions of a chain value is a member too; a value needed outside must span the domain;
 *  - a small contraction (an EINSUM that sums a label, at most contract_flops FLOPs, or a
 *    thin one: a GEMM dimension under gemm_min_dim, or one that is no GEMM and not run well
 *    by BLAS calls either: a matrix-vector shape) is a KP_KERNEL of its own: a loop per
 *    label, the summed ones reduced;
 *  - GATHER, ONE_HOT, SCATTER_ADD, PAD and CONCAT (data-dependent addressing: kir.h INDEX,
 *    LOADX, STOREX) are each a KP_KERNEL of their own (a reference step only when the kernel
 *    would need more than nest_maxbuf buffers or reads a constant as its table);
 *  - CUMSUM / LOGCUMSUMEXP end a chain as its scan (kir.h scan_op): elementwise producers fuse
 *    in front of them;
 *  - other RESHAPEs and DETACHs are KP_VIEW (the output aliases the input's buffer);
 *  - everything else is KP_REF (a SCAN step carries the plan of its body in `body`);
 *  - in scan bodies, consecutive kernels (a contraction followed by its elementwise consumers,
 *    the per-step work of a recurrence) become one kernel of several loop nests (kir.h), so a
 *    time step calls one kernel instead of several: only views, inputs and constants may lie
 *    between them (views of the merged kernel's values move after it, the others before it),
 *    up to max_nest nests and KIR_MAXBUF buffers; a later nest loads what an earlier one
 *    stored through the same buffer; outside scan bodies, the same for runs of small kernels
 *    (fewer than merge_small points each: a decode step's many tiny ones).
 * A target with merge = 0 leaves all kernels unmerged. A SCAN step records whether the target
 * runs scans as persistent kernels (persistent_scan; the CPU target never does) and then how
 * this one runs (kp_scan_mode below). A target with body_contract plans every contraction in a
 * scan body as a kernel (the CUDA target: the recurrent product joins the body's kernel). A reference step of an EINSUM that is not
 * one GEMM carries how it runs (kp_ein, decided in kp_gemm.c with the same label analysis as
 * KP_GEMM), so an executor only follows descriptors.
 * The plan never changes results beyond floating-point rounding.
 */
#ifndef KPLAN_H
#define KPLAN_H

#include "kir.h"
#include "options.h"

typedef enum { KP_GEMM, KP_KERNEL, KP_VIEW, KP_REF } kp_kind;

/* The CPU target's limits (kp_target_cpu); KP_MAXNEST bounds every target's max_nest. */
#define KP_MAXNEST 16    /* loop nests of one kernel (kir.h `next`), any target */
#define KP_NEST_CPU 8    /* the CPU's */
#define KP_MERGE_SMALL 8192 /* outside scan bodies, kernels of fewer points are merged likewise
                               (a batch-1 decode step's norms, gates and slices; larger ones
                               stay alone so that they can be split across threads) */
#define KP_NEST_MAXBUF 16 /* buffers of a kernel built from one chain of nodes */
#define KP_MAXMEMBERS 256 /* nodes of one kernel, all its nests: a longer chain is split into
                             kernels of this many (LLVM's register allocation takes time
                             quadratic in the length of one loop body; docs/performance.md) */

typedef struct {
  /* C[o, b] (m x n) = A[o, b] (m x k) * B[o, b] (k x n), row-major with leading dimensions; b runs
     over `batch` with element strides sa/sb/sc between consecutive batch entries, o over
     `outer` (1: none) with strides oa/ob/oc: the batch labels of an einsum that are not side
     by side in one operand ("Zcjhd,Zcuhd->Zchju": outer Zc, batch h). */
  int a, b;              /* CG node ids of the operands */
  int trans_a, trans_b;  /* operand stored as (k x m) / (n x k) */
  int64_t batch, m, n, k;
  int64_t lda, ldb, ldc;
  int64_t sa, sb, sc;
  int64_t outer, oa, ob, oc;
  double flops;          /* 2 * outer * batch * m * n * k */
} kp_gemm;

/* How an EINSUM that is not one GEMM runs (a KP_REF step; kp_gemm.c decides, the executor
   follows). Its distinct labels (at most KP_EIN_MAXLAB) are indexed j: the nout output labels
   first, then the nred summed ones, each with its size and element strides in x, y and out (0:
   absent). Then, best first:
   - direct: strided BLAS calls straight on the operands, C (dM x dN, ldc) = A (dM x dK, lda,
     ta: stored transposed) * B (dK x dN, ldb, tb), A = x and B = y (swap: A = y, B = x, the
     call computes out^T). One call per combination of the loop labels: lsize[i] with strides
     lx/ly/lo in x, y, out; the first nloop are batch-like, the nkloop after them summed (the
     calls of one output block accumulate: beta 0 for the first, 1 after);
   - gemm (copied): the labels grouped batch lb / M lm / N ln / K lk (indices j, in this order
     the canonical layout's axes), of sizes B, M, N, K: x is copied to [B][M][K], y to [B][K][N],
     B GEMMs write [B][M][N], copied out (gemm = 1 needs every label in a group and
     M * N * K >= 4096);
   - else loops over the output labels, the summed ones inside. */
#define KP_EIN_MAXLAB 24 /* 3 operands of CG_MAXRANK */
typedef struct {
  int nout, nred;
  int64_t size[KP_EIN_MAXLAB], sx[KP_EIN_MAXLAB], sy[KP_EIN_MAXLAB], so[KP_EIN_MAXLAB];
  int gemm;
  int nb, nm, nn, nk, lb[KP_EIN_MAXLAB], lm[KP_EIN_MAXLAB], ln[KP_EIN_MAXLAB], lk[KP_EIN_MAXLAB];
  int64_t B, M, N, K;
  int direct, swap, ta, tb;
  int64_t dM, dN, dK, lda, ldb, ldc;
  int nloop, nkloop;
  int64_t lsize[KP_EIN_MAXLAB], lx[KP_EIN_MAXLAB], ly[KP_EIN_MAXLAB], lo[KP_EIN_MAXLAB];
} kp_ein;

typedef struct kp_plan kp_plan;

/* How a SCAN of a persistent target (kp_target.persistent_scan) runs; kp_dump prints it on the
   scan's line. One kernel launch per scan (the time loop inside the kernel: kir_cuda.h
   kcu_emit_scan) needs a body that is one kernel (the other body steps only inputs, inlined
   constants and views), reading nothing but the scan's inputs, storing every state and
   per-step output itself (states each in a buffer of their own), with room in the kernel's 32
   buffer pointers for the states' second buffers and the copies of outputs that are also
   states, and the cooperative barrier counter. Then:
   - KP_SCAN_BLOCKS, "persistent per-block slices": the kernel is a chain split over a
     dimension (kir_par_dim: heads, or the batch) of extent scan_blocks >= the target's
     scan_min_blocks, and every state is read and written in the same slices (kp_buf_cut), so
     each block owns its slices of every state for the whole sequence: only __syncthreads;
   - KP_SCAN_COOP, "persistent cooperative": any other one-kernel body (not block-separable, or
     too few slices to fill the GPU): one cooperative launch, the nests spread over the grid
     with a grid barrier between nests and between steps;
   - KP_SCAN_STEPS, "per-step launches": the body's plan once per step (the CPU's run_scan);
     `why` names what prevents one kernel. */
typedef enum { KP_SCAN_STEPS, KP_SCAN_BLOCKS, KP_SCAN_COOP } kp_scan_mode;

typedef struct {
  kp_kind kind;
  int node;              /* the CG node whose value this step produces (last of the group) */
  XL_VEC(int) nodes;     /* KP_KERNEL: the fused CG nodes in order; others: just `node` */
  kir_kernel *kir;       /* KP_KERNEL */
  int buf_node[KIR_MAXBUF]; /* KP_KERNEL: CG node of each KIR buffer (inputs and outputs) */
  kp_gemm gemm;          /* KP_GEMM */
  kp_plan *body;         /* KP_REF of a SCAN: the plan of its body graph */
  int persistent;        /* KP_REF of a SCAN: the target runs scans as persistent kernels */
  kp_scan_mode scan_mode; /* KP_REF of a persistent SCAN: how it runs (kp_scan_mode) */
  int scan_kernel;       /* ... not KP_SCAN_STEPS: the body step of its one kernel */
  int scan_split;        /* ... KP_SCAN_BLOCKS: that kernel's split dimension (kir_par_dim) */
  int64_t scan_blocks;   /* ... and its extent: the blocks that own their slices */
  kp_ein *ein;           /* KP_REF of an EINSUM: how it runs */
  char why[96];          /* KP_KERNEL: what ended the kernel; a SCAN in KP_SCAN_STEPS mode of a
                            persistent target: why it is not one kernel (printed by kp_dump) */
  int nest_at[KP_MAXNEST]; /* KP_KERNEL: index into `nodes` where each nest's members start */
} kp_step;

struct kp_plan {
  const cg_graph *g;
  kp_target target;      /* what it was planned for (scan bodies: the same) */
  XL_VEC(kp_step) steps;
};

/* The CPU target's values (kp_target_cpu):
   contractions (EINSUMs that sum a label, no label repeated in an operand) of at most this
   many FLOPs (2 * the product of all label sizes) are planned as reduction kernels of their
   own (small matrix products: per-call BLAS overhead dominates them) instead of GEMMs or
   reference steps (contract_flops; 0 = never). */
#define KP_CONTRACT_FLOPS 524288.0
/* Larger contractions are kernels too when their GEMM would have m, n or k under this (the
   4 x 4 blocks of a head-wise projection, batched 64 times: OpenBLAS ran those at ~1 GFLOP/s),
   unless the threshold above is 0. */
#define KP_GEMM_MIN_DIM 8
/* A contraction kernel with at most this many outputs, each a sum of at least 64 terms, loops
   over the summed labels outermost (the operands stream once, the output stays in cache). */
#define KP_SMALL_OUT 4096
/* The plan of g for target t (its limits within KP_MAXNEST and KIR_MAXBUF; asserted). */
kp_plan *kp_build(const cg_graph *g, const kp_target *t);
void kp_free(kp_plan *p);
/* 0 if the plan is sound, else prints "kp_verify: problem" lines to err (may be NULL) and
   returns their count: every node of the graph (and of every scan body, in its own plan)
   produced by exactly one step, each step after the steps producing its operands, kernels
   passing kir_verify with buffers that match their nodes, GEMM descriptors that fit their
   operands. kp_build asserts it. */
int kp_verify(const kp_plan *p, FILE *err);
/* --stage=kplan: one line per step (kind, nodes, shapes, GEMM dims / kernel name) and why
   neighbouring nodes were not fused; kernels printed with kir_dump when `with_kir`. */
void kp_dump(const kp_plan *p, FILE *out, int with_kir);
/* Interpreter compute steps ("fallbacks"): why step i of p is a KP_REF step that computes
   values on the reference interpreter's loops (an op without a compiled path here, or an einsum
   that is neither a GEMM nor strided BLAS calls), or NULL when it is not one: kernels, GEMMs,
   views, leaves (INPUT, CONST, TRIL), scan bookkeeping (SCAN, SCAN_OUT; a scan's body is a plan
   of its own) and steps on empty values (nothing to compute). */
const char *kp_fallback_why(const kp_plan *p, int i);
/* Calls fn for every fallback step of p and of its scan bodies (depth first, a body right after
   its scan step); returns how many there were. */
typedef void (*kp_fallback_fn)(const kp_plan *p, int step, const char *why, void *ud);
int kp_fallbacks(const kp_plan *p, kp_fallback_fn fn, void *ud);
/* The value whose storage body value v aliases: v followed through RESHAPE and DETACH. */
int kp_view_root(const cg_graph *g, int v);
/* The slice length s when every access of chain k to buffer `buf` (every nest, split at
   kir_nest_par_dim) touches only [h s, (h + 1) s) at index h of the nest's split dimension
   (plain loads and stores, nonnegative strides); 0 when not, or when k is not split. */
int64_t kp_buf_cut(const kir_kernel *k, int buf);
/* The first line of kp_dump: "target NAME: max_nest 8, merge_small 8192, ..." */
void kp_target_dump(const kp_target *t, FILE *out);

#endif
