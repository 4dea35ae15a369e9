// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the compute ISA interpreter, over a fake memory backend: a
 * kernel buffer that programs see at FAKE_BASE.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "vsvm_isa.h"

#define FAKE_BASE	0x7f1200000000ull
#define FAKE_SIZE	SZ_64K
#define CODE_OFF	0x1000
#define DATA_OFF	0x8000		/* args[0] of every program */
#define RO_OFF		0xf000		/* the last 4 KiB page is read-only */
#define DATA		(FAKE_BASE + DATA_OFF)
#define MAX_WORDS	512
#define SAFETY_STOPS	20000		/* a broken test fails instead of hanging */

/* Operand codes and encoding. */
#define SR(n)		VSVM_ISA_OP_SREG(n)
#define VR(n)		VSVM_ISA_OP_VREG(n)
#define EXEC		VSVM_ISA_OP_EXEC
#define LIT		VSVM_ISA_OP_LIT
#define LANEID		VSVM_ISA_OP_LANEID

#define ENC(opcode, d, a, b, imm) \
	((u64)(u8)(opcode) | (u64)(u8)(d) << VSVM_ISA_D_SHIFT | \
	 (u64)(u8)(a) << VSVM_ISA_A_SHIFT | (u64)(u8)(b) << VSVM_ISA_B_SHIFT | \
	 (u64)(u32)(imm) << VSVM_ISA_IMM_SHIFT)
#define I(op, d, a, b, imm)	ENC(VSVM_OP_##op, d, a, b, imm)
#define VCMP(type, cond)	(VSVM_OP_V_CMP_BASE + 8 * (type) + (cond))

struct isa_test {
	struct kunit *test;
	struct vsvm_isa_engine *eng;
	u8 *mem;
	unsigned int fetch_calls;
	unsigned int access_calls;
	unsigned int run_calls;		/* access_run calls that copied */
	unsigned int run_declined;	/* access_run calls that declined */
	const struct vsvm_isa_mem_ops *ops;
	unsigned int stop_calls;
	unsigned int stop_at;
	bool check_context;
	struct drm_vsvm_dispatch d;
	struct vsvm_isa_result res;
	/* The program being assembled, with forward branch fix-ups. */
	u64 prog[MAX_WORDS];
	unsigned int n;
	unsigned int label[16];
	unsigned int fix_at[16];
	unsigned int fix_label[16];
	unsigned int nfix;
};

/* --- the fake memory backend --- */

static bool fake_range(u64 addr, u64 len)
{
	return addr >= FAKE_BASE && len <= FAKE_SIZE &&
	       addr - FAKE_BASE <= FAKE_SIZE - len;
}

static u64 fake_read(const u8 *p, unsigned int size)
{
	switch (size) {
	case 1:
		return *p;
	case 2:
		return get_unaligned_le16(p);
	case 4:
		return get_unaligned_le32(p);
	default:
		return get_unaligned_le64(p);
	}
}

static void fake_write(u8 *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		*p = v;
		break;
	case 2:
		put_unaligned_le16(v, p);
		break;
	case 4:
		put_unaligned_le32(v, p);
		break;
	default:
		put_unaligned_le64(v, p);
		break;
	}
}

static u64 fake_atomic(enum vsvm_isa_atomic_op op, unsigned int size, u64 m,
		       u64 v, u64 cmp)
{
	s64 sm = sign_extend64(m, size * 8 - 1), sv = sign_extend64(v, size * 8 - 1);

	switch (op) {
	case VSVM_ATOMIC_ADD:
		return m + v;
	case VSVM_ATOMIC_MIN_U:
		return min(m, v);
	case VSVM_ATOMIC_MAX_U:
		return max(m, v);
	case VSVM_ATOMIC_MIN_I:
		return sm < sv ? m : v;
	case VSVM_ATOMIC_MAX_I:
		return sm > sv ? m : v;
	case VSVM_ATOMIC_AND:
		return m & v;
	case VSVM_ATOMIC_OR:
		return m | v;
	case VSVM_ATOMIC_XOR:
		return m ^ v;
	case VSVM_ATOMIC_XCHG:
		return v;
	default:
		return m == cmp ? v : m;
	}
}

/* The ops run outside FPU sections: preemptible, allowed to sleep. */
static void fake_check_context(struct isa_test *t)
{
	if (!t->check_context)
		return;
	might_sleep();
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_TRUE(t->test, preemptible());
}

static int fake_access(void *ctx, struct vsvm_isa_mem_req *req, u64 *fault_addr,
		       bool *fault_write)
{
	struct isa_test *t = ctx;
	bool write = req->kind != VSVM_ISA_MEM_LOAD;
	unsigned int i;

	fake_check_context(t);
	t->access_calls++;
	KUNIT_EXPECT_NE(t->test, req->lanes, 0);
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		u64 addr = req->addr[i], mask, operand;
		u8 *p;

		if (!(req->lanes & BIT(i)))
			continue;
		KUNIT_EXPECT_EQ(t->test, addr % req->size, 0);
		if (!fake_range(addr, req->size) ||
		    (write && addr - FAKE_BASE >= RO_OFF)) {
			*fault_addr = addr;
			*fault_write = write;
			return -EFAULT;
		}
		p = t->mem + (addr - FAKE_BASE);
		mask = req->size == 8 ? U64_MAX : BIT_ULL(req->size * 8) - 1;
		switch (req->kind) {
		case VSVM_ISA_MEM_LOAD:
			req->data[i] = fake_read(p, req->size);
			break;
		case VSVM_ISA_MEM_STORE:
			fake_write(p, req->size, req->data[i]);
			break;
		case VSVM_ISA_MEM_ATOMIC:
			operand = req->data[i];
			req->data[i] = fake_read(p, req->size);
			fake_write(p, req->size,
				   fake_atomic(req->atomic, req->size, req->data[i],
					       operand & mask, req->cmp[i] & mask) & mask);
			break;
		}
	}
	return 0;
}

static int fake_fetch(void *ctx, u64 addr, void *buf, size_t len, u64 *fault_addr)
{
	struct isa_test *t = ctx;

	fake_check_context(t);
	t->fetch_calls++;
	KUNIT_EXPECT_EQ(t->test, addr % 8, 0);
	KUNIT_EXPECT_GT(t->test, len, 0);
	KUNIT_EXPECT_LE(t->test, (addr & (SZ_4K - 1)) + len, SZ_4K);
	if (!fake_range(addr, len)) {
		*fault_addr = addr < FAKE_BASE ? addr : max(addr, FAKE_BASE + FAKE_SIZE);
		return -EFAULT;
	}
	memcpy(buf, t->mem + (addr - FAKE_BASE), len);
	return 0;
}

static bool fake_check_stop(void *ctx)
{
	struct isa_test *t = ctx;

	fake_check_context(t);
	return ++t->stop_calls >= t->stop_at;
}

/*
 * The fast path: declines what fake_access() would fault on (so that the
 * lane-by-lane path reports the fault), copies the rest.
 */
static bool fake_access_run(void *ctx, u64 addr, void *buf, unsigned int len,
			    unsigned int size, bool write)
{
	struct isa_test *t = ctx;

	fake_check_context(t);
	KUNIT_EXPECT_TRUE(t->test, size == 1 || size == 2 || size == 4 || size == 8);
	KUNIT_EXPECT_EQ(t->test, addr % size, 0);
	KUNIT_EXPECT_EQ(t->test, len % size, 0);
	KUNIT_EXPECT_GT(t->test, len, 0);
	KUNIT_EXPECT_LE(t->test, len, VSVM_ISA_WAVE_LANES * size);
	KUNIT_EXPECT_LE(t->test, (addr & (SZ_4K - 1)) + len, SZ_4K);
	if (!fake_range(addr, len) ||
	    (write && addr + len - FAKE_BASE > RO_OFF)) {
		t->run_declined++;
		return false;
	}
	t->run_calls++;
	if (write)
		memcpy(t->mem + (addr - FAKE_BASE), buf, len);
	else
		memcpy(buf, t->mem + (addr - FAKE_BASE), len);
	return true;
}

static const struct vsvm_isa_mem_ops fake_ops = {
	.access = fake_access,
	.fetch = fake_fetch,
	.check_stop = fake_check_stop,
	.access_run = fake_access_run,
};

/* Without the fast path: every access lane by lane. */
static const struct vsvm_isa_mem_ops fake_ops_lanes = {
	.access = fake_access,
	.fetch = fake_fetch,
	.check_stop = fake_check_stop,
};

/* --- programs --- */

static void emit(struct isa_test *t, u64 word)
{
	KUNIT_ASSERT_LT(t->test, t->n, MAX_WORDS);
	t->prog[t->n++] = word;
}

static void label(struct isa_test *t, unsigned int l)
{
	t->label[l] = t->n;
}

/* A branch to label @l, bound when the program is loaded. */
static void branch(struct isa_test *t, u8 opcode, u8 a, unsigned int l)
{
	KUNIT_ASSERT_LT(t->test, t->nfix, ARRAY_SIZE(t->fix_at));
	t->fix_at[t->nfix] = t->n;
	t->fix_label[t->nfix++] = l;
	emit(t, ENC(opcode, 0, a, 0, 0));
}

static void reset_program(struct isa_test *t)
{
	t->n = 0;
	t->nfix = 0;
	memset(t->label, 0xff, sizeof(t->label));
}

/* Copies the program to @off in the fake memory and sets up the dispatch. */
static void load_at(struct isa_test *t, unsigned int off)
{
	unsigned int i;

	for (i = 0; i < t->nfix; i++) {
		unsigned int at = t->fix_at[i];
		s32 rel = (s32)t->label[t->fix_label[i]] - (s32)(at + 1);

		KUNIT_ASSERT_NE(t->test, t->label[t->fix_label[i]], ~0u);
		t->prog[at] |= (u64)(u32)rel << VSVM_ISA_IMM_SHIFT;
	}
	t->nfix = 0;
	for (i = 0; i < t->n; i++)
		put_unaligned_le64(t->prog[i], t->mem + off + 8 * i);
	t->d.code_ptr = FAKE_BASE + off;
	t->d.code_size = 8 * t->n;
	t->d.entry = 0;
	t->d.isa_version = VSVM_ISA_VERSION;
}

static void set_group(struct isa_test *t, u32 x, u32 y, u32 z)
{
	t->d.group_size[0] = x;
	t->d.group_size[1] = y;
	t->d.group_size[2] = z;
}

/* Runs group @gid of the loaded program as a new dispatch. */
static void run_gid(struct isa_test *t, const u32 gid[3])
{
	vsvm_isa_engine_reset(t->eng);
	vsvm_isa_run_group(t->eng, &t->d, gid, t->ops, t, &t->res);
}

static void run(struct isa_test *t)
{
	static const u32 gid0[3];

	run_gid(t, gid0);
}

static void expect_done(struct isa_test *t)
{
	KUNIT_EXPECT_EQ(t->test, t->res.status, VSVM_ISA_DONE);
	KUNIT_EXPECT_EQ(t->test, t->res.error, VSVM_ISA_ERR_NONE);
}

static void expect_invalid(struct isa_test *t, enum vsvm_isa_error error, u64 pc)
{
	KUNIT_EXPECT_EQ(t->test, t->res.status, VSVM_ISA_INVALID);
	KUNIT_EXPECT_EQ(t->test, t->res.error, error);
	KUNIT_EXPECT_EQ(t->test, t->res.pc, pc);
}

static u64 *data64(struct isa_test *t, unsigned int off)
{
	return (u64 *)(t->mem + DATA_OFF + off);
}

static int vsvm_isa_test_init(struct kunit *test)
{
	struct isa_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->mem = kunit_kzalloc(test, FAKE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->mem);
	t->eng = vsvm_isa_engine_alloc();
	KUNIT_ASSERT_NOT_NULL(test, t->eng);
	t->test = test;
	t->stop_at = SAFETY_STOPS;
	t->check_context = true;
	t->ops = &fake_ops;
	set_group(t, VSVM_ISA_WAVE_LANES, 1, 1);
	t->d.num_groups[0] = 1;
	t->d.num_groups[1] = 1;
	t->d.num_groups[2] = 1;
	t->d.num_args = 1;
	t->d.args[0] = DATA;
	reset_program(t);
	test->priv = t;
	return 0;
}

static void vsvm_isa_test_exit(struct kunit *test)
{
	struct isa_test *t = test->priv;

	if (t)
		vsvm_isa_engine_free(t->eng);
}

/*
 * A one-instruction harness for the vector ALU: per lane i, A, B and the old
 * D are in[i], in[16 + i], in[32 + i]; the result goes to out[i]. s0 points
 * at in[], and exec is @exec.
 */
#define VIN(k)		(8 * VSVM_ISA_WAVE_LANES * (k))

static void run_vop(struct isa_test *t, u64 insn, u32 exec, const u64 *a,
		    const u64 *b, const u64 *d, u64 *out)
{
	unsigned int i;

	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		data64(t, VIN(0))[i] = a[i];
		data64(t, VIN(1))[i] = b ? b[i] : 0;
		data64(t, VIN(2))[i] = d ? d[i] : 0;
	}
	reset_program(t);
	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_LOAD_U64, VR(10), VR(8), 0, VIN(0)));
	emit(t, I(V_LOAD_U64, VR(11), VR(8), 0, VIN(1)));
	emit(t, I(V_LOAD_U64, VR(12), VR(8), 0, VIN(2)));
	emit(t, I(S_MOV, EXEC, LIT, 0, exec));
	emit(t, insn);
	emit(t, I(S_MOV, EXEC, LIT, 0, 0xffff));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(12), VIN(3)));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, VSVM_ISA_WAVE_LANES, 1, 1);
	run(t);
	expect_done(t);
	memcpy(out, data64(t, VIN(3)), 8 * VSVM_ISA_WAVE_LANES);
}

/* "op v12, v10, v11", or "op v12, v10" for a VOP1 opcode. */
static u64 vop_v12(u8 opcode)
{
	struct vsvm_isa_insn insn;
	u8 b = VR(11);

	vsvm_isa_decode(opcode, VSVM_ISA_VERSION, &insn);
	if (insn.format == VSVM_ISA_FMT_VOP1)
		b = 0;
	return ENC(opcode, VR(12), VR(10), b, 0);
}

/* --- decoding --- */

