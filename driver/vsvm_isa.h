/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_ISA_INTERP_H__
#define __VSVM_ISA_INTERP_H__

#include <linux/types.h>

/* The uapi: struct drm_vsvm_dispatch and, through it, the ISA's numbers. */
#include "vsvm_drm.h"

#define VSVM_ISA_MAX_WAVES (VSVM_ISA_MAX_GROUP_LANES / VSVM_ISA_WAVE_LANES)
#define VSVM_ISA_LANES_ALL GENMASK(VSVM_ISA_WAVE_LANES - 1, 0)

/*
 * @stmt for each lane @i of @lanes, in order. Each argument is evaluated
 * once per lane at most (@lanes once), as checkpatch asks of a macro.
 */
#define VSVM_ISA_LANES(lanes, i, stmt)					\
	do {								\
		u32 lanes__ = (lanes);					\
		unsigned int lane__;					\
									\
		for (lane__ = 0; lane__ < VSVM_ISA_WAVE_LANES; lane__++) { \
			(i) = lane__;					\
			if (lanes__ & BIT(lane__))			\
				stmt;					\
		}							\
	} while (0)

/**
 * enum vsvm_isa_mem_kind - what a &struct vsvm_isa_mem_req does
 * @VSVM_ISA_MEM_LOAD: read @size bytes per lane
 * @VSVM_ISA_MEM_STORE: write the low @size bytes of data per lane
 * @VSVM_ISA_MEM_ATOMIC: read-modify-write per lane, a write access
 */
enum vsvm_isa_mem_kind {
	VSVM_ISA_MEM_LOAD,
	VSVM_ISA_MEM_STORE,
	VSVM_ISA_MEM_ATOMIC,
};

/**
 * struct vsvm_isa_mem_req - the memory accesses of one instruction
 * @kind: load, store or atomic
 * @size: 1, 2, 4 or 8 bytes; every address is aligned to it (the
 *	interpreter checks alignment before it builds the request)
 * @atomic: the operation of an atomic
 * @lanes: bit i set: lane i accesses @addr[i]; lanes go in order 0..15
 * @addr: per lane, the virtual address
 * @data: in: the operand of a store or atomic (low @size bytes); out: the
 *	value a load or atomic read, zero-extended
 * @cmp: the compare value of %VSVM_ATOMIC_CMPXCHG (low @size bytes)
 *
 * A scalar memory instruction is a request with lane 0 only.
 */
struct vsvm_isa_mem_req {
	enum vsvm_isa_mem_kind kind;
	unsigned int size;
	enum vsvm_isa_atomic_op atomic;
	u32 lanes;
	u64 addr[VSVM_ISA_WAVE_LANES];
	u64 data[VSVM_ISA_WAVE_LANES];
	u64 cmp[VSVM_ISA_WAVE_LANES];
};

/**
 * struct vsvm_isa_mem_ops - how the interpreter reaches memory
 * @access: performs every access of @req; 0, or a negative errno for a
 *	fatal fault with the address and whether it was a write
 * @fetch: instruction fetch: copy @len bytes at @addr (8-aligned, never
 *	crossing a 4 KiB page) into @buf; the same errors (a fetch fault is a
 *	read)
 * @check_stop: called about every 256 executed instructions, outside FPU
 *	sections, and may sleep; true stops the group now. May be NULL.
 * @access_run: the fast path of a vector load or store whose active lanes
 *	are consecutive lanes accessing consecutive @size-byte elements, @len
 *	bytes in all, inside one 4 KiB page (@addr is aligned to @size): copy
 *	the run from memory at @addr to @buf (@write false) or from @buf to
 *	memory, bytes in memory order, each element single-copy atomic as an
 *	@access of it would be. Return true when done; false when nothing was
 *	accessed, and the interpreter then performs the instruction through
 *	@access, lane by lane, which reports any fault: return false for
 *	anything that is not a plain success (not mapped, not writable, a
 *	fault to handle). Called outside FPU sections; may sleep. May be NULL.
 */
struct vsvm_isa_mem_ops {
	int (*access)(void *ctx, struct vsvm_isa_mem_req *req, u64 *fault_addr,
		      bool *fault_write);
	int (*fetch)(void *ctx, u64 addr, void *buf, size_t len, u64 *fault_addr);
	bool (*check_stop)(void *ctx);
	bool (*access_run)(void *ctx, u64 addr, void *buf, unsigned int len,
			   unsigned int size, bool write);
};

/**
 * enum vsvm_isa_status - how a workgroup ended
 * @VSVM_ISA_DONE: every wave executed s_endpgm
 * @VSVM_ISA_FAULT: a memory access or fetch returned an error
 * @VSVM_ISA_INVALID: an invalid instruction, branch, pc or alignment
 * @VSVM_ISA_STOPPED: &vsvm_isa_mem_ops.check_stop returned true
 */
enum vsvm_isa_status {
	VSVM_ISA_DONE,
	VSVM_ISA_FAULT,
	VSVM_ISA_INVALID,
	VSVM_ISA_STOPPED,
};

/**
 * struct vsvm_isa_result - the outcome of vsvm_isa_run_group()
 * @status: how the group ended
 * @err: %VSVM_ISA_FAULT: the errno the ops returned
 * @error: %VSVM_ISA_INVALID: why
 * @pc: %VSVM_ISA_FAULT, %VSVM_ISA_INVALID, %VSVM_ISA_STOPPED: byte offset
 *	of the instruction
 * @fault_addr: %VSVM_ISA_FAULT; %VSVM_ISA_INVALID with %VSVM_ISA_ERR_ALIGN
 * @fault_write: %VSVM_ISA_FAULT: the access was a write
 * @instructions: wave instructions executed (statistics)
 */
