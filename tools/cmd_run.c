/* cmd_run.c - `xlc run FILE ENTRY ...`: run an entry (compiled cpu backend or the reference
 * executor).
 *
 * Reads the safetensors files (inputs, params, cotangents) and rejects NaN/Inf in them,
 * lowers ENTRY with free dimensions bound from the inputs' shapes and --set, optionally
 * appends the backward pass (--loss or --cotangents), binds every input (runtime/train/run_bind.c), runs
 * it on the chosen backend in f32 or f64 and writes all outputs to --out atomically, then
 * prints a summary.
 * A failed run writes nothing: the output file is only created by the final st_write.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cg.h"
#include "driver.h"

void usage_run(FILE *out) {
  fprintf(out,
          "usage: xlc run FILE.xl ENTRY --out OUT.safetensors [options]\n"
          "       xlc run --config EXPERIMENT.yaml --out OUT.safetensors [options]\n"
          "\n"
          "Runs ENTRY on the compiled cpu backend (the default; --backend ref: the reference\n"
          "interpreter) and writes every output of the graph to OUT (in graph order, in the\n"
          "compute dtype, with metadata entry/file/dtype/seed).\n"
          "\n"
          "options:\n"
          "  --inputs I.safetensors      data inputs of ENTRY, by their declared names (leading\n"
          "                              axis = batch; free dimensions such as B and T are\n"
          "                              taken from these shapes); may also hold initial states\n"
          "                              'state.<path>' (a state not given starts at its\n"
          "                              declared initial value)\n"
          "  --params P.safetensors      parameters by their dotted names; a parameter not in\n"
          "                              the file is initialized from its declared initializer\n"
          "  --seed N                    seed of the parameter initializers (default 0)\n"
          "  --random-inputs             fill data inputs not in --inputs with seeded N(0,1) values\n"
          "                              (integer inputs: uniform ids below the size of the one_hot\n"
          "                              or gather table they index, else the `hint vocab`)\n"
          "  --set NAME=VALUE            configuration parameter of ENTRY or free dimension;\n"
          "                              repeatable, the last one wins\n"
          "  --loss                      also compute gradients of the scalar output 'loss'\n"
          "  --cotangents C.safetensors  also compute gradients (vector-Jacobian products): C\n"
          "                              holds the cotangent of output NAME as tensor 'NAME';\n"
          "                              outputs without one get a zero cotangent\n"
          "  --dtype f32|f64             compute dtype (default f32)\n"
          "  --backend %s           executor: cpu = compiled kernels + BLAS (default), ref = the\n"
          "                              reference interpreter\n"
          "  --config FILE               the model: section of an experiment file (YAML or JSON in\n"
          "                              the official xlstm layout, docs/training.md) as settings;\n"
          "                              without FILE.xl ENTRY it runs the stdlib's xlstm_lm (or\n"
          "                              xlstm_large); its context_length is T with --random-inputs\n"
          "                              (B = 1); --set overrides it\n"
          "  --out O.safetensors         where to write the outputs (required)\n"
          "  --save-inputs I.safetensors also write the data inputs of the run (drawn by\n"
          "                              --random-inputs or read from --inputs) under the names\n"
          "                              --inputs reads: 'run --inputs I' repeats the run\n"
          "\n"
          "With --loss or --cotangents the outputs include 'grad.<name>' for every non-integer\n"
          "input, state ('grad.state.<path>') and parameter.\n"
          "It is an error for a file to hold a tensor that matches nothing, to miss a data\n"
          "input, to hold a tensor of the wrong shape, NaN or Inf, or non-integral token ids.\n"
          "\n"
          "exit status: 0 ok, 1 user error, 2 internal error\n",
          xl_backend_names("|"));
}

static const drv_optspec run_opts[] = {{"set", 1},  {"params", 1}, {"inputs", 1},
                                       {"out", 1},  {"cotangents", 1}, {"loss", 0},
                                       {"dtype", 1}, {"seed", 1},  {"backend", 1},
                                       {"random-inputs", 0}, {"config", 1}, {"save-inputs", 1},
                                       {NULL, 0}};

typedef struct {
  const char *file, *entry, *out, *inputs, *params, *cots, *backend, *save_inputs;
  int loss, random_inputs;
  xt_dtype dt;
  uint64_t seed;
  drv_sets sets;
  drv_config conf; /* --config (conf.path NULL: none) */
  char *stdlib, *tdef, *bdef; /* owned strings for the --config defaults */
} run_cfg;

