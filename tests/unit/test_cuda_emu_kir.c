/* test_cuda_emu_kir.c - the CUDA C emitter's kernels (compiler/kir_cuda.h) run on the emulated
 * device (runtime/cuda/emu/xce.h) at the launch geometry the emitter gives, real block sizes
 * included (chains of nests synchronize with __syncthreads between nests, which the fibers
 * honour), against kir_interp: every fused kernel of the sLSTM and mLSTM cells (forward, the
 * backward of --grad, the decode shape T = 1) in f64 and f32 emitted without FMAs (bit for bit:
 * the same host libm, no contraction), and in bf16 (within 2e-2 of kir_interp in f32 on the same
 * rounded inputs, relative to max(1, |ref|)). The emulator compiles the exact bytes emitted (the
 * module's hash equals the hash of the emitted text) and counts one launch per kernel run.
 * Skipped (77) without a host C++ compiler.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kir_cuda.h"
#include "kplan.h"
#include "lang.h"
#include "pipe_test.h"
#include "xce.h"

typedef XL_VEC(const kir_kernel *) kvec;

static void collect(const kp_plan *p, kvec *out) {
  for (int i = 0; i < p->steps.n; i++) {
    const kp_step *s = &p->steps.v[i];
    if (s->body) collect(s->body, out);
    if (s->kind == KP_KERNEL) xl_vec_push(*out, s->kir);
  }
}

static uint16_t bf16_of(float x) { /* round to nearest even (the value kir_interp is given) */
  uint32_t u;
  memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  double lo, hi;
  uint32_t l = u & 0xffff0000u, h = l + 0x10000u;
  float fl, fh;
  memcpy(&fl, &l, 4), memcpy(&fh, &h, 4);
  lo = fabs((double)x - fl), hi = fabs((double)fh - x);
  return (uint16_t)((lo < hi || (lo == hi && !((l >> 16) & 1)) ? l : h) >> 16);
}

