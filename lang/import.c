/* import.c - resolving the `import` items of a parsed .xl file (lang_import).
 *
 * Input: the AST_FILE of the main file (its AST_IMPORT nodes in list2). Each imported file is
 * read, lexed and parsed on its own with its own path, so every later diagnostic in one of its
 * definitions points into that file; its imports are resolved the same way, depth first.
 * Output: the main file's list of definitions, with the definitions of every imported file
 * (dependencies first) before its own. A file is loaded once however often it is imported
 * (files are told apart by their real path); a cycle, a missing file and a name defined in two
 * files are diagnostics. It reads files and builds lists; it checks nothing inside a definition.
 */
#include "lang.h"

#include <stdlib.h>
#include <string.h>

enum { IMP_SOURCE_MAX = 16 << 20 }; /* bytes of one source file, as the driver allows */

typedef struct {
  const char *real;  /* realpath, or the path as given when there is none */
  const char *shown; /* the path diagnostics use */
  int loading;       /* 1 while its own imports are being resolved (a cycle if met again) */
} imp_file;

typedef struct {
  xl_arena *ar;
  lang_diag *d;
  const lang_import_opts *o;
  XL_VEC(imp_file) files;
  XL_VEC(int) stack; /* indices into files: the chain of imports being resolved */
  ast_list defs;     /* the result, in order */
  int def_file0;     /* defs of the main file start here */
} imp_ctx;

static const char *real_or_same(imp_ctx *c, const char *path) {
  char *r = realpath(path, NULL);
  if (!r) return xl_arena_strdup(c->ar, path);
  const char *s = xl_arena_strdup(c->ar, r);
  free(r);
  return s;
}

/* The directory part of path with a trailing '/', or "" (arena). */
static const char *dir_of(imp_ctx *c, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return "";
  size_t n = (size_t)(slash - path) + 1;
  char *s = xl_arena_alloc(c->ar, n + 1);
  memcpy(s, path, n);
  return s;
}

static char *arena_fmt2(imp_ctx *c, const char *a, const char *b, const char *e) {
  size_t na = strlen(a), nb = strlen(b), ne = strlen(e);
  char *s = xl_arena_alloc(c->ar, na + nb + ne + 1);
  memcpy(s, a, na);
  memcpy(s + na, b, nb);
  memcpy(s + na + nb, e, ne);
  return s;
}

/* The file an import names, as diagnostics show it (arena); NULL after an error. */
static const char *import_target(imp_ctx *c, const ast *imp, const char *from) {
  if (imp->op == 0) {
    if (!imp->name[0]) {
      diag_error(c->d, imp->loc, "empty import path");
      return NULL;
    }
    return imp->name[0] == '/' ? imp->name : arena_fmt2(c, dir_of(c, from), imp->name, "");
  }
  if (strcmp(imp->name, "xlstm") == 0 && c->o && c->o->stdlib_file && c->o->stdlib_file[0])
    return c->o->stdlib_file;
  if (!c->o || !c->o->stdlib_dir) {
    diag_error(c->d, imp->loc, "cannot import '%s': no stdlib directory was found (%s)", imp->name,
               c->o && c->o->stdlib_tried ? c->o->stdlib_tried : "set XLC_STDLIB_DIR");
    return NULL;
  }
  const char *dir = c->o->stdlib_dir;
  size_t n = strlen(dir);
  return arena_fmt2(c, dir, n && dir[n - 1] == '/' ? "" : "/", arena_fmt2(c, imp->name, ".xl", ""));
}

static void append_defs(imp_ctx *c, const ast *file) {
  for (int i = 0; i < file->list.n; i++) {
    ast *def = file->list.v[i];
    const ast *prev = NULL;
    for (int j = 0; j < c->defs.n && !prev; j++)
      if (c->defs.v[j]->loc.file != def->loc.file && strcmp(c->defs.v[j]->name, def->name) == 0)
        prev = c->defs.v[j];
    if (prev) {
      /* within one file the checker reports it; across files it is reported here, once */
      diag_error(c->d, def->loc, "'%s' is defined twice: also at %s:%d:%d", def->name, prev->loc.file,
                 prev->loc.line, prev->loc.col);
      diag_note(c->d, prev->loc, "'%s' is first defined here", def->name);
      continue;
    }
    ast_push(c->ar, &c->defs, def);
  }
}

