/* memplan.c - the memory plan (memplan.h): classifies every value of a cell graph by region,
 * computes workspace lifetimes over the kernel plan's steps and packs them.
 *
 * Input: a verified graph and its kernel plan (scan bodies have their own plans). Output:
 * mp_plan, one region and byte offset per value. Liveness: a value is live from the step that
 * writes it to the last step that reads it (kernel loads, GEMM operands, operands of reference
 * steps, a scan's inputs during its whole step; reads of views and SCAN_OUTs count for the
 * value they alias); graph outputs live to the last step. Packing is greedy by size, each value
 * in the smallest gap left by the values already placed whose lifetimes overlap (best fit).
 * This file allocates no tensors and runs nothing.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "memplan.h"

static size_t align_up(size_t n) { return (n + MP_ALIGN - 1) / MP_ALIGN * MP_ALIGN; }

static size_t node_bytes(const cg_graph *g, int id, size_t es) { return (size_t)cg_numel(&g->nodes.v[id].shape) * es; }

/* Bytes of result k of SCAN node id. */
static size_t scan_res_bytes(const cg_graph *g, int id, int k, size_t es) {
  cg_node probe;
  memset(&probe, 0, sizeof probe);
  int in0 = id;
  probe.op = CG_OP_SCAN_OUT;
  probe.nin = 1;
  probe.in = &in0;
  probe.a[0] = k;
  cg_shape sh;
  XL_ASSERT(cg_infer_shape(g, &probe, &sh) == 0);
  return (size_t)cg_numel(&sh) * es;
}

static int add_val(mp_plan *p, int node, int res, mp_region r, size_t bytes) {
  mp_value v = {node, res, r, bytes, 0, -1, -1, -1, 0};
  xl_vec_push(p->vals, v);
  return p->vals.n - 1;
}

/* The value that holds v's data. */
static int root(const mp_plan *p, int v) { return p->vals.v[v].region == MP_ALIAS ? p->vals.v[v].alias : v; }

static void set_alias(mp_plan *p, int v, int target) {
  target = root(p, target);
  p->vals.v[v].region = MP_ALIAS;
  p->vals.v[v].alias = target;
}

/* ---- what each step reads and writes ---- */

typedef void (*access_fn)(void *ctx, int si, int v, int write);

/* Calls fn for every value (aliases followed) that step si reads (write 0) or writes (1).
   INPUT steps access nothing (their values are bound before the plan runs), views and
   SCAN_OUTs only name storage, a constant without storage is not computed. */
static void step_access(const mp_plan *p, int si, access_fn fn, void *ctx) {
  const cg_graph *g = p->g;
  const kp_step *s = &p->kp->steps.v[si];
  const cg_node *n = &g->nodes.v[s->node];
  switch (s->kind) {
  case KP_KERNEL:
    for (int b = 0; b < s->kir->nbuf; b++) fn(ctx, si, root(p, s->buf_node[b]), s->kir->buf_out[b]);
    break;
  case KP_GEMM:
    fn(ctx, si, root(p, s->gemm.a), 0);
    fn(ctx, si, root(p, s->gemm.b), 0);
    fn(ctx, si, s->node, 1);
    break;
  case KP_VIEW: break;
  case KP_REF:
    if (n->op == CG_OP_INPUT || n->op == CG_OP_SCAN_OUT) break;
    if (n->op == CG_OP_CONST) {
      if (p->vals.v[s->node].region != MP_NONE) fn(ctx, si, s->node, 1);
      break;
    }
    for (int k = 0; k < n->nin; k++) fn(ctx, si, root(p, n->in[k]), 0);
    if (n->op == CG_OP_SCAN) {
      int r0 = p->scan_res[s->node], nres = cg_scan_nresults(n);
      for (int k = 0; k <= nres; k++) fn(ctx, si, r0 + k, 1); /* results, then the body workspace */
    } else {
      fn(ctx, si, s->node, 1);
    }
    break;
  }
}

