// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/device.h"

#include <cerrno>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "core/state.h"
#include "os/os.h"

namespace vsvm {
namespace {

std::string_view paramName(drm_vsvm_param param)
{
    switch (param) {
    case DRM_VSVM_PARAM_UAPI_VERSION:
        return "UAPI_VERSION";
    case DRM_VSVM_PARAM_CAPABILITIES:
        return "CAPABILITIES";
    case DRM_VSVM_PARAM_VA_BITS:
        return "VA_BITS";
    case DRM_VSVM_PARAM_PAGE_SIZES:
        return "PAGE_SIZES";
    case DRM_VSVM_PARAM_NUM_DEVICES:
        return "NUM_DEVICES";
    case DRM_VSVM_PARAM_ISA_VERSION:
        return "ISA_VERSION";
    case DRM_VSVM_PARAM_COMPUTE_ENGINES:
        return "COMPUTE_ENGINES";
    case DRM_VSVM_PARAM_VRAM_BYTES:
        return "VRAM_BYTES";
    }
    return "unknown";
}

std::string reason(int errnum)
{
    return std::generic_category().message(errnum);
}

// A render node this user cannot open, which may be vsvm's.
Status unusableNode(const os::DrmNode& node)
{
    std::string what = node.driverName == kDriverName
                           ? fmt::format("{} is a vsvm render node", node.path)
                           : fmt::format("{} may be a vsvm render node (its driver is unknown)", node.path);
    if (node.openError == EACCES || node.openError == EPERM)
        return Status::error(node.openError,
                             fmt::format("{}, and this user may not open it ({}): add the user to the group "
                                         "that owns it (ls -l {}; usually 'render'), or run as root",
                                         what, reason(node.openError), node.path));
    return Status::error(node.openError, fmt::format("{}, and it cannot be opened: {}", what,
                                                     reason(node.openError)));
}

// The vsvm nodes, in render-node order. A node that could not be opened
// is an error when it may be vsvm's: leaving it out would silently shift
// the device indices or hide the only device.
Result<std::vector<os::DrmNode>> vsvmNodes(os::Os& os)
{
    auto nodes = os.enumerateDevices();
    if (!nodes)
        return nodes.status();
    for (const os::DrmNode& node : *nodes) {
        if (node.openError != 0 && (node.driverName.empty() || node.driverName == kDriverName))
            return unusableNode(node);
    }
    std::erase_if(*nodes, [](const os::DrmNode& node) {
        return node.openError != 0 || node.driverName != kDriverName;
    });
    return nodes;
}

// Why the render nodes, all usable, include no vsvm node.
Status noVsvmNode(os::Os& os)
{
    if (!os.driverLoaded(std::string(kDriverName)))
        return Status::error(ENODEV, "no vsvm device: the vsvm kernel module is not loaded (modprobe vsvm)");
    return Status::error(ENODEV, "no vsvm device: the vsvm module is loaded, but no render node in /dev/dri "
                                 "is vsvm's (are its devices unbound from the driver?)");
}

} // namespace

Device::Device(std::shared_ptr<detail::DeviceState> state) : state_(std::move(state)) {}

Device::~Device() = default;

Result<std::vector<DeviceInfo>> Device::enumerate()
{
    return enumerate(os::systemOs());
}

Result<std::vector<DeviceInfo>> Device::enumerate(os::Os& os)
{
    auto nodes = vsvmNodes(os);
    if (!nodes)
        return nodes.status();

    std::vector<DeviceInfo> devices;
    for (const auto& node : *nodes) {
        auto device = open(os, node.path);
        if (!device)
            return device.status();
        auto info = device->queryInfo();
        if (!info)
            return info.status();
        devices.push_back(std::move(*info));
    }
    return devices;
}

Status Device::noDeviceStatus()
{
    return noDeviceStatus(os::systemOs());
}

Status Device::noDeviceStatus(os::Os& os)
{
    auto nodes = vsvmNodes(os);
    if (!nodes)
        return nodes.status();
    if (!nodes->empty())
        return {};
    return noVsvmNode(os);
}

Result<Device> Device::open(std::size_t index)
{
    return open(os::systemOs(), index);
}

Result<Device> Device::open(os::Os& os, std::size_t index)
{
    auto nodes = vsvmNodes(os);
    if (!nodes)
        return nodes.status();
    if (nodes->empty())
        return noVsvmNode(os);
    if (index >= nodes->size())
        return Status::error(ENODEV, fmt::format("vsvm device {} does not exist: there {} {} (0 to {})", index,
                                                 nodes->size() == 1 ? "is" : "are", nodes->size(),
                                                 nodes->size() - 1));
    return open(os, (*nodes)[index].path);
}

Result<Device> Device::open(const std::string& path)
{
    return open(os::systemOs(), path);
}

Result<Device> Device::open(os::Os& os, const std::string& path)
{
    auto fd = os.open(path);
    if (!fd)
        return fd.status();

    // The node may belong to any DRM driver, and our ioctl numbers mean
    // something else to each of them.
    auto version = os.getVersion(fd->get());
    if (!version)
        return version.status().withContext(path);
    if (version->name != kDriverName)
        return Status::error(ENODEV, fmt::format("{} is a \"{}\" device, not \"{}\"", path, version->name,
                                                 kDriverName));

    return Device(std::make_shared<detail::DeviceState>(
        detail::DeviceState{.os = &os, .fd = std::move(*fd), .path = path, .driver = std::move(*version)}));
}

const std::string& Device::path() const
{
    static const std::string none;
    return state_ ? state_->path : none;
}

const DriverVersion& Device::driverVersion() const
{
    static const DriverVersion none;
    return state_ ? state_->driver : none;
}

int Device::fd() const
{
    return state_ ? state_->fd.get() : -1;
}

template <unsigned long Request, typename Args>
Status Device::ioctl(Args& args, std::string_view what) const
{
    static_assert(_IOC_SIZE(Request) == sizeof(Args), "ioctl request and argument struct differ");

    if (!state_)
        return detail::movedFrom("Device");
    int ret = state_->os->ioctl(state_->fd.get(), Request, &args);
    if (ret < 0)
        return Status::fromErrno(-ret, fmt::format("{} on {}", what, state_->path));
    return {};
}

Result<uint64_t> Device::queryParam(drm_vsvm_param param) const
{
    drm_vsvm_get_param args{};
    args.param = param;

    Status status = ioctl<DRM_IOCTL_VSVM_GET_PARAM>(
        args, fmt::format("DRM_IOCTL_VSVM_GET_PARAM({})", paramName(param)));
    if (!status.ok())
        return status;
    return uint64_t{args.value};
}

Result<DeviceInfo> Device::queryInfo() const
{
    // Every query runs even after a failure: they are cheap and have no side
    // effects, and the code stays flat.
    auto uapiVersion = queryParam(DRM_VSVM_PARAM_UAPI_VERSION);
    auto capabilityBits = queryParam(DRM_VSVM_PARAM_CAPABILITIES);
    auto vaBits = queryParam(DRM_VSVM_PARAM_VA_BITS);
    auto pageSizes = queryParam(DRM_VSVM_PARAM_PAGE_SIZES);
    auto numDevices = queryParam(DRM_VSVM_PARAM_NUM_DEVICES);
    for (const auto* result : {&uapiVersion, &capabilityBits, &vaBits, &pageSizes, &numDevices}) {
        if (!*result)
            return result->status();
    }

    return DeviceInfo{
        .path = state_->path,
        .driver = state_->driver,
        .caps =
            {
                .uapiVersion = decodeUapiVersion(*uapiVersion),
                .capabilityBits = *capabilityBits,
                .vaBits = static_cast<uint32_t>(*vaBits),
                .pageSizes = *pageSizes,
                .numDevices = static_cast<uint32_t>(*numDevices),
            },
    };
}

} // namespace vsvm
