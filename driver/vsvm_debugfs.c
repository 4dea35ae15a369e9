// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Counters
 *
 * ``/sys/kernel/debug/dri/vsvm.<N>/counters`` shows the device's counters as
 * ``name value`` lines:
 *
 * ``files_opened``
 *	device files opened since the device was created
 * ``files_open``
 *	device files open now
 * ``ioctls_rejected``
 *	vsvm ioctls that rejected their arguments (-EINVAL); with the
 *	``dbg_mask`` tunable's bit 0x1 set, the reason is logged
 */

#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>

#include "vsvm_debugfs.h"
#include "vsvm_drv.h"

static int vsvm_debugfs_counters_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_counters *c = &to_vsvm_device(entry->dev)->counters;

	seq_printf(m, "files_opened %lld\n", atomic64_read(&c->files_opened));
	seq_printf(m, "files_open %lld\n", atomic64_read(&c->files_open));
	seq_printf(m, "ioctls_rejected %lld\n", atomic64_read(&c->ioctls_rejected));
	return 0;
}

/**
 * vsvm_debugfs_init() - declare the device's debugfs files
 * @vdev: the device, not yet registered
 *
 * The DRM core creates the files when the device is registered.
 */
void vsvm_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "counters", vsvm_debugfs_counters_show, NULL);
}
