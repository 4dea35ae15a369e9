// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("Device memory: pages move to the device's own memory (DEVICE_PRIVATE) "
		     "with a placement prefetch, the engines use them there, and they come back "
		     "to system memory one page at a time when the CPU touches them, on request, "
		     "by eviction, and never lose a byte.");

#define PAGE_SIZE	4096ull
#define SZ_1M		(1ull << 20)

static struct {
	int fd;
	char path[64];
	uint32_t vm;
} dm = { .fd = -1 };

/* Device @fd's debugfs counter @name. */
static uint64_t counter_of(int fd, const char *name)
{
	uint64_t value = 0;
	int ret = vsvm_debugfs_counter(fd, name, &value);

	igt_assert_f(ret == 0, "debugfs counter %s: %s\n", name, strerror(-ret));
	return value;
}

/* The device's debugfs counter @name. */
static uint64_t counter(const char *name)
{
	return counter_of(dm.fd, name);
}

/* The device-memory counters, to take deltas of. */
struct vram_counts {
	uint64_t used, to_device, to_ram, to_ram_asked, evicted, alloc_failed, engine_copied;
};

static struct vram_counts vram_counts(void)
{
	return (struct vram_counts){
		.used = counter("vram_used_bytes") / PAGE_SIZE,
		.to_device = counter("vram_migrated_to_device"),
		.to_ram = counter("vram_migrated_to_ram"),
		.to_ram_asked = counter("vram_migrated_to_ram_asked"),
		.evicted = counter("vram_evicted"),
		.alloc_failed = counter("vram_alloc_failed"),
		.engine_copied = counter("vram_engine_copied"),
	};
}

static void set_tunable(const char *name, const char *value)
{
	char path[PATH_MAX];

	igt_assert_eq(vsvm_tunable_path(dm.fd, name, path, sizeof(path)), 0);
	igt_assert_f(vsvm_knob_set(path, value) == 0, "tunable %s = %s: %s\n", name, value,
		     strerror(errno));
}

/* The counters now, once no one else uses device memory and the limit is @mb MiB. */
static struct vram_counts limit_vram_alone(const char *mb)
{
	struct vram_counts now = vram_counts();

	igt_require_f(now.used == 0, "device memory in use by someone else\n");
	set_tunable("vram_limit_mb", mb);
	return now;
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	/* Device memory holds 4 KiB pages: keep THP out of the picture. */
	igt_assert_eq(madvise(p, size, MADV_NOHUGEPAGE), 0);
	return p;
}

static int prefetch(void *start, uint64_t size, uint32_t flags)
{
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = dm.vm,
		.flags = flags,
		.start = (uintptr_t)start,
		.size = size,
	};

	return __vsvm_vm_prefetch(dm.fd, &args);
}

static void to_device(void *start, uint64_t size)
{
	igt_assert_eq(prefetch(start, size, DRM_VSVM_PREFETCH_TO_DEVICE), 0);
}

static void *map_anon(size_t size);

/* The checksum device @fd computes in @vm of [src, src + size): the engines' path. */
static uint64_t checksum_on(int fd, uint32_t vm, const void *src, uint64_t size)
{
	uint64_t *result = map_anon(PAGE_SIZE);
	uint64_t hash;

	igt_assert_job_ok(vsvm_checksum(fd, vm, src, size, result));
	hash = *result;
	munmap(result, PAGE_SIZE);
	return hash;
}

static uint64_t device_checksum(const void *src, uint64_t size)
{
	return checksum_on(dm.fd, dm.vm, src, size);
}

/* The hash of the bytes [@off, @off + @len) of the pattern @seed over @size. */
static uint64_t pattern_hash_range(size_t size, uint32_t seed, size_t off, size_t len)
{
	uint8_t *ref = map_anon(size);
	uint64_t hash;

	vsvm_pattern_fill(ref, size, seed);
	hash = vsvm_fnv1a64(ref + off, len);
	munmap(ref, size);
	return hash;
}

/* The FNV-1a hash of the pattern @seed over @size bytes, computed elsewhere. */
static uint64_t pattern_hash(size_t size, uint32_t seed)
{
	return pattern_hash_range(size, seed, 0, size);
}

/* The hash of the bytes [@off, @off + @size / 2) of the pattern @seed over @size. */
static uint64_t pattern_hash_part(size_t size, uint32_t seed, size_t off)
{
	return pattern_hash_range(size, seed, off, size / 2);
}

/* The FNV-1a hash of @size zero bytes. */
static uint64_t zero_hash(size_t size)
{
	void *zeros = calloc(1, size);
	uint64_t hash;

	igt_assert(zeros);
	hash = vsvm_fnv1a64(zeros, size);
	free(zeros);
	return hash;
}

/* The FNV-1a hash of @size bytes of the 64-bit @value. */
static uint64_t fill_hash(size_t size, uint64_t value)
{
	uint64_t *ref = map_anon(size), hash;

	for (size_t i = 0; i < size / 8; i++)
		ref[i] = value;
	hash = vsvm_fnv1a64(ref, size);
	munmap(ref, size);
	return hash;
}

/*
 * Data written by the CPU moves to the device; the device reads it there
 * (no page comes back for the device's reads); one CPU read brings back one
 * page; reading everything brings back every page, with every byte intact,
 * and frees the device memory. The copy engines copy every page, each way.
 */
static void test_round_trip(void)
{
	const size_t size = SZ_1M, pages = size / PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint64_t expected = pattern_hash(size, 7);
	struct vram_counts before, after;
	volatile uint8_t sink;

	vsvm_pattern_fill(buf, size, 7);
	before = vram_counts();
	to_device(buf, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, pages);
	igt_assert_eq_u64(after.used - before.used, pages);
	igt_assert_eq_u64(after.engine_copied - before.engine_copied, pages);

	igt_assert_eq_u64(device_checksum(buf, size), expected);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 0);

	/* One byte of page 10: that page alone comes back. */
	sink = buf[10 * PAGE_SIZE + 5];
	(void)sink;
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 1);
	igt_assert_eq_u64(after.used - before.used, pages - 1);
	igt_assert_eq_u64(after.engine_copied - before.engine_copied, pages + 1);

	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 7), SIZE_MAX);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, pages);
	igt_assert_eq_u64(after.used, before.used);
	igt_assert_eq_u64(after.engine_copied - before.engine_copied, 2 * pages);
	munmap(buf, size);
}

/*
 * Memory never touched stays untouched by a move to the device (nothing is
 * allocated: eviction would make RAM of it); once written by the CPU it
 * moves, and what the device writes there stays in device memory until the
 * CPU reads it, and then is all there.
 */
static void test_device_writes(void)
{
	const size_t size = 256 * PAGE_SIZE;
	uint64_t *buf = map_anon(size);
	struct vram_counts before, after;

	before = vram_counts();
	to_device(buf, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 0);
	igt_assert_eq_u64(after.used, before.used);
	munmap(buf, size);
	buf = map_anon(size);
	memset(buf, 0, size);
	to_device(buf, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 256);
	igt_assert_eq_u64(device_checksum(buf, size), zero_hash(size));

	igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, size, 0x5a5a0123a5a5cdefull));
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 0);
	igt_assert_eq_u64(after.used - before.used, 256);

	igt_assert_eq_u64(vsvm_fill_mismatch(buf, size, 0x5a5a0123a5a5cdefull), SIZE_MAX);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 256);
	munmap(buf, size);
}

/* migrate_back_kb widens what one CPU touch brings back, within the VMA. */
static void test_migrate_back_neighbourhood(void)
{
	const size_t size = 64 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct vram_counts before, after;
	volatile uint8_t sink;

	vsvm_pattern_fill(buf, size, 9);
	set_tunable("migrate_back_kb", "16");
	to_device(buf, size);
	before = vram_counts();
	sink = buf[32 * PAGE_SIZE];
	(void)sink;
	after = vram_counts();
	/* Four pages on each side and the one touched. */
	igt_assert_eq_u64(after.to_ram - before.to_ram, 9);
	/* At the start of the VMA only the pages after it exist. */
	sink = buf[0];
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 9 + 5);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 9), SIZE_MAX);
	vsvm_knobs_restore();
	munmap(buf, size);
}

