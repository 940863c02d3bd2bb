/* lower_ops.c - tensor emission for the lowering: broadcasting, reshapes, reductions,
 * einsum, and the builtin functions of the language (docs/language.md, "Builtins").
 *
 * Input: evaluated values (lw_val) with per-example shapes. Output: cell-graph nodes in
 * c->g. Every user-visible shape problem is a diagnostic at the call's position (a
 * broadcast that lines up differently named dimensions of equal size is a warning); the CG
 * builders are only called with shapes already checked here.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "lower_int.h"

cg_shape lw_cg_shape(lw_ctx *c, const lw_val *t) {
  cg_shape s = {0};
  if (t->batched) s.d[s.rank++] = c->batch.v;
  for (int i = 0; i < t->rank; i++) s.d[s.rank++] = t->d[i].v;
  return s;
}

static lw_val *num_tensor(lw_ctx *c, double v, int rank, int batched) {
  lw_dim d[LW_MAXRANK] = {{0, NULL}};
  for (int i = 0; i < rank; i++) d[i] = (lw_dim){1, NULL};
  lw_val *t = lw_tensor(c, -1, 0, rank, d);
  cg_shape s = {0};
  if (batched) s.d[s.rank++] = 1;
  for (int i = 0; i < rank; i++) s.d[s.rank++] = 1;
  t->node = cg_const(c->g, v, s);
  t->batched = 0;
  return t;
}

/* t after its shape grew (pad, concat, one_hot): lw_tensor's size check again. */
static lw_val *resized(lw_ctx *c, lw_val *t) {
  if (t->k == V_ERR) return t;
  lw_val *v = lw_tensor(c, t->node, t->batched, t->rank, t->d);
  v->is_int = t->is_int;
  return v;
}

lw_val *lw_as_tensor(lw_ctx *c, lw_val *v, xl_loc loc) {
  if (v->k == V_TENSOR || v->k == V_ERR) return v;
  if (lw_is_num(v)) return num_tensor(c, lw_num(v), 0, 0);
  return lw_error(c, loc, "expected a tensor or a number, got %s", lw_kind_name(v->k));
}

/* CG node of t reshaped to rank r (leading 1s) with a batch axis of size B or 1. */
static int fit(lw_ctx *c, const lw_val *t, int r, int batched) {
  cg_shape s = {0};
  if (batched) s.d[s.rank++] = t->batched ? c->batch.v : 1;
  for (int i = 0; i < r - t->rank; i++) s.d[s.rank++] = 1;
  for (int i = 0; i < t->rank; i++) s.d[s.rank++] = t->d[i].v;
  cg_shape cur = lw_cg_shape(c, t);
  if (cg_shape_eq(&cur, &s)) return t->node;
  return cg_reshape(c->g, t->node, s);
}

/* A warning when broadcasting prepends axes to x (rank < r) and so aligns one of its named
   dimensions with a differently named one of y of the same size, while y has x's name on
   another axis: [NH] * [NH, DV] with NH == DV multiplies along DV, almost surely meant along
   NH. Only then: a dimension of size 1 stretches as intended, equal names agree, and names
   differ harmlessly across instances (a block's [E] weight times the caller's [T, D] input). */
static void warn_misaligned(lw_ctx *c, const lw_val *x, const lw_val *y, int r, xl_loc loc) {
  if (x->rank >= r || y->rank != r) return;
  for (int j = 0; j < x->rank; j++) {
    int k = r - x->rank + j;
    const lw_dim *a = &x->d[j], *b = &y->d[k];
    if (a->v <= 1 || a->v != b->v || !a->sym || !b->sym || !strcmp(a->sym, b->sym)) continue;
    int k2 = -1;
    for (int i = 0; i < r; i++)
      if (i != k && y->d[i].sym && !strcmp(y->d[i].sym, a->sym) && y->d[i].v == a->v) k2 = i;
    if (k2 < 0) continue;
    char *xs = lw_shape_str(x), *ys = lw_shape_str(y);
    char fix[512] = "";
    if (k2 < k) { /* x's shape with k - k2 trailing axes of size 1 lines its name up: [NH, 1] */
      size_t m = (size_t)snprintf(fix, sizeof fix, "; to broadcast along %s, reshape the lower-rank operand to [", a->sym);
      for (int i = 0; i < x->rank + k - k2 && m < 400; i++) {
        const char *sep = i ? ", " : "";
        if (i < x->rank && x->d[i].sym) m += (size_t)snprintf(fix + m, sizeof fix - m, "%s%s", sep, x->d[i].sym);
        else m += (size_t)snprintf(fix + m, sizeof fix - m, "%s%lld", sep, i < x->rank ? (long long)x->d[i].v : 1LL);
      }
      snprintf(fix + m, sizeof fix - m, "]");
    }
    lw_warn(c, loc,
            "broadcasting aligns dimension %s of %s with dimension %s of %s (trailing axes line up; both are %lld)%s",
            a->sym, xs, b->sym, ys, (long long)a->v, fix);
    free(xs);
    free(ys);
    return;
  }
}

/* numpy broadcasting of per-example shapes; 0 on success */
static int bcast(lw_ctx *c, lw_val **xs, int n, int *rank, lw_dim *d, xl_loc loc) {
  int r = 0;
  for (int i = 0; i < n; i++)
    if (xs[i]->rank > r) r = xs[i]->rank;
  for (int j = 0; j < r; j++) d[j] = (lw_dim){1, NULL};
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < xs[i]->rank; j++) {
      int k = r - xs[i]->rank + j;
      lw_dim a = xs[i]->d[j];
      if (a.v == d[k].v) {
        if (!d[k].sym) d[k].sym = a.sym;
      } else if (d[k].v == 1) {
        d[k] = a;
      } else if (a.v != 1) {
        char *s0 = lw_shape_str(xs[0]), *s1 = lw_shape_str(xs[i == 0 ? 1 : i]);
        lw_error(c, loc, "shapes %s and %s cannot be broadcast together", s0, s1);
        free(s0);
        free(s1);
        return -1;
      }
    }
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (i != j) warn_misaligned(c, xs[i], xs[j], r, loc);
  *rank = r;
  return 0;
}

static lw_val *elementwise(lw_ctx *c, cg_op op, lw_val **xs, int n, xl_loc loc) {
  for (int i = 0; i < n; i++) {
    if (xs[i]->k == V_ERR) return xs[i];
    if (xs[i]->k != V_TENSOR && !lw_is_num(xs[i]))
      return lw_error(c, loc, "operand %d of '%s' is a %s, not a tensor", i + 1, cg_ops[op].name,
                      lw_kind_name(xs[i]->k));
  }
  lw_val *ts[3];
  int batched = 0;
  for (int i = 0; i < n; i++) {
    ts[i] = xs[i];
    if (xs[i]->k == V_TENSOR && xs[i]->batched) batched = 1;
  }
  int r;
  lw_dim d[LW_MAXRANK];
  lw_val *tens[3];
  int nt = 0;
  for (int i = 0; i < n; i++)
    if (ts[i]->k == V_TENSOR) tens[nt++] = ts[i];
  if (bcast(c, tens, nt, &r, d, loc)) return lw_err();
  int in[3];
  for (int i = 0; i < n; i++) {
    if (ts[i]->k == V_TENSOR)
      in[i] = fit(c, ts[i], r, batched);
    else
      in[i] = num_tensor(c, lw_num(ts[i]), r, batched)->node;
  }
  lw_val *out = lw_tensor(c, -1, batched, r, d);
  out->node = cg_add(c->g, op, n, in, NULL, loc);
  return out;
}

