/* mlir_jit.c - MLIR text -> machine code, the only file that includes MLIR/LLVM headers.
 *
 * Input: a module in the func/scf/arith/math/memref/vector dialects (kir_mlir.c writes them).
 * Stages: parse (all dialects registered) -> lowering pass pipeline to the llvm dialect ->
 * translate to LLVM IR -> -O3 (new pass manager) for the host CPU name and features -> object
 * file -> ORC LLJIT (one per process, one JITDylib per distinct kernel, process symbols such as libm
 * visible). The object file is
 * cached on disk under a hash of (text, entry name, JIT version, LLVM version, pipeline, triple,
 * CPU, features); the file stores the whole key and a checksum, so a stale, colliding, truncated
 * or corrupt entry is recompiled and rewritten (temp file + rename), never trusted.
 * Each distinct key is linked once per process: the xl_jit handles of equal keys share its
 * code (refcounted), so kernels that are textually equal (the same cell in every layer, the
 * same graph in every data-parallel shard) are compiled or loaded once. jit_compile_batch
 * compiles the misses of a batch on worker threads, each with its own MLIR context (an MLIR
 * context and an LLVM context are not shared between threads); parsing, lowering, -O3 and
 * code generation of one module depend on its text alone, so objects, cache entries and
 * results do not depend on the number of workers or the order they finish in. G.mu guards the
 * shared state (table, LLJIT, contexts, statistics), never a compile.
 * Nothing here knows KIR.
 * jit_configure: o->jit_timing (XLC_JIT_TIMING=1) prints the time of each stage of a compile, and a
 * line per batch (modules, distinct, compiled, workers, wall time), to stderr (a debugging aid).
 */
#include "jit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mlir-c/Diagnostics.h>
#include <mlir-c/IR.h>
#include <mlir-c/Pass.h>
#include <mlir-c/RegisterEverything.h>
#include <mlir-c/Support.h>
#include <mlir-c/Target/LLVMIR.h>

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

/* Bump when anything here changes the generated code (options, pass order). */
#define JIT_VERSION "xlc-jit 1 (O3 -vectorize -unroll)"
#define JIT_MAX_WORKERS 16
#define CACHE_ENTRY_MAX ((int64_t)1 << 30) /* bytes: a larger entry is corrupt */

/* scf -> cf first (vector ops inside loop bodies are then plain block ops), then every dialect
   to llvm; memref descriptors built from raw pointers by kir_mlir.c fold away in
   reconcile-unrealized-casts. f32 transcendentals are arith code already; f64 ones are
   func.call to libm, so no math-to-libm (it would also turn math.fma/sqrt into calls). */
static const char PIPELINE[] =
    "builtin.module(convert-scf-to-cf,convert-vector-to-llvm{reassociate-fp-reductions=1},"
    "convert-math-to-llvm,convert-arith-to-llvm,finalize-memref-to-llvm,convert-func-to-llvm,"
    "convert-cf-to-llvm,reconcile-unrealized-casts)";

/* One linked object: every xl_jit whose key is equal shares it (G.code, G.mu). */
typedef struct jit_code {
  char *key;                    /* the whole cache key (text included) */
  uint64_t h;                   /* fnv64 of key */
  LLVMOrcJITDylibRef jd;        /* the kernel's own symbol table */
  LLVMOrcResourceTrackerRef rt; /* owns the kernel's code in jd */
  void *fn;
  int refs; /* xl_jit handles on it */
} jit_code;

struct xl_jit {
  jit_code *c;
  int cached; /* this handle's object came from the disk cache */
  double ms;
};

/* ---- small helpers ---- */