/* Fills cfg from the command line and checks it; returns an exit code. */
static int parse_cfg(const drv_args *a, run_cfg *c) {
  c->dt = XT_F32;
  c->backend = xl_backend_default();
  const char *config = NULL;
  int random_inputs = 0, inputs = 0;
  for (int i = 0; i < a->opts.n; i++) {
    if (!strcmp(a->opts.v[i].name, "config")) config = a->opts.v[i].val;
    if (!strcmp(a->opts.v[i].name, "random-inputs")) random_inputs = 1;
    if (!strcmp(a->opts.v[i].name, "inputs")) inputs = 1;
  }
  if (config) { /* the file's settings first: --set given on the command line override them */
    if (a->pos.n == 1 || a->pos.n > 2) {
      drv_error("'xlc run --config FILE' takes FILE.xl ENTRY or neither (the stdlib's entry)");
      return XLC_EXIT_USER;
    }
    int rc = drv_config_load(&c->conf, config, a->pos.n == 2 ? a->pos.v[0] : NULL, a->pos.n == 2 ? a->pos.v[1] : NULL);
    if (rc) return rc;
    for (int i = 0; i < c->conf.nsets; i++)
      if (drv_sets_add(&c->sets, c->conf.sets[i]) != 0) return XLC_EXIT_USER;
    if (random_inputs && !inputs && c->conf.context_length > 0) { /* a sequence length to run at */
      c->tdef = xl_fmt("T=%d", c->conf.context_length);
      c->bdef = xl_strdup("B=1");
      drv_sets_add(&c->sets, c->tdef);
      drv_sets_add(&c->sets, c->bdef);
    }
  }
  for (int i = 0; i < a->opts.n; i++) {
    const char *n = a->opts.v[i].name, *v = a->opts.v[i].val;
    if (strcmp(n, "set") == 0) {
      if (drv_sets_add(&c->sets, v) != 0) return XLC_EXIT_USER;
    } else if (strcmp(n, "params") == 0) c->params = v;
    else if (strcmp(n, "inputs") == 0) c->inputs = v;
    else if (strcmp(n, "out") == 0) c->out = v;
    else if (strcmp(n, "save-inputs") == 0) c->save_inputs = v;
    else if (strcmp(n, "cotangents") == 0) c->cots = v;
    else if (strcmp(n, "loss") == 0) c->loss = 1;
    else if (strcmp(n, "random-inputs") == 0) c->random_inputs = 1;
    else if (strcmp(n, "backend") == 0) c->backend = v;
    else if (strcmp(n, "dtype") == 0) {
      if (strcmp(v, "f32") == 0) c->dt = XT_F32;
      else if (strcmp(v, "f64") == 0) c->dt = XT_F64;
      else {
        drv_error("unknown dtype '%s' (expected f32 or f64)", v);
        return XLC_EXIT_USER;
      }
    } else if (strcmp(n, "seed") == 0) {
      if (drv_parse_u64(v, &c->seed) != 0) {
        drv_error("--seed needs a non-negative integer, got '%s'", v);
        return XLC_EXIT_USER;
      }
    }
  }
  if (config && a->pos.n == 0) {
    c->stdlib = drv_stdlib_path();
    c->file = c->stdlib;
    c->entry = c->conf.entry;
  } else if (a->pos.n != 2) {
    drv_error(a->pos.n < 2 ? "'xlc run' needs FILE and ENTRY" : "'xlc run' takes exactly FILE and ENTRY");
    usage_run(stderr);
    return XLC_EXIT_USER;
  } else {
    c->file = a->pos.v[0];
    c->entry = a->pos.v[1];
  }
  if (!c->out) {
    drv_error("'xlc run' needs --out OUT.safetensors");
    return XLC_EXIT_USER;
  }
  if (c->save_inputs && strcmp(c->save_inputs, c->out) == 0) {
    drv_error("--save-inputs and --out name the same file '%s'", c->out);
    return XLC_EXIT_USER;
  }
  if (c->loss && c->cots) {
    drv_error("--loss and --cotangents exclude each other (choose one way to seed the gradients)");
    return XLC_EXIT_USER;
  }
  if (!drv_backend_ok(c->backend)) {
    return XLC_EXIT_USER;
  }
  return XLC_EXIT_OK;
}

