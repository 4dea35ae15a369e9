// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm/compile.h: a Kernel from OpenCL C, GLSL or SPIR-V source, with the
// source's signature, and the front end's and back end's errors as status
// values.

#include <cerrno>
#include <cstdint>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/compile.h"

namespace {

using namespace vsvm;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr const char* kSaxpyCl = R"(
kernel void saxpy(global float* y, global const float* x, uint n, float a)
{
    uint i = get_global_id(0);
    if (i < n)
        y[i] = a * x[i] + y[i];
}
)";

constexpr const char* kSaxpyGlsl = R"(#version 450
#extension GL_EXT_buffer_reference : require
layout(local_size_x = 64) in;
layout(buffer_reference, std430) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats y; Floats x; uint n; float a; };
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < n)
        y.v[i] = a * x.v[i] + y.v[i];
}
)";

TEST(CompileApi, OpenclSourceGivesAKernelWithItsSignature)
{
    cc::CompiledKernel compiled;
    Result<Kernel> kernel = compile::kernelFromSource(kSaxpyCl, compile::Language::OpenclC, {}, &compiled);
    ASSERT_TRUE(kernel.ok()) << kernel.status().message();
    ASSERT_TRUE(kernel->signature().has_value());
    // Parameter names when the module keeps them (clang's kernel wrapper does not).
    EXPECT_THAT(kernel->signature()->toString(), MatchesRegex("ptr( y)?, ptr( x)?, u32( n)?, f32( a)?"));
    EXPECT_EQ(compiled.name, "saxpy");
    EXPECT_EQ(compiled.privateBytesPerLane, 0u);
    // Launch arguments are checked against it: a double is no float.
    auto typed = TypedKernel<float*, const float*, std::uint32_t, double>::create(std::move(*kernel));
    ASSERT_FALSE(typed.ok());
    EXPECT_EQ(typed.status().errnum(), EINVAL);
}

TEST(CompileApi, GlslSourceGivesAKernelWithItsLocalSize)
{
    cc::CompiledKernel compiled;
    Result<Kernel> kernel = compile::kernelFromSource(kSaxpyGlsl, compile::Language::Glsl, {}, &compiled);
    ASSERT_TRUE(kernel.ok()) << kernel.status().message();
    EXPECT_EQ(kernel->signature()->toString(), "ptr y, ptr x, u32 n, f32 a");
    EXPECT_EQ(compiled.localSize[0], 64u);
    auto typed = TypedKernel<float*, const float*, std::uint32_t, float>::create(std::move(*kernel));
    EXPECT_TRUE(typed.ok()) << typed.status().message();
}

TEST(CompileApi, SpirvBytesCompileLikeTheirSource)
{
    auto module = frontend::openclToSpirv(kSaxpyCl);
    ASSERT_TRUE(module.ok()) << module.status().message();
    std::string bytes(reinterpret_cast<const char*>(module->words.data()), module->words.size() * 4);
    auto fromSpirv = compile::compileSource(bytes, compile::Language::Spirv);
    auto fromSource = compile::compileSource(kSaxpyCl, compile::Language::OpenclC);
    ASSERT_TRUE(fromSpirv.ok()) << fromSpirv.status().message();
    ASSERT_TRUE(fromSource.ok()) << fromSource.status().message();
    EXPECT_EQ(fromSpirv->program.words, fromSource->program.words);
    EXPECT_EQ(compile::compileSource(bytes.substr(0, 6), compile::Language::Spirv).status().errnum(), EINVAL);
}

TEST(CompileApi, ErrorsAreStatusValuesWithTheDiagnostics)
{
    auto syntax = compile::compileSource("kernel void k(global int* p) { p[0] = q; }\n",
                                         compile::Language::OpenclC);
    ASSERT_FALSE(syntax.ok());
    EXPECT_EQ(syntax.status().errnum(), EINVAL);
    EXPECT_THAT(syntax.status().message(), HasSubstr("use of undeclared identifier 'q'"));

    auto unsupported = compile::compileSource("kernel void k(global double* p) { p[0] *= 2.0; }\n",
                                              compile::Language::OpenclC);
    ASSERT_FALSE(unsupported.ok());
    EXPECT_EQ(unsupported.status().errnum(), EINVAL);
    EXPECT_THAT(unsupported.status().message(), HasSubstr("error: the module uses doubles"));
}

} // namespace
