/* cg.h - the cell graph (CG): xlc's tensor-level IR, its builder, dump, verifier,
 * reverse-mode autodiff and the reference executor.
 *
 * A graph is an array of nodes in topological order (a node's inputs have smaller ids).
 * Every node has one result with a concrete shape. Tensors that carry the batch have it as
 * their leading axis (the lowering decides; the CG does not care). A SCAN node runs its body
 * graph once per step along a sequence axis; its results are read through SCAN_OUT nodes.
 *
 * SCAN node:  inputs  = nseq sequence tensors, nconst loop-invariant tensors, nstate initial
 *                       states (in that order)
 *             body    = graph whose INPUT nodes have ikind CG_IN_SEQ / CG_IN_CONST / CG_IN_STATE
 *                       and slot k (k-th of that group); body outputs = nstate new states,
 *                       then nout per-step outputs
 *             results = nstate final states, nout stacked per-step outputs (step axis
 *                       inserted at a[CG_SCAN_AXIS]), and if a[CG_SCAN_SAVE]: nstate stacked
 *                       states *before* each step (s_0 .. s_{T-1}), used by the backward scan
 *             a[CG_SCAN_REVERSE]: steps run t = T-1 .. 0 (stacking still by t)
 */
#ifndef CG_H
#define CG_H

#include <stdio.h>

#include "xl_tensor.h"
#include "xl_util.h"

#define CG_MAXRANK 8

typedef enum {
#define X(e, ...) CG_OP_##e,
#include "ops.def"
#undef X
  CG_OP_COUNT
} cg_op;

enum { CG_K_LEAF, CG_K_UNARY, CG_K_BINARY, CG_K_OTHER };
enum { CG_G_NONE, CG_G_RULE };

/* A row of ops.def (its kir column is read by kir.h alone). */
typedef struct {
  const char *name;
  int arity;           /* -1 variadic */
  int kind;            /* CG_K_* */
  const char *builtin; /* the .xl function name, or NULL */
  int grad;            /* CG_G_* */
} cg_opinfo;
extern const cg_opinfo cg_ops[CG_OP_COUNT];

typedef struct {
  int rank;
  int64_t d[CG_MAXRANK];
} cg_shape;

/* INPUT kinds */
typedef enum {
  CG_IN_INPUT, /* data input of the entry (name = declared name) */
  CG_IN_PARAM, /* parameter (name = dotted official path), init = how to initialize */
  CG_IN_STATE, /* initial state of a scan (name = "state.<path>"); fval = default fill */
  CG_IN_COT,   /* cotangent seed added by autodiff (name = "cot.<output name>") */
  CG_IN_SEQ,   /* scan body: per-step slice of sequence input `slot` */
  CG_IN_CONST, /* scan body: loop-invariant input `slot` */
  CG_IN_BSTATE /* scan body: state `slot` before the step */
} cg_ikind;

/* Parameter initializers (resolved by the lowering; executed by runtime/init.c). */
typedef enum {
  CG_INIT_ZEROS,
  CG_INIT_ONES,
  CG_INIT_CONST,    /* p[0] */
  CG_INIT_NORMAL,   /* mean p[0], std p[1] */
  CG_INIT_UNIFORM,  /* low p[0], high p[1] */
  CG_INIT_LINSPACE, /* start p[0], end p[1], along the last axis, repeated over the others */
  CG_INIT_POWERLAW, /* sLSTM forget bias, gate-major [4*NH*D]: block_idx p[0], num_blocks p[1],
                       NH p[2], D p[3]; i, z, o biases 0 */
  CG_INIT_GATE_LINSPACE /* sLSTM forget bias linspace(p[2], p[3]) over each head's D, gate-major
                           [4*NH*D]: NH p[0], D p[1]; i, z, o biases 0 (bias_init "small_init") */
} cg_init_kind;

typedef struct {
  cg_init_kind kind;
  double p[4];
} cg_init;
/* Do spec's arguments fit a parameter `name` (NULL: "(unnamed)") of this shape? 0, or -1 with
   *err (malloc'd, "init of 'NAME': ...") if not: the lowering reports it as a compile error,
   runtime/init.c's init_fill checks again before it fills (cg_init.c). */
