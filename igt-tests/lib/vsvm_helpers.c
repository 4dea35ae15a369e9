// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(), we need versionsort(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

/* ---- the render node ------------------------------------------------------------------ */

/**
 * vsvm_fd_is_vsvm() - whether @fd is a device file of the vsvm driver
 * @fd: an open DRM device file
 */
bool vsvm_fd_is_vsvm(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	bool match = version && version->name && !strcmp(version->name, VSVM_DRIVER_NAME);

	drmFreeVersion(version);
	return match;
}

static int filter_render_node(const struct dirent *entry)
{
	return !strncmp(entry->d_name, "renderD", strlen("renderD"));
}

/**
 * vsvm_open_render_node() - open one vsvm render node
 * @nth: which vsvm node to open, counting from 0 in /dev/dri/renderD* order
 * @path: set to the node's path when it is opened
 * @path_len: size of @path
 *
 * The render nodes of other drivers are skipped, so this works on a machine
 * with a real GPU too.
 *
 * Return: the open file descriptor (O_CLOEXEC), or -1 when there are not
 * @nth + 1 vsvm render nodes.
 */
int vsvm_open_render_node(unsigned int nth, char *path, size_t path_len)
{
	struct dirent **entries;
	int count, i, fd = -1;

	count = scandir(VSVM_DRI_DIR, &entries, filter_render_node, versionsort);
	if (count < 0)
		return -1;

	for (i = 0; i < count; i++) {
		char node[PATH_MAX];
		int node_fd;

		snprintf(node, sizeof(node), VSVM_DRI_DIR "/%s", entries[i]->d_name);
		free(entries[i]);
		if (fd >= 0)
			continue;

		node_fd = open(node, O_RDWR | O_CLOEXEC);
		if (node_fd < 0)
			continue;
		if (vsvm_fd_is_vsvm(node_fd) && nth-- == 0) {
			fd = node_fd;
			snprintf(path, path_len, "%s", node);
		} else {
			close(node_fd);
		}
	}
	free(entries);

	return fd;
}

/** vsvm_count_render_nodes() - Return: the number of vsvm render nodes. */
unsigned int vsvm_count_render_nodes(void)
{
	char path[PATH_MAX];
	unsigned int count = 0;
	int fd;

	while ((fd = vsvm_open_render_node(count, path, sizeof(path))) >= 0) {
		close(fd);
		count++;
	}

	return count;
}

/**
 * vsvm_open() - open the first vsvm render node or skip
 * @path: set to the node's path, may be NULL
 * @path_len: size of @path
 *
 * Return: the open file descriptor; skips the current block when there is no
 * vsvm render node.
 */
int vsvm_open(char *path, size_t path_len)
{
	char node[PATH_MAX];
	int fd = vsvm_open_render_node(0, node, sizeof(node));

	igt_require_f(fd >= 0, "no %s render node in %s\n", VSVM_DRIVER_NAME, VSVM_DRI_DIR);
	if (path)
		snprintf(path, path_len, "%s", node);

	return fd;
}

/* Runs one ioctl; Return: 0 or the negative errno, with errno cleared. */
static int vsvm_ioctl(int fd, unsigned long request, void *args)
{
	int err = 0;

	if (drmIoctl(fd, request, args))
		err = -errno;
	errno = 0;

	return err;
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_GET_PARAM. */
int __vsvm_get_param(int fd, struct drm_vsvm_get_param *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_GET_PARAM, args);
}

/** vsvm_get_param() - Return: the value of @param; asserts that the read works. */
uint64_t vsvm_get_param(int fd, uint32_t param)
{
	struct drm_vsvm_get_param args = { .param = param };

	igt_assert_eq(__vsvm_get_param(fd, &args), 0);

	return args.value;
}

/**
 * vsvm_require_caps() - skip unless the device has every DRM_VSVM_CAP_* of @caps
 * @fd: the vsvm device file
 * @caps: capability bits the test needs
 */
