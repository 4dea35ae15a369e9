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
 * run in parallel. A copy engine walks a command in pieces that stay inside
 * one 4 KiB page of each operand, in batches: it holds the VM's notifier lock
 * for read over the pieces of at most ``VSVM_COPY_BATCH_PAGES`` (64) pages
 * of the command, checks for cancellation and removal once per batch, and
 * lets others run between batches. An invalidation therefore waits at most
 * for one batch, and after it the engine cannot use a stale translation.
 * Within a batch an operand is translated once per leaf (a 2 MiB leaf serves
 * its 512 pages; vsvm_vm_translate_leaf()), and consecutive pieces whose
 * frames are contiguous in both operands form a run that one memmove(), fill
 * or hash call processes (on kernels without HIGHMEM, where the linear map
 * holds every frame; with HIGHMEM a run is one piece). Pieces are translated
 * in the order they always were, source before destination, so a fault
 * reports the same address; a miss ends the batch early, after the run
 * translated so far is processed, and the engine faults with the lock
 * dropped. The copy engines of a VM share one TLB, used by one job at a
 * time.
 *
 * **Compute engines** are ``compute_engines`` kernel threads
 * (``vsvm-cmp<dev>.<n>``). They run the compute jobs one at a time, in the
 * order the scheduler hands them over, and the dispatches of a job one after
 * the other. The engines split a dispatch's workgroups: each takes the next
 * workgroup, runs all its waves to their end in the ISA interpreter
 * (vsvm_isa.c) and takes the next; the engine that finishes the last
 * workgroup of a dispatch starts the next one.
 *
 * Only the first ``compute_engines_active`` engines (a tunable, 1 to
 * ``compute_engines``, all by default; vsvm_compute_set_active()) take
 * workgroups; the others idle. Lowering it while a dispatch runs lets an
 * engine left out finish the workgroup it has, and count it as usual (that
 * may be the dispatch's last one: it then starts the next dispatch or ends
 * the job all the same), and then take none; workgroups are handed out one
 * by one under the compute lock, so none is lost or run twice, and engine 0,
 * always active, carries the dispatch to its end. Raising it wakes the idle
 * engines, which join the dispatch that runs. The debugfs counters
 * ``compute_groups.<n>`` count the workgroups each engine ran.
 *
 * A memory instruction of a wave translates the addresses of all its active
 * lanes through the engine's own TLB under the VM's notifier lock held for
 * read, then makes the accesses and drops the lock; a lane without a
 * translation faults it in first (the lock is not held while the fault is
 * resolved, and only that engine waits). Atomics are compare-and-exchange
 * loops on the kernel mapping of the page, so they are atomic against CPU
 * atomics on the same memory.
 *
 * The first error of any workgroup (a fatal fault, an invalid program) stops
 * the dispatch: no further workgroup starts, and the running ones stop at
 * their next check. The scheduler's timeout handler stops a job the same way
 * (vsvm_compute_cancel()); the interpreter checks about every 256
 * instructions, so a runaway program stops promptly.
 */

#include <linux/bitops.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>

#include <kunit/visibility.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_isa.h"
#include "vsvm_job.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

#define FNV64_PRIME	0x100000001b3ull

/* ---------------------------------------------------------------------- */
/* Copy engines                                                             */
/* ---------------------------------------------------------------------- */

/**
 * struct vsvm_access - translations of one access outside a walk (the
 *	CHECKSUM result)
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
 * Translate the access's operands. On success the VM's notifier lock is held
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

/*
 * One memmove() over a run must leave the bytes that its pieces, copied one
 * after the other in the walk's order, would have left. It does unless the
 * destination overlaps the source ahead of the walk: then a piece would read
 * what an earlier piece of the run wrote. Only memory mapped at two device
 * addresses can make the frames overlap that way; such a run stays apart.
 */
static bool copy_run_in_order(const struct vsvm_copy_run *run, bool backwards)
{
	if (backwards)
		return run->dst >= run->src || run->dst + run->len <= run->src;
	return run->dst <= run->src || run->dst >= run->src + run->len;
}

