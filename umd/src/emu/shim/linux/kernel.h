/* SPDX-License-Identifier: MIT */
/* <linux/kernel.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <linux/kernel.h>
#include "../vsvm_kshim.h"
