// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vsvm's device page table.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>

#include "vsvm_pt.h"

/* A user-looking address, 1 GiB aligned, and a 2 MiB aligned frame. */
#define BASE		0x7f0000000000ull
#define PFN		0x2468a00ul
#define HUGE_PAGES	512
#define TOP		VSVM_PT_VA_END

/* The table under test and what it reported through &vsvm_pt.dirty. */
struct pt_fixture {
	struct vsvm_pt pt;
	unsigned int dirty_reports;
	unsigned long dirty_pfn;
	unsigned int dirty_order;
};

static struct pt_fixture *fixture_of(struct kunit *test)
{
	return test->priv;
}

static struct vsvm_pt *pt_of(struct kunit *test)
{
	return &fixture_of(test)->pt;
}

static void record_dirty(struct vsvm_pt *pt, unsigned long pfn, unsigned int order)
{
	struct pt_fixture *f = container_of(pt, struct pt_fixture, pt);

	f->dirty_reports++;
	f->dirty_pfn = pfn;
	f->dirty_order = order;
}

static int vsvm_pt_suite_init(struct kunit *test)
{
	struct pt_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, vsvm_pt_init(&f->pt), 0);
	f->pt.dirty = record_dirty;
	test->priv = f;
	return 0;
}

/*
 * The rules of a level-0 table under the level-1 entry @parent: its page
 * counts the leaves with WRITE; no leaf is DIRTY under TABLE_RO; a DIRTY
 * leaf has TABLE_DIRTY above it.
 */
static void check_leaf_table(struct kunit *test, const u64 *table, u64 parent)
{
	unsigned long writable = 0;
	bool dirty = false;
	unsigned int i;

	for (i = 0; i < VSVM_PT_ENTRIES; i++) {
		writable += !!(table[i] & VSVM_PTE_WRITE);
		dirty |= !!(table[i] & VSVM_PTE_DIRTY);
	}
	KUNIT_EXPECT_EQ(test, page_private(virt_to_page(table)), writable);
	if (parent & VSVM_PTE_TABLE_RO)
		KUNIT_EXPECT_FALSE(test, dirty);
	if (dirty)
		KUNIT_EXPECT_TRUE(test, parent & VSVM_PTE_TABLE_DIRTY);
}

/*
 * Walk the tree as the device would and check the rules of the format: no
 * reserved bits, HUGE only at level 1 and on an aligned frame, table entries
 * with VALID and PFN only (and the summary bits at level 1), no empty table
 * but the root. Return the number of table pages.
 */
static unsigned long check_table(struct kunit *test, const u64 *table,
				 unsigned int level)
{
	const u64 summary = VSVM_PTE_TABLE_RO | VSVM_PTE_TABLE_DIRTY;
	unsigned long tables = 1;
	unsigned int i, used = 0;

	for (i = 0; i < VSVM_PT_ENTRIES; i++) {
		u64 pte = table[i];
		unsigned long pfn = (pte & VSVM_PTE_PFN_MASK) >>
				    VSVM_PTE_PFN_SHIFT;

		if (!pte)
			continue;
		used++;
		KUNIT_EXPECT_TRUE(test, pte & VSVM_PTE_VALID);
		KUNIT_EXPECT_EQ(test, pte & ~(VSVM_PTE_PFN_MASK |
					      GENMASK_ULL(6, 0)), 0);
		if (level == 0 || (pte & VSVM_PTE_HUGE)) {
			KUNIT_EXPECT_LE(test, level, 1);
			if (level == 1)
				KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pfn,
								   HUGE_PAGES));
			else
				KUNIT_EXPECT_FALSE(test, pte & VSVM_PTE_HUGE);
			continue;
		}
		KUNIT_EXPECT_EQ(test, pte & ~(VSVM_PTE_PFN_MASK | (level == 1 ? summary : 0)),
				VSVM_PTE_VALID);
		if (level == 1)
			check_leaf_table(test, page_address(pfn_to_page(pfn)), pte);
		tables += check_table(test, page_address(pfn_to_page(pfn)),
				      level - 1);
	}
	if (level != VSVM_PT_LEVELS - 1)
		KUNIT_EXPECT_NE_MSG(test, used, 0, "empty level-%u table", level);
	return tables;
}

/* The 4 KiB units the tree translates, counted leaf by leaf. */
static u64 count_live(const struct vsvm_pt *pt)
{
	struct vsvm_pt_entry e;
	u64 va = 0, units = 0;

	while (vsvm_pt_next_leaf(pt, &va, TOP, &e)) {
		units += BIT_ULL(e.order);
		va += SZ_4K << e.order;
	}
	return units;
}

/* After every case: the tree is well formed and its accounting right. */
static void vsvm_pt_suite_exit(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	unsigned int reserved = 0;
	struct page *page;

	KUNIT_EXPECT_EQ(test, check_table(test, pt->root, VSVM_PT_LEVELS - 1) *
			PAGE_SIZE, vsvm_pt_bytes(pt));
	list_for_each_entry(page, &pt->reserve, lru)
		reserved++;
	KUNIT_EXPECT_EQ(test, reserved, vsvm_pt_reserve_count(pt));
	KUNIT_EXPECT_EQ(test, count_live(pt), vsvm_pt_live(pt));
	vsvm_pt_fini(pt);
}

/*
 * Reserve for one leaf at @va and map it; assert success. Return what
 * vsvm_pt_map() returned: 1 when a translation a TLB may hold changed.
 */
static int map(struct kunit *test, u64 va, unsigned long pfn,
	       unsigned int order, u64 flags, struct vsvm_pt_stats *st)
{
	struct vsvm_pt *pt = pt_of(test);
	int ret;

	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, va, va + (SZ_4K << order),
					      GFP_KERNEL), 0);
	ret = vsvm_pt_map(pt, va, pfn, order, flags, st);
	KUNIT_ASSERT_GE_MSG(test, ret, 0, "mapping %llx", va);
	return ret;
}

static void expect_mapped(struct kunit *test, u64 va, unsigned long pfn,
			  unsigned int order, bool writable)
{
	struct vsvm_pt_entry e = {};

	KUNIT_ASSERT_TRUE_MSG(test, vsvm_pt_lookup(pt_of(test), va, &e),
			      "va %llx not mapped", va);
	KUNIT_EXPECT_EQ_MSG(test, e.pfn, pfn, "va %llx", va);
	KUNIT_EXPECT_EQ_MSG(test, e.order, order, "va %llx", va);
	KUNIT_EXPECT_EQ_MSG(test, e.writable, writable, "va %llx", va);
}

static void expect_unmapped(struct kunit *test, u64 va)
{
	struct vsvm_pt_entry e;

	KUNIT_EXPECT_FALSE_MSG(test, vsvm_pt_lookup(pt_of(test), va, &e),
			       "va %llx still mapped", va);
}

static void expect_tables(struct kunit *test, unsigned long tables)
{
	KUNIT_EXPECT_EQ(test, vsvm_pt_bytes(pt_of(test)), tables * PAGE_SIZE);
}

static void vsvm_pt_test_empty(struct kunit *test)
{
	struct vsvm_pt_entry e;

	expect_tables(test, 1);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt_of(test)), 0);
	expect_unmapped(test, 0);
	expect_unmapped(test, BASE);
	expect_unmapped(test, TOP - 1);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt_of(test), BASE, false, &e));
}

