// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Mirror core
 *
 * The mirror core keeps a device's translations of one address space in sync
 * with the CPU page tables. It knows nothing of the device: it writes,
 * removes and downgrades translations through &struct vsvm_svm_ops, so that
 * any device with a page table could plug into it.
 *
 * The address space is watched through mmu interval notifiers, created
 * lazily: one per aligned *window* (``notifier_window_mb``, default 512 MiB)
 * around addresses the device faults on. Inside a window the core tracks
 * *ranges*: aligned chunks of 2 MiB, 64 KiB or 4 KiB (the largest that
 * ``chunk_sizes`` allows and that fits in the VMA, the window and the gap
 * between existing ranges). A range is the unit of bookkeeping: it exists
 * while part of it may be mirrored, and it is forgotten (garbage collected,
 * outside the notifier callback) once munmap() has removed all of it. A
 * window whose last range goes away loses its notifier.
 *
 * The core never pins user pages: a translation is valid only until the
 * next invalidation of its address, which removes or downgrades it before
 * the CPU-side change takes effect.
 */

/**
 * DOC: Locking
 *
 * Lock order, outermost first::
 *
 *   mmap_lock (read)                      fault path, range creation
 *     vsvm_svm.lock (rw_semaphore)        the "notifier lock"
 *       vsvm_pt reserve spinlock          page-table page reserve
 *
 * The mmu notifier callback runs with mmap_lock held (or inside reclaim) and
 * takes &vsvm_svm.lock for write; so does a fault when it commits
 * translations (after mmu_interval_read_retry()), garbage collection, and
 * window and range insertion. Device engines hold &vsvm_svm.lock for read
 * for as long as they use a translation (a TLB entry or a page-table walk
 * plus the memory access it allows). Therefore when the callback has taken
 * the lock for write, no engine is using a translation, and once it has
 * zapped the page table and flushed the TLBs under the lock, no engine can
 * use the old translation again: the callback returns only after that.
 *
 * Because reclaim can call the notifier, nothing may allocate memory with a
 * reclaiming GFP while holding &vsvm_svm.lock: objects are allocated before
 * the lock is taken (ranges, windows, the hmm pfn array) and page-table pages
 * come from a reserve filled by &vsvm_svm_ops.prepare beforehand.
 * vsvm_svm_init() teaches lockdep the order reclaim -> &vsvm_svm.lock and
 * mmap_lock -> &vsvm_svm.lock, so a violation is reported even if it never
 * deadlocks in a test. mmu_interval_notifier_insert() and
 * mmu_interval_notifier_remove() are called with no lock held (the first
 * may take mmap_lock for write; the second waits for callbacks).
 *
 * A non-blockable invalidation (the OOM reaper) only try-locks; when the
 * lock is busy it returns false without sleeping, and the caller retries.
 */

/**
 * DOC: Event policy
 *
 * The notifier callback decides from &mmu_notifier_range.event what the
 * CPU-side change means for the mirror (vsvm_svm_event_action()):
 *
 * - UNMAP (munmap, mremap's old range): the range is gone. Zap, and mark
 *   the affected 4 KiB pages of each range unmapped; a range all of whose
 *   pages are unmapped is freed by garbage collection after the callback.
 *   The rest of a partly unmapped range stays mirrored.
 * - CLEAR (reclaim, migration, compaction, KSM, COW break, MADV_DONTNEED
 *   ...): the mapping is cleared but the range remains valid. Zap; keep the
 *   ranges.
 * - MIGRATE: zap, unless the device itself started the migration
 *   (&mmu_notifier_range.owner is ours): then ignore.
 * - EXCLUSIVE: ignore when it is ours, else zap.
 * - PROTECTION_PAGE (fork()'s copy-on-write protection, writeback's
 *   page_mkclean()) and SOFT_DIRTY (``/proc/pid/clear_refs``): the page
 *   itself does not change, only its writability. Downgrade the device PTEs
 *   to read-only instead of zapping: device reads go on without faults; a
 *   device write faults, and hmm_range_fault() with write access lets the
 *   CPU side break COW or mark the page dirty/soft-dirty, as a CPU write
 *   would.
 * - PROTECTION_VMA (mprotect(), NUMA hinting, PAGEMAP_SCAN write-protect):
 *   zap. The new protection may be PROT_NONE, which a downgrade cannot
 *   express, and the event does not say which it is.
 * - RELEASE: the address space is being torn down. Zap everything and mark
 *   the mirror dead; later faults fail.
 *
 * With the ``event_policy`` tunable set to ``zap_all`` every event but UNMAP
 * and RELEASE zaps, as existing drivers do, so that both can be measured.
 */

