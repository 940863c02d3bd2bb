/* data_int.h - what data.c (sources, tasks, batches) and data_files.c (bytes:/tokens: files)
 * share. Not part of the public interface (runtime/data.h). */
#ifndef XLC_DATA_INT_H
#define XLC_DATA_INT_H
#include "data.h"

typedef enum {
  DATA_K_PARITY,
  DATA_K_MODARITH,
  DATA_K_EVENPAIRS,
  DATA_K_CYCLE,
  DATA_K_MQAR,
  DATA_K_BYTES,
  DATA_K_TOKENS
} data_kind;

struct data_source {
  data_kind kind;
  data_opts o;    /* after defaults */
  data_info info;
  char *path;     /* files */
  unsigned char *buf;        /* files: the whole file (or converted int32 for .npy <i8) */
  const unsigned char *data; /* first token in buf */
  int elsize;                /* bytes per token in data: 1 (u8), 2 (u16 LE), 4 (i32 LE) */
};

/* token i of a file source, 0 <= i < info.n_tokens */
static inline int32_t data_file_tok(const data_source *s, int64_t i) {
  const unsigned char *p = s->data + i * s->elsize;
  switch (s->elsize) {
  case 1: return p[0];
  case 2: return (int32_t)(p[0] | (p[1] << 8));
  default: return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                            (uint32_t)p[3] << 24);
  }
}

/* data_files.c: reads s->path (kind BYTES or TOKENS), checks it, fills buf/data/elsize and
 * info.vocab / n_tokens (split ranges are set by data.c). -1 with *err naming the file. */
int data_files_load(data_source *s, char **err);

#endif
