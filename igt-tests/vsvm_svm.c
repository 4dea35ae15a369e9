// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(), we need memfd_create(). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("The SVM mirror seen through the copy engine: every kind of memory a "
		     "process has, every CPU-side change to it (munmap, mremap, mprotect, "
		     "madvise, fork, soft-dirty, migration, KSM, swap, userfaultfd), races and "
		     "load, and device faults. Each subtest checks the data byte for byte and "
		     "the per-VM counters that prove the mechanism.");

#define PAGE_SIZE	4096ull
#define SZ_1M		(1ull << 20)
#define SZ_2M		(2ull << 20)
#define SZ_64M		(64ull << 20)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* /proc/self/pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAPPED	(1ull << 62)
#define PM_SOFT_DIRTY	(1ull << 55)

#define READ		DRM_VSVM_ACCESS_READ
#define WRITE		DRM_VSVM_ACCESS_WRITE

/* State shared by the subtests; static, so that it survives IGT's siglongjmp()s. */
static struct {
	int fd;
	char path[PATH_MAX];
	/* The subtest's VM, fresh for each subtest so that its counters start at 0. */
	uint32_t vm;
	/* Where device_hash() has the device write CHECKSUM results: a page of its own. */
	uint64_t *result;
	/* Counters at the last mark() and their change since, see since(). */
	uint64_t before[DRM_VSVM_COUNTER_COUNT];
	uint64_t delta[DRM_VSVM_COUNTER_COUNT];
} svm = { .fd = -1 };

/* ---- memory --------------------------------------------------------------------------- */

static void *map(size_t size, int prot, int flags, int fd)
{
	void *ptr = mmap(NULL, size, prot, flags, fd, 0);

	igt_assert_f(ptr != MAP_FAILED, "mmap of %zu bytes: %s\n", size, strerror(errno));
	return ptr;
}

static uint8_t *map_anon(size_t size)
{
	return map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
}

static void unmap(void *ptr, size_t size)
{
	igt_assert_eq(munmap(ptr, size), 0);
}

static uint64_t pages_spanned(const void *ptr, size_t size)
{
	uintptr_t start = (uintptr_t)ptr & ~(PAGE_SIZE - 1);

	return (ALIGN_UP((uintptr_t)ptr + size, PAGE_SIZE) - start) / PAGE_SIZE;
}

/* Return: the /proc/self/pagemap entry of the page holding @addr. */
static uint64_t pagemap(const void *addr)
{
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	igt_assert_fd(fd);
	igt_assert_eq(pread(fd, &entry, sizeof(entry), (uintptr_t)addr / PAGE_SIZE * 8),
		      sizeof(entry));
	close(fd);

	return entry;
}

/* Return: how many of the pages of @size bytes at @buf have @bit in pagemap. */
static unsigned int pagemap_count(const void *buf, size_t size, uint64_t bit)
{
	unsigned int count = 0;

	for (size_t offset = 0; offset < size; offset += PAGE_SIZE)
		if (pagemap((const uint8_t *)buf + offset) & bit)
			count++;

	return count;
}

/* Return: a new empty file in /tmp, already unlinked. */
static int tmp_file(void)
{
	char path[] = "/tmp/vsvm_svm.XXXXXX";
	int fd = mkstemp(path);

	igt_assert_fd(fd);
	unlink(path);
	return fd;
}

static void write_file(int fd, const void *buf, size_t size)
{
	igt_assert_eq(pwrite(fd, buf, size, 0), (ssize_t)size);
}

static void read_file(int fd, void *buf, size_t size)
{
	igt_assert_eq(pread(fd, buf, size, 0), (ssize_t)size);
}

/* Return: a file of @size bytes holding the pattern of @seed. */
static int pattern_file(size_t size, uint32_t seed)
{
	uint8_t *contents = malloc(size);
	int fd = tmp_file();

	igt_assert(contents);
	vsvm_pattern_fill(contents, size, seed);
	write_file(fd, contents, size);
	free(contents);

	return fd;
}

/* Return: 0 or -errno; reads the file at @path into @buf, without the newline. */
static int read_str(const char *path, char *buf, size_t len)
{
	int ret = vsvm_read_file(path, buf, len);

	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* ---- global knobs the tests change, restored at exit ---------------------------------- */

static struct {
	char path[PATH_MAX];
	char value[128];
} saved_knobs[8];
static unsigned int num_saved_knobs;

static void restore_knobs(int sig)
{
	(void)sig;
	while (num_saved_knobs) {
		num_saved_knobs--;
		vsvm_write_file(saved_knobs[num_saved_knobs].path, saved_knobs[num_saved_knobs].value);
	}
}

/*
 * Sets the sysfs/procfs file @path to @value, remembering the old value for
 * the exit handler. A choice list ("always [madvise] never") is saved as its
 * selected word.
 *
 * Return: 0 or the -errno of the write.
 */
static int set_knob(const char *path, const char *value)
{
	char old[sizeof(saved_knobs[0].value)], *open_bracket, *close_bracket;
	bool saved = false;
	int ret;

	for (unsigned int i = 0; i < num_saved_knobs; i++)
		saved |= !strcmp(saved_knobs[i].path, path);

	if (!saved) {
		ret = read_str(path, old, sizeof(old));
		if (ret)
			return ret;
		open_bracket = strchr(old, '[');
		close_bracket = open_bracket ? strchr(open_bracket, ']') : NULL;
		if (close_bracket) {
			*close_bracket = '\0';
			memmove(old, open_bracket + 1, strlen(open_bracket + 1) + 1);
		}
		igt_assert(num_saved_knobs < ARRAY_SIZE(saved_knobs));
		snprintf(saved_knobs[num_saved_knobs].path, PATH_MAX, "%s", path);
		snprintf(saved_knobs[num_saved_knobs].value, sizeof(old), "%s", old);
		num_saved_knobs++;
		igt_install_exit_handler(restore_knobs);
	}

	return vsvm_write_file(path, value);
}

/* ---- the device, through the subtest's VM --------------------------------------------- */

/* A FILL value whose eight bytes differ, so that a shifted fill shows. */
static uint64_t fill_value(uint32_t seed)
{
	return 0x8877665544332211ull ^ (seed * 0x0101010101010101ull);
}

static uint64_t device_hash_vm(uint32_t vm, const void *src, size_t size)
{
	igt_assert_job_ok(vsvm_checksum(svm.fd, vm, src, size, svm.result));
	return *svm.result;
}

/* Return: the FNV-1a of @size bytes at @src, as the device reads them. */
static uint64_t device_hash(const void *src, size_t size)
{
	return device_hash_vm(svm.vm, src, size);
}

static void device_copy(void *dst, const void *src, size_t size)
{
	igt_assert_job_ok(vsvm_copy(svm.fd, svm.vm, dst, src, size));
}

static void device_fill(void *dst, size_t size, uint64_t value)
{
	igt_assert_job_ok(vsvm_fill(svm.fd, svm.vm, dst, size, value));
}

/* A device read (CHECKSUM) that may fault: Return: how it ended. */
static struct vsvm_job_status device_read(const void *src, size_t size)
{
	return vsvm_checksum(svm.fd, svm.vm, src, size, svm.result);
}

/* A device write (FILL) that may fault: Return: how it ended. */
static struct vsvm_job_status device_write(void *dst, size_t size)
{
	return vsvm_fill(svm.fd, svm.vm, dst, size, fill_value(0));
}

/* Fails unless the device reads @size bytes at @buf as the CPU does. */
#define igt_assert_device_sees_cpu(buf, size) \
	igt_assert_eq_u64(device_hash((buf), (size)), vsvm_fnv1a64((buf), (size)))

/* ---- counters ------------------------------------------------------------------------- */

/*
 * Starts a counter measurement in @vm. The device first writes the result
 * slot, so that the CHECKSUMs of the measured steps find it writable and
 * their faults, if any, are the memory under test's own.
 */
static void mark_vm(uint32_t vm, uint64_t before[DRM_VSVM_COUNTER_COUNT])
{
	igt_assert_job_ok(vsvm_fill(svm.fd, vm, svm.result, sizeof(*svm.result), 0));
	vsvm_counters(svm.fd, vm, before);
}

static void mark(void)
{
	mark_vm(svm.vm, svm.before);
}

/* Sets svm.delta to the change of the subtest VM's counters since mark(). */
static void since(void)
{
	vsvm_counters_delta(svm.fd, svm.vm, svm.before, svm.delta);
}

#define COUNTER(name)	DRM_VSVM_COUNTER_##name

/* Fails unless counter @name moved by at least @min in @delta. */
#define assert_moved_in(delta, name, min) \
	igt_assert_f((delta)[COUNTER(name)] >= (uint64_t)(min), \
		     "counter %s moved by %llu, expected at least %llu\n", #name, \
		     (unsigned long long)(delta)[COUNTER(name)], (unsigned long long)(min))

/* Fails unless counter @name moved by exactly @n in @delta. */
#define assert_moved_by_in(delta, name, n) \
	igt_assert_f((delta)[COUNTER(name)] == (uint64_t)(n), \
		     "counter %s moved by %llu, expected %llu\n", #name, \
		     (unsigned long long)(delta)[COUNTER(name)], (unsigned long long)(n))

#define assert_moved(name, min)		assert_moved_in(svm.delta, name, min)
#define assert_moved_by(name, n)	assert_moved_by_in(svm.delta, name, n)

/* Return: the 4 KiB pages that faults mapped, per svm.delta (a 2 MiB PTE is 512). */
static uint64_t mapped_pages(void)
{
	return svm.delta[COUNTER(MAPPED_4K)] + 512 * svm.delta[COUNTER(MAPPED_2M)];
}

/* ---- subtest set-up ------------------------------------------------------------------- */

static void run(void (*test)(void))
{
	if (!svm.result)
		svm.result = (uint64_t *)map_anon(PAGE_SIZE);
	svm.vm = vsvm_vm_create(svm.fd);
	test();
	vsvm_vm_destroy(svm.fd, svm.vm);
	svm.vm = 0;
}

/*
 * The round trip on @size bytes at @buf: the device reads what the CPU wrote
 * (CHECKSUM, COPY), the CPU reads what the device wrote (FILL, COPY back).
 * Then the counters: faults were taken, none was fatal, and every page of
 * @buf got a device PTE.
 */
static void exercise(void *buf, size_t size, uint32_t seed)
{
	uint8_t *copy = map_anon(size);
	uint64_t value = fill_value(seed);

	mark();
	vsvm_pattern_fill(buf, size, seed);
	igt_assert_device_sees_cpu(buf, size);
	device_copy(copy, buf, size);
	igt_assert_pattern(copy, size, seed);
	device_fill(buf, size, value);
	igt_assert_filled(buf, size, value);
	device_copy(buf, copy, size);
	igt_assert_pattern(buf, size, seed);

	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);
	igt_assert_lte_u64(pages_spanned(buf, size), mapped_pages());
	unmap(copy, size);
}

/* ---- memory kinds --------------------------------------------------------------------- */

static void test_malloc_small(void)
{
	/* A 123-byte object at an odd address of a block from the brk heap. */
	const size_t block_size = 4000, offset = 101, size = 123;
	const uint64_t canary = 0xa5a5a5a5a5a5a5a5ull;
	uint8_t *block = malloc(block_size);

	igt_assert(block);
	memset(block, 0xa5, block_size);
	exercise(block + offset, size, 1);

	/* The device wrote the object and nothing around it. */
	igt_assert_filled(block, offset, canary);
	igt_assert_filled(block + offset + size, block_size - offset - size, canary);
	free(block);
}

static void test_mmap_anon_large(void)
{
	uint8_t *buf = map_anon(SZ_64M);

	exercise(buf, SZ_64M, 2);
	unmap(buf, SZ_64M);
}

static void test_stack(void)
{
	uint8_t frame[3 * PAGE_SIZE + 100];

	exercise(frame + 3, sizeof(frame) - 6, 3);
}

static void test_shared_anon(void)
{
	const size_t size = SZ_1M;
	const uint64_t value = fill_value(40);
	uint8_t *buf = map(size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	int sync[2];

	exercise(buf, size, 4);

	/* The device writes the shared pages themselves: another process sees it. */
	igt_assert_eq(pipe(sync), 0);
	igt_fork(child, 1) {
		char go;

		igt_assert_eq(read(sync[0], &go, 1), 1);
		igt_assert_filled(buf, size, value);
	}
	device_fill(buf, size, value);
	igt_assert_eq(write(sync[1], "g", 1), 1);
	igt_waitchildren();
	close(sync[0]);
	close(sync[1]);
	unmap(buf, size);
}

static void test_memfd(void)
{
	const size_t size = SZ_1M;
	const uint64_t value = fill_value(41);
	int fd = memfd_create("vsvm_svm", MFD_CLOEXEC);
	uint8_t *buf, *contents;

	igt_assert_fd(fd);
	igt_assert_eq(ftruncate(fd, size), 0);
	buf = map(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	exercise(buf, size, 5);

	/* What the device writes is the file's contents. */
	device_fill(buf, size, value);
	contents = malloc(size);
	igt_assert(contents);
	read_file(fd, contents, size);
	igt_assert_filled(contents, size, value);
	free(contents);
	unmap(buf, size);
	close(fd);
}

static void test_file_shared(void)
{
	const size_t size = 64 * PAGE_SIZE;
	const uint64_t value = fill_value(42);
	int fd = pattern_file(size, 6);
	uint8_t *buf = map(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	uint8_t *contents = map_anon(size);

	mark();
	/* The device reads the file's pages... */
	device_copy(contents, buf, size);
	igt_assert_pattern(contents, size, 6);

	/* ...its writes reach the file... */
	device_fill(buf, size, value);
	igt_assert_eq(msync(buf, size, MS_SYNC), 0);
	read_file(fd, contents, size);
	igt_assert_filled(contents, size, value);

	/* ...and it sees what write() puts in the file. */
	vsvm_pattern_fill(contents, size, 7);
	write_file(fd, contents, size);
	igt_assert_eq_u64(device_hash(buf, size), vsvm_fnv1a64(contents, size));

	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);
	unmap(contents, size);
	unmap(buf, size);
	close(fd);
}

static void test_file_truncate(void)
{
	const size_t size = 4 * PAGE_SIZE;
	int fd = pattern_file(size, 8);
	uint8_t *buf = map(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);

	igt_assert_device_sees_cpu(buf, size);

	/* Truncation takes the pages away from under the device too... */
	mark();
	igt_assert_eq(ftruncate(fd, 0), 0);
	since();
	assert_moved(INVAL_CLEAR, 1);
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);

	/* ...and beyond the end of the file the device faults, as the CPU gets SIGBUS. */
	igt_assert_job_fault(device_read(buf, size), buf, READ);

	/* Grown again, the file reads as zeros. */
	igt_assert_eq(ftruncate(fd, size), 0);
	igt_assert_device_sees_cpu(buf, size);
	igt_assert_filled(buf, size, 0);
	unmap(buf, size);
	close(fd);
}

static void test_file_private(void)
{
	const size_t size = 2 * PAGE_SIZE;
	const uint64_t value = fill_value(43);
	int fd = pattern_file(size, 9);
	uint8_t *buf = map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	uint8_t *contents = map_anon(size), *copy = map_anon(size);

	mark();
	igt_assert_eq_u64(device_hash(buf, size), vsvm_fnv1a64(buf, size));
	igt_assert_pattern(buf, size, 9);

	/* A device write to page 0 gives the process its own copy of it... */
	device_fill(buf, PAGE_SIZE, value);
	igt_assert_filled(buf, PAGE_SIZE, value);
	read_file(fd, contents, size);
	igt_assert_pattern(contents, size, 9);

	/*
	 * ...so a write() to the file changes page 1, still the file's page,
	 * and not page 0: the device must see exactly what the CPU sees.
	 */
	vsvm_pattern_fill(contents, size, 10);
	write_file(fd, contents, size);
	igt_assert_filled(buf, PAGE_SIZE, value);
	igt_assert_eq(memcmp(buf + PAGE_SIZE, contents + PAGE_SIZE, PAGE_SIZE), 0);
	igt_assert_device_sees_cpu(buf, size);
	device_copy(copy, buf, size);
	igt_assert_eq(memcmp(copy, buf, size), 0);

	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);
	unmap(copy, size);
	unmap(contents, size);
	unmap(buf, size);
	close(fd);
}

