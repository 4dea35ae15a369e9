// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vsvm_compute - programs on the compute engines, over plain process memory
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

#include "kernels/bad_load.h"
#include "kernels/bad_store.h"
#include "kernels/copy_word.h"
#include "kernels/grid_ids.h"
#include "kernels/histogram.h"
#include "kernels/lds_fresh.h"
#include "kernels/lds_offset.h"
#include "kernels/lds_sum.h"
#include "kernels/list_sum.h"
#include "kernels/misaligned.h"
#include "kernels/saxpy.h"
#include "kernels/store_one.h"

IGT_TEST_DESCRIPTION("Compute kernels dereferencing plain malloc/mmap pointers on the vsvm "
		     "compute engines: results checked exactly, faults, invalid programs and "
		     "runaway programs reported with their pc, the VM usable afterwards.");

#define PAGE_SIZE 4096
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ISA words written by hand, for programs the assembler would refuse. */
#define WORD(op, imm) ((uint64_t)(op) | ((uint64_t)(uint32_t)(imm) << 32))

static struct {
	int fd;
	uint32_t vm;
	char path[64];
} t = { .fd = -1 };

static struct vsvm_job_status run_program(const struct vsvm_program *prog, uint32_t lanes,
					  uint32_t group_size, const uint64_t *args,
					  unsigned int num_args)
{
	void *code = vsvm_program_upload(prog);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, prog, lanes, group_size);
	struct vsvm_job_status st;

	igt_assert(num_args <= VSVM_ISA_MAX_ARGS);
	if (num_args)
		memcpy(d.args, args, num_args * sizeof(*args));
	d.num_args = num_args;
	st = vsvm_run_compute(t.fd, t.vm, &d);
	vsvm_program_free(code, prog);
	return st;
}

static void assert_ok(struct vsvm_job_status st)
{
	igt_assert_f(st.status == DRM_VSVM_JOB_OK,
		     "job ended %s (addr 0x%llx, pc %llu, error %u)\n",
		     vsvm_job_status_name(st.status), (unsigned long long)st.fault_addr,
		     (unsigned long long)st.pc, st.error);
}

/* The VM still works after a failed job: a small program runs to the end. */
static void assert_vm_usable(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	uint64_t *out = malloc(sizeof(*out));
	uint64_t args[] = { (uintptr_t)out };

	igt_assert(out);
	*out = 0;
	assert_ok(run_program(&prog, 1, 1, args, 1));
	igt_assert_eq_u64(*out, 42);
	free(out);
}

static void test_saxpy(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_saxpy);
	const uint32_t n = (1u << 16) + 7;
	float *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	float *expect = malloc(n * sizeof(*expect));
	const float a = 2.5f;
	uint32_t a_bits, i;

	igt_assert(x && y && expect);
	srandom(1);
	for (i = 0; i < n; i++) {
		volatile float product;

		x[i] = (float)(random() % 20000) / 7.0f - 1000.0f;
		y[i] = (float)(random() % 20000) / 3.0f;
		/* Two roundings, as the ISA's v_mac_f32. */
		product = x[i] * a;
		expect[i] = product + y[i];
	}
	memcpy(&a_bits, &a, sizeof(a_bits));

	assert_ok(run_program(&prog, n, 64,
			      (uint64_t[]){ (uintptr_t)x, (uintptr_t)y, n, a_bits }, 4));
	for (i = 0; i < n; i++)
		igt_assert_f(memcmp(&y[i], &expect[i], sizeof(float)) == 0,
			     "y[%u] = %a, expected %a\n", i, y[i], expect[i]);
	free(x);
	free(y);
	free(expect);
}

struct node {
	struct node *next;
	uint32_t value;
};

static void test_list_sum(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_list_sum);
	const uint32_t lists = 300;
	struct node **heads = calloc(lists, sizeof(*heads));
	uint32_t *sums = calloc(lists, sizeof(*sums)), *expect = calloc(lists, sizeof(*expect));
	uint32_t i, j;

	igt_assert(heads && sums && expect);
	srandom(2);
	/* Lists of 0 to 36 nodes, each node its own malloc: lanes diverge. */
	for (i = 0; i < lists; i++) {
		for (j = 0; j < i % 37; j++) {
			struct node *node = malloc(sizeof(*node));

			igt_assert(node);
			node->value = random() % 100000;
			node->next = heads[i];
			heads[i] = node;
			expect[i] += node->value;
		}
		sums[i] = 0xdeadbeef;
	}

	assert_ok(run_program(&prog, lists, 32,
			      (uint64_t[]){ (uintptr_t)heads, (uintptr_t)sums, lists }, 3));
	for (i = 0; i < lists; i++)
		igt_assert_f(sums[i] == expect[i], "list %u: sum %u, expected %u\n", i, sums[i],
			     expect[i]);

	for (i = 0; i < lists; i++)
		while (heads[i]) {
			struct node *next = heads[i]->next;

			free(heads[i]);
			heads[i] = next;
		}
	free(heads);
	free(sums);
	free(expect);
}

struct cpu_adder {
	pthread_t thread;
	uint32_t *counters;
	uint32_t rounds;
	unsigned int seed;
};

/* CPU atomics on the very counters the device increments. */
static void *cpu_adder(void *data)
{
	struct cpu_adder *a = data;
	uint32_t r, k;

	for (r = 0; r < a->rounds; r++)
		for (k = 0; k < 256; k++)
			__atomic_fetch_add(&a->counters[(k * 7 + a->seed) % 256], 1,
					   __ATOMIC_RELAXED);
	return NULL;
}

