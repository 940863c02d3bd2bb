/* exec_cuda.c - the executor of the row "cuda-emu" (prefix xec_): the plan walker of the
 * compiled CPU executor (runtime/cpu/exec_cpu.h cpu_prepare_with) on the emulated CUDA device,
 * with every kernel step emitted as CUDA C (compiler/kir_cuda.h, for sm_90, dtype of the run)
 * and run by the emulator (emu/xce.h) at the emitted launch geometry: the bytes NVRTC would
 * compile, launched as on a GPU. The plan is the CUDA target's (options.h kp_target_cuda): a
 * scan the plan runs as one kernel is one launch of its scan kernel (kir_cuda.h kcu_emit_scan,
 * through exec_cpu.h's scan_prepare / scan_run; cooperative when the plan says so). GEMM steps
 * run on the emulated device's GEMM; views alias; reference steps (KP_REF: einsums that are not
 * one GEMM, the rest) and the other scans (the body's plan once per step) are the CPU
 * executor's host code, which is valid here only because the emulated device's memory is host
 * memory. So is the walker's check of the indices of
 * gather, scatter_add and one_hot kernels before they run (exec_cpu.c check_indices: it reads
 * the index tensor on the host, for ref_exec's error messages; the emitted LOADX / STOREX
 * themselves skip an out-of-range index). The real GPU needs its own walker (host copies
 * around reference steps, the index check as a device kernel
 * setting an error flag read back after the step, or a copy of the indices): not written yet.
 *
 * A kernel the emitter cannot spell (an op without a CUDA spelling, local buffers beyond the
 * target's shared memory) is interpreted (kir_interp) and counted ("kernels-interpreted");
 * launches are counted per executor ("emu-launches"; of them "scan-launches", and the scans
 * prepared as one launch, "scans-persistent").
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cuda_dev.h"
#include "exec_cpu.h"
#include "jit.h"
#include "kir_cuda.h"
#include "xce.h"

typedef struct {
  const char *cache; /* the disk cache directory, or NULL */
  int no_fma;
  long launches, interpreted;
  long scan_launches; /* of them: persistent scans (one launch each) */
} xec_ctx;

typedef struct {
  xce_module *m;
  char name[128];
  unsigned grid[3], block[3], smem;
  int coop;          /* a cooperative launch (a persistent scan's grid barrier) */
  xec_ctx *ctx;
} xec_kernel;

static void *xec_prepare_kernel(const kir_kernel *k, cg_dtype dt, void *ctx, char **err) {
  xec_ctx *c = ctx;
  kir_emit_opts eo;
  memset(&eo, 0, sizeof eo);
  eo.no_fma = c->no_fma;
  kcu_launch geo;
  char *e = NULL;
  char *src = kcu_emit(k, kcu_dtype_of(dt), kcu_target_find("sm_90"), &eo, &geo, &e);
  if (!src) { /* not spelled in CUDA C: interpreted */
    free(e);
    c->interpreted++;
    return NULL;
  }
  xce_module *m = xce_compile(src, strlen(src), c->cache, err);
  free(src);
  if (!m) return NULL;
  xec_kernel *h = xl_calloc(1, sizeof *h);
  h->m = m;
  h->ctx = c;
  kcu_name(k->name, h->name, sizeof h->name);
  h->grid[0] = (unsigned)geo.grid, h->grid[1] = h->grid[2] = 1;
  h->block[0] = (unsigned)geo.block, h->block[1] = h->block[2] = 1;
  h->smem = (unsigned)geo.smem;
  return h;
}

static int xec_run_kernel(void *hp, void **bufs, int nbuf, char **err) {
  xec_kernel *h = hp;
  h->ctx->launches++;
  return xce_launch(h->m, h->name, h->grid, h->block, h->smem, bufs, nbuf, 0, err);
}

/* A persistent scan (exec_cpu.h scan_prepare): the body kernel's scan kernel (kir_cuda.h
   kcu_emit_scan), launched once per scan, cooperatively when the plan says so. */
static void *xec_prepare_scan(const kir_kernel *k, const kcu_scan *sc, cg_dtype dt, void *ctx, char **err) {
  xec_ctx *c = ctx;
  kir_emit_opts eo;
  memset(&eo, 0, sizeof eo);
  eo.no_fma = c->no_fma;
  kcu_launch geo;
  char *e = NULL;
  char *src = kcu_emit_scan(k, sc, kcu_dtype_of(dt), kcu_target_find("sm_90"), &eo, &geo, &e);
  if (!src) { /* not spelled: the scan runs step by step (its kernels as xec_prepare_kernel's) */
    free(e);
    return NULL;
  }
  xce_module *m = xce_compile(src, strlen(src), c->cache, err);
  free(src);
  if (!m) return NULL;
  xec_kernel *h = xl_calloc(1, sizeof *h);
  h->m = m;
  h->ctx = c;
  h->coop = sc->coop;
  kcu_name(k->name, h->name, sizeof h->name);
  h->grid[0] = (unsigned)geo.grid, h->grid[1] = h->grid[2] = 1;
  h->block[0] = (unsigned)geo.block, h->block[1] = h->block[2] = 1;
  h->smem = (unsigned)geo.smem;
  return h;
}