static void vsvm_pt_test_map_4k(struct kunit *test)
{
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, 0, &st);			/* L2, L1, L0 */
	map(test, BASE + SZ_4K, PFN + 7, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_1G + SZ_4K, PFN + 9, 0, 0, &st);	/* L1, L0 */
	map(test, 0, 1, 0, VSVM_PTE_WRITE, &st);		/* L2, L1, L0 */
	map(test, TOP - SZ_4K, 2, 0, 0, &st);			/* L2, L1, L0 */

	expect_mapped(test, BASE, PFN, 0, false);
	expect_mapped(test, BASE + SZ_4K - 1, PFN, 0, false);
	expect_mapped(test, BASE + SZ_4K, PFN + 7, 0, true);
	expect_mapped(test, BASE + 2 * SZ_4K - 1, PFN + 7, 0, true);
	expect_mapped(test, BASE + SZ_1G + SZ_4K + 0x123, PFN + 9, 0, false);
	expect_mapped(test, 0, 1, 0, true);
	expect_mapped(test, TOP - 1, 2, 0, false);
	expect_unmapped(test, BASE - SZ_4K);
	expect_unmapped(test, BASE + 2 * SZ_4K);
	expect_unmapped(test, BASE + SZ_1G);
	expect_unmapped(test, SZ_4K);

	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt_of(test), BASE, &e));
	KUNIT_EXPECT_FALSE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);

	KUNIT_EXPECT_EQ(test, st.tables_alloc, 11);
	KUNIT_EXPECT_EQ(test, st.tables_freed, 0);
	expect_tables(test, 12);
}

static void vsvm_pt_test_map_2m(struct kunit *test)
{
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);

	expect_mapped(test, BASE, PFN, VSVM_PT_HUGE_ORDER, true);
	expect_mapped(test, BASE + 0x1234, PFN + 1, VSVM_PT_HUGE_ORDER, true);
	expect_mapped(test, BASE + SZ_2M - 1, PFN + 511, VSVM_PT_HUGE_ORDER,
		      true);
	expect_unmapped(test, BASE - 1);
	expect_unmapped(test, BASE + SZ_2M);
	/* A 2 MiB leaf needs no level-0 table. */
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 2);
	expect_tables(test, 3);
}

static void vsvm_pt_test_map_bad_args(struct kunit *test)
{
	static const u64 bad_flags[] = {
		VSVM_PTE_VALID, VSVM_PTE_ACCESSED, VSVM_PTE_DIRTY,
		VSVM_PTE_HUGE, BIT_ULL(12), BIT_ULL(63),
	};
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned int i, reserved;

	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_4M,
					      GFP_KERNEL), 0);
	reserved = vsvm_pt_reserve_count(pt);

	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 1, 0, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 8, 0, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 10, 0, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 18, 0, &st), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vsvm_pt_map(pt, BASE, PFN, 0, bad_flags[i],
						&st),
				    -EINVAL, "flags %llx", bad_flags[i]);
	/* Misaligned address or frame for the leaf size. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE + 1, PFN, 0, 0, &st),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE + SZ_4K, PFN,
					  VSVM_PT_HUGE_ORDER, 0, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN + 1,
					  VSVM_PT_HUGE_ORDER, 0, &st), -EINVAL);
	/* A frame that does not fit the PTE's 40-bit PFN field. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, 1ul << 40, 0, 0, &st),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, (1ul << 40) - 1, 0, 0,
					  &st), 0);

	/* Nothing but the last valid map changed anything. */
	expect_tables(test, 4);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt), reserved - 3);
	expect_mapped(test, BASE, (1ul << 40) - 1, 0, false);
	expect_unmapped(test, BASE + SZ_4K);
}

static void vsvm_pt_test_va_bits(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, TOP - SZ_4K, PFN, 0, 0, &st);
	map(test, TOP - SZ_4M, PFN, VSVM_PT_HUGE_ORDER, 0, &st);
	map(test, SZ_4K, PFN + 1, 0, 0, &st);
	expect_mapped(test, TOP - 1, PFN, 0, false);
	expect_mapped(test, TOP - SZ_4M, PFN, VSVM_PT_HUGE_ORDER, false);

	/* Nothing at or beyond 2^48, and no aliasing of the low 48 bits. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, TOP, PFN, 0, 0, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, TOP + SZ_4K, PFN, 0, 0, &st),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BIT_ULL(56), PFN, 0, 0, &st),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, TOP, PFN, VSVM_PT_HUGE_ORDER,
					  0, &st), -EINVAL);
	expect_unmapped(test, TOP);
	expect_unmapped(test, TOP + SZ_4K);
	expect_unmapped(test, BIT_ULL(63) + SZ_4K);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt, TOP + SZ_4K, false, &e));
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve(pt, TOP - SZ_4K, TOP + SZ_4K,
					      GFP_KERNEL), -EINVAL);

	/* Zap and protect clamp their range to 2^48. */
	vsvm_pt_protect(pt, TOP - SZ_4K, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.downgraded, 0);
	vsvm_pt_zap(pt, TOP, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.zapped, 0);
	vsvm_pt_zap(pt, TOP - SZ_4K, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.zapped, 1);
	expect_unmapped(test, TOP - SZ_4K);
	expect_mapped(test, TOP - SZ_4M, PFN, VSVM_PT_HUGE_ORDER, false);
	expect_mapped(test, SZ_4K, PFN + 1, 0, false);
}

static void vsvm_pt_test_remap_overwrites(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE, true, NULL));
	/* Another frame: the old leaf's DIRTY is reported, the TLB must go. */
	KUNIT_EXPECT_EQ(test, map(test, BASE, PFN + 5, 0, 0, &st), 1);
	KUNIT_EXPECT_EQ(test, fixture_of(test)->dirty_reports, 1);
	KUNIT_EXPECT_EQ(test, fixture_of(test)->dirty_pfn, PFN);

	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_EQ(test, e.pfn, PFN + 5);
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_FALSE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	expect_tables(test, 4);
}

/*
 * Fault-around maps pages again that are mapped already: a device write
 * through the old leaf must not be forgotten (the DIRTY bit stays, or is
 * reported), and a change a TLB may hold must be said.
 */
static void vsvm_pt_test_remap_keeps_dirty(struct kunit *test)
{
	struct pt_fixture *f = fixture_of(test);
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE, true, NULL));

	/* The same page, writable again: nothing changes, nothing to flush. */
	KUNIT_EXPECT_EQ(test, map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st), 0);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_TRUE(test, e.writable);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 0);

	/* The same page, read-only now: DIRTY is reported, WRITE must leave the TLB. */
	KUNIT_EXPECT_EQ(test, map(test, BASE, PFN, 0, 0, &st), 1);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);
	KUNIT_EXPECT_EQ(test, f->dirty_pfn, PFN);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);

	/* An upgrade of the same page needs no flush. */
	KUNIT_EXPECT_EQ(test, map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st), 0);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);
}

/* A 2 MiB leaf over 4 KiB leaves keeps or reports what they were written. */
static void vsvm_pt_test_map_2m_merges_dirty(struct kunit *test)
{
	struct pt_fixture *f = fixture_of(test);
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE + 3 * SZ_4K, PFN + 3, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_2M + 7 * SZ_4K, 99, 0, VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 3 * SZ_4K, true, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_2M + 7 * SZ_4K, true, NULL));

	/* The frames of the huge page: DIRTY moves into the 2 MiB leaf. */
	KUNIT_EXPECT_EQ(test, map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st), 0);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 0);

	/* Another frame under the new leaf: reported, and the TLB must go. */
	KUNIT_EXPECT_EQ(test, map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER,
				  VSVM_PTE_WRITE, &st), 1);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);
	KUNIT_EXPECT_EQ(test, f->dirty_pfn, 99);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_2M, &e));
	KUNIT_EXPECT_FALSE(test, e.dirty);
	expect_tables(test, 3);
}

/*
 * Aging: vsvm_pt_clear_young() counts and clears the leaves a walk marked
 * ACCESSED in a range (a 2 MiB leaf answers for all of its span), and
 * leaves DIRTY and the rest of the table alone.
 */
