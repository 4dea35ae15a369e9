// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "vsvm/isa.h"
#include "vsvm/status.h"
#include "vsvm_isa.h"

namespace vsvm {

/**
 * A compute program in memory the device can fetch: the device reads code
 * through the VM's page table, from this process's memory. The words live in
 * a page-aligned mapping of their own, read-only once filled, so a stray CPU
 * store cannot change a program while the device runs it. Move-only; the
 * mapping goes with the Kernel, so keep it until the jobs that run it ended.
 */
class Kernel {
public:
    /// Assembles @p source (docs/isa.rst). Fails with EINVAL, every
    /// diagnostic ("line:col: message", one per line) in the context.
    static Result<Kernel> fromAssembly(std::string_view source);

    /// An assembled program, or machine words with @p entry as byte offset
    /// of the first instruction. EINVAL when empty, too large
    /// (DRM_VSVM_CODE_MAX_SIZE) or the entry is outside or misaligned.
    static Result<Kernel> fromProgram(const isa::Program& program);
    static Result<Kernel> fromWords(std::span<const uint64_t> words, uint32_t entry = 0);

    ~Kernel();
    Kernel(Kernel&& other) noexcept;
    Kernel& operator=(Kernel&& other) noexcept;
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    /// The program's address: drm_vsvm_dispatch.code_ptr.
    const uint64_t* code() const { return code_; }
    /// Bytes of program (not of the mapping): drm_vsvm_dispatch.code_size.
    std::size_t codeSize() const { return codeSize_; }
    uint32_t entry() const { return entry_; }

private:
    Kernel(uint64_t* code, std::size_t codeSize, std::size_t mappedSize, uint32_t entry)
        : code_(code), codeSize_(codeSize), mappedSize_(mappedSize), entry_(entry)
    {
    }
    void unmap() noexcept;

    uint64_t* code_ = nullptr;
    std::size_t codeSize_ = 0;
    std::size_t mappedSize_ = 0;
    uint32_t entry_ = 0;
};

/// What a kernel argument may be: a pointer (any T*), an integer or enum, or
/// a float or double.
template <typename T>
concept KernelArg = std::is_pointer_v<T> || std::is_integral_v<T> || std::is_enum_v<T> ||
                    std::same_as<T, float> || std::same_as<T, double>;

/**
 * The 64-bit values preloaded into s0..s15 (docs/isa.rst). A pointer is its
 * address; an integer is converted to 64 bits (signed ones sign-extended);
 * a float is its IEEE bits in the low 32 bits, a double its 64 bits.
 */
class KernelArgs {
public:
    KernelArgs() = default;

    template <KernelArg... Args>
    explicit KernelArgs(Args... args)
    {
        static_assert(sizeof...(Args) <= VSVM_ISA_MAX_ARGS, "at most 16 kernel arguments");
        (push(args), ...);
    }

    /// Appends one argument; past 16 the arguments are marked overflowed and
    /// a launch with them fails with E2BIG.
    template <KernelArg T>
    KernelArgs& push(T arg)
    {
        return pushBits(toBits(arg));
    }

    KernelArgs& pushBits(uint64_t bits)
    {
        if (count_ == values_.size()) {
            overflowed_ = true;
            return *this;
        }
        values_[count_++] = bits;
        return *this;
    }

    std::span<const uint64_t> values() const { return {values_.data(), count_}; }
    bool overflowed() const { return overflowed_; }

    template <KernelArg T>
    static uint64_t toBits(T arg)
    {
        if constexpr (std::is_pointer_v<T>)
            return reinterpret_cast<uintptr_t>(arg);
        else if constexpr (std::same_as<T, float>)
            return std::bit_cast<uint32_t>(arg);
        else if constexpr (std::same_as<T, double>)
            return std::bit_cast<uint64_t>(arg);
        else if constexpr (std::is_enum_v<T>)
            return toBits(static_cast<std::underlying_type_t<T>>(arg));
        else if constexpr (std::is_signed_v<T>)
            return static_cast<uint64_t>(static_cast<int64_t>(arg));
        else
            return static_cast<uint64_t>(arg);
    }

private:
    std::array<uint64_t, VSVM_ISA_MAX_ARGS> values_{};
    std::size_t count_ = 0;
    bool overflowed_ = false;
};

} // namespace vsvm
