/* train.c - trainer settings, model opening, evaluation and saving (see train.h). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

void trn_cfg_default(trn_cfg *c) {
  memset(c, 0, sizeof *c);
  data_opts_default(&c->data);
  c->backend = xl_strdup("cpu");
  c->steps = 1000;
  c->batch = 32;
  c->accum = 1;
  c->lr = 1e-3;
  c->wd = 0.1;
  c->clip = 1.0;
  c->eval_every = 100;
  c->eval_batches = 4;
  c->test_batches = 8;
  c->log_every = 10;
}

void trn_cfg_free(trn_cfg *c) {
  free(c->task);
  free(c->init);
  free(c->file);
  free(c->entry);
  for (int i = 0; i < c->sets.n; i++) free(c->sets.v[i]);
  free(c->sets.v);
  free(c->sets_desc);
  free(c->backend);
  memset(c, 0, sizeof *c);
}

static void set_str(char **dst, const char *v) {
  free(*dst);
  *dst = v ? xl_strdup(v) : NULL;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out) {
  char *e;
  double x = strtod(v, &e);
  if (e == v || *e || !(x >= lo && x <= hi)) {
    drv_error("--%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
    return -1;
  }
  *out = x;
  return 0;
}

static void add_set(trn_cfg *c, const char *kv) {
  const char *eq = strchr(kv, '=');
  size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
  for (int i = 0; i < c->sets.n; i++)
    if (!strncmp(c->sets.v[i], kv, kl) && c->sets.v[i][kl] == '=') {
      free(c->sets.v[i]);
      c->sets.v[i] = xl_strdup(kv);
      return;
    }
  xl_vec_push(c->sets, xl_strdup(kv));
}

int trn_cfg_from_args(trn_cfg *c, const drv_args *a, int positional) {
  int bad = 0, resume = 0;
  for (int i = 0; i < a->opts.n; i++)
    if (!strcmp(a->opts.v[i].name, "resume")) resume = 1;
  if (positional && (a->pos.n == 1 || a->pos.n > 2)) {
    drv_error("expected FILE.xl ENTRY (or neither, for the stdlib's xlstm_lm_at / xlstm_lm), got %d positional argument%s",
              a->pos.n, a->pos.n == 1 ? "" : "s");
    return -1;
  }
  if (positional && a->pos.n == 2) {
    if (resume) {
      drv_error("--resume takes the model from the checkpoint; do not give FILE.xl ENTRY");
      return -1;
    }
    set_str(&c->file, a->pos.v[0]);
    set_str(&c->entry, a->pos.v[1]);
  }
  for (int i = 0; i < a->opts.n && !bad; i++) {
    const char *n = a->opts.v[i].name, *v = a->opts.v[i].val;
    double x = 0;
#define NUM(opt, lo, hi) (!strcmp(n, opt) && !(bad = num(opt, v, lo, hi, &x)))
    if (!strcmp(n, "task")) set_str(&c->task, v);
    else if (!strcmp(n, "init")) set_str(&c->init, v);
    else if (!strcmp(n, "set")) {
      if (resume) {
        drv_error("--resume takes the model from the checkpoint; --set %s cannot change it", v);
        bad = 1;
      } else {
        add_set(c, v);
      }
    } else if (!strcmp(n, "backend")) {
      if (!drv_backend_ok(v)) bad = 1;
      set_str(&c->backend, v);
    } else if (!strcmp(n, "dtype")) {
      if (strcmp(v, "f32") && strcmp(v, "f64")) {
        drv_error("--dtype must be f32 or f64");
        bad = 1;
      }
      c->f64 = !strcmp(v, "f64");
    } else if (NUM("min-len", 1, 1e6)) c->data.min_len = (int)x;
    else if (NUM("max-len", 1, 1e6)) c->data.max_len = (int)x;
    else if (NUM("test-min-len", 1, 1e6)) c->data.test_min_len = (int)x;
    else if (NUM("test-max-len", 1, 1e6)) c->data.test_max_len = (int)x;
    else if (NUM("context", 1, 1e7)) c->data.context = (int)x;
    else if (NUM("pairs", 1, 1e6)) c->data.pairs = (int)x;
    else if (NUM("data-vocab", 1, 1e9)) c->data.vocab = (int)x;
    else if (NUM("val-frac", 0, 0.9)) c->data.val_frac = x;
    else if (NUM("steps", 1, 1e12)) c->steps = (int64_t)x;
    else if (NUM("batch", 1, 1e6)) c->batch = (int)x;
    else if (NUM("accum", 1, 1e6)) c->accum = (int)x;
    else if (NUM("lr", 0, 10)) c->lr = x;
    else if (NUM("lr-min", 0, 10)) c->lr_min = x, c->lr_min_set = 1;
    else if (NUM("warmup", 0, 1e12)) c->warmup = (int64_t)x, c->warmup_set = 1;
    else if (NUM("weight-decay", 0, 10)) c->wd = x;
    else if (!strcmp(n, "decay-embedding")) c->decay_embedding = 1;
    else if (NUM("clip", 0, 1e12)) c->clip = x;
    else if (!strcmp(n, "seed")) {
      if (drv_parse_u64(v, &c->seed)) {
        drv_error("--seed: '%s' is not an unsigned integer", v);
        bad = 1;
      }
    } else if (NUM("eval-every", 1, 1e12)) c->eval_every = (int64_t)x;
    else if (NUM("eval-batches", 1, 1e6)) c->eval_batches = (int)x;
    else if (NUM("test-batches", 1, 1e6)) c->test_batches = (int)x;
    else if (NUM("log-every", 1, 1e12)) c->log_every = (int)x;
#undef NUM
  }
  if (!c->lr_min_set) c->lr_min = c->lr / 10;
  if (!c->warmup_set) c->warmup = c->steps / 20;
  c->data.seed = c->seed; /* one seed for parameters and data */
  return bad ? -1 : 0;
}

