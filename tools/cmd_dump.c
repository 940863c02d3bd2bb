/* cmd_dump.c - `xlc dump FILE [ENTRY] --stage=S`: print one pipeline stage as text.
 *
 * Stages: tokens and ast (whole file, no ENTRY), cg (the lowered cell graph of ENTRY, free
 * dimensions from --set), cg-grad (cg plus the backward pass), cg-opt (cg, or cg-grad --loss
 * with --loss, after the cg-opt stage), kplan and kir (the kernel plan of cg-opt; kir adds
 * every kernel's KIR), mlir (the MLIR text of every
 * fused kernel of that plan, in --dtype), cuda (the CUDA C of every fused kernel for sm_90,
 * compiler/kir_cuda.h, in --dtype, bf16 too), mem (the memory plan of that plan: regions, offsets,
 * lifetimes, the workspace peak, for --dtype element sizes). The text goes to stdout and is
 * what golden tests compare; nothing is printed there when a stage fails. Later stages of the
 * pipeline are listed but report "not available yet". Every stage from cg on is xl_compile
 * (compiler/pipeline.h) run through that stage; this file only prints the module it returns.
 */
#include <string.h>

#include "cg.h"
#include "driver.h"
#include "kir_cuda.h"
#include "kplan.h"
#include "memplan.h"

typedef enum { ST_TOKENS, ST_AST, ST_CG, ST_CG_GRAD, ST_CG_OPT, ST_KPLAN, ST_KIR, ST_MLIR, ST_MEM, ST_CUDA, ST_LATER } stage_id;

static const struct {
  const char *name;
  stage_id id;
} stages[] = {
    {"tokens", ST_TOKENS}, {"ast", ST_AST},     {"cg", ST_CG},     {"cg-grad", ST_CG_GRAD},
    {"cg-opt", ST_CG_OPT},  {"kplan", ST_KPLAN}, {"mem", ST_MEM},   {"kir", ST_KIR},
    {"mlir", ST_MLIR},     {"cuda", ST_CUDA},
};
#define NSTAGES ((int)(sizeof stages / sizeof stages[0]))

void usage_dump(FILE *out) {
  fprintf(out,
          "usage: xlc dump FILE.xl [ENTRY] --stage=STAGE [--set NAME=VALUE]... [--loss]\n"
          "                [--dtype f32|f64] [--target cpu|cuda]\n"
          "\n"
          "Prints one stage of the pipeline as deterministic text on stdout.\n"
          "\n"
          "stages:\n"
          "  tokens    one token per line (no ENTRY needed)\n"
          "  ast       the syntax tree (no ENTRY needed)\n"
          "  cg        the cell graph of ENTRY, verified\n"
          "  cg-grad   the cell graph of ENTRY with the backward pass appended, verified\n"
          "  cg-opt    the cell graph of ENTRY, or with --loss its training graph (cg-grad\n"
          "            --loss), after folding, common subexpressions and dead code (scan\n"
          "            bodies included); --stats prints the node counts first\n"
          "  kplan     the kernel plan (GEMMs, fused kernels, views, reference steps) of the\n"
          "            cg-opt graph of ENTRY (with --loss: of its training graph)\n"
          "  kir       kplan with the KIR of every fused kernel\n"
          "  mem       the memory plan of kplan: parameter, gradient and input blocks, the\n"
          "            workspace offset and live steps of every value, the peak and totals\n"
          "  mlir      the MLIR module of every fused kernel of kplan (scan bodies included),\n"
          "            each after a comment line naming the kernel and the nodes it fuses\n"
          "  cuda      the CUDA C of every fused kernel of kplan for sm_90 (compiler/kir_cuda.h),\n"
          "            each after the same comment line; --dtype f32|f64|bf16\n"
          "\n"
          "options:\n"
          "  --stage=STAGE      the stage to print (required)\n"
          "  --set NAME=VALUE   a configuration parameter of ENTRY or a free dimension\n"
          "                     (e.g. --set B=2 --set T=4); repeatable, the last one wins\n"
          "  --loss             cg-grad: differentiate the scalar output 'loss' instead of\n"
          "                     seeding every output with a cotangent input 'cot.NAME';\n"
          "                     kplan, kir, mlir, mem: plan the training graph (cg-grad --loss)\n"
          "  --dtype f32|f64    mlir, cuda (also bf16): element type of the kernels; mem: of\n"
          "                     the values\n"
          "                     (default f32)\n"
          "  --stats            cg-opt: a first line '// cg-opt: nodes N -> M (...)'\n"
          "                     (counts include scan bodies)\n"
          "  --target cpu|cuda  kplan, kir, mlir, mem, cuda: plan for this target (default\n"
          "                     cpu; cuda: compiler/options.h kp_target_cuda, persistent scans)\n"
          "\n"
          "XLC_CG_OPT=0 in the environment skips the cg-opt stage (cg-opt, kplan, kir, mem,\n"
          "mlir and every executing command then see the unoptimized graph).\n"
          "\n"
          "exit status: 0 ok, 1 errors in the file or the command line, 2 internal error\n");
}