void vsvm_require_caps(int fd, uint64_t caps)
{
	uint64_t have = vsvm_get_param(fd, DRM_VSVM_PARAM_CAPABILITIES);

	igt_require_f((have & caps) == caps, "capabilities %#llx lack %#llx\n",
		      (unsigned long long)have, (unsigned long long)(caps & ~have));
}

/* ---- VMs ------------------------------------------------------------------------------ */

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_VM_CREATE. */
int __vsvm_vm_create(int fd, struct drm_vsvm_vm_create *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, args);
}

/** vsvm_vm_create() - Return: the id of a new SVM VM mirroring this process. */
uint32_t vsvm_vm_create(int fd)
{
	struct drm_vsvm_vm_create args = { .flags = DRM_VSVM_VM_CREATE_SVM };

	igt_assert_eq(__vsvm_vm_create(fd, &args), 0);
	igt_assert(args.vm_id != 0);

	return args.vm_id;
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_VM_DESTROY. */
int __vsvm_vm_destroy(int fd, struct drm_vsvm_vm_destroy *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_DESTROY, args);
}

/** vsvm_vm_destroy() - destroy VM @vm of @fd; asserts that it works. */
void vsvm_vm_destroy(int fd, uint32_t vm)
{
	struct drm_vsvm_vm_destroy args = { .vm_id = vm };

	igt_assert_eq(__vsvm_vm_destroy(fd, &args), 0);
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_VM_PREFETCH. */
int __vsvm_vm_prefetch(int fd, struct drm_vsvm_vm_prefetch *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_PREFETCH, args);
}

/**
 * vsvm_vm_prefetch() - populate the mirror of [@start, @start + @size)
 * @fd: the vsvm device file
 * @vm: the VM
 * @start: first address
 * @size: bytes
 * @flags: DRM_VSVM_PREFETCH_* flags
 *
 * Asserts that the prefetch works.
 */
void vsvm_vm_prefetch(int fd, uint32_t vm, const void *start, uint64_t size, uint32_t flags)
{
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = vm,
		.flags = flags,
		.start = (uintptr_t)start,
		.size = size,
	};
	int ret = __vsvm_vm_prefetch(fd, &args);

	igt_assert_f(ret == 0, "prefetch of %#llx bytes at %p: %s\n", (unsigned long long)size,
		     start, strerror(-ret));
}

/* ---- jobs ----------------------------------------------------------------------------- */

/** vsvm_job_status_name() - Return: the name of a DRM_VSVM_JOB_* value. */
const char *vsvm_job_status_name(uint32_t status)
{
	static const char *const names[] = {
		[DRM_VSVM_JOB_OK] = "OK",
		[DRM_VSVM_JOB_FAULT] = "FAULT",
		[DRM_VSVM_JOB_RETRIES] = "RETRIES",
		[DRM_VSVM_JOB_NO_MM] = "NO_MM",
		[DRM_VSVM_JOB_NOMEM] = "NOMEM",
		[DRM_VSVM_JOB_INVALID] = "INVALID",
		[DRM_VSVM_JOB_TIMEOUT] = "TIMEOUT",
		[DRM_VSVM_JOB_CANCELED] = "CANCELED",
	};

	if (status < sizeof(names) / sizeof(names[0]) && names[status])
		return names[status];
	return "(invalid)";
}

/** vsvm_now_ns() - Return: CLOCK_MONOTONIC now, in ns. */
int64_t vsvm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * VSVM_NSEC_PER_SEC + ts.tv_nsec;
}

/** vsvm_timeout_in() - Return: the absolute timeout @ns from now. */
int64_t vsvm_timeout_in(int64_t ns)
{
	return vsvm_now_ns() + ns;
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_EXEC. */
int __vsvm_exec(int fd, struct drm_vsvm_exec *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_EXEC, args);
}

/**
 * vsvm_exec() - submit a copy-engine job
 * @fd: the vsvm device file
 * @vm: the VM the job runs in
 * @cmds: the commands
 * @num_cmds: how many
 * @job_id: set to the job's id, for vsvm_wait()
 */
