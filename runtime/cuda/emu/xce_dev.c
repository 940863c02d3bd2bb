/* xce_dev.c - the emulated GPU as a device (cuda_dev.h xl_dev_cuda_emu): host pages treated as
 * device memory, guarded so that the executor cannot use them as host memory by mistake.
 *
 * Every allocation is its own mmap, kept PROT_NONE except while a device operation runs (copy,
 * copy2d, zero, gemm, and the launches the executor brackets with xl_dev_cuda_emu_open/close):
 * a host access the CUDA executor forgot faults as it would on a GPU (where the pointer is not
 * even host memory). A SIGSEGV handler, installed with the first allocation, prints "host
 * access to emulated device memory" with the address when the fault is in one of these
 * allocations, then hands the signal to the handler it replaced (the default: the process
 * dies with SIGSEGV; AddressSanitizer's: its report). Copies also check their direction
 * (H2D: the destination is device memory and the source is not, ...) and GEMMs their operands,
 * and abort with a message otherwise: a copy the wrong way round is a fault on a GPU too.
 * The open/close window nests and is process-wide (one counter under a mutex): memory is
 * accessible while any thread is inside a device operation, never outside all of them.
 * GEMMs run on the host's BLAS through the CPU device where the build has it (else plain loops
 * in the same row-major contract, kp_gemm: kplan.h). Kernels launch through xce_launch (xce.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cuda_dev.h"
#include "xl_util.h"

typedef struct {
  char *map;        /* the mapping (munmap) */
  size_t maplen;
  char *p;          /* the pointer handed out (aligned inside map) */
  size_t bytes;
} emu_region;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static emu_region *reg;
static int nreg, capreg;
static int depth; /* device operations running (open without close) */
static struct sigaction old_segv;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void put(const char *s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

static void put_hex(uintptr_t x) {
  char b[19] = "0x";
  for (int i = 0; i < 16; i++) b[2 + i] = "0123456789abcdef"[(x >> (60 - 4 * i)) & 15];
  b[18] = 0;
  put(b);
}

/* A fault in a guarded allocation is reported, then every fault goes to the previous handler
   (re-raised by returning: the access faults again). Only async-signal-safe calls. */
static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  uintptr_t a = (uintptr_t)si->si_addr;
  for (int i = 0; i < nreg; i++)
    if (a >= (uintptr_t)reg[i].map && a < (uintptr_t)reg[i].map + reg[i].maplen) {
      put("xlc: host access to emulated device memory at ");
      put_hex(a);
      put(" (cuda-emu: outside a device operation; on a GPU this is not host memory)\n");
      break;
    }
  sigaction(SIGSEGV, &old_segv, NULL);
}

static void handler_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
}

static void protect_all(int prot) { /* mu held */
  for (int i = 0; i < nreg; i++)
    if (mprotect(reg[i].map, reg[i].maplen, prot)) {
      perror("cuda-emu: mprotect");
      abort();
    }
}

void xl_dev_cuda_emu_open(void) {
  pthread_mutex_lock(&mu);
  if (depth++ == 0) protect_all(PROT_READ | PROT_WRITE);
  pthread_mutex_unlock(&mu);
}

void xl_dev_cuda_emu_close(void) {
  pthread_mutex_lock(&mu);
  XL_ASSERT(depth > 0);
  if (--depth == 0) protect_all(PROT_NONE);
  pthread_mutex_unlock(&mu);
}

static int owns_locked(const void *p, size_t bytes) {
  uintptr_t a = (uintptr_t)p;
  for (int i = 0; i < nreg; i++)
    if (a >= (uintptr_t)reg[i].p && a + bytes <= (uintptr_t)reg[i].p + reg[i].bytes + (reg[i].bytes ? 0 : 1)) return 1;
  return 0;
}

int xl_dev_cuda_emu_owns(const void *p, size_t bytes) {
  pthread_mutex_lock(&mu);
  int r = owns_locked(p, bytes);
  pthread_mutex_unlock(&mu);
  return r;
}

static void *emu_alloc(size_t bytes, size_t align) {
  pthread_once(&handler_once, handler_install);
  size_t pg = (size_t)sysconf(_SC_PAGESIZE), extra = align > pg ? align : 0;
  size_t len = ((bytes ? bytes : 1) + extra + pg - 1) / pg * pg;
  pthread_mutex_lock(&mu);
  char *m = mmap(NULL, len, depth ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    pthread_mutex_unlock(&mu);
    return NULL;
  }
  char *p = extra ? (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1)) : m;
  if (nreg == capreg) {
    capreg = capreg ? 2 * capreg : 64;
    reg = xl_realloc(reg, (size_t)capreg * sizeof *reg);
  }
  reg[nreg++] = (emu_region){m, len, p, bytes};
  pthread_mutex_unlock(&mu);
  return p;
}

