// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Jobs and scheduling
 *
 * Every submission (DRM_IOCTL_VSVM_EXEC) is a job of the DRM GPU scheduler.
 * A device has one &drm_gpu_scheduler per engine class (copy, compute); each
 * VM has one &drm_sched_entity per class, its exec queue on that engine. The
 * scheduler waits for a job's in-fences (syncobjs), then hands it to the
 * engines (run_job) and gets back the job's hardware fence, which the
 * engine signals when the job ends. The out-syncobj gets the scheduler's
 * finished fence; DRM_IOCTL_VSVM_WAIT waits for the hardware fence, which
 * free_job signals for a job that never ran (its VM was destroyed first).
 * The job must not hold its finished fence: that fence holds the hardware
 * fence (as its parent), which holds the job.
 *
 * A job's memory lives as long as its hardware fence: the VM's table of kept
 * jobs (for WAIT) holds one reference, the scheduler one from submission
 * until it frees the job, and run_job's return value one. The job holds a
 * reference to its VM until the scheduler frees it, so a VM is freed only
 * after all its jobs.
 *
 * Submission and VM destruction: a VM takes jobs while it is in its file's
 * VM table. EXEC checks that under &vsvm_vm.job_lock and pushes its job to
 * the entity before it drops the lock; VM_DESTROY (and the close of the
 * file) takes the VM out of the table first, then vsvm_job_vm_fini() takes
 * and drops &vsvm_vm.job_lock before it tears the entities down. Hence every
 * job pushed to an entity was pushed before the teardown began, so it runs
 * to an end or the scheduler drops it (status CANCELED), and frees it either
 * way; an EXEC that gets past the check later fails with -ENOENT and leaves
 * nothing behind. A job is never pushed to a torn-down entity, where it
 * would never run nor be freed and would keep its VM (and with it the mm and
 * the notifiers) alive. EXEC holds its VM reference but no lock while it
 * reads user memory (commands, in-syncobj handles), which user space can
 * stall at will (userfaultfd): VM_DESTROY never waits for such an EXEC.
 *
 * Job timeout: the scheduler calls vsvm_sched_timedout_job() when the oldest
 * running job of a class has run for ``job_timeout_ms``. The handler asks
 * the engines to stop the job (it ends with %DRM_VSVM_JOB_TIMEOUT), waits for
 * its hardware and finished fences, and frees it itself: the scheduler took
 * the job off its pending list before calling the handler and will not free
 * it. Nothing else needs resetting: the next job runs normally. A real GPU
 * would reset the engine here.
 */

#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_managed.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_job.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

/* Jobs of a class the scheduler hands to the engines at once. */
#define VSVM_SCHED_CREDITS	64

static struct vsvm_job *to_vsvm_job(struct dma_fence *fence)
{
	return container_of(fence, struct vsvm_job, fence);
}

static struct vsvm_job *sched_to_vsvm_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct vsvm_job, base);
}

static const char *vsvm_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *vsvm_fence_timeline_name(struct dma_fence *fence)
{
	return to_vsvm_job(fence)->engine == VSVM_ENGINE_COPY ? "copy" : "compute";
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
 * vsvm_job_fail() - record a failed memory access of a job
 * @job: the job
 * @err: the negative errno of the fault
 * @addr: the address
 * @write: the access was a write
 *
 * Maps the errno to a job status: -EAGAIN is %DRM_VSVM_JOB_RETRIES, -ESRCH
 * %DRM_VSVM_JOB_NO_MM, -ENOMEM %DRM_VSVM_JOB_NOMEM, anything else a fatal
 * fault.
 */
void vsvm_job_fail(struct vsvm_job *job, int err, u64 addr, bool write)
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
}

