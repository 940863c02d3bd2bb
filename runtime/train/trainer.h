/* trainer.h - the trainer (trainer.c, train_loop.c, prefix trn_): trainer settings (one table
 * for the command line and the checkpoint JSON), opening the model of a run, evaluation,
 * saving, and the training loop. The command line's half (options, --config sections, the
 * checkpoint of eval/generate) is tools/train_args.c (train_args.h).
 */
#ifndef XLC_TRAINER_H
#define XLC_TRAINER_H

#include "ckpt.h"
#include "data.h"
#include "model.h"

typedef struct {
  char *task;               /* data spec */
  char *init;               /* --init: parameters from this checkpoint or state dict (fresh optimizer) */
  data_opts data;
  char *file, *entry;       /* NULL: the stdlib's xlstm_lm */
  char *source;             /* the text of `file` stored in a checkpoint (compiled instead of
                               reading `file`, which then only names it); NULL: read the file */
  char *source_hash;        /* a checkpoint of the format without stored sources: the hash its
                               `file` must have (NULL: not checked, e.g. FILE ENTRY given) */
  int model_from_init;      /* train --init without FILE ENTRY or --config: the model (file,
                               its stored text, entry, sets under --set) from the --init
                               checkpoint where it stores its source */
  XL_VEC(char *) sets;      /* model configuration "K=V" (V added from the task if absent) */
  char *sets_desc;          /* the sets joined by spaces (titles) */
  char *backend;
  int f64;
  int64_t steps, warmup, eval_every, resume_step;
  int64_t warm_steps; /* length warm-up: the first warm_steps steps draw rows of length <= warm_len */
  int warm_len;
  int batch, accum, eval_batches, test_batches, log_every, decay_embedding;
  int warmup_set, lr_min_set;
  int lr_min_frac_set;      /* --config's lr_decay_factor: lr_min = lr * lr_min_frac unless --lr-min */
  double lr_min_frac;
  double lr, lr_min, wd, clip;
  uint64_t seed;
} trn_cfg;

typedef struct {
  double loss, acc; /* loss: mean over scored positions; acc: argmax accuracy there */
  int64_t scored;
} trn_metrics;

void trn_cfg_default(trn_cfg *c);
void trn_cfg_free(trn_cfg *c);
/* Settings of a training checkpoint: trainer JSON, entry, source path and stored source (else
   the source hash to check), sets, step. */
int trn_cfg_from_ckpt(trn_cfg *c, const ckpt *ck, const char *path);
char *trn_cfg_json(const trn_cfg *c); /* malloc'd JSON text */

/* ---- setting one field (the command line's half, tools/train_args.c, uses these) ---- */
typedef struct trn_field trn_field; /* a numeric setting of the table: --opt and its JSON key */
const trn_field *trn_field_by_opt(const char *opt); /* NULL: not a numeric setting */
/* --opt VALUE of a numeric setting, checked against its range; -1 after printing an error */
int trn_field_from_arg(trn_cfg *c, const trn_field *f, const char *v);
const char *trn_dtype_why(const char *v); /* NULL if v is f32 or f64, else why not */
void trn_set_str(char **dst, const char *v); /* replaces *dst by a copy of v (NULL: none) */
/* The model's file and entry (NULL: unchanged) from the command line or a config file: read
   from disk, nothing to check it against. */
void trn_set_model(trn_cfg *c, const char *file, const char *entry);
void trn_add_set(trn_cfg *c, const char *kv); /* "K=V", replacing an earlier setting of K */

/* Opens the run's model (V defaults to the task's vocabulary), checks it against the data,
   and fills its parameters: from ck or c->init (matched by name and shape; a model read from
   the file a checkpoint names must have its c->source_hash) or from the initializers.
   Returns an exit code. */
int trn_open_model(mdl *m, trn_cfg *c, const data_info *di, ckpt *ck, const char *ck_path);
int64_t trn_count_params(const mdl *m);

/* Loss and accuracy over batches 0..nb-1 of `split` (forward graphs). Returns an exit code. */
int trn_evaluate(mdl *m, const data_source *ds, data_split split, int nb, int B, trn_metrics *out);
/* Atomic checkpoint of the model, AdamW state and settings after `step` steps. */
int trn_save(mdl *m, const trn_cfg *c, int64_t step, const char *path, double **mom, double **vel);
/* results.json (atomic): task, model, steps, validation/test metrics (NULL: absent). */
int trn_write_results(const char *path, const mdl *m, const trn_cfg *c, const data_info *di, int64_t step,
                      const trn_metrics *test, const trn_metrics *val);

/* ---- the training loop (train_loop.c) ---- */
typedef struct {
  const char *dir, *ckpt, *csv, *plot, *results; /* DIR and DIR/ckpt.safetensors, metrics.csv, plot.svg, results.json */
} trn_paths;
/* Trains the model of c (complete: a resumed checkpoint's settings, --config, options) and
   writes the outputs of p. resume_ck: the checkpoint to continue from (taken over and freed
   here), or NULL for a new run. causal: run the causality check (causal.h) first. Returns an
   exit code, 130 when interrupted by SIGINT (after writing a checkpoint). */
int trn_train(trn_cfg *c, const trn_paths *p, ckpt *resume_ck, int causal);

#endif
