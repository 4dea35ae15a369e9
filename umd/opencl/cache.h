// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>

#include "vsvm/frontend.h"
#include "vsvm/status.h"

namespace vsvm::opencl {

/**
 * frontend::openclToSpirv() through the program cache: with
 * VSVM_OPENCL_CACHE_DIR set, the SPIR-V and the warnings of a build are kept
 * in that directory under a key of the source, the build options and the
 * identity of this library (its file's size and modification time), and a
 * later build of the same key reads them instead of running clang,
 * llvm-spirv and the libclc link again. The back end still compiles every
 * kernel. A source that includes a file, or options with -I, is never
 * cached: the key cannot see the included files. A directory that cannot be
 * written (a read-only mount) only costs the compile.
 */
Result<frontend::Module> cachedOpenclToSpirv(const std::string& source, const std::string& optionText,
                                             const frontend::OpenclOptions& options);

} // namespace vsvm::opencl
