/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_HELPERS_H__
#define __VSVM_HELPERS_H__

/**
 * DOC: vsvm_helpers, what the vsvm IGT tests share
 *
 * Finding and opening the vsvm render node, thin wrappers of every vsvm
 * ioctl, one-command copy-engine jobs, the per-VM counters, the host-side
 * FNV-1a that CHECKSUM results are compared with, and the system-wide knobs
 * (sysfs, procfs) a test changes, put back when the test binary exits.
 *
 * Naming follows IGT: ``__vsvm_<ioctl>()`` takes the raw argument struct and
 * returns 0 or the negative errno, for negative tests; ``vsvm_<ioctl>()``
 * asserts success. Functions that assert must only be called from the test's
 * main thread (or an igt_fork() child): igt_assert() leaves the subtest by
 * siglongjmp(). Threads use __vsvm_run(), which never asserts.
 *
 * Wait timeouts are absolute CLOCK_MONOTONIC times in ns, as the uapi takes
 * them; vsvm_timeout_in() makes one.
 */

#include <stddef.h>
#include <stdint.h>

#include "igt_vsvm.h"
#include "vsvm_drm.h"

#define VSVM_DRIVER_NAME	"vsvm"
#define VSVM_DRI_DIR		"/dev/dri"

#define VSVM_NSEC_PER_SEC	1000000000ll
#define VSVM_NSEC_PER_MSEC	1000000ll

/*
 * How long the convenience wrappers wait for a job: generous, since the
 * guest is an emulated machine running a KASAN kernel.
 */
#define VSVM_JOB_TIMEOUT_NS	(120 * VSVM_NSEC_PER_SEC)

/* ---- the render node ------------------------------------------------------------------ */

bool vsvm_fd_is_vsvm(int fd);
int vsvm_open_render_node(unsigned int nth, char *path, size_t path_len);
unsigned int vsvm_count_render_nodes(void);
int vsvm_open(char *path, size_t path_len);

int __vsvm_get_param(int fd, struct drm_vsvm_get_param *args);
uint64_t vsvm_get_param(int fd, uint32_t param);
void vsvm_require_caps(int fd, uint64_t caps);

/* ---- VMs ------------------------------------------------------------------------------ */

int __vsvm_vm_create(int fd, struct drm_vsvm_vm_create *args);
uint32_t vsvm_vm_create(int fd);
int __vsvm_vm_destroy(int fd, struct drm_vsvm_vm_destroy *args);
void vsvm_vm_destroy(int fd, uint32_t vm);
int __vsvm_vm_prefetch(int fd, struct drm_vsvm_vm_prefetch *args);
void vsvm_vm_prefetch(int fd, uint32_t vm, const void *start, uint64_t size, uint32_t flags);

/* ---- jobs ----------------------------------------------------------------------------- */

/* The outcome of a job, as DRM_IOCTL_VSVM_WAIT reports it. */
struct vsvm_job_status {
	uint32_t status;	/* DRM_VSVM_JOB_* */
	uint32_t fault_access;	/* DRM_VSVM_ACCESS_* of a fatal fault */
	uint64_t fault_addr;	/* address of a fatal fault */
	uint32_t cmd_index;	/* index of the command that failed */
	uint64_t pc;		/* program offset of the failing instruction */
	uint32_t error;		/* enum vsvm_isa_error of an invalid program */
};

const char *vsvm_job_status_name(uint32_t status);

int64_t vsvm_now_ns(void);
int64_t vsvm_timeout_in(int64_t ns);

int __vsvm_exec(int fd, struct drm_vsvm_exec *args);
void vsvm_exec(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds, unsigned int num_cmds,
	       uint64_t *job_id);
int __vsvm_wait(int fd, struct drm_vsvm_wait *args);
struct vsvm_job_status vsvm_wait(int fd, uint32_t vm, uint64_t job_id, int64_t timeout_ns);

int __vsvm_run(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds, unsigned int num_cmds,
	       int64_t timeout_ns, struct vsvm_job_status *status);

/* ---- compute -------------------------------------------------------------------------- */

/* A program for the compute engines: the words and the entry offset. */
struct vsvm_program {
	const uint64_t *words;
	size_t num_words;
	uint32_t entry;
};

