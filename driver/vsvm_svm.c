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
 *   vsvm_vram.evict_lock (mutex)          eviction (DOC: Device memory)
 *     folio locks of device pages         migrate_device_range() .. _finalize()
 *       vsvm_svm.lock                     the invalidations eviction sends
 *   mmap_lock (read)                      fault path, range creation, migrations
 *     folio locks of a migration          migrate_vma_setup() .. _finalize()
 *       vsvm_svm.lock (rw_semaphore)      the "notifier lock"
 *         vsvm_pt reserve spinlock        page-table page reserve
 *   vsvm_vram.lock (spinlock)             device memory allocator, taken alone
 *
 * Migrations (device memory) never hold &vsvm_svm.lock: the own invalidations
 * they cause take it in the callback. A migration waits for its copy on the
 * copy engines' migration channel (vsvm_copy_migrate(), flush_work()) with
 * the folio locks held, and mmap_lock or evict_lock too; the channel's work
 * takes no lock and allocates nothing, and it is a workqueue of its own
 * (with a rescuer), so it never waits behind a job whose fault needs those
 * folios. Eviction takes evict_lock before
 * mmap_lock, never inside it; the device-memory allocator's spinlock is taken
 * with nothing else held and nothing taken under it (``page_free`` runs
 * wherever a page's last reference goes, never under &vsvm_svm.lock, since
 * translations hold no references).
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
 *   (&mmu_notifier_range.owner is one of its cookies, DOC: Device memory).
 *   Moving pages into its memory (&vsvm_svm.owner_in) it zaps only the
 *   translations of system pages, which are being copied and must take no
 *   more writes; its own new mappings of device pages stay. Moving pages
 *   out (&vsvm_svm.owner, the pages' pgmap owner) it zaps only the
 *   translations of pages in its memory, which are about to be freed.
 * - EXCLUSIVE: ignore when it is ours, else zap.
 * - PROTECTION_PAGE (fork()'s copy-on-write protection, writeback's
 *   page_mkclean()) and SOFT_DIRTY (``/proc/pid/clear_refs``): the page
 *   itself does not change, only its writability. Downgrade the device PTEs
 *   to read-only instead of zapping: device reads go on without faults; a
 *   device write faults, and hmm_range_fault() with write access lets the
 *   CPU side break COW or mark the page dirty/soft-dirty, as a CPU write
 *   would.
 * - PROTECTION_VMA (mprotect(), NUMA hinting, userfaultfd write-protect,
 *   PAGEMAP_SCAN write-protect): the event does not say what the new
 *   protection is, but the VMAs do (vsvm_svm_vma_action()): each part of
 *   the span whose VMA is still readable is downgraded to read-only, the
 *   rest (PROT_NONE, or no VMA) is zapped. A device write to a downgraded
 *   page faults, and hmm_range_fault() then decides as for a CPU write
 *   (-EFAULT after mprotect(PROT_READ); the NUMA or userfaultfd fault
 *   otherwise). Reading the VMAs in the callback is safe because every
 *   sender of this event holds mmap_lock and has set the new flags before
 *   it sends the event; in Linux 6.12:
 *
 *   - mprotect_fixup() (mprotect(), pkey_mprotect(), exec's stack setup):
 *     mmap_lock for write, vm_flags_reset() before change_protection();
 *   - change_prot_numa(): task_numa_work() under mmap_read_trylock(), and
 *     mbind(MPOL_MF_LAZY) under mmap_lock for write; VMA flags unchanged
 *     (the pages stay readable, only access tracking changes);
 *   - uffd_wp_range(): UFFDIO_WRITEPROTECT (mwriteprotect_range(),
 *     mmap_read_lock()), userfaultfd unregister and release (mmap_lock for
 *     write), PAGEMAP_SCAN's write-protect (mmap_read_lock());
 *   - hugetlb_change_protection(): through change_protection() only;
 *   - do_pagemap_scan(): mmap_read_lock_killable() around the event.
 *
 *   Should a future sender not hold mmap_lock, the callback zaps: with
 *   lockdep it checks that this task holds the lock, without it that the
 *   lock is held at all.
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
 * Steps 1 to 6 allocate nothing per fault: the pfn array of step 4 and the
 * zeroed range that step 2 may insert come from a pool of scratch the
 * mirror keeps (&vsvm_svm.scratch_free, one per fault in flight), taken
 * before any lock; only a range step 2 creates costs its spare's
 * replacement. &enum vsvm_svm_stat's SCRATCH_ALLOCS counts the allocations.
 *
 * hmm_range_fault() returning -EBUSY counts as a collision too. -EFAULT
 * (no VMA, PROT_NONE) and -EPERM (write to read-only memory) are fatal
 * device faults, reported to the caller. In a userfaultfd-registered VMA
 * the faulting page is only snapshot, never faulted in (its handler runs
 * in the process, which a device fault cannot wait for): a page that is
 * not there yet is a fatal fault. A device write to a page that is there
 * but write-protected (the zero page, copy-on-write after fork) is faulted
 * as a CPU store would be, since the CPU's fault would not involve the
 * handler either (unless the VMA tracks writes with VM_UFFD_WP); only
 * accesses the process itself could not make are fatal.
 *
 * hmm_range_fault() may leave the faulting page out even when asked to
 * fault it: for a hugetlb entry it reads the request of the first page of
 * the entry inside the span only, and returns a missing huge page without
 * HMM_PFN_VALID but with its order. The step after the walk therefore checks
 * that the faulting page came back with the access asked for, and walks
 * again from the faulting page if not; and nothing is mapped from an entry
 * without HMM_PFN_VALID, whatever its order says.
 *
 * Memory that is not in the kernel's direct map (``memfd_secret()``) is
 * never mapped: the engines reach pages through the direct map. A fault in
 * such a VMA is fatal (-EFAULT, like PROT_NONE), and fault-around leaves
 * such VMAs out of the span.
 *
 * The range invariant: *a range is never freed while the device page table
 * may translate an address inside it*, and every translation lies inside a
 * range. The commit step therefore re-checks, under the lock, that the
 * range found in step 2 is still the one in the tree (garbage collection
 * may have freed it meanwhile: then the fault looks it up again), clears
 * the range's unmapped bits for every page it maps (all of them for a
 * 2 MiB translation) and takes the range off the garbage list if an UNMAP
 * had queued it. Garbage collection zaps a range's span before freeing it,
 * which finds nothing while the invariant holds (the audit checks it).
 *
 * What the device writes reaches the CPU side's dirty tracking when its
 * translation goes: a leaf with the device's DIRTY bit marks its folio
 * dirty (&vsvm_pt.dirty), as KVM does for its secondary PTEs.
 */

/**
 * DOC: Prefetch
 *
 * Sequential first touch by the device would otherwise take one fault per
 * fault-around span (16 pages by default): fault-around maps only what the
 * CPU side already has. The density prefetcher (after the idea of NVIDIA
 * UVM's) faults in whole aligned regions of a range once the device has
 * shown it uses most of them.
 *
 * Each range remembers which of its pages the device populated: mapped by
 * one of its faults (the faulting page, what fault-around found, and for a
 * fresh page table what hmm_range_fault() faulted in after the faulting page
 * up to the end of the span), or by a prefetch (&vsvm_svm_range.populated). At a fault, under
 * &vsvm_svm.lock, vsvm_svm_prefetch_region() looks at the aligned
 * power-of-two regions of the range that contain the faulting page, from 2
 * pages up to the whole range, and picks the largest in which at least
 * ``prefetch_threshold`` percent of the pages are populated, counting the
 * faulting page, and at least one other page is (one fault alone never
 * prefetches, so random sparse access does not). A sequential stream
 * doubles its region at each fault, a handful of faults for a fresh 2 MiB
 * range. For a 2 MiB range, the 4 MiB it forms with the denser of its two
 * neighbouring 2 MiB ranges is one more level: a stream that filled the
 * range before it and crosses into this one gets all of it at its first
 * fault. The fault then asks
 * hmm_range_fault() to fault the whole region in (HMM_PFN_REQ_FAULT, and
 * HMM_PFN_REQ_WRITE when the device writes), in the same walk as the
 * faulting page, and maps a 2 MiB translation where the CPU has a huge
 * page. Nothing is prefetched in userfaultfd-registered or hugetlb VMAs, nor
 * past the faulting page's VMA; if the walk fails with the region (the VMA
 * changed meanwhile), the fault retries without it.
 *
 * Waste is measured, not guessed: the pages a prefetch mapped outside the
 * fault-around span, which the fault would not have mapped, are counted
 * (``prefetched``) and remembered (&vsvm_svm_range.prefetched); when their
 * translations are removed (zap, unmap, release), those whose device
 * ACCESSED bit is set count as used (``prefetch_used``). ``prefetch_threshold``
 * 0 turns the prefetcher off (the default is 50).
 */

/**
 * DOC: Audit
 *
 * With ``CONFIG_DRM_VSVM_DEBUG_AUDIT`` the core checks its invariants as it
 * runs and WARNs, naming the VM and the address, on any violation, so that a
 * violation is a kernel splat (which fails every test run):
 *
 * - after each invalidation callback: no translation inside the invalidated
 *   span survives a zap, and none is writable after a downgrade;
 * - at garbage collection and when a VM is torn down: every translation lies
 *   inside a live range of a live window (whose notifier is registered), in
 *   a range no UNMAP has queued for collection, and garbage collection finds
 *   nothing to zap in a range it frees; a fault's commit replaces no
 *   translation of another page (it may take write permission away: a
 *   CPU-side write fault makes a PTE writable without an invalidation, so
 *   a fault on one engine may commit a read-only snapshot after a fault on
 *   another committed the writable one);
 * - when a job ends while the address space is alive
 *   (vsvm_svm_audit_cpu()), and while jobs run over the span of every
 *   eighth fault: every translation of the device maps the page
 *   the CPU page table maps at that address, with no more permission. The
 *   check snapshots the CPU side of each range with hmm_range_fault() (no
 *   faulting) and compares under &vsvm_svm.lock only if no invalidation ran
 *   since the snapshot (the fault path's sequence rule); an invalidation
 *   removes a translation before the CPU side changes, so this must hold at
 *   every such instant; a comparison is skipped, as a collision, when a
 *   fault committed translations meanwhile (they may map what the CPU side
 *   gained after the snapshot without an invalidation: a page faulted in, a
 *   PTE made writable). One window is left out: munmap() removes the VMA
 *   and downgrades mmap_lock before it invalidates and clears the PTEs, so
 *   a page without a VMA may still be mapped on both sides for a moment.
 *
 * The checks and violations are counted (debugfs ``counters``:
 * ``audit_checks``, ``audit_violations``). The audit is slow and meant for
 * the debug kernel of ``make test``; the release kernel of ``make bench``
 * leaves it out.
 */

/**
 * DOC: Aging
 *
 * Reclaim chooses its victims by the CPU's accessed bits. A page the device
 * reads all the time but the CPU never touches would look cold, be
 * reclaimed, and be faulted back by the device, again and again. As KVM does
 * for its secondary MMU, the core registers a full &struct mmu_notifier per
 * mirrored address space for the young callbacks only (interval notifiers
 * do not get them) and answers from the device's accessed bits:
 *
 * - ``clear_flush_young`` (the classic LRU's folio_referenced()) and
 *   ``clear_young`` (MGLRU's page-table walk and look-around, idle page
 *   tracking): clear the accessed state of the translations in the span
 *   and make the TLBs drop them, so that the next use sets it again; answer
 *   whether any was set. A 2 MiB translation answers for its whole span.
 * - ``test_young`` (khugepaged): answer without clearing.
 *
 * The callbacks run under the CPU's page-table lock: they only try-lock
 * &vsvm_svm.lock for read (a fault's commit or an invalidation holding it
 * for write makes them answer "not young", which is what the CPU side
 * alone would say). The device's engines set the accessed bit on every
 * page-table walk, with the lock held for read like the callbacks, so the
 * bits are cleared atomically.
 *
 * The ``aging`` tunable (default on) is read at every question; off, the
 * device's accesses are invisible to reclaim, as in every other HMM driver.
 * Counters: ``young_queries``, ``young_answers``, ``young_cleared``.
 *
 * The debug kernel of ``make test`` has both LRU implementations and idle
 * page tracking. IGT ``vsvm_mirror@aging-reclaim`` shows reclaim keeping
 * what the device uses under the classic LRU and under the multi-gen LRU
 * (switched on at run time), ``@aging-idle-page`` shows
 * ``/sys/kernel/mm/page_idle`` seeing the device's accesses; each also runs
 * with the tunable off, where the same assertions would fail. Not covered:
 * ``/proc/pid/clear_refs`` and the ``Referenced`` of ``smaps`` read and
 * clear the CPU's bits only (Linux 6.12 does not ask secondary MMUs there).
 */

#include <linux/hmm.h>
#include <linux/interval_tree.h>
#include <linux/memremap.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>
#include <uapi/linux/magic.h>

#include <kunit/visibility.h>

#include "vsvm_svm.h"
#include "vsvm_trace.h"

#define VSVM_SVM_MAX_CHUNK	SZ_2M
#define VSVM_SVM_CHUNK_PAGES	(VSVM_SVM_MAX_CHUNK >> PAGE_SHIFT)

/**
 * struct vsvm_svm_window - one interval notifier and the ranges inside it
 * @notifier: the interval notifier, covering [@itree.start, @itree.last]
 * @svm: the mirror
 * @itree: node in &vsvm_svm.windows
 * @ranges: interval tree of &struct vsvm_svm_range
 * @nr_ranges: ranges in @ranges
 * @attrs: interval tree of &struct vsvm_svm_attr_node (DOC: Range attributes)
 * @nr_attrs: nodes in @attrs; the window stays while > 0
 * @users: faults using @notifier right now; the window stays while > 0
 * @dead_link: on a list of windows to remove, once out of @svm's tree
 */
struct vsvm_svm_window {
	struct mmu_interval_notifier notifier;
	struct vsvm_svm *svm;
	struct interval_tree_node itree;
	struct rb_root_cached ranges;
	unsigned long nr_ranges;
	struct rb_root_cached attrs;
	unsigned long nr_attrs;
	unsigned int users;
	struct list_head dead_link;
};

/**
 * struct vsvm_svm_attr_node - attributes of a span inside one window
 * @itree: node in &vsvm_svm_window.attrs, [start, last]
 * @attr: the attributes, never &VSVM_SVM_ATTR_DEFAULT (spans with the
 *	defaults have no node)
 * @link: on a list of nodes to free or to use
 */
struct vsvm_svm_attr_node {
	struct interval_tree_node itree;
	struct vsvm_svm_attr attr;
	struct list_head link;
};

/**
 * struct vsvm_svm_range - an aligned chunk the device may have mirrored
 * @itree: node in &vsvm_svm_window.ranges, [start, last]
 * @window: the window it belongs to
 * @gc_link: in &vsvm_svm.gc_list once all its pages are unmapped
 * @unmapped: per 4 KiB page: munmap() removed it (UNMAP seen, no fault since)
 * @populated: per 4 KiB page: the device faulted on it or a prefetch mapped
 *	it, and no zap removed it since (DOC: Prefetch)
 * @prefetched: per 4 KiB page: a prefetch mapped it and it was not yet
 *	counted as used or wasted
 *
 * The bitmaps are changed under &vsvm_svm.lock for write.
 */
struct vsvm_svm_range {
	struct interval_tree_node itree;
	struct vsvm_svm_window *window;
	struct list_head gc_link;
	DECLARE_BITMAP(unmapped, VSVM_SVM_CHUNK_PAGES);
	DECLARE_BITMAP(populated, VSVM_SVM_CHUNK_PAGES);
	DECLARE_BITMAP(prefetched, VSVM_SVM_CHUNK_PAGES);
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

/* KUnit's ways into the core's races (&struct vsvm_svm_test_hooks). */
static void hook_before_commit(struct vsvm_svm *svm, unsigned long addr)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (svm->test_hooks && svm->test_hooks->before_commit)
		svm->test_hooks->before_commit(svm, addr);
#endif
}

static void hook_invalidate(struct vsvm_svm *svm, const struct mmu_notifier_range *range)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (svm->test_hooks && svm->test_hooks->invalidate)
		svm->test_hooks->invalidate(svm, range);
#endif
}

