/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * The few kernel APIs that driver/vsvm_isa.c and driver/vsvm_isa_fp.c use,
 * for building those files unchanged as user-space C in libvsvm_emu (the
 * host emulator runs the kernel's own interpreter instead of a second copy).
 * Every linux/, asm/ and kunit/ header of this directory includes this file;
 * those that also exist as uapi headers include the system one first, since
 * glibc and libdrm include them for their own definitions.
 *
 * Only what the interpreter needs, with the kernel's meaning; where the
 * kernel's version type-checks more strictly (min/max), this one is looser,
 * which is fine because the kernel build checks the same code.
 */
#ifndef VSVM_KSHIM_H
#define VSVM_KSHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <asm/byteorder.h>

/* <linux/types.h> */
#include "vsvm_ktypes.h"
typedef unsigned __int128 u128;
typedef __int128 s128;
typedef unsigned int gfp_t;

/* <linux/compiler.h> */
#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
#define fallthrough		__attribute__((__fallthrough__))
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define noinline		__attribute__((__noinline__))
#define __aligned(n)		__attribute__((__aligned__(n)))
#define __packed		__attribute__((__packed__))
#define __maybe_unused		__attribute__((__unused__))
#define __must_check		__attribute__((__warn_unused_result__))
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* <linux/build_bug.h>, <linux/bug.h> */
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), #cond)
#define WARN_ON(cond)		({ bool __w = !!(cond); __w; })
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG_ON(cond)		do { if (cond) abort(); } while (0)

/* <linux/export.h>, <kunit/visibility.h> */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define VISIBLE_IF_KUNIT	static

/* <linux/array_size.h>, <linux/kernel.h>, <linux/math.h> */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + ((a) - 1)) & ~(__typeof__(x))((a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))

/* <linux/limits.h> */
#define U8_MAX			((u8)~0U)
#define S8_MAX			((s8)(U8_MAX >> 1))
#define S8_MIN			((s8)(-S8_MAX - 1))
#define U16_MAX			((u16)~0U)
#define S16_MAX			((s16)(U16_MAX >> 1))
#define S16_MIN			((s16)(-S16_MAX - 1))
#define U32_MAX			((u32)~0U)
#define S32_MAX			((s32)(U32_MAX >> 1))
#define S32_MIN			((s32)(-S32_MAX - 1))
#define U64_MAX			((u64)~0ULL)
#define S64_MAX			((s64)(U64_MAX >> 1))
#define S64_MIN			((s64)(-S64_MAX - 1))

/* <linux/minmax.h> */
#define min(a, b)		({ __auto_type __a = (a); __auto_type __b = (b); __a < __b ? __a : __b; })
#define max(a, b)		({ __auto_type __a = (a); __auto_type __b = (b); __a > __b ? __a : __b; })
#define min_t(t, a, b)		({ t __a = (a); t __b = (b); __a < __b ? __a : __b; })
#define max_t(t, a, b)		({ t __a = (a); t __b = (b); __a > __b ? __a : __b; })
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define clamp_t(t, v, lo, hi)	min_t(t, max_t(t, v, lo), hi)
#define swap(a, b)		do { __auto_type __t = (a); (a) = (b); (b) = __t; } while (0)

/* <linux/sizes.h> */
#define SZ_1K			0x00000400
#define SZ_4K			0x00001000
#define SZ_32K			0x00008000
#define SZ_64K			0x00010000
#define SZ_1M			0x00100000

