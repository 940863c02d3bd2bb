/* config_file.c - `--config FILE`: YAML (libyaml's document loader) or JSON (cJSON) into one
 * cJSON tree, OmegaConf-style interpolations resolved in place, and the model: section mapped
 * to a stdlib entry and its settings (official_config.c does the per-key mapping).
 *
 * Input: the file's text. Output: a cJSON tree / K=V settings, or a malloc'd message naming
 * the file and the key (config_file.h). Must not print, exit or abort on any input.
 */
#include "config_file.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "official_config.h"
#include "xl_util.h"

static char *errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *errf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = xl_vfmt(fmt, ap);
  va_end(ap);
  return s;
}

/* ---- YAML -> cJSON ---- */

/* A plain YAML scalar's JSON value: null, bool, integer or float (YAML 1.2 core schema, plus
   `1e-3` without a dot as a float, as OmegaConf reads it); anything else a string. */
static int all_digits(const char *s, int allow_us) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s) && !(allow_us && *s == '_')) return 0;
  return 1;
}

static int is_float_text(const char *s) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  int digits = 0;
  while (isdigit((unsigned char)*p)) p++, digits++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
  }
  if (!digits) return 0;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p)) p++;
  }
  return *p == 0;
}

static cJSON *plain_scalar(const char *s) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
  static const char *const trues[] = {"true", "True", "TRUE"}, *const falses[] = {"false", "False", "FALSE"};
  for (int i = 0; i < 5; i++)
    if (!strcmp(s, nulls[i])) return cJSON_CreateNull();
  for (int i = 0; i < 3; i++) {
    if (!strcmp(s, trues[i])) return cJSON_CreateTrue();
    if (!strcmp(s, falses[i])) return cJSON_CreateFalse();
  }
  const char *p = s + (*s == '+' || *s == '-');
  int neg = *s == '-';
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o') && p[2]) {
    char *e;
    unsigned long long v = strtoull(p + 2, &e, p[1] == 'x' ? 16 : 8);
    if (!*e && isalnum((unsigned char)p[2])) return cJSON_CreateNumber(neg ? -(double)v : (double)v);
  }
  if (all_digits(p, 1) && p[0] != '_') { /* integers, with YAML 1.1's digit separators */
    char *t = xl_strdup(s), *q = t;
    for (const char *r = s; *r; r++)
      if (*r != '_') *q++ = *r;
    *q = 0;
    double v = strtod(t, NULL);
    free(t);
    return cJSON_CreateNumber(v);
  }
  if (is_float_text(s)) return cJSON_CreateNumber(strtod(s, NULL));
  static const char *const infs[] = {".inf", ".Inf", ".INF"}, *const nans[] = {".nan", ".NaN", ".NAN"};
  for (int i = 0; i < 3; i++) {
    if (!strcmp(p, infs[i])) return cJSON_CreateNumber(neg ? -INFINITY : INFINITY);
    if (!strcmp(s, nans[i])) return cJSON_CreateNumber(NAN);
  }
  return cJSON_CreateString(s);
}

typedef struct {
  yaml_document_t *doc;
  const char *file;
  long nodes; /* converted so far: aliases may expand a small file exponentially */
  char *err;
} yconv;

#define CFGF_MAX_NODES 1000000
#define CFGF_MAX_DEPTH 64