/* Reads an optional safetensors file and rejects NaN/Inf in it. */
static int read_tensors(const char *path, xt_list *l) {
  if (!path) return XLC_EXIT_OK;
  char *err = NULL;
  if (st_read(path, l, &err) != 0) {
    drv_error("%s", err ? err : "cannot read safetensors file");
    free(err);
    return XLC_EXIT_USER;
  }
  return run_check_finite(path, l) ? XLC_EXIT_USER : XLC_EXIT_OK;
}

static char *metadata(const run_cfg *c) {
  cJSON *o = cJSON_CreateObject();
  char seed[32];
  snprintf(seed, sizeof seed, "%" PRIu64, c->seed);
  cJSON_AddStringToObject(o, "entry", c->entry);
  cJSON_AddStringToObject(o, "file", c->file);
  cJSON_AddStringToObject(o, "dtype", c->dt == XT_F64 ? "f64" : "f32");
  cJSON_AddStringToObject(o, "seed", seed);
  char *js = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  char *m = xl_strdup(js);
  cJSON_free(js);
  return m;
}

static void warn_nonfinite(const xt *t) {
  int64_t m = xt_numel(t);
  for (int64_t i = 0; i < m; i++) {
    double v = xt_get(t, i);
    if (isfinite(v)) continue;
    char *at = drv_index_str(t->rank, t->shape, i);
    drv_warn("output '%s' holds %s at %s", t->name, isnan(v) ? "NaN" : "Inf", at);
    free(at);
    return;
  }
}

static void summary(const run_cfg *c, const xt_list *outs) {
  for (int k = 0; k < outs->v.n; k++) {
    const xt *t = outs->v.v[k];
    if (xt_numel(t) == 1 && t->rank == 0) {
      printf("%s = %.6g\n", t->name, xt_get(t, 0));
      continue;
    }
    char *sh = drv_shape_str(t->rank, t->shape);
    if (xt_numel(t) == 1)
      printf("%s: %s = %.6g\n", t->name, sh, xt_get(t, 0));
    else
      printf("%s: %s\n", t->name, sh);
    free(sh);
  }
  printf("wrote %d tensor%s (%s) to %s\n", outs->v.n, outs->v.n == 1 ? "" : "s",
         c->dt == XT_F64 ? "f64" : "f32", c->out);
}

/* --save-inputs: the data inputs of the run (vals of the top-level CG_IN_INPUT nodes), integer
   ones as int64, written atomically. Returns an exit code. */
static int save_inputs(const run_cfg *c, const cg_graph *g, xt *const *vals) {
  xt_list l = {0};
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    if (n->op != CG_OP_INPUT || n->ikind != CG_IN_INPUT || !vals[i]) continue;
    xt *t = xt_convert(vals[i], n->is_int ? XT_I64 : c->dt);
    free(t->name);
    t->name = xl_strdup(n->name);
    xtl_add(&l, t);
  }
  char *err = NULL, *meta = metadata(c);
  int rc = XLC_EXIT_OK;
  if (st_write(c->save_inputs, &l, meta, &err) != 0) {
    drv_error("%s", err ? err : "cannot write the inputs file");
    rc = XLC_EXIT_USER;
  }
  free(err);
  free(meta);
  xtl_free(&l);
  return rc;
}

