/* kp_gemm.c - every einsum-to-GEMM decision of the kernel plan (kplan.h).
 *
 * Input: a verified EINSUM node. Output: descriptors, nothing executed. Two questions, one
 * label analysis (ein_labels: the einsum's distinct labels with sizes and element strides,
 * grouped batch / M / N / K):
 *  - kp_gemm_of: is the einsum one (batched, strided) matrix product? Then the plan makes it a
 *    KP_GEMM step (kp_gemm).
 *  - kp_ein_plan: how does an einsum that is not (a KP_REF step) run? As strided BLAS calls on
 *    the operands inside loops over the labels that do not fit a matrix dimension ("direct"),
 *    as GEMMs on copies of the operands in canonical [batch][M][K] x [batch][K][N] layout
 *    ("copied"), or as plain loops (kp_ein). The executor only follows the descriptor.
 * Descriptors are checked against the operands' extents by kp_gemm_verify / kp_ein_verify.
 */
#include <string.h>

#include "kp_ein.h"

/* ---- the label analysis ---- */

enum { EG_B, EG_M, EG_N, EG_K, EG_X }; /* batch, M (x, out), N (y, out), K (x, y), other */

typedef struct {
  int n, nout;                  /* distinct labels; the first nout are the output's */
  int64_t lab[KP_EIN_MAXLAB], size[KP_EIN_MAXLAB];
  int64_t st[3][KP_EIN_MAXLAB]; /* element strides in x, y, out (a repeated label: their sum;
                                   0: absent) */
  int grp[KP_EIN_MAXLAB];       /* EG_* */
} ein_labels;

/* The labels of EINSUM n in a fixed order: the output's (its last axis first), then y's, then
   x's likewise, the output labels moved to the front (stable). Groups: in x, y and out batch,
   in x and out M, in y and out N, in x and y K, anything else EG_X (summed in one operand, or
   an output label in neither). loose1: a label of size 1 counts as in every operand and one
   with stride 0 (an empty dimension) as in none (the strided BLAS planner: any stride fits a
   size-1 label); else a label is in the operands that list it (the GEMM matcher). */
static void ein_labels_of(const cg_graph *g, const cg_node *n, int loose1, ein_labels *L) {
  ein e = ein_of(g, n);
  int64_t lab[KP_EIN_MAXLAB], size[KP_EIN_MAXLAB], st[3][KP_EIN_MAXLAB];
  int nl = 0;
  memset(st, 0, sizeof st);
  memset(L, 0, sizeof *L);
  for (int o = 2; o >= 0; o--) {
    int64_t stride = 1;
    for (int p = e.r[o] - 1; p >= 0; p--) {
      int j = 0;
      while (j < nl && lab[j] != e.l[o][p]) j++;
      if (j == nl) {
        XL_ASSERT(nl < KP_EIN_MAXLAB);
        lab[nl] = e.l[o][p];
        size[nl++] = e.s[o]->d[p];
      }
      st[o][j] += stride;
      stride *= e.s[o]->d[p];
    }
  }
  for (int pass = 0; pass < 2; pass++)
    for (int j = 0; j < nl; j++) {
      int ino = lab_pos(&e, 2, lab[j]) >= 0;
      if (ino != (pass == 0)) continue;
      int k = L->n++;
      L->nout += ino;
      L->lab[k] = lab[j];
      L->size[k] = size[j];
      for (int o = 0; o < 3; o++) L->st[o][k] = st[o][j];
      int inx, iny;
      if (loose1)
        inx = st[0][j] != 0 || size[j] == 1, iny = st[1][j] != 0 || size[j] == 1;
      else
        inx = lab_pos(&e, 0, lab[j]) >= 0, iny = lab_pos(&e, 1, lab[j]) >= 0;
      L->grp[k] = inx && iny && ino ? EG_B : inx && ino ? EG_M : iny && ino ? EG_N : inx && iny ? EG_K : EG_X;
    }
}

static int label_index(const ein_labels *L, int64_t lab) {
  for (int j = 0; j < L->n; j++)
    if (L->lab[j] == lab) return j;
  return -1;
}

/* A matrix of r x c stored with row stride sr and column stride sc (a size-1 dimension fits
   any stride): row-major (trans 0, ld = row stride) or column-major (trans 1, stored c x r,
   ld = column stride); 0 if neither. */
static int mat_layout(int64_t r, int64_t sr, int64_t c, int64_t sc, int *trans, int64_t *ld) {
  if ((c <= 1 || sc == 1) && (r <= 1 || sr >= c)) {
    *trans = 0;
    *ld = r <= 1 ? (c > 1 ? c : 1) : sr;
    return 1;
  }
  if ((r <= 1 || sr == 1) && (c <= 1 || sc >= r)) {
    *trans = 1;
    *ld = c <= 1 ? (r > 1 ? r : 1) : sc;
    return 1;
  }
  return 0;
}

