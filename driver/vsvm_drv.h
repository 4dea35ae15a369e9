/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_DRV_H__
#define __VSVM_DRV_H__

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/platform_device.h>
#include <linux/types.h>

#include <drm/drm_device.h>
#include <drm/drm_print.h>

#define DRIVER_NAME	"vsvm"
#define DRIVER_DESC	"Virtual SVM compute accelerator"
#define DRIVER_MAJOR	0
#define DRIVER_MINOR	1
#define DRIVER_PATCHLEVEL 0

/* Debug categories of vsvm_dbg(), bits of the per-device dbg_mask tunable. */
#define VSVM_DBG_IOCTL	BIT(0)	/* why an ioctl rejected its arguments */
#define VSVM_DBG_FILE	BIT(1)	/* open and close of device files */
#define VSVM_DBG_ALL	(VSVM_DBG_IOCTL | VSVM_DBG_FILE)

/**
 * struct vsvm_counters - device-wide event counters, shown in debugfs
 * @files_opened: device files opened since probe
 * @files_open: device files open now
 * @ioctls_rejected: vsvm ioctls that rejected their arguments
 */
struct vsvm_counters {
	atomic64_t files_opened;
	atomic64_t files_open;
	atomic64_t ioctls_rejected;
};

/**
 * struct vsvm_device - one virtual accelerator
 * @drm: the DRM device (render node)
 * @pdev: the platform device it is bound to
 * @dbg_mask: enabled VSVM_DBG_* categories (sysfs tunable)
 * @counters: event counters (debugfs)
 */
struct vsvm_device {
	struct drm_device drm;
	struct platform_device *pdev;
	u32 dbg_mask;
	struct vsvm_counters counters;
};

extern unsigned int vsvm_num_devices;

static inline struct vsvm_device *to_vsvm_device(struct drm_device *drm)
{
	return container_of(drm, struct vsvm_device, drm);
}

__printf(2, 3) void __vsvm_dbg(const struct vsvm_device *vdev, const char *fmt, ...);

/**
 * vsvm_dbg() - log a debug message of one category
 * @vdev: the device
 * @cat: VSVM_DBG_* category, enabled through the device's dbg_mask tunable
 * @fmt: printf-style format
 *
 * Messages are printed at KERN_DEBUG; a category is off unless its bit is set
 * in /sys/class/drm/renderD<N>/device/tunables/dbg_mask. A disabled category
 * costs one load and a branch.
 */
#define vsvm_dbg(vdev, cat, fmt, ...)					\
	do {								\
		const struct vsvm_device *__vdev = (vdev);		\
									\
		if (unlikely(READ_ONCE(__vdev->dbg_mask) & (cat)))	\
			__vsvm_dbg(__vdev, fmt, ##__VA_ARGS__);		\
	} while (0)

#endif /* __VSVM_DRV_H__ */
