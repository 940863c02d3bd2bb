/* test_data.c - data sources and batches (runtime/data.c, runtime/data_files.c).
 *
 * Formal tasks: every answer recomputed here by an independent method (parity by counting,
 * even pairs by counting ab/ba pairs, cycle by walking, modarith by a two-pass evaluator);
 * lengths within the configured train/test bounds (and both ends reached); only the last
 * position scored; padding. Determinism: equal (seed, split, k) give identical batches in a
 * fresh source and after other draws; other k, split or seed differ. MQAR: keys distinct and
 * from the key half, values from the value half, each key queried once, each query's target is
 * its paired value, scored count == pairs. Files: every window equals the file contents at some
 * offset inside its split, for bytes, raw int32/uint16 and .npy <i4/<u2/<i8. Every bad file or
 * spec is rejected with -1 and a message naming it; every truncation of a .npy file is rejected
 * and random header mutations do not crash (run under ASan in the sanitizer build).
 */
#include <dirent.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"
#include "xlrt.h"

#include "check.h"

static char tmpdir[256];

static char *tpath(const char *name) { return xl_fmt("%s/%s", tmpdir, name); }

static void write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  XL_ASSERT(f);
  if (n) fwrite(p, 1, n, f);
  fclose(f);
}

/* a .npy file: header dict with descr/fortran/shape text, then n bytes of data */
static void write_npy(const char *path, const char *descr, const char *fortran, const char *shape,
                      const void *data, size_t n) {
  char dict[256];
  snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
           fortran, shape);
  size_t hl = strlen(dict) + 1;
  while ((10 + hl) % 64) hl++;
  unsigned char *b = xl_malloc(10 + hl + n);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)(hl & 0xff);
  b[9] = (unsigned char)(hl >> 8);
  memset(b + 10, ' ', hl);
  memcpy(b + 10, dict, strlen(dict));
  b[10 + hl - 1] = '\n';
  if (n) memcpy(b + 10 + hl, data, n);
  write_bytes(path, b, 10 + hl + n);
  free(b);
}

static int batches_equal(const data_batch *a, const data_batch *b) {
  if (a->B != b->B || a->T != b->T) return 0;
  size_t n = (size_t)a->B * (size_t)a->T * sizeof(int32_t);
  return !memcmp(a->tokens, b->tokens, n) && !memcmp(a->targets, b->targets, n) &&
         !memcmp(a->len, b->len, (size_t)a->B * sizeof(int32_t));
}

/* ---- independent answers of the formal tasks ---- */

static int32_t ans_parity(const int32_t *x, int L) {
  int ones = 0;
  for (int i = 0; i < L; i++) ones += x[i] == 2;
  return ones % 2 ? 2 : 1;
}

static int32_t ans_evenpairs(const int32_t *x, int L) {
  int ab = 0, ba = 0;
  for (int i = 0; i + 1 < L; i++) {
    ab += x[i] == 1 && x[i + 1] == 2;
    ba += x[i] == 2 && x[i + 1] == 1;
  }
  return ab == ba ? 1 : 2;
}

static int32_t ans_cycle(const int32_t *x, int L) {
  long s = 0;
  for (int i = 0; i < L; i++) s += x[i] == 1 ? 1 : x[i] == 2 ? -1 : 0;
  return (int32_t)(((s % 5) + 5) % 5) + 1;
}

/* collapse products into a list of terms, then add/subtract left to right */
static int32_t ans_modarith(const int32_t *x, int L) {
  long terms[512];
  int ops[512], nt = 0;
  terms[0] = x[0] - 1;
  ops[0] = 6;
  nt = 1;
  for (int i = 1; i + 1 < L; i += 2) {
    long d = x[i + 1] - 1;
    if (x[i] == 8) terms[nt - 1] *= d;
    else ops[nt] = x[i], terms[nt++] = d;
  }
  long v = 0;
  for (int i = 0; i < nt; i++) v += ops[i] == 7 ? -terms[i] : terms[i];
  return (int32_t)(((v % 5) + 5) % 5) + 1;
}

