/* official_config.c - official xLSTM configuration objects -> stdlib settings (see the header).
 *
 * One table per official dataclass: every field of it, with what xlc does with it. Field lists
 * follow xlstm's xLSTMLMModelConfig / xLSTMBlockStackConfig, mLSTMBlockConfig, mLSTMLayerConfig,
 * sLSTMBlockConfig, sLSTMLayerConfig (with sLSTMCellConfig), FeedForwardConfig (with
 * UpProjConfigMixin) and xlstm_large's xLSTMLargeConfig.
 */
#include "official_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl_util.h"



#define PRECISION "precision choice of the official kernels (xlc computes in the run's dtype)"
#define KERNEL "kernel choice of the official code (results are the same)"
#define DROPOUT "dropout is not implemented (training without dropout)"

static const ocfg_rule lm_rules[] = {
    {"mlstm_block", K_OBJ, 0, 0, 0},
    {"slstm_block", K_OBJ, 0, 0, 0},
    {"vocab_size", K_INT, "V", 0, 0},
    {"embedding_dim", K_INT, "E", 0, 0},
    {"num_blocks", K_INT, "L", 0, 0},
    {"slstm_at", K_OBJ, 0, 0, 0},
    {"context_length", K_OBJ, 0, 0, 0},
    {"add_post_blocks_norm", K_BOOL, "post_norm", 0, 0},
    {"bias", K_BOOL, "bias", 0, 0},
    {"tie_weights", K_BOOL, "tie", 0, 0},
    {"weight_decay_on_embedding", K_BOOL, "decay_embedding", 0, 0},
    {"dropout", K_IGNORE, 0, 0, DROPOUT},
    {"add_embedding_dropout", K_IGNORE, 0, 0, DROPOUT},
    {"_block_map", K_STACK, 0, 0, 0},
};
static const ocfg_rule mblock_rules[] = {
    {"mlstm", K_OBJ, 0, 0, 0},
    {"_num_blocks", K_STACK, 0, 0, 0},
    {"_block_idx", K_STACK, 0, 0, 0},
};
static const ocfg_rule mlayer_rules[] = {
    {"num_heads", K_INT, "mlstm_NH", 0, 0},
    {"conv1d_kernel_size", K_INT, "mlstm_K", 0, 0},
    {"qkv_proj_blocksize", K_INT, "qkv_block", 0, 0},
    {"proj_factor", K_NUM, "mlstm_pf", 0, 0},
    {"round_proj_up_dim_up", K_BOOL, "mlstm_round_up", 0, 0},
    {"round_proj_up_to_multiple_of", K_INT, "mlstm_round", 0, 0},
    {"embedding_dim", K_STACK, 0, 0, 0},
    {"bias", K_STACK, 0, 0, 0},
    {"context_length", K_STACK, 0, 0, 0},
    {"_num_blocks", K_STACK, 0, 0, 0},
    {"_inner_embedding_dim", K_STACK, 0, 0, 0},
    {"_proj_up_dim", K_STACK, 0, 0, 0},
    {"dropout", K_IGNORE, 0, 0, DROPOUT},
};
static const ocfg_rule sblock_rules[] = {
    {"slstm", K_OBJ, 0, 0, 0},
    {"feedforward", K_OBJ, 0, 0, 0},
    {"_num_blocks", K_STACK, 0, 0, 0},
    {"_block_idx", K_STACK, 0, 0, 0},
};
static const ocfg_rule slayer_rules[] = {
    {"num_heads", K_INT, "slstm_NH", 0, 0},
    {"conv1d_kernel_size", K_INT, "slstm_K", 0, 0},
    {"bias_init", K_STR, "slstm_bias_init", "|powerlaw_blockdependent|zeros|standard|small_init|", 0},
    {"recurrent_weight_init", K_STR, "slstm_rec_init", "|zeros|standard|", 0},
    {"group_norm_weight", K_BOOL, "slstm_gn_weight", 0, 0},
    {"embedding_dim", K_STACK, 0, 0, 0},
    {"hidden_size", K_STACK, 0, 0, 0},
    {"_block_idx", K_STACK, 0, 0, 0},
    {"_num_blocks", K_STACK, 0, 0, 0},
    {"dropout", K_IGNORE, 0, 0, DROPOUT},
    {"backend", K_IGNORE, 0, 0, KERNEL},
    {"batch_size", K_IGNORE, 0, 0, "kernel tuning hint of the official CUDA backend"},
    {"input_shape", K_IGNORE, 0, 0, "internal layout of the official kernels"},
    {"internal_input_shape", K_IGNORE, 0, 0, "internal layout of the official kernels"},
    {"output_shape", K_IGNORE, 0, 0, "internal layout of the official kernels"},
    {"constants", K_IGNORE, 0, 0, "compiler constants of the official CUDA backend"},
    {"dtype", K_IGNORE, 0, 0, PRECISION},
    {"dtype_b", K_IGNORE, 0, 0, PRECISION},
    {"dtype_r", K_IGNORE, 0, 0, PRECISION},
    {"dtype_w", K_IGNORE, 0, 0, PRECISION},
    {"dtype_g", K_IGNORE, 0, 0, PRECISION},
    {"dtype_s", K_IGNORE, 0, 0, PRECISION},
    {"dtype_a", K_IGNORE, 0, 0, PRECISION},
    {"enable_automatic_mixed_precision", K_IGNORE, 0, 0, PRECISION},
    {"function", K_MUST, 0, "\"slstm\"", "only the sLSTM cell function is supported"},
    {"num_states", K_MUST, 0, "4", "the sLSTM has 4 states"},
    {"num_gates", K_MUST, 0, "4", "the sLSTM has 4 gates"},
    {"initial_val", K_MUST, 0, "0", "states start at 0"},
    {"gradient_recurrent_cut", K_MUST, 0, "false", "gradient cuts are not supported"},
    {"gradient_recurrent_clipval", K_MUST, 0, "null", "gradient clipping inside the cell is not supported"},
    {"forward_clipval", K_MUST, 0, "null", "forward clipping inside the cell is not supported"},
};
static const ocfg_rule ffn_rules[] = {
    {"proj_factor", K_NUM, "ffn_pf", 0, 0},
    {"act_fn", K_STR, "ffn_act", "|gelu|relu|relu^2|sigmoid|swish|selu|", 0},
    {"bias", K_BOOL, "ffn_bias", 0, 0},
    {"round_proj_up_dim_up", K_BOOL, "ffn_round_up", 0, 0},
    {"round_proj_up_to_multiple_of", K_INT, "ffn_round", 0, 0},
    {"ff_type", K_MUST, 0, "\"ffn_gated\"", "the official code has only the gated feed-forward"},
    {"embedding_dim", K_STACK, 0, 0, 0},
    {"_num_blocks", K_STACK, 0, 0, 0},
    {"_proj_up_dim", K_STACK, 0, 0, 0},
    {"dropout", K_IGNORE, 0, 0, DROPOUT},
};
static const ocfg_rule large_rules[] = {
    {"embedding_dim", K_INT, "E", 0, 0},
    {"num_heads", K_INT, "NH", 0, 0},
    {"num_blocks", K_INT, "L", 0, 0},
    {"vocab_size", K_INT, "V", 0, 0},
    {"use_bias", K_BOOL, "bias", 0, 0},
    {"norm_eps", K_NUM, "norm_eps", 0, 0},
    {"add_out_norm", K_BOOL, "out_norm", 0, 0},
    {"qk_dim_factor", K_NUM, "qk_factor", 0, 0},
    {"v_dim_factor", K_NUM, "v_factor", 0, 0},
    {"eps", K_NUM, "eps", 0, 0},
    {"ffn_proj_factor", K_NUM, "ffn_pf", 0, 0},
    {"ffn_round_up_to_multiple_of", K_INT, "ffn_round", 0, 0},
    {"gate_soft_cap", K_NUM, "gate_cap", 0, 0},
    {"output_logit_soft_cap", K_NUM, "logit_cap", 0, 0},
    {"weight_mode", K_STR, "weight_mode", "|single|fused|", 0},
    {"norm_reduction_force_float32", K_IGNORE, 0, 0, PRECISION},
    {"chunkwise_kernel", K_IGNORE, 0, 0, KERNEL},
    {"sequence_kernel", K_IGNORE, 0, 0, KERNEL},
    {"step_kernel", K_IGNORE, 0, 0, KERNEL},
    {"mode", K_IGNORE, 0, 0, KERNEL},
    {"chunk_size", K_IGNORE, 0, 0, KERNEL},
    {"return_last_states", K_IGNORE, 0, 0, "xlc always returns the final states"},
    {"autocast_kernel_dtype", K_IGNORE, 0, 0, PRECISION},
    {"inference_state_dtype", K_IGNORE, 0, 0, PRECISION},
};
#define NRULES(t) (int)(sizeof t / sizeof t[0])

