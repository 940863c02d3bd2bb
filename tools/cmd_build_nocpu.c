/* cmd_build_nocpu.c - `xlc build` in a build without the CPU backend (XLC_WITH_CPU off): the
 * command compiles kernels with the CPU backend's JIT (cmd_build.c, which such a build leaves
 * out), so here it only says why it cannot run. `xlc dump --stage=mlir` still shows the MLIR.
 */
#include "driver.h"

void usage_build(FILE *out) {
  fprintf(out, "usage: xlc build FILE.xl ENTRY --emit-dir DIR [...]\n"
               "\n"
               "Not available: this xlc was built without the CPU backend (MLIR/OpenBLAS), which\n"
               "compiles the kernels (rebuild with -DXLC_WITH_CPU=ON). `xlc dump --stage=mlir`\n"
               "shows the MLIR of the kernels. `xlc build --target cuda` works in this build.\n");
}

int bld_cpu(const bld_args *b) {
  (void)b;
  drv_error("build: this xlc was built without the CPU backend (MLIR/OpenBLAS); rebuild with -DXLC_WITH_CPU=ON "
            "(`xlc dump --stage=mlir` shows the kernels' MLIR)");
  return XLC_EXIT_USER;
}
