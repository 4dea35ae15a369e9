// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Typed launches: a kernel's signature (from .args, or given with its words)
// and every launch checked against it before any ioctl. The StrictMock fails
// a test whose rejected launch reaches the kernel anyway.

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"
#include "vsvm/runtime.h"

namespace vsvm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::address;

constexpr const char* kSaxpySource = ".args ptr x, ptr y, u32 n, f32 a\ns_nop\ns_endpgm\n";

// ---------------------------------------------------------------- signatures

TEST(KernelSignature, ArgsDirectiveFillsTheSignatureAndEmitsNoWord)
{
    isa::Assembly assembly = isa::assemble("s_nop\n.args ptr x, ptr y, u32 n, f32 a\ns_endpgm\n");
    ASSERT_TRUE(assembly.ok()) << assembly.diagnostics[0].message;
    EXPECT_EQ(assembly.program.words.size(), 2u);
    ASSERT_TRUE(assembly.program.signature);
    EXPECT_EQ(assembly.program.signature->params,
              (std::vector<KernelParam>{{ArgType::Ptr, "x"}, {ArgType::Ptr, "y"}, {ArgType::U32, "n"},
                                        {ArgType::F32, "a"}}));
    EXPECT_EQ(assembly.program.signature->toString(), "ptr x, ptr y, u32 n, f32 a");
    EXPECT_EQ(assembly.program.signature->describeParam(3), "argument 4 (f32 a)");

    auto kernel = Kernel::fromAssembly(kSaxpySource);
    ASSERT_TRUE(kernel) << kernel.status().message();
    ASSERT_TRUE(kernel->signature());
    EXPECT_EQ(kernel->signature()->params.size(), 4u);
}

TEST(KernelSignature, BareArgsMeansNoArgumentsAndNamesAreOptional)
{
    isa::Assembly none = isa::assemble(".args\ns_endpgm\n");
    ASSERT_TRUE(none.ok());
    ASSERT_TRUE(none.program.signature);
    EXPECT_TRUE(none.program.signature->params.empty());

    isa::Assembly unnamed = isa::assemble(".args u64, i64, i32, f64\ns_endpgm\n");
    ASSERT_TRUE(unnamed.ok());
    EXPECT_EQ(unnamed.program.signature->toString(), "u64, i64, i32, f64");
}

TEST(KernelSignature, WithoutArgsAKernelIsUnchecked)
{
    Kernel kernel = test::assembleKernel();
    EXPECT_FALSE(kernel.signature());
    EXPECT_TRUE(kernel.checkArgs(KernelArgs(1.0, 2.0f, &kernel, uint64_t{3})).ok());
    EXPECT_TRUE(kernel.checkArgs(KernelArgs()).ok());
}

struct BadArgs {
    const char* source;
    unsigned column;
    const char* message;
};

TEST(KernelSignature, BadArgsDirectivesSayWhichArgument)
{
    const BadArgs cases[] = {
        {".args ptr x, float a", 14, "argument 2 of .args: unknown argument type 'float' (ptr, u32, i32"},
        {".args ptr x, u32 x", 14, "argument 2 of .args: duplicate argument name 'x'"},
        {".args u32 1n", 7, "bad argument name '1n'"},
        {".args u32 n m", 7, ".args takes 'TYPE [NAME]' per argument, not 'u32 n m'"},
        {".args u32,", 11, "missing operand 2 of .args"},
        {".args u32\n.args u32", 1, "duplicate .args (the first is on line 1)"},
        {".args u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32", 87,
         "more than 16 arguments"},
    };
    for (const BadArgs& bad : cases) {
        isa::Assembly assembly = isa::assemble(std::string(bad.source) + "\ns_endpgm\n");
        ASSERT_EQ(assembly.diagnostics.size(), 1u) << bad.source;
        EXPECT_EQ(assembly.diagnostics[0].column, bad.column) << bad.source;
        EXPECT_THAT(assembly.diagnostics[0].message, HasSubstr(bad.message)) << bad.source;
    }
}

