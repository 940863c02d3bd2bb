/* run_bind.h - binding the INPUT nodes of a graph from tensor files, seeded initializers and
 * random inputs (run_bind.c, prefix run_): `xlc run`, `xlc gradcheck`, `xlc refcheck` and the
 * causality check of the trainer (causal.c).
 */
#ifndef XLC_RUN_BIND_H
#define XLC_RUN_BIND_H

#include "session.h"

typedef struct {
  const char *entry;
  const char *inputs_path, *params_path, *cot_path; /* NULL: not given */
  const xt_list *inputs, *params, *cots;            /* empty lists when not given */
  uint64_t seed;
  xt_dtype dt; /* compute dtype: XT_F32 or XT_F64 */
  int random_inputs; /* missing data inputs: N(0,1) floats, ints uniform in [0, R): R the size of
                        the one_hot / gather table they index, else the `hint vocab` */
} run_bind_ctx;

/* Checks that every tensor of every file names an input of the matching kind, then fills
   vals[i] (a new tensor in dtype c->dt, or NULL for a state left at its default) for every
   INPUT node i of g. All problems are reported. Returns an exit code; on failure every
   vals[i] is NULL. */
int run_bind(const struct cg_graph *g, const run_bind_ctx *c, xt **vals);
/* 1 if int input `id` may hold -1 (a position that is not scored): no gather/scatter index
   and no scan uses it. */
int run_input_maskable(const struct cg_graph *g, int id);
/* The range [0, R) that --random-inputs draws int input `id` from: the size of the one_hot /
   gather table it indexes, else the entry's `hint vocab`; 0 if unknown. */
double run_int_range(const struct cg_graph *g, int id);
/* Reports the first NaN or Inf of each float tensor of l (read from `path`); returns the
   number of bad tensors. */
int run_check_finite(const char *path, const xt_list *l);

#endif
