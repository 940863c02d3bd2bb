/* model.c - a token model with master parameters and an executor cache (see model.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define MDL_CACHE_MAX 24

static void exe_free(mdl_exe *x) {
  for (int i = x->nshard - 1; i >= 0; i--) exe_free(x->shard[i]); /* shard 0 owns the graph */
  free(x->shard);
  xl_exec_free(x->e);
  if (x->owns_g) cg_free(x->g);
  free(x->param_in);
  free(x->grad_out);
  free(x->state_in);
  free(x->in);
  xt_free(x->tk);
  xt_free(x->tg);
  xt_free(x->ps);
  free(x);
}

static void set_add(mdl *m, const char *kv) {
  char *s = xl_strdup(kv);
  xl_vec_push(m->set_strs, s);
  drv_sets_add(&m->sets, s);
}

int mdl_entry_has_config(const char *file, const char *text, const char *entry, const char *name) {
  drv_src s;
  int found = 0;
  if (!text && access(file, R_OK) != 0) return 0;
  FILE *quiet = fopen("/dev/null", "w"); /* errors are reported when the model is opened */
  if (!quiet) return 0;
  if (text ? drv_src_from_text(&s, file, text) != 0 : drv_src_load(&s, file) != 0) {
    fclose(quiet);
    return 0;
  }
  s.diag.out = quiet;
  if (drv_src_parse(&s) == 0)
    for (int i = 0; i < s.file->list.n; i++) {
      const ast *d = s.file->list.v[i];
      if (d->kind != AST_DEF || strcmp(d->name, entry)) continue;
      for (int j = 0; j < d->list2.n; j++)
        if (!strcmp(d->list2.v[j]->name, name)) found = 1;
    }
  drv_src_free(&s);
  fclose(quiet);
  return found;
}

int mdl_entry_has_input(const ast *file, const char *entry, const char *name) {
  for (int i = 0; i < file->list.n; i++) {
    const ast *d = file->list.v[i];
    if (d->kind != AST_DEF || strcmp(d->name, entry)) continue;
    for (int j = 0; j < d->list.n; j++)
      if (d->list.v[j]->kind == AST_IN && !strcmp(d->list.v[j]->name, name)) return 1;
  }
  return 0;
}

int mdl_open(mdl *m, const char *file, const char *text, const char *entry, const char *const *sets, int nsets,
             const char *backend, cg_dtype dt) {
  memset(m, 0, sizeof *m);
  m->opt = *drv_options();
  m->file = xl_strdup(file);
  m->entry = xl_strdup(entry);
  m->backend = xl_strdup(backend);
  m->be = xl_backend_find(backend);
  m->dt = dt;
  if (!drv_backend_ok(backend)) return XLC_EXIT_USER; /* callers check it first: prints nothing */
  for (int i = 0; i < nsets; i++) {
    char *s = xl_strdup(sets[i]);
    xl_vec_push(m->set_strs, s);
    if (drv_sets_add(&m->sets, s) != 0) return XLC_EXIT_USER;
  }
  if (text ? drv_src_from_text(&m->src, m->file, text) != 0 : drv_src_load(&m->src, m->file) != 0)
    return XLC_EXIT_USER;
  m->src_loaded = 1;
  if (drv_src_parse(&m->src) != 0) return XLC_EXIT_USER;
  m->scored = mdl_entry_has_input(m->src.file, m->entry, "positions");
  m->workers = m->be->caps.concurrent ? xl_backend_threads(m->be, &m->opt) : 1;
  int rc = 0;
  mdl_exe *x = mdl_get(m, 1, 1, m->scored, MDL_DECODE, &rc); /* the graph generation steps run */
  if (!x) return rc;
  return XLC_EXIT_OK;
}

void mdl_profile(const mdl *m, FILE *out, int steps) {
  static const char *const mode[] = {"evaluation", "training", "decode"};
  for (const mdl_exe *x = m->cache; x; x = x->next) {
    const mdl_exe *r = x->nshard ? x->shard[0] : x;
    xl_exec_stats st = xl_exec_get_stats(r->e);
    if (!st.profile || !st.runs) continue;
    fprintf(out, "profile: %s B=%d T=%d %s (%ld runs%s)\n", m->entry, x->B, x->T, mode[x->train], st.runs,
            x->nshard ? ", shard 1 of the data-parallel ones" : "");
    xl_exec_profile(r->e, out, steps);
  }
}

