/* cmd_gradcheck.c - `xlc gradcheck FILE ENTRY ...`: autodiff against finite differences.
 *
 * Input: an entry, --set settings, optional --inputs / --params files. Inputs not given are
 * drawn as `xlc run --random-inputs` draws them and parameters initialized as `xlc run` does
 * (runtime/train/run_bind.c), all in float64. The objective is a random projection of every float output,
 * L = sum_k <W_k, out_k> (W_k ~ N(0, 1), fixed by --seed), so no `loss` output is needed.
 * Output: one line per float input, parameter and initial state with the worst relative
 * error of the autodiff gradient against fourth-order central differences (every element of
 * tensors up to GC_FULL elements, --dirs random unit directions beyond), a summary line, and
 * exit status 1 above the tolerance. Everything runs on the reference executor, or with
 * --backend on another row of the backend table (the forward and the gradient graph each
 * prepared once there: the gradient a backend computes against differences of the loss it
 * computes); this file only binds, perturbs and compares.
 */
#include <math.h>
#include <string.h>

#include "cg.h"
#include "driver.h"

#define GC_STEP 1e-3   /* h of the fourth-order stencil */
#define GC_FLOOR 1e-6  /* relative error = |ad - fd| / max(|ad|, |fd|, GC_FLOOR) */
#define GC_FULL 4096   /* tensors up to this many elements are checked element by element */

void usage_gradcheck(FILE *out) {
  fprintf(out,
          "usage: xlc gradcheck FILE.xl ENTRY [options]\n"
          "\n"
          "Checks ENTRY's autodiff gradients against central finite differences in float64 on the\n"
          "reference executor. The objective is sum_k <W_k, out_k> over every float output, W_k\n"
          "random N(0, 1/n) (n: the float output elements; fixed by --seed), so L is O(1) at any\n"
          "size: the entry needs no 'loss' output. Every float input, parameter and initial\n"
          "state is checked: element by element up to 4096 elements, along --dirs random unit\n"
          "directions beyond. The difference is the fourth-order stencil\n"
          "(8(L(x+h) - L(x-h)) - (L(x+2h) - L(x-2h))) / 12h, h = 1e-3; the relative error is\n"
          "|ad - fd| / max(|ad|, |fd|, 1e-6): below the floor 1e-6 gradients are compared\n"
          "absolutely (|ad - fd| <= tol * 1e-6: the rounding noise of the differences of an O(1)\n"
          "objective is ~1e-13). Elements that are not finite (a state starting at -inf) are skipped.\n"
          "\n"
          "options:\n"
          "  --set NAME=VALUE            configuration parameter or free dimension (repeatable)\n"
          "  --inputs I.safetensors      data inputs and initial states; the others are drawn as\n"
          "                              'xlc run --random-inputs' draws them (seeded by --seed)\n"
          "  --params P.safetensors      parameters; the others come from their initializers\n"
          "  --seed N                    seed of inputs, initializers, projections, directions\n"
          "                              (default 0)\n"
          "  --tol X                     largest relative error that passes (default 1e-6)\n"
          "  --dirs K                    random directions per tensor above 4096 elements\n"
          "                              (default 4)\n"
          "  --param-noise S             add N(0, S^2) to every parameter (default 0): moves\n"
          "                              zero-initialized gate weights off the ties that put a\n"
          "                              stabilizer max at a kink (e.g. mlstm_block: 0.1)\n"
          "  --backend NAME              run the forward and gradient graphs on NAME, in float64\n"
          "                              (default ref, the reference executor)\n"
          "\n"
          "Prints one line per tensor (name, shape, checks, worst relative error, PASS/FAIL) and\n"
          "a summary. A non-finite forward output is an error naming it.\n"
          "\n"
          "exit status: 0 all within the tolerance, 1 a gradient above it or a user error,\n"
          "2 internal error\n");
}

static const drv_optspec gc_opts[] = {{"set", 1}, {"inputs", 1}, {"params", 1},      {"seed", 1},
                                      {"tol", 1}, {"dirs", 1},   {"param-noise", 1}, {"backend", 1},
                                      {NULL, 0}};

typedef struct {
  const char *file, *entry, *inputs, *params;
  const char *backend; /* --backend, or NULL: ref_exec */
  uint64_t seed;
  double tol;
  double noise; /* --param-noise: std of N(0, S^2) added to every parameter */
  int dirs;
  drv_sets sets;
} gc_cfg;

