// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/**
 * What a kernel takes in s0, s1, ... (docs/isa.rst, "Initial state"), and the
 * rule that decides whether a C++ value may be passed for a parameter.
 *
 * The assembler fills a KernelSignature from the `.args` directive; a
 * compiler fills it from its own metadata. A kernel without one is
 * unchecked: its arguments are whatever 64-bit values the caller passes.
 *
 * Thread safety: these are values; const access from any number of threads.
 */
namespace vsvm {

/// The type of a kernel parameter, as `.args` spells it.
enum class ArgType : std::uint8_t {
    Ptr, ///< "ptr": an address of this process
    U32, ///< "u32"
    I32, ///< "i32"
    U64, ///< "u64"
    I64, ///< "i64"
    F32, ///< "f32": the float's bits in the low 32 bits
    F64, ///< "f64": the double's 64 bits
};

/// "ptr", "u32", ... as in `.args`.
std::string_view toString(ArgType type);

/// The type `.args` calls @p name, or nullopt.
std::optional<ArgType> parseArgType(std::string_view name);

/// One parameter: its type and, when the source gave one, its name.
struct KernelParam {
    ArgType type = ArgType::U64;
    std::string name;

    bool operator==(const KernelParam&) const = default;
};

/// The parameters of a kernel, in register order (the first is s0).
struct KernelSignature {
    std::vector<KernelParam> params;

    /// The `.args` operands: "ptr x, ptr y, u32 n, f32 a" ("" for none).
    std::string toString() const;

    /// "argument 4 (f32 a)": how messages name parameter @p index (from 0).
    std::string describeParam(std::size_t index) const;

    bool operator==(const KernelSignature&) const = default;
};

/// What a kernel argument may be: a pointer (any T*), an integer or enum, or
/// a float or double.
template <typename T>
concept KernelArg = std::is_pointer_v<T> || std::is_integral_v<T> || std::is_enum_v<T> ||
                    std::same_as<T, float> || std::same_as<T, double>;

/// What the caller passed for an argument: the kind of C++ value and, for an
/// integer, its width. Bits is a 64-bit value given as is (KernelArgs::pushBits).
struct HostArg {
    enum class Kind : std::uint8_t { Bits, Pointer, Signed, Unsigned, Float, Double };
    Kind kind = Kind::Bits;
    std::uint8_t bits = 64; ///< width of an integer

    /// "a double", "a pointer", "a 64-bit unsigned integer", "raw 64-bit bits".
    std::string describe() const;

    bool operator==(const HostArg&) const = default;
};

/// The HostArg of a C++ argument type.
template <KernelArg T>
constexpr HostArg hostArgOf()
{
    using Kind = HostArg::Kind;
    if constexpr (std::is_pointer_v<T>)
        return {Kind::Pointer, 64};
    else if constexpr (std::same_as<T, float>)
        return {Kind::Float, 32};
    else if constexpr (std::same_as<T, double>)
        return {Kind::Double, 64};
    else if constexpr (std::is_enum_v<T>)
        return hostArgOf<std::underlying_type_t<T>>();
    else
        return {std::is_signed_v<T> ? Kind::Signed : Kind::Unsigned, static_cast<std::uint8_t>(8 * sizeof(T))};
}

/// The ArgType a C++ parameter type stands for (TypedKernel's parameters).
template <KernelArg T>
constexpr ArgType argTypeOf()
{
    constexpr HostArg host = hostArgOf<T>();
    switch (host.kind) {
    case HostArg::Kind::Pointer:
        return ArgType::Ptr;
    case HostArg::Kind::Float:
        return ArgType::F32;
    case HostArg::Kind::Double:
        return ArgType::F64;
    case HostArg::Kind::Signed:
        return host.bits <= 32 ? ArgType::I32 : ArgType::I64;
    default:
        return host.bits <= 32 ? ArgType::U32 : ArgType::U64;
    }
}

/**
 * Whether a parameter of type @p param takes @p given: a pointer only a
 * pointer; an integer parameter any integer no wider than itself, of either
 * signedness (so a size_t is not silently cut to u32); f32 only a float and
 * f64 only a double (their bits differ: a double is never converted). Raw
 * bits go anywhere: whoever calls pushBits() chose them.
 */
constexpr bool accepts(ArgType param, HostArg given)
{
    using Kind = HostArg::Kind;
    switch (given.kind) {
    case Kind::Bits:
        return true;
    case Kind::Pointer:
        return param == ArgType::Ptr;
    case Kind::Float:
        return param == ArgType::F32;
    case Kind::Double:
        return param == ArgType::F64;
    case Kind::Signed:
    case Kind::Unsigned:
        if (param == ArgType::U32 || param == ArgType::I32)
            return given.bits <= 32;
        return param == ArgType::U64 || param == ArgType::I64;
    }
    return false;
}

} // namespace vsvm
