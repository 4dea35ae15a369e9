// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vsvm/kernel_signature.h"

namespace vsvm::isa::detail {

/// Reads the operands of `.args` one at a time: the assembler and
/// parseSignature() share its rules.
class SignatureReader {
public:
    /// Adds one "TYPE [NAME]" operand; returns why it is not one, if it is not.
    std::optional<std::string> add(std::string_view operand);

    KernelSignature take() { return std::move(signature_); }

private:
    KernelSignature signature_;
};

} // namespace vsvm::isa::detail