int trn_open_checkpoint(mdl *m, trn_cfg *c, const drv_args *a, const char *cmd) {
  const char *path = a->pos.v[0];
  ckpt ck = {0};
  char *err = NULL;
  if (ckpt_read(path, &ck, &err) != 0) {
    drv_error("%s", err ? err : "cannot read the checkpoint");
    free(err);
    return XLC_EXIT_USER;
  }
  int rc = XLC_EXIT_OK;
  if (ck.is_xlc && ckpt_meta(&ck, "trainer")) {
    if (a->pos.n > 1) drv_note("%s: the model comes from the checkpoint; FILE.xl ENTRY ignored", path);
    if (trn_cfg_from_ckpt(c, &ck, path) != 0) rc = XLC_EXIT_USER;
  } else if (a->pos.n == 3) {
    set_str(&c->file, a->pos.v[1]);
    set_str(&c->entry, a->pos.v[2]);
  } else {
    drv_error("%s is a plain state dict (no xlc training metadata): give the model too, e.g. xlc %s %s "
              "stdlib/xlstm.xl xlstm_lm --set V=... --set E=...",
              path, cmd, path);
    rc = XLC_EXIT_USER;
  }
  if (rc == 0 && trn_cfg_from_args(c, a, 0) != 0) rc = XLC_EXIT_USER;
  if (rc == 0 && !strcmp(cmd, "generate") && mdl_entry_has_config(c->file, c->entry, "form"))
    add_set(c, "form=recurrent"); /* decoding needs the step form; the parameters are the same */
  if (rc == 0) rc = trn_open_model(m, c, NULL, &ck, path);
  ckpt_free(&ck);
  return rc;
}

char *trn_cfg_json(const trn_cfg *c) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "task", c->task ? c->task : "");
  if (c->init) cJSON_AddStringToObject(o, "init", c->init);
  cJSON_AddNumberToObject(o, "data_vocab", c->data.vocab);
  cJSON_AddNumberToObject(o, "min_len", c->data.min_len);
  cJSON_AddNumberToObject(o, "max_len", c->data.max_len);
  cJSON_AddNumberToObject(o, "test_min_len", c->data.test_min_len);
  cJSON_AddNumberToObject(o, "test_max_len", c->data.test_max_len);
  cJSON_AddNumberToObject(o, "context", c->data.context);
  cJSON_AddNumberToObject(o, "pairs", c->data.pairs);
  cJSON_AddNumberToObject(o, "val_frac", c->data.val_frac);
  cJSON_AddStringToObject(o, "backend", c->backend);
  cJSON_AddStringToObject(o, "dtype", c->f64 ? "f64" : "f32");
  cJSON_AddNumberToObject(o, "steps", (double)c->steps);
  cJSON_AddNumberToObject(o, "batch", c->batch);
  cJSON_AddNumberToObject(o, "accum", c->accum);
  cJSON_AddNumberToObject(o, "lr", c->lr);
  cJSON_AddNumberToObject(o, "lr_min", c->lr_min);
  cJSON_AddNumberToObject(o, "warmup", (double)c->warmup);
  cJSON_AddNumberToObject(o, "weight_decay", c->wd);
  cJSON_AddBoolToObject(o, "decay_embedding", c->decay_embedding);
  cJSON_AddNumberToObject(o, "clip", c->clip);
  cJSON_AddNumberToObject(o, "eval_every", (double)c->eval_every);
  cJSON_AddNumberToObject(o, "warm_steps", (double)c->warm_steps);
  cJSON_AddNumberToObject(o, "warm_len", c->warm_len);
  cJSON_AddNumberToObject(o, "eval_batches", c->eval_batches);
  cJSON_AddNumberToObject(o, "test_batches", c->test_batches);
  cJSON_AddNumberToObject(o, "log_every", c->log_every);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  char *r = xl_strdup(s);
  cJSON_free(s);
  return r;
}

