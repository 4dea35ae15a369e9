// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("Argument checks of the vsvm SVM ioctls (VM_CREATE, VM_DESTROY, EXEC, "
		     "WAIT, VM_COUNTERS): one subtest per check, plus the positive cases that "
		     "pin down the limits (job ids, kept statuses, counter counts, syncobjs).");

#define PAGE_SIZE	4096ull

/* State shared by the subtests; static, so that it survives IGT's siglongjmp()s. */
static struct {
	int fd;
	char path[PATH_MAX];
	uint32_t vm;
	/* Two pages every valid command points into. */
	uint8_t *buf;
	/* An address with no mapping. */
	void *hole;
} uapi = { .fd = -1 };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void assert_err(int ret, int expected, const char *ioctl, const char *what)
{
	igt_assert_f(ret == expected, "%s with %s: %d (%s), expected %d (%s)\n", ioctl, what, ret,
		     strerror(-ret), expected, strerror(-expected));
}

/* ---- VM_CREATE / VM_DESTROY ----------------------------------------------------------- */

static void assert_vm_create_fails(struct drm_vsvm_vm_create args, int expected, const char *what)
{
	assert_err(__vsvm_vm_create(uapi.fd, &args), expected, "VM_CREATE", what);
}

static void test_vm_create_bad_flags(void)
{
	for (unsigned int bit = 0; bit < 32; bit++) {
		struct drm_vsvm_vm_create args = { .flags = DRM_VSVM_VM_CREATE_SVM | (1u << bit) };

		if (DRM_VSVM_VM_CREATE_FLAGS & (1u << bit))
			continue;
		assert_vm_create_fails(args, -EINVAL, "an unknown flag");
	}
}

static void test_vm_create_bad_extensions(void)
{
	/* A readable, zeroed "extension" must be refused as well as garbage. */
	static const uint64_t zeroed_extension[4];
	const uint64_t extensions[] = { 1, (uintptr_t)zeroed_extension, UINT64_MAX };

	for (unsigned int i = 0; i < ARRAY_SIZE(extensions); i++) {
		struct drm_vsvm_vm_create args = {
			.extensions = extensions[i],
			.flags = DRM_VSVM_VM_CREATE_SVM,
		};

		assert_vm_create_fails(args, -EINVAL, "extensions");
	}
}

static void test_vm_create_no_svm_flag(void)
{
	struct drm_vsvm_vm_create args = { .flags = 0 };

	assert_vm_create_fails(args, -EINVAL, "no DRM_VSVM_VM_CREATE_SVM");
}

static void test_vm_create_destroy(void)
{
	uint32_t vms[8];

	for (unsigned int i = 0; i < ARRAY_SIZE(vms); i++) {
		vms[i] = vsvm_vm_create(uapi.fd);
		for (unsigned int j = 0; j < i; j++)
			igt_assert_f(vms[i] != vms[j], "VM id %u handed out twice\n", vms[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(vms); i++)
		vsvm_vm_destroy(uapi.fd, vms[i]);
}

static void test_vm_destroy_bad_pad(void)
{
	uint32_t vm = vsvm_vm_create(uapi.fd);
	struct drm_vsvm_vm_destroy args = { .vm_id = vm, .pad = 1 };
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];

	assert_err(__vsvm_vm_destroy(uapi.fd, &args), -EINVAL, "VM_DESTROY", "a non-zero pad");

	/* The refused destroy left the VM alone. */
	vsvm_counters(uapi.fd, vm, counters);
	vsvm_vm_destroy(uapi.fd, vm);
}

static void test_vm_destroy_bad_vm(void)
{
	uint32_t destroyed = vsvm_vm_create(uapi.fd);
	const uint32_t ids[] = { 0, UINT32_MAX, destroyed };

	vsvm_vm_destroy(uapi.fd, destroyed);
	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
		struct drm_vsvm_vm_destroy args = { .vm_id = ids[i] };

		assert_err(__vsvm_vm_destroy(uapi.fd, &args), -ENOENT, "VM_DESTROY",
			   "an unknown VM id");
	}
}

/* ---- EXEC ----------------------------------------------------------------------------- */

/* A harmless, valid command: fills the first 8 bytes of uapi.buf. */
static struct drm_vsvm_cmd valid_cmd(void)
{
	return vsvm_cmd_fill(uapi.buf, 8, 0x1122334455667788ull);
}

/* A valid EXEC of @num_cmds commands at @cmds, in the fixture's VM. */
static struct drm_vsvm_exec valid_exec(const struct drm_vsvm_cmd *cmds, unsigned int num_cmds)
{
	return (struct drm_vsvm_exec) {
		.vm_id = uapi.vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)cmds,
		.num_cmds = num_cmds,
	};
}

static void assert_exec_fails(struct drm_vsvm_exec args, int expected, const char *what)
{
	assert_err(__vsvm_exec(uapi.fd, &args), expected, "EXEC", what);
}

/* Submits @cmd alone, which differs from a valid command in one member. */
static void assert_cmd_einval(struct drm_vsvm_cmd cmd, const char *what)
{
	assert_exec_fails(valid_exec(&cmd, 1), -EINVAL, what);
}

