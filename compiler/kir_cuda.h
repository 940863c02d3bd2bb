/* kir_cuda.h - the CUDA C emitter of the GPU code generator: KIR kernel -> one CUDA C
 * translation unit (kir_cuda.c). A pure function of (kernel, dtype, target, switches): no CUDA
 * header or library here; runtime/cuda/nvrtc.h compiles the text with NVRTC, and the emulated
 * device compiles the same bytes with the host compiler.
 *
 * The unit is self-contained (no #include): a prelude defines xl_i64, the buffer struct, the
 * compute and storage types, bf16 conversions (round to nearest even), infinity/NaN by their
 * bits and the math names used; then
 *     extern "C" __global__ void NAME(xl_bufs p)
 * whose one parameter holds a pointer per KIR buffer (p.b[i] -> buf_numel[i] elements of the
 * storage type; sizes, strides and offsets are compile-time constants). CUDA built-ins used,
 * and nothing else (the emulated device's header provides exactly these): __global__,
 * __device__, __forceinline__, extern __shared__ (dynamic shared memory,
 * declared as double[]), threadIdx.x, blockIdx.x, blockDim.x, gridDim.x, __syncthreads(), and
 * the C math functions exp log tanh erf log1p expm1 pow sqrt fabs fma (f-suffixed in f32/bf16).
 *
 * Mapping:
 *  - one loop nest: its non-reduced points over all threads of the grid (a grid-stride loop);
 *    each thread loops the reduced dimensions of its output point sequentially, outermost
 *    first: the accumulation order of kir_interp (row-major over the domain), the accumulator
 *    in a register of the compute type, stored once after the loop;
 *  - a nest with a STOREX (kir.h): the dimensions its STOREXes pin (kir_storex_pins: stride 0,
 *    or the index varies along them) are walked in domain order by one thread, the others spread
 *    over the threads as above; each thread first zeroes the elements its STOREXes reach from
 *    its point (those of different threads are disjoint), so repeated indices accumulate in
 *    kir_interp's order with no atomics and no grid-wide barrier. LOADX is guarded: no access
 *    unless its index is in [0, xlim) (NaN included), else 0;
 *  - a scan nest: each thread owns whole lines along scan_dim and walks them in order (from the
 *    end when scan_rev), the running value read back from the element one step behind;
 *  - a chain of nests (kir.h `next`): when kir_par_dim(k) >= 0, block h (a grid-stride loop
 *    over the blocks) runs index h of each nest's split dimension (kir_nest_par_dim: the heads
 *    of a scan step) with its threads over the rest of that nest's non-reduced points; else one
 *    block runs everything. __syncthreads() separates the nests;
 *  - local buffers (KIR_LOCAL) live in dynamic shared memory (each block its own copy, the
 *    argument p.b[i] is unused); kcu_launch.smem says how much;
 *  - dtypes: f64 and f32 compute in their type; bf16 stores unsigned short and computes and
 *    accumulates in f32. The scalar formulas are kir_interp's; a reduction of a product is one
 *    fma unless eo->no_fma (as kir_mlir.c). Compile with --fmad=false (nvrtc.h does) so that
 *    nothing else is contracted, and a host compiler with -ffp-contract=off: then f64 results
 *    match kir_interp up to the device's libm.
 */
#ifndef KIR_CUDA_H
#define KIR_CUDA_H

#include <stdint.h>

#include "kir.h"
#include "options.h"

typedef enum { KCU_F64, KCU_F32, KCU_BF16 } kcu_dtype;
const char *kcu_dtype_name(kcu_dtype dt);                 /* "f64", "f32", "bf16" */
int kcu_dtype_parse(const char *s, kcu_dtype *dt);        /* 1 if s names one */
kcu_dtype kcu_dtype_of(cg_dtype dt);
int kcu_dtype_size(kcu_dtype dt);                         /* bytes of one stored element */

/* Facts about a GPU architecture the emitter, the report and a launcher need: data, one row
   per architecture (kir_cuda.c's table), never #ifdefs. */
typedef struct {
  const char *arch;        /* "sm_90": NVRTC's -arch */
  const char *device;      /* the reference part the peak numbers are of ("H100 SXM") */
  int cc_major, cc_minor;  /* compute capability */
  int warp;                /* threads of a warp */
  int max_threads;         /* threads of a block */
  int block_threads;       /* the block size kernels are written for (at most max_threads) */
  int64_t max_grid;        /* blocks of a grid-stride launch (more points: more per thread) */
  int64_t smem_block;      /* shared memory of a block without opt-in, bytes */
  int64_t smem_optin;      /* with cudaFuncAttributeMaxDynamicSharedMemorySize, bytes */
  int regs_thread;         /* registers of a thread */
  int64_t regs_sm;         /* registers of a multiprocessor */
  int sms;                 /* multiprocessors of the reference part */
  double bandwidth;        /* DRAM bytes/s of the reference part (the roofline) */
  double peak_f32, peak_f64; /* FLOP/s without tensor cores */
} kcu_target;

/* The row of arch ("sm_80", "sm_90"), or NULL. */
const kcu_target *kcu_target_find(const char *arch);
/* "sm_80, sm_90": the architectures the table knows (static). */
const char *kcu_target_list(void);

/* How the kernel is launched. */
typedef struct {
  int64_t grid;   /* blocks (>= 1) */
  int block;      /* threads of a block (a multiple of the warp) */
  int64_t smem;   /* bytes of dynamic shared memory (the local buffers); over t->smem_block the
                     launcher raises the kernel's limit first */
  int split;      /* kir_par_dim of a chain (blocks are slices of it), -1 otherwise */
} kcu_launch;