/* checks every row of a formal-task batch; counts lengths seen */
static void check_formal(const char *task, const data_batch *b, int lo, int hi, int *seen_lo,
                         int *seen_hi) {
  int T = 0;
  for (int i = 0; i < b->B; i++) {
    int L = b->len[i];
    const int32_t *x = b->tokens + (size_t)i * b->T, *y = b->targets + (size_t)i * b->T;
    if (L > T) T = L;
    CHECK(L >= lo && L <= hi, "%s: length %d outside [%d, %d]", task, L, lo, hi);
    *seen_lo |= L == lo;
    *seen_hi |= L == hi;
    for (int t = L; t < b->T; t++)
      CHECK(x[t] == 0 && y[t] == -1, "%s: padding at %d: %d/%d", task, t, x[t], y[t]);
    for (int t = 0; t + 1 < L; t++) CHECK(y[t] == -1, "%s: target %d at %d < L-1", task, y[t], t);
    int32_t want = 0;
    if (!strcmp(task, "parity") || !strcmp(task, "evenpairs")) {
      for (int t = 0; t < L; t++) CHECK(x[t] == 1 || x[t] == 2, "%s: token %d", task, x[t]);
      want = task[0] == 'p' ? ans_parity(x, L) : ans_evenpairs(x, L);
    } else if (!strcmp(task, "cycle")) {
      for (int t = 0; t < L; t++) CHECK(x[t] >= 1 && x[t] <= 3, "cycle: token %d", x[t]);
      want = ans_cycle(x, L);
    } else {
      CHECK(L % 2 == 1, "modarith: even length %d", L);
      for (int t = 0; t < L; t++)
        CHECK(t % 2 ? x[t] >= 6 && x[t] <= 8 : x[t] >= 1 && x[t] <= 5, "modarith: token %d at %d",
              x[t], t);
      want = ans_modarith(x, L);
    }
    CHECK(y[L - 1] == want, "%s: answer %d, recomputed %d (L=%d)", task, y[L - 1], want, L);
  }
  CHECK(T == b->T, "%s: T=%d but longest row %d", task, b->T, T);
}

static void test_formal(void) {
  const char *tasks[] = {"parity", "evenpairs", "cycle", "modarith"};
  const double rr[] = {0.5, 0.5, 0.2, 0.2};
  const int vocab[] = {3, 3, 6, 9};
  for (int ti = 0; ti < 4; ti++) {
    data_opts o;
    data_opts_default(&o);
    o.seed = 1234;
    o.min_len = 3;
    o.max_len = 12;
    o.test_min_len = 20;
    o.test_max_len = 31;
    data_source *s;
    char *err = NULL;
    CHECK(data_open(tasks[ti], &o, &s, &err) == 0, "%s: %s", tasks[ti], err ? err : "");
    if (!s) continue;
    const data_info *in = data_source_info(s);
    CHECK(fabs(in->r - rr[ti]) < 1e-12, "%s: r=%g", tasks[ti], in->r);
    CHECK(in->vocab == vocab[ti], "%s: vocab %d", tasks[ti], in->vocab);
    data_batch b = {0};
    for (int sp = 0; sp < DATA_NSPLIT; sp++) {
      int lo = sp == DATA_TEST ? 20 : 3, hi = sp == DATA_TEST ? 31 : 12;
      if (ti == 3) lo |= 1, hi -= !(hi & 1); /* modarith: odd lengths only */
      int slo = 0, shi = 0;
      for (int k = 0; k < 20; k++) {
        CHECK(data_draw(s, (data_split)sp, k, 16, &b, &err) == 0, "%s", err ? err : "");
        check_formal(tasks[ti], &b, lo, hi, &slo, &shi);
      }
      CHECK(slo && shi, "%s %s: lengths %d and %d never drawn in 320 rows", tasks[ti],
            data_split_name((data_split)sp), lo, hi);
    }
    data_batch_free(&b);
    data_close(s);
  }
  /* defaults: train 3..40, test 41..256 (disjoint) */
  data_source *s;
  char *err = NULL;
  CHECK(data_open("parity", NULL, &s, &err) == 0, "%s", err ? err : "");
  const data_info *in = data_source_info(s);
  CHECK(in->min_len[DATA_TRAIN] == 3 && in->max_len[DATA_TRAIN] == 40 &&
            in->min_len[DATA_TEST] == 41 && in->max_len[DATA_TEST] == 256,
        "parity defaults %d..%d / %d..%d", in->min_len[0], in->max_len[0], in->min_len[2],
        in->max_len[2]);
  data_close(s);
}