static void test_thp(void)
{
	const uint64_t value = fill_value(44);
	char enabled[128];
	uint8_t *raw, *buf;

	igt_require(read_str("/sys/kernel/mm/transparent_hugepage/enabled", enabled,
			     sizeof(enabled)) == 0);
	igt_require_f(!strstr(enabled, "[never]"), "THP disabled: %s\n", enabled);

	raw = map_anon(2 * SZ_2M);
	buf = (uint8_t *)ALIGN_UP((uintptr_t)raw, SZ_2M);
	igt_assert_eq(madvise(buf, SZ_2M, MADV_HUGEPAGE), 0);
	vsvm_pattern_fill(buf, SZ_2M, 11);
	igt_require_f(vsvm_smaps_kb(buf, "AnonHugePages:") >= 2048,
		      "the CPU's touch got no transparent huge page\n");

	/* A device read of the whole THP maps it with one 2 MiB PTE. */
	mark();
	igt_assert_device_sees_cpu(buf, SZ_2M);
	since();
	assert_moved(MAPPED_2M, 1);

	device_fill(buf, SZ_2M, value);
	igt_assert_filled(buf, SZ_2M, value);
	unmap(raw, 2 * SZ_2M);
}

/* Skips unless @pages free 2 MiB hugetlb pages exist; as root, reserves them. */
static void require_hugetlb_pages(long pages)
{
	long free_pages = vsvm_meminfo_kb("HugePages_Free:");
	long total = vsvm_meminfo_kb("HugePages_Total:");
	char value[32];

	igt_require_f(vsvm_meminfo_kb("Hugepagesize:") == 2048, "default hugetlb size is not 2 MiB\n");
	if (free_pages < pages && geteuid() == 0) {
		snprintf(value, sizeof(value), "%ld", total + pages - free_pages);
		set_knob("/proc/sys/vm/nr_hugepages", value);
		free_pages = vsvm_meminfo_kb("HugePages_Free:");
	}
	igt_require_f(free_pages >= pages, "%ld free hugetlb pages, %ld needed\n", free_pages,
		      pages);
}

static void test_hugetlbfs(void)
{
	uint8_t *buf;

	require_hugetlb_pages(1);
	buf = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	igt_require_f(buf != MAP_FAILED, "MAP_HUGETLB: %s\n", strerror(errno));

	/*
	 * For the lead: hmm_range_fault() reports a hugetlb page with its
	 * order, so MAPPED_2M > 0 is likely; exercise() asserts only that the
	 * whole page got device PTEs, whatever their size.
	 */
	exercise(buf, SZ_2M, 12);
	unmap(buf, SZ_2M);
}

static void test_read_only(void)
{
	const size_t size = 2 * PAGE_SIZE;
	int fd = pattern_file(size, 13);
	uint8_t *buf = map(size, PROT_READ, MAP_SHARED, fd);
	uint8_t *contents = map_anon(size);
	const struct drm_vsvm_cmd cmds[] = {
		vsvm_cmd_checksum(buf, size, svm.result),
		vsvm_cmd_fill(buf + PAGE_SIZE, PAGE_SIZE, fill_value(45)),
	};
	struct vsvm_job_status status;

	/* The read works, the write is a fatal fault where it starts... */
	mark();
	status = vsvm_run(svm.fd, svm.vm, cmds, ARRAY_SIZE(cmds));
	igt_assert_job_fault(status, buf + PAGE_SIZE, WRITE);
	igt_assert_eq(status.cmd_index, 1);
	igt_assert_eq_u64(*svm.result, vsvm_fnv1a64(buf, size));
	since();
	assert_moved_by(FAULTS_FATAL, 1);

	/* ...that wrote nothing, neither in the mapping nor in the file... */
	igt_assert_pattern(buf, size, 13);
	read_file(fd, contents, size);
	igt_assert_pattern(contents, size, 13);

	/* ...and the VM goes on working. */
	device_copy(contents, buf, size);
	igt_assert_pattern(contents, size, 13);
	unmap(contents, size);
	unmap(buf, size);
	close(fd);
}

static void test_guard_page(void)
{
	const size_t size = 3 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	uint8_t *guard = buf + PAGE_SIZE;

	vsvm_pattern_fill(buf, size, 14);
	igt_assert_eq(mprotect(guard, PAGE_SIZE, PROT_NONE), 0);

	mark();
	igt_assert_device_sees_cpu(buf, PAGE_SIZE);
	igt_assert_device_sees_cpu(guard + PAGE_SIZE, PAGE_SIZE);
	igt_assert_job_fault(device_read(buf, size), guard, READ);
	igt_assert_job_fault(device_write(guard, PAGE_SIZE), guard, WRITE);
	since();
	assert_moved_by(FAULTS_FATAL, 2);

	igt_assert_eq(mprotect(guard, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	igt_assert_pattern(buf, size, 14);
	unmap(buf, size);
}

static void test_device_first_touch(void)
{
	const size_t size = SZ_1M;
	const uint64_t value = fill_value(46);
	uint8_t *buf = map_anon(size);

	igt_assert_eq(pagemap_count(buf, size, PM_PRESENT), 0);

	/* The device's write faults allocate the pages... */
	mark();
	device_fill(buf, size, value);
	since();
	assert_moved(FAULTS, 1);
	igt_assert_lte_u64(size / PAGE_SIZE, mapped_pages());
	igt_assert_eq(pagemap_count(buf, size, PM_PRESENT), size / PAGE_SIZE);

	/* ...and the CPU finds the data there. */
	igt_assert_filled(buf, size, value);
	igt_assert_device_sees_cpu(buf, size);
	unmap(buf, size);
}

static void test_zero_page(void)
{
	const size_t size = 64 * PAGE_SIZE;
	const uint64_t value = fill_value(47);
	uint8_t *buf = map_anon(size), *copy = map_anon(size), *zeros;

	/* CPU reads only: every page is the shared zero page. */
	for (size_t offset = 0; offset < size; offset += PAGE_SIZE)
		igt_assert_eq(((volatile uint8_t *)buf)[offset], 0);

	mark();
	memset(copy, 0xff, size);
	device_copy(copy, buf, size);
	igt_assert_filled(copy, size, 0);
	igt_assert_device_sees_cpu(buf, size);

	/* A device write must not land in the zero page but in a page of the process's own. */
	device_fill(buf, size, value);
	igt_assert_filled(buf, size, value);
	since();
	/* Breaking copy-on-write from the zero page is a CLEAR invalidation. */
	assert_moved(INVAL_CLEAR, 1);
	assert_moved_by(FAULTS_FATAL, 0);

	/* The zero page itself is still zero: fresh memory reads as zeros, for both. */
	unmap(copy, size);
	copy = map_anon(size);
	zeros = calloc(1, size);
	igt_assert(zeros);
	igt_assert_eq_u64(device_hash(copy, size), vsvm_fnv1a64(zeros, size));
	igt_assert_filled(copy, size, 0);
	free(zeros);
	unmap(copy, size);
	unmap(buf, size);
}

/* ---- CPU-side changes: munmap, mremap ------------------------------------------------- */

static void test_munmap_whole(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	vsvm_pattern_fill(buf, size, 20);
	igt_assert_device_sees_cpu(buf, size);

	mark();
	unmap(buf, size);
	since();
	assert_moved(INVAL_UNMAP, 1);
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);
	assert_moved(TLB_FLUSHES, 1);
	/*
	 * For the lead: RANGES_GC is not asserted, garbage collection of the
	 * unmapped range may run later (a worker, or the next fault).
	 */

	igt_assert_job_fault(device_read(buf, size), buf, READ);
}

static void test_munmap_partial(void)
{
	const size_t pages = 12;
	uint8_t *buf = map_anon(pages * PAGE_SIZE);
	uint8_t *head = buf, *hole = buf + 5 * PAGE_SIZE, *tail = buf + 10 * PAGE_SIZE;
	uint8_t *kept[] = { buf + 2 * PAGE_SIZE, buf + 7 * PAGE_SIZE };

	vsvm_pattern_fill(buf, pages * PAGE_SIZE, 21);
	igt_assert_device_sees_cpu(buf, pages * PAGE_SIZE);

	/* Unmap pages 0-1 (head), 10-11 (tail) and 5-6 (a hole in the middle). */
	mark();
	unmap(head, 2 * PAGE_SIZE);
	unmap(tail, 2 * PAGE_SIZE);
	unmap(hole, 2 * PAGE_SIZE);
	since();
	assert_moved(INVAL_UNMAP, 3);
	assert_moved(PTES_ZAPPED, 6);

	/* The rest stays mirrored: reading it takes no new fault. */
	mark();
	for (unsigned int i = 0; i < ARRAY_SIZE(kept); i++)
		igt_assert_device_sees_cpu(kept[i], 3 * PAGE_SIZE);
	since();
	assert_moved_by(FAULTS, 0);

	/* The unmapped parts fault at their first byte. */
	igt_assert_job_fault(device_read(kept[0], 8 * PAGE_SIZE), hole, READ);
	igt_assert_job_fault(device_read(head, PAGE_SIZE), head, READ);
	igt_assert_job_fault(device_read(tail, 2 * PAGE_SIZE), tail, READ);

	unmap(kept[0], 3 * PAGE_SIZE);
	unmap(kept[1], 3 * PAGE_SIZE);
}

static void test_munmap_remap(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size), *copy = map_anon(size), *again;

	vsvm_pattern_fill(buf, size, 22);
	igt_assert_device_sees_cpu(buf, size);

	/* New memory at the same address, with new contents... */
	mark();
	unmap(buf, size);
	again = mmap(buf, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert(again == buf);
	vsvm_pattern_fill(buf, size, 23);

	/* ...is what the device sees, not the old pages. */
	device_copy(copy, buf, size);
	igt_assert_pattern(copy, size, 23);
	igt_assert_device_sees_cpu(buf, size);
	since();
	assert_moved(INVAL_UNMAP, 1);
	assert_moved(FAULTS, 1);
	unmap(copy, size);
	unmap(buf, size);
}

static void test_mremap_grow(void)
{
	const size_t size = 4 * PAGE_SIZE;
	uint8_t *buf = map_anon(2 * size);

	/* Free the upper half so that the mapping can grow in place. */
	unmap(buf + size, size);
	vsvm_pattern_fill(buf, size, 24);
	igt_assert_device_sees_cpu(buf, size);

	igt_assert(mremap(buf, size, 2 * size, 0) == buf);
	vsvm_pattern_fill(buf + size, size, 25);

	/* Growing moved no page: the old part stays mirrored... */
	mark();
	igt_assert_device_sees_cpu(buf, size);
	since();
	assert_moved_by(FAULTS, 0);
	igt_assert_pattern(buf, size, 24);

	/* ...and the new part is reachable. */
	igt_assert_device_sees_cpu(buf, 2 * size);
	device_fill(buf + size, size, fill_value(48));
	igt_assert_filled(buf + size, size, fill_value(48));
	igt_assert_pattern(buf, size, 24);
	unmap(buf, 2 * size);
}

static void test_mremap_shrink(void)
{
	const size_t size = 8 * PAGE_SIZE, kept = 4 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	vsvm_pattern_fill(buf, size, 26);
	igt_assert_device_sees_cpu(buf, size);

	mark();
	igt_assert(mremap(buf, size, kept, 0) == buf);
	since();
	assert_moved(INVAL_UNMAP, 1);
	assert_moved(PTES_ZAPPED, (size - kept) / PAGE_SIZE);

	mark();
	igt_assert_device_sees_cpu(buf, kept);
	since();
	assert_moved_by(FAULTS, 0);
	igt_assert_job_fault(device_read(buf, size), buf + kept, READ);
	unmap(buf, kept);
}

static void test_mremap_move(void)
{
	const size_t size = 8 * PAGE_SIZE;
	uint8_t *old = map_anon(size), *target = map_anon(size), *copy = map_anon(size);

	vsvm_pattern_fill(old, size, 27);
	igt_assert_device_sees_cpu(old, size);

	/* The pages move to @target: the device must follow them... */
	mark();
	igt_assert(mremap(old, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, target) == target);
	since();
	assert_moved(INVAL_UNMAP, 1);
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);

	device_copy(copy, target, size);
	igt_assert_pattern(copy, size, 27);
	device_fill(target, size, fill_value(49));
	igt_assert_filled(target, size, fill_value(49));

	/* ...and not find them at the old address any more. */
	igt_assert_job_fault(device_read(old, size), old, READ);
	unmap(copy, size);
	unmap(target, size);
}

static void test_mremap_dontunmap(void)
{
	const size_t size = 8 * PAGE_SIZE;
	uint8_t *old = map_anon(size), *moved, *copy = map_anon(size);

	vsvm_pattern_fill(old, size, 28);
	igt_assert_device_sees_cpu(old, size);

	mark();
	moved = mremap(old, size, size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	igt_require_f(moved != MAP_FAILED, "MREMAP_DONTUNMAP: %s\n", strerror(errno));
	since();
	/* The old range stays mapped but its pages left: no translation may remain. */
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);

	device_copy(copy, moved, size);
	igt_assert_pattern(copy, size, 28);

	/* The old range reads as fresh (zero) memory, for the device as for the CPU. */
	memset(copy, 0xff, size);
	device_copy(copy, old, size);
	igt_assert_filled(copy, size, 0);
	igt_assert_filled(old, size, 0);

	/* Writes to either range stay in that range. */
	device_fill(old, size, fill_value(50));
	igt_assert_filled(old, size, fill_value(50));
	igt_assert_pattern(moved, size, 28);
	unmap(copy, size);
	unmap(moved, size);
	unmap(old, size);
}

