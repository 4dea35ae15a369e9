// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>
#include <linux/userfaultfd.h>
#include <xf86drm.h>

#include "vsvm_helpers.h"

#include "kernels/saxpy.h"
#include "kernels/store_one.h"

IGT_TEST_DESCRIPTION("Abuse of the vsvm device from the kernel's side: isolation between "
		     "processes (fork, SCM_RIGHTS, unprivileged users), process exit, kill, "
		     "close and the OOM reaper with jobs in flight, device unbind and module "
		     "reload with files open, and allocation-failure injection over every "
		     "ioctl and the fault path.");

#define PAGE_SIZE	4096ull
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PLATFORM_DEVICE	"vsvm.0"
#define PLATFORM_DRIVER	"/sys/bus/platform/drivers/vsvm"
#define DEBUGFS_COUNTERS	"/sys/kernel/debug/dri/" PLATFORM_DEVICE "/counters"
#define DEBUGFS_VMS	"/sys/kernel/debug/dri/" PLATFORM_DEVICE "/vms"
#define NOBODY		65534

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease	448
#endif

/* ---- small helpers -------------------------------------------------------------------- */

static int open_node(void)
{
	return vsvm_open(NULL, 0);
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

/* A value of the device's debugfs counters file ("name value" lines). */
static uint64_t device_counter(const char *name)
{
	uint64_t value;
	int ret = vsvm_counters_file_value(DEBUGFS_COUNTERS, name, &value);

	igt_assert_f(ret == 0, "counter %s of %s: %s\n", name, DEBUGFS_COUNTERS, strerror(-ret));
	return value;
}

/*
 * Waits until the device has no more open files and VMs than @files and @vms:
 * what a process left behind has been freed.
 */
static void wait_device_idle(uint64_t files, uint64_t vms, int seconds)
{
	int64_t end = vsvm_now_ns() + seconds * VSVM_NSEC_PER_SEC;
	uint64_t f, v;

	do {
		f = device_counter("files_open");
		v = device_counter("vms");
		if (f <= files && v <= vms)
			return;
		usleep(50 * 1000);
	} while (vsvm_now_ns() < end);
	igt_assert_f(false, "after %d s the device still has %llu files and %llu VMs open, "
		     "expected %llu and %llu\n", seconds, (unsigned long long)f,
		     (unsigned long long)v, (unsigned long long)files, (unsigned long long)vms);
}

static int exec_copy_cmd(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmd)
{
	struct drm_vsvm_exec exec = {
		.vm_id = vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)cmd,
		.num_cmds = 1,
	};

	return __vsvm_exec(fd, &exec);
}

static int exec_dispatch(int fd, uint32_t vm, const struct drm_vsvm_dispatch *d, uint64_t *job)
{
	struct drm_vsvm_exec exec = {
		.vm_id = vm,
		.engine = DRM_VSVM_ENGINE_COMPUTE,
		.cmds_ptr = (uintptr_t)d,
		.num_cmds = 1,
	};
	int ret = __vsvm_exec(fd, &exec);

	if (job)
		*job = exec.job_id;
	return ret;
}

static int prefetch(int fd, uint32_t vm, const void *start, uint64_t size, uint32_t flags)
{
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = vm,
		.flags = flags,
		.start = (uintptr_t)start,
		.size = size,
	};

	return drmIoctl(fd, DRM_IOCTL_VSVM_VM_PREFETCH, &args) ? -errno : 0;
}

/* A dispatch of store_one: writes 42 at @dst. */
static struct drm_vsvm_dispatch store_one_at(const void *code, uint64_t *dst)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &prog, 1, 1);

	d.args[0] = (uintptr_t)dst;
	d.num_args = 1;
	return d;
}

/* The driver does its whole job for this process: a fill, a checksum, a dispatch. */
static void assert_device_works(int fd, uint32_t vm)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	uint8_t *buf = map_anon(2 * PAGE_SIZE);
	uint64_t *result = (uint64_t *)(buf + PAGE_SIZE);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = store_one_at(code, result);

	igt_assert_job_ok(vsvm_fill(fd, vm, buf, PAGE_SIZE, 0x0123456789abcdefull));
	igt_assert_filled(buf, PAGE_SIZE, 0x0123456789abcdefull);
	igt_assert_job_ok(vsvm_checksum(fd, vm, buf, PAGE_SIZE, result));
	igt_assert_eq_u64(*result, vsvm_fnv1a64(buf, PAGE_SIZE));
	*result = 0;
	igt_assert_job_ok(vsvm_run_compute(fd, vm, &d));
	igt_assert_eq_u64(*result, 42);
	vsvm_program_free(code, &prog);
	munmap(buf, 2 * PAGE_SIZE);
}

/* Job status through WAIT, without asserting on the WAIT itself. */
static int wait_job(int fd, uint32_t vm, uint64_t job, struct drm_vsvm_wait *out)
{
	*out = (struct drm_vsvm_wait){
		.vm_id = vm,
		.job_id = job,
		.timeout_ns = vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS),
	};
	return __vsvm_wait(fd, out);
}

/* ---- isolation: another process holding the file -------------------------------------- */

/* State of the foreign-* subtests: the parent's file, VM and memory. */
static struct {
	int fd;
	uint32_t vm;
	uint8_t *buf;
	size_t size;
} own;

static void own_setup(void)
{
	own.fd = open_node();
	own.vm = vsvm_vm_create(own.fd);
	own.size = 4 * PAGE_SIZE;
	own.buf = map_anon(own.size);
	vsvm_pattern_fill(own.buf, own.size, 0xabcd);
}

/* The parent's memory is as it left it and its VM still serves it. */
static void own_check_and_teardown(void)
{
	igt_assert_pattern(own.buf, own.size, 0xabcd);
	assert_device_works(own.fd, own.vm);
	vsvm_vm_destroy(own.fd, own.vm);
	munmap(own.buf, own.size);
	close(own.fd);
}

static void test_foreign_exec_copy(void)
{
	own_setup();
	igt_fork(child, 1) {
		/* The child's address space holds a copy of the buffer at the same address. */
		struct drm_vsvm_cmd fill = vsvm_cmd_fill(own.buf, own.size, 0);
		struct drm_vsvm_cmd copy = vsvm_cmd_copy(own.buf, own.buf + PAGE_SIZE, PAGE_SIZE);

		igt_assert_eq(exec_copy_cmd(own.fd, own.vm, &fill), -EACCES);
		igt_assert_eq(exec_copy_cmd(own.fd, own.vm, &copy), -EACCES);
	}
	igt_waitchildren();
	own_check_and_teardown();
}

static void test_foreign_exec_compute(void)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	void *code;

	own_setup();
	code = vsvm_program_upload(&prog);
	igt_fork(child, 1) {
		struct drm_vsvm_dispatch d = store_one_at(code, (uint64_t *)own.buf);

		igt_assert_eq(exec_dispatch(own.fd, own.vm, &d, NULL), -EACCES);
	}
	igt_waitchildren();
	vsvm_program_free(code, &prog);
	own_check_and_teardown();
}

static void test_foreign_prefetch(void)
{
	uint64_t before[DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];

	own_setup();
	vsvm_counters(own.fd, own.vm, before);
	igt_fork(child, 1) {
		igt_assert_eq(prefetch(own.fd, own.vm, own.buf, own.size, 0), -EACCES);
		igt_assert_eq(prefetch(own.fd, own.vm, own.buf, own.size,
				       DRM_VSVM_PREFETCH_WRITE), -EACCES);
	}
	igt_waitchildren();
	/* Not one device fault happened on the child's behalf. */
	vsvm_counters_delta(own.fd, own.vm, before, delta);
	igt_assert_eq_u64(delta[DRM_VSVM_COUNTER_FAULTS], 0);
	igt_assert_eq_u64(delta[DRM_VSVM_COUNTER_MAPPED_4K], 0);
	own_check_and_teardown();
}