/* Everything after the command line: returns the exit code. */
static int run(run_cfg *c) {
  drv_src s;
  xt_list fin = {0}, fpar = {0}, fcot = {0}, outl = {0};
  cg_graph *g = NULL;
  xt **vals = NULL, **outs = NULL;
  char *err = NULL, *meta = NULL;
  int rc = XLC_EXIT_USER;

  if (drv_src_load(&s, c->file) != 0) goto out;
  /* the user's data files first: cheap checks before lowering */
  if (read_tensors(c->inputs, &fin) || read_tensors(c->params, &fpar) || read_tensors(c->cots, &fcot))
    goto out;
  if (drv_src_parse(&s) != 0) goto out;
  g = drv_graph(&s, c->entry, &c->sets, (xt *const *)fin.v.v, fin.v.n,
                c->loss ? XL_GRAD_LOSS : c->cots ? XL_GRAD_COT : XL_GRAD_NONE, XL_STAGE_CG_OPT, &rc);
  if (!g) goto out;

  vals = xl_calloc((size_t)g->nodes.n, sizeof *vals);
  run_bind_ctx bc = {c->entry, c->inputs, c->params, c->cots, &fin, &fpar, &fcot, c->seed, c->dt, c->random_inputs};
  rc = run_bind(g, &bc, vals);
  if (rc) goto out;

  outs = xl_calloc((size_t)g->outs.n, sizeof *outs);
  int xrc = drv_exec(g, c->entry, c->backend, c->dt == XT_F64 ? CG_F64 : CG_F32, (xt *const *)vals, outs, &err);
  if (xrc != 0) {
    rc = drv_exec_failed(xrc, err, "the %s executor on entry '%s'", c->backend, c->entry);
    goto out;
  }
  for (int k = 0; k < g->outs.n; k++) {
    xt *t = outs[k];
    outs[k] = NULL;
    if (!t) {
      drv_internal("the %s executor produced no value for output '%s'", c->backend, g->outs.v[k].name);
      rc = XLC_EXIT_INTERNAL;
      goto out;
    }
    if (t->dtype != c->dt) {
      xt *u = xt_convert(t, c->dt);
      xt_free(t);
      t = u;
    }
    free(t->name);
    t->name = xl_strdup(g->outs.v[k].name);
    xtl_add(&outl, t);
    warn_nonfinite(t);
  }
  meta = metadata(c);
  if (st_write(c->out, &outl, meta, &err) != 0) {
    drv_error("%s", err ? err : "cannot write the output file");
    rc = XLC_EXIT_USER;
    goto out;
  }
  if (c->save_inputs && (rc = save_inputs(c, g, vals)) != 0) goto out;
  summary(c, &outl);
  if (c->save_inputs) printf("wrote the inputs to %s\n", c->save_inputs);
  rc = XLC_EXIT_OK;
out:
  if (vals)
    for (int i = 0; i < g->nodes.n; i++)
      if (vals[i]) xt_free(vals[i]);
  if (outs)
    for (int k = 0; k < g->outs.n; k++)
      if (outs[k]) xt_free(outs[k]);
  free(vals);
  free(outs);
  free(meta);
  free(err);
  if (g) cg_free(g);
  xtl_free(&fin);
  xtl_free(&fpar);
  xtl_free(&fcot);
  xtl_free(&outl);
  drv_src_free(&s);
  return rc;
}

int cmd_run(int argc, char **argv) {
  drv_args a;
  run_cfg c = {0};
  int rc = XLC_EXIT_USER;
  if (drv_args_parse(&a, argc, argv, "run", run_opts) == 0) {
    if (a.help) {
      usage_run(stdout);
      rc = XLC_EXIT_OK;
    } else {
      rc = parse_cfg(&a, &c);
      if (rc == XLC_EXIT_OK) rc = run(&c);
    }
  }
  if (fflush(stdout) != 0 && rc == XLC_EXIT_OK) {
    drv_error("cannot write to stdout");
    rc = XLC_EXIT_USER;
  }
  drv_sets_free(&c.sets);
  drv_config_free(&c.conf);
  free(c.stdlib);
  free(c.tdef);
  free(c.bdef);
  drv_args_free(&a);
  return rc;
}
