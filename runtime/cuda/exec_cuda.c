/* exec_cuda.c - the CUDA executor (exec_cuda.h, prefix xec_) and its emulated instance, the row
 * "cuda-emu"; the GPU instance, the row "cuda", is backend_cuda.c.
 *
 * The plan walker is the compiled CPU executor's (runtime/cpu/exec_cpu.h cpu_prepare_with) on
 * the instance's device, of kind XL_DEV_GPU: it keeps every value in device memory (inputs H2D
 * into a device input block, outputs D2H once at the end, scan states and step slices moved by
 * device copies, pad/concat as device copies) and stages what only host code computes: the
 * reference steps (KP_REF nodes ref_exec_node evaluates), einsums that are not one GEMM, the
 * check of gather/scatter_add/one_hot indices (a D2H copy of the index tensor) and a kernel the
 * emitter cannot spell (kir_interp); the counters "host-staged-steps" and "host-staged-bytes"
 * make a plan that needs them visible. Every KP_KERNEL step is emitted as CUDA C (compiler/
 * kir_cuda.h, for the instance's architecture, in the run's dtype; XLC_KIR_NO_FMA as on the CPU)
 * and handed to the instance's loader (all kernels of a preparation at once: xec_flush), then
 * launched at the emitted geometry (one launch per
 * step run, counted). GEMM steps run on the device's GEMM; views alias. The plan is the CUDA
 * target's (options.h kp_target_cuda: contractions in scan bodies are kernels, scans
 * persistent): a scan the plan runs as one kernel is one launch of its scan kernel (kir_cuda.h
 * kcu_emit_scan, through exec_cpu.h's scan_prepare / scan_run; cooperative when the plan says
 * so: a grid barrier between steps); the other scans run their body's plan once per step.
 * Counters: launches ("emu-launches" / "launches"), of them "scan-launches", the scans
 * prepared as one launch ("scans-persistent"), "kernels-interpreted", the staged steps.
 *
 * The emulated instance: kernels compiled by the host compiler and run by the emulator (emu/
 * xce.h), on the emulated device whose memory is guarded (cuda_dev.h: inaccessible outside
 * device operations, so a host access the walker forgot faults here as it would on a GPU); the
 * launch opens the guard around xce_launch and refuses a buffer that is not device memory.
 */
#include <stdlib.h>
#include <string.h>

#include "cuda_dev.h"
#include "exec_cpu.h"
#include "exec_cuda.h"
#include "jit.h"
#include "xce.h"

typedef struct xec_kernel xec_kernel;

typedef struct {
  const xec_loader *ld;
  const kcu_target *t;
  const char *cache; /* the disk cache directory, or NULL */
  int no_fma;
  long launches, interpreted;
  long scan_launches; /* of them: persistent scans (one launch each) */
  xec_kernel **pending; /* prepared, not loaded yet: loaded together (xec_flush) */
  int npending, cpending;
} xec_ctx;

struct xec_kernel {
  void *h;        /* the loader's; NULL until loaded */
  char *src;      /* the CUDA C until loaded */
  char name[128];
  kcu_launch geo;
  unsigned grid[3], block[3], smem;
  int coop; /* a cooperative launch (a persistent scan's grid barrier) */
  xec_ctx *ctx;
};

/* Loads every pending kernel: in one ld->load_many call where the loader has one (the
   emulator: few host compiler runs for a whole preparation instead of one per kernel), else
   one ld->load each; 0, or -1 with *err. */
static int xec_flush(xec_ctx *c, char **err) {
  int n = c->npending, rc = 0;
  if (!n) return 0;
  if (c->ld->load_many) {
    const char **src = xl_calloc((size_t)n, sizeof *src), **name = xl_calloc((size_t)n, sizeof *name);
    void **out = xl_calloc((size_t)n, sizeof *out);
    for (int i = 0; i < n; i++) src[i] = c->pending[i]->src, name[i] = c->pending[i]->name;
    rc = c->ld->load_many(n, src, name, c->t, c->cache, out, err);
    for (int i = 0; i < n && !rc; i++) c->pending[i]->h = out[i];
    free(src), free(name), free(out);
  } else {
    for (int i = 0; i < n && !rc; i++) {
      xec_kernel *h = c->pending[i];
      if (!(h->h = c->ld->load(h->src, h->name, c->t, &h->geo, c->cache, err))) rc = -1;
    }
  }
  if (rc) return -1;
  for (int i = 0; i < n; i++) {
    free(c->pending[i]->src);
    c->pending[i]->src = NULL;
  }
  c->npending = 0;
  return 0;
}

/* A kernel of k's name from its CUDA C (taken) launched at geo, cooperatively when coop; it
   joins the kernels loaded together by the next xec_flush. */
