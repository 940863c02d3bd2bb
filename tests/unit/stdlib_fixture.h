/* stdlib_fixture.h - the parsed stdlib/xlstm.xl for unit tests that lower its entries.
 * The file is found through XLC_SOURCE_DIR (set by CTest), else relative to the working
 * directory. stdlib_open prints why it failed and returns -1; parse errors count as failure. */
#ifndef XLC_TEST_STDLIB_FIXTURE_H
#define XLC_TEST_STDLIB_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>

#include "lang.h"
#include "xl_util.h"

typedef struct {
  xl_arena ar; /* AST and lowering objects */
  char *path, *text;
  ast *file;
} stdlib_fx;

static int stdlib_open(stdlib_fx *fx) {
  const char *src = getenv("XLC_SOURCE_DIR"), *e = NULL;
  *fx = (stdlib_fx){0};
  fx->path = xl_fmt("%s/stdlib/xlstm.xl", src ? src : ".");
  fx->text = xl_read_file(fx->path, NULL, &e);
  if (!fx->text) {
    fprintf(stderr, "cannot read %s: %s\n", fx->path, e);
    return -1;
  }
  lang_diag d;
  diag_init(&d, stderr);
  fx->file = lang_parse(&fx->ar, fx->path, fx->text, &d);
  if (!fx->file || d.nerr) {
    fprintf(stderr, "%s does not parse\n", fx->path);
    return -1;
  }
  return 0;
}

static void stdlib_close(stdlib_fx *fx) {
  xl_arena_free(&fx->ar);
  free(fx->text);
  free(fx->path);
}
#endif
