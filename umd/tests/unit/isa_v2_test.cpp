// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// ISA version 2 in the assembler and disassembler: the v2 rows of the table,
// their encodings, the `.isa 2` gate and the version the disassembler writes.

#include <cstdint>
#include <set>
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

struct V2Row {
    const char* mnemonic;
    int opcode;
    Format format;
    bool floatSources;
};

// Every v2 instruction of uapi/vsvm_isa.h, written out rather than derived
// from the table so that a missing or misnumbered row fails here.
const V2Row kV2Rows[] = {
    {"v_cvt_f32_u64", VSVM_OP_V_CVT_F32_U64, Format::Vop1, false},
    {"v_cvt_f32_i64", VSVM_OP_V_CVT_F32_I64, Format::Vop1, false},
    {"v_cvt_u64_f32", VSVM_OP_V_CVT_U64_F32, Format::Vop1, true},
    {"v_cvt_i64_f32", VSVM_OP_V_CVT_I64_F32, Format::Vop1, true},
    {"v_fma_f32", 0x68, Format::Vop2, true},
    {"v_floor_f32", 0x69, Format::Vop1, true},
    {"v_ceil_f32", 0x6a, Format::Vop1, true},
    {"v_trunc_f32", 0x6b, Format::Vop1, true},
    {"v_rint_f32", 0x6c, Format::Vop1, true},
    {"v_clz_b32", 0x96, Format::Vop1, false},
    {"v_clz_b64", 0x97, Format::Vop1, false},
    {"v_popc_b32", 0x98, Format::Vop1, false},
    {"v_popc_b64", 0x99, Format::Vop1, false},
    {"v_ctz_b32", 0x9a, Format::Vop1, false},
    {"v_ctz_b64", 0x9b, Format::Vop1, false},
    {"v_div_i32", 0xd8, Format::Vop2, false},
    {"v_rem_i32", 0xd9, Format::Vop2, false},
    {"v_div_i64", 0xda, Format::Vop2, false},
    {"v_rem_i64", 0xdb, Format::Vop2, false},
    {"v_mulhi_u32", 0xdc, Format::Vop2, false},
    {"v_mulhi_i32", 0xdd, Format::Vop2, false},
    {"v_mulhi_u64", 0xde, Format::Vop2, false},
    {"v_mulhi_i64", 0xdf, Format::Vop2, false},
    {"v_lds_load_u8", 0xe0, Format::VmemLoad, false},
    {"v_lds_load_u16", 0xe1, Format::VmemLoad, false},
    {"v_lds_load_u32", 0xe2, Format::VmemLoad, false},
    {"v_lds_load_u64", 0xe3, Format::VmemLoad, false},
    {"v_lds_load_i8", 0xe4, Format::VmemLoad, false},
    {"v_lds_load_i16", 0xe5, Format::VmemLoad, false},
    {"v_lds_load_i32", 0xe6, Format::VmemLoad, false},
    {"v_lds_store_b8", 0xe8, Format::VmemStore, false},
    {"v_lds_store_b16", 0xe9, Format::VmemStore, false},
    {"v_lds_store_b32", 0xea, Format::VmemStore, false},
    {"v_lds_store_b64", 0xeb, Format::VmemStore, false},
    {"v_lds_atomic_add_b32", 0xf0, Format::Vatomic, false},
    {"v_lds_atomic_min_u_b32", 0xf1, Format::Vatomic, false},
    {"v_lds_atomic_max_u_b32", 0xf2, Format::Vatomic, false},
    {"v_lds_atomic_min_i_b32", 0xf3, Format::Vatomic, false},
    {"v_lds_atomic_max_i_b32", 0xf4, Format::Vatomic, false},
    {"v_lds_atomic_and_b32", 0xf5, Format::Vatomic, false},
    {"v_lds_atomic_or_b32", 0xf6, Format::Vatomic, false},
    {"v_lds_atomic_xor_b32", 0xf7, Format::Vatomic, false},
    {"v_lds_atomic_xchg_b32", 0xf8, Format::Vatomic, false},
    {"v_lds_atomic_cmpxchg_b32", 0xf9, Format::Vatomic, false},
};