static void test_foreign_wait_counters(void)
{
	struct drm_vsvm_cmd cmd;
	uint64_t job;

	own_setup();
	cmd = vsvm_cmd_fill((void *)8, PAGE_SIZE, 0);	/* no mapping: a fatal fault */
	vsvm_exec(own.fd, own.vm, &cmd, 1, &job);
	igt_fork(child, 1) {
		struct drm_vsvm_wait wait;
		uint64_t counters[DRM_VSVM_COUNTER_COUNT];

		/* Allowed: they read the file's objects and touch no memory. */
		igt_assert_eq(wait_job(own.fd, own.vm, job, &wait), 0);
		igt_assert_eq(wait.status, DRM_VSVM_JOB_FAULT);
		igt_assert_eq_u64(wait.fault_addr, 8);
		vsvm_counters(own.fd, own.vm, counters);
		igt_assert_lte_u64(1, counters[DRM_VSVM_COUNTER_FAULTS_FATAL]);
	}
	igt_waitchildren();
	own_check_and_teardown();
}

static void test_foreign_destroy(void)
{
	struct drm_vsvm_cmd cmd;

	own_setup();
	igt_fork(child, 1)
		vsvm_vm_destroy(own.fd, own.vm);
	igt_waitchildren();
	/* The child destroyed the parent's VM: it is gone for the parent too. */
	cmd = vsvm_cmd_fill(own.buf, PAGE_SIZE, 0);
	igt_assert_eq(exec_copy_cmd(own.fd, own.vm, &cmd), -ENOENT);
	igt_assert_pattern(own.buf, own.size, 0xabcd);
	own.vm = vsvm_vm_create(own.fd);
	own_check_and_teardown();
}

static void send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	igt_assert_eq(sendmsg(sock, &msg, 0), 1);
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	igt_assert_eq(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), 1);
	cmsg = CMSG_FIRSTHDR(&msg);
	igt_assert(cmsg && cmsg->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void test_scm_rights(void)
{
	int sock[2];
	char done;

	igt_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock), 0);
	/* The child exists before the file: it can only get it through the socket. */
	igt_fork(child, 1) {
		uint32_t vm, theirs;
		uint8_t *mine;
		struct drm_vsvm_cmd cmd;
		int fd;

		close(sock[0]);
		fd = recv_fd(sock[1]);
		igt_assert(vsvm_fd_is_vsvm(fd));
		igt_assert_eq(read(sock[1], &theirs, sizeof(theirs)), sizeof(theirs));

		cmd = vsvm_cmd_fill((void *)(uintptr_t)PAGE_SIZE, PAGE_SIZE, 0);
		igt_assert_eq(exec_copy_cmd(fd, theirs, &cmd), -EACCES);
		igt_assert_eq(prefetch(fd, theirs, (void *)(uintptr_t)PAGE_SIZE, PAGE_SIZE, 0),
			      -EACCES);

		/* Its own VM on the same file mirrors its own memory. */
		vm = vsvm_vm_create(fd);
		igt_assert_neq(vm, theirs);
		mine = map_anon(PAGE_SIZE);
		igt_assert_job_ok(vsvm_fill(fd, vm, mine, PAGE_SIZE, 0x77));
		igt_assert_filled(mine, PAGE_SIZE, 0x77);
		vsvm_vm_destroy(fd, vm);
		close(fd);
		igt_assert_eq(write(sock[1], "D", 1), 1);
	}
	close(sock[1]);
	own_setup();
	send_fd(sock[0], own.fd);
	igt_assert_eq(write(sock[0], &own.vm, sizeof(own.vm)), sizeof(own.vm));
	igt_assert_eq(read(sock[0], &done, 1), 1);
	igt_waitchildren();
	close(sock[0]);
	own_check_and_teardown();
}

/* ---- isolation: two processes, two VMs ------------------------------------------------ */

#define SHARED_VA	((void *)0x3f0000000000ull)
#define SHARED_SIZE	(64 * 1024)

static void test_isolated_processes(void)
{
	igt_fork(child, 2) {
		uint64_t value = 0x1111111111111111ull * (child + 1);
		uint64_t *result;
		uint8_t *buf;
		uint32_t vm;
		int fd;

		/* The same address in both processes, different memory behind it. */
		buf = mmap(SHARED_VA, SHARED_SIZE + PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		igt_assert(buf == SHARED_VA);
		result = (uint64_t *)(buf + SHARED_SIZE);
		fd = open_node();
		vm = vsvm_vm_create(fd);
		for (int round = 0; round < 8; round++) {
			uint32_t seed = (child + 1) * 100 + round;

			vsvm_pattern_fill(buf, SHARED_SIZE, seed);
			igt_assert_job_ok(vsvm_checksum(fd, vm, buf, SHARED_SIZE, result));
			igt_assert_eq_u64(*result, vsvm_fnv1a64(buf, SHARED_SIZE));
			igt_assert_job_ok(vsvm_fill(fd, vm, buf, SHARED_SIZE, value + round));
			igt_assert_filled(buf, SHARED_SIZE, value + round);
		}
		vsvm_vm_destroy(fd, vm);
		close(fd);
	}
	igt_waitchildren();
}

/* ---- an unprivileged user ------------------------------------------------------------- */

static char node_path[PATH_MAX];
static mode_t node_mode;

static void restore_node_mode(int sig)
{
	(void)sig;
	if (node_path[0])
		chmod(node_path, node_mode);
}

static void test_unprivileged(void)
{
	struct stat st;
	int fd;

	fd = vsvm_open(node_path, sizeof(node_path));
	close(fd);
	igt_assert_eq(stat(node_path, &st), 0);
	node_mode = st.st_mode & 07777;
	igt_info("%s: mode %04o, uid %u, gid %u\n", node_path, node_mode, st.st_uid, st.st_gid);
	/*
	 * devtmpfs creates DRM nodes 0600 root:root; udev's default rules make
	 * render nodes 0666, which is what a desktop has. Do what udev does.
	 */
	if ((node_mode & 0666) != 0666) {
		igt_install_exit_handler(restore_node_mode);
		igt_assert_eq(chmod(node_path, node_mode | 0666), 0);
	}

	igt_fork(child, 1) {
		char value[64];
		uint32_t vm;

		igt_assert_eq(setgroups(0, NULL), 0);
		igt_assert_eq(setgid(NOBODY), 0);
		igt_assert_eq(setuid(NOBODY), 0);
		igt_assert_eq(geteuid(), NOBODY);
		fd = open(node_path, O_RDWR | O_CLOEXEC);
		igt_assert_f(fd >= 0, "open %s as uid %d: %s\n", node_path, NOBODY,
			     strerror(errno));
		igt_assert(vsvm_fd_is_vsvm(fd));
		vm = vsvm_vm_create(fd);
		assert_device_works(fd, vm);
		/* The tunables stay root's. */
		igt_assert_eq(vsvm_tunable_read(fd, "dbg_mask", value, sizeof(value)), 0);
		igt_assert_eq(vsvm_tunable_write(fd, "dbg_mask", "0"), -EACCES);
		vsvm_vm_destroy(fd, vm);
		close(fd);
	}
	igt_waitchildren();
	restore_node_mode(0);
}

/* ---- lifecycle: processes that go away with work in flight ---------------------------- */

/*
 * Submits work that keeps the engines busy: a long copy job, queued copies
 * behind it and a compute job.
 */
static void submit_busy_work(int fd, uint32_t vm)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	uint8_t *buf = map_anon(1 << 20);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = store_one_at(code, (uint64_t *)buf);
	uint64_t job;

	vsvm_submit_long_job(fd, vm);
	for (int i = 0; i < 8; i++) {
		struct drm_vsvm_cmd cmd = vsvm_cmd_fill(buf, 1 << 20, i);

		vsvm_exec(fd, vm, &cmd, 1, &job);
	}
	igt_assert_eq(exec_dispatch(fd, vm, &d, &job), 0);
}