static int vsvm_job_status_errno(u32 status)
{
	switch (status) {
	case DRM_VSVM_JOB_OK:
		return 0;
	case DRM_VSVM_JOB_TIMEOUT:
		return -ETIME;
	case DRM_VSVM_JOB_NO_MM:
		return -ESRCH;
	case DRM_VSVM_JOB_NOMEM:
		return -ENOMEM;
	case DRM_VSVM_JOB_CANCELED:
		return -ECANCELED;
	case DRM_VSVM_JOB_INVALID:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static const char *vsvm_job_engine_name(const struct vsvm_job *job)
{
	return job->engine == VSVM_ENGINE_COPY ? "copy" : "compute";
}

/**
 * vsvm_job_end() - an engine is done with a job
 * @job: the job; its outcome fields are set, or none for success
 *
 * Completes the status (ok, or timeout if the job was stopped for that),
 * then signals the job's hardware fence. The engine must not touch the job
 * afterwards.
 */
void vsvm_job_end(struct vsvm_job *job)
{
	if (!job->status)
		job->status = READ_ONCE(job->cancel) ? DRM_VSVM_JOB_TIMEOUT : DRM_VSVM_JOB_OK;
	trace_vsvm_job_ended(job->vm->id, job->id, vsvm_job_engine_name(job), job->status);
	if (job->status != DRM_VSVM_JOB_OK)
		dma_fence_set_error(&job->fence, vsvm_job_status_errno(job->status));
	/* WAIT reads the outcome once the fence has signalled. */
	smp_wmb();
	dma_fence_signal(&job->fence);
}

static void vsvm_copy_submit(struct vsvm_job *job)
{
	struct vsvm_vm *vm = job->vm;

	spin_lock(&vm->queue_lock);
	list_add_tail(&job->link, &vm->queue);
	queue_work(vm->vdev->copy_wq, &vm->exec_work);
	spin_unlock(&vm->queue_lock);
}

static struct dma_fence *vsvm_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vsvm_job *job = sched_to_vsvm_job(sched_job);

	if (sched_job->s_fence->finished.error) {
		job->status = DRM_VSVM_JOB_CANCELED;
		vsvm_job_end(job);
	} else if (job->engine == VSVM_ENGINE_COPY) {
		trace_vsvm_job_started(job->vm->id, job->id, vsvm_job_engine_name(job), 0);
		vsvm_copy_submit(job);
	} else {
		trace_vsvm_job_started(job->vm->id, job->id, vsvm_job_engine_name(job), 0);
		vsvm_compute_submit(job->vm->vdev, job);
	}
	return dma_fence_get(&job->fence);
}

static void vsvm_sched_free_job(struct drm_sched_job *sched_job)
{
	struct vsvm_job *job = sched_to_vsvm_job(sched_job);
	struct vsvm_vm *vm = job->vm;

	/* A job the scheduler dropped before it ran (its VM went away). */
	if (!dma_fence_is_signaled(&job->fence)) {
		job->status = DRM_VSVM_JOB_CANCELED;
		vsvm_job_end(job);
	}
	drm_sched_job_cleanup(sched_job);
	kvfree(job->cmds);
	job->cmds = NULL;
	if (atomic_dec_and_test(&vm->jobs_alive))
		wake_up_var(&vm->jobs_alive);
	vsvm_vm_put(vm);
	dma_fence_put(&job->fence);
}

static enum drm_gpu_sched_stat vsvm_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct vsvm_job *job = sched_to_vsvm_job(sched_job);
	struct vsvm_device *vdev = job->vm->vdev;

	vsvm_dbg(vdev, VSVM_DBG_JOB, "job %llu of VM %u timed out\n", job->id, job->vm->id);
	atomic64_inc(&vdev->counters.jobs_timed_out);
	if (job->engine == VSVM_ENGINE_COMPUTE)
		vsvm_compute_cancel(vdev, job);
	else
		WRITE_ONCE(job->cancel, true);
	dma_fence_wait(&job->fence, false);
	dma_fence_wait(&sched_job->s_fence->finished, false);
	/* Off the scheduler's pending list: nobody else frees it. */
	vsvm_sched_free_job(sched_job);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static const struct drm_sched_backend_ops vsvm_sched_ops = {
	.run_job = vsvm_sched_run_job,
	.timedout_job = vsvm_sched_timedout_job,
	.free_job = vsvm_sched_free_job,
};

static void vsvm_job_sched_fini(struct drm_device *drm, void *data)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	int i;

	for (i = 0; i < VSVM_ENGINE_CLASSES; i++)
		drm_sched_fini(&vdev->sched[i]);
}

/**
 * vsvm_job_sched_init() - create the device's schedulers
 * @vdev: the device
 *
 * One scheduler per engine class, with the ``job_timeout_ms`` module
 * parameter as job timeout; freed with the DRM device.
 *
 * Return: 0 or a negative errno.
 */
