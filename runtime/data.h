/* data.h - the data layer of `xlc train` / `xlc eval`: batches of int32 tokens and targets.
 *
 * A source is opened from a spec string: a formal-language task ("parity", "modarith",
 * "evenpairs", "cycle"), multi-query associative recall ("mqar"), or a file ("bytes:PATH",
 * "tokens:PATH"). A batch of split S at batch index k is a pure function of
 * (options, S, k, B): resuming at step k redraws exactly the same batches. docs/data.md gives
 * every task's exact format, vocabulary, random-guess accuracy and defaults.
 * Errors in user input (spec, options, files) return -1 with a malloc'd message in *err naming
 * the spec or file; nothing here aborts on bad input.
 */
#ifndef XLC_DATA_H
#define XLC_DATA_H
#include <stdint.h>

typedef enum { DATA_TRAIN = 0, DATA_VAL = 1, DATA_TEST = 2 } data_split;
#define DATA_NSPLIT 3

/* element type of a raw tokens: file (.npy files say theirs in the header) */
typedef enum { DATA_TOK_AUTO = 0, DATA_TOK_I32, DATA_TOK_U16 } data_tok_dtype;

/* Options. 0 (or DATA_TOK_AUTO) means "the task's default" for every field except seed. */
typedef struct {
  uint64_t seed;
  int vocab; /* formal tasks: >= the task's vocabulary; mqar: the vocabulary (8192); bytes: 256
                or a bound every byte must respect; tokens: 0 = max token + 1 */
  int min_len, max_len;           /* formal tasks: train/validation sequence lengths */
  int test_min_len, test_max_len; /* formal tasks: test (extrapolation) lengths */
  int context;                    /* mqar: sequence length; files: window length T */
  int pairs;                      /* mqar: key-value pairs per sequence */
  double val_frac;                /* files: fraction at the end kept for validation; <0 = 0 */
  data_tok_dtype tok_dtype;       /* tokens:PATH without .npy: overrides the .i32/.u16 suffix */
} data_opts;

void data_opts_default(data_opts *o); /* all zero, val_frac = 0.1 */

/* What a source is, after defaults were applied. */
typedef struct {
  const char *name;            /* "parity", "mqar", "bytes", ... */
  int vocab;                   /* every token and every target >= 0 is < vocab */
  double r;                    /* accuracy of random guessing at a scored position */
  int has_split[DATA_NSPLIT];  /* files: no test split; no validation split if val_frac == 0 */
  int min_len[DATA_NSPLIT];    /* row lengths of each split */
  int max_len[DATA_NSPLIT];    /* a batch's T is at most max_len[split] */
  int pairs;                   /* mqar: key-value pairs; else 0 */
  int64_t n_tokens;            /* files: tokens in the file; else 0 */
  int64_t split_begin[DATA_NSPLIT], split_end[DATA_NSPLIT]; /* files: token ranges */
} data_info;

typedef struct data_source data_source;

/* A batch. T is the longest row's length; shorter rows are padded with token 0, target -1. */
typedef struct {
  int B, T;
  int32_t *tokens;  /* [B, T] row-major */
  int32_t *targets; /* [B, T]; -1 = not scored */
  int32_t *len;     /* [B] row lengths, 1 <= len[b] <= T */
  int64_t cap;      /* allocated elements of tokens/targets (internal) */
} data_batch;

/* Opens spec with options o (NULL = defaults). Files are read and checked here. */
int data_open(const char *spec, const data_opts *o, data_source **out, char **err);
void data_close(data_source *s);
const data_info *data_source_info(const data_source *s);

/* Draws batch k (>= 0) of `split` with B (>= 1) rows into b, reusing its memory.
 * b must be zero-initialized (data_batch b = {0}) before the first call. */
int data_draw(const data_source *s, data_split split, int64_t k, int B, data_batch *b,
              char **err);
void data_batch_free(data_batch *b);

/* The per-batch stream: x = seed; a = splitmix64(&x); x = a ^ split; b = splitmix64(&x);
 * x = b ^ k; rng_seed(r, splitmix64(&x)). Rows are then drawn in order 0..B-1 from r. */
const char *data_split_name(data_split s); /* "train", "validation", "test" */

#endif
