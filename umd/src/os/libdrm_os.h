// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>
#include <vector>

#include "os/os.h"

namespace vsvm::os {

/// The real Os: libdrm and the render nodes under a device directory.
class LibdrmOs : public Os {
public:
    /// @p deviceDir is /dev/dri (DRM_DIR_NAME) and @p sysfsDir /sys, except in tests.
    LibdrmOs(std::string deviceDir, std::string sysfsDir);
    LibdrmOs();

    Result<std::vector<DrmNode>> enumerateDevices() override;
    bool driverLoaded(const std::string& name) override;
    Result<UniqueFd> open(const std::string& path) override;
    Result<DriverVersion> getVersion(int fd) override;
    int ioctl(int fd, unsigned long request, void* arg) override;
    int vmCreate(int fd, drm_vsvm_vm_create& args) override;
    int vmDestroy(int fd, drm_vsvm_vm_destroy& args) override;
    int exec(int fd, drm_vsvm_exec& args) override;
    int wait(int fd, drm_vsvm_wait& args) override;
    int vmCounters(int fd, drm_vsvm_vm_counters& args) override;
    int vmPrefetch(int fd, drm_vsvm_vm_prefetch& args) override;
    Result<uint32_t> syncobjCreate(int fd) override;
    int syncobjDestroy(int fd, uint32_t handle) override;
    int64_t monotonicNs() override;

private:
    std::string deviceDir_;
    std::string sysfsDir_;
};

} // namespace vsvm::os
