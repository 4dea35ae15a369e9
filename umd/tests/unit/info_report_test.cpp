// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "info_report.h"

namespace vsvm::tools {
namespace {

using ::testing::HasSubstr;

ListedDevice sampleDevice()
{
    return {
        .index = 1,
        .info =
            {
                .path = "/dev/dri/renderD129",
                .driver = {.name = "vsvm", .major = 0, .minor = 1, .patchlevel = 0,
                           .description = "virtual SVM accelerator"},
                .caps =
                    {
                        .uapiVersion = {.major = 0, .minor = 1},
                        .capabilityBits = 0x40000001, // svm, and a bit no uapi defines
                        .vaBits = 48,
                        .pageSizes = 0x1000 | 0x20'0000,
                        .numDevices = 2,
                    },
            },
    };
}

TEST(InfoReport, FormatsSizesWithBinaryUnits)
{
    EXPECT_EQ(formatSize(4096), "4K");
    EXPECT_EQ(formatSize(2 * 1024 * 1024), "2M");
    EXPECT_EQ(formatSize(uint64_t{1} << 30), "1G");
    EXPECT_EQ(formatSize(uint64_t{1} << 63), "8E");
    EXPECT_EQ(formatSize(512), "512");
    EXPECT_EQ(formatSize(1536), "1536");
}

TEST(InfoReport, PrintsUnknownCapabilitiesInHex)
{
    EXPECT_EQ(formatCapabilities(0), "0x0 (none)");
    EXPECT_EQ(formatCapabilities(0x40000000), "0x40000000 (unknown 0x40000000)");
    EXPECT_EQ(formatCapabilities(0x40000003), "0x40000003 (svm, copy-engine, unknown 0x40000000)");
}

TEST(InfoReport, TextShowsEveryField)
{
    std::string text = formatText({sampleDevice()});

    EXPECT_THAT(text, HasSubstr("vsvm device 1: /dev/dri/renderD129\n"));
    EXPECT_THAT(text, HasSubstr("driver:        vsvm 0.1.0 (virtual SVM accelerator)\n"));
    EXPECT_THAT(text, HasSubstr("uapi version:  0.1\n"));
    EXPECT_THAT(text, HasSubstr("capabilities:  0x40000001 (svm, unknown 0x40000000)\n"));
    EXPECT_THAT(text, HasSubstr("va bits:       48\n"));
    EXPECT_THAT(text, HasSubstr("page sizes:    4K, 2M\n"));
    EXPECT_THAT(text, HasSubstr("vsvm devices:  2\n"));
}

TEST(InfoReport, JsonShowsEveryField)
{
    nlohmann::json json = toJson({sampleDevice()});

    ASSERT_EQ(json["devices"].size(), 1u);
    const nlohmann::json& device = json["devices"][0];
    EXPECT_EQ(device["index"], 1);
    EXPECT_EQ(device["path"], "/dev/dri/renderD129");
    EXPECT_EQ(device["driver"]["name"], "vsvm");
    EXPECT_EQ(device["driver"]["version"], "0.1.0");
    EXPECT_EQ(device["uapi_version"]["major"], 0);
    EXPECT_EQ(device["uapi_version"]["minor"], 1);
    EXPECT_EQ(device["capabilities"]["mask"], 0x40000001);
    EXPECT_EQ(device["capabilities"]["names"], nlohmann::json::array({"svm"}));
    EXPECT_EQ(device["capabilities"]["unknown_mask"], 0x40000000);
    EXPECT_EQ(device["va_bits"], 48);
    EXPECT_EQ(device["page_sizes"], nlohmann::json({4096, 2097152}));
    EXPECT_EQ(device["num_devices"], 2);
}

TEST(InfoReport, NoDevicesIsAnEmptyList)
{
    EXPECT_EQ(formatText({}), "");
    EXPECT_EQ(toJson({}), nlohmann::json({{"devices", nlohmann::json::array()}}));
}

} // namespace
} // namespace vsvm::tools
