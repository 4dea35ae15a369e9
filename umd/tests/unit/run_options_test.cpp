// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <sys/mman.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "run_options.h"

namespace vsvm::tools {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kBuffers = {"x", "y2"};

uint64_t argBits(const char* text)
{
    auto arg = parseArg(text, kBuffers);
    EXPECT_TRUE(arg) << text << ": " << arg.status().message();
    return arg.ok() ? std::get<NumberArg>(*arg).bits : 0;
}

/// The argument for parameter @p param of a kernel with .args @p args.
Result<ArgSpec> typedArg(const char* text, const char* args, std::size_t param)
{
    KernelSignature signature = isa::parseSignature(args).value();
    return parseArg(text, kBuffers, &signature.params[param], signature.describeParam(param));
}

TEST(RunOptions, SizesTakeBinarySuffixes)
{
    EXPECT_EQ(*parseSize("4096"), 4096u);
    EXPECT_EQ(*parseSize("64K"), 65536u);
    EXPECT_EQ(*parseSize("2m"), 2u << 20);
    EXPECT_EQ(*parseSize("1G"), 1u << 30);
    EXPECT_EQ(*parseSize("0x10"), 16u);
    for (const char* bad : {"", "0", "K", "-4", "4KB", "1.5M", "99999999999999G"}) {
        auto size = parseSize(bad);
        ASSERT_FALSE(size) << bad;
        EXPECT_EQ(size.status().errnum(), EINVAL);
    }
}

TEST(RunOptions, GridSizesHaveUpToThreeDimensions)
{
    Dim3 one = *parseDim3("64");
    EXPECT_EQ(one.x, 64u);
    EXPECT_EQ(one.y, 1u);
    Dim3 three = *parseDim3("8x4x2");
    EXPECT_EQ(three.x, 8u);
    EXPECT_EQ(three.y, 4u);
    EXPECT_EQ(three.z, 2u);
    for (const char* bad : {"", "0", "8x", "x8", "1x2x3x4", "8x0", "4294967296", "a"})
        EXPECT_FALSE(parseDim3(bad)) << bad;
}

TEST(RunOptions, BuffersHaveANameASizeAndContents)
{
    BufferSpec zero = *parseBuffer("data=4K");
    EXPECT_EQ(zero.name, "data");
    EXPECT_EQ(zero.size, 4096u);
    EXPECT_EQ(zero.init.kind, BufferInit::Kind::Zero);

    BufferSpec fill = *parseBuffer("b=16:fill=0x0102");
    EXPECT_EQ(fill.init.kind, BufferInit::Kind::Fill);
    EXPECT_EQ(fill.init.value, 0x0102u);
    EXPECT_EQ(parseBuffer("r=1M:random")->init.value, 1u);
    EXPECT_EQ(parseBuffer("r=1M:random=7")->init.value, 7u);
    EXPECT_EQ(parseBuffer("f=8:f32=2.5")->init.value, std::bit_cast<uint32_t>(2.5f));
    EXPECT_EQ(parseBuffer("i=8:iota32")->init.kind, BufferInit::Kind::Iota32);
    EXPECT_EQ(parseBuffer("c=8:copy=/etc/hostname")->init.path, "/etc/hostname");
}

TEST(RunOptions, BadBuffersSayWhatIsWrong)
{
    EXPECT_THAT(parseBuffer("4K").status().message(), HasSubstr("expected NAME=SIZE[:INIT]"));
    EXPECT_THAT(parseBuffer("9a=4K").status().message(), HasSubstr("'9a' is not a name"));
    EXPECT_THAT(parseBuffer("a=lots").status().message(), HasSubstr("size 'lots'"));
    EXPECT_THAT(parseBuffer("a=4K:ones").status().message(), HasSubstr("unknown contents 'ones'"));
    EXPECT_THAT(parseBuffer("a=4K:fill").status().message(), HasSubstr("the pattern must be"));
    EXPECT_THAT(parseBuffer("a=4K:iota32=3").status().message(), HasSubstr("unknown contents"));
    EXPECT_THAT(parseBuffer("a=4K:copy=").status().message(), HasSubstr("the path is missing"));
}

TEST(RunOptions, FileBuffersAndProtections)
{
    BufferSpec file = *parseFileBuffer("in=/tmp/data.bin");
    EXPECT_EQ(file.filePath, "/tmp/data.bin");
    EXPECT_FALSE(file.fileWritable);
    EXPECT_TRUE(parseFileBuffer("out=/tmp/o:rw")->fileWritable);
    EXPECT_FALSE(parseFileBuffer("out=:rw"));

    EXPECT_EQ(parseProtection("x=none")->prot, PROT_NONE);
    EXPECT_EQ(parseProtection("x=read")->prot, PROT_READ);
    EXPECT_THAT(parseProtection("x=write").status().message(), HasSubstr("none or read"));
}

TEST(RunOptions, ArgumentsAreBuffersIntegersOrFloats)
{
    auto buffer = parseArg("y2+64", kBuffers);
    ASSERT_TRUE(buffer);
    EXPECT_EQ(std::get<BufferRef>(*buffer).name, "y2");
    EXPECT_EQ(std::get<BufferRef>(*buffer).offset, 64);
    EXPECT_EQ(std::get<BufferRef>(*parseArg("x", kBuffers)).offset, 0);

    EXPECT_EQ(argBits("42"), 42u);
    EXPECT_EQ(argBits("0xff"), 255u);
    EXPECT_EQ(argBits("-1"), ~uint64_t{0});
    EXPECT_EQ(argBits("2.5"), std::bit_cast<uint32_t>(2.5f));
    EXPECT_EQ(argBits("3f"), std::bit_cast<uint32_t>(3.0f));
    EXPECT_EQ(argBits("1e-3"), std::bit_cast<uint32_t>(1e-3f));
    EXPECT_EQ(argBits("f64:0.5"), std::bit_cast<uint64_t>(0.5));

    EXPECT_THAT(parseArg("z", kBuffers).status().message(), HasSubstr("no buffer of that name"));
    EXPECT_THAT(parseArg("x+abc", kBuffers).status().message(), HasSubstr("the offset"));
    EXPECT_THAT(parseArg("1.2.3", kBuffers).status().message(), HasSubstr("expected a buffer name"));
    EXPECT_FALSE(parseArg("", kBuffers));
    // Without a signature: what the text looks like.
    EXPECT_EQ(std::get<NumberArg>(*parseArg("-1", kBuffers)).host, (HostArg{HostArg::Kind::Signed, 64}));
    EXPECT_EQ(std::get<NumberArg>(*parseArg("7", kBuffers)).host, (HostArg{HostArg::Kind::Unsigned, 64}));
    EXPECT_EQ(std::get<NumberArg>(*parseArg("2.5", kBuffers)).host, (HostArg{HostArg::Kind::Float, 32}));
    EXPECT_EQ(std::get<NumberArg>(*parseArg("f64:2", kBuffers)).host, (HostArg{HostArg::Kind::Double, 64}));
}

TEST(RunOptions, WithASignatureEachArgumentIsReadAsItsParameterType)
{
    constexpr const char* kArgs = "ptr x, u32 n, f32 a, i32 d, f64 b, u64 big";
    auto number = [&](const char* text, std::size_t param) { return std::get<NumberArg>(typedArg(text, kArgs, param).value()); };

    EXPECT_EQ(number("2", 2).bits, std::bit_cast<uint32_t>(2.0f)) << "2 is 2.0 for an f32";
    EXPECT_EQ(number("2", 2).host, (HostArg{HostArg::Kind::Float, 32}));
    EXPECT_EQ(number("0.5", 4).bits, std::bit_cast<uint64_t>(0.5));
    EXPECT_EQ(number("f64:0.5", 4).host, (HostArg{HostArg::Kind::Double, 64}));
    EXPECT_EQ(number("4294967295", 1).host, (HostArg{HostArg::Kind::Unsigned, 32}));
    EXPECT_EQ(number("-2147483648", 3).bits, 0xffffffff80000000u);
    EXPECT_EQ(number("0x1000", 0).host, HostArg{}) << "an address given as a number";
    EXPECT_EQ(std::get<BufferRef>(typedArg("x+8", kArgs, 0).value()).offset, 8);

    EXPECT_EQ(typedArg("2.5", kArgs, 1).status().message(),
              "--arg 2.5: kernel argument 2 (u32 n) takes a whole number from 0 to 4294967295");
    EXPECT_EQ(typedArg("4294967296", kArgs, 1).status().errnum(), EINVAL);
    EXPECT_EQ(typedArg("-1", kArgs, 1).status().errnum(), EINVAL);
    EXPECT_EQ(typedArg("2147483648", kArgs, 3).status().message(),
              "--arg 2147483648: kernel argument 4 (i32 d) takes a whole number from -2147483648 to 2147483647");
    EXPECT_EQ(typedArg("x", kArgs, 1).status().message(), "--arg x: kernel argument 2 (u32 n) is u32, not an address");
    EXPECT_EQ(typedArg("1.5", kArgs, 0).status().message(),
              "--arg 1.5: kernel argument 1 (ptr x) takes a buffer name, NAME+OFFSET or an address");
    EXPECT_EQ(typedArg("f64:1", kArgs, 2).status().message(),
              "--arg f64:1: kernel argument 3 (f32 a) takes a number (a float32)");
    EXPECT_EQ(typedArg("-1", kArgs, 5).status().message(),
              "--arg -1: kernel argument 6 (u64 big) takes a whole number from 0 to 18446744073709551615");
}

TEST(RunOptions, PrintSpecsAndTheirOutput)
{
    PrintSpec spec = *parsePrint("y:f32:2");
    EXPECT_EQ(spec.type, PrintSpec::Type::F32);
    EXPECT_EQ(spec.count, 2u);
    EXPECT_EQ(parsePrint("y")->type, PrintSpec::Type::U32);
    EXPECT_THAT(parsePrint("y:f16").status().message(), HasSubstr("unknown type 'f16'"));
    EXPECT_FALSE(parsePrint("y:u8:0"));

    float floats[] = {1.5f, -2.0f, 3.0f};
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(floats), sizeof(floats));
    EXPECT_EQ(formatBuffer(spec, bytes), "y (f32[3]): 1.5 -2 ... (1 more)");
    EXPECT_EQ(formatBuffer(*parsePrint("y:x8:2"), bytes), "y (x8[12]): 00 00 ... (10 more)");
    EXPECT_EQ(formatBuffer(*parsePrint("y:i32"), bytes.first(4)), "y (i32[1]): 1069547520");
}

TEST(RunOptions, ProgressBarFillsWithTheJobsDone)
{
    EXPECT_EQ(formatProgress(0, 10, 0.0, 10), "[..........]  0/10 jobs 0.0 s");
    EXPECT_EQ(formatProgress(5, 10, 1.25, 10), "[#####.....]  5/10 jobs 1.2 s");
    EXPECT_EQ(formatProgress(10, 10, 2.0, 10), "[##########] 10/10 jobs 2.0 s");
}

} // namespace
} // namespace vsvm::tools
