/* SPDX-License-Identifier: MIT */
/* <linux/export.h> for the host build of the interpreter: see vsvm_kshim.h. */
#include "../vsvm_kshim.h"
