// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// ISA version 3 in the assembler and disassembler: the 64-bit LDS atomics,
// ten mnemonics on one opcode whose imm holds the operation and a 16-bit
// offset, and the `.isa 3` gate.

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vsvm_isa.h>

#include "vsvm/isa.h"

#include "isa_encodings.h"

namespace vsvm::isa {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The operations in enum vsvm_isa_atomic_op order, written out.
const char* const kOps[] = {"add", "min_u", "max_u", "min_i", "max_i", "and", "or", "xor", "xchg", "cmpxchg"};

TEST(IsaV3Table, HasTenLdsAtomic64RowsOnOneOpcode)
{
    std::size_t v3 = 0;
    for (const InstructionInfo& info : instructions())
        v3 += info.version == 3;
    EXPECT_EQ(v3, std::size(kOps));
    for (std::size_t op = 0; op < std::size(kOps); op++) {
        std::string mnemonic = fmt::format("v_lds_atomic_{}_b64", kOps[op]);
        const InstructionInfo* info = findInstruction(mnemonic);
        ASSERT_NE(info, nullptr) << mnemonic;
        EXPECT_EQ(info->opcode, VSVM_OP_V_LDS_ATOMIC64) << mnemonic;
        EXPECT_EQ(info->opcode, 0xfa) << mnemonic;
        EXPECT_EQ(info->format, Format::LdsAtomic64) << mnemonic;
        EXPECT_EQ(info->version, 3) << mnemonic;
        EXPECT_EQ(info->immSelector, static_cast<std::int32_t>(op)) << mnemonic;
        auto imm = static_cast<std::uint32_t>(op << 16 | 0xfff8);
        EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC64}, imm), info) << mnemonic;
    }
    // The shared opcode alone names no instruction; operations 10 and up none.
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC64}), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC64}, 10u << 16), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC64}, 0xffff0000u), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{0xfb}, 0), nullptr);
    // Other opcodes ignore imm.
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC32_BASE}, 0x12345678),
              findInstruction("v_lds_atomic_add_b32"));
}

// By hand: opcode | D << 8 | A << 16 | B << 24 | (op << 16 | offset & 0xffff) << 32.
constexpr Encoding kV3Encodings[] = {
    {"v_lds_atomic_add_b64 v10, v9, s5", 0x0000000005494afa},
    {"v_lds_atomic_cmpxchg_b64 v1, v2, v3, 16", 0x00090010434241fa},
    {"v_lds_atomic_min_i_b64 v1, s2, v3, -8", 0x0003fff8430241fa},
    {"v_lds_atomic_max_u_b64 v63, exec, v0, 32767", 0x00027fff40807ffa},
    {"v_lds_atomic_xor_b64 v1, v2, v3, -32768", 0x00078000434241fa},
};

TEST(IsaV3Assemble, EncodesHandComputedWords)
{
    expectEncodings(3, kV3Encodings);
}

TEST(IsaV3Assemble, NeedsTheDirectiveAndA16BitOffset)
{
    for (const char* header : {"", ".isa 1\n", ".isa 2\n"}) {
        Assembly assembly =
            assemble(fmt::format("{}v_lds_store_b32 v1, v2\nv_lds_atomic_or_b64 v1, v2, v3\n", header));
        ASSERT_EQ(assembly.diagnostics.size(), 1u) << header;
        EXPECT_EQ(assembly.diagnostics[0].message,
                  "v_lds_atomic_or_b64 is an ISA version 3 instruction: it needs '.isa 3'")
            << header;
    }
    for (const char* offset : {"32768", "-32769", "0x10000"}) {
        Assembly assembly = assemble(fmt::format(".isa 3\nv_lds_atomic_add_b64 v1, v2, v3, {}\n", offset));
        ASSERT_EQ(assembly.diagnostics.size(), 1u) << offset;
        EXPECT_THAT(assembly.diagnostics[0].message, HasSubstr("out of range (-32768 to 32767)")) << offset;
    }
    Assembly literal = assemble(".isa 3\nv_lds_atomic_add_b64 v1, v2, 5\n");
    ASSERT_EQ(literal.diagnostics.size(), 1u);
    EXPECT_THAT(literal.diagnostics[0].message, HasSubstr("a literal cannot be operand 3"));
}

TEST(IsaV3Disassemble, WritesIsa3AndKeepsMalformedWords)
{
    std::vector<std::uint64_t> words = {
        0x00090010434241fa, // v_lds_atomic_cmpxchg_b64 v1, v2, v3, 16
        0x000a0000434241fa, // operation 10: no instruction
        0xffff0000434241fa, // operation 0xffff
        0x00000000434201fa, // D is s1
        0x0000000000000001,
    };
    auto text = disassemble(words);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, ".isa 3\n"
                     "    v_lds_atomic_cmpxchg_b64 v1, v2, v3, 16\n"
                     "    .word 0x000a0000434241fa\n"
                     "    .word 0xffff0000434241fa\n"
                     "    .word 0x00000000434201fa\n"
                     "    s_endpgm\n");
}

TEST(IsaV3RoundTrip, EveryOperationAssemblesDisassemblesAndBack)
{
    std::string source = ".isa 3\n";
    std::size_t lines = 0;
    for (const char* op : kOps) {
        std::string m = fmt::format("v_lds_atomic_{}_b64", op);
        for (const std::string& line : {m + " v1, v2, s3", m + " v4, s5, v6, 64", m + " v7, exec, v8, -8",
                                        m + " v9, v10, exec, 32767"}) {
            source += line + "\n";
            lines++;
        }
    }
    source += "s_endpgm\n";
    std::string text;
    ASSERT_NO_FATAL_FAILURE(expectRoundTrip(3, source, lines, &text));
    for (const char* op : kOps)
        EXPECT_THAT(text, HasSubstr(fmt::format("    v_lds_atomic_{}_b64 v7, exec, v8, -8\n", op)));
}

} // namespace
} // namespace vsvm::isa
