/* lower.c - lowering of one entry of a .xl file to the cell graph.
 *
 * Evaluates the AST with concrete configuration values: compile-time expressions become
 * values, tensor expressions become CG nodes (via lower_ops.c). Blocks are inlined at each
 * call; parameters become INPUT nodes of kind PARAM named by their dotted path; a `scan` of a
 * cell becomes a SCAN node whose body is the cell's step; every scan's states become STATE
 * inputs "state.<path>" and final-state outputs of the same name. Errors are diagnostics
 * (deduplicated); evaluation continues with an error value so several errors are reported.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "lower_int.h"

int lw_is_builtin(const char *name);

/* ---- values and scopes ---- */

static lw_val err_val = {.k = V_ERR};
lw_val *lw_err(void) { return &err_val; }

lw_val *lw_new(lw_ctx *c, lw_vkind k) {
  lw_val *v = xl_arena_alloc(c->ar, sizeof *v);
  v->k = k;
  v->node = -1;
  return v;
}

lw_val *lw_int(lw_ctx *c, int64_t x) {
  lw_val *v = lw_new(c, V_INT);
  v->i = x;
  return v;
}

lw_val *lw_float(lw_ctx *c, double x) {
  lw_val *v = lw_new(c, V_FLOAT);
  v->f = x;
  return v;
}

int lw_numel(int rank, const lw_dim *d, int64_t lead, int64_t *n) {
  int64_t p = lead;
  for (int i = 0; i < rank; i++)
    if (d[i].v < 0 || __builtin_mul_overflow(p, d[i].v, &p)) return -1;
  *n = p;
  return p <= LW_MAX_NUMEL ? 0 : -1;
}

/* A tensor value of the given per-example shape. A shape of more than LW_MAX_NUMEL elements
   (with the batch) is an error at the expression being lowered, and gives an error value. */
lw_val *lw_tensor(lw_ctx *c, int node, int batched, int rank, const lw_dim *d) {
  int64_t n;
  if (lw_numel(rank, d, batched && c->batch.v > 0 ? c->batch.v : 1, &n)) {
    lw_val shape = {.rank = rank};
    memcpy(shape.d, d, sizeof(lw_dim) * (size_t)rank);
    char *ss = lw_shape_str(&shape);
    lw_error(c, c->loc, "the shape %s has too many elements (at most 2^40%s)", ss, batched ? " with the batch" : "");
    free(ss);
    return lw_new(c, V_ERR); /* not the shared error value: callers still fill in its fields */
  }
  lw_val *v = lw_new(c, V_TENSOR);
  v->node = node;
  v->batched = batched;
  v->rank = rank;
  for (int i = 0; i < rank; i++) v->d[i] = d[i];
  return v;
}

const char *lw_kind_name(lw_vkind k) {
  static const char *n[] = {"error", "nothing", "integer", "float", "bool", "string", "list",
                            "tuple", "tensor", "initializer", "instance"};
  return n[k];
}

int lw_is_num(const lw_val *v) { return v->k == V_INT || v->k == V_FLOAT || v->k == V_BOOL; }
double lw_num(const lw_val *v) { return v->k == V_FLOAT ? v->f : (double)v->i; }

char *lw_shape_str(const lw_val *t) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "[");
  for (int i = 0; i < t->rank && n < 400; i++) {
    if (t->d[i].sym)
      n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%s=%lld", i ? ", " : "", t->d[i].sym, (long long)t->d[i].v);
    else
      n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%lld", i ? ", " : "", (long long)t->d[i].v);
  }
  snprintf(buf + n, sizeof buf - (size_t)n, "]");
  return xl_strdup(buf);
}

lw_scope *lw_scope_new(lw_ctx *c, lw_scope *parent) {
  lw_scope *s = xl_arena_alloc(c->ar, sizeof *s);
  s->parent = parent;
  return s;
}

void lw_bind_set(lw_ctx *c, lw_scope *s, const char *name, lw_val *v) {
  lw_bind *b = xl_arena_alloc(c->ar, sizeof *b);
  b->name = name;
  b->v = v;
  b->next = s->head;
  s->head = b;
}

lw_bind *lw_lookup(lw_scope *s, const char *name) {
  for (; s; s = s->parent)
    for (lw_bind *b = s->head; b; b = b->next)
      if (strcmp(b->name, name) == 0) return b;
  return NULL;
}

void lw_near_init(lw_near *n, const char *s) {
  n->s = s;
  n->best = NULL;
  n->d = xl_suggest_limit(s) + 1;
}

void lw_near_offer(lw_near *n, const char *cand) {
  if (!cand || !strcmp(cand, n->s) || strchr(cand, '\'')) return; /* never NAME' */
  int d = xl_edit_distance(n->s, cand);
  if (d < n->d) {
    n->d = d;
    n->best = cand;
  }
}

void lw_near_scope(lw_near *n, const lw_scope *s) {
  for (; s; s = s->parent)
    for (const lw_bind *b = s->head; b; b = b->next) lw_near_offer(n, b->name);
}

const char *lw_near_hint(lw_ctx *c, const lw_near *n) {
  return n->best ? lw_fmt(c, "; did you mean '%s'?", n->best) : "";
}

const char *lw_name_hint(lw_ctx *c, const lw_scope *s, const char *name) {
  lw_near n;
  lw_near_init(&n, name);
  lw_near_scope(&n, s);
  for (int i = 0; i < c->file->list.n; i++) lw_near_offer(&n, c->file->list.v[i]->name);
  lw_near_builtins(&n);
  return lw_near_hint(c, &n);
}

static lw_bind *lookup_local(lw_scope *s, const char *name) {
  for (lw_bind *b = s->head; b; b = b->next)
    if (strcmp(b->name, name) == 0) return b;
  return NULL;
}

char *lw_fmt(lw_ctx *c, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return xl_arena_strdup(c->ar, buf);
}

lw_val *lw_error(lw_ctx *c, xl_loc loc, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  uint64_t h = xl_hash_str(msg) ^ ((uint64_t)loc.line << 32) ^ (uint64_t)loc.col ^ xl_hash_str(loc.file ? loc.file : "");
  c->errs++; /* counted even when the message was already printed */
  for (int i = 0; i < c->seen.n; i++)
    if (c->seen.v[i] == h) return lw_err();
  xl_vec_push(c->seen, h);
  diag_error(c->d, loc, "%s", msg);
  return lw_err();
}

void lw_warn(lw_ctx *c, xl_loc loc, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* deduplicated like errors (a block applied in a loop warns once per place), apart from them */
  uint64_t h = ~(xl_hash_str(msg) ^ ((uint64_t)loc.line << 32) ^ (uint64_t)loc.col ^ xl_hash_str(loc.file ? loc.file : ""));
  for (int i = 0; i < c->seen.n; i++)
    if (c->seen.v[i] == h) return;
  xl_vec_push(c->seen, h);
  diag_warn(c->d, loc, "%s", msg);
}

int lw_to_int(lw_ctx *c, lw_val *v, xl_loc loc, int64_t *out) {
  if (v->k == V_ERR) return -1;
  if (v->k == V_INT) {
    *out = v->i;
    return 0;
  }
  if (v->k == V_FLOAT && v->f == floor(v->f) && fabs(v->f) < 9e15) {
    *out = (int64_t)v->f;
    return 0;
  }
  lw_error(c, loc, "expected an integer, got %s", v->k == V_FLOAT ? lw_fmt(c, "%g", v->f) : lw_kind_name(v->k));
  return -1;
}

/* The length of the range a..b of a loop or list comprehension (`what`), or -1 after an error
   at loc: b < a is a mistake (L = -2 would build nothing), 0..0 is empty, and the length is
   computed without overflow. */
static int64_t range_len(lw_ctx *c, int64_t a, int64_t b, xl_loc loc, const char *what) {
  if (b < a) {
    lw_error(c, loc, "empty range %lld..%lld: the end is before the start", (long long)a, (long long)b);
    return -1;
  }
  uint64_t n = (uint64_t)b - (uint64_t)a; /* exact for b >= a */
  if (n > 100000) {
    lw_error(c, loc, "%s of %llu %s is too long (at most 100000)", what, (unsigned long long)n,
             strcmp(what, "loop") ? "elements" : "iterations");
    return -1;
  }
  return (int64_t)n;
}

static const ast *find_def(const ast *file, const char *name) {
  for (int i = 0; i < file->list.n; i++)
    if (file->list.v[i]->kind == AST_DEF && strcmp(file->list.v[i]->name, name) == 0) return file->list.v[i];
  return NULL;
}

static const char *def_kind_name(const ast *def) {
  return def->op == AST_DEF_CELL ? "cell" : def->op == AST_DEF_BLOCK ? "block" : def->op == AST_DEF_FN ? "helper" : "model";
}

/* ---- dotted names: a.b[2].c -> "a.b.2.c" ---- */

static char *flatten(lw_ctx *c, lw_scope *s, const ast *e) {
  if (e->kind == AST_NAME) return xl_arena_strdup(c->ar, e->name);
  if (e->kind == AST_MEMBER) {
    char *p = flatten(c, s, e->a);
    if (!p) return NULL;
    char *r = xl_fmt("%s.%s", p, e->name);
    char *q = xl_arena_strdup(c->ar, r);
    free(r);
    return q;
  }
  if (e->kind == AST_INDEX && e->list.n == 1) {
    char *p = flatten(c, s, e->a);
    if (!p) return NULL;
    lw_val *iv = lw_eval(c, s, e->list.v[0]);
    int64_t i;
    if (iv->k != V_INT || lw_to_int(c, iv, e->list.v[0]->loc, &i)) return NULL;
    char *r = xl_fmt("%s.%lld", p, (long long)i);
    char *q = xl_arena_strdup(c->ar, r);
    free(r);
    return q;
  }
  return NULL;
}

/* ---- instances ---- */

static int is_compile_time(const lw_val *v) { return v->k != V_TENSOR && v->k != V_INST && v->k != V_TUPLE; }

/* "; did you mean 'X'?" for a misspelt configuration (or helper) parameter, or "" */
static const char *param_hint(lw_ctx *c, const ast_list *params, const char *name) {
  lw_near n;
  lw_near_init(&n, name);
  for (int j = 0; j < params->n; j++) lw_near_offer(&n, params->v[j]->name);
  return lw_near_hint(c, &n);
}

/* "; did you mean 'X'?" for a misspelt input of def (its `in` items, those of `for` and `if` too) */
static void offer_inputs(lw_near *n, const ast_list *l) {
  for (int i = 0; i < l->n; i++) {
    if (l->v[i]->kind == AST_IN) lw_near_offer(n, l->v[i]->name);
    if (l->v[i]->kind == AST_FOR || l->v[i]->kind == AST_WHEN) {
      offer_inputs(n, &l->v[i]->list);
      offer_inputs(n, &l->v[i]->list2);
    }
  }
}

