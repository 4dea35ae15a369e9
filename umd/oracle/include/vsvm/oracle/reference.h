// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string_view>

#include "vsvm/oracle/corpus.h"
#include "vsvm/status.h"

namespace vsvm::oracle {

/// Whether the corpus kernel @p name has a C++ reference implementation.
bool hasReference(std::string_view name);

/**
 * Run the C++ reference implementation of @p instance's kernel on its
 * buffers, in place, as a device would: plain C++ on the host, written
 * from the kernel's description, sequential, with the same float
 * operations in the same order (no contraction: the compiler is asked for
 * none in ISO C++ mode). ENOENT for a kernel without one.
 */
Status runReference(const Instance& instance);

} // namespace vsvm::oracle
