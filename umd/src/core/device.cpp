// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/device.h"

#include <cerrno>
#include <utility>

#include <fmt/format.h>

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
    }
    return "unknown";
}

Result<std::vector<os::DrmNode>> vsvmNodes(os::Os& os)
{
    auto nodes = os.enumerateDevices();
    if (!nodes)
        return nodes.status();
    std::erase_if(*nodes, [](const os::DrmNode& node) { return node.driverName != kDriverName; });
    return nodes;
}

} // namespace

Device::Device(os::Os& os, UniqueFd fd, std::string path, DriverVersion driver)
    : os_(&os), fd_(std::move(fd)), path_(std::move(path)), driver_(std::move(driver))
{
}

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

Result<Device> Device::open(std::size_t index)
{
    return open(os::systemOs(), index);
}

Result<Device> Device::open(os::Os& os, std::size_t index)
{
    auto nodes = vsvmNodes(os);
    if (!nodes)
        return nodes.status();
    if (index >= nodes->size())
        return Status::fromErrno(ENODEV, fmt::format("vsvm device {} does not exist ({} found)",
                                                     index, nodes->size()));
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
        return Status::fromErrno(ENODEV, fmt::format("{} is a \"{}\" device, not \"{}\"", path,
                                                     version->name, kDriverName));

    return Device(os, std::move(*fd), path, std::move(*version));
}

template <unsigned long Request, typename Args>
Status Device::ioctl(Args& args, std::string_view what) const
{
    static_assert(_IOC_SIZE(Request) == sizeof(Args), "ioctl request and argument struct differ");

    int ret = os_->ioctl(fd_.get(), Request, &args);
    if (ret < 0)
        return Status::fromErrno(-ret, fmt::format("{} on {}", what, path_));
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
        .path = path_,
        .driver = driver_,
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