static void hook_gc_work(struct vsvm_svm *svm)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (svm->test_hooks && svm->test_hooks->gc_work)
		svm->test_hooks->gc_work(svm);
#endif
}

static void stat_add(struct vsvm_svm *svm, enum vsvm_svm_stat stat, u64 val)
{
	atomic64_add(val, &svm->stats[stat]);
}

#if IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT)
static atomic64_t audit_checks = ATOMIC64_INIT(0);
static atomic64_t audit_violations = ATOMIC64_INIT(0);

static void audit_count(void)
{
	atomic64_inc(&audit_checks);
}

#define audit_violation(svm, fmt, ...)						\
	do {									\
		atomic64_inc(&audit_violations);				\
		WARN(1, "vsvm audit: VM %u: " fmt, (svm)->id, ##__VA_ARGS__);	\
	} while (0)
#else
static void audit_count(void) {}
static __printf(2, 3) void audit_violation(const struct vsvm_svm *svm, const char *fmt, ...) {}
#endif

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
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_stat);

/**
 * vsvm_svm_event_action() - the event policy
 * @event: &mmu_notifier_range.event of an invalidation
 * @origin: whose owner cookie the invalidation carries
 * @policy: &enum vsvm_svm_policy
 *
 * Pure function; see DOC: Event policy.
 *
 * Return: what the invalidation must do to the mirror.
 */
VISIBLE_IF_KUNIT enum vsvm_svm_action
vsvm_svm_event_action(enum mmu_notifier_event event, enum vsvm_svm_origin origin,
		      enum vsvm_svm_policy policy)
{
	switch (event) {
	case MMU_NOTIFY_UNMAP:
		return VSVM_SVM_UNMAP;
	case MMU_NOTIFY_RELEASE:
		return VSVM_SVM_RELEASE;
	case MMU_NOTIFY_MIGRATE:
		if (origin == VSVM_SVM_OWN)
			return VSVM_SVM_ZAP_LOCAL;
		if (origin == VSVM_SVM_OWN_IN)
			return VSVM_SVM_ZAP_SYSTEM;
		return VSVM_SVM_ZAP;
	case MMU_NOTIFY_EXCLUSIVE:
		return origin != VSVM_SVM_FOREIGN ? VSVM_SVM_IGNORE : VSVM_SVM_ZAP;
	case MMU_NOTIFY_PROTECTION_PAGE:
	case MMU_NOTIFY_SOFT_DIRTY:
		return policy == VSVM_SVM_POLICY_PRECISE ? VSVM_SVM_DOWNGRADE :
							    VSVM_SVM_ZAP;
	case MMU_NOTIFY_PROTECTION_VMA:
		return policy == VSVM_SVM_POLICY_PRECISE ? VSVM_SVM_BY_VMA :
							    VSVM_SVM_ZAP;
	case MMU_NOTIFY_CLEAR:
	default:
		return VSVM_SVM_ZAP;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_event_action);

/**
 * vsvm_svm_vma_action() - what a protection change does to a VMA's part
 * @vm_flags: the VMA's flags after the change
 *
 * Pure function; see DOC: Event policy. A readable VMA keeps read-only
 * translations (downgrade); one the device may not read at all (PROT_NONE)
 * loses them (zap).
 *
 * Return: %VSVM_SVM_DOWNGRADE or %VSVM_SVM_ZAP.
 */
VISIBLE_IF_KUNIT enum vsvm_svm_action vsvm_svm_vma_action(unsigned long vm_flags)
{
	return vm_flags & VM_READ ? VSVM_SVM_DOWNGRADE : VSVM_SVM_ZAP;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_vma_action);

/* Set bits of @map in [@start, @start + @n). */
static unsigned int bits_in(const unsigned long *map, unsigned int start, unsigned int n)
{
	unsigned int i, count = 0;

	for (i = find_next_bit(map, start + n, start); i < start + n;
	     i = find_next_bit(map, start + n, i + 1))
		count++;
	return count;
}

/**
 * vsvm_svm_prefetch_region() - the density prefetcher's decision
 * @populated: per page of the range, populated by the device (DOC: Prefetch)
 * @npages: pages of the range, a power of two
 * @idx: the faulting page, below @npages; counts as populated
 * @threshold: percent; a region passes when at least this share of its
 *	pages, and at least 2 of them, are populated. 0 never prefetches.
 * @buddy: populated pages of a neighbouring range of the same size, or -1
 *	when there is none (then the pair is not considered)
 * @first: out, the first page of the region
 * @last: out, the page after it
 *
 * Pure function; see DOC: Prefetch. Regions are aligned powers of two
 * containing @idx, from 2 pages to the range, then the pair with the
 * neighbour (which yields the whole range). The largest passing one wins.
 *
 * Return: true when a region of at least 2 pages passes.
 */
VISIBLE_IF_KUNIT bool vsvm_svm_prefetch_region(const unsigned long *populated,
					       unsigned int npages, unsigned int idx,
					       unsigned int threshold, int buddy,
					       unsigned int *first, unsigned int *last)
{
	unsigned int size, start, count, own = test_bit(idx, populated) ? 0 : 1;
	bool found = false;

	if (!threshold || threshold > 100 || idx >= npages || !is_power_of_2(npages))
		return false;
	for (size = 2; size <= npages; size *= 2) {
		start = ALIGN_DOWN(idx, size);
		count = bits_in(populated, start, size) + own;
		if (count >= 2 && count * 100 >= threshold * size) {
			*first = start;
			*last = start + size;
			found = true;
		}
	}
	if (buddy >= 0 && npages > 1) {
		count = bits_in(populated, 0, npages) + own + buddy;
		if (count >= 2 && count * 100 >= threshold * 2 * npages) {
			*first = 0;
			*last = npages;
			found = true;
		}
	}
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_prefetch_region);

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
		if (win->nr_ranges || win->users || win->nr_attrs)
			continue;
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, dead);
	}
}

/* Remove the notifiers of collected windows; no lock may be held. Return: how many. */
static unsigned int windows_free(struct vsvm_svm *svm, struct list_head *dead)
{
	struct vsvm_svm_window *win, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(win, tmp, dead, dead_link) {
		mmu_interval_notifier_remove(&win->notifier);
		stat_add(svm, VSVM_SVM_STAT_NOTIFIERS, -1);
		kfree(win);
		n++;
	}
	return n;
}

