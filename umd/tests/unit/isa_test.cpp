// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
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

using ::testing::Not;
using ::testing::HasSubstr;

std::vector<std::uint64_t> assembleOk(std::string_view source)
{
    Assembly assembly = assemble(source);
    for (const Diagnostic& d : assembly.diagnostics)
        ADD_FAILURE() << formatDiagnostic("<source>", d) << "\nin:\n" << source;
    return assembly.program.words;
}

std::uint64_t assembleOne(std::string_view line)
{
    auto words = assembleOk(line);
    EXPECT_EQ(words.size(), 1u) << line;
    return words.empty() ? 0 : words[0];
}

std::string disassembleOk(std::span<const std::uint64_t> words, const DisassembleOptions& options = {})
{
    auto text = disassemble(words, options);
    EXPECT_TRUE(text.ok()) << text.status().message();
    return text.ok() ? *text : std::string();
}

// The one diagnostic of a source that has one error.
Diagnostic onlyError(std::string_view source)
{
    Assembly assembly = assemble(source);
    EXPECT_EQ(assembly.diagnostics.size(), 1u) << source;
    return assembly.diagnostics.empty() ? Diagnostic{} : assembly.diagnostics[0];
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---------------------------------------------------------------- table

TEST(IsaTable, HasEveryInstructionOnceInOpcodeOrder)
{
    // v1: 96 named instructions, 5 x 6 compares, 2 x 10 atomics (docs/isa.rst);
    // v2 adds 34 named instructions and 10 LDS atomics, v3 10 64-bit LDS
    // atomics on one opcode (uapi/vsvm_isa.h).
    EXPECT_EQ(instructions().size(), 146u + 44u + 10u);
    std::set<std::string_view> mnemonics;
    int previous = -1;
    for (const InstructionInfo& info : instructions()) {
        // Opcode order; rows that share an opcode in the order of their selector.
        int key = info.opcode * 0x10000 + std::max(info.immSelector, 0);
        EXPECT_GT(key, previous) << info.mnemonic;
        previous = key;
        EXPECT_TRUE(mnemonics.insert(info.mnemonic).second) << info.mnemonic;
        if (info.immSelector < 0) {
            EXPECT_EQ(findInstruction(info.opcode), &info);
        }
        EXPECT_EQ(findInstruction(info.opcode, static_cast<std::uint32_t>(std::max(info.immSelector, 0)) << 16),
                  &info);
        EXPECT_EQ(findInstruction(info.mnemonic), &info);
    }
    EXPECT_EQ(findInstruction(std::uint8_t{0}), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_CMP_BASE + 6}), nullptr);
    EXPECT_EQ(findInstruction(std::uint8_t{VSVM_OP_V_ATOMIC32_BASE + 10}), nullptr);
    EXPECT_EQ(findInstruction("v_nope"), nullptr);
}

TEST(IsaTable, GeneratedRowsFollowTheSpecFormulas)
{
    ASSERT_NE(findInstruction("v_cmp_ge_f32"), nullptr);
    EXPECT_EQ(findInstruction("v_cmp_ge_f32")->opcode, VSVM_OP_V_CMP_LAST);
    EXPECT_TRUE(findInstruction("v_cmp_ge_f32")->floatSources);
    EXPECT_FALSE(findInstruction("v_cmp_ge_i64")->floatSources);
    EXPECT_EQ(findInstruction("v_cmp_lt_i32")->opcode, 0x70 + 8 * 1 + 2);
    EXPECT_EQ(findInstruction("v_atomic_cmpxchg_b32")->opcode, 0xb9);
    EXPECT_EQ(findInstruction("v_atomic_xchg_b64")->opcode, 0xc8);
    EXPECT_EQ(findInstruction("v_cndmask")->format, Format::Vop3);
}

// ---------------------------------------------------------------- encoding

