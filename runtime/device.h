/* device.h - the device layer below the executors (prefix xl_dev): the memory, copies, kernel
 * launches and GEMMs of one kind of processor, as a table of functions.
 *
 * An executor (runtime/backend.h) decides what runs when; a device only knows how to run it
 * there, as ggml's backend/buffer split does. The compiled CPU executor (runtime/cpu/exec_cpu.c)
 * calls every allocation of its workspace, every GEMM step, every compiled kernel launch and
 * the copy of its results through the device of its program, so a GPU device is the same
 * executor logic over another table where that makes sense (what stays host code there, the
 * reference-evaluated nodes and the interpreter of KIR, is marked in exec_cpu.c).
 *
 * The CPU device (xl_dev_cpu, in exec_cpu.c beside the thread pool it launches on): aligned
 * malloc, memcpy, the pool's static split of a kernel's parallel dimension, OpenBLAS (GEMV for
 * a product with one row or column). Its results do not depend on the number of threads.
 * Pointers handed to a device's functions are its own memory (on the CPU: any host memory).
 *
 * On a device of kind XL_DEV_GPU the executor never reads or writes a value on the host: inputs
 * go in with H2D copies, outputs come back with D2H copies, and what only host code can compute
 * is staged (D2H of the operands, host code, H2D of the result; exec_cpu.c). The emulated GPU
 * (runtime/cuda/cuda_dev.h) proves it: its memory is inaccessible outside device operations.
 */
#ifndef XL_DEVICE_H
#define XL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "kir_mlir.h" /* kir_fn: a compiled kernel over the points [lo, hi) of its parallel dimension */
#include "kplan.h" /* kp_gemm */

typedef enum {
  XL_DEV_HOST, /* no device: plain host memory, nothing launched (the reference executor) */
  XL_DEV_CPU,  /* the host's cores: compiled kernels on a thread pool, BLAS */
  XL_DEV_GPU,  /* memory of its own: copies to and from the host are real transfers */
} xl_dev_kind;

typedef enum { XL_COPY_H2D, XL_COPY_D2H, XL_COPY_D2D } xl_copy_dir;

typedef struct xl_device {
  const char *name; /* "cpu" */
  xl_dev_kind kind;
  /* bytes of device memory aligned to `align` (a power of two), or NULL when there is none */
  void *(*alloc)(size_t bytes, size_t align);
  void (*free)(void *p); /* of alloc's pointers; NULL is ignored */
  /* bytes from src to dst in the direction given (host<->device, device<->device) */
  void (*copy)(void *dst, const void *src, size_t bytes, xl_copy_dir dir);
  /* how many parts launch splits a kernel into (the CPU: the pool's threads, started by the
     first call); 1: launches never split */
  int (*parts)(void);
  /* fn over [0, hi) on bufs (device pointers, nbuf <= KIR_MAXBUF): split over the device's
     parts when `split` (each point still computed by one part, in the same way: results equal
     the unsplit call bit for bit), else in one call. Returns when it is done. */
  void (*launch)(kir_fn fn, void **bufs, int nbuf, int64_t hi, int split);
  /* C = A * B for every outer and batch entry of g (beta 0), in float or double (dt); A, B, C
     point at the operands' first elements */
  void (*gemm)(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C);
  /* waits for everything launched or copied so far (the CPU: already done) */
  void (*sync)(void);
  /* rows of `width` bytes: row r from src + r * spitch to dst + r * dpitch (a scan's step
     slice of a [.., T, ..] tensor); the GPU: cuMemcpy2D */
  void (*copy2d)(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t rows,
                 xl_copy_dir dir);
  /* bytes of device memory at dst set to zero (PAD's borders) */
  void (*zero)(void *dst, size_t bytes);
} xl_device;

/* The host CPU (exec_cpu.c). */
const xl_device *xl_dev_cpu(void);

#endif