static void vsvm_pt_test_clear_young(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER, 0, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_clear_young(pt, BASE, BASE + SZ_4M), 0);

	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE, true, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_2M + 5 * SZ_4K, false, NULL));
	KUNIT_EXPECT_TRUE(test, vsvm_pt_test_young(pt, BASE));
	KUNIT_EXPECT_FALSE(test, vsvm_pt_test_young(pt, BASE + SZ_4K));
	KUNIT_EXPECT_TRUE(test, vsvm_pt_test_young(pt, BASE + SZ_2M + SZ_1M));

	/* The last page of the huge leaf's span is enough to find it. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_clear_young(pt, BASE + SZ_4M - SZ_4K, BASE + SZ_4M), 1);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_test_young(pt, BASE + SZ_2M));
	KUNIT_EXPECT_EQ(test, vsvm_pt_clear_young(pt, BASE, BASE + SZ_4M), 1);
	KUNIT_EXPECT_EQ(test, vsvm_pt_clear_young(pt, BASE, BASE + SZ_4M), 0);

	/* DIRTY stays: it is what the CPU side's dirty tracking needs. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_FALSE(test, e.accessed);
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_EXPECT_TRUE(test, e.writable);
	/* Unmapped addresses are not young. */
	KUNIT_EXPECT_FALSE(test, vsvm_pt_test_young(pt, BASE + SZ_1G));
}

/*
 * vsvm_pt_young_map() marks exactly the used pages of a range, a 2 MiB leaf
 * for each of its pages in the range, and matches vsvm_pt_test_young() page
 * by page, whatever the range's bounds.
 */
static void vsvm_pt_test_young_map(struct kunit *test)
{
	static const unsigned int used[] = { 0, 1, 510 };
	const unsigned int pages = 3 * HUGE_PAGES;
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned long *bits;
	unsigned int i, first;
	u64 young;

	bits = kunit_kcalloc(test, BITS_TO_LONGS(pages), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	/* [BASE, +2M): 4 KiB leaves, a few used; [+2M, +4M): one used 2 MiB leaf; then nothing. */
	for (i = 0; i < HUGE_PAGES; i += 2)
		map(test, BASE + i * SZ_4K, PFN + i, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER, 0, &st);
	for (i = 0; i < ARRAY_SIZE(used); i++)
		KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + used[i] * SZ_4K, i == 0, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_4M - SZ_4K, false, NULL));

	for (first = 0; first < pages; first += 257) {
		u64 start = BASE + (u64)first * SZ_4K, expect = 0;

		bitmap_zero(bits, pages);
		young = vsvm_pt_young_map(pt, start, BASE + (u64)pages * SZ_4K, bits);
		for (i = 0; i < pages - first; i++) {
			bool want = vsvm_pt_test_young(pt, start + (u64)i * SZ_4K);

			KUNIT_EXPECT_EQ_MSG(test, test_bit(i, bits), want, "page %u from %u",
					    first + i, first);
			expect += want;
		}
		KUNIT_EXPECT_EQ(test, young, expect);
	}
	/* From BASE: the three used 4 KiB leaves and the 2 MiB leaf. */
	bitmap_zero(bits, pages);
	KUNIT_EXPECT_EQ(test, vsvm_pt_young_map(pt, BASE, BASE + (u64)pages * SZ_4K, bits),
			ARRAY_SIZE(used) + HUGE_PAGES);
	KUNIT_EXPECT_TRUE(test, test_bit(0, bits));
	KUNIT_EXPECT_FALSE(test, test_bit(3, bits));
	KUNIT_EXPECT_FALSE(test, test_bit(2, bits));
	/* Nothing is cleared. */
	KUNIT_EXPECT_TRUE(test, vsvm_pt_test_young(pt, BASE + 510 * SZ_4K));
	/* An empty range and a range with no table. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_young_map(pt, BASE, BASE, bits), 0);
	bitmap_zero(bits, pages);
	KUNIT_EXPECT_EQ(test, vsvm_pt_young_map(pt, BASE + SZ_1G, BASE + SZ_1G + SZ_4M, bits), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(bits, pages));
}

/* vsvm_pt_next_leaf() visits every leaf of a range once, in order. */
static void vsvm_pt_test_next_leaf(struct kunit *test)
{
	static const u64 where[] = {
		BASE + SZ_4K, BASE + SZ_2M, BASE + SZ_1G + 5 * SZ_4K, BASE + (u64)SZ_1G * 513,
	};
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;
	unsigned int i, found = 0;
	u64 va;

	map(test, where[0], PFN, 0, 0, &st);
	map(test, where[1], PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	map(test, where[2], 42, 0, 0, &st);
	map(test, where[3], 43, 0, 0, &st);

	for (va = 0; vsvm_pt_next_leaf(pt, &va, TOP, &e); va += SZ_4K << e.order) {
		KUNIT_ASSERT_LT(test, found, ARRAY_SIZE(where));
		KUNIT_EXPECT_EQ(test, va, where[found]);
		found++;
	}
	KUNIT_EXPECT_EQ(test, found, ARRAY_SIZE(where));

	/* A start inside a 2 MiB leaf finds it, at its first address. */
	va = BASE + SZ_2M + 9 * SZ_4K;
	KUNIT_ASSERT_TRUE(test, vsvm_pt_next_leaf(pt, &va, va + 1, &e));
	KUNIT_EXPECT_EQ(test, va, BASE + SZ_2M);
	KUNIT_EXPECT_EQ(test, e.pfn, PFN);
	KUNIT_EXPECT_TRUE(test, e.writable);

	/* Empty stretches and ends. */
	va = BASE + 2 * SZ_4K;
	KUNIT_EXPECT_FALSE(test, vsvm_pt_next_leaf(pt, &va, BASE + SZ_2M, &e));
	va = where[3] + SZ_4K;
	KUNIT_EXPECT_FALSE(test, vsvm_pt_next_leaf(pt, &va, TOP, &e));
	for (i = 0; i < ARRAY_SIZE(where); i++)
		vsvm_pt_zap(pt, where[i], where[i] + SZ_2M, &st);
	va = 0;
	KUNIT_EXPECT_FALSE(test, vsvm_pt_next_leaf(pt, &va, TOP, &e));
}

static void vsvm_pt_test_zap_exact(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned int i;

	for (i = 0; i < 16; i++)
		map(test, BASE + i * SZ_4K, PFN + i, 0, VSVM_PTE_WRITE, &st);

	memset(&st, 0, sizeof(st));
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap(pt, BASE + 4 * SZ_4K, BASE + 8 * SZ_4K, &st), 4);
	for (i = 0; i < 16; i++) {
		if (i >= 4 && i < 8)
			expect_unmapped(test, BASE + i * SZ_4K);
		else
			expect_mapped(test, BASE + i * SZ_4K, PFN + i, 0, true);
	}
	KUNIT_EXPECT_EQ(test, st.zapped, 4);
	KUNIT_EXPECT_EQ(test, st.tables_freed, 0);

	/* Zapping nothing counts nothing. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap(pt, BASE + 4 * SZ_4K, BASE + 8 * SZ_4K, &st), 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap(pt, BASE + 5 * SZ_4K, BASE + 5 * SZ_4K, &st), 0);
	KUNIT_EXPECT_EQ(test, st.zapped, 4);
	expect_tables(test, 4);
}

/* Frames at or above LOCAL_PFN play device memory in the test below. */
#define LOCAL_PFN	0x8000000ul

static bool fake_local(unsigned long pfn)
{
	return pfn >= LOCAL_PFN;
}

/*
 * DOC: Device memory: a leaf of a device frame carries LOCAL, and a filtered
 * zap removes one kind of leaves and keeps the other, a 2 MiB leaf (always
 * system memory) included.
 */
static void vsvm_pt_test_zap_filtered(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;
	unsigned int i;

	pt->local = fake_local;
	/* Even pages in device memory, odd ones in system memory. */
	for (i = 0; i < 8; i++)
		map(test, BASE + i * SZ_4K, (i % 2 ? PFN : LOCAL_PFN) + i, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_2M, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + i * SZ_4K, &e));
		KUNIT_EXPECT_EQ(test, e.local, !(i % 2));
	}
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_2M, &e));
	KUNIT_EXPECT_FALSE(test, e.local);

	memset(&st, 0, sizeof(st));
	/* Out of device memory: the device leaves go, the 2 MiB one stays whole. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap_filtered(pt, BASE, BASE + SZ_2M + SZ_64K,
						   VSVM_PT_ZAP_LOCAL, &st), 4);
	for (i = 0; i < 8; i++) {
		if (i % 2)
			expect_mapped(test, BASE + i * SZ_4K, PFN + i, 0, true);
		else
			expect_unmapped(test, BASE + i * SZ_4K);
	}
	expect_mapped(test, BASE + SZ_2M, PFN, VSVM_PT_HUGE_ORDER, true);
	KUNIT_EXPECT_EQ(test, st.split, 0);

	/* Into device memory: a device leaf mapped again stays, system ones go. */
	map(test, BASE, LOCAL_PFN, 0, VSVM_PTE_WRITE, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap_filtered(pt, BASE, BASE + 8 * SZ_4K,
						   VSVM_PT_ZAP_SYSTEM, &st), 4);
	expect_mapped(test, BASE, LOCAL_PFN, 0, true);
	for (i = 1; i < 8; i++)
		expect_unmapped(test, BASE + i * SZ_4K);

	/* A frame that changes kind changes the bit. */
	map(test, BASE, PFN, 0, 0, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_FALSE(test, e.local);
	KUNIT_EXPECT_EQ(test, vsvm_pt_zap_filtered(pt, BASE, BASE + SZ_4K, VSVM_PT_ZAP_LOCAL, &st),
			0);
	expect_mapped(test, BASE, PFN, 0, false);
}

