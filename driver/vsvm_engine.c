// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Engines
 *
 * The device has two classes of engines, fed by the DRM GPU scheduler
 * (vsvm_job.c). Both behave like hardware: they reach memory only through the
 * VM's device page table and their own TLB (vsvm_vm_translate()). An access
 * without a translation is a device page fault, which the engine hands to the
 * mirror core (vsvm_svm_fault()) before trying again.
 *
 * **Copy engines** are ``VSVM_COPY_ENGINES`` kernel threads of the device's
 * copy workqueue. The jobs of one VM run one after the other, in submission
 * order (the VM's work item never runs twice at once); jobs of different VMs
 * run in parallel. A copy engine processes memory in pieces that stay inside
 * one 4 KiB page of each operand, and holds the VM's notifier lock for read
 * only while it translates and accesses one such piece: an invalidation
 * waits at most for one piece, and after it the engine cannot use a stale
 * translation. The copy engines of a VM share one TLB, used by one job at a
 * time.
 *
 * **Compute engines** are ``compute_engines`` kernel threads
 * (``vsvm-cmp<dev>.<n>``). They run the compute jobs one at a time, in the
 * order the scheduler hands them over, and the dispatches of a job one after
 * the other. The engines split a dispatch's workgroups: each takes the next
 * workgroup, runs all its waves to their end in the ISA interpreter
 * (vsvm_isa.c) and takes the next; the engine that finishes the last
 * workgroup of a dispatch starts the next one. A memory instruction of a wave
 * translates the addresses of all its active lanes through the engine's own
 * TLB under the VM's notifier lock held for read, then makes the accesses and
 * drops the lock; a lane without a translation faults it in first (the lock
 * is not held while the fault is resolved, and only that engine waits).
 * Atomics are compare-and-exchange loops on the kernel mapping of the page,
 * so they are atomic against CPU atomics on the same memory.
 *
 * The first error of any workgroup (a fatal fault, an invalid program) stops
 * the dispatch: no further workgroup starts, and the running ones stop at
 * their next check. The scheduler's timeout handler stops a job the same way
 * (vsvm_compute_cancel()); the interpreter checks about every 256
 * instructions, so a runaway program stops promptly.
 */

#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_isa.h"
#include "vsvm_job.h"
#include "vsvm_vm.h"

#define FNV64_OFFSET	0xcbf29ce484222325ull
#define FNV64_PRIME	0x100000001b3ull

/* ---------------------------------------------------------------------- */
/* Copy engines                                                             */
/* ---------------------------------------------------------------------- */

/**
 * struct vsvm_access - translations of the current piece of a command
 * @src: source address of the piece
 * @dst: destination address of the piece
 * @src_pfn: its frame, valid while the lock is held
 * @dst_pfn: its frame, valid while the lock is held
 * @reads: the piece has a source (@src is used)
 * @writes: the piece has a destination (@dst is used)
 *
 * Whether an operand is used is said by @reads and @writes, not by a zero
 * address: 0 is an address like any other, which faults.
 */
struct vsvm_access {
	u64 src, dst;
	unsigned long src_pfn, dst_pfn;
	bool reads, writes;
};

static int copy_check_cancel(struct vsvm_job *job);

static int copy_stop(void *job)
{
	return copy_check_cancel(job);
}

/*
 * Translate the piece's operands. On success the VM's notifier lock is held
 * for read and the frames are valid until access_end(); on failure it is not
 * held and the job's status says why.
 */
static int access_begin(struct vsvm_job *job, struct vsvm_access *a)
{
	struct vsvm_vm *vm = job->vm;
	unsigned int misses = 0;
	u64 miss;
	bool write;
	int ret;

	for (;;) {
		down_read(&vm->svm.lock);
		if (a->reads && vsvm_vm_translate(vm, VSVM_TLB_COPY, a->src, false, &a->src_pfn)) {
			miss = a->src;
			write = false;
		} else if (a->writes &&
			   vsvm_vm_translate(vm, VSVM_TLB_COPY, a->dst, true, &a->dst_pfn)) {
			miss = a->dst;
			write = true;
		} else {
			return 0;
		}
		up_read(&vm->svm.lock);

		/* A device page fault. */
		ret = vsvm_vm_fault(vm, miss, write, &misses, copy_stop, job);
		if (ret)
			break;
	}
	/* A job told to stop ends as vsvm_job_end() says (TIMEOUT, CANCELED). */
	if (!copy_check_cancel(job))
		vsvm_job_fail(job, ret, miss, write);
	return ret;
}

static void access_end(struct vsvm_job *job)
{
	up_read(&job->vm->svm.lock);
	cond_resched();
}

/*
 * The timeout handler asked the job to stop (vsvm_job_end() says TIMEOUT), or
 * the device is being removed, which waits for the running jobs to stop.
 */
static int copy_check_cancel(struct vsvm_job *job)
{
	if (READ_ONCE(job->cancel))
		return -ETIME;
	if (drm_dev_is_unplugged(&job->vm->vdev->drm)) {
		job->status = DRM_VSVM_JOB_CANCELED;
		return -ENODEV;
	}
	return 0;
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
			a = (struct vsvm_access){ .src = se - n, .dst = de - n,
						  .reads = true, .writes = true };
		} else {
			a = (struct vsvm_access){ .src = cmd->src + done, .dst = cmd->dst + done,
						  .reads = true, .writes = true };
			n = min3(left, (u64)to_page_end(a.src), (u64)to_page_end(a.dst));
		}
		ret = copy_check_cancel(job) ?: access_begin(job, &a);
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
		struct vsvm_access a = { .dst = cmd->dst + done, .writes = true };
		size_t n = min(cmd->size - done, (u64)to_page_end(a.dst));
		u8 *page;
		size_t i;

		ret = copy_check_cancel(job) ?: access_begin(job, &a);
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

		a = (struct vsvm_access){ .src = cmd->src + done, .reads = true };
		n = min(cmd->size - done, (u64)to_page_end(a.src));
		ret = copy_check_cancel(job) ?: access_begin(job, &a);
		if (ret)
			return ret;
		page = kmap_local_pfn(a.src_pfn);
		for (i = 0; i < n; i++)
			hash = (hash ^ page[offset_in_page(a.src) + i]) * FNV64_PRIME;
		kunmap_local(page);
		access_end(job);
		done += n;
	}

	a = (struct vsvm_access){ .dst = cmd->dst, .writes = true };
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

