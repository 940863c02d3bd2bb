/* test_cuda_emu_exec.c - the cuda-emu backend (runtime/cuda/exec_cuda.c) on stdlib cells: the
 * sLSTM and mLSTM cells forward and with gradients (f64) agree with ref (cpu_vs_ref.h's
 * compare: 1e-10 relative to the output's largest magnitude), every kernel step runs as
 * emitted CUDA C on the emulator (kernels > 0, none interpreted), and each run launches the
 * same number of kernels (launch counting). Registered with the CPU backend (cuda-emu walks
 * plans with the CPU executor).
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

int main(void) {
  setenv("XLC_CUDA_EMU", "1", 1); /* the row is opt-in */
  one("slstm_cell", 0);
  one("slstm_cell", 1);
  one("mlstm_cell", 1);
  return fails != 0;
}
