/* test_kir_cuda.c - the CUDA C emitter (compiler/kir_cuda.c) and NVRTC loader (runtime/cuda).
 *
 * Without a GPU:
 *  - the emitted source of every fused kernel of the stdlib cells (slstm, mlstm, lstm; forward
 *    and backward --grad; T = 3 and the decode shape T = 1) is compiled by the host C++
 *    compiler against a test-only header of the CUDA built-ins the emitter uses (kir_cuda.h's
 *    list), run block by block and thread by thread at the launch geometry kcu_emit gives (a
 *    chain of nests: one thread per block, so that its __syncthreads() is a no-op) and compared
 *    with kir_interp: f64 and f32 bit for bit when emitted with no_fma (the same host libm,
 *    -ffp-contract=off), f32 with its fma within 1e-5, bf16 within 2e-2 of kir_interp in f32 on
 *    the same bf16 inputs (relative to max(1, |ref|));
 *  - hand-built kernels: the mapping (split chains, local buffers in shared memory, the
 *    unknown-op and shared-memory errors), the target table;
 *  - NVRTC: a missing library is a clear error; the ptxas report parser on canned logs; when
 *    libnvrtc is present, a kernel compiled for sm_80 and sm_90 (registers present, no spills,
 *    PTX with the entry), the disk cache (miss, hit, damaged entry recompiled) and a compile
 *    error's lines. Without libnvrtc those parts are skipped, or fail under CI=true.
 * The host compiler part is skipped when c++ is missing (CI has it).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dlfcn.h>

#include "check.h"
#include "kir_cuda.h"
#include "kir_mlir.h"
#include "kir_build.h"
#include "kplan.h"
#include "lang.h"
#include "nvrtc.h"
#include "pipe_test.h"

static char tmpdir[] = "/tmp/xlc-kcu.XXXXXX";

/* ---- kernel builder (kir_build.h) ---- */

#define OP(k, op, a, b) kb_op(k, op, a, b, 0)

/* ---- running emitted kernels on the host ---- */

static uint64_t rng = 88172645463325252ULL;
static double urand(double lo, double hi) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

/* the CUDA built-ins of kir_cuda.h, on the host: one thread at a time */
static const char EMU_H[] =
  "#include <math.h>\n"
  "#define __global__\n#define __device__\n#define __forceinline__ inline\n#define __launch_bounds__(n)\n"
  "#define __shared__\n"
  "struct xl_dim3 { unsigned x, y, z; };\n"
  "static xl_dim3 threadIdx, blockIdx, blockDim, gridDim;\n"
  "static inline void __syncthreads(void) {}\n"
  "double xl_smem[1 << 16];\n";

typedef struct {
  const kir_kernel *k;
  kcu_launch geo;
  int id;
} hk;

static XL_VEC(hk) hkern;   /* the kernels of one host library, in its order */
static FILE *harness;      /* its C++ source */
static int have_cxx = -1;

static void harness_open(void) {
  char *p = xl_fmt("%s/emu.h", tmpdir);
  FILE *f = fopen(p, "w");
  fputs(EMU_H, f);
  fclose(f);
  free(p);
  p = xl_fmt("%s/h.cpp", tmpdir);
  harness = fopen(p, "w");
  free(p);
  fputs("#include \"emu.h\"\n", harness);
  hkern.n = 0;
}