/* fork() that a test waits for itself, since the child is meant to die. */
static pid_t fork_child(void)
{
	pid_t pid = fork();

	igt_assert(pid >= 0);
	return pid;
}

static int wait_child(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_exit_with_jobs(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");
	pid_t pid = fork_child();
	int status;

	if (pid == 0) {
		int fd = open_node();
		uint32_t vm = vsvm_vm_create(fd);

		submit_busy_work(fd, vm);
		_exit(0);	/* no VM_DESTROY, no close */
	}
	status = wait_child(pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x\n", status);
	wait_device_idle(files, vms, 60);
}

static void test_kill_with_jobs(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");
	int ready[2], status;
	pid_t pid;
	char c;

	igt_assert_eq(pipe(ready), 0);
	pid = fork_child();
	if (pid == 0) {
		int fd = open_node();
		uint32_t vm = vsvm_vm_create(fd);

		submit_busy_work(fd, vm);
		igt_assert_eq(write(ready[1], "R", 1), 1);
		for (;;)
			pause();
	}
	igt_assert_eq(read(ready[0], &c, 1), 1);
	igt_assert_eq(kill(pid, SIGKILL), 0);
	status = wait_child(pid);
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	wait_device_idle(files, vms, 60);
	close(ready[0]);
	close(ready[1]);
}

struct unmapper {
	void *buf;
	size_t size;
	atomic_bool go;
};

static void *unmap_when_told(void *arg)
{
	struct unmapper *u = arg;

	while (!atomic_load(&u->go))
		;
	igt_assert_eq(munmap(u->buf, u->size), 0);
	return NULL;
}

/*
 * munmap()'s invalidation racing VM_DESTROY, many times: the garbage
 * collection an UNMAP queues must never run on a freed VM (KASAN would
 * report the access), and every VM goes.
 */
static void test_munmap_vs_destroy(void)
{
	const size_t size = 8 << 20;
	uint64_t vms = device_counter("vms");
	int fd = open_node();

	for (int i = 0; i < 100; i++) {
		struct unmapper u = { .buf = map_anon(size), .size = size };
		uint32_t vm = vsvm_vm_create(fd);
		pthread_t thread;

		/* One range per 2 MiB, each all unmapped by the munmap. */
		for (size_t off = 0; off < size; off += 2 << 20)
			igt_assert_job_ok(vsvm_fill(fd, vm, (uint8_t *)u.buf + off, PAGE_SIZE, i));
		igt_assert_eq(pthread_create(&thread, NULL, unmap_when_told, &u), 0);
		atomic_store(&u.go, true);
		vsvm_vm_destroy(fd, vm);
		pthread_join(thread, NULL);
	}
	close(fd);
	igt_assert_eq_u64(device_counter("vms"), vms);
}

static void test_close_while_running(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	size_t size = 1 << 20;
	uint8_t *src = map_anon(size), *dst = map_anon(size);
	uint64_t *result = map_anon(PAGE_SIZE);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = store_one_at(code, result);
	int fd = open_node();
	uint32_t vm = vsvm_vm_create(fd);
	int64_t start;
	uint64_t job;

	vsvm_pattern_fill(src, size, 7);
	for (int i = 0; i < 8; i++) {
		struct drm_vsvm_cmd cmd = vsvm_cmd_fill(dst, size, i);

		vsvm_exec(fd, vm, &cmd, 1, &job);
	}
	{
		struct drm_vsvm_cmd cmd = vsvm_cmd_copy(dst, src, size);

		vsvm_exec(fd, vm, &cmd, 1, &job);
	}
	igt_assert_eq(exec_dispatch(fd, vm, &d, &job), 0);

	/* Closing the file lets the queued jobs run to their end, then frees the VM. */
	start = vsvm_now_ns();
	close(fd);
	igt_info("close() with 10 jobs queued took %.1f ms\n",
		 (vsvm_now_ns() - start) / 1e6);
	igt_assert_pattern(dst, size, 7);
	igt_assert_eq_u64(*result, 42);
	wait_device_idle(files, vms, 30);
	vsvm_program_free(code, &prog);
}

/* ---- lifecycle: EXEC racing VM_DESTROY ------------------------------------------------ */

/* How long an ioctl that waits for nothing may take on the emulated guest. */
#define PROMPT_NS	(10 * VSVM_NSEC_PER_SEC)

/* VMs of this process that the device still has (its debugfs "vms" file). */
static unsigned int own_vms_alive(void)
{
	FILE *f = fopen(DEBUGFS_VMS, "re");
	unsigned int n = 0, id;
	char *line = NULL;
	size_t len = 0;
	int pid;

	igt_assert_f(f, "%s: %s\n", DEBUGFS_VMS, strerror(errno));
	while (getline(&line, &len, f) > 0)
		if (sscanf(line, "vm %u pid %d", &id, &pid) == 2 && pid == getpid())
			n++;
	free(line);
	fclose(f);
	return n;
}

/* One ioctl in a thread of its own, which the main thread watches. */
struct ioctl_thread {
	pthread_t thread;
	int fd;
	unsigned long request;
	void *arg;
	int ret;
	int64_t ns;		/* how long the ioctl took */
	atomic_bool done;
};

static void *ioctl_thread_run(void *data)
{
	struct ioctl_thread *t = data;
	int64_t start = vsvm_now_ns();

	t->ret = drmIoctl(t->fd, t->request, t->arg) ? -errno : 0;
	t->ns = vsvm_now_ns() - start;
	atomic_store(&t->done, true);
	return NULL;
}

static void ioctl_thread_start(struct ioctl_thread *t, int fd, unsigned long request, void *arg)
{
	*t = (struct ioctl_thread){ .fd = fd, .request = request, .arg = arg };
	igt_assert_eq(pthread_create(&t->thread, NULL, ioctl_thread_run, t), 0);
}

/* Return: whether the ioctl returned within @ns (the thread is joined then). */
static bool ioctl_thread_wait(struct ioctl_thread *t, int64_t ns)
{
	int64_t end = vsvm_now_ns() + ns;

	while (!atomic_load(&t->done) && vsvm_now_ns() < end)
		usleep(1000);
	if (!atomic_load(&t->done))
		return false;
	igt_assert_eq(pthread_join(t->thread, NULL), 0);
	return true;
}

/* Waits until a thread is blocked on the missing page @page of @uffd. */
static void wait_uffd_fault(int uffd, const void *page)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	igt_assert_f(poll(&pfd, 1, PROMPT_NS / VSVM_NSEC_PER_MSEC) == 1,
		     "EXEC never faulted on its commands\n");
	igt_assert_eq(read(uffd, &msg, sizeof(msg)), sizeof(msg));
	igt_assert_eq(msg.event, UFFD_EVENT_PAGEFAULT);
	igt_assert_eq_u64(msg.arg.pagefault.address & ~(PAGE_SIZE - 1), (uintptr_t)page);
}

/*
 * EXEC holds its VM reference and is stalled in the copy of its commands (a
 * userfaultfd page, missing mode) while VM_DESTROY destroys the VM. The
 * contract: VM_DESTROY does not wait for an EXEC that user space stalls;
 * the EXEC, once it goes on, finds the VM gone, fails with -ENOENT and
 * leaves nothing behind (no fence in its out-syncobj, no job, no VM). A job
 * pushed to the destroyed VM's exec queue would never run nor be freed, and
 * would keep the VM, its mm and its notifiers alive for ever.
 */
static void exec_vs_destroy(const char *name, uint32_t engine, const void *cmd, size_t size)
{
	struct uffdio_api api = { .api = UFFD_API };
	uint8_t *cmds = map_anon(PAGE_SIZE), *staged = map_anon(PAGE_SIZE);
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)cmds, .len = PAGE_SIZE },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_copy copy = {
		.dst = (uintptr_t)cmds,
		.src = (uintptr_t)staged,
		.len = PAGE_SIZE,
	};
	int fd = open_node();
	struct drm_vsvm_exec exec = {
		.vm_id = vsvm_vm_create(fd),
		.engine = engine,
		.cmds_ptr = (uintptr_t)cmds,
		.num_cmds = 1,
	};
	struct drm_vsvm_vm_destroy destroy = { .vm_id = exec.vm_id };
	struct ioctl_thread exec_thread, destroy_thread;
	bool destroy_prompt, exec_returned;
	struct drm_vsvm_wait wait;
	unsigned int alive;
	int64_t end;
	int uffd, fence;

	memcpy(staged, cmd, size);
	igt_assert_eq(drmSyncobjCreate(fd, 0, &exec.out_syncobj), 0);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	igt_require_f(uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	igt_assert_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	igt_assert_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	ioctl_thread_start(&exec_thread, fd, DRM_IOCTL_VSVM_EXEC, &exec);
	wait_uffd_fault(uffd, cmds);
	ioctl_thread_start(&destroy_thread, fd, DRM_IOCTL_VSVM_VM_DESTROY, &destroy);
	destroy_prompt = ioctl_thread_wait(&destroy_thread, PROMPT_NS);

	/* Whatever VM_DESTROY did, let EXEC go on. */
	igt_assert_eq(ioctl(uffd, UFFDIO_COPY, &copy), 0);
	exec_returned = ioctl_thread_wait(&exec_thread, PROMPT_NS);
	if (!destroy_prompt)
		ioctl_thread_wait(&destroy_thread, PROMPT_NS);

	/* An accepted job would have to end; a rejected one leaves no fence (-EINVAL). */
	fence = drmSyncobjWait(fd, &exec.out_syncobj, 1,
			       exec_returned && !exec_thread.ret ? vsvm_timeout_in(PROMPT_NS) : 0,
			       0, NULL);
	end = vsvm_now_ns() + PROMPT_NS;
	while ((alive = own_vms_alive()) && vsvm_now_ns() < end)
		usleep(50 * 1000);
	igt_info("%s: VM_DESTROY %s (%.1f ms) with EXEC stalled; EXEC then %s %d (%s); "
		 "out-syncobj wait %d; VMs of this process left %u\n", name,
		 destroy_prompt ? "returned" : "blocked", destroy_thread.ns / 1e6,
		 exec_returned ? "returned" : "blocked, so far", exec_thread.ret,
		 strerror(-exec_thread.ret), fence, alive);

	igt_assert_f(destroy_prompt, "VM_DESTROY blocked behind an EXEC stalled in its copy\n");
	igt_assert_f(exec_returned, "EXEC blocked once its commands were there\n");
	igt_assert_eq(destroy_thread.ret, 0);
	igt_assert_f(exec_thread.ret == -ENOENT,
		     "EXEC on a VM destroyed meanwhile returned %d (%s), expected -ENOENT\n",
		     exec_thread.ret, strerror(-exec_thread.ret));
	igt_assert_f(fence == -EINVAL, "the rejected EXEC left a fence in its out-syncobj\n");
	igt_assert_eq(wait_job(fd, exec.vm_id, 1, &wait), -ENOENT);
	igt_assert_f(!alive, "%u VMs of this process still alive after VM_DESTROY\n", alive);

	close(uffd);
	drmSyncobjDestroy(fd, exec.out_syncobj);
	close(fd);
	munmap(staged, PAGE_SIZE);
	munmap(cmds, PAGE_SIZE);
}

