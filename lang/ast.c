/* ast.c - AST nodes of the .xl front end: allocation, names, and the text dump.
 *
 * Nodes and their lists live in an arena (freed at once with the compilation). ast_dump
 * prints one node per line, indented two spaces per level, with its kind, payload and
 * @line:col; the output is deterministic (no addresses, floats as %.17g) because golden
 * tests pin it (`xlc dump --stage=ast`).
 */
#include "lang.h"

#include <string.h>

ast *ast_new(xl_arena *ar, ast_kind k, xl_loc loc) {
  ast *n = xl_arena_alloc(ar, sizeof *n);
  n->kind = k;
  n->loc = loc;
  return n;
}

void ast_push(xl_arena *ar, ast_list *l, ast *x) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 4;
    ast **v = xl_arena_alloc(ar, (size_t)cap * sizeof *v);
    if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof *v);
    l->v = v; /* the old array stays in the arena */
    l->cap = cap;
  }
  l->v[l->n++] = x;
}

static const char *const kind_names[AST_KIND_COUNT] = {
    [AST_FILE] = "file",       [AST_IMPORT] = "import",   [AST_DEF] = "def",         [AST_CFGPARAM] = "cfg",
    [AST_IN] = "in",           [AST_STATE] = "state",     [AST_PARAM] = "param",
    [AST_INST] = "inst",       [AST_LET] = "let",         [AST_ASSIGN] = "assign",
    [AST_UPDATE] = "update",   [AST_OUT] = "out",         [AST_FOR] = "for",     [AST_WHEN] = "if-item",
    [AST_HINT] = "hint",       [AST_NUM] = "num",         [AST_STR] = "str",
    [AST_BOOL] = "bool",       [AST_NAME] = "name",       [AST_PRIMED] = "primed",
    [AST_MEMBER] = "member",   [AST_INDEX] = "index",     [AST_CALL] = "call",
    [AST_KWARG] = "kwarg",     [AST_BINOP] = "binop",     [AST_UNOP] = "unop",
    [AST_IF] = "if",           [AST_LIST] = "list",       [AST_LISTCOMP] = "listcomp",
    [AST_SCAN] = "scan",       [AST_TYPE] = "type",       [AST_ELLIPSIS] = "ellipsis",
};

const char *ast_kind_name(ast_kind k) {
  if ((int)k < 0 || k >= AST_KIND_COUNT || !kind_names[k]) return "?";
  return kind_names[k];
}

const char *ast_op_spelling(int op) {
  switch (op) {
  case AST_OP_ADD: return "+";
  case AST_OP_SUB: return "-";
  case AST_OP_MUL: return "*";
  case AST_OP_DIV: return "/";
  case AST_OP_MOD: return "%";
  case AST_OP_MATMUL: return "@";
  case AST_OP_POW: return "**";
  case AST_OP_EQ: return "==";
  case AST_OP_NE: return "!=";
  case AST_OP_LT: return "<";
  case AST_OP_LE: return "<=";
  case AST_OP_GT: return ">";
  case AST_OP_GE: return ">=";
  case AST_OP_AND: return "and";
  case AST_OP_OR: return "or";
  case AST_OP_IN: return "in";
  case AST_OP_NEG: return "-";
  case AST_OP_NOT: return "not";
  }
  return "?";
}

static const char *def_kind_name(int op) {
  switch (op) {
  case AST_DEF_CELL: return "cell";
  case AST_DEF_BLOCK: return "block";
  case AST_DEF_MODEL: return "model";
  case AST_DEF_FN: return "fn";
  }
  return "?";
}

/* A string literal's contents, escaped back so the dump stays one line per node. */
static void dump_str(const char *s, FILE *out) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", out);
    else if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\x%02x", *p);
    else fputc(*p, out);
  }
  fputc('"', out);
}

static void dump(const ast *n, int ind, FILE *out);

static void dump_list(const ast_list *l, int ind, FILE *out) {
  for (int i = 0; i < l->n; i++) dump(l->v[i], ind, out);
}

static void dump(const ast *n, int ind, FILE *out) {
  fprintf(out, "%*s", 2 * ind, "");
  if (!n) {
    fputs("(null)\n", out);
    return;
  }
  const char *name = n->name ? n->name : "?";
  fputs(ast_kind_name(n->kind), out);
  switch (n->kind) {
  case AST_DEF: fprintf(out, " %s %s", def_kind_name(n->op), name); break;
  case AST_IMPORT:
    fputc(' ', out);
    if (n->op) fputs(name, out);
    else dump_str(name, out);
    break;
  case AST_CFGPARAM:
  case AST_IN:
  case AST_STATE:
  case AST_PARAM:
  case AST_ASSIGN:
  case AST_UPDATE:
  case AST_OUT:
  case AST_FOR:
  case AST_HINT:
  case AST_NAME:
  case AST_PRIMED:
  case AST_MEMBER:
  case AST_KWARG:
  case AST_LISTCOMP: fprintf(out, " %s", name); break;
  case AST_NUM: fprintf(out, " %.17g %s", n->num, n->is_int ? "int" : "float"); break;
  case AST_STR:
    fputc(' ', out);
    dump_str(n->name, out);
    break;
  case AST_BOOL: fputs(n->num != 0 ? " true" : " false", out); break;
  case AST_BINOP:
  case AST_UNOP: fprintf(out, " %s", ast_op_spelling(n->op)); break;
  case AST_SCAN: fprintf(out, " over %s", name); break;
  case AST_TYPE:
    if (n->is_int) fputs(" int", out);
    break;
  default: break;
  }
  if (n->kind != AST_FILE) fprintf(out, " @%d:%d", n->loc.line, n->loc.col);
  fputc('\n', out);

  /* children, in source order */
  switch (n->kind) {
  case AST_FILE:
  case AST_DEF:
    dump_list(&n->list2, ind + 1, out);
    dump_list(&n->list, ind + 1, out);
    if (n->a) dump(n->a, ind + 1, out); /* a helper's body */
    break;
  case AST_INST:
  case AST_LET:
    dump_list(&n->list, ind + 1, out);
    if (n->a) dump(n->a, ind + 1, out);
    break;
  case AST_FOR:
    if (n->a) dump(n->a, ind + 1, out);
    if (n->b) dump(n->b, ind + 1, out);
    dump_list(&n->list, ind + 1, out);
    break;
  case AST_INDEX:
  case AST_CALL:
  case AST_SCAN:
    if (n->a) dump(n->a, ind + 1, out);
    dump_list(&n->list, ind + 1, out);
    break;
  default:
    if (n->a) dump(n->a, ind + 1, out);
    if (n->b) dump(n->b, ind + 1, out);
    if (n->c) dump(n->c, ind + 1, out);
    dump_list(&n->list, ind + 1, out);
    dump_list(&n->list2, ind + 1, out);
    break;
  }
}

void ast_dump(const ast *n, FILE *out) { dump(n, 0, out); }
