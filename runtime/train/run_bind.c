/* run_bind.c - `xlc run`: give every INPUT node of the cell graph its value.
 *
 * Input: the lowered (and possibly differentiated) graph and the tensors of the --inputs,
 * --params and --cotangents files. Output: one tensor in the compute dtype per INPUT node:
 * data inputs and states from the inputs file, parameters from the params file or their
 * initializer (seeded, computed in f64), cotangents from the cotangents file or zeros.
 * Every mismatch (unknown name, missing input, wrong shape, non-integral token id, NaN) is a
 * user error naming the file and the tensor. Nothing here executes the graph.
 */
#include <math.h>
#include <string.h>

#include "cg.h"
#include "run_bind.h"

/* Which file a kind of INPUT node is read from. */
enum { F_INPUTS, F_PARAMS, F_COTS, F_NONE };

static int file_of(cg_ikind k) {
  switch (k) {
  case CG_IN_INPUT:
  case CG_IN_STATE: return F_INPUTS;
  case CG_IN_PARAM: return F_PARAMS;
  case CG_IN_COT: return F_COTS;
  default: return F_NONE;
  }
}

/* The tensor name a node is looked up by in its file: cotangent "cot.y" is stored as "y". */
static const char *file_name_of(const cg_node *n) {
  if (n->ikind == CG_IN_COT && strncmp(n->name, "cot.", 4) == 0) return n->name + 4;
  return n->name;
}

static const char *file_flag(int f) {
  return f == F_INPUTS ? "--inputs" : f == F_PARAMS ? "--params" : "--cotangents";
}

static const char *kind_word(int f) {
  return f == F_INPUTS ? "an input or state" : f == F_PARAMS ? "a parameter" : "a cotangent of an output";
}

/* Node of g (INPUT, top level) whose file name is `name` and whose file is f; -1 if none. */
static int find_node(const cg_graph *g, const char *name, int f) {
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op == CG_OP_INPUT && n->name && file_of(n->ikind) == f && strcmp(file_name_of(n), name) == 0)
      return i;
  }
  return -1;
}

/* Reports the tensors of file f that match no node; returns their number. */
static int check_unknown(const cg_graph *g, const run_bind_ctx *c, int f, const char *path,
                         const xt_list *l) {
  int bad = 0;
  XL_VEC(const char *) expected = {0};
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op == CG_OP_INPUT && n->name && file_of(n->ikind) == f) xl_vec_push(expected, file_name_of(n));
  }
  for (int k = 0; k < l->v.n; k++) {
    const char *name = l->v.v[k]->name;
    if (find_node(g, name, f) >= 0) continue;
    bad++;
    drv_error("%s: tensor '%s' is not %s of entry '%s'", path, name, kind_word(f), c->entry);
    int other = -1;
    for (int f2 = F_INPUTS; f2 < F_NONE && other < 0; f2++)
      if (f2 != f && find_node(g, name, f2) >= 0) other = f2;
    if (other >= 0) {
      drv_note("'%s' is %s: pass it with %s", name, kind_word(other), file_flag(other));
      continue;
    }
    if (f == F_COTS && cg_find_output(g, name) >= 0) {
      drv_note("output '%s' holds integers and has no cotangent", name);
      continue;
    }
    const char *close = drv_closest(name, expected.v, expected.n);
    if (close) {
      drv_note("did you mean '%s'?", close);
    } else if (expected.n == 0) {
      drv_note("entry '%s' has no %s", c->entry,
               f == F_INPUTS ? "inputs or states" : f == F_PARAMS ? "parameters" : "cotangents");
    } else if (expected.n <= 12) {
      fprintf(stderr, "xlc: note: expected names:");
      for (int i = 0; i < expected.n; i++) fprintf(stderr, " %s", expected.v[i]);
      fputc('\n', stderr);
    }
  }
  free(expected.v);
  return bad;
}

/* Shape of t equals the node's shape; else reports and returns -1. */
static int check_shape(const cg_node *n, const xt *t, const char *path) {
  int ok = t->rank == n->shape.rank;
  for (int i = 0; ok && i < t->rank; i++) ok = t->shape[i] == n->shape.d[i];
  if (ok) return 0;
  char *want = drv_shape_str(n->shape.rank, n->shape.d), *got = drv_shape_str(t->rank, t->shape);
  drv_error("%s: tensor '%s' has shape %s, expected %s", path, t->name, got, want);
  free(want);
  free(got);
  return -1;
}

/* 1 if int input `id` may hold -1 ("not scored"): no gather/scatter indexes with it and it
   does not enter a scan (one_hot gives a zero row for -1; cross_entropy skips it). */
int run_input_maskable(const cg_graph *g, int id) {
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    for (int k = 0; k < n->nin; k++)
      if (n->in[k] == id && (n->op == CG_OP_GATHER || n->op == CG_OP_SCATTER_ADD || n->op == CG_OP_SCAN))
        return 0;
  }
  return 1;
}