/* ---- one GEMM ---- */

typedef struct {
  int n;
  int64_t lab[CG_MAXRANK];
} lgroup;

/* Size and element stride of group G in operand o; the labels must sit side by side in the
   group's order. Stride -1 when the group has size 1 (any stride fits). 0 if not contiguous. */
static int group_layout(const ein *e, int o, const lgroup *G, int64_t *size, int64_t *stride) {
  int64_t st[CG_MAXRANK];
  strides_of(e->s[o], st);
  *size = 1;
  *stride = -1;
  if (G->n == 0) return 1;
  int p0 = lab_pos(e, o, G->lab[0]);
  if (p0 < 0) return 0;
  for (int j = 0; j < G->n; j++) {
    if (lab_pos(e, o, G->lab[j]) != p0 + j) return 0;
    *size *= e->s[o]->d[p0 + j];
  }
  if (*size != 1) *stride = st[p0 + G->n - 1];
  return 1;
}

/* An EINSUM that is a (batched, strided) matrix product: its labels group (ein_labels) into
   batch, M, N and K (at least one), each group contiguous in every operand holding it, in the
   output's order (K in x's) (the batch labels may instead form two such groups, outer and
   inner, cut where the output lists them), the output row-major over (M, N) (the operands are
   swapped when N comes first). */
int kp_gemm_of(const cg_graph *g, const cg_node *n, kp_gemm *gm) {
  ein e = ein_of(g, n);
  if (!ein_distinct(&e)) return 0;
  ein_labels L;
  ein_labels_of(g, n, 0, &L);
  for (int j = 0; j < L.n; j++)
    if (L.grp[j] == EG_X) return 0; /* summed over one operand alone */
  lgroup bt = {0}, mx = {0}, ny = {0}, kk = {0};
  for (int p = 0; p < e.r[2]; p++) {
    int gr = L.grp[label_index(&L, e.l[2][p])];
    lgroup *G = gr == EG_B ? &bt : gr == EG_M ? &mx : &ny;
    G->lab[G->n++] = e.l[2][p];
  }
  for (int p = 0; p < e.r[0]; p++)
    if (L.grp[label_index(&L, e.l[0][p])] == EG_K) kk.lab[kk.n++] = e.l[0][p];
  if (kk.n == 0) return 0;
  /* the batch labels: one group (cut 0), else the first cut that makes two groups */
  lgroup bo = {0}, bi = bt;
  int64_t bsz[3], bst[3], osz[3], ost[3];
  for (int cut = 0;; cut++) {
    if (cut == bt.n && cut > 0) return 0;
    bo.n = cut, bi.n = bt.n - cut;
    memcpy(bo.lab, bt.lab, sizeof(int64_t) * (size_t)cut);
    memcpy(bi.lab, bt.lab + cut, sizeof(int64_t) * (size_t)(bt.n - cut));
    int ok = 1;
    for (int o = 0; o < 3; o++)
      ok &= group_layout(&e, o, &bi, &bsz[o], &bst[o]) && group_layout(&e, o, &bo, &osz[o], &ost[o]);
    if (ok) break;
  }
  for (int swap = 0; swap < 2; swap++) {
    int A = swap, B = 1 - swap;
    const lgroup *M = swap ? &ny : &mx, *N = swap ? &mx : &ny;
    int64_t m, sam, scm, nn, sbn, scn, k, sak, sbk, tmp;
    int ok = 1;
    ok &= group_layout(&e, A, M, &m, &sam) && group_layout(&e, 2, M, &tmp, &scm);
    ok &= group_layout(&e, B, N, &nn, &sbn) && group_layout(&e, 2, N, &tmp, &scn);
    ok &= group_layout(&e, A, &kk, &k, &sak) && group_layout(&e, B, &kk, &tmp, &sbk);
    if (!ok) return 0; /* contiguity does not depend on the swap */
    kp_gemm r = {0};
    int tc;
    if (!mat_layout(m, scm, nn, scn, &tc, &r.ldc) || tc) continue;
    if (!mat_layout(m, sam, k, sak, &r.trans_a, &r.lda)) continue;
    if (!mat_layout(k, sbk, nn, sbn, &r.trans_b, &r.ldb)) continue;
    r.a = n->in[A];
    r.b = n->in[B];
    r.batch = bsz[2];
    r.m = m;
    r.n = nn;
    r.k = k;
    if (r.batch > 1) {
      r.sa = bst[A];
      r.sb = bst[B];
      r.sc = bst[2];
    }
    r.outer = osz[2];
    if (r.outer > 1) {
      r.oa = ost[A];
      r.ob = ost[B];
      r.oc = ost[2];
    }
    r.flops = 2.0 * (double)r.outer * (double)r.batch * (double)m * (double)nn * (double)k;
    *gm = r;
    return 1;
  }
  return 0;
}

