// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the mirror core against a real address space: the test
 * thread gets an mm of its own (kunit_vm_mmap()), the core mirrors it into a
 * vsvm_pt page table through a minimal device (struct mirror_fx), and the
 * test steps into the core's races through &struct vsvm_svm_test_hooks.
 *
 * Each case holds the range invariant of DOC: Fault path against one way
 * of breaking it: a range is never freed while the device page table may
 * translate an address inside it, so every translation stays under a live
 * notifier and goes when the CPU side unmaps its page.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sizes.h>

#include "vsvm_pt.h"
#include "vsvm_svm.h"

#define MAP_BYTES	(8 * SZ_1M)	/* mapped; the cases use 4 MiB of it, 2 MiB aligned */

/* The device of the tests: a vsvm_pt and nothing else. */
struct mirror_fx {
	struct vsvm_svm svm;
	struct vsvm_pt pt;
	struct vsvm_pt_stats st;
	u32 policy;
	u32 aging;
	u32 prefetch;
	struct vsvm_svm_test_hooks hooks;
	struct kunit *test;
	/* 2 MiB aligned; [base, base + 4 MiB) is one anonymous VMA. */
	unsigned long base;
	bool live;
	/* What the before_commit hook does, once. */
	void (*step)(struct mirror_fx *fx, unsigned long addr);
	bool stepped;
};

static struct mirror_fx *fx_of(struct vsvm_svm *svm)
{
	return container_of(svm, struct mirror_fx, svm);
}

static int fx_prepare(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	return vsvm_pt_reserve(&fx_of(svm)->pt, start, end, GFP_KERNEL);
}

static int fx_map(struct vsvm_svm *svm, unsigned long addr, unsigned long pfn,
		  unsigned int order, bool writable)
{
	struct mirror_fx *fx = fx_of(svm);

	return vsvm_pt_map(&fx->pt, addr, pfn, order, writable ? VSVM_PTE_WRITE : 0, &fx->st);
}

static int fx_map_pages(struct vsvm_svm *svm, unsigned long start, unsigned long npages,
			const unsigned long *hmm_pfns, struct vsvm_svm_map_result *res)
{
	struct mirror_fx *fx = fx_of(svm);
	struct vsvm_pt_stats before = fx->st;
	int ret;

	ret = vsvm_pt_map_hmm(&fx->pt, start, npages, hmm_pfns, &fx->st);
	res->written = fx->st.mapped - before.mapped;
	res->unchanged = fx->st.unchanged - before.unchanged;
	res->flush = fx->st.changed != before.changed;
	return ret;
}

static u64 fx_zap(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	return vsvm_pt_zap(&fx_of(svm)->pt, start, end, &fx_of(svm)->st);
}

static u64 fx_protect(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	return vsvm_pt_protect(&fx_of(svm)->pt, start, end, &fx_of(svm)->st);
}

/* No TLB: the tests read the page table itself. */
static void fx_flush_tlb(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
}

static bool fx_next_leaf(struct vsvm_svm *svm, unsigned long *addr, unsigned long end,
			 unsigned long *pfn, unsigned int *order, bool *writable)
{
	struct vsvm_pt_entry e;
	u64 va = *addr;

	if (!vsvm_pt_next_leaf(&fx_of(svm)->pt, &va, end, &e))
		return false;
	*addr = va;
	*pfn = e.pfn;
	*order = e.order;
	*writable = e.writable;
	return true;
}

static u64 fx_clear_young(struct vsvm_svm *svm, unsigned long start, unsigned long end)
{
	return vsvm_pt_clear_young(&fx_of(svm)->pt, start, end);
}

static bool fx_test_young(struct vsvm_svm *svm, unsigned long addr)
{
	return vsvm_pt_test_young(&fx_of(svm)->pt, addr);
}

static void fx_young_map(struct vsvm_svm *svm, unsigned long start, unsigned long end,
			 unsigned long *map)
{
	vsvm_pt_young_map(&fx_of(svm)->pt, start, end, map);
}

