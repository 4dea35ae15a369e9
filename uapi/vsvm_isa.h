/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vsvm_isa.h - binary encoding of the vsvm compute ISA, versions 1 to 3
 *
 * docs/isa.rst is the specification; this header gives its numbers to the
 * kernel's interpreter and to user-space assemblers.
 */
#ifndef _UAPI_VSVM_ISA_H_
#define _UAPI_VSVM_ISA_H_

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vsvm ISA encoding
 *
 * Every instruction is one 64-bit little-endian word, 8-byte aligned:
 *
 * ======  =====================================================
 * bits    field
 * ======  =====================================================
 * 0-7     opcode (&enum vsvm_isa_opcode)
 * 8-15    D, the destination operand
 * 16-23   A, the first source operand
 * 24-31   B, the second source operand
 * 32-63   imm, 32 bits whose meaning the opcode's format gives
 * ======  =====================================================
 *
 * Operand codes (D, A, B): 0-63 scalar registers s0-s63, 64-127 vector
 * registers v0-v63, %VSVM_ISA_OP_EXEC, %VSVM_ISA_OP_LIT, %VSVM_ISA_OP_LANEID.
 * A field the format does not use must be 0.
 */

/*
 * Versions of the encoding. Version 2 is version 1 plus the instructions
 * marked "v2" below, version 3 is version 2 plus those marked "v3";
 * drm_vsvm_dispatch.isa_version chooses which of them a dispatch is decoded
 * as (%VSVM_ISA_VERSION_MIN to the device's DRM_VSVM_PARAM_ISA_VERSION).
 * Under version 1 a v2 or v3 opcode is invalid, under version 2 a v3 one.
 */
#define VSVM_ISA_VERSION_MIN		1
#define VSVM_ISA_VERSION		3

/* v2: bytes of workgroup-shared memory (LDS) of every workgroup. */
#define VSVM_ISA_LDS_BYTES		32768

/* Lanes of a wave. */
#define VSVM_ISA_WAVE_LANES		16
/* Lanes of a workgroup at most (16 waves). */
#define VSVM_ISA_MAX_GROUP_LANES	256
/* Registers of each file. */
#define VSVM_ISA_NUM_SREGS		64
#define VSVM_ISA_NUM_VREGS		64
/* Kernel arguments, preloaded into s0..s15. */
#define VSVM_ISA_MAX_ARGS		16

/* Operand codes. */
#define VSVM_ISA_OP_SREG(n)		(n)		/* s0-s63 */
#define VSVM_ISA_OP_VREG(n)		(64 + (n))	/* v0-v63 */
#define VSVM_ISA_OP_EXEC		128		/* the execution mask */
#define VSVM_ISA_OP_LIT			129		/* imm, sign-extended */
#define VSVM_ISA_OP_LANEID		130		/* lane index 0-15 */

/* Field positions. */
#define VSVM_ISA_OPCODE_SHIFT		0
#define VSVM_ISA_D_SHIFT		8
#define VSVM_ISA_A_SHIFT		16
#define VSVM_ISA_B_SHIFT		24
#define VSVM_ISA_IMM_SHIFT		32

/**
 * enum vsvm_isa_opcode - opcodes of ISA versions 1 to 3
 *
 * Every value not listed is an invalid opcode, 0 included; so is one marked
 * v2 under version 1 and one marked v3 under versions 1 and 2. The format of
 * each opcode (which fields it uses) is in docs/isa.rst.
 */
enum vsvm_isa_opcode {
	/* Program control (SOPP). */
	VSVM_OP_S_ENDPGM	= 0x01,
	VSVM_OP_S_NOP		= 0x02,
	VSVM_OP_S_BARRIER	= 0x03,
	VSVM_OP_S_BRANCH	= 0x04,
	VSVM_OP_S_CBRANCH_Z	= 0x05,
	VSVM_OP_S_CBRANCH_NZ	= 0x06,
	VSVM_OP_S_CBRANCH_EXECZ	= 0x07,
	VSVM_OP_S_CBRANCH_EXECNZ = 0x08,

