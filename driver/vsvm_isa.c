// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/array_size.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/fpu.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/byteorder.h>

#include <kunit/visibility.h>

#include "vsvm_isa.h"

/**
 * DOC: Compute ISA interpreter
 *
 * vsvm_isa.c decodes and executes the compute ISA of docs/isa.rst for one
 * workgroup at a time. It is pure logic: memory is reached only through a
 * &struct vsvm_isa_mem_ops table that the compute engine implements over the
 * device page table and TLB (and the KUnit suite over a kernel buffer), so
 * the interpreter knows nothing of DRM, VMs or the mm.
 *
 * An engine (&struct vsvm_isa_engine) holds the registers of up to
 * %VSVM_ISA_MAX_WAVES waves, an instruction cache and the shared memory
 * (LDS) of ISA v2, allocated once; vsvm_isa_run_group() allocates nothing.
 * A wave starts with only the registers its program names cleared (and
 * s0-s24, v0-v6 set): the instruction cache knows the highest scalar and
 * vector register each decoded piece names, and a piece that names new
 * ones clears them in the running waves when it is fetched.
 *
 * ISA versions: a dispatch is decoded as the version it names. Versions 2
 * and 3 add opcodes only, so a dispatch runs every program of an earlier
 * version unchanged, and an opcode a later version adds stays
 * %VSVM_ISA_ERR_OPCODE under the earlier ones.
 *
 * Shared memory: the waves of a group run on one engine, one at a time, so
 * LDS accesses need no locking and a store is visible to the other waves at
 * once. Every group starts with its LDS all zero (no data of an earlier
 * group, perhaps of another process, is ever visible); the engine zeroes
 * only the bytes below the highest offset the previous group wrote.
 *
 * Instruction cache: the program is fetched in pieces, each the part of it
 * in one 4 KiB page, when an instruction of the piece is first executed,
 * through &vsvm_isa_mem_ops.fetch. Fetched pieces stay valid for
 * the rest of the dispatch; vsvm_isa_engine_reset() drops them when a new
 * dispatch starts (and a group of a dispatch with another program drops them
 * too). Changing the program while a dispatch runs therefore has undefined
 * results, as the spec allows, but never harms the kernel. A piece is
 * decoded once, when it is fetched, into &struct vsvm_isa_code entries:
 * operands checked, branch targets computed and checked against the
 * program's size. What the decoder found wrong (an invalid opcode or
 * operand, a branch out of range) stays in the entry and is reported only
 * if and when that instruction executes (taken, for a branch), with its pc,
 * as if it were decoded then.
 *
 * Wave scheduling: the waves of a group run round-robin in time slices of
 * %VSVM_ISA_SLICE instructions, so that a wave spinning on a flag that
 * another wave of its group sets still lets that wave run. A wave that
 * executes s_barrier stops until every wave that has not ended has reached a
 * barrier; waves that ended count as arrived. Every
 * %VSVM_ISA_STOP_INTERVAL instructions the interpreter calls
 * &vsvm_isa_mem_ops.check_stop, where the engine may sleep and ends jobs that
 * ran past their timeout; a program that loops forever is stopped there.
 *
 * Execution: each instruction dispatches on its opcode once and then loops
 * over the lanes of the execution mask (a full mask without a test per
 * lane). A vector load or store whose active lanes are consecutive lanes on
 * consecutive elements inside one 4 KiB page is one
 * &vsvm_isa_mem_ops.access_run call (one translation and one copy) when the
 * backend has it; any other access (gaps in the mask, scattered or
 * misaligned addresses, a run crossing a page, an atomic) or a run the
 * backend declines goes lane by lane through &vsvm_isa_mem_ops.access, and
 * so faults with the same lane, address and pc as ever.
 *
 * FPU sections: the float32 instructions are in vsvm_isa_fp.c, the only file
 * built with FPU code generation. The interpreter enters kernel_fpu_begin()
 * at a float instruction and stays in the section across the following
 * instructions of the time slice, float or not; a global or scalar memory
 * access, a fetch, check_stop and the end of the slice (at most
 * %VSVM_ISA_SLICE instructions) leave it first, so no memory op and nothing
 * that may sleep runs inside a section, and preemption is off for a slice
 * at most.
 *
 * Robustness: any 64-bit word is decoded to a valid instruction or an
 * &enum vsvm_isa_error; operand codes are checked against the format when
 * the piece is decoded, and an instruction that failed the check never
 * executes, so register indices are always in range. Branch targets are
 * checked at decoding and the result used when taken, the pc against the
 * program's size before each instruction, and every memory address for
 * alignment before the access. The first error of any wave ends the group
 * with its pc.
 */

/* Instructions a wave runs before the next wave of its group gets a turn. */
#define VSVM_ISA_SLICE			64
/* Instructions between two calls of check_stop. */
#define VSVM_ISA_STOP_INTERVAL		256

#define VSVM_ISA_CODE_WORDS		(DRM_VSVM_CODE_MAX_SIZE / 8)
/* An unaligned program of the largest size touches one page more. */
#define VSVM_ISA_CODE_PIECES		(DRM_VSVM_CODE_MAX_SIZE / SZ_4K + 1)

/*
 * Registers every wave starts with a defined value in, whatever its program
 * uses: s0-s24 (arguments and ids) and v0-v6 (ids); and the v0 that a store
 * names as its unused destination (exec_vmem()).
 */
#define VSVM_ISA_SREGS_INIT		25
#define VSVM_ISA_VREGS_INIT		7

/* vsvm_isa_code.target of a branch whose target is outside the program. */
#define VSVM_ISA_BAD_TARGET		U32_MAX

/* vsvm_isa_code.state */
#define VSVM_ISA_CODE_EMPTY		0
#define VSVM_ISA_CODE_VALID		1
#define VSVM_ISA_CODE_ERROR		1	/* + the error, never 0 */

/* vsvm_isa_code.flags */
#define VSVM_ISA_CODE_FLOAT		BIT(0)	/* runs in an FPU section */

enum vsvm_isa_wave_state {
	VSVM_ISA_WAVE_RUNNING,
	VSVM_ISA_WAVE_BARRIER,
	VSVM_ISA_WAVE_ENDED,
};

/*
 * A wave's registers. Only s0..sregs_used-1 and v0..vregs_used-1 of the
 * engine are ever read or written (the operands of the decoded
 * instructions), so only those are cleared when a wave starts.
 */
struct vsvm_isa_wave {
	u64 s[VSVM_ISA_NUM_SREGS];
	u64 exec;
	u64 pc;
	u32 exists;
	enum vsvm_isa_wave_state state;
	u64 v[VSVM_ISA_NUM_VREGS][VSVM_ISA_WAVE_LANES];
};

/**
 * struct vsvm_isa_code - one pre-decoded instruction of the cache
 * @opcode: &enum vsvm_isa_opcode
 * @format: &enum vsvm_isa_format
 * @d: destination operand code
 * @a: first source operand code
 * @b: second source operand code
 * @s: %VSVM_ISA_FMT_VOP3: the scalar operand code
 * @state: %VSVM_ISA_CODE_EMPTY (not fetched yet: all-zero memory is an
 *	empty cache), %VSVM_ISA_CODE_VALID, or VSVM_ISA_CODE_ERROR + the
 *	&enum vsvm_isa_error vsvm_isa_decode() found, reported if the word
 *	executes
 * @flags: %VSVM_ISA_CODE_FLOAT
 * @imm: the 32-bit immediate
 * @target: a branch: the byte offset of its target, or
 *	%VSVM_ISA_BAD_TARGET when that is outside the program
 */
struct vsvm_isa_code {
	u8 opcode;
	u8 format;
	u8 d;
	u8 a;
	u8 b;
	u8 s;
	u8 state;
	u8 flags;
	u32 imm;
	u32 target;
};

/**
 * struct vsvm_isa_engine - the state of one compute engine's interpreter
 * @waves: the register state of the waves of the group being run
 * @req: the memory request being built
 * @bcast: scalar operands broadcast to every lane, for A and B
 * @code_ptr: the program whose pieces @fetched holds
 * @code_size: its size
 * @code_version: the ISA version @code was decoded as
 * @sregs_used: scalar registers s0.. that @code's instructions name, at
 *	least %VSVM_ISA_SREGS_INIT
 * @vregs_used: vector registers v0.. that they name, at least
 *	%VSVM_ISA_VREGS_INIT
 * @fetched: bit p set: piece p of the program is in @code
 * @code: the instruction cache, pre-decoded, indexed by pc / 8
 * @fetch_buf: the words of a piece being fetched
 * @run_buf: the bytes of a load or store through &vsvm_isa_mem_ops.access_run
 * @lds_dirty: bytes of @lds from offset 0 that may be non-zero
 * @lds: the shared memory of the group being run (ISA v2)
 */
struct vsvm_isa_engine {
	struct vsvm_isa_wave waves[VSVM_ISA_MAX_WAVES];
	struct vsvm_isa_mem_req req;
	u64 bcast[2][VSVM_ISA_WAVE_LANES];
	u64 code_ptr;
	u64 code_size;
	u32 code_version;
	unsigned int sregs_used;
	unsigned int vregs_used;
	DECLARE_BITMAP(fetched, VSVM_ISA_CODE_PIECES);
	struct vsvm_isa_code code[VSVM_ISA_CODE_WORDS];
	__le64 fetch_buf[SZ_4K / 8];
	u8 run_buf[8 * VSVM_ISA_WAVE_LANES] __aligned(8);
	u32 lds_dirty;
	u8 lds[VSVM_ISA_LDS_BYTES] __aligned(8);
};