static void audit_leaves_locked(struct vsvm_svm *svm);
static void attrs_drop(struct vsvm_svm *svm, struct vsvm_svm_window *win,
		       unsigned long start, unsigned long end);
static void attr_refill_spare(struct vsvm_svm *svm);
struct fault_state;
static void audit_fault_sample(struct vsvm_svm *svm, struct fault_state *f);

/*
 * Free a range whose pages were all unmapped. Its span is zapped first:
 * that finds nothing while the range invariant holds (DOC: Fault path), and
 * makes sure that no translation outlives the range if it does not.
 */
static void range_collect(struct vsvm_svm *svm, struct vsvm_svm_range *range)
{
	u64 zapped;

	lockdep_assert_held_write(&svm->lock);
	zapped = svm->ops->zap(svm, range_start(range), range_end(range));
	if (zapped) {
		svm->ops->flush_tlb(svm, range_start(range), range_end(range));
		stat_add(svm, VSVM_SVM_STAT_ZAPPED, zapped);
		audit_violation(svm, "range [0x%lx, 0x%lx) freed with %llu pages mapped\n",
				range_start(range), range_end(range), zapped);
	}
	list_del(&range->gc_link);
	range_remove(svm, range);
	stat_add(svm, VSVM_SVM_STAT_RANGES_GC, 1);
}

/* Free unmapped ranges, then windows left empty. */
static void vsvm_svm_gc(struct vsvm_svm *svm)
{
	struct vsvm_svm_range *range, *tmp;
	unsigned int ranges = 0, windows;
	LIST_HEAD(dead);

	if (list_empty_careful(&svm->gc_list))
		return;
	down_write(&svm->lock);
	list_for_each_entry_safe(range, tmp, &svm->gc_list, gc_link) {
		range_collect(svm, range);
		ranges++;
	}
	if (ranges) {
		windows_collect_empty(svm, &dead);
		audit_leaves_locked(svm);
	}
	up_write(&svm->lock);
	windows = windows_free(svm, &dead);
	if (ranges)
		trace_vsvm_gc(svm->id, ranges, windows);
}

static void vsvm_svm_gc_work(struct work_struct *work)
{
	struct vsvm_svm *svm = container_of(work, struct vsvm_svm, gc_work);

	hook_gc_work(svm);
	vsvm_svm_gc(svm);
}

/* After an invalidation: nothing zapped survives, nothing downgraded writes. */
static void audit_invalidation(struct vsvm_svm *svm, enum vsvm_svm_action action,
			       unsigned long start, unsigned long end)
{
	unsigned long addr = start, pfn;
	unsigned int order;
	bool writable;

	if (!IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT) || action == VSVM_SVM_IGNORE)
		return;
	audit_count();
	while (svm->ops->next_leaf(svm, &addr, end, &pfn, &order, &writable)) {
		if (action == VSVM_SVM_ZAP_LOCAL || action == VSVM_SVM_ZAP_SYSTEM) {
			bool local = is_device_private_page(pfn_to_page(pfn));
			bool zap_local = action == VSVM_SVM_ZAP_LOCAL;

			/* Only the other kind of memory may keep translations. */
			if (local == zap_local) {
				audit_violation(svm, "0x%lx (%s) mapped after its zap (to 0x%lx)\n",
						addr, local ? "device" : "system", end);
				return;
			}
			addr += PAGE_SIZE << order;
			continue;
		}
		if (action != VSVM_SVM_DOWNGRADE) {
			audit_violation(svm, "0x%lx mapped after a zap of [0x%lx, 0x%lx)\n",
					addr, start, end);
			return;
		}
		if (writable) {
			audit_violation(svm, "translation of 0x%lx writable after a downgrade\n",
					addr);
			return;
		}
		addr += PAGE_SIZE << order;
	}
}

/*
 * DOC: Prefetch: translations of [start, end) are about to be removed:
 * count the prefetched pages the device used, and forget what the ranges
 * there had populated. One look at the leaf tables per range (not a walk
 * per page), and only for a range with prefetched pages in the span.
 */
static void ranges_forget_populated(struct vsvm_svm *svm, struct vsvm_svm_window *win,
				    unsigned long start, unsigned long end)
{
	DECLARE_BITMAP(young, VSVM_SVM_CHUNK_PAGES);
	struct interval_tree_node *node;
	unsigned int i, first, last;
	u64 used = 0;

	for (node = interval_tree_iter_first(&win->ranges, start, end - 1); node;
	     node = interval_tree_iter_next(node, start, end - 1)) {
		struct vsvm_svm_range *r = container_of(node, struct vsvm_svm_range, itree);

		first = (max(start, range_start(r)) - range_start(r)) >> PAGE_SHIFT;
		last = (min(end, range_end(r)) - range_start(r)) >> PAGE_SHIFT;
		i = find_next_bit(r->prefetched, last, first);
		if (i < last && svm->ops->young_map) {
			bitmap_zero(young, VSVM_SVM_CHUNK_PAGES);
			svm->ops->young_map(svm, range_start(r), range_start(r) +
					    ((unsigned long)last << PAGE_SHIFT), young);
			for (; i < last; i = find_next_bit(r->prefetched, last, i + 1))
				used += test_bit(i, young);
		}
		bitmap_clear(r->prefetched, first, last - first);
		bitmap_clear(r->populated, first, last - first);
	}
	stat_add(svm, VSVM_SVM_STAT_PREFETCH_USED, used);
}

/* Whether the invalidating task holds mmap_lock (see DOC: Event policy). */
static bool invalidator_holds_mmap_lock(struct mm_struct *mm)
{
	if (!mm)
		return false;
#ifdef CONFIG_LOCKDEP
	return lockdep_is_held(&mm->mmap_lock);
#else
	return rwsem_is_locked(&mm->mmap_lock);
#endif
}

/*
 * One part of a span: zap or downgrade it, and count. A downgrade keeps the
 * translations, and with them what the ranges know about them.
 */
static void invalidate_part(struct vsvm_svm *svm, struct vsvm_svm_window *win,
			    enum vsvm_svm_action action, unsigned long start,
			    unsigned long end, u64 *zapped, u64 *downgraded)
{
	u64 n;

	if (start >= end)
		return;
	if (action == VSVM_SVM_DOWNGRADE) {
		n = svm->ops->protect(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_DOWNGRADED, n);
		*downgraded += n;
	} else {
		ranges_forget_populated(svm, win, start, end);
		n = svm->ops->zap(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_ZAPPED, n);
		*zapped += n;
	}
}

/*
 * PROTECTION_VMA: each part of [start, end) as its VMA's new flags say;
 * parts without a VMA are zapped. mmap_lock is held by the invalidator.
 */
static void invalidate_by_vma(struct vsvm_svm *svm, struct vsvm_svm_window *win,
			      struct mm_struct *mm, unsigned long start, unsigned long end,
			      u64 *zapped, u64 *downgraded)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;
	unsigned long addr = start, s, e;
	enum vsvm_svm_action action;

	for_each_vma_range(vmi, vma, end) {
		s = max(vma->vm_start, start);
		e = min(vma->vm_end, end);
		invalidate_part(svm, win, VSVM_SVM_ZAP, addr, s, zapped, downgraded);
		audit_invalidation(svm, VSVM_SVM_ZAP, addr, s);
		action = vsvm_svm_vma_action(vma->vm_flags);
		invalidate_part(svm, win, action, s, e, zapped, downgraded);
		audit_invalidation(svm, action, s, e);
		addr = e;
	}
	invalidate_part(svm, win, VSVM_SVM_ZAP, addr, end, zapped, downgraded);
	audit_invalidation(svm, VSVM_SVM_ZAP, addr, end);
}

static bool vsvm_svm_invalidate(struct mmu_interval_notifier *mni,
				const struct mmu_notifier_range *mrange,
				unsigned long cur_seq)
{
	struct vsvm_svm_window *win = container_of(mni, struct vsvm_svm_window, notifier);
	struct vsvm_svm *svm = win->svm;
	unsigned long start = max(mrange->start, window_start(win));
	unsigned long end = min(mrange->end, window_end(win));
	enum vsvm_svm_origin origin = VSVM_SVM_FOREIGN;
	enum vsvm_svm_action action;
	u64 zapped = 0, downgraded = 0;

	if (svm->owner && mrange->owner == svm->owner)
		origin = VSVM_SVM_OWN;
	else if (svm->owner_in && mrange->owner == svm->owner_in)
		origin = VSVM_SVM_OWN_IN;
	action = vsvm_svm_event_action(mrange->event, origin, READ_ONCE(*svm->policy));
	if ((action == VSVM_SVM_ZAP_LOCAL || action == VSVM_SVM_ZAP_SYSTEM) &&
	    !svm->ops->zap_filtered)
		action = VSVM_SVM_ZAP;
	if (action == VSVM_SVM_BY_VMA && !invalidator_holds_mmap_lock(mrange->mm))
		action = VSVM_SVM_ZAP;
	stat_add(svm, VSVM_SVM_STAT_INVAL_FIRST + mrange->event, 1);

	if (mmu_notifier_range_blockable(mrange)) {
		down_write(&svm->lock);
	} else if (!down_write_trylock(&svm->lock)) {
		stat_add(svm, VSVM_SVM_STAT_NONBLOCK_FAILED, 1);
		return false;
	}
	mmu_interval_set_seq(mni, cur_seq);
	hook_invalidate(svm, mrange);

	switch (action) {
	case VSVM_SVM_IGNORE:
		break;
	case VSVM_SVM_BY_VMA:
		invalidate_by_vma(svm, win, mrange->mm, start, end, &zapped, &downgraded);
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		break;
	case VSVM_SVM_DOWNGRADE:
		downgraded = svm->ops->protect(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_DOWNGRADED, downgraded);
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		break;
	case VSVM_SVM_ZAP_LOCAL:
	case VSVM_SVM_ZAP_SYSTEM:
		zapped = svm->ops->zap_filtered(svm, start, end, action == VSVM_SVM_ZAP_LOCAL);
		stat_add(svm, VSVM_SVM_STAT_ZAPPED, zapped);
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		break;
	case VSVM_SVM_RELEASE:
		WRITE_ONCE(svm->dead, true);
		fallthrough;
	case VSVM_SVM_UNMAP:
	case VSVM_SVM_ZAP:
		ranges_forget_populated(svm, win, start, end);
		zapped = svm->ops->zap(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_ZAPPED, zapped);
		svm->ops->flush_tlb(svm, start, end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
		if (action == VSVM_SVM_UNMAP) {
			ranges_mark_unmapped(svm, win, start, end);
			attrs_drop(svm, win, start, end);
		}
		break;
	}
	if (action != VSVM_SVM_BY_VMA)
		audit_invalidation(svm, action, start, end);
	trace_vsvm_invalidate(svm->id, mrange->event, start, end, action, zapped, downgraded);

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
	win->attrs = RB_ROOT_CACHED;
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
	if (!--win->users && !win->nr_ranges && !win->nr_attrs) {
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, &dead);
	}
	up_write(&svm->lock);
	windows_free(svm, &dead);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * vsvm_svm_test_invalidate() - deliver an invalidation the CPU side did not make
 * @svm: the mirror
 * @start: start of the invalidated span, in the window of @start
 * @end: its end
 * @event: what the CPU side would have done
 *
 * For KUnit: sequences of events that the mm of this kernel never produces
 * (an UNMAP of half a PMD-mapped page without the CLEAR of the split first)
 * but that the core must survive all the same. The window's sequence number
 * moves as for a real invalidation, so a fault in flight retries.
 *
 * Return: false when no window covers @start (nothing would be called).
 */
bool vsvm_svm_test_invalidate(struct vsvm_svm *svm, unsigned long start, unsigned long end,
			      enum mmu_notifier_event event)
{
	struct mmu_notifier_range range = {
		.mm = svm->mm,
		.start = start,
		.end = end,
		.event = event,
		.flags = MMU_NOTIFIER_RANGE_BLOCKABLE,
	};
	struct vsvm_svm_window *win;

	down_write(&svm->lock);
	win = window_lookup(svm, start);
	if (win)
		win->users++;
	up_write(&svm->lock);
	if (!win)
		return false;
	/* Odd, as every sequence number a real invalidation sets. */
	vsvm_svm_invalidate(&win->notifier, &range, READ_ONCE(win->notifier.invalidate_seq) + 2);
	window_put(svm, win);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_test_invalidate);
#endif

/*
 * Find or create the range around @addr and return its bounds. Called with
 * mmap_lock held for read; @spare is a preallocated range it may consume
 * (set to NULL then).
 */
/*
 * DOC: Prefetch: the region of @range to fault in with the page at @addr,
 * as addresses in [*pf_start, *pf_end), or an empty one. Under the lock.
 */
static void range_prefetch(struct vsvm_svm *svm, struct vsvm_svm_window *win,
			   struct vsvm_svm_range *range, unsigned long addr,
			   unsigned long *pf_start, unsigned long *pf_end)
{
	unsigned int threshold = svm->config.prefetch_threshold ?
				 READ_ONCE(*svm->config.prefetch_threshold) : 0;
	unsigned long next[2] = { range_start(range) - SZ_2M, range_end(range) };
	struct vsvm_svm_range *neighbour;
	unsigned int first, last, k;
	int buddy_pages = -1;

	*pf_start = 0;
	*pf_end = 0;
	if (!threshold)
		return;
	/* The neighbour a stream comes from: the denser 2 MiB range beside it. */
	for (k = 0; k < 2 && range_end(range) - range_start(range) == SZ_2M; k++) {
		if (next[k] < window_start(win) || next[k] >= window_end(win))
			continue;
		neighbour = range_find(win, next[k]);
		if (neighbour && range_start(neighbour) == next[k] &&
		    range_end(neighbour) - next[k] == SZ_2M)
			buddy_pages = max_t(int, buddy_pages,
					    bitmap_weight(neighbour->populated,
							  VSVM_SVM_CHUNK_PAGES));
	}
	if (vsvm_svm_prefetch_region(range->populated, range_pages(range),
				     (addr - range_start(range)) >> PAGE_SHIFT,
				     threshold, buddy_pages, &first, &last)) {
		*pf_start = range_start(range) + ((unsigned long)first << PAGE_SHIFT);
		*pf_end = range_start(range) + ((unsigned long)last << PAGE_SHIFT);
	}
}

static int range_get(struct vsvm_svm *svm, struct vsvm_svm_window *win,
		     struct vm_area_struct *vma, unsigned long addr,
		     struct vsvm_svm_range **spare,
		     unsigned long *start, unsigned long *end,
		     unsigned long *pf_start, unsigned long *pf_end)
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
	range_prefetch(svm, win, range, addr, pf_start, pf_end);
out:
	up_write(&svm->lock);
	return ret;
}

