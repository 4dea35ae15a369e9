// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(), we need memfd_create(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsvm_helpers.h"
#include "kernels/saxpy.h"

IGT_TEST_DESCRIPTION("Mirror correctness: regressions for bugs found by reading the driver. "
		     "hugetlb pages under a fault-around span, range bookkeeping across a THP "
		     "collapse and partial unmaps, memfd_secret memory, device writes that a "
		     "fault-around must not lose before reclaim, the fault-around tunable, and "
		     "a prefetch that must stay killable and be charged to the caller's memory "
		     "cgroup. Each subtest checks the data byte for byte and the job status.");

#define PAGE_SIZE	4096ull
#define SZ_64K		(64ull << 10)
#define SZ_1M		(1ull << 20)
#define SZ_2M		(2ull << 20)
#define SZ_4M		(4ull << 20)
#define SZ_1G		(1ull << 30)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret	447
#endif

/* /proc/self/pagemap: the page is present; it is in swap. */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAP		(1ull << 62)

#define READ		DRM_VSVM_ACCESS_READ
#define WRITE		DRM_VSVM_ACCESS_WRITE

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_ZERO_PAGE	"/sys/kernel/mm/transparent_hugepage/use_zero_page"
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_MIRROR	CGROUP_ROOT "/vsvm-mirror"

/* State shared by the subtests; static, so that it survives IGT's siglongjmp()s. */
static struct {
	int fd;
	char path[PATH_MAX];
	/* The subtest's VM, created by the subtest once its tunables are set. */
	uint32_t vm;
	/* Where CHECKSUM results go: a page of its own. */
	uint64_t *result;
	/* The hugetlb mapping of the running case, unmapped by the next if it fails. */
	uint8_t *huge;
	/* Counters at the last mark() and their change since, see since(). */
	uint64_t before[DRM_VSVM_COUNTER_COUNT];
	uint64_t delta[DRM_VSVM_COUNTER_COUNT];
	/* The CPUs the test may run on, put back after a subtest pinned it. */
	cpu_set_t cpus;
} mirror = { .fd = -1 };

static const uint8_t zeros[16 * PAGE_SIZE];

/* ---- memory --------------------------------------------------------------------------- */

static uint8_t *map_anon(size_t size)
{
	void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert_f(ptr != MAP_FAILED, "mmap of %zu bytes: %s\n", size, strerror(errno));
	return ptr;
}

static void unmap(void *ptr, size_t size)
{
	igt_assert_eq(munmap(ptr, size), 0);
}

/*
 * An mmap() of @size bytes at an address aligned to @align: the alignment
 * decides which device range (2 MiB, 64 KiB) and which CPU page-table page
 * the mapping lands in. Return: the mapping, or MAP_FAILED with errno set.
 */
static uint8_t *map_aligned(size_t size, size_t align, int prot, int flags, int fd)
{
	size_t span = size + align;
	uint8_t *raw = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	uint8_t *aligned, *ptr;
	int err;

	igt_assert_f(raw != MAP_FAILED, "reserving %zu bytes: %s\n", span, strerror(errno));
	aligned = (uint8_t *)(uintptr_t)ALIGN_UP((uintptr_t)raw, align);
	ptr = mmap(aligned, size, prot, flags | MAP_FIXED, fd, 0);
	if (ptr == MAP_FAILED) {
		err = errno;
		munmap(raw, span);
		errno = err;
		return MAP_FAILED;
	}
	if (aligned > raw)
		unmap(raw, aligned - raw);
	unmap(aligned + size, raw + span - (aligned + size));

	return ptr;
}

/*
 * Return: how many of the pages of @size bytes at @buf are present on the
 * CPU side; *@swapped (if not NULL): how many are in swap.
 */
static unsigned int pages_resident(const void *buf, size_t size, unsigned int *swapped)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	unsigned int count = 0, in_swap = 0;

	igt_assert_fd(fd);
	for (size_t offset = 0; offset < size; offset += PAGE_SIZE) {
		uint64_t entry;
		off_t where = ((uintptr_t)buf + offset) / PAGE_SIZE * sizeof(entry);

		igt_assert_eq(pread(fd, &entry, sizeof(entry), where), sizeof(entry));
		count += !!(entry & PM_PRESENT);
		in_swap += !!(entry & PM_SWAP);
	}
	close(fd);
	if (swapped)
		*swapped = in_swap;
	return count;
}

static unsigned int pages_present(const void *buf, size_t size)
{
	return pages_resident(buf, size, NULL);
}

/* Reads every page of @buf on the CPU, so that each gets a page-table entry. */
static void cpu_read_pages(const uint8_t *buf, size_t size)
{
	for (size_t offset = 0; offset < size; offset += PAGE_SIZE)
		(void)*(const volatile uint8_t *)(buf + offset);
}

/* Return: 2 MiB hugetlb pages that a new mapping can have (free and not reserved). */
static long hugetlb_pages_available(void)
{
	return vsvm_meminfo_kb("HugePages_Free:") - vsvm_meminfo_kb("HugePages_Rsvd:");
}

/* Skips unless @pages 2 MiB hugetlb pages are available; as root, adds them to the pool. */
static void require_hugetlb_pages(long pages)
{
	long available = hugetlb_pages_available();
	char value[32];

	igt_require_f(vsvm_meminfo_kb("Hugepagesize:") == 2048,
		      "default hugetlb size is not 2 MiB\n");
	if (available < pages && geteuid() == 0) {
		snprintf(value, sizeof(value), "%ld",
			 vsvm_meminfo_kb("HugePages_Total:") + pages - available);
		vsvm_knob_set(NR_HUGEPAGES, value);
		available = hugetlb_pages_available();
	}
	igt_require_f(available >= pages, "%ld hugetlb pages available, %ld needed\n",
		      available, pages);
}

/* Skips unless THP is built in; sets it to @mode ("madvise", "always") for the subtest. */
static void require_thp(const char *mode)
{
	char enabled[128];

	igt_require_f(vsvm_read_file(THP_ENABLED, enabled, sizeof(enabled)) == 0,
		      "no transparent huge pages\n");
	igt_assert_eq(vsvm_knob_set(THP_ENABLED, mode), 0);
}

/* Keeps the test on the CPU it runs on until the subtest ends (per-CPU LRU batches). */
static void pin_to_this_cpu(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	igt_assert_f(cpu >= 0, "sched_getcpu: %s\n", strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	igt_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
}

/* ---- the device ----------------------------------------------------------------------- */

/* Sets a tunable of the device for this subtest; a VM created after it uses it. */
static void set_tunable(const char *name, const char *value)
{
	char path[PATH_MAX];

	igt_assert_eq(vsvm_tunable_path(mirror.fd, name, path, sizeof(path)), 0);
	igt_assert_f(vsvm_knob_set(path, value) == 0, "tunable %s = %s: %s\n", name, value,
		     strerror(errno));
}

/* The subtest's VM: tunables are read at VM creation, so subtests set them first. */
static void vm_open(void)
{
	mirror.vm = vsvm_vm_create(mirror.fd);
}

/* A fresh VM for a dynamic subtest, after the one a failed case may have left. */
static void vm_reopen(void)
{
	if (mirror.vm)
		vsvm_vm_destroy(mirror.fd, mirror.vm);
	vm_open();
}

static void vm_close(void)
{
	vsvm_vm_destroy(mirror.fd, mirror.vm);
	mirror.vm = 0;
}

/* A FILL value whose eight bytes differ, so that a shifted fill shows. */
static uint64_t fill_value(uint32_t seed)
{
	return 0x8877665544332211ull ^ (seed * 0x0101010101010101ull);
}

/*
 * A one-command job that may fault, bounded in time: a mirror that waits
 * for something that never comes (a userfaultfd reader) fails the subtest
 * instead of hanging it. Return: how the job ended.
 */
static struct vsvm_job_status device_job(const struct drm_vsvm_cmd *cmd)
{
	struct vsvm_job_status status;
	int ret = __vsvm_run(mirror.fd, mirror.vm, cmd, 1,
			     vsvm_timeout_in(60 * VSVM_NSEC_PER_SEC), &status);

	igt_assert_f(ret == 0, "job (op %u, %llu bytes) did not end: %s\n", cmd->op,
		     (unsigned long long)cmd->size, strerror(-ret));
	return status;
}

/* A CHECKSUM that may fault. Return: how it ended. */
static struct vsvm_job_status device_read(const void *src, size_t size)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_checksum(src, size, mirror.result);

	return device_job(&cmd);
}

/* A FILL that may fault. Return: how it ended. */
static struct vsvm_job_status device_write(void *dst, size_t size, uint64_t value)
{
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(dst, size, value);

	return device_job(&cmd);
}

/* Return: the FNV-1a of @size bytes at @src as the device reads them. */
static uint64_t device_hash(const void *src, size_t size)
{
	igt_assert_job_ok(device_read(src, size));
	return *mirror.result;
}

static void device_fill(void *dst, size_t size, uint64_t value)
{
	igt_assert_job_ok(device_write(dst, size, value));
}

/* Fails unless the device reads @size bytes at @buf as the CPU does. */
#define igt_assert_device_sees_cpu(buf, size) \
	igt_assert_eq_u64(device_hash((buf), (size)), vsvm_fnv1a64((buf), (size)))

/* ---- counters ------------------------------------------------------------------------- */

/*
 * Starts a counter measurement. The device first writes the result slot, so
 * that the faults counted afterwards are the memory under test's own.
 */
