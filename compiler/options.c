/* options.c - defaults of xl_options and of the CPU and CUDA targets (options.h). */
#include "options.h"

#include "kplan.h"

kp_target kp_target_cpu(void) {
  kp_target t = {0};
  t.name = "cpu";
  t.max_nest = KP_NEST_CPU;
  t.merge_small = KP_MERGE_SMALL;
  t.nest_maxbuf = KP_NEST_MAXBUF;
  t.max_members = KP_MAXMEMBERS;
  t.contract_flops = KP_CONTRACT_FLOPS;
  t.gemm_min_dim = KP_GEMM_MIN_DIM;
  t.small_out = KP_SMALL_OUT;
  t.merge = 1;
  t.persistent_scan = 0;
  return t;
}

kp_target kp_target_cuda(void) {
  kp_target t = kp_target_cpu();
  t.name = "cuda";
  t.max_nest = KP_MAXNEST; /* a scan step's kernel with more nests rather than a second kernel */
  t.persistent_scan = 1;
  t.body_contract = 1;
  t.scan_min_blocks = 2; /* one head (or batch slice) alone: cooperative over the whole GPU */
  return t;
}

xl_options xl_options_default(void) {
  xl_options o = {0};
  o.cg_opt = 1;
  o.hoist = 1;
  o.save_products = 1;
  o.target = kp_target_cpu();
  o.split_min = (int64_t)1 << 13;
  return o;
}
