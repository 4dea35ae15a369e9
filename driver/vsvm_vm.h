/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_VM_H__
#define __VSVM_VM_H__

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "vsvm_pt.h"
#include "vsvm_svm.h"
#include "vsvm_tlb.h"

struct dma_fence;
struct drm_device;
struct drm_file;
struct vsvm_device;

/**
 * struct vsvm_vm - a device address space mirroring a process
 * @refcount: the file's reference plus one per running job
 * @vdev: the device
 * @id: id in the file's VM table
 * @svm: the mirror core instance
 * @pt: the device page table; changed under @svm.lock held for write
 * @tlb: the copy engine's TLB for this VM; used by the engine under
 *	@svm.lock held for read, invalidated under it held for write
 * @pt_stats: page-table statistics, under @svm.lock held for write
 * @job_lock: protects @jobs, @next_job_id, @oldest_job_id, @last_fence
 * @jobs: job id -> &struct vsvm_job, for the last DRM_VSVM_WAIT_MAX_KEPT jobs
 * @next_job_id: id of the next job
 * @oldest_job_id: smallest id still in @jobs
 * @last_fence: fence of the last job submitted, or NULL
 * @queue: jobs submitted and not started, oldest first, under @job_lock
 * @exec_work: runs the VM's jobs on a copy engine, one at a time
 * @fence_context: dma-fence context of the VM's jobs
 * @fence_lock: lock of those fences
 * @link: in &vsvm_device.vms
 */
struct vsvm_vm {
	struct kref refcount;
	struct vsvm_device *vdev;
	u32 id;
	struct vsvm_svm svm;
	struct vsvm_pt pt;
	struct vsvm_tlb tlb;
	struct vsvm_pt_stats pt_stats;
	struct mutex job_lock; /* protects the job fields below */
	struct xarray jobs;
	u64 next_job_id;
	u64 oldest_job_id;
	struct dma_fence *last_fence;
	struct list_head queue;
	struct work_struct exec_work;
	u64 fence_context;
	spinlock_t fence_lock; /* the lock of the VM's job fences */
	struct list_head link;
};

/**
 * struct vsvm_file - per open file state
 * @vms: VM id -> &struct vsvm_vm
 */
struct vsvm_file {
	struct xarray vms;
};

struct vsvm_vm *vsvm_vm_lookup(struct vsvm_file *vfile, u32 id);
void vsvm_vm_put(struct vsvm_vm *vm);
void vsvm_vm_file_close(struct vsvm_file *vfile);
int vsvm_vm_translate(struct vsvm_vm *vm, u64 va, bool write, unsigned long *pfn);
void vsvm_vm_counters(struct vsvm_vm *vm, u64 *counters);
bool vsvm_counter_is_gauge(unsigned int counter);

int vsvm_vm_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_counters_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_prefetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __VSVM_VM_H__ */
