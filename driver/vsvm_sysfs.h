/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_SYSFS_H__
#define __VSVM_SYSFS_H__

struct attribute_group;

extern const struct attribute_group *vsvm_sysfs_groups[];

#endif /* __VSVM_SYSFS_H__ */
