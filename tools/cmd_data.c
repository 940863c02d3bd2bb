/* cmd_data.c - `xlc data`: show what a task's batches look like (tokens and scored targets). */
#include <stdlib.h>
#include <string.h>

#include "train_args.h"

void usage_data(FILE *out) {
  fprintf(out,
          "usage: xlc data SPEC [--split train|validation|test] [--batch-index K] [--rows N] [options]\n"
          "\n"
          "Prints rows of batch K of a task (docs/data.md): the vocabulary, the random-guess accuracy,\n"
          "and per row its length, tokens, and the scored positions as position:target.\n"
          "SPEC: parity | modarith | evenpairs | cycle | mqar | bytes:PATH | tokens:PATH\n"
          "options: --seed N, --min-len, --max-len, --test-min-len, --test-max-len, --context, --pairs,\n"
          "         --data-vocab, --val-frac (as in `xlc train`)\n");
}

int cmd_data(int argc, char **argv) {
  static const drv_optspec spec[] = {{"split", 1}, {"batch-index", 1}, {"rows", 1}, {"seed", 1}, {"min-len", 1},
                                     {"max-len", 1}, {"test-min-len", 1}, {"test-max-len", 1}, {"context", 1},
                                     {"pairs", 1}, {"data-vocab", 1}, {"val-frac", 1}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "data", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_data(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  int rc = XLC_EXIT_OK, rows = 4;
  long long k = 0;
  data_split split = DATA_TRAIN;
  for (int i = 0; i < a.opts.n; i++) {
    const char *n = a.opts.v[i].name, *v = a.opts.v[i].val;
    if (!strcmp(n, "split")) {
      if (!strcmp(v, "train")) split = DATA_TRAIN;
      else if (!strcmp(v, "validation")) split = DATA_VAL;
      else if (!strcmp(v, "test")) split = DATA_TEST;
      else {
        drv_error("--split must be train, validation or test, got '%s'", v);
        rc = XLC_EXIT_USER;
      }
    } else if (!strcmp(n, "batch-index") || !strcmp(n, "rows")) {
      char *e;
      long long x = strtoll(v, &e, 10);
      if (e == v || *e || x < 0) {
        drv_error("--%s: '%s' is not a non-negative integer", n, v);
        rc = XLC_EXIT_USER;
      } else if (n[0] == 'b') {
        k = x;
      } else {
        rows = (int)x;
      }
    }
  }
  trn_cfg c; /* the data options and --seed, parsed as `xlc train` does */
  trn_cfg_default(&c);
  if (rc == 0 && trn_cfg_from_args(&c, &a, 0) != 0) rc = XLC_EXIT_USER;
  data_opts o = c.data;
  if (rc == 0 && (a.pos.n != 1 || rows < 1)) {
    drv_error("expected one task SPEC (and --rows >= 1)");
    rc = XLC_EXIT_USER;
  }
  data_source *ds = NULL;
  char *err = NULL;
  if (rc == 0 && data_open(a.pos.v[0], &o, &ds, &err) != 0) {
    drv_error("%s", err ? err : "cannot open the data");
    rc = XLC_EXIT_USER;
  }
  free(err);
  err = NULL;
  data_batch b = {0};
  if (rc == 0 && data_draw(ds, split, k, rows, &b, &err) != 0) {
    drv_error("%s", err ? err : "cannot draw the batch");
    rc = XLC_EXIT_USER;
  }
  free(err);
  if (rc == 0) {
    const data_info *di = data_source_info(ds);
    printf("%s, %s split, batch %lld: vocab %d, random-guess accuracy %.4g, rows of length %d-%d\n", di->name,
           data_split_name(split), k, di->vocab, di->r, di->min_len[split], di->max_len[split]);
    for (int r = 0; r < b.B; r++) {
      printf("row %d (length %d)\n  tokens:", r, b.len[r]);
      for (int t = 0; t < b.len[r]; t++) printf(" %d", b.tokens[(int64_t)r * b.T + t]);
      printf("\n  scored:");
      for (int t = 0; t < b.len[r]; t++)
        if (b.targets[(int64_t)r * b.T + t] >= 0) printf(" %d:%d", t, b.targets[(int64_t)r * b.T + t]);
      printf("\n");
    }
  }
  data_batch_free(&b);
  data_close(ds);
  trn_cfg_free(&c);
  drv_args_free(&a);
  return rc;
}
