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
    return arg.ok() ? std::get<uint64_t>(*arg) : 0;
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