/* A placement prefetch to system memory brings the device's pages back. */
static void test_prefetch_to_system(void)
{
	const size_t size = 128 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct vram_counts before, after;

	vsvm_pattern_fill(buf, size, 11);
	before = vram_counts();
	to_device(buf, size);
	igt_assert_eq(prefetch(buf, size, DRM_VSVM_PREFETCH_TO_SYSTEM), 0);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram_asked - before.to_ram_asked, 128);
	igt_assert_eq_u64(after.used, before.used);
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 11));
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 11), SIZE_MAX);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, 0);
	munmap(buf, size);
}

/* munmap() of device-resident memory frees it without moving it back. */
static void test_munmap(void)
{
	const size_t size = 128 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct vram_counts before, after;

	vsvm_pattern_fill(buf, size, 12);
	before = vram_counts();
	to_device(buf, size);
	igt_assert_eq(munmap(buf + 32 * PAGE_SIZE, 64 * PAGE_SIZE), 0);
	after = vram_counts();
	igt_assert_eq_u64(after.used - before.used, 64);
	igt_assert_eq(munmap(buf, size), 0);
	after = vram_counts();
	igt_assert_eq_u64(after.used, before.used);
	igt_assert_eq_u64(after.to_ram - before.to_ram, 0);
}

/*
 * fork() shares device pages copy-on-write: the child reads the parent's
 * data and writes its own, the parent keeps its data, and the device still
 * reads the parent's.
 */
static void test_fork(void)
{
	const size_t size = 64 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	int status;
	pid_t pid;

	vsvm_pattern_fill(buf, size, 13);
	to_device(buf, size);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		if (vsvm_pattern_mismatch(buf, size, 13) != SIZE_MAX)
			_exit(1);
		vsvm_pattern_fill(buf, size, 14);
		_exit(vsvm_pattern_mismatch(buf, size, 14) == SIZE_MAX ? 0 : 2);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x\n", status);
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 13));
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 13), SIZE_MAX);

	/*
	 * Again, and the device writes after the fork: its write faults on a
	 * read-only (shared) device page must break the sharing, as a CPU
	 * write does, and the child keeps what it had.
	 */
	to_device(buf, size);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		usleep(200 * 1000);
		_exit(vsvm_pattern_mismatch(buf, size, 13) == SIZE_MAX ? 0 : 3);
	}
	igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, size, 0x7777000077770000ull));
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x\n", status);
	igt_assert_eq_u64(vsvm_fill_mismatch(buf, size, 0x7777000077770000ull), SIZE_MAX);
	munmap(buf, size);
}

/*
 * With a 4 MiB limit, a second 3 MiB buffer evicts the first one's oldest
 * pages; both keep every byte, and the device reads both right.
 */
static void test_eviction(void)
{
	const size_t size = 3 * SZ_1M, pages = size / PAGE_SIZE;
	uint8_t *a = map_anon(size), *b = map_anon(size);
	struct vram_counts before, after;

	vsvm_pattern_fill(a, size, 15);
	vsvm_pattern_fill(b, size, 16);
	before = limit_vram_alone("4");
	to_device(a, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, pages);
	to_device(b, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 2 * pages);
	igt_assert_f(after.evicted - before.evicted >= 2 * pages - 1024,
		     "%llu pages evicted, at least %zu expected\n",
		     (unsigned long long)(after.evicted - before.evicted), 2 * pages - 1024);
	igt_assert_f(after.used <= 1024, "%llu pages used over a limit of 1024\n",
		     (unsigned long long)after.used);
	igt_assert_eq_u64(device_checksum(b, size), pattern_hash(size, 16));
	igt_assert_eq_u64(device_checksum(a, size), pattern_hash(size, 15));
	igt_assert_eq_u64(vsvm_pattern_mismatch(a, size, 15), SIZE_MAX);
	igt_assert_eq_u64(vsvm_pattern_mismatch(b, size, 16), SIZE_MAX);
	vsvm_knobs_restore();
	munmap(a, size);
	munmap(b, size);
}

/*
 * Eviction takes what the device has not used lately (a clock, DOC: Device
 * memory): with a 2 MiB limit and two resident 1 MiB buffers, of which a
 * device job has just read the first, a third buffer evicts the second.
 * Afterwards the CPU's reads migrate the first back page by page (it was
 * still in device memory) and find the second already in system memory.
 * Evicting oldest first would have taken the first buffer.
 */
static void test_eviction_lru(void)
{
	const size_t size = SZ_1M, pages = size / PAGE_SIZE;
	uint8_t *a = map_anon(size), *b = map_anon(size), *c = map_anon(size);
	struct vram_counts before, after;

	vsvm_pattern_fill(a, size, 21);
	vsvm_pattern_fill(b, size, 22);
	vsvm_pattern_fill(c, size, 23);
	before = limit_vram_alone("2");
	to_device(a, size);
	to_device(b, size);
	after = vram_counts();
	igt_assert_eq_u64(after.used, 2 * pages);
	igt_assert_eq_u64(after.evicted - before.evicted, 0);
	/* The device uses a; nothing uses b. */
	igt_assert_eq_u64(device_checksum(a, size), pattern_hash(size, 21));
	to_device(c, size);
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 3 * pages);
	igt_assert_eq_u64(after.evicted - before.evicted, pages);
	before = vram_counts();
	igt_assert_eq_u64(vsvm_pattern_mismatch(b, size, 22), SIZE_MAX);
	after = vram_counts();
	igt_assert_f(after.to_ram == before.to_ram,
		     "%llu pages of the unused buffer came back on CPU reads: it was not the one evicted\n",
		     (unsigned long long)(after.to_ram - before.to_ram));
	igt_assert_eq_u64(vsvm_pattern_mismatch(a, size, 21), SIZE_MAX);
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram - before.to_ram, pages);
	igt_assert_eq_u64(device_checksum(c, size), pattern_hash(size, 23));
	vsvm_knobs_restore();
	munmap(a, size);
	munmap(b, size);
	munmap(c, size);
}

/* A job that needs more device memory than the limit still completes. */
static void test_exhaustion(void)
{
	const size_t size = 2 * SZ_1M;
	uint8_t *buf = map_anon(size);
	struct vram_counts before, after;

	vsvm_pattern_fill(buf, size, 17);
	set_tunable("vram_limit_mb", "1");
	before = vram_counts();
	to_device(buf, size);
	after = vram_counts();
	igt_assert_f(after.used <= 256, "%llu pages used over a limit of 256\n",
		     (unsigned long long)after.used);
	igt_assert_f(after.alloc_failed > before.alloc_failed, "no allocation failed\n");
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 17));
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 17), SIZE_MAX);
	vsvm_knobs_restore();
	munmap(buf, size);
}

/* ---- races: migrations both ways in a thread, against the CPU, the device, munmap, fork -- */

struct migrator {
	pthread_t thread;
	uint8_t *buf;
	size_t size;
	atomic_bool stop;
	unsigned int rounds;
	int bad_ret;		/* a return other than 0 (or -EFAULT when allowed) */
	bool efault_ok;
};

static void *migrator_loop(void *arg)
{
	struct migrator *m = arg;

	while (!atomic_load(&m->stop)) {
		int a = prefetch(m->buf, m->size, DRM_VSVM_PREFETCH_TO_DEVICE);
		int b = prefetch(m->buf, m->size, DRM_VSVM_PREFETCH_TO_SYSTEM);

		if ((a && !(m->efault_ok && a == -EFAULT)) && !m->bad_ret)
			m->bad_ret = a;
		if ((b && !(m->efault_ok && b == -EFAULT)) && !m->bad_ret)
			m->bad_ret = b;
		m->rounds++;
	}
	return NULL;
}

static void migrator_start(struct migrator *m, uint8_t *buf, size_t size, bool efault_ok)
{
	*m = (struct migrator){ .buf = buf, .size = size, .efault_ok = efault_ok };
	igt_assert_eq(pthread_create(&m->thread, NULL, migrator_loop, m), 0);
}