static void test_determinism(void) {
  const char *specs[] = {"parity", "modarith", "mqar"};
  for (int si = 0; si < 3; si++) {
    data_opts o;
    data_opts_default(&o);
    o.seed = 77;
    data_source *s1, *s2, *s3;
    char *err = NULL;
    XL_ASSERT(data_open(specs[si], &o, &s1, &err) == 0);
    XL_ASSERT(data_open(specs[si], &o, &s2, &err) == 0);
    o.seed = 78;
    XL_ASSERT(data_open(specs[si], &o, &s3, &err) == 0);
    data_batch a = {0}, b = {0}, c = {0};
    XL_ASSERT(data_draw(s1, DATA_TRAIN, 5, 8, &a, &err) == 0);
    /* a fresh source, and one that drew other batches first */
    XL_ASSERT(data_draw(s2, DATA_TRAIN, 5, 8, &b, &err) == 0);
    CHECK(batches_equal(&a, &b), "%s: same (seed, split, k) differs across sources", specs[si]);
    for (int k = 0; k < 5; k++) XL_ASSERT(data_draw(s1, DATA_TRAIN, k, 8, &c, &err) == 0);
    XL_ASSERT(data_draw(s1, DATA_TRAIN, 5, 8, &c, &err) == 0);
    CHECK(batches_equal(&a, &c), "%s: batch 5 changed after drawing 0..4", specs[si]);
    XL_ASSERT(data_draw(s1, DATA_TRAIN, 6, 8, &c, &err) == 0);
    CHECK(!batches_equal(&a, &c), "%s: batches 5 and 6 equal", specs[si]);
    XL_ASSERT(data_draw(s1, DATA_VAL, 5, 8, &c, &err) == 0);
    CHECK(!batches_equal(&a, &c), "%s: train and validation batch 5 equal", specs[si]);
    XL_ASSERT(data_draw(s3, DATA_TRAIN, 5, 8, &c, &err) == 0);
    CHECK(!batches_equal(&a, &c), "%s: seeds 77 and 78 give equal batches", specs[si]);
    data_batch_free(&a);
    data_batch_free(&b);
    data_batch_free(&c);
    data_close(s1);
    data_close(s2);
    data_close(s3);
  }
}

static void check_mqar(int context, int pairs) {
  data_opts o;
  data_opts_default(&o);
  o.seed = 9;
  o.context = context;
  o.pairs = pairs;
  data_source *s;
  char *err = NULL;
  CHECK(data_open("mqar", &o, &s, &err) == 0, "%s", err ? err : "");
  if (!s) return;
  const data_info *in = data_source_info(s);
  int V = 8192, h = V / 2;
  CHECK(in->vocab == V && fabs(in->r - 1.0 / h) < 1e-15, "mqar: vocab %d r %g", in->vocab, in->r);
  data_batch b = {0};
  int used[129] = {0}; /* query positions ever used */
  for (int sp = 0; sp < DATA_NSPLIT; sp++)
    for (int k = 0; k < 10; k++) {
      XL_ASSERT(data_draw(s, (data_split)sp, k, 8, &b, &err) == 0);
      CHECK(b.T == context, "mqar: T %d", b.T);
      for (int i = 0; i < b.B; i++) {
        const int32_t *x = b.tokens + (size_t)i * b.T, *y = b.targets + (size_t)i * b.T;
        CHECK(b.len[i] == context, "mqar: len %d", b.len[i]);
        for (int p = 0; p < pairs; p++) {
          CHECK(x[2 * p] >= 1 && x[2 * p] < h, "mqar: key %d", x[2 * p]);
          CHECK(x[2 * p + 1] >= h && x[2 * p + 1] < V, "mqar: value %d", x[2 * p + 1]);
          CHECK(y[2 * p] == -1 && y[2 * p + 1] == -1, "mqar: prefix scored");
          for (int q = 0; q < p; q++) CHECK(x[2 * q] != x[2 * p], "mqar: key repeated");
        }
        int scored = 0, times[64] = {0};
        for (int t = 2 * pairs; t < context; t++) {
          if (x[t] == 0) {
            CHECK(y[t] == -1, "mqar: empty query slot scored");
            continue;
          }
          int p = 0;
          while (p < pairs && x[2 * p] != x[t]) p++;
          CHECK(p < pairs, "mqar: token %d in query region is no key", x[t]);
          if (p == pairs) continue;
          times[p]++;
          used[t] = 1;
          CHECK(y[t] == x[2 * p + 1], "mqar: target %d, paired value %d", y[t], x[2 * p + 1]);
          scored += y[t] != -1;
        }
        CHECK(scored == pairs, "mqar: %d scored, %d pairs", scored, pairs);
        for (int p = 0; p < pairs; p++) CHECK(times[p] == 1, "mqar: key queried %d times", times[p]);
      }
    }
  int nused = 0;
  for (int t = 0; t <= context; t++) nused += used[t];
  CHECK(nused > (context - 2 * pairs) / 2, "mqar: only %d query positions ever used", nused);
  data_batch_free(&b);
  data_close(s);
}

