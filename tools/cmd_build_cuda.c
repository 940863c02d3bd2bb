/* cmd_build_cuda.c - `xlc build FILE ENTRY --target cuda [--arch sm_90] --emit-dir DIR`: the
 * CUDA C of every fused kernel of an entry (compiler/kir_cuda.h), compiled by NVRTC
 * (runtime/cuda/nvrtc.h) for the architecture, and a report of what ptxas made of each.
 *
 * Output in DIR: per KP_KERNEL of the plan (scan bodies included) <kernel>.cu (the exact
 * bytes given to NVRTC) and <kernel>.ptx, and report.txt: entry, settings, dtype, target facts,
 * NVRTC version, per kernel its fused nodes with their .xl positions, launch geometry,
 * registers, spills, shared memory and stack (ptxas), bytes moved, FLOPs and a roofline
 * estimate at the target's bandwidth and peak (kir_cuda.c's table of target facts), and per
 * scan how it runs (per-step kernels until the persistent scan kernel exists). Everything is
 * compiled in memory before anything is written, each file atomically (temp + rename), so an
 * error leaves DIR as it was, except for files already replaced when a later write fails.
 * NVRTC is loaded at run time: without it the command fails (exit 1) naming the library;
 * $XLC_NVRTC_LIB names another library file to load.
 * Kernels are planned with the CPU target's limits (the CUDA kp_target is later work).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cg.h"
#include "driver.h"
#include "kir_cuda.h"
#include "kplan.h"
#include "nvrtc.h"

void usage_build_cuda(FILE *out) {
  fprintf(out,
          "usage: xlc build FILE.xl ENTRY --target cuda [--arch sm_80|sm_90] --emit-dir DIR\n"
          "                 [--set NAME=VALUE]... [--loss | --grad] [--dtype f32|f64|bf16]\n"
          "\n"
          "Writes the CUDA C of every fused kernel of ENTRY, compiled with NVRTC (loaded at\n"
          "run time: libnvrtc.so.13) for the architecture (default sm_90), into DIR:\n"
          "  <kernel>.cu    the kernel's CUDA C, exactly as given to NVRTC\n"
          "  <kernel>.ptx   its PTX\n"
          "  report.txt     per kernel: launch geometry, registers, spills, shared memory and\n"
          "                 stack (ptxas), bytes moved, FLOPs, and a roofline estimate at the\n"
          "                 reference part's bandwidth and peak; how each scan runs\n"
          "No GPU is needed. Compiles are cached on disk ($XLC_CACHE_DIR/cuda). bf16 stores\n"
          "bf16 and computes in f32. $XLC_NVRTC_LIB: the NVRTC library to load instead of\n"
          "libnvrtc.so.13. Exit status: 0 ok, 1 errors in the file, the command line,\n"
          "NVRTC missing or DIR not writable, 2 internal error (a kernel NVRTC rejects).\n");
}

/* ---- the build ---- */

typedef struct {
  const kp_plan *p;
  int step;
  char *where;
  double reps;
  char stem[96]; /* file name stem, unique in DIR */
  char *src;
  kcu_launch geo;
  xnv_result res;
} ck_kernel;

typedef struct {
  XL_VEC(ck_kernel) kern;
  XL_VEC(char *) scans; /* report lines of the scans */
  int ngemm, nview, nref;
} ck_plan;

static int collect(const kp_plan *p, int step, const char *where, double reps, void *ud) {
  ck_plan *b = ud;
  const kp_step *s = &p->steps.v[step];
  switch (s->kind) {
  case KP_KERNEL: {
    ck_kernel k = {p, step, xl_strdup(where), reps, "", NULL, {0}, {0}};
    xl_vec_push(b->kern, k);
    break;
  }
  case KP_GEMM: b->ngemm++; break;
  case KP_VIEW: b->nview++; break;
  case KP_REF:
    b->nref++;
    if (s->body) {
      int nk = 0;
      for (int i = 0; i < s->body->steps.n; i++) nk += s->body->steps.v[i].kind == KP_KERNEL;
      char *l = xl_fmt("scan %%%d%s%s: per-step kernels (%d kernel%s a step, launched once per step; the persistent "
                       "scan kernel is later work)",
                       s->node, *where ? " in " : "", where, nk, nk == 1 ? "" : "s");
      xl_vec_push(b->scans, l);
    }
    break;
  }
  return 0;
}

