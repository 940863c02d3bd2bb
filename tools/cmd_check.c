/* cmd_check.c - `xlc check FILE...`: parse each file and check every definition.
 *
 * Input: .xl files. Output: "FILE: ok (N definitions)" per clean file on stdout; the
 * diagnostics of the front end on stderr otherwise. Exit 1 if any file has an error.
 * Lowers nothing and runs nothing.
 */
#include "driver.h"

void usage_check(FILE *out) {
  fprintf(out,
          "usage: xlc check FILE.xl...\n"
          "\n"
          "Parses each file and checks every definition: names, arities, and the shapes of\n"
          "definitions whose configuration parameters all have defaults, those of imported\n"
          "files (import \"path.xl\", import xlstm) included.\n"
          "Prints 'FILE: ok (N definitions)' for a clean file; errors are reported as\n"
          "file:line:col: error: message, with the source line and a caret.\n"
          "\n"
          "exit status: 0 all files clean, 1 errors found or a file is unreadable\n");
}

static int check_one(const char *path) {
  drv_src s;
  if (drv_src_load(&s, path) != 0) {
    drv_src_free(&s);
    return XLC_EXIT_USER;
  }
  int nerr = drv_src_parse(&s);
  if (nerr == 0) nerr = lang_check(&s.ar, s.file, &s.diag);
  if (s.diag.nerr > nerr) nerr = s.diag.nerr; /* trust whichever count is larger */
  int rc = XLC_EXIT_USER;
  if (nerr == 0) {
    int ndefs = s.file ? s.file->list.n : 0;
    printf("%s: ok (%d definition%s)\n", path, ndefs, ndefs == 1 ? "" : "s");
    rc = XLC_EXIT_OK;
  }
  drv_src_free(&s);
  return rc;
}

int cmd_check(int argc, char **argv) {
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "check", NULL) != 0) {
    drv_args_free(&a);
    return XLC_EXIT_USER;
  }
  if (a.help) {
    usage_check(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  if (a.pos.n == 0) {
    drv_error("'xlc check' needs a file");
    usage_check(stderr);
    drv_args_free(&a);
    return XLC_EXIT_USER;
  }
  int rc = XLC_EXIT_OK;
  for (int i = 0; i < a.pos.n; i++)
    if (check_one(a.pos.v[i]) != XLC_EXIT_OK) rc = XLC_EXIT_USER;
  drv_args_free(&a);
  return rc;
}