int cg_init_check(const cg_init *spec, int rank, const int64_t *shape, const char *name, char **err);

enum { CG_SCAN_NSEQ, CG_SCAN_NCONST, CG_SCAN_NSTATE, CG_SCAN_NOUT, CG_SCAN_AXIS, CG_SCAN_REVERSE,
       CG_SCAN_SAVE };

typedef struct cg_graph cg_graph;

typedef struct {
  cg_op op;
  int nin;
  int *in;        /* node ids, all smaller than this node's id */
  cg_shape shape; /* result shape */
  int is_int;     /* result holds integer ids (tokens), stored as floats; never differentiated */
  double fval;    /* CONST value; INPUT/STATE default fill */
  int64_t a[24];  /* integer attributes, see ops.def */
  char *name;     /* INPUT: name (owned) */
  cg_ikind ikind; /* INPUT */
  int slot;       /* INPUT in a scan body: index within its group */
  cg_init init;   /* INPUT of kind CG_IN_PARAM */
  cg_graph *body; /* SCAN (owned) */
  xl_loc loc;     /* .xl position that produced the node (line 0 = none) */
} cg_node;

typedef struct {
  char *name; /* owned */
  int node;
} cg_output;

struct cg_graph {
  XL_VEC(cg_node) nodes;
  XL_VEC(cg_output) outs;
};

/* ---- building (cg.c) ---- */
cg_graph *cg_new(void);
void cg_free(cg_graph *g);
cg_graph *cg_clone(const cg_graph *g);
int64_t cg_numel(const cg_shape *s);
cg_shape cg_shape_of(int rank, const int64_t *d);
int cg_shape_eq(const cg_shape *a, const cg_shape *b);
/* Adds a node; computes its shape with cg_infer_shape unless op is INPUT/CONST/RESHAPE/
   BROADCAST/SCATTER_ADD (shape given in *shape). Returns the node id. Aborts (XL_ASSERT) on
   inconsistent shapes: the lowering checks user shapes before emitting. */
int cg_add(cg_graph *g, cg_op op, int nin, const int *in, const cg_shape *shape, xl_loc loc);
int cg_input(cg_graph *g, cg_ikind k, const char *name, int slot, cg_shape shape, xl_loc loc);
int cg_const(cg_graph *g, double v, cg_shape shape);
int cg_unary(cg_graph *g, cg_op op, int x);
int cg_binary(cg_graph *g, cg_op op, int x, int y); /* equal rank, dims equal or 1 */
int cg_sum(cg_graph *g, int x, unsigned axes_mask);  /* keeps rank */
int cg_maxr(cg_graph *g, int x, unsigned axes_mask);
int cg_broadcast(cg_graph *g, int x, cg_shape to);
int cg_sum_to(cg_graph *g, int x, cg_shape to); /* inverse of broadcast: sums over expanded dims */
int cg_reshape(cg_graph *g, int x, cg_shape to);
int cg_transpose(cg_graph *g, int x, const int *perm);
int cg_slice(cg_graph *g, int x, int axis, int64_t start, int64_t len);
int cg_pad(cg_graph *g, int x, int axis, int64_t before, int64_t after);
/* op CUMSUM or LOGCUMSUMEXP along axis, from the axis' end when reverse; keeps the shape */
int cg_cumulative(cg_graph *g, cg_op op, int x, int axis, int reverse);
int cg_concat(cg_graph *g, int n, const int *xs, int axis);
int cg_einsum(cg_graph *g, int x, int y, const char *lx, const char *ly, const char *lo);
int cg_output_add(cg_graph *g, const char *name, int node);
int cg_find_output(const cg_graph *g, const char *name); /* index in outs, -1 if none */
int cg_find_input(const cg_graph *g, const char *name);  /* node id, -1 if none */
int cg_infer_shape(const cg_graph *g, const cg_node *n, cg_shape *out); /* 0 = ok */
/* Same, and on failure writes the reason into why[0..whylen) (may be NULL). */
int cg_infer_shape_why(const cg_graph *g, const cg_node *n, cg_shape *out, char *why, size_t whylen);
/* is_int a node must have: INPUT/CONST: as set by the caller; RESHAPE, BROADCAST, TRANSPOSE,
   SLICE, PAD, CONCAT (all operands), DETACH: the operand's; GATHER: the table's; SCAN_OUT:
   the matching body output's (states/saved states: the state input's); all others 0. */