static void vsvm_isa_test_decode_opcodes(struct kunit *test)
{
	static const u8 ranges[][2] = {
		{ 0x01, 0x08 }, { 0x10, 0x20 }, { 0x26, 0x2f }, { 0x30, 0x4e },
		{ 0x50, 0x55 }, { 0x57, 0x57 }, { 0x60, 0x67 }, { 0x70, 0x75 },
		{ 0x78, 0x7d }, { 0x80, 0x85 }, { 0x88, 0x8d }, { 0x90, 0x95 },
		{ 0xa0, 0xa6 }, { 0xa8, 0xab }, { 0xb0, 0xb9 }, { 0xc0, 0xc9 },
		{ 0xd0, 0xd3 },
	};
	struct vsvm_isa_insn insn;
	unsigned int op, r, defined = 0;

	for (op = 0; op < 256; op++) {
		bool valid = false;
		enum vsvm_isa_error err;

		for (r = 0; r < ARRAY_SIZE(ranges); r++)
			valid |= op >= ranges[r][0] && op <= ranges[r][1];
		/* All-zero operands: never an opcode error for a defined opcode. */
		err = vsvm_isa_decode(op, 1, &insn);
		if (valid) {
			defined++;
			KUNIT_EXPECT_NE_MSG(test, err, VSVM_ISA_ERR_OPCODE, "opcode %#x", op);
			KUNIT_EXPECT_NE_MSG(test, insn.format, VSVM_ISA_FMT_INVALID,
					    "opcode %#x", op);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, err, VSVM_ISA_ERR_OPCODE, "opcode %#x", op);
		}
	}
	KUNIT_EXPECT_EQ(test, defined, 8 + 17 + 10 + 31 + 6 + 1 + 8 + 30 + 7 + 4 + 20 + 4);
	/* Compare conditions 6 and 7, atomic ops 10-15. */
	for (r = 0; r < 5; r++) {
		KUNIT_EXPECT_EQ(test, vsvm_isa_decode(VCMP(r, 6), 1, &insn), VSVM_ISA_ERR_OPCODE);
		KUNIT_EXPECT_EQ(test, vsvm_isa_decode(VCMP(r, 7), 1, &insn), VSVM_ISA_ERR_OPCODE);
	}
	for (op = 10; op < 16; op++) {
		KUNIT_EXPECT_EQ(test, vsvm_isa_decode(0xb0 + op, 1, &insn), VSVM_ISA_ERR_OPCODE);
		KUNIT_EXPECT_EQ(test, vsvm_isa_decode(0xc0 + op, 1, &insn), VSVM_ISA_ERR_OPCODE);
	}
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(0, 1, &insn), VSVM_ISA_ERR_OPCODE);
}

static void vsvm_isa_test_decode_valid(struct kunit *test)
{
	static const struct {
		u64 word;
		u8 format;
	} cases[] = {
		{ I(S_ENDPGM, 0, 0, 0, 0), VSVM_ISA_FMT_SOPP },
		{ I(S_BARRIER, 0, 0, 0, 0), VSVM_ISA_FMT_SOPP },
		{ I(S_BRANCH, 0, 0, 0, -3), VSVM_ISA_FMT_SOPP_BRANCH },
		{ I(S_CBRANCH_EXECZ, 0, 0, 0, 7), VSVM_ISA_FMT_SOPP_BRANCH },
		{ I(S_CBRANCH_Z, 0, SR(63), 0, 2), VSVM_ISA_FMT_SOPP_CBRANCH },
		{ I(S_CBRANCH_NZ, 0, EXEC, 0, 2), VSVM_ISA_FMT_SOPP_CBRANCH },
		{ I(S_MOV, EXEC, LIT, 0, 0xffff), VSVM_ISA_FMT_SOP1 },
		{ I(S_BCNT, SR(1), EXEC, 0, 0), VSVM_ISA_FMT_SOP1 },
		{ I(S_ADD, SR(2), LIT, LIT, 5), VSVM_ISA_FMT_SOP2 },
		{ I(S_CMP_GE_I, SR(2), SR(3), EXEC, 0), VSVM_ISA_FMT_SOP2 },
		{ I(V_MOV, VR(63), LANEID, 0, 0), VSVM_ISA_FMT_VOP1 },
		{ I(V_SQRT_F32, VR(1), LIT, 0, 0x40800000), VSVM_ISA_FMT_VOP1 },
		{ I(V_ADD_U32, VR(1), VR(2), SR(3), 0), VSVM_ISA_FMT_VOP2 },
		{ I(V_MAC_F32, VR(1), EXEC, LIT, 1), VSVM_ISA_FMT_VOP2 },
		{ I(V_CNDMASK, VR(1), LANEID, VR(2), EXEC), VSVM_ISA_FMT_VOP3 },
		{ I(V_CNDMASK, VR(1), SR(5), VR(2), SR(63)), VSVM_ISA_FMT_VOP3 },
		{ ENC(VCMP(VSVM_CMP_F32, VSVM_COND_GE), EXEC, VR(0), LIT, 9),
		  VSVM_ISA_FMT_VOPC },
		{ I(V_LOAD_I16, VR(3), SR(4), 0, -8), VSVM_ISA_FMT_VMEM_LOAD },
		{ I(V_STORE_B64, 0, VR(3), EXEC, 16), VSVM_ISA_FMT_VMEM_STORE },
		{ ENC(0xc9, VR(1), VR(2), SR(3), 4), VSVM_ISA_FMT_VATOMIC },
		{ I(S_LOAD_U64, SR(9), EXEC, 0, 8), VSVM_ISA_FMT_SMEM_LOAD },
		{ I(S_STORE_B32, 0, SR(1), SR(2), -4), VSVM_ISA_FMT_SMEM_STORE },
	};
	struct vsvm_isa_insn insn;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 w = cases[i].word;

		KUNIT_EXPECT_EQ_MSG(test, vsvm_isa_decode(w, 1, &insn), VSVM_ISA_ERR_NONE,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, insn.format, cases[i].format, "case %u", i);
		KUNIT_EXPECT_EQ(test, insn.opcode, (u8)w);
		KUNIT_EXPECT_EQ(test, insn.d, (u8)(w >> 8));
		KUNIT_EXPECT_EQ(test, insn.a, (u8)(w >> 16));
		KUNIT_EXPECT_EQ(test, insn.b, (u8)(w >> 24));
		KUNIT_EXPECT_EQ(test, insn.imm, (u32)(w >> 32));
	}
	vsvm_isa_decode(I(V_CNDMASK, VR(1), SR(5), VR(2), SR(42)), 1, &insn);
	KUNIT_EXPECT_EQ(test, insn.s, 42);
}

static void vsvm_isa_test_decode_bad_operands(struct kunit *test)
{
	static const u64 cases[] = {
		/* SOPP: every unused field must be 0. */
		I(S_ENDPGM, SR(1), 0, 0, 0),
		I(S_NOP, 0, SR(1), 0, 0),
		I(S_BARRIER, 0, 0, SR(1), 0),
		I(S_ENDPGM, 0, 0, 0, 1),
		I(S_BRANCH, 0, SR(1), 0, 1),
		I(S_CBRANCH_EXECNZ, SR(2), 0, 0, 1),
		I(S_CBRANCH_Z, 0, VR(0), 0, 1),
		I(S_CBRANCH_NZ, 0, LIT, 0, 1),
		I(S_CBRANCH_Z, 0, SR(1), SR(1), 1),
		/* SOP1/SOP2 */
		I(S_MOV, VR(0), SR(1), 0, 0),
		I(S_MOV, LIT, SR(1), 0, 0),
		I(S_MOV, LANEID, SR(1), 0, 0),
		I(S_MOV, SR(1), VR(1), 0, 0),
		I(S_MOV, SR(1), LANEID, 0, 0),
		I(S_MOV, SR(1), SR(2), SR(3), 0),
		I(S_MOV, SR(1), SR(2), 0, 7),
		I(S_ADD, SR(1), SR(2), VR(3), 0),
		I(S_ADD, SR(1), SR(2), 131, 0),
		I(S_ADD, SR(1), SR(2), SR(3), 1),
		/* VOP1/VOP2 */
		I(V_MOV, SR(0), VR(1), 0, 0),
		I(V_MOV, EXEC, VR(1), 0, 0),
		I(V_MOV, VR(0), 131, 0, 0),
		I(V_MOV, VR(0), 255, 0, 0),
		I(V_MOV, VR(0), VR(1), VR(1), 0),
		I(V_MOV, VR(0), VR(1), 0, 3),
		I(V_ADD_U32, VR(0), VR(1), 200, 0),
		I(V_ADD_U32, VR(0), VR(1), VR(2), 1),
		/* VOP3 */
		I(V_CNDMASK, VR(0), LIT, VR(1), SR(1)),
		I(V_CNDMASK, VR(0), VR(1), LIT, SR(1)),
		I(V_CNDMASK, VR(0), VR(1), VR(2), VR(1)),
		I(V_CNDMASK, VR(0), VR(1), VR(2), LIT),
		I(V_CNDMASK, VR(0), VR(1), VR(2), 0x100 | SR(1)),
		I(V_CNDMASK, SR(0), VR(1), VR(2), SR(1)),
		/* VOPC */
		ENC(VCMP(VSVM_CMP_U32, VSVM_COND_EQ), VR(0), VR(1), VR(2), 0),
		ENC(VCMP(VSVM_CMP_U32, VSVM_COND_EQ), LANEID, VR(1), VR(2), 0),
		ENC(VCMP(VSVM_CMP_I64, VSVM_COND_EQ), SR(0), VR(1), VR(2), 4),
		/* VMEM, VATOMIC */
		I(V_LOAD_U32, SR(1), VR(1), 0, 0),
		I(V_LOAD_U32, VR(1), LIT, 0, 0),
		I(V_LOAD_U32, VR(1), LANEID, 0, 0),
		I(V_LOAD_U32, VR(1), VR(2), SR(1), 0),
		I(V_STORE_B32, SR(1), VR(1), VR(2), 0),
		I(V_STORE_B32, 0, VR(1), LIT, 0),
		I(V_STORE_B32, 0, VR(1), LANEID, 0),
		ENC(0xb0, SR(1), VR(1), VR(2), 0),
		ENC(0xc0, VR(1), VR(1), LIT, 0),
		/* SMEM */
		I(S_LOAD_U32, EXEC, SR(1), 0, 0),
		I(S_LOAD_U32, VR(1), SR(1), 0, 0),
		I(S_LOAD_U32, SR(1), VR(1), 0, 0),
		I(S_LOAD_U64, SR(1), SR(1), SR(2), 0),
		I(S_STORE_B64, SR(1), SR(1), SR(2), 0),
		I(S_STORE_B64, 0, SR(1), VR(2), 0),
		I(S_STORE_B64, 0, LIT, SR(2), 0),
	};
	struct vsvm_isa_insn insn;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, vsvm_isa_decode(cases[i], 1, &insn),
				    VSVM_ISA_ERR_OPERAND, "case %u: %#llx", i, cases[i]);
}

/* --- execution --- */

static void vsvm_isa_test_scalar_alu(struct kunit *test)
{
	static const struct {
		u8 opcode;
		u64 expect;
	} cases[] = {
		{ VSVM_OP_S_MOV, 0xfffffffffffffff0ull },
		{ VSVM_OP_S_NOT, 0xf },
		{ VSVM_OP_S_ADD, 0x34 },
		{ VSVM_OP_S_SUB, 0xffffffffffffffacull },
		{ VSVM_OP_S_MUL, 0xfffffffffffffbc0ull },
		{ VSVM_OP_S_AND, 0x40 },
		{ VSVM_OP_S_OR, 0xfffffffffffffff4ull },
		{ VSVM_OP_S_XOR, 0xffffffffffffffb4ull },
		{ VSVM_OP_S_ANDN2, 0xffffffffffffffb0ull },
		{ VSVM_OP_S_SHL, 0xffffffffffffff00ull },	/* 68 & 63 = 4 */
		{ VSVM_OP_S_SHR, 0x0fffffffffffffffull },
		{ VSVM_OP_S_SAR, 0xffffffffffffffffull },
		{ VSVM_OP_S_MIN_U, 0x44 },
		{ VSVM_OP_S_MAX_U, 0xfffffffffffffff0ull },
		{ VSVM_OP_S_MIN_I, 0xfffffffffffffff0ull },
		{ VSVM_OP_S_MAX_I, 0x44 },
		{ VSVM_OP_S_BCNT, 60 },
		{ VSVM_OP_S_CMP_EQ, 0 },
		{ VSVM_OP_S_CMP_NE, 1 },
		{ VSVM_OP_S_CMP_LT_U, 0 },
		{ VSVM_OP_S_CMP_LE_U, 0 },
		{ VSVM_OP_S_CMP_GT_U, 1 },
		{ VSVM_OP_S_CMP_GE_U, 1 },
		{ VSVM_OP_S_CMP_LT_I, 1 },
		{ VSVM_OP_S_CMP_LE_I, 1 },
		{ VSVM_OP_S_CMP_GT_I, 0 },
		{ VSVM_OP_S_CMP_GE_I, 0 },
	};
	struct isa_test *t = test->priv;
	unsigned int i, n = ARRAY_SIZE(cases);

	t->d.num_args = 3;
	t->d.args[1] = 0xfffffffffffffff0ull;
	t->d.args[2] = 0x44;
	for (i = 0; i < n; i++) {
		u8 b = SR(2);

		if (cases[i].opcode == VSVM_OP_S_MOV || cases[i].opcode == VSVM_OP_S_NOT ||
		    cases[i].opcode == VSVM_OP_S_BCNT)
			b = 0;	/* SOP1 */
		emit(t, ENC(cases[i].opcode, SR(10), SR(1), b, 0));
		emit(t, I(S_STORE_B64, 0, SR(0), SR(10), 8 * i));
	}
	/* Literals: sign-extended; A and B both the literal read one value. */
	emit(t, I(S_ADD, SR(11), SR(1), LIT, -1));
	emit(t, I(S_STORE_B64, 0, SR(0), SR(11), 8 * n));
	emit(t, I(S_ADD, SR(11), LIT, LIT, 5));
	emit(t, I(S_STORE_B64, 0, SR(0), SR(11), 8 * (n + 1)));
	/* exec keeps only existing lanes (5 here); the compare equal values. */
	emit(t, I(S_MOV, EXEC, LIT, 0, -1));
	emit(t, I(S_STORE_B64, 0, SR(0), EXEC, 8 * (n + 2)));
	emit(t, I(S_CMP_LE_I, SR(12), SR(2), LIT, 0x44));
	emit(t, I(S_STORE_B64, 0, SR(0), SR(12), 8 * (n + 3)));
	emit(t, I(S_SHL, SR(12), LIT, SR(2), 1));
	emit(t, I(S_STORE_B64, 0, SR(0), SR(12), 8 * (n + 4)));
	emit(t, I(S_ANDN2, EXEC, EXEC, LIT, 0x6));
	emit(t, I(S_STORE_B64, 0, SR(0), EXEC, 8 * (n + 5)));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 5, 1, 1);
	run(t);
	expect_done(t);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[i], cases[i].expect,
				    "opcode %#x", cases[i].opcode);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n], 0xffffffffffffffefull);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n + 1], 10);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n + 2], 0x1f);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n + 3], 1);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n + 4], 0x10);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[n + 5], 0x19);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 2 * n + 13);
}

/* Operands for the integer tests: edge values of both widths. */
static const u64 int_a[VSVM_ISA_WAVE_LANES] = {
	0, 1, 7, 0xffffffff, 0x80000000, 0x7fffffff, 100, 0xfffffffffffffff6ull,
	0x8000000000000000ull, 0x123456789abcdef0ull, 12345, 0xffffffff00000005ull,
	3, 0x100000000ull, 0xdeadbeef, 0x7fffffffffffffffull,
};

static const u64 int_b[VSVM_ISA_WAVE_LANES] = {
	0, 0, 2, 1, 31, 33, 0, 3, 0x8000000000000001ull, 64 + 4, 100,
	0xfffffffffffffffbull, 0x80000001, 0x100000000ull, 16, 0xffffffffffffffffull,
};

