// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Hand-computed encodings, shared by the ISA tests of each version
// (isa_test.cpp, isa_v2_test.cpp, isa_v3_test.cpp).

#pragma once

#include <cstdint>
#include <span>

#include <fmt/format.h>
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

} // namespace vsvm::isa
