/* session.c - the session core under the command line, the trainer and the tests (prefix
 * drv_, see session.h for why): message printing, --set K=V settings, loading and parsing a .xl
 * file and finding the stdlib, "did you mean" suggestions, the process's options (drv_options)
 * and compiling through the pipeline with them (drv_compile, which prints xl_compile's failures
 * as "xlc: error:" / "xlc: internal error:"), running a graph on a backend of the table.
 *
 * Nothing here decides policy of a subcommand; it only reports the mistakes it can see
 * (malformed setting, unreadable file) and returns -1 for them. The command line's option
 * scanner is tools/args.c.
 */
#include "session.h"
#include "backend.h"

#include "cg.h"
#include "kplan.h"

#include <cjson/cJSON.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- messages ---- */

static void vmsg(const char *kind, const char *fmt, va_list ap) {
  fflush(stdout);
  fprintf(stderr, "xlc: %s: ", kind);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void drv_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("error", fmt, ap);
  va_end(ap);
}

void drv_internal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("internal error", fmt, ap);
  va_end(ap);
}

void drv_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("warning", fmt, ap);
  va_end(ap);
}

void drv_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("note", fmt, ap);
  va_end(ap);
}

/* ---- --set ---- */

int drv_sets_add(drv_sets *s, const char *kv) {
  const char *eq = strchr(kv, '=');
  int ok = eq && eq > kv && eq[1] != 0 && (isalpha((unsigned char)kv[0]) || kv[0] == '_');
  for (const char *p = kv; ok && p < eq; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') ok = 0;
  if (!ok) {
    drv_error("malformed setting '%s' (expected --set NAME=VALUE, e.g. --set B=2)", kv);
    return -1;
  }
  /* lang_set wants a NUL-terminated key: keep an owned copy; the value points into argv. */
  char *key = xl_strndup(kv, (size_t)(eq - kv));
  for (int i = 0; i < s->v.n; i++)
    if (strcmp(s->v.v[i].key, key) == 0) {
      free(key);
      s->v.v[i].val = eq + 1;
      return 0;
    }
  lang_set ls = {key, eq + 1};
  xl_vec_push(s->v, ls);
  return 0;
}

void drv_sets_free(drv_sets *s) {
  for (int i = 0; i < s->v.n; i++) free((char *)s->v.v[i].key);
  free(s->v.v);
  memset(s, 0, sizeof *s);
}

int drv_parse_u64(const char *s, uint64_t *out) {
  if (!s || !isdigit((unsigned char)s[0])) return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = (uint64_t)v;
  return 0;
}

/* ---- .xl source ---- */

int drv_src_load(drv_src *s, const char *path) {
  memset(s, 0, sizeof *s);
  s->path = path;
  diag_init(&s->diag, stderr);
  const char *err = NULL;
  size_t len = 0;
  s->text = xl_read_file_max(path, DRV_SOURCE_MAX, &len, &err);
  if (!s->text) {
    drv_error("cannot read '%s': %s%s", path, err, !strcmp(err, XL_ERR_TOO_LARGE) ? " of 16 MiB for a source file" : "");
    return -1;
  }
  const char *nul = memchr(s->text, 0, len); /* the lexer would stop there, silently */
  if (nul) {
    xl_loc at = {path, s->text, 1, 1};
    for (const char *p = s->text; p < nul; p++) {
      at.col = *p == '\n' ? 1 : at.col + 1;
      at.line += *p == '\n';
    }
    diag_error(&s->diag, at, "NUL byte in the source (is it a text file?)");
    return -1;
  }
  return 0;
}

int drv_src_from_text(drv_src *s, const char *path, const char *text) {
  memset(s, 0, sizeof *s);
  s->path = path;
  diag_init(&s->diag, stderr);
  s->text = xl_strdup(text);
  s->from_text = 1;
  return 0;
}

static cJSON *stored_sources; /* drv_src_set_stored */

void drv_src_set_stored(const char *sources_json) {
  cJSON_Delete(stored_sources);
  stored_sources = sources_json ? cJSON_Parse(sources_json) : NULL;
  if (stored_sources && !cJSON_IsObject(stored_sources)) {
    cJSON_Delete(stored_sources);
    stored_sources = NULL;
  }
}

static const char *stored_source(void *ud, const char *path) {
  if (!((const drv_src *)ud)->from_text) return NULL;
  const cJSON *it = stored_sources ? cJSON_GetObjectItemCaseSensitive(stored_sources, path) : NULL;
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void record_import(void *ud, const char *path, const char *text) {
  drv_src *s = ud;
  xl_vec_push(s->imported, path);
  xl_vec_push(s->imported, text);
}

int drv_src_parse(drv_src *s) {
  s->file = lang_parse(&s->ar, s->path, s->text, &s->diag);
  if (s->diag.nerr || s->file->list2.n == 0) return s->diag.nerr;
  char *dir = drv_stdlib_dir();
  const char *lib = getenv("XLC_STDLIB");
  lang_import_opts o = {dir, lib && lib[0] ? lib : NULL,
                        "set XLC_STDLIB_DIR, or install it as ../share/xlc/stdlib beside the xlc binary",
                        stored_source, record_import, s};
  lang_import(&s->ar, s->file, s->path, &o, &s->diag);
  free(dir);
  return s->diag.nerr;
}

/* ---- the stdlib directory ---- */

#ifndef XLC_STDLIB_DIR
#define XLC_STDLIB_DIR "stdlib"
#endif

/* dir holds xlstm.xl */
static int is_stdlib_dir(const char *dir) {
  char *p = xl_fmt("%s/xlstm.xl", dir);
  int ok = access(p, R_OK) == 0;
  free(p);
  return ok;
}

char *drv_stdlib_dir(void) {
  const char *env = getenv("XLC_STDLIB_DIR");
  if (env && env[0]) return xl_strdup(env);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char *exe_dir = NULL;
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      exe_dir = exe;
    }
  }
  char *cand[3] = {exe_dir ? xl_fmt("%s/../share/xlc/stdlib", exe_dir) : NULL, xl_strdup(XLC_STDLIB_DIR),
                   exe_dir ? xl_fmt("%s/../stdlib", exe_dir) : NULL};
  char *found = NULL;
  for (int i = 0; i < 3; i++) {
    if (!found && cand[i] && is_stdlib_dir(cand[i])) {
      char *real = realpath(cand[i], NULL); /* without the "bin/.." */
      found = real ? real : xl_strdup(cand[i]);
    }
    free(cand[i]);
  }
  return found;
}