static void test_histogram_atomics(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_histogram);
	const uint32_t n = 1u << 18;
	uint8_t *data = malloc(n);
	uint32_t *counters = calloc(256, sizeof(*counters));
	uint64_t expect[256] = { 0 };
	struct cpu_adder adders[2];
	struct drm_vsvm_dispatch d;
	struct vsvm_job_status st;
	uint64_t job;
	void *code;
	uint32_t i;

	igt_assert(data && counters);
	srandom(3);
	for (i = 0; i < n; i++) {
		data[i] = random() % 256;
		expect[data[i]]++;
	}

	code = vsvm_program_upload(&prog);
	d = vsvm_dispatch_1d(code, &prog, n, 256);
	d.args[0] = (uintptr_t)data;
	d.args[1] = (uintptr_t)counters;
	d.args[2] = n;
	d.num_args = 3;
	job = vsvm_exec_compute(t.fd, t.vm, &d, 1, NULL, 0, 0);

	/* Race the device: every counter gets rounds increments per adder. */
	for (i = 0; i < 2; i++) {
		adders[i] = (struct cpu_adder){ .counters = counters, .rounds = 2000, .seed = i };
		igt_assert_eq(pthread_create(&adders[i].thread, NULL, cpu_adder, &adders[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(adders[i].thread, NULL);
	st = vsvm_wait(t.fd, t.vm, job, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));
	assert_ok(st);

	for (i = 0; i < 256; i++)
		igt_assert_f(counters[i] == expect[i] + 2 * 2000,
			     "counter %u: %u, expected %llu\n", i, counters[i],
			     (unsigned long long)(expect[i] + 2 * 2000));
	vsvm_program_free(code, &prog);
	free(data);
	free(counters);
}

static void test_grid_ids(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_grid_ids);
	const uint32_t gs[3] = { 4, 2, 2 }, ng[3] = { 3, 2, 2 };
	const uint32_t X = gs[0] * ng[0], Y = gs[1] * ng[1], Z = gs[2] * ng[2];
	uint64_t *out = calloc(X * Y * Z, sizeof(*out));
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &prog, 1, 1);
	uint32_t x, y, z;

	igt_assert(out);
	memcpy(d.group_size, gs, sizeof(gs));
	memcpy(d.num_groups, ng, sizeof(ng));
	d.args[0] = (uintptr_t)out;
	d.args[1] = X;
	d.args[2] = Y;
	d.num_args = 3;
	assert_ok(vsvm_run_compute(t.fd, t.vm, &d));

	for (z = 0; z < Z; z++)
		for (y = 0; y < Y; y++)
			for (x = 0; x < X; x++) {
				uint64_t local = (x % gs[0]) + gs[0] * ((y % gs[1]) +
									gs[1] * (z % gs[2]));
				uint64_t want = x | (uint64_t)y << 16 | (uint64_t)z << 32 |
						local << 48;

				igt_assert_f(out[x + X * (y + Y * z)] == want,
					     "(%u,%u,%u): 0x%llx, expected 0x%llx\n", x, y, z,
					     (unsigned long long)out[x + X * (y + Y * z)],
					     (unsigned long long)want);
			}
	vsvm_program_free(code, &prog);
	free(out);
}

/*
 * The program sits in pages the device has never seen: the first fetch is a
 * device page fault, the only one of the job (its data is prefetched).
 */
static void test_code_fetch_faults(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_store_one);
	uint64_t *out = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct drm_vsvm_vm_prefetch pf = {
		.vm_id = t.vm,
		.flags = DRM_VSVM_PREFETCH_WRITE,
		.start = (uintptr_t)out,
		.size = PAGE_SIZE,
	};
	uint64_t before[DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &prog, 1, 1);

	igt_assert(out != MAP_FAILED);
	out[0] = 0;
	igt_assert_eq(drmIoctl(t.fd, DRM_IOCTL_VSVM_VM_PREFETCH, &pf), 0);
	d.args[0] = (uintptr_t)out;
	d.num_args = 1;

	vsvm_counters(t.fd, t.vm, before);
	assert_ok(vsvm_run_compute(t.fd, t.vm, &d));
	vsvm_counters_delta(t.fd, t.vm, before, delta);
	igt_assert_eq_u64(out[0], 42);
	igt_assert_eq_u64(delta[DRM_VSVM_COUNTER_FAULTS], 1);
	igt_assert_eq_u64(delta[DRM_VSVM_COUNTER_FAULTS_FATAL], 0);

	vsvm_program_free(code, &prog);
	munmap(out, PAGE_SIZE);
}

static void test_bad_pointer(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_bad_load);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &prog, 1, 1);
	char *gone = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vsvm_job_status st;

	/* Unmapped after the program is in place, so nothing reuses the hole. */
	igt_assert(gone != MAP_FAILED);
	igt_assert_eq(munmap(gone, PAGE_SIZE), 0);
	d.args[0] = (uintptr_t)gone;
	d.num_args = 1;
	st = vsvm_run_compute(t.fd, t.vm, &d);
	vsvm_program_free(code, &prog);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_FAULT);
	igt_assert_eq_u32(st.fault_access, DRM_VSVM_ACCESS_READ);
	igt_assert_eq_u64(st.fault_addr, (uintptr_t)gone + 4);
	igt_assert_eq_u64(st.pc, 8);
	assert_vm_usable();
}

static void test_read_only_store(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_bad_store);
	uint32_t *ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vsvm_job_status st;

	igt_assert(ro != MAP_FAILED);
	igt_assert_eq_u32(ro[0], 0);
	st = run_program(&prog, 1, 1, (uint64_t[]){ (uintptr_t)ro }, 1);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_FAULT);
	igt_assert_eq_u32(st.fault_access, DRM_VSVM_ACCESS_WRITE);
	igt_assert_eq_u64(st.fault_addr, (uintptr_t)ro);
	igt_assert_eq_u64(st.pc, 8);
	igt_assert_eq_u32(ro[0], 0);
	munmap(ro, PAGE_SIZE);
	assert_vm_usable();
}

static void assert_invalid(const uint64_t *words, size_t num, uint32_t error, uint64_t pc)
{
	const struct vsvm_program prog = { words, num, 0 };
	struct vsvm_job_status st = run_program(&prog, 1, 1, NULL, 0);

	igt_assert_f(st.status == DRM_VSVM_JOB_INVALID, "job ended %s\n",
		     vsvm_job_status_name(st.status));
	igt_assert_eq_u32(st.error, error);
	igt_assert_eq_u64(st.pc, pc);
	assert_vm_usable();
}

