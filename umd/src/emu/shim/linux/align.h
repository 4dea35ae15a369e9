/* SPDX-License-Identifier: MIT */
/* <linux/align.h> for the host build of the interpreter: see vsvm_kshim.h. */
#include "../vsvm_kshim.h"
