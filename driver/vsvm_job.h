/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_JOB_H__
#define __VSVM_JOB_H__

#include <linux/dma-fence.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <drm/gpu_scheduler.h>

struct drm_device;
struct drm_file;
struct vsvm_device;
struct vsvm_vm;

/* Engine classes, indexes of &vsvm_device.sched and &vsvm_vm.entity. */
enum vsvm_engine_class {
	VSVM_ENGINE_COPY,
	VSVM_ENGINE_COMPUTE,
	VSVM_ENGINE_CLASSES,
};

/**
 * struct vsvm_job - one submission to an engine
 * @fence: the "hardware" fence, signalled by the engine when the job ends;
 *	its refcount is the job's lifetime
 * @base: the scheduler's job
 * @fence_lock: the lock of @fence
 * @vm: the VM (a reference, dropped when the scheduler frees the job)
 * @id: id in the VM
 * @engine: &enum vsvm_engine_class
 * @link: in the VM's copy queue or the device's compute queue
 * @cmds: the commands (&struct drm_vsvm_cmd or &struct drm_vsvm_dispatch),
 *	copied in at submission
 * @num_cmds: number of @cmds
 * @cancel: set by the timeout handler: the engines stop the job
 * @status: DRM_VSVM_JOB_*, set before @fence signals
 * @fault_access: DRM_VSVM_ACCESS_* of a fatal fault
 * @error: &enum vsvm_isa_error of an invalid program
 * @cmd_index: index of the failing command
 * @fault_addr: address of a fatal fault
 * @pc: program offset of the failing instruction (compute)
 * @stopping: compute: no more workgroups start (error or cancel)
 * @dispatch_seq: compute: &vsvm_compute.dispatch_seq of the current dispatch
 * @next_group: compute: next workgroup of the current dispatch to start
 * @num_groups: compute: workgroups of the current dispatch
 * @in_flight: compute: workgroups running now
 */
struct vsvm_job {
	/* First: dma_fence_free() frees the allocation that starts with it. */
	struct dma_fence fence;
	struct drm_sched_job base;
	spinlock_t fence_lock; /* the lock of @fence */
	struct vsvm_vm *vm;
	u64 id;
	enum vsvm_engine_class engine;
	struct list_head link;
	void *cmds;
	u32 num_cmds;
	bool cancel;

	u32 status;
	u32 fault_access;
	u32 error;
	u32 cmd_index;
	u64 fault_addr;
	u64 pc;

	bool stopping;
	u64 dispatch_seq;
	u64 next_group;
	u64 num_groups;
	u32 in_flight;
};

int vsvm_job_sched_init(struct vsvm_device *vdev);
int vsvm_job_vm_init(struct vsvm_vm *vm);
void vsvm_job_vm_fini(struct vsvm_vm *vm);
void vsvm_job_release_all(struct vsvm_vm *vm);
void vsvm_job_fail(struct vsvm_job *job, int err, u64 addr, bool write);
void vsvm_job_end(struct vsvm_job *job);

int vsvm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_wait_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __VSVM_JOB_H__ */
