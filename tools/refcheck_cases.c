/* refcheck_cases.c - how each kind of official reference case maps onto stdlib entries.
 *
 * The kind is recognised from the manifest's official_sources (never the folder name);
 * sizes come from the manifest's config and tensor shapes. Layout facts used here (see
 * docs/stdlib.md and ../shared/docs/xlstm-math.md): official cell tensors are (B, NH, S, D),
 * ours (B, S, NH, D); sLSTM states are stacked (4, B, H) as [y, c, n, m]; the xlstm package's
 * mLSTM state holds keys scaled by 1/sqrt(DK) (C_xlstm = C_ours / sqrt(DK)); the official
 * parallel mLSTM form is our recurrence started from m0 = -inf, the recurrent and chunkwise
 * forms start from m0 = 0. Our chunkwise form (mlstm_chunkwise, form=chunkwise) takes the
 * same m0 and is checked against both conventions; its states are state.core.{C,n,m}.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "official_config.h"
#include "refcheck.h"

static cJSON *cfg_of(rc_case *c) {
  if (!c->json) c->json = cJSON_Parse(c->rc.json_text);
  return c->json ? cJSON_GetObjectItemCaseSensitive((cJSON *)c->json, "config") : NULL;
}

static int cfg_has(rc_case *c, const char *k) { return cJSON_GetObjectItemCaseSensitive(cfg_of(c), k) != NULL; }

static double cfg_num(rc_case *c, const char *k, double dflt) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg_of(c), k);
  if (!v) return dflt;
  if (cJSON_IsNumber(v)) return v->valuedouble;
  return dflt;
}

static cJSON *cfg_item(rc_case *c, const char *k) { return cJSON_GetObjectItemCaseSensitive(cfg_of(c), k); }

static int has_src(rc_case *c, const char *needle) {
  for (int i = 0; i < c->rc.sources.n; i++)
    if (strstr(c->rc.sources.v[i], needle)) return 1;
  return 0;
}

static int has_t(rc_case *c, const char *name) { return refcase_find(&c->rc, name) != NULL; }

static const refcase_tensor *tens(rc_case *c, const char *name) { return refcase_find(&c->rc, name); }


/* ---- configuration keys: every key of a case's config is mapped or known, else refused ---- */

static const ocfg_rule slstm_cell_keys[] = {
    {"B", K_INFO, 0, 0, 0},         {"T", K_INFO, 0, 0, 0},          {"num_heads", K_INFO, 0, 0, 0},
    {"head_dim", K_INFO, 0, 0, 0},  {"hidden_size", K_INFO, 0, 0, 0}, {"gate_order", K_INFO, 0, 0, 0},
    {"forget_gate", K_INFO, 0, 0, 0}, {"input_gate", K_INFO, 0, 0, 0}, {"bias_init", K_INFO, 0, 0, 0},
    {"loss", K_INFO, 0, 0, 0},
};
static const ocfg_rule mlstm_cell_keys[] = {
    {"B", K_INFO, 0, 0, 0},          {"NH", K_INFO, 0, 0, 0},          {"S", K_INFO, 0, 0, 0},
    {"DH", K_INFO, 0, 0, 0},         {"eps", K_INFO, 0, 0, 0},         {"chunk_size", K_INFO, 0, 0, 0},
    {"forget_gate", K_INFO, 0, 0, 0}, {"input_gate", K_INFO, 0, 0, 0}, {"qk_scaling", K_INFO, 0, 0, 0},
    {"loss", K_INFO, 0, 0, 0},       {"DHQK", K_INFO, 0, 0, 0},        {"DHV", K_INFO, 0, 0, 0},
    {"qk_scale", K_INFO, 0, 0, 0},   {"asym_variant", K_INFO, 0, 0, 0},
};
static const ocfg_rule lstm_keys[] = {
    {"B", K_INFO, 0, 0, 0},    {"T", K_INFO, 0, 0, 0},    {"I", K_INFO, 0, 0, 0},
    {"H", K_INFO, 0, 0, 0},    {"seed", K_INFO, 0, 0, 0}, {"gate_order", K_INFO, 0, 0, 0},
    {"loss", K_INFO, 0, 0, 0}, {"variant", K_MUST, 0, "\"default\"", "only torch.nn.LSTM's default variant"},
};
#define LN_EPS {"ln_eps", K_MUST, 0, "1e-05", "the official blocks' LayerNorm eps is 1e-5"}
static const ocfg_rule mlstm_block_keys[] = {
    {"B", K_INFO, 0, 0, 0},
    {"S", K_INFO, 0, 0, 0},
    {"embedding_dim", K_INT, "E", 0, 0},
    {"num_heads", K_INT, "NH", 0, 0},
    {"proj_factor", K_NUM, "pf", 0, 0},
    {"qkv_proj_blocksize", K_INT, "qkv_block", 0, 0},
    {"conv1d_kernel_size", K_INT, "K", 0, 0},
    {"bias", K_BOOL, "bias", 0, 0},
    {"round_proj_up_to_multiple_of", K_INT, "mult", 0, 0},
    {"round_proj_up_dim_up", K_BOOL, "round_upward", 0, 0},
    {"cell_eps", K_NUM, "eps", 0, 0},
    {"inner_dim", K_INFO, 0, 0, 0},
    {"head_dim", K_INFO, 0, 0, 0},
    {"context_length", K_INFO, 0, 0, 0},
    {"loss", K_INFO, 0, 0, 0},
    {"dropout", K_IGNORE, 0, 0, "dropout is not implemented"},
    LN_EPS,
};
static const ocfg_rule slstm_block_keys[] = {
    {"B", K_INFO, 0, 0, 0},
    {"S", K_INFO, 0, 0, 0},
    {"embedding_dim", K_INT, "E", 0, 0},
    {"num_heads", K_INT, "NH", 0, 0},
    {"conv1d_kernel_size", K_INT, "K", 0, 0},
    {"ffn_proj_factor", K_NUM, "ffn_pf", 0, 0},
    {"ffn_act", K_WORD, "ffn_act", "|gelu|relu|relu^2|sigmoid|swish|selu|", 0},
    {"ffn_bias", K_BOOL, "ffn_bias", 0, 0},
    {"ffn_round_proj_up_to_multiple_of", K_INT, "ffn_mult", 0, 0},
    {"ffn_round_proj_up_dim_up", K_BOOL, "ffn_round_upward", 0, 0},
    {"group_norm_weight", K_BOOL, "gn_weight", 0, 0},
    {"head_dim", K_INFO, 0, 0, 0},
    {"ffn_up_dim", K_INFO, 0, 0, 0},
    {"bias_init", K_INFO, 0, 0, 0},
    {"recurrent_weight_init", K_INFO, 0, 0, 0},
    {"backend", K_IGNORE, 0, 0, "kernel choice of the official code"},
    {"loss", K_INFO, 0, 0, 0},
    LN_EPS,
};
#define NKEYS(t) (int)(sizeof t / sizeof t[0])

