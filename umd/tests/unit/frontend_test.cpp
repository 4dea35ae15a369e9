// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The front ends (vsvm/frontend.h): real clang-14, llvm-spirv-14, libclc
// and glslang, checked by what the SPIR-V they give contains and by
// SPIRV-Tools' validator.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spirv-tools/libspirv.hpp>

#include "frontend/llvm_ir.h"
#include "frontend/spirv_module.h"
#include "vsvm/frontend.h"

namespace {

using namespace vsvm::frontend;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr const char* kSaxpyCl = R"(
kernel void saxpy(global float* y, global const float* x, float a)
{
    size_t i = get_global_id(0);
    y[i] = a * x[i] + y[i];
}
)";

constexpr const char* kSaxpyGlsl = R"(#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer Y { float y[]; };
layout(set = 0, binding = 1) readonly buffer X { float x[]; };
layout(push_constant) uniform P { float a; };
void main()
{
    uint i = gl_GlobalInvocationID.x;
    y[i] = a * x[i] + y[i];
}
)";

constexpr const char* kMathCl = R"(
kernel void math(global float* out, global const float* in, float p)
{
    size_t i = get_global_id(0);
    float v = in[i];
    out[i] = exp(v) + log(v) + sin(v) + pow(v, p) + sqrt(v);
}
)";

/// The names of the OpEntryPoints of @p words.
std::vector<std::string> entryPoints(const std::vector<std::uint32_t>& words)
{
    std::vector<std::string> names;
    for (std::size_t at = 5; at < words.size();) {
        std::uint32_t count = words[at] >> 16;
        if (count == 0)
            break;
        if ((words[at] & 0xffff) == 15 /* OpEntryPoint */) {
            const char* name = reinterpret_cast<const char*>(&words[at + 3]);
            names.emplace_back(name, strnlen(name, 4 * (count - 3)));
        }
        at += count;
    }
    return names;
}

bool hasCapability(const std::vector<std::uint32_t>& words, std::uint32_t capability)
{
    for (std::size_t at = 5; at < words.size();) {
        std::uint32_t count = words[at] >> 16;
        if (count == 0)
            break;
        if ((words[at] & 0xffff) == 17 /* OpCapability */ && words[at + 1] == capability)
            return true;
        at += count;
    }
    return false;
}

/// SPIRV-Tools' validator's verdict: empty when valid, else its messages.
std::string validate(const std::vector<std::uint32_t>& words, spv_target_env env)
{
    std::string messages;
    spvtools::SpirvTools tools(env);
    tools.SetMessageConsumer([&](spv_message_level_t, const char*, const spv_position_t&, const char* message) {
        messages += message;
        messages += '\n';
    });
    if (tools.Validate(words))
        return {};
    return messages.empty() ? "invalid" : messages;
}

TEST(FrontendOpencl, SaxpyCompilesInEveryVersionAndLevel)
{
    for (const char* std : {"CL1.2", "CL3.0"}) {
        for (int level : {0, 2}) {
            for (bool declare : {false, true}) {
                OpenclOptions options;
                options.clStd = std;
                options.optLevel = level;
                options.declareBuiltins = declare;
                auto module = openclToSpirv(kSaxpyCl, options);
                ASSERT_TRUE(module.ok()) << std << " -O" << level << ": " << module.status().message();
                EXPECT_EQ(module->words[0], 0x07230203u);
                EXPECT_EQ(entryPoints(module->words), std::vector<std::string>{"saxpy"});
                EXPECT_THAT(module->warnings, IsEmpty());
                EXPECT_EQ(validate(module->words, SPV_ENV_OPENCL_1_2), "") << std << " -O" << level;
            }
        }
    }
}

TEST(FrontendOpencl, SyntaxErrorIsLocatedInTheNamedSource)
{
    OpenclOptions options;
    options.sourceName = "broken.cl";
    auto module = openclToSpirv("kernel void k(global int* p)\n{\n    p[0] = 1 +;\n}\n", options);
    ASSERT_FALSE(module.ok());
    EXPECT_EQ(module.status().errnum(), EINVAL);
    EXPECT_THAT(module.status().message(), HasSubstr("broken.cl:3:15: error: expected expression"));
    // Not the temporary file's name.
    EXPECT_THAT(module.status().message(), Not(HasSubstr("vsvm-frontend-")));
}

