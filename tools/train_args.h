/* train_args.h - the command line's half of the trainer settings (train_args.c, prefix trn_ as
 * runtime/train/trainer.h's other half): `xlc train`/`eval`/`generate` options, --config's
 * training: and dataset: sections, the model of a checkpoint named on the command line.
 */
#ifndef XLC_TRAIN_ARGS_H
#define XLC_TRAIN_ARGS_H

#include "driver.h"
#include "trainer.h"

/* Applies the command line (options; positional FILE ENTRY if `positional`) on top of c.
   Errors printed. */
int trn_cfg_from_args(trn_cfg *c, const drv_args *a, int positional);
/* --config: the file's model settings (conf->sets), training: and dataset: sections on top of c
   (before trn_cfg_from_args, so that options given explicitly override the file). Notes for
   ignored keys and errors are printed. */
int trn_cfg_from_config(trn_cfg *c, const drv_config *conf, int positional_model);
/* eval/generate: the model of checkpoint a->pos[0] (an xlc checkpoint: model and settings from
   its metadata; a plain state dict: FILE.xl ENTRY from a->pos[1..2] and --set), with the
   command-line options applied; generation lowers with form=recurrent where the entry has it. */
int trn_open_checkpoint(mdl *m, trn_cfg *c, const drv_args *a, const char *cmd);

#endif