	/* Scalar ALU, 64-bit (SOP1, SOP2). */
	VSVM_OP_S_MOV		= 0x10,
	VSVM_OP_S_NOT		= 0x11,
	VSVM_OP_S_ADD		= 0x12,
	VSVM_OP_S_SUB		= 0x13,
	VSVM_OP_S_MUL		= 0x14,
	VSVM_OP_S_AND		= 0x15,
	VSVM_OP_S_OR		= 0x16,
	VSVM_OP_S_XOR		= 0x17,
	VSVM_OP_S_ANDN2		= 0x18,
	VSVM_OP_S_SHL		= 0x19,
	VSVM_OP_S_SHR		= 0x1a,
	VSVM_OP_S_SAR		= 0x1b,
	VSVM_OP_S_MIN_U		= 0x1c,
	VSVM_OP_S_MAX_U		= 0x1d,
	VSVM_OP_S_MIN_I		= 0x1e,
	VSVM_OP_S_MAX_I		= 0x1f,
	VSVM_OP_S_BCNT		= 0x20,
	/* Scalar compares (SOP2): D = 1 when true, else 0. */
	VSVM_OP_S_CMP_EQ	= 0x26,
	VSVM_OP_S_CMP_NE	= 0x27,
	VSVM_OP_S_CMP_LT_U	= 0x28,
	VSVM_OP_S_CMP_LE_U	= 0x29,
	VSVM_OP_S_CMP_GT_U	= 0x2a,
	VSVM_OP_S_CMP_GE_U	= 0x2b,
	VSVM_OP_S_CMP_LT_I	= 0x2c,
	VSVM_OP_S_CMP_LE_I	= 0x2d,
	VSVM_OP_S_CMP_GT_I	= 0x2e,
	VSVM_OP_S_CMP_GE_I	= 0x2f,

	/* Vector ALU, 32-bit integer (VOP1, VOP2); results zero-extended. */
	VSVM_OP_V_MOV		= 0x30,	/* 64-bit copy */
	VSVM_OP_V_ADD_U32	= 0x31,
	VSVM_OP_V_SUB_U32	= 0x32,
	VSVM_OP_V_MUL_U32	= 0x33,
	VSVM_OP_V_AND_B32	= 0x34,
	VSVM_OP_V_OR_B32	= 0x35,
	VSVM_OP_V_XOR_B32	= 0x36,
	VSVM_OP_V_SHL_B32	= 0x37,
	VSVM_OP_V_SHR_B32	= 0x38,
	VSVM_OP_V_SAR_I32	= 0x39,
	VSVM_OP_V_MIN_U32	= 0x3a,
	VSVM_OP_V_MAX_U32	= 0x3b,
	VSVM_OP_V_MIN_I32	= 0x3c,
	VSVM_OP_V_MAX_I32	= 0x3d,
	VSVM_OP_V_DIV_U32	= 0x3e,
	VSVM_OP_V_REM_U32	= 0x3f,

	/* Vector ALU, 64-bit integer (VOP2). */
	VSVM_OP_V_ADD_U64	= 0x40,
	VSVM_OP_V_SUB_U64	= 0x41,
	VSVM_OP_V_MUL_U64	= 0x42,
	VSVM_OP_V_AND_B64	= 0x43,
	VSVM_OP_V_OR_B64	= 0x44,
	VSVM_OP_V_XOR_B64	= 0x45,
	VSVM_OP_V_SHL_B64	= 0x46,
	VSVM_OP_V_SHR_B64	= 0x47,
	VSVM_OP_V_SAR_I64	= 0x48,
	VSVM_OP_V_MIN_U64	= 0x49,
	VSVM_OP_V_MAX_U64	= 0x4a,
	VSVM_OP_V_MIN_I64	= 0x4b,
	VSVM_OP_V_MAX_I64	= 0x4c,
	VSVM_OP_V_DIV_U64	= 0x4d,
	VSVM_OP_V_REM_U64	= 0x4e,

