/* exec_cpu.c - the compiled CPU executor: runs a cell graph through its kernel plan.
 *
 * Steps of the plan (kplan.h): KP_GEMM through OpenBLAS (cblas_?gemm per outer and batch entry),
 * reference EINSUM steps as their kp_ein descriptor says (strided BLAS calls, GEMMs on copies,
 * or loops; the executor decides nothing about them),
 * KP_KERNEL through JIT-compiled KIR (mlir_jit.c; kir_interp when the JIT is disabled with
 * xl_options.no_jit, XLC_NO_JIT=1), KP_VIEW as aliases, KP_REF through the reference executor's single-node
 * evaluation; SCAN steps run their body's own plan once per step, or, with a kernel runner
 * that launches persistent scans (cpu_kernel_runner.scan_run), as one launch (run_scan_dev). Results equal the reference
 * executor up to floating-point rounding (tests/unit/test_exec_cpu.c checks every stdlib
 * entry). Values live where the memory plan puts them (memplan.h); the workspace is allocated
 * by the first run and reused. The workspace, the GEMM steps, the launches of compiled kernels
 * and the copies of the results go through the program's device (runtime/device.h; the CPU
 * device is defined below, beside the thread pool it launches on). On the CPU device the other
 * steps (reference-evaluated nodes, non-GEMM einsums, pad/concat, scan slice copies, the KIR
 * interpreter) read and write the values in place, and inputs are borrowed. On a device of
 * kind XL_DEV_GPU (the CUDA executor, runtime/cuda/exec_cuda.c: cpu_prepare_with) no value is
 * touched on the host: inputs are copied into a device input block, outputs out at the end,
 * scan moves and pad/concat are device copies, and the rest is staged through host copies
 * (below, "a GPU's memory"). runtime/backend.c registers this executor as the backend "cpu".
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "exec_cpu.h"
#include "jit.h"
#include "memplan.h"
#include "pipeline.h"

typedef struct cpu_prog cpu_prog;
/* The run-time state of an EINSUM step the plan runs through copies (kp_ein gemm, not direct):
   the scratch of the canonical copies (allocated once) and the canonical copy of a
   loop-invariant operand (a parameter read inside a scan body is copied once per run, not once
   per step). */
typedef struct {
  void *buf[3];
  int invariant[2];
  const void *csrc[2];
  long cgen[2];
} ein_run;

typedef struct {
  xl_jit *jit;           /* NULL: interpret */
  kir_fn fn;
  void *rh;              /* the kernel runner's handle (cpu_prepare_with), else NULL */
  int64_t hi;            /* extent of the kernel's parallel dimension (1 if none) */
  int64_t points;        /* size of the loop domain (decides whether to split it) */
} cpu_kern;

struct cpu_prog {
  const cg_graph *g;
  cg_dtype dt;
  kp_plan *plan;
  cpu_kern *kern;        /* per step */
  cpu_prog **body;       /* per step: the program of a SCAN's body */
  ein_run *ein;          /* per step: run-time state of an EINSUM step (kplan.h kp_ein) */
  struct scan_prep *scan; /* per step: how a SCAN binds its steps' values (below) */
  char *stepmajor;       /* per node: a SCAN_OUT of saved states stored [T][rest] (below) */
  cpu_stats *stats;
  const xl_device *dev;  /* where GEMMs and compiled kernels run and the workspace lives */
  const cpu_kernel_runner *runner; /* runs the kernels instead of the JIT (NULL: the JIT) */
  mp_plan *mp;           /* where every value lives (memplan.h) */
  double *t_step;        /* per step: seconds spent in it (XLC_PROFILE), scan bodies in theirs */
  long *n_step;          /* per step: how often it ran (XLC_PROFILE) */
  struct cpu_vals *vals; /* per node value tables, kept across runs (one run at a time) */
  int *out_bind;         /* top level, per graph output: the node a caller's tensor can be the
                            storage of (out_bind_prepare), -1 if none */
  int *out_same, *out_same_at; /* the inputs of output k's size: out_same[out_same_at[k] ..
                                  out_same_at[k+1]) (a caller's tensor could be both) */
  int *in_nodes, nin;          /* top level: the INPUT nodes, in order */
  size_t *in_off, in_bytes;    /* on a GPU: input j's offset in the device input block */
  char *in_dev;                /* on a GPU: that block (allocated by the first cpu_run) */
  struct scan_dev *sdev;       /* per step: a scan run as one launch by the kernel runner */
};

static void prog_free(cpu_prog *p);
static int on_gpu(const cpu_prog *p) { return p->dev->kind == XL_DEV_GPU; }
static struct cpu_vals *vals_new(int n);
static void scan_prepare_all(cpu_prog *p);
static int scan_dev_prepare(cpu_prog *p, char **err);

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t esz(cg_dtype dt) { return dt == CG_F64 ? sizeof(double) : sizeof(float); }

/* ---- a GPU's memory (device.h XL_DEV_GPU): the walker never touches a value on the host ----
 * Values are device pointers there (offsets into device allocations are device pointers too).
 * Moves between values are device copies (dcopy, step_copy); what only host code computes (a
 * reference step, an einsum that is not one GEMM, an interpreted kernel, the index check) is
 * staged: its operands copied to the host (stage_in), host code, its result copied back
 * (stage_out), counted in the stats (staged_steps, staged_bytes). On the CPU device these are
 * the values themselves and memcpy: nothing is copied that was not before. */

/* bytes of device memory from src to dst (device.h copy D2D; memcpy on the CPU) */
static void dcopy(const cpu_prog *p, void *dst, const void *src, size_t bytes) {
  if (on_gpu(p)) p->dev->copy(dst, src, bytes, XL_COPY_D2D);
  else memcpy(dst, src, bytes);
}

/* value d (bytes) readable on the host: a host copy on a GPU (free with stage_free or
   stage_out), d itself elsewhere */
static void *stage_in(const cpu_prog *p, const void *d, size_t bytes) {
  if (!on_gpu(p)) return (void *)d;
  void *h = xl_malloc(bytes ? bytes : 1);
  if (bytes) p->dev->copy(h, d, bytes, XL_COPY_D2H);
  p->stats->staged_bytes += (double)bytes;
  return h;
}

static void stage_free(const cpu_prog *p, void *h) {
  if (on_gpu(p)) free(h);
}

/* host result h of a staged step into device value d (and h freed); nothing elsewhere (h is d) */
static void stage_out(const cpu_prog *p, void *d, void *h, size_t bytes) {
  if (!on_gpu(p)) return;
  if (bytes) p->dev->copy(d, h, bytes, XL_COPY_H2D);
  p->stats->staged_bytes += (double)bytes;
  free(h);
}

/* The kernel plan and memory plan of g (the pipeline's plan and mem stages), nothing compiled
   yet (prog_free frees it as it is). */
static cpu_prog *prog_plan(const cg_graph *g, cg_dtype dt, const xl_options *o, cpu_stats *st,
                           const cpu_kernel_runner *r) {
  cpu_prog *p = xl_calloc(1, sizeof *p);
  p->g = g;
  p->dt = dt;
  p->stats = st;
  p->runner = r;
  p->dev = r && r->dev ? r->dev : xl_dev_cpu();
  xl_plan_graph(g, dt, o, &p->plan, &p->mp);
  int n = p->plan->steps.n;
  p->kern = xl_calloc((size_t)n + 1, sizeof *p->kern);
  p->body = xl_calloc((size_t)n + 1, sizeof *p->body);
  p->ein = xl_calloc((size_t)n + 1, sizeof(ein_run));
  p->t_step = xl_calloc((size_t)n + 1, sizeof(double));
  p->n_step = xl_calloc((size_t)n + 1, sizeof(long));
  return p;
}

static size_t round_align(size_t n) { return n ? (n + MP_ALIGN - 1) / MP_ALIGN * MP_ALIGN : MP_ALIGN; }

/* the output tensors a run makes (when the caller gives none to reuse) */
static double out_bytes(const cpu_prog *p) {
  double n = 0;
  for (int k = 0; k < p->g->outs.n; k++) n += (double)cg_numel(&p->g->nodes.v[p->g->outs.v[k].node].shape);
  return n * (double)esz(p->dt);
}

/* 0 if what the first cpu_run allocates fits what the process may use (xl_mem_limit): the
   workspace (scan bodies' included), the gradient block and the output tensors (the inputs
   are the caller's, already allocated); else -1 with *err */
static int prog_mem_check(const cpu_prog *p, char **err) {
  double w = (double)round_align(p->mp->work_peak), gb = (double)round_align(p->mp->param_bytes), o = out_bytes(p);
  char *ws = xl_bytes_str(w), *gs = xl_bytes_str((double)p->mp->param_bytes), *os = xl_bytes_str(o);
  char *detail = xl_fmt("workspace %s, gradient block %s, outputs %s", ws, gs, os);
  int rc = xl_mem_check("the compiled plan", w + gb + o, detail, XL_EXEC_ADVICE, err);
  free(ws);
  free(gs);
  free(os);
  free(detail);
  return rc;
}

/* The kernels of a program and its scan bodies, compiled in one batch (jit_compile_batch):
   kernels that are textually equal up to their name (the same cell in every layer) are
   compiled once, and the distinct ones on num_threads threads. */
typedef struct {
  XL_VEC(jit_req) req;
  XL_VEC(cpu_kern *) kern; /* per request: where its code goes */
  XL_VEC(const kir_kernel *) kir;
} jit_batch;

/* The name every kernel is compiled under: the name is in the text (the function, its header
   comments) and would make the texts of equal kernels differ. Each kernel has a JITDylib of
   its own (mlir_jit.c), so equal names do not collide. */
#define CPU_KERNEL_NAME "xlk"

/* Plans p's scan bodies (recursively) and emits p's kernels into b (o->no_jit: none, they are
   interpreted); with a kernel runner (cpu_prepare_with), its prepare takes the kernels instead.
   0, or -1 with *err (a kernel the runner could not prepare). */
static int prog_collect(cpu_prog *p, const xl_options *o, jit_batch *b, char **err) {
  int n = p->plan->steps.n;
  for (int i = 0; i < n; i++) {
    kp_step *s = &p->plan->steps.v[i];
    if (s->kind == KP_KERNEL && p->runner) { /* NULL without *err: interpreted */
      char *e = NULL;
      p->kern[i].rh = p->runner->prepare(s->kir, p->dt, p->runner->ctx, &e);
      if (e) {
        if (err && !*err) *err = xl_fmt("compiling kernel %s: %s", s->kir->name, e);
        free(e);
        return -1;
      }
    } else if (s->kind == KP_KERNEL && !o->no_jit) {
      kir_kernel k = *s->kir; /* the same kernel under the common name (nests shared, read only) */
      snprintf(k.name, sizeof k.name, "%s", CPU_KERNEL_NAME);
      jit_req r = {.text = xl_emit_kernel(&k, p->dt, o), .fn_name = CPU_KERNEL_NAME};
      xl_vec_push(b->req, r);
      xl_vec_push(b->kern, &p->kern[i]);
      xl_vec_push(b->kir, s->kir);
    }
    if (s->kind == KP_REF && p->g->nodes.v[s->node].op == CG_OP_SCAN) {
      p->body[i] = prog_plan(p->g->nodes.v[s->node].body, p->dt, o, p->stats, p->runner);
      if (prog_collect(p->body[i], o, b, err)) return -1;
    }
  }
  return 0;
}

/* With p's kernels compiled: their launch parameters, the statistics, the einsum steps' state,
   the scan bodies (recursively) and the value tables. */