static xec_kernel *pend(xec_ctx *c, const kir_kernel *k, char *src, const kcu_launch *geo, int coop) {
  xec_kernel *h = xl_calloc(1, sizeof *h);
  h->src = src;
  h->ctx = c;
  h->geo = *geo;
  h->coop = coop;
  kcu_name(k->name, h->name, sizeof h->name);
  h->grid[0] = (unsigned)geo->grid, h->grid[1] = h->grid[2] = 1;
  h->block[0] = (unsigned)geo->block, h->block[1] = h->block[2] = 1;
  h->smem = (unsigned)geo->smem;
  if (c->npending == c->cpending) {
    c->cpending = c->cpending ? 2 * c->cpending : 64;
    c->pending = xl_realloc(c->pending, (size_t)c->cpending * sizeof *c->pending);
  }
  c->pending[c->npending++] = h;
  return h;
}

/* k's kernel (sc NULL) or, for a persistent scan, its scan kernel (kir_cuda.h kcu_emit_scan)
   emitted and pending; NULL when the emitter cannot spell it: a kernel is then interpreted
   (staged on the host, counted), a scan runs step by step (its kernels as plain ones). */
static void *prepare(xec_ctx *c, const kir_kernel *k, const kcu_scan *sc, cg_dtype dt) {
  kir_emit_opts eo;
  memset(&eo, 0, sizeof eo);
  eo.no_fma = c->no_fma;
  kcu_launch geo;
  char *e = NULL;
  char *src = sc ? kcu_emit_scan(k, sc, kcu_dtype_of(dt), c->t, &eo, &geo, &e)
                 : kcu_emit(k, kcu_dtype_of(dt), c->t, &eo, &geo, &e);
  if (!src) {
    free(e);
    if (!sc) c->interpreted++;
    return NULL;
  }
  return pend(c, k, src, &geo, sc ? sc->coop : 0);
}

static void *xec_prepare_kernel(const kir_kernel *k, cg_dtype dt, void *ctx, char **err) {
  (void)err; /* loading happens in xec_flush */
  return prepare(ctx, k, NULL, dt);
}

/* A persistent scan (exec_cpu.h scan_prepare): launched once per scan, cooperatively when the
   plan says so. */
static void *xec_prepare_scan(const kir_kernel *k, const kcu_scan *sc, cg_dtype dt, void *ctx, char **err) {
  (void)err;
  return prepare(ctx, k, sc, dt);
}

static int xec_run_scan(void *hp, void **bufs, char **err) {
  xec_kernel *h = hp;
  if (!h->h && xec_flush(h->ctx, err)) return -1;
  h->ctx->launches++;
  h->ctx->scan_launches++;
  return h->ctx->ld->launch(h->h, h->grid, h->block, h->smem, bufs, KIR_MAXBUF, h->coop, err);
}

static int xec_run_kernel(void *hp, void **bufs, int nbuf, char **err) {
  xec_kernel *h = hp;
  if (!h->h && xec_flush(h->ctx, err)) return -1; /* prepared after the preparation's flush */
  h->ctx->launches++;
  return h->ctx->ld->launch(h->h, h->grid, h->block, h->smem, bufs, nbuf, 0, err);
}

static void xec_release(void *hp) {
  xec_kernel *h = hp;
  xec_ctx *c = h->ctx;
  for (int i = 0; i < c->npending; i++)
    if (c->pending[i] == h) c->pending[i--] = c->pending[--c->npending];
  if (h->h) c->ld->unload(h->h);
  free(h->src);
  free(h);
}

typedef struct {
  cpu_exec *e;
  xec_ctx ctx;
  cpu_kernel_runner runner;
} xec_exec;