void ocfg_out_init(ocfg_out *o) {
  memset(o, 0, sizeof *o);
  o->context_length = -1;
}

void ocfg_out_free(ocfg_out *o) {
  for (int i = 0; i < o->n; i++) free(o->kv[i]);
  for (int i = 0; i < o->nign; i++) free(o->ignored[i]);
  free(o->kv);
  free(o->ignored);
  ocfg_out_init(o);
}

static void push(char ***v, int *n, int *cap, char *s) {
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 16;
    *v = realloc(*v, sizeof **v * (size_t)*cap);
    if (!*v) abort();
  }
  (*v)[(*n)++] = s;
}

/* a later setting of the same key replaces the earlier one */
static void set_kv(ocfg_out *o, const char *k, char *kv) {
  size_t n = strlen(k);
  for (int i = 0; i < o->n; i++)
    if (!strncmp(o->kv[i], k, n) && o->kv[i][n] == '=') {
      free(o->kv[i]);
      o->kv[i] = kv;
      return;
    }
  push(&o->kv, &o->n, &o->cap, kv);
}

static const ocfg_rule *find_rule(const ocfg_rule *r, int n, const char *key) {
  for (int i = 0; i < n; i++)
    if (!strcmp(r[i].key, key)) return &r[i];
  return NULL;
}

