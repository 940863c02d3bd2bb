/* check.h - the CHECK macro shared by the unit tests: counts failures and prints
 * "FAIL file:line: condition: message" without stopping; main returns fails != 0. */
#ifndef XLC_TEST_CHECK_H
#define XLC_TEST_CHECK_H
#include <stdio.h>

static int fails;
#define CHECK(c, ...)                                                                             \
  do {                                                                                            \
    if (!(c)) {                                                                                   \
      fails++;                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #c);                                \
      fprintf(stderr, __VA_ARGS__);                                                               \
      fputc('\n', stderr);                                                                        \
    }                                                                                             \
  } while (0)
#endif
