/* exec_cpu.c - the compiled CPU executor: runs a cell graph through its kernel plan.
 *
 * Steps of the plan (kplan.h): KP_GEMM through OpenBLAS (cblas_?gemm per batch entry),
 * KP_KERNEL through JIT-compiled KIR (mlir_jit.c; kir_interp when the JIT is disabled with
 * XLC_NO_JIT=1), KP_VIEW as aliases, KP_REF through the reference executor's single-node
 * evaluation; SCAN steps run their body's own plan once per step. Results equal the reference
 * executor up to floating-point rounding (tests/unit/test_exec_cpu.c checks every stdlib
 * entry). Values are still allocated per node; the planned workspace comes next.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "exec_cpu.h"
#include "jit.h"

typedef struct cpu_prog cpu_prog;

typedef struct {
  xl_jit *jit;           /* NULL: interpret */
  kir_fn fn;
  int64_t hi;            /* extent of the kernel's parallel dimension (1 if none) */
} cpu_kern;

struct cpu_prog {
  const cg_graph *g;
  cg_dtype dt;
  kp_plan *plan;
  cpu_kern *kern;        /* per step */
  cpu_prog **body;       /* per step: the program of a SCAN's body */
  cpu_stats *stats;
};

static void prog_free(cpu_prog *p);

static size_t esz(cg_dtype dt) { return dt == CG_F64 ? sizeof(double) : sizeof(float); }

static cpu_prog *prepare(const cg_graph *g, cg_dtype dt, cpu_stats *st, char **err) {
  cpu_prog *p = xl_calloc(1, sizeof *p);
  p->g = g;
  p->dt = dt;
  p->stats = st;
  p->plan = kp_build(g);
  int n = p->plan->steps.n;
  p->kern = xl_calloc((size_t)n + 1, sizeof *p->kern);
  p->body = xl_calloc((size_t)n + 1, sizeof *p->body);
  int use_jit = !getenv("XLC_NO_JIT");
  for (int i = 0; i < n; i++) {
    kp_step *s = &p->plan->steps.v[i];
    if (s->kind == KP_KERNEL && use_jit) {
      char *text = kir_to_mlir(s->kir, dt);
      char *e = NULL;
      p->kern[i].jit = jit_compile(text, s->kir->name, &e);
      free(text);
      if (!p->kern[i].jit) {
        if (err) *err = xl_fmt("compiling kernel %s: %s", s->kir->name, e ? e : "?");
        free(e);
        prog_free(p);
        return NULL;
      }
      p->kern[i].fn = (kir_fn)jit_fn(p->kern[i].jit);
      int pd = kir_par_dim(s->kir);
      p->kern[i].hi = pd >= 0 ? s->kir->dim[pd] : 1;
      st->kernels++;
    }
    if (s->kind == KP_REF && g->nodes.v[s->node].op == CG_OP_SCAN) {
      p->body[i] = prepare(g->nodes.v[s->node].body, dt, st, err);
      if (!p->body[i]) {
        prog_free(p);
        return NULL;
      }
    }
  }
  return p;
}

/* ---- values ---- */

typedef struct {
  void **val;   /* per node */
  char *owned;  /* per node: val must be freed */
  void ***res;  /* per SCAN node: its results (owned) */
  int *nres;
} cpu_vals;

static void vals_init(cpu_vals *v, int n) {
  v->val = xl_calloc((size_t)n + 1, sizeof(void *));
  v->owned = xl_calloc((size_t)n + 1, 1);
  v->res = xl_calloc((size_t)n + 1, sizeof(void **));
  v->nres = xl_calloc((size_t)n + 1, sizeof(int));
}

static void vals_free(cpu_vals *v, int n) {
  for (int i = 0; i < n; i++) {
    if (v->owned[i]) free(v->val[i]);
    if (v->res[i]) {
      for (int k = 0; k < v->nres[i]; k++) free(v->res[i][k]);
      free(v->res[i]);
    }
  }
  free(v->val);
  free(v->owned);
  free(v->res);
  free(v->nres);
}