static void mark(void)
{
	device_fill(mirror.result, sizeof(*mirror.result), 0);
	vsvm_counters(mirror.fd, mirror.vm, mirror.before);
}

/* Sets mirror.delta to the change of the VM's counters since mark(). */
static void since(void)
{
	vsvm_counters_delta(mirror.fd, mirror.vm, mirror.before, mirror.delta);
}

#define COUNTER(name)	DRM_VSVM_COUNTER_##name

/* Fails unless counter @name moved by at least @min since mark(). */
#define assert_moved(name, min) \
	igt_assert_f(mirror.delta[COUNTER(name)] >= (uint64_t)(min), \
		     "counter %s moved by %llu, expected at least %llu\n", #name, \
		     (unsigned long long)mirror.delta[COUNTER(name)], (unsigned long long)(min))

/* Fails unless counter @name moved by exactly @n since mark(). */
#define assert_moved_by(name, n) \
	igt_assert_f(mirror.delta[COUNTER(name)] == (uint64_t)(n), \
		     "counter %s moved by %llu, expected %llu\n", #name, \
		     (unsigned long long)mirror.delta[COUNTER(name)], (unsigned long long)(n))

/* ---- hugetlb under a fault-around span ------------------------------------------------ */

/* Where the device accesses a huge page: a few pages, none of them the first. */
#define HUGE_OFFSET	SZ_1M
#define HUGE_SIZE	(4 * PAGE_SIZE)

/*
 * Two 2 MiB hugetlb pages, 4 MiB aligned so that both lie under one PMD
 * table (a 4 MiB-aligned block never straddles 1 GiB). Nothing is touched:
 * the caller decides which page gets populated. Once that table exists,
 * hmm_range_fault() meets the untouched page as a none hugetlb entry, the
 * case under test (without the table it would take its hole path, which
 * faults correctly).
 */
static uint8_t *map_hugetlb(void)
{
	uint8_t *huge;

	/* A case that failed half-way left its huge pages mapped: they are needed. */
	if (mirror.huge)
		unmap(mirror.huge, SZ_4M);
	mirror.huge = NULL;

	require_hugetlb_pages(2);
	huge = map_aligned(SZ_4M, SZ_4M, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
	igt_require_f(huge != MAP_FAILED, "MAP_HUGETLB: %s\n", strerror(errno));
	mirror.huge = huge;

	return huge;
}

static void unmap_hugetlb(uint8_t *huge)
{
	unmap(huge, SZ_4M);
	mirror.huge = NULL;
}

/*
 * The device's first touch of a huge page, at +1 MiB. The fault-around span
 * starts inside the same huge page, and hmm_range_fault() (6.12) takes the
 * fault request of a hugetlb entry from the span's first page only: the
 * untouched page comes back not valid, yet with the PMD order. A driver
 * that trusts the order maps a 2 MiB leaf at frame 0; the device then reads
 * physical memory, not the zeroes the process would read.
 */
static void hugetlb_checksum(void)
{
	uint8_t *huge = map_hugetlb();

	vsvm_pattern_fill(huge + SZ_2M, SZ_2M, 1);	/* the PMD table, see map_hugetlb() */
	mark();
	igt_assert_eq_u64(device_hash(huge + HUGE_OFFSET, HUGE_SIZE),
			  vsvm_fnv1a64(zeros, HUGE_SIZE));
	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);

	/* The CPU reads the zeroes the device read. */
	igt_assert_filled(huge + HUGE_OFFSET, HUGE_SIZE, 0);
	igt_assert_device_sees_cpu(huge, SZ_4M);
	unmap_hugetlb(huge);
}

/* The same first touch as a write: it reaches the process's huge page, nothing else. */
static void hugetlb_fill(void)
{
	const uint64_t value = fill_value(2);
	uint8_t *huge = map_hugetlb();

	vsvm_pattern_fill(huge + SZ_2M, SZ_2M, 2);
	mark();
	device_fill(huge + HUGE_OFFSET, HUGE_SIZE, value);
	since();
	assert_moved_by(FAULTS_FATAL, 0);

	igt_assert_filled(huge + HUGE_OFFSET, HUGE_SIZE, value);
	igt_assert_filled(huge, HUGE_OFFSET, 0);
	igt_assert_filled(huge + HUGE_OFFSET + HUGE_SIZE, SZ_2M - HUGE_OFFSET - HUGE_SIZE, 0);
	igt_assert_pattern(huge + SZ_2M, SZ_2M, 2);
	unmap_hugetlb(huge);
}

