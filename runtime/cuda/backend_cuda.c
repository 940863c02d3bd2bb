/* backend_cuda.c - the row "cuda" (the GPU) of the backend table (runtime/backend.h): the CUDA
 * executor of exec_cuda.h on the GPU device (cuda_dev.h xl_dev_cuda: cuMemAlloc, copies,
 * cuBLAS) with this file's module loader: each kernel's CUDA C compiled by NVRTC (nvrtc.h, its
 * disk cache in the JIT's cache directory) into a CUBIN for the device's architecture, which is
 * the kcu_target row (kir_cuda.h) of the device's compute capability or the nearest lower one,
 * loaded with cuModuleLoadData and launched with cuLaunchKernel at the emitted geometry, the
 * kernel's dynamic shared memory limit raised first where the launch needs more than
 * smem_block. The row "cuda-emu" is the same executor on the emulated GPU (exec_cuda.c).
 *
 * Without a usable GPU, unusable() names the cause (cuda_drv.h; `--backend cuda` prints it and
 * exits 1). A build without the CPU backend has no plan walker: there the row stays, and its
 * prepare says why it cannot run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cuda_dev.h"
#include "cuda_drv.h"

static const char *cuda_unusable(void) { return xcu_init(); }

static const xl_device *cuda_device(void) { return xl_dev_cuda(NULL); }

#ifdef XLC_HAVE_CPU
#include <pthread.h>

#include "exec_cuda.h"
#include "nvrtc.h"

/* the kcu_target of device 0: its compute capability, else the nearest lower row */
static const kcu_target *gpu_target(char **err) {
  xcu_info inf;
  if (xcu_device_info(0, &inf, err)) return NULL;
  const kcu_target *best = NULL;
  char list[256];
  snprintf(list, sizeof list, "%s", kcu_target_list());
  char *save = NULL;
  for (char *s = strtok_r(list, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
    const kcu_target *t = kcu_target_find(s);
    int cc = t ? 10 * t->cc_major + t->cc_minor : 1 << 30;
    if (cc <= 10 * inf.major + inf.minor && (!best || cc > 10 * best->cc_major + best->cc_minor)) best = t;
  }
  if (!best)
    *err = xl_fmt("the GPU %s (compute capability %d.%d) is older than every architecture the CUDA emitter knows (%s)",
                  inf.name, inf.major, inf.minor, kcu_target_list());
  return best;
}

static pthread_once_t nv_once = PTHREAD_ONCE_INIT;
static xnv_lib *nv;
static char *nv_err;

static void nv_open(void) { nv = xnv_open(NULL, &nv_err); }

typedef struct {
  xcu_module m;
  xcu_function f;
} gpu_kernel;

static void *gpu_load(const char *src, const char *name, const kcu_target *t, const kcu_launch *geo, const char *cache,
                      char **err) {
  xl_dev_cuda(NULL)->sync(); /* the device's primary context, current on this thread (modules need it) */
  char *de = xl_dev_cuda_error();
  if (de) {
    *err = de;
    return NULL;
  }
  pthread_once(&nv_once, nv_open);
  if (!nv) {
    *err = xl_fmt("%s", nv_err);
    return NULL;
  }
  xnv_result r;
  char *e = NULL;
  if (xnv_compile(nv, src, name, t->arch, cache, &r, &e)) {
    char *lines = e ? xnv_error_lines(e, src) : NULL;
    *err = xl_fmt("NVRTC: %s%s%s", e ? e : "?", lines ? "\n" : "", lines ? lines : "");
    free(lines), free(e);
    return NULL;
  }
  gpu_kernel *k = xl_calloc(1, sizeof *k);
  int rc = xcu_module_load(r.cubin, &k->m, err);
  xnv_result_free(&r);
  if (!rc && xcu_function_get(k->m, name, &k->f, err)) {
    xcu_module_unload(k->m);
    rc = -1;
  }
  if (!rc && geo->smem > t->smem_block) { /* cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES = 8) */
    int (*set)(xcu_function, int, int) = (int (*)(xcu_function, int, int))xcu_sym("cuFuncSetAttribute");
    int sr = set ? set(k->f, 8, (int)geo->smem) : -1;
    if (sr) {
      *err = xl_fmt("kernel %s: raising its dynamic shared memory to %lld bytes failed (%s)", name,
                    (long long)geo->smem, set ? xcu_errname(sr) : "no cuFuncSetAttribute");
      xcu_module_unload(k->m);
      rc = -1;
    }
  }
  if (rc) {
    free(k);
    return NULL;
  }
  return k;
}

static int gpu_launch(void *h, const unsigned grid[3], const unsigned block[3], unsigned smem, void **bufs, int nbuf,
                      int coop, char **err) {
  gpu_kernel *k = h;
  void *p[32] = {0}; /* the xl_bufs ABI: one struct of 32 pointers, passed by value */
  memcpy(p, bufs, sizeof(void *) * (size_t)(nbuf < 32 ? nbuf : 32));
  void *args[] = {p};
  return xcu_launch(k->f, grid, block, smem, NULL, args, coop, err);
}

static void gpu_unload(void *h) {
  gpu_kernel *k = h;
  xcu_module_unload(k->m);
  free(k);
}

static const xec_loader gpu_loader = {"launches", cuda_device, gpu_target, gpu_load, NULL, gpu_launch, gpu_unload};

static int cuda_prepare(xl_exec *x, const xl_options *o, char **err) { return xec_prepare(x, o, &gpu_loader, err); }

const xl_backend xl_backend_cuda = {
    .name = "cuda",
    .summary = "kernels generated as CUDA C, compiled by NVRTC, GEMMs on cuBLAS (an NVIDIA GPU)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 1, 1, 0, XL_DEV_GPU},
    .unusable = cuda_unusable,
    .prepare = cuda_prepare,
    .run = xec_run,
    .free = xec_free,
    .stats = xec_stats,
    .threads = xec_threads,
    .device = cuda_device,
    .plan = xec_plan,
};

#else /* no CPU backend: no plan walker */

static int cuda_prepare(xl_exec *x, const xl_options *o, char **err) {
  (void)o;
  *err = xl_fmt("backend '%s': this build has no CPU backend, whose plan walker the CUDA executor uses "
                "(configure with -DXLC_WITH_CPU=ON)",
                x->be->name);
  return -1;
}

static int cuda_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  (void)x, (void)inputs, (void)outputs;
  *err = xl_fmt("the CUDA executor is not in this build");
  return -1;
}

static void cuda_free(xl_exec *x) { (void)x; }

const xl_backend xl_backend_cuda = {
    .name = "cuda",
    .summary = "kernels generated as CUDA C, compiled by NVRTC, GEMMs on cuBLAS (an NVIDIA GPU)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 1, 0, 0, XL_DEV_GPU},
    .unusable = cuda_unusable,
    .prepare = cuda_prepare,
    .run = cuda_run,
    .free = cuda_free,
    .device = cuda_device,
};
#endif
