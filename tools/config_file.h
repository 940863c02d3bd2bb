/* config_file.h - experiment configuration files for `--config FILE` (config_file.c, prefix
 * cfgf_): JSON (cJSON) or YAML (libyaml) in the layout of the official NX-AI experiment files
 * (top-level `model:`, `training:`, `dataset:`), read into one cJSON tree with OmegaConf
 * interpolations resolved, and the choice of stdlib entry and settings for its `model:`.
 *
 * YAML scalars: plain `true/false` (any case spelling YAML allows), `null`/`~`/empty, integers
 * and floats become JSON bools, null and numbers; quoted, literal and folded scalars stay
 * strings. Interpolations in string values: `${a.b.c}` from the root, `${.x}` relative to the
 * mapping that holds the value, `${..x}` one level further up (a numeric segment indexes a
 * list); resolved recursively with cycle detection. A string that is exactly one reference
 * takes the referenced value with its type (a number stays a number, a mapping is copied);
 * references inside a longer string are replaced by the value's text. Not supported (an
 * error): resolvers (`${oc.env:X}`), nested references (`${a.${b}}`), YAML merge keys.
 *
 * Nothing here prints; every failure returns -1 (or NULL) with a malloc'd *err: a YAML syntax
 * error reads "FILE:LINE:COL: message", every other one "FILE: key.path: message".
 */
#ifndef XLC_CONFIG_FILE_H
#define XLC_CONFIG_FILE_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* YAML text -> cJSON tree (interpolations not resolved). `file` names the text in errors. */
cJSON *cfgf_parse_yaml(const char *text, size_t len, const char *file, char **err);
/* Resolves every interpolation of the tree in place. */
int cfgf_resolve(cJSON *root, const char *file, char **err);
/* Reads FILE (JSON if it ends in .json, else YAML), checks that the top level is a mapping and
   resolves interpolations. */
cJSON *cfgf_load(const char *path, char **err);

/* ---- the model: section ---- */
typedef struct {
  const char *entry;  /* "xlstm_lm" or "xlstm_large" (a static string) */
  int is_large;
  char **kv;          /* "K=V" settings of the entry (owned) */
  int nkv;
  char **notes;       /* "FILE: model.x ignored (why)" (owned) */
  int nnotes;
  int context_length; /* model.context_length, 0 if absent */
} cfgf_model;

/* Maps root's `model:` section (required) to the stdlib entry and its settings
   (official_config.h). */
int cfgf_model_map(const cJSON *root, const char *file, cfgf_model *m, char **err);
void cfgf_model_free(cfgf_model *m);

/* The value at a dotted path from the root ("training.lr"), or NULL. */
const cJSON *cfgf_get(const cJSON *root, const char *path);

#endif
