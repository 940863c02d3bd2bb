/* parser.y - grammar of the .xl language (docs/language.md), building the AST of lang.h.
 *
 * A pure bison parser with locations over the reentrant flex scanner (lexer.l). Input:
 * tokens; output: AST_DEF nodes appended to ctx->file as each definition completes, so a
 * failed parse still leaves the definitions before (and after) the error. Syntax errors are
 * reported through lang_diag with readable token names (a misspelt keyword at the start of
 * an item, at the misspelling, with the keyword meant); the parser recovers at the end of
 * the item (newline or ';') and at the '}' closing a body, so one run reports several
 * errors. Every node's depth is tracked, and no expression deeper than LANG_MAX_DEPTH is
 * kept, so later passes may recurse. All memory is in ctx->ar.
 */
%require "3.6"
%define api.pure full
%define api.prefix {xlp_}
%locations
%define parse.error custom
%define parse.lac full
%param {lang_pctx *ctx}
%expect 0

%code requires {
#include "lang.h"

/* State of one parse, shared by the scanner (as its extra data), the parser and parse.c. */
typedef struct lang_pctx {
  xl_arena *ar;
  lang_diag *d;
  const char *path, *text;
  void *scanner; /* yyscan_t */
  ast *file;     /* AST_FILE: definitions are appended as they complete */
  /* scanner position */
  int line, col;              /* next character, 1-based (columns count bytes) */
  size_t off;                 /* bytes consumed */
  size_t tok_off, tok_len;    /* lexeme of the last token, in text */
  int paren, brace;           /* open ( [ and open { */
  int open_line, open_col;    /* the outermost open ( or [ */
  char open_char;
  int fatal;                  /* "nesting too deep": end of input from now on */
  /* parser error recovery */
  int brace_before;           /* brace depth before the last token was read */
  int in_error, err_brace;    /* after a syntax error: nested { } are skipped whole */
  int deep_reported;          /* "nesting too deep" for an expression, once per file */
  /* the last two tokens returned (kind, position, lexeme, whether it starts an item), for
     "unknown keyword 'stat'; did you mean 'state'?" at a misspelt keyword */
  struct { int kind, starts_item, line, col, brace; size_t off, len; } tok[2];
} lang_pctx;
}

%union {
  ast *n;
  ast_list *l;
  char *s;
  int i;
}

