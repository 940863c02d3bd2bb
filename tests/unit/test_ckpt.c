/* test_ckpt.c - training checkpoints (runtime/ckpt.c).
 *
 * Round trip (bit-exact parameters and optimizer state, every metadata key, FNV-1a source
 * hash checked against the published test vector); plain state dicts (no metadata, or the
 * PyTorch "format": "pt") load without optimizer state; unknown format versions, broken
 * optimizer state and truncated files are errors naming the file; atomicity (missing or
 * read-only directory: error and no file; a write that fails midway leaves the previous
 * checkpoint byte-identical and no temp file); validation lists every missing, unexpected and
 * mis-shaped tensor by name; the CUDA sLSTM layout is converted, checked against both layouts
 * built here from a canonical R[h,k,g,j], b[h,g,j] (xlstm-math.md §1.1); and a kill test: a
 * child writing a large checkpoint in a loop is SIGKILLed at random times, after which the file
 * is absent or complete and self-consistent, and at most the killed writer's temp file remains
 * (the next write removes it). XLC_CKPT_KILL_MB (default 48) and XLC_CKPT_KILLS (default 8)
 * size the kill test.
 */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"

#include "check.h"

static char tmpdir[256];

static char *tpath(const char *name) { return xl_fmt("%s/%s", tmpdir, name); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static xt *mk(const char *name, xt_dtype dt, int rank, int64_t d0, int64_t d1, int64_t d2) {
  int64_t sh[3] = {d0, d1, d2};
  return xt_new_named(name, dt, rank, sh);
}

static int count_temps(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (strstr(e->d_name, ".tmp.")) n++;
  if (d) closedir(d);
  return n;
}

static int same_bytes(const xt *a, const xt *b) {
  return a && b && a->dtype == b->dtype && xt_same_shape(a, b) &&
         memcmp(a->data, b->data, (size_t)xt_numel(a) * (size_t)xt_dtype_size(a->dtype)) == 0;
}

static const char *meta_or(const ckpt *ck, const char *k) {
  const char *v = ckpt_meta(ck, k);
  return v ? v : "(absent)";
}

/* a small model: two F32 parameters and an F64 one; optimizer state with odd values */
static void small_model(xt_list *l, double **m, double **v) {
  *l = (xt_list){0};
  xtl_add(l, mk("blocks.0.w", XT_F32, 2, 3, 4, 0));
  xtl_add(l, mk("blocks.0.b", XT_F32, 1, 4, 0, 0));
  xtl_add(l, mk("head.scale", XT_F64, 0, 0, 0, 0));
  for (int i = 0; i < 3; i++) {
    xt *t = l->v.v[i];
    int64_t n = xt_numel(t);
    m[i] = xl_malloc((size_t)n * sizeof(double));
    v[i] = xl_malloc((size_t)n * sizeof(double));
    for (int64_t k = 0; k < n; k++) {
      xt_set(t, k, sin(1.0 + (double)k * (i + 1)) / 3.0);
      m[i][k] = cos((double)k) * 1e-7 / 3.0;
      v[i][k] = (double)k * 1e-13 + 1.0 / 7.0;
    }
  }
  ((float *)l->v.v[0]->data)[5] = -0.0f;
  m[0][1] = -0.0;
}

static void test_roundtrip(void) {
  xt_list l;
  double *m[3], *v[3];
  small_model(&l, m, v);
  char *p = tpath("rt.ckpt"), *err = NULL;
  const char *sets[] = {"layers=2", "name=\"x y\""};
  const char *extra[] = {"note", "hello", "val_loss", "1.25"};
  ckpt_info info = {.entry = "xlstm_lm", .source_path = "stdlib/xlstm.xl", .source_text = "a",
                    .sets = sets, .nsets = 2, .step = 1234, .seed = 18446744073709551615ull,
                    .trainer_json = "{\"lr\":0.001,\"batch\":8}", .extra = extra, .nextra = 2};
  int rc = ckpt_write(p, &l, m, v, &info, &err);
  CHECK(rc == 0, "write: %s", err ? err : "");
  free(err);
  err = NULL;
  ckpt ck;
  rc = ckpt_read(p, &ck, &err);
  CHECK(rc == 0, "read: %s", err ? err : "");
  if (rc == 0) {
    CHECK(ck.is_xlc && ckpt_has_optim(&ck), "not an xlc checkpoint with optimizer state");
    CHECK(ck.params.v.n == 3 && ck.m.v.n == 3 && ck.v.v.n == 3, "counts %d %d %d", ck.params.v.n,
          ck.m.v.n, ck.v.v.n);
    for (int i = 0; i < 3 && i < ck.params.v.n; i++) {
      const xt *a = l.v.v[i], *mm = xtl_find(&ck.m, a->name), *vv = xtl_find(&ck.v, a->name);
      CHECK(strcmp(ck.params.v.v[i]->name, a->name) == 0, "order: %s", ck.params.v.v[i]->name);
      CHECK(same_bytes(a, xtl_find(&ck.params, a->name)), "param %s differs", a->name);
      size_t nb = (size_t)xt_numel(a) * sizeof(double);
      CHECK(mm && mm->dtype == XT_F64 && memcmp(mm->data, m[i], nb) == 0, "m of %s", a->name);
      CHECK(vv && vv->dtype == XT_F64 && memcmp(vv->data, v[i], nb) == 0, "v of %s", a->name);
    }
    /* FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector) */
    const char *want[][2] = {{"format", "xlc-checkpoint-1"}, {"entry", "xlstm_lm"},
                             {"source_path", "stdlib/xlstm.xl"}, {"source_hash", "af63dc4c8601ec8c"},
                             {"sources", "{\"stdlib/xlstm.xl\":\"a\"}"},
                             {"sets", "[\"layers=2\",\"name=\\\"x y\\\"\"]"}, {"step", "1234"},
                             {"seed", "18446744073709551615"},
                             {"trainer", "{\"lr\":0.001,\"batch\":8}"}, {"note", "hello"},
                             {"val_loss", "1.25"}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
      CHECK(strcmp(meta_or(&ck, want[i][0]), want[i][1]) == 0, "metadata %s = %s, want %s",
            want[i][0], meta_or(&ck, want[i][0]), want[i][1]);
    CHECK(ckpt_meta(&ck, "nope") == NULL, "absent key found");
    char *text = NULL;
    CHECK(ckpt_source(&ck, &text, &err) == 0 && text && !strcmp(text, "a"), "stored source: %s",
          err ? err : text ? text : "(none)");
    free(text);
    free(err);
    err = NULL;
    ckpt_free(&ck);
  }
  CHECK(count_temps(tmpdir) == 0, "temp file left");

  /* without optimizer state; a reserved extra key is refused */
  rc = ckpt_write(p, &l, NULL, NULL, NULL, &err);
  CHECK(rc == 0, "write without optimizer: %s", err ? err : "");
  if (ckpt_read(p, &ck, &err) == 0) {
    CHECK(ck.is_xlc && !ckpt_has_optim(&ck) && ck.params.v.n == 3, "no-optimizer checkpoint");
    char *text = NULL;
    CHECK(ckpt_source(&ck, &text, &err) == 0 && !text, "a checkpoint without sources has none");
    CHECK(strcmp(meta_or(&ck, "step"), "0") == 0 && strcmp(meta_or(&ck, "sets"), "[]") == 0,
          "defaults: step %s sets %s", meta_or(&ck, "step"), meta_or(&ck, "sets"));
    ckpt_free(&ck);
  } else {
    CHECK(0, "read: %s", err);
  }
  free(err);
  err = NULL;
  const char *bad[] = {"step", "7"};
  ckpt_info bi = {.extra = bad, .nextra = 1};
  rc = ckpt_write(p, &l, NULL, NULL, &bi, &err);
  CHECK(rc == -1 && err && strstr(err, "'step'"), "reserved key accepted: %s", err ? err : "");
  free(err);
  err = NULL;
  ckpt_info bt = {.trainer_json = "{lr: 1"};
  rc = ckpt_write(p, &l, NULL, NULL, &bt, &err);
  CHECK(rc == -1 && err && strstr(err, "JSON"), "bad trainer JSON accepted: %s", err ? err : "");
  free(err);
  err = NULL;

  /* plain state dicts: no metadata, and the PyTorch "format": "pt" */
  for (int k = 0; k < 2; k++) {
    rc = st_write(p, &l, k ? "{\"format\":\"pt\"}" : NULL, &err);
    CHECK(rc == 0, "st_write");
    rc = ckpt_read(p, &ck, &err);
    CHECK(rc == 0 && !ck.is_xlc && !ckpt_has_optim(&ck) && ck.params.v.n == 3,
          "plain state dict %d: %s", k, err ? err : "");
    if (rc == 0) {
      CHECK(same_bytes(l.v.v[0], ck.params.v.v[0]), "plain state dict values");
      ckpt_free(&ck);
    }
    free(err);
    err = NULL;
  }

  /* a later format version, and broken optimizer state */
  rc = st_write(p, &l, "{\"format\":\"xlc-checkpoint-2\"}", &err);
  rc = ckpt_read(p, &ck, &err);
  CHECK(rc == -1 && err && strstr(err, p) && strstr(err, "xlc-checkpoint-2"), "version: %s",
        err ? err : "");
  printf("  ok %-24s %s\n", "format version", err ? err : "");
  free(err);
  err = NULL;
  xt *lone = mk("optim.m.blocks.0.b", XT_F64, 1, 4, 0, 0);
  xtl_add(&l, lone);
  st_write(p, &l, "{\"format\":\"xlc-checkpoint-1\"}", &err);
  rc = ckpt_read(p, &ck, &err);
  CHECK(rc == -1 && err && strstr(err, "optim.m.blocks.0.b") && strstr(err, "partner"),
        "m without v: %s", err ? err : "");
  printf("  ok %-24s %s\n", "m without v", err ? err : "");
  free(err);
  err = NULL;
  lone->dtype = XT_F32;
  lone->shape[0] = 8; /* same bytes as 4 doubles */
  st_write(p, &l, "{\"format\":\"xlc-checkpoint-1\"}", &err);
  rc = ckpt_read(p, &ck, &err);
  CHECK(rc == -1 && err && strstr(err, "F64"), "F32 optimizer state: %s", err ? err : "");
  free(err);
  err = NULL;
  l.v.n--;
  xt_free(lone);

  /* truncated checkpoint */
  ckpt_write(p, &l, m, v, &info, &err);
  struct stat st;
  stat(p, &st);
  CHECK(truncate(p, st.st_size - 20) == 0, "truncate");
  rc = ckpt_read(p, &ck, &err);
  CHECK(rc == -1 && err && strstr(err, p) && strstr(err, "truncated"), "truncated: %s",
        err ? err : "");
  printf("  ok %-24s %s\n", "truncated file", err ? err : "");
  free(err);
  err = NULL;
  CHECK(ck.params.v.n == 0 && ck.path == NULL, "ckpt not empty after failure");

  for (int i = 0; i < 3; i++) free(m[i]), free(v[i]);
  xtl_free(&l);
  unlink(p);
  free(p);
}

static void test_atomic(void) {
  xt_list l;
  double *m[3], *v[3];
  small_model(&l, m, v);
  char *err = NULL;
  /* a directory that does not exist */
  char *p = tpath("nodir/x.ckpt");
  int rc = ckpt_write(p, &l, m, v, NULL, &err);
  CHECK(rc == -1 && err && strstr(err, p), "missing directory: %s", err ? err : "");
  printf("  ok %-24s %s\n", "missing directory", err ? err : "");
  free(err);
  err = NULL;
  free(p);
  /* a read-only directory (root writes anyway: then only the no-leftover part is checked) */
  char *ro = tpath("ro");
  mkdir(ro, 0555);
  chmod(ro, 0555);
  p = xl_fmt("%s/x.ckpt", ro);
  rc = ckpt_write(p, &l, m, v, NULL, &err);
  if (geteuid() != 0) {
    CHECK(rc == -1 && err && strstr(err, p), "read-only directory: %s", err ? err : "");
    CHECK(access(p, F_OK) != 0, "file created in a read-only directory");
    printf("  ok %-24s %s\n", "read-only directory", err ? err : "");
  } else {
    printf("  (running as root: a read-only directory does not stop the write)\n");
    unlink(p);
  }
  CHECK(count_temps(ro) == 0, "temp file left in the read-only directory");
  free(err);
  err = NULL;
  free(p);
  chmod(ro, 0755);
  rmdir(ro);
  free(ro);

  /* a write that fails in the middle (file size limit) leaves the old checkpoint as it was */
  p = tpath("keep.ckpt");
  rc = ckpt_write(p, &l, m, v, NULL, &err);
  CHECK(rc == 0, "first write");
  size_t n0 = 0, n1 = 0;
  const char *e = NULL;
  char *before = xl_read_file(p, &n0, &e);
  xt_list big = {0};
  xtl_add(&big, mk("big", XT_F32, 1, 1 << 16, 0, 0));
  double *bm = xl_calloc(1 << 16, sizeof(double)), *bv = xl_calloc(1 << 16, sizeof(double));
  struct rlimit old, lim;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  if (getrlimit(RLIMIT_FSIZE, &old) == 0 && (lim = old, lim.rlim_cur = 100000,
                                             setrlimit(RLIMIT_FSIZE, &lim) == 0)) {
    rc = ckpt_write(p, &big, &bm, &bv, NULL, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc == -1 && err && strstr(err, p), "write past the size limit: %s", err ? err : "");
    printf("  ok %-24s %s\n", "failure while writing", err ? err : "");
    char *after = xl_read_file(p, &n1, &e);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0,
          "previous checkpoint changed by a failed write");
    free(after);
  } else {
    printf("  (setrlimit failed: mid-write failure not tested)\n");
  }
  signal(SIGXFSZ, prev);
  CHECK(count_temps(tmpdir) == 0, "temp file left after a failed write");
  free(err);
  free(before);
  free(bm);
  free(bv);
  xtl_free(&big);
  unlink(p);
  free(p);
  for (int i = 0; i < 3; i++) free(m[i]), free(v[i]);
  xtl_free(&l);
}

static void test_validate(void) {
  xt_list l = {0};
  xtl_add(&l, mk("a.weight", XT_F32, 2, 4, 3, 0));
  xtl_add(&l, mk("b.weight", XT_F32, 2, 3, 4, 0));
  xtl_add(&l, mk("extra.bias", XT_F32, 1, 5, 0, 0));
  char *p = tpath("val.ckpt"), *err = NULL, *warn = NULL;
  ckpt_write(p, &l, NULL, NULL, NULL, &err);
  ckpt ck;
  int rc = ckpt_read(p, &ck, &err);
  CHECK(rc == 0, "read: %s", err ? err : "");
  ckpt_expect ok[] = {{"a.weight", 2, {4, 3}}, {"b.weight", 2, {3, 4}}, {"extra.bias", 1, {5}}};
  rc = ckpt_validate(&ck, ok, 3, &warn, &err);
  CHECK(rc == 0 && !err && !warn, "valid checkpoint rejected: %s", err ? err : "");
  ckpt_expect bad[] = {{"a.weight", 2, {4, 3}}, {"b.weight", 2, {4, 3}}, {"c.weight", 1, {7}}};
  rc = ckpt_validate(&ck, bad, 3, &warn, &err);
  CHECK(rc == -1 && err, "invalid checkpoint accepted");
  if (err) {
    printf("  validation messages:\n%s\n", err);
    CHECK(strstr(err, "missing tensor 'c.weight' (expected shape [7])"), "missing: %s", err);
    CHECK(strstr(err, "'b.weight' has shape [3, 4], expected [4, 3]"), "mis-shaped: %s", err);
    CHECK(strstr(err, "unexpected tensor 'extra.bias'"), "unexpected: %s", err);
    CHECK(strstr(err, p) && !strstr(err, "'a.weight'"), "path / a.weight: %s", err);
  }
  free(err);
  free(warn);
  ckpt_free(&ck);
  xtl_free(&l);
  unlink(p);
  free(p);
}

/* CUDA -> vanilla: both layouts built from canonical R[h,k,g,j] (NH, d, 4, d), b[h,g,j] */
static void test_cuda_layout(void) {
  enum { NH = 2, D = 3 };
  const int H = NH * D;
  double R[NH][D][4][D], b[NH][4][D];
  for (int h = 0; h < NH; h++)
    for (int k = 0; k < D; k++)
      for (int g = 0; g < 4; g++)
        for (int j = 0; j < D; j++) R[h][k][g][j] = 1000 * h + 100 * k + 10 * g + j + 0.5;
  for (int h = 0; h < NH; h++)
    for (int g = 0; g < 4; g++)
      for (int j = 0; j < D; j++) b[h][g][j] = -(100 * h + 10 * g + j) - 0.25;
  const char *kn = "xlstm_block_stack.blocks.1.xlstm.slstm_cell._recurrent_kernel_";
  const char *bn = "xlstm_block_stack.blocks.1.xlstm.slstm_cell._bias_";
  xt_list l = {0};
  xt *kc = mk(kn, XT_F32, 3, NH, D, 4 * D), *bc = mk(bn, XT_F32, 1, 4 * H, 0, 0);
  for (int h = 0; h < NH; h++)
    for (int k = 0; k < D; k++)
      for (int g = 0; g < 4; g++)
        for (int j = 0; j < D; j++) {
          /* cuda: [h, k, g*d+j] = R[h,k,g,j];  [h*4d + g*d + j] = b[h,g,j] */
          xt_set(kc, (h * D + k) * 4 * D + g * D + j, R[h][k][g][j]);
          xt_set(bc, h * 4 * D + g * D + j, b[h][g][j]);
        }
  xtl_add(&l, kc);
  xtl_add(&l, bc);
  double *m[2], *v[2];
  for (int i = 0; i < 2; i++) {
    int64_t n = xt_numel(l.v.v[i]);
    m[i] = xl_malloc((size_t)n * sizeof(double));
    v[i] = xl_malloc((size_t)n * sizeof(double));
    for (int64_t q = 0; q < n; q++) /* second moments are >= 0 */
      m[i][q] = xt_get(l.v.v[i], q) * 2, v[i][q] = fabs(xt_get(l.v.v[i], q)) * 3;
  }
  char *p = tpath("cuda.ckpt"), *err = NULL, *warn = NULL;
  ckpt_write(p, &l, m, v, NULL, &err);
  ckpt ck;
  int rc = ckpt_read(p, &ck, &err);
  CHECK(rc == 0, "read: %s", err ? err : "");
  ckpt_expect exp[] = {{kn, 3, {NH, 4 * D, D}}, {bn, 1, {4 * H}}};
  rc = ckpt_validate(&ck, exp, 2, &warn, &err);
  CHECK(rc == 0, "validation after conversion: %s", err ? err : "");
  CHECK(warn && strstr(warn, kn) && strstr(warn, bn) && strstr(warn, "CUDA"), "warning: %s",
        warn ? warn : "(null)");
  if (warn) printf("  warning:\n%s\n", warn);
  xt *kv = xtl_find(&ck.params, kn), *bv = xtl_find(&ck.params, bn);
  xt *km = xtl_find(&ck.m, kn), *kvv = xtl_find(&ck.v, kn), *bm = xtl_find(&ck.m, bn);
  int bad = 0;
  for (int h = 0; h < NH; h++)
    for (int k = 0; k < D; k++)
      for (int g = 0; g < 4; g++)
        for (int j = 0; j < D; j++) {
          /* vanilla: [h, g*d+j, k] = R[h,k,g,j];  [g*H + h*d + j] = b[h,g,j] */
          int64_t ki = (h * 4 * D + g * D + j) * D + k, bi = g * H + h * D + j;
          bad += xt_get(kv, ki) != R[h][k][g][j] || xt_get(km, ki) != 2 * R[h][k][g][j] ||
                 xt_get(kvv, ki) != 3 * R[h][k][g][j];
          bad += k == 0 && (xt_get(bv, bi) != b[h][g][j] || xt_get(bm, bi) != 2 * b[h][g][j]);
        }
  CHECK(bad == 0, "%d converted elements differ from the vanilla layout", bad);
  CHECK(kv->shape[1] == 4 * D && kv->shape[2] == D, "kernel shape not vanilla");
  free(warn);
  free(err);
  warn = err = NULL;
  /* a vanilla checkpoint is left alone */
  rc = ckpt_validate(&ck, exp, 2, &warn, &err);
  CHECK(rc == 0 && !warn, "second validation converted again: %s", warn ? warn : "");
  ckpt_free(&ck);
  for (int i = 0; i < 2; i++) free(m[i]), free(v[i]);
  xtl_free(&l);
  unlink(p);
  free(p);
}

/* ---- kill test ---- */

static float pval(int64_t step, int64_t i) { return (float)(step * 16 + i % 13); }
static double mval(int64_t step, int64_t i) { return (double)step + (double)(i % 7) * 0.125; }

static void fill(xt_list *l, double *m, double *v, int64_t step) {
  float *p = l->v.v[0]->data;
  int64_t n = xt_numel(l->v.v[0]);
  for (int64_t i = 0; i < n; i++) p[i] = pval(step, i), m[i] = mval(step, i), v[i] = mval(step, i) + 1000; /* v >= 0 */
}

/* "" if path is absent or a complete checkpoint of one step, else a message */
static int check_complete(const char *path, int64_t *step) {
  ckpt ck;
  char *err = NULL;
  *step = -1;
  if (access(path, F_OK) != 0) return 0;
  if (ckpt_read(path, &ck, &err)) {
    CHECK(0, "kill test: checkpoint unreadable: %s", err);
    free(err);
    return -1;
  }
  const char *s = ckpt_meta(&ck, "step");
  *step = s ? atoll(s) : -1;
  const xt *p = ck.params.v.n == 1 ? ck.params.v.v[0] : NULL;
  const xt *m = xtl_find(&ck.m, "w"), *v = xtl_find(&ck.v, "w");
  int bad = !p || !m || !v || *step < 1;
  for (int64_t i = 0; !bad && i < xt_numel(p); i++)
    bad = ((float *)p->data)[i] != pval(*step, i) || ((double *)m->data)[i] != mval(*step, i) ||
          ((double *)v->data)[i] != mval(*step, i) + 1000;
  CHECK(!bad, "kill test: checkpoint of step %lld is inconsistent", (long long)*step);
  ckpt_free(&ck);
  return bad ? -1 : 0;
}

static void test_kill(void) {
  const char *e1 = getenv("XLC_CKPT_KILL_MB"), *e2 = getenv("XLC_CKPT_KILLS");
  int64_t mb = e1 ? atoll(e1) : 48, kills = e2 ? atoll(e2) : 8;
  int64_t n = mb * 1000000 / 20; /* 4 bytes of parameter + 16 of optimizer state each */
  char *dir = tpath("kill"), *p = NULL;
  mkdir(dir, 0755);
  p = xl_fmt("%s/big.ckpt", dir);
  xt_list l = {0};
  xtl_add(&l, mk("w", XT_F32, 1, n, 0, 0));
  double *m = xl_malloc((size_t)n * sizeof(double)), *v = xl_malloc((size_t)n * sizeof(double));
  char *err = NULL;
  /* calibration: how long filling + one write take here */
  double t0 = now_s();
  fill(&l, m, v, 1);
  ckpt_info info = {.step = 1};
  int rc = ckpt_write(p, &l, &m, &v, &info, &err);
  double tw = now_s() - t0;
  CHECK(rc == 0, "kill test write: %s", err ? err : "");
  unlink(p);
  srand(12345);
  int present = 0, midwrite = 0;
  for (int it = 0; it < kills; it++) {
    unlink(p); /* each round starts without a checkpoint */
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      close(pfd[0]);
      for (int64_t k = 1;; k++) {
        fill(&l, m, v, k);
        ckpt_info in = {.step = k};
        if (ckpt_write(p, &l, &m, &v, &in, &err)) _exit(3);
        if (write(pfd[1], "w", 1) != 1) _exit(4); /* one byte per completed checkpoint */
      }
    }
    close(pfd[1]);
    /* even kills: anywhere from the start (often before the first rename); odd kills: after
       the first completed checkpoint, anywhere in the following ~1.5 writes */
    char c;
    if (it % 2 && read(pfd[0], &c, 1) != 1) CHECK(0, "writer died before its first checkpoint");
    double delay = tw * 1.5 * (double)rand() / RAND_MAX;
    struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(pfd[0]);
    CHECK(WIFSIGNALED(status), "writer exited by itself (status %d)", status);
    CHECK(it % 2 == 0 || access(p, F_OK) == 0, "checkpoint gone after kill %d", it);
    int64_t step;
    check_complete(p, &step);
    present += step > 0;
    int nt = count_temps(dir);
    CHECK(nt <= 1, "%d temp files after kill %d", nt, it);
    midwrite += nt == 1;
  }
  /* the next write removes the killed writers' temp files */
  rc = ckpt_write(p, &l, &m, &v, &info, &err);
  CHECK(rc == 0 && count_temps(dir) == 0, "stale temp files not removed (%d left)", count_temps(dir));
  printf("  %lld kills of a %lld MB writer (fill + write %.3f s): checkpoint present and complete "
         "after %d, absent after %lld, never partial; killed mid-write (temp file left) %d times\n",
         (long long)kills, (long long)mb, tw, present, (long long)(kills - present), midwrite);
  unlink(p);
  rmdir(dir);
  free(m);
  free(v);
  xtl_free(&l);
  free(p);
  free(dir);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xlc_ckpt_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  printf("round trip\n");
  test_roundtrip();
  printf("atomic writes\n");
  test_atomic();
  printf("validation\n");
  test_validate();
  printf("CUDA sLSTM layout\n");
  test_cuda_layout();
  printf("kill test\n");
  test_kill();
  rmdir(tmpdir);
  printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
  return fails ? 1 : 0;
}