int cg_infer_int(const cg_graph *g, const cg_node *n);
/* General builder: copies *proto (op, nin, in, a[], fval, is_int of INPUT/CONST, name, ikind,
   slot, init, body (ownership taken), loc), infers shape (except INPUT/CONST/RESHAPE/BROADCAST/
   SCATTER_ADD: proto->shape) and is_int, XL_ASSERTs consistency. Returns the node id.
   cg_add is this with zero attributes; for ops with attributes (SUM, MAXR, EINSUM, TRANSPOSE,
   SLICE, PAD, CONCAT, ONE_HOT, CUMSUM, LOGCUMSUMEXP, SCAN, SCAN_OUT) cg_add needs `shape`, stores it unchecked and the
   caller sets a[] afterwards (cg_verify checks) -- prefer the builders below. */
int cg_add_node(cg_graph *g, const cg_node *proto);
int cg_where(cg_graph *g, int c, int a, int b);             /* c != 0 ? a : b, broadcasting */
int cg_gather(cg_graph *g, int table, int idx);             /* [V, R...], [I...] -> [I..., R...] */
int cg_scatter_add(cg_graph *g, int x, int idx, int64_t V); /* [I..., R...], [I...] -> [V, R...] */
int cg_one_hot(cg_graph *g, int idx, int64_t n);            /* [I...] -> [I..., n] */
/* SCAN node; ins = nseq + nconst + nstate outer node ids; takes ownership of body.
   Results are read with cg_scan_out(g, scan, k): k < nstate final state k, then nout stacked
   outputs, then (save) nstate stacked pre-step states. */
int cg_scan(cg_graph *g, cg_graph *body, int nseq, int nconst, int nstate, int nout, int axis,
            int reverse, int save, const int *ins);
int cg_scan_out(cg_graph *g, int scan, int k);
int cg_scan_nresults(const cg_node *scan); /* nstate + nout (+ nstate if save) */

/* ---- dump and verify (cg_dump.c, cg_verify.c) ---- */
/* Deterministic text: one node per line "%id = op %a, %b attrs [int] : [shape]", scan bodies in
   braces indented two more spaces ("scan seqs | consts | states ... { ... } : []"), then
   `output "name" = %id` lines (anonymous body outputs: "outputs %i, %j"). Floats: shortest
   %.{1..17}g that reads back exactly; inf, -inf, nan. No pointers, no source locations. */
void cg_dump(const cg_graph *g, FILE *out);
/* the shortest decimal that reads back exactly; inf, -inf, nan spelled (all dumps use it) */
void cg_put_float(FILE *f, double v);
/* Returns 0 if well formed, else prints the problems to `err` (may be NULL) as
   "cg_verify: %<id> <op>: problem" (inside a body: "cg_verify: %<scan> scan body: %<id> ...")
   and returns their count. Also requires index operands of GATHER/SCATTER_ADD/ONE_HOT to be
   is_int, and is_int == cg_infer_int for every node. */
int cg_verify(const cg_graph *g, FILE *err);

/* ---- autodiff (autodiff.c) ---- */
/* Appends the backward pass to g.
   loss_output != NULL: seed the (scalar) output with that name with 1.
   loss_output == NULL: add a CG_IN_COT input "cot.<name>" for every non-integer output and
   seed each output with it.
   Adds an output "grad.<name>" for every non-integer INPUT of kind INPUT, PARAM or STATE
   (state inputs are named "state.<...>", so their gradients are "grad.state.<...>").
   Gradients of a scan's loop-invariant inputs that are step sums of einsums (or of plain
   per-step values) are computed after the backward scan from stacked factors, not carried as
   backward-scan states; o->hoist = 0 (XLC_HOIST=0) keeps the carried accumulators, and
   o->save_products = 0 (XLC_SAVE_PRODUCTS=0) recomputes the state products the backward
   scan reads. o NULL: xl_options_default().
   Returns 0, or -1 with a message in *err (malloc'd) if an output is missing. */