static void test_invalid_opcode(void)
{
	const uint64_t words[] = { WORD(VSVM_OP_S_NOP, 0), WORD(0xff, 0),
				   WORD(VSVM_OP_S_ENDPGM, 0) };

	assert_invalid(words, 3, VSVM_ISA_ERR_OPCODE, 8);
}

static void test_invalid_operand(void)
{
	/* s_mov with a vector register (v0 = code 64) as destination. */
	const uint64_t words[] = { WORD(VSVM_OP_S_MOV | 64 << 8, 0), WORD(VSVM_OP_S_ENDPGM, 0) };

	assert_invalid(words, 2, VSVM_ISA_ERR_OPERAND, 0);
}

static void test_bad_branch(void)
{
	const uint64_t words[] = { WORD(VSVM_OP_S_NOP, 0), WORD(VSVM_OP_S_BRANCH, 100),
				   WORD(VSVM_OP_S_ENDPGM, 0) };

	assert_invalid(words, 3, VSVM_ISA_ERR_BRANCH, 8);
}

static void test_pc_off_end(void)
{
	const uint64_t words[] = { WORD(VSVM_OP_S_NOP, 0), WORD(VSVM_OP_S_NOP, 0) };

	assert_invalid(words, 2, VSVM_ISA_ERR_PC, 16);
}

static void test_misaligned(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_misaligned);
	uint64_t *buf = malloc(16);
	struct vsvm_job_status st;

	igt_assert(buf);
	st = run_program(&prog, 1, 1, (uint64_t[]){ (uintptr_t)buf }, 1);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_INVALID);
	igt_assert_eq_u32(st.error, VSVM_ISA_ERR_ALIGN);
	igt_assert_eq_u64(st.fault_addr, (uintptr_t)buf + 2);
	igt_assert_eq_u64(st.pc, 0);
	free(buf);
	assert_vm_usable();
}

/* ISA v2: a tree sum in shared memory, bit-exact with the same tree on the CPU. */
static void test_lds_reduction(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_lds_sum);
	const uint32_t groups = 301, n = 64 * groups;
	float *data = malloc(n * sizeof(*data));
	float *sums = calloc(groups, sizeof(*sums));
	float tree[64];
	uint32_t g, i, stride;

	igt_assert(data && sums);
	srandom(7);
	for (i = 0; i < n; i++)
		data[i] = (float)(random() % 2000001 - 1000000) / 1024.0f;
	assert_ok(run_program(&prog, n, 64,
			      (uint64_t[]){ (uintptr_t)data, (uintptr_t)sums }, 2));
	for (g = 0; g < groups; g++) {
		memcpy(tree, &data[64 * g], sizeof(tree));
		for (stride = 32; stride; stride /= 2)
			for (i = 0; i < stride; i++)
				tree[i] += tree[i + stride];
		igt_assert_f(!memcmp(&sums[g], &tree[0], sizeof(float)),
			     "workgroup %u: device %a, CPU %a\n", g, sums[g], tree[0]);
	}
	free(data);
	free(sums);
}

/*
 * ISA v2: every workgroup starts with an all-zero LDS, whatever the groups
 * before it on the same engine left there (a group of another process's job
 * may have run there before).
 */
static void test_lds_fresh(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_lds_fresh);
	const uint32_t n = 256 * 97;
	uint32_t *out = malloc(n * sizeof(*out));
	uint32_t i;

	igt_assert(out);
	memset(out, 0x5a, n * sizeof(*out));
	assert_ok(run_program(&prog, n, 256, (uint64_t[]){ (uintptr_t)out }, 1));
	for (i = 0; i < n; i++)
		igt_assert_f(out[i] == 0, "lane %u read 0x%x from a fresh LDS\n", i, out[i]);
	free(out);
}

/* ISA v2: shared-memory offsets outside the LDS and v2 opcodes under v1. */
static void test_lds_errors(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_lds_offset);
	struct drm_vsvm_dispatch d;
	struct vsvm_job_status st;
	void *code;

	st = run_program(&prog, 1, 1, (uint64_t[]){ VSVM_ISA_LDS_BYTES - 4 }, 1);
	assert_ok(st);
	st = run_program(&prog, 1, 1, (uint64_t[]){ VSVM_ISA_LDS_BYTES }, 1);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_INVALID);
	igt_assert_eq_u32(st.error, VSVM_ISA_ERR_LDS);
	igt_assert_eq_u64(st.fault_addr, VSVM_ISA_LDS_BYTES);
	igt_assert_eq_u64(st.pc, 8);
	st = run_program(&prog, 1, 1, (uint64_t[]){ -4ull }, 1);
	igt_assert_eq_u32(st.error, VSVM_ISA_ERR_LDS);
	igt_assert_eq_u64(st.fault_addr, -4ull);
	st = run_program(&prog, 1, 1, (uint64_t[]){ 6 }, 1);
	igt_assert_eq_u32(st.error, VSVM_ISA_ERR_ALIGN);
	igt_assert_eq_u64(st.fault_addr, 6);

	/* The same program dispatched as ISA version 1: pc 8 is no instruction. */
	code = vsvm_program_upload(&prog);
	d = vsvm_dispatch_1d(code, &prog, 1, 1);
	d.isa_version = 1;
	d.num_args = 1;
	st = vsvm_run_compute(t.fd, t.vm, &d);
	igt_assert_eq_u32(st.status, DRM_VSVM_JOB_INVALID);
	igt_assert_eq_u32(st.error, VSVM_ISA_ERR_OPCODE);
	igt_assert_eq_u64(st.pc, 8);
	vsvm_program_free(code, &prog);
	assert_vm_usable();
}

/* A program that never ends is stopped by the scheduler's job timeout. */
static void test_runaway_timeout(void)
{
	const uint64_t words[] = { WORD(VSVM_OP_S_NOP, 0), WORD(VSVM_OP_S_BRANCH, -1) };
	const struct vsvm_program prog = { words, 2, 0 };
	struct vsvm_job_status st = run_program(&prog, 64, 64, NULL, 0);

	igt_assert_f(st.status == DRM_VSVM_JOB_TIMEOUT, "job ended %s\n",
		     vsvm_job_status_name(st.status));
	igt_assert_eq_u64(st.pc, 8);
	assert_vm_usable();
}

