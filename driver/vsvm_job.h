/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_JOB_H__
#define __VSVM_JOB_H__

#include <linux/dma-fence.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct drm_device;
struct drm_file;
struct drm_vsvm_cmd;
struct vsvm_vm;

/**
 * struct vsvm_job - one submission to the copy engine
 * @fence: signalled when the job ends; its refcount is the job's
 * @vm: the VM (a reference is held while the job is queued or running)
 * @id: id in the VM
 * @link: in &vsvm_vm.queue until the job starts
 * @cmds: the commands, copied in at submission
 * @num_cmds: number of @cmds
 * @status: DRM_VSVM_JOB_*, set before @fence signals
 * @fault_access: DRM_VSVM_ACCESS_* of a fatal fault
 * @fault_addr: address of a fatal fault
 * @cmd_index: index of the failing command
 */
struct vsvm_job {
	struct dma_fence fence;
	struct vsvm_vm *vm;
	u64 id;
	struct list_head link;
	struct drm_vsvm_cmd *cmds;
	u32 num_cmds;
	u32 status;
	u32 fault_access;
	u64 fault_addr;
	u32 cmd_index;
};

int vsvm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int vsvm_wait_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
void vsvm_job_wait_all(struct vsvm_vm *vm);
void vsvm_job_release_all(struct vsvm_vm *vm);
void vsvm_job_exec_work(struct work_struct *work);

#endif /* __VSVM_JOB_H__ */
