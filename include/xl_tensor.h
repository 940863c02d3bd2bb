/* xl_tensor.h - the host tensor shared by the runtime and the reference executor.
 *
 * A tensor is a dtype, a row-major shape and an owned buffer. Only F32 and F64 are
 * computed with; the other dtypes exist for safetensors I/O and are converted on load.
 */
#ifndef XL_TENSOR_H
#define XL_TENSOR_H

#include <stdint.h>

#define XT_MAXRANK 8

typedef enum { XT_F64, XT_F32, XT_BF16, XT_F16, XT_I64, XT_I32 } xt_dtype;

typedef struct {
  xt_dtype dtype;
  int rank;
  int64_t shape[XT_MAXRANK];
  void *data; /* owned, numel * xt_dtype_size(dtype) bytes */
  char *name; /* owned, may be NULL */
} xt;

int xt_dtype_size(xt_dtype t);
const char *xt_dtype_name(xt_dtype t); /* "F64", "F32", ... (safetensors spelling) */
int xt_dtype_parse(const char *s, xt_dtype *out); /* 1 on success */
int64_t xt_numel(const xt *t);
xt *xt_new(xt_dtype dt, int rank, const int64_t *shape); /* zero-filled */
xt *xt_new_named(const char *name, xt_dtype dt, int rank, const int64_t *shape);
/* like xt_new_named, the data not zero-filled (for a caller that writes every element) */
xt *xt_new_uninit(const char *name, xt_dtype dt, int rank, const int64_t *shape);
void xt_free(xt *t);
xt *xt_convert(const xt *t, xt_dtype dt); /* new tensor, values converted (bf16/f16 rounded to nearest even) */
double xt_get(const xt *t, int64_t i);    /* element i as double (any dtype) */
void xt_set(xt *t, int64_t i, double v);  /* element i from double (any dtype) */
int xt_same_shape(const xt *a, const xt *b);
char *xt_shape_str(int rank, const int64_t *shape); /* "[2, 16, 8]", malloc'd */

#endif