static const char *input_hint(lw_ctx *c, const ast *def, const char *name) {
  lw_near n;
  lw_near_init(&n, name);
  offer_inputs(&n, &def->list);
  return lw_near_hint(c, &n);
}

/* How bind_args words its messages and what it demands of a value: a definition's
   configuration (an instance declaration) or a helper's parameters (a call). */
typedef struct {
  int helper; /* 0: configuration parameters (values known at compile time), 1: a helper's */
} lw_binder;

/* Binds call's arguments (positional, then keyword) and the defaults of def's parameters
   (def->list2, in order: a default may use earlier parameters) in scope `into`; arguments are
   evaluated in s. Every mistake is reported (unknown or repeated names with a suggestion, too
   many or missing arguments, a configuration value not known at compile time); 1 if any. */
static int bind_args(lw_ctx *c, lw_scope *s, const ast *def, const ast *call, lw_scope *into, const lw_binder *b) {
  const ast_list *params = &def->list2;
  int npos = 0, bad = 0;
  for (int i = 0; i < call->list.n; i++) {
    const ast *a = call->list.v[i];
    const char *pname;
    const ast *ve = a;
    if (a->kind == AST_KWARG) {
      pname = a->name;
      ve = a->a;
      int j = 0;
      while (j < params->n && strcmp(params->v[j]->name, pname)) j++;
      if (j == params->n) {
        if (b->helper)
          lw_error(c, a->loc, "helper '%s' has no parameter '%s'%s", def->name, pname, param_hint(c, params, pname));
        else
          lw_error(c, a->loc, "%s '%s' has no configuration parameter '%s'%s", def_kind_name(def), def->name, pname,
                   param_hint(c, params, pname));
        bad = 1;
        continue;
      }
      if (lookup_local(into, pname)) {
        lw_error(c, a->loc, b->helper ? "argument '%s' given twice" : "configuration parameter '%s' given twice", pname);
        bad = 1;
        continue;
      }
    } else {
      if (npos >= params->n) {
        if (b->helper)
          lw_error(c, a->loc, "too many arguments for helper '%s' (it takes %d, got %d)", def->name, params->n,
                   call->list.n);
        else
          lw_error(c, a->loc, "too many arguments for %s '%s' (it has %d configuration parameters)", def_kind_name(def),
                   def->name, params->n);
        bad = 1;
        if (b->helper) break;
        continue;
      }
      pname = params->v[npos++]->name;
    }
    lw_val *v = lw_eval(c, s, ve);
    if (v->k == V_ERR) {
      bad = 1;
      if (!b->helper) continue;
    } else if (!b->helper && !is_compile_time(v)) {
      lw_error(c, ve->loc, "configuration value '%s' must be known at compile time, not a %s", pname, lw_kind_name(v->k));
      bad = 1;
      continue;
    }
    lw_bind_set(c, into, pname, v);
  }
  for (int j = 0; j < params->n; j++) {
    if (lookup_local(into, params->v[j]->name)) continue;
    if (!params->v[j]->a) {
      if (!bad && b->helper)
        lw_error(c, call->loc, "missing argument '%s' for helper '%s' (it takes %d, got %d)", params->v[j]->name,
                 def->name, params->n, call->list.n);
      else if (!bad)
        lw_error(c, call->loc, "missing configuration value '%s' for %s '%s'", params->v[j]->name, def_kind_name(def),
                 def->name);
      bad = 1;
      continue;
    }
    lw_val *v = lw_eval(c, into, params->v[j]->a);
    if (v->k == V_ERR) {
      bad = 1;
      if (!b->helper) continue;
    }
    lw_bind_set(c, into, params->v[j]->name, v);
  }
  return bad;
}

/* def(args) in an instance declaration: bind the configuration. */
static lw_val *make_inst(lw_ctx *c, lw_scope *s, const ast *def, const ast *call) {
  lw_scope *cfg = lw_scope_new(c, NULL);
  static const lw_binder config = {0};
  if (bind_args(c, s, def, call, cfg, &config)) return lw_err();
  lw_val *v = lw_new(c, V_INST);
  v->inst = xl_arena_alloc(c->ar, sizeof(lw_inst));
  v->inst->def = def;
  v->inst->cfg = cfg;
  v->inst->path = "";
  return v;
}

static lw_val *with_path(lw_ctx *c, lw_val *v, const char *path) {
  lw_val *n = lw_new(c, V_INST);
  n->inst = xl_arena_alloc(c->ar, sizeof(lw_inst));
  *n->inst = *v->inst;
  n->inst->path = xl_arena_strdup(c->ar, path);
  return n;
}

/* ---- the body of a definition ---- */

typedef struct {
  lw_val **args; /* positional tensors for `in`, NULL entries = entry mode (create inputs) */
  const char **argn; /* names for keyword arguments (NULL = positional) */
  xl_loc *argloc;
  int nargs;
  int used;
  /* cell step */
  int in_cell;
  XL_VEC(const ast *) states;
  XL_VEC(int) state_in; /* body input node per state */
  XL_VEC(lw_val *) state_new;
  XL_VEC(double) state_fill;
  /* outputs */
  XL_VEC(const char *) outn;
  XL_VEC(lw_val *) outv;
  XL_VEC(xl_loc) outloc;
  /* entry mode */
  int entry;
  int entry_cell;        /* scan entry: inputs get a leading T axis */
  xt *const *given;
  int ngiven;
  XL_VEC(int) seq_outer; /* scan: outer nodes of the sequence inputs */
  XL_VEC(int) const_outer;
  XL_VEC(const char *) in_names;
  xl_loc call_loc;
  lw_inst *inst;
  double vocab;
} lw_frame;

static void run_items(lw_ctx *c, lw_scope *s, lw_frame *f, const ast_list *items);
static int declares_params(const ast_list *l);

static void frame_free(lw_frame *f) {
  free(f->states.v);
  free(f->state_in.v);
  free(f->state_new.v);
  free(f->state_fill.v);
  free(f->outn.v);
  free(f->outv.v);
  free(f->outloc.v);
  free(f->seq_outer.v);
  free(f->const_outer.v);
  free(f->in_names.v);
}

static int eval_dims(lw_ctx *c, lw_scope *s, const ast *type, lw_dim *d, int *ell, int bind_free,
                     const lw_val *actual, int actual_off, xl_loc argloc, const char *what);

