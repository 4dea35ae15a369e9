// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vsvm's per-engine TLB.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sizes.h>

#include "vsvm_tlb.h"

#define BASE		0x7f0000000000ull	/* 2 MiB aligned */
#define PFN		0x2468a00ul		/* 512-page aligned */
#define HUGE_ORDER	9

static struct vsvm_tlb *tlb_of(struct kunit *test)
{
	return test->priv;
}

/* Every case starts from a 64-entry, 4-way TLB unless it resizes it. */
static int vsvm_tlb_suite_init(struct kunit *test)
{
	struct vsvm_tlb *tlb = kunit_kzalloc(test, sizeof(*tlb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tlb);
	KUNIT_ASSERT_EQ(test, vsvm_tlb_init(tlb, 64, 4), 0);
	test->priv = tlb;
	return 0;
}

static void vsvm_tlb_suite_exit(struct kunit *test)
{
	vsvm_tlb_fini(tlb_of(test));
}

static void expect_hit(struct kunit *test, u64 va, bool write,
		       unsigned long pfn, unsigned int order)
{
	struct vsvm_tlb_result r = {};

	KUNIT_ASSERT_TRUE_MSG(test, vsvm_tlb_lookup(tlb_of(test), va, write, &r),
			      "va %llx missed", va);
	KUNIT_EXPECT_EQ_MSG(test, r.pfn, pfn, "va %llx", va);
	KUNIT_EXPECT_EQ_MSG(test, r.order, order, "va %llx", va);
}

static void expect_miss(struct kunit *test, u64 va, bool write)
{
	struct vsvm_tlb_result r;

	KUNIT_EXPECT_FALSE_MSG(test, vsvm_tlb_lookup(tlb_of(test), va, write, &r),
			       "va %llx hit", va);
}

static void vsvm_tlb_test_bad_geometry(struct kunit *test)
{
	static const unsigned int bad[][2] = {
		{ 0, 1 }, { 3, 1 }, { 64, 0 }, { 64, 3 }, { 4, 8 },
		{ 64, VSVM_TLB_MAX_WAYS * 2 },
		{ VSVM_TLB_MAX_ENTRIES * 2, 4 },
	};
	struct vsvm_tlb *tlb = tlb_of(test);
	unsigned int i;

	vsvm_tlb_insert(tlb, BASE, PFN, 0, true);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, vsvm_tlb_resize(tlb, bad[i][0],
							  bad[i][1]),
				    -EINVAL, "%u entries, %u ways", bad[i][0],
				    bad[i][1]);
	/* A rejected geometry leaves the TLB as it was. */
	KUNIT_EXPECT_EQ(test, tlb->nr_sets, 16);
	KUNIT_EXPECT_EQ(test, tlb->ways, 4);
	expect_hit(test, BASE, true, PFN, 0);

	/* Direct-mapped, fully associative, and a single entry are fine. */
	KUNIT_EXPECT_EQ(test, vsvm_tlb_resize(tlb, 64, 1), 0);
	KUNIT_EXPECT_EQ(test, vsvm_tlb_resize(tlb, 16, 16), 0);
	KUNIT_EXPECT_EQ(test, tlb->nr_sets, 1);
	KUNIT_EXPECT_EQ(test, vsvm_tlb_resize(tlb, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, vsvm_tlb_resize(tlb, VSVM_TLB_MAX_ENTRIES,
					      VSVM_TLB_MAX_WAYS), 0);
}

static void vsvm_tlb_test_hit_miss_4k(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	struct vsvm_tlb_result r;

	expect_miss(test, BASE, false);
	vsvm_tlb_insert(tlb, BASE + 0x10, PFN, 0, false);
	expect_hit(test, BASE, false, PFN, 0);
	KUNIT_ASSERT_TRUE(test, vsvm_tlb_lookup(tlb, BASE + SZ_4K - 1, false,
						&r));
	KUNIT_EXPECT_EQ(test, r.pfn, PFN);
	KUNIT_EXPECT_FALSE(test, r.writable);
	expect_miss(test, BASE + SZ_4K, false);
	expect_miss(test, BASE - 1, false);

	KUNIT_EXPECT_EQ(test, tlb->stats.hits, 2);
	KUNIT_EXPECT_EQ(test, tlb->stats.misses, 3);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 0);
}