typedef struct {
  char *p;
  size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = xl_realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void sb_cb(MlirStringRef s, void *ud) { sb_put(ud, s.data, s.length); }

static char *sb_take(sbuf *b) {
  if (!b->p) return xl_strdup("");
  return b->p;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t fnv64(const void *p, size_t n, uint64_t h) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
  return h;
}

static void set_err(char **err, char *msg) {
  if (err) *err = msg;
  else free(msg);
}

static char *take_llvm_err(LLVMErrorRef e) {
  char *m = LLVMGetErrorMessage(e);
  char *r = xl_strdup(m);
  LLVMDisposeErrorMessage(m);
  return r;
}

/* ---- process-wide state ---- */

static struct {
  pthread_once_t once;
  pthread_mutex_t mu;
  char *init_err;
  MlirContext ctx;                /* jit_emit's (G.mu held) */
  XL_VEC(MlirContext) free_ctx;   /* compile contexts not in use (one per concurrent compile) */
  XL_VEC(jit_code *) code;        /* linked objects by key */
  LLVMTargetRef target;
  char *triple, *cpu, *features, *host;
  char *cache_dir; /* NULL = off */
  unsigned long tmp_seq, jd_seq;
  LLVMOrcLLJITRef lljit;
  XL_VEC(LLVMOrcJITDylibRef) free_jd; /* emptied JITDylibs of freed kernels */
  jit_stats_t st;
} G = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER};

static int mkdir_p(const char *path) {
  char *p = xl_strdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0755) && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  int r = mkdir(p, 0755) && errno != EEXIST ? -1 : 0;
  free(p);
  return r;
}

/* jit_configure's settings (cfg_mu); the cache directory is resolved (created, checked) by the
   first compile after it changed */
static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char *cache_dir; /* as configured (NULL: none) */
  int resolved;    /* G.cache_dir is cache_dir made usable (or NULL) */
  int timing;
} cfg;

/* dir created if missing and writable, else NULL (no cache) */
static char *usable_cache_dir(const char *d) {
  if (!d || !*d || !strcmp(d, "off") || !strcmp(d, "0")) return NULL;
  char *dir = xl_strdup(d);
  if (mkdir_p(dir) || access(dir, W_OK | X_OK)) {
    free(dir);
    return NULL;
  }
  return dir;
}

static pthread_once_t vbits_once = PTHREAD_ONCE_INIT;
static int host_vbits;

static void vbits_init(void) {
  char *f = LLVMGetHostCPUFeatures();
  host_vbits = f && strstr(f, "+avx512f") ? 512 : 256;
  LLVMDisposeMessage(f);
}

int jit_host_vector_bits(void) {
  pthread_once(&vbits_once, vbits_init);
  return host_vbits;
}

void jit_configure(const xl_options *o) {
  pthread_mutex_lock(&cfg_mu);
  kir_set_vector_bits(o->emit.vector_bits); /* the width kernels are emitted for */
  cfg.timing = o->jit_timing;
  const char *d = o->cache_dir;
  if (!(d == cfg.cache_dir || (d && cfg.cache_dir && !strcmp(d, cfg.cache_dir)))) {
    free(cfg.cache_dir);
    cfg.cache_dir = d ? xl_strdup(d) : NULL;
    cfg.resolved = 0;
  }
  pthread_mutex_unlock(&cfg_mu);
}

int jit_vector_bits(void) { return kir_vector_bits(); }

/* G.cache_dir for the configured directory (under G.mu, or before anything compiles) */
static void cache_dir_update(void) {
  pthread_mutex_lock(&cfg_mu);
  if (!cfg.resolved) {
    free(G.cache_dir);
    G.cache_dir = usable_cache_dir(cfg.cache_dir);
    cfg.resolved = 1;
  }
  pthread_mutex_unlock(&cfg_mu);
}

/* An MLIR context with every dialect and LLVM translation registered; MLIR's own threading off
   (the compile workers are the parallelism). */
static MlirContext new_ctx(void) {
  MlirDialectRegistry reg = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(reg);
  MlirContext c = mlirContextCreateWithRegistry(reg, false);
  mlirDialectRegistryDestroy(reg);
  mlirRegisterAllLLVMTranslations(c);
  return c;
}

static void init_once(void) {
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  LLVMInitializeNativeAsmParser();
  G.triple = LLVMGetDefaultTargetTriple();
  G.cpu = LLVMGetHostCPUName();
  G.features = LLVMGetHostCPUFeatures();
  G.host = xl_fmt("%s %s %s", G.triple, G.cpu, G.features);
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(G.triple, &G.target, &msg)) {
    G.init_err = xl_fmt("jit: no LLVM target for %s: %s", G.triple, msg ? msg : "?");
    LLVMDisposeMessage(msg);
    return;
  }
  mlirRegisterAllPasses();
  G.ctx = new_ctx();
}

static int jit_init(char **err) {
  pthread_once(&G.once, init_once);
  if (G.init_err) {
    set_err(err, xl_strdup(G.init_err));
    return -1;
  }
  return 0;
}

