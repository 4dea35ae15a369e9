// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: VMs
 *
 * A VM binds the mirror core (&struct vsvm_svm) to the virtual device: its
 * &struct vsvm_svm_ops write the device page table (&struct vsvm_pt) and
 * flush the engines' TLBs. A VM belongs to the file that created it and to
 * the address space (mm) of the process that created it; only tasks of that
 * mm may submit jobs to it. It mirrors that mm too, or, when created on a
 * pidfd, the mm of the target process, taken with mm_access() under the
 * Cross Memory Attach rule (PTRACE_MODE_ATTACH_REALCREDS). Tunables are
 * read when a VM is created and stay fixed for its life, except
 * ``event_policy`` and ``dbg_mask``, which take effect at once.
 */

#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/memcontrol.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_job.h"
#include "vsvm_vm.h"

#define VSVM_VMS_PER_FILE	1024

static struct vsvm_vm *svm_to_vm(struct vsvm_svm *svm)
{
	return container_of(svm, struct vsvm_vm, svm);
}

/*
 * Page-table pages are the mirrored process's memory, as its own page tables
 * are: charge them to its memory cgroup, also when a device engine (a kernel
 * thread) faults.
 */
static int vsvm_vm_prepare(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(svm->mm);
	struct mem_cgroup *old = set_active_memcg(memcg);
	int ret;

	ret = vsvm_pt_reserve(&svm_to_vm(svm)->pt, start, end, GFP_KERNEL_ACCOUNT);
	set_active_memcg(old);
	mem_cgroup_put(memcg);
	return ret;
}

static int vsvm_vm_map(struct vsvm_svm *svm, unsigned long addr, unsigned long pfn,
		       unsigned int order, bool writable)
{
	struct vsvm_vm *vm = svm_to_vm(svm);

	return vsvm_pt_map(&vm->pt, addr, pfn, order, writable ? VSVM_PTE_WRITE : 0,
			   &vm->pt_stats);
}

static int vsvm_vm_map_pages(struct vsvm_svm *svm, unsigned long start, unsigned long npages,
			     const unsigned long *hmm_pfns, struct vsvm_svm_map_result *res)
{
	struct vsvm_vm *vm = svm_to_vm(svm);
	struct vsvm_pt_stats *st = &vm->pt_stats;
	u64 mapped = st->mapped, unchanged = st->unchanged, changed = st->changed;
	int ret;

	ret = vsvm_pt_map_hmm(&vm->pt, start, npages, hmm_pfns, st);
	res->written = st->mapped - mapped;
	res->unchanged = st->unchanged - unchanged;
	res->flush = st->changed != changed;
	return ret;
}

static u64 vsvm_vm_zap(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	struct vsvm_vm *vm = svm_to_vm(svm);

	return vsvm_pt_zap(&vm->pt, start, end, &vm->pt_stats);
}

static u64 vsvm_vm_protect(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	struct vsvm_vm *vm = svm_to_vm(svm);

	return vsvm_pt_protect(&vm->pt, start, end, &vm->pt_stats);
}

/*
 * The device wrote this memory through a writable translation, perhaps one
 * taken from a CPU PTE that was writable but clean (MADV_FREE, a snapshot of
 * fault-around): before the translation goes, mark the folio dirty as a CPU
 * write would have, so that reclaim and writeback do not lose the data.
 */
static void vsvm_vm_pt_dirty(struct vsvm_pt *pt, unsigned long pfn, unsigned int order)
{
	struct folio *folio = pfn_folio(pfn);

	/* Device memory has no writeback: its data moves with the page. */
	if (!folio_is_device_private(folio))
		folio_mark_dirty(folio);
}

/* DOC: Device memory: a device-private frame is a page of device memory. */
static bool vsvm_vm_pt_local(unsigned long pfn)
{
	return is_device_private_page(pfn_to_page(pfn));
}

static u64 vsvm_vm_zap_filtered(struct vsvm_svm *svm, unsigned long start, unsigned long end,
				bool local)
{
	struct vsvm_vm *vm = svm_to_vm(svm);

	return vsvm_pt_zap_filtered(&vm->pt, start, end,
				    local ? VSVM_PT_ZAP_LOCAL : VSVM_PT_ZAP_SYSTEM, &vm->pt_stats);
}

static bool vsvm_vm_next_leaf(struct vsvm_svm *svm, unsigned long *addr, unsigned long end,
			      unsigned long *pfn, unsigned int *order, bool *writable)
{
	struct vsvm_pt_entry entry;
	u64 va = *addr;

	if (!vsvm_pt_next_leaf(&svm_to_vm(svm)->pt, &va, end, &entry))
		return false;
	*addr = va;
	*pfn = entry.pfn;
	*order = entry.order;
	*writable = entry.writable;
	return true;
}

/*
 * DOC: Aging, for the device: clear the accessed bits, and have every engine
 * drop its TLB before its next translation (a TLB hit sets no bit; the
 * engines own their TLBs, which only they may touch while the lock is held
 * for read).
 */
