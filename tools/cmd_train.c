/* cmd_train.c - `xlc train`: its options into trainer settings (trainer.h trn_cfg: a resumed
 * checkpoint's, then --config's, then the options'), the outputs checked before anything is
 * trained, then the training loop (runtime/train/train_loop.c trn_train).
 */
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "train_args.h"

void usage_train(FILE *out) {
  fprintf(out,
          "usage: xlc train [FILE.xl ENTRY] --task SPEC [options]\n"
          "       xlc train --config EXPERIMENT.yaml [FILE.xl ENTRY] [options]\n"
          "       xlc train --resume --out DIR [options]\n"
          "\n"
          "Trains ENTRY (default: the stdlib's xlstm_lm_at for built-in tasks, xlstm_lm for files) on\n"
          "a built-in task or a file and writes to DIR: ckpt.safetensors (parameters under official names, AdamW state, configuration and\n"
          "the .xl source text), metrics.csv, plot.svg (loss and accuracy, refreshed at every\n"
          "evaluation) and results.json (final test metrics).\n"
          "\n"
          "data (docs/data.md):\n"
          "  --task SPEC            parity | modarith | evenpairs | cycle | mqar | bytes:PATH | tokens:PATH\n"
          "  --min-len N --max-len N          training/validation lengths of formal tasks (3, 40)\n"
          "  --test-min-len N --test-max-len N  test (extrapolation) lengths (41, 256)\n"
          "  --context N --pairs N  mqar: sequence length and key-value pairs; files: window length\n"
          "  --data-vocab N         task vocabulary (mqar: 8192)\n"
          "  --val-frac F           files: fraction kept for validation (0.1)\n"
          "model:\n"
          "  --set NAME=VALUE       configuration of ENTRY (e.g. --set E=64 --set L=2 --set slstm_at=[1]);\n"
          "                         V defaults to the task's vocabulary\n"
          "  --backend %s      executor (default %s)   --dtype f32|f64 (default f32)\n"
          "  --config FILE          an experiment file in the official xlstm layout (YAML or JSON, ${...}\n"
          "                         interpolations): model: gives the settings (xlstm_lm_at / xlstm_lm, or\n"
          "                         xlstm_large), training: and dataset: the options below; options and\n"
          "                         --set given explicitly override the file (docs/training.md)\n"
          "optimization:\n"
          "  --steps N (1000)  --batch B (32)  --accum K (1: micro-batches per step)\n"
          "  --lr X (1e-3)  --lr-min X (lr/10)  --warmup N (steps/20)  --weight-decay X (0.1)\n"
          "  --decay-embedding (also decay token_embedding.weight)  --clip X (1.0; 0 = off)\n"
          "  --seed N (0: parameters and data)\n"
          "  --init CKPT            start from these parameters (an xlc checkpoint or a state dict with\n"
          "                         official names; fresh optimizer and schedule): fine-tuning, stages;\n"
          "                         without FILE ENTRY, also the model an xlc checkpoint stores\n"
          "  --warm-steps S --warm-len L   length warm-up: the first S steps train on rows of length\n"
          "                         <= L (formal tasks; batches stay a pure function of seed and step)\n"
          "evaluation and output:\n"
          "  --eval-every N (100)  --eval-batches N (4)  --test-batches N (8)  --log-every N (10)\n"
          "  --out DIR (runs/train)  --resume (continue from DIR/ckpt.safetensors; settings come from\n"
          "  the checkpoint, options given again override them)\n"
          "  --no-causal-check      skip the check, before training, that changing a later token changes\n"
          "                         no earlier logits (as 'xlc check --causal'; an error stops the run)\n"
          "\n"
          "Threads: XLC_NUM_THREADS (results are bit-identical for a fixed count). Ctrl-C stops after\n"
          "the current step and writes a checkpoint.\n",
          xl_backend_names("|"), xl_backend_default());
}