static const struct vsvm_svm_ops fx_ops = {
	.prepare = fx_prepare,
	.map = fx_map,
	.map_pages = fx_map_pages,
	.zap = fx_zap,
	.protect = fx_protect,
	.flush_tlb = fx_flush_tlb,
	.next_leaf = fx_next_leaf,
	.clear_young = fx_clear_young,
	.test_young = fx_test_young,
	.young_map = fx_young_map,
};

static void fx_before_commit(struct vsvm_svm *svm, unsigned long addr)
{
	struct mirror_fx *fx = fx_of(svm);

	if (fx->step && !fx->stepped) {
		fx->stepped = true;
		fx->step(fx, addr);
	}
}

/*
 * A mirror of the test thread's own address space with 2 MiB notifier
 * windows, 2 MiB / 64 KiB / 4 KiB ranges and 64 KiB of fault-around.
 */
static int mirror_init(struct kunit *test)
{
	struct vsvm_svm_config config = {
		.window_shift = 21,
		.chunk_sizes = SZ_2M | SZ_64K | SZ_4K,
		.fault_around = SZ_64K,
		.max_retries = 8,
		.huge_pages = true,
	};
	struct mirror_fx *fx;
	unsigned long addr;
	int ret;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->aging = 1;
	config.aging = &fx->aging;
	/* Off unless a case turns it on. */
	config.prefetch_threshold = &fx->prefetch;
	fx->test = test;
	test->priv = fx;

	addr = kunit_vm_mmap(test, NULL, 0, MAP_BYTES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, !addr || IS_ERR_VALUE(addr), "mmap: %ld", (long)addr);
	fx->base = ALIGN(addr, SZ_2M);

	ret = vsvm_pt_init(&fx->pt);
	KUNIT_ASSERT_EQ(test, ret, 0);
	fx->hooks.before_commit = fx_before_commit;
	fx->policy = VSVM_SVM_POLICY_PRECISE;
	ret = vsvm_svm_init(&fx->svm, current->mm, &fx_ops, &config, &fx->policy, NULL);
	if (ret)
		vsvm_pt_fini(&fx->pt);
	KUNIT_ASSERT_EQ(test, ret, 0);
	fx->svm.test_hooks = &fx->hooks;
	fx->live = true;
	return 0;
}

static void mirror_fini(struct mirror_fx *fx)
{
	if (!fx->live)
		return;
	fx->live = false;
	vsvm_svm_fini(&fx->svm);
	vsvm_pt_zap(&fx->pt, 0, VSVM_PT_VA_END, &fx->st);
	vsvm_pt_fini(&fx->pt);
}

static void mirror_exit(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;

	if (fx)
		mirror_fini(fx);
}

/* Return: how many translations map a byte of [start, end). */
static unsigned int leaves_in(struct mirror_fx *fx, unsigned long start, unsigned long end)
{
	struct vsvm_pt_entry e;
	unsigned int n = 0;
	u64 va = start;

	down_read(&fx->svm.lock);
	while (vsvm_pt_next_leaf(&fx->pt, &va, end, &e)) {
		n++;
		va += PAGE_SIZE << e.order;
	}
	up_read(&fx->svm.lock);
	return n;
}

static unsigned int leaf_order(struct mirror_fx *fx, unsigned long addr)
{
	struct vsvm_pt_entry e;
	bool found;

	down_read(&fx->svm.lock);
	found = vsvm_pt_lookup(&fx->pt, addr, &e);
	up_read(&fx->svm.lock);
	KUNIT_ASSERT_TRUE_MSG(fx->test, found, "no translation of 0x%lx", addr);
	return e.order;
}

static void munmap_ok(struct mirror_fx *fx, unsigned long addr, unsigned long len)
{
	KUNIT_ASSERT_EQ(fx->test, vm_munmap(addr, len), 0);
}

static void mmap_fixed_ok(struct mirror_fx *fx, unsigned long addr, unsigned long len)
{
	unsigned long got = vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);

	KUNIT_ASSERT_EQ(fx->test, got, addr);
}

/* The VMA of [base, base + 4 MiB) gets VM_HUGEPAGE, as MADV_HUGEPAGE would set. */
static void want_thp(struct mirror_fx *fx)
{
	struct vm_area_struct *vma;

	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, fx->base);
	if (vma)
		vm_flags_set(vma, VM_HUGEPAGE);
	mmap_write_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(fx->test, vma);
}