/**
 * vsvm_copy_run_add() - extend a run of pieces by the next piece of a walk
 * @run: the run; an empty one (@run->len 0) takes any piece
 * @piece: the next piece of the walk, of at most a page of each operand
 * @flags: %VSVM_COPY_RUN_SRC and %VSVM_COPY_RUN_DST say which operands the
 *	pieces have (the other address is ignored); %VSVM_COPY_RUN_BACKWARDS
 *	that each piece lies just below the one before
 *
 * A piece joins when each operand it has continues the run's frames (just
 * after the run, or just before it for a backwards walk) and, for a copy, a
 * single memmove() of the longer run still gives the bytes that copying the
 * pieces one by one would: then one call processes the whole run.
 *
 * Return: true if @piece is now part of @run; false if @run is unchanged and
 * must be processed before @piece starts a new one.
 */
bool vsvm_copy_run_add(struct vsvm_copy_run *run, const struct vsvm_copy_run *piece,
		       unsigned int flags)
{
	bool backwards = flags & VSVM_COPY_RUN_BACKWARDS;
	struct vsvm_copy_run next;

	if (!run->len) {
		*run = *piece;
		return true;
	}
	if (backwards) {
		if ((flags & VSVM_COPY_RUN_SRC) && piece->src + piece->len != run->src)
			return false;
		if ((flags & VSVM_COPY_RUN_DST) && piece->dst + piece->len != run->dst)
			return false;
		next = (struct vsvm_copy_run){ .src = piece->src, .dst = piece->dst };
	} else {
		if ((flags & VSVM_COPY_RUN_SRC) && run->src + run->len != piece->src)
			return false;
		if ((flags & VSVM_COPY_RUN_DST) && run->dst + run->len != piece->dst)
			return false;
		next = (struct vsvm_copy_run){ .src = run->src, .dst = run->dst };
	}
	next.len = run->len + piece->len;
	if ((flags & VSVM_COPY_RUN_SRC) && (flags & VSVM_COPY_RUN_DST) &&
	    !copy_run_in_order(&next, backwards))
		return false;
	*run = next;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_run_add);

/**
 * vsvm_copy_fill() - write part of a FILL command's pattern
 * @p: first byte to write
 * @len: bytes to write
 * @pattern: NULL, or PAGE_SIZE bytes of the pattern from its byte 0 (what
 *	this function writes for @offset 0)
 * @value: the command's value; byte i of the command's destination gets
 *	byte i % 8 of @value in little-endian order
 * @offset: offset of @p from the command's destination
 *
 * Eight equal bytes are a memset(); otherwise @pattern is copied in pieces of
 * a multiple of 8 bytes, which keeps the phase; without it the bytes are
 * stored a word at a time. Nothing is read back from @p: a byte that another
 * writer changes meanwhile is never copied elsewhere.
 */
void vsvm_copy_fill(u8 *p, size_t len, const u8 *pattern, u64 value, u64 offset)
{
	size_t done = 0;
	__le64 word;

	if (value == (u8)value * 0x0101010101010101ull) {
		memset(p, (u8)value, len);
		return;
	}
	if (pattern) {
		while (done < len) {
			size_t n = min_t(size_t, len - done, PAGE_SIZE - sizeof(u64));

			memcpy(p + done, pattern + (offset + done) % 8, n);
			done += n;
		}
		return;
	}
	while (done < len && !IS_ALIGNED((unsigned long)p + done, sizeof(u64))) {
		p[done] = value >> (8 * ((offset + done) % 8));
		done++;
	}
	/* The word whose first byte is pattern byte (offset + done) % 8. */
	word = cpu_to_le64(ror64(value, 8 * ((offset + done) % 8)));
	for (; len - done >= sizeof(u64); done += sizeof(u64))
		*(__le64 *)(p + done) = word;
	for (; done < len; done++)
		p[done] = value >> (8 * ((offset + done) % 8));
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_fill);

/**
 * vsvm_copy_fnv1a() - go on with a CHECKSUM command's FNV-1a 64 hash
 * @hash: the hash of the bytes before @p (%VSVM_FNV64_OFFSET before the first)
 * @p: the next bytes
 * @len: their number
 *
 * Return: the hash of the bytes before @p followed by those at @p.
 */
u64 vsvm_copy_fnv1a(u64 hash, const u8 *p, size_t len)
{
	const u8 *end = p + len;

	while (p < end)
		hash = (hash ^ *p++) * FNV64_PRIME;
	return hash;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_fnv1a);

