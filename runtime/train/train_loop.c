/* train_loop.c - the training loop of `xlc train` (trn_train, trainer.h): a token model on a
 * built-in task or a file, from settings the command line (tools/cmd_train.c) has gathered.
 *
 * The loop: draw batch k of the training split (a pure function of seed and k, so a resumed
 * run sees the same batches), run the compiled training graph (forward, loss, backward),
 * accumulate gradients over --accum micro-batches, clip the global norm, AdamW with the
 * official weight-decay grouping at the scheduled learning rate (linear warm-up, cosine).
 * Every --eval-every steps: validation loss/accuracy, metrics CSV, SVG plot, checkpoint
 * (atomic). At the end: test-split (extrapolation) accuracy and scaled accuracy, results.json.
 * `--resume` continues from OUT/ckpt.safetensors exactly (same batches, same optimizer state).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "causal.h"
#include "ckpt.h"
#include "data.h"
#include "lr_sched.h"
#include "model.h"
#include "plot.h"
#include "progress.h"
#include "trainer.h"

static volatile sig_atomic_t interrupted;
static void on_sigint(int s) {
  (void)s;
  interrupted = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int mkdir_p(const char *dir) {
  char *d = xl_strdup(dir);
  for (char *p = d + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(d, 0777) != 0 && errno != EEXIST) break;
      *p = '/';
    }
  int rc = mkdir(d, 0777) != 0 && errno != EEXIST ? -1 : 0;
  if (rc) drv_error("cannot create directory '%s': %s", dir, strerror(errno));
  free(d);
  return rc;
}

/* The causality check (causal.c) of the model about to be trained, with its parameters and
   settings, at B = 2, T = 8 in the form the trainer's graphs of that length use; silent when
   the model is causal. */
static int train_causal(mdl *m, uint64_t seed) {
  char form[64] = "";
  if (m->auto_chunk > 0) snprintf(form, sizeof form, "form=%s", 8 > 2 * m->auto_chunk ? "chunkwise" : "parallel");
  causal_cfg cc = {&m->src, m->entry, &m->sets, 2, 8, form[0] ? form : NULL, &m->params, seed, 1};
  int rc = causal_check(&cc);
  if (rc == XLC_EXIT_USER) drv_note("nothing trained; --no-causal-check skips the check");
  return rc;
}

/* ---- metric history (for the plot) ---- */
typedef struct {
  XL_VEC(double) step, loss, vstep, vloss, vacc;
} history;

static void hist_free(history *h) {
  free(h->step.v);
  free(h->loss.v);
  free(h->vstep.v);
  free(h->vloss.v);
  free(h->vacc.v);
}

static const char *const csv_cols[] = {"lr", "loss", "grad_norm", "tokens_per_s", "val_loss", "val_acc"};
#define NCOLS 6

/* Rows of an existing metrics.csv up to `upto` (resume), for the plot. */
static void hist_load(history *h, const char *path, int64_t upto) {
  const char *e;
  FILE *f = xl_fopen_regular(path, NULL, &e);
  if (!f) return;
  char line[1024];
  if (!fgets(line, sizeof line, f)) {
    fclose(f);
    return;
  }
  while (fgets(line, sizeof line, f)) {
    double v[NCOLS + 1];
    char *p = line;
    int n = 0;
    for (; n <= NCOLS; n++) {
      char *e;
      v[n] = strtod(p, &e);
      if (e == p) break;
      p = *e == ',' ? e + 1 : e;
    }
    if (n < NCOLS + 1 || v[0] > (double)upto) continue;
    xl_vec_push(h->step, v[0]);
    xl_vec_push(h->loss, v[2]);
    if (isfinite(v[5])) {
      xl_vec_push(h->vstep, v[0]);
      xl_vec_push(h->vloss, v[5]);
      xl_vec_push(h->vacc, v[6]);
    }
  }
  fclose(f);
}

static void write_plot(const char *path, const char *title, const history *h) {
  plot_panel panels[2] = {{"loss", "cross-entropy", 1}, {"accuracy", "validation accuracy", 0}};
  /* the training loss as means over windows of w steps: at most ~1000 points */
  int n = h->step.n, w = n > 1000 ? (n + 999) / 1000 : 1, m = 0;
  double *xs = xl_calloc((size_t)n + 1, sizeof(double)), *ys = xl_calloc((size_t)n + 1, sizeof(double));
  for (int i = 0; i < n; i += w, m++) {
    int k = 0;
    double sx = 0, sy = 0;
    for (; k < w && i + k < n; k++) sx += h->step.v[i + k], sy += h->loss.v[i + k];
    xs[m] = sx / k, ys[m] = sy / k;
  }
  plot_series s[3] = {{w > 1 ? "train loss (window means)" : "train loss", xs, ys, m, 0},
                      {"validation loss", h->vstep.v, h->vloss.v, h->vstep.n, 0},
                      {"validation accuracy", h->vstep.v, h->vacc.v, h->vstep.n, 1}};
  char *err = NULL;
  if (plot_svg(path, title, panels, 2, s, 3, &err) != 0) drv_warn("%s", err ? err : "cannot write the plot");
  free(err);
  free(xs);
  free(ys);
}

