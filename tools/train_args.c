/* train_args.c - the command line's half of the trainer settings (trainer.h): options of
 * `xlc train` / `eval` / `generate` (trn_cfg_from_args) through the trainer's one table of
 * settings, the training: and dataset: sections of --config, and the model of a checkpoint
 * named on the command line (trn_open_checkpoint). Errors are printed.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_args.h"

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
    trn_set_model(c, a->pos.v[0], a->pos.v[1]);
  }
  for (int i = 0; i < a->opts.n && !bad; i++) {
    const char *n = a->opts.v[i].name, *v = a->opts.v[i].val;
    const trn_field *f = trn_field_by_opt(n);
    if (f) bad = trn_field_from_arg(c, f, v);
    else if (!strcmp(n, "task")) trn_set_str(&c->task, v);
    else if (!strcmp(n, "init")) trn_set_str(&c->init, v);
    else if (!strcmp(n, "set")) {
      if (resume) {
        drv_error("--resume takes the model from the checkpoint; --set %s cannot change it", v);
        bad = 1;
      } else {
        trn_add_set(c, v);
      }
    } else if (!strcmp(n, "backend")) {
      if (!drv_backend_ok(v)) bad = 1;
      trn_set_str(&c->backend, v);
    } else if (!strcmp(n, "dtype")) {
      if (trn_dtype_why(v)) {
        drv_error("--dtype %s", trn_dtype_why(v));
        bad = 1;
      }
      c->f64 = !strcmp(v, "f64");
    } else if (!strcmp(n, "decay-embedding")) c->decay_embedding = 1;
    else if (!strcmp(n, "seed")) {
      if (drv_parse_u64(v, &c->seed)) {
        drv_error("--seed: '%s' is not an unsigned integer", v);
        bad = 1;
      }
    }
  }
  if (!c->lr_min_set) c->lr_min = c->lr * (c->lr_min_frac_set ? c->lr_min_frac : 0.1);
  if (!c->warmup_set) c->warmup = c->steps / 20;
  c->data.seed = c->seed; /* one seed for parameters and data */
  return bad ? -1 : 0;
}

/* ---- --config: training: and dataset: ---- */

typedef struct {
  const char *file;
  int bad;
} cfgctx;

/* A number at `path` in [lo, hi] (integral if `integer`); 0 or -1 with the error printed. */
static int cfg_num(cfgctx *x, const cJSON *v, const char *path, double lo, double hi, int integer, double *out) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
      (integer && v->valuedouble != floor(v->valuedouble))) {
    drv_error("%s: %s: expected %s in [%g, %g]", x->file, path, integer ? "an integer" : "a number", lo, hi);
    x->bad = 1;
    return -1;
  }
  *out = v->valuedouble;
  return 0;
}

static void cfg_ignored(cfgctx *x, const char *path, const char *why) { drv_note("%s: %s ignored (%s)", x->file, path, why); }

static void cfg_unknown(cfgctx *x, const char *path) {
  drv_error("%s: %s: unknown key", x->file, path);
  x->bad = 1;
}

