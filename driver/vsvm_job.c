// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Copy engine
 *
 * The device has ``VSVM_COPY_ENGINES`` copy engines: kernel threads of the
 * device's copy workqueue. Jobs of one VM run one after the other, in
 * submission order; jobs of different VMs run in parallel, so that one
 * process's long job does not hold up another's. An engine behaves like
 * hardware: it reaches
 * memory only through the VM's device page table and its TLB
 * (vsvm_vm_translate()). An access without a translation is a device page
 * fault, which the engine hands to the mirror core (vsvm_svm_fault()) before
 * trying again. It processes memory in pieces that stay inside one 4 KiB
 * page of each operand, and holds the VM's notifier lock for read only
 * while it translates and accesses one such piece: an invalidation waits at
 * most for one piece, and after it the engine cannot use a stale
 * translation.
 *
 * A job ends with a status: ok, a fatal fault (the address and access the
 * CPU side refused), too many collisions with invalidations, or the
 * process gone. Its dma-fence signals then, whatever the status.
 */

#include <linux/highmem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_job.h"
#include "vsvm_vm.h"

#define FNV64_OFFSET	0xcbf29ce484222325ull
#define FNV64_PRIME	0x100000001b3ull

static struct vsvm_job *to_vsvm_job(struct dma_fence *fence)
{
	return container_of(fence, struct vsvm_job, fence);
}

static const char *vsvm_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *vsvm_fence_timeline_name(struct dma_fence *fence)
{
	return "copy";
}

static void vsvm_fence_release(struct dma_fence *fence)
{
	struct vsvm_job *job = to_vsvm_job(fence);

	kvfree(job->cmds);
	dma_fence_free(fence);
}

static const struct dma_fence_ops vsvm_fence_ops = {
	.get_driver_name = vsvm_fence_driver_name,
	.get_timeline_name = vsvm_fence_timeline_name,
	.release = vsvm_fence_release,
};

/**
 * struct vsvm_access - translations of the current piece of a command
 * @src: source address of the piece, or 0 when unused
 * @dst: destination address of the piece, or 0 when unused
 * @src_pfn: its frame, valid while the lock is held
 * @dst_pfn: its frame, valid while the lock is held
 */
struct vsvm_access {
	u64 src, dst;
	unsigned long src_pfn, dst_pfn;
};

static int job_fail(struct vsvm_job *job, int err, u64 addr, bool write)
{
	switch (err) {
	case -EAGAIN:
		job->status = DRM_VSVM_JOB_RETRIES;
		break;
	case -ESRCH:
		job->status = DRM_VSVM_JOB_NO_MM;
		break;
	case -ENOMEM:
		job->status = DRM_VSVM_JOB_NOMEM;
		break;
	default:
		job->status = DRM_VSVM_JOB_FAULT;
		break;
	}
	job->fault_addr = addr;
	job->fault_access = write ? DRM_VSVM_ACCESS_WRITE : DRM_VSVM_ACCESS_READ;
	return err;
}

/*
 * Translate the piece's operands. On success the VM's notifier lock is held
 * for read and the frames are valid until access_end(); on failure it is not
 * held and the job's status says why.
 */
static int access_begin(struct vsvm_job *job, struct vsvm_access *a)
{
	struct vsvm_vm *vm = job->vm;
	unsigned int tries = 0;
	u64 miss;
	bool write;
	int ret;

	for (;;) {
		down_read(&vm->svm.lock);
		if (a->src && vsvm_vm_translate(vm, a->src, false, &a->src_pfn)) {
			miss = a->src;
			write = false;
		} else if (a->dst && vsvm_vm_translate(vm, a->dst, true, &a->dst_pfn)) {
			miss = a->dst;
			write = true;
		} else {
			return 0;
		}
		up_read(&vm->svm.lock);

		/* A device page fault. */
		ret = vsvm_svm_fault(&vm->svm, miss, write);
		if (ret)
			return job_fail(job, ret, miss, write);
		/* Invalidations may keep taking what the fault mapped. */
		if (++tries > vm->svm.config.max_retries + 2)
			return job_fail(job, -EAGAIN, miss, write);
	}
}

static void access_end(struct vsvm_job *job)
{
	up_read(&job->vm->svm.lock);
	cond_resched();
}

static size_t to_page_end(u64 addr)
{
	return PAGE_SIZE - offset_in_page(addr);
}

/* Bytes of a backwards piece ending at @end: back to its page start. */
static size_t from_page_start(u64 end)
{
	return offset_in_page(end) ?: PAGE_SIZE;
}

