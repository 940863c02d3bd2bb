/* test_parse.c - unit test of the .xl front end: lexer, parser, AST, diagnostics.
 *
 * Parses a file that uses every construct of docs/language.md and checks the AST (kinds,
 * names, operators, line:col of selected nodes); checks the token dump, the diagnostic
 * format (source line, caret, tabs, error limit), syntax-error recovery (three errors on
 * three lines give three diagnostics at the right positions), lexical errors, and the
 * nesting limits, and import items. Exit 0 on success, 1 with messages on failure.
 */
#include "lang.h"

#include <string.h>

static int failures;

#define CHECK(c)                                                                \
  do {                                                                          \
    if (!(c)) {                                                                 \
      fprintf(stderr, "test_parse.c:%d: check failed: %s\n", __LINE__, #c);    \
      failures++;                                                               \
    }                                                                           \
  } while (0)

/* Checks kind, and line:col when line > 0; returns n so checks can chain. */
static const ast *expect_at(const ast *n, ast_kind k, int line, int col, int src_line) {
  if (!n) {
    fprintf(stderr, "test_parse.c:%d: expected %s, got NULL\n", src_line, ast_kind_name(k));
    failures++;
    return NULL;
  }
  if (n->kind != k) {
    fprintf(stderr, "test_parse.c:%d: expected %s, got %s\n", src_line, ast_kind_name(k),
            ast_kind_name(n->kind));
    failures++;
  }
  if (line > 0 && (n->loc.line != line || n->loc.col != col)) {
    fprintf(stderr, "test_parse.c:%d: %s at %d:%d, expected %d:%d\n", src_line, ast_kind_name(k), n->loc.line,
            n->loc.col, line, col);
    failures++;
  }
  return n;
}
#define EXPECT(n, k, line, col) expect_at((n), (k), (line), (col), __LINE__)

static int streq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static const ast *item(const ast *def, int i) { return def && i < def->list.n ? def->list.v[i] : NULL; }

/* Parses text with diagnostics captured into *diag_out (malloc'd); returns the file. */
static const ast *parse_capture(xl_arena *ar, const char *text, int *nerr, char **diag_out) {
  size_t len = 0;
  FILE *f = open_memstream(diag_out, &len);
  lang_diag d;
  diag_init(&d, f);
  const ast *file = lang_parse(ar, "t.xl", text, &d);
  fclose(f);
  *nerr = d.nerr;
  return file;
}

/* ---- every construct ----------------------------------------------------------------- */

static const char *full_src =
    "# a cell with every kind of item\n"                                       /* 1 */
    "cell mlstm_cell(NH, DK, DV, eps = 1e-6, m0 = -inf) {\n"                   /* 2 */
    "  in    q: [NH, DK], k: [NH, DK]\n"                                       /* 3 */
    "  in    ids: int[T], x: [..., DV]\n"                                      /* 4 */
    "  state C: [NH, DK, DV] = 0, m: [NH] = m0\n"                              /* 5 */
    "  param w.weight: [NH, DK] = normal(std = 0.02)\n"                        /* 6 */
    "  let lf, lg = split(logsigmoid(x), 2)\n"                                 /* 7 */
    "  m' = max(lf + m, 2 ** -lf ** 3)\n"                                      /* 8 */
    "  C' = C * 2; lf = lf - 1\n"                                              /* 9 */
    "  out h = (q @ C') / (abs(dot(q, k)) + eps)\n"                            /* 10 */
    "  hint form = \"par\\\"al\\\\lel\\n\"\n"                                 /* 11 */
    "}\n"                                                                      /* 12 */
    "\n"                                                                       /* 13 */
    "block mlstm_block(E, NH, pf = 2.0) {\n"                                   /* 14 */
    "  xlstm.q_proj, xlstm.k_proj: headwise_linear(E, nblocks = 4)\n"            /* 15 */
    "  xlstm.mlstm_cell: mlstm_cell(NH, E / NH, E / NH)\n"                     /* 16 */
    "  in x: [T, E]\n"                                                         /* 17 */
    "  let h = scan xlstm.mlstm_cell over T (q = x, k = x[0, 1])\n"            /* 18 */
    "  out y = if not a and b or c != 1 then h % 2 else -h\n"                  /* 19 */
    "}\n"                                                                      /* 20 */
    "model xlstm_lm(V, E, L, slstm_at = [1, 3]) {\n"                           /* 21 */
    "  blocks: [for i in 0..L: if i in slstm_at then a(E) else b(E)]\n"        /* 22 */
    "  for i in 0..L - 1 {\n"                                                  /* 23 */
    "    x = blocks[i](x,\n"                                                   /* 24 */
    "                  true)\n"                                                /* 25 */
    "  }\n"                                                                    /* 26 */
    "  let s = [\"a\", false, 1 <= 2, 3 >= 4, 5 == 6, 7 < 8, 9 > 10]\n"        /* 27 */
    "  let r = reshape(x, [..., 2])\n"                                         /* 28 */
    "}\n";                                                                     /* 29 */

static void test_full(void) {
  xl_arena ar = {0};
  int nerr;
  char *diag = NULL;
  const ast *f = parse_capture(&ar, full_src, &nerr, &diag);
  CHECK(nerr == 0);
  if (nerr) fprintf(stderr, "%s", diag);
  free(diag);
  EXPECT(f, AST_FILE, 0, 0);
  CHECK(f->list.n == 3);
  if (f->list.n != 3) {
    xl_arena_free(&ar);
    return;
  }

  /* cell */
  const ast *c = EXPECT(f->list.v[0], AST_DEF, 2, 1);
  CHECK(c->op == AST_DEF_CELL && streq(c->name, "mlstm_cell"));
  CHECK(c->list2.n == 5);
  EXPECT(c->list2.v[0], AST_CFGPARAM, 2, 17);
  CHECK(streq(c->list2.v[0]->name, "NH") && !c->list2.v[0]->a);
  const ast *eps = EXPECT(c->list2.v[3], AST_CFGPARAM, 2, 29);
  CHECK(streq(eps->name, "eps"));
  EXPECT(eps->a, AST_NUM, 2, 35);
  CHECK(!eps->a->is_int && eps->a->num == 1e-6);
  const ast *m0 = c->list2.v[4]->a;
  EXPECT(m0, AST_UNOP, 2, 46);
  CHECK(m0->op == AST_OP_NEG);
  EXPECT(m0->a, AST_NAME, 2, 47);
  CHECK(streq(m0->a->name, "inf"));

  CHECK(c->list.n == 13); /* 2 + 2 in, 2 state, param, let, 3 updates/assigns, out, hint */
  const ast *q = EXPECT(item(c, 0), AST_IN, 3, 9);
  CHECK(streq(q->name, "q"));
  const ast *qt = EXPECT(q->a, AST_TYPE, 3, 12);
  CHECK(!qt->is_int && qt->list.n == 2);
  EXPECT(qt->list.v[1], AST_NAME, 3, 17);
  CHECK(streq(qt->list.v[1]->name, "DK"));
  EXPECT(item(c, 1), AST_IN, 3, 22);
  CHECK(streq(item(c, 1)->name, "k"));
  const ast *ids = EXPECT(item(c, 2), AST_IN, 4, 9);
  EXPECT(ids->a, AST_TYPE, 4, 14);
  CHECK(ids->a->is_int && ids->a->list.n == 1);
  const ast *x = EXPECT(item(c, 3), AST_IN, 4, 22);
  CHECK(x->a->list.n == 2);
  EXPECT(x->a->list.v[0], AST_ELLIPSIS, 4, 26);

  const ast *st = EXPECT(item(c, 4), AST_STATE, 5, 9);
  CHECK(streq(st->name, "C") && st->a->list.n == 3);
  EXPECT(st->b, AST_NUM, 5, 27);
  CHECK(st->b->is_int && st->b->num == 0);
  const ast *sm = EXPECT(item(c, 5), AST_STATE, 5, 30);
  CHECK(streq(sm->name, "m"));
  EXPECT(sm->b, AST_NAME, 5, 40);

  const ast *p = EXPECT(item(c, 6), AST_PARAM, 6, 3);
  CHECK(streq(p->name, "w.weight"));
  EXPECT(p->a, AST_TYPE, 6, 19);
  const ast *init = EXPECT(p->b, AST_CALL, 6, 30);
  CHECK(streq(init->a->name, "normal") && init->list.n == 1);
  const ast *kw = EXPECT(init->list.v[0], AST_KWARG, 6, 37);
  CHECK(streq(kw->name, "std"));
  EXPECT(kw->a, AST_NUM, 6, 43);

  const ast *let = EXPECT(item(c, 7), AST_LET, 7, 3);
  CHECK(let->list.n == 2);
  EXPECT(let->list.v[0], AST_NAME, 7, 7);
  EXPECT(let->list.v[1], AST_NAME, 7, 11);
  CHECK(streq(let->list.v[1]->name, "lg"));
  EXPECT(let->a, AST_CALL, 7, 16);

  const ast *um = EXPECT(item(c, 8), AST_UPDATE, 8, 3);
  CHECK(streq(um->name, "m"));
  const ast *mx = EXPECT(um->a, AST_CALL, 8, 8);
  CHECK(mx->list.n == 2);
  const ast *pw = EXPECT(mx->list.v[1], AST_BINOP, 8, 20); /* 2 ** (-(lf ** 3)) */
  CHECK(pw->op == AST_OP_POW);
  EXPECT(pw->b, AST_UNOP, 8, 25);
  EXPECT(pw->b->a, AST_BINOP, 8, 26);
  CHECK(pw->b->a->op == AST_OP_POW);

  EXPECT(item(c, 9), AST_UPDATE, 9, 3); /* `;` ends an item */
  const ast *as = EXPECT(item(c, 10), AST_ASSIGN, 9, 15);
  CHECK(streq(as->name, "lf"));
  CHECK(as->a->op == AST_OP_SUB);

  const ast *out = EXPECT(item(c, 11), AST_OUT, 10, 3);
  CHECK(streq(out->name, "h"));
  const ast *div = EXPECT(out->a, AST_BINOP, 10, 11);
  CHECK(div->op == AST_OP_DIV);
  const ast *mm = EXPECT(div->a, AST_BINOP, 10, 12);
  CHECK(mm->op == AST_OP_MATMUL);
  EXPECT(mm->b, AST_PRIMED, 10, 16);
  CHECK(streq(mm->b->name, "C"));

  const ast *hint = EXPECT(item(c, 12), AST_HINT, 11, 3);
  CHECK(streq(hint->name, "form"));
  EXPECT(hint->a, AST_STR, 11, 15);
  CHECK(streq(hint->a->name, "par\"al\\lel\n"));

  /* block */
  const ast *b = EXPECT(f->list.v[1], AST_DEF, 14, 1);
  CHECK(b->op == AST_DEF_BLOCK && streq(b->name, "mlstm_block"));
  CHECK(b->list2.n == 3 && b->list.n == 5);
  const ast *inst = EXPECT(item(b, 0), AST_INST, 15, 3);
  CHECK(inst->list.n == 2);
  EXPECT(inst->list.v[1], AST_NAME, 15, 17);
  CHECK(streq(inst->list.v[0]->name, "xlstm.q_proj") && streq(inst->list.v[1]->name, "xlstm.k_proj"));
  EXPECT(inst->a, AST_CALL, 15, 31);
  CHECK(inst->a->list.n == 2 && inst->a->list.v[1]->kind == AST_KWARG);
  EXPECT(item(b, 1), AST_INST, 16, 3);
  const ast *scan = EXPECT(item(b, 3)->a, AST_SCAN, 18, 11);
  CHECK(streq(scan->name, "T") && scan->list.n == 2);
  EXPECT(scan->a, AST_MEMBER, 18, 16);
  CHECK(streq(scan->a->name, "mlstm_cell") && scan->a->a && streq(scan->a->a->name, "xlstm"));
  const ast *k2 = EXPECT(scan->list.v[1], AST_KWARG, 18, 48);
  const ast *ix = EXPECT(k2->a, AST_INDEX, 18, 52);
  CHECK(ix->list.n == 2);

  const ast *ife = EXPECT(item(b, 4)->a, AST_IF, 19, 11);
  const ast *or_ = EXPECT(ife->a, AST_BINOP, 19, 14); /* ((not a) and b) or (c != 1) */
  CHECK(or_->op == AST_OP_OR);
  CHECK(or_->a->op == AST_OP_AND && or_->a->a->kind == AST_UNOP && or_->a->a->op == AST_OP_NOT);
  CHECK(or_->b->op == AST_OP_NE);
  CHECK(ife->b->op == AST_OP_MOD);
  CHECK(ife->c->kind == AST_UNOP && ife->c->op == AST_OP_NEG);

  /* model */
  const ast *mo = EXPECT(f->list.v[2], AST_DEF, 21, 1);
  CHECK(mo->op == AST_DEF_MODEL && mo->list.n == 4);
  EXPECT(mo->list2.v[3]->a, AST_LIST, 21, 36);
  CHECK(mo->list2.v[3]->a->list.n == 2);
  const ast *bl = EXPECT(item(mo, 0), AST_INST, 22, 3);
  const ast *lc = EXPECT(bl->a, AST_LISTCOMP, 22, 11);
  CHECK(streq(lc->name, "i"));
  EXPECT(lc->a, AST_NUM, 22, 21);
  EXPECT(lc->b, AST_NAME, 22, 24); /* `0..L` is 0 .. L */
  const ast *lif = EXPECT(lc->c, AST_IF, 22, 27);
  CHECK(lif->a->op == AST_OP_IN);
  EXPECT(lif->b, AST_CALL, 22, 49);
  const ast *fo = EXPECT(item(mo, 1), AST_FOR, 23, 3);
  CHECK(streq(fo->name, "i") && fo->list.n == 1);
  CHECK(fo->b->kind == AST_BINOP && fo->b->op == AST_OP_SUB);
  const ast *fa = EXPECT(fo->list.v[0], AST_ASSIGN, 24, 5);
  const ast *call = EXPECT(fa->a, AST_CALL, 24, 9); /* spans two lines inside ( ) */
  CHECK(call->list.n == 2);
  EXPECT(call->a, AST_INDEX, 24, 9);
  EXPECT(call->list.v[1], AST_BOOL, 25, 19);
  CHECK(call->list.v[1]->num == 1);
  const ast *lst = EXPECT(item(mo, 2)->a, AST_LIST, 27, 11);
  CHECK(lst->list.n == 7);
  if (lst->list.n == 7) {
    EXPECT(lst->list.v[0], AST_STR, 27, 12);
    EXPECT(lst->list.v[1], AST_BOOL, 27, 17);
    int ops[] = {AST_OP_LE, AST_OP_GE, AST_OP_EQ, AST_OP_LT, AST_OP_GT};
    for (int i = 0; i < 5; i++) CHECK(lst->list.v[2 + i]->kind == AST_BINOP && lst->list.v[2 + i]->op == ops[i]);
  }

  const ast *rs = EXPECT(item(mo, 3)->a, AST_CALL, 28, 11); /* `...` in a shape list */
  const ast *shp = rs->list.n == 2 ? EXPECT(rs->list.v[1], AST_LIST, 28, 22) : NULL;
  CHECK(shp && shp->list.n == 2);
  if (shp && shp->list.n == 2) EXPECT(shp->list.v[0], AST_ELLIPSIS, 28, 23);

  /* the dump is deterministic and has the documented shape */
  char *dump = NULL;
  size_t dlen = 0;
  FILE *df = open_memstream(&dump, &dlen);
  ast_dump(f, df);
  fclose(df);
  CHECK(strncmp(dump, "file\n  def cell mlstm_cell @2:1\n    cfg NH @2:17\n", 49) == 0);
  CHECK(strstr(dump, "\n      num 9.9999999999999995e-07 float @2:35\n") != NULL);
  CHECK(strstr(dump, "\n    param w.weight @6:3\n      type @6:19\n") != NULL);
  CHECK(strstr(dump, "\n      str \"par\\\"al\\\\lel\\n\" @11:15\n") != NULL);
  CHECK(strstr(dump, "\n      scan over T @18:11\n        member mlstm_cell @18:16\n") != NULL);
  CHECK(strstr(dump, "\n          binop in @22:30\n") != NULL);
  free(dump);
  xl_arena_free(&ar);
}

/* ---- tokens ---------------------------------------------------------------------------- */

static void test_tokens(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  lang_diag d;
  diag_init(&d, stderr);
  lang_dump_tokens("t.xl", "x[0..L] C' ... 1.5 2e3 (a\n b) # c\n\"s\" **", f, &d);
  fclose(f);
  const char *want = "1:1 IDENT x\n1:2 PUNCT [\n1:3 INT 0\n1:4 PUNCT ..\n1:6 IDENT L\n1:7 PUNCT ]\n"
                     "1:9 PRIMED C'\n1:12 PUNCT ...\n1:16 FLOAT 1.5\n1:20 FLOAT 2e3\n1:24 PUNCT (\n"
                     "1:25 IDENT a\n2:2 IDENT b\n2:3 PUNCT )\n2:8 NEWLINE\n3:1 STRING \"s\"\n3:5 PUNCT **\n"
                     "3:7 EOF\n";
  CHECK(d.nerr == 0);
  CHECK(streq(buf, want));
  if (!streq(buf, want)) fprintf(stderr, "tokens:\n%s", buf);
  free(buf);
}

/* ---- diagnostics ----------------------------------------------------------------------- */

static void test_diag_format(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  lang_diag d;
  diag_init(&d, f);
  const char *text = "first\n\tx = y\n";
  xl_loc l = {"a.xl", text, 2, 6};
  diag_error(&d, l, "bad %s", "thing");
  xl_loc nofile = {NULL, NULL, 0, 0};
  diag_error(&d, nofile, "no file");
  xl_loc noline = {"a.xl", text, 0, 0};
  diag_warn(&d, noline, "whole file");
  diag_note(&d, l, "note here");
  fclose(f);
  const char *want = "a.xl:2:6: error: bad thing\n\tx = y\n\t    ^\n"
                     "xlc: error: no file\n"
                     "a.xl: warning: whole file\n"
                     "a.xl:2:6: note: note here\n\tx = y\n\t    ^\n";
  CHECK(streq(buf, want));
  if (!streq(buf, want)) fprintf(stderr, "diag:\n%s", buf);
  CHECK(d.nerr == 2 && d.nwarn == 1);
  free(buf);

  /* error limit: 3 shown, one "too many errors" line, the rest counted */
  buf = NULL;
  f = open_memstream(&buf, &len);
  diag_init(&d, f);
  d.max_err = 3;
  for (int i = 0; i < 10; i++) diag_error(&d, noline, "e%d", i);
  fclose(f);
  CHECK(d.nerr == 10);
  CHECK(strstr(buf, "e2\n") && !strstr(buf, "e3\n"));
  const char *tm = strstr(buf, "too many errors");
  CHECK(tm && !strstr(tm + 1, "too many errors") && !strstr(tm, "e9"));
  free(buf);
}

/* Counts lines of s that contain ": error: ". */
static int count_errors(const char *s) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, ": error: ")); p++) n++;
  return n;
}

