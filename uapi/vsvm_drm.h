/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_DRM_H__
#define __VSVM_DRM_H__

#include "drm.h"
#include "vsvm_isa.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vsvm memory model
 *
 * vsvm is a compute accelerator whose device MMU mirrors the address space of
 * the process that opened it (shared virtual memory, SVM). A device pointer is
 * a CPU pointer: a compute kernel dereferences memory returned by malloc() or
 * mmap() directly. The driver never pins those pages. It keeps a device page
 * table in sync with the CPU page tables through mmu interval notifiers: a
 * device access to an address without a device translation raises a device
 * page fault that the driver resolves with hmm_range_fault(), and every change
 * of the CPU page tables (munmap, mprotect, fork, migration, reclaim, ...)
 * removes or downgrades the device translations before it takes effect.
 *
 * The device is a render node (``/dev/dri/renderD*``, driver name "vsvm").
 * Features are discovered with &DRM_IOCTL_VSVM_GET_PARAM: the uapi version
 * (%DRM_VSVM_PARAM_UAPI_VERSION) and the capability bits
 * (%DRM_VSVM_PARAM_CAPABILITIES, ``DRM_VSVM_CAP_*``). A capability bit is set
 * only when the driver implements the feature it names.
 */

/**
 * DOC: vsvm ioctl conventions
 *
 * Every ioctl argument struct is a multiple of 8 bytes with naturally aligned
 * members. Pointers are passed as ``__u64`` members named ``*_ptr``. Members
 * named ``pad`` and any ``extensions`` member that is not yet defined must be
 * zero, and ``flags`` must contain only bits of the ioctl's valid mask;
 * otherwise the ioctl fails with -EINVAL (the reason is logged at debug
 * level, see the ``dbg_mask`` module parameter). Enum values start at 1: 0 is
 * never a valid value.
 *
 * Besides the errors each ioctl lists, every ioctl fails with -EFAULT when
 * its argument struct cannot be copied in or out, and may fail with -ENOMEM.
 * The DRM core copies in as many bytes as the request's size gives (when its
 * direction includes writing) and zero-fills the rest of the struct, so a
 * shorter struct from an older header reads as zeros at its end; a command
 * number of the driver's range without an ioctl fails with -EINVAL.
 */

/* uapi version reported by DRM_VSVM_PARAM_UAPI_VERSION: (major << 16) | minor */
#define DRM_VSVM_UAPI_MAJOR		0
#define DRM_VSVM_UAPI_MINOR		8
#define DRM_VSVM_UAPI_VERSION \
	((DRM_VSVM_UAPI_MAJOR << 16) | DRM_VSVM_UAPI_MINOR)

#define DRM_VSVM_GET_PARAM		0x00
#define DRM_VSVM_VM_CREATE		0x01
#define DRM_VSVM_VM_DESTROY		0x02
#define DRM_VSVM_EXEC			0x03
#define DRM_VSVM_WAIT			0x04
#define DRM_VSVM_VM_COUNTERS		0x05
#define DRM_VSVM_VM_PREFETCH		0x06
#define DRM_VSVM_VM_SET_ATTR		0x07
#define DRM_VSVM_VM_GET_ATTR		0x08

#define DRM_IOCTL_VSVM_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_GET_PARAM, struct drm_vsvm_get_param)
#define DRM_IOCTL_VSVM_VM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_VM_CREATE, struct drm_vsvm_vm_create)
#define DRM_IOCTL_VSVM_VM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_VM_DESTROY, struct drm_vsvm_vm_destroy)
#define DRM_IOCTL_VSVM_EXEC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_EXEC, struct drm_vsvm_exec)
#define DRM_IOCTL_VSVM_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_WAIT, struct drm_vsvm_wait)
#define DRM_IOCTL_VSVM_VM_COUNTERS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_VM_COUNTERS, struct drm_vsvm_vm_counters)
#define DRM_IOCTL_VSVM_VM_PREFETCH \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_VM_PREFETCH, struct drm_vsvm_vm_prefetch)
#define DRM_IOCTL_VSVM_VM_SET_ATTR \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_VM_SET_ATTR, struct drm_vsvm_vm_attr)
#define DRM_IOCTL_VSVM_VM_GET_ATTR \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_VM_GET_ATTR, struct drm_vsvm_vm_attr)

/**
 * enum drm_vsvm_param - parameters readable with &DRM_IOCTL_VSVM_GET_PARAM
 *
 * @DRM_VSVM_PARAM_UAPI_VERSION: version of this interface,
 *	``(major << 16) | minor``; see %DRM_VSVM_UAPI_VERSION. A new minor
 *	version only adds to the interface.
 * @DRM_VSVM_PARAM_CAPABILITIES: bitmask of ``DRM_VSVM_CAP_*`` features that
 *	this driver implements. Bits outside %DRM_VSVM_CAPS_ALL are never set.
 * @DRM_VSVM_PARAM_VA_BITS: width in bits of the device virtual address; the
 *	device mirrors the CPU's user address space up to ``1 << value``.
 * @DRM_VSVM_PARAM_PAGE_SIZES: bitmask of the page sizes the device page
 *	table can map, each bit being a size in bytes (``SZ_4K | SZ_2M``).
 * @DRM_VSVM_PARAM_NUM_DEVICES: number of vsvm devices the driver created
 *	(the ``num_devices`` module parameter).
 * @DRM_VSVM_PARAM_ISA_VERSION: the highest version of the compute ISA the
 *	compute engines execute (%VSVM_ISA_VERSION, docs/isa.rst); every
 *	version from %VSVM_ISA_VERSION_MIN up to it is accepted.
 * @DRM_VSVM_PARAM_COMPUTE_ENGINES: number of compute engines that share a
 *	dispatch's workgroups (the ``compute_engines`` module parameter).
 * @DRM_VSVM_PARAM_VRAM_BYTES: size of the device's own memory in bytes (the
 *	``vram_mb`` module parameter); 0 when it has none, also when the
 *	kernel lacks CONFIG_DEVICE_PRIVATE (since uapi 0.8). See
 *	&DRM_VSVM_PREFETCH_TO_DEVICE.
 */