int trn_cfg_from_ckpt(trn_cfg *c, const ckpt *ck, const char *path) {
  const char *tj = ckpt_meta(ck, "trainer"), *sets = ckpt_meta(ck, "sets"), *step = ckpt_meta(ck, "step"),
             *seed = ckpt_meta(ck, "seed");
  cJSON *o = tj ? cJSON_Parse(tj) : NULL, *sa = sets ? cJSON_Parse(sets) : NULL;
  int bad = !o || (sets && !cJSON_IsArray(sa)) || !step || !ckpt_meta(ck, "entry") || !ckpt_meta(ck, "source_path");
  if (bad) drv_error("%s: the checkpoint's metadata is incomplete or malformed (trainer, sets, step, entry, source_path)", path);
#define GETN(key, dst)                                                  \
  do {                                                                  \
    cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);               \
    if (cJSON_IsNumber(it)) dst = it->valuedouble;                      \
  } while (0)
  if (!bad) {
    cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "task");
    if (cJSON_IsString(t)) set_str(&c->task, t->valuestring);
    cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "init");
    if (cJSON_IsString(in)) set_str(&c->init, in->valuestring);
    GETN("data_vocab", c->data.vocab);
    GETN("min_len", c->data.min_len);
    GETN("max_len", c->data.max_len);
    GETN("test_min_len", c->data.test_min_len);
    GETN("test_max_len", c->data.test_max_len);
    GETN("context", c->data.context);
    GETN("pairs", c->data.pairs);
    GETN("val_frac", c->data.val_frac);
    GETN("steps", c->steps);
    GETN("batch", c->batch);
    GETN("accum", c->accum);
    GETN("lr", c->lr);
    GETN("lr_min", c->lr_min);
    GETN("warmup", c->warmup);
    GETN("weight_decay", c->wd);
    GETN("clip", c->clip);
    GETN("eval_every", c->eval_every);
    GETN("warm_steps", c->warm_steps);
    GETN("warm_len", c->warm_len);
    GETN("eval_batches", c->eval_batches);
    GETN("test_batches", c->test_batches);
    GETN("log_every", c->log_every);
    cJSON *de = cJSON_GetObjectItemCaseSensitive(o, "decay_embedding");
    c->decay_embedding = cJSON_IsTrue(de);
    cJSON *be = cJSON_GetObjectItemCaseSensitive(o, "backend"), *dt = cJSON_GetObjectItemCaseSensitive(o, "dtype");
    if (cJSON_IsString(be)) set_str(&c->backend, be->valuestring);
    if (cJSON_IsString(dt)) c->f64 = !strcmp(dt->valuestring, "f64");
    c->lr_min_set = c->warmup_set = 1;
    set_str(&c->entry, ckpt_meta(ck, "entry"));
    set_str(&c->file, ckpt_meta(ck, "source_path"));
    cJSON *it;
    cJSON_ArrayForEach(it, sa) if (cJSON_IsString(it)) add_set(c, it->valuestring);
    c->resume_step = strtoll(step, NULL, 10);
    if (seed) drv_parse_u64(seed, &c->seed);
  }
#undef GETN
  cJSON_Delete(o);
  cJSON_Delete(sa);
  return bad ? -1 : 0;
}

int64_t trn_count_params(const mdl *m) {
  int64_t n = 0;
  for (int i = 0; i < m->params.v.n; i++) n += xt_numel(m->params.v.v[i]);
  return n;
}