/**
 * struct vsvm_copy_xlat - an operand's last translation, for its whole leaf
 * @start: first address the translation covers, page aligned
 * @end: end of what it covers; @start == @end when there is none
 * @pfn: frame of @start
 * @gen: &vsvm_vm.tlb_gen when it was made: once aging has cleared accessed
 *	bits the leaf is walked again, as a TLB lookup would after its flush
 *
 * Valid only while the notifier lock stays held (a batch).
 */
struct vsvm_copy_xlat {
	u64 start, end;
	unsigned long pfn;
	int gen;
};

/**
 * struct vsvm_copy_walk - a copy engine going through one command
 * @job: the job
 * @cmd: the command
 * @flags: VSVM_COPY_RUN_* of the command
 * @done: bytes of the command processed (from its end when backwards)
 * @src: translation of the source, within a batch
 * @dst: translation of the destination, within a batch
 * @run: translated pieces not processed yet, within a batch
 * @run_offset: offset of @run's first byte in the command (FILL's pattern)
 * @pattern: FILL's pattern page for vsvm_copy_fill(), or NULL
 * @hash: CHECKSUM's hash of the bytes processed
 */
struct vsvm_copy_walk {
	struct vsvm_job *job;
	const struct drm_vsvm_cmd *cmd;
	unsigned int flags;
	u64 done;
	struct vsvm_copy_xlat src, dst;
	struct vsvm_copy_run run;
	u64 run_offset;
	const u8 *pattern;
	u64 hash;
};

/*
 * Translate @va, from the operand's last leaf when it covers @va: a 2 MiB
 * leaf costs one lookup for its 512 pages. Under the notifier lock, which
 * keeps the leaf (aging's clear_young runs under it for read too, hence
 * @gen).
 */
static int copy_translate(struct vsvm_vm *vm, struct vsvm_copy_xlat *x, u64 va, bool write,
			  phys_addr_t *phys)
{
	int gen = atomic_read(&vm->tlb_gen);
	unsigned long pfn;
	unsigned int order;
	u64 size;
	int ret;

	if (va >= x->start && va < x->end && gen == x->gen) {
		pfn = x->pfn + ((va - x->start) >> PAGE_SHIFT);
	} else {
		ret = vsvm_vm_translate_leaf(vm, VSVM_TLB_COPY, va, write, &pfn, &order);
		if (ret)
			return ret;
		size = (u64)PAGE_SIZE << order;
		x->start = ALIGN_DOWN(va, size);
		x->end = x->start + size;
		x->pfn = pfn - ((va - x->start) >> PAGE_SHIFT);
		x->gen = gen;
	}
	*phys = PFN_PHYS(pfn) + offset_in_page(va);
	return 0;
}

/*
 * The next piece of the walk, translated: it stays inside one page of each
 * operand, as pieces always did, so the operand that misses and the address
 * reported are the same as when every piece was translated on its own.
 */
static int copy_next_piece(struct vsvm_copy_walk *w, struct vsvm_copy_run *piece,
			   u64 *miss, bool *write)
{
	const struct drm_vsvm_cmd *cmd = w->cmd;
	struct vsvm_vm *vm = w->job->vm;
	u64 left = cmd->size - w->done, src, dst;
	size_t n;

	if (w->flags & VSVM_COPY_RUN_BACKWARDS) {
		n = min3(left, (u64)from_page_start(cmd->src + left),
			 (u64)from_page_start(cmd->dst + left));
		src = cmd->src + left - n;
		dst = cmd->dst + left - n;
	} else {
		src = cmd->src + w->done;
		dst = cmd->dst + w->done;
		n = min_t(u64, left, PAGE_SIZE);
		if (w->flags & VSVM_COPY_RUN_SRC)
			n = min(n, to_page_end(src));
		if (w->flags & VSVM_COPY_RUN_DST)
			n = min(n, to_page_end(dst));
	}
	*piece = (struct vsvm_copy_run){ .len = n };
	if ((w->flags & VSVM_COPY_RUN_SRC) &&
	    copy_translate(vm, &w->src, src, false, &piece->src)) {
		*miss = src;
		*write = false;
		return -ENOENT;
	}
	if ((w->flags & VSVM_COPY_RUN_DST) &&
	    copy_translate(vm, &w->dst, dst, true, &piece->dst)) {
		*miss = dst;
		*write = true;
		return -ENOENT;
	}
	return 0;
}