/* A finite number > 0 (>= 0 with zero_ok), the whole string. Returns 0 on success. */
static int parse_pos(const char *s, double *out, int zero_ok) {
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || !isfinite(v) || v < 0 || (v == 0 && !zero_ok)) return -1;
  *out = v;
  return 0;
}

/* Fills c from the command line; returns an exit code. */
static int parse_cfg(const drv_args *a, gc_cfg *c) {
  c->tol = 1e-6;
  c->dirs = 4;
  for (int i = 0; i < a->opts.n; i++) {
    const char *n = a->opts.v[i].name, *v = a->opts.v[i].val;
    if (!strcmp(n, "set")) {
      if (drv_sets_add(&c->sets, v) != 0) return XLC_EXIT_USER;
    } else if (!strcmp(n, "inputs")) c->inputs = v;
    else if (!strcmp(n, "params")) c->params = v;
    else if (!strcmp(n, "backend")) {
      if (!drv_backend_ok(v)) return XLC_EXIT_USER;
      c->backend = v;
    }
    else if (!strcmp(n, "seed")) {
      if (drv_parse_u64(v, &c->seed) != 0) {
        drv_error("--seed needs a non-negative integer, got '%s'", v);
        return XLC_EXIT_USER;
      }
    } else if (!strcmp(n, "tol")) {
      if (parse_pos(v, &c->tol, 0) != 0) {
        drv_error("--tol needs a positive number, got '%s'", v);
        return XLC_EXIT_USER;
      }
    } else if (!strcmp(n, "param-noise")) {
      if (parse_pos(v, &c->noise, 1) != 0) {
        drv_error("--param-noise needs a non-negative number, got '%s'", v);
        return XLC_EXIT_USER;
      }
    } else if (!strcmp(n, "dirs")) {
      uint64_t k;
      if (drv_parse_u64(v, &k) != 0 || k < 1 || k > 1000000) {
        drv_error("--dirs needs a positive integer (at most 1000000), got '%s'", v);
        return XLC_EXIT_USER;
      }
      c->dirs = (int)k;
    }
  }
  if (a->pos.n != 2) {
    drv_error(a->pos.n < 2 ? "'xlc gradcheck' needs FILE and ENTRY" : "'xlc gradcheck' takes exactly FILE and ENTRY");
    usage_gradcheck(stderr);
    return XLC_EXIT_USER;
  }
  c->file = a->pos.v[0];
  c->entry = a->pos.v[1];
  return XLC_EXIT_OK;
}

/* ---- the objective L(x) = sum_k <W_k, out_k> ---- */

typedef struct {
  const gc_cfg *cfg;
  cg_graph *fwd;  /* the lowered entry */
  cg_graph *grad; /* fwd + backward (cotangent mode): node ids of fwd kept */
  xt **vals;      /* [fwd nodes] f64 value of every INPUT node (default states filled) */
  xt **W;         /* [fwd outs] projection of each float output; NULL for integer outputs */
  int nruns;      /* forward runs so far */
  xl_exec *xf;    /* fwd prepared on --backend, or NULL (ref_exec) */
} gc_ctx;

/* g prepared on cfg's --backend in f64, or NULL (ref_exec; or an error: *rc set) */
static xl_exec *gc_prepare(const gc_cfg *cfg, const cg_graph *g, int *rc) {
  *rc = XLC_EXIT_OK;
  if (!cfg->backend || !strcmp(cfg->backend, "ref")) return NULL;
  char *err = NULL;
  xl_exec *x = xl_exec_prepare(xl_backend_find(cfg->backend), g, CG_F64, NULL, &err);
  if (!x) *rc = drv_exec_failed(-1, err, "backend '%s' on entry '%s'", cfg->backend, cfg->entry);
  free(err);
  return x;
}

/* Runs the forward graph on ctx->vals; outs gets fwd->outs.n new tensors. 0 or -1 (*err). */
static int run_fwd(gc_ctx *x, xt **outs, char **err) {
  x->nruns++;
  if (x->xf) return xl_exec_run(x->xf, (xt *const *)x->vals, outs, err);
  return ref_exec(x->fwd, CG_F64, (xt *const *)x->vals, outs, err);
}

static void free_outs(xt **o, int n) {
  for (int k = 0; k < n; k++) xt_free(o[k]);
}