/* A job ends: the audit (if built in) checks the VM against the CPU first. */
static void engine_job_end(struct vsvm_job *job)
{
	vsvm_svm_audit_cpu(&job->vm->svm);
	vsvm_job_end(job);
}

static void vsvm_copy_run(struct vsvm_job *job)
{
	const struct drm_vsvm_cmd *cmds = job->cmds;
	u32 i;
	int ret = 0;

	for (i = 0; i < job->num_cmds && !ret; i++) {
		const struct drm_vsvm_cmd *cmd = &cmds[i];

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
	if (!ret)
		job->cmd_index = 0;
	engine_job_end(job);
}

/**
 * vsvm_copy_exec_work() - a copy engine runs the next job of a VM
 * @work: &vsvm_vm.exec_work
 *
 * Runs one job and queues itself again while jobs wait: a work item never
 * runs on two engines at once, so a VM's jobs keep their order.
 */
void vsvm_copy_exec_work(struct work_struct *work)
{
	struct vsvm_vm *vm = container_of(work, struct vsvm_vm, exec_work);
	struct vsvm_job *job;
	int idx;

	spin_lock(&vm->queue_lock);
	job = list_first_entry_or_null(&vm->queue, struct vsvm_job, link);
	if (job) {
		list_del(&job->link);
		if (!list_empty(&vm->queue))
			queue_work(vm->vdev->copy_wq, &vm->exec_work);
	}
	spin_unlock(&vm->queue_lock);
	if (!job)
		return;
	if (!drm_dev_enter(&vm->vdev->drm, &idx)) {
		/* The device was removed: its engines run nothing more. */
		job->status = DRM_VSVM_JOB_CANCELED;
		vsvm_job_end(job);
		return;
	}
	vsvm_copy_run(job);
	drm_dev_exit(idx);
}

/* ---------------------------------------------------------------------- */
/* Compute engines                                                          */
/* ---------------------------------------------------------------------- */

/**
 * struct vsvm_compute_ctx - what the interpreter's memory ops work on
 * @job: the job whose workgroup runs
 * @eng: the engine running it
 */
struct vsvm_compute_ctx {
	struct vsvm_job *job;
	struct vsvm_compute_engine *eng;
};

/* One atomic read-modify-write of @size bytes at @p; returns the old value. */
static u64 compute_atomic(void *p, unsigned int size, enum vsvm_isa_atomic_op op,
			  u64 b, u64 cmp)
{
	if (size == 4) {
		u32 *p32 = p, old = READ_ONCE(*p32);

		/* A failed try_cmpxchg() updates old to the current value. */
		while (!try_cmpxchg(p32, &old, vsvm_isa_atomic_value(op, 4, old, b, cmp)))
			;
		return old;
	}

	{
		u64 *p64 = p, old = READ_ONCE(*p64);

		while (!try_cmpxchg(p64, &old, vsvm_isa_atomic_value(op, 8, old, b, cmp)))
			;
		return old;
	}
}

static u64 compute_load(const void *p, unsigned int size)
{
	switch (size) {
	case 1:
		return READ_ONCE(*(const u8 *)p);
	case 2:
		return le16_to_cpu(READ_ONCE(*(const __le16 *)p));
	case 4:
		return le32_to_cpu(READ_ONCE(*(const __le32 *)p));
	default:
		return le64_to_cpu(READ_ONCE(*(const __le64 *)p));
	}
}

static void compute_store(void *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		WRITE_ONCE(*(u8 *)p, v);
		break;
	case 2:
		WRITE_ONCE(*(__le16 *)p, cpu_to_le16(v));
		break;
	case 4:
		WRITE_ONCE(*(__le32 *)p, cpu_to_le32(v));
		break;
	default:
		WRITE_ONCE(*(__le64 *)p, cpu_to_le64(v));
		break;
	}
}

