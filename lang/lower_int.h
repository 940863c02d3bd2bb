/* lower_int.h - internal types of the lowering (AST -> cell graph).
 *
 * The lowering is an evaluator over the AST of one entry: configuration expressions are
 * computed at compile time (ints, floats, bools, strings, lists, initializers), tensor
 * expressions emit cell-graph nodes. Values carry their per-example shape (the batch axis is
 * implicit: a "batched" value has it as the leading CG axis). Shapes are concrete numbers;
 * each dimension remembers the name it came from for messages.
 */
#ifndef LOWER_INT_H
#define LOWER_INT_H

#include "cg.h"
#include "lang.h"

#define LW_MAXRANK (CG_MAXRANK - 1) /* per-example rank; one axis is kept for the batch */
#define LW_MAX_HELPER_DEPTH 64 /* helpers calling helpers: deeper is an error */
#define LW_MAX_DEF_DEPTH 64 /* blocks applying blocks (instantiation depth): deeper is an error */
#define LW_MAX_NUMEL ((int64_t)1 << 40) /* elements of a tensor, batch included: larger is an error */

typedef struct {
  int64_t v;
  const char *sym; /* name the size came from (T, E, ...) or NULL */
} lw_dim;

typedef enum { V_ERR, V_NONE, V_INT, V_FLOAT, V_BOOL, V_STR, V_LIST, V_TUPLE, V_TENSOR, V_INIT, V_INST } lw_vkind;

typedef struct lw_inst lw_inst;
typedef struct lw_val lw_val;

struct lw_val {
  lw_vkind k;
  int64_t i;       /* V_INT, V_BOOL */
  double f;        /* V_FLOAT */
  const char *s;   /* V_STR */
  lw_val **items;  /* V_LIST, V_TUPLE */
  int n;
  /* V_TENSOR */
  int node;        /* node id in the current graph */
  int batched;     /* CG shape = [B] + dims */
  int is_int;
  int rank;        /* per-example rank */
  lw_dim d[LW_MAXRANK];
  cg_init init;    /* V_INIT */
  lw_inst *inst;   /* V_INST */
};

/* An instance of a definition: a def with its configuration and parameter path prefix. */
struct lw_inst {
  const ast *def;
  char *path;            /* "xlstm_block_stack.blocks.0." (empty for the entry) */
  struct lw_scope *cfg;  /* configuration bindings */
};

typedef struct lw_bind {
  const char *name;
  lw_val *v;
  int is_state;    /* name of a state: v is the value before the step */
  struct lw_bind *next;
} lw_bind;

typedef struct lw_scope {
  lw_bind *head;
  struct lw_scope *parent;
} lw_scope;

typedef struct {
  xl_arena *ar;
  lang_diag *d;
  const ast *file;
  cg_graph *g;       /* graph being emitted (the entry graph or a scan body) */
  cg_graph *top;     /* the entry graph (parameters and states live here) */
  lw_dim batch;      /* B */
  int depth;         /* instantiation depth (recursion guard) */
  /* instances being instantiated (entry, applied blocks, scanned cells), outermost first: a
     use of one of their definitions that cannot end is reported as a recursion, naming the chain */
  const lw_inst *insts[LW_MAX_DEF_DEPTH + 2];
  int ninsts;
  int ell_rank;      /* axes that '...' matched in the current block's inputs (-1: none) */
  int errs;          /* lw_error calls (also deduplicated ones): lowering failed if > 0 */
  int too_deep;      /* a recursion hit the limit: unwind without more work */
  int check_mode;    /* lang_check: free dims get placeholder sizes */
  int next_free;     /* next placeholder size */
  /* free dimensions bound so far (name -> size), from settings, given tensors or defaults */
  lw_scope *free_dims;
  const lang_set *sets;
  int nsets;
  xt *const *given; /* entry inputs given by the caller (bind free dims) */
  int ngiven;
  XL_VEC(uint64_t) seen; /* reported diagnostics (dedupe) */
  /* scan body being built: consts captured from the top graph */
  XL_VEC(int) *body_consts;
  int nerr0;
  xl_loc loc;        /* the expression or item being lowered */
  /* helpers (`fn`) being expanded, outermost first: a call of one of them is a recursion */
  const ast *helpers[LW_MAX_HELPER_DEPTH];
  int nhelpers;
} lw_ctx;

