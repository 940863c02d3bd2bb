/* test_init.c - parameter initializers (runtime/init.c) and the generator (runtime/rng.c).
 *
 * Deterministic kinds must equal the official-init tensors of the reference cases bit for bit
 * (powerlaw forget bias, linspace, ones, zeros); random kinds are checked statistically
 * (mean, std, bounds); seeding: (seed, name) fixes the values, other names or seeds change
 * them, F32 and F64 tensors get the same values. Known-answer values pin the generator.
 * Needs XLC_REF_DIR for the reference comparisons (skipped, exit 77, when absent).
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "xlrt.h"

#include "check.h"

static cg_init spec(cg_init_kind k, double a, double b, double c, double d) {
  cg_init s = {k, {a, b, c, d}};
  return s;
}

static xt *filled(xt_dtype dt, int rank, const int64_t *shape, cg_init s, uint64_t seed,
                  const char *name) {
  xt *t = xt_new_named(name, dt, rank, shape);
  char *err = NULL;
  int rc = init_fill(t, &s, seed, name, &err);
  CHECK(rc == 0, "init_fill(%s): %s", name, err ? err : "");
  free(err);
  return t;
}

static int same_bits(const xt *a, const xt *b) {
  return a->dtype == b->dtype && xt_same_shape(a, b) &&
         memcmp(a->data, b->data, (size_t)xt_numel(a) * xt_dtype_size(a->dtype)) == 0;
}

/* exact element-by-element comparison (same row-major order); reports the first difference */
static void expect_equal(const char *what, const xt *mine, const xt *ref) {
  int64_t n = xt_numel(ref), bad = 0;
  CHECK(xt_numel(mine) == n, "%s: %lld vs %lld elements", what, (long long)xt_numel(mine),
        (long long)n);
  if (xt_numel(mine) != n) return;
  for (int64_t i = 0; i < n; i++)
    if (xt_get(mine, i) != xt_get(ref, i)) {
      if (!bad)
        fprintf(stderr, "  %s: first difference at %lld: %.17g vs reference %.17g\n", what,
                (long long)i, xt_get(mine, i), xt_get(ref, i));
      bad++;
    }
  CHECK(bad == 0, "%s: %lld of %lld elements differ", what, (long long)bad, (long long)n);
  if (!bad) printf("  ok %s (%lld values, exact)\n", what, (long long)n);
}

static xt *load(const refcase *rc, const char *name, xt_dtype dt) {
  char *err = NULL;
  xt *t = refcase_load(rc, name, dt, &err);
  CHECK(t, "load %s: %s", name, err ? err : "");
  free(err);
  return t;
}

/* ---- reference comparisons ---- */

static void test_slstm_cell(const char *refdir) {
  refcase rc;
  char *err = NULL;
  char *dir = xl_fmt("%s/slstm_cell", refdir);
  if (refcase_open(dir, &rc, &err)) {
    CHECK(0, "%s", err);
    free(err);
    free(dir);
    return;
  }
  /* b_official_init: canonical (NH, 4, D) = [h, g, j]; ours is gate-major [g, h, j] */
  const int NH = 2, D = 8;
  int64_t n = 4 * NH * D;
  for (int pass = 0; pass < 2; pass++) {
    xt_dtype dt = pass ? XT_F32 : XT_F64;
    xt *ref = load(&rc, "param_ext/b_official_init", dt);
    if (!ref) continue;
    /* r = 0: block_idx 0 of num_blocks 1 (the sLSTMCellConfig defaults) */
    xt *mine = filled(dt, 1, &n, spec(CG_INIT_POWERLAW, 0, 1, NH, D), 1, "_bias_");
    xt *canon = xt_new(dt, 3, ref->shape);
    for (int h = 0; h < NH; h++)
      for (int g = 0; g < 4; g++)
        for (int j = 0; j < D; j++)
          xt_set(canon, (h * 4 + g) * D + j, xt_get(mine, (g * NH + h) * D + j));
    expect_equal(pass ? "powerlaw r=0 vs slstm_cell b_official_init (f32)"
                      : "powerlaw r=0 vs slstm_cell b_official_init (f64)", canon, ref);
    /* block 0 of 4 is also r = 0; block 1 of 2 (r = 1) is not this case */
    xt *m2 = filled(dt, 1, &n, spec(CG_INIT_POWERLAW, 0, 4, NH, D), 1, "_bias_");
    CHECK(same_bits(m2, mine), "block 0 of 4 differs from block 0 of 1");
    xt *m3 = filled(dt, 1, &n, spec(CG_INIT_POWERLAW, 1, 2, NH, D), 1, "_bias_");
    CHECK(!same_bits(m3, mine), "r = 1 equals r = 0");
    xt_free(m2);
    xt_free(m3);
    xt_free(canon);
    xt_free(mine);
    xt_free(ref);
  }
  refcase_close(&rc);
  free(dir);
}