static void test_exec_vs_destroy(void)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	uint64_t *dst = map_anon(PAGE_SIZE);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_cmd fill = vsvm_cmd_fill(dst, PAGE_SIZE, 0x5a5a5a5a5a5a5a5aull);
	struct drm_vsvm_dispatch d = store_one_at(code, dst);
	int fd;
	uint32_t vm;

	exec_vs_destroy("copy", DRM_VSVM_ENGINE_COPY, &fill, sizeof(fill));
	exec_vs_destroy("compute", DRM_VSVM_ENGINE_COMPUTE, &d, sizeof(d));
	/* Neither job ran. */
	igt_assert_eq_u64(*dst, 0);

	fd = open_node();
	vm = vsvm_vm_create(fd);
	assert_device_works(fd, vm);
	vsvm_vm_destroy(fd, vm);
	close(fd);
	vsvm_program_free(code, &prog);
	munmap(dst, PAGE_SIZE);
}

/* ---- the OOM reaper ------------------------------------------------------------------- */

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (vsvm_read_file(path, buf, sizeof(buf)))
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

#define REAP_SIZE	(16 << 20)

/*
 * process_mrelease() runs the OOM reaper's code on a killed process: every
 * private VMA is unmapped under non-blockable mmu notifier invalidations.
 * The victim sits in VM_DESTROY of a VM with a running job (an
 * uninterruptible wait), so its address space is still there, with a second
 * VM mirroring REAP_SIZE bytes of it, while the reaper takes it apart.
 */
