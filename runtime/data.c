/* data.c - data sources and batches for `xlc train` / `xlc eval` (data.h, docs/data.md).
 *
 * Input: a spec string and options. Output: batches of int32 tokens/targets [B, T].
 * Holds the spec parser and defaults, the per-batch seeding rule, the formal-language task
 * generators (parity, modarith, evenpairs, cycle), MQAR, and the window cutter for file
 * sources (the files themselves are read and checked in data_files.c). Every batch is a pure
 * function of (options, split, k, B); nothing here keeps state between draws.
 */
#include <stdlib.h>
#include <string.h>

#include "data_int.h"
#include "xlrt.h"

void data_opts_default(data_opts *o) {
  memset(o, 0, sizeof *o);
  o->val_frac = 0.1;
}

const char *data_split_name(data_split s) {
  switch (s) {
  case DATA_TRAIN: return "train";
  case DATA_VAL: return "validation";
  case DATA_TEST: return "test";
  }
  return "?";
}

/* ---- random draws ---- */

/* uniform integer in [0, n), n >= 1 */
static int64_t uni(xl_rng *r, int64_t n) {
  int64_t v = (int64_t)(rng_uniform(r) * (double)n);
  return v < n ? v : n - 1;
}

static void shuffle(xl_rng *r, int32_t *a, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)uni(r, i + 1);
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/* m distinct integers from [lo, lo + n) in random order (Floyd's sampling, then a shuffle) */
static void sample_distinct(xl_rng *r, int64_t lo, int64_t n, int m, int32_t *out) {
  int c = 0;
  for (int64_t j = n - m; j < n; j++) {
    int32_t t = (int32_t)(lo + uni(r, j + 1));
    for (int i = 0; i < c; i++)
      if (out[i] == t) {
        t = (int32_t)(lo + j);
        break;
      }
    out[c++] = t;
  }
  shuffle(r, out, m);
}

static void batch_stream(xl_rng *r, uint64_t seed, data_split split, int64_t k) {
  uint64_t x = seed;
  uint64_t a = rng_splitmix64(&x);
  x = a ^ (uint64_t)split;
  uint64_t b = rng_splitmix64(&x);
  x = b ^ (uint64_t)k;
  rng_seed(r, rng_splitmix64(&x));
}

/* ---- formal-language tasks: L input symbols, the answer is the target at position L-1 ---- */

/* parity: 1, 2 = bits 0, 1; answer 1 = even number of 1-bits, 2 = odd */
static int32_t gen_parity(xl_rng *r, int L, int32_t *tok) {
  int ones = 0;
  for (int i = 0; i < L; i++) {
    int bit = (int)(rng_next(r) >> 63);
    tok[i] = 1 + bit;
    ones += bit;
  }
  return 1 + (ones & 1);
}

/* evenpairs: 1 = a, 2 = b; answer 1 = #ab == #ba (first symbol == last symbol), 2 = not */
static int32_t gen_evenpairs(xl_rng *r, int L, int32_t *tok) {
  for (int i = 0; i < L; i++) tok[i] = 1 + (int32_t)(rng_next(r) >> 63);
  return tok[0] == tok[L - 1] ? 1 : 2;
}

/* cycle: 1 = +1, 2 = -1, 3 = stay on a cycle of 5 starting at 0; answer 1 + final position */
static int32_t gen_cycle(xl_rng *r, int L, int32_t *tok) {
  int pos = 0;
  for (int i = 0; i < L; i++) {
    tok[i] = 1 + (int32_t)uni(r, 3);
    pos = (pos + (tok[i] == 1 ? 1 : tok[i] == 2 ? 4 : 0)) % 5;
  }
  return 1 + pos;
}

/* modarith: L odd; digits 0..4 = tokens 1..5 at even positions, + - * = tokens 6 7 8 at odd
 * positions; value with * before + and - (left to right within each), mod 5; answer 1 + value */
