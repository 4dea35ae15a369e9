// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/* _GNU_SOURCE comes from the build: igt_vsvm.h needs sigsetjmp(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsvm_helpers.h"

IGT_TEST_DESCRIPTION("The driver's trace events (DOC: Tracepoints), read through tracefs: a "
		     "device job, its faults and the munmap() of its memory produce the events "
		     "with the right VM, addresses, results and counts.");

#define PAGE_SIZE	4096ull
#define BUF_PAGES	16

/* Where tracefs may be; mounted at the first when neither has vsvm's events. */
static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static struct {
	int fd;
	char path[PATH_MAX];
	char tracefs[64];
	char *text;	/* the last trace read */
} tr = { .fd = -1 };

static bool has_vsvm_events(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events/vsvm/enable", dir);
	return stat(path, &st) == 0;
}

static void find_tracefs(void)
{
	for (unsigned int i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++)
		if (has_vsvm_events(tracefs_dirs[i])) {
			snprintf(tr.tracefs, sizeof(tr.tracefs), "%s", tracefs_dirs[i]);
			return;
		}
	if (mount("nodev", tracefs_dirs[0], "tracefs", 0, NULL) == 0 &&
	    has_vsvm_events(tracefs_dirs[0])) {
		snprintf(tr.tracefs, sizeof(tr.tracefs), "%s", tracefs_dirs[0]);
		return;
	}
	igt_require_f(false, "no tracefs with the vsvm events (root, CONFIG_EVENT_TRACING?)\n");
}

static void tracefs_write(const char *file, const char *value)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", tr.tracefs, file);
	ret = vsvm_write_file(path, value);
	igt_assert_f(ret == 0, "writing '%s' to %s: %s\n", value, path, strerror(-ret));
}

/* Empties the ring buffer and records the vsvm events only. */
static void trace_start(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/enable", "0");
	tracefs_write("trace", "");
	tracefs_write("events/vsvm/enable", "1");
	tracefs_write("tracing_on", "1");
}

static void trace_stop(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/vsvm/enable", "0");
}