/* ---- MLIR text -> LLVM module ---- */

static MlirLogicalResult diag_handler(MlirDiagnostic d, void *ud) {
  sbuf *b = ud;
  mlirLocationPrint(mlirDiagnosticGetLocation(d), sb_cb, b);
  sb_put(b, ": ", 2);
  mlirDiagnosticPrint(d, sb_cb, b);
  sb_put(b, "\n", 1);
  return mlirLogicalResultSuccess();
}

static LLVMTargetMachineRef make_tm(void) {
  return LLVMCreateTargetMachine(G.target, G.triple, G.cpu, G.features, LLVMCodeGenLevelAggressive,
                                 LLVMRelocPIC, LLVMCodeModelSmall);
}

/* Runs the whole compile up to `stop`: JIT_EMIT_LLVM_DIALECT / LLVM_IR / ASM return text in
   *text; stop = -1 returns the object file in *obj. ctx is the caller's alone (no lock: the
   rest is this call's own LLVM context, module and target machine). */
static int compile(MlirContext ctx, const char *mlir_text, int stop, char **text, LLVMMemoryBufferRef *obj,
                   char **err) {
  sbuf diag = {0};
  int rc = -1;
  MlirDiagnosticHandlerID hid = mlirContextAttachDiagnosticHandler(ctx, diag_handler, &diag, NULL);
  MlirModule mod = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(mlir_text));
  MlirPassManager pm = {NULL};
  LLVMContextRef lctx = NULL;
  LLVMModuleRef m = NULL;
  LLVMTargetMachineRef tm = NULL;
  if (mlirModuleIsNull(mod)) {
    set_err(err, xl_fmt("jit: cannot parse the MLIR module:\n%s", diag.p ? diag.p : ""));
    goto out;
  }
  pm = mlirPassManagerCreate(ctx);
  sbuf perr = {0};
  if (mlirLogicalResultIsFailure(mlirParsePassPipeline(mlirPassManagerGetAsOpPassManager(pm),
                                                       mlirStringRefCreateFromCString(PIPELINE), sb_cb,
                                                       &perr))) {
    set_err(err, xl_fmt("jit: bad pass pipeline: %s", perr.p ? perr.p : ""));
    free(perr.p);
    goto out;
  }
  free(perr.p);
  MlirOperation op = mlirModuleGetOperation(mod);
  double tp0 = now_ms();
  if (mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, op))) {
    set_err(err, xl_fmt("jit: lowering to the llvm dialect failed:\n%s", diag.p ? diag.p : ""));
    goto out;
  }
  if (stop == JIT_EMIT_LLVM_DIALECT) {
    sbuf t = {0};
    mlirOperationPrint(op, sb_cb, &t);
    *text = sb_take(&t);
    rc = 0;
    goto out;
  }
  double tp1 = now_ms();
  lctx = LLVMContextCreate();
  m = mlirTranslateModuleToLLVMIR(op, lctx);
  double tp2 = now_ms();
  if (!m) {
    set_err(err, xl_fmt("jit: translation to LLVM IR failed:\n%s", diag.p ? diag.p : ""));
    goto out;
  }
  tm = make_tm();
  LLVMSetTarget(m, G.triple);
  LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(m, dl);
  LLVMDisposeTargetData(dl);
  for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f)) continue;
    LLVMAddTargetDependentFunctionAttr(f, "target-cpu", G.cpu);
    LLVMAddTargetDependentFunctionAttr(f, "target-features", G.features);
    /* the kernels' explicit vectors are meant at this width: LLVM's default for AVX-512 hosts
       (prefer 256) would split 512-bit vectors into halves */
    LLVMAddTargetDependentFunctionAttr(f, "prefer-vector-width", jit_vector_bits() == 512 ? "512" : "256");
    LLVMAddTargetDependentFunctionAttr(f, "min-legal-vector-width", jit_vector_bits() == 512 ? "512" : "256");
  }
  LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
  /* the kernels are vectorized already: LLVM's loop/SLP vectorizers and the unroller only
     re-vectorize the short scalar remainder loops and double the compile time (measured) */
  LLVMPassBuilderOptionsSetLoopVectorization(po, 0);
  LLVMPassBuilderOptionsSetSLPVectorization(po, 0);
  LLVMPassBuilderOptionsSetLoopUnrolling(po, 0);
  LLVMErrorRef e = LLVMRunPasses(m, "default<O3>", tm, po);
  LLVMDisposePassBuilderOptions(po);
  double tp3 = now_ms();
  if (e) {
    char *m2 = take_llvm_err(e);
    set_err(err, xl_fmt("jit: LLVM optimization failed: %s", m2));
    free(m2);
    goto out;
  }
  if (stop == JIT_EMIT_LLVM_IR) {
    char *s = LLVMPrintModuleToString(m);
    *text = xl_strdup(s);
    LLVMDisposeMessage(s);
    rc = 0;
    goto out;
  }
  char *msg = NULL;
  LLVMMemoryBufferRef mb = NULL;
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, stop == JIT_EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile,
                                          &msg, &mb)) {
    set_err(err, xl_fmt("jit: code generation failed: %s", msg ? msg : "?"));
    LLVMDisposeMessage(msg);
    goto out;
  }
  pthread_mutex_lock(&cfg_mu);
  int timing = cfg.timing;
  pthread_mutex_unlock(&cfg_mu);
  if (timing)
    fprintf(stderr, "jit timing: lower %.1f translate %.1f O3 %.1f codegen %.1f ms\n", tp1 - tp0, tp2 - tp1,
            tp3 - tp2, now_ms() - tp3);
  if (stop == JIT_EMIT_ASM) {
    *text = xl_strndup(LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
    LLVMDisposeMemoryBuffer(mb);
  } else {
    *obj = mb;
  }
  rc = 0;
out:
  if (tm) LLVMDisposeTargetMachine(tm);
  if (m) LLVMDisposeModule(m);
  if (lctx) LLVMContextDispose(lctx);
  if (!mlirPassManagerIsNull(pm)) mlirPassManagerDestroy(pm);
  if (!mlirModuleIsNull(mod)) mlirModuleDestroy(mod);
  mlirContextDetachDiagnosticHandler(ctx, hid);
  free(diag.p);
  return rc;
}