static void copy_piece(const struct vsvm_access *a, size_t n)
{
	void *src = kmap_local_pfn(a->src_pfn);
	void *dst = kmap_local_pfn(a->dst_pfn);

	memmove(dst + offset_in_page(a->dst), src + offset_in_page(a->src), n);
	kunmap_local(dst);
	kunmap_local(src);
}

static int run_copy(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	bool backwards = cmd->dst > cmd->src && cmd->dst < cmd->src + cmd->size;
	u64 done = 0;
	int ret;

	while (done < cmd->size) {
		u64 left = cmd->size - done;
		struct vsvm_access a;
		size_t n;

		if (backwards) {
			u64 se = cmd->src + left, de = cmd->dst + left;

			n = min3(left, (u64)from_page_start(se), (u64)from_page_start(de));
			a = (struct vsvm_access){ .src = se - n, .dst = de - n };
		} else {
			a = (struct vsvm_access){ .src = cmd->src + done, .dst = cmd->dst + done };
			n = min3(left, (u64)to_page_end(a.src), (u64)to_page_end(a.dst));
		}
		ret = access_begin(job, &a);
		if (ret)
			return ret;
		copy_piece(&a, n);
		access_end(job);
		done += n;
	}
	return 0;
}

static int run_fill(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	__le64 pattern = cpu_to_le64(cmd->value);
	const u8 *bytes = (const u8 *)&pattern;
	u64 done = 0;
	int ret;

	while (done < cmd->size) {
		struct vsvm_access a = { .dst = cmd->dst + done };
		size_t n = min(cmd->size - done, (u64)to_page_end(a.dst));
		u8 *page;
		size_t i;

		ret = access_begin(job, &a);
		if (ret)
			return ret;
		page = kmap_local_pfn(a.dst_pfn);
		for (i = 0; i < n; i++)
			page[offset_in_page(a.dst) + i] = bytes[(done + i) % 8];
		kunmap_local(page);
		access_end(job);
		done += n;
	}
	return 0;
}

static int run_checksum(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	u64 hash = FNV64_OFFSET, done = 0;
	struct vsvm_access a;
	__le64 *result;
	u8 *page;
	int ret;

	while (done < cmd->size) {
		size_t n, i;

		a = (struct vsvm_access){ .src = cmd->src + done };
		n = min(cmd->size - done, (u64)to_page_end(a.src));
		ret = access_begin(job, &a);
		if (ret)
			return ret;
		page = kmap_local_pfn(a.src_pfn);
		for (i = 0; i < n; i++)
			hash = (hash ^ page[offset_in_page(a.src) + i]) * FNV64_PRIME;
		kunmap_local(page);
		access_end(job);
		done += n;
	}

	a = (struct vsvm_access){ .dst = cmd->dst };
	ret = access_begin(job, &a);
	if (ret)
		return ret;
	page = kmap_local_pfn(a.dst_pfn);
	result = (__le64 *)(page + offset_in_page(a.dst));
	*result = cpu_to_le64(hash);
	kunmap_local(page);
	access_end(job);
	return 0;
}

static void vsvm_job_run(struct vsvm_job *job)
{
	struct vsvm_vm *vm = job->vm;
	u32 i;
	int ret = 0;

	for (i = 0; i < job->num_cmds && !ret; i++) {
		const struct drm_vsvm_cmd *cmd = &job->cmds[i];

		job->cmd_index = i;
		switch (cmd->op) {
		case DRM_VSVM_CMD_COPY:
			ret = run_copy(job, cmd);
			break;
		case DRM_VSVM_CMD_FILL:
			ret = run_fill(job, cmd);
			break;
		case DRM_VSVM_CMD_CHECKSUM:
			ret = run_checksum(job, cmd);
			break;
		}
	}
	if (!ret) {
		job->status = DRM_VSVM_JOB_OK;
		job->cmd_index = 0;
	}

	/* WAIT reads the status once the fence has signalled. */
	smp_wmb();
	dma_fence_signal(&job->fence);
	dma_fence_put(&job->fence);
	/* May be the last reference: nothing may touch the VM after it. */
	vsvm_vm_put(vm);
}

/**
 * vsvm_job_exec_work() - a copy engine runs the next job of a VM
 * @work: &vsvm_vm.exec_work
 *
 * Runs one job and queues itself again while jobs wait: a work item never
 * runs on two engines at once, so a VM's jobs keep their order.
 */