static void vsvm_tlb_test_hit_2m(struct kunit *test)
{
	u64 va = BASE + SZ_2M;

	/* Inserted from a walk of its fourth page: the TLB keeps the base. */
	vsvm_tlb_insert(tlb_of(test), va + 3 * SZ_4K + 8, PFN + 3, HUGE_ORDER,
			true);
	expect_hit(test, va, false, PFN, HUGE_ORDER);
	expect_hit(test, va + SZ_4K, true, PFN + 1, HUGE_ORDER);
	expect_hit(test, va + SZ_2M - 1, true, PFN + 511, HUGE_ORDER);
	expect_miss(test, va - 1, false);
	expect_miss(test, va + SZ_2M, false);
}

static void vsvm_tlb_test_write_permission(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	struct vsvm_tlb_result r;

	vsvm_tlb_insert(tlb, BASE, PFN, 0, false);
	vsvm_tlb_insert(tlb, BASE + SZ_2M, PFN, HUGE_ORDER, false);
	expect_hit(test, BASE, false, PFN, 0);
	expect_miss(test, BASE, true);
	expect_miss(test, BASE + SZ_2M + SZ_4K, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.misses, 2);

	/* The walk for the write upgrades the same entry in place. */
	vsvm_tlb_insert(tlb, BASE, PFN, 0, true);
	KUNIT_ASSERT_TRUE(test, vsvm_tlb_lookup(tlb, BASE, true, &r));
	KUNIT_EXPECT_TRUE(test, r.writable);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 0);
}

static void vsvm_tlb_test_invalidate_4k(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	unsigned int i;

	for (i = 0; i < 8; i++)
		vsvm_tlb_insert(tlb, BASE + i * SZ_4K, PFN + i, 0, true);

	vsvm_tlb_invalidate_range(tlb, BASE + 2 * SZ_4K, BASE + 5 * SZ_4K);
	for (i = 0; i < 8; i++) {
		if (i >= 2 && i < 5)
			expect_miss(test, BASE + i * SZ_4K, false);
		else
			expect_hit(test, BASE + i * SZ_4K, false, PFN + i, 0);
	}
	KUNIT_EXPECT_EQ(test, tlb->stats.invalidated, 3);
	KUNIT_EXPECT_EQ(test, tlb->stats.range_invalidations, 1);

	/* One byte, the last of page 5, removes page 5 only. */
	vsvm_tlb_invalidate_range(tlb, BASE + 6 * SZ_4K - 1, BASE + 6 * SZ_4K);
	expect_miss(test, BASE + 5 * SZ_4K, false);
	expect_hit(test, BASE + 6 * SZ_4K, false, PFN + 6, 0);
	expect_hit(test, BASE + SZ_4K, false, PFN + 1, 0);
	KUNIT_EXPECT_EQ(test, tlb->stats.invalidated, 4);

	/* An empty range is no invalidation. */
	vsvm_tlb_invalidate_range(tlb, BASE, BASE);
	vsvm_tlb_invalidate_range(tlb, BASE + SZ_4K, BASE);
	expect_hit(test, BASE, false, PFN, 0);
	KUNIT_EXPECT_EQ(test, tlb->stats.range_invalidations, 2);
}

static void vsvm_tlb_test_invalidate_2m(struct kunit *test)
{
	static const struct {
		u64 start, end;
	} overlapping[] = {
		{ BASE + SZ_2M + 7 * SZ_4K, BASE + SZ_2M + 8 * SZ_4K },
		{ BASE + SZ_4M - 1, BASE + SZ_4M },
		{ BASE + SZ_2M - 1, BASE + SZ_2M + 1 },
		{ 0, BASE + SZ_2M + 1 },
		{ BASE, U64_MAX },
	};
	struct vsvm_tlb *tlb = tlb_of(test);
	u64 huge = BASE + SZ_2M;
	unsigned int i;

	vsvm_tlb_insert(tlb, huge, PFN, HUGE_ORDER, true);
	vsvm_tlb_insert(tlb, huge - SZ_4K, 1, 0, true);
	vsvm_tlb_insert(tlb, huge + SZ_2M, 2, 0, true);

	/* Ranges that end at or start after the 2 MiB page leave it. */
	vsvm_tlb_invalidate_range(tlb, huge - SZ_4K, huge);
	expect_miss(test, huge - SZ_4K, false);
	expect_hit(test, huge, false, PFN, HUGE_ORDER);
	vsvm_tlb_invalidate_range(tlb, huge + SZ_2M, huge + SZ_2M + SZ_4K);
	expect_miss(test, huge + SZ_2M, false);
	expect_hit(test, huge + SZ_2M - 1, false, PFN + 511, HUGE_ORDER);
	KUNIT_EXPECT_EQ(test, tlb->stats.invalidated, 2);

	/* Any overlap, even one byte at either end, removes it whole. */
	for (i = 0; i < ARRAY_SIZE(overlapping); i++) {
		vsvm_tlb_insert(tlb, huge, PFN, HUGE_ORDER, true);
		vsvm_tlb_invalidate_range(tlb, overlapping[i].start,
					  overlapping[i].end);
		KUNIT_EXPECT_EQ_MSG(test, tlb->stats.invalidated, 3 + i,
				    "range %llx-%llx", overlapping[i].start,
				    overlapping[i].end);
		expect_miss(test, huge, false);
		expect_miss(test, huge + SZ_2M - 1, false);
	}
}