TEST(FrontendOpencl, DefinesAndWarningsAsErrors)
{
    // -Wparentheses: a warning clang gives without -Wall.
    const char* source = "kernel void k(global int* p) { int v = VALUE; if (v = 1) p[0] = v; }\n";
    OpenclOptions options;
    auto undefined = openclToSpirv(source, options);
    ASSERT_FALSE(undefined.ok());
    EXPECT_THAT(undefined.status().message(), HasSubstr("use of undeclared identifier 'VALUE'"));

    options.defines = {"VALUE=42"};
    auto module = openclToSpirv(source, options);
    ASSERT_TRUE(module.ok()) << module.status().message();
    EXPECT_THAT(module->warnings, HasSubstr("kernel.cl:1:53: warning: using the result of an assignment as a condition"));

    options.warningsAsErrors = true;
    auto strict = openclToSpirv(source, options);
    ASSERT_FALSE(strict.ok());
    EXPECT_THAT(strict.status().message(), HasSubstr("kernel.cl:1:53: error: using the result of an assignment as a condition"));

    // Build options go to clang; what is not one is refused.
    options.warningsAsErrors = false;
    options.buildOptions = {"-cl-fp32-correctly-rounded-divide-sqrt", "-Wno-parentheses"};
    auto quiet = openclToSpirv(source, options);
    ASSERT_TRUE(quiet.ok()) << quiet.status().message();
    EXPECT_EQ(quiet->warnings, "");
    options.buildOptions = {"/etc/passwd"};
    auto file = openclToSpirv(source, options);
    ASSERT_FALSE(file.ok());
    EXPECT_THAT(file.status().message(), HasSubstr("build option /etc/passwd is not an OpenCL option"));
}

TEST(FrontendOpencl, UntranslatableOptimizedCodeFallsBackToO0WithANote)
{
    // An llvm-spirv that fails its first translation in each compile (as
    // llvm-spirv-14 does on some of clang's -O2 code) and then is itself.
    std::filesystem::path script = std::filesystem::temp_directory_path() /
                                   ("vsvm-fake-llvm-spirv-" + std::to_string(getpid()));
    std::ofstream(script) << "#!/bin/sh\n"
                             "state=\"$(dirname \"$3\")/fake-state\"\n"
                             "if [ ! -e \"$state\" ]; then touch \"$state\"; echo 'InvalidBitWidth: 3'; exit 8; fi\n"
                             "exec llvm-spirv-14 \"$@\"\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    OpenclOptions options;
    options.llvmSpirv = script.string();
    auto module = openclToSpirv(kSaxpyCl, options);
    ASSERT_TRUE(module.ok()) << module.status().message();
    EXPECT_THAT(module->warnings,
                HasSubstr("kernel.cl: note: compiled at -O0: llvm-spirv-14 cannot translate clang's -O2 code "
                          "(InvalidBitWidth: 3)"));
    EXPECT_EQ(entryPoints(module->words), std::vector<std::string>{"saxpy"});

    // At -O0 there is nothing to fall back to: the error is llvm-spirv's.
    options.optLevel = 0;
    auto error = openclToSpirv(kSaxpyCl, options);
    ASSERT_FALSE(error.ok());
    EXPECT_EQ(error.status().errnum(), ENOEXEC);
    EXPECT_THAT(error.status().message(), HasSubstr("llvm-spirv cannot translate it (exit status 8):\nInvalidBitWidth: 3"));
    std::filesystem::remove(script);
}