/* Reads the whole ``trace`` file into tr.text. */
static void trace_read(void)
{
	char path[PATH_MAX];
	size_t len = 0, cap = 1 << 16;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", tr.tracefs);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	free(tr.text);
	tr.text = malloc(cap);
	igt_assert(tr.text);
	while ((n = read(fd, tr.text + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			tr.text = realloc(tr.text, cap);
			igt_assert(tr.text);
		}
	}
	igt_assert_f(n == 0, "reading %s: %s\n", path, strerror(errno));
	tr.text[len] = '\0';
	close(fd);
}

/*
 * The next line of tr.text after *@pos with event @event ("vsvm_fault_end")
 * whose fields start with "vm=@vm "; *@pos moves past it. Return: the
 * fields (up to the end of the line, NUL-terminated copy in @fields), or
 * NULL at the end of the trace.
 */
static const char *next_event(const char **pos, const char *event, uint32_t vm,
			      char *fields, size_t len)
{
	char key[64], want[32];
	const char *p;

	snprintf(key, sizeof(key), " %s: ", event);
	snprintf(want, sizeof(want), "vm=%u ", vm);
	while ((p = strstr(*pos, key))) {
		const char *f = p + strlen(key);
		const char *eol = strchrnul(f, '\n');
		size_t n = (size_t)(eol - f) < len - 1 ? (size_t)(eol - f) : len - 1;

		*pos = eol;
		if (strncmp(f, want, strlen(want)))
			continue;
		memcpy(fields, f, n);
		fields[n] = '\0';
		return fields;
	}
	return NULL;
}

static unsigned int count_events(const char *event, uint32_t vm)
{
	const char *pos = tr.text;
	unsigned int n = 0;
	char fields[512];

	while (next_event(&pos, event, vm, fields, sizeof(fields)))
		n++;
	return n;
}

/*
 * A CHECKSUM job over fresh memory (faults), then munmap() of it (an UNMAP
 * invalidation and a garbage collection): every event is there with fields
 * that match the job, the buffer and the VM's counters.
 */
static void test_fault_and_munmap(void)
{
	uint64_t before[DRM_VSVM_COUNTER_COUNT], delta[DRM_VSVM_COUNTER_COUNT];
	unsigned long long job = 0, addr, start, end, zapped, downgraded, ns, zapped_sum = 0;
	unsigned int mapped_4k, mapped_2m, retries, faults = 0, ranges = 0;
	unsigned int mapped_sum = 0, mapped_all = 0;
	uint8_t *buf = mmap(NULL, BUF_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t vm = vsvm_vm_create(tr.fd);
	struct vsvm_job_status st;
	char fields[512], access[8], status[16], event[24], action[16];
	const char *pos;
	/* Where the job writes its result: its page is faulted for write. */
	uint64_t sum;
	int ret, tries;

	igt_assert(buf != MAP_FAILED);
	vsvm_counters(tr.fd, vm, before);
	trace_start();
	st = vsvm_checksum(tr.fd, vm, buf, BUF_PAGES * PAGE_SIZE, &sum);
	igt_assert_eq(st.status, DRM_VSVM_JOB_OK);
	igt_assert_eq(munmap(buf, BUF_PAGES * PAGE_SIZE), 0);

	/* Garbage collection runs from a work item: give it a moment. */
	for (tries = 0; tries < 40; tries++) {
		trace_read();
		if (count_events("vsvm_gc", vm))
			break;
		usleep(50 * 1000);
	}
	trace_stop();
	vsvm_counters_delta(tr.fd, vm, before, delta);

	/* The job: queued, started, ended OK on the copy engine, once each. */
	pos = tr.text;
	igt_assert_f(next_event(&pos, "vsvm_job_queued", vm, fields, sizeof(fields)),
		     "no vsvm_job_queued for VM %u\n", vm);
	igt_assert_eq(sscanf(fields, "vm=%*u job=%llu engine=copy", &job), 1);
	pos = tr.text;
	igt_assert(next_event(&pos, "vsvm_job_started", vm, fields, sizeof(fields)));
	igt_assert_f(strstr(fields, "engine=copy"), "started: %s\n", fields);
	pos = tr.text;
	igt_assert(next_event(&pos, "vsvm_job_ended", vm, fields, sizeof(fields)));
	igt_assert_eq(sscanf(fields, "vm=%*u job=%llu engine=copy status=%15s", &addr, status), 2);
	igt_assert_eq_u64(addr, job);
	igt_assert_f(!strcmp(status, "OK"), "job ended %s\n", status);

	/* Every fault: a begin and an end, in the buffer, read, resolved. */
	igt_assert_eq(count_events("vsvm_fault_begin", vm), count_events("vsvm_fault_end", vm));
	pos = tr.text;
	while (next_event(&pos, "vsvm_fault_end", vm, fields, sizeof(fields))) {
		igt_assert_f(sscanf(fields, "vm=%*u addr=0x%llx access=%7s ret=%d retries=%u "
				    "mapped_4k=%u mapped_2m=%u ns=%llu", &addr, access, &ret,
				    &retries, &mapped_4k, &mapped_2m, &ns) == 7,
			     "vsvm_fault_end: %s\n", fields);
		igt_assert_f(addr % PAGE_SIZE == 0 && ret == 0, "vsvm_fault_end: %s\n", fields);
		if (addr == ((uintptr_t)&sum & ~(PAGE_SIZE - 1))) {
			/* Where the job wrote its result. */
			igt_assert_f(!strcmp(access, "write"), "vsvm_fault_end: %s\n", fields);
		} else {
			igt_assert_f(addr >= (uintptr_t)buf &&
				     addr < (uintptr_t)buf + BUF_PAGES * PAGE_SIZE &&
				     !strcmp(access, "read"),
				     "fault at 0x%llx, neither in the buffer at %p nor at the result\n",
				     addr, buf);
			mapped_sum += mapped_4k + 512 * mapped_2m;
		}
		igt_assert_f(ns > 0, "vsvm_fault_end: %s\n", fields);
		faults++;
		mapped_all += mapped_4k + 512 * mapped_2m;
	}
	igt_assert_f(faults >= 1, "no vsvm_fault_end for VM %u\n", vm);
	igt_assert_eq_u64(faults, delta[DRM_VSVM_COUNTER_FAULTS]);
	igt_assert_eq_u64(mapped_all, delta[DRM_VSVM_COUNTER_MAPPED_4K] +
				      512 * delta[DRM_VSVM_COUNTER_MAPPED_2M]);
	/* The job read all of the buffer: every page of it was mapped at least once. */
	igt_assert_f(mapped_sum >= BUF_PAGES, "%u pages mapped, expected %u at least\n",
		     mapped_sum, BUF_PAGES);

	/* munmap(): an UNMAP over the buffer that zaps what was mapped. */
	pos = tr.text;
	while (next_event(&pos, "vsvm_invalidate", vm, fields, sizeof(fields))) {
		igt_assert_f(sscanf(fields, "vm=%*u event=%23s start=0x%llx end=0x%llx "
				    "action=%15s zapped=%llu downgraded=%llu", event, &start,
				    &end, action, &zapped, &downgraded) == 6,
			     "vsvm_invalidate: %s\n", fields);
		zapped_sum += zapped;
		if (strcmp(event, "UNMAP"))
			continue;
		igt_assert_f(!strcmp(action, "unmap"), "vsvm_invalidate: %s\n", fields);
		igt_assert_f(start <= (uintptr_t)buf &&
			     end >= (uintptr_t)buf + BUF_PAGES * PAGE_SIZE,
			     "UNMAP [0x%llx, 0x%llx) does not cover the buffer at %p\n", start,
			     end, buf);
		igt_assert_eq_u64(zapped, BUF_PAGES);
	}
	igt_assert_eq_u64(count_events("vsvm_invalidate", vm),
			  delta[DRM_VSVM_COUNTER_INVAL_UNMAP] + delta[DRM_VSVM_COUNTER_INVAL_CLEAR] +
			  delta[DRM_VSVM_COUNTER_INVAL_PROTECTION_VMA] +
			  delta[DRM_VSVM_COUNTER_INVAL_PROTECTION_PAGE] +
			  delta[DRM_VSVM_COUNTER_INVAL_SOFT_DIRTY] +
			  delta[DRM_VSVM_COUNTER_INVAL_RELEASE] +
			  delta[DRM_VSVM_COUNTER_INVAL_MIGRATE] +
			  delta[DRM_VSVM_COUNTER_INVAL_EXCLUSIVE]);
	igt_assert_eq_u64(delta[DRM_VSVM_COUNTER_INVAL_UNMAP], 1);
	igt_assert_eq_u64(zapped_sum, delta[DRM_VSVM_COUNTER_PTES_ZAPPED]);

	/* The ranges went (with their window's notifier). */
	igt_assert_f(count_events("vsvm_gc", vm), "no vsvm_gc for VM %u within 2 s of munmap()\n",
		     vm);
	pos = tr.text;
	while (next_event(&pos, "vsvm_gc", vm, fields, sizeof(fields))) {
		unsigned int n;

		igt_assert_eq(sscanf(fields, "vm=%*u ranges=%u", &n), 1);
		ranges += n;
	}
	igt_assert_eq_u64(ranges, delta[DRM_VSVM_COUNTER_RANGES_GC]);
	igt_assert_f(ranges >= 1, "vsvm_gc freed no range\n");

	vsvm_vm_destroy(tr.fd, vm);
}

igt_main
{
	igt_fixture {
		tr.fd = vsvm_open(tr.path, sizeof(tr.path));
		vsvm_require_caps(tr.fd, DRM_VSVM_CAP_SVM | DRM_VSVM_CAP_COPY_ENGINE);
		find_tracefs();
	}

	igt_describe("A CHECKSUM job over fresh memory, then munmap() of the memory: "
		     "vsvm_job_queued/started/ended (copy engine, OK), a vsvm_fault_begin and "
		     "vsvm_fault_end per fault in the buffer (read, ret 0, pages mapped adding "
		     "up to the VM's counters), one vsvm_invalidate UNMAP covering the buffer "
		     "that zapped its 16 pages, and a vsvm_gc that freed the range.");
	igt_subtest("fault-and-munmap")
		test_fault_and_munmap();

	igt_fixture {
		if (tr.tracefs[0])
			trace_stop();
		free(tr.text);
		close(tr.fd);
	}
}
