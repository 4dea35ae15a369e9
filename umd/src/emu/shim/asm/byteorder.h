/* SPDX-License-Identifier: MIT */
/* <asm/byteorder.h> for the host build of the interpreter: the uapi header, then see vsvm_kshim.h. */
#include_next <asm/byteorder.h>
#include "../vsvm_kshim.h"