lw_val *lw_binary(lw_ctx *c, cg_op op, lw_val *a, lw_val *b, xl_loc loc) {
  lw_val *xs[2] = {a, b};
  return elementwise(c, op, xs, 2, loc);
}

lw_val *lw_unary(lw_ctx *c, cg_op op, lw_val *a, xl_loc loc) {
  a = lw_as_tensor(c, a, loc);
  if (a->k == V_ERR) return a;
  lw_val *out = lw_tensor(c, -1, a->batched, a->rank, a->d);
  out->is_int = 0;
  out->node = cg_unary(c->g, op, a->node);
  return out;
}

lw_val *lw_reshape(lw_ctx *c, lw_val *x, int rank, const lw_dim *d, xl_loc loc) {
  int64_t n0 = 1, n1 = 1;
  for (int i = 0; i < x->rank; i++) n0 *= x->d[i].v; /* x is a tensor: at most LW_MAX_NUMEL */
  if (rank <= LW_MAXRANK && lw_numel(rank, d, 1, &n1)) return lw_error(c, loc, "reshape: integer overflow in the number of elements");
  if (n0 != n1 || rank > LW_MAXRANK) {
    lw_val tmp = {.rank = rank};
    memcpy(tmp.d, d, sizeof(lw_dim) * (size_t)(rank > LW_MAXRANK ? LW_MAXRANK : rank));
    char *s0 = lw_shape_str(x), *s1 = lw_shape_str(&tmp);
    lw_error(c, loc, "cannot reshape %s (%lld elements) to %s (%lld elements)", s0, (long long)n0, s1,
             (long long)n1);
    free(s0);
    free(s1);
    return lw_err();
  }
  lw_val *out = lw_tensor(c, -1, x->batched, rank, d);
  out->is_int = x->is_int;
  cg_shape s = lw_cg_shape(c, out), cur = lw_cg_shape(c, x);
  out->node = cg_shape_eq(&s, &cur) ? x->node : cg_reshape(c->g, x->node, s);
  return out;
}

static int norm_axis(lw_ctx *c, const lw_val *x, int64_t axis, xl_loc loc, int *out) {
  int64_t a = axis < 0 ? axis + x->rank : axis;
  if (a < 0 || a >= x->rank) {
    lw_error(c, loc, "axis %lld is out of range for a tensor of rank %d", (long long)axis, x->rank);
    return -1;
  }
  *out = (int)a;
  return 0;
}

lw_val *lw_reduce(lw_ctx *c, cg_op op, lw_val *x, int axis, int keep, xl_loc loc) {
  if (x->k == V_ERR) return x;
  if (axis == -99) { /* everything, including the batch: a scalar */
    cg_shape s = lw_cg_shape(c, x);
    unsigned mask = (1u << s.rank) - 1;
    int n = op == CG_OP_SUM ? cg_sum(c->g, x->node, mask) : cg_maxr(c->g, x->node, mask);
    lw_val *out = lw_tensor(c, -1, 0, 0, NULL);
    out->node = cg_reshape(c->g, n, (cg_shape){0});
    return out;
  }
  int a;
  if (norm_axis(c, x, axis, loc, &a)) return lw_err();
  unsigned mask = 1u << (a + x->batched);
  int n = op == CG_OP_SUM ? cg_sum(c->g, x->node, mask) : cg_maxr(c->g, x->node, mask);
  lw_val *kept = lw_tensor(c, n, x->batched, x->rank, x->d);
  kept->d[a] = (lw_dim){1, NULL};
  if (keep) return kept;
  lw_dim d[LW_MAXRANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != a) d[r++] = x->d[i];
  return lw_reshape(c, kept, r, d, loc);
}

/* ---- einsum with "..." and an implicit batch label ---- */

static int parse_labels(const char *s, int len, char *out, int *ell) {
  int n = 0;
  *ell = -1;
  for (int i = 0; i < len; i++) {
    if (s[i] == '.' && i + 2 < len + 0 && s[i + 1] == '.' && s[i + 2] == '.') {
      if (*ell >= 0) return -1;
      *ell = n;
      i += 2;
    } else if (islower((unsigned char)s[i])) {
      if (n >= LW_MAXRANK) return -1;
      out[n++] = s[i];
    } else if (s[i] != ' ') {
      return -1;
    }
  }
  out[n] = 0;
  return n;
}