/* What vsvm_isa_run_group() needs while it runs, on its stack. */
struct vsvm_isa_run {
	struct vsvm_isa_engine *eng;
	const struct vsvm_isa_mem_ops *ops;
	void *ctx;
	struct vsvm_isa_result *res;
	u32 version;
	unsigned int nwaves;
	unsigned int since_check;
	bool fpu;
};

enum vsvm_isa_step {
	VSVM_ISA_STEP_NEXT,	/* go on with this wave */
	VSVM_ISA_STEP_YIELD,	/* the wave ended or waits at a barrier */
	VSVM_ISA_STEP_END,	/* the group ends: *res says why */
};

static const u64 vsvm_isa_laneid[VSVM_ISA_WAVE_LANES] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

#define VOPC(type) \
	[VSVM_OP_V_CMP_BASE + 8 * (type) ... \
	 VSVM_OP_V_CMP_BASE + 8 * (type) + VSVM_COND_GE] = VSVM_ISA_FMT_VOPC

static const u8 vsvm_isa_formats[256] = {
	[VSVM_OP_S_ENDPGM ... VSVM_OP_S_BARRIER] = VSVM_ISA_FMT_SOPP,
	[VSVM_OP_S_BRANCH] = VSVM_ISA_FMT_SOPP_BRANCH,
	[VSVM_OP_S_CBRANCH_Z ... VSVM_OP_S_CBRANCH_NZ] = VSVM_ISA_FMT_SOPP_CBRANCH,
	[VSVM_OP_S_CBRANCH_EXECZ ... VSVM_OP_S_CBRANCH_EXECNZ] = VSVM_ISA_FMT_SOPP_BRANCH,
	[VSVM_OP_S_MOV ... VSVM_OP_S_NOT] = VSVM_ISA_FMT_SOP1,
	[VSVM_OP_S_ADD ... VSVM_OP_S_MAX_I] = VSVM_ISA_FMT_SOP2,
	[VSVM_OP_S_BCNT] = VSVM_ISA_FMT_SOP1,
	[VSVM_OP_S_CMP_EQ ... VSVM_OP_S_CMP_GE_I] = VSVM_ISA_FMT_SOP2,
	[VSVM_OP_V_MOV] = VSVM_ISA_FMT_VOP1,
	[VSVM_OP_V_ADD_U32 ... VSVM_OP_V_REM_U64] = VSVM_ISA_FMT_VOP2,
	[VSVM_OP_V_CVT_U64_U32 ... VSVM_OP_V_CVT_I32_F32] = VSVM_ISA_FMT_VOP1,
	[VSVM_OP_V_CNDMASK] = VSVM_ISA_FMT_VOP3,
	[VSVM_OP_V_ADD_F32 ... VSVM_OP_V_MAC_F32] = VSVM_ISA_FMT_VOP2,
	[VSVM_OP_V_SQRT_F32] = VSVM_ISA_FMT_VOP1,
	VOPC(VSVM_CMP_U32),
	VOPC(VSVM_CMP_I32),
	VOPC(VSVM_CMP_U64),
	VOPC(VSVM_CMP_I64),
	VOPC(VSVM_CMP_F32),
	[VSVM_OP_V_LOAD_U8 ... VSVM_OP_V_LOAD_I32] = VSVM_ISA_FMT_VMEM_LOAD,
	[VSVM_OP_V_STORE_B8 ... VSVM_OP_V_STORE_B64] = VSVM_ISA_FMT_VMEM_STORE,
	[VSVM_OP_V_ATOMIC32_BASE ... VSVM_OP_V_ATOMIC32_BASE + VSVM_ATOMIC_CMPXCHG] =
		VSVM_ISA_FMT_VATOMIC,
	[VSVM_OP_V_ATOMIC64_BASE ... VSVM_OP_V_ATOMIC64_BASE + VSVM_ATOMIC_CMPXCHG] =
		VSVM_ISA_FMT_VATOMIC,
	[VSVM_OP_S_LOAD_U32 ... VSVM_OP_S_LOAD_U64] = VSVM_ISA_FMT_SMEM_LOAD,
	[VSVM_OP_S_STORE_B32 ... VSVM_OP_S_STORE_B64] = VSVM_ISA_FMT_SMEM_STORE,
};

#undef VOPC

/* The opcodes ISA v2 adds; decoded only for a v2 dispatch. */
static const u8 vsvm_isa_formats_v2[256] = {
	[VSVM_OP_V_CVT_F32_U64 ... VSVM_OP_V_CVT_I64_F32] = VSVM_ISA_FMT_VOP1,
	[VSVM_OP_V_FMA_F32] = VSVM_ISA_FMT_VOP2,
	[VSVM_OP_V_FLOOR_F32 ... VSVM_OP_V_RINT_F32] = VSVM_ISA_FMT_VOP1,
	[VSVM_OP_V_CLZ_B32 ... VSVM_OP_V_CTZ_B64] = VSVM_ISA_FMT_VOP1,
	[VSVM_OP_V_DIV_I32 ... VSVM_OP_V_MULHI_I64] = VSVM_ISA_FMT_VOP2,
	[VSVM_OP_V_LDS_LOAD_U8 ... VSVM_OP_V_LDS_LOAD_I32] = VSVM_ISA_FMT_LDS_LOAD,
	[VSVM_OP_V_LDS_STORE_B8 ... VSVM_OP_V_LDS_STORE_B64] = VSVM_ISA_FMT_LDS_STORE,
	[VSVM_OP_V_LDS_ATOMIC32_BASE ...
	 VSVM_OP_V_LDS_ATOMIC32_BASE + VSVM_ATOMIC_CMPXCHG] = VSVM_ISA_FMT_LDS_ATOMIC,
};

/* The opcodes ISA v3 adds; decoded only for a v3 dispatch. */
static const u8 vsvm_isa_formats_v3[256] = {
	[VSVM_OP_V_LDS_ATOMIC64] = VSVM_ISA_FMT_LDS_ATOMIC64,
};

/* Operand classes of the formats table in docs/isa.rst. */
static bool op_is_s(u8 code)
{
	return code < VSVM_ISA_NUM_SREGS || code == VSVM_ISA_OP_EXEC;
}

static bool op_is_v(u8 code)
{
	return code >= VSVM_ISA_OP_VREG(0) &&
	       code < VSVM_ISA_OP_VREG(VSVM_ISA_NUM_VREGS);
}

static bool op_is_s_lit(u8 code)
{
	return op_is_s(code) || code == VSVM_ISA_OP_LIT;
}

static bool op_is_any(u8 code)
{
	return code <= VSVM_ISA_OP_LANEID;
}

static bool op_is_vs(u8 code)
{
	return op_is_v(code) || op_is_s(code);
}

/**
 * vsvm_isa_decode() - decode and validate one instruction word
 * @word: the instruction, in CPU byte order
 * @version: the ISA version to decode as, %VSVM_ISA_VERSION_MIN to
 *	%VSVM_ISA_VERSION
 * @insn: out, the decoded instruction (filled in even when invalid)
 *
 * Checks the opcode, every operand code against the opcode's format, that
 * fields the format does not use are zero, and the literal rule (imm must be
 * 0 unless A or B is the literal, for formats whose imm is a literal).
 *
 * Return: %VSVM_ISA_ERR_NONE for a valid instruction, %VSVM_ISA_ERR_OPCODE
 * for an undefined opcode (or 64-bit LDS atomic operation),
 * %VSVM_ISA_ERR_OPERAND for a bad operand code or a
 * non-zero unused field.
 */
enum vsvm_isa_error vsvm_isa_decode(u64 word, u32 version,
				    struct vsvm_isa_insn *insn)
{
	u8 opcode = word >> VSVM_ISA_OPCODE_SHIFT;
	u8 d = word >> VSVM_ISA_D_SHIFT;
	u8 a = word >> VSVM_ISA_A_SHIFT;
	u8 b = word >> VSVM_ISA_B_SHIFT;
	u32 imm = word >> VSVM_ISA_IMM_SHIFT;
	bool literal_imm = false;
	bool ok;

	*insn = (struct vsvm_isa_insn){
		.opcode = opcode,
		.format = vsvm_isa_formats[opcode],
		.d = d, .a = a, .b = b, .imm = imm,
	};
	if (insn->format == VSVM_ISA_FMT_INVALID && version >= 2)
		insn->format = vsvm_isa_formats_v2[opcode];
	if (insn->format == VSVM_ISA_FMT_INVALID && version >= 3)
		insn->format = vsvm_isa_formats_v3[opcode];