/* every param tensor of case `cs` whose name starts with `prefix` and whose absmax is 0 must
   equal zeros(); returns how many were compared */
static int check_zero_tensors(const refcase *rc, const char *prefix) {
  int cnt = 0;
  for (int i = 0; i < rc->tensors.n; i++) {
    const refcase_tensor *t = &rc->tensors.v[i];
    if (strncmp(t->name, prefix, strlen(prefix)) != 0 || t->absmax != 0.0) continue;
    xt *ref = load(rc, t->name, XT_F64);
    if (!ref) continue;
    xt *mine = filled(XT_F64, t->rank, t->shape, spec(CG_INIT_ZEROS, 0, 0, 0, 0), 1, t->name);
    char *what = xl_fmt("zeros vs %s %s", rc->case_name, t->name);
    expect_equal(what, mine, ref);
    free(what);
    xt_free(mine);
    xt_free(ref);
    cnt++;
  }
  return cnt;
}

static void test_mlstm_block(const char *refdir) {
  refcase rc;
  char *err = NULL;
  char *dir = xl_fmt("%s/mlstm_block", refdir);
  if (refcase_open(dir, &rc, &err)) {
    CHECK(0, "%s", err);
    free(err);
    free(dir);
    return;
  }
  for (int pass = 0; pass < 2; pass++) {
    xt_dtype dt = pass ? XT_F32 : XT_F64;
    xt *ref = load(&rc, "param_official_init/xlstm.mlstm_cell.fgate.bias", dt);
    if (ref) {
      xt *mine = filled(dt, ref->rank, ref->shape, spec(CG_INIT_LINSPACE, 3, 6, 0, 0), 1, "fb");
      expect_equal(pass ? "linspace(3, 6) vs mlstm_block fgate.bias (f32)"
                        : "linspace(3, 6) vs mlstm_block fgate.bias (f64)", mine, ref);
      xt_free(mine);
      xt_free(ref);
    }
    ref = load(&rc, "param_official_init/xlstm.learnable_skip", dt);
    if (ref) {
      xt *mine = filled(dt, ref->rank, ref->shape, spec(CG_INIT_ONES, 0, 0, 0, 0), 1, "skip");
      expect_equal(pass ? "ones vs mlstm_block learnable_skip (f32)"
                        : "ones vs mlstm_block learnable_skip (f64)", mine, ref);
      xt_free(mine);
      xt_free(ref);
    }
  }
  int nz = check_zero_tensors(&rc, "param_official_init/");
  CHECK(nz >= 3, "only %d zero tensors found in mlstm_block", nz);
  refcase_close(&rc);
  free(dir);
}