/* L at the current ctx->vals; NaN if the run fails or an output is not finite. */
static double objective(gc_ctx *x) {
  int n = x->fwd->outs.n;
  xt **outs = xl_calloc((size_t)n, sizeof *outs);
  char *err = NULL;
  long double s = 0;
  if (run_fwd(x, outs, &err) != 0) s = NAN;
  for (int k = 0; k < n && !isnan((double)s); k++) {
    if (!x->W[k]) continue;
    const double *w = x->W[k]->data, *o = outs[k]->data;
    for (int64_t i = 0; i < xt_numel(x->W[k]); i++) s += (long double)w[i] * o[i];
  }
  free(err);
  free_outs(outs, n);
  free(outs);
  return (double)s;
}

/* Draws W_k ~ N(0, 1/n) for every float output (shapes from the base outputs), n the number
   of float output elements: L stays O(1) at any size, and so does its rounding noise, which
   the absolute floor GC_FLOOR of the relative error has to stay above. */
static void draw_projections(gc_ctx *x, xt **base) {
  double n = 0;
  for (int k = 0; k < x->fwd->outs.n; k++)
    if (!x->fwd->nodes.v[x->fwd->outs.v[k].node].is_int) n += (double)xt_numel(base[k]);
  double scale = 1 / sqrt(n > 1 ? n : 1);
  for (int k = 0; k < x->fwd->outs.n; k++) {
    if (x->fwd->nodes.v[x->fwd->outs.v[k].node].is_int) continue;
    xl_rng r;
    char *stream = xl_fmt("gradcheck.proj.%s", x->fwd->outs.v[k].name);
    rng_seed_param(&r, x->cfg->seed, stream);
    free(stream);
    x->W[k] = xt_new_named(x->fwd->outs.v[k].name, XT_F64, base[k]->rank, base[k]->shape);
    double *w = x->W[k]->data;
    for (int64_t i = 0; i < xt_numel(x->W[k]); i++) w[i] = scale * rng_normal(&r);
  }
}

/* Every float output of the base point is finite; else an error naming the first bad one. */
static int check_base(const gc_ctx *x, xt **base) {
  for (int k = 0; k < x->fwd->outs.n; k++) {
    const xt *t = base[k];
    for (int64_t i = 0; i < xt_numel(t); i++) {
      double v = xt_get(t, i);
      if (isfinite(v)) continue;
      char *at = drv_index_str(t->rank, t->shape, i);
      drv_error("output '%s' of entry '%s' is %s at %s at the starting point: the gradient cannot be checked",
                x->fwd->outs.v[k].name, x->cfg->entry, isnan(v) ? "NaN" : "infinite", at);
      drv_note("choose other inputs (--inputs, --seed) or smaller sizes");
      free(at);
      return XLC_EXIT_USER;
    }
  }
  return XLC_EXIT_OK;
}

/* ---- finite differences of input node `id` ---- */

/* Moves x (the live value of the node) to x0 + s * dir (dir NULL: x0 + s at element j). */
static void place(xt *x, const xt *x0, const double *dir, int64_t j, double s) {
  double *v = x->data;
  const double *v0 = x0->data;
  if (!dir) {
    v[j] = v0[j] + s;
    return;
  }
  for (int64_t m = 0; m < xt_numel(x); m++) v[m] = dir[m] != 0 ? v0[m] + s * dir[m] : v0[m];
}

/* The fourth-order central difference of L along dir (or element j) at x0; x is restored. */
static double central_diff(gc_ctx *c, xt *x, const xt *x0, const double *dir, int64_t j) {
  const double h = GC_STEP;
  double f[4], s[4] = {h, -h, 2 * h, -2 * h};
  for (int k = 0; k < 4; k++) {
    place(x, x0, dir, j, s[k]);
    f[k] = objective(c);
  }
  place(x, x0, dir, j, 0); /* exactly x0: v0 + 0 */
  return (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h);
}

static double rel_err(double ad, double fd) {
  if (!isfinite(ad) || !isfinite(fd)) return INFINITY;
  double den = fmax(fmax(fabs(ad), fabs(fd)), GC_FLOOR);
  return fabs(ad - fd) / den;
}

typedef struct {
  int64_t checks;
  double worst;      /* worst relative error */
  double ad, fd;     /* at the worst check */
  char *where;       /* "[i, j]" or "direction k" of the worst check (malloc'd) */
} gc_result;