lw_val *lw_einsum(lw_ctx *c, const char *spec, lw_val *x, lw_val *y, xl_loc loc) {
  if (x->k == V_ERR || y->k == V_ERR) return lw_err();
  if (x->k != V_TENSOR || y->k != V_TENSOR) return lw_error(c, loc, "einsum operands must be tensors");
  const char *comma = strchr(spec, ','), *arrow = strstr(spec, "->");
  if (!comma || !arrow || arrow < comma)
    return lw_error(c, loc, "einsum spec \"%s\" must look like \"ab,bc->ac\"", spec);
  char lx[16], ly[16], lo[16];
  int ex, ey, eo;
  int nx = parse_labels(spec, (int)(comma - spec), lx, &ex);
  int ny = parse_labels(comma + 1, (int)(arrow - comma - 1), ly, &ey);
  int no = parse_labels(arrow + 2, (int)strlen(arrow + 2), lo, &eo);
  if (nx < 0 || ny < 0 || no < 0)
    return lw_error(c, loc, "einsum spec \"%s\": labels are lower-case letters and at most one '...' each", spec);
  const char *lbl[3] = {lx, ly, lo};
  for (int o = 0; o < 3; o++) /* diagonals ("ii,i->i") and repeated output axes are not supported */
    for (int i = 0; lbl[o][i]; i++)
      if (strchr(lbl[o] + i + 1, lbl[o][i]))
        return lw_error(c, loc, "einsum spec \"%s\": label '%c' appears twice in %s", spec, lbl[o][i],
                        o == 2 ? "the output" : o ? "the second operand" : "the first operand");
  /* ellipsis dims: leading dims of each operand not covered by explicit labels */
  int kx = ex >= 0 ? x->rank - nx : 0, ky = ey >= 0 ? y->rank - ny : 0;
  if ((ex < 0 && nx != x->rank) || (ey < 0 && ny != y->rank) || kx < 0 || ky < 0)
    return lw_error(c, loc, "einsum spec \"%s\" does not match operand ranks %d and %d", spec, x->rank, y->rank);
  if (kx && ky && kx != ky)
    return lw_error(c, loc, "einsum: '...' covers %d axes in the first operand and %d in the second", kx, ky);
  int ke = kx > ky ? kx : ky;
  if (ke && eo < 0) return lw_error(c, loc, "einsum: '...' in the inputs needs '...' in the output");
  if (ke + no + 1 > CG_MAXRANK || ke + nx + 1 > CG_MAXRANK) return lw_error(c, loc, "einsum: too many axes");
  /* build full label strings: batch 'Z', ellipsis 'A'.., explicit lower-case */
  char fx[16], fy[16], fo[16];
  int ix = 0, iy = 0, io = 0;
  int batched = x->batched || y->batched;
  if (x->batched) fx[ix++] = 'Z';
  if (y->batched) fy[iy++] = 'Z';
  if (batched) fo[io++] = 'Z';
  for (int i = 0; i < nx; i++) {
    if (i == ex)
      for (int e = 0; e < kx; e++) fx[ix++] = (char)('A' + e);
    fx[ix++] = lx[i];
  }
  if (ex == nx)
    for (int e = 0; e < kx; e++) fx[ix++] = (char)('A' + e);
  for (int i = 0; i < ny; i++) {
    if (i == ey)
      for (int e = 0; e < ky; e++) fy[iy++] = (char)('A' + e);
    fy[iy++] = ly[i];
  }
  if (ey == ny)
    for (int e = 0; e < ky; e++) fy[iy++] = (char)('A' + e);
  for (int i = 0; i < no; i++) {
    if (i == eo)
      for (int e = 0; e < ke; e++) fo[io++] = (char)('A' + e);
    fo[io++] = lo[i];
  }
  if (eo == no)
    for (int e = 0; e < ke; e++) fo[io++] = (char)('A' + e);
  fx[ix] = fy[iy] = fo[io] = 0;
  /* sizes per label */
  lw_dim size[128];
  int have[128] = {0};
  const lw_val *ops[2] = {x, y};
  const char *fl[2] = {fx, fy};
  for (int o = 0; o < 2; o++) {
    const lw_val *t = ops[o];
    for (int i = 0; i < (int)strlen(fl[o]); i++) {
      int L = (unsigned char)fl[o][i];
      lw_dim d = fl[o][i] == 'Z' ? c->batch : t->d[i - t->batched];
      if (have[L] && size[L].v != d.v)
        return lw_error(c, loc, "einsum \"%s\": label '%c' has size %lld in one place and %lld in another",
                        spec, L == 'Z' ? 'B' : L, (long long)size[L].v, (long long)d.v);
      if (!have[L]) size[L] = d;
      have[L] = 1;
    }
  }
  lw_dim od[LW_MAXRANK];
  int orank = 0;
  for (int i = 0; i < io; i++) {
    int L = (unsigned char)fo[i];
    if (!have[L]) return lw_error(c, loc, "einsum \"%s\": output label '%c' is not an input label", spec, L);
    if (L != 'Z') od[orank++] = size[L];
  }
  lw_val *out = lw_tensor(c, -1, batched, orank, od);
  out->node = cg_einsum(c->g, x->node, y->node, fx, fy, fo);
  return out;
}

/* ---- builtins ---- */

static lw_val *kwarg(const char **kwn, lw_val **kwv, int nkw, const char *name) {
  for (int i = 0; i < nkw; i++)
    if (strcmp(kwn[i], name) == 0) return kwv[i];
  return NULL;
}

static lw_val *init_val(lw_ctx *c, cg_init_kind k, double p0, double p1, double p2, double p3) {
  lw_val *v = lw_new(c, V_INIT);
  v->init.kind = k;
  v->init.p[0] = p0;
  v->init.p[1] = p1;
  v->init.p[2] = p2;
  v->init.p[3] = p3;
  return v;
}

static double sigm(double x) { return 1 / (1 + exp(-x)); }
static double logsigm(double x) { return x > 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }
static double siluf(double x) { return x * sigm(x); }
static double geluf(double x) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }
static double rsqrtf_(double x) { return 1 / sqrt(x); }
static double signf_(double x) { return (x > 0) - (x < 0); }

/* The plain builtins are the CG_K_UNARY rows of ops.def with a builtin name; a call on a
   number folds with the function here (test_op_table checks every such row has one). */
static double (*const fold_unary[CG_OP_COUNT])(double) = {
    [CG_OP_EXP] = exp,          [CG_OP_LOG] = log,        [CG_OP_SIGMOID] = sigm,
    [CG_OP_LOGSIGMOID] = logsigm, [CG_OP_TANH] = tanh,    [CG_OP_SILU] = siluf,
    [CG_OP_GELU] = geluf,       [CG_OP_ABS] = fabs,       [CG_OP_SQRT] = sqrt,
    [CG_OP_RSQRT] = rsqrtf_,    [CG_OP_SIGN] = signf_,    [CG_OP_LOG1P] = log1p,
    [CG_OP_EXPM1] = expm1,
};

static int is_plain_builtin(cg_op op) { return cg_ops[op].kind == CG_K_UNARY && cg_ops[op].builtin; }

static double softplusf_(double x) { return fmax(x, 0) + log1p(exp(-fabs(x))); }

/* The builtins that are no row of ops.def (the rows' names are builtins too, lw_is_builtin):
   compositions of ops, compile-time functions and initialisers. */
static const char *builtin_names[] = {
    "softplus", "logaddexp", "clamp", "softcap", "mean", "dot", "outer", "split", "unstack", "take",
    "shift", "custom_grad", "cross_entropy", "round_up", "round_down", "next_multiple", "floor", "trunc",
    "float", "len", "constant", "normal", "uniform", "small_init", "wang_init", "linspace", "powerlaw",
    "gate_linspace", "zeros", "ones", "inf", "error", NULL};

/* Python's float floor division a // b (CPython float_floor_div: fmod, then rounding of the quotient) */
static double py_floordiv(double a, double b) {
  double mod = fmod(a, b), div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return copysign(0.0, a / b);
  double fd = floor(div);
  return div - fd > 0.5 ? fd + 1.0 : fd;
}

/* a compile-time size computed in double: finite and within +-2^53 (exact in an int64) */
static lw_val *size_int(lw_ctx *c, xl_loc loc, const char *name, double r) {
  if (!(fabs(r) <= 9007199254740992.0)) return lw_error(c, loc, "%s: result %g is not a representable size", name, r);
  return lw_int(c, (int64_t)r);
}

int lw_is_builtin(const char *name) {
  for (int op = 0; op < CG_OP_COUNT; op++)
    if (cg_ops[op].builtin && strcmp(cg_ops[op].builtin, name) == 0) return 1;
  for (int i = 0; builtin_names[i]; i++)
    if (strcmp(builtin_names[i], name) == 0) return 1;
  return 0;
}

void lw_near_builtins(lw_near *n) {
  for (int op = 0; op < CG_OP_COUNT; op++) lw_near_offer(n, cg_ops[op].builtin);
  for (int i = 0; builtin_names[i]; i++) lw_near_offer(n, builtin_names[i]);
}

#define NEED(n)                                                                                     \
  do {                                                                                              \
    if (nargs != (n))                                                                               \
      return lw_error(c, loc, "'%s' takes %d argument%s, got %d", name, (n), (n) == 1 ? "" : "s", nargs); \
  } while (0)
