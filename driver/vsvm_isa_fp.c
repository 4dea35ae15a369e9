// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * The float32 instructions of the compute ISA. This is the only file of the
 * driver built with FPU code generation (CC_FLAGS_FPU, see the Kbuild); its
 * functions take and return bit patterns, never float values, so that the
 * calling convention does not depend on FPU registers, and run only between
 * kernel_fpu_begin() and kernel_fpu_end() in the caller. It must not include
 * <linux/fpu.h> (see Documentation/core-api/floating-point.rst).
 *
 * The FPU's default environment (which kernel_fpu_begin() loads) gives the
 * rounding the spec asks for: to nearest even, subnormals kept, exceptions
 * masked. NaN results are replaced by the default quiet NaN here.
 */

#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/types.h>

#include "vsvm_isa.h"

#define VSVM_F32_QNAN	0x7fc00000u

/*
 * With -fno-math-errno the compiler emits the square-root instruction;
 * sparse does not know the builtin.
 */
#ifdef __CHECKER__
#define vsvm_sqrtf(x)	(x)
#else
#define vsvm_sqrtf(x)	__builtin_sqrtf(x)
#endif

union vsvm_f32 {
	u32 bits;
	float f;
};

static inline float f32_of(u64 bits)
{
	union vsvm_f32 v = { .bits = (u32)bits };

	return v.f;
}

static inline u32 bits_of(float f)
{
	union vsvm_f32 v = { .f = f };

	return v.bits;
}

static inline bool f32_is_nan(u32 v)
{
	return (v & 0x7fffffffu) > 0x7f800000u;
}

/* A result: NaNs become the default quiet NaN. */
static inline u64 f32_result(float f)
{
	u32 v = bits_of(f);

	return f32_is_nan(v) ? VSVM_F32_QNAN : v;
}

/* min/max: a NaN operand loses to a number; -0 is below +0. */
static u64 f32_min(u32 a, u32 b, bool max)
{
	float fa = f32_of(a), fb = f32_of(b);

	if (f32_is_nan(a))
		return f32_is_nan(b) ? VSVM_F32_QNAN : b;
	if (f32_is_nan(b))
		return a;
	if (fa < fb)
		return max ? b : a;
	if (fb < fa)
		return max ? a : b;
	/* Equal: only the sign of a zero can differ. */
	return max ? (a & b) : (a | b);
}

static u64 f32_to_u32(u32 a)
{
	float f = f32_of(a);

	if (f32_is_nan(a) || f <= 0.0f)
		return 0;
	if (f >= 4294967296.0f)
		return U32_MAX;
	return (u32)f;
}

static u64 f32_to_i32(u32 a)
{
	float f = f32_of(a);

	if (f32_is_nan(a))
		return 0;
	if (f >= 2147483648.0f)
		return S32_MAX;
	if (f <= -2147483648.0f)
		return (u32)S32_MIN;
	return (u32)(s32)f;
}

static u64 f32_to_u64(u32 a)
{
	float f = f32_of(a);

	if (f32_is_nan(a) || f <= 0.0f)
		return 0;
	if (f >= 18446744073709551616.0f)
		return U64_MAX;
	return (u64)f;
}

static u64 f32_to_i64(u32 a)
{
	float f = f32_of(a);

	if (f32_is_nan(a))
		return 0;
	if (f >= 9223372036854775808.0f)
		return S64_MAX;
	if (f <= -9223372036854775808.0f)
		return (u64)S64_MIN;
	return (u64)(s64)f;
}

union vsvm_f64 {
	u64 bits;
	double f;
};

/*
 * a * b + c with one rounding, without an FMA instruction: the product of
 * two binary32 values is exact in binary64 (48 significant bits, exponent
 * in range), the sum is rounded to 53 bits *to odd* (round to nearest, then
 * if the rounding was inexact and the last bit is even, step one unit
 * toward the exact value, which TwoSum gives), and a value rounded to odd
 * with at least two more bits than binary32 rounds to binary32 exactly as
 * the exact value would (Boldo and Melquiond, "Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd").
 */
static u64 f32_fma(u32 a, u32 b, u32 c)
{
	double p = (double)f32_of(a) * (double)f32_of(b);
	double dc = f32_of(c);
	union vsvm_f64 s = { .f = p + dc };
	double bb, err;

	if (f32_is_nan(a) || f32_is_nan(b) || f32_is_nan(c))
		return VSVM_F32_QNAN;
	/* Infinities and exact sums need no correction. */
	if ((s.bits & 0x7ff0000000000000ull) != 0x7ff0000000000000ull) {
		bb = s.f - p;
		err = (p - (s.f - bb)) + (dc - bb);
		if (err != 0.0 && !(s.bits & 1)) {
			/* s is not 0 here: p + c == 0 is exact. */
			bool up = err > 0.0, pos = s.f > 0.0;

			if (up == pos)
				s.bits++;
			else
				s.bits--;
		}
	}
	return f32_result((float)s.f);
}

/* v_mac_f32: a * b + d with the product rounded first (no FMA). */
static inline u64 f32_mac(u64 a, u64 b, u64 d)
{
	float t = f32_of(a) * f32_of(b);

	return f32_result(t + f32_of(d));
}