static void note_check(gc_result *r, double ad, double fd, char *where) {
  double e = rel_err(ad, fd);
  r->checks++;
  if (r->checks == 1 || !(e <= r->worst)) {
    r->worst = e;
    r->ad = ad, r->fd = fd;
    free(r->where);
    r->where = where;
  } else {
    free(where);
  }
}

/* Every finite element of node id's value (gr: its gradient). */
static void check_elements(gc_ctx *c, int id, const xt *gr, gc_result *r) {
  xt *x = c->vals[id], *x0 = xt_convert(x, XT_F64);
  const double *v0 = x0->data, *g = gr->data;
  for (int64_t j = 0; j < xt_numel(x); j++) {
    if (!isfinite(v0[j])) continue;
    double fd = central_diff(c, x, x0, NULL, j);
    note_check(r, g[j], fd, drv_index_str(x->rank, x->shape, j));
  }
  memcpy(x->data, x0->data, sizeof(double) * (size_t)xt_numel(x));
  xt_free(x0);
}

/* K random unit directions over the finite elements of node id's value. */
static void check_directions(gc_ctx *c, int id, const xt *gr, gc_result *r) {
  xt *x = c->vals[id], *x0 = xt_convert(x, XT_F64);
  int64_t N = xt_numel(x);
  const double *v0 = x0->data, *g = gr->data;
  double *dir = xl_calloc((size_t)N, sizeof *dir);
  xl_rng rng;
  char *stream = xl_fmt("gradcheck.dir.%s", c->fwd->nodes.v[id].name);
  rng_seed_param(&rng, c->cfg->seed, stream);
  free(stream);
  for (int k = 0; k < c->cfg->dirs; k++) {
    double norm = 0;
    for (int64_t m = 0; m < N; m++) {
      dir[m] = isfinite(v0[m]) ? rng_normal(&rng) : 0;
      norm += dir[m] * dir[m];
    }
    if (!(norm > 0)) break; /* nothing finite to move */
    long double ad = 0;
    for (int64_t m = 0; m < N; m++) {
      dir[m] /= sqrt(norm);
      if (dir[m] != 0) ad += (long double)g[m] * dir[m];
    }
    double fd = central_diff(c, x, x0, dir, 0);
    note_check(r, (double)ad, fd, xl_fmt("direction %d", k + 1));
  }
  memcpy(x->data, x0->data, sizeof(double) * (size_t)N);
  free(dir);
  xt_free(x0);
}

/* ---- setting up ---- */

/* Gives every default-filled state a tensor of its fill (it gets perturbed). */
static void fill_states(gc_ctx *c) {
  for (int i = 0; i < c->fwd->nodes.n; i++) {
    const cg_node *n = &c->fwd->nodes.v[i];
    if (n->op != CG_OP_INPUT || c->vals[i]) continue;
    c->vals[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(c->vals[i]); j++) xt_set(c->vals[i], j, n->fval);
  }
}

/* --param-noise S: adds N(0, S^2) to every parameter (seeded per parameter). Zero-initialized
   gate weights make gate pre-activations tie across steps (mlstm_block: the stabilizer max
   then has operands ~1e-3 apart), and the differences step across that kink. */
static void add_noise(gc_ctx *c) {
  for (int i = 0; c->cfg->noise > 0 && i < c->fwd->nodes.n; i++) {
    const cg_node *n = &c->fwd->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind != CG_IN_PARAM) continue;
    xl_rng r;
    char *stream = xl_fmt("gradcheck.noise.%s", n->name);
    rng_seed_param(&r, c->cfg->seed, stream);
    free(stream);
    double *v = c->vals[i]->data;
    for (int64_t j = 0; j < xt_numel(c->vals[i]); j++) v[j] += c->cfg->noise * rng_normal(&r);
  }
}

/* Appends the backward pass to a copy of fwd and runs it with cotangents W; *gout gets
   grad->outs.n new tensors (forward outputs, then grad.<name>). */