static void vsvm_pt_test_zap_unaligned(struct kunit *test)
{
	struct vsvm_pt_stats st = {};
	unsigned int i;

	for (i = 0; i < 4; i++)
		map(test, BASE + i * SZ_4K, PFN + i, 0, 0, &st);

	memset(&st, 0, sizeof(st));
	/* Two bytes, one in page 0 and one in page 1: both pages go. */
	vsvm_pt_zap(pt_of(test), BASE + SZ_4K - 1, BASE + SZ_4K + 1, &st);
	expect_unmapped(test, BASE);
	expect_unmapped(test, BASE + SZ_4K);
	expect_mapped(test, BASE + 2 * SZ_4K, PFN + 2, 0, false);
	expect_mapped(test, BASE + 3 * SZ_4K, PFN + 3, 0, false);
	KUNIT_EXPECT_EQ(test, st.zapped, 2);
}

static void vsvm_pt_test_zap_whole_2m(struct kunit *test)
{
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	memset(&st, 0, sizeof(st));
	vsvm_pt_zap(pt_of(test), BASE, BASE + SZ_2M, &st);

	expect_unmapped(test, BASE);
	expect_unmapped(test, BASE + SZ_2M - 1);
	KUNIT_EXPECT_EQ(test, st.zapped, HUGE_PAGES);
	KUNIT_EXPECT_EQ(test, st.split, 0);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 0);
	/* The level-1 and level-2 tables became empty and went. */
	KUNIT_EXPECT_EQ(test, st.tables_freed, 2);
	expect_tables(test, 1);
}

static void vsvm_pt_test_zap_split_2m(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;
	unsigned int i;

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE, true, NULL));

	memset(&st, 0, sizeof(st));
	vsvm_pt_zap(pt, BASE + 4 * SZ_4K, BASE + 8 * SZ_4K, &st);
	for (i = 0; i < HUGE_PAGES; i++) {
		if (i >= 4 && i < 8)
			expect_unmapped(test, BASE + i * SZ_4K);
		else
			expect_mapped(test, BASE + i * SZ_4K, PFN + i, 0, true);
	}
	/* The 4 KiB leaves inherit the 2 MiB leaf's bits. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_2M - SZ_4K, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_EXPECT_EQ(test, st.split, 1);
	KUNIT_EXPECT_EQ(test, st.zapped, 4);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 1);
	KUNIT_EXPECT_EQ(test, st.huge_zapped_whole, 0);
	expect_tables(test, 4);

	/* A range that cuts the last page of a leaf and runs beyond it. */
	map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER, 0, &st);
	memset(&st, 0, sizeof(st));
	vsvm_pt_zap(pt, BASE + SZ_4M - SZ_4K, BASE + SZ_4M + SZ_1M, &st);
	expect_unmapped(test, BASE + SZ_4M - SZ_4K);
	expect_mapped(test, BASE + SZ_4M - 2 * SZ_4K, PFN + 2 * HUGE_PAGES - 2,
		      0, false);
	expect_mapped(test, BASE + SZ_2M, PFN + HUGE_PAGES, 0, false);
	KUNIT_EXPECT_EQ(test, st.split, 1);
	KUNIT_EXPECT_EQ(test, st.zapped, 1);

	/* And one that cuts only the first page of a leaf. */
	map(test, BASE + SZ_4M, PFN, VSVM_PT_HUGE_ORDER, 0, &st);
	memset(&st, 0, sizeof(st));
	vsvm_pt_zap(pt, BASE + SZ_4M, BASE + SZ_4M + SZ_4K, &st);
	expect_unmapped(test, BASE + SZ_4M);
	expect_mapped(test, BASE + SZ_4M + SZ_4K, PFN + 1, 0, false);
	expect_mapped(test, BASE + SZ_4M + SZ_2M - 1, PFN + 511, 0, false);
	KUNIT_EXPECT_EQ(test, st.split, 1);
	KUNIT_EXPECT_EQ(test, st.zapped, 1);
}

static void vsvm_pt_test_zap_split_no_reserve(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	vsvm_pt_reserve_trim(pt, 0);
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve_count(pt), 0);

	memset(&st, 0, sizeof(st));
	vsvm_pt_zap(pt, BASE + SZ_4K, BASE + 2 * SZ_4K, &st);
	/* No page to split into: the whole leaf went, inside and outside. */
	expect_unmapped(test, BASE);
	expect_unmapped(test, BASE + SZ_4K);
	expect_unmapped(test, BASE + SZ_2M - SZ_4K);
	KUNIT_EXPECT_EQ(test, st.huge_zapped_whole, 1);
	KUNIT_EXPECT_EQ(test, st.split, 0);
	KUNIT_EXPECT_EQ(test, st.zapped, HUGE_PAGES);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 0);
	expect_tables(test, 1);
}

