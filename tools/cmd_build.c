/* cmd_build.c - `xlc build FILE ENTRY --emit-dir DIR`: compile every fused kernel of an entry
 * and write what the code generator made of it.
 *
 * Input: a .xl entry (forward graph; with --loss the training graph of output 'loss'; with
 * --grad forward + backward seeded by a cotangent input per output, XL_GRAD_COT) and a dtype.
 * Output in DIR: per KP_KERNEL of the kernel plan (scan bodies included) <kernel>.mlir
 * (kir_to_mlir), <kernel>.ll (LLVM IR after -O3 for the host) and <kernel>.s (host assembly);
 * plan.txt (the plan with KIR, as --stage=kir prints it) and report.txt (counts, host,
 * pipeline, per-kernel ops, domain, vectorization and compile time). Every file is written to
 * a temp file and renamed. Also home of the plan walker shared with `xlc dump --stage=mlir`.
 * Runs nothing.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg.h"
#include "driver.h"
#include "jit.h"
#include "kplan.h"

/* ---- usage ---- */

void usage_build(FILE *out) {
  fprintf(out,
          "usage: xlc build FILE.xl ENTRY --emit-dir DIR [--set NAME=VALUE]...\n"
          "                 [--loss | --grad] [--dtype f32|f64]\n"
          "\n"
          "Plans the cell graph of ENTRY into kernels, compiles every fused kernel for this\n"
          "CPU and writes what the code generator produced into DIR (created if missing):\n"
          "  <kernel>.mlir  the kernel as MLIR (func/scf/arith/math/memref/vector dialects)\n"
          "  <kernel>.ll    its LLVM IR after -O3 for the host CPU\n"
          "  <kernel>.s     its host assembly\n"
          "  plan.txt       the kernel plan with the KIR of every kernel (= dump --stage=kir)\n"
          "  report.txt     entry, settings, dtype, host, pass pipeline, step counts, GEMM\n"
          "                 FLOPs, and per kernel its ops, domain, whether its LLVM IR has\n"
          "                 vector operations, compile time and disk-cache use\n"
          "Kernels inside scan bodies are included. Each file is replaced atomically; files of\n"
          "earlier builds in DIR are left alone. The compiled objects go to the JIT disk cache\n"
          "($XLC_CACHE_DIR, else $XDG_CACHE_HOME/xlc or ~/.cache/xlc; XLC_CACHE_DIR=off: none),\n"
          "so a later `xlc run` of the same entry and dtype finds them there.\n"
          "\n"
          "options:\n"
          "  --emit-dir DIR     where to write (required)\n"
          "  --set NAME=VALUE   a configuration parameter of ENTRY or a free dimension\n"
          "                     (e.g. --set B=2 --set T=4); repeatable, the last one wins\n"
          "  --loss             plan the training graph (forward + backward of output 'loss')\n"
          "  --grad             plan forward + backward with every float output seeded by a\n"
          "                     cotangent input 'cot.NAME' (as `xlc run --cotangents`); for\n"
          "                     entries without a 'loss' output. Excludes --loss\n"
          "  --dtype f32|f64    element type of the kernels (default f32)\n"
          "  --target cpu|cuda  cpu (default): this CPU; cuda: CUDA C compiled by NVRTC, see\n"
          "                     `xlc build --target cuda --help`\n"
          "\n"
          "exit status: 0 ok, 1 errors in the file, the command line or DIR not writable,\n"
          "2 internal error (a kernel the code generator cannot compile)\n");
}

/* ---- files ---- */

/* A memory stream for a file's text; finished by mem_close. */
typedef struct {
  char *buf;
  size_t len;
  FILE *f;
} memf;

static void mem_open(memf *m) {
  m->buf = NULL;
  m->len = 0;
  m->f = open_memstream(&m->buf, &m->len);
  XL_ASSERT(m->f);
}

static void mem_close(memf *m) {
  fclose(m->f);
  m->f = NULL;
}

/* ---- the build ---- */

typedef struct {
  const kp_plan *p;
  int step;
  char *where;
  double reps;
  const char *text; /* its MLIR (the pipeline's emit stage) */
} bk_kernel;

typedef struct {
  XL_VEC(bk_kernel) kern;
  int ngemm, nview, nref;
  double flops; /* GEMM FLOPs per execution of the plan */
} bk_plan;

static int collect(const kp_plan *p, int step, const char *where, double reps, void *ud) {
  bk_plan *b = ud;
  const kp_step *s = &p->steps.v[step];
  switch (s->kind) {
  case KP_KERNEL: {
    bk_kernel k = {p, step, xl_strdup(where), reps, NULL};
    xl_vec_push(b->kern, k);
    break;
  }
  case KP_GEMM:
    b->ngemm++;
    b->flops += s->gemm.flops * reps;
    break;
  case KP_VIEW: b->nview++; break;
  case KP_REF: b->nref++; break;
  }
  return 0;
}

