// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The SPIR-V back end (vsvm/cc.h): kernels from umd/tests/cc, compiled to
// SPIR-V at build time by glslangValidator and clang-14 + llvm-spirv-14, are
// compiled and then executed by the host emulator (vsvm/emu.h, the driver's
// own interpreter) on host memory, and compared with C++ references.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/cc.h"
#include "vsvm/emu.h"
#include "vsvm/frontend.h"
#include "vsvm/isa.h"

namespace vsvm::cc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::uint32_t> readSpirv(const std::string& name)
{
    std::string path = std::string(VSVM_CC_SPIRV_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "missing " << path;
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), words.size() * 4);
    return words;
}

CompiledKernel compileOk(const std::string& name, int optLevel = 2)
{
    std::vector<Diagnostic> diagnostics;
    Options options;
    options.optLevel = optLevel;
    options.emitIr = true;
    auto kernel = compile(readSpirv(name), options, &diagnostics);
    for (const Diagnostic& d : diagnostics)
        ADD_FAILURE() << name << ": " << formatDiagnostic(d);
    EXPECT_TRUE(kernel.ok()) << name << ": " << kernel.status().message();
    if (!kernel.ok())
        return {};
    return std::move(*kernel);
}

Diagnostic compileError(const std::string& name)
{
    std::vector<Diagnostic> diagnostics;
    auto kernel = compile(readSpirv(name), {}, &diagnostics);
    EXPECT_FALSE(kernel.ok()) << name << " compiled:\n" << (kernel.ok() ? kernel->assembly : "");
    EXPECT_FALSE(diagnostics.empty()) << name;
    if (!kernel.ok()) {
        EXPECT_EQ(kernel.status().errnum(), EINVAL);
    }
    return diagnostics.empty() ? Diagnostic{} : diagnostics.front();
}

template <typename T>
emu::HostRange range(std::vector<T>& v)
{
    return {v.data(), v.size() * sizeof(T), emu::Access::ReadWrite};
}

std::uint64_t ptr(const void* p)
{
    return reinterpret_cast<std::uint64_t>(p);
}

std::uint64_t bits(float f)
{
    return std::bit_cast<std::uint32_t>(f);
}

// Runs @p kernel over @p groups workgroups of @p lanes lanes.
void runOk(const CompiledKernel& kernel, std::uint32_t groups, std::uint32_t lanes, std::vector<std::uint64_t> args,
           std::vector<emu::HostRange> ranges, bool privateStack = false)
{
    if (!privateStack) {
        ASSERT_EQ(kernel.privateBytesPerLane, 0u);
    }
    emu::Launch launch;
    launch.program = kernel.program.words;
    launch.entry = kernel.program.entry;
    launch.isaVersion = kernel.program.isaVersion;
    launch.groupSize = {lanes, 1, 1};
    launch.numGroups = {groups, 1, 1};
    launch.args = args;
    emu::RunOptions options;
    options.maxInstructions = 50'000'000;
    auto result = emu::run(launch, ranges, options);
    ASSERT_TRUE(result.ok()) << result.status().message();
    ASSERT_TRUE(result->ok()) << result->describe() << "\n" << kernel.assembly;
}

// ---------------------------------------------------------------- saxpy

void checkSaxpy(const CompiledKernel& kernel, bool fused)
{
    ASSERT_TRUE(kernel.program.signature.has_value());
    EXPECT_EQ(kernel.program.signature->toString(), "ptr x, ptr y, u32 n, f32 a");
    const std::uint32_t n = 1000;
    std::vector<float> x(1024), y(1024), expected(1024);
    std::mt19937 random(7);
    std::uniform_real_distribution<float> dist(-10, 10);
    for (std::size_t i = 0; i < x.size(); i++) {
        x[i] = dist(random);
        y[i] = expected[i] = dist(random);
    }
    float a = 1.75f;
    for (std::uint32_t i = 0; i < n; i++)
        expected[i] = fused ? std::fma(a, x[i], y[i]) : a * x[i] + y[i];
    // 16 groups of 64 lanes: the last 24 lanes are past n and must not write.
    runOk(kernel, 16, 64, {ptr(x.data()), ptr(y.data()), n, bits(a)}, {range(x), range(y)});
    for (std::size_t i = 0; i < y.size(); i++)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(y[i]), std::bit_cast<std::uint32_t>(expected[i])) << "y[" << i << "]";
}

TEST(CcSaxpy, GlslRunsOnTheEmulator)
{
    CompiledKernel kernel = compileOk("saxpy_glsl.spv");
    EXPECT_EQ(kernel.name, "main");
    EXPECT_EQ(kernel.localSize, (std::array<std::uint32_t, 3>{64, 1, 1}));
    // The optimiser contracts a * x + y into Fma (Vulkan allows it): one rounding.
    EXPECT_THAT(kernel.assembly, HasSubstr("v_fma_f32"));
    checkSaxpy(kernel, true);
}

TEST(CcSaxpy, GlslAtO0KeepsTwoRoundings)
{
    CompiledKernel kernel = compileOk("saxpy_glsl.spv", 0);
    EXPECT_THAT(kernel.assembly, Not(HasSubstr("v_fma_f32")));
    checkSaxpy(kernel, false);
}

TEST(CcSaxpy, OpenclRunsOnTheEmulator)
{
    CompiledKernel kernel = compileOk("saxpy.spv");
    EXPECT_EQ(kernel.name, "saxpy");
    // clang contracts a * x[i] + y[i] into mad, which the back end makes an fma.
    checkSaxpy(kernel, true);
}

TEST(CcSaxpy, DivergenceFollowsTheDocumentedExecMaskScheme)
{
    CompiledKernel kernel = compileOk("saxpy.spv");
    // Save exec, narrow it with a compare, skip when empty, restore.
    EXPECT_THAT(kernel.assembly, testing::ContainsRegex("s_mov s[0-9]+, exec"));
    EXPECT_THAT(kernel.assembly, testing::ContainsRegex("s_mov exec, s[0-9]+\n    s_cbranch_execz"));
    EXPECT_THAT(kernel.assembly, HasSubstr("s_andn2 exec"));
    // The assembly is what the program holds.
    isa::Assembly again = isa::assemble(kernel.assembly);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.program.words, kernel.program.words);
    EXPECT_FALSE(kernel.ir.empty());
}

// ---------------------------------------------------------------- control flow

TEST(CcControlFlow, BranchyKernelMatchesTheHost)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"branchy.spv", "branchy_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        if (file == "branchy.spv") { // clang -O2 divides by 7 with a multiplication
            EXPECT_EQ(kernel.program.isaVersion, 2u); // signed division
        }
        const std::uint32_t n = 300;
        std::vector<std::int32_t> in(320), out(320, 12345);
        std::mt19937 random(3);
        for (auto& v : in)
            v = static_cast<std::int32_t>(random() % 2001) - 1000;
        for (int mode : {1, 0}) {
            std::fill(out.begin(), out.end(), 12345);
            runOk(kernel, 5, 64, {ptr(in.data()), ptr(out.data()), n, static_cast<std::uint32_t>(mode)},
                  {range(in), range(out)});
            for (std::uint32_t i = 0; i < out.size(); i++) {
                if (i >= n) {
                    ASSERT_EQ(out[i], 12345) << i;
                    continue;
                }
                int v = in[i], r;
                if (v < 0)
                    r = v < -100 ? v / 7 : -v;
                else if ((v & 1) == 0)
                    r = v * 3 + 1;
                else
                    r = v % 5;
                r = mode == 1 ? r + 1000 : r - 1000;
                ASSERT_EQ(out[i], r > 0 ? r : r * 2) << "i " << i << " v " << v << " mode " << mode;
            }
        }
    }
}

TEST(CcControlFlow, UniformBranchesUseScalarBranches)
{
    CompiledKernel kernel = compileOk("branchy.spv");
    // `mode == 1` is the same in every lane: a scalar compare and s_cbranch_z.
    EXPECT_THAT(kernel.assembly, HasSubstr("s_cmp_eq"));
    EXPECT_THAT(kernel.assembly, HasSubstr("s_cbranch_z"));
}

TEST(CcControlFlow, LoopsWithDivergentTripCountsBreakAndContinue)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"loops.spv", "loops_o2.spv"}) {
        SCOPED_TRACE(file);
        for (int opt : {0, 2}) {
            CompiledKernel kernel = compileOk(file, opt);
            const std::uint32_t n = 100;
            std::vector<std::uint32_t> count(128), out(128, 7);
            for (std::uint32_t i = 0; i < count.size(); i++)
                count[i] = (i * 7) % 20;
            runOk(kernel, 2, 64, {ptr(count.data()), ptr(out.data()), n}, {range(count), range(out)});
            for (std::uint32_t i = 0; i < out.size(); i++) {
                std::uint32_t expected = 7;
                if (i < n) {
                    expected = 0;
                    for (std::uint32_t k = 0; k < count[i]; k++) {
                        if (k == 13)
                            break;
                        if ((k & 3) == 1)
                            continue;
                        for (std::uint32_t j = 0; j < k; j++)
                            expected += j ^ k;
                        expected += k * k;
                    }
                }
                ASSERT_EQ(out[i], expected) << "lane " << i << " count " << count[i] << " -O" << opt;
            }
        }
    }
}

TEST(CcControlFlow, LinkedListWalk)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"list.spv", "list_o2.spv"}) {
        SCOPED_TRACE(file);
        struct Node {
            Node* next;
            std::uint32_t value;
        };
        const std::uint32_t n = 40;
        std::vector<Node> nodes(400);
        std::vector<std::uint64_t> heads(48, 0), sums(48, 99);
        std::mt19937 random(11);
        std::size_t used = 0;
        for (std::uint32_t i = 0; i < n; i++) {
            std::uint32_t length = random() % 9; // 0..8 nodes: divergent trip counts
            Node* head = nullptr;
            for (std::uint32_t k = 0; k < length; k++) {
                Node& node = nodes[used++];
                node.next = head;
                node.value = static_cast<std::uint32_t>(random() % 1000);
                head = &node;
            }
            heads[i] = ptr(head);
        }
        CompiledKernel kernel = compileOk(file);
        runOk(kernel, 1, 48, {ptr(heads.data()), ptr(sums.data()), n}, {range(heads), range(sums), range(nodes)});
        for (std::uint32_t i = 0; i < heads.size(); i++) {
            std::uint64_t expected = 99;
            if (i < n) {
                expected = 0;
                for (Node* p = reinterpret_cast<Node*>(heads[i]); p; p = p->next)
                    expected += std::uint64_t{p->value} * (i + 1);
            }
            ASSERT_EQ(sums[i], expected) << i;
        }
    }
}

TEST(CcControlFlow, SwitchWithFallThroughAndDefault)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"switch.spv", "switch_o2.spv"}) {
        SCOPED_TRACE(file);
        for (int opt : {0, 2}) {
            CompiledKernel kernel = compileOk(file, opt);
            const std::uint32_t n = 90;
            std::vector<std::int32_t> x(96), expected(96);
            for (std::uint32_t i = 0; i < x.size(); i++)
                x[i] = expected[i] = static_cast<std::int32_t>(i * 7 % 23) - 11;
            for (std::uint32_t i = 0; i < n; i++) {
                int v = x[i], r = 0;
                switch (v % 6) {
                case 0:
                    r = 5;
                    break;
                case 1:
                case 4:
                    r = 7;
                    break;
                case 2:
                    r = 100;
                    [[fallthrough]];
                case 3:
                    r += 11;
                    break;
                default:
                    r = -v;
                    break;
                }
                expected[i] = r;
            }
            runOk(kernel, 2, 48, {ptr(x.data()), n}, {range(x)});
            EXPECT_EQ(x, expected) << "-O" << opt;
        }
    }
}

