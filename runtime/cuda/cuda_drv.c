/* cuda_drv.c - the CUDA driver API through dlopen (cuda_drv.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_drv.h"
#include "xl_util.h"

/* the entry points used, with the driver's versioned names (cuda.h maps the plain ones) */
#define XCU_FUNCS(X)                                                                                             \
  X(cuInit, (unsigned))                                                                                          \
  X(cuDriverGetVersion, (int *))                                                                                 \
  X(cuGetErrorName, (xcu_result, const char **))                                                                 \
  X(cuDeviceGetCount, (int *))                                                                                   \
  X(cuDeviceGet, (xcu_device *, int))                                                                            \
  X(cuDeviceGetName, (char *, int, xcu_device))                                                                  \
  X(cuDeviceGetAttribute, (int *, int, xcu_device))                                                              \
  X(cuDeviceTotalMem_v2, (size_t *, xcu_device))                                                                 \
  X(cuDevicePrimaryCtxRetain, (xcu_context *, xcu_device))                                                       \
  X(cuDevicePrimaryCtxRelease_v2, (xcu_device))                                                                  \
  X(cuCtxSetCurrent, (xcu_context))                                                                              \
  X(cuCtxSynchronize, (void))                                                                                    \
  X(cuModuleLoadData, (xcu_module *, const void *))                                                              \
  X(cuModuleUnload, (xcu_module))                                                                                \
  X(cuModuleGetFunction, (xcu_function *, xcu_module, const char *))                                            \
  X(cuLaunchKernel, (xcu_function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,       \
                     xcu_stream, void **, void **))                                                              \
  X(cuLaunchCooperativeKernel, (xcu_function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,      \
                                unsigned, xcu_stream, void **))                                                  \
  X(cuStreamCreate, (xcu_stream *, unsigned))                                                                    \
  X(cuStreamSynchronize, (xcu_stream))                                                                           \
  X(cuStreamDestroy_v2, (xcu_stream))                                                                            \
  X(cuEventCreate, (xcu_event *, unsigned))                                                                      \
  X(cuEventRecord, (xcu_event, xcu_stream))                                                                      \
  X(cuEventSynchronize, (xcu_event))                                                                             \
  X(cuEventElapsedTime, (float *, xcu_event, xcu_event))                                                         \
  X(cuEventDestroy_v2, (xcu_event))                                                                              \
  X(cuMemAlloc_v2, (xcu_ptr *, size_t))                                                                          \
  X(cuMemFree_v2, (xcu_ptr))                                                                                     \
  X(cuMemcpyHtoD_v2, (xcu_ptr, const void *, size_t))                                                            \
  X(cuMemcpyDtoH_v2, (void *, xcu_ptr, size_t))                                                                  \
  X(cuMemcpyDtoD_v2, (xcu_ptr, xcu_ptr, size_t))

static struct {
  pthread_once_t once;
  void *lib;
  char path[1024];
  const char *why; /* NULL: usable */
  char whybuf[1536];
  int version, count;
#define X(name, args) xcu_result(*name) args;
  XCU_FUNCS(X)
#undef X
} D = {.once = PTHREAD_ONCE_INIT};

/* attributes (CUdevice_attribute) */
enum { A_SMS = 16, A_COOP = 95, A_SMEM_OPTIN = 97, A_MAJOR = 75, A_MINOR = 76 };

const char *xcu_errname(xcu_result r) {
  static __thread char buf[32];
  const char *s = NULL;
  if (D.cuGetErrorName && D.cuGetErrorName(r, &s) == XCU_SUCCESS && s) return s;
  snprintf(buf, sizeof buf, "CUresult %d", r);
  return buf;
}