/* File-name stem of a kernel: its name with anything but [A-Za-z0-9_] as '_'. */
static void stem(const char *name, char *out, size_t n) {
  size_t i = 0;
  for (; name[i] && i + 1 < n; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out[i] = ok ? c : '_';
  }
  out[i] = 0;
}

/* totals over the kernels of a build */
typedef struct {
  int nvec;           /* kernels whose LLVM IR has the vector type */
  int ncomp, nhit;    /* compiled now / loaded from the disk cache */
  double ms_comp, ms_hit;
} bk_tally;

static const char *red_name(kir_op op) { return op == KIR_MAX ? "max" : "add"; }

/* The innermost loop (the vectorized one) from kir_to_mlir's "-> loops [6 par, 5 red]" header
   comment: its extent, and whether it is the thread-split dimension. 0 if not found. */
static int inner_loop(const char *mlir, long long *len, int *par) {
  const char *p = strstr(mlir, "-> loops [");
  if (!p) return 0;
  p += strlen("-> loops [");
  const char *end = strchr(p, ']'), *last = p;
  if (!end) return 0;
  for (const char *c = p; c < end; c++)
    if (*c == ',') last = c + 1;
  char *e;
  *len = strtoll(last, &e, 10);
  if (e == last || e > end) return 0;
  *par = 0;
  for (const char *c = e; c + 3 <= end; c++)
    if (!strncmp(c, "par", 3)) *par = 1;
  return 1;
}

/* Compiles kernel kk and writes its three files; appends its report section to rep.
   Returns an exit code (errors printed). */