/**
 * DOC: Fault path
 *
 * vsvm_svm_fault() resolves a device fault at one address:
 *
 * 1. find or create the window's interval notifier (no lock held);
 * 2. under mmap_lock (read) find the VMA, then under &vsvm_svm.lock find or
 *    create the range containing the address;
 * 3. ``seq = mmu_interval_read_begin()``;
 * 4. hmm_range_fault() under mmap_lock (read) over the fault-around span of
 *    the range: the faulting page with HMM_PFN_REQ_FAULT (and
 *    HMM_PFN_REQ_WRITE only for a device write), its neighbours as a
 *    snapshot only, so that pages already present on the CPU side are
 *    mapped without being faulted in;
 * 5. &vsvm_svm_ops.prepare (page-table pages, no lock held);
 * 6. take &vsvm_svm.lock for write; if mmu_interval_read_retry(seq) says an
 *    invalidation ran since step 3, drop everything and go back to step 3
 *    (at most ``fault_max_retries`` times, then fail with -EAGAIN);
 *    otherwise write the translations: a 2 MiB one when hmm reports a
 *    PMD-mapped page (hmm_pfn_to_map_order()) and the range is a 2 MiB
 *    chunk, else one 4 KiB translation per present page, writable only
 *    where the CPU PTE is.
 *
 * hmm_range_fault() returning -EBUSY counts as a collision too. -EFAULT
 * (no VMA, PROT_NONE) and -EPERM (write to read-only memory) are fatal
 * device faults, reported to the caller. In a userfaultfd-registered VMA
 * the faulting page is only snapshot, never faulted in (its handler runs
 * in the process, which a device fault cannot wait for): a page that is
 * not there yet is a fatal fault.
 *
 * What the device writes reaches the CPU side's dirty tracking when its
 * translation goes: a leaf with the device's DIRTY bit marks its folio
 * dirty (&vsvm_pt.dirty), as KVM does for its secondary PTEs.
 */

#include <linux/hmm.h>
#include <linux/interval_tree.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include <kunit/visibility.h>

#include "vsvm_svm.h"

#define VSVM_SVM_MAX_CHUNK	SZ_2M
#define VSVM_SVM_CHUNK_PAGES	(VSVM_SVM_MAX_CHUNK >> PAGE_SHIFT)

/**
 * struct vsvm_svm_window - one interval notifier and the ranges inside it
 * @notifier: the interval notifier, covering [@itree.start, @itree.last]
 * @svm: the mirror
 * @itree: node in &vsvm_svm.windows
 * @ranges: interval tree of &struct vsvm_svm_range
 * @nr_ranges: ranges in @ranges
 * @users: faults using @notifier right now; the window stays while > 0
 * @dead_link: on a list of windows to remove, once out of @svm's tree
 */
struct vsvm_svm_window {
	struct mmu_interval_notifier notifier;
	struct vsvm_svm *svm;
	struct interval_tree_node itree;
	struct rb_root_cached ranges;
	unsigned long nr_ranges;
	unsigned int users;
	struct list_head dead_link;
};

