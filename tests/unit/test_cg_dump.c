/* test_cg_dump.c - cg_dump's text against an expected text, cg_clone, the builder's lookups,
 * and cg_verify catching deliberately broken graphs (wrong shape, forward reference and
 * cycle, arity, is_int, bad scan bodies, duplicate names), each by its expected message.
 * Exit 0 = pass.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cg.h"

static int fails, checks;
#define CHECK(c, ...)                                                 \
  do {                                                                \
    checks++;                                                         \
    if (!(c)) {                                                       \
      fails++;                                                        \
      fprintf(stderr, "FAIL line %d: ", __LINE__);                    \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

static const xl_loc NL = {0};

static cg_shape S(int rank, ...) {
  va_list ap;
  int64_t d[CG_MAXRANK];
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) d[i] = va_arg(ap, int);
  va_end(ap);
  return cg_shape_of(rank, d);
}

/* The sample graph: every kind of line the dump has (inputs of each outer kind, an init, a
   state fill of -inf, an int input, a scan with a body, and the attribute-carrying ops). */
static cg_graph *sample(void) {
  cg_graph *g = cg_new();
  int x = cg_input(g, CG_IN_INPUT, "x", 0, S(3, 2, 4, 3), NL);       /* x: [B, T, D] */
  int w = cg_input(g, CG_IN_PARAM, "blk.w", 0, S(1, 3), NL);
  g->nodes.v[w].init = (cg_init){CG_INIT_NORMAL, {0, 0.1, 0, 0}};
  int s = cg_input(g, CG_IN_STATE, "state.s", 0, S(2, 2, 3), NL);    /* s: [B, D] */
  g->nodes.v[s].fval = -INFINITY;
  int tok = cg_input(g, CG_IN_INPUT, "tok", 0, S(1, 2), NL);
  g->nodes.v[tok].is_int = 1;
  int e = cg_unary(g, CG_OP_EXP, w);
  int es = cg_einsum(g, x, w, "btd", "d", "bt");
  cg_graph *b = cg_new();
  int bx = cg_input(b, CG_IN_SEQ, "", 0, S(2, 2, 3), NL);
  int bc = cg_input(b, CG_IN_CONST, "", 0, S(1, 3), NL);
  int bs = cg_input(b, CG_IN_BSTATE, "", 0, S(2, 2, 3), NL);
  int m = cg_binary(b, CG_OP_MAX, bs, cg_binary(b, CG_OP_MUL, bx, cg_reshape(b, bc, S(2, 1, 3))));
  cg_output_add(b, "", m);
  cg_output_add(b, "", cg_sum(b, m, 2));
  int ins[3] = {x, e, s};
  int sc = cg_scan(g, b, 1, 1, 1, 1, 1, 0, 1, ins);
  int fin = cg_scan_out(g, sc, 0);
  int ys = cg_scan_out(g, sc, 1);
  int oh = cg_one_hot(g, tok, 5);
  int perm[2] = {1, 0};
  int tr = cg_transpose(g, fin, perm);
  int sl = cg_slice(g, tr, 0, 1, 2);
  int pd = cg_pad(g, sl, 1, 1, 0);
  int cc[2] = {pd, pd};
  int cat = cg_concat(g, 2, cc, 0);
  int k = cg_const(g, 0.1, S(2, 1, 1));
  int wh = cg_where(g, cg_binary(g, CG_OP_GT, cat, k), cat, k);
  cg_output_add(g, "y", ys);
  cg_output_add(g, "z", wh);
  cg_output_add(g, "es", es);
  cg_output_add(g, "oh", oh);
  return g;
}

static const char *expected =
    "graph {\n"
    "  %0 = input \"x\" kind=input : [2, 4, 3]\n"
    "  %1 = input \"blk.w\" kind=param init=normal(0, 0.1) : [3]\n"
    "  %2 = input \"state.s\" kind=state fill=-inf : [2, 3]\n"
    "  %3 = input \"tok\" kind=input int : [2]\n"
    "  %4 = exp %1 : [3]\n"
    "  %5 = einsum %0, %1 \"btd,d->bt\" : [2, 4]\n"
    "  %6 = scan %0 | %4 | %2 nseq=1 nconst=1 nstate=1 nout=1 axis=1 reverse=0 save=1 {\n"
    "    %0 = input \"\" kind=seq slot=0 : [2, 3]\n"
    "    %1 = input \"\" kind=const slot=0 : [3]\n"
    "    %2 = input \"\" kind=bstate slot=0 : [2, 3]\n"
    "    %3 = reshape %1 : [1, 3]\n"
    "    %4 = mul %0, %3 : [2, 3]\n"
    "    %5 = max %2, %4 : [2, 3]\n"
    "    %6 = sum %5 axes=[1] : [2, 1]\n"
    "    outputs %5, %6\n"
    "  } : []\n"
    "  %7 = scan_out %6 #0 : [2, 3]\n"
    "  %8 = scan_out %6 #1 : [2, 4, 1]\n"
    "  %9 = one_hot %3 n=5 : [2, 5]\n"
    "  %10 = transpose %7 perm=[1, 0] : [3, 2]\n"
    "  %11 = slice %10 axis=0 start=1 len=2 : [2, 2]\n"
    "  %12 = pad %11 axis=1 before=1 after=0 : [2, 3]\n"
    "  %13 = concat %12, %12 axis=0 : [4, 3]\n"
    "  %14 = const 0.1 : [1, 1]\n"
    "  %15 = gt %13, %14 : [4, 3]\n"
    "  %16 = where %15, %13, %14 : [4, 3]\n"
    "  output \"y\" = %8\n"
    "  output \"z\" = %16\n"
    "  output \"es\" = %5\n"
    "  output \"oh\" = %9\n"
    "}\n";

