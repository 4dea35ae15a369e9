/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_VM_H__
#define __VSVM_VM_H__

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <drm/gpu_scheduler.h>

#include "vsvm_engine.h"
#include "vsvm_job.h"
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
 * @svm: the mirror core instance; @svm.mm is the mirrored address space
 * @submitter_mm: the address space whose tasks may submit jobs and prefetch
 *	(the creator's; the same as @svm.mm unless the VM was created on a
 *	pidfd); held with mmgrab() so that a recycled mm_struct cannot pass the
 *	comparison
 * @pt: the device page table; changed under @svm.lock held for write
 * @tlbs: the engines' TLBs for this VM (VSVM_TLB_COPY, VSVM_TLB_COMPUTE());
 *	each used by one engine at a time under @svm.lock held for read, all
 *	invalidated under it held for write
 * @num_tlbs: TLBs in use: the copy engines' and one per compute engine
 * @tlb_gen: bumped when aging cleared accessed bits (DOC: Aging): every
 *	engine then drops its TLB before its next translation
 * @tlb_seen: the @tlb_gen each TLB was last flushed for, by its engine
 * @pt_stats: page-table statistics, under @svm.lock held for write
 * @job_lock: protects @jobs, @next_job_id, @oldest_job_id, and orders the
 *	submissions to @entity
 * @jobs: job id -> &struct vsvm_job, for the last DRM_VSVM_WAIT_MAX_KEPT jobs
 * @next_job_id: id of the next job
 * @oldest_job_id: smallest id still in @jobs
 * @entity: the VM's exec queue on each engine class's scheduler
 * @jobs_alive: jobs submitted and not yet freed by the scheduler
 * @queue_lock: protects @queue
 * @queue: copy jobs handed over by the scheduler and not started, in order
 * @exec_work: runs the VM's copy jobs on a copy engine, one at a time
 * @fence_context: first of the dma-fence contexts of the VM's jobs, one per
 *	engine class
 * @link: in &vsvm_device.vms
 * @owner: the thread group that created the VM, for debugfs
 * @owner_comm: its command name at creation, for debugfs
 */
struct vsvm_vm {
	struct kref refcount;
	struct vsvm_device *vdev;
	u32 id;
	struct vsvm_svm svm;
	struct mm_struct *submitter_mm;
	struct vsvm_pt pt;
	struct vsvm_tlb tlbs[VSVM_VM_TLBS];
	unsigned int num_tlbs;
	atomic_t tlb_gen;
	int tlb_seen[VSVM_VM_TLBS];
	struct vsvm_pt_stats pt_stats;
	struct mutex job_lock; /* protects the job fields below */
	struct xarray jobs;
	u64 next_job_id;
	u64 oldest_job_id;
	struct drm_sched_entity entity[VSVM_ENGINE_CLASSES];
	atomic_t jobs_alive;
	spinlock_t queue_lock; /* protects @queue */
	struct list_head queue;
	struct work_struct exec_work;
	u64 fence_context;
	struct list_head link;
	struct pid *owner;
	char owner_comm[TASK_COMM_LEN];
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
int vsvm_vm_translate(struct vsvm_vm *vm, unsigned int tlb, u64 va, bool write,
		      unsigned long *pfn);
int vsvm_vm_translate_leaf(struct vsvm_vm *vm, unsigned int tlb, u64 va, bool write,
			   unsigned long *pfn, unsigned int *order);
int vsvm_vm_fault(struct vsvm_vm *vm, u64 addr, bool write, unsigned int *misses,
		  int (*stop)(void *ctx), void *ctx);
void vsvm_vm_counters(struct vsvm_vm *vm, u64 *counters);
bool vsvm_counter_is_gauge(unsigned int counter);

int vsvm_vm_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_counters_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_prefetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_set_attr_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_vm_get_attr_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __VSVM_VM_H__ */