/* Resolve a free dimension (not a configuration name): from settings, given tensors, check defaults. */
static int free_dim(lw_ctx *c, const char *name, int64_t *out) {
  lw_bind *b = lw_lookup(c->free_dims, name);
  if (b) {
    *out = b->v->i;
    return 0;
  }
  for (int i = 0; i < c->nsets; i++)
    if (strcmp(c->sets[i].key, name) == 0) {
      char *end;
      long long v = strtoll(c->sets[i].val, &end, 10);
      if (*end || v < 1) return -1;
      *out = v;
      lw_bind_set(c, c->free_dims, name, lw_int(c, v));
      return 0;
    }
  if (c->check_mode) {
    static const int primes[] = {5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    *out = primes[c->next_free++ % 10];
    lw_bind_set(c, c->free_dims, name, lw_int(c, *out));
    return 0;
  }
  return 1;
}

static const xt *find_given(lw_frame *f, const char *name) {
  for (int i = 0; i < f->ngiven; i++)
    if (f->given[i] && f->given[i]->name && strcmp(f->given[i]->name, name) == 0) return f->given[i];
  return NULL;
}

static int set_batch(lw_ctx *c, int64_t b, xl_loc loc, const char *from) {
  if (c->batch.v == 0) {
    c->batch = (lw_dim){b, "B"};
    return 0;
  }
  if (c->batch.v != b) {
    lw_error(c, loc, "batch size of %s is %lld, but it was %lld before", from, (long long)b, (long long)c->batch.v);
    return -1;
  }
  return 0;
}

/* An instance's name for messages: its path without the trailing '.', or the definition's name. */
static const char *inst_name(lw_ctx *c, const lw_inst *in) {
  size_t n = strlen(in->path);
  return n ? lw_fmt(c, "%.*s", (int)(n - 1), in->path) : in->def->name;
}

/* entry mode: create the INPUT node for `in NAME: TYPE` */
static lw_val *entry_input(lw_ctx *c, lw_scope *s, lw_frame *f, const ast *item) {
  const ast *type = item->a;
  const xt *g = find_given(f, item->name);
  int off = f->entry_cell ? 2 : 1; /* [B, (T,) dims...] */
  lw_dim d[LW_MAXRANK];
  int ell = 0;
  if (g) {
    if (g->rank < off) {
      return lw_error(c, item->loc, "input '%s' has rank %d; it needs a batch axis%s", item->name, g->rank,
                      f->entry_cell ? " and a sequence axis" : "");
    }
    if (set_batch(c, g->shape[0], item->loc, lw_fmt(c, "input '%s'", item->name))) return lw_err();
    lw_val actual = {.k = V_TENSOR, .rank = g->rank - 1};
    for (int i = 1; i < g->rank && i - 1 < LW_MAXRANK; i++) actual.d[i - 1] = (lw_dim){g->shape[i], NULL};
    if (f->entry_cell) {
      lw_bind *tb = lw_lookup(c->free_dims, "T");
      if (tb && tb->v->i != g->shape[1])
        return lw_error(c, item->loc, "input '%s' has %lld steps, another input has %lld", item->name,
                        (long long)g->shape[1], (long long)tb->v->i);
      if (!tb) lw_bind_set(c, c->free_dims, "T", lw_int(c, g->shape[1]));
    }
    int r = eval_dims(c, s, type, d, &ell, 1, &actual, f->entry_cell ? 1 : 0, item->loc, item->name);
    if (r < 0) return lw_err();
  } else {
    if (c->batch.v == 0) {
      int64_t b;
      int rc = free_dim(c, "B", &b);
      if (rc) return lw_error(c, item->loc, "cannot tell the batch size for input '%s': give --inputs or --set B=N", item->name);
      c->batch = (lw_dim){b, "B"};
    }
    int r = eval_dims(c, s, type, d, &ell, 1, NULL, 0, item->loc, item->name);
    if (r < 0) return lw_err();
    if (ell && !c->check_mode)
      return lw_error(c, item->loc, "input '%s' has '...' in its shape: give it with --inputs (its leading axes come from there)",
                      item->name);
  }
  int rank = 0;
  lw_dim full[LW_MAXRANK];
  if (f->entry_cell) {
    int64_t T;
    if (free_dim(c, "T", &T))
      return lw_error(c, item->loc, "cannot tell the sequence length for input '%s': give --inputs or --set T=N", item->name);
    full[rank++] = (lw_dim){T, "T"};
  }
  /* '...': the leading axes of the given tensor, or (check) one axis of a placeholder size */
  int lead = !ell ? 0 : g ? g->rank - off - (type->list.n - 1) : 1;
  for (int i = 0; i < type->list.n && rank < LW_MAXRANK; i++) {
    if (type->list.v[i]->kind != AST_ELLIPSIS) {
      full[rank++] = d[i];
      continue;
    }
    for (int k = 0; k < lead && rank < LW_MAXRANK; k++) {
      int64_t v = 0;
      if (g) v = g->shape[off + k];
      else free_dim(c, lw_fmt(c, "...%d", k), &v); /* check mode: a placeholder */
      full[rank++] = (lw_dim){v, NULL};
    }
  }
  if (ell && c->ell_rank < 0) c->ell_rank = lead;
  lw_val *t = lw_tensor(c, -1, 1, rank, full);
  t->is_int = type->is_int;
  if (g) {
    int ok = g->rank == rank + 1;
    for (int i = 0; ok && i < rank; i++) ok = g->shape[i + 1] == full[i].v;
    if (!ok) {
      char *es = lw_shape_str(t), *gs = xt_shape_str(g->rank, g->shape);
      lw_error(c, item->loc, "input '%s' has shape %s, expected [B, %s", item->name, gs, es + 1);
      free(es);
      free(gs);
      return lw_err();
    }
  }
  cg_shape cs = lw_cg_shape(c, t);
  t->node = cg_input(c->top, CG_IN_INPUT, item->name, 0, cs, item->loc);
  c->top->nodes.v[t->node].is_int = t->is_int;
  return t;
}

/* Evaluates the dims of a type; with `actual`, matches them (binding free names). Returns rank. */
static int eval_dims(lw_ctx *c, lw_scope *s, const ast *type, lw_dim *d, int *ell, int bind_free,
                     const lw_val *actual, int actual_off, xl_loc argloc, const char *what) {
  int n = type->list.n;
  *ell = 0;
  if (n > LW_MAXRANK) {
    lw_error(c, type->loc, "too many dimensions (at most %d)", LW_MAXRANK);
    return -1;
  }
  int arank = actual ? actual->rank - actual_off : 0;
  int lead = 0;
  if (n > 0 && type->list.v[0]->kind == AST_ELLIPSIS) {
    *ell = 1;
    if (actual) {
      lead = arank - (n - 1);
      if (lead < 0) goto mismatch;
    }
  } else if (actual && arank != n) {
    goto mismatch;
  }
  for (int i = 0; i < n; i++) {
    const ast *de = type->list.v[i];
    if (de->kind == AST_ELLIPSIS) {
      if (i != 0) {
        lw_error(c, de->loc, "'...' may only be the first dimension");
        return -1;
      }
      d[i] = (lw_dim){0, "..."};
      continue;
    }
    const lw_dim *ad = actual ? &actual->d[actual_off + lead + i - *ell] : NULL;
    if (de->kind == AST_NAME && !lw_lookup(s, de->name)) {
      /* a free dimension: bind it */
      int64_t v;
      if (ad) {
        v = ad->v;
        if (bind_free) lw_bind_set(c, s, de->name, lw_int(c, v));
      } else {
        int rc = free_dim(c, de->name, &v);
        if (rc) {
          lw_error(c, de->loc, "cannot tell the size of dimension '%s' of '%s': give --inputs or --set %s=N",
                   de->name, what, de->name);
          return -1;
        }
        if (bind_free) lw_bind_set(c, s, de->name, lw_int(c, v));
      }
      d[i] = (lw_dim){v, de->name};
      continue;
    }
    lw_val *v = lw_eval(c, s, de);
    int64_t x;
    if (lw_to_int(c, v, de->loc, &x)) return -1;
    if (x < 1) {
      lw_error(c, de->loc, "dimension must be positive, got %lld", (long long)x);
      return -1;
    }
    d[i] = (lw_dim){x, de->kind == AST_NAME ? de->name : NULL};
    if (ad && ad->v != x) {
      char *as = lw_shape_str(actual);
      lw_error(c, argloc, "'%s' has shape %s: its axis %d has size %lld, declared %s%s%lld", what, as, actual_off + lead + i - *ell,
               (long long)ad->v, de->kind == AST_NAME ? de->name : "", de->kind == AST_NAME ? "=" : "", (long long)x);
      free(as);
      return -1;
    }
  }
  return n;
mismatch : {
  char *as = lw_shape_str(actual);
  lw_error(c, argloc, "'%s' has shape %s, but its declared shape has %d dimension%s%s", what, as, n, n == 1 ? "" : "s",
           *ell ? " after '...'" : "");
  free(as);
  return -1;
}
}

/* Fetch the argument for the next `in` declaration. */
static lw_val *next_arg(lw_ctx *c, lw_frame *f, const ast *item, xl_loc *loc) {
  for (int i = 0; i < f->nargs; i++)
    if (f->argn[i] && strcmp(f->argn[i], item->name) == 0) {
      f->used++;
      *loc = f->argloc[i];
      f->argn[i] = "";
      return f->args[i];
    }
  for (int i = 0; i < f->nargs; i++)
    if (!f->argn[i]) {
      f->argn[i] = "";
      f->used++;
      *loc = f->argloc[i];
      return f->args[i];
    }
  (void)c;
  return NULL;
}

static lw_val *bind_in(lw_ctx *c, lw_scope *s, lw_frame *f, const ast *item) {
  if (f->entry) return entry_input(c, s, f, item);
  xl_loc aloc = item->loc;
  lw_val *a = next_arg(c, f, item, &aloc);
  if (!a) {
    for (int i = 0; i < f->nargs; i++) /* a misnamed keyword argument: reported as that after the body */
      if (f->argn[i] && f->argn[i][0]) return lw_err();
    return lw_error(c, f->call_loc, "missing input '%s' of %s '%s'", item->name, def_kind_name(f->inst->def),
                    f->inst->def->name);
  }
  if (a->k == V_ERR) return a;
  if (lw_is_num(a) && !item->a->is_int) a = lw_as_tensor(c, a, aloc);
  if (a->k != V_TENSOR) return lw_error(c, aloc, "argument '%s' must be a tensor, got %s", item->name, lw_kind_name(a->k));
  if (item->a->is_int != a->is_int)
    return lw_error(c, aloc, "argument '%s' must be %s tensor", item->name, item->a->is_int ? "an int" : "a float");
  lw_dim d[LW_MAXRANK];
  int ell;
  int off = f->in_cell ? 1 : 0; /* scanned: the first axis is the sequence */
  if (eval_dims(c, s, item->a, d, &ell, 1, a, off, aloc, item->name) < 0) return lw_err();
  if (ell && c->ell_rank < 0) c->ell_rank = a->rank - off - (item->a->list.n - 1);
  return a;
}

static void set_output(lw_ctx *c, lw_frame *f, const char *name, lw_val *v, xl_loc loc) {
  for (int i = 0; i < f->outn.n; i++)
    if (strcmp(f->outn.v[i], name) == 0) {
      lw_error(c, loc, "output '%s' is defined twice", name);
      return;
    }
  xl_vec_push(f->outn, name);
  xl_vec_push(f->outv, v);
  xl_vec_push(f->outloc, loc);
}

static lw_val *lower_scan(lw_ctx *c, lw_scope *s, const ast *e, lw_val *instv, lw_frame *entry_frame);

static void declare_instance(lw_ctx *c, lw_scope *s, lw_frame *f, const ast *item) {
  if (f->in_cell) {
    lw_error(c, item->loc, "a cell cannot declare instances; apply blocks outside the cell");
    return;
  }
  lw_val *v = lw_eval(c, s, item->a);
  if (v->k == V_ERR) { /* reported: the names are error values, their uses say nothing more */
    for (int k = 0; k < item->list.n; k++) lw_bind_set(c, s, item->list.v[k]->name, v);
    return;
  }
  for (int k = 0; k < item->list.n; k++) {
    const char *nm = item->list.v[k]->name;
    if (v->k == V_INST) {
      char *p = xl_fmt("%s%s.", f->inst->path, nm);
      lw_bind_set(c, s, nm, with_path(c, v, p));
      free(p);
    } else if (v->k == V_LIST) {
      lw_val *l = lw_new(c, V_LIST);
      l->n = v->n;
      l->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(v->n + 1));
      for (int i = 0; i < v->n; i++) {
        if (v->items[i]->k != V_INST) {
          lw_error(c, item->a->loc, "element %d of the instance list is a %s, not an instance of a definition", i,
                   lw_kind_name(v->items[i]->k));
          return;
        }
        char *p = xl_fmt("%s%s.%d.", f->inst->path, nm, i);
        l->items[i] = with_path(c, v->items[i], p);
        free(p);
        char *bn = xl_fmt("%s.%d", nm, i);
        lw_bind_set(c, s, xl_arena_strdup(c->ar, bn), l->items[i]);
        free(bn);
      }
      lw_bind_set(c, s, nm, l);
    } else {
      lw_error(c, item->a->loc, "an instance declaration needs a definition call like linear(E, V), got a %s",
               lw_kind_name(v->k));
      return;
    }
  }
}

static int init_eq(const cg_init *a, const cg_init *b) {
  return a->kind == b->kind && a->p[0] == b->p[0] && a->p[1] == b->p[1] && a->p[2] == b->p[2] && a->p[3] == b->p[3];
}