typedef struct {
  mp_plan *p;
  int *nread; /* per value */
} live_ctx;

static void live_access(void *ctx, int si, int v, int write) {
  live_ctx *c = ctx;
  mp_value *x = &c->p->vals.v[v];
  if (write) {
    if (x->first < 0 || si < x->first) x->first = si;
  } else {
    c->nread[v]++;
  }
  if (si > x->last) x->last = si;
}

/* ---- packing ---- */

static const mp_value *sort_vals; /* qsort context (planning is single-threaded) */

static int by_size(const void *a, const void *b) {
  const mp_value *x = &sort_vals[*(const int *)a], *y = &sort_vals[*(const int *)b];
  size_t sx = align_up(x->bytes), sy = align_up(y->bytes);
  if (sx != sy) return sx > sy ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return *(const int *)a - *(const int *)b;
}

static int by_off(const void *a, const void *b) {
  const mp_value *x = &sort_vals[*(const int *)a], *y = &sort_vals[*(const int *)b];
  if (x->off != y->off) return x->off < y->off ? -1 : 1;
  return *(const int *)a - *(const int *)b;
}

static int lives_overlap(const mp_value *a, const mp_value *b) { return a->first <= b->last && b->first <= a->last; }

/* Greedy by size: each workspace value (largest first) goes into the smallest gap between the
   placed values whose lifetimes overlap its own, or above them all. */
static void pack(mp_plan *p) {
  int nv = p->vals.n, n = 0, np = 0;
  int *order = xl_malloc(((size_t)nv + 1) * sizeof(int)), *placed = xl_malloc(((size_t)nv + 1) * sizeof(int));
  int *near = xl_malloc(((size_t)nv + 1) * sizeof(int));
  for (int i = 0; i < nv; i++)
    if (p->vals.v[i].region == MP_WORK && p->vals.v[i].bytes > 0) order[n++] = i;
  sort_vals = p->vals.v;
  qsort(order, (size_t)n, sizeof(int), by_size);
  p->work_peak = 0;
  for (int i = 0; i < n; i++) {
    mp_value *x = &p->vals.v[order[i]];
    size_t sz = align_up(x->bytes);
    int nn = 0;
    for (int j = 0; j < np; j++)
      if (lives_overlap(x, &p->vals.v[placed[j]])) near[nn++] = placed[j];
    qsort(near, (size_t)nn, sizeof(int), by_off);
    size_t end = 0, best = 0, best_gap = (size_t)-1;
    for (int j = 0; j < nn; j++) {
      const mp_value *y = &p->vals.v[near[j]];
      if (y->off > end && y->off - end >= sz && y->off - end < best_gap) {
        best_gap = y->off - end;
        best = end;
      }
      if (y->off + align_up(y->bytes) > end) end = y->off + align_up(y->bytes);
    }
    x->off = best_gap != (size_t)-1 ? best : end;
    if (x->off + sz > p->work_peak) p->work_peak = x->off + sz;
    placed[np++] = order[i];
  }
  free(order);
  free(placed);
  free(near);
}

/* ---- building ---- */

