/* trainer.c - trainer settings, model opening, evaluation and saving (see trainer.h); the
 * command line's half (options, --config sections, eval/generate's checkpoint) is
 * tools/train_args.c, the training loop train_loop.c. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "trainer.h"

void trn_cfg_default(trn_cfg *c) {
  memset(c, 0, sizeof *c);
  data_opts_default(&c->data);
  c->backend = xl_strdup(xl_backend_default());
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
  free(c->source);
  free(c->source_hash);
  for (int i = 0; i < c->sets.n; i++) free(c->sets.v[i]);
  free(c->sets.v);
  free(c->sets_desc);
  free(c->backend);
  memset(c, 0, sizeof *c);
}

void trn_set_str(char **dst, const char *v) {
  free(*dst);
  *dst = v ? xl_strdup(v) : NULL;
}

/* ---- trainer settings: one table for the command line and the checkpoint ----
   Each numeric setting has one range, checked the same way for `--opt` and for the key of the
   checkpoint's "trainer" JSON (a resumed, evaluated or sampled checkpoint is held to what the
   command line accepts). */
typedef enum { TF_INT, TF_I64, TF_DBL } trn_kind;
struct trn_field {
  const char *opt, *key; /* --opt; "key" in the trainer JSON */
  trn_kind kind;         /* integers must be whole numbers */
  double lo, hi;         /* inclusive range */
  int zero_ok;           /* 0 also allowed: the task's default */
  size_t off;            /* where it lives in trn_cfg */
};

#define FIELD(opt, key, kind, lo, hi, z, member) {opt, key, kind, lo, hi, z, offsetof(trn_cfg, member)}
static const trn_field trn_fields[] = {
    FIELD("min-len", "min_len", TF_INT, 1, 1e6, 1, data.min_len),
    FIELD("max-len", "max_len", TF_INT, 1, 1e6, 1, data.max_len),
    FIELD("test-min-len", "test_min_len", TF_INT, 1, 1e6, 1, data.test_min_len),
    FIELD("test-max-len", "test_max_len", TF_INT, 1, 1e6, 1, data.test_max_len),
    FIELD("context", "context", TF_INT, 1, 1e7, 1, data.context),
    FIELD("pairs", "pairs", TF_INT, 1, 1e6, 1, data.pairs),
    FIELD("data-vocab", "data_vocab", TF_INT, 1, 1e9, 1, data.vocab),
    FIELD("val-frac", "val_frac", TF_DBL, 0, 0.9, 0, data.val_frac),
    FIELD("steps", "steps", TF_I64, 1, 1e12, 0, steps),
    FIELD("batch", "batch", TF_INT, 1, 1e6, 0, batch),
    FIELD("accum", "accum", TF_INT, 1, 1e6, 0, accum),
    FIELD("lr", "lr", TF_DBL, 0, 10, 0, lr),
    FIELD("lr-min", "lr_min", TF_DBL, 0, 10, 0, lr_min),
    FIELD("warmup", "warmup", TF_I64, 0, 1e12, 0, warmup),
    FIELD("weight-decay", "weight_decay", TF_DBL, 0, 10, 0, wd),
    FIELD("clip", "clip", TF_DBL, 0, 1e12, 0, clip),
    FIELD("eval-every", "eval_every", TF_I64, 1, 1e12, 0, eval_every),
    FIELD("warm-steps", "warm_steps", TF_I64, 0, 1e12, 0, warm_steps),
    FIELD("warm-len", "warm_len", TF_INT, 0, 1e6, 0, warm_len),
    FIELD("eval-batches", "eval_batches", TF_INT, 1, 1e6, 0, eval_batches),
    FIELD("test-batches", "test_batches", TF_INT, 1, 1e6, 0, test_batches),
    FIELD("log-every", "log_every", TF_INT, 1, 1e9, 0, log_every),
};
#undef FIELD
#define NFIELDS (int)(sizeof trn_fields / sizeof *trn_fields)
#define STEP_MAX 1e12 /* the checkpoint's "step": 0 ..= the largest --steps */

/* NULL if x is a valid value of f, else why not (in buf) */
static const char *field_why(const trn_field *f, double x, char *buf, size_t n) {
  if (!isfinite(x)) return "must be a finite number";
  if (f->zero_ok && x == 0) return NULL;
  if (x < f->lo) snprintf(buf, n, "must be >= %g", f->zero_ok ? 0 : f->lo);
  else if (x > f->hi) snprintf(buf, n, "must be <= %g", f->hi);
  else if (f->kind != TF_DBL && x != floor(x)) snprintf(buf, n, "must be an integer");
  else return NULL;
  return buf;
}