/* The body INPUT node that stands for operand k of scan node s, or -1. */
static int scan_body_input(const cg_node *s, int k) {
  int nseq = (int)s->a[CG_SCAN_NSEQ], nconst = (int)s->a[CG_SCAN_NCONST];
  cg_ikind kind = k < nseq ? CG_IN_SEQ : k < nseq + nconst ? CG_IN_CONST : CG_IN_BSTATE;
  int slot = k < nseq ? k : k < nseq + nconst ? k - nseq : k - nseq - nconst;
  for (int i = 0; i < s->body->nodes.n; i++) {
    const cg_node *b = &s->body->nodes.v[i];
    if (b->op == CG_OP_INPUT && b->ikind == kind && b->slot == slot) return i;
  }
  return -1;
}

/* Smallest index range that node `id` of g (or a view of it, or its slices inside a scan)
   is used with: the size of a one_hot, the rows of a gather's table or of a scatter_add's
   result; 0 if it indexes nothing. */
static double index_range(const cg_graph *g, int id) {
  double r = 0;
  for (int i = id + 1; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    for (int k = 0; k < n->nin; k++) {
      if (n->in[k] != id) continue;
      double u = 0;
      switch (n->op) {
      case CG_OP_ONE_HOT: u = (double)n->a[0]; break;
      case CG_OP_GATHER: u = k == 1 ? (double)g->nodes.v[n->in[0]].shape.d[0] : 0; break;
      case CG_OP_SCATTER_ADD: u = k == 1 ? (double)n->shape.d[0] : 0; break;
      case CG_OP_RESHAPE: case CG_OP_TRANSPOSE: case CG_OP_SLICE: case CG_OP_BROADCAST:
      case CG_OP_DETACH: u = index_range(g, i); break;
      case CG_OP_SCAN: {
        int b = scan_body_input(n, k);
        u = b >= 0 ? index_range(n->body, b) : 0;
        break;
      }
      default: break;
      }
      if (u > 0 && (r == 0 || u < r)) r = u;
    }
  }
  return r;
}

/* Range [0, R) of int input n: what it indexes (index_range), else its vocabulary (the
   entry's `hint vocab`), else 0 (unknown). A `positions` input of xlstm_lm_at feeds
   one_hot(positions, T): below T, not below the vocabulary. */
static double int_range(const cg_graph *g, const cg_node *n) {
  double r = index_range(g, (int)(n - g->nodes.v));
  return r > 0 ? r : n->fval > 0 ? n->fval : 0;
}

double run_int_range(const cg_graph *g, int id) { return int_range(g, &g->nodes.v[id]); }

/* Token ids: integral, and in [0, R) when the range R is known (int_range); -1 too when
   `neg1` (a maskable input, see run_input_maskable). */
static int check_int(const cg_graph *g, const cg_node *n, const xt *t, const char *path, int neg1) {
  int64_t m = xt_numel(t);
  double R = int_range(g, n);
  for (int64_t i = 0; i < m; i++) {
    double v = xt_get(t, i);
    int integral = isfinite(v) && v == floor(v);
    int in_range = R <= 0 || (v >= (neg1 ? -1 : 0) && v < R);
    if (integral && in_range) continue;
    char *at = drv_index_str(t->rank, t->shape, i);
    if (!integral)
      drv_error("%s: tensor '%s' must hold integers, but holds %.17g at index %s", path, t->name, v, at);
    else
      drv_error("%s: tensor '%s' holds %.17g at index %s, outside [%d, %.17g)", path, t->name, v, at,
                neg1 ? -1 : 0, R);
    free(at);
    return -1;
  }
  return 0;
}

static void missing(const cg_node *n, const char *what, const char *path, const char *flag) {
  char *want = drv_shape_str(n->shape.rank, n->shape.d);
  if (path)
    drv_error("missing %s '%s' (expected shape %s): not in '%s'", what, n->name, want, path);
  else
    drv_error("missing %s '%s' (expected shape %s): no %s file given", what, n->name, want, flag);
  free(want);
}

/* --random-inputs: a seeded N(0, 1) tensor, or ids uniform in [0, int_range). */
static xt *random_input(const cg_graph *g, const cg_node *n, const run_bind_ctx *c, int *bad) {
  xt *v = xt_new_named(n->name, c->dt, n->shape.rank, n->shape.d);
  xl_rng r;
  char *stream = xl_fmt("input.%s", n->name);
  rng_seed_param(&r, c->seed, stream);
  free(stream);
  double R = n->is_int ? int_range(g, n) : 0;
  if (n->is_int && !(R > 0)) {
    drv_error("--random-inputs: the range of integer input '%s' is unknown (the entry has no `hint vocab`)", n->name);
    xt_free(v);
    *bad = XLC_EXIT_USER;
    return NULL;
  }
  for (int64_t i = 0; i < xt_numel(v); i++)
    xt_set(v, i, n->is_int ? floor(rng_uniform(&r) * R) : rng_normal(&r));
  return v;
}