static int fail(char **err, const char *where, const char *key, const char *fmt, const char *a) {
  char *m = xl_fmt(fmt, a);
  *err = xl_fmt("%s.%s: %s", where, key, m);
  free(m);
  return -1;
}

static int is_int(const cJSON *v) {
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
         fabs(v->valuedouble) < 9e15;
}

/* value of JSON literal `lit` equals v */
static int equals_literal(const cJSON *v, const char *lit) {
  if (!strcmp(lit, "null")) return cJSON_IsNull(v);
  if (!strcmp(lit, "false")) return cJSON_IsFalse(v);
  if (!strcmp(lit, "true")) return cJSON_IsTrue(v);
  if (lit[0] == '"') return cJSON_IsString(v) && strlen(v->valuestring) == strlen(lit) - 2 &&
                            !strncmp(v->valuestring, lit + 1, strlen(lit) - 2);
  return cJSON_IsNumber(v) && v->valuedouble == atof(lit);
}

/* one key of an object under `rules`; K_OBJ keys are left to the caller */
static int map_key(const cJSON *v, const ocfg_rule *r, const char *where, ocfg_out *o, char **err) {
  const char *k = v->string;
  switch (r->kind) {
  case K_INT:
    if (!is_int(v)) return fail(err, where, k, "must be an integer%s", "");
    set_kv(o, r->setting, xl_fmt("%s=%lld", r->setting, (long long)v->valuedouble));
    return 0;
  case K_NUM:
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return fail(err, where, k, "must be a number%s", "");
    set_kv(o, r->setting, is_int(v) ? xl_fmt("%s=%lld.0", r->setting, (long long)v->valuedouble)
                                    : xl_fmt("%s=%.17g", r->setting, v->valuedouble));
    return 0;
  case K_BOOL:
    if (!cJSON_IsBool(v)) return fail(err, where, k, "must be true or false%s", "");
    set_kv(o, r->setting, xl_fmt("%s=%s", r->setting, cJSON_IsTrue(v) ? "true" : "false"));
    return 0;
  case K_STR: {
    if (!cJSON_IsString(v)) return fail(err, where, k, "must be a string%s", "");
    char *probe = xl_fmt("|%s|", v->valuestring);
    int ok = !r->allowed || strstr(r->allowed, probe);
    free(probe);
    if (!ok) return fail(err, where, k, "must be one of %s", r->allowed);
    set_kv(o, r->setting, xl_fmt("%s=%s", r->setting, v->valuestring));
    return 0;
  }
  case K_IGNORE:
    push(&o->ignored, &o->nign, &o->capign, xl_fmt("%s.%s (%s)", where, k, r->why));
    return 0;
  case K_STACK:
  case K_INFO: return 0;
  case K_WORD: { /* the first word of a descriptive string ("gelu (exact erf)") */
    if (!cJSON_IsString(v)) return fail(err, where, k, "must be a string%s", "");
    char word[64];
    if (sscanf(v->valuestring, "%63s", word) != 1) word[0] = 0;
    char *probe = xl_fmt("|%s|", word);
    int ok = !r->allowed || strstr(r->allowed, probe);
    free(probe);
    if (!ok) return fail(err, where, k, "must be one of %s", r->allowed);
    set_kv(o, r->setting, xl_fmt("%s=%s", r->setting, word));
    return 0;
  }
  case K_MUST:
    if (!equals_literal(v, r->allowed)) {
      char *m = xl_fmt("must be %s: %s", r->allowed, r->why);
      *err = xl_fmt("%s.%s: %s", where, k, m);
      free(m);
      return -1;
    }
    return 0;
  case K_OBJ: return 0;
  }
  return 0;
}

