// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/**
 * A seeded generator of random OpenCL C kernels for differential testing of
 * the vsvm compiler (library vsvm_clgen), in the spirit of Csmith and
 * CLsmith: every program is well defined, so that any two correct
 * implementations give the same output for it.
 *
 * What a program does: per work-item computations over uint, int, ulong,
 * long and float; nested if/else and bounded for/while loops whose
 * conditions depend on the work-item (divergence); early returns; loads of
 * input buffers at indices masked to their (power of two) sizes; a __local
 * array exchanged between the work-items of a group between barriers at
 * uniform points; atomics on global counters (one commutative operation
 * per counter, results unused, so the final values do not depend on the
 * order); helper functions.
 *
 * Why it is well defined:
 * - no signed overflow: signed +, -, *, negation and << are done on the
 *   unsigned type and reinterpreted (as_int/as_long);
 * - shift counts are masked to the width (& 31, & 63);
 * - division and remainder go through helpers that give the dividend for a
 *   zero divisor and for INT_MIN / -1;
 * - float to integer conversions are guarded to the destination's range
 *   (NaN gives 0); float only in +, -, *, /, sqrt, fma, comparisons and
 *   conversions, with FP_CONTRACT OFF and the build option
 *   -cl-fp32-correctly-rounded-divide-sqrt, so each result is the correctly
 *   rounded one; NaN results are stored as 0x7fc00000 whatever the payload;
 * - every index is masked to a power-of-two size; every variable is
 *   initialised; each work-item writes only its own output slots and its
 *   own __local slot (read by others only after a barrier); barriers are at
 *   the top level of the kernel, before any return.
 *
 * Thread safety: generate() and fillBuffer() are pure functions.
 */
namespace vsvm::clgen {

enum class ElementType : std::uint8_t { U32, I32, U64, I64, F32 };

/// "uint", "int", "ulong", "long", "float".
const char* typeName(ElementType type);
/// 4 or 8.
std::size_t typeSize(ElementType type);

/// A kernel argument: a global buffer.
struct Buffer {
    enum class Role : std::uint8_t {
        Input,    ///< read only; contents from fillBuffer()
        Output,   ///< written; starts as zeros
        Counters, ///< global atomic counters (uint); contents from fillBuffer()
    };
    std::string name;
    Role role = Role::Input;
    ElementType type = ElementType::U32;
    std::size_t count = 0; ///< elements
    /// The seed of the contents (fillBuffer()); 0 for an output.
    std::uint64_t seed = 0;

    std::size_t bytes() const { return count * typeSize(type); }
};

/// One generated program and how to run it.
struct Program {
    std::uint64_t seed = 0;
    std::string source;
    std::string entry = "fuzz";
    /// The kernel's arguments in order: all buffers (global pointers).
    std::vector<Buffer> buffers;
    /// 1-D: global size = localSize * groups.
    std::array<std::uint32_t, 3> globalSize{1, 1, 1};
    std::array<std::uint32_t, 3> localSize{1, 1, 1};
    /// OpenCL build options every implementation must use.
    std::string buildOptions = "-cl-fp32-correctly-rounded-divide-sqrt";

    /// The descriptor as JSON: entry, build options, sizes, buffers (name,
    /// role, type, count, seed).
    std::string descriptor() const;
};

struct Options {
    /// Nesting of if/loops.
    unsigned maxDepth = 3;
    /// Statements per block, at most.
    unsigned maxBlockStatements = 5;
    /// Top-level segments of the kernel body.
    unsigned maxSegments = 5;
    /// Depth of expression trees.
    unsigned maxExpressionDepth = 3;
    bool floats = true;
    bool atomics = true;
    bool localMemory = true;
    bool helpers = true;
    bool earlyReturn = true;
    /// break and continue in loops.
    bool loopExits = true;
};

/// The program of @p seed: the same seed and options give the same program.
Program generate(std::uint64_t seed, const Options& options = {});

/// The initial contents of @p buffer (bytes(), little-endian elements):
/// zeros for an output; for inputs and counters values derived from its
/// seed (floats finite: small integers, ordinary values, zeros of both
/// signs, subnormals rarely).
std::vector<std::uint8_t> fillBuffer(const Buffer& buffer);

} // namespace vsvm::clgen