void mdl_free(mdl *m) {
  for (mdl_exe *x = m->cache, *nx; x; x = nx) {
    nx = x->next;
    exe_free(x);
  }
  xtl_free(&m->params);
  free(m->inits);
  drv_sets_free(&m->sets);
  for (int i = 0; i < m->set_strs.n; i++) free(m->set_strs.v[i]);
  free(m->set_strs.v);
  if (m->src_loaded) drv_src_free(&m->src);
  free(m->file);
  free(m->entry);
  free(m->backend);
  memset(m, 0, sizeof *m);
}

/* First graph: record the parameters (names, shapes, initializers) and the vocabulary. */
static int record_params(mdl *m, const cg_graph *g) {
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind != CG_IN_PARAM) continue;
    xt *t = xt_new_named(n->name, m->dt == CG_F64 ? XT_F64 : XT_F32, n->shape.rank, n->shape.d);
    xtl_add(&m->params, t);
    m->inits = xl_realloc(m->inits, sizeof(cg_init) * (size_t)m->params.v.n);
    m->inits[m->params.v.n - 1] = n->init;
  }
  return 0;
}

static int check_token_model(const mdl *m, const cg_graph *g, int tok, int tgt, int pos, int lo, int lg) {
  if (tok >= 0 && tgt >= 0 && lo >= 0 && lg >= 0 && g->nodes.v[tok].is_int && g->nodes.v[tgt].is_int &&
      (!m->scored || (pos >= 0 && g->nodes.v[pos].is_int)))
    return 0;
  drv_error("%s: entry '%s' is not a token model: training and generation need inputs 'tokens: int[T]' and "
            "'targets: int[T]' (or 'positions: int[P]' and 'targets: int[P]') and outputs 'logits' and 'loss' "
            "(like the stdlib's xlstm_lm and xlstm_lm_at)",
            m->file, m->entry);
  return -1;
}

int mdl_bucket(int T) {
  if (T <= 16) return (T + 7) / 8 * 8;
  if (T <= 128) return (T + 15) / 16 * 16;
  return (T + 31) / 32 * 32;
}

static void drop_lru(mdl *m) {
  int n = 0;
  for (mdl_exe *x = m->cache; x; x = x->next) n++;
  if (n < MDL_CACHE_MAX) return;
  mdl_exe **lru = NULL;
  for (mdl_exe **p = &m->cache; *p; p = &(*p)->next)
    if (!lru || (*p)->last_use < (*lru)->last_use) lru = p;
  mdl_exe *x = *lru;
  *lru = x->next;
  exe_free(x);
}

void mdl_auto_form(mdl *m) {
  m->auto_chunk = 64;
  for (int i = 0; i < m->sets.v.n; i++)
    if (!strcmp(m->sets.v.v[i].key, "chunk") && atoi(m->sets.v.v[i].val) > 0) m->auto_chunk = atoi(m->sets.v.v[i].val);
}

int mdl_npos(const mdl *m, const int32_t *targets, int B, int T) {
  if (!m->scored) return 0;
  if (!targets) return T;
  int P = 1;
  for (int b = 0; b < B; b++) {
    int n = 0;
    for (int t = 0; t < T; t++) n += targets[(int64_t)b * T + t] >= 0;
    if (n > P) P = n;
  }
  return P <= 8 ? P : mdl_bucket(P);
}

/* Drops output `name` from g (its nodes then go as dead code in the pipeline's cg-opt). */
static void drop_output(cg_graph *g, const char *name) {
  int k = cg_find_output(g, name);
  if (k < 0) return;
  free(g->outs.v[k].name);
  memmove(&g->outs.v[k], &g->outs.v[k + 1], sizeof(cg_output) * (size_t)(g->outs.n - k - 1));
  g->outs.n--;
}

/* A new executor for (B, T, P, mode): lowered, differentiated (MDL_TRAIN), optimized and
   prepared; MDL_DECODE graphs lose the `loss` output and what only it needs. */