TEST(FrontendOpencl, BadOptionsAndMissingToolsAreClearErrors)
{
    OpenclOptions options;
    options.clStd = "CL2.0";
    auto version = openclToSpirv(kSaxpyCl, options);
    ASSERT_FALSE(version.ok());
    EXPECT_THAT(version.status().message(), HasSubstr("CL2.0 is not supported"));

    options = {};
    options.clang = "clang-vsvm-missing";
    auto clang = openclToSpirv(kSaxpyCl, options);
    ASSERT_FALSE(clang.ok());
    EXPECT_EQ(clang.status().errnum(), ENOENT);
    EXPECT_THAT(clang.status().message(),
                HasSubstr("clang-vsvm-missing not found on PATH: install the Debian package clang-14"));

    options = {};
    options.llvmSpirv = "/nonexistent/llvm-spirv-14";
    auto translator = openclToSpirv(kSaxpyCl, options);
    ASSERT_FALSE(translator.ok());
    EXPECT_EQ(translator.status().errnum(), ENOENT);
    EXPECT_THAT(translator.status().message(), HasSubstr("Debian package llvm-spirv-14"));

    options = {};
    options.libclcPath = "/nonexistent/libclc.spv";
    auto libclc = openclToSpirv(kMathCl, options);
    ASSERT_FALSE(libclc.ok());
    EXPECT_EQ(libclc.status().errnum(), ENOENT);
    EXPECT_THAT(libclc.status().message(), HasSubstr("Debian package libclc-14"));
}

TEST(FrontendOpencl, LibclcResolvesExpLogSinPow)
{
    // Without the link, the builtins are extended instructions.
    OpenclOptions unlinked;
    unlinked.linkLibclc = false;
    auto raw = openclToSpirv(kMathCl, unlinked);
    ASSERT_TRUE(raw.ok()) << raw.status().message();
    auto rawInsts = openclExtInsts(raw->words);
    ASSERT_TRUE(rawInsts.ok());
    EXPECT_EQ(*rawInsts, (std::vector<std::string>{"exp", "log", "pow", "sin", "sqrt"}));

    for (int level : {0, 2}) {
        OpenclOptions options;
        options.optLevel = level;
        auto module = openclToSpirv(kMathCl, options);
        ASSERT_TRUE(module.ok()) << module.status().message();
        // sqrt is the back end's own; the others are libclc's functions now.
        auto insts = openclExtInsts(module->words);
        ASSERT_TRUE(insts.ok());
        for (const std::string& name : *insts)
            EXPECT_TRUE(isNativeExtInst(name)) << name;
        EXPECT_THAT(*insts, ::testing::Contains("sqrt"));
        auto imports = importedFunctions(module->words);
        ASSERT_TRUE(imports.ok());
        EXPECT_THAT(*imports, IsEmpty());
        EXPECT_EQ(entryPoints(module->words), std::vector<std::string>{"math"});
        // Only what the kernel reaches: libclc is 2.5 MB.
        EXPECT_LT(module->words.size() * 4, 200'000u) << "-O" << level;
        // libclc's Float64, Int8... are not the kernel's.
        EXPECT_FALSE(hasCapability(module->words, 10 /* Float64 */));
        EXPECT_EQ(validate(module->words, SPV_ENV_OPENCL_1_2), "") << "-O" << level;
    }
}

TEST(FrontendOpencl, TheBackEndsListDecidesWhatIsLinked)
{
    const char* source = R"(
kernel void k(global float* f, global uint* u, global int* s)
{
    size_t i = get_global_id(0);
    f[i] = exp(f[i]);
    u[i] = rotate(u[i], 5u);
    s[i] = (int)pow(f[i], 3.0f);
}
)";
    auto linked = openclToSpirv(source);
    ASSERT_TRUE(linked.ok()) << linked.status().message();
    auto insts = openclExtInsts(linked->words);
    ASSERT_TRUE(insts.ok());
    // exp and pow come from libclc; rotate is one the back end does itself.
    EXPECT_THAT(*insts, Not(::testing::Contains("exp")));
    EXPECT_THAT(*insts, ::testing::Contains("rotate"));
    EXPECT_THAT(*insts, Not(::testing::Contains("pow")));
    EXPECT_EQ(validate(linked->words, SPV_ENV_OPENCL_1_2), "");

    // A back end that does exp itself too gets it as an instruction.
    OpenclOptions options;
    options.native = [](std::string_view name) { return isNativeExtInst(name) || name == "exp"; };
    auto native = openclToSpirv(source, options);
    ASSERT_TRUE(native.ok()) << native.status().message();
    insts = openclExtInsts(native->words);
    ASSERT_TRUE(insts.ok());
    EXPECT_THAT(*insts, ::testing::Contains("exp"));
    EXPECT_THAT(*insts, ::testing::Contains("rotate"));
    EXPECT_THAT(*insts, Not(::testing::Contains("pow")));
    auto imports = importedFunctions(native->words);
    ASSERT_TRUE(imports.ok());
    EXPECT_THAT(*imports, IsEmpty());
    EXPECT_EQ(validate(native->words, SPV_ENV_OPENCL_1_2), "");
}