%code {
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

int xlscanlex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
static int yylex(YYSTYPE *lval, YYLTYPE *lloc, lang_pctx *ctx);
static void yyerror(YYLTYPE *lloc, lang_pctx *ctx, const char *msg);

static xl_loc ploc(const lang_pctx *c, YYLTYPE l) {
  xl_loc loc = {c->path, c->text, l.first_line, l.first_column};
  return loc;
}

/* Parser nodes carry their depth just before the node, for the nesting limit. */
typedef struct {
  int depth;
  ast n;
} pnode;

static ast *mk(lang_pctx *c, ast_kind k, YYLTYPE l) {
  pnode *p = xl_arena_alloc(c->ar, sizeof *p);
  p->depth = 1;
  p->n.kind = k;
  p->n.loc = ploc(c, l);
  return &p->n;
}

static int depth_of(const ast *n) {
  return n ? ((const pnode *)(const void *)((const char *)n - offsetof(pnode, n)))->depth : 0;
}

static int max_depth(int d, const ast_list *l) {
  for (int i = 0; i < l->n; i++)
    if (depth_of(l->v[i]) > d) d = depth_of(l->v[i]);
  return d;
}

/* Records n's depth; an expression nested deeper than LANG_MAX_DEPTH is replaced by a
   literal 0 (and a `for` loses its body), after one error per file. */
static ast *fin(lang_pctx *c, ast *n) {
  int d = depth_of(n->a);
  if (depth_of(n->b) > d) d = depth_of(n->b);
  if (depth_of(n->c) > d) d = depth_of(n->c);
  d = max_depth(d, &n->list);
  d = max_depth(d, &n->list2);
  d++;
  if (d > LANG_MAX_DEPTH) {
    if (!c->deep_reported)
      diag_error(c->d, n->loc, "nesting too deep (expression deeper than %d levels)", LANG_MAX_DEPTH);
    c->deep_reported = 1;
    if (n->kind == AST_FOR || n->kind == AST_WHEN) {
      n->list.n = n->list2.n = 0;
      d = (depth_of(n->a) > depth_of(n->b) ? depth_of(n->a) : depth_of(n->b)) + 1;
    } else {
      pnode *p = xl_arena_alloc(c->ar, sizeof *p);
      p->depth = 1;
      p->n.kind = AST_NUM;
      p->n.is_int = 1;
      p->n.loc = n->loc;
      return &p->n;
    }
  }
  ((pnode *)(void *)((char *)n - offsetof(pnode, n)))->depth = d;
  return n;
}

static ast_list *newlist(lang_pctx *c) { return xl_arena_alloc(c->ar, sizeof(ast_list)); }

static ast_list *push(lang_pctx *c, ast_list *l, ast *x) {
  ast_push(c->ar, l, x);
  return l;
}

static ast *named(lang_pctx *c, ast_kind k, YYLTYPE l, char *name, ast *a, ast *b) {
  ast *n = mk(c, k, l);
  n->name = name;
  n->a = a;
  n->b = b;
  return fin(c, n);
}

static ast *binop(lang_pctx *c, int op, YYLTYPE l, ast *a, ast *b) {
  ast *n = mk(c, AST_BINOP, l);
  n->op = op;
  n->a = a;
  n->b = b;
  return fin(c, n);
}

static ast *unop(lang_pctx *c, int op, YYLTYPE l, ast *a) {
  ast *n = mk(c, AST_UNOP, l);
  n->op = op;
  n->a = a;
  return fin(c, n);
}

static ast *number(lang_pctx *c, YYLTYPE l, const char *s, int is_int) {
  ast *n = mk(c, AST_NUM, l);
  n->is_int = is_int;
  n->num = strtod(s, NULL);
  if (is_int && n->num > 9007199254740992.0) /* 2^53: beyond it integers are not exact */
    diag_error(c->d, n->loc, "integer literal '%.40s' is too large", s);
  else if (!is_int && isinf(n->num))
    diag_error(c->d, n->loc, "number '%.40s' is too large", s);
  return n;
}

static char *join_dotted(lang_pctx *c, const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *s = xl_arena_alloc(c->ar, na + nb + 2);
  memcpy(s, a, na);
  s[na] = '.';
  memcpy(s + na + 1, b, nb);
  return s;
}

static ast *mkdef(lang_pctx *c, YYLTYPE l, int kind, char *name, ast_list *cfgs, ast_list *items) {
  ast *n = mk(c, AST_DEF, l);
  n->op = kind;
  n->name = name;
  if (cfgs) n->list2 = *cfgs;
  n->list = *items;
  return n;
}

static ast *mkwhen(lang_pctx *c, YYLTYPE l, ast *cond, ast_list *then, ast_list *els) {
  ast *n = mk(c, AST_WHEN, l);
  n->a = cond;
  n->list = *then;
  if (els) n->list2 = *els;
  return fin(c, n);
}

static ast *mkfor(lang_pctx *c, YYLTYPE l, char *var, ast *lo, ast *hi, ast_list *body) {
  ast *n = mk(c, AST_FOR, l);
  n->name = var;
  n->a = lo;
  n->b = hi;
  n->list = *body;
  return fin(c, n);
}

/* After a recovery rule: the syntax error is over. */
#define RECOVERED() do { yyerrok; ctx->in_error = 0; } while (0)
}