static void prog_finish(cpu_prog *p) {
  const cg_graph *g = p->g;
  cpu_stats *st = p->stats;
  for (int i = 0; i < p->plan->steps.n; i++) {
    kp_step *s = &p->plan->steps.v[i];
    if (p->kern[i].jit) {
      p->kern[i].fn = (kir_fn)jit_fn(p->kern[i].jit);
      int pd = kir_par_dim(s->kir);
      p->kern[i].hi = pd >= 0 ? s->kir->dim[pd] : 1;
      p->kern[i].points = kir_points(s->kir);
      st->kernels++;
      st->kernel_chains += s->kir->next != NULL;
    } else if (p->kern[i].rh) { /* the kernel runner's (cpu_prepare_with) */
      st->kernels++;
      st->kernel_chains += s->kir->next != NULL;
    }
    if (s->ein) {
      const cg_node *en = &g->nodes.v[s->node];
      st->ein_direct += s->ein->direct;
      st->ein_copied += s->ein->gemm && !s->ein->direct;
      for (int k = 0; k < 2; k++) { /* a view of a parameter or a scan-invariant input */
        const cg_node *r = &g->nodes.v[en->in[k]];
        while (r->op == CG_OP_RESHAPE || r->op == CG_OP_DETACH) r = &g->nodes.v[r->in[0]];
        p->ein[i].invariant[k] = r->op == CG_OP_INPUT && (r->ikind == CG_IN_CONST || r->ikind == CG_IN_PARAM);
      }
    }
    if (p->body[i]) prog_finish(p->body[i]);
  }
  p->vals = vals_new(g->nodes.n);
  scan_prepare_all(p);
}

/* JIT-compiles p's kernels and its scan bodies' (the pipeline's emit stage, then
   jit_compile_batch), then prog_finish. 0, or -1 with *err naming the first kernel that failed
   (p is then freed). */
static int prog_compile(cpu_prog *p, const xl_options *o, char **err) {
  jit_batch b = {0};
  int rc = prog_collect(p, o, &b, err);
  if (!rc && b.req.n) rc = jit_compile_batch(b.req.v, b.req.n, cpu_num_threads(o));
  for (int k = 0; k < b.req.n; k++) {
    b.kern.v[k]->jit = b.req.v[k].jit;
    if (rc && !b.req.v[k].jit && err && !*err)
      *err = xl_fmt("compiling kernel %s: %s", b.kir.v[k]->name, b.req.v[k].err ? b.req.v[k].err : "?");
    free(b.req.v[k].err);
    free((char *)b.req.v[k].text);
  }
  free(b.req.v);
  free(b.kern.v);
  free(b.kir.v);
  if (rc) {
    prog_free(p);
    return -1;
  }
  prog_finish(p);
  if (scan_dev_prepare(p, err)) {
    prog_free(p);
    return -1;
  }
  return 0;
}

/* ---- values ---- */

typedef struct cpu_vals {
  void **val;   /* per node: where its value is (planned storage, or a caller's buffer) */
  char *owned;  /* per node: val must be freed (converted inputs only) */
  void ***res;  /* per SCAN node: pointers to its results (planned storage) */
  int *nres;
  char *work;   /* this plan's workspace (memplan: work_peak bytes) */
  char *grad;   /* the gradient block (top level only) */
  void **bind;  /* per node (scan bodies): storage given by the scan instead of the plan's */
} cpu_vals;

/* The tables are allocated once per program (prepare) and reused by every run: a run sets
   val[] before it reads it, frees what it owns (vals_release) and clears the bindings it made;
   res[] arrays are allocated by a SCAN's first run and kept. */
static void vals_init(cpu_vals *v, int n) {
  v->val = xl_calloc((size_t)n + 1, sizeof(void *));
  v->owned = xl_calloc((size_t)n + 1, 1);
  v->res = xl_calloc((size_t)n + 1, sizeof(void **));
  v->nres = xl_calloc((size_t)n + 1, sizeof(int));
  v->bind = xl_calloc((size_t)n + 1, sizeof(void *));
}

static cpu_vals *vals_new(int n) {
  cpu_vals *v = xl_calloc(1, sizeof *v);
  vals_init(v, n);
  return v;
}

/* Frees the converted inputs of a run; the tables stay for the next one. */
static void vals_release(cpu_vals *v, int n) {
  for (int i = 0; i < n; i++)
    if (v->owned[i]) {
      free(v->val[i]);
      v->owned[i] = 0;
    }
}

static void vals_free(cpu_vals *v, int n) {
  for (int i = 0; i < n; i++) {
    if (v->owned[i]) free(v->val[i]);
    free(v->res[i]);
  }
  free(v->val);
  free(v->owned);
  free(v->res);
  free(v->nres);
  free(v->bind);
}

/* The planned storage of node id's value (the runtime allocates nothing per op). */
static void *alloc_node(const cpu_prog *p, cpu_vals *v, int id) {
  if (v->bind[id]) {
    v->owned[id] = 0;
    return v->val[id] = v->bind[id];
  }
  const mp_value *m = mp_value_of(p->mp, id);
  XL_ASSERT(m->region == MP_WORK || m->region == MP_GRAD);
  v->val[id] = (m->region == MP_WORK ? v->work : v->grad) + m->off;
  v->owned[id] = 0;
  return v->val[id];
}

/* ---- steps ---- */

/* C (m x n, ldc) = A (m x k; stored k x m if ta) * B (k x n; stored n x k if tb) + beta C,
   row-major. A product with one row or one column is a matrix-vector product: GEMV, which
   reads the matrix once without packing it (the batch-1 decode step is made of these). */
#define GEMM_CALL(R, GEMM, GEMV)                                                                            \
  static void gemm_##R(int ta, int tb, int64_t m, int64_t n, int64_t k, const R *A, int64_t lda, const R *B, \
                       int64_t ldb, R beta, R *C, int64_t ldc) {                                            \
    enum CBLAS_TRANSPOSE N_ = CblasNoTrans, T_ = CblasTrans;                                                 \
    if (m == 1 && n > 1 && k > 1) /* C row = A row * B: over B's rows (k x n) or its stored n x k */       \
      GEMV(CblasRowMajor, tb ? N_ : T_, (int)(tb ? n : k), (int)(tb ? k : n), 1, B, (int)ldb, A,              \
           (int)(ta ? lda : 1), beta, C, 1);                                                                 \
    else if (n == 1 && m > 1 && k > 1) /* C column = A * B column */                                        \
      GEMV(CblasRowMajor, ta ? T_ : N_, (int)(ta ? k : m), (int)(ta ? m : k), 1, A, (int)lda, B,              \
           (int)(tb ? 1 : ldb), beta, C, (int)ldc);                                                          \
    else                                                                                                     \
      GEMM(CblasRowMajor, ta ? T_ : N_, tb ? T_ : N_, (int)m, (int)n, (int)k, 1, A, (int)lda, B, (int)ldb, beta, \
           C, (int)ldc);                                                                                     \
  }
GEMM_CALL(float, cblas_sgemm, cblas_sgemv)
GEMM_CALL(double, cblas_dgemm, cblas_dgemv)

static void run_gemm(const cpu_prog *p, const kp_step *s, cpu_vals *v) {
  const kp_gemm *m = &s->gemm;
  void *C = alloc_node(p, v, s->node);
  p->dev->gemm(m, p->dt, v->val[m->a], v->val[m->b], C);
  p->stats->gemm_flops += m->flops;
}

/* ---- threads: kernels with a large domain are split along their parallel dimension ----
 * A process-wide pool of num_threads - 1 workers (xl_options, XLC_NUM_THREADS; default: the
 * online CPUs, at most 8).
 * The split is static: part i of a kernel's [0, hi) always goes to worker i (part 0 to the
 * calling thread), so every element is computed by one thread in the same way (results do
 * not depend on the thread count) and each core keeps re-reading the same slice of a weight
 * (at batch 1 the model then stays in the cores' L2 caches). A worker spins for a while
 * after a job before it sleeps: decode posts ~20 small jobs per token, and waking a sleeping
 * thread costs more than most of them take.
 * A post is plain stores (the job, then `seq` with release order) that drain while the poster
 * runs its own part: no locked instruction waits for the worker's cache line. The poster then
 * reads `asleep` without a store-load fence, so it can miss a worker that is just falling
 * asleep; that worker waits on its condition variable with a timeout (SLEEP_NS) and sees the
 * job then: a rare late start, never a lost job. The job and `seq` share a cache line, `fin`
 * and the sleep state have their own: a finishing worker and a spinning poster do not fight
 * over the job's line. */

#define SLEEP_NS 1000000L /* longest a job can wait for a worker that missed its wake-up */

typedef struct {
  _Alignas(64) atomic_long seq; /* jobs posted; the job follows in the same line */
  kir_fn fn;
  int64_t lo, hi;
  void *bufs[KIR_MAXBUF];
  _Alignas(64) atomic_long fin; /* jobs finished */
  _Alignas(64) atomic_int asleep; /* waiting on cv (the poster signals) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
} cpu_worker;

static cpu_worker *pool;
static int pool_n = -1; /* workers; -1 = not started */
static int serial;      /* cpu_set_serial(1): kernels and BLAS single-threaded in every run */
/* set by every cpu_prepare from its options (process-wide like the pool; the pool's size is
   fixed by the first kernel split) */
static _Atomic int64_t split_min = 1 << 13; /* kernels with fewer points run unsplit (split_min) */
static _Atomic int cfg_threads;             /* xl_options.num_threads (0: the online CPUs) */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

#define SPIN_S 2e-4 /* how long an idle worker spins before it sleeps */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *worker_main(void *arg) {
  cpu_worker *w = arg;
  long done = 0;
  for (;;) {
    double t0 = 0;
    for (unsigned spins = 0; atomic_load_explicit(&w->seq, memory_order_acquire) == done; spins++) {
      if (spins % 256 == 0) {
        double t = now_s();
        if (spins == 0) t0 = t;
        else if (t - t0 > SPIN_S) {
          pthread_mutex_lock(&w->mu);
          atomic_store(&w->asleep, 1);
          while (atomic_load(&w->seq) == done) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += SLEEP_NS;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
          }
          atomic_store(&w->asleep, 0);
          pthread_mutex_unlock(&w->mu);
          break;
        }
      }
      cpu_relax();
    }
    w->fn(w->bufs, w->lo, w->hi);
    atomic_store_explicit(&w->fin, ++done, memory_order_release);
  }
  return NULL;
}

