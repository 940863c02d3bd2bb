/* exec_cuda.h - the CUDA executor (exec_cuda.c, prefix xec_): one plan walker for the rows
 * "cuda" (the GPU: backend_cuda.c) and "cuda-emu" (the emulated GPU: exec_cuda.c), which differ
 * only in their device (cuda_dev.h) and in how a kernel's CUDA C becomes something to launch
 * (an xec_loader: NVRTC and the driver's modules, or the host compiler and the emulator).
 * Everything else, the walker (runtime/cpu/exec_cpu.h cpu_prepare_with on a device of kind
 * XL_DEV_GPU), the emission of every kernel step (compiler/kir_cuda.h), the fallbacks and the
 * counters, is shared. Built with the CPU backend (whose walker it is).
 */
#ifndef XL_EXEC_CUDA_H
#define XL_EXEC_CUDA_H

#include "backend.h"
#include "kir_cuda.h"

typedef struct {
  const char *launches_stat; /* the name of the launch counter in the stats ("emu-launches") */
  const xl_device *(*device)(void);
  /* the architecture kernels are emitted for, or NULL with *err (malloc'd) */
  const kcu_target *(*target)(char **err);
  /* src (kcu_emit's, kernel `name`, launched at geo) compiled for t and loaded (cache: the disk
     cache directory or NULL): a handle, or NULL with *err (malloc'd) */
  void *(*load)(const char *src, const char *name, const kcu_target *t, const kcu_launch *geo, const char *cache,
                char **err);
  /* optional (NULL: load each): n sources at once, handles into out[0..n): 0, or -1 with *err
     (malloc'd) and nothing loaded */
  int (*load_many)(int n, const char *const *src, const char *const *name, const kcu_target *t, const char *cache,
                   void **out, char **err);
  /* h's kernel on grid x block with smem bytes of dynamic shared memory over bufs (device
     pointers, the xl_bufs ABI), a cooperative launch when coop (every block resident at once:
     a persistent scan's grid barrier): 0, or -1 with *err */
  int (*launch)(void *h, const unsigned grid[3], const unsigned block[3], unsigned smem, void **bufs, int nbuf,
                int coop, char **err);
  void (*unload)(void *h);
} xec_loader;

/* The row operations over loader ld (prepare stores it; the others read x->ctx). */
int xec_prepare(xl_exec *x, const xl_options *o, const xec_loader *ld, char **err);
int xec_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err);
void xec_free(xl_exec *x);
void xec_stats(const xl_exec *x, xl_exec_stats *st);
int xec_threads(const xl_options *o);
const kp_plan *xec_plan(const xl_exec *x);

#endif