/* ---- CPU-side changes: mprotect, madvise, mlock --------------------------------------- */

static void test_mprotect_downgrade(void)
{
	const size_t size = 16 * PAGE_SIZE;
	const uint64_t value = fill_value(51);
	uint8_t *buf = map_anon(size);

	/* The device writes, so it holds writable translations. */
	device_fill(buf, size, value);

	mark();
	igt_assert_eq(mprotect(buf, size, PROT_READ), 0);
	since();
	assert_moved(INVAL_PROTECTION_VMA, 1);
	/*
	 * The default (precise) policy reads the VMA's new flags: still
	 * readable, so every translation is downgraded and none zapped.
	 */
	igt_assert_lte_u64(size / PAGE_SIZE, svm.delta[COUNTER(PTES_DOWNGRADED)]);
	igt_assert_eq_u64(svm.delta[COUNTER(PTES_ZAPPED)], 0);

	/* Reads go on without a fault; a write is a fatal fault and changes nothing. */
	mark();
	igt_assert_device_sees_cpu(buf, size);
	since();
	igt_assert_eq_u64(svm.delta[COUNTER(FAULTS)], 0);
	mark();
	igt_assert_job_fault(device_write(buf, size), buf, WRITE);
	since();
	assert_moved_by(FAULTS_FATAL, 1);
	igt_assert_filled(buf, size, value);
	unmap(buf, size);
}

static void test_mprotect_none(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	vsvm_pattern_fill(buf, size, 29);
	igt_assert_device_sees_cpu(buf, size);

	mark();
	igt_assert_eq(mprotect(buf, size, PROT_NONE), 0);
	since();
	assert_moved(INVAL_PROTECTION_VMA, 1);
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);
	igt_assert_job_fault(device_read(buf, size), buf, READ);
	igt_assert_job_fault(device_write(buf, size), buf, WRITE);

	/* Access restored, the data is intact. */
	igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
	igt_assert_device_sees_cpu(buf, size);
	igt_assert_pattern(buf, size, 29);
	unmap(buf, size);
}

static void test_mprotect_upgrade(void)
{
	const size_t size = 16 * PAGE_SIZE;
	const uint64_t value = fill_value(52);
	uint8_t *buf = map_anon(size);

	vsvm_pattern_fill(buf, size, 30);
	igt_assert_eq(mprotect(buf, size, PROT_READ), 0);
	igt_assert_device_sees_cpu(buf, size);
	igt_assert_job_fault(device_write(buf, size), buf, WRITE);

	/* Made writable, the device can write: through new, writable translations. */
	igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
	mark();
	device_fill(buf, size, value);
	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);
	igt_assert_filled(buf, size, value);
	unmap(buf, size);
}

static void test_madvise_dontneed(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size), *copy = map_anon(size);

	vsvm_pattern_fill(buf, size, 31);
	igt_assert_device_sees_cpu(buf, size);

	mark();
	igt_assert_eq(madvise(buf, size, MADV_DONTNEED), 0);
	since();
	assert_moved(INVAL_CLEAR, 1);
	assert_moved(PTES_ZAPPED, size / PAGE_SIZE);

	/* The pages are gone: the device reads zeros, not the old data. */
	memset(copy, 0xff, size);
	device_copy(copy, buf, size);
	igt_assert_filled(copy, size, 0);
	igt_assert_filled(buf, size, 0);
	unmap(copy, size);
	unmap(buf, size);
}

/* Fails unless each page of @buf is all zeros (reclaimed) or all FILL of @value (kept). */
static void assert_zero_or_filled(const uint8_t *buf, size_t size, uint64_t value)
{
	for (size_t offset = 0; offset < size; offset += PAGE_SIZE) {
		bool zero = vsvm_fill_mismatch(buf + offset, PAGE_SIZE, 0) == SIZE_MAX;
		bool kept = vsvm_fill_mismatch(buf + offset, PAGE_SIZE, value) == SIZE_MAX;

		igt_assert_f(zero || kept, "page %llu is neither zeros nor the old data\n",
			     (unsigned long long)(offset / PAGE_SIZE));
	}
}

static void test_madvise_free(void)
{
	const size_t size = 16 * PAGE_SIZE;
	const uint64_t old = fill_value(53), value = fill_value(54);
	uint8_t *buf = map_anon(size);

	device_fill(buf, size, old);

	mark();
	igt_assert_eq(madvise(buf, size, MADV_FREE), 0);
	since();
	assert_moved(INVAL_CLEAR, 1);

	/* Reclaimed or not, each page reads the same for the device and the CPU. */
	igt_assert_eq(madvise(buf, size, MADV_PAGEOUT), 0);
	igt_assert_device_sees_cpu(buf, size);
	assert_zero_or_filled(buf, size, old);

	/*
	 * A device write after MADV_FREE makes the pages the process's again:
	 * reclaim must not drop it. (For the lead: a write through a device
	 * translation that the MADV_FREE invalidation left writable, or that
	 * a fault re-made writable on a clean CPU PTE, leaves the page clean
	 * and reclaim discards it; the fault path must dirty the page, or the
	 * zap of a writable device PTE must.)
	 */
	device_fill(buf, size, value);
	igt_assert_eq(madvise(buf, size, MADV_PAGEOUT), 0);
	igt_assert_filled(buf, size, value);
	igt_assert_device_sees_cpu(buf, size);
	unmap(buf, size);
}

static void test_madvise_pageout(void)
{
	const size_t size = 64 * PAGE_SIZE;
	const uint64_t value = fill_value(55);
	uint8_t *buf = map_anon(size), *expected = map_anon(size);
	unsigned int swapped;

	igt_require_f(vsvm_meminfo_kb("SwapTotal:") > 0, "no swap\n");

	/* Page data the CPU wrote and data the device wrote (the first half). */
	vsvm_pattern_fill(buf, size, 32);
	igt_assert_device_sees_cpu(buf, size);
	device_fill(buf, size / 2, value);
	memcpy(expected, buf, size);

	mark();
	igt_assert_eq(madvise(buf, size, MADV_PAGEOUT), 0);
	swapped = pagemap_count(buf, size, PM_SWAPPED);
	since();
	/* Device translations do not pin: the pages can go to swap. */
	igt_assert_f(swapped > 0, "MADV_PAGEOUT swapped out none of %llu pages\n",
		     size / PAGE_SIZE);
	assert_moved(INVAL_CLEAR, 1);
	assert_moved(PTES_ZAPPED, swapped);

	/* The device's own faults bring them back, before the CPU touches them. */
	mark();
	igt_assert_eq_u64(device_hash(buf, size), vsvm_fnv1a64(expected, size));
	since();
	assert_moved(FAULTS, 1);
	igt_assert_eq(memcmp(buf, expected, size), 0);
	unmap(expected, size);
	unmap(buf, size);
}

static void test_mlock(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	igt_require_f(mlock(buf, size) == 0, "mlock: %s\n", strerror(errno));
	exercise(buf, size, 33);

	/*
	 * munlock changes no PTE, so the mirror stays. (For the lead: 6.12's
	 * munlock only clears VM_LOCKED and the folios' mlock state.)
	 */
	mark();
	igt_assert_eq(munlock(buf, size), 0);
	igt_assert_device_sees_cpu(buf, size);
	since();
	assert_moved_by(FAULTS, 0);
	unmap(buf, size);
}

/* ---- CPU-side changes: fork ----------------------------------------------------------- */

static void sync_write(int fd)
{
	igt_assert_eq(write(fd, "s", 1), 1);
}

static void sync_read(int fd)
{
	char token;

	igt_assert_eq(read(fd, &token, 1), 1);
}

static void test_fork_cow(void)
{
	const size_t size = 16 * PAGE_SIZE;
	const uint64_t parent_before = fill_value(56), child_value = fill_value(57);
	const uint64_t parent_after = fill_value(58);
	uint8_t *buf = map_anon(size);
	int to_parent[2], to_child[2];

	/* The parent's device holds writable translations of its pages. */
	device_fill(buf, size, parent_before);
	igt_assert_eq(pipe(to_parent), 0);
	igt_assert_eq(pipe(to_child), 0);

	mark();
	igt_fork(child, 1) {
		struct drm_vsvm_cmd cmd = vsvm_cmd_fill(buf, size, child_value);
		struct drm_vsvm_exec exec = {
			.vm_id = svm.vm,
			.engine = DRM_VSVM_ENGINE_COPY,
			.cmds_ptr = (uintptr_t)&cmd,
			.num_cmds = 1,
		};
		int parent_fd = svm.fd;

		/* The parent's VM is not the child's to use... */
		igt_assert_eq(__vsvm_exec(parent_fd, &exec), -EACCES);

		/* ...the child mirrors itself in a VM of its own. */
		svm.fd = vsvm_open_render_node(0, svm.path, sizeof(svm.path));
		igt_assert_fd(svm.fd);
		svm.vm = vsvm_vm_create(svm.fd);
		igt_assert_device_sees_cpu(buf, size);
		igt_assert_filled(buf, size, parent_before);
		device_fill(buf, size, child_value);
		igt_assert_filled(buf, size, child_value);
		sync_write(to_parent[1]);

		/* The parent's later device writes do not show here. */
		sync_read(to_child[0]);
		igt_assert_filled(buf, size, child_value);
		igt_assert_device_sees_cpu(buf, size);
	}

	/* fork() write-protected the parent's pages: so must its device. */
	sync_read(to_parent[0]);
	since();
	assert_moved(INVAL_PROTECTION_PAGE, 1);
	igt_assert_lte_u64(size / PAGE_SIZE, svm.delta[COUNTER(PTES_DOWNGRADED)] +
			   svm.delta[COUNTER(PTES_ZAPPED)]);

	/* The child's device writes do not show in the parent... */
	igt_assert_filled(buf, size, parent_before);
	igt_assert_device_sees_cpu(buf, size);

	/* ...and the parent's write breaks copy-on-write through a fault. */
	mark();
	device_fill(buf, size, parent_after);
	since();
	assert_moved(FAULTS, 1);
	igt_assert_filled(buf, size, parent_after);
	sync_write(to_child[1]);
	igt_waitchildren();

	for (unsigned int i = 0; i < 2; i++) {
		close(to_parent[i]);
		close(to_child[i]);
	}
	unmap(buf, size);
}

static void test_madvise_dontfork(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);

	igt_assert_eq(madvise(buf, size, MADV_DONTFORK), 0);
	device_fill(buf, size, fill_value(59));

	mark();
	igt_fork(child, 1) {
		/* The child has nothing mapped there. */
		igt_assert_eq(msync(buf, size, MS_ASYNC), -1);
		igt_assert_eq(errno, ENOMEM);
	}
	igt_waitchildren();

	/*
	 * fork() did not copy, hence did not write-protect, the range: the
	 * device keeps writing through its translations without a fault.
	 */
	device_fill(buf, size, fill_value(60));
	since();
	assert_moved_by(FAULTS, 0);
	igt_assert_filled(buf, size, fill_value(60));
	unmap(buf, size);
}

/* ---- DOC: Prefetch ------------------------------------------------------------------- */

static void set_prefetch_threshold(const char *percent)
{
	char path[PATH_MAX];

	igt_assert_eq(vsvm_tunable_path(svm.fd, "prefetch_threshold", path, sizeof(path)), 0);
	igt_require_f(access(path, W_OK) == 0, "no writable %s\n", path);
	igt_assert_eq(set_knob(path, percent), 0);
}

struct prefetch_figures {
	uint64_t faults, prefetched, used;
};

/*
 * The device reads @pages pages of fresh memory (THP off): all of it in one
 * sequential CHECKSUM, or one random page of every 64 (@sparse); then the
 * memory is unmapped, which settles how many prefetched pages were used.
 */