%token <s> IDENT "identifier" PRIMED "primed name" INT "integer" FLOAT "number" STRING "string"
%token NEWLINE "newline"
%token KW_CELL "'cell'" KW_BLOCK "'block'" KW_MODEL "'model'" KW_IN "'in'" KW_STATE "'state'"
%token KW_PARAM "'param'" KW_LET "'let'" KW_OUT "'out'" KW_FOR "'for'" KW_IF "'if'"
%token KW_THEN "'then'" KW_ELSE "'else'" KW_SCAN "'scan'" KW_OVER "'over'" KW_HINT "'hint'"
%token KW_TRUE "'true'" KW_FALSE "'false'" KW_AND "'and'" KW_OR "'or'" KW_NOT "'not'"
%token KW_INT "'int'" KW_IMPORT "'import'" KW_FN "'fn'"
%token POW "'**'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='" DOTDOT "'..'" ELLIPSIS "'...'"

%type <i> defkw cmpop
%type <n> def cfg dotted type dim expr or_e and_e not_e cmp sum prod unary power postfix primary
%type <n> scan_callee arg decl sdecl when import fndef
%type <l> cfgs cfgs_opt body item decls sdecls dotteds idents dims dims_opt args args_opt exprs
%type <l> exprs_opt

%%

/* file := any sequence of definitions, imports and newlines; imports go to file->list2 */
file: %empty
    | file def              { ast_push(ctx->ar, &ctx->file->list, $2); }
    | file fndef            { ast_push(ctx->ar, &ctx->file->list, $2); }
    | file import           { ast_push(ctx->ar, &ctx->file->list2, $2); }
    | file NEWLINE
    | file error NEWLINE    { RECOVERED(); }
    | file error '}'        { RECOVERED(); }
    ;

def: defkw IDENT '(' cfgs_opt ')' '{' body '}'
                            { $$ = mkdef(ctx, @1, $1, $2, $4, $7); }
   | defkw IDENT '(' cfgs_opt ')' '{' body error '}'
                            { RECOVERED(); $$ = mkdef(ctx, @1, $1, $2, $4, $7); }
   ;

/* `import "path.xl"` (relative to this file) or `import NAME` (NAME.xl of the stdlib) */
import: KW_IMPORT STRING    { $$ = named(ctx, AST_IMPORT, @2, $2, NULL, NULL); }
      | KW_IMPORT IDENT     { $$ = named(ctx, AST_IMPORT, @2, $2, NULL, NULL); $$->op = 1; }
      ;

defkw: KW_CELL  { $$ = AST_DEF_CELL; }
     | KW_BLOCK { $$ = AST_DEF_BLOCK; }
     | KW_MODEL { $$ = AST_DEF_MODEL; }
     ;

cfgs_opt: %empty            { $$ = NULL; }
        | cfgs
        ;
cfgs: cfg                   { $$ = push(ctx, newlist(ctx), $1); }
    | cfgs ',' cfg          { $$ = push(ctx, $1, $3); }
    ;
cfg: IDENT                  { $$ = named(ctx, AST_CFGPARAM, @1, $1, NULL, NULL); }
   | IDENT '=' expr         { $$ = named(ctx, AST_CFGPARAM, @1, $1, $3, NULL); }
   ;

/* a helper: `fn name(a, b = 1) = expr`, inlined where it is called (after `cfg`, so that the
   character tokens keep their numbers and expected-token lists their order) */
fndef: KW_FN IDENT '(' cfgs_opt ')' '=' expr
                            { ast_list none = {0};
                              $$ = mkdef(ctx, @1, AST_DEF_FN, $2, $4, &none);
                              $$->a = $7; }
     ;

body: %empty                { $$ = newlist(ctx); }
    | body item term        { for (int i = 0; i < $2->n; i++) ast_push(ctx->ar, $1, $2->v[i]);
                              $$ = $1; }
    | body NEWLINE          { $$ = $1; }
    | body error term       { RECOVERED(); $$ = $1; }
    ;