static void cfg_training(cfgctx *x, trn_cfg *c, const cJSON *t) {
  const cJSON *it;
  double v = 0, steps = -1, until = -1;
  cJSON_ArrayForEach(it, t) {
    const char *k = it->string;
    char *path = xl_fmt("training.%s", k);
    if (!strcmp(k, "batch_size")) {
      if (!cfg_num(x, it, path, 1, 1e6, 1, &v)) c->batch = (int)v;
    } else if (!strcmp(k, "lr")) {
      if (!cfg_num(x, it, path, 0, 10, 0, &v)) c->lr = v;
    } else if (!strcmp(k, "seed")) {
      if (!cfg_num(x, it, path, 0, 9007199254740992.0, 1, &v)) c->seed = (uint64_t)v;
    } else if (!strcmp(k, "val_every_step")) {
      if (!cfg_num(x, it, path, 1, 1e12, 1, &v)) c->eval_every = (int64_t)v;
    } else if (!strcmp(k, "lr_warmup_steps")) {
      if (!cfg_num(x, it, path, 0, 1e12, 1, &v)) c->warmup = (int64_t)v, c->warmup_set = 1;
    } else if (!strcmp(k, "lr_decay_until_steps")) {
      cfg_num(x, it, path, 1, 1e12, 1, &until);
    } else if (!strcmp(k, "lr_decay_factor")) {
      if (!cfg_num(x, it, path, 0, 1, 0, &v)) c->lr_min_frac = v, c->lr_min_frac_set = 1;
    } else if (!strcmp(k, "weight_decay")) {
      if (!cfg_num(x, it, path, 0, 10, 0, &v)) c->wd = v;
    } else if (!strcmp(k, "num_steps")) {
      if (!cfg_num(x, it, path, 1, 1e12, 1, &steps)) c->steps = (int64_t)steps;
    } else if (!strcmp(k, "weight_precision")) {
      if (cJSON_IsString(it) && (!strcmp(it->valuestring, "float32") || !strcmp(it->valuestring, "float64"))) {
        c->f64 = !strcmp(it->valuestring, "float64");
      } else if (cJSON_IsString(it) && (!strcmp(it->valuestring, "bfloat16") || !strcmp(it->valuestring, "float16"))) {
        cfg_ignored(x, path, "xlc trains in float32 or float64");
      } else {
        drv_error("%s: %s: expected float32, float64, bfloat16 or float16", x->file, path);
        x->bad = 1;
      }
    } else if (!strcmp(k, "device")) {
      cfg_ignored(x, path, "device");
    } else if (!strcmp(k, "amp_precision") || !strcmp(k, "enable_mixed_precision")) {
      cfg_ignored(x, path, "dtype");
    } else {
      cfg_unknown(x, path);
    }
    free(path);
  }
  /* the schedule decays until the last step */
  if (until > 0 && until != (steps > 0 ? steps : (double)c->steps)) {
    drv_error("%s: training.lr_decay_until_steps (%.0f) must equal num_steps (%lld): xlc's cosine decays until the "
              "last step",
              x->file, until, (long long)(steps > 0 ? steps : (double)c->steps));
    x->bad = 1;
  }
}

static const char *const task_names[][2] = {{"parity", "parity"},         {"even_pairs", "evenpairs"},
                                            {"cycle_navigation", "cycle"}, {"modular_arithmetic", "modarith"},
                                            {"evenpairs", "evenpairs"},    {"cycle", "cycle"},
                                            {"modarith", "modarith"}};

/* subpar.validation / subpar.test: lengths of those splits */
static void cfg_subpar(cfgctx *x, trn_cfg *c, const cJSON *sp) {
  const cJSON *s;
  cJSON_ArrayForEach(s, sp) {
    char *path = xl_fmt("dataset.kwargs.subpar.%s", s->string);
    int test = !strcmp(s->string, "test"), val = !strcmp(s->string, "validation");
    if (!test && !val) {
      cfg_unknown(x, path);
    } else if (!cJSON_IsObject(s) && !cJSON_IsNull(s)) {
      drv_error("%s: %s: expected a mapping", x->file, path);
      x->bad = 1;
    } else if (val && !cJSON_IsNull(s)) {
      cfg_ignored(x, path, "xlc validates on the training lengths; the test split has the extrapolation lengths");
    } else {
      const cJSON *it;
      cJSON_ArrayForEach(it, s) {
        char *p2 = xl_fmt("%s.%s", path, it->string);
        double v;
        if (!strcmp(it->string, "min_sequence_length")) {
          if (!cfg_num(x, it, p2, 1, 1e6, 1, &v)) c->data.test_min_len = (int)v;
        } else if (!strcmp(it->string, "max_sequence_length")) {
          if (!cfg_num(x, it, p2, 1, 1e6, 1, &v)) c->data.test_max_len = (int)v;
        } else {
          cfg_unknown(x, p2);
        }
        free(p2);
      }
    }
    free(path);
  }
}