/* The float operations that have no loop of their own in vsvm_isa_fp_vop(). */
static u64 f32_op(u8 opcode, u64 a64, u32 b, u32 d)
{
	u32 a = a64;

	switch (opcode) {
	case VSVM_OP_V_CVT_U32_F32:
		return f32_to_u32(a);
	case VSVM_OP_V_CVT_I32_F32:
		return f32_to_i32(a);
	case VSVM_OP_V_MIN_F32:
		return f32_min(a, b, false);
	case VSVM_OP_V_MAX_F32:
		return f32_min(a, b, true);
	case VSVM_OP_V_CVT_F32_U64:
		return f32_result((float)a64);
	case VSVM_OP_V_CVT_F32_I64:
		return f32_result((float)(s64)a64);
	case VSVM_OP_V_CVT_U64_F32:
		return f32_to_u64(a);
	case VSVM_OP_V_CVT_I64_F32:
		return f32_to_i64(a);
	default:
		return VSVM_F32_QNAN;
	}
}

/**
 * vsvm_isa_fp_vop() - a float32 vector ALU instruction, or a conversion
 * from or to float32
 * @opcode: %VSVM_OP_V_CVT_F32_U32 to %VSVM_OP_V_CVT_I32_F32,
 *	%VSVM_OP_V_CVT_F32_U64 to %VSVM_OP_V_CVT_I64_F32, or
 *	%VSVM_OP_V_ADD_F32 to %VSVM_OP_V_FMA_F32
 * @lanes: the active lanes
 * @d: the destination register's lanes (read by v_mac_f32, v_fma_f32)
 * @a: the lanes of the first operand
 * @b: the lanes of the second operand
 *
 * Call only inside kernel_fpu_begin()/kernel_fpu_end().
 */
void vsvm_isa_fp_vop(u8 opcode, u32 lanes, u64 *d, const u64 *a, const u64 *b)
{
	unsigned int i;

	/* The switch outside, the lane loop inside each case. */
	switch (opcode) {
	case VSVM_OP_V_CVT_F32_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = f32_result((float)(u32)a[i]));
		break;
	case VSVM_OP_V_CVT_F32_I32:
		VSVM_ISA_LANES(lanes, i, d[i] = f32_result((float)(s32)a[i]));
		break;
	case VSVM_OP_V_ADD_F32:
		VSVM_ISA_LANES(lanes, i,
			       d[i] = f32_result(f32_of(a[i]) + f32_of(b[i])));
		break;
	case VSVM_OP_V_SUB_F32:
		VSVM_ISA_LANES(lanes, i,
			       d[i] = f32_result(f32_of(a[i]) - f32_of(b[i])));
		break;
	case VSVM_OP_V_MUL_F32:
		VSVM_ISA_LANES(lanes, i,
			       d[i] = f32_result(f32_of(a[i]) * f32_of(b[i])));
		break;
	case VSVM_OP_V_DIV_F32:
		VSVM_ISA_LANES(lanes, i,
			       d[i] = f32_result(f32_of(a[i]) / f32_of(b[i])));
		break;
	case VSVM_OP_V_MAC_F32:
		/*
		 * Two roundings: the Kbuild builds this file with
		 * -ffp-contract=off, and f32_mac() rounds the product first.
		 */
		VSVM_ISA_LANES(lanes, i, d[i] = f32_mac(a[i], b[i], d[i]));
		break;
	case VSVM_OP_V_SQRT_F32:
		VSVM_ISA_LANES(lanes, i,
			       d[i] = f32_result(vsvm_sqrtf(f32_of(a[i]))));
		break;
	case VSVM_OP_V_FMA_F32:
		VSVM_ISA_LANES(lanes, i, d[i] = f32_fma(a[i], b[i], d[i]));
		break;
	default:
		VSVM_ISA_LANES(lanes, i, d[i] = f32_op(opcode, a[i], b[i], d[i]));
		break;
	}
}

/**
 * vsvm_isa_fp_cmp() - a float32 vector compare
 * @cond: &enum vsvm_isa_cond
 * @lanes: the active lanes
 * @a: the lanes of the first operand
 * @b: the lanes of the second operand
 *
 * Call only inside kernel_fpu_begin()/kernel_fpu_end().
 *
 * Return: the mask of the active lanes for which the comparison holds.
 */
u32 vsvm_isa_fp_cmp(unsigned int cond, u32 lanes, const u64 *a, const u64 *b)
{
	unsigned int i;
	u32 mask = 0;

	/*
	 * Every lane is compared, then @lanes selects. C's float compares are
	 * the spec's: false with a NaN, but != true.
	 */
	switch (cond) {
	case VSVM_COND_EQ:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) == f32_of(b[i])) << i;
		break;
	case VSVM_COND_NE:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) != f32_of(b[i])) << i;
		break;
	case VSVM_COND_LT:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) < f32_of(b[i])) << i;
		break;
	case VSVM_COND_LE:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) <= f32_of(b[i])) << i;
		break;
	case VSVM_COND_GT:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) > f32_of(b[i])) << i;
		break;
	case VSVM_COND_GE:
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(f32_of(a[i]) >= f32_of(b[i])) << i;
		break;
	default:
		break;
	}
	return mask & lanes;
}