static int xec_run_scan(void *hp, void **bufs, char **err) {
  xec_kernel *h = hp;
  h->ctx->launches++;
  h->ctx->scan_launches++;
  return xce_launch(h->m, h->name, h->grid, h->block, h->smem, bufs, KIR_MAXBUF, h->coop, err);
}

static void xec_release(void *hp) {
  xec_kernel *h = hp;
  xce_module_free(h->m);
  free(h);
}

typedef struct {
  cpu_exec *e;
  xec_ctx ctx;
  cpu_kernel_runner runner;
} xec_exec;

static int emu_prepare(xl_exec *x, const xl_options *o, char **err) {
  xec_exec *xe = xl_calloc(1, sizeof *xe);
  xe->ctx.cache = jit_cache_dir(); /* the JIT's disk cache directory serves both */
  xe->ctx.no_fma = o ? o->emit.no_fma : 0;
  xe->runner = (cpu_kernel_runner){xec_prepare_kernel, xec_run_kernel, xec_release, &xe->ctx, xl_dev_cuda_emu(),
                                    xec_prepare_scan, xec_run_scan};
  /* the GPU's plan (kp_target_cuda: scans persistent, contractions in scan bodies kernels),
     with the limits the options give (XLC_KP_* knobs) */
  xl_options oc = o ? *o : xl_options_default();
  kp_target cu = kp_target_cuda();
  oc.target.name = cu.name;
  oc.target.max_nest = cu.max_nest;
  oc.target.persistent_scan = cu.persistent_scan;
  oc.target.body_contract = cu.body_contract;
  oc.target.scan_min_blocks = cu.scan_min_blocks;
  xe->e = cpu_prepare_with(x->g, x->dt, &oc, &xe->runner, err);
  if (!xe->e) {
    free(xe);
    return -1;
  }
  x->ctx = xe;
  return 0;
}

static int emu_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  xec_exec *xe = x->ctx;
  return cpu_run(xe->e, inputs, outputs, err);
}

static void emu_free(xl_exec *x) {
  xec_exec *xe = x->ctx;
  if (!xe) return;
  cpu_free(xe->e);
  free(xe);
}

static void emu_stats(const xl_exec *x, xl_exec_stats *st) {
  const xec_exec *xe = x->ctx;
  const cpu_stats *s = &xe->e->stats;
  st->kernels = s->kernels;
  st->kernel_chains = s->kernel_chains;
  st->gemm_flops = s->gemm_flops;
  st->planned_bytes = s->planned_bytes;
  st->param_bytes = s->param_bytes;
  st->runs = s->run_id;
  st->extra[0].name = "emu-launches", st->extra[0].value = (double)xe->ctx.launches;
  st->extra[1].name = "kernels-interpreted", st->extra[1].value = (double)xe->ctx.interpreted;
  st->extra[2].name = "scan-launches", st->extra[2].value = (double)xe->ctx.scan_launches;
  st->extra[3].name = "scans-persistent", st->extra[3].value = (double)s->scans_persistent;
  st->nextra = 4;
}

static int emu_threads(const xl_options *o) {
  (void)o;
  return 1; /* the emulator runs a launch on the calling thread */
}

static const xl_device *emu_device(void) { return xl_dev_cuda_emu(); }

/* Opt-in (XLC_CUDA_EMU=1): every thread of a kernel with a barrier is a fiber, and a cold cache
   compiles each distinct kernel with the host C++ compiler, so the tests that run every usable
   row at their shapes would take many times longer (test_exec_cpu: over 25 minutes); the
   CTest variants *.emu set it. */
static const char *emu_unusable(void) {
  const char *v = getenv("XLC_CUDA_EMU");
  return v && !strcmp(v, "1") ? NULL : "the emulated GPU is slow and opt-in: set XLC_CUDA_EMU=1";
}

static const kp_plan *emu_plan(const xl_exec *x) { return cpu_exec_plan(((const xec_exec *)x->ctx)->e); }

const xl_backend xl_backend_cuda_emu = {
    .name = "cuda-emu",
    .summary = "the CUDA backend's kernels (CUDA C) run on an emulated GPU on the CPU (testing without a GPU)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 1, 1, 0, XL_DEV_GPU},
    .unusable = emu_unusable,
    .prepare = emu_prepare,
    .run = emu_run,
    .free = emu_free,
    .stats = emu_stats,
    .threads = emu_threads,
    .device = emu_device,
    .plan = emu_plan,
};