/* every row is the file at some offset st of the split: tokens [st, st+T), targets +1 */
static void check_windows(const char *label, const char *spec, const int32_t *file, int64_t n,
                          int T, double vf, int tok_dtype) {
  data_opts o;
  data_opts_default(&o);
  o.seed = 5;
  o.context = T;
  o.val_frac = vf;
  o.tok_dtype = (data_tok_dtype)tok_dtype;
  data_source *s;
  char *err = NULL;
  CHECK(data_open(spec, &o, &s, &err) == 0, "%s: %s", label, err ? err : "");
  if (!s) {
    free(err);
    return;
  }
  const data_info *in = data_source_info(s);
  CHECK(in->n_tokens == n, "%s: %lld tokens, file has %lld", label, (long long)in->n_tokens,
        (long long)n);
  int64_t ntr = n - (int64_t)(vf * (double)n);
  data_batch b = {0};
  for (int sp = 0; sp < 2; sp++) {
    int64_t lo = sp ? ntr : 0, hi = sp ? n : ntr;
    for (int k = 0; k < 4; k++) {
      CHECK(data_draw(s, (data_split)sp, k, 4, &b, &err) == 0, "%s: %s", label, err ? err : "");
      CHECK(b.T == T, "%s: T %d", label, b.T);
      for (int i = 0; i < b.B; i++) {
        const int32_t *x = b.tokens + (size_t)i * T, *y = b.targets + (size_t)i * T;
        int found = 0;
        for (int64_t st = lo; st + T + 1 <= hi && !found; st++)
          found = !memcmp(x, file + st, (size_t)T * 4) && !memcmp(y, file + st + 1, (size_t)T * 4);
        CHECK(found, "%s: %s row %d is no window of its split", label,
              data_split_name((data_split)sp), i);
      }
    }
  }
  CHECK(data_draw(s, DATA_TEST, 0, 4, &b, &err) == -1 && err && strstr(err, "test"),
        "%s: a file has no test split", label);
  free(err);
  data_batch_free(&b);
  data_close(s);
}

static void test_files(void) {
  enum { N = 600 };
  unsigned char by[N];
  int32_t f32[N];
  uint16_t u16[N];
  int64_t i64[N];
  xl_rng r;
  rng_seed(&r, 3);
  for (int i = 0; i < N; i++) {
    by[i] = (unsigned char)(rng_next(&r) >> 56);
    f32[i] = (int32_t)(rng_next(&r) % 50000);
    u16[i] = (uint16_t)f32[i];
    i64[i] = f32[i];
  }
  int32_t file[N];
  for (int i = 0; i < N; i++) file[i] = by[i];
  char *p = tpath("a.bin"), *spec = xl_fmt("bytes:%s", p);
  write_bytes(p, by, N);
  check_windows("bytes", spec, file, N, 16, 0.25, 0);
  free(p), free(spec);

  const struct {
    const char *name, *descr;
    const void *data;
    int es;
    int opt;
  } tf[] = {{"t.i32", NULL, f32, 4, 0},         {"t.u16", NULL, u16, 2, 0},
            {"t_raw", NULL, u16, 2, DATA_TOK_U16}, {"t.npy", "<i4", f32, 4, 0},
            {"t2.npy", "<u2", u16, 2, 0},        {"t3.npy", "<i8", i64, 8, 0}};
  for (size_t i = 0; i < sizeof tf / sizeof tf[0]; i++) {
    p = tpath(tf[i].name);
    spec = xl_fmt("tokens:%s", p);
    if (tf[i].descr) write_npy(p, tf[i].descr, "False", "(600,)", tf[i].data, N * (size_t)tf[i].es);
    else write_bytes(p, tf[i].data, N * (size_t)tf[i].es);
    check_windows(tf[i].name, spec, f32, N, 9, 0.1, tf[i].opt);
    free(p), free(spec);
  }
  /* vocab inferred from the largest token; val_frac 0: no validation split */
  p = tpath("t.i32");
  spec = xl_fmt("tokens:%s", p);
  data_opts o;
  data_opts_default(&o);
  o.val_frac = 0;
  data_source *s;
  char *err = NULL;
  int mx = 0;
  for (int i = 0; i < N; i++) mx = f32[i] > mx ? f32[i] : mx;
  XL_ASSERT(data_open(spec, &o, &s, &err) == 0);
  CHECK(data_source_info(s)->vocab == mx + 1, "inferred vocab %d, max token %d",
        data_source_info(s)->vocab, mx);
  data_batch b = {0};
  CHECK(data_draw(s, DATA_VAL, 0, 2, &b, &err) == -1, "validation split with val_frac 0");
  free(err);
  data_batch_free(&b);
  data_close(s);
  free(p), free(spec);
}