TEST(FrontendOpencl, NativePowrIsLibclcsPowr)
{
    // libclc has no native_powr; the precise powr stands in for it.
    const char* source = "kernel void k(global float* p) { p[0] = native_powr(p[0], p[1]); }\n";
    OpenclOptions unlinked;
    unlinked.linkLibclc = false;
    auto raw = openclToSpirv(source, unlinked);
    ASSERT_TRUE(raw.ok()) << raw.status().message();
    auto rawInsts = openclExtInsts(raw->words);
    ASSERT_TRUE(rawInsts.ok());
    EXPECT_THAT(*rawInsts, ::testing::Contains("native_powr"));

    auto linked = openclToSpirv(source);
    ASSERT_TRUE(linked.ok()) << linked.status().message();
    auto insts = openclExtInsts(linked->words);
    ASSERT_TRUE(insts.ok());
    EXPECT_THAT(*insts, Not(::testing::Contains("native_powr")));
    for (const std::string& name : *insts)
        EXPECT_TRUE(isNativeExtInst(name)) << name;
    auto imports = importedFunctions(linked->words);
    ASSERT_TRUE(imports.ok());
    EXPECT_THAT(*imports, IsEmpty());
}

TEST(FrontendOpencl, LiteralsKeepNoUnusedTypeAlive)
{
    // libclc's vload/vstore bring along double types that nothing uses. A
    // literal with the same number as one of them (shuffle is OpenCL.std
    // instruction 182; a constant's value) must not keep it, and with it the
    // Float64 capability the back end refuses.
    std::string source = R"(
kernel void k(global int* out, global int* in, global uint* mask)
{
    int2 x = (int2)(in[0], in[1]);
    uint2 m = (uint2)(mask[0], mask[1]);
    vstore2(shuffle(x, m), 0, out);
}
)";
    for (int n : {2, 4, 8, 16}) {
        for (int m : {2, 4, 8, 16}) {
            source += fmt::format("kernel void k{0}_{1}(global int* out, global int* in, global uint* mask)\n"
                                  "{{ size_t i = get_global_id(0);\n"
                                  "  vstore{1}(shuffle(vload{0}(i, in), vload{1}(i, mask)), i, out); }}\n",
                                  n, m);
        }
    }
    auto linked = openclToSpirv(source);
    ASSERT_TRUE(linked.ok()) << linked.status().message();
    auto insts = openclExtInsts(linked->words);
    ASSERT_TRUE(insts.ok());
    EXPECT_THAT(*insts, ::testing::Contains("shuffle"));
    EXPECT_FALSE(hasCapability(linked->words, 10 /* Float64 */));
    EXPECT_EQ(validate(linked->words, SPV_ENV_OPENCL_1_2), "");
}

