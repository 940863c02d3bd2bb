/* lower.c - STUB: lowering of the AST to the cell graph (being written). */
#include "lang.h"
int lang_check(xl_arena *ar, const ast *file, lang_diag *d) { (void)ar; (void)file; (void)d; return 0; }
struct cg_graph *lang_lower(xl_arena *ar, const ast *file, const char *entry, const lang_set *sets,
                            int nsets, xt *const *given, int ngiven, lang_diag *d) {
  (void)ar; (void)file; (void)entry; (void)sets; (void)nsets; (void)given; (void)ngiven; (void)d;
  return NULL;
}