static int has_set(const trn_cfg *c, const char *key) {
  size_t kl = strlen(key);
  for (int i = 0; i < c->sets.n; i++)
    if (!strncmp(c->sets.v[i], key, kl) && c->sets.v[i][kl] == '=') return 1;
  return 0;
}

int trn_open_model(mdl *m, trn_cfg *c, const data_info *di, ckpt *ck, const char *ck_path) {
  if (!c->file) c->file = getenv("XLC_STDLIB") ? xl_strdup(getenv("XLC_STDLIB")) : xl_fmt("%s/xlstm.xl", XLC_STDLIB_DIR);
  /* built-in tasks score a few positions per row: the head and loss run only there */
  if (!c->entry) c->entry = xl_strdup(di && strcmp(di->name, "bytes") && strcmp(di->name, "tokens") ? "xlstm_lm_at" : "xlstm_lm");
  if (di && !has_set(c, "V") && mdl_entry_has_config(c->file, c->entry, "V")) {
    char *kv = xl_fmt("V=%d", di->vocab);
    add_set(c, kv);
    free(kv);
  }
  /* training and evaluation: the parallel form (same parameters, no per-step states), or with a
     `chunk` configuration the faster of parallel and chunkwise for each graph's length
     (mdl_auto_form; docs/performance.md) */
  int auto_form = di && !has_set(c, "form") && mdl_entry_has_config(c->file, c->entry, "form") &&
                  mdl_entry_has_config(c->file, c->entry, "chunk");
  if (di && !has_set(c, "form") && !auto_form && mdl_entry_has_config(c->file, c->entry, "form"))
    add_set(c, "form=parallel");
  /* the model's weight_decay_on_embedding (xlstm_lm's decay_embedding) groups the embedding as
     --decay-embedding does */
  for (int i = 0; i < c->sets.n; i++)
    if (!strcmp(c->sets.v[i], "decay_embedding=true")) c->decay_embedding = 1;
  size_t len = 1;
  for (int i = 0; i < c->sets.n; i++) len += strlen(c->sets.v[i]) + 1;
  free(c->sets_desc);
  c->sets_desc = xl_calloc(len, 1);
  for (int i = 0; i < c->sets.n; i++) {
    if (i) strcat(c->sets_desc, " ");
    strcat(c->sets_desc, c->sets.v[i]);
  }
  int rc = mdl_open(m, c->file, c->entry, (const char *const *)c->sets.v, c->sets.n, c->backend,
                    c->f64 ? CG_F64 : CG_F32);
  if (rc) {
    mdl_free(m);
    return rc;
  }
  if (auto_form) mdl_auto_form(m);
  if (di && m->vocab > 0 && m->vocab < di->vocab) {
    drv_error("the model's vocabulary (%d) is smaller than the task's (%d): --set V=%d", m->vocab, di->vocab, di->vocab);
    mdl_free(m);
    return XLC_EXIT_USER;
  }
  ckpt initck = {0};
  if (!ck && c->init) { /* fine-tuning: parameters from a checkpoint or state dict */
    char *err = NULL;
    if (ckpt_read(c->init, &initck, &err) != 0) {
      drv_error("--init: %s", err ? err : "cannot read");
      free(err);
      mdl_free(m);
      return XLC_EXIT_USER;
    }
    ck = &initck;
    ck_path = c->init;
  }
  if (!ck) {
    rc = mdl_init_params(m, c->seed);
  } else {
    const char *h = ck == &initck ? NULL : ckpt_meta(ck, "source_hash");
    char mine[17];
    ckpt_hash_hex(m->src.text, mine);
    if (h && strcmp(h, mine)) {
      drv_error("%s has changed since %s was written (source hash %s, checkpoint %s); restore the file or start a "
                "new run",
                c->file, ck_path, mine, h);
      mdl_free(m);
      return XLC_EXIT_USER;
    }
    int np = m->params.v.n;
    ckpt_expect *ex = xl_calloc((size_t)np + 1, sizeof *ex);
    for (int i = 0; i < np; i++) {
      ex[i].name = m->params.v.v[i]->name;
      ex[i].rank = m->params.v.v[i]->rank;
      memcpy(ex[i].shape, m->params.v.v[i]->shape, sizeof ex[i].shape);
    }
    char *warn = NULL, *err = NULL;
    if (ckpt_validate(ck, ex, np, &warn, &err) != 0) {
      drv_error("%s does not fit %s %s:\n%s", ck_path, c->entry, c->sets_desc, err ? err : "");
      rc = XLC_EXIT_USER;
    }
    if (warn) drv_warn("%s", warn);
    free(warn);
    free(err);
    free(ex);
    if (rc == 0) rc = mdl_set_params(m, &ck->params, ck_path);
  }
  ckpt_free(&initck);
  if (rc) mdl_free(m);
  return rc;
}

