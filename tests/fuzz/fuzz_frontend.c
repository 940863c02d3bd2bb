/* fuzz_frontend.c - libFuzzer harness for the .xl front end and the compiler stages after it.
 *
 * Each input is taken as a source file: NUL-terminated, parsed with lang_parse, dumped with
 * ast_dump (partial trees included), and, if it parsed without errors, checked with
 * lang_check. If that passes too, each of the last FUZZ_MAX_ENTRIES definitions (a model
 * comes after the blocks and cells it uses) is lowered as an entry, with B, T, the other free
 * dimensions of its inputs and its configuration without defaults set to small values (as
 * `xlc run --set B=2 --set T=3 ...` would), and goes on to planning, without the JIT and
 * without executing anything:
 *   lang_lower -> cg_verify -> size cap
 *   forward:  cg_optimize -> cg_verify -> kp_build -> kp_verify -> mp_build -> mp_verify
 *   training: ad_append_backward (loss mode on a scalar float output "loss", else one
 *             cotangent per output) -> cg_verify -> the forward steps
 * The size cap skips a graph with a value over FUZZ_MAX_NUMEL elements (or all values over
 * FUZZ_MAX_TOTAL), so that no input makes the later stages allocate much. Diagnostics go to
 * /dev/null; a stage that reports an error ends that entry. Any crash, sanitizer report,
 * leak, failed verification (abort) or hang is a finding: every input must turn into
 * diagnostics or sound plans.
 * Environment: XLC_FUZZ_PARSE_ONLY=1 stops after parsing, XLC_FUZZ_CHECK_ONLY=1 after
 * lang_check; XLC_FUZZ_TRACE=1 prints the diagnostics and how far each entry got on stderr.
 * Also linked into fuzz_replay (replay_main.c), which runs the corpus in CTest without
 * libFuzzer and ends with fuzz_frontend_report's counts.
 */
#include "cg.h"
#include "kplan.h"
#include "lang.h"
#include "memplan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  FUZZ_MAX_ENTRIES = 3,   /* definitions lowered per input (the last ones) */
  FUZZ_MAX_SETS = 16,     /* free dimensions bound per entry */
  FUZZ_DIM_B = 2,         /* the batch */
  FUZZ_DIM_T = 3,         /* the sequence length of a cell entry */
  FUZZ_DIM_OTHER = 2,     /* other free dimensions, configuration without a default */
};
#define FUZZ_MAX_NUMEL 1000000.0 /* elements of one value */
#define FUZZ_MAX_TOTAL 8000000.0 /* elements of all values (scan bodies counted once) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_frontend_report(FILE *out);

static int trace; /* XLC_FUZZ_TRACE: one line per entry on stderr saying how far it got */
/* how far the entries of all inputs so far got (fuzz_frontend_report prints them) */
static struct {
  long entries, lowered, too_large, fwd_planned, train_planned;
} counts;

static void trace_entry(const char *name, const char *how) {
  if (trace) fprintf(stderr, "fuzz_frontend: entry '%s': %s\n", name, how);
}

/* A verifier's findings are bugs: print them (stderr) and abort, so libFuzzer records it. */
static void must_verify(int problems, const char *what) {
  if (problems == 0) return;
  fprintf(stderr, "fuzz_frontend: %s fails verification (%d problem%s)\n", what, problems,
          problems == 1 ? "" : "s");
  abort();
}

/* 1 if every value of g (and of its scan bodies) is small enough to plan; *total accumulates. */
static int graph_small(const cg_graph *g, double *total) {
  for (int i = 0; i < g->nodes.n; i++) {
    const cg_node *n = &g->nodes.v[i];
    double numel = 1;
    for (int k = 0; k < n->shape.rank; k++) {
      if (n->shape.d[k] < 0) return 0;
      numel *= (double)n->shape.d[k]; /* in double: no overflow for any int64 dims */
    }
    *total += numel;
    if (numel > FUZZ_MAX_NUMEL || *total > FUZZ_MAX_TOTAL) return 0;
    if (n->body && !graph_small(n->body, total)) return 0;
  }
  return 1;
}

/* Adds the names used in dimension expression e (a name, or arithmetic over names). */
static void add_dim_names(const ast *e, lang_set *sets, int *n) {
  if (!e) return;
  if (e->kind == AST_NAME) {
    for (int i = 0; i < *n; i++)
      if (strcmp(sets[i].key, e->name) == 0) return;
    if (*n < FUZZ_MAX_SETS) sets[(*n)++] = (lang_set){e->name, "2"};
    return;
  }
  if (e->kind == AST_BINOP || e->kind == AST_UNOP) {
    add_dim_names(e->a, sets, n);
    add_dim_names(e->b, sets, n);
  }
}

/* The settings for entry def: B, T for a cell, every name in the dims of its `in`
   declarations that is not a configuration parameter, and every configuration parameter
   without a default. Returns how many. */
