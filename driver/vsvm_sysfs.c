// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Tunables
 *
 * Each device has a ``tunables`` directory in sysfs, reachable as
 * ``/sys/class/drm/renderD<N>/device/tunables/``, one value per file. A write
 * outside a tunable's range fails with -EINVAL and leaves the value unchanged.
 *
 * ``dbg_mask``
 *	Debug message categories (``VSVM_DBG_*`` bits: 0x1 ioctl argument
 *	rejections, 0x2 file open/close) printed at KERN_DEBUG. Default: the
 *	``dbg_mask`` module parameter.
 */

#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/sysfs.h>

#include "vsvm_drv.h"
#include "vsvm_sysfs.h"

static struct vsvm_device *dev_to_vsvm(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t dbg_mask_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "0x%x\n", READ_ONCE(dev_to_vsvm(dev)->dbg_mask));
}

static ssize_t dbg_mask_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	u32 mask;
	int ret;

	ret = kstrtou32(buf, 0, &mask);
	if (ret)
		return ret;
	if (mask & ~VSVM_DBG_ALL)
		return -EINVAL;
	WRITE_ONCE(dev_to_vsvm(dev)->dbg_mask, mask);
	return count;
}
static DEVICE_ATTR_RW(dbg_mask);

static struct attribute *vsvm_tunable_attrs[] = {
	&dev_attr_dbg_mask.attr,
	NULL
};

static const struct attribute_group vsvm_tunables_group = {
	.name = "tunables",
	.attrs = vsvm_tunable_attrs,
};

const struct attribute_group *vsvm_sysfs_groups[] = {
	&vsvm_tunables_group,
	NULL
};