static cJSON *yaml_to_json(yconv *c, yaml_node_t *n, int depth) {
  if (!n) {
    c->err = errf("%s: malformed YAML document", c->file);
    return NULL;
  }
  int line = (int)n->start_mark.line + 1, col = (int)n->start_mark.column + 1;
  if (++c->nodes > CFGF_MAX_NODES || depth > CFGF_MAX_DEPTH) {
    c->err = errf("%s:%d:%d: error: the document is too large or too deeply nested (aliases?)", c->file, line, col);
    return NULL;
  }
  switch (n->type) {
  case YAML_SCALAR_NODE: {
    char *s = xl_strndup((const char *)n->data.scalar.value, n->data.scalar.length);
    cJSON *v = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? plain_scalar(s) : cJSON_CreateString(s);
    free(s);
    return v;
  }
  case YAML_SEQUENCE_NODE: {
    cJSON *a = cJSON_CreateArray();
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
      cJSON *v = yaml_to_json(c, yaml_document_get_node(c->doc, *it), depth + 1);
      if (!v) {
        cJSON_Delete(a);
        return NULL;
      }
      cJSON_AddItemToArray(a, v);
    }
    return a;
  }
  case YAML_MAPPING_NODE: {
    cJSON *o = cJSON_CreateObject();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
      if (!k || k->type != YAML_SCALAR_NODE) {
        c->err = errf("%s:%d:%d: error: a mapping key must be a scalar", c->file,
                      k ? (int)k->start_mark.line + 1 : line, k ? (int)k->start_mark.column + 1 : col);
        cJSON_Delete(o);
        return NULL;
      }
      char *key = xl_strndup((const char *)k->data.scalar.value, k->data.scalar.length);
      if (cJSON_GetObjectItemCaseSensitive(o, key)) {
        c->err = errf("%s:%d:%d: error: duplicate key '%s'", c->file, (int)k->start_mark.line + 1,
                      (int)k->start_mark.column + 1, key);
      } else if (!strcmp(key, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        c->err = errf("%s:%d:%d: error: YAML merge keys (<<) are not supported", c->file, (int)k->start_mark.line + 1,
                      (int)k->start_mark.column + 1);
      }
      cJSON *v = c->err ? NULL : yaml_to_json(c, yaml_document_get_node(c->doc, p->value), depth + 1);
      if (!v) {
        free(key);
        cJSON_Delete(o);
        return NULL;
      }
      cJSON_AddItemToObject(o, key, v);
      free(key);
    }
    return o;
  }
  default:
    c->err = errf("%s:%d:%d: error: empty YAML node", c->file, line, col);
    return NULL;
  }
}

static char *yaml_problem(const yaml_parser_t *p, const char *file) {
  const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
  const char *what = p->problem ? p->problem : "YAML error";
  if (p->context)
    return errf("%s:%d:%d: error: %s %s", file, (int)m->line + 1, (int)m->column + 1, what, p->context);
  return errf("%s:%d:%d: error: %s", file, (int)m->line + 1, (int)m->column + 1, what);
}