static void declare_param(lw_ctx *c, lw_scope *s, lw_frame *f, const ast *item) {
  lw_dim d[LW_MAXRANK];
  int ell;
  if (eval_dims(c, s, item->a, d, &ell, 0, NULL, 0, item->loc, item->name) < 0) return;
  if (ell) {
    lw_error(c, item->a->loc, "a parameter cannot have '...' in its shape");
    return;
  }
  lw_val *iv = lw_eval(c, s, item->b);
  if (iv->k == V_ERR) return;
  if (iv->k != V_INIT) {
    lw_error(c, item->b->loc, "the initializer of parameter '%s' must be zeros, ones, normal(...), ... not a %s",
             item->name, lw_kind_name(iv->k));
    return;
  }
  if (item->a->is_int) {
    lw_error(c, item->a->loc, "parameters are float tensors");
    return;
  }
  char *path = xl_fmt("%s%s", f->inst->path, item->name);
  lw_val *t = lw_tensor(c, -1, 0, item->a->list.n, d);
  if (t->k == V_ERR) {
    free(path);
    return;
  }
  cg_shape cs = lw_cg_shape(c, t);
  char *ierr = NULL;
  if (cg_init_check(&iv->init, cs.rank, cs.d, path, &ierr)) { /* else an internal error at run time */
    lw_error(c, item->loc, "%s", ierr);
    free(ierr);
    free(path);
    return;
  }
  int id = cg_find_input(c->top, path);
  if (id >= 0) {
    const cg_node *first = &c->top->nodes.v[id];
    const char *what = !cg_shape_eq(&first->shape, &cs)                  ? "shape"
                       : !init_eq(&first->init, &iv->init) ? "initializer"
                                                           : NULL;
    if (what) {
      lw_error(c, item->loc, "parameter '%s' is declared again with another %s (first at %d:%d)", path, what,
               first->loc.line, first->loc.col);
      free(path);
      return;
    }
  } else {
    id = cg_input(c->top, CG_IN_PARAM, path, 0, cs, item->loc);
    c->top->nodes.v[id].init = iv->init;
  }
  free(path);
  if (c->g != c->top) { /* inside a scan body: pass the parameter in as a loop-invariant input */
    int slot = -1;
    for (int i = 0; i < f->const_outer.n; i++)
      if (f->const_outer.v[i] == id) slot = i;
    if (slot < 0) {
      slot = f->const_outer.n;
      xl_vec_push(f->const_outer, id);
    }
    id = cg_input(c->g, CG_IN_CONST, "", slot, cs, item->loc);
  }
  t->node = id;
  lw_bind_set(c, s, item->name, t);
}

/* NAME' = v after the update of state NAME (v may be an error value: a failed update must
   not be reported again as "NAME' is used before the update" wherever NAME' is read). */
static void bind_primed(lw_ctx *c, lw_scope *s, const char *name, lw_val *v) {
  lw_bind_set(c, s, lw_fmt(c, "%s'", name), v);
}

static void run_item(lw_ctx *c, lw_scope *s, lw_frame *f, const ast *it) {
  c->loc = it->loc;
  switch (it->kind) {
  case AST_IN: {
    for (int i = 0; i < f->in_names.n; i++)
      if (strcmp(f->in_names.v[i], it->name) == 0) {
        lw_error(c, it->loc, "input '%s' is declared twice", it->name);
        return;
      }
    xl_vec_push(f->in_names, it->name);
    lw_val *v = bind_in(c, s, f, it);
    if (f->in_cell && v->k == V_TENSOR) { /* per-step slice of the sequence */
      xl_vec_push(f->seq_outer, v->node);
      lw_val *t = lw_tensor(c, -1, 1, v->rank - 1, v->d + 1);
      t->is_int = v->is_int;
      t->node = cg_input(c->g, CG_IN_SEQ, "", f->seq_outer.n - 1, lw_cg_shape(c, t), it->loc);
      c->g->nodes.v[t->node].is_int = t->is_int;
      v = t;
    }
    lw_bind_set(c, s, it->name, v);
    break;
  }
  case AST_STATE: {
    if (!f->in_cell && c->g != c->top) {
      lw_error(c, it->loc, "state '%s' declared inside a scan body", it->name);
      break;
    }
    lw_dim d[LW_MAXRANK];
    int ell;
    if (eval_dims(c, s, it->a, d, &ell, 0, NULL, 0, it->loc, it->name) < 0) break;
    if (ell) {
      lw_error(c, it->a->loc, "a state cannot have '...' in its shape");
      break;
    }
    lw_val *iv = lw_eval(c, s, it->b);
    if (iv->k == V_ERR) break;
    if (!lw_is_num(iv)) {
      lw_error(c, it->b->loc, "the initial value of state '%s' must be a number, got %s", it->name, lw_kind_name(iv->k));
      break;
    }
    for (int i = 0; i < f->states.n; i++)
      if (strcmp(f->states.v[i]->name, it->name) == 0) {
        lw_error(c, it->loc, "state '%s' is declared twice", it->name);
        return;
      }
    if (f->in_cell && c->batch.v == 0) { /* an entry cell's state before its inputs: B from --set */
      int64_t b;
      if (free_dim(c, "B", &b)) {
        lw_error(c, it->loc, "cannot tell the batch size for state '%s': give --set B=N or declare the inputs of '%s' first",
                 it->name, f->inst->def->name);
        break;
      }
      c->batch = (lw_dim){b, "B"};
    }
    lw_val *t = lw_tensor(c, -1, 1, it->a->list.n, d);
    if (f->in_cell) {
      t->node = cg_input(c->g, CG_IN_BSTATE, "", f->states.n, lw_cg_shape(c, t), it->loc);
    } else if (c->batch.v == 0) {
      lw_error(c, it->loc, "declare the inputs of '%s' before its state '%s' (the batch size comes from them)",
               f->inst->def->name, it->name);
      break;
    } else { /* a block's state: an input and a final-state output of the whole graph */
      char *nm = xl_fmt("state.%s%s", f->inst->path, it->name);
      if (cg_find_input(c->top, nm) >= 0) {
        lw_error(c, it->loc, "block instance '%s' is applied twice (its state '%s' would collide)",
                 inst_name(c, f->inst), it->name);
        free(nm);
        break;
      }
      t->node = cg_input(c->top, CG_IN_STATE, nm, 0, lw_cg_shape(c, t), it->loc);
      c->top->nodes.v[t->node].fval = lw_num(iv);
      free(nm);
    }
    xl_vec_push(f->state_fill, lw_num(iv));
    xl_vec_push(f->states, it);
    xl_vec_push(f->state_in, t->node);
    xl_vec_push(f->state_new, NULL);
    lw_bind_set(c, s, it->name, t);
    lw_lookup(s, it->name)->is_state = 1;
    break;
  }
  case AST_PARAM: declare_param(c, s, f, it); break;
  case AST_INST: declare_instance(c, s, f, it); break;
  case AST_LET: {
    lw_val *v = lw_eval(c, s, it->a);
    if (it->list.n == 1) {
      lw_bind_set(c, s, it->list.v[0]->name, v);
    } else if (v->k == V_ERR) {
      for (int i = 0; i < it->list.n; i++) lw_bind_set(c, s, it->list.v[i]->name, v);
    } else if (v->k != V_TUPLE || v->n != it->list.n) {
      lw_error(c, it->loc, "cannot unpack %s into %d names", v->k == V_TUPLE ? lw_fmt(c, "%d values", v->n) : lw_kind_name(v->k),
               it->list.n);
      for (int i = 0; i < it->list.n; i++) lw_bind_set(c, s, it->list.v[i]->name, lw_err());
    } else {
      for (int i = 0; i < it->list.n; i++) lw_bind_set(c, s, it->list.v[i]->name, v->items[i]);
    }
    break;
  }
  case AST_ASSIGN: {
    lw_bind *b = lw_lookup(s, it->name);
    lw_val *v = lw_eval(c, s, it->a);
    if (!b) {
      lw_error(c, it->loc, "assignment to undefined name '%s' (use 'let %s = ...' to define it)%s", it->name, it->name,
               lw_name_hint(c, s, it->name));
      break;
    }
    if (b->is_state) {
      lw_error(c, it->loc, "'%s' is a state: update it with %s' = ...", it->name, it->name);
      break;
    }
    b->v = v;
    break;
  }
  case AST_UPDATE: {
    int k = -1;
    for (int i = 0; i < f->states.n; i++)
      if (strcmp(f->states.v[i]->name, it->name) == 0) k = i;
    lw_val *v = lw_eval(c, s, it->a);
    if (k < 0) {
      lw_near n;
      lw_near_init(&n, it->name);
      for (int i = 0; i < f->states.n; i++) lw_near_offer(&n, f->states.v[i]->name);
      lw_error(c, it->loc, "'%s' is not a state of this definition%s", it->name, lw_near_hint(c, &n));
      bind_primed(c, s, it->name, lw_err());
      break;
    }
    if (f->state_new.v[k]) {
      lw_error(c, it->loc, "state '%s' is updated twice", it->name);
      break;
    }
    if (v->k == V_ERR) { /* reported: NAME' is an error value, so its uses say nothing more */
      f->state_new.v[k] = v;
      bind_primed(c, s, it->name, v);
      break;
    }
    v = lw_as_tensor(c, v, it->a->loc);
    lw_val *st = lw_lookup(s, it->name)->v;
    /* broadcast to the state's shape if needed */
    int ok = v->rank <= st->rank;
    for (int i = 0; ok && i < v->rank; i++) {
      int64_t a = v->d[i].v, b = st->d[st->rank - v->rank + i].v;
      ok = a == b || a == 1;
    }
    if (!ok) {
      char *vs = lw_shape_str(v), *ss = lw_shape_str(st);
      lw_error(c, it->a->loc, "the update of state '%s' has shape %s, the state has shape %s", it->name, vs, ss);
      free(vs);
      free(ss);
      f->state_new.v[k] = lw_err();
      bind_primed(c, s, it->name, lw_err());
      break;
    }
    cg_shape want = lw_cg_shape(c, st), have = lw_cg_shape(c, v);
    if (!cg_shape_eq(&want, &have)) {
      lw_val *z = lw_tensor(c, -1, 1, st->rank, st->d);
      z->node = cg_const(c->g, 0, want);
      v = lw_binary(c, CG_OP_ADD, v, z, it->a->loc);
    }
    f->state_new.v[k] = v;
    bind_primed(c, s, it->name, v);
    break;
  }
  case AST_OUT: {
    lw_val *v = lw_eval(c, s, it->a);
    set_output(c, f, it->name, v, it->loc);
    break;
  }
  case AST_FOR: {
    lw_val *lo = lw_eval(c, s, it->a), *hi = lw_eval(c, s, it->b);
    int64_t a, b;
    if (lw_to_int(c, lo, it->a->loc, &a) || lw_to_int(c, hi, it->b->loc, &b)) break;
    if (range_len(c, a, b, it->loc, "loop") < 0) break;
    for (int64_t i = a; i < b; i++) {
      lw_scope *body = lw_scope_new(c, s);
      lw_bind_set(c, body, it->name, lw_int(c, i));
      int before = c->errs;
      run_items(c, body, f, &it->list);
      if (c->errs > before) break; /* the same errors would repeat */
    }
    break;
  }
  case AST_WHEN: { /* compile-time condition; the chosen items run in this scope */
    lw_val *v = lw_eval(c, s, it->a);
    if (v->k == V_ERR) break;
    if (v->k != V_BOOL) {
      lw_error(c, it->a->loc, "the condition of an 'if' item must be a compile-time boolean, got %s",
               lw_kind_name(v->k));
      break;
    }
    run_items(c, s, f, v->i ? &it->list : &it->list2);
    break;
  }
  case AST_HINT: {
    lw_val *v = lw_eval(c, s, it->a);
    if (strcmp(it->name, "vocab") == 0 && lw_is_num(v)) f->vocab = lw_num(v);
    break;
  }
  default: lw_error(c, it->loc, "unexpected %s in a definition body", ast_kind_name(it->kind)); break;
  }
}