term: NEWLINE | ';' ;

item: KW_IN decls           { $$ = $2; }
    | KW_STATE sdecls       { $$ = $2; }
    | KW_PARAM dotted ':' type '=' expr
                            { $$ = push(ctx, newlist(ctx), named(ctx, AST_PARAM, @1, $2->name, $4, $6)); }
    | dotteds ':' expr      { ast *n = mk(ctx, AST_INST, @1);
                              n->list = *$1;
                              n->a = $3;
                              $$ = push(ctx, newlist(ctx), fin(ctx, n)); }
    | KW_LET idents '=' expr
                            { ast *n = mk(ctx, AST_LET, @1);
                              n->list = *$2;
                              n->a = $4;
                              $$ = push(ctx, newlist(ctx), fin(ctx, n)); }
    | IDENT '=' expr        { $$ = push(ctx, newlist(ctx), named(ctx, AST_ASSIGN, @1, $1, $3, NULL)); }
    | PRIMED '=' expr       { $$ = push(ctx, newlist(ctx), named(ctx, AST_UPDATE, @1, $1, $3, NULL)); }
    | KW_OUT IDENT '=' expr { $$ = push(ctx, newlist(ctx), named(ctx, AST_OUT, @1, $2, $4, NULL)); }
    | KW_FOR IDENT KW_IN expr DOTDOT expr '{' body '}'
                            { $$ = push(ctx, newlist(ctx), mkfor(ctx, @1, $2, $4, $6, $8)); }
    | KW_FOR IDENT KW_IN expr DOTDOT expr '{' body error '}'
                            { RECOVERED();
                              $$ = push(ctx, newlist(ctx), mkfor(ctx, @1, $2, $4, $6, $8)); }
    | KW_HINT IDENT '=' expr
                            { $$ = push(ctx, newlist(ctx), named(ctx, AST_HINT, @1, $2, $4, NULL)); }
    | when                  { $$ = push(ctx, newlist(ctx), $1); }
    ;

/* compile-time conditional items: `if COND { items } [else { items } | else if ...]` */
when: KW_IF expr '{' body '}'
                            { $$ = mkwhen(ctx, @1, $2, $4, NULL); }
    | KW_IF expr '{' body error '}'
                            { RECOVERED(); $$ = mkwhen(ctx, @1, $2, $4, NULL); }
    | KW_IF expr '{' body '}' KW_ELSE '{' body '}'
                            { $$ = mkwhen(ctx, @1, $2, $4, $8); }
    | KW_IF expr '{' body '}' KW_ELSE when
                            { $$ = mkwhen(ctx, @1, $2, $4, push(ctx, newlist(ctx), $7)); }
    ;

decls: decl                 { $$ = push(ctx, newlist(ctx), $1); }
     | decls ',' decl       { $$ = push(ctx, $1, $3); }
     ;
decl: IDENT ':' type        { $$ = named(ctx, AST_IN, @1, $1, $3, NULL); }
    ;
sdecls: sdecl               { $$ = push(ctx, newlist(ctx), $1); }
      | sdecls ',' sdecl    { $$ = push(ctx, $1, $3); }
      ;
sdecl: IDENT ':' type '=' expr
                            { $$ = named(ctx, AST_STATE, @1, $1, $3, $5); }
     ;

dotted: IDENT               { $$ = named(ctx, AST_NAME, @1, $1, NULL, NULL); }
      | dotted '.' IDENT    { $$ = $1; $$->name = join_dotted(ctx, $1->name, $3); }
      ;
dotteds: dotted             { $$ = push(ctx, newlist(ctx), $1); }
       | dotteds ',' dotted { $$ = push(ctx, $1, $3); }
       ;
idents: IDENT               { $$ = push(ctx, newlist(ctx), named(ctx, AST_NAME, @1, $1, NULL, NULL)); }
      | idents ',' IDENT    { $$ = push(ctx, $1, named(ctx, AST_NAME, @3, $3, NULL, NULL)); }
      ;

