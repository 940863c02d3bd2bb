/* xce.c - the emulated CUDA device: host compilation of CUDA C and the fiber scheduler (xce.h).
 *
 * Scheduling: a launch makes one fiber per thread it runs at once (a block; the whole grid
 * when cooperative). The scheduler resumes, in index order, every fiber that is ready; a fiber
 * runs until it finishes or waits at a collective (block / warp / grid), then the pass checks
 * each group: a group whose live threads all wait at the same collective is released. A pass
 * that runs nothing and releases nothing while threads are left is a deadlock (reported).
 * A source that names no collective (no barrier, shuffle, vote or group) needs no fibers: its
 * threads run one after another on the calling stack (the shuffle and vote functions would
 * need them, so their names decide; the spelling check is a plain text search).
 * Compiling: xce_compile_many puts many sources into one compiler run (the batching rules
 * above kernel_names); xce_compile is that for one source.
 * Warp exchanges use two slot banks per warp, alternating per collective: a thread writes its
 * value into bank p, waits, reads its source lane from bank p; bank p is written again only two
 * collectives later, after every lane has passed the one between (so every read is done).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "xce.h"
#include "xl_util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XCE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(XCE_ASAN)
#define XCE_ASAN 1
#endif
#ifdef XCE_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#define STACK_BYTES (512 * 1024)
#else
#define STACK_BYTES (128 * 1024)
#endif
#define MAX_FIBERS (1 << 16)

/* ---- the runtime interface shared with the compiled kernels (xce_cuda.h's xce_rt) ---- */
typedef struct {
  unsigned x, y, z;
} dim3u;
typedef struct {
  dim3u tid, bid, bdim, gdim;
  unsigned lane;
  void (*sync)(int what);
  unsigned long long (*exchange)(unsigned long long v, int src);
  unsigned (*ballot)(int pred);
  unsigned (*active)(void);
} xce_rt;

struct xce_module {
  void *so;
  xce_rt **rtp;
  void *(*tls_touch)(void);
  uint64_t hash;
  int cached;
  int direct; /* the source names no collective: threads run one after another, without fibers */
};

uint64_t xce_hash(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
  return h;
}

/* ---- compiling ---- */

static const char *cxx(void) {
  const char *c = getenv("XLC_EMU_CXX");
  return c && *c ? c : "c++";
}
/* -ffp-contract=off: nothing contracted to an FMA that the source does not write (NVRTC runs
   with --fmad=false). -O0 by default (XLC_EMU_OPT, e.g. -O2, for speed over compile time): an
   emitted kernel compiles in half the time, and the emulator's runs are dominated by fiber
   switches and launches, not by the kernels' code */
static const char *opt(void) {
  const char *c = getenv("XLC_EMU_OPT");
  return c && c[0] == '-' && c[1] == 'O' ? c : "-O0";
}
/* how the emulator wraps a source it compiles (part of the cache key) */
#define XCE_WRAP "wrap2"
#define CXX_FLAGS "-x", "c++", "-std=c++17", opt(), "-ffp-contract=off", "-w", "-shared", "-fPIC", "-fno-exceptions"

/* The declarations of the source's dynamic shared memory, `extern __shared__ [__align__(N)]
   TYPE NAME[];` (the header makes __shared__ thread_local): "extern thread_local TYPE
   NAME[XCE_DYN_BYTES / sizeof(TYPE)] __attribute__((alias(\"xce_dyn_pool_\")));" per name,
   appended to *out: every such array is the one pool of the compiled object (its first byte
   where the array starts, as on a GPU, where all of a launch's dynamic shared memory begins at
   one address). TYPE must be a built-in arithmetic type (the header is included before the
   source's typedefs). 0, or -1 with *err. */
static int dyn_shared(const char *src, size_t len, char **out, char **err) {
  static const char *const types[] = {"double", "float", "char", "signed char", "unsigned char", "short",
                                      "unsigned short", "int", "unsigned", "unsigned int", "long long",
                                      "unsigned long long", "long", "unsigned long"};
  const char *kw = "extern __shared__";
  size_t kl = strlen(kw);
  char *acc = xl_strdup("");
  for (size_t i = 0; i + kl <= len; i++) {
    if (memcmp(src + i, kw, kl) || (i && (isalnum((unsigned char)src[i - 1]) || src[i - 1] == '_'))) continue;
    size_t j = i + kl, e = j;
    while (e < len && src[e] != '[' && src[e] != ';') e++;
    char decl[256];
    size_t n = e - j < sizeof decl - 1 ? e - j : sizeof decl - 1;
    memcpy(decl, src + j, n);
    decl[n] = 0;
    /* drop __align__(N), then split "TYPE NAME" at the last identifier */
    char *al = strstr(decl, "__align__");
    if (al) {
      char *close = strchr(al, ')');
      if (close) memset(al, ' ', (size_t)(close - al) + 1);
    }
    char *end = decl + strlen(decl);
    while (end > decl && isspace((unsigned char)end[-1])) *--end = 0;
    char *name = end;
    while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_')) name--;
    char type[256];
    snprintf(type, sizeof type, "%.*s", (int)(name - decl), decl);
    char *t = type, *te = type + strlen(type);
    while (isspace((unsigned char)*t)) t++;
    while (te > t && isspace((unsigned char)te[-1])) *--te = 0;
    int known = 0;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) known |= !strcmp(t, types[k]);
    if (e >= len || src[e] != '[' || !*name || !known) {
      *err = xl_fmt("emulated CUDA: dynamic shared memory '%s' is not emulated (the emulator defines `extern "
                    "__shared__ TYPE NAME[]` for a built-in TYPE)",
                    decl);
      free(acc);
      return -1;
    }
    char *line = xl_fmt("extern thread_local %s %s[XCE_DYN_BYTES / sizeof(%s)] __attribute__((alias(\"xce_dyn_pool_\")));\n",
                        t, name, t);
    if (!strstr(acc, line)) {
      char *next = xl_fmt("%s%s", acc, line);
      free(acc);
      acc = next;
    }
    free(line);
  }
  *out = acc;
  return 0;
}