cJSON *cfgf_parse_yaml(const char *text, size_t len, const char *file, char **err) {
  yaml_parser_t p;
  yaml_document_t doc;
  *err = NULL;
  if (!yaml_parser_initialize(&p)) {
    *err = errf("%s: cannot initialize the YAML parser", file);
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  cJSON *out = NULL;
  if (!yaml_parser_load(&p, &doc)) {
    *err = yaml_problem(&p, file);
    yaml_parser_delete(&p);
    return NULL;
  }
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root) {
    *err = errf("%s: empty file (expected a mapping with model:, training:, dataset:)", file);
  } else {
    yconv c = {&doc, file, 0, NULL};
    out = yaml_to_json(&c, root, 0);
    *err = c.err;
    if (out) { /* exactly one document */
      yaml_document_t d2;
      if (!yaml_parser_load(&p, &d2)) {
        *err = yaml_problem(&p, file);
      } else {
        yaml_node_t *r2 = yaml_document_get_root_node(&d2);
        if (r2)
          *err = errf("%s:%d:%d: error: a second YAML document (one document expected)", file,
                      (int)r2->start_mark.line + 1, (int)r2->start_mark.column + 1);
        yaml_document_delete(&d2);
      }
      if (*err) {
        cJSON_Delete(out);
        out = NULL;
      }
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&p);
  return out;
}

/* ---- interpolation ---- */

/* The containers from the root down to a node's parent: anc[0] = root, anc[n-1] = parent. */
typedef struct {
  const cJSON *anc[CFGF_MAX_DEPTH + 2];
  int n;
} chain;

typedef struct {
  const char *file;
  cJSON *root;
  const cJSON *stack[256]; /* strings being resolved (cycle detection) */
  chain stack_ch[256];
  int nstack;
  char *err;
} rctx;

/* "a.b.0.c" for `node` below the chain (the root itself: "<root>"). */
static char *node_path(const chain *ch, const cJSON *node) {
  char *s = xl_strdup("");
  for (int i = 1; i <= ch->n; i++) {
    const cJSON *par = ch->anc[i - 1], *cur = i < ch->n ? ch->anc[i] : node;
    char *seg;
    if (cJSON_IsArray(par)) {
      int k = 0;
      for (const cJSON *it = par->child; it && it != cur; it = it->next) k++;
      seg = xl_fmt("%d", k);
    } else {
      seg = xl_strdup(cur->string ? cur->string : "?");
    }
    char *t = xl_fmt("%s%s%s", s, *s ? "." : "", seg);
    free(s);
    free(seg);
    s = t;
  }
  if (!*s) {
    free(s);
    s = xl_strdup("<root>");
  }
  return s;
}

static char *num_text(double v) {
  if (v == floor(v) && fabs(v) < 1e15) return xl_fmt("%.0f", v);
  char *s = xl_fmt("%.15g", v);
  if (strtod(s, NULL) != v) {
    free(s);
    s = xl_fmt("%.17g", v);
  }
  return s;
}

static int resolve_node(rctx *c, chain *ch, cJSON *node);

/* Finds reference `ref` (the text inside ${...}) for the string `node` below chain ch.
   *tch receives the chain of the target. */
static cJSON *lookup(rctx *c, const chain *ch, const cJSON *node, const char *ref, chain *tch) {
  int dots = 0;
  while (ref[dots] == '.') dots++;
  const cJSON *cur;
  if (dots == 0) {
    cur = c->root;
    tch->n = 0;
  } else {
    int base = ch->n - dots; /* index of the base container in ch */
    if (base < 0) {
      char *p = node_path(ch, node);
      c->err = errf("%s: %s: ${%s} goes above the top level", c->file, p, ref);
      free(p);
      return NULL;
    }
    cur = ch->anc[base];
    tch->n = base;
    memcpy(tch->anc, ch->anc, sizeof(ch->anc[0]) * (size_t)base);
  }
  const char *p = ref + dots;
  if (!*p) {
    char *np = node_path(ch, node);
    c->err = errf("%s: %s: ${%s} names no key", c->file, np, ref);
    free(np);
    return NULL;
  }
  while (*p) {
    const char *e = strchr(p, '.');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char *seg = xl_strndup(p, l);
    const cJSON *next = NULL;
    if (cJSON_IsObject(cur)) next = cJSON_GetObjectItemCaseSensitive(cur, seg);
    else if (cJSON_IsArray(cur) && all_digits(seg, 0)) next = cJSON_GetArrayItem(cur, atoi(seg));
    if (!next || tch->n > CFGF_MAX_DEPTH) {
      char *np = node_path(ch, node), *at = node_path(tch, cur);
      c->err = errf("%s: %s: cannot resolve ${%s}: no key '%s' in %s", c->file, np, ref, seg,
                    dots == 0 && tch->n == 0 ? "the top level" : at);
      free(np);
      free(at);
      free(seg);
      return NULL;
    }
    free(seg);
    tch->anc[tch->n++] = cur;
    cur = next;
    p = e ? e + 1 : p + l;
    if (e && !*p) break; /* "a." */
  }
  return (cJSON *)cur;
}

/* Replaces node's value by a copy of `src`'s (its key stays). */
static void take_value(cJSON *node, const cJSON *src) {
  cJSON *d = cJSON_Duplicate(src, 1);
  if (node->valuestring) cJSON_free(node->valuestring);
  cJSON_Delete(node->child);
  node->type = (node->type & (cJSON_IsReference | cJSON_StringIsConst)) | (d->type & 0xFF);
  node->valuestring = d->valuestring;
  node->valuedouble = d->valuedouble;
  node->valueint = d->valueint;
  node->child = d->child;
  d->valuestring = NULL;
  d->child = NULL;
  cJSON_Delete(d);
}

static int resolve_string(rctx *c, chain *ch, cJSON *node) {
  for (int i = 0; i < c->nstack; i++)
    if (c->stack[i] == node) { /* a cycle: name every string on it */
      char *cyc = xl_strdup("");
      for (int j = i; j < c->nstack; j++) {
        char *p = node_path(&c->stack_ch[j], c->stack[j]);
        char *t = xl_fmt("%s%s -> ", cyc, p);
        free(cyc);
        free(p);
        cyc = t;
      }
      char *p = node_path(ch, node);
      c->err = errf("%s: %s: reference cycle: %s%s", c->file, p, cyc, p);
      free(p);
      free(cyc);
      return -1;
    }
  if (c->nstack == 256) {
    char *p = node_path(ch, node);
    c->err = errf("%s: %s: references nested too deeply", c->file, p);
    free(p);
    return -1;
  }
  c->stack[c->nstack] = node;
  c->stack_ch[c->nstack] = *ch;
  c->nstack++;
  const char *s = node->valuestring;
  char *out = xl_strdup("");
  int rc = 0;
  const char *p = s;
  while (*p && rc == 0) {
    const char *b = strstr(p, "${");
    if (!b) {
      char *t = xl_fmt("%s%s", out, p);
      free(out);
      out = t;
      break;
    }
    const char *e = strchr(b + 2, '}');
    char *ref = e ? xl_strndup(b + 2, (size_t)(e - b - 2)) : NULL;
    char *np = NULL;
    if (!e || strstr(ref, "${") || strchr(ref, ':') || strchr(ref, '[')) {
      np = node_path(ch, node);
      c->err = !e                   ? errf("%s: %s: unterminated ${ in \"%s\"", c->file, np, s)
               : strstr(ref, "${") ? errf("%s: %s: nested interpolations are not supported: \"%s\"", c->file, np, s)
               : strchr(ref, ':')  ? errf("%s: %s: resolvers are not supported: ${%s}", c->file, np, ref)
                                   : errf("%s: %s: use a.0, not a[0], in ${%s}", c->file, np, ref);
      free(np);
      free(ref);
      rc = -1;
      break;
    }
    chain tch;
    cJSON *t = lookup(c, ch, node, ref, &tch);
    if (!t) rc = -1;
    else if (cJSON_IsString(t) && strstr(t->valuestring, "${")) rc = resolve_string(c, &tch, t);
    else if (cJSON_IsObject(t) || cJSON_IsArray(t)) rc = resolve_node(c, &tch, t);
    if (rc == 0 && b == s && !e[1]) { /* the whole string: the value with its type */
      free(ref);
      free(out);
      c->nstack--;
      take_value(node, t);
      return 0;
    }
    if (rc == 0) {
      char *txt = NULL;
      if (cJSON_IsString(t)) txt = xl_strdup(t->valuestring);
      else if (cJSON_IsNumber(t)) txt = num_text(t->valuedouble);
      else if (cJSON_IsBool(t)) txt = xl_strdup(cJSON_IsTrue(t) ? "true" : "false");
      else if (cJSON_IsNull(t)) txt = xl_strdup("null");
      if (!txt) {
        np = node_path(ch, node);
        c->err = errf("%s: %s: ${%s} is a %s and cannot be part of the string \"%s\"", c->file, np, ref,
                      cJSON_IsObject(t) ? "mapping" : "list", s);
        free(np);
        rc = -1;
      } else {
        char *o2 = xl_fmt("%s%.*s%s", out, (int)(b - p), p, txt);
        free(out);
        free(txt);
        out = o2;
        p = e + 1;
      }
    }
    free(ref);
  }
  c->nstack--;
  if (rc == 0) {
    cJSON_free(node->valuestring);
    node->valuestring = NULL;
    cJSON *tmp = cJSON_CreateString(out); /* allocated by cJSON's hooks */
    node->valuestring = tmp->valuestring;
    tmp->valuestring = NULL;
    cJSON_Delete(tmp);
  }
  free(out);
  return rc;
}

static int resolve_node(rctx *c, chain *ch, cJSON *node) {
  if (cJSON_IsString(node)) return strstr(node->valuestring, "${") ? resolve_string(c, ch, node) : 0;
  if (!cJSON_IsObject(node) && !cJSON_IsArray(node)) return 0;
  if (ch->n > CFGF_MAX_DEPTH) {
    c->err = errf("%s: nested too deeply", c->file);
    return -1;
  }
  chain sub = *ch;
  sub.anc[sub.n++] = node;
  for (cJSON *it = node->child; it; it = it->next)
    if (resolve_node(c, &sub, it) != 0) return -1;
  return 0;
}

int cfgf_resolve(cJSON *root, const char *file, char **err) {
  rctx *c = xl_calloc(1, sizeof *c);
  c->file = file;
  c->root = root;
  chain ch = {.n = 0};
  int rc = resolve_node(c, &ch, root);
  *err = c->err;
  free(c);
  return rc;
}

/* ---- loading ---- */

cJSON *cfgf_load(const char *path, char **err) {
  *err = NULL;
  size_t len = 0;
  const char *why = NULL;
  char *text = xl_read_file(path, &len, &why);
  if (!text) {
    *err = errf("cannot read '%s': %s", path, why ? why : "error");
    return NULL;
  }
  size_t pl = strlen(path);
  cJSON *root = NULL;
  if (pl >= 5 && !strcmp(path + pl - 5, ".json")) {
    const char *end = NULL;
    root = cJSON_ParseWithOpts(text, &end, 1); /* xl_read_file NUL-terminates */
    if (!root) {
      int line = 1, col = 1;
      const char *stop = end && end >= text && end <= text + len ? end : text;
      for (const char *q = text; q < stop; q++)
        if (*q == '\n') line++, col = 1;
        else col++;
      *err = errf("%s:%d:%d: error: JSON syntax error", path, line, col);
    }
  } else {
    root = cfgf_parse_yaml(text, len, path, err);
  }
  free(text);
  if (!root) return NULL;
  if (!cJSON_IsObject(root)) {
    *err = errf("%s: the top level is not a mapping (expected model:, training:, dataset:)", path);
  } else {
    cfgf_resolve(root, path, err);
  }
  if (*err) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

const cJSON *cfgf_get(const cJSON *root, const char *path) {
  const cJSON *cur = root;
  const char *p = path;
  while (cur && *p) {
    const char *e = strchr(p, '.');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    char *seg = xl_strndup(p, l);
    cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
    free(seg);
    p = e ? e + 1 : p + l;
  }
  return cur;
}

/* ---- model: ---- */

int cfgf_model_map(const cJSON *root, const char *file, cfgf_model *m, char **err) {
  memset(m, 0, sizeof *m);
  *err = NULL;
  const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
  if (!model) {
    *err = errf("%s: no model: section", file);
    return -1;
  }
  if (!cJSON_IsObject(model)) {
    *err = errf("%s: model: is not a mapping", file);
    return -1;
  }
  const cJSON *cl = cJSON_GetObjectItemCaseSensitive(model, "context_length");
  if (cl && !(cJSON_IsNumber(cl) && cl->valuedouble == floor(cl->valuedouble) &&
              (cl->valuedouble == -1 || (cl->valuedouble >= 1 && cl->valuedouble <= 1e7)))) {
    *err = errf("%s: model.context_length: expected a positive integer", file);
    return -1;
  }
  m->context_length = cl && cl->valuedouble > 0 ? (int)cl->valuedouble : 0;
  m->is_large = ocfg_is_large(model);
  m->entry = m->is_large ? "xlstm_large" : "xlstm_lm";
  ocfg_out o;
  ocfg_out_init(&o);
  char *e = NULL;
  int rc = m->is_large ? ocfg_map_large(model, "model", &o, &e) : ocfg_map_lm(model, "model", &o, &e);
  if (rc != 0) {
    *err = errf("%s: %s", file, e ? e : "model: cannot be mapped");
    free(e);
    ocfg_out_free(&o);
    return -1;
  }
  m->kv = xl_calloc((size_t)o.n + 1, sizeof(char *));
  for (int i = 0; i < o.n; i++) m->kv[m->nkv++] = xl_strdup(o.kv[i]);
  m->notes = xl_calloc((size_t)o.nign + 1, sizeof(char *));
  for (int i = 0; i < o.nign; i++) { /* "path (why)" or "path" */
    const char *sp = strchr(o.ignored[i], ' ');
    m->notes[m->nnotes++] = sp ? xl_fmt("%s: %.*s ignored%s", file, (int)(sp - o.ignored[i]), o.ignored[i], sp)
                               : xl_fmt("%s: %s ignored", file, o.ignored[i]);
  }
  ocfg_out_free(&o);
  return 0;
}

void cfgf_model_free(cfgf_model *m) {
  for (int i = 0; i < m->nkv; i++) free(m->kv[i]);
  for (int i = 0; i < m->nnotes; i++) free(m->notes[i]);
  free(m->kv);
  free(m->notes);
  memset(m, 0, sizeof *m);
}