void vsvm_job_exec_work(struct work_struct *work)
{
	struct vsvm_vm *vm = container_of(work, struct vsvm_vm, exec_work);
	struct vsvm_job *job;

	mutex_lock(&vm->job_lock);
	job = list_first_entry_or_null(&vm->queue, struct vsvm_job, link);
	if (job) {
		list_del(&job->link);
		/* The waiting jobs hold references: @vm outlives this run. */
		if (!list_empty(&vm->queue))
			queue_work(vm->vdev->copy_wq, &vm->exec_work);
	}
	mutex_unlock(&vm->job_lock);
	if (job)
		vsvm_job_run(job);
}

static int check_cmd(struct vsvm_device *vdev, const struct drm_vsvm_cmd *cmd, u32 i)
{
	if (cmd->flags)
		return vsvm_reject(vdev, "EXEC: cmd %u: flags must be zero\n", i);
	if (!cmd->size || cmd->size > DRM_VSVM_CMD_MAX_SIZE)
		return vsvm_reject(vdev, "EXEC: cmd %u: size %llu out of range\n", i, cmd->size);

	switch (cmd->op) {
	case DRM_VSVM_CMD_COPY:
		if (cmd->value)
			return vsvm_reject(vdev, "EXEC: cmd %u: value must be zero\n", i);
		break;
	case DRM_VSVM_CMD_FILL:
		if (cmd->src)
			return vsvm_reject(vdev, "EXEC: cmd %u: src must be zero\n", i);
		break;
	case DRM_VSVM_CMD_CHECKSUM:
		if (cmd->value)
			return vsvm_reject(vdev, "EXEC: cmd %u: value must be zero\n", i);
		if (!IS_ALIGNED(cmd->dst, sizeof(u64)))
			return vsvm_reject(vdev, "EXEC: cmd %u: result not 8-byte aligned\n", i);
		break;
	default:
		return vsvm_reject(vdev, "EXEC: cmd %u: unknown op %u\n", i, cmd->op);
	}

	if (cmd->op != DRM_VSVM_CMD_FILL && cmd->src + cmd->size < cmd->src)
		return vsvm_reject(vdev, "EXEC: cmd %u: source range wraps\n", i);
	if (cmd->op != DRM_VSVM_CMD_CHECKSUM && cmd->dst + cmd->size < cmd->dst)
		return vsvm_reject(vdev, "EXEC: cmd %u: destination range wraps\n", i);
	return 0;
}

/* Keep the last DRM_VSVM_WAIT_MAX_KEPT jobs of the VM; forget older ones. */
static void vsvm_job_trim(struct vsvm_vm *vm)
{
	lockdep_assert_held(&vm->job_lock);

	while (vm->next_job_id - vm->oldest_job_id > DRM_VSVM_WAIT_MAX_KEPT) {
		struct vsvm_job *old = xa_erase(&vm->jobs, vm->oldest_job_id++);

		if (old)
			dma_fence_put(&old->fence);
	}
}

/**
 * vsvm_exec_ioctl() - DRM_IOCTL_VSVM_EXEC
 * @drm: the DRM device
 * @data: &struct drm_vsvm_exec
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_exec).
 */