	switch (insn->format) {
	case VSVM_ISA_FMT_SOPP:
		ok = !d && !a && !b && !imm;
		break;
	case VSVM_ISA_FMT_SOPP_BRANCH:
		ok = !d && !a && !b;
		break;
	case VSVM_ISA_FMT_SOPP_CBRANCH:
		ok = !d && op_is_s(a) && !b;
		break;
	case VSVM_ISA_FMT_SOP1:
		ok = op_is_s(d) && op_is_s_lit(a) && !b;
		literal_imm = true;
		break;
	case VSVM_ISA_FMT_SOP2:
		ok = op_is_s(d) && op_is_s_lit(a) && op_is_s_lit(b);
		literal_imm = true;
		break;
	case VSVM_ISA_FMT_VOP1:
		ok = op_is_v(d) && op_is_any(a) && !b;
		literal_imm = true;
		break;
	case VSVM_ISA_FMT_VOP2:
		ok = op_is_v(d) && op_is_any(a) && op_is_any(b);
		literal_imm = true;
		break;
	case VSVM_ISA_FMT_VOP3:
		ok = op_is_v(d) && op_is_any(a) && a != VSVM_ISA_OP_LIT &&
		     op_is_any(b) && b != VSVM_ISA_OP_LIT &&
		     op_is_s(imm & 0xff) && !(imm >> 8);
		insn->s = imm & 0xff;
		break;
	case VSVM_ISA_FMT_VOPC:
		ok = op_is_s(d) && op_is_any(a) && op_is_any(b);
		literal_imm = true;
		break;
	case VSVM_ISA_FMT_VMEM_LOAD:
	case VSVM_ISA_FMT_LDS_LOAD:
		ok = op_is_v(d) && op_is_vs(a) && !b;
		break;
	case VSVM_ISA_FMT_VMEM_STORE:
	case VSVM_ISA_FMT_LDS_STORE:
		ok = !d && op_is_vs(a) && op_is_vs(b);
		break;
	case VSVM_ISA_FMT_LDS_ATOMIC64:
		if (imm >> VSVM_ISA_LDS_ATOMIC64_OP_SHIFT > VSVM_ATOMIC_CMPXCHG)
			return VSVM_ISA_ERR_OPCODE;
		fallthrough;
	case VSVM_ISA_FMT_VATOMIC:
	case VSVM_ISA_FMT_LDS_ATOMIC:
		ok = op_is_v(d) && op_is_vs(a) && op_is_vs(b);
		break;
	case VSVM_ISA_FMT_SMEM_LOAD:
		ok = d < VSVM_ISA_NUM_SREGS && op_is_s(a) && !b;
		break;
	case VSVM_ISA_FMT_SMEM_STORE:
		ok = !d && op_is_s(a) && op_is_s(b);
		break;
	default:
		return VSVM_ISA_ERR_OPCODE;
	}
	if (literal_imm && imm && a != VSVM_ISA_OP_LIT && b != VSVM_ISA_OP_LIT)
		ok = false;
	return ok ? VSVM_ISA_ERR_NONE : VSVM_ISA_ERR_OPERAND;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_decode);

static bool insn_is_float(const struct vsvm_isa_insn *insn)
{
	u8 op = insn->opcode;

	return (op >= VSVM_OP_V_CVT_F32_U32 && op <= VSVM_OP_V_CVT_I32_F32) ||
	       (op >= VSVM_OP_V_CVT_F32_U64 && op <= VSVM_OP_V_CVT_I64_F32) ||
	       (op >= VSVM_OP_V_ADD_F32 && op <= VSVM_OP_V_FMA_F32) ||
	       (insn->format == VSVM_ISA_FMT_VOPC &&
		(op - VSVM_OP_V_CMP_BASE) / 8 == VSVM_CMP_F32);
}

/**
 * vsvm_isa_engine_alloc() - allocate an interpreter's state
 *
 * Return: the engine, its instruction cache empty, or NULL when out of
 * memory.
 */
struct vsvm_isa_engine *vsvm_isa_engine_alloc(void)
{
	struct vsvm_isa_engine *eng = kvzalloc(sizeof(*eng), GFP_KERNEL);

	if (eng)
		vsvm_isa_engine_reset(eng);
	return eng;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_engine_alloc);

/**
 * vsvm_isa_engine_free() - free an interpreter's state
 * @eng: the engine, or NULL
 */
void vsvm_isa_engine_free(struct vsvm_isa_engine *eng)
{
	kvfree(eng);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_engine_free);

/**
 * vsvm_isa_engine_reset() - start a new dispatch
 * @eng: the engine
 *
 * Drops the cached instructions: the next group fetches its program again.
 */
void vsvm_isa_engine_reset(struct vsvm_isa_engine *eng)
{
	u64 in_page = eng->code_ptr & (SZ_4K - 1);
	unsigned long piece;

	/* Empty the entries that were filled: no more than were fetched. */
	for (piece = 0; piece < VSVM_ISA_CODE_PIECES; piece++) {
		u64 start = piece ? piece * SZ_4K - in_page : 0;
		u64 end = min(eng->code_size, (piece + 1) * SZ_4K - in_page);

		if (test_bit(piece, eng->fetched))
			memset(&eng->code[start / 8], 0,
			       (end - start) / 8 * sizeof(eng->code[0]));
	}
	bitmap_zero(eng->fetched, VSVM_ISA_CODE_PIECES);
	eng->code_ptr = 0;
	eng->code_size = 0;
	eng->code_version = 0;
	eng->sregs_used = VSVM_ISA_SREGS_INIT;
	eng->vregs_used = VSVM_ISA_VREGS_INIT;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_engine_reset);

static void fpu_leave(struct vsvm_isa_run *r)
{
	if (r->fpu) {
		kernel_fpu_end();
		r->fpu = false;
	}
}

/* The section lasts until the next access, fetch, check_stop or slice end. */
static void fpu_enter(struct vsvm_isa_run *r)
{
	if (r->fpu)
		return;
	kernel_fpu_begin();
	r->fpu = true;
}

static enum vsvm_isa_step isa_invalid(struct vsvm_isa_run *r,
				      enum vsvm_isa_error error, u64 pc)
{
	r->res->status = VSVM_ISA_INVALID;
	r->res->error = error;
	r->res->pc = pc;
	return VSVM_ISA_STEP_END;
}

static enum vsvm_isa_step isa_fault(struct vsvm_isa_run *r, int err, u64 pc,
				    u64 addr, bool write)
{
	r->res->status = VSVM_ISA_FAULT;
	/* A backend that returns a positive value still reports a fault. */
	r->res->err = err < 0 ? err : -EFAULT;
	r->res->pc = pc;
	r->res->fault_addr = addr;
	r->res->fault_write = write;
	return VSVM_ISA_STEP_END;
}

/* Raises *@used to cover register @n. */
static void note_reg(unsigned int *used, unsigned int n)
{
	if (n >= *used)
		*used = n + 1;
}

/* Raises *@sregs and *@vregs to cover the registers operand @code names. */
static void note_operand(u8 code, unsigned int *sregs, unsigned int *vregs)
{
	if (code < VSVM_ISA_NUM_SREGS)
		note_reg(sregs, code);
	else if (op_is_v(code))
		note_reg(vregs, code - VSVM_ISA_OP_VREG(0));
}

/* Decodes @word, the instruction at @pc, into @c. */
static void predecode(struct vsvm_isa_run *r, u64 word, u64 pc,
		      struct vsvm_isa_code *c, unsigned int *sregs,
		      unsigned int *vregs)
{
	struct vsvm_isa_insn insn;
	enum vsvm_isa_error error = vsvm_isa_decode(word, r->version, &insn);
	s64 target;

	*c = (struct vsvm_isa_code){
		.opcode = insn.opcode, .format = insn.format,
		.d = insn.d, .a = insn.a, .b = insn.b, .s = insn.s,
		.state = VSVM_ISA_CODE_ERROR + error, .imm = insn.imm,
		.target = VSVM_ISA_BAD_TARGET,
	};
	/* An invalid word never executes: its fields name no register. */
	if (error)
		return;
	if (insn_is_float(&insn))
		c->flags |= VSVM_ISA_CODE_FLOAT;
	if (insn.format == VSVM_ISA_FMT_SOPP_BRANCH ||
	    insn.format == VSVM_ISA_FMT_SOPP_CBRANCH) {
		/* pc is below 1 MiB: no overflow. */
		target = (s64)pc + 8 + 8 * (s64)(s32)insn.imm;
		if (target >= 0 && target < r->eng->code_size)
			c->target = target;
	}
	/* Fields a format does not use are 0, which names s0: always set. */
	note_operand(insn.d, sregs, vregs);
	note_operand(insn.a, sregs, vregs);
	note_operand(insn.b, sregs, vregs);
	if (insn.format == VSVM_ISA_FMT_VOP3)
		note_operand(insn.s, sregs, vregs);
}

/*
 * Fetches piece @piece of the program (from the start of its 4 KiB page, or
 * of the program, to the end of the page, or of the program) and decodes it
 * into the cache. The waves of the running group have cleared only the
 * registers the pieces decoded so far name: registers the new piece names
 * for the first time are cleared in each of them now.
 */
static noinline enum vsvm_isa_step isa_fill(struct vsvm_isa_run *r,
					    u64 piece, u64 pc)
{
	struct vsvm_isa_engine *eng = r->eng;
	u64 in_page = eng->code_ptr & (SZ_4K - 1);
	u64 start = piece ? piece * SZ_4K - in_page : 0;
	u64 end = min(eng->code_size, (piece + 1) * SZ_4K - in_page);
	u64 fault_addr = eng->code_ptr + pc;
	unsigned int sregs = eng->sregs_used, vregs = eng->vregs_used;
	unsigned int i, n = (end - start) / 8;
	int err;

	fpu_leave(r);
	err = r->ops->fetch(r->ctx, eng->code_ptr + start, eng->fetch_buf,
			    end - start, &fault_addr);
	if (err)
		return isa_fault(r, err, pc, fault_addr, false);
	for (i = 0; i < n; i++)
		predecode(r, le64_to_cpu(eng->fetch_buf[i]), start + 8 * i,
			  &eng->code[start / 8 + i], &sregs, &vregs);
	for (i = 0; i < r->nwaves; i++) {
		struct vsvm_isa_wave *w = &eng->waves[i];

		memset(&w->s[eng->sregs_used], 0,
		       (sregs - eng->sregs_used) * sizeof(w->s[0]));
		memset(&w->v[eng->vregs_used], 0,
		       (vregs - eng->vregs_used) * sizeof(w->v[0]));
	}
	eng->sregs_used = sregs;
	eng->vregs_used = vregs;
	__set_bit(piece, eng->fetched);
	return VSVM_ISA_STEP_NEXT;
}