/*
 * Bug 1a of the mirror-correctness issue: a 2 MiB translation must take the
 * whole range out of the unmapped state, not only the fault-around span.
 * Mapped by a 2 MiB leaf after its first half was unmapped, the range must
 * survive an UNMAP of the second half (the device still maps the first),
 * so that the UNMAP of the first half is still seen and zaps it. (Linux
 * 6.12 splits the PMD with a CLEAR of the whole 2 MiB before it unmaps
 * half of it; the core must not rely on that: the UNMAPs are delivered as
 * they are.)
 */
static void vsvm_mirror_test_huge_leaf_clears_unmapped(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long a = fx->base;

	want_thp(fx);
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + SZ_1M + SZ_512K, true), 0);
	if (leaf_order(fx, a) != VSVM_PT_HUGE_ORDER)
		kunit_skip(test, "no transparent huge page for the fault");

	KUNIT_ASSERT_TRUE(test, vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_1M,
							 MMU_NOTIFY_UNMAP));
	KUNIT_EXPECT_EQ(test, leaves_in(fx, a, a + SZ_1M), 0);
	/* The CPU side still has the huge page: mapped by a 2 MiB leaf again. */
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + SZ_1M + SZ_512K, true), 0);
	KUNIT_ASSERT_EQ(test, leaf_order(fx, a), VSVM_PT_HUGE_ORDER);

	KUNIT_ASSERT_TRUE(test, vsvm_svm_test_invalidate(&fx->svm, a + SZ_1M, a + SZ_2M,
							 MMU_NOTIFY_UNMAP));
	flush_work(&fx->svm.gc_work);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, a, a + SZ_1M), SZ_1M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES_GC), 0);

	/* The notifier still listens: the first half goes now, then the range. */
	KUNIT_EXPECT_TRUE(test, vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_1M,
							 MMU_NOTIFY_UNMAP));
	flush_work(&fx->svm.gc_work);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, a, a + SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES_GC), 1);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES), 0);
}

/*
 * A fault whose span covers pages the device already maps (fault-around
 * over an earlier fault's pages) leaves those translations alone: the
 * device's DIRTY bit on them survives, and they count as unchanged, not as
 * mapped again. Rewriting them would be one more page-table write per page
 * per fault, and would lose DIRTY if a rewrite did not merge it.
 */
static void vsvm_mirror_test_refault_keeps_unchanged(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long a = fx->base + SZ_2M;
	struct vsvm_pt_entry e;
	u64 mapped, unchanged;
	bool ok;

	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a, true), 0);
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + PAGE_SIZE, true), 0);
	down_read(&fx->svm.lock);
	ok = vsvm_pt_touch(&fx->pt, a, true, NULL);
	up_read(&fx->svm.lock);
	KUNIT_ASSERT_TRUE(test, ok);

	mapped = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_MAPPED_4K);
	unchanged = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_UNCHANGED);
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + 2 * PAGE_SIZE, true), 0);
	/*
	 * Its span covers a and a + 4 KiB, mapped as before (and maybe more:
	 * the earlier faults may have mapped their whole range already).
	 */
	unchanged = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_UNCHANGED) - unchanged;
	mapped = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_MAPPED_4K) - mapped;
	KUNIT_EXPECT_GE(test, unchanged, 2);
	KUNIT_EXPECT_GE(test, unchanged + mapped, 3);

	down_read(&fx->svm.lock);
	ok = vsvm_pt_lookup(&fx->pt, a, &e);
	up_read(&fx->svm.lock);
	KUNIT_ASSERT_TRUE(test, ok);
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_EXPECT_TRUE(test, e.writable);
}

/* munmap() and mmap(MAP_FIXED) the 2 MiB range a fault is about to commit into. */
static void step_remap_range(struct mirror_fx *fx, unsigned long addr)
{
	munmap_ok(fx, fx->base, SZ_2M);
	mmap_fixed_ok(fx, fx->base, SZ_2M);
}

/*
 * Bug 1b: an UNMAP between a fault's range lookup and its commit queues the
 * range for collection; the fault then commits into it (after a retry). The
 * range must leave the collection list, or garbage collection frees it, and
 * its window's notifier, with the translation still there: a later munmap()
 * of the page would go unseen.
 */