char *drv_stdlib_path(void) {
  if (getenv("XLC_STDLIB") && getenv("XLC_STDLIB")[0]) return xl_strdup(getenv("XLC_STDLIB"));
  char *dir = drv_stdlib_dir();
  char *p = xl_fmt("%s/xlstm.xl", dir ? dir : XLC_STDLIB_DIR);
  free(dir);
  return p;
}

void drv_src_free(drv_src *s) {
  free(s->imported.v);
  memset(&s->imported, 0, sizeof s->imported);
  xl_arena_free(&s->ar);
  free(s->text);
  s->text = NULL;
  s->file = NULL;
}

/* ---- helpers ---- */

char *drv_shape_str(int rank, const int64_t *d) {
  size_t cap = 16 + (size_t)rank * 24, n = 0;
  char *p = xl_malloc(cap);
  n += (size_t)snprintf(p + n, cap - n, "[");
  for (int i = 0; i < rank; i++)
    n += (size_t)snprintf(p + n, cap - n, "%s%lld", i ? ", " : "", (long long)d[i]);
  snprintf(p + n, cap - n, "]");
  return p;
}

char *drv_index_str(int rank, const int64_t *d, int64_t flat) {
  int64_t idx[XT_MAXRANK];
  XL_ASSERT(rank >= 0 && rank <= XT_MAXRANK);
  for (int i = rank - 1; i >= 0; i--) {
    int64_t n = d[i] > 0 ? d[i] : 1;
    idx[i] = flat % n;
    flat /= n;
  }
  return drv_shape_str(rank, idx);
}

/* `a` ends with "." + b: the names differ by a leading dotted prefix. */
static int dotted_suffix(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  return la > lb && a[la - lb - 1] == '.' && strcmp(a + la - lb, b) == 0;
}

const char *drv_closest(const char *s, const char *const *cands, int n) {
  const char *best = NULL;
  int bestd = 1 << 20;
  for (int i = 0; i < n; i++) {
    if (dotted_suffix(s, cands[i]) || dotted_suffix(cands[i], s)) return cands[i];
    int d = xl_edit_distance(s, cands[i]); /* compiler/util.c, shared with the front end */
    if (d < bestd) {
      bestd = d;
      best = cands[i];
    }
  }
  int limit = (int)strlen(s) / 4;
  if (limit < 2) limit = 2;
  return bestd <= limit ? best : NULL;
}

/* ---- options ---- */

static xl_options opts;
static int opts_set;

void drv_options_set(const xl_options *o) {
  opts = *o;
  opts_set = 1;
}

const xl_options *drv_options(void) {
  if (!opts_set) { /* not from xlc's main: read the environment as it is now */
    opts = xl_options_default();
    xl_options_from_env(&opts);
  }
  return &opts;
}

/* ---- compiling ---- */