/*
 * What a commit replaces maps the same pages: a translation of another page
 * at commit time would be one the CPU side no longer has, which the
 * invalidations must have removed. (Write permission may legitimately be
 * taken away: a fault that snapshot a read-only PTE can commit after
 * another fault on another engine found it made writable by a CPU-side
 * write fault, which upgrades without an invalidation.)
 */
static void audit_commit(struct vsvm_svm *svm, unsigned long addr, unsigned long pfn,
			 unsigned int order)
{
	unsigned long end = addr + (PAGE_SIZE << order), at = addr, old;
	unsigned int old_order;
	bool writable;

	if (!IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT))
		return;
	audit_count();
	while (svm->ops->next_leaf(svm, &at, end, &old, &old_order, &writable)) {
		unsigned long first = max(at, addr);
		unsigned long now = pfn + ((first - addr) >> PAGE_SHIFT);

		if (old + ((first - at) >> PAGE_SHIFT) != now) {
			audit_violation(svm, "fault at 0x%lx replaced a mapping of another page\n",
					first);
			return;
		}
		at += PAGE_SIZE << old_order;
	}
}

/*
 * Write one translation. When it replaced one of another page, or took write
 * permission away, a TLB may hold the old one: flush.
 */
static int commit_one(struct vsvm_svm *svm, unsigned long addr, unsigned long pfn,
		      unsigned int order, bool writable)
{
	int ret;

	audit_commit(svm, addr, pfn, order);
	ret = svm->ops->map(svm, addr, pfn, order, writable);
	if (ret <= 0)
		return ret;
	svm->ops->flush_tlb(svm, addr, addr + (PAGE_SIZE << order));
	stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
	return 0;
}

/* What one device fault works on, from the range lookup to the commit. */
struct fault_state {
	struct vsvm_svm_window *win;
	unsigned long addr;
	bool write;
	bool uffd;
	unsigned long rstart, rend;
	unsigned long pf_start, pf_end;
	unsigned long around_start, around_end;
	bool accessed_by;
	struct hmm_range hmm;
	unsigned int mapped_4k, mapped_2m;
};

/*
 * The fault path's scratch (DOC: Fault path): the pfn array of
 * hmm_range_fault() over the largest chunk, and a zeroed range that the
 * lookup inserts when it creates one. A mirror keeps up to
 * VSVM_SVM_SCRATCH_KEEP of them (one per fault in flight: the engines'
 * faults and the prefetch ioctls), so that a fault allocates only the
 * first time that many run at once, and for a range it creates.
 */
struct vsvm_svm_scratch {
	struct list_head link;
	unsigned long *pfns;
	struct vsvm_svm_range *spare;
};

#define VSVM_SVM_SCRATCH_KEEP	8

static void scratch_free(struct vsvm_svm_scratch *s)
{
	kvfree(s->pfns);
	kfree(s->spare);
	kfree(s);
}

/* Called with no lock held: may sleep to allocate. */
static struct vsvm_svm_scratch *scratch_get(struct vsvm_svm *svm)
{
	struct vsvm_svm_scratch *s;

	spin_lock(&svm->scratch_lock);
	s = list_first_entry_or_null(&svm->scratch_free, struct vsvm_svm_scratch, link);
	if (s) {
		list_del(&s->link);
		svm->scratch_kept--;
	}
	spin_unlock(&svm->scratch_lock);
	if (!s) {
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (!s)
			return NULL;
		s->pfns = kvmalloc_array(VSVM_SVM_CHUNK_PAGES, sizeof(*s->pfns), GFP_KERNEL);
		stat_add(svm, VSVM_SVM_STAT_SCRATCH_ALLOCS, 1);
		if (!s->pfns) {
			kfree(s);
			return NULL;
		}
	}
	/* The last fault's spare became a range: a new one for the next. */
	if (!s->spare) {
		s->spare = kzalloc(sizeof(*s->spare), GFP_KERNEL);
		stat_add(svm, VSVM_SVM_STAT_SCRATCH_ALLOCS, 1);
		if (!s->spare) {
			scratch_free(s);
			return NULL;
		}
	}
	return s;
}

static void scratch_put(struct vsvm_svm *svm, struct vsvm_svm_scratch *s)
{
	spin_lock(&svm->scratch_lock);
	if (svm->scratch_kept < VSVM_SVM_SCRATCH_KEEP) {
		list_add(&s->link, &svm->scratch_free);
		svm->scratch_kept++;
		s = NULL;
	}
	spin_unlock(&svm->scratch_lock);
	if (s)
		scratch_free(s);
}

static unsigned long fault_pfn(const struct fault_state *f)
{
	return f->hmm.hmm_pfns[(f->addr - f->hmm.start) >> PAGE_SHIFT];
}

/*
 * DOC: Prefetch: a commit mapped [@start, @end) of @range: those pages are
 * populated now. Pages of the prefetch region outside the fault-around span
 * (which the fault would not have mapped without it) that were not
 * populated before count as prefetched.
 */
static void range_mark_populated(struct vsvm_svm *svm, struct vsvm_svm_range *range,
				 const struct fault_state *f, unsigned long start,
				 unsigned long end)
{
	unsigned int i, n = 0;
	unsigned long a;

	for (a = start; a < end; a += PAGE_SIZE) {
		i = (a - range_start(range)) >> PAGE_SHIFT;
		if (__test_and_set_bit(i, range->populated))
			continue;
		if (a < f->pf_start || a >= f->pf_end ||
		    (a >= f->around_start && a < f->around_end))
			continue;
		__set_bit(i, range->prefetched);
		n++;
	}
	if (n)
		stat_add(svm, VSVM_SVM_STAT_PREFETCHED, n);
}

static bool hmm_pfn_mappable(unsigned long p)
{
	return (p & HMM_PFN_VALID) && !(p & HMM_PFN_ERROR);
}

/*
 * Write the 4 KiB translations of the snapshot in one call (one walk per
 * leaf table), flush once if one a TLB may hold changed, then record what
 * is mapped in @range, run by run of mapped pages.
 */
static int commit_pages(struct vsvm_svm *svm, struct fault_state *f,
			struct vsvm_svm_range *range)
{
	const struct hmm_range *hmm = &f->hmm;
	unsigned long npages = (hmm->end - hmm->start) >> PAGE_SHIFT;
	struct vsvm_svm_map_result res = {};
	unsigned long i, run;
	int ret;

	if (IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT))
		for (i = 0; i < npages; i++)
			if (hmm_pfn_mappable(hmm->hmm_pfns[i]))
				audit_commit(svm, hmm->start + (i << PAGE_SHIFT),
					     page_to_pfn(hmm_pfn_to_page(hmm->hmm_pfns[i])), 0);

	ret = svm->ops->map_pages(svm, hmm->start, npages, hmm->hmm_pfns, &res);
	if (res.flush) {
		svm->ops->flush_tlb(svm, hmm->start, hmm->end);
		stat_add(svm, VSVM_SVM_STAT_TLB_FLUSHES, 1);
	}
	stat_add(svm, VSVM_SVM_STAT_MAPPED_4K, res.written);
	stat_add(svm, VSVM_SVM_STAT_UNCHANGED, res.unchanged);
	f->mapped_4k += res.written;
	if (ret)
		return ret;

	for (i = 0; i < npages; i += run) {
		unsigned long addr = hmm->start + (i << PAGE_SHIFT);

		for (run = 0; i + run < npages && hmm_pfn_mappable(hmm->hmm_pfns[i + run]); run++)
			;
		if (!run) {
			run = 1;
			continue;
		}
		/* What the device maps again is no longer unmapped. */
		bitmap_clear(range->unmapped, (addr - f->rstart) >> PAGE_SHIFT, run);
		range_mark_populated(svm, range, f, addr, addr + (run << PAGE_SHIFT));
	}
	return 0;
}

