/* xce.h - the emulated CUDA device (prefix xce_): generated CUDA C run on the CPU.
 *
 * xce_compile takes the exact bytes that would go to NVRTC and compiles them with the host C++
 * compiler (XLC_EMU_CXX, else c++) against the built-ins of xce_cuda.h (embedded in xlc),
 * `-x c++ -std=c++17 -O0 -ffp-contract=off -shared -fPIC -include HEADER` (XLC_EMU_OPT replaces
 * -O0), into a shared object cached in cache_dir under the hash of the header, the compiler
 * and its optimization flag, the way sources are wrapped, and the source (written to a temp
 * file and renamed: concurrent writers are safe); NULL cache_dir: a private temp directory
 * whose files are removed once loaded. xce_compile_many does the same for many sources in few
 * compiler runs: the sources are #included, unchanged, by one wrapper file per batch, each in
 * a namespace of its own (sources with a preprocessor directive or a grid barrier alone), one
 * batch per CPU compiled at once; each source's cache entry is a hard link to its batch's
 * object. The source file each was compiled from is read back and hashed: the module's hash is
 * that of the bytes the compiler saw, which a test compares with the hash of what it passed. A
 * compile error returns the compiler's message.
 *
 * xce_launch runs a kernel `extern "C" __global__ void NAME(xl_bufs p)` (`typedef struct {
 * void *b[32]; } xl_bufs;`) on a grid: block after block, each block's threads as fibers (a
 * hand-written context switch on x86-64, ucontext elsewhere) that switch at __syncthreads and
 * warp collectives; a cooperative launch runs all blocks' threads as fibers at once so that
 * the grid barrier (cooperative_groups::this_grid().sync()) works (its __shared__ bytes, the
 * object's thread-local block, are swapped per block). `extern __shared__ TYPE NAME[]`
 * (dynamic shared memory, a built-in TYPE) is declared by the wrapper as an alias of the
 * object's one pool of XCE_DYN_BYTES (every such array starts at the pool's first byte, as on
 * a GPU). Threads that wait at barriers that can never complete (different barriers, or one
 * not every thread reaches while another finished) are an error, not a hang. A source that
 * names no collective runs its threads one after another without fibers (the same results:
 * no thread ever waits). Launches are serialized (a mutex), counted (xce_launch_count) and run
 * on the calling thread. The fiber switches are annotated for AddressSanitizer.
 */
#ifndef XCE_H
#define XCE_H

#include <stddef.h>
#include <stdint.h>

#define XCE_MAXBUF 32 /* the xl_bufs ABI: one struct of 32 pointers */
#define XCE_DYN_BYTES (227 * 1024) /* dynamic shared memory a launch may use (an H100's opt-in) */

typedef struct xce_module xce_module;

/* NULL with *err (malloc'd) when the compiler fails (its output included) or is missing. */
xce_module *xce_compile(const char *src, size_t len, const char *cache_dir, char **err);
/* n sources at once (each as xce_compile: its own module, cache entry and hash), in as few
   compiler runs as the batching rules allow, up to one per CPU at once. 0 with mods[i] set,
   or -1 with *err (the first failure) and every mods[i] NULL. */
int xce_compile_many(int n, const char *const *src, const size_t *len, const char *cache_dir, xce_module **mods,
                     char **err);
void xce_module_free(xce_module *m); /* NULL ignored; the shared object stays loaded */
uint64_t xce_module_hash(const xce_module *m); /* xce_hash of the source bytes compiled */
int xce_module_cached(const xce_module *m);    /* 1: found in the cache, not compiled */
uint64_t xce_hash(const void *p, size_t n);    /* 64-bit FNV-1a */

/* name on grid x block with bufs (nbuf <= XCE_MAXBUF device pointers, the rest NULL); smem:
   dynamic shared memory bytes (at most XCE_DYN_BYTES: every `extern __shared__` array has
   that many). 0, or -1 with *err. */
int xce_launch(xce_module *m, const char *name, const unsigned grid[3], const unsigned block[3], unsigned smem,
               void *const *bufs, int nbuf, int cooperative, char **err);
long xce_launch_count(void); /* launches started by this process */

/* The embedded built-ins header (xce_cuda.h). */
extern const char xce_header[];

#endif