static int entry_sets(const ast *def, lang_set *sets) {
  static char b[8], t[8], other[8];
  snprintf(b, sizeof b, "%d", FUZZ_DIM_B);
  snprintf(t, sizeof t, "%d", FUZZ_DIM_T);
  snprintf(other, sizeof other, "%d", FUZZ_DIM_OTHER);
  int n = 0;
  sets[n++] = (lang_set){"B", b};
  if (def->op == AST_DEF_CELL) sets[n++] = (lang_set){"T", t};
  int first = n;
  for (int i = 0; i < def->list.n; i++) {
    const ast *it = def->list.v[i];
    if (it->kind != AST_IN || !it->a || it->a->kind != AST_TYPE) continue;
    for (int k = 0; k < it->a->list.n; k++) add_dim_names(it->a->list.v[k], sets, &n);
  }
  /* drop configuration names (a setting would replace their value) and B, T found again */
  int m = first;
  for (int i = first; i < n; i++) {
    int drop = 0;
    for (int j = 0; j < first; j++) drop |= strcmp(sets[i].key, sets[j].key) == 0;
    for (int j = 0; j < def->list2.n; j++) drop |= strcmp(sets[i].key, def->list2.v[j]->name) == 0;
    if (!drop) sets[m++] = (lang_set){sets[i].key, other};
  }
  /* configuration parameters without a default: the same small value */
  for (int j = 0; j < def->list2.n && m < FUZZ_MAX_SETS; j++)
    if (!def->list2.v[j]->a) sets[m++] = (lang_set){def->list2.v[j]->name, other};
  return m;
}

/* The training graph of g: loss mode if g has a scalar float output "loss", else cotangents. */
static int append_backward(cg_graph *g) {
  const char *loss = NULL;
  int k = cg_find_output(g, "loss");
  if (k >= 0) {
    const cg_node *n = &g->nodes.v[g->outs.v[k].node];
    if (cg_numel(&n->shape) == 1 && !n->is_int) loss = "loss";
  }
  char *err = NULL;
  int rc = ad_append_backward(g, loss, NULL, &err);
  free(err);
  return rc;
}

/* Plans g (kernels, then memory) and checks both plans. */
static void plan(const cg_graph *g, size_t elem_size) {
  kp_target t = kp_target_cpu();
  kp_plan *kp = kp_build(g, &t);
  must_verify(kp_verify(kp, stderr), "the kernel plan");
  mp_plan *mp = mp_build(g, kp, elem_size);
  must_verify(mp_verify(mp, stderr), "the memory plan");
  mp_free(mp);
  kp_free(kp);
}

/* Lowers entry def of file and runs the stages after it. Errors end it quietly. */
static void compile_entry(xl_arena *ar, const ast *file, const ast *def, lang_diag *d) {
  lang_set sets[FUZZ_MAX_SETS + 2];
  int nsets = entry_sets(def, sets);
  int nerr = d->nerr;
  counts.entries++;
  cg_graph *g = lang_lower(ar, file, def->name, sets, nsets, NULL, 0, d);
  if (!g || d->nerr > nerr) { /* a graph and errors: the errors win, as in xl_compile */
    trace_entry(def->name, "not lowered");
    if (g) cg_free(g);
    return;
  }
  must_verify(cg_verify(g, stderr), "the lowered graph");
  counts.lowered++;
  double total = 0;
  if (!graph_small(g, &total)) {
    trace_entry(def->name, "lowered, too large to plan");
    counts.too_large++;
    cg_free(g);
    return;
  }
  /* inference: the forward graph optimized and planned */
  cg_graph *fwd = cg_clone(g);
  char *err = NULL;
  if (cg_optimize(fwd, NULL, &err) == 0) {
    must_verify(cg_verify(fwd, stderr), "the optimized forward graph");
    plan(fwd, sizeof(float));
    trace_entry(def->name, "forward graph planned");
    counts.fwd_planned++;
  }
  free(err);
  err = NULL;
  cg_free(fwd);
  /* training: backward pass appended, optimized, planned */
  if (append_backward(g) == 0) {
    must_verify(cg_verify(g, stderr), "the training graph");
    total = 0;
    if (graph_small(g, &total) && cg_optimize(g, NULL, &err) == 0) {
      must_verify(cg_verify(g, stderr), "the optimized training graph");
      plan(g, sizeof(double));
      trace_entry(def->name, "training graph planned");
      counts.train_planned++;
    }
    free(err);
  }
  cg_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *devnull;
  static int stop_after = -1; /* 0: parse, 1: check, 2: everything */
  if (!devnull) devnull = fopen("/dev/null", "w");
  if (!devnull) devnull = stderr;
  if (stop_after < 0) {
    trace = getenv("XLC_FUZZ_TRACE") != NULL;
    stop_after = getenv("XLC_FUZZ_PARSE_ONLY") ? 0 : getenv("XLC_FUZZ_CHECK_ONLY") ? 1 : 2;
  }

  char *text = xl_malloc(size + 1);
  if (size) memcpy(text, data, size);
  text[size] = 0;

  lang_diag d;
  diag_init(&d, trace ? stderr : devnull);
  xl_arena ar = {0};
  ast *file = lang_parse(&ar, "fuzz.xl", text, &d);
  ast_dump(file, devnull);
  if (d.nerr == 0 && stop_after >= 1) lang_check(&ar, file, &d);
  if (d.nerr == 0 && stop_after >= 2)
    for (int i = file->list.n > FUZZ_MAX_ENTRIES ? file->list.n - FUZZ_MAX_ENTRIES : 0; i < file->list.n; i++)
      compile_entry(&ar, file, file->list.v[i], &d);
  xl_arena_free(&ar);
  free(text);
  return 0;
}

/* One line: how many entries were tried, lowered, too large, planned (forward / training). */
void fuzz_frontend_report(FILE *out) {
  fprintf(out, "%ld entr%s tried, %ld lowered (%ld too large to plan), %ld forward and %ld training graphs planned",
          counts.entries, counts.entries == 1 ? "y" : "ies", counts.lowered, counts.too_large, counts.fwd_planned,
          counts.train_planned);
}