/*
 * Commit the result of hmm_range_fault(): called with the lock held for
 * write after mmu_interval_read_retry() said the pfns are still current.
 * Return -EAGAIN when the range is no longer the one the fault looked up.
 */
static int commit_pfns(struct vsvm_svm *svm, struct fault_state *f)
{
	const struct hmm_range *hmm = &f->hmm;
	unsigned long npages = (hmm->end - hmm->start) >> PAGE_SHIFT;
	unsigned long hpfn = fault_pfn(f);
	struct vsvm_svm_range *range;
	int ret;

	lockdep_assert_held_write(&svm->lock);

	/* Garbage collection may have freed the range since range_get(). */
	range = range_find(f->win, f->addr);
	if (!range || range_start(range) != f->rstart || range_end(range) != f->rend)
		return -EAGAIN;

	if (svm->config.huge_pages && f->rend - f->rstart == SZ_2M &&
	    hmm_pfn_mappable(hpfn) && hmm_pfn_to_map_order(hpfn) == PMD_SHIFT - PAGE_SHIFT) {
		unsigned long head = page_to_pfn(hmm_pfn_to_page(hpfn)) -
				     ((f->addr - f->rstart) >> PAGE_SHIFT);

		ret = commit_one(svm, f->rstart, head, PMD_SHIFT - PAGE_SHIFT,
				 hpfn & HMM_PFN_WRITE);
		if (ret)
			return ret;
		stat_add(svm, VSVM_SVM_STAT_MAPPED_2M, 1);
		f->mapped_2m++;
		bitmap_zero(range->unmapped, VSVM_SVM_CHUNK_PAGES);
		range_mark_populated(svm, range, f, f->rstart, f->rend);
		npages = 0;
	}

	if (npages) {
		ret = commit_pages(svm, f, range);
		if (ret)
			return ret;
	}
	/* An UNMAP may have queued it; mapped again, it is no garbage. */
	if (!list_empty(&range->gc_link))
		list_del_init(&range->gc_link);
	svm->commits++;
	return 0;
}

/* Memory the kernel's direct map lacks: the engines cannot reach it. */
static bool vma_no_direct_map(const struct vm_area_struct *vma)
{
	return vma->vm_file && file_inode(vma->vm_file)->i_sb->s_magic == SECRETMEM_MAGIC;
}

/*
 * Step 2 of DOC: Fault path: the VMA and the range around the address. The
 * range is where the fault-around span may go.
 */
static int fault_find_range(struct vsvm_svm *svm, struct fault_state *f,
			    struct vsvm_svm_range **spare)
{
	unsigned long around = svm->config.fault_around;
	struct vm_area_struct *vma;
	int ret;

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, f->addr);
	if (!vma || vma_no_direct_map(vma)) {
		mmap_read_unlock(svm->mm);
		return -EFAULT;
	}
	ret = range_get(svm, f->win, vma, f->addr, spare, &f->rstart, &f->rend,
			&f->pf_start, &f->pf_end);
	/*
	 * A fault in a userfaultfd-registered VMA would have to wait for the
	 * process's handler, which hmm_range_fault() cannot do (handle_userfault()
	 * gives up with a warning): only take what is already there.
	 */
	f->uffd = userfaultfd_armed(vma);
	/* DOC: Prefetch: only plain memory, only in this VMA. */
	if (f->uffd || is_vm_hugetlb_page(vma) || (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
		f->pf_start = 0;
		f->pf_end = 0;
	} else if (f->pf_end) {
		f->pf_start = max(f->pf_start, vma->vm_start);
		f->pf_end = min(f->pf_end, vma->vm_end);
	}
	mmap_read_unlock(svm->mm);
	if (ret)
		return ret;

	f->hmm.notifier = &f->win->notifier;
	f->hmm.start = max(f->rstart, f->addr > around ? f->addr - around : 0);
	f->hmm.end = min(f->rend, f->addr + PAGE_SIZE + around);
	f->around_start = f->hmm.start;
	f->around_end = f->hmm.end;
	if (f->pf_end > f->pf_start + PAGE_SIZE) {
		f->hmm.start = min(f->hmm.start, f->pf_start);
		f->hmm.end = max(f->hmm.end, f->pf_end);
	} else {
		f->pf_start = 0;
		f->pf_end = 0;
	}
	return 0;
}

/*
 * Leave VMAs without a direct map out of the snapshot (under mmap_lock, so
 * the VMAs are the ones the walk saw). Return false when the faulting page
 * is in one.
 */
static bool fault_drop_no_direct_map(struct vsvm_svm *svm, struct fault_state *f)
{
	VMA_ITERATOR(vmi, svm->mm, f->hmm.start);
	struct vm_area_struct *vma;
	bool ok = true;

	for_each_vma_range(vmi, vma, f->hmm.end) {
		unsigned long s = max(vma->vm_start, f->hmm.start);
		unsigned long e = min(vma->vm_end, f->hmm.end);

		if (!vma_no_direct_map(vma))
			continue;
		memset(&f->hmm.hmm_pfns[(s - f->hmm.start) >> PAGE_SHIFT], 0,
		       ((e - s) >> PAGE_SHIFT) * sizeof(unsigned long));
		if (f->addr >= s && f->addr < e)
			ok = false;
	}
	return ok;
}

/*
 * A device write to a page that is present but write-protected (the zero
 * page, a page shared copy-on-write) in a userfaultfd-registered VMA: a CPU
 * store there breaks the protection without asking the handler (unless the
 * VMA tracks writes, VM_UFFD_WP). Fault it as the CPU would, but let the
 * fault give up (VM_FAULT_RETRY, with mmap_lock kept) where it would need
 * the handler after all: the page went away meanwhile. Return -EBUSY to
 * snapshot again (counted as a collision), or a fatal error.
 */
static int fault_uffd_write(struct vsvm_svm *svm, struct fault_state *f)
{
	unsigned int flags = FAULT_FLAG_WRITE | FAULT_FLAG_REMOTE |
			     FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;
	struct vm_area_struct *vma;
	vm_fault_t fault;
	int ret = -EFAULT;

	mmap_read_lock(svm->mm);
	vma = vma_lookup(svm->mm, f->addr);
	if (vma && !(vma->vm_flags & VM_WRITE)) {
		ret = -EPERM;
	} else if (vma && !(vma->vm_flags & VM_UFFD_WP) && !vma_no_direct_map(vma)) {
		fault = handle_mm_fault(vma, f->addr, flags, NULL);
		if (!(fault & (VM_FAULT_ERROR | VM_FAULT_RETRY)))
			ret = -EBUSY;
	}
	mmap_read_unlock(svm->mm);
	return ret;
}

/*
 * DOC: Range attributes, accessed-by: a page in another device's memory is
 * mapped where it is. hmm_range_fault() reports the device-private pages of
 * the owner it is given and faults (moves back) those of any other, so ask,
 * without faulting anything, whose page the faulting one is: the owner to
 * snapshot it as (the mirror's own when it is no peer's), or ERR_PTR(-EBUSY)
 * on a collision.
 */
static void *fault_peer_owner(struct vsvm_svm *svm, struct fault_state *f)
{
	unsigned long pfn;
	struct hmm_range probe = {
		.notifier = &f->win->notifier,
		.start = f->addr,
		.end = f->addr + PAGE_SIZE,
		.hmm_pfns = &pfn,
	};
	unsigned int cursor = 0;
	void *owner = svm->owner;
	int ret;

	do {
		pfn = 0;
		probe.dev_private_owner = owner;
		probe.notifier_seq = mmu_interval_read_begin(&f->win->notifier);
		mmap_read_lock(svm->mm);
		ret = hmm_range_fault(&probe);
		mmap_read_unlock(svm->mm);
		if (ret)
			return ret == -EBUSY ? ERR_PTR(-EBUSY) : svm->owner;
		/* Present as system memory or as the owner's: that is whose. */
		if (pfn & HMM_PFN_VALID)
			return is_device_private_page(hmm_pfn_to_page(pfn)) ? owner : svm->owner;
	} while ((owner = svm->ops->next_peer(svm, &cursor)));
	return svm->owner;
}

/*
 * Steps 3 and 4: snapshot the span, faulting the faulting page in unless the
 * VMA is userfaultfd-registered. Return 0 with f->hmm.notifier_seq set,
 * -EBUSY on a collision, -EAGAIN when the walk must start again from the
 * faulting page, or a fatal error.
 */
static int fault_snapshot(struct vsvm_svm *svm, struct fault_state *f, u64 *hmm_ns)
{
	unsigned long req = HMM_PFN_REQ_FAULT | (f->write ? HMM_PFN_REQ_WRITE : 0);
	unsigned long npages, idx, a;
	ktime_t t0;
	bool direct;
	int ret;

	/* Not once the page must move back (the write to a shared page below). */
	if (f->accessed_by && f->hmm.dev_private_owner) {
		void *owner = fault_peer_owner(svm, f);

		if (IS_ERR(owner))
			return PTR_ERR(owner);
		f->hmm.dev_private_owner = owner;
		if (owner != svm->owner) {
			/* The page alone: the span may hold the mirror's own. */
			f->hmm.start = f->addr;
			f->hmm.end = f->addr + PAGE_SIZE;
			f->pf_start = 0;
			f->pf_end = 0;
		}
	}
	npages = (f->hmm.end - f->hmm.start) >> PAGE_SHIFT;
	idx = (f->addr - f->hmm.start) >> PAGE_SHIFT;
	memset(f->hmm.hmm_pfns, 0, npages * sizeof(unsigned long));
	/* DOC: Prefetch: the region, within the span (which may have shrunk). */
	for (a = max(f->pf_start, f->hmm.start); a < min(f->pf_end, f->hmm.end); a += PAGE_SIZE)
		f->hmm.hmm_pfns[(a - f->hmm.start) >> PAGE_SHIFT] = req;
	if (!f->uffd)
		f->hmm.hmm_pfns[idx] = req;

	f->hmm.notifier_seq = mmu_interval_read_begin(&f->win->notifier);
	t0 = ktime_get();
	mmap_read_lock(svm->mm);
	ret = hmm_range_fault(&f->hmm);
	direct = !ret && fault_drop_no_direct_map(svm, f);
	mmap_read_unlock(svm->mm);
	*hmm_ns += ktime_to_ns(ktime_sub(ktime_get(), t0));
	if ((ret == -EFAULT || ret == -EPERM) && f->pf_end) {
		/* The region is no longer all accessible: fault without it. */
		f->pf_start = 0;
		f->pf_end = 0;
		return -EAGAIN;
	}
	if (ret)
		return ret;
	if (!direct)
		return -EFAULT;

	if (!(fault_pfn(f) & HMM_PFN_VALID)) {
		if (f->uffd || f->hmm.start == f->addr)
			return -EFAULT;
		/* The walk did not honour the request (hugetlb): start at the page. */
		f->hmm.start = f->addr;
		return -EAGAIN;
	}
	if (f->write && !(fault_pfn(f) & HMM_PFN_WRITE)) {
		/*
		 * hmm_range_fault() reports the owner's device-private pages as
		 * they are, read-only too (fork()'s copy-on-write), without
		 * faulting them for a write. Only the CPU fault path can break
		 * that: snapshot the page again as someone else's, which moves
		 * it back to system memory and then faults it for writing.
		 */
		if (f->hmm.dev_private_owner &&
		    is_device_private_page(hmm_pfn_to_page(fault_pfn(f)))) {
			f->hmm.dev_private_owner = NULL;
			f->hmm.start = f->addr;
			f->hmm.end = f->addr + PAGE_SIZE;
			f->pf_start = 0;
			f->pf_end = 0;
			return -EAGAIN;
		}
		if (f->uffd)
			return fault_uffd_write(svm, f);
		if (f->hmm.start == f->addr)
			return -EPERM;
		f->hmm.start = f->addr;
		return -EAGAIN;
	}
	return 0;
}

