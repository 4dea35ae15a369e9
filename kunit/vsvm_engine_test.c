// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the copy engine's pure helpers: run merging, FILL's
 * pattern writer and CHECKSUM's hash.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "vsvm_engine.h"

#define BOTH	(VSVM_COPY_RUN_SRC | VSVM_COPY_RUN_DST)
#define BACK	VSVM_COPY_RUN_BACKWARDS
#define SRC0	0x10000000ull
#define DST0	0x20000000ull

static struct vsvm_copy_run piece(phys_addr_t src, phys_addr_t dst, size_t len)
{
	return (struct vsvm_copy_run){ .src = src, .dst = dst, .len = len };
}

static void expect_run(struct kunit *test, const struct vsvm_copy_run *run,
		       phys_addr_t src, phys_addr_t dst, size_t len)
{
	KUNIT_EXPECT_EQ(test, (u64)run->src, (u64)src);
	KUNIT_EXPECT_EQ(test, (u64)run->dst, (u64)dst);
	KUNIT_EXPECT_EQ(test, run->len, len);
}

/* Forward pieces contiguous in both operands form one run; a gap in either ends it. */
static void vsvm_engine_test_run_forward(struct kunit *test)
{
	struct vsvm_copy_run run = {}, p;

	p = piece(SRC0 + 0x800, DST0 + 0x100, 0x800);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0 + 0x800, DST0 + 0x100, 0x800);
	p = piece(SRC0 + 0x1000, DST0 + 0x900, 0x700);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0 + 0x800, DST0 + 0x100, 0xf00);

	/* The next source frame is elsewhere: the run stays as it is. */
	p = piece(SRC0 + 0x5000 + 0x700, DST0 + 0x1000, 0x100);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0 + 0x800, DST0 + 0x100, 0xf00);
	/* So does a destination gap, even one byte. */
	p = piece(SRC0 + 0x1700, DST0 + 0x1001, 0x100);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH));
	/* A piece before the run does not join a forward walk. */
	p = piece(SRC0, DST0 - 0x700, 0x800);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0 + 0x800, DST0 + 0x100, 0xf00);
}

/* FILL has no source and CHECKSUM no destination: only their operand counts. */
static void vsvm_engine_test_run_one_operand(struct kunit *test)
{
	struct vsvm_copy_run run = {}, p;

	p = piece(0, DST0, SZ_4K);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_DST));
	p = piece(12345, DST0 + SZ_4K, SZ_4K);
	KUNIT_EXPECT_TRUE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_DST));
	KUNIT_EXPECT_EQ(test, run.len, (size_t)SZ_8K);
	p = piece(0, DST0 + SZ_16K, SZ_4K);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_DST));

	run = (struct vsvm_copy_run){};
	p = piece(SRC0, 0, SZ_4K);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_SRC));
	p = piece(SRC0 + SZ_4K, 777, 100);
	KUNIT_EXPECT_TRUE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_SRC));
	expect_run(test, &run, SRC0, 0, SZ_4K + 100);
	p = piece(SRC0 + SZ_4K + 101, 0, 100);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, VSVM_COPY_RUN_SRC));
}

/* A backwards walk grows its run downwards. */
static void vsvm_engine_test_run_backwards(struct kunit *test)
{
	struct vsvm_copy_run run = {}, p;

	p = piece(SRC0 + SZ_8K, SRC0 + SZ_8K + 0x300, 0x300);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH | BACK));
	p = piece(SRC0 + SZ_8K - 0xd00, SRC0 + SZ_8K - 0xa00, 0xd00);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH | BACK));
	expect_run(test, &run, SRC0 + SZ_8K - 0xd00, SRC0 + SZ_8K - 0xa00, 0x1000);
	/* The piece after the run in address order does not join. */
	p = piece(SRC0 + SZ_8K + 0x300, SRC0 + SZ_8K + 0x600, 0x100);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH | BACK));
	expect_run(test, &run, SRC0 + SZ_8K - 0xd00, SRC0 + SZ_8K - 0xa00, 0x1000);
}

/*
 * One memmove() of a run must equal its pieces copied in walk order: a run
 * whose frames overlap with the destination ahead of the walk (memory seen at
 * two device addresses) is not extended, whatever its contiguity.
 */
static void vsvm_engine_test_run_overlap(struct kunit *test)
{
	struct vsvm_copy_run run = {}, p;

	/* Forward, destination below the source: safe to merge. */
	p = piece(SRC0 + 0x100, SRC0, 0x800);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	p = piece(SRC0 + 0x900, SRC0 + 0x800, 0x800);
	KUNIT_EXPECT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));

	/*
	 * Forward, destination inside the source: piece 2 would read what
	 * piece 1 wrote, which one memmove() would not.
	 */
	run = (struct vsvm_copy_run){};
	p = piece(SRC0, SRC0 + 0x40, 0x80);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	p = piece(SRC0 + 0x80, SRC0 + 0xc0, 0x80);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0, SRC0 + 0x40, 0x80);
	/* Destination above, but past the end of the merged source: merged. */
	run = (struct vsvm_copy_run){};
	p = piece(SRC0, SRC0 + 0x100, 0x80);
	KUNIT_ASSERT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	p = piece(SRC0 + 0x80, SRC0 + 0x180, 0x80);
	KUNIT_EXPECT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH));
	expect_run(test, &run, SRC0, SRC0 + 0x100, 0x100);
	/* One piece more and the merged source would reach the destination. */
	p = piece(SRC0 + 0x100, SRC0 + 0x200, 0x80);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH));

	/* Backwards, destination above the source: safe. */
	run = piece(SRC0 + 0x800, SRC0 + 0x900, 0x800);
	p = piece(SRC0, SRC0 + 0x100, 0x800);
	KUNIT_EXPECT_TRUE(test, vsvm_copy_run_add(&run, &p, BOTH | BACK));
	/* Backwards, destination below the source and overlapping: kept apart. */
	run = piece(SRC0 + 0x900, SRC0 + 0x800, 0x800);
	p = piece(SRC0 + 0x100, SRC0, 0x800);
	KUNIT_EXPECT_FALSE(test, vsvm_copy_run_add(&run, &p, BOTH | BACK));
	expect_run(test, &run, SRC0 + 0x900, SRC0 + 0x800, 0x800);
}

