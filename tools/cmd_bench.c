/* cmd_bench.c - `xlc bench`: forward and training-step throughput of an entry.
 *
 * Measures, for one configuration (presets A-D of the performance issue or any --set):
 * forward tokens/s, training-step tokens/s (forward, loss, backward, AdamW), peak RSS, the
 * GEMM FLOPs per step and the time they would take at the machine's sgemm rate (measured
 * here, in the same process, with a 1024^3 f32 GEMM on the backend's device: OpenBLAS on the
 * cpu backend; none without a device), printed as a ratio. --no-optimizer times the second run as
 * forward+backward alone (gradients, no AdamW on the host: the fwd+bwd of kernel benchmarks such
 * as FlashRNN's, tests/bench/gpu_layers.xl). A token model
 * (inputs tokens/targets, like xlstm_lm) runs through the trainer's model (runtime/train/model.c):
 * master parameters, AdamW on them, and XLC_NUM_THREADS data-parallel shards where B divides;
 * any other entry runs as one graph with random inputs. Benchmarks are not tests: CI runs
 * only `xlc bench --smoke`.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "model.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0;
}

/* resident memory now (/proc/self/statm), 0 if unknown */
static double cur_rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(f);
  }
  return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* the GEMM throughput of be's device in f32 GFLOP/s (best of 3, n = 1024; the cpu backend:
   OpenBLAS's sgemm), 0 for a backend without a device (the reference interpreter) */
static double sgemm_gflops(const xl_backend *be) {
  const xl_device *dev = be && be->device ? be->device() : NULL;
  if (!dev) return 0;
  int n = 1024;
  kp_gemm g = {.batch = 1, .outer = 1, .m = n, .n = n, .k = n, .lda = n, .ldb = n, .ldc = n, .flops = 2.0 * n * n * n};
  size_t bytes = (size_t)n * n * sizeof(float);
  float *a = xl_calloc((size_t)n * n, sizeof(float)), *b = xl_calloc((size_t)n * n, sizeof(float));
  for (int i = 0; i < n * n; i++) a[i] = b[i] = (float)((i % 7) - 3) * 0.1f;
  void *da = dev->alloc(bytes, 64), *db = dev->alloc(bytes, 64), *dc = dev->alloc(bytes, 64);
  dev->copy(da, a, bytes, XL_COPY_H2D);
  dev->copy(db, b, bytes, XL_COPY_H2D);
  double best = 1e30;
  for (int r = 0; r < 4; r++) {
    double t0 = now();
    dev->gemm(&g, CG_F32, da, db, dc);
    dev->sync();
    double dt = now() - t0;
    if (r > 0 && dt < best) best = dt;
  }
  dev->free(da);
  dev->free(db);
  dev->free(dc);
  free(a);
  free(b);
  return 2.0 * n * n * n / best / 1e9;
}

typedef struct {
  const char *name;
  const char *sets[8];
} preset;

static const preset presets[] = {
    {"A", {"V=256", "E=128", "L=4", "slstm_at=[1,3]", "NH=4", "T=256", "B=8", NULL}},
    {"B", {"V=256", "E=128", "L=4", "slstm_at=[]", "NH=4", "T=256", "B=8", NULL}},
    {"C", {"V=256", "E=128", "L=4", "slstm_at=[0,1,2,3]", "NH=4", "T=256", "B=8", NULL}},
    {"D", {"V=256", "E=256", "L=8", "slstm_at=[3]", "NH=4", "T=512", "B=4", NULL}},
    {"smoke", {"V=32", "E=32", "L=2", "slstm_at=[1]", "NH=4", "T=8", "B=2", NULL}},
};

