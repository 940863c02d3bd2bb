/* fuzz_frontend.c - libFuzzer harness for the .xl front end.
 *
 * Each input is taken as a source file: NUL-terminated, parsed with lang_parse, dumped
 * with ast_dump (partial trees included), and, if it parsed without errors, checked with
 * lang_check (skipped when XLC_FUZZ_PARSE_ONLY is set in the environment). Diagnostics go
 * to /dev/null. Any crash, sanitizer report, leak or hang is a finding: the front end must
 * turn every input into diagnostics. Also linked into fuzz_replay (replay_main.c), which
 * runs the corpus in CTest without libFuzzer.
 */
#include "lang.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *devnull;
  static int parse_only = -1;
  if (!devnull) devnull = fopen("/dev/null", "w");
  if (!devnull) devnull = stderr;
  if (parse_only < 0) parse_only = getenv("XLC_FUZZ_PARSE_ONLY") != NULL;

  char *text = xl_malloc(size + 1);
  if (size) memcpy(text, data, size);
  text[size] = 0;

  lang_diag d;
  diag_init(&d, devnull);
  xl_arena ar = {0};
  ast *file = lang_parse(&ar, "fuzz.xl", text, &d);
  ast_dump(file, devnull);
  if (d.nerr == 0 && !parse_only) lang_check(&ar, file, &d);
  xl_arena_free(&ar);
  free(text);
  return 0;
}