/* What FILL writes at offset @i of its destination: byte i % 8 of @value, little-endian. */
static u8 fill_byte(u64 value, u64 i)
{
	return value >> (8 * (i % 8));
}

/*
 * One vsvm_copy_fill() of @len bytes at @align past an 8-byte boundary, for a
 * destination offset of @off: true if it wrote the defined bytes and left
 * the bytes around them alone.
 */
static bool fill_ok(u8 *buf, size_t size, const u8 *pattern, u64 value, size_t len,
		    unsigned int align, unsigned int off)
{
	u8 *p = buf + 16 + align;
	size_t i;

	memset(buf, 0x5a, size);
	vsvm_copy_fill(p, len, pattern, value, off);
	for (i = 0; i < len; i++)
		if (p[i] != fill_byte(value, off + i))
			return false;
	for (i = 0; buf + i < p; i++)
		if (buf[i] != 0x5a)
			return false;
	for (i = 16 + align + len; i < size; i++)
		if (buf[i] != 0x5a)
			return false;
	return true;
}

/* fill_ok() without and with the pattern page; a failure names the case. */
static void fill_case(struct kunit *test, u8 *buf, size_t size, const u8 *pattern, u64 value,
		      size_t len, unsigned int align, unsigned int off)
{
	KUNIT_EXPECT_TRUE_MSG(test, fill_ok(buf, size, NULL, value, len, align, off),
			      "value %llx len %zu align %u offset %u", value, len, align, off);
	KUNIT_EXPECT_TRUE_MSG(test, fill_ok(buf, size, pattern, value, len, align, off),
			      "with the page: value %llx len %zu align %u offset %u", value, len,
			      align, off);
}

/*
 * vsvm_copy_fill() against the byte-by-byte definition, with and without a
 * pattern page: every start offset in the pattern, every alignment of the
 * pointer, lengths around a word and around the page-sized copies.
 */
static void vsvm_engine_test_fill(struct kunit *test)
{
	static const u64 values[] = { 0x0123456789abcdefull, 0xa5a5a5a5a5a5a5a5ull, 0,
				      0xff000000000000ffull, 0x00000000000000a5ull };
	static const size_t lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 4087, 4088,
				       4089, 4095, 4096, 4097, 3 * SZ_4K + 5, 5 * SZ_4K };
	const size_t size = 5 * SZ_4K + 64;
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *pattern = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int v, l, align, off;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, pattern);
	for (v = 0; v < ARRAY_SIZE(values); v++) {
		vsvm_copy_fill(pattern, PAGE_SIZE, NULL, values[v], 0);
		for (i = 0; i < PAGE_SIZE; i++)
			KUNIT_ASSERT_EQ(test, pattern[i], fill_byte(values[v], i));
		for (l = 0; l < ARRAY_SIZE(lens); l++)
			for (align = 0; align < 8; align++)
				for (off = 0; off < 16; off += 3)
					fill_case(test, buf, size, pattern, values[v], lens[l],
						  align, off);
	}
}

/* FNV-1a 64 of its published test strings, whole and split across calls. */
static void vsvm_engine_test_fnv1a(struct kunit *test)
{
	const u8 *foobar = (const u8 *)"foobar";
	unsigned int cut;

	KUNIT_EXPECT_EQ(test, vsvm_copy_fnv1a(VSVM_FNV64_OFFSET, foobar, 0),
			0xcbf29ce484222325ull);
	KUNIT_EXPECT_EQ(test, vsvm_copy_fnv1a(VSVM_FNV64_OFFSET, (const u8 *)"a", 1),
			0xaf63dc4c8601ec8cull);
	for (cut = 0; cut <= 6; cut++)
		KUNIT_EXPECT_EQ(test,
				vsvm_copy_fnv1a(vsvm_copy_fnv1a(VSVM_FNV64_OFFSET, foobar, cut),
						foobar + cut, 6 - cut),
				0x85944171f73967e8ull);
}

static struct kunit_case vsvm_engine_test_cases[] = {
	KUNIT_CASE(vsvm_engine_test_run_forward),
	KUNIT_CASE(vsvm_engine_test_run_one_operand),
	KUNIT_CASE(vsvm_engine_test_run_backwards),
	KUNIT_CASE(vsvm_engine_test_run_overlap),
	KUNIT_CASE(vsvm_engine_test_fill),
	KUNIT_CASE(vsvm_engine_test_fnv1a),
	{}
};

static struct kunit_suite vsvm_engine_test_suite = {
	.name = "vsvm-engine",
	.test_cases = vsvm_engine_test_cases,
};

kunit_test_suite(vsvm_engine_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
