/* test_cuda_emu_guard.c - the emulated GPU's guarded memory (runtime/cuda/cuda_dev.h) and the
 * plan walker on it (exec_cpu.c on a device of kind XL_DEV_GPU, the row cuda-emu).
 *
 *  - the guard: a host read of emulated device memory outside a device operation kills a
 *    forked child with SIGSEGV (or, under AddressSanitizer, its report and exit status) after
 *    the handler's "host access to emulated device memory"; inside open/close it reads the
 *    value copied there; a copy the wrong way round (H2D into host memory) aborts naming it;
 *  - the walker: a graph with a reference step (tril), einsums that
 *    are no GEMM (contract_flops 0: ref einsum steps), a scan over axis 1 at batch 2 (its step
 *    slices are not contiguous: 2-D copies), a gather (its indices checked on a host copy) and
 *    a decode-style second run that reuses the first run's output tensors in place and feeds
 *    the final state back as the state input (the same tensor), in f64 and f32, equals
 *    ref_exec (cpu_vs_ref.h tolerances) without faulting, with the staged steps counted
 *    (host-staged-steps > 0) and no kernel interpreted;
 *  - PAD and CONCAT as reference steps (an empty operand, more pieces than nest_maxbuf) run on the device (zero fill, 2-D
 *    copies), equal to ref and not staged. Registered with the CPU backend.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cpu_vs_ref.h"
#include "cuda_dev.h"

static double extra(const xl_exec_stats *st, const char *name) {
  for (int i = 0; i < st->nextra; i++)
    if (!strcmp(st->extra[i].name, name)) return st->extra[i].value;
  return -1;
}

/* runs fn in a child; its stderr (up to n bytes) into buf; returns the wait status */
static int in_child(void (*fn)(void), char *buf, size_t n) {
  int fd[2];
  if (pipe(fd)) return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 2);
    fn();
    _exit(0); /* not reached when the guard works */
  }
  close(fd[1]);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < n && (r = read(fd[0], buf + got, n - 1 - got)) > 0) got += (size_t)r;
  buf[got] = 0;
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return st;
}

static volatile double sink;

static void host_read(void) {
  const xl_device *d = xl_dev_cuda_emu();
  double one = 1, *p = d->alloc(sizeof one, 64);
  d->copy(p, &one, sizeof one, XL_COPY_H2D);
  sink = *(volatile double *)p; /* the walker's kind of mistake */
}

static void wrong_way(void) {
  const xl_device *d = xl_dev_cuda_emu();
  double one = 1, host = 0;
  d->copy(&host, &one, sizeof one, XL_COPY_H2D); /* the destination is host memory */
}

static void guard(void) {
  char out[4096];
  int st = in_child(host_read, out, sizeof out);
  int died = WIFSIGNALED(st) ? WTERMSIG(st) == SIGSEGV : WIFEXITED(st) && WEXITSTATUS(st) != 0;
  CHECK(died && strstr(out, "host access to emulated device memory"),
        "a host read of device memory: status %#x, stderr: %s", st, out);
  st = in_child(wrong_way, out, sizeof out);
  CHECK(!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && strstr(out, "copy destination") &&
            strstr(out, "not emulated device memory"),
        "an H2D copy into host memory: status %#x, stderr: %s", st, out);
  /* inside a device operation the memory is there */
  const xl_device *d = xl_dev_cuda_emu();
  double v = 2.5, back = 0, *p = d->alloc(sizeof v, 64);
  d->copy(p, &v, sizeof v, XL_COPY_H2D);
  xl_dev_cuda_emu_open();
  back = *p;
  xl_dev_cuda_emu_close();
  CHECK(back == 2.5 && xl_dev_cuda_emu_owns(p, sizeof v) && !xl_dev_cuda_emu_owns(&v, sizeof v), "open/close: %g", back);
  d->free(p);
}

static const char *const SRC =
    "cell acc(N) {\n"
    "  in u: [N]\n"
    "  state h: [N] = 0.5\n"
    "  h' = h * 0.9 + tanh(u)\n"
    "  out o = h'\n"
    "}\n"
    "block mix(D, V) {\n"
    "  in x: [T, D]\n"
    "  in idx: int[T]\n"
    "  param tab: [V, D] = normal(0, 1)\n"
    "  let c = acc(N = D)\n"
    "  let y = scan c over T (u = x)\n" /* [B, T, D]: step slices strided at B = 2 */
    "  out y2 = y\n"
    "  out e1 = einsum(\"td,tde->te\", x, einsum(\"td,te->tde\", x, y))\n"
    "  out e2 = einsum(\"tde,ted->t\", einsum(\"td,te->tde\", x, y), einsum(\"td,te->tde\", y, x))\n"
    "  out m = einsum(\"tu,u...->t...\", tril(T), x)\n"
    "  out g = gather(tab, idx) + x\n"
    "}\n";

