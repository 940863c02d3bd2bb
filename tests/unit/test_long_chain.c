/* test_long_chain.c - a 2,000-op fused elementwise chain (the steps of scripts/gen_chain.py)
 * compiles in linear time (kplan splits it into kernels of KP_MAXMEMBERS nodes; one kernel
 * took minutes, LLVM's register allocation being quadratic in a loop body's length) and
 * gives ref_exec's result (f32; the backward pass of the same chain is 60 kernels, one run
 * took 35 s on a loaded 2-core machine, too long for the suite). The kernel cache is off: every kernel is
 * really compiled. Prints the compile time (XLC_CACHE_DIR=off).
 */
#include <time.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "kplan.h"

static const char *const steps[5] = {"v%d * 0.5 + x", "tanh(v%d)", "v%d * 0.75 - x", "sigmoid(v%d) * 2",
                                      "max(v%d, x)"};
static const int step_ops[5] = {2, 1, 2, 2, 1};

/* block chain() { in x: [D]; out y = <about n elementwise ops on x> } */
static char *chain_src(int n) {
  size_t cap = (size_t)n * 48 + 256, len = 0;
  char *s = xl_malloc(cap);
  len += (size_t)snprintf(s + len, cap - len, "block chain() {\n  in x: [D]\n  let v0 = x\n");
  int i = 0;
  for (int ops = 0; ops < n; ops += step_ops[i % 5], i++) {
    len += (size_t)snprintf(s + len, cap - len, "  let v%d = ", i + 1);
    len += (size_t)snprintf(s + len, cap - len, steps[i % 5], i);
    len += (size_t)snprintf(s + len, cap - len, "\n");
  }
  snprintf(s + len, cap - len, "  out y = v%d\n}\n", i);
  return s;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
  setenv("XLC_CACHE_DIR", "off", 1);
  char *src = chain_src(2000);
  const char *sets[] = {"D=37", "B=3", NULL};
  xl_exec_stats st = {0};
  double t0 = now_s();
  cvr_run(src, "chain", sets, 0, CG_F32, &st);
  /* 2,000 members in kernels of at most KP_MAXMEMBERS */
  CHECK(st.kernels >= 2000 / KP_MAXMEMBERS, "%d kernels", st.kernels);
  printf("2000-op chain: %d kernels, prepared and run in %.1f s\n", st.kernels, now_s() - t0);
  free(src);
  printf("test_long_chain: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