/* A userfaultfd registered in missing mode over @len bytes at @addr; skips without one. */
static int uffd_register_missing(void *addr, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	igt_require_f(uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	igt_assert_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	igt_assert_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	return uffd;
}

/* Resolves the missing huge page at @dst with the 2 MiB at @src, as a uffd handler does. */
static void uffd_copy_huge(int uffd, void *dst, const void *src)
{
	struct uffdio_copy copy = {
		.dst = (uintptr_t)dst,
		.src = (uintptr_t)src,
		.len = SZ_2M,
	};

	igt_assert_f(ioctl(uffd, UFFDIO_COPY, &copy) == 0, "UFFDIO_COPY: %s\n", strerror(errno));
	igt_assert_eq_u64(copy.copy, SZ_2M);
}

/*
 * In a userfaultfd-registered VMA the driver must not fault pages in (the
 * handler runs in the process): a huge page that UFFDIO_COPY populated is
 * read through a non-first page like any other.
 */
static void hugetlb_uffd_copied(void)
{
	uint8_t *huge = map_hugetlb();
	uint8_t *contents = map_anon(SZ_2M);
	int uffd = uffd_register_missing(huge, SZ_4M);

	vsvm_pattern_fill(contents, SZ_2M, 3);
	uffd_copy_huge(uffd, huge, contents);

	mark();
	igt_assert_job_ok(device_read(huge + HUGE_OFFSET, HUGE_SIZE));
	igt_assert_eq_u64(*mirror.result, vsvm_fnv1a64(contents + HUGE_OFFSET, HUGE_SIZE));
	since();
	assert_moved_by(FAULTS_FATAL, 0);
	igt_assert_eq(memcmp(huge, contents, SZ_2M), 0);

	close(uffd);
	unmap(contents, SZ_2M);
	unmap_hugetlb(huge);
}

/*
 * ...and a huge page the handler has not populated is a fatal fault at the
 * address the device touched (read or write), never a wrong checksum or a
 * write to somebody else's memory. The populated neighbour creates the PMD
 * table.
 */
static void hugetlb_uffd_missing(void)
{
	uint8_t *huge = map_hugetlb();
	uint8_t *contents = map_anon(SZ_2M);
	uint8_t *missing = huge + SZ_2M;
	int uffd = uffd_register_missing(huge, SZ_4M);

	vsvm_pattern_fill(contents, SZ_2M, 4);
	uffd_copy_huge(uffd, huge, contents);

	mark();
	igt_assert_job_fault(device_read(missing + HUGE_OFFSET, HUGE_SIZE),
			     missing + HUGE_OFFSET, READ);
	igt_assert_job_fault(device_write(missing + HUGE_OFFSET, HUGE_SIZE, fill_value(4)),
			     missing + HUGE_OFFSET, WRITE);
	since();
	assert_moved_by(FAULTS_FATAL, 2);

	/* The populated page goes on working. */
	igt_assert_job_ok(device_read(huge + HUGE_OFFSET, HUGE_SIZE));
	igt_assert_eq_u64(*mirror.result, vsvm_fnv1a64(contents + HUGE_OFFSET, HUGE_SIZE));

	close(uffd);
	unmap(contents, SZ_2M);
	unmap_hugetlb(huge);
}

static const struct {
	const char *name;
	void (*test)(void);
} hugetlb_cases[] = {
	{ "checksum", hugetlb_checksum },
	{ "fill", hugetlb_fill },
	{ "userfaultfd-copied", hugetlb_uffd_copied },
	{ "userfaultfd-missing", hugetlb_uffd_missing },
};

static void test_hugetlb_fault_around(void)
{
	/* volatile: it lives across the sigsetjmp() of igt_dynamic(). */
	for (volatile unsigned int i = 0; i < ARRAY_SIZE(hugetlb_cases); i++) {
		igt_dynamic(hugetlb_cases[i].name) {
			/* The span must reach back from +1 MiB into the same huge page. */
			set_tunable("fault_around_kb", "64");
			set_tunable("chunk_sizes", "2048 64 4");
			set_tunable("huge_pages", "1");
			vm_reopen();
			hugetlb_cases[i].test();
			vm_close();
		}
	}
}

/* ---- a collapsed THP whose halves go -------------------------------------------------- */

/* madvise(MADV_COLLAPSE), retried while the kernel says the pages are busy. Return: errno. */
static int collapse(void *addr, size_t size)
{
	for (int tries = 0; tries < 10; tries++) {
		if (!madvise(addr, size, MADV_COLLAPSE))
			return 0;
		if (errno != EAGAIN)
			break;
		usleep(10 * 1000);
	}

	return errno;
}

/*
 * R, 2 MiB aligned inside a larger mapping, becomes one 2 MiB device range.
 * Its first half is unmapped (the range records those pages as unmapped),
 * mapped again and collapsed with the rest into a THP, which the device maps
 * with one 2 MiB leaf. That leaf covers the first half again, so the range
 * must stop counting it as unmapped; if it does not, unmapping the second
 * half lets it drop the range and, with it, the notifier that would tell it
 * when the first half goes. Whatever the bookkeeping does, afterwards a
 * device access to R must see exactly what the CPU sees: no mapping (a
 * fatal fault), then the new mapping's contents.
 *
 * On 6.12 the munmap of the second half first splits the PMD (a CLEAR of
 * the whole 2 MiB, from __split_vma()), which zaps the 2 MiB leaf before
 * the UNMAP: the stale bookkeeping of a driver that forgets to clear the
 * range then leaves no leaf behind, and this sequence cannot show it. The
 * subtest keeps the invariant checked for kernels (and drivers) where that
 * order differs; a driver's own audit of its ranges sees the stale state.
 */
static void test_collapse_then_unmap_halves(void)
{
	const size_t big_size = 8 * SZ_1M;
	uint8_t *big, *r;
	int err;

	require_thp("madvise");
	set_tunable("huge_pages", "1");
	set_tunable("chunk_sizes", "2048 64 4");
	set_tunable("fault_around_kb", "64");
	vm_open();

	big = map_anon(big_size);
	r = (uint8_t *)(uintptr_t)ALIGN_UP((uintptr_t)big, SZ_2M) + SZ_2M;
	vsvm_pattern_fill(big, big_size, 21);

	/* The device reads R's first page: R becomes one 2 MiB range. */
	mark();
	igt_assert_device_sees_cpu(r, PAGE_SIZE);
	since();
	assert_moved(FAULTS, 1);

	/* The first half goes and comes back with new contents, in the same VMA. */
	unmap(r, SZ_1M);
	igt_assert(mmap(r, SZ_1M, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == r);
	vsvm_pattern_fill(r, SZ_1M, 22);

	/* One THP, mapped by the CPU with a PMD... */
	err = collapse(r, SZ_2M);
	igt_require_f(err != EINVAL && err != ENOMEM, "MADV_COLLAPSE: %s\n", strerror(err));
	igt_assert_f(err == 0, "MADV_COLLAPSE: %s\n", strerror(err));
	igt_assert_lte_u64(2048, vsvm_smaps_kb(r, "AnonHugePages:"));

	/* ...and by the device with a 2 MiB leaf. */
	mark();
	igt_assert_device_sees_cpu(r + SZ_1M + SZ_1M / 2, PAGE_SIZE);
	since();
	assert_moved(MAPPED_2M, 1);

	/* The second half goes, then the first. */
	unmap(r + SZ_1M, SZ_1M);
	unmap(r, SZ_1M);

	/* Nothing is mapped at R: the device faults there, as the CPU would. */
	mark();
	igt_assert_job_fault(device_read(r, PAGE_SIZE), r, READ);
	igt_assert_job_fault(device_read(r + SZ_1M / 2, PAGE_SIZE), r + SZ_1M / 2, READ);
	since();
	assert_moved_by(FAULTS_FATAL, 2);

	/* New memory at R: the device reads its contents, not what was there. */
	igt_assert(mmap(r, SZ_1M, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == r);
	vsvm_pattern_fill(r, SZ_1M, 23);
	igt_assert_device_sees_cpu(r, SZ_1M);
	unmap(big, big_size);
}

/* ---- memfd_secret --------------------------------------------------------------------- */

/*
 * memfd_secret pages are gone from the kernel's direct map: the device
 * (which reaches memory through the kernel) must not touch them, however
 * it gets there. Anonymous memory right before them, in the same 2 MiB, is
 * mirrored as usual and opens no way into them.
 */
static void test_secretmem(void)
{
	const size_t secret_size = 2 * PAGE_SIZE, before = 16 * PAGE_SIZE;
	int sfd = syscall(SYS_memfd_secret, O_CLOEXEC);
	uint8_t *area, *secret;
	struct drm_vsvm_vm_prefetch prefetch;

	igt_require_f(sfd >= 0, "memfd_secret: %s\n", strerror(errno));
	igt_assert_eq(ftruncate(sfd, secret_size), 0);
	vm_open();

	area = map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	igt_assert(area != MAP_FAILED);
	secret = mmap(area + before, secret_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		      sfd, 0);
	igt_require_f(secret != MAP_FAILED, "mmap of a memfd_secret: %s\n", strerror(errno));
	vsvm_pattern_fill(secret, secret_size, 31);
	vsvm_pattern_fill(area, before, 32);

	mark();
	/* A prefetch refuses it... */
	prefetch = (struct drm_vsvm_vm_prefetch){
		.vm_id = mirror.vm,
		.start = (uintptr_t)secret,
		.size = secret_size,
	};
	igt_assert_eq(__vsvm_vm_prefetch(mirror.fd, &prefetch), -EFAULT);

	/* ...a device read or write is a fatal fault where it starts... */
	igt_assert_job_fault(device_read(secret, secret_size), secret, READ);
	igt_assert_job_fault(device_write(secret, secret_size, fill_value(31)), secret, WRITE);
	igt_assert_pattern(secret, secret_size, 31);

	/* ...the memory before it is mirrored as usual... */
	igt_assert_device_sees_cpu(area, before);

	/* ...and opens no way in: a read from there stops at the secret. */
	igt_assert_job_fault(device_read(secret - PAGE_SIZE, 2 * PAGE_SIZE), secret, READ);
	igt_assert_job_fault(device_read(secret + PAGE_SIZE, PAGE_SIZE), secret + PAGE_SIZE,
			     READ);
	since();
	assert_moved(FAULTS_FATAL, 4);

	igt_assert_pattern(secret, secret_size, 31);
	unmap(area, SZ_2M);
	close(sfd);
}

/* ---- a device write, a fault-around, then reclaim ------------------------------------- */

/*
 * 64 KiB, 64 KiB aligned (one device range, so that a fault's span covers
 * it), whose pages are present with PTEs that are writable but clean:
 * after MADV_FREE for anonymous memory; after read faults for shmem, which
 * does no dirty tracking through write faults. The device's DIRTY bit is
 * then the only record of a device write.
 */
static uint8_t *map_clean_anon(int *fd)
{
	uint8_t *buf = map_aligned(SZ_64K, SZ_64K, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1);

	igt_assert(buf != MAP_FAILED);
	*fd = -1;
	vsvm_pattern_fill(buf, SZ_64K, 41);
	igt_assert_eq(madvise(buf, SZ_64K, MADV_FREE), 0);

	return buf;
}

static uint8_t *map_clean_memfd(int *fd)
{
	uint8_t *buf;

	*fd = memfd_create("vsvm_mirror", MFD_CLOEXEC);
	igt_assert_fd(*fd);
	igt_assert_eq(ftruncate(*fd, SZ_64K), 0);
	buf = map_aligned(SZ_64K, SZ_64K, PROT_READ | PROT_WRITE, MAP_SHARED, *fd);
	igt_assert(buf != MAP_FAILED);
	cpu_read_pages(buf, SZ_64K);

	return buf;
}

static const struct {
	const char *name;
	uint8_t *(*map)(int *fd);
} clean_cases[] = {
	{ "anon-lazyfree", map_clean_anon },
	{ "memfd", map_clean_memfd },
};

/*
 * The device writes page 8; page 9 is zapped alone; the device's read fault
 * on page 9 covers its fault-around span again, page 8 included. Page 8 is
 * still mapped as the fault would map it, so the commit leaves it alone
 * (ptes_unchanged); a commit that rewrote it would have to keep (or report)
 * its DIRTY bit. Either way MADV_PAGEOUT must not drop page 8 as clean: the
 * CPU would find the device's write gone.
 */
static void dirty_fault_around_pageout(uint8_t *(*map)(int *fd))
{
	const uint64_t value = fill_value(42);
	uint8_t *buf, *page8, *page9;
	unsigned int present;
	int fd;

	/* Per-CPU LRU batches: MADV_PAGEOUT must find the pages on the LRU. */
	pin_to_this_cpu();
	buf = map(&fd);
	page8 = buf + 8 * PAGE_SIZE;
	page9 = buf + 9 * PAGE_SIZE;

	device_fill(page8, PAGE_SIZE, value);

	igt_assert_eq(madvise(page9, PAGE_SIZE, MADV_DONTNEED), 0);
	mark();
	igt_assert_eq_u64(device_hash(page9, PAGE_SIZE), vsvm_fnv1a64(zeros, PAGE_SIZE));
	since();
	/* The fault covered more than page 9 (its span): page 9 written, page 8 left alone. */
	assert_moved(MAPPED_4K, 1);
	assert_moved(PTES_UNCHANGED, 1);

	igt_assert_eq(madvise(buf, SZ_64K, MADV_PAGEOUT), 0);
	present = pages_present(buf, SZ_64K);
	igt_info("after MADV_PAGEOUT %u of 16 pages present\n", present);
	/* Reclaim did run: the clean pages the device did not write went. */
	igt_assert_lt_u64(present, 16);

	igt_assert_filled(page8, PAGE_SIZE, value);
	igt_assert_device_sees_cpu(buf, SZ_64K);
	unmap(buf, SZ_64K);
	if (fd >= 0)
		close(fd);
}

static void test_dirty_fault_around_pageout(void)
{
	for (volatile unsigned int i = 0; i < ARRAY_SIZE(clean_cases); i++) {
		igt_dynamic(clean_cases[i].name) {
			set_tunable("fault_around_kb", "64");
			set_tunable("chunk_sizes", "2048 64 4");
			vm_reopen();
			dirty_fault_around_pageout(clean_cases[i].map);
			vm_close();
		}
	}
}

/* ---- fault_around_kb ------------------------------------------------------------------ */

/*
 * The span is whole pages: a value that is not a multiple of the page size
 * is refused and changes nothing, and the device works afterwards. The last
 * value tried is the one a VM would pick up if the tunable took it; the
 * jobs then fault in the middle of a 2 MiB range, where the span is not
 * cut short by the range's bounds.
 */
static void test_fault_around_unaligned(void)
{
	static const char *const bad[] = { "1", "2046", "6" };
	char path[PATH_MAX], after[ARRAY_SIZE(bad)][32];
	int ret[ARRAY_SIZE(bad)];
	struct vsvm_job_status read_status, write_status;
	uint8_t *buf;

	igt_assert_eq(vsvm_tunable_path(mirror.fd, "fault_around_kb", path, sizeof(path)), 0);
	igt_assert_eq(vsvm_knob_set(path, "64"), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		ret[i] = vsvm_tunable_write(mirror.fd, "fault_around_kb", bad[i]);
		igt_assert_eq(vsvm_tunable_read(mirror.fd, "fault_around_kb", after[i],
						sizeof(after[i])), 0);
		igt_info("fault_around_kb <- %s: %s, reads %s\n", bad[i],
			 ret[i] ? strerror(-ret[i]) : "accepted", after[i]);
	}

	/* A VM created now gets whatever the tunable holds. */
	set_tunable("chunk_sizes", "2048 64 4");
	vm_open();
	buf = map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	igt_assert(buf != MAP_FAILED);
	vsvm_pattern_fill(buf, SZ_2M, 51);
	read_status = device_read(buf + SZ_1M + 5 * PAGE_SIZE, 2 * PAGE_SIZE);
	write_status = device_write(buf + SZ_1M + 9 * PAGE_SIZE, PAGE_SIZE, fill_value(51));
	igt_info("device jobs after the writes: read %s, write %s\n",
		 vsvm_job_status_name(read_status.status),
		 vsvm_job_status_name(write_status.status));

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		igt_assert_f(ret[i] == -EINVAL, "fault_around_kb took %s (%d), expected EINVAL\n",
			     bad[i], ret[i]);
		igt_assert_f(!strcmp(after[i], "64"), "fault_around_kb reads %s after %s\n",
			     after[i], bad[i]);
	}
	igt_assert_job_ok(read_status);
	igt_assert_eq_u64(*mirror.result,
			  vsvm_fnv1a64(buf + SZ_1M + 5 * PAGE_SIZE, 2 * PAGE_SIZE));
	igt_assert_job_ok(write_status);
	igt_assert_filled(buf + SZ_1M + 9 * PAGE_SIZE, PAGE_SIZE, fill_value(51));
	igt_assert_device_sees_cpu(buf, SZ_2M);

	/* Multiples of the page size still work. */
	igt_assert_eq(vsvm_tunable_write(mirror.fd, "fault_around_kb", "8"), 0);
	igt_assert_eq(vsvm_tunable_read(mirror.fd, "fault_around_kb", after[0],
					sizeof(after[0])), 0);
	igt_assert_f(!strcmp(after[0], "8"), "fault_around_kb reads %s after 8\n", after[0]);
	unmap(buf, SZ_2M);
}

/* ---- a prefetch of mirrored memory stays killable ------------------------------------- */

/*
 * @gib GiB of untouched MAP_NORESERVE memory (THP-eligible, so that the
 * device maps the huge zero page with one 2 MiB leaf per 2 MiB, which keeps
 * the set-up cheap): Return: it, 2 MiB aligned.
 */
static uint8_t *map_sparse(uint64_t gib, int advice)
{
	uint8_t *buf = map_aligned(gib * SZ_1G, SZ_2M, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);

	igt_assert_f(buf != MAP_FAILED, "mmap of %llu GiB: %s\n", (unsigned long long)gib,
		     strerror(errno));
	igt_assert_eq(madvise(buf, gib * SZ_1G, advice), 0);
	return buf;
}

static int prefetch(int fd, uint32_t vm, const void *start, uint64_t size)
{
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = vm,
		.start = (uintptr_t)start,
		.size = size,
	};

	return __vsvm_vm_prefetch(fd, &args);
}

/* Return: seconds since @start_ns. */
static double seconds_since(int64_t start_ns)
{
	return (double)(vsvm_now_ns() - start_ns) / VSVM_NSEC_PER_SEC;
}

/*
 * How long a SIGKILLed prefetcher may take to go, and how long its prefetch
 * would run at least: a margin that a prefetch ignoring the signal cannot
 * hide in. The set-up costs about twice the prefetch itself (one fault per
 * 2 MiB), hence not more.
 */
#define KILL_BOUND_S		5
#define PREFETCH_MIN_S		(3 * KILL_BOUND_S / 2)
#define PREFETCH_MAX_GIB	256

/*
 * The child prefetches @gib GiB, tells the parent through @ready when the
 * first prefetch (the set-up) is done, and prefetches it all again, which
 * finds every page mapped. Exits 0, or the errno of what failed.
 */
static void __attribute__((noreturn)) prefetcher(uint64_t gib, int ready)
{
	struct drm_vsvm_vm_create create = { .flags = DRM_VSVM_VM_CREATE_SVM };
	uint8_t *buf;
	uint32_t vm;
	int fd, ret;

	fd = vsvm_open(NULL, 0);
	if (fd < 0)
		_exit(ENODEV);
	ret = __vsvm_vm_create(fd, &create);
	if (ret)
		_exit(-ret);
	vm = create.vm_id;
	buf = mmap(NULL, gib * SZ_1G + SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		_exit(ENOMEM);
	buf = (uint8_t *)(uintptr_t)ALIGN_UP((uintptr_t)buf, SZ_2M);
	if (madvise(buf, gib * SZ_1G, MADV_HUGEPAGE))
		_exit(errno);
	ret = prefetch(fd, vm, buf, gib * SZ_1G);
	if (ret)
		_exit(-ret);
	if (write(ready, "R", 1) != 1)
		_exit(EPIPE);
	ret = prefetch(fd, vm, buf, gib * SZ_1G);
	_exit(-ret);
}

/*
 * A prefetch over a range that is already mapped finds nothing to fault,
 * but it still walks every page: it must notice a fatal signal there too.
 * The parent measures how long such a prefetch takes here, sizes the
 * child's so that it would run far longer than the bound, kills the child
 * shortly after its second prefetch started, and expects it reaped within
 * the bound. A liveness check, not a benchmark.
 */
static void test_prefetch_killable(void)
{
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];
	double setup_s, full_s, reaped_s = -1, expected_s;
	uint64_t gib;
	int64_t start, killed;
	int ready[2], status = 0;
	pid_t pid;
	char c;

	require_thp("madvise");
	igt_assert_eq(vsvm_knob_set(THP_ZERO_PAGE, "1"), 0);
	set_tunable("huge_pages", "1");
	set_tunable("chunk_sizes", "2048 64 4");
	vm_open();

	/* Calibration: 1 GiB, the set-up prefetch, then one over mapped memory. */
	{
		uint8_t *buf = map_sparse(1, MADV_HUGEPAGE);

		start = vsvm_now_ns();
		vsvm_vm_prefetch(mirror.fd, mirror.vm, buf, SZ_1G, 0);
		setup_s = seconds_since(start);
		vsvm_counters(mirror.fd, mirror.vm, counters);
		igt_require_f(counters[COUNTER(MAPPED_2M)] >= 256,
			      "the huge zero page was not mapped (%llu 2 MiB leaves)\n",
			      (unsigned long long)counters[COUNTER(MAPPED_2M)]);
		start = vsvm_now_ns();
		vsvm_vm_prefetch(mirror.fd, mirror.vm, buf, SZ_1G, 0);
		full_s = seconds_since(start);
		unmap(buf, SZ_1G);
		vm_close();
	}
	gib = full_s > 0 ? (uint64_t)(PREFETCH_MIN_S / full_s) + 1 : PREFETCH_MAX_GIB;
	if (gib > PREFETCH_MAX_GIB)
		gib = PREFETCH_MAX_GIB;
	expected_s = gib * full_s;
	igt_info("1 GiB: set-up prefetch %.2f s, prefetch of mapped memory %.2f s; the child "
		 "prefetches %llu GiB (about %.0f s)\n", setup_s, full_s, (unsigned long long)gib,
		 expected_s);
	if (expected_s < PREFETCH_MIN_S)
		igt_info("a prefetch of mapped memory is fast here: the kill is checked, but "
			 "would not tell a prefetch that ignores it\n");

	igt_assert_eq(pipe(ready), 0);
	pid = fork();
	igt_assert_f(pid >= 0, "fork: %s\n", strerror(errno));
	if (pid == 0) {
		close(ready[0]);
		prefetcher(gib, ready[1]);
	}
	close(ready[1]);

	/* The set-up, then half a second into the second prefetch, SIGKILL. */
	{
		struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
		int timeout_ms = (int)(1000 * (gib * setup_s * 4 + 120));

		igt_assert_f(poll(&pfd, 1, timeout_ms) == 1, "the child's set-up did not end\n");
	}
	igt_assert_f(read(ready[0], &c, 1) == 1, "the child's set-up failed\n");
	usleep(500 * 1000);
	killed = vsvm_now_ns();
	igt_assert_eq(kill(pid, SIGKILL), 0);

	/* Wait for it, past the bound if need be, to tell how long it really took. */
	while (seconds_since(killed) < KILL_BOUND_S + 2 * expected_s + 60) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		igt_assert_f(done >= 0, "waitpid: %s\n", strerror(errno));
		if (done == pid) {
			reaped_s = seconds_since(killed);
			break;
		}
		usleep(20 * 1000);
	}
	close(ready[0]);
	igt_info("child reaped %.2f s after SIGKILL (status %#x)\n", reaped_s, status);
	igt_assert_f(reaped_s >= 0, "child not reaped %.0f s after SIGKILL\n",
		     seconds_since(killed));
	igt_assert_f(reaped_s <= KILL_BOUND_S,
		     "child reaped %.2f s after SIGKILL, expected within %d s (its prefetch "
		     "takes about %.0f s)\n", reaped_s, KILL_BOUND_S, expected_s);
	igt_assert_f((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
		     (WIFEXITED(status) && WEXITSTATUS(status) == 0),
		     "child status %#x\n", status);
}

/* ---- prefetch charges the caller's memory cgroup -------------------------------------- */

static void remove_mirror_cgroup(int sig)
{
	(void)sig;
	rmdir(CGROUP_MIRROR);
}

/*
 * Return: the memory cgroup's kernel memory in bytes ("kernel" of
 * memory.stat), or its memory.current where memory.stat has no such line.
 */
static uint64_t cgroup_kernel_bytes(bool *from_stat)
{
	char stat[8192], *line;
	unsigned long long value;

	igt_assert_eq(vsvm_read_file(CGROUP_MIRROR "/memory.stat", stat, sizeof(stat)), 0);
	for (line = stat; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (sscanf(line, "kernel %llu", &value) == 1) {
			*from_stat = true;
			return value;
		}
	}
	*from_stat = false;
	igt_assert_eq(vsvm_read_file(CGROUP_MIRROR "/memory.current", stat, sizeof(stat)), 0);
	return strtoull(stat, NULL, 10);
}

#define CHARGE_PAGES	512
#define CHARGE_MIN	(3 * SZ_1M / 2)

/*
 * The device's page table belongs to the process that makes it grow, as
 * its CPU page tables do: a prefetch of one page every 2 MiB over 1 GiB
 * adds about 512 level-0 tables (2 MiB), which the caller's memory cgroup
 * must be charged for. The CPU touched those pages (and got its own page
 * tables) before the measurement starts.
 */
static void test_prefetch_charges_memcg(void)
{
	igt_assert_eq(vsvm_memcg_enable(), 0);
	rmdir(CGROUP_MIRROR);
	igt_assert_eq(mkdir(CGROUP_MIRROR, 0755), 0);
	igt_install_exit_handler(remove_mirror_cgroup);
	set_tunable("chunk_sizes", "2048 64 4");

	igt_fork(child, 1) {
		uint64_t counters[DRM_VSVM_COUNTER_COUNT];
		uint64_t before, after = 0;
		char self[32];
		bool from_stat;
		uint8_t *buf;
		int64_t start;

		snprintf(self, sizeof(self), "%d", getpid());
		igt_assert_eq(vsvm_write_file(CGROUP_MIRROR "/cgroup.procs", self), 0);
		vm_open();

		/* 4 KiB pages, so that each needs a level-0 table of its own. */
		buf = map_sparse(1, MADV_NOHUGEPAGE);
		for (unsigned int i = 0; i < CHARGE_PAGES; i++)
			buf[i * SZ_2M] = 1;
		before = cgroup_kernel_bytes(&from_stat);

		for (unsigned int i = 0; i < CHARGE_PAGES; i++)
			vsvm_vm_prefetch(mirror.fd, mirror.vm, buf + i * SZ_2M, PAGE_SIZE, 0);
		vsvm_counters(mirror.fd, mirror.vm, counters);
		igt_assert_lte_u64(CHARGE_PAGES, counters[COUNTER(MAPPED_4K)]);
		igt_assert_lte_u64(CHARGE_PAGES * PAGE_SIZE, counters[COUNTER(PT_BYTES)]);

		/* memory.stat is flushed lazily: give it a few seconds. */
		start = vsvm_now_ns();
		do {
			after = cgroup_kernel_bytes(&from_stat);
			if (after >= before + CHARGE_MIN)
				break;
			usleep(100 * 1000);
		} while (seconds_since(start) < 5);

		igt_info("%s of the cgroup: %llu -> %llu bytes (+%lld); the device page table "
			 "holds %llu bytes\n", from_stat ? "memory.stat kernel" : "memory.current",
			 (unsigned long long)before, (unsigned long long)after,
			 (long long)(after - before),
			 (unsigned long long)counters[COUNTER(PT_BYTES)]);
		igt_assert_f(after >= before + CHARGE_MIN,
			     "the cgroup was charged %lld bytes for %llu bytes of device page "
			     "tables, expected at least %llu\n", (long long)(after - before),
			     (unsigned long long)counters[COUNTER(PT_BYTES)],
			     (unsigned long long)CHARGE_MIN);
		vm_close();
		unmap(buf, SZ_1G);
	}
	igt_waitchildren();
	igt_assert_eq(rmdir(CGROUP_MIRROR), 0);
}

/* ---- aging: reclaim sees what the device uses ----------------------------------------- */

#define AGING_HALF	(8ull << 20)	/* each of A and B */
#define AGING_SQUEEZE	(6ull << 20)	/* memory.max this far below the usage */
/*
 * The memory written over and over while the cgroup is over its limit. With
 * AGING_SQUEEZE, reclaim must find 8 MiB: all of B. A bigger one makes it
 * take from A too, which with aging on the device keeps young, and the
 * cgroup's OOM killer ended the test in a CI run (2026-12-06).
 */
#define AGING_SQUEEZE_BUF	(2ull << 20)
#define AGING_PRESSURE_S	6
#define AGING_READ	(1ull << 20)	/* per job: short, even while swapping */

static struct {
	volatile bool stop;
	unsigned int jobs, failed, last_status;
	const uint8_t *a;
} aging;

/* The device reads A over and over, a MiB per job, until told to stop. */
static void *aging_reader(void *unused __attribute__((unused)))
{
	for (uint64_t offset = 0; !aging.stop; offset = (offset + AGING_READ) % AGING_HALF) {
		struct drm_vsvm_cmd cmd = vsvm_cmd_checksum(aging.a + offset, AGING_READ,
							    mirror.result);
		struct vsvm_job_status st = { 0 };

		if (__vsvm_run(mirror.fd, mirror.vm, &cmd, 1,
			       vsvm_timeout_in(60 * VSVM_NSEC_PER_SEC), &st) ||
		    st.status != DRM_VSVM_JOB_OK) {
			aging.failed++;
			aging.last_status = st.status;
		}
		aging.jobs++;
	}
	return NULL;
}

static uint64_t cgroup_u64(const char *file)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), CGROUP_MIRROR "/%s", file);
	igt_assert_eq(vsvm_read_file(path, buf, sizeof(buf)), 0);
	return strtoull(buf, NULL, 10);
}

