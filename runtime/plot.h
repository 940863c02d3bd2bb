/* plot.h - SVG line charts of training curves (plot.c): panels stacked vertically (e.g. loss,
 * accuracy), each with axes, ticks, labels and a legend; optional log-scale y. No dependency:
 * the SVG text is written here. Written atomically (temp + rename), so a browser refreshing
 * the file never sees half of it.
 */
#ifndef XL_PLOT_H
#define XL_PLOT_H

typedef struct {
  const char *title;  /* e.g. "loss" */
  const char *ylabel; /* may be NULL */
  int log_y;          /* log10 y axis: points with y <= 0 are skipped */
} plot_panel;

typedef struct {
  const char *name;     /* legend text, e.g. "train loss" */
  const double *x, *y;  /* n points: x = step, y = value */
  int n;
  int panel;            /* index into the panels */
} plot_series;

/* Writes an SVG of np panels (720 px wide, 300 px each) with ns series. Points with a
   non-finite x or y are skipped (the line breaks there); empty series appear in the legend
   only; a single point is drawn as a dot. -1 with *err naming the file. */
int plot_svg(const char *path, const char *title, const plot_panel *panels, int np,
             const plot_series *s, int ns, char **err);

#endif
