/* bench_st_read.c - time of st_read (runtime/safetensors.c) on a file of many tiny tensors.
 *
 *   bench_st_read [N [DIR]]     N tensors (default 80000), file written in DIR (default $TMPDIR)
 *
 * Writes a safetensors file by hand (not with st_write, so only the reader is timed) holding
 * N tensors named "t.<i>": every 8th one an F32 [1] with one value, the others empty F32 [0];
 * reads it back with st_read and prints the wall time. docs/performance.md records the numbers
 * (the reader was quadratic in N). Not a test; the file is removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xlrt.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 80000;
  const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR");
  if (n < 1) {
    fprintf(stderr, "usage: bench_st_read [N [DIR]]\n");
    return 1;
  }
  char *path = xl_fmt("%s/bench_st_read.%ld.safetensors", dir && *dir ? dir : "/tmp", (long)getpid());
  /* header: {"t.0":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t.1":...} */
  size_t cap = (size_t)n * 80 + 16, len = 0;
  char *hdr = xl_malloc(cap);
  uint64_t off = 0;
  len += (size_t)sprintf(hdr + len, "{");
  for (int i = 0; i < n; i++) {
    int full = i % 8 == 0;
    len += (size_t)sprintf(hdr + len, "%s\"t.%d\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%llu,%llu]}",
                           i ? "," : "", i, full, (unsigned long long)off, (unsigned long long)(off + 4 * full));
    off += 4 * (uint64_t)full;
  }
  len += (size_t)sprintf(hdr + len, "}");
  while (len % 8) hdr[len++] = ' ';
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    return 1;
  }
  unsigned char lb[8];
  for (int i = 0; i < 8; i++) lb[i] = (unsigned char)((uint64_t)len >> (8 * i));
  fwrite(lb, 1, 8, f);
  fwrite(hdr, 1, len, f);
  for (uint64_t i = 0; i < off; i++) fputc(0, f);
  fclose(f);
  free(hdr);

  xt_list l;
  char *err = NULL;
  double t0 = now_s();
  int rc = st_read(path, &l, &err);
  double dt = now_s() - t0;
  unlink(path);
  if (rc != 0) {
    fprintf(stderr, "st_read: %s\n", err ? err : "failed");
    return 1;
  }
  printf("st_read: %d tensors (header %zu bytes, data %llu bytes) in %.3f s\n", l.v.n, len,
         (unsigned long long)off, dt);
  xtl_free(&l);
  free(path);
  return 0;
}