/* ---- the disk cache ----
   file: "XLCJIT01" | u64 keylen | key | u64 objlen | u64 fnv64(obj) | obj */

static const char MAGIC[8] = {'X', 'L', 'C', 'J', 'I', 'T', '0', '1'};

static char *cache_path(const char *key) {
  size_t n = strlen(key);
  uint64_t h1 = fnv64(key, n, 14695981039346656037ULL), h2 = fnv64(key, n, 0x9e3779b97f4a7c15ULL);
  return xl_fmt("%s/k-%016llx%016llx.bin", G.cache_dir, (unsigned long long)h1, (unsigned long long)h2);
}

/* Returns the object of a valid entry for key, or NULL (missing: *corrupt = 0; present but
   unusable, e.g. not a regular file, too short or too large: *corrupt = 1). */
static LLVMMemoryBufferRef cache_read(const char *path, const char *key, int *corrupt) {
  *corrupt = 0;
  const char *e;
  int64_t size = -1;
  errno = 0;
  FILE *f = xl_fopen_regular(path, &size, &e); /* a FIFO or directory: a miss, not a hang */
  if (!f) {
    *corrupt = errno != ENOENT;
    return NULL;
  }
  *corrupt = 1;
  LLVMMemoryBufferRef mb = NULL;
  char *data = NULL;
  if (size < 32 || size > CACHE_ENTRY_MAX) goto out;
  data = xl_malloc((size_t)size);
  if (fread(data, 1, (size_t)size, f) != (size_t)size) goto out;
  uint64_t klen, olen, oh;
  size_t keyn = strlen(key), pos = 8;
  if (memcmp(data, MAGIC, 8)) goto out;
  memcpy(&klen, data + pos, 8);
  pos += 8;
  if (klen != keyn || (uint64_t)size - pos < klen + 16) goto out;
  if (memcmp(data + pos, key, keyn)) goto out;
  pos += keyn;
  memcpy(&olen, data + pos, 8);
  memcpy(&oh, data + pos + 8, 8);
  pos += 16;
  if (olen != (uint64_t)size - pos || olen == 0) goto out;
  if (fnv64(data + pos, olen, 14695981039346656037ULL) != oh) goto out;
  mb = LLVMCreateMemoryBufferWithMemoryRangeCopy(data + pos, olen, "xlc-kernel");
  *corrupt = 0;
out:
  free(data);
  fclose(f);
  return mb;
}