static int32_t gen_modarith(xl_rng *r, int L, int32_t *tok) {
  int sum = 0, term = 0, sign = 1;
  for (int i = 0; i < L; i++) {
    if (i % 2 == 0) {
      int d = (int)uni(r, 5);
      tok[i] = 1 + d;
      term = i == 0 || tok[i - 1] != 8 ? d : (term * d) % 5;
    } else {
      tok[i] = 6 + (int32_t)uni(r, 3);
      if (tok[i] != 8) { /* + or -: the term so far is complete */
        sum = (sum + sign * term + 5) % 5;
        sign = tok[i] == 6 ? 1 : -1;
      }
    }
  }
  sum = (sum + sign * term + 5) % 5;
  return 1 + sum;
}

/* a length in [lo, hi]; modarith: an odd one (open checks that one exists) */
static int draw_len(const data_source *s, xl_rng *r, int lo, int hi) {
  if (s->kind == DATA_K_MODARITH) {
    int o1 = lo | 1;
    return o1 + 2 * (int)uni(r, (hi - o1) / 2 + 1);
  }
  return lo + (int)uni(r, hi - lo + 1);
}

/* MQAR row of length context: k1 v1 .. kN vN, then each key once in the query region at a
 * random position (others 0); the target at a query is its value. scratch: 3N ints. */
static void gen_mqar(const data_source *s, xl_rng *r, int32_t *tok, int32_t *tgt, int32_t *scratch) {
  int N = s->o.pairs, C = s->o.context, V = s->o.vocab, h = V / 2;
  int32_t *keys = scratch, *vals = scratch + N, *pos = scratch + 2 * N;
  sample_distinct(r, 1, h - 1, N, keys);  /* keys: 1 .. V/2-1 */
  sample_distinct(r, h, V - h, N, vals);  /* values: V/2 .. V-1 */
  sample_distinct(r, 2 * N, C - 2 * N, N, pos);
  for (int i = 0; i < C; i++) tok[i] = 0, tgt[i] = -1;
  for (int i = 0; i < N; i++) {
    tok[2 * i] = keys[i];
    tok[2 * i + 1] = vals[i];
    tok[pos[i]] = keys[i];
    tgt[pos[i]] = vals[i];
  }
}

/* ---- opening ---- */

static int fail(char **err, char *msg) {
  *err = msg;
  return -1;
}

static int set_formal(data_source *s, const char *spec, int vocab, double r, char **err) {
  data_opts *o = &s->o;
  if (!o->min_len) o->min_len = 3;
  if (!o->max_len) o->max_len = 40;
  if (!o->test_min_len) o->test_min_len = 41;
  if (!o->test_max_len) o->test_max_len = 256;
  if (!o->vocab) o->vocab = vocab;
  if (o->vocab < vocab)
    return fail(err, xl_fmt("%s: vocab %d is smaller than the task's %d tokens", spec, o->vocab,
                            vocab));
  int lo[2] = {o->min_len, o->test_min_len}, hi[2] = {o->max_len, o->test_max_len};
  const char *nm[2] = {"min_len/max_len", "test_min_len/test_max_len"};
  for (int i = 0; i < 2; i++) {
    if (lo[i] < 1 || hi[i] < lo[i])
      return fail(err, xl_fmt("%s: lengths %s = %d/%d: need 1 <= min <= max", spec, nm[i],
                              lo[i], hi[i]));
    if (s->kind == DATA_K_MODARITH && (lo[i] | 1) > hi[i])
      return fail(err, xl_fmt("%s: lengths %s = %d/%d contain no odd length (expressions "
                              "have odd length)", spec, nm[i], lo[i], hi[i]));
  }
  data_info *in = &s->info;
  in->vocab = o->vocab;
  in->r = r;
  for (int sp = 0; sp < DATA_NSPLIT; sp++) {
    in->has_split[sp] = 1;
    in->min_len[sp] = sp == DATA_TEST ? o->test_min_len : o->min_len;
    in->max_len[sp] = sp == DATA_TEST ? o->test_max_len : o->max_len;
  }
  return 0;
}