static u64 vsvm_vm_clear_young(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	struct vsvm_vm *vm = svm_to_vm(svm);
	u64 young = vsvm_pt_clear_young(&vm->pt, start, end);

	if (young)
		atomic_inc(&vm->tlb_gen);
	return young;
}

static bool vsvm_vm_test_young(struct vsvm_svm *svm, unsigned long addr)
{
	return vsvm_pt_test_young(&svm_to_vm(svm)->pt, addr);
}

static void vsvm_vm_young_map(struct vsvm_svm *svm, unsigned long start, unsigned long end,
			      unsigned long *map)
{
	vsvm_pt_young_map(&svm_to_vm(svm)->pt, start, end, map);
}

static void vsvm_vm_flush_tlb(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	struct vsvm_vm *vm = svm_to_vm(svm);
	unsigned int i;

	for (i = 0; i < vm->num_tlbs; i++)
		vsvm_tlb_invalidate_range(&vm->tlbs[i], start, end);
}

/* DOC: Device memory: the other devices with memory, for accessed-by. */
static void *vsvm_vm_next_peer(struct vsvm_svm *svm, unsigned int *cursor)
{
	void *owner;

	while (*cursor < VSVM_MAX_DEVICES) {
		owner = vsvm_vram_owner((*cursor)++);
		if (owner && owner != svm->owner)
			return owner;
	}
	return NULL;
}

static const struct vsvm_svm_ops vsvm_vm_svm_ops = {
	.prepare = vsvm_vm_prepare,
	.map = vsvm_vm_map,
	.map_pages = vsvm_vm_map_pages,
	.zap = vsvm_vm_zap,
	.zap_filtered = vsvm_vm_zap_filtered,
	.protect = vsvm_vm_protect,
	.flush_tlb = vsvm_vm_flush_tlb,
	.next_leaf = vsvm_vm_next_leaf,
	.clear_young = vsvm_vm_clear_young,
	.test_young = vsvm_vm_test_young,
	.young_map = vsvm_vm_young_map,
	.next_peer = vsvm_vm_next_peer,
};

/**
 * vsvm_vm_translate_leaf() - translate a device address, and say how far the
 *	translation reaches
 * @vm: the VM
 * @tlb: the engine's TLB (VSVM_TLB_COPY, VSVM_TLB_COMPUTE())
 * @va: device virtual address
 * @write: the access is a write
 * @pfn: set to the frame of the 4 KiB page holding @va
 * @order: set to the order of the leaf that maps @va: 0 (4 KiB) or
 *	%VSVM_PT_HUGE_ORDER (2 MiB)
 *
 * As vsvm_vm_translate(). The leaf maps the naturally aligned 2^@order pages
 * around @va to frames contiguous with @pfn, so until the lock is dropped the
 * caller may use the same translation for the following pages of that leaf
 * without another lookup, for the same kind of access: a write translation
 * covers the whole leaf because DIRTY (and the permission to write) belongs to
 * the leaf, not to one of its pages.
 *
 * Return: 0, or -ENOENT when there is no translation allowing the access (a
 * device page fault).
 */
int vsvm_vm_translate_leaf(struct vsvm_vm *vm, unsigned int tlb, u64 va, bool write,
			   unsigned long *pfn, unsigned int *order)
{
	struct vsvm_tlb_result hit;
	struct vsvm_pt_entry entry;
	int gen;

	lockdep_assert_held_read(&vm->svm.lock);

	gen = atomic_read(&vm->tlb_gen);
	if (unlikely(gen != vm->tlb_seen[tlb])) {
		/* Aging cleared accessed bits: walk again, to set them again. */
		vsvm_tlb_flush_all(&vm->tlbs[tlb]);
		vm->tlb_seen[tlb] = gen;
	}
	if (vsvm_tlb_lookup(&vm->tlbs[tlb], va, write, &hit)) {
		*pfn = hit.pfn;
		*order = hit.order;
		return 0;
	}
	if (!vsvm_pt_touch(&vm->pt, va, write, &entry))
		return -ENOENT;
	/*
	 * Cache write permission only once the leaf is DIRTY: the first write
	 * through a clean leaf must walk the table to set DIRTY, or the write
	 * would never reach the CPU side's dirty tracking.
	 */
	vsvm_tlb_insert(&vm->tlbs[tlb], va, entry.pfn, entry.order, entry.writable && entry.dirty);
	*pfn = entry.pfn;
	*order = entry.order;
	return 0;
}

/**
 * vsvm_vm_translate() - translate a device address as an engine does
 * @vm: the VM
 * @tlb: the engine's TLB (VSVM_TLB_COPY, VSVM_TLB_COMPUTE())
 * @va: device virtual address
 * @write: the access is a write
 * @pfn: set to the frame of the 4 KiB page holding @va
 *
 * Looks in the engine's TLB, then walks the page table (setting the
 * accessed/dirty bits) and fills the TLB. Call with @vm->svm.lock held for
 * read, and use the result only until it is dropped.
 *
 * Return: 0, or -ENOENT when there is no translation allowing the access (a
 * device page fault).
 */
