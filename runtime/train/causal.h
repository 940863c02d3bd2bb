/* causal.h - the causality check of a token model (causal.c, prefix causal_): `xlc check
 * --causal` and the check `xlc train` runs before it trains.
 *
 * A token model is an entry with an int input `tokens` (positions on its last axis) and an
 * output `logits` with a position axis (second to last) of the same length; an entry with
 * `positions: int[P]` (xlstm_lm_at) gets P = T and positions 0 .. T-1, so that its logits row
 * p is position p. The check changes the tokens after position t (t = 0 .. T-2 for T <= 16,
 * else first, middle and last) and requires the logits at positions 0 .. t to stay
 * bit-identical (f64 on the reference executor: see causal.c).
 */
#ifndef XLC_CAUSAL_H
#define XLC_CAUSAL_H

#include "session.h"

typedef struct {
  drv_src *src;          /* parsed (drv_src_parse) */
  const char *entry;
  const drv_sets *sets;  /* the model's settings; B, T (and P) are set here */
  int B, T;              /* 0: the setting of B / T in sets if any, else B = 2 and T = 8 (T: the
                            entry's own when it declares a configuration parameter T) */
  const char *form;      /* "K=V" applied after sets (the trainer's form for this T), or NULL */
  const xt_list *params; /* parameters by graph name (any float dtype); NULL or missing ones:
                            their seeded initializers, as `xlc run` draws them */
  uint64_t seed;         /* parameters not given, tokens, targets and the changed tokens */
  int quiet;             /* print nothing when the model is causal */
} causal_cfg;

/* Runs the check. Prints "causal: ok (T=8, 7 positions checked)" (unless quiet) or an error
   "not causal: logits at position P change when token J changes (max |diff| D)". Returns
   XLC_EXIT_OK, XLC_EXIT_USER (not causal, not a token model, a lowering error) or
   XLC_EXIT_INTERNAL. */
int causal_check(const causal_cfg *c);

#endif