static u64 ref_int(u8 op, u64 a, u64 b)
{
	u32 a32 = a, b32 = b;
	s32 sa = a32, sb = b32;

	switch (op) {
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
		return (u32)(a32 << (b32 % 32));
	case VSVM_OP_V_SHR_B32:
		return a32 >> (b32 % 32);
	case VSVM_OP_V_SAR_I32:
		return (u32)(sa >> (b32 % 32));
	case VSVM_OP_V_MIN_U32:
		return a32 < b32 ? a32 : b32;
	case VSVM_OP_V_MAX_U32:
		return a32 > b32 ? a32 : b32;
	case VSVM_OP_V_MIN_I32:
		return (u32)(sa < sb ? sa : sb);
	case VSVM_OP_V_MAX_I32:
		return (u32)(sa > sb ? sa : sb);
	case VSVM_OP_V_DIV_U32:
		return b32 ? a32 / b32 : 0xffffffff;
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
		return a << (b % 64);
	case VSVM_OP_V_SHR_B64:
		return a >> (b % 64);
	case VSVM_OP_V_SAR_I64:
		return (u64)((s64)a >> (b % 64));
	case VSVM_OP_V_MIN_U64:
		return a < b ? a : b;
	case VSVM_OP_V_MAX_U64:
		return a > b ? a : b;
	case VSVM_OP_V_MIN_I64:
		return (s64)a < (s64)b ? a : b;
	case VSVM_OP_V_MAX_I64:
		return (s64)a > (s64)b ? a : b;
	case VSVM_OP_V_DIV_U64:
		return b ? a / b : ~0ull;
	case VSVM_OP_V_REM_U64:
		return b ? a % b : a;
	case VSVM_OP_V_CVT_U64_U32:
		return a32;
	default:
		return (u64)(s64)sa;	/* VSVM_OP_V_CVT_I64_I32 */
	}
}

static void vsvm_isa_test_vector_int(struct kunit *test)
{
	struct isa_test *t = test->priv;
	u64 out[VSVM_ISA_WAVE_LANES], old[VSVM_ISA_WAVE_LANES];
	unsigned int op, i;

	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
		old[i] = 0x5555000000000000ull + i;
	for (op = VSVM_OP_V_MOV; op <= VSVM_OP_V_CVT_I64_I32; op++) {
		if (op == 0x4f)
			continue;
		/* Lane 13 is inactive and keeps its old value. */
		run_vop(t, vop_v12(op), 0xdfff, int_a, int_b, old, out);
		for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
			KUNIT_EXPECT_EQ_MSG(test, out[i],
					    i == 13 ? old[i] : ref_int(op, int_a[i], int_b[i]),
					    "opcode %#x lane %u", op, i);
	}
	/* Spot checks independent of the reference. */
	run_vop(t, I(V_DIV_U32, VR(12), VR(10), VR(11), 0), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[0], 0xffffffff);	/* 0 / 0 */
	KUNIT_EXPECT_EQ(test, out[2], 3);
	run_vop(t, I(V_REM_U64, VR(12), VR(10), VR(11), 0), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[6], 100);		/* 100 % 0 */
	run_vop(t, I(V_SAR_I32, VR(12), VR(10), VR(11), 0), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[4], 0xffffffff);	/* 0x80000000 >> 31 */
	KUNIT_EXPECT_EQ(test, out[5], 0x3fffffff);	/* >> (33 & 31) */
	run_vop(t, I(V_MIN_I64, VR(12), VR(10), VR(11), 0), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[8], 0x8000000000000000ull);
	run_vop(t, I(V_CVT_I64_I32, VR(12), VR(10), 0, 0), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[4], 0xffffffff80000000ull);
	/* Scalar, literal and laneid operands reach every lane. */
	run_vop(t, I(V_ADD_U64, VR(12), LANEID, LIT, -2), 0xffff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[0], (u64)-2);
	KUNIT_EXPECT_EQ(test, out[15], 13);
	run_vop(t, I(V_MUL_U32, VR(12), SR(0), EXEC, 0), 0x00ff, int_a, int_b, old, out);
	KUNIT_EXPECT_EQ(test, out[3], lower_32_bits(DATA) * 0xff);
	KUNIT_EXPECT_EQ(test, out[8], old[8]);
}

struct fcase {
	u8 opcode;
	u32 a, b, d, expect;
};

#define F_ONE		0x3f800000u
#define F_TWO		0x40000000u
#define F_HALF		0x3f000000u
#define F_INF		0x7f800000u
#define F_NINF		0xff800000u
#define F_QNAN		0x7fc00000u

static void vsvm_isa_test_float(struct kunit *test)
{
	static const struct fcase cases[] = {
		{ VSVM_OP_V_ADD_F32, 0x3fc00000, 0x40100000, 0, 0x40700000 },	/* 1.5 + 2.25 */
		{ VSVM_OP_V_ADD_F32, F_INF, F_NINF, 0, F_QNAN },
		{ VSVM_OP_V_ADD_F32, 0x7fa00001, F_ONE, 0, F_QNAN },	/* sNaN payload */
		{ VSVM_OP_V_ADD_F32, 0xffc12345, F_ONE, 0, F_QNAN },
		{ VSVM_OP_V_SUB_F32, F_ONE, F_TWO, 0, 0xbf800000 },
		{ VSVM_OP_V_MUL_F32, 0x00800000, F_HALF, 0, 0x00400000 },	/* subnormal */
		{ VSVM_OP_V_MUL_F32, 0x00000001, F_HALF, 0, 0 },	/* ties to even */
		{ VSVM_OP_V_MUL_F32, 0x00000003, F_HALF, 0, 0x00000002 },
		{ VSVM_OP_V_MUL_F32, 0, F_INF, 0, F_QNAN },
		{ VSVM_OP_V_DIV_F32, F_ONE, 0, 0, F_INF },
		{ VSVM_OP_V_DIV_F32, 0xbf800000, 0, 0, F_NINF },
		{ VSVM_OP_V_DIV_F32, 0, 0, 0, F_QNAN },
		{ VSVM_OP_V_DIV_F32, F_ONE, 0x40400000, 0, 0x3eaaaaab },	/* 1/3 */
		{ VSVM_OP_V_MIN_F32, F_QNAN, F_TWO, 0, F_TWO },
		{ VSVM_OP_V_MIN_F32, F_ONE, 0x7f812345, 0, F_ONE },
		{ VSVM_OP_V_MIN_F32, 0x7f812345, 0xffc00001, 0, F_QNAN },
		{ VSVM_OP_V_MIN_F32, F_ONE, F_NINF, 0, F_NINF },
		{ VSVM_OP_V_MAX_F32, F_QNAN, F_TWO, 0, F_TWO },
		{ VSVM_OP_V_MAX_F32, F_ONE, F_TWO, 0, F_TWO },
		{ VSVM_OP_V_MAX_F32, 0xbf800000, 0xc0000000, 0, 0xbf800000 },
		/* Two roundings: fused would give 2^-24. */
		{ VSVM_OP_V_MAC_F32, 0x3f800800, 0x3f800800, 0xbf801000, 0 },
		{ VSVM_OP_V_MAC_F32, F_TWO, 0x40400000, F_ONE, 0x40e00000 },	/* 2*3+1 */
		{ VSVM_OP_V_MAC_F32, F_INF, 0, F_ONE, F_QNAN },
		{ VSVM_OP_V_SQRT_F32, 0x40800000, 0, 0, F_TWO },
		{ VSVM_OP_V_SQRT_F32, F_TWO, 0, 0, 0x3fb504f3 },
		{ VSVM_OP_V_SQRT_F32, 0xbf800000, 0, 0, F_QNAN },
		{ VSVM_OP_V_SQRT_F32, 0x80000000, 0, 0, 0x80000000 },
		{ VSVM_OP_V_SQRT_F32, F_INF, 0, 0, F_INF },
		{ VSVM_OP_V_CVT_F32_U32, 0xffffffff, 0, 0, 0x4f800000 },
		{ VSVM_OP_V_CVT_F32_U32, 16777217, 0, 0, 0x4b800000 },
		{ VSVM_OP_V_CVT_F32_U32, 3, 0, 0, 0x40400000 },
		{ VSVM_OP_V_CVT_F32_I32, 0xffffffff, 0, 0, 0xbf800000 },
		{ VSVM_OP_V_CVT_F32_I32, 0x80000000, 0, 0, 0xcf000000 },
		{ VSVM_OP_V_CVT_U32_F32, F_QNAN, 0, 0, 0 },
		{ VSVM_OP_V_CVT_U32_F32, 0xc0a00000, 0, 0, 0 },		/* -5 */
		{ VSVM_OP_V_CVT_U32_F32, 0xbf000000, 0, 0, 0 },		/* -0.5 */
		{ VSVM_OP_V_CVT_U32_F32, 0x501502f9, 0, 0, 0xffffffff },	/* 1e10 */
		{ VSVM_OP_V_CVT_U32_F32, F_INF, 0, 0, 0xffffffff },
		{ VSVM_OP_V_CVT_U32_F32, 0x4079999a, 0, 0, 3 },		/* 3.9 */
		{ VSVM_OP_V_CVT_U32_F32, 0x4f7fffff, 0, 0, 0xffffff00 },
		{ VSVM_OP_V_CVT_I32_F32, F_NINF, 0, 0, 0x80000000 },
		{ VSVM_OP_V_CVT_I32_F32, F_INF, 0, 0, 0x7fffffff },
		{ VSVM_OP_V_CVT_I32_F32, 0xc079999a, 0, 0, 0xfffffffd },	/* -3.9 */
		{ VSVM_OP_V_CVT_I32_F32, 0xffc00000, 0, 0, 0 },
		{ VSVM_OP_V_CVT_I32_F32, 0xcf000000, 0, 0, 0x80000000 },	/* -2^31 */
		{ VSVM_OP_V_CVT_I32_F32, 0x4f000000, 0, 0, 0x7fffffff },	/* 2^31 */
	};
	struct isa_test *t = test->priv;
	u64 a[VSVM_ISA_WAVE_LANES], b[VSVM_ISA_WAVE_LANES], d[VSVM_ISA_WAVE_LANES];
	u64 out[VSVM_ISA_WAVE_LANES];
	unsigned int i, lane;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		/* Upper halves are garbage that float operations must ignore. */
		for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
			a[lane] = 0xaaaa000000000000ull | cases[i].a;
			b[lane] = 0xbbbb000000000000ull | cases[i].b;
			d[lane] = 0xcccc000000000000ull | cases[i].d;
		}
		run_vop(t, vop_v12(cases[i].opcode), 0x7fff, a, b, d, out);
		KUNIT_EXPECT_EQ_MSG(test, out[0], cases[i].expect, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[14], cases[i].expect, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[15], d[15], "case %u", i);
	}
	/* A float literal. */
	run_vop(t, I(V_MUL_F32, VR(12), LIT, LIT, 0x40400000), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[3], 0x41100000);	/* 3 * 3 */
}

static void vsvm_isa_test_float_sections(struct kunit *test)
{
	struct isa_test *t = test->priv;
	unsigned int i;

	/*
	 * Long runs of float instructions, memory accesses between them and
	 * check_stop in the middle: the ops must run outside FPU sections
	 * (the fake ops check that they are preemptible).
	 */
	emit(t, I(V_MOV, VR(10), LIT, 0, F_ONE));
	emit(t, I(S_MOV, SR(5), LIT, 0, 20));
	label(t, 0);
	for (i = 0; i < 40; i++)
		emit(t, I(V_ADD_F32, VR(10), VR(10), LIT, F_ONE));
	emit(t, I(V_STORE_B32, 0, SR(0), VR(10), 0));
	emit(t, I(V_LOAD_U32, VR(11), SR(0), 0, 0));
	emit(t, I(V_CVT_U32_F32, VR(12), VR(11), 0, 0));
	emit(t, I(S_SUB, SR(5), SR(5), LIT, 1));
	branch(t, VSVM_OP_S_CBRANCH_NZ, SR(5), 0);
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(7), VR(7), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(7), VR(12), 8));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_GE(test, t->stop_calls, 3);	/* about 900 instructions */
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
		KUNIT_EXPECT_EQ(test, data64(t, 8)[i], 801);
}

static void vsvm_isa_test_compare(struct kunit *test)
{
	static const u64 ca[VSVM_ISA_WAVE_LANES] = {
		1, 2, 3, 0xffffffff, 0x80000000, 5, 0x100000001ull, 0xffffffffffffffffull,
		F_ONE, F_QNAN, 0x80000000, F_NINF, 9, 9, 9, 9,
	};
	static const u64 cb[VSVM_ISA_WAVE_LANES] = {
		1, 1, 4, 1, 0x7fffffff, 5, 1, 1,
		F_TWO, F_QNAN, 0, F_INF, 9, 8, 10, 9,
	};
	struct isa_test *t = test->priv;
	unsigned int type, cond, lane, k = 0;
	u32 exec = 0x7fff;	/* lane 15 (equal operands) is inactive */

	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
		data64(t, VIN(0))[lane] = ca[lane];
		data64(t, VIN(1))[lane] = cb[lane];
	}
	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_LOAD_U64, VR(10), VR(8), 0, VIN(0)));
	emit(t, I(V_LOAD_U64, VR(11), VR(8), 0, VIN(1)));
	emit(t, I(S_MOV, SR(20), EXEC, 0, 0));
	for (type = 0; type <= VSVM_CMP_F32; type++) {
		for (cond = 0; cond <= VSVM_COND_GE; cond++) {
			emit(t, I(S_MOV, EXEC, LIT, 0, exec));
			emit(t, I(S_MOV, SR(10), LIT, 0, -1));
			emit(t, ENC(VCMP(type, cond), SR(10), VR(10), VR(11), 0));
			emit(t, I(S_STORE_B64, 0, SR(0), SR(10), VIN(2) + 8 * k++));
		}
	}
	/* D = exec narrows exec; then a compare of a literal. */
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_LT), EXEC, LANEID, LIT, 10));
	emit(t, I(S_STORE_B64, 0, SR(0), EXEC, VIN(2) + 8 * k++));
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_GE), EXEC, LANEID, LIT, 4));
	emit(t, I(S_STORE_B64, 0, SR(0), EXEC, VIN(2) + 8 * k++));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);

	/* Integer types: every active lane against a plain C comparison. */
	for (type = 0; type < VSVM_CMP_F32; type++) {
		for (cond = 0; cond <= VSVM_COND_GE; cond++) {
			u32 expect = 0;

			for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
				u64 a = ca[lane], b = cb[lane];
				int o;

				if (!(exec & BIT(lane)))
					continue;
				if (type == VSVM_CMP_U32)
					o = (u32)a < (u32)b ? -1 : (u32)a > (u32)b;
				else if (type == VSVM_CMP_I32)
					o = (s32)a < (s32)b ? -1 : (s32)a > (s32)b;
				else if (type == VSVM_CMP_U64)
					o = a < b ? -1 : a > b;
				else
					o = (s64)a < (s64)b ? -1 : (s64)a > (s64)b;
				if ((cond == VSVM_COND_EQ && o == 0) ||
				    (cond == VSVM_COND_NE && o != 0) ||
				    (cond == VSVM_COND_LT && o < 0) ||
				    (cond == VSVM_COND_LE && o <= 0) ||
				    (cond == VSVM_COND_GT && o > 0) ||
				    (cond == VSVM_COND_GE && o >= 0))
					expect |= BIT(lane);
			}
			KUNIT_EXPECT_EQ_MSG(test, data64(t, VIN(2))[type * 6 + cond], expect,
					    "type %u cond %u", type, cond);
		}
	}
	/* i32 vs u32 on lane 4: 0x80000000 vs 0x7fffffff. */
	KUNIT_EXPECT_TRUE(test, data64(t, VIN(2))[6 + VSVM_COND_LT] & BIT(4));
	KUNIT_EXPECT_TRUE(test, data64(t, VIN(2))[VSVM_COND_GT] & BIT(4));
	/* f32 on lanes 8-14: 1 < 2, NaN, -0 == +0, -inf < inf, 9 ulps vs 9/8/10. */
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_LT] & 0xff00, 0x4900);
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_LE] & 0xff00, 0x5d00);
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_GT] & 0xff00, 0x2000);
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_GE] & 0xff00, 0x3400);
	/* Lane 15 is inactive: its bit is clear even where the compare holds. */
	for (k = 0; k < 30; k++)
		KUNIT_EXPECT_FALSE(test, data64(t, VIN(2))[k] & ~0x7fffull);
	/* f32: 1 < 2, NaN unordered, -0 == +0, -inf < inf, 9 vs 9/8/10. */
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_EQ] & 0xff00, 0x1400);
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[24 + VSVM_COND_NE] & 0xff00, 0x6b00);
	/* D = exec: the lanes below 10, then of those the ones from 4. */
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[30], 0x3ff);
	KUNIT_EXPECT_EQ(test, data64(t, VIN(2))[31], 0x3f0);
}