static struct prefetch_figures read_fresh(const char *threshold, size_t pages, bool sparse,
					  unsigned int seed)
{
	const size_t size = pages * PAGE_SIZE;
	struct prefetch_figures fig;
	uint8_t *buf;

	set_prefetch_threshold(threshold);
	buf = map_anon(size);
	igt_assert_eq(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	srandom(seed);
	mark();
	if (!sparse) {
		igt_assert_job_ok(device_read(buf, size));
	} else {
		for (size_t block = 0; block < pages; block += 64)
			igt_assert_job_ok(device_read(buf + (block + random() % 64) * PAGE_SIZE,
						      PAGE_SIZE));
	}
	since();
	fig.faults = svm.delta[COUNTER(FAULTS)];
	unmap(buf, size);
	since();
	fig.prefetched = svm.delta[COUNTER(PREFETCHED)];
	fig.used = svm.delta[COUNTER(PREFETCH_USED)];
	igt_info("prefetch_threshold=%s, %s read of %zu fresh pages: %" PRIu64 " faults, %" PRIu64
		 " pages prefetched, %" PRIu64 " of them used\n", threshold,
		 sparse ? "sparse (1 in 64)" : "sequential", pages, fig.faults, fig.prefetched,
		 fig.used);
	return fig;
}

static void test_prefetch_sequential(void)
{
	const size_t pages = 4096;	/* 16 MiB: eight 2 MiB ranges */
	struct prefetch_figures off = read_fresh("0", pages, false, 0);
	struct prefetch_figures on = read_fresh("50", pages, false, 0);

	igt_assert_eq_u64(off.prefetched, 0);
	igt_assert_f(off.faults >= 10 * on.faults,
		     "%" PRIu64 " faults with the prefetcher, %" PRIu64 " without: not 10x fewer\n",
		     on.faults, off.faults);
	/* Most pages came by prefetch, and the read used every one of them. */
	igt_assert_lte_u64(pages / 2, on.prefetched);
	igt_assert_lte_u64(on.prefetched, pages);
	igt_assert_eq_u64(on.used, on.prefetched);
	restore_knobs(0);
}

static void test_prefetch_sparse(void)
{
	const size_t pages = 4096, reads = pages / 64;
	struct prefetch_figures on = read_fresh("50", pages, true, 42);

	/* One page of every 64 is not dense: a fault per read, at most 2 % prefetched. */
	igt_assert_lte_u64(on.faults, reads);
	igt_assert_lte_u64(reads / 2, on.faults);
	igt_assert_f(on.prefetched <= pages / 50, "%" PRIu64 " pages prefetched\n", on.prefetched);
	restore_knobs(0);
}

/* ---- CPU-side changes: soft-dirty, migration, KSM, userfaultfd ------------------------ */

static void set_event_policy(const char *policy)
{
	char path[PATH_MAX];

	igt_assert_eq(vsvm_tunable_path(svm.fd, "event_policy", path, sizeof(path)), 0);
	igt_require_f(access(path, W_OK) == 0, "no writable %s\n", path);
	igt_assert_eq(set_knob(path, policy), 0);
}

static void clear_soft_dirty(void)
{
	igt_assert_eq(vsvm_write_file("/proc/self/clear_refs", "4"), 0);
}

/*
 * Soft-dirty tracking write-protects every PTE. Under @policy "precise" the
 * device downgrades its translations and reads on without a fault; under
 * "zap_all" it drops them and faults again. Either way, a later device write
 * must fault so that the CPU PTE, hence pagemap, shows the page soft-dirty.
 */
static void soft_dirty(const char *policy)
{
	const size_t size = 16 * PAGE_SIZE, pages = size / PAGE_SIZE;
	const bool precise = !strcmp(policy, "precise");
	uint8_t *buf = map_anon(size);

	set_event_policy(policy);
	device_fill(buf, size, fill_value(61));

	mark();
	clear_soft_dirty();
	since();
	assert_moved(INVAL_SOFT_DIRTY, 1);
	if (precise)
		assert_moved(PTES_DOWNGRADED, pages);
	else
		assert_moved(PTES_ZAPPED, pages);
	igt_assert_eq(pagemap_count(buf, size, PM_SOFT_DIRTY), 0);

	mark();
	igt_assert_device_sees_cpu(buf, size);
	since();
	if (precise)
		assert_moved_by(FAULTS, 0);
	else
		assert_moved(FAULTS, 1);
	/* A device read does not make pages soft-dirty. */
	igt_assert_eq(pagemap_count(buf, size, PM_SOFT_DIRTY), 0);

	mark();
	device_fill(buf, size, fill_value(62));
	since();
	assert_moved(FAULTS, 1);
	igt_assert_eq(pagemap_count(buf, size, PM_SOFT_DIRTY), pages);
	igt_assert_filled(buf, size, fill_value(62));
	restore_knobs(0);
	unmap(buf, size);
}

static void test_soft_dirty(void)
{
	soft_dirty("precise");
}

static void test_event_policy_zap_all(void)
{
	soft_dirty("zap_all");
}

/*
 * The figures the event policy exists for: after fork() or clear_refs,
 * how many device PTEs were downgraded or zapped, and how many faults the
 * device then takes to read and to write the memory again. Printed, and
 * asserted: under "precise" a read takes no fault, under "zap_all" it does.
 */
static void policy_figures(const char *event, const char *policy)
{
	const size_t pages = 256, size = pages * PAGE_SIZE;
	const bool precise = !strcmp(policy, "precise");
	uint64_t inval, downgraded, zapped, read_faults, write_faults;
	uint8_t *buf = map_anon(size);

	set_event_policy(policy);
	device_fill(buf, size, fill_value(70));

	mark();
	if (!strcmp(event, "fork")) {
		pid_t pid = fork();

		igt_assert(pid >= 0);
		if (!pid)
			_exit(0);
		igt_assert_eq(waitpid(pid, NULL, 0), pid);
		since();
		inval = svm.delta[COUNTER(INVAL_PROTECTION_PAGE)];
	} else if (!strcmp(event, "mprotect")) {
		igt_assert_eq(mprotect(buf, size, PROT_READ), 0);
		since();
		inval = svm.delta[COUNTER(INVAL_PROTECTION_VMA)];
	} else {
		clear_soft_dirty();
		since();
		inval = svm.delta[COUNTER(INVAL_SOFT_DIRTY)];
	}
	downgraded = svm.delta[COUNTER(PTES_DOWNGRADED)];
	zapped = svm.delta[COUNTER(PTES_ZAPPED)];

	mark();
	igt_assert_device_sees_cpu(buf, size);
	since();
	read_faults = svm.delta[COUNTER(FAULTS)];

	/* Writable again (a write to read-only memory would be a fatal fault). */
	if (!strcmp(event, "mprotect"))
		igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
	mark();
	device_fill(buf, size, fill_value(71));
	since();
	write_faults = svm.delta[COUNTER(FAULTS)];
	igt_assert_filled(buf, size, fill_value(71));

	igt_info("%s, event_policy=%s, %zu pages: %" PRIu64 " invalidations, %" PRIu64
		 " PTEs downgraded, %" PRIu64 " zapped; device read: %" PRIu64
		 " faults; device write: %" PRIu64 " faults\n", event, policy, pages, inval,
		 downgraded, zapped, read_faults, write_faults);

	igt_assert_lte_u64(1, inval);
	if (precise) {
		igt_assert_lte_u64(pages, downgraded);
		igt_assert_eq_u64(read_faults, 0);
	} else {
		igt_assert_lte_u64(pages, zapped);
		igt_assert_lte_u64(1, read_faults);
	}
	igt_assert_lte_u64(1, write_faults);
	restore_knobs(0);
	unmap(buf, size);
}

static void test_policy_figures(void)
{
	static const char *const events[] = { "fork", "soft-dirty", "mprotect" };
	static const char *const policies[] = { "precise", "zap_all" };

	/* volatile: they live across the sigsetjmp() of igt_dynamic(). */
	for (volatile unsigned int e = 0; e < ARRAY_SIZE(events); e++) {
		for (volatile unsigned int p = 0; p < ARRAY_SIZE(policies); p++) {
			char name[64];

			snprintf(name, sizeof(name), "%s-%s", events[e], policies[p]);
			igt_dynamic(name) {
				vsvm_vm_destroy(svm.fd, svm.vm);
				svm.vm = vsvm_vm_create(svm.fd);
				policy_figures(events[e], policies[p]);
			}
		}
	}
}

/* Populate the mirror ahead of the job: the job itself then takes no fault. */
static void test_prefetch(void)
{
	const size_t size = 64 * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	struct drm_vsvm_vm_prefetch args = {
		.vm_id = svm.vm,
		.start = (uintptr_t)buf,
		.size = size,
	};

	/* A read prefetch of memory the CPU never touched, then device reads. */
	mark();
	igt_assert_eq(drmIoctl(svm.fd, DRM_IOCTL_VSVM_VM_PREFETCH, &args), 0);
	since();
	assert_moved(FAULTS, 1);
	mark();
	igt_assert_device_sees_cpu(buf, size);
	since();
	assert_moved_by(FAULTS, 0);

	/* A write prefetch, then device writes: no fault either. */
	args.flags = DRM_VSVM_PREFETCH_WRITE;
	igt_assert_eq(drmIoctl(svm.fd, DRM_IOCTL_VSVM_VM_PREFETCH, &args), 0);
	mark();
	device_fill(buf, size, fill_value(72));
	since();
	assert_moved_by(FAULTS, 0);
	igt_assert_filled(buf, size, fill_value(72));
	unmap(buf, size);
}

/* move_pages(2) through the raw syscall: no libnuma needed. */
static long sys_move_pages(unsigned long count, void **pages, const int *nodes, int *status,
			   int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

static void test_migrate_pages(void)
{
	enum { PAGES = 16 };
	const size_t size = PAGES * PAGE_SIZE;
	uint8_t *buf = map_anon(size);
	void *pages[PAGES];
	int nodes[PAGES], status[PAGES], target;
	unsigned int moved = 0;

	igt_require_f(access("/sys/devices/system/node/node1", F_OK) == 0, "one NUMA node\n");

	vsvm_pattern_fill(buf, size, 34);
	igt_assert_device_sees_cpu(buf, size);

	for (unsigned int i = 0; i < PAGES; i++)
		pages[i] = buf + i * PAGE_SIZE;
	igt_assert_eq(sys_move_pages(PAGES, pages, NULL, status, 0), 0);
	igt_assert_f(status[0] >= 0, "page 0 is on no node: %d\n", status[0]);
	target = status[0] == 0 ? 1 : 0;
	for (unsigned int i = 0; i < PAGES; i++)
		nodes[i] = target;

	/* Device translations do not pin: every page can move (a busy page gets retries). */
	mark();
	for (unsigned int attempt = 0; attempt < 10 && moved < PAGES; attempt++) {
		igt_assert_f(sys_move_pages(PAGES, pages, nodes, status, MPOL_MF_MOVE) >= 0,
			     "move_pages: %s\n", strerror(errno));
		moved = 0;
		for (unsigned int i = 0; i < PAGES; i++)
			moved += status[i] == target;
	}
	igt_assert_f(moved == PAGES, "%u of %u pages moved to node %d\n", moved, PAGES, target);
	since();
	igt_assert_lte_u64(1, svm.delta[COUNTER(INVAL_CLEAR)] + svm.delta[COUNTER(INVAL_MIGRATE)]);
	assert_moved(PTES_ZAPPED, PAGES);

	/* The device follows the pages to their new frames. */
	mark();
	igt_assert_eq_u64(device_hash(buf, size), vsvm_fnv1a64(buf, size));
	since();
	assert_moved(FAULTS, 1);
	igt_assert_pattern(buf, size, 34);
	device_fill(buf, size, fill_value(63));
	igt_assert_filled(buf, size, fill_value(63));
	unmap(buf, size);
}

static long ksm_merging_pages(void)
{
	char value[32];

	if (read_str("/proc/self/ksm_merging_pages", value, sizeof(value)))
		return -1;
	return strtol(value, NULL, 10);
}

static void test_ksm(void)
{
	enum { PAGES = 32 };
	const size_t size = PAGES * PAGE_SIZE;
	uint8_t *buf = map_anon(size), *template = map_anon(PAGE_SIZE);
	struct drm_vsvm_cmd cmds[PAGES];
	uint8_t *victim = buf + 3 * PAGE_SIZE;
	int64_t deadline;

	igt_require_f(access("/sys/kernel/mm/ksm/run", W_OK) == 0, "KSM is not controllable\n");
	igt_require(ksm_merging_pages() >= 0);

	/* Identical pages, written by the device, so it holds writable translations. */
	vsvm_pattern_fill(template, PAGE_SIZE, 35);
	for (unsigned int i = 0; i < PAGES; i++)
		cmds[i] = vsvm_cmd_copy(buf + i * PAGE_SIZE, template, PAGE_SIZE);
	igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, PAGES));
	igt_assert_eq(madvise(buf, size, MADV_MERGEABLE), 0);

	mark();
	igt_assert_eq(set_knob("/sys/kernel/mm/ksm/sleep_millisecs", "10"), 0);
	igt_assert_eq(set_knob("/sys/kernel/mm/ksm/pages_to_scan", "1000"), 0);
	igt_assert_eq(set_knob("/sys/kernel/mm/ksm/run", "1"), 0);
	deadline = vsvm_timeout_in(30 * VSVM_NSEC_PER_SEC);
	while (ksm_merging_pages() < PAGES && vsvm_now_ns() < deadline)
		usleep(10000);
	/* Device translations do not pin: KSM can merge every page. */
	igt_assert_f(ksm_merging_pages() >= PAGES, "KSM merged %ld of %u pages in 30 s\n",
		     ksm_merging_pages(), PAGES);
	since();
	assert_moved(INVAL_CLEAR, 1);
	igt_assert_lte_u64(PAGES, svm.delta[COUNTER(PTES_DOWNGRADED)] +
			   svm.delta[COUNTER(PTES_ZAPPED)]);

	/* Merged, the pages read the same... */
	igt_assert_device_sees_cpu(buf, size);

	/*
	 * ...and a device write to one breaks the sharing: it must land in a
	 * private copy of that page, never in the KSM page the others map.
	 */
	device_fill(victim, PAGE_SIZE, fill_value(64));
	for (unsigned int i = 0; i < PAGES; i++) {
		if (buf + i * PAGE_SIZE == victim)
			igt_assert_filled(victim, PAGE_SIZE, fill_value(64));
		else
			igt_assert_pattern(buf + i * PAGE_SIZE, PAGE_SIZE, 35);
	}
	igt_assert_device_sees_cpu(buf, size);

	restore_knobs(0);
	madvise(buf, size, MADV_UNMERGEABLE);
	unmap(template, PAGE_SIZE);
	unmap(buf, size);
}

/* Resolves the missing-page faults of a userfaultfd with pages of a pattern. */
struct uffd_server {
	int uffd;
	uint8_t *page;		/* the pattern every served page gets */
	atomic_bool stop;
	atomic_uint served;
	atomic_int error;
};