int vsvm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_exec *args = data;
	struct drm_syncobj *syncobj = NULL;
	struct drm_vsvm_cmd *cmds;
	struct vsvm_job *job;
	struct vsvm_vm *vm;
	u32 i;
	int ret;

	if (args->extensions || args->pad)
		return vsvm_reject(vdev, "EXEC: extensions and pad must be zero\n");
	if (args->flags & ~DRM_VSVM_EXEC_FLAGS)
		return vsvm_reject(vdev, "EXEC: unknown flags 0x%x\n", args->flags);
	if (args->engine != DRM_VSVM_ENGINE_COPY)
		return vsvm_reject(vdev, "EXEC: unknown engine %u\n", args->engine);
	if (!args->num_cmds || args->num_cmds > DRM_VSVM_EXEC_MAX_CMDS)
		return vsvm_reject(vdev, "EXEC: %u commands\n", args->num_cmds);

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "EXEC: no VM %u\n", args->vm_id);
	if (current->mm != vm->svm.mm) {
		ret = vsvm_reject_errno(vdev, -EACCES, "EXEC: VM %u mirrors another process\n",
					vm->id);
		goto err_vm;
	}

	cmds = vmemdup_array_user(u64_to_user_ptr(args->cmds_ptr), args->num_cmds,
				  sizeof(*cmds));
	if (IS_ERR(cmds)) {
		ret = PTR_ERR(cmds);
		goto err_vm;
	}
	for (i = 0; i < args->num_cmds; i++) {
		ret = check_cmd(vdev, &cmds[i], i);
		if (ret)
			goto err_cmds;
	}

	if (args->out_syncobj) {
		syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!syncobj) {
			ret = vsvm_reject_errno(vdev, -ENOENT, "EXEC: no syncobj %u\n",
						args->out_syncobj);
			goto err_cmds;
		}
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto err_syncobj;
	}
	job->vm = vm;	/* the lookup's reference, dropped when the job ends */
	job->cmds = cmds;
	job->num_cmds = args->num_cmds;

	mutex_lock(&vm->job_lock);
	job->id = vm->next_job_id;
	ret = xa_err(xa_store(&vm->jobs, job->id, job, GFP_KERNEL));
	if (ret) {
		mutex_unlock(&vm->job_lock);
		kfree(job);
		goto err_syncobj;
	}
	vm->next_job_id++;
	dma_fence_init(&job->fence, &vsvm_fence_ops, &vm->fence_lock, vm->fence_context,
		       job->id);
	dma_fence_put(vm->last_fence);
	vm->last_fence = dma_fence_get(&job->fence);
	vsvm_job_trim(vm);
	/* The jobs table owns the initial reference; the engine takes one. */
	dma_fence_get(&job->fence);
	list_add_tail(&job->link, &vm->queue);
	queue_work(vdev->copy_wq, &vm->exec_work);
	mutex_unlock(&vm->job_lock);

	if (syncobj) {
		drm_syncobj_replace_fence(syncobj, &job->fence);
		drm_syncobj_put(syncobj);
	}
	args->job_id = job->id;
	return 0;

err_syncobj:
	if (syncobj)
		drm_syncobj_put(syncobj);
err_cmds:
	kvfree(cmds);
err_vm:
	vsvm_vm_put(vm);
	return ret;
}

/**
 * vsvm_wait_ioctl() - DRM_IOCTL_VSVM_WAIT
 * @drm: the DRM device
 * @data: &struct drm_vsvm_wait
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_wait).
 */
int vsvm_wait_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_wait *args = data;
	struct dma_fence *fence = NULL;
	struct vsvm_job *job;
	struct vsvm_vm *vm;
	long ret;

	if (args->pad)
		return vsvm_reject(vdev, "WAIT: pad must be zero\n");
	if (args->flags & ~DRM_VSVM_WAIT_FLAGS)
		return vsvm_reject(vdev, "WAIT: unknown flags 0x%x\n", args->flags);

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "WAIT: no VM %u\n", args->vm_id);
	mutex_lock(&vm->job_lock);
	job = xa_load(&vm->jobs, args->job_id);
	if (job)
		fence = dma_fence_get(&job->fence);
	mutex_unlock(&vm->job_lock);
	vsvm_vm_put(vm);
	if (!fence)
		return vsvm_reject_errno(vdev, -ENOENT, "WAIT: no job %llu\n", args->job_id);

	if (args->timeout_ns)
		ret = dma_fence_wait_timeout(fence, true,
					     drm_timeout_abs_to_jiffies(args->timeout_ns));
	else
		ret = dma_fence_is_signaled(fence);
	if (ret > 0) {
		/* The engine set the status before it signalled. */
		smp_rmb();
		args->status = job->status;
		args->fault_access = job->fault_access;
		args->fault_addr = job->fault_addr;
		args->cmd_index = job->cmd_index;
		ret = 0;
	} else if (ret == 0) {
		ret = -ETIME;
	}
	dma_fence_put(fence);
	return ret;
}

/**
 * vsvm_job_wait_all() - wait until every job of a VM has ended
 * @vm: the VM
 *
 * Jobs of a VM run in order, so this waits for the last one.
 */
void vsvm_job_wait_all(struct vsvm_vm *vm)
{
	struct dma_fence *last;

	mutex_lock(&vm->job_lock);
	last = dma_fence_get(vm->last_fence);
	mutex_unlock(&vm->job_lock);
	if (last) {
		dma_fence_wait(last, false);
		dma_fence_put(last);
	}
}

/**
 * vsvm_job_release_all() - drop the kept jobs of a VM being freed
 * @vm: the VM, with no job queued or running
 */
void vsvm_job_release_all(struct vsvm_vm *vm)
{
	struct vsvm_job *job;
	unsigned long id;

	xa_for_each(&vm->jobs, id, job) {
		xa_erase(&vm->jobs, id);
		dma_fence_put(&job->fence);
	}
	dma_fence_put(vm->last_fence);
	vm->last_fence = NULL;
}
