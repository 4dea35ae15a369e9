// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>
#include <string_view>

namespace vsvm::frontend::detail {

/**
 * Work around llvm-spirv-14 translating `sitofp i1 %c to T` as an OpSelect
 * of 1 and 0 followed by OpConvertSToF: true becomes 1.0, where a signed i1
 * is -1 (LLVM's InstCombine makes such conversions of `(float)-(a > b)`).
 * Each one in the textual IR @p ir becomes a select of -1 and 0 in i32 (or
 * a vector of i32) and a sitofp of that, which llvm-spirv translates right.
 *
 * @return the IR with the conversions rewritten; @p rewritten (when given)
 * counts them.
 */
std::string repairSignedBoolConversions(std::string_view ir, unsigned* rewritten = nullptr);

} // namespace vsvm::frontend::detail
