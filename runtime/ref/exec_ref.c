/* exec.c - ref_exec, the reference executor of the cell graph.
 *
 * Interprets a graph node by node in float64 or float32 arithmetic: the kernels are written
 * once in exec_tmpl.h and instantiated here for double and float (<tgmath.h> picks exp/expf
 * etc. by the argument type). Values are dense row-major arrays shaped like their node.
 * Simplicity first: every value lives until the graph (or scan step) is done; no fusion, no
 * threads. User-visible problems (an input of the wrong shape, an index out of range) are
 * returned as messages naming the node, never crashes. This file does not check graph
 * well-formedness: run cg_verify first.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <tgmath.h>

#include "cg.h"

/* ---- dtype-independent helpers ---- */

static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  char *p = xl_vfmt(fmt, ap);
  va_end(ap);
  free(*err);
  *err = p;
}

/* Prefixes an existing message in *err. */
static void wrap_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wrap_err(char **err, const char *fmt, ...) {
  if (!err) return;
  char pre[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  char *old = *err;
  *err = xl_fmt("%s%s", pre, old ? old : "");
  free(old);
}

/* Row-major strides of s. */
static void strides_of(const cg_shape *s, int64_t *st) {
  int64_t m = 1;
  for (int i = s->rank - 1; i >= 0; i--) {
    st[i] = m;
    m *= s->d[i];
  }
}

/* Strides of `in` read while iterating over `out` (same rank): broadcast dims get 0. */
static void bstrides(const cg_shape *in, const cg_shape *out, int64_t *st) {
  strides_of(in, st);
  for (int i = 0; i < in->rank; i++)
    if (in->d[i] == 1 && out->d[i] != 1) st[i] = 0;
}

/* Multi-index iterator over `rank` dims, carrying the offsets of up to 3 operands. */
typedef struct {
  int rank, nop;
  int64_t d[CG_MAXRANK], i[CG_MAXRANK];
  int64_t st[3][CG_MAXRANK], off[3];
} iter;

static void it_init(iter *it, const cg_shape *over, int nop) {
  memset(it, 0, sizeof *it);
  it->rank = over->rank;
  it->nop = nop;
  for (int k = 0; k < over->rank; k++) it->d[k] = over->d[k];
}

static void it_next(iter *it) {
  for (int k = it->rank - 1; k >= 0; k--) {
    it->i[k]++;
    for (int o = 0; o < it->nop; o++) it->off[o] += it->st[o][k];
    if (it->i[k] < it->d[k]) return;
    for (int o = 0; o < it->nop; o++) it->off[o] -= it->st[o][k] * it->d[k];
    it->i[k] = 0;
  }
}

static const char *opname(const cg_node *n) { return cg_ops[n->op].name; }

/* An index value stored as a float: integral and in [0, V). */
static int bad_index(double v, int64_t V) { return !(v >= 0 && v < (double)V) || v != floor(v); }

/* ---- the two instantiations ---- */

#define R double
#define F(name) name##_f64
#include "exec_tmpl.h"
#undef R
#undef F

#define R float
#define F(name) name##_f32
#include "exec_tmpl.h"
#undef R
#undef F

/* ---- entry ---- */

/* A lower bound of what a run allocates: the interpreter keeps every top-level value (inputs
   converted, scan results stacked) until the end, then copies the outputs. */
static double ref_bytes(const cg_graph *g, cg_dtype dt) {
  double n = 0;
  for (int i = 0; i < g->nodes.n; i++) n += (double)cg_numel(&g->nodes.v[i].shape);
  for (int k = 0; k < g->outs.n; k++) n += (double)cg_numel(&g->nodes.v[g->outs.v[k].node].shape);
  return n * (dt == CG_F64 ? 8 : 4);
}

int ref_exec(const cg_graph *g, cg_dtype dt, xt *const *inputs, xt **outputs, char **err) {
  if (err) *err = NULL;
  for (int k = 0; k < g->outs.n; k++) outputs[k] = NULL;
  if (xl_mem_check("the reference executor", ref_bytes(g, dt), "every value of the graph and the outputs", XL_EXEC_ADVICE, err))
    return XL_EXEC_NOMEM;
  int r = dt == CG_F64 ? top_f64(g, inputs, outputs, err) : top_f32(g, inputs, outputs, err);
  if (r) {
    for (int k = 0; k < g->outs.n; k++) {
      xt_free(outputs[k]);
      outputs[k] = NULL;
    }
    wrap_err(err, "ref_exec: ");
  }
  return r;
}

/* One node from operand values (for executors that run most nodes themselves). */
int ref_exec_node(const cg_graph *g, int id, cg_dtype dt, void **vals, char **err) {
  const cg_node *n = &g->nodes.v[id];
  XL_ASSERT(n->op != CG_OP_INPUT && n->op != CG_OP_SCAN && n->op != CG_OP_SCAN_OUT);
  if (err) *err = NULL;
  if (dt == CG_F64) {
    vals_f64 v = {(double **)vals, NULL};
    return node_f64(g, id, NULL, &v, err);
  }
  vals_f32 v = {(float **)vals, NULL};
  return node_f32(g, id, NULL, &v, err);
}
