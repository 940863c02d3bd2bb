/* backend_cpu.c - the row of the compiled CPU executor (exec_cpu.c) in the backend table
 * (runtime/backend.h): adapters of its functions to the interface, its device and the JIT's
 * process-wide settings. Compiled only in builds with the CPU backend (XLC_WITH_CPU), which
 * list it in backends.def.
 */
#include "backend.h"
#include "exec_cpu.h"
#include "jit.h"

/* ---- cpu: the compiled executor of exec_cpu.c on the CPU device ---- */

static int cpu_b_prepare(xl_exec *x, const xl_options *o, char **err) {
  x->ctx = cpu_prepare(x->g, x->dt, o, err);
  return x->ctx ? 0 : -1;
}

static int cpu_b_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  return cpu_run(x->ctx, inputs, outputs, err);
}

static void cpu_b_free(xl_exec *x) { cpu_free(x->ctx); }

static void cpu_b_stats(const xl_exec *x, xl_exec_stats *st) {
  const cpu_stats *s = &((const cpu_exec *)x->ctx)->stats;
  st->kernels = s->kernels;
  st->kernel_chains = s->kernel_chains;
  st->gemm_flops = s->gemm_flops;
  st->planned_bytes = s->planned_bytes;
  st->param_bytes = s->param_bytes;
  st->runs = s->run_id;
  st->profile = s->profile;
  const struct {
    const char *name;
    int v;
  } extra[] = {{"einsum-blas-direct", s->ein_direct},
               {"einsum-blas-copied", s->ein_copied},
               {"states-in-place", s->scan_states_inplace},
               {"saved-step-major", s->scan_saved_stepmajor}};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
    st->extra[st->nextra].name = extra[i].name;
    st->extra[st->nextra++].value = extra[i].v;
  }
}

static void cpu_b_profile(const xl_exec *x, FILE *out, int steps) {
  const cpu_exec *e = x->ctx;
  cpu_profile_print(&e->stats, out);
  if (steps > 0) cpu_profile_steps(e, out, steps);
}

static int cpu_b_threads(const xl_options *o) {
  return cpu_num_threads(o);
}

static const xl_device *cpu_b_device(void) { return xl_dev_cpu(); }

static const kp_plan *cpu_b_plan(const xl_exec *x) { return cpu_exec_plan(x->ctx); }

static void cpu_b_compile_totals(long *compiled, long *loaded, double *seconds) {
  jit_stats_t s = jit_stats();
  *compiled = s.compiled;
  *loaded = s.hits;
  *seconds = s.wall_ms / 1e3;
}

const xl_backend xl_backend_cpu = {
    .name = "cpu",
    .summary = "compiled kernels (MLIR JIT) and OpenBLAS on the CPU's threads (the default)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 1, 1, 1, XL_DEV_CPU},
    .prepare = cpu_b_prepare,
    .run = cpu_b_run,
    .free = cpu_b_free,
    .stats = cpu_b_stats,
    .profile = cpu_b_profile,
    .threads = cpu_b_threads,
    .set_serial = cpu_set_serial,
    .configure = jit_configure,
    .device = cpu_b_device,
    .plan = cpu_b_plan,
    .compile_totals = cpu_b_compile_totals,
};