TEST(CcControlFlow, ReturnInsideALoop)
{
    // Two exits from the loop (the return and the end of the loop): each
    // exit's lanes run their own code after it.
    for (std::string file : {"twoexits.spv", "twoexits_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        const std::uint32_t n = 24, lanes = 48;
        std::vector<std::int32_t> x(n), out(lanes, 77);
        for (std::uint32_t k = 0; k < n; k++)
            x[k] = static_cast<std::int32_t>((k * 11) % 53);
        runOk(kernel, 1, lanes, {ptr(x.data()), ptr(out.data()), n}, {range(x), range(out)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            std::int32_t acc = 0, expected = 0;
            bool found = false;
            for (std::uint32_t k = 0; k < n && !found; k++) {
                if (x[k] == static_cast<std::int32_t>(i)) {
                    expected = acc;
                    found = true;
                } else {
                    acc += x[k];
                }
            }
            if (!found)
                expected = -acc - 1;
            ASSERT_EQ(out[i], expected) << "lane " << i;
        }
    }
}

// ---------------------------------------------------------------- unstructured control flow

// OpenCL C compiled by the front end (clang-14 -O0 and -O2, llvm-spirv-14):
// the CFGs below have no structured form the back end finds (a break out of
// two loops, returns from inside loops, several latches; at least one of the
// two levels each), so it lowers them by linearisation.
CompiledKernel compileCl(const std::string& source, int clangOpt, const Options& options = {})
{
    frontend::OpenclOptions fo;
    fo.optLevel = clangOpt;
    auto spirv = frontend::openclToSpirv(source, fo);
    EXPECT_TRUE(spirv.ok()) << spirv.status().message();
    if (!spirv.ok())
        return {};
    std::vector<Diagnostic> diagnostics;
    auto kernel = compile(spirv->words, options, &diagnostics);
    for (const Diagnostic& d : diagnostics)
        ADD_FAILURE() << "-O" << clangOpt << ": " << formatDiagnostic(d);
    EXPECT_TRUE(kernel.ok()) << kernel.status().message();
    if (!kernel.ok())
        return {};
    return std::move(*kernel);
}

// Runs `kernel(const int* in, int* out)` over 2 groups of 40 lanes (3 waves
// each, the last one partial) and compares every lane with @p reference.
void checkPerLane(const std::string& source, const std::vector<std::int32_t>& in,
                  const std::function<std::int32_t(std::int32_t)>& reference)
{
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        if (kernel.program.words.empty())
            continue;
        std::vector<std::int32_t> input = in, out(in.size(), 12345);
        ASSERT_EQ(in.size(), 80u);
        runOk(kernel, 2, 40, {ptr(input.data()), ptr(out.data())}, {range(input), range(out)});
        for (std::size_t i = 0; i < in.size(); i++)
            ASSERT_EQ(out[i], reference(in[i])) << "lane " << i << " input " << in[i] << "\n" << kernel.assembly;
    }
}

std::vector<std::int32_t> divergentInputs(unsigned seed)
{
    std::mt19937 random(seed);
    std::vector<std::int32_t> v(80);
    for (std::int32_t& x : v)
        x = static_cast<std::int32_t>(random() % 61) - 10;
    return v;
}

TEST(CcUnstructured, BreakOutOfANestedLoop)
{
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], acc = 0;
    for (int a = 0; a < 9; a++) {
        for (int b = 0; b < 9; b++) {
            acc += a * b + v;
            if (((acc ^ v) & 15) == 3)
                goto done;
        }
        acc ^= a;
    }
done:
    out[i] = acc;
}
)";
    checkPerLane(source, divergentInputs(1), [](std::int32_t v) {
        std::int32_t acc = 0;
        for (int a = 0; a < 9; a++) {
            for (int b = 0; b < 9; b++) {
                acc += a * b + v;
                if (((acc ^ v) & 15) == 3)
                    return acc;
            }
            acc ^= a;
        }
        return acc;
    });
}

TEST(CcUnstructured, EarlyReturnInsideALoopWithDivergentLanes)
{
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i];
    out[i] = -1;
    for (int k = 0; k < 20; k++) {
        if (k * v > 50) {
            out[i] = k;
            return;
        }
        for (int j = 0; j < k; j++)
            if ((j ^ v) == 7) {
                out[i] = 100 + j;
                return;
            }
    }
    out[i] = 1000;
}
)";
    checkPerLane(source, divergentInputs(2), [](std::int32_t v) {
        for (int k = 0; k < 20; k++) {
            if (k * v > 50)
                return k;
            for (int j = 0; j < k; j++)
                if ((j ^ v) == 7)
                    return 100 + j;
        }
        return 1000;
    });
}

TEST(CcUnstructured, ContinueInADoWhile)
{
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], k = 0, acc = 0;
    do {
        k++;
        if ((k + v) % 3 == 0)
            continue;
        acc += k * v;
        if (acc > 200) {
            out[i] = -acc;
            return;
        }
    } while (k < v);
    out[i] = acc;
}
)";
    checkPerLane(source, divergentInputs(3), [](std::int32_t v) {
        std::int32_t k = 0, acc = 0;
        do {
            k++;
            if ((k + v) % 3 == 0)
                continue;
            acc += k * v;
            if (acc > 200)
                return -acc;
        } while (k < v);
        return acc;
    });
}

TEST(CcUnstructured, LoopWithTwoLatches)
{
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], k = 0, acc = 0;
top:
    k++;
    if (k > 40)
        goto done;
    if ((k & 3) == (v & 3)) {
        acc += 3 * k;
        goto top;
    }
    acc ^= v + k;
    if (acc > 5 * v)
        goto top;
    acc -= 2;
    goto top;
done:
    out[i] = acc;
}
)";
    checkPerLane(source, divergentInputs(4), [](std::int32_t v) {
        std::int32_t k = 0, acc = 0;
        for (;;) {
            k++;
            if (k > 40)
                return acc;
            if ((k & 3) == (v & 3)) {
                acc += 3 * k;
                continue;
            }
            acc ^= v + k;
            if (acc > 5 * v)
                continue;
            acc -= 2;
        }
    });
}

TEST(CcUnstructured, SwitchWithFallThroughAndBreakInsideALoop)
{
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], acc = v;
    for (int k = 0; k < (v & 7) + 3; k++) {
        switch ((k * 3 + v) % 6) {
        case 0:
            acc += 1;
        case 1:
            acc *= 3;
            break;
        case 2:
            acc -= k;
            if (acc < -20)
                goto out;
            break;
        case 3:
            if (acc > 300)
                goto out;
            acc += 7;
        case 4:
            acc ^= 5;
            break;
        default:
            acc += k;
        }
    }
out:
    out[i] = acc;
}
)";
    checkPerLane(source, divergentInputs(5), [](std::int32_t v) {
        std::int32_t acc = v;
        for (int k = 0; k < (v & 7) + 3; k++) {
            switch ((k * 3 + v) % 6) {
            case 0:
                acc += 1;
                [[fallthrough]];
            case 1:
                acc *= 3;
                break;
            case 2:
                acc -= k;
                if (acc < -20)
                    return acc;
                break;
            case 3:
                if (acc > 300)
                    return acc;
                acc += 7;
                [[fallthrough]];
            case 4:
                acc ^= 5;
                break;
            default:
                acc += k;
            }
        }
        return acc;
    });
}

TEST(CcUnstructured, PerLaneWhileExitAndAValueDefinedInTheLoopUsedAfterIt)
{
    // The goto makes the function unstructured; `last` is defined in the
    // loop and read after it, where lanes left it at different sweeps.
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], x = v + 11, steps = 0, last = 0;
    while (x != 1 && steps < 60) {
        last = x * 3 + steps;
        x = (x & 1) ? 3 * x + 1 : x / 2;
        steps++;
        for (int j = 0; j < 4; j++)
            if (((x + j) & 31) == 5)
                goto odd;
    }
    out[i] = last + steps * 1000;
    return;
odd:
    out[i] = -(last + steps * 1000);
}
)";
    checkPerLane(source, divergentInputs(6), [](std::int32_t v) {
        std::int32_t x = v + 11, steps = 0, last = 0;
        while (x != 1 && steps < 60) {
            last = x * 3 + steps;
            x = (x & 1) ? 3 * x + 1 : x / 2;
            steps++;
            for (int j = 0; j < 4; j++)
                if (((x + j) & 31) == 5)
                    return -(last + steps * 1000);
        }
        return last + steps * 1000;
    });
}

TEST(CcUnstructured, LinearisedBlocksCallHelpers)
{
    // Both helpers are inlined into the linearised loop; `find` is itself
    // unstructured (a return from inside two loops).
    const char* source = R"(
int mix(int a, int b)
{
    int r = a;
    for (int k = 0; k < (b & 3); k++)
        r = r * 5 + b;
    return r;
}

int find(int v, int limit)
{
    for (int a = 1; a < limit; a++)
        for (int b = 1; b < 5; b++)
            if ((a * b + v) % 7 == 0)
                return a * 10 + b;
    return -1;
}

kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], acc = 0;
    for (int a = 0; a < 6; a++) {
        for (int b = 0; b < 6; b++) {
            acc += mix(v, a + b);
            if ((acc & 7) == 1)
                goto done;
            acc += find(v + a, b + 2);
        }
    }
done:
    out[i] = acc;
}
)";
    auto mix = [](std::int32_t a, std::int32_t b) {
        std::int32_t r = a;
        for (int k = 0; k < (b & 3); k++)
            r = r * 5 + b;
        return r;
    };
    auto find = [](std::int32_t v, std::int32_t limit) {
        for (int a = 1; a < limit; a++)
            for (int b = 1; b < 5; b++)
                if ((a * b + v) % 7 == 0)
                    return a * 10 + b;
        return -1;
    };
    checkPerLane(source, divergentInputs(7), [&](std::int32_t v) {
        std::int32_t acc = 0;
        for (int a = 0; a < 6; a++) {
            for (int b = 0; b < 6; b++) {
                acc += mix(v, a + b);
                if ((acc & 7) == 1)
                    return acc;
                acc += find(v + a, b + 2);
            }
        }
        return acc;
    });
}

TEST(CcUnstructured, UniformValueInALoopLeftFromAnInnerLoop)
{
    // `s` is uniform (a scalar register at clang -O0) and defined in the
    // loop, read after an inner loop that some lanes leave straight back to
    // `top` (a second latch, from inside the inner loop).
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], acc = 0, a = 0;
top:
    if (a >= 6)
        goto done;
    int s = (int)get_local_size(0) * 3 + 1;
    a++;
    for (int b = 0; b < (v & 3) + a; b++) {
        if (((acc + b + v) & 7) == 3)
            goto top;
        acc += b ^ v;
    }
    acc += s * a;
    goto top;
done:
    out[i] = acc;
}
)";
    checkPerLane(source, divergentInputs(8), [](std::int32_t v) {
        std::int32_t acc = 0, a = 0;
        const std::int32_t s = 40 * 3 + 1; // 40 lanes per group
        while (a < 6) {
            a++;
            bool back = false;
            for (int b = 0; b < (v & 3) + a && !back; b++) {
                if (((acc + b + v) & 7) == 3) {
                    back = true;
                } else {
                    acc += b ^ v;
                }
            }
            if (!back)
                acc += s * a;
        }
        return acc;
    });
}

TEST(CcUnstructured, IrreducibleControlFlowIsACompileError)
{
    // Two entries into one cycle: no block dominates it.
    const char* source = R"(
kernel void k(global const int* in, global int* out)
{
    int i = get_global_id(0), v = in[i], acc = 0;
    if (v & 1)
        goto second;
first:
    acc += 3;
    if (acc > 50)
        goto done;
second:
    acc *= 2;
    if (acc < 1000 + v)
        goto first;
done:
    out[i] = acc;
}
)";
    frontend::OpenclOptions fo;
    fo.optLevel = 0;
    auto spirv = frontend::openclToSpirv(source, fo);
    ASSERT_TRUE(spirv.ok()) << spirv.status().message();
    std::vector<Diagnostic> diagnostics;
    auto kernel = compile(spirv->words, {}, &diagnostics);
    ASSERT_FALSE(kernel.ok());
    ASSERT_FALSE(diagnostics.empty());
    EXPECT_THAT(diagnostics.front().message, HasSubstr("irreducible"));
}

// ---------------------------------------------------------------- LDS, barriers, atomics

TEST(CcLds, OpenclReductionWithLocalMemoryAndBarriers)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"reduce.spv", "reduce_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        EXPECT_EQ(kernel.ldsBytes, 64u * 4);
        EXPECT_EQ(kernel.program.isaVersion, 2u);
        EXPECT_THAT(kernel.assembly, HasSubstr("s_barrier"));
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_store_b32"));
        const std::uint32_t n = 1000, groups = 16;
        std::vector<std::uint32_t> in(groups * 64), partial(groups, 0), total(1, 0);
        for (std::uint32_t i = 0; i < in.size(); i++)
            in[i] = i * 3 + 1;
        runOk(kernel, groups, 64, {ptr(in.data()), ptr(partial.data()), ptr(total.data()), n},
              {range(in), range(partial), range(total)});
        std::uint32_t sum = 0;
        for (std::uint32_t g = 0; g < groups; g++) {
            std::uint32_t expected = 0;
            for (std::uint32_t i = g * 64; i < (g + 1) * 64 && i < n; i++)
                expected += in[i];
            EXPECT_EQ(partial[g], expected) << "group " << g;
            sum += expected;
        }
        EXPECT_EQ(total[0], sum);
    }
}

TEST(CcLds, GlslSharedMemoryReduction)
{
    CompiledKernel kernel = compileOk("reduce_glsl.spv");
    EXPECT_EQ(kernel.ldsBytes, 32u * 4);
    EXPECT_EQ(kernel.localSize, (std::array<std::uint32_t, 3>{32, 1, 1}));
    // The stride is the same in every lane (the loop only diverges inside an
    // if without breaks): a scalar register, halved on the scalar ALU.
    EXPECT_THAT(kernel.assembly, testing::ContainsRegex("s_shr s[0-9]+, s[0-9]+, 1\n"));
    const std::uint32_t n = 200, groups = 7;
    std::vector<std::uint32_t> data(groups * 32), sums(1 + groups, 0);
    for (std::uint32_t i = 0; i < data.size(); i++)
        data[i] = i + 5;
    runOk(kernel, groups, 32, {ptr(data.data()), ptr(sums.data()), n}, {range(data), range(sums)});
    std::uint32_t total = 0;
    for (std::uint32_t g = 0; g < groups; g++) {
        std::uint32_t expected = 0;
        for (std::uint32_t i = g * 32; i < (g + 1) * 32 && i < n; i++)
            expected += data[i];
        EXPECT_EQ(sums[1 + g], expected) << g;
        total += expected;
    }
    EXPECT_EQ(sums[0], total);
}