/*
 * Steps 3 to 6 for the range fault_find_range() found: snapshot, prepare,
 * commit, retrying collisions. -EAGAIN when the range went away (look it up
 * again), -EBUSY after too many collisions.
 */
static int fault_range(struct vsvm_svm *svm, struct fault_state *f,
		       unsigned int *tries, u64 *hmm_ns)
{
	int ret;

	for (;;) {
		if (*tries > svm->config.max_retries)
			return -EBUSY;
		ret = fault_snapshot(svm, f, hmm_ns);
		if (ret == -EAGAIN)
			continue;
		if (ret == -EBUSY) {
			++*tries;
			stat_add(svm, VSVM_SVM_STAT_RETRIES, 1);
			continue;
		}
		if (ret)
			return ret;

		ret = svm->ops->prepare(svm, f->hmm.start, f->hmm.end);
		if (ret)
			return ret;

		hook_before_commit(svm, f->addr);
		down_write(&svm->lock);
		if (mmu_interval_read_retry(&f->win->notifier, f->hmm.notifier_seq)) {
			up_write(&svm->lock);
			++*tries;
			stat_add(svm, VSVM_SVM_STAT_RETRIES, 1);
			continue;
		}
		ret = commit_pfns(svm, f);
		up_write(&svm->lock);
		if (ret != -ENOMEM)
			return ret;
		++*tries;
	}
}

/*
 * Steps 1 to 6 of DOC: Fault path, with a reference on the address space:
 * garbage first, then the window, the range, the snapshot and the commit.
 */
static int fault_in_mm(struct vsvm_svm *svm, struct fault_state *f, unsigned int *tries,
		       u64 *hmm_ns)
{
	struct vsvm_svm_scratch *scratch;
	int ret;

	vsvm_svm_gc(svm);
	attr_refill_spare(svm);

	/* Allocated before any lock is taken, used again by the next faults. */
	scratch = scratch_get(svm);
	if (!scratch)
		return -ENOMEM;
	f->hmm.hmm_pfns = scratch->pfns;

	/* Accessed-by matters only with another device's memory to reach. */
	if (svm->ops->next_peer && svm->ops->next_peer(svm, &(unsigned int){ 0 })) {
		struct vsvm_svm_attr attr;
		unsigned long run_end;

		vsvm_svm_attr_get(svm, f->addr, f->addr + PAGE_SIZE, &attr, &run_end);
		f->accessed_by = attr.accessed_by;
	}
	f->win = window_get(svm, f->addr);
	if (IS_ERR(f->win)) {
		ret = PTR_ERR(f->win);
		goto out;
	}
	do {
		/* The spare range the lookup may insert: a new one after it did. */
		if (!scratch->spare) {
			scratch->spare = kzalloc(sizeof(*scratch->spare), GFP_KERNEL);
			stat_add(svm, VSVM_SVM_STAT_SCRATCH_ALLOCS, 1);
		}
		ret = scratch->spare ? fault_find_range(svm, f, &scratch->spare) : -ENOMEM;
		if (!ret)
			ret = fault_range(svm, f, tries, hmm_ns);
	} while (ret == -EAGAIN && *tries <= svm->config.max_retries && ++*tries);
	if (ret == -EBUSY)
		ret = -EAGAIN;
	if (!ret)
		audit_fault_sample(svm, f);
	window_put(svm, f->win);
out:
	f->hmm.hmm_pfns = NULL;
	scratch_put(svm, scratch);
	return ret;
}

/**
 * DOC: Range attributes
 *
 * A VM's mirror keeps attributes of spans of addresses (&struct
 * vsvm_svm_attr: preferred location, accessed-by, migration granularity),
 * set with vsvm_svm_attr_set() (``DRM_IOCTL_VSVM_VM_SET_ATTR``) and read with
 * vsvm_svm_attr_get(). They belong to addresses, not to VMAs or pages:
 *
 * - they live in the interval tree of the notifier window that holds them
 *   (``attrs``), one node per maximal span of equal attributes inside a
 *   window, none for spans with the defaults; setting one splits the nodes
 *   at the ends of the span and merges equal neighbours afterwards;
 * - a window with attributes stays (and so does its notifier) after its
 *   last range is gone, so that munmap() still reaches them (one whose
 *   attributes all went goes at the next garbage collection); setting
 *   attributes needs the whole span mapped (-EFAULT otherwise), which
 *   bounds the windows it creates;
 * - munmap() (the UNMAP invalidation) drops the attributes of what it
 *   unmapped, splitting a node it cuts in two; the callback cannot allocate
 *   with reclaim, so it takes a spare node kept in &vsvm_svm.attr_spare (or
 *   one from a non-sleeping allocation); without either, the part after the
 *   hole loses its attributes and %VSVM_SVM_STAT_ATTR_LOST counts it. The
 *   spare is refilled at the next fault or attribute change;
 * - mremap() moves no attributes: the old addresses are unmapped (and lose
 *   them), the new ones start with the defaults; mprotect() and madvise()
 *   change nothing; a forked child has no VM, so nothing is inherited.
 *
 * All of it is under &vsvm_svm.lock (for write to change, for read to look
 * up), with nodes allocated before it is taken.
 */

static bool attr_default(const struct vsvm_svm_attr *a)
{
	const struct vsvm_svm_attr d = VSVM_SVM_ATTR_DEFAULT;

	return a->preferred == d.preferred && a->accessed_by == d.accessed_by &&
	       a->granularity_shift == d.granularity_shift;
}

static bool attr_equal(const struct vsvm_svm_attr *a, const struct vsvm_svm_attr *b)
{
	return a->preferred == b->preferred && a->accessed_by == b->accessed_by &&
	       a->granularity_shift == b->granularity_shift;
}

static struct vsvm_svm_attr_node *attr_node(struct interval_tree_node *node)
{
	return node ? container_of(node, struct vsvm_svm_attr_node, itree) : NULL;
}

static void attr_insert(struct vsvm_svm_window *win, struct vsvm_svm_attr_node *n,
			unsigned long start, unsigned long last, const struct vsvm_svm_attr *attr)
{
	n->itree.start = start;
	n->itree.last = last;
	n->attr = *attr;
	interval_tree_insert(&n->itree, &win->attrs);
	win->nr_attrs++;
}

static void attr_remove(struct vsvm_svm_window *win, struct vsvm_svm_attr_node *n,
			struct list_head *freed)
{
	interval_tree_remove(&n->itree, &win->attrs);
	win->nr_attrs--;
	list_add(&n->link, freed);
}

/* Change a node's span: its augmented tree needs it out and in again. */
static void attr_resize(struct vsvm_svm_window *win, struct vsvm_svm_attr_node *n,
			unsigned long start, unsigned long last)
{
	interval_tree_remove(&n->itree, &win->attrs);
	n->itree.start = start;
	n->itree.last = last;
	interval_tree_insert(&n->itree, &win->attrs);
}

static struct vsvm_svm_attr_node *attr_take(struct list_head *pool)
{
	struct vsvm_svm_attr_node *n;

	n = list_first_entry_or_null(pool, struct vsvm_svm_attr_node, link);
	if (n)
		list_del(&n->link);
	return n;
}

/*
 * Split the node that holds @addr and starts before it, so that a node
 * starts at @addr. Return false when that needs a node and @pool has none.
 */
static bool attr_split(struct vsvm_svm_window *win, unsigned long addr, struct list_head *pool)
{
	struct vsvm_svm_attr_node *n = attr_node(interval_tree_iter_first(&win->attrs, addr, addr));
	struct vsvm_svm_attr_node *tail;
	unsigned long last;

	if (!n || n->itree.start == addr)
		return true;
	tail = attr_take(pool);
	if (!tail)
		return false;
	last = n->itree.last;
	attr_resize(win, n, n->itree.start, addr - 1);
	attr_insert(win, tail, addr, last, &n->attr);
	return true;
}

/* Merge equal neighbours around [start, end) and drop default spans. */
static void attr_normalise(struct vsvm_svm_window *win, unsigned long start, unsigned long end,
			   struct list_head *freed)
{
	unsigned long lo = start > window_start(win) ? start - 1 : start;
	struct vsvm_svm_attr_node *prev = NULL, *n, *next;

	for (n = attr_node(interval_tree_iter_first(&win->attrs, lo, end)); n; n = next) {
		next = attr_node(interval_tree_iter_next(&n->itree, lo, end));
		if (attr_default(&n->attr)) {
			attr_remove(win, n, freed);
			continue;
		}
		if (prev && prev->itree.last + 1 == n->itree.start &&
		    attr_equal(&prev->attr, &n->attr)) {
			unsigned long last = n->itree.last;

			attr_remove(win, n, freed);
			attr_resize(win, prev, prev->itree.start, last);
			/* The iterator's next node may have moved in the tree. */
			next = attr_node(interval_tree_iter_first(&win->attrs, last + 1, end));
			continue;
		}
		prev = n;
	}
}

static void attr_apply(struct vsvm_svm_attr *a, enum vsvm_svm_attr_type type, u8 value)
{
	switch (type) {
	case VSVM_SVM_ATTR_PREFERRED:
		a->preferred = value;
		break;
	case VSVM_SVM_ATTR_ACCESSED_BY:
		a->accessed_by = value;
		break;
	case VSVM_SVM_ATTR_GRANULARITY:
		a->granularity_shift = value;
		break;
	}
}

/*
 * Nodes setting [start, end) in @win needs: two splits and one per gap
 * between the nodes already there.
 */
static unsigned int attr_nodes_needed(struct vsvm_svm_window *win, unsigned long start,
				      unsigned long end)
{
	struct interval_tree_node *node;
	unsigned long cursor = start;
	unsigned int n = 2;

	for (node = interval_tree_iter_first(&win->attrs, start, end - 1); node;
	     node = interval_tree_iter_next(node, start, end - 1)) {
		if (node->start > cursor)
			n++;
		cursor = node->last + 1;
	}
	return n + (cursor < end);
}

/* Set one attribute over [start, end) of @win, under the lock, from @pool. */
static int attr_set_locked(struct vsvm_svm_window *win, unsigned long start, unsigned long end,
			   enum vsvm_svm_attr_type type, u8 value, struct list_head *pool,
			   struct list_head *freed)
{
	const struct vsvm_svm_attr d = VSVM_SVM_ATTR_DEFAULT;
	struct interval_tree_node *node, *next;
	unsigned long cursor = start;
	struct vsvm_svm_attr a;

