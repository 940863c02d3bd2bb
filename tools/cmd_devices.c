/* cmd_devices.c - `xlc devices`: the CUDA GPUs the driver reports (runtime/cuda/cuda_drv.h),
 * one line each, or why there are none (exit status 1 with the cause: no driver library, the
 * toolkit's stub library, no device). The emulated device (--backend cuda-emu) needs no GPU
 * and is not listed. */
#include <string.h>

#include "cuda_drv.h"
#include "driver.h"

void usage_devices(FILE *out) {
  fprintf(out, "usage: xlc devices\n"
               "\n"
               "Lists the CUDA GPUs (index, name, compute capability, memory, multiprocessors) that\n"
               "--backend cuda can use, with the driver library and version. Without a usable GPU it\n"
               "says why (no driver library; the CUDA toolkit's stub libcuda.so; no device) and exits 1.\n"
               "XLC_CUDA_LIBRARY names the driver library to load instead of libcuda.so.1.\n");
}

int cmd_devices(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage_devices(stdout);
      return XLC_EXIT_OK;
    }
    drv_error("devices: unexpected argument '%s'", argv[i]);
    usage_devices(stderr);
    return XLC_EXIT_USER;
  }
  const char *why = xcu_init();
  if (why) {
    drv_error("devices: no usable CUDA GPU: %s", why);
    return XLC_EXIT_USER;
  }
  int v = xcu_driver_version();
  printf("CUDA driver %d.%d (%s)\n", v / 1000, v % 1000 / 10, xcu_library());
  for (int i = 0; i < xcu_device_count(); i++) {
    xcu_info inf;
    char *err = NULL;
    if (xcu_device_info(i, &inf, &err)) {
      drv_error("devices: device %d: %s", i, err);
      free(err);
      return XLC_EXIT_USER;
    }
    printf("%d: %s, sm_%d%d, %.1f GiB, %d SMs, %d KiB shared memory per block%s\n", i, inf.name, inf.major, inf.minor,
           (double)inf.total_mem / (1 << 30), inf.sms, inf.smem_optin / 1024,
           inf.cooperative ? ", cooperative launches" : "");
  }
  return XLC_EXIT_OK;
}