TEST(CcAtomics, GlobalAndLocalAtomics)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"atomics.spv", "atomics_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_atomic_add_b32"));
        EXPECT_THAT(kernel.assembly, HasSubstr("v_atomic_cmpxchg_b32"));
        const std::uint32_t n = 500, groups = 8;
        std::vector<std::uint32_t> data(groups * 64), hist(16, 0), cas(1, 0);
        std::vector<std::int32_t> minmax = {std::numeric_limits<std::int32_t>::max(),
                                            std::numeric_limits<std::int32_t>::min()};
        std::mt19937 random(5);
        for (auto& v : data)
            v = static_cast<std::uint32_t>(random() % 1000);
        runOk(kernel, groups, 64, {ptr(data.data()), ptr(hist.data()), ptr(minmax.data()), ptr(cas.data()), n},
              {range(data), range(hist), range(minmax), range(cas)});
        std::vector<std::uint32_t> expected(16, 0);
        std::int32_t lo = std::numeric_limits<std::int32_t>::max(), hi = std::numeric_limits<std::int32_t>::min();
        for (std::uint32_t i = 0; i < n; i++) {
            expected[data[i] & 15]++;
            lo = std::min(lo, static_cast<std::int32_t>(data[i]) - 500);
            hi = std::max(hi, static_cast<std::int32_t>(data[i]) - 500);
        }
        EXPECT_EQ(hist, expected);
        EXPECT_EQ(minmax[0], lo);
        EXPECT_EQ(minmax[1], hi);
        EXPECT_EQ(cas[0], n);
    }
}

// ---------------------------------------------------------------- math

TEST(CcMath, ExtendedInstructionsMatchTheHost)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"mathops.spv", "mathops_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        const std::uint32_t n = 30;
        std::vector<float> x(32), out(8 * 32, -1);
        std::vector<std::int32_t> iout(4 * 32, -1);
        for (std::uint32_t i = 0; i < x.size(); i++)
            x[i] = (static_cast<float>(i) - 15.0f) * 0.37f;
        x[3] = 2.5f;
        x[4] = -0.5f;
        runOk(kernel, 1, 32, {ptr(x.data()), ptr(out.data()), ptr(iout.data()), n}, {range(x), range(out), range(iout)});
        for (std::uint32_t i = 0; i < n; i++) {
            float v = x[i];
            float expected[8] = {std::floor(v), std::ceil(v),       std::trunc(v),        std::nearbyint(v),
                                 std::fabs(v),  std::fmin(v, 1.5f), std::fma(v, v, 0.25f), std::copysign(2.0f, v)};
            for (int k = 0; k < 8; k++)
                EXPECT_EQ(std::bit_cast<std::uint32_t>(out[8 * i + k]), std::bit_cast<std::uint32_t>(expected[k]))
                    << "x = " << v << " op " << k;
            std::int32_t k = static_cast<std::int32_t>(v * 1000.0f);
            auto u = static_cast<std::uint32_t>(k);
            EXPECT_EQ(iout[4 * i + 0], std::countl_zero(u)) << k;
            EXPECT_EQ(iout[4 * i + 1], std::popcount(u)) << k;
            EXPECT_EQ(iout[4 * i + 2], std::clamp(k, -700, 900)) << k;
            EXPECT_EQ(iout[4 * i + 3], static_cast<std::int32_t>((std::int64_t{k} * 123456789) >> 32)) << k;
        }
    }
}

TEST(CcMath, NarrowAndWideIntegersMatchTheHost)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"narrow.spv", "narrow_o2.spv"}) {
        SCOPED_TRACE(file);
        for (int opt : {0, 2}) {
            CompiledKernel kernel = compileOk(file, opt);
            const std::uint32_t n = 60;
            std::vector<std::int8_t> c(64);
            std::vector<std::int16_t> s(64);
            std::vector<std::int64_t> l(64);
            std::vector<std::int32_t> out(8 * 64, 0);
            std::mt19937_64 random(9);
            for (std::uint32_t i = 0; i < 64; i++) {
                c[i] = static_cast<std::int8_t>(random());
                s[i] = static_cast<std::int16_t>(random());
                l[i] = static_cast<std::int64_t>(random()) >> (random() % 40);
            }
            runOk(kernel, 1, 64, {ptr(c.data()), ptr(s.data()), ptr(l.data()), ptr(out.data()), n},
                  {range(c), range(s), range(l), range(out)});
            for (std::uint32_t i = 0; i < n; i++) {
                std::int8_t a = c[i];
                std::int16_t b = s[i];
                std::int64_t w = l[i];
                auto ua = static_cast<std::uint8_t>(a);
                std::int32_t expected[8] = {
                    static_cast<std::int8_t>(a * 3 + 7),
                    a < 0 ? -1 : (a > 50 ? 2 : 1),
                    static_cast<std::int16_t>(b << 3) >> 2,
                    static_cast<std::int32_t>(ua >> 1) + static_cast<std::int32_t>(static_cast<std::uint16_t>(b)),
                    static_cast<std::int32_t>(w / 1000) ^ static_cast<std::int32_t>(w >> 40),
                    static_cast<std::int32_t>(static_cast<float>(b) * 0.5f),
                    static_cast<std::int32_t>(w % 977) + (w < 0),
                    std::min<std::int32_t>(a, b) + std::max<std::int8_t>(a, -3),
                };
                for (int k = 0; k < 8; k++)
                    EXPECT_EQ(out[8 * i + k], expected[k]) << "lane " << i << " expression " << k << " -O" << opt;
            }
        }
    }
}

TEST(CcMath, GlslVectorsAreScalarised)
{
    for (int opt : {0, 2}) {
        CompiledKernel kernel = compileOk("vectors_glsl.spv", opt);
        const std::uint32_t n = 30;
        std::vector<float> a(4 * 32), b(4 * 32), dots(32, -5), bOut;
        for (std::size_t k = 0; k < a.size(); k++) {
            a[k] = static_cast<float>(static_cast<int>(k * 7 % 13) - 6) * 0.25f;
            b[k] = static_cast<float>(static_cast<int>(k * 5 % 11) - 5) * 0.5f;
        }
        bOut = b;
        std::vector<float> expectedDots = dots;
        for (std::uint32_t i = 0; i < n; i++) {
            float z[4];
            for (int c = 0; c < 4; c++)
                z[c] = a[4 * i + c] * 2.0f + b[4 * i + 3 - c];
            float d = z[0] * b[4 * i];
            for (int c = 1; c < 4; c++)
                d = d + z[c] * b[4 * i + c];
            expectedDots[i] = d;
            for (int c = 0; c < 4; c++)
                bOut[4 * i + c] = z[c] > 1.0f ? 9.0f : std::clamp(z[c], -1.0f, 1.0f);
        }
        runOk(kernel, 2, 16, {ptr(a.data()), ptr(b.data()), ptr(dots.data()), n}, {range(a), range(b), range(dots)});
        for (std::uint32_t i = 0; i < 32; i++) {
            // -O2 may contract x * 2.0 + y into an fma: exact here (x * 2.0 is exact).
            EXPECT_FLOAT_EQ(dots[i], expectedDots[i]) << i << " -O" << opt;
            for (int c = 0; c < 4; c++)
                EXPECT_EQ(b[4 * i + c], bOut[4 * i + c]) << i << "." << c << " -O" << opt;
        }
    }
}

// ---------------------------------------------------------------- OpenCL builtins the back end expands

// libclc leaves these to the SPIR-V consumer: each family runs over edge and
// random values of every integer width, as scalars and as 4-vectors, at
// clang -O0 and -O2, against a C++ reference.

template <typename T>
struct Cl;
template <> struct Cl<std::int8_t> { static constexpr const char* name = "char"; };
template <> struct Cl<std::uint8_t> { static constexpr const char* name = "uchar"; };
template <> struct Cl<std::int16_t> { static constexpr const char* name = "short"; };
template <> struct Cl<std::uint16_t> { static constexpr const char* name = "ushort"; };
template <> struct Cl<std::int32_t> { static constexpr const char* name = "int"; };
template <> struct Cl<std::uint32_t> { static constexpr const char* name = "uint"; };
template <> struct Cl<std::int64_t> { static constexpr const char* name = "long"; };
template <> struct Cl<std::uint64_t> { static constexpr const char* name = "ulong"; };
template <> struct Cl<float> { static constexpr const char* name = "float"; };

template <typename T>
std::vector<T> edgeValues(std::mt19937_64& random)
{
    if constexpr (std::is_floating_point_v<T>) {
        using L = std::numeric_limits<float>;
        std::vector<float> v{0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1.5f, -2.5f, 2.5f, 0.49999997f, 8388607.5f,
                             L::max(), -L::max(), L::infinity(), -L::infinity(), L::quiet_NaN(), L::denorm_min(),
                             -L::denorm_min(), L::min(), 3.0f};
        std::uniform_real_distribution<float> dist(-100, 100);
        for (int i = 0; i < 4; i++)
            v.push_back(dist(random));
        return v;
    } else {
        using L = std::numeric_limits<T>;
        std::vector<T> v{L::min(),
                         L::max(),
                         static_cast<T>(-1),
                         T(0),
                         T(1),
                         static_cast<T>(L::min() + 1),
                         static_cast<T>(L::max() - 1),
                         T(2),
                         static_cast<T>(L::max() / 2),
                         static_cast<T>(L::max() / 2 + 1),
                         static_cast<T>(L::min() / 2 - 1)};
        for (int i = 0; i < 5; i++)
            v.push_back(static_cast<T>(random()));
        return v;
    }
}

/// Equal, or for floats both NaN or at most @p ulps apart (with one sign).
template <typename T>
bool sameValue(T a, T b, std::uint32_t ulps = 0)
{
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a) || std::isnan(b))
            return std::isnan(a) && std::isnan(b);
        auto ua = std::bit_cast<std::uint32_t>(a), ub = std::bit_cast<std::uint32_t>(b);
        if (ua == ub)
            return true;
        return (ua >> 31) == (ub >> 31) && (ua > ub ? ua - ub : ub - ua) <= ulps;
    } else {
        (void)ulps;
        return a == b;
    }
}

/**
 * Runs `o = EXPR` over every pair of @p values (the third operand drawn from
 * them too), as scalars and as 4-vectors; in @p expr, x, y and z are the
 * operands and `@` is the vector size ("" or "4") for casts.
 */
template <typename T, typename R = T>
void checkBuiltin(const std::string& expr, const std::type_identity_t<std::function<R(T, T, T)>>& reference,
                  std::vector<T> values = {}, std::uint32_t ulps = 0)
{
    std::mt19937_64 random(11);
    if (values.empty())
        values = edgeValues<T>(random);
    std::vector<T> a, b, c;
    for (T x : values) {
        for (T y : values) {
            a.push_back(x);
            b.push_back(y);
            c.push_back(values[random() % values.size()]);
        }
    }
    while (a.size() % 64 != 0) {
        a.push_back(values[random() % values.size()]);
        b.push_back(values[random() % values.size()]);
        c.push_back(values[random() % values.size()]);
    }
    const std::size_t n = a.size();
    auto vectorExpr = [&](const char* size) {
        std::string text = expr;
        for (std::size_t at; (at = text.find('@')) != std::string::npos;)
            text.replace(at, 1, size);
        return text;
    };
    const std::string t = Cl<T>::name, r = Cl<R>::name;
    const std::string source = fmt::format(R"(
kernel void k(global const {t}* a, global const {t}* b, global const {t}* c, global {r}* o, global {r}* o4)
{{
    size_t i = get_global_id(0);
    {{
        {t} x = a[i], y = b[i], z = c[i];
        o[i] = {scalar};
    }}
    if (i < {quarter}) {{
        {t}4 x = ((global const {t}4*)a)[i], y = ((global const {t}4*)b)[i], z = ((global const {t}4*)c)[i];
        ((global {r}4*)o4)[i] = {vector};
    }}
}}
)",
                                           fmt::arg("t", t), fmt::arg("r", r), fmt::arg("scalar", vectorExpr("")),
                                           fmt::arg("vector", vectorExpr("4")), fmt::arg("quarter", n / 4));
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("{}: {} at clang -O{}", t, expr, opt));
        CompiledKernel kernel = compileCl(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        std::vector<R> o(n, R(0x5a)), o4(n, R(0x5a));
        runOk(kernel, static_cast<std::uint32_t>(n / 64), 64,
              {ptr(a.data()), ptr(b.data()), ptr(c.data()), ptr(o.data()), ptr(o4.data())},
              {range(a), range(b), range(c), range(o), range(o4)});
        int failures = 0;
        for (std::size_t i = 0; i < n && failures < 10; i++) {
            R expected = reference(a[i], b[i], c[i]);
            if (!sameValue(o[i], expected, ulps) || !sameValue(o4[i], expected, ulps)) {
                ++failures;
                ADD_FAILURE() << "x = " << +a[i] << ", y = " << +b[i] << ", z = " << +c[i] << ": expected "
                              << +expected << ", scalar " << +o[i] << ", vector " << +o4[i];
            }
        }
    }
}

// The same builtin for the eight integer types: @p family(tag) runs one.
template <typename F>
void forEveryIntegerType(F&& family)
{
    family(std::int8_t{});
    family(std::uint8_t{});
    family(std::int16_t{});
    family(std::uint16_t{});
    family(std::int32_t{});
    family(std::uint32_t{});
    family(std::int64_t{});
    family(std::uint64_t{});
}

// Exact reference arithmetic, wide enough for every operand width.
using Wide = __int128;

template <typename T>
T saturateTo(Wide v)
{
    using L = std::numeric_limits<T>;
    return static_cast<T>(std::clamp<Wide>(v, L::min(), L::max()));
}

