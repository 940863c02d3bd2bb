/* test_helpers.c - helpers (`fn name(a, b) = expr`) lower like the expression written inline.
 *
 * Each case is a pair of entries in one .xl text: one calls helpers, the other spells the same
 * expression out. Both are lowered (lang_lower, B = 2, T = 3) and their cell-graph dumps must be
 * identical, in a cell (scan body), a block and a model with sub-instances; helpers take tensors
 * and compile-time values (sizes, strings, lists), call builtins and other helpers, and use
 * defaults and keyword arguments. A helper is not an entry.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "lang.h"
#include "pipe_test.h"

static int failures;

static const char *const src =
    "fn sq_plus(a, b) = a * a + b\n"
    "fn gate(x, s = 2.0) = sigmoid(sq_plus(x, s))\n"
    "fn half(n) = n / 2\n"
    "fn act(x, kind) = if kind == \"silu\" then silu(x) else tanh(x)\n"
    "fn head_sum(x, dims) = sum(reshape(x, dims), -1)\n"
    "cell c_fn(E = 4) {\n"
    "  in x: [E]\n"
    "  state h: [E] = 0\n"
    "  h' = gate(x) * h + sq_plus(x, 1)\n"
    "  out y = h'\n"
    "}\n"
    "cell c_inline(E = 4) {\n"
    "  in x: [E]\n"
    "  state h: [E] = 0\n"
    "  h' = sigmoid(x * x + 2.0) * h + (x * x + 1)\n"
    "  out y = h'\n"
    "}\n"
    "block b_fn(E = 4, kind = \"silu\") {\n"
    "  in x: [T, E]\n"
    "  param w: [half(E), E] = normal(0, 0.1)\n"
    "  let z = act(einsum(\"te,fe->tf\", x, w), kind)\n"
    "  out y = head_sum(z, [T, half(E), 1]) + gate(s = 0.5, x = slice(z, 0, 0, 1))\n"
    "}\n"
    "block b_inline(E = 4, kind = \"silu\") {\n"
    "  in x: [T, E]\n"
    "  param w: [E / 2, E] = normal(0, 0.1)\n"
    "  let z = if kind == \"silu\" then silu(einsum(\"te,fe->tf\", x, w)) else tanh(einsum(\"te,fe->tf\", x, w))\n"
    "  let hs = sum(reshape(z, [T, E / 2, 1]), -1)\n"
    "  let z0 = slice(z, 0, 0, 1)\n"
    "  out y = hs + sigmoid(z0 * z0 + 0.5)\n"
    "}\n"
    "model m_fn(E = 8) {\n"
    "  a: b_fn(E, kind = \"tanh\")\n"
    "  in x: [T, E]\n"
    "  out y = sq_plus(a(x), half(E))\n"
    "}\n"
    "model m_inline(E = 8) {\n"
    "  a: b_inline(E, kind = \"tanh\")\n"
    "  in x: [T, E]\n"
    "  let u = a(x)\n"
    "  out y = u * u + E / 2\n"
    "}\n";

/* the dump of entry's graph, or NULL when it does not lower (errors to stderr) */
static char *dump_of(const ast *file, xl_arena *ar, const char *entry, lang_diag *d) {
  lang_set sets[2] = {{"B", "2"}, {"T", "3"}};
  cg_graph *g = pt_graph(ar, file, d, entry, sets, 2, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG, NULL);
  if (!g) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  cg_dump(g, mem);
  fclose(mem);
  cg_free(g);
  return buf;
}

static void same_graph(const ast *file, xl_arena *ar, const char *with_fn, const char *inline_) {
  lang_diag d;
  diag_init(&d, stderr);
  char *a = dump_of(file, ar, with_fn, &d), *b = dump_of(file, ar, inline_, &d);
  if (!a || !b) {
    fprintf(stderr, "FAIL %s / %s: lowering failed\n", with_fn, inline_);
    failures++;
  } else if (strcmp(a, b) != 0) {
    fprintf(stderr, "FAIL %s / %s: graphs differ\n---- %s\n%s---- %s\n%s", with_fn, inline_, with_fn, a, inline_, b);
    failures++;
  } else {
    printf("ok %s == %s\n", with_fn, inline_);
  }
  free(a);
  free(b);
}

int main(void) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "helpers.xl", src, &d);
  if (!file || d.nerr || lang_check(&ar, file, &d)) {
    fprintf(stderr, "FAIL: the source does not parse or check\n");
    return 1;
  }
  same_graph(file, &ar, "c_fn", "c_inline");
  same_graph(file, &ar, "b_fn", "b_inline");
  same_graph(file, &ar, "m_fn", "m_inline");

  /* a helper is not an entry */
  FILE *devnull = fopen("/dev/null", "w");
  lang_diag q;
  diag_init(&q, devnull);
  if (dump_of(file, &ar, "gate", &q) || q.nerr != 1) {
    fprintf(stderr, "FAIL: a helper was accepted as an entry\n");
    failures++;
  }
  fclose(devnull);
  xl_arena_free(&ar);
  if (failures) return 1;
  printf("helpers: all ok\n");
  return 0;
}
