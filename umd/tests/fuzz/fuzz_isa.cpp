// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// Feeds arbitrary bytes to the assembler (as source text) and to the
// disassembler (as words), and checks the round trip on both: whatever
// assembles must assemble the same after disassembly, and whatever words
// disassemble must assemble back to themselves, .args included. Any
// difference aborts.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "vsvm/isa.h"

namespace {

using vsvm::isa::Assembly;

[[noreturn]] void fail(const char* what, std::string_view text)
{
    std::fprintf(stderr, "round trip broken: %s\n--- text ---\n%.*s\n", what, static_cast<int>(text.size()),
                 text.data());
    std::abort();
}

void checkReassembles(std::span<const std::uint64_t> words, std::optional<std::uint32_t> entry,
                      const std::optional<vsvm::KernelSignature>& signature)
{
    auto text = vsvm::isa::disassemble(
        words, {.entry = entry, .showEncoding = (words.size() % 2) != 0, .signature = signature});
    if (!text.ok())
        fail("disassemble refused a valid entry", "");
    Assembly back = vsvm::isa::assemble(*text);
    if (!back.ok())
        fail(back.diagnostics[0].message.c_str(), *text);
    if (!std::equal(back.program.words.begin(), back.program.words.end(), words.begin(), words.end()))
        fail("different words", *text);
    if (back.program.entry != entry.value_or(0))
        fail("different entry", *text);
    if (back.program.signature != signature)
        fail("different .args", *text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view source(reinterpret_cast<const char*>(data), size);
    Assembly assembly = vsvm::isa::assemble(source);
    if (assembly.ok() && !assembly.program.words.empty())
        checkReassembles(assembly.program.words, assembly.program.entry, assembly.program.signature);

    std::vector<std::uint64_t> words(size / sizeof(std::uint64_t));
    if (!words.empty())
        std::memcpy(words.data(), data, words.size() * sizeof(std::uint64_t));
    checkReassembles(words, std::nullopt, std::nullopt);
    return 0;
}