/*
 * Kernel address of @phys. Without HIGHMEM every frame is in the linear map,
 * so the address goes on for a whole run of contiguous frames; with it a run
 * is one piece, within one page. Device memory (DOC: Device memory) is
 * mapped for good and contiguously, so runs of its frames work the same: a
 * device's physical range lies at the top of the physical address space,
 * away from system memory, and 2 MiB that nobody maps separate it from
 * the next device's (a VM reaches other devices' memory under accessed-by).
 */
static void *copy_map(phys_addr_t phys, size_t len)
{
	void *addr = vsvm_mem_map(PHYS_PFN(phys)) + offset_in_page(phys);
	unsigned long pfn;

	if (IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT))
		WARN_ON_ONCE(!vsvm_mem_one_piece(PHYS_PFN(phys), PHYS_PFN(phys + len - 1)));

	/* Every page of a run in device memory is used, not only its first. */
	if (is_device_private_page(pfn_to_page(PHYS_PFN(phys))))
		for (pfn = PHYS_PFN(phys) + 1; pfn <= PHYS_PFN(phys + len - 1); pfn++)
			vsvm_vram_touch(pfn_to_page(pfn));
	return addr;
}

static void copy_unmap(phys_addr_t phys, const void *addr)
{
	vsvm_mem_unmap(PHYS_PFN(phys), addr);
}

/* Process the run: the one call per run the walk is for. */
static void copy_run_process(struct vsvm_copy_walk *w)
{
	const struct vsvm_copy_run *run = &w->run;
	void *src, *dst;

	if (!run->len)
		return;
	switch (w->cmd->op) {
	case DRM_VSVM_CMD_COPY:
		src = copy_map(run->src, run->len);
		dst = copy_map(run->dst, run->len);
		memmove(dst, src, run->len);
		copy_unmap(run->dst, dst);
		copy_unmap(run->src, src);
		break;
	case DRM_VSVM_CMD_FILL:
		dst = copy_map(run->dst, run->len);
		vsvm_copy_fill(dst, run->len, w->pattern, w->cmd->value, w->run_offset);
		copy_unmap(run->dst, dst);
		break;
	case DRM_VSVM_CMD_CHECKSUM:
		src = copy_map(run->src, run->len);
		w->hash = vsvm_copy_fnv1a(w->hash, src, run->len);
		copy_unmap(run->src, src);
		break;
	}
	w->run.len = 0;
}

/*
 * Walk a command in batches: each holds the notifier lock for read over at
 * most VSVM_COPY_BATCH_PAGES pages of the command (a piece more when the
 * operands' page offsets differ), so an invalidation waits at most for one
 * batch. A miss ends the batch early: what is translated so far is
 * processed, the lock dropped and the fault resolved as access_begin() does,
 * then a new batch goes on from the piece that missed.
 */
static int copy_walk(struct vsvm_copy_walk *w)
{
	const struct drm_vsvm_cmd *cmd = w->cmd;
	struct vsvm_vm *vm = w->job->vm;
	bool merge = !IS_ENABLED(CONFIG_HIGHMEM);
	unsigned int misses = 0;
	struct vsvm_copy_run piece;
	bool write = false;
	u64 miss = 0;
	int ret;

	while (w->done < cmd->size) {
		u64 batch_end = w->done + min_t(u64, cmd->size - w->done,
						VSVM_COPY_BATCH_PAGES * PAGE_SIZE);

		ret = copy_check_cancel(w->job);
		if (ret)
			return ret;
		down_read(&vm->svm.lock);
		w->src = (struct vsvm_copy_xlat){};
		w->dst = (struct vsvm_copy_xlat){};
		while (w->done < batch_end) {
			ret = copy_next_piece(w, &piece, &miss, &write);
			if (ret)
				break;
			/* A piece that starts a run sets its FILL pattern offset. */
			if (!merge || !w->run.len ||
			    !vsvm_copy_run_add(&w->run, &piece, w->flags)) {
				copy_run_process(w);
				w->run = piece;
				w->run_offset = w->done;
			}
			w->done += piece.len;
			misses = 0;
		}
		copy_run_process(w);
		up_read(&vm->svm.lock);
		if (ret) {
			/* A device page fault. */
			ret = vsvm_vm_fault(vm, miss, write, &misses, copy_stop, w->job);
			if (ret) {
				/* A job told to stop ends as vsvm_job_end() says. */
				if (!copy_check_cancel(w->job))
					vsvm_job_fail(w->job, ret, miss, write);
				return ret;
			}
		}
		cond_resched();
	}
	return 0;
}

