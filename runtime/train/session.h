/* session.h - the session core (session.c): what the command line (tools/), the trainer
 * (runtime/train) and the tests share: exit codes, messages, --set settings, loading a .xl file
 * and the stdlib, the process's options, compiling an entry through the pipeline (xl_compile)
 * and running a graph on a backend of the table (runtime/backend.h).
 *
 * Prefix drv_: this was the core of the xlc driver (tools/driver.c) before issue 17 moved it
 * under the trainer; every command, the trainer and several tests call these names, so they
 * kept them (a rename would touch ~40 files and every branch merged on top).
 * User mistakes print "xlc: error: ..." and give 1; broken invariants of the compiler (a graph
 * that fails verification, a lowering that fails without a diagnostic) print
 * "xlc: internal error: ..." and give 2.
 */
#ifndef XLC_SESSION_H
#define XLC_SESSION_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "lang.h"
#include "options_env.h"
#include "pipeline.h"
#include "xl_util.h"
#include "xlrt.h"

enum { XLC_EXIT_OK = 0, XLC_EXIT_USER = 1, XLC_EXIT_INTERNAL = 2 };

/* ---- messages ---- */
void drv_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* xlc: error: */
void drv_internal(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* xlc: internal error: */
void drv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* xlc: warning: */
void drv_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* xlc: note: */

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
/* The options drv_options_set gave; before that (a test linking the session): the defaults
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

/* ---- small helpers ---- */
char *drv_shape_str(int rank, const int64_t *d); /* "[2, 3]", malloc'd */
/* Row-major multi-index of element `flat` of a tensor of that shape: "[0, 1]", malloc'd. */
char *drv_index_str(int rank, const int64_t *d, int64_t flat);
/* Name of `s` among `cands` at the smallest edit distance, if close enough; else NULL. */
const char *drv_closest(const char *s, const char *const *cands, int n);

/* ---- the stdlib ---- */
/* The stdlib directory, found with no environment variable from the build tree and from an
   installed binary: $XLC_STDLIB_DIR if set; else the first of these that holds xlstm.xl:
   EXE_DIR/../share/xlc/stdlib (installed), the source tree's stdlib (XLC_STDLIB_DIR at
   compile time), EXE_DIR/../stdlib, where EXE_DIR is the directory of the running xlc
   (/proc/self/exe). NULL if none; malloc'd. */
char *drv_stdlib_dir(void);
/* The stdlib's path: $XLC_STDLIB, else drv_stdlib_dir()'s xlstm.xl (the compile-time
   directory's when none was found), malloc'd. */
char *drv_stdlib_path(void);

#endif