int vsvm_vm_translate(struct vsvm_vm *vm, unsigned int tlb, u64 va, bool write,
		      unsigned long *pfn)
{
	unsigned int order;

	return vsvm_vm_translate_leaf(vm, tlb, va, write, pfn, &order);
}

/*
 * DOC: Range attributes, for the device: before the first fault of an
 * access, move the block around it where its preferred location says, unless
 * the device accesses the range in place. Best effort: the fault maps the
 * pages wherever they are then.
 */
static void vsvm_vm_fault_place(struct vsvm_vm *vm, u64 addr)
{
	struct vsvm_vram *vram = &vm->vdev->vram;
	struct mm_struct *mm = vm->svm.mm;
	struct vm_area_struct *vma;
	struct vsvm_svm_attr attr;
	unsigned long run_end, block, start, end;

	if (!vram->npages)
		return;
	vsvm_svm_attr_get(&vm->svm, addr, addr + PAGE_SIZE, &attr, &run_end);
	if (attr.accessed_by || attr.preferred == VSVM_SVM_LOC_NONE)
		return;
	block = 1UL << attr.granularity_shift;
	start = ALIGN_DOWN(addr, block);
	end = start + block;
	/* Only the part of the block with these attributes: the run around addr. */
	while (start < end) {
		struct vsvm_svm_attr other;

		vsvm_svm_attr_get(&vm->svm, start, end, &other, &run_end);
		if (run_end > addr) {
			end = run_end;
			break;
		}
		start = run_end;
	}
	if (!mmget_not_zero(mm))
		return;
	/* Within the fault's VMA: a block may straddle VMAs. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma) {
		start = max(start, vma->vm_start);
		end = min(end, vma->vm_end);
	}
	mmap_read_unlock(mm);
	if (vma)
		vsvm_vram_migrate(vram, mm, start, end, attr.preferred == VSVM_SVM_LOC_DEVICE);
	mmput(mm);
}

/**
 * vsvm_vm_fault() - an engine's device page fault: resolve it or give up
 * @vm: the VM
 * @addr: the address whose translation missed
 * @write: the access is a write
 * @misses: the caller's count of misses of this access, 0 before the first
 *	(the first one moves the block around @addr as the range's attributes
 *	say, DOC: Range attributes)
 * @stop: if not NULL, tells that the access must end (the job timed out, the
 *	device went away, a fatal signal): return 0 to go on, or an errno
 * @ctx: passed to @stop
 *
 * The one translate -> unlock -> fault -> retry loop of the device: an
 * engine (or PREFETCH) calls it, with no lock held, after
 * vsvm_vm_translate() missed, and translates again when it returns 0. A
 * collision with invalidations (the core gives up after
 * ``fault_max_retries`` of them, or the new translation is taken away again
 * before the access could use it) is progress on the CPU side, not an
 * error: past ``fault_max_retries`` + 2 misses of one access the engine backs
 * off (200 us, doubling to 10 ms) and tries again for as long as @stop lets
 * it, as a hardware engine would replay the access.
 *
 * Return: 0 to translate again; @stop's errno; or the fault's fatal error
 * (-EFAULT, -EPERM, -ESRCH, -ENOMEM).
 */
int vsvm_vm_fault(struct vsvm_vm *vm, u64 addr, bool write, unsigned int *misses,
		  int (*stop)(void *ctx), void *ctx)
{
	unsigned int budget = vm->svm.config.max_retries + 2;
	int ret;

	if (!*misses)
		vsvm_vm_fault_place(vm, addr);
	for (;;) {
		ret = stop ? stop(ctx) : 0;
		if (ret)
			return ret;
		if (++*misses > budget)
			fsleep(min(10000UL, 100UL << min(*misses - budget, 7U)));
		ret = vsvm_svm_fault(&vm->svm, addr, write);
		if (ret != -EAGAIN)
			return ret;
	}
}

static void vsvm_vm_tlbs_fini(struct vsvm_vm *vm, unsigned int n)
{
	while (n--)
		vsvm_tlb_fini(&vm->tlbs[n]);
	vm->num_tlbs = 0;
}

static int vsvm_vm_tlbs_init(struct vsvm_vm *vm, unsigned int n, unsigned int entries)
{
	int ret;

	for (vm->num_tlbs = 0; vm->num_tlbs < n; vm->num_tlbs++) {
		ret = vsvm_tlb_init(&vm->tlbs[vm->num_tlbs], entries, VSVM_TLB_DEFAULT_WAYS);
		if (ret) {
			vsvm_vm_tlbs_fini(vm, vm->num_tlbs);
			return ret;
		}
	}
	return 0;
}

static void vsvm_vm_release(struct kref *kref)
{
	struct vsvm_vm *vm = container_of(kref, struct vsvm_vm, refcount);
	struct vsvm_device *vdev = vm->vdev;
	u64 counters[DRM_VSVM_COUNTER_COUNT];
	int i;

	/*
	 * Zap everything while the notifiers still keep the translations
	 * current, so that what the device wrote is marked dirty.
	 */
	vsvm_svm_audit_leaves(&vm->svm);
	down_write(&vm->svm.lock);
	vsvm_pt_zap(&vm->pt, 0, VSVM_PT_VA_END, &vm->pt_stats);
	up_write(&vm->svm.lock);

	vsvm_vm_counters(vm, counters);
	mutex_lock(&vdev->vms_lock);
	list_del(&vm->link);
	for (i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
		if (!vsvm_counter_is_gauge(i))
			vdev->retired[i] += counters[i];
	mutex_unlock(&vdev->vms_lock);

	vsvm_svm_fini(&vm->svm);
	vsvm_job_release_all(vm);
	vsvm_vm_tlbs_fini(vm, vm->num_tlbs);
	vsvm_pt_fini(&vm->pt);
	xa_destroy(&vm->jobs);
	mutex_destroy(&vm->job_lock);
	mmdrop(vm->submitter_mm);
	put_pid(vm->owner);
	kfree(vm);
}

/**
 * vsvm_vm_put() - drop a VM reference
 * @vm: the VM
 */
void vsvm_vm_put(struct vsvm_vm *vm)
{
	kref_put(&vm->refcount, vsvm_vm_release);
}

/**
 * vsvm_vm_lookup() - find a VM of a file and take a reference
 * @vfile: the file
 * @id: the VM id
 *
 * Return: the VM (release with vsvm_vm_put()), or NULL.
 */
struct vsvm_vm *vsvm_vm_lookup(struct vsvm_file *vfile, u32 id)
{
	struct vsvm_vm *vm;

	xa_lock(&vfile->vms);
	vm = xa_load(&vfile->vms, id);
	if (vm)
		kref_get(&vm->refcount);
	xa_unlock(&vfile->vms);
	return vm;
}

static struct vsvm_vm *vsvm_vm_create(struct vsvm_device *vdev, struct mm_struct *mm)
{
	const struct vsvm_tunables *t = &vdev->tunables;
	struct vsvm_svm_config config = {
		.window_shift = ilog2(READ_ONCE(t->notifier_window_mb)) + 20,
		.chunk_sizes = READ_ONCE(t->chunk_sizes),
		.fault_around = (unsigned long)READ_ONCE(t->fault_around_kb) * SZ_1K,
		.max_retries = READ_ONCE(t->fault_max_retries),
		.huge_pages = READ_ONCE(t->huge_pages),
		.aging = &t->aging,
		.prefetch_threshold = &t->prefetch_threshold,
	};
	struct vsvm_vm *vm;
	int ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->refcount);
	vm->vdev = vdev;
	mutex_init(&vm->job_lock);
	xa_init(&vm->jobs);
	vm->next_job_id = 1;
	vm->oldest_job_id = 1;
	atomic_set(&vm->jobs_alive, 0);
	spin_lock_init(&vm->queue_lock);
	INIT_LIST_HEAD(&vm->queue);
	INIT_WORK(&vm->exec_work, vsvm_copy_exec_work);
	vm->fence_context = dma_fence_context_alloc(VSVM_ENGINE_CLASSES);
	vm->owner = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(vm->owner_comm, current);

	ret = vsvm_pt_init(&vm->pt);
	if (ret)
		goto err_free;
	vm->pt.dirty = vsvm_vm_pt_dirty;
	vm->pt.local = vsvm_vm_pt_local;
	ret = vsvm_vm_tlbs_init(vm, 1 + vdev->compute.num_engines, READ_ONCE(t->tlb_entries));
	if (ret)
		goto err_pt;
	ret = vsvm_svm_init(&vm->svm, mm, &vsvm_vm_svm_ops, &config,
			    &t->event_policy, vdev);
	if (ret)
		goto err_tlb;
	/* Before the first fault registers a notifier (DOC: Device memory). */
	if (vdev->vram.npages)
		vm->svm.owner_in = &vdev->vram;
	ret = vsvm_job_vm_init(vm);
	if (ret)
		goto err_svm;

	vm->submitter_mm = current->mm;
	mmgrab(vm->submitter_mm);

	mutex_lock(&vdev->vms_lock);
	list_add_tail(&vm->link, &vdev->vms);
	mutex_unlock(&vdev->vms_lock);
	return vm;

err_svm:
	vsvm_svm_fini(&vm->svm);
err_tlb:
	vsvm_vm_tlbs_fini(vm, vm->num_tlbs);
err_pt:
	vsvm_pt_fini(&vm->pt);
err_free:
	put_pid(vm->owner);
	kfree(vm);
	return ERR_PTR(ret);
}

#ifdef CONFIG_EXPORT_MM_ACCESS
/*
 * The mm of the process @pidfd refers to, with a user reference (mmget()),
 * if the caller may ptrace-attach to it with its real credentials:
 * mm_access() returns -EACCES otherwise, -ESRCH when it has no mm.
 */
static struct mm_struct *vsvm_vm_pidfd_mm(struct vsvm_device *vdev, int pidfd)
{
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int f_flags;

	task = pidfd_get_task(pidfd, &f_flags);
	if (IS_ERR(task))
		return ERR_PTR(vsvm_reject_errno(vdev, PTR_ERR(task),
						 "VM_CREATE: fd %d is no live pidfd\n", pidfd));
	mm = mm_access(task, PTRACE_MODE_ATTACH_REALCREDS);
	if (IS_ERR(mm))
		vsvm_reject_errno(vdev, PTR_ERR(mm), "VM_CREATE: may not mirror pid %d\n",
				  task_tgid_nr(task));
	put_task_struct(task);
	return mm;
}
#else
/* The kernel does not export mm_access() and pidfd_get_task(). */
static struct mm_struct *vsvm_vm_pidfd_mm(struct vsvm_device *vdev, int pidfd)
{
	return ERR_PTR(vsvm_reject_errno(vdev, -EOPNOTSUPP,
					 "VM_CREATE: this kernel cannot check a pidfd\n"));
}
#endif

/**
 * vsvm_vm_create_ioctl() - DRM_IOCTL_VSVM_VM_CREATE
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_create
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_create).
 */
int vsvm_vm_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct vsvm_file *vfile = file->driver_priv;
	struct drm_vsvm_vm_create *args = data;
	struct mm_struct *mm;
	struct vsvm_vm *vm;
	int idx, ret;
	u32 id;

	if (args->extensions || (args->flags & ~DRM_VSVM_VM_CREATE_FLAGS) ||
	    !(args->flags & DRM_VSVM_VM_CREATE_SVM))
		return vsvm_reject(vdev, "VM_CREATE: bad extensions or flags 0x%x\n", args->flags);
	if (args->pad || (args->pidfd && !(args->flags & DRM_VSVM_VM_CREATE_PIDFD)))
		return vsvm_reject(vdev, "VM_CREATE: pad %u or pidfd %d without the flag\n",
				   args->pad, args->pidfd);
	if (!current->mm)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	if (args->flags & DRM_VSVM_VM_CREATE_PIDFD) {
		mm = vsvm_vm_pidfd_mm(vdev, args->pidfd);
	} else {
		mm = current->mm;
		mmget(mm);
	}
	if (IS_ERR(mm)) {
		ret = PTR_ERR(mm);
		goto out;
	}
	vm = vsvm_vm_create(vdev, mm);
	mmput(mm);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
		goto out;
	}

	ret = xa_alloc(&vfile->vms, &id, vm, XA_LIMIT(1, VSVM_VMS_PER_FILE), GFP_KERNEL);
	if (ret) {
		vsvm_vm_put(vm);
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto out;
	}
	vm->id = id;
	vm->svm.id = id;
	args->vm_id = id;