TEST(SpirvModule, ALiteralKeepsNoUnusedTypeAlive)
{
    // The size of an OpLifetimeStart is a literal: piglit's
    // vload-long-private had 264-byte private arrays, and 264 was the number
    // of libclc's unused double2 type, which kept Float64 in the module.
    const char* text = R"(
OpCapability Addresses
OpCapability Kernel
OpCapability Int64
OpCapability Float64
OpMemoryModel Physical64 OpenCL
OpEntryPoint Kernel %1 "k"
%2 = OpTypeVoid
%3 = OpTypeFunction %2
%4 = OpTypeInt 8 0
%5 = OpTypeInt 32 0
%6 = OpConstant %5 16
%7 = OpTypeArray %4 %6
%8 = OpTypePointer Function %7
%9 = OpTypeFloat 64
%10 = OpTypeVector %9 2
%1 = OpFunction %2 None %3
%11 = OpLabel
%12 = OpVariable %8 Function
OpLifetimeStart %12 10
OpLifetimeStop %12 10
OpReturn
OpFunctionEnd
)";
    spvtools::SpirvTools tools(SPV_ENV_UNIVERSAL_1_0);
    std::vector<std::uint32_t> words;
    ASSERT_TRUE(tools.Assemble(text, &words, SPV_TEXT_TO_BINARY_OPTION_PRESERVE_NUMERIC_IDS));
    auto module = detail::SpirvModule::parse(words);
    ASSERT_TRUE(module.ok()) << module.status().message();
    ASSERT_TRUE(detail::removeUnusedGlobals(*module).ok());
    std::vector<std::uint32_t> results;
    for (const detail::Instruction& inst : module->instructions)
        results.push_back(inst.resultId());
    // double2, then double with it; the array and what it is made of stay.
    EXPECT_THAT(results, Not(::testing::Contains(10u)));
    EXPECT_THAT(results, Not(::testing::Contains(9u)));
    EXPECT_THAT(results, ::testing::IsSupersetOf({4u, 5u, 6u, 7u, 8u, 12u}));
}

TEST(FrontendOpencl, PointerAndVectorBuiltinsInBothVersions)
{
    const char* source = R"(
kernel void k(global float* out, global const float* in, global int* e)
{
    size_t i = get_global_id(0);
    int exponent;
    float mantissa = frexp(in[i], &exponent);
    float4 v = vload4(i, in);
    float2 p = pow(v.xy, v.zw);
    out[i] = mantissa + p.x + p.y;
    e[i] = exponent;
}
)";
    // libclc's frexp uses select, which it leaves to its consumer: with a
    // back end without it, an error that says so.
    OpenclOptions noSelect;
    noSelect.native = [](std::string_view name) { return isNativeExtInst(name) && name != "select"; };
    auto withoutSelect = openclToSpirv(source, noSelect);
    ASSERT_FALSE(withoutSelect.ok());
    EXPECT_THAT(withoutSelect.status().message(), HasSubstr("the OpenCL builtin select is used"));
    // vsvm's back end does select.
    EXPECT_TRUE(isNativeExtInst("select"));
    auto native = [](std::string_view name) { return isNativeExtInst(name); };
    for (const char* std : {"CL1.2", "CL3.0"}) {
        OpenclOptions options;
        options.clStd = std;
        options.native = native;
        auto module = openclToSpirv(source, options);
        ASSERT_TRUE(module.ok()) << std << ": " << module.status().message();
        auto insts = openclExtInsts(module->words);
        ASSERT_TRUE(insts.ok());
        for (const std::string& name : *insts)
            EXPECT_TRUE(native(name)) << std << ": " << name;
        auto imports = importedFunctions(module->words);
        ASSERT_TRUE(imports.ok());
        EXPECT_THAT(*imports, IsEmpty()) << std;
        // Generic pointers are OpenCL 2.0's.
        EXPECT_EQ(validate(module->words, std == std::string("CL3.0") ? SPV_ENV_OPENCL_2_0 : SPV_ENV_OPENCL_1_2), "")
            << std;
    }
}

TEST(FrontendOpencl, WhatLibclcLeavesToTheBackEndIsNamed)
{
    // libclc's ldexp uses add_sat, which its SPIR-V build leaves to the
    // consumer (Mesa does it natively).
    const char* source = "kernel void k(global float* p, int e) { p[0] = ldexp(p[0], e); }\n";
    OpenclOptions noAddSat;
    noAddSat.native = [](std::string_view name) { return isNativeExtInst(name) && name != "s_add_sat"; };
    auto module = openclToSpirv(source, noAddSat);
    ASSERT_FALSE(module.ok());
    EXPECT_EQ(module.status().errnum(), ENOEXEC);
    EXPECT_THAT(module.status().message(), HasSubstr("the OpenCL builtin s_add_sat is used"));

    // vsvm's back end does add_sat.
    auto linked = openclToSpirv(source);
    ASSERT_TRUE(linked.ok()) << linked.status().message();
    auto insts = openclExtInsts(linked->words);
    ASSERT_TRUE(insts.ok());
    EXPECT_THAT(*insts, ::testing::Contains("s_add_sat"));
    EXPECT_THAT(*insts, Not(::testing::Contains("ldexp")));
}

