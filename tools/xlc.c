/* xlc.c - the xlc driver: main, the table of subcommands, the top-level usage.
 *
 * `xlc COMMAND ARGS...` looks COMMAND up in `commands` and hands it argv from COMMAND on.
 * Each subcommand lives in its own tools/cmd_NAME.c with its own usage text; the usage lists
 * the backends from their table (runtime/backend.h). This file decides nothing about
 * compiling or running; it fills the process's options once (defaults, then the environment:
 * runtime/options_env.h; the commands read them with drv_options() and apply their flags on
 * top), configures the JIT with them and dispatches.
 */
#include <string.h>

#include "backend.h"
#include "driver.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  void (*usage)(FILE *out);
  const char *summary;
} command;

static const command commands[] = {
    {"check", cmd_check, usage_check, "parse and check every definition of a .xl file"},
    {"dump", cmd_dump, usage_dump, "print a pipeline stage (tokens, ast, cg, cg-grad, kplan, kir, mlir)"},
    {"run", cmd_run, usage_run, "run an entry on safetensors files (compiled cpu backend or the reference executor)"},
    {"gradcheck", cmd_gradcheck, usage_gradcheck, "compare an entry's autodiff gradients with finite differences (f64)"},
    {"refcheck", cmd_refcheck, usage_refcheck, "compare stdlib entries with official reference cases"},
    {"bench", cmd_bench, usage_bench, "forward and training-step throughput (presets A-D)"},
    {"build", cmd_build, usage_build, "compile an entry's kernels: MLIR, LLVM IR, asm; CUDA C, PTX with --target cuda"},
    {"train", cmd_train, usage_train, "train a token model on a built-in task or a file (checkpoints, resume)"},
    {"data", cmd_data, usage_data, "show batches of a built-in task or data file (tokens, scored targets)"},
    {"eval", cmd_eval, usage_eval, "loss, accuracy and scaled accuracy of a checkpoint on a task"},
    {"generate", cmd_generate, usage_generate, "prefill a prompt and decode token by token (streaming)"},
    {"devices", cmd_devices, usage_devices, "list the CUDA GPUs, or say why there are none"},
};
#define NCOMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void usage(FILE *out) {
  fprintf(out,
          "usage: xlc COMMAND [ARGS...]\n"
          "\n"
          "Compiler and runtime for gated recurrent sequence models written in .xl.\n"
          "\n"
          "commands:\n");
  for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "  %-10s %s\n", "help", "show this text; `xlc help COMMAND` shows one command");
  fprintf(out, "\nbackends (--backend NAME of run, refcheck, bench, train, eval, generate):\n");
  xl_backend_list(out);
  fprintf(out,
          "\n"
          "`xlc COMMAND --help` shows the options of a command.\n"
          "exit status: 0 success, 1 user error (reported), 2 internal error\n");
}

static const command *find_command(const char *name) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

/* Reports a name that is not a command; returns the exit code. */
static int not_a_command(const char *name) {
  drv_error("unknown command '%s'", name);
  usage(stderr);
  return XLC_EXIT_USER;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return XLC_EXIT_USER;
  }
  const char *name = argv[1];
  if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    if (argc < 3) {
      usage(stdout);
      return XLC_EXIT_OK;
    }
    const command *c = find_command(argv[2]);
    if (!c) return not_a_command(argv[2]);
    c->usage(stdout);
    return XLC_EXIT_OK;
  }
  const command *c = find_command(name);
  if (c) {
    xl_options o = xl_options_default();
    xl_options_from_env(&o);
    drv_options_set(&o);
    xl_backend_configure(&o); /* the JIT's settings where the cpu backend is built */
  }
  if (!c) {
    if (name[0] == '-') {
      drv_error("unknown option '%s' (options go after the command)", name);
      usage(stderr);
      return XLC_EXIT_USER;
    }
    return not_a_command(name);
  }
  return c->fn(argc - 1, argv + 1);
}
