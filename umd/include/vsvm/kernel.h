// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <cerrno>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "vsvm/isa.h"
#include "vsvm/kernel_signature.h"
#include "vsvm/status.h"
#include "vsvm_isa.h"

namespace vsvm {

/**
 * The 64-bit values preloaded into s0..s15 (docs/isa.rst), with what the
 * caller passed for each (HostArg), so that a launch can check them against
 * the kernel's signature. A pointer is its address; an integer is converted
 * to 64 bits (signed ones sign-extended); a float is its IEEE bits in the low
 * 32 bits, a double its 64 bits.
 *
 * Thread safety: a value; const access from any number of threads.
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
        return append(toBits(arg), hostArgOf<T>());
    }

    /// Appends 64 bits as they are: any parameter type takes them (the
    /// caller decided what they mean).
    KernelArgs& pushBits(uint64_t bits) { return append(bits, HostArg{}); }

    /// Appends @p bits standing for a value of kind @p host, as push() of
    /// that C++ type would: for callers that learn an argument's type at run
    /// time (a command line, the C API). The launch checks @p host.
    KernelArgs& pushAs(uint64_t bits, HostArg host) { return append(bits, host); }

    std::span<const uint64_t> values() const { return {values_.data(), count_}; }
    /// What was passed for each value.
    std::span<const HostArg> hostArgs() const { return {hostArgs_.data(), count_}; }
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
    KernelArgs& append(uint64_t bits, HostArg host)
    {
        if (count_ == values_.size()) {
            overflowed_ = true;
            return *this;
        }
        hostArgs_[count_] = host;
        values_[count_++] = bits;
        return *this;
    }

    std::array<uint64_t, VSVM_ISA_MAX_ARGS> values_{};
    std::array<HostArg, VSVM_ISA_MAX_ARGS> hostArgs_{};
    std::size_t count_ = 0;
    bool overflowed_ = false;
};

/**
 * A compute program in memory the device can fetch: the device reads code
 * through the VM's page table, from this process's memory. The words live in
 * a page-aligned mapping of their own, read-only once filled, so a stray CPU
 * store cannot change a program while the device runs it. Move-only; the
 * mapping goes with the Kernel, so keep it until the jobs that run it ended.
 * A Kernel belongs to no device: any VM of any device may run it.
 *
 * A kernel may have a signature (KernelSignature: `.args` in its assembly,
 * or given with its words); launches check their arguments against it. A
 * kernel without one is unchecked: it gets whatever values are passed.
 *
 * Thread safety: const access from any number of threads; moving and
 * destroying need exclusive access. A moved-from Kernel is not valid(), and
 * launching it fails with EBADF.
 */
class Kernel {
public:
    /// Assembles @p source (docs/isa.rst). Fails with EINVAL, every
    /// diagnostic ("line:col: message", one per line) in the message.
    static Result<Kernel> fromAssembly(std::string_view source);

    /// An assembled program (with its signature and ISA version), or
    /// machine words with @p entry as byte offset of the first instruction,
    /// an optional signature and the ISA version to dispatch them as
    /// (VSVM_ISA_VERSION, the highest, by default: it runs every program of
    /// an older version unchanged). EINVAL when empty, too large
    /// (DRM_VSVM_CODE_MAX_SIZE), the entry is outside or misaligned, or the
    /// version is not VSVM_ISA_VERSION_MIN to VSVM_ISA_VERSION.
    static Result<Kernel> fromProgram(const isa::Program& program);
    static Result<Kernel> fromWords(std::span<const uint64_t> words, uint32_t entry = 0,
                                    std::optional<KernelSignature> signature = std::nullopt,
                                    uint32_t isaVersion = VSVM_ISA_VERSION);

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
    /// drm_vsvm_dispatch.isa_version for this kernel.
    uint32_t isaVersion() const { return isaVersion_; }
    /// The parameters, or nullopt for an unchecked kernel.
    const std::optional<KernelSignature>& signature() const { return signature_; }
    /// False for a moved-from Kernel.
    bool valid() const { return code_ != nullptr; }

    /**
     * Whether @p args fit the signature: as many as it has parameters, each
     * accepted by its parameter's type (accepts()). EINVAL naming the
     * argument and both types otherwise ("argument 4 (f32 a) is given a
     * double, but f32 takes a float"); E2BIG for more than 16 arguments.
     * Always OK for a kernel without a signature (except E2BIG).
     */
    Status checkArgs(const KernelArgs& args) const;

private:
    Kernel(uint64_t* code, std::size_t codeSize, std::size_t mappedSize, uint32_t entry,
           std::optional<KernelSignature> signature, uint32_t isaVersion)
        : code_(code), codeSize_(codeSize), mappedSize_(mappedSize), entry_(entry),
          isaVersion_(isaVersion), signature_(std::move(signature))
    {
    }
    void unmap() noexcept;

