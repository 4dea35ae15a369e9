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
 *	rejections, 0x2 file open/close, 0x4 job timeouts) printed at
 *	KERN_DEBUG. Default: the ``dbg_mask`` module parameter. Takes effect at
 *	once.
 *
 * ``compute_engines_active`` (1 to the ``compute_engines`` module parameter;
 * default: all the device's engines)
 *	Compute engines that take workgroups: engines 0 to the value minus one;
 *	the others idle (DOC: Engines). Takes effect at once, also for the
 *	dispatch that runs. Anything else written, a number out of range or not
 *	a number, fails with -EINVAL.
 *
 * ``event_policy``, ``aging``, ``prefetch_threshold``, ``migrate_back_kb`` and
 * ``vram_limit_mb`` take effect at once too; the others are read when a VM is
 * created and apply to VMs created after the change:
 *
 * ``notifier_window_mb`` (power of two, 2 to 65536; default 512)
 *	Size of the aligned window one mmu interval notifier covers.
 * ``chunk_sizes`` (KiB, from 4 64 2048; default ``2048 64 4``)
 *	Range sizes the mirror may use, largest first; 4 is always allowed.
 * ``fault_around_kb`` (0 to 2048, a multiple of the page size in KiB, 4 on
 * x86; default 64)
 *	Span on each side of a faulting page whose pages already present on the
 *	CPU side are mapped by the same fault (without faulting them in). A
 *	value that is not whole pages is rejected (-EINVAL).
 * ``fault_max_retries`` (1 to 1000; default 16)
 *	Collisions with invalidations one device fault tolerates before the
 *	engine backs off (200 us to 10 ms between tries) and tries again for as
 *	long as the job may run.
 * ``tlb_entries`` (power of two, 4 to 65536; default 64)
 *	Entries of the copy engine's TLB of each VM (4-way set associative).
 * ``event_policy`` (``precise`` or ``zap_all``; default ``precise``)
 *	``precise`` downgrades device PTEs to read-only on PROTECTION_PAGE and
 *	SOFT_DIRTY invalidations; ``zap_all`` zaps on every event, as existing
 *	drivers do. See DOC: Event policy.
 * ``huge_pages`` (0 or 1; default 1)
 *	Map 2 MiB device pages where the CPU maps memory with a PMD.
 * ``aging`` (0 or 1; default 1)
 *	Answer reclaim's "was this page used?" from the device's accessed bits
 *	too, so that memory the device uses stays resident (DOC: Aging). 0
 *	leaves reclaim to the CPU's bits alone.
 * ``prefetch_threshold`` (0 to 100 percent; default 50)
 *	A device fault faults in the largest aligned region around it of which
 *	at least this share the device already populated (DOC: Prefetch). 0
 *	turns the prefetcher off.
 * ``migrate_back_kb`` (0 to 2048, a multiple of the page size in KiB;
 * default 0)
 *	When the CPU touches a page that lives in the device's memory, the
 *	page moves back to system memory with this span on each side of it
 *	(within its VMA); 0 moves only the page touched (DOC: Device memory).
 * ``vram_limit_mb`` (0 to 16384; default 0)
 *	Device memory migrations may use, MiB; 0: all of it (``vram_mb``).
 *	Lowering it evicts nothing at once; the next migration to the device
 *	evicts down to it first.
 */

#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_svm.h"
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

/**
 * struct vsvm_u32_attr - a u32 tunable with a range
 * @attr: the sysfs attribute
 * @offset: offset of the value in &struct vsvm_tunables
 * @min: smallest valid value
 * @max: largest valid value
 * @pow2: the value must be a power of two
 * @step: the value must be a multiple of it (0: any value)
 */
struct vsvm_u32_attr {
	struct device_attribute attr;
	size_t offset;
	u32 min, max;
	bool pow2;
	u32 step;
};

static u32 *u32_tunable(struct device *dev, struct device_attribute *attr)
{
	struct vsvm_u32_attr *ua = container_of(attr, struct vsvm_u32_attr, attr);

	return (void *)&dev_to_vsvm(dev)->tunables + ua->offset;
}

static ssize_t u32_tunable_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(*u32_tunable(dev, attr)));
}

static ssize_t u32_tunable_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct vsvm_u32_attr *ua = container_of(attr, struct vsvm_u32_attr, attr);
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	if (val < ua->min || val > ua->max || (ua->pow2 && !is_power_of_2(val)) ||
	    (ua->step && val % ua->step))
		return -EINVAL;
	WRITE_ONCE(*u32_tunable(dev, attr), val);
	return count;
}

#define VSVM_U32_TUNABLE(_name, _min, _max, _pow2, _step)			\
	static struct vsvm_u32_attr vsvm_attr_##_name = {			\
		.attr = {							\
			.attr = { .name = #_name, .mode = 0644 },		\
			.show = u32_tunable_show,				\
			.store = u32_tunable_store,				\
		},								\
		.offset = offsetof(struct vsvm_tunables, _name),		\
		.min = (_min), .max = (_max), .pow2 = (_pow2), .step = (_step),	\
	}

