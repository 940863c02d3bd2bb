/* test_ein_kernel.c - two-operand einsums above the target's contract_flops that are neither one
 * GEMM, strided BLAS calls nor a real matrix product on copies: before, they ran on the
 * reference interpreter's loops inside the compiled plan; now each is a contraction kernel
 * (kplan.c contract_kernel) whose loops follow the larger operand's layout. For each shape
 * (RG-LRU's parallel form "tud,ud->td" at T = 40 and at T = 8 with a large batch, a label
 * summed in one operand alone: each of these fell back before; and as regressions full memory
 * mixing "bk,bgjk->gbj" with b = 1, which BLAS runs, and a batch of small matrix-vector
 * products whose vector is the first operand, a thin-GEMM kernel), forward and backward:
 * (1) the plan (cg-opt graph, kp_build for the CPU target) has no interpreter compute step and
 *     every einsum above contract_flops is a kernel, a GEMM or BLAS calls;
 * (2) the compiled CPU executor agrees with ref_exec (cpu_vs_ref.h), f64 and f32, forward and
 *     backward (random cotangents).
 */
#include <string.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "kplan.h"

typedef struct {
  const char *src, *entry;
  const char *sets[4];
} ecase;

static const ecase CASES[] = {
    {"block rg(T = 40, D = 64) {\n"
     "  in w: [T, T, D]\n  in b: [T, D]\n"
     "  out y = einsum(\"tud,ud->td\", w, b)\n}\n",
     "rg", {"B=4", NULL}},
    {"block rgs(T = 8, D = 48) {\n"
     "  in w: [T, T, D]\n  in b: [T, D]\n"
     "  out y = einsum(\"tud,ud->td\", exp(w), b)\n}\n",
     "rgs", {"B=128", NULL}},
    {"block mix(K = 128, G = 4, J = 128) {\n"
     "  in x: [1, K]\n  param w: [1, G, J, K] = normal(0, 0.1)\n"
     "  out y = tanh(einsum(\"bk,bgjk->gbj\", x, w))\n}\n",
     "mix", {"B=8", NULL}},
    {"block one(T = 40, C = 4, D = 32) {\n"
     "  in x: [T, T, C]\n  in y: [T, D]\n"
     "  out z = einsum(\"tuc,ud->td\", x, y)\n}\n",
     "one", {"B=2", NULL}},
    {"block mv(T = 4, D = 16, E = 48) {\n"
     "  in v: [E]\n  in m: [T, D, E]\n"
     "  out z = einsum(\"e,tde->td\", v, m)\n}\n",
     "mv", {"B=128", NULL}},
};

/* The step that computes node id in p (or a scan body), or NULL. */
static const kp_step *step_of(const kp_plan *p, int id) {
  for (int i = 0; i < p->steps.n; i++)
    for (int j = 0; j < p->steps.v[i].nodes.n; j++)
      if (p->steps.v[i].nodes.v[j] == id) return &p->steps.v[i];
  return NULL;
}

static void print_fallback(const kp_plan *p, int step, const char *why, void *ud) {
  const cg_node *n = &p->g->nodes.v[p->steps.v[step].node];
  fprintf(stderr, "  %s: %%%d %s: %s\n", (const char *)ud, p->steps.v[step].node, cg_ops[n->op].name, why);
}

static void check_plan(const ecase *c, int grad) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "ein.xl", c->src, &d);
  lang_set sets[4];
  char buf[4][32];
  int ns = 0;
  for (; c->sets[ns]; ns++) {
    snprintf(buf[ns], sizeof buf[ns], "%s", c->sets[ns]);
    char *eq = strchr(buf[ns], '=');
    *eq = 0;
    sets[ns].key = buf[ns];
    sets[ns].val = eq + 1;
  }
  cg_graph *g = file ? pt_graph(&ar, file, &d, c->entry, sets, ns, NULL, 0, grad ? XL_GRAD_COT : XL_GRAD_NONE,
                                XL_STAGE_CG_OPT, NULL)
                     : NULL;
  CHECK(g, "%s: no graph", c->entry);
  if (g) {
    kp_plan *p = kp_build(g, &pt_options()->target);
    int nf = kp_fallbacks(p, print_fallback, (void *)c->entry), big = 0;
    CHECK(nf == 0, "%s%s: %d interpreter compute steps", c->entry, grad ? " (grad)" : "", nf);
    for (int i = 0; i < g->nodes.n; i++) {
      const cg_node *n = &g->nodes.v[i];
      if (n->op != CG_OP_EINSUM) continue;
      double flops = 2;
      const cg_shape *s[3] = {&g->nodes.v[n->in[0]].shape, &g->nodes.v[n->in[1]].shape, &n->shape};
      int64_t seen[64] = {0};
      for (int o = 0; o < 3; o++)
        for (int q = 0; q < s[o]->rank; q++)
          if (!seen[n->a[8 * o + q]]++) flops *= (double)s[o]->d[q];
      if (flops <= pt_options()->target.contract_flops) continue;
      const kp_step *st = step_of(p, i);
      big++;
      CHECK(st && (st->kind == KP_KERNEL || st->kind == KP_GEMM || (st->ein && (st->ein->direct || st->ein->gemm))),
            "%s: einsum %%%d has no compiled path", c->entry, i);
    }
    CHECK(big > 0, "%s: no einsum above contract_flops (the case tests nothing)", c->entry);
    kp_free(p);
    cg_free(g);
  }
  xl_arena_free(&ar);
}

int main(void) {
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const ecase *c = &CASES[i];
    for (int grad = 0; grad < 2; grad++) {
      check_plan(c, grad);
      for (int dt = CG_F64; dt <= CG_F32; dt++)
        CHECK(cvr_run(c->src, c->entry, c->sets, grad, (cg_dtype)dt, NULL) == 0, "%s: cvr_run", c->entry);
    }
  }
  if (!fails) printf("test_ein_kernel: OK\n");
  return fails != 0;
}