static char *dump_str(const cg_graph *g) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cg_dump(g, f);
  fclose(f);
  return buf;
}

/* Runs cg_verify; checks the count is > 0 and that `want` appears in the messages. */
static void expect_problem(int line, const cg_graph *g, const char *want) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  int n = cg_verify(g, f);
  fclose(f);
  checks++;
  if (n <= 0 || !strstr(buf, want)) {
    fails++;
    fprintf(stderr, "FAIL line %d: cg_verify returned %d, wanted a message with \"%s\"; got:\n%s", line, n,
            want, buf);
  }
  /* every line has the documented prefix */
  for (char *p = buf; *p; p = strchr(p, '\n') + 1) {
    CHECK(strncmp(p, "cg_verify: ", 11) == 0, "verify line without prefix: %.60s", p);
    if (!strchr(p, '\n')) break;
  }
  free(buf);
}

static void test_dump(void) {
  cg_graph *g = sample();
  CHECK(cg_verify(g, stderr) == 0, "sample graph verifies");
  char *d = dump_str(g);
  CHECK(strcmp(d, expected) == 0, "dump differs; got:\n%s", d);
  cg_graph *c = cg_clone(g);
  cg_free(g); /* the clone must not share anything (ASan) */
  char *d2 = dump_str(c);
  CHECK(strcmp(d, d2) == 0, "clone dumps differently:\n%s", d2);
  CHECK(cg_verify(c, stderr) == 0, "clone verifies");
  CHECK(cg_find_output(c, "z") == 1 && cg_find_output(c, "nope") == -1, "cg_find_output");
  CHECK(cg_find_input(c, "tok") == 3 && cg_find_input(c, "state.s") == 2 && cg_find_input(c, "q") == -1,
        "cg_find_input");
  free(d), free(d2);
  cg_free(c);
}

static void test_floats(void) {
  cg_graph *g = cg_new();
  double vs[] = {NAN, INFINITY, -INFINITY, 0.30000000000000004, 1e-300, -0.0, 2.5, 1e21, -1.0 / 3};
  for (size_t i = 0; i < sizeof vs / sizeof *vs; i++) cg_const(g, vs[i], S(0));
  int p = cg_input(g, CG_IN_PARAM, "p", 0, S(1, 4), NL);
  g->nodes.v[p].init = (cg_init){CG_INIT_POWERLAW, {1, 3, 2, 4}};
  int q = cg_input(g, CG_IN_PARAM, "q", 0, S(1, 4), NL);
  g->nodes.v[q].init = (cg_init){CG_INIT_ZEROS, {0}};
  char *d = dump_str(g);
  const char *want =
      "graph {\n"
      "  %0 = const nan : []\n"
      "  %1 = const inf : []\n"
      "  %2 = const -inf : []\n"
      "  %3 = const 0.30000000000000004 : []\n"
      "  %4 = const 1e-300 : []\n"
      "  %5 = const -0 : []\n"
      "  %6 = const 2.5 : []\n"
      "  %7 = const 1e+21 : []\n"
      "  %8 = const -0.3333333333333333 : []\n"
      "  %9 = input \"p\" kind=param init=powerlaw(1, 3, 2, 4) : [4]\n"
      "  %10 = input \"q\" kind=param init=zeros : [4]\n"
      "}\n";
  CHECK(strcmp(d, want) == 0, "float dump differs; got:\n%s", d);
  free(d);
  cg_free(g);
}

/* The generic cg_add: inferred shapes, given shapes, attributes set afterwards. */
static void test_cg_add(void) {
  cg_graph *g = cg_new();
  cg_shape s = S(2, 2, 3);
  int x = cg_add(g, CG_OP_INPUT, 0, NULL, &s, NL);
  g->nodes.v[x].name = xl_strdup("x");
  int in2[2] = {x, x};
  int a = cg_add(g, CG_OP_ADD, 2, in2, NULL, NL);
  CHECK(cg_shape_eq(&g->nodes.v[a].shape, &s), "cg_add infers the shape");
  cg_shape st = S(2, 3, 2);
  int t = cg_add(g, CG_OP_TRANSPOSE, 1, &x, &st, NL);
  g->nodes.v[t].a[0] = 1, g->nodes.v[t].a[1] = 0;
  cg_shape r = S(1, 6);
  int rs = cg_add(g, CG_OP_RESHAPE, 1, &t, &r, NL);
  cg_output_add(g, "r", rs);
  CHECK(cg_verify(g, stderr) == 0, "cg_add graph verifies");
  CHECK(cg_broadcast(g, x, s) == x && cg_reshape(g, x, s) == x, "identity broadcast/reshape return x");
  cg_free(g);
}