/* checks (and maps) the case's config with rules; notes go to stderr once per case */
static int case_keys(rc_case *c, const ocfg_rule *rules, int n, ocfg_out *o) {
  char *err = NULL;
  ocfg_out_init(o);
  if (ocfg_map_object(cfg_of(c), rules, n, "config", o, &err)) {
    c->err = xl_fmt("%s: %s (refcheck cannot map this configuration)", c->rc.dir, err);
    free(err);
    ocfg_out_free(o);
    return -1;
  }
  return 0;
}

static int check_keys(rc_case *c, const ocfg_rule *rules, int n) {
  ocfg_out o;
  if (case_keys(c, rules, n, &o)) return -1;
  ocfg_out_free(&o);
  return 0;
}

static void notes(rc_case *c, const ocfg_out *o) {
  for (int i = 0; i < o->nign; i++) fprintf(stderr, "xlc: note: %s: ignored %s\n", c->rc.dir, o->ignored[i]);
}

/* every mapped "K=V" as a setting of r */
static void apply_settings(rc_run *r, const ocfg_out *o) {
  for (int i = 0; i < o->n; i++) {
    const char *eq = strchr(o->kv[i], '=');
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(eq - o->kv[i]), o->kv[i]);
    rc_set(r, key, "%s", eq + 1);
  }
}

/* the case's config without the keys that describe the case rather than the model */
static cJSON *model_config(rc_case *c, const char *const *case_only) {
  cJSON *m = cJSON_Duplicate(cfg_of(c), 1);
  for (int i = 0; case_only[i]; i++) cJSON_DeleteItemFromObjectCaseSensitive(m, case_only[i]);
  return m;
}

/* maps an official model config (lm or large layout) to settings; -1 with c->err */
static int official_settings(rc_case *c, cJSON *m, int large, ocfg_out *o) {
  char *err = NULL;
  ocfg_out_init(o);
  int rc = large ? ocfg_map_large(m, "config", o, &err) : ocfg_map_lm(m, "config", o, &err);
  cJSON_Delete(m);
  if (rc) {
    c->err = xl_fmt("%s: %s (refcheck cannot map this configuration)", c->rc.dir, err);
    free(err);
    ocfg_out_free(o);
    return -1;
  }
  notes(c, o);
  return 0;
}

/* ---- cells ---- */

static const int P0213[4] = {0, 2, 1, 3}; /* (B,NH,S,D) <-> (B,S,NH,D) */
static const int P021[3] = {0, 2, 1};     /* (B,NH,S) <-> (B,S,NH) */

static rc_cmp *cmp_perm(rc_run *r, const char *ours, const char *ref, int is_grad, int rank, const int64_t *pre,
                        const int *perm) {
  rc_cmp *m = rc_cmp_add(r, ours, ref, is_grad);
  m->nperm = rank;
  for (int i = 0; i < rank; i++) {
    m->pre[i] = pre[i];
    m->perm[i] = perm[i];
  }
  return m;
}

static const char *const slstm_states[4] = {"y", "c", "n", "m"};

/* an slstm_cell run on the case's inputs (first p steps if p > 0), parameters and initial state */
static rc_run *slstm_run(rc_case *c, const char *label, int64_t p) {
  int64_t B = (int64_t)cfg_num(c, "B", 0), T = (int64_t)cfg_num(c, "T", 0);
  int64_t NH = (int64_t)cfg_num(c, "num_heads", 0), D = (int64_t)cfg_num(c, "head_dim", 0);
  rc_run *r = rc_run_new(c, label, "slstm_cell");
  rc_set(r, "NH", "%lld", (long long)NH);
  rc_set(r, "D", "%lld", (long long)D);
  int64_t xs[5] = {B, T, 4, NH, D}, ss[3] = {B, NH, D};
  if (rc_add(c, &r->inputs, "x", "input/x", -1, 0, 5, xs, NULL)) return NULL;
  if (has_t(c, "input/state0"))
    for (int k = 0; k < 4; k++) {
      char nm[32];
      snprintf(nm, sizeof nm, "state.%s", slstm_states[k]);
      if (rc_add(c, &r->inputs, nm, "input/state0", 0, k, 3, ss, NULL)) return NULL;
    }
  if (rc_add(c, &r->params, "_recurrent_kernel_", "param/_recurrent_kernel_", -1, 0, 0, NULL, NULL) ||
      rc_add(c, &r->params, "_bias_", "param/_bias_", -1, 0, 0, NULL, NULL))
    return NULL;
  if (p > 0) {
    static const char *const seq[1] = {"x"};
    rc_prefix(&r->inputs, seq, 1, p);
  }
  return r;
}

