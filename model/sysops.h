/* SPDX-License-Identifier: MIT */
/*
 * model/sysops.h - helpers shared by model/sys.c and model/sysops.c.
 */
#ifndef PCSIM_MODEL_SYSOPS_H
#define PCSIM_MODEL_SYSOPS_H

#include "model/core.h"

void sys_close_fd(struct kernel *k, struct proc *p, int fd);
/* Disk contents of every live file equal the oracle (after sync/unmount). */
void check_disk(struct kernel *k, const char *when);

#endif /* PCSIM_MODEL_SYSOPS_H */