static mdl_exe *build_exe(mdl *m, int B, int T, int P, int train, int *rc) {
  char kb[32], kt[32];
  snprintf(kb, sizeof kb, "B=%d", B);
  snprintf(kt, sizeof kt, "T=%d", T);
  set_add(m, kb);
  set_add(m, kt);
  if (m->auto_chunk > 0) set_add(m, T > 2 * m->auto_chunk ? "form=chunkwise" : "form=parallel");
  if (m->scored) {
    char kp[32];
    snprintf(kp, sizeof kp, "P=%d", P);
    set_add(m, kp);
  }
  cg_graph *g = drv_graph(&m->src, m->entry, &m->sets, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, rc);
  if (!g) return NULL;
  int tok = cg_find_input(g, "tokens"), tgt = cg_find_input(g, "targets"), pos = cg_find_input(g, "positions");
  int lo = cg_find_output(g, "loss"), lg = cg_find_output(g, "logits");
  if (check_token_model(m, g, tok, tgt, pos, lo, lg)) {
    cg_free(g);
    *rc = XLC_EXIT_USER;
    return NULL;
  }
  if (m->params.v.n == 0 && !m->inits) {
    record_params(m, g);
    double v = g->nodes.v[tok].fval;
    m->vocab = v > 0 ? (int)v : 0;
  }
  if (train == MDL_DECODE) {
    drop_output(g, "loss");
    lo = -1;
    lg = cg_find_output(g, "logits");
  }
  g = drv_graph_more(g, m->entry, train == MDL_TRAIN ? XL_GRAD_LOSS : XL_GRAD_NONE, XL_STAGE_CG_OPT, NULL, rc);
  if (!g) return NULL;
  mdl_exe *x = xl_calloc(1, sizeof *x);
  x->B = B, x->T = T, x->P = P, x->train = train, x->g = g, x->owns_g = 1;
  x->tok_in = tok, x->tgt_in = tgt, x->pos_in = m->scored ? pos : -1, x->loss_out = lo, x->logits_out = lg;
  int np = m->params.v.n;
  x->param_in = xl_calloc((size_t)np + 1, sizeof(int));
  x->grad_out = xl_calloc((size_t)np + 1, sizeof(int));
  for (int i = 0; i < np; i++) {
    const char *nm = m->params.v.v[i]->name;
    x->param_in[i] = cg_find_input(g, nm);
    char *gn = xl_fmt("grad.%s", nm);
    x->grad_out[i] = train == MDL_TRAIN ? cg_find_output(g, gn) : -1;
    free(gn);
    if (x->param_in[i] < 0) {
      drv_internal("parameter '%s' is missing from the graph at B=%d T=%d", nm, B, T);
      *rc = XLC_EXIT_INTERNAL;
    }
  }
  x->state_in = xl_calloc((size_t)g->nodes.n + 1, sizeof(int));
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT && g->nodes.v[i].ikind == CG_IN_STATE) x->state_in[x->nstate++] = i;
  if (*rc == 0) {
    char *err = NULL;
    x->e = xl_exec_prepare(m->be, g, m->dt, &m->opt, &err);
    if (x->e) drv_report_fallbacks(x->e, m->entry);
    if (!x->e) {
      drv_internal("preparing entry '%s' (B=%d T=%d): %s", m->entry, B, T, err ? err : "failed");
      *rc = XLC_EXIT_INTERNAL;
    }
    free(err);
  }
  if (*rc) {
    exe_free(x);
    return NULL;
  }
  return x;
}

static int *dup_ints(const int *v, int n) {
  int *c = xl_calloc((size_t)n + 1, sizeof(int));
  if (n) memcpy(c, v, sizeof(int) * (size_t)n);
  return c;
}

/* A copy of x that shares its graph (x keeps owning it); with a workspace of its own when
   prepare is set (another shard), without an executor when not (the data-parallel wrapper). */
static mdl_exe *share_exe(mdl *m, const mdl_exe *x, int prepare, int *rc) {
  mdl_exe *y = xl_calloc(1, sizeof *y);
  *y = *x;
  y->owns_g = 0, y->e = NULL, y->next = NULL, y->shard = NULL, y->nshard = 0;
  y->in = NULL, y->tk = y->tg = y->ps = NULL;
  y->param_in = dup_ints(x->param_in, m->params.v.n);
  y->grad_out = dup_ints(x->grad_out, m->params.v.n);
  y->state_in = dup_ints(x->state_in, x->g->nodes.n);
  char *err = NULL;
  if (prepare && !(y->e = xl_exec_prepare(m->be, y->g, m->dt, &m->opt, &err))) {
    drv_internal("preparing entry '%s' (B=%d T=%d): %s", m->entry, x->B, x->T, err ? err : "failed");
    *rc = XLC_EXIT_INTERNAL;
    free(err);
    exe_free(y);
    return NULL;
  }
  return y;
}