static u64 sread(const struct vsvm_isa_wave *w, u8 code, u64 lit)
{
	if (code < VSVM_ISA_NUM_SREGS)
		return w->s[code];
	if (code == VSVM_ISA_OP_EXEC)
		return w->exec;
	return lit;
}

static void swrite(struct vsvm_isa_wave *w, u8 code, u64 value)
{
	if (code < VSVM_ISA_NUM_SREGS)
		w->s[code] = value;
	else if (code == VSVM_ISA_OP_EXEC)
		w->exec = value & w->exists;
}

/* The lanes of an operand: a vector register, laneid, or a broadcast scalar. */
static const u64 *vread(struct vsvm_isa_wave *w, u8 code, u64 lit, u64 *bcast)
{
	u64 value;
	unsigned int i;

	if (op_is_v(code))
		return w->v[code - VSVM_ISA_OP_VREG(0)];
	if (code == VSVM_ISA_OP_LANEID)
		return vsvm_isa_laneid;
	value = sread(w, code, lit);
#pragma GCC unroll 16
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
		bcast[i] = value;
	return bcast;
}

/* -1, 0, 1 as @a is below, equal to or above @b, as @type says. */
static int int_order(unsigned int type, u64 a, u64 b)
{
	switch (type) {
	case VSVM_CMP_U32:
		a = (u32)a;
		b = (u32)b;
		break;
	case VSVM_CMP_I32:
		return (s32)a < (s32)b ? -1 : (s32)a > (s32)b;
	case VSVM_CMP_I64:
		return (s64)a < (s64)b ? -1 : (s64)a > (s64)b;
	}
	return a < b ? -1 : a > b;
}

static bool int_cmp(unsigned int type, unsigned int cond, u64 a, u64 b)
{
	int order = int_order(type, a, b);

	switch (cond) {
	case VSVM_COND_EQ:
		return order == 0;
	case VSVM_COND_NE:
		return order != 0;
	case VSVM_COND_LT:
		return order < 0;
	case VSVM_COND_LE:
		return order <= 0;
	case VSVM_COND_GT:
		return order > 0;
	default:
		return order >= 0;
	}
}

/*
 * An integer vector compare: the lanes of @lanes for which it holds. The
 * operands are first mapped to u64 values that compare as @type says (the
 * low 32 bits for 32-bit types, the sign bit flipped for signed ones); each
 * condition is then A == B or A < B, with the operands swapped or the
 * result inverted. Every lane is compared, then the mask selects.
 */
static u32 int_cmp_lanes(unsigned int type, unsigned int cond, u32 lanes,
			 const u64 *a, const u64 *b)
{
	u64 keep = type <= VSVM_CMP_I32 ? U32_MAX : U64_MAX;
	u64 flip = type == VSVM_CMP_I32 ? BIT_ULL(31) :
		   type == VSVM_CMP_I64 ? BIT_ULL(63) : 0;
	bool swap = cond == VSVM_COND_LE || cond == VSVM_COND_GT;
	bool invert = cond == VSVM_COND_NE || cond == VSVM_COND_LE ||
		      cond == VSVM_COND_GE;
	const u64 *x = swap ? b : a, *y = swap ? a : b;
	unsigned int i;
	u32 mask = 0;

	/* The unsigned types, the common ones, need no mapping. */
	if (cond == VSVM_COND_EQ || cond == VSVM_COND_NE) {
		if (keep == U32_MAX) {
#pragma GCC unroll 16
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				mask |= (u32)((u32)x[i] == (u32)y[i]) << i;
		} else {
#pragma GCC unroll 16
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				mask |= (u32)(x[i] == y[i]) << i;
		}
	} else if (type == VSVM_CMP_U32) {
#pragma GCC unroll 16
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)((u32)x[i] < (u32)y[i]) << i;
	} else if (type == VSVM_CMP_U64) {
#pragma GCC unroll 16
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(x[i] < y[i]) << i;
	} else {
#pragma GCC unroll 16
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			mask |= (u32)(((x[i] & keep) ^ flip) <
				      ((y[i] & keep) ^ flip)) << i;
	}
	return (invert ? ~mask : mask) & lanes;
}

/* Signed division as C has it, with results for the cases C leaves undefined. */
static u64 div_i64(s64 a, s64 b, bool rem)
{
	if (!b)
		return rem ? a : U64_MAX;
	if (a == S64_MIN && b == -1)
		return rem ? 0 : (u64)S64_MIN;
	return rem ? (u64)(a % b) : (u64)(a / b);
}

static u32 div_i32(s32 a, s32 b, bool rem)
{
	if (!b)
		return rem ? a : U32_MAX;
	if (a == S32_MIN && b == -1)
		return rem ? 0 : (u32)S32_MIN;
	return rem ? (u32)(a % b) : (u32)(a / b);
}

/* High 64 bits of the signed 128-bit product. */
static u64 mulhi_i64(u64 a, u64 b)
{
	u64 hi = mul_u64_u64_shr(a, b, 64);

	if ((s64)a < 0)
		hi -= b;
	if ((s64)b < 0)
		hi -= a;
	return hi;
}

#define F32_SIGN	0x80000000u
#define F32_ONE		0x3f800000u
#define F32_QNAN	0x7fc00000u

/*
 * floor, ceil, trunc and rint of a binary32 value, on its bits: no FPU
 * needed. @e is the unbiased exponent; from 23 on, the value is an integer
 * (or infinity), below 0 its magnitude is below 1.
 */
static u32 f32_round(u8 opcode, u32 x)
{
	int e = (int)((x >> 23) & 0xff) - 127;
	bool neg = x & F32_SIGN;
	u32 frac, q, rem, half;
	unsigned int shift;

	if ((x & ~F32_SIGN) > 0x7f800000u)
		return F32_QNAN;
	if (e >= 23)
		return x;
	if (e < 0) {
		if (!(x & ~F32_SIGN))
			return x;
		switch (opcode) {
		case VSVM_OP_V_FLOOR_F32:
			return neg ? F32_SIGN | F32_ONE : 0;
		case VSVM_OP_V_CEIL_F32:
			return neg ? F32_SIGN : F32_ONE;
		case VSVM_OP_V_RINT_F32:
			/* Above one half rounds to 1; one half, to even 0. */
			if (e == -1 && (x & 0x7fffff))
				return (x & F32_SIGN) | F32_ONE;
			return x & F32_SIGN;
		default:
			return x & F32_SIGN;
		}
	}
	frac = 0x7fffffu >> e;
	if (!(x & frac))
		return x;
	switch (opcode) {
	case VSVM_OP_V_FLOOR_F32:
		/* A carry into the exponent is the right result (2^k). */
		return (neg ? x + frac : x) & ~frac;
	case VSVM_OP_V_CEIL_F32:
		return (neg ? x : x + frac) & ~frac;
	case VSVM_OP_V_RINT_F32:
		shift = 23 - e;
		q = ((x & 0x7fffff) | 0x800000) >> shift;
		rem = x & frac;
		half = BIT(shift - 1);
		if (rem > half || (rem == half && (q & 1)))
			return ((x & ~frac) + BIT(shift)) & ~frac;
		return x & ~frac;
	default:
		return x & ~frac;
	}
}