void vsvm_exec(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds, unsigned int num_cmds,
	       uint64_t *job_id)
{
	struct drm_vsvm_exec args = {
		.vm_id = vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)cmds,
		.num_cmds = num_cmds,
	};

	igt_assert_eq(__vsvm_exec(fd, &args), 0);
	*job_id = args.job_id;
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_WAIT. */
int __vsvm_wait(int fd, struct drm_vsvm_wait *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_WAIT, args);
}

static struct vsvm_job_status wait_status(const struct drm_vsvm_wait *args)
{
	return (struct vsvm_job_status) {
		.status = args->status,
		.fault_access = args->fault_access,
		.fault_addr = args->fault_addr,
		.cmd_index = args->cmd_index,
		.pc = args->pc,
		.error = args->error,
	};
}

/**
 * vsvm_wait() - wait for a job to end
 * @fd: the vsvm device file
 * @vm: the job's VM
 * @job_id: from vsvm_exec()
 * @timeout_ns: absolute CLOCK_MONOTONIC time at which the job must have ended
 *
 * Fails the test when the job has not ended by @timeout_ns: a job that does
 * not end is a hang.
 *
 * Return: how the job ended.
 */
struct vsvm_job_status vsvm_wait(int fd, uint32_t vm, uint64_t job_id, int64_t timeout_ns)
{
	struct drm_vsvm_wait args = {
		.vm_id = vm,
		.job_id = job_id,
		.timeout_ns = timeout_ns,
	};
	int ret = __vsvm_wait(fd, &args);

	igt_assert_f(ret == 0, "WAIT for job %llu of VM %u: %d (%s)\n",
		     (unsigned long long)job_id, vm, ret, strerror(-ret));
	return wait_status(&args);
}

/**
 * __vsvm_run() - submit a job and wait for it, without asserting
 * @fd: the vsvm device file
 * @vm: the VM the job runs in
 * @cmds: the commands
 * @num_cmds: how many
 * @timeout_ns: absolute timeout of the wait
 * @status: set to how the job ended
 *
 * Safe to call from any thread.
 *
 * Return: 0, or the negative errno of the EXEC or WAIT that failed (-ETIME
 * when the job had not ended by @timeout_ns).
 */
int __vsvm_run(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds, unsigned int num_cmds,
	       int64_t timeout_ns, struct vsvm_job_status *status)
{
	struct drm_vsvm_exec exec = {
		.vm_id = vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)cmds,
		.num_cmds = num_cmds,
	};
	struct drm_vsvm_wait wait = { .vm_id = vm, .timeout_ns = timeout_ns };
	int ret;

	ret = __vsvm_exec(fd, &exec);
	if (ret)
		return ret;

	wait.job_id = exec.job_id;
	ret = __vsvm_wait(fd, &wait);
	if (ret)
		return ret;

	*status = wait_status(&wait);
	return 0;
}

/**
 * vsvm_run() - submit a job and wait up to %VSVM_JOB_TIMEOUT_NS for it
 * @fd: the vsvm device file
 * @vm: the VM the job runs in
 * @cmds: the commands
 * @num_cmds: how many
 *
 * Return: how the job ended; fails the test when the EXEC or the WAIT fails.
 */
struct vsvm_job_status vsvm_run(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds,
				unsigned int num_cmds)
{
	uint64_t job_id;

	vsvm_exec(fd, vm, cmds, num_cmds, &job_id);
	return vsvm_wait(fd, vm, job_id, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));
}

/** vsvm_copy() - Return: how a job of one COPY of @size bytes from @src to @dst ended. */
struct vsvm_job_status vsvm_copy(int fd, uint32_t vm, void *dst, const void *src, uint64_t size)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_copy(dst, src, size);

	return vsvm_run(fd, vm, &cmd, 1);
}

/** vsvm_fill() - Return: how a job of one FILL of @size bytes at @dst ended. */
struct vsvm_job_status vsvm_fill(int fd, uint32_t vm, void *dst, uint64_t size, uint64_t value)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(dst, size, value);

	return vsvm_run(fd, vm, &cmd, 1);
}