out:
	drm_dev_exit(idx);
	return ret;
}

/* The VM is out of its file: wait for its jobs, drop the file's reference. */
static void vsvm_vm_destroy(struct vsvm_vm *vm)
{
	vsvm_job_vm_fini(vm);
	vsvm_vm_put(vm);
}

/**
 * vsvm_vm_destroy_ioctl() - DRM_IOCTL_VSVM_VM_DESTROY
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_destroy
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_destroy).
 */
int vsvm_vm_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct vsvm_file *vfile = file->driver_priv;
	struct drm_vsvm_vm_destroy *args = data;
	struct vsvm_vm *vm;

	if (args->pad)
		return vsvm_reject(vdev, "VM_DESTROY: pad must be zero\n");
	vm = xa_erase(&vfile->vms, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "VM_DESTROY: no VM %u\n", args->vm_id);
	vsvm_vm_destroy(vm);
	return 0;
}

/**
 * vsvm_vm_file_close() - destroy the VMs of a closing file
 * @vfile: the file
 */
void vsvm_vm_file_close(struct vsvm_file *vfile)
{
	struct vsvm_vm *vm;
	unsigned long id;

	xa_for_each(&vfile->vms, id, vm) {
		xa_erase(&vfile->vms, id);
		vsvm_vm_destroy(vm);
	}
	xa_destroy(&vfile->vms);
}

