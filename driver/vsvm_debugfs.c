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
 *	vsvm ioctls that rejected their arguments; with the ``dbg_mask``
 *	tunable's bit 0x1 set, the reason is logged
 * ``jobs_timed_out``
 *	jobs the scheduler stopped after ``job_timeout_ms``
 * ``compute_groups.<n>``
 *	workgroups compute engine <n> ran
 * ``vram_bytes``
 *	size of the device's own memory (DOC: Device memory); 0 without it
 * ``vram_used_bytes``
 *	of it, allocated now
 * ``vram_migrated_to_device``
 *	pages moved from system memory to the device (a prefetch with
 *	``DRM_VSVM_PREFETCH_TO_DEVICE``)
 * ``vram_migrated_to_ram``
 *	pages moved back because the CPU touched them (the page touched and
 *	its ``migrate_back_kb`` neighbourhood)
 * ``vram_migrated_to_ram_asked``
 *	pages moved back by a prefetch with ``DRM_VSVM_PREFETCH_TO_SYSTEM``
 * ``vram_evicted``
 *	pages moved back to make room for a migration to the device
 * ``vram_alloc_failed``
 *	pages a migration to the device left in system memory because device
 *	memory stayed full after eviction
 * ``vram_engine_copied``
 *	pages the copy engines copied for migrations, either way
 * ``vms``
 *	VMs alive
 *
 * followed by the VM counters below summed over all the device's VMs (the
 * event counts of destroyed VMs included; ``ranges_alive``,
 * ``notifiers_alive`` and ``pt_bytes`` over the live VMs only).
 *
 * ``/sys/kernel/debug/dri/vsvm.<N>/vms`` shows, for every VM of the device, a
 * line ``vm <id> pid <pid> comm <comm>`` followed by its counters as
 * ``  name value`` lines: the same counters user space reads with
 * DRM_IOCTL_VSVM_VM_COUNTERS (see &enum drm_vsvm_counter for their meaning).
 * VM ids are per open file, so two processes may each have a VM 1; the pid
 * (in the initial pid namespace) and the command name of the process that
 * created the VM tell them apart. The command name is the rest of the line
 * and may contain spaces.
 */

#include <linux/pid.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>

#include "vsvm_debugfs.h"
#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_vm.h"

#define VSVM_COUNTER_NAME(id, name) \
	[DRM_VSVM_COUNTER_##id] = name,
static const char * const vsvm_counter_names[DRM_VSVM_COUNTER_COUNT] = {
	DRM_VSVM_COUNTER_NAMES(VSVM_COUNTER_NAME)
};

#undef VSVM_COUNTER_NAME

/* The VM counters summed over the device's VMs, destroyed ones included. */
static void vsvm_debugfs_device_totals(struct seq_file *m, struct vsvm_device *vdev)
{
	u64 total[DRM_VSVM_COUNTER_COUNT], counters[DRM_VSVM_COUNTER_COUNT];
	struct vsvm_vm *vm;
	unsigned int i, vms = 0;

	mutex_lock(&vdev->vms_lock);
	memcpy(total, vdev->retired, sizeof(total));
	list_for_each_entry(vm, &vdev->vms, link) {
		vsvm_vm_counters(vm, counters);
		for (i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
			total[i] += counters[i];
		vms++;
	}
	mutex_unlock(&vdev->vms_lock);

	seq_printf(m, "vms %u\n", vms);
	for (i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
		seq_printf(m, "%s %llu\n", vsvm_counter_names[i], total[i]);
}

static void vsvm_debugfs_engines(struct seq_file *m, struct vsvm_device *vdev)
{
	unsigned int i;

	for (i = 0; i < vdev->compute.num_engines; i++)
		seq_printf(m, "compute_groups.%u %lld\n", i,
			   atomic64_read(&vdev->compute.engines[i].groups));
}

static void vsvm_debugfs_vram(struct seq_file *m, struct vsvm_vram *vram)
{
	seq_printf(m, "vram_bytes %llu\n", (u64)vram->npages << PAGE_SHIFT);
	seq_printf(m, "vram_used_bytes %llu\n", (u64)vsvm_vram_used(vram) << PAGE_SHIFT);
	seq_printf(m, "vram_migrated_to_device %llu\n",
		   vsvm_vram_stat(vram, VSVM_VRAM_STAT_TO_DEVICE));
	seq_printf(m, "vram_migrated_to_ram %llu\n", vsvm_vram_stat(vram, VSVM_VRAM_STAT_TO_RAM));
	seq_printf(m, "vram_migrated_to_ram_asked %llu\n",
		   vsvm_vram_stat(vram, VSVM_VRAM_STAT_TO_RAM_ASKED));
	seq_printf(m, "vram_evicted %llu\n", vsvm_vram_stat(vram, VSVM_VRAM_STAT_EVICTED));
	seq_printf(m, "vram_alloc_failed %llu\n",
		   vsvm_vram_stat(vram, VSVM_VRAM_STAT_ALLOC_FAILED));
	seq_printf(m, "vram_engine_copied %llu\n",
		   vsvm_vram_stat(vram, VSVM_VRAM_STAT_ENGINE_COPIED));
}

static int vsvm_debugfs_counters_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_counters *c = &to_vsvm_device(entry->dev)->counters;

	seq_printf(m, "files_opened %lld\n", atomic64_read(&c->files_opened));
	seq_printf(m, "files_open %lld\n", atomic64_read(&c->files_open));
	seq_printf(m, "ioctls_rejected %lld\n", atomic64_read(&c->ioctls_rejected));
	seq_printf(m, "jobs_timed_out %lld\n", atomic64_read(&c->jobs_timed_out));
	if (IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT)) {
		u64 checks, violations;

		vsvm_svm_audit_counts(&checks, &violations);
		seq_printf(m, "audit_checks %llu\naudit_violations %llu\n", checks, violations);
	}
	vsvm_debugfs_engines(m, to_vsvm_device(entry->dev));
	vsvm_debugfs_vram(m, &to_vsvm_device(entry->dev)->vram);
	vsvm_debugfs_device_totals(m, to_vsvm_device(entry->dev));
	return 0;
}

static int vsvm_debugfs_vms_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	u64 counters[DRM_VSVM_COUNTER_COUNT];
	struct vsvm_vm *vm;
	int i;

	mutex_lock(&vdev->vms_lock);
	list_for_each_entry(vm, &vdev->vms, link) {
		vsvm_vm_counters(vm, counters);
		seq_printf(m, "vm %u pid %d comm %s\n", vm->id, pid_nr(vm->owner),
			   vm->owner_comm);
		for (i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
			seq_printf(m, "  %s %llu\n", vsvm_counter_names[i], counters[i]);
	}
	mutex_unlock(&vdev->vms_lock);
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
	drm_debugfs_add_file(&vdev->drm, "vms", vsvm_debugfs_vms_show, NULL);
}
