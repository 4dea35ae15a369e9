/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_SVM_H__
#define __VSVM_SVM_H__

#include <linux/atomic.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct vsvm_svm;

/**
 * enum vsvm_svm_policy - how invalidations treat the device's translations
 * @VSVM_SVM_POLICY_PRECISE: act on the event (see DOC: Event policy)
 * @VSVM_SVM_POLICY_ZAP_ALL: zap on every event, as existing drivers do
 */
enum vsvm_svm_policy {
	VSVM_SVM_POLICY_PRECISE,
	VSVM_SVM_POLICY_ZAP_ALL,
};

/**
 * enum vsvm_svm_action - what an invalidation does to the mirror
 * @VSVM_SVM_IGNORE: nothing (the device itself caused the event)
 * @VSVM_SVM_ZAP: remove the translations; the ranges stay tracked
 * @VSVM_SVM_DOWNGRADE: make the translations read-only
 * @VSVM_SVM_UNMAP: remove the translations and forget the ranges
 * @VSVM_SVM_RELEASE: the address space is going away: remove everything
 * @VSVM_SVM_BY_VMA: a protection change: zap or downgrade each part of the
 *	span as its VMA's new flags say (vsvm_svm_vma_action())
 * @VSVM_SVM_ZAP_LOCAL: remove the translations of pages in the device's own
 *	memory only (the device moves pages out of it)
 * @VSVM_SVM_ZAP_SYSTEM: remove the translations of pages in system memory
 *	only (the device moves pages into its memory)
 */
enum vsvm_svm_action {
	VSVM_SVM_IGNORE,
	VSVM_SVM_ZAP,
	VSVM_SVM_DOWNGRADE,
	VSVM_SVM_UNMAP,
	VSVM_SVM_RELEASE,
	VSVM_SVM_BY_VMA,
	VSVM_SVM_ZAP_LOCAL,
	VSVM_SVM_ZAP_SYSTEM,
};

/**
 * enum vsvm_svm_origin - who started an invalidation, by its owner cookie
 * @VSVM_SVM_FOREIGN: the CPU side, or another device
 * @VSVM_SVM_OWN: this device (&vsvm_svm.owner): for a migration, one that
 *	moves pages out of the device's memory
 * @VSVM_SVM_OWN_IN: this device moving pages into its memory
 *	(&vsvm_svm.owner_in)
 */
enum vsvm_svm_origin {
	VSVM_SVM_FOREIGN,
	VSVM_SVM_OWN,
	VSVM_SVM_OWN_IN,
};

/**
 * enum vsvm_svm_stat - mirror statistics (&vsvm_svm.stats)
 * @VSVM_SVM_STAT_FAULTS: faults handled
 * @VSVM_SVM_STAT_FAULTS_FATAL: faults the CPU side refused (no VMA, ...)
 * @VSVM_SVM_STAT_RETRIES: faults retried after colliding with invalidations
 * @VSVM_SVM_STAT_MAPPED_4K: 4 KiB translations written
 * @VSVM_SVM_STAT_MAPPED_2M: 2 MiB translations written
 * @VSVM_SVM_STAT_INVAL_FIRST: first of one counter per mmu_notifier_event
 * @VSVM_SVM_STAT_INVAL_LAST: last of them (MMU_NOTIFY_EXCLUSIVE)
 * @VSVM_SVM_STAT_NONBLOCK_FAILED: non-blockable invalidations refused
 * @VSVM_SVM_STAT_ZAPPED: translations removed, in 4 KiB units
 * @VSVM_SVM_STAT_DOWNGRADED: translations made read-only, in 4 KiB units
 * @VSVM_SVM_STAT_TLB_FLUSHES: TLB range flushes requested
 * @VSVM_SVM_STAT_RANGES_GC: ranges freed by garbage collection
 * @VSVM_SVM_STAT_RANGES: ranges alive
 * @VSVM_SVM_STAT_NOTIFIERS: interval notifiers alive
 * @VSVM_SVM_STAT_FAULT_NS: time in vsvm_svm_fault()
 * @VSVM_SVM_STAT_HMM_NS: time in hmm_range_fault()
 * @VSVM_SVM_STAT_YOUNG_QUERIES: reclaim's questions (clear_young and friends)
 * @VSVM_SVM_STAT_YOUNG_ANSWERS: of them, answered "used by the device"
 * @VSVM_SVM_STAT_YOUNG_CLEARED: ACCESSED bits of translations cleared
 * @VSVM_SVM_STAT_PREFETCHED: pages the density prefetcher faulted in and
 *	mapped ahead of the device's accesses (DOC: Prefetch)
 * @VSVM_SVM_STAT_PREFETCH_USED: of them, pages the device had accessed
 *	when their translation was removed
 * @VSVM_SVM_STAT_SCRATCH_ALLOCS: allocations of the fault path's scratch
 *	(pfn array, spare range): bounded by the faults in flight at once and
 *	the ranges created, not by the number of faults (DOC: Fault path)
 * @VSVM_SVM_STAT_UNCHANGED: pages a fault's commit found mapped as asked
 *	and did not write again
 * @VSVM_SVM_STAT_ATTR_LOST: attribute spans an munmap() in their middle
 *	could not split for lack of memory: the part after the hole lost its
 *	attributes (DOC: Range attributes)
 * @VSVM_SVM_STAT_COUNT: number of statistics
 */