/* open must fail with a message naming `name` and containing `want` */
static void expect_fail(const char *label, const char *spec, const data_opts *o, const char *name,
                        const char *want) {
  data_source *s = (data_source *)1;
  char *err = NULL;
  int rc = data_open(spec, o, &s, &err);
  CHECK(rc == -1 && s == NULL, "%s: data_open returned %d", label, rc);
  CHECK(err && strstr(err, name), "%s: message does not name '%s': %s", label, name,
        err ? err : "(null)");
  CHECK(err && (!want || strstr(err, want)), "%s: message lacks '%s': %s", label, want,
        err ? err : "(null)");
  if (err) printf("  ok %-22s %s\n", label, err);
  free(err);
}

static void bad_file(const char *label, const char *name, const char *kind, const void *data,
                     size_t n, const data_opts *o, const char *want) {
  char *p = tpath(name), *spec = xl_fmt("%s:%s", kind, p);
  write_bytes(p, data, n);
  expect_fail(label, spec, o, p, want);
  free(p), free(spec);
}

static void bad_npy(const char *label, const char *descr, const char *fortran, const char *shape,
                    size_t n, const char *want) {
  char *p = tpath("bad.npy"), *spec = xl_fmt("tokens:%s", p);
  int32_t d[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  write_npy(p, descr, fortran, shape, d, n);
  expect_fail(label, spec, NULL, p, want);
  free(p), free(spec);
}

static void test_errors(void) {
  data_opts o;
  data_opts_default(&o);
  o.context = 8;
  char *p = tpath("missing.bin"), *spec = xl_fmt("bytes:%s", p);
  expect_fail("missing file", spec, &o, p, "cannot open");
  free(p), free(spec);
  spec = xl_fmt("bytes:%s", tmpdir);
  expect_fail("directory", spec, &o, tmpdir, "not a regular file");
  free(spec);
  unsigned char buf[64] = {0};
  for (int i = 0; i < 64; i++) buf[i] = (unsigned char)i;
  bad_file("empty", "e.bin", "bytes", buf, 0, &o, "empty");
  bad_file("too short", "s.bin", "bytes", buf, 8, &o, "window");
  o.val_frac = 0.25;
  bad_file("validation too short", "v.bin", "bytes", buf, 24, &o, "validation");
  o.val_frac = 0.1;
  o.vocab = 40;
  bad_file("byte >= vocab", "bv.bin", "bytes", buf, 64, &o, "index 40");
  o.vocab = 0;
  bad_file("size not multiple", "odd.i32", "tokens", buf, 62, &o, "multiple of 4");
  bad_file("u16 size odd", "odd.u16", "tokens", buf, 63, &o, "multiple of 2");
  bad_file("no dtype", "t.raw", "tokens", buf, 64, &o, ".i32");
  int32_t t[16];
  for (int i = 0; i < 16; i++) t[i] = i;
  t[3] = 1000;
  o.vocab = 100;
  bad_file("token >= vocab", "big.i32", "tokens", t, sizeof t, &o, "byte offset 12");
  t[3] = -2;
  o.vocab = 0;
  bad_file("negative token", "neg.i32", "tokens", t, sizeof t, &o, "negative");
  const char nomagic[] = "NUMPY\x01\x00 not a header at all";
  bad_file("npy bad magic", "m.npy", "tokens", nomagic, sizeof nomagic, &o, "magic");
  bad_npy("npy dtype <f4", "<f4", "False", "(16,)", 64, "dtype '<f4'");
  bad_npy("npy big-endian", ">i4", "False", "(16,)", 64, "dtype");
  bad_npy("npy fortran", "<i4", "True", "(16,)", 64, "fortran");
  bad_npy("npy 2-D", "<i4", "False", "(4, 4)", 64, "1-D");
  bad_npy("npy 0-D", "<i4", "False", "()", 4, "1-D");
  bad_npy("npy short data", "<i4", "False", "(16,)", 60, "needs 64");
  bad_npy("npy long data", "<i4", "False", "(15,)", 64, "needs 60");
  char hdr[12] = "\x93NUMPY\x01\x00\xff\x00";
  bad_file("npy header past end", "h.npy", "tokens", hdr, 12, &o, "past the end");
  /* specs and options */
  expect_fail("unknown spec", "parrity", NULL, "parrity", "unknown");
  expect_fail("no path", "bytes:", NULL, "bytes:", "no file name");
  data_opts_default(&o);
  o.min_len = 10;
  o.max_len = 5;
  expect_fail("min > max", "parity", &o, "parity", "min_len");
  o.min_len = o.max_len = 4;
  expect_fail("modarith even only", "modarith", &o, "modarith", "odd");
  data_opts_default(&o);
  o.vocab = 2;
  expect_fail("vocab too small", "parity", &o, "parity", "vocab");
  data_opts_default(&o);
  o.context = 10;
  o.pairs = 4;
  expect_fail("mqar context", "mqar", &o, "mqar", "pairs");
  o.context = 64;
  o.vocab = 8;
  expect_fail("mqar vocab", "mqar", &o, "mqar", "vocab");
}

/* every truncation of a valid .npy file is rejected; header mutations never crash */
static void test_npy_mutations(void) {
  char *p = tpath("mut.npy"), *spec = xl_fmt("tokens:%s", p);
  int32_t d[32];
  for (int i = 0; i < 32; i++) d[i] = i;
  write_npy(p, "<i4", "False", "(32,)", d, sizeof d);
  FILE *f = fopen(p, "rb");
  unsigned char raw[512];
  size_t n = fread(raw, 1, sizeof raw, f);
  fclose(f);
  data_opts o;
  data_opts_default(&o);
  o.context = 4;
  int rejected = 0, ok = 0;
  for (size_t len = 0; len < n; len++) {
    write_bytes(p, raw, len);
    data_source *s;
    char *err = NULL;
    int rc = data_open(spec, &o, &s, &err);
    rejected += rc == -1 && err && strstr(err, p);
    free(err);
    if (!rc) data_close(s);
  }
  CHECK(rejected == (int)n, "%d of %zu truncations rejected", rejected, n);
  xl_rng r;
  rng_seed(&r, 11);
  for (int it = 0; it < 600; it++) {
    unsigned char m[256];
    memcpy(m, raw, n);
    for (int j = 0; j <= it % 3; j++) m[rng_next(&r) % 74] = (unsigned char)(rng_next(&r) >> 56);
    write_bytes(p, m, n);
    data_source *s;
    char *err = NULL;
    if (!data_open(spec, &o, &s, &err)) {
      ok++;
      data_close(s);
    }
    free(err);
  }
  printf("  ok %zu truncations rejected; 600 header mutations: %d opened\n", n, ok);
  free(p), free(spec);
}

static void cleanup(void) {
  DIR *d = opendir(tmpdir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char *p = tpath(e->d_name);
    unlink(p);
    free(p);
  }
  if (d) closedir(d);
  rmdir(tmpdir);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xlc_data_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  printf("formal tasks\n");
  test_formal();
  printf("determinism\n");
  test_determinism();
  printf("mqar\n");
  check_mqar(64, 4);
  check_mqar(128, 8);
  printf("files\n");
  test_files();
  printf("bad files and specs\n");
  test_errors();
  test_npy_mutations();
  cleanup();
  printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
  return fails ? 1 : 0;
}