static void test_verify(void) {
  cg_graph *g;

  g = sample(); /* wrong shape */
  g->nodes.v[4].shape = S(1, 4);
  expect_problem(__LINE__, g, "cg_verify: %4 exp: shape [4], operands give [3]");
  cg_free(g);

  g = sample(); /* forward reference */
  g->nodes.v[4].in[0] = 10;
  expect_problem(__LINE__, g, "cg_verify: %4 exp: operand 0 is %10, not an earlier node");
  cg_free(g);

  g = sample(); /* cycle: a node that reads itself */
  g->nodes.v[15].in[1] = 15;
  expect_problem(__LINE__, g, "cg_verify: %15 gt: operand 1 is %15, not an earlier node");
  cg_free(g);

  g = sample(); /* arity */
  g->nodes.v[16].nin = 2;
  expect_problem(__LINE__, g, "cg_verify: %16 where: 2 operands, 3 expected");
  cg_free(g);

  g = sample(); /* is_int */
  g->nodes.v[4].is_int = 1;
  expect_problem(__LINE__, g, "cg_verify: %4 exp: is_int 1, expected 0");
  cg_free(g);

  g = sample(); /* one_hot of a float index */
  g->nodes.v[3].is_int = 0;
  expect_problem(__LINE__, g, "cg_verify: %9 one_hot: index operand %3 is not is_int");
  cg_free(g);

  g = sample(); /* wrong shape inside a body */
  g->nodes.v[6].body->nodes.v[4].shape = S(2, 2, 2);
  expect_problem(__LINE__, g, "cg_verify: %6 scan body: %4 mul: shape [2, 2], operands give [2, 3]");
  cg_free(g);

  g = sample(); /* body output count */
  g->nodes.v[6].body->outs.n = 1;
  free(g->nodes.v[6].body->outs.v[1].name);
  expect_problem(__LINE__, g, "cg_verify: %6 scan: body has 1 outputs, nstate + nout = 2");
  cg_free(g);

  g = sample(); /* body input slot out of range */
  g->nodes.v[6].body->nodes.v[1].slot = 1;
  expect_problem(__LINE__, g, "cg_verify: %6 scan: body input %1 kind const slot 1 out of range [0, 1)");
  cg_free(g);

  g = sample(); /* body input kind that a body cannot have */
  g->nodes.v[6].body->nodes.v[0].ikind = CG_IN_PARAM;
  expect_problem(__LINE__, g, "cg_verify: %6 scan body: %0 input: input of kind");
  cg_free(g);

  g = sample(); /* body input shape vs the outer sequence minus the step axis */
  g->nodes.v[0].shape = S(3, 2, 4, 1);
  g->nodes.v[5].shape.d[0] = 2; /* einsum still fails elsewhere; the scan message is what we check */
  expect_problem(__LINE__, g, "cg_verify: %6 scan: body input %0 has shape [2, 3], operand %0 gives [2, 1]");
  cg_free(g);

  g = sample(); /* new state shape differs from the state */
  g->nodes.v[2].shape = S(2, 1, 3);
  expect_problem(__LINE__, g, "cg_verify: %6 scan: new state 0 has shape [2, 3], the state [1, 3]");
  cg_free(g);

  g = sample(); /* scan axis beyond the sequence rank */
  g->nodes.v[6].a[CG_SCAN_AXIS] = 3;
  expect_problem(__LINE__, g, "cg_verify: %6 scan: scan axis 3 out of range");
  cg_free(g);

  g = sample(); /* scan_out result index */
  g->nodes.v[8].a[0] = 3;
  expect_problem(__LINE__, g, "cg_verify: %8 scan_out: result #3 out of range");
  cg_free(g);

  g = sample(); /* duplicate output name */
  cg_output_add(g, "y", 5);
  expect_problem(__LINE__, g, "output name \"y\" used twice");
  cg_free(g);

  g = sample(); /* duplicate input name */
  cg_input(g, CG_IN_PARAM, "x", 0, S(1, 1), NL);
  expect_problem(__LINE__, g, "cg_verify: %17 input: input name \"x\" already used by %0");
  cg_free(g);

  g = sample(); /* output out of range */
  g->outs.v[0].node = 99;
  expect_problem(__LINE__, g, "output \"y\": node %99 out of range");
  cg_free(g);

  g = sample(); /* einsum label disagreeing with a size */
  g->nodes.v[5].a[8] = 2; /* 'd' -> 'b': b has size 2 in x, 3 in w */
  expect_problem(__LINE__, g, "cg_verify: %5 einsum: einsum label used with sizes 2 and 3");
  cg_free(g);
}

int main(void) {
  test_dump();
  test_floats();
  test_cg_add();
  test_verify();
  printf("test_cg_dump: %d checks, %d failures\n", checks, fails);
  return fails ? 1 : 0;
}
