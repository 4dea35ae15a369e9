// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The lexical pieces of the assembler syntax (docs/isa.rst, "Assembler
// syntax"): the assembler parses with them and the disassembler checks that
// what it prints parses back.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vsvm::isa::detail::syntax {

inline bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// Letters, digits, '_' and '.', not starting with a digit.
bool isIdentifier(std::string_view text);

struct Register {
    enum Status { NotRegister, Ok, BadNumber } status = NotRegister;
    unsigned code = 0; ///< the operand code when Ok
};

/// sN, vN, exec, laneid; "s64" or "v1000" are BadNumber.
Register parseRegister(std::string_view text);

/// An optionally negative decimal or 0x-hex integer.
struct Integer {
    enum Status { NotInteger, Ok, TooLarge } status = NotInteger;
    bool negative = false;
    std::uint64_t magnitude = 0;

    /// The value when it fits in int64_t.
    std::optional<std::int64_t> signedValue() const;
    /// The 64-bit word when the value fits in 64 bits, signed or unsigned.
    std::optional<std::uint64_t> wordValue() const;
};

Integer parseInteger(std::string_view text);

/// Written as a float: decimal digits with a point or an exponent.
bool looksLikeFloat(std::string_view text);

/// The binary32 value of a float literal, nullopt when it is out of range.
std::optional<float> parseFloat(std::string_view text);

/// Shortest text that parseFloat() reads back as @p value, or nullopt for
/// values the literal syntax cannot express (infinities, NaNs, subnormals).
std::optional<std::string> formatFloat(float value);

} // namespace vsvm::isa::detail::syntax
