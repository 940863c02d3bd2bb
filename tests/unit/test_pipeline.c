/* test_pipeline.c - the one pipeline (compiler/pipeline.h) and the one options struct.
 *
 * (1) xl_options_from_env: every variable of options.h sets its field with the meaning it has
 *     always had (set, fill, check; unset: the default stays), the cache directory's fallbacks.
 * (2) xl_compile of a small entry stops after each stage with exactly that stage's parts made
 *     (graph, cg-opt counts, plan, memory plan, kernel texts), calls the hook after every stage
 *     in order (a nonzero return stops it with that code), runs from a given graph, and reports
 *     the lowering's and the loss checks' failures with today's codes and messages.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "check.h"
#include "jit.h"
#include "lang.h"
#include "pipe_test.h"

/* ---- (1) options from the environment ---- */

static const char *const vars[] = {"XLC_CG_OPT", "XLC_HOIST", "XLC_SAVE_PRODUCTS", "XLC_KP_CONTRACT_FLOPS",
                                   "XLC_KP_GEMM_MIN_DIM", "XLC_KP_MERGE", "XLC_VECTOR_BITS", "XLC_KIR_NO_FMA",
                                   "XLC_KIR_NO_SINK", "XLC_KIR_NO_BLOCKDIAG", "XLC_KIR_NO_JAM", "XLC_NO_JIT",
                                   "XLC_NUM_THREADS", "XLC_SPLIT_MIN", "XLC_PROFILE", "XLC_CACHE_DIR",
                                   "XLC_JIT_TIMING", "XLC_MICROBATCH_TOKENS", "XDG_CACHE_HOME", "HOME"};
#define NVARS ((int)(sizeof vars / sizeof vars[0]))

static xl_options from_env(void) {
  xl_options o = xl_options_default();
  xl_options_from_env(&o);
  return o;
}

/* one variable set to val (all others unset), the options filled */
static xl_options with(const char *var, const char *val) {
  for (int i = 0; i < NVARS; i++) unsetenv(vars[i]);
  if (var) setenv(var, val, 1);
  return from_env();
}

static void test_env(void) {
  char *saved[NVARS];
  for (int i = 0; i < NVARS; i++) saved[i] = getenv(vars[i]) ? xl_strdup(getenv(vars[i])) : NULL;

  xl_options d = xl_options_default(), o = with(NULL, NULL);
  /* nothing set: the defaults (and no cache directory: no HOME either) */
  CHECK(!memcmp(&o, &d, sizeof o), "unset: not the defaults");
  CHECK(d.cg_opt == 1 && d.hoist == 1 && d.save_products == 1 && d.split_min == 8192 && d.target.merge == 1 &&
            !strcmp(d.target.name, "cpu"),
        "defaults");

  CHECK(with("XLC_CG_OPT", "0").cg_opt == 0 && with("XLC_CG_OPT", "1").cg_opt == 1, "XLC_CG_OPT");
  CHECK(with("XLC_HOIST", "0").hoist == 0 && with("XLC_HOIST", "00").hoist == 1, "XLC_HOIST");
  CHECK(with("XLC_SAVE_PRODUCTS", "0").save_products == 0 && with("XLC_SAVE_PRODUCTS", "").save_products == 1,
        "XLC_SAVE_PRODUCTS");
  CHECK(with("XLC_KP_CONTRACT_FLOPS", "0").target.contract_flops == 0 &&
            with("XLC_KP_CONTRACT_FLOPS", "1e3").target.contract_flops == 1e3 &&
            with("XLC_KP_CONTRACT_FLOPS", "").target.contract_flops == d.target.contract_flops,
        "XLC_KP_CONTRACT_FLOPS");
  CHECK(with("XLC_KP_GEMM_MIN_DIM", "3").target.gemm_min_dim == 3, "XLC_KP_GEMM_MIN_DIM");
  CHECK(with("XLC_KP_MERGE", "0").target.merge == 0 && with("XLC_KP_MERGE", "1").target.merge == 1 &&
            with("XLC_KP_MERGE", "").target.merge == 1,
        "XLC_KP_MERGE");
  CHECK(with("XLC_VECTOR_BITS", "256").emit.vector_bits == 256 && with("XLC_VECTOR_BITS", "512").emit.vector_bits == 512,
        "XLC_VECTOR_BITS");
  CHECK(with("XLC_VECTOR_BITS", "1024").emit.vector_bits == 0, "XLC_VECTOR_BITS=1024: the host's width (warned)");
  CHECK(with("XLC_KIR_NO_FMA", "").emit.no_fma == 1 && with("XLC_KIR_NO_SINK", "1").emit.no_sink == 1 &&
            with("XLC_KIR_NO_BLOCKDIAG", "1").emit.no_blockdiag == 1 && with("XLC_KIR_NO_JAM", "0").emit.no_jam == 1,
        "XLC_KIR_NO_* (set: on, whatever the value)");
  CHECK(with("XLC_NO_JIT", "1").no_jit == 1 && with("XLC_JIT_TIMING", "1").jit_timing == 1, "XLC_NO_JIT, XLC_JIT_TIMING");
  CHECK(with("XLC_NUM_THREADS", "3").num_threads == 3 && with("XLC_NUM_THREADS", "-2").num_threads == 0,
        "XLC_NUM_THREADS");
  CHECK(with("XLC_SPLIT_MIN", "1").split_min == 1 && with("XLC_SPLIT_MIN", "0").split_min == 8192, "XLC_SPLIT_MIN");
  CHECK(with("XLC_PROFILE", "").profile == 1 && with("XLC_PROFILE", "0").profile == 1 &&
            with("XLC_PROFILE", "2").profile == 2 && with("XLC_PROFILE", "30").profile == 30,
        "XLC_PROFILE (set: on; a number > 1: its level)");
  CHECK(with("XLC_MICROBATCH_TOKENS", "7").microbatch_tokens == 7 &&
            with("XLC_MICROBATCH_TOKENS", "x").microbatch_tokens == 0,
        "XLC_MICROBATCH_TOKENS");

  o = with("XLC_CACHE_DIR", "/tmp/xlc-c");
  CHECK(o.cache_dir && !strcmp(o.cache_dir, "/tmp/xlc-c"), "XLC_CACHE_DIR");
  o = with("XLC_CACHE_DIR", "off");
  CHECK(o.cache_dir && !strcmp(o.cache_dir, "off"), "XLC_CACHE_DIR=off");
  o = with("XDG_CACHE_HOME", "/tmp/xdg");
  CHECK(o.cache_dir && !strcmp(o.cache_dir, "/tmp/xdg/xlc"), "XDG_CACHE_HOME: %s", o.cache_dir ? o.cache_dir : "-");
  o = with("HOME", "/tmp/home");
  CHECK(o.cache_dir && !strcmp(o.cache_dir, "/tmp/home/.cache/xlc"), "HOME: %s", o.cache_dir ? o.cache_dir : "-");
  xl_options o2 = with("HOME", "/tmp/home");
  CHECK(o2.cache_dir == o.cache_dir, "the same directory is the same string (kept for the process)");

  for (int i = 0; i < NVARS; i++) {
    if (saved[i]) setenv(vars[i], saved[i], 1);
    else unsetenv(vars[i]);
    free(saved[i]);
  }
}