TEST(IsaV2Table, HasEveryV2InstructionMarkedVersion2)
{
    std::size_t v2 = 0;
    for (const InstructionInfo& info : instructions())
        v2 += info.version == 2;
    EXPECT_EQ(v2, std::size(kV2Rows));
    for (const V2Row& row : kV2Rows) {
        const InstructionInfo* info = findInstruction(row.mnemonic);
        ASSERT_NE(info, nullptr) << row.mnemonic;
        EXPECT_EQ(info->opcode, row.opcode) << row.mnemonic;
        EXPECT_EQ(info->format, row.format) << row.mnemonic;
        EXPECT_EQ(info->floatSources, row.floatSources) << row.mnemonic;
        EXPECT_EQ(info->version, 2) << row.mnemonic;
        EXPECT_EQ(findInstruction(static_cast<std::uint8_t>(row.opcode)), info);
    }
    // The 64-bit LDS atomics are v3's (isa_v3_test.cpp); the invalid atomic
    // ops stay invalid.
    EXPECT_EQ(findInstruction("v_lds_atomic_add_b64")->version, 3);
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_LDS_ATOMIC32_BASE + 10}), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{0xe7}), nullptr);
    EXPECT_EQ(findInstruction("v_add_u32")->version, 1);
}

// By hand: opcode | D << 8 | A << 16 | B << 24 | imm << 32.
constexpr Encoding kV2Encodings[] = {
    {"v_div_i32 v1, v2, v3", 0x00000000434241d8},
    {"v_rem_i64 v63, s0, laneid", 0x0000000082007fdb},
    {"v_mulhi_u32 v1, v2, -1", 0xffffffff814241dc},
    {"v_fma_f32 v1, v2, 2.5", 0x4020000081424168},
    {"v_rint_f32 v4, -0.5", 0xbf0000000081446c},
    {"v_clz_b64 v1, s2", 0x0000000000024197},
    {"v_cvt_i64_f32 v1, 1.0", 0x3f8000000081415b},
    {"v_cvt_f32_u64 v1, 7", 0x0000000700814158},
    {"v_lds_load_u32 v1, v2, 4", 0x00000004004241e2},
    {"v_lds_load_i16 v1, s2", 0x00000000000241e5},
    {"v_lds_store_b64 v1, v2, -8", 0xfffffff8424100eb},
    {"v_lds_atomic_add_b32 v10, v9, s5", 0x0000000005494af0},
    {"v_lds_atomic_cmpxchg_b32 v1, v2, v3, 16", 0x00000010434241f9},
};

TEST(IsaV2Assemble, EncodesHandComputedWords)
{
    expectEncodings(2, kV2Encodings);
}

TEST(IsaV2Assemble, V2MnemonicsNeedTheDirective)
{
    for (const char* header : {"", ".isa 1\n"}) {
        Assembly assembly = assemble(fmt::format("{}s_nop\n  v_lds_store_b32 v1, v2\nv_div_i32 v1, v2, v3\n", header));
        ASSERT_EQ(assembly.diagnostics.size(), 1u) << header;
        const Diagnostic& d = assembly.diagnostics[0];
        EXPECT_EQ(d.line, header[0] ? 3u : 2u);
        EXPECT_EQ(d.column, 3u);
        EXPECT_EQ(d.message, "v_lds_store_b32 is an ISA version 2 instruction: it needs '.isa 2'");
    }
    // The directive may come after the instruction: it is about the whole file.
    Assembly late = assemble("v_popc_b32 v1, v2\n.isa 2\n");
    EXPECT_TRUE(late.ok());
    EXPECT_EQ(late.program.isaVersion, 2u);
}