TEST(CcOpenclBuiltins, AddSatAndSubSat)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        checkBuiltin<T>("add_sat(x, y)", [](T x, T y, T) { return saturateTo<T>(Wide(x) + Wide(y)); });
        checkBuiltin<T>("sub_sat(x, y)", [](T x, T y, T) { return saturateTo<T>(Wide(x) - Wide(y)); });
    });
}

TEST(CcOpenclBuiltins, HaddAndRhadd)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        // >> of a negative __int128 is arithmetic (floor), as OpenCL's hadd.
        checkBuiltin<T>("hadd(x, y)", [](T x, T y, T) { return static_cast<T>((Wide(x) + Wide(y)) >> 1); });
        checkBuiltin<T>("rhadd(x, y)", [](T x, T y, T) { return static_cast<T>((Wide(x) + Wide(y) + 1) >> 1); });
    });
}

TEST(CcOpenclBuiltins, MulHiAndMadHi)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        constexpr int bits = 8 * sizeof(T);
        auto high = [](T x, T y) {
            // The product of two 64-bit unsigned values can exceed __int128:
            // take it unsigned.
            if constexpr (std::is_unsigned_v<T>)
                return static_cast<T>(static_cast<unsigned __int128>(x) * static_cast<unsigned __int128>(y) >> bits);
            else
                return static_cast<T>((Wide(x) * Wide(y)) >> bits);
        };
        checkBuiltin<T>("mul_hi(x, y)", [&](T x, T y, T) { return high(x, y); });
        checkBuiltin<T>("mad_hi(x, y, z)", [&](T x, T y, T z) {
            using U = std::make_unsigned_t<T>;
            return static_cast<T>(static_cast<U>(static_cast<U>(high(x, y)) + static_cast<U>(z)));
        });
    });
}

TEST(CcOpenclBuiltins, MadSat)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        checkBuiltin<T>("mad_sat(x, y, z)", [](T x, T y, T z) {
            if constexpr (std::is_unsigned_v<T>) {
                unsigned __int128 p = static_cast<unsigned __int128>(x) * y;
                // p + z < 2^128 for every 64-bit x, y, z.
                unsigned __int128 s = p + z;
                return s > std::numeric_limits<T>::max() ? std::numeric_limits<T>::max() : static_cast<T>(s);
            } else {
                return saturateTo<T>(Wide(x) * Wide(y) + Wide(z));
            }
        });
    });
}

TEST(CcOpenclBuiltins, AbsDiff)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        using U = std::make_unsigned_t<T>;
        checkBuiltin<T, U>("abs_diff(x, y)", [](T x, T y, T) {
            Wide d = Wide(x) - Wide(y);
            return static_cast<U>(d < 0 ? -d : d);
        });
    });
}

TEST(CcOpenclBuiltins, Upsample)
{
    auto run = [](auto hiTag, auto wideTag) {
        using T = decltype(hiTag);
        using R = decltype(wideTag);
        using U = std::make_unsigned_t<T>;
        const std::string expr = fmt::format("upsample(x, as_{}@(y))", Cl<U>::name);
        checkBuiltin<T, R>(expr, [](T hi, T lo, T) {
            using UR = std::make_unsigned_t<R>;
            return static_cast<R>(static_cast<UR>(static_cast<UR>(static_cast<U>(hi)) << (8 * sizeof(T))) |
                                  static_cast<U>(lo));
        });
    };
    run(std::int8_t{}, std::int16_t{});
    run(std::uint8_t{}, std::uint16_t{});
    run(std::int16_t{}, std::int32_t{});
    run(std::uint16_t{}, std::uint32_t{});
    run(std::int32_t{}, std::int64_t{});
    run(std::uint32_t{}, std::uint64_t{});
}

TEST(CcOpenclBuiltins, Mul24AndMad24)
{
    // Only the 24-bit ranges are defined: the values stay inside them.
    std::mt19937_64 random(5);
    std::vector<std::int32_t> s{-(1 << 23), (1 << 23) - 1, -1, 0, 1, 2, -2, 4095, -4096, 1 << 22};
    std::vector<std::uint32_t> u{0, 1, 2, (1u << 24) - 1, 1u << 23, 4095, 65537, 12345};
    for (int i = 0; i < 6; i++) {
        s.push_back(static_cast<std::int32_t>(random() % (1 << 24)) - (1 << 23));
        u.push_back(static_cast<std::uint32_t>(random() % (1 << 24)));
    }
    using I = std::int32_t;
    using UI = std::uint32_t;
    auto low32 = [](std::int64_t v) { return static_cast<I>(static_cast<UI>(static_cast<std::uint64_t>(v))); };
    checkBuiltin<I>("mul24(x, y)", [&](I x, I y, I) { return low32(std::int64_t{x} * y); }, s);
    checkBuiltin<I>("mad24(x, y, z)", [&](I x, I y, I z) { return low32(std::int64_t{x} * y + z); }, s);
    checkBuiltin<UI>("mul24(x, y)", [](UI x, UI y, UI) { return static_cast<UI>(std::uint64_t{x} * y); }, u);
    checkBuiltin<UI>("mad24(x, y, z)", [](UI x, UI y, UI z) { return static_cast<UI>(std::uint64_t{x} * y + z); },
                     u);
}

TEST(CcOpenclBuiltins, BitselectAndSelect)
{
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        using U = std::make_unsigned_t<T>;
        checkBuiltin<T>("bitselect(x, y, z)", [](T x, T y, T z) {
            return static_cast<T>((static_cast<U>(x) & ~static_cast<U>(z)) | (static_cast<U>(y) & static_cast<U>(z)));
        });
    });
    checkBuiltin<float>("bitselect(x, y, z)", [](float x, float y, float z) {
        auto u = [](float f) { return std::bit_cast<std::uint32_t>(f); };
        return std::bit_cast<float>((u(x) & ~u(z)) | (u(y) & u(z)));
    });
    // select: a scalar condition is "!= 0", a vector one the top bit: the
    // comparison gives 1 for a scalar and -1 for a vector component, and
    // both pick y.
    forEveryIntegerType([](auto tag) {
        using T = decltype(tag);
        using S = std::make_signed_t<T>;
        const std::string expr = fmt::format("select(x, y, ({s}@)(as_{s}@(z) < ({s})0))", fmt::arg("s", Cl<S>::name));
        checkBuiltin<T>(expr, [](T x, T y, T z) { return static_cast<S>(z) < 0 ? y : x; });
    });
    checkBuiltin<float>("select(x, y, (int@)(as_int@(z) < 0))", [](float x, float y, float z) {
        return static_cast<std::int32_t>(std::bit_cast<std::uint32_t>(z)) < 0 ? y : x;
    });
}

TEST(CcOpenclBuiltins, RoundNextafterFdimMinmagMaxmag)
{
    using F = float;
    checkBuiltin<F>("round(x)", [](F x, F, F) { return std::round(x); });
    checkBuiltin<F>("nextafter(x, y)", [](F x, F y, F) { return std::nextafter(x, y); });
    checkBuiltin<F>("fdim(x, y)", [](F x, F y, F) { return std::fdim(x, y); });
    // fmin and fmax of +0 and -0 may give either: no -0 here.
    std::mt19937_64 random(3);
    std::vector<F> values = edgeValues<F>(random);
    values.erase(std::remove_if(values.begin(), values.end(), [](F v) { return v == 0 && std::signbit(v); }),
                 values.end());
    checkBuiltin<F>(
        "minmag(x, y)",
        [](F x, F y, F) {
            return std::fabs(x) < std::fabs(y) ? x : (std::fabs(y) < std::fabs(x) ? y : std::fmin(x, y));
        },
        values);
    checkBuiltin<F>(
        "maxmag(x, y)",
        [](F x, F y, F) {
            return std::fabs(x) > std::fabs(y) ? x : (std::fabs(y) > std::fabs(x) ? y : std::fmax(x, y));
        },
        values);
}

// isfinite, isnormal and signbit (OpIsFinite, OpIsNormal, OpSignBitSet) on
// zeros, subnormals, normals, infinities and NaN; "& 1" makes the vector
// forms' -1 the scalars' 1.
TEST(CcOpenclBuiltins, FloatClassification)
{
    using F = float;
    checkBuiltin<F, std::int32_t>("isfinite(x) & 1", [](F x, F, F) { return std::int32_t{std::isfinite(x)}; });
    checkBuiltin<F, std::int32_t>("isnormal(x) & 1", [](F x, F, F) { return std::int32_t{std::isnormal(x)}; });
    checkBuiltin<F, std::int32_t>("signbit(x) & 1", [](F x, F, F) { return std::int32_t{std::signbit(x)}; });
}

TEST(CcOpenclBuiltins, NativeDivideAndRecip)
{
    // The back end's division is correctly rounded: as precise as "/".
    using F = float;
    checkBuiltin<F>("native_divide(x, y)", [](F x, F y, F) { return x / y; });
    checkBuiltin<F>("native_recip(x)", [](F x, F, F) { return 1.0f / x; });
}

TEST(CcOpenclBuiltins, ShuffleAndShuffle2)
{
    auto run = [](auto tag, const char* maskType) {
        using T = decltype(tag);
        const std::string t = Cl<T>::name;
        const std::string source = fmt::format(R"(
kernel void k(global const {t}* a, global const {t}* b, global const {m}* m, global {t}* o)
{{
    size_t i = get_global_id(0);
    {t}4 x = ((global const {t}4*)a)[i], y = ((global const {t}4*)b)[i];
    {m}4 mask = ((global const {m}4*)m)[i];
    ((global {t}4*)o)[4 * i] = shuffle(x, mask);
    ((global {t}4*)o)[4 * i + 1] = shuffle2(x, y, mask);
    ((global {t}4*)o)[4 * i + 2] = shuffle(x, ({m}4)(3, 0, 2, 1));
    {t}8 wide = shuffle2(x, y, ({m}8)(7, 6, 5, 4, 3, 2, 1, 0));
    ((global {t}4*)o)[4 * i + 3] = wide.lo + wide.hi;
}}
)",
                                               fmt::arg("t", t), fmt::arg("m", maskType));
        const std::size_t lanes = 64;
        std::mt19937_64 random(17);
        std::vector<T> a(4 * lanes), b(4 * lanes), o(16 * lanes);
        std::vector<std::uint64_t> mask64(4 * lanes);
        for (std::size_t i = 0; i < a.size(); i++) {
            a[i] = static_cast<T>(random() % 100);
            b[i] = static_cast<T>(random() % 100 + 100);
            // Bits above the index are ignored.
            mask64[i] = random() % 8 + (random() % 4) * 8;
        }
        for (int opt : {0, 2}) {
            SCOPED_TRACE(fmt::format("{} by {} at clang -O{}", t, maskType, opt));
            CompiledKernel kernel = compileCl(source, opt);
            ASSERT_FALSE(kernel.program.words.empty());
            // The mask's elements are as wide as the vector's.
            std::vector<std::uint8_t> maskBytes(mask64.size() * sizeof(T));
            for (std::size_t i = 0; i < mask64.size(); i++)
                std::memcpy(&maskBytes[i * sizeof(T)], &mask64[i], sizeof(T));
            std::fill(o.begin(), o.end(), T(0));
            runOk(kernel, 1, lanes, {ptr(a.data()), ptr(b.data()), ptr(maskBytes.data()), ptr(o.data())},
                  {range(a), range(b), range(maskBytes), range(o)});
            for (std::size_t i = 0; i < lanes; i++) {
                const T* x = &a[4 * i];
                const T* y = &b[4 * i];
                const std::uint64_t* mk = &mask64[4 * i];
                auto both = [&](std::uint64_t k) { return k < 4 ? x[k] : y[k - 4]; };
                for (int c = 0; c < 4; c++) {
                    ASSERT_EQ(o[16 * i + c], x[mk[c] % 4]) << "shuffle lane " << i << " component " << c;
                    ASSERT_EQ(o[16 * i + 4 + c], both(mk[c] % 8)) << "shuffle2 lane " << i << " component " << c;
                    const int fixed[4] = {3, 0, 2, 1};
                    ASSERT_EQ(o[16 * i + 8 + c], x[fixed[c]]) << "constant shuffle lane " << i;
                    ASSERT_EQ(o[16 * i + 12 + c], static_cast<T>(both(7 - c) + both(3 - c)))
                        << "shuffle2 to 8, lane " << i;
                }
            }
        }
    };
    run(std::uint8_t{}, "uchar");
    run(std::int16_t{}, "ushort");
    run(std::int32_t{}, "uint");
    run(std::uint64_t{}, "ulong");
    run(float{}, "uint");
}

