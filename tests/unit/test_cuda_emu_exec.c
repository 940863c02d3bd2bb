/* test_cuda_emu_exec.c - the cuda-emu backend (runtime/cuda/exec_cuda.c) on stdlib cells: the
 * sLSTM and mLSTM cells forward and with gradients (f64) agree with ref (cpu_vs_ref.h's
 * compare: 1e-10 relative to the output's largest magnitude), every kernel step runs as
 * emitted CUDA C on the emulator (kernels > 0, none interpreted), and each run launches the
 * same number of kernels (launch counting); a graph of gather, scatter_add, one_hot, pad,
 * concat, cumsum and logcumsumexp in f64 and f32 likewise (none interpreted). Registered
 * with the CPU backend (cuda-emu walks plans with the CPU executor).
 */
#include "check.h"
#include "cpu_vs_ref.h"

static double extra(const xl_exec_stats *st, const char *name) {
  for (int i = 0; i < st->nextra; i++)
    if (!strcmp(st->extra[i].name, name)) return st->extra[i].value;
  return -1;
}

static void one(const char *entry, int grad) {
  const char *srcdir = getenv("XLC_SOURCE_DIR"), *f = __FILE__, *cut = strstr(f, "tests/unit/");
  char *path = srcdir && *srcdir ? xl_fmt("%s/stdlib/xlstm.xl", srcdir)
                                 : xl_fmt("%.*sstdlib/xlstm.xl", cut ? (int)(cut - f) : 0, f);
  const char *rerr = NULL;
  size_t len = 0;
  char *text = xl_read_file(path, &len, &rerr);
  CHECK(text, "cannot read %s", path);
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = text ? lang_parse(&ar, path, text, &d) : NULL;
  lang_set sets[2] = {{"B", "2"}, {"T", "3"}};
  cg_graph *g = file && !d.nerr ? pt_graph(&ar, file, &d, entry, sets, 2, NULL, 0, grad ? XL_GRAD_COT : XL_GRAD_NONE,
                                           XL_STAGE_CG_GRAD, NULL)
                                : NULL;
  CHECK(g, "%s: lowering", entry);
  if (g) {
    xl_rng rng;
    rng_seed(&rng, 5);
    int N = g->nodes.n;
    xt **in = xl_calloc((size_t)N + 1, sizeof(xt *));
    for (int i = 0; i < N; i++) {
      const cg_node *n = &g->nodes.v[i];
      if (n->op != CG_OP_INPUT || n->ikind == CG_IN_STATE) continue;
      in[i] = xt_new_named(n->name, XT_F64, n->shape.rank, n->shape.d);
      for (int64_t j = 0; j < xt_numel(in[i]); j++) xt_set(in[i], j, 0.5 * rng_normal(&rng));
    }
    xt **ro = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *)), **eo = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
    char *err = NULL;
    xl_exec *r = xl_exec_prepare(xl_backend_find("ref"), g, CG_F64, NULL, &err);
    CHECK(r && xl_exec_run(r, in, ro, &err) == 0, "ref: %s", err ? err : "");
    free(err), err = NULL;
    xl_exec *x = xl_exec_prepare(xl_backend_find("cuda-emu"), g, CG_F64, pt_options(), &err);
    CHECK(x, "cuda-emu prepare: %s", err ? err : "");
    free(err), err = NULL;
    for (int rep = 0; x && rep < 2; rep++) {
      CHECK(xl_exec_run(x, in, eo, &err) == 0, "cuda-emu run: %s", err ? err : "");
      free(err), err = NULL;
      for (int k = 0; k < g->outs.n; k++)
        if (ro[k] && eo[k]) cvr_compare(g->outs.v[k].name, eo[k], ro[k], 1e-10);
    }
    if (x) {
      xl_exec_stats st = xl_exec_get_stats(x);
      double launches = extra(&st, "emu-launches"), interp = extra(&st, "kernels-interpreted");
      printf("%s%s on cuda-emu: %d kernels, %.0f launches in 2 runs, %.0f interpreted\n", entry, grad ? " (grad)" : "",
             st.kernels, launches, interp);
      CHECK(st.kernels > 0 && interp == 0, "%s: %d kernels, %.0f interpreted", entry, st.kernels, interp);
      CHECK(launches > 0 && (long)launches % 2 == 0 && st.runs == 2, "%s: %.0f launches in %ld runs", entry, launches,
            st.runs);
    }
    xl_exec_free(x), xl_exec_free(r);
    for (int i = 0; i < N; i++) xt_free(in[i]);
    for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]), xt_free(eo[k]);
    free(in), free(ro), free(eo);
    cg_free(g);
  }
  xl_arena_free(&ar);
  free(text), free(path);
}

