/* pipe_test.h - how the unit tests reach the pipeline (compiler/pipeline.h): the test's options
 * (xl_options_default, then the environment, read once: the ctest variants that set
 * XLC_VECTOR_BITS=256 or XLC_SPLIT_MIN=1 act through them) and xl_compile of an entry of a
 * parsed file through a stage. Tests of one pass on purpose (a hand-built graph, one pass's
 * own switches) call that pass directly instead.
 */
#ifndef XLC_TEST_PIPE_TEST_H
#define XLC_TEST_PIPE_TEST_H
#include <stdio.h>
#include <stdlib.h>

#include "options_env.h"
#include "pipeline.h"

static inline const xl_options *pt_options(void) {
  static xl_options o;
  static int init;
  if (!init) {
    o = xl_options_default();
    xl_options_from_env(&o);
    init = 1;
  }
  return &o;
}

/* The graph of `entry` (lang_lower with sets and given tensors) through `stop` (XL_STAGE_CG,
   _CG_GRAD or _CG_OPT) with options o (NULL: pt_options()), or NULL with the failure printed
   on stderr (the lowering's diagnostics go to d). */
static inline cg_graph *pt_graph(xl_arena *ar, const ast *file, lang_diag *d, const char *entry, const lang_set *sets,
                                 int nsets, xt *const *given, int ngiven, xl_grad grad, xl_stage stop,
                                 const xl_options *o) {
  xl_request r = {0};
  r.ar = ar, r.file = file, r.diag = d, r.entry = entry, r.sets = sets, r.nsets = nsets;
  r.given = given, r.ngiven = ngiven, r.grad = grad, r.stop = stop;
  xl_module m;
  char *err = NULL;
  int rc = xl_compile(&r, o ? o : pt_options(), &m, &err);
  if (rc && err) fprintf(stderr, "%s: %s\n", entry, err);
  free(err);
  cg_graph *g = rc ? NULL : xl_module_take_graph(&m);
  xl_module_free(&m);
  return g;
}

/* The same for a graph the test built or changed (taken over; freed on failure). */
static inline cg_graph *pt_more(cg_graph *g, const char *entry, xl_grad grad, xl_stage stop, const xl_options *o) {
  xl_request r = {0};
  r.entry = entry, r.graph = g, r.grad = grad, r.stop = stop;
  xl_module m;
  char *err = NULL;
  int rc = xl_compile(&r, o ? o : pt_options(), &m, &err);
  if (rc && err) fprintf(stderr, "%s: %s\n", entry, err);
  free(err);
  g = rc ? NULL : xl_module_take_graph(&m);
  xl_module_free(&m);
  return g;
}
#endif