	/* Conversions (VOP1) and select (VOP3). */
	VSVM_OP_V_CVT_U64_U32	= 0x50,
	VSVM_OP_V_CVT_I64_I32	= 0x51,
	VSVM_OP_V_CVT_F32_U32	= 0x52,
	VSVM_OP_V_CVT_F32_I32	= 0x53,
	VSVM_OP_V_CVT_U32_F32	= 0x54,
	VSVM_OP_V_CVT_I32_F32	= 0x55,
	VSVM_OP_V_CNDMASK	= 0x57,
	/* v2: 64-bit integers to and from float32 (VOP1). */
	VSVM_OP_V_CVT_F32_U64	= 0x58,
	VSVM_OP_V_CVT_F32_I64	= 0x59,
	VSVM_OP_V_CVT_U64_F32	= 0x5a,
	VSVM_OP_V_CVT_I64_F32	= 0x5b,

	/* Vector ALU, float32 (VOP1, VOP2). */
	VSVM_OP_V_ADD_F32	= 0x60,
	VSVM_OP_V_SUB_F32	= 0x61,
	VSVM_OP_V_MUL_F32	= 0x62,
	VSVM_OP_V_DIV_F32	= 0x63,
	VSVM_OP_V_MIN_F32	= 0x64,
	VSVM_OP_V_MAX_F32	= 0x65,
	VSVM_OP_V_MAC_F32	= 0x66,
	VSVM_OP_V_SQRT_F32	= 0x67,
	/* v2: fused multiply-add (VOP2, D = A * B + D, one rounding). */
	VSVM_OP_V_FMA_F32	= 0x68,
	/* v2: rounding to an integral float32 (VOP1). */
	VSVM_OP_V_FLOOR_F32	= 0x69,
	VSVM_OP_V_CEIL_F32	= 0x6a,
	VSVM_OP_V_TRUNC_F32	= 0x6b,
	VSVM_OP_V_RINT_F32	= 0x6c,

	/*
	 * Vector compares (VOPC): VSVM_OP_V_CMP_BASE + 8 * type + condition,
	 * type a &enum vsvm_isa_cmp_type, condition a &enum vsvm_isa_cond.
	 */
	VSVM_OP_V_CMP_BASE	= 0x70,
	VSVM_OP_V_CMP_LAST	= 0x70 + 8 * 4 + 5,	/* ge_f32 */

	/* v2: bit counts (VOP1); clz and ctz of 0 are 32 or 64. */
	VSVM_OP_V_CLZ_B32	= 0x96,
	VSVM_OP_V_CLZ_B64	= 0x97,
	VSVM_OP_V_POPC_B32	= 0x98,
	VSVM_OP_V_POPC_B64	= 0x99,
	VSVM_OP_V_CTZ_B32	= 0x9a,
	VSVM_OP_V_CTZ_B64	= 0x9b,

	/* Vector memory (VMEM). */
	VSVM_OP_V_LOAD_U8	= 0xa0,
	VSVM_OP_V_LOAD_U16	= 0xa1,
	VSVM_OP_V_LOAD_U32	= 0xa2,
	VSVM_OP_V_LOAD_U64	= 0xa3,
	VSVM_OP_V_LOAD_I8	= 0xa4,
	VSVM_OP_V_LOAD_I16	= 0xa5,
	VSVM_OP_V_LOAD_I32	= 0xa6,
	VSVM_OP_V_STORE_B8	= 0xa8,
	VSVM_OP_V_STORE_B16	= 0xa9,
	VSVM_OP_V_STORE_B32	= 0xaa,
	VSVM_OP_V_STORE_B64	= 0xab,

	/*
	 * Vector atomics (VATOMIC): VSVM_OP_V_ATOMIC32_BASE + op for 32-bit,
	 * VSVM_OP_V_ATOMIC64_BASE + op for 64-bit, op an
	 * &enum vsvm_isa_atomic_op.
	 */
	VSVM_OP_V_ATOMIC32_BASE	= 0xb0,
	VSVM_OP_V_ATOMIC64_BASE	= 0xc0,