VSVM_U32_TUNABLE(notifier_window_mb, 2, 65536, true, 0);
/* Whole pages: a span that is not is no span hmm_range_fault() takes. */
VSVM_U32_TUNABLE(fault_around_kb, 0, 2048, false, PAGE_SIZE / SZ_1K);
VSVM_U32_TUNABLE(fault_max_retries, 1, 1000, false, 0);
VSVM_U32_TUNABLE(tlb_entries, 4, 65536, true, 0);
VSVM_U32_TUNABLE(aging, 0, 1, false, 0);
VSVM_U32_TUNABLE(prefetch_threshold, 0, 100, false, 0);
VSVM_U32_TUNABLE(migrate_back_kb, 0, 2048, false, PAGE_SIZE / SZ_1K);
VSVM_U32_TUNABLE(vram_limit_mb, 0, 16384, false, 0);

static ssize_t huge_pages_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(dev_to_vsvm(dev)->tunables.huge_pages));
}

static ssize_t huge_pages_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	bool val;
	int ret = kstrtobool(buf, &val);

	if (ret)
		return ret;
	WRITE_ONCE(dev_to_vsvm(dev)->tunables.huge_pages, val);
	return count;
}
static DEVICE_ATTR_RW(huge_pages);

static const char * const vsvm_policy_names[] = {
	[VSVM_SVM_POLICY_PRECISE] = "precise",
	[VSVM_SVM_POLICY_ZAP_ALL] = "zap_all",
};

static ssize_t event_policy_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  vsvm_policy_names[READ_ONCE(dev_to_vsvm(dev)->tunables.event_policy)]);
}

static ssize_t event_policy_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t count)
{
	int i = sysfs_match_string(vsvm_policy_names, buf);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(dev_to_vsvm(dev)->tunables.event_policy, i);
	return count;
}
static DEVICE_ATTR_RW(event_policy);

static ssize_t compute_engines_active_show(struct device *dev, struct device_attribute *attr,
					   char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_to_vsvm(dev)->compute.active));
}

static ssize_t compute_engines_active_store(struct device *dev, struct device_attribute *attr,
					    const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	/* A number too large to parse is out of range as well: -EINVAL, not -ERANGE. */
	if (kstrtouint(buf, 0, &val))
		return -EINVAL;
	ret = vsvm_compute_set_active(dev_to_vsvm(dev), val);
	return ret ?: count;
}
static DEVICE_ATTR_RW(compute_engines_active);

static const unsigned long vsvm_chunk_choices[] = { SZ_2M, SZ_64K, SZ_4K };

static ssize_t chunk_sizes_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	unsigned long sizes = READ_ONCE(dev_to_vsvm(dev)->tunables.chunk_sizes);
	int i, len = 0;

	for (i = 0; i < ARRAY_SIZE(vsvm_chunk_choices); i++)
		if (sizes & vsvm_chunk_choices[i])
			len += sysfs_emit_at(buf, len, "%s%lu", len ? " " : "",
					     vsvm_chunk_choices[i] / SZ_1K);
	return len + sysfs_emit_at(buf, len, "\n");
}

/* A list of sizes in KiB, from 4, 64 and 2048, separated by spaces or commas. */
static ssize_t chunk_sizes_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	unsigned long sizes = SZ_4K;
	char *copy, *cur, *tok;
	int i, ret = 0;

	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	while ((tok = strsep(&cur, " ,")) && !ret) {
		unsigned long kb;

		if (!*tok)
			continue;
		ret = kstrtoul(tok, 10, &kb);
		if (ret)
			break;
		ret = -EINVAL;
		for (i = 0; i < ARRAY_SIZE(vsvm_chunk_choices); i++) {
			if (kb * SZ_1K == vsvm_chunk_choices[i]) {
				sizes |= vsvm_chunk_choices[i];
				ret = 0;
			}
		}
	}
	kfree(copy);
	if (ret)
		return ret;
	WRITE_ONCE(dev_to_vsvm(dev)->tunables.chunk_sizes, sizes);
	return count;
}
static DEVICE_ATTR_RW(chunk_sizes);

static struct attribute *vsvm_tunable_attrs[] = {
	&dev_attr_dbg_mask.attr,
	&vsvm_attr_notifier_window_mb.attr.attr,
	&dev_attr_chunk_sizes.attr,
	&vsvm_attr_fault_around_kb.attr.attr,
	&vsvm_attr_aging.attr.attr,
	&vsvm_attr_prefetch_threshold.attr.attr,
	&vsvm_attr_migrate_back_kb.attr.attr,
	&vsvm_attr_vram_limit_mb.attr.attr,
	&vsvm_attr_fault_max_retries.attr.attr,
	&vsvm_attr_tlb_entries.attr.attr,
	&dev_attr_event_policy.attr,
	&dev_attr_huge_pages.attr,
	&dev_attr_compute_engines_active.attr,
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
