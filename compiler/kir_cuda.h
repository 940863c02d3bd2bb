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
/* The C identifier kcu_emit gives k->name (into out, n bytes). */
void kcu_name(const char *name, char *out, size_t n);

/* The roofline's inputs for one call of k: bytes = every non-local buffer read or written once
   (what the kernel must move at least), flops = one per value op per point of each nest, and
   one per point of a reduction (loads, stores and constants are free). */
void kcu_cost(const kir_kernel *k, kcu_dtype dt, double *bytes, double *flops);

#endif
