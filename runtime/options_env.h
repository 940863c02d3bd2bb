/* options_env.h - filling xl_options (compiler/options.h) from the environment, once per
 * process: the command line's main and the tests call it; no pass reads the environment. */
#ifndef XL_OPTIONS_ENV_H
#define XL_OPTIONS_ENV_H

#include "options.h"

/* Overwrites the fields of o whose variable is set (the others keep their value: start from
   xl_options_default()), with the meaning each variable has always had:
     XLC_CG_OPT=0 -> cg_opt 0;  XLC_HOIST=0, XLC_SAVE_PRODUCTS=0 -> hoist, save_products 0
     XLC_KP_CONTRACT_FLOPS (non-empty: atof), XLC_KP_GEMM_MIN_DIM (non-empty: atoll),
     XLC_KP_MERGE (non-empty and 0: off) -> target
     XLC_VECTOR_BITS=256|512 -> emit.vector_bits (another non-empty value: a warning on stderr,
       the host's width)
     XLC_KIR_NO_FMA, _NO_SINK, _NO_BLOCKDIAG, _NO_JAM, XLC_NO_JIT, XLC_JIT_TIMING (set, any
       value) -> 1
     XLC_NUM_THREADS, XLC_SPLIT_MIN, XLC_MICROBATCH_TOKENS (positive) -> that number
       (XLC_MICROBATCH_TOKENS set to anything else non-empty: a warning on stderr)
     XLC_PROFILE (set) -> its number when positive, else 1
     cache_dir: XLC_CACHE_DIR ("off" or "0": "off"), else $XDG_CACHE_HOME/xlc, else
       $HOME/.cache/xlc, else NULL (no cache). The string lives as long as the process.
   (XLC_STDLIB and XLC_STDLIB_DIR, where the driver finds the stdlib, are not options.) */
void xl_options_from_env(xl_options *o);

#endif
