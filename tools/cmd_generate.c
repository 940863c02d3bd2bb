/* cmd_generate.c - `xlc generate`: prefill a prompt, then decode token by token.
 *
 * The prompt runs through the model once at its exact length (padding would move the states);
 * its final states (cell states, convolution buffers) start the decode loop, which runs the
 * same entry at T = 1 with the states carried. Sampling: greedy, temperature, top-k, top-p.
 * --verify recomputes the logits of every generated position with one full forward pass over
 * prompt + output and compares them with the step-by-step logits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_args.h"

void usage_generate(FILE *out) {
  fprintf(out,
          "usage: xlc generate CKPT.safetensors [--prompt TEXT | --prompt-tokens 1,2,3] [options]\n"
          "       xlc generate CKPT.safetensors FILE.xl ENTRY --set K=V... [...]   (a plain state dict)\n"
          "       xlc generate CKPT.safetensors --config EXPERIMENT.yaml [...]     (a plain state dict)\n"
          "\n"
          "Prefills the prompt, then decodes with the recurrent step of every block (cell states and\n"
          "convolution buffers carried), streaming the output. A byte-level model (V = 256) reads the\n"
          "prompt as text and prints text; otherwise tokens are comma-separated ids. The model, its\n"
          "configuration and the .xl source (stored in it) come from an xlc checkpoint; FILE ENTRY\n"
          "given override its model (parameters matched by name and shape). The official package's\n"
          "state dict (safetensors, official names) loads with FILE ENTRY and --set.\n"
          "\n"
          "options:\n"
          "  --prompt TEXT          prompt text (byte-level models)\n"
          "  --prompt-tokens LIST   prompt token ids, comma-separated\n"
          "  --max-new N            tokens to generate (default 64)\n"
          "  --temperature X        0 = greedy (default 1.0)\n"
          "  --top-k K              sample among the K most likely tokens (default 0 = all)\n"
          "  --top-p P              nucleus sampling: the smallest set with probability >= P (default 1)\n"
          "  --seed N               sampling seed (default 0)\n"
          "  --set NAME=VALUE       configuration (plain state dicts)\n"
          "  --config FILE          a plain state dict's model from an experiment file's model: section\n"
          "                         (official layout, docs/training.md) instead of FILE ENTRY\n"
          "  --backend %s      executor (default: the checkpoint's)   --dtype f32|f64\n"
          "  --verify               compare the step logits with one full forward pass; exit 1 on a\n"
          "                         mismatch (relative 1e-4 in f32, 1e-10 in f64)\n"
          "  --quiet                print only the generated output\n",
          xl_backend_names("|"));
}

typedef XL_VEC(int32_t) tok_vec;

static int parse_tokens(const char *s, tok_vec *out) {
  const char *p = s;
  while (*p) {
    char *e;
    long v = strtol(p, &e, 10);
    if (e == p || v < 0 || v > 2147483647L) return -1;
    xl_vec_push(*out, (int32_t)v);
    p = e;
    if (*p == ',') p++;
    else if (*p) return -1;
  }
  return out->n > 0 ? 0 : -1;
}

static int cmp_desc(const void *a, const void *b) {
  double x = ((const double *)a)[0], y = ((const double *)b)[0];
  return x < y ? 1 : x > y ? -1 : 0;
}

/* next token from logits row lg[V] */
static int32_t sample(const xt *lg, int64_t off, int V, double temp, int topk, double topp, xl_rng *r) {
  int best = mdl_argmax(lg, off, V);
  if (temp <= 0) return best;
  double *pv = xl_calloc((size_t)V * 2, sizeof(double)), mx = xt_get(lg, off + best);
  double z = 0;
  for (int v = 0; v < V; v++) {
    pv[2 * v] = exp((xt_get(lg, off + v) - mx) / temp);
    pv[2 * v + 1] = v;
    z += pv[2 * v];
  }
  for (int v = 0; v < V; v++) pv[2 * v] /= z;
  if (topk == 0 && topp >= 1) { /* plain sampling: no ordering needed */
    double u = rng_uniform(r), c = 0;
    int32_t tok = best;
    for (int v = 0; v < V; v++) {
      c += pv[2 * v];
      if (u < c) {
        tok = v;
        break;
      }
    }
    free(pv);
    return tok;
  }
  qsort(pv, (size_t)V, 2 * sizeof(double), cmp_desc);
  int n = V;
  if (topk > 0 && topk < n) n = topk;
  double acc = 0;
  for (int i = 0; i < n; i++) {
    acc += pv[2 * i];
    if (acc >= topp) {
      n = i + 1;
      break;
    }
  }
  double tot = 0;
  for (int i = 0; i < n; i++) tot += pv[2 * i];
  double u = rng_uniform(r) * tot, c = 0;
  int32_t tok = (int32_t)pv[2 * (n - 1) + 1];
  for (int i = 0; i < n; i++) {
    c += pv[2 * i];
    if (u < c) {
      tok = (int32_t)pv[2 * i + 1];
      break;
    }
  }
  free(pv);
  return tok;
}