/* ---- the command ---- */
int cmd_train(int argc, char **argv) {
  static const drv_optspec spec[] = {
      {"task", 1}, {"min-len", 1}, {"max-len", 1}, {"test-min-len", 1}, {"test-max-len", 1}, {"context", 1},
      {"pairs", 1}, {"data-vocab", 1}, {"val-frac", 1}, {"set", 1}, {"backend", 1}, {"dtype", 1}, {"steps", 1},
      {"batch", 1}, {"accum", 1}, {"lr", 1}, {"lr-min", 1}, {"warmup", 1}, {"weight-decay", 1},
      {"decay-embedding", 0}, {"clip", 1}, {"seed", 1}, {"eval-every", 1}, {"eval-batches", 1},
      {"test-batches", 1}, {"log-every", 1}, {"out", 1}, {"resume", 0}, {"warm-steps", 1}, {"warm-len", 1}, {"init", 1},
      {"config", 1}, {"no-causal-check", 0}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "train", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_train(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  trn_cfg c;
  trn_cfg_default(&c);
  const char *out_dir = "runs/train", *config = NULL;
  int resume = 0, causal = 1;
  for (int i = 0; i < a.opts.n; i++) {
    if (!strcmp(a.opts.v[i].name, "no-causal-check")) causal = 0;
    if (!strcmp(a.opts.v[i].name, "out")) out_dir = a.opts.v[i].val;
    if (!strcmp(a.opts.v[i].name, "resume")) resume = 1;
    if (!strcmp(a.opts.v[i].name, "config")) config = a.opts.v[i].val;
  }
  char *ckpt_path = xl_fmt("%s/ckpt.safetensors", out_dir), *csv_path = xl_fmt("%s/metrics.csv", out_dir),
       *plot_path = xl_fmt("%s/plot.svg", out_dir), *res_path = xl_fmt("%s/results.json", out_dir);
  const char *outputs[] = {ckpt_path, csv_path, plot_path, res_path};
  for (int i = 0; i < 4; i++) xl_remove_stale_temps(outputs[i]); /* of an earlier run killed while writing */
  int rc = XLC_EXIT_OK;
  ckpt ck = {0};
  char *err = NULL;
  /* every output is checked before training: a directory, FIFO or device at one of them is
     an error now, not after hours of training (they are checked again when written) */
  for (int i = 0; i < 4 && rc == 0; i++)
    if (xl_output_check(outputs[i], &err) != 0) {
      drv_error("%s", err);
      rc = XLC_EXIT_USER;
    }
  if (rc == 0 && resume) {
    if (ckpt_read(ckpt_path, &ck, &err) != 0) {
      drv_error("%s", err ? err : "cannot read the checkpoint");
      rc = XLC_EXIT_USER;
    } else if (!ck.is_xlc || !ckpt_has_optim(&ck) || !ckpt_meta(&ck, "trainer")) {
      drv_error("--resume: %s is not a training checkpoint of xlc (no optimizer state or trainer settings)",
                ckpt_path);
      rc = XLC_EXIT_USER;
    } else if (trn_cfg_from_ckpt(&c, &ck, ckpt_path) != 0) {
      rc = XLC_EXIT_USER;
    }
  }
  drv_config conf = {0};
  if (rc == 0 && config) { /* the file first: options given explicitly override it */
    if (resume) {
      drv_error("--resume takes the model and settings from the checkpoint; do not give --config");
      rc = XLC_EXIT_USER;
    } else if (a.pos.n == 0 || a.pos.n == 2) {
      rc = drv_config_load(&conf, config, a.pos.n ? a.pos.v[0] : NULL, a.pos.n ? a.pos.v[1] : NULL);
      if (rc == 0 && trn_cfg_from_config(&c, &conf, a.pos.n == 2) != 0) rc = XLC_EXIT_USER;
    }
  }
  if (rc == 0 && trn_cfg_from_args(&c, &a, 1) != 0) rc = XLC_EXIT_USER;
  c.model_from_init = !resume && !config && a.pos.n == 0; /* --init CKPT alone: its stored model */
  drv_config_free(&conf);
  if (rc == 0 && !c.task) {
    drv_error("--task is required (parity, modarith, evenpairs, cycle, mqar, bytes:PATH, tokens:PATH)");
    rc = XLC_EXIT_USER;
  }
  free(err);
  trn_paths paths = {out_dir, ckpt_path, csv_path, plot_path, res_path};
  if (rc == 0) rc = trn_train(&c, &paths, resume ? &ck : NULL, causal);
  ckpt_free(&ck);
  trn_cfg_free(&c);
  free(ckpt_path);
  free(csv_path);
  free(plot_path);
  free(res_path);
  drv_args_free(&a);
  return rc;
}
