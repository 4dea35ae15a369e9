// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "run_options.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace vsvm::tools {
namespace {

Status invalid(std::string message)
{
    return Status::error(EINVAL, std::move(message));
}

/// A whole number, decimal or 0x hex, nothing else around it.
bool parseUnsigned(std::string_view text, uint64_t& value)
{
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
        base = 16;
    }
    if (text.empty())
        return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return error == std::errc() && end == text.data() + text.size();
}

bool parseFloat(std::string_view text, double& value)
{
    if (text.ends_with('f') || text.ends_with('F'))
        text.remove_suffix(1);
    if (text.empty())
        return false;
    // std::from_chars for double: libstdc++ has it since GCC 11.
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

bool isName(std::string_view name)
{
    auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    return !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
           std::all_of(name.begin(), name.end(), ok);
}

/// Splits "NAME=REST" and checks NAME.
Result<std::pair<std::string, std::string_view>> splitName(std::string_view text, std::string_view what,
                                                           std::string_view form)
{
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos)
        return invalid(fmt::format("{} '{}': expected {}", what, text, form));
    std::string_view name = text.substr(0, equals);
    if (!isName(name))
        return invalid(fmt::format("{} '{}': '{}' is not a name (letters, digits, _)", what, text, name));
    return std::pair{std::string(name), text.substr(equals + 1)};
}

Result<BufferInit> parseInit(std::string_view text)
{
    std::string_view key = text.substr(0, text.find('='));
    bool hasValue = key.size() < text.size();
    std::string_view value = hasValue ? text.substr(key.size() + 1) : std::string_view{};
    BufferInit init;
    if (key == "zero" && !hasValue)
        init.kind = BufferInit::Kind::Zero;
    else if (key == "iota32" && !hasValue)
        init.kind = BufferInit::Kind::Iota32;
    else if (key == "iota64" && !hasValue)
        init.kind = BufferInit::Kind::Iota64;
    else if (key == "random") {
        init.kind = BufferInit::Kind::Random;
        init.value = 1;
        if (hasValue && !parseUnsigned(value, init.value))
            return invalid(fmt::format("random={}: the seed must be a whole number", value));
    } else if (key == "fill") {
        init.kind = BufferInit::Kind::Fill;
        if (!hasValue || !parseUnsigned(value, init.value))
            return invalid(fmt::format("fill={}: the pattern must be a 64-bit number such as 0xff", value));
    } else if (key == "f32") {
        double number = 0;
        if (!hasValue || !parseFloat(value, number))
            return invalid(fmt::format("f32={}: not a number", value));
        init.kind = BufferInit::Kind::Float;
        init.value = std::bit_cast<uint32_t>(static_cast<float>(number));
    } else if (key == "copy") {
        if (!hasValue || value.empty())
            return invalid("copy=PATH: the path is missing");
        init.kind = BufferInit::Kind::Copy;
        init.path = std::string(value);
    } else {
        return invalid(fmt::format("unknown contents '{}' (zero, fill=PATTERN, iota32, iota64, "
                                   "random[=SEED], f32=VALUE, copy=PATH)",
                                   text));
    }
    return init;
}

std::string_view typeName(PrintSpec::Type type)
{
    constexpr std::string_view kNames[] = {"u8", "u16", "u32", "u64", "i32", "i64", "f32", "x8", "x32", "x64"};
    return kNames[static_cast<int>(type)];
}

std::size_t typeSize(PrintSpec::Type type)
{
    switch (type) {
    case PrintSpec::Type::U8:
    case PrintSpec::Type::X8:
        return 1;
    case PrintSpec::Type::U16:
        return 2;
    case PrintSpec::Type::U32:
    case PrintSpec::Type::I32:
    case PrintSpec::Type::F32:
    case PrintSpec::Type::X32:
        return 4;
    case PrintSpec::Type::U64:
    case PrintSpec::Type::I64:
    case PrintSpec::Type::X64:
        return 8;
    }
    return 1;
}