int drv_compile(drv_src *s, xl_request *r, xl_module *m) {
  if (s) r->ar = &s->ar, r->file = s->file, r->diag = &s->diag;
  char *err = NULL;
  int rc = xl_compile(r, drv_options(), m, &err);
  if (rc == XL_COMPILE_USER && err) drv_error("%s", err);
  if (rc == XL_COMPILE_INTERNAL) drv_internal("%s", err ? err : "(no message)");
  free(err);
  return rc;
}

cg_graph *drv_graph(drv_src *s, const char *entry, const drv_sets *sets, xt *const *given, int ngiven, xl_grad grad,
                    xl_stage stop, int *rc) {
  xl_request r = {0};
  r.entry = entry, r.sets = sets ? sets->v.v : NULL, r.nsets = sets ? sets->v.n : 0;
  r.given = given, r.ngiven = ngiven, r.grad = grad, r.stop = stop;
  xl_module m;
  *rc = drv_compile(s, &r, &m);
  cg_graph *g = *rc ? NULL : xl_module_take_graph(&m);
  xl_module_free(&m);
  return g;
}

cg_graph *drv_graph_more(cg_graph *g, const char *entry, xl_grad grad, xl_stage stop, cg_opt_stats *st, int *rc) {
  xl_request r = {0};
  r.entry = entry, r.graph = g, r.grad = grad, r.stop = stop;
  xl_module m;
  *rc = drv_compile(NULL, &r, &m);
  if (st) *st = m.opt;
  g = *rc ? NULL : xl_module_take_graph(&m);
  xl_module_free(&m);
  return g;
}

/* ---- backends (runtime/backend.c's table) ---- */

const char *drv_backend_why(const char *backend) { return xl_backend_why(backend); }

int drv_backend_ok(const char *backend) {
  const char *why = drv_backend_why(backend);
  if (why) drv_error("backend '%s' %s", backend, why);
  return !why;
}

int drv_exec_failed(int rc, const char *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *ctx = xl_vfmt(fmt, ap);
  va_end(ap);
  if (rc == XL_EXEC_NOMEM) drv_error("%s: %s", ctx, err ? err : "out of memory");
  else drv_internal("%s: %s", ctx, err ? err : "(no message)");
  free(ctx);
  return rc == XL_EXEC_NOMEM ? XLC_EXIT_USER : XLC_EXIT_INTERNAL;
}

/* ---- interpreter steps ---- */

typedef struct {
  const char *entry;
  int shown, total;
} fb_ctx;

static XL_VEC(char *) fb_seen; /* "op@file:line:col" reported so far */

static void fb_one(const kp_plan *p, int step, const char *why, void *ud) {
  fb_ctx *c = ud;
  const cg_node *n = &p->g->nodes.v[p->steps.v[step].node];
  const char *op = cg_ops[n->op].name, *file = n->loc.file ? n->loc.file : "?";
  char *key = xl_fmt("%s@%s:%d:%d", op, file, n->loc.line, n->loc.col);
  for (int i = 0; i < fb_seen.n; i++)
    if (!strcmp(fb_seen.v[i], key)) {
      free(key);
      return;
    }
  xl_vec_push(fb_seen, key);
  c->total++;
  if (c->total > 12) return; /* the count below says how many more */
  char *sh = drv_shape_str(n->shape.rank, n->shape.d);
  if (!c->shown++)
    drv_note("'%s' computes steps on the reference interpreter (slow; xlc build lists them):", c->entry);
  if (n->loc.line)
    fprintf(stderr, "  %s %s at %s:%d:%d: %s\n", op, sh, file, n->loc.line, n->loc.col, why);
  else
    fprintf(stderr, "  %s %s: %s\n", op, sh, why);
  free(sh);
}

int drv_report_fallbacks(const xl_exec *x, const char *entry) {
  const kp_plan *p = xl_exec_plan(x);
  if (!p) return 0;
  fb_ctx c = {entry, 0, 0};
  int n = kp_fallbacks(p, fb_one, &c);
  if (c.total > 12) fprintf(stderr, "  ... and %d more\n", c.total - 12);
  return n;
}

int drv_exec(const struct cg_graph *g, const char *entry, const char *backend, cg_dtype dt, xt *const *inputs, xt **outputs,
             char **err) {
  const xl_backend *be = xl_backend_find(backend);
  if (!be) {
    if (err) *err = xl_fmt("backend '%s' %s", backend, xl_backend_why(backend));
    return -1;
  }
  xl_exec *x = xl_exec_prepare(be, g, dt, drv_options(), err);
  if (!x) return -1;
  drv_report_fallbacks(x, entry);
  int rc = xl_exec_run(x, inputs, outputs, err);
  xl_exec_free(x);
  return rc;
}
