// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("VMs created on a pidfd mirror another process's address space, under "
		     "the rule Cross Memory Attach follows: allowed only when the caller may "
		     "ptrace-attach to the target with its real credentials.");

#define NOBODY		65534
#define PAGE_SIZE	4096ull
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define JOB_TIMEOUT_NS	(30 * VSVM_NSEC_PER_SEC)

/*
 * The shared layout of the region both processes have at the same address:
 * data the device checksums, a part it fills, and the checksum's result.
 */
#define REGION_SIZE	(16 * PAGE_SIZE)
#define DATA_SIZE	(8 * PAGE_SIZE)
#define FILL_OFF	DATA_SIZE
#define FILL_SIZE	(4 * PAGE_SIZE)
#define RESULT_OFF	(FILL_OFF + FILL_SIZE)
#define PARENT_SEED	0x1111
#define TARGET_SEED	0x2222
#define FILL_VALUE	0x0123456789abcdefull

/* Exit codes of a target's verification, so that a failure says what. */
enum target_exit {
	TARGET_OK = 0,
	TARGET_BAD_CHECKSUM = 10,
	TARGET_BAD_FILL,
	TARGET_EXEC_NOT_EACCES,
	TARGET_PIPE,
	TARGET_SETUP,
};

static struct {
	int fd;
	char path[64];
} pidfd_vm = { .fd = -1 };

/* A process whose address space a VM mirrors, driven over two pipes. */
struct target {
	pid_t pid;
	int pidfd;
	int cmd;	/* write end: commands to the target */
	int report;	/* read end: the target's one-byte reports */
};

static int sys_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int vm_create_pidfd(int fd, int pidfd, uint32_t *vm)
{
	struct drm_vsvm_vm_create args = {
		.flags = DRM_VSVM_VM_CREATE_SVM | DRM_VSVM_VM_CREATE_PIDFD,
		.pidfd = pidfd,
	};
	int ret = __vsvm_vm_create(fd, &args);

	if (!ret && vm)
		*vm = args.vm_id;
	return ret;
}

static void drop_to_nobody(bool dumpable)
{
	igt_assert_eq(setgroups(0, NULL), 0);
	igt_assert_eq(setresgid(NOBODY, NOBODY, NOBODY), 0);
	igt_assert_eq(setresuid(NOBODY, NOBODY, NOBODY), 0);
	/* A credential change makes a process non-dumpable; say what we want. */
	igt_assert_eq(prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0), 0);
}

static int read_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

/*
 * The target's side: its copy of @region gets its own contents, it reports
 * 'r', and on 'v' (followed by the id of the pidfd VM on the inherited file)
 * it checks what the device did to its memory and that it may not use that
 * VM itself; it exits with an enum target_exit.
 */
static void __attribute__((noreturn))
target_main(uint8_t *region, int cmd, int report, int uid_mode)
{
	struct drm_vsvm_cmd fill = vsvm_cmd_fill(region + FILL_OFF, FILL_SIZE, 0);
	struct drm_vsvm_exec exec = {
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)&fill,
		.num_cmds = 1,
	};
	uint64_t checksum;
	uint32_t vm;
	int c;

	if (uid_mode) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY) ||
		    prctl(PR_SET_DUMPABLE, uid_mode > 0 ? 1 : 0, 0, 0, 0))
			_exit(TARGET_SETUP);
	}
	vsvm_pattern_fill(region, DATA_SIZE, TARGET_SEED);
	memset(region + FILL_OFF, 0, FILL_SIZE + sizeof(uint64_t));
	if (write(report, "r", 1) != 1)
		_exit(TARGET_PIPE);

	c = read_byte(cmd);
	if (c == 'q' || c < 0)
		_exit(TARGET_OK);
	if (c != 'v' || read(cmd, &vm, sizeof(vm)) != sizeof(vm))
		_exit(TARGET_PIPE);

	memcpy(&checksum, region + RESULT_OFF, sizeof(checksum));
	if (checksum != vsvm_fnv1a64(region, DATA_SIZE))
		_exit(TARGET_BAD_CHECKSUM);
	if (vsvm_fill_mismatch(region + FILL_OFF, FILL_SIZE, FILL_VALUE) != SIZE_MAX)
		_exit(TARGET_BAD_FILL);
	/* The VM mirrors this process, but only its creator may submit. */
	exec.vm_id = vm;
	if (drmIoctl(pidfd_vm.fd, DRM_IOCTL_VSVM_EXEC, &exec) != -1 || errno != EACCES)
		_exit(TARGET_EXEC_NOT_EACCES);
	_exit(TARGET_OK);
}

/*
 * Forks a target sharing the vsvm file. @uid_mode: 0 stays root, 1 becomes
 * nobody and dumpable, -1 nobody and not dumpable.
 */
