/* exec_tmpl.h - the typed half of the reference executor (exec.c), included once per compute
 * type with R = double or float and F(name) = name_f64 / name_f32.
 *
 * Every kernel computes in R: constants are cast to R and <tgmath.h> (included by exec.c)
 * selects the float or double libm function from the argument type. Not a public header.
 */

typedef struct {
  R **val;  /* per node: its value (INPUT values are borrowed) */
  R ***res; /* per SCAN node: its results, order of cg.h */
} F(vals);

static R *F(alloc)(const cg_shape *s) { return xl_calloc((size_t)cg_numel(s), sizeof(R)); }

static R *F(dup)(const R *x, int64_t n) {
  R *p = xl_malloc((size_t)(n ? n : 1) * sizeof(R));
  memcpy(p, x, (size_t)n * sizeof(R));
  return p;
}

static void F(free_vals)(const cg_graph *g, F(vals) *v) {
  if (!v->val) return;
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) free(v->val[i]);
    if (v->res[i]) {
      for (int k = 0; k < cg_scan_nresults(n); k++) free(v->res[i][k]);
      free(v->res[i]);
    }
  }
  free(v->val);
  free(v->res);
  v->val = NULL;
  v->res = NULL;
}

static R F(sigmoid)(R x) {
  if (x >= 0) return (R)1 / ((R)1 + exp(-x));
  R e = exp(x);
  return e / ((R)1 + e);
}

static R F(unary)(cg_op op, R x) {
  const R sqrt1_2 = (R)0.70710678118654752440, inv_sqrt2pi = (R)0.39894228040143267794;
  switch (op) {
  case CG_OP_NEG: return -x;
  case CG_OP_EXP: return exp(x);
  case CG_OP_LOG: return log(x);
  case CG_OP_SIGMOID: return F(sigmoid)(x);
  case CG_OP_LOGSIGMOID: return x > 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
  case CG_OP_TANH: return tanh(x);
  case CG_OP_SILU: return x * F(sigmoid)(x);
  case CG_OP_GELU: return (R)0.5 * x * ((R)1 + erf(x * sqrt1_2));
  case CG_OP_GELU_D:
    return (R)0.5 * ((R)1 + erf(x * sqrt1_2)) + x * inv_sqrt2pi * exp((R)-0.5 * x * x);
  case CG_OP_ABS: return fabs(x);
  case CG_OP_SIGN: return isnan(x) ? x : x > 0 ? (R)1 : x < 0 ? (R)-1 : (R)0;
  case CG_OP_SQRT: return sqrt(x);
  case CG_OP_RSQRT: return (R)1 / sqrt(x);
  case CG_OP_SQUARE: return x * x;
  case CG_OP_RECIP: return (R)1 / x;
  case CG_OP_LOG1P: return log1p(x);
  case CG_OP_EXPM1: return expm1(x);
  default: XL_ASSERT(!"not a unary op");
  }
}

static R F(binary)(cg_op op, R a, R b) {
  switch (op) {
  case CG_OP_ADD: return a + b;
  case CG_OP_SUB: return a - b;
  case CG_OP_MUL: return a * b;
  case CG_OP_DIV: return a / b;
  case CG_OP_POW: return pow(a, b);
  case CG_OP_MAX: return isnan(a) || a >= b ? a : b;
  case CG_OP_MIN: return isnan(a) || a <= b ? a : b;
  case CG_OP_GE: return a >= b ? (R)1 : (R)0;
  case CG_OP_GT: return a > b ? (R)1 : (R)0;
  case CG_OP_EQ: return a == b ? (R)1 : (R)0;
  default: XL_ASSERT(!"not a binary op");
  }
}

/* CUMSUM / LOGCUMSUMEXP of x along axis a[0] (from its end when a[1]) into out (same shape).
   logcumsumexp keeps a running max m and s = sum exp(x - m), so nothing overflows: out =
   m + log(s); an x of -inf adds nothing (all -inf so far: m = -inf, s = 0, out = -inf), once m
   is +inf it stays (out +inf), a NaN sticks. */
