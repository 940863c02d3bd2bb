/* rng.c - seeded pseudo-random numbers for parameter initialization (see init.c).
 *
 * xoshiro256** (Blackman & Vigna) with its 256-bit state filled from a splitmix64 stream.
 * rng_uniform gives 53-bit doubles in [0, 1); rng_normal is one Box-Muller draw (cos branch,
 * two uniforms per value, nothing cached, so a stream is a pure function of its seed).
 * No global state: every caller owns its xl_rng.
 */
#include <math.h>

#include "xlrt.h"

uint64_t rng_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void rng_seed(xl_rng *r, uint64_t seed) {
  uint64_t sm = seed;
  for (int i = 0; i < 4; i++) r->s[i] = rng_splitmix64(&sm);
  /* splitmix64 is a bijection of its counter, so four consecutive outputs are never all zero */
}

void rng_seed_param(xl_rng *r, uint64_t seed, const char *name) {
  uint64_t x = seed ^ xl_hash_str(name ? name : "");
  rng_seed(r, rng_splitmix64(&x));
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(xl_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

double rng_uniform(xl_rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

double rng_normal(xl_rng *r) {
  double u1 = 1.0 - rng_uniform(r); /* (0, 1]: log never sees 0 */
  double u2 = rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
