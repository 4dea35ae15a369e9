/* SPDX-License-Identifier: MIT */
/* <linux/errno.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <linux/errno.h>
#include "../vsvm_kshim.h"
