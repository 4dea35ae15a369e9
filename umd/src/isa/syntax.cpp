// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "isa/syntax.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <vsvm_isa.h>

namespace vsvm::isa::detail::syntax {
namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isLetter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

} // namespace

bool isIdentifier(std::string_view text)
{
    if (text.empty() || isDigit(text.front()))
        return false;
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return isLetter(c) || isDigit(c) || c == '_' || c == '.'; });
}

Register parseRegister(std::string_view text)
{
    if (text == "exec")
        return {Register::Ok, VSVM_ISA_OP_EXEC};
    if (text == "laneid")
        return {Register::Ok, VSVM_ISA_OP_LANEID};
    if (text.size() < 2 || (text[0] != 's' && text[0] != 'v'))
        return {};
    std::string_view digits = text.substr(1);
    if (!std::all_of(digits.begin(), digits.end(), isDigit))
        return {};
    unsigned number = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    bool scalar = text[0] == 's';
    unsigned count = scalar ? VSVM_ISA_NUM_SREGS : VSVM_ISA_NUM_VREGS;
    if (ec != std::errc() || number >= count)
        return {Register::BadNumber, 0};
    return {Register::Ok, scalar ? VSVM_ISA_OP_SREG(number) : VSVM_ISA_OP_VREG(number)};
}

Integer parseInteger(std::string_view text)
{
    Integer result;
    if (text.starts_with('-')) {
        result.negative = true;
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.starts_with("0x")) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty())
        return {};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), result.magnitude, base);
    if (end != text.data() + text.size())
        return {};
    // from_chars also moves past the digits of a number too large for it.
    result.status = ec == std::errc() ? Integer::Ok : Integer::TooLarge;
    return result;
}

std::optional<std::int64_t> Integer::signedValue() const
{
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (status != Ok || magnitude > kMax + (negative ? 1 : 0))
        return std::nullopt;
    return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

std::optional<std::uint64_t> Integer::wordValue() const
{
    if (status != Ok)
        return std::nullopt;
    if (!negative)
        return magnitude;
    auto value = signedValue();
    if (!value)
        return std::nullopt;
    return static_cast<std::uint64_t>(*value);
}

bool looksLikeFloat(std::string_view text)
{
    std::string_view body = text.starts_with('-') ? text.substr(1) : text;
    if (body.empty() || !(isDigit(body.front()) || body.front() == '.') || body.starts_with("0x"))
        return false;
    return body.find_first_of(".eE") != std::string_view::npos &&
           std::all_of(body.begin(), body.end(),
                       [](char c) { return isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'; });
}

std::optional<float> parseFloat(std::string_view text)
{
    float value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::optional<std::string> formatFloat(float value)
{
    if (!std::isfinite(value) || (value != 0 && !std::isnormal(value)))
        return std::nullopt;
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".e") == std::string::npos)
        text += ".0";
    auto back = parseFloat(text);
    if (!back || std::bit_cast<std::uint32_t>(*back) != std::bit_cast<std::uint32_t>(value))
        return std::nullopt;
    return text;
}

} // namespace vsvm::isa::detail::syntax