enum drm_vsvm_param {
	DRM_VSVM_PARAM_UAPI_VERSION = 1,
	DRM_VSVM_PARAM_CAPABILITIES = 2,
	DRM_VSVM_PARAM_VA_BITS = 3,
	DRM_VSVM_PARAM_PAGE_SIZES = 4,
	DRM_VSVM_PARAM_NUM_DEVICES = 5,
	DRM_VSVM_PARAM_ISA_VERSION = 6,
	DRM_VSVM_PARAM_COMPUTE_ENGINES = 7,
	DRM_VSVM_PARAM_VRAM_BYTES = 8,
};

/*
 * Capability bits (DRM_VSVM_PARAM_CAPABILITIES).
 *
 * DRM_VSVM_CAP_SVM: VMs created with DRM_VSVM_VM_CREATE_SVM mirror the
 *	creating process's address space; see "vsvm memory model".
 * DRM_VSVM_CAP_COPY_ENGINE: DRM_IOCTL_VSVM_EXEC accepts
 *	DRM_VSVM_ENGINE_COPY jobs (struct drm_vsvm_cmd).
 * DRM_VSVM_CAP_PREFETCH: DRM_IOCTL_VSVM_VM_PREFETCH populates the mirror.
 * DRM_VSVM_CAP_COMPUTE: DRM_IOCTL_VSVM_EXEC accepts DRM_VSVM_ENGINE_COMPUTE
 *	jobs (struct drm_vsvm_dispatch), and in-fences.
 * DRM_VSVM_CAP_PIDFD_VM: DRM_IOCTL_VSVM_VM_CREATE accepts
 *	DRM_VSVM_VM_CREATE_PIDFD (a VM mirroring another process). Absent when
 *	the kernel does not export what the check needs (uapi 0.3).
 * DRM_VSVM_CAP_DEVICE_MEMORY: the device has memory of its own
 *	(DRM_VSVM_PARAM_VRAM_BYTES is not 0), DRM_IOCTL_VSVM_VM_PREFETCH
 *	accepts DRM_VSVM_PREFETCH_TO_DEVICE and DRM_VSVM_PREFETCH_TO_SYSTEM,
 *	and DRM_VSVM_LOC_DEVICE is a valid preferred location (uapi 0.8).
 *	DRM_IOCTL_VSVM_VM_SET_ATTR and _GET_ATTR exist on every device of uapi
 *	0.8.
 */
#define DRM_VSVM_CAP_SVM		(1ull << 0)
#define DRM_VSVM_CAP_COPY_ENGINE	(1ull << 1)
#define DRM_VSVM_CAP_PREFETCH		(1ull << 2)
#define DRM_VSVM_CAP_COMPUTE		(1ull << 3)
#define DRM_VSVM_CAP_PIDFD_VM		(1ull << 4)
#define DRM_VSVM_CAP_DEVICE_MEMORY	(1ull << 5)
#define DRM_VSVM_CAPS_ALL		(DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE | \
					 DRM_VSVM_CAP_PREFETCH | DRM_VSVM_CAP_COMPUTE | \
					 DRM_VSVM_CAP_PIDFD_VM | DRM_VSVM_CAP_DEVICE_MEMORY)

/**
 * struct drm_vsvm_get_param - argument of &DRM_IOCTL_VSVM_GET_PARAM
 *
 * Reads one device parameter.
 *
 * Return: 0 on success; -EINVAL when @param is not a &enum drm_vsvm_param
 * value, when @flags has a bit outside %DRM_VSVM_GET_PARAM_FLAGS, or when
 * @extensions, @index or @pad is not zero; -EFAULT when the struct cannot be
 * copied.
 */
struct drm_vsvm_get_param {
	/** @extensions: must be zero; reserved for a chain of extensions. */
	__u64 extensions;
	/** @param: in, the &enum drm_vsvm_param to read. */
	__u32 param;
	/** @flags: in, must be a subset of %DRM_VSVM_GET_PARAM_FLAGS. */
	__u32 flags;
	/**
	 * @index: in, instance of a parameter that has several; must be zero
	 * for every parameter defined so far.
	 */
	__u32 index;
	/** @pad: must be zero. */
	__u32 pad;
	/** @value: out, the parameter's value. */
	__u64 value;
};

/* Valid bits of drm_vsvm_get_param.flags: none yet. */
#define DRM_VSVM_GET_PARAM_FLAGS	0u

