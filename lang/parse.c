/* parse.c - entry points of the front end: lang_parse (text -> AST_FILE) and
 * lang_dump_tokens (text -> one token per line, for `xlc dump --stage=tokens`).
 *
 * Sets up the parse context shared by the flex scanner (lexer.l) and the bison parser
 * (parser.y), runs them, and tears the scanner down. Always returns a file node, partial when
 * there were errors; every diagnostic goes to the caller's lang_diag.
 */
#include "lang.h"

#include <string.h>

#define YYSTYPE XLP_STYPE
#define YYLTYPE XLP_LTYPE
#include "parser.h"
#include "lexer.h"

static void pctx_init(lang_pctx *c, xl_arena *ar, const char *path, const char *text, lang_diag *d) {
  memset(c, 0, sizeof *c);
  c->ar = ar;
  c->d = d;
  c->path = path;
  c->text = text ? text : "";
  c->line = 1;
  c->col = 1;
}

/* Creates the scanner over c->text; 0 on failure (out of memory). */
static int scan_begin(lang_pctx *c, YY_BUFFER_STATE *buf) {
  yyscan_t sc;
  if (xlscanlex_init_extra(c, &sc)) return 0;
  c->scanner = sc;
  *buf = xlscan_scan_string(c->text, sc);
  return 1;
}

static void scan_end(lang_pctx *c, YY_BUFFER_STATE buf) {
  xlscan_delete_buffer(buf, c->scanner);
  xlscanlex_destroy(c->scanner);
  c->scanner = NULL;
}

ast *lang_parse(xl_arena *ar, const char *path, const char *text, lang_diag *d) {
  lang_pctx c;
  pctx_init(&c, ar, path, text, d);
  xl_loc start = {path, c.text, 1, 1};
  c.file = ast_new(ar, AST_FILE, start);
  YY_BUFFER_STATE buf;
  if (!scan_begin(&c, &buf)) {
    xl_loc none = {path, NULL, 0, 0};
    diag_error(d, none, "cannot start the scanner (out of memory)");
    return c.file;
  }
  xlp_parse(&c);
  scan_end(&c, buf);
  return c.file;
}

static const char *token_kind(int t) {
  switch (t) {
  case IDENT: return "IDENT";
  case PRIMED: return "PRIMED";
  case INT: return "INT";
  case FLOAT: return "FLOAT";
  case STRING: return "STRING";
  case NEWLINE: return "NEWLINE";
  case KW_CELL: case KW_BLOCK: case KW_MODEL: case KW_IN: case KW_STATE: case KW_PARAM:
  case KW_LET: case KW_OUT: case KW_FOR: case KW_IF: case KW_THEN: case KW_ELSE: case KW_SCAN:
  case KW_OVER: case KW_HINT: case KW_TRUE: case KW_FALSE: case KW_AND: case KW_OR: case KW_NOT:
  case KW_INT: case KW_IMPORT:
    return "KEYWORD";
  }
  return "PUNCT";
}

void lang_dump_tokens(const char *path, const char *text, FILE *out, lang_diag *d) {
  xl_arena ar = {0};
  lang_pctx c;
  pctx_init(&c, &ar, path, text, d);
  YY_BUFFER_STATE buf;
  if (!scan_begin(&c, &buf)) {
    xl_loc none = {path, NULL, 0, 0};
    diag_error(d, none, "cannot start the scanner (out of memory)");
    return;
  }
  for (;;) {
    YYSTYPE v;
    YYLTYPE l;
    int t = xlscanlex(&v, &l, c.scanner);
    if (t == 0) {
      fprintf(out, "%d:%d EOF\n", c.line, c.col);
      break;
    }
    if (t == NEWLINE) {
      fprintf(out, "%d:%d NEWLINE\n", l.first_line, l.first_column);
      continue;
    }
    /* the lexeme as written (strings keep their quotes and escapes) */
    fprintf(out, "%d:%d %s %.*s\n", l.first_line, l.first_column, token_kind(t), (int)c.tok_len,
            c.text + c.tok_off);
  }
  scan_end(&c, buf);
  xl_arena_free(&ar);
}