static void F(cumulative)(const cg_node *n, const cg_shape *xs, const R *x, R *out) {
  int ax = (int)n->a[0];
  int64_t outer = 1, inner = 1, len = xs->d[ax];
  for (int i = 0; i < ax; i++) outer *= xs->d[i];
  for (int i = ax + 1; i < xs->rank; i++) inner *= xs->d[i];
  int64_t step = n->a[1] ? -inner : inner;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      int64_t j = o * len * inner + in + (n->a[1] && len > 0 ? (len - 1) * inner : 0);
      if (n->op == CG_OP_CUMSUM) {
        R acc = 0;
        for (int64_t t = 0; t < len; t++, j += step) out[j] = acc += x[j];
        continue;
      }
      R m = (R)-INFINITY, sum = 0;
      for (int64_t t = 0; t < len; t++, j += step) {
        R v = x[j];
        if (v > m) {
          sum = sum * exp(m - v) + 1; /* m = -inf: exp(-inf) = 0 */
          m = v;
        } else if (isnan(v)) {
          m = sum = v;
        } else if (v != (R)-INFINITY && m != (R)INFINITY) {
          sum += exp(v - m);
        }
        out[j] = m + log(sum);
      }
    }
}

/* Generic einsum: iterate over every label (output labels first, then the contracted ones)
   and accumulate x * y into out. Labels repeated inside one operand read its diagonal. */
static void F(einsum)(const cg_graph *g, const cg_node *n, const R *x, const R *y, R *out) {
  int lab[24], nl = 0;
  int64_t size[24], st[3][24];
  const cg_shape *sh[3] = {&g->nodes.v[n->in[0]].shape, &g->nodes.v[n->in[1]].shape, &n->shape};
  const int order[3] = {2, 0, 1}; /* collect labels from out, then x, then y */
  memset(st, 0, sizeof st);
  for (int oi = 0; oi < 3; oi++) {
    int o = order[oi];
    const int64_t *l = n->a + 8 * o;
    int64_t ost[CG_MAXRANK];
    strides_of(sh[o], ost);
    for (int p = 0; p < sh[o]->rank; p++) {
      int j = 0;
      while (j < nl && lab[j] != l[p]) j++;
      if (j == nl) {
        lab[nl] = (int)l[p];
        size[nl++] = sh[o]->d[p];
      }
      st[o][j] += ost[p];
    }
  }
  int64_t total = 1;
  for (int j = 0; j < nl; j++) total *= size[j];
  memset(out, 0, (size_t)cg_numel(&n->shape) * sizeof(R));
  if (total == 0) return;
  int64_t idx[24] = {0}, ox = 0, oy = 0, oo = 0;
  for (int64_t c = 0; c < total; c++) {
    out[oo] += x[ox] * y[oy];
    for (int k = nl - 1; k >= 0; k--) {
      idx[k]++;
      ox += st[0][k], oy += st[1][k], oo += st[2][k];
      if (idx[k] < size[k]) break;
      ox -= st[0][k] * size[k], oy -= st[1][k] * size[k], oo -= st[2][k] * size[k];
      idx[k] = 0;
    }
  }
}

/* Stack: write one step value (shape `step`) at position t of the axis inserted at `axis`. */
static void F(stack)(R *dst, const R *src, const cg_shape *step, int axis, int64_t T, int64_t t) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < step->rank; i++) *(i < axis ? &outer : &inner) *= step->d[i];
  for (int64_t o = 0; o < outer; o++)
    memcpy(dst + (o * T + t) * inner, src + o * inner, (size_t)inner * sizeof(R));
}

