/* plot.c - SVG line charts (see plot.h). Axis ranges come from the finite points of each
 * panel; ticks are "nice" numbers (1, 2, 5 x 10^k) on linear axes and whole decades on log
 * axes; degenerate ranges (no point, one point, all equal) are widened so nothing divides by
 * zero. Output is deterministic for given inputs (fixed number formats).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "xl_util.h"

#define PW 720.0 /* width */
#define PH 300.0 /* panel height */
#define ML 70.0  /* margins: left, right (legend), top, bottom */
#define MR 170.0
#define MT 34.0
#define MB 42.0

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                     "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static void put_esc(FILE *f, const char *s) {
  for (; s && *s; s++) switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
}

static int usable(const plot_panel *p, double x, double y) {
  return isfinite(x) && isfinite(y) && (!p->log_y || y > 0);
}

/* a tick label: %g with up to 4 significant digits, "0" for values tiny relative to the step */
static void put_num(FILE *f, double v, double step) {
  if (fabs(v) < step * 1e-9) v = 0;
  fprintf(f, "%.4g", v);
}

static double nice_step(double range) {
  double e = pow(10, floor(log10(range / 5))), r = range / 5 / e;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * e;
}

static void panel(FILE *f, const plot_panel *p, int pi, const plot_series *s, int ns) {
  double y0 = pi * PH, x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  int npts = 0;
  for (int k = 0; k < ns; k++) {
    if (s[k].panel != pi) continue;
    for (int i = 0; i < s[k].n; i++) {
      double x = s[k].x[i], y = s[k].y[i];
      if (!usable(p, x, y)) continue;
      if (p->log_y) y = log10(y);
      x_lo = fmin(x_lo, x), x_hi = fmax(x_hi, x), y_lo = fmin(y_lo, y), y_hi = fmax(y_hi, y);
      npts++;
    }
  }
  if (!npts) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (x_hi - x_lo <= 0) x_lo -= 1, x_hi += 1;
  if (p->log_y) {
    y_lo = floor(y_lo), y_hi = ceil(y_hi);
    if (y_hi <= y_lo) y_hi = y_lo + 1;
  } else if (y_hi - y_lo <= 1e-12 * fmax(fabs(y_lo), fabs(y_hi))) {
    double w = y_lo == 0 ? 1 : fabs(y_lo) * 0.1;
    y_lo -= w, y_hi += w;
  } else {
    double pad = (y_hi - y_lo) * 0.05;
    y_lo -= pad, y_hi += pad;
  }
  double L = ML, R = PW - MR, T = y0 + MT, B = y0 + PH - MB;
#define SX(x) (L + ((x) - x_lo) / (x_hi - x_lo) * (R - L))
#define SY(y) (B - ((y) - y_lo) / (y_hi - y_lo) * (B - T))
  fprintf(f, "<g class=\"panel\">\n");
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">", L, y0 + 20);
  put_esc(f, p->title);
  fprintf(f, "%s</text>\n", p->log_y ? " (log scale)" : "");
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
             "stroke=\"#000\"/>\n", L, T, R - L, B - T);
  /* x ticks */
  double xs = nice_step(x_hi - x_lo);
  double x0 = ceil(x_lo / xs);
  for (int t = 0; t < 40 && (x0 + t) * xs <= x_hi + xs * 1e-9; t++) { /* at most 40 ticks */
    double x = (x0 + t) * xs;
    double X = SX(x);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", X, T, X, B);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", X, B + 15);
    put_num(f, x, xs);
    fprintf(f, "</text>\n");
  }
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">step</text>\n",
          (L + R) / 2, B + 32);
  /* y ticks */
  double ys = p->log_y ? fmax(1, ceil((y_hi - y_lo) / 8)) : nice_step(y_hi - y_lo);
  double yt0 = ceil(y_lo / ys);
  for (int t = 0; t < 40 && (yt0 + t) * ys <= y_hi + ys * 1e-9; t++) {
    double y = (yt0 + t) * ys;
    double Y = SY(y);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, Y, R, Y);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">", L - 5, Y + 4);
    if (p->log_y) fprintf(f, "1e%d", (int)lround(y));
    else put_num(f, y, ys);
    fprintf(f, "</text>\n");
  }
  if (p->ylabel) {
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 %.1f %.1f)\">", L - 52, (T + B) / 2, L - 52, (T + B) / 2);
    put_esc(f, p->ylabel);
    fprintf(f, "</text>\n");
  }
  if (!npts)
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
               "fill=\"#888\">no data</text>\n", (L + R) / 2, (T + B) / 2);
  /* series and legend */
  int li = 0;
  for (int k = 0; k < ns; k++) {
    if (s[k].panel != pi) continue;
    const char *col = colors[k % (int)(sizeof colors / sizeof *colors)];
    int seg = 0, cnt = 0;
    double lx = 0, ly = 0;
    for (int i = 0; i < s[k].n; i++) {
      double x = s[k].x[i], y = s[k].y[i];
      if (!usable(p, x, y)) {
        if (seg) fprintf(f, "\"/>\n");
        seg = 0;
        continue;
      }
      double X = SX(x), Y = SY(p->log_y ? log10(y) : y);
      if (!seg) fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"M", col);
      fprintf(f, "%s%.2f %.2f", seg ? " L" : "", X, Y);
      seg = 1, cnt++, lx = X, ly = Y;
    }
    if (seg) fprintf(f, "\"/>\n");
    if (cnt == 1) fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", lx, ly, col);
    double ly0 = T + 10 + 18 * li++;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2\"/>\n", R + 12, ly0, R + 32, ly0, col);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", R + 38, ly0 + 4);
    put_esc(f, s[k].name);
    fprintf(f, "</text>\n");
  }
  fprintf(f, "</g>\n");
#undef SX
#undef SY
}

int plot_svg(const char *path, const char *title, const plot_panel *panels, int np,
             const plot_series *s, int ns, char **err) {
  for (int k = 0; k < ns; k++)
    if (s[k].panel < 0 || s[k].panel >= np || (s[k].n > 0 && (!s[k].x || !s[k].y))) {
      *err = xl_fmt("%s: series '%s' has a bad panel index or no data arrays", path,
                    s[k].name ? s[k].name : "");
      return -1;
    }
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len); /* the whole SVG in memory, then one atomic write */
  if (!f) {
    *err = xl_fmt("%s: out of memory", path);
    return -1;
  }
  double H = (np > 0 ? np : 1) * PH + (title ? 24 : 0);
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
             "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n", PW, H, PW, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
  if (title) {
    fprintf(f, "<text x=\"%.1f\" y=\"18\" font-size=\"15\">", ML);
    put_esc(f, title);
    fprintf(f, "</text>\n<g transform=\"translate(0 24)\">\n");
  }
  for (int i = 0; i < np; i++) panel(f, &panels[i], i, s, ns);
  if (title) fprintf(f, "</g>\n");
  fprintf(f, "</svg>\n");
  int bad = ferror(f) | (fclose(f) != 0);
  int rc = bad ? -1 : xl_write_file_atomic(path, buf, len, err);
  if (bad) *err = xl_fmt("%s: out of memory", path);
  free(buf);
  return rc;
}
