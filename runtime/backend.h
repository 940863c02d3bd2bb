/* backend.h - the executors behind one interface, registered in one table (backend.c; prefixes
 * xl_backend_ for the table, xl_exec_ for a prepared graph).
 *
 * A backend is one row: its name (what --backend takes), a one-line summary (`xlc --help`),
 * its capabilities as data, whether it is usable on this machine, and its operations:
 * prepare a graph for a dtype (plan and compile, or nothing for an interpreter), run it any
 * number of times, free it, and report the numbers callers print (stats, profile). Callers
 * (runtime/train/session.c, the trainer in runtime/train/model.c, xlc bench, the
 * cross-executor tests) choose a row by name or iterate over the rows and never name an
 * executor's own functions. A new backend (CUDA, an emulated CUDA) is one more row (its own
 * file, listed in the build's backends.def: backend.c) and, if it has a device, one more
 * xl_device (device.h); the tests that compare every backend with "ref" pick it up without an
 * edit. A build without a backend
 * (XLC_WITH_CPU=OFF) has no row for it; nothing outside its directory names its functions.
 *
 * The run contract is ref_exec's (cg.h): inputs per node id (NULL for a state input: its
 * default; states are inputs of kind CG_IN_STATE and come back as "state.*" outputs), one
 * tensor per graph output, 0 or -1 / XL_EXEC_NOMEM with *err. In addition, a non-NULL
 * outputs[k] is reused where the backend has caps.outputs_in_place and the tensor has the
 * output's name, dtype and shape (written in place: decode loops), and is freed and replaced
 * otherwise. One run at a time per xl_exec.
 */
#ifndef XL_BACKEND_H
#define XL_BACKEND_H

#include <stdio.h>

#include "cg.h"
#include "device.h"
#include "options.h"

typedef struct xl_backend xl_backend;

/* A graph prepared on a backend. g must outlive it. */
typedef struct xl_exec {
  const xl_backend *be;
  const cg_graph *g;
  cg_dtype dt;
  void *ctx; /* the backend's own state (the cpu backend: its cpu_exec; ref: NULL) */
} xl_exec;

typedef struct {
  unsigned dtypes;      /* the dtypes it runs: bit (1u << cg_dtype) each */
  int compiled;         /* 1: prepare plans the memory and compiles kernels (worth caching an
                           xl_exec per shape); 0: an interpreter (prepare does nothing) */
  int outputs_in_place; /* run writes into a caller's fitting output tensors (see above) */
  int concurrent;       /* several xl_execs may run at once, one per thread (the trainer's
                           data-parallel shards; after set_serial(1) where the backend has threads) */
  xl_dev_kind device;   /* where its values live (device.h) */
} xl_backend_caps;

/* The numbers callers print today (xlc bench, the trainer's micro-batch rule, the tests). */
typedef struct {
  int kernels, kernel_chains; /* compiled kernels; of them, kernels of several loop nests */
  double gemm_flops;          /* GEMM FLOPs executed by all runs so far */
  double planned_bytes;       /* memory plan: workspace + gradient block + input region */
  double param_bytes;         /* parameter block (optimizer state: twice this) */
  long runs;
  int profile;                /* it records times (XLC_PROFILE): xl_exec_profile prints them */
  int nextra;                 /* backend-specific counters, for tests and reports */
  struct {
    const char *name;
    double value;
  } extra[8];
} xl_exec_stats;

struct xl_backend {
  const char *name;    /* "cpu", "ref" */
  const char *summary; /* one line for `xlc --help` */
  xl_backend_caps caps;
  /* NULL when it can run on this machine, else why not (e.g. "no CUDA device found") */
  const char *(*unusable)(void);
  /* x->be, g and dt are set; fills x->ctx. 0, or -1 with *err. */
  int (*prepare)(xl_exec *x, const xl_options *o, char **err);
  int (*run)(xl_exec *x, xt *const *inputs, xt **outputs, char **err);
  void (*free)(xl_exec *x); /* x->ctx only */
  void (*stats)(const xl_exec *x, xl_exec_stats *st); /* st is zeroed first */
  /* the recorded times: one line per category, then the `steps` costliest plan steps (0: none) */
  void (*profile)(const xl_exec *x, FILE *out, int steps);
  /* threads one run uses with options o (NULL: defaults): the trainer's shard count */
  int (*threads)(const xl_options *o);
  /* on = 1: later runs stay on the calling thread (callers run one xl_exec per thread);
     process-wide, between runs. NULL: the backend has no threads of its own. */
  void (*set_serial)(int on);
  /* process-wide settings from the options, once per command before anything runs (the cpu
     backend: the JIT's vector width, disk cache, timing); NULL: none */
  void (*configure)(const xl_options *o);
  /* the device its compiled graphs run on (device.h; `xlc bench` measures its GEMM rate);
     NULL: none (an interpreter) */
  const xl_device *(*device)(void);
  /* the kernel plan a prepared graph runs (its interpreter steps are reported: kplan.h
     kp_fallbacks); NULL (or a NULL hook): it runs no plan (the interpreter itself) */
  const struct kp_plan *(*plan)(const xl_exec *x);
  /* process-wide, since the process started: kernels compiled, kernels loaded from a disk
     cache, and the wall seconds prepare spent getting them (NULL: it compiles nothing) */
  void (*compile_totals)(long *compiled, long *loaded, double *seconds);
};

#define XL_BACKEND_BOTH_DTYPES ((1u << CG_F32) | (1u << CG_F64))

/* ---- the table ---- */
int xl_backend_count(void);
const xl_backend *xl_backend_at(int i); /* 0 <= i < xl_backend_count(); the default first */
/* The row called name, or NULL (unregistered) */
const xl_backend *xl_backend_find(const char *name);
/* NULL when name is registered and usable here, else the rest of the sentence "backend 'NAME'
   ...", e.g. "is unknown (available: cpu, ref)" */
const char *xl_backend_why(const char *name);
/* The default backend's name: the first usable row (cpu where the build has it, else ref) */
const char *xl_backend_default(void);
/* Every row's configure(o) (xlc's main, once per command) */
void xl_backend_configure(const xl_options *o);
/* The usable rows' names joined by sep ("cpu, ref" with ", "); a static buffer. */
const char *xl_backend_names(const char *sep);
/* One line per row for `xlc --help`: name, summary, and why it is not usable here if it is not. */
void xl_backend_list(FILE *out);
/* be->threads(o), 1 without it */
int xl_backend_threads(const xl_backend *be, const xl_options *o);
/* be->set_serial(on) where the backend has threads */
void xl_backend_set_serial(const xl_backend *be, int on);
/* be->compile_totals, all 0 without it */
void xl_backend_compile_totals(const xl_backend *be, long *compiled, long *loaded, double *seconds);

/* ---- a prepared graph ---- */
/* g prepared on be for dt with options o (NULL: defaults). NULL with *err on failure
   (including a dtype the backend does not run and an unusable backend). */
xl_exec *xl_exec_prepare(const xl_backend *be, const cg_graph *g, cg_dtype dt, const xl_options *o, char **err);
int xl_exec_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err); /* the contract above */
void xl_exec_free(xl_exec *x);                                           /* NULL is ignored */
/* the plan x runs (be->plan), or NULL */
const struct kp_plan *xl_exec_plan(const xl_exec *x);
/* x's numbers (all 0 for NULL or a backend without any) */
xl_exec_stats xl_exec_get_stats(const xl_exec *x);
void xl_exec_profile(const xl_exec *x, FILE *out, int steps);

#endif
