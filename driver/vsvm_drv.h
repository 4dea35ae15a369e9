/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_DRV_H__
#define __VSVM_DRV_H__

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/types.h>

#include <drm/drm_device.h>
#include <drm/drm_print.h>

#include <drm/gpu_scheduler.h>

#include "vsvm_drm.h"
#include "vsvm_engine.h"
#include "vsvm_job.h"
#include "vsvm_vram.h"

#define DRIVER_NAME	"vsvm"
#define DRIVER_DESC	"Virtual SVM compute accelerator"
#define DRIVER_MAJOR	0
#define DRIVER_MINOR	1
#define DRIVER_PATCHLEVEL 0

/* Debug categories of vsvm_dbg(), bits of the per-device dbg_mask tunable. */
#define VSVM_DBG_IOCTL	BIT(0)	/* why an ioctl rejected its arguments */
#define VSVM_DBG_FILE	BIT(1)	/* open and close of device files */
#define VSVM_DBG_JOB	BIT(2)	/* job timeouts */
#define VSVM_DBG_ALL	(VSVM_DBG_IOCTL | VSVM_DBG_FILE | VSVM_DBG_JOB)

/* Copy engines per device: VMs whose jobs can run at the same time. */
#define VSVM_COPY_ENGINES	4

/**
 * struct vsvm_counters - device-wide event counters, shown in debugfs
 * @files_opened: device files opened since probe
 * @files_open: device files open now
 * @ioctls_rejected: vsvm ioctls that rejected their arguments
 * @jobs_timed_out: jobs stopped by the scheduler's timeout
 */
struct vsvm_counters {
	atomic64_t files_opened;
	atomic64_t files_open;
	atomic64_t ioctls_rejected;
	atomic64_t jobs_timed_out;
};

/**
 * struct vsvm_tunables - per-device tunables (sysfs, see DOC: Tunables)
 * @notifier_window_mb: size of a notifier window, MiB (power of two)
 * @chunk_sizes: range sizes the mirror may use, mask of byte sizes
 * @fault_around_kb: span around a fault mapped from present CPU pages, KiB
 * @fault_max_retries: collisions with invalidations a fault tolerates
 * @tlb_entries: entries of each engine TLB
 * @event_policy: &enum vsvm_svm_policy
 * @huge_pages: map 2 MiB device pages for PMD-mapped memory
 * @aging: answer reclaim from the device's accessed bits (DOC: Aging)
 * @prefetch_threshold: density threshold of the prefetcher, percent, 0 off
 *	(DOC: Prefetch)
 * @migrate_back_kb: span around a page the CPU touches in device memory
 *	that moves back with it, KiB (DOC: Device memory)
 * @vram_limit_mb: device memory that may be allocated, MiB; 0: all of it
 *
 * Except event_policy, aging and prefetch_threshold they are read when a VM
 * is created.
 */
struct vsvm_tunables {
	u32 notifier_window_mb;
	unsigned long chunk_sizes;
	u32 fault_around_kb;
	u32 fault_max_retries;
	u32 tlb_entries;
	u32 event_policy;
	bool huge_pages;
	u32 aging;
	u32 prefetch_threshold;
	u32 migrate_back_kb;
	u32 vram_limit_mb;
};

/**
 * struct vsvm_device - one virtual accelerator
 * @drm: the DRM device (render node)
 * @pdev: the platform device it is bound to
 * @dbg_mask: enabled VSVM_DBG_* categories (sysfs tunable)
 * @tunables: the other tunables
 * @counters: event counters (debugfs)
 * @vms_lock: protects @vms
 * @vms: every VM of the device (for debugfs)
 * @retired: counters of the VMs already destroyed, for the device totals
 * @copy_wq: the copy engines: a workqueue running up to VSVM_COPY_ENGINES
 *	VMs' jobs at once
 * @migrate_wq: the copy engines' migration channel (vsvm_copy_migrate()),
 *	apart from @copy_wq so that a migration never waits behind a job
 *	whose fault waits for that migration's pages
 * @compute: the compute engines
 * @sched: one scheduler per &enum vsvm_engine_class
 * @vram: the device's own memory (DOC: Device memory)
 */
struct vsvm_device {
	struct drm_device drm;
	struct platform_device *pdev;
	u32 dbg_mask;
	struct vsvm_tunables tunables;
	struct vsvm_counters counters;
	struct mutex vms_lock; /* protects @vms and @retired */
	struct list_head vms;
	u64 retired[DRM_VSVM_COUNTER_COUNT];
	struct workqueue_struct *copy_wq;
	struct workqueue_struct *migrate_wq;
	struct vsvm_compute compute;
	struct drm_gpu_scheduler sched[VSVM_ENGINE_CLASSES];
	struct vsvm_vram vram;
};

/* Devices the module creates at most (num_devices). */
#define VSVM_MAX_DEVICES 16

extern unsigned int vsvm_num_devices;
extern unsigned int vsvm_compute_engines;
extern unsigned int vsvm_job_timeout_ms;

/**
 * vsvm_reject_errno() - fail an ioctl on bad input, saying why at debug level
 * @vdev: the device
 * @err: the negative errno to return
 * @fmt: the reason, printf-style
 *
 * Counts the rejection (counter ioctls_rejected) and logs the reason under
 * VSVM_DBG_IOCTL.
 */
#define vsvm_reject_errno(vdev, err, fmt, ...)				\
	({								\
		struct vsvm_device *__rvdev = (vdev);			\
									\
		atomic64_inc(&__rvdev->counters.ioctls_rejected);	\
		vsvm_dbg(__rvdev, VSVM_DBG_IOCTL, fmt, ##__VA_ARGS__);	\
		(err);							\
	})

/* vsvm_reject_errno() with -EINVAL, the usual answer to a malformed argument. */
#define vsvm_reject(vdev, fmt, ...) vsvm_reject_errno(vdev, -EINVAL, fmt, ##__VA_ARGS__)

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