// Words computed by hand from the field table: opcode | D << 8 | A << 16 | B << 24 | imm << 32.
constexpr Encoding kEncodings[] = {
    {"s_endpgm", 0x0000000000000001},
    {"s_nop", 0x0000000000000002},
    {"s_barrier", 0x0000000000000003},
    {"s_mov s30, exec", 0x0000000000801e10},
    {"s_mov exec, s30", 0x00000000001e8010},
    {"s_mov s5, 1", 0x0000000100810510},
    {"s_not s1, -2", 0xfffffffe00810111},
    {"s_add s1, -1, -1", 0xffffffff81810112},
    {"s_add s1, 0xffffffff, -1", 0xffffffff81810112},
    {"s_andn2 exec, s30, exec", 0x00000000801e8018},
    {"s_bcnt s63, s62", 0x00000000003e3f20},
    {"s_cmp_ge_i s0, s1, 0x80000000", 0x800000008101002f},
    {"v_mov v0, laneid", 0x0000000000824030},
    {"v_mov v10, 0", 0x0000000000814a30},
    {"v_shl_b64 v7, v0, 2", 0x0000000281404746},
    {"v_add_u64 v8, v7, s0", 0x0000000000474840},
    {"v_add_u32 v63, v62, v61", 0x000000007d7e7f31},
    {"v_cvt_f32_i32 v1, s2", 0x0000000000024153},
    {"v_cvt_i32_f32 v1, -2.0", 0xc000000000814155},
    {"v_mac_f32 v11, v10, 2.5", 0x40200000814a4b66},
    {"v_add_f32 v1, v2, -1.0", 0xbf80000081424160},
    {"v_mul_f32 v1, v2, 0x3f800000", 0x3f80000081424162},
    {"v_sqrt_f32 v1, 1e-3", 0x3a83126f00814167},
    {"v_cndmask v1, v2, laneid, s5", 0x0000000582424157},
    {"v_cndmask v1, v2, v3, exec", 0x0000008043424157},
    {"v_cmp_lt_u32 exec, v0, s2", 0x0000000002408072},
    {"v_cmp_ne_u64 exec, v9, 0", 0x0000000081498081},
    {"v_cmp_eq_i64 s3, v1, v2", 0x0000000042410388},
    {"v_cmp_ge_f32 s3, v1, 0.5", 0x3f00000081410395},
    {"v_load_u32 v10, v8", 0x0000000000484aa2},
    {"v_load_u32 v11, v9, 8", 0x0000000800494ba2},
    {"v_load_u32 v1, s0, -4", 0xfffffffc000041a2},
    {"v_load_i8 v1, exec, 0x7fffffff", 0x7fffffff008041a4},
    {"v_store_b32 v9, v11", 0x000000004b4900aa},
    {"v_store_b64 s1, v2, -2147483648", 0x80000000420100ab},
    {"v_atomic_add_b32 v10, v9, s5", 0x0000000005494ab0},
    {"v_atomic_cmpxchg_b64 v1, v2, v3, 16", 0x00000010434241c9},
    {"s_load_u64 s4, s0, 8", 0x00000008000004d1},
    {"s_load_u32 s4, exec", 0x00000000008004d0},
    {"s_store_b32 s1, s2", 0x00000000020100d2},
    {"s_store_b64 s1, exec, 4", 0x00000004800100d3},
    {".word 0x1234", 0x0000000000001234},
    {".word -1", 0xffffffffffffffff},
};

TEST(IsaAssemble, EncodesHandComputedWords)
{
    for (const Encoding& e : kEncodings)
        EXPECT_EQ(assembleOne(e.source), e.word) << e.source << fmt::format(" = {:#018x}", assembleOne(e.source));
}

TEST(IsaAssemble, EncodesBranchesRelativeToTheNextInstruction)
{
    auto words = assembleOk("top: s_nop\n"
                            "    s_branch top            ; back 2\n"
                            "    s_cbranch_z s3, end     ; ahead 2\n"
                            "    s_cbranch_execnz top\n"
                            "    s_cbranch_nz exec, end\n"
                            "end:\n"
                            "    s_endpgm\n");
    EXPECT_EQ(words, (std::vector<std::uint64_t>{0x2, 0xfffffffe00000004, 0x0000000200030005,
                                                 0xfffffffc00000008, 0x0000000000800006, 0x1}));
}

TEST(IsaAssemble, EntryIsTheByteOffsetOfItsLabel)
{
    Assembly assembly = assemble(".isa 1\n.entry main\nhelper: s_endpgm\nmain: s_nop\n s_endpgm\n");
    ASSERT_TRUE(assembly.ok());
    EXPECT_EQ(assembly.program.entry, 8u);
    EXPECT_EQ(assemble("s_endpgm").program.entry, 0u);
}

TEST(IsaAssemble, AcceptsLabelsCommentsAndLayout)
{
    auto words = assembleOk("# a comment\n"
                            "\ta.b_1: .c:   s_mov\ts1 ,s2 ; trailing\r\n"
                            "   \n"
                            "s_branch .c\n");
    EXPECT_EQ(words, (std::vector<std::uint64_t>{0x0000000000020110, 0xfffffffe00000004}));
    EXPECT_TRUE(assembleOk("").empty());
}