static void test_exec_bad_vm(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	uint32_t destroyed = vsvm_vm_create(uapi.fd);
	const uint32_t ids[] = { 0, UINT32_MAX, destroyed };

	vsvm_vm_destroy(uapi.fd, destroyed);
	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
		struct drm_vsvm_exec args = valid_exec(&cmd, 1);

		args.vm_id = ids[i];
		assert_exec_fails(args, -ENOENT, "an unknown VM id");
	}
}

static void test_exec_bad_engine(void)
{
	const uint32_t engines[] = { 0, DRM_VSVM_ENGINE_COMPUTE + 1, UINT32_MAX };
	struct drm_vsvm_cmd cmd = valid_cmd();

	for (unsigned int i = 0; i < ARRAY_SIZE(engines); i++) {
		struct drm_vsvm_exec args = valid_exec(&cmd, 1);

		args.engine = engines[i];
		assert_exec_fails(args, -EINVAL, "an unknown engine");
	}
}

static void test_exec_bad_flags(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();

	for (unsigned int bit = 0; bit < 32; bit++) {
		struct drm_vsvm_exec args = valid_exec(&cmd, 1);

		if (DRM_VSVM_EXEC_FLAGS & (1u << bit))
			continue;
		args.flags = 1u << bit;
		assert_exec_fails(args, -EINVAL, "an unknown flag");
	}
}

static void test_exec_bad_pad(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	struct drm_vsvm_exec args = valid_exec(&cmd, 1);

	args.pad = 1;
	assert_exec_fails(args, -EINVAL, "a non-zero pad");
	args.pad = 0;
	args.pad2 = 1;
	assert_exec_fails(args, -EINVAL, "a non-zero pad2");
}

/* A dispatch of a one-instruction program that EXEC accepts. */
static struct drm_vsvm_dispatch valid_dispatch(void)
{
	return (struct drm_vsvm_dispatch) {
		.code_ptr = (uintptr_t)uapi.buf,
		.code_size = 8,
		.isa_version = VSVM_ISA_VERSION,
		.group_size = { 1, 1, 1 },
		.num_groups = { 1, 1, 1 },
	};
}

static void assert_dispatch_einval(struct drm_vsvm_dispatch d, const char *what)
{
	struct drm_vsvm_exec args = valid_exec(NULL, 1);

	args.engine = DRM_VSVM_ENGINE_COMPUTE;
	args.cmds_ptr = (uintptr_t)&d;
	assert_exec_fails(args, -EINVAL, what);
}

static void test_dispatch_bad_isa_version(void)
{
	struct drm_vsvm_dispatch d = valid_dispatch();

	d.isa_version = 0;
	assert_dispatch_einval(d, "ISA version 0");
	d.isa_version = VSVM_ISA_VERSION + 1;
	assert_dispatch_einval(d, "a future ISA version");
}

static void test_dispatch_bad_code(void)
{
	struct drm_vsvm_dispatch d = valid_dispatch();

	d.code_ptr += 4;
	assert_dispatch_einval(d, "a misaligned code_ptr");
	d = valid_dispatch();
	d.code_size = 0;
	assert_dispatch_einval(d, "an empty program");
	d.code_size = 12;
	assert_dispatch_einval(d, "a code_size not a multiple of 8");
	d.code_size = DRM_VSVM_CODE_MAX_SIZE + 8;
	assert_dispatch_einval(d, "a code_size above the maximum");
	d = valid_dispatch();
	d.code_ptr = UINT64_MAX - 7;
	assert_dispatch_einval(d, "a program range that wraps");
}

static void test_dispatch_bad_entry(void)
{
	struct drm_vsvm_dispatch d = valid_dispatch();

	d.entry = 8;
	assert_dispatch_einval(d, "an entry at the end of the program");
	d.code_size = 16;
	d.entry = 4;
	assert_dispatch_einval(d, "a misaligned entry");
}

static void test_dispatch_bad_grid(void)
{
	for (int k = 0; k < 3; k++) {
		struct drm_vsvm_dispatch d = valid_dispatch();

		d.group_size[k] = 0;
		assert_dispatch_einval(d, "an empty workgroup");
		d = valid_dispatch();
		d.num_groups[k] = 0;
		assert_dispatch_einval(d, "no workgroups");
		d.num_groups[k] = DRM_VSVM_MAX_GROUPS + 1;
		assert_dispatch_einval(d, "too many workgroups");
	}
	{
		struct drm_vsvm_dispatch d = valid_dispatch();

		d.group_size[0] = 16;
		d.group_size[1] = 16;
		d.group_size[2] = 2;
		assert_dispatch_einval(d, "a workgroup of 512 lanes");
		d.group_size[0] = 1u << 31;
		d.group_size[1] = 1u << 31;
		d.group_size[2] = 1;
		assert_dispatch_einval(d, "a workgroup whose lane count overflows 32 bits");
	}
}