// The 64-bit atomics of cl_khr_int64_base/extended_atomics on __local
// memory (ISA v3's v_lds_atomic_<op>_b64): values whose upper halves matter
// and whose signed and unsigned orders differ, against the host's results.
TEST(CcAtomics, LocalInt64AtomicsMatchTheHost)
{
    const char* source = R"(
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable
kernel void k(global const long* in, global long* out, global long* old, global const long* init)
{
    local long cell[8];
    local ulong ucell[2];
    int l = get_local_id(0);
    size_t i = get_global_id(0), g = get_group_id(0);
    /* From the host: clang -O2 makes constant initial values a __constant table. */
    if (l < 8)
        cell[l] = init[l];
    if (l < 2)
        ucell[l] = (ulong)init[8 + l];
    barrier(CLK_LOCAL_MEM_FENCE);
    long v = in[i];
    atom_add(&cell[0], v);
    atom_sub(&cell[0], 3L);
    atom_min(&cell[1], v);
    atom_max(&cell[2], v);
    atom_and(&cell[3], ~(1L << (l + 20)));
    atom_or(&cell[4], 1L << (l + 20));
    atom_xor(&cell[5], v);
    atom_min(&ucell[0], (ulong)v);
    atom_max(&ucell[1], (ulong)v);
    /* An add made of compare-exchanges: all 64 bits are compared. */
    long seen = cell[6], was;
    while ((was = atom_cmpxchg(&cell[6], seen, seen + v)) != seen)
        seen = was;
    old[i] = atom_xchg(&cell[7], (long)i + 0x700000000L);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0) {
        for (int c = 0; c < 8; c++)
            out[10 * g + c] = cell[c];
        out[10 * g + 8] = (long)ucell[0];
        out[10 * g + 9] = (long)ucell[1];
    }
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        if (kernel.program.words.empty())
            continue;
        EXPECT_EQ(kernel.program.isaVersion, 3u);
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_atomic_add_b64"));
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_atomic_cmpxchg_b64"));
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_atomic_min_u_b64"));
        EXPECT_THAT(kernel.assembly, HasSubstr("v_lds_atomic_max_i_b64"));
        const std::uint32_t lanes = 40, groups = 2, total = lanes * groups;
        std::vector<std::int64_t> in(total), out(10 * groups, -1), old(total, -1);
        std::mt19937_64 random(7);
        for (auto& v : in)
            v = static_cast<std::int64_t>(random()) >> (random() % 40);
        std::vector<std::int64_t> init = {0x100000000LL, std::numeric_limits<std::int64_t>::max(),
                                          std::numeric_limits<std::int64_t>::min(), -1, 0, 0, 0, 0, -1, 0};
        runOk(kernel, groups, lanes, {ptr(in.data()), ptr(out.data()), ptr(old.data()), ptr(init.data())},
              {range(in), range(out), range(old), range(init)});
        for (std::uint32_t g = 0; g < groups; g++) {
            SCOPED_TRACE(fmt::format("group {}", g));
            std::uint64_t sum = 0x100000000ull, bits = 0, x = 0, umin = ~0ull, umax = 0;
            std::int64_t lo = std::numeric_limits<std::int64_t>::max();
            std::int64_t hi = std::numeric_limits<std::int64_t>::min();
            std::uint64_t plain = 0;
            for (std::uint32_t l = 0; l < lanes; l++) {
                auto v = in[g * lanes + l];
                auto u = static_cast<std::uint64_t>(v);
                sum += u - 3;
                plain += u;
                lo = std::min(lo, v), hi = std::max(hi, v);
                bits |= std::uint64_t{1} << (l + 20);
                x ^= u;
                umin = std::min(umin, u), umax = std::max(umax, u);
            }
            const std::int64_t* o = &out[10 * g];
            EXPECT_EQ(static_cast<std::uint64_t>(o[0]), sum);
            EXPECT_EQ(o[1], lo);
            EXPECT_EQ(o[2], hi);
            EXPECT_EQ(static_cast<std::uint64_t>(o[3]), ~bits);
            EXPECT_EQ(static_cast<std::uint64_t>(o[4]), bits);
            EXPECT_EQ(static_cast<std::uint64_t>(o[5]), x);
            EXPECT_EQ(static_cast<std::uint64_t>(o[6]), plain);
            EXPECT_EQ(static_cast<std::uint64_t>(o[8]), umin);
            EXPECT_EQ(static_cast<std::uint64_t>(o[9]), umax);
            // The exchanges pass every value on exactly once.
            std::vector<std::int64_t> seen(old.begin() + g * lanes, old.begin() + (g + 1) * lanes), want{0};
            seen.push_back(o[7]);
            for (std::uint32_t l = 0; l < lanes; l++)
                want.push_back(static_cast<std::int64_t>(g * lanes + l) + 0x700000000LL);
            std::sort(seen.begin(), seen.end());
            std::sort(want.begin(), want.end());
            EXPECT_EQ(seen, want);
        }
    }
}

// atomic_xchg on a float exchanges its bits: every value written comes out
// exactly once, from one lane's result or from the cell at the end.
TEST(CcAtomics, FloatExchangeIsAnExchangeOfBits)
{
    const char* source = R"(
kernel void k(global float* cell, global float* old)
{
    size_t i = get_global_id(0);
    old[i] = atomic_xchg(cell, (float)i + 0.5f);
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        const std::uint32_t groups = 3, lanes = 40, total = groups * lanes;
        std::vector<float> cell{-7.25f}, old(total, 0.0f);
        runOk(kernel, groups, lanes, {ptr(cell.data()), ptr(old.data())}, {range(cell), range(old)});
        std::vector<float> seen(old);
        seen.push_back(cell[0]);
        std::sort(seen.begin(), seen.end());
        std::vector<float> want{-7.25f};
        for (std::uint32_t i = 0; i < total; i++)
            want.push_back(static_cast<float>(i) + 0.5f);
        std::sort(want.begin(), want.end());
        ASSERT_EQ(seen, want);
    }
}

// as_typen between vectors of different component counts: the same bytes,
// little-endian (OpBitcast of a uchar4 to a ushort2 or a uint).
TEST(CcConversions, BitcastsBetweenComponentCounts)
{
    const char* source = R"(
kernel void k(global const uint* in, global uint* out)
{
    size_t i = get_global_id(0);
    uint x = in[i];
    uchar4 c = as_uchar4(x);
    ushort2 h = as_ushort2(c);
    uint back = as_uint(h);
    ulong2 wide = as_ulong2((uint4)(x, x + 1, x + 2, x + 3));
    char2 s = as_char2(h.y);
    out[6 * i] = c.x | ((uint)c.w << 8);
    out[6 * i + 1] = h.y;
    out[6 * i + 2] = back;
    out[6 * i + 3] = (uint)(wide.y >> 32);
    out[6 * i + 4] = (uint)wide.x;
    out[6 * i + 5] = (uint)(int)s.y;
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        const std::uint32_t lanes = 40;
        std::vector<std::uint32_t> in(lanes), out(6 * lanes, 0);
        for (std::uint32_t i = 0; i < lanes; i++)
            in[i] = 0x9e3779b9u * (i + 1);
        runOk(kernel, 1, lanes, {ptr(in.data()), ptr(out.data())}, {range(in), range(out)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            std::uint32_t x = in[i];
            ASSERT_EQ(out[6 * i], (x & 0xff) | ((x >> 24) << 8)) << i;
            ASSERT_EQ(out[6 * i + 1], x >> 16) << i;
            ASSERT_EQ(out[6 * i + 2], x) << i;
            ASSERT_EQ(out[6 * i + 3], x + 3) << i;
            ASSERT_EQ(out[6 * i + 4], x) << i;
            ASSERT_EQ(out[6 * i + 5], static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(x >> 24))))
                << i;
        }
    }
}

// ---------------------------------------------------------------- half as a storage format

// vload_half and vstore_half need no cl_khr_fp16: half is a storage format
// (the compiler converts its bits). Against the host compiler's _Float16
// (IEEE binary16, conversions round to nearest even): every one of the
// 65536 halves to float, and to half again floats around every half (the
// half itself, and the float values a quarter and a half of a half's step
// either side, which exercise ties to even), overflow, NaN and subnormals.
TEST(CcHalf, EveryHalfLoadsAndStoresAsTheHostConvertsIt)
{
#ifndef __FLT16_MAX__
    GTEST_SKIP() << "the host compiler has no _Float16 to check against";
#else
    const char* source = R"(
kernel void k(global const half* in, global float* out, global const float* fin, global half* hout,
              global float4* out4, global half* hrtz)
{
    size_t i = get_global_id(0);
    out[i] = vload_half(i, in);
    vstore_half(fin[i], i, hout);
    if (i % 4 == 0) {
        out4[i / 4] = vload_half4(i / 4, in);
        vstore_half4_rtz(vload4(i / 4, fin), i / 4, hrtz);
    }
}
)";
    auto halfBits = [](_Float16 h) {
        std::uint16_t b;
        std::memcpy(&b, &h, 2);
        return b;
    };
    auto halfOf = [](std::uint16_t b) {
        _Float16 h;
        std::memcpy(&h, &b, 2);
        return h;
    };
    const std::uint32_t n = 1u << 16;
    std::vector<std::uint16_t> in(n), hout(n), hrtz(n);
    std::vector<float> out(n), fin(n), out4(n);
    for (std::uint32_t i = 0; i < n; i++)
        in[i] = static_cast<std::uint16_t>(i);
    // Floats to convert: a finite half (scattered over all of them), plus 0,
    // 1/4, 1/2 (a tie) or 3/4 of the step to the next half; negative in
    // the upper half of the lanes.
    for (std::uint32_t i = 0; i < n; i++) {
        auto b = static_cast<std::uint16_t>(((i >> 2) * 40503u) % 0x7c00);
        float step = std::ldexp(1.0f, std::max(b >> 10, 1) - 25);
        float x = static_cast<float>(halfOf(b)) + 0.25f * static_cast<float>(i % 4) * step;
        fin[i] = i & 0x8000 ? -x : x;
    }
    const float specials[] = {65504.0f, 65519.0f, 65520.0f, 65536.0f, 1e10f, -65520.0f, INFINITY, -INFINITY, NAN,
                              0x1p-25f, 0x1.8p-25f, 0x1p-26f, 0x1p-14f, 0x1.ffcp-15f, -0.0f, 0x1p-149f, 0x1p-130f};
    for (std::size_t i = 0; i < std::size(specials); i++)
        fin[i] = specials[i];
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        runOk(kernel, n / 256, 256,
              {ptr(in.data()), ptr(out.data()), ptr(fin.data()), ptr(hout.data()), ptr(out4.data()), ptr(hrtz.data())},
              {range(in), range(out), range(fin), range(hout), range(out4), range(hrtz)});
        for (std::uint32_t i = 0; i < n; i++) {
            float want = static_cast<float>(halfOf(in[i]));
            if (std::isnan(want)) {
                ASSERT_TRUE(std::isnan(out[i])) << std::hex << "half 0x" << i;
                ASSERT_TRUE(std::isnan(out4[i])) << std::hex << "half 0x" << i << " (vload_half4)";
            } else {
                ASSERT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(want))
                    << std::hex << "half 0x" << i << " gave " << out[i] << ", want " << want;
                ASSERT_EQ(std::bit_cast<std::uint32_t>(out4[i]), std::bit_cast<std::uint32_t>(want))
                    << std::hex << "half 0x" << i << " (vload_half4)";
            }
            _Float16 wantHalf = static_cast<_Float16>(fin[i]);
            if (std::isnan(fin[i])) {
                ASSERT_EQ(hout[i] & 0x7c00, 0x7c00) << i;
                ASSERT_NE(hout[i] & 0x3ff, 0) << i;
            } else {
                ASSERT_EQ(hout[i], halfBits(wantHalf)) << std::hexfloat << "float " << fin[i];
            }
            // Round toward zero: the half nearest zero of the two around it.
            float t = std::isnan(fin[i]) ? 0.0f : fin[i];
            _Float16 rtz = static_cast<_Float16>(t);
            if (std::isinf(static_cast<float>(rtz)) && !std::isinf(t))
                rtz = std::signbit(t) ? -static_cast<_Float16>(65504.0f) : static_cast<_Float16>(65504.0f);
            else if (std::fabs(static_cast<float>(rtz)) > std::fabs(t))
                rtz = halfOf(static_cast<std::uint16_t>(halfBits(rtz) - 1));
            if (!std::isnan(fin[i])) {
                ASSERT_EQ(hrtz[i], halfBits(rtz)) << std::hexfloat << "float " << fin[i] << " (vstore_half4_rtz)";
            }
        }
    }
#endif
}

// ---------------------------------------------------------------- private memory

TEST(CcPrivate, DynamicallyIndexedArraysLiveInTheLanesStacks)
{
    // clang -O0 (as the tests of the brief) and clang -O2 (the front end's default).
    for (std::string file : {"private_array.spv", "private_array_o2.spv"}) {
        SCOPED_TRACE(file);
        CompiledKernel kernel = compileOk(file);
        EXPECT_EQ(kernel.privateBytesPerLane, 32u);
        ASSERT_TRUE(kernel.program.signature.has_value());
        EXPECT_EQ(kernel.program.signature->toString(), "ptr x, ptr out, u32 k, ptr private_stack");
        const std::uint32_t groups = 3, lanes = 48, total = groups * lanes;
        std::vector<std::int32_t> x(total), out(total, 0);
        for (std::uint32_t i = 0; i < total; i++)
            x[i] = static_cast<std::int32_t>(i * 37 % 101) - 50;
        // The hidden argument: privateBytesPerLane for every lane of the dispatch.
        std::vector<std::uint64_t> stack(total * kernel.privateBytesPerLane / 8, 0xdeadbeef);
        const std::int32_t k = 5;
        runOk(kernel, groups, lanes, {ptr(x.data()), ptr(out.data()), static_cast<std::uint32_t>(k), ptr(stack.data())},
              {range(x), range(out), range(stack)}, true);
        for (std::uint32_t i = 0; i < total; i++) {
            std::int32_t table[8];
            for (int j = 0; j < 8; j++)
                table[j] = x[j] * (j + static_cast<std::int32_t>(i));
            ASSERT_EQ(out[i], table[(k + i) & 7] + table[x[i] & 7]) << i;
        }
    }
}

