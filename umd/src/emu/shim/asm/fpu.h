/* SPDX-License-Identifier: MIT */
/* <asm/fpu.h> for the host build of the interpreter: see vsvm_kshim.h. */
#include "../vsvm_kshim.h"
