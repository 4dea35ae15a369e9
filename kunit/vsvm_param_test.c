// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vsvm's GET_PARAM logic.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "vsvm_drm.h"
#include "vsvm_param.h"

static const struct vsvm_param_facts facts = {
	.capabilities = DRM_VSVM_CAPS_ALL,
	.va_bits = 48,
	.page_sizes = SZ_4K | SZ_2M,
	.num_devices = 3,
	.compute_engines = 5,
	.vram_bytes = 256ull << 20,
};

#define UNTOUCHED 0xdeadbeefcafef00dull

static void vsvm_param_test_values(struct kunit *test)
{
	static const struct {
		u32 param;
		u64 value;
	} cases[] = {
		{ DRM_VSVM_PARAM_UAPI_VERSION, DRM_VSVM_UAPI_VERSION },
		{ DRM_VSVM_PARAM_CAPABILITIES, DRM_VSVM_CAPS_ALL },
		{ DRM_VSVM_PARAM_VA_BITS, 48 },
		{ DRM_VSVM_PARAM_PAGE_SIZES, SZ_4K | SZ_2M },
		{ DRM_VSVM_PARAM_NUM_DEVICES, 3 },
		{ DRM_VSVM_PARAM_ISA_VERSION, VSVM_ISA_VERSION },
		{ DRM_VSVM_PARAM_COMPUTE_ENGINES, 5 },
		{ DRM_VSVM_PARAM_VRAM_BYTES, 256ull << 20 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct drm_vsvm_get_param args = {
			.param = cases[i].param,
			.value = UNTOUCHED,
		};
		const char *reason = NULL;

		KUNIT_EXPECT_EQ_MSG(test, vsvm_param_query(&facts, &args, &reason), 0,
				    "param %u", cases[i].param);
		KUNIT_EXPECT_EQ_MSG(test, args.value, cases[i].value, "param %u",
				    cases[i].param);
		KUNIT_EXPECT_NULL(test, reason);
	}
}

/* Expect -EINVAL with a reason and the output left as it was. */
static void expect_rejected(struct kunit *test, struct drm_vsvm_get_param args)
{
	const char *reason = NULL;

	args.value = UNTOUCHED;
	KUNIT_EXPECT_EQ(test, vsvm_param_query(&facts, &args, &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, args.value, UNTOUCHED);
	KUNIT_EXPECT_NOT_NULL(test, reason);
}

static void vsvm_param_test_unknown_param(struct kunit *test)
{
	expect_rejected(test, (struct drm_vsvm_get_param){ .param = 0 });
	expect_rejected(test, (struct drm_vsvm_get_param){
		.param = DRM_VSVM_PARAM_VRAM_BYTES + 1 });
	expect_rejected(test, (struct drm_vsvm_get_param){ .param = U32_MAX });
}

static void vsvm_param_test_bad_flags(struct kunit *test)
{
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if (DRM_VSVM_GET_PARAM_FLAGS & BIT(bit))
			continue;
		expect_rejected(test, (struct drm_vsvm_get_param){
			.param = DRM_VSVM_PARAM_VA_BITS, .flags = BIT(bit) });
	}
}

static void vsvm_param_test_bad_pad(struct kunit *test)
{
	expect_rejected(test, (struct drm_vsvm_get_param){
		.param = DRM_VSVM_PARAM_VA_BITS, .pad = 1 });
	expect_rejected(test, (struct drm_vsvm_get_param){
		.param = DRM_VSVM_PARAM_VA_BITS, .pad = 0x80000000u });
}

static void vsvm_param_test_bad_index(struct kunit *test)
{
	expect_rejected(test, (struct drm_vsvm_get_param){
		.param = DRM_VSVM_PARAM_CAPABILITIES, .index = 1 });
}

static void vsvm_param_test_bad_extensions(struct kunit *test)
{
	expect_rejected(test, (struct drm_vsvm_get_param){
		.param = DRM_VSVM_PARAM_UAPI_VERSION, .extensions = 0x1000 });
}

static struct kunit_case vsvm_param_test_cases[] = {
	KUNIT_CASE(vsvm_param_test_values),
	KUNIT_CASE(vsvm_param_test_unknown_param),
	KUNIT_CASE(vsvm_param_test_bad_flags),
	KUNIT_CASE(vsvm_param_test_bad_pad),
	KUNIT_CASE(vsvm_param_test_bad_index),
	KUNIT_CASE(vsvm_param_test_bad_extensions),
	{}
};

static struct kunit_suite vsvm_param_test_suite = {
	.name = "vsvm-param",
	.test_cases = vsvm_param_test_cases,
};

kunit_test_suite(vsvm_param_test_suite);

MODULE_DESCRIPTION("KUnit tests for vsvm");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