static void test_dispatch_bad_args(void)
{
	struct drm_vsvm_dispatch d = valid_dispatch();

	d.num_args = VSVM_ISA_MAX_ARGS + 1;
	assert_dispatch_einval(d, "17 arguments");
	d.num_args = 2;
	d.args[5] = 1;
	assert_dispatch_einval(d, "an argument past num_args");
}

static void test_dispatch_bad_flags(void)
{
	struct drm_vsvm_dispatch d = valid_dispatch();

	d.flags = 1;
	assert_dispatch_einval(d, "unknown dispatch flags");
}

static void test_exec_bad_in_syncobj(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	struct drm_vsvm_exec args = valid_exec(&cmd, 1);
	uint32_t handles[DRM_VSVM_EXEC_MAX_IN_SYNCOBJS + 1] = { 0 };
	uint32_t empty;

	args.in_syncobjs_ptr = (uintptr_t)handles;
	args.num_in_syncobjs = DRM_VSVM_EXEC_MAX_IN_SYNCOBJS + 1;
	assert_exec_fails(args, -EINVAL, "too many in-syncobjs");
	args.num_in_syncobjs = 1;
	handles[0] = UINT32_MAX;
	assert_exec_fails(args, -ENOENT, "an unknown in-syncobj");
	igt_assert_eq(drmSyncobjCreate(uapi.fd, 0, &empty), 0);
	handles[0] = empty;
	assert_exec_fails(args, -EINVAL, "an in-syncobj without a fence");
	drmSyncobjDestroy(uapi.fd, empty);
	args.in_syncobjs_ptr = 8;
	assert_exec_fails(args, -EFAULT, "an unreadable in_syncobjs_ptr");
}

static void test_exec_bad_extensions(void)
{
	static const uint64_t zeroed_extension[4];
	const uint64_t extensions[] = { 1, (uintptr_t)zeroed_extension, UINT64_MAX };
	struct drm_vsvm_cmd cmd = valid_cmd();

	for (unsigned int i = 0; i < ARRAY_SIZE(extensions); i++) {
		struct drm_vsvm_exec args = valid_exec(&cmd, 1);

		args.extensions = extensions[i];
		assert_exec_fails(args, -EINVAL, "extensions");
	}
}

static void test_exec_zero_cmds(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();

	assert_exec_fails(valid_exec(&cmd, 0), -EINVAL, "no command");
}

static void test_exec_too_many_cmds(void)
{
	const size_t size = (DRM_VSVM_EXEC_MAX_CMDS + 1) * sizeof(struct drm_vsvm_cmd);
	struct drm_vsvm_cmd *cmds;

	/* A readable array, so that only the count is wrong. */
	cmds = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(cmds != MAP_FAILED);
	for (unsigned int i = 0; i <= DRM_VSVM_EXEC_MAX_CMDS; i++)
		cmds[i] = valid_cmd();

	assert_exec_fails(valid_exec(cmds, DRM_VSVM_EXEC_MAX_CMDS + 1), -EINVAL,
			  "DRM_VSVM_EXEC_MAX_CMDS + 1 commands");
	assert_exec_fails(valid_exec(cmds, UINT32_MAX), -EINVAL, "UINT32_MAX commands");

	/* The limit itself is valid. */
	igt_assert_job_ok(vsvm_run(uapi.fd, uapi.vm, cmds, DRM_VSVM_EXEC_MAX_CMDS));
	munmap(cmds, size);
}

static void test_exec_bad_cmds_ptr(void)
{
	const size_t size = 2 * PAGE_SIZE;
	struct drm_vsvm_cmd *straddling;
	uint8_t *page;

	assert_exec_fails(valid_exec(NULL, 1), -EFAULT, "a NULL command array");
	assert_exec_fails(valid_exec(uapi.hole, 1), -EFAULT, "an unmapped command array");

	/* The first command is readable, the second runs into an unmapped page. */
	page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(page != MAP_FAILED);
	igt_assert_eq(munmap(page + PAGE_SIZE, PAGE_SIZE), 0);
	straddling = (struct drm_vsvm_cmd *)(page + PAGE_SIZE) - 1;
	*straddling = valid_cmd();
	assert_exec_fails(valid_exec(straddling, 2), -EFAULT, "a command array that ends unmapped");
	munmap(page, PAGE_SIZE);
}

static void test_exec_bad_op(void)
{
	const uint32_t ops[] = { 0, DRM_VSVM_CMD_CHECKSUM + 1, UINT32_MAX };

	for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
		struct drm_vsvm_cmd cmd = valid_cmd();

		cmd.op = ops[i];
		assert_cmd_einval(cmd, "an unknown command op");
	}
}

static void test_exec_bad_cmd_flags(void)
{
	for (unsigned int bit = 0; bit < 32; bit++) {
		struct drm_vsvm_cmd cmd = valid_cmd();

		cmd.flags = 1u << bit;
		assert_cmd_einval(cmd, "command flags");
	}
}