/* Unstack: read position t of `axis` of src (shape `full`). */
static void F(unstack)(R *dst, const R *src, const cg_shape *full, int axis, int64_t t) {
  int64_t outer = 1, inner = 1, T = full->d[axis];
  for (int i = 0; i < full->rank; i++)
    if (i != axis) *(i < axis ? &outer : &inner) *= full->d[i];
  for (int64_t o = 0; o < outer; o++)
    memcpy(dst + o * inner, src + (o * T + t) * inner, (size_t)inner * sizeof(R));
}

static int F(run)(const cg_graph *g, R *const *in, F(vals) *v, char **err);

static int F(scan)(const cg_graph *g, int id, F(vals) *v, char **err) {
  const cg_node *n = &g->nodes.v[id];
  const cg_graph *b = n->body;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nc = (int)n->a[CG_SCAN_NCONST];
  int S = (int)n->a[CG_SCAN_NSTATE], O = (int)n->a[CG_SCAN_NOUT], axis = (int)n->a[CG_SCAN_AXIS];
  int rev = n->a[CG_SCAN_REVERSE] != 0, save = n->a[CG_SCAN_SAVE] != 0;
  int nres = cg_scan_nresults(n), rc = 0;
  int64_t T = g->nodes.v[n->in[0]].shape.d[axis];
  R **slice = xl_calloc((size_t)nseq, sizeof(R *));
  R **st = xl_calloc((size_t)S + 1, sizeof(R *)), **nst = xl_calloc((size_t)S + 1, sizeof(R *));
  R **res = xl_calloc((size_t)nres, sizeof(R *));
  R **bin = xl_calloc((size_t)b->nodes.n, sizeof(R *));
  XL_ASSERT(b->outs.n == S + O);
  for (int k = 0; k < nseq; k++) {
    cg_shape s = g->nodes.v[n->in[k]].shape;
    slice[k] = xl_calloc((size_t)(cg_numel(&s) / (T ? T : 1) + 1), sizeof(R));
  }
  for (int k = 0; k < S; k++) {
    int src = n->in[nseq + nc + k];
    st[k] = F(dup)(v->val[src], cg_numel(&g->nodes.v[src].shape));
  }
  for (int k = 0; k < O; k++) {
    const cg_shape *s = &b->nodes.v[b->outs.v[S + k].node].shape;
    res[S + k] = xl_calloc((size_t)(cg_numel(s) * T + 1), sizeof(R));
  }
  if (save)
    for (int k = 0; k < S; k++)
      res[S + O + k] =
          xl_calloc((size_t)(cg_numel(&g->nodes.v[n->in[nseq + nc + k]].shape) * T + 1), sizeof(R));
  for (int64_t step = 0; step < T && rc == 0; step++) {
    int64_t t = rev ? T - 1 - step : step;
    for (int k = 0; k < nseq; k++)
      F(unstack)(slice[k], v->val[n->in[k]], &g->nodes.v[n->in[k]].shape, axis, t);
    if (save)
      for (int k = 0; k < S; k++)
        F(stack)(res[S + O + k], st[k], &g->nodes.v[n->in[nseq + nc + k]].shape, axis, T, t);
    for (int i = 0; i < b->nodes.n && rc == 0; i++) {
      const cg_node *bi = &b->nodes.v[i];
      if (bi->op != CG_OP_INPUT) continue;
      int lim = bi->ikind == CG_IN_SEQ ? nseq : bi->ikind == CG_IN_CONST ? nc
                : bi->ikind == CG_IN_BSTATE ? S : -1;
      if (lim < 0 || bi->slot < 0 || bi->slot >= lim) {
        set_err(err, "%%%d scan: body input %%%d has a bad kind or slot", id, i);
        rc = -1;
        break;
      }
      bin[i] = bi->ikind == CG_IN_SEQ ? slice[bi->slot]
               : bi->ikind == CG_IN_CONST ? v->val[n->in[nseq + bi->slot]] : st[bi->slot];
    }
    if (rc) break;
    F(vals) bv = {0};
    if (F(run)(b, bin, &bv, err)) {
      wrap_err(err, "%%%d scan, step %lld: ", id, (long long)t);
      F(free_vals)(b, &bv);
      rc = -1;
      break;
    }
    for (int k = 0; k < S; k++) {
      int bo = b->outs.v[k].node;
      nst[k] = F(dup)(bv.val[bo], cg_numel(&b->nodes.v[bo].shape));
    }
    /* stack the outputs before the old states are freed: an output may be a state input */
    for (int k = 0; k < O; k++) {
      int bo = b->outs.v[S + k].node;
      F(stack)(res[S + k], bv.val[bo], &b->nodes.v[bo].shape, axis, T, t);
    }
    for (int k = 0; k < S; k++) {
      free(st[k]);
      st[k] = nst[k];
    }
    F(free_vals)(b, &bv);
  }
  for (int k = 0; k < S; k++) res[k] = st[k];
  for (int k = 0; k < nseq; k++) free(slice[k]);
  free(slice);
  free(st);
  free(nst);
  free(bin);
  v->res[id] = res; /* freed with v even on failure */
  v->val[id] = xl_calloc(1, sizeof(R));
  return rc;
}