/* path's bytes, malloc'd (*n its size), or NULL */
static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *b = xl_malloc(cap + 1);
  size_t r;
  while ((r = fread(b + len, 1, cap - len, f)) > 0)
    if ((len += r) == cap) b = xl_realloc(b, (cap *= 2) + 1);
  fclose(f);
  b[len] = 0;
  *n = len;
  return b;
}

/* writes data to path unless a file is there already (temp + rename) */
static int put_file(const char *path, const void *data, size_t len, char **err) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) return 0;
  return xl_write_file_atomic(path, data, len, err);
}

/* starts the compiler on the wrapper src (output and errors to out.log); its pid, or -1 */
static pid_t start_cxx(const char *hdr, const char *incdir, const char *src, const char *out) {
  char log[4096 + 64];
  snprintf(log, sizeof log, "%s.log", out);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    execlp(cxx(), cxx(), CXX_FLAGS, "-I", incdir, "-include", hdr, "-o", out, src, (char *)NULL);
    fprintf(stderr, "cannot run the host C++ compiler '%s': %s\n", cxx(), strerror(errno));
    _exit(127);
  }
  return pid;
}

/* waits for pid (start_cxx on src, out); 0, or -1 with *err holding the compiler's output */
static int wait_cxx(pid_t pid, const char *src, const char *out, char **err) {
  char log[4096 + 64];
  snprintf(log, sizeof log, "%s.log", out);
  if (pid < 0) {
    *err = xl_fmt("emulated CUDA: fork failed: %s", strerror(errno));
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  size_t n = 0;
  char *msg = slurp(log, &n);
  unlink(log);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    free(msg);
    return 0;
  }
  *err = xl_fmt("emulated CUDA: the host C++ compiler (%s) failed on %s:\n%s", cxx(), src, msg ? msg : "(no output)");
  free(msg);
  unlink(out);
  return -1;
}

/* whether src names a collective (a barrier, a warp shuffle or vote, a cooperative group):
   without one, a thread never waits and a launch needs no fibers */
static int has_collective(const char *src, size_t len) {
  static const char *const words[] = {"__syncthreads", "__syncwarp", "_sync", "this_grid", "this_thread_block",
                                      "__activemask"};
  for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
    if (memmem(src, len, words[w], strlen(words[w]))) return 1;
  return 0;
}

/* ---- compiling several sources in one compiler run ----
 * Each source of a batch is #included by a wrapper into a namespace of its own (its prelude's
 * static functions and typedefs stay apart) after the declarations of its dynamic shared
 * memory; one shared object holds them all, and each source's cache entry (emu-KEY.so) is a
 * hard link to it, so an entry is still found by its source's exact bytes alone. Only
 * `extern "C"` names (the kernels) share one scope: a source whose kernel name is already in
 * the batch goes to another. A source with a preprocessor directive (a macro would reach the
 * sources after it), with `extern "C" {`, or with a grid barrier (a cooperative launch swaps
 * the object's whole thread-local block, which must be that source's shared memory alone) is
 * compiled alone. */

typedef struct {
  const char *src;
  size_t len;
  int dup;   /* index of an earlier source with the same key, or -1 */
  int batch; /* the batch compiling it, or -1 (cached, or a duplicate) */
  int alone;
  char *names; /* its kernels' names, each followed by '\n' */
  char *cu, *so, *cutmp, *sotmp, *dyn;
  xce_module *m;
} citem;

/* the `extern "C"` names of src ("NAME\n" each): the identifier before the first parenthesis
   that is not an attribute (__launch_bounds__(...), __attribute__((...)), __align__(...)) */
static char *kernel_names(const char *src, size_t len) {
  char *acc = xl_strdup("");
  const char *kw = "extern \"C\"";
  size_t kl = strlen(kw);
  for (const char *p = src; (p = memmem(p, (size_t)(src + len - p), kw, kl)); p += kl) {
    const char *q = p + kl, *end = src + len, *id = NULL;
    size_t idn = 0;
    while (q < end && *q != '{' && *q != ';') {
      if (isalpha((unsigned char)*q) || *q == '_') {
        const char *b = q;
        while (q < end && (isalnum((unsigned char)*q) || *q == '_')) q++;
        id = b, idn = (size_t)(q - b);
        continue;
      }
      if (*q == '(') {
        if (id && idn > 2 && id[0] == '_' && id[1] == '_') { /* an attribute: skip its parentheses */
          int depth = 0;
          for (; q < end; q++) {
            depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
            if (!depth) break;
          }
          if (q < end) q++;
          id = NULL;
          continue;
        }
        break;
      }
      q++;
    }
    if (id && q < end && *q == '(') {
      char *next = xl_fmt("%s%.*s\n", acc, (int)idn, id);
      free(acc);
      acc = next;
    }
  }
  return acc;
}