static int map_slstm_cell(rc_case *c) {
  int64_t B = (int64_t)cfg_num(c, "B", 0), T = (int64_t)cfg_num(c, "T", 0);
  int64_t NH = (int64_t)cfg_num(c, "num_heads", 0), D = (int64_t)cfg_num(c, "head_dim", 0);
  rc_run *r = slstm_run(c, "sequence", 0);
  if (!r) return -1;
  int64_t ws[4] = {B, NH, T, D};
  if (rc_add(c, &r->cots, "h", "weight/Gy", -1, 0, 4, ws, P0213)) return -1;
  int64_t hs[4] = {B, T, NH, D};
  cmp_perm(r, "h", "output/y", 0, 4, hs, P0213);
  for (int k = 0; k < 4; k++) {
    char nm[32];
    snprintf(nm, sizeof nm, "state.%s", slstm_states[k]);
    rc_cmp *m = rc_cmp_add(r, nm, "output/last_state", 0);
    m->take_axis = 0;
    m->take_index = k;
  }
  rc_cmp_add(r, "grad.x", "grad/x", 1);
  rc_cmp_add(r, "grad._recurrent_kernel_", "grad/_recurrent_kernel_", 1);
  rc_cmp_add(r, "grad._bias_", "grad/_bias_", 1);
  if (has_t(c, "grad/state0"))
    for (int k = 0; k < 4; k++) {
      char nm[32];
      snprintf(nm, sizeof nm, "grad.state.%s", slstm_states[k]);
      rc_cmp *m = rc_cmp_add(r, nm, "grad/state0", 1);
      m->take_axis = 0;
      m->take_index = k;
    }
  r->loss_out = "h";
  r->loss_w = "h";
  r->loss_ref = "output/loss";
  /* every intermediate state: the recurrence run on the first p steps ends in state p */
  if (has_t(c, "output/states_all"))
    for (int64_t p = 1; p < T; p++) {
      char label[32];
      snprintf(label, sizeof label, "states-step%lld", (long long)p);
      rc_run *q = slstm_run(c, label, p);
      if (!q) return -1;
      for (int k = 0; k < 4; k++) {
        char nm[32];
        snprintf(nm, sizeof nm, "state.%s", slstm_states[k]);
        rc_cmp *m = rc_cmp_add(q, nm, "output/states_all", 0);
        m->take_axis = 0;
        m->take_index = k;
        m->take2_axis = 0;
        m->take2_index = p;
      }
    }
  return 0;
}

/* one mLSTM-cell run: inputs from `pfx` (input/ or asym_input/), cotangent from weight/G */
static rc_run *mlstm_run(rc_case *c, const char *label, const char *entry, const char *pfx, int64_t DK, int64_t DV,
                         const char *m0, int with_cot) {
  int64_t B = (int64_t)cfg_num(c, "B", 0), S = (int64_t)(cfg_has(c, "S") ? cfg_num(c, "S", 0) : cfg_num(c, "T", 0));
  int64_t NH = (int64_t)cfg_num(c, "NH", 0);
  { /* B, NH and S of this run's inputs (an asym variant may have its own S): from q's shape */
    char qn[64];
    snprintf(qn, sizeof qn, "%sq", pfx);
    const refcase_tensor *q = tens(c, qn);
    if (q && q->rank == 4) B = q->shape[0], NH = q->shape[1], S = q->shape[2];
  }
  rc_run *r = rc_run_new(c, label, entry);
  rc_set(r, "NH", "%lld", (long long)NH);
  rc_set(r, "DK", "%lld", (long long)DK);
  rc_set(r, "DV", "%lld", (long long)DV);
  rc_set(r, "eps", "%.17g", cfg_num(c, "eps", 1e-6));
  rc_set(r, "m0", "%s", m0);
  static const char *in[5] = {"q", "k", "v", "i_preact", "f_preact"};
  static const char *ours[5] = {"q", "k", "v", "ig", "fg"};
  for (int k = 0; k < 5; k++) {
    char ref[64];
    snprintf(ref, sizeof ref, "%s%s", pfx, in[k]);
    int64_t s4[4] = {B, NH, S, k == 2 ? DV : DK}, s3[3] = {B, NH, S};
    if (rc_add(c, &r->inputs, ours[k], ref, -1, 0, k < 3 ? 4 : 3, k < 3 ? s4 : s3, k < 3 ? P0213 : P021)) return NULL;
  }
  if (with_cot) {
    int64_t ws[4] = {B, NH, S, DV};
    if (rc_add(c, &r->cots, "h", "weight/G", -1, 0, 4, ws, P0213)) return NULL;
  }
  return r;
}

static void mlstm_grads(rc_run *r, const char *pfx) {
  static const char *in[5] = {"q", "k", "v", "i_preact", "f_preact"};
  static const char *ours[5] = {"grad.q", "grad.k", "grad.v", "grad.ig", "grad.fg"};
  for (int k = 0; k < 5; k++) {
    char ref[96];
    snprintf(ref, sizeof ref, "%s%s", pfx, in[k]);
    rc_cmp *m = rc_cmp_add(r, ours[k], ref, 1);
    m->nperm = k < 3 ? 4 : 3;
    for (int i = 0; i < m->nperm; i++) m->perm[i] = k < 3 ? P0213[i] : P021[i];
    m->pre[0] = -1; /* take the shape of ours as it is */
  }
}

