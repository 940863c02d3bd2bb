/* pipeline.h - the one pipeline of the compiler: xl_compile runs its stages in order.
 *
 *   lower (lang_lower of an entry of a parsed file) -> cg_verify
 *   -> autodiff (ad_append_backward: none, loss or cotangent mode) -> cg_verify
 *   -> cg-opt (cg_optimize, which verifies its result; skipped when o->cg_opt is 0)
 *   -> kernel plan for o->target (kp_build) -> memory plan (mp_build)
 *   -> emit (kir_to_mlir of every fused kernel, scan bodies included)
 *
 * stopping after a requested stage, and returns a module holding what it made so far. Every
 * command, the trainer and the tests build graphs through it; the executors plan through its
 * stage entries xl_plan_graph and xl_emit_kernel (exec_cpu.c cpu_prepare), so that each pass
 * is called from one place. It prints nothing: the lowering reports its diagnostics through
 * the request's lang_diag, and every other failure is returned as a message the caller prints
 * (runtime/train/session.c: "xlc: error: MSG" for XL_COMPILE_USER, "xlc: internal error: MSG" for
 * XL_COMPILE_INTERNAL). It reads no environment: the knobs are the xl_options passed in.
 * Built as its own library (xl_pipeline: it needs lang/, which needs compiler/).
 */
#ifndef XL_PIPELINE_H
#define XL_PIPELINE_H

#include "cg.h"
#include "kplan.h"
#include "lang.h"
#include "memplan.h"
#include "options.h"

/* The stages, in order. `xlc dump --stage` maps cg, cg-grad, cg-opt, kplan (and kir), mem,
   mlir to them. */
typedef enum {
  XL_STAGE_CG,      /* lowered and verified */
  XL_STAGE_CG_GRAD, /* the backward pass appended (request's grad) and verified */
  XL_STAGE_CG_OPT,  /* after cg-opt */
  XL_STAGE_KPLAN,   /* module.plan: the kernel plan for o->target */
  XL_STAGE_MEM,     /* module.mp: the memory plan of that plan in the request's dtype */
  XL_STAGE_EMIT,    /* module.kern: the MLIR text of every fused kernel */
} xl_stage;

typedef enum {
  XL_GRAD_NONE, /* forward graph only */
  XL_GRAD_LOSS, /* differentiate the scalar float output "loss" (seeded with 1) */
  XL_GRAD_COT,  /* seed every float output with a cotangent input "cot.NAME" */
} xl_grad;

/* Return codes of xl_compile: the exit codes of the command line (driver.h XLC_EXIT_*). */
enum { XL_COMPILE_OK = 0, XL_COMPILE_USER = 1, XL_COMPILE_INTERNAL = 2 };

/* One fused kernel's MLIR text (emit stage), in the order of a walk over the plan that visits
   a SCAN step's body right after the step (tools' drv_plan_walk order). */
typedef struct {
  const kp_plan *plan; /* the plan (top level or a scan body's) the kernel is a step of */
  int step;
  char *text;          /* kir_to_mlir, owned */
} xl_kernel_text;

typedef struct {
  cg_graph *g;         /* the graph after the last graph stage that ran (owned) */
  cg_opt_stats opt;    /* cg-opt's counts (nodes before = after when it was skipped) */
  kp_plan *plan;       /* XL_STAGE_KPLAN and later (owned) */
  mp_plan *mp;         /* XL_STAGE_MEM and later (owned) */
  XL_VEC(xl_kernel_text) kern; /* XL_STAGE_EMIT */
  int done;            /* the last stage completed, -1 before the first */
} xl_module;

typedef struct {
  /* the graph: lowered from entry of a parsed file (ar, file, diag: drv_src_parse's), with
     settings and given tensors (lang_lower), or, when `graph` is set, that graph (the module
     takes it over; the lowering is skipped, entry only names it in messages) */
  xl_arena *ar;
  const ast *file;
  lang_diag *diag;
  const char *entry;
  const lang_set *sets;
  int nsets;
  xt *const *given;
  int ngiven;
  cg_graph *graph;
  xl_grad grad;
  xl_stage stop;  /* the last stage to run */
  cg_dtype dt;    /* element type of the memory plan and the kernels (CG_F32 or CG_F64) */
  /* Called after each stage that ran with the module so far (a dump of every stage, a check);
     a nonzero return stops xl_compile with that code. NULL: none. */
  int (*hook)(xl_stage done, const xl_module *m, void *ud);
  void *hook_ud;
} xl_request;

/* Runs the stages of r up to r->stop with options o (NULL: xl_options_default()) into *m
   (cleared first; free it with xl_module_free also on failure: it holds what was made).
   Returns XL_COMPILE_OK, or XL_COMPILE_USER / XL_COMPILE_INTERNAL with *err set to the message
   (malloc'd; NULL when the lowering already reported its diagnostics). */
int xl_compile(const xl_request *r, const xl_options *o, xl_module *m, char **err);
void xl_module_free(xl_module *m);
/* The graph of m, which no longer owns it (free it with cg_free). */
cg_graph *xl_module_take_graph(xl_module *m);

/* ---- stage entries (xl_compile calls these; so do the executors for a graph they are given) */
/* The plan and memory stages of g: *plan = the kernel plan for o->target (the one place that
   calls kp_build); *mp (when mp is not NULL) = its memory plan for elements of dt. */
void xl_plan_graph(const cg_graph *g, cg_dtype dt, const xl_options *o, kp_plan **plan, mp_plan **mp);
/* The emit stage of one kernel: its MLIR text in dt with o->emit (malloc'd). */
char *xl_emit_kernel(const kir_kernel *k, cg_dtype dt, const xl_options *o);

#endif