TEST(KernelSignature, ParseSignatureReadsWhatArgsReads)
{
    auto parsed = isa::parseSignature(" ptr x,u32 n , f64 ");
    ASSERT_TRUE(parsed) << parsed.status().message();
    EXPECT_EQ(parsed->toString(), "ptr x, u32 n, f64");
    auto empty = isa::parseSignature("  ");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->params.empty());

    auto bad = isa::parseSignature("ptr x, flaot y");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.status().errnum(), EINVAL);
    EXPECT_EQ(bad.status().message(), "kernel signature 'ptr x, flaot y': argument 2: unknown argument type "
                                      "'flaot' (ptr, u32, i32, u64, i64, f32, f64)");
    EXPECT_THAT(isa::parseSignature("ptr x,,u32").status().message(), HasSubstr("argument 2 is missing"));
    EXPECT_THAT(isa::parseSignature("ptr x,").status().message(), HasSubstr("argument 2 is missing"));
}

TEST(KernelSignature, DisassemblyKeepsTheSignature)
{
    isa::Assembly first = isa::assemble(kSaxpySource);
    ASSERT_TRUE(first.ok());
    auto text = isa::disassemble(first.program.words, {.signature = first.program.signature});
    ASSERT_TRUE(text) << text.status().message();
    EXPECT_THAT(*text, HasSubstr(".args ptr x, ptr y, u32 n, f32 a\n"));
    isa::Assembly back = isa::assemble(*text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.program.signature, first.program.signature);

    auto none = isa::disassemble(first.program.words, {.signature = KernelSignature{}});
    ASSERT_TRUE(none);
    EXPECT_THAT(*none, HasSubstr("\n.args\n"));
}

struct Acceptance {
    ArgType param;
    HostArg given;
    bool accepted;
};

TEST(KernelSignature, AcceptsFollowsTheDocumentedRule)
{
    using Kind = HostArg::Kind;
    const Acceptance cases[] = {
        {ArgType::F32, {Kind::Float, 32}, true},
        {ArgType::F32, {Kind::Double, 64}, false},
        {ArgType::F64, {Kind::Float, 32}, false},
        {ArgType::F64, {Kind::Double, 64}, true},
        {ArgType::F32, {Kind::Signed, 32}, false},
        {ArgType::U32, {Kind::Signed, 32}, true},
        {ArgType::U32, {Kind::Unsigned, 8}, true},
        {ArgType::U32, {Kind::Unsigned, 64}, false},
        {ArgType::I32, {Kind::Signed, 64}, false},
        {ArgType::U64, {Kind::Signed, 64}, true},
        {ArgType::I64, {Kind::Unsigned, 16}, true},
        {ArgType::U64, {Kind::Float, 32}, false},
        {ArgType::Ptr, {Kind::Pointer, 64}, true},
        {ArgType::Ptr, {Kind::Unsigned, 64}, false},
        {ArgType::U64, {Kind::Pointer, 64}, false},
        {ArgType::F32, {Kind::Bits, 64}, true},
        {ArgType::Ptr, {Kind::Bits, 64}, true},
    };
    for (const Acceptance& c : cases)
        EXPECT_EQ(accepts(c.param, c.given), c.accepted) << toString(c.param) << " given " << c.given.describe();
}

TEST(KernelArgs, RecordWhatEachArgumentWas)
{
    int x = 0;
    KernelArgs args(&x, -1, 7u, uint8_t{255}, 1.5f, -2.0, size_t{9});
    args.pushBits(5);
    using Kind = HostArg::Kind;
    EXPECT_THAT(args.hostArgs(),
                ElementsAre(HostArg{Kind::Pointer, 64}, HostArg{Kind::Signed, 32}, HostArg{Kind::Unsigned, 32},
                            HostArg{Kind::Unsigned, 8}, HostArg{Kind::Float, 32}, HostArg{Kind::Double, 64},
                            HostArg{Kind::Unsigned, 64}, HostArg{Kind::Bits, 64}));
}

// ---------------------------------------------------------------- launches