static void vsvm_pt_test_zap_frees_tables(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats map_st = {}, st = {};

	map(test, 0, PFN, 0, 0, &map_st);
	map(test, SZ_1G, PFN, 0, 0, &map_st);
	map(test, BIT_ULL(39), PFN, 0, 0, &map_st);
	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, 0, &map_st);
	map(test, TOP - SZ_4K, PFN, 0, 0, &map_st);
	KUNIT_ASSERT_EQ(test, map_st.tables_alloc, 13);
	expect_tables(test, 14);

	/* Zapping the page at 0 frees its L0 and L1, not the shared L2. */
	vsvm_pt_reserve_trim(pt, 0);
	vsvm_pt_zap(pt, 0, SZ_4K, &st);
	KUNIT_EXPECT_EQ(test, st.tables_freed, 2);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt), 2);
	expect_tables(test, 12);
	expect_mapped(test, SZ_1G, PFN, 0, false);

	vsvm_pt_zap(pt, 0, TOP, &st);
	KUNIT_EXPECT_EQ(test, st.tables_freed, map_st.tables_alloc);
	KUNIT_EXPECT_EQ(test, st.zapped, 4 + HUGE_PAGES);
	expect_tables(test, 1);
	/* Freed tables refill the reserve up to its cap, the rest go. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt), VSVM_PT_RESERVE_KEEP);
	expect_unmapped(test, SZ_1G);
	expect_unmapped(test, BASE);
}

static void vsvm_pt_test_protect(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER,
	    VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE, true, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_4M - 1, true,
					      NULL));

	memset(&st, 0, sizeof(st));
	/* Covers both 4 KiB pages and only the first page of the 2 MiB. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M + SZ_4K, &st),
			1 + HUGE_PAGES);

	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_EQ(test, e.pfn, PFN);
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	expect_mapped(test, BASE + SZ_4K, PFN + 1, 0, false);
	/* The partly covered 2 MiB leaf is read-only as a whole, not split. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_4M - 1, &e));
	KUNIT_EXPECT_EQ(test, e.pfn, PFN + 2 * HUGE_PAGES - 1);
	KUNIT_EXPECT_EQ(test, e.order, VSVM_PT_HUGE_ORDER);
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt, BASE + SZ_4M - 1, true,
					       NULL));

	/* Only pages that were writable count. */
	KUNIT_EXPECT_EQ(test, st.downgraded, 1 + HUGE_PAGES);
	KUNIT_EXPECT_EQ(test, st.zapped, 0);
	KUNIT_EXPECT_EQ(test, st.split, 0);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 0);
	vsvm_pt_protect(pt, BASE, BASE + SZ_4M, &st);
	KUNIT_EXPECT_EQ(test, st.downgraded, 1 + HUGE_PAGES);
	expect_tables(test, 4);
}

static void vsvm_pt_test_map_2m_replaces_table(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned int reserved;

	map(test, BASE, PFN, 0, 0, &st);
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	map(test, BASE + SZ_2M - SZ_4K, PFN + 9, 0, 0, &st);
	expect_tables(test, 4);

	reserved = vsvm_pt_reserve_count(pt);
	memset(&st, 0, sizeof(st));
	/* Other frames than the 4 KiB leaves had: a TLB may hold those. */
	KUNIT_ASSERT_EQ(test, vsvm_pt_map(pt, BASE, 4 * PFN, VSVM_PT_HUGE_ORDER,
					  0, &st), 1);
	expect_mapped(test, BASE, 4 * PFN, VSVM_PT_HUGE_ORDER, false);
	expect_mapped(test, BASE + SZ_4K, 4 * PFN + 1, VSVM_PT_HUGE_ORDER,
		      false);
	expect_mapped(test, BASE + SZ_2M - SZ_4K, 4 * PFN + 511,
		      VSVM_PT_HUGE_ORDER, false);
	KUNIT_EXPECT_EQ(test, st.tables_freed, 1);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt), reserved + 1);
	expect_tables(test, 3);

	/*
	 * The old table went to the reserve with its entries; a new level-0
	 * table built from it must start empty.
	 */
	KUNIT_ASSERT_EQ(test, vsvm_pt_map(pt, BASE + SZ_4M, PFN, 0, 0, &st), 0);
	expect_unmapped(test, BASE + SZ_4M + SZ_4K);
	expect_unmapped(test, BASE + SZ_4M + SZ_2M - SZ_4K);
}

static void vsvm_pt_test_map_4k_in_2m(struct kunit *test)
{
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	memset(&st, 0, sizeof(st));
	map(test, BASE + 2 * SZ_4K, 77, 0, 0, &st);

	expect_mapped(test, BASE + 2 * SZ_4K, 77, 0, false);
	expect_mapped(test, BASE + SZ_4K, PFN + 1, 0, true);
	expect_mapped(test, BASE + 3 * SZ_4K, PFN + 3, 0, true);
	expect_mapped(test, BASE + SZ_2M - 1, PFN + 511, 0, true);
	KUNIT_EXPECT_EQ(test, st.split, 1);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 1);
	expect_tables(test, 4);
}

static void vsvm_pt_test_reserve_exhausted(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};

	/* Empty reserve: nothing changes. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 0, 0, &st), -ENOMEM);
	expect_unmapped(test, BASE);
	expect_tables(test, 1);

	/* Two of the three tables needed: still nothing changes. */
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_4K,
					      GFP_KERNEL), 0);
	vsvm_pt_reserve_trim(pt, 2);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 0, 0, &st), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt), 2);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, 0);
	expect_unmapped(test, BASE);
	expect_tables(test, 1);

	/* The caller reserves again and retries. */
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_4K,
					      GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vsvm_pt_map(pt, BASE, PFN, 0, 0, &st), 0);
	expect_tables(test, 4);

	/* A map into existing tables needs no reserve. */
	vsvm_pt_reserve_trim(pt, 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE + SZ_4K, PFN + 1, 0, 0,
					  &st), 0);
	/* Splitting a 2 MiB leaf for a 4 KiB map needs one page. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE + SZ_2M, PFN,
					  VSVM_PT_HUGE_ORDER, 0, &st), 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, BASE + SZ_2M, PFN, 0, 0, &st),
			-ENOMEM);
	expect_mapped(test, BASE + SZ_2M + SZ_4K, PFN + 1, VSVM_PT_HUGE_ORDER,
		      false);
	/* Elsewhere, without tables, it fails and the rest stays. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, 0, PFN, 0, 0, &st), -ENOMEM);
	expect_unmapped(test, 0);
	expect_mapped(test, BASE, PFN, 0, false);
	expect_mapped(test, BASE + SZ_4K, PFN + 1, 0, false);
	expect_tables(test, 4);
}

static void vsvm_pt_test_reserve_sizing(struct kunit *test)
{
	static const struct {
		u64 start, end;
		unsigned int pages;
	} cases[] = {
		{ BASE, BASE + SZ_4K, 3 },
		{ BASE, BASE + SZ_2M, 3 },
		{ BASE + SZ_2M - SZ_4K, BASE + SZ_2M + SZ_4K, 4 },
		{ BASE - SZ_4K, BASE + SZ_4K, 6 },
		{ BASE, BASE + SZ_1G, 514 },
		{ BIT_ULL(39) - SZ_4K, BIT_ULL(39) + SZ_4K, 6 },
	};
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned int i;
	u64 va;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		vsvm_pt_reserve_trim(pt, 0);
		KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, cases[i].start,
						      cases[i].end, GFP_KERNEL),
				0);
		KUNIT_EXPECT_EQ_MSG(test, vsvm_pt_reserve_count(pt),
				    cases[i].pages + VSVM_PT_RESERVE_SPLITS,
				    "range %llx-%llx", cases[i].start,
				    cases[i].end);
	}

	/* A reserve that already holds enough does not grow. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_4K,
					      GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt),
			6 + VSVM_PT_RESERVE_SPLITS);

	/* The worst case is enough: every page across all boundaries. */
	for (va = BIT_ULL(39) - SZ_4K; va < BIT_ULL(39) + SZ_4K; va += SZ_4K)
		KUNIT_EXPECT_EQ(test, vsvm_pt_map(pt, va, PFN, 0, 0, &st), 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve_count(pt),
			VSVM_PT_RESERVE_SPLITS);

	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve(pt, BASE + SZ_4K, BASE,
					      GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_reserve(pt, 0, TOP, GFP_KERNEL), -E2BIG);
}