/**
 * DOC: vsvm VMs
 *
 * A VM is a device address space. A VM created with %DRM_VSVM_VM_CREATE_SVM
 * mirrors the address space (mm) of the process that created it: device
 * address X is CPU address X of that process. The VM is bound to that mm for
 * its whole life. VM ids are per open file.
 *
 * Isolation: only a task of the VM's mm can make the device touch the VM's
 * memory. Another process holding the same file (inherited through fork(),
 * received through SCM_RIGHTS) gets -EACCES from &DRM_IOCTL_VSVM_EXEC (both
 * engines) and &DRM_IOCTL_VSVM_VM_PREFETCH. It may still use the ioctls that
 * act on the file's objects without touching memory: &DRM_IOCTL_VSVM_WAIT
 * (a job's status, including the address of a fatal fault),
 * &DRM_IOCTL_VSVM_VM_COUNTERS and &DRM_IOCTL_VSVM_VM_DESTROY; and it may
 * create VMs of its own on the file, which mirror its own mm. Once the VM's
 * mm is gone (the process exited), its jobs end with %DRM_VSVM_JOB_NO_MM.
 *
 * Mirroring another process: with %DRM_VSVM_VM_CREATE_PIDFD the VM mirrors
 * the mm of the process @pidfd refers to, under the rule Cross Memory Attach
 * (process_vm_readv()) follows: the caller must be allowed to ptrace-attach
 * to it with its real credentials (PTRACE_MODE_ATTACH_REALCREDS, which
 * includes the LSMs, e.g. Yama's ptrace_scope), checked once, at creation.
 * Device address X is then CPU address X of the target. The VM is still
 * driven by its creator: only tasks of the creator's mm may submit jobs and
 * prefetch (the target itself gets -EACCES like any other process); when the
 * target exits, jobs end with %DRM_VSVM_JOB_NO_MM.
 * The render node needs no privilege: any user who can open it can use it.
 *
 * Device removal: once the device is unbound from its driver, every ioctl on
 * a file opened before fails with -ENODEV; jobs that had not started end
 * with %DRM_VSVM_JOB_CANCELED and running compute jobs stop at their next
 * workgroup, so that the engines touch no memory after the removal. Closing
 * the files frees everything.
 */

/* Valid bits of drm_vsvm_vm_create.flags. */
#define DRM_VSVM_VM_CREATE_SVM		(1u << 0)
#define DRM_VSVM_VM_CREATE_PIDFD	(1u << 1)
#define DRM_VSVM_VM_CREATE_FLAGS	(DRM_VSVM_VM_CREATE_SVM | DRM_VSVM_VM_CREATE_PIDFD)

/**
 * struct drm_vsvm_vm_create - argument of &DRM_IOCTL_VSVM_VM_CREATE
 *
 * The struct grew in uapi 0.3 (@pidfd, @pad); the DRM core zero-fills the
 * members an older caller does not pass, which keeps their meaning.
 *
 * Return: 0 on success; -EINVAL when @extensions or @pad is not zero, @flags
 * is not a subset of %DRM_VSVM_VM_CREATE_FLAGS or lacks
 * %DRM_VSVM_VM_CREATE_SVM (the only kind of VM so far), or @pidfd is not
 * zero without %DRM_VSVM_VM_CREATE_PIDFD; -ENOMEM; -ENOSPC when the file
 * has too many VMs. With %DRM_VSVM_VM_CREATE_PIDFD: -EOPNOTSUPP when the
 * kernel lacks %DRM_VSVM_CAP_PIDFD_VM; -EBADF when @pidfd is not an open
 * pidfd; -ESRCH when the process is gone (or has no mm); -EACCES when the
 * caller may not ptrace-attach to it.
 */