static const drv_optspec dump_opts[] = {{"stage", 1}, {"set", 1}, {"loss", 0}, {"dtype", 1}, {"stats", 0}, {"target", 1}, {NULL, 0}};

static void list_stages(FILE *out) {
  fprintf(out, "valid stages:");
  for (int i = 0; i < NSTAGES; i++)
    if (stages[i].id != ST_LATER) fprintf(out, " %s", stages[i].name);
  fprintf(out, "\n");
}

/* --stage=mlir: one kernel (the plan walker calls this for every step, in the order of the
   module's kernel texts) */
typedef struct {
  const xl_module *m;
  int next; /* index of the next kernel text */
} mlir_walk;

static int print_mlir(const kp_plan *p, int step, const char *where, double reps, void *ud) {
  (void)reps;
  mlir_walk *w = ud;
  if (p->steps.v[step].kind != KP_KERNEL) return 0;
  const xl_kernel_text *k = &w->m->kern.v[w->next++];
  XL_ASSERT(k->plan == p && k->step == step);
  drv_kernel_comment(p, step, where, stdout);
  fputs(k->text, stdout);
  return 0;
}

/* --stage=cuda: every kernel's CUDA C (sm_90, the dtype), into out; -1 on an emit error
   (printed) */
typedef struct {
  kcu_dtype dt;
  FILE *out;
  int failed;
} cuda_walk;

static int print_cuda(const kp_plan *p, int step, const char *where, double reps, void *ud) {
  (void)reps;
  cuda_walk *w = ud;
  if (p->steps.v[step].kind != KP_KERNEL) return 0;
  char *err = NULL, *src = kcu_emit(p->steps.v[step].kir, w->dt, kcu_target_find("sm_90"), &drv_options()->emit, NULL, &err);
  if (!src) {
    drv_internal("%s", err);
    free(err);
    w->failed = 1;
    return 1;
  }
  drv_kernel_comment(p, step, where, w->out);
  fputs(src, w->out);
  free(src);
  return 0;
}

/* The pipeline through `stop` (cg, cg-grad, cg-opt: the graph; kplan, kir (kir: with the KIR
   of every kernel): the kernel plan of the optimized graph; mem: its memory plan; emit: the
   MLIR of its kernels); stats: the cg-opt counts first. */
