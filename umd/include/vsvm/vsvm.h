/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The vsvm authors */

/*
 * The C API of libvsvm (libvsvm.so): devices, VMs, kernels, launches, waits.
 * For C programs and for other languages' foreign-function interfaces
 * (Python ctypes, Rust): opaque handles, int return values, C types only.
 * docs/libvsvm.rst describes it; the C++ API (vsvm/runtime.h) is the same
 * library with more to it.
 *
 * Return values: VSVM_OK (0) on success; VSVM_NOT_READY (1) from a poll
 * whose job still runs, which is not an error; a negative enum vsvm_error
 * on failure, after which vsvm_last_error() says what happened in words.
 *
 * Lifetimes: every handle is released by its own function, in any order;
 * a VM, a fence keep their device open (closing the device first is safe).
 * A kernel must outlive the jobs that run it: its code is fetched from the
 * kernel's memory while they run.
 *
 * Thread safety: the functions may be called from any number of threads at
 * once, on the same handles too, except that a handle may not be used while
 * (or after) another thread releases it. vsvm_last_error() is per thread.
 */
#ifndef VSVM_VSVM_H
#define VSVM_VSVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VSVM_API __attribute__((visibility("default")))
#else
#define VSVM_API
#endif

/* Success, and "not yet" from a poll. */
#define VSVM_OK 0
#define VSVM_NOT_READY 1

/* Failures: negative. */
enum vsvm_error {
	/* A NULL handle or pointer, a size out of range, arguments that do not
	 * fit the kernel's signature (number or types). */
	VSVM_ERROR_INVALID_ARGUMENT = -1,
	/* No vsvm device: the module is not loaded, or no render node is
	 * vsvm's; vsvm_last_error() says which. */
	VSVM_ERROR_NO_DEVICE = -2,
	/* This user may not open a render node (vsvm_last_error() names it). */
	VSVM_ERROR_PERMISSION = -3,
	/* The kernel's assembly has errors, or its words or signature are bad. */
	VSVM_ERROR_BAD_KERNEL = -4,
	/* A wait's timeout passed while the job still runs. */
	VSVM_ERROR_TIMEOUT = -5,
	/* The job ended badly (fault, invalid program, job timeout, canceled):
	 * struct vsvm_job_result says how. */
	VSVM_ERROR_JOB_FAILED = -6,
	VSVM_ERROR_OUT_OF_MEMORY = -7,
	/* Any other failure of the system; vsvm_last_error() has the errno. */
	VSVM_ERROR_SYSTEM = -8,
};

/* "VSVM_ERROR_NO_DEVICE": the name of a return value. */
VSVM_API const char *vsvm_error_name(int status);

/* What the last failing call of this thread said, "" after none. */
VSVM_API const char *vsvm_last_error(void);

typedef struct vsvm_device vsvm_device;
typedef struct vsvm_vm vsvm_vm;
typedef struct vsvm_kernel vsvm_kernel;
typedef struct vsvm_fence vsvm_fence;

/* How a job ended (the values of DRM_VSVM_JOB_*). */
enum vsvm_job_status {
	VSVM_JOB_OK = 1,
	VSVM_JOB_FAULT = 2,
	VSVM_JOB_RETRIES = 3,
	VSVM_JOB_NO_PROCESS = 4,
	VSVM_JOB_OUT_OF_MEMORY = 5,
	VSVM_JOB_INVALID_PROGRAM = 6,
	VSVM_JOB_TIMEOUT = 7,
	VSVM_JOB_CANCELED = 8,
};

struct vsvm_job_result {
	uint32_t status;        /* enum vsvm_job_status */
	uint32_t fault_access;  /* 1 read, 2 write, 0 none */
	uint64_t fault_address; /* of a fault (and of a misaligned access) */
	uint64_t pc;            /* byte offset of the failing instruction */
	uint32_t command_index; /* the dispatch that failed */
	uint32_t isa_error;     /* enum vsvm_isa_error of an invalid program */
};

/* Devices. */
VSVM_API int vsvm_device_count(uint32_t *count);
/* Without a device: VSVM_ERROR_NO_DEVICE, and vsvm_last_error() says why. */
VSVM_API int vsvm_device_open(uint32_t index, vsvm_device **device);
VSVM_API int vsvm_device_open_path(const char *path, vsvm_device **device);
VSVM_API void vsvm_device_close(vsvm_device *device);