TEST(FrontendOpencl, DoubleGivesAModule)
{
    // Double is the back end's to refuse, with its own message.
    auto module = openclToSpirv(R"(
kernel void k(global double* out, global const double* in)
{
    size_t i = get_global_id(0);
    out[i] = in[i] * 2.0 + exp(in[i]);
}
)");
    ASSERT_TRUE(module.ok()) << module.status().message();
    EXPECT_TRUE(hasCapability(module->words, 10 /* Float64 */));
    auto imports = importedFunctions(module->words);
    ASSERT_TRUE(imports.ok());
    EXPECT_THAT(*imports, IsEmpty());
}

TEST(FrontendOpencl, UnsupportedBuiltinIsAnError)
{
    auto module = openclToSpirv(R"(
kernel void k(global int* p) { prefetch(p, 4); p[0] = 1; }
)");
    ASSERT_FALSE(module.ok());
    EXPECT_EQ(module.status().errnum(), ENOEXEC);
    EXPECT_THAT(module.status().message(), HasSubstr("prefetch is not supported"));
}

// What llvm-spirv-14 writes at -O2 and SPIR-V forbids: blocks before their
// dominators, and an OpPhi that names a parent once per edge.
TEST(FrontendSpirv, BlocksInDominanceOrderAndPhisOncePerParent)
{
    const char* text = R"(
               OpCapability Addresses
               OpCapability Kernel
               OpMemoryModel Physical64 OpenCL
               OpEntryPoint Kernel %f "f"
       %void = OpTypeVoid
       %uint = OpTypeInt 32 0
         %fn = OpTypeFunction %void
         %c0 = OpConstant %uint 0
         %c1 = OpConstant %uint 1
          %f = OpFunction %void None %fn
      %entry = OpLabel
               OpBranch %a
          %m = OpLabel
          %p = OpPhi %uint %x %b %x %b
               OpReturn
          %b = OpLabel
          %x = OpIAdd %uint %y %c1
               OpSwitch %x %m 0 %m 1 %m
          %a = OpLabel
          %y = OpIAdd %uint %c0 %c1
               OpBranch %b
               OpFunctionEnd
)";
    spvtools::SpirvTools tools(SPV_ENV_UNIVERSAL_1_0);
    std::vector<std::uint32_t> words;
    ASSERT_TRUE(tools.Assemble(text, &words));
    ASSERT_THAT(validate(words, SPV_ENV_UNIVERSAL_1_0), HasSubstr("has not been defined"));

    auto module = vsvm::frontend::detail::SpirvModule::parse(words);
    ASSERT_TRUE(module.ok());
    vsvm::frontend::detail::orderBlocks(*module);
    vsvm::frontend::detail::dedupePhis(*module);
    std::vector<std::uint32_t> fixed = module->serialize();
    EXPECT_EQ(validate(fixed, SPV_ENV_UNIVERSAL_1_0), "");
    std::string disassembly;
    ASSERT_TRUE(tools.Disassemble(fixed, &disassembly, SPV_BINARY_TO_TEXT_OPTION_FRIENDLY_NAMES));
    // entry (%7), a (%8), b (%12), m (%9): a depth-first walk's order; the
    // phi names b once.
    EXPECT_THAT(disassembly, HasSubstr("%7 = OpLabel\nOpBranch %8\n"
                                       "%8 = OpLabel\n%13 = OpIAdd %uint %uint_0 %uint_1\nOpBranch %12\n"
                                       "%12 = OpLabel\n%11 = OpIAdd %uint %13 %uint_1\nOpSwitch %11 %9 0 %9 1 %9\n"
                                       "%9 = OpLabel\n%10 = OpPhi %uint %11 %12\nOpReturn\nOpFunctionEnd\n"));
    // Nothing else changed.
    EXPECT_EQ(fixed.size(), words.size() - 2);
}

