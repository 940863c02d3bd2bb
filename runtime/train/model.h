/* model.h - a trainable token model for `xlc train`, `xlc eval` and `xlc generate`
 * (model.c, prefix mdl_).
 *
 * A model is an entry of a .xl file with --set configuration, int inputs `tokens: int[T]` and
 * `targets: int[T]` and outputs `logits: [T, V]` and `loss` (a scalar; cross_entropy skips
 * targets -1). It owns the master copy of the parameters (official names, in the compute dtype)
 * and a small cache of executors, one per (B, T, training or not): graphs are lowered and
 * compiled for exact shapes, so callers pad T up to a few bucket sizes (mdl_bucket) — exact
 * for a causal model, and it keeps the number of compiled graphs small.
 *
 * A model may also take `positions: int[P]` with `targets: int[P]` (the stdlib's xlstm_lm_at):
 * its head and loss run only at those positions. Callers still pass targets [B, T] with -1 at
 * unscored positions; mdl_run lists each row's scored positions (padded with position 0,
 * target -1), so both kinds of model are driven the same way (mdl_npos gives P).
 *
 * Threads: on a backend with threads of its own whose executors may run concurrently (cpu:
 * XLC_NUM_THREADS, default the online CPUs, at most 8) a batch whose B divides by that many
 * is split into as many shards of B / n rows, each run by an executor of its own on a thread
 * of its own (data parallelism; the backend is set serial, so kernels and BLAS then stay on
 * the shard's thread). `loss` and `grad.*` of the batch are the shards' weighted by their scored targets,
 * which is exact for a loss that is the mean over scored positions (cross_entropy); other
 * outputs are concatenated along the batch axis. Results are deterministic for a fixed n.
 * A shard runs its rows as micro-batches of half, a quarter... as many rows, combined the
 * same way: first down to MDL_MICRO_TOKENS tokens (rows x T) but not below
 * MDL_MICRO_MIN_ROWS rows, then further while the planned activations of a run (workspace
 * beyond the parameters and gradients) exceed MDL_MICRO_BYTES. Smaller runs walk less memory
 * per kernel and were faster per token (docs/performance.md: mLSTM-heavy models gain from
 * single rows, sLSTM-heavy ones lose, their scans paying per step). XLC_MICROBATCH_TOKENS=N
 * replaces both rules by a budget of N tokens (single rows allowed). The rows per run change
 * the rounding of the results, not what they compute.
 */
#define MDL_MICRO_TOKENS 512
#define MDL_MICRO_MIN_ROWS 2
#define MDL_MICRO_BYTES (40.0 * 1048576)
#ifndef XLC_MODEL_H
#define XLC_MODEL_H

#include "session.h"
#include "backend.h"

typedef struct mdl_exe {
  int B, T, P, train; /* train: MDL_EVAL/TRAIN/DECODE; P: positions per row (models with a `positions` input), else 0 */
  cg_graph *g;
  xl_exec *e;         /* the prepared graph (NULL: the data-parallel wrapper of shards) */
  int tok_in, tgt_in; /* node ids of the data inputs */
  int pos_in;         /* node id of `positions: int[P]`, -1 if the model has none */
  int loss_out, logits_out;
  int *param_in;      /* [nparams] node id of each master parameter */
  int *grad_out;      /* [nparams] output index of grad.<param> (training graphs), else -1 */
  int nstate;
  int *state_in;      /* [nstate] node ids of the STATE inputs (names: g->nodes.v[id].name) */
  long last_use;
  int owns_g;         /* g is freed with this executor (shards share shard 0's graph) */
  int nshard;         /* > 0: a data-parallel executor: shard[i] runs rows [i B/n, (i+1) B/n) */
  int micro;          /* ... in `micro` runs of B/(n micro) rows each, one after the other */
  struct mdl_exe **shard;
  struct mdl_exe *next;
  xt **in;            /* scratch of a run (one at a time per executor): inputs by node id, */
  xt *tk, *tg, *ps;   /* and the token, target and position tensors */
} mdl_exe;

typedef struct {
  drv_src src;
  int src_loaded;
  char *file, *entry, *backend;
  const xl_backend *be;   /* the row of `backend` (runtime/backend.h) */
  cg_dtype dt;
  drv_sets sets;          /* the model's configuration (B and T are added per graph) */
  XL_VEC(char *) set_strs; /* owned "K=V" strings behind sets */
  xt_list params;         /* master parameters (F32 or F64 as dt), graph order */
  cg_init *inits;         /* [nparams] initializer of each parameter */
  int vocab;              /* the entry's `hint vocab` (size of the token input), 0 if none */
  int auto_chunk;         /* > 0 (mdl_auto_form): each graph gets form=parallel for T <= 2 chunks,
                             form=chunkwise beyond (same function and parameters) */
  int workers;            /* data-parallel shards per batch: the backend's threads where its
                             executors may run concurrently (cpu: XLC_NUM_THREADS; ref: 1) */
  xl_options opt;         /* the options of its graphs and executors (drv_options() at mdl_open) */
  int scored;             /* the entry has `in positions: int[P]` and `targets: int[P]`
                             (xlstm_lm_at): logits and loss only at the listed positions */
  mdl_exe *cache;
  long uses;
} mdl;

