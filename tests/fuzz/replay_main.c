/* replay_main.c - runs the fuzz harness (fuzz_frontend.c) on saved inputs, without libFuzzer.
 *
 * usage: fuzz_replay PATH...   where each PATH is an input file or a directory of them
 * (not recursive; hidden files skipped). Used by the CTest `fuzz.replay` over
 * tests/fuzz/corpus/, and to reproduce a finding under a debugger. Exit 0 when every input
 * ran (a crash aborts the process), 1 when an input could not be read or none was given.
 * The last line says how many inputs ran and how far their entries got through the pipeline.
 */
#include "xl_util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_frontend_report(FILE *out); /* fuzz_frontend.c */

static int run_file(const char *path) {
  size_t len = 0;
  const char *err = NULL;
  char *buf = xl_read_file(path, &len, &err);
  if (!buf) {
    fprintf(stderr, "fuzz_replay: %s: %s\n", path, err);
    return 0;
  }
  LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
  free(buf);
  return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs every regular file of dir in name order; returns how many ran, -1 on error. */
static int run_dir(const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) {
    perror(dir);
    return -1;
  }
  XL_VEC(char *) names = {0};
  struct dirent *e;
  while ((e = readdir(dp)))
    if (e->d_name[0] != '.') xl_vec_push(names, xl_fmt("%s/%s", dir, e->d_name));
  closedir(dp);
  if (names.n > 1) qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
  int n = 0, bad = 0;
  for (int i = 0; i < names.n; i++) {
    struct stat st;
    if (stat(names.v[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(names.v[i])) n++;
      else bad = 1;
    }
    free(names.v[i]);
  }
  free(names.v);
  return bad ? -1 : n;
}

int main(int argc, char **argv) {
  int total = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      bad = 1;
    } else if (S_ISDIR(st.st_mode)) {
      int n = run_dir(argv[i]);
      if (n < 0) bad = 1;
      else total += n;
    } else if (run_file(argv[i])) {
      total++;
    } else {
      bad = 1;
    }
  }
  printf("fuzz_replay: %d input(s) replayed; ", total);
  fuzz_frontend_report(stdout);
  printf("\n");
  if (total == 0) fprintf(stderr, "fuzz_replay: no inputs (usage: fuzz_replay FILE|DIR...)\n");
  return bad || total == 0;
}