#define NEED_TENSOR(v)                                                                    \
  do {                                                                                    \
    if ((v)->k == V_ERR) return (v);                                                      \
    if ((v)->k != V_TENSOR)                                                               \
      return lw_error(c, loc, "'%s' expects a tensor, got %s", name, lw_kind_name((v)->k)); \
  } while (0)

static int get_int(lw_ctx *c, lw_val *v, xl_loc loc, int64_t *out) { return lw_to_int(c, v, loc, out); }

static lw_val *axis_reduce(lw_ctx *c, const char *name, cg_op op, lw_val **args, int nargs,
                           const char **kwn, lw_val **kwv, int nkw, xl_loc loc, int mean) {
  if (nargs < 1 || nargs > 2) return lw_error(c, loc, "'%s' takes a tensor and an optional axis", name);
  lw_val *x = lw_as_tensor(c, args[0], loc);
  if (x->k == V_ERR) return x;
  lw_val *kv = kwarg(kwn, kwv, nkw, "keep");
  int keep = kv && kv->k == V_BOOL && kv->i;
  int64_t axis = -99;
  if (nargs == 2 && get_int(c, args[1], loc, &axis)) return lw_err();
  int64_t count = 1;
  if (axis == -99) {
    count = x->batched ? c->batch.v : 1;
    for (int i = 0; i < x->rank; i++) count *= x->d[i].v;
  } else {
    int a;
    if (norm_axis(c, x, axis, loc, &a)) return lw_err();
    count = x->d[a].v;
    axis = a;
  }
  lw_val *r = lw_reduce(c, op, x, (int)axis, keep, loc);
  if (mean && r->k == V_TENSOR) r = lw_binary(c, CG_OP_MUL, r, lw_float(c, 1.0 / (double)count), loc);
  return r;
}

/* cumsum(x, axis, reverse = false), logcumsumexp(...): axis counts in x's own dims as sum's
   does (negative from the end, the batch axis implicit); reverse is a bool, positional or
   keyword. The result has x's shape and is a float tensor. */
static lw_val *cumulative(lw_ctx *c, const char *name, cg_op op, lw_val **args, int nargs, const char **kwn,
                          lw_val **kwv, int nkw, xl_loc loc) {
  if (nargs < 2 || nargs > 3) return lw_error(c, loc, "'%s' takes a tensor, an axis and an optional reverse flag", name);
  for (int i = 0; i < nkw; i++)
    if (strcmp(kwn[i], "reverse")) return lw_error(c, loc, "'%s' has no keyword argument '%s'", name, kwn[i]);
  lw_val *x = lw_as_tensor(c, args[0], loc), *rv = nargs == 3 ? args[2] : kwarg(kwn, kwv, nkw, "reverse");
  if (x->k == V_ERR) return x;
  if (nargs == 3 && nkw) return lw_error(c, loc, "'%s': reverse given twice", name);
  if (args[1]->k == V_TENSOR) return lw_error(c, loc, "'%s': the axis must be a compile-time integer, not a tensor", name);
  int64_t axis;
  int a;
  if (get_int(c, args[1], loc, &axis) || norm_axis(c, x, axis, loc, &a)) return lw_err();
  if (rv && rv->k == V_ERR) return rv;
  if (rv && rv->k != V_BOOL) return lw_error(c, loc, "'%s': reverse must be true or false, got %s", name, lw_kind_name(rv->k));
  lw_val *out = lw_tensor(c, -1, x->batched, x->rank, x->d);
  out->is_int = 0;
  out->node = cg_cumulative(c->g, op, x->node, a + x->batched, rv && rv->i);
  return out;
}

static lw_val *slice_axis(lw_ctx *c, lw_val *x, int a, int64_t start, int64_t len) {
  lw_val *out = lw_tensor(c, -1, x->batched, x->rank, x->d);
  out->is_int = x->is_int;
  out->d[a].v = len;
  if (len != x->d[a].v) out->d[a].sym = NULL;
  out->node = cg_slice(c->g, x->node, a + x->batched, start, len);
  return out;
}

