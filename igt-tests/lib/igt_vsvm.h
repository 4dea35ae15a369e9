/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __IGT_VSVM_H__
#define __IGT_VSVM_H__

/**
 * DOC: igt_vsvm.h, the part of libigt that vsvm tests use
 *
 * Debian ships libigt.so.0 (package intel-gpu-tools, IGT 1.27.1) but no IGT
 * headers, so this file declares the handful of libigt entry points our tests
 * call and builds IGT's control-flow blocks (igt_main, igt_fixture,
 * igt_subtest, igt_dynamic, ...) on top of them. It is written for that ABI;
 * every fact it relies on was checked against the shared object:
 *
 * - igt_subtest_jmpbuf and igt_dynamic_jmpbuf are 200-byte objects
 *   (``nm -S``), i.e. glibc's x86-64 sigjmp_buf; the library siglongjmp()s to
 *   them to leave a fixture, subtest or dynamic subtest, so the blocks below
 *   sigsetjmp() into them right after the library has accepted the block.
 * - __igt_run_subtest() takes (name, file, line): the file and line are what
 *   ``--describe`` prints.
 * - igt_log_level is 1 (INFO) by default, so the log levels are
 *   DEBUG = 0, INFO = 1, WARN = 2, CRITICAL = 3, NONE = 4.
 * - The test binary defines __igt_test_description, which libigt references
 *   weakly and prints for ``--help-description`` and ``--describe``.
 * - __igt_fork() returns a bool (true in the child); a child that fails calls
 *   exit() with the failure code, which igt_waitchildren() collects.
 *
 * The blocks follow one protocol: ask libigt whether to enter (it returns
 * false when the block is filtered out, listed only, or must skip), then
 * sigsetjmp() so that igt_skip()/igt_assert()/igt_success() can leave the
 * block from any depth, and call igt_success() when the body falls through.
 * igt_success() itself jumps back, which ends the for loop.
 *
 * Locals that a block modifies and that are read after it must not live in
 * registers across the sigsetjmp(): keep test state in file-scope statics
 * (or volatile), which also keeps -Wclobbered quiet.
 *
 * Needs _GNU_SOURCE (sigsetjmp) defined before any system header.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef _POSIX_C_SOURCE
#error "igt_vsvm.h needs sigsetjmp(): build with -D_GNU_SOURCE"
#endif

/* Exit codes of a test binary; igt_runner and our run-testlist.sh read them. */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79	/* unknown subtest or bad option */
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

/* Log domain printed in front of messages; NULL prints none. */
#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN		(NULL)
#endif

#define __igt_noreturn		__attribute__((noreturn))
#define __igt_printf(f, a)	__attribute__((format(printf, f, a)))

/* ---- test description --------------------------------------------------- */

/*
 * libigt declares this weakly and prints it for --help-description and at the
 * top of --describe.
 */
extern const char *__igt_test_description __attribute__((weak));
#define IGT_TEST_DESCRIPTION(str)	const char *__igt_test_description = (str)

/* Attaches a printf-formatted description to the next subtest. */
void igt_describe_f(const char *fmt, ...) __igt_printf(1, 2);
#define igt_describe(text)	igt_describe_f("%s", (text))

/* ---- logging ------------------------------------------------------------ */

enum igt_log_level {
	IGT_LOG_DEBUG = 0,	/* shown only with --debug or IGT_LOG_LEVEL=debug */
	IGT_LOG_INFO = 1,	/* stdout */
	IGT_LOG_WARN = 2,	/* stderr */
	IGT_LOG_CRITICAL = 3,	/* stderr */
	IGT_LOG_NONE = 4,
};

void igt_log(const char *domain, enum igt_log_level level, const char *format, ...)
	__igt_printf(3, 4);

#define igt_debug(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, __VA_ARGS__)
#define igt_info(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, __VA_ARGS__)

/* ---- results -------------------------------------------------------------- */

/* Ends the current (dynamic) subtest or fixture as passed. */
void igt_success(void);
/* Ends the current block as skipped; in a fixture, skips all later subtests. */
__igt_noreturn void igt_skip(const char *format, ...) __igt_printf(1, 2);
__igt_noreturn void __igt_skip_check(const char *file, const int line, const char *func,
				     const char *check, const char *format, ...)
	__igt_printf(5, 6);
/*
 * Reports a failed check and ends the current block as failed; @format may be
 * NULL.
 */
__igt_noreturn void __igt_fail_assert(const char *domain, const char *file, const int line,
				      const char *func, const char *assertion,
				      const char *format, ...)
	__igt_printf(6, 7);
/* Prints the summary and exits with the binary's IGT_EXIT_* code. */
__igt_noreturn void igt_exit(void);

/* ---- checks --------------------------------------------------------------- */

#define igt_assert(expr) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, #expr, NULL); \
} while (0)

/* igt_assert() with a printf-formatted explanation. */
#define igt_assert_f(expr, ...) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, #expr, \
				  __VA_ARGS__); \
} while (0)

/*
 * Compares two values converted to @type and prints both on failure, which a
 * plain igt_assert(a == b) cannot do.
 */
