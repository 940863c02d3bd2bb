/* official_config.h - the official xlstm package's model configurations (cJSON objects in the
 * layout of its dataclasses) mapped to `--set K=V` settings of the stdlib's entries
 * (official_config.c, prefix ocfg_).
 *
 * xLSTMLMModelConfig (mlstm_block.mlstm.*, slstm_block.slstm.*, slstm_block.feedforward.*,
 * top-level fields) -> xlstm_lm: V, E, L, slstm_at, mlstm_NH, mlstm_K, mlstm_pf, qkv_block,
 * mlstm_round, mlstm_round_up, slstm_NH, slstm_K, slstm_bias_init, slstm_rec_init,
 * slstm_gn_weight, ffn, ffn_pf, ffn_act, ffn_bias, ffn_round, ffn_round_up, bias, post_norm,
 * tie, decay_embedding. xLSTMLargeConfig -> xlstm_large: V, E, NH, L, qk_factor, v_factor,
 * ffn_pf, ffn_round, gate_cap, logit_cap, eps, norm_eps, bias, out_norm.
 * Only fields present in the object produce settings (the entry's defaults cover the rest).
 * Fields that do not change what is computed (dropout, kernel backend, dtypes, device,
 * values the official code derives from the top level) are listed in `ignored` as
 * "key.path (why)"; an unknown key or a value of the wrong type is an error naming its path.
 */
#ifndef XLC_OFFICIAL_CONFIG_H
#define XLC_OFFICIAL_CONFIG_H

#include <cjson/cJSON.h>

typedef struct {
  char **kv; /* "K=V" strings, owned */
  int n, cap;
  char **ignored; /* "key.path (why)", owned */
  int nign, capign;
} ocfg_out;
void ocfg_out_free(ocfg_out *o);

/* xLSTMLMModelConfig object. `where` is the path of the object ("model"). Returns 0, or -1
   with *err (malloc'd) naming the key path, e.g. "model.mlstm_block.mlstm.foo: unknown key". */
int ocfg_map_lm(const cJSON *model, const char *where, ocfg_out *o, char **err);
/* xLSTMLargeConfig object */
int ocfg_map_large(const cJSON *model, const char *where, ocfg_out *o, char **err);
/* 1 if the object is an xLSTMLargeConfig: a top-level num_heads and no mlstm_block,
   slstm_block or slstm_at. */
int ocfg_is_large(const cJSON *model);

#endif