static float f_of(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double urand(double lo, double hi) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

static int nocxx;
static int chains_multi, with_smem; /* runs of chains with several threads a block; with shared memory */

/* k emitted in dt, compiled and run on the emulator, against kir_interp; 1 if it ran */
static int run_one(const kir_kernel *k, kcu_dtype dt, const char *cache) {
  kir_emit_opts eo;
  memset(&eo, 0, sizeof eo);
  eo.no_fma = dt != KCU_BF16;
  kcu_launch geo;
  char *err = NULL, name[128];
  char *src = kcu_emit(k, dt, kcu_target_find("sm_90"), &eo, &geo, &err);
  CHECK(src, "%s: emit: %s", k->name, err ? err : "");
  if (!src) return free(err), 0;
  size_t len = strlen(src);
  xce_module *m = xce_compile(src, len, cache, &err);
  if (!m && err && strstr(err, "cannot run the host C++ compiler")) nocxx = 1;
  CHECK(m || nocxx, "%s %s: %s", k->name, kcu_dtype_name(dt), err ? err : "");
  free(err), err = NULL;
  if (!m) return free(src), 0;
  CHECK(xce_module_hash(m) == xce_hash(src, len), "%s: the emulator compiled other bytes than emitted", k->name);
  cg_dtype idt = dt == KCU_F64 ? CG_F64 : CG_F32;
  int es = kcu_dtype_size(dt), is = idt == CG_F64 ? 8 : 4;
  void *gb[KIR_MAXBUF] = {0}, *ib[KIR_MAXBUF] = {0};
  for (int b = 0; b < k->nbuf; b++) {
    size_t n = (size_t)k->buf_numel[b] + 1;
    gb[b] = calloc(n, (size_t)es), ib[b] = calloc(n, (size_t)is);
    for (int64_t i = 0; i < k->buf_numel[b]; i++) {
      double v = urand(0.05, 1);
      if (dt == KCU_F64) ((double *)gb[b])[i] = ((double *)ib[b])[i] = v;
      else if (dt == KCU_F32) ((float *)gb[b])[i] = ((float *)ib[b])[i] = (float)v;
      else ((uint16_t *)gb[b])[i] = bf16_of((float)v), ((float *)ib[b])[i] = f_of(bf16_of((float)v));
    }
  }
  kcu_name(k->name, name, sizeof name);
  unsigned grid[3] = {(unsigned)geo.grid, 1, 1}, block[3] = {(unsigned)geo.block, 1, 1};
  chains_multi += k->next && geo.block > 1;
  with_smem += geo.smem > 0;
  long n0 = xce_launch_count();
  int rc = xce_launch(m, name, grid, block, (unsigned)geo.smem, gb, k->nbuf, 0, &err);
  CHECK(rc == 0, "%s %s: launch: %s", k->name, kcu_dtype_name(dt), err ? err : "");
  CHECK(xce_launch_count() == n0 + 1, "launch not counted");
  free(err);
  kir_interp(k, idt, ib);
  double tol = dt == KCU_BF16 ? 2e-2 : 0;
  int bad = 0;
  for (int b = 0; rc == 0 && b < k->nbuf; b++)
    for (int64_t i = 0; k->buf_out[b] == 1 && i < k->buf_numel[b]; i++) {
      double g = dt == KCU_F64 ? ((double *)gb[b])[i] : dt == KCU_F32 ? ((float *)gb[b])[i] : f_of(((uint16_t *)gb[b])[i]);
      double r = idt == CG_F64 ? ((double *)ib[b])[i] : ((float *)ib[b])[i];
      int ok = tol == 0 ? (g == r || (isnan(g) && isnan(r)))
                        : (isnan(r) ? isnan(g) : isinf(r) ? g == r : fabs(g - r) <= tol * fmax(1, fabs(r)));
      if (!ok && bad++ < 3)
        fprintf(stderr, "  %s %s b%d[%lld]: emulated %.17g, kir_interp %.17g\n", k->name, kcu_dtype_name(dt), b,
                (long long)i, g, r);
    }
  CHECK(bad == 0, "%s %s (grid %lld, block %d, smem %lld): %d mismatches", k->name, kcu_dtype_name(dt),
        (long long)geo.grid, geo.block, (long long)geo.smem, bad);
  for (int b = 0; b < k->nbuf; b++) free(gb[b]), free(ib[b]);
  xce_module_free(m);
  free(src);
  return 1;
}

int main(void) {
  static const struct {
    const char *entry, *sets[3];
    xl_grad grad;
  } entries[] = {
      {"slstm_cell", {"B=2", "T=3"}, XL_GRAD_NONE}, {"slstm_cell", {"B=2", "T=3"}, XL_GRAD_COT},
      {"slstm_cell", {"B=1", "T=1"}, XL_GRAD_NONE}, {"mlstm_cell", {"B=2", "T=3"}, XL_GRAD_NONE},
      {"mlstm_cell", {"B=2", "T=3"}, XL_GRAD_COT},
  };
  enum { NE = sizeof entries / sizeof *entries };
  const char *srcdir = getenv("XLC_SOURCE_DIR"), *f = __FILE__, *cut = strstr(f, "tests/unit/");
  char *path = srcdir && *srcdir ? xl_fmt("%s/stdlib/xlstm.xl", srcdir)
                                 : xl_fmt("%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  const char *rerr = NULL;
  size_t len = 0;
  char *text = xl_read_file(path, &len, &rerr);
  CHECK(text, "cannot read %s: %s", path, rerr ? rerr : "?");
  xl_arena ar = {0}, ga[NE];
  memset(ga, 0, sizeof ga);
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = text ? lang_parse(&ar, path, text, &d) : NULL;
  xl_module mods[NE];
  memset(mods, 0, sizeof mods);
  kvec all = {0};
  for (int e = 0; file && d.nerr == 0 && e < NE; e++) {
    lang_set sets[3];
    char keys[3][16];
    int ns = 0;
    for (; ns < 3 && entries[e].sets[ns]; ns++) {
      const char *eq = strchr(entries[e].sets[ns], '=');
      snprintf(keys[ns], sizeof keys[ns], "%.*s", (int)(eq - entries[e].sets[ns]), entries[e].sets[ns]);
      sets[ns] = (lang_set){keys[ns], eq + 1};
    }
    xl_request r = {0};
    r.ar = &ga[e], r.file = file, r.diag = &d, r.entry = entries[e].entry, r.sets = sets, r.nsets = ns;
    r.grad = entries[e].grad, r.stop = XL_STAGE_KPLAN;
    char *err = NULL;
    int rc = xl_compile(&r, pt_options(), &mods[e], &err);
    CHECK(rc == 0, "%s: %s", entries[e].entry, err ? err : "diagnostics above");
    free(err);
    if (rc == 0) collect(mods[e].plan, &all);
  }
  char cache[] = "/tmp/xlc-emu-kir-XXXXXX";
  CHECK(mkdtemp(cache), "mkdtemp");
  int ran[3] = {0};
  const kcu_dtype dts[3] = {KCU_F64, KCU_F32, KCU_BF16};
  for (int t = 0; t < 3 && !nocxx; t++)
    for (int i = 0; i < all.n && !nocxx; i++) ran[t] += run_one(all.v[i], dts[t], cache);
  printf("emitted kernels on the emulated device: %d kernels; ran f64 %d, f32 %d, bf16 %d; runs of chains with "
         "several threads a block %d, with dynamic shared memory %d\n",
         all.n, ran[0], ran[1], ran[2], chains_multi, with_smem);
  if (!nocxx) CHECK(all.n > 0 && ran[0] == all.n && ran[1] == all.n && ran[2] == all.n, "not every kernel ran");
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", cache);
  free(all.v);
  for (int e = 0; e < NE; e++) xl_module_free(&mods[e]), xl_arena_free(&ga[e]);
  xl_arena_free(&ar);
  free(text), free(path);
  if (nocxx) {
    printf("skipped: no host C++ compiler\n");
    return 77;
  }
  return fails != 0;
}