static mp_plan *build(const cg_graph *g, const kp_plan *kp, size_t es, int is_body) {
  int N = g->nodes.n, S = kp->steps.n;
  mp_plan *p = xl_calloc(1, sizeof *p);
  p->g = g;
  p->kp = kp;
  p->elem_size = es;
  p->is_body = is_body;
  p->nsteps = S;
  p->scan_res = xl_malloc(((size_t)N + 1) * sizeof(int));
  p->body = xl_calloc((size_t)S + 1, sizeof(mp_plan *));
  for (int i = 0; i < N; i++) {
    add_val(p, i, MP_RES_NODE, MP_NONE, node_bytes(g, i, es));
    p->scan_res[i] = -1;
  }

  /* regions, in step order (aliases resolve to values planned before them) */
  for (int si = 0; si < S; si++) {
    const kp_step *s = &kp->steps.v[si];
    const cg_node *n = &g->nodes.v[s->node];
    switch (s->kind) {
    case KP_KERNEL:
      for (int b = 0; b < s->kir->nbuf; b++)
        if (s->kir->buf_out[b]) p->vals.v[s->buf_node[b]].region = MP_WORK;
      break; /* the other members stay in registers (MP_NONE) */
    case KP_GEMM: p->vals.v[s->node].region = MP_WORK; break;
    case KP_VIEW: set_alias(p, s->node, n->in[0]); break;
    case KP_REF:
      if (n->op == CG_OP_INPUT) {
        mp_region r = MP_INPUT;
        if (n->ikind == CG_IN_PARAM) r = MP_PARAM;
        if (n->ikind == CG_IN_CONST || n->ikind == CG_IN_BSTATE) r = MP_CALLER;
        if (n->ikind == CG_IN_SEQ) r = MP_WORK; /* the executor copies the step's slice */
        p->vals.v[s->node].region = r;
      } else if (n->op == CG_OP_SCAN) {
        p->body[si] = build(n->body, s->body, es, 1);
        int nres = cg_scan_nresults(n);
        for (int k = 0; k < nres; k++) {
          int v = add_val(p, s->node, k, MP_WORK, scan_res_bytes(g, s->node, k, es));
          if (k == 0) p->scan_res[s->node] = v;
        }
        add_val(p, s->node, MP_RES_BODY, MP_WORK, p->body[si]->work_peak);
      } else if (n->op == CG_OP_SCAN_OUT) {
        set_alias(p, s->node, p->scan_res[n->in[0]] + (int)n->a[0]);
      } else {
        p->vals.v[s->node].region = MP_WORK; /* constants: until shown unread */
      }
      break;
    }
  }

  /* lifetimes */
  int nv = p->vals.n;
  live_ctx lc = {p, xl_calloc((size_t)nv + 1, sizeof(int))};
  for (int si = 0; si < S; si++) step_access(p, si, live_access, &lc);
  for (int k = 0; k < g->outs.n; k++) {
    int v = root(p, g->outs.v[k].node);
    p->vals.v[v].is_out = 1;
    p->vals.v[v].last = S - 1;
  }
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    mp_value *x = &p->vals.v[i];
    if (n->op == CG_OP_CONST && x->region == MP_WORK && !x->is_out && lc.nread[i] == 0) {
      x->region = MP_NONE; /* every reader is a kernel that inlines it */
      x->first = x->last = -1;
    }
    if (n->op == CG_OP_INPUT && n->ikind == CG_IN_SEQ) {
      x->first = 0;
      if (x->last < 0) x->last = 0;
    }
  }
  free(lc.nread);

  /* parameters in declaration order, their gradients at the same offsets; other inputs */
  for (int i = 0; i < N; i++) {
    mp_value *x = &p->vals.v[i];
    if (x->region == MP_PARAM) {
      x->off = p->param_bytes;
      p->param_bytes += align_up(x->bytes);
      mp_param pr = {i, x->off, x->bytes, -1, 0};
      xl_vec_push(p->params, pr);
    } else if (x->region == MP_INPUT) {
      x->off = p->input_bytes;
      p->input_bytes += align_up(x->bytes);
    }
  }
  for (int k = 0; k < g->outs.n && !is_body; k++) {
    const char *nm = g->outs.v[k].name;
    if (!nm || strncmp(nm, "grad.", 5) != 0) continue;
    int pin = cg_find_input(g, nm + 5);
    if (pin < 0 || g->nodes.v[pin].ikind != CG_IN_PARAM) continue;
    mp_param *pr = NULL;
    for (int j = 0; j < p->params.n; j++)
      if (p->params.v[j].node == pin) pr = &p->params.v[j];
    XL_ASSERT(pr);
    pr->grad_node = g->outs.v[k].node;
    mp_value *x = &p->vals.v[root(p, pr->grad_node)];
    int computed = !(x->res == MP_RES_NODE && g->nodes.v[x->node].op == CG_OP_INPUT); /* not a SEQ slice */
    if (x->region == MP_WORK && x->bytes == pr->bytes && computed) {
      x->region = MP_GRAD;
      x->off = pr->off;
      x->first = x->last = -1;
    } else {
      pr->grad_copy = 1;
    }
  }

  /* the workspace */
  for (int i = 0; i < p->vals.n; i++) {
    mp_value *x = &p->vals.v[i];
    if (x->region != MP_WORK) {
      x->first = x->last = -1; /* reads of parameters, inputs, caller values */
      continue;
    }
    if (x->first < 0) x->first = 0; /* written by no step: mp_verify reports it */
    if (x->last < x->first) x->last = x->first;
    if (x->res == MP_RES_BODY) continue;
    p->work_sum += x->bytes;
    p->work_sum_aligned += align_up(x->bytes);
  }
  for (int si = 0; si < S; si++)
    if (p->body[si]) {
      p->work_sum += p->body[si]->work_sum;
      p->work_sum_aligned += p->body[si]->work_sum_aligned;
    }
  pack(p);
  size_t *live = xl_calloc((size_t)S + 1, sizeof(size_t));
  for (int i = 0; i < p->vals.n; i++) {
    const mp_value *x = &p->vals.v[i];
    if (x->region != MP_WORK) continue;
    for (int t = x->first; t <= x->last; t++) live[t] += align_up(x->bytes);
  }
  for (int t = 0; t < S; t++)
    if (live[t] > p->work_bound) p->work_bound = live[t];
  free(live);
  /* aliases carry their target's offset */
  for (int i = 0; i < p->vals.n; i++)
    if (p->vals.v[i].region == MP_ALIAS) p->vals.v[i].off = p->vals.v[p->vals.v[i].alias].off;
  return p;
}

