/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The vsvm authors */

/*
 * The kernel's fixed-width type names from the uapi types, for the driver's
 * interpreter built in user space: the C shim (vsvm_kshim.h) and the C++
 * interface (interp.h) both take them from here.
 */
#ifndef VSVM_KTYPES_H
#define VSVM_KTYPES_H

#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#endif