/**
 * vsvm_checksum() - let the device hash @size bytes at @src
 * @fd: the vsvm device file
 * @vm: the VM the job runs in
 * @src: the bytes to hash
 * @size: how many
 * @result: 8-byte aligned; the device writes the FNV-1a 64 hash there
 *
 * Return: how the job ended.
 */
struct vsvm_job_status vsvm_checksum(int fd, uint32_t vm, const void *src, uint64_t size,
				     uint64_t *result)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_checksum(src, size, result);

	return vsvm_run(fd, vm, &cmd, 1);
}

/* Each command of the long job copies this much; two buffers of it are used. */
#define LONG_JOB_CHUNK		(16ull << 20)

/**
 * vsvm_submit_long_job() - submit a job that runs for a long time
 * @fd: the vsvm device file
 * @vm: a VM of this process
 *
 * The job is %DRM_VSVM_EXEC_MAX_CMDS copies of 16 MiB back and forth between
 * two anonymous buffers, 64 GiB in all: seconds on real hardware, far longer
 * in the emulated guest. For tests of timeouts and of a process exiting with
 * work in flight: the job ends (NO_MM) when the process's address space goes
 * away, whereas VM_DESTROY or closing the file would wait for it. The
 * buffers are left mapped.
 *
 * Return: the job's id.
 */
uint64_t vsvm_submit_long_job(int fd, uint32_t vm)
{
	struct drm_vsvm_cmd *cmds;
	uint8_t *bufs;
	uint64_t job_id;

	bufs = mmap(NULL, 2 * LONG_JOB_CHUNK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(bufs != MAP_FAILED);
	cmds = calloc(DRM_VSVM_EXEC_MAX_CMDS, sizeof(*cmds));
	igt_assert(cmds);

	for (unsigned int i = 0; i < DRM_VSVM_EXEC_MAX_CMDS; i++) {
		uint8_t *src = bufs + (i % 2) * LONG_JOB_CHUNK;
		uint8_t *dst = bufs + (1 - i % 2) * LONG_JOB_CHUNK;

		cmds[i] = vsvm_cmd_copy(dst, src, LONG_JOB_CHUNK);
	}
	vsvm_exec(fd, vm, cmds, DRM_VSVM_EXEC_MAX_CMDS, &job_id);
	free(cmds);

	return job_id;
}

/* ---- counters ------------------------------------------------------------------------- */

/** vsvm_counter_name() - Return: the name of a DRM_VSVM_COUNTER_* index. */
const char *vsvm_counter_name(unsigned int counter)
{
#define NAME(id, name) [DRM_VSVM_COUNTER_##id] = name,
	static const char *const names[DRM_VSVM_COUNTER_COUNT] = {
		DRM_VSVM_COUNTER_NAMES(NAME)
	};
#undef NAME

	if (counter < DRM_VSVM_COUNTER_COUNT && names[counter])
		return names[counter];
	return "(unknown)";
}

/* Return: 0 or the negative errno of DRM_IOCTL_VSVM_VM_COUNTERS. */
int __vsvm_vm_counters(int fd, struct drm_vsvm_vm_counters *args)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_COUNTERS, args);
}

/**
 * vsvm_counters() - read every counter of a VM
 * @fd: the vsvm device file
 * @vm: the VM
 * @out: set to the counters, indexed by enum drm_vsvm_counter
 */
void vsvm_counters(int fd, uint32_t vm, uint64_t out[DRM_VSVM_COUNTER_COUNT])
{
	struct drm_vsvm_vm_counters args = {
		.vm_id = vm,
		.count = DRM_VSVM_COUNTER_COUNT,
		.counters_ptr = (uintptr_t)out,
	};

	igt_assert_eq(__vsvm_vm_counters(fd, &args), 0);
	igt_assert_eq(args.count, DRM_VSVM_COUNTER_COUNT);
}

/**
 * vsvm_counters_delta() - how much the counters of a VM moved
 * @fd: the vsvm device file
 * @vm: the VM
 * @before: counters read earlier with vsvm_counters()
 * @delta: set to now minus @before for each counter
 *
 * The gauges (RANGES_ALIVE, NOTIFIERS_ALIVE, PT_BYTES) may go down, so their
 * delta is meaningful only as a signed value. The non-zero deltas are logged
 * at debug level (run with --debug to see them).
 */