static void *uffd_serve(void *arg)
{
	struct uffd_server *server = arg;
	struct pollfd pfd = { .fd = server->uffd, .events = POLLIN };

	while (!atomic_load(&server->stop)) {
		struct uffd_msg msg;
		struct uffdio_copy copy = {};

		if (poll(&pfd, 1, 10) <= 0)
			continue;
		if (read(server->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;

		copy.dst = msg.arg.pagefault.address & ~(PAGE_SIZE - 1);
		copy.src = (uintptr_t)server->page;
		copy.len = PAGE_SIZE;
		if (ioctl(server->uffd, UFFDIO_COPY, &copy) && errno != EEXIST) {
			atomic_store(&server->error, errno);
			break;
		}
		atomic_fetch_add(&server->served, 1);
	}

	return NULL;
}

/*
 * A device read of a userfaultfd-registered (missing mode) range that the
 * CPU never touched. A page fault there waits for the userfaultfd's reader,
 * which the device's fault path cannot do the way a CPU fault does; the job
 * must end either way: correct data, or a clean fatal fault. Never a hang.
 * @flags 0 also catches kernel-mode faults, UFFD_USER_MODE_ONLY lets the
 * kernel fail them at once.
 *
 * For the lead: with flags 0, 6.12's handle_userfault() prints "FAULT_FLAG_
 * ALLOW_RETRY missing" with a stack dump (CONFIG_DEBUG_VM) for any fault
 * without FAULT_FLAG_ALLOW_RETRY, which hmm_range_fault() never sets; the
 * guest's splat check reads the "Call Trace:" as a failure. The driver may
 * have to refuse userfaultfd-registered VMAs (userfaultfd_missing()) before
 * calling hmm_range_fault().
 */
static void userfaultfd_read(int flags)
{
	const size_t size = 4 * PAGE_SIZE;
	struct uffd_server server = { .page = map_anon(PAGE_SIZE) };
	struct uffdio_api api = { .api = UFFD_API };
	uint8_t *buf = map_anon(size);
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)buf, .len = size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct drm_vsvm_cmd cmd = vsvm_cmd_checksum(buf, size, svm.result);
	struct vsvm_job_status status;
	pthread_t thread;
	int ret;

	server.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | flags);
	igt_require_f(server.uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	igt_assert_eq(ioctl(server.uffd, UFFDIO_API, &api), 0);
	igt_assert_eq(ioctl(server.uffd, UFFDIO_REGISTER, &reg), 0);
	vsvm_pattern_fill(server.page, PAGE_SIZE, 36);
	igt_assert_eq(pthread_create(&thread, NULL, uffd_serve, &server), 0);

	ret = __vsvm_run(svm.fd, svm.vm, &cmd, 1, vsvm_timeout_in(30 * VSVM_NSEC_PER_SEC),
			 &status);
	igt_assert_f(ret == 0, "the job on a userfaultfd range: %d (%s)\n", ret, strerror(-ret));
	igt_info("job %s, %u pages served\n", vsvm_job_status_name(status.status),
		 atomic_load(&server.served));
	if (status.status == DRM_VSVM_JOB_OK) {
		/* Served pages: the CPU reads what the device read (served as it faults). */
		igt_assert_eq_u64(*svm.result, vsvm_fnv1a64(buf, size));
	} else {
		igt_assert_job_fault(status, buf, READ);
	}

	atomic_store(&server.stop, true);
	pthread_join(thread, NULL);
	igt_assert_eq(atomic_load(&server.error), 0);
	close(server.uffd);

	/* The VM still works. */
	igt_assert_device_sees_cpu(server.page, PAGE_SIZE);
	unmap(buf, size);
	unmap(server.page, PAGE_SIZE);
}

static void test_userfaultfd(void)
{
	userfaultfd_read(0);
}

static void test_userfaultfd_user_mode_only(void)
{
	userfaultfd_read(UFFD_USER_MODE_ONLY);
}

/*
 * In a VMA registered with userfaultfd in missing mode only, a page that is
 * present but write-protected (the zero page of UFFDIO_ZEROPAGE, a page
 * shared copy-on-write with a child after fork) takes a CPU store without
 * the handler: the device's write must succeed too, and the child must keep
 * its copy. No handler runs in this test (none is needed).
 */
static void test_userfaultfd_cow_write(void)
{
	const size_t size = 2 * PAGE_SIZE;
	struct uffdio_api api = { .api = UFFD_API };
	uint8_t *buf = map_anon(size), *pattern = map_anon(PAGE_SIZE);
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)buf, .len = size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_copy copy = {
		.dst = (uintptr_t)buf, .src = (uintptr_t)pattern, .len = PAGE_SIZE,
	};
	struct uffdio_zeropage zero = {
		.range = { .start = (uintptr_t)buf + PAGE_SIZE, .len = PAGE_SIZE },
	};
	int uffd, to_child[2];
	char token;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	igt_require_f(uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	igt_assert_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	igt_assert_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	vsvm_pattern_fill(pattern, PAGE_SIZE, 71);
	igt_assert_eq(ioctl(uffd, UFFDIO_COPY, &copy), 0);
	igt_assert_eq(ioctl(uffd, UFFDIO_ZEROPAGE, &zero), 0);

	/* The child shares page 0 copy-on-write and checks it after our writes. */
	igt_assert_eq(pipe(to_child), 0);
	igt_fork(child, 1) {
		close(to_child[1]);
		igt_assert_eq(read(to_child[0], &token, 1), 1);
		igt_assert_f(vsvm_pattern_mismatch(buf, PAGE_SIZE, 71) == SIZE_MAX,
			     "the child saw the parent's device write in its copy\n");
	}
	close(to_child[0]);

	/* The zero page, then the copy-on-write page: both as a CPU store would. */
	igt_assert_job_ok(vsvm_fill(svm.fd, svm.vm, buf + PAGE_SIZE, PAGE_SIZE, fill_value(5)));
	igt_assert_job_ok(vsvm_fill(svm.fd, svm.vm, buf, PAGE_SIZE, fill_value(6)));
	igt_assert_eq_u64(vsvm_fill_mismatch(buf, PAGE_SIZE, fill_value(6)), SIZE_MAX);
	igt_assert_eq_u64(vsvm_fill_mismatch(buf + PAGE_SIZE, PAGE_SIZE, fill_value(5)), SIZE_MAX);

	igt_assert_eq(write(to_child[1], "x", 1), 1);
	igt_waitchildren();
	close(to_child[1]);
	close(uffd);
	unmap(buf, size);
	unmap(pattern, PAGE_SIZE);
}

/* ---- races and load ------------------------------------------------------------------- */

/*
 * A thread that unmaps the region and maps it again with the pattern, over
 * and over, pausing at random so that some device jobs find it whole. The
 * new mapping uses MAP_FIXED_NOREPLACE: if anything else took the address
 * meanwhile, the thread stops with EEXIST instead of clobbering it.
 */
struct remapper {
	uint8_t *region;
	size_t size;
	uint32_t seed;
	atomic_bool stop;
	atomic_int error;
	atomic_ulong remaps;
};

static void *remap_loop(void *arg)
{
	struct remapper *r = arg;
	unsigned int rand_state = 1;

	while (!atomic_load(&r->stop)) {
		if (munmap(r->region, r->size) ||
		    mmap(r->region, r->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != r->region) {
			atomic_store(&r->error, errno ? errno : EEXIST);
			break;
		}
		vsvm_pattern_fill(r->region, r->size, r->seed);
		atomic_fetch_add(&r->remaps, 1);
		usleep(rand_r(&rand_state) % 1000);
	}

	return NULL;
}

static void test_munmap_race(void)
{
	const size_t size = 16 * PAGE_SIZE;
	const unsigned int max_jobs = 5000;
	const int64_t budget = vsvm_timeout_in(60 * VSVM_NSEC_PER_SEC);
	struct remapper r = { .region = map_anon(size), .size = size, .seed = 37 };
	uint8_t *copy = map_anon(size);
	struct drm_vsvm_cmd cmd = vsvm_cmd_copy(copy, r.region, size);
	unsigned int jobs, ok = 0, faults = 0;
	pthread_t thread;

	vsvm_pattern_fill(r.region, size, r.seed);
	mark();
	igt_assert_eq(pthread_create(&thread, NULL, remap_loop, &r), 0);

	/* Until the retry path was taken and some jobs completed, within bounds. */
	for (jobs = 0; jobs < max_jobs && vsvm_now_ns() < budget; jobs++) {
		struct vsvm_job_status status;
		int ret;

		ret = __vsvm_run(svm.fd, svm.vm, &cmd, 1, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS),
				 &status);
		igt_assert_f(ret == 0, "job %u: %d (%s)\n", jobs, ret, strerror(-ret));
		if (status.status == DRM_VSVM_JOB_OK) {
			/* Each byte comes from a mapping: a fresh one (0) or a filled one. */
			for (size_t i = 0; i < size; i++)
				igt_assert_f(!copy[i] || copy[i] == vsvm_pattern_byte(r.seed, i),
					     "job %u: byte %zu is %#x\n", jobs, i, copy[i]);
			ok++;
		} else {
			igt_assert_f(status.status == DRM_VSVM_JOB_FAULT,
				     "job %u ended %s: the fault did not converge\n", jobs,
				     vsvm_job_status_name(status.status));
			igt_assert(status.fault_addr >= (uintptr_t)r.region &&
				   status.fault_addr < (uintptr_t)r.region + size);
			igt_assert_eq(status.fault_access, READ);
			faults++;
		}

		if (jobs % 16 == 15) {
			since();
			if (svm.delta[COUNTER(FAULT_RETRIES)] && ok && faults)
				break;
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(thread, NULL);
	igt_assert_eq(atomic_load(&r.error), 0);

	since();
	igt_info("%u jobs: %u OK, %u FAULT; %lu remaps, %llu fault retries\n", jobs, ok, faults,
		 atomic_load(&r.remaps),
		 (unsigned long long)svm.delta[COUNTER(FAULT_RETRIES)]);
	assert_moved(FAULT_RETRIES, 1);
	igt_assert(ok > 0);
	unmap(copy, size);
	unmap(r.region, size);
}

/* Invalidates one page of the notifier window in bursts (MADV_DONTNEED). */
struct churner {
	uint8_t *page;
	atomic_bool stop;
	atomic_ulong rounds;
};

static void *churn_loop(void *arg)
{
	struct churner *c = arg;

	while (!atomic_load(&c->stop)) {
		int64_t burst_end = vsvm_now_ns() + 40 * 1000 * 1000;

		while (vsvm_now_ns() < burst_end) {
			c->page[0] = 1;
			madvise(c->page, PAGE_SIZE, MADV_DONTNEED);
			atomic_fetch_add(&c->rounds, 1);
		}
		usleep(20 * 1000);
	}
	return NULL;
}

/*
 * Collisions with invalidations are progress on the CPU side, not an error:
 * with fault_max_retries at its minimum and bursts of invalidations in the
 * same notifier window, every device read of unchanged memory ends OK with
 * the right data (the engine backs off and replays), and never RETRIES.
 */
static void test_collisions_no_retries(void)
{
	const size_t size = 32 * PAGE_SIZE;
	const int64_t budget = vsvm_timeout_in(60 * VSVM_NSEC_PER_SEC);
	struct churner c = { .page = map_anon(PAGE_SIZE) };
	uint64_t counters[DRM_VSVM_COUNTER_COUNT], expected;
	uint8_t *buf = map_anon(size);
	char path[PATH_MAX];
	unsigned int jobs;
	pthread_t thread;
	uint32_t vm;

	igt_assert_eq(vsvm_tunable_path(svm.fd, "fault_max_retries", path, sizeof(path)), 0);
	igt_require_f(access(path, W_OK) == 0, "no writable %s\n", path);
	igt_assert_eq(set_knob(path, "1"), 0);
	vm = vsvm_vm_create(svm.fd);	/* tunables apply to VMs created after */

	vsvm_pattern_fill(buf, size, 41);
	expected = vsvm_fnv1a64(buf, size);
	igt_assert_eq(pthread_create(&thread, NULL, churn_loop, &c), 0);
	for (jobs = 0; jobs < 150 && vsvm_now_ns() < budget; jobs++) {
		struct vsvm_job_status status;

		/*
		 * Drop the device's translations, keep the contents: the job
		 * faults. (PROT_NONE: a read-only VMA only downgrades them.)
		 */
		igt_assert_eq(mprotect(buf, size, PROT_NONE), 0);
		igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
		status = vsvm_checksum(svm.fd, vm, buf, size, svm.result);
		igt_assert_f(status.status == DRM_VSVM_JOB_OK, "job %u ended %s at %#llx\n", jobs,
			     vsvm_job_status_name(status.status),
			     (unsigned long long)status.fault_addr);
		igt_assert_eq_u64(*svm.result, expected);
	}
	atomic_store(&c.stop, true);
	pthread_join(thread, NULL);

	vsvm_counters(svm.fd, vm, counters);
	igt_info("%u jobs OK; %lu invalidation rounds; %llu faults, %llu fault retries\n", jobs,
		 atomic_load(&c.rounds), (unsigned long long)counters[COUNTER(FAULTS)],
		 (unsigned long long)counters[COUNTER(FAULT_RETRIES)]);
	/* The collisions happened: the test exercised what it claims. */
	igt_assert(counters[COUNTER(FAULT_RETRIES)] > 0);
	vsvm_vm_destroy(svm.fd, vm);
	unmap(buf, size);
	unmap(c.page, PAGE_SIZE);
}

/*
 * The CPU writes generation after generation into a buffer while the device
 * copies it out. Even bytes hold the generation, odd bytes a fixed pattern.
 * A job submitted after generation G was complete must see, in every even
 * byte, G or a later generation (never older data), and the odd bytes intact.
 */
struct gen_writer {
	uint8_t *buf;
	size_t size;
	atomic_uint done;	/* the last generation completely written */
};

#define GEN_LAST	255u
#define GEN_ODD_MASK	0xff00ff00ff00ff00ull
#define GEN_SEED	38

static void gen_write(uint8_t *buf, size_t size, unsigned int gen)
{
	for (size_t i = 0; i < size; i += 8) {
		uint64_t odd, word;

		vsvm_pattern_fill(&odd, 8, GEN_SEED);	/* the same odd bytes everywhere... */
		odd ^= i * 0x0100010001000100ull;	/* ...but for each word's position */
		word = (odd & GEN_ODD_MASK) | (gen * 0x0001000100010001ull);
		*(volatile uint64_t *)(buf + i) = word;
	}
}

static uint8_t gen_odd_byte(size_t offset)
{
	uint64_t odd;

	vsvm_pattern_fill(&odd, 8, GEN_SEED);
	odd ^= (offset & ~7ul) * 0x0100010001000100ull;
	return odd >> (8 * (offset % 8));
}

static void *gen_loop(void *arg)
{
	struct gen_writer *w = arg;

	for (unsigned int gen = 1; gen <= GEN_LAST; gen++) {
		gen_write(w->buf, w->size, gen);
		atomic_store_explicit(&w->done, gen, memory_order_release);
		usleep(1000);
	}

	return NULL;
}

static void assert_generations(const uint8_t *copy, size_t size, unsigned int min_gen)
{
	for (size_t i = 0; i < size; i++) {
		if (i % 2)
			igt_assert_f(copy[i] == gen_odd_byte(i), "byte %zu is %#x, expected %#x\n",
				     i, copy[i], gen_odd_byte(i));
		else
			igt_assert_f(copy[i] >= min_gen,
				     "byte %zu is generation %u, older than %u\n", i, copy[i],
				     min_gen);
	}
}

static void test_cpu_write_race(void)
{
	const size_t size = 16 * PAGE_SIZE;
	struct gen_writer w = { .buf = map_anon(size), .size = size };
	uint8_t *copy = map_anon(size);
	unsigned int racing = 0, gen;
	pthread_t thread;

	gen_write(w.buf, size, 0);
	igt_assert_eq(pthread_create(&thread, NULL, gen_loop, &w), 0);
	while ((gen = atomic_load_explicit(&w.done, memory_order_acquire)) < GEN_LAST) {
		device_copy(copy, w.buf, size);
		assert_generations(copy, size, gen);
		racing++;
	}
	pthread_join(thread, NULL);
	igt_info("%u jobs raced the writer\n", racing);
	igt_assert(racing > 0);

	/* Writer done: the device sees the last generation exactly. */
	device_copy(copy, w.buf, size);
	assert_generations(copy, size, GEN_LAST);
	igt_assert_eq(memcmp(copy, w.buf, size), 0);
	unmap(copy, size);
	unmap(w.buf, size);
}

/*
 * Threads submitting jobs at once: each fills a range of its own, all fill
 * one shared range (first touched by the device, at the same time, with the
 * same value), read one shared range, and fault fresh mappings. Threads may
 * not igt_assert(): each reports its first error in @error.
 */
enum { NUM_THREADS = 4, THREAD_ITERATIONS = 8 };

struct fault_thread {
	unsigned int id;
	uint32_t vm;
	uint8_t *own, *same, *shared;
	size_t size;
	uint64_t shared_hash;
	char error[256];
};

#define SAME_VALUE	0x5ca1ab1e0ddba11ull

static bool thread_job(struct fault_thread *t, const struct drm_vsvm_cmd *cmd, const char *what)
{
	struct vsvm_job_status status;
	int ret = __vsvm_run(svm.fd, t->vm, cmd, 1, vsvm_timeout_in(VSVM_JOB_TIMEOUT_NS),
			     &status);

	if (ret)
		snprintf(t->error, sizeof(t->error), "thread %u, %s: %s", t->id, what,
			 strerror(-ret));
	else if (status.status != DRM_VSVM_JOB_OK)
		snprintf(t->error, sizeof(t->error), "thread %u, %s: job %s at %#llx", t->id,
			 what, vsvm_job_status_name(status.status),
			 (unsigned long long)status.fault_addr);
	return !t->error[0];
}

static bool thread_check(struct fault_thread *t, bool ok, const char *what)
{
	if (!ok)
		snprintf(t->error, sizeof(t->error), "thread %u: %s", t->id, what);
	return ok;
}

static void *fault_loop(void *arg)
{
	struct fault_thread *t = arg;
	uint64_t result;

	for (unsigned int i = 0; i < THREAD_ITERATIONS; i++) {
		uint64_t value = fill_value(100 * t->id + i);
		struct drm_vsvm_cmd own = vsvm_cmd_fill(t->own, t->size, value);
		struct drm_vsvm_cmd same = vsvm_cmd_fill(t->same, t->size, SAME_VALUE);
		struct drm_vsvm_cmd shared = vsvm_cmd_checksum(t->shared, t->size, &result);
		struct drm_vsvm_cmd fresh;
		uint8_t *page;

		if (!thread_job(t, &own, "own fill") ||
		    !thread_check(t, vsvm_fill_mismatch(t->own, t->size, value) == SIZE_MAX,
				  "own range not filled") ||
		    !thread_job(t, &same, "shared fill") ||
		    !thread_job(t, &shared, "shared checksum") ||
		    !thread_check(t, result == t->shared_hash, "shared checksum differs"))
			break;

		page = mmap(NULL, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!thread_check(t, page != MAP_FAILED, "mmap failed"))
			break;
		fresh = vsvm_cmd_fill(page, 8 * PAGE_SIZE, value);
		if (!thread_job(t, &fresh, "fresh fill") ||
		    !thread_check(t, vsvm_fill_mismatch(page, 8 * PAGE_SIZE, value) == SIZE_MAX,
				  "fresh range not filled"))
			break;
		munmap(page, 8 * PAGE_SIZE);
	}

	return NULL;
}

static void test_many_threads(void)
{
	const size_t size = 16 * PAGE_SIZE;
	uint8_t *own = map_anon(NUM_THREADS * size), *same = map_anon(size);
	uint8_t *shared = map_anon(size);
	struct fault_thread threads[NUM_THREADS] = {};
	pthread_t ids[NUM_THREADS];
	uint64_t before[2][DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	/* Half the threads share the subtest's VM, the other half another VM. */
	uint32_t vms[2] = { svm.vm, vsvm_vm_create(svm.fd) };

	vsvm_pattern_fill(shared, size, 39);
	for (unsigned int v = 0; v < 2; v++)
		mark_vm(vms[v], before[v]);

	for (unsigned int i = 0; i < NUM_THREADS; i++) {
		threads[i] = (struct fault_thread) {
			.id = i,
			.vm = vms[i % 2],
			.own = own + i * size,
			.same = same,
			.shared = shared,
			.size = size,
			.shared_hash = vsvm_fnv1a64(shared, size),
		};
		igt_assert_eq(pthread_create(&ids[i], NULL, fault_loop, &threads[i]), 0);
	}
	for (unsigned int i = 0; i < NUM_THREADS; i++)
		pthread_join(ids[i], NULL);
	for (unsigned int i = 0; i < NUM_THREADS; i++)
		igt_assert_f(!threads[i].error[0], "%s\n", threads[i].error);

	for (unsigned int i = 0; i < NUM_THREADS; i++)
		igt_assert_filled(own + i * size, size,
				  fill_value(100 * i + THREAD_ITERATIONS - 1));
	igt_assert_filled(same, size, SAME_VALUE);
	igt_assert_pattern(shared, size, 39);

	for (unsigned int v = 0; v < 2; v++) {
		vsvm_counters_delta(svm.fd, vms[v], before[v], delta);
		assert_moved_in(delta, FAULTS, 1);
		assert_moved_by_in(delta, FAULTS_FATAL, 0);
	}
	vsvm_vm_destroy(svm.fd, vms[1]);
	unmap(shared, size);
	unmap(same, size);
	unmap(own, NUM_THREADS * size);
}

static void test_many_vms(void)
{
	enum { NUM_VMS = 4, SLICE = 4 * PAGE_SIZE };
	const size_t size = NUM_VMS * SLICE;
	uint8_t *buf = map_anon(size), *fresh = map_anon(SLICE);
	uint64_t before[NUM_VMS][DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	uint32_t vms[NUM_VMS] = { svm.vm };

	for (unsigned int i = 1; i < NUM_VMS; i++)
		vms[i] = vsvm_vm_create(svm.fd);

	/* Each VM writes a slice; every VM then reads them all: they mirror one mm. */
	for (unsigned int i = 0; i < NUM_VMS; i++)
		igt_assert_job_ok(vsvm_fill(svm.fd, vms[i], buf + i * SLICE, SLICE,
					    fill_value(70 + i)));
	for (unsigned int i = 0; i < NUM_VMS; i++)
		igt_assert_filled(buf + i * SLICE, SLICE, fill_value(70 + i));
	for (unsigned int i = 0; i < NUM_VMS; i++)
		igt_assert_eq_u64(device_hash_vm(vms[i], buf, size), vsvm_fnv1a64(buf, size));

	/* One VM's faults are its own. */
	for (unsigned int i = 0; i < NUM_VMS; i++)
		mark_vm(vms[i], before[i]);
	igt_assert_job_ok(vsvm_fill(svm.fd, vms[0], fresh, SLICE, 0));
	for (unsigned int i = 0; i < NUM_VMS; i++) {
		vsvm_counters_delta(svm.fd, vms[i], before[i], delta);
		if (i == 0)
			assert_moved_in(delta, FAULTS, 1);
		else
			assert_moved_by_in(delta, FAULTS, 0);
	}

	/* An munmap reaches every VM that mirrors the range. */
	for (unsigned int i = 0; i < NUM_VMS; i++)
		mark_vm(vms[i], before[i]);
	unmap(buf, SLICE);
	for (unsigned int i = 0; i < NUM_VMS; i++) {
		struct vsvm_job_status status;

		vsvm_counters_delta(svm.fd, vms[i], before[i], delta);
		assert_moved_in(delta, INVAL_UNMAP, 1);
		assert_moved_in(delta, PTES_ZAPPED, SLICE / PAGE_SIZE);
		status = vsvm_checksum(svm.fd, vms[i], buf, size, svm.result);
		igt_assert_job_fault(status, buf, READ);
	}

	/* The others gone, the first VM still works. */
	for (unsigned int i = 1; i < NUM_VMS; i++)
		vsvm_vm_destroy(svm.fd, vms[i]);
	igt_assert_device_sees_cpu(buf + SLICE, size - SLICE);
	unmap(fresh, SLICE);
	unmap(buf + SLICE, size - SLICE);
}

static void test_many_processes(void)
{
	enum { NUM_CHILDREN = 4, SLICE = 16 * PAGE_SIZE };
	uint8_t *shared = map(NUM_CHILDREN * SLICE, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1);

	igt_fork(child, NUM_CHILDREN) {
		uint8_t *own = map_anon(SLICE);

		/* Each child mirrors itself in a VM of its own file. */
		svm.fd = vsvm_open_render_node(0, svm.path, sizeof(svm.path));
		igt_assert_fd(svm.fd);
		svm.vm = vsvm_vm_create(svm.fd);
		for (unsigned int i = 0; i < 4; i++)
			exercise(own, SLICE, 80 + 10 * child + i);
		device_fill(shared + child * SLICE, SLICE, fill_value(90 + child));

		/* Half the children leave their VM for the process exit to tear down. */
		if (child % 2)
			vsvm_vm_destroy(svm.fd, svm.vm);
	}
	igt_waitchildren_timeout(200, "processes using their own VMs");

	for (unsigned int i = 0; i < NUM_CHILDREN; i++)
		igt_assert_filled(shared + i * SLICE, SLICE, fill_value(90 + i));
	igt_assert_device_sees_cpu(shared, NUM_CHILDREN * SLICE);
	unmap(shared, NUM_CHILDREN * SLICE);
}

static void test_many_small_allocs(void)
{
	enum { COUNT = 100000, SIZE = 24 };
	uint8_t **ptrs = calloc(COUNT, sizeof(*ptrs)), *flat = map_anon(COUNT * SIZE);
	struct drm_vsvm_cmd *cmds = calloc(DRM_VSVM_EXEC_MAX_CMDS, sizeof(*cmds));

	igt_assert(ptrs && cmds);
	for (unsigned int i = 0; i < COUNT; i++) {
		ptrs[i] = malloc(SIZE);
		igt_assert(ptrs[i]);
	}

	/* The device fills every allocation, then copies each into one flat array. */
	mark();
	for (unsigned int first = 0; first < COUNT; first += DRM_VSVM_EXEC_MAX_CMDS) {
		unsigned int n = COUNT - first < DRM_VSVM_EXEC_MAX_CMDS ?
				 COUNT - first : DRM_VSVM_EXEC_MAX_CMDS;

		for (unsigned int i = 0; i < n; i++)
			cmds[i] = vsvm_cmd_fill(ptrs[first + i], SIZE, fill_value(first + i));
		igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, n));
		for (unsigned int i = 0; i < n; i++)
			cmds[i] = vsvm_cmd_copy(flat + (first + i) * SIZE, ptrs[first + i], SIZE);
		igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, n));
	}
	since();
	assert_moved(FAULTS, 1);
	assert_moved_by(FAULTS_FATAL, 0);

	for (unsigned int i = 0; i < COUNT; i++) {
		igt_assert_filled(ptrs[i], SIZE, fill_value(i));
		igt_assert_filled(flat + i * SIZE, SIZE, fill_value(i));
	}
	/* malloc's own bookkeeping between the objects survived: free() checks it. */
	for (unsigned int i = 0; i < COUNT; i++)
		free(ptrs[i]);
	free(cmds);
	free(ptrs);
	unmap(flat, COUNT * SIZE);
}

static void test_sparse_8g(void)
{
	enum { TOUCHES = 128 };
	const size_t size = 8ull << 30, stride = size / TOUCHES;
	struct drm_vsvm_cmd cmds[TOUCHES];
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];
	uint8_t *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_require_f(buf != MAP_FAILED, "8 GiB mapping: %s\n", strerror(errno));

	/* One page every 64 MiB. */
	mark();
	for (unsigned int i = 0; i < TOUCHES; i++)
		cmds[i] = vsvm_cmd_fill(buf + i * stride, PAGE_SIZE, fill_value(i));
	igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, TOUCHES));
	since();
	igt_assert_lte_u64(TOUCHES, mapped_pages());

	/*
	 * For the lead: a page table sized for the sparse use, not for the
	 * 8 GiB range. 128 scattered pages need about 128 leaf tables (512
	 * KiB); a table per 2 MiB of the whole range would be 16 MiB.
	 */
	vsvm_counters(svm.fd, svm.vm, counters);
	igt_info("page table: %llu bytes\n", (unsigned long long)counters[COUNTER(PT_BYTES)]);
	igt_assert_lt_u64(counters[COUNTER(PT_BYTES)], 16ull << 20);

	for (unsigned int i = 0; i < TOUCHES; i++) {
		igt_assert_filled(buf + i * stride, PAGE_SIZE, fill_value(i));
		igt_assert_filled(buf + i * stride + PAGE_SIZE, PAGE_SIZE, 0);
	}
	igt_assert_device_sees_cpu(buf + stride / 2, 2 * PAGE_SIZE);

	mark();
	unmap(buf, size);
	since();
	assert_moved(INVAL_UNMAP, 1);
	assert_moved(PTES_ZAPPED, TOUCHES);
}

