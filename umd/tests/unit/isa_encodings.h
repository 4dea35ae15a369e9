// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Hand-computed encodings, shared by the ISA tests of each version
// (isa_test.cpp, isa_v2_test.cpp, isa_v3_test.cpp).

#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/isa.h"

namespace vsvm::isa {

/// An instruction's source and its word, computed by hand from the field table of docs/isa.rst.
struct Encoding {
    const char* source;
    std::uint64_t word;
};

/// Each source, alone after `.isa @p version`, assembles to its word, in a program of that version.
inline void expectEncodings(unsigned version, std::span<const Encoding> table)
{
    for (const Encoding& e : table) {
        Assembly assembly = assemble(fmt::format(".isa {}\n{}\n", version, e.source));
        ASSERT_TRUE(assembly.ok()) << e.source << ": " << assembly.diagnostics[0].message;
        ASSERT_EQ(assembly.program.words.size(), 1u) << e.source;
        EXPECT_EQ(assembly.program.words[0], e.word)
            << e.source << fmt::format(" = {:#018x}", assembly.program.words[0]);
        EXPECT_EQ(assembly.program.isaVersion, version);
    }
}

/**
 * @p source (`.isa @p version`, @p instructions instructions and an s_endpgm)
 * assembles; its disassembly says the version, has no `.word` and assembles to
 * the same words and version. @p text gets the disassembly.
 */
inline void expectRoundTrip(unsigned version, const std::string& source, std::size_t instructions,
                            std::string* text)
{
    Assembly first = assemble(source);
    ASSERT_TRUE(first.ok()) << formatDiagnostic("generated", first.diagnostics[0]);
    ASSERT_EQ(first.program.words.size(), instructions + 1);

    auto disassembly = disassemble(first.program.words);
    ASSERT_TRUE(disassembly.ok());
    *text = *disassembly;
    EXPECT_THAT(*text, ::testing::StartsWith(fmt::format(".isa {}\n", version)));
    EXPECT_THAT(*text, ::testing::Not(::testing::HasSubstr(".word")));
    Assembly second = assemble(*text);
    ASSERT_TRUE(second.ok()) << formatDiagnostic("disassembly", second.diagnostics[0]);
    EXPECT_EQ(second.program.words, first.program.words);
    EXPECT_EQ(second.program.isaVersion, version);
}

} // namespace vsvm::isa
