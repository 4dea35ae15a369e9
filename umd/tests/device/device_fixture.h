// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vsvm/device.h"

namespace vsvm::test {

/// Lists the vsvm devices before each test; skips the test if there is none.
class VsvmDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto devices = Device::enumerate();
        ASSERT_TRUE(devices) << devices.status().message();
        if (devices->empty())
            GTEST_SKIP() << "no vsvm render node; load the vsvm module to run the device tests";
        devices_ = std::move(*devices);
    }

    std::vector<DeviceInfo> devices_;
};

} // namespace vsvm::test
