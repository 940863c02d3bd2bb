/* build_args.c - `xlc build`: the command line both targets share (prefix bld_) and the
 * hand-over to the target's builder: bld_cpu (cmd_build.c; cmd_build_nocpu.c in a build without
 * the CPU backend) or bld_cuda (cmd_build_cuda.c). One parser, so that the two targets take
 * --set, --loss/--grad, --dtype and --emit-dir in the same way and give the same errors; and
 * the two file helpers both write DIR with.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"

static const drv_optspec bld_spec[] = {{"emit-dir", 1}, {"set", 1},    {"loss", 0}, {"grad", 0},
                                       {"dtype", 1},    {"target", 1}, {"arch", 1}, {NULL, 0}};

/* The target only (before any other check): --help of `xlc build --target cuda` is the CUDA
   builder's. "cpu", "cuda", or NULL (printed) for another one. */
static const char *target_of(const drv_args *a) {
  const char *t = "cpu";
  for (int i = 0; i < a->opts.n; i++)
    if (!strcmp(a->opts.v[i].name, "target")) t = a->opts.v[i].val;
  if (strcmp(t, "cpu") && strcmp(t, "cuda")) {
    drv_error("unknown --target '%s' (expected cpu or cuda)", t);
    return NULL;
  }
  return t;
}

int cmd_build(int argc, char **argv) {
  bld_args b;
  memset(&b, 0, sizeof b);
  int rc = XLC_EXIT_USER;
  if (drv_args_parse(&b.a, argc, argv, "build", bld_spec) != 0) goto out;
  const char *t = target_of(&b.a);
  if (!t) goto out;
  b.cuda = !strcmp(t, "cuda");
  if (b.a.help) {
    (b.cuda ? usage_build_cuda : usage_build)(stdout);
    rc = XLC_EXIT_OK;
    goto out;
  }
  for (int i = 0; i < b.a.opts.n; i++) {
    const drv_opt *o = &b.a.opts.v[i];
    if (!strcmp(o->name, "emit-dir")) b.dir = o->val;
    else if (!strcmp(o->name, "set")) {
      if (drv_sets_add(&b.sets, o->val) != 0) goto out;
    } else if (!strcmp(o->name, "loss")) b.loss = 1;
    else if (!strcmp(o->name, "grad")) b.grad = 1;
    else if (!strcmp(o->name, "dtype")) b.dtype = o->val;
    else if (!strcmp(o->name, "arch")) b.arch = o->val;
  }
  if (b.arch && !b.cuda) {
    drv_error("--arch %s: architectures are for --target cuda", b.arch);
    goto out;
  }
  if (b.a.pos.n != 2) {
    drv_error(b.a.pos.n < 2 ? "'xlc build' needs FILE and ENTRY" : "'xlc build' takes FILE and ENTRY only");
    (b.cuda ? usage_build_cuda : usage_build)(stderr);
    goto out;
  }
  if (!b.dir || !*b.dir) {
    drv_error("'xlc build' needs --emit-dir DIR");
    goto out;
  }
  if (b.loss && b.grad) {
    drv_error("--loss and --grad exclude each other (choose one way to seed the gradients)");
    goto out;
  }
  b.path = b.a.pos.v[0], b.entry = b.a.pos.v[1];
  rc = b.cuda ? bld_cuda(&b) : bld_cpu(&b);
out:
  drv_sets_free(&b.sets);
  drv_args_free(&b.a);
  return rc;
}

int bld_make_dir(const char *dir) {
  char *p = xl_strdup(dir);
  int rc = 0;
  for (char *c = p + 1; rc == 0; c++) {
    if (*c != '/' && *c) continue;
    char save = *c;
    *c = 0;
    struct stat st;
    if (stat(p, &st) != 0) {
      if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      rc = -1;
    }
    *c = save;
    if (!save) break;
  }
  free(p);
  return rc;
}

int bld_write_file(const char *dir, const char *name, const char *data, size_t len) {
  char *path = xl_fmt("%s/%s", dir, name), *err = NULL;
  int rc = xl_write_file_atomic(path, data, len, &err);
  if (rc) drv_error("%s", err);
  free(err);
  free(path);
  return rc;
}