static void vsvm_isa_test_cndmask(struct kunit *test)
{
	struct isa_test *t = test->priv;
	u64 a[VSVM_ISA_WAVE_LANES], b[VSVM_ISA_WAVE_LANES], d[VSVM_ISA_WAVE_LANES];
	u64 out[VSVM_ISA_WAVE_LANES];
	unsigned int i;

	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
		a[i] = 0xa000 + i;
		b[i] = 0xb000 + i;
		d[i] = 0xd000 + i;
	}
	/* S = s0 (DATA, 0x...8000: only bit 15 set of the low 16). */
	run_vop(t, I(V_CNDMASK, VR(12), VR(10), VR(11), SR(0)), 0xffff, a, b, d, out);
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
		KUNIT_EXPECT_EQ(test, out[i], (i == 15 ? 0xb000 : 0xa000) + i);
	/* S = exec, with lanes 0-3 inactive: they keep D. */
	run_vop(t, I(V_CNDMASK, VR(12), VR(10), LANEID, EXEC), 0x0ff0, a, b, d, out);
	for (i = 0; i < VSVM_ISA_WAVE_LANES; i++)
		KUNIT_EXPECT_EQ(test, out[i], i < 4 || i > 11 ? d[i] : i);
}

static void vsvm_isa_test_loads(struct kunit *test)
{
	static const u8 loads[] = {
		VSVM_OP_V_LOAD_U8, VSVM_OP_V_LOAD_U16, VSVM_OP_V_LOAD_U32,
		VSVM_OP_V_LOAD_U64, VSVM_OP_V_LOAD_I8, VSVM_OP_V_LOAD_I16,
		VSVM_OP_V_LOAD_I32,
	};
	static const u64 expect[][2] = {	/* lane 0 (0x...80 bytes), lane 1 */
		{ 0x80, 0x11 }, { 0x8180, 0x2211 }, { 0x83828180, 0x44332211 },
		{ 0x8786858483828180ull, 0x0877665544332211ull },
		{ 0xffffffffffffff80ull, 0x11 }, { 0xffffffffffff8180ull, 0x2211 },
		{ 0xffffffff83828180ull, 0x44332211 },
	};
	struct isa_test *t = test->priv;
	unsigned int i, lane;

	data64(t, 0)[0] = 0x8786858483828180ull;
	data64(t, 0)[1] = 0x0877665544332211ull;
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_AND_B64, VR(9), VR(7), LIT, 8));	/* lanes alternate the source */
	emit(t, I(V_ADD_U64, VR(9), VR(9), SR(0), 0));
	emit(t, I(S_MOV, EXEC, LIT, 0, 0x7fff));
	for (i = 0; i < ARRAY_SIZE(loads); i++) {
		emit(t, I(V_MOV, VR(10), LIT, 0, 0x5a5a));
		emit(t, ENC(loads[i], VR(10), VR(9), 0, 0));
		emit(t, I(V_STORE_B64, 0, VR(8), VR(10), 0x100 * (i + 1)));
	}
	/* A scalar address and a negative offset: the same address in every lane. */
	emit(t, I(S_ADD, SR(3), SR(0), LIT, 16));
	emit(t, I(V_LOAD_U32, VR(11), SR(3), 0, -12));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(11), 0x800));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);
	for (i = 0; i < ARRAY_SIZE(loads); i++) {
		for (lane = 0; lane < 15; lane++)
			KUNIT_EXPECT_EQ_MSG(test, data64(t, 0x100 * (i + 1))[lane],
					    expect[i][lane & 1], "load %u lane %u", i, lane);
		/* Lane 15 is inactive: it neither loaded nor stored. */
		KUNIT_EXPECT_EQ(test, data64(t, 0x100 * (i + 1))[15], 0);
	}
	KUNIT_EXPECT_EQ(test, data64(t, 0x800)[0], 0x87868584);
	KUNIT_EXPECT_EQ(test, data64(t, 0x800)[14], 0x87868584);
}

static void vsvm_isa_test_stores(struct kunit *test)
{
	struct isa_test *t = test->priv;
	u8 *bytes = (u8 *)data64(t, 0);
	unsigned int lane;

	memset(bytes, 0xcc, 0x400);
	/* Lane i stores at DATA + 0x100 * size_index + 8 * i. */
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_MOV, VR(10), LIT, 0, 0x11223344));
	emit(t, I(V_SHL_B64, VR(10), VR(10), LIT, 32));
	emit(t, I(V_OR_B64, VR(10), VR(10), LIT, 0x55667788));
	emit(t, I(V_ADD_U64, VR(10), VR(10), LANEID, 0));
	emit(t, I(S_MOV, EXEC, LIT, 0, 0xbfff));	/* lane 14 inactive */
	emit(t, I(V_STORE_B8, 0, VR(8), VR(10), 0));
	emit(t, I(V_STORE_B16, 0, VR(8), VR(10), 0x100));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(10), 0x200));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(10), 0x300));
	/* exec 0: no lane stores, no access at all. */
	emit(t, I(S_MOV, EXEC, LIT, 0, 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(10), 0x400));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->access_calls, 4);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
		u64 v = 0x1122334455667788ull + lane;

		if (lane == 14) {
			KUNIT_EXPECT_EQ(test, data64(t, 0x300)[lane], 0xccccccccccccccccull);
			continue;
		}
		KUNIT_EXPECT_EQ(test, data64(t, 0)[lane], 0xcccccccccccccc00ull | (u8)v);
		KUNIT_EXPECT_EQ(test, data64(t, 0x100)[lane],
				0xcccccccccccc0000ull | (u16)v);
		KUNIT_EXPECT_EQ(test, data64(t, 0x200)[lane],
				0xcccccccc00000000ull | (u32)v);
		KUNIT_EXPECT_EQ(test, data64(t, 0x300)[lane], v);
	}
}

struct atomic_case {
	u8 op;
	u64 mem, b, d, after;
};

/*
 * The 64-bit cases, for global memory and the LDS: carries across 32 bits,
 * signed and unsigned orders that differ, cmpxchg on all 64 bits of D.
 */
static const struct atomic_case atomic_cases64[] = {
	{ VSVM_ATOMIC_ADD, 0xffffffffffffffffull, 2, 0, 1 },
	{ VSVM_ATOMIC_ADD, 0xffffffffull, 1, 0, 0x100000000ull },
	{ VSVM_ATOMIC_MIN_U, 0x8000000000000000ull, 5, 0, 5 },
	{ VSVM_ATOMIC_MAX_U, 0x8000000000000000ull, 5, 0, 0x8000000000000000ull },
	{ VSVM_ATOMIC_MIN_U, 0xfffffffffffffffeull, 3, 0, 3 },
	{ VSVM_ATOMIC_MIN_I, 0x8000000000000000ull, 5, 0, 0x8000000000000000ull },
	{ VSVM_ATOMIC_MIN_I, 3, 0xfffffffffffffffeull, 0, 0xfffffffffffffffeull },
	{ VSVM_ATOMIC_MAX_I, 0x80000000, 5, 0, 0x80000000 },
	{ VSVM_ATOMIC_MAX_I, 0xfffffffffffffffeull, 3, 0, 3 },
	{ VSVM_ATOMIC_AND, 0xff00ff00ff00ff00ull, 0x0ff0, 0, 0x0f00 },
	{ VSVM_ATOMIC_OR, 0xff00000000000000ull, 0x1, 0, 0xff00000000000001ull },
	{ VSVM_ATOMIC_XOR, 0xffffffffffffffffull, 0xf, 0, 0xfffffffffffffff0ull },
	{ VSVM_ATOMIC_XCHG, 1, 0x123456789ull, 0, 0x123456789ull },
	{ VSVM_ATOMIC_CMPXCHG, 0x100000005ull, 9, 0x100000005ull, 9 },
	{ VSVM_ATOMIC_CMPXCHG, 0x100000005ull, 9, 0x5, 0x100000005ull },
};

static void vsvm_isa_test_atomics(struct kunit *test)
{
	/* Per op: memory before, operand B, old D, memory after (D gets m). */
	static const struct atomic_case cases32[] = {
		{ VSVM_ATOMIC_ADD, 0xfffffffe, 3, 0, 1 },
		{ VSVM_ATOMIC_MIN_U, 0x80000000, 5, 0, 5 },
		{ VSVM_ATOMIC_MAX_U, 0x80000000, 5, 0, 0x80000000 },
		{ VSVM_ATOMIC_MIN_I, 0x80000000, 5, 0, 0x80000000 },
		{ VSVM_ATOMIC_MAX_I, 0x80000000, 5, 0, 5 },
		{ VSVM_ATOMIC_AND, 0xff00ff00, 0x0ff0, 0, 0x0f00 },
		{ VSVM_ATOMIC_OR, 0xff00ff00, 0x0ff0, 0, 0xff00fff0 },
		{ VSVM_ATOMIC_XOR, 0xff00ff00, 0x0ff0, 0, 0xff00f0f0 },
		{ VSVM_ATOMIC_XCHG, 0x12345678, 0x9abcdef0, 0, 0x9abcdef0 },
		/* cmpxchg compares the low 32 bits of D */
		{ VSVM_ATOMIC_CMPXCHG, 0x12345678, 0x77, 0xffff000012345678ull, 0x77 },
		{ VSVM_ATOMIC_CMPXCHG, 0x12345678, 0x77, 0x12345679, 0x12345678 },
	};
	struct isa_test *t = test->priv;
	unsigned int i, lane, size;

	for (size = 4; size <= 8; size += 4) {
		const struct atomic_case *cases = atomic_cases64;
		unsigned int n = ARRAY_SIZE(atomic_cases64);
		u64 hi = 0;

		if (size == 4) {
			cases = cases32;
			n = ARRAY_SIZE(cases32);
			hi = 0xeeeeeeee00000000ull;	/* beyond the access */
		}
		for (i = 0; i < n; i++) {
			u8 op = cases[i].op;
			u64 mem = cases[i].mem, b = cases[i].b, d = cases[i].d;
			u64 after = cases[i].after;

			for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
				data64(t, VIN(0))[lane] = hi | mem;
				data64(t, VIN(1))[lane] = b;
				data64(t, VIN(2))[lane] = d;
			}
			reset_program(t);
			emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
			emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
			emit(t, I(V_LOAD_U64, VR(11), VR(8), 0, VIN(1)));
			emit(t, I(V_LOAD_U64, VR(12), VR(8), 0, VIN(2)));
			emit(t, I(S_MOV, EXEC, LIT, 0, 0xfffe));	/* lane 0 off */
			emit(t, ENC((size == 4 ? VSVM_OP_V_ATOMIC32_BASE :
				     VSVM_OP_V_ATOMIC64_BASE) + op,
				    VR(12), VR(8), VR(11), 0));
			emit(t, I(V_STORE_B64, 0, VR(8), VR(12), VIN(3)));
			emit(t, I(S_ENDPGM, 0, 0, 0, 0));
			load_at(t, CODE_OFF);
			run(t);
			expect_done(t);
			for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
				bool on = lane != 0;

				KUNIT_EXPECT_EQ_MSG(test, data64(t, VIN(0))[lane],
						    hi | (on ? after : mem),
						    "size %u case %u lane %u", size, i, lane);
				if (on)
					KUNIT_EXPECT_EQ_MSG(test, data64(t, VIN(3))[lane], mem,
							    "size %u case %u", size, i);
			}
		}
	}

	/* Every lane on one counter, in lane order: D is the running sum. */
	reset_program(t);
	data64(t, 0)[0] = 0;
	emit(t, I(V_ADD_U32, VR(11), LANEID, LIT, 1));
	emit(t, I(V_ATOMIC32_BASE, VR(12), SR(0), VR(11), 0));
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(12), 8));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[0], 136);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++)
		KUNIT_EXPECT_EQ(test, data64(t, 8)[lane], lane * (lane + 1) / 2);
}

static void vsvm_isa_test_scalar_memory(struct kunit *test)
{
	struct isa_test *t = test->priv;

	data64(t, 0)[0] = 0xfffffffffffffffeull;
	data64(t, 0)[1] = 0x8877665544332211ull;
	memset(data64(t, 0x100), 0xcc, 16);
	emit(t, I(S_MOV, EXEC, LIT, 0, 0));	/* scalar memory ignores exec */
	emit(t, I(S_LOAD_U32, SR(10), SR(0), 0, 0));
	emit(t, I(S_LOAD_U64, SR(11), SR(0), 0, 8));
	emit(t, I(S_ADD, SR(12), SR(0), LIT, 0x110));
	emit(t, I(S_STORE_B32, 0, SR(12), SR(11), -0x10));
	emit(t, I(S_STORE_B64, 0, SR(12), SR(10), -0x8));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 3, 1, 1);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->access_calls, 4);
	KUNIT_EXPECT_EQ(test, data64(t, 0x100)[0], 0xcccccccc44332211ull);
	KUNIT_EXPECT_EQ(test, data64(t, 0x100)[1], 0xfffffffeull);
}