/* Loads FILE (text: its text held in memory, e.g. a checkpoint's stored source, FILE then only
   names it; NULL: read FILE), checks that ENTRY is a token model (inputs tokens/targets, outputs
   logits and loss) by lowering it once at B = T = 1, and records its parameters. sets: "K=V"
   strings. Errors are printed; returns an exit code. */
int mdl_open(mdl *m, const char *file, const char *text, const char *entry, const char *const *sets, int nsets,
             const char *backend, cg_dtype dt);
/* 1 if definition `entry` of a parsed file declares `in name` at its top level. */
int mdl_entry_has_input(const ast *file, const char *entry, const char *name);
/* 1 if ENTRY of FILE (text: its text, NULL: read FILE) declares configuration parameter `name`
   (without lowering). */
int mdl_entry_has_config(const char *file, const char *text, const char *entry, const char *name);
void mdl_free(mdl *m);
/* XLC_PROFILE for a trainer: the recorded times of every executor still cached (a data-parallel
   one: its first shard's), each after a line "profile: ENTRY B=.. T=.. MODE (N runs)", then the
   `steps` costliest plan steps (0: none). Nothing for executors that record no times. */
void mdl_profile(const mdl *m, FILE *out, int steps);

/* Fills every parameter from its initializer (per-parameter streams of `seed`). */
int mdl_init_params(mdl *m, uint64_t seed);
/* Copies the parameters of a checkpoint or state dict (after ckpt_validate) into the model;
   every parameter must be present with its shape. Errors are printed; returns an exit code. */
int mdl_set_params(mdl *m, const xt_list *l, const char *path);

/* T rounded up to the padded length that graphs are compiled for. */
int mdl_bucket(int T);
/* For entries with `form` and `chunk` (xlstm_lm): from now on every graph picks the faster
   training form for its length, the parallel form up to two chunks and the chunkwise form
   beyond (measured in docs/performance.md); `chunk` from the settings, else 64. */
void mdl_auto_form(mdl *m);
/* Positions per row to compile for: 0 for a model without a `positions` input; else the most
   scored positions (target >= 0) of a row of targets [B, T] (at least 1, rounded up like
   mdl_bucket beyond 8), or T when targets is NULL (every position, e.g. generation). */
int mdl_npos(const mdl *m, const int32_t *targets, int B, int T);
/* What an executor computes: MDL_EVAL logits, loss and final states; MDL_TRAIN also the
   gradients of every parameter (loss mode); MDL_DECODE logits and final states only (no
   loss: generation). */
enum { MDL_EVAL = 0, MDL_TRAIN = 1, MDL_DECODE = 2 };
/* The executor for (B, T, P, mode): lowered, differentiated (MDL_TRAIN) and prepared once,
   then cached (least recently used ones are dropped beyond a few). NULL with *rc on error. */
mdl_exe *mdl_get(mdl *m, int B, int T, int P, int train, int *rc);
/* Runs x with tokens/targets [x->B, T] (T <= x->T: padded here with token 0 / target -1) and
   the master parameters (a model with positions: the scored positions of each row, or, without
   targets, positions 0 .. P-1); states: optional tensors per state input name (NULL = defaults), a
   list whose tensors are named like the inputs. outs: g->outs.n entries, each NULL (a new
   tensor is made) or a tensor of an earlier run to be overwritten where it has the output's
   name, dtype and shape (else it is replaced; xl_exec_run). A data-parallel executor needs NULLs.
   Returns 0 or -1 with *err. */
int mdl_run(mdl *m, mdl_exe *x, const int32_t *tokens, const int32_t *targets, int T, const xt_list *states,
            xt **outs, char **err);
void mdl_outs_free(const mdl_exe *x, xt **outs);
/* The index of the largest of lg[off .. off + V) (the first of equal ones; NaN never wins, 0 if
   none is above -inf): greedy decoding's next token. */
int mdl_argmax(const xt *lg, int64_t off, int V);
/* Points st at the final-state outputs of a run (outs), named like the state inputs, for the
   next run of a model decoded step by step; the tensors stay owned by outs (st->v.n is reset
   here; release st with free(st->v.v), never xtl_free).
   A decode loop alternates two output arrays, so that one run reads the states the previous
   one wrote while it writes the other array's tensors (reused in place, see xl_exec_run). */
void mdl_borrow_states(const mdl_exe *x, xt *const *outs, xt_list *st);

/* Number of scored positions (target >= 0) of rows [B, T] and how many of them the argmax of
   x's logits gets right: [B, Tx, V] (Tx >= T; row t is position t), or for a model with
   positions [B, P, V] (row p is the row's p-th scored position, as mdl_run lists them). */
void mdl_accuracy(const mdl_exe *x, const xt *logits, const int32_t *targets, int B, int T, int64_t *scored,
                  int64_t *correct);

#endif