TEST(IsaV2Assemble, RecordsTheVersionAndRejectsOthers)
{
    EXPECT_EQ(assemble("s_endpgm\n").program.isaVersion, 1u);
    EXPECT_EQ(assemble(".isa 1\ns_endpgm\n").program.isaVersion, 1u);
    EXPECT_EQ(assemble(".isa 2\ns_endpgm\n").program.isaVersion, 2u);
    EXPECT_TRUE(assemble(".isa 2\n.isa 2\ns_endpgm\n").ok());

    Assembly conflict = assemble(".isa 1\n.isa 2\ns_endpgm\n");
    ASSERT_EQ(conflict.diagnostics.size(), 1u);
    EXPECT_EQ(conflict.diagnostics[0].line, 2u);
    EXPECT_THAT(conflict.diagnostics[0].message, HasSubstr(".isa 2 contradicts .isa 1 on line 1"));
    for (const char* bad : {".isa 0", ".isa 4", ".isa two"}) {
        Assembly assembly = assemble(bad);
        ASSERT_EQ(assembly.diagnostics.size(), 1u) << bad;
        EXPECT_THAT(assembly.diagnostics[0].message, HasSubstr("unsupported ISA version")) << bad;
    }
}

TEST(IsaV2Assemble, V1ProgramsAreTheSameWordsUnderEitherVersion)
{
    const char* body = "s_mov s30, exec\nv_cmp_lt_u32 exec, v0, s2\ns_cbranch_execz done\n"
                       "v_shl_b64 v7, v0, 2\nv_add_u64 v8, v7, s0\nv_load_u32 v10, v8\n"
                       "v_mac_f32 v10, v10, 1.5\nv_store_b32 v8, v10\ndone:\ns_mov exec, s30\ns_endpgm\n";
    Assembly none = assemble(body);
    Assembly v1 = assemble(std::string(".isa 1\n") + body);
    Assembly v2 = assemble(std::string(".isa 2\n") + body);
    ASSERT_TRUE(none.ok() && v1.ok() && v2.ok());
    EXPECT_EQ(none.program.words, v1.program.words);
    EXPECT_EQ(none.program.words, v2.program.words);
}

TEST(IsaV2Disassemble, WritesTheLowestVersionThatHasEveryWord)
{
    std::vector<std::uint64_t> v1 = {0x0000000000000002, 0x0000000000000001};
    auto text = disassemble(v1);
    ASSERT_TRUE(text.ok());
    EXPECT_THAT(*text, StartsWith(".isa 1\n"));

    std::vector<std::uint64_t> v2 = {0x00000000434241d8, 0x0000000000000001};
    text = disassemble(v2);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, ".isa 2\n    v_div_i32 v1, v2, v3\n    s_endpgm\n");
}

TEST(IsaV2RoundTrip, EveryV2InstructionAssemblesDisassemblesAndBack)
{
    std::string source = ".isa 2\n";
    std::size_t lines = 0;
    for (const V2Row& row : kV2Rows) {
        std::string m = row.mnemonic;
        std::string lit = row.floatSources ? "-2.5" : "0x12345678";
        std::vector<std::string> variants;
        switch (row.format) {
        case Format::Vop1:
            variants = {m + " v1, v2", m + " v63, s3", m + " v0, laneid", m + " v5, " + lit};
            break;
        case Format::Vop2:
            variants = {m + " v1, v2, v3", m + " v4, s5, laneid", m + " v6, " + lit + ", v7"};
            break;
        case Format::VmemLoad:
            variants = {m + " v1, s2", m + " v1, v3, -8", m + " v9, exec, 0x7fff"};
            break;
        case Format::VmemStore:
            variants = {m + " v1, v2", m + " s3, v4, 8", m + " v5, exec, -4"};
            break;
        case Format::Vatomic:
            variants = {m + " v1, v2, s3", m + " v4, s5, v6, 64"};
            break;
        default:
            ADD_FAILURE() << m << ": unexpected format";
        }
        for (const std::string& line : variants) {
            source += line + "\n";
            lines++;
        }
    }
    source += "s_endpgm\n";
    std::string text;
    ASSERT_NO_FATAL_FAILURE(expectRoundTrip(2, source, lines, &text));
    for (const V2Row& row : kV2Rows)
        EXPECT_THAT(text, HasSubstr(fmt::format("    {} ", row.mnemonic)));
}

} // namespace
} // namespace vsvm::isa
