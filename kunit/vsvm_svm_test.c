// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the mirror core's pure logic: the event policy and the
 * choice of range sizes.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "vsvm_svm.h"

static void vsvm_svm_test_policy_precise(struct kunit *test)
{
	const enum vsvm_svm_policy p = VSVM_SVM_POLICY_PRECISE;
	const enum vsvm_svm_origin f = VSVM_SVM_FOREIGN;

	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_UNMAP, f, p), VSVM_SVM_UNMAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_CLEAR, f, p), VSVM_SVM_ZAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_PROTECTION_VMA, f, p),
			VSVM_SVM_BY_VMA);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_PROTECTION_PAGE, f, p),
			VSVM_SVM_DOWNGRADE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_SOFT_DIRTY, f, p),
			VSVM_SVM_DOWNGRADE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_RELEASE, f, p),
			VSVM_SVM_RELEASE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_MIGRATE, f, p), VSVM_SVM_ZAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_EXCLUSIVE, f, p),
			VSVM_SVM_ZAP);
}

/* mprotect() and friends: readable VMAs keep read-only translations. */
static void vsvm_svm_test_vma_action(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_READ), VSVM_SVM_DOWNGRADE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_READ | VM_WRITE), VSVM_SVM_DOWNGRADE);
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_READ | VM_EXEC | VM_MAYREAD),
			VSVM_SVM_DOWNGRADE);
	/* PROT_NONE, and write- or exec-only (x86 makes those readable, but the flag rules). */
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(0), VSVM_SVM_ZAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_MAYREAD | VM_MAYWRITE), VSVM_SVM_ZAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_WRITE), VSVM_SVM_ZAP);
	KUNIT_EXPECT_EQ(test, vsvm_svm_vma_action(VM_EXEC), VSVM_SVM_ZAP);
}

/* DOC: Prefetch: the density decision. */
static void vsvm_svm_test_prefetch_region(struct kunit *test)
{
	DECLARE_BITMAP(pop, 512);
	unsigned int first = ~0u, last = ~0u, i;

	bitmap_zero(pop, 512);
	/* Off, and one fault alone (random sparse access): nothing. */
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, 5, 0, -1, &first, &last));
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, 5, 50, -1, &first, &last));
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, 5, 1, -1, &first, &last));
	/* A second fault next to the first: the largest dense region, [4, 8). */
	__set_bit(4, pop);
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 512, 5, 50, -1, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 4);
	KUNIT_EXPECT_EQ(test, last, 8);
	/* Above 50 %, 2 of 4 no longer pass: [4, 6). */
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 512, 5, 51, -1, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 4);
	KUNIT_EXPECT_EQ(test, last, 6);
	/* The faulting page already populated counts once. */
	__set_bit(5, pop);
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 512, 5, 100, -1, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 4);
	KUNIT_EXPECT_EQ(test, last, 6);

	/* A stream: [0, 256) populated, the fault at 256 takes the whole range. */
	bitmap_zero(pop, 512);
	bitmap_set(pop, 0, 256);
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 512, 256, 50, -1, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 0);
	KUNIT_EXPECT_EQ(test, last, 512);
	/* ... but not with a stricter threshold: [256, 258) has one page of two. */
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, 256, 51, -1, &first, &last));

	/* A stream crossing from a full buddy: the whole range at its first fault. */
	bitmap_zero(pop, 512);
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 512, 0, 50, 512, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 0);
	KUNIT_EXPECT_EQ(test, last, 512);
	/* A buddy used sparsely does not. */
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, 0, 50, 100, &first, &last));

	/* Sparse faults, one in 16 pages: never dense enough. */
	bitmap_zero(pop, 512);
	for (i = 0; i < 512; i += 16)
		__set_bit(i, pop);
	for (i = 8; i < 512; i += 16)
		KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 512, i, 50, -1, &first,
								  &last));

	/* Small ranges and bad arguments. */
	bitmap_zero(pop, 512);
	__set_bit(0, pop);
	KUNIT_EXPECT_TRUE(test, vsvm_svm_prefetch_region(pop, 16, 1, 50, -1, &first, &last));
	KUNIT_EXPECT_EQ(test, first, 0);
	KUNIT_EXPECT_EQ(test, last, 4);
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 16, 16, 50, -1, &first, &last));
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 12, 1, 50, -1, &first, &last));
	KUNIT_EXPECT_FALSE(test, vsvm_svm_prefetch_region(pop, 16, 1, 101, -1, &first, &last));
}

