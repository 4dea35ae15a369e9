/* SPDX-License-Identifier: MIT */
/* <linux/types.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <linux/types.h>
#include "../vsvm_kshim.h"