static void emu_free(void *p) {
  if (!p) return;
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nreg; i++)
    if (reg[i].p == p) {
      munmap(reg[i].map, reg[i].maplen);
      reg[i] = reg[--nreg];
      pthread_mutex_unlock(&mu);
      return;
    }
  pthread_mutex_unlock(&mu);
  fprintf(stderr, "cuda-emu: free of %p, which is not emulated device memory\n", p);
  abort();
}

/* a device operation's pointers: device memory where `dev` says so, host memory elsewhere */
static void want(const void *p, size_t bytes, int dev, const char *what) {
  if (!bytes || xl_dev_cuda_emu_owns(p, bytes) == dev) return;
  fprintf(stderr, "cuda-emu: %s %p (%zu bytes) is %s\n", what, p, bytes,
          dev ? "not emulated device memory" : "emulated device memory (host memory expected)");
  abort();
}

static void emu_copy(void *dst, const void *src, size_t bytes, xl_copy_dir dir) {
  if (!bytes) return;
  want(dst, bytes, dir != XL_COPY_D2H, "copy destination");
  want(src, bytes, dir != XL_COPY_H2D, "copy source");
  xl_dev_cuda_emu_open();
  memmove(dst, src, bytes);
  xl_dev_cuda_emu_close();
}

static void emu_copy2d(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t rows,
                       xl_copy_dir dir) {
  if (!width || !rows) return;
  want(dst, dpitch * (rows - 1) + width, dir != XL_COPY_D2H, "copy2d destination");
  want(src, spitch * (rows - 1) + width, dir != XL_COPY_H2D, "copy2d source");
  xl_dev_cuda_emu_open();
  for (size_t r = 0; r < rows; r++) memmove((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
  xl_dev_cuda_emu_close();
}

static void emu_zero(void *dst, size_t bytes) {
  if (!bytes) return;
  want(dst, bytes, 1, "zero destination");
  xl_dev_cuda_emu_open();
  memset(dst, 0, bytes);
  xl_dev_cuda_emu_close();
}

static int emu_parts(void) { return 1; }

#ifdef XLC_HAVE_CPU
static void gemm_host(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C) {
  xl_dev_cpu()->gemm(g, dt, A, B, C);
}
#else
#define GEMM_LOOPS(T)                                                                                       \
  for (int64_t o = 0; o < g->outer; o++)                                                                    \
    for (int64_t b = 0; b < g->batch; b++) {                                                                \
      const T *a = (const T *)A + o * g->oa + b * g->sa, *bb = (const T *)B + o * g->ob + b * g->sb;        \
      T *c = (T *)C + o * g->oc + b * g->sc;                                                                \
      for (int64_t i = 0; i < g->m; i++)                                                                    \
        for (int64_t j = 0; j < g->n; j++) {                                                                \
          T s = 0;                                                                                          \
          for (int64_t k = 0; k < g->k; k++)                                                                \
            s += (g->trans_a ? a[k * g->lda + i] : a[i * g->lda + k]) *                                     \
                 (g->trans_b ? bb[j * g->ldb + k] : bb[k * g->ldb + j]);                                    \
          c[i * g->ldc + j] = s;                                                                            \
        }                                                                                                   \
    }
static void gemm_host(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C) {
  if (dt == CG_F64) {
    GEMM_LOOPS(double)
  } else {
    GEMM_LOOPS(float)
  }
}
#endif

static void emu_gemm(const kp_gemm *g, cg_dtype dt, const void *A, const void *B, void *C) {
  want(A, 1, 1, "GEMM operand A");
  want(B, 1, 1, "GEMM operand B");
  want(C, 1, 1, "GEMM result C");
  xl_dev_cuda_emu_open();
  gemm_host(g, dt, A, B, C);
  xl_dev_cuda_emu_close();
}

static void emu_sync(void) {}

static const xl_device dev_emu = {"cuda-emu", XL_DEV_GPU, emu_alloc, emu_free,  emu_copy,  emu_parts,
                                  NULL,       emu_gemm,   emu_sync,  emu_copy2d, emu_zero};

const xl_device *xl_dev_cuda_emu(void) { return &dev_emu; }