static void vsvm_svm_test_policy_own_events(struct kunit *test)
{
	int p;

	for (p = VSVM_SVM_POLICY_PRECISE; p <= VSVM_SVM_POLICY_ZAP_ALL; p++) {
		/*
		 * A migration out of device memory drops the translations of
		 * the device pages only, one into it those of system pages only.
		 */
		KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_MIGRATE, VSVM_SVM_OWN, p),
				VSVM_SVM_ZAP_LOCAL);
		KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_MIGRATE, VSVM_SVM_OWN_IN, p),
				VSVM_SVM_ZAP_SYSTEM);
		KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_EXCLUSIVE, VSVM_SVM_OWN, p),
				VSVM_SVM_IGNORE);
		KUNIT_EXPECT_EQ(test,
				vsvm_svm_event_action(MMU_NOTIFY_EXCLUSIVE, VSVM_SVM_OWN_IN, p),
				VSVM_SVM_IGNORE);
		/* Ownership means nothing for the other events. */
		KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_CLEAR, VSVM_SVM_OWN, p),
				VSVM_SVM_ZAP);
		KUNIT_EXPECT_EQ(test, vsvm_svm_event_action(MMU_NOTIFY_UNMAP, VSVM_SVM_OWN, p),
				VSVM_SVM_UNMAP);
	}
}

static void vsvm_svm_test_policy_zap_all(struct kunit *test)
{
	const enum vsvm_svm_policy p = VSVM_SVM_POLICY_ZAP_ALL;
	int ev;

	for (ev = MMU_NOTIFY_UNMAP; ev <= MMU_NOTIFY_EXCLUSIVE; ev++) {
		enum vsvm_svm_action want = VSVM_SVM_ZAP;

		if (ev == MMU_NOTIFY_UNMAP)
			want = VSVM_SVM_UNMAP;
		else if (ev == MMU_NOTIFY_RELEASE)
			want = VSVM_SVM_RELEASE;
		KUNIT_EXPECT_EQ_MSG(test, vsvm_svm_event_action(ev, VSVM_SVM_FOREIGN, p), want,
				    "event %d", ev);
	}
}

struct busy_ranges {
	unsigned long start[4], end[4];
	int n;
};

static bool busy(void *ctx, unsigned long start, unsigned long end)
{
	struct busy_ranges *b = ctx;
	int i;

	for (i = 0; i < b->n; i++)
		if (start < b->end[i] && b->start[i] < end)
			return true;
	return false;
}

#define ALL_SIZES (SZ_2M | SZ_64K | SZ_4K)

static void vsvm_svm_test_chunk_largest_fit(struct kunit *test)
{
	/* A big VMA: 2 MiB chunk around the address. */
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  ALL_SIZES, NULL, NULL), SZ_2M);
	/* A 1 MiB VMA cannot hold a 2 MiB chunk: 64 KiB. */
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40100000, 0x40200000,
						  ALL_SIZES, NULL, NULL), SZ_64K);
	/* A VMA of a few pages, not 64 KiB aligned around the address: 4 KiB. */
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40122000, 0x40125000,
						  ALL_SIZES, NULL, NULL), SZ_4K);
}

static void vsvm_svm_test_chunk_allowed_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  SZ_64K | SZ_4K, NULL, NULL), SZ_64K);
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  SZ_4K, NULL, NULL), SZ_4K);
}

static void vsvm_svm_test_chunk_avoids_ranges(struct kunit *test)
{
	/* A 64 KiB range already in the 2 MiB block: a 64 KiB chunk beside it. */
	struct busy_ranges b = { .start = { 0x40110000 }, .end = { 0x40120000 }, .n = 1 };

	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  ALL_SIZES, busy, &b), SZ_64K);
	/* A 4 KiB range in the 64 KiB block too: 4 KiB. */
	b.start[1] = 0x40120000;
	b.end[1] = 0x40121000;
	b.n = 2;
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  ALL_SIZES, busy, &b), SZ_4K);
	/* The page itself taken: nothing fits. */
	b.start[2] = 0x40123000;
	b.end[2] = 0x40124000;
	b.n = 3;
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x40123456, 0x40000000, 0x50000000,
						  ALL_SIZES, busy, &b), 0);
}

static void vsvm_svm_test_chunk_window_edge(struct kunit *test)
{
	/* The window ends inside the 2 MiB block. */
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x401f0000, 0x40000000, 0x401f8000,
						  ALL_SIZES, NULL, NULL), SZ_4K);
	KUNIT_EXPECT_EQ(test, vsvm_svm_pick_chunk(0x401e0000, 0x40000000, 0x401f8000,
						  ALL_SIZES, NULL, NULL), SZ_64K);
}

static struct kunit_case vsvm_svm_test_cases[] = {
	KUNIT_CASE(vsvm_svm_test_policy_precise),
	KUNIT_CASE(vsvm_svm_test_vma_action),
	KUNIT_CASE(vsvm_svm_test_prefetch_region),
	KUNIT_CASE(vsvm_svm_test_policy_own_events),
	KUNIT_CASE(vsvm_svm_test_policy_zap_all),
	KUNIT_CASE(vsvm_svm_test_chunk_largest_fit),
	KUNIT_CASE(vsvm_svm_test_chunk_allowed_sizes),
	KUNIT_CASE(vsvm_svm_test_chunk_avoids_ranges),
	KUNIT_CASE(vsvm_svm_test_chunk_window_edge),
	{}
};

static struct kunit_suite vsvm_svm_test_suite = {
	.name = "vsvm-svm",
	.test_cases = vsvm_svm_test_cases,
};

kunit_test_suite(vsvm_svm_test_suite);