mp_plan *mp_build(const cg_graph *g, const kp_plan *kp, size_t elem_size) {
  XL_ASSERT(kp->g == g && elem_size > 0);
  mp_plan *p = build(g, kp, elem_size, 0);
  if (mp_verify(p, stderr) != 0) XL_ASSERT(!"mp_build made an unsound plan");
  return p;
}

void mp_free(mp_plan *p) {
  if (!p) return;
  for (int si = 0; si < p->nsteps; si++) mp_free(p->body[si]);
  free(p->body);
  free(p->scan_res);
  free(p->vals.v);
  free(p->params.v);
  free(p);
}

const mp_value *mp_value_of(const mp_plan *p, int node) {
  XL_ASSERT(node >= 0 && node < p->g->nodes.n);
  return &p->vals.v[root(p, node)];
}

const mp_value *mp_scan_result(const mp_plan *p, int scan, int k) {
  XL_ASSERT(scan >= 0 && scan < p->g->nodes.n && p->scan_res[scan] >= 0);
  XL_ASSERT(k >= 0 && k < cg_scan_nresults(&p->g->nodes.v[scan]));
  return &p->vals.v[p->scan_res[scan] + k];
}

/* ---- verify ---- */

static int vproblem(FILE *err, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int vproblem(FILE *err, const char *where, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(err, "mp_verify: %s", where);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
    va_end(ap);
  }
  return 1;
}

/* "%5", "%5#1" (scan result), "%5 body" (scan body workspace) */
static const char *vname(const mp_value *x, char *buf, size_t len) {
  if (x->res == MP_RES_NODE)
    snprintf(buf, len, "%%%d", x->node);
  else if (x->res == MP_RES_BODY)
    snprintf(buf, len, "%%%d body", x->node);
  else
    snprintf(buf, len, "%%%d#%d", x->node, x->res);
  return buf;
}

typedef struct {
  const mp_plan *p;
  FILE *err;
  const char *w;
  int np;
  int *nwrite; /* per value */
} ver_ctx;

