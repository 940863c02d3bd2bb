/* lower_check.c - name resolution of one definition without instantiating it.
 *
 * `xlc check` instantiates definitions whose configuration has defaults (lower.c); this pass
 * covers the others: every name used in a definition must be a configuration parameter, an
 * earlier declaration (input, state, parameter, instance, let), a loop variable, a free
 * dimension introduced by an input's type, a definition or a builtin. Primed names must name
 * a state. Reports through lw_error (deduplicated with the instantiation's reports).
 */
#include <string.h>

#include "lower_int.h"

int lw_is_builtin(const char *name);

typedef struct rs_name {
  const char *name;
  int is_state;
  struct rs_name *next;
} rs_name;

typedef struct {
  lw_ctx *c;
  const ast *file;
  rs_name *names;
} rs;

static void def_name(rs *r, const char *name, int is_state) {
  rs_name *n = xl_arena_alloc(r->c->ar, sizeof *n);
  n->name = name;
  n->is_state = is_state;
  n->next = r->names;
  r->names = n;
}

/* first component of a dotted name */
static void def_dotted(rs *r, const char *dotted, int is_state) {
  def_name(r, dotted, is_state);
  const char *dot = strchr(dotted, '.');
  if (dot) def_name(r, lw_fmt(r->c, "%.*s", (int)(dot - dotted), dotted), is_state);
}

static rs_name *find(rs *r, const char *name) {
  for (rs_name *n = r->names; n; n = n->next)
    if (strcmp(n->name, name) == 0) return n;
  return NULL;
}

static int is_def(rs *r, const char *name) {
  for (int i = 0; i < r->file->list.n; i++)
    if (strcmp(r->file->list.v[i]->name, name) == 0) return 1;
  return 0;
}

static void expr(rs *r, const ast *e);

/* "; did you mean 'X'?" from the names known here, the definitions and the builtins, or "" */
static const char *hint(rs *r, const char *name) {
  lw_near n;
  lw_near_init(&n, name);
  for (rs_name *k = r->names; k; k = k->next) lw_near_offer(&n, k->name);
  for (int i = 0; i < r->file->list.n; i++) lw_near_offer(&n, r->file->list.v[i]->name);
  lw_near_builtins(&n);
  return lw_near_hint(r->c, &n);
}

static void name_use(rs *r, const ast *e) {
  if (find(r, e->name) || is_def(r, e->name) || lw_is_builtin(e->name)) return;
  lw_error(r->c, e->loc, "undefined name '%s'%s", e->name, hint(r, e->name));
}

static void expr(rs *r, const ast *e) {
  if (!e) return;
  switch (e->kind) {
  case AST_NAME: name_use(r, e); break;
  case AST_PRIMED: {
    rs_name *n = find(r, e->name);
    if (!n || !n->is_state) lw_error(r->c, e->loc, "'%s' is not a state, so %s' is undefined", e->name, e->name);
    break;
  }
  case AST_MEMBER: {
    const ast *b = e;
    while (b->kind == AST_MEMBER || b->kind == AST_INDEX) {
      if (b->kind == AST_INDEX)
        for (int i = 0; i < b->list.n; i++) expr(r, b->list.v[i]);
      b = b->a;
    }
    expr(r, b);
    break;
  }
  case AST_INDEX:
    expr(r, e->a);
    for (int i = 0; i < e->list.n; i++) expr(r, e->list.v[i]);
    break;
  case AST_CALL:
    expr(r, e->a);
    for (int i = 0; i < e->list.n; i++) expr(r, e->list.v[i]);
    break;
  case AST_KWARG: expr(r, e->a); break;
  case AST_BINOP: expr(r, e->a); expr(r, e->b); break;
  case AST_UNOP: expr(r, e->a); break;
  case AST_IF: expr(r, e->a); expr(r, e->b); expr(r, e->c); break;
  case AST_LIST:
    for (int i = 0; i < e->list.n; i++) expr(r, e->list.v[i]);
    break;
  case AST_LISTCOMP: {
    expr(r, e->a);
    expr(r, e->b);
    rs_name *saved = r->names;
    def_name(r, e->name, 0);
    expr(r, e->c);
    r->names = saved;
    break;
  }
  case AST_SCAN: {
    expr(r, e->a);
    if (!find(r, e->name)) lw_error(r->c, e->loc, "scan over '%s': '%s' is not a dimension of an input", e->name, e->name);
    for (int i = 0; i < e->list.n; i++) expr(r, e->list.v[i]);
    break;
  }
  default: break;
  }
}

