/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * <kunit/test.h> for running a driver KUnit suite on the host, against the
 * emulator's build of the same driver code (umd/src/emu/shim): the subset of
 * KUnit that kunit/vsvm_isa_test.c uses. An expectation that fails prints
 * where and both values and fails its case; an assertion also ends the case.
 * kunit_test_suite() becomes main(), which runs every case (or those whose
 * name contains argv[1]) and exits 1 if any failed.
 */
#ifndef VSVM_KUNIT_HOST_TEST_H
#define VSVM_KUNIT_HOST_TEST_H

#include "../../../../src/emu/shim/vsvm_kshim.h"

#include <setjmp.h>
#include <stdio.h>

struct kunit {
	void *priv;
	const char *name;
	int failures;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(f)		{ .run_case = f, .name = #f }
#define MODULE_IMPORT_NS(ns)

/* Freed when the process ends: a suite allocates a few buffers per case. */
static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	(void)test;
	(void)gfp;
	return calloc(1, size);
}

void kunit_host_fail(struct kunit *test, const char *file, int line,
		     const char *what, unsigned long long x,
		     unsigned long long y, bool assert);

#define KUNIT_HOST_CMP(test, a, op, b, assert)				\
	do {								\
		__auto_type __x = (a);					\
		__auto_type __y = (b);					\
		if (!(__x op __y))					\
			kunit_host_fail(test, __FILE__, __LINE__,	\
					#a " " #op " " #b,		\
					(unsigned long long)__x,	\
					(unsigned long long)__y, assert); \
	} while (0)

#define KUNIT_HOST_MSG(...)						\
	do {								\
		fprintf(stderr, "    " __VA_ARGS__);			\
		fprintf(stderr, "\n");					\
	} while (0)
#define KUNIT_HOST_CMP_MSG(test, a, op, b, ...)				\
	do {								\
		int __before = (test)->failures;			\
		KUNIT_HOST_CMP(test, a, op, b, false);			\
		if ((test)->failures != __before)			\
			KUNIT_HOST_MSG(__VA_ARGS__);			\
	} while (0)

#define KUNIT_EXPECT_EQ(t, a, b)	KUNIT_HOST_CMP(t, a, ==, b, false)
#define KUNIT_EXPECT_NE(t, a, b)	KUNIT_HOST_CMP(t, a, !=, b, false)
#define KUNIT_EXPECT_LT(t, a, b)	KUNIT_HOST_CMP(t, a, <, b, false)
#define KUNIT_EXPECT_LE(t, a, b)	KUNIT_HOST_CMP(t, a, <=, b, false)
#define KUNIT_EXPECT_GT(t, a, b)	KUNIT_HOST_CMP(t, a, >, b, false)
#define KUNIT_EXPECT_GE(t, a, b)	KUNIT_HOST_CMP(t, a, >=, b, false)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_HOST_CMP(t, !!(c), ==, 1, false)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_HOST_CMP(t, !!(c), ==, 0, false)
#define KUNIT_EXPECT_EQ_MSG(t, a, b, ...) KUNIT_HOST_CMP_MSG(t, a, ==, b, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, a, b, ...) KUNIT_HOST_CMP_MSG(t, a, !=, b, __VA_ARGS__)
#define KUNIT_ASSERT_EQ(t, a, b)	KUNIT_HOST_CMP(t, a, ==, b, true)
#define KUNIT_ASSERT_NE(t, a, b)	KUNIT_HOST_CMP(t, a, !=, b, true)
#define KUNIT_ASSERT_LT(t, a, b)	KUNIT_HOST_CMP(t, a, <, b, true)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_HOST_CMP(t, (p) != NULL, ==, 1, true)

int kunit_host_main(struct kunit_suite *suite, int argc, char **argv);

#define kunit_test_suite(suite)						\
	int main(int argc, char **argv)					\
	{								\
		return kunit_host_main(&(suite), argc, argv);		\
	}

#endif /* VSVM_KUNIT_HOST_TEST_H */
