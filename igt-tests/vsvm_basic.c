// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("Basic checks of the vsvm render node and of DRM_IOCTL_VSVM_GET_PARAM: "
		     "the values it reports and every argument check it makes.");

#define SZ_4K			(1ull << 12)
#define SZ_2M			(1ull << 21)

/* Written to drm_vsvm_get_param.value before a call that must fail and leave it alone. */
#define VALUE_POISON		0x5a5a5a5a5a5a5a5aull

/* State shared by the subtests; static, so that it survives IGT's siglongjmp()s. */
static struct {
	int fd;
	char path[PATH_MAX];
	unsigned int num_nodes;
} vsvm = { .fd = -1 };

/*
 * Sends @args, which differs from a valid request in one member, and checks
 * that the driver rejects it with -EINVAL without writing @args.value.
 */
static void assert_get_param_einval(int fd, struct drm_vsvm_get_param args)
{
	int ret;

	args.value = VALUE_POISON;
	ret = __vsvm_get_param(fd, &args);

	igt_assert_f(ret == -EINVAL,
		     "GET_PARAM {param %u, flags %#x, index %u, pad %#x, extensions %#llx}: %d (%s), expected -EINVAL\n",
		     args.param, args.flags, args.index, args.pad,
		     (unsigned long long)args.extensions, ret, strerror(-ret));
	igt_assert_f(args.value == VALUE_POISON,
		     "GET_PARAM {param %u} failed but wrote value %#llx\n",
		     args.param, (unsigned long long)args.value);
}

static void check_uapi_version(uint64_t value)
{
	igt_info("uapi version %llu.%llu\n", (unsigned long long)value >> 16,
		 (unsigned long long)value & 0xffff);
	igt_assert_eq_u64(value, DRM_VSVM_UAPI_VERSION);
}

static void check_capabilities(uint64_t value)
{
	igt_info("capabilities %#llx\n", (unsigned long long)value);
	igt_assert_f(!(value & ~DRM_VSVM_CAPS_ALL),
		     "capability bits %#llx outside DRM_VSVM_CAPS_ALL\n",
		     (unsigned long long)(value & ~DRM_VSVM_CAPS_ALL));
}

static void check_va_bits(uint64_t value)
{
	igt_assert_eq_u64(value, 48);
}

static void check_page_sizes(uint64_t value)
{
	igt_assert_eq_u64(value, SZ_4K | SZ_2M);
}

static void check_num_devices(uint64_t value)
{
	igt_info("%llu devices, %u vsvm render nodes\n", (unsigned long long)value,
		 vsvm.num_nodes);
	igt_assert(value >= 1);
	igt_assert_eq_u64(value, vsvm.num_nodes);
}

static void check_isa_version(uint64_t value)
{
	igt_assert_eq_u64(value, VSVM_ISA_VERSION);
}