/* VMs: a device address space that mirrors this process. */
VSVM_API int vsvm_vm_create(vsvm_device *device, vsvm_vm **vm);
/* Waits for the VM's jobs and destroys it. */
VSVM_API void vsvm_vm_destroy(vsvm_vm *vm);
/* Waits for every launch on @vm since the last finish (fences released or
 * not); VSVM_ERROR_JOB_FAILED for the first that ended badly (then @result,
 * when not NULL, says how). A negative @timeout_ns waits forever. */
VSVM_API int vsvm_vm_finish(vsvm_vm *vm, int64_t timeout_ns, struct vsvm_job_result *result);

/* Kernels, from assembly (docs/isa.rst; `.args` gives the signature) or
 * from words. @signature is the operands of `.args` ("ptr x, u32 n"), or
 * NULL for a kernel whose arguments are not checked. */
VSVM_API int vsvm_kernel_from_assembly(const char *source, vsvm_kernel **kernel);
VSVM_API int vsvm_kernel_from_words(const uint64_t *words, size_t count, uint32_t entry,
				    const char *signature, vsvm_kernel **kernel);
VSVM_API void vsvm_kernel_destroy(vsvm_kernel *kernel);

/* A kernel argument: what a C++ caller's type says, given explicitly. */
enum vsvm_arg_type {
	VSVM_ARG_PTR = 1,
	VSVM_ARG_U32 = 2,
	VSVM_ARG_I32 = 3,
	VSVM_ARG_U64 = 4,
	VSVM_ARG_I64 = 5,
	VSVM_ARG_F32 = 6,
	VSVM_ARG_F64 = 7,
};

struct vsvm_arg {
	uint32_t type; /* enum vsvm_arg_type */
	uint32_t pad;  /* 0 */
	union {
		const void *ptr;
		uint32_t u32;
		int32_t i32;
		uint64_t u64;
		int64_t i64;
		float f32;
		double f64;
	} value;
};

static inline struct vsvm_arg vsvm_arg_ptr(const void *value)
{
	struct vsvm_arg arg = {VSVM_ARG_PTR, 0, {0}};
	arg.value.ptr = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_u32(uint32_t value)
{
	struct vsvm_arg arg = {VSVM_ARG_U32, 0, {0}};
	arg.value.u32 = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_i32(int32_t value)
{
	struct vsvm_arg arg = {VSVM_ARG_I32, 0, {0}};
	arg.value.i32 = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_u64(uint64_t value)
{
	struct vsvm_arg arg = {VSVM_ARG_U64, 0, {0}};
	arg.value.u64 = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_i64(int64_t value)
{
	struct vsvm_arg arg = {VSVM_ARG_I64, 0, {0}};
	arg.value.i64 = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_f32(float value)
{
	struct vsvm_arg arg = {VSVM_ARG_F32, 0, {0}};
	arg.value.f32 = value;
	return arg;
}

static inline struct vsvm_arg vsvm_arg_f64(double value)
{
	struct vsvm_arg arg = {VSVM_ARG_F64, 0, {0}};
	arg.value.f64 = value;
	return arg;
}

/* Runs @kernel on groups[0] x groups[1] x groups[2] workgroups of
 * lanes[0] x lanes[1] x lanes[2] lanes with @args in s0, s1, ...
 * VSVM_ERROR_INVALID_ARGUMENT, with nothing submitted, when the grid is out
 * of range or the arguments do not fit the kernel's signature. */
VSVM_API int vsvm_launch(vsvm_vm *vm, const vsvm_kernel *kernel, const uint32_t groups[3],
			 const uint32_t lanes[3], const struct vsvm_arg *args, size_t num_args,
			 vsvm_fence **fence);

/* Waits up to @timeout_ns (negative: forever) for the job: VSVM_OK when it
 * ended OK, VSVM_ERROR_JOB_FAILED when it ended badly, VSVM_ERROR_TIMEOUT
 * while it runs. @result, when not NULL, gets the outcome once it ended. */
VSVM_API int vsvm_fence_wait(vsvm_fence *fence, int64_t timeout_ns, struct vsvm_job_result *result);
/* As vsvm_fence_wait() without blocking: VSVM_NOT_READY while the job runs. */
VSVM_API int vsvm_fence_poll(vsvm_fence *fence, struct vsvm_job_result *result);
VSVM_API void vsvm_fence_destroy(vsvm_fence *fence);

#ifdef __cplusplus
}
#endif

#endif /* VSVM_VSVM_H */