/* Dispatches of a job run in order: the second reads what the first wrote. */
static void test_dispatch_order(void)
{
	const struct vsvm_program store = VSVM_PROGRAM(kernel_store_one);
	const struct vsvm_program copy = VSVM_PROGRAM(kernel_copy_word);
	uint64_t *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	void *store_code = vsvm_program_upload(&store), *copy_code = vsvm_program_upload(&copy);
	struct drm_vsvm_dispatch d[2] = {
		vsvm_dispatch_1d(store_code, &store, 1, 1),
		vsvm_dispatch_1d(copy_code, &copy, 1, 1),
	};
	uint64_t job;

	igt_assert(a && b);
	d[0].args[0] = (uintptr_t)a;
	d[0].num_args = 1;
	d[1].args[0] = (uintptr_t)a;
	d[1].args[1] = (uintptr_t)b;
	d[1].num_args = 2;
	job = vsvm_exec_compute(t.fd, t.vm, d, 2, NULL, 0, 0);
	assert_ok(vsvm_wait(t.fd, t.vm, job, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS)));
	igt_assert_eq_u64(*b, 42);
	vsvm_program_free(store_code, &store);
	vsvm_program_free(copy_code, &copy);
	free(a);
	free(b);
}

/*
 * Submit @cmds as a copy job, then a compute job that waits for its
 * out-syncobj and copies *@src to *@dst; wait for the compute job and
 * assert it ended OK. Return how the copy job ended.
 */
static struct vsvm_job_status copy_then_compute(const struct drm_vsvm_cmd *cmds, unsigned int num,
						uint64_t *src, uint64_t *dst)
{
	const struct vsvm_program copy = VSVM_PROGRAM(kernel_copy_word);
	void *code = vsvm_program_upload(&copy);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &copy, 1, 1);
	struct drm_vsvm_exec exec = {
		.vm_id = t.vm,
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)cmds,
		.num_cmds = num,
	};
	struct vsvm_job_status st;
	uint32_t fence;
	uint64_t job;

	igt_assert_eq(drmSyncobjCreate(t.fd, 0, &fence), 0);
	exec.out_syncobj = fence;
	igt_assert_eq(__vsvm_exec(t.fd, &exec), 0);
	d.args[0] = (uintptr_t)src;
	d.args[1] = (uintptr_t)dst;
	d.num_args = 2;
	job = vsvm_exec_compute(t.fd, t.vm, &d, 1, &fence, 1, 0);
	assert_ok(vsvm_wait(t.fd, t.vm, job, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS)));
	st = vsvm_wait(t.fd, t.vm, exec.job_id, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));
	drmSyncobjDestroy(t.fd, fence);
	vsvm_program_free(code, &copy);
	return st;
}

/*
 * A compute job waits for its in-fence: a slow copy job first fills 64 MiB,
 * then sets the word the compute job copies.
 */
static void test_in_fence(void)
{
	const size_t big = 64ull << 20;
	char *slow = malloc(big);
	uint64_t *src = calloc(1, sizeof(*src)), *dst = calloc(1, sizeof(*dst));
	struct drm_vsvm_cmd cmds[2] = {
		vsvm_cmd_fill(slow, big, 0x0101010101010101ull),
		vsvm_cmd_fill(src, sizeof(*src), 0x1234567887654321ull),
	};

	igt_assert(slow && src && dst);
	assert_ok(copy_then_compute(cmds, 2, src, dst));
	igt_assert_eq_u64(*dst, 0x1234567887654321ull);
	free(slow);
	free(src);
	free(dst);
}

/*
 * An in-fence orders, it does not pass failure on (DRM_IOCTL_VSVM_EXEC): a
 * copy job that sets a word and then faults still lets the compute job that
 * waits for it run, after it, and copy that word. OpenCL's in-order queues
 * rely on it: a kernel that faulted must not cancel the commands after it.
 */
static void test_in_fence_error(void)
{
	const size_t big = 16ull << 20;
	char *slow = malloc(big);
	uint64_t *src = calloc(1, sizeof(*src)), *dst = calloc(1, sizeof(*dst));
	struct drm_vsvm_cmd cmds[3] = {
		vsvm_cmd_fill(slow, big, 0x0101010101010101ull),
		vsvm_cmd_fill(src, sizeof(*src), 0x0badf00d0badf00dull),
		vsvm_cmd_fill((void *)(uintptr_t)0x1000, 8, 1), /* nothing is mapped there */
	};
	struct vsvm_job_status st;

	igt_assert(slow && src && dst);
	st = copy_then_compute(cmds, 3, src, dst);
	igt_assert_eq_u64(*dst, 0x0badf00d0badf00dull);
	igt_assert_f(st.status == DRM_VSVM_JOB_FAULT && st.cmd_index == 2,
		     "the copy job ended %s at command %u, not with a fault at command 2\n",
		     vsvm_job_status_name(st.status), st.cmd_index);
	free(slow);
	free(src);
	free(dst);
}

/* Sum of the debugfs counters compute_groups.<n>, each in @per_engine. */
static unsigned int read_engine_groups(uint64_t *per_engine, unsigned int max)
{
	char link[PATH_MAX], path[PATH_MAX + 64], name[64];
	const char *node = strrchr(t.path, '/') + 1;
	unsigned long long value;
	unsigned int n = 0, i;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/drm/%s/device", node);
	len = readlink(path, link, sizeof(link) - 1);
	igt_assert(len > 0);
	link[len] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/counters", strrchr(link, '/') + 1);
	f = fopen(path, "r");
	igt_require_f(f, "%s: debugfs not readable\n", path);
	while (fscanf(f, "%63s %llu", name, &value) == 2)
		if (sscanf(name, "compute_groups.%u", &i) == 1 && i < max) {
			per_engine[i] = value;
			n = i + 1 > n ? i + 1 : n;
		}
	fclose(f);
	return n;
}

