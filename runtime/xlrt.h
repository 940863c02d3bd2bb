/* xlrt.h - the runtime: tensors (tensor.c), safetensors I/O (safetensors.c), seeded random
 * numbers and parameter initializers (rng.c, init.c), reference-case loading (refcase.c).
 *
 * Every function that reads user files reports errors as a malloc'd message naming the file
 * and the tensor; nothing here aborts on bad input. Writers write to a temporary file in the
 * same directory and rename it into place, so a failed write leaves no partial file.
 */
#ifndef XLRT_H
#define XLRT_H

#include "cg.h"
#include "xl_tensor.h"
#include "xl_util.h"

/* ---- tensor lists ---- */
typedef struct {
  XL_VEC(xt *) v; /* each tensor has a name */
  char *meta;     /* safetensors "__metadata__" as a JSON object text, or NULL */
} xt_list;

void xtl_free(xt_list *l); /* frees tensors too */
xt *xtl_find(const xt_list *l, const char *name);
void xtl_add(xt_list *l, xt *t); /* takes ownership; t->name must be set */

/* ---- safetensors (safetensors.c) ---- */
/* Reads every tensor with its stored dtype. Errors: missing file, truncated file, header
   length out of range, malformed JSON, unknown dtype, offsets out of range or overlapping,
   shape/offset size mismatch. *out is overwritten: header order, empty on failure. */
int st_read(const char *path, xt_list *out, char **err);
/* Writes tensors in the given order with their dtypes; metadata (JSON object text of string
   values) may be NULL. Atomic: temp file + rename. */
int st_write(const char *path, const xt_list *l, const char *meta, char **err);

/* ---- random numbers (rng.c) ---- */
/* xoshiro256** seeded by splitmix64. One stream per parameter:
   seed_of(param) = splitmix64(user_seed ^ fnv1a64(param name)). */
typedef struct {
  uint64_t s[4];
} xl_rng;
uint64_t rng_splitmix64(uint64_t *state); /* one splitmix64 step: advances *state, returns output */
void rng_seed(xl_rng *r, uint64_t seed);  /* s[0..3] = four splitmix64 outputs from state `seed` */
/* The parameter stream: x = seed ^ xl_hash_str(name); rng_seed(r, rng_splitmix64(&x)). */
void rng_seed_param(xl_rng *r, uint64_t seed, const char *name);
uint64_t rng_next(xl_rng *r);
double rng_uniform(xl_rng *r); /* [0, 1), 53 bits */
double rng_normal(xl_rng *r);  /* Box-Muller, standard normal */

/* ---- initializers (init.c) ---- */
/* Fills t (any float dtype) according to spec; random kinds draw from the parameter's own
   stream (seed, name). Every value is rounded to binary32 first (PyTorch's float32 init), so
   F32 and F64 tensors get the same values. Returns 0, or -1 with *err for a spec that does not
   fit the shape. The generator, seeding and formulas are documented at the top of init.c. */
int init_fill(xt *t, const cg_init *spec, uint64_t seed, const char *name, char **err);
/* (The checks of init_fill without a tensor: cg_init_check, compiler/cg.h.) */

/* ---- optimizer (optim.c) ---- */
typedef struct {
  double lr, beta1, beta2, eps, weight_decay;
  int decay_embedding; /* decay the token embedding too (official default: no) */
} adamw_cfg;
/* 1 if the official grouping decays parameter `name` */
int adamw_decays(const char *name, int decay_embedding);
/* One AdamW update of p (any float dtype) with gradient g; step counts from 1; m, v hold
   numel(p) doubles each (zero before the first step). */
void adamw_step(const adamw_cfg *c, int64_t step, const char *name, xt *p, const xt *g, double *m, double *v);
/* adamw_step on parameters p[0..n) (named by their tensor names; a NULL g[k] skips p[k]), each
   tensor's elements split among `threads` threads (the same result for any count). */
void adamw_step_all(const adamw_cfg *c, int64_t step, int n, xt *const *p, xt *const *g, double *const *m,
                    double *const *v, int threads);

/* ---- reference cases (refcase.c), format of ../shared/ref ---- */
typedef struct {
  char *name;  /* e.g. "param/xlstm.proj_up.weight" */
  char *role;  /* input, param, param_init, grad, output, activation, loss_weight, param_after_step */
  char *official_name; /* or NULL */
  int rank;
  int64_t shape[XT_MAXRANK];
  int64_t numel;
  char *file_f64, *file_f32, *file_i32; /* names from `files` (float64/float32/int32), or NULL */
  double absmax;                        /* from the manifest; NAN if absent */
} refcase_tensor;

typedef struct {
  char *dir;
  char *case_name;
  char *json_text;            /* the whole manifest (for config / checks lookups with cJSON) */
  XL_VEC(refcase_tensor) tensors;
  XL_VEC(char *) sources;     /* official_sources */
} refcase;

int refcase_open(const char *dir, refcase *rc, char **err);
void refcase_close(refcase *rc);
/* Loads tensor `name` as F64 or F32 (from the .f64/.f32 file; int32 token files as I32,
   whatever dt asks, or I64 if asked; BF16/F16 are converted from the .f32 file).
   Returns NULL with *err if absent or the file size is wrong. */
xt *refcase_load(const refcase *rc, const char *name, xt_dtype dt, char **err);
const refcase_tensor *refcase_find(const refcase *rc, const char *name);

#endif