/* values */
lw_val *lw_new(lw_ctx *c, lw_vkind k);
lw_val *lw_err(void);
lw_val *lw_int(lw_ctx *c, int64_t v);
lw_val *lw_float(lw_ctx *c, double v);
lw_val *lw_tensor(lw_ctx *c, int node, int batched, int rank, const lw_dim *d); /* checks the size */
/* *n = lead * product of the sizes; -1 if a size is negative, it overflows or exceeds LW_MAX_NUMEL */
int lw_numel(int rank, const lw_dim *d, int64_t lead, int64_t *n);
const char *lw_kind_name(lw_vkind k);
char *lw_shape_str(const lw_val *t); /* "[T=16, 32]" malloc'd */
int lw_is_num(const lw_val *v);
double lw_num(const lw_val *v);

/* scopes */
lw_scope *lw_scope_new(lw_ctx *c, lw_scope *parent);
void lw_bind_set(lw_ctx *c, lw_scope *s, const char *name, lw_val *v);
lw_bind *lw_lookup(lw_scope *s, const char *name);

/* printf into the arena (freed with it) */
char *lw_fmt(lw_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* diagnostics with dedupe; always returns lw_err() */
lw_val *lw_error(lw_ctx *c, xl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "did you mean": offer candidates for a misspelt name s one by one (NULL ones are skipped);
   lw_near_hint gives "; did you mean 'x'?" for the nearest within xl_suggest_limit, or "". */
typedef struct {
  const char *s, *best;
  int d;
} lw_near;
void lw_near_init(lw_near *n, const char *s);
void lw_near_offer(lw_near *n, const char *cand);
void lw_near_scope(lw_near *n, const lw_scope *s); /* every name bound in s and its parents */
void lw_near_builtins(lw_near *n);                  /* lower_ops.c */
const char *lw_near_hint(lw_ctx *c, const lw_near *n);
/* the hint for an unknown name used in an expression: scope, definitions, builtins */
const char *lw_name_hint(lw_ctx *c, const lw_scope *s, const char *name);

/* a warning, deduplicated the same way (the lowering goes on) */
void lw_warn(lw_ctx *c, xl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* tensor emission (lower_ops.c) */
cg_shape lw_cg_shape(lw_ctx *c, const lw_val *t);
lw_val *lw_as_tensor(lw_ctx *c, lw_val *v, xl_loc loc); /* numbers become scalar constants */
lw_val *lw_binary(lw_ctx *c, cg_op op, lw_val *a, lw_val *b, xl_loc loc);
lw_val *lw_unary(lw_ctx *c, cg_op op, lw_val *a, xl_loc loc);
lw_val *lw_reshape(lw_ctx *c, lw_val *x, int rank, const lw_dim *d, xl_loc loc);
lw_val *lw_reduce(lw_ctx *c, cg_op op, lw_val *x, int axis /* -99 = all */, int keep, xl_loc loc);
lw_val *lw_einsum(lw_ctx *c, const char *spec, lw_val *x, lw_val *y, xl_loc loc);
lw_val *lw_call_builtin(lw_ctx *c, const ast *call, const char *name, lw_val **args, int nargs,
                        const char **kwn, lw_val **kwv, int nkw, int *found);

/* evaluation (lower.c) */
lw_val *lw_eval(lw_ctx *c, lw_scope *s, const ast *e);
int lw_to_int(lw_ctx *c, lw_val *v, xl_loc loc, int64_t *out);

#endif
