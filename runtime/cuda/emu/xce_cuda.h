/* xce_cuda.h - the CUDA built-ins for the emulated device (emu/xce.h), as host C++.
 *
 * The emulator compiles a CUDA C source, the exact bytes NVRTC would get, with the host C++
 * compiler and `-include` of this file (embedded in xlc: CMake turns it into a C string), so
 * kernels written for the GPU run on the CPU. It declares what NVRTC provides without an
 * #include: the thread/block indices and sizes, the function and memory qualifiers,
 * __syncthreads, warp shuffles and votes, atomics, math functions (the host's libm), bf16
 * storage conversions (cuda_bf16.h's names) and, through <cooperative_groups.h> (an empty
 * header the emulator puts on the include path), the grid barrier of cooperative launches.
 * It includes no system header, so a source's own prelude (INFINITY, int64 types) does not
 * collide with libc's.
 *
 * Every collective is a switch point: the calling thread (a fiber of the launch, xce.c) waits
 * in the host's scheduler until every live thread of its warp / block / grid has arrived.
 * Atomics are plain read-modify-writes (the fibers of a launch run on one host thread).
 * __shared__ variables are thread_local: the object's thread-local block holds exactly the
 * shared memory (and one anchor byte), which the scheduler keeps per block when the blocks of
 * a cooperative launch run interleaved. `extern __shared__ T NAME[]` (dynamic shared memory)
 * is declared before the source by the emulator's wrapper (T a built-in type): an alias of
 * the object's one pool of XCE_DYN_BYTES.
 * Not emulated: timing, real concurrency, tensor-core fragments.
 */
#ifndef XCE_CUDA_H
#define XCE_CUDA_H

/* ---- the runtime's side (xce.c fills it; one launch at a time) ---- */
struct xce_dim3_ { unsigned x, y, z; };
extern "C" {
typedef struct xce_rt {
  xce_dim3_ tid, bid, bdim, gdim; /* the running thread's */
  unsigned lane;                  /* linear thread index % 32 */
  void (*sync)(int what);         /* 0: block, 1: warp, 2: grid */
  unsigned long long (*exchange)(unsigned long long v, int src); /* v in; lane src's value out */
  unsigned (*ballot)(int pred);   /* the predicates of the warp's live lanes, one bit each */
  unsigned (*active)(void);       /* the warp's live lanes */
} xce_rt;
__attribute__((visibility("default"))) xce_rt *xce_rt_ptr = 0;
/* touches the object's thread-local block (shared memory: below), which glibc allocates on
   first use, so that the scheduler can find it with dlinfo(RTLD_DI_TLS_DATA) */
static thread_local char xce_tls_anchor_;
__attribute__((visibility("default"))) void *xce_tls_touch(void) { return &xce_tls_anchor_; }
int printf(const char *, ...);
}

/* ---- qualifiers ---- */
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
/* thread_local: static storage in a function, and valid after `extern` (dynamic shared memory,
   whose definition the emulator adds: xce.c); all fibers of a launch run on one host thread */
#define __shared__ thread_local
#define __align__(n) __attribute__((aligned(n)))

struct uint3 { unsigned x, y, z; };
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
#define threadIdx (xce_rt_ptr->tid)
#define blockIdx (xce_rt_ptr->bid)
#define blockDim (xce_rt_ptr->bdim)
#define gridDim (xce_rt_ptr->gdim)
#define warpSize 32

/* ---- barriers, warp collectives ---- */
static inline void __syncthreads(void) { xce_rt_ptr->sync(0); }
static inline void __syncwarp(unsigned mask = 0xffffffffu) { (void)mask, xce_rt_ptr->sync(1); }
static inline void __threadfence(void) {}
static inline void __threadfence_block(void) {}
static inline unsigned __activemask(void) { return xce_rt_ptr->active(); }

template <class T> static inline T xce_xchg_(T v, int src) {
  static_assert(sizeof(T) <= 8, "shuffle of more than 8 bytes");
  unsigned long long u = 0, r;
  __builtin_memcpy(&u, &v, sizeof(T));
  r = xce_rt_ptr->exchange(u, src);
  T out;
  __builtin_memcpy(&out, &r, sizeof(T));
  return out;
}
/* the source lane within the caller's segment of `width` lanes; out of it: the caller's own */
static inline int xce_seg_(int src, int width) {
  int lane = (int)xce_rt_ptr->lane, base = lane & ~(width - 1);
  return src >= base && src < base + width ? src : lane;
}
template <class T> static inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  (void)mask;
  int base = (int)xce_rt_ptr->lane & ~(width - 1);
  return xce_xchg_(v, base + (src & (width - 1)));
}
template <class T> static inline T __shfl_xor_sync(unsigned mask, T v, int lm, int width = 32) {
  (void)mask;
  return xce_xchg_(v, xce_seg_((int)xce_rt_ptr->lane ^ lm, width));
}
template <class T> static inline T __shfl_down_sync(unsigned mask, T v, unsigned d, int width = 32) {
  (void)mask;
  return xce_xchg_(v, xce_seg_((int)(xce_rt_ptr->lane + d), width));
}
template <class T> static inline T __shfl_up_sync(unsigned mask, T v, unsigned d, int width = 32) {
  (void)mask;
  return xce_xchg_(v, xce_seg_((int)xce_rt_ptr->lane - (int)d, width));
}
static inline unsigned __ballot_sync(unsigned mask, int p) { return xce_rt_ptr->ballot(p) & mask; }
static inline int __any_sync(unsigned mask, int p) { return __ballot_sync(mask, p) != 0; }
static inline int __all_sync(unsigned mask, int p) { return __ballot_sync(mask, !p) == 0; }