static void test_lm(const char *refdir) {
  refcase rc;
  char *err = NULL;
  char *dir = xl_fmt("%s/lm_xlstm11", refdir);
  if (refcase_open(dir, &rc, &err)) {
    CHECK(0, "%s", err);
    free(err);
    free(dir);
    return;
  }
  /* block 1 of 2 (r = 1), NH = 4, D = 8, vanilla layout = gate-major, like ours */
  for (int pass = 0; pass < 2; pass++) {
    xt_dtype dt = pass ? XT_F32 : XT_F64;
    const char *nm = "param/xlstm_block_stack.blocks.1.xlstm.slstm_cell._bias_";
    xt *ref = load(&rc, nm, dt);
    if (ref) {
      xt *mine = filled(dt, ref->rank, ref->shape, spec(CG_INIT_POWERLAW, 1, 2, 4, 8), 1, nm);
      expect_equal(pass ? "powerlaw block 1 of 2 vs lm_xlstm11 sLSTM _bias_ (f32)"
                        : "powerlaw block 1 of 2 vs lm_xlstm11 sLSTM _bias_ (f64)", mine, ref);
      xt_free(mine);
      xt_free(ref);
    }
    nm = "param/xlstm_block_stack.blocks.0.xlstm.mlstm_cell.fgate.bias";
    ref = load(&rc, nm, dt);
    if (ref) {
      xt *mine = filled(dt, ref->rank, ref->shape, spec(CG_INIT_LINSPACE, 3, 6, 0, 0), 1, nm);
      expect_equal("linspace(3, 6) vs lm_xlstm11 mLSTM fgate.bias", mine, ref);
      xt_free(mine);
      xt_free(ref);
    }
    nm = "param/xlstm_block_stack.blocks.0.xlstm.learnable_skip";
    ref = load(&rc, nm, dt);
    if (ref) {
      xt *mine = filled(dt, ref->rank, ref->shape, spec(CG_INIT_ONES, 0, 0, 0, 0), 1, nm);
      expect_equal("ones vs lm_xlstm11 learnable_skip", mine, ref);
      xt_free(mine);
      xt_free(ref);
    }
  }
  int nz = check_zero_tensors(&rc, "param/");
  CHECK(nz >= 5, "only %d zero tensors found in lm_xlstm11", nz);
  refcase_close(&rc);
  free(dir);
}

/* ---- properties that need no reference data ---- */

static void test_generator(void) {
  uint64_t s = 0;
  CHECK(rng_splitmix64(&s) == 0xe220a8397b1dcdafull, "splitmix64(0)");
  xl_rng r;
  rng_seed(&r, 0);
  uint64_t want0[3] = {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull, 0x1a5f849d4933e6e0ull};
  for (int i = 0; i < 3; i++) CHECK(rng_next(&r) == want0[i], "xoshiro256** seed 0 output %d", i);
  rng_seed(&r, 42);
  uint64_t want42[3] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull, 0xae17533239e499a1ull};
  for (int i = 0; i < 3; i++) CHECK(rng_next(&r) == want42[i], "xoshiro256** seed 42 output %d", i);
  /* uniform in [0, 1) with 53 bits; normal finite */
  rng_seed(&r, 7);
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; i++) {
    double u = rng_uniform(&r);
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
    CHECK(u >= 0 && u < 1 && u == ldexp(floor(ldexp(u, 53)), -53), "uniform %.17g", u);
    if (fails > 10) break;
  }
  CHECK(lo < 1e-4 && hi > 1 - 1e-4, "uniform range [%g, %g]", lo, hi);
  printf("  ok generator known answers, uniform range [%.2g, 1 - %.2g]\n", lo, 1 - hi);
}

static void moments(const xt *t, double *mean, double *sd, double *mn, double *mx) {
  int64_t n = xt_numel(t);
  double s = 0, s2 = 0;
  *mn = INFINITY;
  *mx = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    double v = xt_get(t, i);
    s += v;
    *mn = v < *mn ? v : *mn;
    *mx = v > *mx ? v : *mx;
  }
  *mean = s / (double)n;
  for (int64_t i = 0; i < n; i++) {
    double d = xt_get(t, i) - *mean;
    s2 += d * d;
  }
  *sd = sqrt(s2 / (double)(n - 1));
}

