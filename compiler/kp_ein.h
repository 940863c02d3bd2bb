/* kp_ein.h - private to the kernel planner (kplan.c, kp_gemm.c): the view of an EINSUM node's
 * operands and labels both files read, and kp_gemm.c's entry points for kplan.c. Not included
 * outside the planner; kplan.h is the plan's interface.
 */
#ifndef KP_EIN_H
#define KP_EIN_H

#include <stdio.h>

#include "kplan.h"

typedef struct {
  int r[3];               /* ranks of x, y, out */
  const int64_t *l[3];    /* their labels */
  const cg_shape *s[3];   /* their shapes */
} ein;

static inline ein ein_of(const cg_graph *g, const cg_node *n) {
  ein e;
  e.s[0] = &g->nodes.v[n->in[0]].shape;
  e.s[1] = &g->nodes.v[n->in[1]].shape;
  e.s[2] = &n->shape;
  for (int o = 0; o < 3; o++) {
    e.r[o] = e.s[o]->rank;
    e.l[o] = n->a + 8 * o;
  }
  return e;
}

/* Position of label lab in operand o (0 x, 1 y, 2 out), -1 if absent. */
static inline int lab_pos(const ein *e, int o, int64_t lab) {
  for (int p = 0; p < e->r[o]; p++)
    if (e->l[o][p] == lab) return p;
  return -1;
}

/* No label repeated inside an operand (no diagonals). */
static inline int ein_distinct(const ein *e) {
  for (int o = 0; o < 3; o++)
    for (int p = 0; p < e->r[o]; p++)
      if (lab_pos(e, o, e->l[o][p]) != p) return 0;
  return 1;
}

/* Row-major element strides of s. */
static inline void strides_of(const cg_shape *s, int64_t *st) {
  int64_t m = 1;
  for (int i = s->rank - 1; i >= 0; i--) {
    st[i] = m;
    m *= s->d[i];
  }
}

/* kp_gemm.c */
/* 1 and *gm when EINSUM n is one (batched, strided) matrix product (kplan.h kp_gemm). */
int kp_gemm_of(const cg_graph *g, const cg_node *n, kp_gemm *gm);
/* How an EINSUM that is not one GEMM runs (kplan.h kp_ein). */
void kp_ein_plan(const cg_graph *g, const cg_node *n, kp_ein *f);
/* kplan.c: prints "kp_verify: <where><message>" to err (may be NULL); returns 1. */
int kp_vproblem(FILE *err, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Problems of a GEMM / einsum descriptor of node `node`, printed as "kp_verify: <w>..." lines. */
int kp_gemm_verify(const cg_graph *g, int node, const kp_gemm *m, FILE *err, const char *w);
int kp_ein_verify(const cg_graph *g, int node, const kp_ein *f, FILE *err, const char *w);
/* One line (no newline) describing f, for kp_dump. */
void kp_ein_dump(const kp_ein *f, FILE *out);

#endif
