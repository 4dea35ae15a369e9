// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/errno.h>
#include <linux/sizes.h>

#include <kunit/visibility.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "vsvm_drm.h"
#include "vsvm_drv.h"
#include "vsvm_param.h"

/*
 * The device mirrors the CPU's 4-level user address space (48 bits) with a
 * 4-level page table that maps 4 KiB and 2 MiB pages.
 */
#define VSVM_VA_BITS		48
#define VSVM_PAGE_SIZES		(SZ_4K | SZ_2M)

/**
 * vsvm_param_query() - validate a GET_PARAM request and answer it
 * @facts: what the device reports
 * @args: the request; on success @args->value is set, otherwise it is
 *	left untouched
 * @reason: set to a human-readable reason when the request is rejected
 *
 * Pure logic, free of DRM and mm calls, so that KUnit can test every path.
 *
 * Return: 0 on success, -EINVAL on a malformed request or an unknown
 * parameter.
 */
VISIBLE_IF_KUNIT int vsvm_param_query(const struct vsvm_param_facts *facts,
				      struct drm_vsvm_get_param *args,
				      const char **reason)
{
	u64 value;

	if (args->extensions) {
		*reason = "extensions must be zero";
		return -EINVAL;
	}
	if (args->flags & ~DRM_VSVM_GET_PARAM_FLAGS) {
		*reason = "unknown flags";
		return -EINVAL;
	}
	if (args->pad) {
		*reason = "pad must be zero";
		return -EINVAL;
	}
	if (args->index) {
		*reason = "index must be zero for this param";
		return -EINVAL;
	}

	switch (args->param) {
	case DRM_VSVM_PARAM_UAPI_VERSION:
		value = DRM_VSVM_UAPI_VERSION;
		break;
	case DRM_VSVM_PARAM_CAPABILITIES:
		value = facts->capabilities;
		break;
	case DRM_VSVM_PARAM_VA_BITS:
		value = facts->va_bits;
		break;
	case DRM_VSVM_PARAM_PAGE_SIZES:
		value = facts->page_sizes;
		break;
	case DRM_VSVM_PARAM_NUM_DEVICES:
		value = facts->num_devices;
		break;
	case DRM_VSVM_PARAM_ISA_VERSION:
		value = VSVM_ISA_VERSION;
		break;
	case DRM_VSVM_PARAM_COMPUTE_ENGINES:
		value = facts->compute_engines;
		break;
	case DRM_VSVM_PARAM_VRAM_BYTES:
		value = facts->vram_bytes;
		break;
	default:
		*reason = "unknown param";
		return -EINVAL;
	}

	args->value = value;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_param_query);

/**
 * vsvm_param_get_ioctl() - DRM_IOCTL_VSVM_GET_PARAM
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_get_param, already copied in by the DRM core
 * @file: the caller's file
 *
 * Return: 0 on success, a negative errno from vsvm_param_query() otherwise.
 */
int vsvm_param_get_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_get_param *args = data;
	const struct vsvm_param_facts facts = {
		.capabilities = DRM_VSVM_CAPS_ALL &
				~(IS_ENABLED(CONFIG_EXPORT_MM_ACCESS) ? 0 : DRM_VSVM_CAP_PIDFD_VM) &
				~(vdev->vram.npages ? 0 : DRM_VSVM_CAP_DEVICE_MEMORY),
		.va_bits = VSVM_VA_BITS,
		.page_sizes = VSVM_PAGE_SIZES,
		.num_devices = vsvm_num_devices,
		.compute_engines = vdev->compute.num_engines,
		.vram_bytes = (u64)vdev->vram.npages << PAGE_SHIFT,
	};
	const char *reason = NULL;
	int ret;

	ret = vsvm_param_query(&facts, args, &reason);
	if (ret)
		return vsvm_reject_errno(vdev, ret, "GET_PARAM %u: %s\n", args->param, reason);
	return 0;
}