static struct target target_start(uint8_t *region, int uid_mode)
{
	struct target t;
	int to[2], from[2];

	igt_assert_eq(pipe2(to, O_CLOEXEC), 0);
	igt_assert_eq(pipe2(from, O_CLOEXEC), 0);
	t.pid = fork();
	igt_assert(t.pid >= 0);
	if (t.pid == 0) {
		close(to[1]);
		close(from[0]);
		target_main(region, to[0], from[1], uid_mode);
	}
	close(to[0]);
	close(from[1]);
	t.cmd = to[1];
	t.report = from[0];
	igt_assert_f(read_byte(t.report) == 'r', "the target did not start\n");
	t.pidfd = sys_pidfd_open(t.pid);
	igt_assert_f(t.pidfd >= 0, "pidfd_open: %s\n", strerror(errno));
	return t;
}

static int target_finish(struct target *t, char command, uint32_t vm)
{
	int status;

	igt_assert_eq(write(t->cmd, &command, 1), 1);
	if (command == 'v')
		igt_assert_eq(write(t->cmd, &vm, sizeof(vm)), (int)sizeof(vm));
	igt_assert_eq(waitpid(t->pid, &status, 0), t->pid);
	close(t->cmd);
	close(t->report);
	close(t->pidfd);
	igt_assert_f(WIFEXITED(status), "the target died: status %#x\n", status);
	return WEXITSTATUS(status);
}

static uint8_t *region_map(void)
{
	uint8_t *region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(region != MAP_FAILED);
	vsvm_pattern_fill(region, REGION_SIZE, PARENT_SEED);
	return region;
}

/* The device checksums the target's data and fills the target's memory. */
static void device_works_on_target(int fd, uint32_t vm, uint8_t *region)
{
	struct drm_vsvm_cmd cmds[] = {
		vsvm_cmd_checksum(region, DATA_SIZE, (uint64_t *)(region + RESULT_OFF)),
		vsvm_cmd_fill(region + FILL_OFF, FILL_SIZE, FILL_VALUE),
	};
	struct vsvm_job_status st;

	igt_assert_eq(__vsvm_run(fd, vm, cmds, ARRAY_SIZE(cmds), vsvm_timeout_in(JOB_TIMEOUT_NS),
				 &st), 0);
	igt_assert_f(st.status == DRM_VSVM_JOB_OK, "job %s at %#llx\n",
		     vsvm_job_status_name(st.status), (unsigned long long)st.fault_addr);
}

static void test_mirror_child(void)
{
	uint8_t *region = region_map();
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];
	struct target t = target_start(region, 0);
	uint32_t vm;

	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, t.pidfd, &vm), 0);
	device_works_on_target(pidfd_vm.fd, vm, region);
	vsvm_counters(pidfd_vm.fd, vm, counters);
	igt_assert_f(counters[DRM_VSVM_COUNTER_FAULTS] > 0, "no device fault on the target\n");

	/* The same addresses in the creator's own address space are untouched. */
	igt_assert_eq_u64(vsvm_pattern_mismatch(region, REGION_SIZE, PARENT_SEED), SIZE_MAX);
	igt_assert_eq(target_finish(&t, 'v', vm), TARGET_OK);
	vsvm_vm_destroy(pidfd_vm.fd, vm);
	munmap(region, REGION_SIZE);
}

static void test_target_exit(void)
{
	uint8_t *region = region_map();
	struct target t = target_start(region, 0);
	struct drm_vsvm_cmd fill = vsvm_cmd_fill(region, PAGE_SIZE, 1);
	struct vsvm_job_status st;
	uint32_t vm;

	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, t.pidfd, &vm), 0);
	igt_assert_eq(target_finish(&t, 'q', 0), TARGET_OK);

	/* The mirrored address space is gone: jobs end NO_MM, nothing is written here. */
	igt_assert_eq(__vsvm_run(pidfd_vm.fd, vm, &fill, 1, vsvm_timeout_in(JOB_TIMEOUT_NS),
				 &st), 0);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_NO_MM);
	igt_assert_eq_u64(vsvm_pattern_mismatch(region, REGION_SIZE, PARENT_SEED), SIZE_MAX);
	vsvm_vm_destroy(pidfd_vm.fd, vm);
	munmap(region, REGION_SIZE);
}

