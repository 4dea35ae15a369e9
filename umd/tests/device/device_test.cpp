// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Checks the UMD against a loaded vsvm driver, through the real libdrm seam.

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "device_fixture.h"

namespace vsvm::test {
namespace {

constexpr uint64_t kSize4K = 4096;
constexpr uint64_t kSize2M = 2 * 1024 * 1024;

Device openOrFail(std::size_t index)
{
    auto device = Device::open(index);
    EXPECT_TRUE(device) << device.status().message();
    return std::move(device).value();
}

uint64_t queryOrFail(const Device& device, drm_vsvm_param param)
{
    auto value = device.queryParam(param);
    EXPECT_TRUE(value) << value.status().message();
    return value.ok() ? *value : 0;
}

TEST_F(VsvmDeviceTest, EnumerationListsOnlyVsvmRenderNodes)
{
    for (const DeviceInfo& info : devices_) {
        EXPECT_EQ(info.driver.name, kDriverName) << info.path;
        EXPECT_TRUE(info.path.starts_with("/dev/dri/renderD")) << info.path;
    }
}

TEST_F(VsvmDeviceTest, EveryDeviceOpensByIndexAndByPath)
{
    for (std::size_t index = 0; index < devices_.size(); index++) {
        auto byIndex = Device::open(index);
        ASSERT_TRUE(byIndex) << byIndex.status().message();
        EXPECT_EQ(byIndex->path(), devices_[index].path);

        auto byPath = Device::open(devices_[index].path);
        ASSERT_TRUE(byPath) << byPath.status().message();
        EXPECT_EQ(byPath->driverVersion().name, kDriverName);
    }
}

TEST_F(VsvmDeviceTest, EveryParamHasItsDocumentedValue)
{
    for (std::size_t index = 0; index < devices_.size(); index++) {
        SCOPED_TRACE(devices_[index].path);
        Device device = openOrFail(index);

        EXPECT_EQ(queryOrFail(device, DRM_VSVM_PARAM_UAPI_VERSION), DRM_VSVM_UAPI_VERSION);
        EXPECT_EQ(queryOrFail(device, DRM_VSVM_PARAM_CAPABILITIES) & ~DRM_VSVM_CAPS_ALL, 0u);
        EXPECT_EQ(queryOrFail(device, DRM_VSVM_PARAM_VA_BITS), 48u);
        EXPECT_EQ(queryOrFail(device, DRM_VSVM_PARAM_PAGE_SIZES), kSize4K | kSize2M);
        EXPECT_EQ(queryOrFail(device, DRM_VSVM_PARAM_NUM_DEVICES), devices_.size());
    }
}

TEST_F(VsvmDeviceTest, QueryInfoAgreesWithSingleQueries)
{
    Device device = openOrFail(0);
    auto info = device.queryInfo();
    ASSERT_TRUE(info) << info.status().message();

    EXPECT_EQ(info->path, devices_[0].path);
    EXPECT_EQ(info->caps.uapiVersion,
              (UapiVersion{.major = DRM_VSVM_UAPI_MAJOR, .minor = DRM_VSVM_UAPI_MINOR}));
    EXPECT_EQ(info->caps.capabilityBits, queryOrFail(device, DRM_VSVM_PARAM_CAPABILITIES));
    EXPECT_EQ(info->caps.vaBits, queryOrFail(device, DRM_VSVM_PARAM_VA_BITS));
    EXPECT_EQ(info->caps.pageSizes, queryOrFail(device, DRM_VSVM_PARAM_PAGE_SIZES));
    EXPECT_EQ(info->caps.numDevices, queryOrFail(device, DRM_VSVM_PARAM_NUM_DEVICES));
}

TEST_F(VsvmDeviceTest, UndefinedParamsAreRejected)
{
    Device device = openOrFail(0);
    // 0 is reserved as invalid; the other is far past any parameter.
    for (uint32_t param : {0u, 0xffffffffu}) {
        auto value = device.queryParam(static_cast<drm_vsvm_param>(param));
        ASSERT_FALSE(value) << "param " << param;
        EXPECT_EQ(value.status().errnum(), EINVAL) << value.status().message();
    }
}

} // namespace
} // namespace vsvm::test