static void emit(int32_t t, int bytes, int first) {
  if (bytes) putchar(t);
  else printf(first ? "%d" : ",%d", t);
  fflush(stdout);
}

int cmd_generate(int argc, char **argv) {
  static const drv_optspec spec[] = {{"prompt", 1}, {"prompt-tokens", 1}, {"max-new", 1}, {"temperature", 1},
                                     {"top-k", 1}, {"top-p", 1}, {"seed", 1}, {"set", 1}, {"backend", 1},
                                     {"dtype", 1}, {"verify", 0}, {"quiet", 0}, {"config", 1}, {NULL, 0}};
  drv_args a;
  if (drv_args_parse(&a, argc, argv, "generate", spec)) return XLC_EXIT_USER;
  if (a.help) {
    usage_generate(stdout);
    drv_args_free(&a);
    return XLC_EXIT_OK;
  }
  int rc = XLC_EXIT_OK, verify = 0, quiet = 0, topk = 0, max_new = 64;
  double temp = 1.0, topp = 1.0;
  uint64_t seed = 0;
  const char *prompt = NULL, *ptoks = NULL;
  for (int i = 0; i < a.opts.n; i++) {
    const char *n = a.opts.v[i].name, *v = a.opts.v[i].val;
    if (!strcmp(n, "prompt")) prompt = v;
    else if (!strcmp(n, "prompt-tokens")) ptoks = v;
    else if (!strcmp(n, "max-new")) max_new = atoi(v);
    else if (!strcmp(n, "temperature")) temp = atof(v);
    else if (!strcmp(n, "top-k")) topk = atoi(v);
    else if (!strcmp(n, "top-p")) topp = atof(v);
    else if (!strcmp(n, "seed") && drv_parse_u64(v, &seed)) {
      drv_error("--seed: '%s' is not an unsigned integer", v);
      rc = XLC_EXIT_USER;
    } else if (!strcmp(n, "verify")) verify = 1;
    else if (!strcmp(n, "quiet")) quiet = 1;
  }
  if (max_new < 1 || temp < 0 || topk < 0 || !(topp > 0 && topp <= 1)) {
    drv_error("--max-new must be >= 1, --temperature >= 0, --top-k >= 0 and --top-p in (0, 1]");
    rc = XLC_EXIT_USER;
  }
  if (rc == 0 && a.pos.n != 1 && a.pos.n != 3) {
    drv_error("expected CKPT.safetensors [FILE.xl ENTRY]");
    rc = XLC_EXIT_USER;
  }
  mdl m;
  memset(&m, 0, sizeof m);
  int open = 0;
  trn_cfg c;
  trn_cfg_default(&c);
  if (rc == 0 && (rc = trn_open_checkpoint(&m, &c, &a, "generate")) == 0) open = 1;
  tok_vec toks = {0};
  int bytes = open && m.vocab == 256;
  if (rc == 0) {
    if (ptoks) {
      if (parse_tokens(ptoks, &toks) != 0) {
        drv_error("--prompt-tokens: expected comma-separated token ids like 1,2,3, got '%s'", ptoks);
        rc = XLC_EXIT_USER;
      }
    } else if (prompt && bytes) {
      for (const char *p = prompt; *p; p++) xl_vec_push(toks, (int32_t)(unsigned char)*p);
    } else if (prompt) {
      drv_error("--prompt is for byte-level models (V = 256); this one has V = %d: use --prompt-tokens", m.vocab);
      rc = XLC_EXIT_USER;
    } else {
      xl_vec_push(toks, 0); /* no prompt: start from token 0 */
    }
    for (int i = 0; rc == 0 && i < toks.n; i++)
      if (m.vocab > 0 && toks.v[i] >= m.vocab) {
        drv_error("prompt token %d at position %d is outside the vocabulary [0, %d)", toks.v[i], i, m.vocab);
        rc = XLC_EXIT_USER;
      }
  }
  int P = toks.n;
  xt_list st = {0};
  XL_VEC(xt *) step_logits = {0};
  xl_rng r;
  rng_seed(&r, seed);
  char *err = NULL;
  if (rc == 0 && !quiet)
    fprintf(stderr, "xlc generate: %s %s %s, prompt %d tokens, %d new, %s\n", m.file, m.entry, c.sets_desc, P,
            max_new, temp <= 0 ? "greedy" : "sampling");
  if (rc == 0 && bytes && prompt && !ptoks) { /* text in, text out: the continuation follows the prompt */
    fputs(prompt, stdout);
    fflush(stdout);
  }
  /* prefill at the prompt's exact length, then steps of T = 1 */
  mdl_exe *x = rc == 0 ? mdl_get(&m, 1, P, mdl_npos(&m, NULL, 1, P), MDL_DECODE, &rc) : NULL;
  /* two output arrays in turn: a step reads the states the previous step wrote into one and
     writes the other's tensors in place (mdl_borrow_states) */
  int nout = 0;
  xt **buf[2] = {NULL, NULL}, **outs = NULL;
  if (x) { /* sized for the prefill's and the decode step's outputs */
    mdl_exe *x1 = mdl_get(&m, 1, 1, mdl_npos(&m, NULL, 1, 1), MDL_DECODE, &rc);
    nout = x1 && x1->g->outs.n > x->g->outs.n ? x1->g->outs.n : x->g->outs.n;
    buf[0] = xl_calloc((size_t)nout + 1, sizeof(xt *));
    buf[1] = xl_calloc((size_t)nout + 1, sizeof(xt *));
    outs = buf[0];
    if (!x1) x = NULL;
  }
  if (x) {
    int xrc = mdl_run(&m, x, toks.v, NULL, P, NULL, outs, &err);
    if (xrc != 0) rc = drv_exec_failed(xrc, err, "prefill");
  }
  for (int s = 0; rc == 0 && s < max_new; s++) {
    const xt *lg = outs[x->logits_out];
    int V = (int)lg->shape[2];
    int64_t off = (lg->shape[1] - 1) * V;
    if (verify) {
      int64_t sh[1] = {V};
      xt *row = xt_new(XT_F64, 1, sh);
      for (int v = 0; v < V; v++) xt_set(row, v, xt_get(lg, off + v));
      xl_vec_push(step_logits, row);
    }
    int32_t t = sample(lg, off, V, temp, topk, topp, &r);
    emit(t, bytes, s == 0);
    xl_vec_push(toks, t);
    if (s + 1 == max_new) break;
    mdl_borrow_states(x, outs, &st);
    x = mdl_get(&m, 1, 1, mdl_npos(&m, NULL, 1, 1), MDL_DECODE, &rc);
    if (!x) break;
    outs = outs == buf[0] ? buf[1] : buf[0];
    int xrc = mdl_run(&m, x, &toks.v[toks.n - 1], NULL, 1, &st, outs, &err);
    if (xrc != 0) rc = drv_exec_failed(xrc, err, "decode step %d", s + 1);
  }
  for (int b = 0; b < 2; b++) {
    for (int k = 0; buf[b] && k < nout; k++) xt_free(buf[b][k]);
    free(buf[b]);
  }
  free(st.v.v); /* borrowed tensors, freed with buf */
  st.v.v = NULL, st.v.n = 0;
  if (rc == 0) putchar('\n');
  if (rc == 0 && verify) { /* one forward pass over prompt + output (without the last token) */
    int N = toks.n - 1;
    mdl_exe *f = mdl_get(&m, 1, N, mdl_npos(&m, NULL, 1, N), 0, &rc);
    xt **fo = f ? xl_calloc((size_t)f->g->outs.n + 1, sizeof(xt *)) : NULL;
    int xrc = f ? mdl_run(&m, f, toks.v, NULL, N, NULL, fo, &err) : 0;
    if (xrc != 0) {
      rc = drv_exec_failed(xrc, err, "verify");
    } else if (f) {
      const xt *lg = fo[f->logits_out];
      int V = (int)lg->shape[2];
      double worst = 0;
      for (int s = 0; s < step_logits.n; s++) {
        double amax = 0, emax = 0;
        for (int v = 0; v < V; v++) {
          double a1 = xt_get(step_logits.v[s], v), b1 = xt_get(lg, (int64_t)(P - 1 + s) * V + v);
          amax = fmax(amax, fabs(b1));
          emax = fmax(emax, fabs(a1 - b1));
        }
        worst = fmax(worst, amax > 0 ? emax / amax : emax);
      }
      double tol = m.dt == CG_F64 ? 1e-10 : 1e-4;
      printf("verify: logits of prefill + %d steps vs one forward pass over %d tokens: max rel diff %.3e (tol %.0e) %s\n",
             step_logits.n, N, worst, tol, worst <= tol ? "OK" : "MISMATCH");
      if (!(worst <= tol)) rc = XLC_EXIT_USER;
      mdl_outs_free(f, fo);
    }
    free(fo);
  }
  for (int i = 0; i < step_logits.n; i++) xt_free(step_logits.v[i]);
  free(step_logits.v);
  free(err);
  xtl_free(&st);
  free(toks.v);
  if (open) mdl_free(&m);
  trn_cfg_free(&c);
  drv_args_free(&a);
  return rc;
}