TEST(CcPrivate, SpillsToTheLanesStacks)
{
    // 72 values live at once; 57 vector registers are free.
    CompiledKernel kernel = compileOk("spill.spv");
    EXPECT_GT(kernel.privateBytesPerLane, 0u);
    EXPECT_EQ(kernel.privateBytesPerLane % 8, 0u);
    ASSERT_TRUE(kernel.program.signature.has_value());
    EXPECT_EQ(kernel.program.signature->toString(), "ptr x, ptr out, u32 n, ptr private_stack");
    const std::uint32_t n = 40, lanes = 48;
    std::vector<float> x(72 * n), out(lanes, -1);
    for (std::size_t k = 0; k < x.size(); k++)
        x[k] = static_cast<float>((k * 13) % 17) - 8.0f;
    std::vector<std::uint64_t> stack(lanes * kernel.privateBytesPerLane / 8, 0);
    runOk(kernel, 1, lanes, {ptr(x.data()), ptr(out.data()), n, ptr(stack.data())},
          {range(x), range(out), range(stack)}, true);
    for (std::uint32_t i = 0; i < lanes; i++) {
        if (i >= n) {
            ASSERT_EQ(out[i], -1.0f);
            continue;
        }
        double s = x[71 * n + i];
        for (int k = 70; k >= 0; k--)
            s = s * 0.5 + x[k * n + i] * (k + 1.0);
        // clang may contract the multiply-adds (fp-contract): compare closely, not bit for bit.
        ASSERT_NEAR(out[i], s, 1e-3 * std::max(1.0, std::fabs(s))) << i;
    }
}

// ---------------------------------------------------------------- kernel parameters

using ParamKind = KernelParamLayout::Kind;

// The signature's types: "ptr u32 ..." (names depend on clang's level).
std::string argTypes(const CompiledKernel& kernel)
{
    std::string out;
    if (kernel.program.signature)
        for (const KernelParam& p : kernel.program.signature->params)
            out += (out.empty() ? "" : " ") + std::string(toString(p.type));
    return out;
}

// __local pointer parameters are LDS offsets the caller chooses: two of
// them and a __local counter next to the kernel's own __local array, none
// overlapping (each group's values would mix otherwise).
TEST(CcKernelParams, LocalPointerParametersAreLdsOffsets)
{
    const char* source = R"(
kernel void k(global const int* in, local int* a, global int* out, local int* b, local int* count,
              global int* sums)
{
    local int own[8];
    int l = get_local_id(0), n = get_local_size(0), i = get_global_id(0);
    a[l] = in[i];
    b[l] = 2 * in[i] + 1;
    if (l < 8)
        own[l] = 100 * (l + 1);
    if (l == 0)
        count[0] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    atomic_add(count, in[i]);
    out[i] = a[n - 1 - l] + b[(l + 1) % n] + own[l % 8];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0)
        sums[get_group_id(0)] = count[0];
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        if (kernel.program.words.empty())
            continue;
        ASSERT_TRUE(kernel.program.signature.has_value());
        EXPECT_EQ(argTypes(kernel), "ptr u32 ptr u32 u32 ptr");
        ASSERT_EQ(kernel.kernelParams.size(), 6u);
        const ParamKind kinds[] = {ParamKind::Global, ParamKind::Local,  ParamKind::Global,
                                   ParamKind::Local,  ParamKind::Local, ParamKind::Global};
        for (std::uint32_t i = 0; i < 6; i++) {
            EXPECT_EQ(kernel.kernelParams[i].kind, kinds[i]) << i;
            EXPECT_EQ(kernel.kernelParams[i].firstSlot, i);
            EXPECT_EQ(kernel.kernelParams[i].slots, 1u);
        }
        EXPECT_EQ(kernel.ldsBytes, 32u); // own[] only
        const std::uint32_t lanes = 24, groups = 3;
        std::vector<std::int32_t> in(lanes * groups), out(in.size(), -1), sums(groups, -1);
        for (std::size_t i = 0; i < in.size(); i++)
            in[i] = static_cast<std::int32_t>(i * 7 % 31) - 9;
        // a after own[], b after a, the counter after b.
        std::uint64_t a = 32, b = a + lanes * 4, count = b + lanes * 4;
        runOk(kernel, groups, lanes, {ptr(in.data()), a, ptr(out.data()), b, count, ptr(sums.data())},
              {range(in), range(out), range(sums)});
        for (std::uint32_t g = 0; g < groups; g++) {
            std::int32_t sum = 0;
            for (std::uint32_t l = 0; l < lanes; l++) {
                std::size_t base = g * lanes;
                std::int32_t expected = in[base + lanes - 1 - l] + 2 * in[base + (l + 1) % lanes] + 1 +
                                        100 * static_cast<std::int32_t>(l % 8 + 1);
                EXPECT_EQ(out[base + l], expected) << "group " << g << " lane " << l;
                sum += in[base + l];
            }
            EXPECT_EQ(sums[g], sum) << "group " << g;
        }
    }
}

// A __constant pointer parameter is read like a __global one.
TEST(CcKernelParams, ConstantPointerParametersAreReadOnlyGlobalMemory)
{
    const char* source = R"(
kernel void k(constant int* c, constant float* v, global int* out, global float* f)
{
    int i = get_global_id(0);
    out[i] = c[i] * 3 + c[(i + 5) % 40];
    float2 x = vload2(i, v);
    f[2 * i] = x.y;
    f[2 * i + 1] = x.x - 1.0f;
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileCl(source, opt);
        if (kernel.program.words.empty())
            continue;
        ASSERT_EQ(kernel.kernelParams.size(), 4u);
        EXPECT_EQ(kernel.kernelParams[0].kind, ParamKind::Constant);
        EXPECT_EQ(kernel.kernelParams[1].kind, ParamKind::Constant);
        EXPECT_EQ(kernel.kernelParams[2].kind, ParamKind::Global);
        EXPECT_EQ(argTypes(kernel), "ptr ptr ptr ptr");
        std::vector<std::int32_t> c(40), out(40, 0);
        std::vector<float> v(80), f(80, 0);
        for (int i = 0; i < 40; i++)
            c[i] = i * i - 17;
        for (int i = 0; i < 80; i++)
            v[i] = 0.5f * static_cast<float>(i) - 3.0f;
        runOk(kernel, 1, 40, {ptr(c.data()), ptr(v.data()), ptr(out.data()), ptr(f.data())},
              {range(c), range(v), range(out), range(f)});
        for (int i = 0; i < 40; i++) {
            EXPECT_EQ(out[i], c[i] * 3 + c[(i + 5) % 40]) << i;
            EXPECT_EQ(f[2 * i], v[2 * i + 1]) << i;
            EXPECT_EQ(f[2 * i + 1], v[2 * i] - 1.0f) << i;
        }
    }
}

// Vectors by value: their bytes over consecutive slots, 8 to a slot, in
// memory order (a 3-component vector has the room of 4).
TEST(CcKernelParams, VectorsByValueArePackedInSlots)
{
    const char* source = R"(
kernel void k(global float* f, float4 a, INT3 b, global int* n, char8 c, ulong2 d, global ulong* u, short s)
{
    int i = get_global_id(0);
    float4 x = a * (float)(i + 1);
    vstore4(x, i, f);
    INT3 y = b + s * i;
    n[3 * i] = y.x;
    n[3 * i + 1] = y.y;
    n[3 * i + 2] = y.z;
    int8 z = convert_int8(c);
    vstore8(z, i + 4, n + 8);
    u[2 * i] = d.x + i;
    u[2 * i + 1] = d.y >> 3;
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        // clang -O0 spills an int3 parameter through a pointer bitcast to
        // int4 (a cast of a private pointer the back end refuses, as for
        // any int3 variable at -O0): there, int4, with the same 16 bytes.
        CompiledKernel kernel = compileCl(fmt::format("#define INT3 {}\n{}", opt ? "int3" : "int4", source), opt);
        if (kernel.program.words.empty())
            continue;
        using L = KernelParamLayout;
        std::vector<L> expected = {{ParamKind::Global, 0, 1, 0}, {ParamKind::Vector, 1, 2, 16},
                                   {ParamKind::Vector, 3, 2, 16}, {ParamKind::Global, 5, 1, 0},
                                   {ParamKind::Vector, 6, 1, 8},  {ParamKind::Vector, 7, 2, 16},
                                   {ParamKind::Global, 9, 1, 0},  {ParamKind::Scalar, 10, 1, 0}};
        EXPECT_EQ(kernel.kernelParams, expected);
        EXPECT_EQ(argTypes(kernel), "ptr u64 u64 u64 u64 ptr u64 u64 u64 ptr u32");
        const float a[4] = {1.5f, -2.0f, 3.25f, 1e6f};
        const std::int32_t b[4] = {-7, 40000, 123456789, 0x5a5a5a5a}; // b[3]: padding, never read
        const std::int8_t c[8] = {-128, -1, 0, 1, 2, 63, 127, -64};
        const std::uint64_t d[2] = {0xfedcba9876543210ull, 0x8000000000000008ull};
        std::uint64_t slots[7];
        std::memcpy(slots, a, 16);
        std::memcpy(slots + 2, b, 16);
        std::memcpy(slots + 4, c, 8);
        std::memcpy(slots + 5, d, 16);
        const std::int16_t s = -3;
        const std::uint32_t lanes = 5;
        std::vector<float> f(4 * lanes, 0);
        std::vector<std::int32_t> n(8 * 4 + 8 * lanes + 8, 0);
        std::vector<std::uint64_t> u(2 * lanes, 0);
        runOk(kernel, 1, lanes,
              {ptr(f.data()), slots[0], slots[1], slots[2], slots[3], ptr(n.data()), slots[4], slots[5], slots[6],
               ptr(u.data()), static_cast<std::uint16_t>(s)},
              {range(f), range(n), range(u)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            for (int k = 0; k < 4; k++)
                EXPECT_EQ(f[4 * i + k], a[k] * static_cast<float>(i + 1)) << i << "." << k;
            for (int k = 0; k < 3; k++)
                EXPECT_EQ(n[3 * i + k], b[k] + s * static_cast<std::int32_t>(i)) << i << "." << k;
            for (int k = 0; k < 8; k++)
                EXPECT_EQ(n[8 + 8 * (i + 4) + k], c[k]) << i << "." << k;
            EXPECT_EQ(u[2 * i], d[0] + i);
            EXPECT_EQ(u[2 * i + 1], d[1] >> 3);
        }
    }
}

// ---------------------------------------------------------------- diagnostics

TEST(CcDiagnostics, DoublesAreRejected)
{
    EXPECT_THAT(compileError("double.spv").message, HasSubstr("double"));
}


TEST(CcDiagnostics, ExtendedInstructionsWithoutAnIsaFormNameTheInstruction)
{
    EXPECT_THAT(compileError("exp.spv").message, HasSubstr("OpenCL.std exp is not supported"));
}

TEST(CcDiagnostics, LocatedByOpLine)
{
    // exp.comp compiled with glslangValidator -g: OpLine says where.
    Diagnostic d = compileError("exp_glsl_g.spv");
    EXPECT_EQ(d.file, "exp.comp");
    EXPECT_EQ(d.line, 9u);
    EXPECT_THAT(d.message, HasSubstr("GLSL.std.450 Exp is not supported"));
    EXPECT_EQ(formatDiagnostic(d), "exp.comp:9:0: error: " + d.message);
}

TEST(CcDiagnostics, InvalidModulesAndEntryPoints)
{
    std::vector<Diagnostic> diagnostics;
    std::vector<std::uint32_t> garbage = {0x07230203, 0x00010000, 0, 10, 0, 0xdeadbeef};
    auto bad = compile(garbage, {}, &diagnostics);
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.status().message(), HasSubstr("invalid SPIR-V"));

    Options options;
    options.entryPoint = "nope";
    diagnostics.clear();
    auto missing = compile(readSpirv("saxpy.spv"), options, &diagnostics);
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.status().message(), HasSubstr("no compute or kernel entry point 'nope' (the module has: saxpy)"));
}

// ---------------------------------------------------------------- the launch block (Options::launchBlock)

CompiledKernel compileLaunch(const std::string& source, int clangOpt)
{
    Options options;
    options.launchBlock = true;
    return compileCl(source, clangOpt, options);
}

struct LaunchRun {
    std::array<std::uint32_t, 3> groups{1, 1, 1}, lanes{1, 1, 1};
    std::uint64_t workDim = 1;
    std::array<std::uint64_t, 3> offset{0, 0, 0};
    std::vector<std::uint64_t>* printfBuffer = nullptr; ///< kLaunchPrintf, header written
};