static int run_grad(gc_ctx *c, xt ***gout) {
  int rc;
  c->grad = drv_graph_more(cg_clone(c->fwd), c->cfg->entry, XL_GRAD_COT, XL_STAGE_CG_GRAD, NULL, &rc);
  if (rc) return rc;
  *gout = xl_calloc((size_t)c->grad->outs.n, sizeof **gout);
  xt **gin = xl_calloc((size_t)c->grad->nodes.n, sizeof *gin);
  for (int i = 0; i < c->fwd->nodes.n; i++) gin[i] = c->vals[i];
  for (int i = c->fwd->nodes.n; i < c->grad->nodes.n && rc == 0; i++) {
    const cg_node *n = &c->grad->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    int k = n->ikind == CG_IN_COT && !strncmp(n->name, "cot.", 4) ? cg_find_output(c->fwd, n->name + 4) : -1;
    if (k < 0 || !c->W[k]) {
      drv_internal("autodiff of entry '%s' added an unexpected input '%s'", c->cfg->entry, n->name);
      rc = XLC_EXIT_INTERNAL;
    } else {
      gin[i] = c->W[k];
    }
  }
  char *err = NULL;
  xl_exec *xg = rc ? NULL : gc_prepare(c->cfg, c->grad, &rc);
  int xrc = rc ? 0 : xg ? xl_exec_run(xg, (xt *const *)gin, *gout, &err) : ref_exec(c->grad, CG_F64, (xt *const *)gin, *gout, &err);
  xl_exec_free(xg);
  if (xrc != 0)
    rc = drv_exec_failed(xrc, err, "the gradient graph of entry '%s'", c->cfg->entry);
  free(err);
  free(gin);
  return rc;
}

/* Checks one tensor, prints its line; returns 1 if it fails. */
static int check_tensor(gc_ctx *c, int id, const xt *gr, double *worst, char **worst_name, int64_t *checks) {
  const cg_node *n = &c->fwd->nodes.v[id];
  gc_result r = {0};
  if (xt_numel(c->vals[id]) <= GC_FULL) check_elements(c, id, gr, &r);
  else check_directions(c, id, gr, &r);
  int bad = r.checks > 0 && !(r.worst <= c->cfg->tol);
  char *sh = drv_shape_str(n->shape.rank, n->shape.d);
  if (r.checks == 0)
    printf("%-40s %-16s %7d checks  (no finite element)       PASS", n->name, sh, 0);
  else
    printf("%-40s %-16s %7lld checks  worst rel error %-9.3g %s", n->name, sh, (long long)r.checks, r.worst,
           bad ? "FAIL" : "PASS");
  if (bad) printf("  (at %s: autodiff %.10g, differences %.10g)", r.where, r.ad, r.fd);
  putchar('\n');
  if (r.checks && (!*worst_name || !(r.worst <= *worst))) {
    *worst = r.worst;
    *worst_name = n->name;
  }
  *checks += r.checks;
  free(sh);
  free(r.where);
  return bad;
}

/* 1 for the INPUT nodes gradcheck differentiates: float inputs, parameters, states. */
static int checked(const cg_node *n) {
  return n->op == CG_OP_INPUT && !n->is_int &&
         (n->ikind == CG_IN_INPUT || n->ikind == CG_IN_PARAM || n->ikind == CG_IN_STATE);
}

static int compare_all(gc_ctx *c, xt **gout) {
  int nbad = 0, ntens = 0;
  int64_t checks = 0;
  double worst = 0;
  char *worst_name = NULL;
  for (int i = 0; i < c->fwd->nodes.n; i++) {
    const cg_node *n = &c->fwd->nodes.v[i];
    if (!checked(n)) continue;
    char *gname = xl_fmt("grad.%s", n->name);
    int go = cg_find_output(c->grad, gname);
    free(gname);
    if (go < 0) {
      drv_internal("autodiff of entry '%s' gives no gradient of '%s'", c->cfg->entry, n->name);
      return XLC_EXIT_INTERNAL;
    }
    ntens++;
    nbad += check_tensor(c, i, gout[go], &worst, &worst_name, &checks);
  }
  printf("gradcheck %s: %d tensor%s, %lld checks, %d forward runs, worst rel error %.3g%s%s%s (tolerance %g): %s\n",
         c->cfg->entry, ntens, ntens == 1 ? "" : "s", (long long)checks, c->nruns, worst, worst_name ? " (" : "",
         worst_name ? worst_name : "", worst_name ? ")" : "", c->cfg->tol, nbad ? "FAIL" : "PASS");
  if (nbad) drv_error("%d of %d tensor%s above the tolerance %g", nbad, ntens, ntens == 1 ? "" : "s", c->cfg->tol);
  return nbad ? XLC_EXIT_USER : XLC_EXIT_OK;
}