static void vsvm_pt_test_accessed_dirty(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct vsvm_pt_entry e;

	map(test, BASE, PFN, 0, VSVM_PTE_WRITE, &st);
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	map(test, BASE + SZ_2M, PFN + HUGE_PAGES, VSVM_PT_HUGE_ORDER,
	    VSVM_PTE_WRITE, &st);

	/* A read sets ACCESSED only. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 8, false, &e));
	KUNIT_EXPECT_EQ(test, e.pfn, PFN);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	/* A write sets DIRTY. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 8, true, &e));
	KUNIT_EXPECT_TRUE(test, e.dirty);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_TRUE(test, e.dirty);

	/* A write to a read-only leaf faults and changes nothing. */
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt, BASE + SZ_4K, true, &e));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_4K, &e));
	KUNIT_EXPECT_FALSE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	KUNIT_EXPECT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_4K, false, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_4K, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt, BASE + 2 * SZ_4K, false,
					       &e));

	/* The bits of a 2 MiB leaf are shared by all its pages. */
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_2M + 5 * SZ_4K,
					      true, &e));
	KUNIT_EXPECT_EQ(test, e.pfn, PFN + HUGE_PAGES + 5);
	KUNIT_EXPECT_EQ(test, e.order, VSVM_PT_HUGE_ORDER);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_2M, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_TRUE(test, e.dirty);

	/* Protect clears DIRTY with WRITE and keeps ACCESSED. */
	vsvm_pt_protect(pt, BASE, BASE + SZ_4M, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + SZ_2M, &e));
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);
}

/* Entries of the tests' own format for vsvm_pt_map_pages(). */
#define E_PRESENT	BIT(62)
#define E_WRITE		BIT(61)
#define E_SKIP		BIT(60)
#define E_PFN		GENMASK(51, 0)

/* @n zeroed entries for vsvm_pt_map_pages(), freed with the test. */
static unsigned long *alloc_entries(struct kunit *test, unsigned int n)
{
	unsigned long *entries = kunit_kcalloc(test, n, sizeof(*entries), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, entries);
	return entries;
}

static const struct vsvm_pt_pages *test_pages(const unsigned long *entries)
{
	static struct vsvm_pt_pages pages;

	pages = (struct vsvm_pt_pages){
		.entries = entries, .pfn_mask = E_PFN, .present = E_PRESENT,
		.write = E_WRITE, .skip = E_SKIP,
	};
	return &pages;
}

/*
 * A run of 1024 pages across two level-0 tables is written with one walk
 * per table, each page as asked; entries that are not present, or are to be
 * skipped, leave their address as it was.
 */
static void vsvm_pt_test_map_pages_batched(struct kunit *test)
{
	const unsigned int n = 2 * HUGE_PAGES;
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned long *entries;
	unsigned int i;

	entries = alloc_entries(test, n);
	for (i = 0; i < n; i++)
		entries[i] = (PFN + 7 * i) | E_PRESENT | (i % 3 ? E_WRITE : 0);
	entries[5] = 0;			/* not present */
	entries[6] |= E_SKIP;		/* an error entry */
	map(test, BASE + 6 * SZ_4K, PFN + 99, 0, 0, &st);
	st = (struct vsvm_pt_stats){};

	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + n * SZ_4K, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, n, test_pages(entries), &st), 0);
	KUNIT_EXPECT_EQ(test, st.walks, 2);
	KUNIT_EXPECT_EQ(test, st.mapped, n - 2);
	KUNIT_EXPECT_EQ(test, st.changed, 0);
	for (i = 0; i < n; i++) {
		if (i == 5)
			expect_unmapped(test, BASE + i * SZ_4K);
		else if (i == 6)
			expect_mapped(test, BASE + i * SZ_4K, PFN + 99, 0, false);
		else
			expect_mapped(test, BASE + i * SZ_4K, PFN + 7 * i, 0, i % 3);
	}
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), n - 1);
}

/*
 * Mapping again what is mapped as asked writes nothing: the device's
 * ACCESSED and DIRTY bits stay, nothing is reported dirty, nothing needs a
 * flush. A page whose frame or permission changed is rewritten: another
 * frame reports the old one dirty and asks for a flush.
 */
static void vsvm_pt_test_map_pages_unchanged(struct kunit *test)
{
	struct pt_fixture *f = fixture_of(test);
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned long entries[4];
	struct vsvm_pt_entry e;
	unsigned int i;

	for (i = 0; i < 4; i++)
		entries[i] = (PFN + i) | E_PRESENT | E_WRITE;
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + 4 * SZ_4K, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, 4, test_pages(entries), &st), 0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + i * SZ_4K, true, NULL));

	st = (struct vsvm_pt_stats){};
	entries[2] = (PFN + 50) | E_PRESENT | E_WRITE;	/* another frame */
	entries[3] = (PFN + 3) | E_PRESENT;		/* write taken away */
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, 4, test_pages(entries), &st), 0);
	KUNIT_EXPECT_EQ(test, st.unchanged, 2);
	KUNIT_EXPECT_EQ(test, st.mapped, 2);
	KUNIT_EXPECT_EQ(test, st.changed, 2);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + i * SZ_4K, &e));
		KUNIT_EXPECT_TRUE(test, e.accessed);
		KUNIT_EXPECT_TRUE(test, e.dirty);
		KUNIT_EXPECT_TRUE(test, e.writable);
	}
	expect_mapped(test, BASE + 2 * SZ_4K, PFN + 50, 0, true);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_lookup(pt, BASE + 3 * SZ_4K, &e));
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	KUNIT_EXPECT_FALSE(test, e.dirty);

	/* The same again: nothing to do at all. */
	st = (struct vsvm_pt_stats){};
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, 4, test_pages(entries), &st), 0);
	KUNIT_EXPECT_EQ(test, st.unchanged, 4);
	KUNIT_EXPECT_EQ(test, st.mapped, 0);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 2);
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), 4);
}

/*
 * A run whose tables the reserve cannot cover fails with -ENOMEM and writes
 * nothing into a table it could not reach; spans with no present entry take
 * no table at all. After the caller reserves again, the same call finishes.
 */
static void vsvm_pt_test_map_pages_reserve(struct kunit *test)
{
	const unsigned int n = 3 * HUGE_PAGES;
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned long *entries;
	unsigned int i;

	entries = alloc_entries(test, n);
	/* Pages in the first and third 2 MiB only. */
	for (i = 0; i < n; i++)
		if (i < HUGE_PAGES || i >= 2 * HUGE_PAGES)
			entries[i] = (PFN + i) | E_PRESENT;

	KUNIT_EXPECT_EQ(test, vsvm_pt_map_pages(pt, BASE, n, test_pages(entries), &st),
			-ENOMEM);
	expect_unmapped(test, BASE);
	expect_tables(test, 1);

	/* Enough for the first table's path only. */
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_4K, GFP_KERNEL), 0);
	vsvm_pt_reserve_trim(pt, 3);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map_pages(pt, BASE, n, test_pages(entries), &st),
			-ENOMEM);
	expect_mapped(test, BASE + (HUGE_PAGES - 1) * SZ_4K, PFN + HUGE_PAGES - 1, 0, false);
	expect_unmapped(test, BASE + 2 * SZ_2M);
	expect_tables(test, 4);

	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + n * SZ_4K, GFP_KERNEL), 0);
	st = (struct vsvm_pt_stats){};
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, n, test_pages(entries), &st), 0);
	KUNIT_EXPECT_EQ(test, st.unchanged, HUGE_PAGES);
	KUNIT_EXPECT_EQ(test, st.mapped, HUGE_PAGES);
	expect_mapped(test, BASE + 2 * SZ_2M, PFN + 2 * HUGE_PAGES, 0, false);
	/* Two level-0 tables; none for the empty middle 2 MiB. */
	expect_tables(test, 5);

	/* Beyond 2^48, or misaligned: refused before anything is written. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_map_pages(pt, TOP - SZ_4K, 2, test_pages(entries), &st),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_pt_map_pages(pt, BASE + 8, 1, test_pages(entries), &st),
			-EINVAL);
}

/*
 * A downgrade of a whole level-0 table the device has not dirtied is one
 * write (TABLE_RO), counting the writable pages it took away; every reader
 * and the device's walk then see the leaves read-only. A later writable map
 * into the table pushes the protection down to the leaves. A table with a
 * DIRTY leaf is downgraded leaf by leaf, reporting it.
 */