struct vsvm_isa_result {
	enum vsvm_isa_status status;
	int err;
	enum vsvm_isa_error error;
	u64 pc;
	u64 fault_addr;
	bool fault_write;
	u64 instructions;
};

/**
 * enum vsvm_isa_format - the encoding format of an opcode (docs/isa.rst)
 * @VSVM_ISA_FMT_INVALID: not an opcode
 * @VSVM_ISA_FMT_SOPP: program control without operands
 * @VSVM_ISA_FMT_SOPP_BRANCH: s_branch, s_cbranch_execz/execnz: imm is the
 *	branch offset
 * @VSVM_ISA_FMT_SOPP_CBRANCH: s_cbranch_z/nz: A is S, imm the branch offset
 * @VSVM_ISA_FMT_SOP1: D S, A S/lit
 * @VSVM_ISA_FMT_SOP2: D S, A and B S/lit
 * @VSVM_ISA_FMT_VOP1: D V, A any
 * @VSVM_ISA_FMT_VOP2: D V, A and B any
 * @VSVM_ISA_FMT_VOP3: D V, A and B any but the literal, S in imm bits 0-7
 * @VSVM_ISA_FMT_VOPC: D S, A and B any
 * @VSVM_ISA_FMT_VMEM_LOAD: D V, A V or S, imm offset
 * @VSVM_ISA_FMT_VMEM_STORE: A and B V or S, imm offset
 * @VSVM_ISA_FMT_VATOMIC: D V, A and B V or S, imm offset
 * @VSVM_ISA_FMT_SMEM_LOAD: D a scalar register, A S, imm offset
 * @VSVM_ISA_FMT_SMEM_STORE: A and B S, imm offset
 * @VSVM_ISA_FMT_LDS_LOAD: v2, as %VSVM_ISA_FMT_VMEM_LOAD, in shared memory
 * @VSVM_ISA_FMT_LDS_STORE: v2, as %VSVM_ISA_FMT_VMEM_STORE, in shared memory
 * @VSVM_ISA_FMT_LDS_ATOMIC: v2, as %VSVM_ISA_FMT_VATOMIC, in shared memory
 * @VSVM_ISA_FMT_LDS_ATOMIC64: v3, 64-bit LDS atomics: operands as
 *	%VSVM_ISA_FMT_VATOMIC, imm the operation and a 16-bit offset
 */
enum vsvm_isa_format {
	VSVM_ISA_FMT_INVALID,
	VSVM_ISA_FMT_SOPP,
	VSVM_ISA_FMT_SOPP_BRANCH,
	VSVM_ISA_FMT_SOPP_CBRANCH,
	VSVM_ISA_FMT_SOP1,
	VSVM_ISA_FMT_SOP2,
	VSVM_ISA_FMT_VOP1,
	VSVM_ISA_FMT_VOP2,
	VSVM_ISA_FMT_VOP3,
	VSVM_ISA_FMT_VOPC,
	VSVM_ISA_FMT_VMEM_LOAD,
	VSVM_ISA_FMT_VMEM_STORE,
	VSVM_ISA_FMT_VATOMIC,
	VSVM_ISA_FMT_SMEM_LOAD,
	VSVM_ISA_FMT_SMEM_STORE,
	VSVM_ISA_FMT_LDS_LOAD,
	VSVM_ISA_FMT_LDS_STORE,
	VSVM_ISA_FMT_LDS_ATOMIC,
	VSVM_ISA_FMT_LDS_ATOMIC64,
};

/**
 * struct vsvm_isa_insn - a decoded, valid instruction
 * @opcode: &enum vsvm_isa_opcode
 * @format: &enum vsvm_isa_format of @opcode
 * @d: destination operand code
 * @a: first source operand code
 * @b: second source operand code
 * @s: %VSVM_ISA_FMT_VOP3: the scalar operand code from imm bits 0-7
 * @imm: the 32-bit immediate
 */
struct vsvm_isa_insn {
	u8 opcode;
	u8 format;
	u8 d;
	u8 a;
	u8 b;
	u8 s;
	u32 imm;
};

struct vsvm_isa_engine;

struct vsvm_isa_engine *vsvm_isa_engine_alloc(void);
void vsvm_isa_engine_free(struct vsvm_isa_engine *eng);
void vsvm_isa_engine_reset(struct vsvm_isa_engine *eng);
void vsvm_isa_run_group(struct vsvm_isa_engine *eng,
			const struct drm_vsvm_dispatch *d, const u32 group_id[3],
			const struct vsvm_isa_mem_ops *ops, void *ctx,
			struct vsvm_isa_result *res);
enum vsvm_isa_error vsvm_isa_decode(u64 word, u32 version,
				    struct vsvm_isa_insn *insn);
u64 vsvm_isa_atomic_value(enum vsvm_isa_atomic_op op, unsigned int size, u64 m,
			  u64 b, u64 cmp);

/*
 * Float32 operations, in vsvm_isa_fp.c, the only file built with FPU code
 * generation. Call them only between kernel_fpu_begin() and
 * kernel_fpu_end(). Values are binary32 bit patterns in the low 32 bits of
 * each lane's 64-bit register; results are zero-extended.
 */
void vsvm_isa_fp_vop(u8 opcode, u32 lanes, u64 *d, const u64 *a, const u64 *b);
u32 vsvm_isa_fp_cmp(unsigned int cond, u32 lanes, const u64 *a, const u64 *b);

#endif /* __VSVM_ISA_INTERP_H__ */