static void test_exec_bad_mbz(void)
{
	uint64_t *result = (uint64_t *)(uapi.buf + PAGE_SIZE);
	struct drm_vsvm_cmd cmd;

	cmd = vsvm_cmd_fill(uapi.buf, 8, 0);
	cmd.src = (uintptr_t)uapi.buf;
	assert_cmd_einval(cmd, "a FILL with a source");

	cmd = vsvm_cmd_copy(uapi.buf, uapi.buf + PAGE_SIZE, 8);
	cmd.value = 1;
	assert_cmd_einval(cmd, "a COPY with a value");

	cmd = vsvm_cmd_checksum(uapi.buf, 8, result);
	cmd.value = 1;
	assert_cmd_einval(cmd, "a CHECKSUM with a value");
}

static void test_exec_bad_size(void)
{
	uint64_t *result = (uint64_t *)(uapi.buf + PAGE_SIZE);
	const uint64_t sizes[] = { DRM_VSVM_CMD_MAX_SIZE + 1, UINT64_MAX / 2 };

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Small addresses: the ranges do not wrap, only the size is wrong. */
		assert_cmd_einval(vsvm_cmd_fill(uapi.buf, sizes[i], 0), "a FILL too large");
		assert_cmd_einval(vsvm_cmd_copy(uapi.buf, uapi.buf + PAGE_SIZE, sizes[i]),
				  "a COPY too large");
		assert_cmd_einval(vsvm_cmd_checksum(uapi.buf, sizes[i], result),
				  "a CHECKSUM too large");
	}
}

static void test_exec_wrapping_range(void)
{
	/* Sizes within the limit, at addresses where they wrap past 2^64. */
	void *top = (void *)(uintptr_t)(UINT64_MAX - PAGE_SIZE + 1);
	uint64_t *result = (uint64_t *)(uapi.buf + PAGE_SIZE);
	const uint64_t size = 2 * PAGE_SIZE;

	assert_cmd_einval(vsvm_cmd_fill(top, size, 0), "a FILL that wraps");
	assert_cmd_einval(vsvm_cmd_copy(uapi.buf, top, size), "a COPY source that wraps");
	assert_cmd_einval(vsvm_cmd_copy(top, uapi.buf, size), "a COPY destination that wraps");
	assert_cmd_einval(vsvm_cmd_checksum(top, size, result), "a CHECKSUM source that wraps");
}

static void test_exec_misaligned_checksum(void)
{
	for (unsigned int offset = 1; offset < 8; offset++) {
		uint64_t *result = (uint64_t *)(uapi.buf + PAGE_SIZE + offset);

		assert_cmd_einval(vsvm_cmd_checksum(uapi.buf, 8, result),
				  "a misaligned CHECKSUM result");
	}
}

static void test_exec_bad_syncobj(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	struct drm_vsvm_exec args = valid_exec(&cmd, 1);
	uint32_t destroyed;

	igt_assert_eq(drmSyncobjCreate(uapi.fd, 0, &destroyed), 0);
	igt_assert_eq(drmSyncobjDestroy(uapi.fd, destroyed), 0);

	args.out_syncobj = destroyed;
	assert_exec_fails(args, -ENOENT, "a destroyed syncobj");
	args.out_syncobj = UINT32_MAX;
	assert_exec_fails(args, -ENOENT, "an unknown syncobj");
}

static void test_exec_out_syncobj(void)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(uapi.buf, PAGE_SIZE, 0x0706050403020100ull);
	struct drm_vsvm_exec args = valid_exec(&cmd, 1);
	uint32_t syncobj;

	memset(uapi.buf, 0xff, PAGE_SIZE);
	igt_assert_eq(drmSyncobjCreate(uapi.fd, 0, &syncobj), 0);
	args.out_syncobj = syncobj;
	igt_assert_eq(__vsvm_exec(uapi.fd, &args), 0);

	/* The fence signals when the job ends, and the job's work is done by then. */
	igt_assert_eq(drmSyncobjWait(uapi.fd, &syncobj, 1, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS),
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL), 0);
	igt_assert_filled(uapi.buf, PAGE_SIZE, 0x0706050403020100ull);
	igt_assert_job_ok(vsvm_wait(uapi.fd, uapi.vm, args.job_id, 0));
	drmSyncobjDestroy(uapi.fd, syncobj);
}

static void test_exec_foreign_process(void)
{
	igt_fork(child, 1) {
		struct drm_vsvm_cmd cmd = valid_cmd();

		/* Same file, same VM id, another address space. */
		assert_exec_fails(valid_exec(&cmd, 1), -EACCES, "the VM of another process");
	}
	igt_waitchildren();
}

/* ---- VM_PREFETCH ---------------------------------------------------------------------- */

static int __prefetch(struct drm_vsvm_vm_prefetch *args)
{
	return drmIoctl(uapi.fd, DRM_IOCTL_VSVM_VM_PREFETCH, args) ? -errno : 0;
}

static struct drm_vsvm_vm_prefetch valid_prefetch(void)
{
	return (struct drm_vsvm_vm_prefetch){
		.vm_id = uapi.vm,
		.start = (uintptr_t)uapi.buf,
		.size = 2 * PAGE_SIZE,
	};
}