static void field_store(trn_cfg *c, const trn_field *f, double x) {
  char *p = (char *)c + f->off;
  if (f->kind == TF_INT) *(int *)p = (int)x;
  else if (f->kind == TF_I64) *(int64_t *)p = (int64_t)x;
  else *(double *)p = x;
  if (!strcmp(f->opt, "lr-min")) c->lr_min_set = 1;
  if (!strcmp(f->opt, "warmup")) c->warmup_set = 1;
}

const trn_field *trn_field_by_opt(const char *opt) {
  for (int i = 0; i < NFIELDS; i++)
    if (!strcmp(trn_fields[i].opt, opt)) return &trn_fields[i];
  return NULL;
}

/* --opt VALUE of a numeric setting; -1 after printing an error */
int trn_field_from_arg(trn_cfg *c, const trn_field *f, const char *v) {
  char *e, buf[64];
  double x = strtod(v, &e);
  const char *why = e == v || *e ? "is not a number" : field_why(f, x, buf, sizeof buf);
  if (why) {
    drv_error("--%s: '%s' %s", f->opt, v, why);
    return -1;
  }
  field_store(c, f, x);
  return 0;
}

const char *trn_dtype_why(const char *v) {
  return strcmp(v, "f32") && strcmp(v, "f64") ? "must be f32 or f64" : NULL;
}

/* The model's file and entry (NULL: unchanged) from the command line or a config file: read
   from disk, nothing to check it against. */
void trn_set_model(trn_cfg *c, const char *file, const char *entry) {
  trn_set_str(&c->file, file);
  if (entry) trn_set_str(&c->entry, entry);
  trn_set_str(&c->source, NULL);
  trn_set_str(&c->source_hash, NULL);
}

void trn_add_set(trn_cfg *c, const char *kv) {
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

/* One metadata problem: "PATH: metadata 'KEY' = VALUE: WHY" */
static int meta_error(const char *path, const char *key, const cJSON *val, const char *text, const char *why) {
  char *v = val ? cJSON_PrintUnformatted(val) : NULL;
  drv_error("%s: metadata '%s' = %s: %s", path, key, v ? v : text ? text : "(absent)", why);
  cJSON_free(v);
  return -1;
}

/* a string-valued trainer key: absent (NULL, 0), a string (0), else -1 after an error */
static int meta_str(const char *path, const cJSON *o, const char *key, const char **out) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = NULL;
  if (!it) return 0;
  if (!cJSON_IsString(it)) return meta_error(path, key, it, NULL, "must be a string");
  *out = it->valuestring;
  return 0;
}

