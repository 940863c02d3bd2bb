/* official_config.h - the official xLSTM model configurations mapped onto stdlib settings.
 *
 * Input: a cJSON object in the layout of the official dataclasses (xlstm's
 * xLSTMLMModelConfig with mlstm_block.mlstm.*, slstm_block.slstm.*, slstm_block.feedforward.*,
 * or xlstm_large's xLSTMLargeConfig). Output: "K=V" settings of the stdlib entry (xlstm_lm /
 * xlstm_large: the --set names of docs/stdlib.md) and the keys accepted but ignored (dropout,
 * kernel backends, dtypes, devices), each with its reason. Every key is either mapped,
 * checked, or ignored with a reason; anything else is an error naming the key path.
 * Used by `--config FILE` (config_file.c) and `xlc refcheck` (refcheck_cases.c).
 */
#ifndef XLC_OFFICIAL_CONFIG_H
#define XLC_OFFICIAL_CONFIG_H

#include <cjson/cJSON.h>

typedef struct {
  char **kv;            /* "K=V" settings, owned */
  int n, cap;
  char **ignored;       /* "path (reason)", owned */
  int nign, capign;
  long long context_length; /* the model's context_length, -1 if not given */
} ocfg_out;

typedef enum {
  K_INT,     /* integer -> setting */
  K_NUM,     /* number -> setting */
  K_BOOL,    /* boolean -> setting */
  K_STR,     /* string -> setting (checked against `allowed` when given) */
  K_IGNORE,  /* accepted, reported as ignored with `why` */
  K_STACK,   /* set by the enclosing stack in the official code: accepted, its value unused */
  K_MUST,    /* must equal `allowed` (a JSON literal: 4, "slstm", false, null) */
  K_OBJ,     /* a nested config object, handled by the caller */
  K_INFO,    /* a description or a derived size (checked through the tensors' shapes): accepted */
  K_WORD,    /* the first word of a string -> setting (checked against `allowed`) */
} ocfg_kind;

typedef struct {
  const char *key;
  ocfg_kind kind;
  const char *setting; /* K_INT..K_STR: the stdlib setting */
  const char *allowed; /* K_STR: "|a|b|" allowed values; K_MUST: the required JSON value */
  const char *why;     /* K_IGNORE / K_MUST: the reason */
} ocfg_rule;

/* every key of obj under rules (K_OBJ keys are left to the caller); an unknown key is an error */
int ocfg_map_object(const cJSON *obj, const ocfg_rule *rules, int nrules, const char *where, ocfg_out *o, char **err);

void ocfg_out_init(ocfg_out *o);
void ocfg_out_free(ocfg_out *o);

/* xLSTMLMModelConfig -> xlstm_lm settings. `where` prefixes key paths in messages ("model").
   Returns 0, or -1 with *err (malloc'd), e.g. "model.mlstm_block.mlstm.foo: unknown key". */
int ocfg_map_lm(const cJSON *model, const char *where, ocfg_out *o, char **err);
/* xLSTMLargeConfig -> xlstm_large settings */
int ocfg_map_large(const cJSON *model, const char *where, ocfg_out *o, char **err);
/* 1 for an xLSTMLargeConfig (top-level num_heads, no block configs), 0 for xLSTMLMModelConfig */
int ocfg_is_large(const cJSON *model);

#endif
