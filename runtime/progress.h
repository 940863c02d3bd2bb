/* progress.h - training progress (progress.c): a reporter that redraws one status line on a
 * terminal or logs a line every N steps otherwise, and a metrics CSV writer that resumes.
 */
#ifndef XL_PROGRESS_H
#define XL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
  FILE *out;
  int tty;            /* isatty(out): one line redrawn with '\r' (at most 10 times a second) */
  int every;          /* otherwise a line when step % every == 0 and at the last step */
  int64_t total, start_step;
  double t_start, t_drawn;
  int64_t tokens;     /* since prog_init */
  int line_open;      /* a '\r' line is on the terminal */
} prog;

/* Starts timing. total = last step; start_step = steps already done (resume); every >= 1. */
void prog_init(prog *p, FILE *out, int64_t total, int64_t start_step, int every);
/* Reports step (1-based) done with its loss and the tokens it processed. */
void prog_step(prog *p, int64_t step, double loss, int64_t tokens);
void prog_step_at(prog *p, double now_s, int64_t step, double loss, int64_t tokens); /* clock given */
/* Ends an open terminal line (call before printing anything else, and at the end). */
void prog_clear(prog *p);
/* "step 120/1000  loss 2.3456  12.3k tok/s  ETA 0:01:12" */
void prog_format(char *buf, size_t n, int64_t step, int64_t total, double loss, double tok_s,
                 double eta_s);
void prog_hms(double s, char *buf, size_t n); /* "h:mm:ss" (hours unbounded); "-:--:--" if unknown */

/* Metrics CSV: header "step,<cols>", one row per prog_csv_row, flushed at once.
   resume_step < 0: a new file (an old one is replaced). resume_step >= 0 and the file has the
   same header: rows with step <= resume_step are kept (rewritten atomically), later ones
   dropped, and new rows append. A different header: the old file is renamed to "<path>.old"
   (*warn says so) and a new one is started. Anything but a regular file (or a link to one) at
   path is refused (xl_output_check). -1 with *err naming the file. */
typedef struct {
  FILE *f;
  char *path;
  int ncols;
} prog_csv;
int prog_csv_open(prog_csv *c, const char *path, const char *const *cols, int ncols,
                  int64_t resume_step, char **warn, char **err);
/* vals: ncols values; non-finite values are written as nan / inf / -inf */
int prog_csv_row(prog_csv *c, int64_t step, const double *vals, char **err);
void prog_csv_close(prog_csv *c);

#endif
