// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vsvm/device_info.h"
#include "vsvm/status.h"
#include "vsvm/unique_fd.h"
#include "vsvm_drm.h"

namespace vsvm::os {

/// A DRM render node and the name of the driver behind it.
struct DrmNode {
    std::string path;
    /// DRM_IOCTL_VERSION's name; for a node that could not be opened, the
    /// driver sysfs names, or empty when that is unknown too.
    std::string driverName;
    /// The errno of a failed open or DRM_IOCTL_VERSION; 0 when both worked.
    int openError = 0;
};

/**
 * The seam between the UMD and the kernel. Everything that calls an ioctl or
 * libdrm sits behind it, so core code stays testable with a mock. Each vsvm
 * ioctl has a typed method taking its zero-initialised argument struct, so a
 * test can match the exact arguments without casting; the untyped ioctl()
 * serves GET_PARAM and is the fallback for ioctls without a method yet.
 *
 * The ioctl methods return 0 or a negative errno, as the kernel's handler
 * did: the caller knows what the ioctl meant and builds the error message.
 *
 * Thread safety: the library calls an Os from any thread, concurrently; the
 * libdrm implementation keeps no state (each call is one system call), and a
 * mock must tolerate what its test does.
 */
class Os {
public:
    virtual ~Os() = default;

    /// Every render node, sorted by node number, with its driver's name;
    /// nodes that cannot be opened too, with the errno (openError).
    virtual Result<std::vector<DrmNode>> enumerateDevices() = 0;

    /// Whether the kernel module @p name is loaded (/sys/module/NAME).
    virtual bool driverLoaded(const std::string& name) = 0;

    virtual Result<UniqueFd> open(const std::string& path) = 0;

    virtual Result<DriverVersion> getVersion(int fd) = 0;

    /// Issues @p request, restarting it on EINTR/EAGAIN. Returns 0 or a
    /// negative errno, as the kernel's handler did: the caller knows what the
    /// ioctl meant and builds the error message.
    virtual int ioctl(int fd, unsigned long request, void* arg) = 0;

    virtual int vmCreate(int fd, drm_vsvm_vm_create& args) = 0;
    virtual int vmDestroy(int fd, drm_vsvm_vm_destroy& args) = 0;
    virtual int exec(int fd, drm_vsvm_exec& args) = 0;
    virtual int wait(int fd, drm_vsvm_wait& args) = 0;
    virtual int vmCounters(int fd, drm_vsvm_vm_counters& args) = 0;
    virtual int vmPrefetch(int fd, drm_vsvm_vm_prefetch& args) = 0;

    /// A new syncobj without a fence (drmSyncobjCreate()).
    virtual Result<uint32_t> syncobjCreate(int fd) = 0;
    virtual int syncobjDestroy(int fd, uint32_t handle) = 0;

    /// CLOCK_MONOTONIC in ns: the clock of the absolute timeouts of
    /// DRM_IOCTL_VSVM_WAIT. Behind the seam so that tests fix "now".
    virtual int64_t monotonicNs() = 0;
};

/// The libdrm implementation; it lives as long as the program.
Os& systemOs();

} // namespace vsvm::os