static void cache_write(const char *path, const char *key, const char *obj, size_t olen) {
  char *tmp = xl_fmt("%s.tmp.%ld.%lu", path, (long)getpid(), ++G.tmp_seq);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    free(tmp);
    return;
  }
  uint64_t klen = strlen(key), ol = olen, oh = fnv64(obj, olen, 14695981039346656037ULL);
  int ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&klen, 8, 1, f) == 1 && fwrite(key, 1, klen, f) == klen &&
           fwrite(&ol, 8, 1, f) == 1 && fwrite(&oh, 8, 1, f) == 1 && fwrite(obj, 1, olen, f) == olen;
  ok = fclose(f) == 0 && ok;
  int renamed = ok && rename(tmp, path) == 0;
  if (ok && !renamed && (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST))
    renamed = rmdir(path) == 0 && rename(tmp, path) == 0; /* an empty directory held the entry's place */
  if (!renamed) {
    unlink(tmp);
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
      fprintf(stderr, "xlc: warning: cannot write the kernel cache entry %s (kernels are compiled anew)\n", path);
  }
  free(tmp);
}

/* ---- linking into the LLJIT ----
   One LLJIT for the process; each kernel gets its own JITDylib (kernels may share a name) with
   the process's symbols (libm, memset) visible, and a resource tracker that frees its code. */

typedef struct {
  int done;
  LLVMErrorRef err;
  uint64_t addr;
} lookup_ctx;

static void on_lookup(LLVMErrorRef err, LLVMOrcCSymbolMapPairs res, size_t n, void *ctx) {
  lookup_ctx *c = ctx;
  c->done = 1;
  c->err = err;
  if (!err && n) c->addr = res[0].Sym.Address;
}

/* G.mu held. */
static int ensure_lljit(char **err) {
  if (G.lljit) return 0;
  LLVMOrcJITTargetMachineBuilderRef jtmb = NULL;
  LLVMErrorRef e = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
  if (!e) {
    LLVMOrcLLJITBuilderRef b = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(b, jtmb);
    e = LLVMOrcCreateLLJIT(&G.lljit, b);
  }
  if (e) {
    G.lljit = NULL;
    char *m = take_llvm_err(e);
    set_err(err, xl_fmt("jit: cannot create the LLJIT: %s", m));
    free(m);
    return -1;
  }
  return 0;
}

/* Frees a linked object's code and puts its JITDylib on the free list. G.mu held. */
static void release(jit_code *c) {
  if (c->rt) {
    LLVMErrorRef e = LLVMOrcResourceTrackerRemove(c->rt);
    if (e) LLVMConsumeError(e);
    LLVMOrcReleaseResourceTracker(c->rt);
    c->rt = NULL;
  }
  if (c->jd) xl_vec_push(G.free_jd, c->jd);
  c->jd = NULL;
}

/* Links obj (taken) into a JITDylib of its own and looks up fn_name: c->jd, rt, fn. G.mu held. */
static int link_object(jit_code *c, LLVMMemoryBufferRef obj, const char *fn_name, char **err) {
  if (ensure_lljit(err)) {
    LLVMDisposeMemoryBuffer(obj);
    return -1;
  }
  LLVMOrcExecutionSessionRef es = LLVMOrcLLJITGetExecutionSession(G.lljit);
  LLVMOrcJITDylibRef jd;
  LLVMErrorRef e;
  if (G.free_jd.n) { /* JITDylibs cannot be removed through the C API: reuse emptied ones */
    jd = G.free_jd.v[--G.free_jd.n];
  } else {
    char jdname[32];
    snprintf(jdname, sizeof jdname, "xlk%lu", ++G.jd_seq);
    jd = LLVMOrcExecutionSessionCreateBareJITDylib(es, jdname);
    LLVMOrcDefinitionGeneratorRef gen = NULL;
    e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(G.lljit), NULL, NULL);
    if (e) {
      LLVMDisposeMemoryBuffer(obj);
      goto fail;
    }
    LLVMOrcJITDylibAddGenerator(jd, gen);
  }
  c->jd = jd;
  c->rt = LLVMOrcJITDylibCreateResourceTracker(jd);
  if ((e = LLVMOrcLLJITAddObjectFileWithRT(G.lljit, c->rt, obj))) goto fail;
  LLVMOrcCJITDylibSearchOrderElement order[1] = {{jd, LLVMOrcJITDylibLookupFlagsMatchAllSymbols}};
  LLVMOrcCLookupSetElement syms[1] = {
      {LLVMOrcLLJITMangleAndIntern(G.lljit, fn_name), LLVMOrcSymbolLookupFlagsRequiredSymbol}};
  lookup_ctx lc = {0};
  LLVMOrcExecutionSessionLookup(es, LLVMOrcLookupKindStatic, order, 1, syms, 1, on_lookup, &lc);
  if (!lc.done) { /* cannot happen with the in-place dispatcher LLJIT uses without threads */
    set_err(err, xl_strdup("jit: symbol lookup did not complete"));
    goto fail_quiet;
  }
  if ((e = lc.err)) goto fail;
  c->fn = (void *)(uintptr_t)lc.addr;
  return 0;