void vsvm_counters_delta(int fd, uint32_t vm, const uint64_t before[DRM_VSVM_COUNTER_COUNT],
			 uint64_t delta[DRM_VSVM_COUNTER_COUNT])
{
	uint64_t now[DRM_VSVM_COUNTER_COUNT];

	vsvm_counters(fd, vm, now);
	for (unsigned int i = 0; i < DRM_VSVM_COUNTER_COUNT; i++) {
		delta[i] = now[i] - before[i];
		if (delta[i])
			igt_debug("VM %u %s: %+lld\n", vm, vsvm_counter_name(i),
				  (long long)delta[i]);
	}
}

/* ---- tunables ------------------------------------------------------------------------- */

/**
 * vsvm_tunable_path() - the sysfs file of a tunable of the device of @fd
 * @fd: the vsvm device file
 * @name: the tunable's file name in ``device/tunables/``
 * @path: set to the path
 * @len: size of @path
 *
 * Return: 0 or the negative errno of fstat().
 */
int vsvm_tunable_path(int fd, const char *name, char *path, size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;

	snprintf(path, len, "/sys/dev/char/%u:%u/device/tunables/%s", major(st.st_rdev),
		 minor(st.st_rdev), name);
	return 0;
}

/**
 * vsvm_tunable_read() - read a sysfs tunable of the device of @fd
 * @fd: the vsvm device file
 * @name: the tunable's file name in ``device/tunables/``
 * @buf: set to the value, without the trailing newline
 * @len: size of @buf
 *
 * Return: 0 or the negative errno (-ENOENT when there is no such tunable).
 */
int vsvm_tunable_read(int fd, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int ret, tfd;

	ret = vsvm_tunable_path(fd, name, path, sizeof(path));
	if (ret)
		return ret;
	tfd = open(path, O_RDONLY | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	n = read(tfd, buf, len - 1);
	ret = n < 0 ? -errno : 0;
	close(tfd);
	if (ret)
		return ret;

	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/**
 * vsvm_tunable_write() - write a sysfs tunable of the device of @fd
 * @fd: the vsvm device file
 * @name: the tunable's file name in ``device/tunables/``
 * @value: what to write
 *
 * Return: 0 or the negative errno (-EINVAL for a value out of range).
 */
int vsvm_tunable_write(int fd, const char *name, const char *value)
{
	char path[PATH_MAX];
	int ret, tfd;

	ret = vsvm_tunable_path(fd, name, path, sizeof(path));
	if (ret)
		return ret;
	tfd = open(path, O_WRONLY | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	ret = write(tfd, value, strlen(value)) < 0 ? -errno : 0;
	close(tfd);

	return ret;
}

/* ---- files (sysfs, procfs, debugfs) -------------------------------------------------- */

/**
 * vsvm_write_file() - write a string to a file (sysfs, procfs, debugfs)
 * @path: the file
 * @value: what to write, in one write()
 *
 * Return: 0 or the negative errno of open() or write().
 */
int vsvm_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, value, strlen(value)) < 0 ? -errno : 0;
	close(fd);

	return ret;
}

/**
 * vsvm_read_file() - read a small file whole (one read()), NUL-terminated
 * @path: the file
 * @buf: where to put its contents, newlines included
 * @len: size of @buf
 *
 * Return: 0 or the negative errno of open() or read().
 */
int vsvm_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';

	return 0;
}

/* ---- system-wide knobs, restored at exit ---------------------------------------------- */

static struct {
	char path[PATH_MAX];
	char value[128];
} saved_knobs[16];
static unsigned int num_saved_knobs;

/**
 * vsvm_knobs_restore() - put back every knob vsvm_knob_set() changed
 *
 * Last changed first. Also runs from an exit handler, so a test that fails
 * half-way leaves the system as it found it.
 */
void vsvm_knobs_restore(void)
{
	while (num_saved_knobs) {
		num_saved_knobs--;
		vsvm_write_file(saved_knobs[num_saved_knobs].path,
				saved_knobs[num_saved_knobs].value);
	}
}