// ---------------------------------------------------------------- round trip

// Operands that exercise each slot: registers of every kind, literals (as
// floats where the sources are float32), offsets of both signs.
std::vector<std::string> operandVariants(const InstructionInfo& info)
{
    std::string lit = info.floatSources ? "-2.5" : "0x12345678";
    std::string m(info.mnemonic);
    switch (info.format) {
    case Format::Sopp:
        return {m};
    case Format::SoppBranch:
        return {m + " start", m + " end"};
    case Format::SoppCbranch:
        return {m + " s7, start", m + " exec, end"};
    case Format::Sop1:
        return {m + " s1, s2", m + " exec, -7", m + " s63, exec"};
    case Format::Sop2:
        return {m + " s1, s2, s3", m + " exec, 100000, exec", m + " s4, -1, 0xffffffff"};
    case Format::Vop1:
        return {m + " v1, v2", m + " v63, s3", m + " v0, laneid", m + " v5, " + lit, m + " v6, exec"};
    case Format::Vop2:
        return {m + " v1, v2, v3", m + " v4, s5, laneid", m + " v6, " + lit + ", v7",
                m + " v8, exec, " + lit, m + " v9, " + lit + ", " + lit};
    case Format::Vop3:
        return {m + " v1, v2, v3, s4", m + " v5, laneid, s6, exec", m + " v7, exec, v8, s63"};
    case Format::Vopc:
        return {m + " s1, v2, v3", m + " exec, v4, " + lit, m + " s5, laneid, s6"};
    case Format::VmemLoad:
    case Format::SmemLoad: {
        std::string d = info.format == Format::VmemLoad ? "v1" : "s1";
        return {m + " " + d + ", s2", m + " " + d + ", exec, -8", m + " " + d + ", s3, 0x7fffffff"};
    }
    case Format::VmemStore:
        return {m + " v1, v2", m + " s3, v4, 8", m + " v5, exec, -2147483648"};
    case Format::Vatomic:
        return {m + " v1, v2, s3", m + " v4, s5, v6, 64", m + " v7, v8, exec, -4"};
    case Format::SmemStore:
        return {m + " s1, s2", m + " exec, s3, 16"};
    case Format::LdsAtomic64:
        return {m + " v1, v2, s3", m + " v4, s5, v6, -8"};
    }
    return {};
}

TEST(IsaRoundTrip, EveryInstructionOfTheTable)
{
    std::string source = ".isa 1\n.entry end\nstart:\n";
    std::size_t lines = 0;
    for (const InstructionInfo& info : instructions()) {
        if (info.version != 1) // isa_v2_test.cpp covers them, under .isa 2
            continue;
        for (const std::string& line : operandVariants(info)) {
            source += "    " + line + "\n";
            lines++;
        }
    }
    source += "end:\n    s_endpgm\n";

    Assembly first = assemble(source);
    ASSERT_TRUE(first.ok()) << formatDiagnostic("generated", first.diagnostics[0]);
    ASSERT_EQ(first.program.words.size(), lines + 1);

    std::string text = disassembleOk(first.program.words, {.entry = first.program.entry});
    EXPECT_TRUE(text.starts_with(".isa 1\n")) << text.substr(0, 40);
    for (const InstructionInfo& info : instructions()) {
        if (info.version == 1) {
            EXPECT_THAT(text, HasSubstr(fmt::format("    {}", info.mnemonic)));
        }
    }
    EXPECT_THAT(text, Not(HasSubstr(".word")));

    Assembly second = assemble(text);
    ASSERT_TRUE(second.ok()) << formatDiagnostic("disassembly", second.diagnostics[0]) << "\n" << text;
    EXPECT_EQ(second.program.words, first.program.words);
    EXPECT_EQ(second.program.entry, first.program.entry);

    // The annotated form assembles the same: the annotations are comments.
    Assembly annotated = assemble(disassembleOk(first.program.words, {.showEncoding = true}));
    ASSERT_TRUE(annotated.ok());
    EXPECT_EQ(annotated.program.words, first.program.words);
}