/* Reads an optional safetensors file and rejects NaN/Inf in it. */
static int read_tensors(const char *path, xt_list *l) {
  if (!path) return XLC_EXIT_OK;
  char *err = NULL;
  if (st_read(path, l, &err) != 0) {
    drv_error("%s", err ? err : "cannot read safetensors file");
    free(err);
    return XLC_EXIT_USER;
  }
  return run_check_finite(path, l) ? XLC_EXIT_USER : XLC_EXIT_OK;
}

static int gradcheck(const gc_cfg *cfg) {
  drv_src s;
  xt_list fin = {0}, fpar = {0}, empty = {0};
  gc_ctx c = {cfg, NULL, NULL, NULL, NULL, 0, NULL};
  xt **base = NULL, **gout = NULL;
  char *err = NULL;
  int rc = XLC_EXIT_USER;

  if (drv_src_load(&s, cfg->file) != 0) goto out;
  if (read_tensors(cfg->inputs, &fin) || read_tensors(cfg->params, &fpar)) goto out;
  if (drv_src_parse(&s) != 0) goto out;
  c.fwd = drv_graph(&s, cfg->entry, &cfg->sets, (xt *const *)fin.v.v, fin.v.n, XL_GRAD_NONE, XL_STAGE_CG, &rc);
  if (!c.fwd) goto out;
  c.vals = xl_calloc((size_t)c.fwd->nodes.n, sizeof *c.vals);
  run_bind_ctx bc = {cfg->entry, cfg->inputs, cfg->params, NULL, &fin, &fpar, &empty, cfg->seed, XT_F64, 1};
  if ((rc = run_bind(c.fwd, &bc, c.vals)) != 0) goto out;
  fill_states(&c);
  add_noise(&c);
  c.xf = gc_prepare(cfg, c.fwd, &rc);
  if (rc) goto out;

  int nout = c.fwd->outs.n;
  base = xl_calloc((size_t)nout, sizeof *base);
  int xrc = run_fwd(&c, base, &err);
  if (xrc != 0) {
    rc = drv_exec_failed(xrc, err, "the reference executor on entry '%s'", cfg->entry);
    goto out;
  }
  if ((rc = check_base(&c, base)) != 0) goto out;
  c.W = xl_calloc((size_t)nout, sizeof *c.W);
  draw_projections(&c, base);
  if ((rc = run_grad(&c, &gout)) != 0) goto out;
  printf("objective: random projections of %d output%s (seed %llu); fourth-order central differences, h = %g\n",
         nout, nout == 1 ? "" : "s", (unsigned long long)cfg->seed, GC_STEP);
  rc = compare_all(&c, gout);
out:
  if (base) free_outs(base, c.fwd->outs.n);
  if (gout) {
    for (int k = 0; c.grad && k < c.grad->outs.n; k++) xt_free(gout[k]);
  }
  free(base);
  free(gout);
  if (c.W)
    for (int k = 0; k < c.fwd->outs.n; k++) xt_free(c.W[k]);
  free(c.W);
  if (c.vals)
    for (int i = 0; i < c.fwd->nodes.n; i++) xt_free(c.vals[i]);
  free(c.vals);
  free(err);
  xl_exec_free(c.xf);
  if (c.grad) cg_free(c.grad);
  if (c.fwd) cg_free(c.fwd);
  xtl_free(&fin);
  xtl_free(&fpar);
  drv_src_free(&s);
  return rc;
}

int cmd_gradcheck(int argc, char **argv) {
  drv_args a;
  gc_cfg c = {0};
  int rc = XLC_EXIT_USER;
  if (drv_args_parse(&a, argc, argv, "gradcheck", gc_opts) == 0) {
    if (a.help) {
      usage_gradcheck(stdout);
      rc = XLC_EXIT_OK;
    } else {
      rc = parse_cfg(&a, &c);
      if (rc == XLC_EXIT_OK) rc = gradcheck(&c);
    }
  }
  if (fflush(stdout) != 0 && rc == XLC_EXIT_OK) {
    drv_error("cannot write to stdout");
    rc = XLC_EXIT_USER;
  }
  drv_sets_free(&c.sets);
  drv_args_free(&a);
  return rc;
}