/* Many workgroups: every engine takes some, and the results are exact. */
static void test_many_workgroups(void)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_saxpy);
	const uint32_t groups = 4096, n = groups * 16;
	float *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	uint64_t before[8] = { 0 }, after[8] = { 0 }, total = 0;
	unsigned int engines, i;
	const float a = -3.0f;
	uint32_t a_bits;

	igt_assert(x && y);
	for (i = 0; i < n; i++) {
		x[i] = (float)i;
		y[i] = 1.0f;
	}
	memcpy(&a_bits, &a, sizeof(a_bits));
	engines = read_engine_groups(before, 8);
	igt_assert_eq_u64(engines, vsvm_get_param(t.fd, DRM_VSVM_PARAM_COMPUTE_ENGINES));

	assert_ok(run_program(&prog, n, 16,
			      (uint64_t[]){ (uintptr_t)x, (uintptr_t)y, n, a_bits }, 4));
	igt_assert_eq(read_engine_groups(after, 8), engines);
	for (i = 0; i < engines; i++) {
		igt_info("engine %u ran %llu workgroups\n", i,
			 (unsigned long long)(after[i] - before[i]));
		igt_assert_f(after[i] > before[i], "engine %u ran no workgroup\n", i);
		total += after[i] - before[i];
	}
	igt_assert_eq_u64(total, groups);
	for (i = 0; i < n; i++)
		igt_assert_f(y[i] == (float)i * a + 1.0f, "y[%u] = %f\n", i, y[i]);
	free(x);
	free(y);
}

/* ---- compute_engines_active ---------------------------------------------------------- */

#define ACTIVE_TUNABLE	"compute_engines_active"
#define ACTIVE_GROUPS	4096u
#define ACTIVE_LANES	(ACTIVE_GROUPS * 16)
#define MAX_ENGINES	8

static unsigned int num_engines(void)
{
	uint64_t n = vsvm_get_param(t.fd, DRM_VSVM_PARAM_COMPUTE_ENGINES);

	igt_assert(n >= 1 && n <= MAX_ENGINES);
	return n;
}

static unsigned int engines_active(void)
{
	char value[32], *end;
	unsigned long n;

	igt_assert_eq(vsvm_tunable_read(t.fd, ACTIVE_TUNABLE, value, sizeof(value)), 0);
	n = strtoul(value, &end, 10);
	igt_assert_f(*value && !*end, "%s reads \"%s\"\n", ACTIVE_TUNABLE, value);
	return n;
}

/* For the rest of the subtest; the exit handler puts the old value back. */
static void set_engines_active(unsigned int n)
{
	char path[PATH_MAX], value[16];
	int ret;

	igt_assert_eq(vsvm_tunable_path(t.fd, ACTIVE_TUNABLE, path, sizeof(path)), 0);
	snprintf(value, sizeof(value), "%u", n);
	ret = vsvm_knob_set(path, value);
	igt_assert_f(ret == 0, "%s = %u: %s\n", ACTIVE_TUNABLE, n, strerror(-ret));
	igt_assert_eq(engines_active(), n);
}

/*
 * x[i] = i % 1024 and y[i] = 1, a = 2: every sum of saxpy is an exact
 * integer, so after k dispatches y[i] is 1 + k * 2 * x[i] to the bit, a
 * workgroup run twice or not at all shows.
 */
static const float active_a = 2.0f;

static float *saxpy_x(void)
{
	float *x = malloc(ACTIVE_LANES * sizeof(*x));
	uint32_t i;

	igt_assert(x);
	for (i = 0; i < ACTIVE_LANES; i++)
		x[i] = (float)(i % 1024);
	return x;
}

static float *saxpy_y(void)
{
	float *y = malloc(ACTIVE_LANES * sizeof(*y));
	uint32_t i;

	igt_assert(y);
	for (i = 0; i < ACTIVE_LANES; i++)
		y[i] = 1.0f;
	return y;
}

static void assert_saxpy(const float *x, const float *y, unsigned int dispatches)
{
	uint32_t i;

	for (i = 0; i < ACTIVE_LANES; i++) {
		float expect = 1.0f;
		unsigned int k;

		for (k = 0; k < dispatches; k++)
			expect += active_a * x[i];
		igt_assert_f(y[i] == expect, "y[%u] = %f after %u dispatches, expected %f\n", i,
			     y[i], dispatches, expect);
	}
}

static struct drm_vsvm_dispatch saxpy_dispatch(const void *code, const struct vsvm_program *prog,
					       const float *x, float *y)
{
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, prog, ACTIVE_LANES, 16);
	uint32_t a_bits;

	memcpy(&a_bits, &active_a, sizeof(a_bits));
	d.args[0] = (uintptr_t)x;
	d.args[1] = (uintptr_t)y;
	d.args[2] = ACTIVE_LANES;
	d.args[3] = a_bits;
	d.num_args = 4;
	return d;
}

/*
 * With @active engines active, one saxpy dispatch of ACTIVE_GROUPS
 * workgroups: exact results, every workgroup counted once, none on an engine
 * at or above @active and some on each engine below it.
 */
static void run_with_active(unsigned int active)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_saxpy);
	uint64_t before[MAX_ENGINES] = { 0 }, after[MAX_ENGINES] = { 0 }, total = 0;
	unsigned int engines = num_engines(), i;
	float *x = saxpy_x(), *y = saxpy_y();
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = saxpy_dispatch(code, &prog, x, y);

	set_engines_active(active);
	igt_assert_eq(read_engine_groups(before, MAX_ENGINES), engines);
	assert_ok(vsvm_run_compute(t.fd, t.vm, &d));
	igt_assert_eq(read_engine_groups(after, MAX_ENGINES), engines);
	assert_saxpy(x, y, 1);
	for (i = 0; i < engines; i++) {
		uint64_t ran = after[i] - before[i];

		igt_info("active %u: engine %u ran %llu workgroups\n", active, i,
			 (unsigned long long)ran);
		if (i < active)
			igt_assert_f(ran > 0, "active %u: engine %u ran no workgroup\n", active, i);
		else
			igt_assert_f(ran == 0, "active %u: inactive engine %u ran %llu workgroups\n",
				     active, i, (unsigned long long)ran);
		total += ran;
	}
	igt_assert_eq_u64(total, ACTIVE_GROUPS);
	vsvm_program_free(code, &prog);
	free(x);
	free(y);
}