static void run_items(lw_ctx *c, lw_scope *s, lw_frame *f, const ast_list *items) {
  for (int i = 0; i < items->n; i++) run_item(c, s, f, items->v[i]);
}

static lw_val *frame_result(lw_ctx *c, lw_frame *f, const ast *def, xl_loc loc) {
  if (f->outv.n == 0) return lw_error(c, loc, "%s '%s' has no outputs", def_kind_name(def), def->name);
  if (f->outv.n == 1) return f->outv.v[0];
  lw_val *t = lw_new(c, V_TUPLE);
  t->n = f->outv.n;
  t->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)t->n);
  memcpy(t->items, f->outv.v, sizeof(lw_val *) * (size_t)t->n);
  return t;
}

/* End of a block's body: every state updated; its new value is an output "state.<path>". */
static void finish_block_states(lw_ctx *c, lw_frame *f) {
  for (int k = 0; k < f->states.n; k++) {
    lw_val *v = f->state_new.v[k];
    if (!v) {
      lw_error(c, f->states.v[k]->loc, "state '%s' is never updated", f->states.v[k]->name);
      continue;
    }
    if (v->k != V_TENSOR) continue;
    char *nm = xl_fmt("state.%s%s", f->inst->path, f->states.v[k]->name);
    cg_output_add(c->top, nm, v->node);
    free(nm);
  }
}

/* The instance stack (c->insts): its depth is bounded by invoke's depth check (blocks) plus
   the entry and one scanned cell. */
static void push_inst(lw_ctx *c, const lw_inst *in) {
  XL_ASSERT(c->ninsts < LW_MAX_DEF_DEPTH + 2);
  c->insts[c->ninsts++] = in;
}

/* Two configuration values are the same (compile-time values only). */
static int cfg_val_eq(const lw_val *a, const lw_val *b) {
  if (lw_is_num(a) && lw_is_num(b)) return a->k == b->k && lw_num(a) == lw_num(b);
  if (a->k != b->k) return 0;
  switch (a->k) {
  case V_STR: return strcmp(a->s, b->s) == 0;
  case V_LIST:
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
      if (!cfg_val_eq(a->items[i], b->items[i])) return 0;
    return 1;
  case V_NONE: return 1;
  case V_INIT: return init_eq(&a->init, &b->init);
  default: return 0;
  }
}

static int cfg_eq(const ast *def, lw_scope *a, lw_scope *b) {
  for (int j = 0; j < def->list2.n; j++) {
    lw_bind *x = lookup_local(a, def->list2.v[j]->name), *y = lookup_local(b, def->list2.v[j]->name);
    if (!x || !y || !cfg_val_eq(x->v, y->v)) return 0;
  }
  return 1;
}

/* A use of `def` at loc while it is being instantiated (an index into c->insts), or -1. `cfg`:
   the configuration of the new instance, or NULL where none can be made. Inside a cell any
   such use is a recursion (a cell applies nothing); elsewhere only one with the same
   configuration (it could never end; a block may recurse on a smaller size). */
static int recursion_at(lw_ctx *c, const ast *def, lw_scope *cfg) {
  for (int k = 0; k < c->ninsts; k++)
    if (c->insts[k]->def == def && (!cfg || cfg_eq(def, c->insts[k]->cfg, cfg))) return k;
  return -1;
}

static lw_val *recursion_error(lw_ctx *c, int k, const ast *def, xl_loc loc) {
  char chain[512] = "";
  size_t m = 0;
  for (int j = k; j < c->ninsts && m < 400; j++)
    m += (size_t)snprintf(chain + m, sizeof chain - m, "%s -> ", c->insts[j]->def->name);
  snprintf(chain + m, sizeof chain - m, "%s", def->name);
  c->too_deep = c->depth > 0; /* unwind the blocks above without more work */
  return lw_error(c, loc, "recursive use of %s '%s' (%s): a definition cannot use itself", def_kind_name(def), def->name,
                  chain);
}

/* inst(args): inline a block */
static lw_val *invoke(lw_ctx *c, lw_scope *s, lw_inst *in, const ast *call) {
  if (in->def->op == AST_DEF_CELL)
    return lw_error(c, call->loc, "cell '%s' is applied over a sequence with `scan %s over T (...)`", in->def->name,
                    in->def->name);
  if (c->g != c->top) return lw_error(c, call->loc, "blocks cannot be applied inside a cell");
  if (c->too_deep) return lw_err(); /* unwinding a runaway recursion */
  if (++c->depth > LW_MAX_DEF_DEPTH) {
    c->depth--;
    c->too_deep = 1;
    return lw_error(c, call->loc, "definitions nest more than %d deep (recursive definition?)", LW_MAX_DEF_DEPTH);
  }
  lw_frame f = {0};
  f.inst = in;
  f.call_loc = call->loc;
  f.nargs = call->list.n;
  f.args = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(f.nargs + 1));
  f.argn = xl_arena_alloc(c->ar, sizeof(char *) * (size_t)(f.nargs + 1));
  f.argloc = xl_arena_alloc(c->ar, sizeof(xl_loc) * (size_t)(f.nargs + 1));
  for (int i = 0; i < f.nargs; i++) {
    const ast *a = call->list.v[i];
    f.argloc[i] = a->loc;
    if (a->kind == AST_KWARG) {
      f.argn[i] = a->name;
      f.args[i] = lw_eval(c, s, a->a);
    } else {
      f.args[i] = lw_eval(c, s, a);
    }
  }
  lw_scope *body = lw_scope_new(c, in->cfg);
  int ell_rank = c->ell_rank;
  c->ell_rank = -1;
  push_inst(c, in);
  run_items(c, body, &f, &in->def->list);
  c->ninsts--;
  c->ell_rank = ell_rank;
  finish_block_states(c, &f);
  for (int i = 0; i < f.nargs; i++)
    if (f.argn[i] && f.argn[i][0])
      lw_error(c, f.argloc[i], "%s '%s' has no input '%s'%s", def_kind_name(in->def), in->def->name, f.argn[i],
               input_hint(c, in->def, f.argn[i]));
    else if (!f.argn[i])
      lw_error(c, f.argloc[i], "too many arguments: %s '%s' has %d input%s", def_kind_name(in->def), in->def->name,
               f.used, f.used == 1 ? "" : "s");
  if (--c->depth == 0) c->too_deep = 0;
  lw_val *res = frame_result(c, &f, in->def, call->loc);
  frame_free(&f);
  return res;
}

/* scan cell over T (args): a SCAN node. entry != NULL: the cell is the entry (inputs created). */
static lw_val *lower_scan(lw_ctx *c, lw_scope *s, const ast *e, lw_val *instv, lw_frame *entry) {
  if (instv->k == V_ERR) return instv;
  if (instv->k != V_INST || instv->inst->def->op != AST_DEF_CELL)
    return lw_error(c, e->a ? e->a->loc : e->loc, "scan needs a cell instance, got %s",
                    instv->k == V_INST ? lw_fmt(c, "%s '%s'", def_kind_name(instv->inst->def), instv->inst->def->name)
                                       : lw_kind_name(instv->k));
  if (c->g != c->top) return lw_error(c, e->loc, "scans cannot be nested inside a cell");
  lw_inst *in = instv->inst;
  int nerr = c->errs; /* errors in the arguments end the scan too (their values are V_ERR) */
  lw_frame f = {0};
  f.inst = in;
  f.in_cell = 1;
  f.call_loc = e->loc;
  if (entry) {
    f.entry = 1;
    f.entry_cell = 1;
    f.given = entry->given;
    f.ngiven = entry->ngiven;
  } else {
    f.nargs = e->list.n;
    f.args = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(f.nargs + 1));
    f.argn = xl_arena_alloc(c->ar, sizeof(char *) * (size_t)(f.nargs + 1));
    f.argloc = xl_arena_alloc(c->ar, sizeof(xl_loc) * (size_t)(f.nargs + 1));
    lw_bind *tb = lw_lookup(s, e->name);
    if (!tb || tb->v->k != V_INT)
      return lw_error(c, e->loc, "scan over '%s': '%s' is not a known sequence dimension", e->name, e->name);
    for (int i = 0; i < f.nargs; i++) {
      const ast *a = e->list.v[i];
      f.argloc[i] = a->loc;
      f.argn[i] = a->kind == AST_KWARG ? a->name : NULL;
      lw_val *v = lw_eval(c, s, a->kind == AST_KWARG ? a->a : a);
      if (v->k == V_TENSOR && (!v->batched || v->rank < 1 || v->d[0].v != tb->v->i)) {
        char *vs = lw_shape_str(v);
        lw_error(c, a->loc, "scan argument must have the sequence axis %s=%lld first, got %s%s", e->name,
                 (long long)tb->v->i, v->batched ? "" : "a tensor without batch ", vs);
        free(vs);
        v = lw_err();
      }
      f.args[i] = v;
    }
  }
  cg_graph *outer = c->g;
  cg_graph *body = cg_new();
  c->g = body;
  lw_scope *cs = lw_scope_new(c, in->cfg);
  int ell_rank = c->ell_rank;
  c->ell_rank = -1;
  push_inst(c, in);
  run_items(c, cs, &f, &in->def->list);
  c->ninsts--;
  c->ell_rank = ell_rank;
  c->g = outer;
  for (int i = 0; i < f.nargs; i++)
    if (f.argn[i] && f.argn[i][0])
      lw_error(c, f.argloc[i], "cell '%s' has no input '%s'%s", in->def->name, f.argn[i], input_hint(c, in->def, f.argn[i]));
    else if (!f.argn[i])
      lw_error(c, f.argloc[i], "too many arguments: cell '%s' has %d inputs", in->def->name, f.used);
  for (int k = 0; k < f.states.n; k++)
    if (!f.state_new.v[k]) lw_error(c, f.states.v[k]->loc, "state '%s' is never updated", f.states.v[k]->name);
  if (f.outv.n == 0) lw_error(c, e->loc, "cell '%s' has no outputs", in->def->name);
  if (f.seq_outer.n == 0) lw_error(c, e->loc, "cell '%s' has no inputs to scan over", in->def->name);
  for (int k = 0; k < f.outv.n; k++)
    if (f.outv.v[k]->k != V_TENSOR && f.outv.v[k]->k != V_ERR)
      lw_error(c, f.outloc.v[k], "output '%s' of a cell must be a tensor", f.outn.v[k]);
  if (c->errs > nerr) {
    cg_free(body);
    frame_free(&f);
    return lw_err();
  }
  /* body outputs: new states, then per-step outputs (batched) */
  int nst = f.states.n, nout = f.outv.n;
  for (int k = 0; k < nst; k++) cg_output_add(body, f.states.v[k]->name, f.state_new.v[k]->node);
  for (int k = 0; k < nout; k++) {
    lw_val *o = f.outv.v[k];
    if (!o->batched) { /* make it per example */
      cg_shape want = lw_cg_shape(c, o);
      cg_shape to = {0};
      to.d[to.rank++] = c->batch.v;
      for (int i = 0; i < want.rank; i++) to.d[to.rank++] = want.d[i];
      to.d[0] = 1;
      int r = cg_reshape(body, o->node, to);
      to.d[0] = c->batch.v;
      o->node = cg_broadcast(body, r, to);
      o->batched = 1;
    }
    cg_output_add(body, f.outn.v[k], o->node);
  }
  /* outer: state inputs */
  int nin = f.seq_outer.n + f.const_outer.n + nst;
  int *ins = xl_arena_alloc(c->ar, sizeof(int) * (size_t)(nin + 1));
  int ni = 0;
  for (int i = 0; i < f.seq_outer.n; i++) ins[ni++] = f.seq_outer.v[i];
  for (int i = 0; i < f.const_outer.n; i++) ins[ni++] = f.const_outer.v[i];
  for (int k = 0; k < nst; k++) {
    char *nm = xl_fmt("state.%s%s", in->path, f.states.v[k]->name);
    if (cg_find_input(c->top, nm) >= 0) {
      lw_error(c, e->loc, "cell instance '%s' is scanned twice (its states would collide)", inst_name(c, in));
      free(nm);
      cg_free(body);
      frame_free(&f);
      return lw_err();
    }
    cg_node *bn = &body->nodes.v[f.state_in.v[k]];
    int id = cg_input(c->top, CG_IN_STATE, nm, 0, bn->shape, f.states.v[k]->loc);
    c->top->nodes.v[id].fval = f.state_fill.v[k];
    free(nm);
    ins[ni++] = id;
  }
  int sid = cg_scan(c->g, body, f.seq_outer.n, f.const_outer.n, nst, nout, 1, 0, 0, ins);
  c->g->nodes.v[sid].loc = e->loc;
  for (int k = 0; k < nst; k++) {
    int o = cg_scan_out(c->g, sid, k);
    char *nm = xl_fmt("state.%s%s", in->path, f.states.v[k]->name);
    cg_output_add(c->top, nm, o);
    free(nm);
  }
  lw_val *res = lw_new(c, V_TUPLE);
  res->n = nout;
  res->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(nout + 1));
  int64_t T = 0;
  {
    cg_shape s0 = c->g->nodes.v[ins[0]].shape;
    T = s0.d[1];
  }
  for (int k = 0; k < nout; k++) {
    int o = cg_scan_out(c->g, sid, nst + k);
    lw_val *ov = f.outv.v[k];
    lw_dim d[LW_MAXRANK];
    d[0] = (lw_dim){T, entry ? "T" : e->name};
    for (int i = 0; i < ov->rank && i + 1 < LW_MAXRANK; i++) d[i + 1] = ov->d[i];
    res->items[k] = lw_tensor(c, o, 1, ov->rank + 1, d);
  }
  if (entry) {
    for (int k = 0; k < nout; k++) set_output(c, entry, f.outn.v[k], res->items[k], e->loc);
    entry->vocab = f.vocab;
  }
  frame_free(&f);
  return nout == 1 ? res->items[0] : res;
}