static int run_copy(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	struct vsvm_copy_walk w = {
		.job = job,
		.cmd = cmd,
		.flags = VSVM_COPY_RUN_SRC | VSVM_COPY_RUN_DST,
	};

	/* memmove() semantics: an overlap ahead of the source walks backwards. */
	if (cmd->dst > cmd->src && cmd->dst < cmd->src + cmd->size)
		w.flags |= VSVM_COPY_RUN_BACKWARDS;
	return copy_walk(&w);
}

static int run_fill(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	struct vsvm_copy_walk w = { .job = job, .cmd = cmd, .flags = VSVM_COPY_RUN_DST };
	u8 *pattern = NULL;
	int ret;

	/* Without the page (no memory) the pattern is stored a word at a time. */
	if (cmd->size >= 2 * sizeof(u64))
		pattern = kmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
	if (pattern)
		vsvm_copy_fill(pattern, PAGE_SIZE, NULL, cmd->value, 0);
	w.pattern = pattern;
	ret = copy_walk(&w);
	kfree(pattern);
	return ret;
}

static int run_checksum(struct vsvm_job *job, const struct drm_vsvm_cmd *cmd)
{
	struct vsvm_copy_walk w = {
		.job = job,
		.cmd = cmd,
		.flags = VSVM_COPY_RUN_SRC,
		.hash = VSVM_FNV64_OFFSET,
	};
	struct vsvm_access a = { .dst = cmd->dst, .writes = true };
	__le64 *result;
	u8 *page;
	int ret;

	ret = copy_walk(&w);
	if (ret)
		return ret;
	ret = access_begin(job, &a);
	if (ret)
		return ret;
	page = vsvm_mem_map(a.dst_pfn);
	result = (__le64 *)(page + offset_in_page(a.dst));
	*result = cpu_to_le64(w.hash);
	vsvm_mem_unmap(a.dst_pfn, page);
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

/**
 * struct vsvm_copy_migration - the page copies of one migration step, for
 *	the copy engines' migration channel
 * @work: on &vsvm_device.migrate_wq
 * @src: migrate pfns of the source pages (struct migrate_vma.src)
 * @dst: migrate pfns of the destination pages, 0 where nothing moves
 * @n: entries of @src and @dst
 * @copied: pages copied
 */
struct vsvm_copy_migration {
	struct work_struct work;
	const unsigned long *src;
	const unsigned long *dst;
	unsigned long n;
	unsigned long copied;
};

static void migration_run_process(const struct vsvm_copy_run *run)
{
	void *src, *dst;

	if (!run->len)
		return;
	/* Moving a page is not a use of it: eviction's referenced bits stay. */
	src = __vsvm_mem_map(PHYS_PFN(run->src)) + offset_in_page(run->src);
	dst = __vsvm_mem_map(PHYS_PFN(run->dst)) + offset_in_page(run->dst);
	memcpy(dst, src, run->len);
	copy_unmap(run->dst, dst);
	copy_unmap(run->src, src);
}

static void copy_migration_work(struct work_struct *work)
{
	struct vsvm_copy_migration *m = container_of(work, struct vsvm_copy_migration, work);
	unsigned int flags = VSVM_COPY_RUN_SRC | VSVM_COPY_RUN_DST;
	struct vsvm_copy_run run = {}, piece;
	unsigned long i;

	for (i = 0; i < m->n; i++) {
		struct page *spage = migrate_pfn_to_page(m->src[i]);
		struct page *dpage = migrate_pfn_to_page(m->dst[i]);

		if (!spage || !dpage)
			continue;
		piece = (struct vsvm_copy_run){
			.src = page_to_phys(spage),
			.dst = page_to_phys(dpage),
			.len = PAGE_SIZE,
		};
		/* Contiguous frames on both sides are one copy, as for jobs. */
		if (IS_ENABLED(CONFIG_HIGHMEM) || !vsvm_copy_run_add(&run, &piece, flags)) {
			migration_run_process(&run);
			run = piece;
		}
		m->copied++;
	}
	migration_run_process(&run);
}

/**
 * vsvm_copy_migrate() - copy a migration's pages on the device's copy engines
 * @vdev: the device
 * @src: migrate pfns of the source pages
 * @dst: migrate pfns of the destination pages; an entry without a page
 *	(0) is not copied
 * @n: entries
 *
 * The engines address the pages physically, as a DMA engine would: a
 * migration's pages are locked and unmapped from every page table (the
 * device's too) while they move. Runs on the migration channel
 * (&vsvm_device.migrate_wq), never behind a job, and waits for the copy.
 * Sleeps.
 *
 * Return: the pages copied.
 */
unsigned long vsvm_copy_migrate(struct vsvm_device *vdev, const unsigned long *src,
				const unsigned long *dst, unsigned long n)
{
	struct vsvm_copy_migration m = { .src = src, .dst = dst, .n = n };

	INIT_WORK_ONSTACK(&m.work, copy_migration_work);
	queue_work(vdev->migrate_wq, &m.work);
	flush_work(&m.work);
	destroy_work_on_stack(&m.work);
	return m.copied;
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
	u8 *page = vsvm_mem_map(pfn);
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
	vsvm_mem_unmap(pfn, page);
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
			u8 *page = vsvm_mem_map(pfn);

			memcpy(buf, page + offset_in_page(addr), len);
			vsvm_mem_unmap(pfn, page);
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
	page = vsvm_mem_map(pfn);
	for (off = 0; off < len; off += size) {
		u8 *mem = page + offset_in_page(addr) + off;

		if (write)
			compute_copy_element(mem, (u8 *)buf + off, size);
		else
			compute_copy_element((u8 *)buf + off, mem, size);
	}
	vsvm_mem_unmap(pfn, page);
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

static enum compute_step compute_next(struct vsvm_compute_engine *eng, struct vsvm_job **jobp,
				      u64 *group, u64 *seq)
{
	struct vsvm_compute *c = eng->compute;
	struct vsvm_job *job = list_first_entry_or_null(&c->jobs, struct vsvm_job, link);

	lockdep_assert_held(&c->lock);
	/*
	 * An inactive engine takes nothing, not even a stopped job to end:
	 * engine 0 is always active and does that.
	 */
	if (!job || eng->index >= c->active)
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

static bool compute_has_work(struct vsvm_compute_engine *eng)
{
	struct vsvm_compute *c = eng->compute;
	struct vsvm_job *job;
	bool ret;

	spin_lock(&c->lock);
	job = list_first_entry_or_null(&c->jobs, struct vsvm_job, link);
	ret = job && eng->index < c->active && compute_job_ready(job);
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
		step = compute_next(eng, &job, &group, &seq);
		spin_unlock(&c->lock);

		if (step == STEP_WAIT) {
			wait_event_interruptible(c->wq, kthread_should_stop() ||
						 compute_has_work(eng));
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
 * vsvm_compute_set_active() - set how many compute engines take workgroups
 * @vdev: the device
 * @active: engines 0 to @active - 1 take workgroups, 1 to
 *	&vsvm_compute.num_engines
 *
 * Takes effect at once: an engine at or above @active finishes the
 * workgroup it runs and then idles; the engines below it that were idle are
 * woken, and join the dispatch that runs.
 *
 * Return: 0, or -EINVAL for @active out of range (nothing changes).
 */
int vsvm_compute_set_active(struct vsvm_device *vdev, unsigned int active)
{
	struct vsvm_compute *c = &vdev->compute;

	if (!active || active > c->num_engines)
		return -EINVAL;
	spin_lock(&c->lock);
	/* The engines read it under the lock; sysfs shows it without. */
	WRITE_ONCE(c->active, active);
	spin_unlock(&c->lock);
	wake_up_all(&c->wq);
	return 0;
}

/**
 * vsvm_compute_init() - start the compute engines of a device
 * @vdev: the device
 * @num_engines: engines to start, 1 to %VSVM_MAX_COMPUTE_ENGINES; all of
 *	them take workgroups (vsvm_compute_set_active() changes that)
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
	c->active = num_engines;
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
