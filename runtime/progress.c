/* progress.c - the training progress line and the metrics CSV (see progress.h).
 *
 * The reporter only formats and prints; the trainer decides what a step is. Rates are
 * averages since prog_init (tokens / wall time), the ETA assumes the same rate for the
 * remaining steps. The CSV is append-only while training; resuming rewrites it once
 * (temp + rename) so that rows after the checkpoint's step, written by the interrupted run,
 * do not appear twice.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "xl_util.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void prog_hms(double s, char *buf, size_t n) {
  if (!isfinite(s) || s < 0 || s > 3.6e9) {
    snprintf(buf, n, "-:--:--");
    return;
  }
  long long t = llround(s);
  snprintf(buf, n, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
}

void prog_format(char *buf, size_t n, int64_t step, int64_t total, double loss, double tok_s,
                 double eta_s) {
  char eta[32], rate[32];
  prog_hms(eta_s, eta, sizeof eta);
  if (!isfinite(tok_s) || tok_s < 0) snprintf(rate, sizeof rate, "-");
  else if (tok_s >= 1e6) snprintf(rate, sizeof rate, "%.2fM", tok_s / 1e6);
  else if (tok_s >= 1e3) snprintf(rate, sizeof rate, "%.1fk", tok_s / 1e3);
  else snprintf(rate, sizeof rate, "%.0f", tok_s);
  snprintf(buf, n, "step %lld/%lld  loss %.4f  %s tok/s  ETA %s", (long long)step,
           (long long)total, loss, rate, eta);
}

void prog_init(prog *p, FILE *out, int64_t total, int64_t start_step, int every) {
  memset(p, 0, sizeof *p);
  p->out = out;
  p->tty = isatty(fileno(out));
  p->every = every > 0 ? every : 1;
  p->total = total;
  p->start_step = start_step;
  p->t_start = now_s();
  p->t_drawn = -1e9;
}

void prog_step_at(prog *p, double now, int64_t step, double loss, int64_t tokens) {
  p->tokens += tokens;
  int last = step >= p->total;
  if (p->tty ? !last && now - p->t_drawn < 0.1 : !last && step % p->every != 0) return;
  double el = now - p->t_start;
  double done = (double)(step - p->start_step);
  double tok_s = el > 0 ? (double)p->tokens / el : NAN;
  double eta = done > 0 ? el / done * (double)(p->total - step) : NAN;
  char line[256];
  prog_format(line, sizeof line, step, p->total, loss, tok_s, eta);
  if (p->tty) {
    fprintf(p->out, "\r%s\033[K", line);
    p->line_open = 1;
    p->t_drawn = now;
  } else {
    fprintf(p->out, "%s\n", line);
  }
  fflush(p->out);
}

void prog_step(prog *p, int64_t step, double loss, int64_t tokens) {
  prog_step_at(p, now_s(), step, loss, tokens);
}

void prog_clear(prog *p) {
  if (p->line_open) fputc('\n', p->out), fflush(p->out);
  p->line_open = 0;
}

/* ---- metrics CSV ---- */

static char *header_of(const char *const *cols, int ncols) {
  char *h = xl_strdup("step");
  for (int i = 0; i < ncols; i++) {
    char *n = xl_fmt("%s,%s", h, cols[i]);
    free(h);
    h = n;
  }
  return h;
}

/* Keeps the header and the rows with step <= resume of an existing file (text), atomically.
   Rows whose first field is not an integer are dropped. */
static int truncate_rows(const char *path, char *text, int64_t resume, char **err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    *err = xl_fmt("%s: out of memory", path);
    return -1;
  }
  int first = 1;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), first = 0) {
    char *end;
    errno = 0;
    long long s = strtoll(line, &end, 10);
    if (first || (end != line && *end == ',' && !errno && s <= resume)) fprintf(f, "%s\n", line);
  }
  int bad = ferror(f) | (fclose(f) != 0);
  int rc = bad ? -1 : xl_write_file_atomic(path, buf, len, err);
  if (bad) *err = xl_fmt("%s: out of memory", path);
  free(buf);
  return rc;
}

int prog_csv_open(prog_csv *c, const char *path, const char *const *cols, int ncols,
                  int64_t resume_step, char **warn, char **err) {
  memset(c, 0, sizeof *c);
  *warn = NULL;
  if (xl_output_check(path, err)) return -1; /* a FIFO would block, a device take the rows */
  char *hdr = header_of(cols, ncols);
  int fresh = 1;
  if (resume_step >= 0 && access(path, F_OK) == 0) {
    const char *e = NULL;
    char *text = xl_read_file(path, NULL, &e);
    if (!text) {
      *err = xl_fmt("%s: cannot read: %s", path, e);
      free(hdr);
      return -1;
    }
    size_t hl = strcspn(text, "\n");
    if (hl == strlen(hdr) && strncmp(text, hdr, hl) == 0) {
      int rc = truncate_rows(path, text, resume_step, err);
      free(text);
      if (rc) {
        free(hdr);
        return -1;
      }
      fresh = 0;
    } else {
      free(text);
      char *old = xl_fmt("%s.old", path);
      if (rename(path, old) != 0) {
        *err = xl_fmt("%s: columns differ and renaming it to '%s' failed: %s", path, old,
                      strerror(errno));
        free(old);
        free(hdr);
        return -1;
      }
      *warn = xl_fmt("%s: columns differ from this run's (%s); the old file is now '%s'", path,
                     hdr, old);
      free(old);
    }
  }
  c->f = fopen(path, fresh ? "w" : "a");
  if (!c->f) {
    *err = xl_fmt("%s: cannot open for writing: %s", path, strerror(errno));
    free(hdr);
    return -1;
  }
  if (fresh) fprintf(c->f, "%s\n", hdr), fflush(c->f);
  free(hdr);
  c->path = xl_strdup(path);
  c->ncols = ncols;
  return 0;
}

int prog_csv_row(prog_csv *c, int64_t step, const double *vals, char **err) {
  fprintf(c->f, "%lld", (long long)step);
  for (int i = 0; i < c->ncols; i++) {
    double v = vals[i];
    if (isnan(v)) fputs(",nan", c->f);
    else if (isinf(v)) fputs(v > 0 ? ",inf" : ",-inf", c->f);
    else fprintf(c->f, ",%.9g", v);
  }
  fputc('\n', c->f);
  if (fflush(c->f) != 0 || ferror(c->f)) {
    *err = xl_fmt("%s: write failed: %s", c->path, strerror(errno));
    return -1;
  }
  return 0;
}

void prog_csv_close(prog_csv *c) {
  if (c->f) fclose(c->f);
  free(c->path);
  memset(c, 0, sizeof *c);
}
