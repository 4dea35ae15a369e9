// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Every construct the vsvm back end does not support (docs/compiler.rst,
// "Unsupported constructs") is a compile error that names it, never a
// program that computes something else. Each case is a small kernel in
// OpenCL C or GLSL, compiled by the front end (clang-14 + llvm-spirv-14,
// glslang) and then by vsvm_cc, which must refuse it with that message.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/cc.h"
#include "vsvm/frontend.h"

namespace vsvm::cc {
namespace {

using ::testing::HasSubstr;

enum class Lang { OpenclC, Glsl };

struct Unsupported {
    const char* name;
    Lang lang;
    const char* source;
    const char* error; ///< what the diagnostic must say
    /// The front end refuses it already (a builtin libclc lacks).
    bool frontEnd = false;
};

std::ostream& operator<<(std::ostream& os, const Unsupported& u) { return os << u.name; }

const Unsupported kCases[] = {
    {"double", Lang::OpenclC, "kernel void k(global double* p) { p[get_global_id(0)] *= 2.0; }",
     "the module uses doubles (Float64): the vsvm ISA has no double precision"},
    {"half", Lang::OpenclC,
     "#pragma OPENCL EXTENSION cl_khr_fp16 : enable\n"
     "kernel void k(global half* p) { half h = p[0]; p[1] = h * h; }",
     "OpFMul on half values: half arithmetic (cl_khr_fp16) is not supported"},
    {"recursion", Lang::OpenclC,
     "static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
     "kernel void k(global int* p) { p[0] = fib(p[1]); }",
     "a recursive call to fib"},
    {"image_and_sampler", Lang::OpenclC,
     "kernel void k(read_only image2d_t img, sampler_t s, global float4* o)\n"
     "{ o[0] = read_imagef(img, s, (int2)(0, 0)); }",
     "(images) is not supported"},
    // The printf buffer's address is in the launch block (and so is the
    // format string, which the diagnostic may name first).
    {"printf", Lang::OpenclC, "kernel void k(global int* p) { printf(\"%d\\n\", p[0]); }",
     "needs the launch block of OpenCL kernels"},
    {"constant_array", Lang::OpenclC,
     "constant int table[4] = {10, 20, 30, 40};\n"
     "kernel void k(global int* p) { p[get_global_id(0)] = table[p[get_global_id(0)] & 3]; }",
     "program-scope __constant data (a __constant array, a string literal) needs the launch block"},
    // The launch's number of dimensions does not reach the kernel; 3 would be
    // a wrong answer for most launches.
    {"get_work_dim", Lang::OpenclC, "kernel void k(global uint* p) { p[0] = get_work_dim(); }",
     "get_work_dim() is not supported"},
    {"vectors_by_value_past_the_slots", Lang::OpenclC,
     "kernel void k(global long* p, long16 a) { p[0] = a.s0 + a.sf; }",
     "more than 16 kernel argument slots (a 128-byte vector by value takes 16)"},
    // Float atomic arithmetic (OpenCL C's atomic_xchg on a float is an exchange of bits, which works).
    {"float_atomic", Lang::Glsl,
     "#version 450\n"
     "#extension GL_EXT_shader_atomic_float : require\n"
     "#extension GL_EXT_buffer_reference : require\n"
     "layout(local_size_x = 64) in;\n"
     "layout(buffer_reference) buffer B { float d[]; };\n"
     "layout(push_constant) uniform P { B b; };\n"
     "void main() { atomicAdd(b.d[0], 1.0); }\n",
     "OpAtomicFAddEXT is not supported by the vsvm back end"},
    {"seventeen_arguments", Lang::OpenclC,
     "kernel void k(global int* p, int a, int b, int c, int d, int e, int f, int g, int h,\n"
     "              int i, int j, int k2, int l, int m, int n, int o, int q)\n"
     "{ p[0] = a + b + c + d + e + f + g + h + i + j + k2 + l + m + n + o + q; }",
     "more than 16 kernel arguments"},
    // Irreducible: the cycle l1 -> l2 -> l1 has two entries.
    {"irreducible_loop", Lang::OpenclC,
     "kernel void k(global int* p)\n"
     "{\n"
     "    int i = p[0];\n"
     "    if (p[1])\n"
     "        goto l2;\n"
     "l1:\n"
     "    i += 3;\n"
     "    if (i > 100)\n"
     "        goto done;\n"
     "l2:\n"
     "    i *= 2;\n"
     "    if (i < 50)\n"
     "        goto l1;\n"
     "done:\n"
     "    p[2] = i;\n"
     "}",
     "irreducible control flow"},
    {"descriptor_bound_buffer", Lang::Glsl,
     "#version 450\n"
     "layout(local_size_x = 64) in;\n"
     "layout(binding = 0) buffer B { uint d[]; };\n"
     "void main() { d[gl_GlobalInvocationID.x] += 1u; }\n",
     "a descriptor-bound buffer (storage class StorageBuffer) is not supported"},
    {"subgroup_operation", Lang::Glsl,
     "#version 450\n"
     "#extension GL_KHR_shader_subgroup_arithmetic : require\n"
     "#extension GL_EXT_buffer_reference : require\n"
     "layout(local_size_x = 64) in;\n"
     "layout(buffer_reference) buffer B { uint d[]; };\n"
     "layout(push_constant) uniform P { B b; };\n"
     "void main() { b.d[gl_GlobalInvocationID.x] = subgroupAdd(b.d[gl_GlobalInvocationID.x]); }\n",
     "OpGroupNonUniformIAdd is not supported by the vsvm back end"},
};

// The uniform values of this kernel (arithmetic on its arguments) are all
// live across the loop: more than the 39 free scalar registers.
std::string manyUniformValues()
{
    std::string args, body, sum;
    for (int i = 0; i < 14; ++i)
        args += ", uint a" + std::to_string(i);
    for (int i = 0; i < 60; ++i) {
        body += "    uint u" + std::to_string(i) + " = a" + std::to_string(i % 14) + " * " +
                std::to_string(1000 + 7919 * i) + "u + a" + std::to_string((i * 5 + 1) % 14) + ";\n";
        sum += std::string(i ? " + " : "") + "(u" + std::to_string(i) + " ^ (u" + std::to_string((i * 7 + 3) % 60) +
               " >> 3))";
    }
    return "kernel void k(global uint* p" + args + ")\n{\n" + body +
           "    for (uint i = 0; i < a0; i++)\n        p[i + 1] += i;\n    p[get_global_id(0)] = " + sum + ";\n}\n";
}

/// The back end's only diagnostic for @p source; with @p frontEnd, the
/// front end's error instead.
std::string compileError(Lang lang, const std::string& source, bool frontEnd = false)
{
    Result<frontend::Module> module = lang == Lang::OpenclC ? frontend::openclToSpirv(source)
                                                            : frontend::glslToSpirv(source);
    if (frontEnd) {
        EXPECT_FALSE(module.ok()) << "the front end accepted it";
        return module.ok() ? std::string() : module.status().message();
    }
    if (!module.ok()) {
        ADD_FAILURE() << "the front end refused it: " << module.status().message();
        return {};
    }
    std::vector<Diagnostic> diagnostics;
    auto kernel = compile(module->words, {}, &diagnostics);
    EXPECT_FALSE(kernel.ok()) << "compiled:\n" << (kernel.ok() ? kernel->assembly : "");
    if (kernel.ok())
        return {};
    EXPECT_EQ(kernel.status().errnum(), EINVAL);
    EXPECT_EQ(diagnostics.size(), 1u);
    return diagnostics.empty() ? kernel.status().message() : diagnostics.front().message;
}

class CcUnsupported : public ::testing::TestWithParam<Unsupported> {};

TEST_P(CcUnsupported, IsACompileErrorNamingIt)
{
    const Unsupported& u = GetParam();
    EXPECT_THAT(compileError(u.lang, u.source, u.frontEnd), HasSubstr(u.error));
}

INSTANTIATE_TEST_SUITE_P(Constructs, CcUnsupported, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CcUnsupportedRegisters, MoreLiveUniformValuesThanScalarRegisters)
{
    EXPECT_THAT(compileError(Lang::OpenclC, manyUniformValues()),
                HasSubstr("more live uniform values than registers (39 at once): uniform values are not spilled"));
}

} // namespace
} // namespace vsvm::cc