struct drm_vsvm_vm_create {
	/** @extensions: must be zero. */
	__u64 extensions;
	/**
	 * @flags: in, %DRM_VSVM_VM_CREATE_SVM, optionally with
	 * %DRM_VSVM_VM_CREATE_PIDFD.
	 */
	__u32 flags;
	/** @vm_id: out, the new VM's id (never 0). */
	__u32 vm_id;
	/**
	 * @pidfd: in, with %DRM_VSVM_VM_CREATE_PIDFD a pidfd (pidfd_open())
	 * of the process whose address space the VM mirrors; else zero.
	 */
	__s32 pidfd;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * struct drm_vsvm_vm_destroy - argument of &DRM_IOCTL_VSVM_VM_DESTROY
 *
 * Waits for the VM's jobs, removes its mirror and frees it. Each job that
 * &DRM_IOCTL_VSVM_EXEC accepted for the VM ends (runs, or is canceled if
 * the process is being killed) and its out-syncobj's fence signals before
 * this returns; an EXEC racing this call is either accepted first, or fails
 * with -ENOENT and submits nothing. This does not wait for an EXEC still
 * reading its arguments from user memory. The VM's job statuses go with
 * it: &DRM_IOCTL_VSVM_WAIT fails with -ENOENT afterwards.
 *
 * Return: 0 on success; -EINVAL when @pad is not zero; -ENOENT when @vm_id
 * names no VM of this file.
 */
struct drm_vsvm_vm_destroy {
	/** @vm_id: the VM to destroy. */
	__u32 vm_id;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * DOC: vsvm copy engine
 *
 * The copy engine executes a list of &struct drm_vsvm_cmd in order. Every
 * address is a device virtual address, that is a CPU address of the VM's
 * process. The engine reaches memory only through the device page table; an
 * address without a device translation raises a device page fault that the
 * driver resolves from the CPU page tables. A fault on an address the process
 * could not access the same way (no mapping, PROT_NONE, a write to read-only
 * memory) is fatal: the job stops and its status reports the address and the
 * access (&struct drm_vsvm_wait).
 *
 * %DRM_VSVM_CMD_COPY: copy @size bytes from @src to @dst (any alignment;
 *	overlapping ranges behave as if copied through a temporary buffer).
 * %DRM_VSVM_CMD_FILL: write @size bytes at @dst, byte i being byte
 *	(i % 8) of the little-endian @value.
 * %DRM_VSVM_CMD_CHECKSUM: compute the 64-bit FNV-1a hash of the @size bytes
 *	at @src and write it as a little-endian __u64 at @dst (8-byte aligned).
 */
#define DRM_VSVM_CMD_COPY		1
#define DRM_VSVM_CMD_FILL		2
#define DRM_VSVM_CMD_CHECKSUM		3

/**
 * struct drm_vsvm_cmd - one copy-engine command
 */
struct drm_vsvm_cmd {
	/** @op: DRM_VSVM_CMD_*. */
	__u32 op;
	/** @flags: must be zero. */
	__u32 flags;
	/** @src: source address (COPY, CHECKSUM), else must be zero. */
	__u64 src;
	/** @dst: destination address (COPY, FILL), result address (CHECKSUM). */
	__u64 dst;
	/** @size: bytes to read or write; at most %DRM_VSVM_CMD_MAX_SIZE. */
	__u64 size;
	/** @value: fill pattern (FILL), else must be zero. */
	__u64 value;
};

#define DRM_VSVM_CMD_MAX_SIZE		(1ull << 40)
#define DRM_VSVM_EXEC_MAX_CMDS		4096
/* Most in-fences of one job. */
#define DRM_VSVM_EXEC_MAX_IN_SYNCOBJS	64

/**
 * DOC: vsvm compute engine
 *
 * The compute engines run programs of the vsvm ISA (docs/isa.rst) over a
 * grid of workgroups, one &struct drm_vsvm_dispatch after the other. The
 * program is fetched from process memory through the device page table, and
 * its arguments are plain 64-bit values, typically pointers into the
 * process's memory (malloc, mmap, stack: any memory the process can access).
 * The engines split a dispatch's workgroups among themselves.
 *
 * A dispatch that runs longer than the device's job timeout
 * (``job_timeout_ms``) is stopped with %DRM_VSVM_JOB_TIMEOUT. An invalid
 * program ends with %DRM_VSVM_JOB_INVALID, the error and the pc; a fatal
 * fault with %DRM_VSVM_JOB_FAULT, the address, the access and the pc. The
 * next job of the VM runs normally after any of them.
 */

/* Valid bits of drm_vsvm_dispatch.flags: none yet. */
#define DRM_VSVM_DISPATCH_FLAGS		0u
/* Largest program, in bytes. */
#define DRM_VSVM_CODE_MAX_SIZE		(1u << 20)
/* Largest grid dimension, in workgroups. */
#define DRM_VSVM_MAX_GROUPS		(1u << 20)

/**
 * struct drm_vsvm_dispatch - one compute-engine command: run a program
 *
 * A job of the compute engine is an array of these, run in order; a
 * dispatch starts once the previous one has ended.
 */
struct drm_vsvm_dispatch {
	/**
	 * @code_ptr: address of the program in the VM's process, 8-byte
	 * aligned; the device fetches it through its page table.
	 */
	__u64 code_ptr;
	/** @code_size: bytes, a multiple of 8, 8 to %DRM_VSVM_CODE_MAX_SIZE. */
	__u64 code_size;
	/** @entry: byte offset of the first instruction, 8-aligned, < @code_size. */
	__u32 entry;
	/**
	 * @isa_version: the ISA version the program is decoded as,
	 * %VSVM_ISA_VERSION_MIN to the device's %DRM_VSVM_PARAM_ISA_VERSION
	 * (docs/isa.rst; version 2 adds shared memory and more ALU operations).
	 */
	__u32 isa_version;
	/**
	 * @group_size: lanes of a workgroup in x, y, z; each at least 1, the
	 * product at most %VSVM_ISA_MAX_GROUP_LANES.
	 */
	__u32 group_size[3];
	/** @num_groups: workgroups in x, y, z, each 1 to %DRM_VSVM_MAX_GROUPS. */
	__u32 num_groups[3];
	/** @num_args: entries of @args used, 0 to %VSVM_ISA_MAX_ARGS. */
	__u32 num_args;
	/** @flags: must be a subset of %DRM_VSVM_DISPATCH_FLAGS. */
	__u32 flags;
	/** @args: preloaded into s0..s15; entries past @num_args must be 0. */
	__u64 args[VSVM_ISA_MAX_ARGS];
};

/* Engine classes (drm_vsvm_exec.engine). */
#define DRM_VSVM_ENGINE_COPY		1
#define DRM_VSVM_ENGINE_COMPUTE		2

/* Valid bits of drm_vsvm_exec.flags: none yet. */
#define DRM_VSVM_EXEC_FLAGS		0u

/**
 * struct drm_vsvm_exec - argument of &DRM_IOCTL_VSVM_EXEC
 *
 * Submits a job: the commands are copied in at submission, so the array may
 * be reused as soon as the ioctl returns. Jobs of one VM and engine run in
 * submission order; jobs of different engines run in parallel unless an
 * in-fence orders them. A job starts once the fences of all its
 * @in_syncobjs_ptr syncobjs have signalled, whether they signalled an error
 * (a job that faulted) or not: in-fences order jobs, they do not pass a
 * failure on (a user-mode driver that must not run a job after a failed one
 * waits for the outcome first).
 *
 * Return: 0 on success; -EINVAL for a non-zero @extensions or @pad, unknown
 * @flags, an unknown @engine, @num_cmds of 0 or above
 * %DRM_VSVM_EXEC_MAX_CMDS, @num_in_syncobjs above
 * %DRM_VSVM_EXEC_MAX_IN_SYNCOBJS, a malformed dispatch (a member outside its
 * documented range), or a malformed command (unknown op, non-zero
 * flags, a member that must be zero, @size above the maximum, a misaligned
 * CHECKSUM result, an address range that wraps); -EFAULT when @cmds_ptr
 * or @in_syncobjs_ptr cannot be read; -ENOENT for an unknown @vm_id,
 * @out_syncobj or in-syncobj, and when &DRM_IOCTL_VSVM_VM_DESTROY destroyed
 * the VM while this EXEC ran (nothing is submitted then); -EINVAL also for
 * an in-syncobj without a fence; -EACCES when the caller is not a task of
 * the VM's process; -ESRCH when that process is gone.
 */
struct drm_vsvm_exec {
	/** @extensions: must be zero. */
	__u64 extensions;
	/** @vm_id: the VM whose address space the job uses. */
	__u32 vm_id;
	/** @engine: DRM_VSVM_ENGINE_*. */
	__u32 engine;
	/**
	 * @cmds_ptr: user pointer to @num_cmds commands: &struct drm_vsvm_cmd
	 * for %DRM_VSVM_ENGINE_COPY, &struct drm_vsvm_dispatch for
	 * %DRM_VSVM_ENGINE_COMPUTE.
	 */
	__u64 cmds_ptr;
	/** @num_cmds: number of commands, 1 to %DRM_VSVM_EXEC_MAX_CMDS. */
	__u32 num_cmds;
	/** @flags: must be a subset of %DRM_VSVM_EXEC_FLAGS. */
	__u32 flags;
	/**
	 * @out_syncobj: 0, or a syncobj handle whose fence is replaced by the
	 * job's fence, signalled when the job ends (whatever its status).
	 */
	__u32 out_syncobj;
	/** @pad: must be zero. */
	__u32 pad;
	/** @job_id: out, the job's id in its VM, for &DRM_IOCTL_VSVM_WAIT. */
	__u64 job_id;
	/**
	 * @in_syncobjs_ptr: user pointer to @num_in_syncobjs __u32 syncobj
	 * handles whose current fences the job waits for.
	 */
	__u64 in_syncobjs_ptr;
	/** @num_in_syncobjs: 0 to %DRM_VSVM_EXEC_MAX_IN_SYNCOBJS. */
	__u32 num_in_syncobjs;
	/** @pad2: must be zero. */
	__u32 pad2;
};

/* Job status (drm_vsvm_wait.status); 0 is never a status. */
#define DRM_VSVM_JOB_OK			1
/* A fatal device page fault: fault_addr and fault_access say where. */
#define DRM_VSVM_JOB_FAULT		2
/*
 * Faults kept colliding with invalidations. Not produced since uapi 0.4: the
 * engines retry collisions with a back-off for as long as the job may run.
 */
#define DRM_VSVM_JOB_RETRIES		3
/* The VM's process went away before or while the job ran. */
#define DRM_VSVM_JOB_NO_MM		4
/* The job could not get memory for page tables or fault bookkeeping. */
#define DRM_VSVM_JOB_NOMEM		5
/* An invalid program (compute): error and pc say what and where. */
#define DRM_VSVM_JOB_INVALID		6
/* The job ran past the job timeout and was stopped; pc says where. */
#define DRM_VSVM_JOB_TIMEOUT		7
/*
 * The device was removed, or its VM was destroyed, before the job ran or
 * while it ran: the job did not run, or stopped. (An in-fence's error does
 * not cancel a job, &struct drm_vsvm_exec.)
 */
#define DRM_VSVM_JOB_CANCELED		8

/* Access types (drm_vsvm_wait.fault_access). */
#define DRM_VSVM_ACCESS_READ		1
#define DRM_VSVM_ACCESS_WRITE		2

/* Valid bits of drm_vsvm_wait.flags: none yet. */
#define DRM_VSVM_WAIT_FLAGS		0u

/**
 * struct drm_vsvm_wait - argument of &DRM_IOCTL_VSVM_WAIT
 *
 * Waits until a job ends and reports its status. The status of a finished
 * job is kept until the VM is destroyed, for the last
 * %DRM_VSVM_WAIT_MAX_KEPT jobs of the VM.
 *
 * Return: 0 when the job has ended (its outcome is in @status, even when it
 * failed); -ETIME when @timeout_ns passed first; -EINTR/-ERESTARTSYS on a
 * signal; -EINVAL for non-zero @pad or unknown @flags; -ENOENT for an
 * unknown @vm_id, or a @job_id never submitted or no longer kept.
 */
struct drm_vsvm_wait {
	/** @vm_id: the job's VM. */
	__u32 vm_id;
	/** @flags: must be a subset of %DRM_VSVM_WAIT_FLAGS. */
	__u32 flags;
	/** @job_id: from &struct drm_vsvm_exec. */
	__u64 job_id;
	/**
	 * @timeout_ns: absolute CLOCK_MONOTONIC time in ns at which to give
	 * up; 0 polls.
	 */
	__s64 timeout_ns;
	/** @status: out, DRM_VSVM_JOB_*. */
	__u32 status;
	/** @fault_access: out, DRM_VSVM_ACCESS_* of a fatal fault, else 0. */
	__u32 fault_access;
	/**
	 * @fault_addr: out, address of a fatal fault; for an invalid job with
	 * %VSVM_ISA_ERR_ALIGN the misaligned address, with %VSVM_ISA_ERR_LDS
	 * the shared-memory offset; else 0.
	 */
	__u64 fault_addr;
	/** @cmd_index: out, index of the command that failed, else 0. */
	__u32 cmd_index;
	/** @pad: must be zero. */
	__u32 pad;
	/**
	 * @pc: out, byte offset in the program of the instruction that failed
	 * (%DRM_VSVM_JOB_FAULT, %DRM_VSVM_JOB_INVALID, %DRM_VSVM_JOB_TIMEOUT of
	 * a compute job), else 0.
	 */
	__u64 pc;
	/** @error: out, &enum vsvm_isa_error for %DRM_VSVM_JOB_INVALID, else 0. */
	__u32 error;
	/** @pad2: must be zero. */
	__u32 pad2;
};

#define DRM_VSVM_WAIT_MAX_KEPT		1024

/**
 * enum drm_vsvm_counter - per-VM counters (&DRM_IOCTL_VSVM_VM_COUNTERS)
 *
 * @DRM_VSVM_COUNTER_FAULTS: device page faults handled (fatal ones too).
 * @DRM_VSVM_COUNTER_FAULTS_FATAL: faults that failed a job.
 * @DRM_VSVM_COUNTER_FAULT_RETRIES: faults retried because an invalidation
 *	collided with them (mmu_interval_read_retry() or -EBUSY).
 * @DRM_VSVM_COUNTER_MAPPED_4K: 4 KiB device PTEs written by faults.
 * @DRM_VSVM_COUNTER_MAPPED_2M: 2 MiB device PTEs written by faults.
 * @DRM_VSVM_COUNTER_INVAL_UNMAP: invalidations with event UNMAP.
 * @DRM_VSVM_COUNTER_INVAL_CLEAR: ... CLEAR.
 * @DRM_VSVM_COUNTER_INVAL_PROTECTION_VMA: ... PROTECTION_VMA.
 * @DRM_VSVM_COUNTER_INVAL_PROTECTION_PAGE: ... PROTECTION_PAGE.
 * @DRM_VSVM_COUNTER_INVAL_SOFT_DIRTY: ... SOFT_DIRTY.
 * @DRM_VSVM_COUNTER_INVAL_RELEASE: ... RELEASE.
 * @DRM_VSVM_COUNTER_INVAL_MIGRATE: ... MIGRATE.
 * @DRM_VSVM_COUNTER_INVAL_EXCLUSIVE: ... EXCLUSIVE.
 * @DRM_VSVM_COUNTER_INVAL_NONBLOCK_FAILED: non-blockable invalidations that
 *	had to report failure because they could not take the lock.
 * @DRM_VSVM_COUNTER_PTES_ZAPPED: device PTEs removed, in 4 KiB units.
 * @DRM_VSVM_COUNTER_PTES_DOWNGRADED: device PTEs made read-only, 4 KiB units.
 * @DRM_VSVM_COUNTER_TLB_FLUSHES: device TLB range invalidations.
 * @DRM_VSVM_COUNTER_RANGES_GC: ranges freed after an UNMAP.
 * @DRM_VSVM_COUNTER_RANGES_ALIVE: ranges tracked now.
 * @DRM_VSVM_COUNTER_NOTIFIERS_ALIVE: interval notifiers registered now.
 * @DRM_VSVM_COUNTER_PT_BYTES: memory of the device page table now.
 * @DRM_VSVM_COUNTER_FAULT_NS: total time spent in fault handling.
 * @DRM_VSVM_COUNTER_HMM_NS: part of it spent in hmm_range_fault().
 * @DRM_VSVM_COUNTER_YOUNG_QUERIES: reclaim asked whether the device used
 *	some of the VM's memory (aging, since uapi 0.5).
 * @DRM_VSVM_COUNTER_YOUNG_ANSWERS: ... and the answer was yes.
 * @DRM_VSVM_COUNTER_YOUNG_CLEARED: device accessed bits cleared by aging.
 * @DRM_VSVM_COUNTER_PREFETCHED: pages the density prefetcher faulted in and
 *	mapped before the device touched them (since uapi 0.6).
 * @DRM_VSVM_COUNTER_PREFETCH_USED: of them, pages the device had accessed
 *	when their translation was removed (zap, unmap, release).
 * @DRM_VSVM_COUNTER_PTES_LIVE: device translations present now, in 4 KiB
 *	units (a 2 MiB PTE counts 512): each page the device can reach
 *	without a fault, once however often it was mapped (since uapi 0.7).
 * @DRM_VSVM_COUNTER_PTES_UNCHANGED: pages that a fault would have mapped but
 *	found already mapped to the same page with the same permission, and
 *	left alone (their accessed and dirty state kept).
 * @DRM_VSVM_COUNTER_COUNT: number of counters of this uapi version.
 */
enum drm_vsvm_counter {
	DRM_VSVM_COUNTER_FAULTS,
	DRM_VSVM_COUNTER_FAULTS_FATAL,
	DRM_VSVM_COUNTER_FAULT_RETRIES,
	DRM_VSVM_COUNTER_MAPPED_4K,
	DRM_VSVM_COUNTER_MAPPED_2M,
	DRM_VSVM_COUNTER_INVAL_UNMAP,
	DRM_VSVM_COUNTER_INVAL_CLEAR,
	DRM_VSVM_COUNTER_INVAL_PROTECTION_VMA,
	DRM_VSVM_COUNTER_INVAL_PROTECTION_PAGE,
	DRM_VSVM_COUNTER_INVAL_SOFT_DIRTY,
	DRM_VSVM_COUNTER_INVAL_RELEASE,
	DRM_VSVM_COUNTER_INVAL_MIGRATE,
	DRM_VSVM_COUNTER_INVAL_EXCLUSIVE,
	DRM_VSVM_COUNTER_INVAL_NONBLOCK_FAILED,
	DRM_VSVM_COUNTER_PTES_ZAPPED,
	DRM_VSVM_COUNTER_PTES_DOWNGRADED,
	DRM_VSVM_COUNTER_TLB_FLUSHES,
	DRM_VSVM_COUNTER_RANGES_GC,
	DRM_VSVM_COUNTER_RANGES_ALIVE,
	DRM_VSVM_COUNTER_NOTIFIERS_ALIVE,
	DRM_VSVM_COUNTER_PT_BYTES,
	DRM_VSVM_COUNTER_FAULT_NS,
	DRM_VSVM_COUNTER_HMM_NS,
	DRM_VSVM_COUNTER_YOUNG_QUERIES,
	DRM_VSVM_COUNTER_YOUNG_ANSWERS,
	DRM_VSVM_COUNTER_YOUNG_CLEARED,
	DRM_VSVM_COUNTER_PREFETCHED,
	DRM_VSVM_COUNTER_PREFETCH_USED,
	DRM_VSVM_COUNTER_PTES_LIVE,
	DRM_VSVM_COUNTER_PTES_UNCHANGED,
	DRM_VSVM_COUNTER_COUNT
};

/*
 * DRM_VSVM_COUNTER_NAMES(X) - the name of every counter, as X(ID, "name") in
 * the order of &enum drm_vsvm_counter (ID is the enumerator without its
 * DRM_VSVM_COUNTER_ prefix): the one list that the driver's debugfs files,
 * the IGT helpers and libvsvm take the names from.
 */
#define DRM_VSVM_COUNTER_NAMES(X) \
	X(FAULTS, "faults") \
	X(FAULTS_FATAL, "faults_fatal") \
	X(FAULT_RETRIES, "fault_retries") \
	X(MAPPED_4K, "mapped_4k") \
	X(MAPPED_2M, "mapped_2m") \
	X(INVAL_UNMAP, "inval_unmap") \
	X(INVAL_CLEAR, "inval_clear") \
	X(INVAL_PROTECTION_VMA, "inval_protection_vma") \
	X(INVAL_PROTECTION_PAGE, "inval_protection_page") \
	X(INVAL_SOFT_DIRTY, "inval_soft_dirty") \
	X(INVAL_RELEASE, "inval_release") \
	X(INVAL_MIGRATE, "inval_migrate") \
	X(INVAL_EXCLUSIVE, "inval_exclusive") \
	X(INVAL_NONBLOCK_FAILED, "inval_nonblock_failed") \
	X(PTES_ZAPPED, "ptes_zapped") \
	X(PTES_DOWNGRADED, "ptes_downgraded") \
	X(TLB_FLUSHES, "tlb_flushes") \
	X(RANGES_GC, "ranges_gc") \
	X(RANGES_ALIVE, "ranges_alive") \
	X(NOTIFIERS_ALIVE, "notifiers_alive") \
	X(PT_BYTES, "pt_bytes") \
	X(FAULT_NS, "fault_ns") \
	X(HMM_NS, "hmm_ns") \
	X(YOUNG_QUERIES, "young_queries") \
	X(YOUNG_ANSWERS, "young_answers") \
	X(YOUNG_CLEARED, "young_cleared") \
	X(PREFETCHED, "prefetched") \
	X(PREFETCH_USED, "prefetch_used") \
	X(PTES_LIVE, "ptes_live") \
	X(PTES_UNCHANGED, "ptes_unchanged")

/**
 * struct drm_vsvm_vm_counters - argument of &DRM_IOCTL_VSVM_VM_COUNTERS
 *
 * Copies the first min(@count, %DRM_VSVM_COUNTER_COUNT) counters of a VM, as
 * __u64 indexed by &enum drm_vsvm_counter, to @counters_ptr, and sets @count
 * to %DRM_VSVM_COUNTER_COUNT (call with @count 0 to learn it).
 *
 * Return: 0 on success; -ENOENT for an unknown @vm_id; -EFAULT when
 * @counters_ptr cannot be written.
 */
struct drm_vsvm_vm_counters {
	/** @vm_id: the VM. */
	__u32 vm_id;
	/** @count: in, entries @counters_ptr has room for; out, the number of counters. */
	__u32 count;
	/** @counters_ptr: user pointer to an array of __u64. */
	__u64 counters_ptr;
};

/* Valid bits of drm_vsvm_vm_prefetch.flags. */
#define DRM_VSVM_PREFETCH_WRITE		(1u << 0)
#define DRM_VSVM_PREFETCH_TO_DEVICE	(1u << 1)
#define DRM_VSVM_PREFETCH_TO_SYSTEM	(1u << 2)
#define DRM_VSVM_PREFETCH_FLAGS		(DRM_VSVM_PREFETCH_WRITE | DRM_VSVM_PREFETCH_TO_DEVICE | \
					 DRM_VSVM_PREFETCH_TO_SYSTEM)

/**
 * struct drm_vsvm_vm_prefetch - argument of &DRM_IOCTL_VSVM_VM_PREFETCH
 *
 * Populates the VM's mirror of [@start, @start + @size) (whole pages) as the
 * device's own accesses would: every page gets a device translation,
 * faulting it in on the CPU side if needed, so that a job that follows
 * takes no device page fault there (until the CPU side changes). With
 * %DRM_VSVM_PREFETCH_WRITE the translations are writable, as for device
 * writes. Nothing is pinned: later invalidations apply as usual.
 *
 * Placement (since uapi 0.8, with %DRM_VSVM_CAP_DEVICE_MEMORY): with
 * %DRM_VSVM_PREFETCH_TO_DEVICE the range's pages first move to the VM's
 * device's own memory (memory never touched stays untouched); with %DRM_VSVM_PREFETCH_TO_SYSTEM this device's pages of the
 * range first move back to system memory. Both are best effort: a page that
 * cannot move (file-backed, pinned, in use by a migration of its own, no
 * device memory left after eviction) stays where it is and is mapped there.
 * A CPU access to a page in device memory moves it back (only that page, by
 * default: the ``migrate_back_kb`` tunable), and so does eviction when device
 * memory runs out. The device's debugfs ``counters`` count the pages moved
 * (``vram_*``).
 *
 * Return: 0 on success; -EINVAL for unknown @flags, both placement flags, a
 * @size of 0 or a range that wraps; -EOPNOTSUPP for a placement flag on a
 * device without memory of its own; -ENOENT for an unknown @vm_id; -EACCES when the caller is not
 * a task of the VM's process; -EFAULT when a page of the range has no
 * accessible mapping, -EPERM when a write prefetch meets read-only memory
 * (pages before it stay populated), also for memory without a place in
 * the kernel's direct map (memfd_secret()); -EINTR on a fatal signal.
 * Collisions with invalidations are retried with a back-off (since uapi
 * 0.4; before, -EAGAIN after too many of them).
 */
struct drm_vsvm_vm_prefetch {
	/** @vm_id: the VM. */
	__u32 vm_id;
	/** @flags: a subset of %DRM_VSVM_PREFETCH_FLAGS. */
	__u32 flags;
	/** @start: first address (rounded down to a page). */
	__u64 start;
	/** @size: bytes (the end is rounded up to a page). */
	__u64 size;
};

/**
 * enum drm_vsvm_attr - attributes of address ranges (&struct drm_vsvm_vm_attr)
 *
 * @DRM_VSVM_ATTR_PREFERRED_LOC: where the range's pages should live, one of
 *	``DRM_VSVM_LOC_*``: %DRM_VSVM_LOC_NONE (default: where they are),
 *	%DRM_VSVM_LOC_SYSTEM (a device fault of the VM in the range first moves
 *	the device's pages of its block back to system memory) or
 *	%DRM_VSVM_LOC_DEVICE (a device fault first moves its block's pages into
 *	the VM's device's memory; needs %DRM_VSVM_CAP_DEVICE_MEMORY).
 * @DRM_VSVM_ATTR_ACCESSED_BY: 1: the VM's device maps the pages where they
 *	are (system memory, its own memory, or another vsvm device's memory,
 *	which it then reads and writes in place), and its faults never move
 *	them, whatever the preferred location says; 0 (default): they may
 *	move, and a page in another device's memory comes back to system
 *	memory when this device touches it.
 * @DRM_VSVM_ATTR_GRANULARITY: log2 of the size of the aligned block a
 *	fault's move takes, 12 (one page) to 21 (2 MiB, the default); the block
 *	is cut to the fault's VMA and to the addresses around the fault that
 *	have the same attributes.
 */
enum drm_vsvm_attr {
	DRM_VSVM_ATTR_PREFERRED_LOC = 1,
	DRM_VSVM_ATTR_ACCESSED_BY = 2,
	DRM_VSVM_ATTR_GRANULARITY = 3,
};

#define DRM_VSVM_LOC_NONE		0
#define DRM_VSVM_LOC_SYSTEM		1
#define DRM_VSVM_LOC_DEVICE		2

/* Valid bits of drm_vsvm_vm_attr.flags: none yet. */
#define DRM_VSVM_ATTR_FLAGS		0

/**
 * struct drm_vsvm_vm_attr - argument of &DRM_IOCTL_VSVM_VM_SET_ATTR and
 *	&DRM_IOCTL_VSVM_VM_GET_ATTR
 *
 * Attributes belong to a VM's addresses (not to VMAs or pages): munmap()
 * drops those of what it unmaps (splitting a range it cuts), mremap() leaves
 * them behind with the old addresses, mprotect() keeps them, a forked child
 * (which has no VM) gets none. Ranges with equal attributes merge.
 *
 * SET_ATTR sets @type to @value over [@start, @start + @size), every page of
 * which must be mapped. GET_ATTR reads @type at @start into @value and sets
 * @size to the length of the run from @start, at most the @size given, over
 * which it is the same.
 *
 * Return: 0 on success; -EINVAL for a @flags bit outside
 * %DRM_VSVM_ATTR_FLAGS, a non-zero @pad, an unknown @type, a @value out of
 * its range, a @start or @size that is not page aligned, a @size of 0 or a
 * range that wraps or goes past the VM's address space; -EOPNOTSUPP for
 * %DRM_VSVM_LOC_DEVICE on a device without memory; -ENOENT for an unknown
 * @vm_id; -EACCES when the caller is not a task of the VM's process
 * (SET_ATTR); -EFAULT when a page of the range has no mapping (SET_ATTR);
 * -ENOMEM.
 */
struct drm_vsvm_vm_attr {
	/** @vm_id: the VM. */
	__u32 vm_id;
	/** @flags: none valid yet: must be 0. */
	__u32 flags;
	/** @start: first address, page aligned. */
	__u64 start;
	/** @size: bytes, page aligned; GET_ATTR: out, the run's length. */
	__u64 size;
	/** @type: the attribute, &enum drm_vsvm_attr. */
	__u32 type;
	/** @pad: must be 0. */
	__u32 pad;
	/** @value: SET_ATTR: in; GET_ATTR: out. */
	__u64 value;
};

#if defined(__cplusplus)
}
#endif

#endif /* __VSVM_DRM_H__ */