static void test_reaper_vs_running_job(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");
	uint64_t nonblock_failed = device_counter("inval_nonblock_failed");
	uint64_t c[DRM_VSVM_COUNTER_COUNT];
	int fd = open_node(), pidfd, ready[2], status, tries = 0, ret;
	uint32_t ids[2];
	pid_t pid;

	igt_assert_eq(pipe(ready), 0);
	pid = fork_child();
	if (pid == 0) {
		uint32_t mirror = vsvm_vm_create(fd), busy = vsvm_vm_create(fd);
		uint8_t *buf = map_anon(REAP_SIZE);
		struct drm_vsvm_vm_destroy destroy = { .vm_id = busy };

		memset(buf, 1, REAP_SIZE);
		igt_assert_eq(prefetch(fd, mirror, buf, REAP_SIZE, DRM_VSVM_PREFETCH_WRITE), 0);
		vsvm_submit_long_job(fd, busy);
		ids[0] = mirror;
		ids[1] = busy;
		igt_assert_eq(write(ready[1], ids, sizeof(ids)), sizeof(ids));
		/* Waits (uninterruptibly) for the long job. */
		__vsvm_vm_destroy(fd, &destroy);
		_exit(0);
	}
	igt_assert_eq(read(ready[0], ids, sizeof(ids)), sizeof(ids));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	igt_assert_fd(pidfd);
	for (int i = 0; i < 200 && proc_state(pid) != 'D'; i++)
		usleep(10 * 1000);
	igt_assert_eq(proc_state(pid), 'D');

	vsvm_counters(fd, ids[0], c);
	igt_assert_lte_u64(REAP_SIZE / PAGE_SIZE, c[DRM_VSVM_COUNTER_MAPPED_4K] +
			   512 * c[DRM_VSVM_COUNTER_MAPPED_2M]);
	igt_assert_eq(kill(pid, SIGKILL), 0);
	/* -EAGAIN when a non-blockable invalidation found a lock busy: retry. */
	while ((ret = syscall(SYS_process_mrelease, pidfd, 0)) && errno == EAGAIN && tries < 1000) {
		tries++;
		usleep(1000);
	}
	/*
	 * A retry may find the victim gone: the first pass reaped its job's
	 * memory, the job failed, VM_DESTROY returned and the victim exited.
	 */
	igt_assert_f(ret == 0 || (errno == ESRCH && tries > 0),
		     "process_mrelease: %s after %d retries\n", strerror(errno), tries);

	/* The reaper is done, and the address space is not torn down yet. */
	vsvm_counters(fd, ids[0], c);
	igt_info("mirror VM after the reaper: inval_unmap %llu, inval_release %llu, "
		 "nonblock_failed %llu, ptes_zapped %llu; %d process_mrelease retries\n",
		 (unsigned long long)c[DRM_VSVM_COUNTER_INVAL_UNMAP],
		 (unsigned long long)c[DRM_VSVM_COUNTER_INVAL_RELEASE],
		 (unsigned long long)c[DRM_VSVM_COUNTER_INVAL_NONBLOCK_FAILED],
		 (unsigned long long)c[DRM_VSVM_COUNTER_PTES_ZAPPED], tries);
	igt_assert_lte_u64(1, c[DRM_VSVM_COUNTER_INVAL_UNMAP]);
	igt_assert_lte_u64(REAP_SIZE / PAGE_SIZE, c[DRM_VSVM_COUNTER_PTES_ZAPPED]);

	status = wait_child(pid);
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/*
	 * The parent still holds the file: the mirror VM outlives the victim.
	 * The reaper's UNMAP told it that all it mirrored is gone, so garbage
	 * collection frees every range and notifier, as after munmap().
	 */
	for (int i = 0; i < 400; i++) {
		vsvm_counters(fd, ids[0], c);
		if (!c[DRM_VSVM_COUNTER_RANGES_ALIVE] && !c[DRM_VSVM_COUNTER_NOTIFIERS_ALIVE])
			break;
		usleep(50 * 1000);
	}
	igt_assert_eq_u64(c[DRM_VSVM_COUNTER_RANGES_ALIVE], 0);
	igt_assert_eq_u64(c[DRM_VSVM_COUNTER_NOTIFIERS_ALIVE], 0);
	igt_assert_lte_u64(1, c[DRM_VSVM_COUNTER_RANGES_GC]);
	igt_info("non-blockable invalidations that found the lock busy (device): %llu\n",
		 (unsigned long long)(device_counter("inval_nonblock_failed") - nonblock_failed));
	vsvm_vm_destroy(fd, ids[0]);
	igt_assert_eq(__vsvm_vm_destroy(fd, &(struct drm_vsvm_vm_destroy){ .vm_id = ids[1] }),
		      -ENOENT);
	close(fd);
	close(pidfd);
	close(ready[0]);
	close(ready[1]);
	wait_device_idle(files, vms, 30);
}

/* ---- the OOM killer ------------------------------------------------------------------- */

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_OOM	CGROUP_ROOT "/vsvm-abuse-oom"
#define PRINTK		"/proc/sys/kernel/printk"

static char saved_printk[64];

static void restore_oom_setup(int sig)
{
	(void)sig;
	if (saved_printk[0])
		vsvm_write_file(PRINTK, saved_printk);
	rmdir(CGROUP_OOM);
}

/* Kernel log records since @kmsg was opened that look like a splat. */
static void assert_no_splat(int kmsg)
{
	static const char *const patterns[] = {
		"BUG:", "WARNING:", "kernel BUG at", "Oops", "general protection fault",
		"INFO: possible", "INFO: task", "unreferenced object", "UBSAN:",
		"KASAN", "INFO: trying to register",
	};
	char rec[8192];
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		for (unsigned int i = 0; i < ARRAY_SIZE(patterns); i++)
			igt_assert_f(!strstr(rec, patterns[i]), "kernel log: %s", rec);
	}
}

static void test_oom_kill(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");
	uint64_t release = device_counter("inval_release");
	uint64_t unmap = device_counter("inval_unmap");
	uint64_t nonblock_failed = device_counter("inval_nonblock_failed");
	char events[512], *p;
	int status, kmsg, ready[2];
	unsigned long long kills = 0;
	pid_t pid;
	char c;

	igt_assert_eq(vsvm_memcg_enable(), 0);
	rmdir(CGROUP_OOM);
	igt_assert_eq(mkdir(CGROUP_OOM, 0755), 0);
	igt_install_exit_handler(restore_oom_setup);
	igt_assert_eq(vsvm_write_file(CGROUP_OOM "/memory.max", "96M"), 0);
	vsvm_write_file(CGROUP_OOM "/memory.swap.max", "0");

	/*
	 * The OOM report is a warning with a stack dump, which the console
	 * check would take for a splat: keep warnings off the console while the
	 * OOM killer runs, and look at the kernel log of that window here.
	 */
	igt_assert_eq(vsvm_read_file(PRINTK, saved_printk, sizeof(saved_printk)), 0);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	igt_assert_fd(kmsg);
	igt_assert(lseek(kmsg, 0, SEEK_END) >= 0);
	igt_assert_eq(vsvm_write_file(PRINTK, "4"), 0);

	igt_assert_eq(pipe(ready), 0);
	pid = fork_child();
	if (pid == 0) {
		char self[32];
		uint8_t *mirrored;
		uint32_t vm;
		int fd;

		snprintf(self, sizeof(self), "%d", getpid());
		if (vsvm_write_file(CGROUP_OOM "/cgroup.procs", self))
			_exit(2);
		fd = open_node();
		vm = vsvm_vm_create(fd);
		mirrored = map_anon(32 << 20);
		memset(mirrored, 1, 32 << 20);
		if (prefetch(fd, vm, mirrored, 32 << 20, DRM_VSVM_PREFETCH_WRITE))
			_exit(3);
		vsvm_submit_long_job(fd, vm);
		if (write(ready[1], "R", 1) != 1)
			_exit(4);
		for (;;) {
			uint8_t *more = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (more == MAP_FAILED)
				_exit(5);
			memset(more, 2, 4 << 20);
		}
	}
	igt_assert_eq(read(ready[0], &c, 1), 1);
	status = wait_child(pid);
	igt_assert_eq(vsvm_write_file(PRINTK, saved_printk), 0);
	igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "child status %#x, expected SIGKILL\n", status);
	igt_assert_eq(vsvm_read_file(CGROUP_OOM "/memory.events", events, sizeof(events)), 0);
	p = strstr(events, "oom_kill ");
	igt_assert(p && sscanf(p, "oom_kill %llu", &kills) == 1);
	igt_assert_lte_u64(1, kills);

	wait_device_idle(files, vms, 60);
	igt_info("OOM kills %llu; device totals: inval_release +%llu, inval_unmap +%llu, "
		 "nonblock_failed +%llu\n", kills,
		 (unsigned long long)(device_counter("inval_release") - release),
		 (unsigned long long)(device_counter("inval_unmap") - unmap),
		 (unsigned long long)(device_counter("inval_nonblock_failed") - nonblock_failed));
	assert_no_splat(kmsg);
	close(kmsg);
	close(ready[0]);
	close(ready[1]);
	igt_assert_eq(rmdir(CGROUP_OOM), 0);

	/* Everything works afterwards. */
	{
		int fd = open_node();
		uint32_t vm = vsvm_vm_create(fd);

		assert_device_works(fd, vm);
		vsvm_vm_destroy(fd, vm);
		close(fd);
	}
}

/* ---- allocation-failure injection ----------------------------------------------------- */

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc"

static const struct {
	const char *file;
	const char *value;
} inject_settings_init[] = {
	{ FAILSLAB "/ignore-gfp-wait", "N" },
	{ FAILSLAB "/verbose", "0" },
	{ FAILSLAB "/task-filter", "Y" },
	{ FAIL_PAGE_ALLOC "/ignore-gfp-wait", "N" },
	{ FAIL_PAGE_ALLOC "/ignore-gfp-highmem", "N" },
	{ FAIL_PAGE_ALLOC "/min-order", "0" },
	{ FAIL_PAGE_ALLOC "/verbose", "0" },
	{ FAIL_PAGE_ALLOC "/task-filter", "Y" },
};