/* ---- device side ---------------------------------------------------------------------- */

static void test_bad_address(void)
{
	uint8_t *page = map_anon(2 * PAGE_SIZE), *hole = page + PAGE_SIZE;
	struct drm_vsvm_cmd cmds[2];
	struct vsvm_job_status status;

	/* Nothing is mapped at @hole, and nothing will be: this test maps nothing more. */
	unmap(hole, PAGE_SIZE);
	vsvm_pattern_fill(page, PAGE_SIZE, 40);

	mark();
	igt_assert_job_fault(device_read(hole, PAGE_SIZE), hole, READ);
	igt_assert_job_fault(device_write(hole, PAGE_SIZE), hole, WRITE);

	/* A read that starts mapped and runs into the hole faults at the hole's first byte. */
	igt_assert_job_fault(device_read(hole - 100, 200), hole, READ);

	/* In a job of several commands, the ones before the fault have run. */
	cmds[0] = vsvm_cmd_fill(page, 64, fill_value(65));
	cmds[1] = vsvm_cmd_checksum(hole, 8, svm.result);
	status = vsvm_run(svm.fd, svm.vm, cmds, 2);
	igt_assert_job_fault(status, hole, READ);
	igt_assert_eq(status.cmd_index, 1);
	igt_assert_filled(page, 64, fill_value(65));
	since();
	assert_moved_by(FAULTS_FATAL, 4);
	assert_moved(FAULTS, 4);

	/* The VM still works. */
	igt_assert_device_sees_cpu(page, PAGE_SIZE);
	device_fill(page, PAGE_SIZE, fill_value(66));
	igt_assert_filled(page, PAGE_SIZE, fill_value(66));
	unmap(page, PAGE_SIZE);
}

/*
 * Address 0 is an address like any other: nothing is mapped there, so every
 * command that touches it faults at 0 and moves no data (the engine once
 * took 0 for "no operand" and used page frame 0).
 */
