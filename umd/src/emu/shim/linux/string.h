/* SPDX-License-Identifier: MIT */
/* <linux/string.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <linux/string.h>
#include "../vsvm_kshim.h"