int cpu_num_threads(const xl_options *o) {
  int want = o ? o->num_threads : cfg_threads;
  long n = want > 0 ? want : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static atomic_int pool_ready;

static int pool_start(void) {
  if (atomic_load_explicit(&pool_ready, memory_order_acquire)) return pool_n;
  pthread_mutex_lock(&pool_mu);
  if (pool_n < 0) {
    pool_n = cpu_num_threads(NULL) - 1;
    pool = xl_malloc_aligned(((size_t)pool_n + 1) * sizeof *pool);
    memset(pool, 0, ((size_t)pool_n + 1) * sizeof *pool);
    for (int i = 0; i < pool_n; i++) {
      pthread_mutex_init(&pool[i].mu, NULL);
      pthread_cond_init(&pool[i].cv, NULL);
      if (pthread_create(&pool[i].th, NULL, worker_main, &pool[i]) != 0) {
        pool_n = i;
        break;
      }
      pthread_detach(pool[i].th);
    }
    atomic_store_explicit(&pool_ready, 1, memory_order_release);
  }
  pthread_mutex_unlock(&pool_mu);
  return pool_n;
}

static atomic_flag pool_busy = ATOMIC_FLAG_INIT; /* one poster at a time */

static void run_split(kir_fn fn, void **bufs, int nbuf, int64_t hi) {
  if (atomic_flag_test_and_set(&pool_busy)) { /* another thread's split holds the pool */
    fn(bufs, 0, hi);
    return;
  }
  int nw = pool_start(), parts = nw + 1;
  if ((int64_t)parts > hi) parts = (int)hi;
  int64_t chunk = (hi + parts - 1) / parts;
  if (chunk >= 64) chunk = (chunk + 15) / 16 * 16; /* whole vectors per thread (kir_mlir.c jam_store) */
  long want[8];
  for (int i = 1; i < parts; i++) {
    cpu_worker *w = &pool[i - 1];
    w->fn = fn;
    memcpy(w->bufs, bufs, sizeof(void *) * (size_t)nbuf);
    w->lo = i * chunk;
    w->hi = (i + 1) * chunk < hi ? (i + 1) * chunk : hi;
    want[i - 1] = atomic_load_explicit(&w->seq, memory_order_relaxed) + 1; /* posters take turns (pool_busy) */
    atomic_store_explicit(&w->seq, want[i - 1], memory_order_release);
    if (atomic_load_explicit(&w->asleep, memory_order_relaxed)) {
      pthread_mutex_lock(&w->mu);
      pthread_cond_signal(&w->cv);
      pthread_mutex_unlock(&w->mu);
    }
  }
  fn(bufs, 0, chunk < hi ? chunk : hi);
  for (int i = 1; i < parts; i++)
    for (unsigned spins = 1; atomic_load_explicit(&pool[i - 1].fin, memory_order_acquire) < want[i - 1]; spins++)
      if (spins % 4096 == 0) sched_yield();
      else cpu_relax();
  atomic_flag_clear(&pool_busy);
}

/* ---- the CPU device (device.h): the pool above, OpenBLAS, host memory ---- */

static void *dev_cpu_alloc(size_t bytes, size_t align) { return aligned_alloc(align, bytes); }

static void dev_cpu_free(void *q) { free(q); }

static void dev_cpu_copy(void *dst, const void *src, size_t bytes, xl_copy_dir dir) {
  (void)dir; /* one memory */
  memcpy(dst, src, bytes);
}

static int dev_cpu_parts(void) { return pool_start() + 1; }

static void dev_cpu_launch(kir_fn fn, void **bufs, int nbuf, int64_t hi, int split) {
  if (split) run_split(fn, bufs, nbuf, hi);
  else fn(bufs, 0, hi);
}

static void dev_cpu_gemm(const kp_gemm *m, cg_dtype dt, const void *A, const void *B, void *C) {
  for (int64_t o = 0; o < m->outer; o++)
    for (int64_t b = 0; b < m->batch; b++) {
      int64_t ia = o * m->oa + b * m->sa, ib = o * m->ob + b * m->sb, ic = o * m->oc + b * m->sc;
      if (dt == CG_F64)
        gemm_double(m->trans_a, m->trans_b, m->m, m->n, m->k, (const double *)A + ia, m->lda, (const double *)B + ib,
                    m->ldb, 0.0, (double *)C + ic, m->ldc);
      else
        gemm_float(m->trans_a, m->trans_b, m->m, m->n, m->k, (const float *)A + ia, m->lda, (const float *)B + ib,
                   m->ldb, 0.0f, (float *)C + ic, m->ldc);
    }
}

static void dev_cpu_sync(void) {}

static void dev_cpu_copy2d(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t rows,
                           xl_copy_dir dir) {
  (void)dir;
  for (size_t r = 0; r < rows; r++) memcpy((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
}

static void dev_cpu_zero(void *dst, size_t bytes) { memset(dst, 0, bytes); }

static const xl_device dev_cpu = {"cpu",         XL_DEV_CPU,     dev_cpu_alloc, dev_cpu_free,   dev_cpu_copy,
                                  dev_cpu_parts, dev_cpu_launch, dev_cpu_gemm,  dev_cpu_sync,   dev_cpu_copy2d,
                                  dev_cpu_zero};

const xl_device *xl_dev_cpu(void) { return &dev_cpu; }

/* A compiled kernel is launched on the device, split when it is large enough (and the device
   has parts to split it over; asked first, so that the pool is started and XLC_SPLIT_MIN read
   before split_min is); without the JIT it is interpreted here (host memory only). */
/* The indices of a kernel's GATHER, SCATTER_ADD and ONE_HOT members, checked as ref_exec
   checks them (same messages): the kernel itself would read an out-of-range index as a zero
   row (kir.h LOADX), the reference reports it. The plan keeps these indices outside the
   kernel and never merges such kernels (kplan.c indexed_step), so they exist when it
   starts. On a GPU the index tensor is read from a host copy (stage_in: tokens, small).
   0, or -1 with *err. */
static int check_indices(const cpu_prog *p, const kp_step *s, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  for (int j = 0; j < s->nodes.n; j++) {
    int id = s->nodes.v[j];
    const cg_node *n = &g->nodes.v[id];
    int ix = n->op == CG_OP_GATHER || n->op == CG_OP_SCATTER_ADD ? n->in[1] : n->op == CG_OP_ONE_HOT ? n->in[0] : -1;
    if (ix < 0) continue;
    int64_t V = n->op == CG_OP_GATHER ? g->nodes.v[n->in[0]].shape.d[0] : n->op == CG_OP_SCATTER_ADD ? n->shape.d[0] : n->a[0];
    const cg_node *xn = &g->nodes.v[ix];
    while (!v->val[ix] && (xn->op == CG_OP_RESHAPE || xn->op == CG_OP_DETACH)) /* a view of a constant */
      xn = &g->nodes.v[ix = xn->in[0]];
    const void *x = v->val[ix];
    if (!x && xn->op != CG_OP_CONST) continue; /* cannot happen: the plan computed it */
    int64_t ni = cg_numel(&xn->shape);
    const void *hx = x ? stage_in(p, x, (size_t)ni * esz(p->dt)) : NULL;
    for (int64_t i = 0; i < ni; i++) {
      double d = xn->op == CG_OP_CONST ? xn->fval : p->dt == CG_F64 ? ((const double *)hx)[i] : ((const float *)hx)[i];
      if (n->op == CG_OP_ONE_HOT && d == -1) continue; /* a zero row (ignored targets) */
      if (!(d >= 0 && d < (double)V) || d != floor(d)) {
        if (err) *err = xl_fmt("%%%d %s: index %g at position %lld out of range [0, %lld)", id, cg_ops[n->op].name, d,
                               (long long)i, (long long)V);
        if (hx) stage_free(p, (void *)hx);
        return -1;
      }
    }
    if (hx) stage_free(p, (void *)hx);
  }
  return 0;
}

static int run_kernel(const cpu_prog *p, int si, const kp_step *s, cpu_vals *v, char **err) {
  void *bufs[KIR_MAXBUF];
  for (int b = 0; b < s->kir->nbuf; b++) {
    int node = s->buf_node[b];
    bufs[b] = s->kir->buf_out[b] ? alloc_node(p, v, node) : v->val[node];
  }
  const cpu_kern *k = &p->kern[si];
  if (k->rh)
    return p->runner->run(k->rh, bufs, s->kir->nbuf, err);
  if (k->fn)
    p->dev->launch(k->fn, bufs, s->kir->nbuf, k->hi,
                   !serial && k->hi >= 2 && p->dev->parts() > 1 && k->points >= split_min);
  else if (!on_gpu(p))
    kir_interp(s->kir, p->dt, bufs);
  else { /* staged: every buffer to the host (one copy per distinct buffer), the written ones back */
    void *hb[KIR_MAXBUF];
    int nb = s->kir->nbuf;
    for (int b = 0; b < nb; b++) {
      hb[b] = NULL;
      for (int a = 0; a < b && !hb[b]; a++)
        if (bufs[a] == bufs[b]) hb[b] = hb[a];
      if (!hb[b]) hb[b] = stage_in(p, bufs[b], (size_t)s->kir->buf_numel[b] * esz(p->dt));
    }
    kir_interp(s->kir, p->dt, hb);
    for (int b = 0; b < nb; b++) {
      int first = 1, out = 0;
      for (int a = 0; a < b; a++) first &= bufs[a] != bufs[b];
      for (int a = 0; a < nb; a++) out |= bufs[a] == bufs[b] && s->kir->buf_out[a];
      if (!first) continue;
      if (out) stage_out(p, bufs[b], hb[b], (size_t)s->kir->buf_numel[b] * esz(p->dt));
      else stage_free(p, hb[b]);
    }
    p->stats->staged_steps++;
  }
  return 0;
}

/* ---- einsums that are not one GEMM: as the step's descriptor says (kplan.h kp_ein) ---- */

/* dst[i0][i1][i2][i3] (row-major over the listed label groups) <-> src with label strides */
#define EIN_COPY(R)                                                                                     \
  static void ein_copy_##R(R *dense, R *strided, const kp_ein *f, const int *const *groups,           \
                           const int *ng, int ngroups, const int64_t *stride, int to_dense) {            \
    int lab[KP_EIN_MAXLAB], nl = 0;                                                                     \
    for (int g = 0; g < ngroups; g++)                                                                   \
      for (int i = 0; i < ng[g]; i++) lab[nl++] = groups[g][i];                                          \
    int64_t idx[KP_EIN_MAXLAB] = {0}, off = 0, total = 1;                                                \
    for (int i = 0; i < nl; i++) total *= f->size[lab[i]];                                                \
    for (int64_t c = 0; c < total; c++) {                                                               \
      if (to_dense) dense[c] = strided[off];                                                            \
      else strided[off] = dense[c];                                                                     \
      for (int k = nl - 1; k >= 0; k--) {                                                               \
        idx[k]++;                                                                                       \
        off += stride[lab[k]];                                                                          \
        if (idx[k] < f->size[lab[k]]) break;                                                            \
        off -= stride[lab[k]] * f->size[lab[k]];                                                        \
        idx[k] = 0;                                                                                     \
      }                                                                                                 \
    }                                                                                                   \
  }
EIN_COPY(float)
EIN_COPY(double)

#define EIN_LOOPS(R)                                                                           \
  static void ein_loops_##R(const kp_ein *f, const R *x, const R *y, R *out) {               \
    int64_t idx[KP_EIN_MAXLAB] = {0}, ox = 0, oy = 0, oo = 0, nouts = 1;                       \
    for (int k = 0; k < f->nout; k++) nouts *= f->size[k];                                    \
    int r0 = f->nout; /* innermost contracted label gets a tight loop */                      \
    int64_t inner = f->nred ? f->size[f->nout + f->nred - 1] : 1;                             \
    int64_t ix = f->nred ? f->sx[f->nout + f->nred - 1] : 0, iy = f->nred ? f->sy[f->nout + f->nred - 1] : 0; \
    int64_t nrest = 1;                                                                        \
    for (int k = r0; k < f->nout + f->nred - 1; k++) nrest *= f->size[k];                     \
    for (int64_t c = 0; c < nouts; c++) {                                                     \
      R acc = 0;                                                                              \
      int64_t jdx[KP_EIN_MAXLAB] = {0}, rx = ox, ry = oy;                                     \
      for (int64_t r = 0; r < nrest; r++) {                                                   \
        const R *px = x + rx, *py = y + ry;                                                   \
        for (int64_t i = 0; i < inner; i++) acc += px[i * ix] * py[i * iy];                   \
        for (int k = f->nout + f->nred - 2; k >= r0; k--) {                                   \
          jdx[k]++;                                                                           \
          rx += f->sx[k], ry += f->sy[k];                                                     \
          if (jdx[k] < f->size[k]) break;                                                     \
          rx -= f->sx[k] * f->size[k], ry -= f->sy[k] * f->size[k];                           \
          jdx[k] = 0;                                                                         \
        }                                                                                     \
      }                                                                                       \
      out[oo] = acc;                                                                          \
      for (int k = f->nout - 1; k >= 0; k--) {                                                \
        idx[k]++;                                                                             \
        ox += f->sx[k], oy += f->sy[k], oo += f->so[k];                                       \
        if (idx[k] < f->size[k]) break;                                                       \
        ox -= f->sx[k] * f->size[k], oy -= f->sy[k] * f->size[k], oo -= f->so[k] * f->size[k];  \
        idx[k] = 0;                                                                           \
      }                                                                                       \
    }                                                                                         \
  }
EIN_LOOPS(float)
EIN_LOOPS(double)

/* einsum as copies into [batch][M][K], [batch][K][N], GEMMs into [batch][M][N], copy out */
#define EIN_GEMM(R, GEMM)                                                                                \
  static void ein_gemm_##R(const kp_ein *f, ein_run *r, R *x, R *y, R *out, long gen) {                 \
    if (!r->buf[0]) {                                                                                     \
      r->buf[0] = xl_malloc(sizeof(R) * (size_t)(f->B * f->M * f->K));                                    \
      r->buf[1] = xl_malloc(sizeof(R) * (size_t)(f->B * f->K * f->N));                                    \
      r->buf[2] = xl_malloc(sizeof(R) * (size_t)(f->B * f->M * f->N));                                    \
    }                                                                                                     \
    R *a = r->buf[0], *b = r->buf[1], *c = r->buf[2];                                                     \
    const int *ga[3] = {f->lb, f->lm, f->lk}, *gb[3] = {f->lb, f->lk, f->ln}, *gc[3] = {f->lb, f->lm, f->ln}; \
    int na[3] = {f->nb, f->nm, f->nk}, nb[3] = {f->nb, f->nk, f->nn}, nc[3] = {f->nb, f->nm, f->nn};      \
    if (!(r->invariant[0] && r->csrc[0] == x && r->cgen[0] == gen)) ein_copy_##R(a, x, f, ga, na, 3, f->sx, 1); \
    if (!(r->invariant[1] && r->csrc[1] == y && r->cgen[1] == gen)) ein_copy_##R(b, y, f, gb, nb, 3, f->sy, 1); \
    r->csrc[0] = x, r->csrc[1] = y, r->cgen[0] = r->cgen[1] = gen;                                        \
    for (int64_t i = 0; i < f->B; i++)                                                                    \
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)f->M, (int)f->N, (int)f->K, 1, a + i * f->M * f->K, \
           (int)f->K, b + i * f->K * f->N, (int)f->N, 0, c + i * f->M * f->N, (int)f->N);                  \
    ein_copy_##R(c, out, f, gc, nc, 3, f->so, 0);                                                         \
  }