static void walker(cg_dtype dt) {
  xl_arena ar = {0};
  lang_diag d;
  diag_init(&d, stderr);
  ast *file = lang_parse(&ar, "guard.xl", SRC, &d);
  lang_set sets[4] = {{"T", "5"}, {"D", "4"}, {"V", "7"}, {"B", "2"}};
  cg_graph *g = file && !d.nerr ? pt_graph(&ar, file, &d, "mix", sets, 4, NULL, 0, XL_GRAD_NONE, XL_STAGE_CG_GRAD, NULL)
                                : NULL;
  CHECK(g, "lowering");
  if (!g) {
    xl_arena_free(&ar);
    return;
  }
  xl_options o = *pt_options();
  o.target.contract_flops = 0; /* no contraction kernels: einsums that are no GEMM are ref steps */
  xl_rng rng;
  rng_seed(&rng, 3);
  int N = g->nodes.n, state = -1;
  xt **in = xl_calloc((size_t)N + 1, sizeof(xt *));
  for (int i = 0; i < N; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    if (n->ikind == CG_IN_STATE) {
      state = i;
      continue;
    }
    in[i] = xt_new_named(n->name, dt == CG_F64 ? XT_F64 : XT_F32, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++)
      xt_set(in[i], j, n->is_int ? (double)((j * 3 + 1) % 7) : rng_normal(&rng));
  }
  CHECK(state >= 0, "the scan's state is an input");
  int M = g->outs.n, sout = -1;
  for (int k = 0; k < M && state >= 0; k++)
    if (!strcmp(g->outs.v[k].name, g->nodes.v[state].name)) sout = k;
  CHECK(sout >= 0, "the final state is an output");
  xt **ro = xl_calloc((size_t)M + 1, sizeof(xt *)), **eo = xl_calloc((size_t)M + 1, sizeof(xt *));
  char *err = NULL;
  xl_exec *r = xl_exec_prepare(xl_backend_find("ref"), g, dt, NULL, &err);
  CHECK(r && xl_exec_run(r, in, ro, &err) == 0, "ref: %s", err ? err : "");
  free(err), err = NULL;
  xl_exec *x = xl_exec_prepare(xl_backend_find("cuda-emu"), g, dt, &o, &err);
  CHECK(x && xl_exec_run(x, in, eo, &err) == 0, "cuda-emu: %s", err ? err : "");
  free(err), err = NULL;
  double tol = dt == CG_F64 ? 1e-10 : 1e-5;
  for (int k = 0; k < M; k++)
    if (ro[k] && eo[k]) cvr_compare(g->outs.v[k].name, eo[k], ro[k], tol);
  /* decode-style: the outputs reused in place, the final state fed back as the state input */
  if (x && sout >= 0 && eo[sout]) {
    xt *kept[64];
    for (int k = 0; k < M && k < 64; k++) kept[k] = eo[k];
    in[state] = xt_convert(eo[sout], eo[sout]->dtype); /* ref's input: the state before the second run */
    for (int k = 0; k < M; k++) xt_free(ro[k]), ro[k] = NULL;
    CHECK(xl_exec_run(r, in, ro, &err) == 0, "ref (2): %s", err ? err : "");
    free(err), err = NULL;
    xt *st = in[state];
    in[state] = eo[sout]; /* the same tensor is the state input and its reused output */
    CHECK(xl_exec_run(x, in, eo, &err) == 0, "cuda-emu (2): %s", err ? err : "");
    free(err), err = NULL;
    in[state] = st;
    for (int k = 0; k < M && k < 64; k++) CHECK(eo[k] == kept[k], "output %s not reused", g->outs.v[k].name);
    for (int k = 0; k < M; k++)
      if (ro[k] && eo[k]) cvr_compare(g->outs.v[k].name, eo[k], ro[k], tol);
  }
  if (x) {
    xl_exec_stats st = xl_exec_get_stats(x);
    double staged = extra(&st, "host-staged-steps"), interp = extra(&st, "kernels-interpreted");
    double launches = extra(&st, "emu-launches");
    const kp_plan *p = xl_exec_plan(x);
    int ref_ein = 0;
    for (int i = 0; p && i < p->steps.n; i++)
      ref_ein += p->steps.v[i].kind == KP_REF && g->nodes.v[p->steps.v[i].node].op == CG_OP_EINSUM;
    printf("guarded cuda-emu %s: %d kernels, %.0f launches, %.0f host-staged steps (%.0f bytes), %d ref einsums\n",
           dt == CG_F64 ? "f64" : "f32", st.kernels, launches, staged, extra(&st, "host-staged-bytes"), ref_ein);
    CHECK(ref_ein >= 2 && staged > 0 && interp == 0 && launches > 0, "staged %.0f, interpreted %.0f, ref einsums %d",
          staged, interp, ref_ein);
  }
  xl_exec_free(x), xl_exec_free(r);
  for (int i = 0; i < N; i++) xt_free(in[i]);
  for (int k = 0; k < M; k++) xt_free(ro[k]), xt_free(eo[k]);
  free(in), free(ro), free(eo);
  cg_free(g);
  xl_arena_free(&ar);
}

