/* official_config.c - official model configurations -> settings of xlstm_lm / xlstm_large
 * (see official_config.h). One table per official dataclass: each key is mapped to a setting,
 * ignored with a reason, or descends into a sub-configuration; every other key is refused.
 * Values are type-checked here; ranges are the entry's business (its lowering reports them).
 */
#include "official_config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xl_util.h"

void ocfg_out_free(ocfg_out *o) {
  for (int i = 0; i < o->n; i++) free(o->kv[i]);
  for (int i = 0; i < o->nign; i++) free(o->ignored[i]);
  free(o->kv);
  free(o->ignored);
  memset(o, 0, sizeof *o);
}

static void push(char ***v, int *n, int *cap, char *s) {
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 16;
    *v = xl_realloc(*v, sizeof(char *) * (size_t)*cap);
  }
  (*v)[(*n)++] = s;
}

static void add_kv(ocfg_out *o, char *kv) { push(&o->kv, &o->n, &o->cap, kv); }

typedef enum {
  K_INT,   /* integer */
  K_FLOAT, /* number, written with a decimal point */
  K_BOOL,
  K_STR,    /* string (one of `choices` if given) */
  K_IGNORE, /* accepted, listed as ignored with `set` as the reason */
  K_SPECIAL /* handled by the caller */
} kind;

typedef struct {
  const char *key;
  kind k;
  const char *set; /* setting name; for K_IGNORE the reason */
  const char *choices; /* K_STR: "a|b|c" or NULL */
} field;

static char *num_text(double v, int as_float) {
  if (v == floor(v) && fabs(v) < 1e15) return xl_fmt(as_float ? "%.1f" : "%.0f", v);
  char *s = xl_fmt("%.15g", v);
  if (strtod(s, NULL) != v) {
    free(s);
    s = xl_fmt("%.17g", v);
  }
  return s;
}

static int in_choices(const char *s, const char *choices) {
  size_t l = strlen(s);
  for (const char *p = choices; *p;) {
    const char *e = strchr(p, '|');
    size_t m = e ? (size_t)(e - p) : strlen(p);
    if (m == l && !strncmp(p, s, l)) return 1;
    p = e ? e + 1 : p + m;
  }
  return 0;
}

static const char *type_name(const cJSON *v) {
  return cJSON_IsNull(v)     ? "null"
         : cJSON_IsBool(v)   ? "a boolean"
         : cJSON_IsNumber(v) ? "a number"
         : cJSON_IsString(v) ? "a string"
         : cJSON_IsArray(v)  ? "a list"
                             : "a mapping";
}

/* Maps one value by its field; returns 0 or -1 with *err. */
static int map_field(const field *f, const cJSON *v, const char *path, ocfg_out *o, char **err) {
  switch (f->k) {
  case K_IGNORE:
    push(&o->ignored, &o->nign, &o->capign, xl_fmt("%s (%s)", path, f->set));
    return 0;
  case K_INT:
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e15) {
      *err = xl_fmt("%s: expected an integer, got %s", path, type_name(v));
      return -1;
    }
    add_kv(o, xl_fmt("%s=%.0f", f->set, v->valuedouble));
    return 0;
  case K_FLOAT:
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
      *err = xl_fmt("%s: expected a finite number, got %s", path, type_name(v));
      return -1;
    } else {
      char *t = num_text(v->valuedouble, 1);
      add_kv(o, xl_fmt("%s=%s", f->set, t));
      free(t);
    }
    return 0;
  case K_BOOL:
    if (!cJSON_IsBool(v)) {
      *err = xl_fmt("%s: expected true or false, got %s", path, type_name(v));
      return -1;
    }
    add_kv(o, xl_fmt("%s=%s", f->set, cJSON_IsTrue(v) ? "true" : "false"));
    return 0;
  case K_STR:
    if (!cJSON_IsString(v)) {
      *err = xl_fmt("%s: expected a string, got %s", path, type_name(v));
      return -1;
    }
    if (f->choices && !in_choices(v->valuestring, f->choices)) {
      *err = xl_fmt("%s: '%s' is not supported (expected one of %s)", path, v->valuestring, f->choices);
      return -1;
    }
    if (f->set) add_kv(o, xl_fmt("%s=%s", f->set, v->valuestring));
    return 0;
  case K_SPECIAL:
    break;
  }
  return 0;
}

static const field *find_field(const field *t, const char *key) {
  for (; t->key; t++)
    if (!strcmp(t->key, key)) return t;
  return NULL;
}