/* whether the name lists a and b share a name */
static int names_meet(const char *a, const char *b) {
  for (const char *p = a; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = (size_t)(nl - p);
    for (const char *q = b; *q;) {
      const char *ml = strchr(q, '\n');
      if ((size_t)(ml - q) == n && !memcmp(p, q, n)) return 1;
      q = ml + 1;
    }
    p = nl + 1;
  }
  return 0;
}

static int online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* the module of a loaded object; 0, or -1 with *err */
static int module_bind(xce_module *m, const char *so, const char *src, size_t len, char **err) {
  m->rtp = (xce_rt **)dlsym(m->so, "xce_rt_ptr");
  *(void **)&m->tls_touch = dlsym(m->so, "xce_tls_touch");
  if (!m->rtp || !m->tls_touch) {
    *err = xl_fmt("emulated CUDA: %s was not compiled with the emulator's header", so);
    return -1;
  }
  m->direct = !has_collective(src, len);
  return 0;
}

/* the lines of a wrapper that compile item i (a source compiled alone: not in a namespace);
   the source by its file name, found beside the wrapper whatever the cache directory's path */
static char *wrap_one(const citem *c, int i) {
  const char *base = strrchr(c->cutmp, '/') ? strrchr(c->cutmp, '/') + 1 : c->cutmp; /* beside the wrapper */
  if (c->alone) return xl_fmt("%s#include \"%s\"\n", c->dyn, base);
  return xl_fmt("namespace xce_src%d {\n%s#include \"%s\"\n}\n", i, c->dyn, base);
}

#define POOL_DEF "extern \"C\" { alignas(16) thread_local unsigned char xce_dyn_pool_[XCE_DYN_BYTES]; }\n"

/* the wrapper that compiles the batch's sources (their temp files) into one object */
static char *batch_wrapper(citem *it, int n, int batch) {
  int pool = 0;
  for (int i = 0; i < n; i++) pool |= it[i].batch == batch && it[i].dyn && *it[i].dyn;
  char *acc = xl_fmt("/* the emulator's batch of sources (xce.c): one namespace each */\n#define XCE_DYN_BYTES %d\n%s",
                     XCE_DYN_BYTES,
                     pool ? POOL_DEF : "");
  for (int i = 0; i < n; i++) {
    if (it[i].batch != batch) continue;
    char *one = wrap_one(&it[i], i), *next = xl_fmt("%s%s", acc, one);
    free(one);
    free(acc);
    acc = next;
  }
  return acc;
}

/* n sources compiled in batch runs of the compiler (at most `par` at once); each item's
   module set, or -1 with *err (the first failure: a batch that fails is compiled again one
   source at a time, so the message names the source at fault) */
static int compile_batches(citem *it, int n, int nbatch, int par, const char *dir, const char *hdr, const char *inc,
                           char **err) {
  int rc = 0;
  char **wrap = xl_calloc((size_t)nbatch, sizeof *wrap), **out = xl_calloc((size_t)nbatch, sizeof *out);
  pid_t *pid = xl_calloc((size_t)nbatch, sizeof *pid);
  int *ok = xl_calloc((size_t)nbatch, sizeof *ok);
  for (int b0 = 0; b0 < nbatch; b0 += par) { /* par compilers at once */
    int b1 = b0 + par < nbatch ? b0 + par : nbatch;
    for (int b = b0; b < b1; b++) {
      wrap[b] = xl_fmt("%s/emu-batch-%d-%d.cc", dir, (int)getpid(), b);
      out[b] = xl_fmt("%s/emu-batch-%d-%d.so", dir, (int)getpid(), b);
      char *text = batch_wrapper(it, n, b), *e = NULL;
      pid[b] = xl_write_file_atomic(wrap[b], text, strlen(text), &e) ? (free(e), -1) : start_cxx(hdr, inc, wrap[b], out[b]);
      free(text);
    }
    for (int b = b0; b < b1; b++) {
      char *e = NULL;
      ok[b] = !wait_cxx(pid[b], wrap[b], out[b], &e);
      int members = 0;
      for (int i = 0; i < n; i++) members += it[i].batch == b;
      if (!ok[b] && members == 1 && !rc) *err = e, e = NULL, rc = -1;
      free(e);
    }
  }
  for (int b = 0; b < nbatch; b++) {
    for (int i = 0; i < n; i++) {
      if (it[i].batch != b) continue;
      if (!ok[b]) { /* one at a time: the failing source's own message */
        int members = 0;
        for (int k = 0; k < n; k++) members += it[k].batch == b;
        if (members == 1 || rc) continue;
        char *w = xl_fmt("%s.%d.cc", wrap[b], i), *o = xl_fmt("%s.%d.so", out[b], i);
        char *one = wrap_one(&it[i], i);
        char *text = xl_fmt("#define XCE_DYN_BYTES %d\n%s%s", XCE_DYN_BYTES, *it[i].dyn ? POOL_DEF : "", one);
        free(one);
        char *e = NULL;
        int good = !xl_write_file_atomic(w, text, strlen(text), &e) && !wait_cxx(start_cxx(hdr, inc, w, o), w, o, &e);
        free(text);
        unlink(w);
        free(w);
        if (!good) {
          *err = e, rc = -1;
          unlink(o);
          free(o);
          continue;
        }
        free(e);
        if (link(o, it[i].sotmp) != 0) rc = -1, *err = xl_fmt("emulated CUDA: cannot store %s: %s", it[i].so, strerror(errno));
        unlink(o);
        free(o);
        continue;
      }
      if (link(out[b], it[i].sotmp) != 0 && !rc) {
        *err = xl_fmt("emulated CUDA: cannot store %s: %s", it[i].so, strerror(errno));
        rc = -1;
      }
    }
    unlink(wrap[b]);
    if (out[b]) unlink(out[b]);
    free(wrap[b]);
    free(out[b]);
  }
  free(wrap), free(out), free(pid), free(ok);
  return rc;
}