static void assert_prefetch_fails(struct drm_vsvm_vm_prefetch args, int expected, const char *what)
{
	assert_err(__prefetch(&args), expected, "VM_PREFETCH", what);
}

static void test_prefetch_bad_flags(void)
{
	for (unsigned int bit = 0; bit < 32; bit++) {
		struct drm_vsvm_vm_prefetch args = valid_prefetch();

		if (DRM_VSVM_PREFETCH_FLAGS & (1u << bit))
			continue;
		args.flags = 1u << bit;
		assert_prefetch_fails(args, -EINVAL, "an unknown flag");
	}
}

static void test_prefetch_bad_range(void)
{
	struct drm_vsvm_vm_prefetch args = valid_prefetch();

	args.size = 0;
	assert_prefetch_fails(args, -EINVAL, "size 0");
	args = valid_prefetch();
	args.start = UINT64_MAX - PAGE_SIZE;
	args.size = 2 * PAGE_SIZE;
	assert_prefetch_fails(args, -EINVAL, "a range that wraps");
}

static void test_prefetch_bad_vm(void)
{
	struct drm_vsvm_vm_prefetch args = valid_prefetch();

	args.vm_id = UINT32_MAX;
	assert_prefetch_fails(args, -ENOENT, "an unknown VM id");
}

static void test_prefetch_unmapped(void)
{
	struct drm_vsvm_vm_prefetch args = valid_prefetch();

	args.start = (uintptr_t)uapi.hole;
	assert_prefetch_fails(args, -EFAULT, "an address without a mapping");
}

static void test_prefetch_read_only(void)
{
	struct drm_vsvm_vm_prefetch args = valid_prefetch();
	uint8_t *ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(ro != MAP_FAILED);
	args.start = (uintptr_t)ro;
	args.size = PAGE_SIZE;
	/* Reading it is fine, writing it is not. */
	igt_assert_eq(__prefetch(&args), 0);
	args.flags = DRM_VSVM_PREFETCH_WRITE;
	assert_prefetch_fails(args, -EPERM, "a write prefetch of read-only memory");
	munmap(ro, PAGE_SIZE);
}

static void test_prefetch_foreign_process(void)
{
	igt_fork(child, 1)
		assert_prefetch_fails(valid_prefetch(), -EACCES, "the VM of another process");
	igt_waitchildren();
}

/* ---- WAIT ----------------------------------------------------------------------------- */

static uint64_t run_valid_job(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	uint64_t job_id;

	vsvm_exec(uapi.fd, uapi.vm, &cmd, 1, &job_id);
	igt_assert_job_ok(vsvm_wait(uapi.fd, uapi.vm, job_id,
				    vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS)));
	return job_id;
}

static void assert_wait_fails(struct drm_vsvm_wait args, int expected, const char *what)
{
	assert_err(__vsvm_wait(uapi.fd, &args), expected, "WAIT", what);
}

static void test_wait_bad_vm(void)
{
	struct drm_vsvm_wait args = { .job_id = run_valid_job() };
	uint32_t destroyed = vsvm_vm_create(uapi.fd);
	const uint32_t ids[] = { 0, UINT32_MAX, destroyed };

	vsvm_vm_destroy(uapi.fd, destroyed);
	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
		args.vm_id = ids[i];
		assert_wait_fails(args, -ENOENT, "an unknown VM id");
	}
}

static void test_wait_bad_job(void)
{
	uint64_t last = run_valid_job();
	const uint64_t jobs[] = { last + 1, last + 1000, UINT64_MAX };

	for (unsigned int i = 0; i < ARRAY_SIZE(jobs); i++) {
		struct drm_vsvm_wait args = { .vm_id = uapi.vm, .job_id = jobs[i] };

		assert_wait_fails(args, -ENOENT, "a job id never submitted");
	}
}

static void test_wait_bad_flags(void)
{
	struct drm_vsvm_wait args = { .vm_id = uapi.vm, .job_id = run_valid_job() };

	for (unsigned int bit = 0; bit < 32; bit++) {
		if (DRM_VSVM_WAIT_FLAGS & (1u << bit))
			continue;
		args.flags = 1u << bit;
		assert_wait_fails(args, -EINVAL, "an unknown flag");
	}
}

static void test_wait_bad_pad(void)
{
	struct drm_vsvm_wait args = { .vm_id = uapi.vm, .job_id = run_valid_job(), .pad = 1 };

	assert_wait_fails(args, -EINVAL, "a non-zero pad");
	args.pad = 0;
	args.pad2 = 1;
	assert_wait_fails(args, -EINVAL, "a non-zero pad2");
}