static void vsvm_mirror_test_commit_takes_range_off_gc(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long x = fx->base + SZ_64K;

	/* Collection runs only where a fault starts, not from the work item. */
	disable_work_sync(&fx->svm.gc_work);
	fx->step = step_remap_range;
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, x, false), 0);
	KUNIT_ASSERT_TRUE(test, fx->stepped);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, x, x + PAGE_SIZE), 1);

	/* A fault in the other window collects garbage first. */
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, fx->base + SZ_2M + PAGE_SIZE, false), 0);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, x, x + PAGE_SIZE), 1);

	munmap_ok(fx, fx->base, SZ_2M);
	KUNIT_EXPECT_EQ_MSG(test, leaves_in(fx, fx->base, fx->base + SZ_2M), 0,
			    "the device still maps 0x%lx after munmap()", x);
}

/*
 * Unmap the range a fault is in, collect it, and let another fault create
 * a 4 KiB range at the same address, before the first fault commits.
 */
static void step_replace_range(struct mirror_fx *fx, unsigned long addr)
{
	munmap_ok(fx, fx->base, SZ_2M);
	mmap_fixed_ok(fx, addr, 4 * PAGE_SIZE);
	/* Starts with garbage collection: the 2 MiB range goes. */
	KUNIT_ASSERT_EQ(fx->test, vsvm_svm_fault(&fx->svm, fx->base + SZ_2M, false), 0);
	KUNIT_ASSERT_EQ(fx->test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES_GC), 1);
	KUNIT_ASSERT_EQ(fx->test, vsvm_svm_fault(&fx->svm, addr, false), 0);
}

/*
 * Bug 1b': the range a fault looked up is freed and a smaller one created
 * at the address before the fault commits. The commit must work in the
 * range that is there (KASAN reports an out-of-bounds bitmap write when it
 * computes offsets from the old one).
 */
static void vsvm_mirror_test_commit_into_smaller_range(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long x = fx->base + SZ_1M;

	disable_work_sync(&fx->svm.gc_work);
	fx->step = step_replace_range;
	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, x, true), 0);
	KUNIT_ASSERT_TRUE(test, fx->stepped);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, x, x + PAGE_SIZE), 1);
	/* Nothing outside the small mapping. */
	KUNIT_EXPECT_EQ(test, leaves_in(fx, fx->base, x), 0);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, x + 4 * PAGE_SIZE, fx->base + SZ_2M), 0);

	munmap_ok(fx, x, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, fx->base, fx->base + SZ_2M), 0);
}

/* Bug 5: what the teardown case shares with its hooks and its thread. */
static struct {
	struct completion in_callback;
	struct completion fini_done;
	struct vsvm_svm *svm;
	bool armed;
	bool fini_returned;
	bool gc_after_fini;
} teardown;

static void teardown_invalidate(struct vsvm_svm *svm, const struct mmu_notifier_range *range)
{
	if (!READ_ONCE(teardown.armed))
		return;
	complete(&teardown.in_callback);
	/*
	 * With the lock held, before the UNMAP queues garbage collection:
	 * long enough for vsvm_svm_fini() to get as far as it can meanwhile.
	 */
	msleep(300);
}

static void teardown_gc_work(struct vsvm_svm *svm)
{
	if (!READ_ONCE(teardown.armed))
		return;
	msleep(200);
	if (READ_ONCE(teardown.fini_returned))
		WRITE_ONCE(teardown.gc_after_fini, true);
}

static int teardown_thread(void *unused)
{
	wait_for_completion(&teardown.in_callback);
	mirror_fini(fx_of(teardown.svm));
	WRITE_ONCE(teardown.fini_returned, true);
	complete(&teardown.fini_done);
	return 0;
}

/*
 * Bug 5: an UNMAP callback that runs while the mirror is torn down queues
 * garbage collection. vsvm_svm_fini() must not return before that work is
 * finished (its caller frees the mirror next).
 */