int trn_cfg_from_ckpt(trn_cfg *c, const ckpt *ck, const char *path) {
  const char *tj = ckpt_meta(ck, "trainer"), *sets = ckpt_meta(ck, "sets"), *step = ckpt_meta(ck, "step"),
             *seed = ckpt_meta(ck, "seed");
  cJSON *o = tj ? cJSON_Parse(tj) : NULL, *sa = sets ? cJSON_Parse(sets) : NULL;
  int bad = 0;
  const char *missing = !tj ? "trainer" : !step ? "step" : !ckpt_meta(ck, "entry") ? "entry"
                      : !ckpt_meta(ck, "source_path") ? "source_path" : NULL;
  char buf[64];
  uint64_t u = 0;
  if (missing) {
    drv_error("%s: metadata '%s' is missing (not a complete xlc training checkpoint)", path, missing);
    bad = 1;
  } else if (!cJSON_IsObject(o)) {
    bad = meta_error(path, "trainer", NULL, tj, "must be a JSON object");
  } else if (sets && !cJSON_IsArray(sa)) {
    bad = meta_error(path, "sets", NULL, sets, "must be a JSON array of strings");
  } else if (drv_parse_u64(step, &u) || (double)u > STEP_MAX) {
    snprintf(buf, sizeof buf, "must be an integer in [0, %g]", STEP_MAX);
    bad = meta_error(path, "step", NULL, step, buf);
  } else if (seed && drv_parse_u64(seed, &c->seed)) {
    bad = meta_error(path, "seed", NULL, seed, "must be an unsigned 64-bit integer");
  }
  char *text = NULL, *err = NULL;
  if (!bad && ckpt_source(ck, &text, &err) != 0) {
    drv_error("%s", err);
    bad = 1;
  }
  free(err);
  if (!bad) c->resume_step = (int64_t)u;
  /* numeric settings: the command line's ranges */
  for (int i = 0; i < NFIELDS && !bad; i++) {
    const trn_field *f = &trn_fields[i];
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, f->key);
    if (!it) continue; /* older checkpoints lack some: the default stays */
    const char *why = cJSON_IsNumber(it) ? field_why(f, it->valuedouble, buf, sizeof buf) : "must be a number";
    if (why) bad = meta_error(path, f->key, it, NULL, why);
    else field_store(c, f, it->valuedouble);
  }
  const char *task = NULL, *init = NULL, *be = NULL, *dt = NULL;
  if (!bad)
    bad = meta_str(path, o, "task", &task) || meta_str(path, o, "init", &init) ||
          meta_str(path, o, "backend", &be) || meta_str(path, o, "dtype", &dt);
  if (!bad && be && drv_backend_why(be)) bad = meta_error(path, "backend", NULL, be, drv_backend_why(be));
  if (!bad && dt && trn_dtype_why(dt)) bad = meta_error(path, "dtype", NULL, dt, trn_dtype_why(dt));
  const cJSON *de = bad ? NULL : cJSON_GetObjectItemCaseSensitive(o, "decay_embedding");
  if (de && !cJSON_IsBool(de)) bad = meta_error(path, "decay_embedding", de, NULL, "must be true or false");
  const cJSON *it;
  cJSON_ArrayForEach(it, sa) {
    if (!bad && !cJSON_IsString(it)) bad = meta_error(path, "sets", it, NULL, "every element must be a string");
  }
  if (!bad) {
    if (task) trn_set_str(&c->task, task);
    if (init) trn_set_str(&c->init, init);
    if (be) trn_set_str(&c->backend, be);
    if (dt) c->f64 = !strcmp(dt, "f64");
    c->decay_embedding = cJSON_IsTrue(de);
    c->lr_min_set = c->warmup_set = 1;
    trn_set_str(&c->entry, ckpt_meta(ck, "entry"));
    trn_set_str(&c->file, ckpt_meta(ck, "source_path"));
    free(c->source);
    c->source = text; /* NULL: a checkpoint of before, read the file and check its hash */
    drv_src_set_stored(text ? ckpt_meta(ck, "sources") : NULL); /* the files it imports */
    text = NULL;
    trn_set_str(&c->source_hash, c->source ? NULL : ckpt_meta(ck, "source_hash"));
    cJSON_ArrayForEach(it, sa) trn_add_set(c, it->valuestring);
  }
  free(text);
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

/* train --init CKPT without FILE ENTRY: the model of an xlc checkpoint that stores its source
   (file, text, entry; its sets, then those of the command line). 0, or -1 after an error. */
static int model_from_init(trn_cfg *c, const ckpt *ck) {
  const char *sp = ckpt_meta(ck, "source_path"), *entry = ckpt_meta(ck, "entry"), *sets = ckpt_meta(ck, "sets");
  char *text = NULL, *err = NULL;
  if (!ck->is_xlc || !sp || !entry) return 0;
  if (ckpt_source(ck, &text, &err) != 0) {
    drv_error("--init: %s", err);
    free(err);
    return -1;
  }
  if (!text) return 0; /* a checkpoint of before: the model of the command line, as always */
  cJSON *sa = sets ? cJSON_Parse(sets) : NULL;
  const cJSON *it;
  if (sets && !cJSON_IsArray(sa)) {
    meta_error(c->init, "sets", NULL, sets, "must be a JSON array of strings");
    cJSON_Delete(sa);
    free(text);
    return -1;
  }
  cJSON_ArrayForEach(it, sa) {
    if (!cJSON_IsString(it)) {
      meta_error(c->init, "sets", it, NULL, "every element must be a string");
      cJSON_Delete(sa);
      free(text);
      return -1;
    }
  }
  trn_set_model(c, sp, entry);
  c->source = text;
  drv_src_set_stored(ckpt_meta(ck, "sources")); /* the files it imports */
  char **given = c->sets.v;
  int ngiven = c->sets.n;
  memset(&c->sets, 0, sizeof c->sets);
  cJSON_ArrayForEach(it, sa) trn_add_set(c, it->valuestring);
  for (int i = 0; i < ngiven; i++) {
    trn_add_set(c, given[i]);
    free(given[i]);
  }
  free(given);
  cJSON_Delete(sa);
  return 0;
}