	lockdep_assert_held_write(&win->svm->lock);
	if (list_count_nodes(pool) < attr_nodes_needed(win, start, end))
		return -EAGAIN;
	attr_split(win, start, pool);
	attr_split(win, end, pool);
	for (node = interval_tree_iter_first(&win->attrs, start, end - 1); node; node = next) {
		next = interval_tree_iter_next(node, start, end - 1);
		if (node->start > cursor) {
			a = d;
			attr_apply(&a, type, value);
			attr_insert(win, attr_take(pool), cursor, node->start - 1, &a);
		}
		attr_apply(&attr_node(node)->attr, type, value);
		cursor = node->last + 1;
	}
	if (cursor < end) {
		a = d;
		attr_apply(&a, type, value);
		attr_insert(win, attr_take(pool), cursor, end - 1, &a);
	}
	attr_normalise(win, start, end, freed);
	return 0;
}

static void attr_free_list(struct list_head *list)
{
	struct vsvm_svm_attr_node *n, *tmp;

	list_for_each_entry_safe(n, tmp, list, link)
		kfree(n);
	INIT_LIST_HEAD(list);
}

static int attr_pool_fill(struct list_head *pool, unsigned int want)
{
	unsigned int have = list_count_nodes(pool);

	for (; have < want; have++) {
		struct vsvm_svm_attr_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

		if (!n)
			return -ENOMEM;
		list_add(&n->link, pool);
	}
	return 0;
}

/* Give the callback its spare node again (DOC: Range attributes). */
static void attr_refill_spare(struct vsvm_svm *svm)
{
	struct vsvm_svm_attr_node *n;

	if (READ_ONCE(svm->attr_spare))
		return;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return;
	down_write(&svm->lock);
	if (!svm->attr_spare) {
		svm->attr_spare = n;
		n = NULL;
	}
	up_write(&svm->lock);
	kfree(n);
}

/*
 * UNMAP of [start, end) in @win: the attributes of those addresses go. In
 * the notifier callback, under the lock for write: no reclaiming allocation.
 * Only a node with the hole in its middle needs another node, for the part
 * after the hole.
 */
static void attrs_drop(struct vsvm_svm *svm, struct vsvm_svm_window *win,
		       unsigned long start, unsigned long end)
{
	struct interval_tree_node *node, *next;
	LIST_HEAD(freed);

	if (!win->nr_attrs)
		return;
	for (node = interval_tree_iter_first(&win->attrs, start, end - 1); node; node = next) {
		struct vsvm_svm_attr_node *n = attr_node(node), *tail;
		unsigned long first = node->start, last = node->last;

		next = interval_tree_iter_next(node, start, end - 1);
		if (first < start && last >= end) {
			tail = svm->attr_spare;
			svm->attr_spare = NULL;
			if (!tail)
				tail = kzalloc(sizeof(*tail), GFP_NOWAIT | __GFP_NOWARN);
			attr_resize(win, n, first, start - 1);
			if (tail)
				attr_insert(win, tail, end, last, &n->attr);
			else
				stat_add(svm, VSVM_SVM_STAT_ATTR_LOST, 1);
		} else if (first < start) {
			attr_resize(win, n, first, start - 1);
		} else if (last >= end) {
			attr_resize(win, n, end, last);
		} else {
			attr_remove(win, n, &freed);
		}
	}
	attr_free_list(&freed);
}

/* Whether every page of [start, end) has a VMA. */
static bool span_mapped(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr = start;
	bool ok = true;

	mmap_read_lock(mm);
	while (addr < end) {
		vma = vma_lookup(mm, addr);
		if (!vma) {
			ok = false;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return ok;
}

/**
 * vsvm_svm_attr_set() - set one attribute over a span of addresses
 * @svm: the mirror
 * @start: first address, page aligned
 * @end: end, page aligned, above @start
 * @type: which attribute
 * @value: its value (the caller checked it)
 *
 * See DOC: Range attributes. Sleeps; call with no lock held.
 *
 * Return: 0; -EFAULT when a page of the span has no VMA; -ESRCH when the
 * address space is gone; -ENOMEM.
 */
int vsvm_svm_attr_set(struct vsvm_svm *svm, unsigned long start, unsigned long end,
		      enum vsvm_svm_attr_type type, u8 value)
{
	unsigned long size = 1UL << svm->config.window_shift, addr = start;
	LIST_HEAD(pool);
	LIST_HEAD(freed);
	int ret = 0;

	if (READ_ONCE(svm->dead) || !mmget_not_zero(svm->mm))
		return -ESRCH;
	if (!span_mapped(svm->mm, start, end)) {
		ret = -EFAULT;
		goto out;
	}
	attr_refill_spare(svm);
	while (addr < end && !ret) {
		unsigned long wend = min(ALIGN_DOWN(addr, size) + size, end);
		struct vsvm_svm_window *win = window_get(svm, addr);
		unsigned int want = 4;

		if (IS_ERR(win)) {
			ret = PTR_ERR(win);
			break;
		}
		for (;;) {
			ret = attr_pool_fill(&pool, want);
			if (ret)
				break;
			down_write(&svm->lock);
			ret = attr_set_locked(win, addr, wend, type, value, &pool, &freed);
			if (ret == -EAGAIN)
				want = attr_nodes_needed(win, addr, wend);
			up_write(&svm->lock);
			if (ret != -EAGAIN)
				break;
		}
		window_put(svm, win);
		attr_free_list(&freed);
		addr = wend;
	}
	attr_free_list(&pool);
out:
	mmput(svm->mm);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_attr_set);

/**
 * vsvm_svm_attr_get() - the attributes at an address, and how far they go
 * @svm: the mirror
 * @addr: the address
 * @end: where to stop looking
 * @attr: set to the attributes of @addr
 * @run_end: set to the end of the run of addresses from @addr, up to @end,
 *	that have the same attributes
 *
 * See DOC: Range attributes. Takes &vsvm_svm.lock for read.
 */
void vsvm_svm_attr_get(struct vsvm_svm *svm, unsigned long addr, unsigned long end,
		       struct vsvm_svm_attr *attr, unsigned long *run_end)
{
	unsigned long cursor = addr;
	bool first = true;

	*attr = VSVM_SVM_ATTR_DEFAULT;
	down_read(&svm->lock);
	while (cursor < end) {
		struct vsvm_svm_window *win = window_lookup(svm, cursor);
		struct vsvm_svm_attr_node *n = NULL;
		struct vsvm_svm_attr here = VSVM_SVM_ATTR_DEFAULT;
		unsigned long stop;

		if (win) {
			n = attr_node(interval_tree_iter_first(&win->attrs, cursor, cursor));
			if (n)
				here = n->attr;
		}
		if (first)
			*attr = here;
		else if (!attr_equal(attr, &here))
			break;
		first = false;
		if (n) {
			stop = n->itree.last + 1;
		} else if (win) {
			/* A default gap: up to the next node or the window's end. */
			struct interval_tree_node *next =
				interval_tree_iter_first(&win->attrs, cursor, window_end(win) - 1);

			stop = next ? next->start : window_end(win);
		} else {
			/* No window: defaults up to the next window. */
			struct interval_tree_node *w =
				interval_tree_iter_first(&svm->windows, cursor, ULONG_MAX);

			stop = w ? w->start : end;
		}
		cursor = min(stop, end);
	}
	up_read(&svm->lock);
	*run_end = cursor;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_attr_get);

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
 * accessible mapping (or one the device may not reach), -EPERM for a write
 * to read-only memory, -ESRCH when the address space is gone, -EAGAIN after
 * too many collisions with invalidations, -ENOMEM.
 */
int vsvm_svm_fault(struct vsvm_svm *svm, unsigned long addr, bool write)
{
	struct fault_state f = {
		.addr = ALIGN_DOWN(addr, PAGE_SIZE),
		.write = write,
		.hmm = {
			.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
			.dev_private_owner = svm->owner,
		},
	};
	unsigned int tries = 0;
	ktime_t t0 = ktime_get();
	u64 hmm_ns = 0, ns;
	int ret;

	stat_add(svm, VSVM_SVM_STAT_FAULTS, 1);
	trace_vsvm_fault_begin(svm->id, f.addr, write);
	if (READ_ONCE(svm->dead)) {
		ret = -ESRCH;
	} else if (f.addr >= svm->mm->task_size) {
		ret = -EFAULT;
	} else if (!mmget_not_zero(svm->mm)) {
		ret = -ESRCH;
	} else {
		ret = fault_in_mm(svm, &f, &tries, &hmm_ns);
		mmput(svm->mm);
		if (ret == -EFAULT || ret == -EPERM)
			stat_add(svm, VSVM_SVM_STAT_FAULTS_FATAL, 1);
		stat_add(svm, VSVM_SVM_STAT_HMM_NS, hmm_ns);
	}
	ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	stat_add(svm, VSVM_SVM_STAT_FAULT_NS, ns);
	trace_vsvm_fault_end(svm->id, f.addr, write, ret, tries, f.mapped_4k, f.mapped_2m, ns);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_fault);

/* DOC: Aging: whether to answer, and with the lock for read if so. */
static bool aging_begin(struct vsvm_svm *svm)
{
	if (!svm->config.aging || !READ_ONCE(*svm->config.aging))
		return false;
	stat_add(svm, VSVM_SVM_STAT_YOUNG_QUERIES, 1);
	return down_read_trylock(&svm->lock);
}

static int aging_clear(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	u64 young;

	if (!aging_begin(svm))
		return 0;
	young = svm->ops->clear_young(svm, start, end);
	up_read(&svm->lock);
	if (!young)
		return 0;
	stat_add(svm, VSVM_SVM_STAT_YOUNG_ANSWERS, 1);
	stat_add(svm, VSVM_SVM_STAT_YOUNG_CLEARED, young);
	return 1;
}

static int vsvm_svm_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				      unsigned long start, unsigned long end)
{
	return aging_clear(container_of(mn, struct vsvm_svm, aging_mn), start, end);
}

static int vsvm_svm_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
				unsigned long start, unsigned long end)
{
	return aging_clear(container_of(mn, struct vsvm_svm, aging_mn), start, end);
}

static int vsvm_svm_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long addr)
{
	struct vsvm_svm *svm = container_of(mn, struct vsvm_svm, aging_mn);
	bool young;

	if (!aging_begin(svm))
		return 0;
	young = svm->ops->test_young(svm, addr);
	up_read(&svm->lock);
	if (young)
		stat_add(svm, VSVM_SVM_STAT_YOUNG_ANSWERS, 1);
	return young;
}

static const struct mmu_notifier_ops vsvm_svm_aging_ops = {
	.clear_flush_young = vsvm_svm_clear_flush_young,
	.clear_young = vsvm_svm_clear_young,
	.test_young = vsvm_svm_test_young,
};

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
 * Registers the mmu_notifier of DOC: Aging when @ops has the young
 * callbacks (it takes the mmap_lock for write).
 *
 * Return: 0, or -EINVAL when @ops lacks a callback (or has only one of the
 * young ones) or @config is out of range (a fault-around span or window
 * that is not whole pages, no retry); -ENOMEM.
 */