static void test_engines_active_one(void)
{
	unsigned int initial;

	vsvm_knobs_restore();
	initial = engines_active();
	run_with_active(1);
	vsvm_knobs_restore();
	igt_assert_eq(engines_active(), initial);
}

static void test_engines_active_all(void)
{
	unsigned int engines = num_engines(), initial, k;

	igt_require_f(engines >= 2, "the device has one compute engine\n");
	vsvm_knobs_restore();
	initial = engines_active();
	for (k = 2; k <= engines; k++)
		run_with_active(k);
	/* Down again after up: the engines above 1 go idle once more. */
	run_with_active(1);
	run_with_active(engines);
	vsvm_knobs_restore();
	igt_assert_eq(engines_active(), initial);
}

struct toggler {
	char path[PATH_MAX];
	unsigned int engines;
	bool stop;
	unsigned int toggles, failures;
};

/* Flips the tunable between 1 and all engines until told to stop. */
static void *toggle_engines(void *arg)
{
	struct toggler *tg = arg;
	unsigned int i = 0;

	while (!__atomic_load_n(&tg->stop, __ATOMIC_ACQUIRE)) {
		char value[16];

		snprintf(value, sizeof(value), "%u", i++ % 2 ? tg->engines : 1);
		if (vsvm_write_file(tg->path, value))
			tg->failures++;
		else
			tg->toggles++;
		usleep(500);
	}
	return NULL;
}

/*
 * Jobs of several saxpy dispatches each, all queued at once, while a thread
 * flips the tunable between 1 and all engines: every job ends OK with every
 * element exact (nothing lost, nothing run twice), and the engines together
 * count exactly the workgroups submitted.
 */
static void test_engines_active_toggle(void)
{
	enum { JOBS = 16, DISPATCHES = 4 };
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_saxpy);
	uint64_t before[MAX_ENGINES] = { 0 }, after[MAX_ENGINES] = { 0 }, total = 0;
	unsigned int engines = num_engines(), initial, i, j;
	struct drm_vsvm_dispatch d[DISPATCHES];
	struct toggler tg = { .engines = engines };
	struct vsvm_job_status st[JOBS];
	uint64_t jobs[JOBS];
	float *x, *y[JOBS];
	pthread_t thread;
	void *code;

	igt_require_f(engines >= 2, "the device has one compute engine: nothing to toggle\n");
	vsvm_knobs_restore();
	initial = engines_active();
	set_engines_active(engines);	/* saves the value the exit handler restores */
	igt_assert_eq(vsvm_tunable_path(t.fd, ACTIVE_TUNABLE, tg.path, sizeof(tg.path)), 0);

	x = saxpy_x();
	code = vsvm_program_upload(&prog);
	for (j = 0; j < JOBS; j++)
		y[j] = saxpy_y();
	igt_assert_eq(read_engine_groups(before, MAX_ENGINES), engines);

	igt_assert_eq(pthread_create(&thread, NULL, toggle_engines, &tg), 0);
	for (j = 0; j < JOBS; j++) {
		for (i = 0; i < DISPATCHES; i++)
			d[i] = saxpy_dispatch(code, &prog, x, y[j]);
		jobs[j] = vsvm_exec_compute(t.fd, t.vm, d, DISPATCHES, NULL, 0, 0);
	}
	/* Asserted after the join: no flip may come after the exit handler's restore. */
	for (j = 0; j < JOBS; j++)
		st[j] = vsvm_wait(t.fd, t.vm, jobs[j], vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));
	__atomic_store_n(&tg.stop, true, __ATOMIC_RELEASE);
	igt_assert_eq(pthread_join(thread, NULL), 0);
	for (j = 0; j < JOBS; j++)
		assert_ok(st[j]);

	igt_info("%u toggles of %s while %u jobs of %u dispatches ran\n", tg.toggles,
		 ACTIVE_TUNABLE, JOBS, DISPATCHES);
	igt_assert_eq(tg.failures, 0);
	/* Enough flips that many of them fell inside dispatches. */
	igt_assert_lte_u64(10, tg.toggles);

	igt_assert_eq(read_engine_groups(after, MAX_ENGINES), engines);
	for (i = 0; i < engines; i++) {
		igt_info("engine %u ran %llu workgroups\n", i,
			 (unsigned long long)(after[i] - before[i]));
		total += after[i] - before[i];
	}
	igt_assert_eq_u64(total, (uint64_t)JOBS * DISPATCHES * ACTIVE_GROUPS);
	for (j = 0; j < JOBS; j++) {
		assert_saxpy(x, y[j], DISPATCHES);
		free(y[j]);
	}
	vsvm_program_free(code, &prog);
	free(x);

	/* Every engine still takes work after all the flips. */
	run_with_active(engines);
	vsvm_knobs_restore();
	igt_assert_eq(engines_active(), initial);
}

/* Writes out of range or not numbers: -EINVAL, the value unchanged. */
static void test_engines_active_invalid(void)
{
	unsigned int engines = num_engines(), initial, s;
	const unsigned int starts[] = { engines, 1 };
	char too_many[16];
	const char *bad[] = { "0", too_many, "-1", "abc", "1x", "4294967297", "99999999999999999999" };

	snprintf(too_many, sizeof(too_many), "%u", engines + 1);
	vsvm_knobs_restore();
	initial = engines_active();
	for (s = 0; s < ARRAY_SIZE(starts); s++) {
		unsigned int b;

		set_engines_active(starts[s]);
		for (b = 0; b < ARRAY_SIZE(bad); b++) {
			igt_assert_f(vsvm_tunable_write(t.fd, ACTIVE_TUNABLE, bad[b]) == -EINVAL,
				     "writing \"%s\" did not fail with EINVAL\n", bad[b]);
			igt_assert_f(engines_active() == starts[s],
				     "writing \"%s\" changed the value from %u to %u\n", bad[b],
				     starts[s], engines_active());
		}
	}
	vsvm_knobs_restore();
	igt_assert_eq(engines_active(), initial);
}