/* The data-dependent ops and scans (kir.h INDEX/LOADX/STOREX, scan nests) as emitted CUDA C:
   gather, scatter_add (repeated indices), one_hot, pad, concat, cumsum (reversed) and
   logcumsumexp (along the outer axis), f64 and f32, against ref; none interpreted. */
static void indexed(cg_dtype dt) {
  static const xl_loc L0 = {0};
  static const double IX[] = {3, 0, 3, 1, 4, 3};
  cg_graph *g = cg_new();
  int tab = cg_input(g, CG_IN_INPUT, "tab", 0, cg_shape_of(2, (const int64_t[]){5, 3}), L0);
  int idx = cg_input(g, CG_IN_INPUT, "idx", 0, cg_shape_of(1, (const int64_t[]){6}), L0);
  int gr = cg_input(g, CG_IN_INPUT, "gr", 0, cg_shape_of(2, (const int64_t[]){6, 3}), L0);
  int x = cg_input(g, CG_IN_INPUT, "x", 0, cg_shape_of(2, (const int64_t[]){4, 9}), L0);
  g->nodes.v[idx].is_int = 1;
  cg_output_add(g, "gather", cg_gather(g, tab, idx));
  cg_output_add(g, "scatter", cg_scatter_add(g, gr, idx, 5));
  cg_output_add(g, "onehot", cg_one_hot(g, idx, 5));
  cg_output_add(g, "pad", cg_pad(g, x, 1, 2, 1));
  int two[2] = {tab, gr};
  cg_output_add(g, "concat", cg_concat(g, 2, two, 0));
  cg_output_add(g, "cumsum", cg_cumulative(g, CG_OP_CUMSUM, x, 1, 1));
  cg_output_add(g, "lcse", cg_cumulative(g, CG_OP_LOGCUMSUMEXP, x, 0, 0));
  xl_rng rng;
  rng_seed(&rng, 9);
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    in[i] = xt_new_named(n->name, dt == CG_F64 ? XT_F64 : XT_F32, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++) xt_set(in[i], j, i == idx ? IX[j % 6] : rng_normal(&rng));
  }
  xt **ro = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *)), **eo = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  xl_exec *r = xl_exec_prepare(xl_backend_find("ref"), g, dt, NULL, &err);
  CHECK(r && xl_exec_run(r, in, ro, &err) == 0, "ref: %s", err ? err : "");
  free(err), err = NULL;
  xl_exec *e = xl_exec_prepare(xl_backend_find("cuda-emu"), g, dt, pt_options(), &err);
  CHECK(e && xl_exec_run(e, in, eo, &err) == 0, "cuda-emu: %s", err ? err : "");
  free(err);
  for (int k = 0; k < g->outs.n; k++)
    if (ro[k] && eo[k]) cvr_compare(g->outs.v[k].name, eo[k], ro[k], dt == CG_F64 ? 1e-12 : 1e-5);
  if (e) {
    xl_exec_stats st = xl_exec_get_stats(e);
    double interp = extra(&st, "kernels-interpreted");
    printf("gather/scatter_add/one_hot/pad/concat/cumsum/logcumsumexp %s on cuda-emu: %d kernels, %.0f interpreted\n",
           dt == CG_F64 ? "f64" : "f32", st.kernels, interp);
    CHECK(st.kernels > 0 && interp == 0, "indexed: %d kernels, %.0f interpreted", st.kernels, interp);
  }
  xl_exec_free(e), xl_exec_free(r);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]), xt_free(eo[k]);
  free(in), free(ro), free(eo);
  cg_free(g);
}

int main(void) {
  setenv("XLC_CUDA_EMU", "1", 1); /* the row is opt-in */
  one("slstm_cell", 0);
  one("slstm_cell", 1);
  one("mlstm_cell", 1);
  indexed(CG_F64);
  indexed(CG_F32);
  return fails != 0;
}