static void vsvm_isa_test_divergence(struct kunit *test)
{
	struct isa_test *t = test->priv;
	unsigned int lane;

	/* if (laneid < 5) v10 = 1 else v10 = 2; then v10 += 10 for all. */
	emit(t, I(S_MOV, SR(30), EXEC, 0, 0));
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_LT), EXEC, LANEID, LIT, 5));
	branch(t, VSVM_OP_S_CBRANCH_EXECZ, 0, 0);
	emit(t, I(V_MOV, VR(10), LIT, 0, 1));
	label(t, 0);
	emit(t, I(S_ANDN2, EXEC, SR(30), EXEC, 0));
	branch(t, VSVM_OP_S_CBRANCH_EXECZ, 0, 1);
	emit(t, I(V_MOV, VR(10), LIT, 0, 2));
	label(t, 1);
	emit(t, I(S_MOV, EXEC, SR(30), 0, 0));
	emit(t, I(V_ADD_U32, VR(10), VR(10), LIT, 10));
	/* Per-lane trip counts: v11 counts down from laneid, v12 counts up. */
	emit(t, I(V_MOV, VR(11), LANEID, 0, 0));
	emit(t, I(V_MOV, VR(12), LIT, 0, 0));
	label(t, 2);
	emit(t, ENC(VCMP(VSVM_CMP_U64, VSVM_COND_NE), EXEC, VR(11), LIT, 0));
	branch(t, VSVM_OP_S_CBRANCH_EXECZ, 0, 3);
	emit(t, I(V_SUB_U32, VR(11), VR(11), LIT, 1));
	emit(t, I(V_ADD_U32, VR(12), VR(12), LIT, 3));
	branch(t, VSVM_OP_S_BRANCH, 0, 2);
	label(t, 3);
	emit(t, I(S_MOV, EXEC, SR(30), 0, 0));
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(10), 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(12), 0x80));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 12, 1, 1);	/* lanes 12-15 do not exist */
	run(t);
	expect_done(t);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
		KUNIT_EXPECT_EQ(test, data64(t, 0)[lane],
				lane >= 12 ? 0 : lane < 5 ? 11 : 12);
		KUNIT_EXPECT_EQ(test, data64(t, 0x80)[lane], lane >= 12 ? 0 : 3 * lane);
	}
}

/* Wave 0 works a while, then writes; wave 1 reads after the barrier. */
static void vsvm_isa_test_barrier(struct kunit *test)
{
	struct isa_test *t = test->priv;
	unsigned int lane;

	emit(t, I(S_MOV, SR(30), EXEC, 0, 0));
	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_LT), EXEC, VR(6), LIT, 16));
	branch(t, VSVM_OP_S_CBRANCH_EXECZ, 0, 1);
	emit(t, I(S_MOV, SR(31), LIT, 0, 300));
	label(t, 0);
	emit(t, I(S_SUB, SR(31), SR(31), LIT, 1));
	branch(t, VSVM_OP_S_CBRANCH_NZ, SR(31), 0);
	emit(t, I(V_ADD_U32, VR(9), VR(6), LIT, 100));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(9), 0));
	label(t, 1);
	emit(t, I(S_MOV, EXEC, SR(30), 0, 0));
	emit(t, I(S_BARRIER, 0, 0, 0, 0));
	/* Waves 1 and 2 copy wave 0's values; then wave 1 alone waits at a
	 * barrier, which it passes because the others ended.
	 */
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_GE), EXEC, VR(6), LIT, 16));
	branch(t, VSVM_OP_S_CBRANCH_EXECZ, 0, 2);
	emit(t, I(V_LOAD_U64, VR(10), VR(8), 0, -128));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(10), 0x200));
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_LT), SR(40), VR(6), LIT, 32));
	branch(t, VSVM_OP_S_CBRANCH_Z, SR(40), 2);
	emit(t, I(S_BARRIER, 0, 0, 0, 0));
	label(t, 2);
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 40, 1, 1);	/* three waves, the last of 8 lanes */
	run(t);
	expect_done(t);
	for (lane = 0; lane < 16; lane++) {
		KUNIT_EXPECT_EQ(test, data64(t, 0)[lane], 100 + lane);
		KUNIT_EXPECT_EQ(test, data64(t, 0x200)[16 + lane], 100 + lane);
	}
	/* Wave 2 copied entries 16-23 of offset 0, which nobody wrote. */
	for (lane = 32; lane < 40; lane++)
		KUNIT_EXPECT_EQ(test, data64(t, 0x200)[lane], 0);
	KUNIT_EXPECT_EQ(test, data64(t, 0x200)[40], 0);
}

/* Wave 0 spins on a flag that wave 1 sets: time slices let wave 1 run. */
static void vsvm_isa_test_spin(struct kunit *test)
{
	struct isa_test *t = test->priv;

	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_LT), SR(10), VR(6), LIT, 16));
	branch(t, VSVM_OP_S_CBRANCH_Z, SR(10), 1);
	label(t, 0);
	emit(t, I(S_LOAD_U64, SR(11), SR(0), 0, 0));
	branch(t, VSVM_OP_S_CBRANCH_Z, SR(11), 0);
	emit(t, I(S_STORE_B64, 0, SR(0), SR(11), 8));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	label(t, 1);
	emit(t, I(S_MOV, SR(12), LIT, 0, 77));
	emit(t, I(S_STORE_B64, 0, SR(0), SR(12), 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 32, 1, 1);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[1], 77);
}

static void vsvm_isa_test_initial_state(struct kunit *test)
{
	static const u32 gid[3] = { 2, 1, 3 };
	struct isa_test *t = test->priv;
	unsigned int f, k, i;

	t->d.num_args = 3;
	t->d.args[1] = 0x1111;
	t->d.args[2] = 0x2222;
	t->d.args[5] = 0x5555;	/* past num_args: s5 must read 0 */
	t->d.num_groups[0] = 4;
	t->d.num_groups[1] = 5;
	t->d.num_groups[2] = 6;
	set_group(t, 5, 2, 3);	/* 30 lanes: waves of 16 and 14 lanes */
	/* Each lane stores v0-v6 and v7 (0); wave k stores s1-s25 and exec. */
	emit(t, I(V_MUL_U32, VR(20), VR(6), LIT, 64));
	emit(t, I(V_ADD_U64, VR(20), VR(20), SR(0), 0));
	for (k = 0; k < 8; k++)
		emit(t, I(V_STORE_B64, 0, VR(20), VR(k), 8 * k));
	/* The wave's index, 0 or 1, from its lanes' flat ids. */
	emit(t, ENC(VCMP(VSVM_CMP_U32, VSVM_COND_GE), SR(40), VR(6), LIT, 16));
	emit(t, I(S_CMP_NE, SR(41), SR(40), LIT, 0));
	emit(t, I(S_SHL, SR(41), SR(41), LIT, 8));
	emit(t, I(S_ADD, SR(42), SR(0), SR(41), 0));
	emit(t, I(S_ADD, SR(42), SR(42), LIT, 0x1000));
	emit(t, I(S_STORE_B64, 0, SR(42), EXEC, 0));
	for (i = 1; i < 26; i++)
		emit(t, I(S_STORE_B64, 0, SR(42), SR(i), 8 * i));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run_gid(t, gid);
	expect_done(t);
	for (f = 0; f < 30; f++) {
		u64 *v = data64(t, 64 * f);
		u32 x = f % 5, y = f / 5 % 2, z = f / 10;

		KUNIT_EXPECT_EQ(test, v[0], 2 * 5 + x);
		KUNIT_EXPECT_EQ(test, v[1], 1 * 2 + y);
		KUNIT_EXPECT_EQ(test, v[2], 3 * 3 + z);
		KUNIT_EXPECT_EQ(test, v[3], x);
		KUNIT_EXPECT_EQ(test, v[4], y);
		KUNIT_EXPECT_EQ(test, v[5], z);
		KUNIT_EXPECT_EQ(test, v[6], f);
		KUNIT_EXPECT_EQ(test, v[7], 0);
	}
	for (k = 0; k < 2; k++) {
		static const u64 s[26] = {
			[1] = 0x1111, [2] = 0x2222, [16] = 2, [17] = 1, [18] = 3,
			[19] = 5, [20] = 2, [21] = 3, [22] = 4, [23] = 5, [24] = 6,
		};
		u64 *out = data64(t, 0x1000 + 0x100 * k);

		for (i = 1; i < 26; i++)
			KUNIT_EXPECT_EQ_MSG(test, out[i], s[i], "wave %u s%u", k, i);
		KUNIT_EXPECT_EQ(test, out[0], k ? 0x3fff : 0xffff);
	}
}

/* --- errors --- */

static void vsvm_isa_test_invalid_instruction(struct kunit *test)
{
	struct isa_test *t = test->priv;

	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, 0xff);
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_OPCODE, 16);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 2);

	reset_program(t);
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_MOV, VR(0), SR(1), 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_OPERAND, 8);

	/* Zeroed memory is opcode 0. */
	reset_program(t);
	emit(t, 0);
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_OPCODE, 0);
}

static void vsvm_isa_test_bad_branch(struct kunit *test)
{
	struct isa_test *t = test->priv;

	/* Backwards before the start. */
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_BRANCH, 0, 0, 0, -3));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_BRANCH, 8);

	/* A bad target not taken is fine; taken past the end is not. */
	reset_program(t);
	emit(t, I(S_MOV, SR(1), LIT, 0, 0));
	emit(t, I(S_CBRANCH_NZ, 0, SR(1), 0, 1000));
	emit(t, I(S_CBRANCH_EXECNZ, 0, 0, 0, 1000));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_BRANCH, 16);

	/* The last instruction branching to itself plus one is past the end. */
	reset_program(t);
	emit(t, I(S_CBRANCH_Z, 0, SR(25), 0, 0));	/* s25 starts at 0 */
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_BRANCH, 0);
}

static void vsvm_isa_test_pc_off_end(struct kunit *test)
{
	struct isa_test *t = test->priv;

	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	t->d.code_size = 16;	/* the s_endpgm is not part of the program */
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_PC, 16);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 2);
}

static void vsvm_isa_test_misaligned(struct kunit *test)
{
	struct isa_test *t = test->priv;

	/* Lane i loads 8 bytes at DATA + 4 * i; lane 1 is off: lane 3 is first. */
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 2));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(S_MOV, EXEC, LIT, 0, 0xfffd));
	emit(t, I(V_LOAD_U64, VR(9), VR(8), 0, 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 24);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, DATA + 12);
	KUNIT_EXPECT_EQ(test, t->access_calls, 0);

	/* Scalar: the offset makes it misaligned. */
	reset_program(t);
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_STORE_B32, 0, SR(0), SR(1), 2));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 8);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, DATA + 2);

	/* Atomics too; 16-bit loads only need 2-byte alignment. */
	reset_program(t);
	emit(t, I(V_LOAD_U16, VR(9), SR(0), 0, 6));
	emit(t, I(V_ATOMIC64_BASE, VR(9), SR(0), SR(0), 4));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 8);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, DATA + 4);
}

static void vsvm_isa_test_fault(struct kunit *test)
{
	static const struct {
		u64 insn;
		u64 addr;
		bool write;
	} cases[] = {
		/* s1 = the end of the fake memory, s2 = its read-only page */
		{ I(V_LOAD_U32, VR(9), SR(1), 0, 4), FAKE_BASE + FAKE_SIZE + 4, false },
		{ I(S_LOAD_U64, SR(9), SR(1), 0, -FAKE_SIZE - 8), FAKE_BASE - 8, false },
		{ I(V_STORE_B8, 0, SR(2), SR(2), 3), FAKE_BASE + RO_OFF + 3, true },
		{ I(S_STORE_B64, 0, SR(2), SR(2), 0), FAKE_BASE + RO_OFF, true },
		{ I(V_ATOMIC32_BASE + VSVM_ATOMIC_MAX_U, VR(9), SR(2), SR(2), 8),
		  FAKE_BASE + RO_OFF + 8, true },
	};
	struct isa_test *t = test->priv;
	unsigned int i;

	t->d.num_args = 3;
	t->d.args[1] = FAKE_BASE + FAKE_SIZE;
	t->d.args[2] = FAKE_BASE + RO_OFF;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		reset_program(t);
		emit(t, I(S_NOP, 0, 0, 0, 0));
		emit(t, cases[i].insn);
		emit(t, I(S_ENDPGM, 0, 0, 0, 0));
		load_at(t, CODE_OFF);
		run(t);
		KUNIT_EXPECT_EQ_MSG(test, t->res.status, VSVM_ISA_FAULT, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->res.err, -EFAULT, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->res.pc, 8, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->res.fault_addr, cases[i].addr, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->res.fault_write, cases[i].write, "case %u", i);
	}
	/* The read-only page is readable. */
	reset_program(t);
	emit(t, I(S_LOAD_U64, SR(9), SR(2), 0, 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);

	/* A fetch fault: the program runs past the end of the fake memory. */
	reset_program(t);
	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_NOP, 0, 0, 0, 0));
	load_at(t, FAKE_SIZE - 16);
	t->d.code_size = 32;
	run(t);
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_FAULT);
	KUNIT_EXPECT_EQ(test, t->res.err, -EFAULT);
	KUNIT_EXPECT_EQ(test, t->res.pc, 16);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, FAKE_BASE + FAKE_SIZE);
	KUNIT_EXPECT_FALSE(test, t->res.fault_write);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 2);
}

static void vsvm_isa_test_stop(struct kunit *test)
{
	struct isa_test *t = test->priv;

	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_BRANCH, 0, 0, 0, -1));	/* forever */
	load_at(t, CODE_OFF);
	t->stop_at = 5;
	run(t);
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_STOPPED);
	KUNIT_EXPECT_EQ(test, t->res.pc, 8);
	KUNIT_EXPECT_EQ(test, t->stop_calls, 5);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 5 * 256);

	/* Waves that only meet at barriers, forever. */
	reset_program(t);
	emit(t, I(S_BARRIER, 0, 0, 0, 0));
	emit(t, I(S_BRANCH, 0, 0, 0, -2));
	load_at(t, CODE_OFF);
	set_group(t, 64, 1, 1);
	t->stop_calls = 0;
	t->stop_at = 3;
	run(t);
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_STOPPED);
	KUNIT_EXPECT_EQ(test, t->stop_calls, 3);
	KUNIT_EXPECT_LT(test, t->res.pc, 16);
}

/* Pieces end at 4 KiB pages and stay cached for the dispatch. */
static void vsvm_isa_test_icache(struct kunit *test)
{
	static const u32 gid[3] = { 1, 0, 0 };
	struct isa_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < 4; i++)
		emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, 0x1ff0);	/* two words before a page boundary */
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 2);
	/* Another group of the same dispatch: no fetch. */
	vsvm_isa_run_group(t->eng, &t->d, gid, &fake_ops, t, &t->res);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 2);
	/* A new dispatch fetches again. */
	run(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 4);
	/* Entering in the second piece fetches only that one. */
	t->d.entry = 16;
	t->fetch_calls = 0;
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 1);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 3);
	/* A group of a dispatch with another program does not use the cache. */
	load_at(t, 0x3000);
	vsvm_isa_run_group(t->eng, &t->d, gid, &fake_ops, t, &t->res);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 2);
}

