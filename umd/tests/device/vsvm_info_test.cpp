// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-info's path on a real device: list, open by --device index, report.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device_fixture.h"
#include "info_report.h"

namespace vsvm::test {
namespace {

using ::testing::HasSubstr;

TEST_F(VsvmDeviceTest, VsvmInfoReportsEveryDevice)
{
    std::vector<tools::ListedDevice> listed;
    for (std::size_t index = 0; index < devices_.size(); index++)
        listed.push_back({index, devices_[index]});

    nlohmann::json json = tools::toJson(listed);

    ASSERT_EQ(json["devices"].size(), devices_.size());
    const nlohmann::json& first = json["devices"][0];
    EXPECT_EQ(first["path"], devices_[0].path);
    EXPECT_EQ(first["driver"]["name"], "vsvm");
    EXPECT_EQ(first["uapi_version"]["major"], DRM_VSVM_UAPI_MAJOR);
    EXPECT_EQ(first["uapi_version"]["minor"], DRM_VSVM_UAPI_MINOR);
    EXPECT_EQ(first["va_bits"], 48);
    EXPECT_EQ(first["page_sizes"], nlohmann::json({4096, 2097152}));
    EXPECT_THAT(tools::formatText(listed), HasSubstr("page sizes:    4K, 2M\n"));
}

TEST_F(VsvmDeviceTest, VsvmInfoReportsOneDeviceByIndex)
{
    std::size_t last = devices_.size() - 1;
    auto device = Device::open(last);
    ASSERT_TRUE(device) << device.status().message();
    auto info = device->queryInfo();
    ASSERT_TRUE(info) << info.status().message();

    std::string text = tools::formatText({{last, std::move(*info)}});

    EXPECT_THAT(text, HasSubstr(fmt::format("vsvm device {}: {}\n", last, devices_[last].path)));
}

} // namespace
} // namespace vsvm::test