static void test_wait_timeout(void)
{
	/*
	 * A job that cannot end in time, in a child: only the end of the
	 * child's address space stops it (a VM_DESTROY would wait for it).
	 */
	igt_fork(child, 1) {
		char path[PATH_MAX];
		int fd = vsvm_open_render_node(0, path, sizeof(path));
		struct drm_vsvm_wait args = {};
		int64_t deadline;

		igt_assert_fd(fd);
		args.vm_id = vsvm_vm_create(fd);
		args.job_id = vsvm_submit_long_job(fd, args.vm_id);

		args.timeout_ns = 0;
		assert_err(__vsvm_wait(fd, &args), -ETIME, "WAIT", "timeout 0 on a running job");

		deadline = vsvm_timeout_in(50 * VSVM_NSEC_PER_MSEC);
		args.timeout_ns = deadline;
		assert_err(__vsvm_wait(fd, &args), -ETIME, "WAIT", "a 50 ms timeout");
		igt_assert_f(vsvm_now_ns() >= deadline, "WAIT gave up before its timeout\n");
	}
	igt_waitchildren_timeout(120, "a process exiting with a running job");
}

static void test_wait_forgotten_job(void)
{
	struct drm_vsvm_cmd cmd = valid_cmd();
	uint64_t jobs[DRM_VSVM_WAIT_MAX_KEPT + 1];
	/* A fresh VM, so that the fixture VM's history does not count. */
	uint32_t vm = vsvm_vm_create(uapi.fd);
	struct drm_vsvm_wait args = { .vm_id = vm };

	for (unsigned int i = 0; i < ARRAY_SIZE(jobs); i++)
		vsvm_exec(uapi.fd, vm, &cmd, 1, &jobs[i]);
	/* Jobs of a VM run in order: when the last has ended, all have. */
	igt_assert_job_ok(vsvm_wait(uapi.fd, vm, jobs[DRM_VSVM_WAIT_MAX_KEPT],
				    vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS)));

	/* The last DRM_VSVM_WAIT_MAX_KEPT statuses are kept, the one before is not. */
	igt_assert_job_ok(vsvm_wait(uapi.fd, vm, jobs[1], 0));
	args.job_id = jobs[0];
	assert_wait_fails(args, -ENOENT, "a job older than the last DRM_VSVM_WAIT_MAX_KEPT");
	vsvm_vm_destroy(uapi.fd, vm);
}

/* ---- VM_COUNTERS ---------------------------------------------------------------------- */

#define COUNTER_POISON	0xa5a5a5a5a5a5a5a5ull

static void test_counters_bad_vm(void)
{
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];
	uint32_t destroyed = vsvm_vm_create(uapi.fd);
	const uint32_t ids[] = { 0, UINT32_MAX, destroyed };

	vsvm_vm_destroy(uapi.fd, destroyed);
	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
		struct drm_vsvm_vm_counters args = {
			.vm_id = ids[i],
			.count = DRM_VSVM_COUNTER_COUNT,
			.counters_ptr = (uintptr_t)counters,
		};

		assert_err(__vsvm_vm_counters(uapi.fd, &args), -ENOENT, "VM_COUNTERS",
			   "an unknown VM id");
	}
}

static void test_counters_count_zero(void)
{
	struct drm_vsvm_vm_counters args = { .vm_id = uapi.vm, .count = 0 };

	/* No array at all: count 0 only asks how many counters there are. */
	igt_assert_eq(__vsvm_vm_counters(uapi.fd, &args), 0);
	igt_assert_eq(args.count, DRM_VSVM_COUNTER_COUNT);
}

static void test_counters_short(void)
{
	uint64_t counters[DRM_VSVM_COUNTER_COUNT], all[DRM_VSVM_COUNTER_COUNT];
	struct drm_vsvm_vm_counters args = {
		.vm_id = uapi.vm,
		.count = 2,
		.counters_ptr = (uintptr_t)counters,
	};

	for (unsigned int i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
		counters[i] = COUNTER_POISON;
	igt_assert_eq(__vsvm_vm_counters(uapi.fd, &args), 0);
	igt_assert_eq(args.count, DRM_VSVM_COUNTER_COUNT);

	/* Nothing runs in the fixture VM now: the first two read the same in full. */
	vsvm_counters(uapi.fd, uapi.vm, all);
	igt_assert_eq_u64(counters[0], all[0]);
	igt_assert_eq_u64(counters[1], all[1]);
	for (unsigned int i = 2; i < DRM_VSVM_COUNTER_COUNT; i++)
		igt_assert_f(counters[i] == COUNTER_POISON,
			     "counter %u written past the count of 2\n", i);
}

static void test_counters_bad_ptr(void)
{
	struct drm_vsvm_vm_counters args = {
		.vm_id = uapi.vm,
		.count = DRM_VSVM_COUNTER_COUNT,
		.counters_ptr = (uintptr_t)uapi.hole,
	};

	assert_err(__vsvm_vm_counters(uapi.fd, &args), -EFAULT, "VM_COUNTERS",
		   "an unmapped counter array");
}

static void test_counters_fresh_vm(void)
{
	uint32_t vm = vsvm_vm_create(uapi.fd);
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];

	vsvm_counters(uapi.fd, vm, counters);
	/*
	 * Every event counter starts at 0, and so do the ranges and notifiers
	 * of a VM that never faulted; PT_BYTES may count a root table.
	 */
	for (unsigned int i = 0; i < DRM_VSVM_COUNTER_COUNT; i++) {
		if (i == DRM_VSVM_COUNTER_PT_BYTES)
			continue;
		igt_assert_f(counters[i] == 0, "fresh VM: %s is %llu\n", vsvm_counter_name(i),
			     (unsigned long long)counters[i]);
	}
	vsvm_vm_destroy(uapi.fd, vm);
}