static void vsvm_mirror_test_fini_waits_for_gc(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	struct task_struct *thread;
	bool late;

	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, fx->base, false), 0);

	init_completion(&teardown.in_callback);
	init_completion(&teardown.fini_done);
	teardown.svm = &fx->svm;
	teardown.fini_returned = false;
	teardown.gc_after_fini = false;
	fx->hooks.invalidate = teardown_invalidate;
	fx->hooks.gc_work = teardown_gc_work;
	thread = kthread_run(teardown_thread, NULL, "vsvm-mirror-teardown");
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	WRITE_ONCE(teardown.armed, true);

	munmap_ok(fx, fx->base, SZ_2M);
	wait_for_completion(&teardown.fini_done);
	/* A garbage collection left running would end about now. */
	msleep(500);
	WRITE_ONCE(teardown.armed, false);
	late = READ_ONCE(teardown.gc_after_fini);
	KUNIT_EXPECT_FALSE_MSG(test, late, "garbage collection ran after vsvm_svm_fini() returned");
}

/* The device's side of reclaim's "was it used?" (DOC: Aging). */
static void vsvm_mirror_test_aging(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	struct mmu_notifier *mn = &fx->svm.aging_mn;
	const struct mmu_notifier_ops *ops = mn->ops;
	struct mm_struct *mm = current->mm;
	unsigned long a = fx->base;

	KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a, false), 0);
	/* Mapped, never used by the device. */
	KUNIT_EXPECT_EQ(test, ops->clear_young(mn, mm, a, a + PAGE_SIZE), 0);

	/* An engine's walk marks it: young, once. */
	down_read(&fx->svm.lock);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(&fx->pt, a, false, NULL));
	up_read(&fx->svm.lock);
	KUNIT_EXPECT_EQ(test, ops->test_young(mn, mm, a), 1);
	KUNIT_EXPECT_EQ(test, ops->clear_flush_young(mn, mm, a, a + PAGE_SIZE), 1);
	KUNIT_EXPECT_EQ(test, ops->test_young(mn, mm, a), 0);
	KUNIT_EXPECT_EQ(test, ops->clear_young(mn, mm, a, a + PAGE_SIZE), 0);

	/* Aging off: no answer, and the bit is left for later. */
	down_read(&fx->svm.lock);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(&fx->pt, a, false, NULL));
	up_read(&fx->svm.lock);
	WRITE_ONCE(fx->aging, 0);
	KUNIT_EXPECT_EQ(test, ops->clear_young(mn, mm, a, a + PAGE_SIZE), 0);
	WRITE_ONCE(fx->aging, 1);
	KUNIT_EXPECT_EQ(test, ops->test_young(mn, mm, a), 1);

	/* The lock held for write (a commit): no waiting, no answer. */
	down_write(&fx->svm.lock);
	KUNIT_EXPECT_EQ(test, ops->clear_young(mn, mm, a, a + PAGE_SIZE), 0);
	up_write(&fx->svm.lock);
	KUNIT_EXPECT_EQ(test, ops->clear_young(mn, mm, a, a + PAGE_SIZE), 1);

	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_YOUNG_QUERIES), 8);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_YOUNG_ANSWERS), 4);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_YOUNG_CLEARED), 2);
}

/*
 * Issue 15 (B3: mprotect of mirrored memory costs what it costs unmirrored).
 * A downgrade keeps the translations, so it keeps what the ranges know of
 * them: no prefetched page is counted as used then (nor walked for its
 * ACCESSED bit). The zap that removes them later counts each used page
 * once.
 */