/* Rows per run of a shard of `rows` rows of T tokens: halved (while even) down to the
   micro-batch token budget, not below MDL_MICRO_MIN_ROWS rows unless XLC_MICROBATCH_TOKENS
   is set (model.h). */
static int micro_rows(int rows, int T, long env) {
  long budget = env ? env : MDL_MICRO_TOKENS;
  int minr = env ? 1 : MDL_MICRO_MIN_ROWS, r = rows;
  while (r % 2 == 0 && r / 2 >= minr && (long)r * T > budget) r /= 2;
  return r;
}

/* Data parallelism: B split into m->workers shards of B / workers rows, one executor each
   (the graph is shared), run on as many threads; each shard's rows in micro-batches. */
static mdl_exe *build_sharded(mdl *m, int B, int T, int P, int train, int *rc) {
  long env = (long)m->opt.microbatch_tokens; /* XLC_MICROBATCH_TOKENS, 0 when unset */
  int n = m->workers, mb = micro_rows(B / n, T, env);
  mdl_exe *s0 = build_exe(m, mb, T, P, train, rc);
  if (!s0) return NULL;
  /* fewer rows per run while its activations (the planned workspace beyond the parameters and
     their gradients, about proportional to the rows) exceed MDL_MICRO_BYTES */
  xl_exec_stats st0 = xl_exec_get_stats(s0->e);
  if (s0->e->be->caps.compiled && !env) {
    double act = st0.planned_bytes - 2 * st0.param_bytes, per_row = act / mb;
    int r = mb;
    while (r % 2 == 0 && (double)r * per_row > MDL_MICRO_BYTES) r /= 2;
    if (r != mb) {
      exe_free(s0);
      mb = r;
      if (!(s0 = build_exe(m, mb, T, P, train, rc))) return NULL;
    }
  }
  mdl_exe *x = share_exe(m, s0, 0, rc);
  x->B = B;
  x->micro = B / n / mb;
  x->shard = xl_calloc((size_t)n, sizeof(mdl_exe *));
  x->shard[x->nshard++] = s0;
  for (int i = 1; i < n; i++) {
    mdl_exe *si = share_exe(m, s0, 1, rc);
    if (!si) {
      exe_free(x);
      return NULL;
    }
    x->shard[x->nshard++] = si;
  }
  return x;
}

mdl_exe *mdl_get(mdl *m, int B, int T, int P, int train, int *rc) {
  if (!m->scored) P = 0;
  for (mdl_exe *x = m->cache; x; x = x->next)
    if (x->B == B && x->T == T && x->P == P && x->train == train) {
      x->last_use = ++m->uses;
      return x;
    }
  drop_lru(m);
  int sharded = m->workers > 1 && B % m->workers == 0;
  mdl_exe *x = sharded ? build_sharded(m, B, T, P, train, rc) : build_exe(m, B, T, P, train, rc);
  if (!x) return NULL;
  x->last_use = ++m->uses;
  x->next = m->cache;
  m->cache = x;
  return x;
}

int mdl_init_params(mdl *m, uint64_t seed) {
  for (int i = 0; i < m->params.v.n; i++) {
    xt *p = m->params.v.v[i];
    char *err = NULL;
    if (init_fill(p, &m->inits[i], seed, p->name, &err) != 0) {
      drv_internal("cannot initialize parameter '%s': %s", p->name, err ? err : "(no message)");
      free(err);
      return XLC_EXIT_INTERNAL;
    }
  }
  return XLC_EXIT_OK;
}

