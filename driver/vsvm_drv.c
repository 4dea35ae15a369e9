// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Overview
 *
 * vsvm is a DRM driver for a virtual compute accelerator whose device MMU
 * mirrors the address space of the process that uses it (HMM shared virtual
 * memory). The module creates ``num_devices`` platform devices named
 * ``vsvm.<N>``; each binds to this driver and registers a DRM render node.
 *
 * The driver is built in three layers: the device-independent mirror core
 * (interval notifiers, ranges, the fault path and the event policy), the
 * virtual device behind it (page table, TLB, engines), and this DRM glue
 * (device registration, ioctls, sysfs tunables, debugfs counters) on top.
 *
 * Tunables live in ``/sys/class/drm/renderD<N>/device/tunables/``, counters in
 * ``/sys/kernel/debug/dri/vsvm.<N>/``; docs/ lists them all.
 */

/**
 * DOC: Device removal
 *
 * Unbinding a device (``/sys/bus/platform/drivers/vsvm/unbind``, or module
 * removal, which the open files' module references prevent while any is
 * open) calls drm_dev_unplug(). From then on the DRM core fails every ioctl
 * of the files still open with -ENODEV. The ioctls that touch the device
 * (VM_CREATE, EXEC, PREFETCH) and the engines' work run inside
 * drm_dev_enter()/drm_dev_exit(), so the unplug waits for those in flight:
 * a running copy job stops at its next piece (it checks
 * drm_dev_is_unplugged()), a running compute job at its next interpreter
 * check, and both end with %DRM_VSVM_JOB_CANCELED, as do the jobs that had
 * not started. After drm_dev_unplug() returns no engine touches process
 * memory. The &struct vsvm_device, its schedulers, engines and VMs stay
 * until the last file is closed (drmm-managed), so closing a file after the
 * removal frees its VMs as usual; binding the device again creates a new
 * DRM device and render node.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>

#include "vsvm_debugfs.h"
#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_job.h"
#include "vsvm_param.h"
#include "vsvm_svm.h"
#include "vsvm_sysfs.h"
#include "vsvm_tlb.h"
#include "vsvm_vm.h"

unsigned int vsvm_num_devices = 1;
module_param_named(num_devices, vsvm_num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of vsvm devices to create (1-16, default 1)");

unsigned int vsvm_compute_engines;
module_param_named(compute_engines, vsvm_compute_engines, uint, 0444);
MODULE_PARM_DESC(compute_engines,
		 "Compute engines (kernel threads) per device, 1-8 (default 0: one per online CPU, at most 8)");

unsigned int vsvm_job_timeout_ms = 10000;
module_param_named(job_timeout_ms, vsvm_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "A job running longer is stopped, in ms, 1-3600000 (default 10000)");

module_param_named(vram_mb, vsvm_vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb, "Device memory of each device, MiB, 0-16384 (default 256; 0: none)");

static unsigned int vsvm_default_dbg_mask;
module_param_named(dbg_mask, vsvm_default_dbg_mask, uint, 0444);
MODULE_PARM_DESC(dbg_mask, "Initial dbg_mask tunable of each device (VSVM_DBG_* bits)");

static struct platform_device *vsvm_pdevs[VSVM_MAX_DEVICES];

void __vsvm_dbg(const struct vsvm_device *vdev, const char *fmt, ...)
{
	struct device *dev = vdev->drm.dev;
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_printk_emit(LOGLEVEL_DEBUG, dev, "%s %s: %pV", dev_driver_string(dev),
			dev_name(dev), &vaf);
	va_end(args);
}

static int vsvm_open(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct vsvm_file *vfile;

	vfile = kzalloc(sizeof(*vfile), GFP_KERNEL);
	if (!vfile)
		return -ENOMEM;
	xa_init_flags(&vfile->vms, XA_FLAGS_ALLOC1);
	file->driver_priv = vfile;

	atomic64_inc(&vdev->counters.files_opened);
	atomic64_inc(&vdev->counters.files_open);
	vsvm_dbg(vdev, VSVM_DBG_FILE, "open by pid %d\n", task_tgid_nr(current));
	return 0;
}

static void vsvm_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);

	vsvm_vm_file_close(file->driver_priv);
	kfree(file->driver_priv);
	atomic64_dec(&vdev->counters.files_open);
	vsvm_dbg(vdev, VSVM_DBG_FILE, "close by pid %d\n", task_tgid_nr(current));
}

static const struct drm_ioctl_desc vsvm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VSVM_GET_PARAM, vsvm_param_get_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_CREATE, vsvm_vm_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_DESTROY, vsvm_vm_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_EXEC, vsvm_exec_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_WAIT, vsvm_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_COUNTERS, vsvm_vm_counters_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_PREFETCH, vsvm_vm_prefetch_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_SET_ATTR, vsvm_vm_set_attr_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_GET_ATTR, vsvm_vm_get_attr_ioctl, DRM_RENDER_ALLOW),
};

static const struct file_operations vsvm_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	/* drm_open() refuses (and warns about) fops without it. */
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver vsvm_driver = {
	.driver_features = DRIVER_RENDER | DRIVER_SYNCOBJ,
	.open = vsvm_open,
	.postclose = vsvm_postclose,
	.ioctls = vsvm_ioctls,
	.num_ioctls = ARRAY_SIZE(vsvm_ioctls),
	.fops = &vsvm_fops,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
	.patchlevel = DRIVER_PATCHLEVEL,
};

