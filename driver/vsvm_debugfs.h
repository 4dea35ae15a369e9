/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_DEBUGFS_H__
#define __VSVM_DEBUGFS_H__

struct vsvm_device;

void vsvm_debugfs_init(struct vsvm_device *vdev);

#endif /* __VSVM_DEBUGFS_H__ */