static void resolve(imp_ctx *c, const ast *file, const char *path, int self);

/* Loads the file imported by `imp` (in the file `from`) unless it is loaded already. */
static void load(imp_ctx *c, const ast *imp, const char *from) {
  const char *shown = import_target(c, imp, from);
  if (!shown) return;
  const char *real = real_or_same(c, shown);
  for (int i = 0; i < c->files.n; i++) {
    if (strcmp(c->files.v[i].real, real) != 0) continue;
    if (!c->files.v[i].loading) return; /* loaded already (a diamond) */
    /* a cycle: the chain from that file to here, and back */
    size_t cap = 64, n = 0;
    int k = 0;
    while (k < c->stack.n && c->stack.v[k] != i) k++;
    for (int j = k; j < c->stack.n; j++) cap += strlen(c->files.v[c->stack.v[j]].shown) + 4;
    cap += strlen(shown);
    char *chain = xl_arena_alloc(c->ar, cap);
    for (int j = k; j < c->stack.n; j++)
      n += (size_t)snprintf(chain + n, cap - n, "%s -> ", c->files.v[c->stack.v[j]].shown);
    snprintf(chain + n, cap - n, "%s", shown);
    diag_error(c->d, imp->loc, "import cycle: %s", chain);
    return;
  }
  const char *err = NULL;
  size_t len = 0;
  const char *stored = c->o && c->o->source ? c->o->source(c->o->ud, shown) : NULL;
  char *text = stored ? xl_strdup(stored) : xl_read_file_max(shown, IMP_SOURCE_MAX, &len, &err);
  if (stored) len = strlen(stored);
  if (!text) {
    diag_error(c->d, imp->loc, "cannot import '%s': cannot read '%s': %s", imp->name, shown, err);
    return;
  }
  if (memchr(text, 0, len)) {
    diag_error(c->d, imp->loc, "cannot import '%s': '%s' has a NUL byte (is it a text file?)", imp->name, shown);
    free(text);
    return;
  }
  char *kept = xl_arena_alloc(c->ar, len + 1); /* diagnostics point into it as long as the AST lives */
  memcpy(kept, text, len);
  free(text);
  imp_file f = {real, shown, 1};
  xl_vec_push(c->files, f);
  int self = c->files.n - 1;
  int before = c->d->nerr;
  const ast *sub = lang_parse(c->ar, shown, kept, c->d);
  if (c->d->nerr > before) {
    diag_note(c->d, imp->loc, "in the file imported here");
    c->files.v[self].loading = 0;
    return;
  }
  if (c->o && c->o->loaded) c->o->loaded(c->o->ud, shown, kept);
  resolve(c, sub, shown, self);
  c->files.v[self].loading = 0;
  append_defs(c, sub);
}

static void resolve(imp_ctx *c, const ast *file, const char *path, int self) {
  xl_vec_push(c->stack, self);
  for (int i = 0; i < file->list2.n; i++)
    if (file->list2.v[i]->kind == AST_IMPORT) load(c, file->list2.v[i], path);
  c->stack.n--;
}

int lang_import(xl_arena *ar, ast *file, const char *path, const lang_import_opts *o, lang_diag *d) {
  if (!file || file->list2.n == 0) return 0;
  int before = d->nerr;
  imp_ctx c = {.ar = ar, .d = d, .o = o};
  imp_file f = {real_or_same(&c, path), path, 1};
  xl_vec_push(c.files, f);
  resolve(&c, file, path, 0);
  append_defs(&c, file);
  file->list = c.defs;
  free(c.files.v);
  free(c.stack.v);
  return d->nerr - before;
}