static void restore_knobs_at_exit(int sig)
{
	(void)sig;
	vsvm_knobs_restore();
}

/*
 * The value to write back for what @path reads as @old: a choice list such
 * as "always [madvise] never" reads back as its selected word.
 */
static void knob_value(char *old)
{
	char *open_bracket = strchr(old, '['), *close_bracket;

	old[strcspn(old, "\n")] = '\0';
	close_bracket = open_bracket ? strchr(open_bracket, ']') : NULL;
	if (close_bracket) {
		*close_bracket = '\0';
		memmove(old, open_bracket + 1, strlen(open_bracket + 1) + 1);
	}
}

/**
 * vsvm_knob_set() - set a system-wide knob for the rest of the test
 * @path: the sysfs or procfs file (a vsvm tunable's path from
 *	vsvm_tunable_path() too)
 * @value: what to write
 *
 * The first change of @path saves its old value, which vsvm_knobs_restore()
 * writes back, at the latest when the test binary exits.
 *
 * Return: 0 or the negative errno of reading or writing @path.
 */
int vsvm_knob_set(const char *path, const char *value)
{
	static bool handler_installed;
	char old[sizeof(saved_knobs[0].value)];
	unsigned int i;
	int ret;

	for (i = 0; i < num_saved_knobs; i++)
		if (!strcmp(saved_knobs[i].path, path))
			break;

	if (i == num_saved_knobs) {
		ret = vsvm_read_file(path, old, sizeof(old));
		if (ret)
			return ret;
		knob_value(old);
		igt_assert(num_saved_knobs < sizeof(saved_knobs) / sizeof(saved_knobs[0]));
		snprintf(saved_knobs[i].path, sizeof(saved_knobs[i].path), "%s", path);
		snprintf(saved_knobs[i].value, sizeof(saved_knobs[i].value), "%s", old);
		num_saved_knobs++;
		if (!handler_installed) {
			igt_install_exit_handler(restore_knobs_at_exit);
			handler_installed = true;
		}
	}

	return vsvm_write_file(path, value);
}

/**
 * vsvm_counters_file_value() - one value of a "name value" lines file
 * @path: the file (the device's debugfs ``counters``)
 * @name: the name of the line
 * @value: set to its value
 *
 * Return: 0, -ENOENT when the file has no such line, or the negative errno
 * of reading the file.
 */
int vsvm_counters_file_value(const char *path, const char *name, uint64_t *value)
{
	char buf[8192], *line, *save;
	int ret = vsvm_read_file(path, buf, sizeof(buf));

	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		char key[64];

		if (sscanf(line, "%63s %llu", key, &v) == 2 && !strcmp(key, name)) {
			*value = v;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * vsvm_debugfs_counter() - read one line of the device's debugfs ``counters``
 * @fd: the vsvm device file
 * @name: the counter ("audit_violations", "files_open", ...)
 * @value: set to its value
 *
 * The file is ``/sys/kernel/debug/dri/<platform device>/counters``, the
 * device found from @fd's character device.
 *
 * Return: 0, -ENOENT when the file has no such line (a counter the kernel
 * was built without), or the negative errno of reading the file (-EACCES
 * when not root, -ENOENT without debugfs).
 */
int vsvm_debugfs_counter(int fd, const char *name, uint64_t *value)
{
	char path[PATH_MAX + 64], link[PATH_MAX];
	const char *dev;
	struct stat st;
	ssize_t len;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device", major(st.st_rdev),
		 minor(st.st_rdev));
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -errno;
	link[len] = '\0';
	dev = strrchr(link, '/');
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/counters", dev ? dev + 1 : link);
	return vsvm_counters_file_value(path, name, value);
}

/**
 * vsvm_memcg_enable() - make memory cgroups available under /sys/fs/cgroup
 *
 * Mounts cgroup2 there when nothing is mounted (the test VM), and enables the
 * memory controller for the root's children.
 *
 * Return: 0 or the negative errno of mount() or of the write.
 */
int vsvm_memcg_enable(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) &&
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
		return -errno;
	return vsvm_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
}