/* <linux/bits.h>, <linux/bitops.h>, <linux/bitmap.h> */
#define BITS_PER_LONG		64
#define BITS_PER_TYPE(t)	(sizeof(t) * 8)
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK(h, l)		(((~0UL) - (1UL << (l)) + 1) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l)	(((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
#define BITS_TO_LONGS(n)	DIV_ROUND_UP(n, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

static inline void bitmap_zero(unsigned long *map, unsigned int bits)
{
	memset(map, 0, BITS_TO_LONGS(bits) * sizeof(unsigned long));
}

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return (map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline unsigned int hweight32(u32 w) { return __builtin_popcount(w); }
static inline unsigned int hweight64(u64 w) { return __builtin_popcountll(w); }
static inline unsigned long hweight_long(unsigned long w) { return __builtin_popcountl(w); }

static inline s64 sign_extend64(u64 value, int index)
{
	int shift = 63 - index;

	return (s64)(value << shift) >> shift;
}

static inline s32 sign_extend32(u32 value, int index)
{
	int shift = 31 - index;

	return (s32)(value << shift) >> shift;
}

static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline unsigned long __ffs(unsigned long x) { return __builtin_ctzl(x); }
static inline unsigned long __fls(unsigned long x) { return 63 - __builtin_clzl(x); }
static inline unsigned int __ffs64(u64 x) { return __builtin_ctzll(x); }
#define ffs(x)			__builtin_ffs(x)

/* <linux/math64.h> */
static inline u64 mul_u64_u64_shr(u64 a, u64 b, unsigned int shift)
{
	return (u64)(((u128)a * b) >> shift);
}

static inline u64 div64_u64(u64 a, u64 b) { return a / b; }
static inline s64 div64_s64(s64 a, s64 b) { return a / b; }
static inline u64 div_u64(u64 a, u32 b) { return a / b; }
static inline s64 div_s64(s64 a, s32 b) { return a / b; }

/* <asm/byteorder.h> */
#define le16_to_cpu(x)		__le16_to_cpu(x)
#define le32_to_cpu(x)		__le32_to_cpu(x)
#define le64_to_cpu(x)		__le64_to_cpu(x)
#define le16_to_cpup(p)		__le16_to_cpup(p)
#define le32_to_cpup(p)		__le32_to_cpup(p)
#define le64_to_cpup(p)		__le64_to_cpup(p)
#define cpu_to_le16(x)		__cpu_to_le16(x)
#define cpu_to_le32(x)		__cpu_to_le32(x)
#define cpu_to_le64(x)		__cpu_to_le64(x)

/* <linux/slab.h>: the engine is the only allocation. */
#define GFP_KERNEL		0u
#define __GFP_ZERO		1u
static inline void *kzalloc(size_t size, gfp_t gfp) { (void)gfp; return calloc(1, size); }
static inline void *kmalloc(size_t size, gfp_t gfp) { (void)gfp; return malloc(size); }
static inline void *kcalloc(size_t n, size_t size, gfp_t gfp) { (void)gfp; return calloc(n, size); }
#define kvzalloc(size, gfp)	kzalloc(size, gfp)
#define kvmalloc(size, gfp)	kmalloc(size, gfp)
#define kvcalloc(n, size, gfp)	kcalloc(n, size, gfp)
static inline void kfree(const void *p) { free((void *)p); }
#define kvfree(p)		kfree(p)

/*
 * <linux/fpu.h>: user space may use the FPU anywhere. The host KUnit runner
 * (umd/tests/unit/kunit_host) defines VSVM_KSHIM_FPU_HOOKS to track the
 * sections, as the kernel's preemption count would.
 */
#ifdef VSVM_KSHIM_FPU_HOOKS
void vsvm_kshim_fpu_begin(void);
void vsvm_kshim_fpu_end(void);
static inline void kernel_fpu_begin(void) { vsvm_kshim_fpu_begin(); }
static inline void kernel_fpu_end(void) { vsvm_kshim_fpu_end(); }
#else
static inline void kernel_fpu_begin(void) {}
static inline void kernel_fpu_end(void) {}
#endif

/* <linux/printk.h>: the interpreter should not print; swallow if it does. */
#define pr_debug(...)		do { } while (0)
#define pr_warn_once(...)	do { } while (0)

#endif /* VSVM_KSHIM_H */