/* The integer vector ALU, per lane; 32-bit results are zero-extended. */
static u64 valu(u8 opcode, u64 a, u64 b)
{
	u32 a32 = a, b32 = b;

	switch (opcode) {
	case VSVM_OP_V_MOV:
		return a;
	case VSVM_OP_V_ADD_U32:
		return (u32)(a32 + b32);
	case VSVM_OP_V_SUB_U32:
		return (u32)(a32 - b32);
	case VSVM_OP_V_MUL_U32:
		return (u32)(a32 * b32);
	case VSVM_OP_V_AND_B32:
		return a32 & b32;
	case VSVM_OP_V_OR_B32:
		return a32 | b32;
	case VSVM_OP_V_XOR_B32:
		return a32 ^ b32;
	case VSVM_OP_V_SHL_B32:
		return (u32)(a32 << (b32 & 31));
	case VSVM_OP_V_SHR_B32:
		return a32 >> (b32 & 31);
	case VSVM_OP_V_SAR_I32:
		return (u32)((s32)a32 >> (b32 & 31));
	case VSVM_OP_V_MIN_U32:
		return min(a32, b32);
	case VSVM_OP_V_MAX_U32:
		return max(a32, b32);
	case VSVM_OP_V_MIN_I32:
		return (u32)min_t(s32, a32, b32);
	case VSVM_OP_V_MAX_I32:
		return (u32)max_t(s32, a32, b32);
	case VSVM_OP_V_DIV_U32:
		return b32 ? a32 / b32 : U32_MAX;
	case VSVM_OP_V_REM_U32:
		return b32 ? a32 % b32 : a32;
	case VSVM_OP_V_ADD_U64:
		return a + b;
	case VSVM_OP_V_SUB_U64:
		return a - b;
	case VSVM_OP_V_MUL_U64:
		return a * b;
	case VSVM_OP_V_AND_B64:
		return a & b;
	case VSVM_OP_V_OR_B64:
		return a | b;
	case VSVM_OP_V_XOR_B64:
		return a ^ b;
	case VSVM_OP_V_SHL_B64:
		return a << (b & 63);
	case VSVM_OP_V_SHR_B64:
		return a >> (b & 63);
	case VSVM_OP_V_SAR_I64:
		return (u64)((s64)a >> (b & 63));
	case VSVM_OP_V_MIN_U64:
		return min(a, b);
	case VSVM_OP_V_MAX_U64:
		return max(a, b);
	case VSVM_OP_V_MIN_I64:
		return (u64)min_t(s64, a, b);
	case VSVM_OP_V_MAX_I64:
		return (u64)max_t(s64, a, b);
	case VSVM_OP_V_DIV_U64:
		return b ? a / b : U64_MAX;
	case VSVM_OP_V_REM_U64:
		return b ? a % b : a;
	case VSVM_OP_V_CVT_U64_U32:
		return a32;
	case VSVM_OP_V_CVT_I64_I32:
		return (u64)(s64)(s32)a32;
	case VSVM_OP_V_DIV_I32:
		return div_i32(a32, b32, false);
	case VSVM_OP_V_REM_I32:
		return div_i32(a32, b32, true);
	case VSVM_OP_V_DIV_I64:
		return div_i64(a, b, false);
	case VSVM_OP_V_REM_I64:
		return div_i64(a, b, true);
	case VSVM_OP_V_MULHI_U32:
		return ((u64)a32 * b32) >> 32;
	case VSVM_OP_V_MULHI_I32:
		return (u32)(((s64)(s32)a32 * (s32)b32) >> 32);
	case VSVM_OP_V_MULHI_U64:
		return mul_u64_u64_shr(a, b, 64);
	case VSVM_OP_V_MULHI_I64:
		return mulhi_i64(a, b);
	case VSVM_OP_V_CLZ_B32:
		return a32 ? 31 - __fls(a32) : 32;
	case VSVM_OP_V_CLZ_B64:
		return a ? 63 - __fls(a) : 64;
	case VSVM_OP_V_CTZ_B32:
		return a32 ? __ffs(a32) : 32;
	case VSVM_OP_V_CTZ_B64:
		return a ? __ffs64(a) : 64;
	case VSVM_OP_V_POPC_B32:
		return hweight32(a32);
	case VSVM_OP_V_POPC_B64:
		return hweight64(a);
	case VSVM_OP_V_FLOOR_F32 ... VSVM_OP_V_RINT_F32:
		return f32_round(opcode, a32);
	default:
		return 0;
	}
}

/*
 * The integer vector ALU over the lanes of @lanes: the opcode's case holds
 * the lane loop. The cheap operations have their own loops; the others
 * (divisions, bit counts, roundings) cost more than the switch of valu(),
 * which they share with the scalar ALU.
 */
static void valu_lanes(u8 opcode, u32 lanes, u64 *d, const u64 *a,
		       const u64 *b)
{
	unsigned int i;

	switch (opcode) {
	case VSVM_OP_V_MOV:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i]);
		break;
	case VSVM_OP_V_ADD_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)(a[i] + b[i]));
		break;
	case VSVM_OP_V_SUB_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)(a[i] - b[i]));
		break;
	case VSVM_OP_V_MUL_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)((u32)a[i] * (u32)b[i]));
		break;
	case VSVM_OP_V_AND_B32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)(a[i] & b[i]));
		break;
	case VSVM_OP_V_OR_B32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)(a[i] | b[i]));
		break;
	case VSVM_OP_V_XOR_B32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)(a[i] ^ b[i]));
		break;
	case VSVM_OP_V_SHL_B32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)((u32)a[i] << (b[i] & 31)));
		break;
	case VSVM_OP_V_SHR_B32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)a[i] >> (b[i] & 31));
		break;
	case VSVM_OP_V_SAR_I32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)((s32)a[i] >> (b[i] & 31)));
		break;
	case VSVM_OP_V_MIN_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = min((u32)a[i], (u32)b[i]));
		break;
	case VSVM_OP_V_MAX_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = max((u32)a[i], (u32)b[i]));
		break;
	case VSVM_OP_V_MIN_I32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)min((s32)a[i], (s32)b[i]));
		break;
	case VSVM_OP_V_MAX_I32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)max((s32)a[i], (s32)b[i]));
		break;
	case VSVM_OP_V_ADD_U64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] + b[i]);
		break;
	case VSVM_OP_V_SUB_U64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] - b[i]);
		break;
	case VSVM_OP_V_MUL_U64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] * b[i]);
		break;
	case VSVM_OP_V_AND_B64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] & b[i]);
		break;
	case VSVM_OP_V_OR_B64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] | b[i]);
		break;
	case VSVM_OP_V_XOR_B64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] ^ b[i]);
		break;
	case VSVM_OP_V_SHL_B64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] << (b[i] & 63));
		break;
	case VSVM_OP_V_SHR_B64:
		VSVM_ISA_LANES(lanes, i, d[i] = a[i] >> (b[i] & 63));
		break;
	case VSVM_OP_V_SAR_I64:
		VSVM_ISA_LANES(lanes, i, d[i] = (u64)((s64)a[i] >> (b[i] & 63)));
		break;
	case VSVM_OP_V_MIN_U64:
		VSVM_ISA_LANES(lanes, i, d[i] = min(a[i], b[i]));
		break;
	case VSVM_OP_V_MAX_U64:
		VSVM_ISA_LANES(lanes, i, d[i] = max(a[i], b[i]));
		break;
	case VSVM_OP_V_MIN_I64:
		VSVM_ISA_LANES(lanes, i, d[i] = (u64)min((s64)a[i], (s64)b[i]));
		break;
	case VSVM_OP_V_MAX_I64:
		VSVM_ISA_LANES(lanes, i, d[i] = (u64)max((s64)a[i], (s64)b[i]));
		break;
	case VSVM_OP_V_CVT_U64_U32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u32)a[i]);
		break;
	case VSVM_OP_V_CVT_I64_I32:
		VSVM_ISA_LANES(lanes, i, d[i] = (u64)(s64)(s32)a[i]);
		break;
	default:
		VSVM_ISA_LANES(lanes, i, d[i] = valu(opcode, a[i], b[i]));
		break;
	}
}

/**
 * vsvm_isa_atomic_value() - the value an atomic writes back
 * @op: the operation
 * @size: 4 or 8 bytes
 * @m: the value in memory (low @size bytes)
 * @b: the operand (low @size bytes used)
 * @cmp: %VSVM_ATOMIC_CMPXCHG: the expected value (low @size bytes used)
 *
 * Return: the new value of the @size bytes, zero-extended.
 */
u64 vsvm_isa_atomic_value(enum vsvm_isa_atomic_op op, unsigned int size, u64 m,
			  u64 b, u64 cmp)
{
	u64 mask = size == 8 ? U64_MAX : U32_MAX;
	unsigned int bits = size * 8 - 1;
	u64 v;

	m &= mask;
	b &= mask;
	switch (op) {
	case VSVM_ATOMIC_ADD:
		v = m + b;
		break;
	case VSVM_ATOMIC_MIN_U:
		v = min(m, b);
		break;
	case VSVM_ATOMIC_MAX_U:
		v = max(m, b);
		break;
	case VSVM_ATOMIC_MIN_I:
		v = sign_extend64(m, bits) < sign_extend64(b, bits) ? m : b;
		break;
	case VSVM_ATOMIC_MAX_I:
		v = sign_extend64(m, bits) > sign_extend64(b, bits) ? m : b;
		break;
	case VSVM_ATOMIC_AND:
		v = m & b;
		break;
	case VSVM_ATOMIC_OR:
		v = m | b;
		break;
	case VSVM_ATOMIC_XOR:
		v = m ^ b;
		break;
	case VSVM_ATOMIC_XCHG:
		v = b;
		break;
	default: /* VSVM_ATOMIC_CMPXCHG */
		v = m == (cmp & mask) ? b : m;
		break;
	}
	return v & mask;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_atomic_value);

/* The scalar ALU: the 64-bit operations it shares with the vector ALU. */
static const u8 vsvm_isa_salu_as_valu[] = {
	[VSVM_OP_S_MOV - VSVM_OP_S_MOV] = VSVM_OP_V_MOV,
	[VSVM_OP_S_ADD - VSVM_OP_S_MOV] = VSVM_OP_V_ADD_U64,
	[VSVM_OP_S_SUB - VSVM_OP_S_MOV] = VSVM_OP_V_SUB_U64,
	[VSVM_OP_S_MUL - VSVM_OP_S_MOV] = VSVM_OP_V_MUL_U64,
	[VSVM_OP_S_AND - VSVM_OP_S_MOV] = VSVM_OP_V_AND_B64,
	[VSVM_OP_S_OR - VSVM_OP_S_MOV] = VSVM_OP_V_OR_B64,
	[VSVM_OP_S_XOR - VSVM_OP_S_MOV] = VSVM_OP_V_XOR_B64,
	[VSVM_OP_S_SHL - VSVM_OP_S_MOV] = VSVM_OP_V_SHL_B64,
	[VSVM_OP_S_SHR - VSVM_OP_S_MOV] = VSVM_OP_V_SHR_B64,
	[VSVM_OP_S_SAR - VSVM_OP_S_MOV] = VSVM_OP_V_SAR_I64,
	[VSVM_OP_S_MIN_U - VSVM_OP_S_MOV] = VSVM_OP_V_MIN_U64,
	[VSVM_OP_S_MAX_U - VSVM_OP_S_MOV] = VSVM_OP_V_MAX_U64,
	[VSVM_OP_S_MIN_I - VSVM_OP_S_MOV] = VSVM_OP_V_MIN_I64,
	[VSVM_OP_S_MAX_I - VSVM_OP_S_MOV] = VSVM_OP_V_MAX_I64,
};