static void *alloc_node(const cpu_prog *p, cpu_vals *v, int id) {
  int64_t n = cg_numel(&p->g->nodes.v[id].shape);
  v->val[id] = xl_calloc((size_t)(n ? n : 1), esz(p->dt));
  v->owned[id] = 1;
  return v->val[id];
}

/* ---- steps ---- */

static void run_gemm(const cpu_prog *p, const kp_step *s, cpu_vals *v) {
  const kp_gemm *m = &s->gemm;
  void *C = alloc_node(p, v, s->node);
  const void *A = v->val[m->a], *B = v->val[m->b];
  enum CBLAS_TRANSPOSE ta = m->trans_a ? CblasTrans : CblasNoTrans, tb = m->trans_b ? CblasTrans : CblasNoTrans;
  for (int64_t b = 0; b < m->batch; b++) {
    if (p->dt == CG_F64)
      cblas_dgemm(CblasRowMajor, ta, tb, (int)m->m, (int)m->n, (int)m->k, 1.0, (const double *)A + b * m->sa,
                  (int)m->lda, (const double *)B + b * m->sb, (int)m->ldb, 0.0, (double *)C + b * m->sc, (int)m->ldc);
    else
      cblas_sgemm(CblasRowMajor, ta, tb, (int)m->m, (int)m->n, (int)m->k, 1.0f, (const float *)A + b * m->sa,
                  (int)m->lda, (const float *)B + b * m->sb, (int)m->ldb, 0.0f, (float *)C + b * m->sc, (int)m->ldc);
  }
  p->stats->gemm_flops += m->flops;
}

static void run_kernel(const cpu_prog *p, int si, const kp_step *s, cpu_vals *v) {
  void *bufs[KIR_MAXBUF];
  for (int b = 0; b < s->kir->nbuf; b++) {
    int node = s->buf_node[b];
    bufs[b] = s->kir->buf_out[b] ? alloc_node(p, v, node) : v->val[node];
  }
  if (p->kern[si].fn)
    p->kern[si].fn(bufs, 0, p->kern[si].hi);
  else
    kir_interp(s->kir, p->dt, bufs);
}

static int run_plan(const cpu_prog *p, cpu_vals *v, char **err);

/* Copies step t of a [.., T, ..] tensor (step axis `axis`) to/from a per-step buffer. */
static void step_copy(void *dst, const void *src, const cg_shape *full, int axis, int64_t t, int gather, size_t es) {
  int64_t outer = 1, inner = 1, T = full->d[axis];
  for (int i = 0; i < axis; i++) outer *= full->d[i];
  for (int i = axis + 1; i < full->rank; i++) inner *= full->d[i];
  for (int64_t o = 0; o < outer; o++) {
    size_t big = (size_t)((o * T + t) * inner) * es, small = (size_t)(o * inner) * es;
    if (gather)
      memcpy((char *)dst + small, (const char *)src + big, (size_t)inner * es);
    else
      memcpy((char *)dst + big, (const char *)src + small, (size_t)inner * es);
  }
}

