/* cg_dump.c - the deterministic text form of a cell graph (the golden-test format).
 *
 * One node per line: `%id = op operands attributes : [shape]`, scan bodies nested in braces
 * and indented two more spaces, then the outputs. Floats use the shortest %.{1..17}g form
 * that reads back exactly, with inf, -inf and nan spelled. No pointers, no source locations:
 * the same graph always prints the same text. This file only prints; it never checks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"

void cg_put_float(FILE *f, double v) {
  if (isnan(v)) {
    fputs("nan", f);
    return;
  }
  if (isinf(v)) {
    fputs(v < 0 ? "-inf" : "inf", f);
    return;
  }
  char buf[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, f);
}

static void put_shape(FILE *f, const cg_shape *s) {
  fputc('[', f);
  for (int i = 0; i < s->rank; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)s->d[i]);
  fputc(']', f);
}

static void put_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 32) fprintf(f, "\\x%02x", (unsigned char)*s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static const char *ikind_name(cg_ikind k) {
  switch (k) {
  case CG_IN_INPUT: return "input";
  case CG_IN_PARAM: return "param";
  case CG_IN_STATE: return "state";
  case CG_IN_COT: return "cot";
  case CG_IN_SEQ: return "seq";
  case CG_IN_CONST: return "const";
  case CG_IN_BSTATE: return "bstate";
  }
  return "?";
}

static void put_init(FILE *f, const cg_init *in) {
  static const char *const names[] = {"zeros", "ones", "const", "normal", "uniform", "linspace", "powerlaw",
                                      "gate_linspace"};
  static const int np[] = {0, 0, 1, 2, 2, 2, 4, 4};
  int k = (unsigned)in->kind < 8 ? (int)in->kind : -1;
  if (k < 0) {
    fprintf(f, " init=?%d", (int)in->kind);
    return;
  }
  fprintf(f, " init=%s", names[k]);
  if (!np[k]) return;
  fputc('(', f);
  for (int i = 0; i < np[k]; i++) {
    if (i) fputs(", ", f);
    cg_put_float(f, in->p[i]);
  }
  fputc(')', f);
}

static void put_label(FILE *f, int64_t c) {
  if (c >= 1 && c <= 26) fputc((int)('a' + c - 1), f);
  else if (c >= 27 && c <= 52) fputc((int)('A' + c - 27), f);
  else fputc('?', f);
}

static void put_ins(FILE *f, const cg_node *n, int from, int to) {
  for (int k = from; k < to && k < n->nin; k++) fprintf(f, "%s%%%d", k > from ? ", " : "", n->in[k]);
}

static void dump_graph(const cg_graph *g, FILE *f, int ind, int is_body);

static void dump_node(const cg_graph *g, int id, FILE *f, int ind) {
  const cg_node *n = &g->nodes.v[id];
  fprintf(f, "%*s%%%d = %s", ind, "", id, cg_ops[n->op].name);
  switch (n->op) {
  case CG_OP_INPUT:
    fputc(' ', f);
    put_str(f, n->name);
    fprintf(f, " kind=%s", ikind_name(n->ikind));
    if (n->ikind == CG_IN_SEQ || n->ikind == CG_IN_CONST || n->ikind == CG_IN_BSTATE)
      fprintf(f, " slot=%d", n->slot);
    if (n->ikind == CG_IN_PARAM) put_init(f, &n->init);
    if (n->ikind == CG_IN_STATE || n->fval != 0) {
      fputs(" fill=", f);
      cg_put_float(f, n->fval);
    }
    break;
  case CG_OP_CONST:
    fputc(' ', f);
    cg_put_float(f, n->fval);
    break;
  case CG_OP_SCAN: {
    int nseq = (int)n->a[CG_SCAN_NSEQ], nc = (int)n->a[CG_SCAN_NCONST];
    int bound[4] = {0, nseq, nseq + nc, n->nin};
    for (int grp = 0; grp < 3; grp++) {
      if (grp) fputs(" |", f);
      if (bound[grp] < bound[grp + 1]) fputc(' ', f);
      put_ins(f, n, bound[grp], bound[grp + 1]);
    }
    fprintf(f, " nseq=%lld nconst=%lld nstate=%lld nout=%lld axis=%lld reverse=%lld save=%lld",
            (long long)n->a[CG_SCAN_NSEQ], (long long)n->a[CG_SCAN_NCONST], (long long)n->a[CG_SCAN_NSTATE],
            (long long)n->a[CG_SCAN_NOUT], (long long)n->a[CG_SCAN_AXIS], (long long)n->a[CG_SCAN_REVERSE],
            (long long)n->a[CG_SCAN_SAVE]);
    if (n->body) {
      fputs(" {\n", f);
      dump_graph(n->body, f, ind + 2, 1);
      fprintf(f, "%*s}", ind, "");
    } else {
      fputs(" {}", f);
    }
    break;
  }
  default:
    fputc(' ', f);
    put_ins(f, n, 0, n->nin);
    switch (n->op) {
    case CG_OP_SUM:
    case CG_OP_MAXR: {
      fputs(" axes=[", f);
      int first = 1;
      for (int i = 0; i < 63; i++)
        if (n->a[0] >> i & 1) {
          fprintf(f, "%s%d", first ? "" : ", ", i);
          first = 0;
        }
      fputc(']', f);
      break;
    }
    case CG_OP_EINSUM:
      fputs(" \"", f);
      for (int k = 0; k < 3; k++) {
        if (k == 1) fputc(',', f);
        if (k == 2) fputs("->", f);
        for (int i = 0; i < 8 && n->a[8 * k + i]; i++) put_label(f, n->a[8 * k + i]);
      }
      fputc('"', f);
      break;
    case CG_OP_TRANSPOSE: {
      int r = n->nin ? g->nodes.v[n->in[0]].shape.rank : 0;
      fputs(" perm=[", f);
      for (int i = 0; i < r && i < CG_MAXRANK; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)n->a[i]);
      fputc(']', f);
      break;
    }
    case CG_OP_SLICE:
      fprintf(f, " axis=%lld start=%lld len=%lld", (long long)n->a[0], (long long)n->a[1], (long long)n->a[2]);
      break;
    case CG_OP_PAD:
      fprintf(f, " axis=%lld before=%lld after=%lld", (long long)n->a[0], (long long)n->a[1],
              (long long)n->a[2]);
      break;
    case CG_OP_CONCAT:
      fprintf(f, " axis=%lld", (long long)n->a[0]);
      break;
    case CG_OP_CUMSUM:
    case CG_OP_LOGCUMSUMEXP:
      fprintf(f, " axis=%lld%s", (long long)n->a[0], n->a[1] ? " reverse" : "");
      break;
    case CG_OP_ONE_HOT:
      fprintf(f, " n=%lld", (long long)n->a[0]);
      break;
    case CG_OP_SCAN_OUT:
      fprintf(f, " #%lld", (long long)n->a[0]);
      break;
    default:
      break;
    }
  }
  if (n->is_int) fputs(" int", f);
  fputs(" : ", f);
  put_shape(f, &n->shape);
  fputc('\n', f);
}

static void dump_graph(const cg_graph *g, FILE *f, int ind, int is_body) {
  for (int i = 0; i < g->nodes.n; i++) dump_node(g, i, f, ind);
  int named = 0;
  for (int k = 0; k < g->outs.n; k++)
    if (g->outs.v[k].name && g->outs.v[k].name[0]) named = 1;
  if (is_body && !named) {
    /* anonymous body outputs: positional */
    fprintf(f, "%*soutputs", ind, "");
    for (int k = 0; k < g->outs.n; k++) fprintf(f, "%s %%%d", k ? "," : "", g->outs.v[k].node);
    fputc('\n', f);
    return;
  }
  for (int k = 0; k < g->outs.n; k++) {
    fprintf(f, "%*soutput ", ind, "");
    put_str(f, g->outs.v[k].name);
    fprintf(f, " = %%%d\n", g->outs.v[k].node);
  }
}

void cg_dump(const cg_graph *g, FILE *out) {
  fputs("graph {\n", out);
  dump_graph(g, out, 2, 0);
  fputs("}\n", out);
}