static int unknown(const char *path, const field *t, char **err) {
  char *known = xl_strdup("");
  for (; t->key; t++) {
    if (t->key[0] == '_') continue;
    char *s = xl_fmt("%s%s%s", known, *known ? ", " : "", t->key);
    free(known);
    known = s;
  }
  *err = xl_fmt("%s: unknown key (known: %s)", path, known);
  free(known);
  return -1;
}

/* Maps every key of object `obj` (at `where`) by table t; K_SPECIAL keys go to `special`. */
typedef int (*special_fn)(const char *key, const cJSON *v, const char *path, ocfg_out *o, char **err, void *ud);

static int map_object(const cJSON *obj, const char *where, const field *t, ocfg_out *o, char **err, special_fn sp,
                      void *ud) {
  if (!cJSON_IsObject(obj)) {
    *err = xl_fmt("%s: expected a mapping, got %s", where, type_name(obj));
    return -1;
  }
  const cJSON *it;
  cJSON_ArrayForEach(it, obj) {
    char *path = xl_fmt("%s.%s", where, it->string);
    const field *f = find_field(t, it->string);
    int rc = !f ? unknown(path, t, err) : f->k == K_SPECIAL ? sp(it->string, it, path, o, err, ud)
                                                            : map_field(f, it, path, o, err);
    free(path);
    if (rc) return -1;
  }
  return 0;
}

/* ---- xLSTMLMModelConfig ---- */

static const field mlstm_layer[] = {
    {"conv1d_kernel_size", K_INT, "mlstm_K", NULL},
    {"qkv_proj_blocksize", K_INT, "qkv_block", NULL},
    {"num_heads", K_INT, "mlstm_NH", NULL},
    {"proj_factor", K_FLOAT, "mlstm_pf", NULL},
    {"round_proj_up_dim_up", K_BOOL, "mlstm_round_up", NULL},
    {"round_proj_up_to_multiple_of", K_INT, "mlstm_round", NULL},
    {"embedding_dim", K_IGNORE, "set from the top level", NULL},
    {"bias", K_IGNORE, "set from the top level", NULL},
    {"context_length", K_IGNORE, "set from the top level", NULL},
    {"dropout", K_IGNORE, "dropout", NULL},
    {"_num_blocks", K_IGNORE, "set from the top level", NULL},
    {"_inner_embedding_dim", K_IGNORE, "derived", NULL},
    {"_proj_up_dim", K_IGNORE, "derived", NULL},
    {NULL, 0, NULL, NULL}};

static const field slstm_layer[] = {
    {"num_heads", K_INT, "slstm_NH", NULL},
    {"conv1d_kernel_size", K_INT, "slstm_K", NULL},
    {"bias_init", K_STR, "slstm_bias_init", "powerlaw_blockdependent|small_init|standard|zeros"},
    {"recurrent_weight_init", K_STR, "slstm_rec_init", "zeros|standard"},
    {"group_norm_weight", K_BOOL, "slstm_gn_weight", NULL},
    {"function", K_STR, NULL, "slstm"},
    {"backend", K_IGNORE, "kernel backend choice", NULL},
    {"batch_size", K_IGNORE, "kernel backend choice", NULL},
    {"input_shape", K_IGNORE, "kernel backend choice", NULL},
    {"internal_input_shape", K_IGNORE, "kernel backend choice", NULL},
    {"output_shape", K_IGNORE, "kernel backend choice", NULL},
    {"constants", K_IGNORE, "kernel backend choice", NULL},
    {"gradient_recurrent_cut", K_IGNORE, "CUDA kernel option", NULL},
    {"gradient_recurrent_clipval", K_IGNORE, "CUDA kernel option", NULL},
    {"forward_clipval", K_IGNORE, "CUDA kernel option", NULL},
    {"dtype", K_IGNORE, "dtype", NULL},
    {"dtype_b", K_IGNORE, "dtype", NULL},
    {"dtype_r", K_IGNORE, "dtype", NULL},
    {"dtype_w", K_IGNORE, "dtype", NULL},
    {"dtype_g", K_IGNORE, "dtype", NULL},
    {"dtype_s", K_IGNORE, "dtype", NULL},
    {"dtype_a", K_IGNORE, "dtype", NULL},
    {"enable_automatic_mixed_precision", K_IGNORE, "dtype", NULL},
    {"dropout", K_IGNORE, "dropout", NULL},
    {"embedding_dim", K_IGNORE, "set from the top level", NULL},
    {"hidden_size", K_IGNORE, "set from the top level", NULL},
    {"num_states", K_IGNORE, "derived", NULL},
    {"num_gates", K_IGNORE, "derived", NULL},
    {"initial_val", K_IGNORE, "derived", NULL},
    {"_block_idx", K_IGNORE, "set from the top level", NULL},
    {"_num_blocks", K_IGNORE, "set from the top level", NULL},
    {NULL, 0, NULL, NULL}};