enum vsvm_svm_stat {
	VSVM_SVM_STAT_FAULTS,
	VSVM_SVM_STAT_FAULTS_FATAL,
	VSVM_SVM_STAT_RETRIES,
	VSVM_SVM_STAT_MAPPED_4K,
	VSVM_SVM_STAT_MAPPED_2M,
	VSVM_SVM_STAT_INVAL_FIRST,
	VSVM_SVM_STAT_INVAL_LAST = VSVM_SVM_STAT_INVAL_FIRST + MMU_NOTIFY_EXCLUSIVE,
	VSVM_SVM_STAT_NONBLOCK_FAILED,
	VSVM_SVM_STAT_ZAPPED,
	VSVM_SVM_STAT_DOWNGRADED,
	VSVM_SVM_STAT_TLB_FLUSHES,
	VSVM_SVM_STAT_RANGES_GC,
	VSVM_SVM_STAT_RANGES,
	VSVM_SVM_STAT_NOTIFIERS,
	VSVM_SVM_STAT_FAULT_NS,
	VSVM_SVM_STAT_HMM_NS,
	VSVM_SVM_STAT_YOUNG_QUERIES,
	VSVM_SVM_STAT_YOUNG_ANSWERS,
	VSVM_SVM_STAT_YOUNG_CLEARED,
	VSVM_SVM_STAT_PREFETCHED,
	VSVM_SVM_STAT_PREFETCH_USED,
	VSVM_SVM_STAT_SCRATCH_ALLOCS,
	VSVM_SVM_STAT_UNCHANGED,
	VSVM_SVM_STAT_ATTR_LOST,
	VSVM_SVM_STAT_COUNT
};

/**
 * enum vsvm_svm_loc - preferred location of a span (DOC: Range attributes)
 * @VSVM_SVM_LOC_NONE: none: pages stay where they are
 * @VSVM_SVM_LOC_SYSTEM: system memory: a device fault moves the device's
 *	pages of the span back first
 * @VSVM_SVM_LOC_DEVICE: the device's memory: a device fault moves the span's
 *	pages into it first
 */
enum vsvm_svm_loc {
	VSVM_SVM_LOC_NONE,
	VSVM_SVM_LOC_SYSTEM,
	VSVM_SVM_LOC_DEVICE,
};

/**
 * enum vsvm_svm_attr_type - which attribute vsvm_svm_attr_set() sets
 * @VSVM_SVM_ATTR_PREFERRED: &vsvm_svm_attr.preferred
 * @VSVM_SVM_ATTR_ACCESSED_BY: &vsvm_svm_attr.accessed_by
 * @VSVM_SVM_ATTR_GRANULARITY: &vsvm_svm_attr.granularity_shift
 */
enum vsvm_svm_attr_type {
	VSVM_SVM_ATTR_PREFERRED,
	VSVM_SVM_ATTR_ACCESSED_BY,
	VSVM_SVM_ATTR_GRANULARITY,
};

/**
 * struct vsvm_svm_attr - the attributes of a span of addresses
 * @preferred: &enum vsvm_svm_loc
 * @accessed_by: the device maps the pages where they are: a fault never
 *	moves them, whatever @preferred says
 * @granularity_shift: log2 of the aligned block a fault's move takes
 *	(12 to 21)
 */
