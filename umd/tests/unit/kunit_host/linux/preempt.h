/* SPDX-License-Identifier: MIT */
/* <linux/preempt.h> for the host KUnit runner: see kunit_host.c. */
#include "../../../../src/emu/shim/vsvm_kshim.h"

bool kunit_host_preemptible(void);

#define preemptible()		kunit_host_preemptible()
#define might_sleep()		do { } while (0)
#define CONFIG_PREEMPT_COUNT	1
#define IS_ENABLED(option)	(option)
