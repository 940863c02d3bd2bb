/* backend.c - the table of backends and the adapter of the reference executor to the
 * interface of backend.h (the CPU executor's row: runtime/cpu/backend_cpu.c).
 *
 * Which rows exist is the build's choice, as data: CMake writes backends.def (one
 * XL_BACKEND(name) per backend it builds, each defined as `const xl_backend xl_backend_NAME` in
 * that backend's own directory), so there is no #ifdef here. A CUDA backend is one more line
 * there (runtime/cuda has the rows cuda and cuda-emu). The order of the rows is the order of `xlc --help`
 * and of the "available:" lists; the default (the first usable row: cpu where it is built, else
 * ref) comes first.
 */
#include <string.h>

#include "backend.h"

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

/* ---- the table ---- */

const xl_backend xl_backend_ref = {
    .name = "ref",
    .summary = "the reference interpreter: node by node, one thread (slow; the definition of results)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 0, 0, 1, XL_DEV_HOST},
    .prepare = ref_prepare,
    .run = ref_run,
    .free = ref_free,
    .stats = ref_stats,
    .profile = ref_profile,
    .threads = ref_threads,
};

/* The rows this build has, in order (backends.def, written by CMake from the backends it
   builds: "XL_BACKEND(cpu) XL_BACKEND(ref)", or only ref without the CPU backend). */
#define XL_BACKEND(n) extern const xl_backend xl_backend_##n;
#include "backends.def"
#undef XL_BACKEND
static const xl_backend *const table[] = {
#define XL_BACKEND(n) &xl_backend_##n,
#include "backends.def"
#undef XL_BACKEND
};
#define NROWS ((int)(sizeof table / sizeof table[0]))

/* names --backend may one day take that no row answers to yet (none now: cuda is a row) */
static const char *const planned[] = {NULL};

int xl_backend_count(void) { return NROWS; }

const xl_backend *xl_backend_at(int i) { return i >= 0 && i < NROWS ? table[i] : NULL; }

const xl_backend *xl_backend_find(const char *name) {
  for (int i = 0; name && i < NROWS; i++)
    if (!strcmp(table[i]->name, name)) return table[i];
  return NULL;
}

const char *xl_backend_names(const char *sep) {
  static char buf[256];
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < NROWS; i++) {
    if (table[i]->unusable && table[i]->unusable()) continue;
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", n ? sep : "", table[i]->name);
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
    if (planned[i] && !strcmp(planned[i], name)) what = "is not available yet";
  if (be) snprintf(buf, sizeof buf, "is not usable here: %s (available: %s)", why, xl_backend_names(", "));
  else snprintf(buf, sizeof buf, "%s (available: %s)", what, xl_backend_names(", "));
  return buf;
}

const char *xl_backend_default(void) {
  for (int i = 0; i < NROWS; i++)
    if (!table[i]->unusable || !table[i]->unusable()) return table[i]->name;
  return table[NROWS - 1]->name; /* ref is always usable */
}

void xl_backend_configure(const xl_options *o) {
  for (int i = 0; i < NROWS; i++)
    if (table[i]->configure) table[i]->configure(o);
}

void xl_backend_list(FILE *out) {
  for (int i = 0; i < NROWS; i++) {
    const char *why = table[i]->unusable ? table[i]->unusable() : NULL;
    fprintf(out, "  %-10s %s", table[i]->name, table[i]->summary);
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

void xl_backend_compile_totals(const xl_backend *be, long *compiled, long *loaded, double *seconds) {
  *compiled = *loaded = 0;
  *seconds = 0;
  if (be->compile_totals) be->compile_totals(compiled, loaded, seconds);
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