int trn_open_model(mdl *m, trn_cfg *c, const data_info *di, ckpt *ck, const char *ck_path) {
  ckpt initck = {0};
  if (!ck && c->init) { /* fine-tuning: parameters from a checkpoint or state dict */
    char *err = NULL;
    if (ckpt_read(c->init, &initck, &err) != 0) {
      drv_error("--init: %s", err ? err : "cannot read");
      free(err);
      return XLC_EXIT_USER;
    }
    if (c->model_from_init && !c->file && !c->entry && model_from_init(c, &initck) != 0) {
      ckpt_free(&initck);
      return XLC_EXIT_USER;
    }
    ck = &initck;
    ck_path = c->init;
  }
  if (!c->file) c->file = drv_stdlib_path();
  /* built-in tasks score a few positions per row: the head and loss run only there */
  if (!c->entry) c->entry = xl_strdup(di && strcmp(di->name, "bytes") && strcmp(di->name, "tokens") ? "xlstm_lm_at" : "xlstm_lm");
  if (di && !has_set(c, "V") && mdl_entry_has_config(c->file, c->source, c->entry, "V")) {
    char *kv = xl_fmt("V=%d", di->vocab);
    trn_add_set(c, kv);
    free(kv);
  }
  /* training and evaluation: the parallel form (same parameters, no per-step states), or with a
     `chunk` configuration the faster of parallel and chunkwise for each graph's length
     (mdl_auto_form; docs/performance.md) */
  int auto_form = di && !has_set(c, "form") && mdl_entry_has_config(c->file, c->source, c->entry, "form") &&
                  mdl_entry_has_config(c->file, c->source, c->entry, "chunk");
  if (di && !has_set(c, "form") && !auto_form && mdl_entry_has_config(c->file, c->source, c->entry, "form"))
    trn_add_set(c, "form=parallel");
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
  int rc = mdl_open(m, c->file, c->source, c->entry, (const char *const *)c->sets.v, c->sets.n, c->backend,
                    c->f64 ? CG_F64 : CG_F32);
  if (rc && ck && ck != &initck && (c->source || c->source_hash)) /* the checkpoint's own model: say which */
    drv_error("%s: the model of its metadata (%s %s %s%s) does not compile", ck_path, c->file, c->entry,
              c->sets_desc, c->source ? ", its stored source" : "");
  if (rc) {
    mdl_free(m);
    ckpt_free(&initck);
    return rc;
  }
  if (auto_form) mdl_auto_form(m);
  if (di && m->vocab > 0 && m->vocab < di->vocab) {
    drv_error("the model's vocabulary (%d) is smaller than the task's (%d): --set V=%d", m->vocab, di->vocab, di->vocab);
    mdl_free(m);
    ckpt_free(&initck);
    return XLC_EXIT_USER;
  }
  if (!ck) {
    rc = mdl_init_params(m, c->seed);
  } else {
    const char *h = c->source ? NULL : c->source_hash; /* a checkpoint of before, read from its source_path */
    char mine[17];
    ckpt_hash_hex(m->src.text, mine);
    if (h && strcmp(h, mine)) {
      drv_error("%s has changed since %s was written (source hash %s, checkpoint %s); restore the file or start a "
                "new run",
                c->file, ck_path, mine, h);
      mdl_free(m);
      ckpt_free(&initck);
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
    int xrc = mdl_run(m, x, b.tokens, b.targets, b.T, NULL, outs, &err);
    if (xrc != 0) {
      rc = drv_exec_failed(xrc, err, "evaluation (entry '%s', B=%d T=%d)", m->entry, x->B, x->T);
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

/* the name of a parameter holding a non-finite value or with a non-finite moment, or NULL */
static const char *nonfinite_state(const mdl *m, double **mom, double **vel) {
  for (int i = 0; i < m->params.v.n; i++) {
    const xt *p = m->params.v.v[i];
    int64_t n = xt_numel(p);
    for (int64_t j = 0; j < n; j++)
      if (!isfinite(xt_get(p, j)) || (mom && !isfinite(mom[i][j])) || (vel && !(vel[i][j] >= 0 && isfinite(vel[i][j]))))
        return p->name;
  }
  return NULL;
}

int trn_save(mdl *m, const trn_cfg *c, int64_t step, const char *path, double **mom, double **vel) {
  const char *bad = nonfinite_state(m, mom, vel);
  if (bad) {
    drv_warn("step %lld: parameter '%s' or its optimizer state is not finite: %s not written (the last one "
             "is kept)", (long long)step, bad, path);
    return XLC_EXIT_OK;
  }
  char *tj = trn_cfg_json(c);
  ckpt_info info = {.entry = m->entry,
                    .source_path = m->file,
                    .source_text = m->src.text,
                    .more_sources = m->src.imported.v,
                    .nmore_sources = m->src.imported.n / 2,
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