type: '[' dims_opt ']'      { $$ = mk(ctx, AST_TYPE, @1);
                              if ($2) $$->list = *$2;
                              $$ = fin(ctx, $$); }
    | KW_INT '[' dims_opt ']'
                            { $$ = mk(ctx, AST_TYPE, @1);
                              $$->is_int = 1;
                              if ($3) $$->list = *$3;
                              $$ = fin(ctx, $$); }
    ;
dims_opt: %empty            { $$ = NULL; }
        | dims
        ;
dims: dim                   { $$ = push(ctx, newlist(ctx), $1); }
    | dims ',' dim          { $$ = push(ctx, $1, $3); }
    ;
dim: expr                   /* `...` is a primary expression (AST_ELLIPSIS) */
   ;

/* ---- expressions, lowest precedence first ---- */

expr: KW_IF expr KW_THEN expr KW_ELSE expr
                            { $$ = mk(ctx, AST_IF, @1);
                              $$->a = $2;
                              $$->b = $4;
                              $$->c = $6;
                              $$ = fin(ctx, $$); }
    | or_e
    ;
or_e: and_e
    | or_e KW_OR and_e      { $$ = binop(ctx, AST_OP_OR, @1, $1, $3); }
    ;
and_e: not_e
     | and_e KW_AND not_e   { $$ = binop(ctx, AST_OP_AND, @1, $1, $3); }
     ;
not_e: KW_NOT not_e         { $$ = unop(ctx, AST_OP_NOT, @1, $2); }
     | cmp
     ;
cmp: sum
   | sum cmpop sum          { $$ = binop(ctx, $2, @1, $1, $3); }
   ;
cmpop: EQ    { $$ = AST_OP_EQ; }
     | NE    { $$ = AST_OP_NE; }
     | '<'   { $$ = AST_OP_LT; }
     | LE    { $$ = AST_OP_LE; }
     | '>'   { $$ = AST_OP_GT; }
     | GE    { $$ = AST_OP_GE; }
     | KW_IN { $$ = AST_OP_IN; }
     ;
sum: prod
   | sum '+' prod           { $$ = binop(ctx, AST_OP_ADD, @1, $1, $3); }
   | sum '-' prod           { $$ = binop(ctx, AST_OP_SUB, @1, $1, $3); }
   ;
prod: unary
    | prod '*' unary        { $$ = binop(ctx, AST_OP_MUL, @1, $1, $3); }
    | prod '/' unary        { $$ = binop(ctx, AST_OP_DIV, @1, $1, $3); }
    | prod '%' unary        { $$ = binop(ctx, AST_OP_MOD, @1, $1, $3); }
    | prod '@' unary        { $$ = binop(ctx, AST_OP_MATMUL, @1, $1, $3); }
    ;
unary: '-' unary            { $$ = unop(ctx, AST_OP_NEG, @1, $2); }
     | power
     ;
power: postfix
     | postfix POW unary    { $$ = binop(ctx, AST_OP_POW, @1, $1, $3); }
     ;
postfix: primary
       | postfix '(' args_opt ')'
                            { $$ = mk(ctx, AST_CALL, @1);
                              $$->a = $1;
                              if ($3) $$->list = *$3;
                              $$ = fin(ctx, $$); }
       | postfix '[' exprs ']'
                            { $$ = mk(ctx, AST_INDEX, @1);
                              $$->a = $1;
                              $$->list = *$3;
                              $$ = fin(ctx, $$); }
       | postfix '.' IDENT  { $$ = named(ctx, AST_MEMBER, @1, $3, $1, NULL); }
       ;
