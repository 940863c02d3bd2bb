/* args.c - the command line's option scanner (drv_args_parse, driver.h): every subcommand's
 * argv into positional arguments and the options of its spec. Errors name the subcommand and
 * point at `xlc CMD --help`; the scanner decides nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static const drv_optspec *find_spec(const drv_optspec *spec, const char *name, size_t len) {
  for (; spec && spec->name; spec++)
    if (strlen(spec->name) == len && strncmp(spec->name, name, len) == 0) return spec;
  return NULL;
}

int drv_args_parse(drv_args *a, int argc, char **argv, const char *cmd, const drv_optspec *spec) {
  memset(a, 0, sizeof *a);
  int only_pos = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (only_pos || arg[0] != '-' || arg[1] == 0) {
      xl_vec_push(a->pos, arg);
      continue;
    }
    if (strcmp(arg, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      a->help = 1;
      continue;
    }
    if (arg[1] != '-') {
      drv_error("unknown option '%s' for 'xlc %s' (see 'xlc %s --help')", arg, cmd, cmd);
      return -1;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const drv_optspec *sp = find_spec(spec, name, len);
    if (!sp) {
      drv_error("unknown option '--%.*s' for 'xlc %s' (see 'xlc %s --help')", (int)len, name, cmd,
                cmd);
      return -1;
    }
    drv_opt o = {sp->name, NULL};
    if (sp->has_arg) {
      if (eq) {
        o.val = eq + 1;
      } else if (i + 1 < argc) {
        o.val = argv[++i];
      } else {
        drv_error("option '--%s' needs a value (see 'xlc %s --help')", sp->name, cmd);
        return -1;
      }
    } else if (eq) {
      drv_error("option '--%s' takes no value", sp->name);
      return -1;
    }
    xl_vec_push(a->opts, o);
  }
  return 0;
}

void drv_args_free(drv_args *a) {
  free(a->pos.v);
  free(a->opts.v);
  memset(a, 0, sizeof *a);
}