/* ---- (2) the stages ---- */

static const char *src =
    "block net(D) {\n"
    "  in x: [D]\n"
    "  param w: [D, D] = normal(0, 0.1)\n"
    "  let h = tanh(einsum(\"...i,ij->...j\", x, w))\n"
    "  out y = h * 2\n"
    "  out loss = sum(h * h)\n"
    "}\n";

typedef struct {
  int n;
  xl_stage seen[8];
  xl_stage stop_at; /* the hook returns 7 after this stage (-1: never) */
} hook_log;

static int hook(xl_stage done, const xl_module *m, void *ud) {
  hook_log *h = ud;
  CHECK(m->done == (int)done, "hook: module done %d, stage %d", m->done, (int)done);
  if (h->n < 8) h->seen[h->n++] = done;
  return (int)done == (int)h->stop_at ? 7 : 0;
}

static void test_stages(void) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "net.xl", src, &d);
  CHECK(file && !d.nerr, "parse");
  if (!file || d.nerr) return;
  lang_set sets[2] = {{"B", "2"}, {"D", "4"}};
  xl_options o = xl_options_default();
  o.emit.vector_bits = 256; /* the texts do not depend on the host */
  for (int stop = XL_STAGE_CG; stop <= XL_STAGE_EMIT; stop++) {
    xl_request r = {0};
    r.ar = &ar, r.file = file, r.diag = &d, r.entry = "net", r.sets = sets, r.nsets = 2;
    r.grad = XL_GRAD_LOSS, r.stop = (xl_stage)stop, r.dt = CG_F32;
    hook_log h = {0, {0}, (xl_stage)-1};
    r.hook = hook, r.hook_ud = &h;
    xl_module m;
    char *err = NULL;
    int rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == 0 && !err, "stop %d: rc %d %s", stop, rc, err ? err : "");
    CHECK(m.done == stop && h.n == stop + 1, "stop %d: done %d after %d hook calls", stop, m.done, h.n);
    for (int i = 0; i < h.n; i++) CHECK((int)h.seen[i] == i, "stop %d: hook call %d for stage %d", stop, i, h.seen[i]);
    CHECK(m.g && cg_verify(m.g, stderr) == 0, "stop %d: graph", stop);
    int grads = m.g && cg_find_output(m.g, "grad.w") >= 0;
    CHECK(grads == (stop >= XL_STAGE_CG_GRAD), "stop %d: gradient outputs %d", stop, grads);
    CHECK((m.opt.nodes_before > 0) == (stop >= XL_STAGE_CG_OPT), "stop %d: cg-opt counts", stop);
    CHECK(!m.plan == (stop < XL_STAGE_KPLAN) && (!m.plan || m.plan->g == m.g), "stop %d: plan", stop);
    CHECK(!m.mp == (stop < XL_STAGE_MEM), "stop %d: memory plan", stop);
    if (stop == XL_STAGE_EMIT) {
      int nk = 0;
      for (int i = 0; i < m.plan->steps.n; i++) nk += m.plan->steps.v[i].kind == KP_KERNEL;
      CHECK(m.kern.n == nk && nk > 0, "emit: %d texts for %d kernels", m.kern.n, nk);
      for (int i = 0; i < m.kern.n; i++) {
        const kp_step *s = &m.kern.v[i].plan->steps.v[m.kern.v[i].step];
        char *want = kir_to_mlir(s->kir, CG_F32, &o.emit);
        CHECK(s->kind == KP_KERNEL && !strcmp(m.kern.v[i].text, want), "emit: text %d is not its kernel's", i);
        CHECK(strstr(want, "vector<8xf32>") != NULL, "emit: text %d without 8-lane vectors", i);
        free(want);
      }
    } else
      CHECK(m.kern.n == 0, "stop %d: kernel texts", stop);
    free(err);
    xl_module_free(&m);
  }

  /* the hook stops it: its code, the module as far as it got */
  {
    xl_request r = {0};
    r.ar = &ar, r.file = file, r.diag = &d, r.entry = "net", r.sets = sets, r.nsets = 2, r.stop = XL_STAGE_EMIT;
    hook_log h = {0, {0}, XL_STAGE_CG_OPT};
    r.hook = hook, r.hook_ud = &h;
    xl_module m;
    char *err = NULL;
    int rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == 7 && m.done == XL_STAGE_CG_OPT && !m.plan && h.n == 3, "hook stop: rc %d done %d", rc, m.done);
    free(err);
    xl_module_free(&m);
  }

  /* cg_opt = 0 skips the pass: the counts say nothing changed */
  {
    xl_options o0 = o;
    o0.cg_opt = 0;
    cg_graph *g = pt_graph(&ar, file, &d, "net", sets, 2, NULL, 0, XL_GRAD_COT, XL_STAGE_CG_OPT, &o0);
    CHECK(g && cg_find_input(g, "cot.y") >= 0, "cotangent mode");
    xl_module m;
    char *err = NULL;
    xl_request r = {0};
    r.entry = "net", r.graph = g, r.stop = XL_STAGE_CG_OPT;
    int rc = xl_compile(&r, &o0, &m, &err);
    CHECK(rc == 0 && m.g == g && m.opt.nodes_before == m.opt.nodes_after && m.opt.nodes_after == cg_count_nodes(g),
          "from a graph, cg-opt off");
    free(err);
    xl_module_free(&m);
  }

  /* failures: today's codes and messages */
  {
    FILE *devnull = fopen("/dev/null", "w");
    lang_diag q;
    diag_init(&q, devnull);
    xl_request r = {0};
    r.ar = &ar, r.file = file, r.diag = &q, r.entry = "nope", r.stop = XL_STAGE_CG;
    xl_module m;
    char *err = NULL;
    int rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == XL_COMPILE_USER && !err && q.nerr > 0 && !m.g && m.done == -1, "unknown entry: rc %d", rc);
    xl_module_free(&m);
    fclose(devnull);

    const char *src2 = "block v(D) {\n  in x: [D]\n  out loss = x * 2\n  out n = x\n}\n";
    ast *f2 = lang_parse(&ar, "v.xl", src2, &d);
    lang_set s2[2] = {{"B", "1"}, {"D", "3"}};
    r = (xl_request){0};
    r.ar = &ar, r.file = f2, r.diag = &d, r.entry = "v", r.sets = s2, r.nsets = 2, r.grad = XL_GRAD_LOSS;
    r.stop = XL_STAGE_CG_GRAD;
    rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == XL_COMPILE_USER && err && !strcmp(err, "output 'loss' of entry 'v' has shape [1, 3]; --loss needs a scalar"),
          "non-scalar loss: rc %d '%s'", rc, err ? err : "");
    CHECK(m.done == XL_STAGE_CG && m.g, "non-scalar loss: the lowered graph is kept");
    free(err);
    xl_module_free(&m);
    cg_graph *g = pt_graph(&ar, f2, &d, "v", s2, 2, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
    { /* the trainer's decode graph drops 'loss' (runtime/train/model.c) */
      int k = cg_find_output(g, "loss");
      free(g->outs.v[k].name);
      g->outs.v[k] = g->outs.v[--g->outs.n];
    }
    r = (xl_request){0};
    r.entry = "v", r.graph = g, r.grad = XL_GRAD_LOSS, r.stop = XL_STAGE_CG_OPT;
    rc = xl_compile(&r, &o, &m, &err);
    CHECK(rc == XL_COMPILE_USER && err && !strcmp(err, "entry 'v' has no output 'loss'"), "no loss: rc %d '%s'", rc,
          err ? err : "");
    free(err);
    xl_module_free(&m);
  }
  xl_arena_free(&ar);
}

int main(void) {
  test_env();
  test_stages();
  printf("test_pipeline: %s\n", fails ? "FAILED" : "OK");
  return fails != 0;
}