primary: INT                { $$ = number(ctx, @1, $1, 1); }
       | FLOAT              { $$ = number(ctx, @1, $1, 0); }
       | STRING             { $$ = named(ctx, AST_STR, @1, $1, NULL, NULL); }
       | KW_TRUE            { $$ = mk(ctx, AST_BOOL, @1); $$->num = 1; }
       | KW_FALSE           { $$ = mk(ctx, AST_BOOL, @1); }
       | IDENT              { $$ = named(ctx, AST_NAME, @1, $1, NULL, NULL); }
       | PRIMED             { $$ = named(ctx, AST_PRIMED, @1, $1, NULL, NULL); }
       | ELLIPSIS           { $$ = mk(ctx, AST_ELLIPSIS, @1); }  /* in shapes and shape lists */
       | '(' expr ')'       { $$ = $2; }
       | '[' exprs_opt ']'  { $$ = mk(ctx, AST_LIST, @1);
                              if ($2) $$->list = *$2;
                              $$ = fin(ctx, $$); }
       | '[' KW_FOR IDENT KW_IN expr DOTDOT expr ':' expr ']'
                            { $$ = mk(ctx, AST_LISTCOMP, @1);
                              $$->name = $3;
                              $$->a = $5;
                              $$->b = $7;
                              $$->c = $9;
                              $$ = fin(ctx, $$); }
       | KW_SCAN scan_callee KW_OVER IDENT '(' args_opt ')'
                            { $$ = mk(ctx, AST_SCAN, @1);
                              $$->a = $2;
                              $$->name = $4;
                              if ($6) $$->list = *$6;
                              $$ = fin(ctx, $$); }
       ;
scan_callee: IDENT          { $$ = named(ctx, AST_NAME, @1, $1, NULL, NULL); }
           | scan_callee '.' IDENT
                            { $$ = named(ctx, AST_MEMBER, @1, $3, $1, NULL); }
           ;
args_opt: %empty            { $$ = NULL; }
        | args
        ;
args: arg                   { $$ = push(ctx, newlist(ctx), $1); }
    | args ',' arg          { $$ = push(ctx, $1, $3); }
    ;
arg: expr
   | IDENT '=' expr         { $$ = named(ctx, AST_KWARG, @1, $1, $3, NULL); }
   ;
exprs_opt: %empty           { $$ = NULL; }
         | exprs
         ;
exprs: expr                 { $$ = push(ctx, newlist(ctx), $1); }
     | exprs ',' expr       { $$ = push(ctx, $1, $3); }
     ;

%%

/* Tokens for the parser. After a syntax error, braces opened past the error are skipped
   whole, so the parser resynchronises on the newline or '}' that belongs to the body the
   error is in, not on one inside a block that was never parsed. */
static int yylex(YYSTYPE *lval, YYLTYPE *lloc, lang_pctx *ctx) {
  for (;;) {
    int before = ctx->brace;
    int t = ctx->fatal ? 0 : xlscanlex(lval, lloc, ctx->scanner);
    if (ctx->fatal) {
      lloc->first_line = lloc->last_line = ctx->line;
      lloc->first_column = lloc->last_column = ctx->col;
      return 0;
    }
    ctx->brace_before = before;
    if (ctx->in_error && t != 0) {
      if (before > ctx->err_brace || ctx->brace > ctx->err_brace) continue;
      if (t == NEWLINE || ctx->brace < ctx->err_brace) ctx->in_error = 0;
    }
    int p = ctx->tok[1].kind; /* the token before this one (0: none) */
    ctx->tok[0] = ctx->tok[1];
    ctx->tok[1].kind = t;
    ctx->tok[1].starts_item = p == 0 || p == NEWLINE || p == ';' || p == '{' || p == '}';
    ctx->tok[1].line = lloc->first_line;
    ctx->tok[1].col = lloc->first_column;
    ctx->tok[1].brace = before;
    ctx->tok[1].off = ctx->tok_off;
    ctx->tok[1].len = ctx->tok_len;
    return t;
  }
}