EIN_GEMM(float, cblas_sgemm)
EIN_GEMM(double, cblas_dgemm)

/* einsum as strided GEMMs on the operands themselves, one per combination of loop labels */
#define EIN_DIRECT(R)                                                                                    \
  static void ein_direct_##R(const kp_ein *f, const R *x, const R *y, R *out) {                        \
    if (f->swap) {                                                                                        \
      const R *t = x;                                                                                     \
      x = y, y = t;                                                                                       \
    }                                                                                                     \
    const int64_t *lx = f->swap ? f->ly : f->lx, *ly = f->swap ? f->lx : f->ly;                           \
    int64_t idx[KP_EIN_MAXLAB] = {0}, ox = 0, oy = 0, oo = 0, total = 1, ktotal = 1;                     \
    int nl = f->nloop + f->nkloop;                                                                        \
    for (int i = 0; i < nl; i++) total *= f->lsize[i];                                                    \
    for (int i = f->nloop; i < nl; i++) ktotal *= f->lsize[i];                                            \
    for (int64_t c = 0; c < total; c++) {                                                                 \
      gemm_##R(f->ta, f->tb, f->dM, f->dN, f->dK, x + ox, f->lda, y + oy, f->ldb, c % ktotal ? 1 : 0, out + oo, \
               f->ldc);                                                                                   \
      for (int k = nl - 1; k >= 0; k--) {                                                                 \
        idx[k]++;                                                                                         \
        ox += lx[k], oy += ly[k], oo += f->lo[k];                                                         \
        if (idx[k] < f->lsize[k]) break;                                                                  \
        ox -= lx[k] * f->lsize[k], oy -= ly[k] * f->lsize[k], oo -= f->lo[k] * f->lsize[k];               \
        idx[k] = 0;                                                                                       \
      }                                                                                                   \
    }                                                                                                     \
  }
EIN_DIRECT(float)
EIN_DIRECT(double)

/* On a GPU: staged (its operands to the host, the host's BLAS or loops, the result back). */
static void run_einsum(const cpu_prog *p, int si, const kp_step *s, cpu_vals *v) {
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[s->node];
  size_t es = esz(p->dt), bo = (size_t)cg_numel(&n->shape) * es;
  void *dout = alloc_node(p, v, s->node);
  void *x = stage_in(p, v->val[n->in[0]], (size_t)cg_numel(&g->nodes.v[n->in[0]].shape) * es);
  void *y = stage_in(p, v->val[n->in[1]], (size_t)cg_numel(&g->nodes.v[n->in[1]].shape) * es);
  void *out = on_gpu(p) ? xl_calloc(bo ? bo : 1, 1) : dout;
  const kp_ein *f = s->ein;
  if (f->direct) {
    if (p->dt == CG_F64)
      ein_direct_double(f, x, y, out);
    else
      ein_direct_float(f, x, y, out);
    p->stats->gemm_flops += 2.0 * (double)(f->B * f->M * f->N * f->K);
  } else if (f->gemm) {
    if (p->dt == CG_F64)
      ein_gemm_double(f, &p->ein[si], x, y, out, p->stats->run_id);
    else
      ein_gemm_float(f, &p->ein[si], x, y, out, p->stats->run_id);
    p->stats->gemm_flops += 2.0 * (double)(f->B * f->M * f->N * f->K);
  } else if (p->dt == CG_F64) {
    ein_loops_double(f, x, y, out);
  } else {
    ein_loops_float(f, x, y, out);
  }
  if (on_gpu(p)) {
    stage_free(p, x);
    stage_free(p, y);
    stage_out(p, dout, out, bo);
    p->stats->staged_steps++;
  }
}

/* PAD and CONCAT as block copies along the axis (the reference copies element by element) */
static void run_pad_concat(const cpu_prog *p, const kp_step *s, cpu_vals *v) {
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[s->node];
  size_t es = esz(p->dt);
  char *out = alloc_node(p, v, s->node);
  int ax = (int)n->a[0];
  int64_t outer = 1, inner = 1, L = n->shape.d[ax];
  for (int i = 0; i < ax; i++) outer *= n->shape.d[i];
  for (int i = ax + 1; i < n->shape.rank; i++) inner *= n->shape.d[i];
  int64_t at = n->op == CG_OP_PAD ? n->a[1] : 0;
  if (on_gpu(p)) { /* on the device: zeros, then each operand's rows as one 2-D copy */
    if (n->op == CG_OP_PAD) p->dev->zero(out, (size_t)cg_numel(&n->shape) * es);
    for (int k = 0; k < n->nin; k++) {
      int64_t lk = g->nodes.v[n->in[k]].shape.d[ax];
      size_t chunk = (size_t)(lk * inner) * es;
      p->dev->copy2d(out + (size_t)(at * inner) * es, (size_t)(L * inner) * es, v->val[n->in[k]], chunk, chunk,
                     (size_t)outer, XL_COPY_D2D);
      at += lk;
    }
    return;
  }
  if (n->op == CG_OP_PAD) { /* zeros before and after the operand's rows (a concat fills all) */
    int64_t lx = g->nodes.v[n->in[0]].shape.d[ax];
    for (int64_t o = 0; o < outer; o++) {
      memset(out + (size_t)(o * L * inner) * es, 0, (size_t)(at * inner) * es);
      memset(out + (size_t)((o * L + at + lx) * inner) * es, 0, (size_t)((L - at - lx) * inner) * es);
    }
  }
  for (int k = 0; k < n->nin; k++) {
    const char *x = v->val[n->in[k]];
    int64_t lk = g->nodes.v[n->in[k]].shape.d[ax];
    size_t chunk = (size_t)(lk * inner) * es;
    for (int64_t o = 0; o < outer; o++) memcpy(out + (size_t)((o * L + at) * inner) * es, x + (size_t)o * chunk, chunk);
    at += lk;
  }
}

static int run_plan(const cpu_prog *p, cpu_vals *v, char **err);

/* Copies step t of a [.., T, ..] tensor (step axis `axis`) to/from a per-step buffer (on a GPU:
   one 2-D device copy). */
static void step_copy(const cpu_prog *p, void *dst, const void *src, const cg_shape *full, int axis, int64_t t,
                      int gather, size_t es) {
  int64_t outer = 1, inner = 1, T = full->d[axis];
  for (int i = 0; i < axis; i++) outer *= full->d[i];
  for (int i = axis + 1; i < full->rank; i++) inner *= full->d[i];
  if (on_gpu(p)) {
    size_t row = (size_t)inner * es, pitch = (size_t)(T * inner) * es;
    if (gather) p->dev->copy2d(dst, row, (const char *)src + (size_t)t * row, pitch, row, (size_t)outer, XL_COPY_D2D);
    else p->dev->copy2d((char *)dst + (size_t)t * row, pitch, src, row, row, (size_t)outer, XL_COPY_D2D);
    return;
  }
  for (int64_t o = 0; o < outer; o++) {
    size_t big = (size_t)((o * T + t) * inner) * es, small = (size_t)(o * inner) * es;
    if (gather)
      memcpy((char *)dst + small, (const char *)src + big, (size_t)inner * es);
    else
      memcpy((char *)dst + big, (const char *)src + small, (size_t)inner * es);
  }
}

/* shape of result k of SCAN node id (cg.h order) */
static cg_shape scan_result_shape(const cg_graph *g, int id, int k) {
  cg_shape sh;
  cg_node probe = {0};
  int in0 = id;
  probe.op = CG_OP_SCAN_OUT;
  probe.nin = 1;
  probe.in = &in0;
  probe.a[0] = k;
  XL_ASSERT(cg_infer_shape(g, &probe, &sh) == 0);
  return sh;
}

/* ---- scans: per-step values bound in place ----
 * A step of a scan reads its sequence slices and states and writes new states, per-step outputs
 * and (save=1) the pre-step states. Per step, nothing is copied where it can be avoided:
 *  - a sequence slice that is contiguous in the outer tensor (only size-1 axes before the step
 *    axis, e.g. batch 1; or a step-major saved-state tensor, below) is read in place;
 *  - a new state computed in the body (its storage root is a workspace value of the body plan)
 *    is written straight where the next step reads it: the next step's slot of the scan's
 *    saved states when those are step-major, else alternately the final-state result and a
 *    spare buffer, so that the last step writes the result; the first step reads the initial
 *    state where it lies;
 *  - a per-step output computed in the body is written in place when its slice is contiguous.
 * Everything else is copied. Saved states and stacked outputs (the saved products of
 * autodiff.c) whose only readers are sequence operands of scans over the same axis (the
 * backward scan) are stored step-major ([T, rest of the shape]): that layout is private to the
 * executor, and each step's slice is contiguous, written and read in place. */
typedef struct scan_prep {
  int *res_bind; /* top level, per result: the SCAN_OUT node whose binding (a caller's output
                    tensor, cpu_run) replaces the result's planned storage, -1; NULL if none */
  int *st_root;  /* per state: body node whose storage the scan provides (-1: copy the state) */
  int *out_root; /* per per-step output: the same (used when the output slice is contiguous) */
  char *res_sm;  /* per result: stored step-major */
  void **spare;  /* per state with st_root >= 0 and no step-major saved states: 2nd buffer */
  cg_shape *rsh; /* per result: its shape */
  /* scratch of a run (one run at a time per program): per state, per sequence input */
  void **cur;
  int *inplace;
  void **seq;
  char *seq_direct;
} scan_prep;

/* The body node whose storage holds body value o, if the body computes it in its workspace. */
static int redirect_root(const cpu_prog *bp, int o) {
  const mp_value *m = mp_value_of(bp->mp, o);
  if (m->region != MP_WORK || m->res != MP_RES_NODE) return -1;
  if (bp->g->nodes.v[m->node].op == CG_OP_INPUT) return -1;
  return m->node;
}

/* elements of one step's slice of a [.., T, ..] tensor; *outer: product of the axes before */
static int64_t slice_numel(const cg_shape *full, int axis, int64_t *outer) {
  int64_t o = 1, in = 1;
  for (int i = 0; i < axis; i++) o *= full->d[i];
  for (int i = axis + 1; i < full->rank; i++) in *= full->d[i];
  if (outer) *outer = o;
  return o * in;
}