/**
 * struct vsvm_svm_range - an aligned chunk the device may have mirrored
 * @itree: node in &vsvm_svm_window.ranges, [start, last]
 * @window: the window it belongs to
 * @gc_link: in &vsvm_svm.gc_list once all its pages are unmapped
 * @unmapped: per 4 KiB page: munmap() removed it (UNMAP seen, no fault since)
 */
struct vsvm_svm_range {
	struct interval_tree_node itree;
	struct vsvm_svm_window *window;
	struct list_head gc_link;
	DECLARE_BITMAP(unmapped, VSVM_SVM_CHUNK_PAGES);
};

static inline unsigned long range_start(const struct vsvm_svm_range *r)
{
	return r->itree.start;
}

static inline unsigned long range_end(const struct vsvm_svm_range *r)
{
	return r->itree.last + 1;
}

static inline unsigned long range_pages(const struct vsvm_svm_range *r)
{
	return (range_end(r) - range_start(r)) >> PAGE_SHIFT;
}

static void stat_add(struct vsvm_svm *svm, enum vsvm_svm_stat stat, u64 val)
{
	atomic64_add(val, &svm->stats[stat]);
}

/**
 * vsvm_svm_stat() - read one statistic
 * @svm: the mirror
 * @stat: which
 *
 * Return: its value.
 */
u64 vsvm_svm_stat(const struct vsvm_svm *svm, enum vsvm_svm_stat stat)
{
	return atomic64_read(&svm->stats[stat]);
}

/**
 * vsvm_svm_event_action() - the event policy
 * @event: &mmu_notifier_range.event of an invalidation
 * @own: the invalidation carries this device's owner cookie
 * @policy: &enum vsvm_svm_policy
 *
 * Pure function; see DOC: Event policy.
 *
 * Return: what the invalidation must do to the mirror.
 */
VISIBLE_IF_KUNIT enum vsvm_svm_action
vsvm_svm_event_action(enum mmu_notifier_event event, bool own,
		      enum vsvm_svm_policy policy)
{
	switch (event) {
	case MMU_NOTIFY_UNMAP:
		return VSVM_SVM_UNMAP;
	case MMU_NOTIFY_RELEASE:
		return VSVM_SVM_RELEASE;
	case MMU_NOTIFY_MIGRATE:
	case MMU_NOTIFY_EXCLUSIVE:
		return own ? VSVM_SVM_IGNORE : VSVM_SVM_ZAP;
	case MMU_NOTIFY_PROTECTION_PAGE:
	case MMU_NOTIFY_SOFT_DIRTY:
		return policy == VSVM_SVM_POLICY_PRECISE ? VSVM_SVM_DOWNGRADE :
							    VSVM_SVM_ZAP;
	case MMU_NOTIFY_CLEAR:
	case MMU_NOTIFY_PROTECTION_VMA:
	default:
		return VSVM_SVM_ZAP;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_event_action);

/**
 * vsvm_svm_pick_chunk() - choose the size of a new range
 * @addr: the faulting address
 * @lo: start of the space the range may use (VMA and window intersected)
 * @hi: end of it (exclusive)
 * @sizes: allowed sizes, a mask of power-of-two sizes
 * @busy: tells whether [start, end) overlaps an existing range
 * @ctx: passed to @busy
 *
 * Pure function: the largest allowed size whose aligned chunk around @addr
 * lies in [@lo, @hi) and overlaps no existing range.
 *
 * Return: the size, or 0 when none fits (even 4 KiB: the page is taken).
 */
VISIBLE_IF_KUNIT unsigned long
vsvm_svm_pick_chunk(unsigned long addr, unsigned long lo, unsigned long hi,
		    unsigned long sizes,
		    bool (*busy)(void *ctx, unsigned long start, unsigned long end),
		    void *ctx)
{
	unsigned long size;

	for (size = VSVM_SVM_MAX_CHUNK; size >= PAGE_SIZE; size >>= 1) {
		unsigned long start = ALIGN_DOWN(addr, size);

		if (!(sizes & size))
			continue;
		if (start < lo || start + size > hi || start + size < start)
			continue;
		if (busy && busy(ctx, start, start + size))
			continue;
		return size;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_pick_chunk);

static struct vsvm_svm_range *range_find(struct vsvm_svm_window *win,
					 unsigned long addr)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&win->ranges, addr, addr);
	return node ? container_of(node, struct vsvm_svm_range, itree) : NULL;
}