int vsvm_svm_init(struct vsvm_svm *svm, struct mm_struct *mm,
		  const struct vsvm_svm_ops *ops,
		  const struct vsvm_svm_config *config, const u32 *policy,
		  void *owner)
{
	int i;

	if (!ops->prepare || !ops->map || !ops->map_pages || !ops->zap || !ops->protect ||
	    !ops->flush_tlb || !ops->next_leaf || !ops->clear_young != !ops->test_young ||
	    !ops->clear_young != !ops->young_map)
		return -EINVAL;
	if (!PAGE_ALIGNED(config->fault_around) || config->fault_around > VSVM_SVM_MAX_CHUNK ||
	    config->window_shift < PMD_SHIFT || config->window_shift >= BITS_PER_LONG - 1 ||
	    !config->max_retries)
		return -EINVAL;

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
	spin_lock_init(&svm->scratch_lock);
	INIT_LIST_HEAD(&svm->scratch_free);
	svm->scratch_kept = 0;
	for (i = 0; i < VSVM_SVM_STAT_COUNT; i++)
		atomic64_set(&svm->stats[i], 0);
	vsvm_svm_prime_lockdep(svm);

	svm->aging_mn.ops = &vsvm_svm_aging_ops;
	if (ops->clear_young) {
		int ret = mmu_notifier_register(&svm->aging_mn, mm);

		if (ret) {
			mmdrop(mm);
			return ret;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_init);

/**
 * vsvm_svm_fini() - stop mirroring
 * @svm: the mirror; no fault may run or start
 *
 * Removes every notifier and range. The device's translations are left to
 * the caller, which tears its page table down anyway. The notifiers go
 * first: a callback still running may queue garbage collection, which can
 * be cancelled only once no callback can run any more.
 */
void vsvm_svm_fini(struct vsvm_svm *svm)
{
	struct vsvm_svm_scratch *scratch, *next;
	struct vsvm_svm_window *win, *tmp;
	struct interval_tree_node *node;
	LIST_HEAD(dead);

	down_write(&svm->lock);
	while ((node = interval_tree_iter_first(&svm->windows, 0, ULONG_MAX))) {
		win = container_of(node, struct vsvm_svm_window, itree);
		interval_tree_remove(&win->itree, &svm->windows);
		list_add(&win->dead_link, &dead);
	}
	up_write(&svm->lock);

	list_for_each_entry(win, &dead, dead_link) {
		mmu_interval_notifier_remove(&win->notifier);
		stat_add(svm, VSVM_SVM_STAT_NOTIFIERS, -1);
	}
	if (svm->ops->clear_young)
		mmu_notifier_unregister(&svm->aging_mn, svm->mm);
	cancel_work_sync(&svm->gc_work);

	down_write(&svm->lock);
	list_for_each_entry(win, &dead, dead_link) {
		while ((node = interval_tree_iter_first(&win->ranges, 0, ULONG_MAX))) {
			struct vsvm_svm_range *r =
				container_of(node, struct vsvm_svm_range, itree);

			list_del_init(&r->gc_link);
			range_remove(svm, r);
		}
		while ((node = interval_tree_iter_first(&win->attrs, 0, ULONG_MAX))) {
			interval_tree_remove(node, &win->attrs);
			kfree(container_of(node, struct vsvm_svm_attr_node, itree));
		}
	}
	kfree(svm->attr_spare);
	svm->attr_spare = NULL;
	up_write(&svm->lock);
	list_for_each_entry_safe(win, tmp, &dead, dead_link)
		kfree(win);
	list_for_each_entry_safe(scratch, next, &svm->scratch_free, link)
		scratch_free(scratch);
	mmdrop(svm->mm);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_fini);

#if IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT)
/*
 * Every translation lies inside a live range of a live window (in the tree,
 * so its notifier is registered), and in no range an UNMAP queued for
 * collection.
 */
static void audit_leaves_locked(struct vsvm_svm *svm)
{
	unsigned long addr = 0, pfn;
	unsigned int order;
	bool writable;

	lockdep_assert_held(&svm->lock);
	audit_count();
	while (svm->ops->next_leaf(svm, &addr, ULONG_MAX, &pfn, &order, &writable)) {
		struct vsvm_svm_window *win = window_lookup(svm, addr);
		struct vsvm_svm_range *range = win ? range_find(win, addr) : NULL;

		if (!range || addr + (PAGE_SIZE << order) > range_end(range)) {
			audit_violation(svm, "translation of 0x%lx lies outside every range\n",
					addr);
			return;
		}
		if (!list_empty(&range->gc_link)) {
			audit_violation(svm, "0x%lx mapped in a range queued for collection\n",
					addr);
			return;
		}
		/* The rest of the range is inside it too. */
		addr = range_end(range);
	}
}

/**
 * vsvm_svm_audit_leaves() - check that every translation is inside a range
 * @svm: the mirror
 *
 * See DOC: Audit. Takes &vsvm_svm.lock for read.
 */
void vsvm_svm_audit_leaves(struct vsvm_svm *svm)
{
	down_read(&svm->lock);
	audit_leaves_locked(svm);
	up_read(&svm->lock);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_audit_leaves);

/*
 * The next range at or after *@cursor, with a user reference on its window
 * (window_put()); *@cursor moves past it.
 */
static struct vsvm_svm_window *audit_next_range(struct vsvm_svm *svm, unsigned long *cursor,
						unsigned long *start, unsigned long *end)
{
	struct interval_tree_node *wn, *rn;
	struct vsvm_svm_window *win = NULL;

	down_write(&svm->lock);
	for (wn = interval_tree_iter_first(&svm->windows, *cursor, ULONG_MAX); wn;
	     wn = interval_tree_iter_next(wn, *cursor, ULONG_MAX)) {
		win = container_of(wn, struct vsvm_svm_window, itree);
		rn = interval_tree_iter_first(&win->ranges, *cursor, ULONG_MAX);
		if (rn) {
			*start = rn->start;
			*end = rn->last + 1;
			*cursor = *end;
			win->users++;
			break;
		}
		win = NULL;
	}
	up_write(&svm->lock);
	return win;
}

/*
 * Whose device memory the device's frame @pfn is in, when it is a page of
 * another device's (accessed-by): that page is in the CPU's snapshot only as
 * its owner's. With &vsvm_svm.lock held, so the page stays.
 */
static void *audit_peer_owner(struct vsvm_svm *svm, unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	if (!is_device_private_page(page) || page->pgmap->owner == svm->owner)
		return NULL;
	return page->pgmap->owner;
}

/*
 * Compare the translations of [start, end) with a snapshot of the CPU's,
 * taken as @owner's (the mirror's, or a peer's for a page of its memory).
 */
static void audit_cpu_range(struct vsvm_svm *svm, struct vsvm_svm_window *win,
			    unsigned long start, unsigned long end, unsigned long *pfns,
			    void *owner)
{
	struct hmm_range hmm = {
		.notifier = &win->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = pfns,
		.dev_private_owner = owner,
	};
	unsigned long addr = start, pfn, i, peer_addr = 0;
	void *peer = NULL;
	unsigned int order;
	bool writable;
	u64 commits;

	memset(pfns, 0, ((end - start) >> PAGE_SHIFT) * sizeof(*pfns));
	down_read(&svm->lock);
	commits = svm->commits;
	up_read(&svm->lock);
	hmm.notifier_seq = mmu_interval_read_begin(&win->notifier);
	/* mmap_lock, then the notifier lock: the order of DOC: Locking. */
	mmap_read_lock(svm->mm);
	if (hmm_range_fault(&hmm))
		goto out_mm;	/* a collision: nothing to conclude */

	down_read(&svm->lock);
	/*
	 * A fault that committed meanwhile may map what the CPU side gained
	 * after the snapshot (a page faulted in, a PTE made writable: neither
	 * invalidates): nothing to conclude either.
	 */
	if (mmu_interval_read_retry(&win->notifier, hmm.notifier_seq) ||
	    svm->commits != commits)
		goto out;
	audit_count();
	while (svm->ops->next_leaf(svm, &addr, end, &pfn, &order, &writable)) {
		for (i = 0; i < (1UL << order); i++) {
			unsigned long a = addr + (i << PAGE_SHIFT);
			unsigned long cpu;

			if (a < start || a >= end)
				continue;
			cpu = pfns[(a - start) >> PAGE_SHIFT];
			/*
			 * munmap() removes the VMA, downgrades mmap_lock, and
			 * only then clears the PTEs, invalidating first: in
			 * between, the page is still mapped on both sides.
			 */
			if (!(cpu & HMM_PFN_VALID) && !vma_lookup(svm->mm, a))
				continue;
			/* Another device's page: look again as its owner. */
			if (!(cpu & HMM_PFN_VALID) && owner == svm->owner &&
			    audit_peer_owner(svm, pfn + i)) {
				if (!peer) {
					peer = audit_peer_owner(svm, pfn + i);
					peer_addr = a;
				}
				continue;
			}
			if (!(cpu & HMM_PFN_VALID) || (cpu & HMM_PFN_ERROR) ||
			    page_to_pfn(hmm_pfn_to_page(cpu)) != pfn + i ||
			    (writable && !(cpu & HMM_PFN_WRITE))) {
				audit_violation(svm, "0x%lx: device maps pfn 0x%lx%s, CPU 0x%lx\n",
						a, pfn + i, writable ? " rw" : "", cpu);
				goto out;
			}
		}
		addr += PAGE_SIZE << order;
	}
out:
	up_read(&svm->lock);
out_mm:
	mmap_read_unlock(svm->mm);
	if (peer)
		audit_cpu_range(svm, win, peer_addr, peer_addr + PAGE_SIZE, pfns, peer);
}

/*
 * While jobs run: every VSVM_SVM_AUDIT_SAMPLE-th fault compares the span it
 * committed (its fault-around span) with the CPU page table; the window is
 * still held.
 */
#define VSVM_SVM_AUDIT_SAMPLE	8

static void audit_fault_sample(struct vsvm_svm *svm, struct fault_state *f)
{
	if (vsvm_svm_stat(svm, VSVM_SVM_STAT_FAULTS) % VSVM_SVM_AUDIT_SAMPLE)
		return;
	audit_cpu_range(svm, f->win, f->hmm.start, f->hmm.end, f->hmm.hmm_pfns, svm->owner);
}

/**
 * vsvm_svm_audit_cpu() - check every translation against the CPU page table
 * @svm: the mirror
 *
 * See DOC: Audit. Sleeps; call with no lock held. Does nothing when the
 * address space is gone.
 */
void vsvm_svm_audit_cpu(struct vsvm_svm *svm)
{
	unsigned long cursor = 0, start, end;
	struct vsvm_svm_window *win;
	unsigned long *pfns;

	if (READ_ONCE(svm->dead) || !mmget_not_zero(svm->mm))
		return;
	pfns = kvmalloc_array(VSVM_SVM_CHUNK_PAGES, sizeof(*pfns), GFP_KERNEL);
	while (pfns && (win = audit_next_range(svm, &cursor, &start, &end))) {
		audit_cpu_range(svm, win, start, end, pfns, svm->owner);
		window_put(svm, win);
		cond_resched();
	}
	kvfree(pfns);
	mmput(svm->mm);
}

/**
 * vsvm_svm_audit_counts() - what the audit did, over all mirrors
 * @checks: set to the number of checks made
 * @violations: set to the number of violations found
 */
void vsvm_svm_audit_counts(u64 *checks, u64 *violations)
{
	*checks = atomic64_read(&audit_checks);
	*violations = atomic64_read(&audit_violations);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_svm_audit_counts);
#else
static void audit_leaves_locked(struct vsvm_svm *svm) {}
static void audit_fault_sample(struct vsvm_svm *svm, struct fault_state *f) {}
#endif