	/* Scalar memory (SMEM). */
	VSVM_OP_S_LOAD_U32	= 0xd0,
	VSVM_OP_S_LOAD_U64	= 0xd1,
	VSVM_OP_S_STORE_B32	= 0xd2,
	VSVM_OP_S_STORE_B64	= 0xd3,

	/* v2: signed division, high half of products (VOP2). */
	VSVM_OP_V_DIV_I32	= 0xd8,
	VSVM_OP_V_REM_I32	= 0xd9,
	VSVM_OP_V_DIV_I64	= 0xda,
	VSVM_OP_V_REM_I64	= 0xdb,
	VSVM_OP_V_MULHI_U32	= 0xdc,
	VSVM_OP_V_MULHI_I32	= 0xdd,
	VSVM_OP_V_MULHI_U64	= 0xde,
	VSVM_OP_V_MULHI_I64	= 0xdf,

	/*
	 * v2: workgroup-shared memory (LDS). Same formats as VMEM load and
	 * store; the address is a byte offset into the workgroup's
	 * %VSVM_ISA_LDS_BYTES of shared memory.
	 */
	VSVM_OP_V_LDS_LOAD_U8	= 0xe0,
	VSVM_OP_V_LDS_LOAD_U16	= 0xe1,
	VSVM_OP_V_LDS_LOAD_U32	= 0xe2,
	VSVM_OP_V_LDS_LOAD_U64	= 0xe3,
	VSVM_OP_V_LDS_LOAD_I8	= 0xe4,
	VSVM_OP_V_LDS_LOAD_I16	= 0xe5,
	VSVM_OP_V_LDS_LOAD_I32	= 0xe6,
	VSVM_OP_V_LDS_STORE_B8	= 0xe8,
	VSVM_OP_V_LDS_STORE_B16	= 0xe9,
	VSVM_OP_V_LDS_STORE_B32	= 0xea,
	VSVM_OP_V_LDS_STORE_B64	= 0xeb,
	/*
	 * v2: 32-bit LDS atomics (VATOMIC format):
	 * VSVM_OP_V_LDS_ATOMIC32_BASE + op, op an &enum vsvm_isa_atomic_op.
	 */
	VSVM_OP_V_LDS_ATOMIC32_BASE = 0xf0,
	/*
	 * v3: 64-bit LDS atomics (LDS_ATOMIC64 format), one opcode for every
	 * operation: D, A and B as in the VATOMIC format; imm bits 0-15 are
	 * the signed byte offset, bits 16-31 the &enum vsvm_isa_atomic_op
	 * (see %VSVM_ISA_LDS_ATOMIC64_IMM).
	 */
	VSVM_OP_V_LDS_ATOMIC64	= 0xfa,
};

/*
 * v3: the imm of %VSVM_OP_V_LDS_ATOMIC64: the operation @op (an
 * &enum vsvm_isa_atomic_op; 10 and above are an invalid opcode) in bits
 * 16-31, the byte offset @offset (-32768 to 32767, sign-extended to 64 bits
 * when added to A) in bits 0-15.
 */
#define VSVM_ISA_LDS_ATOMIC64_OP_SHIFT	16
#define VSVM_ISA_LDS_ATOMIC64_OFFSET_MASK 0xffff
#define VSVM_ISA_LDS_ATOMIC64_IMM(op, offset) \
	(((__u32)(op) << VSVM_ISA_LDS_ATOMIC64_OP_SHIFT) | \
	 ((__u32)(offset) & VSVM_ISA_LDS_ATOMIC64_OFFSET_MASK))

/**
 * enum vsvm_isa_cmp_type - operand type of a vector compare
 * @VSVM_CMP_U32: unsigned 32-bit
 * @VSVM_CMP_I32: signed 32-bit
 * @VSVM_CMP_U64: unsigned 64-bit
 * @VSVM_CMP_I64: signed 64-bit
 * @VSVM_CMP_F32: float32 (ordered; ne is true when either is NaN)
 */
