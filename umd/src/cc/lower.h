// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cc/module.h"
#include "vsvm/cc.h"
#include "vsvm/kernel_signature.h"

namespace vsvm::cc::detail {

struct Lowered {
    std::string name;
    std::array<std::uint32_t, 3> localSize{0, 0, 0};
    std::uint32_t ldsBytes = 0;
    std::uint64_t privateBytesPerLane = 0;
    std::uint64_t privateAlign = 0;
    std::vector<KernelParamLayout> kernelParams;
    KernelSignature signature;
    std::optional<std::uint32_t> launchSlot;
    KernelSignature launchSignature;
    std::vector<std::uint8_t> constants;
    std::vector<PrintfFormat> printfFormats;
    std::string assembly; ///< complete assembler text, directives included
    std::string ir;       ///< the machine IR with virtual registers
};

/// Lowers the entry point @p entry of @p module to assembler text. Returns
/// false after adding at least one error to @p diagnostics.
bool lower(const Module& module, const Module::EntryPoint& entry, bool emitIr, bool launchBlock,
           std::vector<Diagnostic>& diagnostics, Lowered& out);

} // namespace vsvm::cc::detail