int mdl_set_params(mdl *m, const xt_list *l, const char *path) {
  int bad = 0;
  for (int i = 0; i < m->params.v.n; i++) {
    xt *p = m->params.v.v[i];
    const xt *s = xtl_find(l, p->name);
    int ok = s && s->rank == p->rank;
    for (int k = 0; ok && k < p->rank; k++) ok = s->shape[k] == p->shape[k];
    if (!ok) {
      drv_error("%s: parameter '%s' is %s", path, p->name, s ? "of another shape" : "missing");
      bad = 1;
      continue;
    }
    for (int64_t j = 0; j < xt_numel(p); j++) {
      double v = xt_get(s, j);
      if (!isfinite(v)) {
        drv_error("%s: parameter '%s' holds %g at element %lld", path, p->name, v, (long long)j);
        bad = 1;
        break;
      }
      xt_set(p, j, v);
    }
  }
  return bad ? XLC_EXIT_USER : XLC_EXIT_OK;
}

typedef struct {
  mdl *m;
  mdl_exe *x;
  const int32_t *tokens, *targets;
  int T, rc;
  xt **outs;
  char *err;
} shard_job;

static int run_one(mdl *m, mdl_exe *x, const int32_t *tokens, const int32_t *targets, int T, const xt_list *states,
                   xt **outs, char **err);

typedef struct {
  shard_job *jobs; /* one shard's micro-batches, run in order */
  int n;
} shard_run;

static void *shard_main(void *arg) {
  shard_run *r = arg;
  for (int i = 0; i < r->n; i++) {
    shard_job *j = &r->jobs[i];
    j->rc = run_one(j->m, j->x, j->tokens, j->targets, j->T, NULL, j->outs, &j->err);
  }
  return NULL;
}

/* outs of the whole batch from the shards' outs: `loss` and `grad.*` as the mean over the
   scored positions (shard means weighted by their counts wt, which sum to 1), every other
   output concatenated along its leading (batch) axis */
typedef struct {
  const mdl_exe *x;
  shard_job *jobs;
  int n, parts;
  const double *wt;
  xt **outs;
} combine_ctx;

/* the weighted sums of part `part` of every summed output's elements */
static void combine_part(void *arg, int part) {
  const combine_ctx *c = arg;
  const cg_graph *g = c->x->g;
  for (int k = 0; k < g->outs.n; k++) {
    const char *nm = g->outs.v[k].name;
    if (strcmp(nm, "loss") && strncmp(nm, "grad.", 5)) continue;
    xt *o = c->outs[k];
    int64_t ne = xt_numel(o), lo = ne * part / c->parts, hi = ne * (part + 1) / c->parts;
    int f32 = o->dtype == XT_F32;
    for (int i = 0; i < c->n; i++) f32 &= c->jobs[i].outs[k]->dtype == XT_F32;
    if (f32) { /* the usual case, as the general loop below computes it */
      float *q = o->data;
      for (int64_t j = lo; j < hi; j++) {
        double v = 0;
        for (int i = 0; i < c->n; i++) v += c->wt[i] * ((const float *)c->jobs[i].outs[k]->data)[j];
        q[j] = (float)v;
      }
    } else {
      for (int64_t j = lo; j < hi; j++) {
        double v = 0;
        for (int i = 0; i < c->n; i++) v += c->wt[i] * xt_get(c->jobs[i].outs[k], j);
        xt_set(o, j, v);
      }
    }
  }
}

static int combine(const mdl_exe *x, shard_job *jobs, int n, const double *wt, xt **outs, char **err) {
  const cg_graph *g = x->g;
  for (int k = 0; k < g->outs.n; k++) {
    const char *nm = g->outs.v[k].name;
    const xt *a = jobs[0].outs[k];
    if (!strcmp(nm, "loss") || !strncmp(nm, "grad.", 5)) {
      outs[k] = xt_new_uninit(nm, a->dtype, a->rank, a->shape); /* filled below */
    } else if (a->rank >= 1 && a->shape[0] == x->B / n) {
      int64_t sh[XT_MAXRANK];
      memcpy(sh, a->shape, sizeof(int64_t) * (size_t)a->rank);
      sh[0] = x->B;
      xt *o = outs[k] = xt_new_named(nm, a->dtype, a->rank, sh);
      size_t part = (size_t)xt_numel(a) * (size_t)xt_dtype_size(a->dtype);
      for (int i = 0; i < n; i++) memcpy((char *)o->data + part * (size_t)i, jobs[i].outs[k]->data, part);
    } else {
      *err = xl_fmt("output '%s' has no batch axis: a data-parallel run cannot combine it (XLC_NUM_THREADS=1)", nm);
      return -1;
    }
  }
  combine_ctx c = {x, jobs, n, x->nshard > 1 ? x->nshard : 1, wt, outs};
  xl_parallel(c.parts, combine_part, &c); /* the shards' threads are idle now */
  return 0;
}