static void cfg_dataset(cfgctx *x, trn_cfg *c, const cJSON *d) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name"), *kw = cJSON_GetObjectItemCaseSensitive(d, "kwargs");
  const cJSON *it;
  cJSON_ArrayForEach(it, d) if (strcmp(it->string, "name") && strcmp(it->string, "kwargs")) {
    char *path = xl_fmt("dataset.%s", it->string);
    cfg_unknown(x, path);
    free(path);
  }
  if (!cJSON_IsString(name) || strcmp(name->valuestring, "form_language")) {
    drv_error("%s: dataset.name: %s%s%s is not supported (form_language: the formal-language tasks)", x->file,
              cJSON_IsString(name) ? "'" : "", cJSON_IsString(name) ? name->valuestring : "a missing name",
              cJSON_IsString(name) ? "'" : "");
    x->bad = 1;
    return;
  }
  if (!cJSON_IsObject(kw)) {
    drv_error("%s: dataset.kwargs: expected a mapping", x->file);
    x->bad = 1;
    return;
  }
  const cJSON *count = NULL;
  cJSON_ArrayForEach(it, kw) {
    const char *k = it->string;
    char *path = xl_fmt("dataset.kwargs.%s", k);
    double v = 0;
    if (!strcmp(k, "synth_lang_type")) {
      const char *task = NULL;
      for (size_t i = 0; cJSON_IsString(it) && i < sizeof task_names / sizeof task_names[0]; i++)
        if (!strcmp(it->valuestring, task_names[i][0])) task = task_names[i][1];
      if (!task) {
        drv_error("%s: %s: unknown task %s%s%s (parity, even_pairs, cycle_navigation, modular_arithmetic)", x->file,
                  path, cJSON_IsString(it) ? "'" : "", cJSON_IsString(it) ? it->valuestring : "(not a string)",
                  cJSON_IsString(it) ? "'" : "");
        x->bad = 1;
      } else {
        trn_set_str(&c->task, task);
      }
    } else if (!strcmp(k, "vocab_size")) {
      if (!cfg_num(x, it, path, 1, 1e9, 1, &v)) c->data.vocab = (int)v;
    } else if (!strcmp(k, "min_sequence_length")) {
      if (!cfg_num(x, it, path, 1, 1e6, 1, &v)) c->data.min_len = (int)v;
    } else if (!strcmp(k, "max_sequence_length")) {
      if (!cfg_num(x, it, path, 1, 1e6, 1, &v)) c->data.max_len = (int)v;
    } else if (!strcmp(k, "subpar")) {
      if (cJSON_IsObject(it)) cfg_subpar(x, c, it);
      else if (!cJSON_IsNull(it)) {
        drv_error("%s: %s: expected a mapping", x->file, path);
        x->bad = 1;
      }
    } else if (!strcmp(k, "count")) {
      count = it;
    } else if (!strcmp(k, "context_length")) {
      cfg_ignored(x, path, "xlc pads each batch to its longest row");
    } else if (!strcmp(k, "seed")) {
      cfg_ignored(x, path, "xlc draws the data from training.seed");
    } else if (!strcmp(k, "enable_mask")) {
      if (!cJSON_IsTrue(it)) {
        drv_error("%s: %s: only true is supported (the answer positions are scored)", x->file, path);
        x->bad = 1;
      }
    } else if (!strcmp(k, "shift") || !strcmp(k, "additional_prefix_tokens") ||
               !strcmp(k, "additional_suffix_tokens") || !strcmp(k, "additional_premask_tokens")) {
      double want = !strcmp(k, "shift"); /* next-token targets, no extra tokens: what xlc's tasks are */
      cfg_num(x, it, path, want, want, 1, &v);
    } else if (!strcmp(k, "batch_size")) {
      cfg_ignored(x, path, "training.batch_size is the batch");
    } else {
      cfg_unknown(x, path);
    }
    free(path);
  }
  /* sizes of the official fixed splits: validation/test batches of the trainer's batch size */
  if (cJSON_IsObject(count)) {
    cJSON_ArrayForEach(it, count) {
      char *path = xl_fmt("dataset.kwargs.count.%s", it->string);
      double v = 0;
      if (!strcmp(it->string, "train")) cfg_ignored(x, path, "xlc draws an unbounded stream of training batches");
      else if (!strcmp(it->string, "validation") || !strcmp(it->string, "test")) {
        if (!cfg_num(x, it, path, 1, 1e12, 1, &v)) {
          int nb = (int)fmin(1e6, ceil(v / c->batch));
          if (it->string[0] == 'v') c->eval_batches = nb;
          else c->test_batches = nb;
        }
      } else cfg_unknown(x, path);
      free(path);
    }
  } else if (count && !cJSON_IsNull(count)) {
    drv_error("%s: dataset.kwargs.count: expected a mapping", x->file);
    x->bad = 1;
  }
}

