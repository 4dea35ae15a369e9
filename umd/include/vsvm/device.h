// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/device_info.h"
#include "vsvm/status.h"
#include "vsvm/unique_fd.h"
#include "vsvm_drm.h"

namespace vsvm {

namespace os {
class Os;
}

/**
 * An open vsvm render node. Move-only: it owns the file descriptor.
 *
 * Every function has an overload taking the os::Os seam (see src/os/os.h),
 * which unit tests mock; the others use the real libdrm implementation. The
 * Os passed in must outlive the Device.
 */
class Device {
public:
    /// Every vsvm render node, in render-node order, with what GET_PARAM
    /// reports for it. Nodes of other drivers are left out; no node at all
    /// gives an empty list, not an error.
    static Result<std::vector<DeviceInfo>> enumerate();
    static Result<std::vector<DeviceInfo>> enumerate(os::Os& os);

    /// Opens the @p index-th vsvm device of enumerate()'s list.
    static Result<Device> open(std::size_t index);
    static Result<Device> open(os::Os& os, std::size_t index);

    /// Opens the render node at @p path; fails with ENODEV if its driver is
    /// not vsvm.
    static Result<Device> open(const std::string& path);
    static Result<Device> open(os::Os& os, const std::string& path);

    /// Reads one parameter with DRM_IOCTL_VSVM_GET_PARAM.
    Result<uint64_t> queryParam(drm_vsvm_param param) const;

    /// Reads every parameter this UMD knows.
    Result<DeviceInfo> queryInfo() const;

    const std::string& path() const { return path_; }
    const DriverVersion& driverVersion() const { return driver_; }

    /// The render node's descriptor, owned by the Device.
    int fd() const { return fd_.get(); }

    /// The seam this device issues its ioctls through; VMs, queues and
    /// fences made from the device use it too.
    os::Os& os() const { return *os_; }

private:
    Device(os::Os& os, UniqueFd fd, std::string path, DriverVersion driver);

    // The one way this class issues an ioctl.
    template <unsigned long Request, typename Args>
    Status ioctl(Args& args, std::string_view what) const;

    os::Os* os_;
    UniqueFd fd_;
    std::string path_;
    DriverVersion driver_;
};

} // namespace vsvm
