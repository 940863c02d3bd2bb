/* cuda_dev.h - the two CUDA devices (device.h tables; prefix xl_dev_cuda): the real GPU over the
 * driver API (cuda_drv.h; 2-D copies with cuMemcpy2D, zero fills with cuMemsetD8, GEMMs on
 * cuBLAS loaded with dlopen) and the emulated GPU (emu/xce_dev.c: host pages treated as device
 * memory and guarded, GEMMs on the host's BLAS).
 *
 * Neither takes the CPU device's `launch` (a compiled CPU kernel): kernels run through their
 * own modules (xcu_launch, xce_launch), so `launch` is NULL and `parts` 1. The xl_device
 * functions return nothing; a failed GPU call (allocation returns NULL) is kept as the first
 * error, which xl_dev_cuda_error() hands over (and clears) so that an executor can report it.
 */
#ifndef XL_CUDA_DEV_H
#define XL_CUDA_DEV_H

#include "device.h"

/* The GPU (device 0 of the driver; its primary context made current on first use), or NULL
   with *why (static text) when there is none usable (xcu_init's cause). */
const xl_device *xl_dev_cuda(const char **why);
/* The emulated GPU (always there; emu/xce_dev.c). Its memory is guarded: inaccessible (PROT_NONE)
   outside its own operations and outside open/close, which bracket an emulated kernel launch
   (nesting, process-wide); a host access faults with "host access to emulated device memory". */
const xl_device *xl_dev_cuda_emu(void);
void xl_dev_cuda_emu_open(void);
void xl_dev_cuda_emu_close(void);
/* 1 if [p, p + bytes) lies in one allocation of the emulated GPU */
int xl_dev_cuda_emu_owns(const void *p, size_t bytes);
/* The first failure since the last call (malloc'd), or NULL. */
char *xl_dev_cuda_error(void);

#endif
