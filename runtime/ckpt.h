/* ckpt.h - training checkpoints (ckpt.c): one safetensors file holding the parameters under
 * their official names, the AdamW state and the run's provenance, written atomically.
 *
 * Layout (docs/training.md): parameters as given (F32 or their own dtype); optimizer state as
 * F64 tensors "optim.m.<param>" and "optim.v.<param>"; "__metadata__" string values format
 * ("xlc-checkpoint-1"), entry, source_path, source_hash (FNV-1a 64 of the .xl text, 16 hex
 * digits; not a cryptographic hash), sources (JSON object text {path: text} of the .xl files
 * the model was compiled from; the entry's file is the one named by source_path), sets (JSON
 * array text), step, seed, trainer (JSON text), plus caller extras. A plain state dict (official names only, no or foreign metadata) loads
 * as a checkpoint without optimizer state.
 */
#ifndef XL_CKPT_H
#define XL_CKPT_H

#include "xlrt.h"

#define CKPT_FORMAT "xlc-checkpoint-1"

/* What ckpt_write records besides tensors. Every pointer may be NULL (key then omitted,
   except format/step/seed which are always written). */
typedef struct {
  const char *entry;        /* the .xl entry point trained */
  const char *source_path;  /* the .xl file */
  const char *source_text;  /* its text; source_hash = FNV-1a 64 of it; with source_path also
                               stored as "sources" = {source_path: source_text} */
  const char *const *more_sources; /* path, text, ... of the files it imports (2 * nmore_sources
                                      strings), stored in "sources" beside it */
  int nmore_sources;
  const char *const *sets;  /* --set K=V strings, nsets of them -> "sets": JSON array text */
  int nsets;
  int64_t step;             /* optimizer steps done */
  uint64_t seed;
  const char *trainer_json; /* trainer settings as JSON text, stored verbatim */
  const char *const *extra; /* nextra key/value pairs: extra[2i] = key, extra[2i+1] = value */
  int nextra;
} ckpt_info;

typedef struct {
  char *path;      /* the file read (for messages) */
  xt_list params;  /* official names, in file order */
  xt_list m, v;    /* optimizer state named like the parameter (prefix stripped); F64; empty if absent */
  int is_xlc;      /* metadata says CKPT_FORMAT (else a plain state dict) */
  XL_VEC(char *) keys, vals; /* metadata */
} ckpt;

/* 16 lowercase hex digits (buf holds >= 17 bytes) of the 64-bit FNV-1a hash (xl_hash_str) of
   a NUL-terminated text. A change detector, not a cryptographic hash. */
void ckpt_hash_hex(const char *text, char *buf);

/* Writes params (tensors with names) and, if m and v are non-NULL, the AdamW state: m[i], v[i]
   hold numel(params[i]) doubles. Atomic (st_write: temp file "<path>.tmp.<pid>" + fsync +
   rename); before writing, temp files "<path>.tmp.<pid>" of processes that no longer exist
   (killed writers) are removed. The data is not copied. -1 with *err naming the file. */
int ckpt_write(const char *path, const xt_list *params, double *const *m, double *const *v,
               const ckpt_info *info, char **err);

/* Reads a checkpoint or a plain state dict. *ck is overwritten (empty on failure). Errors:
   those of st_read, an unknown "xlc-checkpoint-*" version, optimizer tensors that are not F64,
   lack their parameter, differ from its shape, or come without their m/v partner, and a
   non-finite value in a floating-point tensor or a negative one in optim.v.*. */
int ckpt_read(const char *path, ckpt *ck, char **err);
void ckpt_free(ckpt *ck);
const char *ckpt_meta(const ckpt *ck, const char *key); /* NULL if absent */
int ckpt_has_optim(const ckpt *ck);
/* The stored text of the entry's .xl file (metadata "sources" at key source_path): *text
   malloc'd, or NULL (returns 0) for a checkpoint without "sources" (format of before: the
   file must be read from source_path). -1 with *err when "sources" is not a JSON object of
   strings, lacks source_path, or its text does not have source_hash (where present). */
int ckpt_source(const ckpt *ck, char **text, char **err);

/* One expected parameter: official name and shape (the vanilla sLSTM layout). */
typedef struct {
  const char *name;
  int rank;
  int64_t shape[XT_MAXRANK];
} ckpt_expect;

/* Checks ck->params against the expected list: every missing, unexpected or mis-shaped tensor
   is reported by name, one per line of *err (returns -1). sLSTM kernels "...slstm_cell.
   _recurrent_kernel_" stored in the official CUDA layout (NH, d, 4d) where (NH, 4d, d) is
   expected are converted in place to the vanilla layout, with their "..._bias_" (and m, v if
   present); *warn (malloc'd, or NULL) then names each converted tensor. Dtypes are not
   checked (the caller converts). */
int ckpt_validate(ckpt *ck, const ckpt_expect *exp, int n, char **warn, char **err);

#endif