/* every key of obj under rules (K_OBJ keys skipped) */
int ocfg_map_object(const cJSON *obj, const ocfg_rule *rules, int nrules, const char *where, ocfg_out *o,
                    char **err) {
  if (!cJSON_IsObject(obj)) {
    *err = xl_fmt("%s: must be a mapping of configuration keys", where);
    return -1;
  }
  const cJSON *v;
  cJSON_ArrayForEach(v, obj) {
    const ocfg_rule *r = find_rule(rules, nrules, v->string);
    if (!r) return fail(err, where, v->string, "unknown key%s", "");
    if (map_key(v, r, where, o, err)) return -1;
  }
  return 0;
}

static const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* a sub-object that may be absent or null: 0 absent/null, 1 present (an object), -1 error */
static int sub(const cJSON *o, const char *k, const char *where, const cJSON **out, char **err) {
  *out = item(o, k);
  if (!*out || cJSON_IsNull(*out)) return 0;
  if (!cJSON_IsObject(*out)) return fail(err, where, k, "must be a mapping or null%s", "");
  return 1;
}

int ocfg_map_lm(const cJSON *model, const char *where, ocfg_out *o, char **err) {
  *err = NULL;
  if (ocfg_map_object(model, lm_rules, NRULES(lm_rules), where, o, err)) return -1;
  const cJSON *mb, *sb, *ml = NULL, *sl = NULL, *ff = NULL;
  int has_m = sub(model, "mlstm_block", where, &mb, err), has_s = sub(model, "slstm_block", where, &sb, err);
  if (has_m < 0 || has_s < 0) return -1;
  char *w = NULL;
  int rc = 0;
  if (has_m) {
    w = xl_fmt("%s.mlstm_block", where);
    rc = ocfg_map_object(mb, mblock_rules, NRULES(mblock_rules), w, o, err);
    if (!rc && sub(mb, "mlstm", w, &ml, err) > 0) {
      char *w2 = xl_fmt("%s.mlstm", w);
      rc = ocfg_map_object(ml, mlayer_rules, NRULES(mlayer_rules), w2, o, err);
      free(w2);
    }
    if (*err) rc = -1;
    free(w);
  }
  if (!rc && has_s) {
    w = xl_fmt("%s.slstm_block", where);
    rc = ocfg_map_object(sb, sblock_rules, NRULES(sblock_rules), w, o, err);
    if (!rc && sub(sb, "slstm", w, &sl, err) > 0) {
      char *w2 = xl_fmt("%s.slstm", w);
      rc = ocfg_map_object(sl, slayer_rules, NRULES(slayer_rules), w2, o, err);
      free(w2);
    }
    /* sLSTMBlockConfig's feedforward defaults to FeedForwardConfig(); null means none */
    const cJSON *fv = item(sb, "feedforward");
    if (!rc && !*err && fv && cJSON_IsNull(fv)) set_kv(o, "ffn", xl_fmt("ffn=false"));
    if (!rc && !*err && sub(sb, "feedforward", w, &ff, err) > 0) {
      char *w2 = xl_fmt("%s.feedforward", w);
      rc = ocfg_map_object(ff, ffn_rules, NRULES(ffn_rules), w2, o, err);
      free(w2);
    }
    if (*err) rc = -1;
    free(w);
  }
  if (rc) return -1;
  /* slstm_at: a list of block indices or "all"; no mlstm_block means every block is an sLSTM block */
  const cJSON *at = item(model, "slstm_at");
  if (!has_m || (at && cJSON_IsString(at) && !strcmp(at->valuestring, "all"))) {
    set_kv(o, "slstm_at", xl_fmt("slstm_at=all"));
  } else if (at && !cJSON_IsNull(at)) {
    if (!cJSON_IsArray(at)) return fail(err, where, "slstm_at", "must be a list of block indices or \"all\"%s", "");
    char *s = xl_fmt("slstm_at=[");
    const cJSON *e;
    int first = 1;
    cJSON_ArrayForEach(e, at) {
      if (!is_int(e) || e->valuedouble < 0) {
        free(s);
        return fail(err, where, "slstm_at", "must hold block indices (integers >= 0)%s", "");
      }
      char *t = xl_fmt("%s%s%lld", s, first ? "" : ",", (long long)e->valuedouble);
      free(s);
      s = t;
      first = 0;
    }
    char *t = xl_fmt("%s]", s);
    free(s);
    set_kv(o, "slstm_at", t);
    if (!first && !has_s) return fail(err, where, "slstm_at", "lists sLSTM blocks but there is no slstm_block%s", "");
  } else {
    set_kv(o, "slstm_at", xl_fmt("slstm_at=[]"));
  }
  if (!has_m && !has_s) return fail(err, where, "mlstm_block", "and slstm_block are both missing%s", "");
  const cJSON *cl = item(model, "context_length");
  if (cl && !cJSON_IsNull(cl)) {
    if (!is_int(cl)) return fail(err, where, "context_length", "must be an integer%s", "");
    o->context_length = (long long)cl->valuedouble;
  }
  return 0;
}

int ocfg_map_large(const cJSON *model, const char *where, ocfg_out *o, char **err) {
  *err = NULL;
  return ocfg_map_object(model, large_rules, NRULES(large_rules), where, o, err);
}

int ocfg_is_large(const cJSON *model) {
  return item(model, "num_heads") && !item(model, "mlstm_block") && !item(model, "slstm_block") &&
         !item(model, "slstm_at");
}