static void yyerror(YYLTYPE *lloc, lang_pctx *ctx, const char *msg) {
  if (ctx->fatal) return;
  if (!strcmp(msg, "memory exhausted")) msg = "nesting too deep (parser stack exhausted)";
  diag_error(ctx->d, ploc(ctx, *lloc), "%s", msg);
  ctx->fatal = 1; /* bison gives up after this */
}

/* A token kind as the user should read it: identifier, newline, ':', 'cell', end of file. */
static const char *spell(yysymbol_kind_t k, char *buf, size_t n) {
  const char *s = yysymbol_name(k);
  size_t len = strlen(s);
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
    snprintf(buf, n, "%.*s", (int)(len - 2), s + 1);
    return buf;
  }
  return s;
}

/* Appends to buf (capacity cap, m bytes used so far); returns the new length, clamped. */
static size_t append(char *buf, size_t cap, size_t m, const char *fmt, ...) {
  if (m + 1 >= cap) return m;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + m, cap - m, fmt, ap);
  va_end(ap);
  if (k < 0) return m;
  return m + (size_t)k < cap ? m + (size_t)k : cap - 1;
}

/* Tokens that can start an expression, and tokens that can continue one (operators,
   calls, indexing, members): long expected-token lists are summarised with these. */
static int starts_expr(yysymbol_kind_t k) {
  switch (k) {
  case YYSYMBOL_IDENT: case YYSYMBOL_PRIMED: case YYSYMBOL_INT: case YYSYMBOL_FLOAT:
  case YYSYMBOL_STRING: case YYSYMBOL_KW_TRUE: case YYSYMBOL_KW_FALSE: case YYSYMBOL_KW_NOT:
  case YYSYMBOL_KW_IF: case YYSYMBOL_KW_SCAN: case YYSYMBOL_ELLIPSIS:
    return 1;
  default:
    return k == YYTRANSLATE('(') || k == YYTRANSLATE('[') || k == YYTRANSLATE('-');
  }
}

static int continues_expr(yysymbol_kind_t k) {
  static const int chars[] = {'+', '-', '*', '/', '%', '@', '<', '>', '.', '(', '['};
  switch (k) {
  case YYSYMBOL_POW: case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE:
  case YYSYMBOL_KW_IN: case YYSYMBOL_KW_AND: case YYSYMBOL_KW_OR:
    return 1;
  default:
    for (size_t i = 0; i < sizeof chars / sizeof *chars; i++)
      if (k == YYTRANSLATE(chars[i])) return 1;
    return 0;
  }
}

static int is_comparison(yysymbol_kind_t k) {
  return k == YYSYMBOL_EQ || k == YYSYMBOL_NE || k == YYSYMBOL_LE || k == YYSYMBOL_GE ||
         k == YYTRANSLATE('<') || k == YYTRANSLATE('>');
}

/* An identifier followed by another at the start of an item is a misspelt keyword when it is
   near one (`stat h: [D] = 0`, `ot y = h`, `blok b(N) {`): reported at the misspelling. */