/* xorshift64*: the seeded generator of the random programs. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

/*
 * A random word, biased to defined opcodes and operand codes so that most of
 * the program executes; branches only go forward, so every program ends.
 */
static uint64_t random_word(uint64_t *state)
{
	/* Defined opcodes of every class, the branches forward only (below). */
	static const uint8_t ops[] = {
		VSVM_OP_S_NOP, VSVM_OP_S_BARRIER, VSVM_OP_S_BRANCH, VSVM_OP_S_CBRANCH_Z,
		VSVM_OP_S_CBRANCH_EXECZ, VSVM_OP_S_MOV, VSVM_OP_S_ADD, VSVM_OP_S_AND,
		VSVM_OP_S_SHL, VSVM_OP_S_CMP_LT_U, VSVM_OP_V_MOV, VSVM_OP_V_ADD_U32,
		VSVM_OP_V_MUL_U32, VSVM_OP_V_DIV_U32, VSVM_OP_V_ADD_U64, VSVM_OP_V_SHL_B64,
		VSVM_OP_V_CVT_F32_I32, VSVM_OP_V_CVT_I32_F32, VSVM_OP_V_CNDMASK,
		VSVM_OP_V_ADD_F32, VSVM_OP_V_DIV_F32, VSVM_OP_V_MAC_F32, VSVM_OP_V_SQRT_F32,
		VSVM_OP_V_CMP_BASE + 8 * VSVM_CMP_F32 + VSVM_COND_LT,
		VSVM_OP_V_CMP_BASE + 8 * VSVM_CMP_U32 + VSVM_COND_NE,
		VSVM_OP_V_LOAD_U8, VSVM_OP_V_LOAD_I32, VSVM_OP_V_LOAD_U64, VSVM_OP_V_STORE_B32,
		VSVM_OP_V_STORE_B64, VSVM_OP_V_ATOMIC32_BASE + VSVM_ATOMIC_ADD,
		VSVM_OP_V_ATOMIC64_BASE + VSVM_ATOMIC_CMPXCHG, VSVM_OP_S_LOAD_U64,
		VSVM_OP_S_STORE_B32,
	};
	uint64_t r = next_random(state);
	uint8_t op = (r >> 56) % 8 ? ops[(r >> 32) % sizeof(ops)] : r & 0xff;
	uint32_t imm = next_random(state) >> 32;

	r = (r & ~0xffull) | op;

	if ((r >> 8) % 4) {
		/* Operand codes, often valid ones: s0-s7, v0-v7, exec, lit, laneid. */
		static const uint8_t codes[] = { 0, 1, 2, 5, 7, 64, 65, 66, 70, 71,
						 128, 129, 130 };

		r = (r & ~0xffffff00ull) |
		    (uint64_t)codes[(r >> 16) % sizeof(codes)] << 8 |
		    (uint64_t)codes[(r >> 24) % sizeof(codes)] << 16 |
		    (uint64_t)codes[(r >> 40) % sizeof(codes)] << 24;
		imm = (r >> 48) & 1 ? imm % 64 : imm;
	}
	if (op >= VSVM_OP_S_BRANCH && op <= VSVM_OP_S_CBRANCH_EXECNZ)
		imm %= 8;
	return (r & 0xffffffffull) | (uint64_t)imm << 32;
}

/*
 * Seeded random programs over a sandbox: their arguments point into 1 MiB of
 * scratch inside a 4 GiB PROT_NONE reservation, so a signed 32-bit offset
 * from them lands in the scratch or faults. Run in a child process all the
 * same. Each program is a job of its own (an error ends a job), and must end
 * with a defined status; the kernel must stay silent (the harness checks).
 */
static void test_random_programs(void)
{
	igt_fork(child, 1) {
		const unsigned int programs = 10000, words = 24, batch = 500;
		const size_t reserve = 4ull << 30, scratch_size = 1 << 20;
		uint64_t *code, state = 0x5eed;
		unsigned int count[DRM_VSVM_JOB_CANCELED + 1] = { 0 };
		uint64_t jobs[500];
		char *arena, *scratch, path[64];
		unsigned int p, j;
		/* A VM serves only its creator's process: the child needs its own. */
		int fd = vsvm_open(path, sizeof(path));
		uint32_t vm = vsvm_vm_create(fd);

		arena = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			     -1, 0);
		igt_assert(arena != MAP_FAILED);
		scratch = arena + reserve / 2;
		igt_assert_eq(mprotect(scratch, scratch_size, PROT_READ | PROT_WRITE), 0);
		code = mmap(NULL, (size_t)batch * words * 8, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		igt_assert(code != MAP_FAILED);

		for (p = 0; p < programs; p += batch) {
			for (j = 0; j < batch; j++) {
				uint64_t *prog = code + (size_t)j * words;
				/* 1 to 23 random words and s_endpgm: short ones often run to the end. */
				unsigned int len = 2 + next_random(&state) % (words - 1);
				struct drm_vsvm_dispatch d = {
					.code_ptr = (uintptr_t)prog,
					.code_size = len * 8,
					.isa_version = VSVM_ISA_VERSION,
					.group_size = { 1 + next_random(&state) % 40, 1, 1 },
					.num_groups = { 1 + next_random(&state) % 3, 1, 1 },
					.num_args = 4,
				};
				unsigned int w, k;

				for (w = 0; w < len - 1; w++)
					prog[w] = random_word(&state);
				prog[len - 1] = VSVM_OP_S_ENDPGM;
				for (k = 0; k < 4; k++)
					d.args[k] = (uintptr_t)scratch +
						    next_random(&state) % scratch_size;
				jobs[j] = vsvm_exec_compute(fd, vm, &d, 1, NULL, 0, 0);
			}
			for (j = 0; j < batch; j++) {
				struct vsvm_job_status st =
					vsvm_wait(fd, vm, jobs[j],
						  vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS));

				igt_assert_f(st.status == DRM_VSVM_JOB_OK ||
					     st.status == DRM_VSVM_JOB_FAULT ||
					     st.status == DRM_VSVM_JOB_INVALID,
					     "program %u ended %s\n", p + j,
					     vsvm_job_status_name(st.status));
				count[st.status]++;
			}
		}
		igt_info("%u random programs: %u ok, %u fault, %u invalid\n", programs,
			 count[DRM_VSVM_JOB_OK], count[DRM_VSVM_JOB_FAULT],
			 count[DRM_VSVM_JOB_INVALID]);
		igt_assert_lt_u64(0, count[DRM_VSVM_JOB_OK]);
		vsvm_vm_destroy(fd, vm);
		close(fd);
	}
	igt_waitchildren();
	assert_vm_usable();
}