int xce_compile_many(int n, const char *const *src, const size_t *len, const char *cache_dir, xce_module **mods,
                     char **err) {
  *err = NULL;
  for (int i = 0; i < n; i++) mods[i] = NULL;
  if (n <= 0) return 0;
  char tmpdir[] = "/tmp/xlc-emu-XXXXXX";
  const char *dir = cache_dir;
  if (!dir) {
    if (!mkdtemp(tmpdir)) {
      *err = xl_fmt("emulated CUDA: cannot make a temp directory: %s", strerror(errno));
      return -1;
    }
    dir = tmpdir;
  } else if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    *err = xl_fmt("emulated CUDA: cache directory %s: %s", dir, strerror(errno));
    return -1;
  }
  size_t hlen = strlen(xce_header);
  uint64_t hh = xce_hash(xce_header, hlen);
  /* the key: the header, the compiler and its optimization flag, how sources are wrapped
     (XCE_WRAP), the source */
  char *tool = xl_fmt("%s %s " XCE_WRAP, cxx(), opt());
  uint64_t th = xl_hash_str(tool);
  free(tool);
  char *hdr = xl_fmt("%s/xce-%016llx.h", dir, (unsigned long long)hh);
  char *inc = xl_fmt("%s/xce-include", dir);
  char *cg = xl_fmt("%s/cooperative_groups.h", inc);
  citem *it = xl_calloc((size_t)n, sizeof *it);
  int rc = 0, misses = 0;
  for (int i = 0; i < n && !rc; i++) {
    citem *c = &it[i];
    c->src = src[i], c->len = len[i], c->dup = -1, c->batch = -1;
    char key[128];
    snprintf(key, sizeof key, "%016llx-%016llx-%016llx", (unsigned long long)hh,
             (unsigned long long)xce_hash(src[i], len[i]), (unsigned long long)th);
    c->cu = xl_fmt("%s/emu-%s.cu", dir, key), c->so = xl_fmt("%s/emu-%s.so", dir, key);
    for (int k = 0; k < i && c->dup < 0; k++)
      if (!strcmp(it[k].so, c->so)) c->dup = k;
    if (c->dup >= 0) continue;
    c->m = xl_calloc(1, sizeof *c->m);
    struct stat st;
    if (stat(c->so, &st) == 0 && S_ISREG(st.st_mode)) {
      size_t nb = 0;
      char *b = slurp(c->cu, &nb); /* the source beside it: what the object was compiled from */
      c->m->hash = b ? xce_hash(b, nb) : xce_hash(src[i], len[i]);
      free(b);
      c->m->so = dlopen(c->so, RTLD_NOW | RTLD_LOCAL);
      c->m->cached = c->m->so != NULL; /* a damaged entry: compiled again */
    }
    if (c->m->so) continue;
    if (dyn_shared(src[i], len[i], &c->dyn, err)) {
      rc = -1;
      break;
    }
    c->cutmp = xl_fmt("%s.tmp.%d", c->cu, (int)getpid()), c->sotmp = xl_fmt("%s.tmp.%d", c->so, (int)getpid());
    c->names = kernel_names(src[i], len[i]);
    c->alone = memchr(src[i], '#', len[i]) || memmem(src[i], len[i], "this_grid", 9) ||
               memmem(src[i], len[i], "extern \"C\" {", 12);
    c->batch = -2; /* to compile */
    misses++;
  }
  if (!rc && misses) {
    if ((mkdir(inc, 0755) != 0 && errno != EEXIST) || put_file(hdr, xce_header, hlen, err) ||
        put_file(cg, "/* the emulator's built-ins header declares cooperative_groups */\n", 66, err))
      rc = -1;
    for (int i = 0; i < n && !rc; i++)
      if (it[i].batch == -2 && xl_write_file_atomic(it[i].cutmp, it[i].src, it[i].len, err)) rc = -1;
  }
  if (!rc && misses) {
    /* batches: at most `par` (the CPUs) of the sources that may share one, filled in turn;
       a source that may not join any (alone, or its name taken) opens its own */
    int par = online_cpus(), nbatch = 0;
    if (par > (misses + 7) / 8) par = (misses + 7) / 8; /* at least 8 sources a batch */
    if (par < 1) par = 1;
    char **bnames = xl_calloc((size_t)misses + (size_t)par, sizeof *bnames);
    int *bshared = xl_calloc((size_t)misses + (size_t)par, sizeof *bshared), turn = 0;
    for (int b = 0; b < par; b++) bnames[nbatch] = xl_strdup(""), bshared[nbatch++] = 1;
    for (int i = 0; i < n; i++) {
      if (it[i].batch != -2) continue;
      int pick = -1;
      for (int t = 0; t < nbatch && pick < 0 && !it[i].alone; t++) {
        int b = (turn + t) % nbatch;
        if (bshared[b] && !names_meet(it[i].names, bnames[b])) pick = b;
      }
      if (pick < 0) pick = nbatch, bnames[nbatch] = xl_strdup(""), bshared[nbatch++] = !it[i].alone;
      else turn = (pick + 1) % par;
      it[i].batch = pick;
      char *next = xl_fmt("%s%s", bnames[pick], it[i].names);
      free(bnames[pick]);
      bnames[pick] = next;
    }
    /* drop empty batches (fewer shareable sources than par) */
    int *remap = xl_calloc((size_t)nbatch, sizeof *remap), used = 0;
    for (int b = 0; b < nbatch; b++) {
      int any = 0;
      for (int i = 0; i < n; i++) any |= it[i].batch == b;
      remap[b] = any ? used++ : -1;
      free(bnames[b]);
    }
    for (int i = 0; i < n; i++)
      if (it[i].batch >= 0) it[i].batch = remap[it[i].batch];
    free(remap), free(bnames), free(bshared);
    par = online_cpus();
    rc = compile_batches(it, n, used, par, dir, hdr, inc, err);
    for (int i = 0; i < n && !rc; i++) {
      citem *c = &it[i];
      if (c->batch < 0) continue;
      size_t nb = 0;
      char *b = slurp(c->cutmp, &nb); /* the bytes the compiler read */
      c->m->hash = b ? xce_hash(b, nb) : 0;
      free(b);
      if (rename(c->sotmp, c->so) != 0 || rename(c->cutmp, c->cu) != 0) {
        *err = xl_fmt("emulated CUDA: cannot store %s: %s", c->so, strerror(errno));
        rc = -1;
        break;
      }
      c->m->so = dlopen(c->so, RTLD_NOW | RTLD_LOCAL);
      if (!c->m->so) {
        *err = xl_fmt("emulated CUDA: cannot load %s: %s", c->so, dlerror());
        rc = -1;
      }
    }
  }
  for (int i = 0; i < n && !rc; i++) {
    citem *c = &it[i];
    if (c->dup >= 0) continue;
    rc = module_bind(c->m, c->so, c->src, c->len, err);
  }
  for (int i = 0; i < n; i++) {
    citem *c = &it[i];
    if (c->cutmp) unlink(c->cutmp), unlink(c->sotmp);
    if (!cache_dir) unlink(c->cu), unlink(c->so); /* nothing kept: the loaded object stays mapped */
    if (!rc && c->dup < 0) mods[i] = c->m;
    else if (c->dup < 0) xce_module_free(c->m);
  }
  for (int i = 0; i < n && !rc; i++) /* a repeated source: a module of its own on the same object */
    if (it[i].dup >= 0) {
      mods[i] = xl_malloc(sizeof *mods[i]);
      *mods[i] = *mods[it[i].dup];
    }
  if (!cache_dir) unlink(hdr), unlink(cg), rmdir(inc), rmdir(tmpdir);
  for (int i = 0; i < n; i++) {
    citem *c = &it[i];
    free(c->names), free(c->cu), free(c->so), free(c->cutmp), free(c->sotmp), free(c->dyn);
  }
  free(it), free(hdr), free(inc), free(cg);
  return rc;
}