static void scan_prepare_all(cpu_prog *p) {
  const cg_graph *g = p->g;
  int S = p->plan->steps.n, N = g->nodes.n;
  p->scan = xl_calloc((size_t)S + 1, sizeof *p->scan);
  p->stepmajor = xl_calloc((size_t)N + 1, 1);
  int *step_of = xl_malloc(((size_t)N + 1) * sizeof(int));
  for (int i = 0; i < N; i++) step_of[i] = -1;
  for (int si = 0; si < S; si++) {
    if (!p->body[si]) continue;
    const cpu_prog *bp = p->body[si];
    const cg_node *n = &g->nodes.v[p->plan->steps.v[si].node];
    const cg_graph *body = n->body;
    scan_prep *sp = &p->scan[si];
    int nst = (int)n->a[CG_SCAN_NSTATE], nout = (int)n->a[CG_SCAN_NOUT], nres = cg_scan_nresults(n);
    step_of[p->plan->steps.v[si].node] = si;
    sp->st_root = xl_malloc(((size_t)nst + 1) * sizeof(int));
    sp->out_root = xl_malloc(((size_t)nout + 1) * sizeof(int));
    sp->res_sm = xl_calloc((size_t)nres + 1, 1);
    sp->spare = xl_calloc((size_t)nst + 1, sizeof(void *));
    sp->rsh = xl_calloc((size_t)nres + 1, sizeof(cg_shape));
    for (int k = 0; k < nres; k++) sp->rsh[k] = scan_result_shape(g, p->plan->steps.v[si].node, k);
    sp->cur = xl_calloc((size_t)nst + 1, sizeof(void *));
    sp->inplace = xl_calloc((size_t)nst + 1, sizeof(int));
    sp->seq = xl_calloc((size_t)n->a[CG_SCAN_NSEQ] + 1, sizeof(void *));
    sp->seq_direct = xl_calloc((size_t)n->a[CG_SCAN_NSEQ] + 1, 1);
    for (int k = 0; k < nst + nout; k++) {
      int r = redirect_root(bp, body->outs.v[k].node);
      for (int j = 0; j < k && r >= 0; j++)
        if ((j < nst ? sp->st_root[j] : sp->out_root[j - nst]) == r) r = -1; /* one owner */
      if (k < nst) sp->st_root[k] = r;
      else sp->out_root[k - nst] = r;
    }
    for (int k = nst; k < nres; k++) sp->res_sm[k] = 1; /* stacked outputs and saved states */
    for (int k = 0; k < nst; k++) p->stats->scan_states_inplace += sp->st_root[k] >= 0;
  }
  /* step-major only where every reader of the saved states is a scan slicing them */
  for (int i = 0; i < N; i++) {
    const cg_node *r = &g->nodes.v[i];
    for (int q = 0; q < r->nin; q++) {
      const cg_node *x = &g->nodes.v[r->in[q]];
      if (x->op != CG_OP_SCAN_OUT || step_of[x->in[0]] < 0) continue;
      const cg_node *sc = &g->nodes.v[x->in[0]];
      int ok = r->op == CG_OP_SCAN && q < r->a[CG_SCAN_NSEQ] && r->a[CG_SCAN_AXIS] == sc->a[CG_SCAN_AXIS];
      if (!ok) p->scan[step_of[x->in[0]]].res_sm[x->a[0]] = 0;
    }
  }
  for (int k = 0; k < g->outs.n; k++) {
    const cg_node *x = &g->nodes.v[g->outs.v[k].node];
    if (x->op == CG_OP_SCAN_OUT && step_of[x->in[0]] >= 0) p->scan[step_of[x->in[0]]].res_sm[x->a[0]] = 0;
  }
  for (int i = 0; i < N; i++) {
    const cg_node *x = &g->nodes.v[i];
    if (x->op == CG_OP_SCAN_OUT && step_of[x->in[0]] >= 0) p->stepmajor[i] = p->scan[step_of[x->in[0]]].res_sm[x->a[0]];
  }
  /* spare buffers of the states written in place without step-major saved states */
  for (int si = 0; si < S; si++) {
    if (!p->body[si]) continue;
    const cg_node *n = &g->nodes.v[p->plan->steps.v[si].node];
    scan_prep *sp = &p->scan[si];
    int nst = (int)n->a[CG_SCAN_NSTATE], nout = (int)n->a[CG_SCAN_NOUT];
    for (int k = nst + nout; k < cg_scan_nresults(n); k++) p->stats->scan_saved_stepmajor += sp->res_sm[k];
    for (int k = 0; k < nst; k++) {
      if (sp->st_root[k] < 0 || (n->a[CG_SCAN_SAVE] && sp->res_sm[nst + nout + k])) continue;
      int64_t ne = cg_numel(&g->nodes.v[n->in[n->a[CG_SCAN_NSEQ] + n->a[CG_SCAN_NCONST] + k]].shape);
      size_t sb = (size_t)(ne ? ne : 1) * esz(p->dt);
      sp->spare[k] = on_gpu(p) ? p->dev->alloc(sb, MP_ALIGN) : xl_malloc(sb);
    }
  }
  free(step_of);
}

static void scan_prep_free(const cpu_prog *p, scan_prep *sp, int nst) {
  for (int k = 0; k < nst; k++)
    if (on_gpu(p)) p->dev->free(sp->spare[k]);
    else free(sp->spare[k]);
  free(sp->res_bind);
  free(sp->rsh);
  free(sp->cur);
  free(sp->inplace);
  free(sp->seq);
  free(sp->seq_direct);
  free(sp->st_root);
  free(sp->out_root);
  free(sp->res_sm);
  free(sp->spare);
}

static int run_scan(const cpu_prog *p, int si, int id, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[id];
  const cpu_prog *bp = p->body[si];
  const scan_prep *sp = &p->scan[si];
  const cg_graph *body = n->body;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nconst = (int)n->a[CG_SCAN_NCONST], nst = (int)n->a[CG_SCAN_NSTATE];
  int nout = (int)n->a[CG_SCAN_NOUT], axis = (int)n->a[CG_SCAN_AXIS], rev = (int)n->a[CG_SCAN_REVERSE];
  int save = (int)n->a[CG_SCAN_SAVE];
  size_t es = esz(p->dt);
  int64_t T = g->nodes.v[n->in[0]].shape.d[axis];
  int nres = cg_scan_nresults(n);
  if (!v->res[id]) v->res[id] = xl_calloc((size_t)nres + 1, sizeof(void *));
  void **res = v->res[id];
  v->nres[id] = nres;
  /* result buffers: final states, stacked outputs, saved states */
  const cg_shape *rsh = sp->rsh;
  for (int k = 0; k < nres; k++) {
    const mp_value *m = mp_scan_result(p->mp, id, k);
    XL_ASSERT(m->region == MP_WORK || m->region == MP_GRAD);
    res[k] = (m->region == MP_WORK ? v->work : v->grad) + m->off;
    if (sp->res_bind && sp->res_bind[k] >= 0 && v->bind[sp->res_bind[k]]) res[k] = v->bind[sp->res_bind[k]];
  }
  /* the body's workspace lies in ours, live during this step */
  char *body_work = v->work + p->mp->vals.v[p->mp->scan_res[id] + nres].off;
  /* states: cur[k] is what the next step reads; states the body computes are written in place */
  void **cur = sp->cur;
  int *inplace = sp->inplace; /* 1: ping-pong, 2: saved slots */
  int64_t t0 = rev ? T - 1 : 0;
  for (int k = 0; k < nst; k++) {
    const void *init = v->val[n->in[nseq + nconst + k]];
    size_t bytes = (size_t)cg_numel(&rsh[k]) * es;
    inplace[k] = T > 0 && sp->st_root[k] >= 0 ? (save && sp->res_sm[nst + nout + k] ? 2 : 1) : 0;
    if (inplace[k] == 1) {
      cur[k] = (void *)init; /* read-only: new states go to res[k] / the spare */
    } else if (inplace[k] == 2) {
      cur[k] = (char *)res[nst + nout + k] + (size_t)t0 * bytes;
      dcopy(p, cur[k], init, bytes);
    } else {
      dcopy(p, res[k], init, bytes);
      cur[k] = res[k];
    }
  }
  /* sequence slices read in place (contiguous) or gathered into the body's buffer */
  void **seq = sp->seq;
  char *seq_direct = sp->seq_direct;
  for (int k = 0; k < nseq; k++) {
    int64_t outer;
    slice_numel(&g->nodes.v[n->in[k]].shape, axis, &outer);
    seq_direct[k] = outer == 1 || p->stepmajor[n->in[k]];
  }
  for (int i = 0; i < body->nodes.n; i++) {
    const cg_node *b = &body->nodes.v[i];
    if (b->op == CG_OP_INPUT && b->ikind == CG_IN_SEQ) {
      const mp_value *m = mp_value_of(bp->mp, i);
      XL_ASSERT(m->region == MP_WORK);
      seq[b->slot] = body_work + m->off;
    }
  }
  int rc = 0;
  cpu_vals bv = *bp->vals; /* the tables are the body program's; work/grad are this run's */
  bv.work = body_work;
  bv.grad = NULL;
  for (int64_t step = 0; step < T && rc == 0; step++) {
    int64_t t = rev ? T - 1 - step : step, tn = rev ? t - 1 : t + 1;
    double tc = p->stats->profile ? now_s() : 0;
    for (int i = 0; i < body->nodes.n; i++) {
      const cg_node *b = &body->nodes.v[i];
      if (b->op != CG_OP_INPUT) continue;
      if (b->ikind == CG_IN_SEQ) {
        const cg_shape *fs = &g->nodes.v[n->in[b->slot]].shape;
        if (seq_direct[b->slot]) {
          bv.val[i] = (char *)v->val[n->in[b->slot]] + (size_t)(t * slice_numel(fs, axis, NULL)) * es;
        } else {
          step_copy(p, seq[b->slot], v->val[n->in[b->slot]], fs, axis, t, 1, es);
          bv.val[i] = seq[b->slot];
        }
      } else if (b->ikind == CG_IN_CONST) {
        bv.val[i] = v->val[n->in[nseq + b->slot]];
      } else if (b->ikind == CG_IN_BSTATE) {
        bv.val[i] = cur[b->slot];
      }
    }
    if (save)
      for (int k = 0; k < nst; k++) {
        const cg_shape *full = &rsh[nst + nout + k];
        size_t bytes = (size_t)cg_numel(&rsh[k]) * es;
        if (inplace[k] == 2) continue; /* cur[k] is the slot */
        if (sp->res_sm[nst + nout + k]) dcopy(p, (char *)res[nst + nout + k] + (size_t)t * bytes, cur[k], bytes);
        else step_copy(p, res[nst + nout + k], cur[k], full, axis, t, 0, es);
      }
    /* where this step's new states and outputs go */
    for (int k = 0; k < nst; k++) {
      size_t bytes = (size_t)cg_numel(&rsh[k]) * es;
      if (inplace[k] == 1) bv.bind[sp->st_root[k]] = (T - 1 - step) % 2 == 0 ? res[k] : sp->spare[k];
      if (inplace[k] == 2) bv.bind[sp->st_root[k]] = step == T - 1 ? res[k] : (char *)res[nst + nout + k] + (size_t)tn * bytes;
    }
    for (int k = 0; k < nout; k++) {
      int64_t outer, sl = slice_numel(&rsh[nst + k], axis, &outer);
      if (sp->out_root[k] >= 0 && (outer == 1 || sp->res_sm[nst + k]))
        bv.bind[sp->out_root[k]] = (char *)res[nst + k] + (size_t)(t * sl) * es;
    }
    if (p->stats->profile) p->stats->t_copy += now_s() - tc;
    rc = run_plan(bp, &bv, err);
    tc = p->stats->profile ? now_s() : 0;
    if (rc == 0) {
      for (int k = 0; k < nout; k++) {
        const void *src = bv.val[body->outs.v[nst + k].node];
        int64_t outer, sl = slice_numel(&rsh[nst + k], axis, &outer);
        char *dst = (char *)res[nst + k] + (size_t)(t * sl) * es;
        if (outer == 1 || sp->res_sm[nst + k]) {
          if (src != dst) dcopy(p, dst, src, (size_t)sl * es);
        } else {
          step_copy(p, res[nst + k], src, &rsh[nst + k], axis, t, 0, es);
        }
      }
      for (int k = 0; k < nst; k++)
        if (inplace[k]) {
          cur[k] = bv.val[body->outs.v[k].node];
          XL_ASSERT(cur[k] == bv.bind[sp->st_root[k]]);
        }
      /* the other states are copied to res[k]; they may alias each other (a state passed
         through): then copy via temporaries */
      int alias = 0;
      for (int k = 0; k < nst; k++)
        for (int j = 0; j < nst; j++)
          if (!inplace[k] && !inplace[j] && j != k && bv.val[body->outs.v[k].node] == res[j]) alias = 1;
      void **tmp = alias ? xl_calloc((size_t)nst + 1, sizeof(void *)) : NULL;
      for (int k = 0; alias && k < nst; k++) {
        if (inplace[k]) continue;
        int o = body->outs.v[k].node;
        size_t bytes = (size_t)cg_numel(&body->nodes.v[o].shape) * es;
        tmp[k] = on_gpu(p) ? p->dev->alloc(bytes ? bytes : 1, MP_ALIGN) : xl_malloc(bytes ? bytes : 1);
        dcopy(p, tmp[k], bv.val[o], bytes);
      }
      for (int k = 0; k < nst; k++) {
        if (inplace[k]) continue;
        int o = body->outs.v[k].node;
        if (!alias && bv.val[o] == res[k]) continue; /* unchanged state */
        dcopy(p, res[k], alias ? tmp[k] : bv.val[o], (size_t)cg_numel(&body->nodes.v[o].shape) * es);
        if (alias && on_gpu(p)) p->dev->free(tmp[k]);
        else if (alias) free(tmp[k]);
      }
      free(tmp);
    }
    if (p->stats->profile) p->stats->t_copy += now_s() - tc;
  }
  for (int k = 0; k < nst; k++)
    if (sp->st_root[k] >= 0) bv.bind[sp->st_root[k]] = NULL;
  for (int k = 0; k < nout; k++)
    if (sp->out_root[k] >= 0) bv.bind[sp->out_root[k]] = NULL;
  vals_release(&bv, body->nodes.n);
  v->val[id] = NULL; /* the SCAN node itself has no value; its results are in res */
  return rc;
}