static bool range_busy(void *ctx, unsigned long start, unsigned long end)
{
	struct vsvm_svm_window *win = ctx;

	return interval_tree_iter_first(&win->ranges, start, end - 1);
}

static void range_remove(struct vsvm_svm *svm, struct vsvm_svm_range *range)
{
	interval_tree_remove(&range->itree, &range->window->ranges);
	range->window->nr_ranges--;
	stat_add(svm, VSVM_SVM_STAT_RANGES, -1);
	kfree(range);
}

/* Mark [start, end) of every range in it unmapped; queue emptied ones. */
static void ranges_mark_unmapped(struct vsvm_svm *svm,
				 struct vsvm_svm_window *win,
				 unsigned long start, unsigned long end)
{
	struct interval_tree_node *node;
	bool queued = false;

	for (node = interval_tree_iter_first(&win->ranges, start, end - 1); node;
	     node = interval_tree_iter_next(node, start, end - 1)) {
		struct vsvm_svm_range *r = container_of(node, struct vsvm_svm_range, itree);
		unsigned long s = max(start, range_start(r));
		unsigned long e = min(end, range_end(r));

		bitmap_set(r->unmapped, (s - range_start(r)) >> PAGE_SHIFT,
			   (e - s) >> PAGE_SHIFT);
		if (list_empty(&r->gc_link) && bitmap_full(r->unmapped, range_pages(r))) {
			list_add_tail(&r->gc_link, &svm->gc_list);
			queued = true;
		}
	}
	if (queued)
		queue_work(system_unbound_wq, &svm->gc_work);
}

static inline unsigned long window_start(const struct vsvm_svm_window *win)
{
	return win->itree.start;
}

static inline unsigned long window_end(const struct vsvm_svm_window *win)
{
	return win->itree.last + 1;
}

/* Take windows without ranges or users out of the tree, onto @dead. */
static void windows_collect_empty(struct vsvm_svm *svm, struct list_head *dead)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&svm->lock);
	for (node = interval_tree_iter_first(&svm->windows, 0, ULONG_MAX); node; node = next) {
		struct vsvm_svm_window *win =
			container_of(node, struct vsvm_svm_window, itree);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (win->nr_ranges || win->users)
			continue;
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, dead);
	}
}

/* Remove the notifiers of collected windows; no lock may be held. */
static void windows_free(struct vsvm_svm *svm, struct list_head *dead)
{
	struct vsvm_svm_window *win, *tmp;

	list_for_each_entry_safe(win, tmp, dead, dead_link) {
		mmu_interval_notifier_remove(&win->notifier);
		stat_add(svm, VSVM_SVM_STAT_NOTIFIERS, -1);
		kfree(win);
	}
}

/* Free unmapped ranges, then windows left empty. */
static void vsvm_svm_gc(struct vsvm_svm *svm)
{
	struct vsvm_svm_range *range, *tmp;
	LIST_HEAD(dead);
	bool any;

	if (list_empty_careful(&svm->gc_list))
		return;
	down_write(&svm->lock);
	any = !list_empty(&svm->gc_list);
	list_for_each_entry_safe(range, tmp, &svm->gc_list, gc_link) {
		list_del(&range->gc_link);
		range_remove(svm, range);
		stat_add(svm, VSVM_SVM_STAT_RANGES_GC, 1);
	}
	if (any)
		windows_collect_empty(svm, &dead);
	up_write(&svm->lock);
	windows_free(svm, &dead);
}

static void vsvm_svm_gc_work(struct work_struct *work)
{
	vsvm_svm_gc(container_of(work, struct vsvm_svm, gc_work));
}