int xec_prepare(xl_exec *x, const xl_options *o, const xec_loader *ld, char **err) {
  const kcu_target *t = ld->target(err);
  if (!t) return -1;
  xec_exec *xe = xl_calloc(1, sizeof *xe);
  xe->ctx.ld = ld;
  xe->ctx.t = t;
  xe->ctx.cache = jit_cache_dir(); /* the JIT's disk cache directory serves all */
  xe->ctx.no_fma = o ? o->emit.no_fma : 0;
  xe->runner = (cpu_kernel_runner){xec_prepare_kernel, xec_run_kernel, xec_release, &xe->ctx, ld->device(),
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
  if (xe->e && xec_flush(&xe->ctx, err)) { /* every kernel of the plan, scan bodies included */
    cpu_free(xe->e);
    xe->e = NULL;
  }
  if (!xe->e) {
    free(xe->ctx.pending);
    free(xe);
    return -1;
  }
  x->ctx = xe;
  return 0;
}

int xec_run(xl_exec *x, xt *const *inputs, xt **outputs, char **err) {
  xec_exec *xe = x->ctx;
  int rc = cpu_run(xe->e, inputs, outputs, err);
  char *de = xl_dev_cuda_error(); /* a failed device call (the GPU's functions return nothing) */
  if (de && rc == 0) {
    if (err) *err = de;
    return -1;
  }
  free(de);
  return rc;
}

void xec_free(xl_exec *x) {
  xec_exec *xe = x->ctx;
  if (!xe) return;
  cpu_free(xe->e);
  free(xe->ctx.pending);
  free(xe);
}

void xec_stats(const xl_exec *x, xl_exec_stats *st) {
  const xec_exec *xe = x->ctx;
  const cpu_stats *s = &xe->e->stats;
  st->kernels = s->kernels;
  st->kernel_chains = s->kernel_chains;
  st->gemm_flops = s->gemm_flops;
  st->planned_bytes = s->planned_bytes;
  st->param_bytes = s->param_bytes;
  st->runs = s->run_id;
  st->extra[0].name = xe->ctx.ld->launches_stat, st->extra[0].value = (double)xe->ctx.launches;
  st->extra[1].name = "kernels-interpreted", st->extra[1].value = (double)xe->ctx.interpreted;
  st->extra[2].name = "host-staged-steps", st->extra[2].value = (double)s->staged_steps;
  st->extra[3].name = "host-staged-bytes", st->extra[3].value = s->staged_bytes;
  st->extra[4].name = "scan-launches", st->extra[4].value = (double)xe->ctx.scan_launches;
  st->extra[5].name = "scans-persistent", st->extra[5].value = (double)s->scans_persistent;
  st->nextra = 6;
}

int xec_threads(const xl_options *o) {
  (void)o;
  return 1; /* launches are issued by the calling thread (the emulator also runs them there) */
}

const kp_plan *xec_plan(const xl_exec *x) { return cpu_exec_plan(((const xec_exec *)x->ctx)->e); }

/* ---- the emulated instance ---- */

static const kcu_target *emu_target(char **err) {
  (void)err;
  return kcu_target_find("sm_90");
}

typedef struct {
  xce_module *m;
  char name[128];
} emu_kernel;

static void *emu_load(const char *src, const char *name, const kcu_target *t, const kcu_launch *geo,
                      const char *cache, char **err) {
  (void)t, (void)geo;
  xce_module *m = xce_compile(src, strlen(src), cache, err);
  if (!m) return NULL;
  emu_kernel *k = xl_calloc(1, sizeof *k);
  k->m = m;
  snprintf(k->name, sizeof k->name, "%s", name);
  return k;
}

/* every source in few host compiler runs (xce_compile_many) */
static int emu_load_many(int n, const char *const *src, const char *const *name, const kcu_target *t,
                         const char *cache, void **out, char **err) {
  (void)t;
  size_t *len = xl_calloc((size_t)n, sizeof *len);
  xce_module **m = xl_calloc((size_t)n, sizeof *m);
  for (int i = 0; i < n; i++) len[i] = strlen(src[i]);
  int rc = xce_compile_many(n, src, len, cache, m, err);
  for (int i = 0; i < n && !rc; i++) {
    emu_kernel *k = xl_calloc(1, sizeof *k);
    k->m = m[i];
    snprintf(k->name, sizeof k->name, "%s", name[i]);
    out[i] = k;
  }
  free(len), free(m);
  return rc;
}

/* The emulated device's memory is guarded (cuda_dev.h): open around the launch. Every buffer
   must be device memory (a host pointer here would fault on a GPU). */
static int emu_launch(void *h, const unsigned grid[3], const unsigned block[3], unsigned smem, void **bufs, int nbuf,
                      int coop, char **err) {
  emu_kernel *k = h;
  for (int b = 0; b < nbuf; b++)
    if (bufs[b] && !xl_dev_cuda_emu_owns(bufs[b], 1)) {
      *err = xl_fmt("kernel %s: buffer %d (%p) is not device memory", k->name, b, bufs[b]);
      return -1;
    }
  xl_dev_cuda_emu_open();
  int rc = xce_launch(k->m, k->name, grid, block, smem, bufs, nbuf, coop, err);
  xl_dev_cuda_emu_close();
  return rc;
}

static void emu_unload(void *h) {
  emu_kernel *k = h;
  xce_module_free(k->m);
  free(k);
}

static const xec_loader emu_loader = {"emu-launches", xl_dev_cuda_emu, emu_target, emu_load, emu_load_many, emu_launch, emu_unload};

static int emu_prepare(xl_exec *x, const xl_options *o, char **err) { return xec_prepare(x, o, &emu_loader, err); }

static const xl_device *emu_device(void) { return xl_dev_cuda_emu(); }

/* Opt-in (XLC_CUDA_EMU=1): every thread of a kernel with a barrier is a fiber, and a cold cache
   compiles each distinct kernel with the host C++ compiler, so the tests that run every usable
   row at their shapes would take many times longer (test_exec_cpu: over 25 minutes); the
   CTest variants *.emu set it. */
static const char *emu_unusable(void) {
  const char *v = getenv("XLC_CUDA_EMU");
  return v && !strcmp(v, "1") ? NULL : "the emulated GPU is slow and opt-in: set XLC_CUDA_EMU=1";
}

const xl_backend xl_backend_cuda_emu = {
    .name = "cuda-emu",
    .summary = "the CUDA backend's kernels (CUDA C) run on an emulated GPU on the CPU (testing without a GPU)",
    .caps = {XL_BACKEND_BOTH_DTYPES, 1, 1, 0, XL_DEV_GPU},
    .unusable = emu_unusable,
    .prepare = emu_prepare,
    .run = xec_run,
    .free = xec_free,
    .stats = xec_stats,
    .threads = xec_threads,
    .device = emu_device,
    .plan = xec_plan,
};