static void vsvm_mirror_test_downgrade_keeps_prefetch_state(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long a = fx->base, off, prefetched;
	bool ok;

	WRITE_ONCE(fx->prefetch, 50);
	for (off = 0; off < SZ_2M && !vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_PREFETCHED);
	     off += SZ_64K)
		KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + off, true), 0);
	WRITE_ONCE(fx->prefetch, 0);
	prefetched = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_PREFETCHED);
	KUNIT_ASSERT_GT_MSG(test, prefetched, 0, "sequential faults did not prefetch");

	/* The device uses every page it has a translation for. */
	down_read(&fx->svm.lock);
	for (off = 0; off < SZ_4M; off += PAGE_SIZE)
		vsvm_pt_touch(&fx->pt, a + off, false, NULL);
	up_read(&fx->svm.lock);

	/* mprotect(PROT_READ) as change_protection() sends it: mmap_lock held. */
	mmap_read_lock(current->mm);
	ok = vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_2M, MMU_NOTIFY_PROTECTION_VMA);
	vsvm_svm_test_invalidate(&fx->svm, a + SZ_2M, a + SZ_4M, MMU_NOTIFY_PROTECTION_VMA);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_TRUE(test, ok);
	KUNIT_EXPECT_GT(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_DOWNGRADED), 0);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_ZAPPED), 0);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_PREFETCH_USED), 0);

	/* Removed: every prefetched page was used, and is counted once. */
	vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_2M, MMU_NOTIFY_CLEAR);
	vsvm_svm_test_invalidate(&fx->svm, a + SZ_2M, a + SZ_4M, MMU_NOTIFY_CLEAR);
	KUNIT_EXPECT_EQ(test, leaves_in(fx, a, a + SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_PREFETCH_USED), prefetched);
	vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_2M, MMU_NOTIFY_CLEAR);
	vsvm_svm_test_invalidate(&fx->svm, a + SZ_2M, a + SZ_4M, MMU_NOTIFY_CLEAR);
	KUNIT_EXPECT_EQ(test, vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_PREFETCH_USED), prefetched);
}

/*
 * Issue 15, section 3: the fault path allocates nothing per fault. Its
 * scratch (the pfn array of hmm_range_fault(), a spare range for the
 * lookup to insert) is the mirror's and is used again; a fault allocates
 * only for a range it creates and while more faults than ever before run
 * at once. Faults over ranges that exist (here after a CLEAR zapped their
 * translations) allocate nothing.
 */
static void vsvm_mirror_test_no_allocation_per_fault(struct kunit *test)
{
	struct mirror_fx *fx = test->priv;
	unsigned long a = fx->base, off;
	u64 allocs, ranges;
	int round;

	for (round = 0; round < 3; round++) {
		for (off = 0; off < SZ_2M; off += SZ_64K)
			KUNIT_ASSERT_EQ(test, vsvm_svm_fault(&fx->svm, a + off, false), 0);
		KUNIT_ASSERT_GE(test, leaves_in(fx, a, a + SZ_2M), SZ_2M / SZ_64K);
		if (round == 0) {
			allocs = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_SCRATCH_ALLOCS);
			ranges = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES);
			/* One scratch, one spare per range created, one spare left. */
			KUNIT_EXPECT_LE(test, allocs, 2 + ranges);
		} else {
			u64 now = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_SCRATCH_ALLOCS);
			u64 live = vsvm_svm_stat(&fx->svm, VSVM_SVM_STAT_RANGES);

			KUNIT_EXPECT_EQ(test, live, ranges);
			KUNIT_EXPECT_EQ_MSG(test, now, allocs, "round %d: %d faults allocated",
					    round, (int)(SZ_2M / SZ_64K));
		}
		KUNIT_ASSERT_TRUE(test, vsvm_svm_test_invalidate(&fx->svm, a, a + SZ_2M,
								 MMU_NOTIFY_CLEAR));
		KUNIT_ASSERT_EQ(test, leaves_in(fx, a, a + SZ_2M), 0);
	}
}

static struct kunit_case vsvm_mirror_test_cases[] = {
	KUNIT_CASE(vsvm_mirror_test_huge_leaf_clears_unmapped),
	KUNIT_CASE(vsvm_mirror_test_commit_takes_range_off_gc),
	KUNIT_CASE(vsvm_mirror_test_refault_keeps_unchanged),
	KUNIT_CASE(vsvm_mirror_test_commit_into_smaller_range),
	KUNIT_CASE(vsvm_mirror_test_fini_waits_for_gc),
	KUNIT_CASE(vsvm_mirror_test_aging),
	KUNIT_CASE(vsvm_mirror_test_no_allocation_per_fault),
	KUNIT_CASE(vsvm_mirror_test_downgrade_keeps_prefetch_state),
	{}
};

static struct kunit_suite vsvm_mirror_test_suite = {
	.name = "vsvm-mirror-core",
	.init = mirror_init,
	.exit = mirror_exit,
	.test_cases = vsvm_mirror_test_cases,
};

kunit_test_suite(vsvm_mirror_test_suite);
