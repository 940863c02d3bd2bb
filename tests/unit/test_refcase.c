/* test_refcase.c - the reference-case loader (runtime/refcase.c).
 *
 * Opens every case directory under XLC_REF_DIR, loads every tensor in f64 and f32 (token
 * tensors as i32), checks shape/numel against the manifest, the manifest's absmax against the
 * loaded data (1e-12 relative for f64), and that the .f32 file holds the f64 values rounded to
 * binary32. Then broken cases written by hand (missing manifest, bad JSON, numel mismatch,
 * short file, file names with '/') must fail with messages naming the case and the tensor.
 * Exit 77 (skip) when XLC_REF_DIR is not set or holds no case.
 */
#include <dirent.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xlrt.h"

#include "check.h"

static double absmax(const xt *t) {
  double m = 0;
  for (int64_t i = 0; i < xt_numel(t); i++) m = fmax(m, fabs(xt_get(t, i)));
  return m;
}

static int shape_ok(const xt *x, const refcase_tensor *t) {
  if (x->rank != t->rank || xt_numel(x) != t->numel) return 0;
  for (int k = 0; k < t->rank; k++)
    if (x->shape[k] != t->shape[k]) return 0;
  return 1;
}

/* loads and checks every tensor of one case; returns the number of tensors */
static int check_case(const char *dir) {
  refcase rc;
  char *err = NULL;
  if (refcase_open(dir, &rc, &err)) {
    CHECK(0, "refcase_open: %s", err);
    free(err);
    return 0;
  }
  CHECK(rc.tensors.n > 0, "%s: no tensors", dir);
  CHECK(rc.sources.n > 0, "%s: no official_sources", dir);
  CHECK(strcmp(rc.dir, dir) == 0, "dir not kept");
  int nint = 0;
  double worst64 = 0, worst32 = 0;
  for (int i = 0; i < rc.tensors.n; i++) {
    const refcase_tensor *t = &rc.tensors.v[i];
    CHECK(refcase_find(&rc, t->name) == t, "refcase_find(%s)", t->name);
    CHECK(t->role && *t->role, "%s: no role", t->name);
    if (t->file_i32 && !t->file_f64) {
      /* token ids: I32 whatever is asked */
      nint++;
      for (int pass = 0; pass < 2; pass++) {
        xt *x = refcase_load(&rc, t->name, pass ? XT_F32 : XT_I32, &err);
        CHECK(x && x->dtype == XT_I32 && shape_ok(x, t), "%s %s: %s", rc.case_name, t->name,
              err ? err : "wrong dtype or shape");
        free(err);
        err = NULL;
        if (x)
          for (int64_t k = 0; k < xt_numel(x); k++)
            CHECK(((int32_t *)x->data)[k] >= 0, "%s: negative token id", t->name);
        xt_free(x);
      }
      continue;
    }
    xt *a = refcase_load(&rc, t->name, XT_F64, &err);
    CHECK(a, "%s: %s", rc.case_name, err ? err : "");
    free(err);
    err = NULL;
    xt *b = refcase_load(&rc, t->name, XT_F32, &err);
    CHECK(b, "%s: %s", rc.case_name, err ? err : "");
    free(err);
    err = NULL;
    if (a && b) {
      CHECK(a->dtype == XT_F64 && b->dtype == XT_F32, "%s: dtypes", t->name);
      CHECK(shape_ok(a, t) && shape_ok(b, t), "%s: shape", t->name);
      CHECK(a->name && strcmp(a->name, t->name) == 0, "%s: tensor not named", t->name);
      CHECK(!isnan(t->absmax), "%s %s: no absmax in the manifest", rc.case_name, t->name);
      double m64 = absmax(a), m32 = absmax(b);
      double r64 = fabs(m64 - t->absmax) / fmax(t->absmax, 1e-300);
      double r32 = fabs(m32 - t->absmax) / fmax(t->absmax, 1e-300);
      if (t->absmax == 0) r64 = m64, r32 = m32;
      worst64 = fmax(worst64, r64);
      worst32 = fmax(worst32, r32);
      CHECK(r64 <= 1e-12, "%s %s: absmax %.17g, manifest %.17g", rc.case_name, t->name, m64,
            t->absmax);
      CHECK(r32 <= 1e-7, "%s %s: f32 absmax %.9g, manifest %.17g", rc.case_name, t->name, m32,
            t->absmax);
      int64_t bad = 0;
      for (int64_t k = 0; k < xt_numel(a); k++)
        bad += (float)((double *)a->data)[k] != ((float *)b->data)[k] &&
               !(isnan(((double *)a->data)[k]) && isnan(((float *)b->data)[k]));
      CHECK(bad == 0, "%s %s: %lld f32 values are not the f64 values rounded", rc.case_name,
            t->name, (long long)bad);
    }
    xt_free(a);
    xt_free(b);
  }
  printf("  ok %-18s %3d tensors (%d integer), absmax rel. diff f64 %.1e, f32 %.1e\n",
         rc.case_name, rc.tensors.n, nint, worst64, worst32);
  int n = rc.tensors.n;
  /* a bf16 load converts the f32 data; an absent tensor is an error naming it */
  const refcase_tensor *t0 = &rc.tensors.v[0];
  if (t0->file_f32) {
    xt *h = refcase_load(&rc, t0->name, XT_BF16, &err);
    CHECK(h && h->dtype == XT_BF16 && shape_ok(h, t0), "bf16 load: %s", err ? err : "");
    free(err);
    err = NULL;
    xt_free(h);
  }
  xt *none = refcase_load(&rc, "no/such/tensor", XT_F64, &err);
  CHECK(!none && err && strstr(err, "no/such/tensor") && strstr(err, dir), "absent tensor: %s",
        err ? err : "(null)");
  free(err);
  refcase_close(&rc);
  return n;
}