static void test_null_address(void)
{
	uint8_t *page = map_anon(PAGE_SIZE);
	struct drm_vsvm_cmd cmd;

	vsvm_pattern_fill(page, PAGE_SIZE, 41);
	igt_assert_job_fault(device_read(NULL, 64), NULL, READ);
	igt_assert_job_fault(device_write(NULL, 64), NULL, WRITE);
	cmd = vsvm_cmd_copy(page, NULL, 64);
	igt_assert_job_fault(vsvm_run(svm.fd, svm.vm, &cmd, 1), NULL, READ);
	cmd = vsvm_cmd_copy(NULL, page, 64);
	igt_assert_job_fault(vsvm_run(svm.fd, svm.vm, &cmd, 1), NULL, WRITE);
	cmd = vsvm_cmd_checksum(page, 64, NULL);
	igt_assert_job_fault(vsvm_run(svm.fd, svm.vm, &cmd, 1), NULL, WRITE);
	igt_assert_pattern(page, PAGE_SIZE, 41);
	unmap(page, PAGE_SIZE);
}

static void test_exit_with_job(void)
{
	struct {
		uint32_t vm;
		uint64_t job;
	} msg;
	struct drm_vsvm_cmd cmd = vsvm_cmd_fill(svm.result, 8, 0);
	struct drm_vsvm_exec exec = {
		.engine = DRM_VSVM_ENGINE_COPY,
		.cmds_ptr = (uintptr_t)&cmd,
		.num_cmds = 1,
	};
	uint64_t counters[DRM_VSVM_COUNTER_COUNT];
	int to_parent[2], to_child[2], ret;
	uint8_t *buf = map_anon(16 * PAGE_SIZE);

	igt_assert_eq(pipe(to_parent), 0);
	igt_assert_eq(pipe(to_child), 0);
	igt_fork(child, 1) {
		char path[PATH_MAX];
		int own = vsvm_open_render_node(0, path, sizeof(path));
		int64_t deadline = vsvm_timeout_in(30 * VSVM_NSEC_PER_SEC);

		/* A long job in a file only the child has: closed as the child exits. */
		igt_assert_fd(own);
		vsvm_submit_long_job(own, vsvm_vm_create(own));

		/* A long job in a VM of the file the parent shares: it outlives the child. */
		msg.vm = vsvm_vm_create(svm.fd);
		msg.job = vsvm_submit_long_job(svm.fd, msg.vm);
		/* Let it fault, so that its mirror has something to release. */
		do {
			vsvm_counters(svm.fd, msg.vm, counters);
		} while (!counters[COUNTER(FAULTS)] && vsvm_now_ns() < deadline);
		igt_assert(counters[COUNTER(FAULTS)]);

		igt_assert_eq(write(to_parent[1], &msg, sizeof(msg)), sizeof(msg));
		sync_read(to_child[0]);
	}
	igt_assert_eq(read(to_parent[0], &msg, sizeof(msg)), sizeof(msg));

	/* While the child lives, its VM is not the parent's to use. */
	exec.vm_id = msg.vm;
	igt_assert_eq(__vsvm_exec(svm.fd, &exec), -EACCES);

	/* The child exits with both jobs running: that must not hang... */
	sync_write(to_child[1]);
	igt_waitchildren_timeout(60, "a process exiting with jobs running");

	/* ...the job in the shared file ends, its address space gone... */
	igt_assert_eq(vsvm_wait(svm.fd, msg.vm, msg.job,
				vsvm_timeout_in(60 * VSVM_NSEC_PER_SEC)).status,
		      DRM_VSVM_JOB_NO_MM);
	vsvm_counters(svm.fd, msg.vm, counters);
	igt_assert_lte_u64(1, counters[COUNTER(INVAL_RELEASE)]);

	/*
	 * ...and the VM takes no more jobs. For the lead: the uapi gives
	 * -ESRCH once the process is gone and -EACCES to another process;
	 * for another process after the owner's exit either reads right.
	 */
	ret = __vsvm_exec(svm.fd, &exec);
	igt_assert_f(ret == -ESRCH || ret == -EACCES, "EXEC in a dead process's VM: %d\n", ret);
	vsvm_vm_destroy(svm.fd, msg.vm);

	/* The parent's own VM is unaffected. */
	exercise(buf, 16 * PAGE_SIZE, 41);
	for (unsigned int i = 0; i < 2; i++) {
		close(to_parent[i]);
		close(to_child[i]);
	}
	unmap(buf, 16 * PAGE_SIZE);
}

/* ---- copy-engine semantics the tests above rely on ------------------------------------ */

static void test_engine_checksum(void)
{
	static const size_t sizes[] = { 1, 7, 8, 9, 4095, 4096, 4097, 3 * 4096 + 5 };
	uint64_t *results = (uint64_t *)map_anon(PAGE_SIZE);
	uint8_t *buf = map_anon(5 * PAGE_SIZE);
	struct drm_vsvm_cmd cmds[2 * ARRAY_SIZE(sizes) + 1];
	unsigned int n = 0;

	/* The host reference is FNV-1a 64: check it on the published test vectors. */
	igt_assert_eq_u64(vsvm_fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
	igt_assert_eq_u64(vsvm_fnv1a64("foobar", 6), 0x85944171f73967e8ull);

	memcpy(buf, "foobar", 6);
	cmds[n++] = vsvm_cmd_checksum(buf, 6, &results[0]);
	vsvm_pattern_fill(buf + 8, 4 * PAGE_SIZE, 42);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Aligned and misaligned sources. */
		cmds[n] = vsvm_cmd_checksum(buf + 8, sizes[i], &results[n]);
		n++;
		cmds[n] = vsvm_cmd_checksum(buf + 8 + 3, sizes[i], &results[n]);
		n++;
	}
	igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, n));

	igt_assert_eq_u64(results[0], 0x85944171f73967e8ull);
	for (unsigned int i = 1; i < n; i++)
		igt_assert_eq_u64(results[i], vsvm_fnv1a64((void *)(uintptr_t)cmds[i].src,
							   cmds[i].size));
	unmap(buf, 5 * PAGE_SIZE);
	unmap(results, PAGE_SIZE);
}

static void test_engine_fill(void)
{
	const uint64_t value = 0x0807060504030201ull;
	const size_t slot = 64;
	uint8_t *buf = map_anon(PAGE_SIZE), *expected = map_anon(PAGE_SIZE);
	struct drm_vsvm_cmd cmds[8 * 4];
	unsigned int n = 0;

	/* Every destination alignment, with sizes around a word. */
	memset(buf, 0xee, PAGE_SIZE);
	memset(expected, 0xee, PAGE_SIZE);
	for (unsigned int offset = 0; offset < 8; offset++) {
		for (unsigned int size = 1; size <= 17; size += 5) {
			uint8_t *dst = buf + n * slot + offset;

			cmds[n] = vsvm_cmd_fill(dst, size, value);
			/* Byte i of the destination is byte i % 8 of the value. */
			for (unsigned int i = 0; i < size; i++)
				expected[n * slot + offset + i] = value >> (8 * (i % 8));
			n++;
		}
	}
	igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, n));
	igt_assert_eq(memcmp(buf, expected, PAGE_SIZE), 0);
	unmap(expected, PAGE_SIZE);
	unmap(buf, PAGE_SIZE);
}

static void test_engine_copy_overlap(void)
{
	const size_t size = 2 * PAGE_SIZE + 3, shift = 1000;
	uint8_t *buf = map_anon(3 * PAGE_SIZE + shift), *expected = map_anon(3 * PAGE_SIZE + shift);

	/* Overlapping copies behave as if through a temporary buffer, both ways. */
	vsvm_pattern_fill(buf, 3 * PAGE_SIZE + shift, 43);
	memcpy(expected, buf, 3 * PAGE_SIZE + shift);
	device_copy(buf + shift, buf, size);
	memmove(expected + shift, expected, size);
	igt_assert_eq(memcmp(buf, expected, 3 * PAGE_SIZE + shift), 0);

	device_copy(buf + 1, buf + shift + 7, size);
	memmove(expected + 1, expected + shift + 7, size);
	igt_assert_eq(memcmp(buf, expected, 3 * PAGE_SIZE + shift), 0);
	unmap(expected, 3 * PAGE_SIZE + shift);
	unmap(buf, 3 * PAGE_SIZE + shift);
}

/*
 * Pages of a command the copy engine processes per hold of the notifier lock
 * (VSVM_COPY_BATCH_PAGES in the driver): the spans below cover several
 * batches, and the hole sits in the middle of the second one.
 */
#define ENGINE_BATCH_PAGES	64
#define ENGINE_SPAN_PAGES	(2 * ENGINE_BATCH_PAGES + 23)
#define ENGINE_HOLE_PAGE	(ENGINE_BATCH_PAGES + 3)	/* odd, mid-batch */

/*
 * @pages pages ending 40 pages after a 2 MiB boundary of a THP-advised
 * mapping, so that the engine walks a 2 MiB leaf (when THP backs it) into 4
 * KiB ones or another 2 MiB leaf. Free with unmap(*@raw, 4 * SZ_2M).
 */
static uint8_t *engine_span(uint8_t **raw)
{
	uint8_t *base;

	*raw = map_anon(4 * SZ_2M);
	base = (uint8_t *)ALIGN_UP((uintptr_t)*raw, SZ_2M);
	/* No THP is fine too: the walk is then one 4 KiB leaf after another. */
	madvise(base, 2 * SZ_2M, MADV_HUGEPAGE);
	return base + SZ_2M - (ENGINE_SPAN_PAGES - 40) * PAGE_SIZE;
}

/* Fails unless @st is a fatal fault of the given access at @addr. */
static void assert_engine_fault(struct vsvm_job_status st, const void *addr, uint32_t access)
{
	igt_assert_f(st.status == DRM_VSVM_JOB_FAULT, "the job ended %s, expected FAULT\n",
		     vsvm_job_status_name(st.status));
	igt_assert_eq_u64(st.fault_addr, (uintptr_t)addr);
	igt_assert_eq_u32(st.fault_access, access);
}

/*
 * Commands of more than a batch, across a 2 MiB boundary, at unaligned
 * addresses: COPY, FILL (a pattern of eight different bytes and one of equal
 * bytes), CHECKSUM against the CPU's FNV-1a, and overlapping COPYs forwards
 * and backwards, each against the CPU doing the same.
 */
static void test_engine_batches(void)
{
	const size_t size = (ENGINE_SPAN_PAGES - 2) * PAGE_SIZE + 77;
	const size_t area = ENGINE_SPAN_PAGES * PAGE_SIZE;
	uint8_t *raw_a, *raw_b, *a = engine_span(&raw_a), *b = engine_span(&raw_b);
	uint8_t *expected = map_anon(area);

	vsvm_pattern_fill(a, area, 71);
	memset(b, 0xee, area);
	/* The engine sees the CPU's bytes through whatever leaves the faults made. */
	igt_assert_eq_u64(device_hash(a + 123, size), vsvm_fnv1a64(a + 123, size));
	igt_assert_eq_u64(device_hash(a, area), vsvm_fnv1a64(a, area));

	/* COPY with source and destination offsets that differ within the page. */
	device_copy(b + 300, a + 123, size);
	memset(expected, 0xee, area);
	memcpy(expected + 300, a + 123, size);
	igt_assert_eq(memcmp(b, expected, area), 0);

	/* FILL of eight equal bytes, then of eight different ones over it. */
	device_fill(b + 3, size, 0x5a5a5a5a5a5a5a5aull);
	igt_assert_filled(b + 3, size, 0x5a5a5a5a5a5a5a5aull);
	igt_assert_eq(b[2], expected[2]);
	igt_assert_eq(b[3 + size], expected[3 + size]);
	/* The pattern's phase follows the offset from the destination. */
	device_fill(b + 5, size, fill_value(72));
	igt_assert_filled(b + 5, size, fill_value(72));
	igt_assert_eq(b[4], 0x5a);
	igt_assert_eq(b[5 + size], expected[5 + size]);

	/* Overlapping COPYs of more than a batch, backwards then forwards. */
	memcpy(b, a, area);
	memcpy(expected, a, area);
	device_copy(b + 5 * PAGE_SIZE + 17, b, size - 5 * PAGE_SIZE);
	memmove(expected + 5 * PAGE_SIZE + 17, expected, size - 5 * PAGE_SIZE);
	igt_assert_eq(memcmp(b, expected, area), 0);
	device_copy(b + 9, b + 3 * PAGE_SIZE + 1000, size - 4 * PAGE_SIZE);
	memmove(expected + 9, expected + 3 * PAGE_SIZE + 1000, size - 4 * PAGE_SIZE);
	igt_assert_eq(memcmp(b, expected, area), 0);
	igt_assert_eq_u64(device_hash(b + 1, size), vsvm_fnv1a64(b + 1, size));

	unmap(expected, area);
	unmap(raw_b, 4 * SZ_2M);
	unmap(raw_a, 4 * SZ_2M);
}

/*
 * A hole (an unmapped page) at an odd page in the middle of a batch: each
 * command fails with the hole's first byte as the fault address and the
 * right access, having done everything before the hole and nothing after.
 */
static void test_engine_batch_hole(void)
{
	const size_t area = ENGINE_SPAN_PAGES * PAGE_SIZE, hole = ENGINE_HOLE_PAGE * PAGE_SIZE;
	const size_t size = area - 3 * PAGE_SIZE;
	uint8_t *raw_a, *raw_b, *a = engine_span(&raw_a), *b = engine_span(&raw_b);
	uint8_t *expected = map_anon(area);
	uint64_t *result = svm.result;

	vsvm_pattern_fill(a, area, 73);
	memset(b, 0xee, area);
	memset(expected, 0xee, area);
	igt_assert_eq(munmap(a + hole, PAGE_SIZE), 0);

	/* COPY from a source with a hole: the bytes before it arrive, no later one. */
	assert_engine_fault(vsvm_copy(svm.fd, svm.vm, b + 300, a + 100, size), a + hole, READ);
	memcpy(expected + 300, a + 100, hole - 100);
	igt_assert_eq(memcmp(b, expected, area), 0);

	/* CHECKSUM over the hole: a read fault there; the result is not written. */
	*result = 0x1234;
	assert_engine_fault(vsvm_checksum(svm.fd, svm.vm, a + 100, size, result), a + hole, READ);
	igt_assert_eq_u64(*result, 0x1234);

	/* A hole in the destination too, at the same page. */
	igt_assert_eq(munmap(b + hole, PAGE_SIZE), 0);
	memset(b, 0xee, hole);
	memset(b + hole + PAGE_SIZE, 0xee, area - hole - PAGE_SIZE);

	/* FILL: a write fault at the hole, the pattern up to it, nothing after. */
	assert_engine_fault(vsvm_fill(svm.fd, svm.vm, b + 100, size, fill_value(74)), b + hole,
			    WRITE);
	igt_assert_filled(b + 100, hole - 100, fill_value(74));
	igt_assert_eq(b[99], 0xee);
	igt_assert_eq(memcmp(b + hole + PAGE_SIZE, expected + hole + PAGE_SIZE,
			     area - hole - PAGE_SIZE), 0);

	/* Both operands reach their holes in the same piece: the source faults first. */
	memset(b, 0xee, hole);
	assert_engine_fault(vsvm_copy(svm.fd, svm.vm, b + 100, a + 100, size), a + hole, READ);
	memset(expected, 0xee, hole);
	memcpy(expected + 100, a + 100, hole - 100);
	igt_assert_eq(memcmp(b, expected, hole), 0);

	/* The destination reaches its hole two pages before the source: a write fault. */
	memset(b, 0xee, hole);
	assert_engine_fault(vsvm_copy(svm.fd, svm.vm, b + 2 * PAGE_SIZE + 100, a + 100, size),
			    b + hole, WRITE);
	memset(expected, 0xee, hole);
	memcpy(expected + 2 * PAGE_SIZE + 100, a + 100, hole - 2 * PAGE_SIZE - 100);
	igt_assert_eq(memcmp(b, expected, hole), 0);
	igt_assert_eq(memcmp(b + hole + PAGE_SIZE, expected + hole + PAGE_SIZE,
			     area - hole - PAGE_SIZE), 0);

	unmap(expected, area);
	unmap(raw_b, 4 * SZ_2M);
	unmap(raw_a, 4 * SZ_2M);
}

