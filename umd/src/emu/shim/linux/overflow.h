/* SPDX-License-Identifier: MIT */
/* <linux/overflow.h> for the host build of the interpreter: see vsvm_kshim.h. */
#include "../vsvm_kshim.h"