/* adds kernel k in dt (no_fma as given) to the host library; 0 if emitted */
static int harness_add(const kir_kernel *k, kcu_dtype dt, int no_fma) {
  const kcu_target *t = kcu_target_find("sm_90");
  kir_emit_opts eo = {0};
  eo.no_fma = no_fma;
  kcu_launch geo;
  char *err = NULL, name[80];
  char *src = kcu_emit(k, dt, t, &eo, &geo, &err);
  CHECK(src, "%s: %s", k->name, err ? err : "?");
  free(err);
  if (!src) return -1;
  int id = hkern.n;
  char *p = xl_fmt("%s/k%d.cu", tmpdir, id);
  FILE *f = fopen(p, "w");
  fputs(src, f);
  fclose(f);
  free(p);
  free(src);
  kcu_name(k->name, name, sizeof name);
  fprintf(harness,
          "#define %s xl_kern_%d\nnamespace n%d {\n#include \"k%d.cu\"\n}\n#undef %s\n"
          "extern \"C\" void xl_run_%d(void **bufs, long long grid, int block) {\n"
          "  n%d::xl_bufs p; for (int i = 0; i < %d; i++) p.b[i] = bufs[i];\n"
          "  gridDim.x = (unsigned)grid; blockDim.x = (unsigned)block;\n"
          "  for (blockIdx.x = 0; blockIdx.x < gridDim.x; blockIdx.x++)\n"
          "    for (threadIdx.x = 0; threadIdx.x < blockDim.x; threadIdx.x++) n%d::xl_kern_%d(p);\n}\n",
          name, id, id, id, name, id, id, KIR_MAXBUF, id, id);
  hk h = {k, geo, id};
  xl_vec_push(hkern, h);
  return 0;
}

/* compiles the host library; its handle or NULL */
static void *harness_build(const char *tag) {
  fclose(harness);
  harness = NULL;
  char *cmd = xl_fmt("cd %s && c++ -std=c++17 -O0 -ffp-contract=off -fPIC -shared -w -o %s.so h.cpp", tmpdir, tag);
  int rc = system(cmd);
  free(cmd);
  CHECK(rc == 0, "%s: the host compiler rejected the emitted kernels (sources in %s)", tag, tmpdir);
  if (rc) return NULL;
  char *so = xl_fmt("%s/%s.so", tmpdir, tag);
  void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  CHECK(h, "dlopen %s: %s", so, dlerror());
  free(so);
  return h;
}

