/* lr_sched.h - training schedules (sched.c): the learning rate at a step (linear warm-up, then
 * cosine decay) and global gradient-norm clipping. Pure functions of their arguments; nothing
 * here keeps state between steps. (Not named sched.h: runtime/ is on the include path and that
 * name would shadow the system <sched.h>.)
 */
#ifndef XL_LR_SCHED_H
#define XL_LR_SCHED_H

#include <stdint.h>

#include "xl_tensor.h"

/* Learning rate at step s (1-based) for peak lr, floor lr_min, W warm-up steps, N steps in all:
 *   W > 0 and s <= W:  lr * s / W                                  (linear from 0, = lr at s = W)
 *   otherwise:         lr_min + (lr - lr_min) * (1 + cos(pi * t)) / 2,
 *                      t = (s - W) / (N - W) clamped to [0, 1]     (= lr at s = W, lr_min at s = N)
 * N <= W (no decay phase): t = 1, so steps after the warm-up get lr_min. s < 1 is treated as 1;
 * steps past N stay at lr_min. */
double sched_lr(int64_t s, double lr, double lr_min, int64_t W, int64_t N);

/* Global L2 norm of all gradients (computed in double over every element of g[0..n-1], any
 * float dtype). If it exceeds max_norm (> 0), every gradient is scaled in place by
 * max_norm / (norm + 1e-6) (PyTorch clip_grad_norm_). Returns the norm before clipping; a
 * non-finite norm (inf/NaN gradients) is returned as is and nothing is scaled, so the caller
 * can skip the step. max_norm <= 0 only measures. */
double sched_clip_grad_norm(xt *const *g, int n, double max_norm);

#endif