xce_module *xce_compile(const char *src, size_t len, const char *cache_dir, char **err) {
  xce_module *m = NULL;
  return xce_compile_many(1, &src, &len, cache_dir, &m, err) ? NULL : m;
}

void xce_module_free(xce_module *m) { free(m); }
uint64_t xce_module_hash(const xce_module *m) { return m->hash; }
int xce_module_cached(const xce_module *m) { return m->cached; }

/* ---- fibers ---- */

/* The context switch. x86-64: a hand-written one (xce_ctx_switch below) that saves the
   callee-saved registers, the x87 control word and MXCSR on the old stack, stores its stack
   pointer, loads the new one and restores the same from there: a few nanoseconds, where
   swapcontext makes a sigprocmask system call per switch (5-9 us per thread and barrier
   measured). Elsewhere (or built with -DXCE_UCONTEXT): ucontext. */
#if defined(__x86_64__) && !defined(XCE_UCONTEXT)
#define XCE_ASM_SWITCH 1
typedef struct {
  void *sp; /* the saved stack pointer while switched out */
} xce_ctx;
/* saves the caller's context on its stack and *from = its stack pointer; continues at to */
void xce_ctx_switch(void **from, void *to) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl xce_ctx_switch\n"
        ".hidden xce_ctx_switch\n"
        ".type xce_ctx_switch,@function\n"
        "xce_ctx_switch:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  subq $8, %rsp\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "  addq $8, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size xce_ctx_switch, .-xce_ctx_switch\n");
static void ctx_switch(xce_ctx *from, xce_ctx *to) { xce_ctx_switch(&from->sp, to->sp); }
/* a context that starts fn (which never returns) on [stack, stack + size): the frame
   xce_ctx_switch pops (control words, six registers, fn as the return address) under a zero
   return address for fn, with fn entered at a stack pointer 8 mod 16 as after a call */