/**
 * vsvm_counter_is_gauge() - tell a level from an event count
 * @counter: &enum drm_vsvm_counter
 *
 * Return: true for counters that say how much exists now (ranges,
 * notifiers, page-table bytes, live translations), which do not add up over
 * destroyed VMs.
 */
bool vsvm_counter_is_gauge(unsigned int counter)
{
	return counter == DRM_VSVM_COUNTER_RANGES_ALIVE ||
	       counter == DRM_VSVM_COUNTER_NOTIFIERS_ALIVE ||
	       counter == DRM_VSVM_COUNTER_PT_BYTES ||
	       counter == DRM_VSVM_COUNTER_PTES_LIVE;
}

/**
 * vsvm_vm_counters() - the VM's counters in uapi order
 * @vm: the VM
 * @counters: DRM_VSVM_COUNTER_COUNT values, indexed by &enum drm_vsvm_counter
 */
void vsvm_vm_counters(struct vsvm_vm *vm, u64 *counters)
{
	static const u8 from_svm[DRM_VSVM_COUNTER_COUNT] = {
		[DRM_VSVM_COUNTER_FAULTS] = VSVM_SVM_STAT_FAULTS,
		[DRM_VSVM_COUNTER_FAULTS_FATAL] = VSVM_SVM_STAT_FAULTS_FATAL,
		[DRM_VSVM_COUNTER_FAULT_RETRIES] = VSVM_SVM_STAT_RETRIES,
		[DRM_VSVM_COUNTER_MAPPED_4K] = VSVM_SVM_STAT_MAPPED_4K,
		[DRM_VSVM_COUNTER_MAPPED_2M] = VSVM_SVM_STAT_MAPPED_2M,
		[DRM_VSVM_COUNTER_INVAL_UNMAP] = VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_UNMAP,
		[DRM_VSVM_COUNTER_INVAL_CLEAR] = VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_CLEAR,
		[DRM_VSVM_COUNTER_INVAL_PROTECTION_VMA] =
			VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_PROTECTION_VMA,
		[DRM_VSVM_COUNTER_INVAL_PROTECTION_PAGE] =
			VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_PROTECTION_PAGE,
		[DRM_VSVM_COUNTER_INVAL_SOFT_DIRTY] =
			VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_SOFT_DIRTY,
		[DRM_VSVM_COUNTER_INVAL_RELEASE] = VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_RELEASE,
		[DRM_VSVM_COUNTER_INVAL_MIGRATE] = VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_MIGRATE,
		[DRM_VSVM_COUNTER_INVAL_EXCLUSIVE] =
			VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_EXCLUSIVE,
		[DRM_VSVM_COUNTER_INVAL_NONBLOCK_FAILED] = VSVM_SVM_STAT_NONBLOCK_FAILED,
		[DRM_VSVM_COUNTER_PTES_ZAPPED] = VSVM_SVM_STAT_ZAPPED,
		[DRM_VSVM_COUNTER_PTES_DOWNGRADED] = VSVM_SVM_STAT_DOWNGRADED,
		[DRM_VSVM_COUNTER_TLB_FLUSHES] = VSVM_SVM_STAT_TLB_FLUSHES,
		[DRM_VSVM_COUNTER_RANGES_GC] = VSVM_SVM_STAT_RANGES_GC,
		[DRM_VSVM_COUNTER_RANGES_ALIVE] = VSVM_SVM_STAT_RANGES,
		[DRM_VSVM_COUNTER_NOTIFIERS_ALIVE] = VSVM_SVM_STAT_NOTIFIERS,
		[DRM_VSVM_COUNTER_FAULT_NS] = VSVM_SVM_STAT_FAULT_NS,
		[DRM_VSVM_COUNTER_HMM_NS] = VSVM_SVM_STAT_HMM_NS,
		[DRM_VSVM_COUNTER_YOUNG_QUERIES] = VSVM_SVM_STAT_YOUNG_QUERIES,
		[DRM_VSVM_COUNTER_YOUNG_ANSWERS] = VSVM_SVM_STAT_YOUNG_ANSWERS,
		[DRM_VSVM_COUNTER_YOUNG_CLEARED] = VSVM_SVM_STAT_YOUNG_CLEARED,
		[DRM_VSVM_COUNTER_PREFETCHED] = VSVM_SVM_STAT_PREFETCHED,
		[DRM_VSVM_COUNTER_PREFETCH_USED] = VSVM_SVM_STAT_PREFETCH_USED,
		[DRM_VSVM_COUNTER_PTES_UNCHANGED] = VSVM_SVM_STAT_UNCHANGED,
	};
	int i;

	for (i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
		counters[i] = vsvm_svm_stat(&vm->svm, from_svm[i]);

	down_read(&vm->svm.lock);
	counters[DRM_VSVM_COUNTER_PT_BYTES] = vsvm_pt_bytes(&vm->pt);
	counters[DRM_VSVM_COUNTER_PTES_LIVE] = vsvm_pt_live(&vm->pt);
	up_read(&vm->svm.lock);
}

/**
 * vsvm_vm_counters_ioctl() - DRM_IOCTL_VSVM_VM_COUNTERS
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_counters
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_counters).
 */
int vsvm_vm_counters_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_vm_counters *args = data;
	u64 counters[DRM_VSVM_COUNTER_COUNT];
	struct vsvm_vm *vm;
	u32 n;
	int ret = 0;

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "VM_COUNTERS: no VM %u\n", args->vm_id);
	vsvm_vm_counters(vm, counters);
	vsvm_vm_put(vm);

	n = min_t(u32, args->count, DRM_VSVM_COUNTER_COUNT);
	if (n && copy_to_user(u64_to_user_ptr(args->counters_ptr), counters,
			      n * sizeof(u64)))
		ret = -EFAULT;
	args->count = DRM_VSVM_COUNTER_COUNT;
	return ret;
}