/* the batch in m->workers shards on as many threads (shard 0 on this one), each shard's rows
   in x->micro runs */
static int run_sharded(mdl *m, mdl_exe *x, const int32_t *tokens, const int32_t *targets, int T, xt **outs,
                       char **err) {
  int ns = x->nshard, mic = x->micro > 0 ? x->micro : 1, n = ns * mic, rows = x->B / n, rc = 0;
  shard_job *jobs = xl_calloc((size_t)n, sizeof *jobs);
  shard_run *runs = xl_calloc((size_t)ns, sizeof *runs);
  pthread_t *th = xl_calloc((size_t)ns, sizeof *th);
  double *wt = xl_calloc((size_t)n, sizeof *wt), tot = 0;
  for (int i = 0; i < n; i++) {
    shard_job *j = &jobs[i];
    j->m = m, j->x = x->shard[i / mic], j->T = T;
    j->tokens = tokens + (int64_t)i * rows * T;
    j->targets = targets ? targets + (int64_t)i * rows * T : NULL;
    j->outs = xl_calloc((size_t)x->g->outs.n + 1, sizeof(xt *));
    for (int64_t e = 0; e < (int64_t)rows * T; e++) wt[i] += targets ? j->targets[e] >= 0 : 1;
    tot += wt[i];
  }
  for (int i = 0; i < n; i++) wt[i] /= tot > 0 ? tot : 1;
  for (int s = 0; s < ns; s++) runs[s].jobs = jobs + s * mic, runs[s].n = mic;
  int started = 0;
  for (int s = 1; s < ns; s++, started++)
    if (pthread_create(&th[s], NULL, shard_main, &runs[s]) != 0) break;
  shard_main(&runs[0]);
  for (int s = started + 1; s < ns; s++) shard_main(&runs[s]); /* threads that did not start */
  for (int s = 1; s <= started; s++) pthread_join(th[s], NULL);
  for (int i = 0; i < n && rc == 0; i++)
    if (jobs[i].rc) {
      *err = jobs[i].err, jobs[i].err = NULL;
      rc = jobs[i].rc; /* XL_EXEC_NOMEM stays a user error */
    }
  if (rc == 0) rc = combine(x, jobs, n, wt, outs, err);
  for (int i = 0; i < n; i++) {
    mdl_outs_free(jobs[i].x, jobs[i].outs);
    free(jobs[i].outs);
    free(jobs[i].err);
  }
  free(jobs);
  free(runs);
  free(th);
  free(wt);
  return rc;
}

int mdl_run(mdl *m, mdl_exe *x, const int32_t *tokens, const int32_t *targets, int T, const xt_list *states,
            xt **outs, char **err) {
  if (m->workers > 1) xl_backend_set_serial(m->be, x->nshard > 0); /* shards: their threads are the parallelism */
  if (x->nshard) {
    if (states) {
      *err = xl_fmt("internal: states passed to a data-parallel executor");
      return -1;
    }
    return run_sharded(m, x, tokens, targets, T, outs, err);
  }
  return run_one(m, x, tokens, targets, T, states, outs, err);
}