TEST(IsaRoundTrip, ArbitraryWordsDisassembleToTextThatAssemblesBack)
{
    // Words built from valid opcodes and operand codes near the boundaries
    // reach both the instructions and the .word fallback.
    std::mt19937_64 random(1);
    const std::uint8_t codes[] = {0, 1, 63, 64, 127, 128, 129, 130, 131, 255};
    const std::uint32_t imms[] = {0, 1, 2, 5, 0x80, 0x100, 0x3f800000, 0x7f800000, 0xfffffffe, 0xffffffff};
    std::vector<std::uint64_t> words;
    for (int i = 0; i < 20000; i++) {
        auto pick = [&](const auto& array) { return array[random() % std::size(array)]; };
        const InstructionInfo& info = instructions()[random() % instructions().size()];
        std::uint64_t word = info.opcode | std::uint64_t{pick(codes)} << 8 | std::uint64_t{pick(codes)} << 16 |
                             std::uint64_t{pick(codes)} << 24 | std::uint64_t{pick(imms)} << 32;
        words.push_back(random() % 16 == 0 ? random() : word);
    }
    std::string text = disassembleOk(words);
    Assembly back = assemble(text);
    ASSERT_TRUE(back.ok()) << formatDiagnostic("disassembly", back.diagnostics[0]);
    EXPECT_EQ(back.program.words, words);
}

TEST(IsaDisassemble, SynthesisesLabelsAndKeepsInvalidWords)
{
    std::vector<std::uint64_t> words = {
        0xffffffff00000004, // s_branch to itself
        0x0000000000000000, // opcode 0
        0x0000000100000001, // s_endpgm with a non-zero imm
        0x0000000500000004, // s_branch out of the program
        0x0000000000000001,
    };
    EXPECT_EQ(disassembleOk(words), ".isa 1\n"
                                    "L_0000:\n"
                                    "    s_branch L_0000\n"
                                    "    .word 0x0000000000000000\n"
                                    "    .word 0x0000000100000001\n"
                                    "    .word 0x0000000500000004\n"
                                    "    s_endpgm\n");
}

TEST(IsaDisassemble, PrintsLiteralsOffsetsAndEntry)
{
    auto words = assembleOk("s_mov s1, -3\n"
                            "s_mov s1, 0xdeadbeef\n"
                            "v_mul_f32 v1, v2, 0.1\n"
                            "v_mul_f32 v1, v2, 1\n"
                            "v_load_u32 v1, v2, -8\n"
                            "v_load_u32 v1, v2, 0\n"
                            "s_endpgm\n");
    EXPECT_EQ(disassembleOk(words, {.entry = 48}), ".isa 1\n"
                                                   ".entry L_0030\n"
                                                   "    s_mov s1, -3\n"
                                                   "    s_mov s1, 0xdeadbeef\n"
                                                   "    v_mul_f32 v1, v2, 0.1\n"
                                                   "    v_mul_f32 v1, v2, 1\n"
                                                   "    v_load_u32 v1, v2, -8\n"
                                                   "    v_load_u32 v1, v2\n"
                                                   "L_0030:\n"
                                                   "    s_endpgm\n");
    EXPECT_THAT(disassembleOk(words, {.showEncoding = true}), HasSubstr("; 0008: deadbeef00810110"));
}

TEST(IsaDisassemble, RejectsAnEntryOutsideTheWords)
{
    std::vector<std::uint64_t> words = {1, 1};
    EXPECT_FALSE(disassemble(words, {.entry = 16}).ok());
    EXPECT_FALSE(disassemble(words, {.entry = 4}).ok());
    auto failed = disassemble(words, {.entry = 4});
    EXPECT_EQ(failed.status().errnum(), EINVAL);
}

// ---------------------------------------------------------------- diagnostics

struct Expected {
    const char* source;
    unsigned line;
    unsigned column;
    const char* message;
};