/* ---- the loop ---- */
int trn_train(trn_cfg *c, const trn_paths *paths, ckpt *resume_ck, int causal) {
  const char *out_dir = paths->dir, *ckpt_path = paths->ckpt, *csv_path = paths->csv, *plot_path = paths->plot,
             *res_path = paths->results;
  int resume = resume_ck != NULL, rc = XLC_EXIT_OK;
  ckpt ck = {0};
  if (resume_ck) ck = *resume_ck, memset(resume_ck, 0, sizeof *resume_ck); /* freed once the moments are copied */
  char *err = NULL;
  /* data */
  data_source *ds = NULL;
  if (rc == 0 && data_open(c->task, &c->data, &ds, &err) != 0) {
    drv_error("%s", err ? err : "cannot open the data");
    rc = XLC_EXIT_USER;
  }
  free(err);
  err = NULL;
  const data_info *di = ds ? data_source_info(ds) : NULL;
  data_source *dsw = NULL; /* length warm-up: the same task with shorter training rows */
  if (rc == 0 && c->warm_steps > 0) {
    data_opts wo = c->data;
    wo.max_len = c->warm_len;
    if (c->warm_len < 1 || (c->data.min_len && c->warm_len < c->data.min_len)) {
      drv_error("--warm-steps needs --warm-len L with L >= the minimum training length");
      rc = XLC_EXIT_USER;
    } else if (data_open(c->task, &wo, &dsw, &err) != 0) {
      drv_error("--warm-len: %s", err ? err : "cannot open the data");
      rc = XLC_EXIT_USER;
    }
    free(err);
    err = NULL;
  }
  /* model */
  mdl m;
  memset(&m, 0, sizeof m);
  int model_open = 0;
  if (rc == 0) rc = trn_open_model(&m, c, di, resume ? &ck : NULL, ckpt_path);
  if (rc == 0) model_open = 1;
  int np = model_open ? m.params.v.n : 0;
  double **mom = xl_calloc((size_t)np + 1, sizeof(double *)), **vel = xl_calloc((size_t)np + 1, sizeof(double *));
  xt **grad = xl_calloc((size_t)np + 1, sizeof(xt *));
  for (int i = 0; i < np; i++) {
    int64_t n = xt_numel(m.params.v.v[i]);
    mom[i] = xl_calloc((size_t)n + 1, sizeof(double));
    vel[i] = xl_calloc((size_t)n + 1, sizeof(double));
    grad[i] = xt_new_named(m.params.v.v[i]->name, XT_F64, m.params.v.v[i]->rank, m.params.v.v[i]->shape);
  }
  int64_t start = 0;
  if (rc == 0 && resume) {
    start = c->resume_step;
    for (int i = 0; i < np; i++) {
      const xt *mt = xtl_find(&ck.m, m.params.v.v[i]->name), *vt = xtl_find(&ck.v, m.params.v.v[i]->name);
      if (!mt || !vt) {
        drv_error("%s: no optimizer state for parameter '%s'", ckpt_path, m.params.v.v[i]->name);
        rc = XLC_EXIT_USER;
        break;
      }
      memcpy(mom[i], mt->data, sizeof(double) * (size_t)xt_numel(mt));
      memcpy(vel[i], vt->data, sizeof(double) * (size_t)xt_numel(vt));
    }
  }
  ckpt_free(&ck);
  if (rc == 0 && causal) rc = train_causal(&m, c->seed); /* before anything is written */
  if (rc == 0 && mkdir_p(out_dir) != 0) rc = XLC_EXIT_USER;
  prog_csv csv = {0};
  char *warn = NULL;
  if (rc == 0 && prog_csv_open(&csv, csv_path, csv_cols, NCOLS, resume ? start : -1, &warn, &err) != 0) {
    drv_error("%s", err ? err : "cannot open the metrics file");
    rc = XLC_EXIT_USER;
  }
  if (warn) drv_warn("%s", warn);
  free(warn);
  free(err);
  err = NULL;
  history h = {0};
  if (rc == 0 && resume) hist_load(&h, csv_path, start);
  char *title = rc == 0 ? xl_fmt("%s %s on %s", m.entry, c->sets_desc ? c->sets_desc : "", c->task) : NULL;

  if (rc == 0) {
    printf("xlc train: %s %s on %s (vocab %d, random-guess accuracy %.3g), %d parameters in %d tensors, "
           "backend %s %s\n",
           m.file, m.entry, c->task, di->vocab, di->r, (int)trn_count_params(&m), np, m.backend,
           m.dt == CG_F64 ? "f64" : "f32");
    printf("  steps %lld (from %lld), batch %d x %d accum, lr %g -> %g, warm-up %lld, weight decay %g, clip %g, "
           "seed %llu; output in %s\n",
           (long long)c->steps, (long long)start, c->batch, c->accum, c->lr, c->lr_min, (long long)c->warmup, c->wd, c->clip,
           (unsigned long long)c->seed, out_dir);
    if (c->warm_steps > 0)
      printf("  length warm-up: steps 1-%lld train on rows of length <= %d\n", (long long)c->warm_steps, c->warm_len);
    if (m.auto_chunk > 0)
      printf("  mLSTM form: parallel for padded lengths <= %d, chunkwise (chunks of %d) beyond\n", 2 * m.auto_chunk,
             m.auto_chunk);
    if (m.workers > 1)
      printf("  threads: batches of a multiple of %d rows run as %d data-parallel shards (XLC_NUM_THREADS)\n",
             m.workers, m.workers);
    fflush(stdout);
  }
  signal(SIGINT, on_sigint);
  prog pr;
  prog_init(&pr, stderr, c->steps, start, c->log_every);
  data_batch b = {0};
  int bad_steps = 0;         /* non-finite steps in a row */
  int64_t skipped = 0, last_skipped = 0; /* all of them: the first is reported, the rest counted */
  double t_run = 0;
  int64_t step = start;
  adamw_cfg opt = {c->lr, 0.9, 0.999, 1e-8, c->wd, c->decay_embedding};
  while (rc == 0 && step < c->steps && !interrupted) {
    int64_t s = step + 1;
    double t0 = now_s(), loss_sum = 0;
    int64_t tokens = 0;
    for (int i = 0; i < np; i++) memset(grad[i]->data, 0, sizeof(double) * (size_t)xt_numel(grad[i]));
    for (int k = 0; k < c->accum && rc == 0; k++) {
      const data_source *src = step < c->warm_steps ? dsw : ds;
      if (data_draw(src, DATA_TRAIN, step * c->accum + k, c->batch, &b, &err) != 0) {
        drv_error("%s", err ? err : "data");
        rc = XLC_EXIT_USER;
        break;
      }
      mdl_exe *x = mdl_get(&m, b.B, mdl_bucket(b.T), mdl_npos(&m, b.targets, b.B, b.T), 1, &rc);
      if (!x) break;
      xt **outs = xl_calloc((size_t)x->g->outs.n + 1, sizeof(xt *));
      int xrc = mdl_run(&m, x, b.tokens, b.targets, b.T, NULL, outs, &err);
      if (xrc != 0) {
        rc = drv_exec_failed(xrc, err, "training step %lld (entry '%s', B=%d T=%d)", (long long)s, m.entry, x->B, x->T);
      } else {
        loss_sum += xt_get(outs[x->loss_out], 0);
        for (int i = 0; i < np; i++) {
          const xt *gi = outs[x->grad_out[i]];
          double *gd = grad[i]->data;
          int64_t ne = xt_numel(gi);
          if (gi->dtype == XT_F32)
            for (int64_t j = 0; j < ne; j++) gd[j] += ((const float *)gi->data)[j] / c->accum;
          else
            for (int64_t j = 0; j < ne; j++) gd[j] += xt_get(gi, j) / c->accum;
        }
        for (int r = 0; r < b.B; r++) tokens += b.len[r];
      }
      mdl_outs_free(x, outs);
      free(outs);
    }
    if (rc) break;
    double loss = loss_sum / c->accum;
    double gnorm = sched_clip_grad_norm(grad, np, c->clip);
    double lr = sched_lr(s, c->lr, c->lr_min, c->warmup, c->steps);
    if (!isfinite(loss) || !isfinite(gnorm)) {
      prog_clear(&pr);
      if (skipped++ == 0)
        drv_warn("step %lld: loss %g, gradient norm %g: step skipped (later ones are counted)", (long long)s, loss,
                 gnorm);
      last_skipped = s;
      if (++bad_steps >= 10) {
        drv_error("10 non-finite steps in a row: stopping (the last checkpoint is %s)", ckpt_path);
        rc = XLC_EXIT_USER;
        break;
      }
    } else {
      bad_steps = 0;
      opt.lr = lr;
      adamw_step_all(&opt, s, np, m.params.v.v, grad, mom, vel, m.workers);
    }
    step = s;
    double dt = now_s() - t0;
    t_run += dt;
    prog_step(&pr, s, loss, tokens);
    double vloss = NAN, vacc = NAN;
    int eval_now = s % c->eval_every == 0 || s == c->steps || interrupted;
    if (eval_now && di->has_split[DATA_VAL]) {
      trn_metrics vm;
      if ((rc = trn_evaluate(&m, ds, DATA_VAL, c->eval_batches, c->batch, &vm)) != 0) break;
      vloss = vm.loss, vacc = vm.acc;
    }
    double row[NCOLS] = {lr, loss, gnorm, tokens / dt, vloss, vacc};
    if (prog_csv_row(&csv, s, row, &err) != 0) {
      drv_error("%s", err ? err : "cannot write metrics");
      rc = XLC_EXIT_USER;
      break;
    }
    xl_vec_push(h.step, (double)s);
    xl_vec_push(h.loss, loss);
    if (eval_now) {
      if (isfinite(vloss)) {
        xl_vec_push(h.vstep, (double)s);
        xl_vec_push(h.vloss, vloss);
        xl_vec_push(h.vacc, vacc);
        prog_clear(&pr);
        fprintf(stderr, "step %lld: validation loss %.4f, accuracy %.4f\n", (long long)s, vloss, vacc);
      }
      write_plot(plot_path, title, &h);
      if (bad_steps) /* the step was skipped as non-finite: the model may have diverged */
        drv_warn("step %lld was not finite: %s not written (the last one is kept)", (long long)s, ckpt_path);
      else if ((rc = trn_save(&m, c, s, ckpt_path, mom, vel)) != 0)
        break;
    }
  }
  prog_clear(&pr);
  if (skipped > 1)
    drv_warn("... %lld more non-finite step%s skipped (the last at step %lld)", (long long)(skipped - 1),
             skipped == 2 ? "" : "s", (long long)last_skipped);
  if (rc == 0 && interrupted) {
    printf("interrupted at step %lld; checkpoint %s (continue with: xlc train --resume --out %s)\n",
           (long long)step, ckpt_path, out_dir);
  } else if (rc == 0) {
    trn_metrics tm = {0}, vm = {0};
    int have_test = di->has_split[DATA_TEST];
    if (di->has_split[DATA_VAL]) rc = trn_evaluate(&m, ds, DATA_VAL, c->eval_batches, c->batch, &vm);
    if (rc == 0 && have_test) rc = trn_evaluate(&m, ds, DATA_TEST, c->test_batches, c->batch, &tm);
    if (rc == 0) {
      if (di->has_split[DATA_VAL])
        printf("validation (lengths %d-%d): loss %.4f, accuracy %.4f\n", di->min_len[DATA_VAL], di->max_len[DATA_VAL],
               vm.loss, vm.acc);
      if (have_test)
        printf("test (lengths %d-%d, %lld scored positions): loss %.4f, accuracy %.4f, scaled accuracy %.4f "
               "(random guessing %.3g)\n",
               di->min_len[DATA_TEST], di->max_len[DATA_TEST], (long long)tm.scored, tm.loss, tm.acc,
               (tm.acc - di->r) / (1 - di->r), di->r);
      printf("trained %lld steps in %.1f s this run; checkpoint %s, metrics %s, plot %s\n", (long long)(step - start),
             t_run, ckpt_path, csv_path, plot_path);
      rc = trn_write_results(res_path, &m, c, di, step, have_test ? &tm : NULL, di->has_split[DATA_VAL] ? &vm : NULL);
    }
  }
  if (rc == 0) { /* the wait before the first step, mostly: kernels compiled this run */
    long nc, nl;
    double sec;
    xl_backend_compile_totals(m.be, &nc, &nl, &sec);
    if (nc || nl)
      printf("compiled %ld kernel%s in %.1f s (%ld more from the kernel cache)\n", nc, nc == 1 ? "" : "s", sec, nl);
  }
  prog_csv_close(&csv);
  hist_free(&h);
  free(title);
  data_batch_free(&b);
  for (int i = 0; i < np; i++) {
    free(mom[i]);
    free(vel[i]);
    xt_free(grad[i]);
  }
  free(mom);
  free(vel);
  free(grad);
  if (model_open && drv_options()->profile) { /* XLC_PROFILE=1: times per category, 2: also steps */
    int lvl = drv_options()->profile;
    mdl_profile(&m, stdout, lvl >= 2 ? (lvl > 2 ? lvl : 20) : 0);
  }
  if (model_open) mdl_free(&m);
  data_close(ds);
  data_close(dsw);
  return interrupted && rc == 0 ? 130 : rc;
}