int vsvm_job_sched_init(struct vsvm_device *vdev)
{
	static const char * const names[VSVM_ENGINE_CLASSES] = {
		[VSVM_ENGINE_COPY] = "vsvm-copy",
		[VSVM_ENGINE_COMPUTE] = "vsvm-compute",
	};
	struct drm_sched_init_args args = {
		.ops = &vsvm_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = VSVM_SCHED_CREDITS,
		.timeout = msecs_to_jiffies(vsvm_job_timeout_ms),
		.dev = vdev->drm.dev,
	};
	int i, ret;

	for (i = 0; i < VSVM_ENGINE_CLASSES; i++) {
		args.name = names[i];
		ret = drm_sched_init(&vdev->sched[i], &args);
		if (ret) {
			while (i--)
				drm_sched_fini(&vdev->sched[i]);
			return ret;
		}
	}
	return drmm_add_action_or_reset(&vdev->drm, vsvm_job_sched_fini, NULL);
}

/**
 * vsvm_job_vm_init() - create a VM's exec queues
 * @vm: the VM being created
 *
 * Return: 0 or a negative errno.
 */
int vsvm_job_vm_init(struct vsvm_vm *vm)
{
	int i, ret;

	for (i = 0; i < VSVM_ENGINE_CLASSES; i++) {
		struct drm_gpu_scheduler *sched = &vm->vdev->sched[i];

		ret = drm_sched_entity_init(&vm->entity[i], DRM_SCHED_PRIORITY_NORMAL,
					    &sched, 1, NULL);
		if (ret) {
			while (i--)
				drm_sched_entity_destroy(&vm->entity[i]);
			return ret;
		}
	}
	return 0;
}

/**
 * vsvm_job_vm_fini() - tear down a VM's exec queues
 * @vm: the VM being destroyed, already out of its file's VM table (the
 *	caller holds a reference)
 *
 * Waits until every EXEC that found the VM in the table has pushed its job
 * (see DOC: Jobs and scheduling), lets the queued jobs run (or drops them if
 * the process is being killed), then waits until the scheduler has freed
 * every job of the VM.
 */