igt_main
{
	igt_fixture {
		t.fd = vsvm_open(t.path, sizeof(t.path));
		vsvm_require_caps(t.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COMPUTE);
		igt_assert_eq_u64(vsvm_get_param(t.fd, DRM_VSVM_PARAM_ISA_VERSION),
				  VSVM_ISA_VERSION);
		igt_assert_lte_u64(1, vsvm_get_param(t.fd, DRM_VSVM_PARAM_COMPUTE_ENGINES));
		t.vm = vsvm_vm_create(t.fd);
	}

	igt_describe("saxpy over 65543 malloc'd floats: every result bit-exact.");
	igt_subtest("saxpy")
		test_saxpy();

	igt_describe("Each lane sums its own malloc'd linked list (0-36 nodes): pointer "
		     "chasing with divergent trip counts.");
	igt_subtest("list-sum")
		test_list_sum();

	igt_describe("A histogram with device atomics while two CPU threads increment the "
		     "same counters with CPU atomics: no increment is lost.");
	igt_subtest("histogram-atomics")
		test_histogram_atomics();

	igt_describe("ISA v2: a tree sum of 64 floats per workgroup in shared memory with "
		     "barriers, bit-exact with the same tree on the CPU.");
	igt_subtest("lds-reduction")
		test_lds_reduction();

	igt_describe("ISA v2: every workgroup's shared memory starts all zero, whatever "
		     "earlier groups on the engine left in it.");
	igt_subtest("lds-fresh")
		test_lds_fresh();

	igt_describe("ISA v2: LDS offsets past the end or misaligned end the job with "
		     "VSVM_ISA_ERR_LDS or _ALIGN and the offset; a v2 opcode in a version-1 "
		     "dispatch is an invalid opcode.");
	igt_subtest("lds-errors")
		test_lds_errors();

	igt_describe("A 3D dispatch: every lane sees its global and local ids.");
	igt_subtest("grid-ids")
		test_grid_ids();

	igt_describe("The program's fresh pages are fetched through the device page table: "
		     "the first fetch is the job's only device page fault.");
	igt_subtest("code-fetch-faults")
		test_code_fetch_faults();

	igt_describe("A load from an unmapped address fails the job with the address, a read, "
		     "and the pc; the VM stays usable.");
	igt_subtest("bad-pointer")
		test_bad_pointer();

	igt_describe("A store to read-only memory fails the job with the address, a write, "
		     "and the pc; memory is unchanged.");
	igt_subtest("read-only-store")
		test_read_only_store();

	igt_describe("An undefined opcode fails the job as an invalid program at its pc.");
	igt_subtest("invalid-opcode")
		test_invalid_opcode();

	igt_describe("An operand the format does not allow fails the job at its pc.");
	igt_subtest("invalid-operand")
		test_invalid_operand();

	igt_describe("A branch out of the program fails the job at the branch.");
	igt_subtest("bad-branch")
		test_bad_branch();

	igt_describe("Running off the end of the program fails the job at the end.");
	igt_subtest("pc-off-end")
		test_pc_off_end();

	igt_describe("A misaligned access fails the job with the address and pc.");
	igt_subtest("misaligned")
		test_misaligned();

	igt_describe("An endless loop is stopped by the job timeout (status TIMEOUT, the "
		     "loop's pc); the next job runs.");
	igt_subtest("runaway-timeout")
		test_runaway_timeout();

	igt_describe("4096 workgroups: every compute engine runs some (debugfs "
		     "compute_groups.<n>), they add up, and every result is exact.");
	igt_subtest("many-workgroups")
		test_many_workgroups();

	igt_describe("compute_engines_active 1: a dispatch of 4096 workgroups runs on engine 0 "
		     "alone (debugfs compute_groups.<n>: the others run none), every result "
		     "exact; the tunable is restored after.");
	igt_subtest("engines-active-one")
		test_engines_active_one();

	igt_describe("compute_engines_active 2 to N: engines below the value each run some of "
		     "4096 workgroups, those above none, the counts add up; down to 1 and up "
		     "to N again. Needs 2 engines or more.");
	igt_subtest("engines-active-all")
		test_engines_active_all();

	igt_describe("A thread flips compute_engines_active between 1 and N while 16 queued "
		     "jobs of 4 saxpy dispatches run: every job ends OK, every element is "
		     "exact (no workgroup lost or run twice) and the engines count exactly the "
		     "workgroups submitted. Needs 2 engines or more.");
	igt_subtest("engines-active-toggle")
		test_engines_active_toggle();

	igt_describe("compute_engines_active: 0, N + 1, -1, non-numbers and numbers too large "
		     "to parse fail with EINVAL and leave the value as it was (1 and N).");
	igt_subtest("engines-active-invalid")
		test_engines_active_invalid();

	igt_describe("10 000 seeded random programs each end OK, FAULT or INVALID, without a "
		     "kernel splat; the VM keeps working.");
	igt_subtest("random-programs")
		test_random_programs();

	igt_describe("The dispatches of one job run in order.");
	igt_subtest("dispatch-order")
		test_dispatch_order();

	igt_describe("A compute job waits for the syncobj of a slow copy job.");
	igt_subtest("in-fence")
		test_in_fence();

	igt_describe("A job waits for an in-fence that signalled a fault, then runs: in-fences order, "
		     "they do not cancel.");
	igt_subtest("in-fence-error")
		test_in_fence_error();

	igt_fixture {
		vsvm_vm_destroy(t.fd, t.vm);
		close(t.fd);
	}
}