const Expected kErrors[] = {
    {"s_nop\n  v_frob v1, v2", 2, 3, "unknown instruction 'v_frob'"},
    {"s_mov s64, s1", 1, 7, "operand 1 (D) of s_mov: bad register 's64'"},
    {"v_mov v1, v99", 1, 11, "operand 2 (A) of v_mov: bad register 'v99'"},
    {"s_mov v1, s1", 1, 7, "operand 1 (D) of s_mov must be a scalar register or exec, not 'v1'"},
    {"v_add_u32 v1, v2, foo", 1, 19, "must be a register, exec, laneid or a literal, not 'foo'"},
    {"s_load_u32 exec, s1", 1, 12, "must be a scalar register (not exec)"},
    {"v_load_u32 v1, laneid", 1, 16, "must be a vector or scalar register or exec"},
    {"s_add s1, laneid, s2", 1, 11, "must be a scalar register, exec or a literal"},
    {"v_cndmask v1, 5, v2, s3", 1, 15, "a literal cannot be operand 2 (A) of v_cndmask"},
    {"v_cndmask v1, v2, v3, v4", 1, 23, "operand 4 (S) of v_cndmask must be a scalar register or exec"},
    {"v_cndmask v1, v2, v3, 0", 1, 23, "a literal cannot be operand 4 (S)"},
    {"v_atomic_add_b32 v1, v2, 1", 1, 26, "a literal cannot be operand 3 (B)"},
    {"v_store_b32 1, v2", 1, 13, "a literal cannot be operand 1 (A)"},
    {"v_add_u32 v1, 1, 2", 1, 18,
     "operand 3 (B) of v_add_u32: only one literal fits in an instruction, and v_add_u32 already holds 1"},
    {"v_add_u32 v1, 0x100000000, v2", 1, 15, "operand 2 (A) of v_add_u32: literal 0x100000000 does not fit in 32 bits"},
    {"s_mov s1, -2147483649", 1, 11, "operand 2 (A) of s_mov: literal -2147483649 does not fit in 32 bits"},
    {"s_mov s1, 99999999999999999999999", 1, 11, "does not fit in 32 bits"},
    {"v_add_u32 v1, v2, 1.5", 1, 19,
     "operand 3 (B) of v_add_u32: float literal 1.5 needs an instruction with float32 sources"},
    {"v_add_f32 v1, v2, 1e39", 1, 19,
     "operand 3 (B) of v_add_f32: float literal 1e39 is malformed or out of range for float32"},
    {"v_load_u32 v1, v2, 0x80000000", 1, 20, "of v_load_u32: memory offset 0x80000000 is out of range"},
    {"v_load_u32 v1, v2, -2147483649", 1, 20, "memory offset -2147483649 is out of range"},
    {"v_load_u32 v1, v2, s3", 1, 20, "the memory offset of v_load_u32 must be an integer, not 's3'"},
    {"s_branch nowhere\ns_endpgm", 1, 10, "undefined label 'nowhere' (branch target of s_branch)"},
    {"s_branch end\nend:", 1, 10, "branch target 'end' of s_branch is past the last instruction"},
    {"s_branch 4\ns_endpgm", 1, 10, "the branch target of s_branch must be a label, not '4'"},
    {"a: s_nop\n  a: s_endpgm", 2, 3, "duplicate label 'a' (first defined on line 1)"},
    {"1a: s_endpgm", 1, 1, "bad label name '1a'"},
    {"s_add s1, s2", 1, 1, "s_add takes 3 operands (s_add D, A, B), not 2"},
    {"s_endpgm s1", 1, 1, "s_endpgm takes 0 operands (s_endpgm), not 1"},
    {"v_load_u32 v1", 1, 1, "v_load_u32 takes 2 or 3 operands (v_load_u32 D, A[, offset]), not 1"},
    {"s_cbranch_z end\nend: s_endpgm", 1, 1, "s_cbranch_z takes 2 operands"},
    {"s_add s1, , s2", 1, 11, "missing operand 2 of s_add"},
    {"s_add s1, s2,", 1, 14, "missing operand 3 of s_add"},
    {".isa 4", 1, 6, "unsupported ISA version '4' (this assembler knows 1 to 3)"},
    {".entry 5", 1, 8, ".entry takes a label, not '5'"},
    {".entry a\n.entry a\na: s_endpgm", 2, 1, "duplicate .entry (the first is on line 1)"},
    {".entry nowhere\ns_endpgm", 1, 8, "undefined label 'nowhere' (.entry label)"},
    {".entry end\ns_endpgm\nend:", 1, 8, ".entry label 'end' is past the last instruction"},
    {".word 0x10000000000000000", 1, 7, ".word 0x10000000000000000 does not fit in 64 bits"},
    {".word s1", 1, 7, ".word takes an integer, not 's1'"},
    {".align 8", 1, 1, "unknown directive '.align' (.isa, .entry, .args and .word exist)"},
};

TEST(IsaDiagnostics, SayWhereAndWhy)
{
    for (const Expected& e : kErrors) {
        Diagnostic d = onlyError(e.source);
        EXPECT_EQ(d.line, e.line) << e.source;
        EXPECT_EQ(d.column, e.column) << e.source << ": " << d.message;
        EXPECT_THAT(d.message, HasSubstr(e.message)) << e.source;
    }
}