static int run_scan(const cpu_prog *p, int si, int id, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[id];
  const cpu_prog *bp = p->body[si];
  const cg_graph *body = n->body;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nconst = (int)n->a[CG_SCAN_NCONST], nst = (int)n->a[CG_SCAN_NSTATE];
  int nout = (int)n->a[CG_SCAN_NOUT], axis = (int)n->a[CG_SCAN_AXIS], rev = (int)n->a[CG_SCAN_REVERSE];
  int save = (int)n->a[CG_SCAN_SAVE];
  size_t es = esz(p->dt);
  int64_t T = g->nodes.v[n->in[0]].shape.d[axis];
  int nres = cg_scan_nresults(n);
  void **res = xl_calloc((size_t)nres + 1, sizeof(void *));
  v->res[id] = res;
  v->nres[id] = nres;
  /* result buffers: final states (also the running state), stacked outputs, saved states */
  for (int k = 0; k < nres; k++) {
    cg_shape sh;
    cg_node probe = {0};
    probe.op = CG_OP_SCAN_OUT;
    int in0 = id;
    probe.nin = 1;
    probe.in = &in0;
    probe.a[0] = k;
    XL_ASSERT(cg_infer_shape(g, &probe, &sh) == 0);
    res[k] = xl_calloc((size_t)(cg_numel(&sh) ? cg_numel(&sh) : 1), es);
  }
  for (int k = 0; k < nst; k++) {
    const cg_shape *ss = &g->nodes.v[n->in[nseq + nconst + k]].shape;
    memcpy(res[k], v->val[n->in[nseq + nconst + k]], (size_t)cg_numel(ss) * es);
  }
  /* per-step sequence slices */
  void **seq = xl_calloc((size_t)nseq + 1, sizeof(void *));
  int *seq_node = xl_calloc((size_t)nseq + 1, sizeof(int));
  for (int i = 0; i < body->nodes.n; i++) {
    const cg_node *b = &body->nodes.v[i];
    if (b->op == CG_OP_INPUT && b->ikind == CG_IN_SEQ) {
      seq[b->slot] = xl_calloc((size_t)(cg_numel(&b->shape) ? cg_numel(&b->shape) : 1), es);
      seq_node[b->slot] = i;
    }
  }
  int rc = 0;
  for (int64_t step = 0; step < T && rc == 0; step++) {
    int64_t t = rev ? T - 1 - step : step;
    cpu_vals bv;
    vals_init(&bv, body->nodes.n);
    for (int i = 0; i < body->nodes.n; i++) {
      const cg_node *b = &body->nodes.v[i];
      if (b->op != CG_OP_INPUT) continue;
      if (b->ikind == CG_IN_SEQ) {
        step_copy(seq[b->slot], v->val[n->in[b->slot]], &g->nodes.v[n->in[b->slot]].shape, axis, t, 1, es);
        bv.val[i] = seq[b->slot];
      } else if (b->ikind == CG_IN_CONST) {
        bv.val[i] = v->val[n->in[nseq + b->slot]];
      } else if (b->ikind == CG_IN_BSTATE) {
        bv.val[i] = res[b->slot];
      }
    }
    if (save)
      for (int k = 0; k < nst; k++) {
        cg_shape full;
        cg_node probe = {0};
        int in0 = id;
        probe.op = CG_OP_SCAN_OUT;
        probe.nin = 1;
        probe.in = &in0;
        probe.a[0] = nst + nout + k;
        XL_ASSERT(cg_infer_shape(g, &probe, &full) == 0);
        step_copy(res[nst + nout + k], res[k], &full, axis, t, 0, es);
      }
    rc = run_plan(bp, &bv, err);
    if (rc == 0) {
      for (int k = 0; k < nout; k++) {
        cg_shape full;
        cg_node probe = {0};
        int in0 = id;
        probe.op = CG_OP_SCAN_OUT;
        probe.nin = 1;
        probe.in = &in0;
        probe.a[0] = nst + k;
        XL_ASSERT(cg_infer_shape(g, &probe, &full) == 0);
        step_copy(res[nst + k], bv.val[body->outs.v[nst + k].node], &full, axis, t, 0, es);
      }
      /* new states may alias old ones (a state passed through): copy via temporaries */
      void **tmp = xl_calloc((size_t)nst + 1, sizeof(void *));
      for (int k = 0; k < nst; k++) {
        int o = body->outs.v[k].node;
        size_t bytes = (size_t)cg_numel(&body->nodes.v[o].shape) * es;
        tmp[k] = xl_malloc(bytes ? bytes : 1);
        memcpy(tmp[k], bv.val[o], bytes);
      }
      for (int k = 0; k < nst; k++) {
        int o = body->outs.v[k].node;
        memcpy(res[k], tmp[k], (size_t)cg_numel(&body->nodes.v[o].shape) * es);
        free(tmp[k]);
      }
      free(tmp);
    }
    /* inputs were borrowed */
    for (int i = 0; i < body->nodes.n; i++)
      if (body->nodes.v[i].op == CG_OP_INPUT) bv.owned[i] = 0;
    vals_free(&bv, body->nodes.n);
  }
  for (int k = 0; k < nseq; k++) free(seq[k]);
  free(seq);
  free(seq_node);
  v->val[id] = xl_calloc(1, es); /* the SCAN node itself has an empty value */
  v->owned[id] = 1;
  return rc;
}

