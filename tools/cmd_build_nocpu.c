/* cmd_build_nocpu.c - `xlc build` in a build without the CPU backend (XLC_WITH_CPU off): the
 * command compiles kernels with the CPU backend's JIT (cmd_build.c, which such a build leaves
 * out), so here it only says why it cannot run. `xlc dump --stage=mlir` still shows the MLIR.
 */
#include <string.h>

#include "driver.h"

void usage_build(FILE *out) {
  fprintf(out, "usage: xlc build FILE.xl ENTRY --emit-dir DIR [...]\n"
               "\n"
               "Not available: this xlc was built without the CPU backend (MLIR/OpenBLAS), which\n"
               "compiles the kernels (rebuild with -DXLC_WITH_CPU=ON). `xlc dump --stage=mlir`\n"
               "shows the MLIR of the kernels. `xlc build --target cuda` works in this build.\n");
}

int cmd_build(int argc, char **argv) {
  if (drv_build_is_cuda(argc, argv)) return cmd_build_cuda(argc, argv); /* needs no CPU backend */
  for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage_build(stdout);
      return XLC_EXIT_OK;
    }
    const char *t = !strcmp(argv[i], "--target") && i + 1 < argc ? argv[i + 1]
                    : !strncmp(argv[i], "--target=", 9)       ? argv[i] + 9
                                                               : NULL;
    if (t && strcmp(t, "cpu")) { /* cuda went above */
      drv_error("unknown --target '%s' (expected cpu or cuda)", t);
      return XLC_EXIT_USER;
    }
  }
  drv_error("build: this xlc was built without the CPU backend (MLIR/OpenBLAS); rebuild with -DXLC_WITH_CPU=ON "
            "(`xlc dump --stage=mlir` shows the kernels' MLIR)");
  return XLC_EXIT_USER;
}