static void vsvm_destroy_wq(struct drm_device *drm, void *wq)
{
	destroy_workqueue(wq);
}

static void vsvm_compute_release(struct drm_device *drm, void *data)
{
	vsvm_compute_fini(to_vsvm_device(drm));
}

static int vsvm_probe(struct platform_device *pdev)
{
	struct vsvm_device *vdev;
	int ret;

	vdev = devm_drm_dev_alloc(&pdev->dev, &vsvm_driver, struct vsvm_device, drm);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->pdev = pdev;
	vdev->dbg_mask = vsvm_default_dbg_mask & VSVM_DBG_ALL;
	vdev->tunables = (struct vsvm_tunables) {
		.notifier_window_mb = 512,
		.chunk_sizes = SZ_2M | SZ_64K | SZ_4K,
		.fault_around_kb = 64,
		.fault_max_retries = 16,
		.tlb_entries = VSVM_TLB_DEFAULT_ENTRIES,
		.event_policy = VSVM_SVM_POLICY_PRECISE,
		.huge_pages = true,
		.aging = 1,
		.prefetch_threshold = 50,
	};
	INIT_LIST_HEAD(&vdev->vms);
	ret = drmm_mutex_init(&vdev->drm, &vdev->vms_lock);
	if (ret)
		return ret;
	/*
	 * The DRM core declares its debugfs file gem_names for every driver
	 * (drm_debugfs_add_files() ignores the DRIVER_GEM the entry asks
	 * for), and reading it takes object_name_lock, which only
	 * drm_gem_init() sets up: without GEM, set up the lock and the
	 * (empty) name table here, or a read is a lockdep splat.
	 */
	idr_init(&vdev->drm.object_name_idr);
	ret = drmm_mutex_init(&vdev->drm, &vdev->drm.object_name_lock);
	if (ret)
		return ret;
	vdev->copy_wq = alloc_workqueue("vsvm-copy.%d", WQ_UNBOUND, VSVM_COPY_ENGINES, pdev->id);
	if (!vdev->copy_wq)
		return -ENOMEM;
	ret = drmm_add_action_or_reset(&vdev->drm, vsvm_destroy_wq, vdev->copy_wq);
	if (ret)
		return ret;
	/*
	 * Migrations copy while they hold the pages locked, sometimes on the
	 * way out of reclaim's reach (a fault that must make progress): a
	 * rescuer keeps them going when no worker can be created.
	 */
	vdev->migrate_wq = alloc_workqueue("vsvm-migrate.%d", WQ_UNBOUND | WQ_MEM_RECLAIM,
					   VSVM_COPY_ENGINES, pdev->id);
	if (!vdev->migrate_wq)
		return -ENOMEM;
	ret = drmm_add_action_or_reset(&vdev->drm, vsvm_destroy_wq, vdev->migrate_wq);
	if (ret)
		return ret;
	ret = vsvm_compute_init(vdev, vsvm_compute_engines);
	if (ret)
		return ret;
	ret = drmm_add_action_or_reset(&vdev->drm, vsvm_compute_release, NULL);
	if (ret)
		return ret;
	/* After the engines: the schedulers are torn down first. */
	ret = vsvm_job_sched_init(vdev);
	if (ret)
		return ret;
	ret = vsvm_vram_init(vdev);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, vdev);

	vsvm_debugfs_init(vdev);

	ret = drm_dev_register(&vdev->drm, 0);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot register DRM device\n");

	drm_info(&vdev->drm, "vsvm %d.%d.%d: render node %s\n", DRIVER_MAJOR,
		 DRIVER_MINOR, DRIVER_PATCHLEVEL,
		 vdev->drm.render ? dev_name(vdev->drm.render->kdev) : "none");
	return 0;
}