fail:;
  char *m = take_llvm_err(e);
  set_err(err, xl_fmt("jit: cannot link the kernel object: %s", m));
  free(m);
fail_quiet:
  release(c);
  return -1;
}

/* ---- the table of linked objects (G.mu held) ---- */

static jit_code *code_find(const char *key, uint64_t h) {
  for (int i = 0; i < G.code.n; i++)
    if (G.code.v[i]->h == h && !strcmp(G.code.v[i]->key, key)) return G.code.v[i];
  return NULL;
}

/* a new handle on c */
static xl_jit *code_ref(jit_code *c, int cached, double ms) {
  xl_jit *j = xl_calloc(1, sizeof *j);
  j->c = c;
  c->refs++;
  j->cached = cached;
  j->ms = ms;
  return j;
}

/* Links obj (taken) as the code of key: the table's entry, or NULL with *err. */
static jit_code *code_add(const char *key, uint64_t h, LLVMMemoryBufferRef obj, const char *fn_name, char **err) {
  jit_code *c = xl_calloc(1, sizeof *c);
  if (link_object(c, obj, fn_name, err)) {
    free(c);
    return NULL;
  }
  c->key = xl_strdup(key);
  c->h = h;
  xl_vec_push(G.code, c);
  return c;
}

static void code_unref(jit_code *c) {
  if (--c->refs > 0) return;
  for (int i = 0; i < G.code.n; i++)
    if (G.code.v[i] == c) {
      G.code.v[i] = G.code.v[--G.code.n];
      break;
    }
  release(c);
  free(c->key);
  free(c);
}

static MlirContext ctx_take(void) {
  pthread_mutex_lock(&G.mu);
  MlirContext c = G.free_ctx.n ? G.free_ctx.v[--G.free_ctx.n] : (MlirContext){NULL};
  pthread_mutex_unlock(&G.mu);
  return c.ptr ? c : new_ctx();
}

static void ctx_give(MlirContext c) {
  pthread_mutex_lock(&G.mu);
  xl_vec_push(G.free_ctx, c);
  pthread_mutex_unlock(&G.mu);
}

/* ---- compile workers ---- */

typedef struct {
  const char *text;
  size_t len;              /* of text: the longest start first */
  LLVMMemoryBufferRef obj; /* the result, or NULL and err */
  char *err;
  double ms;
} work_item;

typedef struct {
  work_item *w;
  int *ord; /* the items by decreasing length: a long compile started last would leave the
               other workers idle at the end */
  int n;
  atomic_int next;
} work_queue;

typedef struct {
  size_t len;
  int i;
} len_idx;

static int by_len_desc(const void *a, const void *b) {
  const len_idx *x = a, *y = b;
  return x->len != y->len ? (x->len < y->len ? 1 : -1) : x->i - y->i;
}

static void *work_run(void *arg) {
  work_queue *q = arg;
  MlirContext ctx = {NULL};
  for (int i; (i = atomic_fetch_add(&q->next, 1)) < q->n;) {
    if (!ctx.ptr) ctx = ctx_take();
    work_item *w = &q->w[q->ord[i]];
    double t0 = now_ms();
    if (compile(ctx, w->text, -1, NULL, &w->obj, &w->err)) w->obj = NULL;
    w->ms = now_ms() - t0;
  }
  if (ctx.ptr) ctx_give(ctx);
  return NULL;
}