static int F(node)(const cg_graph *g, int id, R *const *in, F(vals) *v, char **err) {
  const cg_node *n = &g->nodes.v[id];
  R **val = v->val;
  const R *x = n->nin > 0 ? val[n->in[0]] : NULL;
  const cg_shape *xs = n->nin > 0 ? &g->nodes.v[n->in[0]].shape : NULL;
  int64_t N = cg_numel(&n->shape);
  iter it;
  int64_t s0[CG_MAXRANK];

  if (n->op == CG_OP_INPUT) {
    if (!in[id]) {
      set_err(err, "%%%d input \"%s\": no value", id, n->name ? n->name : "");
      return -1;
    }
    val[id] = in[id];
    return 0;
  }
  if (n->op == CG_OP_SCAN) return F(scan)(g, id, v, err);
  R *out = val[id] = F(alloc)(&n->shape);

  if (cg_ops[n->op].kind == CG_K_UNARY) {
    for (int64_t j = 0; j < N; j++) out[j] = F(unary)(n->op, x[j]);
    return 0;
  }
  if (cg_ops[n->op].kind == CG_K_BINARY || n->op == CG_OP_WHERE) {
    it_init(&it, &n->shape, n->nin);
    for (int k = 0; k < n->nin; k++) bstrides(&g->nodes.v[n->in[k]].shape, &n->shape, it.st[k]);
    const R *y = val[n->in[1]];
    if (n->op == CG_OP_WHERE) {
      const R *z = val[n->in[2]];
      for (int64_t j = 0; j < N; j++, it_next(&it)) out[j] = x[it.off[0]] != 0 ? y[it.off[1]] : z[it.off[2]];
    } else {
      for (int64_t j = 0; j < N; j++, it_next(&it)) out[j] = F(binary)(n->op, x[it.off[0]], y[it.off[1]]);
    }
    return 0;
  }

  switch (n->op) {
  case CG_OP_CONST:
    for (int64_t j = 0; j < N; j++) out[j] = (R)n->fval;
    return 0;
  case CG_OP_TRIL: {
    int64_t T = n->shape.d[n->shape.rank - 1];
    for (int64_t j = 0; j < N; j++) out[j] = (j % T) <= (j / T) % T ? (R)1 : (R)0;
    return 0;
  }
  case CG_OP_SUM:
  case CG_OP_MAXR: {
    int64_t nx = cg_numel(xs);
    if (n->op == CG_OP_MAXR)
      for (int64_t j = 0; j < N; j++) out[j] = (R)-INFINITY;
    it_init(&it, xs, 1);
    strides_of(&n->shape, it.st[0]);
    for (int i = 0; i < xs->rank; i++)
      if (n->a[0] >> i & 1) it.st[0][i] = 0;
    for (int64_t j = 0; j < nx; j++, it_next(&it)) {
      R *o = &out[it.off[0]];
      if (n->op == CG_OP_SUM) *o += x[j];
      else if (isnan(x[j]) || x[j] > *o) *o = x[j];
    }
    return 0;
  }
  case CG_OP_CUMSUM:
  case CG_OP_LOGCUMSUMEXP:
    F(cumulative)(n, xs, x, out);
    return 0;
  case CG_OP_BROADCAST:
    it_init(&it, &n->shape, 1);
    bstrides(xs, &n->shape, it.st[0]);
    for (int64_t j = 0; j < N; j++, it_next(&it)) out[j] = x[it.off[0]];
    return 0;
  case CG_OP_RESHAPE:
  case CG_OP_DETACH:
    memcpy(out, x, (size_t)N * sizeof(R));
    return 0;
  case CG_OP_EINSUM:
    F(einsum)(g, n, x, val[n->in[1]], out);
    return 0;
  case CG_OP_TRANSPOSE:
    it_init(&it, &n->shape, 1);
    strides_of(xs, s0);
    for (int i = 0; i < n->shape.rank; i++) it.st[0][i] = s0[n->a[i]];
    for (int64_t j = 0; j < N; j++, it_next(&it)) out[j] = x[it.off[0]];
    return 0;
  case CG_OP_SLICE: {
    strides_of(xs, s0);
    const R *base = x + n->a[1] * s0[n->a[0]];
    it_init(&it, &n->shape, 1);
    memcpy(it.st[0], s0, sizeof s0);
    for (int64_t j = 0; j < N; j++, it_next(&it)) out[j] = base[it.off[0]];
    return 0;
  }
  case CG_OP_PAD: {
    strides_of(&n->shape, s0);
    R *base = out + n->a[1] * s0[n->a[0]];
    int64_t nx = cg_numel(xs);
    it_init(&it, xs, 1);
    memcpy(it.st[0], s0, sizeof s0);
    for (int64_t j = 0; j < nx; j++, it_next(&it)) base[it.off[0]] = x[j];
    return 0;
  }
  case CG_OP_CONCAT: {
    strides_of(&n->shape, s0);
    int64_t at = 0, ax = n->a[0];
    for (int k = 0; k < n->nin; k++) {
      const cg_shape *ks = &g->nodes.v[n->in[k]].shape;
      const R *kx = val[n->in[k]];
      R *base = out + at * s0[ax];
      int64_t nk = cg_numel(ks);
      it_init(&it, ks, 1);
      memcpy(it.st[0], s0, sizeof s0);
      for (int64_t j = 0; j < nk; j++, it_next(&it)) base[it.off[0]] = kx[j];
      at += ks->d[ax];
    }
    return 0;
  }
  case CG_OP_GATHER: {
    const R *ix = val[n->in[1]];
    int64_t V = xs->d[0], rs = V ? cg_numel(xs) / V : 0, ni = cg_numel(&g->nodes.v[n->in[1]].shape);
    for (int64_t i = 0; i < ni; i++) {
      if (bad_index((double)ix[i], V)) {
        set_err(err, "%%%d gather: index %g at position %lld out of range [0, %lld)", id, (double)ix[i],
                (long long)i, (long long)V);
        return -1;
      }
      memcpy(out + i * rs, x + (int64_t)ix[i] * rs, (size_t)rs * sizeof(R));
    }
    return 0;
  }
  case CG_OP_SCATTER_ADD: {
    const R *ix = val[n->in[1]];
    int64_t V = n->shape.d[0], rs = V ? N / V : 0, ni = cg_numel(&g->nodes.v[n->in[1]].shape);
    for (int64_t i = 0; i < ni; i++) {
      if (bad_index((double)ix[i], V)) {
        set_err(err, "%%%d scatter_add: index %g at position %lld out of range [0, %lld)", id,
                (double)ix[i], (long long)i, (long long)V);
        return -1;
      }
      R *row = out + (int64_t)ix[i] * rs;
      for (int64_t r = 0; r < rs; r++) row[r] += x[i * rs + r];
    }
    return 0;
  }
  case CG_OP_ONE_HOT: {
    int64_t C = n->a[0], ni = cg_numel(xs);
    for (int64_t i = 0; i < ni; i++) {
      if (x[i] == -1) continue; /* -1: a zero row (ignored targets) */
      if (bad_index((double)x[i], C)) {
        set_err(err, "%%%d one_hot: index %g at position %lld out of range [0, %lld)", id, (double)x[i],
                (long long)i, (long long)C);
        return -1;
      }
      out[i * C + (int64_t)x[i]] = 1;
    }
    return 0;
  }
  case CG_OP_SCAN_OUT: {
    const R *r = v->res[n->in[0]][n->a[0]];
    memcpy(out, r, (size_t)N * sizeof(R));
    return 0;
  }
  default:
    set_err(err, "%%%d %s: not executable", id, opname(n));
    return -1;
  }
}