static void vsvm_isa_test_fuzz(struct kunit *test)
{
	static const u8 codes[] = {
		0, 1, 2, 63, 64, 65, 66, 127, 128, 129, 130, 131, 255,
	};
	struct isa_test *t = test->priv;
	struct rnd_state rnd;
	unsigned int iter, i;

	prandom_seed_state(&rnd, 0x5eed);
	t->d.num_args = 2;
	t->d.args[1] = FAKE_BASE;
	for (iter = 0; iter < 400; iter++) {
		reset_program(t);
		for (i = 0; i < 48; i++) {
			u32 r = prandom_u32_state(&rnd);
			u32 imm = prandom_u32_state(&rnd);

			if (r & 1)	/* small offsets, branches and literals */
				imm = (s32)(imm % 9) - 4;
			emit(t, ENC(r >> 24, codes[(r >> 1) % ARRAY_SIZE(codes)],
				    codes[(r >> 5) % ARRAY_SIZE(codes)],
				    codes[(r >> 9) % ARRAY_SIZE(codes)], imm));
		}
		load_at(t, CODE_OFF + 8 * (iter % 64));
		t->d.entry = 8 * (iter % 48);
		set_group(t, 1 + iter % 40, 1, 1);
		t->stop_calls = 0;
		t->stop_at = 8;
		run(t);
		KUNIT_EXPECT_LE(test, t->res.status, VSVM_ISA_STOPPED);
		if (t->res.status == VSVM_ISA_INVALID)
			KUNIT_EXPECT_NE(test, t->res.error, VSVM_ISA_ERR_NONE);
		if (t->res.status != VSVM_ISA_DONE)
			KUNIT_EXPECT_LE(test, t->res.pc, t->d.code_size);
		KUNIT_EXPECT_LE(test, t->res.instructions, 8 * 256);
	}
}

/* --- the fast paths of the interpreter --- */

/* Consecutive lanes on consecutive elements of one page: one access_run each. */
static void vsvm_isa_test_run_fast_path(struct kunit *test)
{
	struct isa_test *t = test->priv;
	u8 *bytes = (u8 *)data64(t, 0);
	unsigned int i, lane;

	for (i = 0; i < 0x100; i++)
		bytes[i] = 0x81 + 9 * i;
	emit(t, I(V_SHL_B64, VR(7), LANEID, LIT, 2));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));	/* 4-byte elements */
	emit(t, I(V_ADD_U64, VR(9), LANEID, SR(0), 0));	/* bytes */
	emit(t, I(V_SHL_B64, VR(12), LANEID, LIT, 1));
	emit(t, I(V_ADD_U64, VR(12), VR(12), SR(0), 0));	/* 2-byte elements */
	emit(t, I(V_SHL_B64, VR(13), LANEID, LIT, 3));
	emit(t, I(V_ADD_U64, VR(13), VR(13), SR(0), 0));	/* 8-byte elements */
	emit(t, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	emit(t, I(V_LOAD_I8, VR(11), VR(9), 0, 0x40));
	emit(t, I(V_LOAD_I16, VR(14), VR(12), 0, 0x60));
	emit(t, I(V_LOAD_U64, VR(15), VR(13), 0, 0x80));
	emit(t, I(V_ADD_U32, VR(10), VR(10), LIT, 1));
	/* Floats, then integers in the same FPU section, then a store. */
	emit(t, I(V_CVT_F32_U32, VR(16), LANEID, 0, 0));
	emit(t, I(V_MUL_F32, VR(16), VR(16), LIT, F_TWO));
	emit(t, I(V_CVT_U32_F32, VR(16), VR(16), 0, 0));
	emit(t, I(V_ADD_U32, VR(16), VR(16), LIT, 1));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(16), 0x700));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(10), 0x200));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(11), 0x300));
	emit(t, I(V_STORE_B16, 0, VR(12), VR(14), 0x400));
	emit(t, I(V_STORE_B8, 0, VR(9), VR(11), 0x480));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(14), 0x800));
	emit(t, I(V_LOAD_I32, VR(18), VR(8), 0, 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(18), 0x900));
	/* A mask of consecutive lanes that is not full: lanes 4-11. */
	emit(t, I(S_MOV, EXEC, LIT, 0, 0x0ff0));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(15), 0x500));
	emit(t, I(V_LOAD_U32, VR(17), VR(8), 0, 0x500));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(17), 0x600));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->run_calls, 15);
	KUNIT_EXPECT_EQ(test, t->run_declined, 0);
	KUNIT_EXPECT_EQ(test, t->access_calls, 0);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
		u64 wide = get_unaligned_le64(bytes + 0x80 + 8 * lane);
		bool mid = lane >= 4 && lane < 12;

		KUNIT_EXPECT_EQ(test, get_unaligned_le32(bytes + 0x700 + 4 * lane),
				2 * lane + 1);
		KUNIT_EXPECT_EQ(test, get_unaligned_le32(bytes + 0x200 + 4 * lane),
				(u32)(get_unaligned_le32(bytes + 4 * lane) + 1));
		KUNIT_EXPECT_EQ(test, data64(t, 0x300)[lane],
				(u64)(s64)(s8)bytes[0x40 + lane]);
		KUNIT_EXPECT_EQ(test, get_unaligned_le16(bytes + 0x400 + 2 * lane),
				get_unaligned_le16(bytes + 0x60 + 2 * lane));
		KUNIT_EXPECT_EQ(test, bytes[0x480 + lane], bytes[0x40 + lane]);
		KUNIT_EXPECT_EQ(test, data64(t, 0x800)[lane],
				(u64)(s64)(s16)get_unaligned_le16(bytes + 0x60 + 2 * lane));
		KUNIT_EXPECT_EQ(test, data64(t, 0x900)[lane],
				(u64)(s64)(s32)get_unaligned_le32(bytes + 4 * lane));
		KUNIT_EXPECT_EQ_MSG(test, get_unaligned_le32(bytes + 0x500 + 4 * lane),
				    mid ? (u32)wide : 0, "lane %u", lane);
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0x600)[lane],
				    mid ? (u32)wide : 0, "lane %u", lane);
	}
}

#define LANES4	I(V_SHL_B64, VR(7), LANEID, LIT, 2)	/* v7 = 4 * laneid */

/*
 * Runs @insn (at pc 24) with exec @exec and v8 = s@base + 4 * laneid, the
 * address of consecutive 4-byte elements.
 */
static void run_one_access(struct isa_test *t, u8 base, u32 exec, u64 insn)
{
	reset_program(t);
	emit(t, LANES4);
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(base), 0));
	emit(t, I(S_MOV, EXEC, LIT, 0, exec));
	emit(t, insn);
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	t->access_calls = 0;
	t->run_calls = 0;
	t->run_declined = 0;
	run(t);
}

/*
 * Every lane copies the u32 at s0 + 4 * lane + @from to s0 + 4 * lane + @to:
 * one load and one store of consecutive elements.
 */
static void run_copy_u32(struct isa_test *t, u32 from, u32 to)
{
	reset_program(t);
	emit(t, LANES4);
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_LOAD_U32, VR(10), VR(8), 0, from));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(10), to));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	t->access_calls = 0;
	t->run_calls = 0;
	run(t);
}

/*
 * What the fast path does not take goes lane by lane, and what it declines
 * too: the same lanes, the same fault, the same address as without it.
 */
static void vsvm_isa_test_run_fallbacks(struct kunit *test)
{
	struct isa_test *t = test->priv;
	u8 *bytes = (u8 *)data64(t, 0);
	unsigned int i, lane;

	t->d.num_args = 3;
	t->d.args[1] = FAKE_BASE + FAKE_SIZE - 32;	/* 8 words before the end */
	t->d.args[2] = FAKE_BASE + RO_OFF;
	for (i = 0; i < 0x2000; i++)
		bytes[i] = 3 * i + 1;

	/* A gap in the mask: lane 1 neither loads nor stores. */
	reset_program(t);
	emit(t, LANES4);
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_MOV, VR(10), LIT, 0, 0x77));
	emit(t, I(S_MOV, EXEC, LIT, 0, 0xfffd));
	emit(t, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(10), 0x1000));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	memset(bytes + 0x1000, 0xee, 64);
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->run_calls, 0);
	KUNIT_EXPECT_EQ(test, t->access_calls, 2);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++)
		KUNIT_EXPECT_EQ_MSG(test, get_unaligned_le32(bytes + 0x1000 + 4 * lane),
				    lane == 1 ? 0xeeeeeeee : get_unaligned_le32(bytes + 4 * lane),
				    "lane %u", lane);

	/* Consecutive elements in reverse lane order. */
	reset_program(t);
	emit(t, I(V_SUB_U32, VR(7), LIT, LANEID, 15));
	emit(t, I(V_SHL_B64, VR(7), VR(7), LIT, 2));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	emit(t, LANES4);
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_STORE_B32, 0, VR(8), VR(10), 0x1100));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	t->access_calls = 0;
	t->run_calls = 0;
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->access_calls, 1);
	KUNIT_EXPECT_EQ(test, t->run_calls, 1);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++)
		KUNIT_EXPECT_EQ(test, get_unaligned_le32(bytes + 0x1100 + 4 * lane),
				get_unaligned_le32(bytes + 4 * (15 - lane)));

	/* Consecutive but crossing a page (at lane 8): lane by lane. */
	run_copy_u32(t, 0xfe0, 0x1200);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->access_calls, 1);
	KUNIT_EXPECT_EQ(test, t->run_calls, 1);
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++)
		KUNIT_EXPECT_EQ(test, get_unaligned_le32(bytes + 0x1200 + 4 * lane),
				get_unaligned_le32(bytes + 0xfe0 + 4 * lane));

	/* Lane 8 crosses into an unmapped page: it faults, with its address. */
	run_one_access(t, 1, 0xffff, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_FAULT);
	KUNIT_EXPECT_EQ(test, t->res.pc, 24);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, FAKE_BASE + FAKE_SIZE);
	KUNIT_EXPECT_FALSE(test, t->res.fault_write);
	KUNIT_EXPECT_EQ(test, t->run_calls + t->run_declined, 0);
	KUNIT_EXPECT_EQ(test, t->access_calls, 1);
	/* Only the lanes before it: one page, the fast path. */
	run_one_access(t, 1, 0x00ff, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->run_calls, 1);
	KUNIT_EXPECT_EQ(test, t->access_calls, 0);
	/* Only the lanes after it: declined, then the first lane faults. */
	run_one_access(t, 1, 0xff00, I(V_LOAD_U32, VR(10), VR(8), 0, 0));
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_FAULT);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, FAKE_BASE + FAKE_SIZE);
	KUNIT_EXPECT_EQ(test, t->run_declined, 1);
	KUNIT_EXPECT_EQ(test, t->access_calls, 1);

	/* A store to the read-only page, lanes 4-7: declined, lane 4 faults. */
	run_one_access(t, 2, 0x00f0, I(V_STORE_B32, 0, VR(8), VR(8), 0));
	KUNIT_EXPECT_EQ(test, t->res.status, VSVM_ISA_FAULT);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, FAKE_BASE + RO_OFF + 16);
	KUNIT_EXPECT_TRUE(test, t->res.fault_write);
	KUNIT_EXPECT_EQ(test, t->run_declined, 1);
	KUNIT_EXPECT_EQ(test, t->run_calls, 0);

	/* Consecutive but misaligned: the alignment error of the first lane. */
	run_one_access(t, 0, 0xfff0, I(V_LOAD_U32, VR(10), VR(8), 0, 2));
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 24);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, DATA + 16 + 2);
	KUNIT_EXPECT_EQ(test, t->access_calls + t->run_calls + t->run_declined, 0);

	/* A backend without the fast path: lane by lane, the same result. */
	t->ops = &fake_ops_lanes;
	memset(bytes + 0x1300, 0, 64);
	run_copy_u32(t, 0, 0x1300);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->access_calls, 2);
	KUNIT_EXPECT_EQ(test, t->run_calls, 0);
	KUNIT_EXPECT_EQ(test, memcmp(bytes + 0x1300, bytes, 64), 0);
}

/*
 * A wave starts with every register its program names at zero, also those
 * that only a piece fetched later names, and whatever an earlier program
 * left in them.
 */
static void vsvm_isa_test_register_clearing(struct kunit *test)
{
	struct isa_test *t = test->priv;
	unsigned int i;

	set_group(t, 32, 1, 1);
	emit(t, I(V_MOV, VR(60), LIT, 0, 0x1234));
	emit(t, I(V_MOV, VR(63), LIT, 0, 0x4321));
	emit(t, I(V_MOV, VR(9), LIT, 0, 0x99));
	emit(t, I(S_MOV, SR(60), LIT, 0, 0x5678));
	emit(t, I(S_MOV, SR(63), LIT, 0, 0x8765));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_done(t);

	/* Two words in the first piece, the rest in the next page. */
	memset(data64(t, 0), 0xff, 0x400);
	reset_program(t);
	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(60), 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(63), 0x100));
	emit(t, I(V_MOV, VR(9), SR(60), 0, 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(9), 0x200));
	emit(t, I(V_MOV, VR(9), SR(63), 0, 0));
	emit(t, I(V_STORE_B64, 0, VR(8), VR(9), 0x300));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, 0x1ff0);
	t->fetch_calls = 0;
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->fetch_calls, 2);
	for (i = 0; i < 4 * 32; i++)
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[i], 0, "word %u", i);
}

/*
 * Each word is decoded once, but its error counts only if it executes; a
 * group decoded as another version on the same engine decodes again.
 */
static void vsvm_isa_test_decode_once(struct kunit *test)
{
	static const u32 gid[3];
	struct isa_test *t = test->priv;

	emit(t, 0xff);					/* before the entry */
	emit(t, I(S_CBRANCH_Z, 0, SR(1), 0, 100));	/* s1 is not 0 */
	emit(t, I(V_CLZ_B32, VR(9), LIT, 0, 1));	/* a v2 opcode */
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	emit(t, I(S_MOV, VR(0), SR(1), 0, 0));		/* after the end */
	load_at(t, CODE_OFF);
	t->d.entry = 8;
	t->d.num_args = 2;
	t->d.args[1] = 1;
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, t->res.instructions, 3);
	t->d.isa_version = 1;
	vsvm_isa_run_group(t->eng, &t->d, gid, t->ops, t, &t->res);
	expect_invalid(t, VSVM_ISA_ERR_OPCODE, 16);
	t->d.isa_version = 2;
	vsvm_isa_run_group(t->eng, &t->d, gid, t->ops, t, &t->res);
	expect_done(t);
	/* Now taken: the bad target is reported at the branch. */
	t->d.args[1] = 0;
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_BRANCH, 8);
}