/* Compiles q's items on `workers` threads (1..JIT_MAX_WORKERS), the caller's one of them. */
static void work_all(work_queue *q, int workers) {
  pthread_t th[JIT_MAX_WORKERS];
  int started = 0;
  for (int k = 1; k < workers; k++)
    if (pthread_create(&th[started], NULL, work_run, q) == 0) started++; /* else fewer workers */
  work_run(q);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
}

/* ---- public API ---- */

static uint64_t key_hash(const char *key) { return fnv64(key, strlen(key), 14695981039346656037ULL); }

static char *make_key(const char *mlir_text, const char *fn_name) {
  unsigned maj, min, pat;
  LLVMGetVersion(&maj, &min, &pat);
  return xl_fmt("%s\nLLVM %u.%u.%u\n%s\n%s\n@%s\n%s", JIT_VERSION, maj, min, pat, G.host, PIPELINE, fn_name,
                mlir_text);
}

int jit_compile_batch(jit_req *r, int n, int workers) {
  double t0 = now_ms();
  char *ierr = NULL;
  if (jit_init(&ierr)) {
    for (int i = 0; i < n; i++) {
      r[i].jit = NULL;
      r[i].err = xl_strdup(ierr);
    }
    free(ierr);
    return -1;
  }
  char **key = xl_calloc((size_t)n + 1, sizeof *key);
  uint64_t *h = xl_calloc((size_t)n + 1, sizeof *h);
  int *first = xl_calloc((size_t)n + 1, sizeof *first); /* the request of the same key compiled */
  work_item *w = xl_calloc((size_t)n + 1, sizeof *w);
  int *wof = xl_calloc((size_t)n + 1, sizeof *wof);    /* request -> its work item, -1: none */
  char **wpath = xl_calloc((size_t)n + 1, sizeof *wpath);
  int nw = 0;
  for (int i = 0; i < n; i++) {
    r[i].jit = NULL;
    r[i].err = NULL;
    key[i] = make_key(r[i].text, r[i].fn_name);
    h[i] = key_hash(key[i]);
    wof[i] = -1;
  }
  /* linked already, in the disk cache, or to compile (once per key) */
  pthread_mutex_lock(&G.mu);
  cache_dir_update();
  for (int i = 0; i < n; i++) {
    first[i] = i;
    for (int k = 0; k < i; k++)
      if (first[k] == k && h[k] == h[i] && !strcmp(key[k], key[i])) {
        first[i] = k;
        break;
      }
    if (first[i] != i) continue;
    double ti = now_ms();
    jit_code *c = code_find(key[i], h[i]);
    if (c) {
      r[i].jit = code_ref(c, 0, now_ms() - ti);
      G.st.shared++;
      continue;
    }
    char *path = G.cache_dir ? cache_path(key[i]) : NULL;
    if (path) {
      int corrupt;
      LLVMMemoryBufferRef obj = cache_read(path, key[i], &corrupt);
      if (obj && (c = code_add(key[i], h[i], obj, r[i].fn_name, NULL))) {
        double ms = now_ms() - ti;
        r[i].jit = code_ref(c, 1, ms);
        G.st.hits++;
        G.st.load_ms += ms;
        free(path);
        continue;
      }
      G.st.misses++;
      G.st.corrupt += corrupt || obj; /* an unlinkable entry is recompiled */
    }
    wpath[nw] = path;
    w[nw].text = r[i].text;
    w[nw].len = strlen(r[i].text);
    wof[i] = nw++;
  }
  pthread_mutex_unlock(&G.mu);

  int nwk = workers < 1 ? 1 : workers > JIT_MAX_WORKERS ? JIT_MAX_WORKERS : workers;
  if (nwk > nw) nwk = nw;
  len_idx *li = xl_calloc((size_t)nw + 1, sizeof *li);
  for (int k = 0; k < nw; k++) li[k] = (len_idx){w[k].len, k};
  qsort(li, (size_t)nw, sizeof *li, by_len_desc);
  int *ord = xl_calloc((size_t)nw + 1, sizeof *ord);
  for (int k = 0; k < nw; k++) ord[k] = li[k].i;
  free(li);
  work_queue q = {w, ord, nw, 0};
  if (nw) work_all(&q, nwk);
  free(ord);

  /* link in request order: written cache entries and results do not depend on the workers */
  pthread_mutex_lock(&G.mu);
  for (int i = 0; i < n; i++) {
    if (first[i] != i || wof[i] < 0) continue;
    work_item *x = &w[wof[i]];
    if (!x->obj) {
      r[i].err = x->err;
      x->err = NULL;
      continue;
    }
    double tl = now_ms();
    jit_code *c = code_find(key[i], h[i]); /* linked meanwhile by another thread's batch */
    if (c) {
      LLVMDisposeMemoryBuffer(x->obj);
    } else {
      if (wpath[wof[i]])
        cache_write(wpath[wof[i]], key[i], LLVMGetBufferStart(x->obj), LLVMGetBufferSize(x->obj));
      c = code_add(key[i], h[i], x->obj, r[i].fn_name, &r[i].err);
    }
    x->obj = NULL;
    if (!c) continue;
    double ms = x->ms + now_ms() - tl;
    r[i].jit = code_ref(c, 0, ms);
    G.st.compiled++;
    G.st.compile_ms += ms;
  }
  for (int i = 0; i < n; i++) { /* the repeats of a key within the batch */
    int f = first[i];
    if (f == i) continue;
    if (r[f].jit) {
      r[i].jit = code_ref(r[f].jit->c, 0, 0);
      G.st.shared++;
    } else {
      r[i].err = xl_strdup(r[f].err ? r[f].err : "jit: compile failed");
    }
  }
  int rc = 0, distinct = 0;
  for (int i = 0; i < n; i++) {
    rc |= r[i].jit ? 0 : -1;
    distinct += first[i] == i;
  }
  double wall = now_ms() - t0;
  G.st.wall_ms += wall;
  pthread_mutex_unlock(&G.mu);
  pthread_mutex_lock(&cfg_mu);
  int timing = cfg.timing;
  pthread_mutex_unlock(&cfg_mu);
  if (timing && n > 1)
    fprintf(stderr, "jit batch: %d modules, %d distinct, %d compiled on %d worker%s, %.1f ms\n", n, distinct, nw,
            nwk, nwk == 1 ? "" : "s", wall);
  for (int i = 0; i < n; i++) free(key[i]);
  for (int k = 0; k < nw; k++) {
    free(wpath[k]);
    free(w[k].err);
  }
  free(key);
  free(h);
  free(first);
  free(w);
  free(wof);
  free(wpath);
  return rc;
}