static int set_mqar(data_source *s, char **err) {
  data_opts *o = &s->o;
  if (!o->vocab) o->vocab = 8192;
  if (!o->context) o->context = 64;
  if (!o->pairs) o->pairs = 4;
  int N = o->pairs, V = o->vocab;
  if (N < 1 || o->context < 3 * N)
    return fail(err, xl_fmt("mqar: context %d cannot hold %d pairs (needs >= 3 * pairs)",
                            o->context, N));
  if (V / 2 - 1 < N || V - V / 2 < N)
    return fail(err, xl_fmt("mqar: vocab %d has too few keys/values for %d pairs (keys are "
                            "1..V/2-1, values V/2..V-1)", V, N));
  data_info *in = &s->info;
  in->vocab = V;
  in->r = 1.0 / (V - V / 2);
  in->pairs = N;
  for (int sp = 0; sp < DATA_NSPLIT; sp++) {
    in->has_split[sp] = 1;
    in->min_len[sp] = in->max_len[sp] = o->context;
  }
  return 0;
}

static int set_file(data_source *s, char **err) {
  data_opts *o = &s->o;
  if (!o->context) o->context = 256;
  if (o->context < 1) return fail(err, xl_fmt("%s: context %d < 1", s->path, o->context));
  if (!(o->val_frac >= 0)) o->val_frac = 0; /* negative or NaN */
  if (o->val_frac >= 1)
    return fail(err, xl_fmt("%s: val_frac %g leaves nothing to train on", s->path, o->val_frac));
  if (data_files_load(s, err)) return -1;
  data_info *in = &s->info;
  int64_t n = in->n_tokens, W = (int64_t)o->context + 1;
  int64_t nval = (int64_t)(o->val_frac * (double)n), ntr = n - nval;
  in->r = 1.0 / in->vocab;
  in->split_begin[DATA_TRAIN] = 0;
  in->split_end[DATA_TRAIN] = ntr;
  in->split_begin[DATA_VAL] = ntr;
  in->split_end[DATA_VAL] = n;
  if (ntr < W)
    return fail(err, xl_fmt("%s: %lld tokens; the training part (%lld tokens) is shorter than "
                            "one window of context + 1 = %lld tokens", s->path, (long long)n,
                            (long long)ntr, (long long)W));
  if (nval > 0 && nval < W)
    return fail(err, xl_fmt("%s: the validation part (last %lld of %lld tokens, val_frac %g) is "
                            "shorter than one window of context + 1 = %lld tokens", s->path,
                            (long long)nval, (long long)n, o->val_frac, (long long)W));
  in->has_split[DATA_TRAIN] = 1;
  in->has_split[DATA_VAL] = nval > 0;
  for (int sp = 0; sp < DATA_NSPLIT; sp++)
    if (in->has_split[sp]) in->min_len[sp] = in->max_len[sp] = o->context;
  return 0;
}

int data_open(const char *spec, const data_opts *o, data_source **out, char **err) {
  *out = NULL;
  data_source *s = xl_calloc(1, sizeof *s);
  if (o) s->o = *o;
  else data_opts_default(&s->o);
  static const struct {
    const char *name;
    data_kind kind;
    int vocab, answers;
  } tasks[] = {{"parity", DATA_K_PARITY, 3, 2},
               {"modarith", DATA_K_MODARITH, 9, 5},
               {"evenpairs", DATA_K_EVENPAIRS, 3, 2},
               {"cycle", DATA_K_CYCLE, 6, 5}};
  int rc = -1;
  if (!spec) spec = "";
  for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
    if (!strcmp(spec, tasks[i].name)) {
      s->kind = tasks[i].kind;
      s->info.name = tasks[i].name;
      rc = set_formal(s, spec, tasks[i].vocab, 1.0 / tasks[i].answers, err);
      goto done;
    }
  if (!strcmp(spec, "mqar")) {
    s->kind = DATA_K_MQAR;
    s->info.name = "mqar";
    rc = set_mqar(s, err);
  } else if (!strncmp(spec, "bytes:", 6) || !strncmp(spec, "tokens:", 7)) {
    int bytes = spec[0] == 'b';
    s->kind = bytes ? DATA_K_BYTES : DATA_K_TOKENS;
    s->info.name = bytes ? "bytes" : "tokens";
    s->path = xl_strdup(spec + (bytes ? 6 : 7));
    if (!*s->path) *err = xl_fmt("data spec '%s': no file name after ':'", spec);
    else rc = set_file(s, err);
  } else {
    *err = xl_fmt("data spec '%s': unknown (known: parity, modarith, evenpairs, cycle, mqar, "
                  "bytes:PATH, tokens:PATH)", spec);
  }
done:
  if (rc) {
    data_close(s);
    return -1;
  }
  *out = s;
  return 0;
}