static void test_recovery(void) {
  xl_arena ar = {0};
  int nerr;
  char *diag = NULL;
  const char *src = "cell a(x) {\n"
                    "  in q: [T]\n"
                    "  let y = = 3\n"       /* 3:11 */
                    "  out h = q\n"
                    "  state s: [T]\n"      /* 5:15: missing = */
                    "  for i in 0..3 3 {\n" /* 6:17; its body is skipped whole */
                    "    let z = 1\n"
                    "  }\n"
                    "  out g = q\n"
                    "}\n"
                    "block b() {\n"
                    "  out k = 1\n"
                    "}\n";
  const ast *f = parse_capture(&ar, src, &nerr, &diag);
  CHECK(nerr == 3);
  CHECK(count_errors(diag) == 3);
  CHECK(strstr(diag, "t.xl:3:11: error: syntax error, unexpected '=', expecting an expression\n  let y = = 3\n          ^\n") != NULL);
  CHECK(strstr(diag, "t.xl:5:15: error: syntax error, unexpected newline, expecting '='\n") != NULL);
  CHECK(strstr(diag, "t.xl:6:17: error: syntax error, unexpected integer '3', expecting '{' or an operator\n") != NULL);
  if (nerr != 3) fprintf(stderr, "%s", diag);
  /* the items around the errors and the next definition survive */
  CHECK(f->list.n == 2);
  if (f->list.n == 2) {
    CHECK(f->list.v[0]->list.n == 3); /* in q, out h, out g */
    EXPECT(item(f->list.v[0], 2), AST_OUT, 9, 3);
    EXPECT(f->list.v[1], AST_DEF, 11, 1);
  }
  free(diag);
  xl_arena_free(&ar);

  /* errors in a header skip the whole definition; the next one still parses */
  diag = NULL;
  f = parse_capture(&ar,
                    "cell a(x y) {\n  for i in 0..3 {\n    out h = 1\n  }\n  out z = 2\n}\n"
                    "cell b() {\n}\n",
                    &nerr, &diag);
  CHECK(nerr == 1 && strstr(diag, "t.xl:1:10: error: syntax error, unexpected identifier 'y', expecting "));
  CHECK(f->list.n == 1 && streq(f->list.v[0]->name, "b"));
  free(diag);
  xl_arena_free(&ar);

  /* missing '}' at the end, and an unclosed bracket */
  diag = NULL;
  f = parse_capture(&ar, "cell a() {\n  let x = f(1,\n  out h = 2\n", &nerr, &diag);
  CHECK(nerr == 1 && strstr(diag, "t.xl:3:3: error: syntax error, unexpected 'out' (the '(' at 2:12 is not closed)"));
  free(diag);
  xl_arena_free(&ar);
  diag = NULL;
  f = parse_capture(&ar, "model m() {\n  out h = 2\n", &nerr, &diag);
  CHECK(nerr == 1 && strstr(diag, "t.xl:3:1: error: syntax error, unexpected end of file (missing '}')\n"));
  free(diag);
  xl_arena_free(&ar);
}

