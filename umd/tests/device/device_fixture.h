// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vsvm/device.h"
#include "vsvm/vm.h"

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

/// A VsvmDeviceTest with device 0 open and a VM on it.
class VsvmVmTest : public VsvmDeviceTest {
protected:
    void SetUp() override
    {
        VsvmDeviceTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        auto device = Device::open(0);
        ASSERT_TRUE(device) << device.status().message();
        device_.emplace(std::move(*device));
        auto vm = Vm::create(*device_);
        ASSERT_TRUE(vm) << vm.status().message();
        vm_.emplace(std::move(*vm));
    }

    void TearDown() override
    {
        vm_.reset();
        device_.reset();
    }

    std::optional<Device> device_;
    std::optional<Vm> vm_;
};

} // namespace vsvm::test
