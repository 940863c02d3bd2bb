/* test_progress.c - progress line and metrics CSV (runtime/progress.c).
 *
 * h:mm:ss formatting; the status line's fields; a non-terminal reporter logs every N steps and
 * the last step, with rate and ETA from the given clock; the CSV resume: rows after the resume
 * step are dropped, rows up to it kept, new rows append without duplicates; a changed header
 * moves the old file aside; resume_step < 0 starts over; non-finite values.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "xl_util.h"

#include "check.h"

static char tmpdir[256];

static char *slurp(const char *path) {
  const char *e = NULL;
  return xl_read_file(path, NULL, &e);
}

static void test_format(void) {
  char b[128];
  struct { double s; const char *want; } hm[] = {{0, "0:00:00"}, {59.4, "0:00:59"}, {61, "0:01:01"},
    {3661, "1:01:01"}, {359999, "99:59:59"}, {2 * 86400 + 5, "48:00:05"}, {NAN, "-:--:--"},
    {-1, "-:--:--"}, {INFINITY, "-:--:--"}};
  for (size_t i = 0; i < sizeof hm / sizeof *hm; i++) {
    prog_hms(hm[i].s, b, sizeof b);
    CHECK(strcmp(b, hm[i].want) == 0, "hms(%g) = %s, want %s", hm[i].s, b, hm[i].want);
  }
  prog_format(b, sizeof b, 120, 1000, 2.34567, 12345, 72);
  CHECK(strcmp(b, "step 120/1000  loss 2.3457  12.3k tok/s  ETA 0:01:12") == 0, "line: %s", b);
  prog_format(b, sizeof b, 1, 10, NAN, NAN, NAN);
  CHECK(strstr(b, "loss nan") && strstr(b, "- tok/s") && strstr(b, "ETA -:--:--"), "unknowns: %s", b);
}

static void test_reporter(void) {
  FILE *f = tmpfile();
  prog p;
  prog_init(&p, f, 12, 0, 5);
  CHECK(!p.tty, "tmpfile taken for a terminal");
  double t0 = p.t_start;
  for (int s = 1; s <= 12; s++) prog_step_at(&p, t0 + 0.5 * s, s, 3.0 - 0.1 * s, 1000);
  prog_clear(&p);
  rewind(f);
  char buf[4096] = "";
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  /* lines at steps 5, 10 and 12; at step 10: 10000 tokens in 5 s, 2 steps of 0.5 s left */
  int lines = 0;
  for (char *q = buf; (q = strchr(q, '\n')); q++) lines++;
  CHECK(lines == 3 && !strchr(buf, '\r'), "%d lines:\n%s", lines, buf);
  CHECK(strstr(buf, "step 5/12  loss 2.5000  2.0k tok/s  ETA 0:00:04\n"), "step 5:\n%s", buf);
  CHECK(strstr(buf, "step 10/12  loss 2.0000  2.0k tok/s  ETA 0:00:01\n"), "step 10:\n%s", buf);
  CHECK(strstr(buf, "step 12/12  loss 1.8000  2.0k tok/s  ETA 0:00:00\n"), "step 12:\n%s", buf);
}

static void rows(prog_csv *c, int from, int to) {
  char *err = NULL;
  for (int s = from; s <= to; s++) {
    double v[2] = {1.0 / s, s * 0.5};
    CHECK(prog_csv_row(c, s, v, &err) == 0, "row: %s", err ? err : "");
  }
}

static void test_csv(void) {
  char *p = xl_fmt("%s/metrics.csv", tmpdir), *warn = NULL, *err = NULL;
  const char *cols[] = {"loss", "lr"};
  prog_csv c;
  CHECK(prog_csv_open(&c, p, cols, 2, -1, &warn, &err) == 0, "open: %s", err ? err : "");
  rows(&c, 1, 10);
  prog_csv_close(&c);
  char *s = slurp(p);
  CHECK(s && strncmp(s, "step,loss,lr\n1,1,0.5\n2,0.5,1\n", 29) == 0, "fresh file:\n%s", s ? s : "(none)");
  CHECK(s && strstr(s, "\n10,0.1,5\n"), "row 10:\n%s", s ? s : "(none)");
  free(s);
  /* resume from step 6: rows 7..10 of the interrupted run go, then 7, 8 again */
  CHECK(prog_csv_open(&c, p, cols, 2, 6, &warn, &err) == 0 && !warn, "resume: %s", err ? err : "");
  s = slurp(p);
  CHECK(s && strstr(s, "\n6,0.166666667,3\n") && !strstr(s, "\n7,"), "after truncation:\n%s", s ? s : "(none)");
  free(s);
  rows(&c, 7, 8);
  prog_csv_close(&c);
  s = slurp(p);
  int nl = 0;
  for (char *q = s; q && (q = strchr(q, '\n')); q++) nl++;
  CHECK(nl == 9, "%d lines (header + 8 rows):\n%s", nl, s);
  CHECK(s && strstr(s, "\n6,0.166666667,3\n7,0.142857143,3.5\n8,0.125,4\n"), "resumed:\n%s", s ? s : "(none)");
  CHECK(s && !strstr(s, "\n9,") && !strstr(s, "\n10,"), "stale rows kept:\n%s", s ? s : "(none)");
  free(s);
  /* resume from 0 keeps the header only */
  CHECK(prog_csv_open(&c, p, cols, 2, 0, &warn, &err) == 0, "resume 0: %s", err ? err : "");
  prog_csv_close(&c);
  s = slurp(p);
  CHECK(s && strcmp(s, "step,loss,lr\n") == 0, "resume 0:\n%s", s ? s : "(none)");
  free(s);
  /* a different header: the old file is kept aside */
  const char *cols2[] = {"loss", "lr", "grad_norm"};
  CHECK(prog_csv_open(&c, p, cols2, 3, 5, &warn, &err) == 0, "new columns: %s", err ? err : "");
  CHECK(warn && strstr(warn, ".old"), "no warning: %s", warn ? warn : "(null)");
  free(warn);
  warn = NULL;
  double v[3] = {NAN, INFINITY, -INFINITY};
  prog_csv_row(&c, 6, v, &err);
  prog_csv_close(&c);
  s = slurp(p);
  CHECK(s && strcmp(s, "step,loss,lr,grad_norm\n6,nan,inf,-inf\n") == 0, "new file:\n%s", s ? s : "(none)");
  free(s);
  char *old = xl_fmt("%s.old", p);
  s = slurp(old);
  CHECK(s && strcmp(s, "step,loss,lr\n") == 0, "old file:\n%s", s ? s : "(none)");
  free(s);
  unlink(old);
  free(old);
  /* resume_step < 0 replaces */
  CHECK(prog_csv_open(&c, p, cols2, 3, -1, &warn, &err) == 0, "replace: %s", err ? err : "");
  prog_csv_close(&c);
  s = slurp(p);
  CHECK(s && strcmp(s, "step,loss,lr,grad_norm\n") == 0, "replaced:\n%s", s ? s : "(none)");
  free(s);
  unlink(p);
  free(p);
  char *nod = xl_fmt("%s/nodir/m.csv", tmpdir);
  CHECK(prog_csv_open(&c, nod, cols, 2, -1, &warn, &err) == -1 && strstr(err, nod), "no dir");
  free(err);
  free(nod);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xlc_prog_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) return perror("mkdtemp"), 1;
  test_format();
  test_reporter();
  test_csv();
  rmdir(tmpdir);
  if (!fails) printf("test_progress: ok\n");
  return fails != 0;
}