void usage_bench(FILE *out) {
  fprintf(out,
          "usage: xlc bench [FILE.xl ENTRY] [--config A|B|C|D|FILE] [--smoke] [--set K=V]... [--steps N]\n"
          "                 [--gen N] [--dtype f32|f64] [--no-optimizer] [--backend %s]\n"
          "\n"
          "Prints forward tokens/s, training-step tokens/s (forward, loss, backward, AdamW), peak\n"
          "RSS, GEMM FLOPs per step and the ratio of the step time to those FLOPs at the machine's\n"
          "sgemm rate (measured in this process). Default: stdlib xlstm_lm, config A (a FILE ENTRY\n"
          "gets a preset only with --config/--smoke; give B and T with --set). Any other --config\n"
          "value is an experiment file (docs/training.md): its model: section, T = its context_length,\n"
          "B = its training.batch_size; --set overrides them.\n"
          "Configurations (the performance issue): A: V=256 E=128 4 blocks sLSTM at [1,3] 4 heads\n"
          "T=256 B=8; B: same, mLSTM only; C: same, sLSTM only; D: E=256, 8 blocks, sLSTM at [3],\n"
          "T=512, B=4. Token models (xlstm_lm) run as `xlc train` runs them: master parameters, AdamW,\n"
          "and XLC_NUM_THREADS data-parallel shards where B divides (default: all CPUs); other\n"
          "entries run as one graph with XLC_NUM_THREADS BLAS/kernel threads. Token models with states\n"
          "also generate at batch 1 (--gen N greedy steps after a 16-token prompt, default 256; 0 = off),\n"
          "as `xlc generate` does. --no-optimizer (an entry that is not a token model): the second\n"
          "line is 'fwd+bwd', forward and backward without AdamW (kernel benchmarks' fwd+bwd).\n"
          "Times are the best of --steps runs after one warm-up, in ms per call.\n",
          xl_backend_names("|"));
}

static void *random_inputs(const cg_graph *g, uint64_t seed) {
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind == CG_IN_STATE) continue;
    xt *t = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    if (n->ikind == CG_IN_PARAM) {
      char *e = NULL;
      init_fill(t, &n->init, seed, n->name, &e);
      free(e);
    } else {
      xl_rng r;
      rng_seed_param(&r, seed, n->name);
      for (int64_t j = 0; j < xt_numel(t); j++)
        xt_set(t, j, n->is_int ? floor(rng_uniform(&r) * (n->fval > 0 ? n->fval : 2)) : rng_normal(&r));
    }
    in[i] = t;
  }
  return in;
}

/* the GEMM FLOPs so far, the memory plan and the executor whose profile is printed, over the
   shards of x (or x itself) */
static double exe_flops(const mdl_exe *x) {
  double f = xl_exec_get_stats(x->e).gemm_flops;
  for (int i = 0; i < x->nshard; i++) f += exe_flops(x->shard[i]);
  return f;
}

static double exe_planned(const mdl_exe *x) {
  double b = xl_exec_get_stats(x->e).planned_bytes;
  for (int i = 0; i < x->nshard; i++) b += exe_planned(x->shard[i]);
  return b;
}

/* XLC_PROFILE=1: time per category; 2: also the 20 costliest plan steps; N > 2: the N costliest */
/* Whether the model has mLSTM blocks (the stdlib names their cells `mlstm_cell`): only then
   is the mLSTM form worth a line. */
static int has_mlstm(const mdl *m) {
  for (int i = 0; i < m->params.v.n; i++)
    if (m->params.v.v[i]->name && strstr(m->params.v.v[i]->name, ".mlstm_cell.")) return 1;
  return 0;
}

static void print_profile(const xl_exec *e) {
  if (!xl_exec_get_stats(e).profile) return;
  int lvl = drv_options()->profile;
  xl_exec_profile(e, stdout, lvl >= 2 ? (lvl > 2 ? lvl : 20) : 0);
}