/* The accesses of one lane, through the frame its address translated to. */
static void compute_access_lane(struct vsvm_isa_mem_req *req, unsigned int lane,
				unsigned long pfn)
{
	u8 *page = kmap_local_pfn(pfn);
	void *p = page + offset_in_page(req->addr[lane]);

	switch (req->kind) {
	case VSVM_ISA_MEM_LOAD:
		req->data[lane] = compute_load(p, req->size);
		break;
	case VSVM_ISA_MEM_STORE:
		compute_store(p, req->size, req->data[lane]);
		break;
	case VSVM_ISA_MEM_ATOMIC:
		req->data[lane] = compute_atomic(p, req->size, req->atomic,
						 req->data[lane], req->cmp[lane]);
		break;
	}
	kunmap_local(page);
}

static bool compute_check_stop(void *data);

/* A fault of a job that must stop ends the workgroup as STOPPED, not FAULT. */
static int compute_stop(void *data)
{
	return compute_check_stop(data) ? -ECANCELED : 0;
}

/*
 * Translate every lane under the notifier lock, then access: no lane uses a
 * translation an invalidation has already taken away.
 */
static int compute_access(void *data, struct vsvm_isa_mem_req *req, u64 *fault_addr,
			  bool *fault_write)
{
	struct vsvm_compute_ctx *ctx = data;
	struct vsvm_vm *vm = ctx->job->vm;
	unsigned int tlb = VSVM_TLB_COMPUTE(ctx->eng->index);
	unsigned long lanes = req->lanes, pfn[VSVM_ISA_WAVE_LANES];
	bool write = req->kind != VSVM_ISA_MEM_LOAD;
	unsigned int misses = 0, lane, prev = 0;
	int ret;

	for (;;) {
		u64 miss = 0;
		bool missed = false;

		u64 page = U64_MAX;

		down_read(&vm->svm.lock);
		for_each_set_bit(lane, &lanes, VSVM_ISA_WAVE_LANES) {
			/* Lanes on the page of the lane before share its translation. */
			if (req->addr[lane] >> PAGE_SHIFT == page) {
				pfn[lane] = pfn[prev];
				continue;
			}
			prev = lane;
			page = req->addr[lane] >> PAGE_SHIFT;
			if (vsvm_vm_translate(vm, tlb, req->addr[lane], write, &pfn[lane])) {
				miss = req->addr[lane];
				missed = true;
				break;
			}
		}
		if (!missed) {
			for_each_set_bit(lane, &lanes, VSVM_ISA_WAVE_LANES)
				compute_access_lane(req, lane, pfn[lane]);
			up_read(&vm->svm.lock);
			return 0;
		}
		up_read(&vm->svm.lock);

		ret = vsvm_vm_fault(vm, miss, write, &misses, compute_stop, ctx);
		if (ret) {
			*fault_addr = miss;
			*fault_write = write;
			return ret;
		}
	}
}

