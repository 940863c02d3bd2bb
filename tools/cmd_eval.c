/* cmd_eval.c - `xlc eval`: loss, accuracy and scaled accuracy of a checkpoint on a task split. */
#include <string.h>

#include "train_args.h"

void usage_eval(FILE *out) {
  fprintf(out,
          "usage: xlc eval CKPT.safetensors [FILE.xl ENTRY] [--task SPEC] [--split S] [options]\n"
          "\n"
          "Evaluates a model on batches of a task split: loss (mean over scored positions), accuracy\n"
          "and scaled accuracy (acc - r) / (1 - r) with r the accuracy of random guessing. The\n"
          "model (its stored .xl source), task and data settings come from an xlc checkpoint; options\n"
          "override them, FILE ENTRY its model (parameters matched by name and shape; a plain state\n"
          "dict needs FILE ENTRY, --set and --task).\n"
          "\n"
          "options:\n"
          "  --task SPEC             parity | modarith | evenpairs | cycle | mqar | bytes:PATH | tokens:PATH\n"
          "  --split S               test (default; extrapolation lengths) | validation | train\n"
          "  --batches N             batches to evaluate (default: the run's --test-batches)\n"
          "  --batch B               rows per batch (default: the run's)\n"
          "  --min-len, --max-len, --test-min-len, --test-max-len, --context, --pairs,\n"
          "  --data-vocab, --val-frac, --seed    data settings as in `xlc train`\n"
          "  --set NAME=VALUE  --backend %s  --dtype f32|f64\n"
          "  --config FILE           a plain state dict's model from an experiment file's model:\n"
          "                          section (official layout, docs/training.md) instead of FILE ENTRY\n"
          "                          and --set (which still override it); ignored for xlc checkpoints\n",
          xl_backend_names("|"));
}

int cmd_eval(int argc, char **argv) {
  static const drv_optspec spec[] = {{"task", 1}, {"split", 1}, {"batches", 1}, {"batch", 1}, {"min-len", 1},
                                     {"max-len", 1}, {"test-min-len", 1}, {"test-max-len", 1}, {"context", 1},
                                     {"pairs", 1}, {"data-vocab", 1}, {"val-frac", 1}, {"seed", 1}, {"set", 1},
                                     {"backend", 1}, {"dtype", 1}, {"config", 1}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "eval", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_eval(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  int rc = XLC_EXIT_OK, nb = -1;
  data_split split = DATA_TEST;
  for (int i = 0; i < a.opts.n; i++) {
    const char *n = a.opts.v[i].name, *v = a.opts.v[i].val;
    if (!strcmp(n, "split")) {
      if (!strcmp(v, "test")) split = DATA_TEST;
      else if (!strcmp(v, "validation")) split = DATA_VAL;
      else if (!strcmp(v, "train")) split = DATA_TRAIN;
      else {
        drv_error("--split must be test, validation or train, got '%s'", v);
        rc = XLC_EXIT_USER;
      }
    } else if (!strcmp(n, "batches")) {
      nb = atoi(v);
      if (nb < 1) {
        drv_error("--batches must be a positive integer, got '%s'", v);
        rc = XLC_EXIT_USER;
      }
    }
  }
  if (rc == 0 && a.pos.n != 1 && a.pos.n != 3) {
    drv_error("expected CKPT.safetensors [FILE.xl ENTRY]");
    rc = XLC_EXIT_USER;
  }
  trn_cfg c;
  trn_cfg_default(&c);
  mdl m;
  memset(&m, 0, sizeof m);
  int open = 0;
  if (rc == 0 && (rc = trn_open_checkpoint(&m, &c, &a, "eval")) == 0) open = 1;
  if (rc == 0 && !c.task) {
    drv_error("%s records no task: give --task", a.pos.v[0]);
    rc = XLC_EXIT_USER;
  }
  data_source *ds = NULL;
  char *err = NULL;
  if (rc == 0 && data_open(c.task, &c.data, &ds, &err) != 0) {
    drv_error("%s", err ? err : "cannot open the data");
    rc = XLC_EXIT_USER;
  }
  free(err);
  const data_info *di = ds ? data_source_info(ds) : NULL;
  if (rc == 0 && !di->has_split[split]) {
    drv_error("%s has no %s split", c.task, data_split_name(split));
    rc = XLC_EXIT_USER;
  }
  if (rc == 0 && m.vocab > 0 && m.vocab < di->vocab) {
    drv_error("the model's vocabulary (%d) is smaller than the task's (%d)", m.vocab, di->vocab);
    rc = XLC_EXIT_USER;
  }
  trn_metrics tm = {0};
  if (nb < 0) nb = split == DATA_TEST ? c.test_batches : c.eval_batches;
  if (rc == 0) rc = trn_evaluate(&m, ds, split, nb, c.batch, &tm);
  if (rc == 0)
    printf("%s %s on %s, %s split (lengths %d-%d, %d batches of %d, %lld scored positions): loss %.4f, accuracy "
           "%.4f, scaled accuracy %.4f (random guessing %.3g)\n",
           m.entry, c.sets_desc ? c.sets_desc : "", c.task, data_split_name(split), di->min_len[split],
           di->max_len[split], nb, c.batch, (long long)tm.scored, tm.loss, tm.acc, (tm.acc - di->r) / (1 - di->r),
           di->r);
  data_close(ds);
  if (open) mdl_free(&m);
  trn_cfg_free(&c);
  drv_args_free(&a);
  return rc;
}