/* Local ids counted lane by lane, carrying from x into y and z. */
static void vsvm_isa_test_lane_ids(struct kunit *test)
{
	static const u32 gid[3] = { 1, 2, 3 };
	struct isa_test *t = test->priv;
	unsigned int f;

	set_group(t, 7, 5, 7);	/* 245 lanes, 16 waves */
	t->d.num_groups[0] = 2;
	t->d.num_groups[1] = 3;
	t->d.num_groups[2] = 4;
	emit(t, I(V_SHL_B64, VR(20), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(20), VR(20), SR(0), 0));
	emit(t, I(V_SHL_B64, VR(10), VR(4), LIT, 8));
	emit(t, I(V_OR_B64, VR(10), VR(10), VR(3), 0));
	emit(t, I(V_SHL_B64, VR(11), VR(5), LIT, 16));
	emit(t, I(V_OR_B64, VR(10), VR(10), VR(11), 0));
	emit(t, I(V_SHL_B64, VR(11), VR(0), LIT, 24));
	emit(t, I(V_OR_B64, VR(10), VR(10), VR(11), 0));
	emit(t, I(V_SHL_B64, VR(11), VR(1), LIT, 32));
	emit(t, I(V_OR_B64, VR(10), VR(10), VR(11), 0));
	emit(t, I(V_SHL_B64, VR(11), VR(2), LIT, 40));
	emit(t, I(V_OR_B64, VR(10), VR(10), VR(11), 0));
	emit(t, I(V_STORE_B64, 0, VR(20), VR(10), 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run_gid(t, gid);
	expect_done(t);
	for (f = 0; f < 245; f++) {
		u64 x = f % 7, y = f / 7 % 5, z = f / 35;

		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[f],
				    x | y << 8 | z << 16 | (7 + x) << 24 |
				    (10 + y) << 32 | (21 + z) << 40, "lane %u", f);
	}
}

/* --- ISA v2 --- */

static void vsvm_isa_test_decode_v2(struct kunit *test)
{
	static const struct {
		u8 first, last, format;
	} v2[] = {
		{ 0x58, 0x5b, VSVM_ISA_FMT_VOP1 },	/* cvt f32 <-> 64-bit */
		{ 0x68, 0x68, VSVM_ISA_FMT_VOP2 },	/* fma */
		{ 0x69, 0x6c, VSVM_ISA_FMT_VOP1 },	/* floor ceil trunc rint */
		{ 0x96, 0x9b, VSVM_ISA_FMT_VOP1 },	/* clz popc ctz */
		{ 0xd8, 0xdf, VSVM_ISA_FMT_VOP2 },	/* div/rem signed, mulhi */
		{ 0xe0, 0xe6, VSVM_ISA_FMT_LDS_LOAD },
		{ 0xe8, 0xeb, VSVM_ISA_FMT_LDS_STORE },
		{ 0xf0, 0xf9, VSVM_ISA_FMT_LDS_ATOMIC },
	};
	struct vsvm_isa_insn insn1, insn2;
	unsigned int op, r, added = 0;

	for (op = 0; op < 256; op++) {
		enum vsvm_isa_error e1 = vsvm_isa_decode(op, 1, &insn1);
		enum vsvm_isa_error e2 = vsvm_isa_decode(op, 2, &insn2);
		int in_v2 = -1;

		for (r = 0; r < ARRAY_SIZE(v2); r++)
			if (op >= v2[r].first && op <= v2[r].last)
				in_v2 = r;
		if (in_v2 < 0) {
			/* v2 changes nothing about a v1 opcode or a hole. */
			KUNIT_EXPECT_EQ_MSG(test, e1, e2, "opcode %#x", op);
			KUNIT_EXPECT_EQ_MSG(test, insn1.format, insn2.format, "opcode %#x", op);
			continue;
		}
		added++;
		KUNIT_EXPECT_EQ_MSG(test, e1, VSVM_ISA_ERR_OPCODE, "opcode %#x under v1", op);
		KUNIT_EXPECT_NE_MSG(test, e2, VSVM_ISA_ERR_OPCODE, "opcode %#x under v2", op);
		KUNIT_EXPECT_EQ_MSG(test, insn2.format, v2[in_v2].format, "opcode %#x", op);
	}
	KUNIT_EXPECT_EQ(test, added, 4 + 1 + 4 + 6 + 8 + 7 + 4 + 10);
	/* Operand rules are the v1 formats': a literal address is invalid. */
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(I(V_LDS_LOAD_U32, VR(1), LIT, 0, 4), 2, &insn2),
			VSVM_ISA_ERR_OPERAND);
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(I(V_LDS_STORE_B8, VR(1), VR(2), VR(3), 0), 2,
					      &insn2), VSVM_ISA_ERR_OPERAND);
}

/* A v2 instruction in a dispatch decoded as v1 is an invalid opcode. */
static void vsvm_isa_test_version(struct kunit *test)
{
	struct isa_test *t = test->priv;

	emit(t, I(S_NOP, 0, 0, 0, 0));
	emit(t, I(V_POPC_B32, VR(9), LIT, 0, 7));
	emit(t, I(V_STORE_B64, 0, SR(0), VR(9), 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	t->d.isa_version = 1;
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_OPCODE, 8);
	t->d.isa_version = 2;
	run(t);
	expect_done(t);
	KUNIT_EXPECT_EQ(test, data64(t, 0)[0], 3);
}

static void vsvm_isa_test_vector_int_v2(struct kunit *test)
{
	static const struct {
		u8 opcode;
		u64 a, b, expect;
	} cases[] = {
		{ VSVM_OP_V_DIV_I32, (u32)-7, 2, (u32)-3 },		/* truncates */
		{ VSVM_OP_V_REM_I32, (u32)-7, 2, (u32)-1 },		/* sign of a */
		{ VSVM_OP_V_REM_I32, 7, (u32)-2, 1 },
		{ VSVM_OP_V_DIV_I32, 5, 0, 0xffffffff },
		{ VSVM_OP_V_REM_I32, 5, 0, 5 },
		{ VSVM_OP_V_DIV_I32, 0x80000000, 0xffffffff, 0x80000000 },
		{ VSVM_OP_V_REM_I32, 0x80000000, 0xffffffff, 0 },
		/* 32-bit operations ignore the upper halves. */
		{ VSVM_OP_V_DIV_I32, 0x1234567800000064ull, 0xfffffffffffffff6ull, (u32)-10 },
		{ VSVM_OP_V_DIV_I64, (u64)-9000000000ll, 1000, (u64)-9000000ll },
		{ VSVM_OP_V_REM_I64, (u64)-9000000001ll, 1000, (u64)-1 },
		{ VSVM_OP_V_DIV_I64, 1, 0, U64_MAX },
		{ VSVM_OP_V_REM_I64, 1, 0, 1 },
		{ VSVM_OP_V_DIV_I64, (u64)S64_MIN, (u64)-1, (u64)S64_MIN },
		{ VSVM_OP_V_REM_I64, (u64)S64_MIN, (u64)-1, 0 },
		{ VSVM_OP_V_MULHI_U32, 0xffffffff, 0xffffffff, 0xfffffffe },
		{ VSVM_OP_V_MULHI_I32, 0xffffffff, 0xffffffff, 0 },	/* -1 * -1 */
		{ VSVM_OP_V_MULHI_I32, 0x80000000, 2, 0xffffffff },	/* -2^32 */
		{ VSVM_OP_V_MULHI_U64, U64_MAX, U64_MAX, U64_MAX - 1 },
		{ VSVM_OP_V_MULHI_U64, 1ull << 63, 4, 2 },
		{ VSVM_OP_V_MULHI_I64, U64_MAX, U64_MAX, 0 },
		{ VSVM_OP_V_MULHI_I64, (u64)S64_MIN, 2, U64_MAX },
		{ VSVM_OP_V_MULHI_I64, (u64)S64_MIN, (u64)S64_MIN, 1ull << 62 },
		{ VSVM_OP_V_MULHI_I64, (u64)-3, 5, U64_MAX },		/* -15 */
		{ VSVM_OP_V_CLZ_B32, 0, 0, 32 },
		{ VSVM_OP_V_CLZ_B32, 0xffff000000000001ull, 0, 31 },
		{ VSVM_OP_V_CLZ_B64, 0, 0, 64 },
		{ VSVM_OP_V_CLZ_B64, 1ull << 40, 0, 23 },
		{ VSVM_OP_V_CTZ_B32, 0x100000000ull, 0, 32 },
		{ VSVM_OP_V_CTZ_B32, 0x80, 0, 7 },
		{ VSVM_OP_V_CTZ_B64, 0, 0, 64 },
		{ VSVM_OP_V_CTZ_B64, 1ull << 63, 0, 63 },
		{ VSVM_OP_V_POPC_B32, 0xffffffff0000000full, 0, 4 },
		{ VSVM_OP_V_POPC_B64, 0xffffffff0000000full, 0, 36 },
	};
	struct isa_test *t = test->priv;
	u64 a[VSVM_ISA_WAVE_LANES], b[VSVM_ISA_WAVE_LANES], d[VSVM_ISA_WAVE_LANES];
	u64 out[VSVM_ISA_WAVE_LANES];
	unsigned int i, lane;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
			a[lane] = cases[i].a;
			b[lane] = cases[i].b;
			d[lane] = 0x5555;
		}
		run_vop(t, vop_v12(cases[i].opcode), 0x7fff, a, b, d, out);
		KUNIT_EXPECT_EQ_MSG(test, out[0], cases[i].expect, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[14], cases[i].expect, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[15], 0x5555, "case %u", i);
	}
}

static void vsvm_isa_test_float_v2(struct kunit *test)
{
	static const struct fcase cases[] = {
		/* Fused: one rounding keeps the 2^-24 that v_mac_f32 loses. */
		{ VSVM_OP_V_FMA_F32, 0x3f800800, 0x3f800800, 0xbf801000, 0x33800000 },
		{ VSVM_OP_V_FMA_F32, F_TWO, 0x40400000, F_ONE, 0x40e00000 },
		{ VSVM_OP_V_FMA_F32, F_INF, 0, F_ONE, F_QNAN },
		{ VSVM_OP_V_FMA_F32, F_ONE, F_ONE, F_INF, F_INF },
		/* 1 + 2^-24 + 2^-47: above the tie, rounds up (double rounding would not). */
		{ VSVM_OP_V_FMA_F32, 0x3f800001, 0x33800000, 0x3f800000, 0x3f800001 },
		/*
		 * 2^25 + 2 + 2^-35: rounding the sum to binary64 first would
		 * land on the tie 2^25 + 2 and give 2^25 (to even).
		 */
		{ VSVM_OP_V_FMA_F32, 0x3f800800, 0x3ffff001, 0x4c000000, 0x4c000001 },
		/* A tie after the exact product: to even. */
		{ VSVM_OP_V_FMA_F32, F_ONE, 0x33800000, F_ONE, F_ONE },
		{ VSVM_OP_V_FMA_F32, 0x00000001, F_HALF, 0, 0 },	/* subnormal tie */
		{ VSVM_OP_V_FLOOR_F32, 0x3fc00000, 0, 0, F_ONE },	/* 1.5 */
		{ VSVM_OP_V_FLOOR_F32, 0xbfc00000, 0, 0, 0xc0000000 },	/* -1.5 */
		{ VSVM_OP_V_FLOOR_F32, 0xbf000000, 0, 0, 0xbf800000 },	/* -0.5 */
		{ VSVM_OP_V_FLOOR_F32, 0x80000000, 0, 0, 0x80000000 },
		{ VSVM_OP_V_FLOOR_F32, 0xbf7fffff, 0, 0, 0xbf800000 },
		{ VSVM_OP_V_FLOOR_F32, 0xcaffffff, 0, 0, 0xcb000000 },	/* -8388607.5: carry */
		{ VSVM_OP_V_FLOOR_F32, F_NINF, 0, 0, F_NINF },
		{ VSVM_OP_V_FLOOR_F32, 0x7f812345, 0, 0, F_QNAN },
		{ VSVM_OP_V_CEIL_F32, 0xbf000000, 0, 0, 0x80000000 },	/* -0.5 -> -0 */
		{ VSVM_OP_V_CEIL_F32, 0x3e800000, 0, 0, F_ONE },	/* 0.25 */
		{ VSVM_OP_V_CEIL_F32, 0x3fc00000, 0, 0, F_TWO },
		{ VSVM_OP_V_CEIL_F32, 0x4b000001, 0, 0, 0x4b000001 },	/* 2^23 + 1 */
		{ VSVM_OP_V_TRUNC_F32, 0xc079999a, 0, 0, 0xc0400000 },	/* -3.9 */
		{ VSVM_OP_V_TRUNC_F32, 0xbf000000, 0, 0, 0x80000000 },
		{ VSVM_OP_V_RINT_F32, F_HALF, 0, 0, 0 },
		{ VSVM_OP_V_RINT_F32, 0xbf000000, 0, 0, 0x80000000 },
		{ VSVM_OP_V_RINT_F32, 0x3fc00000, 0, 0, F_TWO },	/* 1.5 */
		{ VSVM_OP_V_RINT_F32, 0x40200000, 0, 0, F_TWO },	/* 2.5 */
		{ VSVM_OP_V_RINT_F32, 0x40600000, 0, 0, 0x40800000 },	/* 3.5 */
		{ VSVM_OP_V_RINT_F32, 0x3f000001, 0, 0, F_ONE },
		{ VSVM_OP_V_RINT_F32, 0x4afffffe, 0, 0, 0x4afffffe },	/* 8388607 */
		{ VSVM_OP_V_RINT_F32, 0x4affffff, 0, 0, 0x4b000000 },	/* 8388607.5 */
		{ VSVM_OP_V_CVT_U64_F32, 0x5f800000, 0, 0, 0xffffffff },	/* 2^64 saturates */
		{ VSVM_OP_V_CVT_U64_F32, 0xbf800000, 0, 0, 0 },
		{ VSVM_OP_V_CVT_I64_F32, F_QNAN, 0, 0, 0 },
	};
	struct isa_test *t = test->priv;
	u64 a[VSVM_ISA_WAVE_LANES], b[VSVM_ISA_WAVE_LANES], d[VSVM_ISA_WAVE_LANES];
	u64 out[VSVM_ISA_WAVE_LANES];
	unsigned int i, lane;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
			a[lane] = 0xaaaa000000000000ull | cases[i].a;
			b[lane] = 0xbbbb000000000000ull | cases[i].b;
			d[lane] = 0xcccc000000000000ull | cases[i].d;
		}
		run_vop(t, vop_v12(cases[i].opcode), 0x7fff, a, b, d, out);
		/* The 64-bit conversions' results are checked in 32 bits here. */
		if (cases[i].opcode == VSVM_OP_V_CVT_U64_F32 ||
		    cases[i].opcode == VSVM_OP_V_CVT_I64_F32)
			out[0] = lower_32_bits(out[0]);
		KUNIT_EXPECT_EQ_MSG(test, out[0], cases[i].expect, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[15], d[15], "case %u", i);
	}

	/* The 64-bit conversions, with full 64-bit operands. */
	for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++)
		a[lane] = (u64)-3 - lane;
	run_vop(t, I(V_CVT_F32_I64, VR(12), VR(10), 0, 0), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[0], 0xc0400000);		/* -3 */
	run_vop(t, I(V_CVT_F32_U64, VR(12), VR(10), 0, 0), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[0], 0x5f800000);		/* 2^64 - 3 rounds to 2^64 */
	a[0] = (1ull << 53) + 1;
	run_vop(t, I(V_CVT_F32_U64, VR(12), VR(10), 0, 0), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[0], 0x5a000000);		/* 2^53 */
	a[0] = 0x5f000000;	/* 2^63 */
	a[1] = 0x5effffff;	/* 2^63 - 2^39 */
	a[2] = 0xdf000000;	/* -2^63 */
	a[3] = 0xdf000001;
	run_vop(t, I(V_CVT_I64_F32, VR(12), VR(10), 0, 0), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[0], (u64)S64_MAX);
	KUNIT_EXPECT_EQ(test, out[1], (1ull << 63) - (1ull << 39));
	KUNIT_EXPECT_EQ(test, out[2], (u64)S64_MIN);
	KUNIT_EXPECT_EQ(test, out[3], (u64)S64_MIN);
	run_vop(t, I(V_CVT_U64_F32, VR(12), VR(10), 0, 0), 0xffff, a, b, d, out);
	KUNIT_EXPECT_EQ(test, out[0], 1ull << 63);
	KUNIT_EXPECT_EQ(test, out[2], 0);
}

/*
 * Shared memory: 40 lanes in three waves store f * 3 at LDS[4 f], meet at a
 * barrier, and each reads its right neighbour's value; every lane also adds
 * 1 to the counter at LDS offset 256 (0x100 + ...) with an LDS atomic.
 */