static void cmp_h(rc_run *r, const char *ref) {
  rc_cmp *m = rc_cmp_add(r, "h", ref, 0);
  m->nperm = 4;
  for (int i = 0; i < 4; i++) m->perm[i] = P0213[i];
  m->pre[0] = -1;
}

/* final states: ref_* tensors hold either the last state or all states (*_all, *_states:
   take the last); ours are "state.<pfx>C" etc. (pfx "core." for mlstm_chunkwise) */
static void cmp_states_p(rc_case *c, rc_run *r, const char *pfx, const char *refC, const char *refn,
                         const char *refm, double scale) {
  const char *refs[3] = {refC, refn, refm}, *names[3] = {"C", "n", "m"};
  char ours[3][32];
  for (int k = 0; k < 3; k++) snprintf(ours[k], sizeof ours[k], "state.%s%s", pfx, names[k]);
  int steps_axis[3] = {2, 2, 2};
  for (int k = 0; k < 3; k++) {
    if (!refs[k] || !has_t(c, refs[k])) continue;
    rc_cmp *m = rc_cmp_add(r, ours[k], refs[k], 0);
    const refcase_tensor *t = tens(c, refs[k]);
    int ours_rank = k == 0 ? 4 : k == 1 ? 3 : 2;
    if (t->rank == ours_rank + 1 && (strstr(refs[k], "_all") || strstr(refs[k], "_states"))) { /* (B, NH, S[+1], ..) */
      m->take_axis = steps_axis[k];
      m->take_index = t->shape[steps_axis[k]] - 1;
    }
    if (k < 2 && scale != 0) m->scale = scale;
  }
}

static void cmp_states(rc_case *c, rc_run *r, const char *refC, const char *refn, const char *refm, double scale) {
  cmp_states_p(c, r, "", refC, refn, refm, scale);
}

/* a run of our chunkwise form (mlstm_chunkwise, chunks of the case's chunk_size) */
static rc_run *chunkwise_run(rc_case *c, const char *label, const char *pfx, int64_t DK, int64_t DV, const char *m0,
                             int with_cot) {
  rc_run *r = mlstm_run(c, label, "mlstm_chunkwise", pfx, DK, DV, m0, with_cot);
  if (r) rc_set(r, "chunk", "%lld", (long long)cfg_num(c, "chunk_size", 64));
  return r;
}

/* states after every step p < S (recurrent *_all tensors: index p-1 or p) and at chunk
   boundaries: the recurrence run on the first p steps ends in exactly that state */
static int mlstm_prefix_states(rc_case *c, const char *refC, const char *refn, const char *refm, int with_initial,
                               int64_t step, double scale) {
  if (!has_t(c, refC)) return 0;
  int64_t DK = (int64_t)(cfg_has(c, "DHQK") ? cfg_num(c, "DHQK", 0) : cfg_num(c, "DH", 0));
  int64_t DV = (int64_t)(cfg_has(c, "DHV") ? cfg_num(c, "DHV", 0) : cfg_num(c, "DH", 0));
  int64_t S = (int64_t)(cfg_has(c, "S") ? cfg_num(c, "S", 0) : cfg_num(c, "T", 0));
  static const char *const seq[5] = {"q", "k", "v", "ig", "fg"};
  for (int64_t p = step; p < S; p += step)
    for (int chunkwise = 0; chunkwise < 1 + (step > 1); chunkwise++) { /* chunk states: both forms */
      char label[48];
      snprintf(label, sizeof label, "%s-step%lld", step > 1 ? chunkwise ? "chunkwise-form-chunk" : "chunk" : "states",
               (long long)p);
      rc_run *r = chunkwise ? chunkwise_run(c, label, "input/", DK, DV, "0", 0)
                            : mlstm_run(c, label, "mlstm_cell", "input/", DK, DV, "0", 0);
      if (!r) return -1;
      rc_prefix(&r->inputs, seq, 5, p);
      const char *refs[3] = {refC, refn, refm}, *names[3] = {"C", "n", "m"};
      for (int k = 0; k < 3; k++) {
        char ours[32];
        snprintf(ours, sizeof ours, "state.%s%s", chunkwise ? "core." : "", names[k]);
        rc_cmp *m = rc_cmp_add(r, ours, refs[k], 0);
        m->take_axis = 2;
        m->take_index = with_initial ? p / step : p - 1;
        if (k < 2 && scale != 0) m->scale = scale;
      }
    }
  return 0;
}

static int map_mlstm_xlstm(rc_case *c) { /* xlstm package backends */
  int64_t D = (int64_t)cfg_num(c, "DH", 0);
  double s = 1.0 / sqrt((double)D);
  rc_run *r = mlstm_run(c, "parallel", "mlstm_cell", "input/", D, D, "-inf", 1);
  if (!r) return -1;
  cmp_h(r, "output/h_parallel");
  mlstm_grads(r, "grad_parallel_autograd/");
  r = mlstm_run(c, "recurrent", "mlstm_cell", "input/", D, D, "0", 1);
  if (!r) return -1;
  cmp_h(r, "output/h_recurrent");
  mlstm_grads(r, "grad_recurrent_autograd/");
  cmp_states(c, r, "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", s);
  cmp_h(r, "output/h_chunkwise_simple");
  cmp_states(c, r, "output/chunkwise_simple_last_C", "output/chunkwise_simple_last_n", "output/chunkwise_simple_last_m", 0);
  /* our chunkwise form: from m0 = -inf the parallel form (and its autograd gradients), from
     m0 = 0 the recurrent and chunkwise_simple forms (the recurrent autograd gradients) */
  r = chunkwise_run(c, "chunkwise-form-parallel", "input/", D, D, "-inf", 1);
  if (!r) return -1;
  cmp_h(r, "output/h_parallel");
  mlstm_grads(r, "grad_parallel_autograd/");
  r = chunkwise_run(c, "chunkwise-form", "input/", D, D, "0", 1);
  if (!r) return -1;
  cmp_h(r, "output/h_recurrent");
  cmp_h(r, "output/h_chunkwise_simple");
  mlstm_grads(r, "grad_recurrent_autograd/");
  cmp_states_p(c, r, "core.", "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", s);
  cmp_states_p(c, r, "core.", "output/chunkwise_simple_last_C", "output/chunkwise_simple_last_n",
               "output/chunkwise_simple_last_m", 0);
  return mlstm_prefix_states(c, "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", 0, 1, s);
}