int trn_cfg_from_config(trn_cfg *c, const drv_config *conf, int positional_model) {
  cfgctx x = {conf->path, 0};
  if (!positional_model && !strcmp(conf->entry, "xlstm_large")) trn_set_str(&c->entry, "xlstm_large");
  for (int i = 0; i < conf->nsets; i++) trn_add_set(c, conf->sets[i]);
  if (conf->decay_embedding >= 0) c->decay_embedding = conf->decay_embedding;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(conf->root, "training"),
              *d = cJSON_GetObjectItemCaseSensitive(conf->root, "dataset");
  if (t && !cJSON_IsObject(t)) {
    drv_error("%s: training: is not a mapping", x.file);
    return -1;
  }
  if (d && !cJSON_IsObject(d)) {
    drv_error("%s: dataset: is not a mapping", x.file);
    return -1;
  }
  if (t) cfg_training(&x, c, t);
  if (d) cfg_dataset(&x, c, d);
  return x.bad ? -1 : 0;
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
  const char *config = NULL;
  for (int i = 0; i < a->opts.n; i++)
    if (!strcmp(a->opts.v[i].name, "config")) config = a->opts.v[i].val;
  if (ck.is_xlc && ckpt_meta(&ck, "trainer")) {
    if (config) drv_note("%s: the model comes from the checkpoint; --config %s ignored", path, config);
    if (trn_cfg_from_ckpt(c, &ck, path) != 0) rc = XLC_EXIT_USER;
    /* FILE ENTRY override the stored model (its settings stay): parameters matched by name and shape */
    if (rc == 0 && a->pos.n == 3) trn_set_model(c, a->pos.v[1], a->pos.v[2]);
  } else if (config) { /* the model: section only; --set (below) overrides it */
    drv_config conf;
    rc = drv_config_load(&conf, config, a->pos.n == 3 ? a->pos.v[1] : NULL, a->pos.n == 3 ? a->pos.v[2] : NULL);
    if (rc == 0) {
      char *lib = drv_stdlib_path();
      trn_set_model(c, a->pos.n == 3 ? a->pos.v[1] : lib, a->pos.n == 3 ? a->pos.v[2] : conf.entry);
      free(lib);
      for (int i = 0; i < conf.nsets; i++) trn_add_set(c, conf.sets[i]);
      drv_config_free(&conf);
    }
  } else if (a->pos.n == 3) {
    trn_set_model(c, a->pos.v[1], a->pos.v[2]);
  } else {
    drv_error("%s is a plain state dict (no xlc training metadata): give the model too, e.g. xlc %s %s "
              "stdlib/xlstm.xl xlstm_lm --set V=... --set E=...",
              path, cmd, path);
    rc = XLC_EXIT_USER;
  }
  if (rc == 0 && trn_cfg_from_args(c, a, 0) != 0) rc = XLC_EXIT_USER;
  if (rc == 0 && !strcmp(cmd, "generate") && mdl_entry_has_config(c->file, c->source, c->entry, "form"))
    trn_add_set(c, "form=recurrent"); /* decoding needs the step form; the parameters are the same */
  if (rc == 0) rc = trn_open_model(m, c, NULL, &ck, path);
  ckpt_free(&ck);
  return rc;
}
