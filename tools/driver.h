/* driver.h - shared pieces of the xlc driver in tools/: exit codes, messages, the
 * command-line option scanner, --set parsing and loading a .xl file.
 *
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` where argv[0] is the subcommand
 * name; it returns an exit code (XLC_EXIT_*). User mistakes print "xlc: error: ..." and give
 * 1; broken invariants of the compiler (a graph that fails verification, a lowering that
 * fails without a diagnostic) print "xlc: internal error: ..." and give 2.
 */
#ifndef XLC_DRIVER_H
#define XLC_DRIVER_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "lang.h"
#include "options_env.h"
#include "pipeline.h"
#include "xl_util.h"
#include "xlrt.h"

enum { XLC_EXIT_OK = 0, XLC_EXIT_USER = 1, XLC_EXIT_INTERNAL = 2 };

/* ---- messages (driver.c) ---- */
void drv_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* xlc: error: */
void drv_internal(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* xlc: internal error: */
void drv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* xlc: warning: */
void drv_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* xlc: note: */

/* ---- command-line options ---- */
/* One accepted option of a subcommand: "--name" (flag) or "--name=V" / "--name V". */
typedef struct {
  const char *name; /* without the dashes */
  int has_arg;
} drv_optspec;

typedef struct {
  const char *name; /* points into the spec */
  const char *val;  /* NULL for flags */
} drv_opt;

typedef struct {
  XL_VEC(const char *) pos; /* positional arguments, in order */
  XL_VEC(drv_opt) opts;     /* options, in command-line order */
  int help;                 /* -h or --help seen */
} drv_args;

/* Scans argv[1..argc-1] of subcommand `cmd` ("--" ends the options). Prints an error and
   returns -1 on an unknown option or a missing value; else 0. */
int drv_args_parse(drv_args *a, int argc, char **argv, const char *cmd, const drv_optspec *spec);
void drv_args_free(drv_args *a);

/* ---- --set K=V ---- */
typedef struct {
  XL_VEC(lang_set) v; /* key/val point into argv */
} drv_sets;

/* Adds "K=V" (K an identifier, possibly dotted; V non-empty). A later setting of the same key
   replaces the earlier one. Prints an error and returns -1 if malformed. */
int drv_sets_add(drv_sets *s, const char *kv);
void drv_sets_free(drv_sets *s);

/* Parses a decimal unsigned 64-bit number (the whole string). Returns 0 on success. */
int drv_parse_u64(const char *s, uint64_t *out);

/* ---- loading a .xl file ---- */
typedef struct {
  const char *path;
  char *text;    /* the whole file, NUL-terminated (owned) */
  xl_arena ar;   /* AST and lowering objects */
  lang_diag diag;
  ast *file;     /* after drv_src_parse */
  int from_text;  /* made by drv_src_from_text (a checkpoint's source) */
  XL_VEC(const char *) imported; /* path, text, path, text, ... of every imported file (arena) */
} drv_src;

#define DRV_SOURCE_MAX ((size_t)16 << 20) /* bytes of a .xl file */
/* Reads `path` (a regular file of at most DRV_SOURCE_MAX bytes without NUL bytes); on failure
   prints "xlc: error: cannot read 'P': reason" (or the NUL byte's position) and returns -1. */
int drv_src_load(drv_src *s, const char *path);
/* The same from a text held in memory (a checkpoint's stored source): `path` names it in
   diagnostics, `text` is copied. Returns 0. */
int drv_src_from_text(drv_src *s, const char *path, const char *text);
/* Parses the text and resolves its imports (lang_import: `import NAME` looks in
   drv_stdlib_dir(), `import xlstm` reads $XLC_STDLIB when it is set); returns the number of
   errors (already reported). */
int drv_src_parse(drv_src *s);
/* The texts of imported files stored in a checkpoint (metadata "sources": a JSON object
   {path: text}, copied; NULL: none): from now on drv_src_parse of a source made by
   drv_src_from_text takes an imported file's text from there when its path is a key, else
   reads it from disk. */
void drv_src_set_stored(const char *sources_json);
void drv_src_free(drv_src *s);

/* ---- the options of this process (xlc.c main fills them once) ---- */
/* xlc's main: xl_options_default(), then xl_options_from_env, then drv_options_set. */
void drv_options_set(const xl_options *o);
/* The options drv_options_set gave; before that (a test linking the driver): the defaults
   with the environment read now. */
const xl_options *drv_options(void);

/* ---- compiling an entry (pipeline.h xl_compile, with this process's options) ---- */
/* Runs r (its source fields taken from s when s is not NULL: ar, file, diag) into *m and
   prints a failure: the lowering's diagnostics as they come, then "xlc: error: MSG" or
   "xlc: internal error: MSG". Returns an exit code (XL_COMPILE_* = XLC_EXIT_*); free *m with
   xl_module_free either way. */
int drv_compile(drv_src *s, xl_request *r, xl_module *m);
/* The graph of an entry after `stop` (XL_STAGE_CG, _CG_GRAD or _CG_OPT), grad as in
   xl_request, or NULL with *rc set (the failure printed). Free it with cg_free. */
struct cg_graph *drv_graph(drv_src *s, const char *entry, const drv_sets *sets, xt *const *given, int ngiven,
                           xl_grad grad, xl_stage stop, int *rc);
/* The later stages of a lowered graph g the caller changed or copied (taken over: freed on
   failure): autodiff (grad not XL_GRAD_NONE), then cg-opt when stop is XL_STAGE_CG_OPT.
   Returns the graph or NULL with *rc set (the failure printed); st (may be NULL) receives
   cg-opt's counts. */
struct cg_graph *drv_graph_more(struct cg_graph *g, const char *entry, xl_grad grad, xl_stage stop,
                                cg_opt_stats *st, int *rc);

/* ---- execution on a backend (a row of runtime/backend.h's table: "cpu", "ref") ---- */
int drv_backend_ok(const char *backend); /* prints an error for an unknown or unusable name */
const char *drv_backend_why(const char *backend); /* NULL if usable, else why not (no print) */
/* Reports an executor's failure: rc XL_EXEC_NOMEM (the run does not fit in memory) as
   "xlc: error: <context>: <err>", anything else as an internal error. Returns the exit code. */
int drv_exec_failed(int rc, const char *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepares g on the backend, runs it once, frees it: the contract of ref_exec. */
/* Reports the steps of x's plan that compute on the reference interpreter's loops (kplan.h
   kp_fallbacks: op, shape, .xl position, why) as notes on stderr, each (op, position) once per
   process, so a trainer's many prepared graphs repeat nothing. Returns how many steps x has. */
int drv_report_fallbacks(const xl_exec *x, const char *entry);
int drv_exec(const struct cg_graph *g, const char *entry, const char *backend, cg_dtype dt, xt *const *inputs, xt **outputs,
             char **err);

/* ---- binding the INPUT nodes of a graph for `xlc run` (run_bind.c) ---- */
typedef struct {
  const char *entry;
  const char *inputs_path, *params_path, *cot_path; /* NULL: not given */
  const xt_list *inputs, *params, *cots;            /* empty lists when not given */
  uint64_t seed;
  xt_dtype dt; /* compute dtype: XT_F32 or XT_F64 */
  int random_inputs; /* missing data inputs: N(0,1) floats, ints uniform in [0, R): R the size of
                        the one_hot / gather table they index, else the `hint vocab` */
} run_bind_ctx;

/* Checks that every tensor of every file names an input of the matching kind, then fills
   vals[i] (a new tensor in dtype c->dt, or NULL for a state left at its default) for every
   INPUT node i of g. All problems are reported. Returns an exit code; on failure every
   vals[i] is NULL. */
int run_bind(const struct cg_graph *g, const run_bind_ctx *c, xt **vals);
/* 1 if int input `id` may hold -1 (a position that is not scored): no gather/scatter index
   and no scan uses it. */
int run_input_maskable(const struct cg_graph *g, int id);
/* The range [0, R) that --random-inputs draws int input `id` from: the size of the one_hot /
   gather table it indexes, else the entry's `hint vocab`; 0 if unknown. */
double run_int_range(const struct cg_graph *g, int id);
/* Reports the first NaN or Inf of each float tensor of l (read from `path`); returns the
   number of bad tensors. */
int run_check_finite(const char *path, const xt_list *l);

/* ---- walking a kernel plan (plan_walk.c; `xlc build`, `dump --stage=mlir`) ---- */
struct kp_plan;
/* Called for every step of a plan in order; a SCAN step is followed by the steps of its body.
   `where` is "" at the top level, else "scan %8" (nested: "scan %8 / scan %3", node ids of
   the enclosing graphs); `reps` is how often the step runs per execution of the whole plan
   (the product of the enclosing scans' lengths). A nonzero return stops the walk. */
typedef int (*drv_step_fn)(const struct kp_plan *p, int step, const char *where, double reps, void *ud);
int drv_plan_walk(const struct kp_plan *p, drv_step_fn fn, void *ud); /* fn's first nonzero */
/* "// kernel NAME: fuses %3 add, %4 exp (body of scan %8)" and a newline, for KP_KERNEL `step`. */
void drv_kernel_comment(const struct kp_plan *p, int step, const char *where, FILE *out);

/* ---- small helpers ---- */
char *drv_shape_str(int rank, const int64_t *d); /* "[2, 3]", malloc'd */
/* Row-major multi-index of element `flat` of a tensor of that shape: "[0, 1]", malloc'd. */
char *drv_index_str(int rank, const int64_t *d, int64_t flat);
/* Name of `s` among `cands` at the smallest edit distance, if close enough; else NULL. */
const char *drv_closest(const char *s, const char *const *cands, int n);

/* ---- --config FILE: an experiment file's model: section (config_cmd.c) ---- */
struct cJSON;
typedef struct {
  const char *path;
  struct cJSON *root;   /* the whole file, interpolations resolved */
  const char *entry;    /* the stdlib entry the model section describes: xlstm_lm or xlstm_large */
  char **sets;          /* "K=V" for that entry, before any --set (owned) */
  int nsets;
  int context_length;   /* model.context_length, 0 if absent */
  int decay_embedding;  /* model.weight_decay_on_embedding (a trainer option: 1 true, 0 false, -1 absent) */
} drv_config;

/* The stdlib directory, found with no environment variable from the build tree and from an
   installed binary: $XLC_STDLIB_DIR if set; else the first of these that holds xlstm.xl:
   EXE_DIR/../share/xlc/stdlib (installed), the source tree's stdlib (XLC_STDLIB_DIR at
   compile time), EXE_DIR/../stdlib, where EXE_DIR is the directory of the running xlc
   (/proc/self/exe). NULL if none; malloc'd. */
char *drv_stdlib_dir(void);
/* The stdlib's path: $XLC_STDLIB, else drv_stdlib_dir()'s xlstm.xl (the compile-time
   directory's when none was found), malloc'd. */
char *drv_stdlib_path(void);
/* Loads FILE and maps model: to settings of ENTRY in XL (NULL: the stdlib and the entry the
   model section describes), printing a note for every ignored key. Settings ENTRY lacks are
   an error naming them, except num_heads / conv1d_kernel_size of mLSTM and sLSTM blocks,
   which go to one shared NH / K where ENTRY has only those (they must then agree).
   Errors are printed; returns an exit code. */
int drv_config_load(drv_config *c, const char *path, const char *xl, const char *entry);
void drv_config_free(drv_config *c);
/* Prints a config_file.h message ("FILE:L:C: error: ..." as it is, others after "xlc: error: "). */
void drv_config_error(const char *err);

/* ---- subcommands (cmd_*.c) ---- */
int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_refcheck(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_devices(int argc, char **argv);

/* Usage texts (in each cmd_*.c), printed by `xlc help CMD` and `xlc CMD --help`. */
void usage_check(FILE *out);
void usage_dump(FILE *out);
void usage_run(FILE *out);
void usage_refcheck(FILE *out);
void usage_bench(FILE *out);
void usage_build(FILE *out);
/* `xlc build --target cuda` (cmd_build_cuda.c); cmd_build hands over when drv_build_is_cuda */
int cmd_build_cuda(int argc, char **argv);
void usage_build_cuda(FILE *out);
int drv_build_is_cuda(int argc, char **argv);
void usage_train(FILE *out);
void usage_eval(FILE *out);
void usage_data(FILE *out);
void usage_generate(FILE *out);
void usage_gradcheck(FILE *out);
void usage_devices(FILE *out);

#endif