static void ver_access(void *ctx, int si, int v, int write) {
  ver_ctx *c = ctx;
  const mp_value *x = &c->p->vals.v[v];
  char nb[48];
  if (x->region == MP_NONE || x->region == MP_ALIAS) {
    c->np += vproblem(c->err, c->w, "step %d %s %s, which has no storage", si, write ? "writes" : "reads",
                      vname(x, nb, sizeof nb));
    return;
  }
  if (write) c->nwrite[v]++;
  if (x->region != MP_WORK) return;
  if (si < x->first || si > x->last)
    c->np += vproblem(c->err, c->w, "step %d %s %s, live only in [%d, %d]", si, write ? "writes" : "reads",
                      vname(x, nb, sizeof nb), x->first, x->last);
  else if (write && si != x->first)
    c->np += vproblem(c->err, c->w, "step %d writes %s, live from step %d", si, vname(x, nb, sizeof nb), x->first);
}

static const char *const region_names[MP_NREGIONS] = {"none", "alias", "param", "grad", "input", "caller", "work"};

/* Values of region r whose bytes overlap (in the workspace: only if their lifetimes do too). */
static int check_overlaps(const mp_plan *p, mp_region r, FILE *err, const char *w) {
  int n = 0, np = 0;
  int *ix = xl_malloc(((size_t)p->vals.n + 1) * sizeof(int));
  for (int i = 0; i < p->vals.n; i++)
    if (p->vals.v[i].region == r && p->vals.v[i].bytes > 0) ix[n++] = i;
  sort_vals = p->vals.v;
  qsort(ix, (size_t)n, sizeof(int), by_off);
  for (int i = 0; i < n; i++) {
    const mp_value *x = &p->vals.v[ix[i]];
    for (int j = i + 1; j < n && p->vals.v[ix[j]].off < x->off + x->bytes; j++) {
      const mp_value *y = &p->vals.v[ix[j]];
      if (r == MP_WORK && !lives_overlap(x, y)) continue;
      char a[48], b[48];
      np += vproblem(err, w, "%s %s [%zu, %zu) and %s [%zu, %zu) overlap", region_names[r], vname(x, a, sizeof a),
                     x->off, x->off + x->bytes, vname(y, b, sizeof b), y->off, y->off + y->bytes);
    }
  }
  free(ix);
  return np;
}