igt_main
{
	igt_fixture {
		uapi.fd = vsvm_open(uapi.path, sizeof(uapi.path));
		vsvm_require_caps(uapi.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE);
		uapi.vm = vsvm_vm_create(uapi.fd);

		uapi.buf = mmap(NULL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		igt_assert(uapi.buf != MAP_FAILED);
		uapi.hole = uapi.buf + 2 * PAGE_SIZE;
		igt_assert_eq(munmap(uapi.hole, PAGE_SIZE), 0);
		run_valid_job();
	}

	igt_describe("VM_CREATE rejects flags outside DRM_VSVM_VM_CREATE_FLAGS with -EINVAL.");
	igt_subtest("vm-create-bad-flags")
		test_vm_create_bad_flags();

	igt_describe("VM_CREATE rejects extensions, none being defined, with -EINVAL.");
	igt_subtest("vm-create-bad-extensions")
		test_vm_create_bad_extensions();

	igt_describe("VM_CREATE without DRM_VSVM_VM_CREATE_SVM, the only kind of VM, fails with "
		     "-EINVAL.");
	igt_subtest("vm-create-no-svm-flag")
		test_vm_create_no_svm_flag();

	igt_describe("VM_CREATE hands out distinct non-zero ids and VM_DESTROY frees them.");
	igt_subtest("vm-create-destroy")
		test_vm_create_destroy();

	igt_describe("VM_DESTROY rejects a non-zero pad with -EINVAL and leaves the VM alone.");
	igt_subtest("vm-destroy-bad-pad")
		test_vm_destroy_bad_pad();

	igt_describe("VM_DESTROY of a VM id this file does not have (0, never created, already "
		     "destroyed) fails with -ENOENT.");
	igt_subtest("vm-destroy-bad-vm")
		test_vm_destroy_bad_vm();

	igt_describe("EXEC in a VM id this file does not have fails with -ENOENT.");
	igt_subtest("exec-bad-vm")
		test_exec_bad_vm();

	igt_describe("EXEC on an unknown engine class fails with -EINVAL.");
	igt_subtest("exec-bad-engine")
		test_exec_bad_engine();

	igt_describe("EXEC rejects flags outside DRM_VSVM_EXEC_FLAGS with -EINVAL.");
	igt_subtest("exec-bad-flags")
		test_exec_bad_flags();

	igt_describe("EXEC rejects a non-zero pad with -EINVAL.");
	igt_subtest("exec-bad-pad")
		test_exec_bad_pad();

	igt_describe("A compute dispatch for another ISA version fails with -EINVAL.");
	igt_subtest("dispatch-bad-isa-version")
		test_dispatch_bad_isa_version();

	igt_describe("A dispatch whose program is misaligned, empty, too big or wraps fails "
		     "with -EINVAL.");
	igt_subtest("dispatch-bad-code")
		test_dispatch_bad_code();

	igt_describe("A dispatch whose entry is misaligned or past the program fails with "
		     "-EINVAL.");
	igt_subtest("dispatch-bad-entry")
		test_dispatch_bad_entry();

	igt_describe("A dispatch with an empty or too big workgroup, or a grid dimension of 0 "
		     "or above the maximum, fails with -EINVAL.");
	igt_subtest("dispatch-bad-grid")
		test_dispatch_bad_grid();

	igt_describe("A dispatch with more than 16 arguments, or a non-zero one past num_args, "
		     "fails with -EINVAL.");
	igt_subtest("dispatch-bad-args")
		test_dispatch_bad_args();

	igt_describe("A dispatch with unknown flags fails with -EINVAL.");
	igt_subtest("dispatch-bad-flags")
		test_dispatch_bad_flags();

	igt_describe("EXEC with too many in-syncobjs (-EINVAL), an unknown one (-ENOENT), one "
		     "without a fence (-EINVAL) or an unreadable array (-EFAULT) fails.");
	igt_subtest("exec-bad-in-syncobj")
		test_exec_bad_in_syncobj();

	igt_describe("EXEC rejects extensions, none being defined, with -EINVAL.");
	igt_subtest("exec-bad-extensions")
		test_exec_bad_extensions();

	igt_describe("EXEC of zero commands fails with -EINVAL.");
	igt_subtest("exec-zero-cmds")
		test_exec_zero_cmds();

	igt_describe("EXEC of more than DRM_VSVM_EXEC_MAX_CMDS commands fails with -EINVAL; "
		     "exactly that many run.");
	igt_subtest("exec-too-many-cmds")
		test_exec_too_many_cmds();

	igt_describe("EXEC fails with -EFAULT when the command array cannot be read, in whole or "
		     "in part.");
	igt_subtest("exec-bad-cmds-ptr")
		test_exec_bad_cmds_ptr();

	igt_describe("EXEC rejects a command with an unknown op with -EINVAL.");
	igt_subtest("exec-bad-op")
		test_exec_bad_op();

	igt_describe("EXEC rejects a command with non-zero flags with -EINVAL.");
	igt_subtest("exec-bad-cmd-flags")
		test_exec_bad_cmd_flags();

	igt_describe("EXEC rejects a command with a non-zero member its op does not use "
		     "(a FILL source, a COPY or CHECKSUM value) with -EINVAL.");
	igt_subtest("exec-bad-mbz")
		test_exec_bad_mbz();

	igt_describe("EXEC rejects a command larger than DRM_VSVM_CMD_MAX_SIZE with -EINVAL.");
	igt_subtest("exec-bad-size")
		test_exec_bad_size();

	igt_describe("EXEC rejects a command whose source or destination range wraps past the "
		     "end of the address space with -EINVAL.");
	igt_subtest("exec-wrapping-range")
		test_exec_wrapping_range();

	igt_describe("EXEC rejects a CHECKSUM whose result address is not 8-byte aligned with "
		     "-EINVAL.");
	igt_subtest("exec-misaligned-checksum")
		test_exec_misaligned_checksum();

	igt_describe("EXEC with an out_syncobj handle the file does not have fails with -ENOENT.");
	igt_subtest("exec-bad-syncobj")
		test_exec_bad_syncobj();

	igt_describe("The out_syncobj of a job signals when the job has ended and done its work.");
	igt_subtest("exec-out-syncobj")
		test_exec_out_syncobj();

	igt_describe("EXEC in a VM of another process, through the same (inherited) file, fails "
		     "with -EACCES.");
	igt_subtest("exec-foreign-process")
		test_exec_foreign_process();

	igt_describe("VM_PREFETCH with a flag outside DRM_VSVM_PREFETCH_FLAGS fails with -EINVAL.");
	igt_subtest("prefetch-bad-flags")
		test_prefetch_bad_flags();

	igt_describe("VM_PREFETCH of size 0 or of a range that wraps fails with -EINVAL.");
	igt_subtest("prefetch-bad-range")
		test_prefetch_bad_range();

	igt_describe("VM_PREFETCH in a VM id this file does not have fails with -ENOENT.");
	igt_subtest("prefetch-bad-vm")
		test_prefetch_bad_vm();

	igt_describe("VM_PREFETCH of an address without a mapping fails with -EFAULT.");
	igt_subtest("prefetch-unmapped")
		test_prefetch_unmapped();

	igt_describe("A write VM_PREFETCH of read-only memory fails with -EPERM; a read one works.");
	igt_subtest("prefetch-read-only")
		test_prefetch_read_only();

	igt_describe("VM_PREFETCH from a process that is not the VM's fails with -EACCES.");
	igt_subtest("prefetch-foreign-process")
		test_prefetch_foreign_process();

	igt_describe("WAIT in a VM id this file does not have fails with -ENOENT.");
	igt_subtest("wait-bad-vm")
		test_wait_bad_vm();

	igt_describe("WAIT for a job id never submitted fails with -ENOENT.");
	igt_subtest("wait-bad-job")
		test_wait_bad_job();

	igt_describe("WAIT rejects flags outside DRM_VSVM_WAIT_FLAGS with -EINVAL.");
	igt_subtest("wait-bad-flags")
		test_wait_bad_flags();

	igt_describe("WAIT rejects a non-zero pad with -EINVAL.");
	igt_subtest("wait-bad-pad")
		test_wait_bad_pad();

	igt_describe("WAIT for a job still running fails with -ETIME when the timeout is 0 "
		     "(poll) or passes, and not before the timeout.");
	igt_subtest("wait-timeout")
		test_wait_timeout();

	igt_describe("WAIT keeps the status of the last DRM_VSVM_WAIT_MAX_KEPT jobs of a VM and "
		     "forgets older ones (-ENOENT).");
	igt_subtest("wait-forgotten-job")
		test_wait_forgotten_job();

	igt_describe("VM_COUNTERS of a VM id this file does not have fails with -ENOENT.");
	igt_subtest("counters-bad-vm")
		test_counters_bad_vm();

	igt_describe("VM_COUNTERS with count 0 writes nothing and returns DRM_VSVM_COUNTER_COUNT.");
	igt_subtest("counters-count-zero")
		test_counters_count_zero();

	igt_describe("VM_COUNTERS with a short array writes only count entries and returns "
		     "DRM_VSVM_COUNTER_COUNT.");
	igt_subtest("counters-short")
		test_counters_short();

	igt_describe("VM_COUNTERS fails with -EFAULT when the array cannot be written.");
	igt_subtest("counters-bad-ptr")
		test_counters_bad_ptr();

	igt_describe("A new VM starts with every counter at 0 (PT_BYTES aside).");
	igt_subtest("counters-fresh-vm")
		test_counters_fresh_vm();

	igt_fixture {
		vsvm_vm_destroy(uapi.fd, uapi.vm);
		close(uapi.fd);
		uapi.fd = -1;
	}
}