static u64 salu(u8 opcode, u64 a, u64 b)
{
	unsigned int cmp;

	switch (opcode) {
	/* The frequent ones first-hand, the rest through valu(). */
	case VSVM_OP_S_MOV:
		return a;
	case VSVM_OP_S_ADD:
		return a + b;
	case VSVM_OP_S_SUB:
		return a - b;
	case VSVM_OP_S_AND:
		return a & b;
	case VSVM_OP_S_OR:
		return a | b;
	case VSVM_OP_S_SHL:
		return a << (b & 63);
	case VSVM_OP_S_SHR:
		return a >> (b & 63);
	case VSVM_OP_S_NOT:
		return ~a;
	case VSVM_OP_S_ANDN2:
		return a & ~b;
	case VSVM_OP_S_BCNT:
		return hweight64(a);
	case VSVM_OP_S_CMP_EQ ... VSVM_OP_S_CMP_GE_I:
		cmp = opcode - VSVM_OP_S_CMP_EQ;
		/* eq, ne, then lt/le/gt/ge unsigned, then signed. */
		if (cmp < 6)
			return int_cmp(VSVM_CMP_U64, cmp, a, b);
		return int_cmp(VSVM_CMP_I64, cmp - 4, a, b);
	default:
		if (opcode - VSVM_OP_S_MOV >= ARRAY_SIZE(vsvm_isa_salu_as_valu))
			return 0;
		return valu(vsvm_isa_salu_as_valu[opcode - VSVM_OP_S_MOV], a, b);
	}
}

static enum vsvm_isa_step exec_branch(struct vsvm_isa_run *r,
				      struct vsvm_isa_wave *w,
				      const struct vsvm_isa_code *c, u64 pc)
{
	bool taken;

	switch (c->opcode) {
	case VSVM_OP_S_CBRANCH_Z:
		taken = sread(w, c->a, 0) == 0;
		break;
	case VSVM_OP_S_CBRANCH_NZ:
		taken = sread(w, c->a, 0) != 0;
		break;
	case VSVM_OP_S_CBRANCH_EXECZ:
		taken = w->exec == 0;
		break;
	case VSVM_OP_S_CBRANCH_EXECNZ:
		taken = w->exec != 0;
		break;
	default:
		taken = true;
		break;
	}
	if (!taken) {
		w->pc = pc + 8;
		return VSVM_ISA_STEP_NEXT;
	}
	if (c->target == VSVM_ISA_BAD_TARGET)
		return isa_invalid(r, VSVM_ISA_ERR_BRANCH, pc);
	w->pc = c->target;
	return VSVM_ISA_STEP_NEXT;
}

static void exec_valu(struct vsvm_isa_run *r, struct vsvm_isa_wave *w,
		      const struct vsvm_isa_code *c, u64 lit)
{
	const u64 *a = vread(w, c->a, lit, r->eng->bcast[0]);
	const u64 *b = c->format == VSVM_ISA_FMT_VOP1 ? a :
		       vread(w, c->b, lit, r->eng->bcast[1]);
	u64 *d = w->v[c->d - VSVM_ISA_OP_VREG(0)];
	u32 lanes = w->exec;
	unsigned int i;
	u64 sel;

	if (c->flags & VSVM_ISA_CODE_FLOAT) {
		vsvm_isa_fp_vop(c->opcode, lanes, d, a, b);
		return;
	}
	if (c->opcode == VSVM_OP_V_CNDMASK) {
		sel = sread(w, c->s, 0);
		VSVM_ISA_LANES(lanes, i, d[i] = sel & BIT(i) ? b[i] : a[i]);
		return;
	}
	valu_lanes(c->opcode, lanes, d, a, b);
}

static void exec_vcmp(struct vsvm_isa_run *r, struct vsvm_isa_wave *w,
		      const struct vsvm_isa_code *c, u64 lit)
{
	const u64 *a = vread(w, c->a, lit, r->eng->bcast[0]);
	const u64 *b = vread(w, c->b, lit, r->eng->bcast[1]);
	unsigned int type = (c->opcode - VSVM_OP_V_CMP_BASE) / 8;
	unsigned int cond = (c->opcode - VSVM_OP_V_CMP_BASE) % 8;
	u32 lanes = w->exec, mask;

	if (type == VSVM_CMP_F32)
		mask = vsvm_isa_fp_cmp(cond, lanes, a, b);
	else
		mask = int_cmp_lanes(type, cond, lanes, a, b);
	swrite(w, c->d, mask);
}

/* Checks alignment, then performs r->eng->req (if any lane is left). */
static enum vsvm_isa_step mem_access(struct vsvm_isa_run *r, u64 pc)
{
	struct vsvm_isa_mem_req *req = &r->eng->req;
	u64 fault_addr = 0;
	bool fault_write = req->kind != VSVM_ISA_MEM_LOAD;
	unsigned int i;
	int err;

	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		if ((req->lanes & BIT(i)) && (req->addr[i] & (req->size - 1))) {
			r->res->fault_addr = req->addr[i];
			return isa_invalid(r, VSVM_ISA_ERR_ALIGN, pc);
		}
	}
	if (!req->lanes)
		return VSVM_ISA_STEP_NEXT;
	err = r->ops->access(r->ctx, req, &fault_addr, &fault_write);
	if (err)
		return isa_fault(r, err, pc, fault_addr, fault_write);
	return VSVM_ISA_STEP_NEXT;
}

static u64 size_mask(unsigned int size)
{
	return size == 8 ? U64_MAX : BIT_ULL(size * 8) - 1;
}

static u64 sign_extend_size(u64 value, unsigned int size)
{
	return size == 8 ? value : (u64)sign_extend64(value, size * 8 - 1);
}

/*
 * The fast path of a vector load or store (see &vsvm_isa_mem_ops.access_run):
 * the active lanes are lanes lo..hi with no gap, lane i accesses
 * base + (i - lo) * @size, and the run stays in one 4 KiB page. Then the
 * lanes are aligned if the first one is, and one copy through
 * r->eng->run_buf (lane i at i * @size) does the instruction. False, with
 * nothing accessed, when the access is not such a run or the backend
 * declined it: the lane by lane path then does it, and reports a fault or
 * misalignment exactly as always. The loops run over all 16 lanes (fixed
 * counts, no early exit), which costs less than bounds per mask.
 */
static bool vmem_run(struct vsvm_isa_run *r, struct vsvm_isa_wave *w,
		     const struct vsvm_isa_code *c, const u64 *a, const u64 *b,
		     u64 *d, unsigned int size, bool store, bool sign)
{
	struct vsvm_isa_engine *eng = r->eng;
	u32 lanes = w->exec;
	s64 offset = (s32)c->imm;
	unsigned int lo, hi, i, len;
	u8 *buf = eng->run_buf;
	u64 base, next, gap = 0;

	if (!r->ops->access_run || !lanes)
		return false;
	lo = __ffs(lanes);
	hi = __fls(lanes);
	if (lanes != GENMASK(hi, lo))
		return false;
	/* Lane i's address, if the run is regular: a[lo] + (i - lo) * size. */
	if (lanes == VSVM_ISA_LANES_ALL) {
		/* No early exit: a full wave is usually regular. */
#pragma GCC unroll 16
		for (i = 1, next = a[0] + size; i < VSVM_ISA_WAVE_LANES;
		     i++, next += size)
			gap |= a[i] ^ next;
	} else {
		for (i = lo + 1; i <= hi && !gap; i++)
			gap = a[i] - a[lo] - (i - lo) * size;
	}
	base = a[lo] + offset;
	len = (hi - lo + 1) * size;
	if (gap || (base & (size - 1)) || (base & (SZ_4K - 1)) + len > SZ_4K)
		return false;

	if (store) {
		switch (size) {
		case 1:
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				buf[i] = b[i];
			break;
		case 2:
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				((__le16 *)buf)[i] = cpu_to_le16(b[i]);
			break;
		case 4:
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				((__le32 *)buf)[i] = cpu_to_le32(b[i]);
			break;
		default:
			for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
				((__le64 *)buf)[i] = cpu_to_le64(b[i]);
			break;
		}
		return r->ops->access_run(r->ctx, base, buf + lo * size, len,
					  size, true);
	}
	if (!r->ops->access_run(r->ctx, base, buf + lo * size, len, size, false))
		return false;
	switch (size) {
	case 1:
		if (sign)
			VSVM_ISA_LANES(lanes, i, d[i] = (u64)(s64)(s8)buf[i]);
		else
			VSVM_ISA_LANES(lanes, i, d[i] = buf[i]);
		break;
	case 2:
		if (sign)
			VSVM_ISA_LANES(lanes, i,
				       d[i] = (u64)(s64)(s16)le16_to_cpu(((__le16 *)buf)[i]));
		else
			VSVM_ISA_LANES(lanes, i, d[i] = le16_to_cpu(((__le16 *)buf)[i]));
		break;
	case 4:
		if (sign)
			VSVM_ISA_LANES(lanes, i,
				       d[i] = (u64)(s64)(s32)le32_to_cpu(((__le32 *)buf)[i]));
		else
			VSVM_ISA_LANES(lanes, i, d[i] = le32_to_cpu(((__le32 *)buf)[i]));
		break;
	default:
		VSVM_ISA_LANES(lanes, i, d[i] = le64_to_cpu(((__le64 *)buf)[i]));
		break;
	}
	return true;
}