static void test_random(void) {
  int64_t shape[2] = {200, 150}; /* n = 30000 */
  double n = 30000, mean, sd, mn, mx;
  /* normal */
  for (int k = 0; k < 3; k++) {
    double mu = k == 0 ? 0.0 : k == 1 ? 0.5 : -3.0, sig = k == 0 ? 1.0 : k == 1 ? 0.02 : 2.0;
    char *nm = xl_fmt("blocks.%d.proj_up.weight", k);
    xt *t = filled(XT_F64, 2, shape, spec(CG_INIT_NORMAL, mu, sig, 0, 0), 1234, nm);
    moments(t, &mean, &sd, &mn, &mx);
    CHECK(fabs(mean - mu) < 4 * sig / sqrt(n), "normal(%g, %g): mean %g", mu, sig, mean);
    CHECK(fabs(sd / sig - 1) < 0.03, "normal(%g, %g): std %g", mu, sig, sd);
    /* tails: about 0.27%% beyond 3 sigma */
    int64_t out3 = 0;
    for (int64_t i = 0; i < (int64_t)n; i++) out3 += fabs(xt_get(t, i) - mu) > 3 * sig;
    CHECK(out3 > 20 && out3 < 150, "normal: %lld values beyond 3 sigma", (long long)out3);
    printf("  ok normal(%g, %g): mean %.5f std %.5f, %lld beyond 3 sigma\n", mu, sig, mean, sd,
           (long long)out3);
    xt_free(t);
    free(nm);
  }
  /* uniform */
  for (int k = 0; k < 2; k++) {
    double a = k ? -0.125 : -1.0, b = k ? 0.125 : 3.0;
    xt *t = filled(XT_F32, 2, shape, spec(CG_INIT_UNIFORM, a, b, 0, 0), 99, "conv.weight");
    moments(t, &mean, &sd, &mn, &mx);
    double sig = (b - a) / sqrt(12.0);
    CHECK(mn >= a && mx <= b, "uniform(%g, %g): range [%g, %g]", a, b, mn, mx);
    CHECK(mn < a + 0.001 * (b - a) && mx > b - 0.001 * (b - a), "uniform range not covered");
    CHECK(fabs(mean - (a + b) / 2) < 4 * sig / sqrt(n), "uniform(%g, %g): mean %g", a, b, mean);
    CHECK(fabs(sd / sig - 1) < 0.03, "uniform(%g, %g): std %g, want %g", a, b, sd, sig);
    printf("  ok uniform(%g, %g): range [%.4f, %.4f] mean %.5f std %.5f\n", a, b, mn, mx, mean, sd);
    xt_free(t);
  }
}

static void test_seeding(void) {
  int64_t shape[2] = {16, 32};
  cg_init nrm = spec(CG_INIT_NORMAL, 0, 1, 0, 0), uni = spec(CG_INIT_UNIFORM, -1, 1, 0, 0);
  xt *a = filled(XT_F64, 2, shape, nrm, 5, "w.a");
  /* other parameters initialized in between do not matter */
  xt *other = filled(XT_F64, 2, shape, nrm, 5, "w.other");
  xt *a2 = filled(XT_F64, 2, shape, nrm, 5, "w.a");
  xt *b = filled(XT_F64, 2, shape, nrm, 5, "w.b");
  xt *a_seed6 = filled(XT_F64, 2, shape, nrm, 6, "w.a");
  xt *a32 = filled(XT_F32, 2, shape, nrm, 5, "w.a");
  CHECK(same_bits(a, a2), "same (seed, name) gives different values");
  CHECK(!same_bits(a, b), "different names give the same values");
  CHECK(!same_bits(a, a_seed6), "different seeds give the same values");
  int64_t diff = 0, n = xt_numel(a);
  for (int64_t i = 0; i < n; i++) diff += xt_get(a, i) != xt_get(a32, i);
  CHECK(diff == 0, "F32 and F64 fills differ in %lld values", (long long)diff);
  for (int64_t i = 0; i < n; i++) diff += xt_get(a, i) == xt_get(b, i);
  CHECK(diff == 0, "w.a and w.b share %lld values", (long long)diff);
  /* every value is a binary32 value */
  for (int64_t i = 0; i < n; i++) diff += (double)(float)xt_get(a, i) != xt_get(a, i);
  CHECK(diff == 0, "%lld values are not binary32 values", (long long)diff);
  /* the stream is the documented one: x = seed ^ fnv1a(name); rng_seed(splitmix64(x)) */
  xl_rng r;
  uint64_t x = 5 ^ xl_hash_str("w.a");
  rng_seed(&r, rng_splitmix64(&x));
  for (int64_t i = 0; i < n; i++) diff += xt_get(a, i) != (double)(float)rng_normal(&r);
  CHECK(diff == 0, "stream differs from the documented seeding in %lld values", (long long)diff);
  xt *u1 = filled(XT_F64, 2, shape, uni, 5, "w.a"), *u2 = filled(XT_F64, 2, shape, uni, 5, "w.a");
  CHECK(same_bits(u1, u2), "uniform not reproducible");
  /* bf16 / f16 tensors get the same values rounded once more */
  xt *h = filled(XT_BF16, 2, shape, uni, 5, "w.a");
  for (int64_t i = 0; i < n; i++) diff += fabs(xt_get(h, i) - xt_get(u1, i)) > 1.0 / 256;
  CHECK(diff == 0, "bf16 fill differs from the f64 fill by more than rounding");
  printf("  ok seeding: reproducible, per-name streams, F32 == F64 values\n");
  xt *all[] = {a, other, a2, b, a_seed6, a32, u1, u2, h};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) xt_free(all[i]);
}