static int misspelt_keyword(lang_pctx *ctx, yysymbol_kind_t tok) {
  static const char *const top[] = {"cell", "block", "model", "fn", "import"};
  static const char *const items[] = {"in", "state", "param", "let", "out", "for", "if", "hint"};
  if (tok != YYSYMBOL_IDENT) return 0;
  /* the word: the identifier before this one in a body; at the top level, where no item
     starts with an identifier, this one */
  int w = ctx->tok[1].starts_item && ctx->tok[1].brace == 0 ? 1 : 0;
  if (ctx->tok[w].kind != IDENT || !ctx->tok[w].starts_item || ctx->tok[w].len > 64) return 0;
  char word[65];
  snprintf(word, sizeof word, "%.*s", (int)ctx->tok[w].len, ctx->text + ctx->tok[w].off);
  int inside = ctx->tok[w].brace > 0;
  const char *kw = inside ? xl_closest(word, items, 8) : xl_closest(word, top, 5);
  if (!kw) return 0;
  xl_loc at = {ctx->path, ctx->text, ctx->tok[w].line, ctx->tok[w].col};
  diag_error(ctx->d, at, "unknown keyword '%s'; did you mean '%s'?", word, kw);
  return 1;
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, lang_pctx *ctx) {
  if (ctx->fatal) return 0;
  ctx->in_error = 1;
  ctx->err_brace = ctx->brace_before;
  if (misspelt_keyword(ctx, yypcontext_token(yyctx))) return 0;

  char msg[512], b[64];
  size_t m = 0;
  yysymbol_kind_t tok = yypcontext_token(yyctx);
  m = append(msg, sizeof msg, m, "syntax error, unexpected %s", spell(tok, b, sizeof b));
  if (tok == YYSYMBOL_IDENT || tok == YYSYMBOL_INT || tok == YYSYMBOL_FLOAT || tok == YYSYMBOL_PRIMED) {
    int len = ctx->tok_len < 40 ? (int)ctx->tok_len : 40; /* the lexeme is inside text */
    m = append(msg, sizeof msg, m, " '%.*s'", len, ctx->text + ctx->tok_off);
  }
  yysymbol_kind_t exp[YYNTOKENS];
  int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
  int want_nl = 0, want_close = 0, want_cmp = 0, nstart = 0, ncont = 0;
  for (int i = 0; i < n; i++) {
    want_nl |= exp[i] == YYSYMBOL_NEWLINE;
    want_close |= exp[i] == YYTRANSLATE('}');
    want_cmp |= is_comparison(exp[i]);
    nstart += exp[i] == YYSYMBOL_IDENT || exp[i] == YYSYMBOL_INT;
    ncont += exp[i] == YYTRANSLATE('+') || exp[i] == YYTRANSLATE('*');
  }
  int any_expr = nstart == 2, any_op = ncont == 2;
  YYLTYPE at = *yypcontext_location(yyctx);
  if (ctx->paren > 0 && ctx->open_line < at.first_line) {
    /* newlines were swallowed since an unclosed bracket: say where it is */
    m = append(msg, sizeof msg, m, " (the '%c' at %d:%d is not closed)", ctx->open_char, ctx->open_line,
               ctx->open_col);
  } else if (tok == YYSYMBOL_YYEOF && want_close) {
    m = append(msg, sizeof msg, m, " (missing '}')");
  } else if (tok == YYTRANSLATE('}') && want_nl && any_op) {
    m = append(msg, sizeof msg, m, " (end the item with a newline or ';' before '}')");
  } else if (is_comparison(tok) && any_op && !want_cmp) {
    m = append(msg, sizeof msg, m, " (comparisons do not chain: combine them with 'and')");
  } else {
    /* list what was expected, with "an expression" / "an operator" standing for the many
       tokens that could start or continue one; "end of file" never helps */
    enum { MAXEXP = 6 };
    const char *list[MAXEXP + 2];
    char bufs[MAXEXP][64];
    int k = 0;
    for (int i = 0; i < n && k <= MAXEXP; i++) {
      if (exp[i] == YYSYMBOL_YYEOF || (any_expr && starts_expr(exp[i])) || (any_op && continues_expr(exp[i])))
        continue;
      list[k] = k < MAXEXP ? spell(exp[i], bufs[k], sizeof bufs[k]) : "";
      k++;
    }
    if (any_expr && k <= MAXEXP) list[k++] = "an expression";
    if (any_op && k <= MAXEXP) list[k++] = "an operator";
    for (int i = 0; k <= MAXEXP && i < k; i++)
      m = append(msg, sizeof msg, m, "%s%s", i == 0 ? ", expecting " : i == k - 1 ? " or " : ", ", list[i]);
  }
  diag_error(ctx->d, ploc(ctx, at), "%s", msg);
  return 0;
}