/* ---- helpers: `fn name(a, b) = expr` ---- */

/* name(args) of a helper: the body evaluated with the parameters bound to the arguments
   (any values: tensors, numbers, lists, ...) in a scope of its own, which sees only the
   parameters, definitions and builtins. Diagnostics in the body are at the body's position,
   with a note at the call. */
static lw_val *call_helper(lw_ctx *c, lw_scope *s, const ast *def, const ast *call) {
  for (int k = 0; k < c->nhelpers; k++)
    if (c->helpers[k] == def) {
      char chain[512] = "";
      size_t m = 0;
      for (int j = k; j < c->nhelpers && m < 400; j++)
        m += (size_t)snprintf(chain + m, sizeof chain - m, "%s -> ", c->helpers[j]->name);
      snprintf(chain + m, sizeof chain - m, "%s", def->name);
      return lw_error(c, call->loc, "helper '%s' is recursive (%s): helpers cannot call themselves", def->name, chain);
    }
  if (c->nhelpers >= LW_MAX_HELPER_DEPTH)
    return lw_error(c, call->loc, "helper '%s': helpers nest more than %d deep", def->name, LW_MAX_HELPER_DEPTH);
  lw_scope *hs = lw_scope_new(c, NULL);
  static const lw_binder helper = {1};
  if (bind_args(c, s, def, call, hs, &helper)) return lw_err();
  c->helpers[c->nhelpers++] = def;
  int nerr = c->d->nerr;
  lw_val *r = lw_eval(c, hs, def->a);
  c->nhelpers--;
  if (c->d->nerr > nerr) diag_note(c->d, call->loc, "in this call of helper '%s'", def->name);
  return r;
}

/* ---- expressions ---- */

static lw_val *call_expr(lw_ctx *c, lw_scope *s, const ast *e) {
  const ast *fn = e->a;
  char *path = flatten(c, s, fn);
  if (path) {
    lw_bind *b = lw_lookup(s, path);
    if (b) {
      if (b->v->k == V_INST) return invoke(c, s, b->v->inst, e);
      if (b->v->k == V_ERR) return b->v;
      return lw_error(c, fn->loc, "'%s' is a %s, not something that can be called", path, lw_kind_name(b->v->k));
    }
    if (fn->kind == AST_NAME) {
      const ast *def = find_def(c->file, path);
      if (def && def->op == AST_DEF_FN) return call_helper(c, s, def, e);
      if (def) {
        int k = c->g != c->top ? recursion_at(c, def, NULL) : -1;
        if (k >= 0) return recursion_error(c, k, def, fn->loc);
        lw_val *iv = make_inst(c, s, def, e);
        if (iv->k == V_INST && (k = recursion_at(c, def, iv->inst->cfg)) >= 0) return recursion_error(c, k, def, fn->loc);
        return iv;
      }
      /* builtin */
      int nargs = 0, nkw = 0;
      lw_val **args = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(e->list.n + 1));
      lw_val **kwv = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(e->list.n + 1));
      const char **kwn = xl_arena_alloc(c->ar, sizeof(char *) * (size_t)(e->list.n + 1));
      for (int i = 0; i < e->list.n; i++) {
        const ast *a = e->list.v[i];
        if (a->kind == AST_KWARG) {
          kwn[nkw] = a->name;
          kwv[nkw++] = lw_eval(c, s, a->a);
        } else {
          args[nargs++] = lw_eval(c, s, a);
        }
      }
      int found;
      lw_val *r = lw_call_builtin(c, e, path, args, nargs, kwn, kwv, nkw, &found);
      if (found) return r;
      return lw_error(c, fn->loc, "undefined function '%s'%s", path, lw_name_hint(c, s, path));
    }
    return lw_error(c, fn->loc, "undefined name '%s'%s", path, lw_name_hint(c, s, path));
  }
  /* an anonymous instance: def(config)(inputs), allowed for definitions without parameters */
  lw_val *iv = lw_eval(c, s, fn);
  if (iv->k == V_ERR) return iv;
  if (iv->k == V_INST) {
    if (declares_params(&iv->inst->def->list))
      return lw_error(c, fn->loc, "'%s' has parameters: declare it as a named instance (name: %s(...)) to call it",
                      iv->inst->def->name, iv->inst->def->name);
    return invoke(c, s, iv->inst, e);
  }
  return lw_error(c, fn->loc, "this expression cannot be called");
}

/* 1 if the items (including those of `for` and `if` items) declare parameters or instances */
static int declares_params(const ast_list *l) {
  for (int i = 0; i < l->n; i++) {
    const ast *it = l->v[i];
    if (it->kind == AST_PARAM || it->kind == AST_INST) return 1;
    if ((it->kind == AST_FOR || it->kind == AST_WHEN) && (declares_params(&it->list) || declares_params(&it->list2)))
      return 1;
  }
  return 0;
}

/* a OP b on compile-time integers (op: + - * / % **; b != 0 for / and %, b >= 0 for **):
   an error at loc instead of a wrapped result (or a trap, for INT64_MIN / -1). */
static lw_val *int_arith(lw_ctx *c, int op, int64_t a, int64_t b, xl_loc loc) {
  int64_t r = 1;
  int ovf = 0;
  switch (op) {
  case AST_OP_ADD: ovf = __builtin_add_overflow(a, b, &r); break;
  case AST_OP_SUB: ovf = __builtin_sub_overflow(a, b, &r); break;
  case AST_OP_MUL: ovf = __builtin_mul_overflow(a, b, &r); break;
  case AST_OP_DIV: ovf = b == -1 ? __builtin_sub_overflow((int64_t)0, a, &r) : (r = a / b, 0); break;
  case AST_OP_MOD: r = b == -1 ? 0 : a % b; break;
  case AST_OP_POW:
    if (a == 0 || a == 1) r = b == 0 ? 1 : a; /* no loop over a huge b */
    else if (a == -1) r = b % 2 ? -1 : 1;
    else
      for (int64_t i = 0; i < b && !ovf; i++) ovf = __builtin_mul_overflow(r, a, &r); /* overflows within 64 steps */
    break;
  default: XL_ASSERT(!"int_arith: not an arithmetic operator");
  }
  if (ovf)
    return lw_error(c, loc, "integer overflow in %lld %s %lld", (long long)a, ast_op_spelling(op), (long long)b);
  return lw_int(c, r);
}