static void test_lexical_errors(void) {
  xl_arena ar = {0};
  int nerr;
  char *diag = NULL;
  const ast *f = parse_capture(&ar,
                               "cell a() {\n"
                               "  let s = \"abc\n"      /* 2:11 unterminated */
                               "  let t = 1 $\n"        /* 3:13 illegal */
                               "  let u = \"x\\ty\"\n"  /* 4:13 unknown escape */
                               "  let v = 99999999999999999999\n" /* 5:11 too large */
                               "}\n",
                               &nerr, &diag);
  CHECK(nerr == 4);
  CHECK(strstr(diag, "t.xl:2:11: error: unterminated string\n"));
  CHECK(strstr(diag, "t.xl:3:13: error: illegal character '$'\n"));
  CHECK(strstr(diag, "t.xl:4:13: error: unknown escape sequence '\\t'"));
  CHECK(strstr(diag, "t.xl:5:11: error: integer literal '99999999999999999999' is too large\n"));
  if (nerr != 4) fprintf(stderr, "%s", diag);
  /* the lexer goes on: all four lets are there */
  CHECK(f->list.n == 1 && f->list.v[0]->list.n == 4);
  free(diag);
  xl_arena_free(&ar);
}

static void test_limits(void) {
  xl_arena ar = {0};
  int nerr;
  char *diag = NULL;
  /* too many open parentheses */
  size_t n = 100000;
  char *src = xl_malloc(n + 64);
  strcpy(src, "cell a() {\n  let x = ");
  size_t k = strlen(src);
  memset(src + k, '(', n);
  strcpy(src + k + n, "1\n}\n");
  parse_capture(&ar, src, &nerr, &diag);
  CHECK(nerr == 1 && strstr(diag, "t.xl:2:210: error: nesting too deep"));
  free(diag);
  xl_arena_free(&ar);

  /* a long chain without brackets: the tree depth is limited */
  k = strlen("cell a() {\n  let x = ");
  for (size_t i = 0; i < 3000; i++) memcpy(src + k + 2 * i, "a+", 2);
  strcpy(src + k + 6000, "a\n}\n");
  diag = NULL;
  const ast *f = parse_capture(&ar, src, &nerr, &diag);
  CHECK(nerr == 1 && strstr(diag, "t.xl:2:11: error: nesting too deep"));
  CHECK(f->list.n == 1); /* the definition is kept, with the expression cut short */
  free(diag);
  xl_arena_free(&ar);
  free(src);

  /* empty and odd inputs never crash */
  const char *odd[] = {"", "\n\n", "}", "{", "cell", "cell a(", "'", "\"", "\\", "cell a() {\n  x' = \n}\n",
                       "]]]]", "((((", "cell a() { x = 1 }", "cell a() { }", "model m() {\n  a.b: [for i in 0..: ]\n}\n"};
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
    diag = NULL;
    f = parse_capture(&ar, odd[i], &nerr, &diag);
    CHECK(f && f->kind == AST_FILE);
    CHECK((i < 2 || i == 13) == (nerr == 0)); /* "cell a() { }" is valid */
    free(diag);
    xl_arena_free(&ar);
  }
}

