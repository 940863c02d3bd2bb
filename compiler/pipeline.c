/* pipeline.c - xl_compile: the stages of the compiler in order, one line each (pipeline.h).
 *
 * Each stage is a small function returning a code and a message; xl_compile calls them in
 * order, stopping at the request's last stage, at the first failure or when the hook says so.
 * The messages are the ones the command line has always printed (tests/errors and tests/cli
 * compare them).
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "kir_mlir.h"

/* ---- stage entries ---- */

static mp_plan *mem_plan(const cg_graph *g, const kp_plan *p, cg_dtype dt) {
  return mp_build(g, p, dt == CG_F64 ? sizeof(double) : sizeof(float));
}

void xl_plan_graph(const cg_graph *g, cg_dtype dt, const xl_options *o, kp_plan **plan, mp_plan **mp) {
  kp_target def = kp_target_cpu();
  *plan = kp_build(g, o ? &o->target : &def);
  if (mp) *mp = mem_plan(g, *plan, dt);
}

char *xl_emit_kernel(const kir_kernel *k, cg_dtype dt, const xl_options *o) { return kir_to_mlir(k, dt, &o->emit); }

/* ---- the graph stages ---- */

/* cg_verify of g; its findings become the message, after a line naming the stage. */
static int verify(const cg_graph *g, const char *entry, const char *after, char **err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  int n = mem ? cg_verify(g, mem) : cg_verify(g, stderr);
  if (mem) fclose(mem);
  if (n) {
    if (buf && len && buf[len - 1] == '\n') buf[len - 1] = 0; /* the caller ends the message */
    *err = xl_fmt("the cell graph of '%s' fails verification after %s (%d problem%s):%s%s", entry, after, n,
                  n == 1 ? "" : "s", buf && *buf ? "\n" : "", buf ? buf : "");
  }
  free(buf);
  return n ? XL_COMPILE_INTERNAL : XL_COMPILE_OK;
}

static int stage_lower(const xl_request *r, xl_module *m, char **err) {
  int nerr0 = r->diag->nerr;
  m->g = lang_lower(r->ar, r->file, r->entry, r->sets, r->nsets, r->given, r->ngiven, r->diag);
  if (!m->g) {
    if (r->diag->nerr > nerr0) return XL_COMPILE_USER;
    *err = xl_fmt("lowering of entry '%s' failed without a diagnostic", r->entry);
    return XL_COMPILE_INTERNAL;
  }
  if (r->diag->nerr > nerr0) { /* a graph and errors: trust the errors */
    cg_free(m->g);
    m->g = NULL;
    return XL_COMPILE_USER;
  }
  return verify(m->g, r->entry, "lowering", err);
}

/* loss mode needs a scalar float output "loss" (a user's mistake otherwise) */
static int check_loss(const cg_graph *g, const char *entry, char **err) {
  int k = cg_find_output(g, "loss");
  if (k < 0) {
    *err = xl_fmt("entry '%s' has no output 'loss'", entry);
    return XL_COMPILE_USER;
  }
  const cg_node *n = &g->nodes.v[g->outs.v[k].node];
  if (cg_numel(&n->shape) != 1) {
    char *sh = xl_strdup("[");
    for (int i = 0; i < n->shape.rank; i++) {
      char *t = xl_fmt("%s%s%lld", sh, i ? ", " : "", (long long)n->shape.d[i]);
      free(sh);
      sh = t;
    }
    *err = xl_fmt("output 'loss' of entry '%s' has shape %s]; --loss needs a scalar", entry, sh);
    free(sh);
    return XL_COMPILE_USER;
  }
  if (n->is_int) {
    *err = xl_fmt("output 'loss' of entry '%s' holds integers and cannot be differentiated", entry);
    return XL_COMPILE_USER;
  }
  return XL_COMPILE_OK;
}