static void ctx_init(xce_ctx *c, void *stack, size_t size, void (*fn)(void)) {
  uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)top;
  *--sp = 0;                    /* fn's return address: none */
  *--sp = (uint64_t)(uintptr_t)fn; /* where the switch returns to */
  for (int i = 0; i < 6; i++) *--sp = 0; /* rbp rbx r12 r13 r14 r15 */
  uint32_t csr;
  uint16_t cw;
  __asm__ volatile("stmxcsr %0" : "=m"(csr));
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  *--sp = (uint64_t)csr | (uint64_t)cw << 32;
  c->sp = sp;
}
#else
typedef ucontext_t xce_ctx;
static void ctx_switch(xce_ctx *from, xce_ctx *to) { swapcontext(from, to); }
/* getcontext returns twice, like setjmp: kept apart from the loops that call it */
static __attribute__((noinline)) void ctx_init(xce_ctx *c, void *stack, size_t size, void (*fn)(void)) {
  getcontext(c);
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = size;
  c->uc_link = NULL;
  makecontext(c, fn, 0);
}
#endif

enum { F_READY, F_BLOCK, F_WARP, F_GRID, F_DONE };

typedef struct {
  xce_ctx uc;
  void *stack;
  int state, block, warp; /* block: index in the launch's running blocks; warp: global index */
  unsigned lane, parity;
  dim3u tid, bid;
  void *fake; /* ASan's fake stack while switched out */
} fiber;

typedef struct {
  unsigned long long slot[2][32];
  unsigned mask[2]; /* live lanes at the release of the collective of that bank */
} warp_t;

static struct {
  pthread_mutex_t mu;
  long launches;
  /* the launch being run (one at a time) */
  fiber *f;
  int nf, cap;
  void **stacks;
  int nstacks;
  warp_t *w;
  int nw, wcap;
  fiber *cur;
  xce_ctx main;
  const void *main_bottom;
  size_t main_size;
  xce_rt rt;
  void *kernel; /* void NAME(bufs_t) */
  struct bufs_t {
    void *b[XCE_MAXBUF];
  } bufs;
  int per_block; /* threads per block */
  int whole_grid; /* the fibers are every thread of the grid (the grid barrier can complete) */
  int shared_block; /* whose bytes the shared section holds (cooperative), -1: none */
  char *sh_b, *sh_e, *sh_save;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

long xce_launch_count(void) {
  pthread_mutex_lock(&S.mu);
  long n = S.launches;
  pthread_mutex_unlock(&S.mu);
  return n;
}

static void asan_start(void **save, const void *bottom, size_t size) {
#ifdef XCE_ASAN
  __sanitizer_start_switch_fiber(save, bottom, size);
#else
  (void)save, (void)bottom, (void)size;
#endif
}

static void asan_finish(void *save, const void **bottom, size_t *size) {
#ifdef XCE_ASAN
  __sanitizer_finish_switch_fiber(save, bottom, size);
#else
  (void)save, (void)bottom, (void)size;
#endif
}

/* from the running fiber back to the scheduler (done: never resumed) */
static void to_main(int done) {
  fiber *f = S.cur;
  asan_start(done ? NULL : &f->fake, S.main_bottom, S.main_size);
  ctx_switch(&f->uc, &S.main);
  asan_finish(f->fake, &S.main_bottom, &S.main_size);
}

static void fiber_main(void) {
  asan_finish(NULL, &S.main_bottom, &S.main_size);
  ((void (*)(struct bufs_t))S.kernel)(S.bufs);
  S.cur->state = F_DONE;
  to_main(1);
  abort(); /* a finished fiber is never resumed */
}

static void set_rt(const fiber *f) {
  S.rt.tid = f->tid;
  S.rt.bid = f->bid;
  S.rt.lane = f->lane;
}

static void rt_sync(int what) {
  S.cur->state = what == 0 ? F_BLOCK : what == 1 ? F_WARP : F_GRID;
  to_main(0);
  set_rt(S.cur);
}

static unsigned long long rt_exchange(unsigned long long v, int src) {
  fiber *f = S.cur;
  warp_t *w = &S.w[f->warp];
  unsigned p = f->parity;
  w->slot[p][f->lane] = v;
  rt_sync(1);
  f->parity ^= 1;
  return src >= 0 && src < 32 && (w->mask[p] >> src & 1) ? w->slot[p][src] : v;
}

static unsigned rt_ballot(int pred) {
  fiber *f = S.cur;
  warp_t *w = &S.w[f->warp];
  unsigned p = f->parity, bits = 0;
  w->slot[p][f->lane] = pred != 0;
  rt_sync(1);
  f->parity ^= 1;
  for (int l = 0; l < 32; l++)
    if ((w->mask[p] >> l & 1) && w->slot[p][l]) bits |= 1u << l;
  return bits;
}

/* the collectives of a launch without fibers (has_collective missed a spelling): cannot wait */
static void rt_sync_direct(int what) {
  (void)what;
  fprintf(stderr, "xlc: internal error: emulated CUDA: a collective in a kernel launched without fibers\n");
  abort();
}

static unsigned rt_active_direct(void) { return 0xffffffffu; }

static unsigned rt_active(void) {
  unsigned m = 0;
  int first = (int)(S.cur - S.f) - (int)S.cur->lane; /* a warp's fibers are consecutive */
  for (int i = first; i < S.nf && i < first + 32 && S.f[i].warp == S.cur->warp; i++)
    if (S.f[i].state != F_DONE) m |= 1u << S.f[i].lane;
  return m;
}

/* The calling thread's thread-local block of m (its shared memory), via dlinfo and the object's
   PT_TLS size; [*b, *e) empty when it has none. */
static struct {
  uintptr_t base;
  size_t size;
} tls_find;

static int tls_phdr(struct dl_phdr_info *info, size_t n, void *arg) {
  (void)n, (void)arg;
  if (info->dlpi_addr != tls_find.base) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_TLS) tls_find.size = info->dlpi_phdr[i].p_memsz;
  return 1;
}

