/* test_config_file.c - `--config` files (tools/config_file.c, tools/official_config.c): YAML
 * scalars to JSON types, OmegaConf interpolation (absolute, relative, nested, typed whole-string
 * references, concatenation, cycles, missing keys), syntax errors with line:column, and the
 * official model configuration mapped to stdlib settings (unknown keys refused by path).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config_file.h"
#include "official_config.h"

/* parse + resolve YAML text; NULL with *err on failure */
static cJSON *load(const char *text, char **err) {
  cJSON *r = cfgf_parse_yaml(text, strlen(text), "t.yaml", err);
  if (r && cfgf_resolve(r, "t.yaml", err) != 0) {
    cJSON_Delete(r);
    return NULL;
  }
  return r;
}

static double num(const cJSON *r, const char *path) {
  const cJSON *v = cfgf_get(r, path);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *r, const char *path) {
  const cJSON *v = cfgf_get(r, path);
  return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static void test_scalars(void) {
  char *err = NULL;
  cJSON *r = load("a: true\nb: False\nc: null\nd: ~\ne: 42\nf: -3.5\ng: 1e-3\nh: \"42\"\ni: 'true'\nj: abc\n"
                  "k: 0x10\nl: 1_000\nm: [1, two, 3.0]\nn: {x: 1}\no:\np: .inf\nq: 1.2.3\n",
                  &err);
  CHECK(r, "%s", err ? err : "");
  if (!r) return;
  CHECK(cJSON_IsTrue(cfgf_get(r, "a")), "a");
  CHECK(cJSON_IsFalse(cfgf_get(r, "b")), "b");
  CHECK(cJSON_IsNull(cfgf_get(r, "c")) && cJSON_IsNull(cfgf_get(r, "d")) && cJSON_IsNull(cfgf_get(r, "o")), "nulls");
  CHECK(num(r, "e") == 42 && num(r, "f") == -3.5 && num(r, "g") == 1e-3, "numbers");
  CHECK(!strcmp(str(r, "h"), "42") && !strcmp(str(r, "i"), "true"), "quoted scalars stay strings");
  CHECK(!strcmp(str(r, "j"), "abc") && !strcmp(str(r, "q"), "1.2.3"), "plain strings");
  CHECK(num(r, "k") == 16 && num(r, "l") == 1000, "hex %g, separators %g", num(r, "k"), num(r, "l"));
  CHECK(isinf(num(r, "p")), ".inf");
  const cJSON *m = cfgf_get(r, "m");
  CHECK(cJSON_GetArraySize(m) == 3 && cJSON_IsString(cJSON_GetArrayItem(m, 1)) &&
            cJSON_GetArrayItem(m, 2)->valuedouble == 3.0,
        "list");
  CHECK(num(r, "n.x") == 1, "flow mapping");
  cJSON_Delete(r);
}

static void test_interpolation(void) {
  char *err = NULL;
  cJSON *r = load("dataset:\n  kwargs:\n    context_length: 256\n    vocab_size: 3\n    name: par\n"
                  "model:\n  context_length: ${dataset.kwargs.context_length}\n"
                  "  tag: \"a_${dataset.kwargs.name}_${.context_length}\"\n"
                  "  x: 64\n  sub:\n    e: ${..x}\n    f: ${.e}\n    g: ${model.sub.f}\n"
                  "  copy: ${dataset.kwargs}\n  flag: ${t.on}\n  half: ${t.h}\n  l0: ${t.l.1}\n"
                  "t:\n  on: true\n  h: 0.5\n  l: [7, 8]\n"
                  "training:\n  num_steps: 20\n  decay: ${.num_steps}\n",
                  &err);
  CHECK(r, "%s", err ? err : "");
  if (!r) return;
  const cJSON *cl = cfgf_get(r, "model.context_length");
  CHECK(cJSON_IsNumber(cl) && cl->valuedouble == 256, "absolute whole-string reference keeps the number type");
  CHECK(!strcmp(str(r, "model.tag"), "a_par_256"), "concatenation: %s", str(r, "model.tag"));
  CHECK(num(r, "model.sub.e") == 64, "relative ${..x}");
  CHECK(num(r, "model.sub.f") == 64 && num(r, "model.sub.g") == 64, "chains of references");
  CHECK(num(r, "model.copy.vocab_size") == 3 && cJSON_IsObject(cfgf_get(r, "model.copy")), "a mapping is copied");
  CHECK(cJSON_IsTrue(cfgf_get(r, "model.flag")) && num(r, "model.half") == 0.5 && num(r, "model.l0") == 8,
        "bool, float, list index");
  CHECK(num(r, "training.decay") == 20, "${.num_steps}");
  cJSON_Delete(r);

  /* a reference to a string that is itself a reference, resolved before it is read */
  r = load("a: ${b}\nb: ${c.d}\nc:\n  d: x${e}\ne: 5\n", &err);
  CHECK(r && !strcmp(str(r, "a"), "x5"), "nested: %s", r ? str(r, "a") : err);
  cJSON_Delete(r);
}

static void expect_error(const char *text, const char *want1, const char *want2) {
  char *err = NULL;
  cJSON *r = load(text, &err);
  CHECK(!r, "should fail: %s", text);
  CHECK(err && strstr(err, want1) && (!want2 || strstr(err, want2)), "error '%s' lacks '%s' / '%s'", err ? err : "",
        want1, want2 ? want2 : "");
  free(err);
  cJSON_Delete(r);
}

static void test_errors(void) {
  expect_error("a: ${b}\nb: ${a}\n", "reference cycle", "a -> b -> a");
  expect_error("m:\n  x: ${.x}\n", "m.x: reference cycle", NULL);
  expect_error("a:\n  b: ${a}\n", "reference cycle", NULL);
  expect_error("a: ${nope.x}\n", "a: cannot resolve ${nope.x}", "no key 'nope'");
  expect_error("m:\n  a: ${.missing}\n", "m.a: cannot resolve ${.missing}", NULL);
  expect_error("a: ${...x}\n", "goes above the top level", NULL);
  expect_error("a: ${oc.env:HOME}\n", "resolvers are not supported", NULL);
  expect_error("a: x${b\n", "unterminated", NULL);
  expect_error("a: s_${m}\nm: {k: 1}\n", "is a mapping", NULL);
  expect_error("a: 1\nb: [1, 2\n", "t.yaml:3:1: error: did not find expected", NULL);
  expect_error("a: 1\n  b: 2\n", "t.yaml:2:", "error:");
  expect_error("a: 1\na: 2\n", "t.yaml:2:1: error: duplicate key 'a'", NULL);
  expect_error("a: 1\n---\nb: 2\n", "second YAML document", NULL);
  expect_error("a: *nope\n", "t.yaml:1:", NULL);
  /* an alias bomb is refused, not expanded */
  expect_error("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
               "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
               "too large", NULL);
}

static int has_kv(const cfgf_model *m, const char *kv) {
  for (int i = 0; i < m->nkv; i++)
    if (!strcmp(m->kv[i], kv)) return 1;
  return 0;
}

static void test_model(void) {
  char *err = NULL;
  cJSON *r = load("dataset:\n  kwargs: {context_length: 128, vocab_size: 5}\n"
                  "model:\n  num_blocks: 3\n  embedding_dim: 32\n  vocab_size: ${dataset.kwargs.vocab_size}\n"
                  "  context_length: ${dataset.kwargs.context_length}\n  slstm_at: [0, 2]\n  dropout: 0.1\n"
                  "  mlstm_block:\n    mlstm:\n      num_heads: 2\n      proj_factor: 2\n      conv1d_kernel_size: 4\n"
                  "  slstm_block:\n    slstm:\n      num_heads: 2\n      backend: cuda\n      bias_init: small_init\n"
                  "    feedforward:\n      proj_factor: 1.3\n      act_fn: gelu\n",
                  &err);
  CHECK(r, "%s", err ? err : "");
  if (!r) return;
  cfgf_model m;
  CHECK(cfgf_model_map(r, "t.yaml", &m, &err) == 0, "%s", err ? err : "");
  CHECK(!strcmp(m.entry, "xlstm_lm") && !m.is_large && m.context_length == 128, "entry %s, T %d", m.entry,
        m.context_length);
  static const char *const want[] = {"L=3", "E=32", "V=5", "slstm_at=[0,2]", "mlstm_NH=2", "mlstm_pf=2.0",
                                     "mlstm_K=4", "slstm_NH=2", "slstm_bias_init=small_init",
                                     "ffn_pf=1.3", "ffn_act=gelu"};
  for (int i = 0; i < (int)(sizeof want / sizeof want[0]); i++) CHECK(has_kv(&m, want[i]), "missing %s", want[i]);
  CHECK(m.nkv == (int)(sizeof want / sizeof want[0]), "%d settings", m.nkv);
  int saw_backend = 0, saw_dropout = 0;
  for (int i = 0; i < m.nnotes; i++) {
    saw_backend |= strstr(m.notes[i], "t.yaml: model.slstm_block.slstm.backend ignored (kernel choice") == m.notes[i];
    saw_dropout |= strstr(m.notes[i], "t.yaml: model.dropout ignored (dropout") == m.notes[i];
  }
  CHECK(saw_backend && saw_dropout && m.nnotes == 2, "%d notes", m.nnotes);
  cfgf_model_free(&m);
  cJSON_Delete(r);

  /* xLSTMLargeConfig: top-level num_heads */
  r = load("model: {num_heads: 4, embedding_dim: 64, num_blocks: 2, vocab_size: 50, gate_soft_cap: 15, "
           "chunkwise_kernel: 'chunkwise--triton'}\n",
           &err);
  CHECK(r && cfgf_model_map(r, "t.yaml", &m, &err) == 0, "%s", err ? err : "");
  CHECK(m.is_large && !strcmp(m.entry, "xlstm_large") && has_kv(&m, "NH=4") && has_kv(&m, "gate_cap=15.0") &&
            m.nnotes == 1,
        "large");
  cfgf_model_free(&m);
  cJSON_Delete(r);

  /* errors name the key path */
  static const char *const bad[][2] = {
      {"model: {mlstm_block: {mlstm: {num_heads: 2, foo: 1}}}\n", "t.yaml: model.mlstm_block.mlstm.foo: unknown key"},
      {"model: {embedding_dim: 'x'}\n", "model.embedding_dim: must be an integer"},
      {"model: {embedding_dim: 1.5}\n", "model.embedding_dim: must be an integer"},
      {"model: {mlstm_block: {}, slstm_block: {}, slstm_at: [0, -1]}\n", "model.slstm_at: must hold block indices"},
      {"model: {slstm_block: {feedforward: {act_fn: tanh}}}\n", "model.slstm_block.feedforward.act_fn: must be one of"},
      {"model: {bias: 1}\n", "model.bias: must be true or false"},
      {"model: {slstm_block: {slstm: {gradient_recurrent_cut: true}}}\n",
       "model.slstm_block.slstm.gradient_recurrent_cut: must be false"},
      {"model: {mlstm_block: {mlstm: {num_heads: 2}}, slstm_at: [1]}\n", "lists sLSTM blocks but there is no slstm_block"},
      {"model: 3\n", "model: is not a mapping"},
      {"training: {}\n", "no model: section"},
      {"model: {num_heads: 2, foo: 1}\n", "model.foo: unknown key"},
  };
  for (int i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
    err = NULL;
    r = load(bad[i][0], &err);
    CHECK(r, "%s", err ? err : "");
    int rc = r ? cfgf_model_map(r, "t.yaml", &m, &err) : 0;
    CHECK(rc == -1 && err && strstr(err, bad[i][1]), "%s: got '%s'", bad[i][0], err ? err : "(no error)");
    free(err);
    cfgf_model_free(&m);
    cJSON_Delete(r);
  }
}

static void test_load(void) {
  char dir[] = "/tmp/xlc_cfgXXXXXX";
  if (!mkdtemp(dir)) return;
  char *pj = malloc(strlen(dir) + 16), *py = malloc(strlen(dir) + 16), *pb = malloc(strlen(dir) + 16);
  sprintf(pj, "%s/c.json", dir);
  sprintf(py, "%s/c.yaml", dir);
  sprintf(pb, "%s/b.json", dir);
  FILE *f = fopen(pj, "w");
  fputs("{\"model\": {\"embedding_dim\": 16, \"x\": \"${.embedding_dim}\"}}", f);
  fclose(f);
  f = fopen(py, "w");
  fputs("- 1\n- 2\n", f);
  fclose(f);
  f = fopen(pb, "w");
  fputs("{\"model\":\n {\"a\": }}", f);
  fclose(f);
  char *err = NULL;
  cJSON *r = cfgf_load(pj, &err);
  CHECK(r && num(r, "model.x") == 16, "JSON with an interpolation: %s", err ? err : "");
  cJSON_Delete(r);
  r = cfgf_load(py, &err);
  CHECK(!r && err && strstr(err, "top level is not a mapping"), "%s", err ? err : "");
  free(err);
  err = NULL;
  r = cfgf_load(pb, &err);
  CHECK(!r && err && strstr(err, "b.json:2:") && strstr(err, "error: JSON syntax error"), "%s", err ? err : "");
  free(err);
  err = NULL;
  r = cfgf_load("/nonexistent/x.yaml", &err);
  CHECK(!r && err && strstr(err, "cannot read '/nonexistent/x.yaml'"), "%s", err ? err : "");
  free(err);
  remove(pj);
  remove(py);
  remove(pb);
  remove(dir);
  free(pj);
  free(py);
  free(pb);
}

int main(void) {
  test_scalars();
  test_interpolation();
  test_errors();
  test_model();
  test_load();
  if (!fails) printf("test_config_file: ok\n");
  return fails != 0;
}