static int map_mlstm_kernels(rc_case *c) {
  int64_t DK = (int64_t)cfg_num(c, "DHQK", 0), DV = (int64_t)cfg_num(c, "DHV", 0);
  int64_t B = (int64_t)cfg_num(c, "B", 0), NH = (int64_t)cfg_num(c, "NH", 0);
  rc_run *r = mlstm_run(c, "parallel", "mlstm_cell", "input/", DK, DV, "-inf", 1);
  if (!r) return -1;
  cmp_h(r, "output/parallel_h");
  mlstm_grads(r, "grad_parallel_autograd/");
  r = mlstm_run(c, "parallel-custbw", "mlstm_cell_kbw", "input/", DK, DV, "-inf", 1);
  if (!r) return -1;
  cmp_h(r, "output/parallel_h");
  mlstm_grads(r, "grad_parallel_custbw/");
  r = mlstm_run(c, "chunkwise", "mlstm_cell", "input/", DK, DV, "0", 1);
  if (!r) return -1;
  cmp_h(r, "output/chunkwise_h");
  cmp_h(r, "output/recurrent_h");
  cmp_states(c, r, "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", 0);
  if (has_t(c, "output/chunkwise_C_states")) {
    static const char *ref[3] = {"output/chunkwise_C_states", "output/chunkwise_n_states", "output/chunkwise_m_states"};
    static const char *ours[3] = {"state.C", "state.n", "state.m"};
    for (int k = 0; k < 3; k++) {
      rc_cmp *m = rc_cmp_add(r, ours[k], ref[k], 0);
      m->take_axis = 2;
      m->take_index = tens(c, ref[k])->shape[2] - 1;
    }
  }
  if (mlstm_prefix_states(c, "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", 1, 1, 0) ||
      mlstm_prefix_states(c, "output/chunkwise_C_states", "output/chunkwise_n_states", "output/chunkwise_m_states", 1,
                          (int64_t)cfg_num(c, "chunk_size", 1), 0))
    return -1;
  r = mlstm_run(c, "chunkwise-custbw", "mlstm_cell_kbw", "input/", DK, DV, "0", 1);
  if (!r) return -1;
  mlstm_grads(r, "grad_chunkwise_custbw/");
  /* our chunkwise form: its gradients are full derivatives, so they are compared with the
     parallel form's autograd gradients (m0 = -inf); the official chunkwise gradients use the
     custom-backward convention (mlstm_cell_kbw above), which is another function's */
  r = chunkwise_run(c, "chunkwise-form-parallel", "input/", DK, DV, "-inf", 1);
  if (!r) return -1;
  cmp_h(r, "output/parallel_h");
  mlstm_grads(r, "grad_parallel_autograd/");
  r = chunkwise_run(c, "chunkwise-form", "input/", DK, DV, "0", 0);
  if (!r) return -1;
  cmp_h(r, "output/chunkwise_h");
  cmp_h(r, "output/recurrent_h");
  cmp_states_p(c, r, "core.", "output/recurrent_C_all", "output/recurrent_n_all", "output/recurrent_m_all", 0);
  if (has_t(c, "output/chunkwise_C_states"))
    cmp_states_p(c, r, "core.", "output/chunkwise_C_states", "output/chunkwise_n_states", "output/chunkwise_m_states", 0);
  if (has_t(c, "input/C0")) {
    r = mlstm_run(c, "initial-state", "mlstm_cell", "input/", DK, DV, "0", 0);
    if (!r) return -1;
    int64_t ms[2] = {B, NH};
    if (rc_add(c, &r->inputs, "state.C", "input/C0", -1, 0, 0, NULL, NULL) ||
        rc_add(c, &r->inputs, "state.n", "input/n0", -1, 0, 0, NULL, NULL) ||
        rc_add(c, &r->inputs, "state.m", "input/m0", -1, 0, 2, ms, NULL))
      return -1;
    cmp_h(r, "output/init_chunkwise_h");
    cmp_states(c, r, "output/init_chunkwise_last_C", "output/init_chunkwise_last_n", "output/init_chunkwise_last_m", 0);
    cmp_h(r, "output/init_recurrent_h");
    cmp_states(c, r, "output/init_recurrent_last_C", "output/init_recurrent_last_n", "output/init_recurrent_last_m", 0);
    r = chunkwise_run(c, "initial-state-chunkwise-form", "input/", DK, DV, "0", 0);
    if (!r) return -1;
    if (rc_add(c, &r->inputs, "state.core.C", "input/C0", -1, 0, 0, NULL, NULL) ||
        rc_add(c, &r->inputs, "state.core.n", "input/n0", -1, 0, 0, NULL, NULL) ||
        rc_add(c, &r->inputs, "state.core.m", "input/m0", -1, 0, 2, ms, NULL))
      return -1;
    cmp_h(r, "output/init_chunkwise_h");
    cmp_states_p(c, r, "core.", "output/init_chunkwise_last_C", "output/init_chunkwise_last_n",
                 "output/init_chunkwise_last_m", 0);
  }
  cJSON *asym = cfg_item(c, "asym_variant");
  if (asym && has_t(c, "asym_input/q")) {
    int64_t aK = (int64_t)cJSON_GetObjectItemCaseSensitive(asym, "DHQK")->valuedouble;
    int64_t aV = (int64_t)cJSON_GetObjectItemCaseSensitive(asym, "DHV")->valuedouble;
    r = mlstm_run(c, "asym-parallel", "mlstm_cell", "asym_input/", aK, aV, "-inf", 0);
    if (!r) return -1;
    cmp_h(r, "asym_output/parallel_h");
    r = mlstm_run(c, "asym-chunkwise", "mlstm_cell", "asym_input/", aK, aV, "0", 0);
    if (!r) return -1;
    cmp_h(r, "asym_output/chunkwise_h");
    cmp_states(c, r, "asym_output/chunkwise_last_C", "asym_output/chunkwise_last_n", "asym_output/chunkwise_last_m", 0);
    r = chunkwise_run(c, "asym-chunkwise-form", "asym_input/", aK, aV, "0", 0);
    if (!r) return -1;
    cmp_h(r, "asym_output/chunkwise_h");
    cmp_states_p(c, r, "core.", "asym_output/chunkwise_last_C", "asym_output/chunkwise_last_n",
                 "asym_output/chunkwise_last_m", 0);
  }
  return 0;
}

