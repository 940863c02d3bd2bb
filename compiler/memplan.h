/* memplan.h - the memory plan of a kernel plan: where every value of a cell graph lives.
 *
 * Parameters, gradients and optimizer state each live in one contiguous block; gradients sit
 * at their parameter's offset (AdamW runs over parallel arrays). Data inputs, states and
 * cotangents live in an input region. Everything the steps compute lives in one workspace
 * whose bytes are reused by liveness over the plan's steps; views and SCAN_OUTs alias the
 * storage of their operand, values kept in kernel registers and constants inlined into
 * kernels get none. Scan bodies are planned separately (one workspace per body, reused every
 * step), and that workspace is itself a value of the enclosing plan, live during its scan step.
 */
#ifndef MEMPLAN_H
#define MEMPLAN_H

#include <stddef.h>

#include "kplan.h"

#define MP_ALIGN 64 /* every offset, in every region */

typedef enum {
  MP_NONE,   /* no storage: a kernel-internal value, a constant inlined into every reader, the
                SCAN node itself (its results are separate values) */
  MP_ALIAS,  /* the storage of value `alias` (KP_VIEW, SCAN_OUT) */
  MP_PARAM,  /* parameter block */
  MP_GRAD,   /* gradient block, at the offset of its parameter */
  MP_INPUT,  /* input region: data inputs, initial states, cotangents */
  MP_CALLER, /* scan body: a CONST or BSTATE input, bound by the executor to the caller's value */
  MP_WORK,   /* workspace, live over steps [first, last] */
  MP_NREGIONS
} mp_region;

enum { MP_RES_NODE = -1, MP_RES_BODY = -2 };

typedef struct {
  int node;          /* CG node; for a scan result or a scan body's workspace: the SCAN node */
  int res;           /* MP_RES_NODE: the node's value; k >= 0: result k of a SCAN (cg.h order);
                        MP_RES_BODY: the workspace of the SCAN's body plan */
  mp_region region;
  size_t bytes;      /* numel * elem_size (MP_RES_BODY: the body's peak) */
  size_t off;        /* byte offset in its region (MP_ALIAS: that of the aliased value) */
  int first, last;   /* MP_WORK: live from step `first` (it is written) to `last` (last read),
                        inclusive; -1 otherwise */
  int alias;         /* MP_ALIAS: index of the aliased value (never an alias itself), else -1 */
  int is_out;        /* a graph output (body outputs too): live to the last step */
} mp_value;

/* A parameter and its gradient. */
typedef struct {
  int node;          /* the PARAM input */
  size_t off, bytes; /* the same in the parameter, gradient and optimizer blocks */
  int grad_node;     /* node of output "grad.<name>", -1 if the graph has none */
  int grad_copy;     /* 1: that value could not be placed in the gradient block (it is a view of
                        an input, or shared with another gradient): the executor copies it
                        there after the last step */
} mp_param;

typedef struct mp_plan mp_plan;

struct mp_plan {
  const cg_graph *g;
  const kp_plan *kp;
  size_t elem_size;
  int is_body;                 /* the plan of a scan body */
  XL_VEC(mp_value) vals;       /* vals[i] for node i (i < g->nodes.n), then scan results and
                                  body workspaces */
  int *scan_res;               /* per node: SCAN: index of its result 0 (results follow in
                                  order, then its MP_RES_BODY value); else -1 */
  mp_plan **body;              /* per step: the plan of a SCAN's body, else NULL */
  XL_VEC(mp_param) params;     /* declaration (node) order */
  int nsteps;
  size_t param_bytes;          /* = gradient block = each of the optimizer blocks m, v */
  size_t input_bytes;
  size_t work_peak;            /* workspace size */
  size_t work_bound;           /* max over steps of the live bytes: no placement does better */
  size_t work_sum;             /* bytes of all workspace values without reuse (bodies: once
                                  each, what one malloc per node costs) */
  size_t work_sum_aligned;     /* the same with every value rounded up to MP_ALIGN as placed:
                                  work_peak <= work_sum_aligned, their ratio is the reuse */
};

/* Plans graph g whose kernel plan is kp (g and kp must outlive the result); elem_size is
   sizeof the compute type. Asserts mp_verify. */
mp_plan *mp_build(const cg_graph *g, const kp_plan *kp, size_t elem_size);
void mp_free(mp_plan *p);
/* The value holding node `node`'s data, aliases followed (region MP_NONE: no storage). */
const mp_value *mp_value_of(const mp_plan *p, int node);
/* The value of result k of SCAN node `scan`. */
const mp_value *mp_scan_result(const mp_plan *p, int scan, int k);
/* 0 if the plan is sound, else prints "mp_verify: problem" lines to err (may be NULL) and
   returns their count: offsets aligned and inside their region; workspace values whose live
   ranges overlap use disjoint bytes; parameters, gradients and inputs never overlap; gradients
   at their parameter's offset; every value a step reads or writes has storage and is live
   then; the same for every scan body. */
int mp_verify(const mp_plan *p, FILE *err);
/* --stage=mem: one line per value (node, op, region, bytes, offset, live steps), scan results
   and the body's plan (indented) after their scan, then the totals. */
void mp_dump(const mp_plan *p, FILE *out);

#endif