int trn_evaluate(mdl *m, const data_source *ds, data_split split, int nb, int B, trn_metrics *out) {
  data_batch b = {0};
  double lsum = 0;
  int64_t scored = 0, correct = 0;
  int rc = 0;
  for (int k = 0; k < nb && rc == 0; k++) {
    char *err = NULL;
    if (data_draw(ds, split, k, B, &b, &err) != 0) {
      drv_error("%s", err ? err : "data");
      free(err);
      rc = XLC_EXIT_USER;
      break;
    }
    mdl_exe *x = mdl_get(m, b.B, mdl_bucket(b.T), mdl_npos(m, b.targets, b.B, b.T), 0, &rc);
    if (!x) break;
    xt **outs = xl_calloc((size_t)x->g->outs.n + 1, sizeof(xt *));
    if (mdl_run(m, x, b.tokens, b.targets, b.T, NULL, outs, &err) != 0) {
      drv_internal("evaluation: %s", err ? err : "execution failed");
      rc = XLC_EXIT_INTERNAL;
    } else {
      int64_t s0 = scored;
      mdl_accuracy(x, outs[x->logits_out], b.targets, b.B, b.T, &scored, &correct);
      lsum += xt_get(outs[x->loss_out], 0) * (double)(scored - s0);
    }
    free(err);
    mdl_outs_free(x, outs);
    free(outs);
  }
  data_batch_free(&b);
  out->scored = scored;
  out->loss = scored ? lsum / (double)scored : NAN;
  out->acc = scored ? (double)correct / (double)scored : NAN;
  return rc;
}

int trn_save(mdl *m, const trn_cfg *c, int64_t step, const char *path, double **mom, double **vel) {
  char *tj = trn_cfg_json(c);
  ckpt_info info = {.entry = m->entry,
                    .source_path = m->file,
                    .source_text = m->src.text,
                    .sets = (const char *const *)c->sets.v,
                    .nsets = c->sets.n,
                    .step = step,
                    .seed = c->seed,
                    .trainer_json = tj};
  char *err = NULL;
  int rc = ckpt_write(path, &m->params, mom, vel, &info, &err);
  if (rc) drv_error("%s", err ? err : "cannot write the checkpoint");
  free(err);
  free(tj);
  return rc ? XLC_EXIT_USER : XLC_EXIT_OK;
}

static void add_metrics(cJSON *o, const char *key, const trn_metrics *t, const data_info *di, data_split sp) {
  if (!t) return;
  cJSON *m = cJSON_AddObjectToObject(o, key);
  cJSON_AddNumberToObject(m, "loss", t->loss);
  cJSON_AddNumberToObject(m, "accuracy", t->acc);
  cJSON_AddNumberToObject(m, "scaled_accuracy", (t->acc - di->r) / (1 - di->r));
  cJSON_AddNumberToObject(m, "scored_positions", (double)t->scored);
  cJSON_AddNumberToObject(m, "min_len", di->min_len[sp]);
  cJSON_AddNumberToObject(m, "max_len", di->max_len[sp]);
}

int trn_write_results(const char *path, const mdl *m, const trn_cfg *c, const data_info *di, int64_t step,
                      const trn_metrics *test, const trn_metrics *val) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "entry", m->entry);
  cJSON_AddStringToObject(o, "file", m->file);
  cJSON_AddStringToObject(o, "sets", c->sets_desc ? c->sets_desc : "");
  cJSON_AddStringToObject(o, "task", c->task);
  cJSON_AddNumberToObject(o, "steps", (double)step);
  cJSON_AddNumberToObject(o, "random_guess_accuracy", di->r);
  add_metrics(o, "validation", val, di, DATA_VAL);
  add_metrics(o, "test", test, di, DATA_TEST);
  char *s = cJSON_Print(o);
  cJSON_Delete(o);
  char *err = NULL;
  int rc = xl_write_file_atomic(path, s, strlen(s), &err);
  if (rc) drv_error("%s", err);
  free(err);
  cJSON_free(s);
  return rc ? XLC_EXIT_USER : XLC_EXIT_OK;
}