static void vsvm_pt_test_protect_table_whole(struct kunit *test)
{
	struct pt_fixture *f = fixture_of(test);
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	unsigned long *entries;
	struct vsvm_pt_entry e;
	unsigned int i;

	entries = alloc_entries(test, HUGE_PAGES);
	for (i = 0; i < HUGE_PAGES; i++)
		entries[i] = (PFN + i) | E_PRESENT | (i < 10 ? 0 : E_WRITE);
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + SZ_2M, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, BASE, HUGE_PAGES, test_pages(entries), &st), 0);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 20 * SZ_4K, false, NULL));

	st = (struct vsvm_pt_stats){};
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M, &st), HUGE_PAGES - 10);
	KUNIT_EXPECT_EQ(test, st.tables_protected, 1);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 0);
	for (i = 0; i < HUGE_PAGES; i++)
		expect_mapped(test, BASE + i * SZ_4K, PFN + i, 0, false);
	KUNIT_EXPECT_FALSE(test, vsvm_pt_touch(pt, BASE + 20 * SZ_4K, true, NULL));
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 20 * SZ_4K, false, &e));
	KUNIT_EXPECT_FALSE(test, e.writable);
	KUNIT_EXPECT_TRUE(test, e.accessed);
	/* Again: nothing left to take away. */
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M, &st), 0);
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE + SZ_4K, BASE + SZ_8K, &st), 0);

	/* A write fault on page 30 after mprotect(RW): only it is writable. */
	map(test, BASE + 30 * SZ_4K, PFN + 30, 0, VSVM_PTE_WRITE, &st);
	expect_mapped(test, BASE + 30 * SZ_4K, PFN + 30, 0, true);
	expect_mapped(test, BASE + 29 * SZ_4K, PFN + 29, 0, false);
	expect_mapped(test, BASE + 31 * SZ_4K, PFN + 31, 0, false);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + 30 * SZ_4K, true, NULL));

	/* Dirty now: the downgrade visits the leaves and reports page 30. */
	st = (struct vsvm_pt_stats){};
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M, &st), 1);
	KUNIT_EXPECT_EQ(test, st.tables_protected, 0);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);
	KUNIT_EXPECT_EQ(test, f->dirty_pfn, PFN + 30);
	expect_mapped(test, BASE + 30 * SZ_4K, PFN + 30, 0, false);
	/* Clean again: the next downgrade is one write. */
	map(test, BASE + 40 * SZ_4K, PFN + 40, 0, VSVM_PTE_WRITE, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M, &st), 1);
	KUNIT_EXPECT_EQ(test, st.tables_protected, 1);

	/* A 2 MiB leaf over the protected table: writable as asked, nothing reported. */
	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	expect_mapped(test, BASE + 5 * SZ_4K, PFN + 5, VSVM_PT_HUGE_ORDER, true);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);
}

/*
 * A dirty 2 MiB leaf split by a partial zap hands DIRTY to its 4 KiB
 * leaves; a downgrade of the whole table must still report it (a
 * one-write TABLE_RO downgrade would lose the device's write).
 */
static void vsvm_pt_test_protect_after_split_reports_dirty(struct kunit *test)
{
	struct pt_fixture *f = fixture_of(test);
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, VSVM_PTE_WRITE, &st);
	KUNIT_ASSERT_TRUE(test, vsvm_pt_touch(pt, BASE + SZ_1M, true, NULL));
	KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + 1, GFP_KERNEL), 0);
	vsvm_pt_zap(pt, BASE, BASE + SZ_4K, &st);
	KUNIT_EXPECT_EQ(test, st.split, 1);
	/* The zapped page reports its DIRTY; the other 511 keep theirs. */
	KUNIT_EXPECT_EQ(test, f->dirty_reports, 1);

	st = (struct vsvm_pt_stats){};
	KUNIT_EXPECT_EQ(test, vsvm_pt_protect(pt, BASE, BASE + SZ_2M, &st), HUGE_PAGES - 1);
	KUNIT_EXPECT_EQ(test, st.tables_protected, 0);
	KUNIT_EXPECT_EQ(test, f->dirty_reports, HUGE_PAGES);
}

/* The gauge of live translations follows maps, 2 MiB over tables and zaps. */
static void vsvm_pt_test_live(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};

	map(test, BASE, PFN, 0, 0, &st);
	map(test, BASE, PFN + 1, 0, 0, &st);		/* replaced: still one */
	map(test, BASE + SZ_4K, PFN + 1, 0, 0, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), 2);
	map(test, BASE, PFN, VSVM_PT_HUGE_ORDER, 0, &st);	/* over the table */
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), HUGE_PAGES);
	map(test, BASE + 3 * SZ_4K, PFN + 3, 0, 0, &st);	/* split */
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), HUGE_PAGES);
	vsvm_pt_zap(pt, BASE + SZ_4K, BASE + 3 * SZ_4K, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), HUGE_PAGES - 2);
	vsvm_pt_zap(pt, 0, TOP, &st);
	KUNIT_EXPECT_EQ(test, vsvm_pt_live(pt), 0);
}

/*
 * The random test compares the table with a model of 2048 pages, 4 MiB on
 * each side of a 1 GiB boundary (so across two level-1 tables).
 */
#define MODEL_PAGES	2048
#define MODEL_BASE	(BASE + SZ_1G - SZ_4M)
#define MODEL_OPS	1000

struct model_page {
	unsigned long pfn;
	unsigned int order;
	bool mapped;
	bool writable;
};

/* The 2 MiB leaf holding @page becomes 512 4 KiB leaves. */
static void model_split(struct model_page *m, unsigned int page)
{
	unsigned int first = round_down(page, HUGE_PAGES), i;

	if (m[page].mapped && m[page].order)
		for (i = first; i < first + HUGE_PAGES; i++)
			m[i].order = 0;
}

static void model_zap(struct model_page *m, unsigned int first,
		      unsigned int end)
{
	unsigned int i;

	/* A leaf cut at either end of the range is split (the reserve has pages). */
	if (!IS_ALIGNED(first, HUGE_PAGES))
		model_split(m, first);
	if (!IS_ALIGNED(end, HUGE_PAGES))
		model_split(m, end - 1);
	for (i = first; i < end; i++)
		m[i].mapped = false;
}

static void model_protect(struct model_page *m, unsigned int first,
			  unsigned int end)
{
	unsigned int i, j;

	for (i = first; i < end; i++) {
		if (!m[i].mapped)
			continue;
		if (!m[i].order) {
			m[i].writable = false;
			continue;
		}
		/* The whole 2 MiB leaf, also outside the range. */
		for (j = round_down(i, HUGE_PAGES);
		     j < round_down(i, HUGE_PAGES) + HUGE_PAGES; j++)
			m[j].writable = false;
	}
}

