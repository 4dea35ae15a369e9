// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/isa.h"
#include "vsvm/status.h"

// Files of vsvm-as and vsvm-dis, kept out of main() so that tests can check them.
namespace vsvm::tools {

/// The whole of @p path, or of stdin for "-".
Result<std::string> readFile(const std::string& path);

/// Replace @p path (stdout for "-") with @p contents.
Status writeFile(const std::string& path, std::string_view contents);

/// A program binary: the words, little-endian, nothing else.
std::string wordsToBytes(std::span<const std::uint64_t> words);

/// The words of a program binary; EINVAL when its size is not a multiple of 8.
Result<std::vector<std::uint64_t>> bytesToWords(std::string_view bytes);

/**
 * A C header declaring the program as `static const uint64_t NAME[]` and its
 * entry as `static const uint32_t NAME_entry`, for C tests that embed a
 * program. EINVAL when @p name is not a C identifier or the program is empty
 * (C has no empty arrays).
 */
Result<std::string> formatCArray(std::string_view name, const isa::Program& program,
                                 std::string_view sourceName);

} // namespace vsvm::tools