static lw_val *binop(lw_ctx *c, lw_scope *s, const ast *e) {
  int op = e->op;
  if (op == AST_OP_AND || op == AST_OP_OR) {
    lw_val *a = lw_eval(c, s, e->a);
    if (a->k == V_ERR) return a;
    if (a->k != V_BOOL) return lw_error(c, e->a->loc, "'%s' needs booleans", ast_op_spelling(op));
    if ((op == AST_OP_AND) != (a->i != 0)) return a; /* short circuit */
    lw_val *b = lw_eval(c, s, e->b);
    if (b->k == V_ERR) return b;
    if (b->k != V_BOOL) return lw_error(c, e->b->loc, "'%s' needs booleans", ast_op_spelling(op));
    return b;
  }
  lw_val *a = lw_eval(c, s, e->a), *b = lw_eval(c, s, e->b);
  if (a->k == V_ERR) return a;
  if (b->k == V_ERR) return b;
  if (op == AST_OP_IN) {
    if (b->k != V_LIST && b->k != V_TUPLE) return lw_error(c, e->b->loc, "'in' needs a list on the right");
    lw_val *r = lw_new(c, V_BOOL);
    for (int i = 0; i < b->n; i++)
      if (lw_is_num(a) && lw_is_num(b->items[i]) && lw_num(a) == lw_num(b->items[i])) r->i = 1;
    return r;
  }
  if ((a->k == V_STR || b->k == V_STR) && (op == AST_OP_EQ || op == AST_OP_NE)) {
    /* a string equals only the same string (slstm_at == "all" is false for a list) */
    lw_val *r = lw_new(c, V_BOOL);
    r->i = (a->k == b->k && strcmp(a->s, b->s) == 0) == (op == AST_OP_EQ);
    return r;
  }
  if (lw_is_num(a) && lw_is_num(b)) {
    double x = lw_num(a), y = lw_num(b);
    int ints = a->k != V_FLOAT && b->k != V_FLOAT;
    lw_val *r = lw_new(c, V_BOOL);
    switch (op) {
    case AST_OP_ADD: return ints ? int_arith(c, op, a->i, b->i, e->loc) : lw_float(c, x + y);
    case AST_OP_SUB: return ints ? int_arith(c, op, a->i, b->i, e->loc) : lw_float(c, x - y);
    case AST_OP_MUL: return ints ? int_arith(c, op, a->i, b->i, e->loc) : lw_float(c, x * y);
    case AST_OP_DIV:
      if (ints && b->i == 0) return lw_error(c, e->loc, "division by zero");
      if (ints && (b->i == -1 || a->i % b->i == 0)) return int_arith(c, op, a->i, b->i, e->loc);
      return lw_float(c, x / y);
    case AST_OP_MOD:
      if (!ints || b->i == 0) return lw_error(c, e->loc, "'%%' needs integers and a non-zero divisor");
      return int_arith(c, op, a->i, b->i, e->loc);
    case AST_OP_POW: return ints && b->i >= 0 ? int_arith(c, op, a->i, b->i, e->loc) : lw_float(c, pow(x, y));
    case AST_OP_EQ: r->i = x == y; return r;
    case AST_OP_NE: r->i = x != y; return r;
    case AST_OP_LT: r->i = x < y; return r;
    case AST_OP_LE: r->i = x <= y; return r;
    case AST_OP_GT: r->i = x > y; return r;
    case AST_OP_GE: r->i = x >= y; return r;
    case AST_OP_MATMUL: return lw_error(c, e->loc, "'@' needs tensors");
    default: break;
    }
  }
  int ta = a->k == V_TENSOR || lw_is_num(a), tb = b->k == V_TENSOR || lw_is_num(b);
  if (!ta || !tb)
    return lw_error(c, e->loc, "operator '%s' cannot combine a %s and a %s", ast_op_spelling(op), lw_kind_name(a->k),
                    lw_kind_name(b->k));
  switch (op) {
  case AST_OP_ADD: return lw_binary(c, CG_OP_ADD, a, b, e->loc);
  case AST_OP_SUB: return lw_binary(c, CG_OP_SUB, a, b, e->loc);
  case AST_OP_MUL: return lw_binary(c, CG_OP_MUL, a, b, e->loc);
  case AST_OP_DIV: return lw_binary(c, CG_OP_DIV, a, b, e->loc);
  case AST_OP_GE: return lw_binary(c, CG_OP_GE, a, b, e->loc);
  case AST_OP_GT: return lw_binary(c, CG_OP_GT, a, b, e->loc);
  case AST_OP_LE: return lw_binary(c, CG_OP_GE, b, a, e->loc);
  case AST_OP_LT: return lw_binary(c, CG_OP_GT, b, a, e->loc);
  case AST_OP_EQ: return lw_binary(c, CG_OP_EQ, a, b, e->loc);
  case AST_OP_NE: return lw_binary(c, CG_OP_SUB, lw_float(c, 1), lw_binary(c, CG_OP_EQ, a, b, e->loc), e->loc);
  case AST_OP_POW: {
    if (!lw_is_num(b)) return lw_error(c, e->b->loc, "the exponent of a tensor power must be a number");
    double p = lw_num(b);
    if (p == 2) return lw_unary(c, CG_OP_SQUARE, a, e->loc);
    if (p == 1) return a;
    if (p == 0.5) return lw_unary(c, CG_OP_SQRT, a, e->loc);
    if (p == -0.5) return lw_unary(c, CG_OP_RSQRT, a, e->loc);
    if (p == -1) return lw_unary(c, CG_OP_RECIP, a, e->loc);
    return lw_binary(c, CG_OP_POW, a, b, e->loc); /* C pow: NaN for x < 0 and non-integer p */
  }
  case AST_OP_MATMUL: {
    a = lw_as_tensor(c, a, e->loc);
    b = lw_as_tensor(c, b, e->loc);
    if (a->k == V_ERR || b->k == V_ERR) return lw_err();
    if (b->rank == 2 && a->rank >= 1) return lw_einsum(c, "...i,ij->...j", a, b, e->loc);
    if (a->rank >= 2 && b->rank == a->rank) return lw_einsum(c, "...ij,...jk->...ik", a, b, e->loc);
    return lw_error(c, e->loc, "'@' needs [..., K] @ [K, N] or equal-rank [..., M, K] @ [..., K, N]");
  }
  default: return lw_error(c, e->loc, "operator '%s' is not defined on tensors", ast_op_spelling(op));
  }
}

static lw_val *eval(lw_ctx *c, lw_scope *s, const ast *e);

/* Evaluate e; c->loc is e's position meanwhile (for errors found deep in tensor emission). */
lw_val *lw_eval(lw_ctx *c, lw_scope *s, const ast *e) {
  xl_loc outer = c->loc;
  c->loc = e->loc;
  lw_val *v = eval(c, s, e);
  c->loc = outer;
  return v;
}

static lw_val *eval(lw_ctx *c, lw_scope *s, const ast *e) {
  switch (e->kind) {
  case AST_NUM: return e->is_int ? lw_int(c, (int64_t)e->num) : lw_float(c, e->num);
  case AST_STR: {
    lw_val *v = lw_new(c, V_STR);
    v->s = e->name;
    return v;
  }
  case AST_BOOL: {
    lw_val *v = lw_new(c, V_BOOL);
    v->i = e->num != 0;
    return v;
  }
  case AST_ELLIPSIS: {
    lw_val *v = lw_new(c, V_NONE);
    v->i = 1;
    return v;
  }
  case AST_NAME: {
    lw_bind *b = lw_lookup(s, e->name);
    if (b) {
      if (b->v->k == V_INT && !b->v->s) { /* remember where a size came from */
        lw_val *v = lw_int(c, b->v->i);
        v->s = e->name;
        return v;
      }
      return b->v;
    }
    if (!strcmp(e->name, "inf")) return lw_float(c, INFINITY);
    if (!strcmp(e->name, "zeros")) {
      lw_val *v = lw_new(c, V_INIT);
      v->init.kind = CG_INIT_ZEROS;
      return v;
    }
    if (!strcmp(e->name, "ones")) {
      lw_val *v = lw_new(c, V_INIT);
      v->init.kind = CG_INIT_ONES;
      return v;
    }
    const ast *def = find_def(c->file, e->name);
    if (def && def->op == AST_DEF_FN)
      return lw_error(c, e->loc, "helper '%s' must be called, e.g. %s(...)", e->name, e->name);
    if (def)
      return lw_error(c, e->loc, "'%s' is a definition; instantiate it with arguments, e.g. %s(...)", e->name, e->name);
    if (lw_is_builtin(e->name)) return lw_error(c, e->loc, "builtin '%s' must be called", e->name);
    return lw_error(c, e->loc, "undefined name '%s'%s", e->name, lw_name_hint(c, s, e->name));
  }
  case AST_PRIMED: {
    char *pn = xl_fmt("%s'", e->name);
    lw_bind *b = lw_lookup(s, pn);
    free(pn);
    if (b) return b->v;
    lw_bind *st = lw_lookup(s, e->name);
    if (st && st->is_state) return lw_error(c, e->loc, "%s' is used before the update of state '%s'", e->name, e->name);
    return lw_error(c, e->loc, "'%s' is not a state, so %s' is undefined", e->name, e->name);
  }
  case AST_MEMBER:
  case AST_INDEX: {
    char *path = flatten(c, s, e);
    if (path) {
      lw_bind *b = lw_lookup(s, path);
      if (b) return b->v;
    }
    if (e->kind == AST_INDEX && e->list.n == 1) {
      lw_val *l = lw_eval(c, s, e->a);
      if (l->k == V_ERR) return l;
      if (l->k == V_LIST || l->k == V_TUPLE) {
        int64_t i;
        if (lw_to_int(c, lw_eval(c, s, e->list.v[0]), e->list.v[0]->loc, &i)) return lw_err();
        if (i < 0 || i >= l->n)
          return lw_error(c, e->list.v[0]->loc, "index %lld is out of range for a list of %d", (long long)i, l->n);
        return l->items[i];
      }
      return lw_error(c, e->loc, "only lists can be indexed (to select along a tensor axis use take(x, axis, i))");
    }
    if (path) return lw_error(c, e->loc, "undefined name '%s'%s", path, lw_name_hint(c, s, path));
    return lw_error(c, e->loc, "members exist only on dotted instance and parameter names");
  }
  case AST_CALL: return call_expr(c, s, e);
  case AST_BINOP: return binop(c, s, e);
  case AST_UNOP: {
    lw_val *a = lw_eval(c, s, e->a);
    if (a->k == V_ERR) return a;
    if (e->op == AST_OP_NOT) {
      if (a->k != V_BOOL) return lw_error(c, e->loc, "'not' needs a boolean");
      lw_val *v = lw_new(c, V_BOOL);
      v->i = !a->i;
      return v;
    }
    if (a->k == V_INT && a->i == INT64_MIN) return lw_error(c, e->loc, "integer overflow in -(%lld)", (long long)a->i);
    if (a->k == V_INT) return lw_int(c, -a->i);
    if (a->k == V_FLOAT) return lw_float(c, -a->f);
    if (a->k == V_TENSOR) return lw_unary(c, CG_OP_NEG, a, e->loc);
    return lw_error(c, e->loc, "cannot negate a %s", lw_kind_name(a->k));
  }
  case AST_IF: {
    lw_val *cnd = lw_eval(c, s, e->a);
    if (cnd->k == V_ERR) return cnd;
    if (cnd->k != V_BOOL)
      return lw_error(c, e->a->loc, "the condition of 'if' must be a compile-time boolean, got %s", lw_kind_name(cnd->k));
    return lw_eval(c, s, cnd->i ? e->b : e->c);
  }
  case AST_LIST: {
    lw_val *v = lw_new(c, V_LIST);
    v->n = e->list.n;
    v->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(v->n + 1));
    for (int i = 0; i < v->n; i++) v->items[i] = lw_eval(c, s, e->list.v[i]);
    return v;
  }
  case AST_LISTCOMP: {
    int64_t a, b;
    if (lw_to_int(c, lw_eval(c, s, e->a), e->a->loc, &a) || lw_to_int(c, lw_eval(c, s, e->b), e->b->loc, &b))
      return lw_err();
    int64_t n = range_len(c, a, b, e->loc, "list");
    if (n < 0) return lw_err();
    lw_val *v = lw_new(c, V_LIST);
    v->n = (int)n;
    v->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)(v->n + 1));
    for (int64_t i = a; i < b; i++) {
      lw_scope *is = lw_scope_new(c, s);
      lw_bind_set(c, is, e->name, lw_int(c, i));
      v->items[i - a] = lw_eval(c, is, e->c);
      if (v->items[i - a]->k == V_ERR) return lw_err();
    }
    return v;
  }
  case AST_SCAN: return lower_scan(c, s, e, lw_eval(c, s, e->a), NULL);
  case AST_KWARG: return lw_error(c, e->loc, "keyword argument '%s' outside a call", e->name);
  default: return lw_error(c, e->loc, "unexpected %s in an expression", ast_kind_name(e->kind));
  }
}

