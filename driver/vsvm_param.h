/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_PARAM_H__
#define __VSVM_PARAM_H__

#include <linux/types.h>

struct drm_device;
struct drm_file;
struct drm_vsvm_get_param;

/**
 * struct vsvm_param_facts - what GET_PARAM reports about a device
 * @capabilities: DRM_VSVM_CAP_* bits the driver implements
 * @va_bits: width of a device virtual address
 * @page_sizes: page sizes the device page table maps, as a mask of sizes
 * @num_devices: number of vsvm devices the driver created
 * @compute_engines: compute engines of the device
 * @vram_bytes: size of the device's own memory
 */
struct vsvm_param_facts {
	u64 capabilities;
	u32 va_bits;
	u64 page_sizes;
	u32 num_devices;
	u32 compute_engines;
	u64 vram_bytes;
};

#if IS_ENABLED(CONFIG_KUNIT)
int vsvm_param_query(const struct vsvm_param_facts *facts,
		     struct drm_vsvm_get_param *args, const char **reason);
#endif

int vsvm_param_get_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);

#endif /* __VSVM_PARAM_H__ */
