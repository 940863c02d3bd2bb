/* options.h - every knob of the pipeline and the executors in one struct (xl_options).
 *
 * It is filled once per process by the command line (runtime/options_env.h
 * xl_options_from_env, then the command's flags) and passed down (pipeline.h xl_compile,
 * cpu_prepare, jit_configure); no pass under compiler/ reads the environment. A test
 * starts from xl_options_default() and changes fields. The environment variable that sets
 * each field is named beside it (docs/performance.md and docs/testing.md list them).
 */
#ifndef XL_OPTIONS_H
#define XL_OPTIONS_H

#include <stdint.h>

/* What the kernel planner (kplan.c) needs to know about the machine it plans for: limits and
   fusion rules are data, so a GPU target is another value of this struct, not #ifdefs. */
typedef struct {
  const char *name;       /* "cpu"; printed by kp_dump */
  int max_nest;           /* loop nests of one merged kernel, <= KP_MAXNEST */
  int64_t merge_small;    /* outside scan bodies, kernels of fewer points are merged */
  int nest_maxbuf;        /* buffers of a kernel built from one chain of nodes, <= KIR_MAXBUF */
  int max_members;        /* nodes of one kernel, all its nests */
  double contract_flops;  /* contractions of at most this many FLOPs are kernels (0: never)
                             [XLC_KP_CONTRACT_FLOPS] */
  int64_t gemm_min_dim;   /* larger ones too when their GEMM has m, n or k under this
                             [XLC_KP_GEMM_MIN_DIM] */
  int64_t small_out;      /* contraction kernels with at most this many outputs loop over the
                             summed labels outermost */
  int merge;              /* merge consecutive kernels (scan bodies; small ones) [XLC_KP_MERGE] */
  int persistent_scan;    /* a non-linear scan runs as one persistent kernel (GPU); 0 on the CPU */
  int body_contract;      /* 1: every contraction inside a scan body is a kernel whatever its size
                             (the recurrent product becomes part of the body's one kernel instead
                             of a GEMM per step); 0 on the CPU */
  int scan_min_blocks;    /* a persistent scan runs as per-block slices only with at least this
                             many (else cooperative); 0 on the CPU */
} kp_target;

/* Switches of the MLIR emitter (kir_mlir.c), all 0 by default: measurements only. */
typedef struct {
  int vector_bits; /* 256 or 512; 0: the host's (kir_vector_bits) [XLC_VECTOR_BITS] */
  int no_fma;      /* [XLC_KIR_NO_FMA] */
  int no_sink;     /* [XLC_KIR_NO_SINK] */
  int no_blockdiag;/* [XLC_KIR_NO_BLOCKDIAG] */
  int no_jam;      /* [XLC_KIR_NO_JAM] */
} kir_emit_opts;

typedef struct xl_options_s {
  /* graph passes */
  int cg_opt;        /* run cg_optimize (default 1) [XLC_CG_OPT=0 skips] */
  int hoist;         /* autodiff hoists scan-body contractions out of the loop (1) [XLC_HOIST] */
  int save_products; /* autodiff saves state products for the backward scan (1) [XLC_SAVE_PRODUCTS] */
  /* planning and emission */
  kp_target target;  /* default kp_target_cpu() */
  kir_emit_opts emit;
  /* the CPU executor and its JIT */
  int no_jit;        /* kernels run by the reference loops, nothing compiled [XLC_NO_JIT] */
  int num_threads;   /* 0: the online CPUs, at most 8 [XLC_NUM_THREADS] */
  int64_t split_min; /* kernels with fewer points run unsplit (default 8192) [XLC_SPLIT_MIN] */
  int profile;       /* 0 off, 1 per-category times, 2 also the 20 costliest steps, N > 2 the
                        N costliest (xlc bench) [XLC_PROFILE] */
  const char *cache_dir; /* JIT object cache directory; NULL or "off": none. xl_options_from_env
                            resolves $XLC_CACHE_DIR, else $XDG_CACHE_HOME/xlc, else
                            ~/.cache/xlc [XLC_CACHE_DIR] */
  int jit_timing;    /* per-stage compile times on stderr [XLC_JIT_TIMING] */
  /* the trainer */
  int64_t microbatch_tokens; /* 0: automatic [XLC_MICROBATCH_TOKENS] */
} xl_options;

/* The CPU target's limits (the values the planner was tuned with; docs/performance.md). */
kp_target kp_target_cpu(void);
/* The CUDA target's (GPU kernels: cuda-emu, cuda): the CPU's limits, outside scan bodies
   GEMMs stay GEMMs (cuBLAS), scans persistent, contractions in scan bodies always kernels. */
kp_target kp_target_cuda(void);
/* Every field at its default; target = kp_target_cpu(). */
xl_options xl_options_default(void);

#endif