TEST(FrontendGlsl, SaxpyCompilesForVulkan12)
{
    auto module = glslToSpirv(kSaxpyGlsl);
    ASSERT_TRUE(module.ok()) << module.status().message();
    EXPECT_EQ(module->words[0], 0x07230203u);
    EXPECT_EQ(module->words[1], 0x00010500u); // SPIR-V 1.5
    EXPECT_EQ(entryPoints(module->words), std::vector<std::string>{"main"});
    EXPECT_EQ(validate(module->words, SPV_ENV_VULKAN_1_2), "");
}

TEST(FrontendGlsl, BufferReferenceAndDefines)
{
    auto module = glslToSpirv(R"(#version 460
#extension GL_EXT_buffer_reference : require
layout(local_size_x = SIZE) in;
layout(buffer_reference, std430) buffer Floats { float v[]; };
layout(push_constant) uniform P { Floats data; };
void main() { data.v[gl_GlobalInvocationID.x] *= 2.0; }
)",
                              GlslStage::Compute, GlslOptions{{"SIZE=32"}, "ref.comp", "main"});
    ASSERT_TRUE(module.ok()) << module.status().message();
    EXPECT_TRUE(hasCapability(module->words, 5347 /* PhysicalStorageBufferAddresses */));
    EXPECT_EQ(validate(module->words, SPV_ENV_VULKAN_1_2), "");
}

TEST(FrontendGlsl, ErrorHasTheLine)
{
    GlslOptions options;
    options.sourceName = "bad.comp";
    auto module = glslToSpirv("#version 450\nlayout(local_size_x = 1) in;\nvoid main() {\n  undeclared = 1;\n}\n",
                              GlslStage::Compute, options);
    ASSERT_FALSE(module.ok());
    EXPECT_EQ(module.status().errnum(), EINVAL);
    EXPECT_THAT(module.status().message(), HasSubstr("bad.comp:4"));
    EXPECT_THAT(module.status().message(), HasSubstr("undeclared"));
}

