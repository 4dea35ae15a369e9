// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>
#include <vector>

#include "vsvm/device_info.h"
#include "vsvm/status.h"
#include "vsvm/unique_fd.h"

namespace vsvm::os {

/// A DRM render node and the name of the driver behind it.
struct DrmNode {
    std::string path;
    std::string driverName;
};

/**
 * The seam between the UMD and the kernel. Everything that calls an ioctl or
 * libdrm sits behind it, so core code stays testable with a mock. It speaks in
 * file descriptors and untyped ioctls on purpose: new ioctls (VM create, exec,
 * syncobj waits) need no new method here.
 */
class Os {
public:
    virtual ~Os() = default;

    /// Every render node that could be opened, with its driver name, sorted
    /// by node number.
    virtual Result<std::vector<DrmNode>> enumerateDevices() = 0;

    virtual Result<UniqueFd> open(const std::string& path) = 0;

    virtual Result<DriverVersion> getVersion(int fd) = 0;

    /// Issues @p request, restarting it on EINTR/EAGAIN. Returns 0 or a
    /// negative errno, as the kernel's handler did: the caller knows what the
    /// ioctl meant and builds the error message.
    virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
};

/// The libdrm implementation; it lives as long as the program.
Os& systemOs();

} // namespace vsvm::os
