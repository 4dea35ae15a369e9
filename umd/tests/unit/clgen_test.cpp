// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The differential fuzzer's program generator (vsvm_clgen): determinism,
// the shape of the descriptor, and that what it generates is OpenCL C that
// clang-14 compiles for spir64 without a single warning and that needs no
// builtin beyond the back end's native ones.

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spirv-tools/libspirv.hpp>

#include "clgen.h"
#include "vsvm/frontend.h"

namespace {

using namespace vsvm::clgen;
using ::testing::HasSubstr;

TEST(Clgen, SameSeedSameProgram)
{
    for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xdeadbeefcafef00dull}) {
        Program a = generate(seed);
        Program b = generate(seed);
        EXPECT_EQ(a.source, b.source) << seed;
        EXPECT_EQ(a.descriptor(), b.descriptor()) << seed;
        for (std::size_t i = 0; i < a.buffers.size(); ++i)
            EXPECT_EQ(fillBuffer(a.buffers[i]), fillBuffer(b.buffers[i])) << seed << " " << a.buffers[i].name;
    }
}

TEST(Clgen, DifferentSeedsDifferentPrograms)
{
    std::set<std::string> sources;
    for (std::uint64_t seed = 0; seed < 50; ++seed)
        sources.insert(generate(seed).source);
    EXPECT_EQ(sources.size(), 50u);
}

TEST(Clgen, OptionsChangeWhatIsGenerated)
{
    Options plain;
    plain.floats = false;
    plain.atomics = false;
    plain.localMemory = false;
    plain.earlyReturn = false;
    plain.loopExits = false;
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
        Program p = generate(seed, plain);
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("float"))) << seed;
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("atomic_"))) << seed;
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("barrier"))) << seed;
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("return;"))) << seed;
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("break;"))) << seed;
        EXPECT_THAT(p.source, ::testing::Not(HasSubstr("continue;"))) << seed;
    }
    // And with everything on, over enough seeds, every feature appears.
    std::string all;
    // Sixty: each costs a clang run (a quarter of a second); make fuzz-cc
    // compiles thousands more.
    for (std::uint64_t seed = 0; seed < 60; ++seed)
        all += generate(seed).source;
    for (const char* feature : {"float", "atomic_add(&counters", "barrier(CLK_LOCAL_MEM_FENCE)", "return;",
                                "while (", "for (", "} else {", "helper", "safe_div_", "sqrt(", "fma(", "ulong",
                                "long", "break;", "continue;", "lwide[lid]", "(&lcount[0]", "f2i32(", "canon_f32("})
        EXPECT_THAT(all, HasSubstr(feature));
}

TEST(Clgen, DescriptorMatchesTheKernel)
{
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        Program p = generate(seed);
        EXPECT_EQ(p.globalSize[0] % p.localSize[0], 0u);
        EXPECT_TRUE(p.localSize[0] == 16 || p.localSize[0] == 32 || p.localSize[0] == 64);
        std::string descriptor = p.descriptor();
        EXPECT_THAT(descriptor, HasSubstr("\"entry\": \"fuzz\""));
        unsigned outputs = 0;
        for (const Buffer& b : p.buffers) {
            // Every buffer is an argument of the kernel, in order.
            EXPECT_THAT(p.source, HasSubstr(std::string(typeName(b.type)) + "* restrict " + b.name)) << seed;
            EXPECT_THAT(descriptor, HasSubstr("\"name\": \"" + b.name + "\""));
            EXPECT_GT(b.count, 0u);
            EXPECT_EQ(fillBuffer(b).size(), b.bytes());
            if (b.role == Buffer::Role::Input) {
                // Indices are masked with count - 1: the count is a power of two.
                EXPECT_EQ(b.count & (b.count - 1), 0u) << b.name;
                EXPECT_NE(b.seed, 0u);
            }
            if (b.role == Buffer::Role::Output) {
                ++outputs;
                auto bytes = fillBuffer(b);
                EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t x) { return x == 0; }));
            }
        }
        EXPECT_EQ(outputs, 1u);
    }
}

TEST(Clgen, FloatInputsAreFinite)
{
    Buffer b;
    b.role = Buffer::Role::Input;
    b.type = ElementType::F32;
    b.count = 4096;
    b.seed = 7;
    auto bytes = fillBuffer(b);
    unsigned zeros = 0;
    for (std::size_t i = 0; i < b.count; ++i) {
        std::uint32_t raw = 0;
        std::memcpy(&raw, &bytes[i * 4], 4);
        EXPECT_NE(raw & 0x7f800000u, 0x7f800000u) << "inf or NaN at " << i;
        zeros += (raw & 0x7fffffffu) == 0;
    }
    EXPECT_GT(zeros, 0u);
    b.seed = 8;
    EXPECT_NE(fillBuffer(b), bytes);
}

// Every statement the generator makes must be one clang accepts without a
// warning, in both language versions and optimisation levels, and the
// kernel must need no builtin that would have to come from libclc (the
// fuzzer checks the compiler, not libclc).
TEST(Clgen, SixtySeedsCompileWithoutWarningsToValidSpirv)
{
    unsigned failures = 0;
    std::vector<std::uint64_t> seeds;
    // Sixty: each costs a clang run (a quarter of a second); make fuzz-cc
    // compiles thousands more.
    for (std::uint64_t seed = 0; seed < 60; ++seed)
        seeds.push_back(seed);
    // At CL1.2 -O2, these once made clang give llvm-spirv what it cannot
    // translate (an i3 loop counter, llvm.vector.reduce.add).
    seeds.push_back(1031);
    seeds.push_back(1081);
    for (std::uint64_t seed : seeds) {
        Program p = generate(seed);
        vsvm::frontend::OpenclOptions options;
        options.warningsAsErrors = true;
        options.clStd = seed % 2 || seed > 1000 ? "CL1.2" : "CL3.0";
        options.optLevel = seed % 4 < 2 || seed > 1000 ? 2 : 0;
        options.linkLibclc = false;
        options.sourceName = "seed" + std::to_string(seed) + ".cl";
        auto module = vsvm::frontend::openclToSpirv(p.source, options);
        if (!module.ok()) {
            ADD_FAILURE() << "seed " << seed << ": " << module.status().message() << "\n" << p.source;
            if (++failures == 3)
                break;
            continue;
        }
        EXPECT_EQ(module->warnings, "") << seed;
        // And the front end's SPIR-V is valid (its blocks in dominance order).
        std::string messages;
        // (llvm-spirv writes SPIR-V 1.4 when it uses NoSignedWrap decorations.)
        spvtools::SpirvTools tools(SPV_ENV_UNIVERSAL_1_4);
        tools.SetMessageConsumer([&](spv_message_level_t, const char*, const spv_position_t&, const char* m) {
            messages += m;
        });
        EXPECT_TRUE(tools.Validate(module->words)) << "seed " << seed << ": " << messages;
        auto insts = vsvm::frontend::openclExtInsts(module->words);
        ASSERT_TRUE(insts.ok());
        for (const std::string& name : *insts)
            EXPECT_TRUE(vsvm::frontend::isNativeExtInst(name)) << "seed " << seed << " uses " << name;
    }
}

} // namespace