class TypedLaunchTest : public test::ComputeQueueTest {
protected:
    Kernel saxpy_ = test::assembleKernel(kSaxpySource);
    std::vector<float> x_ = std::vector<float>(64), y_ = std::vector<float>(64);
};

TEST_F(TypedLaunchTest, ADoubleForAFloatParameterFailsBeforeAnyIoctl)
{
    auto fence = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), 64u, 2.0);

    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.status().errnum(), EINVAL);
    EXPECT_EQ(fence.status().message(),
              "dispatch 0: kernel argument 4 (f32 a) is given a double, but f32 takes a float");
}

TEST_F(TypedLaunchTest, AMissingArgumentFails)
{
    auto fence = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), 64u);

    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.status().errnum(), EINVAL);
    EXPECT_EQ(fence.status().message(),
              "dispatch 0: the kernel takes 4 arguments (ptr x, ptr y, u32 n, f32 a), not 3");
}

TEST_F(TypedLaunchTest, AnExtraArgumentFails)
{
    auto fence = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), 64u, 2.0f, 1);

    ASSERT_FALSE(fence);
    EXPECT_THAT(fence.status().message(), HasSubstr("takes 4 arguments (ptr x, ptr y, u32 n, f32 a), not 5"));
}

TEST_F(TypedLaunchTest, AnIntegerWiderThanItsParameterFails)
{
    std::size_t n = x_.size();
    auto fence = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), n, 2.0f);

    ASSERT_FALSE(fence);
    EXPECT_THAT(fence.status().message(),
                HasSubstr("argument 3 (u32 n) is given a 64-bit unsigned integer, but u32 takes an integer of "
                          "at most 32 bits"));
}

TEST_F(TypedLaunchTest, PointersAndNumbersDoNotStandInForEachOther)
{
    auto number = queue_->launch(saxpy_, {1}, {64}, uint64_t{0x1000}, y_.data(), 64u, 2.0f);
    ASSERT_FALSE(number);
    EXPECT_THAT(number.status().message(), HasSubstr("argument 1 (ptr x) is given a 64-bit unsigned integer"));

    auto pointer = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), y_.data(), 2.0f);
    ASSERT_FALSE(pointer);
    EXPECT_THAT(pointer.status().message(), HasSubstr("argument 3 (u32 n) is given a pointer"));
}

TEST_F(TypedLaunchTest, ArgumentsThatFitAreLaunched)
{
    expectJobs(2);

    // An int literal for the u32, a float for the f32.
    auto fence = queue_->launch(saxpy_, {1}, {64}, x_.data(), y_.data(), 64, 2.0f);
    ASSERT_TRUE(fence) << fence.status().message();
    ASSERT_EQ(dispatches_.size(), 1u);
    EXPECT_EQ(dispatches_[0].num_args, 4u);
    EXPECT_EQ(dispatches_[0].args[0], address(x_.data()));
    EXPECT_EQ(dispatches_[0].args[2], 64u);
    EXPECT_EQ(dispatches_[0].args[3], 0x40000000u);

    // Raw bits are the caller's decision, for any parameter.
    KernelArgs raw;
    raw.pushBits(address(x_.data())).pushBits(address(y_.data())).pushBits(64).pushBits(0x40000000);
    auto rawFence = queue_->submit({{&saxpy_, {1}, {64}, raw}});
    ASSERT_TRUE(rawFence) << rawFence.status().message();
}

TEST_F(TypedLaunchTest, EveryDispatchOfASubmissionIsChecked)
{
    Dispatch good{&saxpy_, {1}, {64}, KernelArgs(x_.data(), y_.data(), 64u, 2.0f)};
    Dispatch bad{&saxpy_, {1}, {64}, KernelArgs(x_.data(), y_.data(), 64u, 2.0)};

    auto fence = queue_->submit({good, bad});

    ASSERT_FALSE(fence);
    EXPECT_THAT(fence.status().message(), HasSubstr("dispatch 1: kernel argument 4 (f32 a) is given a double"));
}