static void vsvm_isa_test_lds(struct kunit *test)
{
	struct isa_test *t = test->priv;
	static const u32 gid1[3] = { 1, 0, 0 };
	unsigned int lane;

	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 2));		/* 4 f */
	emit(t, I(V_MUL_U32, VR(9), VR(6), LIT, 3));
	emit(t, I(V_LDS_STORE_B32, 0, VR(7), VR(9), 0x200));
	emit(t, I(S_MOV, SR(5), LIT, 0, 1));
	emit(t, ENC(VSVM_OP_V_LDS_ATOMIC32_BASE + VSVM_ATOMIC_ADD, VR(10), SR(5),
		    SR(5), 0xff));				/* offset 0x100 */
	emit(t, I(S_BARRIER, 0, 0, 0, 0));
	emit(t, I(V_LDS_LOAD_U32, VR(11), VR(7), 0, 0x204));	/* neighbour */
	emit(t, I(V_LDS_LOAD_I8, VR(12), SR(5), 0, 0xff));	/* the counter */
	emit(t, I(V_SHL_B64, VR(13), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(13), VR(13), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(11), 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(12), 0x400));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(10), 0x800));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 40, 1, 1);
	run(t);
	expect_done(t);
	for (lane = 0; lane < 40; lane++) {
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[lane], lane < 39 ? 3 * (lane + 1) : 0,
				    "lane %u", lane);
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0x400)[lane], 40, "lane %u", lane);
		/* Each lane saw the count before its own add: 0..39, once each. */
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0x800)[lane], lane, "lane %u", lane);
	}

	/* The next group starts with a zero LDS: it reads no neighbour values. */
	reset_program(t);
	emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 2));
	emit(t, I(V_LDS_LOAD_U32, VR(11), VR(7), 0, 0x200));
	emit(t, I(V_LDS_LOAD_U32, VR(12), SR(10), 0, 0x100));	/* s10 is 0 */
	emit(t, I(V_ADD_U64, VR(11), VR(11), VR(12), 0));
	emit(t, I(V_SHL_B64, VR(13), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(13), VR(13), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(11), 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	vsvm_isa_run_group(t->eng, &t->d, gid1, &fake_ops, t, &t->res);
	expect_done(t);
	for (lane = 0; lane < 40; lane++)
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[lane], 0, "lane %u", lane);
}

static void vsvm_isa_test_lds_errors(struct kunit *test)
{
	struct isa_test *t = test->priv;

	/* The last 4 bytes are in range, 4 bytes at 32768 - 2 are not aligned. */
	emit(t, I(V_LDS_STORE_B32, 0, SR(1), SR(1), VSVM_ISA_LDS_BYTES - 4));
	emit(t, I(V_LDS_STORE_B32, 0, SR(1), SR(1), VSVM_ISA_LDS_BYTES - 2));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 8);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, VSVM_ISA_LDS_BYTES - 2);

	/* Past the end, and a "negative" offset, are LDS errors. */
	reset_program(t);
	emit(t, I(V_LDS_LOAD_U64, VR(9), SR(1), 0, VSVM_ISA_LDS_BYTES));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_LDS, 0);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, VSVM_ISA_LDS_BYTES);
	reset_program(t);
	emit(t, ENC(VSVM_OP_V_LDS_ATOMIC32_BASE + VSVM_ATOMIC_OR, VR(9), SR(1), SR(1), -4));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_LDS, 0);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, (u64)-4);
	KUNIT_EXPECT_EQ(test, t->access_calls, 0);
}

/* --- ISA v3 --- */

#define LDS_ATOMIC64(op, d, a, b, offset) \
	ENC(VSVM_OP_V_LDS_ATOMIC64, d, a, b, VSVM_ISA_LDS_ATOMIC64_IMM(op, offset))

/* v3 adds one opcode, the 64-bit LDS atomics, and changes no other. */
static void vsvm_isa_test_decode_v3(struct kunit *test)
{
	struct vsvm_isa_insn insn2, insn3;
	unsigned int op;

	for (op = 0; op < 256; op++) {
		enum vsvm_isa_error e2 = vsvm_isa_decode(op, 2, &insn2);
		enum vsvm_isa_error e3 = vsvm_isa_decode(op, 3, &insn3);

		if (op == VSVM_OP_V_LDS_ATOMIC64)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, e2, e3, "opcode %#x", op);
		KUNIT_EXPECT_EQ_MSG(test, insn2.format, insn3.format, "opcode %#x", op);
	}
	for (op = VSVM_ATOMIC_ADD; op <= VSVM_ATOMIC_CMPXCHG; op++) {
		u64 word = LDS_ATOMIC64(op, VR(1), VR(2), SR(3), -8);

		KUNIT_EXPECT_EQ_MSG(test, vsvm_isa_decode(word, 1, &insn3),
				    VSVM_ISA_ERR_OPCODE, "op %u under v1", op);
		KUNIT_EXPECT_EQ_MSG(test, vsvm_isa_decode(word, 2, &insn3),
				    VSVM_ISA_ERR_OPCODE, "op %u under v2", op);
		KUNIT_EXPECT_EQ_MSG(test, vsvm_isa_decode(word, 3, &insn3),
				    VSVM_ISA_ERR_NONE, "op %u under v3", op);
		KUNIT_EXPECT_EQ(test, insn3.format, VSVM_ISA_FMT_LDS_ATOMIC64);
	}
	/* Operations 10 and above are undefined instructions. */
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(LDS_ATOMIC64(10, VR(1), VR(2), VR(3), 0), 3,
					      &insn3), VSVM_ISA_ERR_OPCODE);
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(LDS_ATOMIC64(0xffff, VR(1), VR(2), VR(3), 0),
					      3, &insn3), VSVM_ISA_ERR_OPCODE);
	/* The VATOMIC operand rules: D a vector, A and B no literal, no laneid. */
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(LDS_ATOMIC64(0, SR(1), VR(2), VR(3), 0), 3,
					      &insn3), VSVM_ISA_ERR_OPERAND);
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(LDS_ATOMIC64(0, VR(1), LIT, VR(3), 0), 3,
					      &insn3), VSVM_ISA_ERR_OPERAND);
	KUNIT_EXPECT_EQ(test, vsvm_isa_decode(LDS_ATOMIC64(0, VR(1), VR(2), LANEID, 0), 3,
					      &insn3), VSVM_ISA_ERR_OPERAND);
}

/*
 * Every operation on 64-bit LDS values, the cases of the global 64-bit
 * atomics: lanes 1-15 each work on their own LDS word at 0x100 + 8 * lane,
 * addressed as 0x200 + 8 * lane with offset -0x100; lane 0 is off.
 */
static void vsvm_isa_test_lds_atomic64(struct kunit *test)
{
	const struct atomic_case *cases = atomic_cases64;
	struct isa_test *t = test->priv;
	unsigned int i, lane;

	for (i = 0; i < ARRAY_SIZE(atomic_cases64); i++) {
		for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
			data64(t, VIN(0))[lane] = cases[i].mem;
			data64(t, VIN(1))[lane] = cases[i].b;
			data64(t, VIN(2))[lane] = cases[i].d;
		}
		reset_program(t);
		emit(t, I(V_SHL_B64, VR(7), VR(6), LIT, 3));
		emit(t, I(V_ADD_U64, VR(8), VR(7), SR(0), 0));
		emit(t, I(V_LOAD_U64, VR(10), VR(8), 0, VIN(0)));
		emit(t, I(V_LOAD_U64, VR(11), VR(8), 0, VIN(1)));
		emit(t, I(V_LOAD_U64, VR(12), VR(8), 0, VIN(2)));
		emit(t, I(V_LDS_STORE_B64, 0, VR(7), VR(10), 0x100));
		emit(t, I(V_ADD_U64, VR(9), VR(7), LIT, 0x200));
		emit(t, I(S_MOV, EXEC, LIT, 0, 0xfffe));	/* lane 0 off */
		emit(t, LDS_ATOMIC64(cases[i].op, VR(12), VR(9), VR(11), -0x100));
		emit(t, I(S_MOV, EXEC, LIT, 0, 0xffff));
		emit(t, I(V_LDS_LOAD_U64, VR(13), VR(7), 0, 0x100));
		emit(t, I(V_STORE_B64, 0, VR(8), VR(12), VIN(3)));
		emit(t, I(V_STORE_B64, 0, VR(8), VR(13), VIN(4)));
		emit(t, I(S_ENDPGM, 0, 0, 0, 0));
		load_at(t, CODE_OFF);
		run(t);
		expect_done(t);
		for (lane = 0; lane < VSVM_ISA_WAVE_LANES; lane++) {
			u64 mem = cases[i].after, d = cases[i].mem;

			if (!lane) {	/* off: keeps the memory and its D */
				mem = cases[i].mem;
				d = cases[i].d;
			}

			KUNIT_EXPECT_EQ_MSG(test, data64(t, VIN(4))[lane], mem,
					    "case %u lane %u", i, lane);
			KUNIT_EXPECT_EQ_MSG(test, data64(t, VIN(3))[lane], d,
					    "case %u lane %u", i, lane);
		}
	}

	/*
	 * 40 lanes in three waves add 0x100000001 to one counter: the carry
	 * crosses 32 bits, and each lane's D is the count before its add.
	 */
	reset_program(t);
	emit(t, I(S_MOV, SR(5), LIT, 0, 0x100000001ull >> 32));
	emit(t, I(S_SHL, SR(5), SR(5), LIT, 32));
	emit(t, I(S_ADD, SR(5), SR(5), LIT, 1));
	emit(t, I(S_MOV, SR(6), LIT, 0, 0x100));
	emit(t, LDS_ATOMIC64(VSVM_ATOMIC_ADD, VR(10), SR(6), SR(5), 8));
	emit(t, I(S_BARRIER, 0, 0, 0, 0));
	emit(t, I(V_LDS_LOAD_U64, VR(11), SR(6), 0, 8));
	emit(t, I(V_SHL_B64, VR(13), VR(6), LIT, 3));
	emit(t, I(V_ADD_U64, VR(13), VR(13), SR(0), 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(10), 0));
	emit(t, I(V_STORE_B64, 0, VR(13), VR(11), 0x400));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	set_group(t, 40, 1, 1);
	run(t);
	expect_done(t);
	for (lane = 0; lane < 40; lane++) {
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0)[lane], lane * 0x100000001ull,
				    "lane %u", lane);
		KUNIT_EXPECT_EQ_MSG(test, data64(t, 0x400)[lane], 40 * 0x100000001ull,
				    "lane %u", lane);
	}

	/* The same program is an invalid opcode for a v2 dispatch. */
	t->d.isa_version = 2;
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_OPCODE, 4 * 8);
}

static void vsvm_isa_test_lds_atomic64_errors(struct kunit *test)
{
	struct isa_test *t = test->priv;

	/* 8 bytes at a 4-aligned offset: an alignment error, LDS unchanged. */
	emit(t, I(S_MOV, SR(1), LIT, 0, 0x104));
	emit(t, LDS_ATOMIC64(VSVM_ATOMIC_XCHG, VR(9), SR(1), SR(1), 0));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_ALIGN, 8);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, 0x104);

	/* The last 8 bytes are in range; past the end, or below 0, are not. */
	reset_program(t);
	emit(t, I(S_MOV, SR(1), LIT, 0, VSVM_ISA_LDS_BYTES - 8));
	emit(t, LDS_ATOMIC64(VSVM_ATOMIC_ADD, VR(9), SR(1), SR(1), 0));
	emit(t, LDS_ATOMIC64(VSVM_ATOMIC_ADD, VR(9), SR(1), SR(1), 8));
	emit(t, I(S_ENDPGM, 0, 0, 0, 0));
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_LDS, 16);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, VSVM_ISA_LDS_BYTES);
	reset_program(t);
	emit(t, LDS_ATOMIC64(VSVM_ATOMIC_OR, VR(9), SR(10), SR(10), -8));	/* s10 is 0 */
	load_at(t, CODE_OFF);
	run(t);
	expect_invalid(t, VSVM_ISA_ERR_LDS, 0);
	KUNIT_EXPECT_EQ(test, t->res.fault_addr, (u64)-8);
	KUNIT_EXPECT_EQ(test, t->access_calls, 0);
}

static struct kunit_case vsvm_isa_test_cases[] = {
	KUNIT_CASE(vsvm_isa_test_decode_opcodes),
	KUNIT_CASE(vsvm_isa_test_decode_valid),
	KUNIT_CASE(vsvm_isa_test_decode_bad_operands),
	KUNIT_CASE(vsvm_isa_test_decode_v2),
	KUNIT_CASE(vsvm_isa_test_version),
	KUNIT_CASE(vsvm_isa_test_vector_int_v2),
	KUNIT_CASE(vsvm_isa_test_float_v2),
	KUNIT_CASE(vsvm_isa_test_lds),
	KUNIT_CASE(vsvm_isa_test_lds_errors),
	KUNIT_CASE(vsvm_isa_test_decode_v3),
	KUNIT_CASE(vsvm_isa_test_lds_atomic64),
	KUNIT_CASE(vsvm_isa_test_lds_atomic64_errors),
	KUNIT_CASE(vsvm_isa_test_scalar_alu),
	KUNIT_CASE(vsvm_isa_test_vector_int),
	KUNIT_CASE(vsvm_isa_test_float),
	KUNIT_CASE(vsvm_isa_test_float_sections),
	KUNIT_CASE(vsvm_isa_test_compare),
	KUNIT_CASE(vsvm_isa_test_cndmask),
	KUNIT_CASE(vsvm_isa_test_loads),
	KUNIT_CASE(vsvm_isa_test_stores),
	KUNIT_CASE(vsvm_isa_test_atomics),
	KUNIT_CASE(vsvm_isa_test_scalar_memory),
	KUNIT_CASE(vsvm_isa_test_divergence),
	KUNIT_CASE(vsvm_isa_test_barrier),
	KUNIT_CASE(vsvm_isa_test_spin),
	KUNIT_CASE(vsvm_isa_test_initial_state),
	KUNIT_CASE(vsvm_isa_test_invalid_instruction),
	KUNIT_CASE(vsvm_isa_test_bad_branch),
	KUNIT_CASE(vsvm_isa_test_pc_off_end),
	KUNIT_CASE(vsvm_isa_test_misaligned),
	KUNIT_CASE(vsvm_isa_test_fault),
	KUNIT_CASE(vsvm_isa_test_stop),
	KUNIT_CASE(vsvm_isa_test_icache),
	KUNIT_CASE(vsvm_isa_test_fuzz),
	KUNIT_CASE(vsvm_isa_test_run_fast_path),
	KUNIT_CASE(vsvm_isa_test_run_fallbacks),
	KUNIT_CASE(vsvm_isa_test_register_clearing),
	KUNIT_CASE(vsvm_isa_test_decode_once),
	KUNIT_CASE(vsvm_isa_test_lane_ids),
	{}
};

static struct kunit_suite vsvm_isa_test_suite = {
	.name = "vsvm-isa",
	.init = vsvm_isa_test_init,
	.exit = vsvm_isa_test_exit,
	.test_cases = vsvm_isa_test_cases,
};

kunit_test_suite(vsvm_isa_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
