/* cmd_dump.c - `xlc dump FILE [ENTRY] --stage=S`: print one pipeline stage as text.
 *
 * Stages: tokens and ast (whole file, no ENTRY), cg (the lowered cell graph of ENTRY, free
 * dimensions from --set), cg-grad (cg plus the backward pass), kplan and kir (the kernel plan
 * of cg, or of cg-grad with --loss; kir adds every kernel's KIR). The text goes to stdout
 * and is what golden tests compare; nothing is printed there when a stage fails. Later
 * stages of the pipeline are listed but report "not available yet".
 */
#include <string.h>

#include "cg.h"
#include "driver.h"
#include "kplan.h"

typedef enum { ST_TOKENS, ST_AST, ST_CG, ST_CG_GRAD, ST_KPLAN, ST_KIR, ST_LATER } stage_id;

static const struct {
  const char *name;
  stage_id id;
} stages[] = {
    {"tokens", ST_TOKENS}, {"ast", ST_AST},     {"cg", ST_CG},     {"cg-grad", ST_CG_GRAD},
    {"cg-opt", ST_LATER},  {"kplan", ST_KPLAN}, {"mem", ST_LATER}, {"kir", ST_KIR},
    {"mlir", ST_LATER},    {"cuda", ST_LATER},
};
#define NSTAGES ((int)(sizeof stages / sizeof stages[0]))

void usage_dump(FILE *out) {
  fprintf(out,
          "usage: xlc dump FILE.xl [ENTRY] --stage=STAGE [--set NAME=VALUE]... [--loss]\n"
          "\n"
          "Prints one stage of the pipeline as deterministic text on stdout.\n"
          "\n"
          "stages:\n"
          "  tokens    one token per line (no ENTRY needed)\n"
          "  ast       the syntax tree (no ENTRY needed)\n"
          "  cg        the cell graph of ENTRY, verified\n"
          "  cg-grad   the cell graph of ENTRY with the backward pass appended, verified\n"
          "  kplan     the kernel plan (GEMMs, fused kernels, views, reference steps) of the\n"
          "            cell graph of ENTRY, or with --loss of its training graph (cg-grad --loss)\n"
          "  kir       kplan with the KIR of every fused kernel\n"
          "\n"
          "options:\n"
          "  --stage=STAGE      the stage to print (required)\n"
          "  --set NAME=VALUE   a configuration parameter of ENTRY or a free dimension\n"
          "                     (e.g. --set B=2 --set T=4); repeatable, the last one wins\n"
          "  --loss             cg-grad: differentiate the scalar output 'loss' instead of\n"
          "                     seeding every output with a cotangent input 'cot.NAME';\n"
          "                     kplan, kir: plan the training graph (cg-grad --loss)\n"
          "\n"
          "exit status: 0 ok, 1 errors in the file or the command line, 2 internal error\n");
}

static const drv_optspec dump_opts[] = {{"stage", 1}, {"set", 1}, {"loss", 0}, {NULL, 0}};

static void list_stages(FILE *out) {
  fprintf(out, "valid stages:");
  for (int i = 0; i < NSTAGES; i++)
    if (stages[i].id != ST_LATER) fprintf(out, " %s", stages[i].name);
  fprintf(out, "\n");
}

/* cg / cg-grad: the graph; kplan / kir (plan != 0): its kernel plan (plan 2: with KIR). */
static int dump_graph(drv_src *s, const char *entry, const drv_sets *sets, int grad, int loss, int plan) {
  int rc;
  cg_graph *g = drv_lower(s, entry, sets, NULL, 0, &rc);
  if (!g) return rc;
  if (grad) rc = drv_backward(g, entry, loss);
  if (rc == XLC_EXIT_OK && !plan) cg_dump(g, stdout);
  if (rc == XLC_EXIT_OK && plan) {
    kp_plan *p = kp_build(g);
    kp_dump(p, stdout, plan == 2);
    kp_free(p);
  }
  cg_free(g);
  return rc;
}

int cmd_dump(int argc, char **argv) {
  drv_args a;
  drv_sets sets = {0};
  drv_src s = {0};
  const char *stage = NULL;
  int loss = 0, rc = XLC_EXIT_USER;
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
  if ((sid == ST_CG || sid == ST_CG_GRAD || sid == ST_KPLAN || sid == ST_KIR) && !entry) {
    drv_error("--stage=%s needs an ENTRY (the name of a cell, block or model)", stage);
    goto out;
  }
  if (loss && sid != ST_CG_GRAD && sid != ST_KPLAN && sid != ST_KIR)
    drv_warn("--loss only matters for --stage=cg-grad, kplan and kir");
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
  if (drv_src_parse(&s) != 0) goto out;
  if (sid == ST_AST) {
    ast_dump(s.file, stdout);
    rc = XLC_EXIT_OK;
    goto out;
  }
  if (sid == ST_KPLAN || sid == ST_KIR)
    rc = dump_graph(&s, entry, &sets, loss, loss, sid == ST_KIR ? 2 : 1);
  else
    rc = dump_graph(&s, entry, &sets, sid == ST_CG_GRAD, loss, 0);
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