class FrontendFiles : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir_ = std::filesystem::temp_directory_path() /
               ("vsvm-frontend-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const void* data, std::size_t size)
    {
        std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(FrontendFiles, SourceKindFromPath)
{
    EXPECT_EQ(*sourceKindFromPath("a/b/saxpy.cl"), SourceKind::OpenCL);
    EXPECT_EQ(*sourceKindFromPath("x.comp"), SourceKind::Glsl);
    EXPECT_EQ(*sourceKindFromPath("/tmp/x.spv"), SourceKind::Spirv);
    auto unknown = sourceKindFromPath("x.vert");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.status().errnum(), EINVAL);
    EXPECT_FALSE(sourceKindFromPath("cl").ok());
}

TEST_F(FrontendFiles, LoadSpirvInBothByteOrders)
{
    auto module = glslToSpirv(kSaxpyGlsl);
    ASSERT_TRUE(module.ok());
    std::string path = write("a.spv", module->words.data(), module->words.size() * 4);
    auto loaded = loadSpirv(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(*loaded, module->words);

    std::vector<std::uint32_t> swapped = module->words;
    for (std::uint32_t& word : swapped)
        word = __builtin_bswap32(word);
    auto fromSwapped = loadSpirv(write("b.spv", swapped.data(), swapped.size() * 4));
    ASSERT_TRUE(fromSwapped.ok());
    EXPECT_EQ(*fromSwapped, module->words);

    auto text = loadSpirv(write("c.spv", "not spir-v at all....", 20));
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().errnum(), EINVAL);
    auto odd = loadSpirv(write("d.spv", module->words.data(), module->words.size() * 4 - 1));
    ASSERT_FALSE(odd.ok());
    EXPECT_EQ(odd.status().errnum(), EINVAL);
    auto missing = loadSpirv((dir_ / "missing.spv").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().errnum(), ENOENT);
}

TEST_F(FrontendFiles, CompileFileByKindWithIncludes)
{
    const std::string header = "#define SCALE 3.0f\n";
    write("scale.h", header.data(), header.size());
    const std::string source = "#include \"scale.h\"\nkernel void k(global float* p) { p[0] *= SCALE; }\n";
    auto cl = compileFile(write("k.cl", source.data(), source.size()));
    ASSERT_TRUE(cl.ok()) << cl.status().message();
    EXPECT_EQ(entryPoints(cl->words), std::vector<std::string>{"k"});

    const std::string bad = "kernel void k(global float* p) { p[0] = q; }\n";
    std::string badPath = write("bad.cl", bad.data(), bad.size());
    auto error = compileFile(badPath);
    ASSERT_FALSE(error.ok());
    EXPECT_THAT(error.status().message(), HasSubstr(badPath + ":1:41: error"));

    auto glsl = compileFile(write("s.comp", kSaxpyGlsl, std::strlen(kSaxpyGlsl)));
    ASSERT_TRUE(glsl.ok()) << glsl.status().message();
    auto spv = compileFile(write("s.spv", glsl->words.data(), glsl->words.size() * 4));
    ASSERT_TRUE(spv.ok());
    EXPECT_EQ(spv->words, glsl->words);
}

// llvm-spirv-14 translates sitofp i1 as a conversion of 1 for true; the
// front end rewrites it to a select of -1 and 0 and a sitofp of that.
TEST(LlvmIrRepair, SignedBoolConversionsBecomeSelectsOfMinusOne)
{
    const std::string ir = "define spir_kernel void @k(i1 %c, <2 x i1> %v) {\n"
                           "  %f = sitofp i1 %c to float, !dbg !7\n"
                           "  %12 = sitofp <2 x i1> %v to <2 x float>\n"
                           "  %u = uitofp i1 %c to float\n"
                           "  %w = sitofp i32 %x to float\n"
                           "}\n";
    unsigned rewritten = 0;
    EXPECT_EQ(vsvm::frontend::detail::repairSignedBoolConversions(ir, &rewritten),
              "define spir_kernel void @k(i1 %c, <2 x i1> %v) {\n"
              "  %vsvm.sext.0 = select i1 %c, i32 -1, i32 0, !dbg !7\n"
              "  %f = sitofp i32 %vsvm.sext.0 to float, !dbg !7\n"
              "  %vsvm.sext.1 = select <2 x i1> %v, <2 x i32> <i32 -1, i32 -1>, <2 x i32> zeroinitializer\n"
              "  %12 = sitofp <2 x i32> %vsvm.sext.1 to <2 x float>\n"
              "  %u = uitofp i1 %c to float\n"
              "  %w = sitofp i32 %x to float\n"
              "}\n");
    EXPECT_EQ(rewritten, 2u);
}

// End to end: (float)-(c) of a condition c is -1.0 or 0.0, never +1.0.
TEST(OpenclToSpirv, SignedBoolToFloatKeepsItsSign)
{
    // clang -O2 makes this sitofp i1 (vsvm-fuzz-cc seed 1338).
    auto module = openclToSpirv("kernel void k(global float* o, global const uint* in)\n"
                                "{\n"
                                "    int v = as_int((uint)(!((in[0] & 7u) > 0u)));\n"
                                "    o[0] = (float)(as_int(0u - (uint)v));\n"
                                "}\n");
    ASSERT_TRUE(module.ok()) << module.status().message();
    spvtools::SpirvTools tools(SPV_ENV_UNIVERSAL_1_4);
    std::string text;
    ASSERT_TRUE(tools.Disassemble(module->words, &text, SPV_BINARY_TO_TEXT_OPTION_FRIENDLY_NAMES));
    // The select feeding OpConvertSToF picks all ones (-1), not 1.
    EXPECT_THAT(text, ContainsRegex("OpSelect %uint %[A-Za-z_0-9]+ %uint_4294967295 %uint_0"));
    EXPECT_THAT(text, Not(ContainsRegex("OpSelect %uint %[A-Za-z_0-9]+ %uint_1 %uint_0"))) << text;
}

} // namespace