std::string formatElement(PrintSpec::Type type, const uint8_t* bytes)
{
    uint64_t raw = 0;
    std::memcpy(&raw, bytes, typeSize(type)); // little-endian host
    switch (type) {
    case PrintSpec::Type::I32:
        return fmt::format("{}", static_cast<int32_t>(raw));
    case PrintSpec::Type::I64:
        return fmt::format("{}", static_cast<int64_t>(raw));
    case PrintSpec::Type::F32:
        return fmt::format("{}", std::bit_cast<float>(static_cast<uint32_t>(raw)));
    case PrintSpec::Type::X8:
        return fmt::format("{:02x}", raw);
    case PrintSpec::Type::X32:
        return fmt::format("{:08x}", raw);
    case PrintSpec::Type::X64:
        return fmt::format("{:016x}", raw);
    default:
        return fmt::format("{}", raw);
    }
}

} // namespace

Result<uint64_t> parseSize(std::string_view text)
{
    std::string_view digits = text;
    unsigned shift = 0;
    if (!digits.empty()) {
        switch (digits.back()) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        }
        if (shift)
            digits.remove_suffix(1);
    }
    uint64_t value = 0;
    if (!parseUnsigned(digits, value) || value == 0)
        return invalid(fmt::format("size '{}': expected a number of bytes such as 4096, 64K, 2M or 1G", text));
    if (value > (std::numeric_limits<uint64_t>::max() >> shift))
        return invalid(fmt::format("size '{}' is too large", text));
    return value << shift;
}

Result<Dim3> parseDim3(std::string_view text)
{
    uint32_t sizes[3] = {1, 1, 1};
    std::string_view rest = text;
    for (int i = 0; i < 3; i++) {
        std::size_t x = rest.find('x');
        std::string_view part = rest.substr(0, x);
        uint64_t value = 0;
        if (!parseUnsigned(part, value) || value == 0 || value > std::numeric_limits<uint32_t>::max())
            return invalid(fmt::format("'{}': expected X, XxY or XxYxZ with whole numbers from 1", text));
        sizes[i] = static_cast<uint32_t>(value);
        if (x == std::string_view::npos)
            return Dim3{sizes[0], sizes[1], sizes[2]};
        rest = rest.substr(x + 1);
    }
    return invalid(fmt::format("'{}': at most 3 dimensions", text));
}

Result<BufferSpec> parseBuffer(std::string_view text)
{
    auto named = splitName(text, "--buf", "NAME=SIZE[:INIT]");
    if (!named)
        return named.status();
    auto [name, rest] = *named;
    std::size_t colon = rest.find(':');
    auto size = parseSize(rest.substr(0, colon));
    if (!size)
        return size.status().withContext(fmt::format("--buf {}", text));
    BufferSpec spec;
    spec.name = name;
    spec.size = *size;
    if (colon != std::string_view::npos) {
        auto init = parseInit(rest.substr(colon + 1));
        if (!init)
            return init.status().withContext(fmt::format("--buf {}", text));
        spec.init = std::move(*init);
    }
    return spec;
}

Result<BufferSpec> parseFileBuffer(std::string_view text)
{
    auto named = splitName(text, "--file", "NAME=PATH[:rw]");
    if (!named)
        return named.status();
    auto [name, path] = *named;
    BufferSpec spec;
    spec.name = name;
    if (path.ends_with(":rw")) {
        spec.fileWritable = true;
        path.remove_suffix(3);
    }
    if (path.empty())
        return invalid(fmt::format("--file {}: the path is missing", text));
    spec.filePath = std::string(path);
    return spec;
}

Result<Protection> parseProtection(std::string_view text)
{
    auto named = splitName(text, "--protect", "NAME=none|read");
    if (!named)
        return named.status();
    if (named->second == "none")
        return Protection{named->first, PROT_NONE};
    if (named->second == "read")
        return Protection{named->first, PROT_READ};
    return invalid(fmt::format("--protect {}: the protection must be none or read", text));
}