lw_val *lw_call_builtin(lw_ctx *c, const ast *call, const char *name, lw_val **args, int nargs,
                        const char **kwn, lw_val **kwv, int nkw, int *found) {
  xl_loc loc = call->loc;
  *found = 1;
  for (int i = 0; i < nargs; i++)
    if (args[i]->k == V_ERR) return args[i];
  for (int op = 0; op < CG_OP_COUNT; op++) {
    if (!is_plain_builtin((cg_op)op) || strcmp(name, cg_ops[op].builtin)) continue;
    NEED(1);
    XL_ASSERT(fold_unary[op]);
    if (lw_is_num(args[0])) return lw_float(c, fold_unary[op](lw_num(args[0])));
    NEED_TENSOR(args[0]);
    return lw_unary(c, (cg_op)op, args[0], loc);
  }
  if (!strcmp(name, "softcap")) {
    NEED(2);
    if (!lw_is_num(args[1])) return lw_error(c, loc, "softcap: the cap must be a number");
    double cap = lw_num(args[1]);
    lw_val *t = lw_binary(c, CG_OP_MUL, args[0], lw_float(c, 1.0 / cap), loc);
    return lw_binary(c, CG_OP_MUL, lw_unary(c, CG_OP_TANH, t, loc), lw_float(c, cap), loc);
  }
  if (!strcmp(name, "softplus")) { /* -logsigmoid(-x) = max(x, 0) + log1p(exp(-|x|)) */
    NEED(1);
    if (lw_is_num(args[0])) return lw_float(c, softplusf_(lw_num(args[0])));
    NEED_TENSOR(args[0]);
    return lw_unary(c, CG_OP_NEG, lw_unary(c, CG_OP_LOGSIGMOID, lw_unary(c, CG_OP_NEG, args[0], loc), loc), loc);
  }
  if (!strcmp(name, "logaddexp")) {
    /* log(e^a + e^b) = a >= b ? a - logsigmoid(a - b) : b - logsigmoid(b - a): each branch is
       max + log1p(exp(-|a - b|)), and each has the exact gradient (sigmoid(a - b), sigmoid(b - a)),
       ties included */
    NEED(2);
    if (lw_is_num(args[0]) && lw_is_num(args[1])) {
      double a = lw_num(args[0]), b = lw_num(args[1]);
      return lw_float(c, fmax(a, b) + log1p(exp(-fabs(a - b))));
    }
    lw_val *d = lw_binary(c, CG_OP_SUB, args[0], args[1], loc);
    if (d->k == V_ERR) return d;
    lw_val *ra = lw_binary(c, CG_OP_SUB, args[0], lw_unary(c, CG_OP_LOGSIGMOID, d, loc), loc);
    lw_val *rb = lw_binary(c, CG_OP_SUB, args[1], lw_unary(c, CG_OP_LOGSIGMOID, lw_unary(c, CG_OP_NEG, d, loc), loc), loc);
    lw_val *xs[3] = {lw_binary(c, CG_OP_GE, d, lw_float(c, 0), loc), ra, rb};
    return elementwise(c, CG_OP_WHERE, xs, 3, loc);
  }
  if (!strcmp(name, "clamp")) { /* min(max(x, lo), hi): at x == lo or x == hi the gradient goes to x */
    NEED(3);
    if (lw_is_num(args[0]) && lw_is_num(args[1]) && lw_is_num(args[2]))
      return lw_float(c, fmin(fmax(lw_num(args[0]), lw_num(args[1])), lw_num(args[2])));
    return lw_binary(c, CG_OP_MIN, lw_binary(c, CG_OP_MAX, args[0], args[1], loc), args[2], loc);
  }
  if (!strcmp(name, "max") || !strcmp(name, "min")) {
    NEED(2);
    int mx = name[1] == 'a';
    if (lw_is_num(args[0]) && lw_is_num(args[1])) {
      double a = lw_num(args[0]), b = lw_num(args[1]);
      if (args[0]->k == V_INT && args[1]->k == V_INT) return lw_int(c, mx ? (a > b ? a : b) : (a < b ? a : b));
      return lw_float(c, mx ? fmax(a, b) : fmin(a, b));
    }
    return lw_binary(c, mx ? CG_OP_MAX : CG_OP_MIN, args[0], args[1], loc);
  }
  if (!strcmp(name, "where")) {
    NEED(3);
    lw_val *xs[3] = {args[0], args[1], args[2]};
    return elementwise(c, CG_OP_WHERE, xs, 3, loc);
  }
  if (!strcmp(name, "sum")) return axis_reduce(c, name, CG_OP_SUM, args, nargs, kwn, kwv, nkw, loc, 0);
  if (!strcmp(name, "mean")) return axis_reduce(c, name, CG_OP_SUM, args, nargs, kwn, kwv, nkw, loc, 1);
  if (!strcmp(name, "cumsum")) return cumulative(c, name, CG_OP_CUMSUM, args, nargs, kwn, kwv, nkw, loc);
  if (!strcmp(name, "logcumsumexp")) return cumulative(c, name, CG_OP_LOGCUMSUMEXP, args, nargs, kwn, kwv, nkw, loc);
  if (!strcmp(name, "amax")) return axis_reduce(c, name, CG_OP_MAXR, args, nargs, kwn, kwv, nkw, loc, 0);
  if (!strcmp(name, "dot")) {
    NEED(2);
    lw_val *p = lw_binary(c, CG_OP_MUL, args[0], args[1], loc);
    if (p->k == V_ERR) return p;
    if (p->rank < 1) return lw_error(c, loc, "dot: operands need at least one axis");
    return lw_reduce(c, CG_OP_SUM, p, -1, 0, loc);
  }
  if (!strcmp(name, "outer")) {
    NEED(2);
    NEED_TENSOR(args[0]);
    NEED_TENSOR(args[1]);
    if (args[0]->rank < 1 || args[1]->rank < 1) return lw_error(c, loc, "outer: operands need at least one axis");
    if (args[0]->rank != args[1]->rank)
      return lw_error(c, loc, "outer: operands must have the same rank (got %d and %d)", args[0]->rank, args[1]->rank);
    return lw_einsum(c, "...i,...j->...ij", args[0], args[1], loc);
  }
  if (!strcmp(name, "einsum")) {
    NEED(3);
    if (args[0]->k != V_STR) return lw_error(c, loc, "einsum: the first argument must be a spec string");
    return lw_einsum(c, args[0]->s, args[1], args[2], loc);
  }
  if (!strcmp(name, "reshape")) {
    NEED(2);
    NEED_TENSOR(args[0]);
    lw_val *x = args[0], *l = args[1];
    if (l->k != V_LIST) return lw_error(c, loc, "reshape: the shape must be a list like [T, NH, D]");
    lw_dim d[LW_MAXRANK + 8];
    int r = 0, ell = -1;
    int64_t prod = 1;
    for (int i = 0; i < l->n; i++) {
      if (l->items[i]->k == V_NONE && l->items[i]->i == 1) {
        if (ell >= 0 || i != 0) return lw_error(c, loc, "reshape: '...' may only be the first dimension");
        ell = i;
        continue;
      }
      int64_t v;
      if (lw_to_int(c, l->items[i], loc, &v)) return lw_err();
      if (v < 1) return lw_error(c, loc, "reshape: dimension %lld must be positive", (long long)v);
      if (r >= LW_MAXRANK) return lw_error(c, loc, "reshape: too many dimensions");
      d[r++] = (lw_dim){v, l->items[i]->s};
      if (__builtin_mul_overflow(prod, v, &prod)) return lw_error(c, loc, "reshape: integer overflow in the number of elements");
    }
    if (ell >= 0) { /* '...' = the axes it matched in the block's inputs, if the rest of x has
                       `prod` elements; else the leading axes of x whose trailing rest has them */
      int m = -1;
      int64_t tail = 1;
      if (c->ell_rank >= 0 && c->ell_rank <= x->rank) {
        for (int i = c->ell_rank; i < x->rank; i++) tail *= x->d[i].v;
        if (tail == prod) m = c->ell_rank;
      }
      if (m < 0) {
        m = x->rank;
        tail = 1;
        while (m > 0 && tail < prod) tail *= x->d[--m].v;
      }
      if (tail != prod) return lw_error(c, loc, "reshape: the trailing axes of the tensor do not have %lld elements", (long long)prod);
      if (m + r > LW_MAXRANK) return lw_error(c, loc, "reshape: too many dimensions");
      memmove(d + m, d, sizeof(lw_dim) * (size_t)r);
      for (int i = 0; i < m; i++) d[i] = x->d[i];
      r += m;
    }
    return lw_reshape(c, x, r, d, loc);
  }
  if (!strcmp(name, "split")) {
    if (nargs < 2 || nargs > 3) return lw_error(c, loc, "'split' takes a tensor, a count and an optional axis");
    NEED_TENSOR(args[0]);
    int64_t n, axis = -1;
    if (get_int(c, args[1], loc, &n) || (nargs == 3 && get_int(c, args[2], loc, &axis))) return lw_err();
    lw_val *ax = kwarg(kwn, kwv, nkw, "axis");
    if (ax && get_int(c, ax, loc, &axis)) return lw_err();
    int a;
    if (norm_axis(c, args[0], axis, loc, &a)) return lw_err();
    if (n < 1 || args[0]->d[a].v % n)
      return lw_error(c, loc, "split: axis of size %lld cannot be split into %lld equal parts",
                      (long long)args[0]->d[a].v, (long long)n);
    lw_val *t = lw_new(c, V_TUPLE);
    t->n = (int)n;
    t->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)n);
    int64_t len = args[0]->d[a].v / n;
    for (int i = 0; i < n; i++) t->items[i] = slice_axis(c, args[0], a, i * len, len);
    return t;
  }
  if (!strcmp(name, "unstack")) {
    NEED(2);
    NEED_TENSOR(args[0]);
    int64_t axis;
    int a;
    if (get_int(c, args[1], loc, &axis) || norm_axis(c, args[0], axis, loc, &a)) return lw_err();
    int64_t n = args[0]->d[a].v;
    if (n > 64) return lw_error(c, loc, "unstack: axis has %lld entries (at most 64)", (long long)n);
    lw_val *t = lw_new(c, V_TUPLE);
    t->n = (int)n;
    t->items = xl_arena_alloc(c->ar, sizeof(lw_val *) * (size_t)n);
    for (int i = 0; i < n; i++) {
      lw_val *s = slice_axis(c, args[0], a, i, 1);
      lw_dim d[LW_MAXRANK];
      int r = 0;
      for (int j = 0; j < s->rank; j++)
        if (j != a) d[r++] = s->d[j];
      t->items[i] = lw_reshape(c, s, r, d, loc);
    }
    return t;
  }
  if (!strcmp(name, "take")) {
    NEED(3);
    NEED_TENSOR(args[0]);
    int64_t axis, idx;
    int a;
    if (get_int(c, args[1], loc, &axis) || norm_axis(c, args[0], axis, loc, &a) || get_int(c, args[2], loc, &idx))
      return lw_err();
    if (idx < 0 || idx >= args[0]->d[a].v)
      return lw_error(c, loc, "take: index %lld is out of range for an axis of size %lld", (long long)idx,
                      (long long)args[0]->d[a].v);
    lw_val *s = slice_axis(c, args[0], a, idx, 1);
    lw_dim d[LW_MAXRANK];
    int r = 0;
    for (int j = 0; j < s->rank; j++)
      if (j != a) d[r++] = s->d[j];
    return lw_reshape(c, s, r, d, loc);
  }
  if (!strcmp(name, "slice")) { /* slice(x, axis, start, len): elements start .. start+len-1 of an axis */
    NEED(4);
    NEED_TENSOR(args[0]);
    int64_t axis, st, len;
    int a;
    if (get_int(c, args[1], loc, &axis) || norm_axis(c, args[0], axis, loc, &a) || get_int(c, args[2], loc, &st) ||
        get_int(c, args[3], loc, &len))
      return lw_err();
    if (st < 0 || len < 0 || st > args[0]->d[a].v || len > args[0]->d[a].v - st)
      return lw_error(c, loc, "slice: %lld elements from %lld are out of range for an axis of size %lld", (long long)len,
                      (long long)st, (long long)args[0]->d[a].v);
    return slice_axis(c, args[0], a, st, len);
  }
  if (!strcmp(name, "pad")) { /* pad(x, axis, before, after, value = 0): `before`/`after` elements of `value` */
    NEED(4);
    NEED_TENSOR(args[0]);
    int64_t axis, before, after;
    int a;
    if (get_int(c, args[1], loc, &axis) || norm_axis(c, args[0], axis, loc, &a) || get_int(c, args[2], loc, &before) ||
        get_int(c, args[3], loc, &after))
      return lw_err();
    if (before < 0 || after < 0) return lw_error(c, loc, "pad: the amounts must be >= 0");
    if (before > LW_MAX_NUMEL || after > LW_MAX_NUMEL) return lw_error(c, loc, "pad: the amounts must be at most 2^40");
    lw_val *vv = kwarg(kwn, kwv, nkw, "value");
    if (vv && !lw_is_num(vv)) return lw_error(c, loc, "pad: the value must be a number");
    double val = vv ? lw_num(vv) : 0;
    lw_val *x = args[0];
    if (before == 0 && after == 0) return x;
    lw_val *out = lw_tensor(c, -1, x->batched, x->rank, x->d);
    out->is_int = x->is_int;
    out->d[a].v = x->d[a].v + before + after;
    out->d[a].sym = NULL;
    int ax = a + x->batched;
    if (val == 0 && !signbit(val)) {
      out->node = cg_pad(c->g, x->node, ax, before, after);
      return resized(c, out);
    }
    /* another value: concatenate constant blocks (PAD fills zeros) */
    cg_shape s = lw_cg_shape(c, x);
    int ins[3], n = 0;
    if (before > 0) {
      cg_shape sb = s;
      sb.d[ax] = before;
      ins[n++] = cg_const(c->g, val, sb);
    }
    ins[n++] = x->node;
    if (after > 0) {
      cg_shape sa = s;
      sa.d[ax] = after;
      ins[n++] = cg_const(c->g, val, sa);
    }
    out->node = cg_concat(c->g, n, ins, ax);
    return resized(c, out);
  }
  if (!strcmp(name, "concat")) {
    if (nargs < 1) return lw_error(c, loc, "concat needs at least one tensor");
    int64_t axis = -1;
    lw_val *ax = kwarg(kwn, kwv, nkw, "axis");
    if (ax && get_int(c, ax, loc, &axis)) return lw_err();
    int batched = 0;
    for (int i = 0; i < nargs; i++) {
      NEED_TENSOR(args[i]);
      batched |= args[i]->batched;
    }
    int a;
    if (norm_axis(c, args[0], axis, loc, &a)) return lw_err();
    int *ins = xl_arena_alloc(c->ar, sizeof(int) * (size_t)nargs);
    lw_val *out = lw_tensor(c, -1, batched, args[0]->rank, args[0]->d);
    out->d[a].v = 0;
    out->d[a].sym = NULL;
    for (int i = 0; i < nargs; i++) {
      if (args[i]->rank != args[0]->rank) return lw_error(c, loc, "concat: operand %d has rank %d, the first has rank %d", i + 1, args[i]->rank, args[0]->rank);
      for (int j = 0; j < args[0]->rank; j++)
        if (j != a && args[i]->d[j].v != args[0]->d[j].v) {
          char *s0 = lw_shape_str(args[0]), *s1 = lw_shape_str(args[i]);
          lw_error(c, loc, "concat: shapes %s and %s differ outside the concatenation axis", s0, s1);
          free(s0);
          free(s1);
          return lw_err();
        }
      out->d[a].v += args[i]->d[a].v;
      ins[i] = args[i]->node;
      if (batched && !args[i]->batched) {
        cg_shape s = lw_cg_shape(c, args[i]);
        cg_shape to = {0};
        to.d[to.rank++] = c->batch.v;
        for (int j = 0; j < s.rank; j++) to.d[to.rank++] = s.d[j];
        to.d[0] = 1;
        int rs = cg_reshape(c->g, args[i]->node, to);
        to.d[0] = c->batch.v;
        ins[i] = cg_broadcast(c->g, rs, to);
      }
    }
    out->node = cg_concat(c->g, nargs, ins, a + batched);
    return resized(c, out);
  }
  if (!strcmp(name, "shift")) { /* y[t] = x[t - k] along the sequence (first) axis, zeros before */
    NEED(2);
    NEED_TENSOR(args[0]);
    int64_t k;
    if (get_int(c, args[1], loc, &k)) return lw_err();
    lw_val *x = args[0];
    if (x->rank < 1) return lw_error(c, loc, "shift needs a sequence axis");
    if (k < 0) return lw_error(c, loc, "shift: the shift must be >= 0");
    if (k == 0) return x;
    int64_t T = x->d[0].v;
    lw_val *out = lw_tensor(c, -1, x->batched, x->rank, x->d);
    if (k >= T) {
      out->node = cg_const(c->g, 0, lw_cg_shape(c, x));
      return out;
    }
    int s = cg_slice(c->g, x->node, x->batched, 0, T - k);
    out->node = cg_pad(c->g, s, x->batched, k, 0);
    return out;
  }
  if (!strcmp(name, "gather")) {
    NEED(2);
    NEED_TENSOR(args[0]);
    NEED_TENSOR(args[1]);
    lw_val *tab = args[0], *idx = args[1];
    if (!idx->is_int) return lw_error(c, loc, "gather: indices must be an int tensor");
    if (tab->batched) return lw_error(c, loc, "gather: the table must not depend on the batch");
    if (tab->rank < 1 || idx->rank + tab->rank - 1 > LW_MAXRANK) return lw_error(c, loc, "gather: bad ranks");
    lw_dim d[LW_MAXRANK];
    int r = 0;
    for (int i = 0; i < idx->rank; i++) d[r++] = idx->d[i];
    for (int i = 1; i < tab->rank; i++) d[r++] = tab->d[i];
    lw_val *out = lw_tensor(c, -1, idx->batched, r, d);
    int in[2] = {tab->node, idx->node};
    (void)in;
    out->node = cg_gather(c->g, tab->node, idx->node);
    return out;
  }
  if (!strcmp(name, "one_hot")) {
    NEED(2);
    NEED_TENSOR(args[0]);
    int64_t n;
    if (get_int(c, args[1], loc, &n)) return lw_err();
    if (!args[0]->is_int) return lw_error(c, loc, "one_hot: indices must be an int tensor");
    if (n < 1) return lw_error(c, loc, "one_hot: the number of classes must be positive, got %lld", (long long)n);
    if (args[0]->rank >= LW_MAXRANK) return lw_error(c, loc, "one_hot: too many axes");
    lw_val *out = lw_tensor(c, -1, args[0]->batched, args[0]->rank + 1, args[0]->d);
    out->d[out->rank - 1] = (lw_dim){n, NULL};
    int id = cg_one_hot(c->g, args[0]->node, n);
    out->node = id;
    return resized(c, out);
  }
  if (!strcmp(name, "permute")) { /* permute(x, [1, 0]): output axis i = input axis perm[i] */
    NEED(2);
    NEED_TENSOR(args[0]);
    lw_val *x = args[0], *l = args[1];
    if (l->k != V_LIST || l->n != x->rank) return lw_error(c, loc, "permute: give a list of %d axes", x->rank);
    int perm[CG_MAXRANK], seen[CG_MAXRANK] = {0};
    lw_dim d[LW_MAXRANK];
    perm[0] = 0;
    for (int i = 0; i < l->n; i++) {
      int64_t a;
      if (get_int(c, l->items[i], loc, &a)) return lw_err();
      if (a < 0 || a >= x->rank || seen[a]) return lw_error(c, loc, "permute: [%s] is not a permutation", "...");
      seen[a] = 1;
      perm[i + x->batched] = (int)a + x->batched;
      d[i] = x->d[a];
    }
    lw_val *out = lw_tensor(c, -1, x->batched, x->rank, d);
    out->node = cg_transpose(c->g, x->node, perm);
    return out;
  }
  if (!strcmp(name, "tril")) { /* [n, n]: 1 on and below the diagonal (u <= t), 0 above */
    NEED(1);
    int64_t n;
    if (get_int(c, args[0], loc, &n)) return lw_err();
    if (n < 1) return lw_error(c, loc, "tril: the size must be positive");
    lw_dim d[2] = {{n, args[0]->s}, {n, args[0]->s}};
    lw_val *out = lw_tensor(c, -1, 0, 2, d);
    cg_shape sh = {2, {n, n}};
    out->node = cg_add(c->g, CG_OP_TRIL, 0, NULL, &sh, loc);
    return out;
  }
  if (!strcmp(name, "detach")) {
    NEED(1);
    NEED_TENSOR(args[0]);
    lw_val *out = lw_tensor(c, -1, args[0]->batched, args[0]->rank, args[0]->d);
    out->node = cg_add(c->g, CG_OP_DETACH, 1, &args[0]->node, NULL, loc);
    return out;
  }
  if (!strcmp(name, "custom_grad")) { /* custom_grad(y, x, dydx): value y, gradient g * dydx to x */
    NEED(3);
    NEED_TENSOR(args[1]);
    lw_val *y = lw_as_tensor(c, args[0], loc), *x = args[1], *dd = lw_as_tensor(c, args[2], loc);
    if (y->k == V_ERR || dd->k == V_ERR) return lw_err();
    if (y->is_int || x->is_int || dd->is_int) return lw_error(c, loc, "custom_grad: operands must be float tensors");
    /* ok = (t == 0) with t = (x - detach(x)) * detach(dydx): t is +-0 exactly where x and dydx
       are finite. Result where(ok, detach(y) + (x - detach(x)) * where(ok, detach(dydx), 0),
       detach(y)): the value is y (a -0 of y may become +0); where x or dydx is not finite the
       value is still y and x gets gradient 0, not NaN. Backward: g * dydx to x (summed over
       the axes x is broadcast along), nothing into y's graph or dydx. */
    lw_val *yd = lw_tensor(c, -1, y->batched, y->rank, y->d), *xd = lw_tensor(c, -1, x->batched, x->rank, x->d);
    lw_val *ddd = lw_tensor(c, -1, dd->batched, dd->rank, dd->d);
    yd->node = cg_add(c->g, CG_OP_DETACH, 1, &y->node, NULL, loc);
    xd->node = cg_add(c->g, CG_OP_DETACH, 1, &x->node, NULL, loc);
    ddd->node = cg_add(c->g, CG_OP_DETACH, 1, &dd->node, NULL, loc);
    lw_val *z = lw_binary(c, CG_OP_SUB, x, xd, loc);
    lw_val *t = lw_binary(c, CG_OP_MUL, z, ddd, loc);
    if (t->k == V_ERR) return t;
    lw_val *ok = lw_binary(c, CG_OP_EQ, t, lw_float(c, 0), loc);
    lw_val *ws[3] = {ok, ddd, lw_float(c, 0)};
    lw_val *sum = lw_binary(c, CG_OP_ADD, yd, lw_binary(c, CG_OP_MUL, z, elementwise(c, CG_OP_WHERE, ws, 3, loc), loc), loc);
    if (sum->k == V_ERR) return sum;
    int same = sum->rank == y->rank && sum->batched == y->batched;
    for (int i = 0; same && i < y->rank; i++) same = sum->d[i].v == y->d[i].v;
    if (!same) {
      char *sy = lw_shape_str(y), *sx = lw_shape_str(x), *sd = lw_shape_str(dd);
      if (sum->batched != y->batched)
        lw_error(c, loc, "custom_grad: y %s has no batch axis, but x %s or dydx %s has one", sy, sx, sd);
      else
        lw_error(c, loc, "custom_grad: x %s and dydx %s must broadcast to the shape of y %s", sx, sd, sy);
      free(sy);
      free(sx);
      free(sd);
      return lw_err();
    }
    lw_val *xs[3] = {ok, sum, yd};
    return elementwise(c, CG_OP_WHERE, xs, 3, loc);
  }
  if (!strcmp(name, "cross_entropy")) { /* mean over every position of -log softmax(logits)[target] */
    NEED(2);
    NEED_TENSOR(args[0]);
    NEED_TENSOR(args[1]);
    lw_val *lg = args[0], *tg = args[1];
    if (!tg->is_int) return lw_error(c, loc, "cross_entropy: targets must be an int tensor");
    if (lg->rank != tg->rank + 1) return lw_error(c, loc, "cross_entropy: logits need one more axis (the classes) than targets");
    for (int i = 0; i < tg->rank; i++)
      if (lg->d[i].v != tg->d[i].v) return lw_error(c, loc, "cross_entropy: logits and targets disagree in axis %d", i);
    int64_t V = lg->d[lg->rank - 1].v;
    lw_val *mx = lw_reduce(c, CG_OP_MAXR, lg, -1, 1, loc);
    lw_val *mxd = lw_tensor(c, cg_add(c->g, CG_OP_DETACH, 1, &mx->node, NULL, loc), mx->batched, mx->rank, mx->d);
    lw_val *e = lw_unary(c, CG_OP_EXP, lw_binary(c, CG_OP_SUB, lg, mxd, loc), loc);
    lw_val *lse = lw_binary(c, CG_OP_ADD, lw_unary(c, CG_OP_LOG, lw_reduce(c, CG_OP_SUM, e, -1, 1, loc), loc), mxd, loc);
    lw_val *oh_args[2] = {tg, lw_int(c, V)};
    int f2;
    lw_val *oh = lw_call_builtin(c, call, "one_hot", oh_args, 2, NULL, NULL, 0, &f2);
    lw_val *picked = lw_reduce(c, CG_OP_SUM, lw_binary(c, CG_OP_MUL, lg, oh, loc), -1, 1, loc);
    lw_val *nll = lw_binary(c, CG_OP_SUB, lse, picked, loc);
    /* targets < 0 are not scored (loss masks): mean over the scored positions only; the
       count is data, so the loss is sum(nll * valid) / max(sum(valid), 1) */
    lw_val *valid = lw_binary(c, CG_OP_GE, tg, lw_float(c, 0.0), loc);
    nll = lw_reshape(c, nll, tg->rank, tg->d, loc); /* drop the kept class axis */
    lw_val *num_args[1] = {lw_binary(c, CG_OP_MUL, nll, valid, loc)}, *cnt_args[1] = {valid};
    lw_val *num = axis_reduce(c, "sum", CG_OP_SUM, num_args, 1, NULL, NULL, 0, loc, 0);
    lw_val *cnt = axis_reduce(c, "sum", CG_OP_SUM, cnt_args, 1, NULL, NULL, 0, loc, 0);
    return lw_binary(c, CG_OP_DIV, num, lw_binary(c, CG_OP_MAX, cnt, lw_float(c, 1.0), loc), loc);
  }
  /* compile-time arithmetic */
  /* size rules, evaluated in IEEE double exactly as the official Python code does (no fudge):
     round_up / round_down: the original package's UpProjConfigMixin, ceil or floor of x / m, times m;
     next_multiple: xlstm_large's round_up_to_next_multiple_of, int(((x + m - 1) // m) * m) with
     Python's float floor division; floor: math.floor; trunc: Python's int(x) */
  if (!strcmp(name, "round_up") || !strcmp(name, "round_down") || !strcmp(name, "next_multiple")) {
    NEED(2);
    if (!lw_is_num(args[0]) || !lw_is_num(args[1])) return lw_error(c, loc, "%s takes two numbers", name);
    double x = lw_num(args[0]), m = lw_num(args[1]), r;
    if (!(m > 0)) return lw_error(c, loc, "%s: the multiple must be positive, got %g", name, m);
    if (!strcmp(name, "round_up")) r = ceil(x / m) * m;
    else if (!strcmp(name, "round_down")) r = floor(x / m) * m;
    else r = py_floordiv(x + m - 1, m) * m;
    return size_int(c, loc, name, r);
  }
  if (!strcmp(name, "floor") || !strcmp(name, "trunc")) {
    NEED(1);
    if (!lw_is_num(args[0])) return lw_error(c, loc, "'%s' takes a number", name);
    double x = lw_num(args[0]);
    return size_int(c, loc, name, name[0] == 'f' ? floor(x) : trunc(x));
  }
  if (!strcmp(name, "float")) {
    NEED(1);
    if (!lw_is_num(args[0])) return lw_error(c, loc, "'%s' takes a number", name);
    return lw_float(c, lw_num(args[0]));
  }
  if (!strcmp(name, "error")) { /* error("message"): a compile-time error where it is evaluated */
    NEED(1);
    if (args[0]->k == V_ERR) return args[0];
    if (args[0]->k != V_STR) return lw_error(c, loc, "error takes a string, got %s", lw_kind_name(args[0]->k));
    return lw_error(c, loc, "%s", args[0]->s);
  }
  if (!strcmp(name, "len")) {
    NEED(1);
    if (args[0]->k != V_LIST && args[0]->k != V_TUPLE) return lw_error(c, loc, "len takes a list");
    return lw_int(c, args[0]->n);
  }
  /* initializers */
  double p[4] = {0};
  int np = 0;
  static const struct {
    const char *name;
    int nargs;
  } inits[] = {{"constant", 1}, {"normal", 2}, {"uniform", 2}, {"small_init", 1}, {"wang_init", 2}, {"linspace", 2}, {"powerlaw", 4},
               {"gate_linspace", 4}};
  for (size_t k = 0; k < sizeof inits / sizeof inits[0]; k++) {
    if (strcmp(name, inits[k].name)) continue;
    NEED(inits[k].nargs);
    for (int i = 0; i < nargs; i++) {
      if (!lw_is_num(args[i])) return lw_error(c, loc, "'%s': argument %d must be a number", name, i + 1);
      p[np++] = lw_num(args[i]);
    }
    switch (k) {
    case 0: return init_val(c, CG_INIT_CONST, p[0], 0, 0, 0);
    case 1: return init_val(c, CG_INIT_NORMAL, p[0], p[1], 0, 0);
    case 2: return init_val(c, CG_INIT_UNIFORM, p[0], p[1], 0, 0);
    case 3:
      if (p[0] <= 0) return lw_error(c, loc, "small_init: dim must be positive");
      return init_val(c, CG_INIT_NORMAL, 0, sqrt(2.0 / (5.0 * p[0])), 0, 0);
    case 4:
      if (p[0] <= 0 || p[1] <= 0) return lw_error(c, loc, "wang_init: dim and num_blocks must be positive");
      return init_val(c, CG_INIT_NORMAL, 0, 2.0 / p[1] / sqrt(p[0]), 0, 0);
    case 5: return init_val(c, CG_INIT_LINSPACE, p[0], p[1], 0, 0);
    case 7: return init_val(c, CG_INIT_GATE_LINSPACE, p[0], p[1], p[2], p[3]);
    default:
      if (p[3] < 2) return lw_error(c, loc, "powerlaw: the head size D must be at least 2");
      return init_val(c, CG_INIT_POWERLAW, p[0], p[1], p[2], p[3]);
    }
  }
  *found = 0;
  return NULL;
}