/*
 * The two halves of an aging case: A and B, @half bytes each of 4 KiB pages
 * holding different bytes in every page (swap has to keep them all),
 * mirrored by a VM opened with the aging tunable @on. From now on the CPU
 * touches neither.
 */
static void aging_halves(bool on, size_t half, uint8_t **a, uint8_t **b)
{
	uint64_t sum;

	*a = map_anon(half);
	*b = map_anon(half);
	set_tunable("aging", on ? "1" : "0");
	vm_reopen();
	igt_assert_eq(madvise(*a, half, MADV_NOHUGEPAGE), 0);
	igt_assert_eq(madvise(*b, half, MADV_NOHUGEPAGE), 0);
	vsvm_pattern_fill(*a, half, 1);
	vsvm_pattern_fill(*b, half, 2);
	igt_assert_eq(vsvm_checksum(mirror.fd, mirror.vm, *a, half, &sum).status,
		      DRM_VSVM_JOB_OK);
	igt_assert_eq(vsvm_checksum(mirror.fd, mirror.vm, *b, half, &sum).status,
		      DRM_VSVM_JOB_OK);
}

/* This process joins the memory cgroup of the aging cases. */
static void join_mirror_cgroup(void)
{
	char self[32];

	snprintf(self, sizeof(self), "%d", getpid());
	igt_assert_eq(vsvm_write_file(CGROUP_MIRROR "/cgroup.procs", self), 0);
}

