/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_ENGINE_H__
#define __VSVM_ENGINE_H__

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct task_struct;
struct vsvm_device;
struct vsvm_isa_engine;
struct vsvm_job;
struct work_struct;

/* Compute engines a device may have (the compute_engines module parameter). */
#define VSVM_MAX_COMPUTE_ENGINES	8

/*
 * TLBs of a VM: one for the copy engines (a VM's copy jobs run one at a
 * time), then one per compute engine.
 */
#define VSVM_TLB_COPY			0
#define VSVM_TLB_COMPUTE(n)		(1 + (n))
#define VSVM_VM_TLBS			(1 + VSVM_MAX_COMPUTE_ENGINES)

/**
 * struct vsvm_compute_engine - one compute engine: a kernel thread
 * @compute: the device's compute block
 * @index: engine number, also its TLB in every VM (VSVM_TLB_COMPUTE())
 * @thread: the kernel thread
 * @isa: interpreter state (registers of one workgroup, instruction cache)
 * @last_dispatch: &vsvm_compute.dispatch_seq of the dispatch @isa last ran
 * @groups: workgroups this engine ran (debugfs ``compute_groups.<n>``)
 */
struct vsvm_compute_engine {
	struct vsvm_compute *compute;
	unsigned int index;
	struct task_struct *thread;
	struct vsvm_isa_engine *isa;
	u64 last_dispatch;
	atomic64_t groups;
};

/**
 * struct vsvm_compute - the compute engines of a device
 * @lock: protects @jobs and the dispatch progress of the jobs on it
 * @jobs: jobs handed over by the scheduler, in order; the first one runs
 * @wq: engines wait here for work
 * @dispatch_seq: numbers the dispatches started, for the instruction caches
 * @num_engines: engines in @engines
 * @active: engines that take workgroups, 1 to @num_engines: those with an
 *	index below it (the ``compute_engines_active`` tunable); written under
 *	@lock
 * @engines: the engines
 */
struct vsvm_compute {
	spinlock_t lock; /* protects @jobs and job progress */
	struct list_head jobs;
	wait_queue_head_t wq;
	u64 dispatch_seq;
	unsigned int num_engines;
	unsigned int active;
	struct vsvm_compute_engine engines[VSVM_MAX_COMPUTE_ENGINES];
};

int vsvm_compute_init(struct vsvm_device *vdev, unsigned int num_engines);
void vsvm_compute_fini(struct vsvm_device *vdev);
void vsvm_compute_submit(struct vsvm_device *vdev, struct vsvm_job *job);
void vsvm_compute_cancel(struct vsvm_device *vdev, struct vsvm_job *job);
int vsvm_compute_set_active(struct vsvm_device *vdev, unsigned int active);

void vsvm_copy_exec_work(struct work_struct *work);
unsigned long vsvm_copy_migrate(struct vsvm_device *vdev, const unsigned long *src,
				const unsigned long *dst, unsigned long n);

/* Pages of a command a copy engine processes per hold of the notifier lock. */
#define VSVM_COPY_BATCH_PAGES		64

/* FNV-1a 64, the hash of a CHECKSUM command, starts from this value. */
#define VSVM_FNV64_OFFSET		0xcbf29ce484222325ull

/* Flags of vsvm_copy_run_add(). */
#define VSVM_COPY_RUN_SRC		BIT(0)
#define VSVM_COPY_RUN_DST		BIT(1)
#define VSVM_COPY_RUN_BACKWARDS		BIT(2)

/**
 * struct vsvm_copy_run - memory a copy engine processes with one call
 * @src: physical address of the first source byte (the lowest)
 * @dst: physical address of the first destination byte (the lowest)
 * @len: bytes; 0 for an empty run
 *
 * Also one piece of a command: at most a page of each operand.
 */
struct vsvm_copy_run {
	phys_addr_t src;
	phys_addr_t dst;
	size_t len;
};

bool vsvm_copy_run_add(struct vsvm_copy_run *run, const struct vsvm_copy_run *piece,
		       unsigned int flags);
void vsvm_copy_fill(u8 *p, size_t len, const u8 *pattern, u64 value, u64 offset);
u64 vsvm_copy_fnv1a(u64 hash, const u8 *p, size_t len);

#endif /* __VSVM_ENGINE_H__ */