namespace cooperative_groups {
struct grid_group {
  void sync() const { xce_rt_ptr->sync(2); }
};
struct thread_block {
  void sync() const { xce_rt_ptr->sync(0); }
};
static inline grid_group this_grid() { return grid_group(); }
static inline thread_block this_thread_block() { return thread_block(); }
} // namespace cooperative_groups

/* ---- atomics: one host thread runs the launch, so plain read-modify-writes ---- */
template <class T> static inline T atomicAdd(T *p, T v) { T o = *p; *p = o + v; return o; }
template <class T> static inline T atomicSub(T *p, T v) { T o = *p; *p = o - v; return o; }
template <class T> static inline T atomicMax(T *p, T v) { T o = *p; if (v > o) *p = v; return o; }
template <class T> static inline T atomicMin(T *p, T v) { T o = *p; if (v < o) *p = v; return o; }
template <class T> static inline T atomicExch(T *p, T v) { T o = *p; *p = v; return o; }
template <class T> static inline T atomicCAS(T *p, T cmp, T v) { T o = *p; if (o == cmp) *p = v; return o; }

/* ---- math: the host's libm ---- */
extern "C" {
#define XCE_M1(n) double n(double); float n##f(float);
#define XCE_M2(n) double n(double, double); float n##f(float, float);
XCE_M1(exp) XCE_M1(exp2) XCE_M1(expm1) XCE_M1(log) XCE_M1(log2) XCE_M1(log10) XCE_M1(log1p) XCE_M1(sqrt) XCE_M1(cbrt)
XCE_M1(sin) XCE_M1(cos) XCE_M1(tan) XCE_M1(asin) XCE_M1(acos) XCE_M1(atan) XCE_M1(sinh) XCE_M1(cosh) XCE_M1(tanh)
XCE_M1(erf) XCE_M1(erfc) XCE_M1(floor) XCE_M1(ceil) XCE_M1(round) XCE_M1(trunc) XCE_M1(rint) XCE_M1(fabs)
XCE_M2(pow) XCE_M2(fmax) XCE_M2(fmin) XCE_M2(fmod) XCE_M2(atan2) XCE_M2(copysign)
double fma(double, double, double);
float fmaf(float, float, float);
#undef XCE_M1
#undef XCE_M2
}
#define XCE_F1(n) static inline float n(float x) { return n##f(x); }
#define XCE_F2(n) static inline float n(float x, float y) { return n##f(x, y); }
XCE_F1(exp) XCE_F1(exp2) XCE_F1(expm1) XCE_F1(log) XCE_F1(log2) XCE_F1(log10) XCE_F1(log1p) XCE_F1(sqrt) XCE_F1(cbrt)
XCE_F1(sin) XCE_F1(cos) XCE_F1(tan) XCE_F1(asin) XCE_F1(acos) XCE_F1(atan) XCE_F1(sinh) XCE_F1(cosh) XCE_F1(tanh)
XCE_F1(erf) XCE_F1(erfc) XCE_F1(floor) XCE_F1(ceil) XCE_F1(round) XCE_F1(trunc) XCE_F1(rint) XCE_F1(fabs)
XCE_F2(pow) XCE_F2(fmax) XCE_F2(fmin) XCE_F2(fmod) XCE_F2(atan2) XCE_F2(copysign)
#undef XCE_F1
#undef XCE_F2
static inline float fma(float a, float b, float c) { return fmaf(a, b, c); }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
static inline float __expf(float x) { return expf(x); }
static inline float __logf(float x) { return logf(x); }
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __saturatef(float x) { return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }
static inline float __int_as_float(int i) { float f; __builtin_memcpy(&f, &i, 4); return f; }
static inline int __float_as_int(float f) { int i; __builtin_memcpy(&i, &f, 4); return i; }
static inline unsigned __float_as_uint(float f) { unsigned i; __builtin_memcpy(&i, &f, 4); return i; }
static inline float __uint_as_float(unsigned i) { float f; __builtin_memcpy(&f, &i, 4); return f; }
static inline double __longlong_as_double(long long i) { double f; __builtin_memcpy(&f, &i, 8); return f; }
static inline long long __double_as_longlong(double f) { long long i; __builtin_memcpy(&i, &f, 8); return i; }
template <class T> static inline T __ldg(const T *p) { return *p; }
static inline bool isnan(float x) { return __builtin_isnan(x); }
static inline bool isnan(double x) { return __builtin_isnan(x); }
static inline bool isinf(float x) { return __builtin_isinf(x); }
static inline bool isinf(double x) { return __builtin_isinf(x); }
static inline bool isfinite(float x) { return __builtin_isfinite(x); }
static inline bool isfinite(double x) { return __builtin_isfinite(x); }
#define XCE_MINMAX(T)                                                   \
  static inline T min(T a, T b) { return a < b ? a : b; }               \
  static inline T max(T a, T b) { return a > b ? a : b; }
XCE_MINMAX(int) XCE_MINMAX(unsigned) XCE_MINMAX(long long) XCE_MINMAX(unsigned long long)
XCE_MINMAX(float) XCE_MINMAX(double)
#undef XCE_MINMAX

/* ---- bf16 storage (cuda_bf16.h's names): round to nearest even, NaN kept quiet ---- */
struct __nv_bfloat16 {
  unsigned short __x;
};
static inline __nv_bfloat16 __float2bfloat16(float f) {
  unsigned u = __float_as_uint(f);
  __nv_bfloat16 r;
  if ((u & 0x7fffffffu) > 0x7f800000u) r.__x = (unsigned short)((u >> 16) | 0x40u);
  else r.__x = (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  return r;
}
static inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __float2bfloat16(f); }
static inline float __bfloat162float(__nv_bfloat16 h) { return __uint_as_float((unsigned)h.__x << 16); }

#endif
