// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdlib>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vsvm/device.h"

namespace vsvm::test {

/// Lists the vsvm devices before each test. Without a device the test is
/// skipped, unless VSVM_REQUIRE_DEVICE is set (as in the test guest, where the
/// module is loaded and a missing device is a failure).
class VsvmDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto devices = Device::enumerate();
        ASSERT_TRUE(devices) << devices.status().message();
        if (devices->empty() && std::getenv("VSVM_REQUIRE_DEVICE"))
            FAIL() << "no vsvm render node, and VSVM_REQUIRE_DEVICE is set";
        if (devices->empty())
            GTEST_SKIP() << "no vsvm render node; load the vsvm module to run the device tests";
        devices_ = std::move(*devices);
    }

    std::vector<DeviceInfo> devices_;
};

} // namespace vsvm::test