static bool vsvm_svm_invalidate(struct mmu_interval_notifier *mni,
				const struct mmu_notifier_range *mrange,
				unsigned long cur_seq)
{
	struct vsvm_svm_window *win = container_of(mni, struct vsvm_svm_window, notifier);
	struct vsvm_svm *svm = win->svm;
	unsigned long start = max(mrange->start, window_start(win));
	unsigned long end = min(mrange->end, window_end(win));
	enum vsvm_svm_action action;

	action = vsvm_svm_event_action(mrange->event,
				       svm->owner && mrange->owner == svm->owner,
				       READ_ONCE(*svm->policy));
	stat_add(svm, VSVM_SVM_STAT_INVAL_FIRST + mrange->event, 1);

	if (mmu_notifier_range_blockable(mrange)) {
		down_write(&svm->lock);
	} else if (!down_write_trylock(&svm->lock)) {
		stat_add(svm, VSVM_SVM_STAT_NONBLOCK_FAILED, 1);
		return false;
	}
	mmu_interval_set_seq(mni, cur_seq);

	switch (action) {
	case VSVM_SVM_IGNORE:
		break;
	case VSVM_SVM_DOWNGRADE:
		stat_add(svm, VSVM_SVM_STAT_DOWNGRADED, svm->ops->protect(svm, start, end));
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		break;
	case VSVM_SVM_RELEASE:
		WRITE_ONCE(svm->dead, true);
		fallthrough;
	case VSVM_SVM_UNMAP:
	case VSVM_SVM_ZAP:
		stat_add(svm, VSVM_SVM_STAT_ZAPPED, svm->ops->zap(svm, start, end));
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		if (action == VSVM_SVM_UNMAP)
			ranges_mark_unmapped(svm, win, start, end);
		break;
	}

	up_write(&svm->lock);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_svm_notifier_ops = {
	.invalidate = vsvm_svm_invalidate,
};

static struct vsvm_svm_window *window_lookup(struct vsvm_svm *svm, unsigned long addr)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&svm->windows, addr, addr);
	return node ? container_of(node, struct vsvm_svm_window, itree) : NULL;
}

/*
 * The window around @addr, with a user reference (window_put()). Creates it
 * and its notifier if needed; that happens without any lock held.
 */
static struct vsvm_svm_window *window_get(struct vsvm_svm *svm, unsigned long addr)
{
	unsigned long size = 1UL << svm->config.window_shift;
	struct vsvm_svm_window *win, *other;
	int ret;

	down_write(&svm->lock);
	win = window_lookup(svm, addr);
	if (win)
		win->users++;
	up_write(&svm->lock);
	if (win)
		return win;

	win = kzalloc(sizeof(*win), GFP_KERNEL);
	if (!win)
		return ERR_PTR(-ENOMEM);
	win->svm = svm;
	win->ranges = RB_ROOT_CACHED;
	win->itree.start = ALIGN_DOWN(addr, size);
	win->itree.last = min(win->itree.start + size, svm->mm->task_size) - 1;
	win->users = 1;
	ret = mmu_interval_notifier_insert(&win->notifier, svm->mm, window_start(win),
					   window_end(win) - window_start(win),
					   &vsvm_svm_notifier_ops);
	if (ret) {
		kfree(win);
		return ERR_PTR(ret);
	}

	down_write(&svm->lock);
	other = window_lookup(svm, addr);
	if (other) {
		/* Another fault won the race. */
		other->users++;
	} else {
		interval_tree_insert(&win->itree, &svm->windows);
		stat_add(svm, VSVM_SVM_STAT_NOTIFIERS, 1);
	}
	up_write(&svm->lock);

	if (other) {
		mmu_interval_notifier_remove(&win->notifier);
		kfree(win);
		win = other;
	}
	return win;
}