static int map_lstm(rc_case *c) {
  int64_t B = (int64_t)cfg_num(c, "B", 0), H = (int64_t)cfg_num(c, "H", 0);
  rc_run *r = rc_run_new(c, "sequence", "lstm_cell");
  rc_set(r, "I", "%lld", (long long)cfg_num(c, "I", 0));
  rc_set(r, "H", "%lld", (long long)H);
  int64_t ss[2] = {B, H};
  if (rc_add(c, &r->inputs, "x", "input/x", -1, 0, 0, NULL, NULL) ||
      rc_add(c, &r->inputs, "state.h", "input/h0", -1, 0, 2, ss, NULL) ||
      rc_add(c, &r->inputs, "state.c", "input/c0", -1, 0, 2, ss, NULL) ||
      rc_add(c, &r->cots, "y", "weight/G", -1, 0, 0, NULL, NULL) ||
      rc_add(c, &r->cots, "state.h", "weight/Gh", -1, 0, 2, ss, NULL) ||
      rc_add(c, &r->cots, "state.c", "weight/Gc", -1, 0, 2, ss, NULL))
    return -1;
  for (int i = 0; i < c->rc.tensors.n; i++) {
    const refcase_tensor *t = &c->rc.tensors.v[i];
    if (strcmp(t->role, "param") == 0 && t->official_name) {
      if (rc_add(c, &r->params, t->official_name, t->name, -1, 0, 0, NULL, NULL)) return -1;
      char g[256], o[256];
      snprintf(g, sizeof g, "grad/%s", t->official_name);
      snprintf(o, sizeof o, "grad.%s", t->official_name);
      if (has_t(c, g)) rc_cmp_add(r, o, g, 1);
    }
  }
  rc_cmp_add(r, "y", "output/y", 0);
  rc_cmp_add(r, "state.h", "output/h_T", 0);
  rc_cmp_add(r, "state.c", "output/c_T", 0);
  rc_cmp_add(r, "grad.x", "grad/x", 1);
  rc_cmp_add(r, "grad.state.h", "grad/h0", 1);
  rc_cmp_add(r, "grad.state.c", "grad/c0", 1);
  return 0;
}

/* ---- blocks and models: parameters by official name ---- */

static int run_has(const rc_run *r, const char *key, const char *val) {
  for (int i = r->nsets - 1; i >= 0; i--)
    if (!strcmp(r->sets[i].key, key)) return !strcmp(r->sets[i].val, val);
  return 0;
}

/* With tie_weights the official state dict lists the shared matrix twice (token_embedding.weight
   and lm_head.weight, one parameter): ours has token_embedding.weight only, so lm_head.weight is
   not an input and its gradient (if exported) is the embedding's. */
static int add_params(rc_case *c, rc_run *r) {
  int tie = run_has(r, "tie", "true");
  for (int i = 0; i < c->rc.tensors.n; i++) {
    const refcase_tensor *t = &c->rc.tensors.v[i];
    if (strcmp(t->role, "param") != 0 || !t->official_name) continue;
    if (tie && !strcmp(t->official_name, "lm_head.weight")) {
      if (has_t(c, "grad/lm_head.weight")) rc_cmp_add(r, "grad.token_embedding.weight", "grad/lm_head.weight", 1);
      continue;
    }
    if (rc_add(c, &r->params, t->official_name, t->name, -1, 0, 0, NULL, NULL)) return -1;
    char g[512], o[512];
    snprintf(g, sizeof g, "grad/%s", t->official_name);
    snprintf(o, sizeof o, "grad.%s", t->official_name);
    if (has_t(c, g)) rc_cmp_add(r, o, g, 1);
  }
  return 0;
}