/* Value of one INPUT node; NULL with *bad set on error, NULL without for a default state. */
static xt *bind_one(const cg_graph *g, const cg_node *n, const run_bind_ctx *c, int *bad) {
  const xt_list *l = NULL;
  const char *path = NULL;
  switch (file_of(n->ikind)) {
  case F_INPUTS: l = c->inputs, path = c->inputs_path; break;
  case F_PARAMS: l = c->params, path = c->params_path; break;
  case F_COTS: l = c->cots, path = c->cot_path; break;
  default:
    drv_internal("input node '%s' of kind %d at the top level of the graph", n->name ? n->name : "?",
                 (int)n->ikind);
    *bad = XLC_EXIT_INTERNAL;
    return NULL;
  }
  const xt *t = n->name ? xtl_find(l, file_name_of(n)) : NULL;
  if (t) {
    if (check_shape(n, t, path) != 0 || (n->is_int && check_int(g, n, t, path, run_input_maskable(g, (int)(n - g->nodes.v))) != 0)) {
      *bad = XLC_EXIT_USER;
      return NULL;
    }
    xt *v = xt_convert(t, c->dt);
    if (!v->name) v->name = xl_strdup(n->name);
    return v;
  }
  switch (n->ikind) {
  case CG_IN_INPUT:
    if (c->random_inputs) return random_input(g, n, c, bad);
    missing(n, n->is_int ? "integer input" : "input", path, "--inputs");
    *bad = XLC_EXIT_USER;
    return NULL;
  case CG_IN_STATE: return NULL; /* the executor fills the node's default */
  case CG_IN_COT: return xt_new_named(n->name, c->dt, n->shape.rank, n->shape.d); /* zeros */
  default: break;
  }
  /* a parameter not in the file: its initializer, in f64 for every compute dtype */
  xt *p = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
  char *err = NULL;
  if (init_fill(p, &n->init, c->seed, n->name, &err) != 0) {
    drv_internal("cannot initialize parameter '%s': %s", n->name, err ? err : "(no message)");
    free(err);
    xt_free(p);
    *bad = XLC_EXIT_INTERNAL;
    return NULL;
  }
  if (c->dt == XT_F64) return p;
  xt *v = xt_convert(p, c->dt);
  if (!v->name) v->name = xl_strdup(n->name);
  xt_free(p);
  return v;
}

/* 0 if the input tensors run_bind makes (one per INPUT node, in c->dt) fit in memory, else
   an error message and XLC_EXIT_USER */
static int check_input_memory(const cg_graph *g, const run_bind_ctx *c) {
  double n = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT) n += (double)cg_numel(&g->nodes.v[i].shape);
  char *err = NULL, *what = xl_fmt("binding the inputs of entry '%s'", c->entry);
  int rc = xl_mem_check(what, n * xt_dtype_size(c->dt), "inputs, parameters and states", XL_EXEC_ADVICE, &err);
  if (rc) drv_error("%s", err);
  free(err);
  free(what);
  return rc ? XLC_EXIT_USER : XLC_EXIT_OK;
}

int run_bind(const cg_graph *g, const run_bind_ctx *c, xt **vals) {
  for (int i = 0; i < g->nodes.n; i++) vals[i] = NULL;
  int rc = check_input_memory(g, c);
  if (rc) return rc;
  int unknown = check_unknown(g, c, F_INPUTS, c->inputs_path, c->inputs);
  unknown += check_unknown(g, c, F_PARAMS, c->params_path, c->params);
  unknown += check_unknown(g, c, F_COTS, c->cot_path, c->cots);
  if (unknown) rc = XLC_EXIT_USER;
  for (int i = 0; i < g->nodes.n; i++) vals[i] = NULL;
  for (int i = 0; rc != XLC_EXIT_INTERNAL && i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    int bad = 0;
    vals[i] = bind_one(g, n, c, &bad);
    if (bad > rc) rc = bad;
  }
  if (rc != XLC_EXIT_OK)
    for (int i = 0; i < g->nodes.n; i++) {
      if (vals[i]) xt_free(vals[i]);
      vals[i] = NULL;
    }
  return rc;
}

static int is_float(xt_dtype d) { return d == XT_F64 || d == XT_F32 || d == XT_BF16 || d == XT_F16; }

int run_check_finite(const char *path, const xt_list *l) {
  int bad = 0;
  for (int k = 0; k < l->v.n; k++) {
    const xt *t = l->v.v[k];
    if (!is_float(t->dtype)) continue;
    int64_t m = xt_numel(t);
    for (int64_t i = 0; i < m; i++) {
      double v = xt_get(t, i);
      if (isfinite(v)) continue;
      char *at = drv_index_str(t->rank, t->shape, i);
      drv_error("%s: tensor '%s' holds %s at index %s (element %lld)", path, t->name,
                isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf", at, (long long)i);
      free(at);
      bad++;
      break;
    }
  }
  return bad;
}