void vsvm_job_vm_fini(struct vsvm_vm *vm)
{
	int i;

	/*
	 * An EXEC holding job_lock now may have seen the VM still in the
	 * table: let it push its job. Any later one sees the VM gone.
	 */
	mutex_lock(&vm->job_lock);
	mutex_unlock(&vm->job_lock);

	for (i = 0; i < VSVM_ENGINE_CLASSES; i++)
		drm_sched_entity_destroy(&vm->entity[i]);
	wait_var_event(&vm->jobs_alive, !atomic_read(&vm->jobs_alive));
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

static int check_dispatch(struct vsvm_device *vdev, const struct drm_vsvm_dispatch *d, u32 i)
{
	u64 lanes = 1;
	int k;

	if (d->flags & ~DRM_VSVM_DISPATCH_FLAGS)
		return vsvm_reject(vdev, "EXEC: dispatch %u: unknown flags 0x%x\n", i, d->flags);
	if (d->isa_version < VSVM_ISA_VERSION_MIN || d->isa_version > VSVM_ISA_VERSION)
		return vsvm_reject(vdev, "EXEC: dispatch %u: ISA version %u, not %u to %u\n",
				   i, d->isa_version, VSVM_ISA_VERSION_MIN, VSVM_ISA_VERSION);
	if (!IS_ALIGNED(d->code_ptr, 8) || d->code_ptr + d->code_size < d->code_ptr)
		return vsvm_reject(vdev, "EXEC: dispatch %u: code_ptr misaligned or wraps\n", i);
	if (!d->code_size || d->code_size > DRM_VSVM_CODE_MAX_SIZE ||
	    !IS_ALIGNED(d->code_size, 8))
		return vsvm_reject(vdev, "EXEC: dispatch %u: code_size %llu\n", i, d->code_size);
	if (!IS_ALIGNED(d->entry, 8) || d->entry >= d->code_size)
		return vsvm_reject(vdev, "EXEC: dispatch %u: entry %u\n", i, d->entry);
	for (k = 0; k < 3; k++) {
		if (!d->group_size[k] || !d->num_groups[k] ||
		    d->num_groups[k] > DRM_VSVM_MAX_GROUPS)
			return vsvm_reject(vdev, "EXEC: dispatch %u: bad grid in dimension %d\n",
					   i, k);
		lanes *= d->group_size[k];
		if (lanes > VSVM_ISA_MAX_GROUP_LANES)
			return vsvm_reject(vdev, "EXEC: dispatch %u: workgroup above %u lanes\n",
					   i, VSVM_ISA_MAX_GROUP_LANES);
	}
	if (d->num_args > VSVM_ISA_MAX_ARGS)
		return vsvm_reject(vdev, "EXEC: dispatch %u: %u arguments\n", i, d->num_args);
	for (k = d->num_args; k < VSVM_ISA_MAX_ARGS; k++)
		if (d->args[k])
			return vsvm_reject(vdev, "EXEC: dispatch %u: args[%d] past num_args\n",
					   i, k);
	return 0;
}

/* Copy in and check the job's commands. */
static void *vsvm_job_copy_cmds(struct vsvm_device *vdev, const struct drm_vsvm_exec *args)
{
	size_t size = args->engine == DRM_VSVM_ENGINE_COPY ? sizeof(struct drm_vsvm_cmd) :
							     sizeof(struct drm_vsvm_dispatch);
	void *cmds;
	u32 i;
	int ret;

	cmds = vmemdup_array_user(u64_to_user_ptr(args->cmds_ptr), args->num_cmds, size);
	if (IS_ERR(cmds))
		return cmds;
	for (i = 0; i < args->num_cmds; i++) {
		if (args->engine == DRM_VSVM_ENGINE_COPY)
			ret = check_cmd(vdev, (struct drm_vsvm_cmd *)cmds + i, i);
		else
			ret = check_dispatch(vdev, (struct drm_vsvm_dispatch *)cmds + i, i);
		if (ret) {
			kvfree(cmds);
			return ERR_PTR(ret);
		}
	}
	return cmds;
}

static int vsvm_job_add_in_fences(struct vsvm_device *vdev, struct vsvm_job *job,
				  struct drm_file *file, const struct drm_vsvm_exec *args)
{
	u32 __user *handles = u64_to_user_ptr(args->in_syncobjs_ptr);
	u32 i, handle;
	int ret;

	for (i = 0; i < args->num_in_syncobjs; i++) {
		if (get_user(handle, handles + i))
			return -EFAULT;
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file, handle, 0);
		if (ret)
			return vsvm_reject_errno(vdev, ret, "EXEC: in-syncobj %u: %d\n",
						 handle, ret);
	}
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

/*
 * Whether @vm, found as @id in @vfile, still takes jobs: it is still there
 * (see DOC: Jobs and scheduling). The caller's reference keeps @vm from
 * being freed and recycled as a new VM under the same id.
 */
static bool vsvm_job_vm_open(struct vsvm_file *vfile, u32 id, struct vsvm_vm *vm)
{
	lockdep_assert_held(&vm->job_lock);

	return xa_load(&vfile->vms, id) == vm;
}

static enum vsvm_engine_class vsvm_engine_class(u32 engine)
{
	return engine == DRM_VSVM_ENGINE_COPY ? VSVM_ENGINE_COPY : VSVM_ENGINE_COMPUTE;
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
	struct dma_fence *done = NULL;
	enum vsvm_engine_class cls;
	struct vsvm_job *job;
	struct vsvm_vm *vm;
	void *cmds;
	int idx, ret;

	if (args->extensions || args->pad || args->pad2)
		return vsvm_reject(vdev, "EXEC: extensions and pad must be zero\n");
	if (args->flags & ~DRM_VSVM_EXEC_FLAGS)
		return vsvm_reject(vdev, "EXEC: unknown flags 0x%x\n", args->flags);
	if (args->engine != DRM_VSVM_ENGINE_COPY && args->engine != DRM_VSVM_ENGINE_COMPUTE)
		return vsvm_reject(vdev, "EXEC: unknown engine %u\n", args->engine);
	if (!args->num_cmds || args->num_cmds > DRM_VSVM_EXEC_MAX_CMDS)
		return vsvm_reject(vdev, "EXEC: %u commands\n", args->num_cmds);
	if (args->num_in_syncobjs > DRM_VSVM_EXEC_MAX_IN_SYNCOBJS)
		return vsvm_reject(vdev, "EXEC: %u in-syncobjs\n", args->num_in_syncobjs);
	cls = vsvm_engine_class(args->engine);

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "EXEC: no VM %u\n", args->vm_id);
	if (current->mm != vm->submitter_mm) {
		ret = vsvm_reject_errno(vdev, -EACCES, "EXEC: VM %u belongs to another process\n",
					vm->id);
		goto err_vm;
	}
	if (!drm_dev_enter(drm, &idx)) {
		ret = -ENODEV;
		goto err_vm;
	}

	cmds = vsvm_job_copy_cmds(vdev, args);
	if (IS_ERR(cmds)) {
		ret = PTR_ERR(cmds);
		goto err_dev;
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
	job->engine = cls;
	job->num_cmds = args->num_cmds;
	spin_lock_init(&job->fence_lock);
	ret = drm_sched_job_init(&job->base, &vm->entity[cls], 1, vm, file->client_id);
	if (ret)
		goto err_job;
	ret = vsvm_job_add_in_fences(vdev, job, file, args);
	if (ret)
		goto err_sched_job;

	mutex_lock(&vm->job_lock);
	if (!vsvm_job_vm_open(file->driver_priv, args->vm_id, vm)) {
		mutex_unlock(&vm->job_lock);
		ret = vsvm_reject_errno(vdev, -ENOENT, "EXEC: VM %u destroyed meanwhile\n",
					vm->id);
		goto err_sched_job;
	}
	job->id = vm->next_job_id;
	ret = xa_err(xa_store(&vm->jobs, job->id, job, GFP_KERNEL));
	if (ret) {
		mutex_unlock(&vm->job_lock);
		goto err_sched_job;
	}
	vm->next_job_id++;
	/* From here on the fence owns the job and its commands. */
	dma_fence_init(&job->fence, &vsvm_fence_ops, &job->fence_lock,
		       vm->fence_context + cls, job->id);
	job->cmds = cmds;
	job->vm = vm;	/* the lookup's reference, dropped when the job is freed */
	atomic_inc(&vm->jobs_alive);
	drm_sched_job_arm(&job->base);
	if (syncobj)
		done = dma_fence_get(&job->base.s_fence->finished);
	/* The jobs table owns the initial reference, the scheduler this one. */
	dma_fence_get(&job->fence);
	vsvm_job_trim(vm);
	trace_vsvm_job_queued(vm->id, job->id, vsvm_job_engine_name(job), 0);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&vm->job_lock);

	if (syncobj) {
		drm_syncobj_replace_fence(syncobj, done);
		dma_fence_put(done);
		drm_syncobj_put(syncobj);
	}
	args->job_id = job->id;
	drm_dev_exit(idx);
	return 0;

err_sched_job:
	drm_sched_job_cleanup(&job->base);
err_job:
	kfree(job);
err_syncobj:
	if (syncobj)
		drm_syncobj_put(syncobj);
err_cmds:
	kvfree(cmds);
err_dev:
	drm_dev_exit(idx);
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
	struct vsvm_job *job;
	struct vsvm_vm *vm;
	long ret;

	if (args->pad || args->pad2)
		return vsvm_reject(vdev, "WAIT: pad must be zero\n");
	if (args->flags & ~DRM_VSVM_WAIT_FLAGS)
		return vsvm_reject(vdev, "WAIT: unknown flags 0x%x\n", args->flags);

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "WAIT: no VM %u\n", args->vm_id);
	mutex_lock(&vm->job_lock);
	job = xa_load(&vm->jobs, args->job_id);
	if (job)
		dma_fence_get(&job->fence);
	mutex_unlock(&vm->job_lock);
	vsvm_vm_put(vm);
	if (!job)
		return vsvm_reject_errno(vdev, -ENOENT, "WAIT: no job %llu\n", args->job_id);

	if (args->timeout_ns)
		ret = dma_fence_wait_timeout(&job->fence, true,
					     drm_timeout_abs_to_jiffies(args->timeout_ns));
	else
		ret = dma_fence_is_signaled(&job->fence);
	if (ret > 0) {
		/* The engine set the outcome before the fences signalled. */
		smp_rmb();
		args->status = job->status;
		args->fault_access = job->fault_access;
		args->fault_addr = job->fault_addr;
		args->cmd_index = job->cmd_index;
		args->pc = job->pc;
		args->error = job->error;
		ret = 0;
	} else if (ret == 0) {
		ret = -ETIME;
	}
	dma_fence_put(&job->fence);
	return ret;
}

/**
 * vsvm_job_release_all() - drop the kept jobs of a VM being freed
 * @vm: the VM, with no job left in the scheduler
 */
void vsvm_job_release_all(struct vsvm_vm *vm)
{
	struct vsvm_job *job;
	unsigned long id;

	xa_for_each(&vm->jobs, id, job) {
		xa_erase(&vm->jobs, id);
		dma_fence_put(&job->fence);
	}
}