static const field feedforward[] = {
    {"proj_factor", K_FLOAT, "ffn_pf", NULL},
    {"act_fn", K_STR, "ffn_act", "gelu|relu|relu^2|sigmoid|swish|selu"},
    {"bias", K_BOOL, "ffn_bias", NULL},
    {"round_proj_up_dim_up", K_BOOL, "ffn_round_up", NULL},
    {"round_proj_up_to_multiple_of", K_INT, "ffn_round", NULL},
    {"ff_type", K_STR, NULL, "ffn_gated"},
    {"dropout", K_IGNORE, "dropout", NULL},
    {"embedding_dim", K_IGNORE, "set from the top level", NULL},
    {"_num_blocks", K_IGNORE, "set from the top level", NULL},
    {"_proj_up_dim", K_IGNORE, "derived", NULL},
    {NULL, 0, NULL, NULL}};

static const field mlstm_block[] = {{"mlstm", K_SPECIAL, NULL, NULL},
                                    {"_num_blocks", K_IGNORE, "set from the top level", NULL},
                                    {"_block_idx", K_IGNORE, "set from the top level", NULL},
                                    {NULL, 0, NULL, NULL}};

static const field slstm_block[] = {{"slstm", K_SPECIAL, NULL, NULL},
                                    {"feedforward", K_SPECIAL, NULL, NULL},
                                    {"_num_blocks", K_IGNORE, "set from the top level", NULL},
                                    {"_block_idx", K_IGNORE, "set from the top level", NULL},
                                    {NULL, 0, NULL, NULL}};

static const field lm_model[] = {
    {"vocab_size", K_INT, "V", NULL},
    {"embedding_dim", K_INT, "E", NULL},
    {"num_blocks", K_INT, "L", NULL},
    {"slstm_at", K_SPECIAL, NULL, NULL},
    {"mlstm_block", K_SPECIAL, NULL, NULL},
    {"slstm_block", K_SPECIAL, NULL, NULL},
    {"context_length", K_SPECIAL, NULL, NULL},
    {"add_post_blocks_norm", K_BOOL, "post_norm", NULL},
    {"bias", K_BOOL, "bias", NULL},
    {"tie_weights", K_BOOL, "tie", NULL},
    {"weight_decay_on_embedding", K_BOOL, "decay_embedding", NULL},
    {"dropout", K_IGNORE, "dropout", NULL},
    {"add_embedding_dropout", K_IGNORE, "dropout", NULL},
    {"_block_map", K_IGNORE, "derived", NULL},
    {NULL, 0, NULL, NULL}};

static int lm_special(const char *key, const cJSON *v, const char *path, ocfg_out *o, char **err, void *ud);

static int sub_special(const char *key, const cJSON *v, const char *path, ocfg_out *o, char **err, void *ud) {
  (void)ud;
  if (!strcmp(key, "mlstm")) return cJSON_IsNull(v) ? 0 : map_object(v, path, mlstm_layer, o, err, NULL, NULL);
  if (!strcmp(key, "slstm")) return cJSON_IsNull(v) ? 0 : map_object(v, path, slstm_layer, o, err, NULL, NULL);
  /* feedforward: null = sLSTM blocks without the gated feed-forward */
  add_kv(o, xl_strdup(cJSON_IsNull(v) ? "ffn=false" : "ffn=true"));
  return cJSON_IsNull(v) ? 0 : map_object(v, path, feedforward, o, err, NULL, NULL);
}