static int compute_fetch(void *data, u64 addr, void *buf, size_t len, u64 *fault_addr)
{
	struct vsvm_compute_ctx *ctx = data;
	struct vsvm_vm *vm = ctx->job->vm;
	unsigned int tlb = VSVM_TLB_COMPUTE(ctx->eng->index);
	unsigned int misses = 0;
	unsigned long pfn;
	int ret;

	if (len > to_page_end(addr))
		return -EINVAL;
	for (;;) {
		down_read(&vm->svm.lock);
		if (!vsvm_vm_translate(vm, tlb, addr, false, &pfn)) {
			u8 *page = kmap_local_pfn(pfn);

			memcpy(buf, page + offset_in_page(addr), len);
			kunmap_local(page);
			up_read(&vm->svm.lock);
			return 0;
		}
		up_read(&vm->svm.lock);
		ret = vsvm_vm_fault(vm, addr, false, &misses, compute_stop, ctx);
		if (ret) {
			*fault_addr = addr;
			return ret;
		}
	}
}

/* One element of a run, with one access of its size (single-copy atomic). */
static void compute_copy_element(void *dst, const void *src, unsigned int size)
{
	switch (size) {
	case 1:
		WRITE_ONCE(*(u8 *)dst, READ_ONCE(*(const u8 *)src));
		break;
	case 2:
		WRITE_ONCE(*(u16 *)dst, READ_ONCE(*(const u16 *)src));
		break;
	case 4:
		WRITE_ONCE(*(u32 *)dst, READ_ONCE(*(const u32 *)src));
		break;
	default:
		WRITE_ONCE(*(u64 *)dst, READ_ONCE(*(const u64 *)src));
		break;
	}
}

/*
 * &vsvm_isa_mem_ops.access_run: a load or store of consecutive elements in
 * one page, with one translation. Anything but a hit is declined: the
 * interpreter then goes lane by lane through compute_access(), which
 * faults, retries and reports.
 */
static bool compute_access_run(void *data, u64 addr, void *buf, unsigned int len,
			       unsigned int size, bool write)
{
	struct vsvm_compute_ctx *ctx = data;
	struct vsvm_vm *vm = ctx->job->vm;
	unsigned int tlb = VSVM_TLB_COMPUTE(ctx->eng->index);
	unsigned long pfn;
	unsigned int off;
	u8 *page;

	if (!len || len > to_page_end(addr) || !IS_ALIGNED(addr, size))
		return false;
	down_read(&vm->svm.lock);
	if (vsvm_vm_translate(vm, tlb, addr, write, &pfn)) {
		up_read(&vm->svm.lock);
		return false;
	}
	page = kmap_local_pfn(pfn);
	for (off = 0; off < len; off += size) {
		u8 *mem = page + offset_in_page(addr) + off;

		if (write)
			compute_copy_element(mem, (u8 *)buf + off, size);
		else
			compute_copy_element((u8 *)buf + off, mem, size);
	}
	kunmap_local(page);
	up_read(&vm->svm.lock);
	return true;
}

static bool compute_check_stop(void *data)
{
	struct vsvm_compute_ctx *ctx = data;

	cond_resched();
	return READ_ONCE(ctx->job->stopping) || drm_dev_is_unplugged(&ctx->job->vm->vdev->drm);
}

static const struct vsvm_isa_mem_ops vsvm_compute_mem_ops = {
	.access = compute_access,
	.access_run = compute_access_run,
	.fetch = compute_fetch,
	.check_stop = compute_check_stop,
};

static const struct drm_vsvm_dispatch *current_dispatch(const struct vsvm_job *job)
{
	const struct drm_vsvm_dispatch *d = job->cmds;

	return &d[job->cmd_index];
}

static u64 dispatch_groups(const struct drm_vsvm_dispatch *d)
{
	return (u64)d->num_groups[0] * d->num_groups[1] * d->num_groups[2];
}

/* Make the job's next dispatch current; under the compute lock. */
static void compute_start_dispatch(struct vsvm_compute *c, struct vsvm_job *job)
{
	lockdep_assert_held(&c->lock);
	job->dispatch_seq = ++c->dispatch_seq;
	job->next_group = 0;
	job->num_groups = dispatch_groups(current_dispatch(job));
}