/* The CUDA C source of k computed in dt for t (not NULL; malloc'd) and its launch geometry in
   *geo (may be NULL), with eo's switches (only no_fma matters; NULL: all off). NULL and *err
   (malloc'd, naming the kernel) for a KIR op without a CUDA spelling or local buffers that
   exceed t->smem_optin. The kernel's name is k->name with anything but [A-Za-z0-9_] as '_'
   (kcu_name). */
char *kcu_emit(const kir_kernel *k, kcu_dtype dt, const kcu_target *t, const kir_emit_opts *eo, kcu_launch *geo,
               char **err);
/* ---- persistent scans (kplan.h kp_scan_mode) ----
   kcu_emit_scan writes one kernel that runs a whole scan: `for (s = 0; s < T; s++)` (time
   index t = s, or T-1-s when reverse) around the body's kernel chain k, each step's buffer
   pointers computed in the kernel from p.b[] as kcu_scan says:
   - FIXED: p.b[i] every step (a loop-invariant input, a body value of the workspace); local
     buffers are in shared memory, and in a cooperative scan (the blocks share them) at their
     shared-memory offsets in global scratch at p.b[scratch] (kcu_local_bytes), so that the
     places of local buffers in p.b are free for the extra pointers below;
   - SLICE (a sequence input or a stacked output): step t's slice at p.b[i] + t * step, its
     element e at (e / inner) * ostride + e % inner when inner > 0 (a slice that is not
     contiguous in the full tensor, e.g. [B, T, ...] with B > 1: indexed with the outer
     stride, nothing copied);
   - STATE_OUT of state q: where the step writes it: with saved = 0, alternately p.b[i] (the
     final-state result) and p.b[slot] (a second buffer), so that step T-1 writes the result;
     with saved = 1, slot t' (the next step's time index) of the saved states p.b[slot]
     (numel elements a slot), step T-1 the result p.b[i];
   - STATE_IN of state q: where the step reads it: step 0 the initial state p.b[init] (saved = 1:
     slot t of p.b[slot], into which the caller copied the initial state), later what the step
     before wrote.
   After the chain, each copy writes a state's buffer into the slice of a stacked output that
   is the same value (p.b[dst], geometry as SLICE); a copy with state >= 0 runs before the
   chain and writes that state as the step reads it (saved states stored [.., T, ..]). Per-block slices (coop = 0): blocks loop
   over the split dimension as kcu_emit does, every nest and copy of index h in block h for
   the whole sequence, __syncthreads between nests; cooperative (coop = 1): every nest over all
   threads of the grid (grid-stride) with a grid barrier between nests, after the copies and
   between steps: cooperative_groups::this_grid().sync() on the emulator, and under NVRTC
   (__CUDACC_RTC__, no toolkit header needed) a barrier spelled with atomics on the two
   unsigned ints at p.b[barrier] (zeroed once by the caller; the launch must be cooperative so
   that every block is resident). The geometry: per-block, kcu_emit's (grid = the split's
   extent); cooperative, the largest nest's blocks, at most t->sms. */
typedef enum { KCU_SB_FIXED, KCU_SB_SLICE, KCU_SB_STATE_IN, KCU_SB_STATE_OUT } kcu_sb_kind;
typedef struct {
  kcu_sb_kind kind;
  int state;              /* STATE_IN / STATE_OUT: index into kcu_scan.state */
  int64_t step;           /* SLICE: elements between the slices of consecutive time indices */
  int64_t inner, ostride; /* SLICE: 0: the slice is contiguous; else the mapping above */
} kcu_sbuf;
typedef struct {
  int in, out;            /* the kernel's buffers reading (-1: none) and writing the state */
  int init;               /* saved = 0: p.b index of the initial state (in, or a slot of its own) */
  int saved, slot;        /* see above; slot: a p.b index outside the kernel's buffers */
  int64_t numel;          /* elements of the state */
} kcu_sstate;
typedef struct {
  int src, dst;           /* kernel buffer (a stored state), p.b index of the stacked output */
  int state;              /* >= 0: instead, before the chain, the state as this step reads it
                             (saved states that are not step-major: their slice t) */
  int64_t step, inner, ostride, numel; /* the output's slice (as SLICE) and its elements */
} kcu_scopy;
typedef struct {
  int64_t T;
  int reverse, coop;
  int barrier;            /* coop: p.b index of the barrier counter (2 unsigned ints) */
  int scratch;            /* coop with local buffers: p.b index of their global scratch */
  kcu_sbuf buf[KIR_MAXBUF];
  int nstate, ncopy;
  kcu_sstate state[KIR_MAXBUF];
  kcu_scopy copy[KIR_MAXBUF];
} kcu_scan;
/* Bytes of k's local buffers (shared memory, or a cooperative scan's scratch). */
int64_t kcu_local_bytes(const kir_kernel *k, kcu_dtype dt);
/* The scan kernel of body chain k (a per-block scan needs kir_par_dim(k) >= 0, and every
   state and copy source cut by it: kplan.h kp_buf_cut); NULL and *err as kcu_emit. */
char *kcu_emit_scan(const kir_kernel *k, const kcu_scan *sc, kcu_dtype dt, const kcu_target *t,
                    const kir_emit_opts *eo, kcu_launch *geo, char **err);

/* The C identifier kcu_emit gives k->name (into out, n bytes). */
void kcu_name(const char *name, char *out, size_t n);

/* The roofline's inputs for one call of k: bytes = every non-local buffer read or written once
   (what the kernel must move at least), flops = one per value op per point of each nest, and
   one per point of a reduction (loads, stores and constants are free). */
void kcu_cost(const kir_kernel *k, kcu_dtype dt, double *bytes, double *flops);

#endif