struct vsvm_svm_attr {
	u8 preferred;
	u8 accessed_by;
	u8 granularity_shift;
};

/* The attributes of addresses nobody set any for. */
#define VSVM_SVM_ATTR_DEFAULT \
	((struct vsvm_svm_attr){ .preferred = VSVM_SVM_LOC_NONE, .granularity_shift = 21 })

/**
 * struct vsvm_svm_map_result - what one &vsvm_svm_ops.map_pages call did
 * @written: 4 KiB translations written, new or changed
 * @unchanged: pages already mapped as asked, left alone
 * @flush: a translation a TLB may hold changed (another page, or write
 *	permission taken away): the core flushes the span
 */
struct vsvm_svm_map_result {
	unsigned long written;
	unsigned long unchanged;
	bool flush;
};

/**
 * struct vsvm_svm_ops - what the mirror core needs from a device
 *
 * @prepare: called without any lock before a fault commits translations
 *	for [@start, @end): get everything @map will need (page-table pages),
 *	so that @map never allocates. May sleep. Return 0 or -errno.
 * @map: write one translation of 4 KiB (@order 0) or 2 MiB (@order 9) at
 *	@addr to @pfn, writable or read-only. Called with &vsvm_svm.lock
 *	held for write; must not sleep or allocate. A translation that is
 *	already there keeps what the device did through it (its accessed and
 *	dirty state) when the page stays the same. Return 0; 1 when an
 *	existing translation of @addr changed in a way a TLB may have cached
 *	(another page, or write permission taken away: the core flushes);
 *	-ENOMEM when @prepare did not provide enough (the core prepares
 *	again).
 * @map_pages: write the 4 KiB translations of the @npages pages from
 *	@start that @hmm_pfns (hmm_range_fault()'s array for them) says are
 *	present: an entry without HMM_PFN_VALID, or with HMM_PFN_ERROR, leaves
 *	its address alone; HMM_PFN_WRITE makes a translation writable. One
 *	walk of the page table per leaf table, not per page, and a page
 *	already mapped as asked is not written (what the device did through
 *	it stays). Same context and -ENOMEM contract as @map; the core repeats
 *	the call after preparing again. Fill @res, also on error.
 * @zap: remove every translation in [@start, @end) from the page table.
 *	Same context as @map. Return the number of 4 KiB units removed.
 * @protect: make every translation in [@start, @end) read-only. Same
 *	context as @map. Return the number of 4 KiB units downgraded.
 * @flush_tlb: drop cached translations of [@start, @end) from every TLB of
 *	the device. Same context as @map: device engines use translations
 *	only while holding &vsvm_svm.lock for read, so none is in use.
 * @next_leaf: find the first translation that maps a byte of [*@addr,
 *	@end): set *@addr to its first address, *@pfn to its first page,
 *	*@order and *@writable, and return true; false when there is none.
 *	Called with &vsvm_svm.lock held (read or write); must not sleep. The
 *	audit (CONFIG_DRM_VSVM_DEBUG_AUDIT) checks the mirror's invariants
 *	with it.
 * @clear_young: (optional, for aging) clear the accessed state of every
 *	translation in [@start, @end) and make the device's TLBs forget them,
 *	so that the next use marks them again. Called with &vsvm_svm.lock
 *	held for read, in atomic context (under the CPU's page-table lock):
 *	must not sleep; engines may be using translations at the same time.
 *	Return the number of translations that were accessed.
 * @test_young: (optional, for aging) whether the translation of @addr was
 *	accessed, without clearing it. Same context as @clear_young.
 * @zap_filtered: (optional, for device memory) as @zap, for the
 *	translations of pages in device memory only (@local true: the
 *	device's own, and under accessed-by a peer's, see @next_peer) or in
 *	system memory only. Without it the core zaps everything.
 * @young_map: (with the aging ops) set bit i of @map when the translation
 *	of @start + i * 4 KiB was accessed, without clearing anything; @start
 *	and @end lie in one 2 MiB range. Same context as @map. The prefetcher
 *	asks it when translations go, to count the prefetched pages the
 *	device used (DOC: Prefetch).
 * @next_peer: (optional, for accessed-by) the owner cookie of the next
 *	other device whose memory the device reaches in place, from *@cursor
 *	(0 at first, advanced by the call); NULL when there is none. The
 *	cookie is compared with ``pgmap->owner``, never dereferenced.
 *	Called with no lock held.
 */