/* Stop the thread once it has done at least @min_rounds; its errors fail. */
static void migrator_stop(struct migrator *m, unsigned int min_rounds)
{
	while (m->rounds < min_rounds && !m->bad_ret)
		usleep(1000);
	atomic_store(&m->stop, true);
	igt_assert_eq(pthread_join(m->thread, NULL), 0);
	igt_assert_f(!m->bad_ret, "a migration failed: %s\n", strerror(-m->bad_ret));
	igt_info("%u migration rounds\n", m->rounds);
}

/*
 * CPU reads and writes while the pages move to the device and back: every
 * CPU write stays (a counter per page), every byte of the pattern stays.
 */
static void test_race_cpu(void)
{
	const size_t size = SZ_1M, pages = size / PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint64_t counts[256] = {};
	struct migrator m;
	unsigned int i;

	vsvm_pattern_fill(buf, size, 21);
	for (i = 0; i < pages; i++)
		*(uint64_t *)(buf + i * PAGE_SIZE) = 0;
	migrator_start(&m, buf, size, false);
	for (i = 0; i < 20000 || m.rounds < 8; i++) {
		unsigned int p = (i * 97) % pages;

		(*(volatile uint64_t *)(buf + p * PAGE_SIZE))++;
		counts[p]++;
		if (m.bad_ret)
			break;
	}
	migrator_stop(&m, 8);
	for (i = 0; i < pages; i++) {
		igt_assert_f(*(uint64_t *)(buf + i * PAGE_SIZE) == counts[i],
			     "page %u: counter %llu, expected %llu\n", i,
			     (unsigned long long)*(uint64_t *)(buf + i * PAGE_SIZE),
			     (unsigned long long)counts[i]);
		*(uint64_t *)(buf + i * PAGE_SIZE) = 0;
	}
	/* The pattern's first 8 bytes of each page are the counters' now. */
	{
		uint8_t *ref = map_anon(size);

		vsvm_pattern_fill(ref, size, 21);
		for (i = 0; i < pages; i++)
			memset(ref + i * PAGE_SIZE, 0, 8);
		igt_assert(memcmp(buf, ref, size) == 0);
		igt_assert_eq_u64(device_checksum(buf, size), vsvm_fnv1a64(ref, size));
		munmap(ref, size);
	}
	munmap(buf, size);
}

/* Device fills and checksums while the pages move: each job sees whole pages. */
static void test_race_device(void)
{
	const size_t size = SZ_1M;
	uint8_t *buf = map_anon(size);
	struct migrator m;
	uint64_t value = 0;
	unsigned int i;

	migrator_start(&m, buf, size, false);
	for (i = 0; i < 40 || m.rounds < 8; i++) {
		uint64_t hash;

		value = 0x0101010101010101ull * (i % 250 + 1);
		igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, size, value));
		hash = device_checksum(buf, size);
		igt_assert_f(hash == fill_hash(size, value), "round %u: the device read another "
			     "value than it wrote\n", i);
		if (m.bad_ret)
			break;
	}
	migrator_stop(&m, 8);
	igt_assert_eq_u64(vsvm_fill_mismatch(buf, size, value), SIZE_MAX);
	munmap(buf, size);
}

/*
 * munmap() and a new mapping in the same place while pages move: the
 * migrations end with 0 or -EFAULT (no VMA), nothing leaks: at the end the
 * device memory is as it was.
 */
static void test_race_munmap(void)
{
	const size_t size = 512 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct vram_counts before = vram_counts(), after;
	struct migrator m;
	unsigned int i;

	vsvm_pattern_fill(buf, size, 23);
	migrator_start(&m, buf, size, true);
	for (i = 0; i < 40 || m.rounds < 8; i++) {
		uint8_t *half = buf + (i % 2) * (size / 2);

		igt_assert_eq(munmap(half, size / 2), 0);
		igt_assert(mmap(half, size / 2, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == half);
		madvise(half, size / 2, MADV_NOHUGEPAGE);
		vsvm_pattern_fill(half, size / 2, 24 + i % 2);
		if (m.bad_ret)
			break;
	}
	migrator_stop(&m, 8);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf + (i - 1) % 2 * (size / 2), size / 2,
						24 + (i - 1) % 2), SIZE_MAX);
	munmap(buf, size);
	after = vram_counts();
	igt_assert_eq_u64(after.used, before.used);
}

/* fork() while pages move: the children see the parent's data at fork time. */
static void test_race_fork(void)
{
	const size_t size = 256 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct migrator m;
	unsigned int i;

	vsvm_pattern_fill(buf, size, 26);
	migrator_start(&m, buf, size, false);
	for (i = 0; i < 12 || m.rounds < 4; i++) {
		int status;
		pid_t pid = fork();

		igt_assert(pid >= 0);
		if (pid == 0)
			_exit(vsvm_pattern_mismatch(buf, size, 26) == SIZE_MAX ? 0 : 1);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			     "fork %u: child status %#x\n", i, status);
		if (m.bad_ret)
			break;
	}
	migrator_stop(&m, 4);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 26), SIZE_MAX);
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 26));
	munmap(buf, size);
}

/* ---- two devices on one address space (num_devices=2) ----------------------------------- */

static struct {
	int fd;
	char path[64];
	uint32_t vm;
} other = { .fd = -1 };

/* The second device, for a subtest that needs it: skip without one. */
static void other_open(void)
{
	other.fd = vsvm_open_render_node(1, other.path, sizeof(other.path));
	igt_require_f(other.fd >= 0, "a second vsvm device (num_devices=2)\n");
	vsvm_require_caps(other.fd, DRM_VSVM_CAP_DEVICE_MEMORY);
	other.vm = vsvm_vm_create(other.fd);
}

static void other_close(void)
{
	vsvm_vm_destroy(other.fd, other.vm);
	close(other.fd);
	other.fd = -1;
}

/*
 * Device A moves pages into its memory and writes them; device B reads
 * them: B's faults bring the pages back to system memory (A counts them),
 * and B reads what A wrote.
 */
static void test_two_devices_share(void)
{
	const size_t size = 128 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint64_t back_a, hash;

	vsvm_pattern_fill(buf, size, 31);
	to_device(buf, size);
	igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, size / 2, 0x1122334455667788ull));
	back_a = counter_of(dm.fd, "vram_migrated_to_ram");
	hash = checksum_on(other.fd, other.vm, buf, size);
	igt_assert_eq_u64(counter_of(dm.fd, "vram_migrated_to_ram") - back_a, 128);
	{
		uint8_t *ref = map_anon(size);

		vsvm_pattern_fill(ref, size, 31);
		for (size_t i = 0; i < size / 2 / 8; i++)
			((uint64_t *)ref)[i] = 0x1122334455667788ull;
		igt_assert_eq_u64(hash, vsvm_fnv1a64(ref, size));
		igt_assert(memcmp(ref, buf, size) == 0);
		munmap(ref, size);
	}
	munmap(buf, size);
}

/*
 * Each device moves half of a buffer into its memory; both read the whole
 * buffer right, and a munmap() reaches both mirrors and both memories.
 */