static void tls_bounds(xce_module *m, char **b, char **e) {
  struct link_map *lm = NULL;
  void *data = NULL;
  *b = *e = NULL;
  m->tls_touch(); /* allocated on first use */
  if (dlinfo(m->so, RTLD_DI_LINKMAP, &lm) || !lm || dlinfo(m->so, RTLD_DI_TLS_DATA, &data) || !data) return;
  tls_find.base = lm->l_addr;
  tls_find.size = 0;
  dl_iterate_phdr(tls_phdr, NULL);
  *b = data;
  *e = (char *)data + tls_find.size;
}

/* the shared memory holds block b's bytes (cooperative launches) */
static void shared_switch(int b) {
  size_t n = (size_t)(S.sh_e - S.sh_b);
  if (!n || !S.sh_save || b == S.shared_block) return;
  if (S.shared_block >= 0) memcpy(S.sh_save + (size_t)S.shared_block * n, S.sh_b, n);
  memcpy(S.sh_b, S.sh_save + (size_t)b * n, n);
  S.shared_block = b;
}

/* releases the groups whose live threads all wait at the same collective; how many threads */
static int release(void) {
  int n = 0, nf = S.nf;
  /* warps: consecutive fibers of one warp */
  for (int i = 0; i < nf;) {
    int j = i, waiting = 0, live = 0;
    unsigned mask = 0;
    while (j < nf && S.f[j].warp == S.f[i].warp) {
      if (S.f[j].state != F_DONE) live++, mask |= 1u << S.f[j].lane;
      if (S.f[j].state == F_WARP) waiting++;
      j++;
    }
    if (live && waiting == live) {
      for (int k = i; k < j; k++)
        if (S.f[k].state == F_WARP) {
          S.w[S.f[k].warp].mask[S.f[k].parity] = mask;
          S.f[k].state = F_READY, n++;
        }
    }
    i = j;
  }
  /* blocks */
  for (int i = 0; i < nf; i += S.per_block) {
    int waiting = 0, live = 0;
    for (int k = i; k < i + S.per_block; k++) live += S.f[k].state != F_DONE, waiting += S.f[k].state == F_BLOCK;
    if (live && waiting == live)
      for (int k = i; k < i + S.per_block; k++)
        if (S.f[k].state == F_BLOCK) S.f[k].state = F_READY, n++;
  }
  /* the grid (everything running: a cooperative launch) */
  int waiting = 0, live = 0;
  for (int k = 0; k < nf; k++) live += S.f[k].state != F_DONE, waiting += S.f[k].state == F_GRID;
  if (live && waiting == live && S.whole_grid)
    for (int k = 0; k < nf; k++)
      if (S.f[k].state == F_GRID) S.f[k].state = F_READY, n++;
  return n;
}

/* runs the S.nf fibers set up; 0, or -1 with *err on a deadlock */
static int schedule(char **err) {
  for (;;) {
    int ran = 0, left = 0;
    for (int i = 0; i < S.nf; i++) {
      fiber *f = &S.f[i];
      if (f->state != F_READY) {
        left += f->state != F_DONE;
        continue;
      }
      shared_switch(f->block);
      S.cur = f;
      set_rt(f);
      void *fake = NULL;
      asan_start(&fake, (char *)f->stack, STACK_BYTES);
      ctx_switch(&S.main, &f->uc);
      asan_finish(fake, NULL, NULL);
      ran++;
      left += f->state != F_DONE;
    }
    if (!left) return 0;
    if (!release() && !ran) {
      int c[5] = {0};
      for (int i = 0; i < S.nf; i++) c[S.f[i].state]++;
      *err = xl_fmt("emulated CUDA: deadlock: %d threads wait at __syncthreads, %d at a warp collective, %d at "
                    "the grid barrier, %d finished (a barrier not every thread reaches, or a grid barrier "
                    "outside a cooperative launch)",
                    c[F_BLOCK], c[F_WARP], c[F_GRID], c[F_DONE]);
      return -1;
    }
  }
}

