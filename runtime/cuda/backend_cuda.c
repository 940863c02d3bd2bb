/* backend_cuda.c - the row "cuda" (the GPU) of the backend table (runtime/backend.h); the row
 * "cuda-emu" is exec_cuda.c (built with the CPU backend, whose plan walker it uses).
 *
 * The executor that walks a kernel plan on the GPU is not written yet (issue 19 item 4): "cuda"
 * is usable only where a GPU is (else unusable() names the cause: cuda_drv.h, which
 * `--backend cuda` prints with exit status 1), and its prepare says the executor is missing.
 */
#include "backend.h"
#include "cuda_dev.h"
#include "cuda_drv.h"

static const char *cuda_unusable(void) { return xcu_init(); }

static int cuda_prepare(xl_exec *x, const xl_options *o, char **err) {
  (void)x, (void)o;
  *err = xl_fmt("backend '%s': the CUDA executor is not written yet (issue 19 item 4)", x->be->name);
  return -1;
}

static int cuda_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  (void)x, (void)inputs, (void)outputs;
  *err = xl_fmt("the CUDA executor is not written yet");
  return -1;
}

static void cuda_free(xl_exec *x) { (void)x; }

static const xl_device *cuda_device(void) { return xl_dev_cuda(NULL); }

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
