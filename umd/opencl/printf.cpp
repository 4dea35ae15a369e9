// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// OpenCL C printf on the host: the records a launch left in its printf
// buffer (vsvm/cc.h, "printf"), formatted with the C library's snprintf,
// one conversion at a time, because OpenCL's vector specifiers (%v4hld)
// repeat a conversion over the components of one argument.

#include "printf.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "icd.h"

namespace vsvm::opencl {

namespace {

using cc::PrintfArg;

// One conversion specification, parsed.
struct Spec {
    std::string flags;
    std::string width, precision; // digits; "*" takes an int argument
    bool hasPrecision = false;
    unsigned vector = 0;          // %vN: N components; 0 for a scalar
    std::string length;           // hh, h, hl, l
    char conversion = 0;
};

// The spec at @p at (after the '%'); false when it is not one (printed as it is).
bool parseSpec(const std::string& f, std::size_t& at, Spec& spec)
{
    while (at < f.size() && std::strchr("-+ #0", f[at]))
        spec.flags += f[at++];
    if (at < f.size() && f[at] == '*')
        spec.width = f[at++];
    while (at < f.size() && std::isdigit(static_cast<unsigned char>(f[at])))
        spec.width += f[at++];
    if (at < f.size() && f[at] == '.') {
        spec.hasPrecision = true;
        at++;
        if (at < f.size() && f[at] == '*')
            spec.precision = f[at++];
        while (at < f.size() && std::isdigit(static_cast<unsigned char>(f[at])))
            spec.precision += f[at++];
    }
    if (at < f.size() && f[at] == 'v') {
        std::size_t digits = at + 1;
        while (digits < f.size() && std::isdigit(static_cast<unsigned char>(f[digits])))
            digits++;
        unsigned n = static_cast<unsigned>(std::atoi(f.substr(at + 1, digits - at - 1).c_str()));
        if (n != 2 && n != 3 && n != 4 && n != 8 && n != 16)
            return false;
        spec.vector = n;
        at = digits;
    }
    for (const char* length : {"hh", "hl", "h", "l"}) {
        if (f.compare(at, std::strlen(length), length) == 0) {
            spec.length = length;
            at += std::strlen(length);
            break;
        }
    }
    if (at >= f.size() || !std::strchr("diouxXcsfFeEgGaAp", f[at]))
        return false;
    spec.conversion = f[at++];
    return true;
}

std::uint64_t mask(std::uint64_t v, unsigned bits)
{
    return bits >= 64 ? v : v & ((std::uint64_t{1} << bits) - 1);
}

std::int64_t signExtend(std::uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return static_cast<std::int64_t>(v);
    std::uint64_t sign = std::uint64_t{1} << (bits - 1);
    return static_cast<std::int64_t>((mask(v, bits) ^ sign) - sign);
}

template <typename... T>
std::string cFormat(const std::string& spec, T... values)
{
    int n = std::snprintf(nullptr, 0, spec.c_str(), values...);
    if (n < 0)
        return spec;
    std::string out(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(out.data(), out.size(), spec.c_str(), values...);
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// One component @p word of an argument typed @p arg, for @p spec.
std::string formatValue(const Spec& spec, const std::string& head, std::uint64_t word, const PrintfArg& arg,
                        const std::vector<std::uint8_t>& constants, std::uint64_t constantsAddress)
{
    switch (spec.conversion) {
    case 'd':
    case 'i': {
        std::int64_t v = arg.kind == PrintfArg::Kind::Int ? signExtend(word, arg.bits) : static_cast<std::int64_t>(word);
        if (spec.length == "hh")
            v = static_cast<signed char>(v);
        else if (spec.length == "h")
            v = static_cast<short>(v);
        else if (spec.length != "l")
            v = static_cast<int>(v);
        return cFormat(head + "ll" + spec.conversion, static_cast<long long>(v));
    }
    case 'o':
    case 'u':
    case 'x':
    case 'X': {
        std::uint64_t v = mask(word, arg.bits);
        if (spec.length == "hh")
            v = static_cast<unsigned char>(v);
        else if (spec.length == "h")
            v = static_cast<unsigned short>(v);
        else if (spec.length != "l")
            v = static_cast<unsigned>(v);
        return cFormat(head + "ll" + spec.conversion, static_cast<unsigned long long>(v));
    }
    case 'c':
        return cFormat(head + "c", static_cast<int>(static_cast<unsigned char>(word)));
    case 's': {
        const char* text = "(null)";
        std::string copy;
        if (word >= constantsAddress && word < constantsAddress + constants.size()) {
            auto first = constants.begin() + static_cast<std::ptrdiff_t>(word - constantsAddress);
            copy.assign(first, std::find(first, constants.end(), std::uint8_t{0}));
            text = copy.c_str();
        } else if (word) {
            text = "(not a string literal)";
        }
        return cFormat(head + "s", text);
    }
    case 'p':
        return cFormat(head + "p", reinterpret_cast<void*>(static_cast<std::uintptr_t>(word)));
    default: { // f F e E g G a A
        double v;
        if (arg.kind == PrintfArg::Kind::Float && arg.bits == 32) {
            float f;
            auto bits = static_cast<std::uint32_t>(word);
            std::memcpy(&f, &bits, sizeof f);
            v = f;
        } else if (arg.kind == PrintfArg::Kind::Float) {
            std::memcpy(&v, &word, sizeof v);
        } else {
            v = static_cast<double>(signExtend(word, arg.bits));
        }
        return cFormat(head + spec.conversion, v);
    }
    }
}

} // namespace

std::string formatPrintf(const cc::PrintfFormat& format, const std::uint64_t* words, std::size_t count,
                         const std::vector<std::uint8_t>& constants, std::uint64_t constantsAddress)
{
    const std::string& f = format.format;
    std::string out;
    std::size_t arg = 0, word = 0;
    // The next argument's words, or null when the call passed no more.
    auto next = [&](const PrintfArg** desc) -> const std::uint64_t* {
        if (arg >= format.args.size() || word + format.args[arg].components > count)
            return nullptr;
        *desc = &format.args[arg++];
        const std::uint64_t* at = words + word;
        word += (*desc)->components;
        return at;
    };
    for (std::size_t at = 0; at < f.size();) {
        if (f[at] != '%') {
            out += f[at++];
            continue;
        }
        std::size_t start = at++;
        if (at < f.size() && f[at] == '%') {
            out += '%';
            at++;
            continue;
        }
        Spec spec;
        if (!parseSpec(f, at, spec)) {
            out += f.substr(start, at - start);
            continue;
        }
        // A "*" width or precision is an int argument before the value.
        const PrintfArg* desc = nullptr;
        auto star = [&](std::string& field) {
            if (field != "*")
                return true;
            const std::uint64_t* w = next(&desc);
            if (!w)
                return false;
            field = std::to_string(static_cast<int>(signExtend(*w, desc->bits)));
            return true;
        };
        const std::uint64_t* values = nullptr;
        if (star(spec.width) && star(spec.precision))
            values = next(&desc);
        if (!values) {
            out += f.substr(start, at - start);
            continue;
        }
        std::string head = "%" + spec.flags + spec.width + (spec.hasPrecision ? "." + spec.precision : "");
        unsigned n = spec.vector ? std::min<unsigned>(spec.vector, desc->components) : 1;
        for (unsigned c = 0; c < n; c++) {
            if (c)
                out += ',';
            out += formatValue(spec, head, values[c], *desc, constants, constantsAddress);
        }
    }
    return out;
}

std::shared_ptr<PrintfBuffer> PrintfBuffer::create(std::size_t bytes)
{
    try {
        auto buffer = std::make_shared<PrintfBuffer>();
        buffer->words_.assign(bytes / 8, 0);
        buffer->words_[cc::kPrintfCapacity / 8] = bytes / 8 * 8 - cc::kPrintfRecords;
        return buffer;
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

std::uint64_t PrintfBuffer::lost() const
{
    return __atomic_load_n(&words_[cc::kPrintfLost / 8], __ATOMIC_ACQUIRE);
}

std::string PrintfBuffer::format(const cc::CompiledKernel& kernel) const
{
    std::uint64_t used = __atomic_load_n(&words_[cc::kPrintfUsed / 8], __ATOMIC_ACQUIRE);
    std::uint64_t end = std::min(used, words_[cc::kPrintfCapacity / 8]);
    const std::uint64_t* records = words_.data() + cc::kPrintfRecords / 8;
    auto constantsAddress = reinterpret_cast<std::uintptr_t>(kernel.constants.data());
    std::string out;
    // Reservations only grow: the records written are those before the
    // first that did not fit, whose header is still 0.
    for (std::uint64_t at = 0; at + 8 <= end;) {
        std::uint64_t header = records[at / 8];
        std::uint64_t index = header & 0xffffffff, bytes = header >> 32;
        if (bytes < 8 || bytes % 8 || at + bytes > end || index >= kernel.printfFormats.size())
            break;
        out += formatPrintf(kernel.printfFormats[index], records + at / 8 + 1, bytes / 8 - 1, kernel.constants,
                            constantsAddress);
        at += bytes;
    }
    return out;
}

void PrintfBuffer::print(const cc::CompiledKernel& kernel) const
{
    std::string text = format(kernel);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (std::uint64_t n = lost())
        logLine(fmt::format("kernel {}: {} printf calls did not fit in the {}-byte printf buffer (they returned -1)",
                            kernel.name, n, words_.size() * 8));
}

} // namespace vsvm::opencl