struct vsvm_svm_ops {
	int (*prepare)(struct vsvm_svm *svm, unsigned long start, unsigned long end);
	int (*map)(struct vsvm_svm *svm, unsigned long addr, unsigned long pfn,
		   unsigned int order, bool writable);
	int (*map_pages)(struct vsvm_svm *svm, unsigned long start, unsigned long npages,
			 const unsigned long *hmm_pfns, struct vsvm_svm_map_result *res);
	u64 (*zap)(struct vsvm_svm *svm, unsigned long start, unsigned long end);
	u64 (*zap_filtered)(struct vsvm_svm *svm, unsigned long start, unsigned long end,
			    bool local);
	u64 (*protect)(struct vsvm_svm *svm, unsigned long start, unsigned long end);
	void (*flush_tlb)(struct vsvm_svm *svm, unsigned long start, unsigned long end);
	bool (*next_leaf)(struct vsvm_svm *svm, unsigned long *addr, unsigned long end,
			  unsigned long *pfn, unsigned int *order, bool *writable);
	u64 (*clear_young)(struct vsvm_svm *svm, unsigned long start, unsigned long end);
	bool (*test_young)(struct vsvm_svm *svm, unsigned long addr);
	void (*young_map)(struct vsvm_svm *svm, unsigned long start, unsigned long end,
			  unsigned long *map);
	void *(*next_peer)(struct vsvm_svm *svm, unsigned int *cursor);
};

/**
 * struct vsvm_svm_config - tunables of a mirror, fixed when it is created
 * @window_shift: log2 of the size of a notifier window
 * @chunk_sizes: range sizes allowed, as a mask of sizes (SZ_4K must be set)
 * @fault_around: bytes around a faulting address whose CPU-present pages
 *	are mapped too (without being faulted in)
 * @max_retries: collisions with invalidations a fault tolerates
 * @huge_pages: map 2 MiB translations for PMD-mapped memory
 * @aging: where to read, at each of reclaim's questions, whether to answer
 *	them from the device's accessed bits (DOC: Aging); NULL: never
 * @prefetch_threshold: where to read, at each fault, the density threshold
 *	of the prefetcher in percent (DOC: Prefetch); NULL or 0: off
 */
struct vsvm_svm_config {
	unsigned int window_shift;
	unsigned long chunk_sizes;
	unsigned long fault_around;
	unsigned int max_retries;
	bool huge_pages;
	const u32 *aging;
	const u32 *prefetch_threshold;
};

/**
 * struct vsvm_svm_test_hooks - where KUnit steps into the core's races
 * @before_commit: a fault at @addr has its snapshot and is about to take
 *	&vsvm_svm.lock to commit it; no lock is held
 * @invalidate: an invalidation callback has taken &vsvm_svm.lock for write
 *	and is about to change the mirror
 * @gc_work: the garbage-collection work item starts
 *
 * Only with CONFIG_KUNIT; the mirror's @test_hooks is NULL outside tests.
 */
struct vsvm_svm_test_hooks {
	void (*before_commit)(struct vsvm_svm *svm, unsigned long addr);
	void (*invalidate)(struct vsvm_svm *svm, const struct mmu_notifier_range *range);
	void (*gc_work)(struct vsvm_svm *svm);
};