static void test_two_devices_halves(void)
{
	const size_t size = 128 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint64_t c0[DRM_VSVM_COUNTER_COUNT], c1[DRM_VSVM_COUNTER_COUNT];
	uint64_t d0[DRM_VSVM_COUNTER_COUNT], d1[DRM_VSVM_COUNTER_COUNT];
	uint64_t used_a = counter_of(dm.fd, "vram_used_bytes");
	uint64_t used_b = counter_of(other.fd, "vram_used_bytes");
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = other.vm,
		.flags = DRM_VSVM_PREFETCH_TO_DEVICE,
		.start = (uintptr_t)(buf + size / 2),
		.size = size / 2,
	};

	vsvm_pattern_fill(buf, size, 32);
	to_device(buf, size / 2);
	igt_assert_eq(__vsvm_vm_prefetch(other.fd, &args), 0);
	igt_assert_eq_u64(counter_of(dm.fd, "vram_used_bytes") - used_a, size / 2);
	igt_assert_eq_u64(counter_of(other.fd, "vram_used_bytes") - used_b, size / 2);
	/* Each reads its own half where it is, and pulls the other's back. */
	igt_assert_eq_u64(checksum_on(dm.fd, dm.vm, buf, size / 2), pattern_hash_part(size, 32, 0));
	igt_assert_eq_u64(checksum_on(other.fd, other.vm, buf + size / 2, size / 2),
			  pattern_hash_part(size, 32, size / 2));
	igt_assert_eq_u64(checksum_on(dm.fd, dm.vm, buf, size), pattern_hash(size, 32));
	igt_assert_eq_u64(checksum_on(other.fd, other.vm, buf, size), pattern_hash(size, 32));

	vsvm_counters(dm.fd, dm.vm, c0);
	vsvm_counters(other.fd, other.vm, c1);
	igt_assert_eq(munmap(buf, size), 0);
	vsvm_counters_delta(dm.fd, dm.vm, c0, d0);
	vsvm_counters_delta(other.fd, other.vm, c1, d1);
	igt_assert_lt_u64(0, d0[DRM_VSVM_COUNTER_INVAL_UNMAP]);
	igt_assert_lt_u64(0, d1[DRM_VSVM_COUNTER_INVAL_UNMAP]);
	igt_assert_eq_u64(counter_of(dm.fd, "vram_used_bytes"), used_a);
	igt_assert_eq_u64(counter_of(other.fd, "vram_used_bytes"), used_b);
}

/*
 * B sets accessed-by over a buffer whose pages are in A's memory: B reads
 * and writes them where they are, and none moves (A counts no migration
 * back, and keeps them in its memory). When A moves them back after all (a
 * CPU read), B's translations go with them: B's writes are in system memory,
 * and B reads what A writes there afterwards.
 */
static void test_two_devices_accessed_by(void)
{
	const size_t size = 128 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint8_t *ref = map_anon(size);
	struct drm_vsvm_vm_attr attr = {
		.vm_id = other.vm,
		.start = (uintptr_t)buf,
		.size = size,
		.type = DRM_VSVM_ATTR_ACCESSED_BY,
		.value = 1,
	};
	uint64_t back_a, used_a, in_b;

	vsvm_pattern_fill(buf, size, 34);
	vsvm_pattern_fill(ref, size, 34);
	to_device(buf, size);
	igt_assert_eq(drmIoctl(other.fd, DRM_IOCTL_VSVM_VM_SET_ATTR, &attr), 0);
	back_a = counter_of(dm.fd, "vram_migrated_to_ram");
	used_a = counter_of(dm.fd, "vram_used_bytes");
	in_b = counter_of(other.fd, "vram_migrated_to_device");

	/* B reads A's memory in place, and writes its second half there. */
	igt_assert_eq_u64(checksum_on(other.fd, other.vm, buf, size), pattern_hash(size, 34));
	igt_assert_job_ok(vsvm_fill(other.fd, other.vm, buf + size / 2, size / 2,
				    0x5a5a0123a5a5fedcull));
	for (size_t i = size / 2 / 8; i < size / 8; i++)
		((uint64_t *)ref)[i] = 0x5a5a0123a5a5fedcull;
	/* A sees B's writes in its memory. */
	igt_assert_eq_u64(checksum_on(dm.fd, dm.vm, buf, size), vsvm_fnv1a64(ref, size));
	igt_assert_eq_u64(counter_of(dm.fd, "vram_migrated_to_ram"), back_a);
	igt_assert_eq_u64(counter_of(dm.fd, "vram_used_bytes"), used_a);
	igt_assert_eq_u64(counter_of(other.fd, "vram_migrated_to_device"), in_b);

	/* The CPU brings them back, B's writes with them. */
	igt_assert(memcmp(ref, buf, size) == 0);
	igt_assert_eq_u64(counter_of(dm.fd, "vram_migrated_to_ram") - back_a, 128);

	/* A takes them again and writes; B reads that, not the old pages. */
	to_device(buf, size);
	igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, size, 0x0badcafe600dd00dull));
	for (size_t i = 0; i < size / 8; i++)
		((uint64_t *)ref)[i] = 0x0badcafe600dd00dull;
	igt_assert_eq_u64(checksum_on(other.fd, other.vm, buf, size), vsvm_fnv1a64(ref, size));
	igt_assert_eq_u64(counter_of(dm.fd, "vram_migrated_to_ram") - back_a, 128);
	igt_assert(memcmp(ref, buf, size) == 0);
	munmap(ref, size);
	munmap(buf, size);
}

/* ---- CPU-side events on device-resident memory ----------------------------------------- */

#define EV_PAGES	64
#define EV_SIZE		(EV_PAGES * PAGE_SIZE)

/* A buffer of the pattern @seed, moved to the device; the device memory used before. */
static uint8_t *ev_setup(uint32_t seed, uint64_t *used_before)
{
	uint8_t *buf = map_anon(EV_SIZE);

	vsvm_pattern_fill(buf, EV_SIZE, seed);
	*used_before = counter("vram_used_bytes") / PAGE_SIZE;
	to_device(buf, EV_SIZE);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE - *used_before, EV_PAGES);
	return buf;
}

/* mremap() moves device pages with the VMA: the data follows, nothing comes back. */
static void event_mremap(void)
{
	uint64_t used, back = counter("vram_migrated_to_ram");
	uint8_t *buf = ev_setup(41, &used);
	uint8_t *moved = mremap(buf, EV_SIZE, 2 * EV_SIZE, MREMAP_MAYMOVE);

	igt_assert(moved != MAP_FAILED);
	igt_assert_eq_u64(counter("vram_migrated_to_ram"), back);
	igt_assert_eq_u64(device_checksum(moved, EV_SIZE), pattern_hash(EV_SIZE, 41));
	igt_assert_eq_u64(vsvm_pattern_mismatch(moved, EV_SIZE, 41), SIZE_MAX);
	munmap(moved, 2 * EV_SIZE);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE, used);
}

/* mprotect(PROT_READ): the device and the CPU read; a device write faults. */
static void event_mprotect(void)
{
	uint64_t used;
	uint8_t *buf = ev_setup(42, &used);

	igt_assert_eq(mprotect(buf, EV_SIZE, PROT_READ), 0);
	igt_assert_eq_u64(device_checksum(buf, EV_SIZE), pattern_hash(EV_SIZE, 42));
	igt_assert_job_fault(vsvm_fill(dm.fd, dm.vm, buf, PAGE_SIZE, 1), buf, DRM_VSVM_ACCESS_WRITE);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, EV_SIZE, 42), SIZE_MAX);
	igt_assert_eq(mprotect(buf, EV_SIZE, PROT_READ | PROT_WRITE), 0);
	igt_assert_job_ok(vsvm_fill(dm.fd, dm.vm, buf, PAGE_SIZE, 1));
	munmap(buf, EV_SIZE);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE, used);
}

/* MADV_DONTNEED drops device pages: memory freed, zeros read by both sides. */
static void event_dontneed(void)
{
	uint64_t used;
	uint8_t *buf = ev_setup(43, &used);

	igt_assert_eq(madvise(buf, EV_SIZE, MADV_DONTNEED), 0);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE, used);
	igt_assert_eq_u64(device_checksum(buf, EV_SIZE), zero_hash(EV_SIZE));
	igt_assert_eq_u64(vsvm_fill_mismatch(buf, EV_SIZE, 0), SIZE_MAX);
	munmap(buf, EV_SIZE);
}

/* /proc/self/mem reads device pages through the CPU fault path. */
static void event_proc_mem(void)
{
	uint64_t used;
	uint8_t *buf = ev_setup(44, &used);
	uint8_t *copy = map_anon(EV_SIZE);
	int fd = open("/proc/self/mem", O_RDONLY);

	igt_assert_fd(fd);
	igt_assert_eq(pread(fd, copy, EV_SIZE, (off_t)(uintptr_t)buf), (ssize_t)EV_SIZE);
	close(fd);
	igt_assert_eq_u64(vsvm_pattern_mismatch(copy, EV_SIZE, 44), SIZE_MAX);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, EV_SIZE, 44), SIZE_MAX);
	munmap(copy, EV_SIZE);
	munmap(buf, EV_SIZE);
}