static int map_block(rc_case *c, int slstm) {
  /* mLSTM: the official forward is the parallel form (ours: form=parallel, and the recurrent
     scan and the chunkwise form from m0 = -inf); the step API is the recurrence from m0 = 0
     (ours: the recurrent scan and the chunkwise form from m0 = 0). The chunkwise runs use
     chunks of 4 (several chunks) and of 5 (a padded last chunk unless S is a multiple of 5). */
  static const struct {
    const char *label, *form, *m0;
    int chunk, step;
  } passes[] = {
      {"forward", "parallel", "-inf", 0, 0},
      {"forward-scan", "recurrent", "-inf", 0, 0},
      {"forward-chunkwise4", "chunkwise", "-inf", 4, 0},
      {"forward-chunkwise5", "chunkwise", "-inf", 5, 0},
      {"step-api", "recurrent", "0", 0, 1},
      {"step-api-chunkwise4", "chunkwise", "0", 4, 1},
  };
  ocfg_out o;
  if (slstm ? case_keys(c, slstm_block_keys, NKEYS(slstm_block_keys), &o)
            : case_keys(c, mlstm_block_keys, NKEYS(mlstm_block_keys), &o))
    return -1;
  notes(c, &o);
  for (size_t pass = 0; pass < sizeof passes / sizeof passes[0]; pass++) {
    if (slstm && pass > 0) break;
    if (passes[pass].step && !has_t(c, "output/y_step_api")) continue;
    rc_run *r = rc_run_new(c, passes[pass].label, slstm ? "slstm_block" : "mlstm_block");
    apply_settings(r, &o);
    if (!slstm) {
      rc_set(r, "m0", "%s", passes[pass].m0);
      rc_set(r, "form", "%s", passes[pass].form);
      if (passes[pass].chunk) rc_set(r, "chunk", "%d", passes[pass].chunk);
    }
    if (rc_add(c, &r->inputs, "x", "input/x", -1, 0, 0, NULL, NULL) ||
        rc_add(c, &r->cots, "y", "weight/Gy", -1, 0, 0, NULL, NULL)) {
      ocfg_out_free(&o);
      return -1;
    }
    if (!passes[pass].step) {
      if (add_params(c, r)) {
        ocfg_out_free(&o);
        return -1;
      }
      rc_cmp_add(r, "y", "output/y", 0);
      rc_cmp_add(r, "grad.x", "grad/x", 1);
      r->loss_out = "y";
      r->loss_w = "y";
      r->loss_ref = "output/loss";
    } else {
      for (int i = 0; i < c->rc.tensors.n; i++) { /* parameters only, no gradient comparisons */
        const refcase_tensor *t = &c->rc.tensors.v[i];
        if (strcmp(t->role, "param") == 0 && t->official_name &&
            rc_add(c, &r->params, t->official_name, t->name, -1, 0, 0, NULL, NULL)) {
          ocfg_out_free(&o);
          return -1;
        }
      }
      rc_cmp_add(r, "y", "output/y_step_api", 0);
    }
  }
  ocfg_out_free(&o);
  return 0;
}

static int tokens_io(rc_case *c, rc_run *r) {
  const refcase_tensor *t = tens(c, "input/tokens");
  if (!t || t->rank != 2) {
    c->err = xl_fmt("%s: no 2-d tensor input/tokens", c->rc.dir);
    return -1;
  }
  char *err = NULL;
  xt *tok = refcase_load(&c->rc, "input/tokens", XT_I32, &err);
  if (!tok) {
    c->err = err;
    return -1;
  }
  int64_t B = t->shape[0], S = t->shape[1] - 1, sh[2] = {B, S};
  xt *in = xt_new_named("tokens", XT_I32, 2, sh), *tg = xt_new_named("targets", XT_I32, 2, sh);
  for (int64_t b = 0; b < B; b++)
    for (int64_t s = 0; s < S; s++) {
      xt_set(in, b * S + s, xt_get(tok, b * (S + 1) + s));
      xt_set(tg, b * S + s, xt_get(tok, b * (S + 1) + s + 1));
    }
  xt_free(tok);
  xtl_add(&r->inputs, in);
  xtl_add(&r->inputs, tg);
  r->loss = 1;
  return 0;
}

/* the lm case's config in the official xLSTMLMModelConfig layout: mlstm -> mlstm_block.mlstm,
   slstm -> slstm_block.slstm, feedforward -> slstm_block.feedforward (its up_dim is the derived
   width, checked through the parameter shapes); B, loss, adamw and block_map describe the case */
static cJSON *lm_model_config(rc_case *c) {
  static const char *const case_only[] = {"B", "loss", "adamw", "block_map", "mlstm", "slstm", "feedforward", NULL};
  cJSON *m = model_config(c, case_only);
  cJSON *ml = cfg_item(c, "mlstm"), *sl = cfg_item(c, "slstm"), *ff = cfg_item(c, "feedforward");
  if (ml) {
    cJSON *mb = cJSON_AddObjectToObject(m, "mlstm_block");
    cJSON_AddItemToObject(mb, "mlstm", cJSON_Duplicate(ml, 1));
  }
  if (sl || ff) {
    cJSON *sb = cJSON_AddObjectToObject(m, "slstm_block");
    if (sl) cJSON_AddItemToObject(sb, "slstm", cJSON_Duplicate(sl, 1));
    if (ff) {
      cJSON *f = cJSON_Duplicate(ff, 1);
      cJSON_DeleteItemFromObjectCaseSensitive(f, "up_dim");
      cJSON_AddItemToObject(sb, "feedforward", f);
    }
  }
  return m;
}