static int F(run)(const cg_graph *g, R *const *in, F(vals) *v, char **err) {
  v->val = xl_calloc((size_t)g->nodes.n + 1, sizeof(R *));
  v->res = xl_calloc((size_t)g->nodes.n + 1, sizeof(R **));
  for (int id = 0; id < g->nodes.n; id++)
    if (F(node)(g, id, in, v, err)) return -1;
  return 0;
}

/* Converts the given inputs, runs, copies the outputs into new tensors. */
static int F(top)(const cg_graph *g, xt *const *inputs, xt **outputs, char **err) {
  int N = g->nodes.n, rc = 0;
  R **in = xl_calloc((size_t)N + 1, sizeof(R *));
  for (int i = 0; i < N && rc == 0; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    const char *name = n->name ? n->name : "";
    const xt *x = inputs ? inputs[i] : NULL;
    int64_t ne = cg_numel(&n->shape);
    if (n->ikind == CG_IN_SEQ || n->ikind == CG_IN_CONST || n->ikind == CG_IN_BSTATE) {
      set_err(err, "%%%d input \"%s\": scan body input outside a scan", i, name);
      rc = -1;
    } else if (!x) {
      if (n->ikind != CG_IN_STATE) {
        set_err(err, "%%%d input \"%s\": no value given", i, name);
        rc = -1;
      } else {
        in[i] = F(alloc)(&n->shape);
        for (int64_t j = 0; j < ne; j++) in[i][j] = (R)n->fval;
      }
    } else if (x->rank != n->shape.rank || memcmp(x->shape, n->shape.d, (size_t)x->rank * sizeof(int64_t))) {
      char *a = xt_shape_str(x->rank, x->shape), *b = xt_shape_str(n->shape.rank, n->shape.d);
      set_err(err, "%%%d input \"%s\": shape %s given, %s expected", i, name, a, b);
      free(a);
      free(b);
      rc = -1;
    } else {
      in[i] = F(alloc)(&n->shape);
      for (int64_t j = 0; j < ne; j++) in[i][j] = (R)xt_get(x, j);
    }
  }
  F(vals) v = {0};
  if (rc == 0) rc = F(run)(g, in, &v, err);
  for (int k = 0; k < g->outs.n && rc == 0; k++) {
    const cg_node *o = &g->nodes.v[g->outs.v[k].node];
    outputs[k] = xt_new_named(g->outs.v[k].name, sizeof(R) == 8 ? XT_F64 : XT_F32, o->shape.rank, o->shape.d);
    memcpy(outputs[k]->data, v.val[g->outs.v[k].node], (size_t)cg_numel(&o->shape) * sizeof(R));
  }
  F(free_vals)(g, &v);
  for (int i = 0; i < N; i++) free(in[i]);
  free(in);
  return rc;
}
