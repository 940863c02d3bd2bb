/* tensorlist.c - named tensor lists (xt_list): the in-memory form of a safetensors file. */
#include <string.h>

#include "xlrt.h"

void xtl_free(xt_list *l) {
  for (int i = 0; i < l->v.n; i++) xt_free(l->v.v[i]);
  free(l->v.v);
  free(l->meta);
  memset(l, 0, sizeof *l);
}

xt *xtl_find(const xt_list *l, const char *name) {
  for (int i = 0; i < l->v.n; i++)
    if (l->v.v[i]->name && strcmp(l->v.v[i]->name, name) == 0) return l->v.v[i];
  return NULL;
}

void xtl_add(xt_list *l, xt *t) {
  XL_ASSERT(t->name);
  xl_vec_push(l->v, t);
}
