/* test_plot.c - SVG charts (runtime/plot.c).
 *
 * A two-panel chart (log-scale loss with NaN, inf, zero and negative values to skip;
 * accuracy) plus an empty series, a single-point series and an all-equal series: the file is
 * well-formed (every tag closed in order, checked by a small scanner here), names every
 * series (XML-escaped), has no "nan"/"inf" in coordinates, and no temp file is left. Empty
 * panels and a panel with one point do not divide by zero. Bad panel indices are errors.
 */
#include <dirent.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "xl_util.h"

#include "check.h"

static char tmpdir[256];

/* 1 if every element is closed in order; skips <?...?> and <!--...--> */
static int balanced(const char *s, char *why, size_t wn) {
  char stack[64][32];
  int sp = 0;
  for (const char *p = strchr(s, '<'); p; p = strchr(p, '<')) {
    const char *e = strchr(p, '>');
    if (!e) return snprintf(why, wn, "unterminated tag"), 0;
    if (p[1] == '?' || p[1] == '!') {
      p = e + 1;
      continue;
    }
    int closing = p[1] == '/', selfc = e[-1] == '/';
    const char *n = p + 1 + closing;
    size_t len = strcspn(n, " \t\n/>");
    if (!len || len >= 32) return snprintf(why, wn, "bad tag name"), 0;
    if (closing) {
      if (!sp || strncmp(stack[sp - 1], n, len) || stack[sp - 1][len])
        return snprintf(why, wn, "</%.*s> does not close <%s>", (int)len, n, sp ? stack[sp - 1] : ""), 0;
      sp--;
    } else if (!selfc) {
      if (sp == 64) return snprintf(why, wn, "too deep"), 0;
      memcpy(stack[sp], n, len);
      stack[sp++][len] = 0;
    }
    /* a '<' or '>' inside attribute values would have been escaped */
    for (const char *q = p + 1; q < e; q++)
      if (*q == '<') return snprintf(why, wn, "'<' inside a tag"), 0;
    p = e + 1;
  }
  if (sp) return snprintf(why, wn, "<%s> not closed", stack[sp - 1]), 0;
  return 1;
}

static char *slurp(const char *path) {
  const char *e = NULL;
  return xl_read_file(path, NULL, &e);
}

static int count_temps(void) {
  DIR *d = opendir(tmpdir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (strstr(e->d_name, ".tmp.")) n++;
  if (d) closedir(d);
  return n;
}

static void check_svg(const char *label, const char *path, const char *const *names, int nn) {
  char *s = slurp(path), why[128] = "";
  CHECK(s, "%s: no file", label);
  if (!s) return;
  CHECK(strncmp(s, "<?xml", 5) == 0 && strstr(s, "<svg") && strstr(s, "</svg>"), "%s: not SVG", label);
  CHECK(balanced(s, why, sizeof why), "%s: not well-formed: %s", label, why);
  for (int i = 0; i < nn; i++) CHECK(strstr(s, names[i]), "%s: '%s' missing", label, names[i]);
  CHECK(!strstr(s, "nan") && !strstr(s, "inf") && !strstr(s, "NaN"), "%s: non-finite number", label);
  free(s);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xlc_plot_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) return perror("mkdtemp"), 1;
  char *p = xl_fmt("%s/curves.svg", tmpdir), *err = NULL;

  double st[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  double tl[8] = {5.2, 3.1, NAN, 2.0, INFINITY, 0, -1, 1.1};
  double vx[2] = {4, 8}, vl[2] = {2.5, 1.4};
  double ax[3] = {4, 8, 12}, acc[3] = {0.31, 0.55, 0.62};
  double one_x = 3, one_y = 0.5;
  double flat[3] = {0.7, 0.7, 0.7};
  plot_panel panels[2] = {{"loss", "cross-entropy", 1}, {"accuracy", NULL, 0}};
  plot_series s[] = {{"train loss", st, tl, 8, 0},       {"val <loss> & co", vx, vl, 2, 0},
                     {"val accuracy", ax, acc, 3, 1},    {"empty series", NULL, NULL, 0, 1},
                     {"single point", &one_x, &one_y, 1, 1}, {"flat", ax, flat, 3, 1}};
  int rc = plot_svg(p, "run \"demo\"", panels, 2, s, 6, &err);
  CHECK(rc == 0, "plot: %s", err ? err : "");
  const char *names[] = {"train loss", "val &lt;loss&gt; &amp; co", "val accuracy", "empty series",
                         "single point", "flat", "loss", "accuracy", "1e0", "run &quot;demo&quot;"};
  check_svg("two panels", p, names, 10);
  char *s1 = slurp(p);
  CHECK(s1 && strstr(s1, "<circle"), "single point not drawn as a dot");
  /* the NaN and inf split the train-loss line: its 0 and -1 are skipped on the log axis */
  int paths = 0;
  for (const char *q = s1; q && (q = strstr(q, "<path")); q++) paths++;
  /* 3 train-loss segments ([1,2], [4], [8]) + val loss + val accuracy + single point + flat */
  CHECK(paths == 7, "%d paths, want 7", paths);
  free(s1);

  /* degenerate panels: nothing at all; one point; everything equal at 0 on a linear axis */
  plot_panel lin[3] = {{"empty", NULL, 0}, {"one", NULL, 1}, {"zeros", NULL, 0}};
  double z[3] = {0, 0, 0};
  plot_series d[] = {{"nothing", NULL, NULL, 0, 0}, {"just one", &one_x, &one_y, 1, 1},
                     {"all zero", ax, z, 3, 2}};
  rc = plot_svg(p, NULL, lin, 3, d, 3, &err);
  CHECK(rc == 0, "degenerate: %s", err ? err : "");
  const char *dn[] = {"nothing", "just one", "all zero", "no data"};
  check_svg("degenerate", p, dn, 4);
  rc = plot_svg(p, NULL, lin, 0, NULL, 0, &err);
  CHECK(rc == 0, "no panels: %s", err ? err : "");
  check_svg("no panels", p, NULL, 0);

  plot_series bad = {"bad", ax, acc, 3, 5};
  rc = plot_svg(p, NULL, lin, 3, &bad, 1, &err);
  CHECK(rc == -1 && err && strstr(err, p) && strstr(err, "'bad'"), "bad panel: %s", err ? err : "");
  free(err);
  err = NULL;
  char *nod = xl_fmt("%s/nodir/x.svg", tmpdir);
  rc = plot_svg(nod, NULL, lin, 1, NULL, 0, &err);
  CHECK(rc == -1 && err && strstr(err, nod), "missing directory: %s", err ? err : "");
  free(err);
  free(nod);
  CHECK(count_temps() == 0, "temp file left");
  unlink(p);
  free(p);
  rmdir(tmpdir);
  if (!fails) printf("test_plot: ok\n");
  return fails != 0;
}