static int map_lm(rc_case *c) {
  /* the recurrent scan (with the AdamW step), the parallel form and the chunkwise form (chunks
     of 4 and of 5), all from the model's m0 = -inf: the official forward's convention */
  static const char *labels[4] = {"lm", "lm-parallel", "lm-chunkwise4", "lm-chunkwise5"};
  ocfg_out o;
  if (official_settings(c, lm_model_config(c), 0, &o)) return -1;
  int rc = 0;
  for (int pass = 0; pass < 4 && !rc; pass++) {
    rc_run *r = rc_run_new(c, labels[pass], "xlstm_lm");
    apply_settings(r, &o);
    if (pass == 1) rc_set(r, "form", "parallel");
    if (pass >= 2) {
      rc_set(r, "form", "chunkwise");
      rc_set(r, "chunk", "%d", pass == 2 ? 4 : 5);
    }
    if (tokens_io(c, r) || add_params(c, r)) rc = -1;
    rc_cmp_add(r, "logits", "output/logits", 0);
    rc_cmp_add(r, "loss", "output/loss", 0);
    r->adamw = pass == 0 && cfg_item(c, "adamw") != NULL;
  }
  ocfg_out_free(&o);
  return rc;
}

static int map_large(rc_case *c) {
  /* B, S, loss and the derived sizes (checked through the parameter shapes) describe the case */
  static const char *const case_only[] = {"B", "S", "loss", "qk_dim", "v_dim", "ffn_up_dim", "chunk_size_train", NULL};
  ocfg_out o;
  if (official_settings(c, model_config(c, case_only), 1, &o)) return -1;
  rc_run *r = rc_run_new(c, "model", "xlstm_large");
  apply_settings(r, &o);
  ocfg_out_free(&o);
  rc_set(r, "m0", "0"); /* chunkwise / inference forms */
  if (tokens_io(c, r) || add_params(c, r)) return -1;
  rc_cmp_add(r, "logits", "output/logits", 0);
  rc_cmp_add(r, "loss", "output/loss", 0);
  if (has_t(c, "output/inference_logits_full")) rc_cmp_add(r, "logits", "output/inference_logits_full", 0);
  /* the official exporter names this output by its prefill length P
     (output/inference_logits_prefill<P>_then_steps): every such tensor, whatever P */
  for (int i = 0; i < c->rc.tensors.n; i++) {
    const char *nm = c->rc.tensors.v[i].name, *pre = "output/inference_logits_prefill", *suf = "_then_steps";
    size_t lp = strlen(pre), ls = strlen(suf), ln = strlen(nm);
    if (ln <= lp + ls || strncmp(nm, pre, lp) || strcmp(nm + ln - ls, suf)) continue;
    size_t d = lp;
    while (d < ln - ls && nm[d] >= '0' && nm[d] <= '9') d++;
    if (d == lp || d != ln - ls) continue;
    rc_cmp_add(r, "logits", nm, 0);
  }
  int L = (int)cfg_num(c, "num_blocks", 0);
  for (int b = 0; b < L; b++) {
    static const char *st[3] = {"C", "n", "m"};
    for (int k = 0; k < 3; k++) {
      char ref[128], ours[128];
      snprintf(ref, sizeof ref, "output/state_block%d_%s", b, st[k]);
      snprintf(ours, sizeof ours, "state.backbone.blocks.%d.mlstm_layer.core.%s", b, st[k]);
      if (has_t(c, ref)) rc_cmp_add(r, ours, ref, 0);
    }
  }
  return 0;
}

int rc_adamw_cfg(rc_case *c, adamw_cfg *a, cJSON **decayed) {
  cJSON *j = cfg_item(c, "adamw");
  if (!j) return -1;
  cJSON *betas = cJSON_GetObjectItemCaseSensitive(j, "betas");
  a->lr = cJSON_GetObjectItemCaseSensitive(j, "lr")->valuedouble;
  a->beta1 = cJSON_GetArrayItem(betas, 0)->valuedouble;
  a->beta2 = cJSON_GetArrayItem(betas, 1)->valuedouble;
  a->eps = cJSON_GetObjectItemCaseSensitive(j, "eps")->valuedouble;
  a->weight_decay = cJSON_GetObjectItemCaseSensitive(j, "weight_decay")->valuedouble;
  cJSON *de = cfg_item(c, "weight_decay_on_embedding"); /* xLSTMLMModelConfig's grouping of the embedding */
  a->decay_embedding = cJSON_IsTrue(de);
  *decayed = cJSON_GetObjectItemCaseSensitive(j, "weight_decay_params");
  return 0;
}

int rc_map_case(rc_case *c) {
  /* models and blocks first: their source lists also name the cells they contain */
  if (has_src(c, "xlstm_large/model.py")) return map_large(c);
  if (has_src(c, "xLSTMLMModel")) return map_lm(c);
  if (has_src(c, "sLSTMBlock")) return map_block(c, 1);
  if (has_src(c, "mLSTMBlock")) return map_block(c, 0);
  if (has_src(c, "torch.nn.LSTM")) return check_keys(c, lstm_keys, NKEYS(lstm_keys)) ? -1 : map_lstm(c);
  if (has_src(c, "mlstm_kernels/torch/parallel/native/fw.py"))
    return check_keys(c, mlstm_cell_keys, NKEYS(mlstm_cell_keys)) ? -1 : map_mlstm_kernels(c);
  if (has_src(c, "backends.py: parallel_stabilized_simple"))
    return check_keys(c, mlstm_cell_keys, NKEYS(mlstm_cell_keys)) ? -1 : map_mlstm_xlstm(c);
  if (has_src(c, "slstm_forward") || has_src(c, "sLSTMCell"))
    return check_keys(c, slstm_cell_keys, NKEYS(slstm_cell_keys)) ? -1 : map_slstm_cell(c);
  c->err = xl_fmt("%s: no stdlib entry matches the official sources of this case", c->rc.dir);
  return -1;
}