/*
 * Two equal halves mirrored by the device, A read by it all the time, B by
 * nobody; then the memory cgroup squeezes them. With aging, reclaim sees
 * the device's accesses to A and takes B; without, the device is invisible.
 */
static void aging_run(bool on)
{
	uint64_t before[DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	unsigned int res_a, res_b, swap_a, swap_b, pages = AGING_HALF / PAGE_SIZE;
	uint8_t *squeeze = map_anon(AGING_SQUEEZE_BUF), *a, *b;
	pthread_t reader;
	char value[32];
	int64_t start;

	join_mirror_cgroup();
	aging_halves(on, AGING_HALF, &a, &b);

	memset(&aging, 0, sizeof(aging));
	aging.a = a;
	igt_assert_eq(pthread_create(&reader, NULL, aging_reader, NULL), 0);
	vsvm_counters(mirror.fd, mirror.vm, before);

	snprintf(value, sizeof(value), "%llu",
		 (unsigned long long)(cgroup_u64("memory.current") - AGING_SQUEEZE));
	igt_assert_eq(vsvm_write_file(CGROUP_MIRROR "/memory.max", value), 0);
	start = vsvm_now_ns();
	while (seconds_since(start) < AGING_PRESSURE_S)
		memset(squeeze, (int)seconds_since(start) + 1, AGING_SQUEEZE_BUF);

	aging.stop = true;
	pthread_join(reader, NULL);
	res_a = pages_resident(a, AGING_HALF, &swap_a);
	res_b = pages_resident(b, AGING_HALF, &swap_b);
	vsvm_counters_delta(mirror.fd, mirror.vm, before, delta);
	igt_assert_eq(vsvm_write_file(CGROUP_MIRROR "/memory.max", "max"), 0);

	igt_info("aging %s: A resident %u/%u (swapped %u), B resident %u/%u (swapped %u); "
		 "%u device reads of a MiB of A (%u failed); device faults %llu; young queries %llu, "
		 "answers %llu, bits cleared %llu\n", on ? "on" : "off", res_a, pages, swap_a,
		 res_b, pages, swap_b, aging.jobs, aging.failed,
		 (unsigned long long)delta[COUNTER(FAULTS)],
		 (unsigned long long)delta[COUNTER(YOUNG_QUERIES)],
		 (unsigned long long)delta[COUNTER(YOUNG_ANSWERS)],
		 (unsigned long long)delta[COUNTER(YOUNG_CLEARED)]);
	igt_assert_f(aging.failed == 0, "%u of the device's reads of A failed, the last %s\n",
		     aging.failed, vsvm_job_status_name(aging.last_status));
	igt_assert_f(swap_a + swap_b > 0, "the cgroup evicted nothing: no pressure to judge\n");
	/* A and B hold what the CPU wrote, swapped or not. */
	igt_assert(vsvm_pattern_mismatch(a, AGING_HALF, 1) == SIZE_MAX);
	igt_assert(vsvm_pattern_mismatch(b, AGING_HALF, 2) == SIZE_MAX);
	if (on) {
		igt_assert_f(delta[COUNTER(YOUNG_ANSWERS)] > 0, "reclaim never heard the device\n");
		igt_assert_f(res_a >= 2 * res_b, "A (read by the device) has %u pages resident, "
			     "B (untouched) %u: expected A >= 2 x B\n", res_a, res_b);
	} else {
		igt_assert_eq_u64(delta[COUNTER(YOUNG_QUERIES)], 0);
		igt_assert_eq_u64(delta[COUNTER(YOUNG_ANSWERS)], 0);
	}
	vm_close();
	unmap(a, AGING_HALF);
	unmap(b, AGING_HALF);
	unmap(squeeze, AGING_SQUEEZE_BUF);
}

/*
 * The same question without a race between the device's pace and
 * reclaim's: rounds of "the device reads all of A, then memory.reclaim
 * takes AGING_STEP from the cgroup", AGING_HALF in all, as much as B holds.
 * clear_refs first clears the CPU's accessed bits of A and B (it does not
 * ask secondary MMUs, so the device's bits stay), and A, filled first, is
 * the older half: at the tail of the inactive list. Reclaim then meets A
 * first each round. With aging it hears that the device used A, keeps A
 * for another trip and takes B; without, A is the oldest memory nobody
 * (that reclaim can see) uses, so it goes first, and the device's next
 * read faults it back in from swap.
 */
#define AGING_STEP	(2ull << 20)

static void aging_reclaim_run(bool on, bool mglru)
{
	uint64_t before[DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	unsigned int res_a, res_b, swap_a, swap_b, pages = AGING_HALF / PAGE_SIZE;
	unsigned int round, rounds = AGING_HALF / AGING_STEP, short_reclaims = 0;
	char step[32];
	uint64_t sum;
	uint8_t *a, *b;

	join_mirror_cgroup();
	aging_halves(on, AGING_HALF, &a, &b);
	igt_assert_eq(vsvm_write_file("/proc/self/clear_refs", "1"), 0);

	vsvm_counters(mirror.fd, mirror.vm, before);
	snprintf(step, sizeof(step), "%llu", (unsigned long long)AGING_STEP);
	for (round = 0; round < rounds; round++) {
		igt_assert_eq(vsvm_checksum(mirror.fd, mirror.vm, a, AGING_HALF, &sum).status,
			      DRM_VSVM_JOB_OK);
		/* EAGAIN: reclaim found less than asked; the figures say what it took. */
		if (vsvm_write_file(CGROUP_MIRROR "/memory.reclaim", step))
			short_reclaims++;
	}
	vsvm_counters_delta(mirror.fd, mirror.vm, before, delta);
	res_a = pages_resident(a, AGING_HALF, &swap_a);
	res_b = pages_resident(b, AGING_HALF, &swap_b);

	igt_info("aging %s, %s LRU, %u rounds of (device reads A, memory.reclaim %llu MiB; %u short): "
		 "A resident %u/%u (swapped %u), B resident %u/%u (swapped %u); device faults "
		 "%llu, 4 KiB mapped %llu; young queries %llu, answers %llu, bits cleared %llu\n",
		 on ? "on" : "off", mglru ? "multi-gen" : "classic", rounds,
		 (unsigned long long)(AGING_STEP >> 20),
		 short_reclaims, res_a, pages, swap_a, res_b, pages, swap_b,
		 (unsigned long long)delta[COUNTER(FAULTS)],
		 (unsigned long long)delta[COUNTER(MAPPED_4K)],
		 (unsigned long long)delta[COUNTER(YOUNG_QUERIES)],
		 (unsigned long long)delta[COUNTER(YOUNG_ANSWERS)],
		 (unsigned long long)delta[COUNTER(YOUNG_CLEARED)]);
	igt_assert(vsvm_pattern_mismatch(a, AGING_HALF, 1) == SIZE_MAX);
	igt_assert(vsvm_pattern_mismatch(b, AGING_HALF, 2) == SIZE_MAX);
	/*
	 * A page of A that reclaim unmaps is mapped by the device again at its
	 * next read (from swap, or from the swap cache before the write-out
	 * ends): MAPPED_4K counts what reclaim took from A, resident or not at
	 * the end. Even with aging a page of A may go, when one memory.reclaim
	 * meets it twice (the device's bit is cleared at the first look); the
	 * line between on and off is half of A.
	 */
	if (on) {
		igt_assert_f(swap_b >= pages / 2, "B (untouched) has only %u of %u pages "
			     "swapped out: reclaim did not take it\n", swap_b, pages);
		igt_assert_f(res_a >= 2 * res_b, "A (read by the device) has %u pages "
			     "resident, B (untouched) %u: expected A >= 2 x B\n", res_a, res_b);
		/*
		 * The multi-gen LRU evicts by generation, more than a small
		 * memory.reclaim asks: its last round also takes pages of A
		 * after the device's last read (they are resident again at
		 * the next read; MAPPED_4K below counts them).
		 */
		igt_assert_f(mglru || res_a >= pages * 9 / 10, "A (read by the device) has %u "
			     "of %u pages resident, expected at least 90 %%\n", res_a, pages);
		igt_assert_f(delta[COUNTER(MAPPED_4K)] < pages / 2,
			     "reclaim took %llu pages of A from the device, expected less than "
			     "half of its %u\n", (unsigned long long)delta[COUNTER(MAPPED_4K)],
			     pages);
	} else {
		/* Without aging the device is invisible: A, the older, goes first. */
		igt_assert_eq_u64(delta[COUNTER(YOUNG_QUERIES)], 0);
		igt_assert_f(delta[COUNTER(MAPPED_4K)] >= pages / 2,
			     "aging off, yet reclaim took only %llu pages of A from the device: "
			     "this test could not tell aging from its absence\n",
			     (unsigned long long)delta[COUNTER(MAPPED_4K)]);
	}
	vm_close();
	unmap(a, AGING_HALF);
	unmap(b, AGING_HALF);
}

#define LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"

static char lru_gen_saved[32];

static void restore_lru_gen(int sig)
{
	(void)sig;
	if (lru_gen_saved[0])
		vsvm_write_file(LRU_GEN_ENABLED, lru_gen_saved);
}

/*
 * Each case under the classic LRU and, where the kernel has it, under the
 * multi-gen LRU (switched on at run time), which asks secondary MMUs from
 * its own page-table walks (DOC: Aging).
 */
static void test_aging_reclaim(void)
{
	bool mglru = access(LRU_GEN_ENABLED, W_OK) == 0;

	igt_assert_eq(vsvm_memcg_enable(), 0);
	igt_require_f(vsvm_meminfo_kb("SwapTotal:") > 64 * 1024, "no swap to evict to\n");
	igt_require_f(access("/proc/self/clear_refs", W_OK) == 0, "no /proc/self/clear_refs\n");
	igt_install_exit_handler(remove_mirror_cgroup);
	if (mglru) {
		igt_assert_eq(vsvm_read_file(LRU_GEN_ENABLED, lru_gen_saved,
					     sizeof(lru_gen_saved)), 0);
		lru_gen_saved[strcspn(lru_gen_saved, "\n")] = 0;
		igt_install_exit_handler(restore_lru_gen);
	}

	for (volatile int lru = 0; lru <= (mglru ? 1 : 0); lru++) {
		if (mglru)
			igt_assert_eq(vsvm_write_file(LRU_GEN_ENABLED, lru ? "y" : "n"), 0);
		for (volatile int on = 1; on >= 0; on--) {
			static const char *const names[2][2] = {
				{ "off", "on" }, { "off-mglru", "on-mglru" },
			};

			igt_dynamic(names[lru][on]) {
				rmdir(CGROUP_MIRROR);
				igt_assert_eq(mkdir(CGROUP_MIRROR, 0755), 0);
				igt_fork(child, 1)
					aging_reclaim_run(on, lru);
				igt_waitchildren();
				igt_assert_eq(rmdir(CGROUP_MIRROR), 0);
			}
		}
	}
	restore_lru_gen(0);
}

/* ---- aging: idle page tracking sees what the device uses ------------------------------ */

#define IDLE_BITMAP	"/sys/kernel/mm/page_idle/bitmap"
#define IDLE_HALF	(2ull << 20)

/* The frame of the page at @p (root reads frames from pagemap); 0 if not present. */
static uint64_t pfn_of(int pagemap, const void *p)
{
	uint64_t e = 0;

	igt_assert_eq(pread(pagemap, &e, sizeof(e), (uintptr_t)p / PAGE_SIZE * sizeof(e)),
		      (ssize_t)sizeof(e));
	return e >> 63 ? e & ((1ull << 55) - 1) : 0;
}

/* Mark (@set) or read the idle bit of @pfn; the bitmap is read and written by u64. */
static bool page_idle(int bitmap, uint64_t pfn, bool set)
{
	uint64_t word = set ? 1ull << (pfn % 64) : 0;
	off_t at = pfn / 64 * sizeof(word);

	if (set) {
		igt_assert_eq(pwrite(bitmap, &word, sizeof(word), at), (ssize_t)sizeof(word));
		return true;
	}
	igt_assert_eq(pread(bitmap, &word, sizeof(word), at), (ssize_t)sizeof(word));
	return word >> (pfn % 64) & 1;
}

/*
 * Mark the pages of [p, p + IDLE_HALF) idle (@set), or read their marks:
 * bit i of @idle for page i. Return how many are idle (read) or the page
 * count (set).
 */
static unsigned int idle_pages(int pagemap, int bitmap, const uint8_t *p, bool set,
			       uint64_t *idle)
{
	unsigned int n = 0;

	for (size_t i = 0; i < IDLE_HALF / PAGE_SIZE; i++) {
		uint64_t pfn = pfn_of(pagemap, p + i * PAGE_SIZE);
		bool bit;

		igt_assert_f(pfn, "page %zu not present\n", i);
		bit = page_idle(bitmap, pfn, set);
		if (!set && idle)
			idle[i / 64] = (idle[i / 64] & ~(1ull << (i % 64))) |
				       ((uint64_t)bit << (i % 64));
		n += bit;
	}
	return n;
}

/* Pages idle in @now among those marked in @tracked. */
static unsigned int idle_among(const uint64_t *now, const uint64_t *tracked)
{
	unsigned int n = 0;

	for (size_t w = 0; w < IDLE_HALF / PAGE_SIZE / 64; w++)
		n += __builtin_popcountll(now[w] & tracked[w]);
	return n;
}

/*
 * Idle page tracking asks secondary MMUs (clear_young) when it marks a page
 * idle and when it reads the mark back. A and B are mirrored, marked idle,
 * then the device reads A and nobody touches B: with aging, A is found used
 * and B idle; without, the device is invisible and both look idle.
 */
static void aging_idle_run(bool on)
{
	unsigned int pages = IDLE_HALF / PAGE_SIZE, idle_a, idle_b, tracked_a, tracked_b;
	uint64_t mark_a[IDLE_HALF / PAGE_SIZE / 64], mark_b[IDLE_HALF / PAGE_SIZE / 64];
	uint64_t now_a[IDLE_HALF / PAGE_SIZE / 64], now_b[IDLE_HALF / PAGE_SIZE / 64];
	int pagemap, bitmap;
	uint8_t *a, *b;
	uint64_t sum;

	aging_halves(on, IDLE_HALF, &a, &b);

	pagemap = open("/proc/self/pagemap", O_RDONLY);
	igt_assert_f(pagemap >= 0, "pagemap: %s\n", strerror(errno));
	bitmap = open(IDLE_BITMAP, O_RDWR);
	igt_assert_f(bitmap >= 0, IDLE_BITMAP ": %s\n", strerror(errno));
	idle_pages(pagemap, bitmap, a, true, NULL);
	idle_pages(pagemap, bitmap, b, true, NULL);
	/*
	 * A page still in a CPU's LRU batch is not on the LRU: the kernel
	 * neither marks nor tracks it. Judge the pages the mark took.
	 */
	tracked_a = idle_pages(pagemap, bitmap, a, false, mark_a);
	tracked_b = idle_pages(pagemap, bitmap, b, false, mark_b);
	igt_assert_eq(vsvm_checksum(mirror.fd, mirror.vm, a, IDLE_HALF, &sum).status,
		      DRM_VSVM_JOB_OK);
	idle_pages(pagemap, bitmap, a, false, now_a);
	idle_pages(pagemap, bitmap, b, false, now_b);
	idle_a = idle_among(now_a, mark_a);
	idle_b = idle_among(now_b, mark_b);
	close(bitmap);
	close(pagemap);

	igt_info("aging %s: after the device read A, idle page tracking finds A %u/%u idle, "
		 "B %u/%u idle (of the pages the marks took, of %u each)\n", on ? "on" : "off",
		 idle_a, tracked_a, idle_b, tracked_b, pages);
	igt_assert_f(tracked_a >= pages * 9 / 10 && tracked_b >= pages * 9 / 10,
		     "the idle marks took only %u and %u of %u pages\n", tracked_a, tracked_b,
		     pages);
	igt_assert_f(idle_b == tracked_b, "B (untouched) has %u of %u pages idle\n", idle_b,
		     tracked_b);
	if (on)
		igt_assert_f(idle_a == 0, "A (read by the device) has %u of %u pages idle, "
			     "expected none\n", idle_a, tracked_a);
	else
		igt_assert_f(idle_a == tracked_a, "aging off, yet %u of %u pages of A were "
			     "found used: only the device read them\n", tracked_a - idle_a,
			     tracked_a);
	vm_close();
	unmap(a, IDLE_HALF);
	unmap(b, IDLE_HALF);
}

static void test_aging_idle_page(void)
{
	igt_require_f(access(IDLE_BITMAP, W_OK) == 0,
		      "no idle page tracking (CONFIG_IDLE_PAGE_TRACKING)\n");
	for (volatile int on = 1; on >= 0; on--) {
		igt_dynamic(on ? "on" : "off") {
			igt_fork(child, 1)
				aging_idle_run(on);
			igt_waitchildren();
		}
	}
}

static void test_aging(void)
{
	igt_assert_eq(vsvm_memcg_enable(), 0);
	igt_require_f(vsvm_meminfo_kb("SwapTotal:") > 64 * 1024, "no swap to evict to\n");
	igt_install_exit_handler(remove_mirror_cgroup);

	/*
	 * Each case in a child, in a cgroup of its own (nothing charged by the
	 * case before): the cgroup holds it, and its memory goes with it.
	 */
	for (volatile int on = 1; on >= 0; on--) {
		igt_dynamic(on ? "on" : "off") {
			rmdir(CGROUP_MIRROR);
			igt_assert_eq(mkdir(CGROUP_MIRROR, 0755), 0);
			igt_fork(child, 1)
				aging_run(on);
			igt_waitchildren();
			igt_assert_eq(rmdir(CGROUP_MIRROR), 0);
		}
	}
}

/* ---- the audit under concurrent faults ------------------------------------------------ */

#define AUDIT_ELEMS	(SZ_2M / sizeof(float))
#define AUDIT_ROUNDS	4

/* A value of the audit's counters; skips on a kernel built without the audit. */
static uint64_t audit_counter(const char *name)
{
	uint64_t value = 0;
	int ret = vsvm_debugfs_counter(mirror.fd, name, &value);

	igt_require_f(ret != -ENOENT, "no %s: the kernel has no CONFIG_DRM_VSVM_DEBUG_AUDIT\n",
		      name);
	igt_assert_f(ret == 0, "debugfs counter %s: %s\n", name, strerror(-ret));
	return value;
}

/*
 * One saxpy over @x and @y on the compute engines (whose workgroups fault on
 * several engines at once) while the copy engine runs one small job after
 * another in the same VM: every job end audits the whole VM against the CPU
 * page table, while the faults are adding and upgrading translations.
 */
static void saxpy_beside_audits(float *x, float *y, uint32_t a_bits, unsigned int *jobs)
{
	const struct vsvm_program prog = VSVM_PROGRAM(kernel_saxpy);
	void *code = vsvm_program_upload(&prog);
	struct drm_vsvm_dispatch d = vsvm_dispatch_1d(code, &prog, AUDIT_ELEMS, 64);
	struct drm_vsvm_wait wait = { .vm_id = mirror.vm };
	int64_t deadline = vsvm_timeout_in(120 * VSVM_NSEC_PER_SEC);
	int ret;

	d.args[0] = (uintptr_t)x;
	d.args[1] = (uintptr_t)y;
	d.args[2] = AUDIT_ELEMS;
	d.args[3] = a_bits;
	d.num_args = 4;
	wait.job_id = vsvm_exec_compute(mirror.fd, mirror.vm, &d, 1, NULL, 0, 0);
	do {
		struct vsvm_job_status st = vsvm_fill(mirror.fd, mirror.vm, mirror.result,
						      sizeof(*mirror.result), *jobs);

		igt_assert_f(st.status == DRM_VSVM_JOB_OK, "FILL job %u ended %s\n", *jobs,
			     vsvm_job_status_name(st.status));
		++*jobs;
		wait.timeout_ns = 0;	/* poll */
		ret = __vsvm_wait(mirror.fd, &wait);
		igt_assert_f(ret == 0 || ret == -ETIME, "WAIT: %s\n", strerror(-ret));
	} while (ret == -ETIME && vsvm_now_ns() < deadline);
	igt_assert_f(ret == 0, "saxpy still running after 120 s\n");
	igt_assert_f(wait.status == DRM_VSVM_JOB_OK, "saxpy ended %s at 0x%llx\n",
		     vsvm_job_status_name(wait.status), (unsigned long long)wait.fault_addr);
	vsvm_program_free(code, &prog);
}

static void audit_round(bool cow, unsigned int round, unsigned int *jobs)
{
	float *x = (float *)map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1);
	float *y = (float *)map_aligned(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1);
	float *expect = malloc(SZ_2M);
	const float a = 2.5f;
	uint32_t a_bits;
	size_t i;

	igt_assert(x != (float *)MAP_FAILED && y != (float *)MAP_FAILED && expect);
	/* 4 KiB pages: a translation per page, faulted one span at a time. */
	igt_assert_eq(madvise(x, SZ_2M, MADV_NOHUGEPAGE), 0);
	igt_assert_eq(madvise(y, SZ_2M, MADV_NOHUGEPAGE), 0);
	memcpy(&a_bits, &a, sizeof(a_bits));
	for (i = 0; i < AUDIT_ELEMS; i++)
		expect[i] = 0.0f;
	if (cow) {
		pid_t child;

		for (i = 0; i < AUDIT_ELEMS; i++) {
			volatile float product;

			x[i] = (float)((i + round) % 1000);
			y[i] = (float)(i % 777);
			product = x[i] * a;	/* two roundings, as v_mac_f32 */
			expect[i] = product + y[i];
		}
		/*
		 * A child that exits at once leaves every PTE read-only; the
		 * device's write faults then reuse the pages, making the PTEs
		 * writable without an invalidation.
		 */
		child = fork();
		igt_assert(child >= 0);
		if (!child)
			_exit(0);
		igt_assert_eq(waitpid(child, NULL, 0), child);
	}

	saxpy_beside_audits(x, y, a_bits, jobs);
	for (i = 0; i < AUDIT_ELEMS; i++)
		igt_assert_f(!memcmp(&y[i], &expect[i], sizeof(float)),
			     "round %u: y[%zu] = %a, expected %a\n", round, i, y[i], expect[i]);
	free(expect);
	unmap(x, SZ_2M);
	unmap(y, SZ_2M);
}

static void test_audit_concurrent_faults(void)
{
	static const struct {
		const char *name;
		bool cow;
	} cases[] = {
		{ "fresh-memory", false },
		{ "cow-reuse", true },
	};

	vsvm_require_caps(mirror.fd, DRM_VSVM_CAP_COMPUTE);
	/* volatile: it lives across the sigsetjmp() of igt_dynamic(). */
	for (volatile unsigned int c = 0; c < ARRAY_SIZE(cases); c++) {
		igt_dynamic(cases[c].name) {
			uint64_t checks = audit_counter("audit_checks");
			uint64_t violations = audit_counter("audit_violations");
			unsigned int jobs = 0, round;

			vm_reopen();
			for (round = 0; round < AUDIT_ROUNDS; round++)
				audit_round(cases[c].cow, round, &jobs);
			igt_info("%s: %u copy jobs beside %u saxpy runs, %llu audit checks\n",
				 cases[c].name, jobs, AUDIT_ROUNDS,
				 (unsigned long long)(audit_counter("audit_checks") - checks));
			igt_assert_f(audit_counter("audit_checks") > checks,
				     "the audit checked nothing\n");
			igt_assert_f(audit_counter("audit_violations") == violations,
				     "the audit reported %llu violations (see the kernel log)\n",
				     (unsigned long long)(audit_counter("audit_violations") -
							  violations));
		}
	}
}

/* ---- subtest set-up ------------------------------------------------------------------- */

/*
 * Runs one subtest from a clean state: the knobs, CPU affinity and VM a
 * failed subtest may have left are put back first.
 */
static void run(void (*test)(void))
{
	vsvm_knobs_restore();
	sched_setaffinity(0, sizeof(mirror.cpus), &mirror.cpus);
	if (mirror.vm)
		vsvm_vm_destroy(mirror.fd, mirror.vm);
	mirror.vm = 0;

	test();

	if (mirror.vm)
		vsvm_vm_destroy(mirror.fd, mirror.vm);
	mirror.vm = 0;
	sched_setaffinity(0, sizeof(mirror.cpus), &mirror.cpus);
	vsvm_knobs_restore();
}

igt_main
{
	igt_fixture {
		mirror.fd = vsvm_open(mirror.path, sizeof(mirror.path));
		vsvm_require_caps(mirror.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE |
				  DRM_VSVM_CAP_PREFETCH);
		igt_assert_eq(sched_getaffinity(0, sizeof(mirror.cpus), &mirror.cpus), 0);
		mirror.result = (uint64_t *)map_anon(PAGE_SIZE);
	}

	igt_describe("The device's first touch of a hugetlb page at +1 MiB, where the "
		     "fault-around span starts inside the same huge page: a read returns the "
		     "zeroes the CPU reads, a write reaches the page; with the VMA under "
		     "userfaultfd, a UFFDIO_COPY'd page reads right and a missing one is a "
		     "fatal fault at the touched address.");
	igt_subtest_with_dynamic("hugetlb-fault-around")
		run(test_hugetlb_fault_around);

	igt_describe("A 2 MiB range whose first half was unmapped and remapped, collapsed "
		     "into a THP and mapped by the device with a 2 MiB leaf, then unmapped "
		     "half by half: device reads there fault, and memory mapped there again "
		     "reads as its new contents.");
	igt_subtest("collapse-then-unmap-halves")
		run(test_collapse_then_unmap_halves);

	igt_describe("memfd_secret memory: prefetch fails with EFAULT, device reads and "
		     "writes are fatal faults at its address, and anonymous memory right "
		     "before it is mirrored without opening a way in.");
	igt_subtest("secretmem")
		run(test_secretmem);

	igt_describe("A device write to a page whose CPU PTE is writable but clean "
		     "(MADV_FREE anon, read-faulted shmem), a fault-around that maps it again, "
		     "then MADV_PAGEOUT: the CPU reads what the device wrote.");
	igt_subtest_with_dynamic("dirty-fault-around-pageout")
		run(test_dirty_fault_around_pageout);

	igt_describe("fault_around_kb refuses values that are not whole pages with EINVAL "
		     "and keeps its value; device jobs work afterwards.");
	igt_subtest("fault-around-unaligned")
		run(test_fault_around_unaligned);

	igt_describe("A process SIGKILLed during a long prefetch of memory that is already "
		     "mirrored is reaped within 5 s, far less than the prefetch takes.");
	igt_subtest("prefetch-killable")
		run(test_prefetch_killable);

	igt_describe("Prefetching one page every 2 MiB over 1 GiB charges the device's page "
		     "tables (about 2 MiB) to the caller's memory cgroup.");
	igt_subtest("prefetch-charges-memcg")
		run(test_prefetch_charges_memcg);

	igt_describe("Aging: A and B, 8 MiB each, mirrored; the device reads A in a loop "
		     "while a memory cgroup squeezes both into swap on zram. With the aging "
		     "tunable on, reclaim hears the device (young answers) and keeps A: A "
		     "resident >= 2 x B; off, reclaim never asks. Data intact either way.");
	igt_subtest_with_dynamic("aging")
		run(test_aging);

	igt_describe("Aging, deterministically: clear_refs clears the CPU's accessed bits of A "
		     "and B (8 MiB each, mirrored; A older), then rounds of a device read of A "
		     "and memory.reclaim of 2 MiB, 8 MiB in all. On: B goes to swap, A stays "
		     "(>= 90 % resident) and reclaim takes less than half of A from the device; "
		     "off: it takes at least half of the older A (the device maps it again).");
	igt_subtest_with_dynamic("aging-reclaim")
		run(test_aging_reclaim);

	igt_describe("Aging and idle page tracking: A and B (2 MiB each, mirrored) marked idle "
		     "through /sys/kernel/mm/page_idle/bitmap, then the device reads A: on, "
		     "every page of A reads back used and every page of B idle; off, all idle.");
	igt_subtest_with_dynamic("aging-idle-page")
		run(test_aging_idle_page);

	igt_describe("Device faults on several compute engines (fresh memory; pages made "
		     "writable again by a write fault after fork) while copy jobs end one "
		     "after another in the same VM: the audit of each job end finds no "
		     "violation and saxpy's results are exact.");
	igt_subtest_with_dynamic("audit-concurrent-faults")
		run(test_audit_concurrent_faults);

	igt_fixture {
		close(mirror.fd);
		mirror.fd = -1;
	}
}
