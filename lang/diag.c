/* diag.c - diagnostics of the .xl front end and everything after it.
 *
 * Prints "file:line:col: error: message", then the source line and a caret under the column
 * (tabs echoed so the caret lines up), counts errors and warnings, and goes quiet after
 * max_err errors. Never aborts: user mistakes are reported here, internal bugs are XL_ASSERTs.
 */
#include "lang.h"

#include <stdarg.h>
#include <string.h>

void diag_init(lang_diag *d, FILE *out) {
  memset(d, 0, sizeof *d);
  d->out = out ? out : stderr;
  d->max_err = 50;
}

/* Start of line `line` (1-based) in text, or NULL if the text has fewer lines. */
static const char *find_line(const char *text, int line) {
  const char *p = text;
  for (int l = 1; l < line; l++) {
    p = strchr(p, '\n');
    if (!p) return NULL;
    p++;
  }
  return p;
}

/* Prints the source line of loc and a caret under its column. A long line is cut to a
   window around the column, marked with "...". */
static void print_source(FILE *out, xl_loc loc) {
  if (!loc.text || loc.line <= 0) return;
  const char *p = find_line(loc.text, loc.line);
  if (!p || (!*p && loc.line > 1)) return; /* past the end (e.g. end of file after "\n") */
  size_t len = strcspn(p, "\n");
  if (len && p[len - 1] == '\r') len--;
  size_t col = loc.col > 0 ? (size_t)loc.col - 1 : 0; /* 0-based */
  enum { WIDTH = 160 };
  size_t start = 0, end = len;
  if (len > WIDTH) {
    start = col > WIDTH / 2 ? col - WIDTH / 2 : 0;
    if (start > len) start = len;
    end = start + WIDTH < len ? start + WIDTH : len;
  }
  fprintf(out, "%s%.*s%s\n", start ? "..." : "", (int)(end - start), p + start, end < len ? "..." : "");
  if (start) fputs("   ", out);
  for (size_t i = start; i < col; i++) {
    if (i < len) {
      unsigned char ch = (unsigned char)p[i];
      if (ch >= 0x80 && ch < 0xC0) continue; /* UTF-8 continuation byte: same screen column */
      fputc(ch == '\t' ? '\t' : ' ', out);
    } else {
      fputc(' ', out);
    }
  }
  fputs("^\n", out);
}

static void report(lang_diag *d, xl_loc loc, const char *what, const char *fmt, va_list ap) {
  FILE *out = d->out ? d->out : stderr;
  if (loc.line <= 0)
    fprintf(out, "%s: %s: ", loc.file ? loc.file : "xlc", what);
  else
    fprintf(out, "%s:%d:%d: %s: ", loc.file ? loc.file : "<input>", loc.line, loc.col > 0 ? loc.col : 1,
            what);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  print_source(out, loc);
}

static int max_err(const lang_diag *d) { return d->max_err > 0 ? d->max_err : 50; }

/* 1 once the error limit was passed: nothing more is printed. */
static int quiet(const lang_diag *d) { return d->nerr > max_err(d); }

void diag_error(lang_diag *d, xl_loc loc, const char *fmt, ...) {
  d->nerr++;
  if (d->nerr > max_err(d)) {
    if (d->nerr == max_err(d) + 1)
      fprintf(d->out ? d->out : stderr, "xlc: error: too many errors (%d), further errors not shown\n",
              max_err(d));
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "error", fmt, ap);
  va_end(ap);
}

void diag_warn(lang_diag *d, xl_loc loc, const char *fmt, ...) {
  d->nwarn++;
  if (quiet(d)) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "warning", fmt, ap);
  va_end(ap);
}

void diag_note(lang_diag *d, xl_loc loc, const char *fmt, ...) {
  if (quiet(d)) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "note", fmt, ap);
  va_end(ap);
}
