/* SPDX-License-Identifier: MIT */
/* rundir.h - where a background session and the stored filters live (until reboot). */
#ifndef PKTMON_RUNDIR_H
#define PKTMON_RUNDIR_H

#include <stddef.h>

#include "filter.h"

/* $PKTMON_RUN_DIR, else $XDG_RUNTIME_DIR/pktmon, else /run/pktmon for root, else
 * /tmp/pktmon-UID. Created (0700) when `create`. An existing folder is used only when it
 * is a real directory of ours that nobody else may write to; NULL with a message in err
 * otherwise. Files in it are opened with O_NOFOLLOW. */
const char *rundir(int create, char *err, size_t errlen);
/* rundir()/name into buf; -1 if it does not fit or there is no run directory. */
int rundir_path(const char *name, char *buf, size_t len, int create, char *err, size_t errlen);

/* The filters of `pktmon filter add`, one line each in pm_filter_format()'s form. */
int rundir_filters_load(struct pm_filter *out, size_t *n, char *err, size_t errlen);
int rundir_filters_save(const struct pm_filter *f, size_t n, char *err, size_t errlen);

#endif