static void test_bad_pidfd(void)
{
	struct drm_vsvm_vm_create args;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int pidfd, status;
	siginfo_t info;
	pid_t pid;

	igt_assert(devnull >= 0);
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, -1, NULL), -EBADF);
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, 100000, NULL), -EBADF);
	/* An open file that is not a pidfd. */
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, devnull, NULL), -EBADF);
	close(devnull);

	/* A pidfd member without the flag, and the padding, must be zero. */
	args = (struct drm_vsvm_vm_create){ .flags = DRM_VSVM_VM_CREATE_SVM, .pidfd = 3 };
	igt_assert_eq(__vsvm_vm_create(pidfd_vm.fd, &args), -EINVAL);
	args = (struct drm_vsvm_vm_create){ .flags = DRM_VSVM_VM_CREATE_SVM, .pad = 1 };
	igt_assert_eq(__vsvm_vm_create(pidfd_vm.fd, &args), -EINVAL);

	/* A zombie has no address space left; a reaped process is gone. */
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(0);
	pidfd = sys_pidfd_open(pid);
	igt_assert(pidfd >= 0);
	igt_assert_eq(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, pidfd, NULL), -ESRCH);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, pidfd, NULL), -ESRCH);
	close(pidfd);
}

static void test_self(void)
{
	uint8_t *region = region_map();
	int pidfd = sys_pidfd_open(getpid());
	uint64_t checksum;
	uint32_t vm;

	igt_assert(pidfd >= 0);
	igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, pidfd, &vm), 0);
	igt_assert_eq_u32(vsvm_checksum(pidfd_vm.fd, vm, region, DATA_SIZE, &checksum).status,
			  DRM_VSVM_JOB_OK);
	igt_assert_eq_u64(checksum, vsvm_fnv1a64(region, DATA_SIZE));
	vsvm_vm_destroy(pidfd_vm.fd, vm);
	close(pidfd);
	munmap(region, REGION_SIZE);
}

/*
 * An unprivileged caller (nobody) may mirror a dumpable process of its own
 * user, and neither a root process nor a non-dumpable one of its own user.
 */
static void test_unprivileged(void)
{
	uint8_t *region = region_map();
	struct target as_root = target_start(region, 0);
	struct target same_user = target_start(region, 1);
	struct target undumpable = target_start(region, -1);

	int ids[2];
	uint32_t vm;

	/*
	 * The child hands the VM id to the parent, which tells the target:
	 * igt_waitchildren() reaps any child that exits, so no target may end
	 * before it returns.
	 */
	igt_assert_eq(pipe2(ids, O_CLOEXEC), 0);
	igt_fork(child, 1) {
		drop_to_nobody(true);
		igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, as_root.pidfd, NULL), -EACCES);
		igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, undumpable.pidfd, NULL), -EACCES);
		igt_assert_eq(vm_create_pidfd(pidfd_vm.fd, same_user.pidfd, &vm), 0);
		device_works_on_target(pidfd_vm.fd, vm, region);
		/* The VM outlives this child on the shared file. */
		igt_assert_eq(write(ids[1], &vm, sizeof(vm)), (int)sizeof(vm));
	}
	igt_waitchildren();
	close(ids[1]);
	igt_assert_eq(read(ids[0], &vm, sizeof(vm)), (int)sizeof(vm));
	close(ids[0]);

	igt_assert_eq(target_finish(&as_root, 'q', 0), TARGET_OK);
	igt_assert_eq(target_finish(&undumpable, 'q', 0), TARGET_OK);
	/* The target checks its memory and that it may not submit to the VM. */
	igt_assert_eq(target_finish(&same_user, 'v', vm), TARGET_OK);
	igt_assert_eq_u64(vsvm_pattern_mismatch(region, REGION_SIZE, PARENT_SEED), SIZE_MAX);
	munmap(region, REGION_SIZE);
}

igt_main
{
	igt_fixture {
		pidfd_vm.fd = vsvm_open(pidfd_vm.path, sizeof(pidfd_vm.path));
		vsvm_require_caps(pidfd_vm.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE |
				  DRM_VSVM_CAP_PIDFD_VM);
	}

	igt_describe("A VM created on a child's pidfd mirrors the child: the device checksums "
		     "and fills the child's memory at addresses where the creator's own memory "
		     "holds other data, which stays untouched; the child, sharing the file, "
		     "gets -EACCES submitting to that VM.");
	igt_subtest("mirror-child")
		test_mirror_child();

	igt_describe("A VM on a pidfd of the caller itself mirrors the caller.");
	igt_subtest("self")
		test_self();

	igt_describe("When the mirrored process exits, jobs of the VM end NO_MM and the "
		     "creator's memory at the same addresses is not touched.");
	igt_subtest("target-exit")
		test_target_exit();

	igt_describe("An unprivileged caller may mirror a dumpable process of its own user; a "
		     "root process and a non-dumpable one give -EACCES "
		     "(PTRACE_MODE_ATTACH_REALCREDS).");
	igt_subtest("unprivileged")
		test_unprivileged();

	igt_describe("A bad fd or a non-pidfd gives -EBADF, a zombie or reaped process -ESRCH, a "
		     "pidfd without the flag or a non-zero pad -EINVAL.");
	igt_subtest("bad-pidfd")
		test_bad_pidfd();

	igt_fixture
		close(pidfd_vm.fd);
}
