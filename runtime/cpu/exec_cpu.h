/* exec_cpu.h - the compiled CPU executor (exec_cpu.c): prepare once (plan + JIT), run many. */
#ifndef EXEC_CPU_H
#define EXEC_CPU_H

#include "kir_cuda.h" /* kcu_scan: how a persistent scan's kernel finds its buffers */
#include "kplan.h"
#include "options.h"

typedef struct {
  int kernels;        /* JIT-compiled kernels (all scan bodies included) */
  int kernel_chains;  /* of them: kernels of several loop nests (merged scan steps) */
  double gemm_flops;  /* GEMM FLOPs executed so far */
  int profile;        /* accumulate the times below (xl_options.profile, XLC_PROFILE; or
                         cpu_exec.stats.profile = 1) */
  double t_kernel, t_gemm, t_copy; /* seconds in JIT kernels, BLAS, scan slice copies */
  double t_ref[CG_OP_COUNT];       /* seconds in reference-evaluated nodes, per op */
  double planned_bytes;            /* memory plan: workspace + gradient block + input region */
  double param_bytes;              /* parameter block (optimizer state: twice this) */
  long run_id;                     /* cpu_run calls so far */
  int ein_direct, ein_copied;      /* planned non-GEMM einsums run as strided BLAS calls on their
                                      operands / as BLAS calls on canonical copies */
  int scan_states_inplace;         /* scan states the body writes where the next step reads them */
  int scan_saved_stepmajor;        /* saved scan states stored step-major (slices contiguous) */
  long staged_steps;               /* on a GPU device: steps run as host code on copies of their
                                      operands (reference steps, einsums that are not one GEMM,
                                      interpreted kernels), all runs; 0 on the CPU */
  double staged_bytes;             /* bytes those steps and the index checks copied (both ways) */
  int scans_persistent;            /* scan steps (scan bodies included) run as one launch by the
                                      kernel runner's scan_run (cpu_kernel_runner) */
} cpu_stats;

/* prints the profile (one line per category with more than 0.5% of the time) */
void cpu_profile_print(const cpu_stats *s, FILE *out);

typedef struct {
  const cg_graph *g;
  cg_dtype dt;
  struct cpu_prog *prog;
  cpu_stats stats;
  void *work, *grad;  /* the workspace and gradient block, allocated by the first cpu_run and
                         reused by the next ones (no page faults per run) */
  char *refused;      /* the plan needs more memory than the process may use (xl_mem_limit):
                         nothing was compiled and every cpu_run fails with this message */
} cpu_exec;

/* Plans g and compiles its kernels with options o (NULL: xl_options_default(), and the JIT's
   settings left as they are; else jit_configure(o) first): the plan, memory plan and kernel
   texts come from the pipeline (pipeline.h xl_plan_graph, xl_emit_kernel). o's num_threads
   and split_min are process-wide (the thread pool): the last cpu_prepare's win. NULL with
   *err on failure. g must outlive the result. A plan larger than the memory the process may
   use is not compiled (e->refused). */
cpu_exec *cpu_prepare(const cg_graph *g, cg_dtype dt, const xl_options *o, char **err);
/* Kernels run by something other than the JIT (the CUDA executor: runtime/cuda/exec_cuda.c),
   on its device (NULL: the CPU's; a device of kind XL_DEV_GPU keeps every value off the host:
   exec_cpu.c, "a GPU's memory"): prepare once per kernel step (scan bodies
   included) returns a handle, or NULL without *err to interpret that kernel, or NULL with *err
   (malloc'd) to fail cpu_prepare_with; run launches it on the step's buffers (device
   pointers): 0, or -1 with *err; release frees a handle. */
typedef struct {
  void *(*prepare)(const kir_kernel *k, cg_dtype dt, void *ctx, char **err);
  int (*run)(void *h, void **bufs, int nbuf, char **err);
  void (*release)(void *h);
  void *ctx;
  const struct xl_device *dev;
  /* Persistent scans (a SCAN step whose plan says kp_scan_mode BLOCKS or COOP; NULL, as for the
     JIT: every scan runs its body's plan once per step): scan_prepare takes the body's one
     kernel and how each step finds its buffers (kir_cuda.h kcu_scan: kernel buffers, then the
     extra pointers it names) and returns a handle, or NULL without *err to run that scan step
     by step, or NULL with *err to fail cpu_prepare_with; scan_run launches the whole scan once
     with the pointers bufs (KIR_MAXBUF of them); release frees the handle. */
  void *(*scan_prepare)(const kir_kernel *k, const kcu_scan *sc, cg_dtype dt, void *ctx, char **err);
  int (*scan_run)(void *h, void **bufs, char **err);
} cpu_kernel_runner;
/* cpu_prepare with the kernels run by r (NULL: the JIT, as cpu_prepare) */
cpu_exec *cpu_prepare_with(const cg_graph *g, cg_dtype dt, const xl_options *o, const cpu_kernel_runner *r,
                           char **err);
/* Same contract as ref_exec (inputs per node id, one new tensor per graph output), except
   that a non-NULL outputs[k] with the output's name, dtype and shape is written in place
   (reused, e.g. by a decode loop; any other non-NULL one is freed and replaced): where the
   plan allows, the kernels compute it there directly (unless the same tensor is also an
   input). Returns XL_EXEC_NOMEM (a user error, cg.h) when the plan does not fit in memory.
   On error the outputs' contents are undefined. Not reentrant: one cpu_run at a time
   per cpu_exec. */
int cpu_run(cpu_exec *e, xt *const *inputs, xt **outputs, char **err);
void cpu_free(cpu_exec *e);
/* on = 1: every later run keeps its kernels and BLAS calls on the calling thread, so that a
   caller can run several executors at once, one per thread (the trainer's data-parallel
   shards); on = 0: num_threads threads again (the last cpu_prepare's options). Process-wide:
   call it between runs, from the thread that starts them. */
void cpu_set_serial(int on);
/* o->num_threads (XLC_NUM_THREADS), default the online CPUs; at least 1, at most 8. o NULL:
   the last cpu_prepare's options (before any: the default). */
int cpu_num_threads(const xl_options *o);
/* XLC_PROFILE: the `top` plan steps (scan bodies included) that took the most time, with the
   time per run and how often they ran. */
void cpu_profile_steps(const cpu_exec *e, FILE *out, int top);
/* the kernel plan e runs (also when the plan was refused for its memory) */
const kp_plan *cpu_exec_plan(const cpu_exec *e);

#endif
