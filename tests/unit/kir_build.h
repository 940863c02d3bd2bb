/* kir_build.h - building KIR kernels by hand in unit tests (prefix kb_): a kernel's domain,
 * buffers and body instructions, for the tests of the KIR emitters (test_jit: MLIR,
 * test_kir_cuda: CUDA C). Header-only (static inline): each test includes it once.
 */
#ifndef KIR_BUILD_H
#define KIR_BUILD_H

#include <stdio.h>
#include <string.h>

#include "kir.h"

/* an empty kernel named name over dim[0..nd) */
static inline void kb_init(kir_kernel *k, const char *name, int nd, const int64_t *dim) {
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", name);
  k->ndim = nd;
  for (int d = 0; d < nd; d++) k->dim[d] = dim[d];
}

/* the next buffer: numel elements, an output when out */
static inline void kb_buf(kir_kernel *k, int64_t numel, int out) {
  k->buf_numel[k->nbuf] = numel;
  k->buf_out[k->nbuf] = out;
  k->nbuf++;
}

/* appends in; returns its value index */
static inline int kb_push(kir_kernel *k, kir_inst in) {
  xl_vec_push(k->body, in);
  return k->body.n - 1;
}

/* a LOAD or STORE (of value a) of buf at off with strides st[0..ndim) */
static inline int kb_mem(kir_kernel *k, kir_op op, int buf, int64_t off, const int64_t *st, int a) {
  kir_inst in;
  memset(&in, 0, sizeof in);
  in.op = op, in.buf = buf, in.off = off, in.a = a;
  for (int d = 0; d < k->ndim; d++) in.stride[d] = st[d];
  return kb_push(k, in);
}
#define LOAD(k, buf, off, ...) kb_mem(k, KIR_LOAD, buf, off, (const int64_t[]){__VA_ARGS__}, 0)
#define STORE(k, buf, off, a, ...) kb_mem(k, KIR_STORE, buf, off, (const int64_t[]){__VA_ARGS__}, a)

/* a value op of operands a, b, c (unused ones 0) */
static inline int kb_op(kir_kernel *k, kir_op op, int a, int b, int c) {
  kir_inst in;
  memset(&in, 0, sizeof in);
  in.op = op, in.a = a, in.b = b, in.c = c;
  return kb_push(k, in);
}

static inline int kb_const(kir_kernel *k, double v) {
  kir_inst in;
  memset(&in, 0, sizeof in);
  in.op = KIR_CONST, in.imm = v;
  return kb_push(k, in);
}

#endif
