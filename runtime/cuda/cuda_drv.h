/* cuda_drv.h - the CUDA driver API loaded at run time (prefix xcu_): no CUDA header and no CUDA
 * library is needed to build xlc, and a machine without a GPU runs every other backend.
 *
 * xcu_init() loads the driver with dlopen (libcuda.so.1, else libcuda.so; XLC_CUDA_LIBRARY names
 * another file) and calls cuInit once. When no GPU is usable it returns why, in the words the
 * command line prints ("`--backend cuda` ... is not usable here: CAUSE", `xlc devices`): no
 * driver library; the toolkit's stub libcuda.so (cuInit returns CUDA_ERROR_STUB_LIBRARY: the
 * toolkit is installed, the NVIDIA driver is not); no device; any other cuInit error by name.
 * Everything else (device facts, context, modules from PTX or CUBIN, launches, cooperative
 * launches, streams, events, memory) is a thin wrapper that returns 0, or -1 with *err naming
 * the call and the driver's error name. The types below are the driver ABI's, declared here.
 * cuBLAS is loaded the same way by the GPU device (cuda_dev.c), on first use.
 */
#ifndef XCU_DRV_H
#define XCU_DRV_H

#include <stddef.h>
#include <stdint.h>

typedef int xcu_result; /* CUresult */
typedef int xcu_device; /* CUdevice */
typedef struct xcu_ctx_st *xcu_context;
typedef struct xcu_mod_st *xcu_module;
typedef struct xcu_func_st *xcu_function;
typedef struct xcu_stream_st *xcu_stream;
typedef struct xcu_event_st *xcu_event;
typedef unsigned long long xcu_ptr; /* CUdeviceptr */

#define XCU_SUCCESS 0
#define XCU_ERROR_STUB_LIBRARY 34
#define XCU_ERROR_NO_DEVICE 100

typedef struct {
  char name[256];
  int major, minor;        /* compute capability */
  size_t total_mem;        /* bytes */
  int sms;                 /* streaming multiprocessors */
  int smem_optin;          /* shared memory per block a kernel may opt in to (bytes) */
  int cooperative;         /* cooperative launches (grid barriers) supported */
} xcu_info;

/* NULL when the driver is loaded and has at least one device, else the cause (static text). */
const char *xcu_init(void);
/* The path of the loaded driver library ("" before a successful load). */
const char *xcu_library(void);
int xcu_driver_version(void); /* e.g. 13000; 0 when unknown */
int xcu_device_count(void);   /* 0 when xcu_init fails */
int xcu_device_info(int ordinal, xcu_info *inf, char **err);
/* The driver's name of an error code ("CUDA_ERROR_NO_DEVICE"), or "CUresult N". */
const char *xcu_errname(xcu_result r);

/* The device's primary context, made current on the calling thread. */
int xcu_context_open(int ordinal, xcu_context *ctx, char **err);
int xcu_context_sync(char **err);
void xcu_context_close(int ordinal);

int xcu_module_load(const void *image, xcu_module *m, char **err); /* PTX text or a CUBIN */
void xcu_module_unload(xcu_module m);
int xcu_function_get(xcu_module m, const char *name, xcu_function *f, char **err);
/* f on grid x block with smem bytes of dynamic shared memory on stream s (NULL: the default),
   args as cuLaunchKernel takes them; cooperative: cuLaunchCooperativeKernel (grid barriers). */
int xcu_launch(xcu_function f, const unsigned grid[3], const unsigned block[3], unsigned smem, xcu_stream s,
               void **args, int cooperative, char **err);

int xcu_stream_create(xcu_stream *s, char **err);
int xcu_stream_sync(xcu_stream s, char **err);
void xcu_stream_destroy(xcu_stream s);
int xcu_event_create(xcu_event *e, char **err);
int xcu_event_record(xcu_event e, xcu_stream s, char **err);
int xcu_event_elapsed_ms(xcu_event start, xcu_event end, float *ms, char **err); /* waits for end */
void xcu_event_destroy(xcu_event e);

int xcu_alloc(xcu_ptr *p, size_t bytes, char **err);
void xcu_free(xcu_ptr p);
int xcu_copy_htod(xcu_ptr dst, const void *src, size_t bytes, char **err);
int xcu_copy_dtoh(void *dst, xcu_ptr src, size_t bytes, char **err);
int xcu_copy_dtod(xcu_ptr dst, xcu_ptr src, size_t bytes, char **err);

/* Looks a symbol up in the loaded driver (for the GPU device's extras); NULL when absent. */
void *xcu_sym(const char *name);

#endif