/* A node the reference executor evaluates (ref_exec_node) into its planned storage; on a GPU
   staged: its operands' host copies in a table of its own. */
static int run_ref_node(const cpu_prog *p, const kp_step *s, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[s->node];
  size_t es = esz(p->dt), bytes = (size_t)cg_numel(&n->shape) * es;
  void **hv = v->val;
  if (on_gpu(p)) {
    hv = xl_calloc((size_t)g->nodes.n + 1, sizeof(void *));
    for (int k = 0; k < n->nin; k++)
      if (!hv[n->in[k]] && v->val[n->in[k]])
        hv[n->in[k]] = stage_in(p, v->val[n->in[k]], (size_t)cg_numel(&g->nodes.v[n->in[k]].shape) * es);
  }
  int rc = ref_exec_node(g, s->node, p->dt, hv, err);
  void *tmp = hv[s->node];
  if (on_gpu(p)) {
    for (int k = 0; k < n->nin; k++)
      if (hv[n->in[k]]) {
        stage_free(p, hv[n->in[k]]);
        hv[n->in[k]] = NULL;
      }
    free(hv);
    p->stats->staged_steps++;
  }
  if (rc) {
    if (on_gpu(p)) free(tmp);
    return -1;
  }
  void *dst = alloc_node(p, v, s->node);
  if (on_gpu(p)) stage_out(p, dst, tmp, bytes);
  else {
    memcpy(dst, tmp, bytes);
    free(tmp);
  }
  return 0;
}

/* ---- persistent scans: one launch of the kernel runner (cpu_kernel_runner.scan_run) ----
 * For a SCAN step the plan runs as one kernel (kp_scan_mode BLOCKS or COOP) and a runner with
 * scan_prepare, the body's one kernel is prepared with a kcu_scan (kir_cuda.h) that says where
 * each step finds each buffer, and each pointer the launch gets comes from a `sd_src`: the
 * same storage run_scan binds per step (sequence inputs and stacked outputs at their step
 * slices, indexed with the outer stride when a slice is not contiguous; states alternately in
 * the result and the spare buffer, or in the step-major saved slots; body values in the body's
 * workspace), so that the results are where run_scan leaves them. A scan the descriptor
 * cannot express (a state the body does not compute in place, saved states that are not
 * step-major, no steps) runs step by step as before. */
typedef enum { SD_NONE, SD_OUTER, SD_RES, SD_WORK, SD_SPARE, SD_SCRATCH } sd_kind;
typedef struct {
  sd_kind kind;
  int a;        /* OUTER: outer node; RES: result index; SPARE: state; SCRATCH: index in scratch */
  size_t off;   /* WORK: byte offset in the body's workspace */
} sd_src;
typedef struct scan_dev {
  void *h;                /* the runner's handle; NULL: run_scan */
  kcu_scan d;
  sd_src src[KIR_MAXBUF]; /* per pointer of the launch */
  void *scratch[KIR_MAXBUF + 1]; /* device memory: cooperative local buffers, the barrier */
  int nscratch;
} scan_dev;

/* The slice geometry of step slices of a [.., T, ..] tensor (contiguous: step-major storage, or
   nothing before the step axis). */
static void sd_slice(const cg_shape *full, int axis, int contiguous, int64_t *step, int64_t *inner, int64_t *ostride) {
  int64_t outer, sl = slice_numel(full, axis, &outer), T = full->d[axis];
  if (contiguous || outer == 1) {
    *step = sl, *inner = 0, *ostride = 0;
    return;
  }
  *step = sl / outer, *inner = sl / outer, *ostride = T * (sl / outer);
}

static int sd_scratch(const cpu_prog *p, scan_dev *sd, size_t bytes) {
  void *m = p->dev->alloc(bytes ? bytes : 1, MP_ALIGN);
  XL_ASSERT(m);
  char zero[64] = {0};
  p->dev->copy(m, zero, bytes < sizeof zero ? bytes : sizeof zero, XL_COPY_H2D); /* the barrier's counters */
  sd->scratch[sd->nscratch] = m;
  return sd->nscratch++;
}

/* The next free pointer of the launch: after the kernel's buffers, then the local buffers'
   places (they are in shared memory, or a cooperative scan's scratch); -1 when none is left. */
static int sd_slot(const kir_kernel *k, int coop, int *next) {
  (void)coop;
  for (; *next < KIR_MAXBUF; (*next)++) {
    int i = *next < KIR_MAXBUF - k->nbuf ? k->nbuf + *next : *next - (KIR_MAXBUF - k->nbuf);
    if (i >= k->nbuf || k->buf_out[i] == KIR_LOCAL) {
      (*next)++;
      return i;
    }
  }
  return -1;
}

/* Fills sd for SCAN step si of p; 0 when it can run as one launch. */
static int sd_build(const cpu_prog *p, int si, scan_dev *sd) {
  const kp_step *s = &p->plan->steps.v[si];
  const cg_graph *g = p->g;
  const cg_node *n = &g->nodes.v[s->node];
  const cpu_prog *bp = p->body[si];
  const cg_graph *body = n->body;
  const scan_prep *sp = &p->scan[si];
  const kp_step *ks = &bp->plan->steps.v[s->scan_kernel];
  const kir_kernel *k = ks->kir;
  int nseq = (int)n->a[CG_SCAN_NSEQ], nconst = (int)n->a[CG_SCAN_NCONST], nst = (int)n->a[CG_SCAN_NSTATE];
  int nout = (int)n->a[CG_SCAN_NOUT], axis = (int)n->a[CG_SCAN_AXIS], save = (int)n->a[CG_SCAN_SAVE];
  kcu_scan *d = &sd->d;
  d->T = g->nodes.v[n->in[0]].shape.d[axis];
  d->reverse = (int)n->a[CG_SCAN_REVERSE];
  d->coop = s->scan_mode == KP_SCAN_COOP;
  d->nstate = nst;
  if (d->T < 1) return -1;
  int nslot = 0, slot, outbuf[2 * KIR_MAXBUF];
  for (int q = 0; q < nst + nout; q++) {
    int r = kp_view_root(body, body->outs.v[q].node), b = 0;
    while (b < k->nbuf && !(k->buf_out[b] == 1 && ks->buf_node[b] == r)) b++;
    if (b == k->nbuf) return -1;
    outbuf[q] = b;
  }
  for (int q = 0; q < nst; q++) {
    kcu_sstate *st = &d->state[q];
    if (sp->st_root[q] < 0 || sp->st_root[q] != ks->buf_node[outbuf[q]]) return -1; /* not in place */
    st->in = st->init = -1;
    st->out = outbuf[q];
    st->saved = save && sp->res_sm[nst + nout + q]; /* else saved [.., T, ..]: copied each step */
    st->numel = cg_numel(&sp->rsh[q]);
    if ((st->slot = sd_slot(k, d->coop, &nslot)) < 0) return -1;
    sd->src[st->slot] = st->saved ? (sd_src){SD_RES, nst + nout + q, 0} : (sd_src){SD_SPARE, q, 0};
    d->buf[outbuf[q]] = (kcu_sbuf){KCU_SB_STATE_OUT, q, 0, 0, 0};
    sd->src[outbuf[q]] = (sd_src){SD_RES, q, 0};
  }
  for (int b = 0; b < k->nbuf; b++) {
    kcu_sbuf *bd = &d->buf[b];
    if (k->buf_out[b] == KIR_LOCAL) {
      *bd = (kcu_sbuf){KCU_SB_FIXED, 0, 0, 0, 0}; /* shared memory or the scratch: its place is free */
      continue;
    }
    if (k->buf_out[b]) {
      int q = 0;
      while (q < nst + nout && outbuf[q] != b) q++;
      if (q < nst) continue; /* a state: above */
      if (q < nst + nout) { /* a per-step output written in place */
        bd->kind = KCU_SB_SLICE;
        sd_slice(&sp->rsh[q], axis, sp->res_sm[q], &bd->step, &bd->inner, &bd->ostride);
        sd->src[b] = (sd_src){SD_RES, q, 0};
      } else { /* a body value: its place in the body's workspace */
        const mp_value *m = mp_value_of(bp->mp, ks->buf_node[b]);
        if (m->region != MP_WORK) return -1;
        *bd = (kcu_sbuf){KCU_SB_FIXED, 0, 0, 0, 0};
        sd->src[b] = (sd_src){SD_WORK, 0, m->off};
      }
      continue;
    }
    const cg_node *r = &body->nodes.v[kp_view_root(body, ks->buf_node[b])];
    if (r->op != CG_OP_INPUT) return -1;
    if (r->ikind == CG_IN_SEQ) {
      int x = n->in[r->slot];
      bd->kind = KCU_SB_SLICE;
      sd_slice(&g->nodes.v[x].shape, axis, p->stepmajor[x], &bd->step, &bd->inner, &bd->ostride);
      sd->src[b] = (sd_src){SD_OUTER, x, 0};
    } else if (r->ikind == CG_IN_CONST) {
      *bd = (kcu_sbuf){KCU_SB_FIXED, 0, 0, 0, 0};
      sd->src[b] = (sd_src){SD_OUTER, n->in[nseq + r->slot], 0};
    } else if (r->ikind == CG_IN_BSTATE) {
      *bd = (kcu_sbuf){KCU_SB_STATE_IN, r->slot, 0, 0, 0};
      d->state[r->slot].in = d->state[r->slot].init = b;
      sd->src[b] = (sd_src){SD_OUTER, n->in[nseq + nconst + r->slot], 0};
    } else
      return -1;
  }
  /* saved states stored [.., T, ..]: each step's state copied to its slice first */
  for (int q = 0; q < nst && save; q++) {
    kcu_sstate *st = &d->state[q];
    if (st->saved) continue;
    if (st->init < 0) { /* the initial state where no kernel buffer reads it */
      if ((st->init = sd_slot(k, d->coop, &nslot)) < 0) return -1;
      sd->src[st->init] = (sd_src){SD_OUTER, n->in[nseq + nconst + q], 0};
    }
    if ((slot = sd_slot(k, d->coop, &nslot)) < 0) return -1;
    kcu_scopy *c = &d->copy[d->ncopy++];
    c->src = -1;
    c->state = q;
    c->dst = slot;
    c->numel = st->numel;
    sd_slice(&sp->rsh[nst + nout + q], axis, 0, &c->step, &c->inner, &c->ostride);
    sd->src[slot] = (sd_src){SD_RES, nst + nout + q, 0};
  }
  /* outputs that are also a state (or an earlier output): copied from that buffer each step */
  for (int q = nst; q < nst + nout; q++) {
    int first = 0;
    while (outbuf[first] != outbuf[q]) first++;
    if (first == q) continue;
    if ((slot = sd_slot(k, d->coop, &nslot)) < 0) return -1;
    kcu_scopy *c = &d->copy[d->ncopy++];
    c->src = outbuf[q];
    c->state = -1;
    c->dst = slot;
    c->numel = cg_numel(&body->nodes.v[body->outs.v[q].node].shape);
    sd_slice(&sp->rsh[q], axis, sp->res_sm[q], &c->step, &c->inner, &c->ostride);
    sd->src[slot] = (sd_src){SD_RES, q, 0};
  }
  int64_t lb = kcu_local_bytes(k, kcu_dtype_of(p->dt));
  if (d->coop && lb) {
    if ((d->scratch = sd_slot(k, d->coop, &nslot)) < 0) return -1;
    sd->src[d->scratch] = (sd_src){SD_SCRATCH, sd_scratch(p, sd, (size_t)lb), 0};
  }
  if (d->coop) {
    if ((d->barrier = sd_slot(k, d->coop, &nslot)) < 0) return -1;
    sd->src[d->barrier] = (sd_src){SD_SCRATCH, sd_scratch(p, sd, 2 * sizeof(unsigned)), 0};
  }
  return 0;
}

