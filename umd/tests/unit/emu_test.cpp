// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The host emulator (vsvm/emu.h) runs the driver's interpreter over host
// memory: the examples of docs/isa.rst on host arrays, and the statuses of
// the ways a kernel can go wrong.

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/emu.h"
#include "vsvm/isa.h"

namespace vsvm::emu {
namespace {

using ::testing::HasSubstr;

isa::Program assembleOk(std::string_view source)
{
    isa::Assembly assembly = isa::assemble(source);
    for (const isa::Diagnostic& d : assembly.diagnostics)
        ADD_FAILURE() << isa::formatDiagnostic("<source>", d) << "\nin:\n" << source;
    return assembly.program;
}

isa::Program example(const std::string& name)
{
    std::ifstream in(std::filesystem::path(VSVM_EXAMPLES_DIR) / (name + ".vsa"));
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(text.str().empty()) << name;
    return assembleOk(text.str());
}

template <typename T>
HostRange rangeOf(std::vector<T>& v, Access access = Access::ReadWrite)
{
    return {v.data(), v.size() * sizeof(T), access};
}

template <typename T>
std::uint64_t addr(const T* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

RunResult runOk(const Launch& launch, std::span<const HostRange> ranges, const RunOptions& options = {})
{
    Result<RunResult> result = run(launch, ranges, options);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : RunResult{.status = Outcome::Invalid};
}

TEST(Emu, SaxpyExampleOnHostArrays)
{
    isa::Program program = example("saxpy");
    // 100 elements in groups of 64: the second group has lanes past n.
    const std::uint32_t n = 100;
    std::vector<float> x(128), y(128);
    for (std::uint32_t i = 0; i < x.size(); i++) {
        x[i] = 0.25f * static_cast<float>(i) - 3.0f;
        y[i] = static_cast<float>(i % 7) + 0.5f;
    }
    const float a = 1.75f;
    std::vector<float> expected = y;
    for (std::uint32_t i = 0; i < n; i++) {
        float product = a * x[i]; // v_mac_f32 rounds twice
        expected[i] = product + y[i];
    }
    std::vector<std::uint64_t> args = {addr(x.data()), addr(y.data()), n, std::bit_cast<std::uint32_t>(a)};
    HostRange ranges[] = {rangeOf(x, Access::ReadOnly), rangeOf(y)};
    RunResult result = runOk({.program = program.words, .entry = program.entry, .groupSize = {64, 1, 1},
                              .numGroups = {2, 1, 1}, .args = args},
                             ranges);
    ASSERT_TRUE(result.ok()) << result.describe();
    EXPECT_GT(result.instructions, 2u * 4 * 10);
    for (std::uint32_t i = 0; i < y.size(); i++)
        EXPECT_EQ(std::bit_cast<std::uint32_t>(y[i]), std::bit_cast<std::uint32_t>(expected[i])) << "element " << i;
}

struct Node {
    Node* next;
    std::uint32_t value;
};

TEST(Emu, ListSumExampleFollowsHostPointers)
{
    isa::Program program = example("list_sum");
    const unsigned lists = 40;
    std::vector<Node> pool(lists * 20);
    std::vector<Node*> heads(lists, nullptr);
    std::vector<std::uint32_t> sums(lists, 0xdeadbeef), expected(lists, 0);
    std::mt19937 rng(7);
    std::vector<unsigned> order(pool.size());
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    // List i has i % 17 nodes scattered over the pool (0 nodes: a null head).
    unsigned next = 0;
    for (unsigned i = 0; i < lists; i++) {
        for (unsigned k = 0; k < i % 17; k++) {
            Node* node = &pool[order[next++]];
            node->value = static_cast<std::uint32_t>(rng());
            node->next = heads[i];
            heads[i] = node;
            expected[i] += node->value;
        }
    }
    std::vector<std::uint64_t> args = {addr(heads.data()), addr(sums.data())};
    HostRange ranges[] = {rangeOf(pool, Access::ReadOnly), rangeOf(heads, Access::ReadOnly), rangeOf(sums)};
    RunResult result = runOk({.program = program.words, .entry = program.entry, .groupSize = {8, 1, 1},
                              .numGroups = {lists / 8, 1, 1}, .args = args},
                             ranges);
    ASSERT_TRUE(result.ok()) << result.describe();
    EXPECT_EQ(sums, expected);
}

TEST(Emu, HistogramExampleAtomicsAcrossThreads)
{
    isa::Program program = example("histogram");
    const std::uint32_t n = 50000;
    std::vector<std::uint8_t> data(n);
    std::mt19937 rng(11);
    for (auto& byte : data)
        byte = static_cast<std::uint8_t>(rng() % 40 == 0 ? 255 : rng() % 7); // heavily contended bins
    std::vector<std::uint32_t> counters(256, 0), expected(256, 0);
    for (std::uint8_t byte : data)
        expected[byte]++;
    std::vector<std::uint64_t> args = {addr(data.data()), addr(counters.data()), n};
    HostRange ranges[] = {rangeOf(data, Access::ReadOnly), rangeOf(counters)};
    RunResult result = runOk({.program = program.words, .entry = program.entry, .groupSize = {256, 1, 1},
                              .numGroups = {(n + 255) / 256, 1, 1}, .args = args},
                             ranges, {.threads = 4});
    ASSERT_TRUE(result.ok()) << result.describe();
    EXPECT_EQ(counters, expected);
}

TEST(Emu, GridIdsAndBarrierBetweenWaves)
{
    // Each lane stores its flat local id, waits at s_barrier, then reads the
    // id of the mirror lane in another wave (63 - f) and writes it with its
    // global ids: out[g] = (v0 | v1 << 8 | v2 << 16) << 32 | scratch[63 - f].
    isa::Program program = assembleOk(R"(
        .args ptr scratch, ptr out
        s_mul s40, s16, 64                ; group base in scratch (x only)
        s_mul s41, s17, s22
        s_add s41, s41, s16               ; flat group id for y * nx + x
        s_mul s41, s41, 64
        s_shl s42, s41, 3
        s_add s42, s42, s1                ; &out[group * 64]
        s_shl s41, s41, 2
        s_add s41, s41, s0                ; &scratch[group * 64]
        v_shl_b64 v10, v6, 2
        v_add_u64 v11, v10, s41
        v_store_b32 v11, v6
        s_barrier
        v_sub_u32 v12, 63, v6
        v_shl_b64 v12, v12, 2
        v_add_u64 v12, v12, s41
        v_load_u32 v13, v12               ; scratch[63 - f], written by another wave
        v_shl_b64 v14, v1, 8
        v_or_b64 v14, v14, v0
        v_shl_b64 v15, v2, 16
        v_or_b64 v14, v14, v15
        v_shl_b64 v14, v14, 32
        v_or_b64 v14, v14, v13
        v_shl_b64 v10, v6, 3
        v_add_u64 v10, v10, s42
        v_store_b64 v10, v14
        s_endpgm
    )");
    // Groups of 16 x 4 lanes (4 waves), a 3 x 2 grid.
    const unsigned groups = 6;
    std::vector<std::uint32_t> scratch(groups * 64, 0);
    std::vector<std::uint64_t> out(groups * 64, 0);
    std::vector<std::uint64_t> args = {addr(scratch.data()), addr(out.data())};
    HostRange ranges[] = {rangeOf(scratch), rangeOf(out)};
    for (unsigned threads : {1u, 3u}) {
        std::fill(out.begin(), out.end(), 0);
        RunResult result = runOk({.program = program.words, .groupSize = {16, 4, 1}, .numGroups = {3, 2, 1},
                                  .args = args},
                                 ranges, {.threads = threads});
        ASSERT_TRUE(result.ok()) << result.describe();
        for (unsigned gy = 0; gy < 2; gy++) {
            for (unsigned gx = 0; gx < 3; gx++) {
                for (unsigned f = 0; f < 64; f++) {
                    std::uint64_t gidx = gx * 16 + f % 16, gidy = gy * 4 + f / 16;
                    std::uint64_t want = ((gidy << 8 | gidx) << 32) | (63 - f);
                    EXPECT_EQ(out[(gy * 3 + gx) * 64 + f], want) << gx << "," << gy << " lane " << f;
                }
            }
        }
    }
}

TEST(Emu, InvalidOpcodeIsReportedWithItsPc)
{
    std::vector<std::uint64_t> words = assembleOk("s_nop\ns_nop\n.word 0xff\ns_endpgm\n").words;
    RunResult result = runOk({.program = words, .groupSize = {16, 1, 1}}, {});
    EXPECT_EQ(result.status, Outcome::Invalid);
    EXPECT_EQ(result.error, VSVM_ISA_ERR_OPCODE);
    EXPECT_EQ(result.pc, 16u);
    EXPECT_THAT(result.describe(), HasSubstr("invalid (opcode), pc 0x10"));
}

TEST(Emu, MisalignedAccessIsInvalidWithTheAddress)
{
    std::vector<std::uint32_t> data(16, 0);
    std::uint64_t args[] = {addr(data.data()) + 2};
    std::vector<std::uint64_t> words = assembleOk("s_nop\nv_load_u32 v8, s0, 0\ns_endpgm\n").words;
    HostRange ranges[] = {rangeOf(data)};
    RunResult result = runOk({.program = words, .args = args}, ranges);
    EXPECT_EQ(result.status, Outcome::Invalid);
    EXPECT_EQ(result.error, VSVM_ISA_ERR_ALIGN);
    EXPECT_EQ(result.pc, 8u);
    EXPECT_EQ(result.faultAddr, args[0]);
}

TEST(Emu, WildPointerIsAFaultNotACrash)
{
    // A load from an address no range covers: address 8 (inside the
    // process's unmapped first page) and one just past a declared array.
    std::vector<std::uint32_t> data(16, 0);
    HostRange ranges[] = {rangeOf(data)};
    std::vector<std::uint64_t> words = assembleOk("v_load_u32 v8, s0, 0\ns_nop\ns_endpgm\n").words;
    for (std::uint64_t wild : {std::uint64_t{8}, addr(data.data() + 16), ~std::uint64_t{7}}) {
        std::uint64_t args[] = {wild};
        RunResult result = runOk({.program = words, .groupSize = {2, 1, 1}, .numGroups = {3, 1, 1}, .args = args},
                                 ranges);
        EXPECT_EQ(result.status, Outcome::Fault) << std::hex << wild;
        EXPECT_EQ(result.faultAddr, wild);
        EXPECT_FALSE(result.faultWrite);
        EXPECT_EQ(result.pc, 0u);
        // Group 0 faults first when groups run in order.
        EXPECT_EQ(result.group[0], 0u);
    }
}

TEST(Emu, StoreToReadOnlyRangeIsAWriteFaultAndStoresNothing)
{
    std::vector<std::uint32_t> data(16, 5);
    HostRange ranges[] = {rangeOf(data, Access::ReadOnly)};
    std::uint64_t args[] = {addr(data.data())};
    // Lanes 0-15 store at data[f]: the whole instruction faults before any lane stores.
    std::vector<std::uint64_t> words = assembleOk("v_shl_b64 v7, v6, 2\nv_add_u64 v7, v7, s0\n"
                                                  "v_store_b32 v7, v6\ns_endpgm\n")
                                           .words;
    RunResult result = runOk({.program = words, .groupSize = {16, 1, 1}, .args = args}, ranges);
    EXPECT_EQ(result.status, Outcome::Fault);
    EXPECT_TRUE(result.faultWrite);
    EXPECT_EQ(result.faultAddr, args[0]);
    EXPECT_EQ(result.pc, 16u);
    EXPECT_EQ(data, std::vector<std::uint32_t>(16, 5));
    // The same range read-write: the stores happen.
    ranges[0].access = Access::ReadWrite;
    ASSERT_TRUE(runOk({.program = words, .groupSize = {16, 1, 1}, .args = args}, ranges).ok());
    for (std::uint32_t i = 0; i < 16; i++)
        EXPECT_EQ(data[i], i);
}

TEST(Emu, AnAccessStraddlingTheEndOfARangeFaults)
{
    std::vector<std::uint64_t> words(2, 0);
    // The range ends 4 bytes into the second word; vector storage is 8-aligned.
    HostRange ranges[] = {{words.data(), 12, Access::ReadWrite}};
    std::vector<std::uint64_t> program = assembleOk("v_load_u64 v8, s0, 0\ns_endpgm\n").words;
    std::uint64_t inside[] = {addr(words.data())};
    EXPECT_TRUE(runOk({.program = program, .args = inside}, ranges).ok());
    std::uint64_t straddling[] = {addr(words.data() + 1)};
    RunResult result = runOk({.program = program, .args = straddling}, ranges);
    EXPECT_EQ(result.status, Outcome::Fault) << result.describe();
    EXPECT_EQ(result.faultAddr, straddling[0]);
}

TEST(Emu, RunningOffTheProgramAndBadBranches)
{
    std::vector<std::uint64_t> off = assembleOk("s_nop\n").words;
    RunResult result = runOk({.program = off}, {});
    EXPECT_EQ(result.status, Outcome::Invalid);
    EXPECT_EQ(result.error, VSVM_ISA_ERR_PC);
    EXPECT_EQ(result.pc, 8u);
    // s_branch 100 instructions ahead, out of a 2-instruction program.
    std::vector<std::uint64_t> branch = {std::uint64_t{100} << 32 | VSVM_OP_S_BRANCH, VSVM_OP_S_ENDPGM};
    result = runOk({.program = branch}, {});
    EXPECT_EQ(result.status, Outcome::Invalid);
    EXPECT_EQ(result.error, VSVM_ISA_ERR_BRANCH);
    EXPECT_EQ(result.pc, 0u);
}

TEST(Emu, EndlessLoopStopsAtTheInstructionBudget)
{
    std::vector<std::uint64_t> words = assembleOk("loop:\ns_add s1, s1, 1\ns_branch loop\n").words;
    RunResult result = runOk({.program = words, .numGroups = {4, 1, 1}}, {}, {.threads = 2, .maxInstructions = 100000});
    EXPECT_EQ(result.status, Outcome::Timeout);
    EXPECT_GT(result.instructions, 100000u);
    EXPECT_LT(result.instructions, 200000u);
}

TEST(Emu, ErrorsOfTheFirstGroupInOrderWin)
{
    // Every group faults at its own address s0 + 64 * group: with one thread
    // the groups run in order and group 0 reports.
    std::vector<std::uint64_t> words = assembleOk("s_mul s5, s16, 64\ns_add s5, s5, s0\n"
                                                  "s_load_u32 s6, s5, 0\ns_endpgm\n")
                                           .words;
    std::uint64_t args[] = {0x1000};
    RunResult result = runOk({.program = words, .numGroups = {5, 1, 1}, .args = args}, {});
    EXPECT_EQ(result.status, Outcome::Fault);
    EXPECT_EQ(result.faultAddr, 0x1000u);
    EXPECT_EQ(result.pc, 16u);
    EXPECT_THAT(result.describe(), HasSubstr("fault: read at 0x1000, pc 0x10, group (0, 0, 0)"));
}

TEST(Emu, LaunchesTheDriverWouldRefuseAreErrors)
{
    std::vector<std::uint64_t> words = assembleOk("s_endpgm\n").words;
    std::vector<std::uint64_t> many(17, 0);
    struct Case {
        Launch launch;
        const char* message;
    } cases[] = {
        {{.program = {}}, "program of 0 bytes"},
        {{.program = words, .entry = 8}, "entry 0x8"},
        {{.program = words, .entry = 4}, "entry 0x4"},
        {{.program = words, .isaVersion = 0}, "ISA version 0"},
        {{.program = words, .isaVersion = VSVM_ISA_VERSION + 1}, "ISA version"},
        {{.program = words, .groupSize = {16, 16, 2}}, "workgroup of 16x16x2 lanes: 1 to 256"},
        {{.program = words, .groupSize = {0, 1, 1}}, "workgroup of 0x1x1"},
        {{.program = words, .numGroups = {1, 0, 1}}, "0 workgroups in y"},
        {{.program = words, .args = many}, "17 arguments"},
    };
    for (const Case& c : cases) {
        Result<RunResult> result = run(c.launch, {});
        ASSERT_FALSE(result.ok()) << c.message;
        EXPECT_EQ(result.status().errnum(), EINVAL);
        EXPECT_THAT(result.status().message(), HasSubstr(c.message));
    }
}

// ISA v2: workgroup-shared memory, zeroed at the start of every workgroup,
// shared by the waves of the group, ordered by s_barrier.
TEST(Emu, V2SharedMemoryBetweenWavesAndZeroedPerGroup)
{
    isa::Program program = assembleOk(R"(
        .isa 2
        .args ptr out, ptr zeros
        v_shl_b64 v7, v6, 2               ; f * 4
        v_lds_load_u32 v8, v7, 1024       ; an earlier group's 7s must be gone
        s_mul s40, s16, 64
        v_add_u64 v9, v6, s40             ; global flat index (x grid)
        v_shl_b64 v10, v9, 2
        v_add_u64 v10, v10, s1
        v_store_b32 v10, v8
        v_mul_u32 v11, v6, 3
        v_lds_store_b32 v7, v11
        s_mov s5, 1
        v_lds_atomic_add_b32 v13, s6, s5, 2048
        s_barrier
        v_sub_u32 v14, 63, v6
        v_shl_b64 v14, v14, 2
        v_lds_load_u32 v15, v14           ; written by another wave
        v_lds_load_u32 v16, s6, 2048      ; every lane's increment
        v_shl_b64 v16, v16, 32
        v_or_b64 v16, v16, v15
        v_shl_b64 v10, v9, 3
        v_add_u64 v10, v10, s0
        v_store_b64 v10, v16
        v_mov v17, 7
        v_lds_store_b32 v7, v17, 1024
        s_endpgm
    )");
    ASSERT_EQ(program.isaVersion, 2u);
    const unsigned groups = 5;
    std::vector<std::uint64_t> out(groups * 64, 0);
    std::vector<std::uint32_t> zeros(groups * 64, 0xffffffff);
    std::vector<std::uint64_t> args = {addr(out.data()), addr(zeros.data())};
    HostRange ranges[] = {rangeOf(out), rangeOf(zeros)};
    RunResult result = runOk({.program = program.words, .isaVersion = program.isaVersion, .groupSize = {64, 1, 1},
                              .numGroups = {groups, 1, 1}, .args = args},
                             ranges);
    ASSERT_TRUE(result.ok()) << result.describe();
    for (unsigned g = 0; g < groups * 64; g++) {
        unsigned f = g % 64;
        EXPECT_EQ(out[g], (std::uint64_t{64} << 32) | (3 * (63 - f))) << g;
        EXPECT_EQ(zeros[g], 0u) << g;
    }
}

TEST(Emu, V2SharedMemoryBoundsAndAlignment)
{
    struct Case {
        const char* access;
        int error;
        std::uint64_t address;
    } cases[] = {
        {"v_lds_load_u32 v8, s6, 32768", VSVM_ISA_ERR_LDS, 32768},
        {"v_lds_store_b64 s6, v6, 40000", VSVM_ISA_ERR_LDS, 40000},
        {"v_lds_load_u32 v8, s6, -4", VSVM_ISA_ERR_LDS, ~std::uint64_t{3}},
        {"v_lds_load_u32 v8, s6, 2", VSVM_ISA_ERR_ALIGN, 2},
    };
    for (const Case& c : cases) {
        isa::Program program = assembleOk(fmt::format(".isa 2\ns_nop\n{}\ns_endpgm\n", c.access));
        RunResult result = runOk({.program = program.words, .isaVersion = 2}, {});
        EXPECT_EQ(result.status, Outcome::Invalid) << c.access;
        EXPECT_EQ(result.error, c.error) << c.access;
        EXPECT_EQ(result.pc, 8u) << c.access;
        EXPECT_EQ(result.faultAddr, c.address) << c.access;
    }
    isa::Program last = assembleOk(".isa 2\nv_lds_load_u32 v8, s6, 32764\ns_endpgm\n");
    EXPECT_TRUE(runOk({.program = last.words, .isaVersion = 2}, {}).ok());
}

TEST(Emu, V2OpcodesAreInvalidUnderVersion1)
{
    isa::Program program = assembleOk(".isa 2\n.args ptr out\nv_popc_b32 v8, v6\nv_shl_b64 v9, v6, 2\n"
                                      "v_add_u64 v9, v9, s0\nv_store_b32 v9, v8\ns_endpgm\n");
    std::vector<std::uint32_t> out(16, 99);
    std::uint64_t args[] = {addr(out.data())};
    HostRange ranges[] = {rangeOf(out)};
    RunResult v1 = runOk({.program = program.words, .isaVersion = 1, .groupSize = {16, 1, 1}, .args = args}, ranges);
    EXPECT_EQ(v1.status, Outcome::Invalid);
    EXPECT_EQ(v1.error, VSVM_ISA_ERR_OPCODE);
    EXPECT_EQ(v1.pc, 0u);
    EXPECT_EQ(out, std::vector<std::uint32_t>(16, 99));
    RunResult v2 = runOk({.program = program.words, .isaVersion = 2, .groupSize = {16, 1, 1}, .args = args}, ranges);
    ASSERT_TRUE(v2.ok()) << v2.describe();
    for (std::uint32_t i = 0; i < 16; i++)
        EXPECT_EQ(out[i], static_cast<std::uint32_t>(std::popcount(i))) << i;
}

} // namespace
} // namespace vsvm::emu