/* MADV_PAGEOUT cannot swap a device page out; the data stays where it is. */
static void event_pageout(void)
{
	uint64_t used;
	uint8_t *buf = ev_setup(45, &used);

	madvise(buf, EV_SIZE, MADV_PAGEOUT);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE - used, EV_PAGES);
	igt_assert_eq_u64(device_checksum(buf, EV_SIZE), pattern_hash(EV_SIZE, 45));
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, EV_SIZE, 45), SIZE_MAX);
	munmap(buf, EV_SIZE);
}

/* move_pages() to a NUMA node: the data is intact wherever the pages end up. */
static void event_move_pages(void)
{
	uint64_t used;
	uint8_t *buf = ev_setup(46, &used);
	void *pages[EV_PAGES];
	int nodes[EV_PAGES], status[EV_PAGES];

	for (int i = 0; i < EV_PAGES; i++) {
		pages[i] = buf + i * PAGE_SIZE;
		nodes[i] = 0;
	}
	/* 2 = MPOL_MF_MOVE; errors (ENOENT for a device page) are the kernel's to give. */
	syscall(SYS_move_pages, 0, EV_PAGES, pages, nodes, status, 2);
	igt_assert_eq_u64(device_checksum(buf, EV_SIZE), pattern_hash(EV_SIZE, 46));
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, EV_SIZE, 46), SIZE_MAX);
	munmap(buf, EV_SIZE);
}

/* A process that exits with pages in device memory gives them all back. */
static void event_exit(void)
{
	uint64_t used = counter("vram_used_bytes");
	int status;
	pid_t pid = fork();

	igt_assert(pid >= 0);
	if (pid == 0) {
		/* Its own file and VM: the parent's are not its to use. */
		char path[64];
		int fd = vsvm_open(path, sizeof(path));
		uint32_t vm = vsvm_vm_create(fd);
		uint8_t *buf = map_anon(EV_SIZE);
		struct drm_vsvm_vm_prefetch args = {
			.vm_id = vm,
			.flags = DRM_VSVM_PREFETCH_TO_DEVICE,
			.start = (uintptr_t)buf,
			.size = EV_SIZE,
		};

		vsvm_pattern_fill(buf, EV_SIZE, 47);
		_exit(__vsvm_vm_prefetch(fd, &args) == 0 ? 0 : 1);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x\n", status);
	igt_assert_eq_u64(counter("vram_used_bytes"), used);
	igt_assert_lt_u64(0, counter("vram_migrated_to_device"));
}

/*
 * KSM: identical pages, half of them in device memory, made mergeable and
 * scanned twice over: ksmd merges none of the device pages (it cannot reach
 * them), the data stays, and the device reads it right.
 */
static void event_ksm(void)
{
	char run_path[] = "/sys/kernel/mm/ksm/run", buf[32] = "";
	uint64_t used;
	uint8_t *mem = map_anon(EV_SIZE);
	unsigned long scans0, scans;
	int64_t deadline;

	igt_require_f(vsvm_read_file("/sys/kernel/mm/ksm/full_scans", buf, sizeof(buf)) == 0,
		      "KSM (CONFIG_KSM)\n");
	memset(mem, 0x5a, EV_SIZE);
	used = counter("vram_used_bytes") / PAGE_SIZE;
	to_device(mem, EV_SIZE / 2);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE - used, EV_PAGES / 2);
	igt_assert_eq(madvise(mem, EV_SIZE, MADV_MERGEABLE), 0);
	scans0 = strtoul(buf, NULL, 10);
	igt_assert_eq(vsvm_knob_set("/sys/kernel/mm/ksm/sleep_millisecs", "0"), 0);
	igt_assert_eq(vsvm_knob_set("/sys/kernel/mm/ksm/pages_to_scan", "10000"), 0);
	igt_assert_eq(vsvm_knob_set(run_path, "1"), 0);
	deadline = vsvm_now_ns() + 60 * VSVM_NSEC_PER_SEC;
	do {
		usleep(10000);
		igt_assert_eq(vsvm_read_file("/sys/kernel/mm/ksm/full_scans", buf, sizeof(buf)), 0);
		scans = strtoul(buf, NULL, 10);
	} while (scans < scans0 + 2 && vsvm_now_ns() < deadline);
	igt_assert_f(scans >= scans0 + 2, "ksmd did not scan twice in 60 s\n");
	vsvm_knobs_restore();
	/* The device pages are still device pages: nothing moved them. */
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE - used, EV_PAGES / 2);
	igt_assert_eq(madvise(mem, EV_SIZE, MADV_UNMERGEABLE), 0);
	igt_assert_eq_u64(device_checksum(mem, EV_SIZE), fill_hash(EV_SIZE, 0x5a5a5a5a5a5a5a5aull));
	igt_assert_eq_u64(vsvm_fill_mismatch(mem, EV_SIZE, 0x5a5a5a5a5a5a5a5aull), SIZE_MAX);
	munmap(mem, EV_SIZE);
	igt_assert_eq_u64(counter("vram_used_bytes") / PAGE_SIZE, used);
}

#define CORE_PATTERN	"/tmp/vsvm-devmem-core.%p"

/* The bytes of the core file @path's PT_LOAD segment at @vaddr, EV_SIZE of them, into @out. */
static void core_segment(const char *path, uintptr_t vaddr, uint8_t *out)
{
	int fd = open(path, O_RDONLY);
	Elf64_Ehdr eh;
	bool found = false;

	igt_assert_f(fd >= 0, "no core file %s\n", path);
	igt_assert_eq(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	igt_assert(memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_type == ET_CORE);
	for (unsigned int i = 0; i < eh.e_phnum && !found; i++) {
		Elf64_Phdr ph;

		igt_assert_eq(pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)),
			      (ssize_t)sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_vaddr != vaddr)
			continue;
		igt_assert_f(ph.p_filesz >= EV_SIZE, "the segment holds %llu bytes of its data\n",
			     (unsigned long long)ph.p_filesz);
		igt_assert_eq(pread(fd, out, EV_SIZE, ph.p_offset), (ssize_t)EV_SIZE);
		found = true;
	}
	close(fd);
	igt_assert_f(found, "no segment at %#lx in %s\n", (unsigned long)vaddr, path);
}

/*
 * A process dumps core with pages in device memory: the dump reads each
 * page through the CPU fault path (get_dump_page()), which brings it back,
 * so the core file holds the data; then all device memory is given back.
 */