/* mode 0: forward, 1: training step, 2: forward+backward without the optimizer (--no-optimizer) */
static void print_line(int mode, double tok, double best, double tprep, double flops, double gf) {
  printf("  %-9s %10.0f tokens/s  step %10.3f ms  prepare %6.0f ms  GEMM %7.3f GFLOP/step  step/GEMM-at-sgemm-rate %5.1fx\n",
         mode == 2 ? "fwd+bwd" : mode ? "train" : "forward", tok / best, best * 1e3, tprep * 1e3, flops / 1e9,
         flops > 0 && gf > 0 ? best / (flops / (gf * 1e9)) : 0.0);
}

/* Generation at batch 1 as `xlc generate` runs it: prefill 16 tokens, then `n` greedy steps
   of T = 1 with every state carried (the recurrent form where the entry has `form`). */
static int bench_generate(const char *file, const char *entry, char **kv, int nkv, const mdl *src, int n,
                          cg_dtype dt, const char *backend) {
  XL_VEC(const char *) sv = {0};
  for (int i = 0; i < nkv; i++)
    if (strncmp(kv[i], "form=", 5)) xl_vec_push(sv, kv[i]);
  if (mdl_entry_has_config(file, NULL, entry, "form")) xl_vec_push(sv, "form=recurrent");
  mdl g;
  int rc = mdl_open(&g, file, NULL, entry, sv.v, sv.n, backend, dt), P0 = 16;
  free(sv.v);
  if (rc == 0) rc = mdl_set_params(&g, &src->params, "the benchmark's parameters");
  int32_t *toks = xl_calloc((size_t)(P0 + n + 1), sizeof(int32_t));
  for (int i = 0; i < P0; i++) toks[i] = (i * 7 + 3) % (g.vocab > 0 ? g.vocab : 2);
  xt_list st = {0};
  char *err = NULL;
  mdl_exe *x = rc == 0 ? mdl_get(&g, 1, P0, mdl_npos(&g, NULL, 1, P0), MDL_DECODE, &rc) : NULL;
  mdl_exe *x1 = x ? mdl_get(&g, 1, 1, mdl_npos(&g, NULL, 1, 1), MDL_DECODE, &rc) : NULL;
  if (x1 && x1->nstate == 0) {
    printf("  generate: skipped (the entry has no states to carry)\n");
    x1 = NULL;
  }
  double t0 = now(), tpre = 0;
  int len = P0, done = 0, nout = x1 && x1->g->outs.n > x->g->outs.n ? x1->g->outs.n : x ? x->g->outs.n : 0;
  xt **buf[2] = {xl_calloc((size_t)nout + 1, sizeof(xt *)), xl_calloc((size_t)nout + 1, sizeof(xt *))};
  for (int s = 0; x1 && rc == 0 && s <= n; s++) {
    mdl_exe *cur = s == 0 ? x : x1;
    xt **outs = buf[s % 2]; /* the other array holds the states this step reads */
    int xrc = mdl_run(&g, cur, s == 0 ? toks : &toks[len - 1], NULL, s == 0 ? P0 : 1, s == 0 ? NULL : &st, outs, &err);
    if (xrc) {
      rc = drv_exec_failed(xrc, err, "generation step %d", s);
    } else {
      const xt *lg = outs[cur->logits_out];
      int64_t V = lg->shape[2], off = (lg->shape[1] - 1) * V;
      toks[len++] = (int32_t)mdl_argmax(lg, off, (int)V);
      mdl_borrow_states(cur, outs, &st);
      if (s == 0) tpre = now() - t0, t0 = now();
      else done++;
    }
  }
  double tgen = now() - t0;
  for (int b = 0; b < 2; b++) {
    for (int k = 0; k < nout; k++) xt_free(buf[b][k]);
    free(buf[b]);
  }
  free(st.v.v);
  st.v.v = NULL, st.v.n = 0;
  if (x1 && rc == 0 && done > 0)
    printf("  generate  %10.0f tokens/s  step %8.3f ms  prefill of %d tokens %.1f ms  (batch 1, %d greedy steps, states carried)\n",
           done / tgen, tgen / done * 1e3, P0, tpre * 1e3, done);
  if (x1 && rc == 0) print_profile(x1->e);
  free(err);
  free(toks);
  xtl_free(&st);
  mdl_free(&g);
  return rc;
}