static void load(void) {
  const char *env = getenv("XLC_CUDA_LIBRARY");
  const char *names[2] = {"libcuda.so.1", "libcuda.so"}; /* the second: the toolkit's stub */
  int nnames = 2;
  if (env && *env) names[0] = env, nnames = 1;
  char dlerr[512] = "";
  for (int i = 0; i < nnames && !D.lib; i++) {
    D.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    const char *e = D.lib ? NULL : dlerror();
    if (i == 0 && e) snprintf(dlerr, sizeof dlerr, "%s", e);
  }
  if (!D.lib) {
    snprintf(D.whybuf, sizeof D.whybuf, "no CUDA driver library (%s; the NVIDIA driver is not installed)", dlerr);
    D.why = D.whybuf;
    return;
  }
  struct link_map *lm = NULL;
  if (dlinfo(D.lib, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name) snprintf(D.path, sizeof D.path, "%s", lm->l_name);
#define X(name, args)                                                                                    \
  *(void **)&D.name = dlsym(D.lib, #name);                                                               \
  if (!D.name) {                                                                                         \
    snprintf(D.whybuf, sizeof D.whybuf, "the CUDA driver library %s has no %s (driver too old)", D.path, #name); \
    D.why = D.whybuf;                                                                                    \
    return;                                                                                              \
  }
  XCU_FUNCS(X)
#undef X
  xcu_result r = D.cuInit(0);
  if (r == XCU_ERROR_STUB_LIBRARY) {
    snprintf(D.whybuf, sizeof D.whybuf,
             "the CUDA driver library %s is the toolkit's stub (cuInit returned CUDA_ERROR_STUB_LIBRARY): "
             "the NVIDIA driver is not installed",
             D.path);
  } else if (r == XCU_ERROR_NO_DEVICE) {
    snprintf(D.whybuf, sizeof D.whybuf, "no CUDA device (cuInit returned CUDA_ERROR_NO_DEVICE; driver %s)", D.path);
  } else if (r != XCU_SUCCESS) {
    snprintf(D.whybuf, sizeof D.whybuf, "the CUDA driver failed to start (cuInit returned %s; driver %s)",
             xcu_errname(r), D.path);
  } else if ((r = D.cuDeviceGetCount(&D.count)) != XCU_SUCCESS || D.count < 1) {
    D.count = 0;
    snprintf(D.whybuf, sizeof D.whybuf, "no CUDA device (cuDeviceGetCount: %s; driver %s)",
             r ? xcu_errname(r) : "0 devices", D.path);
  } else {
    D.cuDriverGetVersion(&D.version);
    return;
  }
  D.why = D.whybuf;
}

const char *xcu_init(void) {
  pthread_once(&D.once, load);
  return D.why;
}

const char *xcu_library(void) { return xcu_init() ? "" : D.path; }
int xcu_driver_version(void) { return xcu_init() ? 0 : D.version; }
int xcu_device_count(void) { return xcu_init() ? 0 : D.count; }
void *xcu_sym(const char *name) { return xcu_init() ? NULL : dlsym(D.lib, name); }

/* 0, or -1 with *err "CALL: ERROR_NAME" */
static int check(xcu_result r, const char *call, char **err) {
  if (r == XCU_SUCCESS) return 0;
  if (err) *err = xl_fmt("%s: %s", call, xcu_errname(r));
  return -1;
}

#define READY(err)                                                                \
  do {                                                                            \
    const char *why_ = xcu_init();                                                \
    if (why_) {                                                                   \
      if (err) *err = xl_fmt("%s", why_);                                         \
      return -1;                                                                  \
    }                                                                             \
  } while (0)

int xcu_device_info(int ordinal, xcu_info *inf, char **err) {
  READY(err);
  memset(inf, 0, sizeof *inf);
  xcu_device d;
  if (ordinal < 0 || ordinal >= D.count) {
    if (err) *err = xl_fmt("no CUDA device %d (%d found)", ordinal, D.count);
    return -1;
  }
  if (check(D.cuDeviceGet(&d, ordinal), "cuDeviceGet", err) ||
      check(D.cuDeviceGetName(inf->name, (int)sizeof inf->name, d), "cuDeviceGetName", err) ||
      check(D.cuDeviceGetAttribute(&inf->major, A_MAJOR, d), "cuDeviceGetAttribute", err) ||
      check(D.cuDeviceGetAttribute(&inf->minor, A_MINOR, d), "cuDeviceGetAttribute", err) ||
      check(D.cuDeviceGetAttribute(&inf->sms, A_SMS, d), "cuDeviceGetAttribute", err) ||
      check(D.cuDeviceGetAttribute(&inf->smem_optin, A_SMEM_OPTIN, d), "cuDeviceGetAttribute", err) ||
      check(D.cuDeviceGetAttribute(&inf->cooperative, A_COOP, d), "cuDeviceGetAttribute", err) ||
      check(D.cuDeviceTotalMem_v2(&inf->total_mem, d), "cuDeviceTotalMem", err))
    return -1;
  return 0;
}

int xcu_context_open(int ordinal, xcu_context *ctx, char **err) {
  READY(err);
  xcu_device d;
  if (check(D.cuDeviceGet(&d, ordinal), "cuDeviceGet", err) ||
      check(D.cuDevicePrimaryCtxRetain(ctx, d), "cuDevicePrimaryCtxRetain", err))
    return -1;
  return check(D.cuCtxSetCurrent(*ctx), "cuCtxSetCurrent", err);
}

int xcu_context_sync(char **err) {
  READY(err);
  return check(D.cuCtxSynchronize(), "cuCtxSynchronize", err);
}

void xcu_context_close(int ordinal) {
  xcu_device d;
  if (!xcu_init() && D.cuDeviceGet(&d, ordinal) == XCU_SUCCESS) D.cuDevicePrimaryCtxRelease_v2(d);
}

int xcu_module_load(const void *image, xcu_module *m, char **err) {
  READY(err);
  return check(D.cuModuleLoadData(m, image), "cuModuleLoadData", err);
}

void xcu_module_unload(xcu_module m) {
  if (m && !xcu_init()) D.cuModuleUnload(m);
}

int xcu_function_get(xcu_module m, const char *name, xcu_function *f, char **err) {
  READY(err);
  xcu_result r = D.cuModuleGetFunction(f, m, name);
  if (r && err) *err = xl_fmt("cuModuleGetFunction(%s): %s", name, xcu_errname(r));
  return r ? -1 : 0;
}

int xcu_launch(xcu_function f, const unsigned grid[3], const unsigned block[3], unsigned smem, xcu_stream s,
               void **args, int cooperative, char **err) {
  READY(err);
  if (cooperative)
    return check(D.cuLaunchCooperativeKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], smem, s, args),
                 "cuLaunchCooperativeKernel", err);
  return check(D.cuLaunchKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], smem, s, args, NULL),
               "cuLaunchKernel", err);
}