// Runs @p kernel as the OpenCL ICD does: @p slots are the user arguments'
// slots in parameter order; those past launchSlot go to the block, then
// the block's address and the private stacks (when the kernel has them).
void runLaunch(const CompiledKernel& kernel, const LaunchRun& run, const std::vector<std::uint64_t>& slots,
               std::vector<emu::HostRange> ranges)
{
    ASSERT_TRUE(kernel.launchSlot.has_value());
    std::uint32_t regs = *kernel.launchSlot;
    ASSERT_LE(regs, slots.size());
    ASSERT_EQ(slots.size() - regs, kernel.launchSignature.params.size());
    std::vector<std::uint64_t> block{run.workDim, run.offset[0], run.offset[1], run.offset[2],
                                     kernel.constants.empty() ? 0 : ptr(kernel.constants.data()),
                                     run.printfBuffer ? ptr(run.printfBuffer->data()) : 0};
    if (run.printfBuffer)
        ranges.push_back(range(*run.printfBuffer));
    if (!kernel.constants.empty())
        ranges.push_back({kernel.constants.data(), kernel.constants.size(), emu::Access::ReadOnly});
    block.insert(block.end(), slots.begin() + regs, slots.end());
    std::vector<std::uint64_t> args(slots.begin(), slots.begin() + regs);
    args.push_back(ptr(block.data()));
    ranges.push_back({block.data(), block.size() * 8, emu::Access::ReadOnly});
    std::uint64_t total = std::uint64_t{run.groups[0]} * run.groups[1] * run.groups[2] * run.lanes[0] * run.lanes[1] *
                          run.lanes[2];
    std::vector<std::uint64_t> stacks((total * kernel.privateBytesPerLane + kernel.privateAlign) / 8 + 1, 0);
    if (kernel.privateBytesPerLane) {
        std::uint64_t align = std::max<std::uint64_t>(kernel.privateAlign, 8);
        args.push_back((ptr(stacks.data()) + align - 1) / align * align);
        ranges.push_back(range(stacks));
    }
    ASSERT_LE(args.size(), std::size_t{VSVM_ISA_MAX_ARGS});
    emu::Launch launch;
    launch.program = kernel.program.words;
    launch.entry = kernel.program.entry;
    launch.isaVersion = kernel.program.isaVersion;
    launch.groupSize = run.lanes;
    launch.numGroups = run.groups;
    launch.args = args;
    emu::RunOptions options;
    options.maxInstructions = 50'000'000;
    auto result = emu::run(launch, ranges, options);
    ASSERT_TRUE(result.ok()) << result.status().message();
    ASSERT_TRUE(result->ok()) << result->describe() << "\n" << kernel.assembly;
}

TEST(CcLaunchBlock, GlobalIdsIncludeTheOffsetIn1DAnd2D)
{
    const char* source = R"(
kernel void k(global ulong* ids, global ulong* offsets)
{
    size_t x = get_global_id(0) - get_global_offset(0), y = get_global_id(1) - get_global_offset(1);
    size_t i = y * get_global_size(0) + x;
    ids[2 * i] = get_global_id(0);
    ids[2 * i + 1] = get_global_id(1);
    offsets[2 * i] = get_global_offset(0);
    offsets[2 * i + 1] = get_global_offset(1);
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_TRUE(kernel.program.signature.has_value());
        EXPECT_EQ(argTypes(kernel), "ptr ptr ptr");
        EXPECT_EQ(kernel.program.signature->params.back().name, "launch");
        EXPECT_EQ(kernel.launchSlot, 2u);
        EXPECT_TRUE(kernel.launchSignature.params.empty());
        for (unsigned dims : {1u, 2u}) {
            SCOPED_TRACE(fmt::format("{}-D", dims));
            LaunchRun run;
            run.workDim = dims;
            run.groups = {3, dims == 2 ? 2u : 1u, 1};
            run.lanes = {20, dims == 2 ? 3u : 1u, 1};
            run.offset = {1000003, dims == 2 ? 70u : 0u, 0};
            std::uint32_t w = run.groups[0] * run.lanes[0], h = run.groups[1] * run.lanes[1];
            std::vector<std::uint64_t> ids(2 * w * h, 7), offsets(2 * w * h, 7);
            runLaunch(kernel, run, {ptr(ids.data()), ptr(offsets.data())}, {range(ids), range(offsets)});
            for (std::uint32_t y = 0; y < h; y++)
                for (std::uint32_t x = 0; x < w; x++) {
                    std::size_t i = y * w + x;
                    ASSERT_EQ(ids[2 * i], run.offset[0] + x) << x << "," << y;
                    ASSERT_EQ(ids[2 * i + 1], run.offset[1] + y) << x << "," << y;
                    ASSERT_EQ(offsets[2 * i], run.offset[0]);
                    ASSERT_EQ(offsets[2 * i + 1], run.offset[1]);
                }
        }
    }
}

TEST(CcLaunchBlock, WorkDimIsTheLaunchs)
{
    // A parameter named as the hidden one goes unnamed.
    const char* source = "kernel void k(global uint* launch) { launch[get_global_id(0) - get_global_offset(0)] = "
                         "get_work_dim(); }";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_TRUE(kernel.program.signature.has_value());
        EXPECT_EQ(kernel.program.signature->toString(), "ptr, ptr launch");
        for (std::uint64_t dims : {1u, 2u, 3u}) {
            LaunchRun run;
            run.workDim = dims;
            run.groups = {2, 1, 1};
            run.lanes = {17, 1, 1};
            run.offset = {5, 0, 0};
            std::vector<std::uint32_t> out(34, 99);
            runLaunch(kernel, run, {ptr(out.data())}, {range(out)});
            for (std::size_t i = 0; i < out.size(); i++)
                ASSERT_EQ(out[i], dims) << i;
        }
    }
}

TEST(CcLaunchBlock, ArgumentsPastTheRegistersAreReadFromTheBlock)
{
    // 40 ints, then a vector and a char: 42 parameters after the pointer,
    // 13 in registers with it, the rest in the block. Every lane stores
    // every argument, so that each one's place and extension are checked.
    std::string params = "global int* out", body = "    global int* o = out + 45 * get_global_id(0);\n";
    for (int i = 0; i < 40; i++) {
        params += fmt::format(", int a{}", i);
        body += fmt::format("    o[{}] = a{};\n", i, i);
    }
    body += "    o[40] = v.x;\n    o[41] = v.y;\n    o[42] = v.z;\n    o[43] = v.w;\n    o[44] = c;\n";
    std::string source = fmt::format("kernel void k({}, int4 v, char c)\n{{\n{}}}\n", params, body);
    std::vector<std::int32_t> expected;
    for (int i = 0; i < 40; i++)
        expected.push_back((i * 7919) % 201 - 100);
    const std::int32_t v[4] = {-9, 4, 1000, -70000};
    const std::int8_t c = -3;
    expected.insert(expected.end(), v, v + 4);
    expected.push_back(c);
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_EQ(kernel.kernelParams.size(), 43u);
        EXPECT_EQ(kernel.launchSlot, kLaunchRegisterSlots);
        for (std::size_t i = 0; i < kernel.kernelParams.size(); i++) {
            const KernelParamLayout& p = kernel.kernelParams[i];
            EXPECT_EQ(p.inLaunchBlock, i >= kLaunchRegisterSlots) << i;
            if (i < 42) {
                EXPECT_EQ(p.firstSlot, i < kLaunchRegisterSlots ? i : i - kLaunchRegisterSlots) << i;
            }
        }
        EXPECT_EQ(kernel.kernelParams[41].slots, 2u);
        EXPECT_EQ(kernel.kernelParams[42].firstSlot, 41u - kLaunchRegisterSlots + 2);
        EXPECT_EQ(kernel.launchSignature.params.size(), 43u - kLaunchRegisterSlots + 1);
        const std::uint32_t lanes = 20;
        std::vector<std::int32_t> out(45 * lanes, 12345);
        std::vector<std::uint64_t> slots{ptr(out.data())};
        for (int i = 0; i < 40; i++)
            slots.push_back(static_cast<std::uint64_t>(std::int64_t{expected[i]}));
        std::uint64_t words[2];
        std::memcpy(words, v, sizeof v);
        slots.push_back(words[0]);
        slots.push_back(words[1]);
        slots.push_back(static_cast<std::uint64_t>(std::int64_t{c}));
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        runLaunch(kernel, run, slots, {range(out)});
        for (std::size_t i = 0; i < out.size(); i++)
            ASSERT_EQ(out[i], expected[i % 45]) << "lane " << i / 45 << ", argument " << i % 45;
    }
}

TEST(CcLaunchBlock, SpillsWithAnOffset)
{
    // 72 values live at once (as spill.cl): the private stacks come after
    // the launch block; the stack of a lane does not depend on the offset.
    std::string body;
    for (int k = 0; k < 72; k++)
        body += fmt::format("    float v{} = x[{} * n + i];\n", k, k);
    body += "    float s = v71;\n";
    for (int k = 70; k >= 0; k--)
        body += fmt::format("    s = s * 0.5f + v{} * {}.0f;\n", k, k + 1);
    std::string source = "kernel void k(global const float* x, global float* out, uint n)\n{\n"
                         "    size_t i = get_global_id(0) - get_global_offset(0);\n    if (i >= n)\n        return;\n" +
                         body + "    out[i] = s + (float)get_global_id(0);\n}\n";
    CompiledKernel kernel = compileLaunch(source, 2);
    EXPECT_GT(kernel.privateBytesPerLane, 0u);
    ASSERT_TRUE(kernel.program.signature.has_value());
    EXPECT_EQ(kernel.program.signature->toString(), "ptr x, ptr out, u32 n, ptr launch, ptr private_stack");
    const std::uint32_t n = 40, lanes = 48, offset = 4096;
    std::vector<float> x(72 * n), out(lanes, -1);
    for (std::size_t k = 0; k < x.size(); k++)
        x[k] = static_cast<float>((k * 13) % 17) - 8.0f;
    LaunchRun run;
    run.lanes = {lanes, 1, 1};
    run.offset = {offset, 0, 0};
    runLaunch(kernel, run, {ptr(x.data()), ptr(out.data()), n}, {range(x), range(out)});
    for (std::uint32_t i = 0; i < lanes; i++) {
        if (i >= n) {
            ASSERT_EQ(out[i], -1.0f);
            continue;
        }
        double s = x[71 * n + i];
        for (int k = 70; k >= 0; k--)
            s = s * 0.5 + x[k * n + i] * (k + 1.0);
        s += offset + i;
        ASSERT_NEAR(out[i], s, 1e-3 * std::max(1.0, std::fabs(s))) << i;
    }
}

// Program-scope __constant data: the compiler lays it out in
// CompiledKernel::constants and the kernel reads it through the launch
// block (the tables of piglit's tests, libclc's own tables).
TEST(CcLaunchBlock, ProgramScopeConstantData)
{
    const char* source = R"(
__constant int table[8] = {3, -1, 4, 1, -5, 9, 2, -6};
__constant float4 scale[2] = {(float4)(1.0f, 2.0f, 3.0f, 4.0f), (float4)(0.5f, 0.25f, 0.125f, 2.0f)};
typedef struct { char c; long l; short s[3]; } mixed;
__constant mixed pairs[2] = {{'a', 0x123456789abcdefl, {1, 2, 3}}, {'z', -7, {-1, -2, -3}}};
__constant char text[] = "vsvm";

kernel void k(global const int* in, global long* out, global float4* f)
{
    size_t i = get_global_id(0);
    int j = in[i];
    __constant mixed* p = &pairs[j & 1];
    out[4 * i] = table[j & 7];
    out[4 * i + 1] = p->c + p->l;
    out[4 * i + 2] = p->s[j % 3];
    out[4 * i + 3] = text[j & 3];
    f[i] = scale[j & 1] * (float)j;
}
)";
    const std::int64_t table[8] = {3, -1, 4, 1, -5, 9, 2, -6};
    const float scale[2][4] = {{1.0f, 2.0f, 3.0f, 4.0f}, {0.5f, 0.25f, 0.125f, 2.0f}};
    const std::int64_t pairsCl[2] = {'a' + 0x123456789abcdefll, 'z' - 7};
    const std::int64_t pairsS[2][3] = {{1, 2, 3}, {-1, -2, -3}};
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        EXPECT_GE(kernel.constants.size(), 8u * 4 + 2 * 16 + 2 * 24 + 5);
        const std::uint32_t lanes = 40;
        std::vector<std::int32_t> in(lanes);
        for (std::uint32_t i = 0; i < lanes; i++)
            in[i] = static_cast<std::int32_t>(i * 7 + 3);
        std::vector<std::int64_t> out(4 * lanes, 0);
        std::vector<float> f(4 * lanes, 0);
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        runLaunch(kernel, run, {ptr(in.data()), ptr(out.data()), ptr(f.data())}, {range(in), range(out), range(f)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            int j = in[i];
            ASSERT_EQ(out[4 * i], table[j & 7]) << i;
            ASSERT_EQ(out[4 * i + 1], pairsCl[j & 1]) << i;
            ASSERT_EQ(out[4 * i + 2], pairsS[j & 1][j % 3]) << i;
            ASSERT_EQ(out[4 * i + 3], "vsvm"[j & 3]) << i;
            for (int c = 0; c < 4; c++)
                ASSERT_EQ(f[4 * i + c], scale[j & 1][c] * static_cast<float>(j)) << i << "." << c;
        }
    }
}

