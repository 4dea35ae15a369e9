/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_DRM_H__
#define __VSVM_DRM_H__

#include "drm.h"

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
 */

/* uapi version reported by DRM_VSVM_PARAM_UAPI_VERSION: (major << 16) | minor */
#define DRM_VSVM_UAPI_MAJOR		0
#define DRM_VSVM_UAPI_MINOR		1
#define DRM_VSVM_UAPI_VERSION \
	((DRM_VSVM_UAPI_MAJOR << 16) | DRM_VSVM_UAPI_MINOR)

#define DRM_VSVM_GET_PARAM		0x00

#define DRM_IOCTL_VSVM_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_GET_PARAM, struct drm_vsvm_get_param)

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
 */
enum drm_vsvm_param {
	DRM_VSVM_PARAM_UAPI_VERSION = 1,
	DRM_VSVM_PARAM_CAPABILITIES = 2,
	DRM_VSVM_PARAM_VA_BITS = 3,
	DRM_VSVM_PARAM_PAGE_SIZES = 4,
	DRM_VSVM_PARAM_NUM_DEVICES = 5,
};

/*
 * Capability bits (DRM_VSVM_PARAM_CAPABILITIES). None is defined yet: the
 * mirror, the copy engine and the compute engine add theirs as they land.
 */
#define DRM_VSVM_CAPS_ALL		0ull

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

#if defined(__cplusplus)
}
#endif

#endif /* __VSVM_DRM_H__ */
