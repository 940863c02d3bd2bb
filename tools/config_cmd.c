/* config_cmd.c - `--config FILE` for the subcommands: loads the file (config_file.c), maps its
 * model: section to settings of the stdlib entry (official_config.c) and fits them to the
 * entry's configuration parameters. Prints notes for ignored keys and errors; decides nothing
 * about training (train_args.c maps training: and dataset:).
 */
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "driver.h"
#include "model.h"

void drv_config_error(const char *err) {
  if (strstr(err, ": error: ")) fprintf(stderr, "%s\n", err);
  else drv_error("%s", err);
}

void drv_config_free(drv_config *c) {
  for (int i = 0; i < c->nsets; i++) free(c->sets[i]);
  free(c->sets);
  cJSON_Delete(c->root);
  memset(c, 0, sizeof *c);
}

/* index of setting `key` in c->sets, or -1 */
static int find_set(const drv_config *c, const char *key) {
  size_t kl = strlen(key);
  for (int i = 0; i < c->nsets; i++)
    if (!strncmp(c->sets[i], key, kl) && c->sets[i][kl] == '=') return i;
  return -1;
}

int drv_config_load(drv_config *c, const char *path, const char *xl, const char *entry) {
  memset(c, 0, sizeof *c);
  c->path = path;
  c->decay_embedding = -1;
  char *err = NULL;
  c->root = cfgf_load(path, &err);
  cfgf_model m = {0};
  if (!c->root || cfgf_model_map(c->root, path, &m, &err) != 0) {
    drv_config_error(err ? err : "cannot read the configuration");
    free(err);
    cfgf_model_free(&m);
    drv_config_free(c);
    return XLC_EXIT_USER;
  }
  for (int i = 0; i < m.nnotes; i++) drv_note("%s", m.notes[i]);
  c->entry = m.entry;
  c->context_length = m.context_length;
  char *file = xl ? xl_strdup(xl) : drv_stdlib_path();
  const char *ent = entry ? entry : m.entry;
  int rc = XLC_EXIT_OK;
  c->sets = xl_calloc((size_t)m.nkv + 1, sizeof(char *));
  for (int i = 0; i < m.nkv && rc == 0; i++) {
    const char *kv = m.kv[i], *eq = strchr(kv, '=');
    char *key = xl_strndup(kv, (size_t)(eq - kv));
    if (!strcmp(key, "decay_embedding")) { /* AdamW's grouping: an option of the trainer */
      c->decay_embedding = !strcmp(eq + 1, "true");
    } else if (mdl_entry_has_config(file, NULL, ent, key)) {
      c->sets[c->nsets++] = xl_strdup(kv);
    } else {
      /* an entry with one head count / kernel size for both block kinds */
      const char *shared = !strcmp(key, "mlstm_NH") || !strcmp(key, "slstm_NH") ? "NH"
                           : !strcmp(key, "mlstm_K") || !strcmp(key, "slstm_K") ? "K"
                                                                                : NULL;
      if (shared && mdl_entry_has_config(file, NULL, ent, shared)) {
        char *nkv = xl_fmt("%s=%s", shared, eq + 1);
        int j = find_set(c, shared);
        if (j < 0) {
          c->sets[c->nsets++] = nkv;
        } else {
          if (strcmp(c->sets[j], nkv)) {
            drv_error("%s: %s in %s has one %s for mLSTM and sLSTM blocks; the model section gives %s and %s", path,
                      ent, file, shared, strchr(c->sets[j], '=') + 1, eq + 1);
            rc = XLC_EXIT_USER;
          }
          free(nkv);
        }
      } else {
        drv_error("%s: model: maps to the setting %s, which %s in %s does not have", path, kv, ent, file);
        rc = XLC_EXIT_USER;
      }
    }
    free(key);
  }
  free(file);
  cfgf_model_free(&m);
  if (rc) drv_config_free(c);
  return rc;
}