TEST(IsaDiagnostics, ReportsEveryErrorInSourceOrder)
{
    Assembly assembly = assemble("s_branch missing\n"
                                 "bogus\n"
                                 "s_mov s1, v1\n"
                                 "v_mov v1, 1, 2\n"
                                 "s_endpgm\n");
    ASSERT_EQ(assembly.diagnostics.size(), 4u);
    EXPECT_EQ(assembly.diagnostics[0], (Diagnostic{1, 10, "undefined label 'missing' (branch target of s_branch)"}));
    EXPECT_EQ(assembly.diagnostics[1].line, 2u);
    EXPECT_EQ(assembly.diagnostics[2].line, 3u);
    EXPECT_EQ(assembly.diagnostics[3].line, 4u);
    EXPECT_EQ(formatDiagnostic("k.vsa", assembly.diagnostics[0]),
              "k.vsa:1:10: error: undefined label 'missing' (branch target of s_branch)");
}

TEST(IsaDiagnostics, StopAfterAHundred)
{
    std::string source;
    for (int i = 0; i < 1000; i++)
        source += "nope\n";
    Assembly assembly = assemble(source);
    ASSERT_EQ(assembly.diagnostics.size(), 100u);
    EXPECT_THAT(assembly.diagnostics.back().message, HasSubstr("too many errors"));
}

// ---------------------------------------------------------------- examples

// The literal blocks of the "Examples" section of docs/isa.rst, dedented.
std::vector<std::string> docExamples()
{
    std::string doc = readFile(VSVM_DOCS_DIR "/isa.rst");
    std::size_t start = doc.find("\nExamples\n========\n");
    EXPECT_NE(start, std::string::npos);
    std::istringstream in(doc.substr(start == std::string::npos ? doc.size() : start));
    std::vector<std::string> blocks;
    std::string line;
    bool inBlock = false;
    while (std::getline(in, line)) {
        if (inBlock && (line.empty() || line.starts_with("   "))) {
            blocks.back() += line.empty() ? "\n" : line.substr(3) + "\n";
            continue;
        }
        inBlock = false;
        if (line.ends_with("::")) {
            inBlock = true;
            blocks.emplace_back();
        }
    }
    for (std::string& block : blocks) {
        block.erase(0, block.find_first_not_of('\n'));
        block.erase(block.find_last_not_of('\n') + 1);
        block += "\n";
    }
    return blocks;
}

TEST(IsaExamples, DocExamplesAreTheExampleFilesAndAssemble)
{
    const char* files[] = {"saxpy.vsa", "list_sum.vsa", "histogram.vsa"};
    std::vector<std::string> blocks = docExamples();
    ASSERT_EQ(blocks.size(), std::size(files));
    for (std::size_t i = 0; i < blocks.size(); i++) {
        std::string file = readFile(std::filesystem::path(VSVM_EXAMPLES_DIR) / files[i]);
        EXPECT_EQ(file, blocks[i]) << files[i] << " differs from its example in docs/isa.rst";
        Assembly assembly = assemble(file);
        EXPECT_TRUE(assembly.ok()) << files[i] << ": "
                                   << (assembly.ok() ? "" : formatDiagnostic(files[i], assembly.diagnostics[0]));
        EXPECT_FALSE(assembly.program.words.empty());
        Assembly back = assemble(disassembleOk(assembly.program.words));
        EXPECT_EQ(back.program.words, assembly.program.words) << files[i];
    }
}

TEST(IsaExamples, ExampleKernelsDeclareTheirArguments)
{
    struct Expected {
        const char* file;
        const char* args;
    };
    for (const Expected& e : {Expected{"saxpy.vsa", "ptr x, ptr y, u32 n, f32 a"},
                              Expected{"list_sum.vsa", "ptr heads, ptr sums"},
                              Expected{"histogram.vsa", "ptr data, ptr counters, u32 n"}}) {
        Assembly assembly = assemble(readFile(std::filesystem::path(VSVM_EXAMPLES_DIR) / e.file));
        ASSERT_TRUE(assembly.program.signature) << e.file;
        EXPECT_EQ(assembly.program.signature->toString(), e.args) << e.file;
    }
}

TEST(IsaExamples, SaxpyEncodesAsTheSpecSays)
{
    auto words = assembleOk(readFile(std::filesystem::path(VSVM_EXAMPLES_DIR) / "saxpy.vsa"));
    ASSERT_EQ(words.size(), 12u);
    EXPECT_EQ(words[2], 0x0000000700000007u); // s_cbranch_execz done: 7 instructions ahead
    EXPECT_EQ(words[11], 0x1u);
}

} // namespace
} // namespace vsvm::isa