static void event_core_dump(void)
{
	uint64_t used = counter("vram_used_bytes"), back = counter("vram_migrated_to_ram");
	/* The child maps its own memory here: a page shared with the parent could not move. */
	uint8_t *where = mmap(NULL, EV_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *copy = map_anon(EV_SIZE);
	char path[64];
	int status;
	pid_t pid;

	igt_assert(where != MAP_FAILED);
	igt_assert_eq(vsvm_knob_set("/proc/sys/kernel/core_pattern", CORE_PATTERN), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY };
		struct drm_vsvm_vm_prefetch args = { .flags = DRM_VSVM_PREFETCH_TO_DEVICE };
		char node[64];
		int fd;
		uint8_t *buf;

		buf = mmap(where, EV_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (buf != where || setrlimit(RLIMIT_CORE, &core) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(2);
		fd = vsvm_open(node, sizeof(node));
		vsvm_pattern_fill(buf, EV_SIZE, 49);
		args.vm_id = vsvm_vm_create(fd);
		args.start = (uintptr_t)buf;
		args.size = EV_SIZE;
		if (__vsvm_vm_prefetch(fd, &args))
			_exit(3);
		signal(SIGQUIT, SIG_DFL);
		raise(SIGQUIT);
		_exit(4);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	vsvm_knobs_restore();
	igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT && WCOREDUMP(status),
		     "child status %#x: no core dumped\n", status);
	snprintf(path, sizeof(path), "/tmp/vsvm-devmem-core.%d", pid);
	core_segment(path, (uintptr_t)where, copy);
	unlink(path);
	igt_assert_eq_u64(vsvm_pattern_mismatch(copy, EV_SIZE, 49), SIZE_MAX);
	/* Every page came back to be dumped, and the exit gave the memory back. */
	igt_assert_eq_u64(counter("vram_migrated_to_ram") - back, EV_PAGES);
	igt_assert_eq_u64(counter("vram_used_bytes"), used);
	munmap(copy, EV_SIZE);
	munmap(where, EV_SIZE);
}

#define OOM_CGROUP	"/sys/fs/cgroup/vsvm-devmem-oom"

static void remove_oom_cgroup(int sig)
{
	(void)sig;
	rmdir(OOM_CGROUP);
}

/*
 * The OOM killer kills a process with pages in device memory (its memory
 * cgroup is full): all of its device memory comes back.
 */
static void event_oom_kill(void)
{
	uint64_t used = counter("vram_used_bytes");
	char self[32];
	int status;
	pid_t pid;

	igt_require_f(vsvm_memcg_enable() == 0, "memory cgroups\n");
	igt_install_exit_handler(remove_oom_cgroup);
	igt_assert(mkdir(OOM_CGROUP, 0755) == 0 || errno == EEXIST);
	igt_assert_eq(vsvm_write_file(OOM_CGROUP "/memory.max", "64M"), 0);
	vsvm_write_file(OOM_CGROUP "/memory.swap.max", "0");
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		char path[64];
		int fd;
		uint32_t vm;
		uint8_t *buf;
		struct drm_vsvm_vm_prefetch args = { .flags = DRM_VSVM_PREFETCH_TO_DEVICE };

		snprintf(self, sizeof(self), "%d", getpid());
		if (vsvm_write_file(OOM_CGROUP "/cgroup.procs", self))
			_exit(2);
		fd = vsvm_open(path, sizeof(path));
		vm = vsvm_vm_create(fd);
		buf = map_anon(EV_SIZE);
		vsvm_pattern_fill(buf, EV_SIZE, 48);
		args.vm_id = vm;
		args.start = (uintptr_t)buf;
		args.size = EV_SIZE;
		if (__vsvm_vm_prefetch(fd, &args))
			_exit(3);
		/* Then more memory than the cgroup allows, until the OOM killer comes. */
		for (;;) {
			uint8_t *more = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (more == MAP_FAILED)
				_exit(4);
			memset(more, 1, 16 << 20);
		}
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "child status %#x: not killed by the OOM killer\n", status);
	igt_assert_eq_u64(counter("vram_used_bytes"), used);
	igt_assert_eq(rmdir(OOM_CGROUP), 0);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cpu_events[] = {
	{ "mremap", event_mremap },
	{ "mprotect", event_mprotect },
	{ "dontneed", event_dontneed },
	{ "proc-mem", event_proc_mem },
	{ "pageout", event_pageout },
	{ "move-pages", event_move_pages },
	{ "exit", event_exit },
	{ "ksm", event_ksm },
	{ "oom-kill", event_oom_kill },
	{ "core-dump", event_core_dump },
};

/* ---- range attributes (DRM_IOCTL_VSVM_VM_SET_ATTR / GET_ATTR) ---------------------------- */

static int set_attr_vm(uint32_t vm, const void *start, uint64_t size, uint32_t type,
		       uint64_t value)
{
	struct drm_vsvm_vm_attr args = {
		.vm_id = vm,
		.start = (uintptr_t)start,
		.size = size,
		.type = type,
		.value = value,
	};

	return drmIoctl(dm.fd, DRM_IOCTL_VSVM_VM_SET_ATTR, &args) ? -errno : 0;
}

static int set_attr(const void *start, uint64_t size, uint32_t type, uint64_t value)
{
	return set_attr_vm(dm.vm, start, size, type, value);
}

/* The attribute at @start and the length of its run, up to @size. */
static uint64_t get_attr(const void *start, uint64_t size, uint32_t type, uint64_t *run)
{
	struct drm_vsvm_vm_attr args = {
		.vm_id = dm.vm,
		.start = (uintptr_t)start,
		.size = size,
		.type = type,
	};

	igt_assert_eq(drmIoctl(dm.fd, DRM_IOCTL_VSVM_VM_GET_ATTR, &args), 0);
	*run = args.size;
	return args.value;
}

#define expect_attr(at, size, type, value, run_pages) do { \
	uint64_t __run, __v = get_attr((at), (size), (type), &__run); \
	igt_assert_f(__v == (value) && __run == (run_pages) * PAGE_SIZE, \
		     "attribute %u at %p: %llu over %llu pages, expected %llu over %llu\n", \
		     (type), (void *)(at), (unsigned long long)__v, \
		     (unsigned long long)(__run / PAGE_SIZE), (unsigned long long)(value), \
		     (unsigned long long)(run_pages)); \
} while (0)

#define PREF		DRM_VSVM_ATTR_PREFERRED_LOC
#define GRAN		DRM_VSVM_ATTR_GRANULARITY

/* Set over a part: the runs before, in and after it; equal neighbours join. */
static void test_attr_set_get(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	expect_attr(buf, size, PREF, DRM_VSVM_LOC_NONE, 16);
	expect_attr(buf, size, GRAN, 21, 16);
	igt_assert_eq(set_attr(buf + 4 * PAGE_SIZE, 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_DEVICE), 0);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_NONE, 4);
	expect_attr(buf + 4 * PAGE_SIZE, size - 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_DEVICE, 4);
	expect_attr(buf + 8 * PAGE_SIZE, size - 8 * PAGE_SIZE, PREF, DRM_VSVM_LOC_NONE, 8);
	/* Another attribute over the same pages keeps the first one's runs. */
	igt_assert_eq(set_attr(buf + 6 * PAGE_SIZE, 6 * PAGE_SIZE, GRAN, 16), 0);
	expect_attr(buf + 4 * PAGE_SIZE, size - 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_DEVICE, 4);
	expect_attr(buf + 6 * PAGE_SIZE, size - 6 * PAGE_SIZE, GRAN, 16, 6);
	/* The neighbour joins: pages 8..12 to DEVICE make one run of 8. */
	igt_assert_eq(set_attr(buf + 8 * PAGE_SIZE, 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_DEVICE), 0);
	expect_attr(buf + 4 * PAGE_SIZE, size - 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_DEVICE, 8);
	/* Back to the defaults everywhere: one run of the whole buffer. */
	igt_assert_eq(set_attr(buf, size, PREF, DRM_VSVM_LOC_NONE), 0);
	igt_assert_eq(set_attr(buf, size, GRAN, 21), 0);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_NONE, 16);
	expect_attr(buf, size, GRAN, 21, 16);
	munmap(buf, size);
}