static int verify_plan(const mp_plan *p, FILE *err, const char *w) {
  const cg_graph *g = p->g;
  int N = g->nodes.n, np = 0;
  char nb[48];
  if (p->vals.n < N) return vproblem(err, w, "%d values for %d nodes", p->vals.n, N);
  for (int i = 0; i < p->vals.n; i++) {
    const mp_value *x = &p->vals.v[i];
    const char *nm = vname(x, nb, sizeof nb);
    size_t lim = 0;
    switch (x->region) {
    case MP_NONE:
    case MP_CALLER: continue;
    case MP_ALIAS:
      if (x->alias < 0 || x->alias >= p->vals.n || p->vals.v[x->alias].region == MP_ALIAS)
        np += vproblem(err, w, "%s aliases no storage value", nm);
      else if (x->off != p->vals.v[x->alias].off)
        np += vproblem(err, w, "%s: offset differs from the value it aliases", nm);
      continue;
    case MP_PARAM:
    case MP_GRAD: lim = p->param_bytes; break;
    case MP_INPUT: lim = p->input_bytes; break;
    case MP_WORK:
      lim = p->work_peak;
      if (x->first < 0 || x->first > x->last || x->last >= p->nsteps)
        np += vproblem(err, w, "%s: live range [%d, %d] outside the %d steps", nm, x->first, x->last, p->nsteps);
      break;
    default: np += vproblem(err, w, "%s: region %d", nm, (int)x->region); continue;
    }
    if (x->off % MP_ALIGN) np += vproblem(err, w, "%s: offset %zu not %d-byte aligned", nm, x->off, MP_ALIGN);
    if (x->bytes > 0 && x->off + x->bytes > lim)
      np += vproblem(err, w, "%s: [%zu, %zu) beyond the %s region (%zu bytes)", nm, x->off, x->off + x->bytes,
                     region_names[x->region], lim);
  }
  for (int r = MP_PARAM; r < MP_NREGIONS; r++)
    if (r != MP_CALLER) np += check_overlaps(p, (mp_region)r, err, w);
  for (int j = 0; j < p->params.n; j++) {
    const mp_param *pr = &p->params.v[j];
    const mp_value *x = &p->vals.v[pr->node];
    if (x->region != MP_PARAM || x->off != pr->off || x->bytes != pr->bytes)
      np += vproblem(err, w, "parameter %%%d is not at its offset in the parameter block", pr->node);
    if (pr->grad_node >= 0 && !pr->grad_copy) {
      const mp_value *gv = &p->vals.v[root(p, pr->grad_node)];
      if (gv->region != MP_GRAD || gv->off != pr->off || gv->bytes != pr->bytes)
        np += vproblem(err, w, "gradient %%%d of %%%d is not at the parameter's offset", pr->grad_node, pr->node);
    }
  }
  ver_ctx vc = {p, err, w, 0, xl_calloc((size_t)p->vals.n + 1, sizeof(int))};
  for (int si = 0; si < p->nsteps; si++) step_access(p, si, ver_access, &vc);
  np += vc.np;
  for (int i = 0; i < p->vals.n; i++) {
    const mp_value *x = &p->vals.v[i];
    int seq = x->res == MP_RES_NODE && g->nodes.v[x->node].op == CG_OP_INPUT; /* written by the executor */
    if ((x->region == MP_WORK || x->region == MP_GRAD) && !seq && vc.nwrite[i] != 1)
      np += vproblem(err, w, "%s is written by %d steps", vname(x, nb, sizeof nb), vc.nwrite[i]);
  }
  free(vc.nwrite);
  for (int k = 0; k < g->outs.n; k++) {
    const mp_value *x = &p->vals.v[root(p, g->outs.v[k].node)];
    if (x->region == MP_NONE) np += vproblem(err, w, "output %d (%%%d) has no storage", k, g->outs.v[k].node);
    if (x->region == MP_WORK && x->last != p->nsteps - 1)
      np += vproblem(err, w, "output %d (%%%d) dies at step %d", k, g->outs.v[k].node, x->last);
  }
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op == CG_OP_INPUT && n->ikind == CG_IN_SEQ && (p->vals.v[i].region != MP_WORK || p->vals.v[i].first != 0))
      np += vproblem(err, w, "sequence slice %%%d is not in the workspace from step 0", i);
  }
  for (int si = 0; si < p->nsteps; si++) {
    const kp_step *s = &p->kp->steps.v[si];
    if (!p->body[si] != !s->body) {
      np += vproblem(err, w, "step %d: body plan does not match the kernel plan", si);
      continue;
    }
    if (!s->body) continue;
    const mp_value *bw = &p->vals.v[p->scan_res[s->node] + cg_scan_nresults(&g->nodes.v[s->node])];
    if (bw->res != MP_RES_BODY || bw->bytes != p->body[si]->work_peak)
      np += vproblem(err, w, "step %d: the body workspace value does not match the body's peak", si);
    char *bwh = xl_fmt("%s%%%d scan body: ", w, s->node);
    np += verify_plan(p->body[si], err, bwh);
    free(bwh);
  }
  return np;
}

int mp_verify(const mp_plan *p, FILE *err) { return verify_plan(p, err, ""); }

/* ---- dump ---- */

static void put_region(const mp_plan *p, const mp_value *x, FILE *out) {
  char nb[48];
  switch (x->region) {
  case MP_NONE: fputs(" reg", out); break;
  case MP_ALIAS: fprintf(out, " = %s", vname(&p->vals.v[x->alias], nb, sizeof nb)); break;
  case MP_CALLER: fputs(" caller", out); break;
  case MP_WORK: fprintf(out, " work %zu @%zu [%d, %d]", x->bytes, x->off, x->first, x->last); break;
  default: fprintf(out, " %s %zu @%zu", region_names[x->region], x->bytes, x->off);
  }
  if (x->is_out) fputs(" out", out);
}