/* ---- entries ---- */

static lw_val *parse_setting(lw_ctx *c, const char *s) {
  char *end;
  size_t len = strlen(s);
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"') { /* --set act="relu" is act=relu */
    char *p = xl_arena_strdup(c->ar, s + 1);
    p[len - 2] = 0;
    lw_val *v = lw_new(c, V_STR);
    v->s = p;
    return v;
  }
  if (!strcmp(s, "true") || !strcmp(s, "false")) {
    lw_val *v = lw_new(c, V_BOOL);
    v->i = s[0] == 't';
    return v;
  }
  errno = 0;
  long long iv = strtoll(s, &end, 10);
  if (*s && !*end && errno != ERANGE) return lw_int(c, iv); /* else a float: not an integer */
  double fv = strtod(s, &end);
  if (*s && !*end) return lw_float(c, fv);
  if (s[0] == '[') {
    lw_val *v = lw_new(c, V_LIST);
    v->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (strlen(s) + 1));
    const char *p = s + 1;
    while (*p && *p != ']') {
      long long x = strtoll(p, &end, 10);
      if (end == p) return NULL;
      v->items[v->n++] = lw_int(c, x);
      p = end;
      while (*p == ' ' || *p == ',') p++;
    }
    if (*p != ']' || p[1]) return NULL;
    return v;
  }
  lw_val *v = lw_new(c, V_STR);
  v->s = xl_arena_strdup(c->ar, s);
  return v;
}

static cg_graph *lower_entry(lw_ctx *c, const ast *def) {
  /* configuration from settings */
  lw_scope *cfg = lw_scope_new(c, NULL);
  int bad = 0;
  for (int i = 0; i < c->nsets; i++) {
    int j = 0;
    while (j < def->list2.n && strcmp(def->list2.v[j]->name, c->sets[i].key)) j++;
    if (j == def->list2.n) continue; /* a free dimension (checked after lowering) */
    lw_val *v = parse_setting(c, c->sets[i].val);
    if (!v) {
      diag_error(c->d, (xl_loc){0}, "--set %s=%s: cannot parse the value", c->sets[i].key, c->sets[i].val);
      bad = 1;
      continue;
    }
    lw_bind_set(c, cfg, c->sets[i].key, v);
  }
  for (int j = 0; j < def->list2.n; j++) {
    if (lookup_local(cfg, def->list2.v[j]->name)) continue;
    if (!def->list2.v[j]->a) {
      if (c->check_mode) return NULL;
      diag_error(c->d, def->list2.v[j]->loc, "entry '%s' needs a value for '%s' (--set %s=...)", def->name,
                 def->list2.v[j]->name, def->list2.v[j]->name);
      bad = 1;
      continue;
    }
    lw_val *v = lw_eval(c, cfg, def->list2.v[j]->a);
    if (v->k == V_ERR) bad = 1;
    lw_bind_set(c, cfg, def->list2.v[j]->name, v);
  }
  if (bad) return NULL;
  lw_inst in = {.def = def, .path = "", .cfg = cfg};
  c->top = c->g = cg_new();
  lw_frame f = {0};
  f.inst = &in;
  f.entry = 1;
  f.given = c->given;
  f.ngiven = c->ngiven;
  if (def->op == AST_DEF_CELL) {
    lw_val iv = {.k = V_INST, .inst = &in};
    ast fake = {.kind = AST_SCAN, .loc = def->loc, .name = "T"};
    lower_scan(c, cfg, &fake, &iv, &f);
  } else {
    lw_scope *body = lw_scope_new(c, cfg);
    push_inst(c, &in);
    run_items(c, body, &f, &def->list);
    c->ninsts--;
    finish_block_states(c, &f);
    if (f.outv.n == 0) diag_error(c->d, def->loc, "%s '%s' has no outputs", def_kind_name(def), def->name);
  }
  for (int k = 0; k < f.outv.n; k++) {
    lw_val *v = f.outv.v[k];
    if (v->k == V_ERR) continue;
    if (v->k != V_TENSOR) {
      lw_error(c, f.outloc.v[k], "output '%s' must be a tensor, got %s", f.outn.v[k], lw_kind_name(v->k));
      continue;
    }
    if (cg_find_output(c->top, f.outn.v[k]) < 0) cg_output_add(c->top, f.outn.v[k], v->node);
  }
  if (f.vocab > 0)
    for (int i = 0; i < c->top->nodes.n; i++)
      if (c->top->nodes.v[i].op == CG_OP_INPUT && c->top->nodes.v[i].is_int) c->top->nodes.v[i].fval = f.vocab;
  frame_free(&f);
  return c->top;
}

static void ctx_init(lw_ctx *c, xl_arena *ar, const ast *file, lang_diag *d) {
  memset(c, 0, sizeof *c);
  c->ell_rank = -1;
  c->ar = ar;
  c->file = file;
  c->d = d;
  c->free_dims = lw_scope_new(c, NULL);
}

struct cg_graph *lang_lower(xl_arena *ar, const ast *file, const char *entry, const lang_set *sets, int nsets,
                            xt *const *given, int ngiven, lang_diag *d) {
  lw_ctx c;
  ctx_init(&c, ar, file, d);
  c.sets = sets;
  c.nsets = nsets;
  c.given = given;
  c.ngiven = ngiven;
  const ast *def = find_def(file, entry);
  if (!def) {
    char buf[1024] = "";
    size_t n = 0;
    for (int i = 0; i < file->list.n && n < 900; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", file->list.v[i]->name);
    lw_near nr;
    lw_near_init(&nr, entry);
    for (int i = 0; i < file->list.n; i++) lw_near_offer(&nr, file->list.v[i]->name);
    diag_error(d, (xl_loc){0}, "no definition named '%s'%s (the file defines: %s)", entry, lw_near_hint(&c, &nr), buf);
    return NULL;
  }
  if (def->op == AST_DEF_FN) {
    diag_error(d, def->loc, "'%s' is a helper (fn), not a cell, block or model: it cannot be an entry", entry);
    return NULL;
  }
  int nerr = c.errs, dn0 = d->nerr;
  cg_graph *g = lower_entry(&c, def);
  if (g && c.errs == nerr && d->nerr == dn0) {
    /* settings that were neither configuration nor a dimension */
    for (int i = 0; i < nsets; i++) {
      int j = 0;
      while (j < def->list2.n && strcmp(def->list2.v[j]->name, sets[i].key)) j++;
      if (j < def->list2.n || strcmp(sets[i].key, "B") == 0 || lw_lookup(c.free_dims, sets[i].key)) continue;
      char buf[1024] = "";
      size_t n = 0;
      for (int k = 0; k < def->list2.n && n < 900; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", k ? ", " : "", def->list2.v[k]->name);
      lw_near nr;
      lw_near_init(&nr, sets[i].key);
      for (int k = 0; k < def->list2.n; k++) lw_near_offer(&nr, def->list2.v[k]->name);
      lw_near_scope(&nr, c.free_dims);
      lw_near_offer(&nr, "B");
      diag_error(d, (xl_loc){0}, "--set %s: '%s' has no configuration parameter or dimension '%s'%s (configuration: %s)",
                 sets[i].key, entry, sets[i].key, lw_near_hint(&c, &nr), buf);
    }
  }
  free(c.seen.v);
  if (c.errs > nerr || d->nerr > dn0) {
    if (g) cg_free(g);
    return NULL;
  }
  return g;
}

int lw_resolve_def(lw_ctx *c, const ast *def); /* lower_check.c */

int lang_check(xl_arena *ar, const ast *file, lang_diag *d) {
  int nerr = d->nerr;
  lw_ctx c;
  ctx_init(&c, ar, file, d);
  for (int i = 0; i < file->list.n; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(file->list.v[i]->name, file->list.v[j]->name) == 0) {
        lw_error(&c, file->list.v[i]->loc, "'%s' is defined twice", file->list.v[i]->name);
        break;
      }
  for (int i = 0; i < file->list.n; i++) {
    const ast *def = file->list.v[i];
    int before = d->nerr;
    lw_resolve_def(&c, def);
    if (d->nerr > before || def->op == AST_DEF_FN) continue; /* helpers are checked where they are called */
    /* instantiate definitions whose configuration is complete */
    int complete = 1;
    for (int j = 0; j < def->list2.n; j++)
      if (!def->list2.v[j]->a) complete = 0;
    if (!complete) continue;
    lw_ctx ci;
    ctx_init(&ci, ar, file, d);
    ci.seen = c.seen;
    ci.check_mode = 1;
    cg_graph *g = lower_entry(&ci, def);
    c.seen = ci.seen;
    if (g && d->nerr == before && ci.errs == 0) {
      char *buf = NULL;
      size_t len = 0;
      FILE *mem = open_memstream(&buf, &len);
      if (cg_verify(g, mem)) {
        fclose(mem);
        fprintf(stderr, "xlc: internal compiler error: the cell graph of '%s' does not verify:\n%s", def->name, buf);
        abort();
      }
      fclose(mem);
      free(buf);
    }
    if (g) cg_free(g);
  }
  free(c.seen.v);
  return d->nerr - nerr;
}
