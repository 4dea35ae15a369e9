// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "isa/signature.h"

#include <algorithm>
#include <array>
#include <cerrno>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <vsvm_isa.h>

#include "isa/syntax.h"
#include "vsvm/isa.h"

namespace vsvm {
namespace {

constexpr std::array<std::string_view, 7> kArgTypeNames = {"ptr", "u32", "i32", "u64", "i64", "f32", "f64"};

} // namespace

std::string_view toString(ArgType type)
{
    auto index = static_cast<std::size_t>(type);
    return index < kArgTypeNames.size() ? kArgTypeNames[index] : "?";
}

std::optional<ArgType> parseArgType(std::string_view name)
{
    auto found = std::find(kArgTypeNames.begin(), kArgTypeNames.end(), name);
    if (found == kArgTypeNames.end())
        return std::nullopt;
    return static_cast<ArgType>(found - kArgTypeNames.begin());
}

std::string KernelSignature::toString() const
{
    std::string text;
    for (const KernelParam& param : params) {
        text += fmt::format("{}{}", text.empty() ? "" : ", ", vsvm::toString(param.type));
        if (!param.name.empty())
            text += " " + param.name;
    }
    return text;
}

std::string KernelSignature::describeParam(std::size_t index) const
{
    if (index >= params.size())
        return fmt::format("argument {}", index + 1);
    const KernelParam& param = params[index];
    return fmt::format("argument {} ({}{}{})", index + 1, vsvm::toString(param.type), param.name.empty() ? "" : " ",
                       param.name);
}

std::string HostArg::describe() const
{
    switch (kind) {
    case Kind::Bits:
        return "raw 64-bit bits";
    case Kind::Pointer:
        return "a pointer";
    case Kind::Float:
        return "a float";
    case Kind::Double:
        return "a double";
    case Kind::Signed:
        return fmt::format("a {}-bit signed integer", bits);
    case Kind::Unsigned:
        break;
    }
    return fmt::format("a {}-bit unsigned integer", bits);
}

namespace isa {
namespace detail {

std::optional<std::string> SignatureReader::add(std::string_view operand)
{
    std::string_view type = operand.substr(0, operand.find_first_of(" \t"));
    std::string_view rest = operand.substr(type.size());
    while (!rest.empty() && syntax::isSpace(rest.front()))
        rest.remove_prefix(1);
    std::string_view name = rest;

    auto argType = parseArgType(type);
    if (!argType)
        return fmt::format("unknown argument type '{}' ({})", type, fmt::join(kArgTypeNames, ", "));
    if (name.find_first_of(" \t") != std::string_view::npos)
        return fmt::format(".args takes 'TYPE [NAME]' per argument, not '{}'", operand);
    if (!name.empty() && !syntax::isIdentifier(name))
        return fmt::format("bad argument name '{}' (letters, digits, '_' and '.', not starting with a digit)",
                           name);
    auto& params = signature_.params;
    if (!name.empty() && std::any_of(params.begin(), params.end(),
                                     [&](const KernelParam& param) { return param.name == name; }))
        return fmt::format("duplicate argument name '{}'", name);
    if (params.size() == VSVM_ISA_MAX_ARGS)
        return fmt::format("more than {} arguments (they are s0-s{})", VSVM_ISA_MAX_ARGS, VSVM_ISA_MAX_ARGS - 1);
    params.push_back({*argType, std::string(name)});
    return std::nullopt;
}

} // namespace detail

Result<KernelSignature> parseSignature(std::string_view text)
{
    auto trim = [](std::string_view item) {
        while (!item.empty() && detail::syntax::isSpace(item.front()))
            item.remove_prefix(1);
        while (!item.empty() && detail::syntax::isSpace(item.back()))
            item.remove_suffix(1);
        return item;
    };
    detail::SignatureReader reader;
    if (trim(text).empty())
        return reader.take();
    for (std::size_t start = 0, index = 1;; index++) {
        std::size_t comma = text.find(',', start);
        std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (item.empty())
            return Status::error(EINVAL, fmt::format("kernel signature '{}': argument {} is missing", text, index));
        if (auto error = reader.add(item))
            return Status::error(EINVAL, fmt::format("kernel signature '{}': argument {}: {}", text, index, *error));
        if (comma == std::string_view::npos)
            return reader.take();
        start = comma + 1;
    }
}

} // namespace isa
} // namespace vsvm