static void window_put(struct vsvm_svm *svm, struct vsvm_svm_window *win)
{
	LIST_HEAD(dead);

	down_write(&svm->lock);
	if (!--win->users && !win->nr_ranges) {
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, &dead);
	}
	up_write(&svm->lock);
	windows_free(svm, &dead);
}

/*
 * Find or create the range around @addr and return its bounds. Called with
 * mmap_lock held for read; @spare is a preallocated range it may consume
 * (set to NULL then).
 */
static int range_get(struct vsvm_svm *svm, struct vsvm_svm_window *win,
		     struct vm_area_struct *vma, unsigned long addr,
		     struct vsvm_svm_range **spare,
		     unsigned long *start, unsigned long *end)
{
	struct vsvm_svm_range *range;
	unsigned long size;
	int ret = 0;

	down_write(&svm->lock);
	range = range_find(win, addr);
	if (!range) {
		size = vsvm_svm_pick_chunk(addr,
					   max(vma->vm_start, window_start(win)),
					   min(vma->vm_end, window_end(win)),
					   svm->config.chunk_sizes | SZ_4K,
					   range_busy, win);
		if (WARN_ON_ONCE(!size)) {
			ret = -EINVAL;
			goto out;
		}
		range = *spare;
		*spare = NULL;
		range->window = win;
		range->itree.start = ALIGN_DOWN(addr, size);
		range->itree.last = range->itree.start + size - 1;
		INIT_LIST_HEAD(&range->gc_link);
		interval_tree_insert(&range->itree, &win->ranges);
		win->nr_ranges++;
		stat_add(svm, VSVM_SVM_STAT_RANGES, 1);
	}
	*start = range_start(range);
	*end = range_end(range);
out:
	up_write(&svm->lock);
	return ret;
}

/*
 * Commit the result of hmm_range_fault(): called with the lock held for
 * write after mmu_interval_read_retry() said the pfns are still current.
 */
static int commit_pfns(struct vsvm_svm *svm, struct vsvm_svm_window *win,
		       const struct hmm_range *hmm, unsigned long addr,
		       unsigned long rstart, unsigned long rend)
{
	unsigned long npages = (hmm->end - hmm->start) >> PAGE_SHIFT;
	unsigned long fault_idx = (addr - hmm->start) >> PAGE_SHIFT;
	unsigned long hpfn = hmm->hmm_pfns[fault_idx];
	struct vsvm_svm_range *range;
	unsigned long i;
	int ret;

	lockdep_assert_held_write(&svm->lock);

	if (svm->config.huge_pages && rend - rstart == SZ_2M &&
	    hmm_pfn_to_map_order(hpfn) == PMD_SHIFT - PAGE_SHIFT) {
		unsigned long head = page_to_pfn(hmm_pfn_to_page(hpfn)) -
				     ((addr - rstart) >> PAGE_SHIFT);

		ret = svm->ops->map(svm, rstart, head, PMD_SHIFT - PAGE_SHIFT,
				    hpfn & HMM_PFN_WRITE);
		if (ret)
			return ret;
		stat_add(svm, VSVM_SVM_STAT_MAPPED_2M, 1);
		npages = 0;
	}

	for (i = 0; i < npages; i++) {
		unsigned long p = hmm->hmm_pfns[i];

		if (!(p & HMM_PFN_VALID) || (p & HMM_PFN_ERROR))
			continue;
		ret = svm->ops->map(svm, hmm->start + (i << PAGE_SHIFT),
				    page_to_pfn(hmm_pfn_to_page(p)), 0, p & HMM_PFN_WRITE);
		if (ret)
			return ret;
		stat_add(svm, VSVM_SVM_STAT_MAPPED_4K, 1);
	}

	/* What the device maps again is no longer unmapped. */
	range = range_find(win, addr);
	if (range)
		bitmap_clear(range->unmapped, (hmm->start - range_start(range)) >> PAGE_SHIFT,
			     (hmm->end - hmm->start) >> PAGE_SHIFT);
	return 0;
}