/* "%3 add at f.xl:4:5, %4 exp at ..." : the .xl constructs a kernel fuses */
static void put_nodes(FILE *f, const kp_plan *p, int step) {
  const kp_step *s = &p->steps.v[step];
  for (int i = 0; i < s->nodes.n; i++) {
    const cg_node *n = &p->g->nodes.v[s->nodes.v[i]];
    fprintf(f, "%s%%%d %s", i ? ", " : "", s->nodes.v[i], cg_ops[n->op].name);
    if (n->loc.line) fprintf(f, " at %s:%d:%d", n->loc.file ? n->loc.file : "?", n->loc.line, n->loc.col);
  }
}

static void report_kernel(FILE *rep, const ck_kernel *k, kcu_dtype dt, const kcu_target *t, double *tsum) {
  const kp_step *s = &k->p->steps.v[k->step];
  const kir_kernel *kk = s->kir;
  fprintf(rep, "\nkernel %s\n", kk->name);
  if (*k->where) fprintf(rep, "  in: body of %s, runs %.0f times per call\n", k->where, k->reps);
  fprintf(rep, "  nodes: ");
  put_nodes(rep, k->p, k->step);
  char *dom = drv_shape_str(kk->ndim, kk->dim);
  fprintf(rep, "\n  nests: %d, domain of nest 0: %s\n", kir_nnest(kk), dom);
  free(dom);
  fprintf(rep, "  launch: grid %lld, block %d, dynamic shared memory %lld bytes%s\n", (long long)k->geo.grid,
          k->geo.block, (long long)k->geo.smem,
          k->geo.split >= 0 ? ", blocks = the split dimension (heads)" : kk->next ? ", one block" : "");
  const xnv_info *in = NULL;
  char name[80];
  kcu_name(kk->name, name, sizeof name);
  for (int i = 0; i < k->res.nkern; i++)
    if (!strcmp(k->res.kern[i].name, name)) in = &k->res.kern[i];
  if (in)
    fprintf(rep, "  ptxas: registers %d, spill stores %ld bytes, spill loads %ld bytes, shared memory %ld bytes, stack %ld bytes\n",
            in->regs, in->spill_stores, in->spill_loads, in->smem, in->stack);
  else
    fprintf(rep, "  ptxas: (no report for %s)\n", name);
  double bytes, flops;
  kcu_cost(kk, dt, &bytes, &flops);
  double peak = dt == KCU_F64 ? t->peak_f64 : t->peak_f32;
  double tm = bytes / t->bandwidth * 1e6, tf = flops / peak * 1e6, tt = tm > tf ? tm : tf;
  fprintf(rep, "  bytes moved: %.0f, flops: %.0f (per call of the kernel)\n", bytes, flops);
  fprintf(rep, "  roofline: %.4f us (memory %.4f us, compute %.4f us: %s-bound)\n", tt, tm, tf,
          tm >= tf ? "memory" : "compute");
  if (*k->where) fprintf(rep, "  roofline per call of the entry: %.3f us (x %.0f)\n", tt * k->reps, k->reps);
  fprintf(rep, "  compile: %.1f ms (%s)\n  files: %s.cu %s.ptx\n", k->res.ms, k->res.from_cache ? "disk-cache hit" : "compiled",
          k->stem, k->stem);
  *tsum += tt * k->reps;
}