static char inject_saved[ARRAY_SIZE(inject_settings_init)][32];
static bool inject_set;

static void inject_restore(int sig)
{
	(void)sig;
	if (!inject_set)
		return;
	vsvm_write_file(FAILSLAB "/probability", "0");
	vsvm_write_file(FAIL_PAGE_ALLOC "/probability", "0");
	for (unsigned int i = 0; i < ARRAY_SIZE(inject_settings_init); i++)
		vsvm_write_file(inject_settings_init[i].file, inject_saved[i]);
	inject_set = false;
}

/*
 * Failures may be injected into any allocation, sleeping ones included; none
 * is printed (a stack dump per failure would flood the console), and with a
 * probability set only tasks that ask for it (make-it-fail) see failures.
 */
static void inject_setup(void)
{
	igt_require_f(access(FAILSLAB, F_OK) == 0, "no %s: kernel without FAILSLAB\n", FAILSLAB);
	for (unsigned int i = 0; i < ARRAY_SIZE(inject_settings_init); i++) {
		igt_assert_eq(vsvm_read_file(inject_settings_init[i].file, inject_saved[i],
					sizeof(inject_saved[i])), 0);
	}
	inject_set = true;
	igt_install_exit_handler(inject_restore);
	for (unsigned int i = 0; i < ARRAY_SIZE(inject_settings_init); i++)
		igt_assert_eq(vsvm_write_file(inject_settings_init[i].file,
					 inject_settings_init[i].value), 0);
}

static int fail_nth_fd = -1;

/* Makes the @nth fault-injection point this thread passes fail. */
static void fail_nth_arm(unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	igt_assert_eq(pwrite(fail_nth_fd, buf, len, 0), len);
}

/* Disarms; Return: whether the armed failure was injected. */
static bool fail_nth_disarm(void)
{
	char buf[16] = "";
	bool injected;

	igt_assert_lt_u64(0, pread(fail_nth_fd, buf, sizeof(buf) - 1, 0));
	injected = atoi(buf) == 0;
	igt_assert_eq(pwrite(fail_nth_fd, "0", 1, 0), 1);
	return injected;
}

/* One operation of a campaign: returns 0 or a negative errno. */
struct inject_op {
	const char *name;
	int (*prepare)(void);
	int (*run)(void);
	void (*cleanup)(int ret);
};

static struct {
	int fd;
	uint32_t vm;
	uint8_t *buf;
	void *code;
	uint64_t *result;
	uint64_t job;
	uint32_t syncobj;
	int opened;
	uint32_t created;
	char path[PATH_MAX];
} inj;

static int op_open(void)
{
	int fd = open(inj.path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	inj.opened = fd;
	return 0;
}

static void op_open_cleanup(int ret)
{
	if (!ret)
		close(inj.opened);
}

static int op_vm_create(void)
{
	struct drm_vsvm_vm_create args = { .flags = DRM_VSVM_VM_CREATE_SVM };
	int ret = __vsvm_vm_create(inj.fd, &args);

	inj.created = args.vm_id;
	return ret;
}

static void op_vm_create_cleanup(int ret)
{
	if (!ret)
		vsvm_vm_destroy(inj.fd, inj.created);
}

static int op_exec_copy(void)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(inj.buf, PAGE_SIZE, 5);
	struct drm_vsvm_exec exec = {
		.vm_id = inj.vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)&cmd,
		.num_cmds = 1,
		.out_syncobj = inj.syncobj,
		.in_syncobjs_ptr = (uintptr_t)&inj.syncobj,
		.num_in_syncobjs = 1,
	};
	int ret = __vsvm_exec(inj.fd, &exec);

	inj.job = exec.job_id;
	return ret;
}

static void op_exec_cleanup(int ret)
{
	if (!ret)
		igt_assert_job_ok(vsvm_wait(inj.fd, inj.vm, inj.job,
					    vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS)));
}

static int op_exec_compute(void)
{
	struct drm_vsvm_dispatch d = store_one_at(inj.code, inj.result);

	return exec_dispatch(inj.fd, inj.vm, &d, &inj.job);
}

/* A fresh VM whose first faults happen in the ioctl (the fault path, in this task). */
static int op_prefetch_prepare(void)
{
	inj.created = vsvm_vm_create(inj.fd);
	return 0;
}

static int op_prefetch(void)
{
	return prefetch(inj.fd, inj.created, inj.buf, 64 * PAGE_SIZE, DRM_VSVM_PREFETCH_WRITE);
}

static void op_prefetch_cleanup(int ret)
{
	(void)ret;
	vsvm_vm_destroy(inj.fd, inj.created);
}

static int op_wait(void)
{
	struct drm_vsvm_wait wait;

	return wait_job(inj.fd, inj.vm, inj.job, &wait);
}

static int op_counters(void)
{
	uint64_t c[DRM_VSVM_COUNTER_COUNT];
	struct drm_vsvm_vm_counters args = {
		.vm_id = inj.vm,
		.count = DRM_VSVM_COUNTER_COUNT,
		.counters_ptr = (uintptr_t)c,
	};

	return __vsvm_vm_counters(inj.fd, &args);
}

static int op_destroy(void)
{
	struct drm_vsvm_vm_destroy args = { .vm_id = inj.created };

	return __vsvm_vm_destroy(inj.fd, &args);
}

static void op_destroy_cleanup(int ret)
{
	if (ret)
		vsvm_vm_destroy(inj.fd, inj.created);
}

static const struct inject_op inject_ops[] = {
	{ "open", NULL, op_open, op_open_cleanup },
	{ "vm-create", NULL, op_vm_create, op_vm_create_cleanup },
	{ "exec-copy", NULL, op_exec_copy, op_exec_cleanup },
	{ "exec-compute", NULL, op_exec_compute, op_exec_cleanup },
	{ "prefetch", op_prefetch_prepare, op_prefetch, op_prefetch_cleanup },
	{ "wait", NULL, op_wait, NULL },
	{ "counters", NULL, op_counters, NULL },
	{ "vm-destroy", op_prefetch_prepare, op_destroy, op_destroy_cleanup },
};

#define FAIL_NTH_MAX	400

static void inj_setup(void)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	char path[64];

	inj.fd = vsvm_open(inj.path, sizeof(inj.path));
	inj.vm = vsvm_vm_create(inj.fd);
	inj.buf = map_anon(64 * PAGE_SIZE);
	memset(inj.buf, 3, 64 * PAGE_SIZE);	/* no CPU page faults inside the ioctls */
	inj.result = map_anon(PAGE_SIZE);
	inj.code = vsvm_program_upload(&prog);
	igt_assert_eq(drmSyncobjCreate(inj.fd, DRM_SYNCOBJ_CREATE_SIGNALED, &inj.syncobj), 0);
	igt_assert_job_ok(vsvm_fill(inj.fd, inj.vm, inj.buf, PAGE_SIZE, 5));
	inj.job = 1;	/* that fill: job ids of a VM start at 1 */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fail_nth_fd = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_fd(fail_nth_fd);
}

static void inj_teardown(void)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);

	close(fail_nth_fd);
	fail_nth_fd = -1;
	drmSyncobjDestroy(inj.fd, inj.syncobj);
	vsvm_program_free(inj.code, &prog);
	vsvm_vm_destroy(inj.fd, inj.vm);
	close(inj.fd);
}

/*
 * Fails the 1st, 2nd, ... allocation of @op in turn until it makes no more:
 * each run must succeed or fail with -ENOMEM, and the device must work after
 * every failure. Return: how many failures were injected.
 */