/* Record how a workgroup ended: the first failure of the job wins. */
static void compute_record(struct vsvm_compute *c, struct vsvm_job *job,
			   const struct vsvm_isa_result *res)
{
	lockdep_assert_held(&c->lock);
	if (res->status == VSVM_ISA_DONE)
		return;
	job->stopping = true;
	if (job->status)
		return;
	switch (res->status) {
	case VSVM_ISA_FAULT:
		if (res->err == -ECANCELED)
			goto stopped;	/* compute_stop() ended a fault */
		vsvm_job_fail(job, res->err, res->fault_addr, res->fault_write);
		job->pc = res->pc;
		break;
	case VSVM_ISA_INVALID:
		job->status = DRM_VSVM_JOB_INVALID;
		job->error = res->error;
		job->pc = res->pc;
		job->fault_addr = res->error == VSVM_ISA_ERR_ALIGN ||
				  res->error == VSVM_ISA_ERR_LDS ? res->fault_addr : 0;
		break;
	case VSVM_ISA_STOPPED:
stopped:
		/* A job that has not failed stops only when it timed out. */
		if (job->cancel) {
			job->status = DRM_VSVM_JOB_TIMEOUT;
			job->pc = res->pc;
		}
		break;
	default:
		break;
	}
}

static void compute_run_group(struct vsvm_compute_engine *eng, struct vsvm_job *job,
			      u64 dispatch_seq, u64 group, struct vsvm_isa_result *res)
{
	const struct drm_vsvm_dispatch *d = current_dispatch(job);
	struct vsvm_compute_ctx ctx = { .job = job, .eng = eng };
	u32 id[3];

	id[0] = group % d->num_groups[0];
	id[1] = (group / d->num_groups[0]) % d->num_groups[1];
	id[2] = group / ((u64)d->num_groups[0] * d->num_groups[1]);
	if (eng->last_dispatch != dispatch_seq) {
		vsvm_isa_engine_reset(eng->isa);
		eng->last_dispatch = dispatch_seq;
	}
	memset(res, 0, sizeof(*res));
	vsvm_isa_run_group(eng->isa, d, id, &vsvm_compute_mem_ops, &ctx, res);
	atomic64_inc(&eng->groups);
}

/* The head job can be finished, or has a workgroup to start. */
static bool compute_job_ready(const struct vsvm_job *job)
{
	return job->stopping ? !job->in_flight : job->next_group < job->num_groups;
}

/* What an engine does next; under the compute lock. */
enum compute_step { STEP_WAIT, STEP_GROUP, STEP_FINISH };

static enum compute_step compute_next(struct vsvm_compute *c, struct vsvm_job **jobp,
				      u64 *group, u64 *seq)
{
	struct vsvm_job *job = list_first_entry_or_null(&c->jobs, struct vsvm_job, link);

	lockdep_assert_held(&c->lock);
	if (!job)
		return STEP_WAIT;
	*jobp = job;
	if (!compute_job_ready(job))
		return STEP_WAIT;
	if (job->stopping) {
		list_del(&job->link);
		return STEP_FINISH;
	}
	*group = job->next_group++;
	*seq = job->dispatch_seq;
	job->in_flight++;
	return STEP_GROUP;
}

static bool compute_has_work(struct vsvm_compute *c)
{
	struct vsvm_job *job;
	bool ret;

	spin_lock(&c->lock);
	job = list_first_entry_or_null(&c->jobs, struct vsvm_job, link);
	ret = job && compute_job_ready(job);
	spin_unlock(&c->lock);
	return ret;
}