/* one executor on this thread */
static int run_one(mdl *m, mdl_exe *x, const int32_t *tokens, const int32_t *targets, int T, const xt_list *states,
                   xt **outs, char **err) {
  const cg_graph *g = x->g;
  if (!x->in) x->in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  xt **in = x->in;
  for (int i = 0; i < x->nstate; i++) in[x->state_in[i]] = NULL; /* defaults unless given below */
  int64_t sh[2] = {x->B, x->T}, shp[2] = {x->B, x->P};
  if (!x->tk) x->tk = xt_new_named("tokens", XT_F32, 2, sh);
  if (!x->tg) x->tg = xt_new_named("targets", XT_F32, 2, x->pos_in >= 0 ? shp : sh);
  if (!x->ps && x->pos_in >= 0) x->ps = xt_new_named("positions", XT_F32, 2, shp);
  xt *tk = x->tk, *tg = x->tg, *ps = x->ps;
  for (int b = 0; b < x->B; b++)
    for (int t = 0; t < x->T; t++) xt_set(tk, (int64_t)b * x->T + t, t < T ? tokens[(int64_t)b * T + t] : 0);
  if (x->pos_in >= 0) { /* each row's scored positions in order, then position 0 / target -1 */
    for (int b = 0; b < x->B; b++) {
      int p = 0;
      for (int t = 0; t < T && p < x->P; t++) {
        int32_t y = targets ? targets[(int64_t)b * T + t] : -1;
        if (targets && y < 0) continue;
        xt_set(ps, (int64_t)b * x->P + p, t);
        xt_set(tg, (int64_t)b * x->P + p++, y);
      }
      for (; p < x->P; p++) {
        xt_set(ps, (int64_t)b * x->P + p, 0);
        xt_set(tg, (int64_t)b * x->P + p, -1);
      }
    }
    in[x->pos_in] = ps;
  } else {
    for (int b = 0; b < x->B; b++)
      for (int t = 0; t < x->T; t++)
        xt_set(tg, (int64_t)b * x->T + t, t < T && targets ? targets[(int64_t)b * T + t] : -1);
  }
  in[x->tok_in] = tk;
  in[x->tgt_in] = tg;
  for (int i = 0; i < m->params.v.n; i++) in[x->param_in[i]] = m->params.v.v[i];
  if (states) /* by name among the graph's state inputs; usually in the same order */
    for (int i = 0, j = 0; i < states->v.n && x->nstate > 0; i++)
      for (int tries = 0; tries < x->nstate; tries++, j = (j + 1) % x->nstate)
        if (!strcmp(g->nodes.v[x->state_in[j]].name, states->v.v[i]->name)) {
          in[x->state_in[j]] = states->v.v[i];
          break;
        }
  return xl_exec_run(x->e, in, outs, err); /* reuses or replaces the tensors in outs */
}

void mdl_borrow_states(const mdl_exe *x, xt *const *outs, xt_list *st) {
  st->v.n = 0;
  for (int k = 0; k < x->g->outs.n; k++)
    if (!strncmp(x->g->outs.v[k].name, "state.", 6)) {
      xt *t = outs[k];
      if (!t->name || strcmp(t->name, x->g->outs.v[k].name)) {
        free(t->name);
        t->name = xl_strdup(x->g->outs.v[k].name);
      }
      xl_vec_push(st->v, t);
    }
}

int mdl_argmax(const xt *lg, int64_t off, int V) {
  int best = 0;
  if (lg->dtype == XT_F32) { /* the usual case (decode loops), without per-element dispatch */
    const float *q = (const float *)lg->data + off;
    float mx = -INFINITY;
    for (int v = 0; v < V; v++)
      if (q[v] > mx) mx = q[v], best = v;
    return best;
  }
  double mx = -INFINITY;
  for (int v = 0; v < V; v++) {
    double l = xt_get(lg, off + v);
    if (l > mx) mx = l, best = v;
  }
  return best;
}

void mdl_outs_free(const mdl_exe *x, xt **outs) {
  for (int k = 0; k < x->g->outs.n; k++) {
    xt_free(outs[k]);
    outs[k] = NULL;
  }
}

void mdl_accuracy(const mdl_exe *x, const xt *logits, const int32_t *targets, int B, int T, int64_t *scored,
                  int64_t *correct) {
  int64_t Tx = logits->shape[1], V = logits->shape[2];
  for (int b = 0; b < B; b++)
    for (int t = 0, p = 0; t < T; t++) {
      int32_t y = targets[(int64_t)b * T + t];
      if (y < 0) continue;
      int64_t row = x->pos_in >= 0 ? p++ : t;
      if (row >= Tx) break;
      int64_t base = ((int64_t)b * Tx + row) * V, best = 0;
      double bv = -INFINITY;
      for (int64_t v = 0; v < V; v++) {
        double l = xt_get(logits, base + v);
        if (l > bv) bv = l, best = v;
      }
      (*scored)++;
      if (best == y) (*correct)++;
    }
}
