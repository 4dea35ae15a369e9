// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The kernel interpreter's interface (driver/vsvm_isa.h) for C++. The header
// uses the kernel's type names; C++ gets them here from the uapi types,
// which are the same types the C side (shim/vsvm_kshim.h) uses, rather than
// through the C shim, whose min/max macros would break the standard library.
#include <cstddef>

#include "shim/vsvm_ktypes.h"

// driver/vsvm_isa.h by its full path (CMakeLists.txt): the uapi header on
// the include path has the same name.
extern "C" {
#include VSVM_EMU_INTERP_HEADER
}