static void test_engine_cmd_order(void)
{
	const size_t size = 3 * PAGE_SIZE;
	uint8_t *a = map_anon(size), *b = map_anon(size);
	const struct drm_vsvm_cmd cmds[] = {
		vsvm_cmd_fill(a, size, fill_value(67)),
		vsvm_cmd_copy(b, a, size),
		vsvm_cmd_checksum(b, size, svm.result),
		vsvm_cmd_fill(a, size, fill_value(68)),
	};

	/* Each command sees the effect of the ones before it, and only those. */
	igt_assert_job_ok(vsvm_run(svm.fd, svm.vm, cmds, ARRAY_SIZE(cmds)));
	igt_assert_filled(b, size, fill_value(67));
	igt_assert_eq_u64(*svm.result, vsvm_fnv1a64(b, size));
	igt_assert_filled(a, size, fill_value(68));
	unmap(b, size);
	unmap(a, size);
}

igt_main
{
	igt_fixture {
		svm.fd = vsvm_open(svm.path, sizeof(svm.path));
		vsvm_require_caps(svm.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE);
	}

	/* The copy engine itself. */
	igt_describe("CHECKSUM computes FNV-1a 64 (checked on its published vectors) of any size "
		     "at any alignment.");
	igt_subtest("engine-checksum")
		run(test_engine_checksum);

	igt_describe("FILL writes byte i % 8 of the little-endian value at destination byte i, "
		     "at every alignment, and nothing around.");
	igt_subtest("engine-fill")
		run(test_engine_fill);

	igt_describe("COPY between overlapping ranges acts as if through a temporary buffer, "
		     "both ways.");
	igt_subtest("engine-copy-overlap")
		run(test_engine_copy_overlap);

	igt_describe("COPY, FILL and CHECKSUM of more than a lock batch (64 pages) across a 2 MiB "
		     "boundary, at unaligned addresses, and overlapping COPYs of that size both "
		     "ways, give what the CPU's memmove, fill and FNV-1a give.");
	igt_subtest("engine-batches")
		run(test_engine_batches);

	igt_describe("A hole at an odd page in the middle of a batch: COPY, FILL and CHECKSUM "
		     "fail with the hole's first byte and the right access, having done all "
		     "before the hole and nothing after; the source faults before the "
		     "destination.");
	igt_subtest("engine-batch-hole")
		run(test_engine_batch_hole);

	igt_describe("The commands of a job run in order, each seeing the effects of the ones "
		     "before.");
	igt_subtest("engine-cmd-order")
		run(test_engine_cmd_order);

	/* Memory kinds. */
	igt_describe("A small malloc object inside the brk heap: device reads and writes are "
		     "byte exact and touch nothing around the object.");
	igt_subtest("malloc-small")
		run(test_malloc_small);

	igt_describe("64 MiB of private anonymous memory: every page gets a device PTE and the "
		     "data round-trips byte for byte.");
	igt_subtest("mmap-anon-large")
		run(test_mmap_anon_large);

	igt_describe("Stack memory (the test's own frame) round-trips through the device.");
	igt_subtest("stack")
		run(test_stack);

	igt_describe("Shared anonymous memory: the device writes the shared pages, which another "
		     "process sees.");
	igt_subtest("shared-anon")
		run(test_shared_anon);

	igt_describe("memfd (shmem) memory: device writes are the file's contents (pread).");
	igt_subtest("memfd")
		run(test_memfd);

	igt_describe("A MAP_SHARED file: the device reads the page cache, its writes reach the "
		     "file (pread after msync), and it sees later write()s.");
	igt_subtest("file-shared")
		run(test_file_shared);

	igt_describe("Truncating a mapped file zaps the device's translations (CLEAR), and a "
		     "device access beyond the end of the file is a fatal fault.");
	igt_subtest("file-truncate")
		run(test_file_truncate);

	igt_describe("A MAP_PRIVATE file: a device write copies the page for the process and "
		     "leaves the file alone; later write()s show in the pages not copied, for "
		     "CPU and device alike.");
	igt_subtest("file-private")
		run(test_file_private);

	igt_describe("A transparent huge page the CPU touched is mapped by the device with a 2 "
		     "MiB PTE (MAPPED_2M) and round-trips.");
	igt_subtest("thp")
		run(test_thp);

	igt_describe("A 2 MiB hugetlb page (reserved as root if needed) round-trips through the "
		     "device.");
	igt_subtest("hugetlbfs")
		run(test_hugetlbfs);

	igt_describe("A read-only file mapping: the device reads it; a device write is a fatal "
		     "FAULT reporting the address, WRITE and the command, and writes nothing.");
	igt_subtest("read-only")
		run(test_read_only);

	igt_describe("A PROT_NONE guard page between accessible pages: device reads and writes "
		     "of it are fatal faults at its address; its neighbours work.");
	igt_subtest("guard-page")
		run(test_guard_page);

	igt_describe("Memory the CPU never touched: the device's write faults populate it "
		     "(pagemap) and the CPU reads the data.");
	igt_subtest("device-first-touch")
		run(test_device_first_touch);

	igt_describe("Memory the CPU only read (zero page): the device reads zeros, and its "
		     "write breaks copy-on-write (CLEAR) without touching the zero page.");
	igt_subtest("zero-page")
		run(test_zero_page);

	/* CPU-side changes. */
	igt_describe("munmap of a mirrored range zaps every device PTE (UNMAP, TLB flush) and a "
		     "later device access faults.");
	igt_subtest("munmap-whole")
		run(test_munmap_whole);

	igt_describe("munmap of the head, the tail and a middle hole of a mirrored range: the "
		     "rest stays mirrored (no new fault) and the holes fault at their first "
		     "address.");
	igt_subtest("munmap-partial")
		run(test_munmap_partial);

	igt_describe("New memory mapped where mirrored memory was unmapped: the device sees the "
		     "new contents, never the old pages.");
	igt_subtest("munmap-remap")
		run(test_munmap_remap);

	igt_describe("mremap growing in place keeps the old part mirrored (no new fault) and "
		     "makes the new part reachable.");
	igt_subtest("mremap-grow")
		run(test_mremap_grow);

	igt_describe("mremap shrinking zaps the cut part (UNMAP), which then faults; the kept "
		     "part stays mirrored.");
	igt_subtest("mremap-shrink")
		run(test_mremap_shrink);

	igt_describe("mremap moving a range: the device finds the data at the new address and "
		     "faults at the old one.");
	igt_subtest("mremap-move")
		run(test_mremap_move);

	igt_describe("MREMAP_DONTUNMAP: the device reads the data at the new address and zeros "
		     "at the old one, never stale pages.");
	igt_subtest("mremap-dontunmap")
		run(test_mremap_dontunmap);

	igt_describe("mprotect RW to R (PROTECTION_VMA, the VMA still readable): every device "
		     "PTE is downgraded, none zapped; reads go on without a fault, a write is a "
		     "fatal fault.");
	igt_subtest("mprotect-downgrade")
		run(test_mprotect_downgrade);

	igt_describe("mprotect to PROT_NONE zaps the device PTEs and device accesses fault; "
		     "restored, the data is intact.");
	igt_subtest("mprotect-none")
		run(test_mprotect_none);

	igt_describe("mprotect R to RW: a device write, a fatal fault before, now works through "
		     "a new fault.");
	igt_subtest("mprotect-upgrade")
		run(test_mprotect_upgrade);

	igt_describe("MADV_DONTNEED zaps the device PTEs (CLEAR) and the device then reads "
		     "zeros.");
	igt_subtest("madvise-dontneed")
		run(test_madvise_dontneed);

	igt_describe("MADV_FREE then MADV_PAGEOUT: the device reads what the CPU reads, and data "
		     "the device wrote after MADV_FREE survives reclaim.");
	igt_subtest("madvise-free")
		run(test_madvise_free);

	igt_describe("MADV_PAGEOUT swaps mirrored pages out (no pinning, CLEAR, PTEs zapped); "
		     "the device's faults bring back CPU- and device-written data intact.");
	igt_subtest("madvise-pageout")
		run(test_madvise_pageout);

	igt_describe("A MADV_DONTFORK range is not write-protected by fork(): the device goes on "
		     "writing without a fault.");
	igt_subtest("madvise-dontfork")
		run(test_madvise_dontfork);

	igt_describe("mlocked memory round-trips, and munlock leaves the mirror in place.");
	igt_subtest("mlock")
		run(test_mlock);

	igt_describe("After fork(), parent and child devices write their own copies: neither "
		     "sees the other's writes; the parent's VM is not usable from the child "
		     "(-EACCES).");
	igt_subtest("fork-cow")
		run(test_fork_cow);

	igt_describe("clear_refs soft-dirty under event_policy=precise downgrades device PTEs "
		     "(SOFT_DIRTY) without a new fault for reads; a device write makes the pages "
		     "soft-dirty in pagemap.");
	igt_subtest("soft-dirty")
		run(test_soft_dirty);

	igt_describe("clear_refs soft-dirty under event_policy=zap_all zaps device PTEs: reads "
		     "fault again; a device write makes the pages soft-dirty in pagemap.");
	igt_subtest("event-policy-zap-all")
		run(test_event_policy_zap_all);

	igt_describe("The density prefetcher: a sequential device read of 16 MiB of fresh "
		     "memory takes at least 10x fewer faults with it than without, and uses "
		     "every page it prefetched.");
	igt_subtest("density-prefetch-sequential")
		run(test_prefetch_sequential);

	igt_describe("The density prefetcher leaves random sparse reads (one page in 64) "
		     "alone: a fault per read, at most 2 % of the memory prefetched.");
	igt_subtest("density-prefetch-sparse")
		run(test_prefetch_sparse);

	igt_describe("fork(), clear_refs and mprotect RW to R under each event policy: PTEs "
		     "downgraded (precise) "
		     "or zapped (zap_all), faults of the device's next read and write; prints "
		     "the figures.");
	igt_subtest_with_dynamic("policy-figures")
		run(test_policy_figures);

	igt_describe("VM_PREFETCH populates the mirror (read, then write): the jobs that follow "
		     "take no device fault.");
	igt_subtest("prefetch")
		run(test_prefetch);

	igt_describe("move_pages(2) moves mirrored pages to the other NUMA node (no pinning); "
		     "the device's translations are zapped and its reads find the moved data.");
	igt_subtest("migrate-pages")
		run(test_migrate_pages);

	igt_describe("KSM merges identical pages the device wrote (no pinning); a later device "
		     "write to one lands in a private copy, not in the shared page.");
	igt_subtest("ksm")
		run(test_ksm);

	igt_describe("A device read of a userfaultfd missing-mode range ends (correct data or a "
		     "clean fault), never hangs.");
	igt_subtest("userfaultfd")
		run(test_userfaultfd);

	igt_describe("The same with UFFD_USER_MODE_ONLY, where kernel faults fail at once.");
	igt_subtest("userfaultfd-user-mode-only")
		run(test_userfaultfd_user_mode_only);

	igt_describe("In a userfaultfd missing-mode VMA, device writes to the zero page and to a "
		     "page shared copy-on-write succeed as CPU stores do; the child keeps its copy.");
	igt_subtest("userfaultfd-cow-write")
		run(test_userfaultfd_cow_write);

	/* Races and load. */
	igt_describe("Bursts of invalidations in the notifier window, fault_max_retries 1: every "
		     "device read ends OK with the right data, never RETRIES (collisions are "
		     "retried with a back-off).");
	igt_subtest("collisions-no-retries")
		run(test_collisions_no_retries);

	igt_describe("A thread unmaps and remaps a range while the device copies from it: every "
		     "job ends OK (with consistent data) or FAULT, and the retry path is taken.");
	igt_subtest("munmap-race")
		run(test_munmap_race);

	igt_describe("The CPU writes generations of data while the device copies: a job never "
		     "sees data older than what was complete when it was submitted.");
	igt_subtest("cpu-write-race")
		run(test_cpu_write_race);

	igt_describe("Threads fault their own ranges, the same range and fresh mappings at once, "
		     "in two VMs: all data right, no fatal fault.");
	igt_subtest("many-threads")
		run(test_many_threads);

	igt_describe("Several VMs mirroring one process see each other's writes, count their own "
		     "faults, and all get the invalidation of an munmap.");
	igt_subtest("many-vms")
		run(test_many_vms);

	igt_describe("Processes with VMs of their own work at once, write a shared mapping, and "
		     "exit with or without destroying their VMs.");
	igt_subtest("many-processes")
		run(test_many_processes);

	igt_describe("100 000 small malloc objects filled and copied by the device, malloc's "
		     "bookkeeping between them intact.");
	igt_subtest("many-small-allocs")
		run(test_many_small_allocs);

	igt_describe("One page every 64 MiB of an 8 GiB mapping: the device page table stays "
		     "small.");
	igt_subtest("sparse-8g")
		run(test_sparse_8g);

	/* Device side. */
	igt_describe("A device access to an address with no mapping is a fatal FAULT reporting "
		     "the exact address, access and command; the VM goes on working.");
	igt_subtest("bad-address")
		run(test_bad_address);

	igt_describe("Every command touching address 0 faults there, reading or writing, and "
		     "moves no data.");
	igt_subtest("null-address")
		run(test_null_address);

	igt_describe("A process exits with long jobs running: its exit does not hang, a job in a "
		     "VM of a file it shared ends NO_MM after a RELEASE invalidation, and that "
		     "VM takes no more jobs.");
	igt_subtest("exit-with-job")
		run(test_exit_with_job);

	igt_fixture {
		close(svm.fd);
		svm.fd = -1;
	}
}