static unsigned int walk_fail_nth(const struct inject_op *op)
{
	unsigned int nth, injected = 0, failed = 0;

	for (nth = 1; nth <= FAIL_NTH_MAX; nth++) {
		bool hit;
		int ret;

		if (op->prepare)
			igt_assert_eq(op->prepare(), 0);
		fail_nth_arm(nth);
		ret = op->run();
		hit = fail_nth_disarm();
		igt_assert_f(ret == 0 || ret == -ENOMEM,
			     "%s with allocation %u failing: %d (%s)\n", op->name, nth, ret,
			     strerror(-ret));
		if (op->cleanup)
			op->cleanup(ret);
		if (!hit)
			break;
		injected++;
		failed += ret != 0;
	}
	igt_assert_f(nth <= FAIL_NTH_MAX, "%s still allocating after %u injected failures\n",
		     op->name, FAIL_NTH_MAX);
	assert_device_works(inj.fd, inj.vm);
	igt_info("%s: %u allocations failed in turn, %u of them failed the call\n", op->name,
		 injected, failed);
	return injected;
}

static void test_fail_nth(void)
{
	uint64_t files = device_counter("files_open"), vms = device_counter("vms");

	inject_setup();
	inj_setup();
	for (unsigned int i = 0; i < ARRAY_SIZE(inject_ops); i++) {
		unsigned int n = walk_fail_nth(&inject_ops[i]);

		/* Every ioctl that allocates must have been walked through. */
		if (strcmp(inject_ops[i].name, "wait") && strcmp(inject_ops[i].name, "counters") &&
		    strcmp(inject_ops[i].name, "vm-destroy"))
			igt_assert_lt_u64(0, n);
	}
	inj_teardown();
	inject_restore(0);
	wait_device_idle(files, vms, 30);
}

/*
 * The device side of the fault path runs in the compute engines' threads:
 * make their allocations fail at random while dispatches fault in fresh
 * memory. Jobs end OK or NOMEM, and all is well once the failures stop.
 */
#define ENGINE_CAMPAIGN_JOBS	24