static void scan_dev_free(cpu_prog *p) {
  if (!p->sdev) return;
  for (int i = 0; i < p->plan->steps.n; i++) {
    scan_dev *sd = &p->sdev[i];
    if (sd->h) p->runner->release(sd->h);
    for (int j = 0; j < sd->nscratch; j++) p->dev->free(sd->scratch[j]);
  }
  free(p->sdev);
  p->sdev = NULL;
}

/* Prepares the persistent scans of p and its bodies (after prog_finish); 0, or -1 with *err. */
static int scan_dev_prepare(cpu_prog *p, char **err) {
  const cpu_kernel_runner *r = p->runner;
  if (!r || !r->scan_prepare) return 0;
  p->sdev = xl_calloc((size_t)p->plan->steps.n + 1, sizeof *p->sdev);
  for (int i = 0; i < p->plan->steps.n; i++) {
    const kp_step *s = &p->plan->steps.v[i];
    if (p->body[i] && scan_dev_prepare(p->body[i], err)) return -1;
    if (!p->body[i] || !s->persistent || s->scan_mode == KP_SCAN_STEPS) continue;
    scan_dev *sd = &p->sdev[i];
    if (sd_build(p, i, sd)) { /* step by step */
      for (int j = 0; j < sd->nscratch; j++) p->dev->free(sd->scratch[j]);
      memset(sd, 0, sizeof *sd);
      continue;
    }
    char *e = NULL;
    sd->h = r->scan_prepare(p->body[i]->plan->steps.v[s->scan_kernel].kir, &sd->d, p->dt, r->ctx, &e);
    p->stats->scans_persistent += sd->h != NULL;
    if (e) {
      if (err && !*err) *err = xl_fmt("compiling the scan kernel of %%%d: %s", s->node, e);
      free(e);
      return -1;
    }
  }
  return 0;
}

/* run_scan as one launch (scan_dev): the result buffers bound as run_scan binds them, the
   initial states put where the first step reads them, then the runner's scan_run. */
static int run_scan_dev(const cpu_prog *p, int si, int id, cpu_vals *v, char **err) {
  const scan_dev *sd = &p->sdev[si];
  const cg_node *n = &p->g->nodes.v[id];
  const scan_prep *sp = &p->scan[si];
  int nres = cg_scan_nresults(n), nst = (int)n->a[CG_SCAN_NSTATE], nout = (int)n->a[CG_SCAN_NOUT];
  int nseq = (int)n->a[CG_SCAN_NSEQ], nconst = (int)n->a[CG_SCAN_NCONST];
  size_t es = esz(p->dt);
  if (!v->res[id]) v->res[id] = xl_calloc((size_t)nres + 1, sizeof(void *));
  void **res = v->res[id];
  v->nres[id] = nres;
  for (int k = 0; k < nres; k++) { /* as run_scan */
    const mp_value *m = mp_scan_result(p->mp, id, k);
    res[k] = (m->region == MP_WORK ? v->work : v->grad) + m->off;
    if (sp->res_bind && sp->res_bind[k] >= 0 && v->bind[sp->res_bind[k]]) res[k] = v->bind[sp->res_bind[k]];
  }
  char *body_work = v->work + p->mp->vals.v[p->mp->scan_res[id] + nres].off;
  for (int q = 0; q < nst; q++)
    if (sd->d.state[q].saved) { /* the first step reads its slot */
      size_t bytes = (size_t)sd->d.state[q].numel * es;
      int64_t t0 = sd->d.reverse ? sd->d.T - 1 : 0;
      p->dev->copy((char *)res[nst + nout + q] + (size_t)t0 * bytes, v->val[n->in[nseq + nconst + q]], bytes,
                   XL_COPY_D2D);
    }
  void *bufs[KIR_MAXBUF] = {0};
  for (int b = 0; b < KIR_MAXBUF; b++) {
    const sd_src *c = &sd->src[b];
    bufs[b] = c->kind == SD_OUTER ? v->val[c->a]
              : c->kind == SD_RES ? res[c->a]
              : c->kind == SD_WORK ? body_work + c->off
              : c->kind == SD_SPARE ? sp->spare[c->a]
              : c->kind == SD_SCRATCH ? sd->scratch[c->a] : NULL;
  }
  v->val[id] = NULL;
  return p->runner->scan_run(sd->h, bufs, err);
}

static int run_plan(const cpu_prog *p, cpu_vals *v, char **err) {
  const cg_graph *g = p->g;
  for (int si = 0; si < p->plan->steps.n; si++) {
    const kp_step *s = &p->plan->steps.v[si];
    const cg_node *n = &g->nodes.v[s->node];
    double t0 = p->stats->profile ? now_s() : 0;
    switch (s->kind) {
    case KP_GEMM:
      run_gemm(p, s, v);
      if (p->stats->profile) p->stats->t_gemm += now_s() - t0;
      break;
    case KP_KERNEL:
      if (check_indices(p, s, v, err)) return -1;
      if (run_kernel(p, si, s, v, err)) return -1;
      if (p->stats->profile) p->stats->t_kernel += now_s() - t0;
      break;
    case KP_VIEW:
      v->val[s->node] = v->val[n->in[0]];
      break;
    case KP_REF:
      if (n->op == CG_OP_INPUT) break; /* bound by the caller */
      if (n->op == CG_OP_SCAN && p->sdev && p->sdev[si].h) { /* one launch */
        if (run_scan_dev(p, si, s->node, v, err)) return -1;
        if (p->stats->profile) p->stats->t_kernel += now_s() - t0;
      } else if (n->op == CG_OP_SCAN) {
        if (run_scan(p, si, s->node, v, err)) return -1;
        continue; /* its time is in the body's steps and the scan copies */
      } else if (n->op == CG_OP_PAD || n->op == CG_OP_CONCAT) {
        run_pad_concat(p, s, v);
        if (p->stats->profile) p->stats->t_ref[n->op] += now_s() - t0;
      } else if (n->op == CG_OP_EINSUM) {
        run_einsum(p, si, s, v);
        if (p->stats->profile) p->stats->t_ref[n->op] += now_s() - t0;
      } else if (n->op == CG_OP_SCAN_OUT) {
        v->val[s->node] = v->res[n->in[0]][n->a[0]];
      } else {
        const mp_value *m = mp_value_of(p->mp, s->node);
        if (m->region == MP_NONE) break; /* a constant only kernels read: inlined there */
        if (run_ref_node(p, s, v, err)) return -1;
        if (p->stats->profile) p->stats->t_ref[n->op] += now_s() - t0;
      }
      break;
    }
    if (p->stats->profile) {
      p->t_step[si] += now_s() - t0;
      p->n_step[si]++;
    }
  }
  return 0;
}

/* ---- graph outputs in the caller's tensors ----
 * A decode loop hands cpu_run the output tensors of an earlier run to overwrite (cpu.h). An
 * output whose value the plan computes into a workspace value of its own is then computed
 * straight into the caller's tensor (the node's storage is bound to it for the run), instead of
 * into the workspace and copied out afterwards: a node's own value (a kernel, GEMM or
 * reference step writes it through alloc_node), or a scan's result (the scan writes its last
 * step there, run_scan). Not where the value is an input passed through, a gradient (gradient
 * block), shares its storage with another output, or is a view of part of a value. */
static int scan_out_node(const cg_graph *g, int scan, int k) {
  for (int i = scan + 1; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_SCAN_OUT && g->nodes.v[i].in[0] == scan && g->nodes.v[i].a[0] == k) return i;
  return -1;
}

static void out_bind_prepare(cpu_prog *p) {
  const cg_graph *g = p->g;
  XL_VEC(int) same = {0};
  p->out_bind = xl_malloc(((size_t)g->outs.n + 1) * sizeof(int));
  p->out_same_at = xl_malloc(((size_t)g->outs.n + 1) * sizeof(int));
  for (int k = 0; k < g->outs.n; k++) {
    int o = g->outs.v[k].node, b = -1;
    p->out_same_at[k] = same.n;
    for (int i = 0; i < g->nodes.n; i++)
      if (g->nodes.v[i].op == CG_OP_INPUT && cg_numel(&g->nodes.v[i].shape) == cg_numel(&g->nodes.v[o].shape))
        xl_vec_push(same, i);
    const mp_value *m = mp_value_of(p->mp, o);
    if (m->region == MP_ALIAS) m = &p->mp->vals.v[m->alias];
    if (m->region == MP_WORK && m->bytes == (size_t)cg_numel(&g->nodes.v[o].shape) * esz(p->dt)) {
      if (m->res == MP_RES_NODE && g->nodes.v[m->node].op != CG_OP_INPUT) b = m->node;
      if (m->res >= 0) b = scan_out_node(g, m->node, m->res);
    }
    for (int j = 0; j < k && b >= 0; j++)
      if (p->out_bind[j] == b) b = -1; /* one owner */
    p->out_bind[k] = b;
    if (b < 0 || m->res < 0) continue;
    for (int si = 0; si < p->plan->steps.n; si++) /* the scan's step reads its results' bindings */
      if (p->body[si] && p->plan->steps.v[si].node == m->node) {
        scan_prep *sp = &p->scan[si];
        int nres = cg_scan_nresults(&g->nodes.v[m->node]);
        if (!sp->res_bind) {
          sp->res_bind = xl_malloc(((size_t)nres + 1) * sizeof(int));
          for (int r = 0; r < nres; r++) sp->res_bind[r] = -1;
        }
        sp->res_bind[m->res] = b;
      }
  }
  p->out_same_at[g->outs.n] = same.n;
  p->out_same = same.v;
  p->in_nodes = xl_calloc((size_t)g->nodes.n + 1, sizeof(int));
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == CG_OP_INPUT) p->in_nodes[p->nin++] = i;
  p->in_off = xl_calloc((size_t)p->nin + 1, sizeof(size_t));
  for (int j = 0; j < p->nin; j++) {
    p->in_off[j] = p->in_bytes;
    p->in_bytes += round_align((size_t)cg_numel(&g->nodes.v[p->in_nodes[j]].shape) * esz(p->dt));
  }
}

/* ---- public ---- */

void cpu_set_serial(int on) {
  if (on == serial) return;
  serial = on;
  openblas_set_num_threads(on ? 1 : cpu_num_threads(NULL));
}

cpu_exec *cpu_prepare(const cg_graph *g, cg_dtype dt, const xl_options *o, char **err) {
  return cpu_prepare_with(g, dt, o, NULL, err);
}

cpu_exec *cpu_prepare_with(const cg_graph *g, cg_dtype dt, const xl_options *o, const cpu_kernel_runner *r,
                           char **err) {
  xl_options def;
  if (!o) {
    def = xl_options_default();
    o = &def;
  } else {
    jit_configure(o); /* the JIT is process-wide: the last options given win */
  }
  cpu_exec *e = xl_calloc(1, sizeof *e);
  if (err) *err = NULL;
  e->stats.profile = o->profile != 0;
  /* one knob for threads: num_threads (BLAS threads and xlc's kernel threads) */
  cfg_threads = o->num_threads;
  if (o->split_min > 0) split_min = o->split_min;
  if (!serial && o->num_threads > 0) openblas_set_num_threads(o->num_threads);
  e->g = g;
  e->dt = dt;
  e->prog = prog_plan(g, dt, o, &e->stats, r);
  if (prog_mem_check(e->prog, &e->refused)) { /* compile nothing: every run fails with this */
    e->stats.planned_bytes = (double)(e->prog->mp->work_peak + e->prog->mp->param_bytes + e->prog->mp->input_bytes);
    return e;
  }
  if (prog_compile(e->prog, o, err)) {
    free(e);
    return NULL;
  }
  out_bind_prepare(e->prog);
  e->stats.planned_bytes = (double)(e->prog->mp->work_peak + e->prog->mp->param_bytes + e->prog->mp->input_bytes);
  e->stats.param_bytes = (double)e->prog->mp->param_bytes;
  return e;
}