    uint64_t* code_ = nullptr;
    std::size_t codeSize_ = 0;
    std::size_t mappedSize_ = 0;
    uint32_t entry_ = 0;
    uint32_t isaVersion_ = VSVM_ISA_VERSION;
    std::optional<KernelSignature> signature_;
};

/// A list of types, to tell two parameter packs apart.
template <typename... T>
struct TypeList {};

namespace detail {

/// Whether a TypedKernel parameter of type Param takes an Arg: accepts(),
/// and for pointers the C++ conversion (no float* for an int*).
template <typename Param, typename Arg>
constexpr bool typedArgFits()
{
    if constexpr (std::is_pointer_v<Param>)
        return std::is_pointer_v<Arg> && std::is_convertible_v<Arg, Param>;
    else
        return accepts(argTypeOf<Param>(), hostArgOf<Arg>());
}

// Position counts from 1; the compiler's note shows it with Param and Arg.
template <std::size_t Position, typename Param, typename Arg>
constexpr void checkTypedArg()
{
    static_assert(typedArgFits<Param, Arg>(),
                  "launch() of a TypedKernel: an argument's type does not fit its parameter (the "
                  "instantiation of checkTypedArg shows its Position, Param and Arg: a double for a float, an "
                  "integer wider than its parameter, a pointer to another type?)");
}

template <typename Params, typename Args>
struct TypedArgsCheck;

template <typename... Params, typename... Args>
struct TypedArgsCheck<TypeList<Params...>, TypeList<Args...>> {
    static constexpr bool run()
    {
        static_assert(sizeof...(Params) == sizeof...(Args),
                      "launch() of a TypedKernel: the number of arguments differs from the number of the "
                      "kernel's parameters");
        if constexpr (sizeof...(Params) == sizeof...(Args)) {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (checkTypedArg<I + 1, Params, Args>(), ...);
            }(std::index_sequence_for<Params...>{});
            return (typedArgFits<Params, Args>() && ...);
        }
        return false;
    }
};

/// Compile-time checks of a TypedKernel launch (static_asserts naming the
/// misuse); true when the arguments fit.
template <typename Params, typename Args>
constexpr bool checkTypedArgs()
{
    return TypedArgsCheck<Params, Args>::run();
}

} // namespace detail

/**
 * A Kernel whose parameters are C++ types, so that ComputeQueue::launch()
 * checks its arguments when the call compiles: a missing or extra argument,
 * a double for a float parameter, a uint64_t for a uint32_t, an int* for a
 * float* do not compile. Params are pointers, integers (32 or 64 bits) and
 * float or double (KernelArg).
 *
 *     auto saxpy = vsvm::TypedKernel<const float*, float*, uint32_t, float>::create(std::move(kernel));
 *     queue.launch(*saxpy, {groups}, {256}, x, y, n, 2.0f);
 *
 * Thread safety: as Kernel.
 */
template <KernelArg... Params>
class TypedKernel {
public:
    static_assert(sizeof...(Params) <= VSVM_ISA_MAX_ARGS, "at most 16 kernel parameters");

    /// The signature the C++ types stand for: "ptr, u32, f32".
    static KernelSignature signature() { return {{KernelParam{argTypeOf<Params>(), {}}...}}; }

    /// Wraps @p kernel. When it has a signature of its own, every parameter
    /// type must take its C++ type, else EINVAL naming the first that does not.
    static Result<TypedKernel> create(Kernel kernel)
    {
        if (!kernel.valid())
            return Status::error(EBADF, "TypedKernel::create(): use of a moved-from vsvm::Kernel");
        if (kernel.signature()) {
            KernelArgs sample;
            (sample.push(Params{}), ...);
            Status fits = kernel.checkArgs(sample);
            if (!fits.ok())
                return fits.withContext("TypedKernel<" + signature().toString() + ">");
        }
        return TypedKernel(std::move(kernel));
    }

    static Result<TypedKernel> fromAssembly(std::string_view source)
    {
        auto kernel = Kernel::fromAssembly(source);
        if (!kernel)
            return kernel.status();
        return create(std::move(kernel).value());
    }

    const Kernel& kernel() const { return kernel_; }

private:
    explicit TypedKernel(Kernel kernel) : kernel_(std::move(kernel)) {}

    Kernel kernel_;
};

} // namespace vsvm