static int run_plan(const cpu_prog *p, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  for (int si = 0; si < p->plan->steps.n; si++) {
    const kp_step *s = &p->plan->steps.v[si];
    const cg_node *n = &g->nodes.v[s->node];
    switch (s->kind) {
    case KP_GEMM: run_gemm(p, s, v); break;
    case KP_KERNEL: run_kernel(p, si, s, v); break;
    case KP_VIEW:
      v->val[s->node] = v->val[n->in[0]];
      v->owned[s->node] = 0;
      break;
    case KP_REF:
      if (n->op == CG_OP_INPUT) break; /* bound by the caller */
      if (n->op == CG_OP_SCAN) {
        if (run_scan(p, si, s->node, v, err)) return -1;
      } else if (n->op == CG_OP_SCAN_OUT) {
        v->val[s->node] = v->res[n->in[0]][n->a[0]];
        v->owned[s->node] = 0;
      } else {
        if (ref_exec_node(g, s->node, p->dt, v->val, err)) return -1;
        v->owned[s->node] = 1;
      }
      break;
    }
  }
  return 0;
}

/* ---- public ---- */

cpu_exec *cpu_prepare(const cg_graph *g, cg_dtype dt, char **err) {
  cpu_exec *e = xl_calloc(1, sizeof *e);
  if (err) *err = NULL;
  e->prog = prepare(g, dt, &e->stats, err);
  if (!e->prog) {
    free(e);
    return NULL;
  }
  e->g = g;
  e->dt = dt;
  return e;
}

int cpu_run(cpu_exec *e, xt *const *inputs, xt **outputs, char **err) {
  const cg_graph *g = e->g;
  int N = g->nodes.n, rc = 0;
  size_t es = esz(e->dt);
  xt_dtype xd = e->dt == CG_F64 ? XT_F64 : XT_F32;
  if (err) *err = NULL;
  cpu_vals v;
  vals_init(&v, N);
  for (int i = 0; i < N && rc == 0; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    const xt *x = inputs ? inputs[i] : NULL;
    int64_t ne = cg_numel(&n->shape);
    if (!x) {
      if (n->ikind != CG_IN_STATE) {
        if (err) *err = xl_fmt("input \"%s\": no value given", n->name ? n->name : "");
        rc = -1;
        break;
      }
      void *b = alloc_node(e->prog, &v, i);
      for (int64_t j = 0; j < ne; j++) {
        if (e->dt == CG_F64) ((double *)b)[j] = n->fval;
        else ((float *)b)[j] = (float)n->fval;
      }
      continue;
    }
    if (x->rank != n->shape.rank || memcmp(x->shape, n->shape.d, sizeof(int64_t) * (size_t)x->rank)) {
      if (err) *err = xl_fmt("input \"%s\": wrong shape", n->name ? n->name : "");
      rc = -1;
      break;
    }
    if (x->dtype == xd) {
      v.val[i] = x->data; /* borrowed */
    } else {
      void *b = alloc_node(e->prog, &v, i);
      for (int64_t j = 0; j < ne; j++) {
        if (e->dt == CG_F64) ((double *)b)[j] = xt_get(x, j);
        else ((float *)b)[j] = (float)xt_get(x, j);
      }
    }
  }
  if (rc == 0) rc = run_plan(e->prog, &v, err);
  for (int k = 0; k < g->outs.n; k++) {
    outputs[k] = NULL;
    if (rc) continue;
    const cg_node *o = &g->nodes.v[g->outs.v[k].node];
    outputs[k] = xt_new_named(g->outs.v[k].name, xd, o->shape.rank, o->shape.d);
    memcpy(outputs[k]->data, v.val[g->outs.v[k].node], (size_t)cg_numel(&o->shape) * es);
  }
  vals_free(&v, N);
  return rc;
}

static void prog_free(cpu_prog *p) {
  if (!p) return;
  if (p->plan)
    for (int i = 0; i < p->plan->steps.n; i++) {
      if (p->kern[i].jit) jit_free(p->kern[i].jit);
      prog_free(p->body[i]);
    }
  free(p->kern);
  free(p->body);
  if (p->plan) kp_free(p->plan);
  free(p);
}

void cpu_free(cpu_exec *e) {
  if (!e) return;
  prog_free(e->prog);
  free(e);
}
