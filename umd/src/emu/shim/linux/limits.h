/* SPDX-License-Identifier: MIT */
/* <linux/limits.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <linux/limits.h>
#include "../vsvm_kshim.h"