static int lm_special(const char *key, const cJSON *v, const char *path, ocfg_out *o, char **err, void *ud) {
  (void)ud;
  if (!strcmp(key, "context_length")) { /* the default sequence length of a run, not a setting */
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) {
      *err = xl_fmt("%s: expected an integer, got %s", path, type_name(v));
      return -1;
    }
    return 0;
  }
  if (!strcmp(key, "slstm_at")) {
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "all")) {
      add_kv(o, xl_strdup("slstm_at=all"));
      return 0;
    }
    if (!cJSON_IsArray(v)) {
      *err = xl_fmt("%s: expected a list of block indices or \"all\", got %s", path, type_name(v));
      return -1;
    }
    char *s = xl_strdup("slstm_at=[");
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, v) {
      if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) || it->valuedouble < 0 ||
          it->valuedouble > 1e6) {
        *err = xl_fmt("%s.%d: expected a block index (an integer >= 0), got %s", path, i, type_name(it));
        free(s);
        return -1;
      }
      char *t = xl_fmt("%s%s%.0f", s, i ? "," : "", it->valuedouble);
      free(s);
      s = t;
      i++;
    }
    char *t = xl_fmt("%s]", s);
    free(s);
    add_kv(o, t);
    return 0;
  }
  if (cJSON_IsNull(v)) return 0; /* mlstm_block / slstm_block: null = that block kind's defaults */
  return map_object(v, path, !strcmp(key, "mlstm_block") ? mlstm_block : slstm_block, o, err, sub_special, NULL);
}

int ocfg_map_lm(const cJSON *model, const char *where, ocfg_out *o, char **err) {
  *err = NULL;
  /* "all": every block an sLSTM block; needs L */
  int rc = map_object(model, where, lm_model, o, err, lm_special, NULL);
  if (rc) return rc;
  for (int i = 0; i < o->n; i++)
    if (!strcmp(o->kv[i], "slstm_at=all")) {
      const cJSON *nb = cJSON_GetObjectItemCaseSensitive(model, "num_blocks");
      int L = cJSON_IsNumber(nb) ? (int)nb->valuedouble : 1; /* the official default */
      char *s = xl_strdup("slstm_at=[");
      for (int b = 0; b < L; b++) {
        char *t = xl_fmt("%s%s%d", s, b ? "," : "", b);
        free(s);
        s = t;
      }
      free(o->kv[i]);
      o->kv[i] = xl_fmt("%s]", s);
      free(s);
    }
  return 0;
}

/* ---- xLSTMLargeConfig ---- */

static const field large_model[] = {
    {"vocab_size", K_INT, "V", NULL},
    {"embedding_dim", K_INT, "E", NULL},
    {"num_heads", K_INT, "NH", NULL},
    {"num_blocks", K_INT, "L", NULL},
    {"qk_dim_factor", K_FLOAT, "qk_factor", NULL},
    {"v_dim_factor", K_FLOAT, "v_factor", NULL},
    {"ffn_proj_factor", K_FLOAT, "ffn_pf", NULL},
    {"ffn_round_up_to_multiple_of", K_INT, "ffn_round", NULL},
    {"gate_soft_cap", K_FLOAT, "gate_cap", NULL},
    {"output_logit_soft_cap", K_FLOAT, "logit_cap", NULL},
    {"eps", K_FLOAT, "eps", NULL},
    {"norm_eps", K_FLOAT, "norm_eps", NULL},
    {"use_bias", K_BOOL, "bias", NULL},
    {"add_out_norm", K_BOOL, "out_norm", NULL},
    {"weight_mode", K_STR, NULL, "single"},
    {"norm_reduction_force_float32", K_IGNORE, "dtype", NULL},
    {"autocast_kernel_dtype", K_IGNORE, "dtype", NULL},
    {"inference_state_dtype", K_IGNORE, "dtype", NULL},
    {"chunkwise_kernel", K_IGNORE, "kernel backend choice", NULL},
    {"sequence_kernel", K_IGNORE, "kernel backend choice", NULL},
    {"step_kernel", K_IGNORE, "kernel backend choice", NULL},
    {"mode", K_IGNORE, "kernel backend choice", NULL},
    {"chunk_size", K_IGNORE, "kernel backend choice", NULL},
    {"return_last_states", K_IGNORE, "xlc always returns the final states", NULL},
    {"context_length", K_SPECIAL, NULL, NULL},
    {NULL, 0, NULL, NULL}};

int ocfg_map_large(const cJSON *model, const char *where, ocfg_out *o, char **err) {
  *err = NULL;
  return map_object(model, where, large_model, o, err, lm_special, NULL);
}

int ocfg_is_large(const cJSON *model) {
  return cJSON_GetObjectItemCaseSensitive(model, "num_heads") &&
         !cJSON_GetObjectItemCaseSensitive(model, "mlstm_block") &&
         !cJSON_GetObjectItemCaseSensitive(model, "slstm_block") &&
         !cJSON_GetObjectItemCaseSensitive(model, "slstm_at");
}