namespace {

/// An integer of --arg: "42", "-1", "0x10".
struct ParsedInteger {
    bool negative = false;
    uint64_t magnitude = 0;
};

std::optional<ParsedInteger> parseInteger(std::string_view text)
{
    ParsedInteger integer;
    integer.negative = text.starts_with('-');
    if (!parseUnsigned(integer.negative ? text.substr(1) : text, integer.magnitude))
        return std::nullopt;
    return integer;
}

// The integer as a @p bits-wide integer of that signedness, or nullopt when
// it does not fit.
std::optional<NumberArg> fitInteger(const ParsedInteger& integer, bool isSigned, unsigned bits)
{
    using Kind = HostArg::Kind;
    const uint64_t unsignedMax = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    const uint64_t positiveMax = isSigned ? unsignedMax >> 1 : unsignedMax;
    const uint64_t negativeMax = isSigned ? positiveMax + 1 : 0;
    if (integer.negative ? integer.magnitude > negativeMax : integer.magnitude > positiveMax)
        return std::nullopt;
    uint64_t value = integer.negative ? ~integer.magnitude + 1 : integer.magnitude;
    return NumberArg{value, {isSigned ? Kind::Signed : Kind::Unsigned, static_cast<uint8_t>(bits)}};
}

NumberArg floatArg(double value)
{
    return {uint64_t{std::bit_cast<uint32_t>(static_cast<float>(value))}, {HostArg::Kind::Float, 32}};
}

NumberArg doubleArg(double value)
{
    return {std::bit_cast<uint64_t>(value), {HostArg::Kind::Double, 64}};
}

// A number for a parameter of @p type; why not, if it is not one.
Result<NumberArg> typedNumber(std::string_view text, ArgType type, std::string_view param)
{
    auto integer = parseInteger(text);
    std::string_view number = text.starts_with("f64:") ? text.substr(4) : text;
    double value = 0;
    bool isNumber = integer || parseFloat(number, value);
    if (integer)
        value = integer->negative ? -static_cast<double>(integer->magnitude) : static_cast<double>(integer->magnitude);
    auto fail = [&](std::string_view expected) {
        return invalid(fmt::format("--arg {}: kernel {} takes {}", text, param, expected));
    };
    switch (type) {
    case ArgType::Ptr:
        if (integer && !integer->negative)
            return NumberArg{integer->magnitude, HostArg{}}; // an address, as is
        return fail("a buffer name, NAME+OFFSET or an address");
    case ArgType::F32:
    case ArgType::F64:
        if (!isNumber || (type == ArgType::F32 && text.starts_with("f64:")))
            return fail(type == ArgType::F32 ? "a number (a float32)" : "a number (a double)");
        return type == ArgType::F32 ? floatArg(value) : doubleArg(value);
    default: {
        bool isSigned = type == ArgType::I32 || type == ArgType::I64;
        unsigned bits = type == ArgType::U32 || type == ArgType::I32 ? 32 : 64;
        auto fitted = integer ? fitInteger(*integer, isSigned, bits) : std::nullopt;
        if (!fitted && isSigned)
            return fail(bits == 32 ? fmt::format("a whole number from {} to {}", INT32_MIN, INT32_MAX)
                                   : fmt::format("a whole number from {} to {}", INT64_MIN, INT64_MAX));
        if (!fitted)
            return fail(fmt::format("a whole number from 0 to {}", bits == 32 ? uint64_t{UINT32_MAX} : UINT64_MAX));
        return *fitted;
    }
    }
}

} // namespace