static void set_engines_make_it_fail(const char *value)
{
	struct dirent *entry;
	DIR *proc = opendir("/proc");

	igt_assert(proc);
	while ((entry = readdir(proc))) {
		char path[64], comm[64];
		int pid = atoi(entry->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (vsvm_read_file(path, comm, sizeof(comm)) || strncmp(comm, "vsvm-cmp", 8))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/make-it-fail", pid);
		igt_assert_eq(vsvm_write_file(path, value), 0);
	}
	closedir(proc);
}

static void engines_restore(int sig)
{
	(void)sig;
	set_engines_make_it_fail("0");
	inject_restore(sig);
}

static void test_fail_engine_faults(void)
{
	struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	unsigned int ok = 0, nomem = 0;
	int fd = open_node();
	uint32_t vm = vsvm_vm_create(fd);
	void *code = vsvm_program_upload(&prog);

	inject_setup();
	igt_install_exit_handler(engines_restore);
	set_engines_make_it_fail("1");
	igt_assert_eq(vsvm_write_file(FAILSLAB "/probability", "30"), 0);
	igt_assert_eq(vsvm_write_file(FAILSLAB "/interval", "1"), 0);
	igt_assert_eq(vsvm_write_file(FAILSLAB "/times", "-1"), 0);
	igt_assert_eq(vsvm_write_file(FAIL_PAGE_ALLOC "/probability", "30"), 0);
	igt_assert_eq(vsvm_write_file(FAIL_PAGE_ALLOC "/interval", "1"), 0);
	igt_assert_eq(vsvm_write_file(FAIL_PAGE_ALLOC "/times", "-1"), 0);

	for (int i = 0; i < ENGINE_CAMPAIGN_JOBS; i++) {
		/* Fresh memory each time: every job takes device page faults. */
		uint64_t *dst = map_anon(4 << 20);
		struct drm_vsvm_dispatch d;
		struct vsvm_job_status st;

		dst[(i * 4097) % ((4 << 20) / 8)] = 1;	/* CPU-present, so only driver allocations */
		d = store_one_at(code, &dst[(i * 4097) % ((4 << 20) / 8)]);
		st = vsvm_run_compute(fd, vm, &d);
		igt_assert_f(st.status == DRM_VSVM_JOB_OK || st.status == DRM_VSVM_JOB_NOMEM,
			     "job %d under allocation failures ended %s\n", i,
			     vsvm_job_status_name(st.status));
		if (st.status == DRM_VSVM_JOB_OK) {
			igt_assert_eq_u64(dst[(i * 4097) % ((4 << 20) / 8)], 42);
			ok++;
		} else {
			nomem++;
		}
		munmap(dst, 4 << 20);
	}
	engines_restore(0);
	igt_info("%d dispatches under 30%% allocation failures: %u OK, %u NOMEM\n",
		 ENGINE_CAMPAIGN_JOBS, ok, nomem);
	assert_device_works(fd, vm);
	vsvm_program_free(code, &prog);
	vsvm_vm_destroy(fd, vm);
	close(fd);
}

/* ---- the device goes away: unbind, module reload ------------------------------------- */

static bool device_bound(void)
{
	return access(PLATFORM_DRIVER "/" PLATFORM_DEVICE, F_OK) == 0;
}

static void rebind(int sig)
{
	(void)sig;
	if (!device_bound())
		vsvm_write_file(PLATFORM_DRIVER "/bind", PLATFORM_DEVICE);
}

/* Return: the fence status of a sync_file (1 signalled, 0 pending, < 0 error). */
static int sync_file_status(int sync_file)
{
	struct sync_fence_info info = { 0 };
	struct sync_file_info file = {
		.num_fences = 1,
		.sync_fence_info = (uintptr_t)&info,
	};

	igt_assert_eq(ioctl(sync_file, SYNC_IOC_FILE_INFO, &file), 0);
	return info.status;
}

static void test_unbind_with_open_files(void)
{
	uint8_t *buf = map_anon(PAGE_SIZE);
	struct drm_vsvm_get_param param = { .param = DRM_VSVM_PARAM_UAPI_VERSION };
	struct drm_vsvm_vm_create create = { .flags = DRM_VSVM_VM_CREATE_SVM };
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(buf, PAGE_SIZE, 1);
	struct drm_vsvm_wait wait;
	uint64_t c[DRM_VSVM_COUNTER_COUNT];
	struct drm_vsvm_vm_counters counters = {
		.count = DRM_VSVM_COUNTER_COUNT,
		.counters_ptr = (uintptr_t)c,
	};
	char path[PATH_MAX];
	int fd, idle, running, queued, again;
	uint32_t vm, syncobj[2];
	struct pollfd pfd[2];
	int64_t start;

	fd = vsvm_open(path, sizeof(path));
	idle = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_fd(idle);
	vm = vsvm_vm_create(fd);
	counters.vm_id = vm;

	/* A long job running and a job queued behind it, each with a sync_file. */
	igt_assert_eq(drmSyncobjCreate(fd, 0, &syncobj[0]), 0);
	igt_assert_eq(drmSyncobjCreate(fd, 0, &syncobj[1]), 0);
	vsvm_submit_long_job(fd, vm);
	{
		struct drm_vsvm_exec exec = {
			.vm_id = vm,
			.engine = DRM_VSVM_ENGINE_COPY,
			.cmds_ptr = (uintptr_t)&cmd,
			.num_cmds = 1,
			.out_syncobj = syncobj[1],
		};
		struct drm_vsvm_cmd first = vsvm_cmd_fill(buf, PAGE_SIZE, 2);

		igt_assert_eq(__vsvm_exec(fd, &exec), 0);
		exec.cmds_ptr = (uintptr_t)&first;
		exec.out_syncobj = syncobj[0];
		/* Behind the long job too; the running one is the long job itself. */
		igt_assert_eq(__vsvm_exec(fd, &exec), 0);
	}
	igt_assert_eq(drmSyncobjExportSyncFile(fd, syncobj[1], &running), 0);
	igt_assert_eq(drmSyncobjExportSyncFile(fd, syncobj[0], &queued), 0);
	usleep(100 * 1000);

	igt_install_exit_handler(rebind);
	start = vsvm_now_ns();
	igt_assert_eq(vsvm_write_file(PLATFORM_DRIVER "/unbind", PLATFORM_DEVICE), 0);
	igt_info("unbind with a job running took %.1f ms\n", (vsvm_now_ns() - start) / 1e6);
	igt_assert(!device_bound());
	igt_assert_eq(vsvm_count_render_nodes(), 0);
	again = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_f(again < 0, "%s still opens after unbind\n", path);

	/* Every ioctl of a file opened before: -ENODEV. */
	igt_assert_eq(__vsvm_get_param(fd, &param), -ENODEV);
	igt_assert_eq(__vsvm_vm_create(fd, &create), -ENODEV);
	igt_assert_eq(exec_copy_cmd(fd, vm, &cmd), -ENODEV);
	igt_assert_eq(prefetch(fd, vm, buf, PAGE_SIZE, 0), -ENODEV);
	igt_assert_eq(wait_job(fd, vm, 1, &wait), -ENODEV);
	igt_assert_eq(__vsvm_vm_counters(fd, &counters), -ENODEV);
	igt_assert_eq(__vsvm_vm_destroy(fd, &(struct drm_vsvm_vm_destroy){ .vm_id = vm }),
		      -ENODEV);
	igt_assert_eq(__vsvm_get_param(idle, &param), -ENODEV);

	/* The jobs end: not run, or stopped, with an error. */
	pfd[0] = (struct pollfd){ .fd = running, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = queued, .events = POLLIN };
	for (int i = 0; i < 2; i++) {
		igt_assert_eq(poll(&pfd[i], 1, 30000), 1);
		igt_assert_f(sync_file_status(pfd[i].fd) < 0, "job %d ended with status %d\n", i,
			     sync_file_status(pfd[i].fd));
	}
	/* The fences must not outlive the device that named their timelines. */
	close(running);
	close(queued);
	close(fd);
	close(idle);

	igt_assert_eq(vsvm_write_file(PLATFORM_DRIVER "/bind", PLATFORM_DEVICE), 0);
	igt_assert(device_bound());
	fd = open_node();
	vm = vsvm_vm_create(fd);
	assert_device_works(fd, vm);
	vsvm_vm_destroy(fd, vm);
	close(fd);
	munmap(buf, PAGE_SIZE);
}

static void modprobe_back(int sig)
{
	(void)sig;
	if (!vsvm_count_render_nodes() && system("modprobe vsvm"))
		fprintf(stderr, "modprobe vsvm failed\n");
}

static void test_module_reload(void)
{
	int fd = open_node(), status;
	uint32_t vm;

	igt_install_exit_handler(modprobe_back);
	/* A user keeps the module in. */
	status = system("modprobe -r vsvm 2>/dev/null");
	igt_assert_f(status != 0, "modprobe -r vsvm succeeded with a file open\n");
	vm = vsvm_vm_create(fd);
	assert_device_works(fd, vm);
	close(fd);

	igt_assert_eq(system("modprobe -r vsvm"), 0);
	igt_assert_eq(vsvm_count_render_nodes(), 0);
	igt_assert_eq(access("/sys/module/vsvm", F_OK), -1);
	igt_assert_eq(system("modprobe vsvm"), 0);
	fd = open_node();
	vm = vsvm_vm_create(fd);
	assert_device_works(fd, vm);
	vsvm_vm_destroy(fd, vm);
	close(fd);
}

igt_main
{
	igt_describe("EXEC of a copy job by another process (fork) holding the file: -EACCES; "
		     "the creator's memory is untouched.");
	igt_subtest("foreign-exec-copy")
		test_foreign_exec_copy();

	igt_describe("EXEC of a compute job by another process (fork) holding the file: "
		     "-EACCES; the creator's memory is untouched.");
	igt_subtest("foreign-exec-compute")
		test_foreign_exec_compute();

	igt_describe("VM_PREFETCH by another process (fork) holding the file: -EACCES, and "
		     "no device fault is taken.");
	igt_subtest("foreign-prefetch")
		test_foreign_prefetch();

	igt_describe("WAIT and VM_COUNTERS from another process holding the file are "
		     "allowed: they touch no memory.");
	igt_subtest("foreign-wait-counters")
		test_foreign_wait_counters();

	igt_describe("VM_DESTROY from another process holding the file is allowed and "
		     "destroys the VM for every holder.");
	igt_subtest("foreign-destroy")
		test_foreign_destroy();

	igt_describe("A file received through SCM_RIGHTS cannot reach the sender's memory "
		     "(-EACCES), while the receiver's own VM on it mirrors the receiver.");
	igt_subtest("scm-rights")
		test_scm_rights();

	igt_describe("Two processes with different memory at the same address each see "
		     "only their own through their VMs.");
	igt_subtest("isolated-processes")
		test_isolated_processes();

	igt_describe("An unprivileged user (nobody) runs copy and compute jobs on the render "
		     "node (mode 0666, as udev sets it) and cannot write the tunables.");
	igt_subtest("unprivileged")
		test_unprivileged();

	igt_describe("A process exits with jobs running and queued on both engines: "
		     "everything is freed.");
	igt_subtest("exit-with-jobs")
		test_exit_with_jobs();

	igt_describe("A process is killed (SIGKILL) with jobs running and queued: "
		     "everything is freed.");
	igt_subtest("kill-with-jobs")
		test_kill_with_jobs();

	igt_describe("close() with jobs queued lets them run to their end, then frees "
		     "the VM.");
	igt_subtest("close-while-running")
		test_close_while_running();

	igt_describe("munmap() of mirrored ranges racing VM_DESTROY, 100 times: the garbage "
		     "collection an UNMAP queues never runs on a freed VM.");
	igt_subtest("munmap-vs-destroy")
		test_munmap_vs_destroy();

	igt_describe("EXEC stalled in the copy of its commands (userfaultfd) while VM_DESTROY "
		     "destroys its VM: VM_DESTROY returns at once, the EXEC then fails with "
		     "-ENOENT and submits nothing, and no VM of the process is left.");
	igt_subtest("exec-vs-destroy")
		test_exec_vs_destroy();

	igt_describe("process_mrelease() (the OOM reaper) takes apart a killed process's "
		     "mirrored memory while its job runs: the non-blockable invalidations "
		     "complete and zap the mirror.");
	igt_subtest("reaper-vs-running-job")
		test_reaper_vs_running_job();

	igt_describe("A process with a mirror and a running job is killed by the OOM killer "
		     "of its memory cgroup; its VM is freed and no splat is logged.");
	igt_subtest("oom-kill")
		test_oom_kill();

	igt_describe("Every allocation of every ioctl (and of opening the node) fails in "
		     "turn (fail-nth): each call succeeds or fails with -ENOMEM, and the "
		     "device works after each.");
	igt_subtest("fail-nth-ioctls")
		test_fail_nth();

	igt_describe("Allocations of the compute engines' fault path fail at random: jobs "
		     "end OK or NOMEM, and all works once the failures stop.");
	igt_subtest("fail-engine-faults")
		test_fail_engine_faults();

	igt_describe("Unbinding the device with files open and a job running: ioctls fail "
		     "with -ENODEV, jobs end with an error, and a rebound device works.");
	igt_subtest("unbind-with-open-files")
		test_unbind_with_open_files();

	igt_describe("The module cannot be removed while a file is open, is removed once "
		     "none is, and works when loaded again.");
	igt_subtest("module-reload")
		test_module_reload();
}
