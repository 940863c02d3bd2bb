/* lang.h - the .xl front end: diagnostics, lexer, parser, AST, lowering to the cell graph.
 *
 * Pipeline inside this layer: text -> tokens (lexer.l, reentrant flex) -> AST (parser.y,
 * pure bison with locations) -> lowering (lower*.c: name resolution, config evaluation,
 * shape checking, emission of the cell graph of one entry). User mistakes are reported as
 * diagnostics (diag.c) and never abort; internal bugs are XL_ASSERTs.
 */
#ifndef LANG_H
#define LANG_H

#include <stdio.h>

#include "xl_tensor.h"
#include "xl_util.h"

/* ---- diagnostics (diag.c) ------------------------------------------------------------ */

typedef struct {
  FILE *out;  /* where messages go (stderr by default) */
  int nerr;   /* errors reported so far */
  int nwarn;
  int max_err; /* stop reporting after this many (0 = 50) */
} lang_diag;

void diag_init(lang_diag *d, FILE *out);
/* "file:line:col: error: msg", then the source line and a caret under col. */
void diag_error(lang_diag *d, xl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warn(lang_diag *d, xl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(lang_diag *d, xl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- AST (ast.c) ---------------------------------------------------------------------- */

typedef enum {
  AST_FILE,      /* list: defs; list2: AST_IMPORT */
  AST_IMPORT,    /* name: the path as written, or the stdlib name; op: 0 path, 1 name (at the path) */
  AST_DEF,       /* name; op: AST_DEF_CELL/BLOCK/MODEL/FN; list2: AST_CFGPARAM; list: items;
                    a: the body expression of a helper (AST_DEF_FN, no items) */
  AST_CFGPARAM,  /* name; a: default expr or NULL */
  /* items */
  AST_IN,        /* name; a: AST_TYPE                      `in x: [T, E]` (one node per name, at the name) */
  AST_STATE,     /* name; a: AST_TYPE; b: init expr        `state C: [NH, DK, DV] = 0` (at the name) */
  AST_PARAM,     /* name (may be dotted); a: AST_TYPE; b: init expr  `param w: [O, I] = zeros` */
  AST_INST,      /* list: AST_NAME (dotted names); a: expr (call, list or list comprehension) */
  AST_LET,       /* list: AST_NAME targets; a: expr        `let a, b = split(x, 2)` */
  AST_ASSIGN,    /* name; a: expr                          `x = x + 1` (rebinding a let) */
  AST_UPDATE,    /* name (state name without the prime); a: expr   `C' = ...` */
  AST_OUT,       /* name; a: expr                          `out h = ...` */
  AST_FOR,       /* name (loop var); a: lo; b: hi (exclusive); list: items */
  AST_HINT,      /* name; a: expr                          `hint form = "parallel"` */
  AST_WHEN,      /* a: cond; list: items; list2: else items  `if bias { param b: [E] = zeros }` */
  /* expressions */
  AST_NUM,       /* num; is_int */
  AST_STR,       /* name: the string contents (unescaped) */
  AST_BOOL,      /* num: 0 or 1 */
  AST_NAME,      /* name */
  AST_PRIMED,    /* name (without the prime): the updated value of a state */
  AST_MEMBER,    /* a: object; name: member          `xlstm.proj_up` */
  AST_INDEX,     /* a: object; list: index exprs     `blocks[i]` */
  AST_CALL,      /* a: callee; list: args (exprs or AST_KWARG) */
  AST_KWARG,     /* name; a: value */
  AST_BINOP,     /* op: ast_op; a, b */
  AST_UNOP,      /* op: AST_OP_NEG or AST_OP_NOT; a */
  AST_IF,        /* a: cond; b: then; c: else */
  AST_LIST,      /* list: elements */
  AST_LISTCOMP,  /* name: var; a: lo; b: hi (exclusive); c: element expr  `[for i in 0..L: e]` */
  AST_SCAN,      /* a: cell instance expr (AST_NAME / AST_MEMBER chain); name: axis name; list: args */
  AST_TYPE,      /* is_int; list: dim exprs (AST_ELLIPSIS allowed) */
  AST_ELLIPSIS,  /* `...` in a shape */
  AST_KIND_COUNT
} ast_kind;

enum { AST_DEF_CELL, AST_DEF_BLOCK, AST_DEF_MODEL, AST_DEF_FN };

typedef enum {
  AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_MOD, AST_OP_MATMUL, AST_OP_POW,
  AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
  AST_OP_AND, AST_OP_OR, AST_OP_IN, AST_OP_NEG, AST_OP_NOT
} ast_op;

typedef struct ast ast;
typedef XL_VEC(ast *) ast_list;
struct ast {
  ast_kind kind;
  xl_loc loc;   /* position of the construct's first token */
  char *name;
  double num;
  int is_int;
  int op;
  ast *a, *b, *c;
  ast_list list, list2;
};

ast *ast_new(xl_arena *ar, ast_kind k, xl_loc loc);
/* Appends x to l. AST lists live in the arena: grow them with ast_push, never xl_vec_push. */
void ast_push(xl_arena *ar, ast_list *l, ast *x);
const char *ast_kind_name(ast_kind k);
const char *ast_op_spelling(int op); /* "+", "==", "in", ... */
void ast_dump(const ast *n, FILE *out); /* deterministic indented text (--stage=ast) */

/* ---- lexer + parser (lexer.l, parser.y, parse.c) -------------------------------------- */

/* Limits lang_parse enforces ("nesting too deep"): brackets and braces open at once, and the
   depth of any expression tree, so later passes may recurse over the AST freely. */
enum { LANG_MAX_NEST = 200, LANG_MAX_DEPTH = 256 };

/* Parses `text` (the contents of `path`). Always returns an AST_FILE (possibly with fewer
   items when there were errors); errors go to d. All nodes live in ar. */
ast *lang_parse(xl_arena *ar, const char *path, const char *text, lang_diag *d);
/* --stage=tokens: one token per line "line:col KIND text". */
void lang_dump_tokens(const char *path, const char *text, FILE *out, lang_diag *d);

/* ---- imports (import.c) -------------------------------------------------------------- */

typedef struct {
  const char *stdlib_dir;   /* `import NAME` reads stdlib_dir/NAME.xl (NULL: none was found) */
  const char *stdlib_file;  /* if set ($XLC_STDLIB), `import xlstm` reads this file instead */
  const char *stdlib_tried; /* for the error when stdlib_dir is NULL: where it was looked for */
  /* optional: the text of an imported file (by the path diagnostics show) kept elsewhere (a
     checkpoint's stored sources), or NULL to read it from disk */
  const char *(*source)(void *ud, const char *path);
  /* optional: called once for every imported file loaded, with its path and text */
  void (*loaded)(void *ud, const char *path, const char *text);
  void *ud;
} lang_import_opts;

/* Resolves the `import` items of `file` (parsed from `path`): each imported file is read and
   parsed with its own path (so diagnostics point into it), once however often it is imported,
   its own imports first. Afterwards file->list holds the definitions of every imported file,
   dependencies first, then the file's own. Reports missing files, cycles (naming the chain)
   and a name defined in two files (naming both places). Returns the number of errors. */
int lang_import(xl_arena *ar, ast *file, const char *path, const lang_import_opts *o, lang_diag *d);

/* ---- lowering (lower*.c) -------------------------------------------------------------- */

struct cg_graph;

typedef struct {
  const char *key; /* config parameter of the entry, or a free dimension name (B, T, ...) */
  const char *val;
} lang_set;

/* Checks every definition of the file (names, arities; definitions whose config has
   defaults are also instantiated and shape-checked). Returns the number of errors. */
int lang_check(xl_arena *ar, const ast *file, lang_diag *d);

/* Instantiates `entry` with the given settings and emits its cell graph. Free dimensions
   (B and the named dims of `in` declarations) are bound from `given` (tensors named like the
   entry's inputs, leading axis = batch) or from settings. Returns NULL on error (reported). */
struct cg_graph *lang_lower(xl_arena *ar, const ast *file, const char *entry, const lang_set *sets,
                            int nsets, xt *const *given, int ngiven, lang_diag *d);

#endif