Result<ArgSpec> parseArg(std::string_view text, std::span<const std::string> bufferNames, const KernelParam* param,
                         std::string_view paramName)
{
    std::size_t plus = text.find('+');
    std::string_view name = text.substr(0, plus);
    if (std::find(bufferNames.begin(), bufferNames.end(), name) != bufferNames.end()) {
        uint64_t offset = 0;
        if (plus != std::string_view::npos &&
            (!parseUnsigned(text.substr(plus + 1), offset) ||
             offset > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())))
            return invalid(fmt::format("--arg {}: the offset must be a whole number of bytes", text));
        if (param && param->type != ArgType::Ptr)
            return invalid(fmt::format("--arg {}: kernel {} is {}, not an address", text, paramName,
                                       toString(param->type)));
        return ArgSpec{BufferRef{std::string(name), static_cast<int64_t>(offset)}};
    }
    if (isName(text) && text != "inf" && text != "nan")
        return invalid(fmt::format("--arg {}: no buffer of that name (declare it with --buf or --file)", text));

    if (param) {
        auto number = typedNumber(text, param->type, paramName);
        if (!number)
            return number.status();
        return ArgSpec{*number};
    }
    if (text.starts_with("f64:")) {
        double value = 0;
        if (!parseFloat(text.substr(4), value))
            return invalid(fmt::format("--arg {}: not a number", text));
        return ArgSpec{doubleArg(value)};
    }
    if (auto integer = parseInteger(text)) {
        if (integer->negative && integer->magnitude > uint64_t{1} << 63)
            return invalid(fmt::format("--arg {}: below the smallest 64-bit integer", text));
        return ArgSpec{*fitInteger(*integer, integer->negative, 64)};
    }
    double value = 0;
    if (parseFloat(text, value))
        return ArgSpec{floatArg(value)};
    return invalid(fmt::format("--arg {}: expected a buffer name, NAME+OFFSET, an integer, a float "
                               "(2.5) or f64:VALUE",
                               text));
}

Result<PrintSpec> parsePrint(std::string_view text)
{
    PrintSpec spec;
    std::size_t colon = text.find(':');
    spec.name = std::string(text.substr(0, colon));
    if (!isName(spec.name))
        return invalid(fmt::format("--print {}: expected NAME[:TYPE[:COUNT]]", text));
    if (colon == std::string_view::npos)
        return spec;
    std::string_view rest = text.substr(colon + 1);
    std::size_t second = rest.find(':');
    std::string_view type = rest.substr(0, second);
    bool known = false;
    for (int t = 0; t <= static_cast<int>(PrintSpec::Type::X64); t++) {
        if (typeName(static_cast<PrintSpec::Type>(t)) == type) {
            spec.type = static_cast<PrintSpec::Type>(t);
            known = true;
        }
    }
    if (!known)
        return invalid(fmt::format("--print {}: unknown type '{}' (u8, u16, u32, u64, i32, i64, f32, x8, "
                                   "x32, x64)",
                                   text, type));
    if (second != std::string_view::npos &&
        (!parseUnsigned(rest.substr(second + 1), spec.count) || spec.count == 0))
        return invalid(fmt::format("--print {}: the count must be a whole number from 1", text));
    return spec;
}

std::string formatBuffer(const PrintSpec& spec, std::span<const uint8_t> bytes)
{
    std::size_t size = typeSize(spec.type);
    uint64_t elements = bytes.size() / size;
    uint64_t shown = std::min(elements, spec.count);
    std::string text = fmt::format("{} ({}[{}]):", spec.name, typeName(spec.type), elements);
    for (uint64_t i = 0; i < shown; i++)
        text += " " + formatElement(spec.type, bytes.data() + i * size);
    if (shown < elements)
        text += fmt::format(" ... ({} more)", elements - shown);
    return text;
}

std::string formatProgress(uint64_t done, uint64_t total, double seconds, std::size_t width)
{
    std::size_t filled = total ? static_cast<std::size_t>(width * done / total) : width;
    return fmt::format("[{}{}] {:>{}}/{} jobs {:.1f} s", std::string(filled, '#'), std::string(width - filled, '.'),
                       done, fmt::formatted_size("{}", total), total, seconds);
}

} // namespace vsvm::tools
