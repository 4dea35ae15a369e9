// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * The runner of kunit/test.h, and the FPU-section tracking of the shim
 * (VSVM_KSHIM_FPU_HOOKS): preemptible() is false inside a section, so the
 * suite's check that memory ops run outside sections holds on the host too,
 * and a nested or unbalanced section fails the case.
 */
#include <string.h>

#include "kunit/test.h"

static struct kunit *kunit_host_current;
static int kunit_host_fpu_depth;

void kunit_host_fail(struct kunit *test, const char *file, int line,
		     const char *what, unsigned long long x,
		     unsigned long long y, bool assert)
{
	test->failures++;
	fprintf(stderr, "  %s:%d: expected %s (%#llx, %#llx)\n", file, line, what, x, y);
	if (assert)
		longjmp(test->abort, 1);
}

void vsvm_kshim_fpu_begin(void)
{
	if (kunit_host_fpu_depth++ && kunit_host_current) {
		kunit_host_current->failures++;
		fprintf(stderr, "  kernel_fpu_begin() inside an FPU section\n");
	}
}

void vsvm_kshim_fpu_end(void)
{
	if (!kunit_host_fpu_depth-- && kunit_host_current) {
		kunit_host_current->failures++;
		fprintf(stderr, "  kernel_fpu_end() outside an FPU section\n");
	}
}

bool kunit_host_preemptible(void)
{
	return kunit_host_fpu_depth == 0;
}

/* Apart, so that no local of the loop lives across the setjmp(). */
static void kunit_host_run(struct kunit_case *c, struct kunit *test)
{
	if (!setjmp(test->abort))
		c->run_case(test);
}

int kunit_host_main(struct kunit_suite *suite, int argc, char **argv)
{
	int failed = 0, run = 0;
	struct kunit_case *c;

	for (c = suite->test_cases; c->run_case; c++) {
		struct kunit test = { .name = c->name };

		if (argc > 1 && !strstr(c->name, argv[1]))
			continue;
		kunit_host_current = &test;
		kunit_host_fpu_depth = 0;
		run++;
		if (suite->init && suite->init(&test)) {
			test.failures++;
		} else {
			kunit_host_run(c, &test);
			if (suite->exit)
				suite->exit(&test);
		}
		if (kunit_host_fpu_depth) {
			test.failures++;
			fprintf(stderr, "  the case ended inside an FPU section\n");
		}
		printf("%s %d %s\n", test.failures ? "not ok" : "ok", run, c->name);
		failed += !!test.failures;
	}
	kunit_host_current = NULL;
	printf("# %s: %d of %d cases failed\n", suite->name, failed, run);
	return failed || !run;
}
