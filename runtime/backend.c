/* backend.c - the table of backends and the adapters of the reference and CPU executors to
 * the interface of backend.h.
 *
 * The table is the one place that knows which executors exist: a CUDA backend adds its row
 * here (under the build's #ifdef where it is optional) and leaves "cuda" out of `planned`.
 * The order of the rows is the order of `xlc --help` and of the "available:" lists; the
 * default (cpu) comes first.
 */
#include <string.h>

#include "backend.h"
#include "exec_cpu.h"

/* ---- ref: the interpreter of exec.c (no preparation, no device) ---- */

static int ref_prepare(xl_exec *x, const xl_options *o, char **err) {
  (void)o, (void)err;
  x->ctx = NULL;
  return 0;
}

/* ref_exec makes new outputs: the caller's tensors are replaced once the run is done (so
   that one may also be an input of the run) */
static int ref_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  int n = x->g->outs.n;
  xt **fresh = xl_calloc((size_t)n + 1, sizeof(xt *));
  int rc = ref_exec(x->g, x->dt, inputs, fresh, err);
  for (int k = 0; k < n; k++) {
    xt_free(outputs[k]);
    outputs[k] = fresh[k];
  }
  free(fresh);
  return rc;
}

static void ref_free(xl_exec *x) { (void)x; }

static void ref_stats(const xl_exec *x, xl_exec_stats *st) { (void)x, (void)st; }

static void ref_profile(const xl_exec *x, FILE *out, int steps) { (void)x, (void)out, (void)steps; }

static int ref_threads(const xl_options *o) {
  (void)o;
  return 1;
}

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

static const kp_plan *cpu_b_plan(const xl_exec *x) { return cpu_exec_plan(x->ctx); }

static int cpu_b_threads(const xl_options *o) {
  return cpu_num_threads(o);
}

/* ---- the table ---- */

#define BOTH_DTYPES ((1u << CG_F32) | (1u << CG_F64))

static const xl_backend table[] = {
    {"cpu", "compiled kernels (MLIR JIT) and OpenBLAS on the CPU's threads (the default)",
     {BOTH_DTYPES, 1, 1, 1, XL_DEV_CPU}, NULL, cpu_b_prepare, cpu_b_run, cpu_b_free, cpu_b_stats,
     cpu_b_profile, cpu_b_threads, cpu_set_serial, cpu_b_plan},
    {"ref", "the reference interpreter: node by node, one thread (slow; the definition of results)",
     {BOTH_DTYPES, 0, 0, 1, XL_DEV_HOST}, NULL, ref_prepare, ref_run, ref_free, ref_stats, ref_profile,
     ref_threads, NULL, NULL},
};
#define NROWS ((int)(sizeof table / sizeof table[0]))

/* names --backend may one day take that no row answers to yet */
static const char *const planned[] = {"cuda"};

int xl_backend_count(void) { return NROWS; }

const xl_backend *xl_backend_at(int i) { return i >= 0 && i < NROWS ? &table[i] : NULL; }

const xl_backend *xl_backend_find(const char *name) {
  for (int i = 0; name && i < NROWS; i++)
    if (!strcmp(table[i].name, name)) return &table[i];
  return NULL;
}

const char *xl_backend_names(const char *sep) {
  static char buf[256];
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < NROWS; i++) {
    if (table[i].unusable && table[i].unusable()) continue;
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", n ? sep : "", table[i].name);
    if (n >= sizeof buf) break;
  }
  return buf;
}

const char *xl_backend_why(const char *name) {
  static char buf[512];
  const xl_backend *be = xl_backend_find(name);
  const char *why = be && be->unusable ? be->unusable() : NULL;
  if (be && !why) return NULL;
  const char *what = "is unknown";
  for (size_t i = 0; !be && i < sizeof planned / sizeof planned[0]; i++)
    if (!strcmp(planned[i], name)) what = "is not available yet";
  if (be) snprintf(buf, sizeof buf, "is not usable here: %s (available: %s)", why, xl_backend_names(", "));
  else snprintf(buf, sizeof buf, "%s (available: %s)", what, xl_backend_names(", "));
  return buf;
}

void xl_backend_list(FILE *out) {
  for (int i = 0; i < NROWS; i++) {
    const char *why = table[i].unusable ? table[i].unusable() : NULL;
    fprintf(out, "  %-10s %s", table[i].name, table[i].summary);
    if (why) fprintf(out, " [not usable here: %s]", why);
    fputc('\n', out);
  }
}

int xl_backend_threads(const xl_backend *be, const xl_options *o) {
  int n = be->threads ? be->threads(o) : 1;
  return n < 1 ? 1 : n;
}

void xl_backend_set_serial(const xl_backend *be, int on) {
  if (be->set_serial) be->set_serial(on);
}

/* ---- a prepared graph ---- */

xl_exec *xl_exec_prepare(const xl_backend *be, const cg_graph *g, cg_dtype dt, const xl_options *o, char **err) {
  if (err) *err = NULL;
  const char *why = be->unusable ? be->unusable() : NULL;
  if (why || !(be->caps.dtypes & (1u << dt))) {
    if (err) *err = why ? xl_fmt("backend '%s' is not usable here: %s", be->name, why)
                        : xl_fmt("backend '%s' does not run %s", be->name, dt == CG_F64 ? "f64" : "f32");
    return NULL;
  }
  xl_exec *x = xl_calloc(1, sizeof *x);
  x->be = be;
  x->g = g;
  x->dt = dt;
  if (be->prepare(x, o, err) != 0) {
    free(x);
    return NULL;
  }
  return x;
}

int xl_exec_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  return x->be->run(x, inputs, outputs, err);
}

void xl_exec_free(xl_exec *x) {
  if (!x) return;
  x->be->free(x);
  free(x);
}

xl_exec_stats xl_exec_get_stats(const xl_exec *x) {
  xl_exec_stats st;
  memset(&st, 0, sizeof st);
  if (x && x->be->stats) x->be->stats(x, &st);
  return st;
}

void xl_exec_profile(const xl_exec *x, FILE *out, int steps) {
  if (x && x->be->profile) x->be->profile(x, out, steps);
}

const kp_plan *xl_exec_plan(const xl_exec *x) { return x && x->be->plan ? x->be->plan(x) : NULL; }