static void put_bytes(FILE *out, const char *what, int n, size_t bytes) {
  fprintf(out, "%s %d tensor%s, %zu bytes", what, n, n == 1 ? "" : "s", bytes);
}

static void dump_plan(const mp_plan *p, FILE *out, int ind) {
  const cg_graph *g = p->g;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    const mp_value *x = &p->vals.v[i];
    fprintf(out, "%*s%%%d %s", ind, "", i, cg_ops[n->op].name);
    static const char *const body_kinds[] = {[CG_IN_SEQ] = "seq", [CG_IN_CONST] = "const", [CG_IN_BSTATE] = "state"};
    if (n->op == CG_OP_INPUT && n->ikind >= CG_IN_SEQ)
      fprintf(out, " %s %d", body_kinds[n->ikind], n->slot);
    else if (n->op == CG_OP_INPUT && n->name)
      fprintf(out, " \"%s\"", n->name);
    fputc(':', out);
    if (n->op == CG_OP_SCAN) {
      fputs(" results\n", out);
      int r0 = p->scan_res[i], nres = cg_scan_nresults(n), si = 0;
      for (int k = 0; k < nres; k++) {
        fprintf(out, "%*s%%%d#%d:", ind + 2, "", i, k);
        put_region(p, &p->vals.v[r0 + k], out);
        fputc('\n', out);
      }
      while (si < p->nsteps && p->kp->steps.v[si].node != i) si++;
      XL_ASSERT(si < p->nsteps && p->body[si]);
      fprintf(out, "%*s%%%d body:", ind + 2, "", i);
      put_region(p, &p->vals.v[r0 + nres], out);
      fputs(" {\n", out);
      dump_plan(p->body[si], out, ind + 4);
      fprintf(out, "%*s}\n", ind + 2, "");
      continue;
    }
    if (x->region == MP_NONE && n->op == CG_OP_CONST)
      fputs(" inlined", out);
    else
      put_region(p, x, out);
    fputc('\n', out);
  }
  if (!p->is_body) {
    int ng = 0, nc = 0, ni = 0;
    size_t gb = 0;
    for (int j = 0; j < p->params.n; j++)
      if (p->params.v[j].grad_node >= 0) {
        ng++;
        nc += p->params.v[j].grad_copy;
        gb += align_up(p->params.v[j].bytes);
      }
    for (int i = 0; i < g->nodes.n; i++) ni += p->vals.v[i].region == MP_INPUT;
    fprintf(out, "%*s", ind, "");
    put_bytes(out, "params:", p->params.n, p->param_bytes);
    fprintf(out, "\n%*s", ind, "");
    put_bytes(out, "grads:", ng, gb);
    fprintf(out, " (%d copied in)\n", nc);
    fprintf(out, "%*soptimizer state: m %zu bytes, v %zu bytes\n", ind, "", p->param_bytes, p->param_bytes);
    fprintf(out, "%*s", ind, "");
    put_bytes(out, "inputs:", ni, p->input_bytes);
    fputc('\n', out);
  }
  fprintf(out, "%*sworkspace: peak %zu bytes (live bound %zu), without reuse %zu bytes (%zu aligned)", ind, "",
          p->work_peak, p->work_bound, p->work_sum, p->work_sum_aligned);
  if (p->work_peak)
    fprintf(out, ", reuse %.2fx\n", (double)p->work_sum_aligned / (double)p->work_peak);
  else
    fputs("\n", out);
}

void mp_dump(const mp_plan *p, FILE *out) {
  fprintf(out, "mem (%zu-byte elements) {\n", p->elem_size);
  dump_plan(p, out, 2);
  fputs("}\n", out);
}