/* munmap() in the middle drops the hole's attributes and keeps both sides'. */
static void test_attr_munmap(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	igt_assert_eq(set_attr(buf, size, PREF, DRM_VSVM_LOC_SYSTEM), 0);
	igt_assert_eq(munmap(buf + 6 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
	igt_assert(mmap(buf + 6 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == buf + 6 * PAGE_SIZE);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_SYSTEM, 6);
	expect_attr(buf + 6 * PAGE_SIZE, size - 6 * PAGE_SIZE, PREF, DRM_VSVM_LOC_NONE, 4);
	expect_attr(buf + 10 * PAGE_SIZE, size - 10 * PAGE_SIZE, PREF, DRM_VSVM_LOC_SYSTEM, 6);
	/* And at an edge: the first two pages. */
	igt_assert_eq(munmap(buf, 2 * PAGE_SIZE), 0);
	igt_assert(mmap(buf, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == buf);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_NONE, 2);
	expect_attr(buf + 2 * PAGE_SIZE, size, PREF, DRM_VSVM_LOC_SYSTEM, 4);
	munmap(buf, size);
}

/* mremap() leaves the attributes behind: the new place has the defaults. */
static void test_attr_mremap(void)
{
	const size_t size = 8 * PAGE_SIZE;
	uint8_t *buf = map_anon(size), *dst = map_anon(2 * size), *moved;

	munmap(dst, 2 * size);
	igt_assert_eq(set_attr(buf, size, GRAN, 14), 0);
	moved = mremap(buf, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	igt_assert(moved == dst);
	expect_attr(moved, size, GRAN, 21, 8);
	igt_assert(mmap(buf, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			-1, 0) == buf);
	expect_attr(buf, size, GRAN, 21, 8);
	munmap(buf, size);
	munmap(moved, size);
}

/* mprotect() splits VMAs, not attributes. */
static void test_attr_mprotect(void)
{
	const size_t size = 8 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	igt_assert_eq(set_attr(buf, size, PREF, DRM_VSVM_LOC_DEVICE), 0);
	igt_assert_eq(mprotect(buf + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_DEVICE, 8);
	igt_assert_eq(mprotect(buf + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	expect_attr(buf, size, PREF, DRM_VSVM_LOC_DEVICE, 8);
	munmap(buf, size);
}

/*
 * Preferred location DEVICE: the device's faults move their blocks in
 * (granularity 64 KiB: 16 pages each); accessed-by keeps them where they
 * are; SYSTEM brings them back at the next fault.
 */
static void test_attr_fault_migrates(void)
{
	const size_t size = 64 * PAGE_SIZE, align = 16 * PAGE_SIZE;
	uint8_t *raw = map_anon(size + align), *other = map_anon(size);
	/* 64 KiB aligned, so that the blocks are whole 16-page blocks of buf. */
	uint8_t *buf = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	struct vram_counts before, after;

	vsvm_pattern_fill(buf, size, 51);
	vsvm_pattern_fill(other, size, 52);
	igt_assert_eq(set_attr(buf, size, PREF, DRM_VSVM_LOC_DEVICE), 0);
	igt_assert_eq(set_attr(buf, size, GRAN, 16), 0);
	before = vram_counts();
	/* One page: its 16-page block moves. */
	igt_assert_eq_u64(device_checksum(buf + 20 * PAGE_SIZE, PAGE_SIZE),
			  pattern_hash_range(size, 51, 20 * PAGE_SIZE, PAGE_SIZE));
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 16);
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 51));
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 64);

	/* accessed-by: the device reads them where they are. */
	igt_assert_eq(set_attr(other, size, PREF, DRM_VSVM_LOC_DEVICE), 0);
	igt_assert_eq(set_attr(other, size, DRM_VSVM_ATTR_ACCESSED_BY, 1), 0);
	before = vram_counts();
	igt_assert_eq_u64(device_checksum(other, size), pattern_hash(size, 52));
	after = vram_counts();
	igt_assert_eq_u64(after.to_device - before.to_device, 0);

	/* SYSTEM: the CPU takes one page back; the device's next fault there takes its block. */
	igt_assert_eq(set_attr(buf, size, PREF, DRM_VSVM_LOC_SYSTEM), 0);
	((volatile uint8_t *)buf)[0] ^= 0xff;
	((volatile uint8_t *)buf)[0] ^= 0xff;
	before = vram_counts();
	igt_assert_eq_u64(device_checksum(buf, size), pattern_hash(size, 51));
	after = vram_counts();
	igt_assert_eq_u64(after.to_ram_asked - before.to_ram_asked, 15);
	igt_assert_eq_u64(vsvm_pattern_mismatch(buf, size, 51), SIZE_MAX);
	munmap(raw, size + align);
	munmap(other, size);
}

/*
 * Random sets and munmaps against a model of each page's attributes: after
 * each step, GET_ATTR's runs over the buffer must be the model's runs
 * exactly (maximal, for each attribute).
 */
static void test_attr_random(void)
{
	enum { PAGES = 48, STEPS = 300 };
	static const uint32_t types[3] = { PREF, DRM_VSVM_ATTR_ACCESSED_BY, GRAN };
	const uint64_t defaults[3] = { DRM_VSVM_LOC_NONE, 0, 21 };
	const size_t size = PAGES * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint64_t model[3][PAGES];
	unsigned int seed = 1234, step;

	for (unsigned int t = 0; t < 3; t++)
		for (unsigned int p = 0; p < PAGES; p++)
			model[t][p] = defaults[t];
	for (step = 0; step < STEPS; step++) {
		unsigned int first = rand_r(&seed) % PAGES;
		unsigned int n = 1 + rand_r(&seed) % (PAGES - first);

		if (rand_r(&seed) % 5 == 0) {
			uint8_t *at = buf + first * PAGE_SIZE;

			igt_assert_eq(munmap(at, n * PAGE_SIZE), 0);
			igt_assert(mmap(at, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == at);
			for (unsigned int t = 0; t < 3; t++)
				for (unsigned int p = first; p < first + n; p++)
					model[t][p] = defaults[t];
		} else {
			unsigned int t = rand_r(&seed) % 3;
			uint64_t v = t == 0 ? rand_r(&seed) % 3 : t == 1 ? rand_r(&seed) % 2 :
				     12 + rand_r(&seed) % 10;

			igt_assert_eq(set_attr(buf + first * PAGE_SIZE, n * PAGE_SIZE, types[t], v), 0);
			for (unsigned int p = first; p < first + n; p++)
				model[t][p] = v;
		}
		for (unsigned int t = 0; t < 3; t++) {
			for (unsigned int p = 0; p < PAGES;) {
				unsigned int q = p;
				uint64_t run, v;

				while (q < PAGES && model[t][q] == model[t][p])
					q++;
				v = get_attr(buf + p * PAGE_SIZE, (PAGES - p) * PAGE_SIZE, types[t], &run);
				igt_assert_f(v == model[t][p] && run == (q - p) * PAGE_SIZE,
					     "step %u, attribute %u, page %u: %llu over %llu pages, "
					     "the model says %llu over %u\n", step, types[t], p,
					     (unsigned long long)v, (unsigned long long)(run / PAGE_SIZE),
					     (unsigned long long)model[t][p], q - p);
				p = q;
			}
		}
	}
	munmap(buf, size);
}

/* Every check of the two ioctls. */
static void test_attr_bad_args(void)
{
	uint8_t *buf = map_anon(4 * PAGE_SIZE);
	struct drm_vsvm_vm_attr args = {
		.vm_id = dm.vm,
		.start = (uintptr_t)buf,
		.size = PAGE_SIZE,
		.type = PREF,
	};
	struct drm_vsvm_vm_attr a;

#define EXPECT_ATTR_ERR(field, bad, err) do { \
	a = args; \
	a.field = (bad); \
	igt_assert_eq(drmIoctl(dm.fd, DRM_IOCTL_VSVM_VM_SET_ATTR, &a) ? -errno : 0, (err)); \
	a = args; \
	a.field = (bad); \
	if ((err) != -EFAULT) \
		igt_assert_eq(drmIoctl(dm.fd, DRM_IOCTL_VSVM_VM_GET_ATTR, &a) ? -errno : 0, (err)); \
} while (0)
	EXPECT_ATTR_ERR(flags, 1, -EINVAL);
	EXPECT_ATTR_ERR(pad, 1, -EINVAL);
	EXPECT_ATTR_ERR(type, 0, -EINVAL);
	EXPECT_ATTR_ERR(type, 4, -EINVAL);
	EXPECT_ATTR_ERR(start, (uintptr_t)buf + 1, -EINVAL);
	EXPECT_ATTR_ERR(size, 100, -EINVAL);
	EXPECT_ATTR_ERR(size, 0, -EINVAL);
	EXPECT_ATTR_ERR(size, ~0ull & ~(PAGE_SIZE - 1), -EINVAL);
	EXPECT_ATTR_ERR(vm_id, 9999, -ENOENT);
#undef EXPECT_ATTR_ERR
	igt_assert_eq(set_attr(buf, PAGE_SIZE, PREF, 3), -EINVAL);
	igt_assert_eq(set_attr(buf, PAGE_SIZE, DRM_VSVM_ATTR_ACCESSED_BY, 2), -EINVAL);
	igt_assert_eq(set_attr(buf, PAGE_SIZE, GRAN, 11), -EINVAL);
	igt_assert_eq(set_attr(buf, PAGE_SIZE, GRAN, 22), -EINVAL);
	/* A range with a page that has no mapping: EFAULT, nothing set. */
	igt_assert_eq(munmap(buf + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	igt_assert_eq(set_attr(buf, 4 * PAGE_SIZE, PREF, DRM_VSVM_LOC_SYSTEM), -EFAULT);
	expect_attr(buf, 2 * PAGE_SIZE, PREF, DRM_VSVM_LOC_NONE, 2);
	munmap(buf, 4 * PAGE_SIZE);
}

/* The argument checks of placement. */
static void test_bad_flags(void)
{
	uint8_t *buf = map_anon(PAGE_SIZE);

	igt_assert_eq(prefetch(buf, PAGE_SIZE, DRM_VSVM_PREFETCH_TO_DEVICE |
			       DRM_VSVM_PREFETCH_TO_SYSTEM), -EINVAL);
	igt_assert_eq(prefetch(buf, PAGE_SIZE, 1u << 3), -EINVAL);
	igt_assert_eq(prefetch(buf, 0, DRM_VSVM_PREFETCH_TO_DEVICE), -EINVAL);
	/* Memory without a VMA. */
	munmap(buf, PAGE_SIZE);
	igt_assert_eq(prefetch(buf, PAGE_SIZE, DRM_VSVM_PREFETCH_TO_DEVICE), -EFAULT);
}

igt_main
{
	igt_fixture {
		dm.fd = vsvm_open(dm.path, sizeof(dm.path));
		vsvm_require_caps(dm.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE |
				  DRM_VSVM_CAP_DEVICE_MEMORY);
		dm.vm = vsvm_vm_create(dm.fd);
	}

	igt_describe("DRM_VSVM_PARAM_VRAM_BYTES matches debugfs vram_bytes and is not 0.");
	igt_subtest("param") {
		uint64_t bytes = vsvm_get_param(dm.fd, DRM_VSVM_PARAM_VRAM_BYTES);

		igt_assert_f(bytes > 0, "no device memory\n");
		igt_assert_eq_u64(bytes, counter("vram_bytes"));
	}

	igt_describe("TO_DEVICE and TO_SYSTEM together, unknown flags, size 0: -EINVAL; a "
		     "range without a VMA: -EFAULT.");
	igt_subtest("bad-flags")
		test_bad_flags();

	igt_describe("1 MiB to the device; the device's checksum is right and moves nothing "
		     "back; one CPU read moves one page back; reading all moves all back, "
		     "data intact.");
	igt_subtest("round-trip")
		test_round_trip();

	igt_describe("Untouched memory stays untouched by a move to the device; written "
		     "memory moves, and a device FILL stays in device memory until the CPU "
		     "reads it.");
	igt_subtest("device-writes")
		test_device_writes();

	igt_describe("migrate_back_kb=16: one CPU touch moves 9 pages back, 5 at the VMA's "
		     "start.");
	igt_subtest("migrate-back-neighbourhood")
		test_migrate_back_neighbourhood();

	igt_describe("PREFETCH TO_SYSTEM moves the device's pages back, counted apart.");
	igt_subtest("prefetch-to-system")
		test_prefetch_to_system();

	igt_describe("munmap of device-resident memory frees it, partly and whole.");
	igt_subtest("munmap")
		test_munmap();

	igt_describe("fork: the child reads the parent's device pages and writes its own; "
		     "the parent's data stays.");
	igt_subtest("fork")
		test_fork();

	igt_describe("vram_limit_mb=4 and two 3 MiB buffers: the second evicts, both intact.");
	igt_subtest("eviction")
		test_eviction();

	igt_describe("vram_limit_mb=2, two resident 1 MiB buffers, the device reads the first: "
		     "a third evicts the second (least recently used), not the first.");
	igt_subtest("eviction-lru")
		test_eviction_lru();

	igt_describe("vram_limit_mb=1 and a 2 MiB buffer: the rest stays in system memory, "
		     "the device reads all of it.");
	igt_subtest("exhaustion")
		test_exhaustion();

	igt_describe("CPU-side events on memory in device memory: mremap (the pages move "
		     "with the VMA), mprotect read-only, MADV_DONTNEED (freed, zeros), "
		     "/proc/self/mem reads, MADV_PAGEOUT (no swap), move_pages, process exit "
		     "(all given back), KSM (device pages not merged), an OOM kill (all given "
		     "back), a core dump (the file holds the data): data and device memory as "
		     "each says.");
	igt_subtest_with_dynamic("cpu-events") {
		/* volatile: it lives across the sigsetjmp() of igt_dynamic(). */
		for (volatile unsigned int i = 0; i < sizeof(cpu_events) / sizeof(cpu_events[0]); i++)
			igt_dynamic(cpu_events[i].name)
				cpu_events[i].fn();
	}

	igt_describe("VM_SET_ATTR over part of a buffer: GET_ATTR gives the runs before, in "
		     "and after it, per attribute; equal neighbours join; defaults everywhere "
		     "give one run.");
	igt_subtest("attr-set-get")
		test_attr_set_get();

	igt_describe("munmap() in the middle of a span drops the hole's attributes and keeps "
		     "both sides'; at an edge too.");
	igt_subtest("attr-munmap")
		test_attr_munmap();

	igt_describe("mremap() leaves the attributes behind with the old addresses.");
	igt_subtest("attr-mremap")
		test_attr_mremap();

	igt_describe("mprotect() of a part keeps the span's attributes.");
	igt_subtest("attr-mprotect")
		test_attr_mprotect();

	igt_describe("Preferred location DEVICE with a 64 KiB granularity: a device fault "
		     "moves its 16-page block in; accessed-by keeps pages in place; SYSTEM "
		     "brings them back at the next device fault.");
	igt_subtest("attr-fault-migrates")
		test_attr_fault_migrates();

	igt_describe("300 random attribute sets and munmap/mmap steps over 48 pages against a "
		     "per-page model: GET_ATTR's runs are the model's after every step.");
	igt_subtest("attr-random")
		test_attr_random();

	igt_describe("VM_SET_ATTR/GET_ATTR: every argument check (flags, pad, type, value, "
		     "alignment, size, wrap, VM) and EFAULT for a range with a hole.");
	igt_subtest("attr-bad-args")
		test_attr_bad_args();

	igt_describe("A thread moves 1 MiB to the device and back in a loop while the CPU "
		     "increments a counter in each page: no write lost, the pattern intact.");
	igt_subtest("race-cpu")
		test_race_cpu();

	igt_describe("Pages move while the device fills and checksums them: each checksum "
		     "matches the fill before it, the last fill is what the CPU reads.");
	igt_subtest("race-device")
		test_race_device();

	igt_describe("Pages move while halves of the range are unmapped and mapped again: "
		     "migrations end 0 or EFAULT, the device memory is all given back.");
	igt_subtest("race-munmap")
		test_race_munmap();

	igt_describe("Pages move while the process forks: every child reads the data.");
	igt_subtest("race-fork")
		test_race_fork();

	igt_describe("Two devices (num_devices=2): A moves pages in and writes half; B "
		     "reads: the pages come back from A's memory (A counts 128), B reads A's "
		     "data.");
	igt_subtest("two-devices-share") {
		other_open();
		test_two_devices_share();
		other_close();
	}

	igt_describe("Two devices, B with accessed-by: B reads and writes pages in A's memory "
		     "where they are (none moves); when A moves them back, B's writes are "
		     "there and B's translations follow.");
	igt_subtest("two-devices-accessed-by") {
		other_open();
		test_two_devices_accessed_by();
		other_close();
	}

	igt_describe("Two devices each hold half of a buffer: both read all of it right; "
		     "munmap reaches both mirrors and frees both memories.");
	igt_subtest("two-devices-halves") {
		other_open();
		test_two_devices_halves();
		other_close();
	}

	igt_fixture {
		vsvm_vm_destroy(dm.fd, dm.vm);
		close(dm.fd);
	}
}