// A private variable whose address is used as a value lives in the lane's
// stack: given to libclc's vload/vstore, fract and frexp, bitcast to another
// type, chosen by a select, or indexed inside a function it is passed to.
TEST(CcPrivate, AddressesUsedAsValuesLiveInTheLanesStacks)
{
    const char* source = R"(
void fill(private int* p, int n, int v)
{
    for (int k = 0; k < n; k++)
        p[k] = v + k * k;
}

kernel void k(global const float* in, global float* out, global int* iout)
{
    size_t i = get_global_id(0);
    float x = in[i];
    float a[8] = {x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7};
    float4 v = vload4(1, a);
    float whole;
    float part = fract(x * 1.25f, &whole);
    int e;
    float m = frexp(x + 100.0f, &e);
    int b[4];
    fill(b, 4, (int)i);
    float two[2] = {x, -x};
    vstore2((float2)(x * 3, x * 5), 0, two);
    int bits[2] = {0, 0};
    *(private float*)&bits[1] = x;
    int one = 1, other = 2;
    private int* pick = (i & 1) ? &one : &other;
    *pick += 10;
    out[8 * i] = v.x + v.y * 10 + v.z * 100 + v.w * 1000;
    out[8 * i + 1] = part;
    out[8 * i + 2] = whole;
    out[8 * i + 3] = m;
    out[8 * i + 4] = two[0] + two[1];
    iout[4 * i] = b[0] + b[3];
    iout[4 * i + 1] = e;
    iout[4 * i + 2] = bits[1];
    iout[4 * i + 3] = one * 100 + other;
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        EXPECT_GT(kernel.privateBytesPerLane, 0u);
        const std::uint32_t lanes = 40;
        std::vector<float> in(lanes), out(8 * lanes, -1);
        std::vector<std::int32_t> iout(4 * lanes, -1);
        for (std::uint32_t i = 0; i < lanes; i++)
            in[i] = static_cast<float>(i) * 0.75f + 0.5f;
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        runLaunch(kernel, run, {ptr(in.data()), ptr(out.data()), ptr(iout.data())},
                  {range(in), range(out), range(iout)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            float x = in[i];
            ASSERT_EQ(out[8 * i], (x + 4) + (x + 5) * 10 + (x + 6) * 100 + (x + 7) * 1000) << i;
            float whole = std::floor(x * 1.25f);
            ASSERT_EQ(out[8 * i + 1], x * 1.25f - whole) << i;
            ASSERT_EQ(out[8 * i + 2], whole) << i;
            int e = 0;
            float m = std::frexp(x + 100.0f, &e);
            ASSERT_EQ(out[8 * i + 3], m) << i;
            ASSERT_EQ(out[8 * i + 4], x * 3 + x * 5) << i;
            ASSERT_EQ(iout[4 * i], static_cast<std::int32_t>(2 * i + 9)) << i;
            ASSERT_EQ(iout[4 * i + 1], e) << i;
            std::int32_t bits;
            std::memcpy(&bits, &x, 4);
            ASSERT_EQ(iout[4 * i + 2], bits) << i;
            ASSERT_EQ(iout[4 * i + 3], (i & 1) ? 1102 : 112) << i;
        }
    }
}

// A vector component chosen at run time (OpVectorExtractDynamic and
// OpVectorInsertDynamic at -O2, a private vector in memory at -O0).
TEST(CcLaunchBlock, VectorComponentsByRunTimeIndex)
{
    const char* source = R"(
kernel void k(global const int4* in, global const uint* idx, global int* out)
{
    size_t i = get_global_id(0);
    int4 v = in[i];
    uint j = idx[i];
    out[5 * i] = v[j & 3];
    v[j % 3] = 99;
    out[5 * i + 1] = v.x;
    out[5 * i + 2] = v.y;
    out[5 * i + 3] = v.z;
    out[5 * i + 4] = v.w;
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        const std::uint32_t lanes = 40;
        std::vector<std::int32_t> in(4 * lanes), out(5 * lanes, -1);
        std::vector<std::uint32_t> idx(lanes);
        for (std::uint32_t i = 0; i < lanes; i++) {
            idx[i] = i * 5 + i / 7;
            for (int c = 0; c < 4; c++)
                in[4 * i + c] = static_cast<std::int32_t>(i * 10 + c);
        }
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        runLaunch(kernel, run, {ptr(in.data()), ptr(idx.data()), ptr(out.data())},
                  {range(in), range(idx), range(out)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            std::int32_t v[4] = {in[4 * i], in[4 * i + 1], in[4 * i + 2], in[4 * i + 3]};
            ASSERT_EQ(out[5 * i], v[idx[i] & 3]) << i;
            v[idx[i] % 3] = 99;
            for (int c = 0; c < 4; c++)
                ASSERT_EQ(out[5 * i + 1 + c], v[c]) << i << "." << c;
        }
    }
}

// Struct assignments (OpCopyMemorySized from clang's memcpy, or loads and
// stores) between global, local and private memory.
TEST(CcLaunchBlock, StructCopies)
{
    const char* source = R"(
typedef struct { int a; char b; long c; float d[3]; short e; } S;
kernel void k(global const S* in, global S* out)
{
    local S tmp[40];
    size_t i = get_global_id(0), l = get_local_id(0);
    S s = in[i];
    s.a += 1;
    s.d[(uint)s.a % 3] = -1.0f;
    tmp[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    out[i] = tmp[(l + 1) % get_local_size(0)];
}
)";
    struct S {
        std::int32_t a;
        std::int8_t b;
        std::int64_t c;
        float d[3];
        std::int16_t e;
    };
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        const std::uint32_t lanes = 40;
        std::vector<S> in(lanes), out(lanes);
        std::memset(out.data(), 0, out.size() * sizeof(S));
        for (std::uint32_t i = 0; i < lanes; i++)
            in[i] = S{static_cast<std::int32_t>(i * 3), static_cast<std::int8_t>(i), std::int64_t{1} << (i % 60),
                      {i * 0.5f, i * 1.5f, i * 2.5f}, static_cast<std::int16_t>(-static_cast<int>(i))};
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        runLaunch(kernel, run, {ptr(in.data()), ptr(out.data())}, {range(in), range(out)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            S want = in[(i + 1) % lanes];
            want.a += 1;
            want.d[static_cast<std::uint32_t>(want.a) % 3] = -1.0f;
            ASSERT_EQ(out[i].a, want.a) << i;
            ASSERT_EQ(out[i].b, want.b) << i;
            ASSERT_EQ(out[i].c, want.c) << i;
            for (int c = 0; c < 3; c++)
                ASSERT_EQ(out[i].d[c], want.d[c]) << i << "." << c;
            ASSERT_EQ(out[i].e, want.e) << i;
        }
    }
}

// A struct passed by value is the callee's own copy (FuncParamAttr ByVal):
// what the callee changes, the caller does not see. Objects in the stacks
// are at their alignment (long16: 128), and the work-item functions answer
// 0 (ids, offsets) or 1 (sizes) for a dimension out of range.
TEST(CcLaunchBlock, ByValueStructsAlignedStacksAndDimensionsOutOfRange)
{
    const char* source = R"(
typedef struct { char c; int a[4]; } S;
__attribute__((noinline)) int take(S s) { s.a[0] += 100; return s.a[0] + s.a[3] + s.c; }
__attribute__((noinline)) int aligned128(void)
{
    volatile long16 v = 0;
    volatile uintptr_t at = (uintptr_t)&v;
    return (at & 127) == 0;
}
kernel void k(global int* out, int j)
{
    size_t i = get_global_id(0) - get_global_offset(0);
    S s;
    s.c = 3;
    s.a[0] = (int)get_global_id(0);
    s.a[1] = s.a[2] = 0;
    s.a[3] = 1000;
    out[6 * i] = take(s);
    out[6 * i + 1] = s.a[0];
    out[6 * i + 2] = aligned128();
    out[6 * i + 3] = (int)get_global_offset(j + 5);
    out[6 * i + 4] = (int)get_global_size(j + 5);
    out[6 * i + 5] = (int)get_global_size(j);
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(fmt::format("clang -O{}", opt));
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_FALSE(kernel.program.words.empty());
        EXPECT_EQ(kernel.privateAlign, 128u);
        EXPECT_EQ(kernel.privateBytesPerLane % 128, 0u);
        const std::uint32_t lanes = 40;
        std::vector<std::int32_t> out(6 * lanes, -1);
        LaunchRun run;
        run.lanes = {lanes, 1, 1};
        run.offset = {7, 0, 0};
        runLaunch(kernel, run, {ptr(out.data()), 0}, {range(out)});
        for (std::uint32_t i = 0; i < lanes; i++) {
            std::int32_t id = static_cast<std::int32_t>(i + 7);
            ASSERT_EQ(out[6 * i], id + 100 + 1000 + 3) << i;
            ASSERT_EQ(out[6 * i + 1], id) << i;
            ASSERT_EQ(out[6 * i + 2], 1) << i;
            ASSERT_EQ(out[6 * i + 3], 0) << i;
            ASSERT_EQ(out[6 * i + 4], 1) << i;
            ASSERT_EQ(out[6 * i + 5], static_cast<std::int32_t>(lanes)) << i;
        }
    }
}

// printf: the table of call sites, and the records each lane writes (or,
// past the capacity, does not) in the buffer (cc.h, "printf").
TEST(CcLaunchBlock, PrintfRecordsPerLaneUntilTheBufferIsFull)
{
    const char* source = R"(
kernel void k(global int* r)
{
    int i = get_global_id(0);
    r[i] = 7;
    if (i % 2)
        r[i] = printf("odd %d %f %s %v2hhd\n", i, (float)i * 0.5f, "s", (char2)(i, -i));
    r[i + 32] = printf("%d %f\n", i, 2.5);
}
)";
    for (int opt : {0, 2}) {
        SCOPED_TRACE(opt);
        CompiledKernel kernel = compileLaunch(source, opt);
        ASSERT_EQ(kernel.printfFormats.size(), 2u);
        using K = PrintfArg::Kind;
        const PrintfFormat& odd = kernel.printfFormats[0];
        EXPECT_EQ(odd.format, "odd %d %f %s %v2hhd\n");
        EXPECT_EQ(odd.args, (std::vector<PrintfArg>{{K::Int, 32, 1}, {K::Float, 32, 1}, {K::Pointer, 64, 1},
                                                    {K::Int, 8, 2}}));
        const PrintfFormat& all = kernel.printfFormats[1];
        EXPECT_EQ(all.args, (std::vector<PrintfArg>{{K::Int, 32, 1}, {K::Float, 64, 1}}));
        // 16 odd records of 48 bytes, 32 of 24 bytes: room for 20 of the latter after the odd ones.
        const std::uint64_t capacity = 16 * 48 + 20 * 24;
        std::vector<std::uint64_t> buffer(kPrintfRecords / 8 + capacity / 8 + 64, 0);
        buffer[kPrintfCapacity / 8] = capacity;
        std::vector<std::int32_t> r(64, -99);
        LaunchRun run;
        run.lanes = {32, 1, 1};
        run.printfBuffer = &buffer;
        runLaunch(kernel, run, {ptr(r.data())}, {range(r)});
        for (int i = 0; i < 32; i++)
            EXPECT_EQ(r[i], i % 2 ? 0 : 7) << i;
        int fitted = 0;
        for (int i = 0; i < 32; i++)
            fitted += r[32 + i] == 0;
        EXPECT_EQ(fitted, 20);
        EXPECT_EQ(buffer[kPrintfUsed / 8], 16 * 48 + 32 * 24);
        EXPECT_EQ(buffer[kPrintfLost / 8], 12u);
        // The records in reservation order: the odd lanes', then the fitting others.
        std::set<std::int64_t> oddLanes, allLanes;
        const std::uint64_t* records = buffer.data() + kPrintfRecords / 8;
        for (std::uint64_t at = 0; at < capacity && records[at / 8];) {
            std::uint64_t header = records[at / 8], bytes = header >> 32;
            ASSERT_TRUE(bytes == 48 || bytes == 24) << bytes;
            const std::uint64_t* w = records + at / 8 + 1;
            if ((header & 0xffffffff) == 0) {
                EXPECT_EQ(bytes, 48u);
                std::int64_t lane = static_cast<std::int64_t>(w[0]);
                oddLanes.insert(lane);
                float f;
                auto bits = static_cast<std::uint32_t>(w[1]);
                std::memcpy(&f, &bits, sizeof f);
                EXPECT_EQ(f, lane * 0.5f);
                EXPECT_EQ(std::string(reinterpret_cast<const char*>(w[2])), "s");
                EXPECT_EQ(w[3] & 0xff, static_cast<std::uint64_t>(lane));
                EXPECT_EQ(w[4] & 0xff, static_cast<std::uint64_t>(-lane) & 0xff);
            } else {
                EXPECT_EQ(header & 0xffffffff, 1u);
                allLanes.insert(static_cast<std::int64_t>(w[0]));
                double d;
                std::memcpy(&d, &w[1], sizeof d);
                EXPECT_EQ(d, 2.5);
            }
            at += bytes;
        }
        EXPECT_EQ(oddLanes.size(), 16u);
        EXPECT_EQ(allLanes.size(), 20u);
        for (int i = 0; i < 32; i++)
            EXPECT_EQ(allLanes.count(i), r[32 + i] == 0 ? 1u : 0u) << i;
    }
}

TEST(CcLaunchBlock, WithoutItGlslAndOpenclKeepTheRegisterAbi)
{
    CompiledKernel kernel = compileOk("saxpy.spv");
    EXPECT_FALSE(kernel.launchSlot.has_value());
    EXPECT_EQ(kernel.program.signature->toString(), "ptr x, ptr y, u32 n, f32 a");
    std::vector<Diagnostic> diagnostics;
    Options options;
    options.launchBlock = true;
    auto glsl = compile(readSpirv("saxpy_glsl.spv"), options, &diagnostics);
    ASSERT_TRUE(glsl.ok()) << glsl.status().message();
    EXPECT_FALSE(glsl->launchSlot.has_value());
    EXPECT_EQ(glsl->program.signature->toString(), "ptr x, ptr y, u32 n, f32 a");
}

} // namespace
} // namespace vsvm::cc