static void type_dims(rs *r, const ast *type, int introduce_free) {
  if (!type) return;
  for (int i = 0; i < type->list.n; i++) {
    const ast *d = type->list.v[i];
    if (d->kind == AST_NAME && !find(r, d->name)) {
      if (introduce_free)
        def_name(r, d->name, 0);
      else
        lw_error(r->c, d->loc, "undefined name '%s' in a shape (free dimensions come from inputs)", d->name);
    } else if (d->kind != AST_ELLIPSIS) {
      expr(r, d);
    }
  }
}

static void items(rs *r, const ast_list *l) {
  for (int i = 0; i < l->n; i++) {
    const ast *it = l->v[i];
    switch (it->kind) {
    case AST_IN: type_dims(r, it->a, 1); def_name(r, it->name, 0); break;
    case AST_STATE: type_dims(r, it->a, 0); expr(r, it->b); def_name(r, it->name, 1); break;
    case AST_PARAM: type_dims(r, it->a, 0); expr(r, it->b); def_dotted(r, it->name, 0); break;
    case AST_INST:
      expr(r, it->a);
      for (int k = 0; k < it->list.n; k++) def_dotted(r, it->list.v[k]->name, 0);
      break;
    case AST_LET:
      expr(r, it->a);
      for (int k = 0; k < it->list.n; k++) def_name(r, it->list.v[k]->name, 0);
      break;
    case AST_ASSIGN:
      expr(r, it->a);
      if (!find(r, it->name))
        lw_error(r->c, it->loc, "assignment to undefined name '%s' (use 'let %s = ...' to define it)%s", it->name, it->name,
                 hint(r, it->name));
      break;
    case AST_UPDATE: {
      expr(r, it->a);
      rs_name *n = find(r, it->name);
      if (!n || !n->is_state) {
        lw_near nr;
        lw_near_init(&nr, it->name);
        for (rs_name *k = r->names; k; k = k->next)
          if (k->is_state) lw_near_offer(&nr, k->name);
        lw_error(r->c, it->loc, "'%s' is not a state of this definition%s", it->name, lw_near_hint(r->c, &nr));
      }
      else {
        char *p = xl_fmt("%s'", it->name);
        def_name(r, xl_arena_strdup(r->c->ar, p), 0);
        free(p);
      }
      break;
    }
    case AST_OUT: expr(r, it->a); break;
    case AST_FOR: {
      expr(r, it->a);
      expr(r, it->b);
      rs_name *saved = r->names;
      def_name(r, it->name, 0);
      items(r, &it->list);
      r->names = saved;
      break;
    }
    case AST_HINT: expr(r, it->a); break;
    case AST_WHEN: /* either branch may define names used after it */
      expr(r, it->a);
      items(r, &it->list);
      items(r, &it->list2);
      break;
    default: break;
    }
  }
}

int lw_resolve_def(lw_ctx *c, const ast *def) {
  rs r = {c, c->file, NULL};
  int nerr = c->d->nerr;
  if (def->kind != AST_DEF) return 0;
  for (int j = 0; j < def->list2.n; j++) {
    expr(&r, def->list2.v[j]->a);
    def_name(&r, def->list2.v[j]->name, 0);
  }
  items(&r, &def->list);
  expr(&r, def->a); /* a helper's body: only its parameters, definitions and builtins */
  return c->d->nerr - nerr;
}