/* DOC: Device memory: move the pages of [start, end) before mapping them. */
static int prefetch_place(struct vsvm_vm *vm, unsigned long start, unsigned long end,
			  bool to_device)
{
	struct mm_struct *mm = vm->svm.mm;
	int ret;

	if (!mmget_not_zero(mm))
		return -EFAULT;
	ret = vsvm_vram_migrate(&vm->vdev->vram, mm, start, end, to_device);
	mmput(mm);
	if (ret)
		vsvm_dbg(vm->vdev, VSVM_DBG_IOCTL, "PREFETCH: moving [0x%lx, 0x%lx) %s: %d\n",
			 start, end, to_device ? "to the device" : "to system memory", ret);
	return ret;
}

static int prefetch_stop(void *unused)
{
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/**
 * vsvm_vm_prefetch_ioctl() - DRM_IOCTL_VSVM_VM_PREFETCH
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_prefetch
 * @file: the caller's file
 *
 * Faults every page of the range that has no suitable translation, as the
 * copy engine would: one fault maps its whole fault-around span, so most
 * pages are found already mapped.
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_prefetch).
 */
int vsvm_vm_prefetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_vm_prefetch *args = data;
	bool write = args->flags & DRM_VSVM_PREFETCH_WRITE;
	struct vsvm_pt_entry entry;
	bool placed;
	unsigned int misses;
	struct vsvm_vm *vm;
	u64 addr, end;
	int idx, ret = 0;

	if (args->flags & ~DRM_VSVM_PREFETCH_FLAGS)
		return vsvm_reject(vdev, "PREFETCH: unknown flags 0x%x\n", args->flags);
	if ((args->flags & DRM_VSVM_PREFETCH_TO_DEVICE) &&
	    (args->flags & DRM_VSVM_PREFETCH_TO_SYSTEM))
		return vsvm_reject(vdev, "PREFETCH: both TO_DEVICE and TO_SYSTEM\n");
	if (!args->size || args->start + args->size < args->start)
		return vsvm_reject(vdev, "PREFETCH: bad range size %llu\n", args->size);
	if ((args->flags & (DRM_VSVM_PREFETCH_TO_DEVICE | DRM_VSVM_PREFETCH_TO_SYSTEM)) &&
	    !vdev->vram.npages)
		return vsvm_reject_errno(vdev, -EOPNOTSUPP,
					 "PREFETCH: placement asked, and the device has no memory\n");

	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "PREFETCH: no VM %u\n", args->vm_id);
	if (current->mm != vm->submitter_mm) {
		ret = vsvm_reject_errno(vdev, -EACCES,
					"PREFETCH: VM %u belongs to another process\n", vm->id);
		goto out;
	}
	if (!drm_dev_enter(drm, &idx)) {
		ret = -ENODEV;
		goto out;
	}

	end = args->start + args->size;
	placed = args->flags & (DRM_VSVM_PREFETCH_TO_DEVICE | DRM_VSVM_PREFETCH_TO_SYSTEM);
	if (placed) {
		ret = prefetch_place(vm, ALIGN_DOWN(args->start, PAGE_SIZE), PAGE_ALIGN(end),
				     args->flags & DRM_VSVM_PREFETCH_TO_DEVICE);
		if (ret)
			goto exit;
	}
	for (addr = ALIGN_DOWN(args->start, PAGE_SIZE); addr < end; addr += PAGE_SIZE) {
		bool mapped;

		/* A range of terabytes, mapped or not, must stay killable. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		down_read(&vm->svm.lock);
		mapped = vsvm_pt_lookup(&vm->pt, addr, &entry) && (!write || entry.writable);
		up_read(&vm->svm.lock);
		if (mapped) {
			cond_resched();
			continue;
		}
		/*
		 * A placement asked for here wins over the range's preferred
		 * location: a miss counted already skips vsvm_vm_fault_place().
		 */
		misses = placed ? 1 : 0;
		ret = vsvm_vm_fault(vm, addr, write, &misses, prefetch_stop, NULL);
		if (ret) {
			vsvm_dbg(vdev, VSVM_DBG_IOCTL, "PREFETCH: fault at 0x%llx: %d\n",
				 addr, ret);
			break;
		}
		cond_resched();
	}