/* A token model through runtime/train/model.c, as `xlc train` runs it: random tokens and targets
   (every position scored), parameters from their initializers, AdamW after each step. */
static int bench_model(const char *file, const char *entry, const drv_sets *sets, int B, int T, int steps,
                       int gen, cg_dtype dt, const char *backend, double gf) {
  XL_VEC(char *) kv = {0};
  for (int i = 0; i < sets->v.n; i++)
    if (strcmp(sets->v.v[i].key, "B") && strcmp(sets->v.v[i].key, "T"))
      xl_vec_push(kv, xl_fmt("%s=%s", sets->v.v[i].key, sets->v.v[i].val));
  mdl m;
  int rc = mdl_open(&m, file, NULL, entry, (const char *const *)kv.v, kv.n, backend, dt);
  int form_set = 0;
  for (int i = 0; i < sets->v.n; i++) form_set |= !strcmp(sets->v.v[i].key, "form");
  if (rc == 0 && !form_set && mdl_entry_has_config(file, NULL, entry, "form") && mdl_entry_has_config(file, NULL, entry, "chunk"))
    mdl_auto_form(&m); /* as `xlc train` picks the mLSTM form: parallel up to 2 chunks, chunkwise beyond */
  if (rc == 0) rc = mdl_init_params(&m, 0);
  int np = m.params.v.n;
  int32_t *tok = xl_calloc((size_t)B * T, sizeof(int32_t)), *tgt = xl_calloc((size_t)B * T, sizeof(int32_t));
  xl_rng r;
  rng_seed(&r, 1);
  for (int64_t j = 0; j < (int64_t)B * T; j++) {
    tok[j] = (int32_t)(rng_uniform(&r) * (m.vocab > 0 ? m.vocab : 2));
    tgt[j] = (int32_t)(rng_uniform(&r) * (m.vocab > 0 ? m.vocab : 2));
  }
  adamw_cfg opt = {1e-3, 0.9, 0.999, 1e-8, 0.1, 0};
  double **mom = xl_calloc((size_t)np + 1, sizeof(double *));
  for (int mode = 0; mode < 2 && rc == 0; mode++) { /* 0: forward, 1: training step */
    double t0 = now();
    mdl_exe *x = mdl_get(&m, B, T, mdl_npos(&m, tgt, B, T), mode, &rc);
    double tprep = now() - t0, rss0 = cur_rss_mb(); /* prepared: plan and kernels, no workspace yet */
    if (!x) break;
    xt **out = xl_calloc((size_t)x->g->outs.n + 1, sizeof(xt *));
    double best = 1e30, flops = 0;
    char *err = NULL;
    for (int s = 0; s < steps + 1 && rc == 0; s++) {
      double f0 = exe_flops(x), t1 = now();
      int xrc = mdl_run(&m, x, tok, tgt, T, NULL, out, &err);
      if (xrc != 0) {
        rc = drv_exec_failed(xrc, err, "entry '%s'", m.entry);
        break;
      }
      if (mode == 1) { /* AdamW on every parameter, on the shards' threads */
        xt **gr = xl_calloc((size_t)np + 1, sizeof(xt *));
        double **vel = xl_calloc((size_t)np + 1, sizeof(double *));
        for (int i = 0; i < np; i++) {
          int64_t n = xt_numel(m.params.v.v[i]);
          if (!mom[i]) mom[i] = xl_calloc((size_t)(2 * n + 1), sizeof(double));
          gr[i] = out[x->grad_out[i]];
          vel[i] = mom[i] + n;
        }
        adamw_step_all(&opt, s + 1, np, m.params.v.v, gr, mom, vel, m.workers);
        free(gr);
        free(vel);
      }
      double dtm = now() - t1;
      if (s > 0 && dtm < best) best = dtm; /* step 0 is warm-up */
      flops = exe_flops(x) - f0;
      mdl_outs_free(x, out);
    }
    free(err);
    free(out);
    if (rc) break;
    print_line(mode, (double)B * T, best, tprep, flops, gf);
    if (m.auto_chunk > 0 && has_mlstm(&m))
      printf("    mLSTM form: %s (as xlc train picks it; --set form=... to choose)\n",
             T > 2 * m.auto_chunk ? "chunkwise" : "parallel");
    printf("    %d data-parallel shard%s of %d rows (XLC_NUM_THREADS)", x->nshard ? x->nshard : 1,
           x->nshard > 1 ? "s" : "", x->nshard ? B / x->nshard : B);
    if (x->micro > 1)
      printf(", each in %d micro-batches of %d row%s (runtime/train/model.h; XLC_MICROBATCH_TOKENS)", x->micro,
             B / x->nshard / x->micro, B / x->nshard / x->micro > 1 ? "s" : "");
    printf("\n");
    printf("    memory plan: workspace+inputs+grads %.1f MB (all shards); resident memory grew %.1f MB over the runs%s\n",
           exe_planned(x) / 1048576.0, cur_rss_mb() - rss0,
           mode ? " (with this benchmark's f64 AdamW moments, 16 bytes per parameter)" : "");
    const mdl_exe *px = x->nshard ? x->shard[0] : x;
    print_profile(px->e);
  }
  if (rc == 0 && gen > 0) rc = bench_generate(file, entry, kv.v, kv.n, &m, gen, dt, backend);
  for (int i = 0; i < np; i++) free(mom[i]);
  free(mom);
  free(tok);
  free(tgt);
  for (int i = 0; i < kv.n; i++) free(kv.v[i]);
  free(kv.v);
  mdl_free(&m);
  return rc;
}