static void vsvm_remove(struct platform_device *pdev)
{
	struct vsvm_device *vdev = platform_get_drvdata(pdev);

	drm_dev_unplug(&vdev->drm);
}

static struct platform_driver vsvm_platform_driver = {
	.probe = vsvm_probe,
	.remove = vsvm_remove,
	.driver = {
		.name = DRIVER_NAME,
		.dev_groups = vsvm_sysfs_groups,
	},
};

static void vsvm_destroy_devices(void)
{
	int i;

	for (i = VSVM_MAX_DEVICES - 1; i >= 0; i--) {
		platform_device_unregister(vsvm_pdevs[i]);
		vsvm_pdevs[i] = NULL;
	}
}

static int __init vsvm_init(void)
{
	unsigned int i;
	int ret;

	if (!vsvm_num_devices || vsvm_num_devices > VSVM_MAX_DEVICES) {
		pr_err("vsvm: num_devices=%u outside 1..%d\n", vsvm_num_devices,
		       VSVM_MAX_DEVICES);
		return -EINVAL;
	}
	/* The parameter then reads back as the number chosen. */
	if (!vsvm_compute_engines)
		vsvm_compute_engines = min_t(unsigned int, num_online_cpus(),
					     VSVM_MAX_COMPUTE_ENGINES);
	if (vsvm_compute_engines > VSVM_MAX_COMPUTE_ENGINES) {
		pr_err("vsvm: compute_engines=%u outside 1..%d\n", vsvm_compute_engines,
		       VSVM_MAX_COMPUTE_ENGINES);
		return -EINVAL;
	}
	if (vsvm_vram_mb > 16384) {
		pr_err("vsvm: vram_mb=%u outside 0..16384\n", vsvm_vram_mb);
		return -EINVAL;
	}
	if (!vsvm_job_timeout_ms || vsvm_job_timeout_ms > 3600000) {
		pr_err("vsvm: job_timeout_ms=%u outside 1..3600000\n", vsvm_job_timeout_ms);
		return -EINVAL;
	}

	ret = platform_driver_register(&vsvm_platform_driver);
	if (ret)
		return ret;

	for (i = 0; i < vsvm_num_devices; i++) {
		vsvm_pdevs[i] = platform_device_register_simple(DRIVER_NAME, i, NULL, 0);
		if (IS_ERR(vsvm_pdevs[i])) {
			ret = PTR_ERR(vsvm_pdevs[i]);
			vsvm_pdevs[i] = NULL;
			goto err_destroy_devices;
		}
		if (!platform_get_drvdata(vsvm_pdevs[i])) {
			/* Probe failed; its reason is in the log. */
			ret = -ENODEV;
			goto err_destroy_devices;
		}
	}
	return 0;

err_destroy_devices:
	vsvm_destroy_devices();
	platform_driver_unregister(&vsvm_platform_driver);
	return ret;
}

static void __exit vsvm_exit(void)
{
	vsvm_destroy_devices();
	platform_driver_unregister(&vsvm_platform_driver);
}

module_init(vsvm_init);
module_exit(vsvm_exit);

MODULE_AUTHOR("The vsvm authors");
MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