struct xl_options_s;
int ad_append_backward(cg_graph *g, const char *loss_output, const struct xl_options_s *o, char **err);

/* ---- optimization (cg_opt.c): the cg-opt stage, after autodiff, before kernel planning ---- */
/* Passes, as bits of cg_optimize_passes' mask; cg_optimize runs them all. Every pass works
   recursively inside scan bodies and keeps the graph's outputs (names, order) and every
   top-level INPUT node (unused ones too: callers bind inputs by name after optimizing).
   FOLD: reshape of reshape, no-op reshape/broadcast/transpose/slice/pad/concat/sum/maxr,
         transpose of transpose, neg of neg, detach (identity once gradients exist), x*1, x/1,
         x+0, x-0 (only where the result has x's shape and is_int: broadcasting is kept).
   CSE:  one node for equal op, operands, a[], fval, shape and is_int (not INPUT, not SCAN).
   DCE:  nodes no output needs; scans: per-step outputs nobody reads (nout shrinks, the
         scan_out indices are renumbered), saved states nobody reads (save -> 0), body nodes
         those outputs needed, sequence/loop-invariant operands the body no longer reads
         (slots renumbered; one sequence stays). Carried states always stay.
   Nodes replaced by FOLD or CSE are removed by every pass. */
enum { CG_OPT_FOLD = 1, CG_OPT_CSE = 2, CG_OPT_DCE = 4, CG_OPT_ALL = 7 };
typedef struct {
  int nodes_before, nodes_after; /* cg_count_nodes */
  int folded, merged, dead;      /* nodes removed by each pass (dead: DCE, bodies included) */
  int scan_outs_removed;         /* per-step outputs and saved-state groups dropped */
  int scan_ins_removed;          /* sequence / loop-invariant operands dropped */
} cg_opt_stats;
/* Nodes of g and of every scan body, recursively. */
int cg_count_nodes(const cg_graph *g);
/* Returns 0, or -1 with a message in *err (malloc'd) if the result fails cg_verify (an
   internal error: g is then unusable). st may be NULL. The graph must not be differentiated
   afterwards (DETACH is gone). */
int cg_optimize_passes(cg_graph *g, unsigned passes, cg_opt_stats *st, char **err);
int cg_optimize(cg_graph *g, cg_opt_stats *st, char **err);

/* ---- reference executor (exec.c) ---- */
typedef enum { CG_F64, CG_F32 } cg_dtype;
/* Runs g in float64 or float32 arithmetic (every op computes in that type).
   inputs[i] is the value of node i for every INPUT node (NULL for a STATE input means:
   filled with the node's fval); values are converted to the compute dtype.
   outputs[k] receives a new tensor (compute dtype) for g->outs.v[k].
   Returns 0, or -1 with a message in *err (malloc'd), e.g. on a shape mismatch of an input,
   or XL_EXEC_NOMEM when the run needs more memory than the process may use (xl_mem_limit; the
   message says how much and what to reduce): a user error, not an internal one. */
enum { XL_EXEC_NOMEM = 1 };
/* How to make a run smaller, for XL_EXEC_NOMEM messages. */
#define XL_EXEC_ADVICE                                                                            \
  "reduce the batch B or the sequence length T (training: smaller micro-batches with "           \
  "XLC_MICROBATCH_TOKENS)"
int ref_exec(const cg_graph *g, cg_dtype dt, xt *const *inputs, xt **outputs, char **err);
/* Evaluates node `id` (not INPUT, SCAN or SCAN_OUT) from the values of its operands
   (vals[operand] = array of double or float); stores a newly allocated result in vals[id]. */
int ref_exec_node(const cg_graph *g, int id, cg_dtype dt, void **vals, char **err);

#endif