/* PAD and CONCAT as reference steps (a pad of an empty operand; a concat of more pieces than
   nest_maxbuf allows): on the device as a zero fill and 2-D copies, not staged */
static void pad_concat(cg_dtype dt) {
  static const xl_loc L0 = {0};
  cg_graph *g = cg_new();
  int a = cg_input(g, CG_IN_INPUT, "a", 0, cg_shape_of(3, (const int64_t[]){2, 5, 3}), L0);
  int b = cg_input(g, CG_IN_INPUT, "b", 0, cg_shape_of(3, (const int64_t[]){2, 4, 3}), L0);
  int c = cg_input(g, CG_IN_INPUT, "c", 0, cg_shape_of(3, (const int64_t[]){2, 1, 3}), L0);
  int z = cg_input(g, CG_IN_INPUT, "z", 0, cg_shape_of(3, (const int64_t[]){2, 0, 3}), L0);
  cg_output_add(g, "pad", cg_pad(g, z, 1, 2, 1)); /* an empty operand: a reference step */
  int four[4] = {a, b, z, c};
  cg_output_add(g, "concat", cg_concat(g, 4, four, 1)); /* 5 buffers > nest_maxbuf */
  xl_rng rng;
  rng_seed(&rng, 4);
  xt **in = xl_calloc((size_t)g->nodes.n + 1, sizeof(xt *));
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT) continue;
    in[i] = xt_new_named(n->name, dt == CG_F64 ? XT_F64 : XT_F32, n->shape.rank, n->shape.d);
    for (int64_t j = 0; j < xt_numel(in[i]); j++) xt_set(in[i], j, rng_normal(&rng));
  }
  xl_options o = *pt_options();
  o.target.nest_maxbuf = 4;
  xt **ro = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *)), **eo = xl_calloc((size_t)g->outs.n + 1, sizeof(xt *));
  char *err = NULL;
  xl_exec *r = xl_exec_prepare(xl_backend_find("ref"), g, dt, NULL, &err);
  CHECK(r && xl_exec_run(r, in, ro, &err) == 0, "ref: %s", err ? err : "");
  free(err), err = NULL;
  xl_exec *e = xl_exec_prepare(xl_backend_find("cuda-emu"), g, dt, &o, &err);
  CHECK(e && xl_exec_run(e, in, eo, &err) == 0, "cuda-emu: %s", err ? err : "");
  free(err);
  for (int k = 0; k < g->outs.n; k++)
    if (ro[k] && eo[k]) cvr_compare(g->outs.v[k].name, eo[k], ro[k], dt == CG_F64 ? 1e-15 : 1e-7);
  const kp_plan *p = e ? xl_exec_plan(e) : NULL;
  int refs = 0;
  for (int i = 0; p && i < p->steps.n; i++) {
    int op = g->nodes.v[p->steps.v[i].node].op;
    refs += p->steps.v[i].kind == KP_REF && (op == CG_OP_PAD || op == CG_OP_CONCAT);
  }
  xl_exec_stats st = e ? xl_exec_get_stats(e) : (xl_exec_stats){0};
  printf("pad/concat %s as reference steps on guarded cuda-emu: %d steps, %.0f staged\n", dt == CG_F64 ? "f64" : "f32",
         refs, extra(&st, "host-staged-steps"));
  CHECK(refs == 2 && extra(&st, "host-staged-steps") == 0, "pad/concat: %d reference steps, %.0f staged", refs,
        extra(&st, "host-staged-steps"));
  xl_exec_free(e), xl_exec_free(r);
  for (int i = 0; i < g->nodes.n; i++) xt_free(in[i]);
  for (int k = 0; k < g->outs.n; k++) xt_free(ro[k]), xt_free(eo[k]);
  free(in), free(ro), free(eo);
  cg_free(g);
}

int main(void) {
  setenv("XLC_CUDA_EMU", "1", 1); /* the row is opt-in */
  guard();
  walker(CG_F64);
  walker(CG_F32);
  pad_concat(CG_F64);
  pad_concat(CG_F32);
  return fails != 0;
}