static void expect_model(struct kunit *test, const struct model_page *m,
			 unsigned int op)
{
	struct vsvm_pt_entry e;
	unsigned int i;

	for (i = 0; i < MODEL_PAGES; i++) {
		bool mapped = vsvm_pt_lookup(pt_of(test),
					     MODEL_BASE + i * SZ_4K, &e);

		KUNIT_ASSERT_EQ_MSG(test, mapped, m[i].mapped,
				    "page %u after op %u", i, op);
		if (!mapped)
			continue;
		KUNIT_ASSERT_EQ_MSG(test, e.pfn, m[i].pfn, "page %u after op %u",
				    i, op);
		KUNIT_ASSERT_EQ_MSG(test, e.order, m[i].order,
				    "page %u after op %u", i, op);
		KUNIT_ASSERT_EQ_MSG(test, e.writable, m[i].writable,
				    "page %u after op %u", i, op);
	}
}

static void vsvm_pt_test_random_vs_model(struct kunit *test)
{
	struct vsvm_pt *pt = pt_of(test);
	struct vsvm_pt_stats st = {};
	struct model_page *m;
	unsigned long *entries;
	struct rnd_state rnd;
	unsigned int op, i;

	m = kunit_kcalloc(test, MODEL_PAGES, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	entries = alloc_entries(test, MODEL_PAGES);
	prandom_seed_state(&rnd, 0x5653564d);

	for (op = 0; op < MODEL_OPS; op++) {
		unsigned int kind = prandom_u32_state(&rnd) % 10;
		unsigned int page = prandom_u32_state(&rnd) % MODEL_PAGES;
		unsigned int end = min(page + 1 + prandom_u32_state(&rnd) % 1100,
				       MODEL_PAGES);
		bool writable = prandom_u32_state(&rnd) & 1;
		u64 flags = writable ? VSVM_PTE_WRITE : 0;
		unsigned long pfn;

		switch (kind) {
		case 0 ... 2:
			pfn = prandom_u32_state(&rnd) % BIT(30);
			map(test, MODEL_BASE + page * SZ_4K, pfn, 0, flags, &st);
			model_split(m, page);
			m[page] = (struct model_page){ pfn, 0, true, writable };
			break;
		case 3 ... 4:
			page = round_down(page, HUGE_PAGES);
			pfn = (prandom_u32_state(&rnd) % BIT(20)) * HUGE_PAGES;
			map(test, MODEL_BASE + page * SZ_4K, pfn,
			    VSVM_PT_HUGE_ORDER, flags, &st);
			for (i = 0; i < HUGE_PAGES; i++)
				m[page + i] = (struct model_page){
					pfn + i, VSVM_PT_HUGE_ORDER, true,
					writable };
			break;
		case 5 ... 6:
			/* A zap splits at most two leaves: have pages for them. */
			KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, BASE, BASE + 1,
							      GFP_KERNEL), 0);
			vsvm_pt_zap(pt, MODEL_BASE + page * SZ_4K,
				    MODEL_BASE + end * SZ_4K, &st);
			model_zap(m, page, end);
			break;
		case 7:
			vsvm_pt_protect(pt, MODEL_BASE + page * SZ_4K,
					MODEL_BASE + end * SZ_4K, &st);
			model_protect(m, page, end);
			break;
		case 8:
			/* The device writes: allowed exactly where the model is writable. */
			KUNIT_EXPECT_EQ_MSG(test, vsvm_pt_touch(pt, MODEL_BASE + page * SZ_4K,
								true, NULL),
					    m[page].mapped && m[page].writable,
					    "op %u: write to page %u", op, page);
			break;
		default:
			/* A fault's commit: a run of pages, some left alone. */
			for (i = page; i < end; i++) {
				entries[i - page] = 0;
				if (prandom_u32_state(&rnd) % 4 == 0)
					continue;
				writable = prandom_u32_state(&rnd) & 1;
				pfn = prandom_u32_state(&rnd) % BIT(30);
				entries[i - page] = pfn | E_PRESENT | (writable ? E_WRITE : 0);
				model_split(m, i);
				m[i] = (struct model_page){ pfn, 0, true, writable };
			}
			KUNIT_ASSERT_EQ(test, vsvm_pt_reserve(pt, MODEL_BASE + page * SZ_4K,
							      MODEL_BASE + end * SZ_4K,
							      GFP_KERNEL), 0);
			KUNIT_ASSERT_EQ(test, vsvm_pt_map_pages(pt, MODEL_BASE + page * SZ_4K,
								end - page, test_pages(entries),
								&st), 0);
			break;
		}
		expect_model(test, m, op);
	}
	KUNIT_EXPECT_EQ(test, st.huge_zapped_whole, 0);
	KUNIT_EXPECT_GT(test, st.split, 0);
	KUNIT_EXPECT_GT(test, st.tables_protected, 0);
	KUNIT_EXPECT_GT(test, st.unchanged + st.mapped, 0);

	vsvm_pt_zap(pt, MODEL_BASE, MODEL_BASE + MODEL_PAGES * SZ_4K, &st);
	expect_tables(test, 1);
	KUNIT_EXPECT_EQ(test, st.tables_alloc, st.tables_freed);
}

static struct kunit_case vsvm_pt_test_cases[] = {
	KUNIT_CASE(vsvm_pt_test_empty),
	KUNIT_CASE(vsvm_pt_test_map_4k),
	KUNIT_CASE(vsvm_pt_test_map_2m),
	KUNIT_CASE(vsvm_pt_test_map_bad_args),
	KUNIT_CASE(vsvm_pt_test_va_bits),
	KUNIT_CASE(vsvm_pt_test_remap_overwrites),
	KUNIT_CASE(vsvm_pt_test_remap_keeps_dirty),
	KUNIT_CASE(vsvm_pt_test_map_2m_merges_dirty),
	KUNIT_CASE(vsvm_pt_test_clear_young),
	KUNIT_CASE(vsvm_pt_test_young_map),
	KUNIT_CASE(vsvm_pt_test_next_leaf),
	KUNIT_CASE(vsvm_pt_test_zap_exact),
	KUNIT_CASE(vsvm_pt_test_zap_unaligned),
	KUNIT_CASE(vsvm_pt_test_zap_filtered),
	KUNIT_CASE(vsvm_pt_test_zap_whole_2m),
	KUNIT_CASE(vsvm_pt_test_zap_split_2m),
	KUNIT_CASE(vsvm_pt_test_zap_split_no_reserve),
	KUNIT_CASE(vsvm_pt_test_zap_frees_tables),
	KUNIT_CASE(vsvm_pt_test_protect),
	KUNIT_CASE(vsvm_pt_test_map_2m_replaces_table),
	KUNIT_CASE(vsvm_pt_test_map_4k_in_2m),
	KUNIT_CASE(vsvm_pt_test_reserve_exhausted),
	KUNIT_CASE(vsvm_pt_test_reserve_sizing),
	KUNIT_CASE(vsvm_pt_test_accessed_dirty),
	KUNIT_CASE(vsvm_pt_test_map_pages_batched),
	KUNIT_CASE(vsvm_pt_test_map_pages_unchanged),
	KUNIT_CASE(vsvm_pt_test_map_pages_reserve),
	KUNIT_CASE(vsvm_pt_test_live),
	KUNIT_CASE(vsvm_pt_test_protect_table_whole),
	KUNIT_CASE(vsvm_pt_test_protect_after_split_reports_dirty),
	KUNIT_CASE(vsvm_pt_test_random_vs_model),
	{}
};

static struct kunit_suite vsvm_pt_test_suite = {
	.name = "vsvm-pt",
	.init = vsvm_pt_suite_init,
	.exit = vsvm_pt_suite_exit,
	.test_cases = vsvm_pt_test_cases,
};

kunit_test_suite(vsvm_pt_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
