/* plan_walk.c - walking a kernel plan step by step, scan bodies included (drv_plan_walk,
 * drv_kernel_comment: driver.h), for `xlc build` and `xlc dump --stage=mlir`. Needs no backend.
 */
#include "cg.h"
#include "driver.h"
#include "kplan.h"

static int walk(const kp_plan *p, const char *where, double reps, drv_step_fn fn, void *ud) {
  for (int i = 0; i < p->steps.n; i++) {
    const kp_step *s = &p->steps.v[i];
    int rc = fn(p, i, where, reps, ud);
    if (rc) return rc;
    if (s->kind == KP_REF && s->body) {
      const cg_node *n = &p->g->nodes.v[s->node];
      const cg_shape *s0 = &p->g->nodes.v[n->in[0]].shape; /* first sequence input */
      double len = (double)s0->d[n->a[CG_SCAN_AXIS]];
      char *w = *where ? xl_fmt("%s / scan %%%d", where, s->node) : xl_fmt("scan %%%d", s->node);
      rc = walk(s->body, w, reps * len, fn, ud);
      free(w);
      if (rc) return rc;
    }
  }
  return 0;
}

int drv_plan_walk(const kp_plan *p, drv_step_fn fn, void *ud) { return walk(p, "", 1.0, fn, ud); }

void drv_kernel_comment(const kp_plan *p, int step, const char *where, FILE *out) {
  const kp_step *s = &p->steps.v[step];
  XL_ASSERT(s->kind == KP_KERNEL && s->kir);
  fprintf(out, "// kernel %s: fuses", s->kir->name);
  for (int j = 0; j < s->nodes.n; j++)
    fprintf(out, "%s %%%d %s", j ? "," : "", s->nodes.v[j], cg_ops[p->g->nodes.v[s->nodes.v[j]].op].name);
  if (*where) fprintf(out, " (body of %s)", where);
  fputc('\n', out);
}
