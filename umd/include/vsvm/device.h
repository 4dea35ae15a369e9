// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

class Vm;

namespace detail {
struct DeviceState;
}

/**
 * An open vsvm render node. Move-only; the descriptor is shared with every
 * Vm, queue and Fence made from the device, and closed when the last of them
 * (or the Device) is gone: destroying the Device first is safe. A moved-from
 * Device answers every call with an EBADF error (fd() is -1, path() empty).
 *
 * Every function has an overload taking the os::Os seam (see src/os/os.h),
 * which unit tests mock; the others use the real libdrm implementation. The
 * Os passed in must outlive the Device and everything made from it.
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once; moving and destroying need exclusive access.
 */
class Device {
public:
    /// Every vsvm render node, in render-node order, with what GET_PARAM
    /// reports for it. No vsvm node at all gives an empty list
    /// (noDeviceStatus() says why); a render node that may be vsvm's but
    /// cannot be opened (no permission) is an error that names it, not
    /// silently left out.
    static Result<std::vector<DeviceInfo>> enumerate();
    static Result<std::vector<DeviceInfo>> enumerate(os::Os& os);

    /// Opens the @p index-th vsvm device of enumerate()'s list. Without
    /// one: noDeviceStatus().
    static Result<Device> open(std::size_t index);
    static Result<Device> open(os::Os& os, std::size_t index);

    /// Opens the render node at @p path; fails with ENODEV if its driver is
    /// not vsvm.
    static Result<Device> open(const std::string& path);
    static Result<Device> open(os::Os& os, const std::string& path);

    /**
     * Why there is no vsvm device (ENODEV, or the errno of a node that
     * cannot be opened): the vsvm module is not loaded, it is loaded but no
     * vsvm render node exists, or a render node cannot be opened by this
     * user. What enumerate() callers print for an empty list.
     */
    static Status noDeviceStatus();
    static Status noDeviceStatus(os::Os& os);

    Device(Device&&) noexcept = default;
    Device& operator=(Device&&) noexcept = default;
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    ~Device();

    /// Reads one parameter with DRM_IOCTL_VSVM_GET_PARAM.
    Result<uint64_t> queryParam(drm_vsvm_param param) const;

    /// Reads every parameter this UMD knows.
    Result<DeviceInfo> queryInfo() const;

    const std::string& path() const;
    const DriverVersion& driverVersion() const;

    /// The render node's descriptor (shared with the device's objects); -1
    /// for a moved-from Device.
    int fd() const;

    /// False for a moved-from Device.
    bool valid() const { return state_ != nullptr; }

private:
    friend class Vm;
    explicit Device(std::shared_ptr<detail::DeviceState> state);

    // The one way this class issues an ioctl.
    template <unsigned long Request, typename Args>
    Status ioctl(Args& args, std::string_view what) const;

    std::shared_ptr<detail::DeviceState> state_;
};

} // namespace vsvm