xl_jit *jit_compile(const char *mlir_text, const char *fn_name, char **err) {
  jit_req r = {.text = mlir_text, .fn_name = fn_name};
  jit_compile_batch(&r, 1, 1);
  set_err(err, r.err);
  return r.jit;
}

void *jit_fn(const xl_jit *j) { return j->c->fn; }
int jit_from_cache(const xl_jit *j) { return j->cached; }
double jit_ms(const xl_jit *j) { return j->ms; }

void jit_free(xl_jit *j) {
  if (!j) return;
  pthread_mutex_lock(&G.mu);
  code_unref(j->c);
  pthread_mutex_unlock(&G.mu);
  free(j);
}

char *jit_emit(const char *mlir_text, jit_emit_kind kind, char **err) {
  if (err) *err = NULL;
  if (jit_init(err)) return NULL;
  char *text = NULL;
  pthread_mutex_lock(&G.mu);
  int rc = compile(G.ctx, mlir_text, (int)kind, &text, NULL, err);
  pthread_mutex_unlock(&G.mu);
  return rc ? NULL : text;
}

jit_stats_t jit_stats(void) {
  pthread_mutex_lock(&G.mu);
  jit_stats_t s = G.st;
  pthread_mutex_unlock(&G.mu);
  return s;
}

const char *jit_cache_dir(void) {
  if (jit_init(NULL)) return NULL;
  pthread_mutex_lock(&G.mu);
  cache_dir_update();
  const char *d = G.cache_dir;
  pthread_mutex_unlock(&G.mu);
  return d;
}

const char *jit_pipeline(void) { return PIPELINE; }

const char *jit_host(void) {
  if (jit_init(NULL)) return NULL;
  return G.host;
}
