// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vsvm/kernel_signature.h"
#include "vsvm/queue.h"
#include "vsvm/status.h"

// The command-line language of vsvm-run, kept out of main() so that tests can
// check it. Every parser fails with EINVAL and a message naming the input.
namespace vsvm::tools {

/// "4096", "4K", "2M", "1G" (powers of 1024): a size in bytes, at least 1.
Result<uint64_t> parseSize(std::string_view text);

/// "64", "64x4", "8x8x4": a size in x, y, z, each at least 1.
Result<Dim3> parseDim3(std::string_view text);

/// How a buffer of --buf starts.
struct BufferInit {
    enum class Kind {
        Zero,   ///< zero (the default)
        Fill,   ///< fill=PATTERN: the 64-bit pattern repeated, little-endian
        Iota32, ///< iota32: 32-bit word i is i
        Iota64, ///< iota64: 64-bit word i is i
        Random, ///< random[=SEED]: pseudo-random bytes, seed 1 by default
        Float,  ///< f32=VALUE: every 32-bit word is the float VALUE
        Copy,   ///< copy=PATH: the file's bytes, the rest zero
    };
    Kind kind = Kind::Zero;
    uint64_t value = 0; ///< the pattern, the seed, or the float's bits
    std::string path;   ///< for Copy
};

/// A buffer: anonymous memory of --buf, or a file mapped by --file.
struct BufferSpec {
    std::string name;
    uint64_t size = 0;       ///< 0 for --file: the file's size
    BufferInit init;         ///< --buf only
    std::string filePath;    ///< --file only
    bool fileWritable = false;
};

/// --buf NAME=SIZE[:INIT].
Result<BufferSpec> parseBuffer(std::string_view text);

/// --file NAME=PATH[:rw].
Result<BufferSpec> parseFileBuffer(std::string_view text);

/// --protect NAME=none|read: the protection a buffer gets after it is filled.
struct Protection {
    std::string name;
    int prot = 0; ///< PROT_NONE or PROT_READ
};
Result<Protection> parseProtection(std::string_view text);

/// A kernel argument of --arg: a buffer's address (plus a byte offset), or
/// a number: its 64 bits and the kind of value it is (KernelArgs::pushAs()),
/// which a launch checks against the kernel's signature.
struct BufferRef {
    std::string name;
    int64_t offset = 0;
};
struct NumberArg {
    uint64_t bits = 0;
    HostArg host; ///< Bits for an address given as a number
};
using ArgSpec = std::variant<BufferRef, NumberArg>;

/**
 * --arg VALUE: NAME or NAME+OFFSET (a buffer in @p bufferNames), an integer
 * (decimal or 0x hex), a float ("2.5", "1e-3", "2f") or "f64:VALUE".
 *
 * For a kernel with a signature, @p param (the parameter this argument is
 * for) decides what VALUE is: a ptr takes a buffer or an address, u32, i32,
 * u64, i64 an integer in their range, f32 and f64 any number (2 is 2.0). A
 * value that does not fit is EINVAL naming the parameter. Without @p param,
 * an integer is a 64-bit integer (negative ones sign-extended), a float a
 * float32, f64:VALUE a double.
 */
Result<ArgSpec> parseArg(std::string_view text, std::span<const std::string> bufferNames,
                         const KernelParam* param = nullptr, std::string_view paramName = {});

/// --print NAME[:TYPE[:COUNT]].
struct PrintSpec {
    enum class Type { U8, U16, U32, U64, I32, I64, F32, X8, X32, X64 };
    std::string name;
    Type type = Type::U32;
    uint64_t count = 16; ///< elements shown at most
};
Result<PrintSpec> parsePrint(std::string_view text);

/// "NAME (TYPE[n]): v0 v1 ... (k more)": the first count elements of @p bytes.
std::string formatBuffer(const PrintSpec& spec, std::span<const uint8_t> bytes);

/// "[#########.........]  45/100 jobs  2.3 s": the progress line (no \r).
std::string formatProgress(uint64_t done, uint64_t total, double seconds, std::size_t width = 30);

} // namespace vsvm::tools