static int stage_grad(const xl_request *r, const xl_options *o, xl_module *m, char **err) {
  int loss = r->grad == XL_GRAD_LOSS;
  if (loss && check_loss(m->g, r->entry, err)) return XL_COMPILE_USER;
  char *e = NULL;
  if (ad_append_backward(m->g, loss ? "loss" : NULL, o, &e) != 0) {
    *err = xl_fmt("autodiff of entry '%s' failed: %s", r->entry, e ? e : "(no message)");
    free(e);
    return XL_COMPILE_INTERNAL;
  }
  return verify(m->g, r->entry, "autodiff", err);
}

/* cg_optimize verifies its result itself (a failure is its error) */
static int stage_opt(const xl_request *r, const xl_options *o, xl_module *m, char **err) {
  memset(&m->opt, 0, sizeof m->opt);
  if (!o->cg_opt) { /* for before/after measurements */
    m->opt.nodes_before = m->opt.nodes_after = cg_count_nodes(m->g);
    return XL_COMPILE_OK;
  }
  char *e = NULL;
  if (cg_optimize(m->g, &m->opt, &e) != 0) {
    *err = xl_fmt("cg-opt of entry '%s' failed: %s", r->entry, e ? e : "(no message)");
    free(e);
    return XL_COMPILE_INTERNAL;
  }
  return XL_COMPILE_OK;
}

/* ---- emit: every kernel of the plan, scan bodies right after their step ---- */

static void emit_plan(const kp_plan *p, cg_dtype dt, const xl_options *o, xl_module *m) {
  for (int i = 0; i < p->steps.n; i++) {
    const kp_step *s = &p->steps.v[i];
    if (s->kind == KP_KERNEL) {
      xl_kernel_text k = {p, i, xl_emit_kernel(s->kir, dt, o)};
      xl_vec_push(m->kern, k);
    }
    if (s->kind == KP_REF && s->body) emit_plan(s->body, dt, o, m);
  }
}

/* ---- the pipeline ---- */

int xl_compile(const xl_request *r, const xl_options *o, xl_module *m, char **err) {
  xl_options def = xl_options_default();
  if (!o) o = &def;
  memset(m, 0, sizeof *m);
  m->done = -1;
  *err = NULL;
  int rc = XL_COMPILE_OK;
#define STAGE(id, call)                                                                       \
  do {                                                                                        \
    if ((rc = (call)) != XL_COMPILE_OK) return rc;                                            \
    m->done = (id);                                                                           \
    if (r->hook && (rc = r->hook((id), m, r->hook_ud)) != XL_COMPILE_OK) return rc;           \
    if (r->stop <= (id)) return XL_COMPILE_OK;                                                \
  } while (0)
  if (r->graph) m->g = r->graph;
  STAGE(XL_STAGE_CG, r->graph ? XL_COMPILE_OK : stage_lower(r, m, err));
  STAGE(XL_STAGE_CG_GRAD, r->grad != XL_GRAD_NONE ? stage_grad(r, o, m, err) : XL_COMPILE_OK);
  STAGE(XL_STAGE_CG_OPT, stage_opt(r, o, m, err));
  STAGE(XL_STAGE_KPLAN, (xl_plan_graph(m->g, r->dt, o, &m->plan, NULL), XL_COMPILE_OK));
  STAGE(XL_STAGE_MEM, (m->mp = mem_plan(m->g, m->plan, r->dt), XL_COMPILE_OK));
  STAGE(XL_STAGE_EMIT, (emit_plan(m->plan, r->dt, o, m), XL_COMPILE_OK));
#undef STAGE
  return rc;
}

cg_graph *xl_module_take_graph(xl_module *m) {
  cg_graph *g = m->g;
  m->g = NULL;
  return g;
}

void xl_module_free(xl_module *m) {
  for (int i = 0; i < m->kern.n; i++) free(m->kern.v[i].text);
  free(m->kern.v);
  if (m->mp) mp_free(m->mp);
  if (m->plan) kp_free(m->plan);
  if (m->g) cg_free(m->g);
  memset(m, 0, sizeof *m);
  m->done = -1;
}