static int build_kernel(const char *dir, const bk_kernel *kk, cg_dtype dt, FILE *rep, bk_tally *t) {
  const kp_step *s = &kk->p->steps.v[kk->step];
  const kir_kernel *k = s->kir;
  char vecty[32];
  snprintf(vecty, sizeof vecty, "<%d x %s>", jit_vector_bits() / (dt == CG_F64 ? 64 : 32), dt == CG_F64 ? "double" : "float");
  char st[80], fname[96];
  stem(k->name, st, sizeof st);
  int rc = XLC_EXIT_OK;
  const char *text = kk->text;
  char *ll = NULL, *as = NULL, *err = NULL;
  xl_jit *j = NULL;

  memf m;
  mem_open(&m);
  drv_kernel_comment(kk->p, kk->step, kk->where, m.f);
  fputs(text, m.f);
  mem_close(&m);
  snprintf(fname, sizeof fname, "%s.mlir", st);
  if (bld_write_file(dir, fname, m.buf, m.len) != 0) rc = XLC_EXIT_USER;
  free(m.buf);
  if (rc) goto out;

  /* the bare text (no comment) is what `xlc run` compiles: same cache key */
  static const struct {
    jit_emit_kind kind;
    const char *ext;
  } emits[] = {{JIT_EMIT_LLVM_IR, "ll"}, {JIT_EMIT_ASM, "s"}};
  for (int e = 0; e < 2; e++) {
    char *out = jit_emit(text, emits[e].kind, &err);
    if (!out) {
      drv_internal("kernel %s: %s", k->name, err ? err : "code generation failed");
      rc = XLC_EXIT_INTERNAL;
      goto out;
    }
    snprintf(fname, sizeof fname, "%s.%s", st, emits[e].ext);
    if (bld_write_file(dir, fname, out, strlen(out)) != 0) rc = XLC_EXIT_USER;
    if (e == 0)
      ll = out;
    else
      as = out;
    if (rc) goto out;
  }
  j = jit_compile(text, k->name, &err);
  if (!j) {
    drv_internal("kernel %s: %s", k->name, err ? err : "compilation failed");
    rc = XLC_EXIT_INTERNAL;
    goto out;
  }

  /* ---- report section ---- */
  fprintf(rep, "\nkernel %s\n", k->name);
  if (*kk->where) fprintf(rep, "  in: body of %s, runs %.0f times per call\n", kk->where, kk->reps);
  fprintf(rep, "  nodes:");
  for (int i = 0; i < s->nodes.n; i++)
    fprintf(rep, "%s %%%d %s", i ? "," : "", s->nodes.v[i], cg_ops[kk->p->g->nodes.v[s->nodes.v[i]].op].name);
  int nload = 0, nstore = 0, nconst = 0, nop = 0;
  if (k->next) fprintf(rep, "\n  nests: %d (one function; ops, domain and loops below are of nest 0)", kir_nnest(k));
  fprintf(rep, "\n  ops:");
  for (int i = 0; i < k->body.n; i++) {
    kir_op op = k->body.v[i].op;
    if (op == KIR_LOAD) nload++;
    else if (op == KIR_STORE) nstore++;
    else if (op == KIR_CONST) nconst++;
    else {
      fprintf(rep, " %s", kir_op_name(op));
      nop++;
    }
  }
  if (k->red_mask) fprintf(rep, "%s reduce %s", nop ? " then" : "", red_name(k->red_op));
  else if (!nop) fprintf(rep, " (copy)");
  fprintf(rep, "\n  instructions: %d (loads %d, stores %d, constants %d)\n", k->body.n, nload, nstore, nconst);
  char *dom = drv_shape_str(k->ndim, k->dim);
  int64_t pts = 1;
  for (int d = 0; d < k->ndim; d++) pts *= k->dim[d];
  fprintf(rep, "  domain: %s = %lld points", dom, (long long)pts);
  free(dom);
  if (k->red_mask) {
    fprintf(rep, ", reduced (%s) over dims", red_name(k->red_op));
    for (int d = 0; d < k->ndim; d++)
      if (k->red_mask >> d & 1u) fprintf(rep, " %d", d);
  }
  fprintf(rep, "\n  buffers: %d\n", k->nbuf);
  long long il = -1; /* -1: unknown */
  int ipar = 0, lanes = jit_vector_bits() / (dt == CG_F64 ? 64 : 32);
  if (!inner_loop(text, &il, &ipar))
    il = -1;
  else
    fprintf(rep, "  inner loop: %lld points = %lld vectors of %d + %lld remainder%s\n", il, il / lanes, lanes,
            il % lanes, ipar ? " (thread-split dimension: when one thread runs it all)" : "");
  int vec = strstr(ll, vecty) != NULL;
  t->nvec += vec;
  if (jit_from_cache(j)) {
    t->nhit++;
    t->ms_hit += jit_ms(j);
  } else {
    t->ncomp++;
    t->ms_comp += jit_ms(j);
  }
  if (vec && il >= 0 && il < lanes) /* e.g. LLVM vectorized an init loop; the inner loop cannot */
    fprintf(rep, "  vectorized: yes (%s in the LLVM IR; not the inner loop, shorter than %d)\n", vecty, lanes);
  else if (vec)
    fprintf(rep, "  vectorized: yes (%s in the LLVM IR)\n", vecty);
  else
    fprintf(rep, "  vectorized: no\n");
  fprintf(rep, "  compile: %.1f ms (%s)\n", jit_ms(j), jit_from_cache(j) ? "disk-cache hit" : "compiled");
  fprintf(rep, "  files: %s.mlir %s.ll %s.s\n", st, st, st);
out:
  jit_free(j);
  free(err);
  free(as);
  free(ll);
  return rc;
}

/* one line of report.txt per interpreter compute step (kplan.h kp_fallbacks) */
static void report_fallback(const kp_plan *p, int step, const char *why, void *ud) {
  const cg_node *n = &p->g->nodes.v[p->steps.v[step].node];
  char *sh = drv_shape_str(n->shape.rank, n->shape.d);
  fprintf(ud, "interpreter: %%%d %s %s", p->steps.v[step].node, cg_ops[n->op].name, sh);
  if (n->loc.line) fprintf(ud, " at %s:%d:%d", n->loc.file ? n->loc.file : "?", n->loc.line, n->loc.col);
  fprintf(ud, ": %s\n", why);
  free(sh);
}