/* On a GPU: input j (node i), converted or filled on the host (owned), into its place in the
   device input block. */
static void to_device(cpu_prog *p, cpu_vals *v, int i, int j) {
  void *d = p->in_dev + p->in_off[j];
  p->dev->copy(d, v->val[i], (size_t)cg_numel(&p->g->nodes.v[i].shape) * esz(p->dt), XL_COPY_H2D);
  free(v->val[i]);
  v->owned[i] = 0;
  v->val[i] = d;
}

/* The workspace and gradient block of e's first run. 0, or -1 with *err naming the block. */
static int run_alloc(cpu_exec *e, char **err) {
  const mp_plan *mp = e->prog->mp;
  const xl_device *dev = e->prog->dev;
  e->work = dev->alloc(round_align(mp->work_peak), MP_ALIGN);
  e->grad = e->work ? dev->alloc(round_align(mp->param_bytes), MP_ALIGN) : NULL;
  if (e->work && e->grad) return 0;
  char *need = xl_bytes_str((double)(e->work ? mp->param_bytes : mp->work_peak));
  if (err) *err = xl_fmt("cannot allocate the %s (%s); " XL_EXEC_ADVICE, e->work ? "gradient block" : "workspace", need);
  free(need);
  dev->free(e->work);
  e->work = NULL;
  return -1;
}

int cpu_run(cpu_exec *e, xt *const *inputs, xt **outputs, char **err) {
  const cg_graph *g = e->g;
  int rc = 0;
  size_t es = esz(e->dt);
  xt_dtype xd = e->dt == CG_F64 ? XT_F64 : XT_F32;
  if (err) *err = NULL;
  if (e->refused) {
    if (err) *err = xl_strdup(e->refused);
    return XL_EXEC_NOMEM;
  }
  if (!e->work && run_alloc(e, err)) return XL_EXEC_NOMEM;
  cpu_prog *p = e->prog;
  int gpu = on_gpu(p);
  if (gpu && !p->in_dev && !(p->in_dev = p->dev->alloc(p->in_bytes ? p->in_bytes : MP_ALIGN, MP_ALIGN))) {
    char *need = xl_bytes_str((double)p->in_bytes);
    if (err) *err = xl_fmt("cannot allocate the device input block (%s); " XL_EXEC_ADVICE, need);
    free(need);
    return XL_EXEC_NOMEM;
  }
  cpu_vals v = *e->prog->vals;
  e->stats.run_id++; /* invalidates cached copies of parameters (they may have been updated) */
  v.work = e->work;
  v.grad = e->grad;
  for (int j = 0; j < e->prog->nin && rc == 0; j++) {
    int i = e->prog->in_nodes[j];
    const cg_node *n = &g->nodes.v[i];
    const xt *x = inputs ? inputs[i] : NULL;
    int64_t ne = cg_numel(&n->shape);
    if (!x) {
      if (n->ikind != CG_IN_STATE) {
        if (err) *err = xl_fmt("input \"%s\": no value given", n->name ? n->name : "");
        rc = -1;
        break;
      }
      void *b = v.val[i] = xl_calloc((size_t)(ne ? ne : 1), es);
      v.owned[i] = 1;
      for (int64_t j = 0; j < ne; j++) {
        if (e->dt == CG_F64) ((double *)b)[j] = n->fval;
        else ((float *)b)[j] = (float)n->fval;
      }
      if (gpu) to_device(p, &v, i, j);
      continue;
    }
    if (x->rank != n->shape.rank || memcmp(x->shape, n->shape.d, sizeof(int64_t) * (size_t)x->rank)) {
      if (err) *err = xl_fmt("input \"%s\": wrong shape", n->name ? n->name : "");
      rc = -1;
      break;
    }
    if (x->dtype == xd && gpu) {
      v.val[i] = p->in_dev + p->in_off[j];
      p->dev->copy(v.val[i], x->data, (size_t)ne * es, XL_COPY_H2D);
    } else if (x->dtype == xd) {
      v.val[i] = x->data; /* borrowed */
    } else {
      void *b = v.val[i] = xl_calloc((size_t)(ne ? ne : 1), es);
      v.owned[i] = 1;
      if (e->dt == CG_F32 && x->dtype == XT_F64)
        for (int64_t j = 0; j < ne; j++) ((float *)b)[j] = (float)((const double *)x->data)[j];
      else
        for (int64_t j = 0; j < ne; j++) {
          if (e->dt == CG_F64) ((double *)b)[j] = xt_get(x, j);
          else ((float *)b)[j] = (float)xt_get(x, j);
        }
      if (gpu) to_device(p, &v, i, j);
    }
  }
  /* outputs: the caller's tensors where they fit (else new ones), written in place where the
     plan allows (out_bind_prepare) and the tensor is not also an input of this run */
  for (int k = 0; k < g->outs.n && rc == 0; k++) {
    const cg_node *o = &g->nodes.v[g->outs.v[k].node];
    xt *t = outputs[k];
    if (t && !(t->dtype == xd && t->rank == o->shape.rank && t->name && !strcmp(t->name, g->outs.v[k].name) &&
               !memcmp(t->shape, o->shape.d, sizeof(int64_t) * (size_t)t->rank))) {
      xt_free(t);
      t = outputs[k] = NULL;
    }
    int b = e->prog->out_bind[k];
    if (!t || b < 0 || gpu) continue; /* a GPU computes into device memory: copied out below */
    int shared = 0;
    for (int j = e->prog->out_same_at[k]; j < e->prog->out_same_at[k + 1] && !shared; j++)
      shared = v.val[e->prog->out_same[j]] == t->data;
    if (!shared) v.bind[b] = t->data;
  }
  if (rc == 0) rc = run_plan(e->prog, &v, err);
  for (int k = 0; k < g->outs.n; k++)
    if (e->prog->out_bind[k] >= 0) v.bind[e->prog->out_bind[k]] = NULL;
  if (rc == 0) e->prog->dev->sync();
  for (int k = 0; k < g->outs.n && rc == 0; k++) {
    const cg_node *o = &g->nodes.v[g->outs.v[k].node];
    if (!outputs[k]) outputs[k] = xt_new_uninit(g->outs.v[k].name, xd, o->shape.rank, o->shape.d);
    const void *src = v.val[g->outs.v[k].node];
    if (src != outputs[k]->data) e->prog->dev->copy(outputs[k]->data, src, (size_t)cg_numel(&o->shape) * es, XL_COPY_D2H);
  }
  for (int j = 0; j < e->prog->nin; j++) /* only inputs are converted copies at the top level */
    if (v.owned[e->prog->in_nodes[j]]) {
      free(v.val[e->prog->in_nodes[j]]);
      v.owned[e->prog->in_nodes[j]] = 0;
    }
  return rc;
}

static void scan_dev_free(cpu_prog *p);

static void prog_free(cpu_prog *p) {
  if (!p) return;
  scan_dev_free(p);
  if (p->plan)
    for (int i = 0; i < p->plan->steps.n; i++) {
      if (p->kern[i].jit) jit_free(p->kern[i].jit);
      if (p->kern[i].rh) p->runner->release(p->kern[i].rh);
      prog_free(p->body[i]);
    }
  if (p->scan)
    for (int i = 0; i < p->plan->steps.n; i++)
      if (p->body[i]) scan_prep_free(p, &p->scan[i], (int)p->g->nodes.v[p->plan->steps.v[i].node].a[CG_SCAN_NSTATE]);
  free(p->scan);
  free(p->out_bind);
  free(p->out_same);
  free(p->out_same_at);
  free(p->in_nodes);
  free(p->in_off);
  if (p->in_dev) p->dev->free(p->in_dev);
  free(p->stepmajor);
  free(p->kern);
  free(p->body);
  free(p->t_step);
  free(p->n_step);
  if (p->vals) {
    vals_free(p->vals, p->g->nodes.n);
    free(p->vals);
  }
  if (p->plan)
    for (int i = 0; i < p->plan->steps.n; i++)
      for (int k = 0; k < 3; k++) free(p->ein[i].buf[k]);
  free(p->ein);
  if (p->mp) mp_free(p->mp);
  if (p->plan) kp_free(p->plan);
  free(p);
}

void cpu_free(cpu_exec *e) {
  if (!e) return;
  const xl_device *dev = e->prog ? e->prog->dev : xl_dev_cpu();
  dev->free(e->work);
  dev->free(e->grad);
  prog_free(e->prog);
  free(e->refused);
  free(e);
}

void cpu_profile_print(const cpu_stats *s, FILE *out) {
  double tot = s->t_kernel + s->t_gemm + s->t_copy;
  for (int i = 0; i < CG_OP_COUNT; i++) tot += s->t_ref[i];
  if (tot <= 0) return;
  fprintf(out, "    profile (%.3f s): kernels %.1f%%, gemm %.1f%%, scan copies %.1f%%", tot, 100 * s->t_kernel / tot,
          100 * s->t_gemm / tot, 100 * s->t_copy / tot);
  for (int i = 0; i < CG_OP_COUNT; i++)
    if (s->t_ref[i] > 0.005 * tot) fprintf(out, ", ref %s %.1f%%", cg_ops[i].name, 100 * s->t_ref[i] / tot);
  fprintf(out, "\n");
}

/* ---- per-step profile (XLC_PROFILE=2) ---- */

typedef struct {
  double t;
  long n;
  const cpu_prog *p;
  int si, depth;
} prof_row;

static void prof_collect(const cpu_prog *p, int depth, prof_row **rows, int *nrows, int *cap) {
  for (int si = 0; si < p->plan->steps.n; si++) {
    if (p->body[si]) prof_collect(p->body[si], depth + 1, rows, nrows, cap);
    if (p->n_step[si] == 0) continue;
    if (*nrows == *cap) {
      *cap = *cap ? 2 * *cap : 64;
      *rows = xl_realloc(*rows, (size_t)*cap * sizeof **rows);
    }
    (*rows)[(*nrows)++] = (prof_row){p->t_step[si], p->n_step[si], p, si, depth};
  }
}

static int prof_cmp(const void *a, const void *b) {
  double x = ((const prof_row *)a)->t, y = ((const prof_row *)b)->t;
  return x < y ? 1 : x > y ? -1 : 0;
}

void cpu_profile_steps(const cpu_exec *e, FILE *out, int top) {
  prof_row *rows = NULL;
  int n = 0, cap = 0;
  prof_collect(e->prog, 0, &rows, &n, &cap);
  double tot = 0;
  for (int i = 0; i < n; i++) tot += rows[i].t;
  qsort(rows, (size_t)n, sizeof *rows, prof_cmp);
  fprintf(out, "    steps by time (%.3f s in plan steps; depth = scan nesting):\n", tot);
  for (int i = 0; i < n && i < top; i++) {
    const prof_row *r = &rows[i];
    const kp_step *s = &r->p->plan->steps.v[r->si];
    const cg_node *nd = &r->p->g->nodes.v[s->node];
    const char *what = s->kind == KP_KERNEL ? s->kir->name : s->kind == KP_GEMM ? "gemm" : cg_ops[nd->op].name;
    fprintf(out, "    %5.1f%%  %8.2f us x %7ld  depth %d step %3d %%%d %.60s\n", tot > 0 ? 100 * r->t / tot : 0,
            1e6 * r->t / (double)r->n, r->n, r->depth, r->si, s->node, what);
  }
  free(rows);
}

const kp_plan *cpu_exec_plan(const cpu_exec *e) { return e && e->prog ? e->prog->plan : NULL; }