static int grow_stacks(int n, char **err) {
  if (n <= S.nstacks) return 0;
  S.stacks = xl_realloc(S.stacks, (size_t)n * sizeof *S.stacks);
  for (; S.nstacks < n; S.nstacks++) {
    void *p = mmap(NULL, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (p == MAP_FAILED) {
      *err = xl_fmt("emulated CUDA: cannot map fiber stacks: %s", strerror(errno));
      return -1;
    }
    (void)mprotect(p, 4096, PROT_NONE); /* a guard page: an overflow faults */
    S.stacks[S.nstacks] = p;
  }
  return 0;
}

/* sets up fibers for blocks [b0, b0 + nb) of the grid (linear block indices) */
static void setup(int b0, int nb, const unsigned grid[3], const unsigned block[3]) {
  int per = (int)(block[0] * block[1] * block[2]), wpb = (per + 31) / 32;
  S.nf = nb * per;
  S.per_block = per;
  S.nw = nb * wpb;
  memset(S.w, 0, (size_t)S.nw * sizeof *S.w);
  for (int b = 0; b < nb; b++) {
    unsigned lb = (unsigned)(b0 + b);
    dim3u bid = {lb % grid[0], lb / grid[0] % grid[1], lb / (grid[0] * grid[1])};
    for (int t = 0; t < per; t++) {
      fiber *f = &S.f[b * per + t];
      f->state = F_READY;
      f->block = b;
      f->warp = b * wpb + t / 32;
      f->lane = (unsigned)t % 32;
      f->parity = 0;
      f->fake = NULL;
      f->bid = bid;
      f->tid = (dim3u){(unsigned)t % block[0], (unsigned)t / block[0] % block[1], (unsigned)t / (block[0] * block[1])};
      f->stack = S.stacks[b * per + t];
      ctx_init(&f->uc, f->stack, STACK_BYTES, fiber_main);
    }
  }
}

int xce_launch(xce_module *m, const char *name, const unsigned grid[3], const unsigned block[3], unsigned smem,
               void *const *bufs, int nbuf, int cooperative, char **err) {
  *err = NULL;
  void *fn = dlsym(m->so, name);
  if (!fn) {
    *err = xl_fmt("emulated CUDA: no kernel '%s' in the module", name);
    return -1;
  }
  uint64_t nblocks = (uint64_t)grid[0] * grid[1] * grid[2], per = (uint64_t)block[0] * block[1] * block[2];
  if (!nblocks || !per || per > 1024 || nbuf < 0 || nbuf > XCE_MAXBUF || smem > XCE_DYN_BYTES) {
    *err = xl_fmt("emulated CUDA: bad launch of %s: grid %ux%ux%u, block %ux%ux%u, %u bytes of dynamic shared "
                  "memory (at most %d), %d buffers",
                  name, grid[0], grid[1], grid[2], block[0], block[1], block[2], smem, XCE_DYN_BYTES, nbuf);
    return -1;
  }
  uint64_t running = cooperative ? nblocks * per : per;
  if (running > MAX_FIBERS) {
    *err = xl_fmt("emulated CUDA: cooperative launch of %s has %llu threads (at most %d)", name,
                  (unsigned long long)running, MAX_FIBERS);
    return -1;
  }
  pthread_mutex_lock(&S.mu);
  S.launches++;
  int rc = grow_stacks((int)running, err);
  if (!rc && (int)running > S.cap) {
    S.cap = (int)running;
    S.f = xl_realloc(S.f, (size_t)S.cap * sizeof *S.f);
  }
  int nw = (int)(cooperative ? nblocks : 1) * (int)((per + 31) / 32);
  if (!rc && nw > S.wcap) {
    S.wcap = nw;
    S.w = xl_realloc(S.w, (size_t)nw * sizeof *S.w);
  }
  memset(&S.bufs, 0, sizeof S.bufs);
  for (int i = 0; i < nbuf; i++) S.bufs.b[i] = bufs[i];
  S.kernel = fn;
  S.whole_grid = cooperative || nblocks == 1;
  S.rt = (xce_rt){.sync = rt_sync, .exchange = rt_exchange, .ballot = rt_ballot, .active = rt_active};
  S.rt.bdim = (dim3u){block[0], block[1], block[2]};
  S.rt.gdim = (dim3u){grid[0], grid[1], grid[2]};
  *m->rtp = &S.rt;
  S.shared_block = -1;
  S.sh_save = NULL;
  S.sh_b = S.sh_e = NULL;
  if (!rc && cooperative) {
    tls_bounds(m, &S.sh_b, &S.sh_e);
    S.sh_save = xl_calloc((size_t)nblocks, (size_t)(S.sh_e - S.sh_b) + 1);
    setup(0, (int)nblocks, grid, block);
    rc = schedule(err);
  }
  if (!rc && !cooperative && m->direct) { /* each thread to its end in turn, on this stack */
    S.rt.sync = rt_sync_direct, S.rt.active = rt_active_direct;
    for (uint64_t b = 0; b < nblocks; b++) {
      S.rt.bid = (dim3u){(unsigned)(b % grid[0]), (unsigned)(b / grid[0] % grid[1]), (unsigned)(b / (grid[0] * grid[1]))};
      for (uint64_t t = 0; t < per; t++) {
        S.rt.tid = (dim3u){(unsigned)(t % block[0]), (unsigned)(t / block[0] % block[1]), (unsigned)(t / (block[0] * block[1]))};
        S.rt.lane = (unsigned)(t % 32);
        ((void (*)(struct bufs_t))S.kernel)(S.bufs);
      }
    }
  }
  for (uint64_t b = 0; !rc && !cooperative && !m->direct && b < nblocks; b++) {
    setup((int)b, 1, grid, block);
    rc = schedule(err);
  }
  free(S.sh_save);
  S.sh_save = NULL;
  S.cur = NULL;
  pthread_mutex_unlock(&S.mu);
  if (rc && *err) {
    char *e = xl_fmt("%s (kernel %s)", *err, name);
    free(*err);
    *err = e;
  }
  return rc;
}