int cmd_bench(int argc, char **argv) {
  static const drv_optspec spec[] = {{"config", 1}, {"smoke", 0}, {"set", 1}, {"steps", 1}, {"gen", 1}, {"dtype", 1},
                                     {"backend", 1}, {"no-optimizer", 0}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "bench", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_bench(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  const char *cfg = "A", *backend = xl_backend_default();
  int cfg_given = 0;
  int steps = 3, gen = 256, no_opt = 0;
  cg_dtype dt = CG_F32;
  drv_sets sets = {0};
  int rc = XLC_EXIT_OK;
  for (int i = 0; i < a.opts.n; i++) {
    const char *n = a.opts.v[i].name, *v = a.opts.v[i].val;
    if (!strcmp(n, "config")) cfg = v, cfg_given = 1;
    else if (!strcmp(n, "smoke")) cfg = "smoke", cfg_given = 1;
    else if (!strcmp(n, "steps")) steps = atoi(v);
    else if (!strcmp(n, "gen")) gen = atoi(v);
    else if (!strcmp(n, "dtype")) dt = !strcmp(v, "f64") ? CG_F64 : CG_F32;
    else if (!strcmp(n, "backend")) backend = v;
    else if (!strcmp(n, "no-optimizer")) no_opt = 1;
  }
  const preset *pr = NULL;
  for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
    if (!strcmp(presets[i].name, cfg)) pr = &presets[i];
  /* any other --config value is an experiment file: its model: section, T = context_length,
     B = training.batch_size (8 if absent) */
  drv_config conf = {0};
  char *tdef = NULL, *bdef = NULL;
  if (!pr) {
    if (a.pos.n == 1 || a.pos.n > 2) {
      drv_error("'xlc bench --config FILE' takes FILE.xl ENTRY or neither (the stdlib's entry)");
      rc = XLC_EXIT_USER;
    } else {
      rc = drv_config_load(&conf, cfg, a.pos.n ? a.pos.v[0] : NULL, a.pos.n ? a.pos.v[1] : NULL);
    }
    if (rc) {
      drv_args_free(&a);
      return rc;
    }
    const cJSON *bs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(conf.root, "training"),
                                                       "batch_size");
    tdef = xl_fmt("T=%d", conf.context_length > 0 ? conf.context_length : 256);
    bdef = xl_fmt("B=%d", cJSON_IsNumber(bs) && bs->valuedouble >= 1 && bs->valuedouble <= 1e6 ? (int)bs->valuedouble
                                                                                               : 8);
    for (int i = 0; i < conf.nsets; i++) drv_sets_add(&sets, conf.sets[i]);
    drv_sets_add(&sets, tdef);
    drv_sets_add(&sets, bdef);
  } else if (a.pos.n == 0 || cfg_given) {
    /* the presets configure xlstm_lm: applied by default, or to another entry when asked */
    for (int i = 0; pr->sets[i]; i++) drv_sets_add(&sets, pr->sets[i]);
  }
  for (int i = 0; i < a.opts.n; i++)
    if (!strcmp(a.opts.v[i].name, "set") && drv_sets_add(&sets, a.opts.v[i].val)) rc = XLC_EXIT_USER;
  const char *why = drv_backend_why(backend);
  const xl_backend *be = why ? NULL : xl_backend_find(backend);
  if (!be) {
    drv_error("backend '%s' %s", backend, why); /* why it cannot run here, or "is unknown (available: ...)" */
    rc = XLC_EXIT_USER;
  }
  const char *file = a.pos.n > 0 ? a.pos.v[0] : NULL,
             *entry = a.pos.n > 1 ? a.pos.v[1] : conf.entry ? conf.entry : "xlstm_lm";
  char *deflib = drv_stdlib_path();
  if (!file) file = deflib;
  drv_src src;
  if (rc || drv_src_load(&src, file) || drv_src_parse(&src)) {
    free(deflib);
    drv_sets_free(&sets);
    drv_config_free(&conf);
    free(tdef);
    free(bdef);
    drv_args_free(&a);
    return XLC_EXIT_USER;
  }
  int64_t B = 0, T = 0;
  for (int i = 0; i < sets.v.n; i++) {
    if (!strcmp(sets.v.v[i].key, "B")) B = atoll(sets.v.v[i].val);
    if (!strcmp(sets.v.v[i].key, "T")) T = atoll(sets.v.v[i].val);
  }
  int token_model = mdl_entry_has_input(src.file, entry, "tokens") && mdl_entry_has_input(src.file, entry, "targets");
  if (token_model && no_opt) {
    drv_error("--no-optimizer times entries that are not token models ('%s' trains with AdamW: xlc train)", entry);
    drv_src_free(&src);
    free(deflib);
    drv_sets_free(&sets);
    drv_config_free(&conf);
    free(tdef);
    free(bdef);
    drv_args_free(&a);
    return XLC_EXIT_USER;
  }
  double gf = sgemm_gflops(be);
  char gfs[64];
  snprintf(gfs, sizeof gfs, gf > 0 ? "%.1f GFLOP/s" : "n/a (no device)", gf);
  printf("xlc bench: %s %s config %s, %s, backend %s, sgemm %s\n", file, entry,
         a.pos.n == 0 || cfg_given ? (pr ? cfg : conf.path) : "(--set only)",
         dt == CG_F64 ? "f64" : "f32", backend, gfs);
  if (token_model && rc == 0) rc = bench_model(file, entry, &sets, (int)B, (int)T, steps, gen, dt, backend, gf);
  for (int mode = 0; mode < 2 && rc == 0 && !token_model; mode++) { /* 0: forward, 1: training step */
    cg_graph *g = drv_graph(&src, entry, &sets, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, &rc);
    if (!g) break;
    xl_grad gm = mode == 0 ? XL_GRAD_NONE : cg_find_output(g, "loss") >= 0 ? XL_GRAD_LOSS : XL_GRAD_COT; /* else: random cotangents */
    cg_opt_stats ost;
    if (!(g = drv_graph_more(g, entry, gm, XL_STAGE_CG_OPT, &ost, &rc))) break;
    xt **in = random_inputs(g, 1);
    if (mode == 0 && be->caps.compiled) /* inputs in the compute type, as generation passes them */
      for (int i = 0; i < g->nodes.n; i++)
        if (in[i]) {
          xt *c = xt_convert(in[i], dt == CG_F64 ? XT_F64 : XT_F32);
          xt_free(in[i]);
          in[i] = c;
        }
    xt **out = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
    char *err = NULL;
    double t0 = now();
    xl_exec *e = xl_exec_prepare(be, g, dt, drv_options(), &err);
    double tprep = now() - t0;
    if (!e) {
      drv_internal("%s", err ? err : "preparing the executor failed");
      rc = XLC_EXIT_INTERNAL;
    }
    adamw_cfg opt = {1e-3, 0.9, 0.999, 1e-8, 0.1, 0};
    double **mom = xl_calloc((size_t)g->nodes.n + 1, sizeof(double *)); /* AdamW m, v per parameter */
    double best = 1e30, flops = 0;
    for (int s = 0; s < steps + 1 && rc == 0; s++) {
      double f0 = xl_exec_get_stats(e).gemm_flops;
      double t1 = now();
      int r = xl_exec_run(e, in, out, &err);
      if (r) {
        rc = drv_exec_failed(r, err, "%s backend", backend);
        break;
      }
      if (mode == 1 && !no_opt) /* AdamW on every parameter with its gradient */
        for (int k = 0; k < g->outs.n; k++) {
          if (strncmp(g->outs.v[k].name, "grad.", 5)) continue;
          int pid = cg_find_input(g, g->outs.v[k].name + 5);
          if (pid < 0 || g->nodes.v[pid].ikind != CG_IN_PARAM) continue;
          int64_t n = xt_numel(in[pid]);
          if (!mom[pid]) mom[pid] = xl_calloc((size_t)(2 * n + 1), sizeof(double));
          adamw_step(&opt, s + 1, g->nodes.v[pid].name, in[pid], out[k], mom[pid], mom[pid] + n);
        }
      double dtm = now() - t1;
      if (s > 0 && dtm < best) best = dtm; /* step 0 is warm-up */
      flops = xl_exec_get_stats(e).gemm_flops - f0;
      for (int k = 0; k < g->outs.n; k++) {
        xt_free(out[k]);
        out[k] = NULL;
      }
    }
    if (rc == 0) {
      print_line(mode == 1 && no_opt ? 2 : mode, (double)(B * T), best, tprep, flops, gf);
      printf("    cell graph: %d nodes (before cg-opt %d)\n", ost.nodes_after, ost.nodes_before);
      xl_exec_stats st = xl_exec_get_stats(e);
      if (be->caps.compiled) /* an interpreter has no memory plan */
        printf("    memory plan: workspace+inputs+grads %.1f MB, parameters %.1f MB (+%.1f MB AdamW state)\n",
               st.planned_bytes / 1048576.0, st.param_bytes / 1048576.0, 2 * st.param_bytes / 1048576.0);
      print_profile(e);
    }
    free(err);
    for (int i = 0; i < g->nodes.n; i++) {
      xt_free(in[i]);
      free(mom[i]);
    }
    free(mom);
    free(in);
    free(out);
    xl_exec_free(e);
    cg_free(g);
  }
  printf("  peak RSS %.0f MB (whole process: includes the f64 copies of inputs this benchmark keeps,\n"
         "  the JIT and the MLIR/LLVM libraries)\n", peak_rss_mb());
  drv_src_free(&src);
  free(deflib);
  drv_sets_free(&sets);
  drv_config_free(&conf);
  free(tdef);
  free(bdef);
  drv_args_free(&a);
  return rc;
}