/* import items: in file->list2, at the path, by name (op 1) or by path (op 0) */
static void test_imports(void) {
  xl_arena ar = {0};
  int nerr;
  char *diag = NULL;
  const ast *f = parse_capture(&ar, "import xlstm\ncell a(N) {\n  in x: [N]\n  out y = x\n}\n\nimport \"lib/b.xl\"\n",
                               &nerr, &diag);
  CHECK(nerr == 0);
  CHECK(f->list.n == 1 && f->list2.n == 2);
  const ast *i0 = EXPECT(f->list2.n > 0 ? f->list2.v[0] : NULL, AST_IMPORT, 1, 8);
  const ast *i1 = EXPECT(f->list2.n > 1 ? f->list2.v[1] : NULL, AST_IMPORT, 7, 8);
  CHECK(i0 && i0->op == 1 && streq(i0->name, "xlstm"));
  CHECK(i1 && i1->op == 0 && streq(i1->name, "lib/b.xl"));
  free(diag);
  diag = NULL;
  parse_capture(&ar, "import 3\nimport\n", &nerr, &diag);
  CHECK(nerr == 2);
  CHECK(strstr(diag, "t.xl:1:8: error: syntax error, unexpected integer '3', expecting") != NULL);
  CHECK(strstr(diag, "t.xl:2:7: error: syntax error, unexpected newline, expecting") != NULL);
  if (nerr != 2) fprintf(stderr, "%s", diag);
  free(diag);
  xl_arena_free(&ar);
}

int main(void) {
  test_full();
  test_imports();
  test_tokens();
  test_diag_format();
  test_recovery();
  test_lexical_errors();
  test_limits();
  if (failures) {
    fprintf(stderr, "test_parse: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_parse: ok\n");
  return 0;
}