enum vsvm_isa_cmp_type {
	VSVM_CMP_U32 = 0,
	VSVM_CMP_I32 = 1,
	VSVM_CMP_U64 = 2,
	VSVM_CMP_I64 = 3,
	VSVM_CMP_F32 = 4,
};

/**
 * enum vsvm_isa_cond - condition of a vector compare (6 and 7 are invalid)
 * @VSVM_COND_EQ: A == B
 * @VSVM_COND_NE: A != B
 * @VSVM_COND_LT: A < B
 * @VSVM_COND_LE: A <= B
 * @VSVM_COND_GT: A > B
 * @VSVM_COND_GE: A >= B
 */
enum vsvm_isa_cond {
	VSVM_COND_EQ = 0,
	VSVM_COND_NE = 1,
	VSVM_COND_LT = 2,
	VSVM_COND_LE = 3,
	VSVM_COND_GT = 4,
	VSVM_COND_GE = 5,
};

/**
 * enum vsvm_isa_atomic_op - operation of a vector atomic (10-15 invalid)
 * @VSVM_ATOMIC_ADD: mem += B
 * @VSVM_ATOMIC_MIN_U: mem = min(mem, B), unsigned
 * @VSVM_ATOMIC_MAX_U: mem = max(mem, B), unsigned
 * @VSVM_ATOMIC_MIN_I: mem = min(mem, B), signed
 * @VSVM_ATOMIC_MAX_I: mem = max(mem, B), signed
 * @VSVM_ATOMIC_AND: mem &= B
 * @VSVM_ATOMIC_OR: mem |= B
 * @VSVM_ATOMIC_XOR: mem ^= B
 * @VSVM_ATOMIC_XCHG: mem = B
 * @VSVM_ATOMIC_CMPXCHG: mem = B if mem == D (D read before the operation)
 */
enum vsvm_isa_atomic_op {
	VSVM_ATOMIC_ADD = 0,
	VSVM_ATOMIC_MIN_U = 1,
	VSVM_ATOMIC_MAX_U = 2,
	VSVM_ATOMIC_MIN_I = 3,
	VSVM_ATOMIC_MAX_I = 4,
	VSVM_ATOMIC_AND = 5,
	VSVM_ATOMIC_OR = 6,
	VSVM_ATOMIC_XOR = 7,
	VSVM_ATOMIC_XCHG = 8,
	VSVM_ATOMIC_CMPXCHG = 9,
};

/**
 * enum vsvm_isa_error - why a program is invalid (drm_vsvm_wait.error)
 * @VSVM_ISA_ERR_NONE: no error
 * @VSVM_ISA_ERR_OPCODE: the opcode is not defined (for
 *	%VSVM_OP_V_LDS_ATOMIC64, also an operation of 10 or more)
 * @VSVM_ISA_ERR_OPERAND: an operand code the format does not allow, or a
 *	non-zero field the format does not use
 * @VSVM_ISA_ERR_BRANCH: a branch target outside the program
 * @VSVM_ISA_ERR_PC: execution ran off the end of the program
 * @VSVM_ISA_ERR_ALIGN: a memory access not aligned to its size
 *	(drm_vsvm_wait.fault_addr is the address)
 * @VSVM_ISA_ERR_LDS: v2: a shared-memory access outside
 *	[0, %VSVM_ISA_LDS_BYTES) (drm_vsvm_wait.fault_addr is the offset)
 */
enum vsvm_isa_error {
	VSVM_ISA_ERR_NONE = 0,
	VSVM_ISA_ERR_OPCODE = 1,
	VSVM_ISA_ERR_OPERAND = 2,
	VSVM_ISA_ERR_BRANCH = 3,
	VSVM_ISA_ERR_PC = 4,
	VSVM_ISA_ERR_ALIGN = 5,
	VSVM_ISA_ERR_LDS = 6,
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSVM_ISA_H_ */