/* ---- broken cases ---- */

static char tmpdir[256];

static void put_file(const char *name, const void *p, size_t n) {
  char *path = xl_fmt("%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  XL_ASSERT(f);
  fwrite(p, 1, n, f);
  fclose(f);
  free(path);
}

static void put_manifest(const char *tensor_json) {
  char *m = xl_fmt("{\"format_version\": 1, \"case\": \"broken\", \"official_sources\": [\"x.py\"],"
                   " \"tensors\": [%s]}", tensor_json);
  put_file("manifest.json", m, strlen(m));
  free(m);
}

static void expect_open_fail(const char *label, const char *want) {
  refcase rc;
  char *err = NULL;
  int r = refcase_open(tmpdir, &rc, &err);
  CHECK(r == -1 && err && strstr(err, tmpdir) && (!want || strstr(err, want)), "%s: rc %d, %s",
        label, r, err ? err : "(null)");
  CHECK(rc.tensors.n == 0 && rc.dir == NULL, "%s: rc not cleared", label);
  if (r == -1 && err) printf("  ok %-22s %s\n", label, err);
  free(err);
}

static void test_broken(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xlc_rc_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    fails++;
    return;
  }
  expect_open_fail("missing manifest", "manifest.json");
  put_file("manifest.json", "{\"case\": \"x\", \"tensors\": [", 26);
  expect_open_fail("malformed JSON", "malformed");
  put_file("manifest.json", "{\"tensors\": []}", 15);
  expect_open_fail("no case name", "case");
  put_manifest("{\"name\": \"w\", \"role\": \"param\", \"shape\": [2, 3], \"numel\": 5, "
               "\"files\": {\"float64\": \"w.f64.bin\"}}");
  expect_open_fail("numel mismatch", "'w'");
  put_manifest("{\"name\": \"w\", \"role\": \"param\", \"shape\": [2], \"numel\": 2, "
               "\"files\": {\"float64\": \"../w.f64.bin\"}}");
  expect_open_fail("path in file name", "'w'");
  put_manifest("{\"name\": \"w\", \"role\": \"param\", \"shape\": [2], \"numel\": 2, "
               "\"files\": {}}");
  expect_open_fail("no files", "'w'");
  put_manifest("{\"name\": \"w\", \"shape\": [2], \"files\": {\"float64\": \"w.f64.bin\"}}");
  expect_open_fail("no role", "'w'");
  put_manifest("{\"name\": \"w\", \"role\": \"param\", \"shape\": [2], \"files\": "
               "{\"float64\": \"w.f64.bin\"}}, {\"name\": \"w\", \"role\": \"param\", \"shape\": "
               "[2], \"files\": {\"float64\": \"w.f64.bin\"}}");
  expect_open_fail("duplicate tensor", "'w'");

  /* a good manifest whose file is too short, one whose file is missing, one that is fine */
  put_manifest("{\"name\": \"param/w\", \"role\": \"param\", \"shape\": [3], \"numel\": 3, "
               "\"absmax\": 2.5, \"files\": {\"float64\": \"w.f64.bin\", \"float32\": "
               "\"w.f32.bin\"}}, {\"name\": \"gone\", \"role\": \"param\", \"shape\": [], "
               "\"files\": {\"float64\": \"gone.f64.bin\"}}, {\"name\": \"tok\", \"role\": "
               "\"input\", \"shape\": [2], \"files\": {\"int32\": \"tok.i32.bin\"}}");
  double w[3] = {1, -2.5, 0.5};
  float w32[2] = {1, -2.5};
  int32_t tok[2] = {3, 4};
  put_file("w.f64.bin", w, sizeof w);
  put_file("w.f32.bin", w32, sizeof w32); /* one value short */
  put_file("tok.i32.bin", tok, sizeof tok);
  refcase rc;
  char *err = NULL;
  int r = refcase_open(tmpdir, &rc, &err);
  CHECK(r == 0, "open good manifest: %s", err ? err : "");
  free(err);
  err = NULL;
  if (r == 0) {
    CHECK(rc.tensors.n == 3 && rc.tensors.v[0].absmax == 2.5 && isnan(rc.tensors.v[1].absmax),
          "parsed tensors");
    CHECK(rc.tensors.v[1].rank == 0 && rc.tensors.v[1].numel == 1, "scalar shape");
    xt *a = refcase_load(&rc, "param/w", XT_F64, &err);
    CHECK(a && xt_get(a, 1) == -2.5, "load f64: %s", err ? err : "");
    xt_free(a);
    free(err);
    err = NULL;
    a = refcase_load(&rc, "param/w", XT_F32, &err);
    CHECK(!a && err && strstr(err, tmpdir) && strstr(err, "'param/w'") && strstr(err, "8 bytes"),
          "short file: %s", err ? err : "(null)");
    if (err) printf("  ok %-22s %s\n", "short file", err);
    free(err);
    err = NULL;
    a = refcase_load(&rc, "gone", XT_F64, &err);
    CHECK(!a && err && strstr(err, "'gone'"), "missing file: %s", err ? err : "(null)");
    if (err) printf("  ok %-22s %s\n", "missing file", err);
    free(err);
    err = NULL;
    a = refcase_load(&rc, "gone", XT_F32, &err);
    CHECK(!a && err && strstr(err, "'gone'") && strstr(err, "F32"), "no f32 file: %s",
          err ? err : "(null)");
    free(err);
    err = NULL;
    a = refcase_load(&rc, "tok", XT_F64, &err);
    CHECK(a && a->dtype == XT_I32 && ((int32_t *)a->data)[1] == 4, "tokens: %s", err ? err : "");
    xt_free(a);
    free(err);
    err = NULL;
    a = refcase_load(&rc, "tok", XT_I64, &err);
    CHECK(a && a->dtype == XT_I64 && ((int64_t *)a->data)[0] == 3, "tokens i64: %s",
          err ? err : "");
    xt_free(a);
    free(err);
    refcase_close(&rc);
  }
  const char *files[] = {"manifest.json", "w.f64.bin", "w.f32.bin", "tok.i32.bin"};
  for (int i = 0; i < 4; i++) {
    char *p = xl_fmt("%s/%s", tmpdir, files[i]);
    unlink(p);
    free(p);
  }
  rmdir(tmpdir);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  printf("broken cases\n");
  test_broken();
  const char *refdir = getenv("XLC_REF_DIR");
  DIR *d = refdir && *refdir ? opendir(refdir) : NULL;
  if (!d) {
    printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
    printf("SKIP: XLC_REF_DIR not set or unreadable: reference cases not checked\n");
    return fails ? 1 : 77;
  }
  XL_VEC(char *) dirs = {0};
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char *m = xl_fmt("%s/%s/manifest.json", refdir, e->d_name);
    struct stat st;
    if (stat(m, &st) == 0) xl_vec_push(dirs, xl_fmt("%s/%s", refdir, e->d_name));
    free(m);
  }
  closedir(d);
  qsort(dirs.v, (size_t)dirs.n, sizeof *dirs.v, cmp_str);
  printf("reference cases in %s\n", refdir);
  int total = 0;
  for (int i = 0; i < dirs.n; i++) {
    total += check_case(dirs.v[i]);
    free(dirs.v[i]);
  }
  free(dirs.v);
  printf("%d cases, %d tensors\n", dirs.n, total);
  printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
  if (fails) return 1;
  if (!dirs.n) {
    printf("SKIP: no reference case under %s\n", refdir);
    return 77;
  }
  return 0;
}