/**
 * struct vsvm_svm - the mirror of one address space
 * @mm: the mirrored address space (mmgrab()ed)
 * @ops: the device's callbacks
 * @config: tunables
 * @policy: where to read the &enum vsvm_svm_policy, at each invalidation
 * @owner: device-private owner; invalidations carrying it are the device's own
 * @owner_in: the owner cookie of the device's migrations into its memory
 *	(DOC: Device memory); NULL when it has none
 * @lock: "the notifier lock": held for write to change translations, ranges
 *	and windows (fault commit, invalidation, GC); held for read by device
 *	engines while they use translations (see DOC: Locking)
 * @windows: interval tree of &struct vsvm_svm_window, under @lock
 * @gc_list: ranges to free, under @lock
 * @gc_work: frees them outside the notifier callback
 * @dead: the address space is gone (RELEASE seen, or mm without users)
 * @commits: fault commits so far, under @lock (the audit tells from it
 *	whether translations were added while it looked at the CPU side)
 * @id: a number that names the mirror in messages (the device's VM id)
 * @stats: &enum vsvm_svm_stat counters
 * @aging_mn: the mmu_notifier that answers reclaim's young questions
 *	(registered when the device has @ops->clear_young)
 * @scratch_lock: protects @scratch_free and @scratch_kept; taken with no
 *	other lock held, nothing taken under it
 * @scratch_free: the fault path's scratch not in use (DOC: Fault path)
 * @scratch_kept: how many there are, at most %VSVM_SVM_SCRATCH_KEEP
 * @attr_spare: an attribute node the notifier callback may use to split a
 *	span (DOC: Range attributes); under @lock
 * @test_hooks: KUnit's hooks (CONFIG_KUNIT only), NULL otherwise
 */
struct vsvm_svm {
	struct mm_struct *mm;
	const struct vsvm_svm_ops *ops;
	struct vsvm_svm_config config;
	const u32 *policy;
	void *owner;
	void *owner_in;
	struct rw_semaphore lock;
	struct rb_root_cached windows;
	struct list_head gc_list;
	struct work_struct gc_work;
	bool dead;
	u64 commits;
	u32 id;
	atomic64_t stats[VSVM_SVM_STAT_COUNT];
	struct mmu_notifier aging_mn;
	spinlock_t scratch_lock; /* see @scratch_lock above */
	struct list_head scratch_free;
	unsigned int scratch_kept;
	void *attr_spare;
#if IS_ENABLED(CONFIG_KUNIT)
	const struct vsvm_svm_test_hooks *test_hooks;
#endif
};

int vsvm_svm_init(struct vsvm_svm *svm, struct mm_struct *mm,
		  const struct vsvm_svm_ops *ops,
		  const struct vsvm_svm_config *config, const u32 *policy,
		  void *owner);
void vsvm_svm_fini(struct vsvm_svm *svm);
int vsvm_svm_fault(struct vsvm_svm *svm, unsigned long addr, bool write);
u64 vsvm_svm_stat(const struct vsvm_svm *svm, enum vsvm_svm_stat stat);
int vsvm_svm_attr_set(struct vsvm_svm *svm, unsigned long start, unsigned long end,
		      enum vsvm_svm_attr_type type, u8 value);
void vsvm_svm_attr_get(struct vsvm_svm *svm, unsigned long addr, unsigned long end,
		       struct vsvm_svm_attr *attr, unsigned long *run_end);

#if IS_ENABLED(CONFIG_DRM_VSVM_DEBUG_AUDIT)
void vsvm_svm_audit_leaves(struct vsvm_svm *svm);
void vsvm_svm_audit_cpu(struct vsvm_svm *svm);
void vsvm_svm_audit_counts(u64 *checks, u64 *violations);
#else
static inline void vsvm_svm_audit_leaves(struct vsvm_svm *svm) {}
static inline void vsvm_svm_audit_cpu(struct vsvm_svm *svm) {}
static inline void vsvm_svm_audit_counts(u64 *checks, u64 *violations)
{
	*checks = 0;
	*violations = 0;
}
#endif

#if IS_ENABLED(CONFIG_KUNIT)
/* Pure policy logic, exported for KUnit. */
enum vsvm_svm_action vsvm_svm_event_action(enum mmu_notifier_event event,
					   enum vsvm_svm_origin origin,
					   enum vsvm_svm_policy policy);
enum vsvm_svm_action vsvm_svm_vma_action(unsigned long vm_flags);
bool vsvm_svm_prefetch_region(const unsigned long *populated, unsigned int npages,
			      unsigned int idx, unsigned int threshold, int buddy,
			      unsigned int *first, unsigned int *last);
unsigned long vsvm_svm_pick_chunk(unsigned long addr, unsigned long lo,
				  unsigned long hi, unsigned long sizes,
				  bool (*busy)(void *ctx, unsigned long start,
					       unsigned long end),
				  void *ctx);
bool vsvm_svm_test_invalidate(struct vsvm_svm *svm, unsigned long start,
			      unsigned long end, enum mmu_notifier_event event);
#endif

#endif /* __VSVM_SVM_H__ */