exit:
	drm_dev_exit(idx);
out:
	vsvm_vm_put(vm);
	return ret;
}

/* Check a SET_ATTR/GET_ATTR argument; 0 or the negative errno to return. */
static int attr_check(struct vsvm_device *vdev, const struct drm_vsvm_vm_attr *args, bool set)
{
	const char *op = set ? "SET_ATTR" : "GET_ATTR";

	if (args->flags & ~DRM_VSVM_ATTR_FLAGS)
		return vsvm_reject(vdev, "%s: unknown flags 0x%x\n", op, args->flags);
	if (args->pad)
		return vsvm_reject(vdev, "%s: pad must be zero\n", op);
	if (!PAGE_ALIGNED(args->start) || !PAGE_ALIGNED(args->size) || !args->size)
		return vsvm_reject(vdev, "%s: range [0x%llx, +0x%llx) not whole pages\n", op,
				   args->start, args->size);
	if (args->start + args->size < args->start || args->start + args->size > TASK_SIZE)
		return vsvm_reject(vdev, "%s: range [0x%llx, +0x%llx) outside the address space\n",
				   op, args->start, args->size);
	switch (args->type) {
	case DRM_VSVM_ATTR_PREFERRED_LOC:
		if (!set)
			return 0;
		if (args->value > DRM_VSVM_LOC_DEVICE)
			return vsvm_reject(vdev, "%s: unknown location %llu\n", op, args->value);
		if (args->value == DRM_VSVM_LOC_DEVICE && !vdev->vram.npages)
			return vsvm_reject_errno(vdev, -EOPNOTSUPP,
						 "%s: the device has no memory to prefer\n", op);
		return 0;
	case DRM_VSVM_ATTR_ACCESSED_BY:
		if (set && args->value > 1)
			return vsvm_reject(vdev, "%s: accessed-by is 0 or 1, not %llu\n", op,
					   args->value);
		return 0;
	case DRM_VSVM_ATTR_GRANULARITY:
		if (set && (args->value < PAGE_SHIFT || args->value > 21))
			return vsvm_reject(vdev, "%s: granularity 2^%llu outside 2^12..2^21\n", op,
					   args->value);
		return 0;
	default:
		return vsvm_reject(vdev, "%s: unknown attribute %u\n", op, args->type);
	}
}