static void test_deterministic(void) {
  /* linspace along the last axis, repeated over the leading axes */
  int64_t sh[2] = {3, 5};
  xt *t = filled(XT_F64, 2, sh, spec(CG_INIT_LINSPACE, -1, 1, 0, 0), 1, "l");
  double want[5] = {-1, -0.5, 0, 0.5, 1};
  int bad = 0;
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < 5; i++) bad += xt_get(t, r * 5 + i) != want[i];
  CHECK(bad == 0, "linspace(-1, 1) on [3, 5]");
  xt_free(t);
  int64_t n7 = 7;
  t = filled(XT_F32, 1, &n7, spec(CG_INIT_LINSPACE, 0.1, 0.7, 0, 0), 1, "l");
  CHECK(xt_get(t, 0) == (double)0.1f && xt_get(t, 6) == (double)0.7f, "linspace endpoints");
  for (int i = 1; i < 7; i++) bad += !(xt_get(t, i) > xt_get(t, i - 1));
  for (int i = 0; i < 7; i++) bad += fabs(xt_get(t, i) - (0.1 + 0.1 * i)) > 1e-6;
  CHECK(bad == 0, "linspace(0.1, 0.7, 7) values");
  xt_free(t);
  int64_t one = 1;
  t = filled(XT_F64, 1, &one, spec(CG_INIT_LINSPACE, 2.5, 9, 0, 0), 1, "l");
  CHECK(xt_get(t, 0) == 2.5, "linspace n = 1 gives start");
  xt_free(t);
  t = filled(XT_F64, 0, NULL, spec(CG_INIT_CONST, 0.1, 0, 0, 0), 1, "c");
  CHECK(xt_get(t, 0) == (double)0.1f, "const 0.1 is stored as binary32 0.1");
  xt_free(t);
  int64_t e0 = 0;
  t = filled(XT_F64, 1, &e0, spec(CG_INIT_NORMAL, 0, 1, 0, 0), 1, "empty");
  xt_free(t);
  /* powerlaw: f bias 5 .. -7, others zero, gate-major */
  int64_t n = 4 * 3 * 5;
  t = filled(XT_F64, 1, &n, spec(CG_INIT_POWERLAW, 2, 5, 3, 5), 1, "b");
  for (int g = 0; g < 4; g++)
    for (int h = 0; h < 3; h++)
      for (int j = 0; j < 5; j++) {
        double v = xt_get(t, (g * 3 + h) * 5 + j);
        if (g != 1) bad += v != 0;
        else bad += fabs(v - (5 - 12 * pow(j / 4.0, 0.3 + 1.3 * 0.5))) > 1e-5;
      }
  CHECK(bad == 0 && xt_get(t, 15) == 5 && xt_get(t, 19) == -7, "powerlaw block 2 of 5");
  xt_free(t);
  printf("  ok linspace, const, powerlaw layout\n");
}