TEST_F(TypedLaunchTest, WordsGetTheirSignatureFromTheCaller)
{
    const std::vector<uint64_t> words = {1};
    auto kernel = Kernel::fromWords(words, 0, isa::parseSignature("ptr out").value());
    ASSERT_TRUE(kernel) << kernel.status().message();

    auto fence = queue_->launch(*kernel, {1}, {1}, 1.0f);

    ASSERT_FALSE(fence);
    EXPECT_THAT(fence.status().message(), HasSubstr("argument 1 (ptr out) is given a float"));
}

TEST_F(TypedLaunchTest, BadGridsFailBeforeAnyIoctl)
{
    KernelArgs args(x_.data(), y_.data(), 64u, 2.0f);
    EXPECT_EQ(queue_->submit({{&saxpy_, {0}, {64}, args}}).status().message(),
              "dispatch 0: 0 workgroups in x: 1 to 1048576 allowed");
    EXPECT_EQ(queue_->submit({{&saxpy_, {1, DRM_VSVM_MAX_GROUPS + 1}, {64}, args}}).status().message(),
              "dispatch 0: 1048577 workgroups in y: 1 to 1048576 allowed");
    EXPECT_EQ(queue_->submit({{&saxpy_, {1}, {16, 32}, args}}).status().message(),
              "dispatch 0: 16x32x1 = 512 lanes in a workgroup: at most 256");
    EXPECT_EQ(queue_->submit({{&saxpy_, {1}, {16, 1, 0}, args}}).status().message(),
              "dispatch 0: 0 lanes in z: at least 1");
}

// ---------------------------------------------------------------- TypedKernel

using Saxpy = TypedKernel<const float*, float*, uint32_t, float>;

// What compiles and what does not: the rule behind TypedKernel's launch().
static_assert(detail::typedArgFits<float, float>());
static_assert(!detail::typedArgFits<float, double>());
static_assert(detail::typedArgFits<uint32_t, int>());
static_assert(!detail::typedArgFits<uint32_t, uint64_t>());
static_assert(detail::typedArgFits<const float*, float*>());
static_assert(!detail::typedArgFits<float*, const float*>());
static_assert(!detail::typedArgFits<float*, int*>());
static_assert(!detail::typedArgFits<uint64_t, float*>());

TEST(TypedKernel, ItsSignatureIsItsParameterTypes)
{
    EXPECT_EQ(Saxpy::signature().toString(), "ptr, ptr, u32, f32");
    EXPECT_EQ((TypedKernel<int64_t, double, uint8_t>::signature().toString()), "i64, f64, u32");
}

TEST(TypedKernel, AKernelWhoseSignatureDiffersIsRefused)
{
    auto wrong = TypedKernel<const float*, float*, uint32_t, double>::fromAssembly(kSaxpySource);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.status().errnum(), EINVAL);
    EXPECT_EQ(wrong.status().message(), "TypedKernel<ptr, ptr, u32, f64>: kernel argument 4 (f32 a) is given a "
                                        "double, but f32 takes a float");

    auto fewer = TypedKernel<const float*, float*>::fromAssembly(kSaxpySource);
    ASSERT_FALSE(fewer);
    EXPECT_THAT(fewer.status().message(), HasSubstr("the kernel takes 4 arguments"));

    EXPECT_TRUE(Saxpy::fromAssembly(kSaxpySource));
    EXPECT_TRUE(Saxpy::fromAssembly("s_endpgm\n")) << "an unchecked kernel takes the C++ signature";
}

TEST_F(TypedLaunchTest, TypedKernelsLaunchWithTheirParameterTypes)
{
    auto saxpy = Saxpy::fromAssembly(kSaxpySource);
    ASSERT_TRUE(saxpy) << saxpy.status().message();
    expectJobs(1);

    auto fence = queue_->launch(*saxpy, {1}, {64}, x_.data(), y_.data(), 64, 2.0f);

    ASSERT_TRUE(fence) << fence.status().message();
    EXPECT_EQ(dispatches_[0].args[1], address(y_.data()));
    EXPECT_EQ(dispatches_[0].args[3], 0x40000000u);
}

} // namespace
} // namespace vsvm