static uint16_t to_bf16(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
static float from_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

typedef struct {
  int kernels, bad;
} stats;

/* The input values of buffer b (NULL: urand(0.05, 1) everywhere): the hand-built kernels of the
   data-dependent ops and scans need indices and infinities. */
static double (*fill_hook)(int b, int64_t i);

/* Runs kernel h of library so in dt and kir_interp (f64/f32; bf16: f32 on the rounded inputs),
   compares the outputs (tol 0: bit for bit). */
static void run_compare(void *so, const hk *h, kcu_dtype dt, double tol, const char *tag, stats *st) {
  const kir_kernel *k = h->k;
  char sym[32];
  snprintf(sym, sizeof sym, "xl_run_%d", h->id);
  void (*run)(void **, long long, int);
  *(void **)&run = dlsym(so, sym);
  CHECK(run, "%s: no %s", tag, sym);
  if (!run) return;
  st->kernels++;
  cg_dtype idt = dt == KCU_F64 ? CG_F64 : CG_F32;
  int es = kcu_dtype_size(dt), is = idt == CG_F64 ? 8 : 4;
  void *gb[KIR_MAXBUF] = {0}, *ib[KIR_MAXBUF] = {0};
  for (int b = 0; b < k->nbuf; b++) {
    size_t n = (size_t)k->buf_numel[b] + 1;
    gb[b] = calloc(n, (size_t)es);
    ib[b] = calloc(n, (size_t)is);
    for (int64_t i = 0; i < k->buf_numel[b]; i++) {
      double v = fill_hook ? fill_hook(b, i) : urand(0.05, 1);
      if (dt == KCU_F64) ((double *)gb[b])[i] = ((double *)ib[b])[i] = v;
      else if (dt == KCU_F32) ((float *)gb[b])[i] = ((float *)ib[b])[i] = (float)v;
      else ((uint16_t *)gb[b])[i] = to_bf16((float)v), ((float *)ib[b])[i] = from_bf16(to_bf16((float)v));
    }
  }
  int chain = k->next != NULL;
  run(gb, h->geo.grid, chain ? 1 : h->geo.block);
  kir_interp(k, idt, ib);
  int bad = 0;
  for (int b = 0; b < k->nbuf; b++)
    for (int64_t i = 0; k->buf_out[b] == 1 && i < k->buf_numel[b]; i++) {
      double g = dt == KCU_F64 ? ((double *)gb[b])[i] : dt == KCU_F32 ? ((float *)gb[b])[i] : from_bf16(((uint16_t *)gb[b])[i]);
      double r = idt == CG_F64 ? ((double *)ib[b])[i] : ((float *)ib[b])[i];
      int ok = tol == 0 ? (g == r || (isnan(g) && isnan(r))) : (isnan(r) ? isnan(g) : isinf(r) ? g == r : fabs(g - r) <= tol * fmax(1, fabs(r)));
      if (!ok && bad++ < 3)
        fprintf(stderr, "  %s %s %s b%d[%lld]: emitted %.17g, kir_interp %.17g\n", tag, k->name, kcu_dtype_name(dt), b,
                (long long)i, g, r);
    }
  if (bad) st->bad++;
  CHECK(bad == 0, "%s %s %s: %d mismatches", tag, k->name, kcu_dtype_name(dt), bad);
  for (int b = 0; b < k->nbuf; b++) free(gb[b]), free(ib[b]);
}

/* ---- the stdlib cells' kernels ---- */

typedef XL_VEC(const kir_kernel *) kvec;

static void collect(const kp_plan *p, kvec *out) {
  for (int i = 0; i < p->steps.n; i++) {
    const kp_step *s = &p->steps.v[i];
    if (s->body) collect(s->body, out);
    if (s->kind == KP_KERNEL) xl_vec_push(*out, s->kir);
  }
}

static void test_stdlib_host(void) {
  static const struct {
    const char *entry, *sets[4];
    xl_grad grad;
  } entries[] = {
      {"slstm_cell", {"B=2", "T=3"}, XL_GRAD_NONE}, {"slstm_cell", {"B=2", "T=3"}, XL_GRAD_COT},
      {"slstm_cell", {"B=1", "T=1"}, XL_GRAD_NONE}, {"mlstm_cell", {"B=2", "T=3"}, XL_GRAD_NONE},
      {"mlstm_cell", {"B=2", "T=3"}, XL_GRAD_COT},  {"mlstm_cell", {"B=1", "T=1"}, XL_GRAD_NONE},
      {"lstm_cell", {"B=2", "T=3"}, XL_GRAD_NONE},  {"lstm_cell", {"B=2", "T=3"}, XL_GRAD_COT},
  };
  const char *src = getenv("XLC_SOURCE_DIR"), *f = __FILE__, *cut = strstr(f, "tests/unit/");
  char *path = src && *src ? xl_fmt("%s/stdlib/xlstm.xl", src) : xl_fmt("%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  const char *rerr = NULL;
  size_t len = 0;
  char *text = xl_read_file(path, &len, &rerr);
  CHECK(text, "cannot read %s: %s", path, rerr ? rerr : "?");
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = text ? lang_parse(&ar, path, text, &d) : NULL;
  xl_module mods[sizeof entries / sizeof *entries];
  memset(mods, 0, sizeof mods);
  xl_arena ga[sizeof entries / sizeof *entries];
  memset(ga, 0, sizeof ga);
  kvec all = {0};
  for (size_t e = 0; file && d.nerr == 0 && e < sizeof entries / sizeof *entries; e++) {
    lang_set sets[4];
    char keys[4][32];
    int ns = 0;
    for (; ns < 4 && entries[e].sets[ns]; ns++) {
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
  static const struct {
    kcu_dtype dt;
    int no_fma;
    double tol;
    const char *tag;
  } runs[] = {{KCU_F64, 1, 0, "f64"}, {KCU_F32, 1, 0, "f32"}, {KCU_F32, 0, 1e-5, "f32fma"}, {KCU_BF16, 0, 2e-2, "bf16"}};
  for (size_t r = 0; r < sizeof runs / sizeof *runs && all.n; r++) {
    harness_open();
    for (int i = 0; i < all.n; i++) harness_add(all.v[i], runs[r].dt, runs[r].no_fma);
    void *so = harness_build(runs[r].tag);
    stats st = {0};
    for (int i = 0; so && i < hkern.n; i++) run_compare(so, &hkern.v[i], runs[r].dt, runs[r].tol, runs[r].tag, &st);
    printf("stdlib kernels on the host, %s%s: %d run, %d differ from kir_interp\n", runs[r].tag,
           runs[r].tol == 0 ? " (bit for bit)" : "", st.kernels, st.bad);
    CHECK(st.kernels == all.n, "%s: %d of %d kernels ran", runs[r].tag, st.kernels, all.n);
    if (so) dlclose(so);
  }
  free(all.v);
  for (size_t e = 0; e < sizeof entries / sizeof *entries; e++) xl_module_free(&mods[e]), xl_arena_free(&ga[e]);
  xl_arena_free(&ar);
  free(text);
  free(path);
}

/* ---- hand-built kernels: mapping and errors ---- */

static void test_mapping(void) {
  const kcu_target *t90 = kcu_target_find("sm_90"), *t80 = kcu_target_find("sm_80");
  CHECK(t90 && t80 && !kcu_target_find("sm_75") && !kcu_target_find(NULL), "target table");
  CHECK(t90 && t90->cc_major == 9 && t90->warp == 32 && t90->bandwidth == 3.35e12 && t90->peak_f32 == 67e12 &&
            t90->peak_f64 == 34e12,
        "sm_90's facts");
  kcu_dtype dt;
  CHECK(kcu_dtype_parse("bf16", &dt) && dt == KCU_BF16 && !kcu_dtype_parse("f16", &dt), "dtype names");

  /* elementwise [1000, 3]: 3000 points over 12 blocks of 256 */
  kir_kernel k;
  kb_init(&k, "k1_exp", 2, (const int64_t[]){1000, 3});
  kb_buf(&k, 3000, 0);
  kb_buf(&k, 3000, 1);
  STORE(&k, 1, 0, OP(&k, KIR_EXP, LOAD(&k, 0, 0, 3, 1), 0), 3, 1);
  kcu_launch g;
  char *err = NULL, *s = kcu_emit(&k, KCU_F32, t90, NULL, &g, &err);
  CHECK(s && g.grid == 12 && g.block == 256 && g.smem == 0 && g.split == -1, "elementwise geometry %lld %d",
        (long long)g.grid, g.block);
  CHECK(s && strstr(s, "extern \"C\" __global__ void k1_exp(xl_bufs p)") &&
            strstr(s, "typedef struct { void *b[32]; } xl_bufs;") && !strstr(s, "#include"),
        "kernel signature, ABI struct, no #include");
  free(s);
  /* an unknown op: a clear error naming the kernel */
  k.body.v[1].op = (kir_op)(KIR_OP_COUNT + 3);
  s = kcu_emit(&k, KCU_F32, t90, NULL, &g, &err);
  CHECK(!s && err && strstr(err, "kernel k1_exp") && strstr(err, "no CUDA spelling"), "unknown op: %s", err ? err : "(none)");
  free(err);
  err = NULL;
  free(k.body.v);

  /* a chain split over its heads: nest 0 reduces into a local, nest 1 reads it */
  kir_kernel *c0 = xl_calloc(1, sizeof *c0), *c1 = xl_calloc(1, sizeof *c1);
  kb_init(c0, "k2_chain", 3, (const int64_t[]){4, 8, 16});
  c0->red_mask = 4, c0->red_op = KIR_ADD;
  kb_buf(c0, 4 * 8 * 16, 0);
  kb_buf(c0, 32, KIR_LOCAL);
  kb_buf(c0, 32, 1);
  int m = OP(c0, KIR_MUL, LOAD(c0, 0, 0, 128, 16, 1), LOAD(c0, 0, 0, 128, 16, 1));
  STORE(c0, 1, 0, m, 8, 1, 0);
  kb_init(c1, "k2_chain", 2, (const int64_t[]){4, 8});
  memcpy(c1->buf_numel, c0->buf_numel, sizeof c0->buf_numel);
  memcpy(c1->buf_out, c0->buf_out, sizeof c0->buf_out);
  c1->nbuf = c0->nbuf;
  STORE(c1, 2, 0, OP(c1, KIR_SQRT, LOAD(c1, 1, 0, 8, 1), 0), 8, 1);
  c0->next = c1;
  CHECK(kir_verify(c0, stderr) == 0, "the chain is valid KIR");
  CHECK(kir_par_dim(c0) == 0, "the chain splits over dimension 0");
  s = kcu_emit(c0, KCU_F64, t80, NULL, &g, &err);
  CHECK(s && g.grid == 4 && g.split == 0 && g.block == 32 && g.smem == 256, "chain geometry %lld %d %lld",
        (long long)g.grid, g.block, (long long)g.smem);
  CHECK(s && strstr(s, "__syncthreads();") && strstr(s, "extern __shared__ double xl_smem[];") &&
            strstr(s, "const xl_i64 i0 = h;") && strstr(s, "acc = xl_fma("),
        "chain: barrier, shared memory, block index as the head, fma");
  free(s);
  kir_emit_opts nf = {0};
  nf.no_fma = 1;
  s = kcu_emit(c0, KCU_F64, t80, &nf, &g, &err);
  CHECK(s && !strstr(s, "xl_fma(v") && strstr(s, "acc = acc + v"), "no_fma: a plain add");
  free(s);
  /* locals beyond the opt-in shared memory: an error */
  for (int b = 0; b < 8; b++) kb_buf(c0, 4096, KIR_LOCAL), c1->buf_numel[c1->nbuf] = 4096, c1->buf_out[c1->nbuf++] = KIR_LOCAL;
  s = kcu_emit(c0, KCU_F64, t80, NULL, &g, &err);
  CHECK(!s && err && strstr(err, "shared memory") && strstr(err, "sm_80"), "too much shared memory: %s", err ? err : "(none)");
  free(err);
  kir_free(c0);
  /* the roofline's inputs */
  kb_init(&k, "k3_add", 1, (const int64_t[]){10});
  kb_buf(&k, 10, 0);
  kb_buf(&k, 10, 1);
  STORE(&k, 1, 0, OP(&k, KIR_ADD, LOAD(&k, 0, 0, 1), LOAD(&k, 0, 0, 1)), 1);
  double by, fl;
  kcu_cost(&k, KCU_BF16, &by, &fl);
  CHECK(by == 40 && fl == 10, "cost: %g bytes %g flops", by, fl);
  free(k.body.v);
}

/* ---- hand-built kernels of the data-dependent ops, LOGADDEXP and scans (kir.h) ---- */

static int XI(kir_kernel *k, kir_op op, int buf, const int64_t *st, int a, int b, int64_t xstride, int64_t xlim) {
  int i = kb_mem(k, op, buf, 0, st, a);
  k->body.v[i].b = b, k->body.v[i].xstride = xstride, k->body.v[i].xlim = xlim;
  return i;
}
static int INDEX(kir_kernel *k, int d) {
  int i = OP(k, KIR_INDEX, 0, 0);
  k->body.v[i].imm = d;
  return i;
}

/* indices: in range, repeated, -1, xlim (4), NaN, fractions, -0.5 (as test_kir_index.c) */
static const double IDX[] = {2, -1, 0, 4, 3, NAN, 1.75, 0, 2, 2, 3, -0.5, 1, 3, 0, 2, 1, 4, 0, 3, 2};
static const int *fill_idx; /* buffers holding indices (1) */
static double fill_new(int b, int64_t i) {
  if (fill_idx[b]) return IDX[i % (int64_t)(sizeof IDX / sizeof *IDX)];
  /* values with the specials logaddexp must keep: -inf, +inf, NaN, equal pairs */
  static const double sp[] = {-INFINITY, 0.5, INFINITY, -INFINITY, NAN, 2.0, -1e30, 40.0};
  if (i % 7 == 3) return sp[(i / 7 + b * (i / 7 % 2)) % 8]; /* equal pairs, then shifted */
  return urand(-3, 3);
}

static kir_kernel *kb_new(const char *name, int nd, const int64_t *dim) {
  kir_kernel *k = xl_calloc(1, sizeof *k);
  kb_init(k, name, nd, dim);
  return k;
}

static void test_newops_host(void) {
  enum { N = 7, R = 5, V = 4 };
  kir_kernel *ks[16];
  static int idx_of[16][KIR_MAXBUF];
  int n = 0;
  /* gather: out[i, r] = table[idx[i], r] (0 out of range) */
  kir_kernel *k = ks[n] = kb_new("k_gather", 2, (const int64_t[]){N, R});
  kb_buf(k, V * R, 0), kb_buf(k, N, 0), kb_buf(k, N * R, 1);
  idx_of[n][1] = 1;
  int x = LOAD(k, 1, 0, 1, 0);
  STORE(k, 2, 0, XI(k, KIR_LOADX, 0, (const int64_t[]){0, 1}, x, 0, R, V), R, 1);
  n++;
  /* scatter_add: out[x, r] += g[i, r] for idx[i] == x: dimension 0 pinned (stride 0, index) */
  k = ks[n] = kb_new("k_scatter", 2, (const int64_t[]){3 * N, R});
  kb_buf(k, 3 * N * R, 0), kb_buf(k, 3 * N, 0), kb_buf(k, V * R, 1);
  idx_of[n][1] = 1;
  int g = LOAD(k, 0, 0, R, 1);
  x = LOAD(k, 1, 0, 1, 0);
  XI(k, KIR_STOREX, 2, (const int64_t[]){0, 1}, g, x, R, V);
  n++;
  /* one_hot through INDEX: out[i, x] += INDEX(0) * 10 + INDEX(2) over [N, 1, 3], index idx[i] */
  k = ks[n] = kb_new("k_onehot", 3, (const int64_t[]){N, 1, 3});
  kb_buf(k, N, 0), kb_buf(k, N * V * 3, 1);
  idx_of[n][0] = 1;
  x = LOAD(k, 0, 0, 1, 0, 0);
  int v = OP(k, KIR_ADD, OP(k, KIR_MUL, INDEX(k, 0), OP(k, KIR_CONST, 0, 0)), INDEX(k, 2));
  k->body.v[v - 1].imm = 10;
  XI(k, KIR_STOREX, 1, (const int64_t[]){V * 3, 0, 1}, v, x, 3, V);
  n++;
  /* pad: out[j] = in[j - 2] (LOADX of INDEX - 2, 0 outside [0, 5)) */
  k = ks[n] = kb_new("k_pad", 1, (const int64_t[]){9});
  kb_buf(k, 5, 0), kb_buf(k, 9, 1);
  int c2 = OP(k, KIR_CONST, 0, 0);
  k->body.v[c2].imm = 2;
  STORE(k, 1, 0, XI(k, KIR_LOADX, 0, (const int64_t[]){0}, OP(k, KIR_SUB, INDEX(k, 0), c2), 0, 1, 5), 1);
  n++;
  /* logaddexp elementwise over values with -inf, +inf, NaN */
  k = ks[n] = kb_new("k_lae", 1, (const int64_t[]){64});
  kb_buf(k, 64, 0), kb_buf(k, 64, 0), kb_buf(k, 64, 1);
  STORE(k, 2, 0, OP(k, KIR_LOGADDEXP, LOAD(k, 0, 0, 1), LOAD(k, 1, 0, 1)), 1);
  n++;
  /* scans of [3, 9, 2]: along 1 and 0, add and logaddexp, forward and reversed; the last one
     reloads the running value (out2 = exp(running) * 2) */
  for (int sc = 0; sc < 6; sc++) {
    char nm[32];
    snprintf(nm, sizeof nm, "k_scan%d", sc);
    k = ks[n] = kb_new(nm, 3, (const int64_t[]){3, 9, 2});
    kb_buf(k, 54, 0), kb_buf(k, 54, 1);
    if (sc == 5) kb_buf(k, 54, 1);
    int l = LOAD(k, 0, 0, 18, 2, 1);
    k->scan_inst = STORE(k, 1, 0, OP(k, KIR_EXP, l, 0), 18, 2, 1);
    k->scan_op = sc & 1 ? KIR_LOGADDEXP : KIR_ADD;
    k->scan_dim = sc >= 4 ? 0 : 1;
    k->scan_rev = sc == 2 || sc == 3 || sc == 5;
    if (sc == 5) {
      int r = LOAD(k, 1, 0, 18, 2, 1);
      STORE(k, 2, 0, OP(k, KIR_MUL, OP(k, KIR_EXP, r, 0), OP(k, KIR_ADD, r, r)), 18, 2, 1);
    }
    n++;
  }
  for (int i = 0; i < n; i++) CHECK(kir_verify(ks[i], stderr) == 0, "%s is valid KIR", ks[i]->name);
  static const struct {
    kcu_dtype dt;
    const char *tag;
  } runs[] = {{KCU_F64, "newops_f64"}, {KCU_F32, "newops_f32"}};
  fill_hook = fill_new;
  for (size_t r = 0; r < 2; r++) {
    harness_open();
    for (int i = 0; i < n; i++) harness_add(ks[i], runs[r].dt, 1);
    void *so = harness_build(runs[r].tag);
    stats st = {0};
    for (int i = 0; so && i < hkern.n; i++) {
      fill_idx = idx_of[i];
      run_compare(so, &hkern.v[i], runs[r].dt, 0, runs[r].tag, &st);
    }
    printf("index/scan kernels on the host, %s (bit for bit): %d run, %d differ from kir_interp\n", runs[r].tag,
           st.kernels, st.bad);
    CHECK(st.kernels == n, "%s: %d of %d kernels ran", runs[r].tag, st.kernels, n);
    if (so) dlclose(so);
  }
  fill_hook = NULL;
  /* the scatter runs one thread per output column (dimension 0 pinned: walked in order) */
  kcu_launch geo;
  char *err = NULL, *src = kcu_emit(ks[1], KCU_F32, kcu_target_find("sm_90"), NULL, &geo, &err);
  CHECK(src && strstr(src, "for (xl_i64 i0 = 0; i0 < 21; i0++) {") && strstr(src, "t < 5;"),
        "scatter: its pinned dimension on one thread\n%s", src ? src : err);
  free(src);
  for (int i = 0; i < n; i++) kir_free(ks[i]);
}

/* ---- NVRTC ---- */

static const char PTXAS_LOG[] =
  "ptxas info    : 0 bytes gmem\n"
  "ptxas info    : Compiling entry function 'k0_a' for 'sm_90'\n"
  "ptxas info    : Function properties for k0_a\n"
  "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
  "ptxas info    : Used 18 registers, used 1 barriers\n"
  "ptxas info    : Compiling entry function 'k1_b' for 'sm_90'\n"
  "ptxas info    : Function properties for k1_b\n"
  "    24 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads\n"
  "ptxas info    : Used 255 registers, used 0 barriers, 1024 bytes smem, 376 bytes cmem[0]\n";

static void test_nvrtc(void) {
  char *err = NULL;
  xnv_lib *l = xnv_open("/nonexistent/libnvrtc.so.13", &err);
  CHECK(!l && err && strstr(err, "NVRTC not found (/nonexistent/libnvrtc.so.13"), "missing NVRTC: %s", err ? err : "");
  free(err);
  err = NULL;
  xnv_info in[4];
  int n = xnv_parse_ptxas(PTXAS_LOG, in, 4);
  CHECK(n == 2 && !strcmp(in[0].name, "k0_a") && in[0].regs == 18 && in[0].spill_stores == 0 && in[0].smem == 0 &&
            in[0].stack == 0,
        "ptxas report, first kernel");
  CHECK(n == 2 && !strcmp(in[1].name, "k1_b") && in[1].regs == 255 && in[1].spill_stores == 8 && in[1].spill_loads == 12 &&
            in[1].smem == 1024 && in[1].stack == 24,
        "ptxas report, second kernel");

  l = xnv_open(NULL, &err);
  if (!l) {
    const char *ci = getenv("CI");
    CHECK(!(ci && !strcmp(ci, "true")), "CI=true but %s", err);
    printf("SKIP (NVRTC part): %s\n", err);
    free(err);
    return;
  }
  int ma, mi;
  xnv_version(l, &ma, &mi);
  printf("NVRTC %d.%d\n", ma, mi);
  /* a real kernel: k1 of the mapping test, f32 */
  kir_kernel k;
  kb_init(&k, "k1_exp", 2, (const int64_t[]){1000, 3});
  kb_buf(&k, 3000, 0);
  kb_buf(&k, 3000, 1);
  STORE(&k, 1, 0, OP(&k, KIR_EXP, LOAD(&k, 0, 0, 3, 1), 0), 3, 1);
  char *cache = xl_fmt("%s/cache", tmpdir);
  static const char *const arches[] = {"sm_80", "sm_90"};
  for (int a = 0; a < 2; a++) {
    kcu_launch g;
    char *src = kcu_emit(&k, KCU_F32, kcu_target_find(arches[a]), NULL, &g, &err);
    xnv_result r;
    int rc = xnv_compile(l, src, "k1_exp", arches[a], cache, &r, &err);
    CHECK(rc == 0, "%s: %s", arches[a], err ? err : "");
    if (rc == 0) {
      CHECK(!r.from_cache && r.nkern == 1 && !strcmp(r.kern[0].name, "k1_exp") && r.kern[0].regs > 0 &&
                r.kern[0].regs <= 64 && r.kern[0].spill_stores == 0 && r.kern[0].spill_loads == 0,
            "%s: ptxas report (%d kernels, %d registers)", arches[a], r.nkern, r.nkern ? r.kern[0].regs : -1);
      CHECK(strstr(r.ptx, ".entry k1_exp") && r.cubin_len > 0, "%s: PTX with the entry and a CUBIN", arches[a]);
      printf("%s: k1_exp %d registers, %.1f ms\n", arches[a], r.kern[0].regs, r.ms);
      xnv_result r2;
      CHECK(xnv_compile(l, src, "k1_exp", arches[a], cache, &r2, &err) == 0 && r2.from_cache &&
                !strcmp(r2.ptx, r.ptx) && r2.nkern == 1 && r2.kern[0].regs == r.kern[0].regs,
            "%s: the second compile is a disk-cache hit with the same PTX and report", arches[a]);
      xnv_result_free(&r2);
      xnv_result_free(&r);
    }
    free(src);
  }
  /* a damaged entry: recompiled, and rewritten */
  char *cmd = xl_fmt("for f in %s/cuda/n-*.bin; do head -c 100 \"$f\" > \"$f.x\" && mv \"$f.x\" \"$f\"; done", cache);
  CHECK(system(cmd) == 0, "truncating the cache entries");
  free(cmd);
  {
    kcu_launch g;
    char *src = kcu_emit(&k, KCU_F32, kcu_target_find("sm_90"), NULL, &g, &err);
    xnv_result r;
    CHECK(xnv_compile(l, src, "k1_exp", "sm_90", cache, &r, &err) == 0 && !r.from_cache && r.nkern == 1,
          "a truncated entry is compiled anew");
    xnv_result_free(&r);
    CHECK(xnv_compile(l, src, "k1_exp", "sm_90", cache, &r, &err) == 0 && r.from_cache, "and rewritten");
    xnv_result_free(&r);
    free(src);
  }
  /* a compile error: the log and the generated line it points at */
  const char *badsrc = "extern \"C\" __global__ void kbad(int *p) {\n  p[0] = undefined_name;\n}\n";
  xnv_result r;
  CHECK(xnv_compile(l, badsrc, "kbad", "sm_90", NULL, &r, &err) == -1 && err && strstr(err, "undefined_name"),
        "a compile error returns the log");
  char *lines = err ? xnv_error_lines(err, badsrc) : NULL;
  CHECK(lines && strstr(lines, "kbad.cu(2)") && strstr(lines, "      2 |   p[0] = undefined_name;"),
        "the error's generated line: %s", lines ? lines : "(none)");
  free(lines);
  free(err);
  free(cache);
  free(k.body.v);
  xnv_close(l);
}

int main(void) {
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_mapping();
  test_nvrtc();
  have_cxx = system("c++ --version >/dev/null 2>&1") == 0;
  if (have_cxx)
    test_stdlib_host(), test_newops_host();
  else
    printf("SKIP (host compiler part): no c++\n");
  if (!fails) {
    char *cmd = xl_fmt("rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    free(cmd);
  }
  printf("%s\n", fails ? "FAILED" : "ok");
  return fails != 0;
}