static int dump_graph(drv_src *s, const char *entry, const drv_sets *sets, xl_grad grad, xl_stage stop, int kir,
                      int stats, cg_dtype dt, const kcu_dtype *cuda) {
  xl_request r = {0};
  r.entry = entry, r.sets = sets->v.v, r.nsets = sets->v.n, r.grad = grad, r.stop = stop, r.dt = dt;
  xl_module m;
  int rc = drv_compile(s, &r, &m);
  const cg_opt_stats *st = &m.opt;
  if (rc == XLC_EXIT_OK && stats)
    printf("// cg-opt: nodes %d -> %d (folded %d, merged %d, dead %d; scan results dropped %d, scan "
           "operands dropped %d)\n",
           st->nodes_before, st->nodes_after, st->folded, st->merged, st->dead, st->scan_outs_removed,
           st->scan_ins_removed);
  if (rc == XLC_EXIT_OK && stop <= XL_STAGE_CG_OPT) cg_dump(m.g, stdout);
  if (rc == XLC_EXIT_OK && stop == XL_STAGE_KPLAN && cuda) { /* printed only when every kernel emits */
    char *buf = NULL;
    size_t len = 0;
    cuda_walk w = {*cuda, open_memstream(&buf, &len), 0};
    drv_plan_walk(m.plan, print_cuda, &w);
    fclose(w.out);
    if (w.failed) rc = XLC_EXIT_INTERNAL;
    else fwrite(buf, 1, len, stdout);
    free(buf);
  } else if (rc == XLC_EXIT_OK && stop == XL_STAGE_KPLAN)
    kp_dump(m.plan, stdout, kir);
  if (rc == XLC_EXIT_OK && stop == XL_STAGE_MEM) mp_dump(m.mp, stdout);
  if (rc == XLC_EXIT_OK && stop == XL_STAGE_EMIT) {
    mlir_walk w = {&m, 0};
    drv_plan_walk(m.plan, print_mlir, &w);
  }
  xl_module_free(&m);
  return rc;
}