static u64 attr_field(const struct vsvm_svm_attr *attr, u32 type)
{
	switch (type) {
	case DRM_VSVM_ATTR_PREFERRED_LOC:
		return attr->preferred;
	case DRM_VSVM_ATTR_ACCESSED_BY:
		return attr->accessed_by;
	default:
		return attr->granularity_shift;
	}
}

static const enum vsvm_svm_attr_type attr_types[] = {
	[DRM_VSVM_ATTR_PREFERRED_LOC] = VSVM_SVM_ATTR_PREFERRED,
	[DRM_VSVM_ATTR_ACCESSED_BY] = VSVM_SVM_ATTR_ACCESSED_BY,
	[DRM_VSVM_ATTR_GRANULARITY] = VSVM_SVM_ATTR_GRANULARITY,
};

/**
 * vsvm_vm_set_attr_ioctl() - DRM_IOCTL_VSVM_VM_SET_ATTR
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_attr
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_attr).
 */
int vsvm_vm_set_attr_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_vm_attr *args = data;
	struct vsvm_vm *vm;
	int ret;

	ret = attr_check(vdev, args, true);
	if (ret)
		return ret;
	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "SET_ATTR: no VM %u\n", args->vm_id);
	if (current->mm != vm->submitter_mm) {
		ret = vsvm_reject_errno(vdev, -EACCES,
					"SET_ATTR: VM %u belongs to another process\n", vm->id);
	} else {
		ret = vsvm_svm_attr_set(&vm->svm, args->start, args->start + args->size,
					attr_types[args->type], args->value);
		if (ret)
			vsvm_dbg(vdev, VSVM_DBG_IOCTL, "SET_ATTR: [0x%llx, +0x%llx): %d\n",
				 args->start, args->size, ret);
	}
	vsvm_vm_put(vm);
	return ret;
}

/**
 * vsvm_vm_get_attr_ioctl() - DRM_IOCTL_VSVM_VM_GET_ATTR
 * @drm: the DRM device
 * @data: &struct drm_vsvm_vm_attr
 * @file: the caller's file
 *
 * Return: 0 or a negative errno (see &struct drm_vsvm_vm_attr).
 */
int vsvm_vm_get_attr_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_vm_attr *args = data;
	struct vsvm_svm_attr attr;
	unsigned long run_end, end;
	struct vsvm_vm *vm;
	int ret;

	ret = attr_check(vdev, args, false);
	if (ret)
		return ret;
	vm = vsvm_vm_lookup(file->driver_priv, args->vm_id);
	if (!vm)
		return vsvm_reject_errno(vdev, -ENOENT, "GET_ATTR: no VM %u\n", args->vm_id);
	end = args->start + args->size;
	vsvm_svm_attr_get(&vm->svm, args->start, end, &attr, &run_end);
	args->value = attr_field(&attr, args->type);
	/* The run of this attribute: runs of all of them, while it stays. */
	while (run_end < end) {
		unsigned long next_end;

		vsvm_svm_attr_get(&vm->svm, run_end, end, &attr, &next_end);
		if (attr_field(&attr, args->type) != args->value)
			break;
		run_end = next_end;
	}
	vsvm_vm_put(vm);
	args->size = run_end - args->start;
	return 0;
}