/**
 * vsvm_svm_fault() - resolve a device page fault
 * @svm: the mirror
 * @addr: the faulting address
 * @write: the device access is a write
 *
 * See DOC: Fault path. Sleeps; call with no lock held.
 *
 * Return: 0 when a translation for @addr was written (it may already be gone
 * again: the caller retries its access), -EFAULT when the address has no
 * accessible mapping, -EPERM for a write to read-only memory, -ESRCH when the
 * address space is gone, -EAGAIN after too many collisions with
 * invalidations, -ENOMEM.
 */
int vsvm_svm_fault(struct vsvm_svm *svm, unsigned long addr, bool write)
{
	struct vsvm_svm_range *spare = NULL;
	struct vsvm_svm_window *win;
	struct vm_area_struct *vma;
	unsigned long *pfns = NULL;
	unsigned long rstart, rend;
	struct hmm_range hmm = {
		.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		.dev_private_owner = svm->owner,
	};
	unsigned int tries = 0;
	bool uffd = false;
	ktime_t t0 = ktime_get();
	u64 hmm_ns = 0;
	int ret;

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	stat_add(svm, VSVM_SVM_STAT_FAULTS, 1);
	if (READ_ONCE(svm->dead))
		return -ESRCH;
	if (addr >= svm->mm->task_size)
		return -EFAULT;
	if (!mmget_not_zero(svm->mm))
		return -ESRCH;

	vsvm_svm_gc(svm);

	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	pfns = kvmalloc_array(VSVM_SVM_CHUNK_PAGES, sizeof(*pfns), GFP_KERNEL);
	if (!spare || !pfns) {
		ret = -ENOMEM;
		goto out_mm;
	}

	win = window_get(svm, addr);
	if (IS_ERR(win)) {
		ret = PTR_ERR(win);
		goto out_mm;
	}

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, addr);
	ret = vma ? range_get(svm, win, vma, addr, &spare, &rstart, &rend) : -EFAULT;
	/*
	 * A fault in a userfaultfd-registered VMA would have to wait for the
	 * process's handler, which hmm_range_fault() cannot do (handle_userfault()
	 * gives up with a warning): only take what is already there.
	 */
	uffd = vma && userfaultfd_armed(vma);
	mmap_read_unlock(svm->mm);
	if (ret)
		goto out_win;

	hmm.notifier = &win->notifier;
	hmm.start = max(rstart, addr > svm->config.fault_around ?
				addr - svm->config.fault_around : 0);
	hmm.end = min(rend, addr + PAGE_SIZE + svm->config.fault_around);
	hmm.hmm_pfns = pfns;

	for (;;) {
		unsigned long npages = (hmm.end - hmm.start) >> PAGE_SHIFT;
		ktime_t h0;

		if (tries > svm->config.max_retries) {
			ret = -EAGAIN;
			break;
		}
		memset(pfns, 0, npages * sizeof(*pfns));
		if (!uffd)
			pfns[(addr - hmm.start) >> PAGE_SHIFT] =
				HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0);

		hmm.notifier_seq = mmu_interval_read_begin(&win->notifier);
		h0 = ktime_get();
		mmap_read_lock(svm->mm);
		ret = hmm_range_fault(&hmm);
		mmap_read_unlock(svm->mm);
		hmm_ns += ktime_to_ns(ktime_sub(ktime_get(), h0));
		if (ret == -EBUSY) {
			tries++;
			stat_add(svm, VSVM_SVM_STAT_RETRIES, 1);
			continue;
		}
		if (ret)
			break;
		if (uffd) {
			unsigned long p = pfns[(addr - hmm.start) >> PAGE_SHIFT];

			if (!(p & HMM_PFN_VALID)) {
				ret = -EFAULT;
				break;
			}
			if (write && !(p & HMM_PFN_WRITE)) {
				ret = -EPERM;
				break;
			}
		}

		ret = svm->ops->prepare(svm, hmm.start, hmm.end);
		if (ret)
			break;

		down_write(&svm->lock);
		if (mmu_interval_read_retry(&win->notifier, hmm.notifier_seq)) {
			up_write(&svm->lock);
			tries++;
			stat_add(svm, VSVM_SVM_STAT_RETRIES, 1);
			continue;
		}
		ret = commit_pfns(svm, win, &hmm, addr, rstart, rend);
		up_write(&svm->lock);
		if (ret != -ENOMEM)
			break;
		tries++;
	}