int cmd_dump(int argc, char **argv) {
  drv_args a;
  drv_sets sets = {0};
  drv_src s = {0};
  const char *stage = NULL;
  int loss = 0, rc = XLC_EXIT_USER, dtype_set = 0, stats = 0;
  cg_dtype dt = CG_F32;
  kcu_dtype cdt = KCU_F32;
  if (drv_args_parse(&a, argc, argv, "dump", dump_opts) != 0) goto out;
  if (a.help) {
    usage_dump(stdout);
    rc = XLC_EXIT_OK;
    goto out;
  }
  for (int i = 0; i < a.opts.n; i++) {
    const drv_opt *o = &a.opts.v[i];
    if (strcmp(o->name, "stage") == 0)
      stage = o->val;
    else if (strcmp(o->name, "set") == 0) {
      if (drv_sets_add(&sets, o->val) != 0) goto out;
    } else if (strcmp(o->name, "loss") == 0)
      loss = 1;
    else if (strcmp(o->name, "stats") == 0)
      stats = 1;
    else if (strcmp(o->name, "target") == 0) {
      if (strcmp(o->val, "cpu") && strcmp(o->val, "cuda")) {
        drv_error("unknown --target '%s' (expected cpu or cuda)", o->val);
        goto out;
      }
      xl_options opt = *drv_options(); /* the planning target of every planned stage */
      opt.target = strcmp(o->val, "cuda") ? kp_target_cpu() : kp_target_cuda();
      drv_options_set(&opt);
    }
    else if (strcmp(o->name, "dtype") == 0) {
      dtype_set = 1;
      if (kcu_dtype_parse(o->val, &cdt) && cdt == KCU_BF16)
        dt = CG_F32; /* --stage=cuda only: checked below */
      else if (strcmp(o->val, "f32") == 0)
        dt = CG_F32;
      else if (strcmp(o->val, "f64") == 0)
        dt = CG_F64;
      else {
        drv_error("unknown dtype '%s' (expected f32 or f64; bf16 for --stage=cuda)", o->val);
        goto out;
      }
    }
  }
  if (a.pos.n == 0 || a.pos.n > 2) {
    drv_error(a.pos.n ? "'xlc dump' takes FILE and at most one ENTRY" : "'xlc dump' needs a file");
    usage_dump(stderr);
    goto out;
  }
  if (!stage) {
    drv_error("'xlc dump' needs --stage=STAGE");
    list_stages(stderr);
    goto out;
  }
  int sid = -1;
  for (int i = 0; i < NSTAGES; i++)
    if (strcmp(stages[i].name, stage) == 0) sid = (int)stages[i].id;
  if (sid < 0 || sid == ST_LATER) {
    if (sid < 0)
      drv_error("unknown stage '%s'", stage);
    else
      drv_error("stage '%s' is not available yet", stage);
    list_stages(stderr);
    goto out;
  }
  const char *path = a.pos.v[0], *entry = a.pos.n > 1 ? a.pos.v[1] : NULL;
  int planned = sid == ST_KPLAN || sid == ST_KIR || sid == ST_MLIR || sid == ST_MEM || sid == ST_CUDA;
  if (cdt == KCU_BF16 && sid != ST_CUDA) {
    drv_error("--dtype bf16 is for --stage=cuda only");
    goto out;
  }
  if ((sid == ST_CG || sid == ST_CG_GRAD || sid == ST_CG_OPT || planned) && !entry) {
    drv_error("--stage=%s needs an ENTRY (the name of a cell, block or model)", stage);
    goto out;
  }
  if (loss && sid != ST_CG_GRAD && sid != ST_CG_OPT && !planned)
    drv_warn("--loss only matters for --stage=cg-grad, cg-opt, kplan, kir, mlir and mem");
  if (stats && sid != ST_CG_OPT) {
    drv_warn("--stats only matters for --stage=cg-opt");
    stats = 0;
  }
  if (dtype_set && sid != ST_MLIR && sid != ST_MEM && sid != ST_CUDA)
    drv_warn("--dtype only matters for --stage=mlir, mem and cuda");
  if (drv_src_load(&s, path) != 0) goto out;

  if (sid == ST_TOKENS) {
    /* tokens go to a buffer so that nothing reaches stdout when the lexer fails */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) {
      drv_internal("cannot create a memory stream");
      rc = XLC_EXIT_INTERNAL;
      goto out;
    }
    lang_dump_tokens(path, s.text, mem, &s.diag);
    fclose(mem);
    if (s.diag.nerr == 0) fwrite(buf, 1, len, stdout);
    free(buf);
    rc = s.diag.nerr ? XLC_EXIT_USER : XLC_EXIT_OK;
    goto out;
  }
  if (sid == ST_AST) { /* this file's AST: its imports as written, not the imported definitions */
    s.file = lang_parse(&s.ar, s.path, s.text, &s.diag);
    if (s.diag.nerr) goto out;
    ast_dump(s.file, stdout);
    rc = XLC_EXIT_OK;
    goto out;
  }
  if (drv_src_parse(&s) != 0) goto out;
  /* cg-grad without --loss: cotangent mode; the later stages differentiate only with --loss */
  xl_grad grad = loss ? XL_GRAD_LOSS : sid == ST_CG_GRAD ? XL_GRAD_COT : XL_GRAD_NONE;
  xl_stage stop = sid == ST_CG ? XL_STAGE_CG : sid == ST_CG_GRAD ? XL_STAGE_CG_GRAD : sid == ST_CG_OPT ? XL_STAGE_CG_OPT
                  : sid == ST_MEM ? XL_STAGE_MEM : sid == ST_MLIR ? XL_STAGE_EMIT : XL_STAGE_KPLAN;
  if (sid == ST_CG) grad = XL_GRAD_NONE;
  rc = dump_graph(&s, entry, &sets, grad, stop, sid == ST_KIR, stats, dt, sid == ST_CUDA ? &cdt : NULL);
out:
  if (fflush(stdout) != 0 && rc == XLC_EXIT_OK) {
    drv_error("cannot write to stdout");
    rc = XLC_EXIT_USER;
  }
  drv_src_free(&s);
  drv_sets_free(&sets);
  drv_args_free(&a);
  return rc;
}