static enum vsvm_isa_step exec_vmem(struct vsvm_isa_run *r,
				    struct vsvm_isa_wave *w,
				    const struct vsvm_isa_code *c, u64 pc)
{
	struct vsvm_isa_mem_req *req = &r->eng->req;
	const u64 *a = vread(w, c->a, 0, r->eng->bcast[0]);
	const u64 *b = vread(w, c->b, 0, r->eng->bcast[1]);
	/* A store has no D: point at a register it does not use. */
	u64 *d = w->v[op_is_v(c->d) ? c->d - VSVM_ISA_OP_VREG(0) : 0];
	s64 offset = (s32)c->imm;
	bool sign = false;
	enum vsvm_isa_step step;
	unsigned int i;
	u64 mask;

	req->lanes = w->exec;
	req->atomic = 0;
	switch (c->format) {
	case VSVM_ISA_FMT_VMEM_LOAD:
		req->kind = VSVM_ISA_MEM_LOAD;
		req->size = 1 << (c->opcode & 3);
		sign = c->opcode >= VSVM_OP_V_LOAD_I8;
		if (vmem_run(r, w, c, a, b, d, req->size, false, sign))
			return VSVM_ISA_STEP_NEXT;
		break;
	case VSVM_ISA_FMT_VMEM_STORE:
		req->kind = VSVM_ISA_MEM_STORE;
		req->size = 1 << (c->opcode & 3);
		if (vmem_run(r, w, c, a, b, d, req->size, true, false))
			return VSVM_ISA_STEP_NEXT;
		break;
	default:
		req->kind = VSVM_ISA_MEM_ATOMIC;
		req->size = c->opcode >= VSVM_OP_V_ATOMIC64_BASE ? 8 : 4;
		req->atomic = c->opcode & 15;
		break;
	}
	mask = size_mask(req->size);
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		req->addr[i] = a[i] + offset;
		req->data[i] = req->kind == VSVM_ISA_MEM_LOAD ? 0 : b[i] & mask;
		req->cmp[i] = req->kind == VSVM_ISA_MEM_ATOMIC ? d[i] & mask : 0;
	}
	step = mem_access(r, pc);
	if (step != VSVM_ISA_STEP_NEXT || req->kind == VSVM_ISA_MEM_STORE)
		return step;
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		if (!(req->lanes & BIT(i)))
			continue;
		d[i] = req->data[i] & mask;
		if (sign)
			d[i] = sign_extend_size(d[i], req->size);
	}
	return VSVM_ISA_STEP_NEXT;
}

static u64 lds_read(const u8 *p, unsigned int size)
{
	switch (size) {
	case 1:
		return *p;
	case 2:
		return le16_to_cpup((const __le16 *)p);
	case 4:
		return le32_to_cpup((const __le32 *)p);
	default:
		return le64_to_cpup((const __le64 *)p);
	}
}

static void lds_write(u8 *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		*p = v;
		break;
	case 2:
		*(__le16 *)p = cpu_to_le16(v);
		break;
	case 4:
		*(__le32 *)p = cpu_to_le32(v);
		break;
	default:
		*(__le64 *)p = cpu_to_le64(v);
		break;
	}
}

/*
 * A shared-memory load, store or atomic (ISA v2, 64-bit atomics v3). Every
 * active lane's
 * offset is checked before any lane's access, so a bad offset leaves the
 * LDS unchanged. Lanes go in order, so for atomics to one offset each lane
 * sees the previous lane's result, as for global atomics.
 */
static enum vsvm_isa_step exec_lds(struct vsvm_isa_run *r,
				   struct vsvm_isa_wave *w,
				   const struct vsvm_isa_code *insn, u64 pc)
{
	struct vsvm_isa_engine *eng = r->eng;
	const u64 *a = vread(w, insn->a, 0, eng->bcast[0]);
	const u64 *b = vread(w, insn->b, 0, eng->bcast[1]);
	u64 *d = w->v[op_is_v(insn->d) ? insn->d - VSVM_ISA_OP_VREG(0) : 0];
	s64 offset = (s32)insn->imm;
	enum vsvm_isa_atomic_op op = insn->opcode & 15;
	u32 lanes = w->exec;
	unsigned int size, i;
	u64 addr, m;

	if (insn->format == VSVM_ISA_FMT_LDS_ATOMIC64) {
		size = 8;
		offset = (s16)(insn->imm & VSVM_ISA_LDS_ATOMIC64_OFFSET_MASK);
		op = insn->imm >> VSVM_ISA_LDS_ATOMIC64_OP_SHIFT;
	} else if (insn->format == VSVM_ISA_FMT_LDS_ATOMIC) {
		size = 4;
	} else {
		size = 1 << (insn->opcode & 3);
	}
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		if (!(lanes & BIT(i)))
			continue;
		addr = a[i] + offset;
		if (addr & (size - 1)) {
			r->res->fault_addr = addr;
			return isa_invalid(r, VSVM_ISA_ERR_ALIGN, pc);
		}
		if (addr > VSVM_ISA_LDS_BYTES - size) {
			r->res->fault_addr = addr;
			return isa_invalid(r, VSVM_ISA_ERR_LDS, pc);
		}
	}
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		if (!(lanes & BIT(i)))
			continue;
		addr = a[i] + offset;
		switch (insn->format) {
		case VSVM_ISA_FMT_LDS_LOAD:
			m = lds_read(&eng->lds[addr], size);
			if (insn->opcode >= VSVM_OP_V_LDS_LOAD_I8)
				m = sign_extend_size(m, size);
			d[i] = m;
			continue;
		case VSVM_ISA_FMT_LDS_STORE:
			lds_write(&eng->lds[addr], size, b[i]);
			break;
		default:
			m = lds_read(&eng->lds[addr], size);
			lds_write(&eng->lds[addr], size,
				  vsvm_isa_atomic_value(op, size, m, b[i], d[i]));
			d[i] = m;
			break;
		}
		eng->lds_dirty = max_t(u32, eng->lds_dirty, addr + size);
	}
	return VSVM_ISA_STEP_NEXT;
}

static enum vsvm_isa_step exec_smem(struct vsvm_isa_run *r,
				    struct vsvm_isa_wave *w,
				    const struct vsvm_isa_code *insn, u64 pc)
{
	struct vsvm_isa_mem_req *req = &r->eng->req;
	bool wide = insn->opcode == VSVM_OP_S_LOAD_U64 ||
		    insn->opcode == VSVM_OP_S_STORE_B64;
	enum vsvm_isa_step step;

	req->kind = insn->format == VSVM_ISA_FMT_SMEM_LOAD ?
		    VSVM_ISA_MEM_LOAD : VSVM_ISA_MEM_STORE;
	req->size = wide ? 8 : 4;
	req->atomic = 0;
	req->lanes = BIT(0);
	req->addr[0] = sread(w, insn->a, 0) + (s64)(s32)insn->imm;
	req->data[0] = req->kind == VSVM_ISA_MEM_STORE ?
		       sread(w, insn->b, 0) & size_mask(req->size) : 0;
	req->cmp[0] = 0;
	step = mem_access(r, pc);
	if (step == VSVM_ISA_STEP_NEXT && req->kind == VSVM_ISA_MEM_LOAD)
		swrite(w, insn->d, req->data[0] & size_mask(req->size));
	return step;
}

/* Executes the instruction at the wave's pc. */
static enum vsvm_isa_step isa_step(struct vsvm_isa_run *r, struct vsvm_isa_wave *w)
{
	struct vsvm_isa_engine *eng = r->eng;
	const struct vsvm_isa_code *c;
	enum vsvm_isa_step step;
	u64 pc = w->pc;
	u64 piece, lit;

	if (pc >= eng->code_size)
		return isa_invalid(r, VSVM_ISA_ERR_PC, pc);
	c = &eng->code[pc / 8];
	if (unlikely(c->state != VSVM_ISA_CODE_VALID)) {
		if (c->state == VSVM_ISA_CODE_EMPTY) {
			piece = ((eng->code_ptr & (SZ_4K - 1)) + pc) / SZ_4K;
			step = isa_fill(r, piece, pc);
			if (step != VSVM_ISA_STEP_NEXT)
				return step;
		}
		if (c->state != VSVM_ISA_CODE_VALID)
			return isa_invalid(r, c->state - VSVM_ISA_CODE_ERROR, pc);
	}

	if (c->flags & VSVM_ISA_CODE_FLOAT)
		fpu_enter(r);
	r->since_check++;
	r->res->instructions++;
	lit = (u64)(s64)(s32)c->imm;