out_win:
	window_put(svm, win);
out_mm:
	if (ret == -EFAULT || ret == -EPERM)
		stat_add(svm, VSVM_SVM_STAT_FAULTS_FATAL, 1);
	mmput(svm->mm);
	kvfree(pfns);
	kfree(spare);
	stat_add(svm, VSVM_SVM_STAT_HMM_NS, hmm_ns);
	stat_add(svm, VSVM_SVM_STAT_FAULT_NS, ktime_to_ns(ktime_sub(ktime_get(), t0)));
	return ret;
}

/* Teach lockdep the orders of DOC: Locking before any test can break them. */
static void vsvm_svm_prime_lockdep(struct vsvm_svm *svm)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;

	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&svm->lock);
	fs_reclaim_release(GFP_KERNEL);

	mmap_read_lock(svm->mm);
	down_write(&svm->lock);
	up_write(&svm->lock);
	mmap_read_unlock(svm->mm);
}

/**
 * vsvm_svm_init() - start mirroring an address space
 * @svm: the mirror to initialise
 * @mm: the address space; the mirror holds an mmgrab() reference
 * @ops: the device's callbacks
 * @config: tunables, copied
 * @policy: the event policy to apply, read at each invalidation (so that it
 *	can be switched while the mirror lives); must outlive the mirror
 * @owner: the device's owner cookie for migrations it starts (may be NULL)
 *
 * No notifier is registered yet: windows are created by faults.
 *
 * Return: 0.
 */
int vsvm_svm_init(struct vsvm_svm *svm, struct mm_struct *mm,
		  const struct vsvm_svm_ops *ops,
		  const struct vsvm_svm_config *config, const u32 *policy,
		  void *owner)
{
	int i;

	svm->mm = mm;
	mmgrab(mm);
	svm->ops = ops;
	svm->config = *config;
	svm->policy = policy;
	svm->owner = owner;
	init_rwsem(&svm->lock);
	svm->windows = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&svm->gc_list);
	INIT_WORK(&svm->gc_work, vsvm_svm_gc_work);
	for (i = 0; i < VSVM_SVM_STAT_COUNT; i++)
		atomic64_set(&svm->stats[i], 0);
	vsvm_svm_prime_lockdep(svm);
	return 0;
}

/**
 * vsvm_svm_fini() - stop mirroring
 * @svm: the mirror; no fault may run or start
 *
 * Removes every notifier and range. The device's translations are left to
 * the caller, which tears its page table down anyway.
 */
void vsvm_svm_fini(struct vsvm_svm *svm)
{
	struct interval_tree_node *node;
	LIST_HEAD(dead);

	cancel_work_sync(&svm->gc_work);

	down_write(&svm->lock);
	for (node = interval_tree_iter_first(&svm->windows, 0, ULONG_MAX); node;
	     node = interval_tree_iter_first(&svm->windows, 0, ULONG_MAX)) {
		struct vsvm_svm_window *win =
			container_of(node, struct vsvm_svm_window, itree);
		struct interval_tree_node *rn;

		while ((rn = interval_tree_iter_first(&win->ranges, 0, ULONG_MAX))) {
			struct vsvm_svm_range *r =
				container_of(rn, struct vsvm_svm_range, itree);

			list_del_init(&r->gc_link);
			range_remove(svm, r);
		}
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, &dead);
	}
	up_write(&svm->lock);
	windows_free(svm, &dead);
	mmdrop(svm->mm);
}