static void expect_error(const char *label, xt_dtype dt, int rank, const int64_t *shape,
                         cg_init s, const char *want) {
  xt *t = xt_new(dt, rank, shape);
  char *err = NULL;
  int rc = init_fill(t, &s, 1, "the.param", &err);
  CHECK(rc == -1 && err && strstr(err, "the.param") && strstr(err, want),
        "%s: rc %d, %s", label, rc, err ? err : "(null)");
  if (rc == -1 && err) printf("  ok %-22s %s\n", label, err);
  free(err);
  xt_free(t);
}

static void test_errors(void) {
  int64_t n = 63, n64 = 64, n8 = 8;
  expect_error("powerlaw wrong size", XT_F32, 1, &n, spec(CG_INIT_POWERLAW, 0, 1, 2, 8), "64");
  expect_error("powerlaw D = 1", XT_F32, 1, &n8, spec(CG_INIT_POWERLAW, 0, 1, 2, 1), "D >= 2");
  expect_error("powerlaw block >= num", XT_F32, 1, &n64, spec(CG_INIT_POWERLAW, 2, 2, 2, 8),
               "block_idx");
  expect_error("int dtype", XT_I32, 1, &n8, spec(CG_INIT_ZEROS, 0, 0, 0, 0), "not a float");
  expect_error("negative std", XT_F32, 1, &n8, spec(CG_INIT_NORMAL, 0, -1, 0, 0), "std");
  expect_error("low > high", XT_F32, 1, &n8, spec(CG_INIT_UNIFORM, 1, 0, 0, 0), "low <= high");
  expect_error("nan const", XT_F32, 1, &n8, spec(CG_INIT_CONST, NAN, 0, 0, 0), "const");
  expect_error("unknown kind", XT_F32, 1, &n8, spec((cg_init_kind)99, 0, 0, 0, 0), "kind");
}

/* sLSTM bias_init "small_init": the forget gate of every head is torch.linspace(3, 6, D) (bias_linspace_init_),
   the other gates 0; D = 5 makes every value exact (3, 3.75, 4.5, 5.25, 6) */
static void test_gate_linspace(void) {
  const int NH = 3, D = 5;
  int64_t n = 4 * NH * D;
  xt *t = filled(XT_F64, 1, &n, spec(CG_INIT_GATE_LINSPACE, NH, D, 3, 6), 1, "_bias_");
  int bad = 0;
  for (int g = 0; g < 4; g++)
    for (int h = 0; h < NH; h++)
      for (int j = 0; j < D; j++) {
        double want = g == 1 ? 3 + 0.75 * j : 0, got = xt_get(t, (g * NH + h) * D + j);
        if (got != want) bad++;
      }
  CHECK(!bad, "gate_linspace: %d elements differ from linspace(3, 6) on the forget gate", bad);
  xt_free(t);
  int64_t n2 = 4 * NH * D + 1;
  expect_error("gate_linspace wrong size", XT_F32, 1, &n2, spec(CG_INIT_GATE_LINSPACE, NH, D, 3, 6), "4*NH*D");
}

int main(void) {
  printf("generator\n");
  test_generator();
  printf("random initializers\n");
  test_random();
  printf("seeding\n");
  test_seeding();
  printf("deterministic initializers\n");
  test_deterministic();
  printf("spec errors\n");
  test_errors();
  printf("gate linspace (sLSTM small_init)\n");
  test_gate_linspace();
  const char *refdir = getenv("XLC_REF_DIR");
  struct stat st;
  int have_ref = refdir && *refdir && stat(refdir, &st) == 0 && S_ISDIR(st.st_mode);
  if (have_ref) {
    printf("official init (reference cases in %s)\n", refdir);
    test_slstm_cell(refdir);
    test_mlstm_block(refdir);
    test_lm(refdir);
  }
  printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
  if (fails) return 1;
  if (!have_ref) {
    printf("SKIP: XLC_REF_DIR not set or not a directory: official-init comparisons not run\n");
    return 77;
  }
  return 0;
}