/* ---- /proc/meminfo, /proc/self/smaps -------------------------------------------------- */

/** vsvm_meminfo_kb() - Return: @field ("HugePages_Free:") of /proc/meminfo, or -1. */
long vsvm_meminfo_kb(const char *field)
{
	char line[256];
	long value = -1;
	FILE *file = fopen("/proc/meminfo", "r");

	igt_assert(file);
	while (fgets(line, sizeof(line), file))
		if (!strncmp(line, field, strlen(field)))
			value = strtol(line + strlen(field), NULL, 10);
	fclose(file);

	return value;
}

/**
 * vsvm_smaps_kb() - a field of the VMA holding @addr in /proc/self/smaps
 * @addr: an address of the VMA
 * @field: the field with its colon ("AnonHugePages:")
 *
 * Return: its value in kB, 0 when the VMA or the field is missing.
 */
unsigned long vsvm_smaps_kb(const void *addr, const char *field)
{
	unsigned long start, end, value = 0;
	bool in_vma = false;
	char line[512];
	FILE *file = fopen("/proc/self/smaps", "r");

	igt_assert(file);
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = start <= (uintptr_t)addr && (uintptr_t)addr < end;
		} else if (in_vma && !strncmp(line, field, strlen(field))) {
			value = strtoul(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(file);

	return value;
}

/* ---- data ----------------------------------------------------------------------------- */

/* The uapi's values are little-endian; the checks below compare host words. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "vsvm tests assume a little-endian host");

#define FNV1A64_OFFSET_BASIS	0xcbf29ce484222325ull
#define FNV1A64_PRIME		0x100000001b3ull

/** vsvm_fnv1a64() - Return: the 64-bit FNV-1a hash of @size bytes at @data. */
uint64_t vsvm_fnv1a64(const void *data, size_t size)
{
	const uint8_t *bytes = data;
	uint64_t hash = FNV1A64_OFFSET_BASIS;

	for (size_t i = 0; i < size; i++) {
		hash ^= bytes[i];
		hash *= FNV1A64_PRIME;
	}

	return hash;
}

/*
 * The pattern is a stream of 64-bit little-endian words, word k being a mix
 * of @seed and k: every page and every word of a buffer differ, so a stale
 * page, a page mapped at the wrong address or a shifted copy all show.
 */
static uint64_t pattern_word(uint32_t seed, uint64_t k)
{
	uint64_t x = (k + ((uint64_t)seed << 40)) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;

	return x;
}

/** vsvm_pattern_byte() - Return: byte @offset of the pattern of @seed. */
uint8_t vsvm_pattern_byte(uint32_t seed, size_t offset)
{
	return pattern_word(seed, offset / 8) >> (8 * (offset % 8));
}

/**
 * vsvm_pattern_fill() - write the pattern of @seed to @size bytes at @buf
 * @buf: any alignment
 * @size: bytes to write
 * @seed: selects the pattern; a different seed gives different contents
 */
void vsvm_pattern_fill(void *buf, size_t size, uint32_t seed)
{
	uint8_t *bytes = buf;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		uint64_t word = pattern_word(seed, i / 8);

		memcpy(bytes + i, &word, 8);
	}
	for (; i < size; i++)
		bytes[i] = vsvm_pattern_byte(seed, i);
}

/** vsvm_pattern_mismatch() - Return: the first offset not holding the pattern, or SIZE_MAX. */
size_t vsvm_pattern_mismatch(const void *buf, size_t size, uint32_t seed)
{
	const uint8_t *bytes = buf;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		uint64_t word = pattern_word(seed, i / 8);

		if (memcmp(bytes + i, &word, 8))
			break;
	}
	for (; i < size; i++)
		if (bytes[i] != vsvm_pattern_byte(seed, i))
			return i;

	return SIZE_MAX;
}

/**
 * vsvm_fill_mismatch() - check what a FILL of @value wrote
 * @buf: the FILL's destination
 * @size: its size
 * @value: its value; byte i of the destination is byte i % 8 of @value
 *
 * Return: the first offset that differs, or SIZE_MAX.
 */