#define VSVM_PROGRAM(name) \
	((struct vsvm_program){ name, sizeof(name) / sizeof(name[0]), name##_entry })

void *vsvm_program_upload(const struct vsvm_program *prog);
void vsvm_program_free(void *code, const struct vsvm_program *prog);
struct drm_vsvm_dispatch vsvm_dispatch_1d(const void *code, const struct vsvm_program *prog,
					  uint32_t lanes, uint32_t group_size);
uint64_t vsvm_exec_compute(int fd, uint32_t vm, const struct drm_vsvm_dispatch *d,
			   unsigned int num, const uint32_t *in_syncobjs, unsigned int num_in,
			   uint32_t out_syncobj);
struct vsvm_job_status vsvm_run_compute(int fd, uint32_t vm, const struct drm_vsvm_dispatch *d);
struct vsvm_job_status vsvm_run(int fd, uint32_t vm, const struct drm_vsvm_cmd *cmds,
				unsigned int num_cmds);

static inline struct drm_vsvm_cmd vsvm_cmd_copy(void *dst, const void *src, uint64_t size)
{
	return (struct drm_vsvm_cmd) {
		.op = DRM_VSVM_CMD_COPY,
		.dst = (uintptr_t)dst,
		.src = (uintptr_t)src,
		.size = size,
	};
}

static inline struct drm_vsvm_cmd vsvm_cmd_fill(void *dst, uint64_t size, uint64_t value)
{
	return (struct drm_vsvm_cmd) {
		.op = DRM_VSVM_CMD_FILL,
		.dst = (uintptr_t)dst,
		.size = size,
		.value = value,
	};
}

static inline struct drm_vsvm_cmd vsvm_cmd_checksum(const void *src, uint64_t size,
						    uint64_t *result)
{
	return (struct drm_vsvm_cmd) {
		.op = DRM_VSVM_CMD_CHECKSUM,
		.src = (uintptr_t)src,
		.dst = (uintptr_t)result,
		.size = size,
	};
}

struct vsvm_job_status vsvm_copy(int fd, uint32_t vm, void *dst, const void *src,
				 uint64_t size);
struct vsvm_job_status vsvm_fill(int fd, uint32_t vm, void *dst, uint64_t size,
				 uint64_t value);
struct vsvm_job_status vsvm_checksum(int fd, uint32_t vm, const void *src, uint64_t size,
				     uint64_t *result);

uint64_t vsvm_submit_long_job(int fd, uint32_t vm);

/* Fails unless the job ended with DRM_VSVM_JOB_OK. */
#define igt_assert_job_ok(st) do { \
	struct vsvm_job_status __st = (st); \
	igt_assert_f(__st.status == DRM_VSVM_JOB_OK, \
		     "job status %s (fault at %#llx, access %u, command %u), expected OK\n", \
		     vsvm_job_status_name(__st.status), \
		     (unsigned long long)__st.fault_addr, __st.fault_access, __st.cmd_index); \
} while (0)

/*
 * Fails unless the job ended with a fatal device fault at @addr with access
 * @access (DRM_VSVM_ACCESS_*).
 */
#define igt_assert_job_fault(st, addr, access) do { \
	struct vsvm_job_status __st = (st); \
	igt_assert_f(__st.status == DRM_VSVM_JOB_FAULT, \
		     "job status %s, expected FAULT\n", vsvm_job_status_name(__st.status)); \
	igt_assert_eq_u64(__st.fault_addr, (uintptr_t)(addr)); \
	igt_assert_eq(__st.fault_access, (access)); \
} while (0)

/* ---- counters ------------------------------------------------------------------------- */

const char *vsvm_counter_name(unsigned int counter);
int __vsvm_vm_counters(int fd, struct drm_vsvm_vm_counters *args);
void vsvm_counters(int fd, uint32_t vm, uint64_t out[DRM_VSVM_COUNTER_COUNT]);
void vsvm_counters_delta(int fd, uint32_t vm, const uint64_t before[DRM_VSVM_COUNTER_COUNT],
			 uint64_t delta[DRM_VSVM_COUNTER_COUNT]);

/* ---- tunables ------------------------------------------------------------------------- */

int vsvm_tunable_path(int fd, const char *name, char *path, size_t len);
int vsvm_tunable_read(int fd, const char *name, char *buf, size_t len);
int vsvm_tunable_write(int fd, const char *name, const char *value);

/* ---- files (sysfs, procfs, debugfs) -------------------------------------------------- */

int vsvm_write_file(const char *path, const char *value);
int vsvm_read_file(const char *path, char *buf, size_t len);

int vsvm_knob_set(const char *path, const char *value);
void vsvm_knobs_restore(void);

int vsvm_memcg_enable(void);
int vsvm_counters_file_value(const char *path, const char *name, uint64_t *value);
int vsvm_debugfs_counter(int fd, const char *name, uint64_t *value);
long vsvm_meminfo_kb(const char *field);
unsigned long vsvm_smaps_kb(const void *addr, const char *field);

/* ---- data ----------------------------------------------------------------------------- */

uint64_t vsvm_fnv1a64(const void *data, size_t size);

void vsvm_pattern_fill(void *buf, size_t size, uint32_t seed);
uint8_t vsvm_pattern_byte(uint32_t seed, size_t offset);
size_t vsvm_pattern_mismatch(const void *buf, size_t size, uint32_t seed);
size_t vsvm_fill_mismatch(const void *buf, size_t size, uint64_t value);

/*
 * Fails unless @buf holds vsvm_pattern_fill(@seed), reporting the first byte
 * that differs.
 */
#define igt_assert_pattern(buf, size, seed) do { \
	const uint8_t *__buf = (const void *)(buf); \
	size_t __bad = vsvm_pattern_mismatch(__buf, (size), (seed)); \
	igt_assert_f(__bad == SIZE_MAX, \
		     "%s+%#zx is %#x, expected pattern byte %#x (seed %#x)\n", #buf, __bad, \
		     __buf[__bad], vsvm_pattern_byte((seed), __bad), (unsigned int)(seed)); \
} while (0)

/* Fails unless @buf holds what a FILL of @value at @buf writes. */
#define igt_assert_filled(buf, size, value) do { \
	const uint8_t *__buf = (const void *)(buf); \
	uint64_t __value = (value); \
	size_t __bad = vsvm_fill_mismatch(__buf, (size), __value); \
	igt_assert_f(__bad == SIZE_MAX, \
		     "%s+%#zx is %#x, expected byte %zu of fill value %#llx\n", #buf, __bad, \
		     __buf[__bad], __bad % 8, (unsigned long long)__value); \
} while (0)

#endif /* __VSVM_HELPERS_H__ */
