// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <cstdint>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/device_info.h"
#include "vsvm_drm.h"

namespace vsvm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DeviceInfo, DecodesTheUapiVersion)
{
    EXPECT_EQ(decodeUapiVersion(DRM_VSVM_UAPI_VERSION),
              (UapiVersion{.major = DRM_VSVM_UAPI_MAJOR, .minor = DRM_VSVM_UAPI_MINOR}));
    EXPECT_EQ(decodeUapiVersion(0x0002'0003), (UapiVersion{.major = 2, .minor = 3}));
}

TEST(DeviceInfo, ListsPageSizesSmallestFirst)
{
    EXPECT_THAT(pageSizeList(0x20'0000 | 0x1000), ElementsAre(0x1000u, 0x20'0000u));
    EXPECT_THAT(pageSizeList(0), IsEmpty());
    EXPECT_THAT(pageSizeList(uint64_t{1} << 63), ElementsAre(uint64_t{1} << 63));
}

TEST(DeviceInfo, DefinedCapabilitiesHaveNames)
{
    DecodedCapabilities decoded = decodeCapabilities(DRM_VSVM_CAPS_ALL);
    EXPECT_EQ(decoded.unknownBits, 0u);
}

TEST(DeviceInfo, BitsOutsideTheDefinedCapabilitiesAreUnknown)
{
    DecodedCapabilities decoded = decodeCapabilities(~uint64_t{0});
    EXPECT_EQ(decoded.unknownBits, ~uint64_t{DRM_VSVM_CAPS_ALL});
}

TEST(DeviceInfo, NoCapabilityBitsDecodeToNothing)
{
    DecodedCapabilities decoded = decodeCapabilities(0);
    EXPECT_THAT(decoded.names, IsEmpty());
    EXPECT_EQ(decoded.unknownBits, 0u);
}

} // namespace
} // namespace vsvm
