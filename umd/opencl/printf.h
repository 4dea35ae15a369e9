// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vsvm/cc.h"

namespace vsvm::opencl {

/// CL_DEVICE_PRINTF_BUFFER_SIZE: the bytes of a launch's printf buffer, header included.
inline constexpr std::size_t kPrintfBufferBytes = std::size_t{1} << 20;

/**
 * The printf buffer of one launch of a kernel that calls printf (vsvm/cc.h,
 * "printf"): host memory the kernel reaches through its launch block, with
 * the header written (nothing used, nothing lost, the capacity).
 */
class PrintfBuffer {
public:
    /// Null when the memory cannot be had.
    static std::shared_ptr<PrintfBuffer> create(std::size_t bytes = kPrintfBufferBytes);
    /// What the launch block's kLaunchPrintf word holds.
    std::uint64_t address() const { return reinterpret_cast<std::uintptr_t>(words_.data()); }
    /// The records the launch wrote, in the order of their reservation, as printf prints them.
    std::string format(const cc::CompiledKernel& kernel) const;
    /// The printf calls that did not fit.
    std::uint64_t lost() const;
    /// Writes format() to stdout and flushes it; logs the calls that did not fit.
    void print(const cc::CompiledKernel& kernel) const;

private:
    std::vector<std::uint64_t> words_;
};

/**
 * One printf call as C's printf would print it: @p format with OpenCL C's
 * conversions (vector specifiers included) over the argument words
 * @p words, typed by @p args. A %s string is read from @p constants (the
 * kernel's __constant data, which @p constantsAddress is the address of).
 */
std::string formatPrintf(const cc::PrintfFormat& format, const std::uint64_t* words, std::size_t count,
                         const std::vector<std::uint8_t>& constants, std::uint64_t constantsAddress);

} // namespace vsvm::opencl
