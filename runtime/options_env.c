/* options_env.c - xl_options from the environment (options_env.h): the one place that reads
 * the XLC_* knobs of the passes, the planner, the emitter, the JIT and the CPU executor. */
#include "options_env.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kir_mlir.h"
#include "xl_util.h"

/* Cache directories handed out so far: an options struct may be copied and kept, so a string
   is never freed; the same path is the same pointer. */
static pthread_mutex_t dirs_mu = PTHREAD_MUTEX_INITIALIZER;
static XL_VEC(char *) dirs;

static const char *keep(char *s) {
  pthread_mutex_lock(&dirs_mu);
  for (int i = 0; i < dirs.n; i++)
    if (!strcmp(dirs.v[i], s)) {
      free(s);
      s = dirs.v[i];
      pthread_mutex_unlock(&dirs_mu);
      return s;
    }
  xl_vec_push(dirs, s);
  pthread_mutex_unlock(&dirs_mu);
  return s;
}

static const char *cache_dir(void) {
  const char *d = getenv("XLC_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  if (d && *d) return !strcmp(d, "off") || !strcmp(d, "0") ? "off" : keep(xl_strdup(d));
  if (x && *x) return keep(xl_fmt("%s/xlc", x));
  if (h && *h) return keep(xl_fmt("%s/.cache/xlc", h));
  return NULL;
}

static int is_zero(const char *e) { return e && e[0] == '0' && !e[1]; } /* exactly "0" */

void xl_options_from_env(xl_options *o) {
  const char *e;
  if ((e = getenv("XLC_CG_OPT")) && !strcmp(e, "0")) o->cg_opt = 0;
  if (is_zero(getenv("XLC_HOIST"))) o->hoist = 0;
  if (is_zero(getenv("XLC_SAVE_PRODUCTS"))) o->save_products = 0;

  if ((e = getenv("XLC_KP_CONTRACT_FLOPS")) && *e) o->target.contract_flops = atof(e);
  if ((e = getenv("XLC_KP_GEMM_MIN_DIM")) && *e) o->target.gemm_min_dim = atoll(e);
  if ((e = getenv("XLC_KP_MERGE")) && *e && atoi(e) == 0) o->target.merge = 0;

  if ((e = getenv("XLC_VECTOR_BITS")) && *e) {
    if (!strcmp(e, "256") || !strcmp(e, "512"))
      o->emit.vector_bits = atoi(e);
    else {
      o->emit.vector_bits = 0;
      fprintf(stderr, "xlc: XLC_VECTOR_BITS must be 256 or 512 (got '%s'); using %d, this host's width\n", e,
              kir_host_vector_bits());
    }
  }
  if (getenv("XLC_KIR_NO_FMA")) o->emit.no_fma = 1;
  if (getenv("XLC_KIR_NO_SINK")) o->emit.no_sink = 1;
  if (getenv("XLC_KIR_NO_BLOCKDIAG")) o->emit.no_blockdiag = 1;
  if (getenv("XLC_KIR_NO_JAM")) o->emit.no_jam = 1;

  if (getenv("XLC_NO_JIT")) o->no_jit = 1;
  if ((e = getenv("XLC_NUM_THREADS")) && atoi(e) > 0) o->num_threads = atoi(e);
  if ((e = getenv("XLC_SPLIT_MIN")) && atoll(e) > 0) o->split_min = atoll(e);
  if ((e = getenv("XLC_PROFILE"))) o->profile = atoi(e) > 0 ? atoi(e) : 1;
  if (getenv("XLC_CACHE_DIR") || getenv("XDG_CACHE_HOME") || getenv("HOME")) o->cache_dir = cache_dir();
  if (getenv("XLC_JIT_TIMING")) o->jit_timing = 1;

  if ((e = getenv("XLC_MICROBATCH_TOKENS")) && *e) {
    if (atol(e) > 0)
      o->microbatch_tokens = atol(e);
    else
      fprintf(stderr, "xlc: warning: XLC_MICROBATCH_TOKENS must be a positive number of tokens (got '%s'); using the "
              "default rule\n", e);
  }
}