static int vsvm_compute_thread(void *data)
{
	struct vsvm_compute_engine *eng = data;
	struct vsvm_compute *c = eng->compute;
	struct vsvm_device *vdev = container_of(c, struct vsvm_device, compute);

	while (!kthread_should_stop()) {
		struct vsvm_isa_result res;
		struct vsvm_job *job = NULL;
		enum compute_step step;
		bool finish = false, gone;
		u64 group = 0, seq = 0;
		int idx;

		spin_lock(&c->lock);
		step = compute_next(c, &job, &group, &seq);
		spin_unlock(&c->lock);

		if (step == STEP_WAIT) {
			wait_event_interruptible(c->wq, kthread_should_stop() ||
						 compute_has_work(c));
			continue;
		}
		if (step == STEP_FINISH) {
			engine_job_end(job);
			wake_up_all(&c->wq);
			continue;
		}

		gone = !drm_dev_enter(&vdev->drm, &idx);
		if (!gone) {
			compute_run_group(eng, job, seq, group, &res);
			gone = res.status == VSVM_ISA_STOPPED && drm_dev_is_unplugged(&vdev->drm);
			drm_dev_exit(idx);
		} else {
			/* The device was removed: its engines run nothing more. */
			memset(&res, 0, sizeof(res));
			res.status = VSVM_ISA_STOPPED;
		}

		spin_lock(&c->lock);
		if (gone && !job->status)
			job->status = DRM_VSVM_JOB_CANCELED;
		compute_record(c, job, &res);
		job->in_flight--;
		if (!job->in_flight && job->next_group >= job->num_groups && !job->stopping) {
			/* The last workgroup of the dispatch ended. */
			if (job->cmd_index + 1 < job->num_cmds) {
				job->cmd_index++;
				compute_start_dispatch(c, job);
			} else {
				job->cmd_index = 0;
				list_del(&job->link);
				finish = true;
			}
		}
		spin_unlock(&c->lock);
		if (finish)
			engine_job_end(job);
		wake_up_all(&c->wq);
	}
	return 0;
}

/**
 * vsvm_compute_submit() - hand a compute job to the engines
 * @vdev: the device
 * @job: the job, from the scheduler's run_job
 *
 * The job runs after the jobs submitted before it; its fence signals when it
 * ends (vsvm_job_end()).
 */
void vsvm_compute_submit(struct vsvm_device *vdev, struct vsvm_job *job)
{
	struct vsvm_compute *c = &vdev->compute;

	spin_lock(&c->lock);
	job->cmd_index = 0;
	job->in_flight = 0;
	compute_start_dispatch(c, job);
	list_add_tail(&job->link, &c->jobs);
	spin_unlock(&c->lock);
	wake_up_all(&c->wq);
}

/**
 * vsvm_compute_cancel() - stop a compute job (timeout)
 * @vdev: the device
 * @job: a job given to vsvm_compute_submit() that has not ended
 *
 * No further workgroup of the job starts and the running ones stop at their
 * next check; the job then ends with %DRM_VSVM_JOB_TIMEOUT unless it failed
 * before.
 */
void vsvm_compute_cancel(struct vsvm_device *vdev, struct vsvm_job *job)
{
	struct vsvm_compute *c = &vdev->compute;

	spin_lock(&c->lock);
	WRITE_ONCE(job->cancel, true);
	job->stopping = true;
	spin_unlock(&c->lock);
	wake_up_all(&c->wq);
}

/**
 * vsvm_compute_init() - start the compute engines of a device
 * @vdev: the device
 * @num_engines: engines to start, 1 to %VSVM_MAX_COMPUTE_ENGINES
 *
 * Return: 0 or a negative errno; on failure nothing is left running.
 */
int vsvm_compute_init(struct vsvm_device *vdev, unsigned int num_engines)
{
	struct vsvm_compute *c = &vdev->compute;
	unsigned int i;

	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->jobs);
	init_waitqueue_head(&c->wq);
	c->num_engines = 0;
	for (i = 0; i < num_engines; i++) {
		struct vsvm_compute_engine *eng = &c->engines[i];

		eng->compute = c;
		eng->index = i;
		eng->isa = vsvm_isa_engine_alloc();
		if (!eng->isa)
			goto err;
		eng->thread = kthread_run(vsvm_compute_thread, eng, "vsvm-cmp%d.%u",
					  vdev->pdev->id, i);
		if (IS_ERR(eng->thread)) {
			vsvm_isa_engine_free(eng->isa);
			goto err;
		}
		c->num_engines++;
	}
	return 0;
err:
	vsvm_compute_fini(vdev);
	return -ENOMEM;
}

/**
 * vsvm_compute_fini() - stop the compute engines of a device
 * @vdev: the device, with no compute job left
 */
void vsvm_compute_fini(struct vsvm_device *vdev)
{
	struct vsvm_compute *c = &vdev->compute;
	unsigned int i;

	for (i = 0; i < c->num_engines; i++) {
		kthread_stop(c->engines[i].thread);
		vsvm_isa_engine_free(c->engines[i].isa);
	}
	c->num_engines = 0;
	WARN_ON(!list_empty(&c->jobs));
}