	switch (c->format) {
	case VSVM_ISA_FMT_SOPP:
		w->pc = pc + 8;
		if (c->opcode == VSVM_OP_S_ENDPGM) {
			w->state = VSVM_ISA_WAVE_ENDED;
			return VSVM_ISA_STEP_YIELD;
		}
		if (c->opcode == VSVM_OP_S_BARRIER) {
			w->state = VSVM_ISA_WAVE_BARRIER;
			return VSVM_ISA_STEP_YIELD;
		}
		return VSVM_ISA_STEP_NEXT;
	case VSVM_ISA_FMT_SOPP_BRANCH:
	case VSVM_ISA_FMT_SOPP_CBRANCH:
		return exec_branch(r, w, c, pc);
	case VSVM_ISA_FMT_SOP1:
	case VSVM_ISA_FMT_SOP2:
		swrite(w, c->d, salu(c->opcode, sread(w, c->a, lit),
				     sread(w, c->b, lit)));
		break;
	case VSVM_ISA_FMT_VOP1:
	case VSVM_ISA_FMT_VOP2:
	case VSVM_ISA_FMT_VOP3:
		exec_valu(r, w, c, lit);
		break;
	case VSVM_ISA_FMT_VOPC:
		exec_vcmp(r, w, c, lit);
		break;
	case VSVM_ISA_FMT_VMEM_LOAD:
	case VSVM_ISA_FMT_VMEM_STORE:
	case VSVM_ISA_FMT_VATOMIC:
		/* The ops may sleep: not in an FPU section. */
		fpu_leave(r);
		step = exec_vmem(r, w, c, pc);
		if (step != VSVM_ISA_STEP_NEXT)
			return step;
		break;
	case VSVM_ISA_FMT_LDS_LOAD:
	case VSVM_ISA_FMT_LDS_STORE:
	case VSVM_ISA_FMT_LDS_ATOMIC:
	case VSVM_ISA_FMT_LDS_ATOMIC64:
		/* The engine's own memory: no op, fine in a section. */
		step = exec_lds(r, w, c, pc);
		if (step != VSVM_ISA_STEP_NEXT)
			return step;
		break;
	default:
		fpu_leave(r);
		step = exec_smem(r, w, c, pc);
		if (step != VSVM_ISA_STEP_NEXT)
			return step;
		break;
	}
	w->pc = pc + 8;
	return VSVM_ISA_STEP_NEXT;
}

/* Runs @w for one time slice; false when the group ends. */
static bool isa_run_slice(struct vsvm_isa_run *r, struct vsvm_isa_wave *w)
{
	enum vsvm_isa_step step = VSVM_ISA_STEP_NEXT;
	unsigned int n;

	for (n = 0; n < VSVM_ISA_SLICE && step == VSVM_ISA_STEP_NEXT; n++) {
		if (r->since_check >= VSVM_ISA_STOP_INTERVAL) {
			fpu_leave(r);
			r->since_check = 0;
			if (r->ops->check_stop && r->ops->check_stop(r->ctx)) {
				r->res->status = VSVM_ISA_STOPPED;
				r->res->pc = w->pc;
				return false;
			}
		}
		step = isa_step(r, w);
	}
	fpu_leave(r);
	return step != VSVM_ISA_STEP_END;
}

/*
 * Starts wave @index of the group, whose lanes begin at local id @local
 * (x, y, z); advances @local past the wave's lanes. Clears the registers
 * the program may use (all it names, see isa_fill()), not all of them.
 */
static void isa_init_wave(struct vsvm_isa_engine *eng, unsigned int index,
			  unsigned int lanes, const struct drm_vsvm_dispatch *d,
			  const u32 group_id[3], u32 local[3])
{
	struct vsvm_isa_wave *w = &eng->waves[index];
	const u32 *gs = d->group_size;
	unsigned int i, k, n = min_t(unsigned int, lanes - index * VSVM_ISA_WAVE_LANES,
				     VSVM_ISA_WAVE_LANES);
	u64 base[3];

	/* v0-v6 are written whole below. */
	memset(w->s, 0, eng->sregs_used * sizeof(w->s[0]));
	memset(w->v[VSVM_ISA_VREGS_INIT], 0,
	       (eng->vregs_used - VSVM_ISA_VREGS_INIT) * sizeof(w->v[0]));
	for (i = 0; i < min_t(u32, d->num_args, VSVM_ISA_MAX_ARGS); i++)
		w->s[i] = d->args[i];
	for (k = 0; k < 3; k++) {
		w->s[16 + k] = group_id[k];
		w->s[19 + k] = gs[k];
		w->s[22 + k] = d->num_groups[k];
		base[k] = (u64)group_id[k] * gs[k];
	}
	if (n == VSVM_ISA_WAVE_LANES && local[0] + n <= gs[0]) {
		/* The common case: a whole wave along one row of x. */
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
			w->v[0][i] = base[0] + local[0] + i;
			w->v[1][i] = base[1] + local[1];
			w->v[2][i] = base[2] + local[2];
			w->v[3][i] = local[0] + i;
			w->v[4][i] = local[1];
			w->v[5][i] = local[2];
			w->v[6][i] = index * VSVM_ISA_WAVE_LANES + i;
		}
		local[0] += n;
		if (local[0] == gs[0]) {
			local[0] = 0;
			if (++local[1] == gs[1]) {
				local[1] = 0;
				local[2]++;
			}
		}
	} else {
		memset(w->v, 0, VSVM_ISA_VREGS_INIT * sizeof(w->v[0]));
		for (i = 0; i < n; i++) {
			for (k = 0; k < 3; k++) {
				w->v[k][i] = base[k] + local[k];
				w->v[3 + k][i] = local[k];
			}
			w->v[6][i] = index * VSVM_ISA_WAVE_LANES + i;
			/* The next lane's id: x first, carrying into y, then z. */
			if (++local[0] == gs[0]) {
				local[0] = 0;
				if (++local[1] == gs[1]) {
					local[1] = 0;
					local[2]++;
				}
			}
		}
	}
	w->exists = GENMASK(n - 1, 0);
	w->exec = w->exists;
	w->pc = d->entry;
	w->state = VSVM_ISA_WAVE_RUNNING;
}

/**
 * vsvm_isa_run_group() - run one workgroup of a dispatch to its end
 * @eng: the engine; its instruction cache holds what earlier groups of the
 *	same dispatch fetched
 * @d: the dispatch, validated by the ioctl (sizes, alignment, isa_version)
 * @group_id: the group's id in x, y and z
 * @ops: how to reach memory
 * @ctx: passed to @ops
 * @res: out, how the group ended
 *
 * Runs every wave of the group until all have executed s_endpgm, one of
 * them hits an error, or @ops->check_stop asks to stop. Allocates nothing.
 * Waits only in @ops. A dispatch the ioctl should have refused (a group of
 * no or too many lanes, a bad program size) ends as %VSVM_ISA_INVALID with
 * %VSVM_ISA_ERR_PC.
 */
void vsvm_isa_run_group(struct vsvm_isa_engine *eng,
			const struct drm_vsvm_dispatch *d, const u32 group_id[3],
			const struct vsvm_isa_mem_ops *ops, void *ctx,
			struct vsvm_isa_result *res)
{
	struct vsvm_isa_run r = {
		.eng = eng, .ops = ops, .ctx = ctx, .res = res,
		.version = d->isa_version,
	};
	u64 lanes = (u64)d->group_size[0] * d->group_size[1] * d->group_size[2];
	unsigned int nwaves, i, live, waiting;
	u32 local[3] = { 0, 0, 0 };

	memset(res, 0, sizeof(*res));
	if (d->code_ptr != eng->code_ptr || d->code_size != eng->code_size ||
	    d->isa_version != eng->code_version) {
		vsvm_isa_engine_reset(eng);
		eng->code_ptr = d->code_ptr;
		eng->code_size = d->code_size;
		eng->code_version = d->isa_version;
	}
	if (!lanes || lanes > VSVM_ISA_MAX_GROUP_LANES ||
	    d->group_size[0] > VSVM_ISA_MAX_GROUP_LANES ||
	    d->group_size[1] > VSVM_ISA_MAX_GROUP_LANES ||
	    d->code_size > DRM_VSVM_CODE_MAX_SIZE || d->code_size % 8 ||
	    d->code_ptr % 8 || d->entry % 8) {
		isa_invalid(&r, VSVM_ISA_ERR_PC, d->entry);
		return;
	}

	/* The LDS of a new group is all zero (see "Shared memory" above). */
	memset(eng->lds, 0, eng->lds_dirty);
	eng->lds_dirty = 0;

	nwaves = DIV_ROUND_UP(lanes, VSVM_ISA_WAVE_LANES);
	for (i = 0; i < nwaves; i++)
		isa_init_wave(eng, i, lanes, d, group_id, local);
	r.nwaves = nwaves;

	for (;;) {
		for (i = 0; i < nwaves; i++) {
			if (eng->waves[i].state == VSVM_ISA_WAVE_RUNNING &&
			    !isa_run_slice(&r, &eng->waves[i]))
				return;
		}
		live = 0;
		waiting = 0;
		for (i = 0; i < nwaves; i++) {
			if (eng->waves[i].state == VSVM_ISA_WAVE_ENDED)
				continue;
			live++;
			if (eng->waves[i].state == VSVM_ISA_WAVE_BARRIER)
				waiting++;
		}
		if (!live)
			break;
		if (waiting == live) {
			for (i = 0; i < nwaves; i++)
				if (eng->waves[i].state == VSVM_ISA_WAVE_BARRIER)
					eng->waves[i].state = VSVM_ISA_WAVE_RUNNING;
		}
	}
	res->status = VSVM_ISA_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_isa_run_group);
