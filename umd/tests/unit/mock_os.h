// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>

#include "os/os.h"

namespace vsvm::test {

class MockOs : public os::Os {
public:
    MOCK_METHOD(Result<std::vector<os::DrmNode>>, enumerateDevices, (), (override));
    MOCK_METHOD(bool, driverLoaded, (const std::string& name), (override));
    MOCK_METHOD(Result<UniqueFd>, open, (const std::string& path), (override));
    MOCK_METHOD(Result<DriverVersion>, getVersion, (int fd), (override));
    MOCK_METHOD(int, ioctl, (int fd, unsigned long request, void* arg), (override));
    MOCK_METHOD(int, vmCreate, (int fd, drm_vsvm_vm_create& args), (override));
    MOCK_METHOD(int, vmDestroy, (int fd, drm_vsvm_vm_destroy& args), (override));
    MOCK_METHOD(int, exec, (int fd, drm_vsvm_exec& args), (override));
    MOCK_METHOD(int, wait, (int fd, drm_vsvm_wait& args), (override));
    MOCK_METHOD(int, vmCounters, (int fd, drm_vsvm_vm_counters& args), (override));
    MOCK_METHOD(int, vmPrefetch, (int fd, drm_vsvm_vm_prefetch& args), (override));
    MOCK_METHOD(Result<uint32_t>, syncobjCreate, (int fd), (override));
    MOCK_METHOD(int, syncobjDestroy, (int fd, uint32_t handle), (override));
    MOCK_METHOD(int64_t, monotonicNs, (), (override));
};

/// A real descriptor for the mock's open() to hand out, so that UniqueFd has
/// something of its own to close.
inline UniqueFd openDevNull()
{
    return UniqueFd::open("/dev/null").value();
}

} // namespace vsvm::test