static void vsvm_tlb_test_evict_direct_mapped(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);

	/* Four sets of one way: pages 0 and 4 share set 0. */
	KUNIT_ASSERT_EQ(test, vsvm_tlb_resize(tlb, 4, 1), 0);
	vsvm_tlb_insert(tlb, BASE, PFN, 0, true);
	vsvm_tlb_insert(tlb, BASE + SZ_4K, PFN + 1, 0, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 0);
	vsvm_tlb_insert(tlb, BASE + 4 * SZ_4K, PFN + 4, 0, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 1);
	expect_miss(test, BASE, false);
	expect_hit(test, BASE + 4 * SZ_4K, false, PFN + 4, 0);
	expect_hit(test, BASE + SZ_4K, false, PFN + 1, 0);

	/* A 2 MiB page is indexed by its 2 MiB page number: set 0 here. */
	vsvm_tlb_insert(tlb, BASE, PFN, HUGE_ORDER, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 2);
	expect_hit(test, BASE + 4 * SZ_4K, false, PFN + 4, HUGE_ORDER);
	expect_hit(test, BASE + SZ_4K, false, PFN + 1, 0);
}

static void vsvm_tlb_test_evict_lru(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	unsigned int i;

	/* Two sets of four ways: even pages share set 0. */
	KUNIT_ASSERT_EQ(test, vsvm_tlb_resize(tlb, 8, 4), 0);
	for (i = 0; i < 8; i += 2)
		vsvm_tlb_insert(tlb, BASE + i * SZ_4K, PFN + i, 0, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 0);

	/* Page 0 was inserted first but used last: page 2 is the LRU. */
	expect_hit(test, BASE, false, PFN, 0);
	vsvm_tlb_insert(tlb, BASE + 8 * SZ_4K, PFN + 8, 0, true);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 1);
	expect_miss(test, BASE + 2 * SZ_4K, false);
	for (i = 0; i <= 8; i += 2)
		if (i != 2)
			expect_hit(test, BASE + i * SZ_4K, false, PFN + i, 0);

	/* Refreshing an entry is not an eviction. */
	vsvm_tlb_insert(tlb, BASE + 4 * SZ_4K, PFN + 40, 0, false);
	KUNIT_EXPECT_EQ(test, tlb->stats.evictions, 1);
	expect_hit(test, BASE + 4 * SZ_4K, false, PFN + 40, 0);
}

static void vsvm_tlb_test_flush_all(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	unsigned int i;

	for (i = 0; i < 32; i++)
		vsvm_tlb_insert(tlb, BASE + i * SZ_4K, PFN + i, 0, true);
	vsvm_tlb_insert(tlb, BASE + SZ_2M, PFN, HUGE_ORDER, true);
	vsvm_tlb_flush_all(tlb);
	for (i = 0; i < 32; i++)
		expect_miss(test, BASE + i * SZ_4K, false);
	expect_miss(test, BASE + SZ_2M, false);
	KUNIT_EXPECT_EQ(test, tlb->stats.flushes, 1);
	KUNIT_EXPECT_EQ(test, tlb->stats.misses, 33);
	KUNIT_EXPECT_EQ(test, tlb->stats.hits, 0);
}