int bld_cuda(const bld_args *ba) {
  const char *dir = ba->dir, *path = ba->path, *entry = ba->entry, *arch = ba->arch ? ba->arch : "sm_90";
  const drv_sets *sets = &ba->sets;
  int loss = ba->loss, grad = ba->grad, rc = XLC_EXIT_USER;
  kcu_dtype dt = KCU_F32;
  drv_src s = {0};
  xl_module mod = {0};
  ck_plan b = {0};
  xnv_lib *nv = NULL;
  char *rbuf = NULL;
  size_t rlen = 0;
  if (ba->dtype && !kcu_dtype_parse(ba->dtype, &dt)) {
    drv_error("unknown dtype '%s' (expected f32, f64 or bf16)", ba->dtype);
    goto out;
  }
  const kcu_target *t = kcu_target_find(arch);
  if (!t) {
    drv_error("unknown --arch '%s' (known: %s)", arch, kcu_target_list());
    goto out;
  }
  if (drv_src_load(&s, path) != 0 || drv_src_parse(&s) != 0) goto out;
  xl_request r = {0};
  r.entry = entry, r.sets = sets->v.v, r.nsets = sets->v.n;
  r.grad = loss ? XL_GRAD_LOSS : grad ? XL_GRAD_COT : XL_GRAD_NONE;
  r.stop = XL_STAGE_KPLAN, r.dt = dt == KCU_F64 ? CG_F64 : CG_F32;
  if ((rc = drv_compile(&s, &r, &mod)) != XLC_EXIT_OK) goto out;
  rc = XLC_EXIT_USER;
  char *nerr = NULL;
  const char *lib = getenv("XLC_NVRTC_LIB"); /* another libnvrtc (tests: a missing one) */
  if (!(nv = xnv_open(lib && *lib ? lib : NULL, &nerr))) {
    drv_error("%s", nerr);
    free(nerr);
    goto out;
  }
  drv_plan_walk(mod.plan, collect, &b);

  /* emit and compile everything before writing anything */
  const xl_options *opt = drv_options();
  for (int i = 0; i < b.kern.n; i++) {
    ck_kernel *k = &b.kern.v[i];
    const kir_kernel *kk = k->p->steps.v[k->step].kir;
    char *err = NULL, name[80];
    kcu_name(kk->name, name, sizeof name);
    snprintf(k->stem, sizeof k->stem, "%s", name);
    for (int j = 0, n = 2; j < i; j++) /* two plans' kernels of one name: k3_add, k3_add_2 */
      if (!strcmp(b.kern.v[j].stem, k->stem)) snprintf(k->stem, sizeof k->stem, "%s_%d", name, n++), j = -1;
    k->src = kcu_emit(kk, dt, t, &opt->emit, &k->geo, &err);
    if (!k->src) {
      drv_internal("%s", err);
      free(err);
      rc = XLC_EXIT_INTERNAL;
      goto out;
    }
    if (xnv_compile(nv, k->src, name, t->arch, opt->cache_dir, &k->res, &err) != 0) {
      char *lines = xnv_error_lines(err, k->src);
      drv_internal("NVRTC rejected the generated kernel %s for %s:\n%s", kk->name, t->arch, lines ? lines : err);
      fprintf(stderr, "  the kernel fuses: ");
      put_nodes(stderr, k->p, k->step);
      fputc('\n', stderr);
      free(lines);
      free(err);
      rc = XLC_EXIT_INTERNAL;
      goto out;
    }
  }

  /* the report */
  FILE *rep = open_memstream(&rbuf, &rlen);
  int vmaj, vmin;
  xnv_version(nv, &vmaj, &vmin);
  fprintf(rep, "xlc build report (target cuda)\nfile: %s\nentry: %s\nsettings:", path, entry);
  for (int i = 0; i < sets->v.n; i++) fprintf(rep, " %s=%s", sets->v.v[i].key, sets->v.v[i].val);
  fprintf(rep, "%s\n", sets->v.n ? "" : " (none)");
  fprintf(rep, "graph: %s\n", loss   ? "training (forward + backward of 'loss')"
                               : grad ? "forward + backward (cotangent inputs 'cot.NAME')"
                                      : "forward");
  fprintf(rep, "dtype: %s%s\n", kcu_dtype_name(dt), dt == KCU_BF16 ? " (bf16 storage, f32 arithmetic)" : "");
  fprintf(rep, "arch: %s (compute capability %d.%d; roofline for the %s: %.2f TB/s, %.1f TFLOP/s f32, %.1f TFLOP/s f64)\n",
          t->arch, t->cc_major, t->cc_minor, t->device, t->bandwidth / 1e12, t->peak_f32 / 1e12, t->peak_f64 / 1e12);
  fprintf(rep, "nvrtc: %d.%d (--fmad=false)\n", vmaj, vmin);
  fprintf(rep, "steps: kernels %d, gemms %d, views %d, reference %d (scan bodies included)\n", b.kern.n, b.ngemm,
          b.nview, b.nref);
  for (int i = 0; i < b.scans.n; i++) fprintf(rep, "%s\n", b.scans.v[i]);
  double tsum = 0;
  int spills = 0;
  for (int i = 0; i < b.kern.n; i++) {
    report_kernel(rep, &b.kern.v[i], dt, t, &tsum);
    for (int j = 0; j < b.kern.v[i].res.nkern; j++)
      spills += b.kern.v[i].res.kern[j].spill_stores > 0 || b.kern.v[i].res.kern[j].spill_loads > 0;
  }
  fprintf(rep, "\ntable: kernel regs spill_st spill_ld smem_static smem_dyn grid block bytes flops roofline_us reps\n");
  for (int i = 0; i < b.kern.n; i++) {
    const ck_kernel *k = &b.kern.v[i];
    const kir_kernel *kk = k->p->steps.v[k->step].kir;
    const xnv_info *in = k->res.nkern ? &k->res.kern[0] : NULL;
    double bytes, flops;
    kcu_cost(kk, dt, &bytes, &flops);
    double tm = bytes / t->bandwidth * 1e6, tf = flops / (dt == KCU_F64 ? t->peak_f64 : t->peak_f32) * 1e6;
    fprintf(rep, "  %s %d %ld %ld %ld %lld %lld %d %.0f %.0f %.4f %.0f\n", k->stem, in ? in->regs : -1,
            in ? in->spill_stores : -1, in ? in->spill_loads : -1, in ? in->smem : -1, (long long)k->geo.smem,
            (long long)k->geo.grid, k->geo.block, bytes, flops, tm > tf ? tm : tf, k->reps);
  }
  fprintf(rep, "\ntotal: kernels %d, with spills %d; roofline of the kernels per call of the entry %.3f us "
               "(GEMMs and reference steps not included)\n",
          b.kern.n, spills, tsum);
  fclose(rep);

  if (bld_make_dir(dir) != 0) {
    drv_error("cannot create directory '%s': %s", dir, strerror(errno));
    goto out;
  }
  for (int i = 0; i < b.kern.n; i++) {
    ck_kernel *k = &b.kern.v[i];
    char *cu = xl_fmt("%s.cu", k->stem), *px = xl_fmt("%s.ptx", k->stem);
    int w = bld_write_file(dir, cu, k->src, strlen(k->src)) || bld_write_file(dir, px, k->res.ptx, strlen(k->res.ptx));
    free(cu);
    free(px);
    if (w) goto out;
  }
  if (bld_write_file(dir, "report.txt", rbuf, rlen) != 0) goto out;
  printf("%s: %d CUDA kernel%s for %s (%s), %d with spills; %d GEMM%s, %d view%s, %d reference step%s -> %s\n", entry,
         b.kern.n, b.kern.n == 1 ? "" : "s", t->arch, kcu_dtype_name(dt), spills, b.ngemm, b.ngemm == 1 ? "" : "s",
         b.nview, b.nview == 1 ? "" : "s", b.nref, b.nref == 1 ? "" : "s", dir);
  rc = XLC_EXIT_OK;
out:
  free(rbuf);
  for (int i = 0; i < b.kern.n; i++) {
    free(b.kern.v[i].where);
    free(b.kern.v[i].src);
    xnv_result_free(&b.kern.v[i].res);
  }
  free(b.kern.v);
  for (int i = 0; i < b.scans.n; i++) free(b.scans.v[i]);
  free(b.scans.v);
  xnv_close(nv);
  xl_module_free(&mod);
  if (fflush(stdout) != 0 && rc == XLC_EXIT_OK) {
    drv_error("cannot write to stdout");
    rc = XLC_EXIT_USER;
  }
  drv_src_free(&s);
  return rc;
}