/* ---- an einsum that is not one GEMM ---- */

/* Sorts the size > 1 labels of a group by descending stride in `key`. Returns their count. */
static int group_sorted(const kp_ein *f, const int *lab, int n, const int64_t *key, int *out) {
  int m = 0;
  for (int i = 0; i < n; i++)
    if (f->size[lab[i]] > 1) out[m++] = lab[i];
  for (int i = 1; i < m; i++)
    for (int j = i; j > 0 && key[out[j]] > key[out[j - 1]]; j--) {
      int t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return m;
}

/* The innermost labels of a sorted group that form one stride chain in both s1 and s2 (each
   stride = the next label's stride times its size) make one matrix dimension: its size and
   strides. Returns how many outer labels did not fit (they become loop labels). */
static int group_chain(const kp_ein *f, const int *lab, int m, const int64_t *s1, const int64_t *s2, int64_t *size,
                       int64_t *st1, int64_t *st2) {
  *size = 1;
  *st1 = *st2 = 0;
  if (m == 0) return 0;
  int i = m - 1;
  *st1 = s1[lab[i]];
  *st2 = s2[lab[i]];
  *size = f->size[lab[i]];
  for (i = m - 2; i >= 0; i--) {
    int a = lab[i], b = lab[i + 1];
    if (s1[a] != s1[b] * f->size[b] || s2[a] != s2[b] * f->size[b]) break;
    *size *= f->size[a];
  }
  return i + 1;
}

/* The strided BLAS calls of an einsum whose labels all fall into GEMM groups, when every
   operand fits them: f->direct = 1 and the call and loop fields; else f stays as it was. */
static void plan_direct(kp_ein *f) {
  for (int j = 0; j < f->nout + f->nred; j++)
    if (f->size[j] == 0) return; /* no work; the calls would skip the empty label, not the work */
  kp_ein d = *f;
  int lm[KP_EIN_MAXLAB], ln[KP_EIN_MAXLAB], lk[KP_EIN_MAXLAB], lb[KP_EIN_MAXLAB];
  int m = group_sorted(&d, d.lm, d.nm, d.so, lm), n = group_sorted(&d, d.ln, d.nn, d.so, ln);
  int k = group_sorted(&d, d.lk, d.nk, d.sx, lk), b = group_sorted(&d, d.lb, d.nb, d.so, lb);
  int64_t sAm, sAk, sBk, sBn, sCm, sCn;
  int mout = group_chain(&d, lm, m, d.sx, d.so, &d.dM, &sAm, &sCm);
  int nout = group_chain(&d, ln, n, d.sy, d.so, &d.dN, &sBn, &sCn);
  int kout = group_chain(&d, lk, k, d.sx, d.sy, &d.dK, &sAk, &sBk);
  if (d.dM * d.dN * d.dK < 1024) return; /* too little work per call */
  int loop[KP_EIN_MAXLAB], nl = 0; /* batch labels, then the M and N labels outside their chains */
  for (int i = 0; i < b; i++) loop[nl++] = lb[i];
  for (int i = 0; i < mout; i++) loop[nl++] = lm[i];
  for (int i = 0; i < nout; i++) loop[nl++] = ln[i];
  d.nloop = nl;
  for (int i = 0; i < kout; i++) loop[nl++] = lk[i];
  d.nkloop = kout;
  for (int i = 0; i < nl; i++) {
    int l = loop[i];
    d.lsize[i] = d.size[l], d.lx[i] = d.sx[l], d.ly[i] = d.sy[l], d.lo[i] = d.so[l];
  }
  int tc;
  if (!mat_layout(d.dM, sCm, d.dN, sCn, &tc, &d.ldc)) return;
  if (tc) { /* out is column-major: out^T = y^T x^T */
    int64_t t;
    t = d.dM, d.dM = d.dN, d.dN = t;
    t = sAm, sAm = sBn, sBn = t;
    t = sAk, sAk = sBk, sBk = t;
    t = sCm, sCm = sCn, sCn = t;
    d.swap = 1;
    if (!mat_layout(d.dM, sCm, d.dN, sCn, &tc, &d.ldc) || tc) return;
  }
  if (!mat_layout(d.dM, sAm, d.dK, sAk, &d.ta, &d.lda) || !mat_layout(d.dK, sBk, d.dN, sBn, &d.tb, &d.ldb)) return;
  d.direct = 1;
  *f = d;
}

void kp_ein_plan(const cg_graph *g, const cg_node *n, kp_ein *f) {
  ein_labels L;
  ein_labels_of(g, n, 1, &L);
  memset(f, 0, sizeof *f);
  f->nout = L.nout;
  f->nred = L.n - L.nout;
  memcpy(f->size, L.size, sizeof f->size);
  memcpy(f->sx, L.st[0], sizeof f->sx);
  memcpy(f->sy, L.st[1], sizeof f->sy);
  memcpy(f->so, L.st[2], sizeof f->so);
  f->gemm = 1;
  f->B = f->M = f->N = f->K = 1;
  for (int j = 0; j < L.n; j++) {
    switch (L.grp[j]) {
    case EG_B: f->lb[f->nb++] = j, f->B *= f->size[j]; break;
    case EG_M: f->lm[f->nm++] = j, f->M *= f->size[j]; break;
    case EG_N: f->ln[f->nn++] = j, f->N *= f->size[j]; break;
    case EG_K: f->lk[f->nk++] = j, f->K *= f->size[j]; break;
    default: f->gemm = 0; /* summed over one operand alone */
    }
  }
  /* worth it only when there is real matrix work */
  if (f->M * f->N * f->K < 4096) f->gemm = 0;
  if (f->gemm) plan_direct(f);
}

/* ---- verify, dump ---- */

/* Largest element offset of an r x c operand (trans: stored c x r) over `batch` entries. */
static int64_t gemm_extent(int64_t batch, int64_t s, int64_t r, int64_t c, int trans, int64_t ld) {
  if (batch == 0 || r == 0 || c == 0) return -1;
  return (batch - 1) * s + (trans ? (c - 1) * ld + (r - 1) : (r - 1) * ld + (c - 1));
}

int kp_gemm_verify(const cg_graph *g, int node, const kp_gemm *m, FILE *err, const char *w) {
  const cg_node *n = &g->nodes.v[node];
  int np = 0;
  if (n->op != CG_OP_EINSUM) return kp_vproblem(err, w, "gemm %%%d: not an einsum", node);
  if (!((m->a == n->in[0] && m->b == n->in[1]) || (m->a == n->in[1] && m->b == n->in[0])))
    np += kp_vproblem(err, w, "gemm %%%d: operands %%%d, %%%d are not the einsum's", node, m->a, m->b);
  if (m->outer < 1) np += kp_vproblem(err, w, "gemm %%%d: outer count %lld < 1", node, (long long)m->outer);
  if (m->outer * m->batch * m->m * m->n != cg_numel(&n->shape))
    np += kp_vproblem(err, w, "gemm %%%d: outer*batch*m*n != numel of the result", node);
  int64_t ea = (m->outer - 1) * m->oa, eb = (m->outer - 1) * m->ob, ec = (m->outer - 1) * m->oc;
  if (ea + gemm_extent(m->batch, m->sa, m->m, m->k, m->trans_a, m->lda) >= cg_numel(&g->nodes.v[m->a].shape) ||
      eb + gemm_extent(m->batch, m->sb, m->k, m->n, m->trans_b, m->ldb) >= cg_numel(&g->nodes.v[m->b].shape) ||
      ec + gemm_extent(m->batch, m->sc, m->m, m->n, 0, m->ldc) >= cg_numel(&n->shape))
    np += kp_vproblem(err, w, "gemm %%%d: an operand is addressed out of bounds", node);
  return np;
}

/* Largest offset reached by loops of sizes sz[0..n) with strides st (0 when n = 0). */
static int64_t loop_extent(const int64_t *sz, const int64_t *st, int n) {
  int64_t e = 0;
  for (int i = 0; i < n; i++) e += (sz[i] - 1) * st[i];
  return e;
}

int kp_ein_verify(const cg_graph *g, int node, const kp_ein *f, FILE *err, const char *w) {
  const cg_node *n = &g->nodes.v[node];
  int nl = f->nout + f->nred, np = 0;
  if (n->op != CG_OP_EINSUM) return kp_vproblem(err, w, "einsum %%%d: not an einsum", node);
  if (f->nout < 0 || f->nred < 0 || nl > KP_EIN_MAXLAB)
    return kp_vproblem(err, w, "einsum %%%d: %d + %d labels", node, f->nout, f->nred);
  int64_t nouts = 1, all = 1, numel[3];
  for (int k = 0; k < 2; k++) numel[k] = cg_numel(&g->nodes.v[n->in[k]].shape);
  numel[2] = cg_numel(&n->shape);
  for (int j = 0; j < nl; j++) {
    if (f->size[j] < 0) np += kp_vproblem(err, w, "einsum %%%d: label %d of size %lld", node, j, (long long)f->size[j]);
    if (j < f->nout) nouts *= f->size[j];
    all *= f->size[j];
  }
  if (nouts != numel[2]) np += kp_vproblem(err, w, "einsum %%%d: the output labels do not span the result", node);
  const int64_t *st[3] = {f->sx, f->sy, f->so};
  for (int o = 0; o < 3; o++)
    if (all > 0 && loop_extent(f->size, st[o], nl) >= numel[o])
      np += kp_vproblem(err, w, "einsum %%%d: operand %d is addressed out of bounds", node, o);
  if (!f->gemm) {
    if (f->direct) np += kp_vproblem(err, w, "einsum %%%d: direct but not a GEMM", node);
    return np;
  }
  const int *grp[4] = {f->lb, f->lm, f->ln, f->lk};
  int ng[4] = {f->nb, f->nm, f->nn, f->nk};
  int64_t gsz[4] = {f->B, f->M, f->N, f->K};
  char seen[KP_EIN_MAXLAB] = {0};
  for (int q = 0; q < 4; q++) {
    int64_t s = 1;
    for (int i = 0; i < ng[q]; i++) {
      int l = grp[q][i];
      if (l < 0 || l >= nl || seen[l]++) {
        np += kp_vproblem(err, w, "einsum %%%d: GEMM group %d names label %d twice or out of range", node, q, l);
        continue;
      }
      s *= f->size[l];
    }
    if (s != gsz[q]) np += kp_vproblem(err, w, "einsum %%%d: GEMM group %d has size %lld, not %lld", node, q,
                                    (long long)s, (long long)gsz[q]);
  }
  if (f->nb + f->nm + f->nn + f->nk != nl) np += kp_vproblem(err, w, "einsum %%%d: labels outside the GEMM groups", node);
  if (!f->direct) return np;
  int loops = f->nloop + f->nkloop;
  if (f->nloop < 0 || f->nkloop < 0 || loops > KP_EIN_MAXLAB)
    return np + kp_vproblem(err, w, "einsum %%%d: %d + %d loop labels", node, f->nloop, f->nkloop);
  const int64_t *la = f->swap ? f->ly : f->lx, *lb = f->swap ? f->lx : f->ly;
  int64_t calls = 1;
  for (int i = 0; i < loops; i++) calls *= f->lsize[i];
  if (all > 0 && calls * f->dM * f->dN * f->dK != all) /* (size-0 labels are not looped over) */
    np += kp_vproblem(err, w, "einsum %%%d: calls * m * n * k != the product of the label sizes", node);
  if (all > 0 &&
      (loop_extent(f->lsize, la, loops) + gemm_extent(1, 0, f->dM, f->dK, f->ta, f->lda) >= numel[f->swap ? 1 : 0] ||
       loop_extent(f->lsize, lb, loops) + gemm_extent(1, 0, f->dK, f->dN, f->tb, f->ldb) >= numel[f->swap ? 0 : 1] ||
       loop_extent(f->lsize, f->lo, loops) + gemm_extent(1, 0, f->dM, f->dN, 0, f->ldc) >= numel[2]))
    np += kp_vproblem(err, w, "einsum %%%d: a strided BLAS call addresses an operand out of bounds", node);
  return np;
}

void kp_ein_dump(const kp_ein *f, FILE *out) {
  if (f->direct) {
    int64_t calls = 1;
    for (int i = 0; i < f->nloop + f->nkloop; i++) calls *= f->lsize[i];
    fprintf(out, "einsum direct: %lld call(s) over %d loop + %d summed label(s)%s m=%lld n=%lld k=%lld%s%s",
            (long long)calls, f->nloop, f->nkloop, f->swap ? " swapped" : "", (long long)f->dM, (long long)f->dN,
            (long long)f->dK, f->ta ? " a^T" : "", f->tb ? " b^T" : "");
    fprintf(out, " lda=%lld ldb=%lld ldc=%lld", (long long)f->lda, (long long)f->ldb, (long long)f->ldc);
  } else if (f->gemm)
    fprintf(out, "einsum copied: batch=%lld m=%lld n=%lld k=%lld", (long long)f->B, (long long)f->M, (long long)f->N,
            (long long)f->K);
  else
    fprintf(out, "einsum loops: %d output label(s), %d summed", f->nout, f->nred);
}