static void vsvm_tlb_test_resize(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);

	vsvm_tlb_insert(tlb, BASE, PFN, 0, true);
	expect_hit(test, BASE, false, PFN, 0);
	KUNIT_ASSERT_EQ(test, vsvm_tlb_resize(tlb, 16, 2), 0);
	KUNIT_EXPECT_EQ(test, tlb->nr_sets, 8);
	KUNIT_EXPECT_EQ(test, tlb->ways, 2);
	/* Translations are dropped, counters kept. */
	expect_miss(test, BASE, false);
	KUNIT_EXPECT_EQ(test, tlb->stats.hits, 1);
	vsvm_tlb_insert(tlb, BASE, PFN, 0, true);
	expect_hit(test, BASE, false, PFN, 0);
}

/*
 * Random inserts and invalidations over 4096 pages (16 MiB) against a model of
 * which pages the TLB may still translate. Every page always translates to
 * the same frame, as in a table that never changes, so a hit must give that
 * frame, and a page invalidated since its last insert must miss.
 */
#define MODEL_PAGES	4096
#define MODEL_OPS	2000

static unsigned long model_pfn(unsigned int page)
{
	return PFN + page;
}

static void vsvm_tlb_test_random_coherent(struct kunit *test)
{
	struct vsvm_tlb *tlb = tlb_of(test);
	struct vsvm_tlb_result r;
	struct rnd_state rnd;
	unsigned int op, i;
	bool *cached;

	cached = kunit_kcalloc(test, MODEL_PAGES, sizeof(*cached), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cached);
	prandom_seed_state(&rnd, 0x544c42);

	for (op = 0; op < MODEL_OPS; op++) {
		unsigned int page = prandom_u32_state(&rnd) % MODEL_PAGES;
		unsigned int kind = prandom_u32_state(&rnd) % 8;
		unsigned int end;

		if (kind < 5) {
			vsvm_tlb_insert(tlb, BASE + page * SZ_4K,
					model_pfn(page), 0, true);
			cached[page] = true;
		} else if (kind < 6) {
			vsvm_tlb_insert(tlb, BASE + page * SZ_4K,
					model_pfn(page), HUGE_ORDER, true);
			page = round_down(page, 512);
			for (i = page; i < page + 512; i++)
				cached[i] = true;
		} else {
			/* Byte ranges, so that the ends cut pages. */
			u64 start = BASE + page * SZ_4K +
				prandom_u32_state(&rnd) % SZ_4K;
			u64 len = 1 + prandom_u32_state(&rnd) % SZ_4M;

			vsvm_tlb_invalidate_range(tlb, start, start + len);
			end = min_t(u64, MODEL_PAGES,
				    DIV_ROUND_UP(start + len - BASE, SZ_4K));
			for (i = page; i < end; i++)
				cached[i] = false;
		}

		for (i = 0; i < MODEL_PAGES; i += 1 + op % 7) {
			if (!vsvm_tlb_lookup(tlb, BASE + i * SZ_4K, false, &r))
				continue;
			KUNIT_ASSERT_TRUE_MSG(test, cached[i],
					      "stale hit, page %u op %u", i, op);
			KUNIT_ASSERT_EQ_MSG(test, r.pfn, model_pfn(i),
					    "page %u op %u", i, op);
		}
	}
	KUNIT_EXPECT_GT(test, tlb->stats.evictions, 0);
	KUNIT_EXPECT_GT(test, tlb->stats.hits, 0);
}

static struct kunit_case vsvm_tlb_test_cases[] = {
	KUNIT_CASE(vsvm_tlb_test_bad_geometry),
	KUNIT_CASE(vsvm_tlb_test_hit_miss_4k),
	KUNIT_CASE(vsvm_tlb_test_hit_2m),
	KUNIT_CASE(vsvm_tlb_test_write_permission),
	KUNIT_CASE(vsvm_tlb_test_invalidate_4k),
	KUNIT_CASE(vsvm_tlb_test_invalidate_2m),
	KUNIT_CASE(vsvm_tlb_test_evict_direct_mapped),
	KUNIT_CASE(vsvm_tlb_test_evict_lru),
	KUNIT_CASE(vsvm_tlb_test_flush_all),
	KUNIT_CASE(vsvm_tlb_test_resize),
	KUNIT_CASE(vsvm_tlb_test_random_coherent),
	{}
};

static struct kunit_suite vsvm_tlb_test_suite = {
	.name = "vsvm-tlb",
	.init = vsvm_tlb_suite_init,
	.exit = vsvm_tlb_suite_exit,
	.test_cases = vsvm_tlb_test_cases,
};

kunit_test_suite(vsvm_tlb_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