#define __igt_assert_cmp(type, fmt, a, op, b) do { \
	type __igt_a = (a), __igt_b = (b); \
	if (!(__igt_a op __igt_b)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #a " " #op " " #b, \
				  "error: left " fmt ", right " fmt "\n", __igt_a, __igt_b); \
} while (0)

#define igt_assert_eq(a, b)	__igt_assert_cmp(int, "%d", a, ==, b)
#define igt_assert_eq_u64(a, b)	__igt_assert_cmp(unsigned long long, "%#llx", a, ==, b)
#define igt_assert_eq_u32(a, b)	__igt_assert_cmp(unsigned int, "%#x", a, ==, b)

#define igt_assert_neq(a, b)	__igt_assert_cmp(int, "%d", a, !=, b)
#define igt_assert_lte_u64(a, b)	__igt_assert_cmp(unsigned long long, "%llu", a, <=, b)
#define igt_assert_lt_u64(a, b)	__igt_assert_cmp(unsigned long long, "%llu", a, <, b)

/* Fails unless @fd is a valid file descriptor. */
#define igt_assert_fd(fd) \
	igt_assert_f((fd) >= 0, "file descriptor " #fd " is invalid\n")

#define igt_require(expr) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
	igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)

/* igt_require() with a printf-formatted explanation. */
#define igt_require_f(expr, ...) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)

/* ---- control-flow blocks ---------------------------------------------------- */

/* libigt siglongjmp()s here to leave a fixture or a subtest. */
extern sigjmp_buf igt_subtest_jmpbuf;
/* ... and here to leave a dynamic subtest. */
extern sigjmp_buf igt_dynamic_jmpbuf;

_Static_assert(sizeof(sigjmp_buf) == 200, "libigt 1.27 jmpbufs are 200-byte sigjmp_bufs");

struct option;
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);

/*
 * Parses the standard options (--list-subtests, --run-subtest,
 * --dynamic-subtest, --describe, --debug, --help, ...) and any extra ones;
 * removes what it consumed from argv.
 */
int igt_subtest_init_parse_opts(int *argc, char **argv, const char *extra_short_opts,
				const struct option *extra_long_opts, const char *help_str,
				igt_opt_handler_t extra_opt_handler, void *handler_data);

bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_run_subtest(const char *subtest_name, const char *file, const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);

#define __igt_cat2(a, b)	a##b
#define __igt_cat(a, b)		__igt_cat2(a, b)
/* One identifier per source line, so that blocks can nest. */
#define __igt_local(name)	__igt_cat(__igt_cat(__igt_, name), __LINE__)

/*
 * igt_main - replaces main() of a test with subtests. libigt parses the
 * command line first; igt_exit() turns the recorded results into the exit
 * code.
 */
#define igt_main \
	static void __igt_local(body)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, NULL, NULL, NULL, NULL, NULL); \
		__igt_local(body)(); \
		igt_exit(); \
	} \
	static void __igt_local(body)(void)

/*
 * igt_fixture - set-up or tear-down code shared by the subtests after it. It
 * does not run when only listing subtests or once a requirement has skipped
 * the rest. A skip inside it skips every later subtest; a failure fails them.
 * The counter is volatile because the body may be left by siglongjmp().
 */
#define igt_fixture \
	for (volatile int __igt_local(fixture_done) = 0; \
	     !__igt_local(fixture_done) && __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     __igt_local(fixture_done) = 1, __igt_fixture_complete())

/* igt_subtest - a subtest named @name, run when selected by --run-subtest. */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/*
 * igt_subtest_with_dynamic - a subtest whose results come from the
 * igt_dynamic blocks it enters: PASS when all pass, FAIL when one fails, SKIP
 * when none is entered. Its own body may skip but not assert.
 */
#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	     __igt_enter_dynamic_container() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/*
 * igt_dynamic - one dynamic subtest, reported as <subtest>@<name>; selectable
 * with --dynamic-subtest.
 */
#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest(name) && \
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

/* ---- child processes and exit handlers ------------------------------------ */

/*
 * Forks one test child; true in the child. libigt records the child so that
 * igt_waitchildren() can turn its exit status into the subtest's result. Only
 * inside a subtest.
 */
bool __igt_fork(void);

/*
 * igt_fork - runs the body in @num_children child processes, @child being the
 * child's number (0 ...). A failed igt_assert() in a child exits the child
 * with IGT_EXIT_FAILURE; the body falling through exits it with 0. A child
 * must not skip: igt_skip() is not forwarded to the parent. Join with
 * igt_waitchildren().
 */
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))

/* Waits for every igt_fork() child; fails the subtest when one failed or died. */
void igt_waitchildren(void);
/* igt_waitchildren(), but kills the children and fails after @seconds. */
void igt_waitchildren_timeout(int seconds, const char *reason);

/*
 * Runs @fn (with the signal number, or 0 at exit()) when the process exits or
 * dies of a fatal signal: where a test restores global state it changed.
 * Children of igt_fork() start with no handlers.
 */
typedef void (*igt_exit_handler_t)(int sig);
void igt_install_exit_handler(igt_exit_handler_t fn);

#endif /* __IGT_VSVM_H__ */
