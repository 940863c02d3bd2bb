/* driver.h - the command line (tools/): the subcommands, their option scanner (args.c), walking
 * a kernel plan, --config files. The session core they share with the trainer (messages, exit
 * codes, --set, sources, compiling, backends: runtime/train/session.h) and binding a graph's
 * inputs (runtime/train/run_bind.h) are included here.
 *
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` where argv[0] is the subcommand
 * name; it returns an exit code (XLC_EXIT_*).
 */
#ifndef XLC_DRIVER_H
#define XLC_DRIVER_H

#include <stdint.h>
#include <stdio.h>

#include "run_bind.h"
#include "session.h"

/* ---- command-line options ---- */
/* One accepted option of a subcommand: "--name" (flag) or "--name=V" / "--name V". */
typedef struct {
  const char *name; /* without the dashes */
  int has_arg;
} drv_optspec;

typedef struct {
  const char *name; /* points into the spec */
  const char *val;  /* NULL for flags */
} drv_opt;

typedef struct {
  XL_VEC(const char *) pos; /* positional arguments, in order */
  XL_VEC(drv_opt) opts;     /* options, in command-line order */
  int help;                 /* -h or --help seen */
} drv_args;

/* Scans argv[1..argc-1] of subcommand `cmd` ("--" ends the options). Prints an error and
   returns -1 on an unknown option or a missing value; else 0. */
int drv_args_parse(drv_args *a, int argc, char **argv, const char *cmd, const drv_optspec *spec);
void drv_args_free(drv_args *a);

/* ---- walking a kernel plan (plan_walk.c; `xlc build`, `dump --stage=mlir`) ---- */
struct kp_plan;
/* Called for every step of a plan in order; a SCAN step is followed by the steps of its body.
   `where` is "" at the top level, else "scan %8" (nested: "scan %8 / scan %3", node ids of
   the enclosing graphs); `reps` is how often the step runs per execution of the whole plan
   (the product of the enclosing scans' lengths). A nonzero return stops the walk. */
typedef int (*drv_step_fn)(const struct kp_plan *p, int step, const char *where, double reps, void *ud);
int drv_plan_walk(const struct kp_plan *p, drv_step_fn fn, void *ud); /* fn's first nonzero */
/* "// kernel NAME: fuses %3 add, %4 exp (body of scan %8)" and a newline, for KP_KERNEL `step`. */
void drv_kernel_comment(const struct kp_plan *p, int step, const char *where, FILE *out);

/* ---- --config FILE: an experiment file's model: section (config_cmd.c) ---- */
struct cJSON;
typedef struct {
  const char *path;
  struct cJSON *root;   /* the whole file, interpolations resolved */
  const char *entry;    /* the stdlib entry the model section describes: xlstm_lm or xlstm_large */
  char **sets;          /* "K=V" for that entry, before any --set (owned) */
  int nsets;
  int context_length;   /* model.context_length, 0 if absent */
  int decay_embedding;  /* model.weight_decay_on_embedding (a trainer option: 1 true, 0 false, -1 absent) */
} drv_config;

/* Loads FILE and maps model: to settings of ENTRY in XL (NULL: the stdlib and the entry the
   model section describes), printing a note for every ignored key. Settings ENTRY lacks are
   an error naming them, except num_heads / conv1d_kernel_size of mLSTM and sLSTM blocks,
   which go to one shared NH / K where ENTRY has only those (they must then agree).
   Errors are printed; returns an exit code. */
int drv_config_load(drv_config *c, const char *path, const char *xl, const char *entry);
void drv_config_free(drv_config *c);
/* Prints a config_file.h message ("FILE:L:C: error: ..." as it is, others after "xlc: error: "). */
void drv_config_error(const char *err);

/* ---- subcommands (cmd_*.c) ---- */
int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_refcheck(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_devices(int argc, char **argv);

/* Usage texts (in each cmd_*.c), printed by `xlc help CMD` and `xlc CMD --help`. */
void usage_check(FILE *out);
void usage_dump(FILE *out);
void usage_run(FILE *out);
void usage_refcheck(FILE *out);
void usage_bench(FILE *out);
void usage_build(FILE *out);
void usage_build_cuda(FILE *out);
/* `xlc build` (build_args.c): one parser for both targets, then the target's builder. */
typedef struct {
  drv_args a;
  drv_sets sets;
  const char *dir, *path, *entry; /* --emit-dir, FILE, ENTRY (checked present) */
  const char *dtype, *arch;       /* as given, or NULL: the builder checks the value */
  int loss, grad;                 /* not both */
  int cuda;                       /* --target cuda (else cpu; --arch only with cuda) */
} bld_args;
int bld_cpu(const bld_args *b);  /* cmd_build.c (cmd_build_nocpu.c: the error) */
int bld_cuda(const bld_args *b); /* cmd_build_cuda.c */
/* mkdir -p DIR: 0 or -1 with errno set */
int bld_make_dir(const char *dir);
/* Writes DIR/name atomically (xl_write_file_atomic: only a regular file is replaced). Prints an
   error and returns -1. */
int bld_write_file(const char *dir, const char *name, const char *data, size_t len);
void usage_train(FILE *out);
void usage_eval(FILE *out);
void usage_data(FILE *out);
void usage_generate(FILE *out);
void usage_gradcheck(FILE *out);
void usage_devices(FILE *out);

#endif