/* The compute_engines module parameter, as the module was loaded. */
static void check_compute_engines(uint64_t value)
{
	char buf[16] = "";
	int fd = open("/sys/module/vsvm/parameters/compute_engines", O_RDONLY);

	igt_assert(fd >= 0);
	igt_assert_lt_u64(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	igt_assert_eq_u64(value, strtoull(buf, NULL, 10));
	igt_assert(value >= 1 && value <= 8);
}

/*
 * The vram_mb module parameter's bytes, or 0 for a kernel without
 * DEVICE_PRIVATE (Debian's); CAP_DEVICE_MEMORY says which.
 */
static void check_vram_bytes(uint64_t value)
{
	uint64_t caps = vsvm_get_param(vsvm.fd, DRM_VSVM_PARAM_CAPABILITIES);
	char buf[16] = "";
	int fd = open("/sys/module/vsvm/parameters/vram_mb", O_RDONLY);

	igt_assert(fd >= 0);
	igt_assert_lt_u64(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	igt_info("vram %llu bytes, vram_mb %s", (unsigned long long)value, buf);
	if (caps & DRM_VSVM_CAP_DEVICE_MEMORY)
		igt_assert_eq_u64(value, strtoull(buf, NULL, 10) << 20);
	else
		igt_assert_eq_u64(value, 0);
}

/* Every enum drm_vsvm_param value; a new param is added here with its check. */
static const struct vsvm_param {
	const char *name;
	uint32_t param;
	void (*check)(uint64_t value);
} vsvm_params[] = {
	{ "uapi-version", DRM_VSVM_PARAM_UAPI_VERSION, check_uapi_version },
	{ "capabilities", DRM_VSVM_PARAM_CAPABILITIES, check_capabilities },
	{ "va-bits", DRM_VSVM_PARAM_VA_BITS, check_va_bits },
	{ "page-sizes", DRM_VSVM_PARAM_PAGE_SIZES, check_page_sizes },
	{ "num-devices", DRM_VSVM_PARAM_NUM_DEVICES, check_num_devices },
	{ "isa-version", DRM_VSVM_PARAM_ISA_VERSION, check_isa_version },
	{ "compute-engines", DRM_VSVM_PARAM_COMPUTE_ENGINES, check_compute_engines },
	{ "vram-bytes", DRM_VSVM_PARAM_VRAM_BYTES, check_vram_bytes },
};

#define for_each_vsvm_param(p) \
	for (const struct vsvm_param *p = vsvm_params; \
	     p < vsvm_params + sizeof(vsvm_params) / sizeof(vsvm_params[0]); p++)

static void test_open_render_node(void)
{
	drmVersionPtr version;
	int fd2;

	igt_assert_eq(drmGetNodeTypeFromFd(vsvm.fd), DRM_NODE_RENDER);

	version = drmGetVersion(vsvm.fd);
	igt_assert(version);
	igt_info("%s: %s %d.%d.%d (%s)\n", vsvm.path, version->name, version->version_major,
		 version->version_minor, version->version_patchlevel,
		 version->desc ? version->desc : "no description");
	igt_assert(version->name && !strcmp(version->name, VSVM_DRIVER_NAME));
	igt_assert(version->version_major >= 0);
	igt_assert(version->version_minor >= 0);
	igt_assert(version->version_patchlevel >= 0);
	/* 0.0 is what a driver that never set its version reports. */
	igt_assert(version->version_major > 0 || version->version_minor > 0);
	igt_assert(version->desc && version->desc[0]);
	drmFreeVersion(version);

	/* A render node is not exclusive: a second client opens it too. */
	fd2 = open(vsvm.path, O_RDWR | O_CLOEXEC);
	igt_assert_fd(fd2);
	igt_assert(vsvm_fd_is_vsvm(fd2));
	igt_assert_eq(drmGetNodeTypeFromFd(fd2), DRM_NODE_RENDER);
	close(fd2);
}

/*
 * One dynamic subtest per param. It is entered in its own function so that
 * the loop cursor in igt_main is not live across the dynamic subtest's
 * sigsetjmp().
 */
static void test_get_param(const struct vsvm_param *p)
{
	igt_dynamic(p->name)
		p->check(vsvm_get_param(vsvm.fd, p->param));
}

static void test_bad_param(void)
{
	struct drm_vsvm_get_param args = {};
	uint32_t last = 0;

	for_each_vsvm_param(p)
		if (p->param > last)
			last = p->param;

	/* 0 is reserved for "invalid" in every vsvm enum. */
	args.param = 0;
	assert_get_param_einval(vsvm.fd, args);

	args.param = last + 1;
	assert_get_param_einval(vsvm.fd, args);

	args.param = UINT32_MAX;
	assert_get_param_einval(vsvm.fd, args);
}

static void test_bad_flags(void)
{
	struct drm_vsvm_get_param args = { .param = DRM_VSVM_PARAM_UAPI_VERSION };
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if (DRM_VSVM_GET_PARAM_FLAGS & (1u << bit))
			continue;
		args.flags = 1u << bit;
		assert_get_param_einval(vsvm.fd, args);
	}
}

static void test_bad_pad(void)
{
	static const uint32_t pads[] = { 1, 1u << 31, UINT32_MAX };
	struct drm_vsvm_get_param args = { .param = DRM_VSVM_PARAM_UAPI_VERSION };

	for (unsigned int i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		args.pad = pads[i];
		assert_get_param_einval(vsvm.fd, args);
	}
}

static void test_bad_index(void)
{
	struct drm_vsvm_get_param args = {};

	/* No param defined so far has instances: index must be 0 for each. */
	for_each_vsvm_param(p) {
		args.param = p->param;
		args.index = 1;
		assert_get_param_einval(vsvm.fd, args);
		args.index = UINT32_MAX;
		assert_get_param_einval(vsvm.fd, args);
	}
}

static void test_bad_extensions(void)
{
	/* A readable, zeroed "extension" must be refused as well as garbage. */
	static const uint64_t zeroed_extension[4];
	const uint64_t extensions[] = { 1, (uintptr_t)zeroed_extension, UINT64_MAX };
	struct drm_vsvm_get_param args = { .param = DRM_VSVM_PARAM_UAPI_VERSION };

	for (unsigned int i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		args.extensions = extensions[i];
		assert_get_param_einval(vsvm.fd, args);
	}
}

static void test_bad_ioctl(void)
{
	/*
	 * The last number of the driver range, which vsvm will never reach:
	 * drm_ioctl() fails a driver ioctl past the driver's table with
	 * -EINVAL before it reads the argument.
	 */
	const unsigned long cmd = DRM_IOWR(DRM_COMMAND_END - 1, struct drm_vsvm_get_param);
	struct drm_vsvm_get_param args = {
		.param = DRM_VSVM_PARAM_UAPI_VERSION,
		.value = VALUE_POISON,
	};

	igt_assert_eq(drmIoctl(vsvm.fd, cmd, &args), -1);
	igt_assert_eq(errno, EINVAL);
	igt_assert_eq_u64(args.value, VALUE_POISON);
}

igt_main
{
	igt_fixture {
		vsvm.fd = vsvm_open(vsvm.path, sizeof(vsvm.path));
		vsvm.num_nodes = vsvm_count_render_nodes();
	}

	igt_describe("The vsvm device is a render node that any client can open, with a sane "
		     "driver name and version.");
	igt_subtest("open-render-node")
		test_open_render_node();

	igt_describe("Every GET_PARAM parameter is readable and reports what the uapi header "
		     "documents.");
	igt_subtest_with_dynamic("get-param") {
		for_each_vsvm_param(p)
			test_get_param(p);
	}

	igt_describe("GET_PARAM rejects an unknown parameter with -EINVAL.");
	igt_subtest("bad-param")
		test_bad_param();

	igt_describe("GET_PARAM rejects flags outside DRM_VSVM_GET_PARAM_FLAGS with -EINVAL.");
	igt_subtest("bad-flags")
		test_bad_flags();

	igt_describe("GET_PARAM rejects a non-zero pad with -EINVAL.");
	igt_subtest("bad-pad")
		test_bad_pad();

	igt_describe("GET_PARAM rejects a non-zero index with -EINVAL.");
	igt_subtest("bad-index")
		test_bad_index();

	igt_describe("GET_PARAM rejects extensions, none being defined, with -EINVAL.");
	igt_subtest("bad-extensions")
		test_bad_extensions();

	igt_describe("An ioctl number in the driver range that vsvm does not define fails with "
		     "-EINVAL.");
	igt_subtest("bad-ioctl")
		test_bad_ioctl();

	igt_fixture {
		close(vsvm.fd);
		vsvm.fd = -1;
	}
}