int xcu_stream_create(xcu_stream *s, char **err) {
  READY(err);
  return check(D.cuStreamCreate(s, 0), "cuStreamCreate", err);
}

int xcu_stream_sync(xcu_stream s, char **err) {
  READY(err);
  return check(D.cuStreamSynchronize(s), "cuStreamSynchronize", err);
}

void xcu_stream_destroy(xcu_stream s) {
  if (s && !xcu_init()) D.cuStreamDestroy_v2(s);
}

int xcu_event_create(xcu_event *e, char **err) {
  READY(err);
  return check(D.cuEventCreate(e, 0), "cuEventCreate", err);
}

int xcu_event_record(xcu_event e, xcu_stream s, char **err) {
  READY(err);
  return check(D.cuEventRecord(e, s), "cuEventRecord", err);
}

int xcu_event_elapsed_ms(xcu_event start, xcu_event end, float *ms, char **err) {
  READY(err);
  if (check(D.cuEventSynchronize(end), "cuEventSynchronize", err)) return -1;
  return check(D.cuEventElapsedTime(ms, start, end), "cuEventElapsedTime", err);
}

void xcu_event_destroy(xcu_event e) {
  if (e && !xcu_init()) D.cuEventDestroy_v2(e);
}

int xcu_alloc(xcu_ptr *p, size_t bytes, char **err) {
  READY(err);
  return check(D.cuMemAlloc_v2(p, bytes ? bytes : 1), "cuMemAlloc", err);
}

void xcu_free(xcu_ptr p) {
  if (p && !xcu_init()) D.cuMemFree_v2(p);
}

int xcu_copy_htod(xcu_ptr dst, const void *src, size_t bytes, char **err) {
  READY(err);
  return bytes ? check(D.cuMemcpyHtoD_v2(dst, src, bytes), "cuMemcpyHtoD", err) : 0;
}

int xcu_copy_dtoh(void *dst, xcu_ptr src, size_t bytes, char **err) {
  READY(err);
  return bytes ? check(D.cuMemcpyDtoH_v2(dst, src, bytes), "cuMemcpyDtoH", err) : 0;
}

int xcu_copy_dtod(xcu_ptr dst, xcu_ptr src, size_t bytes, char **err) {
  READY(err);
  return bytes ? check(D.cuMemcpyDtoD_v2(dst, src, bytes), "cuMemcpyDtoD", err) : 0;
}