int bld_cpu(const bld_args *ba) {
  const char *dir = ba->dir, *path = ba->path, *entry = ba->entry;
  const drv_sets *sets = &ba->sets;
  int loss = ba->loss, grad = ba->grad, rc = XLC_EXIT_USER;
  cg_dtype dt = CG_F32;
  drv_src s = {0};
  xl_module mod = {0};
  bk_plan b = {0};
  memf m = {0};
  if (ba->dtype && !strcmp(ba->dtype, "f64")) dt = CG_F64;
  else if (ba->dtype && strcmp(ba->dtype, "f32")) {
    drv_error("unknown dtype '%s' (expected f32 or f64)", ba->dtype);
    goto out;
  }
  if (drv_src_load(&s, path) != 0 || drv_src_parse(&s) != 0) goto out;
  xl_request r = {0};
  r.entry = entry, r.sets = sets->v.v, r.nsets = sets->v.n;
  r.grad = loss ? XL_GRAD_LOSS : grad ? XL_GRAD_COT : XL_GRAD_NONE;
  r.stop = XL_STAGE_EMIT, r.dt = dt;
  if ((rc = drv_compile(&s, &r, &mod)) != XLC_EXIT_OK) goto out;
  rc = XLC_EXIT_USER;
  const kp_plan *p = mod.plan;
  drv_plan_walk(p, collect, &b);
  XL_ASSERT(b.kern.n == mod.kern.n);
  for (int i = 0; i < b.kern.n; i++) { /* the same walk: the same order */
    XL_ASSERT(mod.kern.v[i].plan == b.kern.v[i].p && mod.kern.v[i].step == b.kern.v[i].step);
    b.kern.v[i].text = mod.kern.v[i].text;
  }

  if (bld_make_dir(dir) != 0) {
    drv_error("cannot create directory '%s': %s", dir, strerror(errno));
    goto out;
  }
  /* plan.txt first: an unwritable DIR fails before any compile */
  mem_open(&m);
  kp_dump(p, m.f, 1);
  mem_close(&m);
  if (bld_write_file(dir, "plan.txt", m.buf, m.len) != 0) goto out;
  free(m.buf);
  m.buf = NULL;

  mem_open(&m);
  FILE *rep = m.f;
  const char *host = jit_host(), *cache = jit_cache_dir();
  fprintf(rep, "xlc build report\n");
  fprintf(rep, "file: %s\nentry: %s\n", path, entry);
  fprintf(rep, "settings:");
  for (int i = 0; i < sets->v.n; i++) fprintf(rep, " %s=%s", sets->v.v[i].key, sets->v.v[i].val);
  fprintf(rep, "%s\n", sets->v.n ? "" : " (none)");
  fprintf(rep, "graph: %s\n", loss   ? "training (forward + backward of 'loss')"
                               : grad ? "forward + backward (cotangent inputs 'cot.NAME')"
                                      : "forward");
  fprintf(rep, "dtype: %s\n", dt == CG_F64 ? "f64" : "f32");
  fprintf(rep, "host: %s\n", host ? host : "(JIT unavailable)");
  fprintf(rep, "pipeline: %s\n", jit_pipeline());
  fprintf(rep, "cache: %s\n", cache ? cache : "off");
  fprintf(rep, "steps: kernels %d, gemms %d, views %d, reference %d (scan bodies included)\n", b.kern.n, b.ngemm,
          b.nview, b.nref);
  fprintf(rep, "gemm flops: %.0f per call (scan bodies times their length)\n", b.flops);
  int nfb = kp_fallbacks(mod.plan, report_fallback, rep);
  fprintf(rep, "interpreter compute steps: %d%s\n", nfb, nfb ? " (listed above: no compiled path yet)" : "");

  jit_stats_t st0 = jit_stats();
  bk_tally t = {0};
  for (int i = 0; i < b.kern.n; i++) {
    rc = build_kernel(dir, &b.kern.v[i], dt, rep, &t);
    if (rc) goto out;
  }
  rc = XLC_EXIT_USER;
  jit_stats_t st1 = jit_stats();
  fprintf(rep, "\ntotal: kernels %d, vectorized %d; compiled %d in %.1f ms, disk-cache hits %d in %.1f ms",
          b.kern.n, t.nvec, t.ncomp, t.ms_comp, t.nhit, t.ms_hit);
  if (st1.corrupt > st0.corrupt) fprintf(rep, ", %ld corrupt entries recompiled", st1.corrupt - st0.corrupt);
  fputc('\n', rep);
  mem_close(&m);
  if (bld_write_file(dir, "report.txt", m.buf, m.len) != 0) goto out;
  printf("%s: %d kernel%s (%d vectorized), %d GEMM%s, %d view%s, %d reference step%s -> %s\n", entry, b.kern.n,
         b.kern.n == 1 ? "" : "s", t.nvec, b.ngemm, b.ngemm == 1 ? "" : "s", b.nview, b.nview == 1 ? "" : "s", b.nref,
         b.nref == 1 ? "" : "s", dir);
  if (nfb)
    printf("%s: %d step%s compute on the reference interpreter (listed in report.txt)\n", entry, nfb, nfb == 1 ? "" : "s");
  rc = XLC_EXIT_OK;
out:
  if (m.f) fclose(m.f);
  free(m.buf);
  for (int i = 0; i < b.kern.n; i++) free(b.kern.v[i].where);
  free(b.kern.v);
  xl_module_free(&mod);
  if (fflush(stdout) != 0 && rc == XLC_EXIT_OK) {
    drv_error("cannot write to stdout");
    rc = XLC_EXIT_USER;
  }
  drv_src_free(&s);
  return rc;
}