size_t vsvm_fill_mismatch(const void *buf, size_t size, uint64_t value)
{
	const uint8_t *bytes = buf;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8)
		if (memcmp(bytes + i, &value, 8))
			break;
	for (; i < size; i++)
		if (bytes[i] != (uint8_t)(value >> (8 * (i % 8))))
			return i;

	return SIZE_MAX;
}

/* ---- compute -------------------------------------------------------------------------- */

/**
 * vsvm_program_upload() - put a program into fresh process memory
 * @prog: the program
 *
 * The compute engines fetch programs from process memory through the device
 * page table, like any data: the copy is in freshly mapped pages that the
 * device has never seen.
 *
 * Return: the program's address; free with vsvm_program_free().
 */
void *vsvm_program_upload(const struct vsvm_program *prog)
{
	size_t size = prog->num_words * sizeof(uint64_t);
	void *code = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(code != MAP_FAILED);
	memcpy(code, prog->words, size);
	/* Read-only, like code: also keeps it a VMA of its own. */
	igt_assert_eq(mprotect(code, size, PROT_READ), 0);
	return code;
}

/** vsvm_program_free() - unmap a program from vsvm_program_upload() */
void vsvm_program_free(void *code, const struct vsvm_program *prog)
{
	igt_assert_eq(munmap(code, prog->num_words * sizeof(uint64_t)), 0);
}

/**
 * vsvm_dispatch_1d() - a one-dimensional dispatch of a program
 * @code: the program's address (vsvm_program_upload())
 * @prog: the program
 * @lanes: lanes wanted in all; rounded up to whole workgroups
 * @group_size: lanes per workgroup
 *
 * Return: the dispatch, without arguments.
 */
struct drm_vsvm_dispatch vsvm_dispatch_1d(const void *code, const struct vsvm_program *prog,
					  uint32_t lanes, uint32_t group_size)
{
	return (struct drm_vsvm_dispatch) {
		.code_ptr = (uintptr_t)code,
		.code_size = prog->num_words * sizeof(uint64_t),
		.entry = prog->entry,
		.isa_version = VSVM_ISA_VERSION,
		.group_size = { group_size, 1, 1 },
		.num_groups = { (lanes + group_size - 1) / group_size, 1, 1 },
	};
}

/**
 * vsvm_exec_compute() - submit a compute job, asserting that EXEC succeeds
 * @fd: the vsvm device file
 * @vm: the VM
 * @d: the dispatches
 * @num: how many
 * @in_syncobjs: syncobjs whose fences the job waits for, or NULL
 * @num_in: how many
 * @out_syncobj: 0, or a syncobj that gets the job's fence
 *
 * Return: the job id.
 */
uint64_t vsvm_exec_compute(int fd, uint32_t vm, const struct drm_vsvm_dispatch *d,
			   unsigned int num, const uint32_t *in_syncobjs, unsigned int num_in,
			   uint32_t out_syncobj)
{
	struct drm_vsvm_exec exec = {
		.vm_id = vm,
		.engine = DRM_VSVM_ENGINE_COMPUTE,
		.cmds_ptr = (uintptr_t)d,
		.num_cmds = num,
		.in_syncobjs_ptr = (uintptr_t)in_syncobjs,
		.num_in_syncobjs = num_in,
		.out_syncobj = out_syncobj,
	};
	int ret = __vsvm_exec(fd, &exec);

	igt_assert_f(ret == 0, "compute EXEC on VM %u: %d (%s)\n", vm, ret, strerror(-ret));
	return exec.job_id;
}

/**
 * vsvm_run_compute() - run one dispatch and wait for it
 * @fd: the vsvm device file
 * @vm: the VM
 * @d: the dispatch
 *
 * Return: how the job ended.
 */
struct vsvm_job_status vsvm_run_compute(int fd, uint32_t vm, const struct drm_vsvm_dispatch *d)
{
	uint64_t job = vsvm_exec_compute(fd, vm, d, 1, NULL, 0, 0);

	return vsvm_wait(fd, vm, job, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));
}