void data_close(data_source *s) {
  if (!s) return;
  free(s->path);
  free(s->buf);
  free(s);
}

const data_info *data_source_info(const data_source *s) { return &s->info; }

/* ---- batches ---- */

void data_batch_free(data_batch *b) {
  free(b->tokens);
  free(b->targets);
  free(b->len);
  memset(b, 0, sizeof *b);
}

int data_draw(const data_source *s, data_split split, int64_t k, int B, data_batch *b,
              char **err) {
  const data_info *in = &s->info;
  const char *what = s->path ? s->path : in->name;
  if ((int)split < 0 || (int)split >= DATA_NSPLIT || !in->has_split[split])
    return fail(err, xl_fmt("%s: no %s split%s", what, data_split_name(split),
                            s->path ? (split == DATA_TEST ? " (files have train and validation)"
                                                          : " (val_frac is 0)")
                                    : ""));
  if (B < 1 || k < 0) return fail(err, xl_fmt("%s: bad batch request B=%d k=%lld", what, B,
                                              (long long)k));
  int M = in->max_len[split];
  int64_t need = (int64_t)B * M;
  if (need > b->cap) {
    free(b->tokens);
    free(b->targets);
    b->tokens = xl_malloc((size_t)need * sizeof(int32_t));
    b->targets = xl_malloc((size_t)need * sizeof(int32_t));
    b->cap = need;
  }
  free(b->len);
  b->len = xl_malloc((size_t)B * sizeof(int32_t));
  b->B = B;
  xl_rng r;
  batch_stream(&r, s->o.seed, split, k);
  int32_t *scratch = s->kind == DATA_K_MQAR ? xl_malloc(3 * (size_t)s->o.pairs * sizeof(int32_t))
                                            : NULL;
  int T = 0;
  /* rows at stride M first, then packed to stride T */
  for (int i = 0; i < B; i++) {
    int32_t *tok = b->tokens + (int64_t)i * M, *tgt = b->targets + (int64_t)i * M;
    int L = M;
    switch (s->kind) {
    case DATA_K_MQAR: gen_mqar(s, &r, tok, tgt, scratch); break;
    case DATA_K_BYTES:
    case DATA_K_TOKENS: {
      int64_t lo = in->split_begin[split], hi = in->split_end[split];
      int64_t st = lo + uni(&r, hi - lo - M);
      for (int t = 0; t < M; t++) {
        tok[t] = data_file_tok(s, st + t);
        tgt[t] = data_file_tok(s, st + t + 1);
      }
      break;
    }
    default: {
      L = draw_len(s, &r, in->min_len[split], M);
      int32_t ans = s->kind == DATA_K_PARITY     ? gen_parity(&r, L, tok)
                    : s->kind == DATA_K_MODARITH ? gen_modarith(&r, L, tok)
                    : s->kind == DATA_K_EVENPAIRS ? gen_evenpairs(&r, L, tok)
                                                  : gen_cycle(&r, L, tok);
      for (int t = 0; t < L - 1; t++) tgt[t] = -1;
      tgt[L - 1] = ans;
    }
    }
    b->len[i] = L;
    if (L > T) T = L;
  }
  free(scratch);
  for (int i = 0; i < B; i++) {
    int32_t *st = b->tokens + (int64_t)i * M, *sg = b->targets + (int64_t)i * M;
    int32_t *dt = b->tokens + (int64_t)i * T, *dg = b->targets + (int64_t)i * T;
    memmove(dt, st, (size_t)b->len[i] * sizeof(int32_t));
    memmove(dg, sg, (size_t)b->len[i] * sizeof(int32_t));
    for (int t = b->len[i]; t < T; t++) dt[t] = 0, dg[t] = -1;
  }
  b->T = T;
  return 0;
}
